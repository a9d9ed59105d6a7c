/* toml.h: a TOML 1.0 parser (bytes in, tree out) for reading fly.toml files.
 *
 * fa_toml_parse() turns a document into a read-only tree of values: tables, arrays and
 * scalars (string, integer, float, bool, the four datetime kinds). Every value and every
 * table key keeps the 1-based line and byte column where it starts in the text, so a
 * finding can point at `fly.toml:12`.
 *
 * It implements the whole of TOML 1.0 (https://toml.io/en/v1.0.0) and passes the official
 * conformance suite (`make check-toml`): strict UTF-8, unique keys, tables defined once,
 * inline tables sealed, integers that fit in 64 bits. A document that breaks a rule is
 * refused with a line, a column and a one-line message; there is no partial tree.
 *
 * Secrecy: error messages may name a key, never the text of a value (a fly.toml [env]
 * value may be a credential).
 *
 * Limits: input above FA_TOML_MAX_INPUT bytes, or values nested deeper than
 * FA_TOML_MAX_DEPTH (tables inside tables, arrays inside arrays, headers like
 * [a.b.c...] included), are refused with FA_TOML_ELIMIT.
 *
 * Ownership: the document owns every value, key and string in it. Pointers returned by
 * the accessors are borrowed and live until fa_toml_free(). The tree is never modified
 * after parsing, so several threads may read one document.
 *
 * Purity: no I/O, no clock, no locale (numbers are parsed the same under any locale).
 */
#ifndef FLYAUDIT_TOML_H
#define FLYAUDIT_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits. */
#define FA_TOML_MAX_INPUT ((size_t)1024 * 1024) /* bytes of text (a fly.toml is a few KiB) */
#define FA_TOML_MAX_DEPTH 100                         /* levels of nesting below the root */

/* Error codes (0 = success). */
enum {
	FA_TOML_OK = 0,
	FA_TOML_EARG = -1,    /* NULL argument */
	FA_TOML_ESYNTAX = -2, /* not TOML 1.0: grammar, UTF-8, duplicate key, redefined table */
	FA_TOML_ELIMIT = -3,  /* FA_TOML_MAX_INPUT or FA_TOML_MAX_DEPTH passed */
	FA_TOML_ENOMEM = -4,
	FA_TOML_ETYPE = -5,   /* accessor: the value is missing (NULL) or of another type */
};

typedef enum fa_toml_type {
	FA_TOML_TABLE = 1,
	FA_TOML_ARRAY,
	FA_TOML_STRING,
	FA_TOML_INTEGER,
	FA_TOML_FLOAT,
	FA_TOML_BOOL,
	FA_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
	FA_TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	FA_TOML_DATE_LOCAL,     /* 1979-05-27 */
	FA_TOML_TIME_LOCAL,     /* 07:32:00 */
} fa_toml_type;

/* A parsed document (opaque). */
typedef struct fa_toml fa_toml;
/* One value in a document (opaque, borrowed from the document). */
typedef struct fa_toml_value fa_toml_value;

/* Why a parse failed. line and column are 1-based (column counts bytes); both are 0
 * only for FA_TOML_EARG and FA_TOML_ENOMEM. msg is one line, lowercase, no trailing
 * period and no position: the caller writes "fly.toml:3: duplicate key 'app'". */
typedef struct fa_toml_error {
	int code;      /* the FA_TOML_E* returned */
	unsigned line;
	unsigned column;
	char msg[160];
} fa_toml_error;

/* A table key as written, after unquoting (a quoted key may hold any UTF-8, even NUL:
 * use len). line/column: where the key starts; for a table created by a [header] or
 * by a dotted key, where its name first appears. */
typedef struct fa_toml_key {
	const char *name; /* NUL-terminated */
	size_t len;
	unsigned line;
	unsigned column;
} fa_toml_key;

/* A datetime's fields. Which ones mean something depends on the value's type: a date
 * (year, month, day), a time (hour, minute, second, nanosecond), an offset (offset_minutes,
 * east of UTC: +05:30 is 330; Z and +00:00 are 0). Digits of a fraction beyond
 * nanoseconds are dropped (truncated), as TOML allows. */
typedef struct fa_toml_datetime {
	int year, month, day;
	int hour, minute, second;
	long nanosecond;
	int offset_minutes;
} fa_toml_datetime;

/* ---- parsing ---------------------------------------------------------------------- */

/* Parses `len` bytes of `text` (need not be NUL-terminated; NUL bytes in it are errors).
 * On success returns 0 and sets *out (free it with fa_toml_free). On failure returns an
 * FA_TOML_E* code, leaves *out NULL and fills *err if err is not NULL. */
