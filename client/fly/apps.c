/* fly/apps.c: GET /v1/apps?org_slug=: the app list, whole or streamed one element at a time. */
#include "internal.h"

#include "flyaudit/jsoncheck.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Fly's app names: 1..63 characters of [a-z0-9-]. Anything else (a 300 KB name, a NUL,
 * "../") never reaches a URL, a report or a terminal: the list item is malformed. */
int fa_api_app_name_ok(const char *name)
{
	size_t i;

	if (!name)
		return 0;
	for (i = 0; name[i]; i++) {
		char c = name[i];

		if (i >= 63 || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return i > 0;
}

/* One item of the app list: the list fields only. */
static void dec_app_item(fly_dec *d, const cJSON *it, fa_app *a)
{
	fa_app_init(a);
	a->id = fly_dstr(d, it, "id");
	a->name = fly_dstr(d, it, "name");
	a->status = fly_dstr(d, it, "status");
	a->network = fly_dstr(d, it, "network");
	a->org_slug = fly_dstr(d, fly_get(it, "organization"), "slug");
	fly_num_ll(fly_get(it, "internal_numeric_id"), 0, LLONG_MAX, &a->internal_numeric_id);
	fly_num_ll(fly_get(it, "machine_count"), 0, LLONG_MAX, &a->machine_count);
	fly_num_ll(fly_get(it, "volume_count"), 0, LLONG_MAX, &a->volume_count);
}

int fa_api_decode_apps(const char *body, size_t len, fa_app **out, size_t *n_out,
		       char *err, size_t errlen)
{
	cJSON *root = NULL, *arr = NULL, *it = NULL;
	fly_dec d = { 0, NULL };
	fa_app *as = NULL;
	size_t n = 0, i;
	int rc;

	if (!out || !n_out) {
		fly_set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = fly_parse_wrapped(body, len, "apps", "name", &root, &arr, err, errlen);
	if (rc)
		return rc;
	i = 0;
	EACH(it, arr) {
		if (!fa_api_app_name_ok(fly_get_s(it, "name"))) {
			cJSON_Delete(root);
			fly_set_err(err, errlen, "apps[%zu] has a name that is not a Fly app name", i);
			return FA_API_EJSON;
		}
		i++;
	}
	as = fly_dalloc(&d, fly_n_children(arr), sizeof(*as));
	EACH(it, as ? arr : NULL)
		dec_app_item(&d, it, &as[n++]);
	cJSON_Delete(root);
	if (d.oom) {
		for (i = 0; i < n; i++)
			fa_app_release(&as[i]);
		free(as);
		return fly_oom_err(err, errlen);
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
	/* paging (REFERENCE §7.8): the top-level "total_apps" and "next_cursor" values */
	int scalar;      /* capturing one of them: 1 total_apps, 2 next_cursor */
	char val[520];
	size_t val_len;
	int seen_total, seen_cursor;
	long long total; /* -1: not sent */
	char *cursor;    /* NULL or "": no next page */
};

int fa_api_apps_stream_new(fa_api_apps_stream **out, fa_api_app_cb cb, void *ud)
{
	fa_api_apps_stream *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return FA_API_ENOMEM;
	s->cb = cb;
	s->ud = ud;
	s->total = -1;
	fa_buf_init(&s->item, APP_ITEM_MAX);
	*out = s;
	return 0;
}

void fa_api_apps_stream_reset(fa_api_apps_stream *s)
{
	fa_api_app_cb cb = s->cb;
	void *ud = s->ud;

	fa_buf_release(&s->item);
	free(s->cursor);
	memset(s, 0, sizeof(*s));
	s->cb = cb;
	s->ud = ud;
	s->total = -1;
	fa_buf_init(&s->item, APP_ITEM_MAX);
}

void fa_api_apps_stream_free(fa_api_apps_stream *s)
{
	if (!s)
		return;
	fa_buf_release(&s->item);
	free(s->cursor);
	free(s);
}

static int stream_fail(fa_api_apps_stream *s, int code);

/* The end of a captured top-level "total_apps" or "next_cursor" value. */
static int scalar_done(fa_api_apps_stream *s, char *err, size_t errlen)
{
	cJSON *v = NULL;
	int kind = s->scalar;

	s->scalar = 0;
	if (s->val_len >= sizeof(s->val)) {
		fly_set_err(err, errlen, "\"%s\" is too long", kind == 1 ? "total_apps" : "next_cursor");
		return stream_fail(s, FA_API_EJSON);
	}
	s->val[s->val_len] = '\0';
	v = cJSON_Parse(s->val);
	if (kind == 1) {
		double d = cJSON_IsNumber(v) ? v->valuedouble : -1;

		if (cJSON_IsNull(v)) {
			s->total = -1;
		} else if (!(d >= 0 && d <= 1e15 && d == (double)(long long)d)) {
			cJSON_Delete(v);
			fly_set_err(err, errlen, "\"total_apps\" is not a count");
			return stream_fail(s, FA_API_EJSON);
		} else {
			s->total = (long long)d;
		}
	} else {
		if (cJSON_IsString(v) && v->valuestring[0]) {
			if (!fly_utf8_valid(v->valuestring) || fa_json_check(s->val, s->val_len, NULL, 0) < 0) {
				cJSON_Delete(v);
				fly_set_err(err, errlen, "\"next_cursor\" is malformed");
				return stream_fail(s, FA_API_EJSON);
			}
			free(s->cursor);
			s->cursor = fly_strdup(v->valuestring);
			if (!s->cursor) {
				cJSON_Delete(v);
				s->failed = FA_API_ENOMEM;
				return fly_oom_err(err, errlen);
			}
		} else if (!cJSON_IsNull(v) && !cJSON_IsString(v)) {
			cJSON_Delete(v);
			fly_set_err(err, errlen, "\"next_cursor\" is not a string");
			return stream_fail(s, FA_API_EJSON);
		}
	}
	cJSON_Delete(v);
	return 0;
}

long long fa_api_apps_stream_total(const fa_api_apps_stream *s)
{
	return s->total;
}

const char *fa_api_apps_stream_cursor(const fa_api_apps_stream *s)
{
	return s->cursor && s->cursor[0] ? s->cursor : NULL;
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
	fly_dec d = { 0, NULL };
	fa_app app;
	size_t i = s->index++;
	int rc;

	if (fly_utf8_check(s->item.data, s->item.len) != s->item.len) {
		fly_set_err(err, errlen, "apps[%zu] is not valid UTF-8", i);
		return stream_fail(s, FA_API_EJSON);
	}
	root = cJSON_ParseWithLength(s->item.data, s->item.len);
	if (!root) {
		fa_buf_reset(&s->item);
		fly_set_err(err, errlen, "apps[%zu] is not valid JSON", i);
		return stream_fail(s, FA_API_EJSON);
	}
	{
		char why[160];

		rc = fa_json_check(s->item.data, s->item.len, why, sizeof(why));
		fa_buf_reset(&s->item);
		if (rc < 0) {
			cJSON_Delete(root);
			fly_set_err(err, errlen, "apps[%zu] is malformed: %s", i, why);
			return stream_fail(s, FA_API_EJSON);
		}
	}
	name = cJSON_GetObjectItemCaseSensitive(root, "name");
	if (!cJSON_IsString(name) || !name->valuestring[0]) {
		cJSON_Delete(root);
		fly_set_err(err, errlen, "apps[%zu] has no \"name\" string", i);
		return stream_fail(s, FA_API_EJSON);
	}
	if (!fa_api_app_name_ok(name->valuestring)) {
		cJSON_Delete(root);
		fly_set_err(err, errlen, "apps[%zu] has a name that is not a Fly app name ([a-z0-9-], at most 63)", i);
		return stream_fail(s, FA_API_EJSON);
	}
	dec_app_item(&d, root, &app);
	cJSON_Delete(root);
	if (d.oom) {
		fa_app_release(&app);
		s->failed = FA_API_ENOMEM;
		return fly_oom_err(err, errlen);
	}
	rc = s->cb ? s->cb(s->ud, &app) : 0;
	fa_app_release(&app);
	if (rc < 0) {
		fly_set_err(err, errlen, "%s", "stopped by the caller");
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

		if (s->scalar && s->depth == 1 && !(!s->in_str && (c == ',' || c == '}'))) {
			if (!s->in_str && (c == '{' || c == '[')) {
				fly_set_err(err, errlen, "\"%s\" is not a scalar",
					    s->scalar == 1 ? "total_apps" : "next_cursor");
				return stream_fail(s, FA_API_EJSON);
			}
			if (s->val_len < sizeof(s->val))
				s->val[s->val_len++] = c;
		}
		if (s->capturing && fa_buf_add(&s->item, &c, 1) < 0) {
			fly_set_err(err, errlen, "apps[%zu] is larger than 1 MiB", s->index);
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
		if (fly_is_ws(c))
			continue;
		if (s->closed) {
			fly_set_err(err, errlen, "invalid JSON: trailing data");
			return stream_fail(s, FA_API_EJSON);
		}
		if (!s->started) {
			if (c != '{') {
			fly_set_err(err, errlen, "expected a JSON object with \"apps\"");
			return stream_fail(s, FA_API_EJSON);
		}
			s->started = 1;
			s->depth = 1;
			s->expect_key = 1;
			continue;
		}
		if (s->scalar && s->depth == 1 && (c == ',' || c == '}')) {
			int rc = scalar_done(s, err, errlen);

			if (rc)
				return rc;
		}
		/* a value right after "apps": at the top level */
		if (s->depth == 1 && s->want_value) {
			s->want_value = 0;
			if (s->value_apps) {
				if (s->apps_seen) {
					fly_set_err(err, errlen, "\"apps\" appears twice");
					return stream_fail(s, FA_API_EJSON);
				}
				s->apps_seen = 1;
				if (c == '[') {
					s->in_apps = 1;
					s->depth = 2;
					continue;
				}
				if (c != 'n') { /* null: no apps */
					fly_set_err(err, errlen, "\"apps\" is not an array");
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
				fly_set_err(err, errlen, "apps[%zu] is not an object", s->index);
				return stream_fail(s, FA_API_EJSON);
			}
			s->capturing = 1;
			fa_buf_reset(&s->item);
			if (fa_buf_add(&s->item, &c, 1) < 0) {
				fly_set_err(err, errlen, "out of memory");
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
			if (strcmp(s->key, "total_apps") == 0 || strcmp(s->key, "next_cursor") == 0) {
				int *seen = s->key[0] == 't' ? &s->seen_total : &s->seen_cursor;

				if (*seen) {
					fly_set_err(err, errlen, "\"%s\" appears twice", s->key);
					return stream_fail(s, FA_API_EJSON);
				}
				*seen = 1;
				s->scalar = s->key[0] == 't' ? 1 : 2;
				s->val_len = 0;
			}
		} else if (c == '{' || c == '[') {
			if (++s->depth > FA_API_MAX_DEPTH) {
				fly_set_err(err, errlen, "JSON nested deeper than %zu levels", (size_t)FA_API_MAX_DEPTH);
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
		fly_set_err(err, errlen, "empty response");
		return stream_fail(s, FA_API_EJSON);
	}
	if (!s->closed || s->in_str) {
		fly_set_err(err, errlen, "truncated JSON"); /* the caller says after how many apps */
		return stream_fail(s, FA_API_EJSON);
	}
	if (!s->apps_seen) {
		fly_set_err(err, errlen, "no \"apps\" in the response");
		return stream_fail(s, FA_API_EJSON);
	}
	return 0;
}

size_t fa_api_apps_stream_count(const fa_api_apps_stream *s)
{
	return s->index;
}
