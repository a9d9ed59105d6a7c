/* toml.c: the TOML 1.0 parser behind include/flyaudit/toml.h (bytes in, tree out).
 * One pass over the text after a UTF-8 check; recursion only into arrays and inline
 * tables, bounded by FA_TOML_MAX_DEPTH. */
#include "flyaudit/toml.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/buf.h"

typedef struct entry {
	char *key;
	size_t keylen;
	unsigned line, column;
	fa_toml_value *val;
} entry;

struct fa_toml_value {
	fa_toml_type type;
	unsigned flags;
	unsigned line, column;
	unsigned depth;
	union {
		struct {
			char *s;
			size_t len;
		} str;
		int64_t i;
		double f;
		bool b;
		fa_toml_datetime dt;
		struct {
			entry *items;
			size_t n, cap;
			uint32_t *idx; /* open addressing: item index + 1; 0 = empty */
			size_t idx_cap;
		} tab;
		struct {
			fa_toml_value **items;
			size_t n, cap;
		} arr;
	} u;
};

struct fa_toml {
	fa_toml_value *root;
};

static void value_free(fa_toml_value *v)
{
	size_t i;

	if (!v)
		return;
	if (v->type == FA_TOML_TABLE) {
		for (i = 0; i < v->u.tab.n; i++) {
			free(v->u.tab.items[i].key);
			value_free(v->u.tab.items[i].val);
		}
		free(v->u.tab.items);
		free(v->u.tab.idx);
	} else if (v->type == FA_TOML_ARRAY) {
		for (i = 0; i < v->u.arr.n; i++)
			value_free(v->u.arr.items[i]);
		free(v->u.arr.items);
	} else if (v->type == FA_TOML_STRING) {
		/* strings are wiped before they are freed: an [env] value may be a credential */
		if (v->u.str.s)
			fa_memzero(v->u.str.s, v->u.str.len);
		free(v->u.str.s);
	}
	free(v);
}

/* ---- the parser ------------------------------------------------------------------- */

/* Table flags: how a table came to be, which decides what may still add to it. A table
 * with none of the first three was created implicitly by a [a.b] header: a later [a]
 * may still define it. */
#define T_DEFINED 1u /* by a [header] or [[header]] element: not again */
#define T_DOTTED 2u  /* by a dotted key: no [header] for it, dotted keys may enter */
#define T_INLINE 4u  /* an inline table { }: sealed */
#define A_TABLES 8u  /* an array made by [[header]]: more [[header]] may append */

#define HASH_FROM 16 /* tables with more keys get a hash index */

typedef struct parser {
	const char *start, *p, *end;
	fa_toml_error *err;
	int rc;
	fa_toml_value *root;
	fa_toml_value *cur; /* the table key/values go to */
	/* a cache for positions: the line of `mark` and where that line starts */
	const char *mark, *mark_line_start;
	unsigned mark_line;
} parser;

typedef struct kpart {
	char *s;
	size_t len;
	const char *at;
	unsigned line, column; /* of `at`, taken while reading forward */
} kpart;

typedef struct keypath {
	kpart *parts;
	size_t n, cap;
} keypath;

/* The line and column of `at`. Cheap when called in document order, as the parser does
 * for every node (keys and headers take their position before what follows them is read);
 * going back (only for an error message) counts again from the start. */
static void where(parser *ps, const char *at, unsigned *line, unsigned *column)
{
	const char *q;

	if (at < ps->mark) {
		ps->mark = ps->start;
		ps->mark_line_start = ps->start;
		ps->mark_line = 1;
	}
	for (q = ps->mark; q < at; q++) {
		if (*q == '\n') {
			ps->mark_line++;
			ps->mark_line_start = q + 1;
		}
	}
	ps->mark = at;
	*line = ps->mark_line;
	*column = (unsigned)(at - ps->mark_line_start) + 1;
}

/* Records the first error; returns its code. Messages never quote value text. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int fail(parser *ps, const char *at, int code, const char *fmt, ...)
{
	va_list ap;

	if (ps->rc)
		return ps->rc;
	ps->rc = code;
	if (!ps->err)
		return code;
	ps->err->code = code;
	if (at) {
		if (at > ps->end)
			at = ps->end;
		where(ps, at, &ps->err->line, &ps->err->column);
	} else {
		ps->err->line = 0;
		ps->err->column = 0;
	}
	va_start(ap, fmt);
	vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static int oom(parser *ps)
{
	return fail(ps, NULL, FA_TOML_ENOMEM, "out of memory");
}

/* A key for a message: printable ASCII, at most 40 bytes, the rest as '?'. */
static const char *show_key(const char *s, size_t n, char out[48])
{
	size_t i, o = 0;

	for (i = 0; i < n && o < 40; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\'') ? s[i] : '?';
	if (i < n) {
		out[o++] = '.';
		out[o++] = '.';
		out[o++] = '.';
	}
	out[o] = '\0';
	return out;
}

/* ---- the whole text: UTF-8 and control characters --------------------------------- */

/* TOML never allows a raw control character other than tab and newline (LF or CRLF),
 * nor DEL, anywhere, and the whole document is UTF-8: checked once, up front, so the
 * grammar below only meets those. */
