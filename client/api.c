/* api.c: Fly API bindings: request paths, GraphQL bodies, error lines, and the decoders
 * that turn response bodies into the model (api.h). Env values are classified and hashed
 * as they are read, then dropped: nothing in the model holds one. */
#include "flyaudit/api.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flyaudit/buf.h"
#include "flyaudit/secrets.h"

#define CERTS_LIMIT_DEFAULT 25
#define CERTS_LIMIT_MAX 500
#define MSG_MAX 240 /* longest message text taken from a body */

/* ---- small helpers ---------------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		if (n < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0) /* overlong */
			return 0;
		if (c == 0xed && s[1] >= 0xa0) /* surrogate */
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90) /* overlong */
			return 0;
		if (c == 0xf4 && s[1] >= 0x90) /* above U+10FFFF */
			return 0;
		return 4;
	}
	return 0;
}

/* Offset of the first byte that is not valid UTF-8 (or is NUL), or len when all is. */
static size_t utf8_check(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t k;

		if (p[i] == 0)
			return i;
		k = utf8_seq(p + i, len - i);
		if (k == 0)
			return i;
		i += k;
	}
	return len;
}

static int utf8_valid(const char *s)
{
	size_t n = strlen(s);

	return utf8_check(s, n) == n;
}

/* True when the code point of a valid sequence should not reach a one-line message:
 * C1 controls, line/paragraph separators, bidi overrides and isolates. */
static int cp_unwanted(const unsigned char *s, size_t k)
{
	uint32_t cp;

	if (k == 2)
		cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
	else if (k == 3)
		cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
	else
		return 0;
	if (cp >= 0x80 && cp <= 0x9f)
		return 1;
	if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff)
		return 1;
	return 0;
}

/* A one-line writer: appends cleaned text to out (outlen bytes, NUL-terminated), with
 * control characters turned to spaces, runs of spaces folded, invalid UTF-8 shown as '?',
 * and never a partial UTF-8 sequence at the cut. */
typedef struct line {
	char *out;
	size_t outlen;
	size_t pos;
	size_t budget; /* characters of message text still allowed */
	int space;     /* a space is pending */
} line;

static void line_init(line *l, char *out, size_t outlen)
{
	l->out = out;
	l->outlen = outlen;
	l->pos = 0;
	l->budget = (size_t)-1;
	l->space = 0;
	if (out && outlen)
		out[0] = '\0';
}

static int line_put(line *l, const char *s, size_t k)
{
	if (!l->out || l->outlen == 0)
		return -1;
	if (l->space && l->pos > 0) {
		if (l->pos + 1 + k >= l->outlen)
			return -1;
		l->out[l->pos++] = ' ';
	}
	l->space = 0;
	if (l->pos + k >= l->outlen)
		return -1;
	memcpy(l->out + l->pos, s, k);
	l->pos += k;
	l->out[l->pos] = '\0';
	return 0;
}

static void line_text(line *l, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n && l->budget > 0) {
		size_t k;

		if (p[i] == 0)
			break;
		if (p[i] < 0x20 || p[i] == 0x7f || p[i] == ' ') {
			l->space = 1;
			i++;
			continue;
		}
		k = utf8_seq(p + i, n - i);
		if (k == 0) {
			if (line_put(l, "?", 1) < 0)
				return;
			i++;
		} else if (cp_unwanted(p + i, k)) {
			l->space = 1;
			i += k;
			continue;
		} else {
			if (line_put(l, s + i, k) < 0)
				return;
			i += k;
		}
		l->budget--;
	}
}

static void line_str(line *l, const char *s)
{
	size_t saved = l->budget;

	l->budget = (size_t)-1;
	line_text(l, s, strlen(s));
	l->budget = saved;
}

/* ---- numbers ---------------------------------------------------------------------- */

/* A JSON number clamped into [lo, hi] without undefined conversions; 0 when `it` is
 * not a finite number (the caller keeps its default). */
static int num_ll(const cJSON *it, long long lo, long long hi, long long *out)
{
	double d;

	if (!cJSON_IsNumber(it))
		return 0;
	d = it->valuedouble;
	if (d != d)
		return 0;
	/* (double)LLONG_MAX rounds up to 2^63, so >= catches everything out of range. */
	if (d >= (double)hi)
		*out = hi;
	else if (d <= (double)lo)
		*out = lo;
	else
		*out = (long long)d;
	return 1;
}

static int num_int(const cJSON *it, int lo, int hi, int *out)
{
	long long v = 0;

	if (!num_ll(it, lo, hi, &v))
		return 0;
	*out = (int)v;
	return 1;
}

/* cJSON_ArrayForEach without its unparenthesized first use of `array`. */
#define EACH(it, array) for ((it) = (array) ? (array)->child : NULL; (it); (it) = (it)->next)

/* ---- the decoder context ---------------------------------------------------------- */

typedef struct dec {
	int oom;
	const unsigned char *key; /* env hash key, FA_API_HASH_KEY_LEN bytes */
} dec;

static cJSON *get(const cJSON *obj, const char *k)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, k);
}

static const char *get_s(const cJSON *obj, const char *k)
{
	cJSON *it = get(obj, k);

	if (!cJSON_IsString(it) || !it->valuestring)
		return NULL;
	return it->valuestring;
}

/* A copy of obj[k] when it is a string, else NULL (d->oom set on OOM). */
static char *dstr(dec *d, const cJSON *obj, const char *k)
{
	const char *s = get_s(obj, k);
	char *p = NULL;

	if (!s)
		return NULL;
	p = xstrdup(s);
	if (!p)
		d->oom = 1;
	return p;
}

static fa_tri get_tri(const cJSON *obj, const char *k)
{
	cJSON *it = get(obj, k);

	if (cJSON_IsTrue(it))
		return FA_TRI_TRUE;
	if (cJSON_IsFalse(it))
		return FA_TRI_FALSE;
	return FA_TRI_UNKNOWN;
}

static int get_port(const cJSON *obj, const char *k)
{
	int v = 0;

	if (!num_int(get(obj, k), INT_MIN, INT_MAX, &v))
		return 0;
	if (v < 0 || v > 65535)
		return 0; /* not a port: treated as absent */
	return v;
}

/* Number of elements of an array or members of an object (0 for anything else). */
static size_t n_children(const cJSON *c)
{
	size_t n = 0;
	const cJSON *it = NULL;

	if (!cJSON_IsArray(c) && !cJSON_IsObject(c))
		return 0;
	for (it = c->child; it; it = it->next)
		n++;
	return n;
}

/* calloc of n elements; NULL with oom set on failure, NULL without oom for n == 0. */
static void *dalloc(dec *d, size_t n, size_t size)
{
	void *p = NULL;

	if (n == 0)
		return NULL;
	p = calloc(n, size);
	if (!p)
		d->oom = 1;
	return p;
}

/* ---- body checks ------------------------------------------------------------------ */

/* Scans brackets outside strings. Returns 0 when nesting passes FA_API_MAX_DEPTH;
 * else 1, with *open set when the text ends inside a string or an unclosed bracket. */
