/* crawl.c: the org crawl. Lists the apps, then reads every endpoint of a window of apps
 * concurrently through one fa_net, and hands each app over as soon as it is complete, so
 * memory holds the apps in flight, not the org. */
#include "flyaudit/crawl.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/api.h"
#include "flyaudit/buf.h"

#define MAX_CERT_PAGES 1000
#define MAX_APP_PAGES 100000
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
	char *page_cursor[FA_EP_COUNT]; /* machines, volumes: the fly-next-cursor to follow */
	int pages[FA_EP_COUNT];
	req_ctx ctx[FA_EP_COUNT];
} app_job;

typedef struct token_batch {
	struct crawl *c;
	size_t n;
	app_job *jobs[];
} token_batch;

/* The apps still to read, packed one after another in one buffer (about 70 bytes an app,
 * not a struct of 300 and five allocations): an org of 10,000 apps waits in under a
 * megabyte. Each record: a found flag, then name, id, status, network (a presence byte
 * and the text with its NUL), then internal_numeric_id, machine_count, volume_count. */
typedef struct pending {
	fa_buf buf;
	size_t off;  /* the next record */
	size_t left; /* records not taken yet */
} pending;

typedef struct access_ctx {
	struct crawl *c;
	int part; /* -1: the first request (every part) */
} access_ctx;

typedef struct crawl {
	const fa_crawl_opts *o;
	access_ctx access[FA_ACCESS_COUNT + 1];
	int access_pages;
	fa_inventory *inv;
	fa_crawl_stats *st;
	pending todo;
	fa_api_apps_stream *stream; /* the app list as it arrives */
	bool *named_found;          /* --app names seen in the list */
	char stream_err[FA_API_ERRLEN];
	char list_err[FA_API_ERRLEN]; /* why on_listed_app stopped the list */
	/* the app list's pages (REFERENCE §7.8): a page restarts alone */
	size_t list_pages;
	size_t listed;               /* apps of the pages before this one */
	long long list_total;        /* the first page's total_apps, -1 when not sent */
	char *list_cursor;           /* the cursor that asked for this page */
	size_t page_buf_len, page_left, page_log;
	bool *page_named;
	/* names listed so far (64-bit hashes): an app listed twice is a broken list */
	uint64_t *seen, *seen_log;
	size_t seen_cap, seen_n, seen_log_cap;
	int token_pages;
	char *org_tok_cursor;        /* the cursor that asked for this page of org tokens */
	size_t active;
	size_t window;
	size_t batch;
	bool aborted;
	bool oom;
	bool admitting, admit_again; /* admit() is not re-entered (a stopped transport
				      * completes every job at once) */
	char stop_msg[160];
	char fatal[512];
} crawl;

/* Why a request could not be queued: the transport stopped (--max-time, a signal), the
 * crawl stopped, or memory. */
static const char *not_queued(crawl *c)
{
	const char *why = fa_net_stopped(c->o->net);

	if (why) {
		snprintf(c->stop_msg, sizeof(c->stop_msg), "stopped: %s", why);
		return c->stop_msg;
	}
	return c->aborted ? "crawl stopped" : "out of memory";
}

static void admit(crawl *c);

static int put_str(fa_buf *b, const char *str)
{
	unsigned char present = str != NULL;

	if (fa_buf_add(b, &present, 1) < 0)
		return -1;
	return str ? fa_buf_add(b, str, strlen(str) + 1) : 0;
}

static int pending_push(pending *p, const fa_app *a, bool found)
{
	unsigned char f = found;
	long long nums[3];

	nums[0] = a->internal_numeric_id;
	nums[1] = a->machine_count;
	nums[2] = a->volume_count;
	if (fa_buf_add(&p->buf, &f, 1) < 0 || put_str(&p->buf, a->name) < 0 || put_str(&p->buf, a->id) < 0 ||
	    put_str(&p->buf, a->status) < 0 || put_str(&p->buf, a->network) < 0 ||
	    fa_buf_add(&p->buf, nums, sizeof(nums)) < 0)
		return -1;
	p->left++;
	return 0;
}

static char *take_str(pending *p, bool *oom)
{
	const char *at = p->buf.data + p->off;
	char *copy;
	size_t n;

	p->off++;
	if (!at[0])
		return NULL;
	n = strlen(at + 1);
	p->off += n + 1;
	copy = strdup(at + 1);
	if (!copy)
		*oom = true;
	return copy;
}

