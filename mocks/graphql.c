/* graphql.c: flymock's loose GraphQL answerer for the limitedAccessTokens queries of
 * organization(slug:…) and app(name:…), aliased or not, with errors inside HTTP 200. */
#include "flymock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define MAX_SEL 4096

struct sel {
	char alias[128];
	char arg[256];  /* app name or org slug, "" if unresolved */
	int is_org;
	int line, col;
	char field[64]; /* organization: the first field selected ("limitedAccessTokens", ...) */
	long first;     /* that field's first: and after: arguments */
	char after[64];
};

int fm_deny_members;
const fm_source *fm_second_src;

/* The source serving org `slug` (the main one or --second-org's), NULL when none does. */
static const fm_source *org_source(const fm_source *s, const char *slug)
{
	if (strcmp(slug, s->org_slug) == 0)
		return s;
	if (fm_second_src != NULL && strcmp(slug, fm_second_src->org_slug) == 0)
		return fm_second_src;
	return NULL;
}

/* The source holding app `name`, NULL when none does. */
static const fm_source *app_source(const fm_source *s, const char *name)
{
	if (fm_source_has_app(s, name))
		return s;
	if (fm_second_src != NULL && fm_source_has_app(fm_second_src, name))
		return fm_second_src;
	return NULL;
}

/* organizations(…): every org flymock serves, one page (the main org first). */
static void organizations(const fm_source *s, cJSON *data)
{
	const fm_source *srcs[2];
	cJSON *conn = cJSON_AddObjectToObject(data, "organizations");
	cJSON *nodes = cJSON_AddArrayToObject(conn, "nodes");
	cJSON *pi = cJSON_AddObjectToObject(conn, "pageInfo");
	size_t i, n = 0;

	srcs[n++] = s;
	if (fm_second_src != NULL)
		srcs[n++] = fm_second_src;
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", srcs[i]->org_slug);
		cJSON_AddStringToObject(o, "slug", srcs[i]->org_slug);
		cJSON_AddStringToObject(o, "name", srcs[i]->org_slug);
		cJSON_AddStringToObject(o, "type", "SHARED");
		cJSON_AddStringToObject(o, "viewerRole", "admin");
		cJSON_AddItemToArray(nodes, o);
	}
	cJSON_AddBoolToObject(pi, "hasNextPage", 0);
	cJSON_AddNullToObject(pi, "endCursor");
}

static int ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int ident_char(int c)
{
	return isalnum(c) || c == '_';
}

static size_t skip_ws(const char *q, size_t i, size_t n)
{
	while (i < n && (isspace((unsigned char)q[i]) || q[i] == ','))
		i++;
	return i;
}

/* Reads the argument value after `name:` at q[i]: a string literal or a $variable. */
static void read_value(const char *q, size_t i, size_t n, const cJSON *vars, char *out,
		       size_t outlen)
{
	size_t j;

	out[0] = '\0';
	i = skip_ws(q, i, n);
	if (i < n && q[i] == '"') {
		j = i + 1;
		while (j < n && q[j] != '"' && q[j] != '\\')
			j++;
		if (j < n && q[j] == '"' && j - i - 1 < outlen) {
			memcpy(out, q + i + 1, j - i - 1);
			out[j - i - 1] = '\0';
		}
	} else if (i < n && isdigit((unsigned char)q[i])) {
		j = i;
		while (j < n && isdigit((unsigned char)q[j]))
			j++;
		if (j - i < outlen) {
			memcpy(out, q + i, j - i);
			out[j - i] = '\0';
		}
	} else if (i < n && q[i] == '$') {
		char var[128];
		const cJSON *v = NULL;
		j = i + 1;
		while (j < n && ident_char((unsigned char)q[j]))
			j++;
		if (j - i - 1 == 0 || j - i - 1 >= sizeof var)
			return;
		memcpy(var, q + i + 1, j - i - 1);
		var[j - i - 1] = '\0';
		v = cJSON_GetObjectItemCaseSensitive(vars, var);
		if (cJSON_IsString(v))
			snprintf(out, outlen, "%s", v->valuestring);
		else if (cJSON_IsNumber(v))
			snprintf(out, outlen, "%d", v->valueint);
	}
}

