/* test_checks.c: the check catalog, RFC 3339 parsing, deterministic ordering, and the
 * secrets, network and TLS checks on inventory fixtures built in C. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_fixture.h"

/* ---- catalog ---------------------------------------------------------------------- */

static const struct {
	const char *id;
	fa_severity sev;
	const char *type;
} want_catalog[] = {
	{"secrets.plaintext_env", FA_SEV_CRITICAL, "machine"},
	{"network.private_service_public", FA_SEV_HIGH, "machine"},
	{"network.public_ip_unused", FA_SEV_MEDIUM, "app"},
	{"network.flycast_cross_org", FA_SEV_MEDIUM, "ip"},
	{"tls.https_not_forced", FA_SEV_HIGH, "machine"},
	{"tls.weak_protocols", FA_SEV_MEDIUM, "machine"},
	{"tls.certificate_not_ready", FA_SEV_MEDIUM, "certificate"},
	{"container.runs_as_root", FA_SEV_MEDIUM, "machine"},
	{"container.image_unpinned", FA_SEV_LOW, "machine"},
	{"health.checks_missing", FA_SEV_MEDIUM, "machine"},
	{"health.checks_failing", FA_SEV_HIGH, "machine"},
	{"tokens.long_lived", FA_SEV_MEDIUM, "token"},
	{"tokens.auditor_not_readonly", FA_SEV_MEDIUM, "token"},
	{"machines.autostop_disabled", FA_SEV_LOW, "machine"},
	{"volumes.unencrypted", FA_SEV_HIGH, "volume"},
	{"volumes.no_backups", FA_SEV_LOW, "volume"},
	{"network.admin_allowlist", FA_SEV_NONE, "app"},
	{"regions.config_drift", FA_SEV_MEDIUM, "process_group"},
	/* additions beyond the frozen table */
	{"tokens.auditor_expiring", FA_SEV_LOW, "token"},
	{"tokens.undischarged", FA_SEV_INFO, "token"},
	/* second round: the image (registry) */
	{"secrets.image_env", FA_SEV_CRITICAL, "machine"},
	{"secrets.image_history", FA_SEV_CRITICAL, "machine"},
	{"secrets.image_files", FA_SEV_CRITICAL, "machine"},
	{"container.image_stale", FA_SEV_LOW, "machine"},
	/* second round, people and access (issue 10) */
	{"access.member_without_2fa", FA_SEV_HIGH, "member"},
	{"access.admins_excess", FA_SEV_MEDIUM, "org"},
	{"access.invitation_stale", FA_SEV_LOW, "invitation"},
	{"access.sso_not_required", FA_SEV_LOW, "org"},
	{"tokens.owner_not_member", FA_SEV_HIGH, "token"},
	{"network.wireguard_peers", FA_SEV_NONE, "wireguard_peer"},
	/* second round: flyaudit scan */
	{"ci.action_unpinned", FA_SEV_MEDIUM, "file"},
	{"ci.secret_as_build_arg", FA_SEV_HIGH, "file"},
	{"ci.token_hardcoded", FA_SEV_CRITICAL, "file"},
	{"ci.token_not_from_secrets", FA_SEV_HIGH, "file"},
	{"config.repo_drift", FA_SEV_MEDIUM, "app"},
	{"secrets.dockerfile", FA_SEV_CRITICAL, "file"},
	{"secrets.env_file_committed", FA_SEV_CRITICAL, "file"},
	/* second round: --probe (ARCHITECTURE section 5) */
	{"edge.http_not_redirected", FA_SEV_HIGH, "hostname"},
	{"edge.tls_legacy_accepted", FA_SEV_MEDIUM, "hostname"},
	{"edge.hsts_missing", FA_SEV_LOW, "hostname"},
	{"edge.certificate_expiring", FA_SEV_MEDIUM, "hostname"},
	{"edge.sensitive_path_exposed", FA_SEV_CRITICAL, "hostname"},
};
#define N_WANT (sizeof(want_catalog) / sizeof(want_catalog[0]))

