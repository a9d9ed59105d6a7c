/* report/sarif.c: SARIF 2.1.0 for GitHub code scanning: a rule per catalog check with a
 * security-severity, a result per fail or muted result at a pseudo-location. */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define SARIF_SCHEMA_URI \
	"https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
#define SARIF_FINGERPRINT_KEY "flyauditFingerprint/v1"

/* GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 3.9 or less low. */
static const char *security_severity(fa_severity s)
{
	switch (s) {
	case FA_SEV_CRITICAL: return "9.5";
	case FA_SEV_HIGH: return "8.0";
	case FA_SEV_MEDIUM: return "5.5";
	case FA_SEV_LOW: return "3.0";
	case FA_SEV_INFO: return "1.0";
	default: return NULL; /* manual-only checks: no score */
	}
}

static const char *sarif_level(fa_severity s)
{
	switch (s) {
	case FA_SEV_CRITICAL:
	case FA_SEV_HIGH: return "error";
	case FA_SEV_MEDIUM: return "warning";
	default: return "note";
	}
}

static int add_text_obj(cJSON *parent, const char *key, const char *text)
{
	cJSON *o = cJSON_AddObjectToObject(parent, key);

	return (!o || fa_rpt_json_add_string(o, "text", text ? text : "")) ? -1 : 0;
}

/* SARIF wants `name` to differ from the opaque `id`: "secrets.plaintext_env" becomes
 * "SecretsPlaintextEnv". */
static void rule_name(const char *id, char *out, size_t n)
{
	size_t o = 0;
	bool up = true;

	for (; *id && o + 1 < n; id++) {
		if (*id == '.' || *id == '_' || *id == '-') {
			up = true;
			continue;
		}
		out[o++] = up && *id >= 'a' && *id <= 'z' ? (char)(*id - 'a' + 'A') : *id;
		up = false;
	}
	out[o] = '\0';
}

static int add_rule(cJSON *rules, const fa_check_meta *m)
{
	char name[128];
	cJSON *rule = cJSON_CreateObject();
	cJSON *help = NULL, *props = NULL, *tags = NULL, *cfg = NULL;
	fa_buf text = FA_BUF_INIT(0), md = FA_BUF_INIT(0);
	const char *sev = security_severity(m->severity);
	bool has_security = false;
	size_t i;
	int rc = -1;

	if (!rule || !cJSON_AddItemToArray(rules, rule)) {
		cJSON_Delete(rule);
		goto cleanup;
	}
	rule_name(m->id, name, sizeof(name));
	if (fa_rpt_json_add_string(rule, "id", m->id) ||
	    fa_rpt_json_add_string(rule, "name", name) ||
	    add_text_obj(rule, "shortDescription", m->title) ||
	    add_text_obj(rule, "fullDescription", m->description ? m->description : m->title))
		goto cleanup;
	if (fa_buf_printf(&text, "%s\n\nRisk: %s\n\nRemediation: %s\n",
			  m->description ? m->description : "", m->risk ? m->risk : "",
			  m->remediation ? m->remediation : "") ||
	    fa_buf_printf(&md, "%s\n\n**Risk:** %s\n\n**Remediation:** %s\n",
			  m->description ? m->description : "", m->risk ? m->risk : "",
			  m->remediation ? m->remediation : ""))
		goto cleanup;
	if (m->checklist && fa_buf_printf(&md, "\n**Checklist:** %s\n", m->checklist))
		goto cleanup;
	for (i = 0; m->references && m->references[i]; i++) {
		if (i == 0 && fa_buf_adds(&md, "\n**References:**\n\n"))
			goto cleanup;
		if (fa_buf_printf(&md, "- <%s>\n", m->references[i]))
			goto cleanup;
	}
	help = cJSON_AddObjectToObject(rule, "help");
	if (!help || fa_rpt_json_add_string(help, "text", text.data) ||
	    fa_rpt_json_add_string(help, "markdown", md.data))
		goto cleanup;
	if (m->references && m->references[0] &&
	    fa_rpt_json_add_string(rule, "helpUri", m->references[0]))
		goto cleanup;
	cfg = cJSON_AddObjectToObject(rule, "defaultConfiguration");
	if (!cfg || fa_rpt_json_add_string(cfg, "level", sarif_level(m->severity)))
		goto cleanup;
	props = cJSON_AddObjectToObject(rule, "properties");
	if (!props)
		goto cleanup;
	tags = cJSON_AddArrayToObject(props, "tags");
	if (!tags)
		goto cleanup;
	for (i = 0; m->tags && m->tags[i] && i < 19; i++) {
		cJSON *t = fa_rpt_json_string(m->tags[i]);
		if (!t || !cJSON_AddItemToArray(tags, t)) {
			cJSON_Delete(t);
			goto cleanup;
		}
		if (strcmp(m->tags[i], "security") == 0)
			has_security = true;
	}
	if (!has_security) {
		cJSON *t = cJSON_CreateString("security");
		if (!t || !cJSON_AddItemToArray(tags, t)) {
			cJSON_Delete(t);
			goto cleanup;
		}
	}
	if (fa_rpt_json_add_string(props, "precision", "high"))
		goto cleanup;
	if (sev && fa_rpt_json_add_string(props, "security-severity", sev))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&text);
	fa_buf_release(&md);
	return rc;
}

