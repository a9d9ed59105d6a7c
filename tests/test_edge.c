/* test_edge.c: the pure decisions of `audit --probe` (audit/checks/edge.c): which hostnames
 * are probed, the content signatures, the single-page-shell test, and every edge result on
 * failing, passing and unknown observations; and the prober's total cap (client/probe.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "checks_fixture.h"
#include "flyaudit/edge.h"
#include "flyaudit/net.h"
#include "../client/probe.h"

/* ---- signatures ------------------------------------------------------------------------ */

static const struct {
	size_t idx;
	const char *body;
	int want;
} sigs[] = {
	/* /.env */
	{0, "DATABASE_URL=postgres://u:p@h/db\nSECRET_KEY=abc\n", 1},
	{0, "# comment\nexport API_KEY=xyz\n\n", 1},
	{0, "FOO = bar\n", 1},
	{0, "<!doctype html><html><body>app</body></html>", 0},
	{0, "   <html>KEY=value</html>", 0},
	{0, "Not Found", 0},
	{0, "{\"KEY\":\"value\"}", 0},
	{0, "", 0},
	{0, "hello world\nthis is text\nA=1\n", 0}, /* one KEY=value line among three */
	/* /.git/config */
	{1, "[core]\n\trepositoryformatversion = 0\n\tbare = false\n", 1},
	{1, "<html>[core]</html>", 0},
	{1, "core = 1", 0},
	/* /.git/HEAD */
	{2, "ref: refs/heads/main\n", 1},
	{2, "3f786850e387550fdab836ed7e6dc881de23001b\n", 1},
	{2, "3f786850e387550fdab836ed7e6dc881de23001\n", 0}, /* 39 hex digits */
	{2, "<html>ref: refs/heads/main</html>", 0},
	{2, "ref: heads/main", 0},
	/* /config.json */
	{3, "{\"apiKey\": \"x\", \"db\": {\"host\": \"h\"}}\n", 1},
	{3, "{}", 0},
	{3, "[1,2]", 0},
	{3, "<html>{\"a\":1}</html>", 0},
	/* /.npmrc */
	{4, "//registry.npmjs.org/:_authToken=npm_abc\n", 1},
	{4, "registry=https://registry.npmjs.org/\n", 1},
	{4, "<html>_authToken</html>", 0},
	{4, "nothing here", 0},
	/* /server-status */
	{5, "Total Accesses: 12\nTotal kBytes: 3\nUptime: 5\n", 1},
	{5, "<html><title>Apache Server Status for h</title>", 0}, /* HTML: our rule says no */
	{5, "ok", 0},
	/* /actuator/env */
	{6, "{\"activeProfiles\":[],\"propertySources\":[]}", 1},
	{6, "{\"status\":\"UP\"}", 0},
	/* /debug/pprof/ */
	{7, "Types of profiles available:\nCount Profile\n", 1},
	{7, "/debug/pprof/goroutine?debug=1", 1},
	{7, "<html><body>Types of profiles available</body></html>", 0},
	{7, "profile", 0},
	/* out of range */
	{8, "KEY=value", 0},
};

static void test_signatures(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int got = fa_edge_signature(sigs[i].idx, sigs[i].body, strlen(sigs[i].body));

		if (got != sigs[i].want)
			fail_msg("signature %zu on \"%s\": got %d want %d", sigs[i].idx, sigs[i].body, got,
				 sigs[i].want);
	}
	/* a NUL byte: binary, never a match; a NULL body */
	assert_int_equal(fa_edge_signature(0, "KEY=val\0ue\n", 11), 0);
	assert_int_equal(fa_edge_signature(0, NULL, 4), 0);
	assert_int_equal(fa_edge_signature(1, "[core]", 0), 0);
}

