/* test_flymock.c: flymock as a black box: starts build/flymock (HTTPS with the test CA from
 * tests/gen-certs.sh, run by the group setup) and talks to it with libcurl's easy API. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "flyaudit/buf.h"

static char g_build[256] = "build";
static char g_ca[512];
static char g_wrong_ca[512];
static char g_cert[512];
static char g_key[512];

struct mock {
	pid_t pid;
	char url[512];
};

/* Children still running (a failed assertion skips mock_stop): killed at group teardown. */
static pid_t g_pids[64];

struct reply {
	long status;
	CURLcode cc;
	fa_buf body;
	char retry_after[128];
	char ctype[128];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Starts flymock with the given extra arguments (NULL-terminated); TLS unless plain. */
static void mock_start(struct mock *m, int plain, ...)
{
	const char *argv[64];
	char bin[300];
	int n = 0;
	int fds[2];
	va_list ap;
	const char *a = NULL;
	FILE *f = NULL;
	char line[512];

	snprintf(bin, sizeof bin, "%s/flymock", g_build);
	argv[n++] = bin;
	argv[n++] = "--quiet";
	argv[n++] = "--fixtures";
	argv[n++] = "mocks/fixtures";
	if (!plain) {
		argv[n++] = "--tls-cert";
		argv[n++] = g_cert;
		argv[n++] = "--tls-key";
		argv[n++] = g_key;
	}
	va_start(ap, plain);
	while ((a = va_arg(ap, const char *)) != NULL && n < 62)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	assert_int_equal(pipe(fds), 0);
	m->pid = fork();
	assert_true(m->pid >= 0);
	if (m->pid == 0) {
		/* its own process group: nothing it (or a sanitizer runtime in it) signals as a
		 * group can reach the test */
		setpgid(0, 0);
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	for (n = 0; n < 64; n++) {
		if (g_pids[n] == 0) {
			g_pids[n] = m->pid;
			break;
		}
	}
	f = fdopen(fds[0], "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_true(strncmp(line, "flymock listening on ", 21) == 0);
	line[strcspn(line, "\n")] = '\0';
	snprintf(m->url, sizeof m->url, "%s", line + 21);
	assert_true(strncmp(m->url, plain ? "http://127.0.0.1:" : "https://127.0.0.1:",
			    plain ? 17 : 18) == 0);
}

/* Stops flymock with SIGTERM and checks it exits cleanly (status 0). */
static void mock_stop(struct mock *m)
{
	int st = 0;
	int i;

	for (i = 0; i < 64; i++)
		if (g_pids[i] == m->pid)
			g_pids[i] = 0;
	assert_int_equal(kill(m->pid, SIGTERM), 0);
	assert_int_equal(waitpid(m->pid, &st, 0), m->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct reply *r = ud;

	if (fa_buf_add(&r->body, p, sz * n) != 0)
		return 0;
	return sz * n;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
	size_t nl = strlen(name);
	size_t i;
	size_t e;

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	i = nl + 1;
	while (i < len && line[i] == ' ')
		i++;
	e = len;
	while (e > i && (line[e - 1] == '\r' || line[e - 1] == '\n'))
		e--;
	if (e - i < outlen) {
		memcpy(out, line + i, e - i);
		out[e - i] = '\0';
	}
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct reply *r = ud;

	header_value(p, sz * n, "Retry-After", r->retry_after, sizeof r->retry_after);
	header_value(p, sz * n, "Content-Type", r->ctype, sizeof r->ctype);
	return sz * n;
}

/* One request. auth may be NULL (no header); post may be NULL (GET). */
static void req(const struct mock *m, const char *path, const char *auth, const char *post,
		const char *ca, struct reply *r)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[2048];
	char hdr[1024];

	assert_non_null(c);
	memset(r, 0, sizeof *r);
	fa_buf_init(&r->body, 4 * 1024 * 1024);
	snprintf(url, sizeof url, "%s%s", m->url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca != NULL ? ca : g_ca);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (auth != NULL) {
		snprintf(hdr, sizeof hdr, "Authorization: %s", auth);
		h = curl_slist_append(h, hdr);
	}
	if (post != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	r->cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void get(const struct mock *m, const char *path, struct reply *r)
{
	req(m, path, "Bearer test-token", NULL, NULL, r);
}

static cJSON *json_of(const struct reply *r)
{
	cJSON *j = cJSON_ParseWithLength(r->body.data != NULL ? r->body.data : "", r->body.len);

	assert_non_null(j);
	return j;
}

static long stat_of(const struct mock *m, const char *key)
{
	struct reply r;
	cJSON *j = NULL;
	const cJSON *v = NULL;
	long out;

	req(m, "/__mock/stats", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	j = json_of(&r);
	v = cJSON_GetObjectItemCaseSensitive(j, key);
	assert_true(cJSON_IsNumber(v));
	out = (long)v->valuedouble;
	cJSON_Delete(j);
	fa_buf_release(&r.body);
	return out;
}

static int group_setup(void **state)
{
	const char *b = getenv("BUILD");
	char cmd[700];

	(void)state;
	if (b != NULL && b[0] != '\0')
		snprintf(g_build, sizeof g_build, "%s", b);
	snprintf(cmd, sizeof cmd, "sh tests/gen-certs.sh %s/test-certs", g_build);
	if (system(cmd) != 0)
		return -1;
	snprintf(g_ca, sizeof g_ca, "%s/test-certs/ca.pem", g_build);
	snprintf(g_wrong_ca, sizeof g_wrong_ca, "%s/test-certs/wrong-ca.pem", g_build);
	snprintf(g_cert, sizeof g_cert, "%s/test-certs/server.pem", g_build);
	snprintf(g_key, sizeof g_key, "%s/test-certs/server.key", g_build);
	signal(SIGPIPE, SIG_IGN);
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < 64; i++) {
		if (g_pids[i] > 0) {
			kill(g_pids[i], SIGKILL);
			waitpid(g_pids[i], NULL, 0);
		}
	}
	curl_global_cleanup();
	return 0;
}

static void test_url_line_and_tls(void **state)
{
	struct mock m;
	struct reply r;

	(void)state;
	mock_start(&m, 0, NULL);
	req(&m, "/v1/tokens/current", "Bearer anything", NULL, g_wrong_ca, &r);
	assert_int_not_equal(r.cc, CURLE_OK);
	fa_buf_release(&r.body);
	req(&m, "/v1/tokens/current", "Bearer anything", NULL, NULL, &r);
	assert_int_equal(r.cc, CURLE_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "\"demo\""));
	assert_non_null(strstr(r.ctype, "application/json"));
	fa_buf_release(&r.body);
	mock_stop(&m);
}

static void test_token_check(void **state)
{
	struct mock m;
	struct reply r;
	static const struct {
		const char *auth;
		long status;
	} cases[] = {
		{NULL, 401}, {"Bearer wrong", 401}, {"Bearer ", 401}, {"good-one", 200},
		{"Bearer good-one", 200}, {"FlyV1 good-one", 200}, {"bearer FLYV1 good-one", 200},
		{"FlyV1 fm2_aaa, good-one", 200}, {"FlyV1 fm2_aaa,fm2_bbb", 401},
	};
	size_t i;
	cJSON *j = NULL;

	(void)state;
	mock_start(&m, 0, "--token", "good-one", "--rate-limit", "off", NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		req(&m, "/v1/apps/web-clean", cases[i].auth, NULL, NULL, &r);
		assert_int_equal(r.status, cases[i].status);
		if (r.status == 401)
			assert_string_equal(r.body.data, "{\"error\":\"invalid token\"}");
		fa_buf_release(&r.body);
	}
	/* GraphQL: a bad token is an HTTP 200 with an UNAUTHORIZED error. */
	req(&m, "/graphql", "Bearer wrong", "{\"query\":\"{ app(name: \\\"web-clean\\\") { id } }\"}",
	    NULL, &r);
	assert_int_equal(r.status, 200);
	j = json_of(&r);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "data")));
	assert_non_null(strstr(r.body.data, "\"code\":\"UNAUTHORIZED\""));
	cJSON_Delete(j);
	fa_buf_release(&r.body);
	mock_stop(&m);
}

static void test_rest_shapes(void **state)
{
	struct mock m;
	struct reply r;
	cJSON *j = NULL;
	const cJSON *it = NULL;
	const cJSON *ap = NULL;

	(void)state;
	mock_start(&m, 0, "--rate-limit", "off", NULL);
	get(&m, "/v1/apps?org_slug=demo", &r);
	j = json_of(&r);
	ap = cJSON_GetObjectItemCaseSensitive(j, "apps");
	assert_int_equal(cJSON_GetArraySize(ap), 16);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "total_apps")->valueint, 16);
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 200);
	j = json_of(&r);
	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/api-clean/machines", &r);
	assert_non_null(strstr(r.body.data, "\"suspend\""));
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/plain-volumes/volumes", &r);
	j = json_of(&r);
	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 3);
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/leaky-env/secrets", &r);
	j = json_of(&r);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "secrets"))
		assert_false(cJSON_HasObjectItem(it, "value"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "secrets")), 2);
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/leaky-env/secrets?show_secrets=true", &r);
	assert_int_equal(r.status, 403);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/api-clean/ip_assignments", &r);
	assert_non_null(strstr(r.body.data, "\"ips\""));
	assert_null(strstr(r.body.data, "\"type\""));
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/no-such-app/machines", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body.data, "{\"error\":\"app not found\"}");
	fa_buf_release(&r.body);

	get(&m, "/v1/apps?org_slug=other", &r);
	assert_int_equal(r.status, 404);
	fa_buf_release(&r.body);

	get(&m, "/v1/nothing/here", &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body.data, "404 page not found\n");
	assert_non_null(strstr(r.ctype, "text/plain"));
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/web-clean/machines/nope", &r);
	assert_int_equal(r.status, 404);
	fa_buf_release(&r.body);
	mock_stop(&m);
}

