/* report/junit.c: JUnit XML for CI systems: a testsuite per app (org-level results in a
 * suite named "org", first), a testcase per result, in the results' own order. */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static int cmp_app(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : (b ? -1 : 0); /* org-level (NULL) first */
	return strcmp(a, b);
}

static int attr(fa_buf *out, const char *name, const char *value)
{
	if (fa_buf_printf(out, " %s=\"", name) || fa_rpt_escape(out, value, FA_ESC_XML_ATTR) ||
	    fa_buf_adds(out, "\""))
		return -1;
	return 0;
}

static int testcase(fa_buf *out, const fa_result *res)
{
	const fa_check_meta *m = res->check;
	fa_buf name = FA_BUF_INIT(0), msg = FA_BUF_INIT(0);
	int rc = -1;

	if (fa_buf_printf(&name, "%s/%s", res->resource_type ? res->resource_type : "",
			  res->resource_id ? res->resource_id : ""))
		goto cleanup;
	if (fa_buf_adds(out, "    <testcase") || attr(out, "classname", m ? m->id : "") ||
	    attr(out, "name", name.data))
		goto cleanup;
	/* file and line attributes, as CI systems read them from testcases */
	if (res->file && attr(out, "file", res->file))
		goto cleanup;
	if (res->file && res->line && fa_buf_printf(out, " line=\"%u\"", res->line))
		goto cleanup;
	switch (res->status) {
	case FA_STATUS_PASS:
		if (fa_buf_adds(out, "/>\n"))
			goto cleanup;
		break;
	case FA_STATUS_FAIL:
		if (fa_buf_adds(out, ">\n      <failure") || attr(out, "message", res->message) ||
		    attr(out, "type", fa_severity_name(res->severity)) || fa_buf_adds(out, ">"))
			goto cleanup;
		if (fa_rpt_escape(out, m ? m->title : "", FA_ESC_XML_TEXT) ||
		    fa_buf_adds(out, "\nresource: ") ||
		    fa_rpt_escape(out, name.data, FA_ESC_XML_TEXT))
			goto cleanup;
		if (res->resource_name && (fa_buf_adds(out, " (") ||
					   fa_rpt_escape(out, res->resource_name, FA_ESC_XML_TEXT) ||
					   fa_buf_adds(out, ")")))
			goto cleanup;
		if (res->file && (fa_buf_adds(out, "\nfile: ") ||
				  fa_rpt_escape(out, res->file, FA_ESC_XML_TEXT) ||
				  (res->line && fa_buf_printf(out, ":%u", res->line))))
			goto cleanup;
		if (fa_buf_adds(out, "\nremediation: ") ||
		    fa_rpt_escape(out, m ? m->remediation : "", FA_ESC_XML_TEXT) ||
		    fa_buf_adds(out, "</failure>\n    </testcase>\n"))
			goto cleanup;
		break;
	case FA_STATUS_UNKNOWN:
		if (fa_buf_adds(out, ">\n      <error") || attr(out, "message", res->message) ||
		    attr(out, "type", "unknown") || fa_buf_adds(out, "/>\n    </testcase>\n"))
			goto cleanup;
		break;
	default: /* muted, manual */
		if (res->status == FA_STATUS_MUTED) {
			if (fa_buf_printf(&msg, "muted: %s (expires %s)",
					  res->muted_reason ? res->muted_reason : "",
					  res->muted_expires ? res->muted_expires : ""))
				goto cleanup;
		} else if (fa_buf_printf(&msg, "manual: %s", res->message ? res->message : "")) {
			goto cleanup;
		}
		if (fa_buf_adds(out, ">\n      <skipped") || attr(out, "message", msg.data) ||
		    fa_buf_adds(out, "/>\n    </testcase>\n"))
			goto cleanup;
		break;
	}
	rc = 0;
cleanup:
	fa_buf_release(&name);
	fa_buf_release(&msg);
	return rc;
}

typedef struct junit_counts {
	size_t tests, failures, errors, skipped;
} junit_counts;

static void count(junit_counts *c, const fa_result *res)
{
	c->tests++;
	if (res->status == FA_STATUS_FAIL)
		c->failures++;
	else if (res->status == FA_STATUS_UNKNOWN)
		c->errors++;
	else if (res->status == FA_STATUS_MUTED || res->status == FA_STATUS_MANUAL)
		c->skipped++;
}

static int counts_attrs(fa_buf *out, const junit_counts *c)
{
	return fa_buf_printf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\"",
			     c->tests, c->failures, c->errors, c->skipped);
}

