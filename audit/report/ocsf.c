/* report/ocsf.c: `--format ocsf`: OCSF 1.3.0 Detection Findings (class_uid 2004), a JSON
 * array with one finding per result, laid out as Prowler's json-ocsf output: finding_info,
 * resources, severity_id, status_id/status_code, remediation, cloud, and `unmapped` for
 * what OCSF has no place for (fingerprint, checklist item, baseline, mute, compliance).
 * tests/ocsf-detection-finding.schema.json holds the fields checked against the schema. */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* OCSF severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 99 Other */
static int severity_id(fa_severity s, const char **name)
{
	switch (s) {
	case FA_SEV_CRITICAL: *name = "Critical"; return 5;
	case FA_SEV_HIGH: *name = "High"; return 4;
	case FA_SEV_MEDIUM: *name = "Medium"; return 3;
	case FA_SEV_LOW: *name = "Low"; return 2;
	case FA_SEV_INFO: *name = "Informational"; return 1;
	default: *name = "Other"; return 99; /* manual checks have no severity */
	}
}

static const char *status_code(fa_status st)
{
	switch (st) {
	case FA_STATUS_FAIL:
	case FA_STATUS_MUTED: return "FAIL";
	case FA_STATUS_PASS: return "PASS";
	case FA_STATUS_MANUAL: return "MANUAL";
	default: return "UNKNOWN";
	}
}

/* generated_at (RFC 3339, UTC) as epoch milliseconds; 0 when it cannot be read */
static double epoch_ms(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
		return 0;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return (double)timegm(&tm) * 1000.0;
}

static int add_strings(cJSON *obj, const char *key, const char *const *list)
{
	cJSON *arr = cJSON_AddArrayToObject(obj, key);

	if (!arr)
		return -1;
	for (; list && *list; list++) {
		cJSON *s = fa_rpt_json_string(*list);

		if (!s || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	return 0;
}

static int add_metadata(cJSON *o, const fa_report *r, const fa_result *res, const fa_check_meta *m)
{
	static const char *const profiles[] = { "cloud", "datetime", NULL };
	cJSON *md = cJSON_AddObjectToObject(o, "metadata"), *p;

	if (!md || fa_rpt_json_add_string(md, "event_code", m ? m->id : ""))
		return -1;
	p = cJSON_AddObjectToObject(md, "product");
	if (!p || fa_rpt_json_add_string(p, "name", r->tool_name ? r->tool_name : "flyaudit") ||
	    fa_rpt_json_add_string(p, "uid", "flyaudit") ||
	    fa_rpt_json_add_string(p, "vendor_name", "flyaudit") ||
	    fa_rpt_json_add_string(p, "version", r->tool_version ? r->tool_version : "") ||
	    add_strings(md, "profiles", profiles) ||
	    fa_rpt_json_add_string(md, "tenant_uid", fa_rpt_org_of(r, res)) ||
	    fa_rpt_json_add_string(md, "version", FA_OCSF_VERSION))
		return -1;
	return 0;
}

static int add_resource(cJSON *o, const fa_report *r, const fa_result *res)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "resources"), *x, *g, *data;
	fa_buf uid = FA_BUF_INIT(0);
	int rc = -1;

	x = cJSON_CreateObject();
	if (!arr || !x || !cJSON_AddItemToArray(arr, x)) {
		cJSON_Delete(x);
		return -1;
	}
	/* the same pseudo-location as SARIF: fly/ORG/APP/TYPE/ID */
	if (fa_buf_printf(&uid, "fly/%s/%s/%s/%s", fa_rpt_org_of(r, res), res->app ? res->app : "-",
			  res->resource_type ? res->resource_type : "",
			  res->resource_id ? res->resource_id : ""))
		return -1;
	g = cJSON_AddObjectToObject(x, "group");
	data = cJSON_CreateObject();
	if (!g || !data || !cJSON_AddItemToObject(x, "data", data)) {
		cJSON_Delete(data);
		goto cleanup;
	}
	if (fa_rpt_json_add_string(x, "cloud_partition", "fly") ||
	    fa_rpt_json_add_string(x, "region", res->region ? res->region : "") ||
	    fa_rpt_json_add_string(g, "name", res->app ? res->app : "") ||
	    fa_rpt_json_add_string(data, "name", res->resource_name) ||
	    fa_rpt_json_add_string(x, "name", res->resource_name ? res->resource_name
								: (res->resource_id ? res->resource_id : "")) ||
	    fa_rpt_json_add_string(x, "type", res->resource_type ? res->resource_type : "") ||
	    fa_rpt_json_add_string(x, "uid", uid.data))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&uid);
	return rc;
}

static int add_unmapped(cJSON *o, const fa_report *r, const fa_result *res)
{
	cJSON *u = cJSON_AddObjectToObject(o, "unmapped"), *c;
	const fa_check_meta *m = res->check;

	if (!u || fa_rpt_json_add_string(u, "check", m ? m->id : "") ||
	    fa_rpt_json_add_string(u, "fingerprint", res->fingerprint) ||
	    fa_rpt_json_add_string(u, "status", fa_status_name(res->status)) ||
	    fa_rpt_json_add_string(u, "checklist", m && m->checklist ? m->checklist : ""))
		return -1;
	if (r->has_baseline && res->baseline >= 0 &&
	    fa_rpt_json_add_string(u, "baseline", res->baseline ? "existing" : "new"))
		return -1;
	if (res->status == FA_STATUS_MUTED) {
		cJSON *mu = cJSON_AddObjectToObject(u, "muted");

		if (!mu || fa_rpt_json_add_string(mu, "reason", res->muted_reason ? res->muted_reason : "") ||
		    fa_rpt_json_add_string(mu, "expires", res->muted_expires ? res->muted_expires : ""))
			return -1;
	}
	c = cJSON_AddObjectToObject(u, "compliance");
	if (!c || add_strings(c, "CIS-8.1", fa_check_controls(m, FA_FW_CIS_8_1)) ||
	    add_strings(c, "SOC2", fa_check_controls(m, FA_FW_SOC2)))
		return -1;
	return 0;
}