static int check_text(parser *ps)
{
	const unsigned char *p = (const unsigned char *)ps->start;
	const unsigned char *e = (const unsigned char *)ps->end;

	while (p < e) {
		unsigned c = *p;
		size_t need, i;
		unsigned lo = 0x80, hi = 0xbf;

		if (c < 0x80) {
			if (c == '\r') {
				if (p + 1 < e && p[1] == '\n') {
					p += 2;
					continue;
				}
				return fail(ps, (const char *)p, FA_TOML_ESYNTAX,
					    "carriage return not followed by a newline");
			}
			if (c == 0)
				return fail(ps, (const char *)p, FA_TOML_ESYNTAX, "NUL byte");
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				return fail(ps, (const char *)p, FA_TOML_ESYNTAX,
					    "control character U+%04X (write it as an escape in a string)", c);
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f; /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else {
			return fail(ps, (const char *)p, FA_TOML_ESYNTAX, "invalid UTF-8");
		}
		if ((size_t)(e - p) <= need)
			return fail(ps, (const char *)p, FA_TOML_ESYNTAX, "invalid UTF-8");
		for (i = 1; i <= need; i++) {
			unsigned b = p[i];

			if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xbf))
				return fail(ps, (const char *)p, FA_TOML_ESYNTAX, "invalid UTF-8");
		}
		p += need + 1;
	}
	return 0;
}

/* ---- nodes and tables --------------------------------------------------------------- */

/* A node at a position already taken (at: for an error message only). */
static fa_toml_value *value_at(parser *ps, fa_toml_type type, const char *at, unsigned line,
			       unsigned column, unsigned depth)
{
	fa_toml_value *v;

	if (depth > FA_TOML_MAX_DEPTH) {
		fail(ps, at, FA_TOML_ELIMIT, "nested deeper than %d levels", FA_TOML_MAX_DEPTH);
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		oom(ps);
		return NULL;
	}
	v->type = type;
	v->depth = depth;
	v->line = line;
	v->column = column;
	return v;
}

/* A node that starts at `at`, the parser's current place. */
static fa_toml_value *new_value(parser *ps, fa_toml_type type, const char *at, unsigned depth)
{
	unsigned line, column;

	where(ps, at, &line, &column);
	return value_at(ps, type, at, line, column, depth);
}

static uint32_t hash_key(const char *k, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 16777619u;
	}
	return h;
}

static entry *table_find(const fa_toml_value *t, const char *k, size_t n)
{
	size_t i;

	if (t->u.tab.idx) {
		size_t mask = t->u.tab.idx_cap - 1;

		for (i = hash_key(k, n) & mask; t->u.tab.idx[i]; i = (i + 1) & mask) {
			entry *e = &t->u.tab.items[t->u.tab.idx[i] - 1];

			if (e->keylen == n && memcmp(e->key, k, n) == 0)
				return e;
		}
		return NULL;
	}
	for (i = 0; i < t->u.tab.n; i++) {
		entry *e = &t->u.tab.items[i];

		if (e->keylen == n && memcmp(e->key, k, n) == 0)
			return e;
	}
	return NULL;
}

static void index_put(fa_toml_value *t, size_t item)
{
	size_t mask = t->u.tab.idx_cap - 1;
	const entry *e = &t->u.tab.items[item];
	size_t i;

	for (i = hash_key(e->key, e->keylen) & mask; t->u.tab.idx[i]; i = (i + 1) & mask)
		;
	t->u.tab.idx[i] = (uint32_t)item + 1;
}

/* Adds key -> val to table t (the key must be new). Takes ownership of key and val,
 * freeing them on failure. */
static int table_add(parser *ps, fa_toml_value *t, kpart *k, fa_toml_value *val)
{
	entry *e;

	if (t->u.tab.n == t->u.tab.cap) {
		size_t cap = t->u.tab.cap ? t->u.tab.cap * 2 : 4;
		entry *items = realloc(t->u.tab.items, cap * sizeof(*items));

		if (!items)
			goto nomem;
		t->u.tab.items = items;
		t->u.tab.cap = cap;
	}
	if (t->u.tab.n + 1 > HASH_FROM && (t->u.tab.n + 1) * 2 > t->u.tab.idx_cap) {
		size_t cap = 64, i;
		uint32_t *idx;

		while (cap < (t->u.tab.n + 1) * 4)
			cap *= 2;
		idx = calloc(cap, sizeof(*idx));
		if (!idx)
			goto nomem;
		free(t->u.tab.idx);
		t->u.tab.idx = idx;
		t->u.tab.idx_cap = cap;
		for (i = 0; i < t->u.tab.n; i++)
			index_put(t, i);
	}
	e = &t->u.tab.items[t->u.tab.n];
	e->key = k->s;
	e->keylen = k->len;
	e->line = k->line;
	e->column = k->column;
	e->val = val;
	k->s = NULL;
	if (t->u.tab.idx)
		index_put(t, t->u.tab.n);
	t->u.tab.n++;
	return 0;
nomem:
	free(k->s);
	k->s = NULL;
	value_free(val);
	return oom(ps);
}

static int array_add(parser *ps, fa_toml_value *a, fa_toml_value *val)
{
	if (a->u.arr.n == a->u.arr.cap) {
		size_t cap = a->u.arr.cap ? a->u.arr.cap * 2 : 4;
		fa_toml_value **items = realloc(a->u.arr.items, cap * sizeof(*items));

		if (!items) {
			value_free(val);
			return oom(ps);
		}
		a->u.arr.items = items;
		a->u.arr.cap = cap;
	}
	a->u.arr.items[a->u.arr.n++] = val;
	return 0;
}

/* ---- small scanners ---------------------------------------------------------------- */

static bool at_end(const parser *ps)
{
	return ps->p >= ps->end;
}

static bool at_newline(const parser *ps)
{
	/* check_text saw to it that a CR is always followed by a LF */
	return !at_end(ps) && (*ps->p == '\n' || *ps->p == '\r');
}

static void eat_newline(parser *ps)
{
	ps->p += *ps->p == '\r' ? 2 : 1;
}

static void skip_ws(parser *ps)
{
	while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
		ps->p++;
}

static void skip_comment(parser *ps)
{
	if (!at_end(ps) && *ps->p == '#')
		while (!at_end(ps) && !at_newline(ps))
			ps->p++;
}

/* Whitespace, newlines and comments (between array elements). */
static void skip_blank(parser *ps)
{
	for (;;) {
		skip_ws(ps);
		skip_comment(ps);
		if (!at_newline(ps))
			return;
		eat_newline(ps);
	}
}

