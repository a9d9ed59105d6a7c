/* net.c: the HTTP transport, one libcurl multi handle driving every request of a run,
 * with a bounded number in flight, retries with backoff, token buckets and a body cap. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "flyaudit/scrub.h"
#include "flyaudit/net.h"
#include "flyaudit/buf.h"

#include <curl/curl.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#ifndef FLYAUDIT_VERSION
#define FLYAUDIT_VERSION "0.1"
#endif

#define NET_SYSTEM_CAPATH "/etc/ssl/certs"
#define NET_TICK_MS 200
#define NET_RA_MAX_MS (24L * 3600L * 1000L) /* Retry-After is clamped to one day */
#define NET_BUCKET_SLOTS 1024
#define NET_ERRMSG 256
#define NET_RA_LEN 64
#define NET_CURSOR_LEN 1024 /* longest fly-next-cursor header value kept */

/* how a request's body is taken, decided at its first byte of each attempt */
enum { BODY_UNKNOWN = 0, BODY_BUFFER, BODY_STREAM };

/* A token bucket, named by the 64-bit hash of its rate key (two keys sharing a hash would
 * only share a limit: harmless). Buckets live in one pool array, not one allocation each:
 * tens of thousands of short-lived buckets would otherwise scatter small blocks over the
 * heap and keep it from shrinking. */
typedef struct net_bucket {
	uint32_t next; /* pool index + 1 of the next in the slot or the free list; 0 = none */
	uint64_t hash;
	double tokens;
	long long last_ms;
} net_bucket;

struct net_probe; /* what a probe request adds (fa_net_probe): see "probes" below */

typedef struct net_req {
	struct net_req *prev, *next; /* in n->waiting or n->active */
	struct net_probe *pr; /* NULL for API requests */
	fa_net *net;
	fa_base base;
	char *url;
	char *path;      /* for the verbose log: the part after the base */
	char *post;      /* JSON body for POST, or NULL for GET */
	char *rate_key;  /* NULL = no bucket */
	struct curl_slist *hdrs; /* fa_net_get_url(): its own headers, never the API token */
	bool is_url;     /* fa_net_get_url(): a full URL, not a base */
	bool url_tls;
	size_t max_body;
	char *www_auth;  /* response headers the caller may need (last response only) */
	char *location;
	fa_net_cb cb;
	fa_net_chunk_cb chunk; /* fa_net_get_stream(): 200 bodies go here */
	void *ud;
	int attempts;
	int rate_retries;    /* retries after a 429, outside max_retries */
	unsigned long long seq; /* start order of the current attempt */
	int body_mode;       /* BODY_*, per attempt */
	bool got_bytes;      /* this attempt wrote something */
	bool consumer_stop;  /* the chunk callback returned -1 */
	size_t streamed;     /* bytes handed to chunk in this attempt */
	size_t held;         /* body bytes counted in net->held */
	bool too_big_all;    /* too_big because of the cap on all bodies together */
	long long ready_ms;  /* earliest start (backoff) */
	long long start_ms;  /* when the current attempt started */
	CURL *easy;          /* while in flight */
	fa_buf body;
	bool too_big;
	bool oom;
	char retry_after[NET_RA_LEN];
	char next_cursor[NET_CURSOR_LEN];
	bool next_cursor_cut;
	char errbuf[CURL_ERROR_SIZE];
	char errmsg[NET_ERRMSG];
} net_req;

/* A probed host: at most one probe in flight, one start per probe_interval_ms. */
typedef struct probe_host {
	char *host;
	long long next_ms;
	bool busy;
} probe_host;

typedef struct net_list {
	net_req *head, *tail;
	size_t len;
} net_list;

struct fa_net {
	CURLM *multi;
	CURLSH *share;
	char *bases[2];
	bool base_tls[2];        /* the base is https */
	char *auth;              /* "Authorization: ..." or NULL; cleansed on free */
	char *user_agent;
	char *ca_file;
	bool capath_ok;
	struct curl_slist *hdr_get;
	struct curl_slist *hdr_post;
	int concurrency;
	long connect_timeout_ms;
	long timeout_ms;
	int max_retries;
	int retry_budget;        /* <0: 100 + submitted/5 */
	int max_rate_retries;    /* per request, after a 429 */
	int rate_retry_budget;   /* 0: 100 + 2 * submitted */
	long backoff_base_ms;
	long backoff_max_ms;
	size_t max_body;
	double rate;             /* <=0: off */
	double burst;
	bool http1_only;
	int verbose;
	fa_net_tick_cb tick;
	void *tick_ud;

	net_list waiting;        /* queued, waiting for a slot, a backoff or a token */
	net_list active;         /* in flight */
	CURL **idle;             /* easy handles ready for reuse */
	int n_idle;
	uint32_t buckets[NET_BUCKET_SLOTS]; /* pool index + 1 of each slot's first bucket */
	net_bucket *pool;
	uint32_t pool_len, pool_cap;
	uint32_t pool_free;      /* pool index + 1 of the first free bucket */
	size_t n_buckets;
	size_t bucket_sweep_at; /* sweep full buckets when n_buckets reaches this */

	bool aborted;
	size_t held;             /* body bytes held by all requests together */
	size_t max_held;         /* their cap (a gzip bomb on every endpoint stays bounded) */
	long long deadline_ms;   /* 0 = none */
	volatile sig_atomic_t *stop;
	const char *stopped;     /* why the run was stopped, or NULL */
	bool running;
	size_t submitted;
	int retries_used;
	int rate_retries_used;
	/* back-pressure (AIMD on the number in flight, and a run-wide pause) */
	int limit;               /* allowed in flight now, 1..concurrency */
	int limit_min;
	int grow_count;          /* successes since the limit last changed */
	unsigned long long seq;  /* attempts started */
	unsigned long long cut_seq; /* attempts started before the last cut */
	long long not_before_ms; /* no new attempt starts before this */
	uint64_t rng;
	long long t0_ms;
	long long last_tick_ms;
	fa_net_stats st;
	/* probes (fa_net_probe): their own options, and per-host gates */
	struct curl_slist *connect_to;
	long probe_interval_ms;
	size_t probe_max_body;
	probe_host *phosts;
	size_t n_phosts, cap_phosts;
};

static void probe_free(struct net_probe *pr);
static CURL *probe_easy_new(fa_net *n, net_req *r);
static long long probe_gate_wait(fa_net *n, net_req *r, long long now);
static void probe_gate_take(fa_net *n, net_req *r, long long now);
static size_t probe_write(net_req *r, const char *data, size_t len);
static void probe_header(net_req *r, const char *data, size_t len);
static void probe_finish(fa_net *n, net_req *r, CURLcode c, long long now);
static void probe_complete(fa_net *n, net_req *r, fa_net_error error, long status);

/* ---- small helpers ---- */

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static uint64_t rng_next(fa_net *n)
{
	/* xorshift64: jitter only, not security-relevant */
	uint64_t x = n->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	n->rng = x;
	return x;
}

static void list_push(net_list *l, net_req *r)
{
	r->next = NULL;
	r->prev = l->tail;
	if (l->tail)
		l->tail->next = r;
	else
		l->head = r;
	l->tail = r;
	l->len++;
}

static void list_remove(net_list *l, net_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		l->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		l->tail = r->prev;
	r->prev = r->next = NULL;
	l->len--;
}

static void cleanse_slist(struct curl_slist *l);

static void req_free(net_req *r)
{
	if (!r)
		return;
	free(r->url);
	free(r->path);
	free(r->post);
	free(r->rate_key);
	cleanse_slist(r->hdrs);
	curl_slist_free_all(r->hdrs);
	free(r->www_auth);
	free(r->location);
	if (r->net)
		r->net->held -= r->held;
	r->held = 0;
	fa_buf_release(&r->body);
	probe_free(r->pr);
	free(r);
}

static void format_size(char *out, size_t outlen, size_t bytes)
{
	const size_t mib = (size_t)1024 * 1024;
	if (bytes >= mib && bytes % mib == 0)
		snprintf(out, outlen, "%zu MiB", bytes / mib);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(out, outlen, "%zu KiB", bytes / 1024);
	else
		snprintf(out, outlen, "%zu bytes", bytes);
}

static void format_duration(char *out, size_t outlen, long ms)
{
	if (ms % 1000 == 0)
		snprintf(out, outlen, "%ld s", ms / 1000);
	else
		snprintf(out, outlen, "%ld ms", ms);
}

