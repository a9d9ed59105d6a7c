/* model.h: the inventory of a Fly organization, as the audit sees it.
 *
 * The client decodes API responses into these structs (client/fly/), the snapshot
 * reader rebuilds them from a file (client/snapshot.c), and the checks in audit/ read
 * them. Nothing here refers to curl, cJSON or the file system.
 *
 * Ownership: every pointer member is owned by its parent and freed by fa_app_free()
 * or fa_inventory_release(). Strings are NUL-terminated UTF-8 or NULL when the API
 * did not send the field. Arrays are `T *items; size_t n_items;`.
 *
 * Secrecy: env values are never stored. An env var keeps its name, the value's length,
 * the detectors that fired on the value (FA_DET_*), and a keyed hash of the value used
 * only for equality (drift between machines). Secret values are never requested.
 */
#ifndef FLYAUDIT_MODEL_H
#define FLYAUDIT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A yes/no the API may leave out: never guess "yes" for a missing security flag. */
typedef enum { FA_TRI_UNKNOWN = -1, FA_TRI_FALSE = 0, FA_TRI_TRUE = 1 } fa_tri;

/* ---- env values, classified at decode time ---------------------------------- */

/* Detectors, one bit each (audit/secrets.c classifies a value into these). */
enum {
	FA_DET_FLY_TOKEN = 1u << 0,    /* FlyV1 / fm1a_ / fm1r_ / fm2_ / fo1_ */
	FA_DET_AWS_KEY = 1u << 1,      /* AKIA / ASIA access key id */
	FA_DET_STRIPE_KEY = 1u << 2,   /* sk_live_ / rk_live_ */
	FA_DET_GITHUB_TOKEN = 1u << 3, /* ghp_ gho_ ghs_ github_pat_ (and ghu_ ghr_) */
	FA_DET_SLACK_TOKEN = 1u << 4,  /* xoxa- xoxb- xoxp- xoxr- */
	FA_DET_SENDGRID_KEY = 1u << 5, /* SG.x.y */
	FA_DET_GOOGLE_KEY = 1u << 6,   /* AIza... */
	FA_DET_PEM_PRIVATE = 1u << 7,  /* -----BEGIN ... PRIVATE KEY----- */
	FA_DET_JWT = 1u << 8,          /* three base64url parts, header decodes to JSON */
	FA_DET_URL_PASSWORD = 1u << 9, /* scheme://user:password@host */
	FA_DET_SECRET_NAME = 1u << 10, /* the NAME looks secret and the value is non-trivial */
	FA_DET_APP_SECRET = 1u << 11,  /* the NAME is also an app secret (set at check time) */
};
/* The detectors that look at the value alone (a credential format). */
#define FA_DET_VALUE_MASK 0x3ffu
#define FA_ENV_HASH_LEN 16 /* bytes of the keyed hash kept per value */

typedef struct fa_env_var {
	char *name;
	size_t value_len;
	uint32_t detectors;                 /* FA_DET_* that fired on name+value */
	unsigned char hash[FA_ENV_HASH_LEN]; /* keyed hash of the value, equality only */
} fa_env_var;

typedef struct fa_env {
	fa_env_var *vars;
	size_t n_vars;
} fa_env;

/* ---- machines ------------------------------------------------------------------ */

enum {
	FA_HANDLER_HTTP = 1u << 0,
	FA_HANDLER_TLS = 1u << 1,
	FA_HANDLER_PROXY_PROTO = 1u << 2,
	FA_HANDLER_PG_TLS = 1u << 3,
	FA_HANDLER_EDGE_HTTP = 1u << 4,
	FA_HANDLER_OTHER = 1u << 7,
};

enum {
	FA_TLSV_1_0 = 1u << 0,
	FA_TLSV_1_1 = 1u << 1,
	FA_TLSV_1_2 = 1u << 2,
	FA_TLSV_1_3 = 1u << 3,
	FA_TLSV_OTHER = 1u << 7,
};

/* A response header the edge adds (`http_options.response.headers`): a list value is
 * joined with ", ". These are public headers (HSTS, X-Frame-Options), not secrets. */
typedef struct fa_header {
	char *name;
	char *value;
} fa_header;

typedef struct fa_port {
	int port;       /* 0 when absent (a range uses start_port/end_port); else 1..65535 */
	int start_port; /* 0 when absent */
	int end_port;   /* 0 when absent */
	uint32_t handlers;   /* FA_HANDLER_* */
	fa_tri force_https;  /* absent = UNKNOWN (Fly's default is false) */
	uint32_t tls_versions; /* FA_TLSV_*; 0 = not set (Fly's defaults) */
	fa_tri default_self_signed; /* tls_options.default_self_signed */
	fa_header *resp_headers;    /* http_options.response.headers */
	size_t n_resp_headers;
} fa_port;

