/* test_toml.c: the TOML parser's API (audit/parse/toml.c): a fly.toml read through the
 * accessors with the line and column of every key and value, the typed accessors, the
 * error positions, and hostile input (deep nesting, huge numbers, bad UTF-8, NUL bytes,
 * unterminated strings, redefinitions, many keys, a large document). Every document is
 * passed as an exact-length heap copy without a NUL, so a read past `len` trips
 * ASan/valgrind. (The whole TOML 1.0 grammar is `make check-toml`'s job.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/buf.h"
#include "flyaudit/toml.h"

static fa_toml_error err;

/* Parses n bytes of s from an exact-length copy. */
static int parse_n(fa_toml **doc, const char *s, size_t n)
{
	char *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, s, n);
	*doc = (fa_toml *)(uintptr_t)1; /* must be reset to NULL on failure */
	rc = fa_toml_parse(doc, copy, n, &err);
	free(copy);
	if (rc)
		assert_null(*doc);
	else
		assert_non_null(*doc);
	return rc;
}

static fa_toml *parse_ok(const char *s)
{
	fa_toml *doc = NULL;
	int rc = parse_n(&doc, s, strlen(s));

	if (rc)
		fail_msg("refused (%d) at %u:%u: %s", rc, err.line, err.column, err.msg);
	return doc;
}

/* Must be refused with `code` at `line` (and `column` unless 0), msg containing `word`. */
static void parse_bad_n(const char *s, size_t n, int code, unsigned line, unsigned column,
			const char *word)
{
	fa_toml *doc = NULL;
	int rc = parse_n(&doc, s, n);

	if (rc == 0) {
		fa_toml_free(doc);
		fail_msg("accepted: %.60s", s);
	}
	assert_int_equal(rc, code);
	assert_int_equal(err.code, code);
	if (err.line != line)
		fail_msg("%.60s: error at line %u, want %u (%s)", s, err.line, line, err.msg);
	if (column)
		assert_int_equal(err.column, column);
	assert_non_null(strstr(err.msg, word));
	assert_null(strchr(err.msg, '\n'));
}

static void parse_bad(const char *s, int code, unsigned line, unsigned column, const char *word)
{
	parse_bad_n(s, strlen(s), code, line, column, word);
}

static const char FLY_TOML[] =
	"# fly.toml app configuration file\n"           /* 1 */
	"app = \"demo-web\"\n"                           /* 2 */
	"primary_region = 'ams'\n"                       /* 3 */
	"\n"                                             /* 4 */
	"[build]\n"                                      /* 5 */
	"  image = \"registry.fly.io/demo:latest\"\n"    /* 6 */
	"\n"                                             /* 7 */
	"[env]\n"                                        /* 8 */
	"  PORT = \"8080\"\n"                            /* 9 */
	"  DATABASE_URL = \"\"\"\n"                      /* 10 */
	"postgres://u:p@h/db\"\"\"\n"                    /* 11 */
	"  LOG_LEVEL = \"info\"\n"                       /* 12 */
	"\n"                                             /* 13 */
	"[http_service]\n"                               /* 14 */
	"  internal_port = 8080\n"                       /* 15 */
	"  force_https = false\n"                        /* 16 */
	"  auto_stop_machines = \"stop\"\n"              /* 17 */
	"  [http_service.tls_options]\n"                 /* 18 */
	"    alpn = [\"h2\", \"http/1.1\"]\n"            /* 19 */
	"    versions = [\"TLSv1.2\",\n"                 /* 20 */
	"                \"TLSv1.3\"]\n"                 /* 21 */
	"\n"                                             /* 22 */
	"[[services]]\n"                                 /* 23 */
	"  internal_port = 5432\n"                       /* 24 */
	"  protocol = \"tcp\"\n"                         /* 25 */
	"  [[services.ports]]\n"                         /* 26 */
	"    port = 5432\n"                              /* 27 */
	"    handlers = []\n"                            /* 28 */
	"  [[services.tcp_checks]]\n"                    /* 29 */
	"    interval = \"15s\"\n"                       /* 30 */
	"\n"                                             /* 31 */
	"[[services]]\n"                                 /* 32 */
	"  internal_port = 9090\n"                       /* 33 */
	"  ports = [{ port = 443, handlers = [\"tls\", \"http\"] }]\n" /* 34 */
	"\n"                                             /* 35 */
	"[checks.alive]\n"                               /* 36 */
	"  type = \"http\"\n"                            /* 37 */
	"  grace_period = 1.5\n"                         /* 38 */
	"  deployed = 2024-05-01T10:00:00Z\n";           /* 39 */

