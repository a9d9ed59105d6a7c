/* api.h: Fly API bindings: request paths and GraphQL bodies, and the decoders that turn
 * response bodies into the model (client/fly/).
 *
 * Decoders are lenient where Fly is loose (bare arrays, `autostop` bool or string,
 * unknown fields ignored, optional fields missing) and strict where a guess would hide a
 * problem (a missing `encrypted` stays FA_TRI_UNKNOWN). They never keep an env value:
 * each is classified (secrets.h) and hashed with `hash_key`, then dropped.
 *
 * Every decoder returns 0, or a negative FA_API_E* with a one-line reason in `err`
 * (never a part of the body that could be a secret). On error nothing is appended.
 */
#ifndef FLYAUDIT_API_H
#define FLYAUDIT_API_H

#include <stddef.h>

#include "flyaudit/model.h"

enum {
	FA_API_OK = 0,
	FA_API_EJSON = -1,    /* not JSON, or not the expected shape */
	FA_API_EGRAPHQL = -2, /* a GraphQL `errors` array (HTTP 200) */
	FA_API_EUNAUTH = -3,  /* GraphQL UNAUTHORIZED */
	FA_API_ENOTFOUND = -4, /* GraphQL NOT_FOUND */
	FA_API_ENOMEM = -5,
};

#define FA_API_ERRLEN 256
#define FA_API_MAX_DEPTH 64 /* deeper JSON is refused before cJSON sees it */

/* A hash key for env values: random per run, never written anywhere. */
#define FA_API_HASH_KEY_LEN 32

/* Paths (malloc'd, caller frees; names are URL-escaped). NULL on OOM. */
char *fa_api_path_apps(const char *org_slug);
/* The same with `&cursor=` (the body's next_cursor) when cursor is not NULL. */
char *fa_api_path_apps_page(const char *org_slug, const char *cursor);
char *fa_api_path_app(const char *app, const char *what); /* what: "machines", ... */
char *fa_api_path_certs(const char *app, const char *cursor, int limit);
/* "/v1/apps/APP/WHAT?cursor=C" (machines, volumes: the `fly-next-cursor` of the page
 * before); without a cursor the same as fa_api_path_app(). */
char *fa_api_path_page(const char *app, const char *what, const char *cursor);
#define FA_API_PATH_TOKENS_CURRENT "/v1/tokens/current"

/* GraphQL bodies (malloc'd JSON). */
/* The org's tokens, one page (500) at a time: `after` is the previous page's cursor, or
 * NULL for the first page. */
char *fa_api_gql_org_tokens(const char *org_slug, const char *after);
/* One query for many apps, aliased a0..a{n-1}. NULL also when n is 0 or a name is
 * NULL or not UTF-8. */
char *fa_api_gql_app_tokens(const char *const *apps, size_t n);

/* People and access (REFERENCE.md section 8): `part` -1 asks every part of fa_access_part
 * (first page each, each aliased on its own organization(slug:) so a refused field fails
 * alone); a part with `after` asks that part's next page. NULL for a bad argument. */
char *fa_api_gql_access(const char *org_slug, int part, const char *after);
/* The organizations the token can read (one page; `after` NULL for the first). */
char *fa_api_gql_organizations(const char *after);

/* One line describing an error response: {"error"}, {"message"}, GraphQL errors,
 * or plain text (cut, control characters dropped). */
void fa_api_error_message(long status, const char *body, size_t len, char *out, size_t outlen);

/* GET /v1/apps?org_slug=: a new array of apps (fa_app_init'd, list fields set). */
int fa_api_decode_apps(const char *body, size_t len, fa_app **out, size_t *n_out,
		       char *err, size_t errlen);
/* The same list, decoded as it streams in (an org of 10,000 apps answers with megabytes):
 * feed the body in pieces of any size; `cb` gets each app (list fields set, borrowed for
 * the call) as soon as its element is complete; finish checks that the document ended.
 * Errors as fa_api_decode_apps(); after one, feed and finish return it again. Apps handed
 * over before an error stay handed over: the caller decides what a cut list means. */
typedef struct fa_api_apps_stream fa_api_apps_stream;
typedef int (*fa_api_app_cb)(void *ud, const fa_app *app); /* 0, or -1 to stop */
int fa_api_apps_stream_new(fa_api_apps_stream **out, fa_api_app_cb cb, void *ud);
int fa_api_apps_stream_feed(fa_api_apps_stream *s, const char *data, size_t len, char *err,
			    size_t errlen);