static int rule_index(const fa_check_meta *checks, size_t n, const fa_check_meta *m)
{
	size_t i;

	for (i = 0; i < n && m; i++)
		if (&checks[i] == m || strcmp(checks[i].id, m->id) == 0)
			return (int)i;
	return -1;
}

/* Fills `o` with one result. */
static int add_result(cJSON *o, const fa_report *r, const fa_result *res, int index)
{
	cJSON *fp = NULL, *locs = NULL, *loc = NULL, *phys = NULL, *art = NULL, *region = NULL;
	fa_buf uri = FA_BUF_INIT(0), msg = FA_BUF_INIT(0);
	int rc = -1;

	if (fa_rpt_json_add_string(o, "ruleId", res->check ? res->check->id : ""))
		goto cleanup;
	if (index >= 0 && fa_rpt_json_add_number(o, "ruleIndex", index))
		goto cleanup;
	if (fa_rpt_json_add_string(o, "level", sarif_level(res->severity)))
		goto cleanup;
	if (fa_buf_printf(&msg, "%s", res->message && res->message[0]
					      ? res->message
					      : (res->check && res->check->title ? res->check->title : "")))
		goto cleanup;
	if (add_text_obj(o, "message", msg.data))
		goto cleanup;
	if (res->file) {
		/* a file of the scanned repository: its path, relative to SRCROOT */
		if (fa_rpt_escape(&uri, res->file, FA_ESC_URI_PATH))
			goto cleanup;
	} else {
		/* fly/<org>/<app>/<type>/<id>; org-level results have no app segment */
		if (fa_buf_adds(&uri, "fly/") || fa_rpt_escape(&uri, fa_rpt_org_of(r, res), FA_ESC_URI_SEGMENT) ||
		    fa_buf_adds(&uri, "/"))
			goto cleanup;
		if (res->app && (fa_rpt_escape(&uri, res->app, FA_ESC_URI_SEGMENT) ||
				 fa_buf_adds(&uri, "/")))
			goto cleanup;
		if (fa_rpt_escape(&uri, res->resource_type, FA_ESC_URI_SEGMENT) ||
		    fa_buf_adds(&uri, "/") ||
		    fa_rpt_escape(&uri, res->resource_id, FA_ESC_URI_SEGMENT))
			goto cleanup;
	}
	locs = cJSON_AddArrayToObject(o, "locations");
	loc = cJSON_CreateObject();
	if (!locs || !loc || !cJSON_AddItemToArray(locs, loc)) {
		cJSON_Delete(loc);
		goto cleanup;
	}
	phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	art = phys ? cJSON_AddObjectToObject(phys, "artifactLocation") : NULL;
	if (!art || fa_rpt_json_add_string(art, "uri", uri.data))
		goto cleanup;
	if (res->file && fa_rpt_json_add_string(art, "uriBaseId", "SRCROOT"))
		goto cleanup;
	region = cJSON_AddObjectToObject(phys, "region");
	if (!region ||
	    fa_rpt_json_add_number(region, "startLine", res->file && res->line ? (double)res->line : 1))
		goto cleanup;
	fp = cJSON_AddObjectToObject(o, "partialFingerprints");
	if (!fp || fa_rpt_json_add_string(fp, SARIF_FINGERPRINT_KEY, res->fingerprint))
		goto cleanup;
	if (r->has_baseline && res->baseline >= 0 &&
	    fa_rpt_json_add_string(o, "baselineState", res->baseline ? "unchanged" : "new"))
		goto cleanup;
	if (res->status == FA_STATUS_MUTED) {
		cJSON *sups = cJSON_AddArrayToObject(o, "suppressions");
		cJSON *s = cJSON_CreateObject();
		if (!sups || !s || !cJSON_AddItemToArray(sups, s)) {
			cJSON_Delete(s);
			goto cleanup;
		}
		if (fa_rpt_json_add_string(s, "kind", "external") ||
		    fa_rpt_json_add_string(s, "justification",
					   res->muted_reason ? res->muted_reason : ""))
			goto cleanup;
	}
	{
		cJSON *props = cJSON_AddObjectToObject(o, "properties");
		if (!props || fa_rpt_json_add_string(props, "severity", fa_severity_name(res->severity)) ||
		    (r->multi_org && fa_rpt_json_add_string(props, "org", fa_rpt_org_of(r, res))) ||
		    fa_rpt_json_add_string(props, "app", res->app) ||
		    fa_rpt_json_add_string(props, "resourceType", res->resource_type) ||
		    fa_rpt_json_add_string(props, "resourceId", res->resource_id))
			goto cleanup;
		if (res->resource_name &&
		    fa_rpt_json_add_string(props, "resourceName", res->resource_name))
			goto cleanup;
		if (res->region && fa_rpt_json_add_string(props, "region", res->region))
			goto cleanup;
	}
	rc = 0;
cleanup:
	fa_buf_release(&uri);
	fa_buf_release(&msg);
	return rc;
}

