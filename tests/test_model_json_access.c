/* test_model_json_access.c: people and access in the snapshot's JSON (client/model_json.c):
 * every field survives a round trip, loads included; an inventory that never read access
 * writes no "access" key (and reads back as not tried). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flyaudit/model.h"
#include "../client/model_json.h"

static char *dup(const char *s)
{
	char *p = s ? strdup(s) : NULL;

	assert_true(!s || p);
	return p;
}

static void fill(fa_access *a)
{
	memset(a, 0, sizeof(*a));
	a->viewer_role = dup("admin");
	a->members = calloc(2, sizeof(*a->members));
	a->n_members = 2;
	a->members[0].id = dup("u1");
	a->members[0].email = dup("jane@acme.com");
	a->members[0].name = dup("Jane \"J\" Doe");
	a->members[0].role = dup("ADMIN");
	a->members[0].joined_at = dup("2024-01-01T00:00:00Z");
	a->members[0].last_region = dup("iad");
	a->members[0].two_factor = FA_TRI_FALSE;
	a->members[1].email = dup("x@acme.com");
	a->members[1].two_factor = FA_TRI_UNKNOWN;
	a->invitations = calloc(1, sizeof(*a->invitations));
	a->n_invitations = 1;
	a->invitations[0].id = dup("i1");
	a->invitations[0].email = dup("new@acme.com");
	a->invitations[0].created_at = dup("2024-05-01T00:00:00Z");
	a->invitations[0].inviter_email = dup("jane@acme.com");
	a->invitations[0].redeemed = FA_TRI_FALSE;
	a->sso = calloc(1, sizeof(*a->sso));
	a->n_sso = 1;
	a->sso[0].name = dup("Okta");
	a->sso[0].flyctl_level = dup("REQUIRED");
	a->sso[0].uiex_level = dup("OPT_IN");
	a->peers = calloc(1, sizeof(*a->peers));
	a->n_peers = 1;
	a->peers[0].name = dup("laptop");
	a->peers[0].peerip = dup("fdaa::2");
	a->wg_tokens = calloc(1, sizeof(*a->wg_tokens));
	a->n_wg_tokens = 1;
	a->wg_tokens[0].name = dup("ci");
	fa_load_ok(&a->load[FA_ACCESS_ROLE]);
	fa_load_ok(&a->load[FA_ACCESS_INVITATIONS]);
	fa_load_ok(&a->load[FA_ACCESS_SSO]);
	fa_load_ok(&a->load[FA_ACCESS_PEERS]);
	fa_load_ok(&a->load[FA_ACCESS_DELEGATED]);
	fa_load_fail(&a->load[FA_ACCESS_MEMBERS], 200, "Not authorized (UNAUTHORIZED)");
}

static void same(const char *a, const char *b)
{
	if (!a || !b)
		assert_true(a == b);
	else
		assert_string_equal(a, b);
}

static void test_round_trip(void **state)
{
	fa_access want, got;
	char err[256];
	cJSON *j;
	int p;

	(void)state;
	fill(&want);
	j = fa_mj_access(&want);
	assert_non_null(j);
	assert_int_equal(fa_mj_access_from(j, "access", &got, err, sizeof(err)), 0);
	same(got.viewer_role, "admin");
	assert_int_equal(got.n_members, 2);
	same(got.members[0].name, "Jane \"J\" Doe");
	same(got.members[0].last_region, "iad");
	assert_int_equal(got.members[0].two_factor, FA_TRI_FALSE);
	assert_int_equal(got.members[1].two_factor, FA_TRI_UNKNOWN);
	same(got.members[1].role, NULL);
	assert_int_equal(got.n_invitations, 1);
	same(got.invitations[0].inviter_email, "jane@acme.com");
	assert_int_equal(got.invitations[0].redeemed, FA_TRI_FALSE);
	same(got.sso[0].uiex_level, "OPT_IN");
	same(got.peers[0].peerip, "fdaa::2");
	same(got.wg_tokens[0].name, "ci");
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		assert_int_equal(got.load[p].loaded, want.load[p].loaded);
		assert_int_equal(got.load[p].status, want.load[p].status);
		same(got.load[p].message, want.load[p].message);
	}
	assert_true(got.load[FA_ACCESS_MEMBERS].tried);
	cJSON_Delete(j);
	fa_access_release(&got);
	fa_access_release(&want);
}

static void test_header(void **state)
{
	fa_inventory inv, back;
	char err[256];
	cJSON *j;

	(void)state;
	memset(&inv, 0, sizeof(inv));
	inv.self.org_id = -1;
	inv.org = dup("acme");
	j = fa_mj_header(&inv);
	assert_non_null(j);
	assert_null(cJSON_GetObjectItemCaseSensitive(j, "access")); /* never read: not written */
	assert_int_equal(fa_mj_header_from(j, &back, err, sizeof(err)), 0);
	assert_false(fa_access_tried(&back.access));
	cJSON_Delete(j);
	fa_inventory_release(&back);
	fill(&inv.access);
	j = fa_mj_header(&inv);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "access"));
	assert_int_equal(fa_mj_header_from(j, &back, err, sizeof(err)), 0);
	assert_true(fa_access_tried(&back.access));
	assert_int_equal(back.access.n_members, 2);
	cJSON_Delete(j);
	fa_inventory_release(&back);
	fa_inventory_release(&inv);
}

static void test_tokens_owner_json(void **state)
{
	fa_access a;
	fa_token t[2];
	char *s;
	cJSON *j;

	(void)state;
	fill(&a);
	memset(t, 0, sizeof(t));
	t[0].id = dup("t0");
	t[0].user_email = dup("JANE@acme.com");
	t[1].id = dup("t1");
	t[1].user_email = dup("gone@acme.com");
	s = fa_json_tokens_owners(t, 2, &a); /* members did not load: unknown (null) */
	j = cJSON_Parse(s);
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "owner_is_member")));
	cJSON_Delete(j);
	free(s);
	fa_load_ok(&a.load[FA_ACCESS_MEMBERS]);
	s = fa_json_tokens_owners(t, 2, &a);
	j = cJSON_Parse(s);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "owner_is_member")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 1), "owner_is_member")));
	cJSON_Delete(j);
	free(s);
	fa_token_release(&t[0]);
	fa_token_release(&t[1]);
	fa_access_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_tokens_owner_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
