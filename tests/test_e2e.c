/* test_e2e.c: the real flyaudit binary against flymock over TLS with verification on:
 * the inventory views field for field against the mock's fixtures, exit codes, partial
 * runs, snapshots and --from, and a canary token that must never appear anywhere. */
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

static cJSON *load_fixture(const char *rel)
{
	char path[400];
	char *s;
	cJSON *j;

	snprintf(path, sizeof(path), FIX "/%s", rel);
	s = slurp(path);
	assert_non_null(s);
	j = cJSON_Parse(s);
	free(s);
	assert_non_null(j);
	return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void assert_same_str(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_version_and_help(void **state)
{
	run r;
	const char *v[] = { "version", NULL }, *h[] = { "audit", "--help", NULL };

	(void)state;
	fa_run(&r, NULL, NULL, NULL, v);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "flyaudit 0."));
	run_free(&r);
	fa_run(&r, NULL, NULL, NULL, h);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "usage: flyaudit [options] audit"));
	assert_non_null(strstr(r.out, "--fail-on"));
	run_free(&r);
}

static void test_usage_errors(void **state)
{
	run r;
	const char *a1[] = { "frobnicate", NULL }, *a2[] = { "audit", "--token", "x", NULL },
		   *a3[] = { "machines", NULL }, *a4[] = { "audit", "--fail-on", "severe", NULL };

	(void)state;
	fa_run(&r, NULL, NULL, NULL, a1);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "unknown command 'frobnicate'"));
	run_free(&r);
	fa_run(&r, NULL, NULL, NULL, a2);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "never taken on the command line"));
	run_free(&r);
	fa_run(&r, NULL, "tok", NULL, a3);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "usage: flyaudit machines APP"));
	run_free(&r);
	fa_run(&r, NULL, "tok", NULL, a4);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "--fail-on"));
	run_free(&r);
}

static void test_no_token(void **state)
{
	run r;
	const char *a[] = { "apps", NULL };

	(void)state;
	fa_run(&r, "https://127.0.0.1:1", NULL, NULL, a);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "FLY_API_TOKEN"));
	/* one line */
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	run_free(&r);
}

static void test_plain_http_refused(void **state)
{
	run r;
	const char *a[] = { "apps", NULL };

	(void)state;
	fa_run(&r, "http://example.com", "tok", NULL, a);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "FLY_FLAPS_BASE_URL"));
	run_free(&r);
}

static void test_token_file(void **state)
{
	mock m;
	run r;
	char tf[400], arg_tf[400];
	const char *a[] = { "--org", "demo", "tokens", "--token-file", arg_tf, NULL };
	FILE *f;

	(void)state;
	mock_start(&m, "fm2_filetoken0123456789abcdef", NULL);
	snprintf(tf, sizeof(tf), "%s/token", tmpdir);
	f = fopen(tf, "w");
	assert_non_null(f);
	fputs("FlyV1 fm2_filetoken0123456789abcdef\n", f);
	fclose(f);
	chmod(tf, 0644);
	snprintf(arg_tf, sizeof(arg_tf), "%s", tf);
	fa_run(&r, m.url, NULL, ca_path, a);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.err, "readable by group or others"));
	assert_non_null(strstr(r.out, "Org deploy token"));
	run_free(&r);
	chmod(tf, 0600);
	fa_run(&r, m.url, NULL, ca_path, a);
	assert_int_equal(r.code, 0);
	assert_null(strstr(r.err, "readable by group"));
	run_free(&r);
	mock_stop(&m);
}

static void test_tls_wrong_ca_fails(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "apps", NULL };

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", wrong_ca_path, a);
	assert_true(r.code == 2 || r.code == 3);
	assert_non_null(strstr(r.err, "certificate"));
	run_free(&r);
	/* and without any extra CA: the system store does not know the test CA */
	fa_run(&r, m.url, "tok", NULL, a);
	assert_true(r.code == 2 || r.code == 3);
	assert_non_null(strstr(r.err, "certificate"));
	run_free(&r);
	mock_stop(&m);
}

