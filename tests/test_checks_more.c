/* test_checks_more.c: the container, health, autostop, volume, token, running-token,
 * allowlist and drift checks on inventory fixtures built in C. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_fixture.h"

/* ---- container.runs_as_root ------------------------------------------------------------ */

static void test_runs_as_root(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	m = fx_machine(&a, "m-root", "started");
	free(m->processes[0].user);
	m->processes[0].user = fx_str("root");
	m = fx_machine(&a, "m-zero", "started");
	fx_process(m, "0:0");
	fx_machine(&a, "m-app", "started");
	m = fx_machine(&a, "m-two", "stopped");
	fx_process(m, "1000");
	m = fx_machine_bare(&a, "m-none", "started"); /* no processes: user from the image */
	m = fx_machine(&a, "m-partial", "started");
	fx_process(m, NULL);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.runs_as_root", "m-root", FA_STATUS_FAIL,
		  "processes[0] runs as user \"root\"");
	fx_expect(&rs, "container.runs_as_root", "m-zero", FA_STATUS_FAIL,
		  "processes[1] runs as user \"0:0\"");
	fx_expect(&rs, "container.runs_as_root", "m-app", FA_STATUS_PASS, "non-root user");
	fx_expect(&rs, "container.runs_as_root", "m-two", FA_STATUS_PASS, "every process and container (2)");
	fx_expect(&rs, "container.runs_as_root", "m-none", FA_STATUS_UNKNOWN, "fly ssh console -C id");
	fx_expect(&rs, "container.runs_as_root", "m-none", FA_STATUS_UNKNOWN, "USER");
	fx_expect(&rs, "container.runs_as_root", "m-partial", FA_STATUS_UNKNOWN,
		  "1 of 2 processes and containers name no user");
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "down");
	fx_fail_load(&a, FA_EP_MACHINES, 502, "bad gateway");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.runs_as_root", "down", FA_STATUS_UNKNOWN, "HTTP 502: bad gateway");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- container.image_unpinned ----------------------------------------------------------- */

static void set_image(fa_machine *m, const char *img)
{
	free(m->image);
	m->image = fx_str(img);
}

static void test_image_unpinned(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	set_image(fx_machine_bare(&a, "m-notag", "started"), "nginx");
	set_image(fx_machine_bare(&a, "m-latest", "started"), "registry.fly.io/web:latest");
	set_image(fx_machine_bare(&a, "m-port", "started"), "registry.example.com:5000/team/web");
	fx_machine_bare(&a, "m-deploy", "started");
	set_image(fx_machine_bare(&a, "m-digest", "started"),
		  "nginx@sha256:5615ef423504d56ae345ccff9db54796d589965da953297f5785042df0628452");
	set_image(fx_machine_bare(&a, "m-porttag", "started"), "host:5000/web:1.2.3");
	m = fx_machine_bare(&a, "m-noimage", "started");
	free(m->image);
	m->image = NULL;
	m = fx_machine_bare(&a, "m-nocfg", "started");
	m->has_config = false;
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "container.image_unpinned", "m-notag", FA_STATUS_FAIL, "nginx has no tag");
	fx_expect(&rs, "container.image_unpinned", "m-latest", FA_STATUS_FAIL, "`latest` tag");
	fx_expect(&rs, "container.image_unpinned", "m-port", FA_STATUS_FAIL, "has no tag");
	fx_expect(&rs, "container.image_unpinned", "m-deploy", FA_STATUS_PASS,
		  "pinned to tag deployment-01J5Z6X0ABCDEF");
	fx_expect(&rs, "container.image_unpinned", "m-digest", FA_STATUS_PASS, "pinned by digest");
	fx_expect(&rs, "container.image_unpinned", "m-porttag", FA_STATUS_PASS, "tag 1.2.3");
	fx_expect(&rs, "container.image_unpinned", "m-noimage", FA_STATUS_UNKNOWN, "no image");
	fx_expect(&rs, "container.image_unpinned", "m-nocfg", FA_STATUS_UNKNOWN, "not available");
	assert_int_equal(fx_get(&rs, "container.image_unpinned", "m-latest")->severity, FA_SEV_LOW);
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- health.checks_missing and health.checks_failing ------------------------------------ */

