/* test_net.c: the transport: Retry-After and base URL parsing, then real transfers against
 * build/flymock (TLS, retries, faults, body cap, concurrency, token buckets, abort). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "flyaudit/net.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TOKEN "fm2_testtoken"
#define OKPATH "/v1/apps?org_slug=demo"
#define MAXREC 128

/* ---- helpers ---- */

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");
	return b && *b ? b : "build";
}

static void cert_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/test-certs/%s", build_dir(), name);
}

static char fixture_root[64];

/* Group setup: a fixture root with one app, DIR/demo/apps.json. */
static int fixtures_setup(void **state)
{
	char path[128];
	FILE *f;
	(void)state;
	snprintf(fixture_root, sizeof(fixture_root), "/tmp/test-net-XXXXXX");
	if (!mkdtemp(fixture_root))
		return -1;
	snprintf(path, sizeof(path), "%s/demo", fixture_root);
	if (mkdir(path, 0700) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/demo/apps.json", fixture_root);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("{\"total_apps\":1,\"apps\":[{\"id\":\"app1\",\"name\":\"app-a\",\"machine_count\":0,"
	      "\"volume_count\":0,\"network\":\"default\",\"organization\":{\"name\":\"Demo\","
	      "\"slug\":\"demo\"}}]}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

static int fixtures_teardown(void **state)
{
	char path[128];
	(void)state;
	snprintf(path, sizeof(path), "%s/demo/apps.json", fixture_root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/demo", fixture_root);
	rmdir(path);
	rmdir(fixture_root);
	return 0;
}

typedef struct mock {
	pid_t pid;
	char url[256];
	char out[64];
} mock;

/* Starts flymock with extra args (NULL-terminated); tls uses build/test-certs. */
static int mock_start(mock *m, int tls, const char *const *extra)
{
	const char *argv[48];
	char bin[256], cert[256], key[256];
	int argc = 0, fd;
	long long deadline;

	memset(m, 0, sizeof(*m));
	snprintf(bin, sizeof(bin), "%s/flymock", build_dir());
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "missing %s: run make\n", bin);
		return -1;
	}
	cert_path(cert, sizeof(cert), "server.pem");
	cert_path(key, sizeof(key), "server.key");
	argv[argc++] = bin;
	argv[argc++] = "--quiet";
	argv[argc++] = "--fixtures"; /* our own one-app org: independent of the demo fixtures */
	argv[argc++] = fixture_root;
	argv[argc++] = "--org";
	argv[argc++] = "demo";
	argv[argc++] = "--rate-limit"; /* the client-side buckets are tested on their own */
	argv[argc++] = "off";
	argv[argc++] = "--token";
	argv[argc++] = TOKEN;
	if (tls) {
		argv[argc++] = "--tls-cert";
		argv[argc++] = cert;
		argv[argc++] = "--tls-key";
		argv[argc++] = key;
	}
	for (; extra && *extra && argc < 46; extra++)
		argv[argc++] = *extra;
	argv[argc] = NULL;

	/* stdout goes to a file, so the mock can never block on a full pipe */
	snprintf(m->out, sizeof(m->out), "/tmp/flymock-out-XXXXXX");
	fd = mkstemp(m->out);
	if (fd < 0)
		return -1;
	m->pid = fork();
	if (m->pid < 0) {
		close(fd);
		return -1;
	}
	if (m->pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		if (nul >= 0 && !getenv("NET_MOCK_STDERR"))
			dup2(nul, 2);
		execv(bin, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(fd);
	deadline = mono_ms() + 15000;
	while (mono_ms() < deadline) {
		char line[512];
		FILE *f = fopen(m->out, "r");
		if (f) {
			if (fgets(line, sizeof(line), f) && strchr(line, '\n')) {
				char *u = strstr(line, "http");
				fclose(f);
				if (!u)
					return -1;
				u[strcspn(u, " \r\n")] = '\0';
				snprintf(m->url, sizeof(m->url), "%s", u);
				return 0;
			}
			fclose(f);
		}
		if (waitpid(m->pid, NULL, WNOHANG) == m->pid) {
			m->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

static void mock_stop(mock *m)
{
	if (m->pid > 0) {
		int ws = 0;
		if (waitpid(m->pid, &ws, WNOHANG) == m->pid)
			fprintf(stderr, "flymock had already exited (status 0x%x)\n", (unsigned)ws);
		kill(m->pid, SIGTERM);
		waitpid(m->pid, NULL, 0);
		m->pid = 0;
	}
	if (m->out[0])
		unlink(m->out);
	m->out[0] = '\0';
}

typedef struct rec {
	fa_net_error error;
	long status;
	int attempts;
	long long t_ms; /* completion time since the recorder started */
	char key;
	char errmsg[256];
	char body[512];
} rec;

typedef struct recorder {
	rec r[MAXREC];
	int n;
	long long t0;
	fa_net *net;
	int abort_after; /* abort after this many completions (0 = never) */
} recorder;

typedef struct tag {
	recorder *rc;
	char key;
} tag;

static void record(recorder *rc, char key, const fa_response *res)
{
	rec *r;
	if (rc->n >= MAXREC)
		return;
	r = &rc->r[rc->n++];
	r->error = res->error;
	r->status = res->status;
	r->attempts = res->attempts;
	r->t_ms = mono_ms() - rc->t0;
	r->key = key;
	snprintf(r->errmsg, sizeof(r->errmsg), "%s", res->errmsg ? res->errmsg : "");
	snprintf(r->body, sizeof(r->body), "%s", res->body ? res->body : "(null)");
	if (rc->abort_after > 0 && rc->n == rc->abort_after)
		fa_net_abort(rc->net);
}

/* Fails with the transport's message when a record is not the expected status. */
static void expect_status(const rec *r, long status)
{
	if (r->status != status)
		fail_msg("status %ld (error %d, attempts %d: %s), want %ld", r->status, (int)r->error,
			 r->attempts, r->errmsg, status);
}

static void on_done(void *ud, const fa_response *res)
{
	record(ud, 0, res);
}

static void on_done_tag(void *ud, const fa_response *res)
{
	tag *t = ud;
	record(t->rc, t->key, res);
}

static void base_opts(fa_net_opts *o, const char *url)
{
	memset(o, 0, sizeof(*o));
	o->flaps_base = url;
	o->graphql_base = url;
	o->auth_header = "Bearer " TOKEN;
	o->max_retries = -1;
	o->retry_budget = -1;
	o->backoff_base_ms = 20;
	o->backoff_max_ms = 200;
	o->rate_per_sec = -1; /* most tests: no client-side bucket */
	o->verbose = getenv("NET_VERBOSE") != NULL;
}

static fa_net *net_new(const fa_net_opts *o)
{
	fa_net *n = NULL;
	char err[256] = "";
	int rc = fa_net_new(&n, o, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "fa_net_new: %s\n", err);
	assert_int_equal(rc, 0);
	assert_non_null(n);
	return n;
}

/* Reads peak_in_flight from the mock's /__mock/stats. */
static long mock_peak(const char *url)
{
	fa_net_opts o;
	fa_net *n = NULL;
	recorder *rc = calloc(1, sizeof(*rc));
	const char *p;
	long v = -1;

	assert_non_null(rc);
	base_opts(&o, url);
	n = net_new(&o);
	assert_int_equal(fa_net_get(n, FA_BASE_FLAPS, "/__mock/stats", NULL, on_done, rc), 0);
	assert_int_equal(fa_net_run(n), 0);
	assert_int_equal(rc->n, 1);
	assert_int_equal(rc->r[0].status, 200);
	p = strstr(rc->r[0].body, "\"peak_in_flight\":");
	if (p)
		v = strtol(p + strlen("\"peak_in_flight\":"), NULL, 10);
	fa_net_free(n);
	free(rc);
	return v;
}

/* ---- unit tests ---- */

static void test_retry_after_seconds(void **state)
{
	(void)state;
	assert_int_equal(fa_net_parse_retry_after("120", 0), 120000);
	assert_int_equal(fa_net_parse_retry_after(" 5 \r\n", 0), 5000);
	assert_int_equal(fa_net_parse_retry_after("0", 0), 0);
	/* huge values are clamped to one day, not wrapped */
	assert_int_equal(fa_net_parse_retry_after("99999999999999999999999", 0), 86400000L);
	assert_int_equal(fa_net_parse_retry_after("100000", 0), 86400000L);
}

static void test_retry_after_date(void **state)
{
	const long long t = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
	(void)state;
	assert_int_equal(fa_net_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t - 30), 30000);
	assert_int_equal(fa_net_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t), 0);
	/* a date in the past means now */
	assert_int_equal(fa_net_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t + 3600), 0);
	/* the obsolete forms recipients must accept */
	assert_int_equal(fa_net_parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", t - 10), 10000);
	assert_int_equal(fa_net_parse_retry_after("Sun Nov  6 08:49:37 1994", t - 7), 7000);
	/* far future: clamped */
	assert_int_equal(fa_net_parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", t), 86400000L);
	assert_int_equal(fa_net_parse_retry_after("Thu, 01 Jan 1970 00:01:40 GMT", 0), 100000);
}

static void test_retry_after_garbage(void **state)
{
	(void)state;
	assert_int_equal(fa_net_parse_retry_after(NULL, 0), -1);
	assert_int_equal(fa_net_parse_retry_after("", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("   ", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("soon", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("-5", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("12abc", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("1.5", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", 0), -1);
	assert_int_equal(fa_net_parse_retry_after("tomorrow at noon", 0), -1);
}

static void test_check_base(void **state)
{
	char err[200];
	static const char *const ok[] = {
		"https://api.machines.dev", "https://api.fly.io/", "HTTPS://API.FLY.IO",
		"https://127.0.0.1:4280", "http://127.0.0.1", "http://127.0.0.1:8080",
		"http://127.1.2.3:1/base", "http://localhost", "http://localhost:4280",
		"http://[::1]:4280", "http://_api.internal:4280", "http://flaps.Internal",
	};
	static const char *const bad[] = {
		"http://example.com", "http://10.0.0.1", "http://127.0.0.1.evil.com",
		"http://localhost.evil.com", "http://internal", "http://x.internal.evil.com",
		"ftp://api.fly.io", "file:///etc/passwd", "garbage", "", "https://",
		"https://user:pw@api.fly.io", "https://api.fly.io/?q=1", "https://api fly.io",
		"https://api.fly.io:", "https://api.fly.io:12x", "http://[::2]:80", "//api.fly.io",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err[0] = '\0';
		if (fa_net_check_base(ok[i], err, sizeof(err)) != 0)
			fail_msg("refused %s: %s", ok[i], err);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fa_net_check_base(bad[i], err, sizeof(err)) != -1)
			fail_msg("accepted %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(fa_net_check_base(NULL, err, sizeof(err)), -1);
	assert_int_equal(fa_net_check_base("http://example.com", NULL, 0), -1);
}

static void test_new_refuses(void **state)
{
	fa_net_opts o;
	fa_net *n = NULL;
	char err[200] = "";
	(void)state;

	base_opts(&o, "https://api.machines.dev");
	o.graphql_base = "http://api.fly.io";
	assert_int_equal(fa_net_new(&n, &o, err, sizeof(err)), -1);
	assert_null(n);
	assert_non_null(strstr(err, "http"));

	base_opts(&o, "https://api.machines.dev");
	o.auth_header = "Bearer x\r\nX-Evil: 1";
	assert_int_equal(fa_net_new(&n, &o, err, sizeof(err)), -1);
	assert_null(n);

	base_opts(&o, "https://api.machines.dev");
	o.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(fa_net_new(&n, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CA file"));

	fa_net_free(NULL);
}

static void test_paths_and_empty_run(void **state)
{
	fa_net_opts o;
	fa_net *n = NULL;
	fa_net_stats st;
	recorder *rc = calloc(1, sizeof(*rc));
	(void)state;

	assert_non_null(rc);
	base_opts(&o, "https://api.machines.dev");
	n = net_new(&o);
	/* requests name a path on a configured base, never a URL */
	assert_int_equal(fa_net_get(n, FA_BASE_FLAPS, "https://evil.example/x", NULL, on_done, rc), -1);
	assert_int_equal(fa_net_get(n, FA_BASE_FLAPS, "v1/apps", NULL, on_done, rc), -1);
	assert_int_equal(fa_net_get(n, FA_BASE_FLAPS, "/v1/apps x", NULL, on_done, rc), -1);
	assert_int_equal(fa_net_get(n, FA_BASE_FLAPS, NULL, NULL, on_done, rc), -1);
	assert_int_equal(fa_net_get(n, (fa_base)7, "/v1/apps", NULL, on_done, rc), -1);
	assert_int_equal(fa_net_graphql(n, NULL, NULL, on_done, rc), -1);
	assert_int_equal(fa_net_run(n), 0); /* nothing queued */
	fa_net_get_stats(n, &st);
	assert_int_equal(st.requests, 0);
	assert_int_equal(rc->n, 0);
	fa_net_free(n);
	free(rc);
}

/* A request to a closed port: "connection refused", retried, then ETRANSPORT. */
static void test_connection_refused(void **state)
{
	fa_net_opts o;
	fa_net *n = NULL;
	fa_net_stats st;
	recorder *rc = calloc(1, sizeof(*rc));
	(void)state;

	assert_non_null(rc);
	base_opts(&o, "http://127.0.0.1:1");
	o.max_retries = 2;
	n = net_new(&o);
	assert_int_equal(fa_net_get(n, FA_BASE_FLAPS, OKPATH, NULL, on_done, rc), 0);
	assert_int_equal(fa_net_run(n), 0);
	assert_int_equal(rc->n, 1);
	assert_int_equal(rc->r[0].error, FA_NET_ETRANSPORT);
	assert_int_equal(rc->r[0].status, 0);
	assert_int_equal(rc->r[0].attempts, 3);
	assert_string_equal(rc->r[0].errmsg, "connection refused");
	assert_string_equal(rc->r[0].body, "");
	fa_net_get_stats(n, &st);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.retries, 2);
	assert_int_equal(st.completed, 1);
	fa_net_free(n);
	free(rc);
}

/* ---- integration tests against flymock ---- */

typedef struct itest {
	mock m;
	pid_t proxy;
	recorder *rc;
	fa_net *n;
} itest;

static int it_setup(void **state)
{
	itest *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->rc = calloc(1, sizeof(*t->rc));
	if (!t->rc) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int it_teardown(void **state)
{
	itest *t = *state;
	fa_net_free(t->n);
	if (t->proxy > 0) {
		kill(t->proxy, SIGTERM);
		waitpid(t->proxy, NULL, 0);
	}
	mock_stop(&t->m);
	free(t->rc);
	free(t);
	return 0;
}

static void it_start(itest *t, int tls, const char *const *extra)
{
	if (mock_start(&t->m, tls, extra) != 0)
		fail_msg("cannot start flymock (make build/flymock; sh tests/gen-certs.sh %s/test-certs)",
			 build_dir());
}

static void it_run(itest *t, const fa_net_opts *o, int count, const char *path)
{
	t->n = net_new(o);
	t->rc->net = t->n;
	t->rc->t0 = mono_ms();
	for (int i = 0; i < count; i++)
		assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, path, NULL, on_done, t->rc), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(t->rc->n, count);
}

static void test_tls_ok(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	char ca[256];

	it_start(t, 1, NULL);
	assert_non_null(strstr(t->m.url, "https://"));
	cert_path(ca, sizeof(ca), "ca.pem");
	base_opts(&o, t->m.url);
	o.ca_file = ca;
	it_run(t, &o, 3, OKPATH);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(t->rc->r[i].error, FA_NET_OK);
		assert_int_equal(t->rc->r[i].status, 200);
		assert_int_equal(t->rc->r[i].attempts, 1);
		assert_true(t->rc->r[i].body[0] != '\0');
	}
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.requests, 3);
	assert_int_equal(st.completed, 3);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.in_flight, 0);
	assert_int_equal(st.queued, 0);
	assert_true(st.num_connects >= 1 && st.num_connects <= 3);
	assert_int_equal(st.http_version, 11); /* libmicrohttpd: HTTP/1.1 */
}

static void test_tls_wrong_ca(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	char ca[256];

	it_start(t, 1, NULL);
	cert_path(ca, sizeof(ca), "wrong-ca.pem");
	base_opts(&o, t->m.url);
	o.ca_file = ca;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_ETLS);
	assert_int_equal(t->rc->r[0].status, 0);
	assert_int_equal(t->rc->r[0].attempts, 1); /* verification failures are not retried */
	assert_non_null(strstr(t->rc->r[0].errmsg, "TLS certificate verification failed"));
	assert_null(strchr(t->rc->r[0].errmsg, '\n'));
}

static void test_tls_no_ca(void **state)
{
	itest *t = *state;
	fa_net_opts o;

	/* the test CA is not in the system bundle: nothing turns verification off */
	it_start(t, 1, NULL);
	base_opts(&o, t->m.url);
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_ETLS);
}

static void test_graphql_post(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	t->n = net_new(&o);
	assert_int_equal(fa_net_graphql(t->n,
		"{\"query\":\"query{organization(slug:\\\"demo\\\"){limitedAccessTokens{nodes{id}}}}\"}",
		NULL, on_done, t->rc), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(t->rc->n, 1);
	assert_int_equal(t->rc->r[0].error, FA_NET_OK);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_true(t->rc->r[0].body[0] == '{');
}

static void test_unauthorized_not_retried(void **state)
{
	itest *t = *state;
	fa_net_opts o;

	it_start(t, 0, NULL);
	base_opts(&o, t->m.url);
	o.auth_header = "Bearer fm2_wrong";
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_OK);
	assert_int_equal(t->rc->r[0].status, 401);
	assert_int_equal(t->rc->r[0].attempts, 1);
}

static void test_429_retry_after(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	static const char *const extra[] = { "--fault", "429:1,first=1", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.backoff_max_ms = 5000; /* Retry-After (1 s) is honoured up to this cap */
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_OK);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_int_equal(t->rc->r[0].attempts, 2);
	assert_true(t->rc->r[0].t_ms >= 900);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.status_429, 1);
	assert_int_equal(st.retries, 1);
	assert_int_equal(st.requests, 2);
}

static void test_429_retry_after_date(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "429date:2,first=1", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.backoff_max_ms = 5000;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_int_equal(t->rc->r[0].attempts, 2);
	/* an HTTP date has one-second resolution: at least ~1 s of the 2 s */
	assert_true(t->rc->r[0].t_ms >= 900);
}

static void test_503_then_ok(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "503,first=1", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_OK);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_int_equal(t->rc->r[0].attempts, 2);
}

static void test_503_gives_up(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "503", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.max_retries = 2;
	it_run(t, &o, 1, OKPATH);
	/* the last response is handed over as it is */
	assert_int_equal(t->rc->r[0].error, FA_NET_OK);
	assert_int_equal(t->rc->r[0].status, 503);
	assert_int_equal(t->rc->r[0].attempts, 3);
}

static void test_reset_retried(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "reset,first=1", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_OK);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_int_equal(t->rc->r[0].attempts, 2);
}

static void test_truncate(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "truncate", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.max_retries = 2;
	o.timeout_ms = 5000;
	it_run(t, &o, 1, OKPATH);
	/* a short body is a transport error, retried, never handed over as a response */
	assert_int_equal(t->rc->r[0].error, FA_NET_ETRANSPORT);
	assert_int_equal(t->rc->r[0].status, 0);
	assert_int_equal(t->rc->r[0].attempts, 3);
	assert_string_equal(t->rc->r[0].body, "");
	assert_non_null(strstr(t->rc->r[0].errmsg, "truncated"));
}

static void test_truncate_once(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "truncate,first=1", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.timeout_ms = 5000;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_int_equal(t->rc->r[0].attempts, 2);
}

static void test_oversize(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "oversize:300000", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.max_body = 64 * 1024;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_ETOOBIG);
	assert_int_equal(t->rc->r[0].attempts, 1); /* not retried */
	assert_string_equal(t->rc->r[0].errmsg, "response larger than 64 KiB");
	assert_string_equal(t->rc->r[0].body, "");
}

static void test_timeout(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--fault", "slow:3000", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.timeout_ms = 300;
	o.max_retries = 0;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].error, FA_NET_ETIMEOUT);
	assert_int_equal(t->rc->r[0].attempts, 1);
	assert_string_equal(t->rc->r[0].errmsg, "timed out after 300 ms");
}

static void test_concurrency(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	static const char *const extra[] = { "--latency", "100", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.concurrency = 16;
	it_run(t, &o, 64, OKPATH);
	for (int i = 0; i < 64; i++) {
		expect_status(&t->rc->r[i], 200);
		assert_int_equal(t->rc->r[i].attempts, 1);
	}
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.max_in_flight, 16);
	assert_int_equal(st.completed, 64);
	assert_true(st.num_connects >= 16); /* HTTP/1.1: one connection per slot */
	/* four rounds of 100 ms; loose: well under the sequential 6.4 s */
	assert_true(t->rc->r[63].t_ms >= 350);
	assert_true(t->rc->r[63].t_ms < 6000);
	/* the server saw exactly the configured concurrency */
	assert_int_equal(mock_peak(t->m.url), 16);
}

static void test_retry_budget(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	static const char *const extra[] = { "--fault", "503", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.max_retries = 10;
	o.retry_budget = 3;
	it_run(t, &o, 4, OKPATH);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.retries, 3);
	assert_int_equal(st.requests, 7);
	for (int i = 0; i < 4; i++)
		assert_int_equal(t->rc->r[i].status, 503);
}

static void test_token_bucket(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	tag ta, tb;
	long long last_a = 0, last_b = 0;
	int na = 0, nb = 0;
	static const char *const extra[] = { NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.rate_per_sec = 1.0;
	o.rate_burst = 3;
	t->n = net_new(&o);
	t->rc->t0 = mono_ms();
	ta.rc = tb.rc = t->rc;
	ta.key = 'a';
	tb.key = 'b';
	for (int i = 0; i < 5; i++)
		assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, OKPATH, "app-a/get", on_done_tag, &ta), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, OKPATH, "app-b/get", on_done_tag, &tb), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(t->rc->n, 7);
	for (int i = 0; i < 7; i++) {
		rec *r = &t->rc->r[i];
		expect_status(r, 200);
		if (r->key == 'a') {
			na++;
			last_a = r->t_ms > last_a ? r->t_ms : last_a;
		} else {
			nb++;
			last_b = r->t_ms > last_b ? r->t_ms : last_b;
		}
	}
	assert_int_equal(na, 5);
	assert_int_equal(nb, 2);
	assert_true(last_a >= 1900); /* 3 at once, then one per second */
	assert_true(last_b < 900);   /* another key is not slowed */
}

static void test_abort(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	int ok = 0, aborted = 0;
	static const char *const extra[] = { "--latency", "50", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.concurrency = 1;
	t->n = net_new(&o);
	t->rc->net = t->n;
	t->rc->abort_after = 1;
	t->rc->t0 = mono_ms();
	for (int i = 0; i < 10; i++)
		assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, OKPATH, NULL, on_done, t->rc), 0);
	assert_int_equal(fa_net_run(t->n), -1);
	assert_int_equal(t->rc->n, 10);
	for (int i = 0; i < 10; i++) {
		if (t->rc->r[i].error == FA_NET_OK)
			ok++;
		else if (t->rc->r[i].error == FA_NET_EABORTED)
			aborted++;
	}
	assert_int_equal(ok, 1);
	assert_int_equal(aborted, 9);
	/* nothing more is queued once aborted */
	assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, OKPATH, NULL, on_done, t->rc), -1);
}