static void test_bad_token_exit_2(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "audit", NULL };

	(void)state;
	mock_start(&m, "right-token", NULL);
	fa_run(&r, m.url, "wrong-token", ca_path, a);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "refused"));
	assert_null(strstr(r.err, "wrong-token"));
	run_free(&r);
	mock_stop(&m);
}

static void test_org_from_token(void **state)
{
	mock m;
	run r;
	const char *a[] = { "tokens", "--json", NULL };

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a); /* no --org: GET /v1/tokens/current says "demo" */
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "Org deploy token"));
	run_free(&r);
	mock_stop(&m);
}

/* machines: every machine of the fixture, in order, with its main fields */
static void check_machines(const char *url, const char *app)
{
	run r;
	const char *a[] = { "machines", app, "--json", NULL };
	char rel[200];
	cJSON *fx, *got, *f, *g;
	int i = 0;

	fa_run(&r, url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	assert_non_null(got);
	snprintf(rel, sizeof(rel), "apps/%s/machines.json", app);
	fx = load_fixture(rel);
	assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(fx));
	cJSON_ArrayForEach(f, fx) {
		const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(f, "config");
		const cJSON *env = cJSON_GetObjectItemCaseSensitive(cfg, "env"), *e;

		g = cJSON_GetArrayItem(got, i++);
		assert_same_str(jstr(f, "id"), jstr(g, "id"));
		assert_same_str(jstr(f, "name"), jstr(g, "name"));
		assert_same_str(jstr(f, "state"), jstr(g, "state"));
		assert_same_str(jstr(f, "region"), jstr(g, "region"));
		assert_same_str(jstr(f, "instance_id"), jstr(g, "instance_id"));
		assert_same_str(jstr(f, "private_ip"), jstr(g, "private_ip"));
		if (cfg) {
			assert_same_str(jstr(cfg, "image"), jstr(g, "image"));
			assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(cfg, "services")),
					 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(g, "services")));
			/* env names and lengths are kept; values never */
			cJSON_ArrayForEach(e, env) {
				const cJSON *ge;
				int found = 0;

				cJSON_ArrayForEach(ge, cJSON_GetObjectItemCaseSensitive(g, "env")) {
					if (strcmp(jstr(ge, "name"), e->string) == 0) {
						found = 1;
						assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(ge, "len")->valuedouble,
								 (int)strlen(e->valuestring));
					}
				}
				assert_true(found);
				if (strlen(e->valuestring) >= 8)
					assert_null(strstr(r.out, e->valuestring));
			}
		} else {
			assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(g, "has_config")));
		}
	}
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
}

static void test_view_machines(void **state)
{
	mock m;

	(void)state;
	mock_start(&m, "tok", NULL);
	check_machines(m.url, "web-clean");
	check_machines(m.url, "leaky-env");
	check_machines(m.url, "drifted");
	check_machines(m.url, "unreachable-host");
	mock_stop(&m);
}

static int tri_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsTrue(v) ? 1 : cJSON_IsFalse(v) ? 0 : -1;
}

static void test_view_volumes(void **state)
{
	mock m;
	run r;
	const char *a[] = { "volumes", "plain-volumes", "--json", NULL };
	cJSON *fx, *got, *f;
	int i = 0;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	fx = load_fixture("apps/plain-volumes/volumes.json");
	assert_non_null(got);
	assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(fx));
	cJSON_ArrayForEach(f, fx) {
		cJSON *g = cJSON_GetArrayItem(got, i++);

		assert_same_str(jstr(f, "id"), jstr(g, "id"));
		assert_same_str(jstr(f, "name"), jstr(g, "name"));
		assert_same_str(jstr(f, "region"), jstr(g, "region"));
		assert_same_str(jstr(f, "state"), jstr(g, "state"));
		assert_same_str(jstr(f, "attached_machine_id"), jstr(g, "attached_machine_id"));
		/* a missing "encrypted" stays unknown (null), never "encrypted" */
		assert_int_equal(tri_of(f, "encrypted"), tri_of(g, "encrypted"));
		assert_int_equal(tri_of(f, "auto_backup_enabled"), tri_of(g, "auto_backup_enabled"));
		assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(f, "size_gb")->valuedouble,
				 (int)cJSON_GetObjectItemCaseSensitive(g, "size_gb")->valuedouble);
	}
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
	mock_stop(&m);
}