/* ---- Retry-After ---- */

static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01 of a proleptic Gregorian date */
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int read_digits(const char **pp, int count, int *out)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)(*pp)[i]))
			return -1;
		v = v * 10 + ((*pp)[i] - '0');
	}
	*pp += count;
	*out = v;
	return 0;
}

/* IMF-fixdate, the form RFC 9110 senders must use: "Sun, 06 Nov 1994 08:49:37 GMT". */
static int parse_imf_fixdate(const char *s, long long *epoch)
{
	static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int day = 0, year = 0, hh = 0, mm = 0, ss = 0, mon = -1;
	bool dayok = false;

	for (int i = 0; i < 7; i++)
		if (strncmp(s, days[i], 3) == 0)
			dayok = true;
	if (!dayok || strncmp(s + 3, ", ", 2) != 0)
		return -1;
	s += 5;
	if (read_digits(&s, 2, &day) < 0 || *s++ != ' ')
		return -1;
	for (int i = 0; i < 12; i++)
		if (strncmp(s, months[i], 3) == 0)
			mon = i;
	if (mon < 0 || s[3] != ' ')
		return -1;
	s += 4;
	if (read_digits(&s, 4, &year) < 0 || *s++ != ' ' ||
	    read_digits(&s, 2, &hh) < 0 || *s++ != ':' ||
	    read_digits(&s, 2, &mm) < 0 || *s++ != ':' ||
	    read_digits(&s, 2, &ss) < 0 || strcmp(s, " GMT") != 0)
		return -1;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	*epoch = days_from_civil(year, (unsigned)mon + 1, (unsigned)day) * 86400LL +
		 hh * 3600LL + mm * 60LL + ss;
	return 0;
}

long fa_net_parse_retry_after(const char *value, long long now_epoch)
{
	char tmp[NET_RA_LEN];
	size_t len;
	long long when = 0;

	if (!value)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' ||
			   value[len - 1] == '\r' || value[len - 1] == '\n'))
		len--;
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, value, len);
	tmp[len] = '\0';

	if (isdigit((unsigned char)tmp[0])) {
		/* delay-seconds: 1*DIGIT; a huge value is clamped, not refused */
		long long secs = 0;
		for (size_t i = 0; i < len; i++) {
			if (!isdigit((unsigned char)tmp[i]))
				return -1;
			if (secs <= NET_RA_MAX_MS / 1000)
				secs = secs * 10 + (tmp[i] - '0');
		}
		if (secs > NET_RA_MAX_MS / 1000)
			return NET_RA_MAX_MS;
		return (long)(secs * 1000);
	}
	if (parse_imf_fixdate(tmp, &when) < 0) {
		/* the obsolete RFC 850 and asctime forms, which recipients must accept */
		time_t t = curl_getdate(tmp, NULL);
		if (t <= 0)
			return -1;
		when = (long long)t;
	}
	if (when <= now_epoch)
		return 0;
	if (when - now_epoch > NET_RA_MAX_MS / 1000)
		return NET_RA_MAX_MS;
	return (long)((when - now_epoch) * 1000);
}

/* ---- base URL check ---- */

static bool host_is_loopback_v4(const char *h, size_t len)
{
	/* dotted quad 127.a.b.c, each part 0..255 */
	int parts = 0;
	size_t i = 0;
	if (len < 4 || memcmp(h, "127.", 4) != 0)
		return false;
	while (i < len) {
		long v = 0;
		size_t start = i;
		while (i < len && isdigit((unsigned char)h[i]) && i - start < 4)
			v = v * 10 + (h[i++] - '0');
		if (i == start || i - start > 3 || v > 255)
			return false;
		parts++;
		if (i < len) {
			if (h[i] != '.')
				return false;
			i++;
			if (i == len)
				return false;
		}
	}
	return parts == 4;
}

static bool host_ends_with(const char *h, size_t len, const char *suffix)
{
	size_t sl = strlen(suffix);
	if (len <= sl)
		return false;
	for (size_t i = 0; i < sl; i++)
		if (tolower((unsigned char)h[len - sl + i]) != suffix[i])
			return false;
	return true;
}

int fa_net_check_base(const char *url, char *err, size_t errlen)
{
	const char *p, *host, *end;
	size_t hlen;
	bool https;

	if (!url || !*url) {
		set_err(err, errlen, "empty base URL");
		return -1;
	}
	for (p = url; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' ||
		    *p == '#' || *p == '\\') {
			set_err(err, errlen, "base URL contains a space, control character, query or fragment");
			return -1;
		}
	}
	if (strncasecmp(url, "https://", 8) == 0) {
		https = true;
		host = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		https = false;
		host = url + 7;
	} else {
		set_err(err, errlen, "base URL must start with https:// (or http:// for loopback)");
		return -1;
	}
	end = host + strcspn(host, "/");
	for (p = host; p < end; p++) {
		if (*p == '@') {
			set_err(err, errlen, "base URL must not carry credentials");
			return -1;
		}
	}
	/* split host and port */
	if (*host == '[') {
		const char *rb = memchr(host, ']', (size_t)(end - host));
		if (!rb || rb == host + 1) {
			set_err(err, errlen, "base URL has a malformed IPv6 host");
			return -1;
		}
		hlen = (size_t)(rb + 1 - host);
		p = rb + 1;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));
		p = colon ? colon : end;
		hlen = (size_t)(p - host);
	}
	if (hlen == 0) {
		set_err(err, errlen, "base URL has no host");
		return -1;
	}
	if (p < end) {
		const char *q = p + 1;
		if (*p != ':' || q == end) {
			set_err(err, errlen, "base URL has a malformed port");
			return -1;
		}
		for (; q < end; q++) {
			if (!isdigit((unsigned char)*q) || q - p > 5) {
				set_err(err, errlen, "base URL has a malformed port");
				return -1;
			}
		}
	}
	for (size_t i = 0; i < hlen && *host != '['; i++) {
		unsigned char c = (unsigned char)host[i];
		if (!isalnum(c) && c != '-' && c != '.' && c != '_') {
			set_err(err, errlen, "base URL has an invalid host name");
			return -1;
		}
	}
	if (https)
		return 0;
	if ((hlen == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (hlen == 5 && memcmp(host, "[::1]", 5) == 0) ||
	    host_is_loopback_v4(host, hlen) || host_ends_with(host, hlen, ".internal"))
		return 0;
	set_err(err, errlen, "plain http is only allowed for loopback and *.internal hosts; use https");
	return -1;
}

/* ---- creation and teardown ---- */

static bool curl_ready;

static int global_init(char *err, size_t errlen)
{
	/* libcurl's global state is set up once, here, on the first fa_net_new(), and torn
	 * down at exit; the program is single-threaded when it creates its transport. */
	if (curl_ready)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		set_err(err, errlen, "cannot initialise libcurl");
		return -1;
	}
	atexit(curl_global_cleanup);
	curl_ready = true;
	return 0;
}

static char *copy_base(const char *url)
{
	size_t len = strlen(url);
	char *p;
	while (len > 0 && url[len - 1] == '/')
		len--;
	p = malloc(len + 1);
	if (p) {
		memcpy(p, url, len);
		p[len] = '\0';
	}
	return p;
}

static void cleanse_slist(struct curl_slist *l)
{
	for (; l; l = l->next)
		if (l->data)
			fa_memzero(l->data, strlen(l->data));
}

static int build_headers(fa_net *n, const char *auth_value)
{
	struct curl_slist *tmp = NULL;

	if (auth_value) {
		/* one allocation of the exact size: no realloc leaves a stray copy behind */
		static const char name[] = "Authorization: ";
		size_t nl = sizeof(name) - 1, vl = strlen(auth_value);
		if (strpbrk(auth_value, "\r\n"))
			return -2;
		n->auth = malloc(nl + vl + 1);
		if (!n->auth)
			return -1;
		memcpy(n->auth, name, nl);
		memcpy(n->auth + nl, auth_value, vl + 1);
	}
	for (int post = 0; post < 2; post++) {
		struct curl_slist **l = post ? &n->hdr_post : &n->hdr_get;
		if (n->auth) {
			if (!(tmp = curl_slist_append(*l, n->auth)))
				return -1;
			*l = tmp;
		}
		if (!(tmp = curl_slist_append(*l, "Accept: application/json")))
			return -1;
		*l = tmp;
		if (post) {
			if (!(tmp = curl_slist_append(*l, "Content-Type: application/json")))
				return -1;
			*l = tmp;
			if (!(tmp = curl_slist_append(*l, "Expect:")))
				return -1;
			*l = tmp;
		}
	}
	return 0;
}