typedef enum {
	FA_AUTOSTOP_UNSET = -1, /* field absent */
	FA_AUTOSTOP_OFF = 0,    /* false or "off" */
	FA_AUTOSTOP_STOP = 1,   /* true or "stop" */
	FA_AUTOSTOP_SUSPEND = 2 /* "suspend" */
} fa_autostop;

/* A configured health check: a service check or a machine check (`config.checks`). */
typedef struct fa_check_def {
	char *name; /* machine checks: the key of config.checks; service checks: NULL */
	char *type; /* "tcp" or "http" */
	int port;
	char *path;
	char *method;
	char *protocol;
	char *interval;
	char *timeout;
	char *kind; /* machine checks: "informational" or "readiness" */
	fa_tri tls_skip_verify;
} fa_check_def;

typedef struct fa_service {
	char *protocol; /* "tcp" or "udp" */
	int internal_port;
	fa_port *ports;
	size_t n_ports;
	fa_autostop autostop;
	fa_tri autostart;
	int min_machines_running; /* -1 when absent */
	fa_check_def *checks;
	size_t n_checks;
} fa_service;

/* A live check result from the machine's `checks` array. */
typedef struct fa_check_status {
	char *name;
	char *status; /* "passing", "warning", "critical" */
	char *updated_at;
	/* `output` is not kept: it can echo anything the app prints. */
} fa_check_status;

/* A credential found outside env: a check header, an inline file (`files[].raw_value`,
 * base64, decoded and classified at decode time) or a command-line argument
 * (`init.exec/entrypoint/cmd`, per container too). Only where it is and which detectors
 * fired are kept; the value is dropped like an env value. */
typedef struct fa_cred_hit {
	char *where;        /* `check "http" header Authorization`, `file /app/.env`,
			     * `init.cmd argument 3`: never the value */
	uint32_t detectors; /* FA_DET_* */
} fa_cred_hit;

/* The places outside env a config was scanned in, and what fired. */
typedef struct fa_cred_scan {
	fa_cred_hit *hits;
	size_t n_hits;
	size_t n_places; /* headers, files and arguments looked at (hits included) */
} fa_cred_scan;

typedef struct fa_process {
	char *user; /* NULL when the process does not name a user */
	fa_env env;
	/* exec/cmd/entrypoint are scanned into the machine's `creds`, not kept */
} fa_process;

/* One container of a multi-container machine (`config.containers[]`). It is audited like
 * the machine's own process: env, user, image, hidden credentials. */
typedef struct fa_container {
	char *name;
	char *image; /* containers[].image; the image the container runs */
	char *user;  /* containers[].user; NULL: the image's USER decides (read by issue 9's
		      * image resolution, never guessed) */
	fa_env env;
	fa_cred_scan creds; /* files, exec/entrypoint/cmd, healthcheck headers */
	size_t n_secrets;   /* containers[].secrets (names only: the safe form) */
	size_t n_healthchecks;
} fa_container;

typedef struct fa_mount {
	char *volume;
	char *path;
	char *name;
	fa_tri encrypted;
} fa_mount;

typedef struct fa_machine {
	char *id;
	char *name;
	char *state;
	char *region;
	char *instance_id;
	char *private_ip;
	char *host_status;
	char *created_at;
	char *updated_at;
	char *image_digest; /* image_ref.digest */
	bool has_config;    /* false: config missing (host not ok): config checks are unknown */
	char *image;        /* config.image */
	char *process_group; /* metadata.fly_process_group, else the legacy
			      * metadata.process_group; NULL if neither (group "(none)") */
	bool release_command; /* a one-shot release_command machine (left out of drift) */
	char *malformed;    /* the first config field of the wrong JSON type or out of range
			     * ("config.env", "config.services[0].ports[1].port"), NULL when
			     * none: the checks that read the config are `unknown` */
	char *init_user;    /* not in Fly's API today; reserved, always NULL from the API */
	fa_env env;         /* config.env */
	fa_service *services;
	size_t n_services;
	fa_check_def *checks; /* config.checks */
	size_t n_checks;
	fa_process *processes; /* config.processes */
	size_t n_processes;
	fa_mount *mounts;
	size_t n_mounts;
	fa_container *containers; /* config.containers */
	size_t n_containers;
	fa_cred_scan creds; /* check headers, files, init.exec/entrypoint/cmd */
	fa_check_status *check_status; /* top-level `checks` */
	size_t n_check_status;
} fa_machine;

