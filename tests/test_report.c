/* test_report.c: the report writers (JSON, SARIF, JUnit, text): golden files, determinism,
 * hostile strings, and validation against the JSON schemas.
 * FLYAUDIT_UPDATE_GOLDEN=1 rewrites tests/golden/ instead of comparing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flyaudit/report.h"

#define REPORT_SCHEMA "audit/report/flyaudit-report-v1.schema.json"
#define SARIF_SCHEMA "../shared/schemas/sarif-schema-2.1.0.json"

static char *xdup(const char *s)
{
	char *p = malloc(strlen(s) + 1);

	assert_non_null(p);
	memcpy(p, s, strlen(s) + 1);
	return p;
}

static const fa_check_meta *check(const char *id)
{
	const fa_check_meta *m = fa_check_find(id);

	assert_non_null(m);
	return m;
}

static void add(fa_report *r, const char *id, fa_status st, const char *app, const char *type,
		const char *rid, const char *name, const char *region, const char *msg)
{
	assert_int_equal(fa_results_add(&r->results, check(id), st, r->org, app, type, rid, name,
					region, msg),
			 0);
}

static void mute(fa_result *res, const char *reason, const char *expires)
{
	res->status = FA_STATUS_MUTED;
	res->muted_reason = xdup(reason);
	res->muted_expires = xdup(expires);
}

/* A report with every status, org-level and app-level results, an error and a notice. */
static void fixture(fa_report *r)
{
	fa_report_init(r);
	r->tool_name = "flyaudit";
	r->tool_version = "0.1.0";
	r->generated_at = "2026-11-28T12:00:00Z";
	r->org = "demo";
	r->source = "live";
	r->apps = 3;
	r->apps_complete = 2;
	r->crawl.requests = 42;
	r->crawl.retries = 3;
	r->crawl.elapsed_ms = 1234;
	r->crawl.max_in_flight = 8;
	assert_int_equal(fa_report_add_error(r, "demo-db", "volumes", 500, "internal server error"), 0);
	assert_int_equal(fa_report_add_notice(r, "suppressions.json: entry 2 (check volumes.no_backups, "
					      "app demo-db) expires on 2026-12-01 (in 3 days)"),
			 0);
	add(r, "secrets.plaintext_env", FA_STATUS_FAIL, "demo-web", "machine", "148e1234",
	    "web-1", "iad", "env var STRIPE_KEY holds a Stripe secret key");
	add(r, "tls.https_not_forced", FA_STATUS_FAIL, "demo-web", "machine", "148e1234", "web-1",
	    "iad", "port 80 has the http handler without force_https");
	add(r, "volumes.unencrypted", FA_STATUS_FAIL, "demo-db", "volume", "vol_1", "pgdata", "ams",
	    "volume pgdata is not encrypted");
	add(r, "container.image_unpinned", FA_STATUS_PASS, "demo-web", "machine", "148e1234",
	    "web-1", "iad", "image registry.fly.io/demo-web:deployment-01 is pinned");
	add(r, "container.runs_as_root", FA_STATUS_UNKNOWN, "demo-db", "machine", "3d8d0001", NULL,
	    NULL, "the user is not visible in the machine config");
	add(r, "network.admin_allowlist", FA_STATUS_MANUAL, "demo-web", "machine", "148e1234",
	    "web-1", "iad", "check that admin paths are restricted to known IPs");
	add(r, "volumes.no_backups", FA_STATUS_FAIL, "demo-db", "volume", "vol_1", "pgdata", "ams",
	    "volume pgdata has automatic backups off");
	mute(&r->results.items[r->results.n - 1], "backups run from pg_dump cron", "2026-12-01");
	add(r, "tokens.long_lived", FA_STATUS_FAIL, NULL, "token", "tok_1", "deploy-ci", NULL,
	    "token deploy-ci never expires");
	add(r, "health.checks_missing", FA_STATUS_FAIL, "demo-api", "machine", "9080abcd", NULL,
	    "fra", "machine 9080abcd serves public ports without health checks");
	fa_results_sort(&r->results);
}

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