static int end_of_line(parser *ps, const char *after)
{
	skip_ws(ps);
	skip_comment(ps);
	if (at_end(ps))
		return 0;
	if (at_newline(ps)) {
		eat_newline(ps);
		return 0;
	}
	return fail(ps, ps->p, FA_TOML_ESYNTAX, "expected the end of the line after %s", after);
}

static bool is_bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ---- strings ----------------------------------------------------------------------- */

static int put_utf8(fa_buf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return fa_buf_add(b, u, n);
}

/* One escape after a backslash in a basic string (ps->p at the backslash). */
static int escape(parser *ps, fa_buf *b, bool multi)
{
	const char *at = ps->p;
	char c;
	const char *rep = NULL;

	if (ps->end - ps->p < 2)
		return fail(ps, at, FA_TOML_ESYNTAX, "unterminated string");
	c = ps->p[1];
	switch (c) {
	case 'b': rep = "\b"; break;
	case 't': rep = "\t"; break;
	case 'n': rep = "\n"; break;
	case 'f': rep = "\f"; break;
	case 'r': rep = "\r"; break;
	case '"': rep = "\""; break;
	case '\\': rep = "\\"; break;
	default: break;
	}
	if (rep) {
		ps->p += 2;
		return fa_buf_add(b, rep, 1) ? oom(ps) : 0;
	}
	if (c == 'u' || c == 'U') {
		int n = c == 'u' ? 4 : 8, i;
		uint32_t cp = 0;

		if (ps->end - ps->p < 2 + n)
			return fail(ps, at, FA_TOML_ESYNTAX, "short \\%c escape", c);
		for (i = 0; i < n; i++) {
			int h = hexval(ps->p[2 + i]);

			if (h < 0)
				return fail(ps, at, FA_TOML_ESYNTAX, "bad hex digit in a \\%c escape", c);
			cp = cp << 4 | (uint32_t)h;
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail(ps, at, FA_TOML_ESYNTAX,
				    "\\%c escape is not a Unicode scalar value", c);
		ps->p += 2 + n;
		return put_utf8(b, cp) ? oom(ps) : 0;
	}
	if (multi && (c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
		/* line-ending backslash: trims whitespace and newlines up to the next text */
		ps->p++;
		skip_ws(ps);
		if (!at_newline(ps))
			return fail(ps, at, FA_TOML_ESYNTAX, "a backslash followed by spaces must end the line");
		while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t' || at_newline(ps))) {
			if (at_newline(ps))
				eat_newline(ps);
			else
				ps->p++;
		}
		return 0;
	}
	if (c > 0x20 && c < 0x7f)
		return fail(ps, at, FA_TOML_ESYNTAX, "invalid escape '\\%c'", c);
	return fail(ps, at, FA_TOML_ESYNTAX, "invalid escape");
}

/* A string of any of the four kinds, ps->p at its opening quote. On success the text
 * is in *out (caller frees). Keys pass allow_multi = false. */
static int parse_string(parser *ps, bool allow_multi, char **out, size_t *outlen)
{
	const char *open = ps->p;
	char q = *ps->p;
	bool multi = ps->end - ps->p >= 3 && ps->p[1] == q && ps->p[2] == q;
	fa_buf b = FA_BUF_INIT(FA_TOML_MAX_INPUT + 1);
	int rc = 0;

	if (multi && !allow_multi)
		return fail(ps, open, FA_TOML_ESYNTAX, "a multi-line string cannot be a key");
	ps->p += multi ? 3 : 1;
	if (multi && at_newline(ps))
		eat_newline(ps); /* a newline right after the opening quotes is trimmed */
	for (;;) {
		const char *run = ps->p;

		while (!at_end(ps) && *ps->p != q && *ps->p != '\n' && *ps->p != '\r' &&
		       !(q == '"' && *ps->p == '\\'))
			ps->p++;
		if (ps->p > run && fa_buf_add(&b, run, (size_t)(ps->p - run))) {
			rc = oom(ps);
			goto out;
		}
		if (at_end(ps)) {
			rc = fail(ps, open, FA_TOML_ESYNTAX, "unterminated string");
			goto out;
		}
		if (*ps->p == q) {
			size_t n = 0;

			if (!multi) {
				ps->p++;
				break;
			}
			while (ps->p + n < ps->end && ps->p[n] == q)
				n++;
			if (n >= 3) {
				if (n > 5) {
					rc = fail(ps, ps->p, FA_TOML_ESYNTAX, "too many quotes closing a string");
					goto out;
				}
				if (n > 3 && fa_buf_add(&b, ps->p, n - 3)) {
					rc = oom(ps);
					goto out;
				}
				ps->p += n;
				break;
			}
			if (fa_buf_add(&b, ps->p, n)) {
				rc = oom(ps);
				goto out;
			}
			ps->p += n;
		} else if (*ps->p == '\\') {
			if ((rc = escape(ps, &b, multi)) != 0)
				goto out;
		} else { /* a newline */
			if (!multi) {
				rc = fail(ps, ps->p, FA_TOML_ESYNTAX, "newline in a single-line string");
				goto out;
			}
			if (fa_buf_add(&b, "\n", 1)) {
				rc = oom(ps);
				goto out;
			}
			eat_newline(ps);
		}
	}
	if (!b.data) { /* the empty string */
		b.data = calloc(1, 1);
		if (!b.data) {
			rc = oom(ps);
			goto out;
		}
	}
	*outlen = b.len;
	*out = b.data;
	return 0;
out:
	fa_buf_release(&b);
	return rc;
}

/* ---- keys --------------------------------------------------------------------------- */

static void keypath_release(keypath *kp)
{
	size_t i;

	for (i = 0; i < kp->n; i++)
		free(kp->parts[i].s);
	free(kp->parts);
	kp->parts = NULL;
	kp->n = kp->cap = 0;
}

/* A key: simple keys joined by dots (whitespace allowed around the dots). */
static int parse_key(parser *ps, keypath *kp)
{
	for (;;) {
		kpart k = { NULL, 0, ps->p, 0, 0 };
		int rc;

		where(ps, ps->p, &k.line, &k.column);
		if (at_end(ps))
			return fail(ps, ps->p, FA_TOML_ESYNTAX, "expected a key");
		if (*ps->p == '"' || *ps->p == '\'') {
			if ((rc = parse_string(ps, false, &k.s, &k.len)) != 0)
				return rc;
		} else if (is_bare(*ps->p)) {
			const char *s = ps->p;

			while (!at_end(ps) && is_bare(*ps->p))
				ps->p++;
			k.len = (size_t)(ps->p - s);
			k.s = malloc(k.len + 1);
			if (!k.s)
				return oom(ps);
			memcpy(k.s, s, k.len);
			k.s[k.len] = '\0';
		} else {
			return fail(ps, ps->p, FA_TOML_ESYNTAX, "expected a key");
		}
		if (kp->n == kp->cap) {
			size_t cap = kp->cap ? kp->cap * 2 : 4;
			kpart *parts;

			if (kp->n > FA_TOML_MAX_DEPTH) {
				free(k.s);
				return fail(ps, k.at, FA_TOML_ELIMIT, "a key with more than %d parts",
					    FA_TOML_MAX_DEPTH);
			}
			parts = realloc(kp->parts, cap * sizeof(*parts));
			if (!parts) {
				free(k.s);
				return oom(ps);
			}
			kp->parts = parts;
			kp->cap = cap;
		}
		kp->parts[kp->n++] = k;
		skip_ws(ps);
		if (at_end(ps) || *ps->p != '.')
			return 0;
		ps->p++;
		skip_ws(ps);
	}
}

/* ---- numbers and datetimes ------------------------------------------------------------ */

static bool is_digit_base(char c, int base)
{
	switch (base) {
	case 16: return hexval(c) >= 0;
	case 8: return c >= '0' && c <= '7';
	case 2: return c == '0' || c == '1';
	default: return is_digit(c);
	}
}

/* Digits with single underscores between them; returns how many bytes, 0 if none or an
 * underscore is misplaced. */
static size_t digit_run(const char *s, size_t n, int base, bool *bad)
{
	size_t i = 1;

	*bad = false;
	if (n == 0 || !is_digit_base(s[0], base)) {
		*bad = true;
		return 0;
	}
	while (i < n) {
		if (s[i] == '_') {
			if (i + 1 < n && is_digit_base(s[i + 1], base)) {
				i += 2;
				continue;
			}
			*bad = true;
			return 0;
		}
		if (!is_digit_base(s[i], base))
			break;
		i++;
	}
	return i;
}

static int int_value(parser *ps, const char *at, const char *s, size_t n, int base, bool neg,
		     int64_t *out)
{
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] == '_')
			continue;
		d = (unsigned)hexval(s[i]);
		if (v > (limit - d) / (uint64_t)base)
			return fail(ps, at, FA_TOML_ESYNTAX, "integer does not fit in 64 bits");
		v = v * (uint64_t)base + d;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

