/* cmd/audit_run.h: the audit pipeline shared by `audit` and the `apps` view (cmd/audit.c). */
#ifndef FLYAUDIT_CLIENT_AUDIT_RUN_H
#define FLYAUDIT_CLIENT_AUDIT_RUN_H

#include <stdbool.h>
#include <time.h>

#include "cli.h"
#include "flyaudit/policy.h"
#include "flyaudit/report.h"
#include "../spill.h"

/* Called for each app as it is audited, with that app's results (before policy). */
typedef void (*fa_app_hook)(void *ud, const fa_app *app, const fa_results *results);
/* Called for each app as it is audited, before the hook: may add results to its batch. */
typedef void (*fa_app_extend)(void *ud, const fa_app *app, fa_results *results);
/* Called once after the org-level batch: may hand a last batch (results of no crawled app). */
typedef void (*fa_run_finish)(void *ud, fa_results *results);

typedef struct fa_audit_run {
	fa_report report;    /* results of every app, coverage errors */
	fa_inventory inv;    /* org-level data: self, org tokens, load status */
	char *org;
	char *source;
	time_t now;
	int max_image_age_days; /* --max-image-age (0 = the check's default) */
	bool image_layers;      /* --image-layers: secrets.image_files is evaluated */
	char generated_at[32];
	bool partial;
	bool oom;
	fa_app_hook hook;
	void *hook_ud;
	fa_app_extend extend; /* audit --repo */
	fa_run_finish finish;
	void *extend_ud;
	const fa_cli *filter; /* --checks, --exclude-checks, --severity (set by collect) */
	/* When `spill` is set (by `audit`), each app's results go through policy (`sup`,
	 * `base`, either may be NULL) into the spill store as the app completes, instead of
	 * into report.results; `fails` then says whether an unmuted failure at or above
	 * `fail_on` (new ones only, with a baseline) was seen. */
	fa_spill *spill;
	const fa_suppressions *sup;
	const fa_baseline *base;
	fa_severity fail_on;
	int max_admins; /* --max-admins (0 = the default) */
	bool notices_done;
	bool fails;
	bool spill_failed;
	struct fa_probe *probe; /* --probe: the edge probes of the live crawl (client/probe.h) */
	bool probe_used;        /* --probe ran: network.admin_allowlist comes from the edge */
	/* audit --repo on a live crawl: the env hash key of the run, drawn before the scan so
	 * that fly.toml [env] values and the live ones are hashed alike. Memory only; wiped
	 * by fa_audit_run_release. */
	unsigned char hash_key[FA_API_HASH_KEY_LEN];
	bool have_hash_key;
	/* --all-orgs: when set (FA_SOFT_ERRLEN bytes), a live crawl that cannot go on keeps its
	 * reason here instead of printing it, and the run goes on with the next org */
	char *soft_error;
} fa_audit_run;

#define FA_SOFT_ERRLEN 700

void fa_audit_run_init(fa_audit_run *run);
void fa_audit_run_release(fa_audit_run *run);
/* Reads the inventory (live or --from) and runs every check. Returns an exit code
 * (0 = collected; run->partial says whether something could not be read). */
int fa_audit_collect(fa_audit_run *run, const fa_cli *cli);
/* Draws run->hash_key (audit --repo on a live crawl). Returns an exit code. */
int fa_audit_run_key(fa_audit_run *run);
/* audit --repo DIR (cmd/repo.c): scans DIR into its own list, adds the scan's coverage
 * errors to run->report, and sets run->extend/finish so that each app's batch gets its
 * scan results and config.repo_drift. Returns an exit code (2 with the error printed). */
typedef struct fa_repo_run fa_repo_run;
int fa_repo_open(fa_repo_run **out, const fa_cli *cli, fa_audit_run *run);
bool fa_repo_failed(const fa_repo_run *r); /* out of memory on the way */
void fa_repo_close(fa_repo_run *r);

/* Reads --suppressions and --baseline into sup / base (initialised by the caller).
 * Returns an exit code (2 with the error printed, or 0). Shared with `scan`. */
int fa_audit_load_policy(const fa_cli *cli, fa_suppressions *sup, fa_baseline *base);

#endif