static void drop_service_checks(fa_machine *m)
{
	size_t i;

	for (i = 0; i < m->services[0].n_checks; i++) {
		free(m->services[0].checks[i].type);
		free(m->services[0].checks[i].path);
		free(m->services[0].checks[i].interval);
		free(m->services[0].checks[i].timeout);
	}
	free(m->services[0].checks);
	m->services[0].checks = NULL;
	m->services[0].n_checks = 0;
}

static void test_checks_missing(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	m = fx_machine(&a, "m-none", "started");
	drop_service_checks(m);
	m = fx_machine(&a, "m-two-svc", "stopped");
	drop_service_checks(m);
	fx_port(fx_service(m, "udp", 5353), 53, 0, FA_TRI_UNKNOWN);
	fx_machine(&a, "m-svc", "started");
	m = fx_machine(&a, "m-machinecheck", "started");
	drop_service_checks(m);
	fx_machine_check(m, "alive", "tcp");
	m = fx_machine_bare(&a, "m-private", "started");
	fx_service(m, "tcp", 8080); /* no public ports: does not apply */
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "health.checks_missing", "m-none", FA_STATUS_FAIL, "no service checks");
	fx_expect(&rs, "health.checks_missing", "m-two-svc", FA_STATUS_FAIL, "no machine checks");
	fx_expect(&rs, "health.checks_missing", "m-svc", FA_STATUS_PASS, "1 service check(s)");
	fx_expect(&rs, "health.checks_missing", "m-machinecheck", FA_STATUS_PASS,
		  "0 service check(s) and 1 machine check(s)");
	assert_int_equal(fx_count(&rs, "health.checks_missing"), 4);
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "down");
	fx_fail_load(&a, FA_EP_MACHINES, 500, "boom");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "health.checks_missing", "down", FA_STATUS_UNKNOWN, "machines could not be read");
	fa_results_release(&rs);
	fa_app_release(&a);
}

static void test_checks_failing(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	m = fx_machine(&a, "m-crit", "started");
	free(m->check_status[0].status);
	m->check_status[0].status = fx_str("critical");
	m = fx_machine(&a, "m-one-of-three", "started");
	fx_status(m, "db", "critical");
	fx_status(m, "disk", "warning");
	fx_machine(&a, "m-ok", "started");
	m = fx_machine(&a, "m-warn", "started");
	fx_status(m, "disk", "warning");
	m = fx_machine(&a, "m-stopped", "stopped"); /* not started: does not apply */
	fx_status(m, "db", "critical");
	m = fx_machine_bare(&a, "m-nostatus", "started"); /* no statuses: does not apply */
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "health.checks_failing", "m-crit", FA_STATUS_FAIL,
		  "critical checks: servicecheck-00-http-8080 (1 of 1)");
	fx_expect(&rs, "health.checks_failing", "m-one-of-three", FA_STATUS_FAIL, "db (1 of 3)");
	fx_expect(&rs, "health.checks_failing", "m-ok", FA_STATUS_PASS, "none critical");
	fx_expect(&rs, "health.checks_failing", "m-warn", FA_STATUS_PASS, "(1 warning)");
	assert_int_equal(fx_count(&rs, "health.checks_failing"), 4);
	assert_int_equal(fx_get(&rs, "health.checks_failing", "m-crit")->severity, FA_SEV_HIGH);
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "down");
	fx_fail_load(&a, FA_EP_MACHINES, 500, "boom");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "health.checks_failing", "down", FA_STATUS_UNKNOWN, "HTTP 500: boom");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- machines.autostop_disabled ---------------------------------------------------------- */