/* ---- other per-app resources ------------------------------------------------------ */

typedef struct fa_volume {
	char *id;
	char *name;
	char *state;
	char *region;
	char *zone;
	char *attached_machine_id;
	char *created_at;
	char *type; /* "local" or "cache" */
	long long size_gb;
	int snapshot_retention; /* -1 when absent */
	fa_tri encrypted;
	fa_tri auto_backup_enabled;
} fa_volume;

typedef enum {
	FA_IP_V4 = 0,    /* dedicated public IPv4 */
	FA_IP_V6,        /* public IPv6 */
	FA_IP_SHARED_V4, /* shared public IPv4 */
	FA_IP_PRIVATE_V6, /* Flycast */
	FA_IP_EGRESS_V4,
	FA_IP_EGRESS_V6,
} fa_ip_type;

typedef struct fa_ip {
	char *address;
	fa_ip_type type;
	char *region;
	char *service_name;
	char *network; /* Flycast network name ("" = default), NULL otherwise */
	char *network_org; /* the Flycast network's org_slug, NULL when not sent */
	char *created_at;
} fa_ip;

typedef struct fa_secret {
	char *name;
	char *digest;
	char *created_at;
	char *updated_at;
} fa_secret;

typedef struct fa_cert {
	char *hostname;
	char *status; /* "active", "pending_validation", "pending_ownership", ... */
	fa_tri configured;
	char *dns_provider;
	fa_tri has_custom_certificate;
	fa_tri has_fly_certificate;
	fa_tri acme_dns_configured;
	fa_tri acme_alpn_configured;
	fa_tri acme_http_configured;
	char *created_at;
	char *updated_at;
} fa_cert;

typedef struct fa_token {
	char *id;
	char *name;
	char *created_at;
	char *expires_at; /* `expiresAt` is non-null in Fly's schema (ISO8601DateTime!):
			   * NULL only when a server left it out, read as "never expires"
			   * (the long-lived finding: fail closed) */
	char *revoked_at; /* NULL = live */
	char *profile;
	char *user_email; /* user{email}: who created it */
	char *revoked_by; /* revokedBy, NULL when not revoked (or not said) */
	char *app; /* NULL for org tokens */
} fa_token;

/* ---- loading status ------------------------------------------------------------- */

typedef enum {
	FA_EP_APP = 0, /* the app itself (list row) */
	FA_EP_MACHINES,
	FA_EP_VOLUMES,
	FA_EP_SECRETS,
	FA_EP_IPS,
	FA_EP_CERTS,
	FA_EP_TOKENS, /* app tokens (GraphQL) */
	FA_EP_IMAGES, /* the images of its machines (Fly's registry); tried only when asked */
	FA_EP_COUNT
} fa_endpoint;

/* The name of an endpoint as reports and snapshots write it ("machines", ...). */
const char *fa_endpoint_name(fa_endpoint ep);
/* The reverse; -1 when unknown. */
int fa_endpoint_from_name(const char *name);

typedef struct fa_load {
	bool loaded;  /* true only when the whole resource list was read */
	bool tried;   /* false: not requested (e.g. filtered out) */
	int status;   /* last HTTP status, 0 for a transport error */
	char *message; /* one line, NULL when loaded */
} fa_load;

/* ---- images, read from the registry (client/registry.c) ------------------------------ */

/* One step of the image's build history. The step's text (`created_by`) is classified
 * when it is decoded and dropped: build arguments and ENV values live there. */
typedef struct fa_image_step {
	uint32_t detectors; /* FA_DET_* that fired on a NAME=value or a bare word of the step */
	bool empty_layer;
} fa_image_step;

/* A suspicious file of an image layer (`--image-layers`) whose content a detector flagged.
 * Only the path, the detectors and the layer are kept: never the content. */
typedef struct fa_image_file {
	char *path;         /* as the layer names it ("app/.env"), cut at FA_IMAGE_FILE_PATH_MAX */
	uint32_t detectors; /* FA_DET_* that fired on its content */
	char *layer;        /* the digest of the layer that holds it */
	bool deleted;       /* a later layer deletes it (a whiteout): still in the image's bytes */
} fa_image_file;
#define FA_IMAGE_FILE_PATH_MAX 512
#define FA_IMAGE_MAX_FILES 256 /* files kept per image; more are counted, not kept */

/* An image as its config blob describes it, one per digest. Env values are classified
 * at decode time and dropped, exactly as machine env. */
