/* registry.c: reading the images machines run from their registries, over the run's fa_net.
 * One fetch per unique image per run: manifest (an index is resolved to linux/amd64), then
 * the config blob, each verified against its sha256 digest. Basic `x:<macaroons>` goes to
 * Fly's registry only; a Bearer challenge is followed with those credentials only when its
 * realm is on Fly's registry host; everything else is anonymous. Blob redirects are
 * followed without any Authorization header; manifest redirects are refused. */
#include "flyaudit/registry.h"

#include <openssl/evp.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flyaudit/api.h"
#include "flyaudit/buf.h"
#include "flyaudit/layers.h"

#define SLOTS 1024
#define MAX_REDIRECTS 3
#define ERRLEN 256

enum { ST_MANIFEST = 1, ST_CONFIG, ST_TOKEN, ST_BLOB_REDIRECT, ST_LAYER, ST_LAYER_REDIRECT };

#define LAYER_PARALLEL 4 /* layer streams in flight (each with a libarchive thread) */

typedef struct waiter {
	struct waiter *next;
	fa_registry_cb cb;
	void *ud;
} waiter;

typedef struct entry {
	struct entry *next;
	fa_registry *reg;
	char *key;
	fa_image img;
	bool done;
	waiter *waiters;
	/* while in flight */
	fa_image_ref ref;
	char *base;       /* https://host of the image's registry */
	bool fly;         /* the Fly registry: Basic credentials allowed */
	char *bearer_hdr; /* "Authorization: Bearer ..." once a challenge was answered */
	bool tried_token;
	bool sent_creds;  /* the token request carried the Fly credentials */
	int stage, resume;
	char *doc_digest; /* the manifest asked for by digest (verified), NULL by tag */
	int hops;         /* index -> manifest */
	int redirects;
	/* --image-layers: the layers, one at a time */
	fa_layer_desc *layers;
	size_t n_layers, layer_i;
	fa_layer_reader *reader;
	EVP_MD_CTX *md;
	long long layer_got;    /* compressed bytes of this layer so far */
	char layer_stop[160];   /* why this layer was stopped by us (a cap) */
	size_t layer_notes;     /* layers not read whole */
	struct entry *lq_next;  /* waiting for a layer slot */
	bool queued, active;
	/* a layer another image is reading at this moment is not asked for twice: the image
	 * waits on that reader (lw_next chains the waiters of one reader) and takes the
	 * result from the per-digest cache when it is in */
	struct entry *lw_head, *lw_next;
} entry;

struct fa_registry {
	fa_net *net;
	char *fly_base;
	char *fly_host; /* host[:port] of fly_base, for realm and reference matching */
	char *basic_hdr;
	unsigned char hash_key[FA_API_HASH_KEY_LEN];
	entry *slots[SLOTS];
	fa_registry_stats st;
	int verbose;
	bool layers;
	long long layer_max_compressed, layer_max_unpacked, run_max_compressed, run_max_unpacked;
	size_t layer_active;
	entry *lq_head, *lq_tail;
	struct lcache *lc[SLOTS]; /* layer results by digest */
};

static void lcache_free(struct lcache *c);

/* ---- small helpers ------------------------------------------------------------------- */

static void cleanse_free(char *s)
{
	if (s) {
		fa_memzero(s, strlen(s));
		free(s);
	}
}

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *p = malloc(la + lb + lc + 1);

	if (!p)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, lb);
	memcpy(p + la + lb, c, lc + 1);
	return p;
}

/* host[:port] of an http(s) URL, lowercased, into out. */
static int url_host(const char *url, char *out, size_t outlen)
{
	const char *p = strstr(url, "://"), *e;
	size_t n, i;

	if (!p)
		return -1;
	p += 3;
	e = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(e - p)))
		return -1; /* no userinfo in a URL we send to */
	n = (size_t)(e - p);
	if (n == 0 || n >= outlen)
		return -1;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)p[i]);
	out[n] = '\0';
	return 0;
}

