/* test_api_access.c: the people-and-access decoder (client/fly/access.c) on the shapes of
 * REFERENCE.md section 8 and schema.graphql, per-part failures (a token refused members),
 * paging, and hostile input; the organizations decoder (--all-orgs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/api.h"
#include "flyaudit/model.h"

#define FULL                                                                                      \
	"{\"data\":{"                                                                             \
	"\"role\":{\"id\":\"Qm7y\",\"slug\":\"acme\",\"viewerRole\":\"admin\"},"                  \
	"\"members\":{\"members\":{\"edges\":["                                                   \
	"{\"role\":\"ADMIN\",\"joinedAt\":\"2024-01-01T00:00:00Z\",\"node\":{\"id\":\"u1\","      \
	"\"email\":\"jane@acme.com\",\"name\":\"Jane\",\"twoFactorProtection\":true,"             \
	"\"lastRegion\":\"iad\"}},"                                                               \
	"{\"role\":\"MEMBER\",\"joinedAt\":\"2024-02-01T00:00:00Z\",\"node\":{\"id\":\"u2\","     \
	"\"email\":\"bob@acme.com\",\"name\":null,\"twoFactorProtection\":false,"                 \
	"\"lastRegion\":null}},"                                                                  \
	"{\"role\":\"MEMBER\",\"joinedAt\":\"2024-02-01T00:00:00Z\",\"node\":null}],"             \
	"\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":\"MQ3\"}}},"                           \
	"\"invitations\":{\"invitations\":{\"nodes\":[{\"id\":\"i1\",\"email\":\"new@acme.com\"," \
	"\"createdAt\":\"2024-05-01T00:00:00Z\",\"redeemed\":false,\"redeemedAt\":null,"          \
	"\"inviter\":{\"email\":\"jane@acme.com\"}}],\"pageInfo\":{\"hasNextPage\":false}}},"     \
	"\"sso\":{\"thirdPartyConfigurations\":{\"nodes\":[{\"id\":\"t1\",\"name\":\"Okta\","     \
	"\"location\":\"https://acme.okta.com\",\"flyctlLevel\":\"REQUIRED\","                    \
	"\"uiexLevel\":\"OPT_IN\",\"customLevel\":\"DISABLED\","                                  \
	"\"createdAt\":\"2024-01-01T00:00:00Z\"}],\"pageInfo\":{\"hasNextPage\":false}}},"        \
	"\"peers\":{\"wireGuardPeers\":{\"nodes\":[{\"id\":\"w1\",\"name\":\"laptop\","           \
	"\"region\":\"iad\",\"peerip\":\"fdaa:0:1::2\",\"network\":null}],"                       \
	"\"pageInfo\":{\"hasNextPage\":false}}},"                                                 \
	"\"delegated\":{\"delegatedWireGuardTokens\":{\"nodes\":[{\"id\":\"d1\",\"name\":\"ci\"}]," \
	"\"pageInfo\":{\"hasNextPage\":false}}}}}"

static int decode(const char *body, int part, fa_access *a, char *next[FA_ACCESS_COUNT], char *err)
{
	return fa_api_decode_access(body, strlen(body), part, a, next, err, FA_API_ERRLEN);
}

static void free_next(char *next[FA_ACCESS_COUNT])
{
	int p;

	for (p = 0; p < FA_ACCESS_COUNT; p++)
		free(next[p]);
}

static void test_full_response(void **state)
{
	fa_access a;
	char *next[FA_ACCESS_COUNT], err[FA_API_ERRLEN];
	int p;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(decode(FULL, -1, &a, next, err), 0);
	for (p = 0; p < FA_ACCESS_COUNT; p++) {
		assert_true(a.load[p].loaded);
		assert_null(next[p]);
	}
	assert_string_equal(a.viewer_role, "admin");
	assert_int_equal(a.n_members, 3); /* a null node is kept: it says nothing, never "fine" */
	assert_string_equal(a.members[0].email, "jane@acme.com");
	assert_string_equal(a.members[0].role, "ADMIN");
	assert_int_equal(a.members[0].two_factor, FA_TRI_TRUE);
	assert_string_equal(a.members[0].last_region, "iad");
	assert_int_equal(a.members[1].two_factor, FA_TRI_FALSE);
	assert_null(a.members[1].name);
	assert_null(a.members[2].email);
	assert_int_equal(a.members[2].two_factor, FA_TRI_UNKNOWN);
	assert_int_equal(a.n_invitations, 1);
	assert_string_equal(a.invitations[0].inviter_email, "jane@acme.com");
	assert_int_equal(a.invitations[0].redeemed, FA_TRI_FALSE);
	assert_int_equal(a.n_sso, 1);
	assert_string_equal(a.sso[0].flyctl_level, "REQUIRED");
	assert_string_equal(a.sso[0].uiex_level, "OPT_IN");
	assert_int_equal(a.n_peers, 1);
	assert_string_equal(a.peers[0].peerip, "fdaa:0:1::2");
	assert_null(a.peers[0].network);
	assert_int_equal(a.n_wg_tokens, 1);
	assert_string_equal(a.wg_tokens[0].name, "ci");
	fa_access_release(&a);
}

