/* test_e2e_access.c: people and access through the real binary against flymock: the demo
 * org fails each access check where it should, the synthetic org (N members, SSO required)
 * passes them, a token refused the members field gives unknown with the reason and exit 3,
 * the members/wireguard/tokens views, paging, --max-admins, and the canary token. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "harness.h"

#define CANARY "fm2_CANARYcanaryCANARYcanary0123456789abcdefZZ"

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The status of check on resource id (NULL: any), or NULL when there is no such result;
 * *count gets how many results the check has. */
static const char *status_of(const cJSON *results, const char *check, const char *id, size_t *count)
{
	const cJSON *x;
	const char *st = NULL;
	size_t n = 0;

	cJSON_ArrayForEach(x, results) {
		const char *rid = jstr(cJSON_GetObjectItemCaseSensitive(x, "resource"), "id");

		if (strcmp(jstr(x, "check"), check) != 0)
			continue;
		n++;
		if (!id || (rid && strcmp(rid, id) == 0))
			st = jstr(x, "status");
	}
	if (count)
		*count = n;
	return st;
}

static void expect(const cJSON *results, const char *check, const char *id, const char *status)
{
	const char *st = status_of(results, check, id, NULL);

	if (!st || strcmp(st, status) != 0)
		fail_msg("%s on %s: %s, want %s", check, id ? id : "(any)", st ? st : "no result", status);
}

/* Runs `audit --format json` with extra args; returns the parsed report. */
static cJSON *audit_json(mock *m, const char *const *extra, int want_code, const char *name)
{
	char rp[400];
	const char *a[16];
	size_t n = 0, i;
	run r;
	char *text;
	cJSON *rep;

	snprintf(rp, sizeof(rp), "%s/%s.json", tmpdir, name);
	a[n++] = "--org";
	a[n++] = "demo";
	for (i = 0; extra && extra[i] && n < 10; i++)
		a[n++] = extra[i];
	a[n++] = "audit";
	a[n++] = "--format";
	a[n++] = "json";
	a[n++] = "-o";
	a[n++] = rp;
	a[n] = NULL;
	fa_run(&r, m->url, "tok", ca_path, a);
	if (r.code != want_code)
		fail_msg("audit exit %d, want %d: %s", r.code, want_code, r.err);
	run_free(&r);
	text = slurp(rp);
	assert_non_null(text);
	rep = cJSON_Parse(text);
	free(text);
	assert_non_null(rep);
	return rep;
}

/* The demo org: four admins (one without 2FA), an invitation from last quarter, SSO at
 * OPT_IN, two WireGuard peers, a live token created by someone no longer a member. */
static void test_demo_access_findings(void **state)
{
	mock m;
	cJSON *rep, *res;
	size_t n = 0;

	(void)state;
	mock_start(&m, "tok", NULL);
	rep = audit_json(&m, NULL, 1, "demo-access");
	res = cJSON_GetObjectItemCaseSensitive(rep, "results");
	expect(res, "access.member_without_2fa", "omar@demo.example", "fail");
	expect(res, "access.member_without_2fa", "jane@demo.example", "pass");
	expect(res, "access.admins_excess", "demo", "fail");
	expect(res, "access.invitation_stale", NULL, "fail");
	expect(res, "access.sso_not_required", "demo", "fail");
	expect(res, "network.wireguard_peers", "jane-laptop", "manual");
	expect(res, "network.wireguard_peers", "old-ci-runner", "manual");
	(void)status_of(res, "network.wireguard_peers", NULL, &n);
	assert_int_equal(n, 2);
	/* the contractor's org token fails, the current members' tokens (org and app) pass */
	{
		const cJSON *x;
		size_t fails = 0, passes = 0;

		cJSON_ArrayForEach(x, res) {
			if (strcmp(jstr(x, "check"), "tokens.owner_not_member") != 0)
				continue;
			if (strcmp(jstr(x, "status"), "fail") == 0) {
				fails++;
				assert_non_null(strstr(jstr(x, "message"), "sam@contractor.example"));
			} else {
				assert_string_equal(jstr(x, "status"), "pass");
				passes++;
			}
		}
		assert_int_equal(fails, 1);
		assert_true(passes >= 3);
	}
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors")),
			 0);
	cJSON_Delete(rep);
	mock_stop(&m);
}

/* --max-admins 4 allows the demo's four admins. */
static void test_max_admins(void **state)
{
	mock m;
	cJSON *rep;
	const char *extra[] = { "--max-admins", "4", NULL };
	const char *bad[] = { "--max-admins", "0", "checks", NULL };
	run r;

	(void)state;
	mock_start(&m, "tok", NULL);
	rep = audit_json(&m, extra, 1, "max-admins");
	expect(cJSON_GetObjectItemCaseSensitive(rep, "results"), "access.admins_excess", "demo", "pass");
	cJSON_Delete(rep);
	mock_stop(&m);
	fa_run(&r, NULL, NULL, NULL, bad);
	assert_int_equal(r.code, 2);
	assert_non_null(strstr(r.err, "--max-admins"));
	run_free(&r);
}

