/* audit_run.h: the audit pipeline shared by `audit` and the `apps` view (cmd_audit.c). */
#ifndef FLYAUDIT_CLIENT_AUDIT_RUN_H
#define FLYAUDIT_CLIENT_AUDIT_RUN_H

#include <stdbool.h>
#include <time.h>

#include "cli.h"
#include "flyaudit/report.h"

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
} fa_audit_run;

void fa_audit_run_init(fa_audit_run *run);
void fa_audit_run_release(fa_audit_run *run);
/* Reads the inventory (live or --from) and runs every check. Returns an exit code
 * (0 = collected; run->partial says whether something could not be read). */
int fa_audit_collect(fa_audit_run *run, const fa_cli *cli);

#endif