static void test_autostop(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	m = fx_machine(&a, "m-off", "started");
	m->services[0].autostop = FA_AUTOSTOP_OFF;
	m = fx_machine(&a, "m-unset", "started");
	m->services[0].autostop = FA_AUTOSTOP_UNSET;
	fx_machine(&a, "m-stop", "started");
	m = fx_machine(&a, "m-suspend", "suspended");
	m->services[0].autostop = FA_AUTOSTOP_SUSPEND;
	m = fx_machine_bare(&a, "m-private", "started");
	fx_service(m, "tcp", 8080)->autostop = FA_AUTOSTOP_OFF; /* no public ports */
	m = fx_machine(&a, "m-nocfg", "started");
	m->has_config = false;
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "machines.autostop_disabled", "m-off", FA_STATUS_FAIL,
		  "public service tcp/8080 has autostop off");
	fx_expect(&rs, "machines.autostop_disabled", "m-unset", FA_STATUS_FAIL,
		  "not set (Fly defaults to off)");
	fx_expect(&rs, "machines.autostop_disabled", "m-stop", FA_STATUS_PASS, "stop or suspend");
	fx_expect(&rs, "machines.autostop_disabled", "m-suspend", FA_STATUS_PASS, "stop or suspend");
	fx_expect(&rs, "machines.autostop_disabled", "m-nocfg", FA_STATUS_UNKNOWN, "not available");
	assert_int_equal(fx_count(&rs, "machines.autostop_disabled"), 5);
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- volumes ------------------------------------------------------------------------------ */

static void test_volumes(void **state)
{
	fa_app a;
	fa_volume *v;
	fa_results rs;

	(void)state;
	fx_app(&a, "db");
	fx_volume(&a, "vol_plain1", FA_TRI_FALSE, FA_TRI_FALSE);
	fx_volume(&a, "vol_plain2", FA_TRI_FALSE, FA_TRI_FALSE);
	fx_volume(&a, "vol_enc1", FA_TRI_TRUE, FA_TRI_TRUE);
	fx_volume(&a, "vol_enc2", FA_TRI_TRUE, FA_TRI_TRUE);
	fx_volume(&a, "vol_what", FA_TRI_UNKNOWN, FA_TRI_UNKNOWN);
	v = fx_volume(&a, "vol_gone", FA_TRI_FALSE, FA_TRI_FALSE);
	free(v->state);
	v->state = fx_str("pending_destroy");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "volumes.unencrypted", "vol_plain1", FA_STATUS_FAIL, "not encrypted");
	fx_expect(&rs, "volumes.unencrypted", "vol_plain2", FA_STATUS_FAIL, "encrypted: false");
	fx_expect(&rs, "volumes.unencrypted", "vol_enc1", FA_STATUS_PASS, "is encrypted");
	fx_expect(&rs, "volumes.unencrypted", "vol_enc2", FA_STATUS_PASS, "is encrypted");
	fx_expect(&rs, "volumes.unencrypted", "vol_what", FA_STATUS_UNKNOWN, "did not say");
	fx_expect(&rs, "volumes.no_backups", "vol_plain1", FA_STATUS_FAIL, "auto_backup_enabled: false");
	fx_expect(&rs, "volumes.no_backups", "vol_plain2", FA_STATUS_FAIL, "disabled");
	fx_expect(&rs, "volumes.no_backups", "vol_enc1", FA_STATUS_PASS, "enabled");
	fx_expect(&rs, "volumes.no_backups", "vol_enc2", FA_STATUS_PASS, "enabled");
	fx_expect(&rs, "volumes.no_backups", "vol_what", FA_STATUS_UNKNOWN, "did not say");
	assert_int_equal(fx_count(&rs, "volumes.unencrypted"), 5); /* vol_gone skipped */
	assert_string_equal(fx_get(&rs, "volumes.unencrypted", "vol_enc1")->resource_type, "volume");
	assert_int_equal(fx_get(&rs, "volumes.unencrypted", "vol_plain1")->severity, FA_SEV_HIGH);
	fa_results_release(&rs);
	fa_app_release(&a);

	/* no volumes: nothing; volumes failed: one unknown each */
	fx_app(&a, "stateless");
	fx_run(&a, NULL, &rs);
	assert_int_equal(fx_count(&rs, "volumes.unencrypted"), 0);
	assert_int_equal(fx_count(&rs, "volumes.no_backups"), 0);
	fa_results_release(&rs);
	fa_app_release(&a);
	fx_app(&a, "stateless");
	fx_fail_load(&a, FA_EP_VOLUMES, 500, "oops");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "volumes.unencrypted", "stateless", FA_STATUS_UNKNOWN,
		  "volumes could not be read: HTTP 500: oops");
	fx_expect(&rs, "volumes.no_backups", "stateless", FA_STATUS_UNKNOWN, "volumes could not be read");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- tokens.long_lived ---------------------------------------------------------------------- */