static int float_value(parser *ps, const char *at, const char *s, size_t n, double *out)
{
	const char *dp = localeconv()->decimal_point;
	size_t dpl = strlen(dp), i, o = 0;
	char *tmp = malloc(n * (dpl ? dpl : 1) + 1), *endp = NULL;
	double d;

	if (!tmp)
		return oom(ps);
	for (i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		if (s[i] == '.') {
			memcpy(tmp + o, dp, dpl);
			o += dpl;
		} else {
			tmp[o++] = s[i];
		}
	}
	tmp[o] = '\0';
	errno = 0;
	d = strtod(tmp, &endp);
	if (endp != tmp + o) {
		free(tmp);
		return fail(ps, at, FA_TOML_ESYNTAX, "invalid float");
	}
	free(tmp);
	if (errno == ERANGE && isinf(d))
		return fail(ps, at, FA_TOML_ESYNTAX, "float out of range");
	*out = d;
	return 0;
}

/* An integer or a float: the token ps->p .. first byte that cannot be in a number. */
static fa_toml_value *parse_number(parser *ps, unsigned depth)
{
	const char *at = ps->p, *s = ps->p, *e = ps->p;
	fa_toml_value *v = NULL;
	bool neg = false, bad = false;
	size_t n, k;

	while (e < ps->end && (is_bare(*e) || *e == '.' || *e == '+'))
		e++;
	ps->p = e;
	n = (size_t)(e - s);
	if (n && (*s == '+' || *s == '-')) {
		neg = *s == '-';
		s++;
		n--;
	}
	if ((n == 3 && memcmp(s, "inf", 3) == 0) || (n == 3 && memcmp(s, "nan", 3) == 0)) {
		if (!(v = new_value(ps, FA_TOML_FLOAT, at, depth)))
			return NULL;
		v->u.f = s[0] == 'i' ? (neg ? -HUGE_VAL : HUGE_VAL) : (neg ? -NAN : NAN);
		return v;
	}
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o' || s[1] == 'b')) {
		int base = s[1] == 'x' ? 16 : s[1] == 'o' ? 8 : 2;

		if (s != at) {
			fail(ps, at, FA_TOML_ESYNTAX, "a sign before a hex, octal or binary integer");
			return NULL;
		}
		k = digit_run(s + 2, n - 2, base, &bad);
		if (bad || k != n - 2) {
			fail(ps, at, FA_TOML_ESYNTAX, "invalid integer");
			return NULL;
		}
		if (!(v = new_value(ps, FA_TOML_INTEGER, at, depth)))
			return NULL;
		if (int_value(ps, at, s + 2, n - 2, base, false, &v->u.i)) {
			value_free(v);
			return NULL;
		}
		return v;
	}
	k = digit_run(s, n, 10, &bad);
	if (bad) {
		fail(ps, at, FA_TOML_ESYNTAX, "invalid number");
		return NULL;
	}
	if (k > 1 && s[0] == '0') {
		fail(ps, at, FA_TOML_ESYNTAX, "leading zero in a number");
		return NULL;
	}
	if (k == n) {
		if (!(v = new_value(ps, FA_TOML_INTEGER, at, depth)))
			return NULL;
		if (int_value(ps, at, s, n, 10, neg, &v->u.i)) {
			value_free(v);
			return NULL;
		}
		return v;
	}
	/* a float: int part, then a fraction and/or an exponent */
	{
		size_t i = k, m;

		if (s[i] == '.') {
			i++;
			m = digit_run(s + i, n - i, 10, &bad);
			if (bad)
				goto badfloat;
			i += m;
		}
		if (i < n && (s[i] == 'e' || s[i] == 'E')) {
			i++;
			if (i < n && (s[i] == '+' || s[i] == '-'))
				i++;
			m = digit_run(s + i, n - i, 10, &bad);
			if (bad)
				goto badfloat;
			i += m;
		}
		if (i != n || i == k)
			goto badfloat;
	}
	if (!(v = new_value(ps, FA_TOML_FLOAT, at, depth)))
		return NULL;
	if (float_value(ps, at, at, (size_t)(e - at), &v->u.f)) {
		value_free(v);
		return NULL;
	}
	return v;