/* Finds `argname:` inside the parentheses that open at q[i] == '('. */
static void read_arg(const char *q, size_t i, size_t n, const char *argname, const cJSON *vars,
		     char *out, size_t outlen)
{
	size_t alen = strlen(argname);

	out[0] = '\0';
	for (i = i + 1; i < n && q[i] != ')'; i++) {
		if (q[i] == '"') {
			for (i++; i < n && q[i] != '"'; i++)
				if (q[i] == '\\')
					i++;
			continue;
		}
		if (ident_start((unsigned char)q[i]) && (i == 0 || !ident_char((unsigned char)q[i - 1])) &&
		    i + alen <= n && strncmp(q + i, argname, alen) == 0 &&
		    (i + alen == n || !ident_char((unsigned char)q[i + alen]))) {
			size_t j = skip_ws(q, i + alen, n);
			if (j < n && q[j] == ':') {
				read_value(q, j + 1, n, vars, out, outlen);
				return;
			}
		}
	}
}

/* The first field inside the selection set that follows the argument list opening at
 * q[i] == '(', with its first:/after: arguments. */
static void read_field(const char *q, size_t i, size_t n, const cJSON *vars, struct sel *sel)
{
	size_t s;
	char v[64];

	while (i < n && q[i] != ')') {
		if (q[i] == '"') {
			for (i++; i < n && q[i] != '"'; i++)
				if (q[i] == '\\')
					i++;
		}
		i++;
	}
	i = skip_ws(q, i + 1, n);
	if (i >= n || q[i] != '{')
		return;
	i = skip_ws(q, i + 1, n);
	s = i;
	while (i < n && ident_char((unsigned char)q[i]))
		i++;
	if (i - s == 0 || i - s >= sizeof sel->field)
		return;
	memcpy(sel->field, q + s, i - s);
	sel->field[i - s] = '\0';
	i = skip_ws(q, i, n);
	if (i < n && q[i] == '(') {
		read_arg(q, i, n, "first", vars, v, sizeof v);
		sel->first = v[0] ? strtol(v, NULL, 10) : 0;
		read_arg(q, i, n, "after", vars, sel->after, sizeof sel->after);
	}
}