static void check_ips(const char *url, const char *app)
{
	run r;
	const char *a[] = { "ips", app, "--json", NULL };
	char rel[200];
	cJSON *fx, *got, *f;
	int i = 0;

	fa_run(&r, url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	snprintf(rel, sizeof(rel), "apps/%s/ip_assignments.json", app);
	fx = load_fixture(rel);
	assert_non_null(got);
	assert_int_equal(cJSON_GetArraySize(got),
			 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fx, "ips")));
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(fx, "ips")) {
		cJSON *g = cJSON_GetArrayItem(got, i++);
		const char *ip = jstr(f, "ip"), *want;

		assert_same_str(ip, jstr(g, "address"));
		assert_same_str(jstr(f, "region"), jstr(g, "region"));
		/* the type is inferred as fly-go does it */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "egress")))
			want = strchr(ip, ':') ? "egress_v6" : "egress_v4";
		else if (strncmp(ip, "fdaa:", 5) == 0)
			want = "private_v6";
		else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(f, "shared")))
			want = "shared_v4";
		else
			want = strchr(ip, ':') ? "v6" : "v4";
		assert_string_equal(jstr(g, "type"), want);
	}
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
}

static void test_view_ips(void **state)
{
	mock m;

	(void)state;
	mock_start(&m, "tok", NULL);
	check_ips(m.url, "web-clean");
	check_ips(m.url, "api-clean");
	check_ips(m.url, "idle-ip");
	mock_stop(&m);
}

static void test_view_secrets(void **state)
{
	mock m;
	run r;
	const char *a[] = { "secrets", "leaky-env", "--json", NULL };
	cJSON *fx, *got, *f;
	int i = 0;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	fx = load_fixture("apps/leaky-env/secrets.json");
	assert_non_null(got);
	assert_int_equal(cJSON_GetArraySize(got),
			 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fx, "secrets")));
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(fx, "secrets")) {
		cJSON *g = cJSON_GetArrayItem(got, i++);

		assert_same_str(jstr(f, "name"), jstr(g, "name"));
		assert_same_str(jstr(f, "digest"), jstr(g, "digest"));
		assert_same_str(jstr(f, "created_at"), jstr(g, "created_at"));
		assert_null(cJSON_GetObjectItemCaseSensitive(g, "value"));
	}
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
	mock_stop(&m);
}

/* certificates: every page followed, the whole fixture list back */
static void test_view_certs_paged(void **state)
{
	mock m;
	run r;
	const char *a[] = { "certs", "cert-pending", "--json", NULL };
	cJSON *fx, *got, *f;
	int i = 0;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	fx = load_fixture("apps/cert-pending/certificates.json");
	assert_non_null(got);
	if (cJSON_IsObject(fx)) {
		cJSON *inner = cJSON_DetachItemFromObject(fx, "certificates");

		cJSON_Delete(fx);
		fx = inner;
	}
	assert_true(cJSON_GetArraySize(fx) > 25); /* more than one default page */
	assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(fx));
	cJSON_ArrayForEach(f, fx) {
		cJSON *g = cJSON_GetArrayItem(got, i++);

		assert_same_str(jstr(f, "hostname"), jstr(g, "hostname"));
		assert_same_str(jstr(f, "status"), jstr(g, "status"));
		assert_int_equal(tri_of(f, "configured"), tri_of(g, "configured"));
	}
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
	mock_stop(&m);
}

