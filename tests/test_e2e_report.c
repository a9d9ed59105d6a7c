/* test_e2e_report.c: the real flyaudit binary against flymock: the text report at org
 * scale (grouped by default, every result with -v, summary and failures with -q), several
 * reports from one crawl (-o repeated: the same results in each), and the apps view's
 * sorting and filtering. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* A synthetic org of 1,000 apps: the default text report fits on a few screens and its
 * first line is the totals. -v and -q are compared on 100 apps (the same shapes; this
 * test also runs under valgrind, where 1,000 apps cost half a minute a run). */
static void test_text_report_at_scale(void **state)
{
	mock m;
	run r;
	const char *big[] = { "--synthetic", "1000", NULL };
	const char *small[] = { "--synthetic", "100", NULL };
	const char *a[] = { "--org", "synth", "audit", "--no-progress", NULL };
	const char *v[] = { "--org", "synth", "audit", "--no-progress", "-v", NULL };
	const char *q[] = { "--org", "synth", "audit", "--no-progress", "-q", NULL };
	size_t grouped, all;

	(void)state;
	mock_start(&m, "tok", big);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 1);
	assert_true(count_lines(r.out) < 200);
	assert_true(strncmp(r.out, "synth: ", 7) == 0);
	assert_non_null(strstr(r.out, " \xE2\x80\x94 1000 apps, 1000 complete\n"));
	assert_non_null(strstr(r.out, "\n  worst apps: "));
	assert_non_null(strstr(r.out, "more (-v lists them all)"));
	assert_non_null(strstr(r.out, "\nManual: verify by hand ("));
	run_free(&r);
	mock_stop(&m);

	mock_start(&m, "tok", small);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 1);
	grouped = count_lines(r.out);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, v);
	assert_int_equal(r.code, 1);
	all = count_lines(r.out);
	assert_true(all > 4 * grouped);
	assert_null(strstr(r.out, "more (-v lists them all)"));
	run_free(&r);

	fa_run(&r, m.url, "tok", ca_path, q);
	assert_int_equal(r.code, 1);
	assert_true(count_lines(r.out) < grouped);
	assert_null(strstr(r.out, "\nManual: verify by hand"));
	assert_null(strstr(r.out, "\nUnknown ("));
	run_free(&r);
	mock_stop(&m);
}

static cJSON *read_json(const char *path)
{
	char *s = slurp(path);
	cJSON *j = NULL;

	assert_non_null(s);
	j = cJSON_Parse(s);
	free(s);
	assert_non_null(j);
	return j;
}

/* One crawl, five reports: JSON, SARIF, HTML, JUnit and text agree result for result,
 * each format chosen by the extension or by a --format just before the -o. */
