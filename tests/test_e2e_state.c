/* test_e2e_state.c: the real flyaudit binary against flymock, across runs and outputs:
 * snapshots and --from, resuming after a revoked token, baselines and diffs, progress only on
 * a terminal, and a canary token that must never appear anywhere. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CANARY "fm2_CANARYcanaryCANARYcanary0123456789abcdefZZ"
#define FIX "mocks/fixtures/demo"

#include "harness.h"
#include "harness_json.h"


/* progress goes to stderr only when it is a terminal */
static void test_progress_only_on_a_terminal(void **state)
{
	mock m;
	run r;
	char bin[300], e_tok[64] = "FLY_API_TOKEN=tok", e1[400], e2[400], e3[400], cmd[1200];
	const char *lat[] = { "--latency", "150", NULL };
	const char *plain[] = { bin, "--ca-file", ca_path, "--org", "demo", "apps", NULL };
	const char *tty[] = { "script", "-qefc", cmd, "/dev/null", NULL };
	const char *env[] = { e_tok, e1, e2, e3, NULL };

	(void)state;
	if (access("/usr/bin/script", X_OK) != 0)
		skip();
	snprintf(bin, sizeof(bin), "%s/flyaudit", build_dir);
	mock_start(&m, "tok", lat);
	snprintf(e1, sizeof(e1), "FLY_FLAPS_BASE_URL=%s", m.url);
	snprintf(e2, sizeof(e2), "FLY_API_BASE_URL=%s", m.url);
	snprintf(e3, sizeof(e3), "FLY_REGISTRY_HOST=%s", m.url);
	run_cmd(&r, plain, env);
	assert_int_equal(r.code, 0);
	assert_null(strstr(r.err, "requests"));
	run_free(&r);
	/* under a pseudo-terminal: apps done/total, requests, retries */
	snprintf(cmd, sizeof(cmd), "%s --ca-file %s --org demo apps", bin, ca_path);
	run_cmd(&r, tty, env);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "requests"));
	assert_non_null(strstr(r.out, "retries"));
	run_free(&r);
	snprintf(cmd, sizeof(cmd), "%s --ca-file %s --org demo --no-progress apps", bin, ca_path);
	run_cmd(&r, tty, env);
	assert_int_equal(r.code, 0);
	assert_null(strstr(r.out, "requests"));
	run_free(&r);
	mock_stop(&m);
}

/* baselines and diffs through the binary */
static void test_baseline_and_diff(void **state)
{
	mock m;
	run r;
	char a[400], b[400];
	const char *first[] = { "--org", "demo", "audit", "--format", "json", "-o", a, "--fail-on", "never", NULL };
	const char *again[] = { "--org", "demo", "audit", "--format", "json", "-o", b, "--baseline", a, NULL };
	const char *diff[] = { "diff", a, b, NULL };
	const char *diffj[] = { "diff", "--json", a, b, NULL };
	const char *narrow[] = { "--org", "demo", "--app", "web-clean", "audit", "--format", "json", "-o", a,
				 "--fail-on", "never", NULL };

	(void)state;
	snprintf(a, sizeof(a), "%s/old.json", tmpdir);
	snprintf(b, sizeof(b), "%s/new.json", tmpdir);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, first);
	assert_int_equal(r.code, 0);
	run_free(&r);
	/* nothing new against the baseline: exit 0 although high failures exist */
	fa_run(&r, m.url, "tok", ca_path, again);
	assert_int_equal(r.code, 0);
	run_free(&r);
	{
		char *t = slurp(b);

		assert_non_null(strstr(t, "\"baseline\":\t\"existing\""));
		assert_null(strstr(t, "\"baseline\":\t\"new\""));
		free(t);
	}
	fa_run(&r, NULL, NULL, NULL, diff);
	assert_int_equal(r.code, 0);
	run_free(&r);
	/* a baseline of one app: the others' failures are new */
	fa_run(&r, m.url, "tok", ca_path, narrow);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, again);
	assert_int_equal(r.code, 1);
	run_free(&r);
	fa_run(&r, NULL, NULL, NULL, diffj);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "leaky-env"));
	run_free(&r);
	mock_stop(&m);
}

