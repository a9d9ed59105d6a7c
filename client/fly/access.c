/* fly/access.c: people and access of an org over GraphQL (REFERENCE.md section 8): the
 * documents (every part aliased on its own organization(slug:) field, so a token refused
 * one field - members - still reads the others: GraphQL nulls only that alias) and their
 * decoder; and the org list of the token (organizations) for --all-orgs. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCESS_PAGE "500"
#define ORGS_PAGE "200"
#define PAGE_INFO "pageInfo{hasNextPage endCursor}"

typedef struct part_def {
	const char *alias; /* the response key of the part */
	const char *field; /* the connection on Organization; NULL for the role */
	const char *items; /* what is asked of each item */
	const char *list;  /* "nodes" or "edges" */
} part_def;

static const part_def parts[FA_ACCESS_COUNT] = {
	[FA_ACCESS_ROLE] = {"role", NULL, "id slug viewerRole", NULL},
	[FA_ACCESS_MEMBERS] = {"members", "members",
			       "edges{role joinedAt node{id email name twoFactorProtection lastRegion}}",
			       "edges"},
	[FA_ACCESS_INVITATIONS] = {"invitations", "invitations",
				   "nodes{id email createdAt redeemed redeemedAt inviter{email}}", "nodes"},
	[FA_ACCESS_SSO] = {"sso", "thirdPartyConfigurations",
			   "nodes{id name location flyctlLevel uiexLevel customLevel createdAt}", "nodes"},
	[FA_ACCESS_PEERS] = {"peers", "wireGuardPeers", "nodes{id name region peerip network}", "nodes"},
	[FA_ACCESS_DELEGATED] = {"delegated", "delegatedWireGuardTokens", "nodes{id name}", "nodes"},
};

static int add_part(fa_buf *q, int p, bool with_after)
{
	const part_def *d = &parts[p];

	if (fa_buf_printf(q, "%s:organization(slug:$slug){", d->alias) < 0)
		return -1;
	if (!d->field)
		return fa_buf_printf(q, "%s}", d->items);
	return fa_buf_printf(q, "%s(first:" ACCESS_PAGE "%s){%s " PAGE_INFO "}}", d->field,
			     with_after ? ",after:$after" : "", d->items);
}

char *fa_api_gql_access(const char *org_slug, int part, const char *after)
{
	fa_buf q = FA_BUF_INIT(0);
	cJSON *root = NULL, *vars = NULL;
	char *query = NULL, *out = NULL;
	int p;

	if (!org_slug || !fly_utf8_valid(org_slug) || part < -1 || part >= FA_ACCESS_COUNT ||
	    (after && (part < 0 || !parts[part].field || !fly_utf8_valid(after))))
		return NULL;
	if (fa_buf_adds(&q, after ? "query($slug:String!,$after:String){" : "query($slug:String!){") < 0)
		goto cleanup;
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		if (part >= 0 && p != part)
			continue;
		if ((part < 0 && p > 0 && fa_buf_adds(&q, " ") < 0) || add_part(&q, p, after != NULL) < 0)
			goto cleanup;
	}
	if (fa_buf_adds(&q, "}") < 0 || !(query = fly_buf_finish(&q)))
		goto cleanup;
	root = cJSON_CreateObject();
	if (!root || !cJSON_AddStringToObject(root, "query", query) ||
	    !(vars = cJSON_AddObjectToObject(root, "variables")) ||
	    !cJSON_AddStringToObject(vars, "slug", org_slug) ||
	    (after && !cJSON_AddStringToObject(vars, "after", after)))
		goto cleanup;
	out = cJSON_PrintUnformatted(root);
cleanup:
	fa_buf_release(&q);
	free(query);
	cJSON_Delete(root);
	return out;
}

/* ---- decoding ---------------------------------------------------------------------------- */

/* The error whose path[0] is `alias`, else the first error naming no path, else NULL. */
static const cJSON *error_for(const cJSON *root, const char *alias)
{
	cJSON *errs = fly_get(root, "errors");
	const cJSON *e = NULL, *global = NULL;

	EACH(e, cJSON_IsArray(errs) ? errs : NULL) {
		cJSON *path = fly_get(e, "path");

		if (!cJSON_IsObject(e))
			continue;
		if (cJSON_IsArray(path) && cJSON_IsString(path->child) && path->child->valuestring) {
			if (strcmp(path->child->valuestring, alias) == 0)
				return e;
		} else if (!global) {
			global = e;
		}
	}
	return global;
}