/* Writes one app's suite: its header with the counts, then its testcases. */
static int flush_suite(fa_buf *out, const fa_report *r, const char *app, const junit_counts *c,
		       const fa_buf *cases)
{
	if (fa_buf_adds(out, "  <testsuite") || attr(out, "name", app ? app : "org") ||
	    counts_attrs(out, c))
		return -1;
	if (r->generated_at && attr(out, "timestamp", r->generated_at))
		return -1;
	if (fa_buf_adds(out, ">\n") || (cases->len && fa_buf_add(out, cases->data, cases->len)) ||
	    fa_buf_adds(out, "  </testsuite>\n"))
		return -1;
	return 0;
}

int fa_report_junit_stream(const fa_report *r, const fa_report_counts *counts,
			   const fa_result_iter *it, const fa_report_sink *sink)
{
	const fa_summary *sum = &counts->summary;
	junit_counts all = { 0, 0, 0, 0 }, c = { 0, 0, 0, 0 };
	fa_rpt_out o;
	fa_buf *out = &o.buf;
	fa_buf cases = FA_BUF_INIT(0);
	const fa_result *res = NULL;
	char *app = NULL;
	bool in_suite = false;
	size_t i;
	int rc = -1, more;

	fa_rpt_out_init(&o, sink);
	all.tests = sum->total + r->n_errors;
	all.failures = sum->by_status[FA_STATUS_FAIL];
	all.errors = sum->by_status[FA_STATUS_UNKNOWN] + r->n_errors;
	all.skipped = sum->by_status[FA_STATUS_MUTED] + sum->by_status[FA_STATUS_MANUAL];
	if (fa_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites") ||
	    attr(out, "name", r->org ? r->org : "flyaudit") || counts_attrs(out, &all) ||
	    fa_buf_adds(out, ">\n"))
		goto cleanup;
	if (it->begin(it->ctx, FA_ORDER_APP) < 0)
		goto cleanup;
	while ((more = it->next(it->ctx, &res)) == 1) {
		/* several orgs: an org's org-level results are a suite named after the org */
		const char *key = res->app ? res->app : (r->multi_org ? res->org : NULL);

		if (!in_suite || cmp_app(key, app) != 0) {
			if (in_suite && (flush_suite(out, r, app, &c, &cases) ||
					 fa_rpt_out_flush(&o, FA_RPT_FLUSH_AT)))
				goto cleanup;
			free(app);
			app = NULL;
			if (key && !(app = strdup(key)))
				goto cleanup;
			in_suite = true;
			memset(&c, 0, sizeof(c));
			fa_buf_reset(&cases);
		}
		count(&c, res);
		if (testcase(&cases, res))
			goto cleanup;
	}
	if (more < 0 || (in_suite && flush_suite(out, r, app, &c, &cases)))
		goto cleanup;
	if (r->n_errors) {
		/* what could not be read: a partial run must not look green in CI */
		junit_counts ce = { r->n_errors, 0, r->n_errors, 0 };
		if (fa_buf_adds(out, "  <testsuite name=\"coverage\"") || counts_attrs(out, &ce) ||
		    fa_buf_adds(out, ">\n"))
			goto cleanup;
		for (i = 0; i < r->n_errors; i++) {
			const fa_coverage_error *e = &r->errors[i];
			fa_buf tmp = FA_BUF_INIT(0);
			int bad = fa_buf_printf(&tmp, "%s/%s", e->app ? e->app : "org",
						e->endpoint ? e->endpoint : "");
			if (!bad)
				bad = fa_buf_adds(out, "    <testcase classname=\"coverage\"") ||
				      attr(out, "name", tmp.data);
			fa_buf_reset(&tmp);
			if (!bad)
				bad = fa_buf_printf(&tmp, "could not read: %d %s", e->status,
						    e->message ? e->message : "");
			if (!bad)
				bad = fa_buf_adds(out, ">\n      <error") ||
				      attr(out, "message", tmp.data) ||
				      attr(out, "type", "coverage") ||
				      fa_buf_adds(out, "/>\n    </testcase>\n");
			fa_buf_release(&tmp);
			if (bad || fa_rpt_out_flush(&o, FA_RPT_FLUSH_AT))
				goto cleanup;
		}
		if (fa_buf_adds(out, "  </testsuite>\n"))
			goto cleanup;
	}
	if (fa_buf_adds(out, "</testsuites>\n") || fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	free(app);
	fa_buf_release(&cases);
	fa_rpt_out_release(&o);
	return rc;
}

static int junit_stream(const fa_report *r, const fa_report_counts *c, bool color,
			const fa_result_iter *it, const fa_report_sink *sink)
{
	(void)color;
	return fa_report_junit_stream(r, c, it, sink);
}

int fa_report_junit(const fa_report *r, fa_buf *out)
{
	return fa_rpt_render_memory(r, false, junit_stream, out);
}
