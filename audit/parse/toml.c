/* toml.c: the TOML 1.0 parser behind include/flyaudit/toml.h (bytes in, tree out).
 * (First commit: the tree and its accessors; fa_toml_parse is a stub that refuses.) */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "flyaudit/toml.h"

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
	} else if (v->type == FA_TOML_ARRAY) {
		for (i = 0; i < v->u.arr.n; i++)
			value_free(v->u.arr.items[i]);
		free(v->u.arr.items);
	} else if (v->type == FA_TOML_STRING) {
		free(v->u.str.s);
	}
	free(v);
}

int fa_toml_parse(fa_toml **out, const char *text, size_t len, fa_toml_error *err)
{
	(void)text;
	(void)len;
	if (out)
		*out = NULL;
	if (err) {
		err->code = FA_TOML_ESYNTAX;
		err->line = 1;
		err->column = 1;
		snprintf(err->msg, sizeof(err->msg), "not implemented yet");
	}
	return FA_TOML_ESYNTAX;
}

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
	size_t i;

	if (!t || !key || t->type != FA_TOML_TABLE)
		return NULL;
	for (i = 0; i < t->u.tab.n; i++) {
		const entry *e = &t->u.tab.items[i];

		if (e->keylen == len && memcmp(e->key, key, len) == 0) {
			fill_key(e, k);
			return e->val;
		}
	}
	return NULL;
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
	(void)v;
	(void)buf;
	(void)bufsize;
	return 0;
}