badfloat:
	fail(ps, at, FA_TOML_ESYNTAX, "invalid number");
	return NULL;
}

static int digits2(const char *s)
{
	return is_digit(s[0]) && is_digit(s[1]) ? (s[0] - '0') * 10 + (s[1] - '0') : -1;
}

static int days_in(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 29;
	return days[month - 1];
}

/* HH:MM:SS[.frac] at ps->p into dt; false when malformed. */
static bool parse_time(parser *ps, fa_toml_datetime *dt)
{
	const char *s = ps->p;

	if (ps->end - s < 8 || s[2] != ':' || s[5] != ':')
		return false;
	dt->hour = digits2(s);
	dt->minute = digits2(s + 3);
	dt->second = digits2(s + 6);
	if (dt->hour < 0 || dt->hour > 23 || dt->minute < 0 || dt->minute > 59 || dt->second < 0 ||
	    dt->second > 60)
		return false;
	ps->p = s + 8;
	if (!at_end(ps) && *ps->p == '.') {
		long scale = 100000000;

		ps->p++;
		if (at_end(ps) || !is_digit(*ps->p))
			return false;
		while (!at_end(ps) && is_digit(*ps->p)) {
			dt->nanosecond += (*ps->p - '0') * scale;
			scale /= 10;
			ps->p++;
		}
	}
	return true;
}

static fa_toml_value *parse_datetime(parser *ps, unsigned depth)
{
	const char *at = ps->p, *s = ps->p;
	fa_toml_datetime dt;
	fa_toml_type type;
	fa_toml_value *v;

	memset(&dt, 0, sizeof(dt));
	if (ps->end - s >= 10 && s[4] == '-') {
		int hi = digits2(s), lo = digits2(s + 2);

		if (hi < 0 || lo < 0 || s[7] != '-')
			goto bad;
		dt.year = hi * 100 + lo;
		dt.month = digits2(s + 5);
		dt.day = digits2(s + 8);
		if (dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > days_in(dt.year, dt.month))
			goto bad;
		ps->p = s + 10;
		type = FA_TOML_DATE_LOCAL;
		if (ps->end - ps->p >= 3 &&
		    (*ps->p == 'T' || *ps->p == 't' || (*ps->p == ' ' && digits2(ps->p + 1) >= 0))) {
			ps->p++;
			if (!parse_time(ps, &dt))
				goto bad;
			type = FA_TOML_DATETIME_LOCAL;
			if (!at_end(ps) && (*ps->p == 'Z' || *ps->p == 'z')) {
				ps->p++;
				type = FA_TOML_DATETIME;
			} else if (!at_end(ps) && (*ps->p == '+' || *ps->p == '-')) {
				int oh, om;

				if (ps->end - ps->p < 6 || ps->p[3] != ':')
					goto bad;
				oh = digits2(ps->p + 1);
				om = digits2(ps->p + 4);
				if (oh < 0 || oh > 23 || om < 0 || om > 59)
					goto bad;
				dt.offset_minutes = (*ps->p == '-' ? -1 : 1) * (oh * 60 + om);
				ps->p += 6;
				type = FA_TOML_DATETIME;
			}
		}
	} else {
		if (!parse_time(ps, &dt))
			goto bad;
		type = FA_TOML_TIME_LOCAL;
	}
	if (!at_end(ps) && (is_bare(*ps->p) || *ps->p == '.' || *ps->p == ':' || *ps->p == '+'))
		goto bad;
	if (!(v = new_value(ps, type, at, depth)))
		return NULL;
	v->u.dt = dt;
	return v;
bad:
	fail(ps, at, FA_TOML_ESYNTAX, "invalid date or time");
	return NULL;
}

/* ---- values ----------------------------------------------------------------------- */

static fa_toml_value *parse_value(parser *ps, unsigned depth);
static int keyval(parser *ps, fa_toml_value *t);

