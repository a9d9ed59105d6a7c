/* parse/yaml.c: the first document of a YAML file as a small tree with line numbers
 * (parse.h), read with libyaml's event parser. For GitHub Actions workflows. Aliases are
 * kept as ALIAS nodes, never expanded; depth and node count are capped. Pure. */
#include "flyaudit/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

static void node_free(fa_yaml_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		node_free(n->items ? n->items[i] : NULL);
		if (n->keys)
			node_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->value);
	free(n);
}

void fa_yaml_release(fa_yaml_doc *doc)
{
	if (!doc)
		return;
	node_free(doc->root);
	memset(doc, 0, sizeof(*doc));
}

static void set_err(fa_parse_error *err, unsigned line, const char *msg)
{
	if (!err)
		return;
	err->line = line;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

typedef struct ctx {
	yaml_parser_t p;
	fa_yaml_doc *doc;
	fa_parse_error *err;
	int rc;
} ctx;

static fa_yaml_node *new_node(ctx *c, fa_yaml_type t, const yaml_event_t *ev)
{
	fa_yaml_node *n;

	if (c->doc->n_nodes >= FA_PARSE_MAX_NODES) {
		set_err(c->err, (unsigned)ev->start_mark.line + 1, "too many nodes");
		c->rc = FA_PARSE_ELIMIT;
		return NULL;
	}
	n = calloc(1, sizeof(*n));
	if (!n) {
		c->rc = FA_PARSE_ENOMEM;
		return NULL;
	}
	c->doc->n_nodes++;
	n->type = t;
	n->line = (unsigned)ev->start_mark.line + 1;
	return n;
}

static int append(ctx *c, fa_yaml_node *parent, fa_yaml_node *key, fa_yaml_node *val)
{
	fa_yaml_node **items = realloc(parent->items, (parent->n + 1) * sizeof(*items));

	if (!items) {
		c->rc = FA_PARSE_ENOMEM;
		return -1;
	}
	parent->items = items;
	if (parent->type == FA_YAML_MAP) {
		fa_yaml_node **keys = realloc(parent->keys, (parent->n + 1) * sizeof(*keys));

		if (!keys) {
			c->rc = FA_PARSE_ENOMEM;
			return -1;
		}
		parent->keys = keys;
		keys[parent->n] = key;
	}
	items[parent->n++] = val;
	return 0;
}

static int next_event(ctx *c, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&c->p, ev)) {
		set_err(c->err, (unsigned)c->p.problem_mark.line + 1,
			c->p.problem ? c->p.problem : "not valid YAML");
		c->rc = c->p.error == YAML_MEMORY_ERROR ? FA_PARSE_ENOMEM : FA_PARSE_ESYNTAX;
		return -1;
	}
	return 0;
}

/* Reads one node whose first event is `ev` (consumed by the caller). */
static fa_yaml_node *read_node(ctx *c, yaml_event_t *ev, int depth)
{
	fa_yaml_node *n = NULL;
	yaml_event_t e;

	if (depth > FA_PARSE_MAX_DEPTH) {
		set_err(c->err, (unsigned)ev->start_mark.line + 1, "nested too deeply");
		c->rc = FA_PARSE_ELIMIT;
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = new_node(c, FA_YAML_SCALAR, ev);
		if (!n)
			return NULL;
		n->value = malloc(ev->data.scalar.length + 1);
		if (!n->value) {
			c->rc = FA_PARSE_ENOMEM;
			node_free(n);
			return NULL;
		}
		memcpy(n->value, ev->data.scalar.value, ev->data.scalar.length);
		n->value[ev->data.scalar.length] = '\0';
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_ALIAS_EVENT:
		n = new_node(c, FA_YAML_ALIAS, ev);
		if (!n)
			return NULL;
		n->value = strdup((const char *)ev->data.alias.anchor);
		if (!n->value) {
			c->rc = FA_PARSE_ENOMEM;
			node_free(n);
			return NULL;
		}
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool map = ev->type == YAML_MAPPING_START_EVENT;

		n = new_node(c, map ? FA_YAML_MAP : FA_YAML_SEQ, ev);
		if (!n)
			return NULL;
		for (;;) {
			fa_yaml_node *key = NULL, *val = NULL;

			if (next_event(c, &e) < 0)
				goto fail;
			if (e.type == YAML_SEQUENCE_END_EVENT || e.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&e);
				return n;
			}
			if (map) {
				key = read_node(c, &e, depth + 1);
				yaml_event_delete(&e);
				if (!key)
					goto fail;
				if (next_event(c, &e) < 0) {
					node_free(key);
					goto fail;
				}
			}
			val = read_node(c, &e, depth + 1);
			yaml_event_delete(&e);
			if (!val || append(c, n, key, val) < 0) {
				node_free(key);
				node_free(val);
				goto fail;
			}
		}
	}
	default:
		set_err(c->err, (unsigned)ev->start_mark.line + 1, "unexpected YAML event");
		c->rc = FA_PARSE_ESYNTAX;
		return NULL;
	}
fail:
	node_free(n);
	return NULL;
}

int fa_yaml_parse(const char *text, size_t len, fa_yaml_doc *out, fa_parse_error *err)
{
	ctx c;
	yaml_event_t ev;
	fa_yaml_doc doc;
	bool got = false;

	memset(&doc, 0, sizeof(doc));
	if (out)
		memset(out, 0, sizeof(*out));
	if (err)
		memset(err, 0, sizeof(*err));
	if (!out || (!text && len)) {
		set_err(err, 0, "no input");
		return FA_PARSE_ESYNTAX;
	}
	if (len > FA_PARSE_MAX_INPUT) {
		set_err(err, 0, "file too large");
		return FA_PARSE_ELIMIT;
	}
	memset(&c, 0, sizeof(c));
	c.doc = &doc;
	c.err = err;
	if (!yaml_parser_initialize(&c.p))
		return FA_PARSE_ENOMEM;
	yaml_parser_set_input_string(&c.p, (const unsigned char *)(text ? text : ""), len);
	for (;;) {
		if (next_event(&c, &ev) < 0)
			break;
		if (ev.type == YAML_STREAM_END_EVENT || ev.type == YAML_DOCUMENT_END_EVENT) {
			bool end = got || ev.type == YAML_STREAM_END_EVENT;

			yaml_event_delete(&ev);
			if (end)
				break;
			continue;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		doc.root = read_node(&c, &ev, 0);
		yaml_event_delete(&ev);
		if (!doc.root)
			break;
		got = true;
	}
	yaml_parser_delete(&c.p);
	if (c.rc) {
		fa_yaml_release(&doc);
		return c.rc;
	}
	*out = doc;
	return 0;
}

const fa_yaml_node *fa_yaml_get(const fa_yaml_node *m, const char *key,
				const fa_yaml_node **key_out)
{
	size_t i;

	if (!m || m->type != FA_YAML_MAP || !key)
		return NULL;
	for (i = 0; i < m->n; i++) {
		const fa_yaml_node *k = m->keys[i];

		if (k && k->type == FA_YAML_SCALAR && strcmp(k->value, key) == 0) {
			if (key_out)
				*key_out = k;
			return m->items[i];
		}
	}
	return NULL;
}
