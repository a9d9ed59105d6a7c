/* test_hostile.c: the real binary against a Fly API gone wrong and against hostile local
 * files (issue 15). flymock's --body answers one path with a file's bytes as they are, its
 * echoauth faults copy the Authorization header into error bodies. Each case asserts the
 * contract: no pass for what did not load (exit 3 and a coverage line), no token anywhere,
 * no target clobbered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sys/resource.h>
#include <sys/time.h>

#include "harness.h"

#define TOKEN "fm2_HOSTILEhostileHOSTILE0123456789abcdefQQ"
#define FIX "mocks/fixtures/demo"

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	fclose(f);
}

/* A scratch file holding `text`; its path is returned (static ring of 8). */
static const char *scratch(const char *name, const char *text)
{
	static char paths[8][400];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, 400, "%s/%s", tmpdir, name);
	put_file(p, text);
	return p;
}

/* A fixture with the first `from` replaced by `to` (malloc'd). */
static char *fixture_with(const char *fixture, const char *from, const char *to)
{
	char path[400];
	char *text = NULL, *at = NULL, *out = NULL;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", FIX, fixture);
	text = slurp(path);
	assert_non_null(text);
	at = strstr(text, from);
	assert_non_null(at);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	return out;
}

static const char *mock_token = TOKEN;

/* Starts flymock answering `path` (PATH[@CURSOR]) with `body`, and a second pair when
 * path2 is not NULL. */
static void mock_with_bodies(mock *m, const char *path, const char *body, const char *path2,
			     const char *body2)
{
	static char spec[2][600];
	const char *extra[6];
	size_t n = 0;

	snprintf(spec[0], sizeof(spec[0]), "%s=%s", path, scratch("body1.json", body));
	extra[n++] = "--body";
	extra[n++] = spec[0];
	if (path2) {
		snprintf(spec[1], sizeof(spec[1]), "%s=%s", path2, scratch("body2.json", body2));
		extra[n++] = "--body";
		extra[n++] = spec[1];
	}
	extra[n] = NULL;
	mock_start(m, mock_token, extra);
}

/* audit --format json of the whole org (or of `app`), stdout in r. */
static void audit_json(run *r, const mock *m, const char *app)
{
	const char *whole[] = { "--org", "demo", "audit", "--format", "json", NULL };
	const char *one[] = { "--org", "demo", "--app", app, "audit", "--format", "json", NULL };

	fa_run(r, m->url, TOKEN, ca_path, app ? one : whole);
}

/* ---- silent passes ---------------------------------------------------------------------- */

static void test_duplicate_key_is_malformed(void **state)
{
	mock m;
	run r;
	/* cJSON keeps the first "config": an empty one would hide the credential in env */
	char *body = fixture_with("apps/leaky-env/machines.json", "\"config\": {",
				  "\"config\": {\"image\": \"x\"}, \"config\": {");

	(void)state;
	mock_with_bodies(&m, "/v1/apps/leaky-env/machines", body, NULL, NULL);
	audit_json(&r, &m, "leaky-env");
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "the key \\\"config\\\" twice"));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

static void test_nul_in_app_name(void **state)
{
	mock m;
	run r;
	char *body = fixture_with("apps.json", "\"name\": \"web-clean\"", "\"name\": \"web-clean\\u0000../../evil\"");

	(void)state;
	mock_with_bodies(&m, "/v1/apps", body, NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "escaped NUL"));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

static void test_apps_null_with_total(void **state)
{
	mock m;
	run r;

	(void)state;
	mock_with_bodies(&m, "/v1/apps", "{\"apps\": null, \"total_apps\": 11}", NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "the list has 0 apps where total_apps says 11"));
	run_free(&r);
	mock_stop(&m);
}

static void test_apps_shorter_than_total(void **state)
{
	mock m;
	run r;
	char *body = fixture_with("apps.json", "\"total_apps\": 16", "\"total_apps\": 17");

	(void)state;
	mock_with_bodies(&m, "/v1/apps", body, NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "the list has 16 apps where total_apps says 17"));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