static void golden(const char *name, const fa_buf *got)
{
	char path[256];
	FILE *f = NULL;
	char *want = NULL;
	long n;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (getenv("FLYAUDIT_UPDATE_GOLDEN") && strcmp(getenv("FLYAUDIT_UPDATE_GOLDEN"), "1") == 0) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(got->data, 1, got->len, f), got->len);
		assert_int_equal(fclose(f), 0);
		return;
	}
	f = fopen(path, "rb");
	if (!f)
		fail_msg("missing %s (run with FLYAUDIT_UPDATE_GOLDEN=1 to create it)", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	want = malloc((size_t)n + 1);
	assert_non_null(want);
	assert_int_equal(fread(want, 1, (size_t)n, f), (size_t)n);
	want[n] = '\0';
	fclose(f);
	if ((size_t)n != got->len || memcmp(want, got->data, got->len) != 0) {
		size_t i = 0;
		while (i < got->len && i < (size_t)n && want[i] == got->data[i])
			i++;
		free(want);
		fail_msg("%s differs from the rendering at byte %zu (FLYAUDIT_UPDATE_GOLDEN=1 "
			 "rewrites it after a deliberate change)", path, i);
	}
	free(want);
}

typedef int (*writer_fn)(const fa_report *, fa_buf *);

static int text_as(const fa_report *r, fa_buf *b, fa_text_detail detail, bool color)
{
	fa_report c = *r; /* a shallow copy: only the detail differs */

	c.text_detail = detail;
	return fa_report_text(&c, color, b);
}

/* -v: one line per result, as before grouping */
static int text_plain(const fa_report *r, fa_buf *b)
{
	return text_as(r, b, FA_TEXT_ALL, false);
}

static int text_color(const fa_report *r, fa_buf *b)
{
	return text_as(r, b, FA_TEXT_ALL, true);
}

/* the default: summary first, repeats grouped */
static int text_grouped(const fa_report *r, fa_buf *b)
{
	return text_as(r, b, FA_TEXT_GROUPED, false);
}

static int text_grouped_color(const fa_report *r, fa_buf *b)
{
	return text_as(r, b, FA_TEXT_GROUPED, true);
}

/* -q: summary and failures */
static int text_brief(const fa_report *r, fa_buf *b)
{
	return text_as(r, b, FA_TEXT_BRIEF, false);
}

static void render(writer_fn fn, const fa_report *r, fa_buf *b)
{
	fa_buf_init(b, 0);
	assert_int_equal(fn(r, b), 0);
	assert_non_null(b->data);
}

static void test_golden_files(void **state)
{
	static const struct {
		const char *file;
		writer_fn fn;
	} cases[] = {
		{ "report.json", fa_report_json },     { "report.sarif", fa_report_sarif },
		{ "report.junit.xml", fa_report_junit }, { "report.txt", text_plain },
		{ "report-color.txt", text_color },  { "report-grouped.txt", text_grouped },
		{ "report-grouped-color.txt", text_grouped_color }, { "report-brief.txt", text_brief },
	};
	fa_report r;
	size_t i;

	(void)state;
	fixture(&r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fa_buf b;
		render(cases[i].fn, &r, &b);
		golden(cases[i].file, &b);
		fa_buf_release(&b);
	}
	fa_report_release(&r);
}

