/* test_auth.c: token discovery and the Authorization header (client/auth.c): schemes
 * stripped in any case and repeated, comma lists, FlyV1 vs Bearer as flyctl builds them,
 * the order of sources, the token file permission warning, flyctl's config.yml. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flyaudit/auth.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/flyaudit-auth-XXXXXX");
	unsetenv("FLY_ACCESS_TOKEN");
	unsetenv("FLY_API_TOKEN");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

typedef struct header_case {
	const char *raw;
	const char *token;  /* expected fa_auth.token, NULL = error */
	const char *header; /* expected Authorization value */
} header_case;

static const header_case header_cases[] = {
	{ "fm2_abc", "fm2_abc", "FlyV1 fm2_abc" },
	{ "FlyV1 fm2_abc", "fm2_abc", "FlyV1 fm2_abc" },
	{ "flyv1 fm2_abc", "fm2_abc", "FlyV1 fm2_abc" },
	{ "Bearer FlyV1 fm2_abc", "fm2_abc", "FlyV1 fm2_abc" },
	{ "BEARER FLYV1 fm2_abc", "fm2_abc", "FlyV1 fm2_abc" },
	{ "FlyV1 Bearer fm2_abc", "fm2_abc", "FlyV1 fm2_abc" },
	{ "  FlyV1 fm2_a , fm2_b  \n", "fm2_a,fm2_b", "FlyV1 fm2_a,fm2_b" },
	{ "FlyV1 fm2_a,FlyV1 fm2_b", "fm2_a,fm2_b", "FlyV1 fm2_a,fm2_b" },
	{ "fm1r_x,fm1a_y", "fm1r_x,fm1a_y", "FlyV1 fm1r_x,fm1a_y" },
	{ "fo1_user", "fo1_user", "Bearer fo1_user" },
	{ "Bearer fo1_user", "fo1_user", "Bearer fo1_user" },
	{ "plainoldtoken", "plainoldtoken", "Bearer plainoldtoken" },
	/* user tokens are dropped from the header when a macaroon is there (FlapsHeader) */
	{ "fm2_a,fo1_u", "fm2_a,fo1_u", "FlyV1 fm2_a" },
	{ "fm2_a,,", "fm2_a", "FlyV1 fm2_a" },
	{ "", NULL, NULL },
	{ "   ", NULL, NULL },
	{ "FlyV1 ", NULL, NULL },
	{ "Bearer Bearer", NULL, NULL },
	{ ",,,", NULL, NULL },
	{ "fm2_a\x01b", NULL, NULL },
	{ "fm2_a b", NULL, NULL },
};

static void test_from_string_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(header_cases) / sizeof(header_cases[0]); i++) {
		const header_case *c = &header_cases[i];
		fa_auth a;
		char err[128] = "";
		int rc = fa_auth_from_string(&a, c->raw, "test", err, sizeof(err));

		if (!c->token) {
			if (rc != -1)
				fail_msg("case %zu (%s) should fail", i, c->raw);
			assert_true(err[0] != '\0');
			/* the reason never quotes the token */
			if (strlen(c->raw) > 3)
				assert_null(strstr(err, c->raw));
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: %s", i, err);
		assert_string_equal(a.token, c->token);
		assert_string_equal(a.header, c->header);
		assert_int_equal(a.macaroon, strncmp(c->header, "FlyV1", 5) == 0);
		assert_string_equal(a.source, "test");
		fa_auth_release(&a);
		assert_null(a.token);
		assert_null(a.header);
	}
}

static void test_env_order(void **state)
{
	fa_auth a;
	char err[256], warn[256];
	char tf[128];

	(void)state;
	snprintf(tf, sizeof(tf), "%s/tok", dir);
	write_file(tf, "fm2_fromfile\n", 0600);
	setenv("FLY_API_TOKEN", "fm2_api", 1);
	setenv("FLY_ACCESS_TOKEN", "fm2_access", 1);
	assert_int_equal(fa_auth_load(&a, tf, dir, warn, sizeof(warn), err, sizeof(err)), 0);
	assert_string_equal(a.token, "fm2_access");
	assert_string_equal(a.source, "FLY_ACCESS_TOKEN");
	fa_auth_release(&a);
	unsetenv("FLY_ACCESS_TOKEN");
	assert_int_equal(fa_auth_load(&a, tf, dir, warn, sizeof(warn), err, sizeof(err)), 0);
	assert_string_equal(a.token, "fm2_api");
	fa_auth_release(&a);
	setenv("FLY_API_TOKEN", "", 1); /* empty counts as unset */
	assert_int_equal(fa_auth_load(&a, tf, dir, warn, sizeof(warn), err, sizeof(err)), 0);
	assert_string_equal(a.token, "fm2_fromfile");
	assert_string_equal(a.source, "--token-file");
	assert_string_equal(warn, "");
	fa_auth_release(&a);
	unsetenv("FLY_API_TOKEN");
}

