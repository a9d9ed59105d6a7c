/* test_report_orgs.c: reports over several orgs (`audit --all-orgs`, audit/report/orgs.c):
 * the chained results, the combined report, the JSON v2 document (validated against the
 * report schema, which still takes v1), the text sections, and the org labels SARIF,
 * JUnit, OCSF and HTML give results of several orgs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flyaudit/policy.h"
#include "flyaudit/report.h"

#define REPORT_SCHEMA "audit/report/flyaudit-report-v1.schema.json"

static const fa_check_meta *check(const char *id)
{
	const fa_check_meta *m = fa_check_find(id);

	assert_non_null(m);
	return m;
}

static void add(fa_report *r, const char *id, fa_status st, const char *app, const char *type,
		const char *rid, const char *msg)
{
	assert_int_equal(fa_results_add(&r->results, check(id), st, r->org, app, type, rid, NULL, NULL,
					msg),
			 0);
}

typedef struct org_fixture {
	fa_report r;
	fa_report_counts counts;
	fa_result_mem_iter mem;
	fa_result_iter it;
} org_fixture;

/* Org "acme": two apps, a failure, a pass, an org-level failure; "beta": one app, an
 * org-level unknown and a coverage error (its members could not be read). */
static void fixtures(org_fixture *o, fa_report_org *views)
{
	size_t k;

	for (k = 0; k < 2; k++) {
		fa_report_init(&o[k].r);
		o[k].r.tool_name = "flyaudit";
		o[k].r.tool_version = "0.1.0";
		o[k].r.generated_at = "2026-11-28T12:00:00Z";
		o[k].r.source = "live";
	}
	o[0].r.org = "acme";
	o[0].r.apps = 2;
	o[0].r.apps_complete = 2;
	o[0].r.crawl.requests = 10;
	o[0].r.crawl.max_in_flight = 4;
	add(&o[0].r, "tls.https_not_forced", FA_STATUS_FAIL, "acme-web", "machine", "m1",
	    "port 80 serves plain HTTP");
	add(&o[0].r, "volumes.unencrypted", FA_STATUS_PASS, "acme-db", "volume", "vol_1",
	    "the volume is encrypted");
	add(&o[0].r, "tokens.long_lived", FA_STATUS_FAIL, NULL, "token", "tok_a",
	    "token ci never expires");
	o[1].r.org = "beta";
	o[1].r.apps = 1;
	o[1].r.apps_complete = 1;
	o[1].r.crawl.requests = 5;
	o[1].r.crawl.max_in_flight = 6;
	assert_int_equal(fa_report_add_error(&o[1].r, NULL, "members", 403, "not authorized"), 0);
	add(&o[1].r, "access.member_without_2fa", FA_STATUS_UNKNOWN, NULL, "org", "beta",
	    "members could not be read");
	add(&o[1].r, "machines.autostop_disabled", FA_STATUS_FAIL, "beta-api", "machine", "m9",
	    "autostop off");
	for (k = 0; k < 2; k++) {
		fa_results_sort(&o[k].r.results);
		memset(&o[k].counts, 0, sizeof(o[k].counts));
		fa_report_counts_add(&o[k].counts, &o[k].r.results);
		fa_result_iter_memory(&o[k].it, &o[k].mem, &o[k].r.results);
		views[k].report = &o[k].r;
		views[k].counts = &o[k].counts;
		views[k].it = &o[k].it;
	}
}

static void fixtures_release(org_fixture *o)
{
	size_t k;

	for (k = 0; k < 2; k++) {
		fa_result_mem_iter_release(&o[k].mem);
		fa_report_release(&o[k].r);
	}
}

static int buf_write(void *ud, const char *data, size_t len)
{
	return fa_buf_add(ud, data, len);
}

