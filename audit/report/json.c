/* report/json.c: the JSON report, schema "flyaudit.report/v1" (ARCHITECTURE.md section 6;
 * audit/flyaudit-report-v1.schema.json). Key order is fixed, so output is deterministic. */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdlib.h>

static int add_coverage(cJSON *root, const fa_report *r)
{
	cJSON *cov = cJSON_AddObjectToObject(root, "coverage");
	cJSON *errs = NULL;
	size_t i;

	if (!cov || fa_rpt_json_add_number(cov, "apps", (double)r->apps) ||
	    fa_rpt_json_add_number(cov, "apps_complete", (double)r->apps_complete) ||
	    fa_rpt_json_add_number(cov, "machines", (double)r->machines) ||
	    fa_rpt_json_add_number(cov, "machines_audited", (double)r->machines_audited))
		return -1;
	errs = cJSON_AddArrayToObject(cov, "errors");
	if (!errs)
		return -1;
	for (i = 0; i < r->n_errors; i++) {
		const fa_coverage_error *e = &r->errors[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(errs, o)) {
			cJSON_Delete(o);
			return -1;
		}
		if (fa_rpt_json_add_string(o, "app", e->app) ||
		    fa_rpt_json_add_string(o, "endpoint", e->endpoint ? e->endpoint : "") ||
		    fa_rpt_json_add_number(o, "status", e->status) ||
		    fa_rpt_json_add_string(o, "message", e->message ? e->message : ""))
			return -1;
	}
	return 0;
}

static int add_crawl(cJSON *root, const fa_report *r)
{
	cJSON *c = cJSON_AddObjectToObject(root, "crawl");

	if (!c || fa_rpt_json_add_number(c, "requests", (double)r->crawl.requests) ||
	    fa_rpt_json_add_number(c, "retries", (double)r->crawl.retries) ||
	    fa_rpt_json_add_number(c, "elapsed_ms", (double)r->crawl.elapsed_ms) ||
	    fa_rpt_json_add_number(c, "max_in_flight", (double)r->crawl.max_in_flight))
		return -1;
	return 0;
}

static int add_summary(cJSON *root, const fa_report_counts *counts)
{
	cJSON *s = cJSON_AddObjectToObject(root, "summary");
	cJSON *sev = NULL;
	const fa_summary *sum = &counts->summary;
	int st;
	int v;

	if (!s)
		return -1;
	for (st = 0; st < FA_STATUS_COUNT; st++)
		if (fa_rpt_json_add_number(s, fa_status_name((fa_status)st),
					   (double)sum->by_status[st]))
			return -1;
	if (fa_rpt_json_add_number(s, "total", (double)sum->total))
		return -1;
	sev = cJSON_AddObjectToObject(s, "failures_by_severity");
	if (!sev)
		return -1;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (fa_rpt_json_add_number(sev, fa_severity_name((fa_severity)v),
					   (double)sum->fail_by_severity[v]))
			return -1;
	return 0;
}

/* `--compliance`: {framework, title, controls: [{control, title, verdict, checks, fail,
 * pass, unknown, manual, muted}]} */
static int add_compliance(cJSON *root, const fa_report *r, const fa_result_iter *it)
{
	fa_compliance_summary cs;
	cJSON *c, *arr;
	size_t i;
	int rc = -1, st;

	if (r->compliance == FA_FW_NONE)
		return 0;
	if (fa_compliance_summarise(r->compliance, it, &cs) < 0)
		return -1;
	c = cJSON_AddObjectToObject(root, "compliance");
	if (!c || fa_rpt_json_add_string(c, "framework", fa_framework_name(r->compliance)) ||
	    fa_rpt_json_add_string(c, "title", fa_framework_title(r->compliance)))
		goto cleanup;
	arr = cJSON_AddArrayToObject(c, "controls");
	if (!arr)
		goto cleanup;
	for (i = 0; i < cs.n; i++) {
		const fa_control_row *row = &cs.rows[i];
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			goto cleanup;
		}
		if (fa_rpt_json_add_string(o, "control", row->control) ||
		    fa_rpt_json_add_string(o, "title", row->title) ||
		    fa_rpt_json_add_string(o, "verdict", fa_control_verdict(row)) ||
		    fa_rpt_json_add_number(o, "checks", (double)row->checks))
			goto cleanup;
		for (st = 0; st < FA_STATUS_COUNT; st++)
			if (fa_rpt_json_add_number(o, fa_status_name((fa_status)st), (double)row->by_status[st]))
				goto cleanup;
	}
	rc = 0;
