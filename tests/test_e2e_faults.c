/* test_e2e_faults.c: the real flyaudit binary against a flymock that misbehaves: injected
 * faults (each one a one-line coverage error for that app and endpoint, exit 3, every other
 * app read in full), retries that recover, malformed machine configs, paged machines and
 * volumes, and the batched token query falling back to one query per app. */
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


/* Machines and volumes that come in pages (the `fly-next-cursor` header): every page is
 * followed, and the audit is the same as from one whole list. */
/* The demo's images name the mock's second listener ("localhost:PORT"), a new port for each
 * mock: two mocks' results are compared with the port left out. Edits s in place. */
static void strip_mock_ports(char *s)
{
	char *p = s, *w;

	while ((p = strstr(p, "localhost:")) != NULL) {
		p += 10;
		w = p;
		while (*w >= '0' && *w <= '9')
			w++;
		memmove(p, w, strlen(w) + 1);
	}
}

static void test_paged_machines_volumes(void **state)
{
	mock m;
	run r;
	const char *paged[] = { "--page-size", "1", NULL };
	const char *a[] = { "--org", "demo", "audit", "--format", "json", "--fail-on", "never", NULL };
	cJSON *rep, *cov;
	char *whole = NULL, *pieces = NULL;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	whole = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rep, "results"));
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);

	mock_start(&m, "tok", paged);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	cov = cJSON_GetObjectItemCaseSensitive(rep, "coverage");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cov, "errors")), 0);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(cov, "apps_complete")->valueint, 16);
	pieces = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rep, "results"));
	assert_non_null(whole);
	assert_non_null(pieces);
	strip_mock_ports(whole);
	strip_mock_ports(pieces);
	assert_string_equal(whole, pieces);
	free(whole);
	free(pieces);
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);

	/* a server whose pages keep naming the same cursor: stopped, a coverage error, exit 3,
	 * and no machine counted twice */
	{
		const char *rep_args[] = { "--page-size", "1", "--page-repeat", "1", NULL };
		const char *b[] = { "--org", "demo", "--app", "hidden-creds", "audit", "--format",
				    "json", "--fail-on", "never", NULL };
		cJSON *e;
		bool seen = false;

		mock_start(&m, "tok", rep_args);
		fa_run(&r, m.url, "tok", ca_path, b);
		assert_int_equal(r.code, 3);
		rep = cJSON_Parse(r.out);
		assert_non_null(rep);
		cov = cJSON_GetObjectItemCaseSensitive(rep, "coverage");
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(cov, "errors"))
			if (strcmp(jstr(e, "endpoint"), "machines") == 0 &&
			    strstr(jstr(e, "message"), "machines paging repeated a cursor"))
				seen = true;
		assert_true(seen);
		assert_true(cJSON_GetObjectItemCaseSensitive(cov, "machines")->valueint <= 6);
		cJSON_Delete(rep);
		run_free(&r);
		mock_stop(&m);
	}
}

/* A server that rejects the batched app-token query as a whole: flyaudit asks one app
 * per query (as flyctl does) and loses nothing. */
static void test_token_batch_fallback(void **state)
{
	mock m;
	run r;
	const char *extra[] = { "--graphql-max-apps", "1", NULL };
	const char *a[] = { "--org", "demo", "audit", "--format", "json", "--fail-on", "never", NULL };
	cJSON *rep, *errs, *e, *results;

	(void)state;
	mock_start(&m, "tok", extra);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	errs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"),
						"errors");
	cJSON_ArrayForEach(e, errs)
		fail_msg("coverage error: %s %s", jstr(e, "endpoint"), jstr(e, "message"));
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	/* web-clean's 20-year app token was read through the one-app query */
	assert_true(has_result(results, "tokens.long_lived", "web-clean", "fail"));
	assert_true(has_result(results, "tokens.long_lived", "api-clean", "pass"));
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);
}

/* A field of the wrong JSON type in a machine config, or a port that is not an integer
 * 1..65535, is malformed: a coverage error naming the app, the machine and the field, the
 * checks that need it unknown (never pass), exit 3. Served by flymock from a copy of the
 * demo fixtures whose web-clean machine list is replaced. */