static void test_catalog_complete(void **state)
{
	const fa_check_meta *cat;
	size_t n = 0, i;

	(void)state;
	cat = fa_checks(&n);
	assert_non_null(cat);
	assert_int_equal(n, N_WANT);
	for (i = 0; i < N_WANT; i++) {
		const fa_check_meta *c = fa_check_find(want_catalog[i].id);

		if (!c)
			fail_msg("check %s missing", want_catalog[i].id);
		assert_int_equal(c->severity, want_catalog[i].sev);
		assert_string_equal(c->resource_type, want_catalog[i].type);
	}
	for (i = 0; i < n; i++) {
		const fa_check_meta *c = &cat[i];

		if (i > 0)
			assert_true(strcmp(cat[i - 1].id, c->id) < 0); /* sorted, unique */
		assert_ptr_equal(fa_check_find(c->id), c);
		assert_true(c->title && strlen(c->title) > 5);
		assert_true(c->checklist && strlen(c->checklist) > 5);
		assert_true(c->description && strlen(c->description) > 20);
		assert_true(c->risk && strlen(c->risk) > 20);
		assert_true(c->remediation && strlen(c->remediation) > 10);
		assert_non_null(c->references);
		assert_non_null(c->references[0]);
		assert_true(strncmp(c->references[0], "https://fly.io/docs/", 20) == 0);
		assert_non_null(c->tags);
		assert_non_null(c->tags[0]);
	}
	assert_null(fa_check_find("secrets.nope"));
	assert_null(fa_check_find(NULL));
	/* the checklist quotes the seed's wording */
	assert_string_equal(fa_check_find("secrets.plaintext_env")->checklist,
			    "All secrets stored via fly secrets set, not in fly.toml");
	assert_non_null(strstr(fa_check_find("tls.https_not_forced")->remediation,
			       "force_https = true"));
	assert_non_null(strstr(fa_check_find("volumes.unencrypted")->remediation, "--encrypted"));
	assert_non_null(strstr(fa_check_find("tokens.auditor_not_readonly")->remediation,
			       "fly tokens create readonly"));
}

/* ---- RFC 3339 ------------------------------------------------------------------------ */

