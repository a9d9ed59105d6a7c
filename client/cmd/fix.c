/* cmd/fix.c: `flyaudit fix --plan REPORT.json [-o plan.sh]`: reads a JSON report and writes
 * the shell script of audit/report/plan.c for its unmuted failures, highest severity
 * first. It runs nothing and talks to nobody. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flyaudit/report.h"

#define REPORT_MAX ((size_t)64 * 1024 * 1024)

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int sev_rank(const char *s)
{
	fa_severity v;

	return s && fa_severity_parse(s, &v) == 0 ? (int)v : -1;
}

static int cmp_item(const void *pa, const void *pb)
{
	const fa_plan_item *a = pa, *b = pb;
	int c = sev_rank(b->severity) - sev_rank(a->severity);

	if (c)
		return c;
	c = strcmp(a->app ? a->app : "", b->app ? b->app : "");
	if (c)
		return c;
	c = strcmp(a->check ? a->check : "", b->check ? b->check : "");
	return c ? c : strcmp(a->resource_id ? a->resource_id : "", b->resource_id ? b->resource_id : "");
}

/* A v2 report (audit --all-orgs): its orgs' results moved into one top-level "results"
 * array and "org" set to the slugs joined by ", " (fix commands name apps, which are
 * unique across orgs). 0, or -1 (not that shape, or OOM). */
static int flatten_v2(cJSON *root)
{
	cJSON *orgs = cJSON_GetObjectItemCaseSensitive(root, "orgs"), *org = NULL, *all = NULL;
	fa_buf label = FA_BUF_INIT(0);
	size_t n = 0;
	int rc = -1;

	if (!cJSON_IsArray(orgs) || cJSON_HasObjectItem(root, "results") ||
	    cJSON_HasObjectItem(root, "org") || !(all = cJSON_AddArrayToObject(root, "results")))
		return -1;
	cJSON_ArrayForEach(org, orgs) {
		cJSON *res = cJSON_GetObjectItemCaseSensitive(org, "results"), *item;
		const char *slug = str(org, "org");

		if (!cJSON_IsArray(res) || !slug || (n++ && fa_buf_adds(&label, ", ")) ||
		    fa_buf_adds(&label, slug))
			goto cleanup;
		while ((item = cJSON_DetachItemFromArray(res, 0)) != NULL)
			cJSON_AddItemToArray(all, item);
	}
	if (!n || !cJSON_AddStringToObject(root, "org", label.data))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&label);
	return rc;
}

int fa_cmd_fix(const fa_cli *cli)
{
	char err[512];
	char *text = NULL;
	size_t len = 0, n = 0, cap;
	cJSON *root = NULL;
	const cJSON *results, *r;
	fa_plan_item *items = NULL;
	fa_buf out = FA_BUF_INIT(0);
	int rc;

	if (!cli->plan || cli->n_args)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit fix --plan REPORT.json [-o plan.sh]");
	text = fa_read_file(cli->plan, REPORT_MAX, &len, err, sizeof(err));
	if (!text)
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	root = cJSON_ParseWithLength(text, len);
	if (root && str(root, "schema") && strcmp(str(root, "schema"), FA_REPORT_SCHEMA_V2) == 0 &&
	    flatten_v2(root) == 0)
		cJSON_ReplaceItemInObjectCaseSensitive(root, "schema", cJSON_CreateString(FA_REPORT_SCHEMA));
	results = root ? cJSON_GetObjectItemCaseSensitive(root, "results") : NULL;
	if (!root || !str(root, "schema") || strcmp(str(root, "schema"), FA_REPORT_SCHEMA) != 0 ||
	    !cJSON_IsArray(results)) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s: not a flyaudit JSON report (%s)", cli->plan,
				  FA_REPORT_SCHEMA);
		goto cleanup;
	}
	cap = (size_t)cJSON_GetArraySize(results);
	items = calloc(cap ? cap : 1, sizeof(*items));
	if (!items) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	cJSON_ArrayForEach(r, results) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(r, "resource");
		const char *st = str(r, "status");

		/* unmuted failures only: muted ones are accepted risk */
		if (!st || strcmp(st, "fail") != 0 || n >= cap)
			continue;
		items[n].check = str(r, "check");
		items[n].severity = str(r, "severity");
		items[n].app = str(r, "app");
		items[n].resource_type = str(res, "type");
		items[n].resource_id = str(res, "id");
		items[n].resource_name = str(res, "name");
		items[n].region = str(res, "region");
		items[n].message = str(r, "message");
		n++;
	}
	if (n)
		qsort(items, n, sizeof(*items), cmp_item);
	if (fa_report_plan(str(root, "org"), cli->plan, items, n, &out) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	if (fa_write_output(cli->output, out.data ? out.data : "", out.len, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	if (cli->output && !cli->quiet)
		fprintf(stderr, "flyaudit: plan for %zu failure%s written to %s (review it before running)\n",
			n, n == 1 ? "" : "s", cli->output);
	rc = FA_EXIT_OK;
cleanup:
	fa_buf_release(&out);
	free(items);
	cJSON_Delete(root);
	free(text);
	return rc;
}