typedef struct fa_image {
	char *digest;          /* the key: the machine's image_ref.digest, else the reference */
	char *ref;             /* config.image as a machine names it */
	char *registry;        /* host the image was read from ("registry.fly.io") */
	char *repository;
	char *manifest_digest; /* the linux/amd64 manifest that was read */
	char *config_digest;
	char *created;         /* RFC 3339, NULL when the config does not say */
	char *user;            /* config.User; NULL when absent ("" and NULL both mean root) */
	fa_env env;            /* config.Env */
	char *label_source;    /* org.opencontainers.image.source */
	char *label_revision;  /* org.opencontainers.image.revision */
	char *label_version;   /* org.opencontainers.image.version */
	char **exposed_ports;  /* "8080/tcp" */
	size_t n_exposed_ports;
	fa_image_step *history;
	size_t n_history;
	size_t n_layers;
	long long layers_size; /* bytes, compressed, as the manifest says */
	fa_load load;          /* loaded, or why the image could not be read */
	/* --image-layers (secrets.image_files): the files of the layers */
	bool layers_tried;     /* the layers were asked for */
	bool layers_complete;  /* every layer was read to its end and matched its digest */
	char *layers_note;     /* why not (a cap, a media type, a mismatch); NULL when complete */
	fa_image_file *files;  /* suspicious files holding a credential, in layer order */
	size_t n_files;
	size_t n_files_more;   /* such files past FA_IMAGE_MAX_FILES, counted only */
	size_t files_sniffed;  /* suspicious names whose content was read (credential or not) */
	long long layers_read_bytes;   /* compressed bytes read */
	long long layers_unpacked;     /* decompressed bytes read */
} fa_image;

void fa_image_release(fa_image *img);
/* A deep copy of src into *out (zeroed first). Returns 0 or -1 (OOM: *out holds nothing). */
int fa_image_copy(fa_image *out, const fa_image *src);

/* ---- people and access (org level, GraphQL; REFERENCE.md section 8) ---------------- */

/* The parts of an org's access data, each read (and failing) on its own: a token may be
 * refused one field (members) and allowed the others. */
typedef enum {
	FA_ACCESS_ROLE = 0,   /* viewerRole */
	FA_ACCESS_MEMBERS,    /* members */
	FA_ACCESS_INVITATIONS,
	FA_ACCESS_SSO,        /* thirdPartyConfigurations */
	FA_ACCESS_PEERS,      /* wireGuardPeers */
	FA_ACCESS_DELEGATED,  /* delegatedWireGuardTokens */
	FA_ACCESS_COUNT
} fa_access_part;

typedef struct fa_member {
	char *id;
	char *email;
	char *name;
	char *role;      /* "ADMIN" or "MEMBER" (OrganizationMemberRole) */
	char *joined_at;
	char *last_region;
	fa_tri two_factor; /* twoFactorProtection; UNKNOWN when absent */
} fa_member;

typedef struct fa_invitation {
	char *id;
	char *email;
	char *created_at;
	char *redeemed_at;
	char *inviter_email;
	fa_tri redeemed;
} fa_invitation;

/* A third-party (SSO) configuration; levels as the schema spells them (DISABLED, OPT_IN,
 * MEMBER_OPT_OUT, ADMIN_OPT_OUT, REQUIRED). */
typedef struct fa_sso_config {
	char *id;
	char *name;
	char *location;
	char *flyctl_level;
	char *uiex_level;
	char *custom_level;
	char *created_at;
} fa_sso_config;

/* A WireGuard peer: its public side only (the API has no private key). */
typedef struct fa_wg_peer {
	char *id;
	char *name;
	char *region;
	char *peerip;
	char *network;
} fa_wg_peer;

typedef struct fa_wg_token {
	char *id;
	char *name;
} fa_wg_token;

typedef struct fa_access {
	char *viewer_role;
	fa_member *members;
	size_t n_members;
	fa_invitation *invitations;
	size_t n_invitations;
	fa_sso_config *sso;
	size_t n_sso;
	fa_wg_peer *peers;
	size_t n_peers;
	fa_wg_token *wg_tokens;
	size_t n_wg_tokens;
	fa_load load[FA_ACCESS_COUNT]; /* none tried: access was not read (then no checks) */
} fa_access;

/* "role", "members", "invitations", "sso", "wireguard_peers", "wireguard_tokens". */
const char *fa_access_part_name(fa_access_part p);
int fa_access_part_from_name(const char *name); /* -1 when unknown */
void fa_access_release(fa_access *a);
/* True when any part was attempted. */
bool fa_access_tried(const fa_access *a);
/* The member with this email (ASCII case-insensitive), or NULL. */
const fa_member *fa_access_member(const fa_access *a, const char *email);