static void test_json_content(void **state)
{
	fa_report r;
	fa_buf b;
	cJSON *root = NULL, *res = NULL, *it = NULL;
	size_t n_muted = 0;

	(void)state;
	fixture(&r);
	render(fa_report_json, &r, &b);
	root = cJSON_Parse(b.data);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "schema")->valuestring, "flyaudit.report/v1");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "summary"), "fail")->valueint,
			 5);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "summary"),
								 "failures_by_severity"),
					     "critical")->valueint,
			 1);
	res = cJSON_GetObjectItem(root, "results");
	assert_int_equal(cJSON_GetArraySize(res), 9);
	cJSON_ArrayForEach(it, res)
	{
		cJSON *mu = cJSON_GetObjectItem(it, "muted");
		const char *st = cJSON_GetObjectItem(it, "status")->valuestring;
		assert_int_equal(strlen(cJSON_GetObjectItem(it, "fingerprint")->valuestring), 64);
		assert_null(cJSON_GetObjectItem(it, "baseline")); /* no baseline given */
		if (strcmp(st, "muted") == 0) {
			n_muted++;
			assert_non_null(mu);
			assert_string_equal(cJSON_GetObjectItem(mu, "reason")->valuestring,
					    "backups run from pg_dump cron");
			assert_string_equal(cJSON_GetObjectItem(it, "severity")->valuestring, "low");
		} else {
			assert_null(mu);
		}
		if (strcmp(cJSON_GetObjectItem(it, "check")->valuestring, "tokens.long_lived") == 0)
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(it, "app")));
	}
	assert_int_equal(n_muted, 1);
	cJSON_Delete(root);
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_sarif_content(void **state)
{
	fa_report r;
	fa_buf b;
	cJSON *root = NULL, *run = NULL, *rules = NULL, *results = NULL, *it = NULL, *notes = NULL;
	size_t n_checks = 0, n_suppressed = 0;
	const fa_check_meta *checks = fa_checks(&n_checks);

	(void)state;
	fixture(&r);
	render(fa_report_sarif, &r, &b);
	root = cJSON_Parse(b.data);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "version")->valuestring, "2.1.0");
	run = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "runs"), 0);
	rules = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver"),
				    "rules");
	assert_int_equal((size_t)cJSON_GetArraySize(rules), n_checks);
	results = cJSON_GetObjectItem(run, "results");
	assert_int_equal(cJSON_GetArraySize(results), 6); /* 5 fail + 1 muted */
	cJSON_ArrayForEach(it, results)
	{
		int idx = cJSON_GetObjectItem(it, "ruleIndex")->valueint;
		const char *rule = cJSON_GetObjectItem(it, "ruleId")->valuestring;
		const char *uri = cJSON_GetObjectItem(
			cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(
						cJSON_GetObjectItem(it, "locations"), 0),
						"physicalLocation"),
					    "artifactLocation"),
			"uri")->valuestring;
		assert_true(idx >= 0 && (size_t)idx < n_checks);
		assert_string_equal(checks[idx].id, rule);
		assert_int_equal(strncmp(uri, "fly/demo/", 9), 0);
		assert_int_equal(strlen(cJSON_GetObjectItem(cJSON_GetObjectItem(it, "partialFingerprints"),
							    "flyauditFingerprint/v1")->valuestring),
				 64);
		if (strcmp(rule, "secrets.plaintext_env") == 0) {
			assert_string_equal(cJSON_GetObjectItem(it, "level")->valuestring, "error");
			assert_string_equal(uri, "fly/demo/demo-web/machine/148e1234");
		}
		if (strcmp(rule, "tokens.long_lived") == 0)
			assert_string_equal(uri, "fly/demo/token/tok_1");
		if (cJSON_GetObjectItem(it, "suppressions")) {
			n_suppressed++;
			assert_string_equal(rule, "volumes.no_backups");
		}
	}
	assert_int_equal(n_suppressed, 1);
	cJSON_ArrayForEach(it, rules)
	{
		cJSON *props = cJSON_GetObjectItem(it, "properties");
		const fa_check_meta *m = fa_check_find(cJSON_GetObjectItem(it, "id")->valuestring);
		cJSON *sev = cJSON_GetObjectItem(props, "security-severity");
		assert_non_null(m);
		if (m->severity == FA_SEV_CRITICAL)
			assert_string_equal(sev->valuestring, "9.5");
		if (m->severity == FA_SEV_HIGH)
			assert_string_equal(sev->valuestring, "8.0");
		if (m->severity == FA_SEV_MEDIUM)
			assert_string_equal(sev->valuestring, "5.5");
		if (m->severity == FA_SEV_LOW)
			assert_string_equal(sev->valuestring, "3.0");
		if (m->severity == FA_SEV_INFO)
			assert_string_equal(sev->valuestring, "1.0");
		assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(it, "help"), "markdown"));
	}
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(run, "automationDetails"), "id")
				    ->valuestring,
			    "flyaudit/demo/");
	it = cJSON_GetArrayItem(cJSON_GetObjectItem(run, "invocations"), 0);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(it, "executionSuccessful")));
	notes = cJSON_GetObjectItem(it, "toolExecutionNotifications");
	assert_int_equal(cJSON_GetArraySize(notes), 2);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(notes, 0), "message"), "text")
			->valuestring,
		"could not read volumes of demo-db: 500 internal server error");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(notes, 1), "level")->valuestring,
			    "warning");
	cJSON_Delete(root);
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_text_content(void **state)
{
	fa_report r;
	fa_buf b;
	const char *crit = NULL, *high = NULL, *med = NULL, *last = NULL;

	(void)state;
	fixture(&r);
	render(text_plain, &r, &b);
	assert_null(strchr(b.data, '\033'));
	crit = strstr(b.data, "CRITICAL (1)");
	high = strstr(b.data, "HIGH (2)");
	med = strstr(b.data, "MEDIUM (2)");
	assert_non_null(crit);
	assert_non_null(high);
	assert_non_null(med);
	assert_true(crit < high && high < med);
	assert_non_null(strstr(b.data, "Unknown (1)\n  demo-db  container.runs_as_root  machine "
					"3d8d0001: the user is not visible in the machine config\n"));
	assert_non_null(strstr(b.data, "Coverage errors (1)\n  demo-db: could not read volumes: "
					"500 internal server error\n"));
	/* exactly one summary line, last */
	last = strrchr(b.data, '\n');
	assert_true(last == b.data + b.len - 1);
	assert_non_null(strstr(b.data, "\ndemo: 5 failed (1 critical, 2 high, 2 medium), 1 passed, "
					"1 unknown, 1 manual, 1 muted \xE2\x80\x94 3 apps, 2 complete, "
					"1 coverage error\n"));
	fa_buf_release(&b);
	render(text_color, &r, &b);
	assert_non_null(strstr(b.data, "\033[1;31mCRITICAL (1)\033[0m"));
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_baseline_fields(void **state)
{
	fa_report r;
	fa_buf b;
	size_t i;

	(void)state;
	fixture(&r);
	r.has_baseline = true;
	for (i = 0; i < r.results.n; i++) {
		fa_result *res = &r.results.items[i];
		if (res->status == FA_STATUS_FAIL || res->status == FA_STATUS_MUTED)
			res->baseline = strcmp(res->check->id, "secrets.plaintext_env") == 0 ? 0 : 1;
	}
	render(fa_report_json, &r, &b);
	assert_non_null(strstr(b.data, "\"baseline\":\t\"new\""));
	assert_non_null(strstr(b.data, "\"baseline\":\t\"existing\""));
	fa_buf_release(&b);
	render(fa_report_sarif, &r, &b);
	assert_non_null(strstr(b.data, "\"baselineState\":\t\"new\""));
	assert_non_null(strstr(b.data, "\"baselineState\":\t\"unchanged\""));
	fa_buf_release(&b);
	render(text_plain, &r, &b);
	assert_non_null(strstr(b.data, "secrets.plaintext_env  [new]"));
	assert_non_null(strstr(b.data, "demo: 5 failed (1 new, 1 critical"));
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_determinism(void **state)
{
	static const writer_fn fns[] = { fa_report_json, fa_report_sarif, fa_report_junit,
					 text_plain };
	fa_report r;
	size_t i, k;

	(void)state;
	fixture(&r);
	for (k = 0; k < sizeof(fns) / sizeof(fns[0]); k++) {
		fa_buf a, b, c;
		render(fns[k], &r, &a);
		render(fns[k], &r, &b);
		assert_int_equal(a.len, b.len);
		assert_memory_equal(a.data, b.data, a.len);
		/* shuffle (reverse, then rotate), sort again: same bytes */
		for (i = 0; i < r.results.n / 2; i++) {
			fa_result t = r.results.items[i];
			r.results.items[i] = r.results.items[r.results.n - 1 - i];
			r.results.items[r.results.n - 1 - i] = t;
		}
		{
			fa_result t = r.results.items[0];
			memmove(r.results.items, r.results.items + 1,
				(r.results.n - 1) * sizeof(fa_result));
			r.results.items[r.results.n - 1] = t;
		}
		fa_results_sort(&r.results);
		render(fns[k], &r, &c);
		assert_int_equal(a.len, c.len);
		assert_memory_equal(a.data, c.data, a.len);
		fa_buf_release(&a);
		fa_buf_release(&b);
		fa_buf_release(&c);
	}
	fa_report_release(&r);
}

/* Runs a command; returns its exit status (or -1). */
static int run(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void write_file(const char *path, const fa_buf *b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	assert_int_equal(fclose(f), 0);
}

/* Validates `b` against `schema` with tests/validate-schema.py; skips without jsonschema. */
static void validate(const char *schema, const char *name, const fa_buf *b)
{
	char path[512], cmd[1400];
	int rc;

	if (access(schema, R_OK) != 0) {
		print_message("[  SKIP    ] %s not found: not validating %s\n", schema, name);
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", build_dir(), name);
	write_file(path, b);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py '%s' '%s'", schema, path);
	rc = run(cmd);
	if (rc == 77 || rc == 127) {
		print_message("[  SKIP    ] python3 or python3-jsonschema missing: not validating %s\n",
			      name);
		return;
	}
	if (rc != 0)
		fail_msg("%s does not validate against %s (rc %d)", path, schema, rc);
}

static void hostile(fa_report *r)
{
	fa_report_init(r);
	r->tool_name = "flyaudit";
	r->tool_version = "0.1.0\"<&";
	r->generated_at = "2026-11-28T12:00:00Z";
	r->org = "ev il/\"org\"";
	r->source = "snap \xff.jsonl";
	r->apps = 1;
	r->apps_complete = 1;
	assert_int_equal(fa_report_add_error(r, "a\x01pp", "sec<rets>", 0, "tls \xc3\x28 & \x1b[2J"),
			 0);
	assert_int_equal(fa_report_add_notice(r, "note \x1b]0;pwned\x07 \xe2\x80\xae rtl"), 0);
	add(r, "secrets.plaintext_env", FA_STATUS_FAIL, "app\"<&>'\x1b[31m\x01\xff", "machine",
	    "id/../\x7f\xfe\xff", "na\"me</testcase>", "r\tgn",
	    "\"quote\" </failure> & ]]> \xc3\x28 \xed\xa0\x80 \xef\xbf\xbf ok \xe2\x9c\x93");
	add(r, "container.runs_as_root", FA_STATUS_UNKNOWN, "app\"<&>'\x1b[31m\x01\xff", "machine",
	    "m\x02", NULL, NULL, "why & <because>");
	add(r, "network.admin_allowlist", FA_STATUS_MANUAL, "x", "machine", "m", NULL, NULL,
	    "look'\"");
	add(r, "volumes.no_backups", FA_STATUS_FAIL, "x", "volume", "v", NULL, NULL, "m");
	mute(&r->results.items[r->results.n - 1], "reason \"<x>\" \x01\xff", "2026-12-01");
	fa_results_sort(&r->results);
}

static void test_hostile_strings(void **state)
{
	fa_report r;
	fa_buf b;
	cJSON *root = NULL;
	char path[512], cmd[1024];
	int rc;

	(void)state;
	hostile(&r);
	/* JSON and SARIF: parse, and validate (python's strict UTF-8 decoder included) */
	render(fa_report_json, &r, &b);
	root = cJSON_Parse(b.data);
	assert_non_null(root);
	cJSON_Delete(root);
	assert_null(strstr(b.data, "\xff"));
	validate(REPORT_SCHEMA, "test_report-hostile.json", &b);
	fa_buf_release(&b);
	render(fa_report_sarif, &r, &b);
	root = cJSON_Parse(b.data);
	assert_non_null(root);
	cJSON_Delete(root);
	assert_non_null(strstr(b.data, "\"uri\":\t\"fly/ev%20il%2F%22org%22/app%22%3C%26%3E%27%1B"));
	validate(SARIF_SCHEMA, "test_report-hostile.sarif", &b);
	fa_buf_release(&b);
	/* JUnit: no raw markup from the data, and a strict XML parser accepts it */
	render(fa_report_junit, &r, &b);
	assert_null(strstr(b.data, "</testcase>\"")); /* the resource name was escaped */
	assert_non_null(strstr(b.data, "na\"me&lt;/testcase&gt;"));
	assert_null(strchr(b.data, '\x01'));
	assert_null(strchr(b.data, '\x1b'));
	assert_null(strstr(b.data, "\xef\xbf\xbf"));
	snprintf(path, sizeof(path), "%s/test_report-hostile.xml", build_dir());
	write_file(path, &b);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '%s'",
		 path);
	rc = run(cmd);
	if (rc == 127)
		print_message("[  SKIP    ] python3 missing: JUnit XML not parsed\n");
	else
		assert_int_equal(rc, 0);
	fa_buf_release(&b);
	/* text: no control characters at all but newlines, no bidi overrides */
	render(text_plain, &r, &b);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];
		assert_true(c == '\n' || (c >= 0x20 && c != 0x7f));
	}
	assert_null(strstr(b.data, "\xe2\x80\xae"));
	assert_null(strstr(b.data, "\xc2\x9b"));
	fa_buf_release(&b);
	fa_report_release(&r);
}

static void test_schemas(void **state)
{
	fa_report r;
	fa_buf b;
	size_t i;

	(void)state;
	fixture(&r);
	render(fa_report_json, &r, &b);
	validate(REPORT_SCHEMA, "test_report.json", &b);
	fa_buf_release(&b);
	render(fa_report_sarif, &r, &b);
	validate(SARIF_SCHEMA, "test_report.sarif", &b);
	fa_buf_release(&b);
	/* with a baseline, and an empty report */
	r.has_baseline = true;
	for (i = 0; i < r.results.n; i++)
		if (r.results.items[i].status == FA_STATUS_FAIL)
			r.results.items[i].baseline = (int)(i % 2);
	render(fa_report_json, &r, &b);
	validate(REPORT_SCHEMA, "test_report-baseline.json", &b);
	fa_buf_release(&b);
	fa_report_release(&r);
	fa_report_init(&r);
	r.org = "empty";
	r.generated_at = "2026-11-28T12:00:00+01:00";
	render(fa_report_json, &r, &b);
	validate(REPORT_SCHEMA, "test_report-empty.json", &b);
	fa_buf_release(&b);
	render(fa_report_sarif, &r, &b);
	validate(SARIF_SCHEMA, "test_report-empty.sarif", &b);
	assert_non_null(strstr(b.data, "\"executionSuccessful\":\ttrue"));
	fa_buf_release(&b);
	render(fa_report_junit, &r, &b);
	assert_non_null(strstr(b.data, "tests=\"0\""));
	fa_buf_release(&b);
	render(text_plain, &r, &b);
	assert_string_equal(b.data, "empty: 0 failed, 0 passed, 0 unknown, 0 manual, 0 muted "
				    "\xE2\x80\x94 0 apps, 0 complete\n");
	fa_buf_release(&b);
	fa_report_release(&r);
}

/* An org where the same results repeat: 60 apps with the same manual advice, the same
 * failure, and one machine whose config could not be read (3 checks, one cause). The
 * grouped report folds them; -v prints every one. */
static void many_fixture(fa_report *r)
{
	char app[32], id[32];
	int i;

	fa_report_init(r);
	r->tool_name = "flyaudit";
	r->tool_version = "0.1.0";
	r->generated_at = "2026-11-28T12:00:00Z";
	r->org = "big";
	r->source = "live";
	r->apps = 60;
	r->apps_complete = 60;
	for (i = 0; i < 60; i++) {
		snprintf(app, sizeof(app), "app-%02d", i);
		snprintf(id, sizeof(id), "m%04d", i);
		add(r, "network.admin_allowlist", FA_STATUS_MANUAL, app, "app", app, NULL, NULL,
		    "verify that admin routes check an allowlist");
		add(r, "tls.https_not_forced", FA_STATUS_FAIL, app, "machine", id, NULL, "iad",
		    "port 80 serves plain HTTP");
	}
	add(r, "secrets.plaintext_env", FA_STATUS_FAIL, "app-07", "machine", "m0007", NULL, "iad",
	    "env var STRIPE_KEY holds a Stripe secret key");
	add(r, "secrets.plaintext_env", FA_STATUS_UNKNOWN, "app-09", "machine", "m0009", NULL, NULL,
	    "machine config is not available");
	add(r, "container.runs_as_root", FA_STATUS_UNKNOWN, "app-09", "machine", "m0009", NULL,
	    NULL, "machine config is not available");
	add(r, "health.checks_missing", FA_STATUS_UNKNOWN, "app-09", "machine", "m0009", NULL, NULL,
	    "machine config is not available");
	fa_results_sort(&r->results);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_text_grouping(void **state)
{
	fa_report r;
	fa_buf b;
	const char *p = NULL;

	(void)state;
	many_fixture(&r);
	render(text_grouped, &r, &b);
	/* the story on the first lines: totals, the worst app, what could not be seen */
	assert_true(strncmp(b.data, "big: 61 failed (1 critical, 60 high), 0 passed, 3 unknown, "
				    "60 manual, 0 muted", 73) == 0);
	assert_non_null(strstr(b.data, "\n  worst apps: app-07 (1 critical, 1 high), app-00 (1 high), "
				       "app-01 (1 high)\n"));
	assert_non_null(strstr(b.data, "\n  not seen: 3 unknown results from 1 cause (below)\n"));
	/* the critical comes before the highs, each check once with its fix */
	p = strstr(b.data, "CRITICAL (1)\n  secrets.plaintext_env: Secrets are not in [env]\n"
			   "    app-07  machine m0007 (region iad): env var STRIPE_KEY");
	assert_non_null(p);
	assert_non_null(strstr(p, "HIGH (60)\n  tls.https_not_forced: "));
	assert_non_null(strstr(b.data, "    and 57 more (-v lists them all)\n    fix: "));
	/* one unknown line for the cause, naming the three checks and the machine once */
	assert_non_null(strstr(b.data, "Unknown (3)\n  machine config is not available (3)\n"
				       "    checks: container.runs_as_root, health.checks_missing, "
				       "secrets.plaintext_env\n    app-09 machine m0009\n"));
	/* one manual block for the 60 apps */
	assert_non_null(strstr(b.data, "Manual: verify by hand (60)\n  network.admin_allowlist: "
				       "verify that admin routes check an allowlist (60)\n"
				       "    app-00, app-01, app-02, and 57 more\n"));
	assert_true(count_lines(b.data) < 30);
	fa_buf_release(&b);

	/* -v: every result on its own line */
	render(text_plain, &r, &b);
	assert_true(count_lines(b.data) > 60 * 6);
	assert_null(strstr(b.data, "more (-v"));
	fa_buf_release(&b);

	/* -q: the summary and the failures, nothing else */
	render(text_brief, &r, &b);
	assert_non_null(strstr(b.data, "HIGH (60)"));
	assert_null(strstr(b.data, "Manual"));
	assert_null(strstr(b.data, "Unknown"));
	fa_buf_release(&b);
	fa_report_release(&r);
}

/* One cause, four machines, two checks each: each machine is named once, and "more"
 * counts only the results of machines not named. */
static void test_text_unknown_names_once(void **state)
{
	fa_report r;
	fa_buf b;
	char id[16];
	int i;

	(void)state;
	fa_report_init(&r);
	r.tool_name = "flyaudit";
	r.tool_version = "0.1.0";
	r.generated_at = "2026-11-28T12:00:00Z";
	r.org = "o";
	r.source = "live";
	r.apps = 1;
	for (i = 1; i <= 4; i++) {
		snprintf(id, sizeof(id), "m%d", i);
		add(&r, "secrets.plaintext_env", FA_STATUS_UNKNOWN, "a", "machine", id, NULL, NULL,
		    "machine config is not available");
		add(&r, "container.runs_as_root", FA_STATUS_UNKNOWN, "a", "machine", id, NULL, NULL,
		    "machine config is not available");
	}
	fa_results_sort(&r.results);
	render(text_grouped, &r, &b);
	assert_non_null(strstr(b.data, "  machine config is not available (8)\n"));
	assert_non_null(strstr(b.data, "    a machine m1, a machine m2, a machine m3, and 2 more\n"));
	fa_buf_release(&b);
	fa_report_release(&r);
}

/* Hostile names in the grouped report are escaped like everywhere else. */
static void test_text_grouped_escapes(void **state)
{
	fa_report r;
	fa_buf b;

	(void)state;
	fa_report_init(&r);
	r.org = "o";
	add(&r, "network.admin_allowlist", FA_STATUS_MANUAL, "evil\x1b]0;x\x07", "app",
	    "evil\x1b[2J", NULL, NULL, "reason\r\n0 failed\xe2\x80\xae");
	add(&r, "tls.https_not_forced", FA_STATUS_FAIL, "evil\x1b[31m", "machine", "m\x07", NULL,
	    NULL, "msg\x1b[0m");
	fa_results_sort(&r.results);
	render(text_grouped, &r, &b);
	assert_null(strchr(b.data, '\x1b'));
	assert_null(strchr(b.data, '\x07'));
	assert_null(strchr(b.data, '\r'));
	assert_null(strstr(b.data, "\xe2\x80\xae"));
	assert_null(strstr(b.data, "\n0 failed"));
	fa_buf_release(&b);
	fa_report_release(&r);
}

/* A negative test of the validator itself: a report that breaks the schema is refused. */
static void test_schema_rejects(void **state)
{
	fa_buf b = FA_BUF_INIT(0);
	char path[512], cmd[1024];
	int rc;

	(void)state;
	if (access(REPORT_SCHEMA, R_OK) != 0)
		fail_msg("%s is missing", REPORT_SCHEMA);
	assert_int_equal(fa_buf_adds(&b, "{\"schema\": \"flyaudit.report/v1\", \"extra\": 1}"), 0);
	snprintf(path, sizeof(path), "%s/test_report-bad.json", build_dir());
	write_file(path, &b);
	snprintf(cmd, sizeof(cmd), "python3 tests/validate-schema.py '%s' '%s' 2>/dev/null",
		 REPORT_SCHEMA, path);
	rc = run(cmd);
	if (rc == 77 || rc == 127) {
		print_message("[  SKIP    ] python3 or python3-jsonschema missing\n");
	} else {
		assert_int_equal(rc, 1);
	}
	fa_buf_release(&b);
}

static void test_small_buffer_fails_cleanly(void **state)
{
	fa_report r;
	fa_buf b;

	(void)state;
	fixture(&r);
	fa_buf_init(&b, 100);
	assert_int_equal(fa_report_json(&r, &b), -1);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	fa_buf_init(&b, 100);
	assert_int_equal(fa_report_junit(&r, &b), -1);
	assert_null(b.data);
	fa_buf_init(&b, 100);
	assert_int_equal(fa_report_text(&r, true, &b), -1);
	assert_null(b.data);
	fa_buf_init(&b, 100);
	assert_int_equal(fa_report_sarif(&r, &b), -1);
	assert_null(b.data);
	fa_report_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_files),
		cmocka_unit_test(test_json_content),
		cmocka_unit_test(test_sarif_content),
		cmocka_unit_test(test_text_content),
		cmocka_unit_test(test_text_grouping),
		cmocka_unit_test(test_text_unknown_names_once),
		cmocka_unit_test(test_text_grouped_escapes),
		cmocka_unit_test(test_baseline_fields),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_schema_rejects),
		cmocka_unit_test(test_small_buffer_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