static int tick_count;

static void on_tick(void *ud, const fa_net_stats *st)
{
	(void)ud;
	(void)st;
	tick_count++;
}

static void test_tick(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	static const char *const extra[] = { "--latency", "500", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.tick = on_tick;
	tick_count = 0;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].status, 200);
	assert_true(tick_count >= 2);
}


/* ---- HTTP/2: nghttpx (TLS, h2) in front of flymock, as curl's own tests do ---- */

static int free_port(void)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int port = -1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &al) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int port_open(int port)
{
	struct sockaddr_in a;
	int ok, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static const char *find_nghttpx(void)
{
	static const char *const cands[] = { "/usr/sbin/nghttpx", "/usr/bin/nghttpx",
					     "/usr/local/bin/nghttpx" };
	for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
		if (access(cands[i], X_OK) == 0)
			return cands[i];
	return NULL;
}

static void test_http2_multiplex(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	const char *ngx = find_nghttpx();
	const char *mport;
	char front[64], back[64], key[256], cert[256], ca[256], url[64];
	int port;
	long long deadline;
	pid_t pid;
	static const char *const extra[] = { "--latency", "100", NULL };

	if (!ngx) {
		fprintf(stderr, "nghttpx not installed (Debian: nghttp2-proxy): skipped\n");
		skip();
	}
	it_start(t, 0, extra);
	mport = strrchr(t->m.url, ':');
	assert_non_null(mport);
	port = free_port();
	assert_true(port > 0);
	cert_path(key, sizeof(key), "server.key");
	cert_path(cert, sizeof(cert), "server.pem");
	cert_path(ca, sizeof(ca), "ca.pem");
	snprintf(front, sizeof(front), "-f127.0.0.1,%d", port);
	snprintf(back, sizeof(back), "-b127.0.0.1,%s", mport + 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_WRONLY);
		if (nul >= 0) {
			dup2(nul, 1);
			dup2(nul, 2);
		}
		execl(ngx, ngx, "--conf=/dev/null", "-n1", "--no-ocsp", front, back,
		      "--errorlog-file=/dev/null", key, cert, (char *)NULL);
		_exit(127);
	}
	t->proxy = pid;
	deadline = mono_ms() + 10000;
	while (!port_open(port) && mono_ms() < deadline)
		usleep(20000);
	assert_true(port_open(port));

	snprintf(url, sizeof(url), "https://127.0.0.1:%d", port);
	base_opts(&o, url);
	o.ca_file = ca;
	o.concurrency = 20;
	it_run(t, &o, 20, OKPATH);
	for (int i = 0; i < 20; i++)
		assert_int_equal(t->rc->r[i].error, FA_NET_OK);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.http_version, 20);
	assert_int_equal(st.num_connects, 1); /* 20 streams on one connection */
	assert_int_equal(st.max_in_flight, 20);
}


