/* main.c: flymock, a mock of the Fly.io Machines REST and GraphQL APIs over libmicrohttpd
 * (thread per connection, so injected latency never serialises requests). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "flymock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <zlib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <openssl/evp.h>

#define MAX_FAULTS 64
#define MAX_TOKENS 64
#define BUCKETS 4096
#define UPLOAD_MAX ((size_t)1024 * 1024)
#define AUTH_MAX 16384

enum fault_kind {
	F_429, F_429DATE, F_500, F_502, F_503, F_504, F_RESET, F_TRUNCATE, F_MALFORMED,
	F_WRONGTYPES, F_OVERSIZE, F_SLOW, F_400MISSING, F_ECHOAUTH, F_ECHOAUTH401,
	F_ECHOAUTHHTML, F_ECHOAUTHGQL, F_GZIPBOMB
};

static const struct {
	const char *name;
	enum fault_kind kind;
} fault_names[] = {
	{"429", F_429}, {"429date", F_429DATE}, {"500", F_500}, {"502", F_502}, {"503", F_503},
	{"504", F_504}, {"reset", F_RESET}, {"truncate", F_TRUNCATE}, {"malformed", F_MALFORMED},
	{"wrongtypes", F_WRONGTYPES}, {"oversize", F_OVERSIZE}, {"slow", F_SLOW},
	{"400missing", F_400MISSING}, {"echoauth", F_ECHOAUTH}, {"echoauth401", F_ECHOAUTH401},
	{"echoauthhtml", F_ECHOAUTHHTML}, {"echoauthgql", F_ECHOAUTHGQL}, {"gzipbomb", F_GZIPBOMB},
};

/* --body PATH[@CURSOR]=FILE: the request for PATH (with that `cursor` argument, or none)
 * is answered 200 with FILE's bytes as they are: the hostile-server cases of the tests. */
#define MAX_BODIES 16
struct canned {
	char path[256];
	char cursor[128]; /* "" = the request has no cursor */
	char *data;
	size_t len;
};

struct fault {
	enum fault_kind kind;
	long arg;
	int has_arg;
	char path[256];
	long first;
	long every;
	unsigned long count; /* matching requests so far (under G.mu) */
};

struct bucket {
	struct bucket *next;
	char *key;
	double tokens;
	double last;
};

/* What a request answers with. */
struct resp {
	int status;
	fa_buf body;
	const char *ctype;
	char retry_after[64];
	char next_cursor[96]; /* fly-next-cursor header (machines and volumes paging) */
	int reset;      /* close the connection without a response */
	int truncate;   /* announce the full length, send half */
	long oversize;  /* > 0: stream this many bytes of valid JSON */
	char www_auth[1400]; /* registry answers */
	char location[1400];
	int gzip;       /* the body is gzip: say so (Content-Encoding) */
};

/* Per-request state kept by MHD between calls of the access handler. */
struct req {
	fa_buf upload;
	int too_big;
};

static struct {
	fm_source src;
	fm_source src2;      /* --second-org N: a synthetic org beside the main one */
	int have_src2;
	char deny_org[64];   /* --deny-org SLUG: its app list answers 403 */
	char *tokens[MAX_TOKENS];
	size_t ntokens;
	long latency_ms;
	long jitter_ms;
	struct fault faults[MAX_FAULTS];
	size_t nfaults;
	struct canned bodies[MAX_BODIES];
	size_t nbodies;
	long revoke_after; /* < 0: never */
	int rate_limit;
	double global_rate; /* <= 0: off */
	unsigned int max_conns;
	int quiet;
	unsigned int port; /* the bound port (the other registry is localhost:port) */
	int tls;

	pthread_mutex_t mu;
	pthread_cond_t stop_cond;
	int stopping;
	unsigned long requests, in_flight, peak, connections, open_conns, rate_limited, resets;
	unsigned long status_count[600];
	struct bucket *buckets[BUCKETS];
	double global_tokens, global_last;
	uint64_t rng;
	unsigned long reqid;
} G;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* Sleeps ms milliseconds, or less when flymock is stopping. */
static void mock_sleep(long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&G.mu);
	while (!G.stopping) {
		if (pthread_cond_timedwait(&G.stop_cond, &G.mu, &ts) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&G.mu);
}

/* ---- token check ---- */

static size_t strip_schemes(const char *s, size_t i, size_t n)
{
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (n - i > 6 && strncasecmp(s + i, "bearer", 6) == 0 && (s[i + 6] == ' ' || s[i + 6] == '\t'))
			i += 6;
		else if (n - i > 5 && strncasecmp(s + i, "flyv1", 5) == 0 && (s[i + 5] == ' ' || s[i + 5] == '\t'))
			i += 5;
		else
			return i;
	}
}

/* 1 if the Authorization header carries an accepted token. */
static int token_ok(const char *hdr)
{
	size_t n;
	size_t i;
	size_t k;

	if (hdr == NULL)
		return 0;
	n = strlen(hdr);
	if (n > AUTH_MAX)
		return 0;
	i = strip_schemes(hdr, 0, n);
	while (i < n) {
		size_t end = i;
		size_t s;
		size_t e;
		while (end < n && hdr[end] != ',')
			end++;
		s = strip_schemes(hdr, i, end);
		e = end;
		while (e > s && (hdr[e - 1] == ' ' || hdr[e - 1] == '\t'))
			e--;
		if (e > s) {
			if (G.ntokens == 0)
				return 1;
			for (k = 0; k < G.ntokens; k++)
				if (strlen(G.tokens[k]) == e - s && memcmp(G.tokens[k], hdr + s, e - s) == 0)
					return 1;
		}
		i = end + 1;
	}
	return 0;
}

int fm_token_accepted(const char *token_list)
{
	return token_ok(token_list);
}

/* 1 if text holds an accepted token (or a comma part of one): never in a URL. */
int fm_token_in(const char *text)
{
	size_t k;

	for (k = 0; text && k < G.ntokens; k++) {
		const char *t = G.tokens[k];

		if (strlen(t) >= 16 && strstr(text, t))
			return 1;
	}
	return 0;
}

/* The Host header of the request this thread answers (a proxy in front keeps its own
 * port there, which is the port the other registry must be reached on). */
static _Thread_local const char *cur_host;
static int parse_long(const char *s, long lo, long hi, long *out);

/* "@OTHER_REGISTRY@" in the demo's machines is the other registry: localhost:PORT, the
 * port the client reached us on. */
static int subst_other(fa_buf *b)
{
	static const char ph[] = "@OTHER_REGISTRY@";
	fa_buf out = FA_BUF_INIT(0);
	char host[32];
	const char *p, *at;

	if (!b->data || !strstr(b->data, ph))
		return 0;
	{
		const char *colon = cur_host ? strrchr(cur_host, ':') : NULL;
		long port = 0;

		if (colon && parse_long(colon + 1, 1, 65535, &port) == 0)
			snprintf(host, sizeof host, "localhost:%ld", port);
		else
			snprintf(host, sizeof host, "localhost:%u", G.port);
	}
	for (p = b->data; (at = strstr(p, ph)) != NULL; p = at + sizeof ph - 1) {
		if (fa_buf_add(&out, p, (size_t)(at - p)) != 0 || fa_buf_adds(&out, host) != 0) {
			fa_buf_release(&out);
			return -1;
		}
	}
	if (fa_buf_adds(&out, p) != 0) {
		fa_buf_release(&out);
		return -1;
	}
	fa_buf_release(b);
	*b = out;
	return 0;
}