static void test_host_ok(void **state)
{
	static const struct {
		const char *host;
		bool ok;
	} t[] = {
		{"web.fly.dev", true}, {"www.example.com", true}, {"a-b.c-d.example", true},
		{"*.example.com", false}, {"127.0.0.1", false}, {"localhost", false},
		{"::1", false}, {"[::1]", false}, {"ex ample.com", false}, {"ex_ample.com", false},
		{".example.com", false}, {"example.com.", false}, {"a..b", false},
		{"-a.example", false}, {"user@host.example", false}, {"host.example:443", false},
		{"host.example/path", false}, {"h\xc3\xa9.example", false}, {"", false},
	};
	char longlabel[80], longname[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (fa_edge_host_ok(t[i].host) != t[i].ok)
			fail_msg("host_ok(\"%s\") want %d", t[i].host, t[i].ok);
	assert_false(fa_edge_host_ok(NULL));
	memset(longlabel, 'a', 64);
	memcpy(longlabel + 64, ".example", 9);
	assert_false(fa_edge_host_ok(longlabel)); /* a 64-byte label */
	memset(longname, 'a', sizeof(longname));
	for (i = 10; i < sizeof(longname) - 1; i += 10)
		longname[i] = '.';
	longname[sizeof(longname) - 1] = '\0';
	assert_false(fa_edge_host_ok(longname)); /* over 253 */
}

/* ---- hostnames of an app ------------------------------------------------------------------ */

typedef struct hostlist {
	char names[16][256];
	int n;
	int fail_at; /* fn returns -1 on this call (0 = never) */
} hostlist;

static int collect(void *ud, const char *host)
{
	hostlist *h = ud;

	if (h->fail_at && h->n + 1 == h->fail_at)
		return -1;
	snprintf(h->names[h->n++], sizeof(h->names[0]), "%s", host);
	return 0;
}

static void test_hosts(void **state)
{
	fa_app a;
	fa_machine *m;
	hostlist h;

	(void)state;
	fx_app(&a, "Web");
	fx_machine(&a, "m1", "started");
	fx_cert(&a, "www.web.example", "active", FA_TRI_TRUE);
	fx_cert(&a, "WWW.web.example", "active", FA_TRI_TRUE);     /* duplicate, other case */
	fx_cert(&a, "web.fly.dev", "active", FA_TRI_TRUE);         /* the fly.dev name again */
	fx_cert(&a, "*.web.example", "active", FA_TRI_TRUE);       /* wildcard: not probed */
	fx_cert(&a, "new.web.example", "pending_validation", FA_TRI_FALSE); /* DNS not at Fly */
	fx_cert(&a, "maybe.web.example", "active", FA_TRI_UNKNOWN);
	fx_cert(&a, "api.web.example", "active", FA_TRI_TRUE);
	memset(&h, 0, sizeof(h));
	assert_int_equal(fa_edge_hosts(&a, collect, &h), 3);
	assert_string_equal(h.names[0], "web.fly.dev");
	assert_string_equal(h.names[1], "www.web.example");
	assert_string_equal(h.names[2], "api.web.example");
	memset(&h, 0, sizeof(h));
	h.fail_at = 2;
	assert_int_equal(fa_edge_hosts(&a, collect, &h), -1);
	fa_app_release(&a);

	/* no public HTTP or TLS service: nothing probed */
	fx_app(&a, "worker");
	m = fx_machine_bare(&a, "m1", "started");
	fx_port(fx_service(m, "tcp", 5432), 5432, FA_HANDLER_PG_TLS, FA_TRI_UNKNOWN);
	fx_cert(&a, "db.example", "active", FA_TRI_TRUE);
	memset(&h, 0, sizeof(h));
	assert_int_equal(fa_edge_hosts(&a, collect, &h), 0);
	assert_false(fa_edge_app_probed(&a));
	fa_app_release(&a);

	/* machines not loaded: not probed (the machine checks say unknown) */
	fx_app(&a, "down");
	fx_fail_load(&a, FA_EP_MACHINES, 500, "boom");
	assert_false(fa_edge_app_probed(&a));
	fa_app_release(&a);

	/* a TLS-only service (raw TCP behind Fly's TLS) is still probed */
	fx_app(&a, "tls");
	m = fx_machine_bare(&a, "m1", "started");
	fx_port(fx_service(m, "tcp", 8443), 443, FA_HANDLER_TLS, FA_TRI_UNKNOWN);
	assert_true(fa_edge_app_probed(&a));
	fa_app_release(&a);
}

/* ---- results ------------------------------------------------------------------------------ */

#define SHELL "<!doctype html><html><head><title>app</title></head><body><div id=root></div></body></html>"

static fa_edge_answer ans(long status, const char *body)
{
	fa_edge_answer a;

	memset(&a, 0, sizeof(a));
	a.outcome = FA_EDGE_ANSWER;
	a.status = status;
	a.body = body ? body : "";
	a.len = body ? strlen(body) : 0;
	return a;
}

static fa_edge_answer failed(fa_edge_outcome o, const char *err)
{
	fa_edge_answer a;

	memset(&a, 0, sizeof(a));
	a.outcome = o;
	a.error = err;
	a.body = "";
	return a;
}

/* A host that passes everything. */
static void clean_obs(fa_edge_obs *o)
{
	size_t i;

	memset(o, 0, sizeof(*o));
	o->app = "web";
	o->host = "web.fly.dev";
	o->probe_addr = "192.0.2.7";
	o->http_root = ans(301, NULL);
	o->http_root.location = "https://web.fly.dev/";
	o->https_root = ans(200, "<html>home</html>");
	o->https_root.hsts = "max-age=31536000; includeSubDomains";
	o->cert_expiry = (long long)FX_NOW + 60 * 86400;
	o->tls[0] = failed(FA_EDGE_TLS_REFUSED, "tlsv1 alert protocol version");
	o->tls[1] = failed(FA_EDGE_TLS_REFUSED, "tlsv1 alert protocol version");
	o->tls[2] = ans(200, NULL);
	o->tls[3] = ans(200, NULL);
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++)
		o->sensitive[i] = ans(404, "not found");
	for (i = 0; i < FA_EDGE_N_ADMIN; i++)
		o->admin[i] = ans(404, "not found");
}