/* Follows next_cursor over cert-pending's 30 certificates with the given limit. */
static void walk_certs(const struct mock *m, int limit, int *pages, int *short_pages)
{
	char path[512];
	char cursor[256] = "";
	int seen = 0;
	CURL *esc = curl_easy_init();

	*pages = 0;
	*short_pages = 0;
	assert_non_null(esc);
	for (;;) {
		struct reply r;
		cJSON *j = NULL;
		const cJSON *next = NULL;
		int n;
		int len = limit > 0 ? snprintf(path, sizeof path, "/v1/apps/cert-pending/certificates?limit=%d", limit)
				    : snprintf(path, sizeof path, "/v1/apps/cert-pending/certificates?x=1");
		if (cursor[0] != '\0') {
			char *e = curl_easy_escape(esc, cursor, 0);
			snprintf(path + len, sizeof path - (size_t)len, "&cursor=%s", e);
			curl_free(e);
		}
		get(m, path, &r);
		assert_int_equal(r.status, 200);
		j = json_of(&r);
		n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "certificates"));
		assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "total_count")->valueint, 30);
		next = cJSON_GetObjectItemCaseSensitive(j, "next_cursor");
		assert_true(cJSON_IsString(next));
		seen += n;
		(*pages)++;
		if (next->valuestring[0] != '\0' && n < (limit > 0 ? limit : 25))
			(*short_pages)++;
		snprintf(cursor, sizeof cursor, "%s", next->valuestring);
		cJSON_Delete(j);
		fa_buf_release(&r.body);
		if (cursor[0] == '\0' || *pages > 40)
			break;
	}
	curl_easy_cleanup(esc);
	assert_int_equal(seen, 30);
}