static void top_report(fa_report *top, fa_report_counts *total, const fa_report_org *views)
{
	fa_report_init(top);
	top->tool_name = "flyaudit";
	top->tool_version = "0.1.0";
	top->generated_at = "2026-11-28T12:00:00Z";
	top->source = "live";
	top->org = "acme, beta";
	assert_int_equal(fa_report_orgs_combine(top, total, views, 2), 0);
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

/* Each org's results in turn, in either order; a second pass yields the same again. */
static void test_chain(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_result_chain chain;
	fa_result_iter it;
	const fa_result *res;
	const char *orgs[8];
	const char *apps[8];
	size_t n, pass;

	(void)state;
	fixtures(o, views);
	fa_result_iter_chain(&it, &chain, views, 2);
	for (pass = 0; pass < 2; pass++) {
		assert_int_equal(it.begin(it.ctx, pass ? FA_ORDER_APP : FA_ORDER_CHECK), 0);
		n = 0;
		while (it.next(it.ctx, &res) == 1) {
			assert_true(n < 8);
			orgs[n] = res->org;
			apps[n++] = res->app;
		}
		assert_int_equal(n, 5);
		assert_string_equal(orgs[0], "acme");
		assert_string_equal(orgs[2], "acme");
		assert_string_equal(orgs[3], "beta");
		assert_string_equal(orgs[4], "beta");
		if (pass) { /* app order: org-level first, within each org */
			assert_null(apps[0]);
			assert_null(apps[3]);
			assert_string_equal(apps[4], "beta-api");
		}
	}
	/* no org: nothing */
	fa_result_iter_chain(&it, &chain, views, 0);
	assert_int_equal(it.begin(it.ctx, FA_ORDER_CHECK), 0);
	assert_int_equal(it.next(it.ctx, &res), 0);
	fixtures_release(o);
}

/* The combined report: sums, errors labelled with their org, multi_org set. */
static void test_combine(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_report top;
	fa_report_counts total;

	(void)state;
	fixtures(o, views);
	top_report(&top, &total, views);
	assert_true(top.multi_org);
	assert_int_equal(top.apps, 3);
	assert_int_equal(top.apps_complete, 3);
	assert_int_equal(top.crawl.requests, 15);
	assert_int_equal(top.crawl.max_in_flight, 6);
	assert_int_equal(total.summary.total, 5);
	assert_int_equal(total.summary.by_status[FA_STATUS_FAIL], 3);
	assert_int_equal(total.summary.by_status[FA_STATUS_UNKNOWN], 1);
	assert_int_equal(top.n_errors, 1);
	assert_string_equal(top.errors[0].endpoint, "members");
	assert_string_equal(top.errors[0].message, "org beta: not authorized");
	fa_report_release(&top);
	fixtures_release(o);
}

/* JSON v2: totals on top, a v1-shaped section per org with its own coverage and summary;
 * valid against the report schema. */
static void test_json_v2(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_report top;
	fa_report_counts total;
	fa_buf b = FA_BUF_INIT(0);
	fa_report_sink sink = { buf_write, &b };
	cJSON *doc, *orgs, *sec, *errs;
	char path[300], cmd[700];
	FILE *f;
	int rc;

	(void)state;
	fixtures(o, views);
	top_report(&top, &total, views);
	assert_int_equal(fa_report_json_orgs_stream(&top, &total, views, 2, &sink), 0);
	doc = cJSON_Parse(b.data);
	assert_non_null(doc);
	assert_string_equal(jstr(doc, "schema"), FA_REPORT_SCHEMA_V2);
	assert_null(cJSON_GetObjectItemCaseSensitive(doc, "results"));
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "summary"), "total") == 5);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "orgs") == 2);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "orgs_complete") == 1);
	errs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "errors");
	assert_int_equal(cJSON_GetArraySize(errs), 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(errs, 0), "org"), "beta");
	assert_string_equal(jstr(cJSON_GetArrayItem(errs, 0), "message"), "not authorized");
	orgs = cJSON_GetObjectItemCaseSensitive(doc, "orgs");
	assert_int_equal(cJSON_GetArraySize(orgs), 2);
	sec = cJSON_GetArrayItem(orgs, 0);
	assert_string_equal(jstr(sec, "org"), "acme");
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(sec, "summary"), "total") == 3);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(sec, "summary"), "fail") == 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sec, "results")), 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(sec, "coverage"), "errors")),
			 0);
	sec = cJSON_GetArrayItem(orgs, 1);
	assert_string_equal(jstr(sec, "org"), "beta");
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(sec, "summary"), "unknown") == 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(sec, "coverage"), "errors")),
			 1);
	assert_string_equal(jstr(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sec, "results"), 0), "check"),
			    "access.member_without_2fa");
	cJSON_Delete(doc);
	/* the schema takes it (and still v1: test_report validates those) */
	snprintf(path, sizeof(path), "%s/report-v2.json", getenv("BUILD") && *getenv("BUILD") ? getenv("BUILD") : "build");
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py " REPORT_SCHEMA " '%s'", path);
	rc = system(cmd);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	if (rc == 77 || rc == 127)
		print_message("[  SKIP    ] python3-jsonschema missing: v2 not validated\n");
	else
		assert_int_equal(rc, 0);
	fa_buf_release(&b);
	fa_report_release(&top);
	fixtures_release(o);
}