static void test_fly_toml(void **state)
{
	fa_toml *doc = parse_ok(FLY_TOML);
	const fa_toml_value *root = fa_toml_root(doc), *env, *v, *svc, *ports, *alpn;
	const char *s = NULL;
	size_t len = 0;
	int64_t i = 0;
	bool b = true;
	double d = 0;
	fa_toml_key k;

	(void)state;
	assert_int_equal(fa_toml_type_of(root), FA_TOML_TABLE);
	assert_int_equal(fa_toml_line(root), 1);
	assert_int_equal(fa_toml_table_size(root), 7); /* document order */
	assert_non_null(fa_toml_table_at(root, 0, &k));
	assert_string_equal(k.name, "app");
	assert_int_equal(k.line, 2);
	assert_int_equal(k.column, 1);
	assert_non_null(fa_toml_table_at(root, 6, &k));
	assert_string_equal(k.name, "checks");
	assert_null(fa_toml_table_at(root, 7, &k));

	v = fa_toml_table_get(root, "app");
	assert_int_equal(fa_toml_as_string(v, &s, &len), 0);
	assert_string_equal(s, "demo-web");
	assert_int_equal(len, 8);
	assert_int_equal(fa_toml_line(v), 2);
	assert_int_equal(fa_toml_column(v), 7);
	assert_int_equal(fa_toml_as_string(fa_toml_get(root, "build.image"), &s, NULL), 0);
	assert_string_equal(s, "registry.fly.io/demo:latest");
	assert_int_equal(fa_toml_line(fa_toml_get(root, "build.image")), 6);

	/* [env]: names, values and lines in order */
	env = fa_toml_table_get(root, "env");
	assert_int_equal(fa_toml_line(env), 8);
	assert_int_equal(fa_toml_table_size(env), 3);
	v = fa_toml_table_at(env, 1, &k);
	assert_string_equal(k.name, "DATABASE_URL");
	assert_int_equal(k.len, 12);
	assert_int_equal(k.line, 10);
	assert_int_equal(k.column, 3);
	assert_int_equal(fa_toml_line(v), 10);
	assert_int_equal(fa_toml_as_string(v, &s, NULL), 0);
	assert_string_equal(s, "postgres://u:p@h/db");
	v = fa_toml_table_at(env, 2, &k);
	assert_string_equal(k.name, "LOG_LEVEL");
	assert_int_equal(k.line, 12); /* counted past the multi-line string */

	/* [http_service] */
	v = fa_toml_get(root, "http_service.force_https");
	assert_int_equal(fa_toml_as_bool(v, &b), 0);
	assert_false(b);
	assert_int_equal(fa_toml_line(v), 16);
	assert_int_equal(fa_toml_column(v), 17);
	assert_int_equal(fa_toml_as_int(fa_toml_get(root, "http_service.internal_port"), &i), 0);
	assert_int_equal(i, 8080);
	alpn = fa_toml_get(root, "http_service.tls_options.alpn");
	assert_int_equal(fa_toml_type_of(alpn), FA_TOML_ARRAY);
	assert_int_equal(fa_toml_array_size(alpn), 2);
	assert_int_equal(fa_toml_as_string(fa_toml_array_at(alpn, 1), &s, NULL), 0);
	assert_string_equal(s, "http/1.1");
	assert_null(fa_toml_array_at(alpn, 2));
	v = fa_toml_get(root, "http_service.tls_options.versions");
	assert_int_equal(fa_toml_line(fa_toml_array_at(v, 1)), 21);
	assert_int_equal(fa_toml_line(fa_toml_get(root, "http_service.tls_options")), 18);

	/* [[services]]: an array of tables, each element at its header's line */
	svc = fa_toml_table_get(root, "services");
	assert_int_equal(fa_toml_type_of(svc), FA_TOML_ARRAY);
	assert_int_equal(fa_toml_array_size(svc), 2);
	assert_int_equal(fa_toml_line(fa_toml_array_at(svc, 0)), 23);
	assert_int_equal(fa_toml_line(fa_toml_array_at(svc, 1)), 32);
	ports = fa_toml_table_get(fa_toml_array_at(svc, 0), "ports");
	assert_int_equal(fa_toml_array_size(ports), 1);
	assert_int_equal(fa_toml_line(fa_toml_array_at(ports, 0)), 26);
	assert_int_equal(fa_toml_as_int(fa_toml_table_get(fa_toml_array_at(ports, 0), "port"), &i), 0);
	assert_int_equal(i, 5432);
	assert_int_equal(fa_toml_array_size(fa_toml_table_get(fa_toml_array_at(ports, 0), "handlers")), 0);
	assert_int_equal(fa_toml_line(fa_toml_table_get(fa_toml_array_at(svc, 0), "tcp_checks")), 29);
	/* an inline array of inline tables is the same shape to a reader */
	ports = fa_toml_table_get(fa_toml_array_at(svc, 1), "ports");
	assert_int_equal(fa_toml_array_size(ports), 1);
	v = fa_toml_array_at(ports, 0);
	assert_int_equal(fa_toml_type_of(v), FA_TOML_TABLE);
	assert_int_equal(fa_toml_line(v), 34);
	assert_int_equal(fa_toml_column(v), 12);
	assert_int_equal(fa_toml_array_size(fa_toml_table_get(v, "handlers")), 2);

	/* [checks.alive]: checks was created implicitly, by the same header */
	assert_int_equal(fa_toml_line(fa_toml_table_get(root, "checks")), 36);
	assert_int_equal(fa_toml_as_float(fa_toml_get(root, "checks.alive.grace_period"), &d), 0);
	assert_true(d == 1.5);
	v = fa_toml_get(root, "checks.alive.deployed");
	assert_int_equal(fa_toml_type_of(v), FA_TOML_DATETIME);
	fa_toml_free(doc);
}