cleanup:
	fa_compliance_summary_release(&cs);
	return rc;
}

/* Fills `o` with one result. */
static int add_result(cJSON *o, const fa_report *r, const fa_result *res)
{
	const fa_check_meta *m = res->check;
	cJSON *rsrc = NULL;

	if (fa_rpt_json_add_string(o, "fingerprint", res->fingerprint) ||
	    fa_rpt_json_add_string(o, "check", m ? m->id : "") ||
	    fa_rpt_json_add_string(o, "title", m && m->title ? m->title : "") ||
	    fa_rpt_json_add_string(o, "severity", fa_severity_name(res->severity)) ||
	    fa_rpt_json_add_string(o, "status", fa_status_name(res->status)) ||
	    fa_rpt_json_add_string(o, "app", res->app))
		return -1;
	rsrc = cJSON_AddObjectToObject(o, "resource");
	if (!rsrc ||
	    fa_rpt_json_add_string(rsrc, "type", res->resource_type ? res->resource_type : "") ||
	    fa_rpt_json_add_string(rsrc, "id", res->resource_id ? res->resource_id : ""))
		return -1;
	if (res->resource_name && fa_rpt_json_add_string(rsrc, "name", res->resource_name))
		return -1;
	if (res->region && fa_rpt_json_add_string(rsrc, "region", res->region))
		return -1;
	if (res->file) {
		cJSON *loc = cJSON_AddObjectToObject(o, "location");

		if (!loc || fa_rpt_json_add_string(loc, "file", res->file))
			return -1;
		if (res->line && fa_rpt_json_add_number(loc, "line", (double)res->line))
			return -1;
	}
	if (fa_rpt_json_add_string(o, "message", res->message ? res->message : "") ||
	    fa_rpt_json_add_string(o, "remediation", m && m->remediation ? m->remediation : "") ||
	    fa_rpt_json_add_string(o, "checklist", m && m->checklist ? m->checklist : ""))
		return -1;
	if (res->status == FA_STATUS_MUTED) {
		cJSON *mu = cJSON_AddObjectToObject(o, "muted");
		if (!mu ||
		    fa_rpt_json_add_string(mu, "reason", res->muted_reason ? res->muted_reason : "") ||
		    fa_rpt_json_add_string(mu, "expires", res->muted_expires ? res->muted_expires : ""))
			return -1;
	}
	if (r->has_baseline && res->baseline >= 0 &&
	    fa_rpt_json_add_string(o, "baseline", res->baseline ? "existing" : "new"))
		return -1;
	return 0;
}

/* stands for the result list in the printed tree; printed as "\u0001flyaudit:results\u0001" */
#define RESULTS_MARKER "\001flyaudit:results\001"
#define RESULTS_MARKER_PRINTED "\"\\u0001flyaudit:results\\u0001\""

/* Streams the results of `it` (check order) as the items of a JSON array, each line of
 * an item after its first indented by `indent`. 0 or -1. */
