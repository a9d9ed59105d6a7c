/* toml_decoder.c: the toml-test decoder (make check-toml). Reads a TOML document from
 * each file named (or stdin) and prints it in the suite's tagged JSON, one document per
 * line. A document that does not parse prints "error LINE:COLUMN: MESSAGE" on stderr
 * instead; the exit status is 1 if any did not parse (2 on a usage or I/O error). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/toml.h"

static void put_str(const char *s, size_t n)
{
	size_t i;

	putchar('"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void put_value(const fa_toml_value *v)
{
	fa_toml_type t = fa_toml_type_of(v);
	size_t i, n;

	if (t == FA_TOML_TABLE) {
		putchar('{');
		n = fa_toml_table_size(v);
		for (i = 0; i < n; i++) {
			fa_toml_key k;
			const fa_toml_value *e = fa_toml_table_at(v, i, &k);

			if (i)
				putchar(',');
			put_str(k.name, k.len);
			putchar(':');
			put_value(e);
		}
		putchar('}');
		return;
	}
	if (t == FA_TOML_ARRAY) {
		putchar('[');
		n = fa_toml_array_size(v);
		for (i = 0; i < n; i++) {
			if (i)
				putchar(',');
			put_value(fa_toml_array_at(v, i));
		}
		putchar(']');
		return;
	}
	printf("{\"type\":\"%s\",\"value\":", fa_toml_type_name(t));
	switch (t) {
	case FA_TOML_STRING: {
		const char *s;

		fa_toml_as_string(v, &s, &n);
		put_str(s, n);
		break;
	}
	case FA_TOML_INTEGER: {
		int64_t x;

		fa_toml_as_int(v, &x);
		printf("\"%lld\"", (long long)x);
		break;
	}
	case FA_TOML_FLOAT: {
		double d;

		fa_toml_as_float(v, &d);
		if (isnan(d))
			printf("\"nan\"");
		else if (isinf(d))
			printf("\"%sinf\"", d < 0 ? "-" : "+");
		else
			printf("\"%.17g\"", d);
		break;
	}
	case FA_TOML_BOOL: {
		bool b;

		fa_toml_as_bool(v, &b);
		printf("\"%s\"", b ? "true" : "false");
		break;
	}
	default: {
		char buf[64];

		fa_toml_datetime_str(v, buf, sizeof(buf));
		printf("\"%s\"", buf);
		break;
	}
	}
	putchar('}');
}

static int decode(FILE *f, const char *name)
{
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	fa_toml *doc = NULL;
	fa_toml_error err;
	int rc;

	do {
		if (cap - len < 65536) {
			char *p = realloc(text, cap + 65536);

			if (!p) {
				free(text);
				return 2;
			}
			text = p;
			cap += 65536;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", name);
		free(text);
		return 2;
	}
	rc = fa_toml_parse(&doc, text, len, &err);
	free(text);
	if (rc) {
		fprintf(stderr, "%s: error %u:%u: %s\n", name, err.line, err.column, err.msg);
		return 1;
	}
	put_value(fa_toml_root(doc));
	putchar('\n');
	fa_toml_free(doc);
	return 0;
}

int main(int argc, char **argv)
{
	int i, worst = 0;

	if (argc < 2)
		return decode(stdin, "-");
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		int rc;

		if (!f) {
			fprintf(stderr, "%s: cannot open\n", argv[i]);
			return 2;
		}
		rc = decode(f, argv[i]);
		fclose(f);
		if (rc == 2)
			return 2;
		if (rc > worst)
			worst = rc;
		if (rc)
			printf("null\n"); /* keeps one line per file */
	}
	fflush(stdout);
	return worst;
}
