/* report/html.c: `--format html`: one self-contained page (inline CSS and SVG, no script,
 * no font or image from anywhere; a Content-Security-Policy of default-src 'none' says so
 * to the browser too). Unknowns, coverage errors and notices come first, then the summary
 * with a severity chart per app, the compliance table (--compliance), the failures by
 * severity with their remediation, manual and muted results apart, and the catalog.
 * Every string from outside goes through FA_ESC_HTML (text and double-quoted attributes). */
#include "flyaudit/report.h"
#include "internal.h"

#include <string.h>

typedef struct html_ctx {
	fa_rpt_out *o;
	fa_buf *b;
	const fa_report *r;
	const fa_result_iter *it;
} html_ctx;

static int h(html_ctx *x, const char *s)
{
	return fa_rpt_escape(x->b, s ? s : "", FA_ESC_HTML);
}

static int lit(html_ctx *x, const char *s)
{
	return fa_buf_adds(x->b, s);
}

static int flush(html_ctx *x)
{
	return fa_rpt_out_flush(x->o, FA_RPT_FLUSH_AT);
}

static const char *sev_colour(int v)
{
	switch (v) {
	case FA_SEV_CRITICAL: return "#7f1d1d";
	case FA_SEV_HIGH: return "#dc2626";
	case FA_SEV_MEDIUM: return "#d97706";
	case FA_SEV_LOW: return "#0891b2";
	default: return "#6b7280";
	}
}

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}"
	"main{max-width:1100px;margin:0 auto;padding:24px}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb}"
	"h3{font-size:15px;margin:18px 0 6px}"
	"table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0}"
	"th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}"
	"th{background:#f3f4f6}code{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}"
	".meta{color:#4b5563}.alert{background:#fef3c7;border:1px solid #f59e0b;padding:8px 12px;margin:8px 0}"
	".finding{background:#fff;border:1px solid #e5e7eb;border-left:4px solid #6b7280;padding:8px 12px;margin:8px 0}"
	".sev-critical{border-left-color:#7f1d1d}.sev-high{border-left-color:#dc2626}"
	".sev-medium{border-left-color:#d97706}.sev-low{border-left-color:#0891b2}"
	".fix{background:#ecfdf5;padding:4px 8px;margin-top:4px}"
	".v-fail{color:#b91c1c;font-weight:bold}.v-pass{color:#047857}.v-unknown{color:#b45309}"
	".muted{opacity:.75}";

/* "machine ID (name, region R)" */
static int resource(html_ctx *x, const fa_result *res)
{
	if (h(x, res->resource_type) || lit(x, " <code>") || h(x, res->resource_id) || lit(x, "</code>"))
		return -1;
	if (res->resource_name && (lit(x, " (") || h(x, res->resource_name) || lit(x, ")")))
		return -1;
	if (res->region && (lit(x, " region ") || h(x, res->region)))
		return -1;
	return 0;
}

/* A table of the results of one status (unknown, manual, muted). */
static int status_table(html_ctx *x, fa_status st, const char *id, const char *heading,
			size_t count)
{
	const fa_result *res = NULL;
	int more;

	if (fa_buf_printf(x->b, "<section id=\"%s\"><h2>%s (%zu)</h2>\n", id, heading, count))
		return -1;
	if (!count)
		return lit(x, "<p>None.</p></section>\n");
	if (lit(x, "<table><thead><tr><th>app</th><th>check</th><th>resource</th><th>") ||
	    lit(x, st == FA_STATUS_MUTED ? "reason (expires)" : "message") ||
	    lit(x, "</th></tr></thead><tbody>\n") || x->it->begin(x->it->ctx, FA_ORDER_APP) < 0)
		return -1;
	while ((more = x->it->next(x->it->ctx, &res)) == 1) {
		if (res->status != st)
			continue;
		if (lit(x, "<tr><td>") || h(x, fa_rpt_app_label(x->r, res)) || lit(x, "</td><td><code>") ||
		    h(x, res->check ? res->check->id : "") || lit(x, "</code></td><td>") ||
		    resource(x, res) || lit(x, "</td><td>"))
			return -1;
		if (st == FA_STATUS_MUTED) {
			if (h(x, res->muted_reason) || lit(x, " (") || h(x, res->muted_expires) ||
			    lit(x, ")"))
				return -1;
		} else if (h(x, res->message)) {
			return -1;
		}
		if (lit(x, "</td></tr>\n") || flush(x))
			return -1;
	}
	if (more < 0)
		return -1;
	return lit(x, "</tbody></table></section>\n");
}

