/* test_policy.c: suppressions (parsing, matching, expiry notices), baselines, the exit code
 * precedence, and the diff of two reports. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "flyaudit/policy.h"

/* 2026-11-28T12:00:00Z */
#define NOW ((time_t)1795867200)
#define DAY 86400

static int parse(const char *text, fa_suppressions *s, char *err, size_t n)
{
	return fa_suppressions_parse(text, strlen(text), "suppressions.json", s, err, n);
}

static void expect_error(const char *text, const char *want)
{
	fa_suppressions s;
	char err[256] = "";

	fa_suppressions_init(&s);
	assert_int_equal(parse(text, &s, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(s.n, 0);
	assert_null(s.items);
	fa_suppressions_release(&s);
}

static void test_suppression_errors(void **state)
{
	(void)state;
	expect_error("{not json", "suppressions.json: not valid JSON (line 1)");
	expect_error("[\n{\"check\": \"volumes.no_backups\",\n\"reason\": 1,\n", "suppressions.json: not valid JSON (line 3)");
	expect_error("42", "suppressions.json: expected an array of entries or {\"suppressions\": [...]}");
	expect_error("{\"entries\": []}",
		     "suppressions.json: expected an array of entries or {\"suppressions\": [...]}");
	expect_error("[{\"reason\": \"r\", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 1: missing \"check\"");
	expect_error("[{\"check\": \"volumes.no_backups\", \"expires\": \"2027-01-01\"},"
		     " {\"check\": \"volumes.no_backups\", \"reason\": \"r\", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 1: missing \"reason\"");
	expect_error("{\"suppressions\": [{\"check\": \"volumes.no_backups\", \"reason\": \"r\", "
		     "\"expires\": \"2027-01-01\"}, 7, {}]}",
		     "suppressions.json: entry 2: not an object");
	expect_error("[{\"check\": \"volumes.no_backups\", \"reason\": \"r\", \"expires\": \"2027-01-01\"},"
		     " {\"check\": \"volumes.no_backups\", \"reason\": \"r\", \"expires\": \"2027-01-01\"},"
		     " {\"check\": \"volumes.no_backups\", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 3: missing \"reason\"");
	expect_error("[{\"check\": \"volumes.no_backups\", \"reason\": \"r\"}]",
		     "suppressions.json: entry 1: missing \"expires\"");
	expect_error("[{\"check\": \"volumes.no_backups\", \"reason\": \"  \", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 1: \"reason\" is empty");
	expect_error("[{\"check\": \"volumes.no_backups\", \"reason\": \"r\", \"expires\": \"2027-13-01\"}]",
		     "suppressions.json: entry 1: \"expires\" is not a date (YYYY-MM-DD or RFC 3339): "
		     "\"2027-13-01\"");
	expect_error("[{\"check\": \"volumes.no_backups\", \"reason\": \"r\", \"expires\": \"2027-02-29\"}]",
		     "suppressions.json: entry 1: \"expires\" is not a date (YYYY-MM-DD or RFC 3339): "
		     "\"2027-02-29\"");
	expect_error("[{\"check\": \"volumes.no_backups\", \"reason\": \"r\", \"expires\": \"next week\"}]",
		     "suppressions.json: entry 1: \"expires\" is not a date (YYYY-MM-DD or RFC 3339): "
		     "\"next week\"");
	expect_error("[{\"check\": \"volumes.backups\", \"reason\": \"r\", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 1: unknown check \"volumes.backups\" (see `flyaudit checks`)");
	expect_error("[{\"check\": \"volumes.no_backups\", \"aap\": \"x\", \"reason\": \"r\", "
		     "\"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 1: unknown field \"aap\"");
	expect_error("[{\"check\": \"volumes.no_backups\", \"app\": 5, \"reason\": \"r\", "
		     "\"expires\": \"2027-01-01\"}]",
		     "suppressions.json: entry 1: \"app\" must be a string");
	expect_error("[{\"check\": \"volumes.no_backups\", \"app\": \"a\", \"app\": \"b\", "
		     "\"reason\": \"r\", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: an object has the key \"app\" twice");
	/* cJSON cuts a string at \u0000: "nw-api\u0000evil" would mute nw-api (issue 15) */
	expect_error("[{\"check\": \"volumes.no_backups\", \"app\": \"nw-api\\u0000evil\", "
		     "\"reason\": \"r\", \"expires\": \"2027-01-01\"}]",
		     "suppressions.json: a string holds an escaped NUL (\\u0000) at byte 40");
	expect_error("{\"suppressions\": [], \"suppressions\": [{\"check\": \"volumes.no_backups\", "
		     "\"reason\": \"r\", \"expires\": \"2027-01-01\"}]}",
		     "suppressions.json: an object has the key \"suppressions\" twice");
}

static void test_suppression_parse_ok(void **state)
{
	fa_suppressions s;
	char err[256] = "";
	const char *text =
		"{\"suppressions\": [\n"
		" {\"check\": \"volumes.no_backups\", \"app\": \"demo-db\", \"reason\": \"cron backups\","
		"  \"expires\": \"2026-12-31\", \"owner\": \"ops@example.com\"},\n"
		" {\"check\": \"tls.https_not_forced\", \"resource\": \"web-1\", \"reason\": \"redirect in app\","
		"  \"expires\": \"2026-12-01T10:00:00+02:00\"}\n"
		"]}";
	time_t t = 0;

	(void)state;
	fa_suppressions_init(&s);
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.items[0].check, "volumes.no_backups");
	assert_string_equal(s.items[0].app, "demo-db");
	assert_null(s.items[0].resource);
	assert_string_equal(s.items[0].owner, "ops@example.com");
	assert_int_equal(s.items[0].entry, 1);
	/* a bare date holds through that day (UTC) */
	assert_int_equal(fa_policy_parse_expiry("2027-01-01T00:00:00Z", &t), 0);
	assert_int_equal((long long)s.items[0].expires_at, (long long)t);
	assert_int_equal(fa_policy_parse_expiry("2026-12-01T08:00:00Z", &t), 0);
	assert_int_equal((long long)s.items[1].expires_at, (long long)t);
	assert_string_equal(s.items[1].resource, "web-1");
	fa_suppressions_release(&s);

	/* the bare array form, an empty list */
	assert_int_equal(parse("[]", &s, err, sizeof(err)), 0);
	assert_int_equal(s.n, 0);
	fa_suppressions_release(&s);

	assert_int_equal(fa_policy_parse_expiry("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal((long long)t, 0);
	assert_int_equal(fa_policy_parse_expiry("2026-11-28T12:00:00.123Z", &t), 0);
	assert_int_equal((long long)t, (long long)NOW);
	assert_int_equal(fa_policy_parse_expiry("2026-11-28T12:00:00-05:30", &t), 0);
	assert_int_equal((long long)t, (long long)NOW + 5 * 3600 + 1800);
	assert_int_equal(fa_policy_parse_expiry("2026-11-28T12:00:00", &t), -1); /* no offset */
	assert_int_equal(fa_policy_parse_expiry("2026-11-28T24:00:00Z", &t), -1);
	assert_int_equal(fa_policy_parse_expiry("2026-11-28 ", &t), -1);
	assert_int_equal(fa_policy_parse_expiry("2024-02-29", &t), 0); /* leap year */
}

static void add(fa_results *rs, const char *check, fa_status st, const char *app,
		const char *type, const char *id, const char *name, const char *msg)
{
	const fa_check_meta *m = fa_check_find(check);

	assert_non_null(m);
	assert_int_equal(fa_results_add(rs, m, st, "demo", app, type, id, name, NULL, msg), 0);
}

static void sample(fa_results *rs)
{
	fa_results_init(rs);
	add(rs, "volumes.no_backups", FA_STATUS_FAIL, "demo-db", "volume", "vol_1", "pgdata",
	    "volume pgdata has automatic backups off");
	add(rs, "volumes.no_backups", FA_STATUS_FAIL, "demo-web", "volume", "vol_2", "cache",
	    "volume cache has automatic backups off");
	add(rs, "tls.https_not_forced", FA_STATUS_FAIL, "demo-web", "machine", "m1", "web-1",
	    "port 80 without force_https");
	add(rs, "tls.https_not_forced", FA_STATUS_FAIL, "demo-web", "machine", "m2", "web-2",
	    "port 80 without force_https");
	add(rs, "tls.https_not_forced", FA_STATUS_PASS, "demo-api", "machine", "m3", "api-1",
	    "forced");
	add(rs, "tokens.long_lived", FA_STATUS_FAIL, NULL, "token", "tok_1", "ci", "never expires");
	add(rs, "secrets.plaintext_env", FA_STATUS_FAIL, "demo-web", "machine", "m1", "web-1",
	    "STRIPE_KEY");
}

static const fa_result *find(const fa_results *rs, const char *check, const char *id)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->items[i].check->id, check) == 0 &&
		    strcmp(rs->items[i].resource_id, id) == 0)
			return &rs->items[i];
	fail_msg("no result %s %s", check, id);
	return NULL;
}

