/* probe.c: `audit --probe`: queues the probes of each app's own public hostnames on the
 * crawl's transport, gathers the answers of a host, and turns them into results through
 * the pure decisions of audit/checks/edge.c. */
#include "probe.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/edge.h"

/* Which answer of a host a request fills. */
enum { SLOT_HTTP = 0, SLOT_HTTPS, SLOT_TLS, SLOT_SENSITIVE = SLOT_TLS + FA_EDGE_N_TLS,
       SLOT_ADMIN = SLOT_SENSITIVE + FA_EDGE_N_SENSITIVE, SLOT_COUNT = SLOT_ADMIN + FA_EDGE_N_ADMIN };

typedef struct host_answer {
	fa_edge_answer a;
	char *body;
	char *location;
	char *hsts;
	char *error;
} host_answer;

typedef struct probe_host probe_host;

typedef struct probe_req {
	probe_host *h;
	int slot;
} probe_req;

struct probe_host {
	fa_probe *p;
	char *app;
	char *host;
	host_answer ans[SLOT_COUNT];
	probe_req reqs[SLOT_COUNT];
	long long cert_expiry;
	char local_ip[64];
	int pending;
	probe_host *next; /* in p->hosts, for the final sweep */
	probe_host *prev;
};

struct fa_probe {
	fa_net *net;
	char *org;
	time_t now;
	size_t max_requests;
	size_t requests;
	size_t n_hosts;
	fa_probe_deliver deliver;
	void *ud;
	probe_host *hosts; /* hosts not delivered yet */
	const fa_app *cur_app;
	int err;
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void host_free(probe_host *h)
{
	int i;

	if (!h)
		return;
	for (i = 0; i < SLOT_COUNT; i++) {
		free(h->ans[i].body);
		free(h->ans[i].location);
		free(h->ans[i].hsts);
		free(h->ans[i].error);
	}
	free(h->app);
	free(h->host);
	free(h);
}

static void unlink_host(fa_probe *p, probe_host *h)
{
	if (h->prev)
		h->prev->next = h->next;
	else
		p->hosts = h->next;
	if (h->next)
		h->next->prev = h->prev;
	h->next = h->prev = NULL;
}

/* Every answer of the host is in (or never will be): decide, deliver, free. */
static void host_done(probe_host *h)
{
	fa_probe *p = h->p;
	fa_audit_ctx ctx;
	fa_edge_obs obs;
	fa_results rs;
	char cov[600];
	const char *first = NULL;
	int i, missing = 0;

	memset(&obs, 0, sizeof(obs));
	obs.app = h->app;
	obs.host = h->host;
	obs.probe_addr = h->local_ip[0] ? h->local_ip : NULL;
	obs.http_root = h->ans[SLOT_HTTP].a;
	obs.https_root = h->ans[SLOT_HTTPS].a;
	obs.cert_expiry = h->cert_expiry;
	for (i = 0; i < FA_EDGE_N_TLS; i++)
		obs.tls[i] = h->ans[SLOT_TLS + i].a;
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++)
		obs.sensitive[i] = h->ans[SLOT_SENSITIVE + i].a;
	for (i = 0; i < FA_EDGE_N_ADMIN; i++)
		obs.admin[i] = h->ans[SLOT_ADMIN + i].a;
	for (i = 0; i < SLOT_COUNT; i++) {
		fa_edge_outcome o = h->ans[i].a.outcome;

		if (o == FA_EDGE_ERROR || o == FA_EDGE_NOT_TRIED || o == FA_EDGE_CLIENT_CANNOT) {
			if (!first)
				first = h->ans[i].a.error ? h->ans[i].a.error : "not probed";
			missing++;
		}
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.org = p->org;
	ctx.now = p->now;
	ctx.probe = true;
	fa_results_init(&rs);
	if (fa_audit_edge(&ctx, &obs, &rs) < 0)
		p->err = -1;
	if (missing)
		snprintf(cov, sizeof(cov), "probe of %s: %d of %d requests gave no answer (%.400s)",
			 h->host, missing, SLOT_COUNT, first);
	unlink_host(p, h);
	if (p->deliver)
		p->deliver(p->ud, h->app, &rs, missing ? cov : NULL);
	fa_results_release(&rs);
	host_free(h);
}

static void on_answer(void *ud, const fa_probe_result *res)
{
	probe_req *q = ud;
	probe_host *h = q->h;
	host_answer *ha = &h->ans[q->slot];

	if (res->local_ip && !h->local_ip[0])
		snprintf(h->local_ip, sizeof(h->local_ip), "%s", res->local_ip);
	if (res->error == FA_NET_OK) {
		ha->a.outcome = FA_EDGE_ANSWER;
		ha->a.status = res->status;
		ha->a.truncated = res->truncated;
		/* only the bodies a decision reads: `/` (the shell) and 200s of the paths */
		if (res->len && (q->slot == SLOT_HTTPS || (q->slot >= SLOT_SENSITIVE && res->status == 200))) {
			ha->body = malloc(res->len);
			if (ha->body) {
				memcpy(ha->body, res->body, res->len);
				ha->a.len = res->len;
			} else {
				ha->a.outcome = FA_EDGE_ERROR;
				ha->error = dup_or_null("out of memory");
			}
		} else {
			ha->a.len = res->len; /* the length alone (http://HOST/ content) */
		}
		ha->location = dup_or_null(res->location);
		ha->hsts = dup_or_null(res->hsts);
		if (q->slot == SLOT_HTTPS)
			h->cert_expiry = res->cert_expiry;
	} else {
		ha->a.outcome = res->conn_refused      ? FA_EDGE_REFUSED
				: res->cert_invalid    ? FA_EDGE_CERT_INVALID
				: res->tls_unsupported ? FA_EDGE_CLIENT_CANNOT
				: res->tls_failed      ? FA_EDGE_TLS_REFUSED
				: res->error == FA_NET_EABORTED ? FA_EDGE_NOT_TRIED
							       : FA_EDGE_ERROR;
		ha->error = dup_or_null(res->errmsg);
	}
	ha->a.body = ha->body ? ha->body : "";
	if (!ha->body)
		ha->a.len = ha->a.outcome == FA_EDGE_ANSWER && q->slot == SLOT_HTTP ? ha->a.len : 0;
	ha->a.location = ha->location;
	ha->a.hsts = ha->hsts;
	ha->a.error = ha->error;
	if (--h->pending == 0)
		host_done(h);
}

int fa_probe_new(fa_probe **out, fa_net *net, const char *org, time_t now, size_t max_requests,
		 fa_probe_deliver deliver, void *ud)
{
	fa_probe *p;

	if (!out || !net)
		return -1;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->net = net;
	p->org = dup_or_null(org ? org : "");
	if (!p->org) {
		free(p);
		return -1;
	}
	p->now = now;
	p->max_requests = max_requests ? max_requests : FA_PROBE_MAX_REQUESTS;
	p->deliver = deliver;
	p->ud = ud;
	*out = p;
	return 0;
}

static int queue_one(probe_host *h, int slot, const char *scheme, const char *path,
		     fa_probe_tls tls, bool certinfo)
{
	char url[512];

	h->reqs[slot].h = h;
	h->reqs[slot].slot = slot;
	snprintf(url, sizeof(url), "%s://%s%s", scheme, h->host, path);
	if (fa_net_probe(h->p->net, url, h->host, tls, certinfo, on_answer, &h->reqs[slot]) < 0)
		return -1;
	h->pending++;
	h->p->requests++;
	return 0;
}

static int add_host(void *ud, const char *host)
{
	fa_probe *p = ud;
	probe_host *h = calloc(1, sizeof(*h));
	int i;

	if (!h)
		return -1;
	h->p = p;
	h->app = dup_or_null(p->cur_app->name);
	h->host = dup_or_null(host);
	if (!h->app || !h->host) {
		host_free(h);
		return -1;
	}
	h->next = p->hosts;
	if (p->hosts)
		p->hosts->prev = h;
	p->hosts = h;
	p->n_hosts++;
	for (i = 0; i < SLOT_COUNT; i++)
		h->ans[i].a.body = "";
	/* over the cap: nothing is sent; every answer stays NOT_TRIED (unknown) */
	if (p->requests + SLOT_COUNT > p->max_requests) {
		host_done(h);
		return 0;
	}
	/* a request that cannot be queued (out of memory, the run stopped) stays NOT_TRIED:
	 * its part of the host's results is unknown, with a coverage line */
	h->pending = 1; /* held until every request is queued */
	queue_one(h, SLOT_HTTP, "http", "/", FA_PROBE_TLS_DEFAULT, false);
	queue_one(h, SLOT_HTTPS, "https", "/", FA_PROBE_TLS_DEFAULT, true);
	for (i = 0; i < FA_EDGE_N_TLS; i++)
		queue_one(h, SLOT_TLS + i, "https", "/", (fa_probe_tls)(FA_PROBE_TLS_1_0 + i), false);
	for (i = 0; i < FA_EDGE_N_SENSITIVE; i++)
		queue_one(h, SLOT_SENSITIVE + i, "https", fa_edge_sensitive_paths[i],
			  FA_PROBE_TLS_DEFAULT, false);
	for (i = 0; i < FA_EDGE_N_ADMIN; i++)
		queue_one(h, SLOT_ADMIN + i, "https", fa_edge_admin_paths[i], FA_PROBE_TLS_DEFAULT, false);
	if (--h->pending == 0)
		host_done(h);
	return 0;
}

int fa_probe_app(fa_probe *p, const fa_app *app)
{
	int rc;

	if (!p || !app)
		return -1;
	p->cur_app = app;
	rc = fa_edge_hosts(app, add_host, p);
	p->cur_app = NULL;
	return rc < 0 || p->err ? -1 : 0;
}

size_t fa_probe_hosts(const fa_probe *p)
{
	return p ? p->n_hosts : 0;
}

size_t fa_probe_requests(const fa_probe *p)
{
	return p ? p->requests : 0;
}

void fa_probe_free(fa_probe *p)
{
	if (!p)
		return;
	/* hosts whose answers never all came (the run stopped): what is missing is unknown */
	while (p->hosts) {
		probe_host *h = p->hosts;

		h->pending = 0;
		host_done(h);
	}
	free(p->org);
	free(p);
}
