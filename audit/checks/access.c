/* checks/access.c: who can get in (ARCHITECTURE.md section 5, second round): members
 * without two-factor protection, too many admins, stale invitations, SSO not required,
 * WireGuard peers (manual), and live tokens whose creator is no longer a member. Org-level;
 * each part of fa_access that did not load makes its checks unknown, never pass. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#define DAY 86400LL
#define STALE_DAYS 14
#define DEFAULT_MAX_ADMINS 3

static const char *org_of(const fa_run *r)
{
	return r->ctx && r->ctx->org ? r->ctx->org : "(org)";
}

/* One unknown result for the org naming why `part` is missing; true when it is. */
static bool part_missing(fa_run *r, int idx, const fa_access *a, fa_access_part part,
			 const char *what)
{
	fa_msg m;

	if (a->load[part].loaded)
		return false;
	fa_msg_init(&m);
	fa_chk_load_reason_l(&m, &a->load[part], what);
	fa_chk_emit(r, idx, FA_STATUS_UNKNOWN, "org", org_of(r), NULL, NULL, fa_msg_str(&m));
	return true;
}

static bool is_admin(const fa_member *m)
{
	return m->role && strcmp(m->role, "ADMIN") == 0;
}

static const char *member_id(const fa_member *m)
{
	if (m->email && m->email[0])
		return m->email;
	return m->id && m->id[0] ? m->id : "(no email)";
}

static void chk_2fa(fa_run *r, const fa_access *a)
{
	size_t i;

	if (part_missing(r, FA_CK_MEMBER_WITHOUT_2FA, a, FA_ACCESS_MEMBERS, "members"))
		return;
	for (i = 0; i < a->n_members && !r->err; i++) {
		const fa_member *m = &a->members[i];
		const char *role = m->role ? m->role : "unknown role";
		fa_status st = FA_STATUS_UNKNOWN;
		fa_msg msg;

		fa_msg_init(&msg);
		if (m->two_factor == FA_TRI_FALSE) {
			st = FA_STATUS_FAIL;
			fa_msg_addf(&msg, "%s (%s) has no two-factor protection", member_id(m), role);
		} else if (m->two_factor == FA_TRI_TRUE) {
			st = FA_STATUS_PASS;
			fa_msg_addf(&msg, "%s (%s) has two-factor protection", member_id(m), role);
		} else {
			fa_msg_addf(&msg, "the API did not say whether %s (%s) has two-factor protection",
				    member_id(m), role);
		}
		fa_chk_emit(r, FA_CK_MEMBER_WITHOUT_2FA, st, "member", member_id(m), m->name, NULL,
			    fa_msg_str(&msg));
	}
}

static void chk_admins(fa_run *r, const fa_access *a)
{
	int max = r->ctx && r->ctx->max_admins > 0 ? r->ctx->max_admins : DEFAULT_MAX_ADMINS;
	size_t i, admins = 0, unknown = 0;
	fa_msg m;

	if (part_missing(r, FA_CK_ADMINS_EXCESS, a, FA_ACCESS_MEMBERS, "members"))
		return;
	for (i = 0; i < a->n_members; i++) {
		if (is_admin(&a->members[i]))
			admins++;
		else if (!a->members[i].role)
			unknown++;
	}
	fa_msg_init(&m);
	fa_msg_addf(&m, "%zu admin%s", admins, admins == 1 ? "" : "s");
	{
		size_t k = 0;

		for (i = 0; i < a->n_members; i++) {
			if (!is_admin(&a->members[i]))
				continue;
			fa_msg_add(&m, k++ ? ", " : " (");
			fa_msg_add(&m, member_id(&a->members[i]));
		}
		if (k)
			fa_msg_add(&m, ")");
	}
	fa_msg_addf(&m, " among %zu member%s; at most %d allowed (--max-admins)", a->n_members,
		    a->n_members == 1 ? "" : "s", max);
	if (admins > (size_t)max) {
		fa_chk_emit(r, FA_CK_ADMINS_EXCESS, FA_STATUS_FAIL, "org", org_of(r), NULL, NULL,
			    fa_msg_str(&m));
	} else if (unknown && admins + unknown > (size_t)max) {
		fa_msg_addf(&m, "; %zu member%s without a role", unknown, unknown == 1 ? "" : "s");
		fa_chk_emit(r, FA_CK_ADMINS_EXCESS, FA_STATUS_UNKNOWN, "org", org_of(r), NULL, NULL,
			    fa_msg_str(&m));
	} else {
		fa_chk_emit(r, FA_CK_ADMINS_EXCESS, FA_STATUS_PASS, "org", org_of(r), NULL, NULL,
			    fa_msg_str(&m));
	}
}