static int stream_results(fa_rpt_out *out, const fa_report *r, const fa_result_iter *it,
			  const char *indent)
{
	const fa_result *res = NULL;
	cJSON *o = NULL;
	char *item = NULL;
	size_t n = 0;
	int more, rc = -1;

	if (it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		return -1;
	while ((more = it->next(it->ctx, &res)) == 1) {
		o = cJSON_CreateObject();
		if (!o || add_result(o, r, res))
			goto cleanup;
		item = cJSON_Print(o);
		cJSON_Delete(o);
		o = NULL;
		if (!item || (n++ && fa_buf_adds(&out->buf, ", ")) ||
		    fa_rpt_add_indented(&out->buf, item, indent) ||
		    fa_rpt_out_flush(out, FA_RPT_FLUSH_AT))
			goto cleanup;
		cJSON_free(item);
		item = NULL;
	}
	rc = more < 0 ? -1 : 0;
cleanup:
	cJSON_Delete(o);
	cJSON_free(item);
	return rc;
}

int fa_report_json_stream(const fa_report *r, const fa_report_counts *counts,
			  const fa_result_iter *it, const fa_report_sink *sink)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *tool = NULL, *arr = NULL, *marker = NULL;
	fa_rpt_out out;
	char *text = NULL;
	const char *tail = NULL;
	size_t head_len = 0;
	int rc = -1;

	fa_rpt_out_init(&out, sink);
	if (!root || fa_rpt_json_add_string(root, "schema", FA_REPORT_SCHEMA))
		goto cleanup;
	tool = cJSON_AddObjectToObject(root, "tool");
	if (!tool ||
	    fa_rpt_json_add_string(tool, "name", r->tool_name ? r->tool_name : "flyaudit") ||
	    fa_rpt_json_add_string(tool, "version", r->tool_version ? r->tool_version : "") ||
	    fa_rpt_json_add_string(root, "generated_at", r->generated_at ? r->generated_at : "") ||
	    fa_rpt_json_add_string(root, "org", r->org ? r->org : "") ||
	    fa_rpt_json_add_string(root, "source", r->source ? r->source : "live") ||
	    add_coverage(root, r) || add_crawl(root, r) || add_summary(root, counts) ||
	    add_compliance(root, r, it))
		goto cleanup;
	arr = cJSON_AddArrayToObject(root, "results");
	marker = cJSON_CreateString(RESULTS_MARKER);
	if (!arr || !marker || !cJSON_AddItemToArray(arr, marker)) {
		cJSON_Delete(marker);
		goto cleanup;
	}
	if (fa_rpt_json_split(root, RESULTS_MARKER_PRINTED, &text, &head_len, &tail) ||
	    fa_buf_add(&out.buf, text, head_len))
		goto cleanup;
	if (stream_results(&out, r, it, "\t\t") || fa_buf_adds(&out.buf, tail) ||
	    fa_buf_adds(&out.buf, "\n") || fa_rpt_out_flush(&out, 0))
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_free(text);
	cJSON_Delete(root);
	fa_rpt_out_release(&out);
	return rc;
}

/* ---- several orgs: flyaudit.report/v2 ---- */

#define ORGS_MARKER "\001flyaudit:orgs\001"
#define ORGS_MARKER_PRINTED "\"\\u0001flyaudit:orgs\\u0001\""

/* The top-level coverage of a v2 report: the v1 fields summed, orgs, orgs_complete (orgs
 * read without a coverage error) and every org's errors, each naming its org. */
static int add_orgs_coverage(cJSON *root, const fa_report *top, const fa_report_org *orgs, size_t n)
{
	cJSON *cov = cJSON_AddObjectToObject(root, "coverage");
	cJSON *errs = NULL;
	size_t i, k, complete = 0;

	for (k = 0; k < n; k++)
		complete += orgs[k].report->n_errors == 0;
	if (!cov || fa_rpt_json_add_number(cov, "orgs", (double)n) ||
	    fa_rpt_json_add_number(cov, "orgs_complete", (double)complete) ||
	    fa_rpt_json_add_number(cov, "apps", (double)top->apps) ||
	    fa_rpt_json_add_number(cov, "apps_complete", (double)top->apps_complete) ||
	    fa_rpt_json_add_number(cov, "machines", (double)top->machines) ||
	    fa_rpt_json_add_number(cov, "machines_audited", (double)top->machines_audited))
		return -1;
	errs = cJSON_AddArrayToObject(cov, "errors");
	if (!errs)
		return -1;
	for (k = 0; k < n; k++) {
		const fa_report *r = orgs[k].report;

		for (i = 0; i < r->n_errors; i++) {
			const fa_coverage_error *e = &r->errors[i];
			cJSON *o = cJSON_CreateObject();

			if (!o || !cJSON_AddItemToArray(errs, o)) {
				cJSON_Delete(o);
				return -1;
			}
			if (fa_rpt_json_add_string(o, "org", r->org ? r->org : "") ||
			    fa_rpt_json_add_string(o, "app", e->app) ||
			    fa_rpt_json_add_string(o, "endpoint", e->endpoint ? e->endpoint : "") ||
			    fa_rpt_json_add_number(o, "status", e->status) ||
			    fa_rpt_json_add_string(o, "message", e->message ? e->message : ""))
				return -1;
		}
	}
	return 0;
}

