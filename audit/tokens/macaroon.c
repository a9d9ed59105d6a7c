/* tokens/macaroon.c: decodes a Fly.io token header (envelope, base64, msgpack macaroons,
 * caveats) into an fa_token_info, without I/O and without any authenticity claim. */
#include "flyaudit/macaroon.h"
#include "internal.h"

#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- arena: every allocation of one fa_token_info, freed at once -------------------- */

typedef struct arena_node {
	struct arena_node *next;
	max_align_t data[];
} arena_node;

struct fa_mac_arena {
	arena_node *head;
	size_t used;
};

#define ARENA_MAX ((size_t)32 * 1024 * 1024)

void *fa_mac_alloc(fa_mac_arena *a, size_t count, size_t size)
{
	arena_node *node = NULL;
	size_t n;

	if (size && count > ((size_t)-1) / size)
		return NULL;
	n = count * size;
	if (n == 0)
		n = 1;
	if (n > ARENA_MAX - a->used)
		return NULL;
	node = calloc(1, sizeof(*node) + n);
	if (!node)
		return NULL;
	node->next = a->head;
	a->head = node;
	a->used += n;
	return node->data;
}

static void arena_free(fa_mac_arena *a)
{
	arena_node *node = a ? a->head : NULL;

	while (node) {
		arena_node *next = node->next;

		free(node);
		node = next;
	}
	free(a);
}