int fa_registry_base(const char *h, char *out, size_t outlen, char *err, size_t errlen)
{
	char url[600], why[200];
	size_t n;

	if (!h || !h[0] || strlen(h) > 500 || strpbrk(h, " \t\r\n\\#?@")) {
		snprintf(err, errlen, "FLY_REGISTRY_HOST must be a host or a base URL");
		return -1;
	}
	if (strstr(h, "://"))
		snprintf(url, sizeof(url), "%s", h);
	else
		snprintf(url, sizeof(url), "https://%s", h);
	n = strlen(url);
	while (n > 8 && url[n - 1] == '/')
		url[--n] = '\0';
	if (fa_net_check_base(url, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "FLY_REGISTRY_HOST: %s", why);
		return -1;
	}
	if (n + 1 > outlen) {
		snprintf(err, errlen, "FLY_REGISTRY_HOST is too long");
		return -1;
	}
	memcpy(out, url, n + 1);
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

int fa_registry_new(fa_registry **out, const fa_registry_opts *o, char *err, size_t errlen)
{
	fa_registry *r = NULL;
	char base[600], host[300];

	*out = NULL;
	if (!o || !o->net) {
		snprintf(err, errlen, "no transport");
		return -1;
	}
	if (fa_registry_base(o->fly_registry ? o->fly_registry : FA_REGISTRY_DEFAULT_HOST, base,
			     sizeof(base), err, errlen) < 0)
		return -1;
	if (url_host(base, host, sizeof(host)) < 0) {
		snprintf(err, errlen, "FLY_REGISTRY_HOST has no host");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->net = o->net;
	r->verbose = o->verbose;
	r->layers = o->layers;
	r->layer_max_compressed = o->layer_max_compressed > 0 ? o->layer_max_compressed
							       : FA_LAYER_DEFAULT_MAX_COMPRESSED;
	r->layer_max_unpacked = o->layer_max_unpacked > 0 ? o->layer_max_unpacked
							   : FA_LAYER_DEFAULT_MAX_UNPACKED;
	r->run_max_compressed = o->run_max_compressed > 0 ? o->run_max_compressed
							   : FA_LAYER_DEFAULT_RUN_COMPRESSED;
	r->run_max_unpacked = o->run_max_unpacked > 0 ? o->run_max_unpacked
						       : FA_LAYER_DEFAULT_RUN_UNPACKED;
	if (o->hash_key)
		memcpy(r->hash_key, o->hash_key, sizeof(r->hash_key));
	if (!(r->fly_base = strdup(base)) || !(r->fly_host = strdup(host)))
		goto oom;
	if (o->basic_credentials && o->basic_credentials[0]) {
		static const char name[] = "Authorization: Basic ";
		size_t cl = strlen(o->basic_credentials), el = 4 * ((cl + 2) / 3);

		if (strpbrk(o->basic_credentials, "\r\n")) {
			snprintf(err, errlen, "the registry credentials contain a line break");
			fa_registry_free(r);
			return -1;
		}
		r->basic_hdr = malloc(sizeof(name) + el + 1);
		if (!r->basic_hdr)
			goto oom;
		memcpy(r->basic_hdr, name, sizeof(name) - 1);
		EVP_EncodeBlock((unsigned char *)r->basic_hdr + sizeof(name) - 1,
				(const unsigned char *)o->basic_credentials, (int)cl);
	}
	*out = r;
	return 0;
oom:
	fa_registry_free(r);
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void entry_transient_free(entry *e)
{
	fa_image_ref_release(&e->ref);
	free(e->base);
	e->base = NULL;
	cleanse_free(e->bearer_hdr);
	e->bearer_hdr = NULL;
	free(e->doc_digest);
	e->doc_digest = NULL;
	for (size_t i = 0; e->layers && i < e->n_layers; i++) {
		free(e->layers[i].digest);
		free(e->layers[i].media_type);
	}
	free(e->layers);
	e->layers = NULL;
	e->n_layers = 0;
	fa_layer_reader_free(e->reader);
	e->reader = NULL;
	EVP_MD_CTX_free(e->md);
	e->md = NULL;
}

void fa_registry_free(fa_registry *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < SLOTS; i++) {
		entry *e = r->slots[i], *nx;

		for (; e; e = nx) {
			waiter *w = e->waiters, *wn;

			nx = e->next;
			for (; w; w = wn) {
				wn = w->next;
				free(w);
			}
			entry_transient_free(e);
			fa_image_release(&e->img);
			free(e->key);
			free(e);
		}
	}
	for (i = 0; i < SLOTS; i++) {
		struct lcache *c = r->lc[i], *cn;

		for (; c; c = cn) {
			cn = *(struct lcache **)c; /* next is the first member */
			lcache_free(c);
		}
	}
	free(r->fly_base);
	free(r->fly_host);
	cleanse_free(r->basic_hdr);
	free(r);
}

void fa_registry_get_stats(const fa_registry *r, fa_registry_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (r)
		*out = r->st;
}

/* ---- the fetch ------------------------------------------------------------------------ */

static void finish(entry *e)
{
	waiter *w = e->waiters, *wn;

	e->done = true;
	e->waiters = NULL;
	entry_transient_free(e);
	if (!e->img.load.loaded)
		e->reg->st.failed++;
	for (; w; w = wn) {
		wn = w->next;
		if (w->cb)
			w->cb(w->ud, &e->img);
		free(w);
	}
}

static void fail(entry *e, int status, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void fail(entry *e, int status, const char *fmt, ...)
{
	char msg[ERRLEN + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fa_load_fail(&e->img.load, status, msg);
	finish(e);
}

static void on_response(void *ud, const fa_response *res);
static void layers_start(entry *e);
static uint32_t hash_key(const char *s);
static const struct lcache *lcache_get(const fa_registry *r, const char *digest);
static void lcache_apply(entry *e, const struct lcache *c);
static void on_layer_response(entry *e, const fa_response *res);

/* GET url with the entry's headers; `auth`: send the registry credentials (never on a
 * redirect, never to a token realm off the Fly host). */
static int get(entry *e, const char *url, bool accept_manifests, bool auth, size_t max_body)
{
	const char *hdrs[2];
	fa_net_url_opts o;
	size_t n = 0;

	if (accept_manifests)
		hdrs[n++] = "Accept: " FA_REGISTRY_ACCEPT;
	if (auth) {
		if (e->bearer_hdr)
			hdrs[n++] = e->bearer_hdr;
		else if (e->fly && e->reg->basic_hdr)
			hdrs[n++] = e->reg->basic_hdr;
	}
	memset(&o, 0, sizeof(o));
	o.headers = hdrs;
	o.n_headers = n;
	o.max_body = max_body;
	e->reg->st.requests++;
	return fa_net_get_url(e->reg->net, url, &o, on_response, e);
}

static void request_stage(entry *e)
{
	char *url = NULL;
	const char *ref;
	int rc;

	if (e->stage == ST_MANIFEST) {
		ref = e->doc_digest ? e->doc_digest : e->ref.tag;
		url = malloc(strlen(e->base) + strlen(e->ref.repository) + strlen(ref) + 20);
		if (url)
			sprintf(url, "%s/v2/%s/manifests/%s", e->base, e->ref.repository, ref);
		rc = url ? get(e, url, true, true, FA_REGISTRY_MAX_MANIFEST) : -1;
	} else {
		url = malloc(strlen(e->base) + strlen(e->ref.repository) +
			     strlen(e->img.config_digest) + 20);
		if (url)
			sprintf(url, "%s/v2/%s/blobs/%s", e->base, e->ref.repository,
				e->img.config_digest);
		rc = url ? get(e, url, false, true, FA_REGISTRY_MAX_CONFIG) : -1;
	}
	free(url);
	if (rc < 0)
		fail(e, 0, "cannot queue a registry request (out of memory or stopped)");
}

static void url_encode(fa_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
			fa_buf_add(b, (const char *)&c, 1);
		} else {
			char enc[3] = {'%', hex[c >> 4], hex[c & 15]};

			fa_buf_add(b, enc, 3);
		}
	}
}

/* A 401 with a Bearer challenge: ask the realm for a token. */
static void challenge(entry *e, const fa_response *res)
{
	fa_auth_challenge ch;
	char host[300], why[200];
	fa_buf url = FA_BUF_INIT(8192);
	bool creds;
	int rc;

	if (e->tried_token) {
		fail(e, 401, "%s refused the token its realm gave%s", e->ref.registry,
		     e->fly && !e->sent_creds ? " (the realm is not on the Fly registry's host: "
						"no credentials were sent there)" : "");
		return;
	}
	if (!res->www_authenticate || fa_auth_challenge_parse(res->www_authenticate, &ch) != 0) {
		fail(e, 401, "%s refused %s", e->ref.registry,
		     (e->fly && e->reg->basic_hdr) ? "the Fly token" : "anonymous access");
		return;
	}
	e->tried_token = true;
	if (fa_net_check_url(ch.realm, why, sizeof(why)) < 0 ||
	    url_host(ch.realm, host, sizeof(host)) < 0) {
		fail(e, 401, "the registry's token realm is not usable: %s", why);
		fa_auth_challenge_release(&ch);
		return;
	}
	/* the Fly credentials go only to a realm on the Fly registry's own host */
	creds = e->fly && strcmp(host, e->reg->fly_host) == 0;
	e->sent_creds = creds;
	fa_buf_add(&url, ch.realm, strlen(ch.realm));
	fa_buf_add(&url, strchr(ch.realm, '?') ? "&" : "?", 1);
	if (ch.service) {
		fa_buf_add(&url, "service=", 8);
		url_encode(&url, ch.service);
		fa_buf_add(&url, "&", 1);
	}
	fa_buf_add(&url, "scope=", 6);
	if (ch.scope) {
		url_encode(&url, ch.scope);
	} else {
		url_encode(&url, "repository:");
		url_encode(&url, e->ref.repository);
		url_encode(&url, ":pull");
	}
	fa_auth_challenge_release(&ch);
	if (!url.data || fa_buf_add(&url, "", 1) < 0) {
		fa_buf_release(&url);
		fail(e, 0, "out of memory");
		return;
	}
	e->resume = e->stage;
	e->stage = ST_TOKEN;
	{
		bool was_fly = e->fly;

		/* a realm elsewhere gets no credentials at all */
		if (!creds)
			e->fly = false;
		rc = get(e, url.data, false, creds, 65536);
		e->fly = was_fly;
	}
	fa_buf_release(&url);
	if (rc < 0)
		fail(e, 0, "cannot queue the token request");
}

static void on_token(entry *e, const fa_response *res)
{
	char err[ERRLEN];
	char *tok = fa_registry_decode_token(res->body, res->len, err, sizeof(err));

	if (!tok) {
		fail(e, (int)res->status, "token endpoint: %s", err);
		return;
	}
	e->bearer_hdr = cat3("Authorization: Bearer ", tok, "");
	cleanse_free(tok);
	if (!e->bearer_hdr) {
		fail(e, 0, "out of memory");
		return;
	}
	e->stage = e->resume;
	request_stage(e);
}

static void on_manifest(entry *e, const fa_response *res)
{
	fa_manifest m;
	char err[ERRLEN], got[72];

	fa_registry_digest_of(res->body, res->len, got);
	if (e->doc_digest && strcmp(got, e->doc_digest) != 0) {
		fail(e, 200, "manifest digest mismatch: asked for %.19s..., got %.19s...",
		     e->doc_digest, got);
		return;
	}
	if (fa_manifest_decode(res->body, res->len, &m, err, sizeof(err)) < 0) {
		fail(e, 200, "invalid manifest: %s", err);
		return;
	}
	if (m.kind == FA_MANIFEST_INDEX) {
		if (!m.platform_digest) {
			fail(e, 200, "the image index (%zu manifests) has no linux/amd64 manifest",
			     m.n_manifests);
		} else if (e->hops++ > 0) {
			fail(e, 200, "an index points to another index");
		} else {
			free(e->doc_digest);
			e->doc_digest = m.platform_digest;
			m.platform_digest = NULL;
			request_stage(e);
		}
		fa_manifest_release(&m);
		return;
	}
	free(e->img.manifest_digest);
	e->img.manifest_digest = strdup(got);
	e->img.config_digest = m.config_digest;
	m.config_digest = NULL;
	e->img.n_layers = m.n_layers;
	e->img.layers_size = m.layers_size;
	if (e->reg->layers) {
		e->layers = m.layers;
		e->n_layers = m.n_layers;
		m.layers = NULL;
		m.n_layers = 0;
	}
	fa_manifest_release(&m);
	if (!e->img.manifest_digest) {
		fail(e, 0, "out of memory");
		return;
	}
	e->stage = ST_CONFIG;
	request_stage(e);
}

static void on_config(entry *e, const fa_response *res)
{
	char err[ERRLEN];

	if (!fa_registry_digest_matches(e->img.config_digest, res->body, res->len)) {
		fail(e, 200, "config blob does not match its digest %.19s...", e->img.config_digest);
		return;
	}
	if (fa_image_config_decode(res->body, res->len, e->reg->hash_key, &e->img, err,
				   sizeof(err)) < 0) {
		fail(e, 200, "invalid image config: %s", err);
		return;
	}
	fa_load_ok(&e->img.load);
	e->img.load.status = 200;
	if (e->reg->layers) {
		layers_start(e);
		return;
	}
	finish(e);
}

/* A 3xx: blobs may be redirected (to a CDN), without credentials; manifests may not. */
static void on_redirect(entry *e, const fa_response *res)
{
	char host[300], why[200];
	char *url = NULL;

	if (e->stage != ST_CONFIG && e->stage != ST_BLOB_REDIRECT) {
		if (!res->location || url_host(res->location, host, sizeof(host)) < 0)
			snprintf(host, sizeof(host), "another place");
		fail(e, (int)res->status, "the registry redirected a %s request to %s: not followed",
		     e->stage == ST_TOKEN ? "token" : "manifest", host);
		return;
	}
	if (!res->location || ++e->redirects > MAX_REDIRECTS) {
		fail(e, (int)res->status, "blob redirect without a location, or too many");
		return;
	}
	if (res->location[0] == '/' && res->location[1] != '/')
		url = cat3(e->base, res->location, "");
	else
		url = strdup(res->location);
	if (!url) {
		fail(e, 0, "out of memory");
		return;
	}
	if (fa_net_check_url(url, why, sizeof(why)) < 0) {
		free(url);
		fail(e, (int)res->status, "blob redirect refused: %s", why);
		return;
	}
	e->stage = ST_BLOB_REDIRECT;
	/* no Authorization header of any kind on a redirect */
	{
		fa_net_url_opts o;

		memset(&o, 0, sizeof(o));
		o.max_body = FA_REGISTRY_MAX_CONFIG;
		e->reg->st.requests++;
		if (fa_net_get_url(e->reg->net, url, &o, on_response, e) < 0)
			fail(e, 0, "cannot queue the blob redirect");
	}
	free(url);
}

static void on_response(void *ud, const fa_response *res)
{
	entry *e = ud;

	if (e->stage == ST_LAYER || e->stage == ST_LAYER_REDIRECT) {
		on_layer_response(e, res);
		return;
	}
	if (res->error != FA_NET_OK) {
		fail(e, 0, "%s", res->errmsg ? res->errmsg : "request failed");
		return;
	}
	if (res->status == 401 && e->stage != ST_TOKEN) {
		challenge(e, res);
		return;
	}
	if (res->status >= 300 && res->status < 400) {
		on_redirect(e, res);
		return;
	}
	if (res->status != 200) {
		const char *what = e->stage == ST_TOKEN ? "the token endpoint"
				   : e->stage == ST_MANIFEST ? "the manifest" : "the config blob";

		if (res->status == 404)
			fail(e, 404, "%s was not found in %s", what, e->ref.registry);
		else if (res->status == 401 || res->status == 403)
			fail(e, (int)res->status, "%s refused access to %s", e->ref.registry, what);
		else
			fail(e, (int)res->status, "%s answered HTTP %ld for %s", e->ref.registry,
			     res->status, what);
		return;
	}
	switch (e->stage) {
	case ST_TOKEN:
		on_token(e, res);
		break;
	case ST_MANIFEST:
		on_manifest(e, res);
		break;
	default:
		on_config(e, res);
		break;
	}
}

/* ---- --image-layers: each layer streamed through client/layers.c ----------------------- */

static void layer_next(entry *e);

static void lq_pump(fa_registry *r)
{
	while (r->layer_active < LAYER_PARALLEL && r->lq_head) {
		entry *e = r->lq_head;

		r->lq_head = e->lq_next;
		if (!r->lq_head)
			r->lq_tail = NULL;
		e->lq_next = NULL;
		e->queued = false;
		layer_next(e);
	}
}

/* The first note says why; later ones are counted. */
static void layer_note(entry *e, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

static void layer_note(entry *e, const char *fmt, ...)
{
	char msg[ERRLEN + 64], head[96];
	va_list ap;

	e->reg->st.layers_incomplete++;
	if (e->layer_notes++ > 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(head, sizeof(head), "layer %zu/%zu (%.19s...): ", e->layer_i + 1, e->n_layers,
		 e->layers[e->layer_i].digest);
	free(e->img.layers_note);
	e->img.layers_note = cat3(head, msg, "");
}

/* All layers are done: the image is complete (the waiters get it). */
static void layers_done(entry *e)
{
	if (e->active) {
		e->active = false;
		e->reg->layer_active--;
	}
	if (e->layer_notes > 1 && e->img.layers_note) {
		char more[64], *n;

		snprintf(more, sizeof(more), " (and %zu more layers not read whole)", e->layer_notes - 1);
		n = cat3(e->img.layers_note, more, "");
		if (n) {
			free(e->img.layers_note);
			e->img.layers_note = n;
		}
	}
	e->img.layers_complete = e->layer_notes == 0;
	if (!e->img.layers_complete && !e->img.layers_note)
		e->img.layers_note = strdup("the layers could not be read (out of memory)");
	{
		fa_registry *r = e->reg;

		finish(e);
		lq_pump(r);
	}
}

static void layers_start(entry *e)
{
	fa_registry *r = e->reg;

	e->img.layers_tried = true;
	e->layer_i = 0;
	if (e->n_layers == 0) {
		layers_done(e);
		return;
	}
	if (r->layer_active >= LAYER_PARALLEL) {
		e->queued = true;
		if (r->lq_tail)
			r->lq_tail->lq_next = e;
		else
			r->lq_head = e;
		r->lq_tail = e;
		return;
	}
	layer_next(e);
}

static int layer_chunk(void *ud, const char *data, size_t len);

/* Requests layer e->layer_i (url: the registry's, or a redirect's without credentials). */
static int layer_get(entry *e, const char *url, bool auth)
{
	fa_net_url_opts o;
	const char *hdrs[1];

	memset(&o, 0, sizeof(o));
	if (auth) {
		if (e->bearer_hdr)
			hdrs[o.n_headers++] = e->bearer_hdr;
		else if (e->fly && e->reg->basic_hdr)
			hdrs[o.n_headers++] = e->reg->basic_hdr;
	}
	o.headers = hdrs;
	o.max_body = (size_t)(e->reg->layer_max_compressed + 1);
	o.chunk = layer_chunk;
	e->reg->st.requests++;
	return fa_net_get_url(e->reg->net, url, &o, on_response, e);
}

/* The image reading layer `digest` at this moment, other than e, or NULL. */
static entry *layer_reader_of(const fa_registry *r, const entry *e, const char *digest)
{
	size_t i;
	entry *o;

	for (i = 0; i < SLOTS; i++)
		for (o = r->slots[i]; o; o = o->next)
			if (o != e && o->reader && o->layer_i < o->n_layers &&
			    strcmp(o->layers[o->layer_i].digest, digest) == 0)
				return o;
	return NULL;
}

/* The images that waited on e's layer go back to the queue, first in line: the layer's
 * result is in the cache now (or, after a transport error, they read it themselves). */
static void layer_release_waiters(entry *e)
{
	fa_registry *r = e->reg;
	entry *w = e->lw_head, *next;

	e->lw_head = NULL;
	for (; w; w = next) {
		next = w->lw_next;
		w->lw_next = NULL;
		w->queued = true;
		w->lq_next = r->lq_head;
		r->lq_head = w;
		if (!r->lq_tail)
			r->lq_tail = w;
	}
}

/* Starts the layer at e->layer_i, skipping those that cannot be read; the image is done
 * after the last. */
static void layer_next(entry *e)
{
	fa_registry *r = e->reg;

	if (!e->active) {
		e->active = true;
		r->layer_active++;
	}
	for (; e->layer_i < e->n_layers; e->layer_i++) {
		const fa_layer_desc *ld = &e->layers[e->layer_i];
		int comp = fa_layer_compression_of(ld->media_type);
		long long left = r->run_max_unpacked - r->st.layer_unpacked;
		char *url;
		int rc;

		if (comp < 0) {
			layer_note(e, "media type \"%.80s\" is not a tar layer flyaudit reads", ld->media_type);
			continue;
		}
		if (r->st.layer_bytes >= r->run_max_compressed || left <= 0) {
			layer_note(e, "the run's cap of %lld MiB %s was reached",
				   (left <= 0 ? r->run_max_unpacked : r->run_max_compressed) >> 20,
				   left <= 0 ? "decompressed" : "compressed");
			continue;
		}
		{
			/* read already for another image of this run */
			const struct lcache *c = lcache_get(r, ld->digest);
			entry *owner;

			if (c) {
				lcache_apply(e, c);
				r->st.layers_cached++;
				continue;
			}
			/* being read for another image right now: wait for it, without a slot */
			if (!fa_net_stopped(r->net) && (owner = layer_reader_of(r, e, ld->digest))) {
				e->active = false;
				r->layer_active--;
				e->lw_next = owner->lw_head;
				owner->lw_head = e;
				return;
			}
		}
		if (fa_net_stopped(r->net)) {
			layer_note(e, "%s", fa_net_stopped(r->net));
			continue;
		}
		e->reader = fa_layer_reader_new((fa_layer_compression)comp,
						left < r->layer_max_unpacked ? left : r->layer_max_unpacked);
		e->md = EVP_MD_CTX_new();
		e->layer_got = 0;
		e->layer_stop[0] = '\0';
		e->redirects = 0;
		if (!e->reader || !e->md || EVP_DigestInit_ex(e->md, EVP_sha256(), NULL) != 1) {
			fa_layer_reader_free(e->reader);
			e->reader = NULL;
			EVP_MD_CTX_free(e->md);
			e->md = NULL;
			layer_note(e, "out of memory (or no thread for the reader)");
			continue;
		}
		{
			size_t ul = strlen(e->base) + strlen(e->ref.repository) + strlen(ld->digest) + 20;

			url = malloc(ul);
			if (url)
				snprintf(url, ul, "%s/v2/%s/blobs/%s", e->base, e->ref.repository,
					 ld->digest);
		}
		e->stage = ST_LAYER;
		r->st.layers++;
		rc = url ? layer_get(e, url, true) : -1;
		free(url);
		if (rc == 0)
			return;
		fa_layer_reader_free(e->reader);
		e->reader = NULL;
		EVP_MD_CTX_free(e->md);
		e->md = NULL;
		layer_note(e, "cannot queue the request (out of memory or stopped)");
	}
	layers_done(e);
}

/* A piece of the layer's body: hashed, counted against the caps, fed to the reader. */
static int layer_chunk(void *ud, const char *data, size_t len)
{
	entry *e = ud;
	fa_registry *r = e->reg;
	int rc;

	if (!data && len == 0) {
		/* the transfer restarts from the beginning (a retry): so does the layer */
		fa_layer_reader_free(e->reader);
		e->reader = fa_layer_reader_new(
			(fa_layer_compression)fa_layer_compression_of(e->layers[e->layer_i].media_type),
			r->layer_max_unpacked);
		r->st.layer_bytes -= e->layer_got;
		e->layer_got = 0;
		if (!e->reader || EVP_DigestInit_ex(e->md, EVP_sha256(), NULL) != 1)
			return -1;
		return 0;
	}
	e->layer_got += (long long)len;
	r->st.layer_bytes += (long long)len;
	if (e->layer_got > r->layer_max_compressed || r->st.layer_bytes > r->run_max_compressed) {
		snprintf(e->layer_stop, sizeof(e->layer_stop), "stopped at the cap of %lld MiB compressed%s",
			 (e->layer_got > r->layer_max_compressed ? r->layer_max_compressed
								   : r->run_max_compressed) >> 20,
			 e->layer_got > r->layer_max_compressed ? " per layer" : " per run");
		return -1;
	}
	if (EVP_DigestUpdate(e->md, data, len) != 1)
		return -1;
	if (!e->reader)
		return -1;
	rc = fa_layer_feed(e->reader, data, len);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		const fa_layer_result *lr = fa_layer_finish(e->reader);

		/* a capped or broken layer stops the download; a finished archive is hashed on */
		if (lr->state != FA_LAYER_DONE)
			return -1;
	}
	return 0;
}

/* Whiteouts of this layer delete files of the layers below it. */
static bool whiteout_covers(const char *w, const char *path)
{
	size_t n = strlen(w);

	if (n == 0 || w[n - 1] == '/')
		return strncmp(path, w, n) == 0;
	return strncmp(path, w, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* What one layer gave, kept per layer digest for the run: many images share their base
 * layers, which are then read once. A transport error is not kept (another image may
 * read the layer). */
struct lcache {
	struct lcache *next; /* first member (fa_registry_free walks it) */
	char *digest;
	fa_layer_result res; /* findings and whiteouts (never content) */
	char why[256];       /* why it was not read whole; "" when it was */
	bool keep;           /* its files count (not a digest mismatch) */
};

static const struct lcache *lcache_get(const fa_registry *r, const char *digest)
{
	const struct lcache *c;

	for (c = r->lc[hash_key(digest)]; c; c = c->next)
		if (strcmp(c->digest, digest) == 0)
			return c;
	return NULL;
}

static void lcache_free(struct lcache *c)
{
	free(c->digest);
	fa_layer_result_release(&c->res);
	free(c);
}

/* A copy of the layer's result; on OOM nothing is kept (the layer is read again). */
static void lcache_put(fa_registry *r, const char *digest, const fa_layer_result *lr,
		       const char *why, bool keep)
{
	struct lcache *c;
	size_t i;
	uint32_t slot = hash_key(digest);

	if (lcache_get(r, digest) || !(c = calloc(1, sizeof(*c))))
		return;
	c->digest = strdup(digest);
	c->keep = keep;
	snprintf(c->why, sizeof(c->why), "%s", why);
	c->res.sniffed = lr->sniffed;
	c->res.unpacked = lr->unpacked;
	c->res.fed = lr->fed;
	c->res.n_findings_more = lr->n_findings_more;
	c->res.n_whiteouts_more = lr->n_whiteouts_more;
	if (!c->digest)
		goto oom;
	if (lr->n_findings) {
		c->res.findings = calloc(lr->n_findings, sizeof(*c->res.findings));
		if (!c->res.findings)
			goto oom;
		for (i = 0; i < lr->n_findings; i++) {
			c->res.findings[i].detectors = lr->findings[i].detectors;
			if (!(c->res.findings[i].path = strdup(lr->findings[i].path)))
				goto oom;
			c->res.n_findings++;
		}
	}
	if (lr->n_whiteouts) {
		c->res.whiteouts = calloc(lr->n_whiteouts, sizeof(char *));
		if (!c->res.whiteouts)
			goto oom;
		for (i = 0; i < lr->n_whiteouts; i++) {
			if (!(c->res.whiteouts[i] = strdup(lr->whiteouts[i])))
				goto oom;
			c->res.n_whiteouts++;
		}
	}
	c->next = r->lc[slot];
	r->lc[slot] = c;
	return;
oom:
	lcache_free(c);
}

/* Folds one layer's result into the image: its flagged files (unless its bytes were not
 * the layer's), then its whiteouts over the files of the layers below. */
static void fold(entry *e, const char *digest, const fa_layer_result *lr, const char *why,
		 bool keep)
{
	size_t i, j, below = e->img.n_files;

	e->img.files_sniffed += lr->sniffed;
	e->img.layers_unpacked += lr->unpacked;
	if (why[0])
		layer_note(e, "%s", why);
	if (!keep)
		return;
	for (j = 0; j < lr->n_whiteouts; j++)
		for (i = 0; i < below; i++)
			if (whiteout_covers(lr->whiteouts[j], e->img.files[i].path))
				e->img.files[i].deleted = true;
	for (i = 0; i < lr->n_findings; i++) {
		fa_image_file *f;

		if (e->img.n_files >= FA_IMAGE_MAX_FILES) {
			e->img.n_files_more++;
			continue;
		}
		f = realloc(e->img.files, (e->img.n_files + 1) * sizeof(*f));
		if (!f)
			break;
		e->img.files = f;
		f = &e->img.files[e->img.n_files];
		memset(f, 0, sizeof(*f));
		f->path = strdup(lr->findings[i].path);
		f->layer = strdup(digest);
		f->detectors = lr->findings[i].detectors;
		if (!f->path || !f->layer) {
			free(f->path);
			free(f->layer);
			break;
		}
		e->img.n_files++;
	}
	e->img.n_files_more += lr->n_findings_more;
	if (i < lr->n_findings)
		e->img.n_files_more += lr->n_findings - i; /* out of memory: counted, still a fail */
}

static void lcache_apply(entry *e, const struct lcache *c)
{
	fold(e, c->digest, &c->res, c->why, c->keep);
}

/* The layer is read (or not): fold its result into the image, then the next layer. */
static void layer_end(entry *e, const char *transport_err)
{
	fa_registry *r = e->reg;
	const fa_layer_desc *ld = &e->layers[e->layer_i];
	static const fa_layer_result none = { .state = FA_LAYER_FAILED, .note = "out of memory" };
	const fa_layer_result *lr = e->reader ? fa_layer_finish(e->reader) : &none;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	bool full = !transport_err && !e->layer_stop[0] && lr->state == FA_LAYER_DONE;
	bool keep = true;
	char why[256] = "";
	size_t i;

	r->st.layer_unpacked += lr->unpacked;
	e->img.layers_read_bytes += e->layer_got;
	if (transport_err)
		snprintf(why, sizeof(why), "%s", transport_err);
	else if (e->layer_stop[0])
		snprintf(why, sizeof(why), "%s", e->layer_stop);
	else if (lr->state != FA_LAYER_DONE)
		snprintf(why, sizeof(why), "%s", lr->note);
	if (full) {
		/* the whole blob arrived: it must be the digest's, else its files do not count */
		char hex[72];

		keep = false;
		if (e->md && EVP_DigestFinal_ex(e->md, md, &mdlen) == 1 && mdlen == 32) {
			memcpy(hex, "sha256:", 7);
			for (i = 0; i < 32; i++)
				snprintf(hex + 7 + 2 * i, 3, "%02x", md[i]);
			keep = strcmp(hex, ld->digest) == 0;
		}
		if (!keep)
			snprintf(why, sizeof(why),
				 "the layer does not match its digest: its files are not counted");
	}
	/* a layer stopped early keeps what it found before (in the image's bytes either way) */
	fold(e, ld->digest, lr, why, keep);
	if (!transport_err && e->reader)
		lcache_put(r, ld->digest, lr, why, keep);
	fa_layer_reader_free(e->reader);
	e->reader = NULL;
	EVP_MD_CTX_free(e->md);
	e->md = NULL;
	e->layer_i++;
	layer_release_waiters(e);
	layer_next(e);
	lq_pump(r);
}

static void on_layer_response(entry *e, const fa_response *res)
{
	char msg[ERRLEN], host[300], why[200];

	if (res->error == FA_NET_ECONSUMER || (res->error == FA_NET_ETOOBIG && e->layer_stop[0])) {
		layer_end(e, NULL); /* stopped here: a cap, or the reader gave up */
		return;
	}
	if (res->error == FA_NET_ETOOBIG) {
		snprintf(e->layer_stop, sizeof(e->layer_stop), "stopped at the cap of %lld MiB compressed",
			 e->reg->layer_max_compressed >> 20);
		layer_end(e, NULL);
		return;
	}
	if (res->error != FA_NET_OK) {
		snprintf(msg, sizeof(msg), "%s", res->errmsg ? res->errmsg : "request failed");
		layer_end(e, msg);
		return;
	}
	if (res->status >= 300 && res->status < 400) {
		/* blob storage: followed, without any Authorization header */
		char *url = NULL;

		if (!res->location || ++e->redirects > MAX_REDIRECTS) {
			layer_end(e, "blob redirect without a location, or too many");
			return;
		}
		if (res->location[0] == '/' && res->location[1] != '/')
			url = cat3(e->base, res->location, "");
		else
			url = strdup(res->location);
		if (!url || fa_net_check_url(url, why, sizeof(why)) < 0) {
			if (url && url_host(url, host, sizeof(host)) == 0)
				snprintf(msg, sizeof(msg), "blob redirect to %.100s refused: %.120s", host, why);
			else
				snprintf(msg, sizeof(msg), "blob redirect refused: %s", url ? why : "out of memory");
			free(url);
			layer_end(e, msg);
			return;
		}
		e->stage = ST_LAYER_REDIRECT;
		if (layer_get(e, url, false) < 0) {
			free(url);
			layer_end(e, "cannot queue the blob redirect");
			return;
		}
		free(url);
		return;
	}
	if (res->status != 200) {
		snprintf(msg, sizeof(msg), "%s answered HTTP %ld for the layer", e->ref.registry,
			 res->status);
		layer_end(e, msg);
		return;
	}
	layer_end(e, NULL);
}

static bool host_is_loopback(const char *hostport)
{
	size_t n = strcspn(hostport, ":");

	return (n == 9 && strncasecmp(hostport, "localhost", 9) == 0) ||
	       strncmp(hostport, "127.", 4) == 0;
}

static uint32_t hash_key(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h % SLOTS;
}

static int start(entry *e, const char *image, const char *digest)
{
	fa_registry *r = e->reg;
	char err[ERRLEN];

	e->img.ref = strdup(image);
	e->img.digest = strdup(e->key);
	if (!e->img.ref || !e->img.digest)
		return -1;
	if (fa_image_ref_parse(image, &e->ref, err, sizeof(err)) < 0) {
		fail(e, 0, "image reference \"%.100s\": %s", image, err);
		return 0;
	}
	if (digest && fa_registry_digest_valid(digest) && !e->ref.digest &&
	    !(e->ref.digest = strdup(digest)))
		return -1;
	if (!(e->img.registry = strdup(e->ref.registry)) ||
	    !(e->img.repository = strdup(e->ref.repository)))
		return -1;
	if (strcasecmp(e->ref.registry, FA_REGISTRY_DEFAULT_HOST) == 0 ||
	    strcasecmp(e->ref.registry, r->fly_host) == 0) {
		e->fly = true;
		e->base = strdup(r->fly_base);
	} else if (strcmp(e->ref.registry, "docker.io") == 0) {
		e->base = strdup("https://registry-1.docker.io");
	} else if (host_is_loopback(e->ref.registry) && strncmp(r->fly_base, "http://", 7) == 0) {
		/* a registry on this machine, next to a plain-HTTP loopback Fly registry (tests,
		 * mirrors): the same scheme, as Docker allows for localhost registries */
		e->base = cat3("http://", e->ref.registry, "");
	} else {
		e->base = cat3("https://", e->ref.registry, "");
	}
	if (!e->base)
		return -1;
	if (e->ref.digest && !(e->doc_digest = strdup(e->ref.digest)))
		return -1;
	e->stage = ST_MANIFEST;
	request_stage(e);
	return 0;
}

int fa_registry_want(fa_registry *r, const char *image, const char *digest, fa_registry_cb cb,
		     void *ud)
{
	const char *key = (digest && fa_registry_digest_valid(digest)) ? digest : image;
	uint32_t slot;
	entry *e;
	waiter *w;

	if (!r || !key)
		return -1;
	slot = hash_key(key);
	for (e = r->slots[slot]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e && e->done) {
		if (cb)
			cb(ud, &e->img);
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	w->cb = cb;
	w->ud = ud;
	if (e) {
		w->next = e->waiters;
		e->waiters = w;
		return 0;
	}
	e = calloc(1, sizeof(*e));
	if (!e || !(e->key = strdup(key))) {
		free(e);
		free(w);
		return -1;
	}
	e->reg = r;
	e->waiters = w;
	e->next = r->slots[slot];
	r->slots[slot] = e;
	r->st.images++;
	if (start(e, image ? image : key, digest) < 0 && !e->done)
		fail(e, 0, "out of memory");
	return 0;
}