static void test_rfc3339(void **state)
{
	long long t = -1;

	(void)state;
	assert_int_equal(fa_chk_parse_rfc3339("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(fa_chk_parse_rfc3339("2026-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, (long long)FX_NOW);
	assert_int_equal(fa_chk_parse_rfc3339("2026-01-01T02:30:00+02:30", &t), 0);
	assert_int_equal(t, (long long)FX_NOW);
	assert_int_equal(fa_chk_parse_rfc3339("2025-12-31T21:00:00.123456-03:00", &t), 0);
	assert_int_equal(t, (long long)FX_NOW);
	assert_int_equal(fa_chk_parse_rfc3339("2024-02-29T12:00:00z", &t), 0);
	assert_int_equal(t, 1709208000LL);
	assert_int_equal(fa_chk_parse_rfc3339("1969-12-31T23:59:59Z", &t), 0);
	assert_int_equal(t, -1);
	assert_int_equal(fa_chk_parse_rfc3339("2023-02-29T00:00:00Z", &t), -1);
	assert_int_equal(fa_chk_parse_rfc3339("2026-13-01T00:00:00Z", &t), -1);
	assert_int_equal(fa_chk_parse_rfc3339("2026-01-01T00:00:00", &t), -1);
	assert_int_equal(fa_chk_parse_rfc3339("2026-01-01T00:00:00Zjunk", &t), -1);
	assert_int_equal(fa_chk_parse_rfc3339("2026-01-01", &t), -1);
	assert_int_equal(fa_chk_parse_rfc3339("", &t), -1);
	assert_int_equal(fa_chk_parse_rfc3339(NULL, &t), -1);
}

/* ---- secrets.plaintext_env ------------------------------------------------------------ */

/* The values these fixtures stand for; the model never holds them and no message may. */
static const char *const fake_values[] = {"AKIAIOSFODNN7EXAMPLE", "hunter2",
	"postgres://app:s3cr3t@db.internal:5432/app", "whsec_live_123", NULL};

static void assert_no_values(const fa_results *rs)
{
	size_t i, k;

	for (i = 0; i < rs->n; i++)
		for (k = 0; fake_values[k]; k++)
			if (rs->items[i].message && strstr(rs->items[i].message, fake_values[k]))
				fail_msg("a message holds an env value: %s", rs->items[i].message);
}

static void test_plaintext_env(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	fx_secret(&a, "STRIPE_WEBHOOK_SECRET_NAME");
	fx_secret(&a, "SESSION_KEY");
	/* fail: AWS key value (AKIAIOSFODNN7EXAMPLE) under a secret-like name */
	m = fx_machine(&a, "m-fail-aws", "started");
	fx_env(&m->env, "AWS_ACCESS_KEY_ID", FA_DET_AWS_KEY | FA_DET_SECRET_NAME, 1);
	/* fail: URL with a password in processes[0].env */
	m = fx_machine(&a, "m-fail-url", "started");
	fx_env(&m->processes[0].env, "DATABASE_URL", FA_DET_URL_PASSWORD, 2);
	/* fail: a name that is also an app secret, value looks harmless to the detectors */
	m = fx_machine(&a, "m-fail-overlap", "stopped");
	fx_env(&m->env, "SESSION_KEY", 0, 3);
	/* pass: the defaults (PRIMARY_REGION, FLY_PROCESS_GROUP, LOG_LEVEL) */
	fx_machine(&a, "m-pass-1", "started");
	/* pass: guide-sanctioned names */
	m = fx_machine(&a, "m-pass-2", "suspended");
	fx_env(&m->env, "NODE_ENV", 0, 4);
	fx_env(&m->env, "PUBLIC_API_URL", 0, 5);
	/* unknown: no config */
	m = fx_machine(&a, "m-nocfg", "started");
	m->has_config = false;
	free(m->host_status);
	m->host_status = fx_str("unreachable");
	/* skipped: destroyed */
	m = fx_machine(&a, "m-destroyed", "destroyed");
	fx_env(&m->env, "GITHUB_TOKEN", FA_DET_GITHUB_TOKEN, 6);

	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "secrets.plaintext_env", "m-fail-aws", FA_STATUS_FAIL, "AWS_ACCESS_KEY_ID");
	fx_expect(&rs, "secrets.plaintext_env", "m-fail-aws", FA_STATUS_FAIL, "aws_access_key");
	fx_expect(&rs, "secrets.plaintext_env", "m-fail-aws", FA_STATUS_FAIL, "secret_name");
	fx_expect(&rs, "secrets.plaintext_env", "m-fail-url", FA_STATUS_FAIL,
		  "processes[0].env DATABASE_URL (url_password)");
	fx_expect(&rs, "secrets.plaintext_env", "m-fail-overlap", FA_STATUS_FAIL,
		  "SESSION_KEY (app_secret_name)");
	fx_expect(&rs, "secrets.plaintext_env", "m-pass-1", FA_STATUS_PASS, "3 env vars checked");
	fx_expect(&rs, "secrets.plaintext_env", "m-pass-2", FA_STATUS_PASS, "5 env vars checked");
	fx_expect(&rs, "secrets.plaintext_env", "m-nocfg", FA_STATUS_UNKNOWN, "host_status unreachable");
	assert_int_equal(fx_count(&rs, "secrets.plaintext_env"), 6); /* destroyed is skipped */
	{
		const fa_result *r = fx_get(&rs, "secrets.plaintext_env", "m-fail-aws");

		assert_string_equal(r->resource_type, "machine");
		assert_string_equal(r->app, "web");
		assert_string_equal(r->org, "acme");
		assert_string_equal(r->region, "iad");
		assert_int_equal(r->severity, FA_SEV_CRITICAL);
		assert_null(strstr(r->message, "PRIMARY_REGION"));
	}
	assert_no_values(&rs);
	fa_results_release(&rs);
	fa_app_release(&a);
}

static void test_plaintext_env_unknown(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	/* machines failed: one app-level unknown naming the endpoint and the reason */
	fx_app(&a, "api");
	fx_fail_load(&a, FA_EP_MACHINES, 500, "internal error");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "secrets.plaintext_env", "api", FA_STATUS_UNKNOWN,
		  "machines could not be read: HTTP 500: internal error");
	assert_string_equal(fx_get(&rs, "secrets.plaintext_env", "api")->resource_type, "app");
	assert_int_equal(fx_count(&rs, "secrets.plaintext_env"), 1);
	fa_results_release(&rs);
	fa_app_release(&a);

	/* secrets failed: the overlap cannot be checked, so a clean env is unknown... */
	fx_app(&a, "api");
	fx_fail_load(&a, FA_EP_SECRETS, 0, "connection reset");
	fx_machine(&a, "m-clean", "started");
	/* ...but a credential-format value still fails */
	m = fx_machine(&a, "m-dirty", "started");
	fx_env(&m->env, "SLACK_HOOK", FA_DET_SLACK_TOKEN, 9);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "secrets.plaintext_env", "m-clean", FA_STATUS_UNKNOWN,
		  "secrets could not be read: transport error: connection reset");
	fx_expect(&rs, "secrets.plaintext_env", "m-dirty", FA_STATUS_FAIL, "SLACK_HOOK (slack_token)");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- network.private_service_public ----------------------------------------------------- */

