/* crawl.c: the org crawl. Lists the apps, then reads every endpoint of a window of apps
 * concurrently through one fa_net, and hands each app over as soon as it is complete, so
 * memory holds the apps in flight, not the org. */
#include "flyaudit/crawl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/api.h"

#define MAX_CERT_PAGES 1000
#define CERT_PAGE_LIMIT 500
#define DEFAULT_WINDOW 32
#define DEFAULT_TOKEN_BATCH 10

struct crawl;

typedef struct req_ctx {
	struct app_job *job;
	fa_endpoint ep;
} req_ctx;

typedef struct app_job {
	struct crawl *c;
	fa_app app;
	int pending;
	int cert_pages;
	char *cursor;
	req_ctx ctx[FA_EP_COUNT];
} app_job;

typedef struct token_batch {
	struct crawl *c;
	size_t n;
	app_job *jobs[];
} token_batch;

typedef struct crawl {
	const fa_crawl_opts *o;
	fa_inventory *inv;
	fa_crawl_stats *st;
	fa_app *list;
	size_t n_list;
	size_t next;
	size_t active;
	size_t window;
	size_t batch;
	bool aborted;
	bool oom;
	char fatal[512];
} crawl;

static void admit(crawl *c);

static void crawl_abort(crawl *c, const char *why)
{
	if (!c->aborted) {
		c->aborted = true;
		snprintf(c->fatal, sizeof(c->fatal), "%s", why);
		fa_net_abort(c->o->net);
	}
}

/* Handles everything but a 200: records the failure in `load`. Returns true if handled. */
static bool response_failed(crawl *c, fa_load *load, const fa_response *r, const char *what)
{
	char msg[FA_API_ERRLEN];

	if (r->error != FA_NET_OK) {
		fa_load_fail(load, 0, r->errmsg ? r->errmsg : "request failed");
		return true;
	}
	if (r->status == 200)
		return false;
	fa_api_error_message(r->status, r->body, r->len, msg, sizeof(msg));
	fa_load_fail(load, (int)r->status, msg);
	if (r->status == 401) {
		char why[400];

		snprintf(why, sizeof(why), "the token was refused while reading %s (%s)", what, msg);
		c->st->unauthorized = true;
		crawl_abort(c, why);
	}
	return true;
}

static void job_done_one(app_job *job)
{
	crawl *c = job->c;
	const fa_crawl_opts *o = c->o;
	bool complete = true;
	int ep;

	if (--job->pending > 0)
		return;
	for (ep = 0; ep < FA_EP_COUNT; ep++)
		if ((o->endpoints & (1u << ep)) && !job->app.load[ep].loaded)
			complete = false;
	c->st->apps_done++;
	if (complete)
		c->st->apps_complete++;
	if (!c->aborted && o->on_app)
		o->on_app(o->ud, &job->app);
	fa_app_release(&job->app);
	free(job->cursor);
	free(job);
	c->active--;
	admit(c);
}

static void on_rest(void *ud, const fa_response *r);

static int queue_rest(app_job *job, fa_endpoint ep)
{
	char *path;
	char key[300];
	int rc;

	if (ep == FA_EP_CERTS)
		path = fa_api_path_certs(job->app.name, job->cursor, CERT_PAGE_LIMIT);
	else
		path = fa_api_path_app(job->app.name, fa_endpoint_name(ep));
	if (!path)
		return -1;
	snprintf(key, sizeof(key), "%s:%s", job->app.name, fa_endpoint_name(ep));
	rc = fa_net_get(job->c->o->net, FA_BASE_FLAPS, path, key, on_rest, &job->ctx[ep]);
	free(path);
	return rc;
}

