/* test_examples.c: the examples/ run as a user would run them, against flymock: the cron
 * script (dated 0600 reports, the last N kept), the suppressions file, the GitHub
 * workflow's promises, and `make demo`'s script. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <dirent.h>

#include "harness.h"

/* Files flyaudit-*EXT in dir, each mode 0600 with check_mode; JSON ones are reports. */
static size_t count_files(const char *dir, const char *ext, bool check_mode)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char p[600];
		struct stat st;
		char *text;
		cJSON *j;

		size_t len = strlen(e->d_name);

		if (strncmp(e->d_name, "flyaudit-", 9) != 0 || len < strlen(ext) ||
		    strcmp(e->d_name + len - strlen(ext), ext) != 0)
			continue;
		n++;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(p, &st), 0);
		if (check_mode)
			assert_int_equal(st.st_mode & 0777, 0600);
		text = slurp(p);
		assert_non_null(text);
		if (strcmp(ext, ".json") == 0) {
			j = cJSON_Parse(text);
			assert_non_null(j);
			assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "schema")->valuestring,
					    "flyaudit.report/v1");
			cJSON_Delete(j);
		} else if (strcmp(ext, ".sarif") == 0) {
			assert_non_null(strstr(text, "\"version\":\t\"2.1.0\""));
		} else {
			assert_non_null(strstr(text, "demo: "));
		}
		free(text);
	}
	closedir(d);
	return n;
}

static void test_cron_script_keeps_last_n(void **state)
{
	mock m;
	run r;
	char dir[400], e_dir[450], e_fa[450], e_url1[400], e_url2[400], e_url3[400], e_ca[450];
	const char *argv[] = { "sh", "examples/flyaudit-cron.sh", NULL };
	const char *env[] = { e_dir, "FLYAUDIT_KEEP=2", e_fa, e_url1, e_url2, e_url3, "FLY_API_TOKEN=tok", e_ca, NULL };
	int i;

	(void)state;
	mock_start(&m, "tok", NULL);
	snprintf(dir, sizeof(dir), "%s/reports", tmpdir);
	snprintf(e_dir, sizeof(e_dir), "FLYAUDIT_REPORT_DIR=%s", dir);
	snprintf(e_fa, sizeof(e_fa), "FLYAUDIT=%s/flyaudit", build_dir);
	snprintf(e_url1, sizeof(e_url1), "FLY_FLAPS_BASE_URL=%s", m.url);
	snprintf(e_url2, sizeof(e_url2), "FLY_API_BASE_URL=%s", m.url);
	snprintf(e_url3, sizeof(e_url3), "FLY_REGISTRY_HOST=%s", m.url);
	snprintf(e_ca, sizeof(e_ca), "FLYAUDIT_ARGS=--org demo --ca-file %s", ca_path);
	for (i = 0; i < 3; i++) {
		run_cmd(&r, argv, env);
		assert_int_equal(r.code, 1); /* the demo org has high findings */
		if (i > 0) /* the diff against the previous report */
			assert_non_null(strstr(r.out, "unchanged"));
		run_free(&r);
		sleep(1); /* reports are named by the second */
	}
	/* one crawl each time: the JSON report and, beside it, SARIF and text */
	assert_int_equal(count_files(dir, ".json", true), 2);
	assert_int_equal(count_files(dir, ".sarif", true), 2);
	assert_int_equal(count_files(dir, ".txt", true), 2);
	mock_stop(&m);
}

static void test_cron_script_auth_error_writes_nothing(void **state)
{
	mock m;
	run r;
	char dir[400], e_dir[450], e_fa[450], e_url1[400], e_url2[400], e_ca[450];
	const char *argv[] = { "sh", "examples/flyaudit-cron.sh", NULL };
	const char *env[] = { e_dir, e_fa, e_url1, e_url2, "FLY_API_TOKEN=wrong", e_ca, NULL };

	(void)state;
	mock_start(&m, "tok", NULL);
	snprintf(dir, sizeof(dir), "%s/reports-bad", tmpdir);
	snprintf(e_dir, sizeof(e_dir), "FLYAUDIT_REPORT_DIR=%s", dir);
	snprintf(e_fa, sizeof(e_fa), "FLYAUDIT=%s/flyaudit", build_dir);
	snprintf(e_url1, sizeof(e_url1), "FLY_FLAPS_BASE_URL=%s", m.url);
	snprintf(e_url2, sizeof(e_url2), "FLY_API_BASE_URL=%s", m.url);
	snprintf(e_ca, sizeof(e_ca), "FLYAUDIT_ARGS=--org demo --ca-file %s", ca_path);
	run_cmd(&r, argv, env);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "no report written"));
	run_free(&r);
	assert_int_equal(count_files(dir, "", false), 0);
	mock_stop(&m);
}

static bool result_status(const cJSON *results, const char *check, const char *app, const char *status)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, results) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(x, "app");

		if (strcmp(cJSON_GetObjectItemCaseSensitive(x, "check")->valuestring, check) == 0 &&
		    cJSON_IsString(a) && strcmp(a->valuestring, app) == 0 &&
		    strcmp(cJSON_GetObjectItemCaseSensitive(x, "status")->valuestring, status) == 0)
			return true;
	}
	return false;
}

static void test_suppressions_example_mutes(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "audit", "--format", "json", "--suppressions",
			    "examples/suppressions.json", NULL };
	cJSON *rep, *results;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_true(r.code == 0 || r.code == 1);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	assert_true(result_status(results, "network.private_service_public", "public-db", "muted"));
	assert_false(result_status(results, "network.private_service_public", "public-db", "fail"));
	assert_true(result_status(results, "machines.autostop_disabled", "always-on", "muted"));
	/* others still fail */
	assert_true(result_status(results, "secrets.plaintext_env", "leaky-env", "fail"));
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);
}

