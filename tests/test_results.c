/* test_results.c: the result list of audit/results.c: names, fingerprints, add/take/sort,
 * summaries. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "flyaudit/audit.h"

static const fa_check_meta check_a = { .id = "a.first", .severity = FA_SEV_HIGH };
static const fa_check_meta check_b = { .id = "b.second", .severity = FA_SEV_LOW };
static const fa_check_meta check_c = { .id = "c.third", .severity = FA_SEV_CRITICAL };

static void test_severity_names(void **state)
{
	static const struct { fa_severity s; const char *name; } t[] = {
		{ FA_SEV_CRITICAL, "critical" }, { FA_SEV_HIGH, "high" },
		{ FA_SEV_MEDIUM, "medium" },     { FA_SEV_LOW, "low" },
		{ FA_SEV_INFO, "info" },         { FA_SEV_NONE, "none" },
	};
	fa_severity out = FA_SEV_INFO;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(fa_severity_name(t[i].s), t[i].name);
		out = FA_SEV_INFO;
		assert_int_equal(fa_severity_parse(t[i].name, &out), 0);
		assert_int_equal(out, t[i].s);
	}
	out = FA_SEV_INFO;
	assert_int_equal(fa_severity_parse("never", &out), 0);
	assert_int_equal(out, FA_SEV_NONE);
	out = FA_SEV_LOW;
	assert_int_equal(fa_severity_parse("severe", &out), -1);
	assert_int_equal(fa_severity_parse("", &out), -1);
	assert_int_equal(fa_severity_parse(NULL, &out), -1);
	assert_int_equal(out, FA_SEV_LOW); /* untouched on error */
	assert_string_equal(fa_severity_name((fa_severity)42), "invalid");
}

static void test_status_names(void **state)
{
	static const struct { fa_status s; const char *name; } t[] = {
		{ FA_STATUS_FAIL, "fail" },       { FA_STATUS_PASS, "pass" },
		{ FA_STATUS_MUTED, "muted" },     { FA_STATUS_UNKNOWN, "unknown" },
		{ FA_STATUS_MANUAL, "manual" },
	};
	fa_status out = FA_STATUS_PASS;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(fa_status_name(t[i].s), t[i].name);
		out = FA_STATUS_COUNT;
		assert_int_equal(fa_status_parse(t[i].name, &out), 0);
		assert_int_equal(out, t[i].s);
	}
	out = FA_STATUS_PASS;
	assert_int_equal(fa_status_parse("failed", &out), -1);
	assert_int_equal(fa_status_parse(NULL, &out), -1);
	assert_int_equal(out, FA_STATUS_PASS);
	assert_string_equal(fa_status_name(FA_STATUS_COUNT), "invalid");
}

static void test_fingerprint_known_answer(void **state)
{
	char fp[65];

	(void)state;
	/* printf '%s' 'a|b|c|d|e' | sha256sum */
	fa_fingerprint(fp, "a", "b", "c", "d", "e");
	assert_string_equal(fp, "2d4b7507de8bf3f1c304248f357c3de417fa87257fb68e22f1afe1da51c504a2");
	/* NULL app is the empty string: printf '%s' 'a||c|d|e' | sha256sum */
	fa_fingerprint(fp, "a", NULL, "c", "d", "e");
	assert_string_equal(fp, "eba8195982108f8ea9d7de1ef486d615637000971380d07f1c8b22e98e86b3c2");
	/* printf '%s' 'x|org||app|name' | sha256sum */
	fa_fingerprint(fp, "x", "org", NULL, "app", "name");
	assert_string_equal(fp, "78d49b21f0883912c767a5c06988dad875cf0a80dde2b5b6d0ffefbb451ec61e");
	fa_fingerprint(fp, "x", "org", "", "app", "name");
	assert_string_equal(fp, "78d49b21f0883912c767a5c06988dad875cf0a80dde2b5b6d0ffefbb451ec61e");
}

