/* test_repo.c: `audit --repo` without a binary: a fly.toml read with the run's env hash
 * key (fa_fly_toml_read) held against an app built in memory (fa_repo_drift): env values
 * by keyed hash (same, different, integers and booleans, other types, no key), process
 * groups ([processes], the default group, groups on one side only, release commands,
 * too many groups); and [processes] in the scan of a fly.toml (attribution of a service's
 * groups, [checks] by group, hostile tables). The binary's runs are in test_scan.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/buf.h"
#include "flyaudit/scan.h"
#include "flyaudit/secrets.h"

#include "checks_fixture.h"

/* ---- audit --repo, pure: the fly.toml held against an app built in memory --------------- */

static const unsigned char drift_key[FA_ENV_KEY_LEN] = { 7, 1, 4, 2, 9 };

/* Sets the keyed hash of `value` on the machine's env var `name` (added when missing). */
static void live_env(fa_machine *m, const char *name, const char *value)
{
	fa_env_var *v = NULL;
	size_t i;

	for (i = 0; i < m->env.n_vars; i++)
		if (strcmp(m->env.vars[i].name, name) == 0)
			v = &m->env.vars[i];
	if (!v)
		v = fx_env(&m->env, name, 0, 0);
	assert_int_equal(fa_env_hash(drift_key, value, strlen(value), v->hash), 0);
}

/* Reads `toml` (with `key`) and runs drift on app into rs. */
static void drift_of(const char *toml, const unsigned char *key, const fa_app *app, fa_results *rs)
{
	fa_fly_toml *t = NULL;
	fa_parse_error err;
	fa_scan_ctx sc = { NULL, FX_NOW };

	fa_results_init(rs);
	assert_int_equal(fa_fly_toml_read(toml, strlen(toml), key, &t, &err), 0);
	assert_non_null(t);
	assert_int_equal(fa_repo_drift(&sc, "fly.toml", t, app, rs), 0);
	fa_fly_toml_free(t);
}

/* The result with resource id "web:fly.toml#ITEM", or NULL. */
static const fa_result *drift_item(const fa_results *rs, const char *item)
{
	char id[200];
	size_t i;

	snprintf(id, sizeof(id), "web:fly.toml#%s", item);
	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->items[i].resource_id, id) == 0)
			return &rs->items[i];
	return NULL;
}

static size_t drift_count(const fa_results *rs, fa_status st)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++)
		n += rs->items[i].status == st;
	return n;
}

#define DRIFT_HTTP                                                                          \
	"[http_service]\n"                                                                  \
	"  internal_port = 8080\n"                                                          \
	"  force_https = true\n"                                                            \
	"  auto_stop_machines = \"stop\"\n"                                                 \
	"  [[http_service.checks]]\n"                                                       \
	"    path = \"/health\"\n"

/* env values by keyed hash: same value no drift, another value a fail naming the name,
 * the machine and the line (never a value), a name on one side env_names' only; integers
 * and booleans as flyctl deploys them; other types and no key: unknown, never a pass. */