/* pre-deploy.sh: `fly deploy` runs only when the scan passes (a stand-in `fly` records it) */
static void test_pre_deploy(void **state)
{
	char bin[300], fly[400], marker[400], path_env[1200], fa_env[400], cmd[900];
	const char *env[4];
	run r = { 0 };
	FILE *f;

	(void)state;
	snprintf(bin, sizeof(bin), "%s/bin", tmpdir);
	snprintf(fly, sizeof(fly), "%s/fly", bin);
	snprintf(marker, sizeof(marker), "%s/deployed", tmpdir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", bin);
	assert_int_equal(system(cmd), 0);
	f = fopen(fly, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$PWD $*\" > '%s'\n", marker);
	fclose(f);
	chmod(fly, 0700);
	snprintf(path_env, sizeof(path_env), "PATH=%s:%s", bin, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	snprintf(fa_env, sizeof(fa_env), "FLYAUDIT=%s/flyaudit", build_dir);
	env[0] = path_env;
	env[1] = fa_env;
	env[2] = NULL;

	run_cmd(&r, (const char *const[]){ "sh", "examples/pre-deploy.sh", "tests/fixtures/scan/planted", NULL }, env);
	assert_int_equal(r.code, 1);
	assert_int_not_equal(access(marker, F_OK), 0); /* not deployed */
	run_free(&r);

	run_cmd(&r, (const char *const[]){ "sh", "examples/pre-deploy.sh", "tests/fixtures/scan/clean",
					    "--remote-only", NULL }, env);
	assert_int_equal(r.code, 0);
	{
		char *m = slurp(marker);

		assert_non_null(m);
		assert_non_null(strstr(m, "tests/fixtures/scan/clean deploy --remote-only"));
		free(m);
	}
	run_free(&r);
}

static void test_github_workflow_promises(void **state)
{
	char *y = slurp("examples/github/flyaudit.yml");
	const char *up, *a;

	(void)state;
	assert_non_null(y);
	/* read-only token from repository secrets, never inline */
	assert_non_null(strstr(y, "secrets.FLY_API_TOKEN"));
	assert_null(strstr(y, "fm2_"));
	/* SARIF is uploaded even when the audit step fails */
	up = strstr(y, "upload-sarif");
	assert_non_null(up);
	assert_non_null(strstr(y, "if: always()"));
	assert_true(strstr(y, "if: always()") < up);
	/* fails on new high findings */
	assert_non_null(strstr(y, "--baseline"));
	assert_non_null(strstr(y, "--fail-on high"));
	assert_non_null(strstr(y, "security-events: write"));
	/* a scan job on pull requests uploads its SARIF too */
	assert_non_null(strstr(y, "pull_request:"));
	assert_non_null(strstr(y, "flyaudit scan"));
	assert_non_null(strstr(y, "flyaudit-scan.sarif"));
	/* one crawl writes both reports: a single audit command with both files */
	a = strstr(y, "flyaudit --no-progress audit ");
	assert_non_null(a);
	assert_null(strstr(a + 1, "flyaudit --no-progress audit "));
	assert_non_null(strstr(a, "-o report.json -o flyaudit.sarif"));
	free(y);
	/* and flyaudit's own scan of the example passes at every severity (pinned actions) */
	{
		run r = { 0 };

		fa_run(&r, NULL, NULL, NULL,
		       (const char *const[]){ "scan", "examples", "--fail-on", "low", NULL });
		assert_int_equal(r.code, 0);
		assert_non_null(strstr(r.out, "0 failed"));
		run_free(&r);
	}
}

/* examples/offline_audit.c: the library on its own, over a snapshot of the demo org */
static void test_offline_audit_program(void **state)
{
	mock m;
	run r;
	char snap[400], prog[300];
	const char *s[] = { "--org", "demo", "snapshot", "-o", snap, NULL };
	const char *argv[] = { prog, snap, NULL };
	const char *bad[] = { prog, "/nonexistent.jsonl", NULL };

	(void)state;
	snprintf(snap, sizeof(snap), "%s/demo.jsonl", tmpdir);
	snprintf(prog, sizeof(prog), "%s/examples/offline_audit", build_dir);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, s);
	assert_int_equal(r.code, 0);
	run_free(&r);
	mock_stop(&m);
	run_cmd(&r, argv, NULL);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "secrets.plaintext_env"));
	assert_non_null(strstr(r.out, "leaky-env machine/"));
	assert_non_null(strstr(r.out, "volumes.unencrypted"));
	assert_null(strstr(r.out, "AKIA"));
	run_free(&r);
	run_cmd(&r, bad, NULL);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "offline_audit: "));
	run_free(&r);
}

static void test_demo_script(void **state)
{
	run r;
	const char *argv[] = { "sh", "examples/demo.sh", build_dir, NULL };

	(void)state;
	run_cmd(&r, argv, NULL);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "$ flyaudit apps"));
	assert_non_null(strstr(r.out, "leaky-env"));
	assert_non_null(strstr(r.out, "CRITICAL"));
	assert_non_null(strstr(r.out, "read-only"));
	/* the audit reads the image layers too: leaky-env's .env, by path, never its value */
	assert_non_null(strstr(r.out, "secrets.image_files"));
	assert_null(strstr(r.out, "Tr0ub4dor"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cron_script_keeps_last_n),
		cmocka_unit_test(test_cron_script_auth_error_writes_nothing),
		cmocka_unit_test(test_suppressions_example_mutes),
		cmocka_unit_test(test_github_workflow_promises),
		cmocka_unit_test(test_pre_deploy),
		cmocka_unit_test(test_offline_audit_program),
		cmocka_unit_test(test_demo_script),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