static void test_long_lived_app(void **state)
{
	fa_app a;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	fx_token(&a.tokens, &a.n_tokens, "tok_never", NULL, NULL);
	fx_token(&a.tokens, &a.n_tokens, "tok_20y", "2045-12-27T00:00:00Z", NULL);
	fx_token(&a.tokens, &a.n_tokens, "tok_30d", "2026-01-31T00:00:00Z", NULL);
	fx_token(&a.tokens, &a.n_tokens, "tok_364d", "2026-12-31T00:00:00+02:00", NULL);
	fx_token(&a.tokens, &a.n_tokens, "tok_revoked", NULL, "2025-06-01T00:00:00Z");
	fx_token(&a.tokens, &a.n_tokens, "tok_expired", "2025-12-31T23:50:00Z", NULL);
	fx_token(&a.tokens, &a.n_tokens, "tok_bad", "next tuesday", NULL);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tokens.long_lived", "tok_never", FA_STATUS_FAIL, "never expires");
	fx_expect(&rs, "tokens.long_lived", "tok_20y", FA_STATUS_FAIL, "in 7300 days (more than 365)");
	fx_expect(&rs, "tokens.long_lived", "tok_30d", FA_STATUS_PASS, "in 30 days");
	fx_expect(&rs, "tokens.long_lived", "tok_364d", FA_STATUS_PASS, "in 363 days");
	fx_expect(&rs, "tokens.long_lived", "tok_bad", FA_STATUS_UNKNOWN, "not an RFC 3339 time");
	assert_int_equal(fx_count(&rs, "tokens.long_lived"), 5); /* revoked, expired skipped */
	{
		const fa_result *r = fx_get(&rs, "tokens.long_lived", "tok_never");

		assert_string_equal(r->resource_type, "token");
		assert_string_equal(r->resource_name, "ci token");
		assert_string_equal(r->app, "web");
		assert_non_null(strstr(r->message, "live app token"));
	}
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "web");
	fx_fail_load(&a, FA_EP_TOKENS, 200, "GraphQL: not authorized");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "tokens.long_lived", "web", FA_STATUS_UNKNOWN,
		  "tokens could not be read: HTTP 200: GraphQL: not authorized");
	fa_results_release(&rs);
	fa_app_release(&a);
}

static void run_org(const fa_inventory *inv, const fa_self *self, fa_results *rs)
{
	fa_audit_ctx c = fx_ctx(self);

	fa_results_init(rs);
	assert_int_equal(fa_audit_org(&c, inv, rs), 0);
}

