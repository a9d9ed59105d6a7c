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

typedef struct fa_audit_run {
	fa_report report;    /* results of every app, coverage errors */
	fa_inventory inv;    /* org-level data: self, org tokens, load status */
	char *org;
	char *source;
	time_t now;
	char generated_at[32];
	bool partial;
	bool oom;
	fa_app_hook hook;
	void *hook_ud;
	const fa_cli *filter; /* --checks, --exclude-checks, --severity (set by collect) */
	/* When `spill` is set (by `audit`), each app's results go through policy (`sup`,
	 * `base`, either may be NULL) into the spill store as the app completes, instead of
	 * into report.results; `fails` then says whether an unmuted failure at or above
	 * `fail_on` (new ones only, with a baseline) was seen. */
	fa_spill *spill;
	const fa_suppressions *sup;
	const fa_baseline *base;
	fa_severity fail_on;
	bool notices_done;
	bool fails;
	bool spill_failed;
	struct fa_probe *probe; /* --probe: the edge probes of the live crawl (client/probe.h) */
	bool probe_used;        /* --probe ran: network.admin_allowlist comes from the edge */
} fa_audit_run;

void fa_audit_run_init(fa_audit_run *run);
void fa_audit_run_release(fa_audit_run *run);
/* Reads the inventory (live or --from) and runs every check. Returns an exit code
 * (0 = collected; run->partial says whether something could not be read). */
int fa_audit_collect(fa_audit_run *run, const fa_cli *cli);

#endif
