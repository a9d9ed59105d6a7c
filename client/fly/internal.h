/* fly/internal.h: what the Fly API binding files (client/fly/) share: the decoder context,
 * the JSON accessors, body parsing, error lines. Not public: include/flyaudit/api.h is. */
#ifndef FLYAUDIT_CLIENT_FLY_INTERNAL_H
#define FLYAUDIT_CLIENT_FLY_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "flyaudit/api.h"
#include "flyaudit/buf.h"
#include "flyaudit/model.h"

/* ---- decode.c: small helpers ------------------------------------------------------------ */

void fly_set_err(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;
char *fly_strdup(const char *s);            /* NULL on OOM */
size_t fly_utf8_check(const char *s, size_t len); /* offset of the first invalid byte, or len */
int fly_utf8_valid(const char *s);

/* A one-line writer: appends cleaned text to out (outlen bytes, NUL-terminated), with
 * control characters turned to spaces, runs of spaces folded, invalid UTF-8 shown as '?',
 * and never a partial UTF-8 sequence at the cut. */
typedef struct fly_line {
	char *out;
	size_t outlen;
	size_t pos;
	size_t budget; /* characters of message text still allowed */
	int space;     /* a space is pending */
} fly_line;

void fly_line_init(fly_line *l, char *out, size_t outlen);
void fly_line_text(fly_line *l, const char *s, size_t n);
void fly_line_str(fly_line *l, const char *s);

/* Integers of a JSON number within [lo, hi]: 1 and *out set, else 0. */
int fly_num_ll(const cJSON *it, long long lo, long long hi, long long *out);
int fly_num_int(const cJSON *it, int lo, int hi, int *out);

/* cJSON_ArrayForEach without its unparenthesized first use of `array`. */
#define EACH(it, array) for ((it) = (array) ? (array)->child : NULL; (it); (it) = (it)->next)


/* ---- the decoder context ---------------------------------------------------------------- */

/* ---- the decoder context ---------------------------------------------------------- */

typedef struct fly_dec {
	int oom;
	const unsigned char *key; /* env hash key, FA_API_HASH_KEY_LEN bytes */
} fly_dec;

static inline cJSON *fly_get(const cJSON *obj, const char *k)
{
	if (!cJSON_IsObject(obj))
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(obj, k);
}

static inline const char *fly_get_s(const cJSON *obj, const char *k)
{
	cJSON *it = fly_get(obj, k);

	if (!cJSON_IsString(it) || !it->valuestring)
		return NULL;
	return it->valuestring;
}

static inline fa_tri fly_get_tri(const cJSON *obj, const char *k)
{
	cJSON *it = fly_get(obj, k);

	if (cJSON_IsTrue(it))
		return FA_TRI_TRUE;
	if (cJSON_IsFalse(it))
		return FA_TRI_FALSE;
	return FA_TRI_UNKNOWN;
}


/* A copy of obj[k] when it is a string, else NULL (d->oom set on OOM). */
char *fly_dstr(fly_dec *d, const cJSON *obj, const char *k);
size_t fly_n_children(const cJSON *c);
void *fly_dalloc(fly_dec *d, size_t n, size_t size);

/* ---- bodies ----------------------------------------------------------------------------- */

int fly_is_ws(char c);
/* Parses a whole body (size, depth, UTF-8 checked) into *out; 0 or an FA_API_E* code. */
int fly_parse_body(const char *body, size_t len, cJSON **out, char *err, size_t errlen);
char *fly_buf_finish(fa_buf *b);
/* A bare array of `what` whose items are objects with a string `id_key`. */
int fly_parse_array(const char *body, size_t len, const char *what, const char *id_key,
		    cJSON **root, cJSON **arr, char *err, size_t errlen);
/* An object holding a `key` array; with `id_key`, its items must be objects with that
 * string. */
int fly_parse_wrapped(const char *body, size_t len, const char *key, const char *id_key,
		      cJSON **root, cJSON **arr, char *err, size_t errlen);
int fly_oom_err(char *err, size_t errlen);

/* ---- errors.c: GraphQL errors ----------------------------------------------------------- */

void fly_gql_error_text(fly_line *l, const cJSON *e);
int fly_gql_has_errors(const cJSON *root);
int fly_gql_any_code(const cJSON *root, const char *code);
int fly_gql_errors(const cJSON *root, char *err, size_t errlen);

#endif