static void dec_member(fly_dec *d, const cJSON *edge, void *out)
{
	fa_member *m = out;
	const cJSON *node = fly_get(edge, "node");

	m->role = fly_dstr(d, edge, "role");
	m->joined_at = fly_dstr(d, edge, "joinedAt");
	m->id = fly_dstr(d, node, "id");
	m->email = fly_dstr(d, node, "email");
	m->name = fly_dstr(d, node, "name");
	m->last_region = fly_dstr(d, node, "lastRegion");
	m->two_factor = fly_get_tri(node, "twoFactorProtection");
}

static void dec_invitation(fly_dec *d, const cJSON *it, void *out)
{
	fa_invitation *v = out;

	v->id = fly_dstr(d, it, "id");
	v->email = fly_dstr(d, it, "email");
	v->created_at = fly_dstr(d, it, "createdAt");
	v->redeemed_at = fly_dstr(d, it, "redeemedAt");
	v->inviter_email = fly_dstr(d, fly_get(it, "inviter"), "email");
	v->redeemed = fly_get_tri(it, "redeemed");
}

static void dec_sso(fly_dec *d, const cJSON *it, void *out)
{
	fa_sso_config *c = out;

	c->id = fly_dstr(d, it, "id");
	c->name = fly_dstr(d, it, "name");
	c->location = fly_dstr(d, it, "location");
	c->flyctl_level = fly_dstr(d, it, "flyctlLevel");
	c->uiex_level = fly_dstr(d, it, "uiexLevel");
	c->custom_level = fly_dstr(d, it, "customLevel");
	c->created_at = fly_dstr(d, it, "createdAt");
}

static void dec_peer(fly_dec *d, const cJSON *it, void *out)
{
	fa_wg_peer *w = out;

	w->id = fly_dstr(d, it, "id");
	w->name = fly_dstr(d, it, "name");
	w->region = fly_dstr(d, it, "region");
	w->peerip = fly_dstr(d, it, "peerip");
	w->network = fly_dstr(d, it, "network");
	/* pubkey is not asked for: nothing checks it */
}

static void dec_wg_token(fly_dec *d, const cJSON *it, void *out)
{
	fa_wg_token *t = out;

	t->id = fly_dstr(d, it, "id");
	t->name = fly_dstr(d, it, "name");
}

typedef void (*item_fn)(fly_dec *d, const cJSON *it, void *out);

static const struct {
	item_fn fn;
	size_t size;
} items[FA_ACCESS_COUNT] = {
	[FA_ACCESS_MEMBERS] = {dec_member, sizeof(fa_member)},
	[FA_ACCESS_INVITATIONS] = {dec_invitation, sizeof(fa_invitation)},
	[FA_ACCESS_SSO] = {dec_sso, sizeof(fa_sso_config)},
	[FA_ACCESS_PEERS] = {dec_peer, sizeof(fa_wg_peer)},
	[FA_ACCESS_DELEGATED] = {dec_wg_token, sizeof(fa_wg_token)},
};

/* Where part p's array and count live in acc. */
static void part_array(fa_access *acc, int p, void ***arr, size_t **n)
{
	switch (p) {
	case FA_ACCESS_MEMBERS: *arr = (void **)&acc->members; *n = &acc->n_members; break;
	case FA_ACCESS_INVITATIONS: *arr = (void **)&acc->invitations; *n = &acc->n_invitations; break;
	case FA_ACCESS_SSO: *arr = (void **)&acc->sso; *n = &acc->n_sso; break;
	case FA_ACCESS_PEERS: *arr = (void **)&acc->peers; *n = &acc->n_peers; break;
	default: *arr = (void **)&acc->wg_tokens; *n = &acc->n_wg_tokens; break;
	}
}

/* A decoded page of one part, before it is committed. */
typedef struct staged {
	int state;   /* 0 not in the document, 1 ok, 2 failed */
	char *role;
	void *arr;
	size_t n;
	char *next;
	char msg[FA_API_ERRLEN];
} staged;

/* Frees a staged array through a scratch fa_access (the release code lives in the model). */
static void staged_free(int p, staged *s)
{
	fa_access tmp;
	void **arr;
	size_t *n;

	memset(&tmp, 0, sizeof(tmp));
	if (p != FA_ACCESS_ROLE) {
		part_array(&tmp, p, &arr, &n);
		*arr = s->arr;
		*n = s->n;
	}
	fa_access_release(&tmp);
	free(s->role);
	free(s->next);
	s->arr = NULL;
	s->role = NULL;
	s->next = NULL;
	s->n = 0;
}

