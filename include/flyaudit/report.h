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
/* `audit --all-orgs` over several orgs (one org keeps the v1 document exactly). */
#define FA_REPORT_SCHEMA_V2 "flyaudit.report/v2"
#define FA_REPORT_INFORMATION_URI "https://github.com/flyaudit/flyaudit"

/* One resource the crawl could not read (the run is then partial, exit 3). */
typedef struct fa_coverage_error {
	char *app;      /* NULL for org-level endpoints */
	char *endpoint; /* e.g. "machines", "GET /v1/apps/x/volumes" */
	int status;     /* HTTP status, 0 for a transport error */
	char *message;  /* one line */
} fa_coverage_error;

/* How much the text report shows. GROUPED (the default) opens with a summary and folds
 * repeats: a check's failures show their first few resources, unknowns sharing a cause and
 * manual or muted results sharing a reason are one block each. ALL (-v) prints every
 * result on its own line. BRIEF (-q) prints the summary and the failures only. Machine
 * formats keep one result per resource whatever this says. */
typedef enum {
	FA_TEXT_GROUPED = 0,
	FA_TEXT_ALL,
	FA_TEXT_BRIEF
} fa_text_detail;

typedef struct fa_report {
	/* borrowed: the caller keeps these alive while writing */
	const char *tool_name;    /* "flyaudit" */
	const char *tool_version;
	const char *generated_at; /* RFC 3339, UTC */
	const char *org;
	const char *source;       /* "live" or the snapshot path */
	size_t apps, apps_complete;
	size_t machines;         /* machines the API returned */
	size_t machines_audited; /* of those, audited (fa_machine_audited) */
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
	fa_text_detail text_detail; /* the text report only: grouped (default), all, brief */
	size_t scanned_files;       /* `scan`: files read; the text summary counts these, not apps */
	bool has_baseline;   /* results carry baseline 0/1 */
	bool multi_org;      /* results of several orgs (--all-orgs): org-level ones are labelled
			      * with their org, not "org" */
	fa_framework compliance; /* FA_FW_NONE, or a per-control summary in text, JSON, HTML */
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

/* ---- streaming (results that are not all in memory) ------------------------------
 *
 * The writers above render a whole fa_report held in memory. The *_stream writers below
 * produce the same bytes, but read the results through an iterator and write through a
 * sink, a piece at a time, so a report of any size costs memory bounded by one result
 * (plus one app's results for JUnit). They ignore r->results; the summary comes from
 * `counts`, which must describe exactly the results the iterator yields. */

typedef enum {
	FA_ORDER_CHECK = 0, /* fa_results_sort order: check id, app, resource type, id, ... */
	FA_ORDER_APP        /* by app (org-level, app NULL, first), then FA_ORDER_CHECK order */
} fa_result_order;

/* A source of results that can be read several times, in either order. */
typedef struct fa_result_iter {
	void *ctx;
	/* Starts (or restarts) a pass in `order`. Returns 0 or -1. */
	int (*begin)(void *ctx, fa_result_order order);
	/* The next result: 1 and *out set (valid until the next call), 0 at the end, -1 on
	 * error (the writer then fails). */
	int (*next)(void *ctx, const fa_result **out);
} fa_result_iter;

/* Where the bytes go: write() returns 0, or -1 to stop the writer (it then returns -1). */
typedef struct fa_report_sink {
	int (*write)(void *ud, const char *data, size_t len);
	void *ud;
} fa_report_sink;

typedef struct fa_report_counts {
	fa_summary summary;
	size_t new_fails; /* FAIL results with baseline != 1 (the text summary line) */
} fa_report_counts;

/* Adds the results of `rs` to the counts (start from a zeroed struct). */
void fa_report_counts_add(fa_report_counts *c, const fa_results *rs);

/* An iterator over a sorted (fa_results_sort) in-memory list. FA_ORDER_APP allocates an
 * index on first use: release the context with fa_result_mem_iter_release. */
typedef struct fa_result_mem_iter {
	const fa_results *rs;
	const fa_result **by_app;
	fa_result_order order;
	size_t pos;
} fa_result_mem_iter;
void fa_result_iter_memory(fa_result_iter *it, fa_result_mem_iter *ctx, const fa_results *rs);
void fa_result_mem_iter_release(fa_result_mem_iter *ctx);

/* Streaming writers: the same output as the writers above. 0, or -1 on OOM, iterator
 * error or sink error (some bytes may have been written). */
int fa_report_json_stream(const fa_report *r, const fa_report_counts *c,
			  const fa_result_iter *it, const fa_report_sink *sink);
int fa_report_sarif_stream(const fa_report *r, const fa_report_counts *c,
			   const fa_result_iter *it, const fa_report_sink *sink);
int fa_report_junit_stream(const fa_report *r, const fa_report_counts *c,
			   const fa_result_iter *it, const fa_report_sink *sink);
int fa_report_text_stream(const fa_report *r, const fa_report_counts *c, bool color,
			  const fa_result_iter *it, const fa_report_sink *sink);

/* Appends `s` made safe for a terminal exactly as the text report writes it: one line,
 * control and bidi characters as '?', invalid UTF-8 as '?'. For anything from outside
 * that a command prints (views' diagnostics, whoami). 0, or -1 (buffer released). */
int fa_report_escape_terminal(fa_buf *out, const char *s);

/* ---- several orgs (`audit --all-orgs`) --------------------------------------------
 *
 * Each org is audited on its own (its own fa_report, counts and results); the report then
 * has a section per org. JSON and text have writers of their own; every other format is
 * given one combined report (fa_report_orgs_combine) and the chained results. */

typedef struct fa_report_org {
	const fa_report *report;        /* the org's: org, coverage, crawl (results ignored) */
	const fa_report_counts *counts; /* exactly the results `it` yields */
	const fa_result_iter *it;
} fa_report_org;

/* Results of several orgs as one source: a pass in either order yields the first org's
 * results in that order, then the second's, and so on. */
typedef struct fa_result_chain {
	const fa_report_org *orgs;
	size_t n, cur;
	fa_result_order order;
} fa_result_chain;
void fa_result_iter_chain(fa_result_iter *it, fa_result_chain *ctx, const fa_report_org *orgs,
			  size_t n);

/* Adds `add` to the counts `c`. */
void fa_report_counts_merge(fa_report_counts *c, const fa_report_counts *add);

/* Fills `out` (initialised by the caller; borrowed strings are left to the caller) with
 * the sums of the orgs' apps, machines and crawl, their coverage errors (each message
 * starting "org SLUG: "), their notices, and multi_org set; `total` gets the summed
 * counts. 0, or -1 (OOM). */
int fa_report_orgs_combine(fa_report *out, fa_report_counts *total, const fa_report_org *orgs,
			   size_t n);

/* JSON, schema "flyaudit.report/v2": schema, tool, generated_at, source; coverage over
 * every org (orgs, orgs_complete, apps, apps_complete, machines, machines_audited, errors[]
 * each with its org); crawl and summary over every org; compliance (when asked) over every
 * org; then orgs[], one per org in the order given, each exactly the org part of a v1
 * document: {org, coverage, crawl, summary, compliance?, results[]}. `top` gives tool,
 * generated_at, source, has_baseline, compliance and the totals (fa_report_orgs_combine). */
int fa_report_json_orgs_stream(const fa_report *top, const fa_report_counts *total,
			       const fa_report_org *orgs, size_t n, const fa_report_sink *sink);
/* Text: a section per org (a heading line naming it, then that org's text report as
 * fa_report_text_stream writes it), then one summary line over every org. */
int fa_report_text_orgs_stream(const fa_report *top, const fa_report_counts *total, bool color,
			       const fa_report_org *orgs, size_t n, const fa_report_sink *sink);

/* ---- second-round formats (streaming only) -------------------------------------- */

/* One self-contained HTML page (inline CSS and SVG, no script, nothing fetched): summary
 * with a severity chart per app, unknowns and coverage errors first, failures by severity
 * with remediation, muted results apart, the catalog. Every outside string is escaped. */
int fa_report_html_stream(const fa_report *r, const fa_report_counts *c,
			  const fa_result_iter *it, const fa_report_sink *sink);
/* OCSF 1.3.0 Detection Finding (class_uid 2004), a JSON array with one finding per result,
 * laid out as Prowler's json-ocsf output (tests/ocsf-detection-finding.schema.json). */
#define FA_OCSF_VERSION "1.3.0"
int fa_report_ocsf_stream(const fa_report *r, const fa_report_counts *c,
			  const fa_result_iter *it, const fa_report_sink *sink);
/* CSV (RFC 4180, CRLF line ends): a header row, one row per result. A cell that starts with
 * '=', '+', '-', '@', tab or CR is prefixed with an apostrophe (spreadsheet formulas). */
int fa_report_csv_stream(const fa_report *r, const fa_report_counts *c,
			 const fa_result_iter *it, const fa_report_sink *sink);

/* A per-control summary of the results for a framework: every control the catalog maps
 * to, in natural order ("3.3" before "3.10"), with the results of its checks by status. */
typedef struct fa_control_row {
	const char *control; /* static (the catalog's) */
	const char *title;   /* static; "" when unknown */
	size_t checks;       /* catalog checks mapped to it */
	size_t by_status[FA_STATUS_COUNT];
} fa_control_row;
typedef struct fa_compliance_summary {
	fa_framework fw;
	fa_control_row *rows;
	size_t n;
} fa_compliance_summary;
/* Fills `out` from one pass of `it`. Returns 0 or -1 (OOM, iterator error). */
int fa_compliance_summarise(fa_framework fw, const fa_result_iter *it,
			    fa_compliance_summary *out);
void fa_compliance_summary_release(fa_compliance_summary *s);
/* The first that applies: "fail" (an unmuted failure), "unknown", "manual" (something to
 * verify by hand), "pass" (passing or muted results), "none" (no result: not assessed). */
const char *fa_control_verdict(const fa_control_row *row);

/* One failure to plan a fix for (`flyaudit fix --plan`): strings borrowed, may be NULL. */
typedef struct fa_plan_item {
	const char *check, *severity, *app, *resource_type, *resource_id, *resource_name,
		*region, *message;
} fa_plan_item;
/* A reviewable POSIX shell script: one commented block per item, with the fly commands
 * (every value single-quoted), the fly.toml or Dockerfile edit as a comment, and the
 * steps that destroy or replace something commented out under a WARNING line. Outside
 * strings reach comments on one line (no newline can end a comment early). `sh -n`
 * accepts it. Returns 0 or -1 (buffer released). */
int fa_report_plan(const char *org, const char *source, const fa_plan_item *items, size_t n,
		   fa_buf *out);
/* `flyaudit fix --plan`: reads a JSON report (v1, or v2 from --all-orgs) and writes the
 * script of fa_report_plan for its unmuted failures, highest severity first (then app,
 * check, resource id); `source` names the report in the script. Returns 0 with
 * *n_failures set, -1 with a one-line `err` (not a flyaudit JSON report, a repeated key),
 * -2 out of memory; on failure `out` is released. */
int fa_report_plan_json(const char *text, size_t len, const char *source, fa_buf *out,
			size_t *n_failures, char *err, size_t errlen);

/* The notification for a scheduled run: a short JSON object, Slack- and Discord-compatible
 * (`text`, `content`), with the org, the counts and up to `top` unmuted failures at or
 * above `fail_on` that are new (not in the baseline), highest severity first. Names and
 * messages only: no secret value, no token. */
int fa_report_notify_payload(const fa_report *r, const fa_report_counts *c,
			     const fa_result_iter *it, fa_severity fail_on, size_t top,
			     fa_buf *out);

#endif