static void test_repo_drift_env(void **state)
{
	static const char toml[] =
		"app = \"web\"\n"          /* 1 */
		"[env]\n"                  /* 2 */
		"  LOG_LEVEL = \"info\"\n" /* 3 */
		"  MODE = \"blue\"\n"      /* 4 */
		"  ONLY_REPO = \"x\"\n"    /* 5 */
		"  PORT = 8080\n"          /* 6 */
		"  DEBUG = false\n"        /* 7 */
		DRIFT_HTTP;
	static const char odd[] = "app = \"web\"\n[env]\n  MODE = 1.5\n  PORT = \"80\\u000080\"\n" DRIFT_HTTP;
	fa_app app;
	fa_machine *m0, *m1;
	fa_results rs;
	const fa_result *r;
	size_t i;

	(void)state;
	fx_app(&app, "web");
	fx_machine(&app, "m0", "started");
	fx_machine(&app, "m1", "started");
	/* a stopped machine is not compared (pointers taken once the array is complete) */
	fx_machine(&app, "m2", "stopped");
	m0 = &app.machines[0];
	m1 = &app.machines[1];
	for (i = 0; i < 2; i++) {
		fa_machine *m = i ? m1 : m0;

		live_env(m, "LOG_LEVEL", "info");
		live_env(m, "PORT", "8080");
		live_env(m, "DEBUG", "false");
		live_env(m, "ONLY_LIVE", "y");
	}
	live_env(m0, "MODE", "blue");
	live_env(m1, "MODE", "green");
	live_env(&app.machines[2], "MODE", "red");

	drift_of(toml, drift_key, &app, &rs);
	r = drift_item(&rs, "env_value:MODE");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_int_equal(r->line, 4);
	assert_string_equal(r->file, "fly.toml");
	assert_non_null(strstr(r->message, "MODE"));
	assert_non_null(strstr(r->message, "machine m1"));
	assert_non_null(strstr(r->message, "1 of 2"));
	assert_null(drift_item(&rs, "env_value:LOG_LEVEL")); /* same value */
	assert_null(drift_item(&rs, "env_value:PORT"));      /* 8080 deploys as "8080" */
	assert_null(drift_item(&rs, "env_value:DEBUG"));     /* false as "false" */
	assert_null(drift_item(&rs, "env_value:ONLY_REPO")); /* names: env_names */
	assert_null(drift_item(&rs, "env_values"));          /* no pass beside a fail */
	r = drift_item(&rs, "env_names");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_non_null(strstr(r->message, "ONLY_REPO"));
	assert_non_null(strstr(r->message, "ONLY_LIVE"));
	assert_int_equal(drift_count(&rs, FA_STATUS_FAIL), 2);
	for (i = 0; i < rs.n; i++) {
		assert_null(strstr(rs.items[i].message, "blue"));
		assert_null(strstr(rs.items[i].message, "green"));
		assert_null(strstr(rs.items[i].message, "\"info\""));
	}
	fa_results_release(&rs);

	/* every value the same: one pass */
	live_env(&app.machines[1], "MODE", "blue");
	drift_of(toml, drift_key, &app, &rs);
	assert_null(drift_item(&rs, "env_value:MODE"));
	r = drift_item(&rs, "env_values");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_PASS);
	assert_non_null(strstr(r->message, "4 [env] values"));
	fa_results_release(&rs);

	/* another key (another run's hashes, as a snapshot has): every value differs; no key
	 * at all (audit --from): one unknown that says why, no value result */
	{
		unsigned char other[FA_ENV_KEY_LEN] = { 1 };

		drift_of(toml, other, &app, &rs);
		assert_non_null(drift_item(&rs, "env_value:MODE"));
		assert_non_null(drift_item(&rs, "env_value:LOG_LEVEL"));
		fa_results_release(&rs);
	}
	drift_of(toml, NULL, &app, &rs);
	r = drift_item(&rs, "env_values");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_UNKNOWN);
	assert_non_null(strstr(r->message, "never stored"));
	assert_null(drift_item(&rs, "env_value:MODE"));
	assert_int_equal(drift_count(&rs, FA_STATUS_FAIL), 1); /* env_names only */
	fa_results_release(&rs);

	/* a float: flyctl's rendering of it is not ours to guess */
	drift_of(odd, drift_key, &app, &rs);
	r = drift_item(&rs, "env_value:MODE");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_UNKNOWN);
	assert_int_equal(r->line, 3);
	r = drift_item(&rs, "env_value:PORT"); /* a NUL inside: not compared either */
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_UNKNOWN);
	assert_int_equal(r->line, 4);
	assert_null(drift_item(&rs, "env_values"));
	fa_results_release(&rs);
	fa_app_release(&app);
}

/* [processes]: each group's machines against what that group gets (a section without
 * `processes` goes to the default group only), groups on one side only a fail each,
 * release commands and destroyed machines left out, too many groups unknown. */
