/* model_json.h: the inventory model <-> cJSON trees, internal to client/ (the public,
 * cJSON-free face is snapshot.h). Used by the snapshot writer/reader and `--json` views.
 *
 * To-JSON functions return a new cJSON tree (cJSON_Delete it), or NULL on OOM. No env
 * value exists in the model, so none can be written; no key is ever named "value".
 *
 * From-JSON functions are strict on types: a field of the wrong type is an error with a
 * one-line reason naming the field ("machines[2].services[0].autostop: ..."), never a
 * crash. Unknown fields are ignored; a missing or null optional field becomes
 * NULL / -1 / FA_TRI_UNKNOWN / FA_AUTOSTOP_UNSET. `path` prefixes field names in errors
 * ("" or NULL for none). They return 0, or -1 with err set; on error *out holds nothing
 * to free (it is released and zeroed).
 */
#ifndef FLYAUDIT_CLIENT_MODEL_JSON_H
#define FLYAUDIT_CLIENT_MODEL_JSON_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "flyaudit/model.h"

/* The env array: [{"name","len","detectors":[...],"hash":"hex"}]. */
cJSON *fa_mj_env(const fa_env *env);
cJSON *fa_mj_machine(const fa_machine *m);
cJSON *fa_mj_volume(const fa_volume *v);
cJSON *fa_mj_ip(const fa_ip *ip);
cJSON *fa_mj_secret(const fa_secret *s);
cJSON *fa_mj_cert(const fa_cert *c);
cJSON *fa_mj_token(const fa_token *t);
/* An array of tokens. */
cJSON *fa_mj_tokens(const fa_token *t, size_t n);
/* {"loaded","tried","status","message"}: the inventory-level load records. */
cJSON *fa_mj_load(const fa_load *l);
/* {"kind","decoded","read_only","access","org_id","expires_at","n_undischarged","error"}. */
cJSON *fa_mj_self(const fa_self *s);
/* The snapshot header: {"schema","org","collected_at","self","org_tokens",
 * "org_tokens_load","apps_load"} (`source` is not written). */
cJSON *fa_mj_header(const fa_inventory *inv);
/* People and access: {"role","members","invitations","sso","wireguard_peers",
 * "wireguard_tokens","load":{part: load}} (the header's "access", written once tried). */
cJSON *fa_mj_access(const fa_access *a);
cJSON *fa_mj_access_part(const fa_access *a, fa_access_part p);
int fa_mj_access_from(const cJSON *j, const char *path, fa_access *out, char *err, size_t errlen);
/* The tokens view's JSON: each token plus "owner_is_member" (true, false, null = unknown). */
char *fa_json_tokens_owners(const fa_token *t, size_t n, const fa_access *a);
/* The app object: list fields, every resource list, "loaded" and "errors". */
cJSON *fa_mj_app(const fa_app *app);
/* The array of one resource list (FA_EP_MACHINES..FA_EP_TOKENS); NULL for others. */
cJSON *fa_mj_app_resources(const fa_app *app, fa_endpoint ep);

int fa_mj_env_from(const cJSON *j, const char *path, fa_env *out, char *err, size_t errlen);
int fa_mj_machine_from(const cJSON *j, const char *path, fa_machine *out, char *err,
		       size_t errlen);
int fa_mj_volume_from(const cJSON *j, const char *path, fa_volume *out, char *err,
		      size_t errlen);
int fa_mj_ip_from(const cJSON *j, const char *path, fa_ip *out, char *err, size_t errlen);
int fa_mj_secret_from(const cJSON *j, const char *path, fa_secret *out, char *err,
		      size_t errlen);
int fa_mj_cert_from(const cJSON *j, const char *path, fa_cert *out, char *err, size_t errlen);
int fa_mj_token_from(const cJSON *j, const char *path, fa_token *out, char *err, size_t errlen);
/* An array of tokens (absent or null: none). *out is a new array (NULL when empty). */
int fa_mj_tokens_from(const cJSON *j, const char *path, fa_token **out, size_t *n_out,
		      char *err, size_t errlen);
int fa_mj_load_from(const cJSON *j, const char *path, fa_load *out, char *err, size_t errlen);
int fa_mj_self_from(const cJSON *j, const char *path, fa_self *out, char *err, size_t errlen);
/* A snapshot header: "schema" must be FA_SNAPSHOT_SCHEMA. *out is zeroed first; on
 * error it holds nothing to free. `source` is left NULL. */
int fa_mj_header_from(const cJSON *j, fa_inventory *out, char *err, size_t errlen);
/* *out is fa_app_init'd first. */
int fa_mj_app_from(const cJSON *j, const char *path, fa_app *out, char *err, size_t errlen);

#endif