static void test_cert_paging(void **state)
{
	struct mock m;
	struct reply r;
	int pages = 0;
	int short_pages = 0;

	(void)state;
	mock_start(&m, 0, "--rate-limit", "off", NULL);
	walk_certs(&m, 0, &pages, &short_pages);
	assert_int_equal(pages, 2);
	assert_int_equal(short_pages, 1); /* 23 items, next_cursor still set */
	walk_certs(&m, 7, &pages, &short_pages);
	assert_true(pages >= 5);
	walk_certs(&m, 500, &pages, &short_pages);
	assert_int_equal(pages, 1);
	get(&m, "/v1/apps/cert-pending/certificates?cursor=garbage!", &r);
	assert_int_equal(r.status, 400);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/certificates", &r);
	assert_non_null(strstr(r.body.data, "\"next_cursor\":\"\""));
	assert_non_null(strstr(r.body.data, "\"total_count\":1"));
	fa_buf_release(&r.body);
	mock_stop(&m);
}

static void test_graphql(void **state)
{
	struct mock m;
	struct reply r;
	cJSON *j = NULL;
	const cJSON *data = NULL;
	const cJSON *errs = NULL;
	const cJSON *e0 = NULL;

	(void)state;
	mock_start(&m, 0, NULL);
	req(&m, "/graphql", "FlyV1 tok",
	    "{\"query\":\"query { a0: app(name: \\\"web-clean\\\") { limitedAccessTokens { nodes { id name expiresAt } } }"
	    " a1: app(name: \\\"missing-app\\\") { limitedAccessTokens { nodes { id } } }"
	    " a2: app(name: \\\"leaky-env\\\") { limitedAccessTokens { nodes { id } } } }\"}",
	    NULL, &r);
	assert_int_equal(r.status, 200);
	j = json_of(&r);
	data = cJSON_GetObjectItemCaseSensitive(j, "data");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(data, "a0"), "limitedAccessTokens"),
		"nodes")), 1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(data, "a1")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(data, "a2"), "limitedAccessTokens"),
		"nodes")), 0);
	errs = cJSON_GetObjectItemCaseSensitive(j, "errors");
	assert_int_equal(cJSON_GetArraySize(errs), 1);
	e0 = cJSON_GetArrayItem(errs, 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(e0, "message")->valuestring, "Could not find App");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e0, "path"), 0)->valuestring, "a1");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e0, "extensions"),
							     "code")->valuestring, "NOT_FOUND");
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	/* variables, and the organization query */
	req(&m, "/graphql", "Bearer tok",
	    "{\"query\":\"query($appName: String!) { app(name: $appName) { limitedAccessTokens { nodes { id } } } }\","
	    "\"variables\":{\"appName\":\"api-clean\"}}",
	    NULL, &r);
	assert_non_null(strstr(r.body.data, "2027-03-01"));
	assert_null(strstr(r.body.data, "errors"));
	fa_buf_release(&r.body);
	req(&m, "/graphql", "Bearer tok",
	    "{\"query\":\"query($slug: String!) { organization(slug: $slug) { limitedAccessTokens { nodes { id name revokedAt } } } }\","
	    "\"variables\":{\"slug\":\"demo\"}}",
	    NULL, &r);
	j = json_of(&r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "data"), "organization"),
		"limitedAccessTokens"), "nodes")), 5);
	cJSON_Delete(j);
	fa_buf_release(&r.body);
	req(&m, "/graphql", "Bearer tok",
	    "{\"query\":\"{ organization(slug: \\\"acme\\\") { id } }\"}", NULL, &r);
	assert_non_null(strstr(r.body.data, "NOT_FOUND"));
	fa_buf_release(&r.body);
	mock_stop(&m);
}

