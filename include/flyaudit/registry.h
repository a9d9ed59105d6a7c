/* registry.h: reading images from an OCI distribution registry (Fly's, at registry.fly.io).
 *
 * Two halves:
 * - pure decoders of what a registry sends (client/fly/registry.c): image references,
 *   manifests and indexes, image configs, WWW-Authenticate challenges, sha256 digests.
 *   They take bytes and return model structs; env values and history steps are
 *   classified as they are decoded and dropped.
 * - the client (client/registry.c): one fetch per unique digest per run, over the run's
 *   fa_net, with Basic `x:<macaroons>` to the Fly registry and the distribution spec's
 *   Bearer challenge. The Fly token goes only to the Fly registry's host (a realm on
 *   another host gets no credentials), never in a URL, never on a redirect; blob
 *   redirects are followed without any Authorization header, manifest redirects are
 *   refused.
 */
#ifndef FLYAUDIT_REGISTRY_H
#define FLYAUDIT_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "flyaudit/model.h"
#include "flyaudit/net.h"

#define FA_REGISTRY_DEFAULT_HOST "registry.fly.io"
#define FA_REGISTRY_MAX_MANIFEST (4u * 1024 * 1024) /* bytes; larger is refused */
#define FA_REGISTRY_MAX_CONFIG (8u * 1024 * 1024)
#define FA_REGISTRY_MAX_ENV 4096    /* config.Env entries kept */
#define FA_REGISTRY_MAX_HISTORY 4096 /* history steps kept */

/* The manifest media types a client accepts (the Accept header, comma-separated). */
#define FA_REGISTRY_ACCEPT                                              \
	"application/vnd.oci.image.index.v1+json, "                     \
	"application/vnd.oci.image.manifest.v1+json, "                  \
	"application/vnd.docker.distribution.manifest.list.v2+json, "   \
	"application/vnd.docker.distribution.manifest.v2+json"

/* ---- pure decoders ---------------------------------------------------------------- */

/* An image reference split the way Docker does: "nginx:1.25" is docker.io +
 * library/nginx + tag 1.25; "registry.fly.io/app:deployment-1" is registry.fly.io + app.
 * `reference` is the digest when the reference has one, else the tag ("latest" when
 * none). Every part is checked against the distribution spec's grammar (they go into
 * URL paths). */
typedef struct fa_image_ref {
	char *registry;   /* host[:port] */
	char *repository;
	char *tag;        /* NULL when none */
	char *digest;     /* "sha256:<64 hex>", NULL when none */
} fa_image_ref;

/* Returns 0, or -1 with a one-line reason (OOM included). */
int fa_image_ref_parse(const char *image, fa_image_ref *out, char *err, size_t errlen);
void fa_image_ref_release(fa_image_ref *r);

/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
bool fa_registry_digest_valid(const char *digest);
/* True when sha256(data) is the digest. */
bool fa_registry_digest_matches(const char *digest, const void *data, size_t len);
/* "sha256:<hex>" of data into out (72 bytes at least). */
void fa_registry_digest_of(const void *data, size_t len, char out[72]);

typedef enum { FA_MANIFEST_IMAGE = 1, FA_MANIFEST_INDEX = 2 } fa_manifest_kind;

/* One layer of an image manifest. */
typedef struct fa_layer_desc {
	char *digest;     /* "sha256:<64 hex>" (checked) */
	char *media_type; /* NULL when the manifest says nothing */
	long long size;
} fa_layer_desc;

/* A manifest (one platform) or an index (several): what the client needs of it. */
typedef struct fa_manifest {
	fa_manifest_kind kind;
	char *media_type;      /* as the document says (or inferred when it says nothing) */
	/* FA_MANIFEST_IMAGE */
	char *config_digest;
	long long config_size;
	size_t n_layers;
	long long layers_size;
	fa_layer_desc *layers; /* n_layers of them, in order (base first) */
	/* FA_MANIFEST_INDEX */
	char *platform_digest; /* the linux/amd64 manifest; NULL when there is none */
	size_t n_manifests;
} fa_manifest;

/* Decodes a manifest or an index (OCI or Docker media types). An unknown media type, a
 * missing or malformed config digest, an index entry with a bad digest: -1 with err.
 * An index with no linux/amd64 entry decodes (platform_digest NULL): the caller says so. */
int fa_manifest_decode(const char *body, size_t len, fa_manifest *out, char *err,
		       size_t errlen);