static int depth_scan(const char *s, size_t len, int *open)
{
	size_t i;
	int depth = 0, in_str = 0, esc = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			if (++depth > FA_API_MAX_DEPTH)
				return 0;
		} else if (c == ']' || c == '}') {
			if (depth > 0)
				depth--;
		}
	}
	*open = in_str || depth > 0;
	return 1;
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Validates and parses a body. On success *out is the tree (caller deletes). */
static int parse_body(const char *body, size_t len, cJSON **out, char *err, size_t errlen)
{
	const char *end = NULL;
	size_t i, bad;
	int open = 0;
	cJSON *root = NULL;

	*out = NULL;
	for (i = 0; body && i < len && is_ws(body[i]); i++)
		;
	if (!body || i == len) {
		set_err(err, errlen, "empty response");
		return FA_API_EJSON;
	}
	bad = utf8_check(body, len);
	if (bad != len) {
		set_err(err, errlen, "response is not valid UTF-8 (byte %zu)", bad);
		return FA_API_EJSON;
	}
	if (!depth_scan(body, len, &open)) {
		set_err(err, errlen, "JSON nested deeper than %d levels", FA_API_MAX_DEPTH);
		return FA_API_EJSON;
	}
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!root) {
		size_t at = (end && end >= body && end <= body + len) ? (size_t)(end - body) : len;

		/* cJSON cannot tell OOM from a syntax error; syntax is by far the likelier. */
		if (open || at >= len)
			set_err(err, errlen, "truncated JSON (unexpected end after %zu bytes)", len);
		else
			set_err(err, errlen, "invalid JSON at byte %zu", at);
		return FA_API_EJSON;
	}
	if (end) {
		const char *p;

		for (p = end; p < body + len; p++) {
			if (!is_ws(*p)) {
				cJSON_Delete(root);
				set_err(err, errlen, "invalid JSON: trailing data at byte %zu",
					(size_t)(p - body));
				return FA_API_EJSON;
			}
		}
	}
	*out = root;
	return 0;
}

/* ---- URL paths ---------------------------------------------------------------------- */

static int url_escape(fa_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		unsigned char c = *p;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			if (fa_buf_add(b, p, 1) < 0)
				return -1;
		} else {
			char e[3];

			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			if (fa_buf_add(b, e, 3) < 0)
				return -1;
		}
	}
	return 0;
}

static char *buf_finish(fa_buf *b)
{
	return fa_buf_detach(b, NULL);
}

char *fa_api_path_apps(const char *org_slug)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!org_slug)
		return NULL;
	if (fa_buf_adds(&b, "/v1/apps?org_slug=") < 0 || url_escape(&b, org_slug) < 0)
		return NULL;
	return buf_finish(&b);
}

char *fa_api_path_app(const char *app, const char *what)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!app)
		return NULL;
	if (fa_buf_adds(&b, "/v1/apps/") < 0 || url_escape(&b, app) < 0)
		return NULL;
	if (what && what[0]) {
		if (fa_buf_adds(&b, "/") < 0 || fa_buf_adds(&b, what) < 0)
			return NULL;
	}
	return buf_finish(&b);
}

char *fa_api_path_certs(const char *app, const char *cursor, int limit)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!app)
		return NULL;
	if (limit <= 0)
		limit = CERTS_LIMIT_DEFAULT;
	if (limit > CERTS_LIMIT_MAX)
		limit = CERTS_LIMIT_MAX;
	if (fa_buf_adds(&b, "/v1/apps/") < 0 || url_escape(&b, app) < 0 ||
	    fa_buf_printf(&b, "/certificates?limit=%d", limit) < 0)
		return NULL;
	if (cursor && cursor[0]) {
		if (fa_buf_adds(&b, "&cursor=") < 0 || url_escape(&b, cursor) < 0)
			return NULL;
	}
	return buf_finish(&b);
}

/* ---- GraphQL bodies ------------------------------------------------------------------ */

#define TOKEN_NODE_FIELDS "id name createdAt expiresAt revokedAt profile user{email}"
/* Connections are always asked for an explicit page (Fly's default page size is not
 * documented) with pageInfo, so a longer list is followed or reported, never cut silently. */
#define TOKENS_PAGE "500"
#define TOKENS_SELECTION                                                                         \
	"{limitedAccessTokens(first:" TOKENS_PAGE "){nodes{" TOKEN_NODE_FIELDS                     \
	"}pageInfo{hasNextPage endCursor}}}"

static char *gql_body(const char *query, const char *var, const char *val)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *vars = NULL;
	char *out = NULL;

	if (!root)
		return NULL;
	if (!cJSON_AddStringToObject(root, "query", query))
		goto cleanup;
	if (var) {
		vars = cJSON_AddObjectToObject(root, "variables");
		if (!vars || !cJSON_AddStringToObject(vars, var, val))
			goto cleanup;
	}
	out = cJSON_PrintUnformatted(root);
cleanup:
	cJSON_Delete(root);
	return out;
}

char *fa_api_gql_org_tokens(const char *org_slug, const char *after)
{
	cJSON *root = NULL, *vars = NULL;
	char *out = NULL;

	if (!org_slug || !utf8_valid(org_slug) || (after && !utf8_valid(after)))
		return NULL;
	if (!after)
		return gql_body("query($slug:String!){organization(slug:$slug)" TOKENS_SELECTION "}",
				"slug", org_slug);
	root = cJSON_CreateObject();
	if (!root ||
	    !cJSON_AddStringToObject(root, "query",
				     "query($slug:String!,$after:String){organization(slug:$slug)"
				     "{limitedAccessTokens(first:" TOKENS_PAGE ",after:$after){nodes{" TOKEN_NODE_FIELDS
				     "}pageInfo{hasNextPage endCursor}}}}") ||
	    !(vars = cJSON_AddObjectToObject(root, "variables")) ||
	    !cJSON_AddStringToObject(vars, "slug", org_slug) || !cJSON_AddStringToObject(vars, "after", after))
		goto cleanup;
	out = cJSON_PrintUnformatted(root);
cleanup:
	cJSON_Delete(root);
	return out;
}

/* The next page's cursor of a connection, when pageInfo says there is one (a new string),
 * else NULL. *more is set when hasNextPage is true (even without a usable cursor). */
static char *next_page(dec *d, const cJSON *conn, int *more)
{
	const cJSON *pi = get(conn, "pageInfo");
	char *cur = NULL;

	*more = cJSON_IsTrue(get(pi, "hasNextPage"));
	if (*more && (cur = dstr(d, pi, "endCursor")) != NULL && !cur[0]) {
		free(cur);
		cur = NULL;
	}
	return cur;
}

/* A GraphQL string literal (same escapes as JSON). */
static int gql_string(fa_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (fa_buf_adds(b, "\"") < 0)
		return -1;
	for (; *p; p++) {
		int rc;

		if (*p == '"')
			rc = fa_buf_adds(b, "\\\"");
		else if (*p == '\\')
			rc = fa_buf_adds(b, "\\\\");
		else if (*p < 0x20 || *p == 0x7f)
			rc = fa_buf_printf(b, "\\u%04x", (unsigned)*p);
		else
			rc = fa_buf_add(b, p, 1);
		if (rc < 0)
			return -1;
	}
	return fa_buf_adds(b, "\"");
}