static void test_accessors(void **state)
{
	fa_toml *doc = parse_ok("s = 'x'\ni = -9223372036854775808\nf = -inf\nn = nan\nb = true\n"
				"\"a.b\" = 1\n\"nul\\u0000key\" = \"v\\u0000w\"\nt = {}\n");
	const fa_toml_value *root = fa_toml_root(doc), *v;
	const char *s = NULL;
	size_t len = 0;
	int64_t i = 0;
	double d = 0;
	bool b = false;
	fa_toml_datetime dt;
	fa_toml_key k;
	char buf[64];

	(void)state;
	/* wrong type or missing: FA_TOML_ETYPE, out untouched */
	v = fa_toml_table_get(root, "s");
	assert_int_equal(fa_toml_as_int(v, &i), FA_TOML_ETYPE);
	assert_int_equal(fa_toml_as_float(v, &d), FA_TOML_ETYPE);
	assert_int_equal(fa_toml_as_bool(v, &b), FA_TOML_ETYPE);
	assert_int_equal(fa_toml_as_datetime(v, &dt), FA_TOML_ETYPE);
	assert_int_equal(fa_toml_datetime_str(v, buf, sizeof(buf)), 0);
	assert_int_equal(fa_toml_as_string(NULL, &s, &len), FA_TOML_ETYPE);
	assert_int_equal(fa_toml_as_string(fa_toml_table_get(root, "i"), &s, NULL), FA_TOML_ETYPE);
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "i"), &d), FA_TOML_ETYPE); /* not converted */
	assert_int_equal(i, 0);
	assert_false(b);
	assert_null(s);
	assert_int_equal(fa_toml_type_of(NULL), 0);
	assert_int_equal(fa_toml_line(NULL), 0);
	assert_int_equal(fa_toml_column(NULL), 0);
	assert_int_equal(fa_toml_table_size(v), 0);
	assert_int_equal(fa_toml_array_size(v), 0);
	assert_null(fa_toml_table_get(v, "x"));
	assert_null(fa_toml_table_get(NULL, "x"));
	assert_null(fa_toml_table_get(root, NULL));
	assert_null(fa_toml_get(root, "s.x"));
	assert_null(fa_toml_get(root, "missing.x"));
	assert_null(fa_toml_get(root, NULL));
	assert_null(fa_toml_array_at(v, 0));
	assert_null(fa_toml_root(NULL));
	assert_string_equal(fa_toml_type_name(FA_TOML_TIME_LOCAL), "time-local");
	assert_string_equal(fa_toml_type_name((fa_toml_type)0), "none");

	assert_int_equal(fa_toml_as_int(fa_toml_table_get(root, "i"), &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "f"), &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "n"), &d), 0);
	assert_true(isnan(d));
	assert_int_equal(fa_toml_as_bool(fa_toml_table_get(root, "b"), &b), 0);
	assert_true(b);
	/* a quoted key with a dot is one key; fa_toml_get cannot reach it */
	assert_non_null(fa_toml_table_get(root, "a.b"));
	assert_null(fa_toml_get(root, "a.b"));
	/* NUL inside keys and strings: lengths tell */
	v = fa_toml_table_getn(root, "nul\0key", 7, &k);
	assert_non_null(v);
	assert_int_equal(k.len, 7);
	assert_int_equal(k.line, 7);
	assert_int_equal(fa_toml_as_string(v, &s, &len), 0);
	assert_int_equal(len, 3);
	assert_memory_equal(s, "v\0w", 4);
	assert_null(fa_toml_table_get(root, "nul"));
	assert_int_equal(fa_toml_type_of(fa_toml_table_get(root, "t")), FA_TOML_TABLE);
	assert_int_equal(fa_toml_table_size(fa_toml_table_get(root, "t")), 0);
	fa_toml_free(doc);
	fa_toml_free(NULL);
}