/* ---- rate limits (token buckets, under G.mu) ---- */

static unsigned long hash_str(const char *s)
{
	unsigned long h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static int bucket_take(double *tokens, double *last, double rate, double burst, double t)
{
	if (*last == 0.0) {
		*tokens = burst;
		*last = t;
	}
	*tokens += (t - *last) * rate;
	if (*tokens > burst)
		*tokens = burst;
	*last = t;
	if (*tokens >= 1.0) {
		*tokens -= 1.0;
		return 1;
	}
	return 0;
}

/* 1 if the request may pass the per-(action, object) limit. */
static int rate_ok(const char *action, const char *object, double rate, double burst)
{
	char key[256];
	unsigned long h;
	struct bucket *b = NULL;
	int ok = 1;
	double t = now_s();

	snprintf(key, sizeof key, "%s|%s", action, object != NULL ? object : "");
	h = hash_str(key) % BUCKETS;
	pthread_mutex_lock(&G.mu);
	for (b = G.buckets[h]; b != NULL; b = b->next)
		if (strcmp(b->key, key) == 0)
			break;
	if (b == NULL) {
		b = calloc(1, sizeof *b);
		if (b != NULL && (b->key = strdup(key)) == NULL) {
			free(b);
			b = NULL;
		}
		if (b != NULL) {
			b->next = G.buckets[h];
			G.buckets[h] = b;
		}
	}
	if (b != NULL)
		ok = bucket_take(&b->tokens, &b->last, rate, burst, t);
	if (!ok)
		G.rate_limited++;
	pthread_mutex_unlock(&G.mu);
	return ok;
}

static int global_ok(void)
{
	int ok;

	if (G.global_rate <= 0)
		return 1;
	pthread_mutex_lock(&G.mu);
	ok = bucket_take(&G.global_tokens, &G.global_last, G.global_rate, G.global_rate, now_s());
	if (!ok)
		G.rate_limited++;
	pthread_mutex_unlock(&G.mu);
	return ok;
}

/* ---- responses ---- */

static void set_json(struct resp *r, int status, const char *body)
{
	fa_buf_reset(&r->body);
	r->status = status;
	r->ctype = "application/json";
	if (fa_buf_adds(&r->body, body) != 0)
		r->status = 500;
}

static void set_text(struct resp *r, int status, const char *body)
{
	set_json(r, status, body);
	r->ctype = "text/plain; charset=utf-8";
}

static void set_internal(struct resp *r, const char *err)
{
	if (!G.quiet)
		fprintf(stderr, "flymock: %s\n", err);
	set_json(r, 500, "{\"error\":\"flymock: internal error (see its stderr)\"}");
}

static int json_out(cJSON *root, struct resp *r)
{
	char *txt = cJSON_PrintUnformatted(root);
	int rc = -1;

	fa_buf_reset(&r->body);
	if (txt != NULL && fa_buf_adds(&r->body, txt) == 0) {
		r->status = 200;
		r->ctype = "application/json";
		rc = 0;
	}
	free(txt);
	return rc;
}

/* The source holding app (the main one unless only --second-org's has it). */
static const fm_source *source_of(const char *app)
{
	if (app != NULL && G.have_src2 && !fm_source_has_app(&G.src, app) &&
	    fm_source_has_app(&G.src2, app))
		return &G.src2;
	return &G.src;
}

static int app_known(const char *app)
{
	return fm_source_has_app(&G.src, app) || (G.have_src2 && fm_source_has_app(&G.src2, app));
}

static void serve_kind_from(struct resp *r, const fm_source *src, enum fm_kind kind, const char *app)
{
	char err[512];

	fa_buf_reset(&r->body);
	if (fm_source_body(src, kind, app, &r->body, err, sizeof err) != 0) {
		set_internal(r, err);
		return;
	}
	if (kind == FM_MACHINES && subst_other(&r->body) != 0) {
		set_internal(r, "out of memory");
		return;
	}
	r->status = 200;
	r->ctype = "application/json";
}

static void serve_kind(struct resp *r, enum fm_kind kind, const char *app)
{
	serve_kind_from(r, source_of(app), kind, app);
}

/* Certificate cursors are opaque standard base64 (may need URL-escaping by the client). */
static void cursor_encode(long off, char *out, size_t outlen)
{
	char plain[48];
	unsigned char enc[80];
	int n = snprintf(plain, sizeof plain, "offset:%ld", off);

	EVP_EncodeBlock(enc, (const unsigned char *)plain, n);
	snprintf(out, outlen, "%s", (const char *)enc);
}

static long cursor_decode(const char *cur)
{
	char in[80];
	unsigned char dec[80];
	size_t n = strlen(cur);
	size_t i;
	int m;
	char *end = NULL;
	long off;

	if (n == 0 || n >= sizeof in || n % 4 != 0)
		return -1;
	for (i = 0; i < n; i++)
		in[i] = cur[i] == ' ' ? '+' : cur[i];
	in[n] = '\0';
	m = EVP_DecodeBlock(dec, (const unsigned char *)in, (int)n);
	if (m < 8)
		return -1;
	dec[m] = '\0';
	if (strncmp((const char *)dec, "offset:", 7) != 0)
		return -1;
	errno = 0;
	off = strtol((const char *)dec + 7, &end, 10);
	if (errno != 0 || end == (const char *)dec + 7 || off < 0)
		return -1;
	return off;
}

static void serve_certs(struct MHD_Connection *c, const char *app, struct resp *r)
{
	const char *slimit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *scur = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
	const char *filter = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "filter");
	long limit = 25;
	long off = 0;
	long total = 0;
	long idx = 0;
	long end;
	char next[96] = "";
	cJSON *all = NULL;
	cJSON *root = NULL;
	cJSON *page = NULL;
	const cJSON *it = NULL;

	if (slimit != NULL && slimit[0] != '\0') {
		char *e = NULL;
		errno = 0;
		limit = strtol(slimit, &e, 10);
		if (errno != 0 || *e != '\0' || limit < 1) {
			set_json(r, 400, "{\"error\":\"invalid limit\"}");
			return;
		}
		if (limit > 500)
			limit = 500;
	}
	if (scur != NULL && scur[0] != '\0' && (off = cursor_decode(scur)) < 0) {
		set_json(r, 400, "{\"error\":\"invalid cursor\"}");
		return;
	}
	serve_kind(r, FM_CERTS, app);
	if (r->status != 200)
		return;
	all = cJSON_ParseWithLength(r->body.data, r->body.len);
	if (!cJSON_IsArray(all)) {
		set_internal(r, "certificates fixture is not a JSON array");
		goto cleanup;
	}
	root = cJSON_CreateObject();
	page = cJSON_AddArrayToObject(root, "certificates");
	if (page == NULL)
		goto oom;
	cJSON_ArrayForEach(it, all) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(it, "hostname");
		if (filter != NULL && filter[0] != '\0' &&
		    !(cJSON_IsString(h) && strstr(h->valuestring, filter) != NULL))
			continue;
		total++;
	}
	end = off + limit < total ? off + limit : total;
	/* Like the REST API, a page may be shorter than limit while next_cursor is set. */
	if (off == 0 && end < total && limit >= 4)
		end -= 2;
	cJSON_ArrayForEach(it, all) {
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(it, "hostname");
		if (filter != NULL && filter[0] != '\0' &&
		    !(cJSON_IsString(h) && strstr(h->valuestring, filter) != NULL))
			continue;
		if (idx >= off && idx < end)
			cJSON_AddItemToArray(page, cJSON_Duplicate(it, 1));
		idx++;
	}
	if (end < total && end > off)
		cursor_encode(end, next, sizeof next);
	cJSON_AddNumberToObject(root, "total_count", (double)total);
	cJSON_AddStringToObject(root, "next_cursor", next);
	if (json_out(root, r) == 0)
		goto cleanup;