static void test_faults(void **state)
{
	struct mock m;
	struct reply r;
	cJSON *j = NULL;
	double t0;

	(void)state;
	mock_start(&m, 0, "--rate-limit", "off",
		   "--fault", "429:7,path=/apps/web-clean/machines,first=1",
		   "--fault", "429date:30,path=/apps/api-clean/machines,first=1",
		   "--fault", "429,path=/apps/api-clean/volumes,first=1",
		   "--fault", "500,path=/apps/leaky-env/machines",
		   "--fault", "502,path=/apps/public-db/machines",
		   "--fault", "503,path=/apps/idle-ip/machines",
		   "--fault", "504,path=/apps/http-only/machines",
		   "--fault", "reset,path=/apps/cert-pending/machines",
		   "--fault", "truncate,path=/apps/root-runner/machines",
		   "--fault", "malformed,path=/apps/no-health/machines",
		   "--fault", "wrongtypes,path=/apps/sick-app/machines",
		   "--fault", "oversize:100000,path=/apps/always-on/machines",
		   "--fault", "slow:300,path=/apps/plain-volumes/machines",
		   "--fault", "400missing,path=/apps/drifted/machines",
		   "--fault", "500,path=/apps/web-clean/volumes,every=2", NULL);

	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.retry_after, "7");
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 200); /* first=1 */
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/api-clean/machines", &r);
	assert_int_equal(r.status, 429);
	assert_non_null(strstr(r.retry_after, " GMT"));
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/api-clean/volumes", &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.retry_after, "");
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/leaky-env/machines", &r);
	assert_int_equal(r.status, 500);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/public-db/machines", &r);
	assert_int_equal(r.status, 502);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/idle-ip/machines", &r);
	assert_int_equal(r.status, 503);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/http-only/machines", &r);
	assert_int_equal(r.status, 504);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/idle-ip/volumes", &r); /* path= limits the fault */
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/cert-pending/machines", &r);
	assert_int_not_equal(r.cc, CURLE_OK);
	assert_int_equal(r.status, 0);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/root-runner/machines", &r);
	assert_int_not_equal(r.cc, CURLE_OK);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/no-health/machines", &r);
	assert_int_equal(r.status, 200);
	assert_null(cJSON_ParseWithLength(r.body.data, r.body.len));
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/sick-app/machines", &r);
	assert_int_equal(r.status, 200);
	j = json_of(&r);
	assert_true(cJSON_IsArray(j));
	assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "id")));
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/always-on/machines", &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body.len, 100000);
	j = json_of(&r);
	cJSON_Delete(j);
	fa_buf_release(&r.body);

	t0 = now_s();
	get(&m, "/v1/apps/plain-volumes/machines", &r);
	assert_int_equal(r.status, 200);
	assert_true(now_s() - t0 >= 0.29);
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/drifted/machines", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body.data, "{\"error\":\"could not find app\"}");
	fa_buf_release(&r.body);

	get(&m, "/v1/apps/web-clean/volumes", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/volumes", &r);
	assert_int_equal(r.status, 500); /* every=2 */
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/volumes", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	mock_stop(&m);
}