static void test_view_tokens(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "tokens", "--json", NULL };
	const char *b[] = { "tokens", "web-clean", NULL };
	cJSON *fx, *got, *f, *nodes;
	int i = 0;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	fx = load_fixture("org-tokens.json");
	assert_non_null(got);
	nodes = cJSON_GetObjectItemCaseSensitive(fx, "nodes");
	if (!nodes) /* full GraphQL shape */
		nodes = cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx, "data"),
								 "organization"),
				"limitedAccessTokens"),
			"nodes");
	assert_non_null(nodes);
	assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(nodes));
	cJSON_ArrayForEach(f, nodes) {
		cJSON *g = cJSON_GetArrayItem(got, i++);

		assert_same_str(jstr(f, "id"), jstr(g, "id"));
		assert_same_str(jstr(f, "name"), jstr(g, "name"));
		assert_same_str(jstr(f, "expiresAt"), jstr(g, "expires_at"));
		assert_same_str(jstr(f, "revokedAt"), jstr(g, "revoked_at"));
	}
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, b);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "flyctl deploy token"));
	assert_non_null(strstr(r.out, "EXPIRES"));
	run_free(&r);
	mock_stop(&m);
}

/* the org's token list over several GraphQL pages: every token is read */
static void test_tokens_paged(void **state)
{
	mock m;
	run r;
	const char *page[] = { "--graphql-max-page", "1", NULL };
	const char *a[] = { "--org", "demo", "tokens", "--json", NULL };
	const char *au[] = { "--org", "demo", "audit", "--format", "json", "--fail-on", "never", NULL };
	cJSON *fx, *got, *nodes, *rep;

	(void)state;
	fx = load_fixture("org-tokens.json");
	nodes = cJSON_GetObjectItemCaseSensitive(fx, "nodes");
	assert_true(cJSON_GetArraySize(nodes) > 1);
	mock_start(&m, "tok", page);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	assert_non_null(got);
	assert_int_equal(cJSON_GetArraySize(got), cJSON_GetArraySize(nodes));
	cJSON_Delete(got);
	run_free(&r);
	/* and the audit still sees the long-lived org token on its page */
	fa_run(&r, m.url, "tok", ca_path, au);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors")),
			 0);
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);
	cJSON_Delete(fx);
}

static bool has_result(const cJSON *results, const char *check, const char *app, const char *status)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, results) {
		const char *xa = jstr(x, "app");

		if (strcmp(jstr(x, "check"), check) == 0 && strcmp(jstr(x, "status"), status) == 0 &&
		    ((!app && !xa) || (app && xa && strcmp(app, xa) == 0)))
			return true;
	}
	return false;
}

/* --app names an app the org does not have: one coverage error, nothing asked about it */
static void test_audit_unknown_app(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "--app", "nosuch", "--app", "web-clean", "audit", "--format",
			    "json", "--fail-on", "never", NULL };
	cJSON *rep, *errors, *e;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 3);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	errors = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors");
	assert_int_equal(cJSON_GetArraySize(errors), 1);
	e = cJSON_GetArrayItem(errors, 0);
	assert_string_equal(jstr(e, "app"), "nosuch");
	assert_string_equal(jstr(e, "endpoint"), "app");
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(e, "status")->valuedouble, 404);
	assert_string_equal(jstr(e, "message"), "app not found in org demo");
	/* the status is not repeated inside messages */
	assert_null(strstr(r.out, "HTTP 404: HTTP"));
	assert_true(has_result(cJSON_GetObjectItemCaseSensitive(rep, "results"), "secrets.plaintext_env",
			       "web-clean", "pass"));
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);
}

static void test_view_missing_app(void **state)
{
	mock m;
	run r;
	const char *a[] = { "machines", "no-such-app", NULL };

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "no-such-app"));
	assert_non_null(strstr(r.err, "not found"));
	run_free(&r);
	mock_stop(&m);
}

