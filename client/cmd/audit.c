/* cmd/audit.c: `audit`, `diff` and `checks`, and the audit pipeline the `apps` view
 * shares: inventory (live crawl or snapshot) -> checks per app as it completes ->
 * policy (suppressions, baseline) -> report writer -> exit code. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flyaudit/outfile.h"
#include "flyaudit/macaroon.h"
#include "flyaudit/policy.h"
#include "flyaudit/report.h"
#include "flyaudit/snapshot.h"
#include "audit_run.h"
#include "../probe.h"
#include "flyaudit/registry.h"

#define POLICY_FILE_MAX ((size_t)64 * 1024 * 1024)

static void add_load_errors(fa_report *rep, const fa_app *app)
{
	int ep;

	for (ep = 0; ep < FA_EP_COUNT; ep++) {
		const fa_load *l = &app->load[ep];

		if (fa_load_failed(l))
			fa_report_add_error(rep, app->name, fa_endpoint_name((fa_endpoint)ep), l->status,
					    l->message ? l->message : "not loaded");
	}
	/* --image-layers: a layer not read whole (a cap, a media type, a mismatch) */
	for (ep = 0; ep < (int)app->n_images; ep++) {
		const fa_image *img = &app->images[ep];
		char msg[512];

		if (!img->load.loaded || !img->layers_tried || img->layers_complete)
			continue;
		snprintf(msg, sizeof(msg), "%.120s: %.360s", img->ref ? img->ref : "image",
			 img->layers_note ? img->layers_note : "its layers were not read whole");
		fa_report_add_error(rep, app->name, "image_layers", 0, msg);
	}
}

static bool filter_keep(void *ud, const fa_result *r)
{
	return fa_cli_wants(ud, r->check, r->severity);
}

/* A batch of results is ready (one app, or the org-level checks): with a spill store,
 * policy is applied here, per batch, and the results leave memory; else they are kept. */
static void deliver(fa_audit_run *run, fa_results *rs)
{
	if (run->filter)
		fa_results_filter(rs, filter_keep, (void *)run->filter);
	if (!run->spill) {
		if (fa_results_take(&run->report.results, rs) < 0)
			run->oom = true;
		return;
	}
	/* notices (expired or expiring entries) once, not once per app */
	if (run->sup && fa_policy_apply_suppressions(run->sup, run->now, rs,
						     run->notices_done ? NULL : &run->report) < 0)
		run->oom = true;
	run->notices_done = true;
	if (run->base)
		fa_policy_apply_baseline(run->base, rs);
	if (fa_policy_exit_code(rs, run->fail_on, run->base != NULL, false, false) == FA_EXIT_FAIL)
		run->fails = true;
	if (fa_spill_add(run->spill, rs) < 0)
		run->spill_failed = true;
}

/* One app is in: audit it and keep the results, not the app. */
static void audit_one(fa_audit_run *run, const fa_app *app)
{
	fa_results tmp;
	fa_audit_ctx ctx;

	fa_results_init(&tmp);
	memset(&ctx, 0, sizeof(ctx));
	ctx.max_image_age_days = run->max_image_age_days;
	ctx.access = &run->inv.access;
	ctx.max_admins = run->max_admins;
	ctx.org = run->org;
	ctx.now = run->now;
	ctx.self = &run->inv.self;
	ctx.probe = run->probe != NULL || run->probe_used;
	ctx.image_layers = run->image_layers;
	if (fa_audit_app(&ctx, app, &tmp) < 0)
		run->oom = true;
	run->report.apps++;
	if (fa_app_complete(app))
		run->report.apps_complete++;
	{
		size_t i;

		run->report.machines += app->n_machines;
		for (i = 0; i < app->n_machines; i++)
			if (fa_machine_audited(&app->machines[i]))
				run->report.machines_audited++;
	}
	add_load_errors(&run->report, app);
	if (run->extend)
		run->extend(run->extend_ud, app, &tmp);
	if (run->hook)
		run->hook(run->hook_ud, app, &tmp);
	deliver(run, &tmp);
	fa_results_release(&tmp);
}

static void on_crawled_app(void *ud, fa_app *app)
{
	fa_audit_run *run = ud;

	audit_one(run, app);
	/* the probes of the app's hostnames run in the crawl's loop; results come per host */
	if (run->probe && fa_probe_app(run->probe, app) < 0)
		run->oom = true;
}

