/* test_checks_access.c: the people-and-access checks (audit/checks/access.c) on failing,
 * passing and unknown fixtures: access.member_without_2fa, access.admins_excess,
 * access.invitation_stale, access.sso_not_required, network.wireguard_peers and
 * tokens.owner_not_member (org and app tokens). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "checks_fixture.h"

static fa_member *member(fa_access *a, const char *email, const char *role, fa_tri twofa)
{
	fa_member *m = FX_PUSH(a->members, a->n_members);

	m->email = fx_str(email);
	m->name = fx_str("Some One");
	m->role = fx_str(role);
	m->joined_at = fx_str("2025-01-01T00:00:00Z");
	m->two_factor = twofa;
	return m;
}

static fa_invitation *invitation(fa_access *a, const char *id, const char *created, fa_tri redeemed)
{
	fa_invitation *v = FX_PUSH(a->invitations, a->n_invitations);

	v->id = fx_str(id);
	v->email = fx_str("new@acme.example");
	v->created_at = fx_str(created);
	v->inviter_email = fx_str("boss@acme.example");
	v->redeemed = redeemed;
	return v;
}

static void sso(fa_access *a, const char *name, const char *flyctl, const char *uiex)
{
	fa_sso_config *c = FX_PUSH(a->sso, a->n_sso);

	c->name = fx_str(name);
	c->flyctl_level = fx_str(flyctl);
	c->uiex_level = fx_str(uiex);
	c->custom_level = fx_str("DISABLED");
}

static void peer(fa_access *a, const char *name)
{
	fa_wg_peer *w = FX_PUSH(a->peers, a->n_peers);

	w->name = fx_str(name);
	w->region = fx_str("iad");
	w->peerip = fx_str("fdaa:0:1:a7b:8c1:0:a:2");
}

static void all_loaded(fa_access *a)
{
	int p;

	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		fa_load_ok(&a->load[p]);
		a->load[p].tried = true;
	}
}

/* A clean org: two members with 2FA, one admin, SSO required, no invitation, no peer. */
static void clean(fa_inventory *inv)
{
	memset(inv, 0, sizeof(*inv));
	inv->self.org_id = -1;
	all_loaded(&inv->access);
	inv->access.viewer_role = fx_str("member");
	member(&inv->access, "boss@acme.example", "ADMIN", FA_TRI_TRUE);
	member(&inv->access, "dev@acme.example", "MEMBER", FA_TRI_TRUE);
	sso(&inv->access, "Okta", "REQUIRED", "REQUIRED");
	fa_load_ok(&inv->org_tokens_load);
}

static void run_org(const fa_inventory *inv, int max_admins, fa_results *rs)
{
	fa_audit_ctx c = fx_ctx(NULL);

	c.access = &inv->access;
	c.max_admins = max_admins;
	fa_results_init(rs);
	assert_int_equal(fa_audit_org(&c, inv, rs), 0);
}

