/* registry.c: flymock's OCI registry (REFERENCE.md section 9): manifests and blobs of the
 * demo org's images (files under DIR/demo/registry/, written by gen-demo.py) or of the
 * synthetic org (40 shared images made here), served as Fly's registry on the host the
 * client was given (Basic `x:TOKEN`, or the Bearer challenge) and as an "other" registry on
 * the host `localhost` (anonymous Bearer tokens only). Modes inject a 401, a digest
 * mismatch, a blob redirect to the other host and a token realm on the other host. Any
 * credential that reaches the other host is counted as a leak (GET /__mock/stats). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "flymock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <zlib.h>

unsigned fm_registry_mode = FM_REG_BASIC;
unsigned long fm_registry_leaks;
unsigned long fm_registry_requests;

#define ANON_TOKEN "anon-7c1f5e"
#define FLY_BEARER "flyreg-3b9d2a"
#define SYNTH_IMAGES 40

/* ---- the synthetic org's images ---- */

typedef struct synth_img {
	char repo[32];
	char manifest[1024];
	char config[1024];
	char mdigest[72];
	char cdigest[72];
} synth_img;

static synth_img synth[SYNTH_IMAGES + 1]; /* the last one: library/nginx on the other host */
static int synth_ready;

static void digest_of(const char *s, size_t n, char out[72])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;

	SHA256((const unsigned char *)s, n, md);
	memcpy(out, "sha256:", 7);
	for (i = 0; i < SHA256_DIGEST_LENGTH; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

/* ---- the synthetic images' layer (--registry layers|bomb): one, shared by all ---- */

#define BIG_LAYERS 8 /* --registry layers: distinct layers, image k has layer k % 8 */
static unsigned char *big_layers[BIG_LAYERS];
static size_t big_layers_len[BIG_LAYERS];
static char big_layers_digest[BIG_LAYERS][72];
static int n_big_layers;

static size_t env_mb(const char *name, size_t dflt, size_t max)
{
	const char *v = getenv(name);
	long n = v ? strtol(v, NULL, 10) : 0;

	return n > 0 && (size_t)n <= max ? (size_t)n : dflt;
}

/* A ustar header for a regular file of `size` bytes. */
static void tar_header(unsigned char h[512], const char *name, unsigned long long size)
{
	unsigned sum = 0;
	int i;

	memset(h, 0, 512);
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", size);
	snprintf((char *)h + 136, 12, "%011o", 1700000000u);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

/* Deflates `n` bytes into the layer (gzip); `fin` ends the stream. */
static int gz_put(z_stream *z, fa_buf *out, const void *p, size_t n, int fin)
{
	unsigned char obuf[1 << 16];

	z->next_in = (unsigned char *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	do {
		int rc;

		z->next_out = obuf;
		z->avail_out = sizeof obuf;
		rc = deflate(z, fin ? Z_FINISH : Z_NO_FLUSH);
		if (rc == Z_STREAM_ERROR)
			return -1;
		if (fa_buf_add(out, (const char *)obuf, sizeof obuf - z->avail_out) != 0)
			return -1;
	} while (z->avail_out == 0 || z->avail_in > 0);
	return 0;
}

/* Raw-deflates n bytes with a full flush: the output stands alone (byte-aligned, no
 * reference to earlier data), so it may be repeated. */
static int raw_chunk(z_stream *z, fa_buf *out, const void *p, size_t n, int flush)
{
	unsigned char obuf[1 << 16];

	z->next_in = (unsigned char *)(uintptr_t)p;
	z->avail_in = (uInt)n;
	do {
		z->next_out = obuf;
		z->avail_out = sizeof obuf;
		if (deflate(z, flush) == Z_STREAM_ERROR)
			return -1;
		if (fa_buf_add(out, (const char *)obuf, sizeof obuf - z->avail_out) != 0)
			return -1;
	} while (z->avail_out == 0);
	return 0;
}

/* A gzip bomb built in a blink: the deflate of 1 MiB of zeros (full flush) repeated mb
 * times after a tar header, then the end of the archive; CRC by crc32_combine. */
static void make_bomb(size_t mb)
{
	static unsigned char zeros[1 << 20];
	static const unsigned char gz_head[10] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };
	unsigned char h[512], tail[8], pad[1024];
	fa_buf out = FA_BUF_INIT(0), one = FA_BUF_INIT(0);
	unsigned long crc, czero;
	unsigned long long isize;
	z_stream z;
	size_t i;

	memset(&z, 0, sizeof z);
	memset(pad, 0, sizeof pad);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	tar_header(h, "app/bomb.bin", (unsigned long long)mb << 20);
	fa_buf_add(&out, (const char *)gz_head, sizeof gz_head);
	raw_chunk(&z, &out, h, 512, Z_FULL_FLUSH);
	raw_chunk(&z, &one, zeros, sizeof zeros, Z_FULL_FLUSH);
	for (i = 0; i < mb; i++)
		fa_buf_add(&out, one.data, one.len);
	raw_chunk(&z, &out, pad, sizeof pad, Z_FINISH);
	deflateEnd(&z);
	crc = crc32(0L, h, 512);
	czero = crc32(0L, zeros, sizeof zeros);
	for (i = 0; i < mb; i++)
		crc = crc32_combine(crc, czero, (z_off_t)sizeof zeros);
	crc = crc32(crc, pad, sizeof pad);
	isize = 512 + ((unsigned long long)mb << 20) + sizeof pad;
	for (i = 0; i < 4; i++) {
		tail[i] = (unsigned char)(crc >> (8 * i));
		tail[4 + i] = (unsigned char)(isize >> (8 * i));
	}
	fa_buf_add(&out, (const char *)tail, sizeof tail);
	fa_buf_release(&one);
	big_layers[0] = (unsigned char *)fa_buf_detach(&out, &big_layers_len[0]);
	if (big_layers[0]) {
		digest_of((const char *)big_layers[0], big_layers_len[0], big_layers_digest[0]);
		n_big_layers = 1;
	}
}

static void make_big_layer(int idx)
{
	int bomb = (fm_registry_mode & FM_REG_BOMB) != 0;
	size_t mb = bomb ? env_mb("FLYMOCK_BOMB_MB", 3072, 1 << 16) : env_mb("FLYMOCK_LAYER_MB", 32, 4096);
	unsigned long long size = (unsigned long long)mb << 20, done = 0;
	static const char env[] = "API_TOKEN=Zq3xV8bN1mK4pL7wR2tY5uI9oE6aS0dF\n";
	static unsigned char block[1 << 20];
	unsigned char h[512], pad[1024];
	fa_buf out = FA_BUF_INIT(0);
	uint64_t x = 0x9e3779b97f4a7c15ull + (uint64_t)idx * 0x100000001b3ull;
	z_stream z;
	size_t i;

	if (bomb) {
		make_bomb(mb);
		return;
	}
	memset(&z, 0, sizeof z);
	memset(pad, 0, sizeof pad);
	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	tar_header(h, "app/.env", sizeof env - 1);
	gz_put(&z, &out, h, 512, 0);
	memcpy(block, env, sizeof env - 1);
	memset(block + sizeof env - 1, 0, 512 - (sizeof env - 1));
	gz_put(&z, &out, block, 512, 0);
	tar_header(h, "app/data.bin", size);
	gz_put(&z, &out, h, 512, 0);
	memset(block, 0, sizeof block);
	while (done < size) {
		if (!bomb)
			for (i = 0; i + 8 <= sizeof block; i += 8) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				memcpy(block + i, &x, 8);
			}
		if (gz_put(&z, &out, block, sizeof block, 0) != 0)
			break;
		done += sizeof block;
	}
	gz_put(&z, &out, pad, sizeof pad, 1);
	deflateEnd(&z);
	big_layers[idx] = (unsigned char *)fa_buf_detach(&out, &big_layers_len[idx]);
	if (big_layers[idx]) {
		digest_of((const char *)big_layers[idx], big_layers_len[idx], big_layers_digest[idx]);
		n_big_layers = idx + 1;
	}
}

void fm_registry_synth_init(void)
{
	int k;

	if (synth_ready)
		return;
	if (fm_registry_mode & FM_REG_BOMB)
		make_big_layer(0);
	else if (fm_registry_mode & FM_REG_LAYERS)
		for (k = 0; k < BIG_LAYERS; k++)
			make_big_layer(k);
	for (k = 0; k <= SYNTH_IMAGES; k++) {
		synth_img *s = &synth[k];
		int root = k == SYNTH_IMAGES;
		char cdig[72];

		if (root)
			snprintf(s->repo, sizeof s->repo, "library/nginx");
		else
			snprintf(s->repo, sizeof s->repo, "synth-img-%02d", k);
		snprintf(s->config, sizeof s->config,
			 "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2026-1%d-%02dT10:00:00Z\","
			 "\"config\":{%s\"Env\":[\"PATH=/usr/bin:/bin\",\"IMAGE_NO=%d\"],\"Cmd\":[\"./server\"]},"
			 "\"history\":[{\"created_by\":\"/bin/sh -c #(nop) ADD file:%d in /\"},"
			 "{\"created_by\":\"RUN /bin/sh -c make\"}],\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}",
			 k % 2, 1 + k % 28, root ? "" : "\"User\":\"app\",", k, k);
		digest_of(s->config, strlen(s->config), cdig);
		memcpy(s->cdigest, cdig, sizeof cdig);
		if (n_big_layers)
			snprintf(s->manifest, sizeof s->manifest,
				 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
				 "\"size\":%zu},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
				 "\"digest\":\"%s\",\"size\":%zu}]}",
				 cdig, strlen(s->config), big_layers_digest[k % n_big_layers],
				 big_layers_len[k % n_big_layers]);
		else
			snprintf(s->manifest, sizeof s->manifest,
				 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
				 "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"%s\","
				 "\"size\":%zu},\"layers\":[]}",
				 cdig, strlen(s->config));
		digest_of(s->manifest, strlen(s->manifest), s->mdigest);
	}
	synth_ready = 1;
}

const char *fm_registry_synth_digest(int k)
{
	fm_registry_synth_init();
	if (k < 0 || k > SYNTH_IMAGES)
		return "";
	return synth[k].mdigest;
}

/* ---- lookups ---- */

static int safe_part(const char *s, int allow_slash)
{
	if (!*s || strstr(s, ".."))
		return 0;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || (allow_slash && c == '/')))
			return 0;
	}
	return 1;
}