/* The demo list cut in two pages after the 7th app ("always-on"). */
static void two_pages(char **p1, char **p2, const char *cursor2)
{
	char *whole = NULL, *cut = NULL;
	char tail[200];

	whole = fixture_with("apps.json", "\"total_apps\": 16", "\"total_apps\": 16, \"next_cursor\": \"c2\"");
	cut = strstr(whole, "  {\n   \"id\": \"");
	/* the 8th element starts page 2 */
	for (int i = 0; i < 7 && cut; i++)
		cut = strstr(cut + 1, "  {\n   \"id\": \"");
	assert_non_null(cut);
	snprintf(tail, sizeof(tail), "{\"total_apps\": 16, %s%s%s \"apps\": [\n", cursor2 ? "\"next_cursor\": \"" : "",
		 cursor2 ? cursor2 : "", cursor2 ? "\"," : "");
	*p2 = malloc(strlen(tail) + strlen(cut) + 1);
	assert_non_null(*p2);
	strcpy(*p2, tail);
	strcat(*p2, cut);
	/* page 1: up to the comma before the 8th element */
	while (cut > whole && cut[-1] != ',')
		cut--;
	cut[-1] = '\0';
	*p1 = malloc(strlen(whole) + 8);
	assert_non_null(*p1);
	strcpy(*p1, whole);
	strcat(*p1, "\n]}\n");
	free(whole);
}

static void test_apps_pages_followed(void **state)
{
	mock m;
	run r;
	char *p1 = NULL, *p2 = NULL;

	(void)state;
	two_pages(&p1, &p2, NULL);
	mock_with_bodies(&m, "/v1/apps", p1, "/v1/apps@c2", p2);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 1); /* the demo's findings; every app read */
	assert_non_null(strstr(r.out, "\"web-clean\""));
	assert_non_null(strstr(r.out, "\"unreachable-host\""));
	assert_null(strstr(r.out, "total_apps"));
	run_free(&r);
	mock_stop(&m);
	free(p1);
	free(p2);
}

static void test_apps_repeated_cursor(void **state)
{
	mock m;
	run r;
	char *p1 = NULL, *p2 = NULL;

	(void)state;
	two_pages(&p1, &p2, "c2");
	mock_with_bodies(&m, "/v1/apps", p1, "/v1/apps@c2", p2);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "repeats its cursor"));
	run_free(&r);
	mock_stop(&m);
	free(p1);
	free(p2);
}

static void test_app_listed_twice(void **state)
{
	mock m;
	run r;
	char *body = fixture_with("apps.json", "\"name\": \"api-clean\"", "\"name\": \"web-clean\"");

	(void)state;
	mock_with_bodies(&m, "/v1/apps", body, NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "app web-clean is listed twice"));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

static void test_app_of_another_org(void **state)
{
	mock m;
	run r;
	char *body = fixture_with("apps.json", "\"slug\": \"demo\"", "\"slug\": \"evil\"");

	(void)state;
	mock_with_bodies(&m, "/v1/apps", body, NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "app web-clean is listed with organization evil, not demo"));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

static void test_app_name_not_fly(void **state)
{
	mock m;
	run r;
	char big[400];
	char name[300];
	char *body = NULL;

	(void)state;
	memset(name, 'a', 299);
	name[299] = '\0';
	snprintf(big, sizeof(big), "\"name\": \"%s\"", name);
	body = fixture_with("apps.json", "\"name\": \"web-clean\"", big);
	mock_with_bodies(&m, "/v1/apps", body, NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "not a Fly app name"));
	assert_null(strstr(r.out, name));
	assert_null(strstr(r.err, name));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

/* The same rule for names given on the command line: a usage error, no request. */
static void test_app_name_argument_not_fly(void **state)
{
	run r;
	static char big[100000]; /* one argument may hold at most 128 KiB */
	const char *a1[] = { "--org", "demo", "--app", big, "audit", NULL };
	const char *a2[] = { "machines", "../../evil", NULL };

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	fa_run(&r, "https://127.0.0.1:9", TOKEN, ca_path, a1);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "Fly app name"));
	assert_true(strlen(r.err) < 400);
	run_free(&r);
	fa_run(&r, "https://127.0.0.1:9", TOKEN, ca_path, a2);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "not a Fly app name"));
	run_free(&r);
}

static void test_truncated_list_said_once(void **state)
{
	mock m;
	run r;
	char *body = fixture_with("apps.json", "\"name\": \"http-only\"", "\"name\": \"http-only\"}]");
	char *cut = NULL;

	(void)state;
	cut = strstr(body, "}]");
	cut[2] = '\0'; /* ends inside the object: truncated after 5 apps */
	cut[0] = ' ';
	cut[1] = ' ';
	mock_with_bodies(&m, "/v1/apps", body, NULL, NULL);
	audit_json(&r, &m, NULL);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.out, "truncated JSON (after 5 apps)"));
	assert_null(strstr(r.out, "(after 5 apps) (after"));
	run_free(&r);
	mock_stop(&m);
	free(body);
}