/* ---- streaming (fa_net_get_stream) ---- */

typedef struct sink {
	char *data;          /* what the chunk callback received (streamed) or the body (buffered) */
	size_t len, cap;
	int chunks;
	int restarts;        /* chunk(NULL, 0) calls */
	int stop_at;         /* return -1 at this chunk (1-based; 0 = never) */
	bool after_restart;  /* the first chunk after a restart came */
	bool done;
	fa_net_error error;
	long status;
	size_t final_len;
	int attempts;
	char final_body[256];
	char errmsg[256];
} sink;

static void sink_add(sink *k, const char *data, size_t len)
{
	if (k->len + len + 1 > k->cap) {
		size_t cap = (k->len + len + 1) * 2;
		char *p = realloc(k->data, cap);
		assert_non_null(p);
		k->data = p;
		k->cap = cap;
	}
	memcpy(k->data + k->len, data, len);
	k->len += len;
	k->data[k->len] = '\0';
}

static int on_chunk(void *ud, const char *data, size_t len)
{
	sink *k = ud;
	if (!data) {
		assert_int_equal(len, 0);
		k->restarts++;
		k->len = 0;
		return 0;
	}
	assert_true(len > 0);
	assert_false(k->done); /* every chunk comes before the final callback */
	k->chunks++;
	if (k->stop_at > 0 && k->chunks == k->stop_at)
		return -1;
	sink_add(k, data, len);
	return 0;
}