static int read_file(const char *path, fa_buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[8192];
	size_t n;
	int rc = 0;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (fa_buf_add(out, chunk, n) != 0)
			rc = -1;
	fclose(f);
	return rc;
}

static int find_manifest_in(const fm_source *src, const char *repo, const char *ref, fa_buf *out);
static int find_blob_in(const fm_source *src, const char *digest, fa_buf *out);

/* 0 and the manifest in out, or -1 when there is none (the --second-org's images too). */
static int find_manifest(const fm_source *src, const char *repo, const char *ref, fa_buf *out)
{
	if (find_manifest_in(src, repo, ref, out) == 0)
		return 0;
	return fm_second_src != NULL && fm_second_src != src ? find_manifest_in(fm_second_src, repo, ref, out)
							      : -1;
}

static int find_blob(const fm_source *src, const char *digest, fa_buf *out)
{
	if (find_blob_in(src, digest, out) == 0)
		return 0;
	return fm_second_src != NULL && fm_second_src != src ? find_blob_in(fm_second_src, digest, out) : -1;
}

static int find_manifest_in(const fm_source *src, const char *repo, const char *ref, fa_buf *out)
{
	char path[4600];
	int k;

	if (src->synthetic) {
		fm_registry_synth_init();
		for (k = 0; k <= SYNTH_IMAGES; k++)
			if (strcmp(synth[k].repo, repo) == 0 &&
			    (strcmp(ref, synth[k].mdigest) == 0 || strcmp(ref, "v1") == 0 ||
			     strcmp(ref, "latest") == 0))
				return fa_buf_adds(out, synth[k].manifest);
		return -1;
	}
	snprintf(path, sizeof path, "%s/registry/%s/manifests/%s", src->dir, repo, ref);
	return read_file(path, out);
}