char *fa_mac_strdup(fa_mac_arena *a, const char *p, size_t n)
{
	char *s = NULL;

	if (n == (size_t)-1)
		return NULL;
	s = fa_mac_alloc(a, n + 1, 1);
	if (!s)
		return NULL;
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- decode context ------------------------------------------------------------------- */

typedef struct pending_tp {
	fa_caveat *cav;
	const unsigned char *ticket; /* arena copy, wiped after matching */
	size_t len;
} pending_tp;

typedef struct dctx {
	fa_mac_arena *a;
	char *err;
	size_t errlen;
	size_t tok;        /* 1-based index of the piece being decoded */
	size_t n_caveats;  /* over the whole header */
	pending_tp *tps;   /* FA_MAC_MAX_CAVEATS entries */
	size_t n_tps;
	unsigned char *kids[FA_MAC_MAX_TOKENS];
	size_t kid_lens[FA_MAC_MAX_TOKENS];
	size_t n_kids;
} dctx;

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(dctx *c, int code, const char *fmt, ...)
{
	va_list ap;
	size_t off = 0;
	int n;

	if (!c->err || c->errlen == 0)
		return code;
	c->err[0] = '\0';
	if (c->tok) {
		n = snprintf(c->err, c->errlen, "token %zu: ", c->tok);
		if (n > 0)
			off = (size_t)n < c->errlen ? (size_t)n : c->errlen - 1;
	}
	va_start(ap, fmt);
	vsnprintf(c->err + off, c->errlen - off, fmt, ap);
	va_end(ap);
	return code;
}

/* ---- base64 --------------------------------------------------------------------------- */

static int b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int fa_base64_decode_strict(const char *in, size_t n, unsigned char *out, size_t outcap,
	size_t *outlen)
{
	size_t i, o = 0, pad = 0;

	if (!in || !out || !outlen || n == 0 || n % 4 != 0)
		return FA_MAC_EFORMAT;
	if (in[n - 1] == '=')
		pad = in[n - 2] == '=' ? 2 : 1;
	if ((n / 4) * 3 - pad > outcap)
		return FA_MAC_EFORMAT;
	for (i = 0; i < n; i += 4) {
		int v[4];
		size_t k, real = 4;

		if (i + 4 == n)
			real = 4 - pad;
		for (k = 0; k < 4; k++) {
			if (k >= real) {
				if (in[i + k] != '=')
					return FA_MAC_EFORMAT;
				v[k] = 0;
				continue;
			}
			v[k] = b64_value((unsigned char)in[i + k]);
			if (v[k] < 0)
				return FA_MAC_EFORMAT;
		}
		/* unused trailing bits must be zero (canonical encoding) */
		if (real == 3 && (v[2] & 0x3))
			return FA_MAC_EFORMAT;
		if (real == 2 && (v[1] & 0xf))
			return FA_MAC_EFORMAT;
		out[o++] = (unsigned char)((v[0] << 2) | (v[1] >> 4));
		if (real > 2)
			out[o++] = (unsigned char)(((v[1] & 0xf) << 4) | (v[2] >> 2));
		if (real > 3)
			out[o++] = (unsigned char)(((v[2] & 0x3) << 6) | v[3]);
	}
	*outlen = o;
	return 0;
}

/* ---- a bounds-checking msgpack scanner ------------------------------------------------- */

/* Reads a big-endian unsigned of w bytes at p. */
static uint64_t be(const unsigned char *p, size_t w)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < w; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Skips one object starting at off; every count is checked against the bytes left,
 * so the msgpack-c unpacker run afterwards never allocates more than the input allows. */
static int mp_skip(const unsigned char *p, size_t n, size_t *off, int depth)
{
	size_t o = *off, w = 0, items = 0;
	uint64_t len = 0;
	unsigned char t;
	bool container = false, is_map = false;

	if (depth > FA_MAC_MAX_MSGPACK_DEPTH || o >= n)
		return FA_MAC_EMSGPACK;
	t = p[o++];
	if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
		/* fixint, nil, bool */
	} else if (t >= 0xa0 && t <= 0xbf) {
		len = t & 0x1f;
	} else if (t >= 0x90 && t <= 0x9f) {
		container = true;
		len = t & 0x0f;
	} else if (t >= 0x80 && t <= 0x8f) {
		container = is_map = true;
		len = t & 0x0f;
	} else {
		switch (t) {
		case 0xc4: case 0xd9: w = 1; break;           /* bin8, str8 */
		case 0xc5: case 0xda: w = 2; break;           /* bin16, str16 */
		case 0xc6: case 0xdb: w = 4; break;           /* bin32, str32 */
		case 0xcc: case 0xd0: if (n - o < 1) return FA_MAC_EMSGPACK; o += 1; break;
		case 0xcd: case 0xd1: if (n - o < 2) return FA_MAC_EMSGPACK; o += 2; break;
		case 0xce: case 0xd2: case 0xca: if (n - o < 4) return FA_MAC_EMSGPACK; o += 4; break;
		case 0xcf: case 0xd3: case 0xcb: if (n - o < 8) return FA_MAC_EMSGPACK; o += 8; break;
		case 0xd4: if (n - o < 2) return FA_MAC_EMSGPACK; o += 2; break; /* fixext 1 */
		case 0xd5: if (n - o < 3) return FA_MAC_EMSGPACK; o += 3; break;
		case 0xd6: if (n - o < 5) return FA_MAC_EMSGPACK; o += 5; break;
		case 0xd7: if (n - o < 9) return FA_MAC_EMSGPACK; o += 9; break;
		case 0xd8: if (n - o < 17) return FA_MAC_EMSGPACK; o += 17; break;
		case 0xc7: case 0xc8: case 0xc9: { /* ext 8/16/32: length, type byte, data */
			size_t lw = t == 0xc7 ? 1 : t == 0xc8 ? 2 : 4;

			if (n - o < lw + 1)
				return FA_MAC_EMSGPACK;
			len = be(p + o, lw) + 1;
			o += lw;
			break;
		}
		case 0xdc: container = true; w = 2; break;
		case 0xdd: container = true; w = 4; break;
		case 0xde: container = is_map = true; w = 2; break;
		case 0xdf: container = is_map = true; w = 4; break;
		default: return FA_MAC_EMSGPACK; /* 0xc1 never used */
		}
		if (w) {
			if (n - o < w)
				return FA_MAC_EMSGPACK;
			len = be(p + o, w);
			o += w;
		}
	}
	if (!container) {
		if (len > n - o)
			return FA_MAC_EMSGPACK;
		*off = o + (size_t)len;
		return 0;
	}
	/* every element takes at least one byte */
	if (len > n - o || (is_map && len > (n - o) / 2))
		return FA_MAC_EMSGPACK;
	items = (size_t)len * (is_map ? 2 : 1);
	while (items--) {
		int rc = mp_skip(p, n, &o, depth + 1);

		if (rc)
			return rc;
	}
	*off = o;
	return 0;
}

int fa_msgpack_object_len(const unsigned char *p, size_t n, size_t *len)
{
	size_t off = 0;
	int rc;

	if (!p || !len)
		return FA_MAC_EMSGPACK;
	rc = mp_skip(p, n, &off, 0);
	if (rc)
		return rc;
	*len = off;
	return 0;
}

/* ---- msgpack object helpers ------------------------------------------------------------ */

static bool obj_u64(const msgpack_object *o, uint64_t *v)
{
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return false;
	*v = o->via.u64;
	return true;
}

static bool obj_i64(const msgpack_object *o, int64_t *v)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*v = o->via.u64 > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)o->via.u64;
		return true;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return true;
	}
	return false;
}