/* Strips what differs between two runs (timestamps, crawl counters, source). */
static char *normalized_results(const char *report_text)
{
	cJSON *rep = cJSON_Parse(report_text), *res;
	char *s;

	assert_non_null(rep);
	res = cJSON_DetachItemFromObject(rep, "results");
	s = cJSON_PrintUnformatted(res);
	cJSON_Delete(res);
	cJSON_Delete(rep);
	return s;
}

static void test_snapshot_then_offline_audit(void **state)
{
	mock m;
	run r;
	char snap[400], live[400], off[400];
	const char *s[] = { "--org", "demo", "snapshot", "-o", snap, NULL };
	const char *l[] = { "--org", "demo", "audit", "--format", "json", "-o", live, NULL };
	const char *o[] = { "audit", "--from", snap, "--format", "json", "-o", off, NULL };
	char *a, *b, *na, *nb;
	struct stat st;

	(void)state;
	snprintf(snap, sizeof(snap), "%s/org.jsonl", tmpdir);
	snprintf(live, sizeof(live), "%s/live.json", tmpdir);
	snprintf(off, sizeof(off), "%s/offline.json", tmpdir);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, s);
	assert_int_equal(r.code, 0);
	run_free(&r);
	assert_int_equal(stat(snap, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fa_run(&r, m.url, "tok", ca_path, l);
	assert_int_equal(r.code, 1);
	run_free(&r);
	mock_stop(&m);
	/* offline: no mock, no token */
	fa_run(&r, NULL, NULL, NULL, o);
	assert_int_equal(r.code, 1);
	run_free(&r);
	a = slurp(live);
	b = slurp(off);
	assert_non_null(a);
	assert_non_null(b);
	na = normalized_results(a);
	nb = normalized_results(b);
	assert_string_equal(na, nb);
	free(a);
	free(b);
	free(na);
	free(nb);
}

static void test_snapshot_resume_after_revoke(void **state)
{
	mock m;
	run r;
	char snap[400];
	const char *revoke[] = { "--revoke-after", "20", "--latency", "5", NULL };
	const char *s[] = { "--org", "demo", "--concurrency", "2", "snapshot", "-o", snap, NULL };
	const char *res[] = { "--org", "demo", "snapshot", "-o", snap, "--resume", NULL };
	char *text;
	size_t lines = 0;
	const char *p;

	(void)state;
	snprintf(snap, sizeof(snap), "%s/resume.jsonl", tmpdir);
	mock_start(&m, "tok", revoke);
	fa_run(&r, m.url, "tok", ca_path, s);
	assert_int_equal(r.code, 2); /* the token was revoked mid-crawl */
	assert_non_null(strstr(r.err, "refused"));
	run_free(&r);
	mock_stop(&m);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, res);
	assert_int_equal(r.code, 0);
	run_free(&r);
	mock_stop(&m);
	text = slurp(snap);
	assert_non_null(text);
	for (p = text; *p; p++)
		if (*p == '\n')
			lines++;
	assert_int_equal(lines, 16 + 2); /* header, 16 apps, closing line */
	free(text);
}

/* The canary token never appears: not in stdout or stderr (with -v, on errors too), not
 * in reports, not in snapshots. */
static void assert_no_canary_in_dir(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "grep -r -l -F 'CANARYcanary' '%s' >/dev/null 2>&1", tmpdir);
	assert_int_not_equal(system(cmd), 0);
}

