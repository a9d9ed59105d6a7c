/* fly/registry.c: the pure decoders of what a registry sends: image references, manifests
 * and indexes, image configs (env and history classified, values dropped), Bearer
 * challenges and token answers, sha256 digests. No I/O: client/registry.c does that. */
#include "internal.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flyaudit/registry.h"
#include "flyaudit/secrets.h"

/* ---- digests --------------------------------------------------------------------------- */

bool fa_registry_digest_valid(const char *d)
{
	size_t i;

	if (!d || strncmp(d, "sha256:", 7) != 0)
		return false;
	for (i = 0; i < 64; i++) {
		char c = d[7 + i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return d[71] == '\0';
}

void fa_registry_digest_of(const void *data, size_t len, char out[72])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	static const char hex[] = "0123456789abcdef";
	size_t i;

	SHA256(data, len, md);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
		out[7 + 2 * i] = hex[md[i] >> 4];
		out[8 + 2 * i] = hex[md[i] & 15];
	}
	out[71] = '\0';
}

bool fa_registry_digest_matches(const char *digest, const void *data, size_t len)
{
	char got[72];

	if (!fa_registry_digest_valid(digest))
		return false;
	fa_registry_digest_of(data ? data : "", len, got);
	return strcmp(got, digest) == 0;
}

/* ---- references ------------------------------------------------------------------------ */

static bool repo_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
	       c == '-' || c == '/';
}

static bool tag_valid(const char *t)
{
	size_t n = strlen(t), i;

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && t[i] != '_' && t[i] != '.' && t[i] != '-')
			return false;
	return true;
}