/* The next app to read, as a fresh fa_app. Returns 1, 0 when none is left, -1 on OOM. */
static int pending_pop(pending *p, const char *org, fa_app *out)
{
	long long nums[3];
	bool found, oom = false;

	if (!p->left)
		return 0;
	fa_app_init(out);
	found = p->buf.data[p->off++] != 0;
	out->name = take_str(p, &oom);
	out->id = take_str(p, &oom);
	out->status = take_str(p, &oom);
	out->network = take_str(p, &oom);
	memcpy(nums, p->buf.data + p->off, sizeof(nums));
	p->off += sizeof(nums);
	p->left--;
	/* give back what was read once it is most of the buffer */
	if (p->off >= 65536 && p->off * 2 >= p->buf.len) {
		fa_buf_consume(&p->buf, p->off);
		p->off = 0;
	}
	out->internal_numeric_id = nums[0];
	out->machine_count = nums[1];
	out->volume_count = nums[2];
	if (org && !(out->org_slug = strdup(org)))
		oom = true;
	if (found) {
		fa_load_ok(&out->load[FA_EP_APP]);
	} else {
		char msg[300];

		snprintf(msg, sizeof(msg), "app not found in org %s", org ? org : "?");
		if (fa_load_fail(&out->load[FA_EP_APP], 404, msg) < 0)
			oom = true;
	}
	if (oom) {
		fa_app_release(out);
		return -1;
	}
	return 1;
}

static void pending_reset(pending *p)
{
	fa_buf_release(&p->buf);
	p->off = 0;
	p->left = 0;
}

static void crawl_abort(crawl *c, const char *why)
{
	if (!c->aborted) {
		c->aborted = true;
		snprintf(c->fatal, sizeof(c->fatal), "%s", why);
		fa_net_abort(c->o->net);
	}
}

/* "HTTP 404: app not found" -> "app not found": a load keeps its status apart. */
static const char *without_status(const char *msg)
{
	const char *p = msg;

	if (strncmp(p, "HTTP ", 5) != 0)
		return msg;
	for (p += 5; *p >= '0' && *p <= '9'; p++)
		;
	return (p[0] == ':' && p[1] == ' ' && p[2]) ? p + 2 : msg;
}

static bool app_missing(const fa_app *app)
{
	return fa_load_failed(&app->load[FA_EP_APP]);
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
	fa_load_fail(load, (int)r->status, without_status(msg));
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
	if (fa_load_failed(&job->app.load[FA_EP_IMAGES]))
		complete = false;
	c->st->apps_done++;
	if (complete)
		c->st->apps_complete++;
	if (!c->aborted && o->on_app)
		o->on_app(o->ud, &job->app);
	fa_app_release(&job->app);
	free(job->cursor);
	for (ep = 0; ep < FA_EP_COUNT; ep++)
		free(job->page_cursor[ep]);
	free(job);
	c->active--;
	admit(c);
}

static void on_rest(void *ud, const fa_response *r);

/* One image of the app is in (or could not be read): keep a copy, once per digest. */
static void on_image(void *ud, const fa_image *img)
{
	app_job *job = ud;
	fa_app *app = &job->app;
	size_t i;

	if (!img->load.loaded && !fa_load_failed(&app->load[FA_EP_IMAGES])) {
		char msg[FA_API_ERRLEN + 128];

		snprintf(msg, sizeof(msg), "%s: %s", img->ref ? img->ref : "image",
			 img->load.message ? img->load.message : "not read");
		fa_load_fail(&app->load[FA_EP_IMAGES], img->load.status, msg);
	}
	for (i = 0; i < app->n_images; i++)
		if (app->images[i].digest && img->digest && strcmp(app->images[i].digest, img->digest) == 0)
			break;
	if (i == app->n_images) {
		fa_image *grown = realloc(app->images, (app->n_images + 1) * sizeof(*grown));

		if (!grown || fa_image_copy(&grown[app->n_images], img) < 0) {
			if (grown)
				app->images = grown;
			fa_load_fail(&app->load[FA_EP_IMAGES], 0, "out of memory");
		} else {
			app->images = grown;
			app->n_images++;
		}
	}
	job_done_one(job);
}

/* The machines are in: ask the registry for the image of each (the registry fetches
 * each digest once per run; the job waits for its answers). */