static void test_add_copies_and_fingerprints(void **state)
{
	fa_results rs;
	char org[] = "acme", app[] = "web", msg[] = "env DB_PASSWORD looks secret";
	char fp[65];
	const fa_result *r = NULL;

	(void)state;
	fa_results_init(&rs);
	assert_int_equal(fa_results_add(&rs, &check_a, FA_STATUS_FAIL, org, app, "machine",
					"m1", "name1", "iad", msg), 0);
	/* the strings are copies */
	org[0] = 'X';
	app[0] = 'X';
	msg[0] = 'X';
	assert_int_equal(rs.n, 1);
	r = &rs.items[0];
	assert_ptr_equal(r->check, &check_a);
	assert_int_equal(r->status, FA_STATUS_FAIL);
	assert_int_equal(r->severity, FA_SEV_HIGH);
	assert_string_equal(r->org, "acme");
	assert_string_equal(r->app, "web");
	assert_string_equal(r->resource_type, "machine");
	assert_string_equal(r->resource_id, "m1");
	assert_string_equal(r->resource_name, "name1");
	assert_string_equal(r->region, "iad");
	assert_string_equal(r->message, "env DB_PASSWORD looks secret");
	assert_null(r->muted_reason);
	assert_null(r->muted_expires);
	assert_int_equal(r->baseline, -1);
	fa_fingerprint(fp, "a.first", "acme", "web", "machine", "m1");
	assert_string_equal(r->fingerprint, fp);
	assert_int_equal(strlen(r->fingerprint), 64);
	fa_results_release(&rs);
	assert_null(rs.items);
	assert_int_equal(rs.n, 0);
	fa_results_release(&rs); /* twice is fine */
}

static void test_null_app_and_optionals(void **state)
{
	fa_results rs;
	char fp[65];

	(void)state;
	fa_results_init(&rs);
	assert_int_equal(fa_results_add(&rs, &check_b, FA_STATUS_PASS, "acme", NULL, "token",
					"tok1", NULL, NULL, NULL), 0);
	assert_null(rs.items[0].app);
	assert_null(rs.items[0].resource_name);
	assert_null(rs.items[0].region);
	assert_null(rs.items[0].message);
	fa_fingerprint(fp, "b.second", "acme", "", "token", "tok1");
	assert_string_equal(rs.items[0].fingerprint, fp);
	fa_results_release(&rs);
}

static void test_message_control_chars(void **state)
{
	fa_results rs;

	(void)state;
	fa_results_init(&rs);
	assert_int_equal(fa_results_add(&rs, &check_a, FA_STATUS_FAIL, "o", "a", "machine", "m",
					NULL, NULL, "line1\nline2\r\tend\x1b[31m\x7f!"), 0);
	assert_string_equal(rs.items[0].message, "line1 line2  end [31m !");
	assert_null(strchr(rs.items[0].message, '\n'));
	/* UTF-8 bytes are kept */
	assert_int_equal(fa_results_add(&rs, &check_a, FA_STATUS_FAIL, "o", "a", "machine", "m",
					NULL, NULL, "caf\xc3\xa9"), 0);
	assert_string_equal(rs.items[1].message, "caf\xc3\xa9");
	fa_results_release(&rs);
}