static void test_long_lived_org(void **state)
{
	fa_inventory inv;
	fa_results rs;
	const fa_result *r;

	(void)state;
	memset(&inv, 0, sizeof(inv));
	fa_load_ok(&inv.org_tokens_load);
	fx_token(&inv.org_tokens, &inv.n_org_tokens, "org_never", NULL, NULL);
	fx_token(&inv.org_tokens, &inv.n_org_tokens, "org_2y", "2028-01-01T00:00:00Z", NULL);
	fx_token(&inv.org_tokens, &inv.n_org_tokens, "org_10m", "2026-01-01T00:10:00Z", NULL);
	fx_token(&inv.org_tokens, &inv.n_org_tokens, "org_90d", "2026-04-01T00:00:00Z", NULL);
	run_org(&inv, NULL, &rs);
	fx_expect(&rs, "tokens.long_lived", "org_never", FA_STATUS_FAIL, "live org token");
	fx_expect(&rs, "tokens.long_lived", "org_2y", FA_STATUS_FAIL, "more than 365");
	fx_expect(&rs, "tokens.long_lived", "org_10m", FA_STATUS_PASS, "in 0 days");
	fx_expect(&rs, "tokens.long_lived", "org_90d", FA_STATUS_PASS, "in 90 days");
	r = fx_get(&rs, "tokens.long_lived", "org_never");
	assert_null(r->app);
	assert_string_equal(r->org, "acme");
	fa_results_release(&rs);
	fa_inventory_release(&inv);

	memset(&inv, 0, sizeof(inv));
	assert_int_equal(fa_load_fail(&inv.org_tokens_load, 403, "forbidden"), 0);
	run_org(&inv, NULL, &rs);
	fx_expect(&rs, "tokens.long_lived", "acme", FA_STATUS_UNKNOWN,
		  "org tokens could not be read: HTTP 403: forbidden");
	assert_string_equal(fx_get(&rs, "tokens.long_lived", "acme")->resource_type, "org");
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

/* ---- the running token -------------------------------------------------------------------- */

static fa_self self_macaroon(fa_tri ro, unsigned access, time_t exp, size_t undischarged)
{
	fa_self s;

	memset(&s, 0, sizeof(s));
	s.kind = FA_TOKEN_KIND_MACAROON;
	s.decoded = true;
	s.read_only = ro;
	s.access = access;
	s.org_id = 42;
	s.expires_at = exp;
	s.n_undischarged = undischarged;
	return s;
}

static void test_auditor_token(void **state)
{
	fa_self ro = self_macaroon(FA_TRI_TRUE, 1, FX_NOW + 90 * 86400, 0);
	fa_self ro2 = self_macaroon(FA_TRI_TRUE, 1, 0, 0);
	fa_self rw = self_macaroon(FA_TRI_FALSE, 1 | 2 | 4 | 8, FX_NOW + 3 * 86400, 1);
	fa_self rw2 = self_macaroon(FA_TRI_FALSE, 31, FX_NOW - 60, 2);
	fa_self user, bad, vague;
	fa_results rs;

	(void)state;
	memset(&user, 0, sizeof(user));
	user.kind = FA_TOKEN_KIND_USER;
	memset(&bad, 0, sizeof(bad));
	bad.kind = FA_TOKEN_KIND_UNKNOWN;
	bad.error = (char *)"not a macaroon: bad base64";
	vague = self_macaroon(FA_TRI_UNKNOWN, 0, FX_NOW + 30 * 86400, 0);

	run_org(NULL, &ro, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_PASS, "read access");
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_PASS, "expires in 90 days");
	fx_expect(&rs, "tokens.undischarged", "running", FA_STATUS_PASS, "has a discharge");
	assert_null(fx_get(&rs, "tokens.auditor_expiring", "running")->app);
	assert_int_equal(rs.n, 3);
	fa_results_release(&rs);

	run_org(NULL, &ro2, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_PASS, NULL);
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_PASS, "no expiry");
	fa_results_release(&rs);

	run_org(NULL, &rw, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_FAIL,
		  "can write (access: read,write,create,delete)");
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_FAIL, "within 14 days");
	fx_expect(&rs, "tokens.undischarged", "running", FA_STATUS_FAIL,
		  "1 third-party caveat(s) without a discharge");
	assert_int_equal(fx_get(&rs, "tokens.undischarged", "running")->severity, FA_SEV_INFO);
	fa_results_release(&rs);

	run_org(NULL, &rw2, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_FAIL, "control");
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_FAIL, "has expired");
	fx_expect(&rs, "tokens.undischarged", "running", FA_STATUS_FAIL, "2 third-party");
	fa_results_release(&rs);

	run_org(NULL, &user, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_FAIL, "user token");
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_UNKNOWN, "not visible");
	assert_int_equal(fx_count(&rs, "tokens.undischarged"), 0);
	fa_results_release(&rs);

	run_org(NULL, &bad, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_UNKNOWN,
		  "could not be decoded: not a macaroon: bad base64");
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_UNKNOWN, "could not be decoded");
	fx_expect(&rs, "tokens.undischarged", "running", FA_STATUS_UNKNOWN, "could not be decoded");
	fa_results_release(&rs);

	run_org(NULL, &vague, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_UNKNOWN, "do not settle");
	fa_results_release(&rs);

	run_org(NULL, NULL, &rs);
	fx_expect(&rs, "tokens.auditor_not_readonly", "running", FA_STATUS_UNKNOWN, "nothing is known");
	fx_expect(&rs, "tokens.auditor_expiring", "running", FA_STATUS_UNKNOWN, "nothing is known");
	fx_expect(&rs, "tokens.undischarged", "running", FA_STATUS_UNKNOWN, "nothing is known");
	fa_results_release(&rs);
}