static int find_blob_in(const fm_source *src, const char *digest, fa_buf *out)
{
	char path[4600];
	int k;

	if (src->synthetic) {
		fm_registry_synth_init();
		for (k = 0; k <= SYNTH_IMAGES; k++)
			if (strcmp(synth[k].cdigest, digest) == 0)
				return fa_buf_adds(out, synth[k].config);
		for (k = 0; k < n_big_layers; k++)
			if (strcmp(digest, big_layers_digest[k]) == 0)
				return fa_buf_add(out, (const char *)big_layers[k], big_layers_len[k]);
		return -1;
	}
	snprintf(path, sizeof path, "%s/registry/blobs/%s", src->dir, digest);
	return read_file(path, out);
}

/* ---- auth ---- */

/* The Basic credentials "x:TOKEN" with an accepted token. */
static int basic_ok(const char *authz)
{
	unsigned char dec[16384 + 4];
	size_t n;
	int len, ok;
	char *hdr;

	if (!authz || strncasecmp(authz, "Basic ", 6) != 0)
		return 0;
	n = strlen(authz + 6);
	if (n == 0 || n > 16384 || n % 4)
		return 0;
	len = EVP_DecodeBlock(dec, (const unsigned char *)authz + 6, (int)n);
	if (len < 3)
		return 0;
	while (len > 0 && dec[len - 1] == '\0')
		len--;
	dec[len] = '\0';
	if (strncmp((char *)dec, "x:", 2) != 0)
		return 0;
	hdr = (char *)dec + 2;
	ok = fm_token_accepted(hdr);
	fa_memzero(dec, sizeof dec);
	return ok;
}