static void on_rest(void *ud, const fa_response *r)
{
	req_ctx *ctx = ud;
	app_job *job = ctx->job;
	crawl *c = job->c;
	fa_app *app = &job->app;
	fa_load *load = &app->load[ctx->ep];
	char err[FA_API_ERRLEN] = "";
	char what[300];
	int rc = 0;

	snprintf(what, sizeof(what), "%s of %s", fa_endpoint_name(ctx->ep), app->name);
	if (response_failed(c, load, r, what))
		goto done;
	switch (ctx->ep) {
	case FA_EP_MACHINES:
		rc = fa_api_decode_machines(r->body, r->len, c->o->hash_key, app, err, sizeof(err));
		break;
	case FA_EP_VOLUMES:
		rc = fa_api_decode_volumes(r->body, r->len, app, err, sizeof(err));
		break;
	case FA_EP_SECRETS:
		rc = fa_api_decode_secrets(r->body, r->len, app, err, sizeof(err));
		break;
	case FA_EP_IPS:
		rc = fa_api_decode_ips(r->body, r->len, app, err, sizeof(err));
		break;
	case FA_EP_CERTS: {
		char *next = NULL;

		rc = fa_api_decode_certs_page(r->body, r->len, app, &next, err, sizeof(err));
		if (rc == 0 && next) {
			if (job->cursor && strcmp(job->cursor, next) == 0) {
				free(next);
				fa_load_fail(load, 200, "certificate paging repeated a cursor");
				goto done;
			}
			if (++job->cert_pages >= MAX_CERT_PAGES) {
				free(next);
				fa_load_fail(load, 200, "certificate paging did not end");
				goto done;
			}
			free(job->cursor);
			job->cursor = next;
			if (c->aborted || queue_rest(job, FA_EP_CERTS) < 0) {
				fa_load_fail(load, 0, c->aborted ? "crawl stopped" : "out of memory");
				goto done;
			}
			return; /* still pending */
		}
		break;
	}
	default:
		rc = -1;
		snprintf(err, sizeof(err), "unexpected endpoint");
		break;
	}
	if (rc < 0) {
		char msg[FA_API_ERRLEN + 32];

		snprintf(msg, sizeof(msg), "invalid response: %s", err);
		fa_load_fail(load, (int)r->status, msg);
	} else {
		fa_load_ok(load);
	}
done:
	job_done_one(job);
}

static void on_app_tokens(void *ud, const fa_response *r)
{
	token_batch *b = ud;
	crawl *c = b->c;
	fa_app **apps = NULL;
	size_t i;
	char err[FA_API_ERRLEN] = "";
	fa_load failed = { 0 };
	bool whole_failed;

	whole_failed = response_failed(c, &failed, r, "app tokens");
	if (!whole_failed) {
		apps = calloc(b->n, sizeof(*apps));
		if (!apps) {
			fa_load_fail(&failed, 0, "out of memory");
			whole_failed = true;
		} else {
			int rc;

			for (i = 0; i < b->n; i++)
				apps[i] = &b->jobs[i]->app;
			rc = fa_api_decode_app_tokens(r->body, r->len, apps, b->n, err, sizeof(err));
			if (rc < 0) {
				fa_load_fail(&failed, (int)r->status, err);
				whole_failed = true;
			}
		}
	}
	for (i = 0; i < b->n; i++) {
		fa_load *l = &b->jobs[i]->app.load[FA_EP_TOKENS];

		if (whole_failed)
			fa_load_fail(l, failed.status, failed.message);
		else if (!l->tried)
			fa_load_fail(l, (int)r->status, "no answer for this app in the token query");
	}
	fa_load_release(&failed);
	free(apps);
	for (i = 0; i < b->n; i++)
		job_done_one(b->jobs[i]);
	free(b);
}

static void on_org_tokens(void *ud, const fa_response *r)
{
	crawl *c = ud;
	char err[FA_API_ERRLEN] = "";
	fa_token *toks = NULL;
	size_t n = 0;

	if (response_failed(c, &c->inv->org_tokens_load, r, "org tokens"))
		return;
	if (fa_api_decode_org_tokens(r->body, r->len, &toks, &n, err, sizeof(err)) < 0) {
		fa_load_fail(&c->inv->org_tokens_load, (int)r->status, err);
		return;
	}
	c->inv->org_tokens = toks;
	c->inv->n_org_tokens = n;
	fa_load_ok(&c->inv->org_tokens_load);
}