/* str or bin (nil = empty) */
static bool obj_bytes(const msgpack_object *o, const unsigned char **p, size_t *n)
{
	static const unsigned char empty[1] = { 0 };

	if (o->type == MSGPACK_OBJECT_STR) {
		*p = (const unsigned char *)o->via.str.ptr;
		*n = o->via.str.size;
	} else if (o->type == MSGPACK_OBJECT_BIN) {
		*p = (const unsigned char *)o->via.bin.ptr;
		*n = o->via.bin.size;
	} else if (o->type == MSGPACK_OBJECT_NIL) {
		*p = empty;
		*n = 0;
	} else {
		return false;
	}
	if (!*p)
		*p = empty;
	return true;
}

static bool obj_str(dctx *c, const msgpack_object *o, char **out)
{
	const unsigned char *p = NULL;
	size_t n = 0;

	if (!obj_bytes(o, &p, &n))
		return false;
	*out = fa_mac_strdup(c->a, (const char *)p, n);
	return *out != NULL;
}

/* An array of exactly `want` elements (want < 0: any length; nil_ok: nil = empty). */
static bool obj_array(const msgpack_object *o, long want, bool nil_ok,
	const msgpack_object **items, size_t *n)
{
	if (nil_ok && o->type == MSGPACK_OBJECT_NIL) {
		*items = NULL;
		*n = 0;
		return want <= 0;
	}
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return false;
	if (want >= 0 && o->via.array.size != (uint32_t)want)
		return false;
	*items = o->via.array.ptr;
	*n = o->via.array.size;
	return true;
}

/* ---- caveats ---------------------------------------------------------------------------- */

static int decode_set(dctx *c, const msgpack_object *set, int depth, fa_caveat **out,
	size_t *n_out);

static int bad_body(dctx *c, uint64_t type, const char *want)
{
	return fail(c, FA_MAC_ESHAPE, "caveat %s (type %llu): body is not %s",
		fa_caveat_name(type), (unsigned long long)type, want);
}

#define NOMEM(c) fail((c), FA_MAC_ENOMEM, "out of memory")

/* A resource set: [map] with uint keys (numeric) or str/bin keys. */
static int decode_rs(dctx *c, fa_caveat *cav, const msgpack_object *body, bool numeric)
{
	const msgpack_object *items = NULL;
	const msgpack_object_map *map = NULL;
	size_t n = 0, i;

	if (!obj_array(body, 1, false, &items, &n))
		return bad_body(c, cav->type, "[resource map]");
	if (items[0].type == MSGPACK_OBJECT_NIL)
		return 0;
	if (items[0].type != MSGPACK_OBJECT_MAP)
		return bad_body(c, cav->type, "[resource map]");
	map = &items[0].via.map;
	if (map->size > FA_MAC_MAX_RESOURCES)
		return fail(c, FA_MAC_ELIMIT, "caveat %s: more than %d resources",
			fa_caveat_name(cav->type), FA_MAC_MAX_RESOURCES);
	if (map->size == 0)
		return 0;
	cav->rs.items = fa_mac_alloc(c->a, map->size, sizeof(*cav->rs.items));
	if (!cav->rs.items)
		return NOMEM(c);
	for (i = 0; i < map->size; i++) {
		fa_rs_entry *e = &cav->rs.items[i];

		if (!obj_u64(&map->ptr[i].val, &e->mask))
			return bad_body(c, cav->type, "a map of resource to action mask");
		if (numeric) {
			if (!obj_u64(&map->ptr[i].key, &e->id))
				return bad_body(c, cav->type, "a map keyed by numeric id");
		} else if (!obj_str(c, &map->ptr[i].key, &e->key)) {
			if (map->ptr[i].key.type == MSGPACK_OBJECT_STR ||
				map->ptr[i].key.type == MSGPACK_OBJECT_BIN)
				return NOMEM(c);
			return bad_body(c, cav->type, "a map keyed by string");
		}
	}
	cav->rs.n = map->size;
	return 0;
}

/* An array of strings (nil = empty) into cav->strs. */
static int decode_strs(dctx *c, fa_caveat *cav, const msgpack_object *o, const char *what)
{
	const msgpack_object *items = NULL;
	size_t n = 0, i;

	if (!obj_array(o, -1, true, &items, &n))
		return bad_body(c, cav->type, what);
	if (n > FA_MAC_MAX_RESOURCES)
		return fail(c, FA_MAC_ELIMIT, "caveat %s: more than %d entries",
			fa_caveat_name(cav->type), FA_MAC_MAX_RESOURCES);
	if (n == 0)
		return 0;
	cav->strs = fa_mac_alloc(c->a, n, sizeof(*cav->strs));
	if (!cav->strs)
		return NOMEM(c);
	for (i = 0; i < n; i++) {
		if (items[i].type != MSGPACK_OBJECT_STR && items[i].type != MSGPACK_OBJECT_BIN &&
			items[i].type != MSGPACK_OBJECT_NIL)
			return bad_body(c, cav->type, what);
		if (!obj_str(c, &items[i], &cav->strs[i]))
			return NOMEM(c);
	}
	cav->n_strs = n;
	return 0;
}

