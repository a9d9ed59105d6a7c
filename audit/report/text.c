/* report/text.c: the report for people: failures grouped by severity then app, then the
 * unknown, manual and muted results, coverage errors, notices, and one summary line.
 * Every outside string passes through the terminal filter (no escape sequences). */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdlib.h>
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

/* Who a result is about: its app, "repository" for a file of a scan, else "org". */
static const char *owner(const fa_result *res)
{
	return res->app ? res->app : (res->file ? "repository" : "org");
}

/* "HIGH (2)" in the severity's colour. */
static int sev_heading(const text_ctx *t, fa_severity v, size_t count)
{
	const char *name = fa_severity_name(v);
	char up[16];
	size_t j;

	for (j = 0; name[j] && j + 1 < sizeof(up); j++)
		up[j] = (char)(name[j] >= 'a' && name[j] <= 'z' ? name[j] - 32 : name[j]);
	up[j] = '\0';
	return on(t, sev_color(v)) || fa_buf_printf(t->out, "%s (%zu)", up, count) ||
	       on(t, C_RESET) || fa_buf_adds(t->out, "\n") ? -1 : 0;
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
	    safe(t, owner(res)) ||
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
	if (fa_buf_adds(t->out, "  ") || safe(t, owner(res)) ||
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

/* The coverage errors, the first `show` of them (the rest counted). */
static int coverage_section(const text_ctx *t, const fa_report *r, size_t show)
{
	fa_buf *out = t->out;
	size_t i;

	if (!r->n_errors)
		return 0;
	if (on(t, C_BOLD) || fa_buf_printf(out, "Coverage errors (%zu)", r->n_errors) ||
	    on(t, C_RESET) || fa_buf_adds(out, "\n"))
		return -1;
	for (i = 0; i < r->n_errors && i < show; i++) {
		const fa_coverage_error *e = &r->errors[i];

		if (fa_buf_adds(out, "  ") || safe(t, e->app ? e->app : "org") ||
		    fa_buf_adds(out, ": could not read ") || safe(t, e->endpoint) ||
		    fa_buf_printf(out, ": %d ", e->status) || safe(t, e->message) ||
		    fa_buf_adds(out, "\n"))
			return -1;
	}
	if (r->n_errors > show &&
	    fa_buf_printf(out, "  and %zu more (-v lists them all)\n", r->n_errors - show))
		return -1;
	return fa_buf_adds(out, "\n");
}

static int notices_section(const text_ctx *t, const fa_report *r)
{
	fa_buf *out = t->out;
	size_t i;

	if (!r->n_notices)
		return 0;
	if (on(t, C_BOLD) || fa_buf_printf(out, "Notices (%zu)", r->n_notices) ||
	    on(t, C_RESET) || fa_buf_adds(out, "\n"))
		return -1;
	for (i = 0; i < r->n_notices; i++)
		if (fa_buf_adds(out, "  ") || safe(t, r->notices[i]) || fa_buf_adds(out, "\n"))
			return -1;
	return fa_buf_adds(out, "\n");
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
	    (r->scanned_files && !r->apps
		     ? fa_buf_printf(o, " \xE2\x80\x94 %zu file%s scanned", r->scanned_files,
				     r->scanned_files == 1 ? "" : "s")
		     : fa_buf_printf(o, " \xE2\x80\x94 %zu app%s, %zu complete", r->apps,
				     r->apps == 1 ? "" : "s", r->apps_complete)))
		return -1;
	if (r->machines != r->machines_audited &&
	    fa_buf_printf(o, ", %zu of %zu machines audited (%zu destroyed, destroying, replaced "
			     "or migrated)",
			  r->machines_audited, r->machines, r->machines - r->machines_audited))
		return -1;
	if (r->n_errors && fa_buf_printf(o, ", %zu coverage error%s", r->n_errors,
					 r->n_errors == 1 ? "" : "s"))
		return -1;
	return fa_buf_adds(o, "\n");
}

/* `--compliance`: one row per control: verdict, counts, title */
static int compliance_section(const text_ctx *t, const fa_report *r, const fa_result_iter *it)
{
	fa_compliance_summary cs;
	size_t i;
	int rc = -1;

	if (r->compliance == FA_FW_NONE)
		return 0;
	if (fa_compliance_summarise(r->compliance, it, &cs) < 0)
		return -1;
	if (on(t, C_BOLD) || fa_buf_printf(t->out, "%s (%zu controls)", fa_framework_title(r->compliance), cs.n) ||
	    on(t, C_RESET) ||
	    fa_buf_printf(t->out, "\n  %-8s %-8s %5s %5s %7s %6s %5s  %s\n", "CONTROL", "VERDICT", "FAIL",
			  "PASS", "UNKNOWN", "MANUAL", "MUTED", "TITLE"))
		goto cleanup;
	for (i = 0; i < cs.n; i++) {
		const fa_control_row *row = &cs.rows[i];

		if (fa_buf_printf(t->out, "  %-8s %-8s %5zu %5zu %7zu %6zu %5zu  %s\n", row->control,
				  fa_control_verdict(row), row->by_status[FA_STATUS_FAIL],
				  row->by_status[FA_STATUS_PASS], row->by_status[FA_STATUS_UNKNOWN],
				  row->by_status[FA_STATUS_MANUAL], row->by_status[FA_STATUS_MUTED],
				  row->title))
			goto cleanup;
	}
	rc = fa_buf_adds(t->out, "\n");
cleanup:
	fa_compliance_summary_release(&cs);
	return rc;
}

/* -v: every result on its own line, failures in full. */
static int text_all(const fa_report *r, const fa_report_counts *counts, bool color,
		    const fa_result_iter *it, const fa_report_sink *sink)
{
	fa_rpt_out o;
	text_ctx t = { &o.buf, &o, color };
	const fa_summary *sum = &counts->summary;
	const fa_result *res = NULL;
	int rc = -1, v, more;

	fa_rpt_out_init(&o, sink);
	/* failures: by severity (highest first), then app, then the results' own order */
	for (v = FA_SEV_NONE; v >= FA_SEV_INFO; v--) {
		if (!sum->fail_by_severity[v])
			continue;
		if (sev_heading(&t, (fa_severity)v, sum->fail_by_severity[v]))
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
	if (coverage_section(&t, r, r->n_errors) || compliance_section(&t, r, it) ||
	    notices_section(&t, r) ||
	    summary_line(&t, r, counts) || fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	fa_rpt_out_release(&o);
	return rc;
}

/* ---- the grouped report (the default) -------------------------------------------------- */

#define FIRST_FAILS 3   /* failures of one check shown before "and N more" */
#define FIRST_NAMES 3   /* resources named in an unknown, manual or muted block */
#define MAX_GROUPS 32   /* distinct reasons kept per section; the rest are counted */
#define SHOW_GROUPS 6   /* reasons shown per section, the most frequent first */
#define MAX_GROUP_CHECKS 8
#define WORST_APPS 3
#define FIRST_ERRORS 10 /* coverage errors listed before "and N more" */

/* Results of one status that share a reason: for unknowns the cause (the message, whatever
 * the check), for manual and muted results the check and its reason. */
typedef struct group {
	const fa_check_meta *check; /* NULL: the group spans checks (unknown causes) */
	char *text;
	size_t count;
	const fa_check_meta *checks[MAX_GROUP_CHECKS];
	size_t n_checks, more_checks;
	fa_buf names; /* the first FIRST_NAMES distinct resources, escaped */
	char *shown[FIRST_NAMES]; /* the same, one each, to see a resource again */
	size_t n_names;
	size_t listed; /* results whose resource is among the names shown */
	size_t order; /* first appearance, for a stable sort */
} group;

typedef struct groups {
	group items[MAX_GROUPS];
	size_t n;
	size_t other; /* results whose reason found no room */
	int oom;
} groups;

static void groups_release(groups *gs)
{
	size_t i;

	for (i = 0; i < gs->n; i++) {
		free(gs->items[i].text);
		fa_buf_release(&gs->items[i].names);
		for (size_t k = 0; k < gs->items[i].n_names; k++)
			free(gs->items[i].shown[k]);
	}
	gs->n = 0;
}

/* "app machine 1f9f..": a short name for a resource in a list. */
static int short_name(fa_buf *b, const fa_result *res)
{
	if (res->app && strcmp(res->resource_type, "app") == 0)
		return fa_rpt_escape(b, res->app, FA_ESC_TERMINAL);
	if (res->app && (fa_rpt_escape(b, res->app, FA_ESC_TERMINAL) || fa_buf_adds(b, " ")))
		return -1;
	if (!res->app && fa_buf_adds(b, "org "))
		return -1;
	return fa_rpt_escape(b, res->resource_type, FA_ESC_TERMINAL) || fa_buf_adds(b, " ") ||
	       fa_rpt_escape(b, res->resource_id, FA_ESC_TERMINAL) ? -1 : 0;
}

static group *group_find(groups *gs, const fa_check_meta *check, const char *text)
{
	size_t i;
	group *g = NULL;

	for (i = 0; i < gs->n; i++)
		if (gs->items[i].check == check && strcmp(gs->items[i].text, text) == 0)
			return &gs->items[i];
	if (gs->n == MAX_GROUPS)
		return NULL;
	g = &gs->items[gs->n];
	memset(g, 0, sizeof(*g));
	g->text = strdup(text);
	if (!g->text) {
		gs->oom = 1;
		return NULL;
	}
	fa_buf_init(&g->names, 0);
	g->check = check;
	g->order = gs->n++;
	return g;
}

static void group_add(groups *gs, const fa_check_meta *check, const char *text,
		      const fa_result *res)
{
	group *g = group_find(gs, check, text);
	size_t i;

	if (!g) {
		gs->other++;
		return;
	}
	g->count++;
	for (i = 0; i < g->n_checks && g->checks[i] != res->check; i++)
		;
	if (i == g->n_checks) {
		if (g->n_checks < MAX_GROUP_CHECKS)
			g->checks[g->n_checks++] = res->check;
		else
			g->more_checks++;
	}
	/* one resource often fails several checks for one cause: it is named once */
	if (g->n_names) {
		fa_buf name = FA_BUF_INIT(0);

		if (short_name(&name, res) || fa_buf_add(&name, "", 1)) {
			gs->oom = 1;
			fa_buf_release(&name);
			return;
		}
		for (i = 0; i < g->n_names && strcmp(g->shown[i], name.data) != 0; i++)
			;
		fa_buf_release(&name);
		if (i < g->n_names) {
			g->listed++;
			return;
		}
	}
	if (g->n_names < FIRST_NAMES) {
		size_t at = g->names.len + (g->n_names ? 2 : 0);

		if ((g->n_names && fa_buf_adds(&g->names, ", ")) || short_name(&g->names, res) ||
		    !(g->shown[g->n_names] = strndup(g->names.data + at, g->names.len - at))) {
			gs->oom = 1;
			return;
		}
		g->n_names++;
		g->listed++;
	}
}

static int group_cmp(const void *a, const void *b)
{
	const group *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Fills gs with the results of status st, the most frequent reason first. Unknowns group by cause across checks. */
static int groups_fill(groups *gs, const fa_result_iter *it, fa_status st)
{
	const fa_result *res = NULL;
	fa_buf tmp = FA_BUF_INIT(0);
	int more;

	if (it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		return -1;
	while ((more = it->next(it->ctx, &res)) == 1) {
		const char *text = res->message ? res->message : "";

		if (res->status != st)
			continue;
		if (st == FA_STATUS_MUTED) {
			fa_buf_reset(&tmp);
			if (fa_buf_printf(&tmp, "%s (expires %s)",
					  res->muted_reason ? res->muted_reason : "",
					  res->muted_expires ? res->muted_expires : "")) {
				gs->oom = 1;
				break;
			}
			text = tmp.data;
		}
		group_add(gs, st == FA_STATUS_UNKNOWN ? NULL : res->check, text, res);
		if (gs->oom)
			break;
	}
	fa_buf_release(&tmp);
	if (more < 0 || gs->oom)
		return -1;
	if (gs->n > 1)
		qsort(gs->items, gs->n, sizeof(gs->items[0]), group_cmp);
	return 0;
}

static int group_section(const text_ctx *t, const groups *gs, const char *heading,
			 size_t count)
{
	fa_buf *out = t->out;
	size_t i, j, rest = gs->other, rest_reasons = gs->other ? 1 : 0;

	if (!count)
		return 0;
	if (on(t, C_BOLD) || fa_buf_printf(out, "%s (%zu)", heading, count) || on(t, C_RESET) ||
	    fa_buf_adds(out, "\n"))
		return -1;
	for (i = SHOW_GROUPS; i < gs->n; i++) {
		rest += gs->items[i].count;
		rest_reasons++;
	}
	for (i = 0; i < gs->n && i < SHOW_GROUPS; i++) {
		const group *g = &gs->items[i];

		if (fa_buf_adds(out, "  ") ||
		    (g->check && (safe(t, g->check->id) || fa_buf_adds(out, ": "))) ||
		    safe(t, g->text) || fa_buf_printf(out, " (%zu)\n", g->count))
			return -1;
		if (!g->check) {
			if (fa_buf_adds(out, g->n_checks + g->more_checks == 1 ? "    check: "
									       : "    checks: "))
				return -1;
			for (j = 0; j < g->n_checks; j++)
				if ((j && fa_buf_adds(out, ", ")) || safe(t, g->checks[j]->id))
					return -1;
			if (g->more_checks && fa_buf_printf(out, " and %zu more", g->more_checks))
				return -1;
			if (fa_buf_adds(out, "\n"))
				return -1;
		}
		if (fa_buf_adds(out, "    ") || fa_buf_add(out, g->names.data, g->names.len))
			return -1;
		if (g->count > g->listed && fa_buf_printf(out, ", and %zu more", g->count - g->listed))
			return -1;
		if (fa_buf_adds(out, "\n") || fa_rpt_out_flush(t->o, FA_RPT_FLUSH_AT))
			return -1;
	}
	if (rest && fa_buf_printf(out, "  and %zu more with %s%zu other reason%s (-v lists them all)\n",
				  rest, gs->other ? "more than " : "", rest_reasons,
				  rest_reasons == 1 && !gs->other ? "" : "s"))
		return -1;
	return fa_buf_adds(out, "\n");
}

/* One line of a check's failure block: "    app  machine ID (name, region): message". */
static int fail_line(const text_ctx *t, const fa_report *r, const fa_result *res)
{
	if (fa_buf_adds(t->out, "    ") || on(t, C_BOLD) || safe(t, owner(res)) ||
	    on(t, C_RESET) || fa_buf_adds(t->out, "  ") || resource(t, res) ||
	    fa_buf_adds(t->out, ": ") || safe(t, res->message))
		return -1;
	if (r->has_baseline && res->baseline >= 0 &&
	    fa_buf_adds(t->out, res->baseline ? "  [existing]" : "  [new]"))
		return -1;
	return fa_buf_adds(t->out, "\n");
}

static int fail_block_end(const text_ctx *t, const fa_check_meta *m, size_t shown, size_t count)
{
	if (count > shown &&
	    fa_buf_printf(t->out, "    and %zu more (-v lists them all)\n", count - shown))
		return -1;
	return fa_buf_adds(t->out, "    fix: ") || safe(t, m ? m->remediation : "") ||
	       fa_buf_adds(t->out, "\n\n") ? -1 : 0;
}

/* Failures of one severity, one block per check: its first FIRST_FAILS resources. The
 * results come sorted by check, so a block ends where the check changes. */
static int fail_section(const text_ctx *t, const fa_report *r, const fa_result_iter *it,
			fa_severity v)
{
	const fa_result *res = NULL;
	const fa_check_meta *cur = NULL;
	size_t shown = 0, count = 0, total = 0;
	int more;

	if (it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		return -1;
	while ((more = it->next(it->ctx, &res)) == 1) {
		if (res->status != FA_STATUS_FAIL || res->severity != v)
			continue;
		if (res->check != cur || total == 0) {
			if (total && fail_block_end(t, cur, shown, count))
				return -1;
			cur = res->check;
			shown = count = 0;
			if (fa_buf_adds(t->out, "  ") || safe(t, cur ? cur->id : "") ||
			    fa_buf_adds(t->out, ": ") || safe(t, cur ? cur->title : "") ||
			    fa_buf_adds(t->out, "\n"))
				return -1;
		}
		count++;
		total++;
		if (shown < FIRST_FAILS) {
			if (fail_line(t, r, res))
				return -1;
			shown++;
		}
		if (fa_rpt_out_flush(t->o, FA_RPT_FLUSH_AT))
			return -1;
	}
	if (more < 0)
		return -1;
	return total ? fail_block_end(t, cur, shown, count) : 0;
}

typedef struct app_score {
	char *app;
	size_t fails[FA_SEV_NONE + 1];
} app_score;

/* a ranks before b: more criticals, then more highs, ... */
static int score_above(const app_score *a, const app_score *b)
{
	int v;

	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (a->fails[v] != b->fails[v])
			return a->fails[v] > b->fails[v];
	return 0;
}

static int score_any(const app_score *s)
{
	int v;

	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (s->fails[v])
			return 1;
	return 0;
}

/* Keeps cur among the WORST_APPS best-ranked; takes its name when it enters. */
static void worst_offer(app_score *top, size_t *n, app_score *cur)
{
	size_t i, pos;

	if (!cur->app || !score_any(cur))
		return;
	for (pos = 0; pos < *n && !score_above(cur, &top[pos]); pos++)
		;
	if (pos == WORST_APPS)
		return;
	if (*n == WORST_APPS)
		free(top[--*n].app);
	for (i = *n; i > pos; i--)
		top[i] = top[i - 1];
	top[pos] = *cur;
	cur->app = NULL;
	++*n;
}

/* "  worst apps: a (1 critical, 2 high), b (1 high)" from one pass in app order. */
static int worst_apps(const text_ctx *t, const fa_result_iter *it)
{
	app_score top[WORST_APPS], cur;
	const fa_result *res = NULL;
	size_t n = 0, i;
	int more, rc = -1, v;

	memset(&cur, 0, sizeof(cur));
	if (it->begin(it->ctx, FA_ORDER_APP) < 0)
		return -1;
	while ((more = it->next(it->ctx, &res)) == 1) {
		if (!res->app)
			continue;
		if (!cur.app || strcmp(cur.app, res->app) != 0) {
			worst_offer(top, &n, &cur);
			free(cur.app);
			memset(&cur, 0, sizeof(cur));
			if (!(cur.app = strdup(res->app)))
				goto cleanup;
		}
		if (res->status == FA_STATUS_FAIL && res->severity <= FA_SEV_NONE)
			cur.fails[res->severity]++;
	}
	if (more < 0)
		goto cleanup;
	worst_offer(top, &n, &cur);
	if (n && fa_buf_adds(t->out, "  worst apps: "))
		goto cleanup;
	for (i = 0; i < n; i++) {
		int first = 1;

		if ((i && fa_buf_adds(t->out, ", ")) || safe(t, top[i].app) ||
		    fa_buf_adds(t->out, " ("))
			goto cleanup;
		for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--) {
			if (!top[i].fails[v])
				continue;
			if (fa_buf_printf(t->out, "%s%zu %s", first ? "" : ", ", top[i].fails[v],
					  fa_severity_name((fa_severity)v)))
				goto cleanup;
			first = 0;
		}
		if (fa_buf_adds(t->out, ")"))
			goto cleanup;
	}
	if (n && fa_buf_adds(t->out, "\n"))
		goto cleanup;
	rc = 0;
cleanup:
	free(cur.app);
	for (i = 0; i < n; i++)
		free(top[i].app);
	return rc;
}

/* What the run could not see, and why: coverage errors and the causes of unknowns. */
static int blind_spots(const text_ctx *t, const fa_report *r, const groups *unknown,
		       size_t n_unknown)
{
	size_t causes = unknown->n + (unknown->other ? 1 : 0);

	if (!r->n_errors && !n_unknown)
		return 0;
	if (fa_buf_adds(t->out, "  not seen: "))
		return -1;
	if (r->n_errors && fa_buf_printf(t->out, "%zu coverage error%s", r->n_errors,
					 r->n_errors == 1 ? "" : "s"))
		return -1;
	if (r->n_errors && n_unknown && fa_buf_adds(t->out, "; "))
		return -1;
	if (n_unknown && fa_buf_printf(t->out, "%zu unknown result%s from %s%zu cause%s", n_unknown,
				       n_unknown == 1 ? "" : "s", unknown->other ? "more than " : "",
				       causes, causes == 1 ? "" : "s"))
		return -1;
	return fa_buf_adds(t->out, " (below)\n");
}

static int text_grouped(const fa_report *r, const fa_report_counts *counts, bool color,
			const fa_result_iter *it, const fa_report_sink *sink)
{
	fa_rpt_out o;
	text_ctx t = { &o.buf, &o, color };
	const fa_summary *sum = &counts->summary;
	bool brief = r->text_detail == FA_TEXT_BRIEF, body;
	groups *unknown = NULL, *manual = NULL, *muted = NULL;
	int rc = -1, v;

	fa_rpt_out_init(&o, sink);
	unknown = calloc(1, sizeof(*unknown));
	manual = calloc(1, sizeof(*manual));
	muted = calloc(1, sizeof(*muted));
	if (!unknown || !manual || !muted)
		goto cleanup;
	if (groups_fill(unknown, it, FA_STATUS_UNKNOWN))
		goto cleanup;
	/* the story first: totals, the worst apps, what could not be seen */
	body = sum->by_status[FA_STATUS_FAIL] || sum->by_status[FA_STATUS_UNKNOWN] ||
	       sum->by_status[FA_STATUS_MANUAL] || sum->by_status[FA_STATUS_MUTED] ||
	       r->n_errors || r->n_notices;
	if (summary_line(&t, r, counts) || worst_apps(&t, it) ||
	    blind_spots(&t, r, unknown, sum->by_status[FA_STATUS_UNKNOWN]) ||
	    (body && fa_buf_adds(t.out, "\n")))
		goto cleanup;
	for (v = FA_SEV_NONE; v >= FA_SEV_INFO; v--) {
		if (!sum->fail_by_severity[v])
			continue;
		if (sev_heading(&t, (fa_severity)v, sum->fail_by_severity[v]) ||
		    fail_section(&t, r, it, (fa_severity)v))
			goto cleanup;
	}
	if (!brief) {
		if (groups_fill(manual, it, FA_STATUS_MANUAL) ||
		    groups_fill(muted, it, FA_STATUS_MUTED))
			goto cleanup;
		if (group_section(&t, unknown, "Unknown", sum->by_status[FA_STATUS_UNKNOWN]) ||
		    group_section(&t, manual, "Manual: verify by hand",
				  sum->by_status[FA_STATUS_MANUAL]) ||
		    group_section(&t, muted, "Muted", sum->by_status[FA_STATUS_MUTED]) ||
		    coverage_section(&t, r, FIRST_ERRORS) || compliance_section(&t, r, it) ||
		    notices_section(&t, r) || (body && summary_line(&t, r, counts)))
			goto cleanup;
	} else if (compliance_section(&t, r, it)) {
		goto cleanup;
	}
	if (fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	if (unknown)
		groups_release(unknown);
	if (manual)
		groups_release(manual);
	if (muted)
		groups_release(muted);
	free(unknown);
	free(manual);
	free(muted);
	fa_rpt_out_release(&o);
	return rc;
}

int fa_report_text_stream(const fa_report *r, const fa_report_counts *counts, bool color,
			  const fa_result_iter *it, const fa_report_sink *sink)
{
	if (r->text_detail == FA_TEXT_ALL)
		return text_all(r, counts, color, it, sink);
	return text_grouped(r, counts, color, it, sink);
}

int fa_report_text(const fa_report *r, bool color, fa_buf *out)
{
	return fa_rpt_render_memory(r, color, fa_report_text_stream, out);
}

/* ---- several orgs (--all-orgs) ---- */

int fa_report_text_orgs_stream(const fa_report *top, const fa_report_counts *total, bool color,
			       const fa_report_org *orgs, size_t n, const fa_report_sink *sink)
{
	fa_rpt_out o;
	text_ctx t = { &o.buf, &o, color };
	fa_report all;
	size_t k;
	int rc = -1;

	fa_rpt_out_init(&o, sink);
	for (k = 0; k < n; k++) {
		fa_report r = *orgs[k].report;

		r.text_detail = top->text_detail;
		r.fail_on = top->fail_on;
		r.has_baseline = top->has_baseline;
		r.compliance = top->compliance;
		if ((k && fa_buf_adds(t.out, "\n")) || on(&t, C_BOLD) ||
		    fa_buf_printf(t.out, "== org %zu of %zu: ", k + 1, n) ||
		    safe(&t, r.org ? r.org : "") || fa_buf_adds(t.out, " ==") || on(&t, C_RESET) ||
		    fa_buf_adds(t.out, "\n\n") || fa_rpt_out_flush(&o, 0) ||
		    fa_report_text_stream(&r, orgs[k].counts, color, orgs[k].it, sink))
			goto cleanup;
	}
	/* the last line over every org, as a single org's report ends */
	all = *top;
	all.org = "all orgs";
	if (fa_buf_adds(t.out, "\n") || on(&t, C_BOLD) ||
	    fa_buf_printf(t.out, "== %zu orgs ==", n) || on(&t, C_RESET) ||
	    fa_buf_adds(t.out, "\n") || summary_line(&t, &all, total) || fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	fa_rpt_out_release(&o);
	return rc;
}