static void test_apps_lists_every_app(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "apps", "--json", NULL };
	cJSON *fx, *got, *f;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	got = cJSON_Parse(r.out);
	fx = load_fixture("apps.json");
	assert_non_null(got);
	assert_int_equal(cJSON_GetArraySize(got),
			 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(fx, "apps")));
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(fx, "apps")) {
		const cJSON *g;
		int found = 0;

		cJSON_ArrayForEach(g, got)
			if (strcmp(jstr(g, "name"), jstr(f, "name")) == 0) {
				found = 1;
				assert_same_str(jstr(f, "status"), jstr(g, "status"));
			}
		assert_true(found);
	}
	/* the leaky app shows its critical finding */
	assert_non_null(strstr(r.out, "\"critical\":\t1"));
	cJSON_Delete(fx);
	cJSON_Delete(got);
	run_free(&r);
	mock_stop(&m);
}

/* The demo org's failures, as (check, app) pairs: the mock's fixture README lists
 * what each app shows. */
static const char *const expected_failures[][2] = {
	{ "secrets.plaintext_env", "leaky-env" },
	{ "network.private_service_public", "public-db" },
	{ "network.public_ip_unused", "idle-ip" },
	{ "tls.https_not_forced", "http-only" },
	{ "tls.weak_protocols", "http-only" },
	{ "tls.certificate_not_ready", "cert-pending" },
	{ "container.runs_as_root", "root-runner" },
	{ "container.image_unpinned", "root-runner" },
	{ "health.checks_missing", "no-health" },
	{ "health.checks_failing", "sick-app" },
	{ "machines.autostop_disabled", "always-on" },
	{ "volumes.unencrypted", "plain-volumes" },
	{ "volumes.no_backups", "plain-volumes" },
	{ "regions.config_drift", "drifted" },
	{ "tokens.long_lived", "web-clean" },
	{ "tokens.long_lived", NULL },
	{ "container.runs_as_root", "sidecar" },
	{ "secrets.plaintext_env", "sidecar" },
	{ "secrets.plaintext_env", "hidden-creds" },
	{ "network.flycast_cross_org", "sidecar" },
};

/* The result of check/app/status whose message holds `part`, or NULL. */
static const cJSON *find_msg(const cJSON *results, const char *check, const char *app,
			     const char *status, const char *part)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, results) {
		const char *xa = jstr(x, "app"), *msg = jstr(x, "message");

		if (strcmp(jstr(x, "check"), check) == 0 && strcmp(jstr(x, "status"), status) == 0 &&
		    xa && strcmp(app, xa) == 0 && msg && strstr(msg, part))
			return x;
	}
	return NULL;
}

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

/* Multi-container machines, credentials outside env, machines in every state, legacy and
 * release_command groups: through the real binary against the demo org. */