static void on_sink_done(void *ud, const fa_response *res)
{
	sink *k = ud;
	k->done = true;
	k->error = res->error;
	k->status = res->status;
	k->final_len = res->len;
	k->attempts = res->attempts;
	snprintf(k->final_body, sizeof(k->final_body), "%s", res->body ? res->body : "(null)");
	snprintf(k->errmsg, sizeof(k->errmsg), "%s", res->errmsg ? res->errmsg : "");
}

/* a buffered request: the whole body into the sink */
static void on_sink_full(void *ud, const fa_response *res)
{
	sink *k = ud;
	on_sink_done(ud, res);
	sink_add(k, res->body, res->len);
}

static void sink_free(sink *k)
{
	free(k->data);
	memset(k, 0, sizeof(*k));
}

#define SYNTHPATH "/v1/apps?org_slug=synth"

static void test_stream_equals_buffered(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	sink s, b;
	static const char *const extra[] = { "--synthetic", "300", NULL };

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	t->n = net_new(&o);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, SYNTHPATH, NULL, on_chunk,
					   on_sink_done, &s), 0);
	assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, SYNTHPATH, NULL, on_sink_full, &b), 0);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, OKPATH, NULL, NULL, on_done, t->rc), -1);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_true(s.done && b.done);
	assert_int_equal(s.error, FA_NET_OK);
	assert_int_equal(s.status, 200);
	assert_int_equal(b.status, 200);
	assert_true(b.len > 16 * 1024); /* big enough to arrive in several pieces */
	assert_true(s.chunks > 1);
	assert_int_equal(s.restarts, 0);
	assert_string_equal(s.final_body, ""); /* nothing was buffered */
	assert_int_equal(s.final_len, b.len);
	assert_int_equal(s.len, b.len);
	assert_memory_equal(s.data, b.data, b.len);
	sink_free(&s);
	sink_free(&b);
}

