/* test_probe.c: `audit --probe` end to end: the real binary against flymock (the API) and
 * `flymock --edge` (the demo org's public hostnames, reached through --connect-to). Every
 * planted edge problem is found, the single-page app gives no false positive, no request
 * goes to a host outside the org's hostnames, none carries the Fly token (a canary), every
 * one names itself as flyaudit's probe, the per-host rate shows in the run time, and
 * without --probe nothing is sent to the edge and no edge result appears. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flyaudit/net.h"
#include "harness.h"

#define CANARY "fm2_CANARYcanaryCANARYcanary0123456789abcdefZZ"

static mock edge_mock;
static unsigned edge_port[4]; /* http, https, legacy, expiring */
static char edge_dir[300];

/* Starts `flymock --edge` with certificates made now by tests/gen-edge-certs.sh. */
static void edge_start(void)
{
	char bin[300], cert[400], key[400], ecert[400], ekey[400], cmd[900], line[256] = "";
	int pfd[2];
	FILE *f;

	snprintf(edge_dir, sizeof(edge_dir), "%s/edge-certs", tmpdir);
	snprintf(cmd, sizeof(cmd), "sh tests/gen-edge-certs.sh '%s' '%s/test-certs'", edge_dir, build_dir);
	assert_int_equal(system(cmd), 0);
	snprintf(bin, sizeof(bin), "%s/flymock", build_dir);
	snprintf(cert, sizeof(cert), "%s/edge.pem", edge_dir);
	snprintf(key, sizeof(key), "%s/edge.key", edge_dir);
	snprintf(ecert, sizeof(ecert), "%s/expiring.pem", edge_dir);
	snprintf(ekey, sizeof(ekey), "%s/expiring.key", edge_dir);
	assert_int_equal(pipe(pfd), 0);
	edge_mock.pid = fork();
	assert_true(edge_mock.pid >= 0);
	if (edge_mock.pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execl(bin, bin, "--edge", "--tls-cert", cert, "--tls-key", key, "--expiring-cert", ecert,
		      "--expiring-key", ekey, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	remember_mock(edge_mock.pid, true);
	f = fdopen(pfd[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(sscanf(line, "flymock edge listening http=%u https=%u legacy=%u expiring=%u",
				&edge_port[0], &edge_port[1], &edge_port[2], &edge_port[3]), 4);
	assert_true(edge_port[0] && edge_port[1] && edge_port[2] && edge_port[3]);
}

/* GET /__mock/edge-stats with a plain socket client (curl's tool may not be installed). */
static cJSON *edge_stats(void)
{
	char cmd[600], path[400];
	cJSON *j;
	char *text;

	snprintf(path, sizeof(path), "%s/edge-stats.json", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "exec 3<>/dev/tcp/127.0.0.1/%u && printf 'GET /__mock/edge-stats HTTP/1.0\\r\\nHost: stats\\r\\n\\r\\n' >&3 && "
		 "sed '1,/^\\r$/d' <&3 > '%s'", edge_port[0], path);
	{
		const char *argv[] = { "bash", "-c", cmd, NULL };
		run r;

		run_cmd(&r, argv, NULL);
		assert_int_equal(r.code, 0);
		run_free(&r);
	}
	text = slurp(path);
	assert_non_null(text);
	j = cJSON_Parse(text);
	if (!j)
		fail_msg("edge stats are not JSON: %s", text);
	free(text);
	return j;
}

static long jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(v));
	return (long)v->valuedouble;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The org's hostnames by the fixtures: APP.fly.dev and every configured certificate. */
static bool org_hostname(const char *host)
{
	char path[600], *text;
	cJSON *apps, *a;
	bool found = false;

	text = slurp("mocks/fixtures/demo/apps.json");
	assert_non_null(text);
	apps = cJSON_Parse(text);
	free(text);
	assert_non_null(apps);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(apps, "apps")) {
		const char *name = jstr(a, "name");
		char flydev[300];
		cJSON *certs, *c;

		snprintf(flydev, sizeof(flydev), "%s.fly.dev", name);
		if (strcmp(flydev, host) == 0)
			found = true;
		snprintf(path, sizeof(path), "mocks/fixtures/demo/apps/%s/certificates.json", name);
		text = slurp(path);
		if (!text)
			continue;
		certs = cJSON_Parse(text);
		free(text);
		cJSON_ArrayForEach(c, certs)
			if (strcmp(jstr(c, "hostname"), host) == 0 &&
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "configured")))
				found = true;
		cJSON_Delete(certs);
	}
	cJSON_Delete(apps);
	return found;
}