static void test_token_file_warns_when_readable(void **state)
{
	fa_auth a;
	char err[256], warn[256];
	char tf[128];

	(void)state;
	snprintf(tf, sizeof(tf), "%s/open-tok", dir);
	write_file(tf, "FlyV1 fm2_x\n", 0640);
	assert_int_equal(fa_auth_load(&a, tf, NULL, warn, sizeof(warn), err, sizeof(err)), 0);
	assert_non_null(strstr(warn, "readable by group or others"));
	assert_non_null(strstr(warn, "chmod 600"));
	assert_null(strstr(warn, "fm2_x"));
	fa_auth_release(&a);
}

static void test_token_file_errors(void **state)
{
	fa_auth a;
	char err[256], warn[256];
	char tf[128];

	(void)state;
	snprintf(tf, sizeof(tf), "%s/missing", dir);
	assert_int_equal(fa_auth_load(&a, tf, NULL, warn, sizeof(warn), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot read"));
	snprintf(tf, sizeof(tf), "%s/empty", dir);
	write_file(tf, "\n\n", 0600);
	assert_int_equal(fa_auth_load(&a, tf, NULL, warn, sizeof(warn), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no usable token"));
	/* a directory is not a token file */
	assert_int_equal(fa_auth_load(&a, dir, NULL, warn, sizeof(warn), err, sizeof(err)), -1);
}

static void test_config_yml(void **state)
{
	fa_auth a;
	char err[256], warn[256];
	char p[128];

	(void)state;
	snprintf(p, sizeof(p), "%s/.fly", dir);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/.fly/config.yml", dir);
	write_file(p, "send_metrics: true\naccess_token: \"FlyV1 fm2_yaml\"\nwire_guard_state: {}\n", 0600);
	assert_int_equal(fa_auth_load(&a, NULL, dir, warn, sizeof(warn), err, sizeof(err)), 0);
	assert_string_equal(a.token, "fm2_yaml");
	assert_string_equal(a.header, "FlyV1 fm2_yaml");
	assert_string_equal(a.source, "~/.fly/config.yml");
	fa_auth_release(&a);
	write_file(p, "access_token: fo1_plain\n", 0600);
	assert_int_equal(fa_auth_load(&a, NULL, dir, warn, sizeof(warn), err, sizeof(err)), 0);
	assert_string_equal(a.header, "Bearer fo1_plain");
	fa_auth_release(&a);
	/* a nested key is not the top-level access_token */
	write_file(p, "other:\n  access_token: nested\n", 0600);
	assert_int_equal(fa_auth_load(&a, NULL, dir, warn, sizeof(warn), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "FLY_API_TOKEN"));
}

static void test_no_token_anywhere(void **state)
{
	fa_auth a;
	char err[256], warn[256];

	(void)state;
	assert_int_equal(fa_auth_load(&a, NULL, "/nonexistent-home", warn, sizeof(warn), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "fly tokens create readonly"));
	assert_null(strchr(err, '\n'));
}

static void test_leaks_into(void **state)
{
	fa_auth a;
	char err[64];
	const char *tok = "fm2_lJPExAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,fo1_shorty";

	(void)state;
	assert_int_equal(fa_auth_from_string(&a, tok, "t", err, sizeof(err)), 0);
	assert_true(fa_auth_leaks_into(&a, tok, strlen(tok)));
	/* any 16-byte piece of a long part counts */
	assert_true(fa_auth_leaks_into(&a, "xx lJPExAAAAAAAAAAAAAAAAA yy", 28));
	assert_true(fa_auth_leaks_into(&a, "user fo1_shorty here", 20));
	assert_false(fa_auth_leaks_into(&a, "fm2_ and fo1_ are prefixes", 26));
	assert_false(fa_auth_leaks_into(&a, "", 0));
	fa_auth_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_string_table),
		cmocka_unit_test(test_env_order),
		cmocka_unit_test(test_token_file_warns_when_readable),
		cmocka_unit_test(test_token_file_errors),
		cmocka_unit_test(test_config_yml),
		cmocka_unit_test(test_no_token_anywhere),
		cmocka_unit_test(test_leaks_into),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
