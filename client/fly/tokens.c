/* fly/tokens.c: org and app tokens over GraphQL: the documents (org tokens paged, app
 * tokens batched with aliases) and their decoders. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_NODE_FIELDS "id name createdAt expiresAt revokedAt revokedBy profile user{email}"
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

	if (!org_slug || !fly_utf8_valid(org_slug) || (after && !fly_utf8_valid(after)))
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
static char *next_page(fly_dec *d, const cJSON *conn, int *more)
{
	const cJSON *pi = fly_get(conn, "pageInfo");
	char *cur = NULL;

	*more = cJSON_IsTrue(fly_get(pi, "hasNextPage"));
	if (*more && (cur = fly_dstr(d, pi, "endCursor")) != NULL && !cur[0]) {
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
		if (!apps[i] || !fly_utf8_valid(apps[i]))
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
	query = fly_buf_finish(&q);
	if (!query)
		return NULL;
	out = gql_body(query, NULL, NULL);
	free(query);
	return out;
}

/* ---- tokens (GraphQL) -------------------------------------------------------------------- */

static void tokens_free(fa_token *ts, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fa_token_release(&ts[i]);
	free(ts);
}

/* An RFC 3339 date-time as Fly's ISO8601DateTime writes it: YYYY-MM-DDTHH:MM:SS, an
 * optional fraction, then Z or an offset. */
static int rfc3339_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";
	int mon, day, hh, mm, ss;
	size_t i;

	for (i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9')
				    : !(s[i] == shape[i] || (shape[i] == 'T' && (s[i] == 't' || s[i] == ' '))))
			return 0;
	}
	mon = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	hh = (s[11] - '0') * 10 + (s[12] - '0');
	mm = (s[14] - '0') * 10 + (s[15] - '0');
	ss = (s[17] - '0') * 10 + (s[18] - '0');
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return 0;
	s += i;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return 1;
	return (*s == '+' || *s == '-') && s[1] >= '0' && s[1] <= '2' && s[2] >= '0' && s[2] <= '9' &&
	       s[3] == ':' && s[4] >= '0' && s[4] <= '5' && s[5] >= '0' && s[5] <= '9' && s[6] == '\0';
}

/* Every node an object whose dates, when present and not null, are RFC 3339 strings: a
 * revokedAt of "" or "yesterday" must not make a revoked token live, an unreadable
 * expiresAt must not drop one. 0, or -1 with the reason. */
static int token_nodes_ok(const cJSON *nodes, char *why, size_t whylen)
{
	static const char *const keys[] = { "createdAt", "expiresAt", "revokedAt" };
	const cJSON *it = NULL;
	size_t i = 0, k;

	EACH(it, nodes) {
		if (!cJSON_IsObject(it)) {
			fly_set_err(why, whylen, "token %zu is not an object", i);
			return -1;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
			const cJSON *v = fly_get(it, keys[k]);

			if (!v || cJSON_IsNull(v))
				continue;
			if (!cJSON_IsString(v) || !rfc3339_ok(v->valuestring)) {
				fly_set_err(why, whylen, "token %zu has a %s that is not an RFC 3339 time", i, keys[k]);
				return -1;
			}
		}
		i++;
	}
	return 0;
}

/* The token nodes of a `{limitedAccessTokens{nodes[...]}}` object; NULL (and no error)
 * when `holder` has none. */
