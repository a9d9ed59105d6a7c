/* report_text.c: the report for people: failures grouped by severity then app, then the
 * unknown, manual and muted results, coverage errors, notices, and one summary line.
 * Every outside string passes through the terminal filter (no escape sequences). */
#include "flyaudit/report.h"
#include "report_internal.h"

#include <stdlib.h>
#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

typedef struct text_ctx {
	fa_buf *out;
	bool color;
} text_ctx;

typedef struct text_ref {
	const fa_result *res;
	size_t index;
} text_ref;

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

static int cmp_app(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : (b ? -1 : 0);
	return strcmp(a, b);
}

static int cmp_fail(const void *pa, const void *pb)
{
	const text_ref *a = pa, *b = pb;
	int c;

	if (a->res->severity != b->res->severity)
		return a->res->severity > b->res->severity ? -1 : 1;
	c = cmp_app(a->res->app, b->res->app);
	if (c)
		return c;
	return a->index < b->index ? -1 : (a->index > b->index);
}

/* "machine ID (name, region)" */
static int resource(const text_ctx *t, const fa_result *res)
{
	if (safe(t, res->resource_type) || fa_buf_adds(t->out, " ") || safe(t, res->resource_id))
		return -1;
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

	if (fa_buf_adds(t->out, "  ") || on(t, C_BOLD) || safe(t, res->app ? res->app : "org") ||
	    on(t, C_RESET) || fa_buf_adds(t->out, "  ") || safe(t, m ? m->id : "") )
		return -1;
	if (r->has_baseline && res->baseline >= 0 &&
	    fa_buf_adds(t->out, res->baseline ? "  [existing]" : "  [new]"))
		return -1;
	if (fa_buf_adds(t->out, "\n    ") || safe(t, m ? m->title : "") ||
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

static int status_section(const text_ctx *t, const fa_report *r, fa_status st,
			  const char *heading, size_t count)
{
	fa_buf tmp = FA_BUF_INIT(0);
	size_t i;
	int rc = -1;

	if (!count)
		return 0;
	if (on(t, C_BOLD) || fa_buf_printf(t->out, "%s (%zu)", heading, count) ||
	    on(t, C_RESET) || fa_buf_adds(t->out, "\n"))
		goto cleanup;
	for (i = 0; i < r->results.n; i++) {
		const fa_result *res = &r->results.items[i];
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
		if (short_line(t, res, text))
			goto cleanup;
	}
	if (fa_buf_adds(t->out, "\n"))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&tmp);
	return rc;
}

static int summary_line(const text_ctx *t, const fa_report *r, const fa_summary *sum)
{
	fa_buf *o = t->out;
	size_t fails = sum->by_status[FA_STATUS_FAIL];
	size_t new_fails = 0, i;
	int first = 1, v;

	for (i = 0; i < r->results.n; i++)
		if (r->results.items[i].status == FA_STATUS_FAIL && r->results.items[i].baseline != 1)
			new_fails++;
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

int fa_report_text(const fa_report *r, bool color, fa_buf *out)
{
	text_ctx t = { out, color };
	text_ref *refs = NULL;
	fa_summary sum;
	size_t n_fail = 0, i;
	int rc = -1;

	fa_summary_of(&r->results, &sum);
	if (r->results.n) {
		refs = calloc(r->results.n, sizeof(*refs));
		if (!refs)
			goto cleanup;
	}
	for (i = 0; i < r->results.n; i++)
		if (r->results.items[i].status == FA_STATUS_FAIL) {
			refs[n_fail].res = &r->results.items[i];
			refs[n_fail].index = i;
			n_fail++;
		}
	if (n_fail)
		qsort(refs, n_fail, sizeof(*refs), cmp_fail);
	for (i = 0; i < n_fail; i++) {
		fa_severity s = refs[i].res->severity;
		if (i == 0 || refs[i - 1].res->severity != s) {
			size_t k = i, cnt = 0;
			char up[16];
			const char *name = fa_severity_name(s);
			size_t j;

			while (k < n_fail && refs[k].res->severity == s) {
				cnt++;
				k++;
			}
			for (j = 0; name[j] && j + 1 < sizeof(up); j++)
				up[j] = (char)(name[j] >= 'a' && name[j] <= 'z' ? name[j] - 32 : name[j]);
			up[j] = '\0';
			if (on(&t, sev_color(s)) || fa_buf_printf(out, "%s (%zu)", up, cnt) ||
			    on(&t, C_RESET) || fa_buf_adds(out, "\n"))
				goto cleanup;
		}
		if (failure_block(&t, r, refs[i].res))
			goto cleanup;
	}
	if (status_section(&t, r, FA_STATUS_UNKNOWN, "Unknown",
			   sum.by_status[FA_STATUS_UNKNOWN]) ||
	    status_section(&t, r, FA_STATUS_MANUAL, "Manual: verify by hand",
			   sum.by_status[FA_STATUS_MANUAL]) ||
	    status_section(&t, r, FA_STATUS_MUTED, "Muted", sum.by_status[FA_STATUS_MUTED]))
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
	if (summary_line(&t, r, &sum))
		goto cleanup;
	rc = 0;
cleanup:
	free(refs);
	if (rc)
		fa_buf_release(out);
	return rc;
}