static fa_toml_value *parse_array(parser *ps, unsigned depth)
{
	fa_toml_value *a = new_value(ps, FA_TOML_ARRAY, ps->p, depth);

	if (!a)
		return NULL;
	ps->p++;
	for (;;) {
		fa_toml_value *v;

		skip_blank(ps);
		if (at_end(ps))
			goto unterminated;
		if (*ps->p == ']')
			break;
		if (!(v = parse_value(ps, depth + 1)) || array_add(ps, a, v))
			goto fail;
		skip_blank(ps);
		if (at_end(ps))
			goto unterminated;
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']')
			break;
		fail(ps, ps->p, FA_TOML_ESYNTAX, "expected ',' or ']' in an array");
		goto fail;
	}
	ps->p++;
	return a;
unterminated:
	fail(ps, ps->p, FA_TOML_ESYNTAX, "unterminated array");
fail:
	value_free(a);
	return NULL;
}

static fa_toml_value *parse_inline_table(parser *ps, unsigned depth)
{
	fa_toml_value *t = new_value(ps, FA_TOML_TABLE, ps->p, depth);

	if (!t)
		return NULL;
	t->flags = T_INLINE;
	ps->p++;
	skip_ws(ps);
	if (!at_end(ps) && *ps->p == '}') {
		ps->p++;
		return t;
	}
	for (;;) {
		skip_ws(ps);
		if (keyval(ps, t))
			goto fail;
		skip_ws(ps);
		if (at_end(ps) || at_newline(ps)) {
			fail(ps, ps->p, FA_TOML_ESYNTAX, "unterminated inline table (it must be on one line)");
			goto fail;
		}
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}')
			break;
		fail(ps, ps->p, FA_TOML_ESYNTAX, "expected ',' or '}' in an inline table");
		goto fail;
	}
	ps->p++;
	return t;
fail:
	value_free(t);
	return NULL;
}

static fa_toml_value *parse_value(parser *ps, unsigned depth)
{
	const char *s = ps->p;
	size_t left = (size_t)(ps->end - ps->p);
	fa_toml_value *v;

	if (depth > FA_TOML_MAX_DEPTH) {
		fail(ps, s, FA_TOML_ELIMIT, "nested deeper than %d levels", FA_TOML_MAX_DEPTH);
		return NULL;
	}
	if (!left || at_newline(ps) || *s == '#') {
		fail(ps, s, FA_TOML_ESYNTAX, "expected a value");
		return NULL;
	}
	switch (*s) {
	case '"':
	case '\'':
		if (!(v = new_value(ps, FA_TOML_STRING, s, depth)))
			return NULL;
		if (parse_string(ps, true, &v->u.str.s, &v->u.str.len)) {
			value_free(v);
			return NULL;
		}
		return v;
	case '[':
		return parse_array(ps, depth);
	case '{':
		return parse_inline_table(ps, depth);
	case 't':
	case 'f': {
		bool b = *s == 't';
		size_t n = b ? 4 : 5;

		if (left < n || memcmp(s, b ? "true" : "false", n) != 0 ||
		    (left > n && (is_bare(s[n]) || s[n] == '.'))) {
			fail(ps, s, FA_TOML_ESYNTAX, "expected a value");
			return NULL;
		}
		if (!(v = new_value(ps, FA_TOML_BOOL, s, depth)))
			return NULL;
		v->u.b = b;
		ps->p += n;
		return v;
	}
	default:
		break;
	}
	if (left >= 5 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
	    s[4] == '-')
		return parse_datetime(ps, depth);
	if (left >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':')
		return parse_datetime(ps, depth);
	if (is_digit(*s) || *s == '+' || *s == '-' || *s == 'i' || *s == 'n')
		return parse_number(ps, depth);
	fail(ps, s, FA_TOML_ESYNTAX, "expected a value");
	return NULL;
}

/* key = value, into table t (the current table, or an inline table being read). */
static int keyval(parser *ps, fa_toml_value *t)
{
	keypath kp = { NULL, 0, 0 };
	fa_toml_value *v = NULL;
	char shown[48];
	size_t i;
	int rc;

	if ((rc = parse_key(ps, &kp)) != 0)
		goto out;
	if (at_end(ps) || *ps->p != '=') {
		rc = fail(ps, ps->p, FA_TOML_ESYNTAX, "expected '=' after a key");
		goto out;
	}
	ps->p++;
	skip_ws(ps);
	/* dotted keys: enter or create the tables on the way */
	for (i = 0; i + 1 < kp.n; i++) {
		kpart *k = &kp.parts[i];
		entry *e = table_find(t, k->s, k->len);

		if (e) {
			if (e->val->type != FA_TOML_TABLE || !(e->val->flags & T_DOTTED) ||
			    (e->val->flags & T_INLINE)) {
				rc = fail(ps, k->at, FA_TOML_ESYNTAX,
					  "key '%s' is already defined and cannot be extended with a dotted key",
					  show_key(k->s, k->len, shown));
				goto out;
			}
			t = e->val;
		} else {
			fa_toml_value *nt = value_at(ps, FA_TOML_TABLE, k->at, k->line, k->column,
						     t->depth + 1);

			if (!nt || table_add(ps, t, k, nt)) {
				rc = ps->rc;
				goto out;
			}
			nt->flags = T_DOTTED;
			t = nt;
		}
	}
	if (table_find(t, kp.parts[kp.n - 1].s, kp.parts[kp.n - 1].len)) {
		kpart *k = &kp.parts[kp.n - 1];

		rc = fail(ps, k->at, FA_TOML_ESYNTAX, "duplicate key '%s'",
			  show_key(k->s, k->len, shown));
		goto out;
	}
	if (!(v = parse_value(ps, t->depth + 1)) || table_add(ps, t, &kp.parts[kp.n - 1], v)) {
		rc = ps->rc;
		goto out;
	}
	rc = 0;
out:
	keypath_release(&kp);
	return rc;
}