int fa_toml_parse(fa_toml **out, const char *text, size_t len, fa_toml_error *err);

/* Frees a document and everything in it, every string wiped first (an [env] value may be
 * a credential). NULL is fine. */
void fa_toml_free(fa_toml *doc);

/* The root table (never NULL for a parsed document; NULL when doc is NULL). */
const fa_toml_value *fa_toml_root(const fa_toml *doc);

/* ---- any value ---------------------------------------------------------------------- */

/* The type of v, or 0 when v is NULL. */
fa_toml_type fa_toml_type_of(const fa_toml_value *v);
/* "table", "array", "string", "integer", "float", "bool", "datetime", "datetime-local",
 * "date-local", "time-local" (the toml-test names), or "none" for anything else. */
const char *fa_toml_type_name(fa_toml_type t);
/* Where v starts (1-based line, byte column); 0 when v is NULL. For a scalar, array or
 * inline table: its first character. For a table from a [header] or [[header]]: the
 * header's line. For a table created implicitly (by [a.b] or a dotted key a.b = 1): where
 * its name first appeared; once a later [header] defines it, that header. The root table
 * is line 1, column 1. */
unsigned fa_toml_line(const fa_toml_value *v);
unsigned fa_toml_column(const fa_toml_value *v);

/* ---- tables ------------------------------------------------------------------------- */

/* The number of keys in table t (0 when t is not a table). */
size_t fa_toml_table_size(const fa_toml_value *t);
/* The i-th entry of table t in document order (0-based); its key into *key when key is
 * not NULL. NULL (key untouched) when t is not a table or i is out of range. */
const fa_toml_value *fa_toml_table_at(const fa_toml_value *t, size_t i, fa_toml_key *key);
/* The value of `key` (NUL-terminated, one key: not split at dots) in table t, or NULL
 * when t is not a table or has no such key. */
const fa_toml_value *fa_toml_table_get(const fa_toml_value *t, const char *key);
/* Same with a key of `len` bytes, and its key into *k when found and k is not NULL. */
const fa_toml_value *fa_toml_table_getn(const fa_toml_value *t, const char *key, size_t len,
					fa_toml_key *k);
/* Follows a dotted path of bare keys from table t: "http_service.force_https" is
 * fa_toml_table_get(fa_toml_table_get(t, "http_service"), "force_https"). Arrays are not
 * entered. NULL when any step is missing or not a table. (Keys that contain '.' need
 * fa_toml_table_get.) */
const fa_toml_value *fa_toml_get(const fa_toml_value *t, const char *path);

/* ---- arrays (both [1, 2] and arrays of tables [[services]]) ----------------------- */

/* The number of elements of array a (0 when a is not an array). */
size_t fa_toml_array_size(const fa_toml_value *a);
/* The i-th element (0-based), or NULL when a is not an array or i is out of range. */
const fa_toml_value *fa_toml_array_at(const fa_toml_value *a, size_t i);

/* ---- scalars ------------------------------------------------------------------------ */
/* Each returns 0 and sets *out, or FA_TOML_ETYPE (out untouched) when v is NULL or of
 * another type, so a lookup chains: fa_toml_as_bool(fa_toml_get(root, "x.y"), &b). */

/* A string: *out is NUL-terminated valid UTF-8 (it may hold NUL itself, from "\u0000":
 * *len, when len is not NULL, is the full length). */
int fa_toml_as_string(const fa_toml_value *v, const char **out, size_t *len);
int fa_toml_as_int(const fa_toml_value *v, int64_t *out);
/* A float only (an integer is not converted). nan and inf come through as such. */
int fa_toml_as_float(const fa_toml_value *v, double *out);
int fa_toml_as_bool(const fa_toml_value *v, bool *out);
/* Any of the four datetime types (see fa_toml_type_of for which fields are set). */
int fa_toml_as_datetime(const fa_toml_value *v, fa_toml_datetime *out);

/* Writes a datetime value as RFC 3339 text (the local kinds without the missing parts:
 * "1979-05-27T07:32:00.5-07:00", "1979-05-27T07:32:00", "1979-05-27", "07:32:00"; an
 * offset of 0 is "Z"; the fraction without trailing zeros) into buf, NUL-terminated.
 * Returns the length, or 0 when v is not a datetime or bufsize is below 40. */
size_t fa_toml_datetime_str(const fa_toml_value *v, char *buf, size_t bufsize);

#endif
