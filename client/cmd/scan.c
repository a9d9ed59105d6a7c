/* cmd/scan.c: `flyaudit scan [DIR]`: the repository offline (no token): files -> checks of
 * scan.h -> policy (suppressions, baseline) -> report writer -> exit code. */
#include "audit_run.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../scan.h"
#include "flyaudit/buf.h"
#include "flyaudit/policy.h"
#include "flyaudit/report.h"

static int sink_buf(void *ud, const char *data, size_t len)
{
	return fa_buf_add(ud, data, len);
}

/* The report in any format, from the results in memory (the streaming writers, as audit). */
static int render(const fa_report *rep, fa_format fmt, bool color, fa_buf *out)
{
	fa_report_counts counts;
	fa_result_mem_iter mi;
	fa_result_iter it;
	fa_report_sink sink = { sink_buf, out };
	int w;

	memset(&counts, 0, sizeof(counts));
	fa_report_counts_add(&counts, &rep->results);
	fa_result_iter_memory(&it, &mi, &rep->results);
	switch (fmt) {
	case FA_FMT_JSON: w = fa_report_json_stream(rep, &counts, &it, &sink); break;
	case FA_FMT_SARIF: w = fa_report_sarif_stream(rep, &counts, &it, &sink); break;
	case FA_FMT_JUNIT: w = fa_report_junit_stream(rep, &counts, &it, &sink); break;
	case FA_FMT_HTML: w = fa_report_html_stream(rep, &counts, &it, &sink); break;
	case FA_FMT_OCSF: w = fa_report_ocsf_stream(rep, &counts, &it, &sink); break;
	case FA_FMT_CSV: w = fa_report_csv_stream(rep, &counts, &it, &sink); break;
	default: w = fa_report_text_stream(rep, &counts, color, &it, &sink); break;
	}
	fa_result_mem_iter_release(&mi);
	return w;
}

int fa_cmd_scan(const fa_cli *cli)
{
	const char *dir = cli->n_args ? cli->args[0] : ".";
	fa_suppressions sup;
	fa_baseline base;
	fa_report rep;
	fa_scan_stats st;
	fa_buf out = FA_BUF_INIT(0);
	char err[512] = "", generated_at[32];
	time_t now = time(NULL);
	size_t i;
	int rc, w;

	if (cli->n_args > 1)
		return fa_cli_error(FA_EXIT_USAGE, "scan takes one directory (default .)");
	fa_suppressions_init(&sup);
	fa_baseline_init(&base);
	fa_report_init(&rep);
	rc = fa_audit_load_policy(cli, &sup, &base);
	if (rc)
		goto cleanup;
	fa_now_rfc3339(generated_at);
	rep.tool_name = "flyaudit";
	rep.tool_version = FLYAUDIT_VERSION;
	rep.generated_at = generated_at;
	rep.org = cli->org ? cli->org : "repository";
	rep.source = dir;
	rep.fail_on = cli->fail_on;
	rep.has_baseline = cli->baseline != NULL;
	rc = fa_scan_dir(dir, cli->org, now, &rep, &st, NULL, NULL, err, sizeof(err));
	if (rc) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	rep.scanned_files = st.scanned;
	fa_results_sort(&rep.results);
	if (cli->suppressions &&
	    fa_policy_apply_suppressions(&sup, now, &rep.results, &rep) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	if (cli->baseline)
		fa_policy_apply_baseline(&base, &rep.results);
	rep.text_detail = cli->verbose ? FA_TEXT_ALL : cli->quiet ? FA_TEXT_BRIEF : FA_TEXT_GROUPED;
	/* every -o from the same results, as `audit` does */
	for (i = 0; i == 0 || i < cli->n_outputs; i++) {
		const char *path = cli->n_outputs ? cli->outputs[i].path : NULL;
		fa_format fmt = cli->n_outputs ? fa_cli_output_format(cli, i) : cli->format;

		fa_buf_reset(&out);
		w = render(&rep, fmt, fa_use_color(cli, stdout) && !path, &out);
		if (w < 0) {
			rc = fa_cli_error(FA_EXIT_USAGE, "out of memory rendering the report");
			goto cleanup;
		}
		if (fa_write_output(path, out.data ? out.data : "", out.len, err, sizeof(err)) < 0) {
			rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
			goto cleanup;
		}
		if (path && !cli->quiet)
			fprintf(stderr, "flyaudit: %s report written to %s\n", fa_format_name(fmt), path);
	}
	if (!cli->quiet) {
		if (cli->n_outputs || cli->format != FA_FMT_TEXT)
			for (i = 0; i < rep.n_notices; i++)
				fprintf(stderr, "flyaudit: %s\n", rep.notices[i]);
		if (cli->verbose)
			fprintf(stderr, "flyaudit: %zu files (%s), %zu scanned, %zu ignored, "
					"%zu over the size cap, %zu binary, %zu links or unreadable\n",
				st.files, st.git ? "git index" : "tree", st.scanned, st.ignored,
				st.skipped_big, st.skipped_binary, st.skipped_link);
	}
	rc = fa_policy_exit_code(&rep.results, cli->fail_on, cli->baseline != NULL,
				 rep.n_errors > 0, false);
cleanup:
	fa_buf_release(&out);
	fa_report_release(&rep);
	fa_suppressions_release(&sup);
	fa_baseline_release(&base);
	return rc;
}
