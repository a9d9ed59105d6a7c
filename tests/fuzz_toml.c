/* fuzz_toml.c: libFuzzer entry point for the TOML parser (make fuzz). Parses the input;
 * on success walks the whole tree through the public accessors and checks what they
 * promise (positions inside the text, strings NUL-terminated at their length, datetimes
 * printable); on failure checks the error (a code, a position, one line, no document). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned lines_in;

static void walk(const fa_toml_value *v, unsigned depth)
{
	fa_toml_type t = fa_toml_type_of(v);
	size_t i, n;

	if (!v || depth > FA_TOML_MAX_DEPTH + 1)
		abort();
	if (fa_toml_line(v) < 1 || fa_toml_line(v) > lines_in || fa_toml_column(v) < 1)
		abort();
	if (strcmp(fa_toml_type_name(t), "none") == 0)
		abort();
	switch (t) {
	case FA_TOML_TABLE:
		n = fa_toml_table_size(v);
		for (i = 0; i < n; i++) {
			fa_toml_key k;
			const fa_toml_value *e = fa_toml_table_at(v, i, &k);

			if (!e || !k.name || k.name[k.len] != '\0' || k.line < 1 || k.line > lines_in)
				abort();
			/* the key finds its own value */
			if (fa_toml_table_getn(v, k.name, k.len, NULL) != e)
				abort();
			walk(e, depth + 1);
		}
		if (fa_toml_table_at(v, n, NULL))
			abort();
		break;
	case FA_TOML_ARRAY:
		n = fa_toml_array_size(v);
		for (i = 0; i < n; i++)
			walk(fa_toml_array_at(v, i), depth + 1);
		if (fa_toml_array_at(v, n))
			abort();
		break;
	case FA_TOML_STRING: {
		const char *s = NULL;

		if (fa_toml_as_string(v, &s, &n) != 0 || s[n] != '\0')
			abort();
		break;
	}
	case FA_TOML_INTEGER: {
		int64_t x;

		if (fa_toml_as_int(v, &x) != 0)
			abort();
		break;
	}
	case FA_TOML_FLOAT: {
		double d;

		if (fa_toml_as_float(v, &d) != 0)
			abort();
		break;
	}
	case FA_TOML_BOOL: {
		bool b;

		if (fa_toml_as_bool(v, &b) != 0)
			abort();
		break;
	}
	default: {
		fa_toml_datetime dt;
		char buf[64];

		if (fa_toml_as_datetime(v, &dt) != 0 || fa_toml_datetime_str(v, buf, sizeof(buf)) == 0 ||
		    dt.nanosecond < 0 || dt.nanosecond > 999999999)
			abort();
		break;
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fa_toml *doc = NULL;
	fa_toml_error err;
	size_t i;
	int rc;

	lines_in = 1;
	for (i = 0; i < size; i++)
		lines_in += data[i] == '\n';
	rc = fa_toml_parse(&doc, (const char *)data, size, &err);
	if (rc != 0) {
		if (doc || err.code != rc || err.msg[0] == '\0' || strchr(err.msg, '\n'))
			abort();
		if (rc != FA_TOML_ENOMEM && (err.line < 1 || err.line > lines_in || err.column < 1))
			abort();
		return 0;
	}
	walk(fa_toml_root(doc), 0);
	fa_toml_free(doc);
	return 0;
}