/* [a.b.c] or [[a.b.c]]: makes the named table the current one. */
static int header(parser *ps)
{
	const char *at = ps->p;
	bool aot = ps->end - ps->p >= 2 && ps->p[1] == '[';
	keypath kp = { NULL, 0, 0 };
	fa_toml_value *t = ps->root, *nt = NULL;
	char shown[48];
	entry *e;
	kpart *last;
	unsigned hline, hcol;
	size_t i;
	int rc;

	where(ps, at, &hline, &hcol);
	ps->p += aot ? 2 : 1;
	skip_ws(ps);
	if ((rc = parse_key(ps, &kp)) != 0)
		goto out;
	if (at_end(ps) || *ps->p != ']' || (aot && (ps->end - ps->p < 2 || ps->p[1] != ']'))) {
		rc = fail(ps, ps->p, FA_TOML_ESYNTAX, aot ? "expected ']]' after a table name" :
			  "expected ']' after a table name");
		goto out;
	}
	ps->p += aot ? 2 : 1;
	if ((rc = end_of_line(ps, "a table header")) != 0)
		goto out;
	for (i = 0; i + 1 < kp.n; i++) {
		kpart *k = &kp.parts[i];

		e = table_find(t, k->s, k->len);
		if (!e) {
			nt = value_at(ps, FA_TOML_TABLE, k->at, k->line, k->column, t->depth + 1);
			if (!nt || table_add(ps, t, k, nt)) {
				rc = ps->rc;
				goto out;
			}
			t = nt;
			continue;
		}
		if (e->val->type == FA_TOML_ARRAY && (e->val->flags & A_TABLES)) {
			t = e->val->u.arr.items[e->val->u.arr.n - 1];
			continue;
		}
		if (e->val->type != FA_TOML_TABLE || (e->val->flags & T_INLINE)) {
			rc = fail(ps, k->at, FA_TOML_ESYNTAX, "key '%s' is not a table that can be extended",
				  show_key(k->s, k->len, shown));
			goto out;
		}
		t = e->val;
	}
	last = &kp.parts[kp.n - 1];
	e = table_find(t, last->s, last->len);
	if (!aot) {
		if (e) {
			if (e->val->type != FA_TOML_TABLE || (e->val->flags & (T_DEFINED | T_DOTTED | T_INLINE))) {
				rc = fail(ps, last->at, FA_TOML_ESYNTAX, "table '%s' is already defined",
					  show_key(last->s, last->len, shown));
				goto out;
			}
			nt = e->val;
			nt->line = hline;
			nt->column = hcol;
		} else {
			nt = value_at(ps, FA_TOML_TABLE, at, hline, hcol, t->depth + 1);
			if (!nt || table_add(ps, t, last, nt)) {
				rc = ps->rc;
				goto out;
			}
		}
		nt->flags |= T_DEFINED;
		ps->cur = nt;
		rc = 0;
		goto out;
	}
	if (e) {
		if (e->val->type != FA_TOML_ARRAY || !(e->val->flags & A_TABLES)) {
			rc = fail(ps, last->at, FA_TOML_ESYNTAX,
				  "key '%s' is already defined and is not an array of tables",
				  show_key(last->s, last->len, shown));
			goto out;
		}
		t = e->val;
	} else {
		nt = value_at(ps, FA_TOML_ARRAY, at, hline, hcol, t->depth + 1);
		if (!nt || table_add(ps, t, last, nt)) {
			rc = ps->rc;
			goto out;
		}
		nt->flags = A_TABLES;
		t = nt;
	}
	nt = value_at(ps, FA_TOML_TABLE, at, hline, hcol, t->depth + 1);
	if (!nt || array_add(ps, t, nt)) {
		rc = ps->rc;
		goto out;
	}
	nt->flags = T_DEFINED;
	ps->cur = nt;
	rc = 0;
out:
	keypath_release(&kp);
	return rc;
}

static int parse_document(parser *ps)
{
	int rc;

	if (ps->end - ps->p >= 3 && memcmp(ps->p, "\xef\xbb\xbf", 3) == 0)
		ps->p += 3; /* a byte order mark */
	for (;;) {
		skip_ws(ps);
		skip_comment(ps);
		if (at_end(ps))
			return 0;
		if (at_newline(ps)) {
			eat_newline(ps);
			continue;
		}
		if (*ps->p == '[')
			rc = header(ps);
		else if ((rc = keyval(ps, ps->cur)) == 0)
			rc = end_of_line(ps, "a value");
		if (rc)
			return rc;
	}
}