/* A clean org (the synthetic one: members with 2FA, one admin, SSO required, no invitation,
 * no peer; every token owner a member) passes every access check. */
static void test_synthetic_org_passes(void **state)
{
	mock m;
	const char *mx[] = { "--synthetic", "3", "--members", "250", "--graphql-max-page", "100", NULL };
	const char *a[] = { "--org", "synth", "audit", "--format", "json", "--fail-on", "never", NULL };
	static const char *const checks[] = { "access.member_without_2fa", "access.admins_excess",
					      "access.invitation_stale", "access.sso_not_required",
					      "tokens.owner_not_member", "network.wireguard_peers" };
	run r;
	cJSON *rep, *x;
	size_t i, members = 0;

	(void)state;
	mock_start(&m, "tok", mx);
	fa_run(&r, m.url, "tok", ca_path, a);
	assert_int_equal(r.code, 0);
	rep = cJSON_Parse(r.out);
	assert_non_null(rep);
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(rep, "results")) {
		for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
			if (strcmp(jstr(x, "check"), checks[i]) != 0)
				continue;
			if (strcmp(jstr(x, "status"), "pass") != 0)
				fail_msg("%s: %s (%s)", checks[i], jstr(x, "status"), jstr(x, "message"));
			if (i == 0)
				members++;
		}
	}
	assert_int_equal(members, 250); /* three pages of members, every one read */
	cJSON_Delete(rep);
	run_free(&r);
	mock_stop(&m);
}

/* A token that may not read members: unknown with the reason, a coverage entry, exit 3;
 * the other parts are still read and checked. */
static void test_members_denied(void **state)
{
	mock m;
	const char *mx[] = { "--deny-members", NULL };
	const char *v[] = { "--org", "demo", "members", NULL };
	cJSON *rep, *res, *errs, *e;
	bool found = false;
	run r;

	(void)state;
	mock_start(&m, "tok", mx);
	rep = audit_json(&m, NULL, 3, "denied");
	res = cJSON_GetObjectItemCaseSensitive(rep, "results");
	expect(res, "access.member_without_2fa", "demo", "unknown");
	expect(res, "access.admins_excess", "demo", "unknown");
	expect(res, "tokens.owner_not_member", NULL, "unknown");
	assert_null(status_of(res, "access.member_without_2fa", "omar@demo.example", NULL));
	expect(res, "access.sso_not_required", "demo", "fail");
	expect(res, "network.wireguard_peers", "jane-laptop", "manual");
	errs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rep, "coverage"), "errors");
	cJSON_ArrayForEach(e, errs) {
		if (jstr(e, "endpoint") && strcmp(jstr(e, "endpoint"), "members") == 0) {
			found = true;
			assert_non_null(strstr(jstr(e, "message"), "Not authorized"));
		}
	}
	assert_true(found);
	cJSON_Delete(rep);
	fa_run(&r, m.url, "tok", ca_path, v);
	assert_int_equal(r.code, 3);
	assert_non_null(strstr(r.err, "cannot read the org's members"));
	run_free(&r);
	mock_stop(&m);
}

