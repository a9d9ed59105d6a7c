/* cmd/snapshot.c: `snapshot -o FILE`: the inventory as JSON Lines, streamed as apps
 * complete, `--resume` to continue a partial one. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flyaudit/macaroon.h"
#include "flyaudit/snapshot.h"

typedef struct snap_ctx {
	fa_snapshot_writer *w;
	size_t written;
	bool failed;
	bool incomplete;
	bool layers_incomplete; /* --image-layers: a layer not read whole (the file is whole) */
} snap_ctx;

static bool snap_skip(void *ud, const char *name)
{
	return fa_snapshot_has_app(((snap_ctx *)ud)->w, name);
}

static void snap_app(void *ud, fa_app *app)
{
	snap_ctx *c = ud;

	if (!fa_app_complete(app))
		c->incomplete = true;
	for (size_t i = 0; i < app->n_images; i++)
		if (app->images[i].load.loaded && app->images[i].layers_tried &&
		    !app->images[i].layers_complete)
			c->layers_incomplete = true;
	if (c->failed)
		return;
	if (fa_snapshot_write_app(c->w, app) < 0)
		c->failed = true;
	else
		c->written++;
}

int fa_cmd_snapshot(const fa_cli *cli)
{
	fa_session s;
	fa_crawl_opts o;
	fa_crawl_stats st;
	fa_inventory inv;
	snap_ctx c;
	char err[FA_SNAPSHOT_ERRLEN] = "", ts[32];
	int rc;

	if (!cli->output || strcmp(cli->output, "-") == 0)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit snapshot -o FILE [--resume]");
	if (cli->n_args)
		return fa_cli_error(FA_EXIT_USAGE, "snapshot takes no arguments (use --app NAME to pick apps)");
	rc = fa_session_open(&s, cli, true);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	memset(&inv, 0, sizeof(inv));
	if (fa_snapshot_open(&c.w, cli->output, cli->resume, err, sizeof(err)) < 0) {
		fa_session_close(&s);
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	}
	/* the header first: org, time, the decoded running token, the org's tokens */
	fa_now_rfc3339(ts);
	inv.org = strdup(s.org);
	inv.collected_at = strdup(ts);
	inv.source = strdup("live");
	fa_self_from_token(s.auth.token, time(NULL), &inv.self);
	memset(&o, 0, sizeof(o));
	o.apps = cli->apps;
	o.n_apps = 0;
	o.org_tokens = true;
	o.access = true;
	rc = fa_session_crawl(&s, &o, &inv, &st, err, sizeof(err));
	if (rc == -2)
		goto refused;
	if (fa_snapshot_write_header(c.w, &inv) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", fa_snapshot_writer_error(c.w));
		fa_snapshot_abort(c.w);
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.apps = cli->n_apps ? cli->apps : NULL;
	o.n_apps = cli->n_apps;
	o.list_apps = true;
	o.endpoints = FA_CRAWL_ALL_ENDPOINTS;
	o.registry = s.registry;
	o.skip_app = snap_skip;
	o.on_app = snap_app;
	o.ud = &c;
	rc = fa_session_crawl(&s, &o, &inv, &st, err, sizeof(err));
	if (rc == -2)
		goto refused;
	if (c.failed) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", fa_snapshot_writer_error(c.w));
		fa_snapshot_abort(c.w);
		goto out;
	}
	if (rc < 0 || fa_load_failed(&inv.apps_load) || !inv.org_tokens_load.loaded)
		c.incomplete = true;
	for (int p = 0; p < FA_ACCESS_COUNT; p++)
		if (!inv.access.load[p].loaded)
			c.incomplete = true;
	if (fa_snapshot_close(c.w, !c.incomplete && rc == 0, err, sizeof(err)) < 0) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err);
		goto out;
	}
	if (!cli->quiet)
		fprintf(stderr, "flyaudit: %zu apps written to %s%s\n", c.written, cli->output,
			c.incomplete ? " (some resources could not be read: see the errors in the file)" :
			c.layers_incomplete ? " (some image layers could not be read whole: audit --from says which)" : "");
	rc = c.incomplete || c.layers_incomplete ? FA_EXIT_PARTIAL : FA_EXIT_OK;
	goto out;
refused:
	fa_snapshot_abort(c.w);
	rc = fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN (what was read is kept; rerun with --resume)", err);
out:
	fa_inventory_release(&inv);
	fa_session_close(&s);
	return rc;
}
