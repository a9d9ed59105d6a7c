/* flymock.h: internal declarations shared by the flymock sources (not a flyaudit API;
 * the fm_ prefix marks symbols that are global only inside the flymock binary). */
#ifndef FLYMOCK_H
#define FLYMOCK_H

#include <stddef.h>

#include "flyaudit/buf.h"

/* What a data source can produce. Each is a raw JSON text exactly as Fly answers it,
 * except FM_CERTS (the full JSON array of certificate objects; the server pages it) and
 * FM_APP_TOKENS / FM_ORG_TOKENS (the GraphQL `limitedAccessTokens` object {"nodes":[…]}). */
enum fm_kind {
	FM_APPS,          /* GET /v1/apps?org_slug= */
	FM_APP,           /* GET /v1/apps/{app} */
	FM_MACHINES,      /* bare array */
	FM_VOLUMES,       /* bare array */
	FM_SECRETS,       /* {"secrets":[…]} */
	FM_IPS,           /* {"ips":[…]} */
	FM_CERTS,         /* full array, paged by the server */
	FM_APP_TOKENS,    /* {"nodes":[…]} */
	FM_ORG_TOKENS,    /* {"nodes":[…]} */
	FM_TOKENS_CURRENT, /* {"tokens":[…]} */
	FM_ORG_ACCESS     /* people and access: {"viewerRole", "members":{"edges":[…]},
	                     "invitations", "thirdPartyConfigurations", "wireGuardPeers",
	                     "delegatedWireGuardTokens" (each {"nodes":[…]})} */
};

/* A data source: the demo fixtures or the synthetic org. Read-only after setup, so it is
 * safe to use from every connection thread. */
typedef struct fm_source {
	char org_slug[64];
	char dir[4096];   /* demo: DIR/demo */
	char **apps;      /* demo: app names from apps.json */
	size_t napps;     /* demo: count; synth: N */
	int synthetic;
} fm_source;

/* Loads the demo org from dir (DIR/demo): reads apps.json for the app names.
 * Returns 0, or -1 with a one-line message in err. */
int fm_demo_open(fm_source *s, const char *dir, char *err, size_t errlen);
/* Sets up the synthetic org "synth" of n apps (1..1000000). Returns 0 or -1 with err. */
int fm_synth_open(fm_source *s, long n, char *err, size_t errlen);
/* Frees what fm_demo_open allocated (safe on a synthetic or zeroed source). */
void fm_source_close(fm_source *s);
/* 1 if the app exists in the source, else 0. */
int fm_source_has_app(const fm_source *s, const char *app);
/* Writes the body for kind (app is ignored for org-level kinds) into out.
 * Returns 0, or -1 with err (missing fixture, out of memory). */
int fm_source_body(const fm_source *s, enum fm_kind kind, const char *app, fa_buf *out,
		   char *err, size_t errlen);

/* Synthetic generator (synth.c); same contract as fm_source_body for a synthetic source. */
int fm_synth_body(const fm_source *s, enum fm_kind kind, const char *app, fa_buf *out,
		  char *err, size_t errlen);
/* 1 if app names an app of the synthetic source. */
int fm_synth_has_app(const fm_source *s, const char *app);

/* Answers a GraphQL request body (POST /graphql) for an authenticated caller: the
 * limitedAccessTokens selections of organization(slug:…) and app(name:…) (aliases too).
 * Always an HTTP 200 body; GraphQL errors go in "errors". Returns 0 or -1 (OOM). */
int fm_graphql(const fm_source *s, const char *body, size_t len, fa_buf *out);
/* The largest page of a GraphQL connection flymock returns, whatever `first` asks
 * (--graphql-max-page; 0 = no cap), to exercise clients' paging. */
extern long fm_graphql_max_page;
/* A query selecting more than this many app(name:) fields is rejected as a whole, as a
 * server with a complexity limit does (--graphql-max-apps; 0 = no limit). */
extern long fm_graphql_max_apps;
/* --deny-members: organization.members answers a field error (the token may not read
 * members), every other field as usual. */
extern int fm_deny_members;
/* --second-org N: the synthetic org of N apps served beside the main one (GraphQL picks the
 * source by org slug or app name; `organizations` lists both). NULL when not asked. */
extern const fm_source *fm_second_src;
/* --members N: members of the synthetic org (default 3). */
extern long fm_synth_members;
/* The GraphQL body for a rejected token (HTTP 200, UNAUTHORIZED). */
int fm_graphql_unauthorized(fa_buf *out);

/* mint.c (added by another helper; declared here so flymock builds with -Werror):
 * appends a mock token of kind "user" (fo1_…), "org" or "readonly" (fm2_… macaroon for
 * org 4242 valid `days` days) to out. Returns 0 or -1. */
int fm_mint_token(const char *kind, long days, fa_buf *out);

/* registry.c: the OCI registry. Modes (--registry MODE[,MODE]): */
enum {
	FM_REG_BASIC = 1u << 0,         /* Basic x:TOKEN (the default) */
	FM_REG_BEARER = 1u << 1,        /* a Bearer challenge, realm on the same host */
	FM_REG_401 = 1u << 2,           /* every credential refused */
	FM_REG_MISMATCH = 1u << 3,      /* blobs do not match their digest */
	FM_REG_REDIRECT = 1u << 4,      /* blobs answer 307 to the other host */
	FM_REG_FOREIGN_REALM = 1u << 5, /* the Bearer realm is on the other host */
	FM_REG_LAYERS = 1u << 6,        /* synthetic images get one big layer (a bench of
					 * --image-layers), 8 distinct ones: FLYMOCK_LAYER_MB
					 * (32) MiB of incompressible bytes and a .env */
	FM_REG_LAYER_MISMATCH = 1u << 8, /* gzip blobs (layers) do not match their digest (the
					  * last byte of the gzip trailer flipped) */
	FM_REG_BOMB = 1u << 7,          /* ... a gzip bomb instead: FLYMOCK_BOMB_MB (3072) MiB
					 * of zeros in a few MiB */
};
extern unsigned fm_registry_mode;
extern unsigned long fm_registry_leaks;    /* credentials seen on the other host or in URLs */
extern unsigned long fm_registry_requests;

typedef struct fm_reg_answer {
	int status;
	fa_buf *body;
	const char *ctype;
	char www_auth[1400];
	char location[1400];
} fm_reg_answer;

/* Answers /v2/..., /token and /__blobs/... (1), or returns 0 for other URLs. `host` is
 * the request's Host header: "localhost[:port]" is the other registry. */
int fm_registry_answer(const fm_source *src, const char *host, const char *url, const char *authz,
		       int tls, fm_reg_answer *a);
/* The synthetic org's 40 shared images (k = 0..39) and library/nginx (k = 40). */
void fm_registry_synth_init(void);
const char *fm_registry_synth_digest(int k);

/* main.c: the token check, for the registry's Basic credentials and the leak counter. */
int fm_token_accepted(const char *token_list);
int fm_token_in(const char *text);
/* edge.c: `flymock --edge`, the demo org's public hostnames for `audit --probe` tests.
 * Runs until SIGINT/SIGTERM; returns the exit code. */
int fm_edge_main(int argc, char **argv);

#endif