static void test_stream_restart(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	sink s, b;
	static const char *const extra[] = { "--synthetic", "300", "--fault", "truncate,first=1", NULL };

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.timeout_ms = 5000;
	t->n = net_new(&o);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, SYNTHPATH, NULL, on_chunk,
					   on_sink_done, &s), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	/* the truncated first attempt delivered some bytes, then "start again", then all */
	assert_int_equal(s.error, FA_NET_OK);
	assert_int_equal(s.status, 200);
	assert_int_equal(s.attempts, 2);
	assert_int_equal(s.restarts, 1);
	assert_true(s.chunks > 1);
	assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, SYNTHPATH, NULL, on_sink_full, &b), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(b.status, 200);
	assert_int_equal(s.final_len, b.len);
	assert_int_equal(s.len, b.len);
	assert_memory_equal(s.data, b.data, b.len);
	sink_free(&s);
	sink_free(&b);
}

static void test_stream_consumer_stops(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	sink s;
	static const char *const extra[] = { "--synthetic", "300", NULL };

	memset(&s, 0, sizeof(s));
	s.stop_at = 1;
	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	t->n = net_new(&o);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, SYNTHPATH, NULL, on_chunk,
					   on_sink_done, &s), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(s.error, FA_NET_ECONSUMER);
	assert_int_equal(s.status, 0);
	assert_int_equal(s.attempts, 1); /* not retried */
	assert_int_equal(s.chunks, 1);
	assert_int_equal(s.final_len, 0);
	assert_true(s.errmsg[0] != '\0');
	assert_null(strchr(s.errmsg, '\n'));
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.retries, 0);
	sink_free(&s);
}