static void test_revoke_after(void **state)
{
	struct mock m;
	struct reply r;

	(void)state;
	mock_start(&m, 0, "--revoke-after", "2", "--rate-limit", "off", NULL);
	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/volumes", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/secrets", &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.body.data, "{\"error\":\"invalid token\"}");
	fa_buf_release(&r.body);
	req(&m, "/graphql", "Bearer test-token", "{\"query\":\"{ app(name: \\\"web-clean\\\") { id } }\"}",
	    NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.data, "UNAUTHORIZED"));
	fa_buf_release(&r.body);
	mock_stop(&m);
}

static void test_rate_limit(void **state)
{
	struct mock m;
	struct reply r;
	int i;

	(void)state;
	mock_start(&m, 0, NULL); /* default: on, 1/s burst 3 per (app, action) */
	for (i = 0; i < 3; i++) {
		get(&m, "/v1/apps/web-clean/machines", &r);
		assert_int_equal(r.status, 200);
		fa_buf_release(&r.body);
	}
	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.retry_after, "1");
	assert_string_equal(r.body.data, "{\"error\":\"rate limit exceeded\"}");
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/api-clean/machines", &r); /* another app: its own bucket */
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/web-clean/volumes", &r); /* another action */
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	assert_int_equal(stat_of(&m, "rate_limited"), 1);
	usleep(1100 * 1000);
	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	mock_stop(&m);

	mock_start(&m, 0, "--rate-limit", "off", "--global-rate", "2", NULL);
	get(&m, "/v1/apps/web-clean/machines", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/api-clean/machines", &r);
	assert_int_equal(r.status, 200);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/leaky-env/machines", &r);
	assert_int_equal(r.status, 429);
	assert_string_equal(r.retry_after, "1");
	fa_buf_release(&r.body);
	mock_stop(&m);
}

