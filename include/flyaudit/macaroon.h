/* macaroon.h: an offline decoder for Fly.io API tokens (FlyV1 macaroons).
 *
 * fa_macaroon_decode() reads an Authorization header value or a bare token
 * ("FlyV1 fm2_...,fm2_...", "Bearer fm2_...", "fm1r_...", "fo1_...", an opaque user
 * token) into an fa_token_info: every macaroon with its location and caveats, and the
 * semantics derived from them (org, apps, effective access, expiry, discharges).
 * See /work/shared/fly-api/TOKENS.md for the format.
 *
 * What it is not: an authenticity check. The decoder never sees Fly's keys; every
 * caveat it reports is an unverified claim that the server may or may not honour.
 *
 * Secrecy: the decoded structs hold no signature (tail), no nonce random and no 3P
 * verifier key. The outputs (fa_whoami_json, fa_whoami_text, fa_self_from_token) never
 * contain the token text, only decoded fields.
 *
 * Purity: no I/O, no clock; the caller passes `now`.
 */
#ifndef FLYAUDIT_MACAROON_H
#define FLYAUDIT_MACAROON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "flyaudit/buf.h"
#include "flyaudit/model.h"

/* Hard limits. Inputs beyond them are refused with FA_MAC_ELIMIT. */
#define FA_MAC_MAX_HEADER ((size_t)64 * 1024) /* bytes of header text */
#define FA_MAC_MAX_TOKENS 32                   /* comma-separated pieces */
#define FA_MAC_MAX_CAVEATS 1024                /* caveats in the header, nested ones included */
#define FA_MAC_MAX_NESTING 8                   /* IfPresent inside IfPresent ... */
#define FA_MAC_MAX_RESOURCES 1024              /* entries in one resource set or list */
#define FA_MAC_MAX_MSGPACK_DEPTH 32            /* containers inside containers */

/* Error codes (0 = success). */
enum {
	FA_MAC_OK = 0,
	FA_MAC_EARG = -1,     /* NULL argument */
	FA_MAC_EEMPTY = -2,   /* nothing but scheme words and separators */
	FA_MAC_EFORMAT = -3,  /* bad label, bad base64, bad characters */
	FA_MAC_EMSGPACK = -4, /* the payload is not one valid msgpack object */
	FA_MAC_ESHAPE = -5,   /* valid msgpack, but not a macaroon / caveat of that type */
	FA_MAC_ELIMIT = -6,   /* a hard limit above was passed */
	FA_MAC_ENOMEM = -7,
};

/* Caveat types (TOKENS.md section 3). Types 1, 17, 18 and >= 32 are kept raw. */
enum {
	FA_CAV_ORGANIZATION = 0,
	FA_CAV_VOLUMES = 2,
	FA_CAV_APPS = 3,
	FA_CAV_VALIDITY_WINDOW = 4,
	FA_CAV_FEATURE_SET = 5,
	FA_CAV_MUTATIONS = 6,
	FA_CAV_MACHINES = 7,
	FA_CAV_CONFINE_USER = 8,
	FA_CAV_CONFINE_ORGANIZATION = 9,
	FA_CAV_IS_USER = 10,
	FA_CAV_THIRD_PARTY = 11,
	FA_CAV_BIND_TO_PARENT = 12,
	FA_CAV_IF_PRESENT = 13,
	FA_CAV_MACHINE_FEATURE_SET = 14,
	FA_CAV_FROM_MACHINE_SOURCE = 15,
	FA_CAV_CLUSTERS = 16,
	FA_CAV_CONFINE_GOOGLE_HD = 19,
	FA_CAV_CONFINE_GITHUB_ORG = 20,
	FA_CAV_MAX_VALIDITY = 21,
	FA_CAV_IS_MEMBER = 22,
	FA_CAV_FLYIO_USER_ID = 23,
	FA_CAV_GITHUB_USER_ID = 24,
	FA_CAV_GOOGLE_USER_ID = 25,
	FA_CAV_ACTION = 26,
	FA_CAV_COMMANDS = 27,
	FA_CAV_APP_FEATURE_SET = 28,
	FA_CAV_STORAGE_OBJECTS = 29,
	FA_CAV_ALLOWED_ROLES = 30,
	FA_CAV_FLY_SRC = 31,
};