static int add_notification(cJSON *arr, const char *level, const char *text)
{
	cJSON *n = cJSON_CreateObject();

	if (!n || !cJSON_AddItemToArray(arr, n)) {
		cJSON_Delete(n);
		return -1;
	}
	if (fa_rpt_json_add_string(n, "level", level) || add_text_obj(n, "message", text))
		return -1;
	return 0;
}

static int add_invocation(cJSON *run, const fa_report *r, const fa_summary *sum)
{
	cJSON *invs = cJSON_AddArrayToObject(run, "invocations");
	cJSON *inv = cJSON_CreateObject();
	cJSON *notes = NULL, *props = NULL;
	fa_buf line = FA_BUF_INIT(0);
	size_t i;
	int rc = -1;

	if (!invs || !inv || !cJSON_AddItemToArray(invs, inv)) {
		cJSON_Delete(inv);
		return -1;
	}
	if (!cJSON_AddBoolToObject(inv, "executionSuccessful", r->n_errors == 0))
		return -1;
	if (r->n_errors + r->n_notices > 0) {
		notes = cJSON_AddArrayToObject(inv, "toolExecutionNotifications");
		if (!notes)
			return -1;
	}
	for (i = 0; i < r->n_errors; i++) {
		const fa_coverage_error *e = &r->errors[i];
		fa_buf_reset(&line);
		if (fa_buf_printf(&line, "could not read %s of %s: %d %s",
				  e->endpoint ? e->endpoint : "", e->app ? e->app : "the org",
				  e->status, e->message ? e->message : "") ||
		    add_notification(notes, "error", line.data))
			goto cleanup;
	}
	for (i = 0; i < r->n_notices; i++)
		if (add_notification(notes, "warning", r->notices[i]))
			goto cleanup;
	/* an empty result list must not read like "nothing was looked at" */
	props = cJSON_AddObjectToObject(inv, "properties");
	if (!props || fa_rpt_json_add_string(props, "source", r->source ? r->source : "live") ||
	    fa_rpt_json_add_number(props, "apps", (double)r->apps) ||
	    fa_rpt_json_add_number(props, "appsComplete", (double)r->apps_complete) ||
	    fa_rpt_json_add_number(props, "resultsEvaluated", (double)sum->total) ||
	    fa_rpt_json_add_number(props, "passed", (double)sum->by_status[FA_STATUS_PASS]) ||
	    fa_rpt_json_add_number(props, "unknown", (double)sum->by_status[FA_STATUS_UNKNOWN]) ||
	    fa_rpt_json_add_number(props, "manual", (double)sum->by_status[FA_STATUS_MANUAL]))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&line);
	return rc;
}

/* stands for the result list in the printed tree */
#define RESULTS_MARKER "\001flyaudit:results\001"
#define RESULTS_MARKER_PRINTED "\"\\u0001flyaudit:results\\u0001\""