int fa_net_new(fa_net **out, const fa_net_opts *opts, char *err, size_t errlen)
{
	fa_net *n = NULL;
	char why[200];
	int rc;

	if (!out || !opts) {
		set_err(err, errlen, "no options");
		return -1;
	}
	*out = NULL;
	if (!opts->flaps_base || !opts->graphql_base) {
		set_err(err, errlen, "both base URLs are required");
		return -1;
	}
	if (fa_net_check_base(opts->flaps_base, why, sizeof(why)) < 0 ||
	    fa_net_check_base(opts->graphql_base, why, sizeof(why)) < 0) {
		set_err(err, errlen, why);
		return -1;
	}
	if (global_init(err, errlen) < 0)
		return -1;
	n = calloc(1, sizeof(*n));
	if (!n)
		goto oom;
	n->concurrency = opts->concurrency > 0 ? opts->concurrency : 32;
	n->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
	n->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
	n->max_retries = opts->max_retries >= 0 ? opts->max_retries : 4;
	n->retry_budget = opts->retry_budget;
	n->max_rate_retries = opts->max_rate_retries > 0 ? opts->max_rate_retries
				: opts->max_rate_retries < 0 ? 0 : 10;
	n->rate_retry_budget = opts->rate_retry_budget;
	n->backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 250;
	n->backoff_max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 8000;
	n->max_body = opts->max_body > 0 ? opts->max_body : (size_t)32 * 1024 * 1024;
	n->deadline_ms = opts->max_time_ms > 0 ? now_ms() + opts->max_time_ms : 0;
	/* decompressed bytes held in memory by every response in flight, together */
	n->max_held = (size_t)64 * 1024 * 1024;
	if (n->max_held < n->max_body)
		n->max_held = n->max_body;
	n->stop = opts->stop;
	n->rate = opts->rate_per_sec == 0 ? 1.0 : opts->rate_per_sec;
	n->burst = opts->rate_burst > 0 ? opts->rate_burst : 3.0;
	if (n->burst < 1.0)
		n->burst = 1.0;
	n->limit = n->limit_min = n->concurrency;
	n->http1_only = opts->http1_only;
	n->verbose = opts->verbose;
	n->tick = opts->tick;
	n->tick_ud = opts->tick_ud;
	n->rng = (uint64_t)now_ms() * 0x9E3779B97F4A7C15ULL ^ (uint64_t)time(NULL);
	if (n->rng == 0)
		n->rng = 0x2545F4914F6CDD1DULL;

	n->bases[FA_BASE_FLAPS] = copy_base(opts->flaps_base);
	n->bases[FA_BASE_GRAPHQL] = copy_base(opts->graphql_base);
	if (!n->bases[0] || !n->bases[1])
		goto oom;
	n->base_tls[0] = strncasecmp(n->bases[0], "https:", 6) == 0;
	n->base_tls[1] = strncasecmp(n->bases[1], "https:", 6) == 0;
	if (opts->user_agent)
		n->user_agent = dup_str(opts->user_agent);
	else
		n->user_agent = dup_str("flyaudit/" FLYAUDIT_VERSION);
	if (!n->user_agent)
		goto oom;
	if (opts->ca_file) {
		struct stat sb;
		if (stat(opts->ca_file, &sb) < 0) {
			snprintf(why, sizeof(why), "cannot read CA file '%s': %s", opts->ca_file,
				 strerror(errno));
			set_err(err, errlen, why);
			fa_net_free(n);
			return -1;
		}
		if (!(n->ca_file = dup_str(opts->ca_file)))
			goto oom;
		n->capath_ok = stat(NET_SYSTEM_CAPATH, &sb) == 0 && S_ISDIR(sb.st_mode);
	}
	rc = build_headers(n, opts->auth_header);
	if (rc == -2) {
		set_err(err, errlen, "the Authorization value contains a line break");
		fa_net_free(n);
		return -1;
	}
	if (rc < 0)
		goto oom;
	n->idle = calloc((size_t)n->concurrency, sizeof(*n->idle));
	if (!n->idle)
		goto oom;

	n->share = curl_share_init();
	n->multi = curl_multi_init();
	if (!n->share || !n->multi)
		goto oom;
	curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(n->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_multi_setopt(n->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	/* one connection per slot, so an HTTP/1.1 server still sees the full concurrency */
	curl_multi_setopt(n->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n->concurrency);
	curl_multi_setopt(n->multi, CURLMOPT_MAXCONNECTS, (long)n->concurrency);
	curl_multi_setopt(n->multi, CURLMOPT_MAX_CONCURRENT_STREAMS,
			  (long)(n->concurrency > 100 ? n->concurrency : 100));
	*out = n;
	return 0;
oom:
	fa_net_free(n);
	set_err(err, errlen, "out of memory");
	return -1;
}

void fa_net_free(fa_net *n)
{
	net_req *r, *next;

	if (!n)
		return;
	for (r = n->active.head; r; r = next) {
		next = r->next;
		if (r->easy) {
			curl_multi_remove_handle(n->multi, r->easy);
			curl_easy_cleanup(r->easy);
		}
		req_free(r);
	}
	for (r = n->waiting.head; r; r = next) {
		next = r->next;
		req_free(r);
	}
	for (int i = 0; i < n->n_idle; i++)
		curl_easy_cleanup(n->idle[i]);
	free(n->idle);
	if (n->multi)
		curl_multi_cleanup(n->multi);
	if (n->share)
		curl_share_cleanup(n->share);
	free(n->pool);
	cleanse_slist(n->hdr_get);
	cleanse_slist(n->hdr_post);
	curl_slist_free_all(n->hdr_get);
	curl_slist_free_all(n->hdr_post);
	if (n->auth) {
		fa_memzero(n->auth, strlen(n->auth));
		free(n->auth);
	}
	curl_slist_free_all(n->connect_to);
	for (size_t i = 0; i < n->n_phosts; i++)
		free(n->phosts[i].host);
	free(n->phosts);
	free(n->bases[0]);
	free(n->bases[1]);
	free(n->user_agent);
	free(n->ca_file);
	free(n);
}

/* ---- queueing ---- */

static int enqueue(fa_net *n, fa_base base, const char *path, const char *post,
		   const char *rate_key, fa_net_chunk_cb chunk, fa_net_cb cb, void *ud)
{
	net_req *r = NULL;
	size_t blen, plen;

	if (!n || n->aborted || n->stopped || !path || path[0] != '/' ||
	    (base != FA_BASE_FLAPS && base != FA_BASE_GRAPHQL))
		return -1;
	for (const char *p = path; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f || *p == '#' || *p == '\\')
			return -1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->net = n;
	r->base = base;
	r->cb = cb;
	r->chunk = chunk;
	r->ud = ud;
	r->max_body = n->max_body;
	fa_buf_init(&r->body, n->max_body);
	blen = strlen(n->bases[base]);
	plen = strlen(path);
	r->url = malloc(blen + plen + 1);
	r->path = dup_str(path);
	if (!r->url || !r->path)
		goto fail;
	memcpy(r->url, n->bases[base], blen);
	memcpy(r->url + blen, path, plen + 1);
	if (post && !(r->post = dup_str(post)))
		goto fail;
	if (rate_key && !(r->rate_key = dup_str(rate_key)))
		goto fail;
	list_push(&n->waiting, r);
	n->submitted++;
	return 0;
fail:
	req_free(r);
	return -1;
}

int fa_net_get(fa_net *n, fa_base base, const char *path, const char *rate_key,
	       fa_net_cb cb, void *ud)
{
	return enqueue(n, base, path, NULL, rate_key, NULL, cb, ud);
}

int fa_net_get_stream(fa_net *n, fa_base base, const char *path, const char *rate_key,
		      fa_net_chunk_cb chunk, fa_net_cb cb, void *ud)
{
	if (!chunk)
		return -1;
	return enqueue(n, base, path, NULL, rate_key, chunk, cb, ud);
}

static bool url_chars_ok(const char *p)
{
	for (; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f || *p == '\\')
			return false;
	return true;
}

int fa_net_check_url(const char *url, char *err, size_t errlen)
{
	const char *q = url ? strchr(url, '?') : NULL;
	char *base;
	int rc;

	if (!url || !url_chars_ok(url) || strchr(url, '#')) {
		set_err(err, errlen, "URL contains a space, control character or fragment");
		return -1;
	}
	if (!q)
		return fa_net_check_base(url, err, errlen);
	if (!(base = strndup(url, (size_t)(q - url)))) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	rc = fa_net_check_base(base, err, errlen);
	free(base);
	return rc;
}

int fa_net_get_url(fa_net *n, const char *url, const fa_net_url_opts *o, fa_net_cb cb, void *ud)
{
	net_req *r = NULL;
	char why[200];
	size_t i;
	const char *q;

	if (!n || n->aborted || fa_net_check_url(url, why, sizeof(why)) < 0)
		return -1;
	if (o && o->chunk == NULL && o->max_body > n->max_body)
		return -1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->net = n;
	r->is_url = true;
	r->url_tls = strncasecmp(url, "https:", 6) == 0;
	r->cb = cb;
	r->ud = ud;
	r->chunk = o ? o->chunk : NULL;
	r->max_body = (o && o->max_body) ? o->max_body : n->max_body;
	fa_buf_init(&r->body, r->max_body);
	r->url = dup_str(url);
	/* the log shows the URL without its query (signed blob URLs carry signatures) */
	q = strchr(url, '?');
	r->path = q ? strndup(url, (size_t)(q - url)) : dup_str(url);
	if (!r->url || !r->path)
		goto fail;
	for (i = 0; o && i < o->n_headers; i++) {
		struct curl_slist *tmp;

		if (!o->headers[i] || strpbrk(o->headers[i], "\r\n") || !strchr(o->headers[i], ':'))
			goto fail;
		if (!(tmp = curl_slist_append(r->hdrs, o->headers[i])))
			goto fail;
		r->hdrs = tmp;
	}
	if (o && o->rate_key && !(r->rate_key = dup_str(o->rate_key)))
		goto fail;
	list_push(&n->waiting, r);
	n->submitted++;
	return 0;
fail:
	req_free(r);
	return -1;
}

int fa_net_graphql(fa_net *n, const char *json_body, const char *rate_key,
		   fa_net_cb cb, void *ud)
{
	if (!json_body)
		return -1;
	return enqueue(n, FA_BASE_GRAPHQL, "/graphql", json_body, rate_key, NULL, cb, ud);
}

/* ---- token buckets ---- */

/* A bucket that has refilled to its burst is the same as no bucket at all: drop those, so
 * an org of 10,000 apps (six keys each) keeps only the buckets of the apps in flight. */
static void bucket_sweep(fa_net *n, long long now)
{
	size_t i;

	for (i = 0; i < NET_BUCKET_SLOTS; i++) {
		uint32_t *link = &n->buckets[i];

		while (*link) {
			uint32_t idx = *link - 1;
			net_bucket *b = &n->pool[idx];
			double tokens = b->tokens + (double)(now - b->last_ms) * n->rate / 1000.0;

			if (now >= b->last_ms && tokens >= n->burst) {
				*link = b->next;
				b->next = n->pool_free;
				n->pool_free = idx + 1;
				n->n_buckets--;
			} else {
				link = &b->next;
			}
		}
	}
	n->bucket_sweep_at = n->n_buckets * 2 > 1024 ? n->n_buckets * 2 : 1024;
}

static net_bucket *bucket_get(fa_net *n, const char *key, long long now)
{
	uint64_t hash = 14695981039346656037ull;
	uint32_t slot, idx;
	net_bucket *b;

	for (const char *p = key; *p; p++)
		hash = (hash ^ (unsigned char)*p) * 1099511628211ull;
	slot = (uint32_t)(hash % NET_BUCKET_SLOTS);
	for (idx = n->buckets[slot]; idx; idx = n->pool[idx - 1].next)
		if (n->pool[idx - 1].hash == hash)
			return &n->pool[idx - 1];
	if (n->n_buckets >= 1024 && n->n_buckets >= n->bucket_sweep_at)
		bucket_sweep(n, now);
	if (n->pool_free) {
		idx = n->pool_free - 1;
		n->pool_free = n->pool[idx].next;
	} else {
		if (n->pool_len == n->pool_cap) {
			uint32_t ncap = n->pool_cap ? n->pool_cap * 2 : 256;
			net_bucket *np;

			if (ncap > UINT32_MAX / 2)
				return NULL;
			np = realloc(n->pool, (size_t)ncap * sizeof(*np));
			if (!np)
				return NULL;
			n->pool = np;
			n->pool_cap = ncap;
		}
		idx = n->pool_len++;
	}
	b = &n->pool[idx];
	b->hash = hash;
	b->tokens = n->burst;
	b->last_ms = now;
	b->next = n->buckets[slot];
	n->buckets[slot] = idx + 1;
	n->n_buckets++;
	return b;
}

/* Takes a token for key. Returns 0 when taken, else the ms to wait (>0). */
static long long bucket_take(fa_net *n, const char *key, long long now)
{
	net_bucket *b;

	if (!key || n->rate <= 0)
		return 0;
	b = bucket_get(n, key, now);
	if (!b)
		return 0; /* OOM on bookkeeping: do not stall the run */
	if (now > b->last_ms) {
		b->tokens += (double)(now - b->last_ms) * n->rate / 1000.0;
		if (b->tokens > n->burst)
			b->tokens = n->burst;
		b->last_ms = now;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return 0;
	}
	long long wait = (long long)((1.0 - b->tokens) * 1000.0 / n->rate) + 1;
	return wait > 0 ? wait : 1;
}

/* ---- transfers ---- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	net_req *r = userp;
	size_t len = size * nmemb;

	if (r->pr)
		return probe_write(r, data, len);
	if (!r->got_bytes) {
		curl_off_t cl = -1;
		r->got_bytes = true;
		if (curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
		    cl > 0 && (uint64_t)cl > (uint64_t)r->max_body) {
			r->too_big = true;
			return 0;
		}
	}
	if (len == 0)
		return 0;
	if (r->body_mode == BODY_UNKNOWN) {
		/* the headers are in: only a 200 body is streamed */
		long status = 0;
		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
		r->body_mode = (r->chunk && status == 200) ? BODY_STREAM : BODY_BUFFER;
	}
	if (r->body_mode == BODY_STREAM) {
		if (r->streamed + len > r->max_body) {
			r->too_big = true;
			return 0;
		}
		if (r->chunk(r->ud, data, len) < 0) {
			r->consumer_stop = true;
			return 0;
		}
		r->streamed += len;
		return len;
	}
	if (r->body.len + len > r->max_body) {
		r->too_big = true;
		return 0;
	}
	if (r->net->held + len > r->net->max_held) {
		r->too_big = true;
		r->too_big_all = true;
		return 0;
	}
	if (fa_buf_add(&r->body, data, len) < 0) {
		r->oom = true;
		return 0;
	}
	r->held += len;
	r->net->held += len;
	return len;
}

