/* jsoncheck.h: what a JSON parser accepts silently and flyaudit must not.
 *
 * cJSON keeps the first of two members with the same key (a second "config" would hide
 * the first from one reader and not another) and cuts a string at an escaped NUL
 * (`"nw-web\u0000../evil"` reads as "nw-web"). Text from outside (API bodies, snapshots,
 * suppressions, baselines) goes through fa_json_check() once it has parsed: either is
 * malformed input, refused, never read in part. Pure: no I/O, no allocation beyond a small
 * stack of key hashes. */
#ifndef FLYAUDIT_JSONCHECK_H
#define FLYAUDIT_JSONCHECK_H

#include <stddef.h>

/* 0 when `s` (len bytes of JSON text, already known to parse) has no string with an
 * escaped NUL and no object with a repeated key; else -1 and a one-line reason in why
 * (naming the key, made printable). Also -1 ("out of memory") when the key stack cannot
 * grow. */
int fa_json_check(const char *s, size_t len, char *why, size_t whylen);

#endif