int fa_report_sarif_stream(const fa_report *r, const fa_report_counts *counts,
			   const fa_result_iter *it, const fa_report_sink *sink)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *runs = NULL, *run = NULL, *tool = NULL, *driver = NULL, *rules = NULL;
	cJSON *results = NULL, *auto_details = NULL, *marker = NULL, *o = NULL;
	const fa_check_meta *checks = NULL;
	const fa_result *res = NULL;
	fa_buf cat = FA_BUF_INIT(0);
	fa_rpt_out out;
	char *text = NULL, *item = NULL;
	const char *tail = NULL;
	size_t n_checks = 0, i, head_len = 0, n = 0;
	int rc = -1, more;

	fa_rpt_out_init(&out, sink);

	checks = fa_checks(&n_checks);
	if (!root || fa_rpt_json_add_string(root, "$schema", SARIF_SCHEMA_URI) ||
	    fa_rpt_json_add_string(root, "version", "2.1.0"))
		goto fail;
	runs = cJSON_AddArrayToObject(root, "runs");
	run = cJSON_CreateObject();
	if (!runs || !run || !cJSON_AddItemToArray(runs, run)) {
		cJSON_Delete(run);
		goto fail;
	}
	tool = cJSON_AddObjectToObject(run, "tool");
	driver = tool ? cJSON_AddObjectToObject(tool, "driver") : NULL;
	if (!driver || fa_rpt_json_add_string(driver, "name", "flyaudit") ||
	    fa_rpt_json_add_string(driver, "version", r->tool_version ? r->tool_version : "") ||
	    fa_rpt_json_add_string(driver, "informationUri", FA_REPORT_INFORMATION_URI))
		goto fail;
	rules = cJSON_AddArrayToObject(driver, "rules");
	if (!rules)
		goto fail;
	for (i = 0; i < n_checks; i++)
		if (add_rule(rules, &checks[i]))
			goto fail;
	/* several orgs: one category that does not change when the token's orgs do */
	if (fa_buf_adds(&cat, "flyaudit/") ||
	    fa_rpt_escape(&cat, r->multi_org ? "all-orgs" : r->org, FA_ESC_UTF8) ||
	    fa_buf_adds(&cat, "/"))
		goto fail;
	auto_details = cJSON_AddObjectToObject(run, "automationDetails");
	if (!auto_details || fa_rpt_json_add_string(auto_details, "id", cat.data))
		goto fail;
	if (add_invocation(run, r, &counts->summary))
		goto fail;
	results = cJSON_AddArrayToObject(run, "results");
	marker = cJSON_CreateString(RESULTS_MARKER);
	if (!results || !marker || !cJSON_AddItemToArray(results, marker)) {
		cJSON_Delete(marker);
		goto fail;
	}
	if (fa_rpt_json_add_string(run, "columnKind", "unicodeCodePoints"))
		goto fail;
	if (fa_rpt_json_split(root, RESULTS_MARKER_PRINTED, &text, &head_len, &tail) ||
	    fa_buf_add(&out.buf, text, head_len) || it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		goto fail;
	while ((more = it->next(it->ctx, &res)) == 1) {
		if (res->status != FA_STATUS_FAIL && res->status != FA_STATUS_MUTED)
			continue;
		o = cJSON_CreateObject();
		if (!o || add_result(o, r, res, rule_index(checks, n_checks, res->check)))
			goto fail;
		item = cJSON_Print(o);
		cJSON_Delete(o);
		o = NULL;
		if (!item || (n++ && fa_buf_adds(&out.buf, ", ")) ||
		    fa_rpt_add_indented(&out.buf, item, "\t\t\t\t") ||
		    fa_rpt_out_flush(&out, FA_RPT_FLUSH_AT))
			goto fail;
		cJSON_free(item);
		item = NULL;
	}
	if (more < 0 || fa_buf_adds(&out.buf, tail) || fa_buf_adds(&out.buf, "\n") ||
	    fa_rpt_out_flush(&out, 0))
		goto fail;
	rc = 0;
fail:
	cJSON_Delete(o);
	cJSON_free(item);
	cJSON_free(text);
	fa_buf_release(&cat);
	cJSON_Delete(root);
	fa_rpt_out_release(&out);
	return rc;
}

static int sarif_stream(const fa_report *r, const fa_report_counts *c, bool color,
			const fa_result_iter *it, const fa_report_sink *sink)
{
	(void)color;
	return fa_report_sarif_stream(r, c, it, sink);
}

int fa_report_sarif(const fa_report *r, fa_buf *out)
{
	return fa_rpt_render_memory(r, false, sarif_stream, out);
}