/* A header's value without the spaces around it, capped at 8 KiB; NULL when empty or OOM
 * (a missing header then, which the caller treats as such). */
static char *header_value(const char *v, size_t len)
{
	while (len && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	if (!len || len > 8192)
		return NULL;
	return strndup(v, len);
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	net_req *r = userp;
	size_t len = size * nmemb;
	static const char name[] = "retry-after:";
	const size_t nl = sizeof(name) - 1;

	static const char cname[] = "fly-next-cursor:";
	const size_t cl = sizeof(cname) - 1;

	if (r->pr)
		probe_header(r, data, len);
	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		r->retry_after[0] = '\0'; /* a new response (after a 1xx) */
		free(r->www_auth);
		free(r->location);
		r->www_auth = r->location = NULL;
		r->next_cursor[0] = '\0';
		r->next_cursor_cut = false;
	} else if (r->is_url && len > 17 && strncasecmp(data, "www-authenticate:", 17) == 0) {
		free(r->www_auth);
		r->www_auth = header_value(data + 17, len - 17);
	} else if (r->is_url && len > 9 && strncasecmp(data, "location:", 9) == 0) {
		free(r->location);
		r->location = header_value(data + 9, len - 9);
	} else if (len > cl && strncasecmp(data, cname, cl) == 0) {
		/* Machines API paging (opt-in): the next page's cursor, trimmed */
		const char *v = data + cl, *end = data + len;

		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' ||
				   end[-1] == '\t'))
			end--;
		if ((size_t)(end - v) >= sizeof(r->next_cursor)) {
			r->next_cursor_cut = true;
			r->next_cursor[0] = '\0';
		} else {
			memcpy(r->next_cursor, v, (size_t)(end - v));
			r->next_cursor[end - v] = '\0';
		}
	} else if (len > nl && strncasecmp(data, name, nl) == 0) {
		size_t vl = len - nl;
		if (vl >= sizeof(r->retry_after))
			vl = sizeof(r->retry_after) - 1;
		memcpy(r->retry_after, data + nl, vl);
		r->retry_after[vl] = '\0';
	}
	return len;
}