/* A fixed set of results, including ties on the documented keys. */
static void add_fixture(fa_results *rs, const size_t *order, size_t n)
{
	static const struct {
		const fa_check_meta *check;
		fa_status status;
		const char *app, *type, *id, *name, *msg;
	} f[] = {
		{ &check_b, FA_STATUS_FAIL, "web", "machine", "m2", NULL, "b" },
		{ &check_a, FA_STATUS_PASS, NULL, "token", "t1", NULL, "org level" },
		{ &check_a, FA_STATUS_FAIL, "api", "machine", "m1", NULL, "x" },
		{ &check_a, FA_STATUS_FAIL, "api", "machine", "m1", NULL, "a" },
		{ &check_a, FA_STATUS_FAIL, "api", "app", "api", NULL, "z" },
		{ &check_c, FA_STATUS_UNKNOWN, "api", "machine", "m0", NULL, NULL },
		{ &check_a, FA_STATUS_FAIL, "web", "machine", "m1", NULL, "a" },
		{ &check_a, FA_STATUS_PASS, "web", "machine", "m1", NULL, "a" },      /* tie but status */
		{ &check_a, FA_STATUS_PASS, "web", "machine", "m1", "named", "a" },   /* tie but name */
		{ &check_a, FA_STATUS_PASS, NULL, "token", "t0", NULL, "org level" },
		{ &check_b, FA_STATUS_MANUAL, "api", "process_group", "api/app", NULL, "check" },
		{ &check_a, FA_STATUS_MUTED, "api", "volume", "v1", NULL, "muted" },
	};
	size_t i;

	assert_int_equal(n, sizeof(f) / sizeof(f[0]));
	for (i = 0; i < n; i++) {
		size_t k = order[i];

		assert_int_equal(fa_results_add(rs, f[k].check, f[k].status, "acme", f[k].app,
						f[k].type, f[k].id, f[k].name, NULL, f[k].msg), 0);
	}
}

