/* net.h: the HTTP transport (client/net.c, the only file that includes curl).
 *
 * One multi handle drives every request of a run: HTTP/2 multiplexing where the server
 * offers it, at most `concurrency` requests in flight, retries with exponential backoff
 * and jitter (429, 502, 503, 504, transport errors) honouring Retry-After, a retry
 * budget, a token bucket per rate key (Fly: 1/s, burst 3 per app and action), a cap on
 * response size, TLS verification always on, no redirects. The token goes only to the
 * two configured base URLs, since requests name a base and a path; the one kind of
 * request that names a full URL (fa_net_get_url) never carries it.
 *
 * Back-pressure: Fly's limits are org-wide, so a 429 or 503 slows the whole run, not one
 * request. No new request starts before Retry-After (or the backoff delay when there is
 * none; either capped at backoff_max_ms) has passed, and the cap on requests in flight is
 * halved (at most once per round of requests, minimum 1), then grows back by one per
 * `cap` successes up to `concurrency` (AIMD). A retry after a 429 uses its own allowance
 * (max_rate_retries per request, rate_retry_budget per run), not the failure budget; so a
 * request makes at most 1 + max_retries + max_rate_retries attempts, a run at most
 * retry_budget + rate_retry_budget retries, and one pause lasts at most backoff_max_ms.
 */
#ifndef FLYAUDIT_NET_H
#define FLYAUDIT_NET_H

#include <stdbool.h>
#include <signal.h>
#include <stddef.h>

typedef struct fa_net fa_net;

typedef enum { FA_BASE_FLAPS = 0, FA_BASE_GRAPHQL = 1 } fa_base;

typedef enum {
	FA_NET_OK = 0,         /* a response arrived (any HTTP status) */
	FA_NET_ETRANSPORT = -1, /* connect/reset/DNS after all retries */
	FA_NET_ETIMEOUT = -2,
	FA_NET_ETOOBIG = -3,    /* body over max_body */
	FA_NET_ETLS = -4,       /* certificate verification or handshake */
	FA_NET_EABORTED = -5,   /* fa_net_abort() was called */
	FA_NET_ENOMEM = -6,
	FA_NET_ECONSUMER = -7,  /* a chunk callback stopped the transfer */
} fa_net_error;

typedef struct fa_net_stats {
	size_t requests;     /* attempts sent, retries included */
	size_t completed;    /* logical requests finished */
	size_t retries;
	size_t status_429;
	size_t rate_retries;  /* retries after a 429 (counted in `retries` too) */
	size_t in_flight;
	size_t in_flight_limit;     /* the adaptive cap on in flight now (<= concurrency) */
	size_t in_flight_limit_min; /* its lowest value during the run */
	size_t max_in_flight;
	size_t queued;
	long num_connects;   /* new connections curl opened */
	long http_version;   /* of the last response: 11, 20 (0 unknown) */
	long long elapsed_ms;
	size_t probes;       /* probe requests sent (fa_net_probe), counted in `requests` too */
} fa_net_stats;

typedef struct fa_response {
	fa_net_error error;
	long status;       /* HTTP status; 0 when error != OK */
	const char *body;  /* NUL-terminated, borrowed for the callback; "" when none */
	size_t len;
	const char *errmsg; /* one line when error != OK or status >= 400 with no body */
	int attempts;
	/* fa_net_get_url() only (NULL otherwise, or when absent): response headers */
	const char *www_authenticate;
	const char *location;
	const char *next_cursor; /* the `fly-next-cursor` header (Machines API paging), NULL
				  * when absent or empty */
	bool next_cursor_cut;    /* the header was too long to keep: the page cannot be followed */
} fa_response;

/* Called once per request, from inside fa_net_run(). May queue more requests. */
typedef void (*fa_net_cb)(void *ud, const fa_response *res);
/* Called about every 200 ms while running (progress display). */
typedef void (*fa_net_tick_cb)(void *ud, const fa_net_stats *st);