char *fa_api_gql_app_tokens(const char *const *apps, size_t n)
{
	fa_buf q = FA_BUF_INIT(0);
	char *query = NULL, *out = NULL;
	size_t i;

	if (!apps || n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (!apps[i] || !utf8_valid(apps[i]))
			return NULL;
	if (fa_buf_adds(&q, "query{") < 0)
		return NULL;
	for (i = 0; i < n; i++) {
		if (fa_buf_printf(&q, "%sa%zu:app(name:", i ? " " : "", i) < 0 ||
		    gql_string(&q, apps[i]) < 0 || fa_buf_adds(&q, ")" TOKENS_SELECTION) < 0)
			return NULL;
	}
	if (fa_buf_adds(&q, "}") < 0)
		return NULL;
	query = buf_finish(&q);
	if (!query)
		return NULL;
	out = gql_body(query, NULL, NULL);
	free(query);
	return out;
}

/* ---- error lines ------------------------------------------------------------------ */

/* The GraphQL code of an error object, or NULL. */
static const char *gql_code(const cJSON *e)
{
	return get_s(get(e, "extensions"), "code");
}

/* Writes "MESSAGE (CODE)" for a GraphQL error into l. */
static void gql_error_text(line *l, const cJSON *e)
{
	const char *msg = get_s(e, "message");
	const char *code = gql_code(e);

	l->budget = MSG_MAX;
	if (msg && msg[0])
		line_text(l, msg, strlen(msg));
	else
		line_str(l, "graphql error");
	l->budget = 64;
	if (code && code[0]) {
		line_str(l, " (");
		line_text(l, code, strlen(code));
		line_str(l, ")");
	}
}

/* True when `errors` is present and is anything but null or an empty array. */
static int gql_has_errors(const cJSON *root)
{
	cJSON *errs = get(root, "errors");

	if (!errs || cJSON_IsNull(errs))
		return 0;
	if (cJSON_IsArray(errs) && n_children(errs) == 0)
		return 0;
	return 1;
}

static int gql_any_code(const cJSON *root, const char *code)
{
	cJSON *errs = get(root, "errors");
	const cJSON *e = NULL;

	if (!cJSON_IsArray(errs))
		return 0;
	EACH(e, errs) {
		const char *c = gql_code(e);

		if (c && strcmp(c, code) == 0)
			return 1;
	}
	return 0;
}

/* The error code and line for a body that has GraphQL errors (the first one speaks). */
static int gql_errors(const cJSON *root, char *err, size_t errlen)
{
	cJSON *errs = get(root, "errors");
	const cJSON *first = NULL;
	line l;
	int rc = FA_API_EGRAPHQL;

	if (gql_any_code(root, "UNAUTHORIZED"))
		rc = FA_API_EUNAUTH;
	else if (gql_any_code(root, "NOT_FOUND"))
		rc = FA_API_ENOTFOUND;
	line_init(&l, err, errlen);
	if (cJSON_IsArray(errs))
		first = errs->child;
	if (rc == FA_API_EUNAUTH || rc == FA_API_ENOTFOUND) {
		const cJSON *e = NULL;
		const char *want = rc == FA_API_EUNAUTH ? "UNAUTHORIZED" : "NOT_FOUND";

		EACH(e, errs) {
			const char *c = gql_code(e);

			if (c && strcmp(c, want) == 0) {
				first = e;
				break;
			}
		}
	}
	if (cJSON_IsObject(first))
		gql_error_text(&l, first);
	else
		line_str(&l, "graphql error (malformed errors)");
	return rc;
}

void fa_api_error_message(long status, const char *body, size_t len, char *out, size_t outlen)
{
	char msg[1024];
	cJSON *root = NULL;
	line m, l;

	if (!out || outlen == 0)
		return;
	if (!body)
		len = 0;
	line_init(&m, msg, sizeof(msg));
	m.budget = MSG_MAX;
	if (len > 0 && parse_body(body, len, &root, NULL, 0) == 0 && cJSON_IsObject(root)) {
		const char *text = get_s(root, "message");

		/* fly-go prefers `message` when both are there */
		if (!text || !text[0])
			text = get_s(root, "error");
		if (text && text[0]) {
			line_text(&m, text, strlen(text));
		} else if (gql_has_errors(root)) {
			char tmp[FA_API_ERRLEN];

			gql_errors(root, tmp, sizeof(tmp));
			line_str(&m, "graphql: ");
			line_str(&m, tmp);
		}
	} else if (len > 0) {
		line_text(&m, body, len);
	}
	cJSON_Delete(root);

	line_init(&l, out, outlen);
	if (status > 0 && status != 200) {
		char pre[32];

		snprintf(pre, sizeof(pre), "HTTP %ld", status);
		line_str(&l, pre);
		if (m.pos > 0) {
			line_str(&l, ": ");
			line_str(&l, msg);
		}
	} else if (m.pos > 0) {
		line_str(&l, msg);
	} else {
		line_str(&l, len > 0 ? "unexpected response" : "empty response");
	}
}

/* ---- env ------------------------------------------------------------------------------ */

static const unsigned char zero_key[FA_API_HASH_KEY_LEN];

static void dec_env(dec *d, cJSON *obj, fa_env *env)
{
	cJSON *c = NULL;
	size_t n = n_children(obj);

	if (!cJSON_IsObject(obj) || n == 0)
		return;
	env->vars = dalloc(d, n, sizeof(*env->vars));
	if (!env->vars)
		return;
	for (c = obj->child; c; c = c->next) {
		fa_env_var *v = NULL;
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdlen = 0;
		size_t len;

		if (!c->string || !cJSON_IsString(c) || !c->valuestring)
			continue; /* not a string: treated as absent */
		v = &env->vars[env->n_vars++];
		v->name = xstrdup(c->string);
		if (!v->name) {
			d->oom = 1;
			return;
		}
		len = strlen(c->valuestring);
		v->value_len = len;
		v->detectors = fa_secret_classify(c->string, c->valuestring, len);
		if (!HMAC(EVP_sha256(), d->key, FA_API_HASH_KEY_LEN,
			  (const unsigned char *)c->valuestring, len, md, &mdlen) ||
		    mdlen < FA_ENV_HASH_LEN) {
			d->oom = 1;
			return;
		}
		memcpy(v->hash, md, FA_ENV_HASH_LEN);
		fa_memzero(md, sizeof(md));
		/* the tree copy of the value is not needed any more */
		fa_memzero(c->valuestring, len);
	}
}

/* ---- machines ------------------------------------------------------------------------ */

static uint32_t handler_bit(const char *h)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} tab[] = {
		{ "http", FA_HANDLER_HTTP },
		{ "tls", FA_HANDLER_TLS },
		{ "proxy_proto", FA_HANDLER_PROXY_PROTO },
		{ "pg_tls", FA_HANDLER_PG_TLS },
		{ "edge_http", FA_HANDLER_EDGE_HTTP },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		const char *a = tab[i].name, *b = h;

		/* case-insensitive: "HTTP" is read as http, never as unknown */
		while (*a && *b && (*a == (char)(*b | (*b >= 'A' && *b <= 'Z' ? 0x20 : 0)))) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return tab[i].bit;
	}
	return FA_HANDLER_OTHER;
}

static uint32_t tls_bit(const char *v)
{
	if (strcmp(v, "TLSv1.0") == 0)
		return FA_TLSV_1_0;
	if (strcmp(v, "TLSv1.1") == 0)
		return FA_TLSV_1_1;
	if (strcmp(v, "TLSv1.2") == 0)
		return FA_TLSV_1_2;
	if (strcmp(v, "TLSv1.3") == 0)
		return FA_TLSV_1_3;
	return FA_TLSV_OTHER;
}

static void dec_port(const cJSON *o, fa_port *p)
{
	const cJSON *it = NULL;
	cJSON *tls = NULL;

	p->port = get_port(o, "port");
	p->start_port = get_port(o, "start_port");
	p->end_port = get_port(o, "end_port");
	p->force_https = get_tri(o, "force_https");
	EACH(it, cJSON_IsArray(get(o, "handlers")) ? get(o, "handlers") : NULL) {
		if (cJSON_IsString(it) && it->valuestring)
			p->handlers |= handler_bit(it->valuestring);
	}
	tls = get(o, "tls_options");
	EACH(it, cJSON_IsArray(get(tls, "versions")) ? get(tls, "versions") : NULL) {
		if (cJSON_IsString(it) && it->valuestring)
			p->tls_versions |= tls_bit(it->valuestring);
	}
}