/* A fixed tuple of strings ([a, b, c]). */
static int decode_str_tuple(dctx *c, fa_caveat *cav, const msgpack_object *o, size_t want,
	const char *what)
{
	const msgpack_object *items = NULL;
	size_t n = 0;

	if (!obj_array(o, (long)want, false, &items, &n))
		return bad_body(c, cav->type, what);
	return decode_strs(c, cav, o, what);
}

static int decode_commands(dctx *c, fa_caveat *cav, const msgpack_object *body)
{
	const msgpack_object *items = NULL;
	size_t n = 0, i;
	static const char what[] = "[[args, exact], ...]";

	if (!obj_array(body, -1, true, &items, &n))
		return bad_body(c, cav->type, what);
	if (n > FA_MAC_MAX_RESOURCES)
		return fail(c, FA_MAC_ELIMIT, "caveat Commands: more than %d commands",
			FA_MAC_MAX_RESOURCES);
	if (n == 0)
		return 0;
	cav->cmds = fa_mac_alloc(c->a, n, sizeof(*cav->cmds));
	if (!cav->cmds)
		return NOMEM(c);
	for (i = 0; i < n; i++) {
		const msgpack_object *pair = NULL, *args = NULL;
		size_t np = 0, na = 0, k;
		fa_command *cmd = &cav->cmds[i];

		if (!obj_array(&items[i], 2, false, &pair, &np) ||
			pair[1].type != MSGPACK_OBJECT_BOOLEAN ||
			!obj_array(&pair[0], -1, true, &args, &na))
			return bad_body(c, cav->type, what);
		if (na > FA_MAC_MAX_RESOURCES)
			return fail(c, FA_MAC_ELIMIT, "caveat Commands: too many arguments");
		cmd->exact = pair[1].via.boolean;
		if (na == 0)
			continue;
		cmd->args = fa_mac_alloc(c->a, na, sizeof(*cmd->args));
		if (!cmd->args)
			return NOMEM(c);
		for (k = 0; k < na; k++) {
			if (args[k].type != MSGPACK_OBJECT_STR && args[k].type != MSGPACK_OBJECT_BIN &&
				args[k].type != MSGPACK_OBJECT_NIL)
				return bad_body(c, cav->type, what);
			if (!obj_str(c, &args[k], &cmd->args[k]))
				return NOMEM(c);
		}
		cmd->n_args = na;
	}
	cav->n_cmds = n;
	return 0;
}

static int decode_raw(dctx *c, fa_caveat *cav, const msgpack_object *body)
{
	msgpack_sbuffer sb;
	msgpack_packer pk;
	int rc = 0;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, *body) != 0) {
		rc = NOMEM(c);
		goto cleanup;
	}
	cav->raw = fa_mac_alloc(c->a, sb.size, 1);
	if (!cav->raw) {
		rc = NOMEM(c);
		goto cleanup;
	}
	if (sb.size)
		memcpy(cav->raw, sb.data, sb.size);
	cav->raw_len = sb.size;
cleanup:
	msgpack_sbuffer_destroy(&sb);
	return rc;
}