typedef struct fa_net_opts {
	const char *flaps_base;   /* e.g. https://api.machines.dev */
	const char *graphql_base; /* e.g. https://api.fly.io (POST to /graphql) */
	const char *auth_header;  /* full "Authorization" value; copied, cleansed on free */
	const char *ca_file;      /* extra CA bundle (PEM), or NULL */
	const char *user_agent;   /* NULL = "flyaudit/<version>" */
	int concurrency;          /* in flight; 0 = 32 */
	long connect_timeout_ms;  /* 0 = 10000 */
	long timeout_ms;          /* per attempt, from when it really starts; 0 = 30000 */
	int max_retries;          /* per request; <0 = 4 */
	int retry_budget;         /* total retries per run; <0 = 100 + requests/5 */
	int max_rate_retries;     /* per request, retries after a 429, which wait for the
				   * server's pace and do not use max_retries or retry_budget;
				   * 0 = 10, <0 = none (a 429 then counts as a failure) */
	int rate_retry_budget;    /* total such retries per run; 0 = 100 + 2 * requests */
	long backoff_base_ms;     /* 0 = 250 */
	long backoff_max_ms;      /* 0 = 8000 */
	size_t max_body;          /* 0 = 32 MiB */
	double rate_per_sec;      /* per rate key; 0 = 1.0; <0 = off */
	double rate_burst;        /* 0 = 3 */
	bool http1_only;          /* for benchmarks: no HTTP/2 */
	long long max_time_ms;    /* the whole run, from fa_net_new; 0 = no limit. When it
				   * passes, every request in flight or queued completes with
				   * FA_NET_EABORTED and "stopped: ..." and no new one starts */
	volatile sig_atomic_t *stop; /* when *stop turns non-zero (a signal handler), the same */
	int verbose;              /* log request lines (never headers) to stderr */
	fa_net_tick_cb tick;
	void *tick_ud;
} fa_net_opts;

/* NULL while the transport runs normally; once --max-time passed or *stop was set, why
 * ("the --max-time limit passed", "interrupted"): requests then fail at once. */
const char *fa_net_stopped(const fa_net *n);

/* Checks a base URL: https anywhere, http only for loopback and *.internal.
 * Returns 0, or -1 with a one-line reason in err. */
int fa_net_check_base(const char *url, char *err, size_t errlen);

/* The same check for a full URL (a query is allowed, a fragment is not). */
int fa_net_check_url(const char *url, char *err, size_t errlen);

/* Creates the transport. Returns 0 or -1 with a one-line reason in err. */
int fa_net_new(fa_net **out, const fa_net_opts *opts, char *err, size_t errlen);

/* Queues GET base+path. `rate_key` names the token bucket (NULL = none).
 * Returns 0 or -1 (OOM, or aborted). */
int fa_net_get(fa_net *n, fa_base base, const char *path, const char *rate_key,
	       fa_net_cb cb, void *ud);
/* Called with each piece of a 200 response's body as it arrives, in order, when the
 * request was queued with fa_net_get_stream(). (NULL, 0) means "start again": the
 * transfer failed after some bytes and is being retried from the beginning. Return 0 to
 * go on, or -1 to stop the transfer (it then ends with FA_NET_ECONSUMER, not retried). */
typedef int (*fa_net_chunk_cb)(void *ud, const char *data, size_t len);

/* Like fa_net_get(), but a 200 body is handed to `chunk` as it arrives instead of being
 * buffered (the final callback then gets body "" and len = bytes streamed). Bodies of
 * other statuses are buffered and capped as usual. max_body still caps the total. */
int fa_net_get_stream(fa_net *n, fa_base base, const char *path, const char *rate_key,
		      fa_net_chunk_cb chunk, fa_net_cb cb, void *ud);

/* A GET to a full URL instead of a base and a path: for Fly's registry and the blob
 * storage it redirects to. The URL must pass fa_net_check_base (https, or http on
 * loopback). The API Authorization header is NEVER sent on such a request: only
 * `headers` ("Name: value", copied, cleansed when the request is freed; a line break or
 * no colon refuses the request). Redirects are not followed: a 3xx comes back with
 * `location` set, and the caller decides. The response also carries
 * `www_authenticate`. `max_body` (0 = the transport's, never above it unless `chunk`
 * streams the body) caps this body. */
typedef struct fa_net_url_opts {
	const char *const *headers;
	size_t n_headers;
	const char *rate_key;   /* NULL = none */
	size_t max_body;
	fa_net_chunk_cb chunk;  /* as fa_net_get_stream(); NULL = buffered */
} fa_net_url_opts;

int fa_net_get_url(fa_net *n, const char *url, const fa_net_url_opts *o, fa_net_cb cb,
		   void *ud);

/* Queues POST graphql_base/graphql with a JSON body (copied). */
int fa_net_graphql(fa_net *n, const char *json_body, const char *rate_key,
		   fa_net_cb cb, void *ud);