static void stage_fail(staged *s, const char *msg)
{
	s->state = 2;
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void stage_part(fly_dec *d, const cJSON *root, const cJSON *data, int p, staged *s)
{
	const part_def *def = &parts[p];
	const cJSON *obj = fly_get(data, def->alias), *e = NULL, *conn = NULL, *list = NULL,
		    *it = NULL, *pi = NULL;
	unsigned char *arr = NULL;
	size_t n = 0;

	e = fly_get(root, "errors") ? error_for(root, def->alias) : NULL;
	if (!cJSON_IsObject(obj) || (e && fly_get(e, "path"))) {
		fly_line l;

		s->state = 2;
		fly_line_init(&l, s->msg, sizeof(s->msg));
		if (e)
			fly_gql_error_text(&l, e);
		else if (cJSON_IsNull(obj) || !obj)
			fly_line_str(&l, "organization not found");
		else
			fly_line_str(&l, "expected an organization object in the GraphQL response");
		return;
	}
	if (!def->field) {
		s->role = fly_dstr(d, obj, "viewerRole");
		if (!s->role && !d->oom)
			stage_fail(s, "no viewerRole in the response");
		else
			s->state = 1;
		return;
	}
	conn = fly_get(obj, def->field);
	list = fly_get(conn, def->list);
	if (!cJSON_IsArray(list)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "expected %s.%s in the GraphQL response", def->field, def->list);
		stage_fail(s, msg);
		return;
	}
	arr = fly_dalloc(d, fly_n_children(list), items[p].size);
	EACH(it, arr ? list : NULL) {
		if (!cJSON_IsObject(it))
			continue; /* a null edge or node says nothing */
		items[p].fn(d, it, arr + n * items[p].size);
		n++;
	}
	s->arr = arr;
	s->n = n;
	pi = fly_get(conn, "pageInfo");
	if (cJSON_IsTrue(fly_get(pi, "hasNextPage"))) {
		s->next = fly_dstr(d, pi, "endCursor");
		if (!d->oom && (!s->next || !s->next[0])) {
			staged_free(p, s);
			stage_fail(s, "the list has more pages than could be followed");
			return;
		}
	}
	s->state = 1;
}

/* Makes room in acc for a staged page (the count stays: acc still holds what it held).
 * -1 on OOM. */
static int reserve_part(fa_access *acc, int p, const staged *s)
{
	void **arr;
	size_t *n;
	void *grown;

	if (p == FA_ACCESS_ROLE || !s->n)
		return 0;
	part_array(acc, p, &arr, &n);
	grown = realloc(*arr, (*n + s->n) * items[p].size);
	if (!grown)
		return -1;
	*arr = grown;
	return 0;
}

/* Appends a staged page to acc, in the room reserve_part made. */
static void commit_part(fa_access *acc, int p, staged *s)
{
	void **arr;
	size_t *n;

	if (p == FA_ACCESS_ROLE) {
		free(acc->viewer_role);
		acc->viewer_role = s->role;
		s->role = NULL;
		return;
	}
	part_array(acc, p, &arr, &n);
	if (s->n)
		memcpy((unsigned char *)*arr + *n * items[p].size, s->arr, s->n * items[p].size);
	*n += s->n;
	free(s->arr);
	s->arr = NULL;
	s->n = 0;
}

int fa_api_decode_access(const char *body, size_t len, int part, fa_access *acc,
			 char *next[FA_ACCESS_COUNT], char *err, size_t errlen)
{
	cJSON *root = NULL, *data = NULL;
	fly_dec d = { 0, NULL };
	staged st[FA_ACCESS_COUNT];
	int rc, p;

	memset(st, 0, sizeof(st));
	for (p = 0; next && p < FA_ACCESS_COUNT; p++)
		next[p] = NULL;
	if (!acc || !next || part < -1 || part >= FA_ACCESS_COUNT) {
		fly_set_err(err, errlen, "bad arguments");
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
	for (p = 0; p < FA_ACCESS_COUNT && !d.oom; p++)
		if (part < 0 || p == part)
			stage_part(&d, root, data, p, &st[p]);
	if (d.oom) {
		rc = fly_oom_err(err, errlen);
		goto cleanup;
	}
	/* room first, so a failure leaves acc as it was */
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		if (st[p].state == 1 && reserve_part(acc, p, &st[p]) < 0) {
			rc = fly_oom_err(err, errlen);
			goto cleanup;
		}
	}
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		if (st[p].state == 1) {
			commit_part(acc, p, &st[p]);
			if (st[p].next) {
				next[p] = st[p].next;
				st[p].next = NULL;
			} else {
				fa_load_ok(&acc->load[p]);
				acc->load[p].status = 200;
			}
		} else if (st[p].state == 2) {
			(void)fa_load_fail(&acc->load[p], 200, st[p].msg);
		}
	}