static int decode_body(dctx *c, fa_caveat *cav, const msgpack_object *body, int depth)
{
	const msgpack_object *f = NULL;
	const unsigned char *p = NULL;
	size_t n = 0;

	cav->known = true;
	switch (cav->type) {
	case FA_CAV_ORGANIZATION:
		if (!obj_array(body, 2, false, &f, &n) || !obj_u64(&f[0], &cav->num) ||
			!obj_u64(&f[1], &cav->mask))
			return bad_body(c, cav->type, "[id, mask]");
		return 0;
	case FA_CAV_VOLUMES:
	case FA_CAV_FEATURE_SET:
	case FA_CAV_MACHINES:
	case FA_CAV_MACHINE_FEATURE_SET:
	case FA_CAV_CLUSTERS:
	case FA_CAV_APP_FEATURE_SET:
	case FA_CAV_STORAGE_OBJECTS:
		return decode_rs(c, cav, body, false);
	case FA_CAV_APPS:
		return decode_rs(c, cav, body, true);
	case FA_CAV_VALIDITY_WINDOW:
		if (!obj_array(body, 2, false, &f, &n) || !obj_i64(&f[0], &cav->not_before) ||
			!obj_i64(&f[1], &cav->not_after))
			return bad_body(c, cav->type, "[not_before, not_after]");
		return 0;
	case FA_CAV_MUTATIONS:
		if (!obj_array(body, 1, false, &f, &n))
			return bad_body(c, cav->type, "[[mutation, ...]]");
		return decode_strs(c, cav, &f[0], "[[mutation, ...]]");
	case FA_CAV_CONFINE_USER:
	case FA_CAV_CONFINE_ORGANIZATION:
	case FA_CAV_IS_USER:
		if (!obj_array(body, 1, false, &f, &n) || !obj_u64(&f[0], &cav->num))
			return bad_body(c, cav->type, "[id]");
		return 0;
	case FA_CAV_THIRD_PARTY: {
		const unsigned char *vk = NULL, *ticket = NULL;
		unsigned char *copy = NULL;
		size_t vkn = 0, tn = 0;

		if (!obj_array(body, 3, false, &f, &n) || !obj_bytes(&f[1], &vk, &vkn) ||
			!obj_bytes(&f[2], &ticket, &tn) ||
			(f[0].type != MSGPACK_OBJECT_STR && f[0].type != MSGPACK_OBJECT_BIN))
			return bad_body(c, cav->type, "[location, verifier_key, ticket]");
		cav->strs = fa_mac_alloc(c->a, 1, sizeof(*cav->strs));
		if (!cav->strs || !obj_str(c, &f[0], &cav->strs[0]))
			return NOMEM(c);
		cav->n_strs = 1;
		cav->vk_len = vkn;
		cav->ticket_len = tn;
		copy = fa_mac_alloc(c->a, tn, 1);
		if (!copy)
			return NOMEM(c);
		if (tn)
			memcpy(copy, ticket, tn);
		if (c->n_tps >= FA_MAC_MAX_CAVEATS)
			return fail(c, FA_MAC_ELIMIT, "too many third-party caveats");
		c->tps[c->n_tps].cav = cav;
		c->tps[c->n_tps].ticket = copy;
		c->tps[c->n_tps].len = tn;
		c->n_tps++;
		return 0;
	}
	case FA_CAV_BIND_TO_PARENT:
	case FA_CAV_GOOGLE_USER_ID:
		if (!obj_bytes(body, &p, &n))
			return bad_body(c, cav->type, "bytes");
		if (n > 1024)
			return fail(c, FA_MAC_ELIMIT, "caveat %s: more than 1024 bytes",
				fa_caveat_name(cav->type));
		cav->bytes = fa_mac_alloc(c->a, n, 1);
		if (!cav->bytes)
			return NOMEM(c);
		if (n)
			memcpy(cav->bytes, p, n);
		cav->n_bytes = n;
		return 0;
	case FA_CAV_IF_PRESENT:
		if (!obj_array(body, 2, false, &f, &n) || !obj_u64(&f[1], &cav->mask))
			return bad_body(c, cav->type, "[caveats, else_mask]");
		if (depth + 1 > FA_MAC_MAX_NESTING)
			return fail(c, FA_MAC_ELIMIT, "IfPresent nested deeper than %d",
				FA_MAC_MAX_NESTING);
		return decode_set(c, &f[0], depth + 1, &cav->ifs, &cav->n_ifs);
	case FA_CAV_FROM_MACHINE_SOURCE:
		return decode_str_tuple(c, cav, body, 1, "[machine_id]");
	case FA_CAV_CONFINE_GOOGLE_HD:
		if (body->type != MSGPACK_OBJECT_STR && body->type != MSGPACK_OBJECT_BIN &&
			body->type != MSGPACK_OBJECT_NIL)
			return bad_body(c, cav->type, "a string");
		cav->strs = fa_mac_alloc(c->a, 1, sizeof(*cav->strs));
		if (!cav->strs || !obj_str(c, body, &cav->strs[0]))
			return NOMEM(c);
		cav->n_strs = 1;
		return 0;
	case FA_CAV_CONFINE_GITHUB_ORG:
	case FA_CAV_MAX_VALIDITY:
	case FA_CAV_FLYIO_USER_ID:
	case FA_CAV_GITHUB_USER_ID:
	case FA_CAV_ALLOWED_ROLES:
		if (!obj_u64(body, &cav->num))
			return bad_body(c, cav->type, "an unsigned integer");
		return 0;
	case FA_CAV_IS_MEMBER:
		if (!obj_array(body, 0, true, &f, &n))
			return bad_body(c, cav->type, "[]");
		return 0;
	case FA_CAV_ACTION:
		if (!obj_u64(body, &cav->mask))
			return bad_body(c, cav->type, "an action mask");
		return 0;
	case FA_CAV_COMMANDS:
		return decode_commands(c, cav, body);
	case FA_CAV_FLY_SRC:
		return decode_str_tuple(c, cav, body, 3, "[organization, app, instance]");
	default:
		cav->known = false;
		return decode_raw(c, cav, body);
	}
}

