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

void fm_registry_synth_init(void)
{
	int k;

	if (synth_ready)
		return;
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
