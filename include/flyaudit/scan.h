/* scan.h: the checks of `flyaudit scan` over repository files (audit/checks/repo.c).
 *
 * Pure: each function takes one file's CONTENTS and its path relative to the scanned
 * directory (the client reads and walks), and appends results of resource type "file"
 * with a location (file, line). Values found in files are never copied into results:
 * messages name variables, actions and what a token can do, never a value or a token.
 *
 * Returns: 0; FA_SCAN_UNPARSED when the file could not be parsed (err holds the line and
 * a one-line reason; nothing was appended: the caller adds a coverage entry); -1 on OOM.
 */
#ifndef FLYAUDIT_SCAN_H
#define FLYAUDIT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "flyaudit/audit.h"
#include "flyaudit/parse.h"

#define FA_SCAN_UNPARSED 1

typedef struct fa_scan_ctx {
	const char *org; /* the results' org (may be NULL) */
	time_t now;      /* for token expiry */
} fa_scan_ctx;

/* A Dockerfile: container.runs_as_root (the final stage's USER), container.image_unpinned
 * (each FROM), secrets.dockerfile (ENV/ARG defaults), and secrets.env_file_committed when
 * the build copies the whole context and `dockerignore` (the context's .dockerignore, NULL
 * when there is none) does not exclude .env files. */
int fa_scan_dockerfile(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		       const char *dockerignore, size_t di_len, fa_results *out,
		       fa_parse_error *err);

/* A GitHub Actions workflow: ci.action_unpinned, ci.token_not_from_secrets (also
 * `fly tokens create` without an expiry), ci.secret_as_build_arg. */
int fa_scan_workflow(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		     fa_results *out, fa_parse_error *err);

/* A fly.toml: [env] (secrets.plaintext_env), services and http_service
 * (network.private_service_public, tls.https_not_forced, tls.weak_protocols,
 * health.checks_missing, machines.autostop_disabled), [build] image
 * (container.image_unpinned). Results carry the app named by `app = "..."`. */
int fa_scan_fly_toml(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		     fa_results *out, fa_parse_error *err);

/* Any text file: Fly token literals (FlyV1 fm2_..., fm1r_..., fm1a_..., fo1_...),
 * reported as ci.token_hardcoded only when the macaroon decoder confirms them; the
 * message says what the token can do. Never fails to parse. */
int fa_scan_token_literals(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
			   fa_results *out);

/* fa_scan_is_env_file: true when `path` names a .env file (`.env`, `.env.production`;
 * templates like `.env.example` are not). fa_scan_env_file: the file is committed (in the
 * git index; outside git, present): a secrets.env_file_committed failure. */
bool fa_scan_is_env_file(const char *path);
int fa_scan_env_file(const fa_scan_ctx *c, const char *path, fa_results *out);

/* ---- audit --repo ------------------------------------------------------------------- */

/* The app a fly.toml names (`app = "..."`), malloc'd; NULL when none (or not TOML). */
char *fa_fly_toml_app(const char *text, size_t len);

/* config.repo_drift: the fly.toml at `path` held against the live app's started machines
 * that have a config (force_https, ports and handlers, public internal ports, TLS versions,
 * health checks present, auto-stop, env names, [build] image). One result per setting
 * (resource "app", id "APP#setting"), fail when any machine differs, with file:line; an
 * `unknown` when the app's machines could not be read or none is started. */
int fa_repo_drift(const fa_scan_ctx *c, const char *path, const char *text, size_t len,
		  const fa_app *app, fa_results *out, fa_parse_error *err);

#endif