static int add_finding(cJSON *o, const fa_report *r, const fa_result *res, double t)
{
	const fa_check_meta *m = res->check;
	const char *sev_name = "";
	int sev = severity_id(res->severity, &sev_name);
	bool muted = res->status == FA_STATUS_MUTED;
	cJSON *fi, *cloud, *acct, *rem;
	fa_buf uid = FA_BUF_INIT(0);
	int rc = -1;

	if (fa_rpt_json_add_string(o, "message", res->message ? res->message : "") ||
	    add_metadata(o, r, res, m) ||
	    fa_rpt_json_add_number(o, "severity_id", sev) ||
	    fa_rpt_json_add_string(o, "severity", sev_name) ||
	    fa_rpt_json_add_string(o, "status", muted ? "Suppressed" : "New") ||
	    fa_rpt_json_add_number(o, "status_id", muted ? 3 : 1) ||
	    fa_rpt_json_add_string(o, "status_code", status_code(res->status)) ||
	    fa_rpt_json_add_string(o, "status_detail", res->message ? res->message : "") ||
	    fa_rpt_json_add_number(o, "activity_id", 1) ||
	    fa_rpt_json_add_string(o, "activity_name", "Create"))
		return -1;
	if (fa_buf_printf(&uid, "flyaudit-%s", res->fingerprint))
		return -1;
	fi = cJSON_AddObjectToObject(o, "finding_info");
	if (!fi || fa_rpt_json_add_number(fi, "created_time", t) ||
	    fa_rpt_json_add_string(fi, "created_time_dt", r->generated_at ? r->generated_at : "") ||
	    fa_rpt_json_add_string(fi, "desc", m && m->description ? m->description : "") ||
	    fa_rpt_json_add_string(fi, "product_uid", "flyaudit") ||
	    fa_rpt_json_add_string(fi, "title", m && m->title ? m->title : "") ||
	    add_strings(fi, "types", m ? m->tags : NULL) ||
	    fa_rpt_json_add_string(fi, "uid", uid.data))
		goto cleanup;
	if (add_resource(o, r, res) ||
	    fa_rpt_json_add_string(o, "category_name", "Findings") ||
	    fa_rpt_json_add_number(o, "category_uid", 2) ||
	    fa_rpt_json_add_string(o, "class_name", "Detection Finding") ||
	    fa_rpt_json_add_number(o, "class_uid", 2004))
		goto cleanup;
	cloud = cJSON_AddObjectToObject(o, "cloud");
	acct = cloud ? cJSON_AddObjectToObject(cloud, "account") : NULL;
	if (!acct || fa_rpt_json_add_string(acct, "name", fa_rpt_org_of(r, res)) ||
	    fa_rpt_json_add_string(acct, "uid", fa_rpt_org_of(r, res)) ||
	    fa_rpt_json_add_string(cloud, "provider", "fly") ||
	    fa_rpt_json_add_string(cloud, "region", res->region ? res->region : ""))
		goto cleanup;
	rem = cJSON_AddObjectToObject(o, "remediation");
	if (!rem || fa_rpt_json_add_string(rem, "desc", m && m->remediation ? m->remediation : "") ||
	    add_strings(rem, "references", m ? m->references : NULL) ||
	    fa_rpt_json_add_string(o, "risk_details", m && m->risk ? m->risk : "") ||
	    fa_rpt_json_add_number(o, "time", t) ||
	    fa_rpt_json_add_string(o, "time_dt", r->generated_at ? r->generated_at : "") ||
	    fa_rpt_json_add_number(o, "type_uid", 200401) ||
	    fa_rpt_json_add_string(o, "type_name", "Detection Finding: Create") ||
	    add_unmapped(o, r, res))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&uid);
	return rc;
}

int fa_report_ocsf_stream(const fa_report *r, const fa_report_counts *c,
			  const fa_result_iter *it, const fa_report_sink *sink)
{
	fa_rpt_out out;
	const fa_result *res = NULL;
	cJSON *o = NULL;
	char *item = NULL;
	double t = epoch_ms(r->generated_at);
	size_t n = 0;
	int rc = -1, more;

	(void)c;
	fa_rpt_out_init(&out, sink);
	if (fa_buf_adds(&out.buf, "[") || it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		goto cleanup;
	while ((more = it->next(it->ctx, &res)) == 1) {
		o = cJSON_CreateObject();
		if (!o || add_finding(o, r, res, t))
			goto cleanup;
		item = cJSON_Print(o);
		cJSON_Delete(o);
		o = NULL;
		if (!item || fa_buf_adds(&out.buf, n++ ? ", " : "\n\t") ||
		    fa_rpt_add_indented(&out.buf, item, "\t") ||
		    fa_rpt_out_flush(&out, FA_RPT_FLUSH_AT))
			goto cleanup;
		cJSON_free(item);
		item = NULL;
	}
	if (more < 0 || fa_buf_adds(&out.buf, n ? "\n]\n" : "]\n") || fa_rpt_out_flush(&out, 0))
		goto cleanup;
	rc = 0;
cleanup:
	cJSON_Delete(o);
	cJSON_free(item);
	fa_rpt_out_release(&out);
	return rc;
}