static void run_edge(const fa_edge_obs *o, fa_results *rs)
{
	fa_audit_ctx c = fx_ctx(NULL);

	c.probe = true;
	fa_results_init(rs);
	assert_int_equal(fa_audit_edge(&c, o, rs), 0);
}

static void test_clean(void **state)
{
	fa_edge_obs o;
	fa_results rs;
	size_t i;

	(void)state;
	clean_obs(&o);
	run_edge(&o, &rs);
	assert_int_equal(rs.n, 6);
	for (i = 0; i < rs.n; i++) {
		assert_string_equal(rs.items[i].resource_type, "hostname");
		assert_string_equal(rs.items[i].app, "web");
		assert_string_equal(rs.items[i].org, "acme");
	}
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_PASS, "redirects to https (HTTP 301)");
	fx_expect(&rs, "edge.tls_legacy_accepted", "web.fly.dev", FA_STATUS_PASS, "TLS 1.2 accepted");
	fx_expect(&rs, "edge.hsts_missing", "web.fly.dev", FA_STATUS_PASS, "max-age=31536000");
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_PASS, "expires in 60 days");
	fx_expect(&rs, "edge.sensitive_path_exposed", "web.fly.dev", FA_STATUS_PASS, "none of 8");
	fx_expect(&rs, "network.admin_allowlist", "web.fly.dev", FA_STATUS_PASS, "192.0.2.7");
	fa_results_release(&rs);
	assert_int_equal(fa_audit_edge(NULL, &o, &rs), -1);
}

static void test_http(void **state)
{
	fa_edge_obs o;
	fa_results rs;

	(void)state;
	clean_obs(&o);
	o.http_root = ans(200, "<html>welcome</html>");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_FAIL, "answers HTTP 200 with 20 bytes");
	fa_results_release(&rs);

	o.http_root = ans(302, NULL);
	o.http_root.location = "http://web.fly.dev/login";
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_FAIL, "not to https");
	fa_results_release(&rs);

	o.http_root = ans(308, NULL); /* a redirect without Location */
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_FAIL, "(no Location)");
	fa_results_release(&rs);

	o.http_root = ans(404, "nope"); /* content (an error page) is still content */
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_FAIL, "HTTP 404");
	fa_results_release(&rs);

	o.http_root = failed(FA_EDGE_REFUSED, NULL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_PASS, "nothing answers");
	fa_results_release(&rs);

	o.http_root = failed(FA_EDGE_ERROR, "connect timed out after 10 s");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_UNKNOWN, "timed out");
	fa_results_release(&rs);

	o.http_root = failed(FA_EDGE_NOT_TRIED, NULL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.http_not_redirected", "web.fly.dev", FA_STATUS_UNKNOWN, "cap");
	fa_results_release(&rs);
}