static void test_malformed_machine_config(void **state)
{
	static const struct {
		const char *config; /* the inside of "config": {...} */
		const char *field;  /* named in the coverage error */
		const char *check;  /* must not pass */
	} cases[] = {
		{ "\"env\":[\"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\"]", "config.env",
		  "secrets.plaintext_env" },
		{ "\"env\":{\"API_TOKEN\":12345678901}", "config.env.API_TOKEN",
		  "secrets.plaintext_env" },
		{ "\"services\":{\"internal_port\":6379,\"ports\":[{\"port\":6379}]}",
		  "config.services", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":6379,\"ports\":{\"port\":6379}}]",
		  "config.services[0].ports", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":80,\"ports\":[{\"port\":80,"
		  "\"handlers\":{\"0\":\"http\"}}]}]",
		  "config.services[0].ports[0].handlers", "tls.https_not_forced" },
		{ "\"services\":[{\"internal_port\":443,\"ports\":[{\"port\":443,"
		  "\"tls_options\":\"TLSv1.0\"}]}]",
		  "config.services[0].ports[0].tls_options", "tls.weak_protocols" },
		{ "\"services\":[{\"internal_port\":443,\"ports\":[{\"port\":443,"
		  "\"tls_options\":{\"versions\":\"TLSv1.0\"}}]}]",
		  "config.services[0].ports[0].tls_options.versions", "tls.weak_protocols" },
		{ "\"services\":[{\"internal_port\":\"6379\",\"ports\":[{\"port\":443}]}]",
		  "config.services[0].internal_port", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":8080,\"ports\":[{\"port\":\"6379\"}]}]",
		  "config.services[0].ports[0].port", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":8080,\"ports\":[{\"port\":null}]}]",
		  "config.services[0].ports[0].port", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":8080,\"ports\":[{\"port\":-6379}]}]",
		  "config.services[0].ports[0].port", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":8080,\"ports\":[{\"port\":6379.5}]}]",
		  "config.services[0].ports[0].port", "network.private_service_public" },
		{ "\"services\":[{\"internal_port\":8080,\"ports\":[{\"port\":71915}]}]",
		  "config.services[0].ports[0].port", "network.private_service_public" },
	};
	char dir[300], cmd[1400], path[500], rp[500];
	const char *extra[] = { "--fixtures", dir, NULL };
	const char *a[] = { "--org", "demo", "--app", "web-clean", "audit", "--format", "json",
			    "-o", rp, "--fail-on", "never", NULL };
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/malformed-fx", tmpdir);
	snprintf(rp, sizeof(rp), "%s/malformed.json", tmpdir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s' && cp -r mocks/fixtures/demo '%s/'",
		 dir, dir, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/demo/apps/web-clean/machines.json", dir);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(path, "w");
		mock m;
		run r;
		char *text;
		cJSON *rep, *errs, *e, *results, *x;
		bool named = false;

		assert_non_null(f);
		fprintf(f, "[{\"id\":\"0badc0f1e11d01\",\"state\":\"started\",\"region\":\"iad\","
			   "\"host_status\":\"ok\",\"config\":{\"image\":\"registry.fly.io/web:v1\",%s}}]",
			cases[i].config);
		fclose(f);
		mock_start(&m, "tok", extra);
		fa_run(&r, m.url, "tok", ca_path, a);
		if (r.code != 3)
			fail_msg("case %zu (%s): exit %d, want 3", i, cases[i].field, r.code);
		text = slurp(rp);
		assert_non_null(text);
		rep = cJSON_Parse(text);
		assert_non_null(rep);
		errs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"),
							"errors");
		cJSON_ArrayForEach(e, errs) {
			const char *msg = jstr(e, "message");
			const char *want_end = cases[i].field;

			if (strcmp(jstr(e, "app"), "web-clean") == 0 &&
			    strcmp(jstr(e, "endpoint"), "machines") == 0 && msg &&
			    strstr(msg, "machine 0badc0f1e11d01") && strstr(msg, want_end) &&
			    !strstr(msg, "AKIA"))
				named = true;
		}
		if (!named)
			fail_msg("case %zu: no coverage error naming the machine and %s", i,
				 cases[i].field);
		results = cJSON_GetObjectItemCaseSensitive(rep, "results");
		cJSON_ArrayForEach(x, results) {
			if (strcmp(jstr(x, "check"), cases[i].check) == 0 &&
			    strcmp(jstr(x, "status"), "pass") == 0)
				fail_msg("case %zu: %s passed on malformed data", i, cases[i].check);
		}
		assert_true(has_result(results, cases[i].check, "web-clean", "unknown"));
		cJSON_Delete(rep);
		free(text);
		run_free(&r);
		mock_stop(&m);
	}
}

