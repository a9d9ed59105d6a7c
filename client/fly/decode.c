/* fly/decode.c: the helpers every Fly API decoder shares: error text, UTF-8 checks, the
 * one-line writer, numbers, the decoder allocator, body parsing and the list shapes. */
#include "internal.h"

#include "flyaudit/jsoncheck.h"
#include "flyaudit/scrub.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fly_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	fa_scrub(err, strlen(err), 1);
}

/* Every string a decoder keeps is a copy made here: scrubbed of the token (scrub.h). */
static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	fa_scrub(p, n, 0);
	return p;
}

char *fly_strdup(const char *s)
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
size_t fly_utf8_check(const char *s, size_t len)
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

int fly_utf8_valid(const char *s)
{
	size_t n = strlen(s);

	return fly_utf8_check(s, n) == n;
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

void fly_line_init(fly_line *l, char *out, size_t outlen)
{
	l->out = out;
	l->outlen = outlen;
	l->pos = 0;
	l->budget = (size_t)-1;
	l->space = 0;
	if (out && outlen)
		out[0] = '\0';
}

static int line_put(fly_line *l, const char *s, size_t k)
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

static void line_text(fly_line *l, const char *s, size_t n);

/* Server text into a message: scrubbed of the token before anything is cut from it. */
void fly_line_text(fly_line *l, const char *s, size_t n)
{
	char *copy = NULL;

	if (!s || n == 0)
		return;
	if (n > 16384) /* a message keeps a few hundred characters; the scrub reads them all */
		n = 16384;
	copy = malloc(n + 1);
	if (!copy)
		return; /* no text rather than unscrubbed text */
	memcpy(copy, s, n);
	copy[n] = '\0';
	n = fa_scrub(copy, n, 1);
	line_text(l, copy, n);
	free(copy);
}

static void line_text(fly_line *l, const char *s, size_t n)
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

void fly_line_str(fly_line *l, const char *s)
{
	size_t saved = l->budget;

	l->budget = (size_t)-1;
	fly_line_text(l, s, strlen(s));
	l->budget = saved;
}

/* A JSON number clamped into [lo, hi] without undefined conversions; 0 when `it` is
 * not a finite number (the caller keeps its default). */
int fly_num_ll(const cJSON *it, long long lo, long long hi, long long *out)
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

int fly_num_int(const cJSON *it, int lo, int hi, int *out)
{
	long long v = 0;

	if (!fly_num_ll(it, lo, hi, &v))
		return 0;
	*out = (int)v;
	return 1;
}

/* A copy of obj[k] when it is a string, else NULL (d->oom set on OOM). */
char *fly_dstr(fly_dec *d, const cJSON *obj, const char *k)
{
	const char *s = fly_get_s(obj, k);
	char *p = NULL;

	if (!s)
		return NULL;
	p = fly_strdup(s);
	if (!p)
		d->oom = 1;
	return p;
}

/* Number of elements of an array or members of an object (0 for anything else). */
size_t fly_n_children(const cJSON *c)
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
void *fly_dalloc(fly_dec *d, size_t n, size_t size)
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

int fly_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Validates and parses a body. On success *out is the tree (caller deletes). */
int fly_parse_body(const char *body, size_t len, cJSON **out, char *err, size_t errlen)
{
	const char *end = NULL;
	size_t i, bad;
	int open = 0;
	cJSON *root = NULL;

	*out = NULL;
	for (i = 0; body && i < len && fly_is_ws(body[i]); i++)
		;
	if (!body || i == len) {
		fly_set_err(err, errlen, "empty response");
		return FA_API_EJSON;
	}
	bad = fly_utf8_check(body, len);
	if (bad != len) {
		fly_set_err(err, errlen, "response is not valid UTF-8 (byte %zu)", bad);
		return FA_API_EJSON;
	}
	if (!depth_scan(body, len, &open)) {
		fly_set_err(err, errlen, "JSON nested deeper than %d levels", FA_API_MAX_DEPTH);
		return FA_API_EJSON;
	}
	root = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	if (!root) {
		size_t at = (end && end >= body && end <= body + len) ? (size_t)(end - body) : len;

		/* cJSON cannot tell OOM from a syntax error; syntax is by far the likelier. */
		if (open || at >= len)
			fly_set_err(err, errlen, "truncated JSON (unexpected end after %zu bytes)", len);
		else
			fly_set_err(err, errlen, "invalid JSON at byte %zu", at);
		return FA_API_EJSON;
	}
	if (end) {
		const char *p;

		for (p = end; p < body + len; p++) {
			if (!fly_is_ws(*p)) {
				cJSON_Delete(root);
				fly_set_err(err, errlen, "invalid JSON: trailing data at byte %zu",
					(size_t)(p - body));
				return FA_API_EJSON;
			}
		}
	}
	{
		char why[160];

		/* what cJSON reads silently: a repeated key, a string cut at \u0000 */
		if (fa_json_check(body, len, why, sizeof(why)) < 0) {
			cJSON_Delete(root);
			fly_set_err(err, errlen, "malformed JSON: %s", why);
			return FA_API_EJSON;
		}
	}
	*out = root;
	return 0;
}

char *fly_buf_finish(fa_buf *b)
{
	return fa_buf_detach(b, NULL);
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
int fly_parse_array(const char *body, size_t len, const char *what, const char *id_key,
		       cJSON **root, cJSON **arr, char *err, size_t errlen)
{
	int rc = fly_parse_body(body, len, root, err, errlen);

	if (rc)
		return rc;
	if (cJSON_IsNull(*root)) {
		*arr = NULL;
		return 0;
	}
	if (!cJSON_IsArray(*root)) {
		fly_set_err(err, errlen, "expected a JSON array of %s", what);
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
int fly_parse_wrapped(const char *body, size_t len, const char *key, const char *id_key,
			 cJSON **root, cJSON **arr, char *err, size_t errlen)
{
	cJSON *a = NULL;
	int rc = fly_parse_body(body, len, root, err, errlen);

	if (rc)
		return rc;
	a = fly_get(*root, key);
	if (!cJSON_IsObject(*root) || !a || (!cJSON_IsArray(a) && !cJSON_IsNull(a))) {
		fly_set_err(err, errlen, "expected a JSON object with a \"%s\" array", key);
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

int fly_oom_err(char *err, size_t errlen)
{
	fly_set_err(err, errlen, "out of memory");
	return FA_API_ENOMEM;
}