static void test_stream_404_buffered(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	sink s;

	memset(&s, 0, sizeof(s));
	it_start(t, 0, NULL);
	base_opts(&o, t->m.url);
	t->n = net_new(&o);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, "/v1/apps/no-such-app", NULL,
					   on_chunk, on_sink_done, &s), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(s.error, FA_NET_OK);
	assert_int_equal(s.status, 404);
	assert_int_equal(s.chunks, 0); /* an error body is not streamed */
	assert_non_null(strstr(s.final_body, "app not found"));
	assert_int_equal(s.final_len, strlen(s.final_body));
	sink_free(&s);
}

/* A one-shot server that answers every connection with a chunked 200 (no Content-Length)
 * of `total` bytes: the body cap must then hold on the running total. */
static pid_t chunked_server(int *port_out, size_t total)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	pid_t pid;

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
		close(fd);
		return -1;
	}
	*port_out = ntohs(a.sin_port);
	pid = fork();
	if (pid != 0) {
		close(fd);
		return pid;
	}
	for (;;) {
		char req[4096], piece[1024 + 16];
		static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					   "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
		int c = accept(fd, NULL, NULL);
		size_t got = 0, sent = 0;
		if (c < 0)
			_exit(0);
		while (got < sizeof(req) - 1) {
			ssize_t k = read(c, req + got, sizeof(req) - 1 - got);
			if (k <= 0)
				break;
			got += (size_t)k;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n"))
				break;
		}
		if (write(c, head, sizeof(head) - 1) < 0) {
			close(c);
			continue;
		}
		while (sent < total) {
			size_t k = total - sent < 1000 ? total - sent : 1000;
			int h = snprintf(piece, sizeof(piece), "%zx\r\n", k);
			memset(piece + h, 'a', k);
			memcpy(piece + h + k, "\r\n", 2);
			if (write(c, piece, (size_t)h + k + 2) < 0)
				break;
			sent += k;
		}
		if (write(c, "0\r\n\r\n", 5) < 0) {
			/* the client hung up first: expected once it hit the cap */
		}
		close(c);
	}
}