static void test_repo_drift_processes(void **state)
{
	static const char toml[] =
		"app = \"web\"\n"                   /* 1 */
		"[processes]\n"                     /* 2 */
		"  worker = \"bin/worker\"\n"       /* 3 */
		"  web = \"bin/web\"\n"             /* 4 */
		"[[services]]\n"                    /* 5 */
		"  internal_port = 8080\n"          /* 6 */
		"  processes = [\"web\"]\n"         /* 7 */
		"  auto_stop_machines = \"stop\"\n" /* 8 */
		"  [[services.ports]]\n"            /* 9 */
		"    port = 80\n"                   /* 10 */
		"    handlers = [\"http\"]\n"       /* 11 */
		"    force_https = true\n"          /* 12 */
		"  [[services.ports]]\n"            /* 13 */
		"    port = 443\n"                  /* 14 */
		"    handlers = [\"tls\", \"http\"]\n" /* 15 */
		"[checks.alive]\n"                  /* 16 */
		"  type = \"tcp\"\n"                /* 17 */
		"  port = 8080\n";                  /* 18 */
	/* no `processes` on the service: it goes to the default group, "web" (the first by
	 * name, as "app" is not declared) */
	static const char dflt[] =
		"app = \"web\"\n[processes]\n  worker = \"w\"\n  web = \"s\"\n"
		"[http_service]\n  internal_port = 8080\n  force_https = true\n"
		"  auto_stop_machines = \"stop\"\n  [[http_service.checks]]\n    path = \"/\"\n";
	fa_app app;
	fa_machine *m;
	fa_results rs;
	const fa_result *r;
	fa_buf big = FA_BUF_INIT(0);
	size_t i;

	(void)state;
	fx_app(&app, "web");
	m = fx_machine(&app, "w0", "started");
	free(m->process_group);
	m->process_group = fx_str("web");
	free(m->env.vars[2].name); /* LOG_LEVEL: the file has no [env] */
	m->env.vars[2].name = fx_str("FLY_ALLOC_ID");
	m = fx_machine_bare(&app, "k0", "started"); /* a worker: no service, no check */
	free(m->process_group);
	m->process_group = fx_str("worker");
	m = fx_machine_bare(&app, "r0", "started"); /* a release command: left out */
	free(m->process_group);
	m->process_group = fx_str("fly_app_release_command");
	m->release_command = true;
	m = fx_machine_bare(&app, "d0", "destroyed");
	free(m->process_group);
	m->process_group = fx_str("old");
	m = NULL;

	drift_of(toml, drift_key, &app, &rs);
	/* the worker has no service and no check, as its group gets none: no drift. The
	 * [checks] entry names no group, so it is the default group's (web) */
	assert_int_equal(drift_count(&rs, FA_STATUS_FAIL), 0);
	assert_int_equal(drift_count(&rs, FA_STATUS_UNKNOWN), 0);
	r = drift_item(&rs, "processes");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_PASS);
	assert_int_equal(r->line, 2);
	assert_non_null(strstr(r->message, "\"web worker\""));
	r = drift_item(&rs, "force_https");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_PASS);
	assert_int_equal(r->line, 5);
	fa_results_release(&rs);

	drift_of(dflt, drift_key, &app, &rs);
	assert_int_equal(drift_count(&rs, FA_STATUS_FAIL), 0);
	fa_results_release(&rs);

	/* a live group the file lacks, a group of the file no machine runs */
	free(app.machines[1].process_group);
	app.machines[1].process_group = fx_str("cron");
	drift_of(toml, drift_key, &app, &rs);
	r = drift_item(&rs, "process_group:cron");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_int_equal(r->line, 2);
	assert_non_null(strstr(r->message, "live process group cron (machine k0) is not in the repository"));
	r = drift_item(&rs, "process_group:worker");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_int_equal(r->line, 3);
	assert_non_null(strstr(r->message, "process group worker is in the repository, no live machine runs it"));
	assert_null(drift_item(&rs, "process_group:old")); /* destroyed */
	assert_null(drift_item(&rs, "process_group:fly_app_release_command"));
	assert_null(drift_item(&rs, "processes"));
	/* the cron machine is not held against a group it is not in */
	assert_int_equal(drift_count(&rs, FA_STATUS_FAIL), 2);
	fa_results_release(&rs);

	/* no [processes]: the one group "app"; the web machine runs "web" */
	drift_of("app = \"web\"\n" DRIFT_HTTP, drift_key, &app, &rs);
	r = drift_item(&rs, "process_group:app");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_int_equal(r->line, 1);
	assert_non_null(drift_item(&rs, "process_group:web"));
	fa_results_release(&rs);

	/* more groups than are compared: unknown, not a fail for each */
	assert_int_equal(fa_buf_adds(&big, "app = \"web\"\n[processes]\n"), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(fa_buf_printf(&big, "  g%03zu = \"run %zu\"\n", i, i), 0);
	drift_of(big.data, drift_key, &app, &rs);
	r = drift_item(&rs, "processes");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_UNKNOWN);
	assert_null(drift_item(&rs, "process_group:cron"));
	fa_results_release(&rs);
	fa_buf_release(&big);

	/* a machine without a config (its host is down) and no group: which group it is in is
	 * not known, so the groups are unknown, never a fail or a pass */
	m = fx_machine_bare(&app, "x0", "started");
	free(m->process_group);
	m->process_group = NULL;
	m->has_config = false;
	drift_of(toml, drift_key, &app, &rs);
	r = drift_item(&rs, "processes");
	assert_non_null(r);
	assert_int_equal(r->status, FA_STATUS_UNKNOWN);
	assert_non_null(strstr(r->message, "machine x0 has no config"));
	assert_null(drift_item(&rs, "process_group:cron"));
	fa_results_release(&rs);
	fa_app_release(&app);
}