cleanup:
	for (p = 0; p < FA_ACCESS_COUNT; p++)
		staged_free(p, &st[p]);
	cJSON_Delete(root);
	return rc;
}

/* ---- the token's organizations (--all-orgs) ----------------------------------------------- */

char *fa_api_gql_organizations(const char *after)
{
	cJSON *root = NULL, *vars = NULL;
	char *out = NULL;

	if (after && !fly_utf8_valid(after))
		return NULL;
	root = cJSON_CreateObject();
	if (!root ||
	    !cJSON_AddStringToObject(root, "query",
				     after ? "query($after:String){organizations(first:" ORGS_PAGE
					     ",after:$after){nodes{id slug name type viewerRole}" PAGE_INFO "}}"
					   : "query{organizations(first:" ORGS_PAGE
					     "){nodes{id slug name type viewerRole}" PAGE_INFO "}}") ||
	    (after && (!(vars = cJSON_AddObjectToObject(root, "variables")) ||
		       !cJSON_AddStringToObject(vars, "after", after))))
		goto cleanup;
	out = cJSON_PrintUnformatted(root);
cleanup:
	cJSON_Delete(root);
	return out;
}

int fa_api_decode_organizations(const char *body, size_t len, char ***slugs, size_t *n_slugs,
				char **next_cursor, char *err, size_t errlen)
{
	cJSON *root = NULL, *conn = NULL, *nodes = NULL;
	const cJSON *it = NULL;
	fly_dec d = { 0, NULL };
	char **out = NULL, *next = NULL;
	size_t n = 0, i;
	int rc;

	if (next_cursor)
		*next_cursor = NULL;
	if (!slugs || !n_slugs || !next_cursor) {
		fly_set_err(err, errlen, "no output");
		return FA_API_EJSON;
	}
	rc = fly_parse_body(body, len, &root, err, errlen);
	if (rc)
		return rc;
	if (fly_gql_has_errors(root)) {
		rc = fly_gql_errors(root, err, errlen);
		goto cleanup;
	}
	conn = fly_get(fly_get(root, "data"), "organizations");
	nodes = fly_get(conn, "nodes");
	if (!cJSON_IsArray(nodes)) {
		fly_set_err(err, errlen, "expected organizations.nodes in the GraphQL response");
		rc = FA_API_EJSON;
		goto cleanup;
	}
	out = fly_dalloc(&d, fly_n_children(nodes), sizeof(*out));
	EACH(it, out ? nodes : NULL) {
		const char *slug = fly_get_s(it, "slug");

		if (!slug || !slug[0] || !fly_utf8_valid(slug)) {
			fly_set_err(err, errlen, "an organization without a slug");
			rc = FA_API_EJSON;
			goto cleanup;
		}
		if (!(out[n] = fly_strdup(slug))) {
			d.oom = 1;
			break;
		}
		n++;
	}
	if (cJSON_IsTrue(fly_get(fly_get(conn, "pageInfo"), "hasNextPage"))) {
		next = fly_dstr(&d, fly_get(conn, "pageInfo"), "endCursor");
		if (!d.oom && (!next || !next[0])) {
			fly_set_err(err, errlen, "the organization list has more pages than could be followed");
			rc = FA_API_EJSON;
			goto cleanup;
		}
	}
	if (d.oom) {
		rc = fly_oom_err(err, errlen);
		goto cleanup;
	}
	*slugs = out;
	*n_slugs = n;
	*next_cursor = next;
	out = NULL;
	next = NULL;
	n = 0;
cleanup:
	for (i = 0; i < n; i++)
		free(out[i]);
	free(out);
	free(next);
	cJSON_Delete(root);
	return rc;
}