static int decode_set(dctx *c, const msgpack_object *set, int depth, fa_caveat **out,
	size_t *n_out)
{
	const msgpack_object *items = NULL;
	size_t n = 0, i, count;
	fa_caveat *cavs = NULL;
	int rc;

	*out = NULL;
	*n_out = 0;
	if (!obj_array(set, -1, true, &items, &n))
		return fail(c, FA_MAC_ESHAPE, "caveats are not an array");
	if (n % 2)
		return fail(c, FA_MAC_ESHAPE, "bad caveat container (odd length %zu)", n);
	count = n / 2;
	if (count == 0)
		return 0;
	if (count > FA_MAC_MAX_CAVEATS - c->n_caveats)
		return fail(c, FA_MAC_ELIMIT, "more than %d caveats", FA_MAC_MAX_CAVEATS);
	c->n_caveats += count;
	cavs = fa_mac_alloc(c->a, count, sizeof(*cavs));
	if (!cavs)
		return NOMEM(c);
	for (i = 0; i < count; i++) {
		if (!obj_u64(&items[2 * i], &cavs[i].type))
			return fail(c, FA_MAC_ESHAPE, "caveat %zu: type is not an unsigned integer",
				i + 1);
		rc = decode_body(c, &cavs[i], &items[2 * i + 1], depth);
		if (rc)
			return rc;
	}
	*out = cavs;
	*n_out = count;
	return 0;
}

/* ---- one macaroon ----------------------------------------------------------------------- */

static const char LOC_PERMISSION[] = "https://api.fly.io/v1";
static const char LOC_AAA[] = "https://api.fly.io/aaa/v1";
static const char LOC_AUTH[] = "https://auth.fly.io";

static int decode_macaroon(dctx *c, const unsigned char *bytes, size_t n, fa_macaroon *m)
{
	msgpack_unpacked up;
	const msgpack_object *top = NULL, *nonce = NULL;
	const unsigned char *kid = NULL, *rnd = NULL, *tail = NULL;
	size_t objlen = 0, off = 0, n_top = 0, n_nonce = 0, kidn = 0, rndn = 0, tailn = 0;
	int rc;

	msgpack_unpacked_init(&up);
	if (fa_msgpack_object_len(bytes, n, &objlen) != 0) {
		rc = fail(c, FA_MAC_EMSGPACK, "payload is not valid msgpack");
		goto cleanup;
	}
	if (msgpack_unpack_next(&up, (const char *)bytes, objlen, &off) !=
		MSGPACK_UNPACK_SUCCESS) {
		rc = fail(c, FA_MAC_EMSGPACK, "payload is not valid msgpack");
		goto cleanup;
	}
	if (!obj_array(&up.data, 4, false, &top, &n_top)) {
		rc = fail(c, FA_MAC_ESHAPE, "not a macaroon (want a 4-element array)");
		goto cleanup;
	}
	if (!obj_array(&top[0], -1, false, &nonce, &n_nonce) || (n_nonce != 2 && n_nonce != 3) ||
		!obj_bytes(&nonce[0], &kid, &kidn) || !obj_bytes(&nonce[1], &rnd, &rndn) ||
		(n_nonce == 3 && nonce[2].type != MSGPACK_OBJECT_BOOLEAN)) {
		rc = fail(c, FA_MAC_ESHAPE, "bad nonce (want [kid, rnd] or [kid, rnd, proof])");
		goto cleanup;
	}
	(void)rnd;
	m->legacy_nonce = n_nonce == 2;
	m->proof = n_nonce == 3 && nonce[2].via.boolean;
	m->kid_len = kidn;
	if (top[1].type != MSGPACK_OBJECT_STR && top[1].type != MSGPACK_OBJECT_BIN &&
		top[1].type != MSGPACK_OBJECT_NIL) {
		rc = fail(c, FA_MAC_ESHAPE, "location is not a string");
		goto cleanup;
	}
	if (!obj_bytes(&top[3], &tail, &tailn)) {
		rc = fail(c, FA_MAC_ESHAPE, "signature is not bytes");
		goto cleanup;
	}
	(void)tail;
	if (!obj_str(c, &top[1], &m->location)) {
		rc = NOMEM(c);
		goto cleanup;
	}
	if (m->proof || strcmp(m->location, LOC_AAA) == 0 || strcmp(m->location, LOC_AUTH) == 0)
		m->role = FA_MAC_ROLE_DISCHARGE;
	else if (strcmp(m->location, LOC_PERMISSION) == 0)
		m->role = FA_MAC_ROLE_PERMISSION;
	else
		m->role = FA_MAC_ROLE_OTHER;
	if (c->n_kids < FA_MAC_MAX_TOKENS) {
		c->kids[c->n_kids] = fa_mac_alloc(c->a, kidn, 1);
		if (!c->kids[c->n_kids]) {
			rc = NOMEM(c);
			goto cleanup;
		}
		if (kidn)
			memcpy(c->kids[c->n_kids], kid, kidn);
		c->kid_lens[c->n_kids++] = kidn;
	}
	rc = decode_set(c, &top[2], 0, &m->caveats, &m->n_caveats);
cleanup:
	msgpack_unpacked_destroy(&up);
	return rc;
}