/* fly.toml [processes] in the scan and the reader: a service's messages name its groups
 * and the ones [processes] lacks; [checks] count only for the groups they name; hostile
 * [processes] (values not strings, a huge table, a duplicate key). */
static void test_scan_processes(void **state)
{
	static const char toml[] =
		"app = \"web\"\n"                     /* 1 */
		"[processes]\n"                       /* 2 */
		"  web = \"bin/web\"\n"               /* 3 */
		"  worker = 42\n"                     /* 4: not a string, still a group */
		"[http_service]\n"                    /* 5 */
		"  internal_port = 8080\n"            /* 6 */
		"  force_https = true\n"              /* 7 */
		"  auto_stop_machines = \"stop\"\n"   /* 8 */
		"  processes = [\"web\", \"jobs\"]\n" /* 9 */
		"[checks.w]\n"                        /* 10 */
		"  type = \"tcp\"\n"                  /* 11 */
		"  processes = [\"worker\"]\n";       /* 12 */
	fa_scan_ctx sc = { NULL, FX_NOW };
	fa_results rs;
	fa_parse_error err;
	fa_fly_toml *t = NULL;
	bool checks = false;
	fa_buf big = FA_BUF_INIT(0);
	size_t i;

	(void)state;
	fa_results_init(&rs);
	assert_int_equal(fa_scan_fly_toml(&sc, "fly.toml", toml, strlen(toml), &rs, &err), 0);
	for (i = 0; i < rs.n; i++) {
		const fa_result *r = &rs.items[i];

		if (strcmp(r->check->id, "health.checks_missing") == 0) {
			/* the only [checks] entry is the worker's: the web service has none */
			assert_int_equal(r->status, FA_STATUS_FAIL);
			assert_int_equal(r->line, 5);
			assert_non_null(strstr(r->message,
					       "[http_service] (processes web, jobs; not in [processes], so on no machine: jobs)"));
			checks = true;
		}
		if (r->resource_name && strcmp(r->resource_name, "[http_service]") == 0)
			assert_string_equal(r->resource_id, "fly.toml#[http_service]"); /* ids unchanged */
	}
	assert_true(checks);
	fa_results_release(&rs);

	/* the same check passes when the [checks] entry is the web group's */
	{
		char *t2 = strdup(toml);
		char *w = strstr(t2, "[\"worker\"]");

		memcpy(w, "[\"web\"]   ", 10);
		fa_results_init(&rs);
		assert_int_equal(fa_scan_fly_toml(&sc, "fly.toml", t2, strlen(t2), &rs, &err), 0);
		for (i = 0; i < rs.n; i++)
			if (strcmp(rs.items[i].check->id, "health.checks_missing") == 0)
				assert_int_equal(rs.items[i].status, FA_STATUS_PASS);
		fa_results_release(&rs);
		free(t2);
	}

	/* the reader: groups kept whatever their command, the app named */
	assert_int_equal(fa_fly_toml_read(toml, strlen(toml), drift_key, &t, &err), 0);
	assert_string_equal(fa_fly_toml_app_name(t), "web");
	fa_fly_toml_free(t);
	t = NULL;

	/* a huge table reads (the groups past the cap are not compared) */
	assert_int_equal(fa_buf_adds(&big, "[processes]\n"), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(fa_buf_printf(&big, "g%zu = \"x\"\n", i), 0);
	assert_int_equal(fa_fly_toml_read(big.data, big.len, drift_key, &t, &err), 0);
	assert_null(fa_fly_toml_app_name(t));
	fa_fly_toml_free(t);
	t = NULL;
	fa_results_init(&rs);
	assert_int_equal(fa_scan_fly_toml(&sc, "fly.toml", big.data, big.len, &rs, &err), 0);
	fa_results_release(&rs);
	fa_buf_release(&big);

	/* many sections naming many groups (no group shared): linear, not pairwise */
	assert_int_equal(fa_buf_adds(&big, "[processes]\n  web = \"w\"\n"), 0);
	for (i = 0; i < 400; i++) {
		size_t k;

		assert_int_equal(fa_buf_printf(&big, "[[services]]\n  internal_port = 80\n  ports = [{port = 80}]\n  processes = ["), 0);
		for (k = 0; k < 40; k++)
			assert_int_equal(fa_buf_printf(&big, "%s\"s%zu\"", k ? "," : "", k), 0);
		assert_int_equal(fa_buf_printf(&big, "]\n[checks.c%zu]\n  processes = [", i), 0);
		for (k = 0; k < 40; k++)
			assert_int_equal(fa_buf_printf(&big, "%s\"c%zu\"", k ? "," : "", k), 0);
		assert_int_equal(fa_buf_adds(&big, "]\n"), 0);
	}
	fa_results_init(&rs);
	assert_int_equal(fa_scan_fly_toml(&sc, "fly.toml", big.data, big.len, &rs, &err), 0);
	for (i = 0; i < rs.n; i++)
		if (strcmp(rs.items[i].check->id, "health.checks_missing") == 0)
			assert_int_equal(rs.items[i].status, FA_STATUS_FAIL);
	fa_results_release(&rs);
	assert_int_equal(fa_fly_toml_read(big.data, big.len, drift_key, &t, &err), 0);
	fa_fly_toml_free(t);
	t = NULL;
	fa_buf_release(&big);

	/* processes that are not a table, names that are not strings */
	{
		static const char odd[] = "processes = \"web\"\n[http_service]\n  processes = [1, \"x\"]\n"
					  "  internal_port = 80\n";

		assert_int_equal(fa_fly_toml_read(odd, strlen(odd), drift_key, &t, &err), 0);
		fa_fly_toml_free(t);
		t = NULL;
		fa_results_init(&rs);
		assert_int_equal(fa_scan_fly_toml(&sc, "fly.toml", odd, strlen(odd), &rs, &err), 0);
		fa_results_release(&rs);
	}
	/* a duplicate group is a TOML error: not read, one line said */
	{
		static const char dup[] = "[processes]\nweb = \"a\"\nweb = \"b\"\n";

		assert_int_equal(fa_fly_toml_read(dup, strlen(dup), drift_key, &t, &err), FA_SCAN_UNPARSED);
		assert_null(t);
		assert_int_equal(err.line, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repo_drift_env),
		cmocka_unit_test(test_repo_drift_processes),
		cmocka_unit_test(test_scan_processes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