static void test_private_service_public(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_service *s;
	fa_port *p;
	fa_results rs;

	(void)state;
	fx_app(&a, "db");
	m = fx_machine(&a, "m-pg", "started");
	s = fx_service(m, "tcp", 5432);
	fx_port(s, 5432, 0, FA_TRI_UNKNOWN);
	m = fx_machine(&a, "m-pgtls", "started");
	s = fx_service(m, "tcp", 8443);
	fx_port(s, 443, FA_HANDLER_PG_TLS, FA_TRI_UNKNOWN);
	m = fx_machine(&a, "m-docker", "started");
	s = fx_service(m, "tcp", 9000);
	p = fx_port(s, 0, 0, FA_TRI_UNKNOWN);
	p->start_port = 2000;
	p->end_port = 3000;
	fx_machine(&a, "m-web", "started");
	m = fx_machine(&a, "m-internal", "started");
	fx_service(m, "tcp", 6379); /* no ports: private */
	m = fx_machine_bare(&a, "m-nocfg", "started");
	m->has_config = false;

	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.private_service_public", "m-pg", FA_STATUS_FAIL, "Postgres (5432)");
	fx_expect(&rs, "network.private_service_public", "m-pgtls", FA_STATUS_FAIL, "pg_tls");
	fx_expect(&rs, "network.private_service_public", "m-docker", FA_STATUS_FAIL,
		  "ports 2000-3000 includes Docker API (2375)");
	fx_expect(&rs, "network.private_service_public", "m-web", FA_STATUS_PASS,
		  "none on a private-service port");
	fx_expect(&rs, "network.private_service_public", "m-internal", FA_STATUS_PASS,
		  "none on a private-service port"); /* its public 8080 service is fine */
	fx_expect(&rs, "network.private_service_public", "m-nocfg", FA_STATUS_UNKNOWN,
		  "config is not available");
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "worker");
	fx_machine_bare(&a, "m-none", "started");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.private_service_public", "m-none", FA_STATUS_PASS,
		  "no service with public ports");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- network.flycast_cross_org ---------------------------------------------------------- */

static void test_flycast_cross_org(void **state)
{
	fa_app a;
	fa_ip *ip;
	fa_results rs;

	(void)state;
	fx_app(&a, "api");
	ip = fx_ip(&a, "fdaa:0:1::3", FA_IP_PRIVATE_V6);
	ip->network = fx_str("shared-net");
	ip->network_org = fx_str("partner-corp");
	ip = fx_ip(&a, "fdaa:0:1::4", FA_IP_PRIVATE_V6);
	ip->network = fx_str("");
	ip->network_org = fx_str("acme");
	ip = fx_ip(&a, "fdaa:0:1::5", FA_IP_PRIVATE_V6); /* no org said: unknown, not pass */
	ip->network = fx_str("");
	fx_ip(&a, "2a09:8280:1::1", FA_IP_V6); /* public: not this check's */
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.flycast_cross_org", "fdaa:0:1::3", FA_STATUS_FAIL,
		  "in network shared-net of organization partner-corp, not acme");
	fx_expect(&rs, "network.flycast_cross_org", "fdaa:0:1::4", FA_STATUS_PASS,
		  "network default of the app's own organization acme");
	fx_expect(&rs, "network.flycast_cross_org", "fdaa:0:1::5", FA_STATUS_UNKNOWN,
		  "did not say which organization");
	assert_int_equal(fx_count(&rs, "network.flycast_cross_org"), 3);
	assert_string_equal(fx_get(&rs, "network.flycast_cross_org", "fdaa:0:1::3")->resource_type,
			    "ip");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* the IP list did not load: unknown */
	fx_app(&a, "api");
	fx_fail_load(&a, FA_EP_IPS, 500, "boom");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.flycast_cross_org", "api", FA_STATUS_UNKNOWN, "boom");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- network.public_ip_unused ---------------------------------------------------------- */