/* ---- network.admin_allowlist ---------------------------------------------------------------- */

static void test_admin_allowlist(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	fx_app(&a, "web");
	fx_machine(&a, "m1", "started");
	fx_machine(&a, "m2", "started");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.admin_allowlist", "web", FA_STATUS_MANUAL, "Fly-Client-IP");
	assert_int_equal(fx_count(&rs, "network.admin_allowlist"), 1); /* one per app */
	assert_int_equal(fx_get(&rs, "network.admin_allowlist", "web")->severity, FA_SEV_NONE);
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "tls-only");
	m = fx_machine_bare(&a, "m1", "started");
	fx_port(fx_service(m, "tcp", 8080), 443, FA_HANDLER_TLS | FA_HANDLER_HTTP, FA_TRI_UNKNOWN);
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.admin_allowlist", "tls-only", FA_STATUS_MANUAL, "cannot show");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* raw TCP only and internal only: no public HTTP service, nothing to verify */
	fx_app(&a, "tcp");
	m = fx_machine_bare(&a, "m1", "started");
	fx_port(fx_service(m, "tcp", 25), 25, 0, FA_TRI_UNKNOWN);
	m = fx_machine_bare(&a, "m2", "started");
	fx_service(m, "tcp", 8080);
	fx_run(&a, NULL, &rs);
	assert_int_equal(fx_count(&rs, "network.admin_allowlist"), 0);
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "down");
	fx_fail_load(&a, FA_EP_MACHINES, 500, "x");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "network.admin_allowlist", "down", FA_STATUS_UNKNOWN, "machines could not be read");
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- regions.config_drift ----------------------------------------------------------------- */

static fa_machine *drift_machine(fa_app *a, const char *id, const char *region)
{
	fa_machine *m = fx_machine(a, id, "started");

	free(m->region);
	m->region = fx_str(region);
	/* per-machine platform vars differ and are not drift */
	fx_env(&m->env, "FLY_ALLOC_ID", 0, (unsigned char)id[strlen(id) - 1]);
	return m;
}

