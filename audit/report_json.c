/* report_json.c: the JSON report, schema "flyaudit.report/v1" (ARCHITECTURE.md section 6;
 * audit/flyaudit-report-v1.schema.json). Key order is fixed, so output is deterministic. */
#include "flyaudit/report.h"
#include "report_internal.h"

#include <stdlib.h>

static int add_coverage(cJSON *root, const fa_report *r)
{
	cJSON *cov = cJSON_AddObjectToObject(root, "coverage");
	cJSON *errs = NULL;
	size_t i;

	if (!cov || fa_rpt_json_add_number(cov, "apps", (double)r->apps) ||
	    fa_rpt_json_add_number(cov, "apps_complete", (double)r->apps_complete))
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

static int add_summary(cJSON *root, const fa_report *r)
{
	cJSON *s = cJSON_AddObjectToObject(root, "summary");
	cJSON *sev = NULL;
	fa_summary sum;
	int st;
	int v;

	fa_summary_of(&r->results, &sum);
	if (!s)
		return -1;
	for (st = 0; st < FA_STATUS_COUNT; st++)
		if (fa_rpt_json_add_number(s, fa_status_name((fa_status)st),
					   (double)sum.by_status[st]))
			return -1;
	if (fa_rpt_json_add_number(s, "total", (double)sum.total))
		return -1;
	sev = cJSON_AddObjectToObject(s, "failures_by_severity");
	if (!sev)
		return -1;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (fa_rpt_json_add_number(sev, fa_severity_name((fa_severity)v),
					   (double)sum.fail_by_severity[v]))
			return -1;
	return 0;
}

static int add_result(cJSON *arr, const fa_report *r, const fa_result *res)
{
	const fa_check_meta *m = res->check;
	cJSON *o = cJSON_CreateObject();
	cJSON *rsrc = NULL;

	if (!o || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return -1;
	}
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

int fa_report_json(const fa_report *r, fa_buf *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *tool = NULL, *arr = NULL;
	size_t i;
	int rc = -1;

	if (!root || fa_rpt_json_add_string(root, "schema", FA_REPORT_SCHEMA))
		goto cleanup;
	tool = cJSON_AddObjectToObject(root, "tool");
	if (!tool ||
	    fa_rpt_json_add_string(tool, "name", r->tool_name ? r->tool_name : "flyaudit") ||
	    fa_rpt_json_add_string(tool, "version", r->tool_version ? r->tool_version : "") ||
	    fa_rpt_json_add_string(root, "generated_at", r->generated_at ? r->generated_at : "") ||
	    fa_rpt_json_add_string(root, "org", r->org ? r->org : "") ||
	    fa_rpt_json_add_string(root, "source", r->source ? r->source : "live") ||
	    add_coverage(root, r) || add_crawl(root, r) || add_summary(root, r))
		goto cleanup;
	arr = cJSON_AddArrayToObject(root, "results");
	if (!arr)
		goto cleanup;
	for (i = 0; i < r->results.n; i++)
		if (add_result(arr, r, &r->results.items[i]))
			goto cleanup;
	rc = fa_rpt_json_print(root, out);
	cJSON_Delete(root);
	return rc;
cleanup:
	cJSON_Delete(root);
	fa_buf_release(out);
	return -1;
}