static void test_sort_order(void **state)
{
	static const size_t ident[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	static const struct { const char *check, *app, *type, *id; } want[] = {
		{ "a.first", NULL, "token", "t0" },
		{ "a.first", NULL, "token", "t1" },
		{ "a.first", "api", "app", "api" },
		{ "a.first", "api", "machine", "m1" }, /* message "a" */
		{ "a.first", "api", "machine", "m1" }, /* message "x" */
		{ "a.first", "api", "volume", "v1" },
		{ "a.first", "web", "machine", "m1" },
		{ "a.first", "web", "machine", "m1" },
		{ "a.first", "web", "machine", "m1" },
		{ "b.second", "api", "process_group", "api/app" },
		{ "b.second", "web", "machine", "m2" },
		{ "c.third", "api", "machine", "m0" },
	};
	fa_results rs;
	size_t i;

	(void)state;
	fa_results_init(&rs);
	add_fixture(&rs, ident, 12);
	fa_results_sort(&rs);
	for (i = 0; i < rs.n; i++) {
		const fa_result *r = &rs.items[i];

		assert_string_equal(r->check->id, want[i].check);
		if (want[i].app)
			assert_string_equal(r->app, want[i].app);
		else
			assert_null(r->app);
		assert_string_equal(r->resource_type, want[i].type);
		assert_string_equal(r->resource_id, want[i].id);
	}
	assert_string_equal(rs.items[3].message, "a");
	assert_string_equal(rs.items[4].message, "x");
	/* the three web/m1 ties: fail before pass (status), then NULL name before "named" */
	assert_int_equal(rs.items[6].status, FA_STATUS_FAIL);
	assert_int_equal(rs.items[7].status, FA_STATUS_PASS);
	assert_null(rs.items[7].resource_name);
	assert_string_equal(rs.items[8].resource_name, "named");
	fa_results_release(&rs);
}

static void test_sort_deterministic_after_shuffle(void **state)
{
	size_t order[12];
	fa_results ref, rs;
	unsigned seed = 12345;
	int round;
	size_t i;

	(void)state;
	for (i = 0; i < 12; i++)
		order[i] = i;
	fa_results_init(&ref);
	add_fixture(&ref, order, 12);
	fa_results_sort(&ref);
	for (round = 0; round < 50; round++) {
		/* Fisher-Yates with a small LCG: reproducible */
		for (i = 11; i > 0; i--) {
			size_t j, tmp;

			seed = seed * 1103515245u + 12345u;
			j = (seed >> 16) % (i + 1);
			tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		fa_results_init(&rs);
		add_fixture(&rs, order, 12);
		fa_results_sort(&rs);
		assert_int_equal(rs.n, ref.n);
		for (i = 0; i < rs.n; i++) {
			/* same fingerprint, status, name and message at each position */
			assert_string_equal(rs.items[i].fingerprint, ref.items[i].fingerprint);
			assert_int_equal(rs.items[i].status, ref.items[i].status);
			assert_true((rs.items[i].resource_name == NULL) ==
				    (ref.items[i].resource_name == NULL));
			assert_true((rs.items[i].message == NULL) == (ref.items[i].message == NULL));
			if (rs.items[i].message)
				assert_string_equal(rs.items[i].message, ref.items[i].message);
		}
		fa_results_release(&rs);
	}
	fa_results_release(&ref);
}

static void test_summary(void **state)
{
	static const size_t ident[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	fa_results rs;
	fa_summary s;

	(void)state;
	fa_results_init(&rs);
	fa_summary_of(&rs, &s);
	assert_int_equal(s.total, 0);
	assert_int_equal(s.by_status[FA_STATUS_FAIL], 0);
	add_fixture(&rs, ident, 12);
	fa_summary_of(&rs, &s);
	assert_int_equal(s.total, 12);
	assert_int_equal(s.by_status[FA_STATUS_FAIL], 5);
	assert_int_equal(s.by_status[FA_STATUS_PASS], 4);
	assert_int_equal(s.by_status[FA_STATUS_MUTED], 1);
	assert_int_equal(s.by_status[FA_STATUS_UNKNOWN], 1);
	assert_int_equal(s.by_status[FA_STATUS_MANUAL], 1);
	/* failures only: 4 of check_a (high), 1 of check_b (low); the muted high, the
	 * unknown critical and the passes do not count */
	assert_int_equal(s.fail_by_severity[FA_SEV_HIGH], 4);
	assert_int_equal(s.fail_by_severity[FA_SEV_LOW], 1);
	assert_int_equal(s.fail_by_severity[FA_SEV_CRITICAL], 0);
	assert_int_equal(s.fail_by_severity[FA_SEV_MEDIUM], 0);
	assert_int_equal(s.fail_by_severity[FA_SEV_INFO], 0);
	assert_int_equal(s.fail_by_severity[FA_SEV_NONE], 0);
	fa_results_release(&rs);
}

static void test_take(void **state)
{
	fa_results to, from;
	size_t i;
	char id[16];

	(void)state;
	fa_results_init(&to);
	fa_results_init(&from);
	/* empty into empty */
	assert_int_equal(fa_results_take(&to, &from), 0);
	assert_int_equal(to.n, 0);
	assert_int_equal(fa_results_add(&to, &check_a, FA_STATUS_FAIL, "o", "a", "machine", "m0",
					NULL, NULL, "first"), 0);
	/* enough to force growth in `to` */
	for (i = 0; i < 40; i++) {
		id[0] = 'm';
		id[1] = (char)('A' + (i % 26));
		id[2] = (char)('0' + (char)(i / 26));
		id[3] = '\0';
		assert_int_equal(fa_results_add(&from, &check_b, FA_STATUS_PASS, "o", "b",
						"machine", id, NULL, NULL, "moved"), 0);
	}
	assert_int_equal(fa_results_take(&to, &from), 0);
	assert_int_equal(to.n, 41);
	assert_int_equal(from.n, 0);
	assert_null(from.items);
	assert_string_equal(to.items[0].message, "first");
	assert_string_equal(to.items[1].resource_id, "mA0");
	assert_string_equal(to.items[40].resource_id, "mN1");
	assert_string_equal(to.items[40].message, "moved");
	/* `from` is usable again */
	assert_int_equal(fa_results_add(&from, &check_c, FA_STATUS_FAIL, "o", NULL, "token", "t",
					NULL, NULL, NULL), 0);
	assert_int_equal(fa_results_take(&to, &from), 0);
	assert_int_equal(to.n, 42);
	assert_null(to.items[41].app);
	fa_results_release(&from);
	fa_results_release(&to);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity_names),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_fingerprint_known_answer),
		cmocka_unit_test(test_add_copies_and_fingerprints),
		cmocka_unit_test(test_null_app_and_optionals),
		cmocka_unit_test(test_message_control_chars),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_sort_deterministic_after_shuffle),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_take),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