static const cJSON *find(const cJSON *results, const char *check, const char *host)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, results) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(x, "resource");

		if (strcmp(jstr(x, "check"), check) == 0 && strcmp(jstr(res, "type"), "hostname") == 0 &&
		    strcmp(jstr(res, "id"), host) == 0)
			return x;
	}
	return NULL;
}

static void expect(const cJSON *results, const char *check, const char *host, const char *status,
		   const char *needle)
{
	const cJSON *x = find(results, check, host);

	if (!x)
		fail_msg("no %s result for %s", check, host);
	if (strcmp(jstr(x, "status"), status) != 0)
		fail_msg("%s on %s: %s, want %s (%s)", check, host, jstr(x, "status"), status,
			 jstr(x, "message"));
	if (needle && !strstr(jstr(x, "message"), needle))
		fail_msg("%s on %s: message \"%s\" lacks \"%s\"", check, host, jstr(x, "message"), needle);
}

static void probe_args(char bufs[4][96], const char **a, size_t *n)
{
	/* the legacy and short-lived listeners for their hosts, everything else by port */
	snprintf(bufs[0], 96, "--connect-to=http-only.fly.dev:443:127.0.0.1:%u", edge_port[2]);
	snprintf(bufs[1], 96, "--connect-to=always-on.example:443:127.0.0.1:%u", edge_port[3]);
	snprintf(bufs[2], 96, "--connect-to=:80:127.0.0.1:%u", edge_port[0]);
	snprintf(bufs[3], 96, "--connect-to=:443:127.0.0.1:%u", edge_port[1]);
	for (int i = 0; i < 4; i++)
		a[(*n)++] = bufs[i]; /* one argument each: fa_run takes at most 38 */
}