/* Starts one app: its REST requests, and returns it for the token batch. */
static app_job *start_app(crawl *c, fa_app *from)
{
	const fa_crawl_opts *o = c->o;
	app_job *job = calloc(1, sizeof(*job));
	int ep;

	if (!job)
		return NULL;
	job->c = c;
	job->app = *from;
	fa_app_init(from);
	for (ep = 0; ep < FA_EP_COUNT; ep++) {
		job->ctx[ep].job = job;
		job->ctx[ep].ep = (fa_endpoint)ep;
	}
	c->active++;
	job->pending = 1; /* held until every request is queued */
	for (ep = FA_EP_MACHINES; ep <= FA_EP_CERTS; ep++) {
		if (!(o->endpoints & (1u << ep)))
			continue;
		job->pending++;
		if (queue_rest(job, (fa_endpoint)ep) < 0) {
			fa_load_fail(&job->app.load[ep], 0, c->aborted ? "crawl stopped" : "out of memory");
			job->pending--;
		}
	}
	return job;
}

static void admit(crawl *c)
{
	const fa_crawl_opts *o = c->o;

	while (!c->aborted && c->active < c->window && c->next < c->n_list) {
		size_t room = c->window - c->active, want = c->batch < room ? c->batch : room, i;

		/* wait for room for a whole token batch: one app per GraphQL query would cost a
		 * request per app (the window holds several requests per app, so the transport
		 * stays busy meanwhile) */
		if (want < c->batch && c->active > 0 && c->n_list - c->next > want)
			break;
		token_batch *b = calloc(1, sizeof(*b) + want * sizeof(app_job *));
		app_job *started[64];
		size_t n_started = 0;

		if (!b) {
			crawl_abort(c, "out of memory");
			c->oom = true;
			return;
		}
		b->c = c;
		while (n_started < want && n_started < 64 && c->next < c->n_list) {
			fa_app *a = &c->list[c->next++];
			app_job *job;

			if (o->skip_app && o->skip_app(o->ud, a->name)) {
				fa_app_release(a);
				continue;
			}
			c->st->apps_total++;
			job = start_app(c, a);
			if (!job) {
				crawl_abort(c, "out of memory");
				c->oom = true;
				break;
			}
			started[n_started++] = job;
		}
		if (o->endpoints & (1u << FA_EP_TOKENS)) {
			const char **names = calloc(n_started ? n_started : 1, sizeof(*names));
			char *body = NULL;

			for (i = 0; names && i < n_started; i++)
				names[i] = started[i]->app.name;
			if (names && n_started)
				body = fa_api_gql_app_tokens(names, n_started);
			free(names);
			for (i = 0; i < n_started; i++) {
				b->jobs[b->n++] = started[i];
				started[i]->pending++;
			}
			if (n_started && (!body || fa_net_graphql(o->net, body, NULL, on_app_tokens, b) < 0)) {
				for (i = 0; i < b->n; i++) {
					fa_load_fail(&b->jobs[i]->app.load[FA_EP_TOKENS], 0,
						     c->aborted ? "crawl stopped" : "out of memory");
					b->jobs[i]->pending--;
				}
				free(b);
			} else if (!n_started) {
				free(b);
			}
			free(body);
		} else {
			free(b);
		}
		/* release the hold taken in start_app; may finish jobs that queued nothing */
		for (i = 0; i < n_started; i++)
			job_done_one(started[i]);
	}
}