static CURL *easy_new(fa_net *n)
{
	CURL *e = curl_easy_init();
	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SHARE, n->share);
	/* identical TLS options on every transfer, so connections and sessions are reused */
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (n->ca_file) {
		/* CAINFO alone would replace the system bundle: keep it through CAPATH */
		curl_easy_setopt(e, CURLOPT_CAINFO, n->ca_file);
		if (n->capath_ok)
			curl_easy_setopt(e, CURLOPT_CAPATH, NET_SYSTEM_CAPATH);
	}
	if (n->http1_only) {
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, n->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, n->user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	return e;
}

static void easy_release(fa_net *n, CURL *e)
{
	/* nothing may point into a request record that is about to be freed */
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
	if (n->n_idle < n->concurrency)
		n->idle[n->n_idle++] = e;
	else
		curl_easy_cleanup(e);
}

/* Starts one attempt. Returns 0, or -1 (OOM: the request stays waiting). */
static int start_attempt(fa_net *n, net_req *r, long long now)
{
	CURL *e = r->pr ? probe_easy_new(n, r) : n->n_idle > 0 ? n->idle[--n->n_idle] : easy_new(n);
	if (!e)
		return -1;
	r->easy = e;
	r->too_big = false;
	r->oom = false;
	r->consumer_stop = false;
	r->got_bytes = false;
	r->body_mode = BODY_UNKNOWN;
	r->streamed = 0;
	r->retry_after[0] = '\0';
	free(r->www_auth);
	free(r->location);
	r->www_auth = r->location = NULL;
	r->next_cursor[0] = '\0';
	r->next_cursor_cut = false;
	r->errbuf[0] = '\0';
	r->errmsg[0] = '\0';
	r->too_big_all = false;
	n->held -= r->held;
	r->held = 0;
	fa_buf_release(&r->body);
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)r);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)r);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	/* wait for a connection that may multiplex rather than open another; only https
	 * can negotiate HTTP/2, so plain http (loopback tests) does not wait */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT,
			 (!r->pr && !n->http1_only && (r->is_url ? r->url_tls : n->base_tls[r->base])) ? 1L : 0L);
	if (r->pr) {
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL); /* never the API's headers */
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (r->is_url) {
		/* its own headers only: the API Authorization header is never on this list */
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (r->post) {
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, n->hdr_post);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->post));
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);
	} else {
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, n->hdr_get);
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	}
	if (curl_multi_add_handle(n->multi, e) != CURLM_OK) {
		r->easy = NULL;
		if (r->pr)
			curl_easy_cleanup(e);
		else
			easy_release(n, e);
		return -1;
	}
	if (r->pr) {
		probe_gate_take(n, r, now);
		n->st.probes++;
	}
	list_remove(&n->waiting, r);
	list_push(&n->active, r);
	r->attempts++;
	r->start_ms = now;
	r->seq = ++n->seq;
	n->st.requests++;
	if (n->active.len > n->st.max_in_flight)
		n->st.max_in_flight = n->active.len;
	return 0;
}

/* Starts what can start; returns the ms until something waiting may become ready
 * (LLONG_MAX when nothing waits on a timer). */
static long long start_ready(fa_net *n, long long now)
{
	long long next = LLONG_MAX;
	net_req *r = n->waiting.head, *nx;

	if (n->aborted)
		return 0;
	if (n->not_before_ms > now)
		return n->not_before_ms - now; /* the server asked the whole run to wait */
	for (; r && (int)n->active.len < n->limit; r = nx) {
		nx = r->next;
		if (r->ready_ms > now) {
			if (r->ready_ms - now < next)
				next = r->ready_ms - now;
			continue;
		}
		if (r->pr) {
			long long pw = probe_gate_wait(n, r, now);

			if (pw > 0 && pw < next)
				next = pw;
			if (pw != 0)
				continue; /* busy (woken when it finishes) or too soon */
		}
		long long wait = bucket_take(n, r->rate_key, now);
		if (wait > 0) {
			if (wait < next)
				next = wait;
			continue;
		}
		if (start_attempt(n, r, now) < 0) {
			if (next > 50)
				next = 50; /* try again soon */
			break;
		}
	}
	return next;
}

static bool status_retryable(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static bool curl_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR: /* a handshake cut short; verification errors are not here */
		return true;
	default:
		return false;
	}
}

static bool curl_is_tls(CURLcode c)
{
	switch (c) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CLIENTCERT:
		return true;
	default:
		return false;
	}
}

/* Maps a failed transfer to an error code and a one-line message. */
static fa_net_error describe_failure(fa_net *n, net_req *r, CURLcode c)
{
	const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(c);
	char size[32], dur[32];
	long oserr = 0;

	if (r->consumer_stop) {
		snprintf(r->errmsg, sizeof(r->errmsg), "the response consumer stopped the transfer");
		return FA_NET_ECONSUMER;
	}
	if (r->too_big) {
		format_size(size, sizeof(size), r->too_big_all ? n->max_held : r->max_body);
		snprintf(r->errmsg, sizeof(r->errmsg), r->too_big_all ? "the responses in flight passed %s together"
								 : "response larger than %s", size);
		return FA_NET_ETOOBIG;
	}
	if (r->oom) {
		snprintf(r->errmsg, sizeof(r->errmsg), "out of memory");
		return FA_NET_ENOMEM;
	}
	if (c == CURLE_OUT_OF_MEMORY) {
		snprintf(r->errmsg, sizeof(r->errmsg), "out of memory");
		return FA_NET_ENOMEM;
	}
	if (c == CURLE_OPERATION_TIMEDOUT) {
		/* "Connection timed out", "Failed to connect": the connect phase */
		bool connect = strstr(why, "onnect") != NULL;
		format_duration(dur, sizeof(dur), connect ? n->connect_timeout_ms : n->timeout_ms);
		snprintf(r->errmsg, sizeof(r->errmsg), "%stimed out after %s",
			 connect ? "connect " : "", dur);
		return FA_NET_ETIMEOUT;
	}
	if (c == CURLE_PEER_FAILED_VERIFICATION) {
		snprintf(r->errmsg, sizeof(r->errmsg), "TLS certificate verification failed: %.200s", why);
		return FA_NET_ETLS;
	}
	if (curl_is_tls(c)) {
		snprintf(r->errmsg, sizeof(r->errmsg), "TLS error: %.200s", why);
		return FA_NET_ETLS;
	}
	if (c == CURLE_COULDNT_CONNECT &&
	    curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr == ECONNREFUSED)
		snprintf(r->errmsg, sizeof(r->errmsg), "connection refused");
	else if (c == CURLE_PARTIAL_FILE)
		snprintf(r->errmsg, sizeof(r->errmsg), "response truncated: %.200s", why);
	else if (c == CURLE_GOT_NOTHING)
		snprintf(r->errmsg, sizeof(r->errmsg), "connection closed without a response");
	else
		snprintf(r->errmsg, sizeof(r->errmsg), "%.250s", why);
	return FA_NET_ETRANSPORT;
}

static void strip_newlines(char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			*s = ' ';
}

static long map_http_version(long v)
{
	switch (v) {
	case CURL_HTTP_VERSION_1_0:
		return 10;
	case CURL_HTTP_VERSION_1_1:
		return 11;
	case CURL_HTTP_VERSION_2_0:
		return 20;
#ifdef CURL_HTTP_VERSION_3
	case CURL_HTTP_VERSION_3:
		return 30;
#endif
	default:
		return 0;
	}
}