static fa_autostop get_autostop(const cJSON *o)
{
	cJSON *it = get(o, "autostop");

	if (cJSON_IsTrue(it))
		return FA_AUTOSTOP_STOP;
	if (cJSON_IsFalse(it))
		return FA_AUTOSTOP_OFF;
	if (cJSON_IsString(it) && it->valuestring) {
		if (strcmp(it->valuestring, "off") == 0)
			return FA_AUTOSTOP_OFF;
		if (strcmp(it->valuestring, "stop") == 0)
			return FA_AUTOSTOP_STOP;
		if (strcmp(it->valuestring, "suspend") == 0)
			return FA_AUTOSTOP_SUSPEND;
	}
	return FA_AUTOSTOP_UNSET;
}

static void dec_check_def(dec *d, const cJSON *o, const char *name, fa_check_def *c)
{
	if (name) {
		c->name = xstrdup(name);
		if (!c->name)
			d->oom = 1;
	}
	c->type = dstr(d, o, "type");
	c->port = get_port(o, "port");
	c->path = dstr(d, o, "path");
	c->method = dstr(d, o, "method");
	c->protocol = dstr(d, o, "protocol");
	c->interval = dstr(d, o, "interval");
	c->timeout = dstr(d, o, "timeout");
	c->kind = dstr(d, o, "kind");
}

/* An array of service checks, or an object of machine checks (name -> check). */
static void dec_checks(dec *d, const cJSON *src, int named, fa_check_def **out, size_t *n_out)
{
	const cJSON *it = NULL;
	size_t n;

	if (named ? !cJSON_IsObject(src) : !cJSON_IsArray(src))
		return;
	n = n_children(src);
	*out = dalloc(d, n, sizeof(**out));
	if (!*out)
		return;
	for (it = src->child; it && !d->oom; it = it->next) {
		if (!cJSON_IsObject(it))
			continue;
		dec_check_def(d, it, named ? it->string : NULL, &(*out)[(*n_out)++]);
	}
}

static void dec_service(dec *d, const cJSON *o, fa_service *s)
{
	cJSON *ports = get(o, "ports");
	const cJSON *it = NULL;
	int v = 0;

	s->protocol = dstr(d, o, "protocol");
	s->internal_port = get_port(o, "internal_port");
	s->autostop = get_autostop(o);
	s->autostart = get_tri(o, "autostart");
	s->min_machines_running = -1;
	if (num_int(get(o, "min_machines_running"), 0, INT_MAX, &v))
		s->min_machines_running = v;
	if (cJSON_IsArray(ports)) {
		s->ports = dalloc(d, n_children(ports), sizeof(*s->ports));
		EACH(it, s->ports ? ports : NULL) {
			if (cJSON_IsObject(it))
				dec_port(it, &s->ports[s->n_ports++]);
		}
	}
	dec_checks(d, get(o, "checks"), 0, &s->checks, &s->n_checks);
}