static void test_demo_containers_and_hidden_creds(void **state)
{
	mock m;
	run r;
	const char *a[] = { "--org", "demo", "--app", "sidecar", "--app", "hidden-creds", "audit",
			    "--format", "json", "--fail-on", "never", NULL };
	const char *t[] = { "--org", "demo", "--app", "sidecar", "--app", "hidden-creds", "audit",
			    "--fail-on", "never", NULL };
	const char *v[] = { "--org", "demo", "machines", "sidecar", NULL };
	static const char *const values[] = { "hunter2", "sk_live_51Hx", "eyJhbGci", "ghp_A1b2",
					      "xoxb-1234", "A1b2C3d4E5f6" };
	cJSON *rep, *results, *cov, *x;
	size_t i;

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	/* the sidecar runs as root with a credential in its env: both name the container */
	assert_non_null(find_msg(results, "container.runs_as_root", "sidecar", "fail",
				 "container nginx runs as user \"root\""));
	assert_non_null(find_msg(results, "secrets.plaintext_env", "sidecar", "fail",
				 "container nginx env UPSTREAM_TOKEN (github_token"));
	assert_non_null(find_msg(results, "container.image_unpinned", "sidecar", "pass",
				 "container nginx image localhost:"));
	assert_non_null(find_msg(results, "network.flycast_cross_org", "sidecar", "fail",
				 "organization partner-corp, not demo"));
	/* credentials in a check header, an inline file and a command argument */
	assert_non_null(find_msg(results, "secrets.plaintext_env", "hidden-creds", "fail",
				 "check \"http\" header Authorization (jwt, secret_name)"));
	assert_non_null(find_msg(results, "secrets.plaintext_env", "hidden-creds", "fail",
				 "file /app/.env (url_password"));
	assert_non_null(find_msg(results, "secrets.plaintext_env", "hidden-creds", "fail",
				 "init.cmd argument 4 (stripe_key"));
	/* a machine mid-start is audited */
	assert_non_null(find_msg(results, "secrets.plaintext_env", "hidden-creds", "fail",
				 "SLACK_BOT_TOKEN (slack_token"));
	/* the failed machine is audited too; its live checks are not judged */
	assert_non_null(find_msg(results, "tls.https_not_forced", "hidden-creds", "pass", "all with"));
	/* drift: legacy process_group is its own group; release_command is never compared */
	assert_non_null(find_msg(results, "regions.config_drift", "hidden-creds", "pass",
				 "only one serving machine"));
	cJSON_ArrayForEach(x, results) {
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(x, "resource");
		const char *id = jstr(res, "id");

		assert_null(strstr(id ? id : "", "release_command"));
		if (strcmp(jstr(x, "check"), "regions.config_drift") == 0 &&
		    strcmp(jstr(x, "app"), "hidden-creds") == 0)
			assert_true(strcmp(id, "hidden-creds/app") == 0 ||
				    strcmp(id, "hidden-creds/worker") == 0);
	}
	/* coverage: every machine the API returned is counted; the destroyed one not audited */
	cov = cJSON_GetObjectItemCaseSensitive(rep, "coverage");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(cov, "machines")->valueint, 7);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(cov, "machines_audited")->valueint, 6);
	/* never a value */
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (strstr(r.out, values[i]) || strstr(r.err, values[i]))
			fail_msg("a credential value reached the report: %s", values[i]);
	cJSON_Delete(rep);
	run_free(&r);

	/* the text report says why machines were left out */
	fa_run(&r, m.url, "tok", ca_path, t);
	assert_non_null(strstr(r.out, "6 of 7 machines audited (1 destroyed"));
	run_free(&r);

	/* the machines view shows the containers and their users */
	fa_run(&r, m.url, "tok", ca_path, v);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "CONTAINERS"));
	assert_non_null(strstr(r.out, "app(app),nginx(root)"));
	assert_non_null(strstr(r.out, "443/tls+http+hsts>8080")); /* the edge adds HSTS */
	run_free(&r);
	mock_stop(&m);
}