static void test_probe_demo(void **state)
{
	static const char *const webclean[] = { "web-clean.fly.dev", "www.web-clean.example" };
	static const char *const checks[] = { "edge.http_not_redirected", "edge.tls_legacy_accepted",
		"edge.hsts_missing", "edge.certificate_expiring", "edge.sensitive_path_exposed",
		"network.admin_allowlist" };
	char bufs[4][96], out[400];
	const char *a[40];
	size_t n = 0, i, j, nhosts = 0;
	const char *w = getenv("FLYAUDIT_WRAP");
	bool under_checker = w && *w;
	cJSON *rep, *results, *stats, *h, *x;
	long before;
	mock m;
	run r;
	char *text;

	(void)state;
	if (!edge_mock.pid)
		edge_start();
	mock_start(&m, CANARY, NULL);
	stats = edge_stats();
	before = jnum(stats, "total");
	cJSON_Delete(stats);
	snprintf(out, sizeof(out), "%s/probe.json", tmpdir);
	a[n++] = "-v";
	a[n++] = "--org";
	a[n++] = "demo";
	a[n++] = "audit";
	a[n++] = "--probe";
	probe_args(bufs, a, &n);
	if (under_checker) {
		/* under valgrind every TLS handshake is slow: the apps with a planted case only */
		static const char *const planted[] = { "--app=http-only", "--app=no-health",
			"--app=always-on", "--app=leaky-env", "--app=web-clean", "--app=sick-app",
			"--timeout=120" };

		for (i = 0; i < sizeof(planted) / sizeof(planted[0]); i++)
			a[n++] = planted[i];
	}
	a[n++] = "--format=json";
	a[n++] = "-o";
	a[n++] = out;
	a[n] = NULL;
	assert_true(n <= 28); /* fa_run: 38 arguments, with room for a checker's own */
	fa_run(&r, m.url, "FlyV1 " CANARY, ca_path, a);
	if (r.code != 1)
		fail_msg("exit %d: %s", r.code, r.err);
	/* the token never shows, with -v logging every request */
	assert_null(strstr(r.out, "CANARYcanary"));
	assert_null(strstr(r.err, "CANARYcanary"));
	assert_non_null(strstr(r.err, "PROBE GET https://leaky-env.fly.dev/.env -> 200"));
	assert_non_null(strstr(r.err, "probed "));
	run_free(&r);
	mock_stop(&m);

	text = slurp(out);
	assert_non_null(text);
	assert_null(strstr(text, "CANARYcanary"));
	assert_null(strstr(text, "not-a-real-password")); /* served content is never copied */
	rep = cJSON_Parse(text);
	free(text);
	assert_non_null(rep);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");

	/* each planted problem, on its host */
	expect(results, "edge.http_not_redirected", "http-only.fly.dev", "fail", "over plain HTTP");
	expect(results, "edge.tls_legacy_accepted", "http-only.fly.dev", "fail", "TLS 1.0");
	expect(results, "edge.hsts_missing", "no-health.fly.dev", "fail", "without a Strict-Transport-Security");
	expect(results, "edge.certificate_expiring", "always-on.example", "fail", "expires in");
	expect(results, "edge.sensitive_path_exposed", "leaky-env.fly.dev", "fail", "/.env");
	expect(results, "network.admin_allowlist", "sick-app.fly.dev", "fail", "/admin to the prober (from 127.0.0.1)");
	/* the clean app and its single-page custom domain pass everything */
	for (i = 0; i < 2; i++)
		for (j = 0; j < sizeof(checks) / sizeof(checks[0]); j++)
			expect(results, checks[j], webclean[i], "pass", NULL);
	expect(results, "edge.sensitive_path_exposed", "www.web-clean.example", "pass", NULL);
	expect(results, "edge.tls_legacy_accepted", "web-clean.fly.dev", "pass", "refuses TLS 1.0 and 1.1");
	/* with --probe the admin check is evidence, never the manual per-app result */
	cJSON_ArrayForEach(x, results) {
		if (strcmp(jstr(x, "check"), "network.admin_allowlist") == 0)
			assert_string_not_equal(jstr(x, "status"), "manual");
		if (strncmp(jstr(x, "check"), "edge.", 5) == 0)
			assert_string_not_equal(jstr(x, "status"), "unknown");
	}
	/* no probe of a host whose certificate is not configured (DNS not at Fly) */
	assert_null(find(results, "edge.hsts_missing", "www.cert-pending.example"));
	/* the per-host limit (one at a time, 2 starts/s: 20 requests take about 10 s) */
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(rep, "crawl"), "elapsed_ms") >= 9000);
	cJSON_Delete(rep);

	/* what the edge saw: only the org's hostnames, no Authorization, the probe's UA */
	stats = edge_stats();
	assert_int_equal(jnum(stats, "with_authorization"), 0);
	assert_int_equal(jnum(stats, "bad_user_agent"), 0);
	assert_true(jnum(stats, "total") - before >= (under_checker ? 12 : 40) * 18);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(stats, "listeners"), "legacy") > 0);
	assert_true(jnum(cJSON_GetObjectItemCaseSensitive(stats, "listeners"), "expiring") > 0);
	cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(stats, "hosts")) {
		if (!org_hostname(h->string))
			fail_msg("a request for %s, not one of the org's hostnames", h->string);
		assert_true(h->valuedouble <= 20); /* FA_PROBE_PER_HOST */
		nhosts++;
	}
	assert_true(nhosts >= (under_checker ? 12 : 40));
	cJSON_Delete(stats);
}

static void test_no_probe_no_edge(void **state)
{
	char bufs[4][96], out[400];
	const char *a[40];
	size_t n = 0;
	cJSON *rep, *results, *stats, *x;
	long before;
	mock m;
	run r;
	char *text;

	(void)state;
	if (!edge_mock.pid)
		edge_start();
	mock_start(&m, "tok", NULL);
	stats = edge_stats();
	before = jnum(stats, "total");
	cJSON_Delete(stats);
	snprintf(out, sizeof(out), "%s/noprobe.json", tmpdir);
	a[n++] = "--org";
	a[n++] = "demo";
	a[n++] = "audit";
	a[n++] = "--format";
	a[n++] = "json";
	a[n++] = "-o";
	a[n++] = out;
	a[n] = NULL;
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 1);
	run_free(&r);
	text = slurp(out);
	assert_non_null(text);
	rep = cJSON_Parse(text);
	free(text);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	cJSON_ArrayForEach(x, results) {
		assert_true(strncmp(jstr(x, "check"), "edge.", 5) != 0);
		if (strcmp(jstr(x, "check"), "network.admin_allowlist") == 0)
			assert_string_not_equal(jstr(x, "status"), "fail");
	}
	cJSON_Delete(rep);
	stats = edge_stats();
	assert_int_equal(jnum(stats, "total"), before); /* not one request */
	cJSON_Delete(stats);

	/* usage errors: exit 2, nothing probed */
	{
		const char *bad[][12] = {
			{ "--org", "demo", "apps", "--probe", NULL },
			{ "--org", "demo", "audit", "--connect-to", ":443:127.0.0.1:1", NULL },
			{ "--org", "demo", "audit", "--probe", "--connect-to", "a:b", NULL },
			{ "--org", "demo", "audit", "--probe", "--connect-to", "a.example:443:x y:1", NULL },
			{ "audit", "--probe", "--from", "snap.jsonl", NULL },
		};
		size_t i;

		(void)bufs;
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			fa_run(&r, m.url, "tok", ca_path, bad[i]);
			if (r.code != 2)
				fail_msg("case %zu: exit %d, want 2 (%s)", i, r.code, r.err);
			assert_non_null(strstr(r.err, "flyaudit: "));
			run_free(&r);
		}
	}
	mock_stop(&m);
	stats = edge_stats();
	assert_int_equal(jnum(stats, "total"), before);
	cJSON_Delete(stats);
}