static void test_stream_too_big(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	sink s;
	int port = 0;
	char url[64];

	memset(&s, 0, sizeof(s));
	t->proxy = chunked_server(&port, 200000);
	assert_true(t->proxy > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	base_opts(&o, url);
	o.max_body = 64 * 1024;
	t->n = net_new(&o);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, "/big", NULL, on_chunk,
					   on_sink_done, &s), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(s.error, FA_NET_ETOOBIG);
	assert_int_equal(s.attempts, 1);
	assert_string_equal(s.errmsg, "response larger than 64 KiB");
	assert_true(s.chunks >= 1);
	assert_true(s.len <= 64 * 1024); /* the consumer never saw more than the cap */
	assert_true(s.len > 0);
	sink_free(&s);

	/* under the cap, the same server's body streams whole */
	fa_net_free(t->n);
	o.max_body = 256 * 1024;
	t->n = net_new(&o);
	assert_int_equal(fa_net_get_stream(t->n, FA_BASE_FLAPS, "/big", NULL, on_chunk,
					   on_sink_done, &s), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(s.error, FA_NET_OK);
	assert_int_equal(s.status, 200);
	assert_int_equal(s.len, 200000);
	assert_int_equal(s.final_len, 200000);
	sink_free(&s);
}

/* ---- back-pressure: an org-wide rate limit ---- */

typedef struct tally {
	int done, ok, other;
	long last_other;
} tally;

static void on_tally(void *ud, const fa_response *res)
{
	tally *y = ud;
	y->done++;
	if (res->error == FA_NET_OK && res->status == 200)
		y->ok++;
	else {
		y->other++;
		y->last_other = res->error == FA_NET_OK ? res->status : (long)res->error;
	}
}

static void run_tally(itest *t, const fa_net_opts *o, int count, tally *y)
{
	memset(y, 0, sizeof(*y));
	t->n = net_new(o);
	for (int i = 0; i < count; i++)
		assert_int_equal(fa_net_get(t->n, FA_BASE_FLAPS, OKPATH, NULL, on_tally, y), 0);
	assert_int_equal(fa_net_run(t->n), 0);
	assert_int_equal(y->done, count);
	if (y->other)
		fail_msg("%d of %d requests did not end 200 (last: %ld)", y->other, count, y->last_other);
}

static void test_global_rate(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	tally y;
	static const char *const extra[] = { "--global-rate", "20", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.concurrency = 32;
	o.backoff_max_ms = 5000; /* Retry-After: 1 is honoured */
	run_tally(t, &o, 200, &y);
	assert_int_equal(y.ok, 200);
	fa_net_get_stats(t->n, &st);
	if (getenv("NET_VERBOSE"))
		fprintf(stderr, "global-rate 20: requests %zu, 429s %zu, rate retries %zu, limit min %zu, now %zu, %lld ms\n",
			st.requests, st.status_429, st.rate_retries, st.in_flight_limit_min,
			st.in_flight_limit, st.elapsed_ms);
	assert_true(st.status_429 >= 1);            /* the limit was met */
	/* and respected: on loopback (no round trip to pace by) about one 429 per 4 or 5
	 * successes; without back-pressure most attempts would be 429s and many requests
	 * would end 429 */
	assert_true(st.status_429 * 2 < 200);
	assert_int_equal(st.rate_retries, st.status_429); /* outside the failure budget */
	assert_int_equal(st.requests, 200 + st.retries);
	assert_true(st.in_flight_limit_min <= 16);  /* the cap on in flight was cut */
	assert_true(st.in_flight_limit >= st.in_flight_limit_min);
	assert_true(st.in_flight_limit <= 32);
	/* 200 requests at 20/s with a burst of 20: about 9 s; at least several seconds */
	assert_true(st.elapsed_ms >= 5000);
}

static void test_global_rate_jitter(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	tally y;
	static const char *const extra[] = { "--global-rate", "40", "--latency", "50",
					     "--jitter", "200", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.concurrency = 32;
	o.backoff_max_ms = 5000;
	run_tally(t, &o, 200, &y);
	assert_int_equal(y.ok, 200);
	fa_net_get_stats(t->n, &st);
	if (getenv("NET_VERBOSE"))
		fprintf(stderr, "global-rate 40, jitter: requests %zu, 429s %zu, limit min %zu, %lld ms\n",
			st.requests, st.status_429, st.in_flight_limit_min, st.elapsed_ms);
	assert_true(st.status_429 * 2 <= 200);
	assert_int_equal(st.requests, 200 + st.retries);
}

/* 429 retries have their own per-request cap, then the failure retries apply. */
static void test_rate_retry_bounds(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	static const char *const extra[] = { "--fault", "429:0", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.max_retries = 1;
	o.max_rate_retries = 3;
	it_run(t, &o, 1, OKPATH);
	expect_status(&t->rc->r[0], 429); /* the last answer is handed over */
	assert_int_equal(t->rc->r[0].attempts, 1 + 3 + 1);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.rate_retries, 3);
	assert_int_equal(st.retries, 4);
	assert_int_equal(st.in_flight_limit, 1);
	fa_net_free(t->n);

	/* the run's total of 429 retries is bounded too; then the failure budget */
	memset(t->rc, 0, sizeof(*t->rc));
	o.max_retries = 0;
	o.max_rate_retries = 10;
	o.rate_retry_budget = 4;
	it_run(t, &o, 3, OKPATH);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.rate_retries, 4);
	assert_int_equal(st.retries, 4);
	assert_int_equal(st.requests, 7);
	for (int i = 0; i < 3; i++)
		expect_status(&t->rc->r[i], 429);
	fa_net_free(t->n);

	/* <0: a 429 is a failure like any other */
	memset(t->rc, 0, sizeof(*t->rc));
	o.max_retries = 2;
	o.max_rate_retries = -1;
	o.rate_retry_budget = 0;
	it_run(t, &o, 1, OKPATH);
	assert_int_equal(t->rc->r[0].attempts, 3);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.rate_retries, 0);
}

static void test_latency_jitter(void **state)
{
	itest *t = *state;
	fa_net_opts o;
	fa_net_stats st;
	tally y;
	static const char *const extra[] = { "--latency", "50", "--jitter", "200", NULL };

	it_start(t, 0, extra);
	base_opts(&o, t->m.url);
	o.concurrency = 32;
	run_tally(t, &o, 200, &y);
	assert_int_equal(y.ok, 200);
	fa_net_get_stats(t->n, &st);
	assert_int_equal(st.status_429, 0);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.in_flight_limit_min, 32); /* no 429, no cut */
	assert_int_equal(st.max_in_flight, 32);
}

