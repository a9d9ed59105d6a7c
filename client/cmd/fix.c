/* cmd/fix.c: `flyaudit fix --plan REPORT.json [-o plan.sh]`: reads a JSON report and writes
 * the shell script of audit/report/plan.c for its unmuted failures, highest severity
 * first. It runs nothing and talks to nobody. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>

#include "flyaudit/report.h"

#define REPORT_MAX ((size_t)64 * 1024 * 1024)

int fa_cmd_fix(const fa_cli *cli)
{
	char err[512];
	char *text = NULL;
	size_t len = 0, n = 0;
	fa_buf out = FA_BUF_INIT(0);
	int rc;

	if (!cli->plan || cli->n_args)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit fix --plan REPORT.json [-o plan.sh]");
	text = fa_read_file(cli->plan, REPORT_MAX, &len, err, sizeof(err));
	if (!text)
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	if (fa_report_plan_json(text, len, cli->plan, &out, &n, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	if (fa_write_output(cli->output, out.data ? out.data : "", out.len, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	if (cli->output && !cli->quiet)
		fprintf(stderr, "flyaudit: plan for %zu failure%s written to %s (review it before running)\n",
			n, n == 1 ? "" : "s", cli->output);
	rc = FA_EXIT_OK;
cleanup:
	fa_buf_release(&out);
	free(text);
	return rc;
}