/* Text: a heading per org, each org's own summary, then one line over every org. */
static void test_text_sections(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_report top;
	fa_report_counts total;
	fa_buf b = FA_BUF_INIT(0);
	fa_report_sink sink = { buf_write, &b };
	const char *a, *bb, *all;

	(void)state;
	fixtures(o, views);
	top_report(&top, &total, views);
	assert_int_equal(fa_report_text_orgs_stream(&top, &total, false, views, 2, &sink), 0);
	assert_int_equal(fa_buf_add(&b, "", 1), 0);
	a = strstr(b.data, "== org 1 of 2: acme ==\n");
	bb = strstr(b.data, "== org 2 of 2: beta ==\n");
	all = strstr(b.data, "== 2 orgs ==\nall orgs: 3 failed");
	assert_non_null(a);
	assert_non_null(bb);
	assert_non_null(all);
	assert_true(a < bb && bb < all);
	assert_non_null(strstr(a, "acme: 2 failed"));
	assert_true(strstr(a, "acme: 2 failed") < bb);
	assert_non_null(strstr(bb, "beta: 1 failed"));
	assert_non_null(strstr(all, "3 apps, 3 complete, 1 coverage error\n"));
	assert_null(strchr(b.data, '\033')); /* no colour asked */
	fa_buf_release(&b);
	fa_report_release(&top);
	fixtures_release(o);
}

/* The single-report formats label each result with its own org. */
static void test_other_formats_labelled(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_report top;
	fa_report_counts total;
	fa_result_chain chain;
	fa_result_iter it;
	fa_buf b = FA_BUF_INIT(0);
	fa_report_sink sink = { buf_write, &b };

	(void)state;
	fixtures(o, views);
	top_report(&top, &total, views);
	fa_result_iter_chain(&it, &chain, views, 2);
	assert_int_equal(fa_report_sarif_stream(&top, &total, &it, &sink), 0);
	assert_int_equal(fa_buf_add(&b, "", 1), 0);
	assert_non_null(strstr(b.data, "fly/beta/beta-api/machine/m9"));
	assert_non_null(strstr(b.data, "fly/acme/token/tok_a"));
	assert_non_null(strstr(b.data, "\"org\":\t\"beta\""));
	assert_non_null(strstr(b.data, "flyaudit/all-orgs/"));
	fa_buf_reset(&b);
	assert_int_equal(fa_report_junit_stream(&top, &total, &it, &sink), 0);
	assert_int_equal(fa_buf_add(&b, "", 1), 0);
	assert_non_null(strstr(b.data, "<testsuite name=\"acme\""));
	assert_non_null(strstr(b.data, "<testsuite name=\"beta\""));
	assert_null(strstr(b.data, "<testsuite name=\"org\""));
	fa_buf_reset(&b);
	assert_int_equal(fa_report_ocsf_stream(&top, &total, &it, &sink), 0);
	assert_int_equal(fa_buf_add(&b, "", 1), 0);
	assert_non_null(strstr(b.data, "fly/beta/beta-api/machine/m9"));
	assert_non_null(strstr(b.data, "\"tenant_uid\":\t\"acme\""));
	fa_buf_reset(&b);
	assert_int_equal(fa_report_csv_stream(&top, &total, &it, &sink), 0);
	assert_int_equal(fa_buf_add(&b, "", 1), 0);
	assert_non_null(strstr(b.data, ",\"beta\",\"beta-api\","));
	assert_non_null(strstr(b.data, ",\"acme\",\"\",\"token\","));
	fa_buf_release(&b);
	fa_report_release(&top);
	fixtures_release(o);
}