static void test_suppression_apply(void **state)
{
	fa_suppressions s;
	fa_results rs;
	fa_report notes;
	char err[256] = "";
	const fa_result *r = NULL;
	const char *text =
		"[{\"check\": \"volumes.no_backups\", \"app\": \"demo-db\", \"reason\": \"cron backups\","
		"  \"expires\": \"2027-06-01\"},\n"
		" {\"check\": \"tls.https_not_forced\", \"resource\": \"web-2\", \"reason\": \"by name\","
		"  \"expires\": \"2026-12-05\"},\n"
		" {\"check\": \"tokens.long_lived\", \"app\": \"demo-web\", \"reason\": \"wrong app\","
		"  \"expires\": \"2027-06-01\"},\n"
		" {\"check\": \"secrets.plaintext_env\", \"reason\": \"old\", \"expires\": \"2026-11-01\"},\n"
		" {\"check\": \"tls.https_not_forced\", \"resource\": \"m3\", \"reason\": \"pass stays\","
		"  \"expires\": \"2027-06-01\"}]";

	(void)state;
	fa_suppressions_init(&s);
	fa_report_init(&notes);
	sample(&rs);
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_int_equal(fa_policy_apply_suppressions(&s, NOW, &rs, &notes), 0);

	r = find(&rs, "volumes.no_backups", "vol_1"); /* by app */
	assert_int_equal(r->status, FA_STATUS_MUTED);
	assert_int_equal(r->severity, FA_SEV_LOW); /* severity kept */
	assert_string_equal(r->muted_reason, "cron backups");
	assert_string_equal(r->muted_expires, "2027-06-01");
	assert_int_equal(find(&rs, "volumes.no_backups", "vol_2")->status, FA_STATUS_FAIL);
	r = find(&rs, "tls.https_not_forced", "m2"); /* by resource name */
	assert_int_equal(r->status, FA_STATUS_MUTED);
	assert_int_equal(r->severity, FA_SEV_HIGH);
	assert_int_equal(find(&rs, "tls.https_not_forced", "m1")->status, FA_STATUS_FAIL);
	assert_int_equal(find(&rs, "tls.https_not_forced", "m3")->status, FA_STATUS_PASS);
	/* an org-level result does not match an entry with an app */
	assert_int_equal(find(&rs, "tokens.long_lived", "tok_1")->status, FA_STATUS_FAIL);
	/* expired: mutes nothing */
	r = find(&rs, "secrets.plaintext_env", "m1");
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_null(r->muted_reason);

	assert_int_equal(notes.n_notices, 2);
	assert_string_equal(notes.notices[0],
			    "suppressions.json: entry 2 (check tls.https_not_forced, resource web-2) "
			    "expires on 2026-12-05 (in 8 days)");
	assert_string_equal(notes.notices[1],
			    "suppressions.json: entry 4 (check secrets.plaintext_env) expired on "
			    "2026-11-01 and no longer mutes anything");
	fa_report_release(&notes);
	fa_results_release(&rs);

	/* by resource id; the first matching entry wins */
	sample(&rs);
	fa_suppressions_release(&s);
	assert_int_equal(parse("[{\"check\": \"tls.https_not_forced\", \"resource\": \"m1\", "
			       "\"reason\": \"first\", \"expires\": \"2027-01-01T00:00:00Z\"},"
			       "{\"check\": \"tls.https_not_forced\", \"reason\": \"second\", "
			       "\"expires\": \"2027-01-01\"}]",
			       &s, err, sizeof(err)),
			 0);
	assert_int_equal(fa_policy_apply_suppressions(&s, NOW, &rs, NULL), 0);
	assert_string_equal(find(&rs, "tls.https_not_forced", "m1")->muted_reason, "first");
	assert_string_equal(find(&rs, "tls.https_not_forced", "m2")->muted_reason, "second");
	/* expiry is exclusive: at the expiry instant it no longer mutes */
	fa_results_release(&rs);
	sample(&rs);
	{
		time_t at = 0;
		assert_int_equal(fa_policy_parse_expiry("2027-01-01T00:00:00Z", &at), 0);
		assert_int_equal(fa_policy_apply_suppressions(&s, at, &rs, NULL), 0);
		assert_int_equal(find(&rs, "tls.https_not_forced", "m1")->status, FA_STATUS_MUTED);
		assert_string_equal(find(&rs, "tls.https_not_forced", "m1")->muted_reason, "second");
	}
	fa_results_release(&rs);
	fa_suppressions_release(&s);
}