/* The results of one probed hostname (see client/probe.h). */
static void on_probe_results(void *ud, const char *app, fa_results *rs, const char *coverage)
{
	fa_audit_run *run = ud;

	if (coverage)
		fa_report_add_error(&run->report, app, "probe", 0, coverage);
	deliver(run, rs);
}

static int collect_from_snapshot(fa_audit_run *run, const char *path)
{
	fa_snapshot_reader *r = NULL;
	char err[FA_SNAPSHOT_ERRLEN];
	fa_app app;
	int rc;

	if (fa_snapshot_reader_open(&r, path, &run->inv, err, sizeof(err)) < 0)
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	free(run->org);
	run->org = strdup(run->inv.org ? run->inv.org : "");
	fa_app_init(&app);
	while ((rc = fa_snapshot_read_app(r, &app, err, sizeof(err))) == 1) {
		audit_one(run, &app);
		fa_app_release(&app);
	}
	if (rc < 0) {
		/* keep what was read; say what was not */
		fa_report_add_error(&run->report, NULL, "snapshot", 0, err);
		run->partial = true;
	} else if (!fa_snapshot_reader_closed(r) || !fa_snapshot_reader_complete(r)) {
		fa_report_add_error(&run->report, NULL, "snapshot", 0,
				    "the snapshot is partial (no closing line or an incomplete crawl)");
		run->partial = true;
	}
	fa_snapshot_reader_close(r);
	return FA_EXIT_OK;
}

