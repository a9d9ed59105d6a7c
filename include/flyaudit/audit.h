/* audit.h: the pure core's interface: the check catalog, results, and running the checks.
 *
 * Everything here is pure: model structs in, results out. The clock is an argument
 * (`now`), nothing reads the environment, the network or files.
 */
#ifndef FLYAUDIT_AUDIT_H
#define FLYAUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "flyaudit/model.h"

typedef enum {
	FA_SEV_INFO = 0,
	FA_SEV_LOW,
	FA_SEV_MEDIUM,
	FA_SEV_HIGH,
	FA_SEV_CRITICAL,
	FA_SEV_NONE /* manual-only checks ("—" in the catalog); also --fail-on never */
} fa_severity;

typedef enum {
	FA_STATUS_FAIL = 0,
	FA_STATUS_PASS,
	FA_STATUS_MUTED,
	FA_STATUS_UNKNOWN,
	FA_STATUS_MANUAL,
	FA_STATUS_COUNT
} fa_status;

const char *fa_severity_name(fa_severity s); /* "critical", ..., "info", "none" */
int fa_severity_parse(const char *s, fa_severity *out); /* also "never" -> NONE; -1 bad */
const char *fa_status_name(fa_status s);     /* "fail", "pass", ... */
int fa_status_parse(const char *s, fa_status *out);

/* One check of the catalog. Static data; never freed. */
typedef struct fa_check_meta {
	const char *id;          /* frozen, e.g. "secrets.plaintext_env" */
	fa_severity severity;
	const char *title;       /* the passing state, e.g. "Secrets are not in [env]" */
	const char *checklist;   /* the checklist item, in the seed's words */
	const char *description;
	const char *risk;
	const char *remediation; /* the exact command or fly.toml change */
	const char *const *references; /* NULL-terminated list of Fly docs URLs */
	const char *resource_type; /* "machine", "volume", "certificate", "token", "app",
	                              "process_group", "ip", "hostname" */
	const char *const *tags;   /* NULL-terminated, e.g. "security", "network" */
	/* compliance mapping, NULL-terminated; every check has at least one of each */
	const char *const *cis;  /* CIS Controls v8.1 safeguards, e.g. "3.11" */
	const char *const *soc2; /* SOC 2 Trust Services Criteria, e.g. "CC6.1" */
} fa_check_meta;

/* The compliance frameworks a report can summarise by control. */
typedef enum { FA_FW_NONE = 0, FA_FW_CIS_8_1, FA_FW_SOC2 } fa_framework;
/* "cis-8.1" or "soc2" -> framework. Returns 0, or -1 for anything else. */
int fa_framework_parse(const char *s, fa_framework *out);
const char *fa_framework_name(fa_framework fw);  /* "cis-8.1", "soc2", "" */
const char *fa_framework_title(fa_framework fw); /* "CIS Controls v8.1", ... */
/* The controls a check maps to in `fw` (NULL-terminated; never NULL: empty list). */
const char *const *fa_check_controls(const fa_check_meta *m, fa_framework fw);
/* The title of a control ("Encrypt Sensitive Data at Rest"); "" when not in the table. */
const char *fa_control_title(fa_framework fw, const char *control);

/* The catalog, in a fixed order (sorted by id). */
const fa_check_meta *fa_checks(size_t *n);
/* A check by id; NULL if there is none. */
const fa_check_meta *fa_check_find(const char *id);

typedef struct fa_result {
	const fa_check_meta *check;
	fa_status status;
	fa_severity severity; /* the check's severity (kept when muted) */
	char *org;
	char *app;           /* NULL for org-level results */
	char *resource_type; /* "machine", "volume", ... */
	char *resource_id;
	char *resource_name; /* optional */
	char *region;        /* optional */
	char *message;       /* one line; names, never secret values */
	char *file;          /* optional: a repository file (relative path), for `scan` */
	unsigned line;       /* its line (1-based); 0 = no line */
	char fingerprint[65]; /* hex SHA-256 of check|org|app|type|id */
	/* set by policy (audit/policy.c) */
	char *muted_reason;    /* the suppression's reason when muted */
	char *muted_expires;   /* its expiry */
	int baseline;          /* -1 no baseline, 0 new, 1 existing */
} fa_result;

typedef struct fa_results {
	fa_result *items;
	size_t n;
	size_t cap;
} fa_results;

void fa_results_init(fa_results *rs);
void fa_results_release(fa_results *rs);
/* Adds a result; copies every string. Computes the fingerprint. Returns 0 or -1 (OOM). */
int fa_results_add(fa_results *rs, const fa_check_meta *check, fa_status status,
		   const char *org, const char *app, const char *resource_type,
		   const char *resource_id, const char *resource_name, const char *region,
		   const char *message);
/* Gives result `r` a file location (path relative to the scanned directory, line from
 * 1; 0 = the whole file). Copies `file`. Returns 0 or -1 (OOM; the result keeps none). */
int fa_result_set_location(fa_result *r, const char *file, unsigned line);
/* Moves every result of `from` to the end of `to`; `from` is left empty. */
int fa_results_take(fa_results *to, fa_results *from);
/* Keeps the results for which keep() is true (in order) and frees the others. */
void fa_results_filter(fa_results *rs, bool (*keep)(void *ud, const fa_result *r), void *ud);
/* Sorts deterministically: check id, app, resource type, resource id, message. */
void fa_results_sort(fa_results *rs);

/* The fingerprint of check|org|app|type|id, as 64 hex chars plus NUL. */
void fa_fingerprint(char out[65], const char *check, const char *org, const char *app,
		    const char *resource_type, const char *resource_id);

typedef struct fa_audit_ctx {
	const char *org;
	time_t now;
	const fa_self *self; /* the running token; may be NULL (unknown) */
	int max_image_age_days; /* container.image_stale; 0 = 180 */
	/* People and access of the org (members decide tokens.owner_not_member, also for app
	 * tokens); NULL = not read: those results are unknown. Zero-initialize the context. */
	const fa_access *access;
	int max_admins; /* access.admins_excess: --max-admins; 0 = the default, 3 */
	bool probe;          /* --probe: network.admin_allowlist comes from the edge (edge.h) */
	bool image_layers;   /* --image-layers: secrets.image_files is evaluated (also where a
			      * snapshot holds no layers: unknown) */
} fa_audit_ctx;

/* Runs every app-level check on one app and appends the results.
 * Data that failed to load gives `unknown` results, never `pass`. Returns 0 or -1 (OOM). */
int fa_audit_app(const fa_audit_ctx *ctx, const fa_app *app, fa_results *out);

/* Runs the org-level checks (org tokens, the running token). Returns 0 or -1. */
int fa_audit_org(const fa_audit_ctx *ctx, const fa_inventory *inv, fa_results *out);

/* Counts by status, and failures by severity (unmuted fails only). */
typedef struct fa_summary {
	size_t by_status[FA_STATUS_COUNT];
	size_t fail_by_severity[FA_SEV_NONE + 1];
	size_t total;
} fa_summary;
void fa_summary_of(const fa_results *rs, fa_summary *out);

#endif