static void complete(fa_net *n, net_req *r, fa_net_error error, long status)
{
	fa_response res;

	if (r->pr) {
		probe_complete(n, r, error, status);
		return;
	}
	memset(&res, 0, sizeof(res));
	res.error = error;
	res.status = error == FA_NET_OK ? status : 0;
	res.body = (error == FA_NET_OK && r->body.data) ? r->body.data : "";
	if (error != FA_NET_OK)
		res.len = 0;
	else if (r->body_mode == BODY_STREAM)
		res.len = r->streamed; /* the body went to the chunk callback */
	else
		res.len = r->body.len;
	if (error == FA_NET_OK && status >= 400 && res.len == 0 && !r->errmsg[0])
		snprintf(r->errmsg, sizeof(r->errmsg), "HTTP %ld", status);
	fa_scrub(r->errmsg, strlen(r->errmsg), 1); /* curl's text can quote what the server said */
	res.errmsg = r->errmsg[0] ? r->errmsg : NULL;
	res.attempts = r->attempts;
	if (error == FA_NET_OK) {
		res.www_authenticate = r->www_auth;
		res.location = r->location;
		res.next_cursor = r->next_cursor[0] ? r->next_cursor : NULL;
		res.next_cursor_cut = r->next_cursor_cut;
	}
	n->st.completed++;
	if (r->cb)
		r->cb(r->ud, &res);
	req_free(r);
}

static long backoff_ms(fa_net *n, net_req *r, long ra_ms)
{
	long long cap = n->backoff_base_ms;
	long long d;

	if (ra_ms >= 0) {
		d = ra_ms;
	} else {
		for (int i = 1; i < r->attempts && cap < n->backoff_max_ms; i++)
			cap *= 2;
		if (cap > n->backoff_max_ms)
			cap = n->backoff_max_ms;
		d = (long long)(rng_next(n) % (uint64_t)(cap + 1)); /* full jitter */
	}
	if (d > n->backoff_max_ms)
		d = n->backoff_max_ms;
	return (long)d;
}

static bool budget_left(fa_net *n)
{
	long long budget = n->retry_budget >= 0 ? n->retry_budget
						: 100 + (long long)(n->submitted / 5);
	return n->retries_used < budget;
}

static bool rate_budget_left(fa_net *n)
{
	long long budget = n->rate_retry_budget > 0 ? n->rate_retry_budget
						    : 100 + 2 * (long long)n->submitted;
	return n->rate_retries_used < budget;
}

/* The server said "too fast" (429, 503): no attempt starts for delay_ms, and the cap
 * on requests in flight is halved, once for all the attempts already started. */
static void back_off_run(fa_net *n, net_req *r, long delay_ms, long long now)
{
	if (now + delay_ms > n->not_before_ms)
		n->not_before_ms = now + delay_ms;
	if (r->seq <= n->cut_seq)
		return; /* started before the last cut: that cut already answered it */
	n->cut_seq = n->seq;
	n->limit = n->limit > 1 ? n->limit / 2 : 1;
	if (n->limit < n->limit_min)
		n->limit_min = n->limit;
	n->grow_count = 0;
}

/* A response the server was willing to give: the cap grows by one per `limit` of them. */
static void grow_run(fa_net *n, net_req *r)
{
	if (n->limit >= n->concurrency || r->seq <= n->cut_seq)
		return;
	if (++n->grow_count >= n->limit) {
		n->limit++;
		n->grow_count = 0;
	}
}

static void finish_transfer(fa_net *n, net_req *r, CURLcode c, long long now)
{
	CURL *e = r->easy;
	long status = 0, ver = 0, conns = 0;
	fa_net_error error = FA_NET_OK;
	bool retry = false, rate_retry = false;
	long ra_ms = -1, delay = 0;

	if (r->pr) {
		probe_finish(n, r, c, now);
		return;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
	n->st.num_connects += conns;
	curl_multi_remove_handle(n->multi, e);
	list_remove(&n->active, r);

	if (c == CURLE_OK) {
		if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &ver) == CURLE_OK && ver)
			n->st.http_version = map_http_version(ver);
		if (status == 429)
			n->st.status_429++;
		if (status_retryable(status)) {
			retry = true;
			if (r->retry_after[0])
				ra_ms = fa_net_parse_retry_after(r->retry_after, (long long)time(NULL));
		}
	} else {
		error = describe_failure(n, r, c);
		strip_newlines(r->errmsg);
		retry = error != FA_NET_ETOOBIG && error != FA_NET_ENOMEM &&
			error != FA_NET_ECONSUMER && c != CURLE_PEER_FAILED_VERIFICATION &&
			curl_retryable(c);
	}
	r->easy = NULL;
	easy_release(n, e);

	if (retry)
		delay = backoff_ms(n, r, ra_ms);
	if (c == CURLE_OK && (status == 429 || status == 503))
		back_off_run(n, r, delay, now);
	else if (c == CURLE_OK)
		grow_run(n, r);

	if (retry && n->aborted) {
		retry = false;
	} else if (retry && status == 429 && r->rate_retries < n->max_rate_retries &&
		   rate_budget_left(n)) {
		rate_retry = true; /* waits for the server's pace: not a failure */
	} else if (retry && (r->attempts - r->rate_retries > n->max_retries || !budget_left(n))) {
		retry = false;
	}
	if (n->verbose) {
		char what[NET_ERRMSG + 16];
		if (error == FA_NET_OK)
			snprintf(what, sizeof(what), "%ld", status);
		else
			snprintf(what, sizeof(what), "%s", r->errmsg);
		fprintf(stderr, "%s %s -> %s (%lld ms, attempt %d)%s\n", r->post ? "POST" : "GET",
			r->path, what, now - r->start_ms, r->attempts, retry ? ", retrying" : "");
	}
	if (retry) {
		if (rate_retry) {
			r->rate_retries++;
			n->rate_retries_used++;
			n->st.rate_retries++;
		} else {
			n->retries_used++;
		}
		n->st.retries++;
		if (r->chunk && r->streamed > 0)
			r->chunk(r->ud, NULL, 0); /* the retry delivers the body from the start */
		r->ready_ms = now + delay;
		list_push(&n->waiting, r);
		return;
	}
	complete(n, r, error, status);
}

static void abort_all(fa_net *n)
{
	net_list act = n->active, wait = n->waiting;
	net_req *r, *nx;

	memset(&n->active, 0, sizeof(n->active));
	memset(&n->waiting, 0, sizeof(n->waiting));
	for (r = act.head; r; r = nx) {
		nx = r->next;
		if (r->easy) {
			long conns = 0;
			curl_easy_getinfo(r->easy, CURLINFO_NUM_CONNECTS, &conns);
			n->st.num_connects += conns;
			curl_multi_remove_handle(n->multi, r->easy);
			if (r->pr)
				curl_easy_cleanup(r->easy);
			else
				easy_release(n, r->easy);
			r->easy = NULL;
		}
		snprintf(r->errmsg, sizeof(r->errmsg), "%s%s", n->stopped ? "stopped: " : "aborted",
			 n->stopped ? n->stopped : "");
		complete(n, r, FA_NET_EABORTED, 0);
	}
	for (r = wait.head; r; r = nx) {
		nx = r->next;
		snprintf(r->errmsg, sizeof(r->errmsg), "%s%s", n->stopped ? "stopped: " : "aborted",
			 n->stopped ? n->stopped : "");
		complete(n, r, FA_NET_EABORTED, 0);
	}
}

static void fill_stats(const fa_net *n, fa_net_stats *out, long long now)
{
	*out = n->st;
	out->in_flight = n->active.len;
	out->queued = n->waiting.len;
	out->in_flight_limit = (size_t)n->limit;
	out->in_flight_limit_min = (size_t)n->limit_min;
	out->elapsed_ms = n->t0_ms ? now - n->t0_ms : 0;
}

static void maybe_tick(fa_net *n, long long now, bool force)
{
	fa_net_stats st;
	if (!n->tick || (!force && now - n->last_tick_ms < NET_TICK_MS))
		return;
	n->last_tick_ms = now;
	fill_stats(n, &st, now);
	n->tick(n->tick_ud, &st);
}

/* --max-time or a signal: true (and n->stopped set) once the run must stop. */
static bool check_stop(fa_net *n, long long now)
{
	if (!n->stopped) {
		if (n->stop && *n->stop)
			n->stopped = "interrupted by a signal";
		else if (n->deadline_ms && now >= n->deadline_ms)
			n->stopped = "the --max-time limit passed";
	}
	return n->stopped != NULL;
}