#define IT(f) cmocka_unit_test_setup_teardown(f, it_setup, it_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retry_after_seconds),
		cmocka_unit_test(test_retry_after_date),
		cmocka_unit_test(test_retry_after_garbage),
		cmocka_unit_test(test_check_base),
		cmocka_unit_test(test_new_refuses),
		cmocka_unit_test(test_paths_and_empty_run),
		cmocka_unit_test(test_connection_refused),
		IT(test_tls_ok),
		IT(test_tls_wrong_ca),
		IT(test_tls_no_ca),
		IT(test_graphql_post),
		IT(test_unauthorized_not_retried),
		IT(test_429_retry_after),
		IT(test_429_retry_after_date),
		IT(test_503_then_ok),
		IT(test_503_gives_up),
		IT(test_reset_retried),
		IT(test_truncate),
		IT(test_truncate_once),
		IT(test_oversize),
		IT(test_timeout),
		IT(test_concurrency),
		IT(test_retry_budget),
		IT(test_token_bucket),
		IT(test_abort),
		IT(test_tick),
		IT(test_http2_multiplex),
		IT(test_stream_equals_buffered),
		IT(test_stream_restart),
		IT(test_stream_consumer_stops),
		IT(test_stream_404_buffered),
		IT(test_stream_too_big),
		IT(test_global_rate),
		IT(test_global_rate_jitter),
		IT(test_latency_jitter),
		IT(test_rate_retry_bounds),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, fixtures_setup, fixtures_teardown);
}