static void chk_invitations(fa_run *r, const fa_access *a)
{
	long long now = r->ctx ? (long long)r->ctx->now : 0, created;
	size_t i;

	if (part_missing(r, FA_CK_INVITATION_STALE, a, FA_ACCESS_INVITATIONS, "invitations"))
		return;
	for (i = 0; i < a->n_invitations && !r->err; i++) {
		const fa_invitation *v = &a->invitations[i];
		const char *id = v->id && v->id[0] ? v->id : (v->email ? v->email : "(no id)");
		const char *who = v->email ? v->email : "(no email)";
		fa_msg m;

		if (v->redeemed == FA_TRI_TRUE)
			continue; /* a member now: the members checks cover them */
		fa_msg_init(&m);
		if (fa_chk_parse_rfc3339(v->created_at, &created) < 0) {
			fa_msg_addf(&m, "invitation of %s: createdAt \"%s\" is not an RFC 3339 time", who,
				    v->created_at ? v->created_at : "");
			fa_chk_emit(r, FA_CK_INVITATION_STALE, FA_STATUS_UNKNOWN, "invitation", id, who,
				    NULL, fa_msg_str(&m));
			continue;
		}
		fa_msg_addf(&m, "invitation of %s%s%s, sent %s, %s for %lld days", who,
			    v->inviter_email ? " by " : "", v->inviter_email ? v->inviter_email : "",
			    v->created_at, v->redeemed == FA_TRI_FALSE ? "unredeemed" : "not known redeemed",
			    now > created ? (now - created) / DAY : 0);
		fa_chk_emit(r, FA_CK_INVITATION_STALE,
			    now - created > STALE_DAYS * DAY ? FA_STATUS_FAIL : FA_STATUS_PASS, "invitation",
			    id, who, NULL, fa_msg_str(&m));
	}
}

static bool level_is(const char *level, const char *want)
{
	return level && strcmp(level, want) == 0;
}

static void chk_sso(fa_run *r, const fa_access *a)
{
	size_t i;
	fa_msg m;

	if (part_missing(r, FA_CK_SSO_NOT_REQUIRED, a, FA_ACCESS_SSO, "SSO configurations"))
		return;
	fa_msg_init(&m);
	for (i = 0; i < a->n_sso; i++) {
		const fa_sso_config *c = &a->sso[i];

		if (level_is(c->flyctl_level, "REQUIRED") && level_is(c->uiex_level, "REQUIRED")) {
			fa_msg_addf(&m, "SSO configuration %s is REQUIRED for flyctl and dashboard sessions",
				    c->name ? c->name : "(no name)");
			fa_chk_emit(r, FA_CK_SSO_NOT_REQUIRED, FA_STATUS_PASS, "org", org_of(r), NULL, NULL,
				    fa_msg_str(&m));
			return;
		}
	}
	if (a->n_sso == 0) {
		fa_msg_add(&m, "the org has no SSO configuration");
	} else {
		fa_msg_add(&m, "no SSO configuration is REQUIRED for both flyctl and dashboard sessions:");
		for (i = 0; i < a->n_sso; i++) {
			const fa_sso_config *c = &a->sso[i];

			fa_msg_addf(&m, "%s %s (flyctl %s, dashboard %s)", i ? "," : "",
				    c->name ? c->name : "(no name)", c->flyctl_level ? c->flyctl_level : "?",
				    c->uiex_level ? c->uiex_level : "?");
		}
	}
	fa_chk_emit(r, FA_CK_SSO_NOT_REQUIRED, FA_STATUS_FAIL, "org", org_of(r), NULL, NULL,
		    fa_msg_str(&m));
}