static void test_clean_org_passes(void **state)
{
	fa_inventory inv;
	fa_results rs;

	(void)state;
	clean(&inv);
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.member_without_2fa", "boss@acme.example", FA_STATUS_PASS, NULL);
	fx_expect(&rs, "access.member_without_2fa", "dev@acme.example", FA_STATUS_PASS, NULL);
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_PASS, "1 admin (boss@acme.example)");
	fx_expect(&rs, "access.sso_not_required", "acme", FA_STATUS_PASS, "Okta");
	assert_int_equal(fx_count(&rs, "access.invitation_stale"), 0);
	assert_int_equal(fx_count(&rs, "network.wireguard_peers"), 0);
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_member_without_2fa(void **state)
{
	fa_inventory inv;
	fa_results rs;

	(void)state;
	clean(&inv);
	member(&inv.access, "lax@acme.example", "ADMIN", FA_TRI_FALSE);
	member(&inv.access, "odd@acme.example", "MEMBER", FA_TRI_UNKNOWN);
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.member_without_2fa", "lax@acme.example", FA_STATUS_FAIL,
		  "lax@acme.example (ADMIN) has no two-factor protection");
	fx_expect(&rs, "access.member_without_2fa", "odd@acme.example", FA_STATUS_UNKNOWN, "did not say");
	fx_expect(&rs, "access.member_without_2fa", "boss@acme.example", FA_STATUS_PASS, NULL);
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_admins_excess(void **state)
{
	fa_inventory inv;
	fa_results rs;

	(void)state;
	clean(&inv);
	member(&inv.access, "a2@acme.example", "ADMIN", FA_TRI_TRUE);
	member(&inv.access, "a3@acme.example", "ADMIN", FA_TRI_TRUE);
	run_org(&inv, 0, &rs); /* 3 admins: the default allows 3 */
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_PASS, "3 admins");
	fa_results_release(&rs);
	member(&inv.access, "a4@acme.example", "ADMIN", FA_TRI_TRUE);
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_FAIL,
		  "4 admins (boss@acme.example, a2@acme.example, a3@acme.example, a4@acme.example)");
	fa_results_release(&rs);
	run_org(&inv, 4, &rs); /* --max-admins 4 */
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_PASS, "at most 4");
	fa_results_release(&rs);
	run_org(&inv, 1, &rs);
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_FAIL, "at most 1");
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_admins_unknown_roles(void **state)
{
	fa_inventory inv;
	fa_results rs;
	fa_member *m;

	(void)state;
	clean(&inv);
	member(&inv.access, "a2@acme.example", "ADMIN", FA_TRI_TRUE);
	member(&inv.access, "a3@acme.example", "ADMIN", FA_TRI_TRUE);
	m = member(&inv.access, "who@acme.example", "MEMBER", FA_TRI_TRUE);
	free(m->role);
	m->role = NULL; /* a role the API left out could be a fourth admin */
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_UNKNOWN, "without a role");
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_invitation_stale(void **state)
{
	fa_inventory inv;
	fa_results rs;

	(void)state;
	clean(&inv);
	/* FX_NOW is 2026-01-01 */
	invitation(&inv.access, "old", "2025-10-01T00:00:00Z", FA_TRI_FALSE);
	invitation(&inv.access, "fresh", "2025-12-25T00:00:00Z", FA_TRI_FALSE);
	invitation(&inv.access, "done", "2025-01-01T00:00:00Z", FA_TRI_TRUE);
	invitation(&inv.access, "bad", "last tuesday", FA_TRI_FALSE);
	invitation(&inv.access, "edge", "2025-12-17T23:59:00Z", FA_TRI_FALSE); /* 14 days + 1 min */
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.invitation_stale", "old", FA_STATUS_FAIL, "unredeemed for 92 days");
	fx_expect(&rs, "access.invitation_stale", "fresh", FA_STATUS_PASS, "for 7 days");
	fx_expect(&rs, "access.invitation_stale", "bad", FA_STATUS_UNKNOWN, "not an RFC 3339 time");
	fx_expect(&rs, "access.invitation_stale", "edge", FA_STATUS_FAIL, NULL);
	assert_int_equal(fx_count(&rs, "access.invitation_stale"), 4); /* redeemed: no result */
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_sso_levels(void **state)
{
	static const struct {
		const char *flyctl, *uiex;
		fa_status want;
	} cases[] = {
		{"REQUIRED", "REQUIRED", FA_STATUS_PASS},
		{"REQUIRED", "OPT_IN", FA_STATUS_FAIL},
		{"OPT_IN", "REQUIRED", FA_STATUS_FAIL},
		{"MEMBER_OPT_OUT", "ADMIN_OPT_OUT", FA_STATUS_FAIL},
		{"DISABLED", "DISABLED", FA_STATUS_FAIL},
		{"required", "required", FA_STATUS_FAIL}, /* not the enum: never a pass */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fa_inventory inv;
		fa_results rs;

		clean(&inv);
		free(inv.access.sso[0].flyctl_level);
		free(inv.access.sso[0].uiex_level);
		inv.access.sso[0].flyctl_level = fx_str(cases[i].flyctl);
		inv.access.sso[0].uiex_level = fx_str(cases[i].uiex);
		run_org(&inv, 0, &rs);
		fx_expect(&rs, "access.sso_not_required", "acme", cases[i].want, NULL);
		fa_results_release(&rs);
		fa_inventory_release(&inv);
	}
}

static void test_no_sso_fails(void **state)
{
	fa_inventory inv;
	fa_results rs;

	(void)state;
	clean(&inv);
	run_org(&inv, 0, &rs);
	fa_results_release(&rs);
	fa_access_release(&inv.access); /* drop everything, then load with no configuration */
	all_loaded(&inv.access);
	member(&inv.access, "boss@acme.example", "ADMIN", FA_TRI_TRUE);
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.sso_not_required", "acme", FA_STATUS_FAIL, "no SSO configuration");
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_wireguard_peers_manual(void **state)
{
	fa_inventory inv;
	fa_results rs;

	(void)state;
	clean(&inv);
	peer(&inv.access, "laptop");
	peer(&inv.access, "old-ci");
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "network.wireguard_peers", "laptop", FA_STATUS_MANUAL, "fly wireguard remove acme laptop");
	fx_expect(&rs, "network.wireguard_peers", "old-ci", FA_STATUS_MANUAL, "fly wireguard list acme");
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

/* A part that did not load gives unknown with the reason, never a pass. */
static void test_denied_members_unknown(void **state)
{
	fa_inventory inv;
	fa_results rs;
	fa_token *t;

	(void)state;
	clean(&inv);
	fa_load_fail(&inv.access.load[FA_ACCESS_MEMBERS], 200, "Not authorized (UNAUTHORIZED)");
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "tok1", "2026-06-01T00:00:00Z", NULL);
	t->user_email = fx_str("boss@acme.example");
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.member_without_2fa", "acme", FA_STATUS_UNKNOWN,
		  "members could not be read: HTTP 200: Not authorized");
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_UNKNOWN, "Not authorized");
	fx_expect(&rs, "tokens.owner_not_member", "tok1", FA_STATUS_UNKNOWN, "Not authorized");
	assert_int_equal(fx_count(&rs, "access.member_without_2fa"), 1);
	fx_expect(&rs, "access.sso_not_required", "acme", FA_STATUS_PASS, NULL); /* the others still run */
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_each_part_unknown(void **state)
{
	static const struct {
		fa_access_part part;
		const char *check;
	} cases[] = {
		{FA_ACCESS_INVITATIONS, "access.invitation_stale"},
		{FA_ACCESS_SSO, "access.sso_not_required"},
		{FA_ACCESS_PEERS, "network.wireguard_peers"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fa_inventory inv;
		fa_results rs;

		clean(&inv);
		fa_load_fail(&inv.access.load[cases[i].part], 0, "connection reset");
		run_org(&inv, 0, &rs);
		fx_expect(&rs, cases[i].check, "acme", FA_STATUS_UNKNOWN, "transport error: connection reset");
		fa_results_release(&rs);
		fa_inventory_release(&inv);
	}
}

/* An inventory without access data (an older snapshot): every access check unknown. */
static void test_access_not_read(void **state)
{
	fa_inventory inv;
	fa_results rs;
	fa_token *t;

	(void)state;
	memset(&inv, 0, sizeof(inv));
	fa_load_ok(&inv.org_tokens_load);
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "tok1", "2026-06-01T00:00:00Z", NULL);
	t->user_email = fx_str("boss@acme.example");
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "access.member_without_2fa", "acme", FA_STATUS_UNKNOWN, "were not read");
	fx_expect(&rs, "access.admins_excess", "acme", FA_STATUS_UNKNOWN, NULL);
	fx_expect(&rs, "access.invitation_stale", "acme", FA_STATUS_UNKNOWN, NULL);
	fx_expect(&rs, "access.sso_not_required", "acme", FA_STATUS_UNKNOWN, NULL);
	fx_expect(&rs, "network.wireguard_peers", "acme", FA_STATUS_UNKNOWN, NULL);
	fx_expect(&rs, "tokens.owner_not_member", "tok1", FA_STATUS_UNKNOWN, "members were not read");
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_owner_not_member_org_tokens(void **state)
{
	fa_inventory inv;
	fa_results rs;
	fa_token *t;

	(void)state;
	clean(&inv);
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "gone", NULL, NULL); /* never expires */
	t->user_email = fx_str("leaver@acme.example");
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "kept", "2026-06-01T00:00:00Z", NULL);
	t->user_email = fx_str("BOSS@acme.example"); /* emails compare without case */
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "nouser", "2026-06-01T00:00:00Z", NULL);
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "revoked", NULL, "2025-06-01T00:00:00Z");
	t->user_email = fx_str("leaver@acme.example");
	t = fx_token(&inv.org_tokens, &inv.n_org_tokens, "expired", "2025-06-01T00:00:00Z", NULL);
	t->user_email = fx_str("leaver@acme.example");
	run_org(&inv, 0, &rs);
	fx_expect(&rs, "tokens.owner_not_member", "gone", FA_STATUS_FAIL,
		  "created by leaver@acme.example, who is not a member");
	fx_expect(&rs, "tokens.owner_not_member", "kept", FA_STATUS_PASS, "a current member");
	fx_expect(&rs, "tokens.owner_not_member", "nouser", FA_STATUS_UNKNOWN, "did not say who");
	assert_int_equal(fx_count(&rs, "tokens.owner_not_member"), 3); /* revoked, expired: dead */
	fa_results_release(&rs);
	fa_inventory_release(&inv);
}