/* ---- the transport's probe requests (client/net.c) ---------------------------------- */

static void test_connect_to_values(void **state)
{
	static const struct {
		const char *spec;
		int ok;
	} t[] = {
		{"web.fly.dev:443:127.0.0.1:8443", 1}, {":443:127.0.0.1:1", 1}, {"::137.66.1.2:", 1},
		{"a.example:443:[::1]:8443", 1}, {"[2a09::1]:443::", 1},
		{"", 0}, {"a:b", 0}, {"a:1:b:2:c", 0}, {"a.example:443:x y:1", 0},
		{"a.example:443:h\n:1", 0}, {"a.example:443:u@h:1", 0}, {"a/b:1:c:2", 0},
		{"a.example:443:[::1:1", 0}, {"h\xc3\xa9:1:c:2", 0},
	};
	char err[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = fa_net_check_connect_to(t[i].spec, err, sizeof(err));

		if ((rc == 0) != t[i].ok)
			fail_msg("connect-to \"%s\": rc %d, want ok=%d", t[i].spec, rc, t[i].ok);
		if (rc < 0)
			assert_non_null(strstr(err, "--connect-to"));
	}
	assert_int_equal(fa_net_check_connect_to(NULL, err, sizeof(err)), -1);
}

typedef struct got {
	fa_probe_result r;
	char body[64];
	char hsts[128];
	char location[128];
	char ip[64];
	int calls;
} got;

static void on_probe(void *ud, const fa_probe_result *res)
{
	got *g = ud;

	g->r = *res;
	snprintf(g->body, sizeof(g->body), "%.*s", (int)res->len, res->body);
	snprintf(g->hsts, sizeof(g->hsts), "%s", res->hsts ? res->hsts : "");
	snprintf(g->location, sizeof(g->location), "%s", res->location ? res->location : "");
	snprintf(g->ip, sizeof(g->ip), "%s", res->local_ip ? res->local_ip : "");
	g->r.body = g->r.hsts = g->r.location = g->r.local_ip = g->r.errmsg = NULL;
	g->calls++;
}

/* Straight on the transport, with an Authorization configured for the API: the probes
 * carry none of it, keep to 2 starts per second on one host, cut bodies at the cap, read
 * the certificate and the headers, and tell a refused connection and a refused TLS version
 * from an answer. */