static void dec_tokens(fly_dec *d, const cJSON *holder, const char *app, fa_token **out,
		       size_t *n_out)
{
	cJSON *nodes = fly_get(fly_get(holder, "limitedAccessTokens"), "nodes");
	const cJSON *it = NULL;
	fa_token *ts = NULL;
	size_t n = 0;

	*out = NULL;
	*n_out = 0;
	if (!cJSON_IsArray(nodes))
		return;
	ts = fly_dalloc(d, fly_n_children(nodes), sizeof(*ts));
	EACH(it, ts ? nodes : NULL) {
		fa_token *t = NULL;

		if (!cJSON_IsObject(it))
			continue;
		t = &ts[n++];
		t->id = fly_dstr(d, it, "id");
		t->name = fly_dstr(d, it, "name");
		t->created_at = fly_dstr(d, it, "createdAt");
		t->expires_at = fly_dstr(d, it, "expiresAt");
		t->revoked_at = fly_dstr(d, it, "revokedAt");
		t->revoked_by = fly_dstr(d, it, "revokedBy");
		t->profile = fly_dstr(d, it, "profile");
		t->user_email = fly_dstr(d, fly_get(it, "user"), "email");
		if (app) {
			t->app = fly_strdup(app);
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
	fly_dec d = { 0, NULL };
	fa_token *ts = NULL;
	size_t n = 0;
	char *next = NULL;
	int rc, more = 0;

	if (next_cursor)
		*next_cursor = NULL;
	if (!out || !n_out) {
		fly_set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = fly_parse_body(body, len, &root, err, errlen);
	if (rc)
		return rc;
	if (!cJSON_IsObject(root)) {
		fly_set_err(err, errlen, "expected a GraphQL response object");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	if (fly_gql_has_errors(root)) {
		rc = fly_gql_errors(root, err, errlen);
		goto cleanup;
	}
	org = fly_get(fly_get(root, "data"), "organization");
	if (!cJSON_IsObject(org)) {
		if (cJSON_IsObject(fly_get(root, "data")) && (!org || cJSON_IsNull(org))) {
			fly_set_err(err, errlen, "organization not found");
			rc = FA_API_ENOTFOUND;
		} else {
			fly_set_err(err, errlen, "expected data.organization in the GraphQL response");
			rc = FA_API_EJSON;
		}
		goto cleanup;
	}
	if (!cJSON_IsArray(fly_get(fly_get(org, "limitedAccessTokens"), "nodes"))) {
		fly_set_err(err, errlen, "expected limitedAccessTokens.nodes in the GraphQL response");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	if (token_nodes_ok(fly_get(fly_get(org, "limitedAccessTokens"), "nodes"), err, errlen) < 0) {
		rc = FA_API_EJSON;
		goto cleanup;
	}
	dec_tokens(&d, org, NULL, &ts, &n);
	next = next_page(&d, fly_get(org, "limitedAccessTokens"), &more);
	if (d.oom) {
		tokens_free(ts, n);
		free(next);
		rc = fly_oom_err(err, errlen);
		goto cleanup;
	}
	if (more && (!next || !next_cursor)) {
		/* a longer list that cannot be followed: refuse rather than cut it */
		tokens_free(ts, n);
		free(next);
		fly_set_err(err, errlen, "the token list has more pages than could be followed");
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
	cJSON *errs = fly_get(root, "errors");
	const cJSON *e = NULL;

	EACH(e, cJSON_IsArray(errs) ? errs : NULL) {
		cJSON *path = fly_get(e, "path");

		if (cJSON_IsArray(path) && cJSON_IsString(path->child) &&
		    path->child->valuestring && strcmp(path->child->valuestring, alias) == 0)
			return e;
	}
	return NULL;
}

/* The first error that names no alias (a whole-query error), or NULL. */
static const cJSON *global_error(const cJSON *root)
{
	cJSON *errs = fly_get(root, "errors");
	const cJSON *e = NULL;

	EACH(e, cJSON_IsArray(errs) ? errs : NULL) {
		cJSON *path = fly_get(e, "path");

		if (cJSON_IsObject(e) && (!cJSON_IsArray(path) || !cJSON_IsString(path->child)))
			return e;
	}
	return NULL;
}

int fa_api_decode_app_tokens(const char *body, size_t len, fa_app *const *apps, size_t n,
			     char *err, size_t errlen)
{
	cJSON *root = NULL, *data = NULL;
	fly_dec d = { 0, NULL };
	alias_result *res = NULL;
	size_t i;
	int rc;

	if (!apps && n > 0) {
		fly_set_err(err, errlen, "no apps");
		return FA_API_EJSON;
	}
	rc = fly_parse_body(body, len, &root, err, errlen);
	if (rc)
		return rc;
	if (!cJSON_IsObject(root)) {
		fly_set_err(err, errlen, "expected a GraphQL response object");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	if (fly_gql_any_code(root, "UNAUTHORIZED")) {
		rc = fly_gql_errors(root, err, errlen);
		goto cleanup;
	}
	data = fly_get(root, "data");
	if (!cJSON_IsObject(data)) {
		if (fly_gql_has_errors(root)) {
			rc = fly_gql_errors(root, err, errlen);
		} else {
			fly_set_err(err, errlen, "expected a data object in the GraphQL response");
			rc = FA_API_EJSON;
		}
		goto cleanup;
	}
	res = fly_dalloc(&d, n, sizeof(*res));
	if (n > 0 && !res) {
		rc = fly_oom_err(err, errlen);
		goto cleanup;
	}
	for (i = 0; i < n && !d.oom; i++) {
		char alias[32];
		cJSON *a = NULL;
		const cJSON *e = NULL;
		fly_line l;

		snprintf(alias, sizeof(alias), "a%zu", i);
		a = fly_get(data, alias);
		e = alias_error(root, alias);
		if (cJSON_IsObject(a) && !e &&
		    cJSON_IsArray(fly_get(fly_get(a, "limitedAccessTokens"), "nodes"))) {
			if (cJSON_IsTrue(fly_get(fly_get(fly_get(a, "limitedAccessTokens"), "pageInfo"), "hasNextPage"))) {
				/* rare: an app with more tokens than a page; unknown, not cut */
				snprintf(res[i].msg, sizeof(res[i].msg),
					 "more than " TOKENS_PAGE " tokens: the list was not read whole");
				continue;
			}
			if (token_nodes_ok(fly_get(fly_get(a, "limitedAccessTokens"), "nodes"), res[i].msg,
					   sizeof(res[i].msg)) < 0)
				continue;
			res[i].ok = 1;
			dec_tokens(&d, a, apps[i] ? apps[i]->name : NULL, &res[i].tokens,
				   &res[i].n_tokens);
			continue;
		}
		if (!e)
			e = global_error(root);
		fly_line_init(&l, res[i].msg, sizeof(res[i].msg));
		if (e)
			fly_gql_error_text(&l, e);
		else if (cJSON_IsObject(a))
			fly_line_str(&l, "no limitedAccessTokens in the response");
		else
			fly_line_str(&l, "no data for this app in the response");
	}
	if (d.oom) {
		for (i = 0; i < n; i++)
			tokens_free(res[i].tokens, res[i].n_tokens);
		rc = fly_oom_err(err, errlen);
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