static void test_public_ip_unused(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	/* fail: a dedicated v4 and an internal-only machine */
	fx_app(&a, "cache");
	fx_ip(&a, "137.66.1.2", FA_IP_V4);
	fx_ip(&a, "fdaa:0:1::3", FA_IP_PRIVATE_V6);
	m = fx_machine_bare(&a, "m1", "started");
	fx_service(m, "tcp", 6379);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.public_ip_unused", "cache", FA_STATUS_FAIL, "137.66.1.2 (v4)");
	assert_null(strstr(fx_get(&rs, "network.public_ip_unused", "cache")->message, "fdaa"));
	fa_results_release(&rs);
	fa_app_release(&a);

	/* fail: shared v4 + v6 and no machines at all */
	fx_app(&a, "empty");
	fx_ip(&a, "66.241.124.9", FA_IP_SHARED_V4);
	fx_ip(&a, "2a09:8280:1::1", FA_IP_V6);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.public_ip_unused", "empty", FA_STATUS_FAIL,
		  "66.241.124.9 (shared_v4), 2a09:8280:1::1 (v6)");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* pass: a public service uses the IP */
	fx_app(&a, "web");
	fx_ip(&a, "137.66.1.3", FA_IP_V4);
	fx_machine(&a, "m1", "stopped");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.public_ip_unused", "web", FA_STATUS_PASS, "1 machine(s) have a service with public ports (e.g. m1)");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* pass: Flycast only */
	fx_app(&a, "private");
	fx_ip(&a, "fdaa:0:1::4", FA_IP_PRIVATE_V6);
	m = fx_machine_bare(&a, "m1", "started");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.public_ip_unused", "private", FA_STATUS_PASS, "no public IP");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* unknown: IPs failed */
	fx_app(&a, "u1");
	fx_fail_load(&a, FA_EP_IPS, 503, "unavailable");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.public_ip_unused", "u1", FA_STATUS_UNKNOWN,
		  "ip_assignments could not be read: HTTP 503");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* unknown: a public IP, machines failed */
	fx_app(&a, "u2");
	fx_ip(&a, "137.66.1.5", FA_IP_V4);
	fx_fail_load(&a, FA_EP_MACHINES, 429, "rate limited");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.public_ip_unused", "u2", FA_STATUS_UNKNOWN,
		  "machines could not be read: HTTP 429");
	fa_results_release(&rs);
	fa_app_release(&a);
	(void)m;
}

/* ---- tls.https_not_forced and tls.weak_protocols ---------------------------------------- */

static void test_https_not_forced(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	m = fx_machine(&a, "m-unset", "started");
	m->services[0].ports[0].force_https = FA_TRI_UNKNOWN;
	m = fx_machine(&a, "m-false", "started");
	fx_port(fx_service(m, "tcp", 9000), 8080, FA_HANDLER_HTTP, FA_TRI_FALSE);
	fx_machine(&a, "m-ok", "started");
	m = fx_machine_bare(&a, "m-tlsonly", "started");
	fx_port(fx_service(m, "tcp", 8080), 443, FA_HANDLER_TLS | FA_HANDLER_HTTP, FA_TRI_UNKNOWN);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tls.https_not_forced", "m-unset", FA_STATUS_FAIL,
		  "port 80 serves plain HTTP and force_https is not set");
	fx_expect(&rs, "tls.https_not_forced", "m-false", FA_STATUS_FAIL,
		  "port 8080 serves plain HTTP and force_https is false");
	fx_expect(&rs, "tls.https_not_forced", "m-ok", FA_STATUS_PASS, "force_https = true");
	fx_expect(&rs, "tls.https_not_forced", "m-tlsonly", FA_STATUS_PASS,
		  "no public port serves plain HTTP");
	assert_int_equal(fx_get(&rs, "tls.https_not_forced", "m-false")->severity, FA_SEV_HIGH);
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "down");
	fx_fail_load(&a, FA_EP_MACHINES, 0, "timeout");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tls.https_not_forced", "down", FA_STATUS_UNKNOWN,
		  "machines could not be read: transport error: timeout");
	fa_results_release(&rs);
	fa_app_release(&a);
}