static bool repo_valid(const char *r)
{
	size_t n = strlen(r), i;

	if (n == 0 || n > 255 || r[0] == '/' || r[n - 1] == '/' || strstr(r, "//") ||
	    strstr(r, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (!repo_char(r[i]))
			return false;
	return true;
}

static bool host_valid(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n > 253)
		return false;
	for (i = 0; i < n; i++) {
		char c = h[i];

		if (!(isalnum((unsigned char)c) || c == '.' || c == '-' || c == ':'))
			return false;
	}
	return true;
}

void fa_image_ref_release(fa_image_ref *r)
{
	if (!r)
		return;
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

int fa_image_ref_parse(const char *image, fa_image_ref *out, char *err, size_t errlen)
{
	const char *name, *slash, *at, *colon, *end;
	char *repo = NULL;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!image || !image[0] || strlen(image) > 1024) {
		fly_set_err(err, errlen, "empty or overlong image reference");
		return -1;
	}
	end = image + strlen(image);
	slash = strchr(image, '/');
	/* the first part is a registry when it has a dot, a port or is localhost */
	if (slash && (memchr(image, '.', (size_t)(slash - image)) ||
		      memchr(image, ':', (size_t)(slash - image)) ||
		      (slash - image == 9 && strncmp(image, "localhost", 9) == 0))) {
		hlen = (size_t)(slash - image);
		if (!host_valid(image, hlen)) {
			fly_set_err(err, errlen, "invalid registry host in image reference");
			return -1;
		}
		out->registry = strndup(image, hlen);
		name = slash + 1;
	} else {
		out->registry = strdup("docker.io");
		name = image;
	}
	if (!out->registry)
		goto oom;
	at = strchr(name, '@');
	if (at) {
		out->digest = strdup(at + 1);
		if (!out->digest)
			goto oom;
		if (!fa_registry_digest_valid(out->digest)) {
			fly_set_err(err, errlen, "image digest is not sha256:<64 hex digits>");
			goto fail;
		}
		end = at;
	}
	colon = NULL;
	for (const char *p = end; p > name; p--) {
		if (p[-1] == '/')
			break;
		if (p[-1] == ':') {
			colon = p - 1;
			break;
		}
	}
	if (colon) {
		out->tag = strndup(colon + 1, (size_t)(end - colon - 1));
		if (!out->tag)
			goto oom;
		if (!tag_valid(out->tag)) {
			fly_set_err(err, errlen, "invalid tag in image reference");
			goto fail;
		}
		end = colon;
	}
	repo = strndup(name, (size_t)(end - name));
	if (!repo)
		goto oom;
	if (strcmp(out->registry, "docker.io") == 0 && !strchr(repo, '/')) {
		char *lib = malloc(strlen(repo) + 9);

		if (!lib)
			goto oom;
		memcpy(lib, "library/", 8);
		memcpy(lib + 8, repo, strlen(repo) + 1);
		free(repo);
		repo = lib;
	}
	out->repository = repo;
	repo = NULL;
	if (!repo_valid(out->repository)) {
		fly_set_err(err, errlen, "invalid repository name in image reference");
		goto fail;
	}
	if (!out->tag && !out->digest && !(out->tag = strdup("latest")))
		goto oom;
	return 0;
oom:
	fly_set_err(err, errlen, "out of memory");
fail:
	free(repo);
	fa_image_ref_release(out);
	return -1;
}

/* ---- manifests and indexes -------------------------------------------------------------- */

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

void fa_manifest_release(fa_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	free(m->config_digest);
	free(m->platform_digest);
	for (size_t i = 0; m->layers && i < m->n_layers; i++) {
		free(m->layers[i].digest);
		free(m->layers[i].media_type);
	}
	free(m->layers);
	memset(m, 0, sizeof(*m));
}

static int size_of(const cJSON *desc, long long *out)
{
	const cJSON *s = fly_get(desc, "size");

	if (!s) {
		*out = 0;
		return 0;
	}
	if (!cJSON_IsNumber(s) || s->valuedouble < 0 || s->valuedouble > (double)(1LL << 50))
		return -1;
	return fly_num_ll(s, 0, (1LL << 50), out) ? 0 : -1;
}

static int decode_index(const cJSON *root, fa_manifest *out, char *err, size_t errlen)
{
	const cJSON *arr = fly_get(root, "manifests"), *it = NULL;

	if (!cJSON_IsArray(arr)) {
		fly_set_err(err, errlen, "index without a manifests array");
		return -1;
	}
	out->kind = FA_MANIFEST_INDEX;
	EACH(it, arr) {
		const char *d = fly_get_s(it, "digest");
		const cJSON *pf = fly_get(it, "platform");
		const char *os = fly_get_s(pf, "os"), *arch = fly_get_s(pf, "architecture");

		if (!cJSON_IsObject(it) || !fa_registry_digest_valid(d)) {
			fly_set_err(err, errlen, "index entry %zu has no valid sha256 digest",
				    out->n_manifests);
			return -1;
		}
		out->n_manifests++;
		if (!out->platform_digest && os && arch && strcmp(os, "linux") == 0 &&
		    strcmp(arch, "amd64") == 0) {
			if (!(out->platform_digest = fly_strdup(d)))
				return fly_oom_err(err, errlen);
		}
	}
	return 0;
}

static int decode_image_manifest(const cJSON *root, fa_manifest *out, char *err, size_t errlen)
{
	const cJSON *cfg = fly_get(root, "config"), *layers = fly_get(root, "layers"), *it = NULL;
	const char *d = fly_get_s(cfg, "digest");

	out->kind = FA_MANIFEST_IMAGE;
	if (!cJSON_IsObject(cfg) || !fa_registry_digest_valid(d)) {
		fly_set_err(err, errlen, "manifest config has no valid sha256 digest");
		return -1;
	}
	if (size_of(cfg, &out->config_size) < 0) {
		fly_set_err(err, errlen, "manifest config size is not a byte count");
		return -1;
	}
	if (layers && !cJSON_IsArray(layers)) {
		fly_set_err(err, errlen, "manifest layers is not an array");
		return -1;
	}
	if (layers && cJSON_GetArraySize(layers) > 0) {
		int nl = cJSON_GetArraySize(layers);

		out->layers = calloc((size_t)nl, sizeof(*out->layers));
		if (!out->layers)
			return fly_oom_err(err, errlen);
	}
	EACH(it, layers) {
		long long sz = 0;
		const char *mt = fly_get_s(it, "mediaType");
		fa_layer_desc *ld = &out->layers[out->n_layers];

		if (!cJSON_IsObject(it) || !fa_registry_digest_valid(fly_get_s(it, "digest")) ||
		    size_of(it, &sz) < 0) {
			fly_set_err(err, errlen, "manifest layer %zu has no valid digest or size",
				    out->n_layers);
			return -1;
		}
		out->n_layers++;
		ld->size = sz;
		if (!(ld->digest = fly_strdup(fly_get_s(it, "digest"))) ||
		    (mt && !(ld->media_type = fly_strdup(mt))))
			return fly_oom_err(err, errlen);
		if (out->layers_size <= (1LL << 60) - sz)
			out->layers_size += sz;
	}
	if (!(out->config_digest = fly_strdup(d)))
		return fly_oom_err(err, errlen);
	return 0;
}

int fa_manifest_decode(const char *body, size_t len, fa_manifest *out, char *err, size_t errlen)
{
	cJSON *root = NULL;
	const char *mt;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > FA_REGISTRY_MAX_MANIFEST) {
		fly_set_err(err, errlen, "manifest larger than %u bytes", FA_REGISTRY_MAX_MANIFEST);
		return -1;
	}
	if (fly_parse_body(body, len, &root, err, errlen))
		return -1;
	if (!cJSON_IsObject(root)) {
		fly_set_err(err, errlen, "manifest is not a JSON object");
		cJSON_Delete(root);
		return -1;
	}
	mt = fly_get_s(root, "mediaType");
	if (fly_get(root, "mediaType") && !mt) {
		fly_set_err(err, errlen, "manifest mediaType is not a string");
		rc = -1;
	} else if (!mt) {
		/* OCI allows leaving it out: the shape says which */
		if (fly_get(root, "manifests"))
			rc = decode_index(root, out, err, errlen);
		else
			rc = decode_image_manifest(root, out, err, errlen);
		mt = out->kind == FA_MANIFEST_INDEX ? MT_OCI_INDEX : MT_OCI_MANIFEST;
	} else if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0) {
		rc = decode_index(root, out, err, errlen);
	} else if (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0) {
		rc = decode_image_manifest(root, out, err, errlen);
	} else {
		fly_line l;
		char what[96];

		fly_line_init(&l, what, sizeof(what));
		fly_line_str(&l, mt);
		fly_set_err(err, errlen, "unknown manifest media type \"%s\"", what);
		rc = -1;
	}
	if (rc == 0 && !(out->media_type = fly_strdup(mt)))
		rc = fly_oom_err(err, errlen);
	cJSON_Delete(root);
	if (rc)
		fa_manifest_release(out);
	return rc ? -1 : 0;
}