static void test_several_reports_one_crawl(void **state)
{
	mock m;
	run r;
	char js[400], sarif[400], junit[400], txt[400], html[400], stats[600];
	cJSON *rep = NULL, *sar = NULL, *res = NULL, *it = NULL;
	const char *a[24];
	char *x = NULL, *t = NULL;
	size_t fails = 0, n = 0;

	(void)state;
	snprintf(js, sizeof(js), "%s/multi.json", tmpdir);
	snprintf(sarif, sizeof(sarif), "%s/multi.sarif", tmpdir);
	snprintf(junit, sizeof(junit), "%s/multi-junit.out", tmpdir);
	snprintf(txt, sizeof(txt), "%s/multi.txt", tmpdir);
	snprintf(html, sizeof(html), "%s/multi.html", tmpdir);
	a[n++] = "--org";
	a[n++] = "demo";
	a[n++] = "audit";
	a[n++] = "--no-progress";
	a[n++] = "-o";
	a[n++] = js;
	a[n++] = "-o";
	a[n++] = sarif;
	a[n++] = "--format";
	a[n++] = "junit";
	a[n++] = "-o";
	a[n++] = junit;
	a[n++] = "-o";
	a[n++] = txt;
	a[n++] = "-o";
	a[n++] = html;
	a[n] = NULL;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "json report written to "));
	assert_non_null(strstr(r.err, "sarif report written to "));
	assert_non_null(strstr(r.err, "junit report written to "));
	assert_non_null(strstr(r.err, "text report written to "));
	assert_non_null(strstr(r.err, "html report written to "));
	run_free(&r);

	rep = read_json(js);
	sar = read_json(sarif);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rep, "results")) {
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "status");

		if (strcmp(st->valuestring, "fail") == 0)
			fails++;
	}
	assert_true(fails > 5);
	/* SARIF carries one result per failure, with the JSON report's fingerprints */
	res = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sar, "runs"), 0), "results");
	assert_int_equal((size_t)cJSON_GetArraySize(res), fails);
	/* the HTML page shows each of those failures once, keyed by the same fingerprint */
	t = slurp(html);
	assert_non_null(t);
	x = t;
	for (n = 0; (x = strstr(x, "<div class=\"finding ")) != NULL; x++)
		n++;
	assert_int_equal(n, fails);
	cJSON_ArrayForEach(it, res) {
		const cJSON *hfp = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(it, "partialFingerprints"), "flyauditFingerprint/v1");
		char id[100];

		snprintf(id, sizeof(id), "id=\"f-%s\"", hfp->valuestring);
		assert_non_null(strstr(t, id));
	}
	free(t);
	t = NULL;
	cJSON_ArrayForEach(it, res) {
		const cJSON *fp = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(it, "partialFingerprints"), "flyauditFingerprint/v1");
		char needle[100];

		assert_true(cJSON_IsString(fp));
		snprintf(needle, sizeof(needle), "\"%s\"", fp->valuestring);
		x = cJSON_PrintUnformatted(rep);
		assert_non_null(strstr(x, needle));
		free(x);
	}
	/* the JUnit file (no extension it knows: the --format before it) has a failure per fail */
	x = slurp(junit);
	assert_non_null(x);
	assert_non_null(strstr(x, "<testsuites"));
	for (t = x, n = 0; (t = strstr(t, "<failure")) != NULL; t++)
		n++;
	assert_int_equal(n, fails);
	free(x);
	/* and the text file has the same totals line */
	x = slurp(txt);
	assert_non_null(x);
	snprintf(stats, sizeof(stats), "demo: %zu failed", fails);
	assert_non_null(strstr(x, stats));
	free(x);
	cJSON_Delete(rep);
	cJSON_Delete(sar);
	mock_stop(&m);
}

/* The apps view: a header over the completeness column, --sort findings, --failing. */
static void test_apps_sort_and_filter(void **state)
{
	mock m;
	run r;
	const char *plain[] = { "--org", "demo", "apps", "--no-progress", NULL };
	const char *sorted[] = { "--org", "demo", "apps", "--no-progress", "--sort", "findings", "--json", NULL };
	const char *failing[] = { "--org", "demo", "apps", "--no-progress", "--failing", "--json", NULL };
	const char *bad[] = { "--org", "demo", "apps", "--sort", "size", NULL };
	cJSON *all = NULL, *some = NULL, *it = NULL;
	int prev = 1 << 30, n_all, n_some;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, plain);
	assert_true(strncmp(r.out, "APP ", 4) == 0);
	assert_non_null(strstr(r.out, "UNKNOWN  DATA\n"));
	assert_non_null(strstr(r.out, "complete"));
	run_free(&r);

	fa_run(&r, m.url, "tok", ca_path, sorted);
	all = cJSON_Parse(r.out);
	assert_non_null(all);
	n_all = cJSON_GetArraySize(all);
	cJSON_ArrayForEach(it, all) {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "findings");
		int score = cJSON_GetObjectItemCaseSensitive(f, "critical")->valueint * 1000000 +
			    cJSON_GetObjectItemCaseSensitive(f, "high")->valueint * 10000 +
			    cJSON_GetObjectItemCaseSensitive(f, "medium")->valueint * 100 +
			    cJSON_GetObjectItemCaseSensitive(f, "low")->valueint;

		assert_true(score <= prev);
		prev = score;
	}
	assert_true(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(all, 0), "findings"),
			    "critical")->valueint > 0);
	run_free(&r);

	fa_run(&r, m.url, "tok", ca_path, failing);
	some = cJSON_Parse(r.out);
	assert_non_null(some);
	n_some = cJSON_GetArraySize(some);
	assert_true(n_some > 0 && n_some < n_all);
	run_free(&r);

	fa_run(&r, m.url, "tok", ca_path, bad);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "unknown --sort 'size'"));
	run_free(&r);
	cJSON_Delete(all);
	cJSON_Delete(some);
	mock_stop(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_report_at_scale),
		cmocka_unit_test(test_several_reports_one_crawl),
		cmocka_unit_test(test_apps_sort_and_filter),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
