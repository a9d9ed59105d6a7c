/* cmd/repo.c: `audit --repo DIR`: the repository is scanned first (as `scan` does), each
 * fly.toml read into what drift compares ([env] values hashed with the run's key as they
 * are read, never kept); each app's batch then gets the scan results that name it and
 * config.repo_drift for every fly.toml naming it; what names no crawled app goes out in a
 * last batch. */
#include "audit_run.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../scan.h"
#include "flyaudit/scan.h"

typedef struct repo_toml {
	char *rel;
	char *app;
	fa_fly_toml *t;
	bool seen; /* its app was audited */
} repo_toml;

struct fa_repo_run {
	const fa_cli *cli;
	fa_scan_ctx sc;
	const unsigned char *key; /* the run's env hash key while the scan runs; NULL: --from */
	repo_toml *tomls;
	size_t n;
	fa_report scan; /* the scan's results and coverage errors */
	bool *taken;    /* scan results already handed to an app's batch */
	bool oom;
};

/* Each fly.toml is read as the scan reads it: its [env] values hashed there with the run's
 * key, and only the hashes kept (the text is the scan's, wiped when it is done). */
static int on_toml(void *ud, const char *rel, const char *text, size_t len)
{
	fa_repo_run *r = ud;
	repo_toml *t;
	fa_fly_toml *ft = NULL;
	fa_parse_error perr;
	const char *app;
	int rc = fa_fly_toml_read(text, len, r->key, &ft, &perr);

	if (rc == FA_SCAN_UNPARSED)
		return 0; /* already a coverage entry of the scan */
	if (rc < 0)
		return -1;
	t = realloc(r->tomls, (r->n + 1) * sizeof(*t));
	if (!t) {
		fa_fly_toml_free(ft);
		return -1;
	}
	r->tomls = t;
	t = &r->tomls[r->n];
	memset(t, 0, sizeof(*t));
	t->t = ft;
	t->rel = strdup(rel);
	app = fa_fly_toml_app_name(ft);
	/* no app = "..." line: the one --app given names it */
	if (!app && r->cli->n_apps == 1)
		app = r->cli->apps[0];
	t->app = app ? strdup(app) : NULL;
	r->n++;
	if (!t->rel || (app && !t->app))
		return -1;
	return 0;
}

/* Copies scan result i into rs. */
static int copy_result(fa_results *rs, const fa_result *x)
{
	if (fa_results_add(rs, x->check, x->status, x->org, x->app, x->resource_type,
			   x->resource_id, x->resource_name, x->region, x->message) < 0)
		return -1;
	return fa_result_set_location(&rs->items[rs->n - 1], x->file, x->line);
}

static void drift(fa_repo_run *r, repo_toml *t, const fa_app *app, fa_results *rs)
{
	if (fa_repo_drift(&r->sc, t->rel, t->t, app, rs) < 0)
		r->oom = true;
}

static void extend(void *ud, const fa_app *app, fa_results *rs)
{
	fa_repo_run *r = ud;
	size_t i;

	if (!app->name)
		return;
	for (i = 0; i < r->n; i++) {
		if (!r->tomls[i].app || strcmp(r->tomls[i].app, app->name) != 0)
			continue;
		r->tomls[i].seen = true;
		drift(r, &r->tomls[i], app, rs);
	}
	for (i = 0; i < r->scan.results.n; i++) {
		const fa_result *x = &r->scan.results.items[i];

		if (r->taken[i] || !x->app || strcmp(x->app, app->name) != 0)
			continue;
		if (copy_result(rs, x) < 0)
			r->oom = true;
		r->taken[i] = true;
	}
}

static void finish(void *ud, fa_results *rs)
{
	fa_repo_run *r = ud;
	size_t i;

	/* a fly.toml whose app was not audited: its drift is unknown, never a pass */
	for (i = 0; i < r->n; i++) {
		fa_app stub;

		if (r->tomls[i].seen || !r->tomls[i].app)
			continue;
		fa_app_init(&stub);
		stub.name = r->tomls[i].app;
		stub.load[FA_EP_MACHINES].tried = true;
		stub.load[FA_EP_MACHINES].message = (char *)"the app is not in the org (or was not selected with --app)";
		drift(r, &r->tomls[i], &stub, rs);
	}
	for (i = 0; i < r->scan.results.n; i++)
		if (!r->taken[i] && copy_result(rs, &r->scan.results.items[i]) < 0)
			r->oom = true;
}

int fa_repo_open(fa_repo_run **out, const fa_cli *cli, fa_audit_run *run)
{
	fa_repo_run *r = calloc(1, sizeof(*r));
	fa_scan_stats st;
	char err[512] = "";
	size_t i;
	int rc;

	*out = NULL;
	if (!r)
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	r->cli = cli;
	r->sc.org = NULL; /* scan results keep the fingerprints `flyaudit scan` gives them */
	r->sc.now = run->now;
	fa_report_init(&r->scan);
	r->key = run->have_hash_key ? run->hash_key : NULL;
	rc = fa_scan_dir(cli->repo, NULL, run->now, &r->scan, &st, on_toml, r, err, sizeof(err));
	r->key = NULL; /* the key stays the run's: nothing here keeps it */
	if (rc) {
		fa_repo_close(r);
		return fa_cli_error(FA_EXIT_USAGE, "--repo: %s", err[0] ? err : "out of memory");
	}
	r->taken = calloc(r->scan.results.n + 1, sizeof(*r->taken));
	if (!r->taken) {
		fa_repo_close(r);
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	for (i = 0; i < r->scan.n_errors; i++) {
		const fa_coverage_error *e = &r->scan.errors[i];

		if (fa_report_add_error(&run->report, e->app, e->endpoint, e->status, e->message) < 0) {
			fa_repo_close(r);
			return fa_cli_error(FA_EXIT_USAGE, "out of memory");
		}
	}
	if (r->scan.n_errors)
		run->partial = true;
	run->extend = extend;
	run->finish = finish;
	run->extend_ud = r;
	*out = r;
	return FA_EXIT_OK;
}

bool fa_repo_failed(const fa_repo_run *r)
{
	return r && r->oom;
}

void fa_repo_close(fa_repo_run *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->tomls[i].rel);
		fa_fly_toml_free(r->tomls[i].t);
		free(r->tomls[i].app);
	}
	free(r->tomls);
	free(r->taken);
	fa_report_release(&r->scan);
	free(r);
}