/* ---- image configs -------------------------------------------------------------------- */

static bool word_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';' || c == '&' ||
	       c == '|' || c == '(' || c == ')' || c == '`';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

uint32_t fa_image_step_classify(const char *s, size_t len)
{
	uint32_t bits = 0;
	size_t i = 0;

	while (i < len) {
		size_t a, b, eq;
		char name[128];

		while (i < len && word_sep(s[i]))
			i++;
		a = i;
		while (i < len && !word_sep(s[i]))
			i++;
		b = i;
		/* trim quotes around the word */
		while (a < b && (s[a] == '"' || s[a] == '\''))
			a++;
		while (b > a && (s[b - 1] == '"' || s[b - 1] == '\''))
			b--;
		if (a >= b)
			continue;
		for (eq = a; eq < b && name_char(s[eq]); eq++)
			;
		if (eq > a && eq < b && s[eq] == '=' && eq - a < sizeof(name)) {
			const char *v = s + eq + 1;
			size_t vl = b - eq - 1;

			while (vl && (*v == '"' || *v == '\'')) {
				v++;
				vl--;
			}
			memcpy(name, s + a, eq - a);
			name[eq - a] = '\0';
			bits |= fa_secret_classify(name, v, vl);
		} else {
			bits |= fa_secret_classify(NULL, s + a, b - a);
		}
	}
	/* a PEM block spans words: look at the whole text for it */
	bits |= fa_secret_classify(NULL, s, len) & FA_DET_PEM_PRIVATE;
	return bits & (FA_DET_VALUE_MASK | FA_DET_SECRET_NAME);
}