/* A report's JSON for the results (rendered with the real writer). */
static char *report_json(fa_results *rs, const char *org)
{
	fa_report r;
	fa_buf b = FA_BUF_INIT(0);
	char *text = NULL;

	fa_report_init(&r);
	r.tool_name = "flyaudit";
	r.tool_version = "0.1.0";
	r.generated_at = "2026-11-28T12:00:00Z";
	r.org = org;
	r.source = "live";
	r.results = *rs;
	assert_int_equal(fa_report_json(&r, &b), 0);
	text = fa_buf_detach(&b, NULL);
	assert_non_null(text);
	return text;
}

/* A suppression may name a path: a file, or a folder ending in '/' (scan results). */
static void test_suppression_path(void **state)
{
	static const char text[] =
		"[{\"check\": \"container.runs_as_root\", \"path\": \"worker/\", \"reason\": \"r\", "
		"\"expires\": \"2099-01-01\"},"
		" {\"check\": \"container.image_unpinned\", \"path\": \"Dockerfile\", \"reason\": \"r\", "
		"\"expires\": \"2099-01-01\"}]";
	fa_suppressions s;
	fa_results rs;
	char err[256];
	const char *const files[] = { "worker/Dockerfile", "workers/Dockerfile", "Dockerfile",
				      "sub/Dockerfile" };
	const char *const checks[] = { "container.runs_as_root", "container.runs_as_root",
				       "container.image_unpinned", "container.image_unpinned" };
	const fa_status want[] = { FA_STATUS_MUTED, FA_STATUS_FAIL, FA_STATUS_MUTED, FA_STATUS_FAIL };
	size_t i;

	(void)state;
	fa_suppressions_init(&s);
	assert_int_equal(fa_suppressions_parse(text, sizeof(text) - 1, "s.json", &s, err, sizeof(err)), 0);
	assert_string_equal(s.items[0].path, "worker/");
	fa_results_init(&rs);
	for (i = 0; i < 4; i++) {
		add(&rs, checks[i], FA_STATUS_FAIL, NULL, "file", files[i], NULL, "m");
		assert_int_equal(fa_result_set_location(&rs.items[i], files[i], 1), 0);
	}
	add(&rs, "container.runs_as_root", FA_STATUS_FAIL, "a", "machine", "m1", NULL, "no file");
	assert_int_equal(fa_policy_apply_suppressions(&s, 1700000000, &rs, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(rs.items[i].status, want[i]);
	assert_int_equal(rs.items[4].status, FA_STATUS_FAIL); /* a path never matches a live result */
	fa_results_release(&rs);
	fa_suppressions_release(&s);
	/* "path" must be a non-empty string */
	{
		static const char bad[] = "[{\"check\": \"container.runs_as_root\", \"path\": 3, "
					  "\"reason\": \"r\", \"expires\": \"2099-01-01\"}]";

		assert_int_equal(fa_suppressions_parse(bad, sizeof(bad) - 1, "s.json", &s, err,
						       sizeof(err)), -1);
	}
	assert_non_null(strstr(err, "\"path\" must be a string"));
}

static void test_baseline(void **state)
{
	fa_results old_rs, rs;
	fa_baseline b;
	char err[256] = "";
	char *old_json = NULL;
	size_t i;

	(void)state;
	sample(&old_rs);
	old_rs.items[1].status = FA_STATUS_PASS; /* vol_2 passed last time */
	fa_results_sort(&old_rs);
	old_json = report_json(&old_rs, "demo");
	fa_baseline_init(&b);
	assert_int_equal(fa_baseline_parse(old_json, strlen(old_json), "base.json", &b, err,
					   sizeof(err)),
			 0);
	assert_int_equal(b.n, 5); /* fails only: not the two passes */

	sample(&rs);
	fa_policy_apply_baseline(&b, &rs);
	for (i = 0; i < rs.n; i++) {
		const fa_result *r = &rs.items[i];
		if (r->status != FA_STATUS_FAIL)
			assert_int_equal(r->baseline, -1);
		else if (strcmp(r->resource_id, "vol_2") == 0)
			assert_int_equal(r->baseline, 0);
		else
			assert_int_equal(r->baseline, 1);
	}
	/* only the new failure counts for the exit code */
	assert_int_equal(fa_policy_exit_code(&rs, FA_SEV_HIGH, true, false, false), 0);
	assert_int_equal(fa_policy_exit_code(&rs, FA_SEV_LOW, true, false, false), 1);
	assert_int_equal(fa_policy_exit_code(&rs, FA_SEV_HIGH, false, false, false), 1);

	/* errors */
	assert_int_equal(fa_baseline_parse("[1]", 3, "base.json", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "base.json: not a flyaudit.report/v1 report");
	{
		const char *bad = "{\"schema\":\"flyaudit.report/v1\",\"results\":"
				  "[{\"status\":\"fail\",\"fingerprint\":\"xyz\"}]}";
		assert_int_equal(fa_baseline_parse(bad, strlen(bad), "base.json", &b, err, sizeof(err)),
				 -1);
	}
	assert_string_equal(err, "base.json: result 1: bad \"fingerprint\"");
	assert_int_equal(fa_baseline_parse("nope", 4, "base.json", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "base.json: not valid JSON (line 1)");
	{
		/* a NUL-cut fingerprint or a second "results" is not a baseline */
		const char *nul = "{\"schema\": \"flyaudit.report/v1\\u0000x\", \"results\": []}";

		assert_int_equal(fa_baseline_parse(nul, strlen(nul), "base.json", &b, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "escaped NUL"));
	}

	fa_baseline_release(&b);
	fa_results_release(&rs);
	fa_results_release(&old_rs);
	free(old_json);
}

static void test_exit_codes(void **state)
{
	fa_results rs;
	static const struct {
		fa_severity fail_on;
		bool partial, config;
		int want;
	} table[] = {
		{ FA_SEV_HIGH, false, false, 1 },  { FA_SEV_CRITICAL, false, false, 0 },
		{ FA_SEV_MEDIUM, false, false, 1 }, { FA_SEV_INFO, false, false, 1 },
		{ FA_SEV_NONE, false, false, 0 },  { FA_SEV_HIGH, true, false, 3 },
		{ FA_SEV_NONE, true, false, 3 },   { FA_SEV_HIGH, true, true, 2 },
		{ FA_SEV_HIGH, false, true, 2 },   { FA_SEV_NONE, false, true, 2 },
	};
	size_t i;

	(void)state;
	fa_results_init(&rs);
	/* one high failure, one muted critical, one unknown critical-check result */
	add(&rs, "tls.https_not_forced", FA_STATUS_FAIL, "a", "machine", "m1", NULL, "x");
	add(&rs, "secrets.plaintext_env", FA_STATUS_FAIL, "a", "machine", "m1", NULL, "x");
	rs.items[1].status = FA_STATUS_MUTED;
	add(&rs, "secrets.plaintext_env", FA_STATUS_UNKNOWN, "a", "machine", "m2", NULL, "x");
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int got = fa_policy_exit_code(&rs, table[i].fail_on, false, table[i].partial,
					      table[i].config);
		if (got != table[i].want)
			fail_msg("row %zu: exit %d, want %d", i, got, table[i].want);
	}
	/* nothing failing: 0; an empty run: 0 */
	rs.items[0].status = FA_STATUS_PASS;
	assert_int_equal(fa_policy_exit_code(&rs, FA_SEV_INFO, false, false, false), 0);
	fa_results_release(&rs);
	assert_int_equal(fa_policy_exit_code(&rs, FA_SEV_INFO, false, false, false), 0);
	/* a manual-only check (severity none) never fails the run */
	add(&rs, "network.admin_allowlist", FA_STATUS_FAIL, "a", "machine", "m1", NULL, "x");
	assert_int_equal(fa_policy_exit_code(&rs, FA_SEV_INFO, false, false, false), 0);
	fa_results_release(&rs);
}

static void test_diff(void **state)
{
	fa_results old_rs, new_rs;
	fa_diff d;
	fa_buf b = FA_BUF_INIT(0);
	char err[256] = "";
	char *old_json = NULL, *new_json = NULL, *other = NULL;
	cJSON *root = NULL;

	(void)state;
	sample(&old_rs);
	sample(&new_rs);
	/* old: vol_2 passed (so it is new now); new: m2 fixed (resolved), tok_1 muted */
	old_rs.items[1].status = FA_STATUS_PASS;
	new_rs.items[3].status = FA_STATUS_PASS;
	new_rs.items[5].status = FA_STATUS_MUTED;
	new_rs.items[5].muted_reason = malloc(2);
	assert_non_null(new_rs.items[5].muted_reason);
	memcpy(new_rs.items[5].muted_reason, "r", 2);
	fa_results_sort(&old_rs);
	fa_results_sort(&new_rs);
	old_json = report_json(&old_rs, "demo");
	new_json = report_json(&new_rs, "demo");

	fa_diff_init(&d);
	assert_int_equal(fa_policy_diff(old_json, strlen(old_json), new_json, strlen(new_json), &d,
					err, sizeof(err)),
			 0);
	assert_int_equal(d.added.n, 1);
	assert_string_equal(d.added.items[0].resource_id, "vol_2");
	assert_string_equal(d.added.items[0].check, "volumes.no_backups");
	assert_int_equal(d.added.items[0].severity, FA_SEV_LOW);
	assert_string_equal(d.added.items[0].app, "demo-web");
	assert_string_equal(d.added.items[0].message, "volume cache has automatic backups off");
	assert_int_equal(d.resolved.n, 1);
	assert_string_equal(d.resolved.items[0].resource_id, "m2");
	assert_int_equal(d.unchanged.n, 4);
	/* sorted by check: secrets, tls, tokens (muted, org-level), volumes */
	assert_string_equal(d.unchanged.items[0].check, "secrets.plaintext_env");
	assert_string_equal(d.unchanged.items[2].check, "tokens.long_lived");
	assert_true(d.unchanged.items[2].muted);
	assert_null(d.unchanged.items[2].app);

	/* exit code: the new failure is low */
	assert_int_equal(fa_diff_exit_code(&d, FA_SEV_HIGH), 0);
	assert_int_equal(fa_diff_exit_code(&d, FA_SEV_LOW), 1);
	assert_int_equal(fa_diff_exit_code(&d, FA_SEV_NONE), 0);

	assert_int_equal(fa_diff_text(&d, &b), 0);
	assert_non_null(strstr(b.data, "New (1)\n  [low] demo-web  volumes.no_backups  volume vol_2 "
					"(cache): volume cache has automatic backups off\n"));
	assert_non_null(strstr(b.data, "Resolved (1)\n  [high] demo-web  tls.https_not_forced"));
	assert_non_null(strstr(b.data, "  [medium] org  tokens.long_lived  token tok_1 (ci): never "
					"expires (muted)\n"));
	assert_non_null(strstr(b.data, "\ndemo: 1 new (1 low), 1 resolved, 4 unchanged\n"));
	fa_buf_release(&b);

	assert_int_equal(fa_diff_json(&d, &b), 0);
	root = cJSON_Parse(b.data);
	assert_non_null(root);
	assert_string_equal(cJSON_GetObjectItem(root, "schema")->valuestring, "flyaudit.diff/v1");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "summary"), "new")->valueint, 1);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "unchanged")), 4);
	cJSON_Delete(root);
	fa_buf_release(&b);
	fa_diff_release(&d);

	/* a diff with itself: everything unchanged */
	assert_int_equal(fa_policy_diff(new_json, strlen(new_json), new_json, strlen(new_json), &d,
					err, sizeof(err)),
			 0);
	assert_int_equal(d.added.n + d.resolved.n, 0);
	assert_int_equal(d.unchanged.n, 5);
	fa_diff_release(&d);

	/* errors */
	other = report_json(&new_rs, "other-org");
	assert_int_equal(fa_policy_diff(old_json, strlen(old_json), other, strlen(other), &d, err,
					sizeof(err)),
			 -1);
	assert_string_equal(err, "the reports are for different orgs (\"demo\" and \"other-org\")");
	assert_int_equal(fa_policy_diff("{}", 2, new_json, strlen(new_json), &d, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "old report: not a flyaudit.report/v1 report");
	assert_int_equal(fa_policy_diff(old_json, strlen(old_json), "[", 1, &d, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "new report: not valid JSON (line 1)");
	assert_int_equal(d.added.n + d.resolved.n + d.unchanged.n, 0);

	free(other);
	free(old_json);
	free(new_json);
	fa_results_release(&old_rs);
	fa_results_release(&new_rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suppression_errors),
		cmocka_unit_test(test_suppression_parse_ok),
		cmocka_unit_test(test_suppression_apply),
		cmocka_unit_test(test_suppression_path),
		cmocka_unit_test(test_baseline),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