static void chk_peers(fa_run *r, const fa_access *a)
{
	size_t i;

	if (part_missing(r, FA_CK_WIREGUARD_PEERS, a, FA_ACCESS_PEERS, "WireGuard peers"))
		return;
	for (i = 0; i < a->n_peers && !r->err; i++) {
		const fa_wg_peer *w = &a->peers[i];
		const char *name = w->name && w->name[0] ? w->name : "(no name)";
		fa_msg m;

		fa_msg_init(&m);
		fa_msg_addf(&m,
			    "WireGuard peer %s (%s, %s%s%s): confirm its owner still needs it "
			    "(`fly wireguard list %s`), else `fly wireguard remove %s %s`",
			    name, w->region ? w->region : "no region", w->peerip ? w->peerip : "no IP",
			    w->network && w->network[0] ? ", network " : "",
			    w->network && w->network[0] ? w->network : "", org_of(r), org_of(r), name);
		fa_chk_emit(r, FA_CK_WIREGUARD_PEERS, FA_STATUS_MANUAL, "wireguard_peer", name, NULL,
			    w->region, fa_msg_str(&m));
	}
}

int fa_chk_access(fa_run *r, const fa_access *a)
{
	int idx[] = {FA_CK_MEMBER_WITHOUT_2FA, FA_CK_ADMINS_EXCESS, FA_CK_INVITATION_STALE,
		     FA_CK_SSO_NOT_REQUIRED, FA_CK_WIREGUARD_PEERS};
	size_t i;

	if (!a || !fa_access_tried(a)) {
		for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
			fa_chk_emit(r, idx[i], FA_STATUS_UNKNOWN, "org", org_of(r), NULL, NULL,
				    "people and access were not read (a snapshot of an earlier flyaudit?)");
		return r->err;
	}
	chk_2fa(r, a);
	chk_admins(r, a);
	chk_invitations(r, a);
	chk_sso(r, a);
	chk_peers(r, a);
	return r->err;
}

int fa_chk_token_owner(fa_run *r, const fa_token *t)
{
	const fa_access *a = r->ctx ? r->ctx->access : NULL;
	const char *id = t->id ? t->id : "(no id)";
	const char *kind = r->app ? "app" : "org";
	fa_status st;
	fa_msg m;

	fa_msg_init(&m);
	if (!a || !fa_access_tried(a)) {
		st = FA_STATUS_UNKNOWN;
		fa_msg_addf(&m, "live %s token: the org's members were not read", kind);
	} else if (!a->load[FA_ACCESS_MEMBERS].loaded) {
		st = FA_STATUS_UNKNOWN;
		fa_chk_load_reason_l(&m, &a->load[FA_ACCESS_MEMBERS], "members");
	} else if (!t->user_email || !t->user_email[0]) {
		st = FA_STATUS_UNKNOWN;
		fa_msg_addf(&m, "live %s token: the API did not say who created it", kind);
	} else if (fa_access_member(a, t->user_email)) {
		st = FA_STATUS_PASS;
		fa_msg_addf(&m, "live %s token created by %s, a current member", kind, t->user_email);
	} else {
		st = FA_STATUS_FAIL;
		fa_msg_addf(&m, "live %s token created by %s, who is not a member of the org", kind,
			    t->user_email);
	}
	return fa_chk_emit(r, FA_CK_OWNER_NOT_MEMBER, st, "token", id, t->name, NULL, fa_msg_str(&m));
}