static void test_net_probe(void **state)
{
	char ct[4][96];
	const char *cts[4];
	fa_net_opts o;
	fa_net_stats st;
	fa_net *n = NULL;
	got g[8];
	char err[256];
	cJSON *stats;
	long auth_before, total_before;
	int i;

	(void)state;
	if (!edge_mock.pid)
		edge_start();
	stats = edge_stats();
	auth_before = jnum(stats, "with_authorization");
	total_before = jnum(stats, "total");
	cJSON_Delete(stats);
	snprintf(ct[0], sizeof(ct[0]), "http-only.fly.dev:443:127.0.0.1:%u", edge_port[2]);
	snprintf(ct[1], sizeof(ct[1]), "drifted.fly.dev:80:127.0.0.1:1");
	snprintf(ct[2], sizeof(ct[2]), ":80:127.0.0.1:%u", edge_port[0]);
	snprintf(ct[3], sizeof(ct[3]), ":443:127.0.0.1:%u", edge_port[1]);
	for (i = 0; i < 4; i++)
		cts[i] = ct[i];
	memset(&o, 0, sizeof(o));
	o.flaps_base = "https://127.0.0.1:9";
	o.graphql_base = "https://127.0.0.1:9";
	o.auth_header = "FlyV1 " CANARY;
	o.ca_file = ca_path;
	o.max_retries = -1;
	o.retry_budget = -1;
	o.connect_timeout_ms = 60000; /* this test may run under valgrind */
	o.timeout_ms = 120000;
	assert_int_equal(fa_net_new(&n, &o, err, sizeof(err)), 0);
	assert_int_equal(fa_net_probe_setup(n, cts, 4, 0, 16, err, sizeof(err)), 0);
	memset(g, 0, sizeof(g));
	/* three on one host: one at a time, 500 ms apart */
	assert_int_equal(fa_net_probe(n, "https://web-clean.fly.dev/", "web-clean.fly.dev",
				      FA_PROBE_TLS_DEFAULT, true, on_probe, &g[0]), 0);
	assert_int_equal(fa_net_probe(n, "http://web-clean.fly.dev/x", "web-clean.fly.dev",
				      FA_PROBE_TLS_DEFAULT, false, on_probe, &g[1]), 0);
	assert_int_equal(fa_net_probe(n, "https://web-clean.fly.dev/", "web-clean.fly.dev",
				      FA_PROBE_TLS_1_0, false, on_probe, &g[2]), 0);
	/* other hosts go at once */
	assert_int_equal(fa_net_probe(n, "https://http-only.fly.dev/", "http-only.fly.dev",
				      FA_PROBE_TLS_1_0, false, on_probe, &g[3]), 0);
	assert_int_equal(fa_net_probe(n, "http://drifted.fly.dev/", "drifted.fly.dev",
				      FA_PROBE_TLS_DEFAULT, false, on_probe, &g[4]), 0);
	/* refused at the door: not http(s), a pin on plain http, credentials, a space */
	assert_int_equal(fa_net_probe(n, "ftp://a.example/", "a.example", FA_PROBE_TLS_DEFAULT, false, on_probe, &g[5]), -1);
	assert_int_equal(fa_net_probe(n, "http://a.example/", "a.example", FA_PROBE_TLS_1_0, false, on_probe, &g[5]), -1);
	assert_int_equal(fa_net_probe(n, "https://u@a.example/", "a.example", FA_PROBE_TLS_DEFAULT, false, on_probe, &g[5]), -1);
	assert_int_equal(fa_net_probe(n, "https://a.example/a b", "a.example", FA_PROBE_TLS_DEFAULT, false, on_probe, &g[5]), -1);
	assert_int_equal(fa_net_run(n), 0);
	fa_net_get_stats(n, &st);
	for (i = 0; i < 5; i++)
		assert_int_equal(g[i].calls, 1);
	assert_int_equal(g[5].calls, 0);
	assert_int_equal(st.probes, 5);
	assert_true(st.elapsed_ms >= 1000); /* 3 starts on one host: 0, 500, 1000 ms */

	assert_int_equal(g[0].r.error, FA_NET_OK);
	assert_int_equal(g[0].r.status, 200);
	assert_true(g[0].r.truncated); /* the 16-byte cap */
	assert_int_equal(g[0].r.len, 16);
	assert_string_equal(g[0].body, "<html><body>web-");
	assert_non_null(strstr(g[0].hsts, "max-age=31536000"));
	assert_true(g[0].r.cert_expiry > (long long)time(NULL) + 80 * 86400);
	assert_string_equal(g[0].ip, "127.0.0.1");

	assert_int_equal(g[1].r.status, 301);
	assert_string_equal(g[1].location, "https://web-clean.fly.dev/x");
	assert_false(g[1].r.truncated);

	assert_int_not_equal(g[2].r.error, FA_NET_OK); /* TLS 1.0 refused by this listener */
	assert_true(g[2].r.tls_failed);
	assert_false(g[2].r.tls_unsupported);

	assert_int_equal(g[3].r.error, FA_NET_OK); /* the legacy listener completes TLS 1.0 */
	assert_int_equal(g[3].r.status, 200);

	assert_true(g[4].r.conn_refused);
	fa_net_free(n);

	stats = edge_stats();
	assert_int_equal(jnum(stats, "with_authorization"), auth_before);
	/* the refused connection and the refused handshake never reach HTTP */
	assert_int_equal(jnum(stats, "total") - total_before, 3);
	assert_int_equal(jnum(stats, "bad_user_agent"), 0);
	cJSON_Delete(stats);
}

static int setup(void **state)
{
	return group_setup(state);
}

static int teardown(void **state)
{
	mock_stop(&edge_mock);
	return group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_to_values),
		cmocka_unit_test(test_no_probe_no_edge),
		cmocka_unit_test(test_probe_demo), /* before test_net_probe: it counts per host */
		cmocka_unit_test(test_net_probe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