/* Runs until no request is queued or in flight. Returns 0, or -1 if aborted. */
int fa_net_run(fa_net *n);

/* Stops the run: queued and in-flight requests complete with FA_NET_EABORTED. */
void fa_net_abort(fa_net *n);

void fa_net_get_stats(const fa_net *n, fa_net_stats *out);

/* Frees everything; the auth header is cleansed. NULL is fine. */
void fa_net_free(fa_net *n);

/* ---- probes of public hostnames (`audit --probe`) ----
 *
 * A probe is a GET of a full http:// or https:// URL on an org's own hostname, run in the
 * same multi handle as the API requests but configured apart: never an Authorization
 * header (nor any header the API requests carry), the User-Agent
 * "flyaudit/VERSION (+probe)", no redirects followed, TLS always verified, no retries, a
 * fresh connection that is closed afterwards, no TLS session reuse, at most one request in
 * flight per host and one start per host every `probe_interval_ms` (500: 2 per second),
 * the API's timeouts, and a body cap (64 KiB: the rest is dropped, `truncated` says so). */

/* The TLS version a probe's handshake is pinned to (min = max). 1.0 and 1.1 lower the
 * client's OpenSSL security level to 0 for that handshake only. */
typedef enum {
	FA_PROBE_TLS_DEFAULT = 0, /* 1.2 or later, as the API requests */
	FA_PROBE_TLS_1_0,
	FA_PROBE_TLS_1_1,
	FA_PROBE_TLS_1_2,
	FA_PROBE_TLS_1_3
} fa_probe_tls;

typedef struct fa_probe_result {
	fa_net_error error;      /* FA_NET_OK: a response arrived (any status) */
	long status;
	const char *body;        /* borrowed for the callback; "" when none */
	size_t len;
	bool truncated;          /* the body was longer than the cap */
	const char *errmsg;      /* one line when error != OK */
	const char *location;    /* Location header, or NULL */
	const char *hsts;        /* Strict-Transport-Security header, or NULL */
	long long cert_expiry;   /* the leaf certificate's notAfter (epoch s), 0 unknown */
	bool conn_refused;       /* the TCP connect was refused */
	bool cert_invalid;       /* the handshake completed, the certificate did not verify */
	bool tls_failed;         /* the handshake failed (for a pinned version: refused) */
	bool tls_unsupported;    /* this client could not offer the pinned version */
	const char *local_ip;    /* the address the connection left from, or NULL */
} fa_probe_result;

typedef void (*fa_probe_cb)(void *ud, const fa_probe_result *res);

/* Sets the probe options: `connect_to` entries in curl's --connect-to form
 * "HOST:PORT:HOST2:PORT2" (an empty HOST or PORT matches any; TLS still verifies HOST),
 * the interval between two starts on one host (0 = 500 ms) and the body cap (0 = 64 KiB).
 * Returns 0 or -1 with a one-line reason in err. */
int fa_net_probe_setup(fa_net *n, const char *const *connect_to, size_t n_connect_to,
		       long probe_interval_ms, size_t probe_max_body, char *err, size_t errlen);

/* Checks one --connect-to value. Returns 0 or -1 with a reason in err. */
int fa_net_check_connect_to(const char *spec, char *err, size_t errlen);

/* Queues a probe: GET `url` (http:// or https://, no credentials, no spaces) whose host
 * is `host` (the per-host limits are keyed on it). `certinfo` reads the served
 * certificate's expiry. Returns 0 or -1 (bad URL, OOM, aborted). */
int fa_net_probe(fa_net *n, const char *url, const char *host, fa_probe_tls tls,
		 bool certinfo, fa_probe_cb cb, void *ud);
/* POSTs `json_body` (Content-Type: application/json) to `url` and waits for the answer:
 * one request, no Authorization header, no redirects, TLS verified (plus `ca_file` when
 * set); `url` must pass fa_net_check_url (a query string is kept). For notifications,
 * never for Fly's APIs. Returns 0 on a 2xx answer, or -1 with a one-line reason (no URL in it) in err. */
int fa_net_post_json(const char *url, const char *json_body, const char *ca_file,
		     long timeout_ms, long *status, char *err, size_t errlen);

/* Parses a Retry-After value (seconds, or an HTTP date relative to `now`) into ms.
 * Returns -1 when it cannot be read. Exposed for tests. */
long fa_net_parse_retry_after(const char *value, long long now_epoch);

#endif