/* One page of org tokens whose next cursor is "X", whatever cursor asked for it. */
#define TOKEN_PAGE_X(revoked)                                                                    \
	"{\"data\":{\"organization\":{\"limitedAccessTokens\":{\"nodes\":[{\"id\":\"tok-one\","  \
	"\"name\":\"deploy\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"expiresAt\":\"2046-01-01T00:00:00Z\"," \
	"\"revokedAt\":" revoked ",\"profile\":\"deploy\",\"user\":null}],"                      \
	"\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"X\"}}}}}"

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (; (hay = strstr(hay, needle)) != NULL; hay++)
		n++;
	return n;
}

static void test_org_tokens_repeated_cursor(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "tokens", "--json", NULL };

	(void)state;
	mock_with_bodies(&m, "/graphql", TOKEN_PAGE_X("null"), NULL, NULL);
	fa_run(&r, m.url, TOKEN, ca_path, a);
	assert_int_equal(r.code, 3);
	assert_true(count(r.out, "tok-one") <= 1);
	assert_non_null(strstr(r.err, "repeated a cursor"));
	run_free(&r);
	mock_stop(&m);
}

/* revokedAt "" read as "not revoked" made a revoked token live; "soon" dropped one */
static void test_token_dates_malformed(void **state)
{
	static const char *const bad[] = { "\"\"", "\"yesterday\"", "17", "\"2026-13-01T00:00:00Z\"" };
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "tokens", "--json", NULL };
	char body[1024];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(body, sizeof(body),
			 "{\"data\":{\"organization\":{\"limitedAccessTokens\":{\"nodes\":[{\"id\":\"tok-one\","
			 "\"name\":\"deploy\",\"createdAt\":\"2026-01-01T00:00:00Z\",\"expiresAt\":\"2046-01-01T00:00:00Z\","
			 "\"revokedAt\":%s,\"profile\":\"deploy\",\"user\":null}],"
			 "\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":null}}}}}",
			 bad[i]);
		mock_with_bodies(&m, "/graphql", body, NULL, NULL);
		fa_run(&r, m.url, TOKEN, ca_path, a);
		if (r.code != 3 || !strstr(r.err, "revokedAt that is not an RFC 3339 time"))
			fail_msg("revokedAt %s: exit %d, %s", bad[i], r.code, r.err);
		run_free(&r);
		mock_stop(&m);
	}
}

/* ---- leaks ------------------------------------------------------------------------------- */

static void assert_no_secret(const run *r, const char *secret)
{
	if (strstr(r->out, secret) || strstr(r->err, secret))
		fail_msg("the token reached the output: %s%s", r->err, r->out);
}

static void assert_no_secret_in_dir(const char *secret)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "grep -r -l -F '%s' '%s' >/dev/null 2>&1", secret, tmpdir);
	assert_int_not_equal(system(cmd), 0);
}

/* A server that copies the Authorization header into its errors (JSON, HTML, GraphQL,
 * a 401) and into a resource's fields: the token reaches no output, report or snapshot. */
