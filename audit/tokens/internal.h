/* tokens/internal.h: private glue between the token decoder files (the .c files of audit/tokens/). */
#ifndef FLYAUDIT_MACAROON_INT_H
#define FLYAUDIT_MACAROON_INT_H

#include "flyaudit/macaroon.h"

typedef struct fa_mac_arena fa_mac_arena;

/* Zeroed memory for count*size bytes owned by the arena; NULL on overflow, OOM or when
 * the arena's cap is reached. */
void *fa_mac_alloc(fa_mac_arena *a, size_t count, size_t size);
/* A NUL-terminated copy of n bytes (embedded NULs cut the string short when printed). */
char *fa_mac_strdup(fa_mac_arena *a, const char *p, size_t n);
/* Derives the semantic fields of a decoded header. Returns 0 or FA_MAC_ENOMEM. */
int fa_mac_semantics(fa_token_info *info, fa_mac_arena *a);

#endif