static int collect_live(fa_audit_run *run, fa_session *s, const fa_cli *cli)
{
	fa_crawl_opts o;
	fa_crawl_stats st;
	fa_net_stats ns;
	char err[512] = "";
	int rc;

	memset(&o, 0, sizeof(o));
	o.apps = cli->n_apps ? cli->apps : NULL;
	o.n_apps = cli->n_apps;
	o.list_apps = true;
	o.endpoints = FA_CRAWL_ALL_ENDPOINTS;
	o.org_tokens = true;
	o.registry = s->registry;
	o.on_app = on_crawled_app;
	o.ud = run;
	fa_self_from_token(s->auth.token, run->now, &run->inv.self);
	/* people and access first: app tokens are checked against the members as apps complete */
	{
		fa_crawl_opts ao;

		memset(&ao, 0, sizeof(ao));
		ao.apps = cli->apps;
		ao.n_apps = 0;
		ao.access = true;
		rc = fa_session_crawl(s, &ao, &run->inv, &st, err, sizeof(err));
		if (rc == -2)
			return fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN (fly tokens create readonly ORG)", err);
		if (rc < 0)
			return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	}
	if (cli->probe) {
		if (fa_net_probe_setup(s->net, cli->connect_to, cli->n_connect_to, 0, 0, err,
				       sizeof(err)) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "%s", err);
		if (fa_probe_new(&run->probe, s->net, run->org, run->now, 0, on_probe_results, run) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	rc = fa_session_crawl(s, &o, &run->inv, &st, err, sizeof(err));
	if (run->probe && !cli->quiet)
		fprintf(stderr, "flyaudit: probed %zu hostname(s) with %zu request(s)\n",
			fa_probe_hosts(run->probe), fa_probe_requests(run->probe));
	if (cli->image_layers && s->registry && !cli->quiet) {
		fa_registry_stats rst;

		fa_registry_get_stats(s->registry, &rst);
		fprintf(stderr, "flyaudit: read %zu image layer(s) (%zu not whole, %zu more shared by "
			"digest): %lld MiB compressed, %lld MiB decompressed\n", rst.layers,
			rst.layers_incomplete, rst.layers_cached, rst.layer_bytes >> 20,
			rst.layer_unpacked >> 20);
	}
	/* any host still open (a stopped run) is delivered as unknown now; ctx.probe stays */
	fa_probe_free(run->probe);
	run->probe_used = run->probe != NULL;
	run->probe = NULL;
	fa_session_net_stats(s, &ns);
	run->report.crawl.requests = ns.requests;
	run->report.crawl.retries = ns.retries;
	run->report.crawl.elapsed_ms = ns.elapsed_ms;
	run->report.crawl.max_in_flight = ns.max_in_flight;
	if (rc == -2)
		return fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN (fly tokens create readonly ORG)", err);
	if (rc < 0)
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	return FA_EXIT_OK;
}

int fa_audit_collect(fa_audit_run *run, const fa_cli *cli)
{
	fa_session s;
	fa_audit_ctx ctx;
	fa_results org;
	int rc;

	run->max_admins = cli->max_admins;
	run->filter = cli;
	if (cli->from) {
		rc = collect_from_snapshot(run, cli->from);
		if (rc)
			return rc;
		free(run->source);
		run->source = strdup(cli->from);
	} else {
		rc = fa_session_open(&s, cli, true);
		if (rc)
			return rc;
		run->org = strdup(s.org);
		rc = collect_live(run, &s, cli);
		fa_session_close(&s);
		if (rc)
			return rc;
	}
	if (fa_load_failed(&run->inv.apps_load))
		fa_report_add_error(&run->report, NULL, "apps", run->inv.apps_load.status,
				    run->inv.apps_load.message ? run->inv.apps_load.message : "not loaded");
	{
		int p;

		for (p = 0; p < FA_ACCESS_COUNT; p++) {
			const fa_load *l = &run->inv.access.load[p];

			if (fa_load_failed(l))
				fa_report_add_error(&run->report, NULL, fa_access_part_name((fa_access_part)p),
						    l->status, l->message ? l->message : "not loaded");
		}
	}
	if (fa_load_failed(&run->inv.org_tokens_load))
		fa_report_add_error(&run->report, NULL, "org_tokens", run->inv.org_tokens_load.status,
				    run->inv.org_tokens_load.message ? run->inv.org_tokens_load.message
								     : "not loaded");
	memset(&ctx, 0, sizeof(ctx));
	ctx.max_image_age_days = run->max_image_age_days;
	ctx.access = &run->inv.access;
	ctx.max_admins = run->max_admins;
	ctx.org = run->org;
	ctx.now = run->now;
	ctx.self = &run->inv.self;
	ctx.probe = run->probe != NULL || run->probe_used;
	fa_results_init(&org);
	if (fa_audit_org(&ctx, &run->inv, &org) < 0)
		run->oom = true;
	deliver(run, &org);
	fa_results_release(&org);
	if (run->finish) {
		fa_results_init(&org);
		run->finish(run->extend_ud, &org);
		deliver(run, &org);
		fa_results_release(&org);
	}
	if (run->oom)
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	if (run->spill_failed)
		return fa_cli_error(FA_EXIT_USAGE, "%s", fa_spill_error(run->spill));
	if (run->report.n_errors)
		run->partial = true;
	return FA_EXIT_OK;
}

void fa_audit_run_init(fa_audit_run *run)
{
	memset(run, 0, sizeof(*run));
	fa_report_init(&run->report);
	run->inv.self.org_id = -1;
	run->now = time(NULL);
	fa_now_rfc3339(run->generated_at);
}

void fa_audit_run_release(fa_audit_run *run)
{
	fa_report_release(&run->report);
	fa_inventory_release(&run->inv);
	free(run->org);
	free(run->source);
	memset(run, 0, sizeof(*run));
}

int fa_audit_load_policy(const fa_cli *cli, fa_suppressions *sup, fa_baseline *base)
{
	char err[512];
	char *text;
	size_t len;
	int rc;

	if (cli->suppressions) {
		text = fa_read_file(cli->suppressions, POLICY_FILE_MAX, &len, err, sizeof(err));
		if (!text)
			return fa_cli_error(FA_EXIT_USAGE, "%s", err);
		rc = fa_suppressions_parse(text, len, cli->suppressions, sup, err, sizeof(err));
		free(text);
		if (rc < 0)
			return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	}
	if (cli->baseline) {
		text = fa_read_file(cli->baseline, POLICY_FILE_MAX, &len, err, sizeof(err));
		if (!text)
			return fa_cli_error(FA_EXIT_USAGE, "%s", err);
		rc = fa_baseline_parse(text, len, cli->baseline, base, err, sizeof(err));
		free(text);
		if (rc < 0)
			return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	}
	return FA_EXIT_OK;
}

/* Where a streamed report goes: stdout, or a file through outfile.c (an exclusive
 * temporary file renamed into place, 0600; a device or FIFO written in place). */
typedef struct out_file {
	FILE *f;
	fa_outfile file;
	bool io_error;
	char io_err[512];
} out_file;

static int out_write(void *ud, const char *data, size_t len)
{
	out_file *o = ud;

	if (o->io_error)
		return -1;
	if (o->f) {
		if (len && fwrite(data, 1, len, o->f) != len) {
			o->io_error = true;
			snprintf(o->io_err, sizeof(o->io_err), "cannot write to stdout: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (fa_outfile_write(&o->file, data, len, o->io_err, sizeof(o->io_err)) < 0) {
		o->io_error = true;
		return -1;
	}
	return 0;
}

static int out_open(out_file *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->file.fd = -1;
	if (!path || strcmp(path, "-") == 0) {
		o->f = stdout;
		return 0;
	}
	return fa_outfile_open(&o->file, path, err, errlen);
}

/* Finishes the output: ok = the writer succeeded. Returns 0 or -1 with err set. */
static int out_close(out_file *o, const char *path, bool ok, char *err, size_t errlen)
{
	(void)path;
	if (o->f) {
		if (fflush(o->f) != 0 || o->io_error) {
			snprintf(err, errlen, "%s", o->io_error ? o->io_err : "cannot write to stdout");
			return -1;
		}
		return ok ? 0 : -1;
	}
	if (!ok || o->io_error) {
		if (o->io_error)
			snprintf(err, errlen, "%s", o->io_err);
		fa_outfile_discard(&o->file);
		return -1;
	}
	return fa_outfile_commit(&o->file, err, errlen);
}

#define NOTIFY_TOP 5

/* New failures at or above --fail-on: POST a summary to FLYAUDIT_NOTIFY_URL (never taken
 * from the command line: a webhook URL is a credential). A failure to notify is a warning;
 * the report is already written and the exit code does not change. */
static void notify(fa_audit_run *run, const fa_cli *cli, fa_spill *spill)
{
	const char *url = getenv("FLYAUDIT_NOTIFY_URL");
	fa_buf body = FA_BUF_INIT(0);
	fa_result_iter it;
	char err[256] = "";
	long status = 0;

	if (!url || !*url)
		return;
	fa_spill_iter(spill, &it);
	if (fa_report_notify_payload(&run->report, fa_spill_counts(spill), &it, cli->fail_on,
				     NOTIFY_TOP, &body) < 0) {
		fa_cli_error(0, "warning: cannot build the notification (out of memory)");
		return;
	}
	if (fa_net_post_json(url, body.data, cli->ca_file, 10000L, &status, err, sizeof(err)) < 0)
		fa_cli_error(0, "warning: notification not sent: %s", err);
	else if (cli->verbose)
		fa_cli_error(0, "notification sent (HTTP %ld)", status);
	fa_buf_release(&body);
}

/* Writes the report in `format` to `path` (NULL: stdout) from the spilled results, through
 * a temporary file renamed into place. Returns 0, or -1 with the reason printed. */
static int write_report(const fa_cli *cli, fa_audit_run *run, fa_spill *spill, const char *path,
			fa_format format)
{
	fa_result_iter it;
	fa_report_sink sink;
	out_file of;
	char err[512] = "";
	int w;

	if (out_open(&of, path, err, sizeof(err)) < 0)
	{
		fa_cli_error(FA_EXIT_USAGE, "%s", err);
		return -1;
	}
	sink.write = out_write;
	sink.ud = &of;
	fa_spill_iter(spill, &it);
	switch (format) {
	case FA_FMT_JSON: w = fa_report_json_stream(&run->report, fa_spill_counts(spill), &it, &sink); break;
	case FA_FMT_SARIF: w = fa_report_sarif_stream(&run->report, fa_spill_counts(spill), &it, &sink); break;
	case FA_FMT_JUNIT: w = fa_report_junit_stream(&run->report, fa_spill_counts(spill), &it, &sink); break;
	case FA_FMT_HTML: w = fa_report_html_stream(&run->report, fa_spill_counts(spill), &it, &sink); break;
	case FA_FMT_OCSF: w = fa_report_ocsf_stream(&run->report, fa_spill_counts(spill), &it, &sink); break;
	case FA_FMT_CSV: w = fa_report_csv_stream(&run->report, fa_spill_counts(spill), &it, &sink); break;
	default:
		w = fa_report_text_stream(&run->report, fa_spill_counts(spill),
					  fa_use_color(cli, stdout) && !path, &it, &sink);
		break;
	}
	if (out_close(&of, path, w == 0, err, sizeof(err)) < 0) {
		if (!err[0])
			snprintf(err, sizeof(err), "cannot render the report (%s)",
				 fa_spill_error(spill)[0] ? fa_spill_error(spill) : "out of memory");
		fa_cli_error(FA_EXIT_USAGE, "%s", err);
		return -1;
	}
	if (path && !cli->quiet)
		fprintf(stderr, "flyaudit: %s report written to %s\n", fa_format_name(format), path);
	return 0;
}

int fa_cmd_audit(const fa_cli *cli)
{
	fa_audit_run run;
	fa_suppressions sup;
	fa_baseline base;
	fa_spill *spill = NULL;
	fa_repo_run *repo = NULL;
	char err[512] = "";
	size_t i;
	int rc;

	if (cli->n_args)
		return fa_cli_error(FA_EXIT_USAGE, "audit takes no arguments (use --app NAME to pick apps)");
	fa_suppressions_init(&sup);
	fa_baseline_init(&base);
	fa_audit_run_init(&run);
	run.max_image_age_days = cli->max_image_age_days;
	run.image_layers = cli->image_layers;
	rc = fa_audit_load_policy(cli, &sup, &base);
	if (rc)
		goto cleanup;
	/* results leave memory as each app completes: memory does not grow with the org */
	if (fa_spill_open(&spill, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	run.spill = spill;
	if (cli->repo) {
		rc = fa_repo_open(&repo, cli, &run);
		if (rc)
			goto cleanup;
	}
	run.sup = cli->suppressions ? &sup : NULL;
	run.base = cli->baseline ? &base : NULL;
	run.fail_on = cli->fail_on;
	rc = fa_audit_collect(&run, cli);
	if (rc)
		goto cleanup;
	if (fa_repo_failed(repo)) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	run.report.has_baseline = cli->baseline != NULL;
	run.report.tool_name = "flyaudit";
	run.report.tool_version = FLYAUDIT_VERSION;
	run.report.generated_at = run.generated_at;
	run.report.org = run.org ? run.org : "";
	run.report.source = run.source ? run.source : "live";
	run.report.fail_on = cli->fail_on;
	run.report.compliance = cli->compliance;
	run.report.text_detail = cli->verbose ? FA_TEXT_ALL : cli->quiet ? FA_TEXT_BRIEF : FA_TEXT_GROUPED;
	/* one crawl, every report: each -o is rendered from the same spilled results */
	if (cli->n_outputs == 0) {
		if (write_report(cli, &run, spill, NULL, cli->format) < 0)
			rc = FA_EXIT_USAGE;
	}
	for (i = 0; i < cli->n_outputs; i++)
		if (write_report(cli, &run, spill, cli->outputs[i].path, fa_cli_output_format(cli, i)) < 0)
			rc = FA_EXIT_USAGE;
	if (rc)
		goto cleanup;
	/* notices go to stderr too when no text report reaches the terminal */
	if ((cli->n_outputs || cli->format != FA_FMT_TEXT) && !cli->quiet)
		for (i = 0; i < run.report.n_notices; i++)
			fprintf(stderr, "flyaudit: %s\n", run.report.notices[i]);
	if (run.fails)
		notify(&run, cli, spill);
	if (run.partial)
		rc = FA_EXIT_PARTIAL;
	else
		rc = run.fails ? FA_EXIT_FAIL : FA_EXIT_OK;
cleanup:
	fa_spill_close(spill);
	fa_repo_close(repo);
	fa_suppressions_release(&sup);
	fa_baseline_release(&base);
	fa_audit_run_release(&run);
	return rc;
}

int fa_cmd_diff(const fa_cli *cli)
{
	char err[512];
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	fa_diff d;
	fa_buf out = FA_BUF_INIT(0);
	int rc;

	if (cli->n_args != 2)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit diff OLD.json NEW.json");
	fa_diff_init(&d);
	a = fa_read_file(cli->args[0], POLICY_FILE_MAX, &alen, err, sizeof(err));
	if (a)
		b = fa_read_file(cli->args[1], POLICY_FILE_MAX, &blen, err, sizeof(err));
	if (!a || !b) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	if (fa_policy_diff(a, alen, b, blen, &d, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	if ((cli->json || cli->format == FA_FMT_JSON) ? fa_diff_json(&d, &out) : fa_diff_text(&d, &out)) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	if (fa_write_output(cli->output, out.data ? out.data : "", out.len, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	rc = fa_diff_exit_code(&d, cli->fail_on);
cleanup:
	free(a);
	free(b);
	fa_diff_release(&d);
	fa_buf_release(&out);
	return rc;
}
