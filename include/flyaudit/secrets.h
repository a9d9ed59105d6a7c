/* secrets.h: classifying env values without keeping them (audit/secrets.c).
 *
 * Called by the API decoder on every env var as it is decoded; the value is then
 * dropped. Pure: no I/O, no allocation.
 */
#ifndef FLYAUDIT_SECRETS_H
#define FLYAUDIT_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The FA_DET_* bits (model.h) that fire on this name and value. FA_DET_APP_SECRET is
 * never set here (it needs the app's secret names; the check adds it). `value` need not
 * be NUL-terminated; `len` is its length. */
uint32_t fa_secret_classify(const char *name, const char *value, size_t len);

/* True when the name is exempt from the secret-like NAME rule (FLY_*, PRIMARY_REGION,
 * NODE_ENV, LOG_LEVEL, PORT, PUBLIC_..._URL). A credential-format value still fires. */
bool fa_secret_name_exempt(const char *name);

/* True when the name looks secret (...SECRET..., ...PASSWORD..., ...TOKEN..., ...API_KEY...,
 * ...PRIVATE_KEY..., ..._KEY, ...CREDENTIAL...), case-insensitively. */
bool fa_secret_name_looks_secret(const char *name);

/* ---- files of image layers (audit/secret_files.c; `audit --image-layers`) ----
 * The client lists each layer's entries and reads the content of the few whose names are
 * suspicious; what the content means is decided here. */

/* True when a regular file of this path is worth reading: `.env` and `.env.*` (templates
 * such as `.env.example` are not), `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`,
 * `*.pem`, `*.key`, `id_*` but not `id_*.pub` (ssh keys), `.git/config`, `credentials*`
 * (`.aws/credentials`), `.docker/config.json`. The path is as a tar entry names it
 * ("./app/.env", "app/.env"). */
bool fa_secret_file_suspicious(const char *path);

/* The FA_DET_* that fire on a suspicious file's content: the value detectors anywhere in
 * it, and the name rule on each `NAME=value` / `name = value` / `"name": "value"` line
 * (`auth`, `_auth` and `identitytoken`, the keys of .npmrc and .docker/config.json
 * credentials, count as secret names). Pure; reads data[0..len) only. */
uint32_t fa_secret_file_classify(const char *path, const char *data, size_t len);

/* A short stable name for one FA_DET_* bit ("aws_access_key", "jwt", ...). */
const char *fa_detector_name(uint32_t bit);

/* ---- the keyed hash of an env value ------------------------------------------------- */

/* Bytes of the key. One key is drawn at random per run and lives only in memory (never in
 * a report, snapshot or log); a hash is only ever compared with hashes of the same run. */
#define FA_ENV_KEY_LEN 32

/* The keyed hash that stands for an env value (fa_env_var.hash): HMAC-SHA256 under
 * `key` (FA_ENV_KEY_LEN bytes), its first FA_ENV_HASH_LEN (model.h, 16) bytes into `out`.
 * The live decoder and `audit --repo` both hash with it, so that two values are equal
 * exactly when their hashes are. Unlike the classifier it may allocate (inside OpenSSL).
 * Returns 0, or -1 (out zeroed) when OpenSSL fails. */
int fa_env_hash(const unsigned char *key, const char *value, size_t len, unsigned char *out);

#endif
