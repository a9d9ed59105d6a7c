/* edge.h: the pure decisions of `audit --probe` (audit/checks/edge.c): which hostnames of an
 * app are probed, what each probe's answer means, and the `edge.*` and evidence-based
 * `network.admin_allowlist` results of one hostname. No I/O: client/probe.c fetches the
 * answers and hands them here as an fa_edge_obs.
 */
#ifndef FLYAUDIT_EDGE_H
#define FLYAUDIT_EDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "flyaudit/audit.h"
#include "flyaudit/model.h"

/* The paths probed on each host, in this order. */
#define FA_EDGE_N_SENSITIVE 8
#define FA_EDGE_N_ADMIN 6
extern const char *const fa_edge_sensitive_paths[FA_EDGE_N_SENSITIVE];
extern const char *const fa_edge_admin_paths[FA_EDGE_N_ADMIN];
/* The TLS versions a handshake is pinned to: 1.0, 1.1, 1.2, 1.3. */
#define FA_EDGE_N_TLS 4

/* How one probe request ended. */
typedef enum {
	FA_EDGE_NOT_TRIED = 0, /* not sent (total cap reached, or the run stopped) */
	FA_EDGE_ANSWER,        /* an HTTP response arrived (any status) */
	FA_EDGE_REFUSED,       /* the TCP connection was refused: nothing listens */
	FA_EDGE_TLS_REFUSED,   /* the TLS handshake failed (for a pinned version: refused) */
	FA_EDGE_CERT_INVALID,  /* the handshake completed but the certificate does not verify */
	FA_EDGE_CLIENT_CANNOT, /* this client cannot offer that TLS version: no evidence */
	FA_EDGE_ERROR          /* timeout, reset, DNS...: no evidence */
} fa_edge_outcome;

/* One probe's answer. Strings are borrowed (the caller owns them); body may hold NULs and
 * is at most the probe's body cap (truncated = more was sent). */
typedef struct fa_edge_answer {
	fa_edge_outcome outcome;
	long status;
	const char *body;
	size_t len;
	bool truncated;
	const char *location; /* Location header, or NULL */
	const char *hsts;     /* Strict-Transport-Security value, or NULL */
	const char *error;    /* one line when outcome is not ANSWER, or NULL */
} fa_edge_answer;

/* Everything probed on one hostname. */
typedef struct fa_edge_obs {
	const char *app;
	const char *host;
	const char *probe_addr;   /* the local address the probes left from, or NULL */
	fa_edge_answer http_root;  /* GET http://HOST/ */
	fa_edge_answer https_root; /* GET https://HOST/ (verified) */
	long long cert_expiry;     /* notAfter of the served certificate (epoch s); 0 unknown */
	fa_edge_answer tls[FA_EDGE_N_TLS]; /* handshakes pinned to 1.0, 1.1, 1.2, 1.3 */
	fa_edge_answer sensitive[FA_EDGE_N_SENSITIVE];
	fa_edge_answer admin[FA_EDGE_N_ADMIN];
} fa_edge_obs;

/* True when the app has a machine with a public port whose handlers include http or tls:
 * then APP.fly.dev answers HTTP and the app is probed. */
bool fa_edge_app_probed(const fa_app *app);

/* True when `host` may be probed: a DNS name (letters, digits, '-', '.'), not a wildcard,
 * not an IP literal, at most 253 characters. */
bool fa_edge_host_ok(const char *host);

/* Calls `fn` once per hostname to probe for the app, without duplicates: "APP.fly.dev",
 * then each certificate hostname that passes fa_edge_host_ok() and whose certificate is
 * configured (DNS points at Fly). Nothing when !fa_edge_app_probed(app). Returns the count,
 * or -1 when fn returned -1 (fn's error, e.g. OOM). */
int fa_edge_hosts(const fa_app *app, int (*fn)(void *ud, const char *host), void *ud);

/* 1 when `body` holds what the sensitive path `idx` (fa_edge_sensitive_paths) would hold:
 * `KEY=value` lines for /.env, `[core]` for /.git/config, `ref: refs/` or a commit id for
 * /.git/HEAD, and so on; 0 otherwise. An HTML page never matches. */
int fa_edge_signature(size_t idx, const char *body, size_t len);

/* True when `a` is the app's single-page shell: a 200 whose body is the body of the `/`
 * answer (many apps answer every path with it). */
bool fa_edge_is_shell(const fa_edge_answer *root, const fa_edge_answer *a);

/* Appends the results of one hostname (resource type "hostname", id = host):
 * edge.http_not_redirected, edge.tls_legacy_accepted, edge.hsts_missing,
 * edge.certificate_expiring, edge.sensitive_path_exposed and network.admin_allowlist.
 * Answers that carry no evidence give `unknown`, never `pass`. Returns 0 or -1 (OOM). */
int fa_audit_edge(const fa_audit_ctx *ctx, const fa_edge_obs *obs, fa_results *out);

#endif
