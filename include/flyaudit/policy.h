/* policy.h: what the user decided about results: suppressions (mute with a reason and an
 * expiry), a baseline (only new failures count), the exit code, and the diff of two reports.
 *
 * Pure: parsers take a file's CONTENTS (the client reads the file) plus its name for
 * messages; the clock is an argument. Errors are one line in a caller buffer, e.g.
 * `suppressions.json: entry 3: missing "reason"`.
 */
#ifndef FLYAUDIT_POLICY_H
#define FLYAUDIT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "flyaudit/audit.h"
#include "flyaudit/buf.h"
#include "flyaudit/report.h"

#define FA_SUPPRESSION_WARN_DAYS 14

/* ---- suppressions ------------------------------------------------------------ */

typedef struct fa_suppression {
	char *check;     /* a catalog id (required) */
	char *app;       /* NULL = any app (org-level results match only without app) */
	char *resource;  /* NULL = any; else matches the resource id or name */
	char *reason;    /* required, non-empty */
	char *expires;   /* as written: YYYY-MM-DD or RFC 3339 */
	char *owner;     /* optional */
	char *path;      /* optional: a scanned file (or a folder, ending in '/') */
	time_t expires_at; /* first instant it no longer holds (a bare date holds all that day, UTC) */
	size_t entry;    /* 1-based position in the file, for messages */
} fa_suppression;

typedef struct fa_suppressions {
	fa_suppression *items;
	size_t n;
	char *file_name; /* for notices */
} fa_suppressions;

void fa_suppressions_init(fa_suppressions *s);
void fa_suppressions_release(fa_suppressions *s);

/* Parses a suppression file: a JSON array of entries or {"suppressions": [...]}.
 * Entries: {check, app?, resource?, path?, reason, expires, owner?}; unknown fields are errors
 * (a misspelt "app" would otherwise mute every app). Entries are numbered from 1.
 * On error returns -1, leaves *out empty and writes "FILE: entry N: ..." (or "FILE: ...")
 * into err. `out` must be initialised; on success it holds the entries (caller releases). */
int fa_suppressions_parse(const char *text, size_t len, const char *file_name,
			  fa_suppressions *out, char *err, size_t errlen);

/* Mutes results: the first unexpired entry matching a FAIL result turns it MUTED (severity
 * kept, muted_reason / muted_expires set). Other statuses are left alone. Each expired
 * entry adds a notice to `notices_to` (it mutes nothing); each entry expiring within
 * FA_SUPPRESSION_WARN_DAYS adds a warning notice. notices_to may be NULL (no notices):
 * when applying batch by batch (per app), pass it for one call only, or notices repeat.
 * Returns 0 or -1 (OOM). */
int fa_policy_apply_suppressions(const fa_suppressions *s, time_t now, fa_results *rs,
				 fa_report *notices_to);

/* Parses a date "YYYY-MM-DD" (end of that day, UTC: the next midnight) or RFC 3339
 * "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" into the instant it expires. 0 or -1. */
int fa_policy_parse_expiry(const char *s, time_t *out);

/* ---- baseline ------------------------------------------------------------------ */

typedef struct fa_baseline {
	char (*fingerprints)[65]; /* sorted, unique */
	size_t n;
} fa_baseline;

void fa_baseline_init(fa_baseline *b);
void fa_baseline_release(fa_baseline *b);
/* Reads a previous flyaudit.report/v1 JSON report: the fingerprints of its results with
 * status "fail" or "muted". -1 with "FILE: ..." in err when it is not such a report. */
int fa_baseline_parse(const char *text, size_t len, const char *file_name, fa_baseline *out,
		      char *err, size_t errlen);
/* Sets baseline = 1 (existing) or 0 (new) on every FAIL and MUTED result; others -1. */
void fa_policy_apply_baseline(const fa_baseline *b, fa_results *rs);

/* ---- exit code (ARCHITECTURE.md section 2) --------------------------------------- */

/* 2 when config_error; else 3 when partial; else 1 when an unmuted FAIL has severity at
 * or above fail_on (with a baseline, only new ones: baseline != 1); else 0.
 * fail_on FA_SEV_NONE ("never") never gives 1. */
int fa_policy_exit_code(const fa_results *rs, fa_severity fail_on, bool has_baseline,
			bool partial, bool config_error);

/* ---- diff of two reports --------------------------------------------------------- */

typedef struct fa_diff_item {
	char fingerprint[65];
	char *check;
	fa_severity severity;
	char *app; /* NULL for org-level */
	char *resource_type;
	char *resource_id;
	char *resource_name; /* may be NULL */
	char *message;
	bool muted; /* muted in the report it comes from */
} fa_diff_item;

typedef struct fa_diff_list {
	fa_diff_item *items;
	size_t n;
	size_t cap;
} fa_diff_list;

typedef struct fa_diff {
	char *org;
	char *old_generated_at, *new_generated_at;
	fa_diff_list added;     /* failing (or muted) in NEW only */
	fa_diff_list resolved;  /* failing (or muted) in OLD only */
	fa_diff_list unchanged; /* in both (item from NEW) */
} fa_diff;

void fa_diff_init(fa_diff *d);
void fa_diff_release(fa_diff *d);
/* Compares two flyaudit.report/v1 reports by fingerprint (results with status fail or
 * muted). Lists are sorted by check, app, resource type, resource id. Errors: -1 with
 * "old report: ..." / "new report: ..." in err (not JSON, wrong schema, different orgs).
 * `out` must be initialised; the caller releases it. */
int fa_policy_diff(const char *old_json, size_t old_len, const char *new_json, size_t new_len,
		   fa_diff *out, char *err, size_t errlen);
/* Renders the diff for people (plain text, terminal-safe) / as JSON ("flyaudit.diff/v1").
 * Append to out; 0, or -1 on OOM (out released). */
int fa_diff_text(const fa_diff *d, fa_buf *out);
int fa_diff_json(const fa_diff *d, fa_buf *out);
/* 1 when an unmuted new failure is at or above fail_on (never for FA_SEV_NONE), else 0. */
int fa_diff_exit_code(const fa_diff *d, fa_severity fail_on);

#endif
