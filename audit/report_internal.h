/* report_internal.h: helpers shared by the report writers and policy (not public). */
#ifndef FLYAUDIT_REPORT_INTERNAL_H
#define FLYAUDIT_REPORT_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "flyaudit/buf.h"

enum {
	FA_ESC_UTF8 = 0,  /* valid UTF-8 only (invalid bytes -> U+FFFD) */
	FA_ESC_XML_TEXT,  /* + XML escaping, characters XML 1.0 cannot hold dropped */
	FA_ESC_XML_ATTR,  /* + tab/newline as character references */
	FA_ESC_TERMINAL,  /* control and bidi characters -> '?', one line */
	FA_ESC_URI_SEGMENT /* percent-encoding of everything but unreserved characters */
};

/* Appends `s` (NULL = "") made safe per `mode`. Returns 0 or -1 (buffer released). */
int fa_rpt_escape(fa_buf *out, const char *s, int mode);
/* A malloc'd copy of `s` with invalid UTF-8 replaced by U+FFFD; NULL on OOM or s NULL. */
char *fa_rpt_utf8_dup(const char *s);
/* A cJSON string of `s` made valid UTF-8; a JSON null for s == NULL. NULL on OOM. */
cJSON *fa_rpt_json_string(const char *s);
/* Adds `s` under `key` (null when s is NULL). Returns 0 or -1. */
int fa_rpt_json_add_string(cJSON *obj, const char *key, const char *s);
/* Adds a number. Returns 0 or -1. */
int fa_rpt_json_add_number(cJSON *obj, const char *key, double v);
/* Prints `root` formatted, plus a newline, into out. Returns 0 or -1. */
int fa_rpt_json_print(const cJSON *root, fa_buf *out);

#endif