struct par {
	const struct mock *m;
	long status;
};

static void *par_get(void *arg)
{
	struct par *p = arg;
	struct reply r;

	get(p->m, "/v1/apps/web-clean/machines", &r);
	p->status = r.status;
	fa_buf_release(&r.body);
	return NULL;
}

static void test_latency_is_concurrent(void **state)
{
	struct mock m;
	pthread_t th[32];
	struct par p[32];
	double t0;
	double elapsed;
	struct reply r;
	cJSON *j = NULL;
	int i;

	(void)state;
	mock_start(&m, 1, "--latency", "300", "--rate-limit", "off", NULL);
	t0 = now_s();
	for (i = 0; i < 32; i++) {
		p[i].m = &m;
		p[i].status = 0;
		assert_int_equal(pthread_create(&th[i], NULL, par_get, &p[i]), 0);
	}
	for (i = 0; i < 32; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].status, 200);
	}
	elapsed = now_s() - t0;
	assert_true(elapsed >= 0.29);
	assert_true(elapsed < 4.0); /* serialised would be 32 x 0.3 = 9.6 s */
	assert_true(stat_of(&m, "peak_in_flight") >= 8);
	req(&m, "/__mock/stats", NULL, NULL, NULL, &r);
	j = json_of(&r);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(j, "requests")->valueint, 32);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "status"),
							  "200")->valueint, 32);
	assert_true(cJSON_GetObjectItemCaseSensitive(j, "connections")->valueint >= 32);
	cJSON_Delete(j);
	fa_buf_release(&r.body);
	/* in_flight drops when MHD reports completion, just after the client has its answer */
	for (i = 0; i < 50 && stat_of(&m, "in_flight") != 0; i++)
		usleep(20 * 1000);
	assert_int_equal(stat_of(&m, "in_flight"), 0);
	mock_stop(&m);
}

static void test_synthetic(void **state)
{
	struct mock m;
	struct reply r;
	cJSON *j = NULL;
	int i;

	(void)state;
	mock_start(&m, 0, "--synthetic", "50", "--rate-limit", "off", NULL);
	get(&m, "/v1/apps?org_slug=synth", &r);
	j = json_of(&r);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "apps")), 50);
	cJSON_Delete(j);
	fa_buf_release(&r.body);
	for (i = 1; i <= 50; i += 7) {
		char path[128];
		static const char *const sub[] = {"machines", "volumes", "secrets", "ip_assignments", "certificates", ""};
		size_t k;
		for (k = 0; k < sizeof sub / sizeof sub[0]; k++) {
			snprintf(path, sizeof path, "/v1/apps/app-%05d%s%s", i, sub[k][0] ? "/" : "", sub[k]);
			get(&m, path, &r);
			assert_int_equal(r.status, 200);
			j = json_of(&r);
			if (k < 2)
				assert_true(cJSON_IsArray(j));
			cJSON_Delete(j);
			fa_buf_release(&r.body);
		}
	}
	get(&m, "/v1/apps/app-00051/machines", &r);
	assert_int_equal(r.status, 404);
	fa_buf_release(&r.body);
	get(&m, "/v1/apps/app-00003/machines", &r);
	{
		/* deterministic: the same body twice */
		struct reply r2;
		get(&m, "/v1/apps/app-00003/machines", &r2);
		assert_int_equal(r.body.len, r2.body.len);
		assert_memory_equal(r.body.data, r2.body.data, r.body.len);
		fa_buf_release(&r2.body);
	}
	fa_buf_release(&r.body);
	mock_stop(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_line_and_tls),
		cmocka_unit_test(test_token_check),
		cmocka_unit_test(test_rest_shapes),
		cmocka_unit_test(test_cert_paging),
		cmocka_unit_test(test_graphql),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_revoke_after),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_latency_is_concurrent),
		cmocka_unit_test(test_synthetic),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