static void test_views(void **state)
{
	mock m;
	const char *mx[] = { "--graphql-max-page", "2", NULL }; /* every list pages */
	const char *mem[] = { "--org", "demo", "members", NULL };
	const char *memj[] = { "--org", "demo", "members", "--json", NULL };
	const char *wg[] = { "--org", "demo", "wireguard", NULL };
	const char *wgj[] = { "--org", "demo", "wireguard", "--json", NULL };
	const char *tok[] = { "--org", "demo", "tokens", NULL };
	const char *tokj[] = { "--org", "demo", "tokens", "--json", NULL };
	const char *apptok[] = { "--org", "demo", "tokens", "web-clean", NULL };
	run r;
	cJSON *j, *x;
	bool contractor = false;

	(void)state;
	mock_start(&m, "tok", mx);
	fa_run(&r, m.url, "tok", ca_path, mem);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "EMAIL"));
	assert_non_null(strstr(r.out, "LAST REGION"));
	assert_non_null(strstr(r.out, "omar@demo.example"));
	assert_non_null(strstr(r.out, "auditor@demo.example")); /* the sixth member: page 3 */
	assert_non_null(strstr(r.out, "pat@demo.example"));     /* the pending invitation */
	assert_non_null(strstr(r.out, "6 members"));
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, memj);
	assert_int_equal(r.code, 0);
	j = cJSON_Parse(r.out);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "members")), 6);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "invitations")), 2);
	x = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "members"), 1);
	assert_string_equal(jstr(x, "email"), "omar@demo.example");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(x, "two_factor")));
	assert_string_equal(jstr(x, "role"), "ADMIN");
	assert_string_equal(jstr(j, "org"), "demo");
	cJSON_Delete(j);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, wg);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "PEER IP"));
	assert_non_null(strstr(r.out, "fdaa:0:3b99:a7b:8c1:0:a:102"));
	assert_non_null(strstr(r.out, "ci-delegated"));
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, wgj);
	assert_int_equal(r.code, 0);
	j = cJSON_Parse(r.out);
	assert_non_null(j);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "peers")), 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "delegated_tokens")), 1);
	assert_null(strstr(r.out, "pubkey"));
	cJSON_Delete(j);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, tok);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "OWNER"));
	assert_non_null(strstr(r.out, "MEMBER"));
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, tokj);
	assert_int_equal(r.code, 0);
	j = cJSON_Parse(r.out);
	assert_non_null(j);
	cJSON_ArrayForEach(x, j) {
		const cJSON *om = cJSON_GetObjectItemCaseSensitive(x, "owner_is_member");

		if (strcmp(jstr(x, "user_email"), "sam@contractor.example") == 0) {
			contractor = true;
			assert_true(cJSON_IsFalse(om));
		} else {
			assert_true(cJSON_IsTrue(om));
		}
	}
	assert_true(contractor);
	cJSON_Delete(j);
	run_free(&r);
	fa_run(&r, m.url, "tok", ca_path, apptok);
	assert_int_equal(r.code, 0);
	assert_non_null(strstr(r.out, "ci@demo.example"));
	assert_non_null(strstr(r.out, "yes"));
	run_free(&r);
	mock_stop(&m);
}

/* A snapshot keeps people and access: the offline audit gives the same access results. */
static void test_snapshot_keeps_access(void **state)
{
	mock m;
	char snap[400], off[400];
	const char *s[] = { "--org", "demo", "snapshot", "-o", snap, NULL };
	const char *o[] = { "audit", "--from", snap, "--format", "json", "-o", off, NULL };
	char *text;
	cJSON *rep, *res;
	run r;

	(void)state;
	snprintf(snap, sizeof(snap), "%s/access.jsonl", tmpdir);
	snprintf(off, sizeof(off), "%s/access-offline.json", tmpdir);
	mock_start(&m, "tok", NULL);
	fa_run(&r, m.url, "tok", ca_path, s);
	assert_int_equal(r.code, 0);
	run_free(&r);
	mock_stop(&m);
	text = slurp(snap);
	assert_non_null(strstr(text, "\"access\":{\"role\":\"member\""));
	assert_null(strstr(text, "pubkey"));
	free(text);
	fa_run(&r, NULL, NULL, NULL, o);
	assert_int_equal(r.code, 1);
	run_free(&r);
	text = slurp(off);
	rep = cJSON_Parse(text);
	free(text);
	assert_non_null(rep);
	res = cJSON_GetObjectItemCaseSensitive(rep, "results");
	expect(res, "access.member_without_2fa", "omar@demo.example", "fail");
	expect(res, "access.admins_excess", "demo", "fail");
	expect(res, "tokens.owner_not_member", NULL, "pass");
	expect(res, "network.wireguard_peers", "old-ci-runner", "manual");
	cJSON_Delete(rep);
}

/* The token never shows in the new views or the access errors. */
static void test_canary_access(void **state)
{
	mock m;
	const char *mx[] = { "--deny-members", NULL };
	const char *cmds[][8] = {
		{ "-v", "--org", "demo", "members", NULL },
		{ "-v", "--org", "demo", "wireguard", "--json", NULL },
		{ "-v", "--org", "demo", "tokens", NULL },
		{ "-v", "--org", "demo", "audit", NULL },
	};
	size_t i;
	run r;

	(void)state;
	mock_start(&m, CANARY, mx);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		fa_run(&r, m.url, "FlyV1 " CANARY, ca_path, cmds[i]);
		assert_true(r.code == 3 || r.code == 0 || r.code == 1);
		assert_null(strstr(r.out, "CANARYcanary"));
		assert_null(strstr(r.err, "CANARYcanary"));
		run_free(&r);
	}
	mock_stop(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_access_findings),
		cmocka_unit_test(test_max_admins),
		cmocka_unit_test(test_synthetic_org_passes),
		cmocka_unit_test(test_members_denied),
		cmocka_unit_test(test_views),
		cmocka_unit_test(test_snapshot_keeps_access),
		cmocka_unit_test(test_canary_access),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