static void test_tls(void **state)
{
	fa_edge_obs o;
	fa_results rs;

	(void)state;
	clean_obs(&o);
	o.tls[0] = ans(200, NULL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.tls_legacy_accepted", "web.fly.dev", FA_STATUS_FAIL, "TLS 1.0 handshake");
	fa_results_release(&rs);

	o.tls[0] = failed(FA_EDGE_TLS_REFUSED, NULL);
	o.tls[1] = failed(FA_EDGE_CERT_INVALID, "unable to get local issuer"); /* completed */
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.tls_legacy_accepted", "web.fly.dev", FA_STATUS_FAIL, "TLS 1.1 handshake");
	fa_results_release(&rs);

	o.tls[0] = ans(200, NULL);
	o.tls[1] = ans(200, NULL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.tls_legacy_accepted", "web.fly.dev", FA_STATUS_FAIL, "1.0 and a TLS 1.1");
	fa_results_release(&rs);

	/* the client could not offer TLS 1.0: no evidence, never a pass */
	o.tls[0] = failed(FA_EDGE_CLIENT_CANNOT, "no protocols available");
	o.tls[1] = failed(FA_EDGE_TLS_REFUSED, NULL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.tls_legacy_accepted", "web.fly.dev", FA_STATUS_UNKNOWN, "no protocols available");
	fa_results_release(&rs);

	o.tls[0] = failed(FA_EDGE_TLS_REFUSED, NULL);
	o.tls[1] = failed(FA_EDGE_ERROR, "connection reset");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.tls_legacy_accepted", "web.fly.dev", FA_STATUS_UNKNOWN, "TLS 1.1");
	fa_results_release(&rs);
}

static void test_hsts_and_cert(void **state)
{
	fa_edge_obs o;
	fa_results rs;

	(void)state;
	clean_obs(&o);
	o.https_root.hsts = NULL;
	o.cert_expiry = (long long)FX_NOW + 5 * 86400 + 3600;
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.hsts_missing", "web.fly.dev", FA_STATUS_FAIL, "without a Strict-Transport-Security");
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_FAIL, "expires in 5 day(s)");
	fa_results_release(&rs);

	o.https_root.hsts = "max-age=0";
	o.cert_expiry = (long long)FX_NOW - 10;
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.hsts_missing", "web.fly.dev", FA_STATUS_FAIL, "max-age=0 turns HSTS off");
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_FAIL, "has expired");
	fa_results_release(&rs);

	o.https_root.hsts = "includeSubDomains";
	o.cert_expiry = (long long)FX_NOW + 14 * 86400; /* exactly 14 days: not under */
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.hsts_missing", "web.fly.dev", FA_STATUS_FAIL, "without a valid max-age");
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_PASS, "14 days");
	fa_results_release(&rs);

	o.https_root.hsts = " max-age = \"600\" ";
	o.cert_expiry = 0; /* verified, but no expiry read */
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.hsts_missing", "web.fly.dev", FA_STATUS_PASS, "max-age=600");
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_UNKNOWN, "could not be read");
	fa_results_release(&rs);

	o.https_root = failed(FA_EDGE_CERT_INVALID, "certificate has expired");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_FAIL, "does not verify: certificate has expired");
	fx_expect(&rs, "edge.hsts_missing", "web.fly.dev", FA_STATUS_UNKNOWN, "no trusted answer");
	fa_results_release(&rs);

	o.https_root = failed(FA_EDGE_ERROR, "connection reset");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.certificate_expiring", "web.fly.dev", FA_STATUS_UNKNOWN, "connection reset");
	fa_results_release(&rs);
}