static int host_is_other(const char *host)
{
	return host && strncasecmp(host, "localhost", 9) == 0;
}

static void json(fm_reg_answer *a, int status, const char *body)
{
	fa_buf_reset(a->body);
	a->status = status;
	a->ctype = "application/json";
	fa_buf_adds(a->body, body);
}

static void unauthorized(fm_reg_answer *a, const char *host, int tls, const char *repo, int bearer,
			 const char *realm_host)
{
	if (bearer)
		snprintf(a->www_auth, sizeof a->www_auth,
			 "Bearer realm=\"%s://%s/token\",service=\"%s\",scope=\"repository:%s:pull\"",
			 tls ? "https" : "http", realm_host, host, repo);
	else
		snprintf(a->www_auth, sizeof a->www_auth, "Basic realm=\"flymock registry\"");
	json(a, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
}

static const char *media_type(const char *body)
{
	if (strstr(body, "\"application/vnd.oci.image.index.v1+json\"") && strstr(body, "\"manifests\""))
		return "application/vnd.oci.image.index.v1+json";
	if (strstr(body, "manifest.list.v2+json"))
		return "application/vnd.docker.distribution.manifest.list.v2+json";
	if (strstr(body, "distribution.manifest.v2+json"))
		return "application/vnd.docker.distribution.manifest.v2+json";
	return "application/vnd.oci.image.manifest.v1+json";
}

static void other_port(const char *host, char *out, size_t outlen)
{
	if (host && strlen(host) > 200)
		host = NULL;
	const char *colon = host ? strrchr(host, ':') : NULL;

	snprintf(out, outlen, "localhost%s", (colon && !strchr(colon, ']')) ? colon : "");
}

int fm_registry_answer(const fm_source *src, const char *host, const char *url, const char *authz,
		       int tls, fm_reg_answer *a)
{
	int other;

	if (host && strlen(host) > 200)
		host = "invalid";
	other = host_is_other(host);
	char repo[256], ref[160], other_host[256];
	const char *p, *kind;
	int is_blob;

	a->status = 0;
	if (strncmp(url, "/v2/", 4) != 0 && strcmp(url, "/token") != 0 && strncmp(url, "/__blobs/", 9) != 0)
		return 0;
	__sync_fetch_and_add(&fm_registry_requests, 1);
	other_port(host, other_host, sizeof other_host);
	/* anything but our own anonymous token on the other host is a leaked credential */
	if (other && authz && strcmp(authz, "Bearer " ANON_TOKEN) != 0)
		__sync_fetch_and_add(&fm_registry_leaks, 1);
	if (fm_token_in(url))
		__sync_fetch_and_add(&fm_registry_leaks, 1);

	if (strcmp(url, "/token") == 0) {
		if (other) {
			json(a, 200, "{\"token\":\"" ANON_TOKEN "\",\"expires_in\":300}");
		} else if (fm_registry_mode & FM_REG_401) {
			unauthorized(a, host, tls, "x", 0, host);
		} else if (basic_ok(authz)) {
			json(a, 200, "{\"token\":\"" FLY_BEARER "\",\"access_token\":\"" FLY_BEARER "\"}");
		} else {
			unauthorized(a, host, tls, "x", 0, host);
		}
		return 1;
	}
	if (strncmp(url, "/__blobs/", 9) == 0) {
		/* the blob storage a registry redirects to: no credentials wanted */
		if (!safe_part(url + 9, 0) || find_blob(src, url + 9, a->body) != 0)
			json(a, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}");
		else {
			a->status = 200;
			a->ctype = "application/octet-stream";
		}
		return 1;
	}
	if (strcmp(url, "/v2/") == 0) {
		json(a, 200, "{}");
		return 1;
	}
	/* /v2/<repo>/(manifests|blobs)/<ref> */
	p = strstr(url + 4, "/manifests/");
	kind = "/manifests/";
	is_blob = 0;
	if (!p) {
		p = strstr(url + 4, "/blobs/");
		kind = "/blobs/";
		is_blob = 1;
	}
	if (!p || (size_t)(p - (url + 4)) >= sizeof repo || strlen(p + strlen(kind)) >= sizeof ref) {
		json(a, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}");
		return 1;
	}
	memcpy(repo, url + 4, (size_t)(p - (url + 4)));
	repo[p - (url + 4)] = '\0';
	snprintf(ref, sizeof ref, "%s", p + strlen(kind));
	if (!safe_part(repo, 1) || !safe_part(ref, 0)) {
		json(a, 404, "{\"errors\":[{\"code\":\"NAME_INVALID\"}]}");
		return 1;
	}
	if (other) {
		if (!authz || strcmp(authz, "Bearer " ANON_TOKEN) != 0) {
			unauthorized(a, host, tls, repo, 1, other_host);
			return 1;
		}
	} else if (fm_registry_mode & FM_REG_401) {
		unauthorized(a, host, tls, repo, 0, host);
		return 1;
	} else if (fm_registry_mode & (FM_REG_BEARER | FM_REG_FOREIGN_REALM)) {
		if (!authz || strcmp(authz, "Bearer " FLY_BEARER) != 0) {
			unauthorized(a, host, tls, repo, 1,
				     (fm_registry_mode & FM_REG_FOREIGN_REALM) ? other_host : host);
			return 1;
		}
	} else if (!basic_ok(authz)) {
		unauthorized(a, host, tls, repo, 0, host);
		return 1;
	}
	if (is_blob) {
		if (!other && (fm_registry_mode & FM_REG_REDIRECT)) {
			snprintf(a->location, sizeof a->location, "%s://%s/__blobs/%s", tls ? "https" : "http",
				 other_host, ref);
			json(a, 307, "");
			return 1;
		}
		if (find_blob(src, ref, a->body) != 0) {
			json(a, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}");
			return 1;
		}
		if ((fm_registry_mode & FM_REG_MISMATCH) && a->body->len > 2)
			a->body->data[a->body->len - 2] ^= 0x01; /* still JSON-ish, no longer the digest */
		if ((fm_registry_mode & FM_REG_LAYER_MISMATCH) && a->body->len > 18 &&
		    (unsigned char)a->body->data[0] == 0x1f && (unsigned char)a->body->data[1] == 0x8b)
			a->body->data[a->body->len - 1] ^= 0x01; /* the gzip ISIZE: read after the tar */
		a->status = 200;
		a->ctype = "application/octet-stream";
		return 1;
	}
	if (find_manifest(src, repo, ref, a->body) != 0) {
		json(a, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}");
		return 1;
	}
	a->status = 200;
	a->ctype = media_type(a->body->data ? a->body->data : "");
	return 1;
}
