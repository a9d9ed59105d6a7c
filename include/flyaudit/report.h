/* report.h: the audit report and its writers (JSON, SARIF 2.1.0, JUnit XML, text).
 *
 * Writers are pure: they render a fa_report into a fa_buf and do no I/O. They do not
 * reorder the results: sort them first with fa_results_sort() so that output is
 * byte-for-byte the same for the same input. Every string is made safe for its format:
 * invalid UTF-8 becomes U+FFFD, XML gets escaped and loses the characters XML cannot
 * hold, text for terminals loses control characters (no escape sequences get through).
 */
#ifndef FLYAUDIT_REPORT_H
#define FLYAUDIT_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "flyaudit/audit.h"
#include "flyaudit/buf.h"

#define FA_REPORT_SCHEMA "flyaudit.report/v1"
#define FA_REPORT_INFORMATION_URI "https://github.com/flyaudit/flyaudit"

/* One resource the crawl could not read (the run is then partial, exit 3). */
typedef struct fa_coverage_error {
	char *app;      /* NULL for org-level endpoints */
	char *endpoint; /* e.g. "machines", "GET /v1/apps/x/volumes" */
	int status;     /* HTTP status, 0 for a transport error */
	char *message;  /* one line */
} fa_coverage_error;

typedef struct fa_report {
	/* borrowed: the caller keeps these alive while writing */
	const char *tool_name;    /* "flyaudit" */
	const char *tool_version;
	const char *generated_at; /* RFC 3339, UTC */
	const char *org;
	const char *source;       /* "live" or the snapshot path */
	size_t apps, apps_complete;
	/* owned (fa_report_release frees them) */
	fa_coverage_error *errors;
	size_t n_errors;
	struct {
		size_t requests, retries;
		long long elapsed_ms;
		size_t max_in_flight;
	} crawl;
	fa_results results;
	char **notices; /* expired / expiring suppressions and the like, one line each */
	size_t n_notices;
	fa_severity fail_on; /* for the text summary; FA_SEV_NONE = never */
	bool has_baseline;   /* results carry baseline 0/1 */
} fa_report;

/* Zeroes the report, initialises its results; fail_on = FA_SEV_HIGH. */
void fa_report_init(fa_report *r);
/* Frees the errors, notices and results (not the borrowed strings); leaves it initialised. */
void fa_report_release(fa_report *r);
/* Adds a coverage error; copies the strings (app may be NULL). Returns 0 or -1 (OOM). */
int fa_report_add_error(fa_report *r, const char *app, const char *endpoint, int status,
			const char *message);
/* Adds a notice; copies it. Returns 0 or -1 (OOM). */
int fa_report_add_notice(fa_report *r, const char *notice);

/* Writers: append the rendering to `out`. Return 0, or -1 on OOM or when the buffer
 * would pass its cap (the buffer is then released, per buf.h). */

/* JSON report, schema "flyaudit.report/v1" (audit/flyaudit-report-v1.schema.json). */
int fa_report_json(const fa_report *r, fa_buf *out);
/* SARIF 2.1.0 for GitHub code scanning: one rule per catalog check, one result per
 * fail or muted result (muted ones carry an external suppression). */
int fa_report_sarif(const fa_report *r, fa_buf *out);
/* JUnit XML: a testsuite per app ("org" for org-level results), a testcase per result. */
int fa_report_junit(const fa_report *r, fa_buf *out);
/* Text for people; ANSI colour only when `color` is true. Ends with one summary line. */
int fa_report_text(const fa_report *r, bool color, fa_buf *out);

#endif