static void test_sensitive_and_admin(void **state)
{
	fa_edge_obs o;
	fa_results rs;
	size_t i;

	(void)state;
	/* a served .env and .git/HEAD fail; an open /admin fails, naming the address */
	clean_obs(&o);
	o.sensitive[0] = ans(200, "DB_PASSWORD=hunter2\nAPI_KEY=x\n");
	o.sensitive[2] = ans(200, "ref: refs/heads/main\n");
	o.sensitive[3] = ans(200, "<html>not json</html>"); /* a 200 with other content */
	o.admin[0] = ans(200, "<html>Admin panel</html>");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.sensitive_path_exposed", "web.fly.dev", FA_STATUS_FAIL, "serves /.env, /.git/HEAD with");
	fx_expect(&rs, "network.admin_allowlist", "web.fly.dev", FA_STATUS_FAIL, "/admin to the prober (from 192.0.2.7)");
	/* the message never carries the served content */
	assert_null(strstr(fx_get(&rs, "edge.sensitive_path_exposed", "web.fly.dev")->message, "hunter2"));
	fa_results_release(&rs);

	/* a single-page app answers every path with its shell: no false positive */
	clean_obs(&o);
	o.https_root = ans(200, SHELL);
	o.https_root.hsts = "max-age=600";
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++)
		o.sensitive[i] = ans(200, SHELL);
	for (i = 0; i < FA_EDGE_N_ADMIN; i++)
		o.admin[i] = ans(200, SHELL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.sensitive_path_exposed", "web.fly.dev", FA_STATUS_PASS, "none of 8");
	fx_expect(&rs, "network.admin_allowlist", "web.fly.dev", FA_STATUS_PASS, "app's own page");
	fa_results_release(&rs);

	/* a shell that merely resembles the root (same length, other bytes) is not the shell */
	o.admin[1] = ans(200, SHELL);
	{
		static char other[sizeof(SHELL)];

		memcpy(other, SHELL, sizeof(SHELL));
		other[20] = 'X';
		o.admin[1].body = other;
		assert_false(fa_edge_is_shell(&o.https_root, &o.admin[1]));
		assert_true(fa_edge_is_shell(&o.https_root, &o.admin[0]));
	}
	/* truncated bodies compare only when both are cut the same way */
	o.admin[0].truncated = true;
	assert_false(fa_edge_is_shell(&o.https_root, &o.admin[0]));
	o.admin[0].truncated = false;

	/* 401, 403 and a redirect to a login pass */
	clean_obs(&o);
	o.admin[0] = ans(401, "");
	o.admin[1] = ans(403, "forbidden");
	o.admin[2] = ans(302, "");
	o.admin[2].location = "/login";
	o.probe_addr = NULL;
	run_edge(&o, &rs);
	fx_expect(&rs, "network.admin_allowlist", "web.fly.dev", FA_STATUS_PASS, "an unknown address");
	fa_results_release(&rs);

	/* a path that could not be probed, nothing found: unknown */
	clean_obs(&o);
	o.sensitive[5] = failed(FA_EDGE_ERROR, "timed out after 30 s");
	o.admin[3] = failed(FA_EDGE_NOT_TRIED, NULL);
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.sensitive_path_exposed", "web.fly.dev", FA_STATUS_UNKNOWN, "/server-status (timed out");
	fx_expect(&rs, "network.admin_allowlist", "web.fly.dev", FA_STATUS_UNKNOWN, "/phpmyadmin/");
	fa_results_release(&rs);

	/* but a match found elsewhere still fails */
	o.sensitive[1] = ans(200, "[core]\n\tbare = false\n");
	o.admin[4] = ans(200, "{\"admin\":true}");
	run_edge(&o, &rs);
	fx_expect(&rs, "edge.sensitive_path_exposed", "web.fly.dev", FA_STATUS_FAIL, "/.git/config");
	fx_expect(&rs, "network.admin_allowlist", "web.fly.dev", FA_STATUS_FAIL, "/_admin");
	fa_results_release(&rs);
}

/* With --probe, the app-level manual result gives way to the per-hostname evidence. */
static void test_probe_replaces_manual(void **state)
{
	fa_audit_ctx c = fx_ctx(NULL);
	fa_results rs;
	fa_app a;

	(void)state;
	fx_app(&a, "web");
	fx_machine(&a, "m1", "started");
	c.probe = true;
	fa_results_init(&rs);
	assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
	assert_int_equal(fx_count(&rs, "network.admin_allowlist"), 0);
	assert_int_equal(fx_count(&rs, "edge.hsts_missing"), 0);
	fa_results_release(&rs);
	c.probe = false;
	fa_results_init(&rs);
	assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
	fx_expect(&rs, "network.admin_allowlist", "web", FA_STATUS_MANUAL, NULL);
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- the prober's total cap (client/probe.c) ------------------------------------------- */

typedef struct delivered {
	int n;
	char host[4][64];
	size_t results[4];
	size_t unknown[4];
	char coverage[4][300];
} delivered;

static void on_delivered(void *ud, const char *app, fa_results *rs, const char *coverage)
{
	delivered *d = ud;
	size_t i;

	assert_string_equal(app, "web");
	assert_true(d->n < 4);
	assert_true(rs->n > 0);
	snprintf(d->host[d->n], sizeof(d->host[0]), "%s", rs->items[0].resource_id);
	d->results[d->n] = rs->n;
	for (i = 0; i < rs->n; i++)
		if (rs->items[i].status == FA_STATUS_UNKNOWN)
			d->unknown[d->n]++;
	snprintf(d->coverage[d->n], sizeof(d->coverage[0]), "%s", coverage ? coverage : "");
	d->n++;
}

/* A cap of 20 requests: the first hostname is queued, the second is not probed at all and
 * comes back at once as six `unknown` results with a coverage line; a host whose probes
 * never ran (the run stopped) is delivered the same way when the prober is freed. */
static void test_probe_cap(void **state)
{
	fa_net_opts o;
	fa_net *n = NULL;
	fa_probe *p = NULL;
	delivered d;
	fa_app a;
	char err[256];
	fa_net_stats st;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.flaps_base = "https://127.0.0.1:9";
	o.graphql_base = "https://127.0.0.1:9";
	assert_int_equal(fa_net_new(&n, &o, err, sizeof(err)), 0);
	memset(&d, 0, sizeof(d));
	assert_int_equal(fa_probe_new(&p, n, "demo", FX_NOW, 20, on_delivered, &d), 0);
	fx_app(&a, "web");
	fx_machine(&a, "m1", "started");
	fx_cert(&a, "www.web.example", "active", FA_TRI_TRUE);
	assert_int_equal(fa_probe_app(p, &a), 0);
	fa_app_release(&a);
	assert_int_equal(fa_probe_hosts(p), 2);
	assert_int_equal(fa_probe_requests(p), 20);
	fa_net_get_stats(n, &st);
	assert_int_equal(st.queued, 20); /* nothing for the second host */
	assert_int_equal(d.n, 1);
	assert_string_equal(d.host[0], "www.web.example");
	assert_int_equal(d.results[0], 6);
	assert_int_equal(d.unknown[0], 6);
	assert_non_null(strstr(d.coverage[0], "20 of 20 requests gave no answer (not probed"));
	fa_probe_free(p); /* web.fly.dev never ran: unknown too */
	assert_int_equal(d.n, 2);
	assert_string_equal(d.host[1], "web.fly.dev");
	assert_int_equal(d.unknown[1], 6);
	fa_net_free(n);

	/* a stopped transport takes no probe: the host is delivered at once, unknown */
	n = NULL;
	assert_int_equal(fa_net_new(&n, &o, err, sizeof(err)), 0);
	fa_net_abort(n);
	memset(&d, 0, sizeof(d));
	assert_int_equal(fa_probe_new(&p, n, "demo", FX_NOW, 0, on_delivered, &d), 0);
	fx_app(&a, "web");
	fx_machine(&a, "m1", "started");
	assert_int_equal(fa_probe_app(p, &a), 0);
	fa_app_release(&a);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.host[0], "web.fly.dev");
	assert_int_equal(d.unknown[0], 6);
	assert_int_equal(fa_probe_requests(p), 0);
	fa_probe_free(p);
	assert_int_equal(d.n, 1);
	fa_net_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signatures),
		cmocka_unit_test(test_host_ok),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_hsts_and_cert),
		cmocka_unit_test(test_sensitive_and_admin),
		cmocka_unit_test(test_probe_replaces_manual),
		cmocka_unit_test(test_probe_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