int fa_api_apps_stream_finish(fa_api_apps_stream *s, char *err, size_t errlen);
/* Starts again from an empty body (the transport retries a transfer from the start). */
void fa_api_apps_stream_reset(fa_api_apps_stream *s);
/* Apps handed over so far. */
size_t fa_api_apps_stream_count(const fa_api_apps_stream *s);
/* After finish: the body's "total_apps" (-1 when absent or null) and "next_cursor" (NULL
 * when absent, null or empty; borrowed until the next reset). */
long long fa_api_apps_stream_total(const fa_api_apps_stream *s);
const char *fa_api_apps_stream_cursor(const fa_api_apps_stream *s);
/* 1 when name is a Fly app name: 1..63 characters of [a-z0-9-]. */
int fa_api_app_name_ok(const char *name);
void fa_api_apps_stream_free(fa_api_apps_stream *s);

/* GET /v1/apps/{app}/machines (bare array): sets app->machines. `hash_key` is
 * FA_API_HASH_KEY_LEN bytes (NULL: an all-zero key). The machines, volumes, secrets and
 * IPs decoders replace the app's list on success; a top-level `null` is an empty list. */
int fa_api_decode_machines(const char *body, size_t len, const unsigned char *hash_key,
			   fa_app *app, char *err, size_t errlen);
int fa_api_decode_volumes(const char *body, size_t len, fa_app *app, char *err, size_t errlen);
int fa_api_decode_secrets(const char *body, size_t len, fa_app *app, char *err, size_t errlen);
int fa_api_decode_ips(const char *body, size_t len, fa_app *app, char *err, size_t errlen);
/* One page of certificates, appended to app->certs. *next_cursor is a new string when
 * `next_cursor` is non-empty (follow it even if the page was short), else NULL. */
int fa_api_decode_certs_page(const char *body, size_t len, fa_app *app, char **next_cursor,
			     char *err, size_t errlen);
/* GraphQL organization(slug){limitedAccessTokens}: one page as a new token array (app =
 * NULL). *next_cursor (may be NULL to refuse paging) is a new string when pageInfo says more
 * pages follow; a longer list that cannot be followed is an error, never a short list. */
int fa_api_decode_org_tokens(const char *body, size_t len, fa_token **out, size_t *n_out,
			     char **next_cursor, char *err, size_t errlen);
/* GraphQL batch from fa_api_gql_app_tokens: fills apps[i]->tokens and marks (an app whose
 * list has more than one page is marked failed, not cut short)
 * apps[i]->load[FA_EP_TOKENS] ok or failed per alias. Returns an error only when the
 * whole body is unusable (then nothing is marked). */
int fa_api_decode_app_tokens(const char *body, size_t len, fa_app *const *apps, size_t n,
			     char *err, size_t errlen);

/* A response to fa_api_gql_access(org, part, after): every part the document asked
 * (`part`, or all for -1) is appended to acc and its acc->load[] marked ok or failed (an
 * alias's error, a null organization, a wrong shape fail that part alone). A part with more
 * pages is left unmarked and next[part] gets its cursor (a new string; others NULL).
 * Returns an error only when the whole body is unusable (then acc is untouched). */
int fa_api_decode_access(const char *body, size_t len, int part, fa_access *acc,
			 char *next[FA_ACCESS_COUNT], char *err, size_t errlen);
/* A page of organizations: a new array of slugs and *next_cursor (a new string, or NULL
 * on the last page). */
int fa_api_decode_organizations(const char *body, size_t len, char ***slugs, size_t *n_slugs,
				char **next_cursor, char *err, size_t errlen);

typedef struct fa_token_current {
	char *token_id;
	char *org_slug;
	char *organization;
	char *user;
	char **apps;
	size_t n_apps;
} fa_token_current;
/* GET /v1/tokens/current: the first entry of `tokens`. `out` must be zeroed or hold an
 * earlier result, which is released on success; untouched on error. */
int fa_api_decode_tokens_current(const char *body, size_t len, fa_token_current *out,
				 char *err, size_t errlen);
void fa_token_current_release(fa_token_current *tc);

/* The IP type from an ip_assignments entry, in fly-go's order. Exposed for tests. */
fa_ip_type fa_api_infer_ip_type(const char *ip, int shared, int egress, const char *type);

#endif