static void test_config_drift(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;

	(void)state;
	/* fail: image differs */
	fx_app(&a, "web");
	drift_machine(&a, "m1", "iad");
	set_image(drift_machine(&a, "m2", "syd"), "registry.fly.io/web:deployment-OLD");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web/app", FA_STATUS_FAIL,
		  "m2 (syd): image registry.fly.io/web:deployment-OLD");
	assert_string_equal(fx_get(&rs, "regions.config_drift", "web/app")->resource_type,
			    "process_group");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* fail: one of three has another LOG_LEVEL value and an extra var; the majority wins */
	fx_app(&a, "web");
	drift_machine(&a, "m3", "iad");
	m = drift_machine(&a, "m1", "ams");
	m->env.vars[2].hash[0] ^= 0xff; /* LOG_LEVEL */
	fx_env(&m->env, "DEBUG", 0, 1);
	drift_machine(&a, "m2", "syd");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web/app", FA_STATUS_FAIL,
		  "1 of 3 serving machines differ from m2 (the most common config): "
		  "m1 (ams): env LOG_LEVEL (value), DEBUG (extra)");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* fail: services and checks differ */
	fx_app(&a, "web");
	drift_machine(&a, "m1", "iad");
	m = drift_machine(&a, "m2", "fra");
	m->services[0].autostop = FA_AUTOSTOP_OFF;
	fx_machine_check(m, "extra", "tcp");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web/app", FA_STATUS_FAIL, "m2 (fra): services, checks");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* pass: identical but for platform vars, env order and port order; stopped machines
	 * and other groups are not compared */
	fx_app(&a, "web");
	drift_machine(&a, "m1", "iad");
	m = drift_machine(&a, "m2", "syd");
	{
		fa_env_var t = m->env.vars[0];
		fa_port p = m->services[0].ports[0];

		m->env.vars[0] = m->env.vars[2];
		m->env.vars[2] = t;
		m->services[0].ports[0] = m->services[0].ports[1];
		m->services[0].ports[1] = p;
	}
	m = fx_machine(&a, "m3", "stopped");
	m->services[0].autostart = FA_TRI_FALSE; /* stopped for good: does not serve */
	set_image(m, "nginx:latest");
	m = fx_machine(&a, "w1", "started");
	free(m->process_group);
	m->process_group = fx_str("worker");
	set_image(m, "registry.fly.io/web:worker");
	/* a one-shot release_command machine of the same group is never compared */
	m = fx_machine(&a, "r1", "started");
	m->release_command = true;
	set_image(m, "registry.fly.io/web:release");
	/* a machine without group metadata is its own group, never "app" */
	m = fx_machine(&a, "n1", "started");
	free(m->process_group);
	m->process_group = NULL;
	set_image(m, "registry.fly.io/web:other");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web/app", FA_STATUS_PASS, "2 serving machines share");
	fx_expect(&rs, "regions.config_drift", "web/worker", FA_STATUS_PASS, "only one serving machine (w1)");
	fx_expect(&rs, "regions.config_drift", "web/(none)", FA_STATUS_PASS, "only one serving machine (n1)");
	assert_int_equal(fx_count(&rs, "regions.config_drift"), 3);
	fa_results_release(&rs);
	fa_app_release(&a);

	/* fail: a stopped machine that autostarts serves, and is compared */
	fx_app(&a, "web");
	drift_machine(&a, "m1", "iad");
	drift_machine(&a, "m2", "syd");
	m = drift_machine(&a, "m3", "fra");
	free(m->state);
	m->state = fx_str("suspended");
	m->services[0].autostart = FA_TRI_TRUE;
	set_image(m, "registry.fly.io/web:old");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web/app", FA_STATUS_FAIL,
		  "m3 (fra): image registry.fly.io/web:old");
	fa_results_release(&rs);
	fa_app_release(&a);

	/* unknown: a started machine without config; the list failed */
	fx_app(&a, "web");
	drift_machine(&a, "m1", "iad");
	drift_machine(&a, "m2", "iad");
	m = drift_machine(&a, "m3", "iad");
	m->has_config = false;
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web/app", FA_STATUS_UNKNOWN,
		  "2 serving machines agree, but config not available for m3");
	fa_results_release(&rs);
	fa_app_release(&a);

	fx_app(&a, "web");
	fx_fail_load(&a, FA_EP_MACHINES, 500, "x");
	drift_machine(&a, "m1", "iad");
	drift_machine(&a, "m2", "iad");
	fx_run(&a, NULL, &rs);
	fx_expect(&rs, "regions.config_drift", "web", FA_STATUS_UNKNOWN, "machines could not be read");
	assert_int_equal(fx_count(&rs, "regions.config_drift"), 1); /* no pass on a partial list */
	fa_results_release(&rs);
	fa_app_release(&a);
}

