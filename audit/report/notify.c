/* report/notify.c: the JSON a scheduled run POSTs when it finds new failures
 * (FLYAUDIT_NOTIFY_URL): `text` (Slack) and `content` (Discord) carry a short summary,
 * the rest the same facts for machines. Names and messages only, as in every report. */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Does this result count: an unmuted failure at or above fail_on, not in the baseline. */
static bool counts(const fa_result *res, fa_severity fail_on)
{
	return res->status == FA_STATUS_FAIL && res->baseline != 1 && fail_on != FA_SEV_NONE &&
	       res->severity != FA_SEV_NONE && res->severity >= fail_on;
}

int fa_report_notify_payload(const fa_report *r, const fa_report_counts *c,
			     const fa_result_iter *it, fa_severity fail_on, size_t top,
			     fa_buf *out)
{
	cJSON *root = cJSON_CreateObject(), *arr = NULL, *sev = NULL;
	fa_buf text = FA_BUF_INIT(0);
	const fa_result *res = NULL;
	size_t n_new = 0, shown = 0;
	int rc = -1, more, v;

	if (!root || !(arr = cJSON_CreateArray()))
		goto cleanup;
	/* highest severity first: one pass per severity, in the report's order */
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--) {
		if (it->begin(it->ctx, FA_ORDER_CHECK) < 0)
			goto cleanup;
		while ((more = it->next(it->ctx, &res)) == 1) {
			cJSON *o;

			if (!counts(res, fail_on) || (int)res->severity != v)
				continue;
			n_new++;
			if (shown >= top)
				continue;
			shown++;
			o = cJSON_CreateObject();
			if (!o || !cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				goto cleanup;
			}
			if (fa_rpt_json_add_string(o, "check", res->check ? res->check->id : "") ||
			    fa_rpt_json_add_string(o, "severity", fa_severity_name(res->severity)) ||
			    fa_rpt_json_add_string(o, "app", res->app) ||
			    fa_rpt_json_add_string(o, "resource_type", res->resource_type) ||
			    fa_rpt_json_add_string(o, "resource_id", res->resource_id) ||
			    fa_rpt_json_add_string(o, "message", res->message) ||
			    fa_rpt_json_add_string(o, "fingerprint", res->fingerprint))
				goto cleanup;
			/* one line each in the text */
			if (fa_buf_printf(&text, "\n- [%s] ", fa_severity_name(res->severity)) ||
			    fa_rpt_escape(&text, res->app ? res->app : "org", FA_ESC_TERMINAL) ||
			    fa_buf_adds(&text, ": ") ||
			    fa_rpt_escape(&text, res->check ? res->check->id : "", FA_ESC_TERMINAL) ||
			    fa_buf_adds(&text, " (") ||
			    fa_rpt_escape(&text, res->resource_id, FA_ESC_TERMINAL) ||
			    fa_buf_adds(&text, ")"))
				goto cleanup;
		}
		if (more < 0)
			goto cleanup;
	}
	{
		fa_buf head = FA_BUF_INIT(0);
		int bad;

		bad = fa_buf_adds(&head, "flyaudit: ") ||
		      fa_rpt_escape(&head, r->org ? r->org : "", FA_ESC_TERMINAL) ||
		      fa_buf_printf(&head, ": %zu new failure%s at or above %s (%zu failed, %zu unknown in all)",
				    n_new, n_new == 1 ? "" : "s", fa_severity_name(fail_on),
				    c->summary.by_status[FA_STATUS_FAIL],
				    c->summary.by_status[FA_STATUS_UNKNOWN]) ||
		      (r->n_errors && fa_buf_printf(&head, "; partial: %zu coverage error%s", r->n_errors,
						    r->n_errors == 1 ? "" : "s")) ||
		      fa_buf_add(&head, text.data ? text.data : "", text.len) ||
		      (n_new > shown && fa_buf_printf(&head, "\n... and %zu more", n_new - shown)) ||
		      fa_buf_add(&head, "", 0);
		if (bad || fa_rpt_json_add_string(root, "text", head.data) ||
		    fa_rpt_json_add_string(root, "content", head.data)) {
			fa_buf_release(&head);
			goto cleanup;
		}
		fa_buf_release(&head);
	}
	if (fa_rpt_json_add_string(root, "org", r->org ? r->org : "") ||
	    fa_rpt_json_add_string(root, "generated_at", r->generated_at ? r->generated_at : "") ||
	    fa_rpt_json_add_string(root, "fail_on", fa_severity_name(fail_on)) ||
	    fa_rpt_json_add_number(root, "new_failures", (double)n_new) ||
	    fa_rpt_json_add_number(root, "failed", (double)c->summary.by_status[FA_STATUS_FAIL]) ||
	    fa_rpt_json_add_number(root, "unknown", (double)c->summary.by_status[FA_STATUS_UNKNOWN]) ||
	    fa_rpt_json_add_number(root, "coverage_errors", (double)r->n_errors))
		goto cleanup;
	sev = cJSON_AddObjectToObject(root, "failures_by_severity");
	if (!sev)
		goto cleanup;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (fa_rpt_json_add_number(sev, fa_severity_name((fa_severity)v),
					   (double)c->summary.fail_by_severity[v]))
			goto cleanup;
	if (!cJSON_AddItemToObject(root, "top", arr))
		goto cleanup;
	arr = NULL;
	{
		char *s = cJSON_PrintUnformatted(root);

		if (!s)
			goto cleanup;
		rc = fa_buf_adds(out, s);
		cJSON_free(s);
	}
cleanup:
	cJSON_Delete(arr);
	cJSON_Delete(root);
	fa_buf_release(&text);
	if (rc)
		fa_buf_release(out);
	return rc;
}