static void position(const char *q, size_t at, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < at; i++) {
		if (q[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Scans the query text for the selections flymock answers. Returns how many. */
static size_t scan(const char *q, const cJSON *vars, struct sel *sels, size_t max)
{
	size_t n = strlen(q);
	size_t i = 0;
	size_t count = 0;
	char pending[128] = "";

	while (i < n && count < max) {
		unsigned char c = (unsigned char)q[i];
		if (c == '#') {
			while (i < n && q[i] != '\n')
				i++;
			continue;
		}
		if (c == '"') {
			for (i++; i < n && q[i] != '"'; i++)
				if (q[i] == '\\')
					i++;
			i++;
			pending[0] = '\0';
			continue;
		}
		if (c == '$') {
			for (i++; i < n && ident_char((unsigned char)q[i]); i++)
				;
			pending[0] = '\0';
			continue;
		}
		if (isspace(c) || c == ',') {
			i++;
			continue;
		}
		if (ident_start(c)) {
			size_t s = i;
			size_t len;
			size_t j;
			while (i < n && ident_char((unsigned char)q[i]))
				i++;
			len = i - s;
			j = skip_ws(q, i, n);
			if (j < n && q[j] == ':' && len < sizeof pending) {
				memcpy(pending, q + s, len);
				pending[len] = '\0';
				i = j + 1;
				continue;
			}
			if (j < n && q[j] == '(' &&
			    ((len == 3 && strncmp(q + s, "app", 3) == 0) ||
			     (len == 12 && strncmp(q + s, "organization", 12) == 0))) {
				struct sel *sel = &sels[count++];
				memset(sel, 0, sizeof *sel);
				sel->is_org = len == 12;
				if (pending[0] != '\0')
					snprintf(sel->alias, sizeof sel->alias, "%s", pending);
				else
					snprintf(sel->alias, sizeof sel->alias, "%s",
						 sel->is_org ? "organization" : "app");
				read_arg(q, j, n, sel->is_org ? "slug" : "name", vars, sel->arg,
					 sizeof sel->arg);
				position(q, s, &sel->line, &sel->col);
				if (sel->is_org)
					read_field(q, j, n, vars, sel);
			}
			pending[0] = '\0';
			continue;
		}
		pending[0] = '\0';
		i++;
	}
	return count;
}

static cJSON *error_item(const char *msg, const char *code, const struct sel *sel)
{
	cJSON *e = cJSON_CreateObject();
	cJSON *ext = NULL;

	if (e == NULL)
		return NULL;
	cJSON_AddStringToObject(e, "message", msg);
	if (sel != NULL) {
		cJSON *path = cJSON_AddArrayToObject(e, "path");
		cJSON *locs = cJSON_AddArrayToObject(e, "locations");
		cJSON *loc = cJSON_CreateObject();
		cJSON_AddItemToArray(path, cJSON_CreateString(sel->alias));
		cJSON_AddNumberToObject(loc, "line", sel->line);
		cJSON_AddNumberToObject(loc, "column", sel->col);
		cJSON_AddItemToArray(locs, loc);
	}
	if (code != NULL) {
		ext = cJSON_AddObjectToObject(e, "extensions");
		cJSON_AddStringToObject(ext, "code", code);
	}
	return e;
}

long fm_graphql_max_page;
long fm_graphql_max_apps;

/* Keeps nodes [start, start + count) of a connection; cursors are "MQ<index>". */
static void page_list(cJSON *conn, const char *list, long first, const char *after)
{
	cJSON *nodes = cJSON_GetObjectItemCaseSensitive(conn, list);
	cJSON *pi = NULL;
	long n = cJSON_GetArraySize(nodes), start = 0, count, i;
	char cur[32];

	if (after && strncmp(after, "MQ", 2) == 0)
		start = strtol(after + 2, NULL, 10);
	if (start < 0 || start > n)
		start = n;
	count = n - start;
	if (first > 0 && count > first)
		count = first;
	if (fm_graphql_max_page > 0 && count > fm_graphql_max_page)
		count = fm_graphql_max_page;
	for (i = n - 1; i >= 0; i--)
		if (i < start || i >= start + count)
			cJSON_DeleteItemFromArray(nodes, (int)i);
	cJSON_DeleteItemFromObjectCaseSensitive(conn, "pageInfo");
	pi = cJSON_AddObjectToObject(conn, "pageInfo");
	cJSON_AddBoolToObject(pi, "hasNextPage", start + count < n);
	cJSON_AddBoolToObject(pi, "hasPreviousPage", start > 0);
	snprintf(cur, sizeof cur, "MQ%ld", start);
	cJSON_AddStringToObject(pi, "startCursor", cur);
	snprintf(cur, sizeof cur, "MQ%ld", start + count);
	cJSON_AddStringToObject(pi, "endCursor", cur);
}

static void page_nodes(cJSON *conn, long first, const char *after)
{
	page_list(conn, "nodes", first, after);
}

/* One part of the org's people and access, as a GraphQL connection page (members page
 * their edges); role fields (id, slug, viewerRole) as an object. NULL if the source has none. */
static cJSON *access_part(const fm_source *s, const struct sel *sel)
{
	fa_buf raw = FA_BUF_INIT(0);
	char err[256];
	cJSON *all = NULL, *out = NULL;
	const char *list = strcmp(sel->field, "members") == 0 ? "edges" : "nodes";

	if (fm_source_body(s, FM_ORG_ACCESS, NULL, &raw, err, sizeof err) != 0)
		goto cleanup;
	all = cJSON_ParseWithLength(raw.data, raw.len);
	if (!cJSON_IsObject(all))
		goto cleanup;
	if (strcmp(sel->field, "viewerRole") == 0 || strcmp(sel->field, "id") == 0 ||
	    strcmp(sel->field, "slug") == 0) {
		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "id", s->org_slug);
		cJSON_AddStringToObject(out, "slug", s->org_slug);
		cJSON_AddItemToObject(out, "viewerRole",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(all, "viewerRole"), 1));
		goto cleanup;
	}
	out = cJSON_DetachItemFromObjectCaseSensitive(all, sel->field);
	if (!cJSON_IsObject(out) || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(out, list))) {
		cJSON_Delete(out);
		out = NULL;
		goto cleanup;
	}
	if (!cJSON_HasObjectItem(out, "totalCount"))
		cJSON_AddNumberToObject(out, "totalCount",
					cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, list)));
	page_list(out, list, sel->first, sel->after[0] ? sel->after : NULL);
cleanup:
	cJSON_Delete(all);
	fa_buf_release(&raw);
	return out;
}

static int is_access_field(const char *f)
{
	static const char *const fields[] = {"viewerRole", "id", "slug", "members", "invitations",
		"thirdPartyConfigurations", "wireGuardPeers", "delegatedWireGuardTokens"};
	size_t i;

	for (i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strcmp(f, fields[i]) == 0)
			return 1;
	return 0;
}