static void test_datetimes(void **state)
{
	fa_toml *doc = parse_ok("a = 1979-05-27T07:32:00.999999999-07:30\nb = 1979-05-27 07:32:00\n"
				"c = 2024-02-29\nd = 00:32:00.1234567891\ne = 1979-05-27t07:32:00z\n");
	const fa_toml_value *root = fa_toml_root(doc);
	fa_toml_datetime dt;
	char buf[64];

	(void)state;
	assert_int_equal(fa_toml_as_datetime(fa_toml_table_get(root, "a"), &dt), 0);
	assert_int_equal(dt.year, 1979);
	assert_int_equal(dt.day, 27);
	assert_int_equal(dt.second, 0);
	assert_int_equal(dt.nanosecond, 999999999);
	assert_int_equal(dt.offset_minutes, -450);
	assert_int_equal(fa_toml_datetime_str(fa_toml_table_get(root, "a"), buf, sizeof(buf)), 35);
	assert_string_equal(buf, "1979-05-27T07:32:00.999999999-07:30");
	assert_int_equal(fa_toml_type_of(fa_toml_table_get(root, "b")), FA_TOML_DATETIME_LOCAL);
	fa_toml_datetime_str(fa_toml_table_get(root, "b"), buf, sizeof(buf));
	assert_string_equal(buf, "1979-05-27T07:32:00");
	assert_int_equal(fa_toml_type_of(fa_toml_table_get(root, "c")), FA_TOML_DATE_LOCAL);
	fa_toml_datetime_str(fa_toml_table_get(root, "c"), buf, sizeof(buf));
	assert_string_equal(buf, "2024-02-29");
	assert_int_equal(fa_toml_type_of(fa_toml_table_get(root, "d")), FA_TOML_TIME_LOCAL);
	fa_toml_datetime_str(fa_toml_table_get(root, "d"), buf, sizeof(buf));
	assert_string_equal(buf, "00:32:00.123456789"); /* beyond nanoseconds: truncated */
	fa_toml_datetime_str(fa_toml_table_get(root, "e"), buf, sizeof(buf));
	assert_string_equal(buf, "1979-05-27T07:32:00Z");
	assert_int_equal(fa_toml_datetime_str(fa_toml_table_get(root, "e"), buf, 39), 0);
	fa_toml_free(doc);

	parse_bad("a = 2023-02-29\n", FA_TOML_ESYNTAX, 1, 5, "date");
	parse_bad("a = 2024-13-01\n", FA_TOML_ESYNTAX, 1, 5, "date");
	parse_bad("a = 24:00:00\n", FA_TOML_ESYNTAX, 1, 5, "time");
	parse_bad("a = 07:32\n", FA_TOML_ESYNTAX, 1, 5, "time");
	parse_bad("a = 1979-05-27T07:32:00+24:00\n", FA_TOML_ESYNTAX, 1, 5, "date");
	parse_bad("a = 07:32:00Z\n", FA_TOML_ESYNTAX, 1, 5, "time");
}

