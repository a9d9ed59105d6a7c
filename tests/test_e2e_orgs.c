/* test_e2e_orgs.c: `audit --all-orgs` through the real binary against flymock serving two
 * orgs (the demo org and, with --second-org, a small synthetic one): one run audits both
 * into one report (JSON v2 with a section per org, text with a heading per org, from one
 * crawl), the exit code is the worst over them, --org is refused beside it, an org whose
 * app list is refused is that org's coverage error while the other is still reported
 * (exit 3), so is one whose crawl cannot go on (a 401), a token of one org gets the v1
 * report of --org, and the canary token shows nowhere. Kept small (three crawls of the demo
 * org, two of a one-app org): CI runs it three times (plain, ASan, valgrind). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "harness.h"

#define CANARY "fm2_CANARYcanaryCANARYcanary0123456789abcdefORGS"
#define REPORT_SCHEMA "audit/report/flyaudit-report-v1.schema.json"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("no number \"%s\"", k);
	return v->valuedouble;
}

static cJSON *load_json(const char *path)
{
	char *text = slurp(path);
	cJSON *doc;

	assert_non_null(text);
	assert_null(strstr(text, "CANARYcanary"));
	doc = cJSON_Parse(text);
	free(text);
	assert_non_null(doc);
	return doc;
}

/* The section of org `slug` in a v2 report. */
static const cJSON *section(const cJSON *doc, const char *slug)
{
	const cJSON *o;

	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(doc, "orgs"))
		if (jstr(o, "org") && strcmp(jstr(o, "org"), slug) == 0)
			return o;
	fail_msg("no section for org %s", slug);
	return NULL;
}

static void validate(const char *path)
{
	char cmd[700];
	int rc;

	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py " REPORT_SCHEMA " '%s'", path);
	rc = system(cmd);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	if (rc == 77 || rc == 127)
		print_message("[  SKIP    ] python3-jsonschema missing: %s not validated\n", path);
	else
		assert_int_equal(rc, 0);
}

/* Two orgs in one run: JSON v2 and text from one crawl, each org with its own summary and
 * coverage; the exit code is the worst (the demo org fails high); no canary anywhere. */
static void test_all_orgs(void **state)
{
	mock m;
	const char *mx[] = { "--second-org", "2", NULL };
	char jp[300], tp[300];
	const char *a[] = { "-v", "audit", "--all-orgs", "--format", "json", "-o", jp, "--format",
			    "text", "-o", tp, NULL };
	const cJSON *demo, *synth, *x;
	double fails = 0;
	cJSON *doc;
	char *text;
	run r;

	(void)state;
	snprintf(jp, sizeof(jp), "%s/orgs.json", tmpdir);
	snprintf(tp, sizeof(tp), "%s/orgs.txt", tmpdir);
	mock_start(&m, CANARY, mx);
	fa_run(&r, m.url, "FlyV1 " CANARY, ca_path, a);
	if (r.code != 1)
		fail_msg("audit --all-orgs exit %d, want 1: %s", r.code, r.err);
	assert_null(strstr(r.out, "CANARYcanary"));
	assert_null(strstr(r.err, "CANARYcanary"));
	assert_non_null(strstr(r.err, "auditing 2 orgs"));
	run_free(&r);
	mock_stop(&m);

	doc = load_json(jp);
	assert_string_equal(jstr(doc, "schema"), "flyaudit.report/v2");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "orgs")), 2);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "orgs") == 2);
	demo = section(doc, "demo");
	synth = section(doc, "synth");
	/* each org its own apps, coverage and summary; the top is their sum */
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(synth, "coverage"), "apps") == 2);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(demo, "coverage"), "apps") > 2);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "apps") ==
		    jnum(cJSON_GetObjectItemCaseSensitive(demo, "coverage"), "apps") + 2);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(demo, "summary"), "fail") > 0);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(synth, "summary"), "fail") > 0);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "summary"), "total") ==
		    jnum(cJSON_GetObjectItemCaseSensitive(demo, "summary"), "total") +
			    jnum(cJSON_GetObjectItemCaseSensitive(synth, "summary"), "total"));
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(synth, "crawl"), "requests") > 0);
	/* results stay with their org: synth's apps only in synth's section */
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(synth, "results")) {
		const char *app = jstr(x, "app");

		assert_true(!app || strncmp(app, "app-", 4) == 0);
		fails += strcmp(jstr(x, "status"), "fail") == 0;
	}
	assert_true(fails == jnum(cJSON_GetObjectItemCaseSensitive(synth, "summary"), "fail"));
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(demo, "results"))
		assert_true(!jstr(x, "app") || strncmp(jstr(x, "app"), "app-", 4) != 0);
	cJSON_Delete(doc);
	validate(jp);
	{
		/* fix --plan reads the v2 report (offline): every org's failures */
		const char *f[] = { "fix", "--plan", jp, NULL };

		fa_run(&r, NULL, NULL, NULL, f);
		assert_int_equal(r.code, 0);
		assert_non_null(strstr(r.out, "# flyaudit fix plan for org demo, synth"));
		assert_non_null(strstr(r.out, "app-0000"));
		run_free(&r);
	}

	text = slurp(tp);
	assert_non_null(text);
	assert_null(strstr(text, "CANARYcanary"));
	assert_non_null(strstr(text, "== org 1 of 2: demo =="));
	assert_non_null(strstr(text, "== org 2 of 2: synth =="));
	assert_non_null(strstr(text, "\nsynth: "));
	assert_non_null(strstr(text, "== 2 orgs ==\nall orgs: "));
	free(text);
}