static int coverage(html_ctx *x)
{
	const fa_report *r = x->r;
	size_t i;

	if (fa_buf_printf(x->b, "<section id=\"coverage\"><h2>Coverage errors (%zu)</h2>\n", r->n_errors))
		return -1;
	if (!r->n_errors)
		return lit(x, "<p>Every resource was read.</p></section>\n");
	if (lit(x, "<div class=\"alert\">Some resources could not be read: the results that depend "
		   "on them are unknown, and the run is partial (exit 3).</div>\n"
		   "<table><thead><tr><th>app</th><th>endpoint</th><th>status</th><th>message</th>"
		   "</tr></thead><tbody>\n"))
		return -1;
	for (i = 0; i < r->n_errors; i++) {
		const fa_coverage_error *e = &r->errors[i];

		if (lit(x, "<tr><td>") || h(x, e->app ? e->app : "org") || lit(x, "</td><td><code>") ||
		    h(x, e->endpoint) || fa_buf_printf(x->b, "</code></td><td>%d</td><td>", e->status) ||
		    h(x, e->message) || lit(x, "</td></tr>\n") || flush(x))
			return -1;
	}
	return lit(x, "</tbody></table></section>\n");
}

static int notices(html_ctx *x)
{
	size_t i;

	if (!x->r->n_notices)
		return 0;
	if (fa_buf_printf(x->b, "<section id=\"notices\"><h2>Notices (%zu)</h2><ul>\n", x->r->n_notices))
		return -1;
	for (i = 0; i < x->r->n_notices; i++)
		if (lit(x, "<li>") || h(x, x->r->notices[i]) || lit(x, "</li>\n"))
			return -1;
	return lit(x, "</ul></section>\n");
}

static int summary(html_ctx *x, const fa_report_counts *c)
{
	const fa_summary *s = &c->summary;
	int st, v;

	if (lit(x, "<section id=\"summary\"><h2>Summary</h2>\n<table><thead><tr>"))
		return -1;
	for (st = 0; st < FA_STATUS_COUNT; st++)
		if (fa_buf_printf(x->b, "<th>%s</th>", fa_status_name((fa_status)st)))
			return -1;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (fa_buf_printf(x->b, "<th>%s failures</th>", fa_severity_name((fa_severity)v)))
			return -1;
	if (lit(x, "</tr></thead><tbody><tr>"))
		return -1;
	for (st = 0; st < FA_STATUS_COUNT; st++)
		if (fa_buf_printf(x->b, "<td>%zu</td>", s->by_status[st]))
			return -1;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (fa_buf_printf(x->b, "<td>%zu</td>", s->fail_by_severity[v]))
			return -1;
	if (lit(x, "</tr></tbody></table>\n"))
		return -1;
	if (x->r->has_baseline && fa_buf_printf(x->b, "<p>%zu new failure%s against the baseline.</p>\n",
						c->new_fails, c->new_fails == 1 ? "" : "s"))
		return -1;
	return 0;
}