const char *fa_net_stopped(const fa_net *n)
{
	return n ? n->stopped : NULL;
}

int fa_net_run(fa_net *n)
{
	if (!n || n->running)
		return -1;
	n->running = true;
	if (!n->t0_ms)
		n->t0_ms = now_ms();
	n->last_tick_ms = now_ms();

	for (;;) {
		int still = 0, pending = 0;
		long long now, next;
		long timeout;
		CURLMsg *msg;

		curl_multi_perform(n->multi, &still);
		while ((msg = curl_multi_info_read(n->multi, &pending))) {
			char *priv = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
			if (priv)
				finish_transfer(n, (net_req *)(void *)priv, msg->data.result, now_ms());
		}
		now = now_ms();
		maybe_tick(n, now, false);
		if (n->aborted || check_stop(n, now))
			abort_all(n); /* callbacks cannot queue more once aborted or stopped */
		if (n->active.len == 0 && n->waiting.len == 0)
			break;
		/* start what a free slot, a backoff or a bucket allows; curl_multi_poll also
		 * wakes for curl's own timers, so a new transfer starts at once */
		next = start_ready(n, now);
		timeout = next > 1000 ? 1000 : (long)next;
		if (n->tick && timeout > NET_TICK_MS)
			timeout = NET_TICK_MS;
		if (n->stop && timeout > 200)
			timeout = 200; /* a signal is noticed within this */
		if (n->deadline_ms && n->deadline_ms - now < timeout)
			timeout = (long)(n->deadline_ms - now);
		if (timeout < 0)
			timeout = 0;
		curl_multi_poll(n->multi, NULL, 0, (int)timeout, NULL);
	}
	maybe_tick(n, now_ms(), true);
	n->running = false;
	return n->aborted ? -1 : 0;
}

void fa_net_abort(fa_net *n)
{
	if (!n)
		return;
	n->aborted = true;
	if (n->multi)
		curl_multi_wakeup(n->multi);
}

void fa_net_get_stats(const fa_net *n, fa_net_stats *out)
{
	if (!out)
		return;
	memset(out, 0, sizeof(*out));
	if (n)
		fill_stats(n, out, now_ms());
}

/* ---- probes of public hostnames (audit --probe) ---- */

#define PROBE_INTERVAL_MS 500
#define PROBE_MAX_BODY ((size_t)64 * 1024)
#define PROBE_HDR_MAX 512
#define PROBE_UA "flyaudit/" FLYAUDIT_VERSION " (+probe)"

struct net_probe {
	fa_probe_cb cb;
	size_t host_idx;      /* in n->phosts */
	fa_probe_tls tls;
	bool https;
	bool certinfo;
	bool truncated;
	bool gated;           /* holds its host's gate (in flight) */
	char location[PROBE_HDR_MAX];
	char hsts[PROBE_HDR_MAX];
	bool has_location, has_hsts;
	long long cert_expiry;
	bool conn_refused, cert_invalid, tls_failed, tls_unsupported;
	char local_ip[64];
};

static void probe_free(struct net_probe *pr)
{
	free(pr);
}

int fa_net_check_connect_to(const char *spec, char *err, size_t errlen)
{
	int colons = 0;

	if (!spec || !*spec) {
		set_err(err, errlen, "--connect-to wants HOST:PORT:HOST2:PORT2");
		return -1;
	}
	for (const char *p = spec; *p; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '/' || *p == '@' ||
		    *p == '\\') {
			set_err(err, errlen, "--connect-to holds a space, control character, '/' or '@'");
			return -1;
		}
		if (*p == ':')
			colons++;
		if (*p == '[') { /* an IPv6 address: skip to its ']' */
			const char *rb = strchr(p, ']');
			if (!rb) {
				set_err(err, errlen, "--connect-to has an unclosed '['");
				return -1;
			}
			p = rb;
		}
	}
	if (colons != 3) {
		set_err(err, errlen, "--connect-to wants HOST:PORT:HOST2:PORT2 (IPv6 in brackets)");
		return -1;
	}
	return 0;
}

int fa_net_probe_setup(fa_net *n, const char *const *connect_to, size_t n_connect_to,
		       long probe_interval_ms, size_t probe_max_body, char *err, size_t errlen)
{
	struct curl_slist *l = NULL, *tmp;

	if (!n) {
		set_err(err, errlen, "no transport");
		return -1;
	}
	for (size_t i = 0; i < n_connect_to; i++) {
		if (fa_net_check_connect_to(connect_to[i], err, errlen) < 0) {
			curl_slist_free_all(l);
			return -1;
		}
		if (!(tmp = curl_slist_append(l, connect_to[i]))) {
			curl_slist_free_all(l);
			set_err(err, errlen, "out of memory");
			return -1;
		}
		l = tmp;
	}
	curl_slist_free_all(n->connect_to);
	n->connect_to = l;
	n->probe_interval_ms = probe_interval_ms > 0 ? probe_interval_ms : PROBE_INTERVAL_MS;
	n->probe_max_body = probe_max_body > 0 ? probe_max_body : PROBE_MAX_BODY;
	return 0;
}

/* The gate of `host`, created on first use. Returns its index, or -1 (OOM). */
static long probe_host_index(fa_net *n, const char *host)
{
	for (size_t i = 0; i < n->n_phosts; i++)
		if (strcasecmp(n->phosts[i].host, host) == 0)
			return (long)i;
	if (n->n_phosts == n->cap_phosts) {
		size_t ncap = n->cap_phosts ? n->cap_phosts * 2 : 16;
		probe_host *np = realloc(n->phosts, ncap * sizeof(*np));
		if (!np)
			return -1;
		n->phosts = np;
		n->cap_phosts = ncap;
	}
	if (!(n->phosts[n->n_phosts].host = dup_str(host)))
		return -1;
	n->phosts[n->n_phosts].next_ms = 0;
	n->phosts[n->n_phosts].busy = false;
	return (long)n->n_phosts++;
}

int fa_net_probe(fa_net *n, const char *url, const char *host, fa_probe_tls tls,
		 bool certinfo, fa_probe_cb cb, void *ud)
{
	net_req *r = NULL;
	long idx;
	bool https;

	if (!n || n->aborted || !url || !host || !*host || tls < FA_PROBE_TLS_DEFAULT ||
	    tls > FA_PROBE_TLS_1_3)
		return -1;
	if (strncmp(url, "https://", 8) == 0)
		https = true;
	else if (strncmp(url, "http://", 7) == 0)
		https = false;
	else
		return -1;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '#' || *p == '\\' ||
		    *p == '@')
			return -1;
	if (!https && tls != FA_PROBE_TLS_DEFAULT)
		return -1;
	if (!n->probe_interval_ms)
		n->probe_interval_ms = PROBE_INTERVAL_MS;
	if (!n->probe_max_body)
		n->probe_max_body = PROBE_MAX_BODY;
	if ((idx = probe_host_index(n, host)) < 0)
		return -1;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->pr = calloc(1, sizeof(*r->pr));
	r->url = dup_str(url);
	r->path = dup_str(url);
	if (!r->pr || !r->url || !r->path) {
		req_free(r);
		return -1;
	}
	r->net = n;
	r->ud = ud;
	r->pr->cb = cb;
	r->pr->host_idx = (size_t)idx;
	r->pr->tls = tls;
	r->pr->https = https;
	r->pr->certinfo = certinfo && https;
	fa_buf_init(&r->body, n->probe_max_body);
	list_push(&n->waiting, r);
	n->submitted++;
	return 0;
}

static long long probe_gate_wait(fa_net *n, net_req *r, long long now)
{
	probe_host *h = &n->phosts[r->pr->host_idx];

	if (h->busy)
		return -1;
	return h->next_ms > now ? h->next_ms - now : 0;
}

static void probe_gate_take(fa_net *n, net_req *r, long long now)
{
	probe_host *h = &n->phosts[r->pr->host_idx];

	h->busy = true;
	h->next_ms = now + n->probe_interval_ms;
	r->pr->gated = true;
}

static void probe_gate_release(fa_net *n, net_req *r)
{
	if (r->pr->gated) {
		n->phosts[r->pr->host_idx].busy = false;
		r->pr->gated = false;
	}
}