static void test_weak_protocols(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	m = fx_machine(&a, "m-10", "started");
	m->services[0].ports[1].tls_versions = FA_TLSV_1_0 | FA_TLSV_1_2;
	m = fx_machine(&a, "m-11", "started");
	m->services[0].ports[1].tls_versions = FA_TLSV_1_1 | FA_TLSV_1_2 | FA_TLSV_1_3;
	fx_machine(&a, "m-ok", "started");
	m = fx_machine(&a, "m-default", "started");
	m->services[0].ports[1].tls_versions = 0;
	m = fx_machine(&a, "m-nocfg", "started");
	m->has_config = false;
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tls.weak_protocols", "m-10", FA_STATUS_FAIL, "port 443 allows TLSv1.0");
	fx_expect(&rs, "tls.weak_protocols", "m-11", FA_STATUS_FAIL, "allows TLSv1.1");
	fx_expect(&rs, "tls.weak_protocols", "m-ok", FA_STATUS_PASS, "none allows TLS 1.0 or 1.1");
	fx_expect(&rs, "tls.weak_protocols", "m-default", FA_STATUS_PASS, "Fly's defaults");
	fx_expect(&rs, "tls.weak_protocols", "m-nocfg", FA_STATUS_UNKNOWN, "not available");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- tls.certificate_not_ready ------------------------------------------------------------ */

static void test_certificate_not_ready(void **state)
{
	fa_cert *c;
	fa_app a;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	fx_cert(&a, "pending.example.com", "pending_validation", FA_TRI_TRUE);
	fx_cert(&a, "nodns.example.com", "active", FA_TRI_FALSE);
	fx_cert(&a, "www.example.com", "active", FA_TRI_TRUE);
	fx_cert(&a, "api.example.com", "active", FA_TRI_TRUE);
	fx_cert(&a, "maybe.example.com", "active", FA_TRI_UNKNOWN);
	/* flyctl's flags: a custom certificate passes; no challenge at all is unknown, as is a
	 * list that does not say */
	c = fx_cert(&a, "custom.example.com", "active", FA_TRI_TRUE);
	c->has_custom_certificate = FA_TRI_TRUE;
	c->acme_dns_configured = c->acme_alpn_configured = c->acme_http_configured = FA_TRI_FALSE;
	c = fx_cert(&a, "nochallenge.example.com", "active", FA_TRI_TRUE);
	c->acme_dns_configured = c->acme_alpn_configured = c->acme_http_configured = FA_TRI_FALSE;
	c = fx_cert(&a, "silent.example.com", "active", FA_TRI_TRUE);
	c->has_custom_certificate = FA_TRI_UNKNOWN;
	c->acme_dns_configured = c->acme_alpn_configured = c->acme_http_configured = FA_TRI_UNKNOWN;
	c = fx_cert(&a, "dnsonly.example.com", "active", FA_TRI_TRUE);
	c->acme_alpn_configured = c->acme_http_configured = FA_TRI_FALSE;
	c = fx_cert(&a, "pendingacme.example.com", "pending_ownership", FA_TRI_TRUE);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tls.certificate_not_ready", "custom.example.com", FA_STATUS_PASS,
		  "custom certificate is installed");
	fx_expect(&rs, "tls.certificate_not_ready", "nochallenge.example.com", FA_STATUS_UNKNOWN,
		  "no ACME challenge (dns, alpn, http) is configured");
	fx_expect(&rs, "tls.certificate_not_ready", "silent.example.com", FA_STATUS_UNKNOWN,
		  "did not say which ACME challenge");
	fx_expect(&rs, "tls.certificate_not_ready", "dnsonly.example.com", FA_STATUS_PASS,
		  "(ACME dns)");
	fx_expect(&rs, "tls.certificate_not_ready", "pendingacme.example.com", FA_STATUS_FAIL,
		  "pending_ownership");
	fx_expect(&rs, "tls.certificate_not_ready", "pending.example.com", FA_STATUS_FAIL,
		  "pending_validation");
	fx_expect(&rs, "tls.certificate_not_ready", "nodns.example.com", FA_STATUS_FAIL,
		  "not configured");
	fx_expect(&rs, "tls.certificate_not_ready", "www.example.com", FA_STATUS_PASS, "active");
	fx_expect(&rs, "tls.certificate_not_ready", "api.example.com", FA_STATUS_PASS, "active");
	fx_expect(&rs, "tls.certificate_not_ready", "maybe.example.com", FA_STATUS_UNKNOWN,
		  "did not say");
	assert_string_equal(fx_get(&rs, "tls.certificate_not_ready", "www.example.com")->resource_type,
			    "certificate");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* no certificates: nothing; certificates failed: one unknown */
	fx_app(&a, "bare");
	fx_run(&a, NULL, &rs);
	assert_int_equal(fx_count(&rs, "tls.certificate_not_ready"), 0);
	fa_results_release(&rs);
	fa_app_release(&a);
	fx_app(&a, "bare");
	fx_fail_load(&a, FA_EP_CERTS, 401, "unauthorized");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tls.certificate_not_ready", "bare", FA_STATUS_UNKNOWN,
		  "certificates could not be read: HTTP 401: unauthorized");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- ordering ---------------------------------------------------------------------------- */