oom:
	set_internal(r, "out of memory");
cleanup:
	cJSON_Delete(root);
	cJSON_Delete(all);
}

/* Machines and volumes, paged as the Machines API does when asked (`limit`, `cursor`,
 * the next cursor in the `fly-next-cursor` header) or, with --page-size N, whether
 * asked or not. Without either, the whole list in one answer. */
long fm_page_size;
long fm_page_repeat; /* --page-repeat 1: every page names the same next cursor (hostile) */

static void serve_paged(struct MHD_Connection *c, enum fm_kind kind, const char *app,
			struct resp *r)
{
	const char *slimit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	const char *scur = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
	long limit = fm_page_size, off = 0, idx = 0, total;
	cJSON *all = NULL, *page = NULL;
	const cJSON *it = NULL;

	if (slimit != NULL && slimit[0] != '\0') {
		char *e = NULL;
		errno = 0;
		limit = strtol(slimit, &e, 10);
		if (errno != 0 || *e != '\0' || limit < 1 || limit > 1000) {
			set_json(r, 400, "{\"error\":\"invalid limit\"}");
			return;
		}
	}
	if (scur != NULL && scur[0] != '\0' && (off = cursor_decode(scur)) < 0) {
		set_json(r, 400, "{\"error\":\"invalid cursor\"}");
		return;
	}
	serve_kind(r, kind, app);
	if (r->status != 200 || (limit <= 0 && off == 0))
		return;
	all = cJSON_ParseWithLength(r->body.data, r->body.len);
	page = cJSON_CreateArray();
	if (!cJSON_IsArray(all) || page == NULL) {
		cJSON_Delete(all);
		cJSON_Delete(page);
		return; /* a hostile fixture: served as it is */
	}
	total = cJSON_GetArraySize(all);
	if (limit <= 0)
		limit = total;
	cJSON_ArrayForEach(it, all) {
		if (idx >= off && idx < off + limit)
			cJSON_AddItemToArray(page, cJSON_Duplicate(it, 1));
		idx++;
	}
	if (off + limit < total)
		cursor_encode(fm_page_repeat ? limit : off + limit, r->next_cursor,
			      sizeof r->next_cursor);
	fa_buf_reset(&r->body);
	if (json_out(page, r) != 0)
		set_internal(r, "out of memory");
	cJSON_Delete(page);
	cJSON_Delete(all);
}

static void serve_machine(const char *app, const char *id, struct resp *r)
{
	cJSON *all = NULL;
	const cJSON *it = NULL;

	serve_kind(r, FM_MACHINES, app);
	if (r->status != 200)
		return;
	all = cJSON_ParseWithLength(r->body.data, r->body.len);
	cJSON_ArrayForEach(it, all) {
		const cJSON *mid = cJSON_GetObjectItemCaseSensitive(it, "id");
		if (cJSON_IsString(mid) && strcmp(mid->valuestring, id) == 0) {
			if (json_out((cJSON *)it, r) != 0)
				set_internal(r, "out of memory");
			cJSON_Delete(all);
			return;
		}
	}
	cJSON_Delete(all);
	set_json(r, 404, "{\"error\":\"machine not found\"}");
}

static int truthy(const char *v)
{
	return v != NULL && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
			     strcasecmp(v, "yes") == 0 || strcasecmp(v, "t") == 0);
}

static void too_many(struct resp *r)
{
	set_json(r, 429, "{\"error\":\"rate limit exceeded\"}");
	snprintf(r->retry_after, sizeof r->retry_after, "1");
}

/* Routes of the Machines REST API (GET only). Returns 0 when routed, -1 for 404 route. */
static int route_rest(struct MHD_Connection *c, const char *url, int authed, struct resp *r)
{
	char app[128];
	const char *rest = NULL;
	const char *slash = NULL;
	size_t alen;

	if (strcmp(url, "/v1/tokens/current") == 0) {
		if (!authed)
			goto unauth;
		if (G.rate_limit && !rate_ok("tokens_current", "", 1, 3))
			return too_many(r), 0;
		serve_kind(r, FM_TOKENS_CURRENT, NULL);
		return 0;
	}
	if (strcmp(url, "/v1/apps") == 0) {
		const char *org = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "org_slug");
		if (!authed)
			goto unauth;
		if (G.rate_limit && !rate_ok("apps_list", org, 1, 3))
			return too_many(r), 0;
		if (org == NULL || org[0] == '\0')
			set_json(r, 400, "{\"error\":\"org_slug is required\"}");
		else if (G.deny_org[0] != '\0' && strcmp(org, G.deny_org) == 0)
			set_json(r, 403, "{\"error\":\"unauthorized\"}");
		else if (G.have_src2 && strcmp(org, G.src2.org_slug) == 0)
			serve_kind_from(r, &G.src2, FM_APPS, NULL);
		else if (strcmp(org, G.src.org_slug) != 0)
			set_json(r, 404, "{\"error\":\"organization not found\"}");
		else
			serve_kind(r, FM_APPS, NULL);
		return 0;
	}
	if (strncmp(url, "/v1/apps/", 9) != 0)
		return -1;
	rest = url + 9;
	slash = strchr(rest, '/');
	alen = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	if (alen == 0 || alen >= sizeof app)
		return -1;
	memcpy(app, rest, alen);
	app[alen] = '\0';
	rest = slash != NULL ? slash : "";
	{
		const char *action = NULL;
		const char *object = app;
		double rate = 1;
		double burst = 3;
		enum fm_kind kind = FM_APP;
		if (strcmp(rest, "") == 0) {
			action = "app_get";
		} else if (strcmp(rest, "/machines") == 0) {
			action = "machines_list";
			kind = FM_MACHINES;
		} else if (strncmp(rest, "/machines/", 10) == 0 && rest[10] != '\0' &&
			   strchr(rest + 10, '/') == NULL) {
			action = "machine_get";
			object = rest + 10;
			rate = 5;
			burst = 10;
		} else if (strcmp(rest, "/volumes") == 0) {
			action = "volumes_list";
			kind = FM_VOLUMES;
		} else if (strcmp(rest, "/secrets") == 0) {
			action = "secrets_list";
			kind = FM_SECRETS;
		} else if (strcmp(rest, "/ip_assignments") == 0) {
			action = "ips_list";
			kind = FM_IPS;
		} else if (strcmp(rest, "/certificates") == 0) {
			action = "certs_list";
			kind = FM_CERTS;
		} else {
			return -1;
		}
		if (!authed)
			goto unauth;
		if (G.rate_limit && !rate_ok(action, object, rate, burst))
			return too_many(r), 0;
		if (!app_known(app)) {
			set_json(r, 404, "{\"error\":\"app not found\"}");
			return 0;
		}
		if (strcmp(action, "machine_get") == 0)
			serve_machine(app, object, r);
		else if (kind == FM_CERTS)
			serve_certs(c, app, r);
		else if (kind == FM_MACHINES || kind == FM_VOLUMES)
			serve_paged(c, kind, app, r);
		else if (kind == FM_SECRETS &&
			 truthy(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "show_secrets")))
			set_json(r, 403, "{\"error\":\"unauthorized: secret values cannot be read\"}");
		else
			serve_kind(r, kind, app);
	}
	return 0;