static void test_audit_demo_findings(void **state)
{
	mock m;
	run r;
	char rp[400];
	const char *a[] = { "--org", "demo", "audit", "--format", "json", "-o", rp, NULL };
	cJSON *rep, *results, *x;
	char *text;
	size_t i;
	struct stat st;

	(void)state;
	snprintf(rp, sizeof(rp), "%s/report.json", tmpdir);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 1); /* high failures, default --fail-on high */
	assert_int_equal(strlen(r.out), 0); /* the report went to the file */
	assert_int_equal(stat(rp, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	text = slurp(rp);
	rep = cJSON_Parse(text);
	assert_non_null(rep);
	results = cJSON_GetObjectItemCaseSensitive(rep, "results");
	for (i = 0; i < sizeof(expected_failures) / sizeof(expected_failures[0]); i++) {
		if (!has_result(results, expected_failures[i][0], expected_failures[i][1], "fail"))
			fail_msg("expected %s to fail on %s", expected_failures[i][0],
				 expected_failures[i][1] ? expected_failures[i][1] : "the org");
	}
	/* the clean apps fail nothing but token lifetime */
	cJSON_ArrayForEach(x, results) {
		const char *app = jstr(x, "app");

		if (app && strcmp(app, "api-clean") == 0)
			assert_string_not_equal(jstr(x, "status"), "fail");
		if (app && strcmp(app, "web-clean") == 0 && strcmp(jstr(x, "status"), "fail") == 0)
			assert_string_equal(jstr(x, "check"), "tokens.long_lived");
	}
	/* a machine whose config cannot be seen is unknown, never pass */
	assert_true(has_result(results, "container.runs_as_root", "unreachable-host", "unknown"));
	assert_false(has_result(results, "container.runs_as_root", "unreachable-host", "pass"));
	/* a volume without "encrypted" is unknown */
	assert_true(has_result(results, "volumes.unencrypted", "plain-volumes", "unknown"));
	assert_true(has_result(results, "network.admin_allowlist", "web-clean", "manual"));
	assert_string_equal(jstr(rep, "schema"), "flyaudit.report/v1");
	cJSON_Delete(rep);
	free(text);
	run_free(&r);
	mock_stop(&m);
	/* the report validates against the schema in the repository */
	{
		char cmd[600];
		int rc;

		snprintf(cmd, sizeof(cmd),
			 "python3 tests/validate-schema.py audit/report/flyaudit-report-v1.schema.json '%s'", rp);
		rc = system(cmd);
		if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
			skip();
		assert_int_equal(rc, 0);
	}
}

/* whoami: offline decoding of the running token, then what the API adds */
static void test_whoami(void **state)
{
	mock m;
	run r;
	char mint[300], ro[512] = "", org[512] = "", dep[512] = "";
	const char *mint_ro[] = { mint, "--mint-token", "readonly", NULL };
	const char *mint_dep[] = { mint, "--mint-token", "deploy:5105320", NULL };
	const char *mint_org[] = { mint, "--mint-token", "org", NULL };
	const char *text[] = { "whoami", NULL }, *json[] = { "whoami", "--json", NULL };
	const char *audit[] = { "--org", "demo", "audit", "--format", "json", "--fail-on", "never", NULL };
	cJSON *j, *api, *rep;

	(void)state;
	snprintf(mint, sizeof(mint), "%s/flymock", build_dir);
	run_cmd(&r, mint_ro, NULL);
	assert_int_equal(r.code, 0);
	memcpy(ro, r.out, strcspn(r.out, "\n"));
	run_free(&r);
	run_cmd(&r, mint_org, NULL);
	memcpy(org, r.out, strcspn(r.out, "\n"));
	run_free(&r);
	run_cmd(&r, mint_dep, NULL);
	memcpy(dep, r.out, strcspn(r.out, "\n"));
	run_free(&r);
	assert_true(strncmp(ro, "fm2_", 4) == 0);
	{
		char both[1600];

		snprintf(both, sizeof(both), "%s,%s,%s", ro, org, dep);
		mock_start(&m, both, NULL);
	}
	fa_run(&r, m.url, ro, ca_path, text);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "read-only on org 4242, all apps, expires in"));
	assert_non_null(strstr(r.out, "The API says: org demo"));
	assert_null(strstr(r.out, ro + 4));
	run_free(&r);
	fa_run(&r, m.url, ro, ca_path, json);
	assert_int_equal(r.code, 0);
	j = cJSON_Parse(r.out);
	assert_non_null(j);
	assert_string_equal(jstr(j, "kind"), "macaroon");
	assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(j, "org_id")->valuedouble, 4242);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "apps")));
	assert_string_equal(jstr(j, "access"), "r");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "read_only")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "expired")));
	assert_non_null(jstr(j, "expires_at"));
	api = cJSON_GetObjectItemCaseSensitive(j, "api");
	assert_true(cJSON_IsObject(api));
	assert_non_null(strstr(r.out, "auditor@demo.example"));
	cJSON_Delete(j);
	run_free(&r);
	/* the audit's token checks read the same decoding */
	fa_run(&r, m.url, ro, ca_path, audit);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	{
		const cJSON *x;
		int seen = 0;

		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rep, "results"))
			if (strcmp(jstr(x, "check"), "tokens.auditor_not_readonly") == 0) {
				assert_string_equal(jstr(x, "status"), "pass");
				seen = 1;
			}
		assert_true(seen);
	}
	cJSON_Delete(rep);
	run_free(&r);
	fa_run(&r, m.url, org, ca_path, audit);
	assert_non_null(strstr(r.out, "\"tokens.auditor_not_readonly\""));
	rep = cJSON_Parse(r.out);
	{
		const cJSON *x;

		cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rep, "results"))
			if (strcmp(jstr(x, "check"), "tokens.auditor_not_readonly") == 0)
				assert_string_equal(jstr(x, "status"), "fail");
	}
	cJSON_Delete(rep);
	run_free(&r);
	/* an app deploy token: the app's numeric id, named through the API */
	fa_run(&r, m.url, dep, ca_path, text);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "full access (rwcdC) on org 4242, app 5105320 only"));
	assert_non_null(strstr(r.out, "5105320 = leaky-env"));
	run_free(&r);
	/* offline: no API, still a full answer; api is null */
	fa_run(&r, "https://127.0.0.1:1", ro, ca_path, json);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "\"api\":null"));
	run_free(&r);
	/* a user token is opaque; garbage is exit 2 with one line */
	fa_run(&r, "https://127.0.0.1:1", "fo1_opaqueusertoken", ca_path, json);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "\"kind\":\"user\""));
	run_free(&r);
	fa_run(&r, "https://127.0.0.1:1", "fm2_AAAA!!!notbase64", ca_path, json);
	assert_int_equal(r.code, 2);
	assert_ptr_equal(strchr(r.err, '\n'), r.err + strlen(r.err) - 1);
	assert_null(strstr(r.err, "notbase64"));
	run_free(&r);
	mock_stop(&m);
}

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