/* Errors carry the line (and column) of the offending text. */
static void test_error_positions(void **state)
{
	(void)state;
	parse_bad("a = 1\nb = 2\na = 3\n", FA_TOML_ESYNTAX, 3, 1, "duplicate key 'a'");
	parse_bad("[env]\nX = 1\n\n[env]\n", FA_TOML_ESYNTAX, 4, 2, "table 'env' is already defined");
	parse_bad("[a]\nb.c = 1\n[a.b]\n", FA_TOML_ESYNTAX, 3, 4, "already defined");
	parse_bad("[a.b]\n[a]\nb.c = 1\n", FA_TOML_ESYNTAX, 3, 1, "dotted key");
	parse_bad("a = {b = 1}\n[a.c]\n", FA_TOML_ESYNTAX, 2, 2, "not a table");
	parse_bad("a = {b = 1}\na.c = 2\n", FA_TOML_ESYNTAX, 2, 1, "dotted key");
	parse_bad("a = [1]\n[[a]]\n", FA_TOML_ESYNTAX, 2, 3, "not an array of tables");
	parse_bad("[[a]]\n[a]\n", FA_TOML_ESYNTAX, 2, 2, "already defined");
	parse_bad("a.b = 1\na.b.c = 2\n", FA_TOML_ESYNTAX, 2, 3, "dotted key");
	parse_bad("x = 1\ns = \"abc\n", FA_TOML_ESYNTAX, 2, 9, "newline in a single-line string");
	parse_bad("x = 1\ns = \"abc", FA_TOML_ESYNTAX, 2, 5, "unterminated string");
	parse_bad("x = 1\n\ns = \"\"\"abc\n\ndef\n", FA_TOML_ESYNTAX, 3, 5, "unterminated string");
	parse_bad("s = '''a\n''''''\n", FA_TOML_ESYNTAX, 2, 1, "too many quotes");
	parse_bad("a = [1,\n2,\n", FA_TOML_ESYNTAX, 3, 1, "unterminated array");
	parse_bad("a = {b = 1,\nc = 2}\n", FA_TOML_ESYNTAX, 1, 12, "expected a key");
	parse_bad("a = {b = 1\n}\n", FA_TOML_ESYNTAX, 1, 11, "one line");
	parse_bad("a = 1 b = 2\n", FA_TOML_ESYNTAX, 1, 7, "end of the line");
	parse_bad("a =\n", FA_TOML_ESYNTAX, 1, 4, "expected a value");
	parse_bad("a\n", FA_TOML_ESYNTAX, 1, 2, "expected '='");
	parse_bad("[a\n", FA_TOML_ESYNTAX, 1, 3, "expected ']'");
	parse_bad("[[a]\n", FA_TOML_ESYNTAX, 1, 4, "expected ']]'");
	parse_bad("\"\"\"k\"\"\" = 1\n", FA_TOML_ESYNTAX, 1, 1, "multi-line");
	parse_bad("a = \"\\x41\"\n", FA_TOML_ESYNTAX, 1, 6, "invalid escape '\\x'");
	parse_bad("a = \"\\uD800\"\n", FA_TOML_ESYNTAX, 1, 6, "scalar value");
	parse_bad("a = \"\\U00110000\"\n", FA_TOML_ESYNTAX, 1, 6, "scalar value");
	parse_bad("a = \"\\u12\"\n", FA_TOML_ESYNTAX, 1, 6, "hex digit");
	parse_bad("a = truex\n", FA_TOML_ESYNTAX, 1, 5, "expected a value");
	parse_bad("a = 01\n", FA_TOML_ESYNTAX, 1, 5, "leading zero");
	parse_bad("a = 1__0\n", FA_TOML_ESYNTAX, 1, 5, "invalid number");
	parse_bad("a = 1.\n", FA_TOML_ESYNTAX, 1, 5, "invalid number");
	parse_bad("a = +0x10\n", FA_TOML_ESYNTAX, 1, 5, "sign");
	/* CRLF lines count like LF ones; a lone CR is an error */
	parse_bad("a = 1\r\nb = 2\r\nb = 3\r\n", FA_TOML_ESYNTAX, 3, 1, "duplicate key 'b'");
	parse_bad("a = 1\rb = 2\n", FA_TOML_ESYNTAX, 1, 6, "carriage return");
}

