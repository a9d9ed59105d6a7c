/* probe.h: `audit --probe`, the edge probes of an org's own public hostnames
 * (client/probe.c). Internal to client/.
 *
 * As each app of the crawl completes, fa_probe_app() queues the probes of its hostnames
 * (fa_edge_hosts: APP.fly.dev and its configured certificate hostnames, nothing else) on
 * the crawl's transport, so they run in the same event loop. When the last probe of a host
 * is in, its answers go through the pure decisions (fa_audit_edge) and the results are
 * handed to `deliver`. Per host: GET http://HOST/, GET https://HOST/ (certificate read),
 * handshakes pinned to TLS 1.0, 1.1, 1.2, 1.3, and GETs of the sensitive and admin paths:
 * FA_PROBE_PER_HOST requests, at most 2 per second and one at a time (net.c).
 */
#ifndef FLYAUDIT_CLIENT_PROBE_H
#define FLYAUDIT_CLIENT_PROBE_H

#include <stddef.h>
#include <time.h>

#include "flyaudit/audit.h"
#include "flyaudit/model.h"
#include "flyaudit/net.h"

#define FA_PROBE_PER_HOST 20
#define FA_PROBE_MAX_REQUESTS 4000 /* the default total cap: 200 hosts */

typedef struct fa_probe fa_probe;

/* Called once per probed host with its results (the callee may take them), and a
 * coverage line when some probe of the host gave no answer (else NULL). */
typedef void (*fa_probe_deliver)(void *ud, const char *app, fa_results *rs, const char *coverage);

/* Creates the prober. `org` and `now` go into the audit context (the clock of the
 * expiry check); `max_requests` caps the probes of the run (0 = FA_PROBE_MAX_REQUESTS):
 * hosts past it are not probed and get `unknown` results. Returns 0 or -1 (OOM). */
int fa_probe_new(fa_probe **out, fa_net *net, const char *org, time_t now, size_t max_requests,
		 fa_probe_deliver deliver, void *ud);

/* Queues the probes of one app's hostnames (nothing when it serves no public HTTP).
 * The app may be released afterwards. A probe that cannot be queued (out of memory, the
 * transport aborted) leaves its part of the host's results unknown. Returns 0, or -1 when
 * a host could not even be recorded (out of memory). */
int fa_probe_app(fa_probe *p, const fa_app *app);

/* Hosts probed and probe requests queued so far. */
size_t fa_probe_hosts(const fa_probe *p);
size_t fa_probe_requests(const fa_probe *p);

/* Frees the prober; hosts still waiting are delivered first as unknown. NULL is fine. */
void fa_probe_free(fa_probe *p);

#endif