static void dec_image_env(fly_dec *d, const cJSON *arr, fa_env *env, char *err, size_t errlen,
			  int *bad)
{
	const cJSON *it = NULL;
	size_t n = fly_n_children(arr);

	if (!arr)
		return;
	if (!cJSON_IsArray(arr)) {
		fly_set_err(err, errlen, "config.Env is not an array");
		*bad = 1;
		return;
	}
	if (n > FA_REGISTRY_MAX_ENV) {
		fly_set_err(err, errlen, "config.Env has more than %d entries", FA_REGISTRY_MAX_ENV);
		*bad = 1;
		return;
	}
	if (n == 0)
		return;
	env->vars = fly_dalloc(d, n, sizeof(*env->vars));
	EACH(it, env->vars ? arr : NULL) {
		fa_env_var *v;
		char *s, *eq;
		size_t vl;

		if (!cJSON_IsString(it) || !it->valuestring) {
			fly_set_err(err, errlen, "config.Env[%zu] is not a string", env->n_vars);
			*bad = 1;
			return;
		}
		s = it->valuestring;
		eq = strchr(s, '=');
		v = &env->vars[env->n_vars++];
		v->name = eq ? strndup(s, (size_t)(eq - s)) : strdup(s);
		if (!v->name) {
			d->oom = 1;
			return;
		}
		vl = eq ? strlen(eq + 1) : 0;
		v->value_len = vl;
		v->detectors = eq ? fa_secret_classify(v->name, eq + 1, vl) : 0;
		if (fa_env_hash(d->key, eq ? eq + 1 : "", vl, v->hash) < 0) {
			d->oom = 1;
			return;
		}
		fa_memzero(s, strlen(s)); /* the value is not kept, not even in the tree */
	}
}

static char *label(fly_dec *d, const cJSON *labels, const char *k)
{
	return fly_dstr(d, labels, k);
}

int fa_image_config_decode(const char *body, size_t len, const unsigned char *hash_key,
			   fa_image *img, char *err, size_t errlen)
{
	static const unsigned char zero_key[FA_API_HASH_KEY_LEN];
	fly_dec d = { 0, hash_key ? hash_key : zero_key };
	cJSON *root = NULL;
	const cJSON *cfg, *labels, *ports, *hist, *it = NULL, *user;
	int bad = 0;

	if (len > FA_REGISTRY_MAX_CONFIG) {
		fly_set_err(err, errlen, "image config larger than %u bytes", FA_REGISTRY_MAX_CONFIG);
		return -1;
	}
	if (fly_parse_body(body, len, &root, err, errlen))
		return -1;
	if (!cJSON_IsObject(root)) {
		fly_set_err(err, errlen, "image config is not a JSON object");
		cJSON_Delete(root);
		return -1;
	}
	cfg = fly_get(root, "config");
	if (cfg && !cJSON_IsObject(cfg) && !cJSON_IsNull(cfg)) {
		fly_set_err(err, errlen, "image config.config is not an object");
		bad = 1;
		goto out;
	}
	if (fly_get(root, "created") && !fly_get_s(root, "created")) {
		fly_set_err(err, errlen, "image config created is not a string");
		bad = 1;
		goto out;
	}
	img->created = fly_dstr(&d, root, "created");
	user = fly_get(cfg, "User");
	if (user && !cJSON_IsString(user)) {
		fly_set_err(err, errlen, "image config.User is not a string");
		bad = 1;
		goto out;
	}
	img->user = fly_dstr(&d, cfg, "User");
	dec_image_env(&d, fly_get(cfg, "Env"), &img->env, err, errlen, &bad);
	if (bad)
		goto out;
	labels = fly_get(cfg, "Labels");
	img->label_source = label(&d, labels, "org.opencontainers.image.source");
	img->label_revision = label(&d, labels, "org.opencontainers.image.revision");
	img->label_version = label(&d, labels, "org.opencontainers.image.version");
	ports = fly_get(cfg, "ExposedPorts");
	if (cJSON_IsObject(ports) && fly_n_children(ports) <= 1024) {
		size_t n = fly_n_children(ports);

		img->exposed_ports = n ? fly_dalloc(&d, n, sizeof(char *)) : NULL;
		EACH(it, img->exposed_ports ? ports : NULL) {
			if (!it->string)
				continue;
			if (!(img->exposed_ports[img->n_exposed_ports] = fly_strdup(it->string))) {
				d.oom = 1;
				break;
			}
			img->n_exposed_ports++;
		}
	}
	hist = fly_get(root, "history");
	if (hist && !cJSON_IsArray(hist)) {
		fly_set_err(err, errlen, "image config history is not an array");
		bad = 1;
		goto out;
	}
	if (fly_n_children(hist) > FA_REGISTRY_MAX_HISTORY) {
		fly_set_err(err, errlen, "image history has more than %d steps",
			    FA_REGISTRY_MAX_HISTORY);
		bad = 1;
		goto out;
	}
	if (fly_n_children(hist))
		img->history = fly_dalloc(&d, fly_n_children(hist), sizeof(*img->history));
	EACH(it, img->history ? hist : NULL) {
		fa_image_step *st = &img->history[img->n_history++];
		const cJSON *cb = fly_get(it, "created_by");

		if (!cJSON_IsObject(it)) {
			fly_set_err(err, errlen, "image history[%zu] is not an object",
				    img->n_history - 1);
			bad = 1;
			goto out;
		}
		st->empty_layer = cJSON_IsTrue(fly_get(it, "empty_layer"));
		if (cJSON_IsString(cb) && cb->valuestring) {
			size_t l = strlen(cb->valuestring);

			st->detectors = fa_image_step_classify(cb->valuestring, l);
			fa_memzero(cb->valuestring, l);
		}
	}
out:
	cJSON_Delete(root);
	if (d.oom && !bad)
		fly_oom_err(err, errlen);
	return (bad || d.oom) ? -1 : 0;
}