/* Parses the {"nodes":[…]} text of a source and completes it as a GraphQL connection. */
static cJSON *tokens_connection(const fm_source *s, enum fm_kind kind, const char *app, long first,
				const char *after)
{
	fa_buf raw = FA_BUF_INIT(0);
	char err[256];
	cJSON *conn = NULL;
	const cJSON *nodes = NULL;

	if (fm_source_body(s, kind, app, &raw, err, sizeof err) != 0)
		goto cleanup;
	conn = cJSON_ParseWithLength(raw.data, raw.len);
	nodes = cJSON_GetObjectItemCaseSensitive(conn, "nodes");
	if (!cJSON_IsArray(nodes)) {
		cJSON_Delete(conn);
		conn = NULL;
		goto cleanup;
	}
	if (!cJSON_HasObjectItem(conn, "totalCount"))
		cJSON_AddNumberToObject(conn, "totalCount", cJSON_GetArraySize(nodes));
	if (first > 0 || (after && *after) || fm_graphql_max_page > 0) {
		page_nodes(conn, first, after);
		goto cleanup;
	}
	if (!cJSON_HasObjectItem(conn, "pageInfo")) {
		cJSON *pi = cJSON_AddObjectToObject(conn, "pageInfo");
		int n = cJSON_GetArraySize(nodes);
		cJSON_AddBoolToObject(pi, "hasNextPage", 0);
		cJSON_AddBoolToObject(pi, "hasPreviousPage", 0);
		if (n > 0) {
			char cur[32];
			snprintf(cur, sizeof cur, "MQ%d", n);
			cJSON_AddStringToObject(pi, "startCursor", "MQ");
			cJSON_AddStringToObject(pi, "endCursor", cur);
		} else {
			cJSON_AddNullToObject(pi, "startCursor");
			cJSON_AddNullToObject(pi, "endCursor");
		}
	}
cleanup:
	fa_buf_release(&raw);
	return conn;
}

static int finish(cJSON *root, fa_buf *out)
{
	char *txt = cJSON_PrintUnformatted(root);
	int rc = -1;

	if (txt != NULL && fa_buf_adds(out, txt) == 0)
		rc = 0;
	free(txt);
	cJSON_Delete(root);
	return rc;
}

int fm_graphql_unauthorized(fa_buf *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *errs = NULL;

	if (root == NULL)
		return -1;
	cJSON_AddNullToObject(root, "data");
	errs = cJSON_AddArrayToObject(root, "errors");
	cJSON_AddItemToArray(errs, error_item("You must be authenticated to view this.",
					      "UNAUTHORIZED", NULL));
	return finish(root, out);
}