static void want_images(app_job *job)
{
	fa_registry *reg = job->c->o->registry;
	fa_app *app = &job->app;
	size_t i;

	fa_load_ok(&app->load[FA_EP_IMAGES]);
	for (i = 0; i < app->n_machines; i++) {
		const fa_machine *m = &app->machines[i];

		size_t k;

		if (m->image && m->image[0]) {
			job->pending++;
			if (fa_registry_want(reg, m->image, m->image_digest, on_image, job) < 0) {
				job->pending--;
				fa_load_fail(&app->load[FA_EP_IMAGES], 0, "out of memory");
			}
		}
		/* each container of a multi-container machine runs its own image */
		for (k = 0; k < m->n_containers; k++) {
			const char *ci = m->containers[k].image;

			if (!ci || !ci[0])
				continue;
			job->pending++;
			if (fa_registry_want(reg, ci, NULL, on_image, job) < 0) {
				job->pending--;
				fa_load_fail(&app->load[FA_EP_IMAGES], 0, "out of memory");
			}
		}
	}
}

#define MAX_LIST_PAGES 1000 /* machines or volumes pages of one app (1,000 a page at most) */

/* Decodes one page of machines or volumes and appends it to what earlier pages gave (a
 * page that fails to decode leaves those as they were). */
static int decode_page(crawl *c, fa_app *app, fa_endpoint ep, const fa_response *r, char *err,
		       size_t errlen)
{
	int rc;

	if (ep == FA_EP_MACHINES) {
		fa_machine *prev = app->machines, *all = NULL;
		size_t np = app->n_machines;

		app->machines = NULL;
		app->n_machines = 0;
		rc = fa_api_decode_machines(r->body, r->len, c->o->hash_key, app, err, errlen);
		if (rc < 0 || np == 0) {
			if (rc < 0) {
				app->machines = prev;
				app->n_machines = np;
			}
			return rc;
		}
		all = realloc(prev, (np + app->n_machines) * sizeof(*all));
		if (!all) {
			size_t i;

			for (i = 0; i < app->n_machines; i++)
				fa_machine_release(&app->machines[i]);
			free(app->machines);
			app->machines = prev;
			app->n_machines = np;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (app->n_machines)
			memcpy(all + np, app->machines, app->n_machines * sizeof(*all));
		free(app->machines);
		app->machines = all;
		app->n_machines += np;
		return 0;
	} else {
		fa_volume *prev = app->volumes, *all = NULL;
		size_t np = app->n_volumes;

		app->volumes = NULL;
		app->n_volumes = 0;
		rc = fa_api_decode_volumes(r->body, r->len, app, err, errlen);
		if (rc < 0 || np == 0) {
			if (rc < 0) {
				app->volumes = prev;
				app->n_volumes = np;
			}
			return rc;
		}
		all = realloc(prev, (np + app->n_volumes) * sizeof(*all));
		if (!all) {
			size_t i;

			for (i = 0; i < app->n_volumes; i++)
				fa_volume_release(&app->volumes[i]);
			free(app->volumes);
			app->volumes = prev;
			app->n_volumes = np;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (app->n_volumes)
			memcpy(all + np, app->volumes, app->n_volumes * sizeof(*all));
		free(app->volumes);
		app->volumes = all;
		app->n_volumes += np;
		return 0;
	}
}

/* A machine whose config has a field of the wrong JSON type (or a port out of range) was
 * read, but not whole: the list is a coverage error naming the machine and the field. */
static bool machines_malformed(const fa_app *app, char *msg, size_t msglen)
{
	size_t i, n = 0;
	const fa_machine *first = NULL;

	for (i = 0; i < app->n_machines; i++) {
		if (app->machines[i].malformed) {
			if (!first)
				first = &app->machines[i];
			n++;
		}
	}
	if (!first)
		return false;
	snprintf(msg, msglen, "malformed: machine %s field %s has the wrong JSON type or is out of "
		 "range%s", first->id ? first->id : "?", first->malformed,
		 n > 1 ? " (and more machines)" : "");
	return true;
}

static int queue_rest(app_job *job, fa_endpoint ep)
{
	char *path;
	char key[300];
	int rc;

	if (ep == FA_EP_CERTS)
		path = fa_api_path_certs(job->app.name, job->cursor, CERT_PAGE_LIMIT);
	else if (job->page_cursor[ep])
		path = fa_api_path_page(job->app.name, fa_endpoint_name(ep), job->page_cursor[ep]);
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
	case FA_EP_VOLUMES:
		rc = decode_page(c, app, ctx->ep, r, err, sizeof(err));
		if (rc == 0 && (r->next_cursor || r->next_cursor_cut)) {
			fa_endpoint ep = ctx->ep;
			char msg[96];

			if (r->next_cursor_cut) {
				snprintf(msg, sizeof(msg), "%s paging: the next cursor is too long",
					 fa_endpoint_name(ep));
				fa_load_fail(load, 200, msg);
				goto done;
			}
			if (job->page_cursor[ep] && strcmp(job->page_cursor[ep], r->next_cursor) == 0) {
				snprintf(msg, sizeof(msg), "%s paging repeated a cursor",
					 fa_endpoint_name(ep));
				fa_load_fail(load, 200, msg);
				goto done;
			}
			if (++job->pages[ep] >= MAX_LIST_PAGES) {
				snprintf(msg, sizeof(msg), "%s paging did not end", fa_endpoint_name(ep));
				fa_load_fail(load, 200, msg);
				goto done;
			}
			free(job->page_cursor[ep]);
			job->page_cursor[ep] = strdup(r->next_cursor);
			if (!job->page_cursor[ep] || c->aborted || queue_rest(job, ep) < 0) {
				fa_load_fail(load, 0, c->aborted ? "crawl stopped" : "out of memory");
				goto done;
			}
			return; /* still pending */
		}
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
				fa_load_fail(load, 0, not_queued(c));
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
	} else if (ctx->ep == FA_EP_MACHINES && machines_malformed(app, err, sizeof(err))) {
		fa_load_fail(load, (int)r->status, err);
	} else {
		fa_load_ok(load);
		if (ctx->ep == FA_EP_MACHINES && c->o->registry && !c->aborted)
			want_images(job);
	}
done:
	job_done_one(job);
}

static void on_app_tokens(void *ud, const fa_response *r);

/* Asks for one app's tokens alone, as flyctl does (the same document, one alias). The job
 * keeps the hold its batch took; this request's answer releases it. */
static int queue_single_tokens(crawl *c, app_job *job)
{
	token_batch *nb = calloc(1, sizeof(*nb) + sizeof(app_job *));
	const char *name = job->app.name;
	char *body = NULL;

	if (!nb)
		return -1;
	nb->c = c;
	nb->n = 1;
	nb->jobs[0] = job;
	body = fa_api_gql_app_tokens(&name, 1);
	if (!body || fa_net_graphql(c->o->net, body, NULL, on_app_tokens, nb) < 0) {
		free(body);
		free(nb);
		return -1;
	}
	free(body);
	return 0;
}

/* The server refused the batched query as a whole (a GraphQL error with no data, or a
 * 400/413/422), not the token or the network: worth asking app by app. */
static bool batch_rejected(const fa_response *r, int rc)
{
	if (r->error != FA_NET_OK)
		return false;
	if (r->status == 400 || r->status == 413 || r->status == 422)
		return true;
	return r->status == 200 && (rc == FA_API_EGRAPHQL || rc == FA_API_EJSON);
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
	int rc = 0;

	whole_failed = response_failed(c, &failed, r, "app tokens");
	if (!whole_failed) {
		apps = calloc(b->n, sizeof(*apps));
		if (!apps) {
			fa_load_fail(&failed, 0, "out of memory");
			whole_failed = true;
		} else {
			for (i = 0; i < b->n; i++)
				apps[i] = &b->jobs[i]->app;
			rc = fa_api_decode_app_tokens(r->body, r->len, apps, b->n, err, sizeof(err));
			if (rc < 0) {
				fa_load_fail(&failed, (int)r->status, err);
				whole_failed = true;
			}
		}
	}
	if (whole_failed && b->n > 1 && !c->aborted && batch_rejected(r, rc)) {
		/* fall back to one app per query; an app that cannot be asked keeps the error */
		for (i = 0; i < b->n; i++) {
			app_job *job = b->jobs[i];

			if (queue_single_tokens(c, job) == 0)
				continue;
			fa_load_fail(&job->app.load[FA_EP_TOKENS], failed.status, failed.message);
			job_done_one(job);
		}
		fa_load_release(&failed);
		free(apps);
		free(b);
		return;
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

#define MAX_TOKEN_PAGES 100

static void on_org_tokens(void *ud, const fa_response *r)
{
	crawl *c = ud;
	fa_inventory *inv = c->inv;
	char err[FA_API_ERRLEN] = "", *next = NULL, *body = NULL;
	fa_token *toks = NULL, *all = NULL;
	size_t n = 0, i;

	if (response_failed(c, &inv->org_tokens_load, r, "org tokens"))
		return;
	if (fa_api_decode_org_tokens(r->body, r->len, &toks, &n, &next, err, sizeof(err)) < 0) {
		fa_load_fail(&inv->org_tokens_load, (int)r->status, err);
		return;
	}
	if (next && c->org_tok_cursor && strcmp(next, c->org_tok_cursor) == 0) {
		/* the page answers its own cursor again: stop, and keep none of it (it would
		 * repeat every token of the page once a request) */
		for (i = 0; i < n; i++)
			fa_token_release(&toks[i]);
		free(toks);
		free(next);
		fa_load_fail(&inv->org_tokens_load, 200, "org token paging repeated a cursor");
		return;
	}
	/* append this page to what the earlier pages gave */
	all = n ? realloc(inv->org_tokens, (inv->n_org_tokens + n) * sizeof(*all)) : inv->org_tokens;
	if (n && !all) {
		for (i = 0; i < n; i++)
			fa_token_release(&toks[i]);
		free(toks);
		free(next);
		fa_load_fail(&inv->org_tokens_load, 0, "out of memory");
		return;
	}
	if (n)
		memcpy(all + inv->n_org_tokens, toks, n * sizeof(*toks));
	free(toks);
	inv->org_tokens = all;
	inv->n_org_tokens += n;
	if (!next) {
		fa_load_ok(&inv->org_tokens_load);
		return;
	}
	if (++c->token_pages >= MAX_TOKEN_PAGES) {
		fa_load_fail(&inv->org_tokens_load, 200, "the org's token list did not end");
	} else if (c->aborted || !(body = fa_api_gql_org_tokens(c->o->org, next)) ||
		   fa_net_graphql(c->o->net, body, NULL, on_org_tokens, c) < 0) {
		fa_load_fail(&inv->org_tokens_load, 0, not_queued(c));
	} else {
		free(c->org_tok_cursor);
		c->org_tok_cursor = next;
		next = NULL;
	}
	free(body);
	free(next);
}

#define MAX_ACCESS_PAGES 200

static void on_access(void *ud, const fa_response *r);

/* Asks part `part` (-1: all) of the org's people and access; on failure marks them. */
static void access_request(crawl *c, int part, const char *after)
{
	fa_access *acc = &c->inv->access;
	char *body = NULL;
	int p;

	if (c->aborted || !(body = fa_api_gql_access(c->o->org, part, after)) ||
	    fa_net_graphql(c->o->net, body, NULL, on_access, &c->access[part + 1]) < 0) {
		for (p = 0; p < FA_ACCESS_COUNT; p++)
			if (part < 0 || p == part)
				fa_load_fail(&acc->load[p], 0, c->aborted ? "crawl stopped" : "out of memory");
	}
	free(body);
}

static void on_access(void *ud, const fa_response *r)
{
	access_ctx *a = ud;
	crawl *c = a->c;
	fa_access *acc = &c->inv->access;
	fa_load failed = { 0 };
	char err[FA_API_ERRLEN] = "", *next[FA_ACCESS_COUNT];
	int p, rc;

	if (response_failed(c, &failed, r, "people and access")) {
		for (p = 0; p < FA_ACCESS_COUNT; p++)
			if (a->part < 0 || p == a->part)
				fa_load_fail(&acc->load[p], failed.status, failed.message);
		fa_load_release(&failed);
		return;
	}
	rc = fa_api_decode_access(r->body, r->len, a->part, acc, next, err, sizeof(err));
	if (rc < 0) {
		for (p = 0; p < FA_ACCESS_COUNT; p++)
			if (a->part < 0 || p == a->part)
				fa_load_fail(&acc->load[p], (int)r->status, err);
		if (rc == FA_API_EUNAUTH) {
			c->st->unauthorized = true;
			crawl_abort(c, "the token was refused while reading people and access");
		}
		return;
	}
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		if (!next[p])
			continue;
		if (++c->access_pages >= MAX_ACCESS_PAGES)
			fa_load_fail(&acc->load[p], 200, "the list did not end");
		else
			access_request(c, p, next[p]);
		free(next[p]);
	}
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
		/* an app the org's list does not have is not asked about */
		if (!(o->endpoints & (1u << ep)) || app_missing(&job->app))
			continue;
		job->pending++;
		if (queue_rest(job, (fa_endpoint)ep) < 0) {
			fa_load_fail(&job->app.load[ep], 0, not_queued(c));
			job->pending--;
		}
	}
	return job;
}

static void admit_once(crawl *c);

static void admit(crawl *c)
{
	if (c->admitting) {
		c->admit_again = true;
		return;
	}
	c->admitting = true;
	do {
		c->admit_again = false;
		admit_once(c);
	} while (c->admit_again && !c->aborted);
	c->admitting = false;
}

static void admit_once(crawl *c)
{
	const fa_crawl_opts *o = c->o;

	while (!c->aborted && c->active < c->window && c->todo.left) {
		size_t room = c->window - c->active, want = c->batch < room ? c->batch : room, i;

		/* wait for room for a whole token batch: one app per GraphQL query would cost a
		 * request per app (the window holds several requests per app, so the transport
		 * stays busy meanwhile) */
		if (want < c->batch && c->active > 0 && c->todo.left > want)
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
		while (n_started < want && n_started < 64 && c->todo.left) {
			fa_app a;
			app_job *job;
			int got = pending_pop(&c->todo, o->org, &a);

			if (got < 0) {
				crawl_abort(c, "out of memory");
				c->oom = true;
				break;
			}
			if (o->skip_app && o->skip_app(o->ud, a.name)) {
				fa_app_release(&a);
				if (c->st->apps_total)
					c->st->apps_total--;
				continue;
			}
			job = start_app(c, &a);
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

			for (i = 0; names && i < n_started; i++) {
				if (app_missing(&started[i]->app))
					continue;
				names[b->n] = started[i]->app.name;
				b->jobs[b->n++] = started[i];
				started[i]->pending++;
			}
			bool names_oom = !names && n_started;

			if (names && b->n)
				body = fa_api_gql_app_tokens(names, b->n);
			free(names);
			if (names_oom) {
				free(b);
				crawl_abort(c, "out of memory");
				c->oom = true;
			} else if (b->n && (!body || fa_net_graphql(o->net, body, NULL, on_app_tokens, b) < 0)) {
				for (i = 0; i < b->n; i++) {
					fa_load_fail(&b->jobs[i]->app.load[FA_EP_TOKENS], 0,
						     not_queued(c));
					b->jobs[i]->pending--;
				}
				free(b);
			} else if (!b->n) {
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

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h ? h : 1;
}

/* Adds h to the set; 1 when it was there, 0 when added, -1 on OOM. */
static int seen_add(crawl *c, uint64_t h, bool log)
{
	size_t i;

	if ((c->seen_n + 1) * 2 > c->seen_cap) {
		size_t cap = c->seen_cap ? c->seen_cap * 2 : 1024, k;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -1;
		for (k = 0; k < c->seen_cap; k++) {
			if (!c->seen[k])
				continue;
			for (i = c->seen[k] & (cap - 1); t[i]; i = (i + 1) & (cap - 1))
				;
			t[i] = c->seen[k];
		}
		free(c->seen);
		c->seen = t;
		c->seen_cap = cap;
	}
	for (i = h & (c->seen_cap - 1); c->seen[i]; i = (i + 1) & (c->seen_cap - 1))
		if (c->seen[i] == h)
			return 1;
	if (log) {
		if (c->seen_n == c->seen_log_cap) {
			size_t cap = c->seen_log_cap ? c->seen_log_cap * 2 : 1024;
			uint64_t *l = realloc(c->seen_log, cap * sizeof(*l));

			if (!l)
				return -1;
			c->seen_log = l;
			c->seen_log_cap = cap;
		}
		c->seen_log[c->seen_n] = h;
	}
	c->seen[i] = h;
	c->seen_n++;
	return 0;
}

/* The page being read starts again: forget what it had added. */
static int page_restart(crawl *c)
{
	size_t k, keep = c->page_log;

	c->todo.buf.len = c->page_buf_len;
	c->todo.left = c->page_left;
	if (c->named_found && c->page_named)
		memcpy(c->named_found, c->page_named, c->o->n_apps * sizeof(*c->named_found));
	if (c->seen)
		memset(c->seen, 0, c->seen_cap * sizeof(*c->seen));
	c->seen_n = 0;
	for (k = 0; k < keep; k++)
		if (seen_add(c, c->seen_log[k], false) < 0)
			return -1;
	return 0;
}

/* One app of the streamed list: queue it (only the named ones with --app). */
static int on_listed_app(void *ud, const fa_app *app)
{
	crawl *c = ud;
	const fa_crawl_opts *o = c->o;
	size_t j;
	int dup;

	if (app->org_slug && o->org && strcmp(app->org_slug, o->org) != 0) {
		/* another org's app is never audited as this one's */
		snprintf(c->list_err, sizeof(c->list_err), "app %s is listed with organization %.70s, not %.70s",
			 app->name, fa_api_app_name_ok(app->org_slug) ? app->org_slug : "(malformed slug)", o->org);
		return -1;
	}
	dup = seen_add(c, name_hash(app->name), true);
	if (dup < 0) {
		snprintf(c->list_err, sizeof(c->list_err), "out of memory");
		return -1;
	}
	if (dup) {
		snprintf(c->list_err, sizeof(c->list_err), "app %s is listed twice", app->name);
		return -1;
	}

	if (o->apps) {
		for (j = 0; j < o->n_apps; j++)
			if (strcmp(app->name, o->apps[j]) == 0)
				break;
		if (j == o->n_apps || c->named_found[j])
			return 0;
		c->named_found[j] = true;
	}
	return pending_push(&c->todo, app, true);
}

static int on_list_chunk(void *ud, const char *data, size_t len)
{
	crawl *c = ud;

	if (!data) { /* the transfer starts again: so does this page of the list */
		fa_api_apps_stream_reset(c->stream);
		c->list_err[0] = '\0';
		return page_restart(c);
	}
	return fa_api_apps_stream_feed(c->stream, data, len, c->stream_err, sizeof(c->stream_err)) < 0 ? -1 : 0;
}

static int next_page(crawl *c, const char *cursor);

/* A page of the list has come in whole: the next one, or the count check. Returns 1 when
 * another page was asked for, 0 when the list is complete, -1 with msg set when not. */
static int list_page_done(crawl *c, char *msg, size_t msglen)
{
	long long total = fa_api_apps_stream_total(c->stream);
	const char *cursor = fa_api_apps_stream_cursor(c->stream);

	c->listed += fa_api_apps_stream_count(c->stream);
	if (c->list_pages == 1 || c->list_total < 0)
		c->list_total = total;
	else if (total >= 0 && c->list_total >= 0 && total != c->list_total) {
		snprintf(msg, msglen, "total_apps changed from %lld to %lld while paging", c->list_total, total);
		return -1;
	}
	if (cursor) {
		if (c->list_cursor && strcmp(c->list_cursor, cursor) == 0) {
			snprintf(msg, msglen, "the app list repeats its cursor (page %zu)", c->list_pages + 1);
			return -1;
		}
		if (c->list_pages >= MAX_APP_PAGES) {
			snprintf(msg, msglen, "the app list has more than %d pages", MAX_APP_PAGES);
			return -1;
		}
		if (next_page(c, cursor) < 0) {
			snprintf(msg, msglen, "%s", not_queued(c));
			return -1;
		}
		return 1;
	}
	if (c->list_total >= 0 && (unsigned long long)c->list_total != (unsigned long long)c->listed) {
		snprintf(msg, msglen, "the list has %zu apps where total_apps says %lld", c->listed, c->list_total);
		return -1;
	}
	return 0;
}

static void on_apps_list(void *ud, const fa_response *r)
{
	crawl *c = ud;
	const fa_crawl_opts *o = c->o;
	char msg[FA_API_ERRLEN + 64];
	size_t j;

	if (r->error == FA_NET_ECONSUMER || (r->error == FA_NET_OK && r->status == 200 &&
					     fa_api_apps_stream_finish(c->stream, c->stream_err,
								       sizeof(c->stream_err)) < 0)) {
		/* the apps read before the list broke are still audited */
		snprintf(msg, sizeof(msg), "invalid response: %s (after %zu apps)",
			 c->list_err[0] ? c->list_err : c->stream_err,
			 c->listed + fa_api_apps_stream_count(c->stream));
		fa_load_fail(&c->inv->apps_load, r->status ? (int)r->status : 200, msg);
	} else if (response_failed(c, &c->inv->apps_load, r, "the app list")) {
		return;
	} else {
		int more = list_page_done(c, msg, sizeof(msg));

		if (more > 0)
			return;
		if (more < 0) {
			char line[FA_API_ERRLEN + 96];

			snprintf(line, sizeof(line), "incomplete list: %s", msg);
			fa_load_fail(&c->inv->apps_load, 200, line);
		} else {
			fa_load_ok(&c->inv->apps_load);
		}
	}
	/* named apps the list does not have */
	for (j = 0; o->apps && j < o->n_apps; j++) {
		if (!c->named_found[j]) {
			fa_app missing;

			fa_app_init(&missing);
			missing.name = (char *)o->apps[j];
			if (pending_push(&c->todo, &missing, false) < 0) {
				crawl_abort(c, "out of memory");
				c->oom = true;
				return;
			}
		}
	}
	c->st->apps_total = c->todo.left;
	admit(c);
}

/* Asks for the app list (cursor NULL: the first page). */
static int next_page(crawl *c, const char *cursor)
{
	const fa_crawl_opts *o = c->o;
	char *path = fa_api_path_apps_page(o->org, cursor);
	char *keep = cursor ? strdup(cursor) : NULL;
	int rc;

	if (!path || (cursor && !keep)) {
		free(path);
		free(keep);
		return -1;
	}
	free(c->list_cursor);
	c->list_cursor = keep;
	c->list_pages++;
	c->page_buf_len = c->todo.buf.len;
	c->page_left = c->todo.left;
	c->page_log = c->seen_n;
	if (c->page_named)
		memcpy(c->page_named, c->named_found, o->n_apps * sizeof(*c->named_found));
	fa_api_apps_stream_reset(c->stream);
	rc = fa_net_get_stream(o->net, FA_BASE_FLAPS, path, "org:apps", on_list_chunk, on_apps_list, c);
	free(path);
	return rc < 0 ? -1 : 0;
}

int fa_crawl_run(const fa_crawl_opts *o, fa_inventory *inv, fa_crawl_stats *stats,
		 char *err, size_t errlen)
{
	crawl c;
	size_t i;
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

	for (i = 0; i <= FA_ACCESS_COUNT; i++) {
		c.access[i].c = &c;
		c.access[i].part = (int)i - 1;
	}
	if (o->access)
		access_request(&c, -1, NULL);
	if (o->org_tokens) {
		char *body = fa_api_gql_org_tokens(o->org, NULL);

		if (!body || fa_net_graphql(o->net, body, NULL, on_org_tokens, &c) < 0)
			fa_load_fail(&inv->org_tokens_load, 0, "out of memory");
		free(body);
	}
	fa_buf_init(&c.todo.buf, 0);
	if (o->apps && !o->list_apps) {
		for (i = 0; i < o->n_apps; i++) {
			fa_app named;

			fa_app_init(&named);
			named.name = (char *)o->apps[i];
			if (pending_push(&c.todo, &named, true) < 0) {
				pending_reset(&c.todo);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		c.st->apps_total = c.todo.left;
		fa_load_ok(&inv->apps_load);
		admit(&c);
	} else {
		if (o->apps) {
			c.named_found = calloc(o->n_apps ? o->n_apps : 1, sizeof(*c.named_found));
			c.page_named = calloc(o->n_apps ? o->n_apps : 1, sizeof(*c.page_named));
		}
		if ((o->apps && (!c.named_found || !c.page_named)) ||
		    fa_api_apps_stream_new(&c.stream, on_listed_app, &c) < 0) {
			free(c.named_found);
			free(c.page_named);
			fa_api_apps_stream_free(c.stream);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (next_page(&c, NULL) < 0) {
			/* the transport stopped (--max-time, a signal) before the list was asked:
			 * a coverage error like any list that could not be read, and a report */
			if (!fa_net_stopped(o->net)) {
				free(c.named_found);
				free(c.page_named);
				fa_api_apps_stream_free(c.stream);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			fa_load_fail(&inv->apps_load, 0, not_queued(&c));
		}
	}
	fa_net_run(o->net);

	pending_reset(&c.todo);
	fa_api_apps_stream_free(c.stream);
	free(c.named_found);
	free(c.page_named);
	free(c.list_cursor);
	free(c.org_tok_cursor);
	free(c.seen);
	free(c.seen_log);
	if (stats->unauthorized) {
		snprintf(err, errlen, "%s", c.fatal);
		rc = -2;
	} else if (c.aborted || c.oom) {
		snprintf(err, errlen, "%s", c.fatal[0] ? c.fatal : "the crawl stopped");
		rc = -1;
	}
	return rc;
}