unauth:
	set_json(r, 401, "{\"error\":\"invalid token\"}");
	return 0;
}

/* ---- faults ---- */

static int fault_path_match(const struct fault *f, const char *url)
{
	if (f->path[0] != '\0')
		return strstr(url, f->path) != NULL;
	return strncmp(url, "/v1", 3) == 0 || strcmp(url, "/graphql") == 0;
}

/* Counts the request against every fault; returns the first non-slow fault that fires
 * (or NULL) and adds the slow faults' delays to *extra_ms. */
static const struct fault *pick_fault(const char *url, long *extra_ms)
{
	const struct fault *hit = NULL;
	size_t i;

	pthread_mutex_lock(&G.mu);
	for (i = 0; i < G.nfaults; i++) {
		struct fault *f = &G.faults[i];
		int fire;
		if (!fault_path_match(f, url))
			continue;
		f->count++;
		if (f->first > 0)
			fire = f->count <= (unsigned long)f->first;
		else if (f->every > 0)
			fire = f->count % (unsigned long)f->every == 0;
		else
			fire = 1;
		if (!fire)
			continue;
		if (f->kind == F_SLOW)
			*extra_ms += f->has_arg ? f->arg : 1000;
		else if (hit == NULL)
			hit = f;
	}
	pthread_mutex_unlock(&G.mu);
	return hit;
}

static void swap_types(cJSON *node)
{
	cJSON *it = NULL;

	for (it = node != NULL ? node->child : NULL; it != NULL; it = it->next) {
		if (cJSON_IsString(it)) {
			cJSON_free(it->valuestring);
			it->valuestring = NULL;
			it->type = cJSON_Number;
			it->valueint = 12345;
			it->valuedouble = 12345;
		} else if (cJSON_IsNumber(it)) {
			char *s = malloc(4);
			if (s == NULL)
				continue;
			memcpy(s, "987", 4);
			it->type = cJSON_String;
			it->valuestring = s;
		} else if (cJSON_IsBool(it)) {
			char *s = malloc(4);
			if (s == NULL)
				continue;
			memcpy(s, "yes", 4);
			it->type = cJSON_String;
			it->valuestring = s;
		} else {
			swap_types(it);
		}
	}
}

static int canned_body(struct MHD_Connection *c, const char *url, struct resp *r)
{
	const char *cur = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "cursor");
	size_t i;

	for (i = 0; i < G.nbodies; i++) {
		const struct canned *b = &G.bodies[i];

		if (strcmp(b->path, url) != 0 || strcmp(b->cursor, cur ? cur : "") != 0)
			continue;
		fa_buf_reset(&r->body);
		r->status = 200;
		r->ctype = "application/json";
		if (fa_buf_add(&r->body, b->data, b->len) != 0)
			set_internal(r, "out of memory");
		return 1;
	}
	return 0;
}

static void apply_body_fault(const struct fault *f, struct resp *r)
{
	if (f->kind == F_TRUNCATE) {
		r->truncate = 1;
	} else if (f->kind == F_MALFORMED) {
		size_t half = r->body.len / 2;
		r->body.len = half;
		if (r->body.data != NULL)
			r->body.data[half] = '\0';
		if (fa_buf_adds(&r->body, "<<<flymock: malformed") != 0)
			set_json(r, 500, "{");
		r->status = 200;
		r->ctype = "application/json";
	} else if (f->kind == F_WRONGTYPES) {
		cJSON *root = cJSON_ParseWithLength(r->body.data != NULL ? r->body.data : "", r->body.len);
		if (root == NULL) {
			set_json(r, 200, "{\"error\":12345,\"apps\":\"none\"}");
		} else {
			if (cJSON_IsArray(root) || cJSON_IsObject(root))
				swap_types(root);
			if (json_out(root, r) != 0)
				set_json(r, 500, "{}");
			cJSON_Delete(root);
		}
		r->status = 200;
	}
}

/* A server that copies the Authorization header it got into its error (the leak cases). */
static void echo_auth(const struct fault *f, struct resp *r, const char *auth)
{
	fa_buf_reset(&r->body);
	r->ctype = "application/json";
	r->status = f->kind == F_ECHOAUTH401 ? 401 : f->kind == F_ECHOAUTHGQL ? 200 : 500;
	if (f->kind == F_ECHOAUTHHTML) {
		r->ctype = "text/html";
		fa_buf_adds(&r->body, "<html><body><h1>500</h1><p>bad header: ");
		fa_buf_adds(&r->body, auth ? auth : "");
		fa_buf_adds(&r->body, "</p></body></html>");
		return;
	}
	fa_buf_adds(&r->body, f->kind == F_ECHOAUTHGQL ? "{\"data\":null,\"errors\":[{\"message\":\"denied: "
							: "{\"error\":\"denied: ");
	fa_buf_adds(&r->body, auth ? auth : "");
	fa_buf_adds(&r->body, f->kind == F_ECHOAUTHGQL ? "\"}]}" : "\"}");
}

/* A 200 whose gzip body inflates to `mib` MiB of JSON (an array of spaces): a few tens
 * of KB on the wire. Built once per size and shared (read-only). */
static void gzip_bomb(struct resp *r, long mib)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static unsigned char *gz;
	static size_t gz_len;
	static long gz_mib;

	pthread_mutex_lock(&mu);
	if (!gz || gz_mib != mib) {
		z_stream z;
		size_t total = (size_t)mib * 1024 * 1024, done = 0, cap = total / 500 + 65536;
		unsigned char chunk[65536];
		int ok = 1;

		free(gz);
		gz = malloc(cap);
		gz_len = 0;
		gz_mib = mib;
		memset(&z, 0, sizeof z);
		memset(chunk, ' ', sizeof chunk);
		if (!gz || deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
			ok = 0;
		} else {
			z.next_out = gz;
			z.avail_out = (uInt)cap;
			while (ok && done < total + 2) {
				size_t n = total + 2 - done;

				if (n > sizeof chunk)
					n = sizeof chunk;
				chunk[0] = done == 0 ? '[' : ' ';
				if (done + n == total + 2)
					chunk[n - 1] = ']';
				z.next_in = chunk;
				z.avail_in = (uInt)n;
				if (deflate(&z, done + n == total + 2 ? Z_FINISH : Z_NO_FLUSH) == Z_STREAM_ERROR ||
				    z.avail_out == 0)
					ok = 0;
				chunk[0] = ' ';
				chunk[n - 1] = ' ';
				done += n;
			}
			gz_len = cap - z.avail_out;
			deflateEnd(&z);
		}
		if (!ok) {
			free(gz);
			gz = NULL;
		}
	}
	fa_buf_reset(&r->body);
	if (gz && fa_buf_add(&r->body, gz, gz_len) == 0) {
		r->status = 200;
		r->ctype = "application/json";
		r->gzip = 1;
	} else {
		set_internal(r, "cannot build the gzip bomb");
	}
	pthread_mutex_unlock(&mu);
}