/* ---- auth ------------------------------------------------------------------------------ */

void fa_auth_challenge_release(fa_auth_challenge *c)
{
	if (!c)
		return;
	free(c->realm);
	free(c->service);
	free(c->scope);
	memset(c, 0, sizeof(*c));
}

int fa_auth_challenge_parse(const char *h, fa_auth_challenge *out)
{
	const char *p;

	memset(out, 0, sizeof(*out));
	if (!h)
		return -1;
	while (*h == ' ' || *h == '\t')
		h++;
	if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t'))
		return strncasecmp(h, "Basic", 5) == 0 ? 1 : -1;
	p = h + 7;
	while (*p) {
		const char *k, *v;
		size_t kl, vl;
		char **slot = NULL;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		k = p;
		while (*p && *p != '=' && *p != ',' && *p != ' ')
			p++;
		kl = (size_t)(p - k);
		if (*p != '=')
			goto bad;
		p++;
		if (*p == '"') {
			v = ++p;
			while (*p && *p != '"')
				p++;
			if (*p != '"')
				goto bad;
			vl = (size_t)(p - v);
			p++;
		} else {
			v = p;
			while (*p && *p != ',' && *p != ' ')
				p++;
			vl = (size_t)(p - v);
		}
		if (kl == 5 && strncasecmp(k, "realm", 5) == 0)
			slot = &out->realm;
		else if (kl == 7 && strncasecmp(k, "service", 7) == 0)
			slot = &out->service;
		else if (kl == 5 && strncasecmp(k, "scope", 5) == 0)
			slot = &out->scope;
		if (slot) {
			free(*slot);
			if (!(*slot = strndup(v, vl)))
				goto bad;
		}
	}
	if (!out->realm || !out->realm[0])
		goto bad;
	return 0;
bad:
	fa_auth_challenge_release(out);
	return -1;
}

char *fa_registry_decode_token(const char *body, size_t len, char *err, size_t errlen)
{
	cJSON *root = NULL;
	const char *t;
	char *copy = NULL;

	if (len > 65536) {
		fly_set_err(err, errlen, "token answer larger than 64 KiB");
		return NULL;
	}
	if (fly_parse_body(body, len, &root, err, errlen))
		return NULL;
	t = fly_get_s(root, "token");
	if (!t || !t[0])
		t = fly_get_s(root, "access_token");
	if (!t || !t[0] || strpbrk(t, "\r\n")) {
		fly_set_err(err, errlen, "token answer has no token");
	} else if (!(copy = strdup(t))) {
		fly_oom_err(err, errlen);
	}
	if (t)
		fa_memzero((char *)t, strlen(t));
	cJSON_Delete(root);
	return copy;
}

char *fa_registry_fly_credentials(const char *token)
{
	const char *t = token;
	size_t n;
	char *out;

	if (!t)
		return NULL;
	while (*t == ' ')
		t++;
	if (strncmp(t, "FlyV1 ", 6) == 0)
		t += 6;
	else if (strncmp(t, "Bearer ", 7) == 0)
		t += 7;
	n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\n' || t[n - 1] == '\r'))
		n--;
	out = malloc(n + 3);
	if (!out)
		return NULL;
	memcpy(out, "x:", 2);
	memcpy(out + 2, t, n);
	out[n + 2] = '\0';
	return out;
}