/* One org's section: the org part of a v1 document, its results streamed in place. */
static int org_section(fa_rpt_out *out, const fa_report *top, const fa_report_org *org)
{
	fa_report r = *org->report;
	cJSON *sec = cJSON_CreateObject(), *arr = NULL, *marker = NULL;
	char *text = NULL;
	const char *tail = NULL;
	size_t head_len = 0;
	int rc = -1;

	r.has_baseline = top->has_baseline;
	r.compliance = top->compliance;
	if (!sec || fa_rpt_json_add_string(sec, "org", r.org ? r.org : "") || add_coverage(sec, &r) ||
	    add_crawl(sec, &r) || add_summary(sec, org->counts) || add_compliance(sec, &r, org->it))
		goto cleanup;
	arr = cJSON_AddArrayToObject(sec, "results");
	marker = cJSON_CreateString(RESULTS_MARKER);
	if (!arr || !marker || !cJSON_AddItemToArray(arr, marker)) {
		cJSON_Delete(marker);
		goto cleanup;
	}
	if (fa_rpt_json_split(sec, RESULTS_MARKER_PRINTED, &text, &head_len, &tail))
		goto cleanup;
	text[head_len] = '\0'; /* the head alone, for the indenting copy */
	if (fa_rpt_add_indented(&out->buf, text, "\t\t") || stream_results(out, &r, org->it, "\t\t\t\t") ||
	    fa_rpt_add_indented(&out->buf, tail, "\t\t") || fa_rpt_out_flush(out, FA_RPT_FLUSH_AT))
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_free(text);
	cJSON_Delete(sec);
	return rc;
}

int fa_report_json_orgs_stream(const fa_report *top, const fa_report_counts *total,
			       const fa_report_org *orgs, size_t n, const fa_report_sink *sink)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *tool = NULL, *arr = NULL, *marker = NULL;
	fa_result_chain chain;
	fa_result_iter all;
	fa_rpt_out out;
	char *text = NULL;
	const char *tail = NULL;
	size_t head_len = 0, k;
	int rc = -1;

	fa_rpt_out_init(&out, sink);
	fa_result_iter_chain(&all, &chain, orgs, n);
	if (!root || fa_rpt_json_add_string(root, "schema", FA_REPORT_SCHEMA_V2))
		goto cleanup;
	tool = cJSON_AddObjectToObject(root, "tool");
	if (!tool ||
	    fa_rpt_json_add_string(tool, "name", top->tool_name ? top->tool_name : "flyaudit") ||
	    fa_rpt_json_add_string(tool, "version", top->tool_version ? top->tool_version : "") ||
	    fa_rpt_json_add_string(root, "generated_at", top->generated_at ? top->generated_at : "") ||
	    fa_rpt_json_add_string(root, "source", top->source ? top->source : "live") ||
	    add_orgs_coverage(root, top, orgs, n) || add_crawl(root, top) ||
	    add_summary(root, total) || add_compliance(root, top, &all))
		goto cleanup;
	arr = cJSON_AddArrayToObject(root, "orgs");
	marker = cJSON_CreateString(ORGS_MARKER);
	if (!arr || !marker || !cJSON_AddItemToArray(arr, marker)) {
		cJSON_Delete(marker);
		goto cleanup;
	}
	if (fa_rpt_json_split(root, ORGS_MARKER_PRINTED, &text, &head_len, &tail) ||
	    fa_buf_add(&out.buf, text, head_len))
		goto cleanup;
	for (k = 0; k < n; k++)
		if ((k && fa_buf_adds(&out.buf, ", ")) || org_section(&out, top, &orgs[k]))
			goto cleanup;
	if (fa_buf_adds(&out.buf, tail) || fa_buf_adds(&out.buf, "\n") || fa_rpt_out_flush(&out, 0))
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_free(text);
	cJSON_Delete(root);
	fa_rpt_out_release(&out);
	return rc;
}

static int json_stream(const fa_report *r, const fa_report_counts *c, bool color,
		       const fa_result_iter *it, const fa_report_sink *sink)
{
	(void)color;
	return fa_report_json_stream(r, c, it, sink);
}

int fa_report_json(const fa_report *r, fa_buf *out)
{
	return fa_rpt_render_memory(r, false, json_stream, out);
}