int fa_toml_parse(fa_toml **out, const char *text, size_t len, fa_toml_error *err)
{
	parser ps;
	fa_toml *doc = NULL;
	int rc;

	if (err) {
		memset(err, 0, sizeof(*err));
	}
	if (out)
		*out = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	if (!out || (!text && len)) {
		if (err) {
			err->code = FA_TOML_EARG;
			snprintf(err->msg, sizeof(err->msg), "invalid argument");
		}
		return FA_TOML_EARG;
	}
	if (!text)
		text = "";
	ps.start = ps.p = ps.mark = ps.mark_line_start = text;
	ps.end = text + len;
	ps.mark_line = 1;
	if (len > FA_TOML_MAX_INPUT)
		return fail(&ps, text, FA_TOML_ELIMIT, "larger than %zu bytes", FA_TOML_MAX_INPUT);
	if ((rc = check_text(&ps)) != 0)
		return rc;
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return oom(&ps);
	if (!(doc->root = new_value(&ps, FA_TOML_TABLE, text, 0))) {
		free(doc);
		return ps.rc;
	}
	doc->root->flags = T_DEFINED;
	ps.root = ps.cur = doc->root;
	if ((rc = parse_document(&ps)) != 0) {
		fa_toml_free(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

/* ---- the public accessors ------------------------------------------------------------ */

void fa_toml_free(fa_toml *doc)
{
	if (!doc)
		return;
	value_free(doc->root);
	free(doc);
}

const fa_toml_value *fa_toml_root(const fa_toml *doc)
{
	return doc ? doc->root : NULL;
}

fa_toml_type fa_toml_type_of(const fa_toml_value *v)
{
	return v ? v->type : (fa_toml_type)0;
}

const char *fa_toml_type_name(fa_toml_type t)
{
	switch (t) {
	case FA_TOML_TABLE: return "table";
	case FA_TOML_ARRAY: return "array";
	case FA_TOML_STRING: return "string";
	case FA_TOML_INTEGER: return "integer";
	case FA_TOML_FLOAT: return "float";
	case FA_TOML_BOOL: return "bool";
	case FA_TOML_DATETIME: return "datetime";
	case FA_TOML_DATETIME_LOCAL: return "datetime-local";
	case FA_TOML_DATE_LOCAL: return "date-local";
	case FA_TOML_TIME_LOCAL: return "time-local";
	}
	return "none";
}

unsigned fa_toml_line(const fa_toml_value *v)
{
	return v ? v->line : 0;
}

unsigned fa_toml_column(const fa_toml_value *v)
{
	return v ? v->column : 0;
}

size_t fa_toml_table_size(const fa_toml_value *t)
{
	return t && t->type == FA_TOML_TABLE ? t->u.tab.n : 0;
}

static void fill_key(const entry *e, fa_toml_key *k)
{
	if (!k)
		return;
	k->name = e->key;
	k->len = e->keylen;
	k->line = e->line;
	k->column = e->column;
}

const fa_toml_value *fa_toml_table_at(const fa_toml_value *t, size_t i, fa_toml_key *key)
{
	if (!t || t->type != FA_TOML_TABLE || i >= t->u.tab.n)
		return NULL;
	fill_key(&t->u.tab.items[i], key);
	return t->u.tab.items[i].val;
}

const fa_toml_value *fa_toml_table_getn(const fa_toml_value *t, const char *key, size_t len,
					fa_toml_key *k)
{
	const entry *e;

	if (!t || !key || t->type != FA_TOML_TABLE)
		return NULL;
	if (!(e = table_find(t, key, len)))
		return NULL;
	fill_key(e, k);
	return e->val;
}

const fa_toml_value *fa_toml_table_get(const fa_toml_value *t, const char *key)
{
	return key ? fa_toml_table_getn(t, key, strlen(key), NULL) : NULL;
}

const fa_toml_value *fa_toml_get(const fa_toml_value *t, const char *path)
{
	const char *dot;

	if (!path)
		return NULL;
	while (t && (dot = strchr(path, '.')) != NULL) {
		t = fa_toml_table_getn(t, path, (size_t)(dot - path), NULL);
		path = dot + 1;
	}
	return fa_toml_table_get(t, path);
}

size_t fa_toml_array_size(const fa_toml_value *a)
{
	return a && a->type == FA_TOML_ARRAY ? a->u.arr.n : 0;
}

const fa_toml_value *fa_toml_array_at(const fa_toml_value *a, size_t i)
{
	if (!a || a->type != FA_TOML_ARRAY || i >= a->u.arr.n)
		return NULL;
	return a->u.arr.items[i];
}

int fa_toml_as_string(const fa_toml_value *v, const char **out, size_t *len)
{
	if (!v || v->type != FA_TOML_STRING || !out)
		return FA_TOML_ETYPE;
	*out = v->u.str.s;
	if (len)
		*len = v->u.str.len;
	return 0;
}

int fa_toml_as_int(const fa_toml_value *v, int64_t *out)
{
	if (!v || v->type != FA_TOML_INTEGER || !out)
		return FA_TOML_ETYPE;
	*out = v->u.i;
	return 0;
}

int fa_toml_as_float(const fa_toml_value *v, double *out)
{
	if (!v || v->type != FA_TOML_FLOAT || !out)
		return FA_TOML_ETYPE;
	*out = v->u.f;
	return 0;
}

int fa_toml_as_bool(const fa_toml_value *v, bool *out)
{
	if (!v || v->type != FA_TOML_BOOL || !out)
		return FA_TOML_ETYPE;
	*out = v->u.b;
	return 0;
}

int fa_toml_as_datetime(const fa_toml_value *v, fa_toml_datetime *out)
{
	if (!v || !out || v->type < FA_TOML_DATETIME || v->type > FA_TOML_TIME_LOCAL)
		return FA_TOML_ETYPE;
	*out = v->u.dt;
	return 0;
}

size_t fa_toml_datetime_str(const fa_toml_value *v, char *buf, size_t bufsize)
{
	const fa_toml_datetime *d;
	int n = 0;

	if (!v || !buf || bufsize < 40 || v->type < FA_TOML_DATETIME || v->type > FA_TOML_TIME_LOCAL)
		return 0;
	d = &v->u.dt;
	if (v->type != FA_TOML_TIME_LOCAL)
		n += snprintf(buf + n, bufsize - (size_t)n, "%04d-%02d-%02d", d->year, d->month, d->day);
	if (v->type == FA_TOML_DATE_LOCAL)
		return (size_t)n;
	if (v->type != FA_TOML_TIME_LOCAL)
		buf[n++] = 'T';
	n += snprintf(buf + n, bufsize - (size_t)n, "%02d:%02d:%02d", d->hour, d->minute, d->second);
	if (d->nanosecond) {
		long ns = d->nanosecond;
		int digits = 9;

		while (ns % 10 == 0) {
			ns /= 10;
			digits--;
		}
		n += snprintf(buf + n, bufsize - (size_t)n, ".%0*ld", digits, ns);
	}
	if (v->type == FA_TOML_DATETIME) {
		int off = d->offset_minutes < 0 ? -d->offset_minutes : d->offset_minutes;

		if (!off)
			n += snprintf(buf + n, bufsize - (size_t)n, "Z");
		else
			n += snprintf(buf + n, bufsize - (size_t)n, "%c%02d:%02d",
				      d->offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
	}
	return (size_t)n;
}