/* One SVG row of the chart: the app's unmuted failures by severity, as stacked bars. */
static int chart_row(html_ctx *x, const char *app, const size_t *by_sev, size_t row, size_t max)
{
	const double width = 640.0;
	double xpos = 200.0;
	size_t total = 0;
	int v;

	if (fa_buf_printf(x->b, "<text x=\"0\" y=\"%zu\" font-size=\"12\">", row * 22 + 15) ||
	    h(x, app ? app : "org") || lit(x, "</text>\n"))
		return -1;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--) {
		double w;

		if (!by_sev[v])
			continue;
		total += by_sev[v];
		w = width * (double)by_sev[v] / (double)(max ? max : 1);
		if (fa_buf_printf(x->b, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"%s\">"
				  "<title>%zu %s</title></rect>\n",
				  xpos, row * 22 + 3, w, sev_colour(v), by_sev[v],
				  fa_severity_name((fa_severity)v)))
			return -1;
		xpos += w;
	}
	return fa_buf_printf(x->b, "<text x=\"%.1f\" y=\"%zu\" font-size=\"12\">%zu</text>\n", xpos + 4,
			     row * 22 + 15, total);
}

/* Two passes in app order: how many apps and the largest count, then one row per app. */
static int chart(html_ctx *x)
{
	const fa_result *res = NULL;
	const char *cur = NULL;
	size_t rows = 0, max = 0, tot = 0, by_sev[FA_SEV_NONE + 1], row = 0;
	bool started = false;
	fa_buf name = FA_BUF_INIT(0);
	int more, v, rc = -1;

	if (x->it->begin(x->it->ctx, FA_ORDER_APP) < 0)
		return -1;
	while ((more = x->it->next(x->it->ctx, &res)) == 1) {
		/* org-level results of several orgs: a row per org */
		const char *key = res->app ? res->app : (x->r->multi_org ? res->org : NULL);
		bool same = started && ((!cur && !key) || (cur && key && strcmp(cur, key) == 0));

		if (!same) {
			rows++;
			tot = 0;
			fa_buf_reset(&name);
			if (key && (fa_buf_adds(&name, key) || fa_buf_add(&name, "", 0)))
				return -1;
			cur = key ? name.data : NULL;
			started = true;
		}
		if (res->status == FA_STATUS_FAIL && ++tot > max)
			max = tot;
	}
	if (more < 0)
		goto cleanup;
	if (fa_buf_printf(x->b, "<h3>Failures per app</h3>\n<svg "
			  "role=\"img\" aria-label=\"unmuted failures per app by severity\" width=\"900\" "
			  "height=\"%zu\" viewBox=\"0 0 900 %zu\">\n", rows * 22 + 26, rows * 22 + 26))
		goto cleanup;
	started = false;
	memset(by_sev, 0, sizeof(by_sev));
	if (x->it->begin(x->it->ctx, FA_ORDER_APP) < 0)
		goto cleanup;
	while ((more = x->it->next(x->it->ctx, &res)) == 1) {
		/* org-level results of several orgs: a row per org */
		const char *key = res->app ? res->app : (x->r->multi_org ? res->org : NULL);
		bool same = started && ((!cur && !key) || (cur && key && strcmp(cur, key) == 0));

		if (!same) {
			if (started && (chart_row(x, cur, by_sev, row++, max) || flush(x)))
				goto cleanup;
			memset(by_sev, 0, sizeof(by_sev));
			fa_buf_reset(&name);
			if (key && (fa_buf_adds(&name, key) || fa_buf_add(&name, "", 0)))
				goto cleanup;
			cur = key ? name.data : NULL;
			started = true;
		}
		if (res->status == FA_STATUS_FAIL && (unsigned)res->severity <= FA_SEV_NONE)
			by_sev[res->severity]++;
	}
	if (more < 0 || (started && chart_row(x, cur, by_sev, row++, max)))
		goto cleanup;
	/* the legend */
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (fa_buf_printf(x->b, "<rect x=\"%d\" y=\"%zu\" width=\"12\" height=\"12\" fill=\"%s\"></rect>"
				  "<text x=\"%d\" y=\"%zu\" font-size=\"12\">%s</text>\n",
				  200 + (FA_SEV_CRITICAL - v) * 110, rows * 22 + 10, sev_colour(v),
				  216 + (FA_SEV_CRITICAL - v) * 110, rows * 22 + 21,
				  fa_severity_name((fa_severity)v)))
			goto cleanup;
	rc = lit(x, "</svg>\n</section>\n");
cleanup:
	fa_buf_release(&name);
	return rc;
}

