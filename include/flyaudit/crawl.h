/* crawl.h: reading an org through the API, many apps at once (client/crawl.c).
 *
 * The crawl lists the org's apps (or takes the names it is given), then fetches every
 * endpoint of an app concurrently, a window of apps at a time, and hands each app to
 * `on_app` the moment its last response is decoded. An endpoint that still fails after the
 * transport's retries marks that part of that app as not loaded and the crawl goes on.
 * A 401 stops everything.
 */
#ifndef FLYAUDIT_CRAWL_H
#define FLYAUDIT_CRAWL_H

#include <stdbool.h>
#include <stddef.h>

#include "flyaudit/model.h"
#include "flyaudit/net.h"

/* Which endpoints to fetch: bits (1u << FA_EP_*). */
#define FA_CRAWL_ALL_ENDPOINTS                                                               \
	((1u << FA_EP_MACHINES) | (1u << FA_EP_VOLUMES) | (1u << FA_EP_SECRETS) |            \
	 (1u << FA_EP_IPS) | (1u << FA_EP_CERTS) | (1u << FA_EP_TOKENS))

typedef struct fa_crawl_opts {
	fa_net *net;
	const char *org;               /* slug; required */
	const char *const *apps;       /* only these apps (NULL = the whole org) */
	size_t n_apps;
	bool list_apps;                /* list the org even when `apps` is given (filter) */
	unsigned endpoints;            /* FA_CRAWL_ALL_ENDPOINTS or a subset */
	bool org_tokens;               /* also read the org's tokens into the inventory */
	bool access;                   /* also read people and access (inv->access) */
	int window;                    /* apps in progress at once; 0 = from concurrency */
	int token_batch;               /* apps per GraphQL token query; 0 = 10 */
	const unsigned char *hash_key; /* FA_API_HASH_KEY_LEN bytes */
	/* Return true to skip an app (e.g. already in a snapshot being resumed). */
	bool (*skip_app)(void *ud, const char *name);
	/* Called once per app when all of it is in; the crawl releases the app afterwards
	 * unless the callee moved its contents out (then it must fa_app_init() it). */
	void (*on_app)(void *ud, fa_app *app);
	void *ud;
} fa_crawl_opts;

typedef struct fa_crawl_stats {
	size_t apps_total;    /* apps to read (after filters and skips) */
	size_t apps_done;
	size_t apps_complete; /* every endpoint loaded */
	bool unauthorized;    /* a 401 stopped the crawl */
} fa_crawl_stats;

/* Runs the crawl. `inv` receives the org tokens and the app-list load status.
 * Returns 0 when the crawl ran (possibly partial: see each app's load[] and
 * inv->apps_load), -2 when a 401 stopped it (err says so), -1 on other fatal errors. */
int fa_crawl_run(const fa_crawl_opts *o, fa_inventory *inv, fa_crawl_stats *stats,
		 char *err, size_t errlen);

#endif