/* --all-orgs reads every org: --org beside it is a usage error (nothing is read). */
static void test_all_orgs_with_org_refused(void **state)
{
	const char *a[] = { "--org", "demo", "audit", "--all-orgs", NULL };
	run r;

	(void)state;
	fa_run(&r, "https://127.0.0.1:9", "tok", ca_path, a);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "--all-orgs and --org conflict"));
	assert_null(strchr(strchr(r.err, '\n') + 1, '\n')); /* one line */
	run_free(&r);
}

/* An org whose app list is refused: a coverage error of that org, exit 3; the other org
 * is audited and reported as usual. */
static void test_one_org_refused(void **state)
{
	mock m;
	const char *mx[] = { "--second-org", "1", "--deny-org", "synth", NULL };
	char jp[300];
	const char *a[] = { "audit", "--all-orgs", "--format", "json", "-o", jp, NULL };
	const cJSON *demo, *synth, *e;
	cJSON *doc;
	run r;

	(void)state;
	snprintf(jp, sizeof(jp), "%s/denied.json", tmpdir);
	mock_start(&m, "tok", mx);
	fa_run(&r, m.url, "tok", ca_path, a);
	if (r.code != 3)
		fail_msg("audit --all-orgs exit %d, want 3: %s", r.code, r.err);
	run_free(&r);
	mock_stop(&m);
	doc = load_json(jp);
	demo = section(doc, "demo");
	synth = section(doc, "synth");
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(demo, "summary"), "total") > 0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(demo, "coverage"), "errors")),
			 0);
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
				       cJSON_GetObjectItemCaseSensitive(synth, "coverage"), "errors"),
			       0);
	assert_non_null(e);
	assert_string_equal(jstr(e, "endpoint"), "apps");
	assert_true(jnum(e, "status") == 403);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(synth, "coverage"), "apps") == 0);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "orgs_complete") == 1);
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
				       cJSON_GetObjectItemCaseSensitive(doc, "coverage"), "errors"),
			       0);
	assert_string_equal(jstr(e, "org"), "synth");
	cJSON_Delete(doc);
}

/* A crawl that cannot go on in one org (a 401 on one of its apps, the body quoting the
 * token): that org's coverage entry (endpoint "org"), exit 3, the other org reported, and
 * the token nowhere. */
static void test_one_org_stops(void **state)
{
	mock m;
	const char *mx[] = { "--second-org", "1", "--fault", "echoauth401,path=/v1/apps/app-00001", NULL };
	char jp[300];
	const char *a[] = { "audit", "--all-orgs", "--format", "json", "-o", jp, NULL };
	const cJSON *demo, *synth, *e;
	cJSON *doc;
	run r;

	(void)state;
	snprintf(jp, sizeof(jp), "%s/stops.json", tmpdir);
	mock_start(&m, CANARY, mx);
	fa_run(&r, m.url, "FlyV1 " CANARY, ca_path, a);
	if (r.code != 3)
		fail_msg("audit --all-orgs exit %d, want 3: %s", r.code, r.err);
	assert_null(strstr(r.out, "CANARYcanary"));
	assert_null(strstr(r.err, "CANARYcanary"));
	assert_non_null(strstr(r.err, "flyaudit: org synth: "));
	run_free(&r);
	mock_stop(&m);
	doc = load_json(jp); /* no canary in it either */
	demo = section(doc, "demo");
	synth = section(doc, "synth");
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(demo, "summary"), "total") > 0);
	e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
				       cJSON_GetObjectItemCaseSensitive(synth, "coverage"), "errors"),
			       0);
	assert_non_null(e);
	assert_string_equal(jstr(e, "endpoint"), "org");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(demo, "coverage"), "errors")),
			 0);
	cJSON_Delete(doc);
}

/* A token that reads one org: the v1 report of `--org SLUG`, the same results (a tiny
 * synthetic org of one app keeps it cheap). */
static void test_one_org_is_v1(void **state)
{
	mock m;
	const char *mx[] = { "--synthetic", "1", NULL };
	char ap[300], op[300];
	const char *a[] = { "audit", "--all-orgs", "--format", "json", "-o", ap, NULL };
	const char *o[] = { "--org", "synth", "audit", "--format", "json", "-o", op, NULL };
	cJSON *all, *one;
	char *x, *y;
	run r;

	(void)state;
	snprintf(ap, sizeof(ap), "%s/one-all.json", tmpdir);
	snprintf(op, sizeof(op), "%s/one-org.json", tmpdir);
	mock_start(&m, "tok", mx);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_true(r.code == 0 || r.code == 1);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, o);
	assert_true(r.code == 0 || r.code == 1);
	run_free(&r);
	mock_stop(&m);
	all = load_json(ap);
	one = load_json(op);
	assert_string_equal(jstr(all, "schema"), "flyaudit.report/v1");
	assert_string_equal(jstr(all, "org"), "synth");
	/* the same document but for the time and the crawl figures */
	cJSON_DeleteItemFromObjectCaseSensitive(all, "generated_at");
	cJSON_DeleteItemFromObjectCaseSensitive(one, "generated_at");
	cJSON_DeleteItemFromObjectCaseSensitive(all, "crawl");
	cJSON_DeleteItemFromObjectCaseSensitive(one, "crawl");
	x = cJSON_PrintUnformatted(all);
	y = cJSON_PrintUnformatted(one);
	assert_non_null(x);
	assert_non_null(y);
	assert_string_equal(x, y);
	free(x);
	free(y);
	cJSON_Delete(all);
	cJSON_Delete(one);
	validate(ap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_orgs),
		cmocka_unit_test(test_all_orgs_with_org_refused),
		cmocka_unit_test(test_one_org_refused),
		cmocka_unit_test(test_one_org_stops),
		cmocka_unit_test(test_one_org_is_v1),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