static int compliance(html_ctx *x)
{
	fa_compliance_summary cs;
	size_t i;
	int rc = -1;

	if (x->r->compliance == FA_FW_NONE)
		return 0;
	if (fa_compliance_summarise(x->r->compliance, x->it, &cs) < 0)
		return -1;
	if (lit(x, "<section id=\"compliance\"><h2>") || h(x, fa_framework_title(x->r->compliance)) ||
	    lit(x, "</h2>\n<table><thead><tr><th>control</th><th>title</th><th>verdict</th>"
		   "<th>fail</th><th>pass</th><th>unknown</th><th>manual</th><th>muted</th>"
		   "<th>checks</th></tr></thead><tbody>\n"))
		goto cleanup;
	for (i = 0; i < cs.n; i++) {
		const fa_control_row *row = &cs.rows[i];
		const char *v = fa_control_verdict(row);

		if (lit(x, "<tr><td>") || h(x, row->control) || lit(x, "</td><td>") || h(x, row->title) ||
		    fa_buf_printf(x->b, "</td><td class=\"v-%s\">%s</td><td>%zu</td><td>%zu</td><td>%zu</td>"
				  "<td>%zu</td><td>%zu</td><td>%zu</td></tr>\n", v, v,
				  row->by_status[FA_STATUS_FAIL], row->by_status[FA_STATUS_PASS],
				  row->by_status[FA_STATUS_UNKNOWN], row->by_status[FA_STATUS_MANUAL],
				  row->by_status[FA_STATUS_MUTED], row->checks))
			goto cleanup;
	}
	rc = lit(x, "</tbody></table></section>\n");
cleanup:
	fa_compliance_summary_release(&cs);
	return rc;
}

static int failures(html_ctx *x, const fa_report_counts *c)
{
	const fa_result *res = NULL;
	int v, more;

	if (fa_buf_printf(x->b, "<section id=\"failures\"><h2>Failures (%zu)</h2>\n",
			  c->summary.by_status[FA_STATUS_FAIL]))
		return -1;
	for (v = FA_SEV_NONE; v >= FA_SEV_INFO; v--) {
		const char *sev = fa_severity_name((fa_severity)v);

		if (!c->summary.fail_by_severity[v])
			continue;
		if (fa_buf_printf(x->b, "<h3>%s (%zu)</h3>\n", sev, c->summary.fail_by_severity[v]) ||
		    x->it->begin(x->it->ctx, FA_ORDER_APP) < 0)
			return -1;
		while ((more = x->it->next(x->it->ctx, &res)) == 1) {
			const fa_check_meta *m = res->check;

			if (res->status != FA_STATUS_FAIL || (int)res->severity != v)
				continue;
			/* the fingerprint as the id: a link target, and the key that ties this
			 * finding to the same result in the JSON and SARIF reports */
			if (fa_buf_printf(x->b, "<div class=\"finding sev-%s\" id=\"f-%s\"><strong>", sev,
					  res->fingerprint) ||
			    h(x, fa_rpt_app_label(x->r, res)) || lit(x, "</strong> <code>") ||
			    h(x, m ? m->id : "") || lit(x, "</code>"))
				return -1;
			if (x->r->has_baseline && res->baseline >= 0 &&
			    lit(x, res->baseline ? " [existing]" : " [new]"))
				return -1;
			if (lit(x, "<br>expected: ") || h(x, m ? m->title : "") || lit(x, "<br>") ||
			    resource(x, res) || lit(x, "<br>") || h(x, res->message) ||
			    lit(x, "<div class=\"fix\">fix: ") || h(x, m ? m->remediation : "") ||
			    lit(x, "</div></div>\n") || flush(x))
				return -1;
		}
		if (more < 0)
			return -1;
	}
	return lit(x, "</section>\n");
}

