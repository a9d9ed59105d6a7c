/* report/text.c: the report for people: failures grouped by severity then app, then the
 * unknown, manual and muted results, coverage errors, notices, and one summary line.
 * Every outside string passes through the terminal filter (no escape sequences). */
#include "flyaudit/report.h"
#include "internal.h"

#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

typedef struct text_ctx {
	fa_buf *out;
	fa_rpt_out *o;
	bool color;
} text_ctx;

static const char *sev_color(fa_severity s)
{
	switch (s) {
	case FA_SEV_CRITICAL: return "\033[1;31m";
	case FA_SEV_HIGH: return "\033[31m";
	case FA_SEV_MEDIUM: return "\033[33m";
	case FA_SEV_LOW: return "\033[36m";
	default: return C_DIM;
	}
}

static int on(const text_ctx *t, const char *code)
{
	return t->color ? fa_buf_adds(t->out, code) : 0;
}

static int safe(const text_ctx *t, const char *s)
{
	return fa_rpt_escape(t->out, s, FA_ESC_TERMINAL);
}

/* "machine ID (name, region)"; a file result: "path:line (name)" */
static int resource(const text_ctx *t, const fa_result *res)
{
	if (res->file) {
		if (safe(t, res->file) || (res->line && fa_buf_printf(t->out, ":%u", res->line)))
			return -1;
	} else if (safe(t, res->resource_type) || fa_buf_adds(t->out, " ") ||
		   safe(t, res->resource_id)) {
		return -1;
	}
	if (res->resource_name || res->region) {
		if (fa_buf_adds(t->out, " ("))
			return -1;
		if (res->resource_name && safe(t, res->resource_name))
			return -1;
		if (res->resource_name && res->region && fa_buf_adds(t->out, ", "))
			return -1;
		if (res->region && (fa_buf_adds(t->out, "region ") || safe(t, res->region)))
			return -1;
		if (fa_buf_adds(t->out, ")"))
			return -1;
	}
	return 0;
}

static int failure_block(const text_ctx *t, const fa_report *r, const fa_result *res)
{
	const fa_check_meta *m = res->check;

	if (fa_buf_adds(t->out, "  ") || on(t, C_BOLD) ||
	    safe(t, res->app ? res->app : (res->file ? "repository" : "org")) ||
	    on(t, C_RESET) || fa_buf_adds(t->out, "  ") || safe(t, m ? m->id : "") )
		return -1;
	if (r->has_baseline && res->baseline >= 0 &&
	    fa_buf_adds(t->out, res->baseline ? "  [existing]" : "  [new]"))
		return -1;
	if (fa_buf_adds(t->out, "\n    expected: ") || safe(t, m ? m->title : "") ||
	    fa_buf_adds(t->out, "\n    ") || resource(t, res) ||
	    fa_buf_adds(t->out, "\n    ") || safe(t, res->message) ||
	    fa_buf_adds(t->out, "\n    fix: ") || safe(t, m ? m->remediation : "") ||
	    fa_buf_adds(t->out, "\n\n"))
		return -1;
	return 0;
}

/* "  app  check  type id: text" */
static int short_line(const text_ctx *t, const fa_result *res, const char *text)
{
	if (fa_buf_adds(t->out, "  ") || safe(t, res->app ? res->app : "org") ||
	    fa_buf_adds(t->out, "  ") || safe(t, res->check ? res->check->id : "") ||
	    fa_buf_adds(t->out, "  ") || resource(t, res) || fa_buf_adds(t->out, ": ") ||
	    safe(t, text) || fa_buf_adds(t->out, "\n"))
		return -1;
	return 0;
}

static int status_section(const text_ctx *t, const fa_result_iter *it, fa_status st,
			  const char *heading, size_t count)
{
	fa_buf tmp = FA_BUF_INIT(0);
	const fa_result *res = NULL;
	int rc = -1, more;

	if (!count)
		return 0;
	if (on(t, C_BOLD) || fa_buf_printf(t->out, "%s (%zu)", heading, count) ||
	    on(t, C_RESET) || fa_buf_adds(t->out, "\n"))
		goto cleanup;
	if (it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		goto cleanup;
	while ((more = it->next(it->ctx, &res)) == 1) {
		const char *text = res->message;

		if (res->status != st)
			continue;
		if (st == FA_STATUS_MUTED) {
			fa_buf_reset(&tmp);
			if (fa_buf_printf(&tmp, "%s (expires %s)",
					  res->muted_reason ? res->muted_reason : "",
					  res->muted_expires ? res->muted_expires : ""))
				goto cleanup;
			text = tmp.data;
		}
		if (short_line(t, res, text) || fa_rpt_out_flush(t->o, FA_RPT_FLUSH_AT))
			goto cleanup;
	}
	if (more < 0 || fa_buf_adds(t->out, "\n"))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&tmp);
	return rc;
}

