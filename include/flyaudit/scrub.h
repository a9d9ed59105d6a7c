/* scrub.h: what a server sends back never carries the token out (ARCHITECTURE §7).
 *
 * A server that echoes the Authorization header (in an error body, a GraphQL message, an
 * HTML page, a field of a resource) would otherwise get the token into reports, snapshots
 * and the terminal. Every string taken from a response goes through fa_scrub() where it
 * enters flyaudit: the decoders' string copies and their one-line error writer
 * (client/fly/decode.c). It removes the registered token, each of its comma-separated parts
 * (macaroons) and any 24-byte piece of one, and anything shaped like a Fly token whatever it
 * is: `FlyV1 ...`, `fm1a_`, `fm1r_`, `fm2_`, `fo1_` followed by token characters. */
#ifndef FLYAUDIT_SCRUB_H
#define FLYAUDIT_SCRUB_H

#include <stddef.h>

/* Registers the token (scheme-less, comma-joined parts, as fa_auth.token). Copies it into
 * memory that fa_scrub_clear() cleanses. -1 on OOM. */
int fa_scrub_register(const char *token);
/* Cleanses and forgets the registered token. */
void fa_scrub_clear(void);
/* Scrubs s[0..len) in place; returns the new length (never longer) and NUL-terminates at
 * it. pieces = also look for 24-byte pieces of the token (messages; costs more). */
size_t fa_scrub(char *s, size_t len, int pieces);

#endif