static void echo_run(const char *token, const char *secret)
{
	static char out1[400], out2[400], out3[400], snap[400];
	const char *faults[] = { "--fault", "echoauth,path=/volumes", "--fault", "echoauthhtml,path=/secrets",
				 "--fault", "echoauthgql,path=/graphql,every=2", NULL };
	const char *cmds[][12] = {
		{ "-v", "--org", "demo", "apps", NULL },
		{ "-v", "whoami", NULL },
		{ "-v", "volumes", "web-clean", NULL },
		{ "-v", "--org", "demo", "audit", "--format", "json", "-o", out1, NULL },
		{ "-v", "--org", "demo", "audit", "--format", "sarif", "-o", out2, NULL },
		{ "-v", "--org", "demo", "audit", "--format", "junit", "-o", out3, NULL },
		{ "-v", "--org", "demo", "snapshot", "-o", snap, NULL },
		{ "-v", "--org", "demo", "audit", NULL },
	};
	mock m;
	run r;
	size_t i;

	snprintf(out1, sizeof(out1), "%s/e.json", tmpdir);
	snprintf(out2, sizeof(out2), "%s/e.sarif", tmpdir);
	snprintf(out3, sizeof(out3), "%s/e.xml", tmpdir);
	snprintf(snap, sizeof(snap), "%s/e.jsonl", tmpdir);
	mock_start(&m, token, faults);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fa_run(&r, m.url, token, ca_path, cmds[i]);
		assert_no_secret(&r, secret);
		run_free(&r);
	}
	mock_stop(&m);
	assert_no_secret_in_dir(secret);
	/* a 401 that quotes the header: exit 2, and still nothing */
	{
		const char *f401[] = { "--fault", "echoauth401", NULL };
		const char *a[] = { "-v", "--org", "demo", "audit", NULL };

		mock_start(&m, token, f401);
		fa_run(&r, m.url, token, ca_path, a);
		assert_int_equal(r.code, 2);
		assert_no_secret(&r, secret);
		run_free(&r);
		mock_stop(&m);
	}
	/* the token inside a machine's fields */
	{
		char body[2048];
		const char *a[] = { "-v", "--json", "machines", "web-clean", NULL };

		snprintf(body, sizeof(body),
			 "[{\"id\": \"1f9fa147f4fab9\", \"name\": \"FlyV1 %s\", \"state\": \"started\", "
			 "\"region\": \"iad\", \"config\": {\"image\": \"x:%s\", \"metadata\": {\"k\": \"%s\"}}}]",
			 token, token, token);
		mock_token = token;
		mock_with_bodies(&m, "/v1/apps/web-clean/machines", body, NULL, NULL);
		mock_token = TOKEN;
		fa_run(&r, m.url, token, ca_path, a);
		assert_int_equal(r.code, 0);
		assert_non_null(strstr(r.out, "1f9fa147f4fab9"));
		assert_no_secret(&r, secret);
		run_free(&r);
		mock_stop(&m);
	}
}

static void test_echoed_token_scrubbed(void **state)
{
	(void)state;
	echo_run(TOKEN, "HOSTILEhostile");
}

/* A token without a Fly prefix (a Bearer token) is scrubbed as the registered secret. */
static void test_echoed_plain_token_scrubbed(void **state)
{
	(void)state;
	echo_run("PLAINsecretPLAINsecret0123456789", "PLAINsecret");
}

/* ---- terminal ----------------------------------------------------------------------------- */

/* ESC, OSC, BEL, CR, LF and U+202E from the API never reach the terminal raw. */
static void test_whoami_escapes_api_text(void **state)
{
	mock m;
	run r;
	const char *a[] = { "whoami", NULL };
	const char *body =
		"{\"tokens\": [{\"token_id\": \"t\", \"org_slug\": \"demo\\u001b[2J\\u001b]0;x\\u0007\","
		" \"organization\": \"Demo\", \"apps\": [], \"user\": \"a@b\\r0 failed\\n\\u202egnp.exe\"}]}";

	char mint[300], ro[512] = "";
	const char *mint_ro[] = { mint, "--mint-token", "readonly", NULL };

	(void)state;
	snprintf(mint, sizeof(mint), "%s/flymock", build_dir);
	run_cmd(&r, mint_ro, NULL);
	assert_int_equal(r.code, 0);
	memcpy(ro, r.out, strcspn(r.out, "\n") < sizeof(ro) - 1 ? strcspn(r.out, "\n") : sizeof(ro) - 1);
	run_free(&r);
	mock_token = ro;
	mock_with_bodies(&m, "/v1/tokens/current", body, NULL, NULL);
	mock_token = TOKEN;
	fa_run(&r, m.url, ro, ca_path, a);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "The API says: org demo?[2J?]0;x?"));
	assert_null(strchr(r.out, '\x1b'));
	assert_null(strchr(r.out, '\a'));
	assert_null(strchr(r.out, '\r'));
	assert_null(strstr(r.out, "\xe2\x80\xae")); /* U+202E */
	assert_null(strstr(r.out, "\n0 failed"));
	run_free(&r);
	mock_stop(&m);
}

/* ---- time and signals ------------------------------------------------------------------ */