static int summary_line(const text_ctx *t, const fa_report *r, const fa_report_counts *c)
{
	fa_buf *o = t->out;
	const fa_summary *sum = &c->summary;
	size_t fails = sum->by_status[FA_STATUS_FAIL];
	size_t new_fails = c->new_fails;
	int first = 1, v;

	if (safe(t, r->org ? r->org : "") || fa_buf_printf(o, ": %zu failed", fails))
		return -1;
	if (fails && fa_buf_adds(o, " ("))
		return -1;
	if (fails && r->has_baseline) {
		if (fa_buf_printf(o, "%zu new", new_fails))
			return -1;
		first = 0;
	}
	for (v = FA_SEV_CRITICAL; fails && v >= FA_SEV_INFO; v--) {
		if (!sum->fail_by_severity[v])
			continue;
		if (fa_buf_adds(o, first ? "" : ", ") ||
		    fa_buf_printf(o, "%zu %s", sum->fail_by_severity[v],
				  fa_severity_name((fa_severity)v)))
			return -1;
		first = 0;
	}
	if (fails && fa_buf_adds(o, ")"))
		return -1;
	if (fa_buf_printf(o, ", %zu passed, %zu unknown, %zu manual, %zu muted",
			  sum->by_status[FA_STATUS_PASS], sum->by_status[FA_STATUS_UNKNOWN],
			  sum->by_status[FA_STATUS_MANUAL], sum->by_status[FA_STATUS_MUTED]) ||
	    fa_buf_printf(o, " \xE2\x80\x94 %zu app%s, %zu complete", r->apps,
			  r->apps == 1 ? "" : "s", r->apps_complete))
		return -1;
	if (r->n_errors && fa_buf_printf(o, ", %zu coverage error%s", r->n_errors,
					 r->n_errors == 1 ? "" : "s"))
		return -1;
	return fa_buf_adds(o, "\n");
}

int fa_report_text_stream(const fa_report *r, const fa_report_counts *counts, bool color,
			  const fa_result_iter *it, const fa_report_sink *sink)
{
	fa_rpt_out o;
	text_ctx t = { &o.buf, &o, color };
	fa_buf *out = &o.buf;
	const fa_summary *sum = &counts->summary;
	const fa_result *res = NULL;
	size_t i;
	int rc = -1, v, more;

	fa_rpt_out_init(&o, sink);
	/* failures: by severity (highest first), then app, then the results' own order */
	for (v = FA_SEV_NONE; v >= FA_SEV_INFO; v--) {
		size_t cnt = sum->fail_by_severity[v];
		char up[16];
		const char *name = fa_severity_name((fa_severity)v);
		size_t j;

		if (!cnt)
			continue;
		for (j = 0; name[j] && j + 1 < sizeof(up); j++)
			up[j] = (char)(name[j] >= 'a' && name[j] <= 'z' ? name[j] - 32 : name[j]);
		up[j] = '\0';
		if (on(&t, sev_color((fa_severity)v)) || fa_buf_printf(out, "%s (%zu)", up, cnt) ||
		    on(&t, C_RESET) || fa_buf_adds(out, "\n"))
			goto cleanup;
		if (it->begin(it->ctx, FA_ORDER_APP) < 0)
			goto cleanup;
		while ((more = it->next(it->ctx, &res)) == 1) {
			if (res->status != FA_STATUS_FAIL || (int)res->severity != v)
				continue;
			if (failure_block(&t, r, res) || fa_rpt_out_flush(&o, FA_RPT_FLUSH_AT))
				goto cleanup;
		}
		if (more < 0)
			goto cleanup;
	}
	if (status_section(&t, it, FA_STATUS_UNKNOWN, "Unknown",
			   sum->by_status[FA_STATUS_UNKNOWN]) ||
	    status_section(&t, it, FA_STATUS_MANUAL, "Manual: verify by hand",
			   sum->by_status[FA_STATUS_MANUAL]) ||
	    status_section(&t, it, FA_STATUS_MUTED, "Muted", sum->by_status[FA_STATUS_MUTED]))
		goto cleanup;
	if (r->n_errors) {
		if (on(&t, C_BOLD) || fa_buf_printf(out, "Coverage errors (%zu)", r->n_errors) ||
		    on(&t, C_RESET) || fa_buf_adds(out, "\n"))
			goto cleanup;
		for (i = 0; i < r->n_errors; i++) {
			const fa_coverage_error *e = &r->errors[i];
			if (fa_buf_adds(out, "  ") || safe(&t, e->app ? e->app : "org") ||
			    fa_buf_adds(out, ": could not read ") || safe(&t, e->endpoint) ||
			    fa_buf_printf(out, ": %d ", e->status) || safe(&t, e->message) ||
			    fa_buf_adds(out, "\n"))
				goto cleanup;
		}
		if (fa_buf_adds(out, "\n"))
			goto cleanup;
	}
	if (r->n_notices) {
		if (on(&t, C_BOLD) || fa_buf_printf(out, "Notices (%zu)", r->n_notices) ||
		    on(&t, C_RESET) || fa_buf_adds(out, "\n"))
			goto cleanup;
		for (i = 0; i < r->n_notices; i++)
			if (fa_buf_adds(out, "  ") || safe(&t, r->notices[i]) ||
			    fa_buf_adds(out, "\n"))
				goto cleanup;
		if (fa_buf_adds(out, "\n"))
			goto cleanup;
	}
	if (summary_line(&t, r, counts) || fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	fa_rpt_out_release(&o);
	return rc;
}

int fa_report_text(const fa_report *r, bool color, fa_buf *out)
{
	return fa_rpt_render_memory(r, color, fa_report_text_stream, out);
}