static int starts_with(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

static void dec_config(dec *d, cJSON *cfg, fa_machine *m)
{
	cJSON *arr = NULL, *it = NULL;

	m->image = dstr(d, cfg, "image");
	m->process_group = dstr(d, get(cfg, "metadata"), "fly_process_group");
	dec_env(d, get(cfg, "env"), &m->env);

	arr = get(cfg, "services");
	if (cJSON_IsArray(arr)) {
		m->services = dalloc(d, n_children(arr), sizeof(*m->services));
		EACH(it, m->services ? arr : NULL) {
			if (d->oom)
				break;
			if (cJSON_IsObject(it))
				dec_service(d, it, &m->services[m->n_services++]);
		}
	}
	dec_checks(d, get(cfg, "checks"), 1, &m->checks, &m->n_checks);

	arr = get(cfg, "processes");
	if (cJSON_IsArray(arr)) {
		m->processes = dalloc(d, n_children(arr), sizeof(*m->processes));
		EACH(it, m->processes ? arr : NULL) {
			fa_process *p = NULL;

			if (d->oom)
				break;
			if (!cJSON_IsObject(it))
				continue;
			p = &m->processes[m->n_processes++];
			p->user = dstr(d, it, "user");
			dec_env(d, get(it, "env"), &p->env);
		}
	}

	arr = get(cfg, "mounts");
	if (cJSON_IsArray(arr)) {
		m->mounts = dalloc(d, n_children(arr), sizeof(*m->mounts));
		EACH(it, m->mounts ? arr : NULL) {
			fa_mount *mt = NULL;

			if (!cJSON_IsObject(it))
				continue;
			mt = &m->mounts[m->n_mounts++];
			mt->volume = dstr(d, it, "volume");
			mt->path = dstr(d, it, "path");
			mt->name = dstr(d, it, "name");
			mt->encrypted = get_tri(it, "encrypted");
		}
	}
}

static void dec_machine(dec *d, cJSON *o, fa_machine *m)
{
	cJSON *cfg = get(o, "config");
	cJSON *arr = NULL, *it = NULL;

	m->id = dstr(d, o, "id");
	m->name = dstr(d, o, "name");
	m->state = dstr(d, o, "state");
	m->region = dstr(d, o, "region");
	m->instance_id = dstr(d, o, "instance_id");
	m->private_ip = dstr(d, o, "private_ip");
	m->host_status = dstr(d, o, "host_status");
	m->created_at = dstr(d, o, "created_at");
	m->updated_at = dstr(d, o, "updated_at");
	m->image_digest = dstr(d, get(o, "image_ref"), "digest");
	if (cJSON_IsObject(cfg)) {
		m->has_config = true;
		dec_config(d, cfg, m);
	} else {
		/* No config (host not ok): only the image of the rebuilt config is used. */
		m->has_config = false;
		m->image = dstr(d, get(o, "incomplete_config"), "image");
	}

	arr = get(o, "checks");
	if (cJSON_IsArray(arr)) {
		m->check_status = dalloc(d, n_children(arr), sizeof(*m->check_status));
		EACH(it, m->check_status ? arr : NULL) {
			fa_check_status *cs = NULL;
			const char *name = get_s(it, "name");

			if (!cJSON_IsObject(it))
				continue;
			if (name && starts_with(name, "bg_deployments_compat"))
				continue; /* fake checks flaps adds for old flyctl (fly-go strips them) */
			cs = &m->check_status[m->n_check_status++];
			cs->name = dstr(d, it, "name");
			cs->status = dstr(d, it, "status");
			cs->updated_at = dstr(d, it, "updated_at");
		}
	}
}

static void machines_free(fa_machine *ms, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_machine_release(&ms[i]);
	free(ms);
}

/* Parses a body whose top level is an array (or null: an empty list, as Go encodes a
 * nil slice). `what` names the items for the error line. */
/* Every item of a resource list must be an object that names itself: a list item the
 * decoder would have to skip, or one without its identifying field, makes the whole
 * list unusable (a silently dropped machine could hide a finding). */
static int items_valid(const cJSON *arr, const char *key, const char *what, char *err,
		       size_t errlen)
{
	const cJSON *it = NULL;
	size_t i = 0;

	for (it = arr ? arr->child : NULL; it; it = it->next, i++) {
		const cJSON *k = cJSON_IsObject(it) ? cJSON_GetObjectItemCaseSensitive(it, key) : NULL;

		if (!cJSON_IsObject(it)) {
			if (err && errlen)
				snprintf(err, errlen, "%s[%zu] is not an object", what, i);
			return FA_API_EJSON;
		}
		if (!cJSON_IsString(k) || !k->valuestring[0]) {
			if (err && errlen)
				snprintf(err, errlen, "%s[%zu] has no \"%s\" string", what, i, key);
			return FA_API_EJSON;
		}
	}
	return 0;
}

/* A bare array of `what` whose items are objects with a string `id_key`. */
static int parse_array(const char *body, size_t len, const char *what, const char *id_key,
		       cJSON **root, cJSON **arr, char *err, size_t errlen)
{
	int rc = parse_body(body, len, root, err, errlen);

	if (rc)
		return rc;
	if (cJSON_IsNull(*root)) {
		*arr = NULL;
		return 0;
	}
	if (!cJSON_IsArray(*root)) {
		set_err(err, errlen, "expected a JSON array of %s", what);
		rc = FA_API_EJSON;
	} else {
		rc = items_valid(*root, id_key, what, err, errlen);
	}
	if (rc) {
		cJSON_Delete(*root);
		*root = NULL;
		return rc;
	}
	*arr = *root;
	return 0;
}

/* Parses a body that is an object holding an array under `key` (null = empty). */
/* An object holding a `key` array; with `id_key`, its items must be objects with that
 * string (items_valid). */
static int parse_wrapped(const char *body, size_t len, const char *key, const char *id_key,
			 cJSON **root, cJSON **arr, char *err, size_t errlen)
{
	cJSON *a = NULL;
	int rc = parse_body(body, len, root, err, errlen);

	if (rc)
		return rc;
	a = get(*root, key);
	if (!cJSON_IsObject(*root) || !a || (!cJSON_IsArray(a) && !cJSON_IsNull(a))) {
		set_err(err, errlen, "expected a JSON object with a \"%s\" array", key);
		rc = FA_API_EJSON;
	} else if (id_key && cJSON_IsArray(a)) {
		rc = items_valid(a, id_key, key, err, errlen);
	}
	if (rc) {
		cJSON_Delete(*root);
		*root = NULL;
		return rc;
	}
	*arr = cJSON_IsArray(a) ? a : NULL;
	return 0;
}

static int oom_err(char *err, size_t errlen)
{
	set_err(err, errlen, "out of memory");
	return FA_API_ENOMEM;
}

int fa_api_decode_machines(const char *body, size_t len, const unsigned char *hash_key,
			   fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	dec d = { 0, hash_key ? hash_key : zero_key };
	fa_machine *ms = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = parse_array(body, len, "machines", "id", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ms = dalloc(&d, n_children(arr), sizeof(*ms));
	EACH(it, ms ? arr : NULL) {
		if (d.oom)
			break;
		dec_machine(&d, it, &ms[n++]);
	}
	cJSON_Delete(root);
	if (d.oom) {
		machines_free(ms, n);
		return oom_err(err, errlen);
	}
	if (n == 0) {
		free(ms);
		ms = NULL;
	}
	for (i = 0; i < app->n_machines; i++)
		fa_machine_release(&app->machines[i]);
	free(app->machines);
	app->machines = ms;
	app->n_machines = n;
	return 0;
}

/* ---- volumes, secrets, IPs, certificates ---------------------------------------------- */

int fa_api_decode_volumes(const char *body, size_t len, fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	dec d = { 0, NULL };
	fa_volume *vs = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = parse_array(body, len, "volumes", "id", &root, &arr, err, errlen);
	if (rc)
		return rc;
	vs = dalloc(&d, n_children(arr), sizeof(*vs));
	EACH(it, vs ? arr : NULL) {
		fa_volume *v = NULL;
		int r = 0;

		v = &vs[n++];
		v->id = dstr(&d, it, "id");
		v->name = dstr(&d, it, "name");
		v->state = dstr(&d, it, "state");
		v->region = dstr(&d, it, "region");
		v->zone = dstr(&d, it, "zone");
		v->attached_machine_id = dstr(&d, it, "attached_machine_id");
		v->created_at = dstr(&d, it, "created_at");
		v->type = dstr(&d, it, "type");
		v->size_gb = 0;
		num_ll(get(it, "size_gb"), 0, LLONG_MAX, &v->size_gb);
		v->snapshot_retention = -1;
		if (num_int(get(it, "snapshot_retention"), 0, INT_MAX, &r))
			v->snapshot_retention = r;
		v->encrypted = get_tri(it, "encrypted");
		v->auto_backup_enabled = get_tri(it, "auto_backup_enabled");
	}
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_volume_release(&vs[i]);
		free(vs);
		return oom_err(err, errlen);
	}
	if (n == 0) {
		free(vs);
		vs = NULL;
	}
	for (i = 0; i < app->n_volumes; i++)
		fa_volume_release(&app->volumes[i]);
	free(app->volumes);
	app->volumes = vs;
	app->n_volumes = n;
	return 0;
}

int fa_api_decode_secrets(const char *body, size_t len, fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	dec d = { 0, NULL };
	fa_secret *ss = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = parse_wrapped(body, len, "secrets", "name", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ss = dalloc(&d, n_children(arr), sizeof(*ss));
	EACH(it, ss ? arr : NULL) {
		fa_secret *s = NULL;

		s = &ss[n++];
		/* names and digests only: a `value` field is never read */
		s->name = dstr(&d, it, "name");
		s->digest = dstr(&d, it, "digest");
		s->created_at = dstr(&d, it, "created_at");
		s->updated_at = dstr(&d, it, "updated_at");
	}
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_secret_release(&ss[i]);
		free(ss);
		return oom_err(err, errlen);
	}
	if (n == 0) {
		free(ss);
		ss = NULL;
	}
	for (i = 0; i < app->n_secrets; i++)
		fa_secret_release(&app->secrets[i]);
	free(app->secrets);
	app->secrets = ss;
	app->n_secrets = n;
	return 0;
}

static int type_from_name(const char *t, fa_ip_type *out)
{
	static const struct {
		const char *name;
		fa_ip_type type;
	} tab[] = {
		{ "v4", FA_IP_V4 },
		{ "v6", FA_IP_V6 },
		{ "shared_v4", FA_IP_SHARED_V4 },
		{ "private_v6", FA_IP_PRIVATE_V6 },
		{ "egress_v4", FA_IP_EGRESS_V4 },
		{ "egress_v6", FA_IP_EGRESS_V6 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (strcmp(t, tab[i].name) == 0) {
			*out = tab[i].type;
			return 1;
		}
	}
	return 0;
}

fa_ip_type fa_api_infer_ip_type(const char *ip, int shared, int egress, const char *type)
{
	fa_ip_type t = FA_IP_V4;
	int v6;

	if (type && type_from_name(type, &t))
		return t;
	if (!ip)
		ip = "";
	v6 = strchr(ip, ':') != NULL;
	if (egress)
		return v6 ? FA_IP_EGRESS_V6 : FA_IP_EGRESS_V4;
	if ((ip[0] == 'f' || ip[0] == 'F') && (ip[1] == 'd' || ip[1] == 'D') &&
	    (ip[2] == 'a' || ip[2] == 'A') && (ip[3] == 'a' || ip[3] == 'A') && ip[4] == ':')
		return FA_IP_PRIVATE_V6;
	if (shared)
		return FA_IP_SHARED_V4;
	return v6 ? FA_IP_V6 : FA_IP_V4;
}

int fa_api_decode_ips(const char *body, size_t len, fa_app *app, char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	dec d = { 0, NULL };
	fa_ip *ips = NULL;
	size_t n = 0, i;
	int rc;

	if (!app) {
		set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = parse_wrapped(body, len, "ips", "ip", &root, &arr, err, errlen);
	if (rc)
		return rc;
	ips = dalloc(&d, n_children(arr), sizeof(*ips));
	EACH(it, ips ? arr : NULL) {
		fa_ip *ip = NULL;
		cJSON *net = NULL;

		ip = &ips[n++];
		ip->address = dstr(&d, it, "ip");
		ip->type = fa_api_infer_ip_type(ip->address, cJSON_IsTrue(get(it, "shared")),
						cJSON_IsTrue(get(it, "egress")), get_s(it, "type"));
		ip->region = dstr(&d, it, "region");
		ip->service_name = dstr(&d, it, "service_name");
		ip->created_at = dstr(&d, it, "created_at");
		net = get(it, "network");
		if (ip->type == FA_IP_PRIVATE_V6) {
			/* Flycast: a missing network is the org's default one ("") */
			const char *name = get_s(net, "name");

			ip->network = xstrdup(name ? name : "");
			if (!ip->network)
				d.oom = 1;
		}
	}
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_ip_release(&ips[i]);
		free(ips);
		return oom_err(err, errlen);
	}
	if (n == 0) {
		free(ips);
		ips = NULL;
	}
	for (i = 0; i < app->n_ips; i++)
		fa_ip_release(&app->ips[i]);
	free(app->ips);
	app->ips = ips;
	app->n_ips = n;
	return 0;
}

int fa_api_decode_certs_page(const char *body, size_t len, fa_app *app, char **next_cursor,
			     char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	dec d = { 0, NULL };
	fa_cert *cs = NULL, *grown = NULL;
	size_t n = 0, i;
	char *cursor = NULL;
	const char *nc = NULL;
	int rc;

	if (next_cursor)
		*next_cursor = NULL;
	if (!app) {
		set_err(err, errlen, "no app");
		return FA_API_EJSON;
	}
	rc = parse_wrapped(body, len, "certificates", "hostname", &root, &arr, err, errlen);
	if (rc)
		return rc;
	cs = dalloc(&d, n_children(arr), sizeof(*cs));
	EACH(it, cs ? arr : NULL) {
		fa_cert *c = NULL;

		c = &cs[n++];
		c->hostname = dstr(&d, it, "hostname");
		c->status = dstr(&d, it, "status");
		c->configured = get_tri(it, "configured");
		c->dns_provider = dstr(&d, it, "dns_provider");
		c->has_custom_certificate = get_tri(it, "has_custom_certificate");
		c->has_fly_certificate = get_tri(it, "has_fly_certificate");
		c->created_at = dstr(&d, it, "created_at");
		c->updated_at = dstr(&d, it, "updated_at");
	}
	nc = get_s(root, "next_cursor");
	if (nc && nc[0]) {
		cursor = xstrdup(nc);
		if (!cursor)
			d.oom = 1;
	}
	cJSON_Delete(root);
	if (!d.oom && n > 0) {
		if (app->n_certs > SIZE_MAX / sizeof(*cs) - n) {
			d.oom = 1;
		} else {
			grown = realloc(app->certs, (app->n_certs + n) * sizeof(*cs));
			if (!grown)
				d.oom = 1;
		}
	}
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_cert_release(&cs[i]);
		free(cs);
		free(cursor);
		return oom_err(err, errlen);
	}
	if (n > 0) {
		memcpy(grown + app->n_certs, cs, n * sizeof(*cs));
		app->certs = grown;
		app->n_certs += n;
	}
	free(cs);
	if (next_cursor)
		*next_cursor = cursor;
	else
		free(cursor);
	return 0;
}

/* ---- tokens (GraphQL) -------------------------------------------------------------------- */

static void tokens_free(fa_token *ts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_token_release(&ts[i]);
	free(ts);
}

/* The token nodes of a `{limitedAccessTokens{nodes[...]}}` object; NULL (and no error)
 * when `holder` has none. */
static void dec_tokens(dec *d, const cJSON *holder, const char *app, fa_token **out,
		       size_t *n_out)
{
	cJSON *nodes = get(get(holder, "limitedAccessTokens"), "nodes");
	const cJSON *it = NULL;
	fa_token *ts = NULL;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (!cJSON_IsArray(nodes))
		return;
	ts = dalloc(d, n_children(nodes), sizeof(*ts));
	EACH(it, ts ? nodes : NULL) {
		fa_token *t = NULL;

		if (!cJSON_IsObject(it))
			continue;
		t = &ts[n++];
		t->id = dstr(d, it, "id");
		t->name = dstr(d, it, "name");
		t->created_at = dstr(d, it, "createdAt");
		t->expires_at = dstr(d, it, "expiresAt");
		t->revoked_at = dstr(d, it, "revokedAt");
		t->profile = dstr(d, it, "profile");
		t->user_email = dstr(d, get(it, "user"), "email");
		if (app) {
			t->app = xstrdup(app);
			if (!t->app)
				d->oom = 1;
		}
	}
	if (n == 0) {
		free(ts);
		ts = NULL;
	}
	*out = ts;
	*n_out = n;
}

int fa_api_decode_org_tokens(const char *body, size_t len, fa_token **out, size_t *n_out,
			     char **next_cursor, char *err, size_t errlen)
{
	cJSON *root = NULL, *org = NULL;
	dec d = { 0, NULL };
	fa_token *ts = NULL;
	size_t n = 0;
	char *next = NULL;
	int rc, more = 0;

	if (next_cursor)
		*next_cursor = NULL;
	if (!out || !n_out) {
		set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = parse_body(body, len, &root, err, errlen);
	if (rc)
		return rc;
	if (!cJSON_IsObject(root)) {
		set_err(err, errlen, "expected a GraphQL response object");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	if (gql_has_errors(root)) {
		rc = gql_errors(root, err, errlen);
		goto cleanup;
	}
	org = get(get(root, "data"), "organization");
	if (!cJSON_IsObject(org)) {
		if (cJSON_IsObject(get(root, "data")) && (!org || cJSON_IsNull(org))) {
			set_err(err, errlen, "organization not found");
			rc = FA_API_ENOTFOUND;
		} else {
			set_err(err, errlen, "expected data.organization in the GraphQL response");
			rc = FA_API_EJSON;
		}
		goto cleanup;
	}
	if (!cJSON_IsArray(get(get(org, "limitedAccessTokens"), "nodes"))) {
		set_err(err, errlen, "expected limitedAccessTokens.nodes in the GraphQL response");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	dec_tokens(&d, org, NULL, &ts, &n);
	next = next_page(&d, get(org, "limitedAccessTokens"), &more);
	if (d.oom) {
		tokens_free(ts, n);
		free(next);
		rc = oom_err(err, errlen);
		goto cleanup;
	}
	if (more && (!next || !next_cursor)) {
		/* a longer list that cannot be followed: refuse rather than cut it */
		tokens_free(ts, n);
		free(next);
		set_err(err, errlen, "the token list has more pages than could be followed");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	*out = ts;
	*n_out = n;
	if (next_cursor)
		*next_cursor = next;
cleanup:
	cJSON_Delete(root);
	return rc;
}

/* The outcome for one alias of the batch, before it is committed. */
typedef struct alias_result {
	int ok;
	fa_token *tokens;
	size_t n_tokens;
	char msg[FA_API_ERRLEN];
} alias_result;

/* The error whose path[0] is `alias`, or NULL. */
static const cJSON *alias_error(const cJSON *root, const char *alias)
{
	cJSON *errs = get(root, "errors");
	const cJSON *e = NULL;

	EACH(e, cJSON_IsArray(errs) ? errs : NULL) {
		cJSON *path = get(e, "path");

		if (cJSON_IsArray(path) && cJSON_IsString(path->child) &&
		    path->child->valuestring && strcmp(path->child->valuestring, alias) == 0)
			return e;
	}
	return NULL;
}

/* The first error that names no alias (a whole-query error), or NULL. */
static const cJSON *global_error(const cJSON *root)
{
	cJSON *errs = get(root, "errors");
	const cJSON *e = NULL;

	EACH(e, cJSON_IsArray(errs) ? errs : NULL) {
		cJSON *path = get(e, "path");

		if (cJSON_IsObject(e) && (!cJSON_IsArray(path) || !cJSON_IsString(path->child)))
			return e;
	}
	return NULL;
}

int fa_api_decode_app_tokens(const char *body, size_t len, fa_app *const *apps, size_t n,
			     char *err, size_t errlen)
{
	cJSON *root = NULL, *data = NULL;
	dec d = { 0, NULL };
	alias_result *res = NULL;
	size_t i;
	int rc;

	if (!apps && n > 0) {
		set_err(err, errlen, "no apps");
		return FA_API_EJSON;
	}
	rc = parse_body(body, len, &root, err, errlen);
	if (rc)
		return rc;
	if (!cJSON_IsObject(root)) {
		set_err(err, errlen, "expected a GraphQL response object");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	if (gql_any_code(root, "UNAUTHORIZED")) {
		rc = gql_errors(root, err, errlen);
		goto cleanup;
	}
	data = get(root, "data");
	if (!cJSON_IsObject(data)) {
		if (gql_has_errors(root)) {
			rc = gql_errors(root, err, errlen);
		} else {
			set_err(err, errlen, "expected a data object in the GraphQL response");
			rc = FA_API_EJSON;
		}
		goto cleanup;
	}
	res = dalloc(&d, n, sizeof(*res));
	if (n > 0 && !res) {
		rc = oom_err(err, errlen);
		goto cleanup;
	}
	for (i = 0; i < n && !d.oom; i++) {
		char alias[32];
		cJSON *a = NULL;
		const cJSON *e = NULL;
		line l;

		snprintf(alias, sizeof(alias), "a%zu", i);
		a = get(data, alias);
		e = alias_error(root, alias);
		if (cJSON_IsObject(a) && !e &&
		    cJSON_IsArray(get(get(a, "limitedAccessTokens"), "nodes"))) {
			if (cJSON_IsTrue(get(get(get(a, "limitedAccessTokens"), "pageInfo"), "hasNextPage"))) {
				/* rare: an app with more tokens than a page; unknown, not cut */
				snprintf(res[i].msg, sizeof(res[i].msg),
					 "more than " TOKENS_PAGE " tokens: the list was not read whole");
				continue;
			}
			res[i].ok = 1;
			dec_tokens(&d, a, apps[i] ? apps[i]->name : NULL, &res[i].tokens,
				   &res[i].n_tokens);
			continue;
		}
		if (!e)
			e = global_error(root);
		line_init(&l, res[i].msg, sizeof(res[i].msg));
		if (e)
			gql_error_text(&l, e);
		else if (cJSON_IsObject(a))
			line_str(&l, "no limitedAccessTokens in the response");
		else
			line_str(&l, "no data for this app in the response");
	}
	if (d.oom) {
		for (i = 0; i < n; i++)
			tokens_free(res[i].tokens, res[i].n_tokens);
		rc = oom_err(err, errlen);
		goto cleanup;
	}
	for (i = 0; i < n; i++) {
		fa_app *app = apps[i];

		if (!app) {
			tokens_free(res[i].tokens, res[i].n_tokens);
			continue;
		}
		if (res[i].ok) {
			tokens_free(app->tokens, app->n_tokens);
			app->tokens = res[i].tokens;
			app->n_tokens = res[i].n_tokens;
			fa_load_ok(&app->load[FA_EP_TOKENS]);
			app->load[FA_EP_TOKENS].status = 200;
		} else {
			/* only the message copy can fail here; the app then keeps its old state */
			(void)fa_load_fail(&app->load[FA_EP_TOKENS], 200, res[i].msg);
		}
	}
cleanup:
	free(res);
	cJSON_Delete(root);
	return rc;
}

/* ---- tokens/current -------------------------------------------------------------------- */

void fa_token_current_release(fa_token_current *tc)
{
	size_t i;

	if (!tc)
		return;
	free(tc->token_id);
	free(tc->org_slug);
	free(tc->organization);
	free(tc->user);
	for (i = 0; i < tc->n_apps; i++)
		free(tc->apps[i]);
	free(tc->apps);
	memset(tc, 0, sizeof(*tc));
}

int fa_api_decode_tokens_current(const char *body, size_t len, fa_token_current *out,
				 char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *first = NULL, *apps = NULL;
	const cJSON *it = NULL;
	dec d = { 0, NULL };
	fa_token_current tc;
	int rc;

	memset(&tc, 0, sizeof(tc));
	if (!out) {
		set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = parse_wrapped(body, len, "tokens", NULL, &root, &arr, err, errlen);
	if (rc)
		return rc;
	EACH(first, arr) {
		if (cJSON_IsObject(first))
			break;
	}
	if (!first) {
		set_err(err, errlen, "the response describes no token");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	tc.token_id = dstr(&d, first, "token_id");
	tc.org_slug = dstr(&d, first, "org_slug");
	tc.organization = dstr(&d, first, "organization");
	tc.user = dstr(&d, first, "user");
	apps = get(first, "apps");
	if (cJSON_IsArray(apps)) {
		tc.apps = dalloc(&d, n_children(apps), sizeof(*tc.apps));
		EACH(it, tc.apps ? apps : NULL) {
			if (!cJSON_IsString(it) || !it->valuestring)
				continue;
			tc.apps[tc.n_apps] = xstrdup(it->valuestring);
			if (!tc.apps[tc.n_apps]) {
				d.oom = 1;
				break;
			}
			tc.n_apps++;
		}
	}
	if (d.oom) {
		fa_token_current_release(&tc);
		rc = oom_err(err, errlen);
		goto cleanup;
	}
	fa_token_current_release(out);
	*out = tc;
cleanup:
	cJSON_Delete(root);
	return rc;
}

/* ---- apps ------------------------------------------------------------------------------- */

/* One item of the app list: the list fields only. */
static void dec_app_item(dec *d, const cJSON *it, fa_app *a)
{
	fa_app_init(a);
	a->id = dstr(d, it, "id");
	a->name = dstr(d, it, "name");
	a->status = dstr(d, it, "status");
	a->network = dstr(d, it, "network");
	a->org_slug = dstr(d, get(it, "organization"), "slug");
	num_ll(get(it, "internal_numeric_id"), 0, LLONG_MAX, &a->internal_numeric_id);
	num_ll(get(it, "machine_count"), 0, LLONG_MAX, &a->machine_count);
	num_ll(get(it, "volume_count"), 0, LLONG_MAX, &a->volume_count);
}

int fa_api_decode_apps(const char *body, size_t len, fa_app **out, size_t *n_out,
		       char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	dec d = { 0, NULL };
	fa_app *as = NULL;
	size_t n = 0, i;
	int rc;

	if (!out || !n_out) {
		set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = parse_wrapped(body, len, "apps", "name", &root, &arr, err, errlen);
	if (rc)
		return rc;
	as = dalloc(&d, n_children(arr), sizeof(*as));
	EACH(it, as ? arr : NULL)
		dec_app_item(&d, it, &as[n++]);
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_app_release(&as[i]);
		free(as);
		return oom_err(err, errlen);
	}
	if (n == 0) {
		free(as);
		as = NULL;
	}
	*out = as;
	*n_out = n;
	return 0;
}

/* ---- the app list, streamed ------------------------------------------------------------
 *
 * An org of 10,000 apps answers GET /v1/apps with megabytes in one body. The stream decoder
 * takes the body in pieces as the transport receives it, cuts out one element of the
 * "apps" array at a time (tracking strings and brackets across pieces), and decodes just
 * that element, so neither the body nor a tree of it is ever held whole. Elements get the
 * same checks as fa_api_decode_apps(): an object with a non-empty "name" string, valid
 * UTF-8, nesting within FA_API_MAX_DEPTH. The parts of the body it does not use (other
 * top-level fields) are only scanned for their brackets and strings. */

#define APP_ITEM_MAX ((size_t)1024 * 1024)

struct fa_api_apps_stream {
	fa_api_app_cb cb;
	void *ud;
	int depth;
	int in_str, esc;
	int started;     /* the top-level '{' was seen */
	int closed;      /* ... and its '}' */
	int expect_key;  /* at depth 1, the next string is a key */
	int key_open;    /* reading a key string at depth 1 */
	int want_value;  /* after "key": at depth 1 */
	int value_apps;  /* that key was "apps" */
	int in_apps;     /* inside the apps array (depth 2) */
	int apps_seen;
	size_t index;    /* elements seen */
	char key[16];
	size_t key_len;
	fa_buf item;     /* the element being cut out */
	int capturing;
	int failed;
};

int fa_api_apps_stream_new(fa_api_apps_stream **out, fa_api_app_cb cb, void *ud)
{
	fa_api_apps_stream *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return FA_API_ENOMEM;
	s->cb = cb;
	s->ud = ud;
	fa_buf_init(&s->item, APP_ITEM_MAX);
	*out = s;
	return 0;
}

void fa_api_apps_stream_reset(fa_api_apps_stream *s)
{
	fa_api_app_cb cb = s->cb;
	void *ud = s->ud;

	fa_buf_release(&s->item);
	memset(s, 0, sizeof(*s));
	s->cb = cb;
	s->ud = ud;
	fa_buf_init(&s->item, APP_ITEM_MAX);
}

void fa_api_apps_stream_free(fa_api_apps_stream *s)
{
	if (!s)
		return;
	fa_buf_release(&s->item);
	free(s);
}

/* Records the error (its text is already in err) and returns it. */
static int stream_fail(fa_api_apps_stream *s, int code)
{
	s->failed = code;
	return code;
}

/* One complete element: validate, decode, hand over. */
static int stream_item(fa_api_apps_stream *s, char *err, size_t errlen)
{
	cJSON *root = NULL;
	const cJSON *name = NULL;
	dec d = { 0, NULL };
	fa_app app;
	size_t i = s->index++;
	int rc;

	if (utf8_check(s->item.data, s->item.len) != s->item.len) {
		set_err(err, errlen, "apps[%zu] is not valid UTF-8", i);
		return stream_fail(s, FA_API_EJSON);
	}
	root = cJSON_ParseWithLength(s->item.data, s->item.len);
	fa_buf_reset(&s->item);
	if (!root) {
		set_err(err, errlen, "apps[%zu] is not valid JSON", i);
		return stream_fail(s, FA_API_EJSON);
	}
	name = cJSON_GetObjectItemCaseSensitive(root, "name");
	if (!cJSON_IsString(name) || !name->valuestring[0]) {
		cJSON_Delete(root);
		set_err(err, errlen, "apps[%zu] has no \"name\" string", i);
		return stream_fail(s, FA_API_EJSON);
	}
	dec_app_item(&d, root, &app);
	cJSON_Delete(root);
	if (d.oom) {
		fa_app_release(&app);
		s->failed = FA_API_ENOMEM;
		return oom_err(err, errlen);
	}
	rc = s->cb ? s->cb(s->ud, &app) : 0;
	fa_app_release(&app);
	if (rc < 0) {
		set_err(err, errlen, "%s", "stopped by the caller");
		return stream_fail(s, FA_API_EJSON);
	}
	return 0;
}

int fa_api_apps_stream_feed(fa_api_apps_stream *s, const char *data, size_t len, char *err,
			    size_t errlen)
{
	size_t i;

	if (s->failed)
		return s->failed;
	for (i = 0; i < len; i++) {
		char c = data[i];

		if (s->capturing && fa_buf_add(&s->item, &c, 1) < 0) {
			set_err(err, errlen, "apps[%zu] is larger than 1 MiB", s->index);
			return stream_fail(s, FA_API_EJSON);
		}
		if (s->in_str) {
			if (s->esc) {
				s->esc = 0;
			} else if (c == '\\') {
				s->esc = 1;
			} else if (c == '"') {
				s->in_str = 0;
				if (s->key_open) {
					s->key_open = 0;
					s->key[s->key_len < sizeof(s->key) ? s->key_len : sizeof(s->key) - 1] = '\0';
				}
			} else if (s->key_open && s->key_len < sizeof(s->key)) {
				s->key[s->key_len++] = c;
			}
			if (s->in_str && s->key_open && s->key_len >= sizeof(s->key))
				s->key_len = sizeof(s->key); /* long keys are never "apps" */
			continue;
		}
		if (is_ws(c))
			continue;
		if (s->closed) {
			set_err(err, errlen, "invalid JSON: trailing data");
			return stream_fail(s, FA_API_EJSON);
		}
		if (!s->started) {
			if (c != '{') {
			set_err(err, errlen, "expected a JSON object with \"apps\"");
			return stream_fail(s, FA_API_EJSON);
		}
			s->started = 1;
			s->depth = 1;
			s->expect_key = 1;
			continue;
		}
		/* a value right after "apps": at the top level */
		if (s->depth == 1 && s->want_value) {
			s->want_value = 0;
			if (s->value_apps) {
				s->apps_seen = 1;
				if (c == '[') {
					s->in_apps = 1;
					s->depth = 2;
					continue;
				}
				if (c != 'n') { /* null: no apps */
					set_err(err, errlen, "\"apps\" is not an array");
					return stream_fail(s, FA_API_EJSON);
				}
			}
		}
		if (s->in_apps && s->depth == 2 && !s->capturing) {
			if (c == ',')
				continue;
			if (c == ']') {
				s->in_apps = 0;
				s->depth = 1;
				continue;
			}
			if (c != '{') {
				set_err(err, errlen, "apps[%zu] is not an object", s->index);
				return stream_fail(s, FA_API_EJSON);
			}
			s->capturing = 1;
			fa_buf_reset(&s->item);
			if (fa_buf_add(&s->item, &c, 1) < 0) {
				set_err(err, errlen, "out of memory");
				return stream_fail(s, FA_API_ENOMEM);
			}
			s->depth = 3;
			continue;
		}
		if (c == '"') {
			s->in_str = 1;
			if (s->depth == 1 && s->expect_key) {
				s->expect_key = 0;
				s->key_open = 1;
				s->key_len = 0;
			}
		} else if (c == ',' && s->depth == 1) {
			s->expect_key = 1;
		} else if (c == ':' && s->depth == 1) {
			s->want_value = 1;
			s->value_apps = strcmp(s->key, "apps") == 0;
		} else if (c == '{' || c == '[') {
			if (++s->depth > FA_API_MAX_DEPTH) {
				set_err(err, errlen, "JSON nested deeper than %zu levels", (size_t)FA_API_MAX_DEPTH);
				return stream_fail(s, FA_API_EJSON);
			}
		} else if (c == '}' || c == ']') {
			if (--s->depth == 0) {
				s->closed = 1;
			} else if (s->capturing && s->depth == 2) {
				int rc;

				s->capturing = 0;
				rc = stream_item(s, err, errlen);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

int fa_api_apps_stream_finish(fa_api_apps_stream *s, char *err, size_t errlen)
{
	if (s->failed)
		return s->failed;
	if (!s->started) {
		set_err(err, errlen, "empty response");
		return stream_fail(s, FA_API_EJSON);
	}
	if (!s->closed || s->in_str) {
		set_err(err, errlen, "truncated JSON (after %zu apps)", s->index);
		return stream_fail(s, FA_API_EJSON);
	}
	if (!s->apps_seen) {
		set_err(err, errlen, "no \"apps\" in the response");
		return stream_fail(s, FA_API_EJSON);
	}
	return 0;
}

size_t fa_api_apps_stream_count(const fa_api_apps_stream *s)
{
	return s->index;
}