static void test_exit_codes_fail_on(void **state)
{
	mock m;
	run r;
	const char *never[] = { "--org", "demo", "audit", "--fail-on", "never", "-q", NULL };
	const char *crit[] = { "--org", "demo", "--app", "web-clean", "audit", "--fail-on", "critical", NULL };
	const char *leaky[] = { "--org", "demo", "--app", "leaky-env", "audit", "--fail-on", "critical", NULL };

	(void)state;
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, never);
	assert_int_equal(r.code, 0);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, crit);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "web-clean"));
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, leaky);
	assert_int_equal(r.code, 1);
	assert_non_null(strstr(r.out, "AWS_ACCESS_KEY_ID"));
	assert_null(strstr(r.out, "AKIA"));
	run_free(&r);
	mock_stop(&m);
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
		{ "429,path=/v1/apps/api-clean/volumes", "volumes", "api-clean" },
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
		cmocka_unit_test(test_version_and_help),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_no_token),
		cmocka_unit_test(test_plain_http_refused),
		cmocka_unit_test(test_token_file),
		cmocka_unit_test(test_tls_wrong_ca_fails),
		cmocka_unit_test(test_bad_token_exit_2),
		cmocka_unit_test(test_org_from_token),
		cmocka_unit_test(test_view_machines),
		cmocka_unit_test(test_view_volumes),
		cmocka_unit_test(test_view_ips),
		cmocka_unit_test(test_view_secrets),
		cmocka_unit_test(test_view_certs_paged),
		cmocka_unit_test(test_view_tokens),
		cmocka_unit_test(test_tokens_paged),
		cmocka_unit_test(test_audit_unknown_app),
		cmocka_unit_test(test_view_missing_app),
		cmocka_unit_test(test_apps_lists_every_app),
		cmocka_unit_test(test_audit_demo_findings),
		cmocka_unit_test(test_demo_containers_and_hidden_creds),
		cmocka_unit_test(test_malformed_machine_config),
		cmocka_unit_test(test_token_batch_fallback),
		cmocka_unit_test(test_paged_machines_volumes),
		cmocka_unit_test(test_exit_codes_fail_on),
		cmocka_unit_test(test_whoami),
		cmocka_unit_test(test_baseline_and_diff),
		cmocka_unit_test(test_progress_only_on_a_terminal),
		cmocka_unit_test(test_partial_is_exit_3),
		cmocka_unit_test(test_fault_table),
		cmocka_unit_test(test_retries_recover),
		cmocka_unit_test(test_snapshot_then_offline_audit),
		cmocka_unit_test(test_snapshot_resume_after_revoke),
		cmocka_unit_test(test_canary_never_leaks),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
