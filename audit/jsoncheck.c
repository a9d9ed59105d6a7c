/* jsoncheck.c: escaped NULs and repeated keys in JSON text (see jsoncheck.h).
 *
 * One pass over text that has already parsed. Each key of each open object is kept as a
 * 64-bit hash of its decoded bytes (escapes resolved, so "a" and "\u0061" are the same key)
 * on one stack; an object's keys are contiguous once its children have closed (a child's
 * keys are popped when it closes), so at its '}' they are sorted and neighbours compared:
 * O(k log k) an object, however hostile. A hash collision can only refuse a good body (fail
 * closed), never let a duplicate through. */
#include "flyaudit/jsoncheck.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NEST 256

typedef struct key_ent {
	uint64_t h;
	size_t from, to; /* the key's raw text */
} key_ent;

typedef struct key_stack {
	key_ent *h;
	size_t n, cap;
} key_stack;

static int push_key(key_stack *k, uint64_t h, size_t from, size_t to)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		key_ent *p = realloc(k->h, cap * sizeof(*p));

		if (!p)
			return -1;
		k->h = p;
		k->cap = cap;
	}
	k->h[k->n].h = h;
	k->h[k->n].from = from;
	k->h[k->n].to = to;
	k->n++;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = ((const key_ent *)a)->h, y = ((const key_ent *)b)->h;

	return x < y ? -1 : x > y;
}

static uint64_t fnv_byte(uint64_t h, unsigned char c)
{
	return (h ^ c) * 0x100000001b3ULL;
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

/* The 4 hex digits at s (len left), or -1. */
static long hex4(const char *s, size_t left)
{
	long v = 0;
	size_t i;

	if (left < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int d = hexval(s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static uint64_t hash_cp(uint64_t h, unsigned long cp)
{
	if (cp < 0x80)
		return fnv_byte(h, (unsigned char)cp);
	if (cp < 0x800) {
		h = fnv_byte(h, (unsigned char)(0xc0 | (cp >> 6)));
		return fnv_byte(h, (unsigned char)(0x80 | (cp & 0x3f)));
	}
	if (cp < 0x10000) {
		h = fnv_byte(h, (unsigned char)(0xe0 | (cp >> 12)));
		h = fnv_byte(h, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
		return fnv_byte(h, (unsigned char)(0x80 | (cp & 0x3f)));
	}
	h = fnv_byte(h, (unsigned char)(0xf0 | (cp >> 18)));
	h = fnv_byte(h, (unsigned char)(0x80 | ((cp >> 12) & 0x3f)));
	h = fnv_byte(h, (unsigned char)(0x80 | ((cp >> 6) & 0x3f)));
	return fnv_byte(h, (unsigned char)(0x80 | (cp & 0x3f)));
}

/* Reads the string whose opening quote is at s[*i]; leaves *i after the closing quote.
 * Returns 1 when it holds an escaped NUL, else 0; *h is the hash of its decoded bytes. */
static int scan_string(const char *s, size_t len, size_t *i, uint64_t *h)
{
	size_t p = *i + 1;
	uint64_t hh = 0xcbf29ce484222325ULL;
	int nul = 0;

	while (p < len && s[p] != '"') {
		if (s[p] != '\\') {
			hh = fnv_byte(hh, (unsigned char)s[p++]);
			continue;
		}
		if (p + 1 >= len)
			break;
		switch (s[p + 1]) {
		case 'u': {
			long u = hex4(s + p + 2, len - p - 2);
			unsigned long cp;

			if (u < 0) {
				p += 2;
				continue;
			}
			p += 6;
			cp = (unsigned long)u;
			if (cp == 0)
				nul = 1;
			if (cp >= 0xd800 && cp <= 0xdbff && p + 1 < len && s[p] == '\\' && s[p + 1] == 'u') {
				long lo = hex4(s + p + 2, len - p - 2);

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
					p += 6;
				}
			}
			hh = hash_cp(hh, cp);
			continue;
		}
		case 'b': hh = fnv_byte(hh, '\b'); break;
		case 'f': hh = fnv_byte(hh, '\f'); break;
		case 'n': hh = fnv_byte(hh, '\n'); break;
		case 'r': hh = fnv_byte(hh, '\r'); break;
		case 't': hh = fnv_byte(hh, '\t'); break;
		default: hh = fnv_byte(hh, (unsigned char)s[p + 1]); break;
		}
		p += 2;
	}
	*i = p < len ? p + 1 : len;
	*h = hh;
	return nul;
}

/* The raw key text at s[from..to) (without quotes) made printable for a message. */
static void name_key(char *out, size_t outlen, const char *s, size_t from, size_t to)
{
	size_t o = 0, i;

	for (i = from; i < to && o + 4 < outlen && o < 40; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	if (i < to && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int fa_json_check(const char *s, size_t len, char *why, size_t whylen)
{
	key_stack keys = { NULL, 0, 0 };
	size_t start[MAX_NEST]; /* first key of each open level */
	unsigned char is_obj[MAX_NEST];
	unsigned char want_key[MAX_NEST];
	int depth = 0, rc = 0;
	size_t i = 0;

	if (why && whylen)
		why[0] = '\0';
	while (s && i < len) {
		char c = s[i];

		if (c == '"') {
			size_t from = i + 1;
			uint64_t h = 0;
			int key = depth > 0 && is_obj[depth - 1] && want_key[depth - 1];

			if (scan_string(s, len, &i, &h)) {
				if (why && whylen)
					snprintf(why, whylen, "a string holds an escaped NUL (\\u0000) at byte %zu", from - 1);
				rc = -1;
				break;
			}
			if (key) {
				want_key[depth - 1] = 0;
				if (push_key(&keys, h, from, i - 1) < 0) {
					if (why && whylen)
						snprintf(why, whylen, "out of memory");
					rc = -1;
					break;
				}
			}
			continue;
		}
		if (c == '{' || c == '[') {
			if (depth == MAX_NEST) {
				if (why && whylen)
					snprintf(why, whylen, "JSON nested deeper than %d levels", MAX_NEST);
				rc = -1;
				break;
			}
			start[depth] = keys.n;
			is_obj[depth] = c == '{';
			want_key[depth] = c == '{';
			depth++;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
			if (is_obj[depth] && keys.n - start[depth] > 1) {
				size_t k, n = keys.n - start[depth];
				key_ent *h = keys.h + start[depth];

				qsort(h, n, sizeof(*h), cmp_u64);
				for (k = 1; k < n; k++)
					if (h[k].h == h[k - 1].h)
						break;
				if (k < n) {
					char name[64];

					name_key(name, sizeof(name), s, h[k].from, h[k].to);
					if (why && whylen)
						snprintf(why, whylen, "an object has the key \"%s\" twice", name);
					rc = -1;
					break;
				}
			}
			keys.n = start[depth];
		} else if (c == ',' && depth > 0 && is_obj[depth - 1]) {
			want_key[depth - 1] = 1;
		}
		i++;
	}
	free(keys.h);
	return rc;
}
