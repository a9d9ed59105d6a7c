/* cmd/audit.c: `audit`, `diff` and `checks`, and the audit pipeline the `apps` view
 * shares: inventory (live crawl or snapshot) -> checks per app as it completes ->
 * policy (suppressions, baseline) -> report writer -> exit code. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "flyaudit/buf.h"
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

/* A live crawl that cannot go on: exit 2 with the reason printed; with --all-orgs
 * (run->soft_error set) the reason is kept there instead, for that org's coverage. */
static int live_error(fa_audit_run *run, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
static int live_error(fa_audit_run *run, const char *fmt, ...)
{
	char msg[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (run->soft_error) {
		if (!run->soft_error[0])
			snprintf(run->soft_error, FA_SOFT_ERRLEN, "%s", msg);
		return FA_EXIT_USAGE;
	}
	return fa_cli_error(FA_EXIT_USAGE, "%s", msg);
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
			return live_error(run, "%s: check FLY_API_TOKEN (fly tokens create readonly ORG)", err);
		if (rc < 0)
			return live_error(run, "%s", err);
	}
	if (cli->probe) {
		if (fa_net_probe_setup(s->net, cli->connect_to, cli->n_connect_to, 0, 0, err,
				       sizeof(err)) < 0)
			return live_error(run, "%s", err);
		if (fa_probe_new(&run->probe, s->net, run->org, run->now, 0, on_probe_results, run) < 0)
			return live_error(run, "out of memory");
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
		return live_error(run, "%s: check FLY_API_TOKEN (fly tokens create readonly ORG)", err);
	if (rc < 0)
		return live_error(run, "%s", err);
	return FA_EXIT_OK;
}

static int collect_finish(fa_audit_run *run);

int fa_audit_collect(fa_audit_run *run, const fa_cli *cli)
{
	fa_session s;
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
		rc = fa_session_open_key(&s, cli, true, run->have_hash_key ? run->hash_key : NULL);
		if (rc)
			return rc;
		run->org = strdup(s.org);
		rc = collect_live(run, &s, cli);
		fa_session_close(&s);
		if (rc)
			return rc;
	}
	return collect_finish(run);
}

/* After the crawl (or the snapshot): coverage entries for the org-level data that did not
 * load, the org-level checks, the last batch. Returns an exit code. */
static int collect_finish(fa_audit_run *run)
{
	fa_audit_ctx ctx;
	fa_results org;

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

int fa_audit_run_key(fa_audit_run *run)
{
	if (RAND_bytes(run->hash_key, sizeof(run->hash_key)) != 1)
		return fa_cli_error(FA_EXIT_USAGE, "cannot get random bytes for the env hash key");
	run->have_hash_key = true;
	return FA_EXIT_OK;
}

void fa_audit_run_release(fa_audit_run *run)
{
	fa_memzero(run->hash_key, sizeof(run->hash_key));
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

/* What the reports are rendered from: one org's report, counts and results; or, with
 * --all-orgs over several orgs, the combined report, the summed counts, the chained
 * results and each org's part (JSON and text have a section per org). */
typedef struct report_set {
	const fa_report *top;
	const fa_report_counts *counts;
	const fa_result_iter *it;
	const fa_report_org *orgs; /* NULL: one org */
	size_t n_orgs;
	fa_spill *const *spills; /* for the reason of a failure */
	size_t n_spills;
} report_set;

#define NOTIFY_TOP 5

/* New failures at or above --fail-on: POST a summary to FLYAUDIT_NOTIFY_URL (never taken
 * from the command line: a webhook URL is a credential). A failure to notify is a warning;
 * the report is already written and the exit code does not change. */
static void notify(const report_set *set, const fa_cli *cli)
{
	const char *url = getenv("FLYAUDIT_NOTIFY_URL");
	fa_buf body = FA_BUF_INIT(0);
	char err[256] = "";
	long status = 0;

	if (!url || !*url)
		return;
	if (fa_report_notify_payload(set->top, set->counts, set->it, cli->fail_on, NOTIFY_TOP,
				     &body) < 0) {
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
static int write_report(const fa_cli *cli, const report_set *set, const char *path,
			fa_format format)
{
	const fa_report *r = set->top;
	const fa_report_counts *c = set->counts;
	const fa_result_iter *it = set->it;
	fa_report_sink sink;
	out_file of;
	char err[512] = "";
	bool color = fa_use_color(cli, stdout) && !path;
	size_t i;
	int w;

	if (out_open(&of, path, err, sizeof(err)) < 0)
	{
		fa_cli_error(FA_EXIT_USAGE, "%s", err);
		return -1;
	}
	sink.write = out_write;
	sink.ud = &of;
	switch (format) {
	case FA_FMT_JSON:
		w = set->orgs ? fa_report_json_orgs_stream(r, c, set->orgs, set->n_orgs, &sink)
			      : fa_report_json_stream(r, c, it, &sink);
		break;
	case FA_FMT_SARIF: w = fa_report_sarif_stream(r, c, it, &sink); break;
	case FA_FMT_JUNIT: w = fa_report_junit_stream(r, c, it, &sink); break;
	case FA_FMT_HTML: w = fa_report_html_stream(r, c, it, &sink); break;
	case FA_FMT_OCSF: w = fa_report_ocsf_stream(r, c, it, &sink); break;
	case FA_FMT_CSV: w = fa_report_csv_stream(r, c, it, &sink); break;
	default:
		w = set->orgs ? fa_report_text_orgs_stream(r, c, color, set->orgs, set->n_orgs, &sink)
			      : fa_report_text_stream(r, c, color, it, &sink);
		break;
	}
	if (out_close(&of, path, w == 0, err, sizeof(err)) < 0) {
		const char *why = "out of memory";

		for (i = 0; i < set->n_spills; i++)
			if (set->spills[i] && fa_spill_error(set->spills[i])[0]) {
				why = fa_spill_error(set->spills[i]);
				break;
			}
		if (!err[0])
			snprintf(err, sizeof(err), "cannot render the report (%s)", why);
		fa_cli_error(FA_EXIT_USAGE, "%s", err);
		return -1;
	}
	if (path && !cli->quiet)
		fprintf(stderr, "flyaudit: %s report written to %s\n", fa_format_name(format), path);
	return 0;
}

/* Every report asked for (one crawl, each -o rendered from the same spilled results),
 * then the notices and the notification. Returns 0 or FA_EXIT_USAGE. */
static int write_reports(const fa_cli *cli, const report_set *set, bool fails)
{
	size_t i;
	int rc = 0;

	if (cli->n_outputs == 0 && write_report(cli, set, NULL, cli->format) < 0)
		rc = FA_EXIT_USAGE;
	for (i = 0; i < cli->n_outputs; i++)
		if (write_report(cli, set, cli->outputs[i].path, fa_cli_output_format(cli, i)) < 0)
			rc = FA_EXIT_USAGE;
	if (rc)
		return rc;
	/* notices go to stderr too when no text report reaches the terminal */
	if ((cli->n_outputs || cli->format != FA_FMT_TEXT) && !cli->quiet)
		for (i = 0; i < set->top->n_notices; i++)
			fprintf(stderr, "flyaudit: %s\n", set->top->notices[i]);
	if (fails)
		notify(set, cli);
	return 0;
}

/* The report fields every audit sets the same way. */
static void report_fields(fa_report *r, const fa_cli *cli, const char *generated_at)
{
	r->has_baseline = cli->baseline != NULL;
	r->tool_name = "flyaudit";
	r->tool_version = FLYAUDIT_VERSION;
	r->generated_at = generated_at;
	r->fail_on = cli->fail_on;
	r->compliance = cli->compliance;
	r->text_detail = cli->verbose ? FA_TEXT_ALL : cli->quiet ? FA_TEXT_BRIEF : FA_TEXT_GROUPED;
}

/* ---- --all-orgs ---- */

#define ORGS_MAX_PAGES 100

typedef struct orgs_ctx {
	char **slugs;
	size_t n;
	char *next;
	int rc; /* 0, -1 (err), -2 (token refused) */
	char err[FA_API_ERRLEN + 64];
} orgs_ctx;

static void on_orgs(void *ud, const fa_response *r)
{
	orgs_ctx *c = ud;
	char err[FA_API_ERRLEN];
	char **page = NULL, **grown;
	size_t n = 0, i;

	free(c->next);
	c->next = NULL;
	if (r->error != FA_NET_OK) {
		snprintf(c->err, sizeof(c->err), "%s", r->errmsg ? r->errmsg : "request failed");
		c->rc = -1;
		return;
	}
	if (r->status != 200) {
		fa_api_error_message(r->status, r->body, r->len, err, sizeof(err));
		snprintf(c->err, sizeof(c->err), "%s", err);
		c->rc = r->status == 401 ? -2 : -1;
		return;
	}
	if (fa_api_decode_organizations(r->body, r->len, &page, &n, &c->next, err, sizeof(err)) != 0) {
		snprintf(c->err, sizeof(c->err), "invalid response: %s", err);
		c->rc = -1;
		return;
	}
	grown = n ? realloc(c->slugs, (c->n + n) * sizeof(*grown)) : c->slugs;
	if (n && !grown) {
		for (i = 0; i < n; i++)
			free(page[i]);
		free(page);
		snprintf(c->err, sizeof(c->err), "out of memory");
		c->rc = -1;
		return;
	}
	c->slugs = grown;
	for (i = 0; i < n; i++) {
		size_t k;
		bool dup = false;

		for (k = 0; k < c->n; k++)
			dup = dup || strcmp(c->slugs[k], page[i]) == 0;
		if (dup)
			free(page[i]); /* an org listed twice is audited once */
		else
			c->slugs[c->n++] = page[i];
	}
	free(page);
	c->rc = 0;
}

/* The slugs of every org the token can read (GraphQL `organizations`, page by page), in
 * the order Fly lists them. Returns 0, or an exit code with the reason printed. */
static int list_orgs(fa_session *s, orgs_ctx *c)
{
	char *body = NULL, *after = NULL;
	int pages = 0;

	memset(c, 0, sizeof(*c));
	do {
		body = fa_api_gql_organizations(after);
		free(after);
		after = NULL;
		c->rc = -1;
		snprintf(c->err, sizeof(c->err), "out of memory");
		if (!body || fa_net_graphql(s->net, body, "graphql", on_orgs, c) < 0) {
			free(body);
			break;
		}
		free(body);
		fa_net_run(s->net);
		if (c->rc == 0 && c->next && ++pages >= ORGS_MAX_PAGES) {
			snprintf(c->err, sizeof(c->err), "more than %d pages", ORGS_MAX_PAGES);
			c->rc = -1;
		}
		after = c->rc == 0 ? c->next : NULL;
		if (after)
			c->next = NULL;
	} while (c->rc == 0 && after);
	free(after);
	if (c->rc == -2)
		return fa_cli_error(FA_EXIT_USAGE, "the token was refused (%s): check FLY_API_TOKEN", c->err);
	if (c->rc < 0)
		return fa_cli_error(FA_EXIT_USAGE, "cannot list the token's organizations (--all-orgs): %s",
				    c->err);
	if (c->n == 0)
		return fa_cli_error(FA_EXIT_USAGE, "the token can read no organization (--all-orgs)");
	return FA_EXIT_OK;
}

static void orgs_release(orgs_ctx *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->slugs[i]);
	free(c->slugs);
	free(c->next);
	memset(c, 0, sizeof(*c));
}

/* One org of --all-orgs: its own run (report, coverage, policy) and spill store. */
typedef struct org_part {
	fa_audit_run run;
	fa_spill *spill;
	fa_result_iter it;
	fa_report_counts counts;
	char soft_error[FA_SOFT_ERRLEN];
} org_part;

/* Audits every org in turn through one session, each org's results spilled to its own
 * store as its apps complete, so memory stays flat. An org that cannot be read (its app
 * list refused, a fatal crawl error) is a coverage error of that org; the others are still
 * audited and reported. Exit code over all of them: 2, 3, 1, 0 as for one org. */
static int audit_all_orgs(const fa_cli *cli, const fa_suppressions *sup, const fa_baseline *base)
{
	fa_session s;
	orgs_ctx oc;
	org_part *parts = NULL;
	fa_report_org *views = NULL;
	fa_spill **spills = NULL;
	fa_report top;
	fa_report_counts total;
	fa_result_chain chain;
	fa_result_iter all;
	report_set set;
	char generated_at[32], err[512] = "", *label = NULL;
	fa_net_stats prev, ns;
	bool partial = false, fails = false;
	size_t k, n = 0, label_len = 0;
	int rc;

	fa_report_init(&top);
	fa_now_rfc3339(generated_at);
	rc = fa_session_open(&s, cli, false);
	if (rc)
		return rc;
	rc = list_orgs(&s, &oc);
	if (rc)
		goto cleanup;
	parts = calloc(oc.n, sizeof(*parts));
	views = calloc(oc.n, sizeof(*views));
	spills = calloc(oc.n, sizeof(*spills));
	if (!parts || !views || !spills) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	if (!cli->quiet)
		fprintf(stderr, "flyaudit: auditing %zu org%s\n", oc.n, oc.n == 1 ? "" : "s");
	memset(&prev, 0, sizeof(prev));
	for (k = 0; k < oc.n; k++) {
		org_part *p = &parts[k];
		fa_audit_run *run = &p->run;

		fa_audit_run_init(run);
		n = k + 1;
		run->max_image_age_days = cli->max_image_age_days;
		run->image_layers = cli->image_layers;
		run->max_admins = cli->max_admins;
		run->filter = cli;
		run->sup = cli->suppressions ? sup : NULL;
		run->base = cli->baseline ? base : NULL;
		run->fail_on = cli->fail_on;
		run->notices_done = k > 0; /* suppression notices once, with the first org */
		run->soft_error = p->soft_error;
		memcpy(run->generated_at, generated_at, sizeof(generated_at));
		if (fa_spill_open(&p->spill, err, sizeof(err)) < 0) {
			rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
			goto cleanup;
		}
		spills[k] = p->spill;
		run->spill = p->spill;
		free(s.org);
		s.org = strdup(oc.slugs[k]);
		run->org = strdup(oc.slugs[k]);
		if (!s.org || !run->org) {
			rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
			goto cleanup;
		}
		if (collect_live(run, &s, cli) != FA_EXIT_OK) {
			/* this org could not be read: say so in its coverage and go on */
			if (!cli->quiet) {
				/* the slug came from the API: made safe for a terminal */
				fa_buf line = FA_BUF_INIT(0);

				if (fa_buf_adds(&line, "org ") == 0 &&
				    fa_report_escape_terminal(&line, run->org) == 0 &&
				    fa_buf_adds(&line, ": ") == 0 &&
				    fa_report_escape_terminal(&line, p->soft_error[0] ? p->soft_error
										 : "cannot be read") == 0)
					fa_cli_error(0, "%s", line.data);
				fa_buf_release(&line);
			}
			if (fa_report_add_error(&run->report, NULL, "org", 0,
						p->soft_error[0] ? p->soft_error : "cannot be read") < 0)
				run->oom = true;
		}
		/* the crawl figures of this org alone (the session's are cumulative) */
		fa_session_net_stats(&s, &ns);
		run->report.crawl.requests = ns.requests - prev.requests;
		run->report.crawl.retries = ns.retries - prev.retries;
		run->report.crawl.elapsed_ms = ns.elapsed_ms - prev.elapsed_ms;
		run->report.crawl.max_in_flight = ns.max_in_flight;
		prev = ns;
		rc = collect_finish(run);
		if (rc)
			goto cleanup;
		/* the org's inventory is no longer needed: only its report and spill stay */
		fa_inventory_release(&run->inv);
		report_fields(&run->report, cli, run->generated_at);
		run->report.org = run->org;
		run->report.source = "live";
		partial = partial || run->partial;
		fails = fails || run->fails;
		fa_spill_iter(p->spill, &p->it);
		p->counts = *fa_spill_counts(p->spill);
		views[k].report = &run->report;
		views[k].counts = &p->counts;
		views[k].it = &p->it;
		if (fa_stop_signal || fa_net_stopped(s.net)) {
			/* stopped (--max-time, a signal): the orgs not reached are coverage errors */
			size_t j;

			for (j = k + 1; j < oc.n; j++) {
				snprintf(err, sizeof(err), "org %s was not audited (%s)", oc.slugs[j],
					 fa_net_stopped(s.net) ? fa_net_stopped(s.net) : "interrupted");
				if (fa_report_add_error(&run->report, NULL, "org", 0, err) < 0)
					break;
			}
			run->partial = partial = true;
			break;
		}
	}
	report_fields(&top, cli, generated_at);
	top.source = "live";
	for (k = 0; k < n; k++)
		label_len += strlen(oc.slugs[k]) + 2;
	label = calloc(1, label_len + 1);
	if (!label || fa_report_orgs_combine(&top, &total, views, n) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	for (k = 0; k < n; k++) {
		if (k)
			strcat(label, ", ");
		strcat(label, oc.slugs[k]);
	}
	top.org = label;
	fa_result_iter_chain(&all, &chain, views, n);
	memset(&set, 0, sizeof(set));
	set.top = &top;
	set.counts = &total;
	set.it = &all;
	set.spills = spills;
	set.n_spills = n;
	if (n > 1) {
		set.orgs = views;
		set.n_orgs = n;
	} else {
		/* one org: exactly the report of `--org SLUG` (schema v1) */
		set.top = views[0].report;
		set.counts = views[0].counts;
		set.it = views[0].it;
	}
	rc = write_reports(cli, &set, fails);
	if (!rc)
		rc = partial || top.n_errors ? FA_EXIT_PARTIAL : fails ? FA_EXIT_FAIL : FA_EXIT_OK;
cleanup:
	for (k = 0; parts && k < oc.n; k++) {
		fa_spill_close(parts[k].spill);
		fa_audit_run_release(&parts[k].run);
	}
	free(parts);
	free(views);
	free(spills);
	free(label);
	fa_report_release(&top);
	orgs_release(&oc);
	fa_session_close(&s);
	return rc;
}

int fa_cmd_audit(const fa_cli *cli)
{
	fa_audit_run run;
	fa_suppressions sup;
	fa_baseline base;
	fa_spill *spill = NULL;
	fa_repo_run *repo = NULL;
	fa_result_iter it;
	report_set set;
	char err[512] = "";
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
	if (cli->all_orgs) {
		rc = audit_all_orgs(cli, &sup, &base);
		goto cleanup;
	}
	/* results leave memory as each app completes: memory does not grow with the org */
	if (fa_spill_open(&spill, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto cleanup;
	}
	run.spill = spill;
	if (cli->repo) {
		/* a live crawl: the fly.toml [env] values are hashed with the key the live env
		 * will be hashed with; --from: the snapshot's hashes came from another run's key
		 * (never stored), so values are not compared */
		rc = cli->from ? FA_EXIT_OK : fa_audit_run_key(&run);
		if (rc)
			goto cleanup;
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
	report_fields(&run.report, cli, run.generated_at);
	run.report.org = run.org ? run.org : "";
	run.report.source = run.source ? run.source : "live";
	fa_spill_iter(spill, &it);
	memset(&set, 0, sizeof(set));
	set.top = &run.report;
	set.counts = fa_spill_counts(spill);
	set.it = &it;
	set.spills = &spill;
	set.n_spills = 1;
	rc = write_reports(cli, &set, run.fails);
	if (rc)
		goto cleanup;
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
