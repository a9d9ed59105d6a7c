/* test_e2e.c: the real flyaudit binary against flymock over TLS with verification on:
 * the inventory views field for field against the mock's fixtures, usage and exit codes,
 * the demo org's findings and whoami. Faults are in test_e2e_faults.c; snapshots, baselines
 * and the canary token in test_e2e_state.c. */
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
		cmocka_unit_test(test_exit_codes_fail_on),
		cmocka_unit_test(test_whoami),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