/* Action bits. */
#define FA_ACT_READ 1u
#define FA_ACT_WRITE 2u
#define FA_ACT_CREATE 4u
#define FA_ACT_DELETE 8u
#define FA_ACT_CONTROL 16u
#define FA_ACT_ALL 31u

/* One entry of a resource set. Apps use `id` (key NULL); all other sets use `key`. */
typedef struct fa_rs_entry {
	char *key;     /* NUL-terminated copy; NULL for numeric keys */
	uint64_t id;   /* numeric key (Apps) */
	uint64_t mask; /* FA_ACT_* bits; higher bits are kept */
} fa_rs_entry;

typedef struct fa_rs {
	fa_rs_entry *items;
	size_t n;
} fa_rs;

typedef struct fa_command {
	char **args;
	size_t n_args;
	bool exact;
} fa_command;

typedef struct fa_caveat fa_caveat;

/* One decoded caveat. Which fields are set depends on `type` (see fa_macaroon.c and
 * TOKENS.md section 3); the rest are zero. */
struct fa_caveat {
	uint64_t type;
	bool known;        /* false: an unknown or reserved type, kept as `raw` */
	uint64_t num;      /* Organization id, ConfineUser/ConfineOrganization/IsUser id,
	                      ConfineGitHubOrg, MaxValidity, FlyioUserID, GitHubUserID,
	                      AllowedRoles */
	uint64_t mask;     /* Organization mask, Action mask, IfPresent else mask */
	int64_t not_before, not_after; /* ValidityWindow */
	fa_rs rs;          /* Volumes, Apps, FeatureSet, Machines, MachineFeatureSet, Clusters,
	                      AppFeatureSet, StorageObjects */
	char **strs;       /* Mutations names; FromMachineSource [id]; ConfineGoogleHD [hd];
	                      FlySrc [org, app, instance]; 3P [location] */
	size_t n_strs;
	fa_command *cmds;  /* Commands */
	size_t n_cmds;
	unsigned char *bytes; /* GoogleUserID (big-endian); BindToParentToken id */
	size_t n_bytes;
	size_t vk_len, ticket_len; /* 3P: lengths only (the blobs are not kept) */
	bool discharged;   /* 3P: a macaroon of the header has nonce kid == ticket */
	fa_caveat *ifs;    /* IfPresent: the nested caveats */
	size_t n_ifs;
	unsigned char *raw; /* unknown types: the body re-encoded as msgpack */
	size_t raw_len;
};

typedef enum {
	FA_MAC_ROLE_PERMISSION = 0, /* location https://api.fly.io/v1 */
	FA_MAC_ROLE_DISCHARGE,      /* proof=true, or an auth location */
	FA_MAC_ROLE_OTHER,          /* any other location, not a proof */
} fa_mac_role;

/* One macaroon of the header. */
typedef struct fa_macaroon {
	char label[8];     /* "fm1r", "fm1a" or "fm2" */
	fa_mac_role role;
	bool proof;        /* nonce field 3 (false for a legacy 2-field nonce) */
	bool legacy_nonce; /* 2-field nonce */
	size_t kid_len;    /* key id length (a discharge's kid is its ticket) */
	char *location;
	fa_caveat *caveats;
	size_t n_caveats;
} fa_macaroon;

typedef struct fa_third_party {
	const char *location; /* borrowed from the caveat */
	bool discharged;
} fa_third_party;