/* ---- apps, org, inventory ------------------------------------------------------ */

typedef struct fa_app {
	char *id;
	char *name;
	char *status;
	char *network;
	char *org_slug;
	long long internal_numeric_id; /* -1 when absent */
	long long machine_count;       /* -1 when absent */
	long long volume_count;        /* -1 when absent */

	fa_machine *machines;
	size_t n_machines;
	fa_volume *volumes;
	size_t n_volumes;
	fa_ip *ips;
	size_t n_ips;
	fa_secret *secrets;
	size_t n_secrets;
	fa_cert *certs;
	size_t n_certs;
	fa_token *tokens;
	size_t n_tokens;
	fa_image *images; /* one per digest its machines run (FA_EP_IMAGES) */
	size_t n_images;

	fa_load load[FA_EP_COUNT];
} fa_app;

/* What is known of the token flyaudit runs with. Filled offline from the token
 * (audit/macaroon.c) and, when reachable, from GET /v1/tokens/current. */
typedef enum {
	FA_TOKEN_KIND_UNKNOWN = 0,
	FA_TOKEN_KIND_MACAROON,
	FA_TOKEN_KIND_USER,
} fa_token_kind;

typedef struct fa_self {
	fa_token_kind kind;
	bool decoded;    /* the macaroon decoded (kind MACAROON) */
	fa_tri read_only;
	unsigned access; /* effective access mask (r=1 w=2 c=4 d=8 C=16) */
	long long org_id; /* -1 when absent */
	time_t expires_at; /* 0 = none known */
	size_t n_undischarged; /* third-party caveats without a discharge */
	char *error;     /* why it could not be decoded, NULL if it could */
} fa_self;

typedef struct fa_inventory {
	char *org;          /* slug */
	char *collected_at; /* RFC 3339 */
	char *source;       /* "live" or the snapshot path */
	fa_self self;
	fa_token *org_tokens;
	size_t n_org_tokens;
	fa_load org_tokens_load;
	fa_load apps_load; /* the app list itself */
	fa_access access;  /* people and access (not tried unless asked for) */
} fa_inventory;

/* ---- lifecycle ------------------------------------------------------------------- */

void fa_env_release(fa_env *env);
void fa_machine_release(fa_machine *m);
void fa_volume_release(fa_volume *v);
void fa_ip_release(fa_ip *ip);
void fa_secret_release(fa_secret *s);
void fa_cert_release(fa_cert *c);
void fa_token_release(fa_token *t);
void fa_load_release(fa_load *l);
/* Frees everything an app holds; the struct itself is zeroed, not freed. */
void fa_app_release(fa_app *app);
void fa_self_release(fa_self *self);
void fa_inventory_release(fa_inventory *inv);

/* Sets every optional number of a fresh app to -1 (absent). Zeroes the rest. */
void fa_app_init(fa_app *app);

/* Records a load failure: `loaded` false, status, message (copied, cut to one line). */
int fa_load_fail(fa_load *l, int status, const char *message);
/* Records success. */
void fa_load_ok(fa_load *l);
/* True when the load was attempted and did not succeed. */
bool fa_load_failed(const fa_load *l);
/* True when no endpoint of the app that was attempted failed. */
bool fa_app_complete(const fa_app *app);

/* The name of an IP type as Fly spells it ("v4", "shared_v4", "private_v6", ...). */
const char *fa_ip_type_name(fa_ip_type t);
/* True for the public types a client can reach from the internet (v4, v6, shared_v4). */
bool fa_ip_is_public(fa_ip_type t);

/* The image a machine runs (matched by digest, else by reference); NULL when not read. */
const fa_image *fa_app_machine_image(const fa_app *app, const fa_machine *m);
/* The image read for a reference (a container's `image`); NULL when not read. */
const fa_image *fa_app_image_by_ref(const fa_app *app, const char *ref);

/* The process group of a machine for grouping ("(none)" when metadata does not say). */
const char *fa_machine_group(const fa_machine *m);

/* True for a machine the audit reads: every state but destroying and the terminal
 * destroyed/replaced/migrated (a state flyaudit does not know, or none, is audited). */
bool fa_machine_audited(const fa_machine *m);
/* True for a machine that serves: started, or stopped/suspended with a service that
 * autostarts. Drift compares these. */
bool fa_machine_serves(const fa_machine *m);

void fa_cred_scan_release(fa_cred_scan *c);
void fa_container_release(fa_container *c);

#endif