static CURL *probe_easy_new(fa_net *n, net_req *r)
{
	static const long pins[] = {
		CURL_SSLVERSION_TLSv1_2,
		CURL_SSLVERSION_TLSv1_0 | CURL_SSLVERSION_MAX_TLSv1_0,
		CURL_SSLVERSION_TLSv1_1 | CURL_SSLVERSION_MAX_TLSv1_1,
		CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2,
		CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3,
	};
	CURL *e = curl_easy_init();

	if (!e)
		return NULL;
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* no share handle: no TLS session of the API (or of another pin) is resumed */
	curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, pins[r->pr->tls]);
	if (r->pr->tls == FA_PROBE_TLS_1_0 || r->pr->tls == FA_PROBE_TLS_1_1)
		curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, "DEFAULT:@SECLEVEL=0");
	if (n->ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, n->ca_file);
		if (n->capath_ok)
			curl_easy_setopt(e, CURLOPT_CAPATH, NET_SYSTEM_CAPATH);
	}
	curl_easy_setopt(e, CURLOPT_CERTINFO, r->pr->certinfo ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	if (n->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, n->connect_to);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, n->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, n->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, PROBE_UA);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	return e;
}

static size_t probe_write(net_req *r, const char *data, size_t len)
{
	size_t room = r->net->probe_max_body - r->body.len;

	if (len > room) {
		/* enough to judge the content: keep the start, stop the transfer */
		if (room && fa_buf_add(&r->body, data, room) < 0)
			r->oom = true;
		r->pr->truncated = true;
		return 0;
	}
	if (len && fa_buf_add(&r->body, data, len) < 0) {
		r->oom = true;
		return 0;
	}
	return len;
}

/* Keeps one header's value (trimmed, control characters dropped). */
static void keep_header(char *out, const char *v, size_t vl)
{
	size_t k = 0;

	while (vl && (*v == ' ' || *v == '\t'))
		v++, vl--;
	while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
		vl--;
	for (size_t i = 0; i < vl && k + 1 < PROBE_HDR_MAX; i++)
		if ((unsigned char)v[i] >= 0x20 && (unsigned char)v[i] != 0x7f)
			out[k++] = v[i];
	out[k] = '\0';
}

static void probe_header(net_req *r, const char *data, size_t len)
{
	static const char loc[] = "location:", sts[] = "strict-transport-security:";
	struct net_probe *pr = r->pr;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		pr->has_location = pr->has_hsts = false; /* a new response (after a 1xx) */
	} else if (len > sizeof(loc) - 1 && strncasecmp(data, loc, sizeof(loc) - 1) == 0) {
		keep_header(pr->location, data + sizeof(loc) - 1, len - (sizeof(loc) - 1));
		pr->has_location = true;
	} else if (len > sizeof(sts) - 1 && strncasecmp(data, sts, sizeof(sts) - 1) == 0) {
		keep_header(pr->hsts, data + sizeof(sts) - 1, len - (sizeof(sts) - 1));
		pr->has_hsts = true;
	}
}

/* The leaf certificate's "Expire date" from CURLINFO_CERTINFO, or 0. */
static long long probe_cert_expiry(CURL *e)
{
	struct curl_certinfo *ci = NULL;
	static const char key[] = "Expire date:";

	if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
		return 0;
	for (struct curl_slist *l = ci->certinfo[0]; l; l = l->next) {
		if (l->data && strncmp(l->data, key, sizeof(key) - 1) == 0) {
			time_t t = curl_getdate(l->data + sizeof(key) - 1, NULL);
			return t > 0 ? (long long)t : 0;
		}
	}
	return 0;
}

static void probe_finish(fa_net *n, net_req *r, CURLcode c, long long now)
{
	struct net_probe *pr = r->pr;
	CURL *e = r->easy;
	long status = 0, conns = 0, oserr = 0;
	fa_net_error error = FA_NET_OK;
	char *ip = NULL;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
	n->st.num_connects += conns;
	if (curl_easy_getinfo(e, CURLINFO_LOCAL_IP, &ip) == CURLE_OK && ip)
		snprintf(pr->local_ip, sizeof(pr->local_ip), "%s", ip);
	if (c == CURLE_WRITE_ERROR && pr->truncated && !r->oom)
		c = CURLE_OK; /* we stopped reading: the answer is in */
	if (c == CURLE_OK && pr->certinfo)
		pr->cert_expiry = probe_cert_expiry(e);
	if (c != CURLE_OK) {
		const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(c);

		error = describe_failure(n, r, c);
		strip_newlines(r->errmsg);
		if (c == CURLE_COULDNT_CONNECT &&
		    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr) == CURLE_OK && oserr == ECONNREFUSED)
			pr->conn_refused = true;
		else if (c == CURLE_PEER_FAILED_VERIFICATION)
			pr->cert_invalid = true;
		else if (strstr(why, "no protocols available") || strstr(why, "NO_PROTOCOLS_AVAILABLE") ||
			 c == CURLE_NOT_BUILT_IN || c == CURLE_UNKNOWN_OPTION)
			pr->tls_unsupported = true;
		else if (curl_is_tls(c))
			pr->tls_failed = true;
	}
	curl_multi_remove_handle(n->multi, e);
	list_remove(&n->active, r);
	probe_gate_release(n, r);
	r->easy = NULL;
	curl_easy_cleanup(e);
	if (n->verbose) {
		char what[NET_ERRMSG + 16];

		if (error == FA_NET_OK)
			snprintf(what, sizeof(what), "%ld", status);
		else
			snprintf(what, sizeof(what), "%s", r->errmsg);
		fprintf(stderr, "PROBE GET %s -> %s (%lld ms)\n", r->path, what, now - r->start_ms);
	}
	complete(n, r, error, status);
}

static void probe_complete(fa_net *n, net_req *r, fa_net_error error, long status)
{
	struct net_probe *pr = r->pr;
	fa_probe_result res;

	memset(&res, 0, sizeof(res));
	probe_gate_release(n, r);
	res.error = error;
	res.status = error == FA_NET_OK ? status : 0;
	res.body = (error == FA_NET_OK && r->body.data) ? r->body.data : "";
	res.len = error == FA_NET_OK ? r->body.len : 0;
	res.truncated = error == FA_NET_OK && pr->truncated;
	res.errmsg = r->errmsg[0] ? r->errmsg : NULL;
	res.location = error == FA_NET_OK && pr->has_location ? pr->location : NULL;
	res.hsts = error == FA_NET_OK && pr->has_hsts ? pr->hsts : NULL;
	res.cert_expiry = pr->cert_expiry;
	res.conn_refused = pr->conn_refused;
	res.cert_invalid = pr->cert_invalid;
	res.tls_failed = pr->tls_failed;
	res.tls_unsupported = pr->tls_unsupported;
	res.local_ip = pr->local_ip[0] ? pr->local_ip : NULL;
	n->st.completed++;
	if (pr->cb)
		pr->cb(r->ud, &res);
	req_free(r);
}

/* ---- a single POST outside the Fly API (notifications) ------------------------- */

static size_t discard_body(char *data, size_t size, size_t nmemb, void *ud)
{
	(void)data;
	(void)ud;
	return size * nmemb;
}

int fa_net_post_json(const char *url, const char *json_body, const char *ca_file,
		     long timeout_ms, long *status, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = NULL;
	struct stat sb;
	CURL *e = NULL;
	CURLcode cc;
	int rc = -1;

	*status = 0;
	if (fa_net_check_url(url, err, errlen) < 0 || global_init(err, errlen) < 0)
		return -1;
	if (!(e = curl_easy_init()) ||
	    !(hdr = curl_slist_append(NULL, "Content-Type: application/json"))) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	/* no Authorization header, no cookies, no redirects; TLS verified as everywhere */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, ca_file);
		if (stat(NET_SYSTEM_CAPATH, &sb) == 0 && S_ISDIR(sb.st_mode))
			curl_easy_setopt(e, CURLOPT_CAPATH, NET_SYSTEM_CAPATH);
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "flyaudit/" FLYAUDIT_VERSION);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json_body));
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, json_body);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
	cc = curl_easy_perform(e);
	if (cc != CURLE_OK) {
		/* curl's message names the host, never the path or query (which can hold a key) */
		snprintf(err, errlen, "%s", curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	if (*status < 200 || *status > 299) {
		snprintf(err, errlen, "HTTP %ld", *status);
		goto cleanup;
	}
	rc = 0;
cleanup:
	curl_slist_free_all(hdr);
	if (e)
		curl_easy_cleanup(e);
	return rc;
}