static void apply_fault(const struct fault *f, struct resp *r)
{
	switch (f->kind) {
	case F_429:
		set_json(r, 429, "{\"error\":\"rate limit exceeded\"}");
		if (f->has_arg)
			snprintf(r->retry_after, sizeof r->retry_after, "%ld", f->arg);
		break;
	case F_429DATE: {
		time_t t = time(NULL) + (f->has_arg ? f->arg : 1);
		struct tm tm;
		set_json(r, 429, "{\"error\":\"rate limit exceeded\"}");
		gmtime_r(&t, &tm);
		strftime(r->retry_after, sizeof r->retry_after, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		break;
	}
	case F_500:
		set_json(r, 500, "{\"error\":\"internal server error\"}");
		break;
	case F_502:
		set_text(r, 502, "502 Bad Gateway\n");
		break;
	case F_503:
		set_json(r, 503, "{\"error\":\"service unavailable\"}");
		break;
	case F_504:
		set_text(r, 504, "upstream request timeout\n");
		break;
	case F_RESET:
		r->reset = 1;
		break;
	case F_OVERSIZE:
		r->status = 200;
		r->ctype = "application/json";
		r->oversize = f->has_arg ? f->arg : 80L * 1024 * 1024;
		if (r->oversize < 16)
			r->oversize = 16;
		break;
	case F_400MISSING:
		set_json(r, 400, "{\"error\":\"could not find app\"}");
		break;
	case F_ECHOAUTH:
	case F_ECHOAUTH401:
	case F_ECHOAUTHHTML:
	case F_ECHOAUTHGQL:
		break; /* respond() has the header */
	case F_GZIPBOMB:
		gzip_bomb(r, f->has_arg ? f->arg : 31);
		break;
	case F_TRUNCATE:
	case F_MALFORMED:
	case F_WRONGTYPES:
	case F_SLOW:
		break;
	}
}

/* ---- MHD plumbing ---- */

struct stream {
	char *data;
	size_t len;   /* bytes actually sent (truncate) */
	long total;   /* oversize length */
};

static ssize_t truncate_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct stream *s = cls;
	size_t n;

	if (pos >= s->len)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = s->len - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, s->data + pos, n);
	return (ssize_t)n;
}

static ssize_t oversize_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char head[] = "{\"padding\":\"";
	const struct stream *s = cls;
	uint64_t total = (uint64_t)s->total;
	size_t n = 0;

	if (pos >= total)
		return MHD_CONTENT_READER_END_OF_STREAM;
	while (n < max && pos < total) {
		if (pos < sizeof head - 1)
			buf[n] = head[pos];
		else if (pos == total - 2)
			buf[n] = '"';
		else if (pos == total - 1)
			buf[n] = '}';
		else
			buf[n] = 'a';
		n++;
		pos++;
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	if (s != NULL) {
		free(s->data);
		free(s);
	}
}

static void count_status(int status)
{
	pthread_mutex_lock(&G.mu);
	if (status >= 100 && status < 600)
		G.status_count[status]++;
	pthread_mutex_unlock(&G.mu);
}

static enum MHD_Result queue(struct MHD_Connection *c, struct resp *r)
{
	struct MHD_Response *mr = NULL;
	struct stream *st = NULL;
	char rid[64];
	enum MHD_Result ret;
	size_t len = 0;
	char *data = NULL;

	if (r->reset) {
		pthread_mutex_lock(&G.mu);
		G.resets++;
		pthread_mutex_unlock(&G.mu);
		return MHD_NO;
	}
	if (r->oversize > 0 || r->truncate) {
		st = calloc(1, sizeof *st);
		if (st == NULL)
			return MHD_NO;
		if (r->oversize > 0) {
			st->total = r->oversize;
			mr = MHD_create_response_from_callback((uint64_t)r->oversize, 65536,
							       oversize_reader, st, stream_free);
		} else {
			st->data = fa_buf_detach(&r->body, &len);
			st->len = len / 2;
			mr = MHD_create_response_from_callback(len > 0 ? (uint64_t)len : 1, 4096, truncate_reader,
							       st, stream_free);
		}
		if (mr == NULL)
			stream_free(st);
	} else {
		data = fa_buf_detach(&r->body, &len);
		if (data != NULL)
			mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (mr == NULL)
			free(data);
	}
	if (mr == NULL)
		return MHD_NO;
	pthread_mutex_lock(&G.mu);
	G.reqid++;
	snprintf(rid, sizeof rid, "01JFLYM0CK%016lX-iad", G.reqid);
	pthread_mutex_unlock(&G.mu);
	MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
				r->ctype != NULL ? r->ctype : "application/json");
	MHD_add_response_header(mr, "fly-request-id", rid);
	if (r->gzip)
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (r->retry_after[0] != '\0')
		MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, r->retry_after);
	if (r->www_auth[0] != '\0')
		MHD_add_response_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_auth);
	if (r->location[0] != '\0')
		MHD_add_response_header(mr, MHD_HTTP_HEADER_LOCATION, r->location);
	if (r->next_cursor[0] != '\0')
		MHD_add_response_header(mr, "fly-next-cursor", r->next_cursor);
	ret = MHD_queue_response(c, (unsigned int)r->status, mr);
	MHD_destroy_response(mr);
	count_status(r->status);
	return ret;
}

static enum MHD_Result serve_stats(struct MHD_Connection *c)
{
	struct resp r;
	size_t i;
	int first = 1;

	memset(&r, 0, sizeof r);
	fa_buf_init(&r.body, 0);
	pthread_mutex_lock(&G.mu);
	fa_buf_printf(&r.body,
		      "{\"requests\":%lu,\"in_flight\":%lu,\"peak_in_flight\":%lu,"
		      "\"connections\":%lu,\"open_connections\":%lu,\"status\":{",
		      G.requests, G.in_flight > 0 ? G.in_flight - 1 : 0, G.peak, G.connections,
		      G.open_conns);
	for (i = 100; i < 600; i++) {
		if (G.status_count[i] == 0)
			continue;
		fa_buf_printf(&r.body, "%s\"%zu\":%lu", first ? "" : ",", i, G.status_count[i]);
		first = 0;
	}
	fa_buf_printf(&r.body, "},\"rate_limited\":%lu,\"resets\":%lu,\"registry_requests\":%lu,"
		      "\"registry_leaks\":%lu}", G.rate_limited, G.resets,
		      __sync_fetch_and_add(&fm_registry_requests, 0), __sync_fetch_and_add(&fm_registry_leaks, 0));
	pthread_mutex_unlock(&G.mu);
	r.status = r.body.data != NULL ? 200 : 500;
	r.ctype = "application/json";
	{
		char *data = NULL;
		size_t len = 0;
		struct MHD_Response *mr = NULL;
		enum MHD_Result ret;
		data = fa_buf_detach(&r.body, &len);
		if (data == NULL)
			return MHD_NO;
		mr = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
		if (mr == NULL) {
			free(data);
			return MHD_NO;
		}
		MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		ret = MHD_queue_response(c, MHD_HTTP_OK, mr);
		MHD_destroy_response(mr);
		return ret;
	}
}

/* 1 when the client reached us over TLS: ours, or a TLS proxy's (X-Forwarded-Proto). */
static int scheme_tls(struct MHD_Connection *c)
{
	const char *xfp = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");

	if (xfp != NULL)
		return strcasecmp(xfp, "https") == 0;
	return G.tls;
}

