/* auth.h: finding the Fly token and building the Authorization header (client/auth.c).
 *
 * Order, as flyctl: FLY_ACCESS_TOKEN, FLY_API_TOKEN, --token-file, ~/.fly/config.yml
 * `access_token`. The token is never taken from argv, never printed or logged, and the
 * buffers that held it are cleansed when released.
 */
#ifndef FLYAUDIT_AUTH_H
#define FLYAUDIT_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fa_auth {
	char *token;  /* the token(s) without scheme, comma-joined: "fm2_A,fm2_B" */
	char *header; /* "FlyV1 fm2_A,fm2_B" when a macaroon is present, else "Bearer fo1_..." */
	bool macaroon; /* at least one fm1a_/fm1r_/fm2_ part */
	const char *source; /* where it came from: "FLY_ACCESS_TOKEN", ... (static) */
} fa_auth;

/* Builds an fa_auth from a raw value: strips "FlyV1 "/"Bearer " (any case, repeated),
 * splits on commas, trims, drops empty parts. For the header, user tokens are dropped when
 * a macaroon is present (as flyctl's FlapsHeader). Returns 0, or -1 with a reason (the
 * reason never quotes the token). Pure. */
int fa_auth_from_string(fa_auth *out, const char *raw, const char *source, char *err, size_t errlen);

/* Finds the token. `token_file` may be NULL; `home` is $HOME (may be NULL).
 * A token file readable by group or others puts a one-line warning in `warn`
 * (warn[0] stays '\0' otherwise). Returns 0, or -1 with a reason in err. */
int fa_auth_load(fa_auth *out, const char *token_file, const char *home,
		 char *warn, size_t warnlen, char *err, size_t errlen);

/* Cleanses and frees. */
void fa_auth_release(fa_auth *a);

/* True if `text` contains the token or any of its comma parts (for self-checks and tests). */
bool fa_auth_leaks_into(const fa_auth *a, const char *text, size_t len);

#endif