/* An error quotes a key, never a value: a fly.toml [env] value may be a secret. */
static void test_errors_keep_values_out(void **state)
{
	(void)state;
	parse_bad("[env]\nTOKEN = \"FlyV1 fm2_secret\\q\"\n", FA_TOML_ESYNTAX, 2, 26, "escape");
	assert_null(strstr(err.msg, "fm2_"));
	parse_bad("[env]\nTOKEN = \"FlyV1 fm2_secret\n", FA_TOML_ESYNTAX, 2, 26, "newline");
	assert_null(strstr(err.msg, "fm2_"));
	parse_bad("[env]\nTOKEN = FlyV1_fm2_secret\n", FA_TOML_ESYNTAX, 2, 9, "expected a value");
	assert_null(strstr(err.msg, "fm2_"));
	parse_bad("[env]\nTOKEN = 'FlyV1 fm2_secret'\nTOKEN = 'x'\n", FA_TOML_ESYNTAX, 3, 1,
		  "duplicate key 'TOKEN'");
	assert_null(strstr(err.msg, "fm2_"));
	/* a key in a message is printable ASCII, capped */
	parse_bad("\"a\\nb\\u00e9'\" = 1\n\"a\\nb\\u00e9'\" = 2\n", FA_TOML_ESYNTAX, 2, 1, "duplicate key 'a?b?" "?" "?'");
	{
		char k92[93], doc[400];
		int n;

		memset(k92, 'k', 92);
		k92[92] = '\0';
		n = snprintf(doc, sizeof(doc), "%s = 1\n%s = 2\n", k92, k92);
		parse_bad_n(doc, (size_t)n, FA_TOML_ESYNTAX, 2, 1, "duplicate key 'kkkkk");
		assert_true(strlen(err.msg) < 80);
	}
}