static enum MHD_Result respond(struct MHD_Connection *c, const char *url, const char *method,
			       struct req *q)
{
	struct resp r;
	const struct fault *f = NULL;
	long delay = G.latency_ms;
	unsigned long reqno;
	int authed;
	int is_gql = strcmp(url, "/graphql") == 0;
	enum MHD_Result ret;

	if (strcmp(url, "/__mock/stats") == 0 && strcmp(method, "GET") == 0)
		return serve_stats(c);
	cur_host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	memset(&r, 0, sizeof r);
	fa_buf_init(&r.body, 0);
	pthread_mutex_lock(&G.mu);
	reqno = ++G.requests;
	if (G.jitter_ms > 0)
		delay += (long)(splitmix(&G.rng) % (uint64_t)(G.jitter_ms + 1));
	pthread_mutex_unlock(&G.mu);
	f = pick_fault(url, &delay);
	mock_sleep(delay);

	authed = token_ok(MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
	if (G.revoke_after >= 0 && reqno > (unsigned long)G.revoke_after)
		authed = 0;

	if (f != NULL && (f->kind == F_ECHOAUTH || f->kind == F_ECHOAUTH401 || f->kind == F_ECHOAUTHHTML ||
			  f->kind == F_ECHOAUTHGQL)) {
		echo_auth(f, &r, MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION));
		goto send;
	}
	if (f != NULL && f->kind != F_TRUNCATE && f->kind != F_MALFORMED && f->kind != F_WRONGTYPES) {
		apply_fault(f, &r);
		goto send;
	}
	if (authed && canned_body(c, url, &r))
		goto send;
	if (q->too_big) {
		set_json(&r, 413, "{\"error\":\"request body too large\"}");
		goto send;
	}
	if (strcmp(method, "GET") == 0) {
		fm_reg_answer ra;

		memset(&ra, 0, sizeof ra);
		ra.body = &r.body;
		if (fm_registry_answer(&G.src, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host"), url,
				       MHD_lookup_connection_value(c, MHD_HEADER_KIND,
								   MHD_HTTP_HEADER_AUTHORIZATION),
				       scheme_tls(c), &ra)) {
			r.status = ra.status;
			r.ctype = ra.ctype;
			memcpy(r.www_auth, ra.www_auth, sizeof r.www_auth);
			memcpy(r.location, ra.location, sizeof r.location);
			goto send;
		}
	}
	if (is_gql && strcmp(method, "POST") == 0) {
		if (!global_ok()) {
			too_many(&r);
			goto send;
		}
		r.status = 200;
		r.ctype = "application/json";
		if ((authed ? fm_graphql(&G.src, q->upload.data, q->upload.len, &r.body)
			    : fm_graphql_unauthorized(&r.body)) != 0)
			set_internal(&r, "out of memory");
		goto send;
	}
	if (strcmp(method, "GET") == 0 && strncmp(url, "/v1/", 4) == 0) {
		if (!global_ok()) {
			too_many(&r);
			goto send;
		}
		if (route_rest(c, url, authed, &r) == 0)
			goto send;
	}
	set_text(&r, 404, "404 page not found\n");
send:
	if (f != NULL && (f->kind == F_TRUNCATE || f->kind == F_MALFORMED || f->kind == F_WRONGTYPES))
		apply_body_fault(f, &r);
	ret = queue(c, &r);
	fa_buf_release(&r.body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)version;
	if (q == NULL) {
		q = calloc(1, sizeof *q);
		if (q == NULL)
			return MHD_NO;
		fa_buf_init(&q->upload, UPLOAD_MAX);
		*con_cls = q;
		pthread_mutex_lock(&G.mu);
		G.in_flight++;
		if (G.in_flight > G.peak)
			G.peak = G.in_flight;
		pthread_mutex_unlock(&G.mu);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!q->too_big && fa_buf_add(&q->upload, upload_data, *upload_size) != 0)
			q->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	return respond(c, url, method, q);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (q == NULL)
		return;
	pthread_mutex_lock(&G.mu);
	if (G.in_flight > 0)
		G.in_flight--;
	pthread_mutex_unlock(&G.mu);
	fa_buf_release(&q->upload);
	free(q);
	*con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	(void)cls;
	(void)c;
	(void)socket_context;
	pthread_mutex_lock(&G.mu);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		G.connections++;
		G.open_conns++;
	} else if (G.open_conns > 0) {
		G.open_conns--;
	}
	pthread_mutex_unlock(&G.mu);
}