static void test_canary_never_leaks(void **state)
{
	mock m;
	run r;
	char out1[400], out2[400], out3[400], snap[400], out4[400], out5[400], out6[400], plan[400];
	const char *fault[] = { "--fault", "500,path=/volumes,first=50", "--fault", "malformed,path=/secrets", NULL };
	static const char *const hidden[] = { "hunter2-horse-staple", "sk_live_51HxQ2", "eyJhbGciOi",
					      "ghp_A1b2C3", "xoxb-123456789012", "REFUQUJBU0Vf" };
	size_t j;
	const char *cmds[][12] = {
		{ "-v", "--org", "demo", "apps", NULL },
		{ "-v", "whoami", NULL },
		{ "-v", "machines", "leaky-env", NULL },
		{ "-v", "machines", "no-such-app", NULL },
		{ "-v", "machines", "hidden-creds", NULL },
		{ "-v", "machines", "sidecar", "--json", NULL },
		{ "-v", "--org", "demo", "audit", "--format", "json", "-o", out1, NULL },
		{ "-v", "--org", "demo", "audit", "--format", "sarif", "-o", out2, NULL },
		{ "-v", "--org", "demo", "audit", "--format", "junit", "-o", out3, NULL },
		{ "-v", "--org", "demo", "snapshot", "-o", snap, NULL },
		{ "-v", "--org", "demo", "audit", NULL },
		{ "-v", "--org", "demo", "audit", "--format", "html", "--compliance", "cis-8.1", "-o", out4, NULL },
		{ "-v", "--org", "demo", "audit", "--format", "ocsf", "-o", out5, NULL },
		{ "-v", "--org", "demo", "audit", "--format", "csv", "-o", out6, NULL },
		{ "-v", "fix", "--plan", out1, "-o", plan, NULL },
	};
	size_t i;

	(void)state;
	snprintf(out1, sizeof(out1), "%s/c.json", tmpdir);
	snprintf(out2, sizeof(out2), "%s/c.sarif", tmpdir);
	snprintf(out3, sizeof(out3), "%s/c.xml", tmpdir);
	snprintf(snap, sizeof(snap), "%s/c.jsonl", tmpdir);
	snprintf(out4, sizeof(out4), "%s/c.html", tmpdir);
	snprintf(out5, sizeof(out5), "%s/c.ocsf.json", tmpdir);
	snprintf(out6, sizeof(out6), "%s/c.csv", tmpdir);
	snprintf(plan, sizeof(plan), "%s/c-plan.sh", tmpdir);
	mock_start(&m, CANARY, fault);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fa_run(&r, m.url, "FlyV1 " CANARY, ca_path, cmds[i]);
		assert_null(strstr(r.out, "CANARYcanary"));
		assert_null(strstr(r.err, "CANARYcanary"));
		for (j = 0; j < sizeof(hidden) / sizeof(hidden[0]); j++)
			if (strstr(r.out, hidden[j]) || strstr(r.err, hidden[j]))
				fail_msg("command %zu printed a credential value (%s)", i, hidden[j]);
		run_free(&r);
	}
	/* the credentials the demo hides in check headers, inline files, command lines and
	 * container env reach no report and no snapshot either */
	{
		const char *files[] = { out1, out2, out3, snap };

		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			char *text = slurp(files[i]);

			assert_non_null(text);
			for (j = 0; j < sizeof(hidden) / sizeof(hidden[0]); j++)
				if (strstr(text, hidden[j]))
					fail_msg("%s holds a credential value (%s)", files[i], hidden[j]);
			free(text);
		}
	}
	/* errors: a refused token, a wrong CA */
	{
		const char *a[] = { "-v", "--org", "demo", "audit", NULL };

		fa_run(&r, m.url, "FlyV1 " CANARY "x", ca_path, a);
		assert_int_equal(r.code, 2);
		assert_null(strstr(r.err, "CANARYcanary"));
		assert_null(strstr(r.out, "CANARYcanary"));
		run_free(&r);
		fa_run(&r, m.url, CANARY, wrong_ca_path, a);
		assert_null(strstr(r.err, "CANARYcanary"));
		run_free(&r);
	}
	mock_stop(&m);
	assert_no_canary_in_dir();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_and_diff),
		cmocka_unit_test(test_progress_only_on_a_terminal),
		cmocka_unit_test(test_snapshot_then_offline_audit),
		cmocka_unit_test(test_snapshot_resume_after_revoke),
		cmocka_unit_test(test_canary_never_leaks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