static void test_hostile_bytes(void **state)
{
	static const char nul[] = "a = \"x\0y\"\n";
	static const char nul2[] = "a = 1\n# \0\n";

	(void)state;
	parse_bad_n(nul, sizeof(nul) - 1, FA_TOML_ESYNTAX, 1, 7, "NUL");
	parse_bad_n(nul2, sizeof(nul2) - 1, FA_TOML_ESYNTAX, 2, 3, "NUL");
	/* invalid UTF-8: overlong, surrogate, beyond U+10FFFF, truncated, stray continuation */
	parse_bad("a = 1\nb = \"\xc0\xaf\"\n", FA_TOML_ESYNTAX, 2, 6, "UTF-8");
	parse_bad("# \xed\xa0\x80\n", FA_TOML_ESYNTAX, 1, 3, "UTF-8");
	parse_bad("a = '\xf4\x90\x80\x80'\n", FA_TOML_ESYNTAX, 1, 6, "UTF-8");
	parse_bad("a = 'x'\n# \xe2\x82", FA_TOML_ESYNTAX, 2, 3, "UTF-8");
	parse_bad("a = '\x80'\n", FA_TOML_ESYNTAX, 1, 6, "UTF-8");
	parse_bad("a = '\xff'\n", FA_TOML_ESYNTAX, 1, 6, "UTF-8");
	/* raw control characters, even in comments and strings */
	parse_bad("# bell \x07\n", FA_TOML_ESYNTAX, 1, 8, "U+0007");
	parse_bad("a = 'del \x7f'\n", FA_TOML_ESYNTAX, 1, 10, "U+007F");
	parse_bad("a = \"esc \x1b\"\n", FA_TOML_ESYNTAX, 1, 10, "U+001B");
	/* but valid UTF-8 of every length, a BOM, and an empty document are fine */
	{
		fa_toml *doc = parse_ok("\xef\xbb\xbf" "a = \"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n");
		const char *s = NULL;

		assert_int_equal(fa_toml_as_string(fa_toml_table_get(fa_toml_root(doc), "a"), &s, NULL), 0);
		assert_string_equal(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
		fa_toml_free(doc);
		doc = parse_ok("");
		assert_int_equal(fa_toml_table_size(fa_toml_root(doc)), 0);
		fa_toml_free(doc);
	}
}

static void test_numbers(void **state)
{
	fa_toml *doc = parse_ok("a = 9223372036854775807\nb = 0x7fffffffffffffff\nc = 0o777\n"
				"d = 0b1010\ne = 1_000\nf = 1e308\ng = 5e-324\nh = -0.0\ni = 1_0.2_5e0_1\n");
	const fa_toml_value *root = fa_toml_root(doc);
	int64_t i = 0;
	double d = 0;

	(void)state;
	assert_int_equal(fa_toml_as_int(fa_toml_table_get(root, "a"), &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(fa_toml_as_int(fa_toml_table_get(root, "b"), &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(fa_toml_as_int(fa_toml_table_get(root, "c"), &i), 0);
	assert_int_equal(i, 511);
	assert_int_equal(fa_toml_as_int(fa_toml_table_get(root, "d"), &i), 0);
	assert_int_equal(i, 10);
	assert_int_equal(fa_toml_as_int(fa_toml_table_get(root, "e"), &i), 0);
	assert_int_equal(i, 1000);
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "f"), &d), 0);
	assert_true(d == 1e308);
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "g"), &d), 0);
	assert_true(d > 0);
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "h"), &d), 0);
	assert_true(d == 0 && signbit(d));
	assert_int_equal(fa_toml_as_float(fa_toml_table_get(root, "i"), &d), 0);
	assert_true(d == 102.5);
	fa_toml_free(doc);

	/* huge numbers are refused, not wrapped or saturated */
	parse_bad("a = 9223372036854775808\n", FA_TOML_ESYNTAX, 1, 5, "64 bits");
	parse_bad("a = -9223372036854775809\n", FA_TOML_ESYNTAX, 1, 5, "64 bits");
	parse_bad("a = 0x8000000000000000\n", FA_TOML_ESYNTAX, 1, 5, "64 bits");
	parse_bad("a = 99999999999999999999999999999999999999999\n", FA_TOML_ESYNTAX, 1, 5, "64 bits");
	parse_bad("a = 1e309\n", FA_TOML_ESYNTAX, 1, 5, "out of range");
	{
		/* a float with 100000 digits still parses, to the right value */
		fa_buf b = FA_BUF_INIT(0);
		fa_toml *big = NULL;
		size_t k;

		assert_int_equal(fa_buf_adds(&b, "x = 1."), 0);
		for (k = 0; k < 100000; k++)
			assert_int_equal(fa_buf_add(&b, "0", 1), 0);
		assert_int_equal(fa_buf_adds(&b, "1\n"), 0);
		assert_int_equal(parse_n(&big, b.data, b.len), 0);
		assert_int_equal(fa_toml_as_float(fa_toml_table_get(fa_toml_root(big), "x"), &d), 0);
		assert_true(d == 1.0);
		fa_toml_free(big);
		fa_buf_release(&b);
	}
}