/* The token may not read members: GraphQL nulls that alias and names it in the error's
 * path; the other parts load. */
static void test_members_denied(void **state)
{
	const char *body =
		"{\"data\":{\"role\":{\"viewerRole\":\"member\"},\"members\":null,"
		"\"sso\":{\"thirdPartyConfigurations\":{\"nodes\":[],\"pageInfo\":{\"hasNextPage\":false}}}},"
		"\"errors\":[{\"message\":\"Not authorized\",\"path\":[\"members\",\"members\"],"
		"\"extensions\":{\"code\":\"UNAUTHORIZED\"}}]}";
	fa_access a;
	char *next[FA_ACCESS_COUNT], err[FA_API_ERRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(decode(body, -1, &a, next, err), 0);
	assert_true(a.load[FA_ACCESS_ROLE].loaded);
	assert_true(a.load[FA_ACCESS_SSO].loaded);
	assert_false(a.load[FA_ACCESS_MEMBERS].loaded);
	assert_true(a.load[FA_ACCESS_MEMBERS].tried);
	assert_string_equal(a.load[FA_ACCESS_MEMBERS].message, "Not authorized (UNAUTHORIZED)");
	/* parts the response left out are failures too, never empty lists */
	assert_false(a.load[FA_ACCESS_PEERS].loaded);
	assert_string_equal(a.load[FA_ACCESS_PEERS].message, "organization not found");
	assert_int_equal(a.n_members, 0);
	fa_access_release(&a);
}

static void test_paging(void **state)
{
	const char *page1 = "{\"data\":{\"members\":{\"members\":{\"edges\":[{\"role\":\"ADMIN\","
			    "\"node\":{\"email\":\"a@x\",\"twoFactorProtection\":true}}],"
			    "\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"MQ1\"}}}}}";
	const char *page2 = "{\"data\":{\"members\":{\"members\":{\"edges\":[{\"role\":\"MEMBER\","
			    "\"node\":{\"email\":\"b@x\",\"twoFactorProtection\":false}}],"
			    "\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":\"MQ2\"}}}}}";
	const char *nocursor = "{\"data\":{\"members\":{\"members\":{\"edges\":[],"
			       "\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"\"}}}}}";
	fa_access a;
	char *next[FA_ACCESS_COUNT], err[FA_API_ERRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(decode(page1, FA_ACCESS_MEMBERS, &a, next, err), 0);
	assert_non_null(next[FA_ACCESS_MEMBERS]);
	assert_string_equal(next[FA_ACCESS_MEMBERS], "MQ1");
	assert_false(a.load[FA_ACCESS_MEMBERS].loaded);
	assert_false(a.load[FA_ACCESS_MEMBERS].tried);
	free_next(next);
	assert_int_equal(decode(page2, FA_ACCESS_MEMBERS, &a, next, err), 0);
	assert_null(next[FA_ACCESS_MEMBERS]);
	assert_true(a.load[FA_ACCESS_MEMBERS].loaded);
	assert_int_equal(a.n_members, 2);
	assert_string_equal(a.members[1].email, "b@x");
	/* only the part asked for is marked */
	assert_false(a.load[FA_ACCESS_SSO].tried);
	fa_access_release(&a);
	memset(&a, 0, sizeof(a));
	assert_int_equal(decode(nocursor, FA_ACCESS_MEMBERS, &a, next, err), 0);
	assert_false(a.load[FA_ACCESS_MEMBERS].loaded);
	assert_non_null(strstr(a.load[FA_ACCESS_MEMBERS].message, "more pages"));
	fa_access_release(&a);
}

static void test_hostile_bodies(void **state)
{
	static const char *const whole[] = {
		"", "not json", "[]", "null", "{\"data\":null}", "{\"data\":[1]}",
		"{\"data\":null,\"errors\":[{\"message\":\"You must be authenticated to view this.\","
		"\"extensions\":{\"code\":\"UNAUTHORIZED\"}}]}",
		"{\"data\":{}", "{\"data\":{\"a\":\"\\ud800\"}}",
	};
	fa_access a;
	char *next[FA_ACCESS_COUNT], err[FA_API_ERRLEN];
	char deep[300];
	size_t i;
	int p;

	(void)state;
	for (i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		memset(&a, 0, sizeof(a));
		assert_true(decode(whole[i], -1, &a, next, err) < 0);
		assert_true(err[0] != '\0');
		for (p = 0; p < FA_ACCESS_COUNT; p++)
			assert_false(a.load[p].tried); /* nothing marked: the caller marks all */
		fa_access_release(&a);
	}
	memset(deep, '[', sizeof(deep) - 1);
	deep[sizeof(deep) - 1] = '\0';
	memset(&a, 0, sizeof(a));
	assert_true(decode(deep, -1, &a, next, err) < 0);
	assert_int_equal(fa_api_decode_access("{}", 2, FA_ACCESS_COUNT, &a, next, err, sizeof(err)),
			 FA_API_EJSON);
	assert_int_equal(fa_api_decode_access("{}", 2, -1, NULL, next, err, sizeof(err)), FA_API_EJSON);
}

/* Wrong shapes fail the part they are in, with a reason; wrong field types are absent. */
static void test_hostile_parts(void **state)
{
	const char *body =
		"{\"data\":{\"role\":{\"viewerRole\":7},"
		"\"members\":{\"members\":{\"edges\":\"many\"}},"
		"\"invitations\":{\"invitations\":{\"nodes\":[1,null,{\"id\":2,\"email\":[\"x\"],"
		"\"redeemed\":\"yes\",\"createdAt\":{}}],\"pageInfo\":{}}},"
		"\"sso\":[],\"peers\":\"x\","
		"\"delegated\":{\"delegatedWireGuardTokens\":null}},"
		"\"errors\":null}";
	fa_access a;
	char *next[FA_ACCESS_COUNT], err[FA_API_ERRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(decode(body, -1, &a, next, err), 0);
	assert_false(a.load[FA_ACCESS_ROLE].loaded);
	assert_string_equal(a.load[FA_ACCESS_ROLE].message, "no viewerRole in the response");
	assert_false(a.load[FA_ACCESS_MEMBERS].loaded);
	assert_string_equal(a.load[FA_ACCESS_MEMBERS].message, "expected members.edges in the GraphQL response");
	assert_true(a.load[FA_ACCESS_INVITATIONS].loaded);
	assert_int_equal(a.n_invitations, 1); /* non-objects skipped */
	assert_null(a.invitations[0].id);
	assert_null(a.invitations[0].email);
	assert_int_equal(a.invitations[0].redeemed, FA_TRI_UNKNOWN);
	assert_false(a.load[FA_ACCESS_SSO].loaded);
	assert_false(a.load[FA_ACCESS_PEERS].loaded);
	assert_false(a.load[FA_ACCESS_DELEGATED].loaded);
	fa_access_release(&a);
}

/* An error on one alias with data still present (a nested field failed) fails that part. */
static void test_alias_error_with_data(void **state)
{
	const char *body =
		"{\"data\":{\"peers\":{\"wireGuardPeers\":{\"nodes\":[{\"name\":\"p\"}],"
		"\"pageInfo\":{\"hasNextPage\":false}}}},"
		"\"errors\":[{\"message\":\"boom\\u0007bell\",\"path\":[\"peers\",\"wireGuardPeers\",\"nodes\",0,\"pubkey\"]}]}";
	fa_access a;
	char *next[FA_ACCESS_COUNT], err[FA_API_ERRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(decode(body, FA_ACCESS_PEERS, &a, next, err), 0);
	assert_false(a.load[FA_ACCESS_PEERS].loaded);
	assert_string_equal(a.load[FA_ACCESS_PEERS].message, "boom bell"); /* one clean line */
	assert_int_equal(a.n_peers, 0);
	fa_access_release(&a);
}

static void test_organizations(void **state)
{
	const char *page = "{\"data\":{\"organizations\":{\"nodes\":[{\"slug\":\"personal\"},"
			   "{\"slug\":\"acme\",\"type\":\"SHARED\"}],"
			   "\"pageInfo\":{\"hasNextPage\":true,\"endCursor\":\"MQ2\"}}}}";
	const char *bad[] = {
		"{\"data\":{\"organizations\":{\"nodes\":[{\"slug\":\"\"}]}}}",
		"{\"data\":{\"organizations\":{\"nodes\":[{}]}}}",
		"{\"data\":{\"organizations\":{}}}",
		"{\"data\":{\"organizations\":{\"nodes\":[],\"pageInfo\":{\"hasNextPage\":true}}}}",
		"{\"errors\":[{\"message\":\"no\"}]}",
		"]",
	};
	char **slugs = NULL, *next = NULL, err[FA_API_ERRLEN];
	size_t n = 0, i;

	(void)state;
	assert_int_equal(fa_api_decode_organizations(page, strlen(page), &slugs, &n, &next, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(slugs[0], "personal");
	assert_string_equal(slugs[1], "acme");
	assert_string_equal(next, "MQ2");
	for (i = 0; i < n; i++)
		free(slugs[i]);
	free(slugs);
	free(next);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		slugs = NULL;
		next = NULL;
		n = 0;
		assert_true(fa_api_decode_organizations(bad[i], strlen(bad[i]), &slugs, &n, &next, err,
							sizeof(err)) < 0);
		assert_null(slugs);
		assert_null(next);
	}
}

/* The documents ask for what the decoder reads, and never a secret (pubkey is not needed;
 * there is no private key in the API). */
static void test_documents(void **state)
{
	char *all = fa_api_gql_access("ac\"me", -1, NULL);

	(void)state;
	assert_non_null(all);
	assert_non_null(strstr(all, "role:organization(slug:$slug){id slug viewerRole}"));
	assert_non_null(strstr(all, "members:organization(slug:$slug){members(first:500){edges{role joinedAt"));
	assert_non_null(strstr(all, "twoFactorProtection"));
	assert_non_null(strstr(all, "\"slug\":\"ac\\\"me\""));
	assert_null(strstr(all, "pubkey"));
	assert_null(strstr(all, "$after"));
	free(all);
	all = fa_api_gql_access("acme", FA_ACCESS_PEERS, "MQ5");
	assert_non_null(strstr(all, "wireGuardPeers(first:500,after:$after)"));
	assert_null(strstr(all, "members"));
	free(all);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_response),
		cmocka_unit_test(test_members_denied),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_hostile_bodies),
		cmocka_unit_test(test_hostile_parts),
		cmocka_unit_test(test_alias_error_with_data),
		cmocka_unit_test(test_organizations),
		cmocka_unit_test(test_documents),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
