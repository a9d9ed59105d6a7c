/* report/internal.h: helpers shared by the report writers and policy (not public). */
#ifndef FLYAUDIT_REPORT_INTERNAL_H
#define FLYAUDIT_REPORT_INTERNAL_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "flyaudit/buf.h"
#include "flyaudit/report.h"

enum {
	FA_ESC_UTF8 = 0,  /* valid UTF-8 only (invalid bytes -> U+FFFD) */
	FA_ESC_XML_TEXT,  /* + XML escaping, characters XML 1.0 cannot hold dropped */
	FA_ESC_XML_ATTR,  /* + tab/newline as character references */
	FA_ESC_TERMINAL,  /* control and bidi characters -> '?', one line */
	FA_ESC_URI_SEGMENT, /* percent-encoding of everything but unreserved characters */
	FA_ESC_URI_PATH,   /* the same, but '/' kept (a relative path) */
	FA_ESC_HTML        /* HTML text and quoted attributes: & < > " ' as references,
			    * control and bidi characters dropped or '?' */
};

/* Appends `s` (NULL = "") made safe per `mode`. Returns 0 or -1 (buffer released). */
int fa_rpt_escape(fa_buf *out, const char *s, int mode);
/* Appends one CSV cell (RFC 4180: always quoted, '"' doubled, valid UTF-8), with an
 * apostrophe first when it starts with '=', '+', '-', '@', tab or CR (OWASP's advice
 * against formula injection). Returns 0 or -1. */
int fa_rpt_csv_cell(fa_buf *out, const char *s);
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


/* A writer's output: bytes gather in `buf` and go to the sink in pieces. */
typedef struct fa_rpt_out {
	fa_buf buf;
	const fa_report_sink *sink;
} fa_rpt_out;

#define FA_RPT_FLUSH_AT ((size_t)64 * 1024)

void fa_rpt_out_init(fa_rpt_out *o, const fa_report_sink *sink);
/* Hands buf to the sink when it holds at least `at` bytes (0: whatever it holds).
 * Returns 0 or -1 (buf released). */
int fa_rpt_out_flush(fa_rpt_out *o, size_t at);
void fa_rpt_out_release(fa_rpt_out *o);
/* Appends `text` with `indent` inserted after every newline (cJSON_Print output of an
 * item that sits deeper in a document). Returns 0 or -1. */
int fa_rpt_add_indented(fa_buf *out, const char *text, const char *indent);
/* Prints `root` (with `marker`, a string item, standing for a list) formatted and
 * splits the text around the marker: *head gets everything before it, *tail what follows
 * (plus the final newline). Returns 0 or -1 (OOM, marker not found). */
int fa_rpt_json_split(const cJSON *root, const char *marker_printed, char **text,
		      size_t *head_len, const char **tail);
/* Reads a v2 report (audit --all-orgs) like a v1 one: every org's results moved into one
 * top-level "results" array and "org" set to the orgs' slugs joined by ", " ("schema" is
 * left alone), so that baseline, diff and fix --plan read both versions alike
 * (fingerprints and fix commands name the org or the app). 0, or -1 (not that shape, or
 * OOM). */
int fa_rpt_json_flatten_v2(cJSON *root);
/* Runs a memory-backed writer: counts and iterates `r->results`, appends to `out`;
 * on failure releases `out`. */
typedef int (*fa_rpt_stream_fn)(const fa_report *r, const fa_report_counts *c, bool color,
				const fa_result_iter *it, const fa_report_sink *sink);
int fa_rpt_render_memory(const fa_report *r, bool color, fa_rpt_stream_fn fn, fa_buf *out);

/* The org a result belongs to: its own in a report of several orgs, else the report's
 * (so a single org's output does not change). */
static inline const char *fa_rpt_org_of(const fa_report *r, const fa_result *res)
{
	return r->multi_org && res->org ? res->org : (r->org ? r->org : "");
}
/* Who a result is about in a list of apps: its app; an org-level result is "org", or its
 * org's slug in a report of several orgs. */
static inline const char *fa_rpt_app_label(const fa_report *r, const fa_result *res)
{
	return res->app ? res->app : (r->multi_org && res->org ? res->org : "org");
}

#endif