/* ---- states and totals ---------------------------------------------------------------------- */

static void test_skipped_states_and_nothing_to_check(void **state)
{
	fa_app a;
	fa_machine *m;
	fa_results rs;
	size_t i;

	(void)state;
	fx_app(&a, "ghost");
	m = fx_machine(&a, "m-destroyed", "destroyed");
	fx_env(&m->env, "API_TOKEN", FA_DET_SECRET_NAME, 1);
	m = fx_machine(&a, "m-destroying", "destroying");
	fx_env(&m->env, "API_TOKEN", FA_DET_SECRET_NAME, 1);
	fx_machine(&a, "m-replaced", "replaced");
	fx_machine(&a, "m-migrated", "migrated");
	fx_run(&a, NULL, &rs);
	for (i = 0; i < rs.n; i++)
		if (strcmp(rs.items[i].resource_type, "machine") == 0)
			fail_msg("machine result for a skipped state: %s", rs.items[i].resource_id);
	/* only app-level results: public_ip_unused (no IP: pass) */
	fx_expect(&rs, "network.public_ip_unused", "ghost", FA_STATUS_PASS, "no public IP");
	assert_int_equal(rs.n, 1);
	fa_results_release(&rs);
	fa_app_release(&a);

	/* every other state has a config worth auditing: transient, failed, created, unknown */
	{
		static const char *const states[] = { "created", "creating", "starting", "stopping",
						       "restarting", "suspending", "updating",
						       "replacing", "failed", "launch_failed",
						       "brand-new-state" };

		for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
			fx_app(&a, "busy");
			m = fx_machine(&a, "m1", states[i]);
			fx_env(&m->env, "API_TOKEN", FA_DET_SECRET_NAME, 1);
			fx_run(&a, NULL, &rs);
			fx_expect(&rs, "secrets.plaintext_env", "m1", FA_STATUS_FAIL, "API_TOKEN");
			/* live status applies to started machines only */
			assert_int_equal(fx_count(&rs, "health.checks_failing"), 0);
			fa_results_release(&rs);
			fa_app_release(&a);
		}
	}

	/* every endpoint failed: only unknowns, never a pass */
	fx_app(&a, "dark");
	for (i = 0; i < FA_EP_COUNT; i++)
		fx_fail_load(&a, (fa_endpoint)i, 500, "down");
	fx_run(&a, NULL, &rs);
	assert_true(rs.n >= 14);
	for (i = 0; i < rs.n; i++)
		assert_int_equal(rs.items[i].status, FA_STATUS_UNKNOWN);
	fa_results_release(&rs);
	fa_app_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runs_as_root),
		cmocka_unit_test(test_image_unpinned),
		cmocka_unit_test(test_checks_missing),
		cmocka_unit_test(test_checks_failing),
		cmocka_unit_test(test_autostop),
		cmocka_unit_test(test_volumes),
		cmocka_unit_test(test_long_lived_app),
		cmocka_unit_test(test_long_lived_org),
		cmocka_unit_test(test_auditor_token),
		cmocka_unit_test(test_admin_allowlist),
		cmocka_unit_test(test_config_drift),
		cmocka_unit_test(test_skipped_states_and_nothing_to_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
