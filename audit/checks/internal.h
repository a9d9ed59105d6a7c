/* checks/internal.h: shared helpers of the check files (the .c files of audit/checks/). Not public:
 * only audit/checks*.c and tests/test_checks*.c include it. */
#ifndef FLYAUDIT_CHECKS_INTERNAL_H
#define FLYAUDIT_CHECKS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flyaudit/audit.h"

/* Index of each check in the catalog (the catalog is sorted by id; keep in step). */
enum {
	FA_CK_ADMINS_EXCESS = 0,
	FA_CK_INVITATION_STALE,
	FA_CK_MEMBER_WITHOUT_2FA,
	FA_CK_SSO_NOT_REQUIRED,
	FA_CK_CI_ACTION_UNPINNED,
	FA_CK_CI_SECRET_BUILD_ARG,
	FA_CK_CI_TOKEN_HARDCODED,
	FA_CK_CI_TOKEN_NOT_SECRET,
	FA_CK_REPO_DRIFT,
	FA_CK_IMAGE_STALE,
	FA_CK_IMAGE_UNPINNED,
	FA_CK_RUNS_AS_ROOT,
	FA_CK_EDGE_CERT_EXPIRING,
	FA_CK_EDGE_HSTS,
	FA_CK_EDGE_HTTP,
	FA_CK_EDGE_SENSITIVE,
	FA_CK_EDGE_TLS_LEGACY,
	FA_CK_CHECKS_FAILING,
	FA_CK_CHECKS_MISSING,
	FA_CK_AUTOSTOP_DISABLED,
	FA_CK_ADMIN_ALLOWLIST,
	FA_CK_FLYCAST_CROSS_ORG,
	FA_CK_PRIVATE_SERVICE_PUBLIC,
	FA_CK_PUBLIC_IP_UNUSED,
	FA_CK_WIREGUARD_PEERS,
	FA_CK_CONFIG_DRIFT,
	FA_CK_SECRETS_DOCKERFILE,
	FA_CK_ENV_FILE_COMMITTED,
	FA_CK_IMAGE_ENV,
	FA_CK_IMAGE_FILES,
	FA_CK_IMAGE_HISTORY,
	FA_CK_PLAINTEXT_ENV,
	FA_CK_CERT_NOT_READY,
	FA_CK_HTTPS_NOT_FORCED,
	FA_CK_WEAK_PROTOCOLS,
	FA_CK_AUDITOR_EXPIRING,
	FA_CK_AUDITOR_NOT_READONLY,
	FA_CK_LONG_LIVED,
	FA_CK_OWNER_NOT_MEMBER,
	FA_CK_UNDISCHARGED,
	FA_CK_NO_BACKUPS,
	FA_CK_UNENCRYPTED,
	FA_CK_COUNT
};

/* The catalog entry for an FA_CK_* index. */
const fa_check_meta *fa_chk_meta(int idx);

/* A bounded one-line message being built. Appends never overflow: text past the
 * capacity is dropped and the message ends in "...". */
#define FA_MSG_MAX 1024
typedef struct fa_msg {
	char buf[FA_MSG_MAX];
	size_t len;
	bool cut;
} fa_msg;

void fa_msg_init(fa_msg *m);
void fa_msg_add(fa_msg *m, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void fa_msg_addf(fa_msg *m, const char *fmt, ...);
const char *fa_msg_str(fa_msg *m); /* NUL-terminated, "..." marks a cut */

/* What a check run over one app needs. */
typedef struct fa_run {
	const fa_audit_ctx *ctx;
	const fa_app *app; /* NULL for org-level checks */
	fa_results *out;
	int err; /* -1 once an add failed (OOM); later emits do nothing */
} fa_run;

/* Adds one result. Returns r->err. */
int fa_chk_emit(fa_run *r, int idx, fa_status st, const char *type, const char *id,
		const char *name, const char *region, const char *message);
int fa_chk_emit_machine(fa_run *r, int idx, fa_status st, const fa_machine *m,
			const char *message);

/* True when endpoint `ep` of the app was read in full. */
bool fa_chk_loaded(const fa_app *app, fa_endpoint ep);
/* Writes why endpoint `ep` is missing ("machines could not be read: HTTP 500: ...")
 * into m. */
void fa_chk_load_reason(fa_msg *m, const fa_app *app, fa_endpoint ep);
/* The same for any load record; `what` names the data ("org tokens"). */
void fa_chk_load_reason_l(fa_msg *m, const fa_load *l, const char *what);
/* Emits one `unknown` result for the app (resource "app") naming why `ep` is missing. */
int fa_chk_emit_load_unknown(fa_run *r, int idx, fa_endpoint ep);

/* True for machines the checks look at: every state but destroyed/destroying. */
bool fa_chk_machine_audited(const fa_machine *m);
/* True when the service has at least one public port. */
bool fa_chk_service_public(const fa_service *s);

/* Parses an RFC 3339 timestamp ("2024-03-01T12:00:00Z", fractions and offsets allowed)
 * into seconds since the epoch, without the C library's time zone functions.
 * Returns 0 or -1 when it is not RFC 3339. */
int fa_chk_parse_rfc3339(const char *s, long long *out);

/* The check families, each in its own file. Each returns r->err. */
int fa_chk_machines(fa_run *r);     /* machine.c: per machine checks */
int fa_chk_app_network(fa_run *r);  /* machine.c: public_ip_unused, admin_allowlist */
int fa_chk_volumes(fa_run *r);      /* resources.c */
int fa_chk_certs(fa_run *r);        /* resources.c */
int fa_chk_tokens(fa_run *r, const fa_token *toks, size_t n, const fa_load *load);
int fa_chk_self(fa_run *r);         /* resources.c: the running token */
int fa_chk_drift(fa_run *r);        /* drift.c */
int fa_chk_images(fa_run *r);       /* image.c: image_env, image_history, image_stale,
				     * image_files */

/* The image a machine runs when the app's images were asked for: 1 and *out (NULL when
 * the image was not read, with the reason in m), or 0 when images were not asked for
 * (then the image checks say nothing). image.c. */
int fa_chk_machine_image(const fa_app *app, const fa_machine *mc, const fa_image **out,
			 fa_msg *m);
/* True for the users that are root: "", "root", "0", "root:*", "0:*". machine.c. */
bool fa_chk_user_is_root(const char *u);
int fa_chk_access(fa_run *r, const fa_access *a); /* access.c: people and access (org) */
/* access.c: tokens.owner_not_member for one live token (r->ctx->access has the members). */
int fa_chk_token_owner(fa_run *r, const fa_token *t);

#endif