/* text = prefix + n * open + middle + n * close */
static void nest(fa_buf *b, size_t n, const char *prefix, const char *open, const char *middle,
		 const char *close)
{
	size_t i;

	fa_buf_reset(b);
	assert_int_equal(fa_buf_adds(b, prefix), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(fa_buf_adds(b, open), 0);
	assert_int_equal(fa_buf_adds(b, middle), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(fa_buf_adds(b, close), 0);
	assert_int_equal(fa_buf_adds(b, "\n"), 0);
}

static void test_depth_and_size(void **state)
{
	fa_buf b = FA_BUF_INIT(0);
	fa_toml *doc = NULL;

	(void)state;
	/* the deepest allowed nesting parses ... */
	nest(&b, FA_TOML_MAX_DEPTH - 1, "a = ", "[", "1", "]");
	assert_int_equal(parse_n(&doc, b.data, b.len), 0);
	fa_toml_free(doc);
	/* ... one more level does not, whatever makes the levels */
	nest(&b, FA_TOML_MAX_DEPTH, "a = ", "[", "1", "]");
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ELIMIT);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "deeper"));
	nest(&b, 100000, "a = ", "[", "", "]"); /* far beyond: no stack overflow */
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ELIMIT);
	nest(&b, 100000, "a = ", "{b=", "1", "}");
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ELIMIT);
	nest(&b, 100000, "[a", ".a", "]", "");
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ELIMIT);
	nest(&b, 100000, "a", ".a", " = 1", "");
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ELIMIT);
	nest(&b, 60, "[x]\ny = ", "{z=", "1", "}");
	assert_int_equal(parse_n(&doc, b.data, b.len), 0);
	fa_toml_free(doc);
	nest(&b, 60, "[x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x.x]\ny = ",
	     "{z=", "1", "}");
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ELIMIT); /* the levels add up */

	/* input above the cap, before looking at it */
	fa_buf_release(&b);
	{
		char *huge = calloc(FA_TOML_MAX_INPUT + 1, 1);

		assert_non_null(huge);
		memset(huge, '#', FA_TOML_MAX_INPUT + 1);
		assert_int_equal(fa_toml_parse(&doc, huge, FA_TOML_MAX_INPUT + 1, &err), FA_TOML_ELIMIT);
		assert_null(doc);
		assert_non_null(strstr(err.msg, "larger than"));
		huge[FA_TOML_MAX_INPUT - 1] = '\n';
		assert_int_equal(fa_toml_parse(&doc, huge, FA_TOML_MAX_INPUT, &err), 0);
		fa_toml_free(doc);
		free(huge);
	}
	/* bad arguments */
	assert_int_equal(fa_toml_parse(NULL, "a = 1", 5, &err), FA_TOML_EARG);
	assert_int_equal(err.code, FA_TOML_EARG);
	assert_int_equal(fa_toml_parse(&doc, NULL, 5, NULL), FA_TOML_EARG);
	assert_int_equal(fa_toml_parse(&doc, NULL, 0, NULL), 0);
	assert_int_equal(fa_toml_table_size(fa_toml_root(doc)), 0);
	fa_toml_free(doc);
}

/* Many keys in one table: lookups and duplicate checks stay fast and right. */
static void test_many_keys(void **state)
{
	fa_buf b = FA_BUF_INIT(0);
	fa_toml *doc = NULL;
	const fa_toml_value *root;
	int64_t v = 0;
	fa_toml_key k;
	char key[32];
	size_t i;

	(void)state;
	for (i = 0; i < 50000; i++)
		assert_int_equal(fa_buf_printf(&b, "k%zu = %zu\n", i, i), 0);
	assert_int_equal(parse_n(&doc, b.data, b.len), 0);
	root = fa_toml_root(doc);
	assert_int_equal(fa_toml_table_size(root), 50000);
	for (i = 0; i < 50000; i += 997) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(fa_toml_as_int(fa_toml_table_getn(root, key, strlen(key), &k), &v), 0);
		assert_int_equal(v, (int64_t)i);
		assert_int_equal(k.line, i + 1);
	}
	assert_null(fa_toml_table_get(root, "k50000"));
	fa_toml_free(doc);
	assert_int_equal(fa_buf_adds(&b, "k31337 = 0\n"), 0);
	assert_int_equal(parse_n(&doc, b.data, b.len), FA_TOML_ESYNTAX);
	assert_int_equal(err.line, 50001);
	assert_non_null(strstr(err.msg, "duplicate key 'k31337'"));

	/* headers and dotted keys that create tables, arrays over several lines: positions
	 * are taken in document order, so this stays linear (it would take minutes if any
	 * node's line were counted again from the start) */
	fa_buf_reset(&b);
	for (i = 0; i < 20000; i++)
		assert_int_equal(fa_buf_printf(&b, "[t%zu.x]\nd%zu.e = [1,\n2]\n[[t%zu.y]]\n", i, i, i), 0);
	assert_int_equal(parse_n(&doc, b.data, b.len), 0);
	root = fa_toml_root(doc);
	assert_int_equal(fa_toml_table_size(root), 20000);
	assert_non_null(fa_toml_table_at(root, 19999, &k));
	assert_int_equal(k.line, 19999 * 4 + 1);
	assert_int_equal(fa_toml_line(fa_toml_get(root, "t19999.x")), 19999 * 4 + 1);
	assert_int_equal(fa_toml_line(fa_toml_get(root, "t19999.x.d19999")), 19999 * 4 + 2);
	assert_int_equal(fa_toml_line(fa_toml_get(root, "t19999.y")), 19999 * 4 + 4);
	fa_toml_free(doc);
	fa_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fly_toml),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_datetimes),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_errors_keep_values_out),
		cmocka_unit_test(test_hostile_bytes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_depth_and_size),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
