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
 * (container.image_unpinned). Results carry the app named by `app = "..."`. [processes]
 * decides which [checks] count for a service (those sharing one of its process groups),
 * and a service's messages name the groups it lists (and those [processes] lacks). */
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

/* A fly.toml as `audit --repo` holds it against the live app (opaque): the settings each
 * process group's machines get, its process groups, the [env] names with the line of each
 * and the keyed hash of each value, and [build] image. It holds no [env] value: each is
 * hashed as it is read, and the parse tree (its strings wiped) is freed before
 * fa_fly_toml_read returns. */
typedef struct fa_fly_toml fa_fly_toml;

/* Reads a fly.toml. `key` (FA_ENV_KEY_LEN bytes, secrets.h) is the key the run hashes the
 * live env with: each [env] value that is a string, an integer or a boolean is hashed
 * with it (fa_env_hash). NULL (audit --from: the live hashes come from another run's
 * key): nothing is hashed and values are not compared. Returns 0 with *out set,
 * FA_SCAN_UNPARSED (err set), or -1 on OOM. */
int fa_fly_toml_read(const char *text, size_t len, const unsigned char *key, fa_fly_toml **out,
		     fa_parse_error *err);
/* The app it names (`app = "..."`), NULL when none; borrowed from t. */
const char *fa_fly_toml_app_name(const fa_fly_toml *t);
void fa_fly_toml_free(fa_fly_toml *t);

/* config.repo_drift: the fly.toml (read from `path`) held against the live app, one result
 * per setting (resource "app", id "APP:PATH#item"), with the file:line:
 *  - force_https, ports, public_internal_ports, tls_versions, health_checks,
 *    auto_stop_machines: each started machine with a config (release commands left out)
 *    against what its process group gets from the file (a section without `processes`
 *    goes to the default group, as flyctl deploys it); env_names and image: the app's;
 *    fail when any machine differs;
 *  - env_value:NAME: fail when the keyed hash of the [env] value differs from the one a
 *    started machine that sets NAME runs (the message names NAME and the machine, never a
 *    value or a hash); `unknown` when the value is of another TOML type; env_values: one
 *    pass when every value matches, or one `unknown` when t was read without a key;
 *  - process_group:NAME: fail for each group of the file no live machine (not destroyed,
 *    not a release command) runs and each live group the file lacks; processes: one pass
 *    when they agree.
 * An `unknown` when the app's machines could not be read or none is started. */
int fa_repo_drift(const fa_scan_ctx *c, const char *path, const fa_fly_toml *t, const fa_app *app,
		  fa_results *out);

#endif