static int list_cell(html_ctx *x, const char *const *l)
{
	for (; l && *l; l++)
		if (h(x, *l) || (l[1] && lit(x, ", ")))
			return -1;
	return 0;
}

static int catalog(html_ctx *x)
{
	const fa_check_meta *cs;
	size_t n, i;

	cs = fa_checks(&n);
	if (lit(x, "<section id=\"catalog\"><h2>Check catalog</h2>\n<table><thead><tr><th>check</th>"
		   "<th>severity</th><th>passes when</th><th>CIS v8.1</th><th>SOC 2</th></tr></thead><tbody>\n"))
		return -1;
	for (i = 0; i < n; i++) {
		if (lit(x, "<tr><td><code>") || h(x, cs[i].id) || lit(x, "</code></td><td>") ||
		    h(x, cs[i].severity == FA_SEV_NONE ? "manual" : fa_severity_name(cs[i].severity)) ||
		    lit(x, "</td><td>") || h(x, cs[i].title) || lit(x, "</td><td>") ||
		    list_cell(x, fa_check_controls(&cs[i], FA_FW_CIS_8_1)) || lit(x, "</td><td>") ||
		    list_cell(x, fa_check_controls(&cs[i], FA_FW_SOC2)) || lit(x, "</td></tr>\n"))
			return -1;
	}
	return lit(x, "</tbody></table></section>\n");
}

int fa_report_html_stream(const fa_report *r, const fa_report_counts *c,
			  const fa_result_iter *it, const fa_report_sink *sink)
{
	fa_rpt_out o;
	html_ctx x;
	const fa_summary *s = &c->summary;
	int rc = -1;

	fa_rpt_out_init(&o, sink);
	x.o = &o;
	x.b = &o.buf;
	x.r = r;
	x.it = it;
	if (lit(&x, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		    "style-src 'unsafe-inline'\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>flyaudit: ") ||
	    h(&x, r->org) || lit(&x, "</title>\n<style>") || lit(&x, style) ||
	    lit(&x, "</style>\n</head>\n<body>\n<main>\n<h1>flyaudit report: ") || h(&x, r->org) ||
	    lit(&x, "</h1>\n<p class=\"meta\">generated ") || h(&x, r->generated_at) ||
	    lit(&x, " by ") || h(&x, r->tool_name ? r->tool_name : "flyaudit") || lit(&x, " ") ||
	    h(&x, r->tool_version) || lit(&x, " from ") || h(&x, r->source ? r->source : "live") ||
	    fa_buf_printf(x.b, "; %zu apps, %zu complete</p>\n", r->apps, r->apps_complete))
		goto cleanup;
	/* what needs attention first: data that could not be judged */
	if (s->by_status[FA_STATUS_UNKNOWN] &&
	    fa_buf_printf(x.b, "<div class=\"alert\">%zu result%s could not be decided (unknown): "
			  "see <a href=\"#unknown\">Unknown</a>.</div>\n", s->by_status[FA_STATUS_UNKNOWN],
			  s->by_status[FA_STATUS_UNKNOWN] == 1 ? "" : "s"))
		goto cleanup;
	if (coverage(&x) ||
	    status_table(&x, FA_STATUS_UNKNOWN, "unknown", "Unknown", s->by_status[FA_STATUS_UNKNOWN]) ||
	    notices(&x) || summary(&x, c) || chart(&x) || compliance(&x) || failures(&x, c) ||
	    status_table(&x, FA_STATUS_MANUAL, "manual", "Manual: verify by hand",
			 s->by_status[FA_STATUS_MANUAL]) ||
	    lit(&x, "<div class=\"muted\">") ||
	    status_table(&x, FA_STATUS_MUTED, "muted", "Muted", s->by_status[FA_STATUS_MUTED]) ||
	    lit(&x, "</div>\n") || catalog(&x) ||
	    lit(&x, "</main>\n</body>\n</html>\n") || fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	fa_rpt_out_release(&o);
	return rc;
}