static void on_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	if (G.quiet)
		return;
	fputs("flymock: mhd: ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- command line ---- */

static void usage(FILE *out)
{
	fputs("usage: flymock [--port N] [--bind ADDR] [--tls-cert FILE --tls-key FILE]\n"
	      "               [--fixtures DIR] [--org demo | --synthetic N] [--token T]...\n"
	      "               [--latency MS] [--jitter MS] [--fault SPEC]... [--revoke-after N]\n"
	      "               [--rate-limit on|off] [--global-rate R] [--max-conns N] [--quiet]\n"
	      "               [--graphql-max-page N] [--body PATH[@CURSOR]=FILE]... [--deny-members]\n"
	      "               [--members N] [--graphql-max-apps N] [--page-size N] [--page-repeat 0|1]\n"
	      "               [--registry basic|bearer|401|mismatch|redirect|foreign-realm|layers|bomb|layer-mismatch[,...]]\n"
	      "               [--second-org N] [--deny-org SLUG]\n"
	      "       flymock --mint-token readonly|org|deploy:APPID|user   (print a Fly-shaped token, valid 90 days)\n"
	      "fault SPEC: KIND[:ARG][,path=SUBSTR][,first=N|,every=N]; KIND: 429 429date 500\n"
	      "  502 503 504 reset truncate malformed wrongtypes oversize slow 400missing\n",
	      out);
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_fault(const char *spec, struct fault *f, char *err, size_t errlen)
{
	char buf[512];
	char *part = NULL;
	char *next = NULL;
	char *colon = NULL;
	size_t i;
	int found = 0;

	memset(f, 0, sizeof *f);
	if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) {
		snprintf(err, errlen, "fault spec too long");
		return -1;
	}
	part = buf;
	next = strchr(part, ',');
	if (next != NULL)
		*next++ = '\0';
	colon = strchr(part, ':');
	if (colon != NULL) {
		*colon++ = '\0';
		if (parse_long(colon, 0, LONG_MAX, &f->arg) != 0) {
			snprintf(err, errlen, "bad fault argument in '%s'", spec);
			return -1;
		}
		f->has_arg = 1;
	}
	for (i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++) {
		if (strcmp(part, fault_names[i].name) == 0) {
			f->kind = fault_names[i].kind;
			found = 1;
		}
	}
	if (!found) {
		snprintf(err, errlen, "unknown fault kind in '%s'", spec);
		return -1;
	}
	while (next != NULL) {
		part = next;
		next = strchr(part, ',');
		if (next != NULL)
			*next++ = '\0';
		if (strncmp(part, "path=", 5) == 0) {
			snprintf(f->path, sizeof f->path, "%s", part + 5);
		} else if (strncmp(part, "first=", 6) == 0) {
			if (parse_long(part + 6, 1, LONG_MAX, &f->first) != 0)
				goto bad;
		} else if (strncmp(part, "every=", 6) == 0) {
			if (parse_long(part + 6, 1, LONG_MAX, &f->every) != 0)
				goto bad;
		} else {
			goto bad;
		}
	}
	if (f->first > 0 && f->every > 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad fault option in '%s'", spec);
	return -1;
}

static int add_token(const char *t)
{
	if (t[0] == '\0')
		return 0;
	if (G.ntokens >= MAX_TOKENS)
		return -1;
	G.tokens[G.ntokens] = strdup(t);
	if (G.tokens[G.ntokens] == NULL)
		return -1;
	G.ntokens++;
	return 0;
}

static int add_token_list(const char *list)
{
	char buf[AUTH_MAX];
	char *p = buf;

	if (snprintf(buf, sizeof buf, "%s", list) >= (int)sizeof buf)
		return -1;
	while (p != NULL) {
		char *comma = strchr(p, ',');
		if (comma != NULL)
			*comma++ = '\0';
		while (*p == ' ')
			p++;
		if (add_token(p) != 0)
			return -1;
		p = comma;
	}
	return 0;
}

static char *slurp(const char *path)
{
	fa_buf b = FA_BUF_INIT(1024 * 1024);
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (fa_buf_add(&b, chunk, n) != 0)
			break;
	fclose(f);
	return b.data;
}

/* --body PATH[@CURSOR]=FILE */
static int add_body(const char *spec, char *err, size_t errlen)
{
	struct canned *b = NULL;
	const char *eq = strchr(spec, '=');
	const char *at = NULL;
	fa_buf data = FA_BUF_INIT(64 * 1024 * 1024);
	FILE *f = NULL;
	char chunk[4096];
	size_t n, plen;

	if (G.nbodies >= MAX_BODIES || eq == NULL || spec[0] != '/') {
		snprintf(err, errlen, "bad --body '%s' (PATH[@CURSOR]=FILE)", spec);
		return -1;
	}
	b = &G.bodies[G.nbodies];
	memset(b, 0, sizeof *b);
	at = memchr(spec, '@', (size_t)(eq - spec));
	plen = (size_t)((at ? at : eq) - spec);
	if (plen >= sizeof b->path || (at && (size_t)(eq - at - 1) >= sizeof b->cursor)) {
		snprintf(err, errlen, "--body path too long");
		return -1;
	}
	memcpy(b->path, spec, plen);
	if (at)
		memcpy(b->cursor, at + 1, (size_t)(eq - at - 1));
	f = fopen(eq + 1, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "cannot read '%s'", eq + 1);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (fa_buf_add(&data, chunk, n) != 0)
			break;
	fclose(f);
	b->data = fa_buf_detach(&data, &b->len);
	if (b->data == NULL)
		b->data = calloc(1, 1);
	if (b->data == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	G.nbodies++;
	return 0;
}

int main(int argc, char **argv)
{
	const char *port_s = "0";
	const char *bind_addr = "127.0.0.1";
	const char *cert_file = NULL;
	const char *key_file = NULL;
	const char *fixtures = "mocks/fixtures";
	const char *org = "demo";
	const char *env_tokens = getenv("FLYMOCK_TOKENS");
	long synthetic = 0;
	long second = 0;
	long port = 0;
	long max_conns = 1024;
	char *cert_pem = NULL;
	char *key_pem = NULL;
	char err[512];
	char dir[4200];
	struct sockaddr_in sin4;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa = NULL;
	int v6 = 0;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info = NULL;
	unsigned int flags;
	sigset_t sigs;
	int sig = 0;
	int i;
	int rc = 1;

	pthread_mutex_init(&G.mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&G.stop_cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--edge") == 0)
			return fm_edge_main(argc, argv);
	G.revoke_after = -1;
	G.rate_limit = 1;
	G.rng = 0x5eed;
	for (i = 1; i < argc; i++) {
		const char *opt = argv[i];
		const char *val = NULL;
		const char *eq = NULL;
		char name[64];
		size_t nlen;

		if (strcmp(opt, "--quiet") == 0) {
			G.quiet = 1;
			continue;
		}
		if (strcmp(opt, "--deny-members") == 0) {
			fm_deny_members = 1;
			continue;
		}
		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strncmp(opt, "--", 2) != 0)
			goto bad_usage;
		eq = strchr(opt, '=');
		nlen = eq != NULL ? (size_t)(eq - opt) : strlen(opt);
		if (nlen >= sizeof name)
			goto bad_usage;
		memcpy(name, opt, nlen);
		name[nlen] = '\0';
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			goto bad_usage;
		if (strcmp(name, "--mint-token") == 0) {
			/* print a Fly-shaped token (readonly, org or user) and exit */
			fa_buf tok = FA_BUF_INIT(4096);
			int ok = fm_mint_token(val, 90, &tok) == 0;

			if (ok)
				printf("%s\n", tok.data);
			else
				fprintf(stderr, "flymock: --mint-token wants readonly, org, deploy:APP_NUMERIC_ID or user\n");
			fa_buf_cleanse(&tok);
			return ok ? 0 : 2;
		} else if (strcmp(name, "--page-repeat") == 0) {
			if (parse_long(val, 0, 1, &fm_page_repeat) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--page-size") == 0) {
			if (parse_long(val, 1, 1000, &fm_page_size) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--graphql-max-apps") == 0) {
			if (parse_long(val, 1, 1000000, &fm_graphql_max_apps) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--members") == 0) {
			if (parse_long(val, 0, 1000000, &fm_synth_members) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--graphql-max-page") == 0) {
			if (parse_long(val, 1, 1000000, &fm_graphql_max_page) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--port") == 0) {
			port_s = val;
		} else if (strcmp(name, "--bind") == 0) {
			bind_addr = val;
		} else if (strcmp(name, "--tls-cert") == 0) {
			cert_file = val;
		} else if (strcmp(name, "--tls-key") == 0) {
			key_file = val;
		} else if (strcmp(name, "--fixtures") == 0) {
			fixtures = val;
		} else if (strcmp(name, "--org") == 0) {
			org = val;
		} else if (strcmp(name, "--second-org") == 0) {
			if (parse_long(val, 1, 1000, &second) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--deny-org") == 0) {
			if (snprintf(G.deny_org, sizeof G.deny_org, "%s", val) >= (int)sizeof G.deny_org)
				goto bad_usage;
		} else if (strcmp(name, "--synthetic") == 0) {
			if (parse_long(val, 1, 1000000, &synthetic) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--token") == 0) {
			if (add_token(val) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--latency") == 0) {
			if (parse_long(val, 0, 600000, &G.latency_ms) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--jitter") == 0) {
			if (parse_long(val, 0, 600000, &G.jitter_ms) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--fault") == 0) {
			if (G.nfaults >= MAX_FAULTS) {
				fprintf(stderr, "flymock: too many --fault\n");
				return 2;
			}
			if (parse_fault(val, &G.faults[G.nfaults], err, sizeof err) != 0) {
				fprintf(stderr, "flymock: %s\n", err);
				return 2;
			}
			G.nfaults++;
		} else if (strcmp(name, "--body") == 0) {
			if (add_body(val, err, sizeof err) != 0) {
				fprintf(stderr, "flymock: %s\n", err);
				return 2;
			}
		} else if (strcmp(name, "--revoke-after") == 0) {
			if (parse_long(val, 0, LONG_MAX, &G.revoke_after) != 0)
				goto bad_usage;
		} else if (strcmp(name, "--rate-limit") == 0) {
			if (strcmp(val, "on") == 0)
				G.rate_limit = 1;
			else if (strcmp(val, "off") == 0)
				G.rate_limit = 0;
			else
				goto bad_usage;
		} else if (strcmp(name, "--global-rate") == 0) {
			long r = 0;
			if (parse_long(val, 0, 1000000, &r) != 0)
				goto bad_usage;
			G.global_rate = (double)r;
		} else if (strcmp(name, "--registry") == 0) {
			char modes[256];
			char *tok, *save = NULL;

			snprintf(modes, sizeof modes, "%s", val);
			fm_registry_mode = 0;
			for (tok = strtok_r(modes, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (strcmp(tok, "basic") == 0) fm_registry_mode |= FM_REG_BASIC;
				else if (strcmp(tok, "bearer") == 0) fm_registry_mode |= FM_REG_BEARER;
				else if (strcmp(tok, "401") == 0) fm_registry_mode |= FM_REG_401;
				else if (strcmp(tok, "mismatch") == 0) fm_registry_mode |= FM_REG_MISMATCH;
				else if (strcmp(tok, "redirect") == 0) fm_registry_mode |= FM_REG_REDIRECT;
				else if (strcmp(tok, "foreign-realm") == 0) fm_registry_mode |= FM_REG_FOREIGN_REALM;
				else if (strcmp(tok, "layers") == 0) fm_registry_mode |= FM_REG_LAYERS;
				else if (strcmp(tok, "bomb") == 0) fm_registry_mode |= FM_REG_BOMB;
				else if (strcmp(tok, "layer-mismatch") == 0) fm_registry_mode |= FM_REG_LAYER_MISMATCH;
				else goto bad_usage;
			}
		} else if (strcmp(name, "--max-conns") == 0) {
			if (parse_long(val, 1, 100000, &max_conns) != 0)
				goto bad_usage;
		} else {
			goto bad_usage;
		}
	}
	G.max_conns = (unsigned int)max_conns;
	if (parse_long(port_s, 0, 65535, &port) != 0)
		goto bad_usage;
	if (env_tokens != NULL && add_token_list(env_tokens) != 0) {
		fprintf(stderr, "flymock: bad FLYMOCK_TOKENS\n");
		return 2;
	}
	if ((cert_file == NULL) != (key_file == NULL)) {
		fprintf(stderr, "flymock: --tls-cert and --tls-key go together\n");
		return 2;
	}

	memset(&sin4, 0, sizeof sin4);
	memset(&sin6, 0, sizeof sin6);
	if (inet_pton(AF_INET, bind_addr, &sin4.sin_addr) == 1) {
		sin4.sin_family = AF_INET;
		sin4.sin_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&sin4;
		if (cert_file == NULL && (ntohl(sin4.sin_addr.s_addr) >> 24) != 127) {
			fprintf(stderr, "flymock: plain HTTP only on loopback (use --tls-cert)\n");
			return 2;
		}
	} else if (inet_pton(AF_INET6, bind_addr, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((uint16_t)port);
		sa = (struct sockaddr *)&sin6;
		v6 = 1;
		if (cert_file == NULL && !IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr)) {
			fprintf(stderr, "flymock: plain HTTP only on loopback (use --tls-cert)\n");
			return 2;
		}
	} else {
		fprintf(stderr, "flymock: --bind needs a numeric address\n");
		return 2;
	}

	if (synthetic > 0) {
		/* the shared images (and --registry layers|bomb's big layer) before any thread */
		fm_registry_synth_init();
		if (fm_synth_open(&G.src, synthetic, err, sizeof err) != 0) {
			fprintf(stderr, "flymock: %s\n", err);
			return 2;
		}
	} else {
		snprintf(dir, sizeof dir, "%s/%s", fixtures, org);
		if (fm_demo_open(&G.src, dir, err, sizeof err) != 0) {
			fprintf(stderr, "flymock: %s\n", err);
			return 2;
		}
	}
	if (second > 0) {
		if (synthetic > 0) {
			fprintf(stderr, "flymock: --second-org is the synthetic org: use it with --org\n");
			return 2;
		}
		if (fm_synth_open(&G.src2, second, err, sizeof err) != 0) {
			fprintf(stderr, "flymock: %s\n", err);
			return 2;
		}
		G.have_src2 = 1;
		fm_second_src = &G.src2;
	}
	if (cert_file != NULL) {
		cert_pem = slurp(cert_file);
		key_pem = slurp(key_file);
		if (cert_pem == NULL || key_pem == NULL) {
			fprintf(stderr, "flymock: cannot read --tls-cert/--tls-key\n");
			goto cleanup;
		}
	}

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
		MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	if (cert_pem != NULL)
		flags |= MHD_USE_TLS;
	if (cert_pem != NULL)
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
				     MHD_OPTION_SOCK_ADDR, sa,
				     MHD_OPTION_CONNECTION_LIMIT, G.max_conns,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
				     MHD_OPTION_THREAD_STACK_SIZE, (size_t)512 * 1024,
				     MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_HTTPS_MEM_CERT, cert_pem,
				     MHD_OPTION_HTTPS_MEM_KEY, key_pem,
				     MHD_OPTION_END);
	else
		d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, NULL,
				     MHD_OPTION_EXTERNAL_LOGGER, on_log, NULL,
				     MHD_OPTION_SOCK_ADDR, sa,
				     MHD_OPTION_CONNECTION_LIMIT, G.max_conns,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
				     MHD_OPTION_THREAD_STACK_SIZE, (size_t)512 * 1024,
				     MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
				     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
				     MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "flymock: cannot start the server on %s:%s\n", bind_addr, port_s);
		goto cleanup;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info == NULL) {
		fprintf(stderr, "flymock: cannot learn the bound port\n");
		goto cleanup;
	}
	G.port = (unsigned int)info->port;
	G.tls = cert_pem != NULL;
	printf("flymock listening on %s://%s%s%s:%u\n", cert_pem != NULL ? "https" : "http",
	       v6 ? "[" : "", bind_addr, v6 ? "]" : "", (unsigned int)info->port);
	fflush(stdout);
	if (!G.quiet)
		fprintf(stderr, "flymock: org %s (%zu apps)%s\n", G.src.org_slug, G.src.napps,
			G.ntokens == 0 ? ", any non-empty token accepted" : "");

	while (sigwait(&sigs, &sig) != 0)
		;
	if (!G.quiet)
		fprintf(stderr, "flymock: signal %d, stopping\n", sig);
	rc = 0;
cleanup:
	pthread_mutex_lock(&G.mu);
	G.stopping = 1;
	pthread_cond_broadcast(&G.stop_cond);
	pthread_mutex_unlock(&G.mu);
	if (d != NULL)
		MHD_stop_daemon(d);
	for (i = 0; i < BUCKETS; i++) {
		while (G.buckets[i] != NULL) {
			struct bucket *b = G.buckets[i];
			G.buckets[i] = b->next;
			free(b->key);
			free(b);
		}
	}
	for (i = 0; i < (int)G.ntokens; i++)
		free(G.tokens[i]);
	free(cert_pem);
	if (key_pem != NULL) {
		fa_memzero(key_pem, strlen(key_pem));
		free(key_pem);
	}
	fm_source_close(&G.src);
	fm_source_close(&G.src2);
	return rc;
bad_usage:
	usage(stderr);
	return 2;
}