void fa_manifest_release(fa_manifest *m);

/* Decodes an image config blob into img: created, User, Env (classified with the keyed
 * hash, values dropped), the OCI labels, ExposedPorts, history (each step classified,
 * its text dropped). Only the config fields are set; the rest of img is left alone.
 * `hash_key` is FA_API_HASH_KEY_LEN bytes (NULL: zeros). Returns 0 or -1 with err. */
int fa_image_config_decode(const char *body, size_t len, const unsigned char *hash_key,
			   fa_image *img, char *err, size_t errlen);

/* The FA_DET_* that fire on one build step's text: each NAME=value word (build args,
 * ENV) by name and value, each other word by value alone. Pure; exposed for tests. */
uint32_t fa_image_step_classify(const char *created_by, size_t len);

/* A WWW-Authenticate: Bearer challenge. Returns 0 and the parameters (any may be NULL
 * except realm), 1 when the scheme is not Bearer (e.g. Basic), -1 when malformed/OOM. */
typedef struct fa_auth_challenge {
	char *realm;
	char *service;
	char *scope;
} fa_auth_challenge;
int fa_auth_challenge_parse(const char *header, fa_auth_challenge *out);
void fa_auth_challenge_release(fa_auth_challenge *c);

/* The token of a token endpoint's JSON answer ({"token"} or {"access_token"}).
 * Returns a new string or NULL with err. */
char *fa_registry_decode_token(const char *body, size_t len, char *err, size_t errlen);

/* ---- the client ------------------------------------------------------------------- */

typedef struct fa_registry fa_registry;

typedef struct fa_registry_opts {
	fa_net *net;
	const char *fly_registry;      /* FLY_REGISTRY_HOST: a host (https) or a base URL */
	const char *basic_credentials; /* the Fly registry's "x:<macaroons>"; copied, cleansed;
					* NULL: the Fly registry is read anonymously too */
	const unsigned char *hash_key; /* FA_API_HASH_KEY_LEN bytes */
	int verbose;
	/* --image-layers: also stream every layer of each image (client/layers.c) for
	 * secrets.image_files. Caps in bytes, 0 = the FA_LAYER_DEFAULT_* of layers.h. */
	bool layers;
	long long layer_max_compressed; /* per layer */
	long long layer_max_unpacked;   /* per layer */
	long long run_max_compressed;   /* all layers of the run */
	long long run_max_unpacked;
} fa_registry_opts;

/* Checks FLY_REGISTRY_HOST: a bare host means https://HOST; a URL must pass
 * fa_net_check_base. Writes the base URL (no trailing slash) to out. 0 or -1 with err. */
int fa_registry_base(const char *host_or_url, char *out, size_t outlen, char *err,
		     size_t errlen);

int fa_registry_new(fa_registry **out, const fa_registry_opts *o, char *err, size_t errlen);
void fa_registry_free(fa_registry *r);

/* Called once when an image is read or could not be (img->load says which). `img` is
 * borrowed: copy what you keep (fa_image_copy). May be called before fa_registry_want
 * returns when the image is already known. */
typedef void (*fa_registry_cb)(void *ud, const fa_image *img);

/* Asks for the image a machine runs: `image` is config.image, `digest` its
 * image_ref.digest (may be NULL). One fetch per unique key per run; later askers wait
 * for the first. Returns 0 (cb will be called exactly once) or -1 (OOM: it will not). */
int fa_registry_want(fa_registry *r, const char *image, const char *digest,
		     fa_registry_cb cb, void *ud);

typedef struct fa_registry_stats {
	size_t images;    /* unique images asked for */
	size_t requests;  /* registry requests made (token exchanges included) */
	size_t failed;    /* images that could not be read */
	size_t layers;    /* layers streamed (--image-layers) */
	size_t layers_cached; /* layers of an image taken from another's read of that digest */
	size_t layers_incomplete; /* of which not read whole (cap, media type, error) */
	long long layer_bytes;    /* compressed bytes of layers received */
	long long layer_unpacked; /* decompressed bytes of layers read */
} fa_registry_stats;
void fa_registry_get_stats(const fa_registry *r, fa_registry_stats *out);

/* The Basic credentials Fly's registry takes for a token: "x:" + the token's macaroons,
 * comma-joined, without the "FlyV1 "/"Bearer " scheme (flyctl's docker login). Returns a
 * new string (the caller cleanses and frees it) or NULL. */
char *fa_registry_fly_credentials(const char *token);

#endif
