/* model_access.c: lifecycle and lookups of the org's people-and-access data (fa_access in
 * model.h): members, invitations, SSO configurations, WireGuard peers and tokens. */
#include "flyaudit/model.h"

#include <stdlib.h>
#include <string.h>

static const char *const part_names[FA_ACCESS_COUNT] = {
	"role", "members", "invitations", "sso", "wireguard_peers", "wireguard_tokens",
};

const char *fa_access_part_name(fa_access_part p)
{
	if ((int)p < 0 || p >= FA_ACCESS_COUNT)
		return "unknown";
	return part_names[p];
}

int fa_access_part_from_name(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < FA_ACCESS_COUNT; i++)
		if (strcmp(part_names[i], name) == 0)
			return i;
	return -1;
}

void fa_access_release(fa_access *a)
{
	size_t i;
	int p;

	if (!a)
		return;
	free(a->viewer_role);
	for (i = 0; i < a->n_members; i++) {
		fa_member *m = &a->members[i];

		free(m->id);
		free(m->email);
		free(m->name);
		free(m->role);
		free(m->joined_at);
		free(m->last_region);
	}
	free(a->members);
	for (i = 0; i < a->n_invitations; i++) {
		fa_invitation *v = &a->invitations[i];

		free(v->id);
		free(v->email);
		free(v->created_at);
		free(v->redeemed_at);
		free(v->inviter_email);
	}
	free(a->invitations);
	for (i = 0; i < a->n_sso; i++) {
		fa_sso_config *c = &a->sso[i];

		free(c->id);
		free(c->name);
		free(c->location);
		free(c->flyctl_level);
		free(c->uiex_level);
		free(c->custom_level);
		free(c->created_at);
	}
	free(a->sso);
	for (i = 0; i < a->n_peers; i++) {
		fa_wg_peer *w = &a->peers[i];

		free(w->id);
		free(w->name);
		free(w->region);
		free(w->peerip);
		free(w->network);
	}
	free(a->peers);
	for (i = 0; i < a->n_wg_tokens; i++) {
		free(a->wg_tokens[i].id);
		free(a->wg_tokens[i].name);
	}
	free(a->wg_tokens);
	for (p = 0; p < FA_ACCESS_COUNT; p++)
		fa_load_release(&a->load[p]);
	memset(a, 0, sizeof(*a));
}

bool fa_access_tried(const fa_access *a)
{
	int p;

	if (!a)
		return false;
	for (p = 0; p < FA_ACCESS_COUNT; p++)
		if (a->load[p].tried || a->load[p].loaded)
			return true;
	return false;
}

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool same_email(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

const fa_member *fa_access_member(const fa_access *a, const char *email)
{
	size_t i;

	if (!a || !email)
		return NULL;
	for (i = 0; i < a->n_members; i++)
		if (a->members[i].email && same_email(a->members[i].email, email))
			return &a->members[i];
	return NULL;
}