static void build_mixed(fa_app *a, bool reversed)
{
	const char *ids[] = {"m-a", "m-b", "m-c"};
	size_t i;

	fx_app(a, "mix");
	for (i = 0; i < 3; i++) {
		fa_machine *m = fx_machine(a, ids[reversed ? 2 - i : i], "started");

		if (strcmp(m->id, "m-b") == 0)
			fx_env(&m->env, "API_TOKEN", FA_DET_SECRET_NAME, 7);
	}
	if (reversed)
		fx_volume(a, "vol_2", FA_TRI_FALSE, FA_TRI_TRUE);
	fx_volume(a, "vol_1", FA_TRI_TRUE, FA_TRI_FALSE);
	if (!reversed)
		fx_volume(a, "vol_2", FA_TRI_FALSE, FA_TRI_TRUE);
	fx_ip(a, "137.66.1.9", FA_IP_V4);
}

static void test_sorted_deterministic(void **state)
{
	fa_app a, b;
	fa_results ra, rb;
	size_t i;

	(void)state;
	build_mixed(&a, false);
	build_mixed(&b, true);
	fx_run(&a, NULL, &ra);
	fx_run(&b, NULL, &rb);
	fa_results_sort(&ra);
	fa_results_sort(&rb);
	assert_true(ra.n > 20);
	assert_int_equal(ra.n, rb.n);
	for (i = 0; i < ra.n; i++) {
		assert_string_equal(ra.items[i].check->id, rb.items[i].check->id);
		assert_string_equal(ra.items[i].resource_id, rb.items[i].resource_id);
		assert_string_equal(ra.items[i].message, rb.items[i].message);
		assert_string_equal(ra.items[i].fingerprint, rb.items[i].fingerprint);
		if (i > 0) {
			int c = strcmp(ra.items[i - 1].check->id, ra.items[i].check->id);

			assert_true(c <= 0);
			if (c == 0 && strcmp(ra.items[i - 1].resource_type, ra.items[i].resource_type) == 0)
				assert_true(strcmp(ra.items[i - 1].resource_id, ra.items[i].resource_id) <= 0);
		}
	}
	fa_results_release(&ra);
	fa_results_release(&rb);
	fa_app_release(&a);
	fa_app_release(&b);
}

/* Every result's message stays one bounded line. */
static void test_message_bounded(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;
	char name[64];
	int i;

	(void)state;
	fx_app(&a, "big");
	m = fx_machine(&a, "m-big", "started");
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "SECRET_NUMBER_%d_PASSWORD", i);
		fx_env(&m->env, name, FA_DET_SECRET_NAME, (unsigned char)i);
	}
	fx_run(&a, NULL, &rs);
	{
		const fa_result *r = fx_get(&rs, "secrets.plaintext_env", "m-big");

		assert_int_equal(r->status, FA_STATUS_FAIL);
		assert_true(strlen(r->message) < FA_MSG_MAX);
		assert_non_null(strstr(r->message, "..."));
		assert_null(strchr(r->message, '\n'));
	}
	fa_results_release(&rs);
	fa_app_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_complete),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_plaintext_env),
		cmocka_unit_test(test_plaintext_env_unknown),
		cmocka_unit_test(test_private_service_public),
		cmocka_unit_test(test_public_ip_unused),
		cmocka_unit_test(test_flycast_cross_org),
		cmocka_unit_test(test_https_not_forced),
		cmocka_unit_test(test_weak_protocols),
		cmocka_unit_test(test_certificate_not_ready),
		cmocka_unit_test(test_sorted_deterministic),
		cmocka_unit_test(test_message_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