static void test_partial_is_exit_3(void **state)
{
	mock m;
	run r;
	char rp[400];
	const char *fault[] = { "--fault", "503,path=/v1/apps/sick-app/machines", NULL };
	const char *a[] = { "--org", "demo", "audit", "--format", "json", "-o", rp, NULL };
	cJSON *rep, *errors, *e, *results;
	char *text;
	bool seen = false;

	(void)state;
	snprintf(rp, sizeof(rp), "%s/partial.json", tmpdir);
	mock_start(&m, "tok", fault);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 3);
	text = slurp(rp);
	rep = cJSON_Parse(text);
	assert_non_null(rep);
	errors = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors");
	cJSON_ArrayForEach(e, errors)
		if (strcmp(jstr(e, "app"), "sick-app") == 0 && strcmp(jstr(e, "endpoint"), "machines") == 0) {
			seen = true;
			assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(e, "status")->valuedouble, 503);
		}
	assert_true(seen);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	/* nothing about sick-app's machines passes; other apps are all there */
	assert_false(has_result(results, "health.checks_failing", "sick-app", "pass"));
	assert_false(has_result(results, "health.checks_failing", "sick-app", "fail"));
	assert_true(has_result(results, "health.checks_failing", "sick-app", "unknown"));
	assert_true(has_result(results, "secrets.plaintext_env", "leaky-env", "fail"));
	/* what did load for sick-app is kept: its volume checks ran */
	assert_true(has_result(results, "volumes.unencrypted", "sick-app", "pass") ||
		    has_result(results, "tls.certificate_not_ready", "sick-app", "pass"));
	cJSON_Delete(rep);
	free(text);
	run_free(&r);
	mock_stop(&m);
}

/* Every injected fault ends in a clear, one-line coverage error for exactly that app and
 * endpoint, exit 3, and every other app read in full: never a crash, never a pass. */
static void test_fault_table(void **state)
{
	static const struct {
		const char *fault;
		const char *endpoint;
		const char *app;
	} cases[] = {
		{ "truncate,path=/v1/apps/web-clean/machines", "machines", "web-clean" },
		{ "malformed,path=/v1/apps/web-clean/volumes", "volumes", "web-clean" },
		{ "wrongtypes,path=/v1/apps/web-clean/ip_assignments", "ip_assignments", "web-clean" },
		{ "oversize:34000000,path=/v1/apps/web-clean/secrets", "secrets", "web-clean" },
		{ "reset,path=/v1/apps/api-clean/machines", "machines", "api-clean" },
		{ "500,path=/v1/apps/api-clean/certificates", "certificates", "api-clean" },
		{ "429:0,path=/v1/apps/api-clean/volumes", "volumes", "api-clean" },
		{ "400missing,path=/v1/apps/api-clean/secrets", "secrets", "api-clean" },
		{ "malformed,path=/graphql", "tokens", "api-clean" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mock m;
		run r;
		const char *fault[] = { "--fault", cases[i].fault, NULL };
		const char *a[] = { "--org", "demo", "audit", "--format", "json", "--fail-on", "never", NULL };
		cJSON *rep, *errors, *e, *cov;
		bool seen = false;

		mock_start(&m, "tok", fault);
		fa_run(&r, m.url, "tok", ca_path, a);
		if (r.code != 3)
			fail_msg("fault %s: exit %d, stderr: %s", cases[i].fault, r.code, r.err);
		rep = cJSON_Parse(r.out);
		assert_non_null(rep);
		cov = cJSON_GetObjectItemCaseSensitive(rep, "coverage");
		errors = cJSON_GetObjectItemCaseSensitive(cov, "errors");
		cJSON_ArrayForEach(e, errors) {
			const char *msg = jstr(e, "message");

			assert_non_null(msg);
			assert_true(strlen(msg) > 0);
			assert_null(strchr(msg, '\n'));
			if (jstr(e, "app") && strcmp(jstr(e, "app"), cases[i].app) == 0 &&
			    strcmp(jstr(e, "endpoint"), cases[i].endpoint) == 0)
				seen = true;
		}
		if (!seen)
			fail_msg("fault %s: no coverage error for %s/%s", cases[i].fault, cases[i].app,
				 cases[i].endpoint);
		/* the other apps are complete (graphql faults hit every app's tokens) */
		if (strstr(cases[i].fault, "graphql") == NULL)
			assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(cov, "apps_complete")->valuedouble,
					 (int)cJSON_GetObjectItemCaseSensitive(cov, "apps")->valuedouble - 1);
		cJSON_Delete(rep);
		run_free(&r);
		mock_stop(&m);
	}
}

static void test_retries_recover(void **state)
{
	mock m;
	run r;
	const char *fault[] = { "--fault", "429:1,first=3", "--fault", "502,first=2", "--fault", "reset,first=1", NULL };
	const char *a[] = { "--org", "demo", "audit", "--fail-on", "never", "--format", "json", NULL };
	cJSON *rep;

	(void)state;
	mock_start(&m, "tok", fault);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors")),
			 0);
	assert_true(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "crawl"), "retries")
			    ->valuedouble >= 1);
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_machine_config),
		cmocka_unit_test(test_token_batch_fallback),
		cmocka_unit_test(test_paged_machines_volumes),
		cmocka_unit_test(test_partial_is_exit_3),
		cmocka_unit_test(test_fault_table),
		cmocka_unit_test(test_retries_recover),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