int fm_graphql(const fm_source *s, const char *body, size_t len, fa_buf *out)
{
	cJSON *req = NULL;
	cJSON *root = NULL;
	cJSON *data = NULL;
	cJSON *errs = NULL;
	const cJSON *query = NULL;
	struct sel *sels = NULL;
	size_t n = 0;
	long first = 0;
	char after[64] = "";
	size_t i;
	int rc = -1;

	root = cJSON_CreateObject();
	errs = cJSON_CreateArray();
	if (root == NULL || errs == NULL)
		goto cleanup;
	req = cJSON_ParseWithLength(body != NULL ? body : "", len);
	query = cJSON_GetObjectItemCaseSensitive(req, "query");
	if (!cJSON_IsString(query)) {
		cJSON_AddNullToObject(root, "data");
		cJSON_AddItemToArray(errs, error_item("No query string was present", "INVALID", NULL));
		goto done;
	}
	sels = calloc(MAX_SEL, sizeof *sels);
	if (sels == NULL)
		goto cleanup;
	n = scan(query->valuestring, cJSON_GetObjectItemCaseSensitive(req, "variables"), sels,
		 MAX_SEL);
	{
		/* limitedAccessTokens(first: N, after: C): one page */
		const char *lat = strstr(query->valuestring, "limitedAccessTokens");
		size_t qn = strlen(query->valuestring), at;
		char v[64];

		if (lat) {
			at = skip_ws(query->valuestring, (size_t)(lat - query->valuestring) + 19, qn);
			if (at < qn && query->valuestring[at] == '(') {
				read_arg(query->valuestring, at, qn, "first", cJSON_GetObjectItemCaseSensitive(req, "variables"),
					 v, sizeof v);
				first = v[0] ? strtol(v, NULL, 10) : 0;
				read_arg(query->valuestring, at, qn, "after", cJSON_GetObjectItemCaseSensitive(req, "variables"),
					 after, sizeof after);
			}
		}
	}
	if (n == 0 && strstr(query->valuestring, "organizations(") != NULL) {
		organizations(s, cJSON_AddObjectToObject(root, "data"));
		goto done;
	}
	if (n == 0) {
		cJSON_AddNullToObject(root, "data");
		cJSON_AddItemToArray(errs, error_item("flymock: unsupported query", "INVALID", NULL));
		goto done;
	}
	if (fm_graphql_max_apps > 0) {
		long apps = 0;

		for (i = 0; i < n; i++)
			apps += !sels[i].is_org;
		if (apps > fm_graphql_max_apps) {
			char msg[160];

			snprintf(msg, sizeof msg, "Query has complexity of %ld, which exceeds max "
				 "complexity of %ld", apps * 100, fm_graphql_max_apps * 100);
			cJSON_AddNullToObject(root, "data");
			cJSON_AddItemToArray(errs, error_item(msg, NULL, NULL));
			goto done;
		}
	}
	data = cJSON_AddObjectToObject(root, "data");
	for (i = 0; i < n; i++) {
		const struct sel *sel = &sels[i];
		cJSON *obj = NULL;
		cJSON *conn = NULL;
		if (cJSON_HasObjectItem(data, sel->alias))
			continue;
		if (sel->is_org && is_access_field(sel->field)) {
			cJSON *part = NULL;
			const fm_source *os = org_source(s, sel->arg);

			if (os == NULL) {
				cJSON_AddNullToObject(data, sel->alias);
				cJSON_AddItemToArray(errs, error_item("Could not find Organization",
								      "NOT_FOUND", sel));
				continue;
			}
			if (fm_deny_members && strcmp(sel->field, "members") == 0) {
				/* members is non-null: the null goes up to the aliased organization */
				cJSON *e = error_item("Not authorized to access this organization's members",
						      "UNAUTHORIZED", sel);
				cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(e, "path"),
						     cJSON_CreateString("members"));
				cJSON_AddNullToObject(data, sel->alias);
				cJSON_AddItemToArray(errs, e);
				continue;
			}
			part = access_part(os, sel);
			if (part == NULL) {
				cJSON_AddNullToObject(data, sel->alias);
				cJSON_AddItemToArray(errs, error_item("flymock: no access data", "NOT_FOUND", sel));
				continue;
			}
			if (strcmp(sel->field, "viewerRole") == 0 || strcmp(sel->field, "id") == 0 ||
			    strcmp(sel->field, "slug") == 0) {
				cJSON_AddItemToObject(data, sel->alias, part);
			} else {
				obj = cJSON_AddObjectToObject(data, sel->alias);
				cJSON_AddItemToObject(obj, sel->field, part);
			}
			continue;
		}
		if (sel->is_org) {
			const fm_source *os = org_source(s, sel->arg);

			if (os != NULL)
				conn = tokens_connection(os, FM_ORG_TOKENS, NULL, first, after[0] ? after : NULL);
			if (conn == NULL) {
				cJSON_AddNullToObject(data, sel->alias);
				cJSON_AddItemToArray(errs, error_item("Could not find Organization",
								      "NOT_FOUND", sel));
				continue;
			}
			obj = cJSON_AddObjectToObject(data, sel->alias);
			cJSON_AddStringToObject(obj, "slug", sel->arg);
		} else {
			const fm_source *as = app_source(s, sel->arg);

			if (as != NULL)
				conn = tokens_connection(as, FM_APP_TOKENS, sel->arg, first, NULL);
			if (conn == NULL) {
				cJSON_AddNullToObject(data, sel->alias);
				cJSON_AddItemToArray(errs, error_item("Could not find App", "NOT_FOUND",
								      sel));
				continue;
			}
			obj = cJSON_AddObjectToObject(data, sel->alias);
			cJSON_AddStringToObject(obj, "id", sel->arg);
			cJSON_AddStringToObject(obj, "name", sel->arg);
		}
		cJSON_AddItemToObject(obj, "limitedAccessTokens", conn);
	}
done:
	if (cJSON_GetArraySize(errs) > 0) {
		cJSON_AddItemToObject(root, "errors", errs);
		errs = NULL;
	}
	rc = finish(root, out);
	root = NULL;
cleanup:
	free(sels);
	cJSON_Delete(errs);
	cJSON_Delete(root);
	cJSON_Delete(req);
	return rc;
}