static void on_apps_list(void *ud, const fa_response *r)
{
	crawl *c = ud;
	const fa_crawl_opts *o = c->o;
	char err[FA_API_ERRLEN] = "";
	fa_app *apps = NULL;
	size_t n = 0, i, j, kept = 0;

	if (response_failed(c, &c->inv->apps_load, r, "the app list"))
		return;
	if (fa_api_decode_apps(r->body, r->len, &apps, &n, err, sizeof(err)) < 0) {
		char msg[FA_API_ERRLEN + 32];

		snprintf(msg, sizeof(msg), "invalid response: %s", err);
		fa_load_fail(&c->inv->apps_load, (int)r->status, msg);
		return;
	}
	fa_load_ok(&c->inv->apps_load);
	for (i = 0; i < n; i++)
		fa_load_ok(&apps[i].load[FA_EP_APP]);
	if (o->apps) {
		/* keep only the named apps, in the order given; name the missing ones */
		fa_app *sel = calloc(o->n_apps ? o->n_apps : 1, sizeof(*sel));

		if (!sel) {
			crawl_abort(c, "out of memory");
			c->oom = true;
			for (i = 0; i < n; i++)
				fa_app_release(&apps[i]);
			free(apps);
			return;
		}
		for (j = 0; j < o->n_apps; j++) {
			for (i = 0; i < n; i++)
				if (apps[i].name && strcmp(apps[i].name, o->apps[j]) == 0)
					break;
			if (i < n) {
				sel[kept] = apps[i];
				fa_app_init(&apps[i]);
			} else {
				char msg[300];

				fa_app_init(&sel[kept]);
				sel[kept].name = strdup(o->apps[j]);
				snprintf(msg, sizeof(msg), "app not found in org %s", o->org);
				fa_load_fail(&sel[kept].load[FA_EP_APP], 404, msg);
			}
			kept++;
		}
		for (i = 0; i < n; i++)
			fa_app_release(&apps[i]);
		free(apps);
		apps = sel;
		n = kept;
	}
	c->list = apps;
	c->n_list = n;
	c->next = 0;
	admit(c);
}

int fa_crawl_run(const fa_crawl_opts *o, fa_inventory *inv, fa_crawl_stats *stats,
		 char *err, size_t errlen)
{
	crawl c;
	size_t i;
	char *path = NULL;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	memset(stats, 0, sizeof(*stats));
	c.o = o;
	c.inv = inv;
	c.st = stats;
	c.window = o->window > 0 ? (size_t)o->window : DEFAULT_WINDOW;
	c.batch = o->token_batch > 0 ? (size_t)o->token_batch : DEFAULT_TOKEN_BATCH;
	if (c.batch > 64)
		c.batch = 64;
	if (c.batch > c.window)
		c.batch = c.window;

	if (o->org_tokens) {
		char *body = fa_api_gql_org_tokens(o->org);

		if (!body || fa_net_graphql(o->net, body, NULL, on_org_tokens, &c) < 0)
			fa_load_fail(&inv->org_tokens_load, 0, "out of memory");
		free(body);
	}
	if (o->apps && !o->list_apps) {
		c.list = calloc(o->n_apps ? o->n_apps : 1, sizeof(*c.list));
		if (!c.list) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		for (i = 0; i < o->n_apps; i++) {
			fa_app_init(&c.list[i]);
			c.list[i].name = strdup(o->apps[i]);
			c.list[i].org_slug = o->org ? strdup(o->org) : NULL;
		}
		c.n_list = o->n_apps;
		fa_load_ok(&inv->apps_load);
		admit(&c);
	} else {
		path = fa_api_path_apps(o->org);
		if (!path || fa_net_get(o->net, FA_BASE_FLAPS, path, "org:apps", on_apps_list, &c) < 0) {
			free(path);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(path);
	}
	fa_net_run(o->net);

	for (i = c.next; i < c.n_list; i++)
		fa_app_release(&c.list[i]);
	free(c.list);
	if (stats->unauthorized) {
		snprintf(err, errlen, "%s", c.fatal);
		rc = -2;
	} else if (c.aborted || c.oom) {
		snprintf(err, errlen, "%s", c.fatal[0] ? c.fatal : "the crawl stopped");
		rc = -1;
	}
	return rc;
}