/* --baseline and diff read a v2 report: every org's failures, the orgs named together;
 * a v2 report without its orgs' results is refused. */
static void test_v2_read_back(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_report top;
	fa_report_counts total;
	fa_buf b = FA_BUF_INIT(0);
	fa_report_sink sink = { buf_write, &b };
	fa_baseline base;
	fa_diff d;
	char err[256];
	static const char bad[] = "{\"schema\":\"flyaudit.report/v2\",\"orgs\":[{\"org\":\"a\"}]}";

	(void)state;
	fixtures(o, views);
	top_report(&top, &total, views);
	assert_int_equal(fa_report_json_orgs_stream(&top, &total, views, 2, &sink), 0);
	fa_baseline_init(&base);
	assert_int_equal(fa_baseline_parse(b.data, b.len, "v2.json", &base, err, sizeof(err)), 0);
	assert_int_equal(base.n, 3); /* acme's two failures and beta's one */
	fa_baseline_release(&base);
	fa_diff_init(&d);
	assert_int_equal(fa_policy_diff(b.data, b.len, b.data, b.len, &d, err, sizeof(err)), 0);
	assert_string_equal(d.org, "acme, beta");
	assert_int_equal(d.unchanged.n, 3);
	assert_int_equal(d.added.n, 0);
	fa_diff_release(&d);
	fa_baseline_init(&base);
	assert_int_equal(fa_baseline_parse(bad, strlen(bad), "bad.json", &base, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "flyaudit.report/v2"));
	fa_baseline_release(&base);
	fa_buf_release(&b);
	fa_report_release(&top);
	fixtures_release(o);
}

/* fix --plan reads both versions (fa_report_plan_json): the v2 document's failures of
 * every org, and a clear refusal for what is not a report. */
static void test_plan_from_reports(void **state)
{
	org_fixture o[2];
	fa_report_org views[2];
	fa_report top;
	fa_report_counts total;
	fa_buf b = FA_BUF_INIT(0), plan = FA_BUF_INIT(0);
	fa_report_sink sink = { buf_write, &b };
	char err[256];
	size_t n = 99, i;
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "{\"schema\":\"flyaudit.report/v2\",\"orgs\":[{\"org\":\"a\"}]}", "without its orgs" },
		{ "{\"schema\":\"flyaudit.report/v1\",\"results\":[],\"results\":[]}", "results" },
		{ "{\"schema\":\"flyaudit.report/v1\",\"results\":{}}", "not a flyaudit JSON report" },
		{ "{\"schema\":\"other/v1\",\"results\":[]}", "not a flyaudit JSON report" },
		{ "[1,2", "not a flyaudit JSON report" },
		{ "", "not a flyaudit JSON report" },
	};

	(void)state;
	fixtures(o, views);
	top_report(&top, &total, views);
	assert_int_equal(fa_report_json_orgs_stream(&top, &total, views, 2, &sink), 0);
	assert_int_equal(fa_report_plan_json(b.data, b.len, "v2.json", &plan, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3); /* acme's two failures and beta's one */
	assert_non_null(strstr(plan.data, "v2.json"));
	fa_buf_release(&plan);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(fa_report_plan_json(bad[i].text, strlen(bad[i].text), "x.json", &plan, &n,
						     err, sizeof(err)),
				 -1);
		if (!strstr(err, bad[i].why) || !strstr(err, "x.json") || strchr(err, '\n'))
			fail_msg("case %zu: \"%s\"", i, err);
		assert_null(plan.data);
		assert_int_equal(n, 0);
	}
	fa_buf_release(&b);
	fa_report_release(&top);
	fixtures_release(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_combine),
		cmocka_unit_test(test_json_v2),
		cmocka_unit_test(test_text_sections),
		cmocka_unit_test(test_other_formats_labelled),
		cmocka_unit_test(test_v2_read_back),
		cmocka_unit_test(test_plan_from_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