static void test_owner_not_member_app_tokens(void **state)
{
	fa_inventory inv;
	fa_results rs;
	fa_audit_ctx c = fx_ctx(NULL);
	fa_app a;
	fa_token *t;

	(void)state;
	clean(&inv);
	fx_app(&a, "web");
	t = fx_token(&a.tokens, &a.n_tokens, "deploy1", "2026-06-01T00:00:00Z", NULL);
	t->user_email = fx_str("leaver@acme.example");
	t->app = fx_str("web");
	c.access = &inv.access;
	fa_results_init(&rs);
	assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
	fx_expect(&rs, "tokens.owner_not_member", "deploy1", FA_STATUS_FAIL, "live app token");
	fa_results_release(&rs);
	/* the app's token list failed: unknown for the app */
	fx_fail_load(&a, FA_EP_TOKENS, 500, "boom");
	fa_results_init(&rs);
	assert_int_equal(fa_audit_app(&c, &a, &rs), 0);
	fx_expect(&rs, "tokens.owner_not_member", "web", FA_STATUS_UNKNOWN, "boom");
	fa_results_release(&rs);
	fa_app_release(&a);
	fa_inventory_release(&inv);
}

static void test_access_model_helpers(void **state)
{
	fa_access a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_false(fa_access_tried(&a));
	assert_false(fa_access_tried(NULL));
	member(&a, "X@Y.example", "ADMIN", FA_TRI_TRUE);
	assert_non_null(fa_access_member(&a, "x@y.EXAMPLE"));
	assert_null(fa_access_member(&a, "x@y.example2"));
	assert_null(fa_access_member(&a, "x@y.exampl"));
	assert_null(fa_access_member(&a, NULL));
	fa_load_fail(&a.load[FA_ACCESS_PEERS], 0, "x");
	assert_true(fa_access_tried(&a));
	assert_string_equal(fa_access_part_name(FA_ACCESS_DELEGATED), "wireguard_tokens");
	assert_int_equal(fa_access_part_from_name("sso"), FA_ACCESS_SSO);
	assert_int_equal(fa_access_part_from_name("nope"), -1);
	assert_string_equal(fa_access_part_name(FA_ACCESS_COUNT), "unknown");
	fa_access_release(&a);
	fa_access_release(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_org_passes),
		cmocka_unit_test(test_member_without_2fa),
		cmocka_unit_test(test_admins_excess),
		cmocka_unit_test(test_admins_unknown_roles),
		cmocka_unit_test(test_invitation_stale),
		cmocka_unit_test(test_sso_levels),
		cmocka_unit_test(test_no_sso_fails),
		cmocka_unit_test(test_wireguard_peers_manual),
		cmocka_unit_test(test_denied_members_unknown),
		cmocka_unit_test(test_each_part_unknown),
		cmocka_unit_test(test_access_not_read),
		cmocka_unit_test(test_owner_not_member_org_tokens),
		cmocka_unit_test(test_owner_not_member_app_tokens),
		cmocka_unit_test(test_access_model_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