/* ---- envelope --------------------------------------------------------------------------- */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static bool word_eq(const char *p, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return false;
	for (i = 0; i < n; i++) {
		char a = p[i], b = w[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* Strips leading "Bearer"/"FlyV1" words (any case, repeated). */
static void strip_scheme(const char **p, size_t *n)
{
	for (;;) {
		size_t w = 0;

		while (*n && is_space(**p)) {
			(*p)++;
			(*n)--;
		}
		while (w < *n && !is_space((*p)[w]))
			w++;
		if (!word_eq(*p, w, "bearer") && !word_eq(*p, w, "flyv1"))
			return;
		/* a scheme word followed by blanks, or alone at the end */
		*p += w;
		*n -= w;
	}
}

static int decode_piece(dctx *c, fa_token_info *info, const char *p, size_t n)
{
	const char *us = memchr(p, '_', n);
	size_t lab = 0, i, cap, blen = 0;
	unsigned char *buf = NULL;
	fa_macaroon *m = NULL;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch < 0x21 || ch > 0x7e)
			return fail(c, FA_MAC_EFORMAT, "contains a blank or a non-ASCII character");
	}
	if (us)
		lab = (size_t)(us - p);
	if (!us || !((lab == 4 && (memcmp(p, "fm1r", 4) == 0 || memcmp(p, "fm1a", 4) == 0)) ||
			(lab == 3 && memcmp(p, "fm2", 3) == 0))) {
		/* fo1_ (OAuth) and anything else: an opaque user token */
		info->n_opaque++;
		return 0;
	}
	if (n - lab - 1 == 0)
		return fail(c, FA_MAC_EFORMAT, "blank payload after '%.*s_'", (int)lab, p);
	cap = (n - lab - 1) / 4 * 3 + 3;
	buf = malloc(cap);
	if (!buf)
		return NOMEM(c);
	if (fa_base64_decode_strict(p + lab + 1, n - lab - 1, buf, cap, &blen) != 0) {
		rc = fail(c, FA_MAC_EFORMAT, "payload is not standard padded base64");
		goto cleanup;
	}
	if (blen == 0) {
		rc = fail(c, FA_MAC_EFORMAT, "blank payload");
		goto cleanup;
	}
	m = &info->macs[info->n_macs];
	memcpy(m->label, p, lab);
	m->label[lab] = '\0';
	rc = decode_macaroon(c, buf, blen, m);
	if (rc == 0)
		info->n_macs++;
cleanup:
	fa_memzero(buf, cap);
	free(buf);
	return rc;
}

static void match_discharges(dctx *c)
{
	size_t i, k;

	for (i = 0; i < c->n_tps; i++) {
		pending_tp *t = &c->tps[i];

		for (k = 0; k < c->n_kids; k++) {
			if (c->kid_lens[k] == t->len && t->len > 0 &&
				memcmp(c->kids[k], t->ticket, t->len) == 0) {
				t->cav->discharged = true;
				break;
			}
		}
	}
	for (i = 0; i < c->n_tps; i++)
		fa_memzero((void *)(uintptr_t)c->tps[i].ticket, c->tps[i].len);
	for (k = 0; k < c->n_kids; k++)
		fa_memzero(c->kids[k], c->kid_lens[k]);
}

int fa_macaroon_decode(const char *header, size_t len, time_t now, fa_token_info **out,
	char *err, size_t errlen)
{
	dctx c;
	fa_token_info *info = NULL;
	fa_mac_arena *a = NULL;
	const char *p = header;
	size_t n = len, pieces = 0;
	int rc = 0;

	(void)now;
	memset(&c, 0, sizeof(c));
	c.err = err;
	c.errlen = errlen;
	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return fail(&c, FA_MAC_EARG, "no output");
	*out = NULL;
	if (!header)
		return fail(&c, FA_MAC_EARG, "no token");
	if (len > FA_MAC_MAX_HEADER)
		return fail(&c, FA_MAC_ELIMIT, "token header longer than %zu bytes",
			FA_MAC_MAX_HEADER);
	a = calloc(1, sizeof(*a));
	if (!a)
		return NOMEM(&c);
	c.a = a;
	info = fa_mac_alloc(a, 1, sizeof(*info));
	c.tps = fa_mac_alloc(a, FA_MAC_MAX_CAVEATS, sizeof(*c.tps));
	if (info)
		info->macs = fa_mac_alloc(a, FA_MAC_MAX_TOKENS, sizeof(*info->macs));
	if (!info || !c.tps || !info->macs) {
		rc = NOMEM(&c);
		goto cleanup;
	}
	info->arena_ = a;
	if (memchr(header, '\0', len)) {
		rc = fail(&c, FA_MAC_EFORMAT, "token contains a NUL byte");
		goto cleanup;
	}
	strip_scheme(&p, &n);
	while (n > 0) {
		const char *comma = memchr(p, ',', n);
		size_t plen = comma ? (size_t)(comma - p) : n;
		const char *q = p;
		size_t qn = plen;

		while (qn && is_space(*q)) {
			q++;
			qn--;
		}
		while (qn && is_space(q[qn - 1]))
			qn--;
		if (qn) {
			if (pieces >= FA_MAC_MAX_TOKENS) {
				c.tok = 0;
				rc = fail(&c, FA_MAC_ELIMIT, "more than %d tokens in the header",
					FA_MAC_MAX_TOKENS);
				goto cleanup;
			}
			c.tok = ++pieces;
			rc = decode_piece(&c, info, q, qn);
			if (rc)
				goto cleanup;
		}
		if (!comma)
			break;
		p = comma + 1;
		n -= plen + 1;
	}
	c.tok = 0;
	if (pieces == 0) {
		rc = fail(&c, FA_MAC_EEMPTY, "no token in the header");
		goto cleanup;
	}
	match_discharges(&c);
	info->kind = info->n_macs ? FA_TOKEN_KIND_MACAROON : FA_TOKEN_KIND_USER;
	rc = fa_mac_semantics(info, a);
	if (rc) {
		rc = fail(&c, rc, "out of memory");
		goto cleanup;
	}
	*out = info;
	info = NULL;
	a = NULL;
cleanup:
	if (a)
		arena_free(a);
	return rc;
}

void fa_token_info_free(fa_token_info *info)
{
	if (info)
		arena_free(info->arena_);
}

/* ---- names ------------------------------------------------------------------------------ */

const char *fa_caveat_name(uint64_t type)
{
	static const char *const names[32] = {
		"Organization", "Reserved", "Volumes", "Apps", "ValidityWindow", "FeatureSet",
		"Mutations", "Machines", "ConfineUser", "ConfineOrganization", "IsUser",
		"3P", "BindToParentToken", "IfPresent", "MachineFeatureSet",
		"FromMachineSource", "Clusters", "Reserved", "Reserved", "ConfineGoogleHD",
		"ConfineGitHubOrg", "MaxValidity", "IsMember", "FlyioUserID", "GitHubUserID",
		"GoogleUserID", "Action", "Commands", "AppFeatureSet", "StorageObjects",
		"AllowedRoles", "FlySrc",
	};

	if (type < 32)
		return names[type];
	return "Unknown";
}

char *fa_access_string(uint64_t mask, char *buf, size_t buflen)
{
	static const char letters[] = "rwcdC";
	size_t o = 0, i;

	if (!buf || buflen == 0)
		return buf;
	for (i = 0; i < 5 && o + 1 < buflen; i++)
		if (mask & (1u << i))
			buf[o++] = letters[i];
	buf[o] = '\0';
	if (mask >> 5)
		snprintf(buf + o, buflen - o, "+0x%llx", (unsigned long long)(mask & ~(uint64_t)31));
	else if ((mask & 31) == 0)
		snprintf(buf, buflen, "none");
	return buf;
}
