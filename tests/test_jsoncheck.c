/* test_jsoncheck.c: audit/jsoncheck.c on the shapes Fly sends and on hostile text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flyaudit/jsoncheck.h"

static void test_table(void **state)
{
	static const struct {
		const char *json;
		int ok;
		const char *why; /* a piece of the reason, when refused */
	} cases[] = {
		{ "{\"apps\":[{\"name\":\"a\",\"organization\":{\"slug\":\"demo\"}}],\"total_apps\":1}", 1, NULL },
		{ "[{\"id\":\"1\",\"config\":{\"env\":{\"A\":\"1\",\"B\":\"2\"}}},{\"id\":\"2\",\"config\":{}}]", 1, NULL },
		{ "{\"a\":{\"x\":1},\"b\":{\"x\":1}}", 1, NULL },          /* same key in sibling objects */
		{ "[\"a\",\"a\",{\"a\":1}]", 1, NULL },                     /* array items are not keys */
		{ "{\"k\":\"\\\\u0000\"}", 1, NULL },                       /* an escaped backslash, then text */
		{ "{\"k\":\"\\u0001\\u00e9\\ud83d\\ude00\"}", 1, NULL },
		{ "{\"config\":{},\"config\":{\"env\":{}}}", 0, "\"config\" twice" },
		{ "{\"a\":1,\"\\u0061\":2}", 0, "twice" },                 /* the same key, escaped */
		{ "[{\"m\":{\"p\":[{\"port\":1,\"port\":2}]}}]", 0, "\"port\" twice" },
		{ "{\"name\":\"nw-web\\u0000../../evil\"}", 0, "escaped NUL" },
		{ "{\"na\\u0000me\":1}", 0, "escaped NUL" },
		{ "\"\\u0000\"", 0, "escaped NUL" },
	};
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = fa_json_check(cases[i].json, strlen(cases[i].json), why, sizeof(why));

		if ((rc == 0) != cases[i].ok)
			fail_msg("case %zu (%s): rc %d (%s)", i, cases[i].json, rc, why);
		if (!cases[i].ok && !strstr(why, cases[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, why, cases[i].why);
	}
}

/* Hostile sizes: an object of 200,000 keys (sorted, not compared pairwise), deep nesting,
 * a cut text: all answered, none crash. */
static void test_hostile_sizes(void **state)
{
	size_t n = 200000, i, len = 0;
	char *big = malloc(n * 16 + 16);
	char why[200];

	(void)state;
	assert_non_null(big);
	big[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(big + len, "%s\"k%zu\":1", i ? "," : "", i);
	big[len++] = '}';
	assert_int_equal(fa_json_check(big, len, why, sizeof(why)), 0);
	memcpy(big + len - 1, ",\"k7\":2}", 8); /* a repeat at the end */
	assert_int_equal(fa_json_check(big, len + 7, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "\"k7\" twice"));
	memset(big, '[', 1000);
	assert_int_equal(fa_json_check(big, 1000, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "nested"));
	assert_int_equal(fa_json_check("{\"a\":\"\\u00", 10, why, sizeof(why)), 0); /* cut: no crash */
	assert_int_equal(fa_json_check(NULL, 0, NULL, 0), 0);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_hostile_sizes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