static void test_max_time_writes_partial_report(void **state)
{
	const char *slow[] = { "--latency", "1500", NULL };
	mock m;
	run r;
	char out[400];
	const char *a[] = { "--org", "demo", "--max-time", "1", "audit", "--format", "json", "-o", out, NULL };
	char *text = NULL;

	(void)state;
	snprintf(out, sizeof(out), "%s/maxtime.json", tmpdir);
	unlink(out);
	mock_start(&m, TOKEN, slow);
	fa_run(&r, m.url, TOKEN, ca_path, a);
	assert_int_equal(r.code, 3);
	text = slurp(out);
	assert_non_null(text);
	assert_non_null(strstr(text, "stopped: the --max-time limit passed"));
	free(text);
	run_free(&r);
	mock_stop(&m);
}

/* flyaudit audit in the background against url; its pid. */
static pid_t spawn_audit(const char *url, const char *out)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		char bin[300], e1[300], e2[300], e3[300];
		int null = open("/dev/null", O_WRONLY);

		struct rlimit core = { 1 << 20, 1 << 20 };

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		(void)setrlimit(RLIMIT_CORE, &core); /* flyaudit itself must turn core dumps off */
		snprintf(bin, sizeof(bin), "%s/flyaudit", build_dir);
		snprintf(e1, sizeof(e1), "FLY_API_TOKEN=%s", TOKEN);
		snprintf(e2, sizeof(e2), "FLY_FLAPS_BASE_URL=%s", url);
		snprintf(e3, sizeof(e3), "FLY_API_BASE_URL=%s", url);
		putenv(e1);
		putenv(e2);
		putenv(e3);
		unsetenv("FLY_ACCESS_TOKEN");
		setenv("HOME", tmpdir, 1);
		execl(bin, bin, "--no-progress", "--ca-file", ca_path, "--org", "demo", "audit", "--format",
		      "json", "-o", out, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_code(pid_t pid, int seconds)
{
	int st = 0, i;

	for (i = 0; i < seconds * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void test_sigterm_writes_partial_report(void **state)
{
	const char *slow[] = { "--latency", "1500", NULL };
	mock m;
	char out[400];
	char *text = NULL;
	pid_t pid;

	(void)state;
	snprintf(out, sizeof(out), "%s/sigterm.json", tmpdir);
	unlink(out);
	mock_start(&m, TOKEN, slow);
	pid = spawn_audit(m.url, out);
	usleep(700000);
	{
		/* while it runs (the token in memory), core dumps are off: RLIMIT_CORE is 0 */
		char lim_path[64], lim[8192], *core = NULL;
		int fd;
		ssize_t got;

		snprintf(lim_path, sizeof(lim_path), "/proc/%d/limits", (int)pid);
		fd = open(lim_path, O_RDONLY); /* /proc files have no size: read, not slurp */
		if (fd >= 0) { /* Linux */
			got = read(fd, lim, sizeof(lim) - 1);
			close(fd);
			assert_true(got > 0);
			lim[got] = '\0';
			core = strstr(lim, "Max core file size");
			assert_non_null(core);
			core += strlen("Max core file size");
			while (*core == ' ')
				core++;
			assert_true(core[0] == '0' && core[1] == ' ');
		}
	}
	kill(pid, SIGTERM);
	assert_int_equal(wait_code(pid, 20), 3);
	text = slurp(out);
	assert_non_null(text);
	assert_non_null(strstr(text, "stopped: interrupted by a signal"));
	free(text);
	/* a second signal exits at once */
	unlink(out);
	pid = spawn_audit(m.url, out);
	usleep(700000);
	/* two different signals (the same one twice at once is delivered once); whichever is
	 * handled second exits at once with its status, without writing */
	kill(pid, SIGTERM);
	kill(pid, SIGINT);
	{
		int code = wait_code(pid, 5);

		assert_true(code == 128 + SIGINT || code == 128 + SIGTERM);
	}
	assert_null(slurp(out));
	mock_stop(&m);
}

/* ---- memory ------------------------------------------------------------------------------- */

/* A gzip bomb on every endpoint of a 3-app org: each 200 inflates to 31 MiB. Without a cap
 * on the bytes all responses in flight hold together, the ~18 concurrent responses would
 * take over 500 MiB; the audit must end partial (exit 3) under 256 MiB of peak RSS. About
 * 3 seconds. (make bench runs the same on 20 apps.) */
static void test_gzip_bomb_bounded_rss(void **state)
{
	const char *bomb[] = { "--synthetic", "3", "--fault", "gzipbomb,path=/machines", "--fault",
			       "gzipbomb,path=/volumes", "--fault", "gzipbomb,path=/secrets", "--fault",
			       "gzipbomb,path=/ips", "--fault", "gzipbomb,path=/certificates", "--fault",
			       "gzipbomb,path=/graphql", NULL };
	mock m;
	pid_t pid;
	int st = 0;
	struct rusage ru;

	(void)state;
	mock_start(&m, TOKEN, bomb);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char bin[300], e1[300], e2[300], e3[300];
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		snprintf(bin, sizeof(bin), "%s/flyaudit", build_dir);
		snprintf(e1, sizeof(e1), "FLY_API_TOKEN=%s", TOKEN);
		snprintf(e2, sizeof(e2), "FLY_FLAPS_BASE_URL=%s", m.url);
		snprintf(e3, sizeof(e3), "FLY_API_BASE_URL=%s", m.url);
		putenv(e1);
		putenv(e2);
		putenv(e3);
		setenv("HOME", tmpdir, 1);
		execl(bin, bin, "--no-progress", "--ca-file", ca_path, "--org", "synth", "audit", "--format", "json",
		      (char *)NULL);
		_exit(127);
	}
	memset(&ru, 0, sizeof(ru));
	assert_int_equal(wait4(pid, &st, 0, &ru), pid);
	mock_stop(&m);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
#if !defined(__SANITIZE_ADDRESS__)
	/* (under ASan the shadow memory and the quarantine of freed blocks make RSS no measure) */
	if (ru.ru_maxrss >= 256L * 1024) /* kB */
		fail_msg("peak RSS %ld kB under the gzip bomb", ru.ru_maxrss);
#endif
}

/* ---- local files ------------------------------------------------------------------------ */

static void test_token_file_fifo(void **state)
{
	run r;
	char fifo[400], bin[300];
	const char *argv[] = { "timeout", "20", bin, "--token-file", fifo, "whoami", NULL };

	(void)state;
	snprintf(bin, sizeof(bin), "%s/flyaudit", build_dir);
	snprintf(fifo, sizeof(fifo), "%s/token.fifo", tmpdir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	run_cmd(&r, argv, NULL);
	assert_int_equal(r.code, 2); /* not 124: timeout's code for a hang */
	assert_non_null(strstr(r.err, "is not a regular file"));
	run_free(&r);
	/* the same for ~/.fly/config.yml (HOME is the scratch folder) */
	{
		char dir[400], cfg[420];
		const char *argv2[] = { "timeout", "20", bin, "whoami", NULL };

		snprintf(dir, sizeof(dir), "%s/.fly", tmpdir);
		mkdir(dir, 0700);
		snprintf(cfg, sizeof(cfg), "%s/config.yml", dir);
		unlink(cfg);
		assert_int_equal(mkfifo(cfg, 0600), 0);
		run_cmd(&r, argv2, NULL);
		assert_int_equal(r.code, 2);
		assert_non_null(strstr(r.err, "is not a regular file"));
		run_free(&r);
		unlink(cfg);
	}
	unlink(fifo);
}

static void test_output_fifo_written_in_place(void **state)
{
	mock m;
	run r;
	char fifo[400], got[400];
	const char *a[] = { "--org", "demo", "--app", "web-clean", "--fail-on", "never", "audit", "--format", "json", "-o", fifo, NULL };
	struct stat st;
	pid_t reader;
	int status = 0;
	char *text = NULL;

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/report.fifo", tmpdir);
	snprintf(got, sizeof(got), "%s/fifo-read.json", tmpdir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	reader = fork();
	assert_true(reader >= 0);
	if (reader == 0) { /* reads the FIFO into a file, as a consumer would */
		int in, out;
		char buf[4096];
		ssize_t n;

		alarm(60); /* never outlives a failed test */
		in = open(fifo, O_RDONLY);
		out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		while (in >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(out, buf, (size_t)n) != n)
				break;
		_exit(0);
	}
	mock_start(&m, TOKEN, NULL);
	fa_run(&r, m.url, TOKEN, ca_path, a);
	assert_int_equal(lstat(fifo, &st), 0);
	assert_true(S_ISFIFO(st.st_mode)); /* not replaced by a regular file */
	if (r.code != 0 && r.code != 1) {  /* nothing wrote: let the reader go */
		int fd = open(fifo, O_WRONLY | O_NONBLOCK);

		if (fd >= 0)
			close(fd);
	}
	waitpid(reader, &status, 0);
	assert_int_equal(r.code, 0);
	text = slurp(got);
	assert_non_null(text);
	assert_non_null(strstr(text, "\"flyaudit.report/v1\""));
	free(text);
	run_free(&r);
	mock_stop(&m);
	unlink(fifo);
}

/* -o /dev/stdout as /dev/fd/1: the same descriptor through /proc, where a binary that
 * renames over the target fails harmlessly (over /dev/stdout, as root, it would replace
 * the system's link). */
static void test_output_to_dev_stdout(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "--app", "web-clean", "--fail-on", "never", "audit", "--format", "json", "-o", "/dev/fd/1", NULL };
	struct stat st;

	(void)state;
	assert_int_equal(lstat("/dev/stdout", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	mock_start(&m, TOKEN, NULL);
	fa_run(&r, m.url, TOKEN, ca_path, a);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "\"flyaudit.report/v1\""));
	run_free(&r);
	mock_stop(&m);
	{
		struct stat after;

		assert_int_equal(lstat("/dev/stdout", &after), 0);
		assert_int_equal(after.st_mode, st.st_mode);
		assert_int_equal(after.st_ino, st.st_ino);
	}
}

/* A symlink planted at the old fixed temporary name (FILE.tmp) is never followed. */
static void test_output_temp_symlink_not_followed(void **state)
{
	mock m;
	run r;
	char out[400], link[420], victim[400];
	const char *a[] = { "--org", "demo", "--app", "web-clean", "--fail-on", "never", "audit", "--format", "json", "-o", out, NULL };
	char *text = NULL;

	(void)state;
	snprintf(out, sizeof(out), "%s/report.json", tmpdir);
	snprintf(link, sizeof(link), "%s.tmp", out);
	snprintf(victim, sizeof(victim), "%s/victim", tmpdir);
	put_file(victim, "precious\n");
	unlink(link);
	assert_int_equal(symlink(victim, link), 0);
	mock_start(&m, TOKEN, NULL);
	fa_run(&r, m.url, TOKEN, ca_path, a);
	assert_int_equal(r.code, 0);
	text = slurp(victim);
	assert_string_equal(text, "precious\n");
	free(text);
	text = slurp(out);
	assert_non_null(strstr(text, "\"flyaudit.report/v1\""));
	free(text);
	run_free(&r);
	mock_stop(&m);
	unlink(link);
}

static void test_quiet_keeps_permission_warning(void **state)
{
	mock m;
	run r;
	char tf[400];
	const char *a[] = { "-q", "--org", "demo", "tokens", "--token-file", tf, NULL };

	(void)state;
	mock_start(&m, TOKEN, NULL);
	snprintf(tf, sizeof(tf), "%s/token-q", tmpdir);
	put_file(tf, "FlyV1 " TOKEN "\n");
	chmod(tf, 0644);
	fa_run(&r, m.url, NULL, ca_path, a);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.err, "readable by group or others"));
	run_free(&r);
	mock_stop(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duplicate_key_is_malformed),
		cmocka_unit_test(test_nul_in_app_name),
		cmocka_unit_test(test_apps_null_with_total),
		cmocka_unit_test(test_apps_shorter_than_total),
		cmocka_unit_test(test_apps_pages_followed),
		cmocka_unit_test(test_apps_repeated_cursor),
		cmocka_unit_test(test_app_listed_twice),
		cmocka_unit_test(test_app_of_another_org),
		cmocka_unit_test(test_app_name_not_fly),
		cmocka_unit_test(test_app_name_argument_not_fly),
		cmocka_unit_test(test_truncated_list_said_once),
		cmocka_unit_test(test_org_tokens_repeated_cursor),
		cmocka_unit_test(test_token_dates_malformed),
		cmocka_unit_test(test_echoed_token_scrubbed),
		cmocka_unit_test(test_echoed_plain_token_scrubbed),
		cmocka_unit_test(test_whoami_escapes_api_text),
		cmocka_unit_test(test_max_time_writes_partial_report),
		cmocka_unit_test(test_sigterm_writes_partial_report),
		cmocka_unit_test(test_gzip_bomb_bounded_rss),
		cmocka_unit_test(test_token_file_fifo),
		cmocka_unit_test(test_quiet_keeps_permission_warning),
		cmocka_unit_test(test_output_fifo_written_in_place),
		cmocka_unit_test(test_output_to_dev_stdout),
		cmocka_unit_test(test_output_temp_symlink_not_followed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