/* A decoded header with its semantics. Free with fa_token_info_free(). */
typedef struct fa_token_info {
	fa_token_kind kind;     /* MACAROON if any macaroon decoded, else USER (opaque) */
	fa_macaroon *macs;
	size_t n_macs;
	size_t n_opaque;        /* fo1_ and unprefixed pieces */

	/* semantics (meaningful for kind MACAROON) */
	bool has_org;
	uint64_t org_id;        /* the first Organization caveat (top-level or in IfPresent) */
	bool org_conflict;      /* several different non-zero org ids: the token cannot work */
	bool apps_restricted;   /* false: any app */
	uint64_t *apps;         /* allowed app ids when restricted (may be 0 of them) */
	size_t n_apps;
	uint64_t access;        /* effective top-level mask (AND of Organization and Action) */
	bool has_else;
	uint64_t else_mask;     /* AND of the IfPresent else masks */
	bool read_only;         /* access is within FA_ACT_READ */
	bool features_restricted;
	fa_rs features;         /* intersection of FeatureSet caveats (and IsMember limits) */
	bool mutations_restricted;
	char **mutations;
	size_t n_mutations;
	bool machines_restricted;
	fa_rs machines;
	bool volumes_restricted;
	fa_rs volumes;
	const fa_caveat **commands; /* the Commands caveats (borrowed) */
	size_t n_commands;
	bool has_not_before;
	int64_t not_before;     /* the latest not_before */
	bool has_expiry;
	int64_t expires_at;     /* the earliest not_after over every macaroon */
	bool has_user;
	uint64_t user_id;       /* attested by a discharge (FlyioUserID or IsUser) */
	fa_third_party *third_party;
	size_t n_third_party;
	size_t n_undischarged;
	size_t n_unknown;       /* caveats of unknown type (kept raw) */

	void *arena_;           /* private */
} fa_token_info;

/* Decodes `len` bytes of `header` (need not be NUL-terminated). On success returns 0
 * and sets *out (free with fa_token_info_free). On failure returns a FA_MAC_E* code,
 * leaves *out NULL and writes one line (no token text) into err when errlen > 0.
 * `now` is the caller's clock; decoding and the semantics above do not depend on it
 * (expiry is judged by the output functions), so any value is accepted. */
int fa_macaroon_decode(const char *header, size_t len, time_t now, fa_token_info **out,
	char *err, size_t errlen);

/* Frees a decoded header. NULL is fine. */
void fa_token_info_free(fa_token_info *info);

/* Fills `out` (zeroed first; release with fa_self_release) from a token or header string.
 * Returns 0 when it decoded (kind MACAROON or USER), or a FA_MAC_E* code with kind
 * UNKNOWN, decoded false and out->error a malloc'd one-line reason (no token text).
 * FA_MAC_ENOMEM may leave error NULL. */
int fa_self_from_token(const char *token, time_t now, fa_self *out);

/* Appends the whoami JSON object (one line, no newline) to out. Fields, frozen:
 * kind, org_id, apps, access, read_only, not_before, expires_at, expired, user_id,
 * features, mutations, third_party, caveats, api. `caveats` lists every macaroon's
 * caveats in header order ({type, name, body}; an IfPresent's body holds its own list in
 * "ifs"); bodies never hold a signature, nonce or 3P blob, only their lengths.
 * `info` NULL gives kind "unknown".
 * `api_json` is a raw JSON object embedded as "api" (NULL, or anything that does not
 * look like an object, gives null). Returns 0, or -1 when out overflows (out released). */
int fa_whoami_json(const fa_token_info *info, time_t now, const char *api_json, fa_buf *out);

/* Appends a short human description ("read-only on org 4242, all apps, expires in
 * 89 days.") and any warnings, one per line, each ending in a newline. Returns 0 or -1. */
int fa_whoami_text(const fa_token_info *info, time_t now, fa_buf *out);

/* The caveat type's name ("Organization", "Apps", ... "Unknown"). Never NULL. */
const char *fa_caveat_name(uint64_t type);

/* Writes an access mask as letters ("rwcdC", "r", "none"); bits above 31 are
 * appended as "+0x..". Returns buf. */
char *fa_access_string(uint64_t mask, char *buf, size_t buflen);

/* The size of the one msgpack object at p[0..n), validated (every length within n,
 * depth within FA_MAC_MAX_MSGPACK_DEPTH). Returns 0 and sets *len, or FA_MAC_EMSGPACK. */
int fa_msgpack_object_len(const unsigned char *p, size_t n, size_t *len);

/* Strict standard base64 (+/ alphabet, '=' padding, zero trailing bits) into out
 * (outcap >= 3*(n/4)). Returns 0 and sets *outlen, or FA_MAC_EFORMAT. */
int fa_base64_decode_strict(const char *in, size_t n, unsigned char *out, size_t outcap,
	size_t *outlen);

#endif
