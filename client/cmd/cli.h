/* cmd/cli.h: the flyaudit command line, internal to client/: parsed options, the session a
 * command runs in (token, org, transport), and the commands themselves. */
#ifndef FLYAUDIT_CLIENT_CLI_H
#define FLYAUDIT_CLIENT_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "flyaudit/api.h"
#include "flyaudit/audit.h"
#include "flyaudit/auth.h"
#include "flyaudit/crawl.h"
#include "flyaudit/net.h"
#include "flyaudit/registry.h"

/* Exit codes (ARCHITECTURE.md section 2), frozen. */
enum { FA_EXIT_OK = 0, FA_EXIT_FAIL = 1, FA_EXIT_USAGE = 2, FA_EXIT_PARTIAL = 3 };

typedef enum {
	FA_FMT_TEXT = 0, FA_FMT_JSON, FA_FMT_SARIF, FA_FMT_JUNIT, FA_FMT_HTML, FA_FMT_OCSF, FA_FMT_CSV
} fa_format;
typedef enum { FA_COLOR_AUTO = 0, FA_COLOR_ALWAYS, FA_COLOR_NEVER } fa_color;

#define FA_CLI_MAX_APPS 256
#define FA_CLI_MAX_CONNECT_TO 64
#define FA_CLI_MAX_OUTPUTS 16

/* One `-o FILE` of `audit` and the format it is written in. */
typedef struct fa_cli_output {
	const char *path;
	fa_format format;
	bool format_given; /* by a --format just before it (else the extension decides) */
} fa_cli_output;

typedef enum { FA_SORT_NAME = 0, FA_SORT_FINDINGS } fa_sort;

typedef struct fa_cli {
	const char *command;
	char **args; /* positional arguments after the command */
	int n_args;
	const char *org;
	const char *apps[FA_CLI_MAX_APPS];
	size_t n_apps;
	fa_format format;
	bool format_set;
	const char *output; /* the first -o (snapshot and the views take one) */
	fa_cli_output outputs[FA_CLI_MAX_OUTPUTS]; /* every -o, in order (audit writes each) */
	size_t n_outputs;
	bool format_pending; /* a --format not yet taken by a -o after it */
	fa_severity fail_on;
	const char *suppressions;
	const char *baseline;
	const char *token_file;
	const char *ca_file;
	const char *from;
	const char *repo; /* audit --repo DIR */
	int concurrency;
	double timeout_s;
	int max_image_age_days; /* --max-image-age; 0 = 180 */
	double max_time_s; /* --max-time: the whole run (default 3600) */
	bool no_progress;
	fa_color color;
	int quiet;
	int verbose;
	bool json;
	fa_sort sort;  /* apps: --sort name|findings */
	bool failing;  /* apps: --failing, only apps with failures */
	bool resume;
	bool help;
	bool probe;                 /* audit --probe: probe the org's public hostnames */
	bool all_orgs;              /* audit --all-orgs: every org the token can read */
	bool image_layers;          /* audit/snapshot --image-layers: read the image layers */
	const char *connect_to[FA_CLI_MAX_CONNECT_TO]; /* --connect-to (curl's form) */
	size_t n_connect_to;
	/* filters: comma-separated lists, checked against the catalog when parsed */
	const char *checks;         /* --checks ID,... (globs: "secrets.*") */
	const char *exclude_checks; /* --exclude-checks ID,... */
	unsigned severities;        /* --severity SEV,...: bit (1 << fa_severity); 0 = all */
	fa_framework compliance;    /* --compliance cis-8.1|soc2 */
	const char *plan;           /* fix --plan REPORT.json */
	int max_admins; /* --max-admins; 0 = the default (3) */
} fa_cli;

/* The signal that asked the run to stop (SIGINT, SIGTERM), 0 while none did: the
 * transport stops, the report is written with what was read, the exit code is 3
 * (client/main.c installs the handler). */
extern volatile sig_atomic_t fa_stop_signal;

/* Whether the filters keep results of check `m` with severity `sev`. */
bool fa_cli_wants(const fa_cli *cli, const fa_check_meta *m, fa_severity sev);

/* Everything a command that talks to Fly needs. */
typedef struct fa_session {
	const fa_cli *cli;
	fa_auth auth;
	fa_net *net;
	fa_registry *registry;    /* Fly's registry (FLY_REGISTRY_HOST) and the others */
	char *org;
	const char *flaps_base;
	const char *graphql_base;
	unsigned char hash_key[FA_API_HASH_KEY_LEN];
	fa_token_current current; /* from GET /v1/tokens/current when it was read */
	bool have_current;
	char *current_json;       /* that response, raw (for whoami's "api") */
	const fa_crawl_stats *progress_of; /* shown by the progress line */
	bool progress_shown;
} fa_session;

/* The format of the i-th -o: a --format given just before it; else, with one -o, any
 * --format (as before several were allowed); else the file's extension (.json .sarif .xml
 * .txt); else --format; else text. */
fa_format fa_cli_output_format(const fa_cli *cli, size_t i);
const char *fa_format_name(fa_format f);

/* Prints "flyaudit: MESSAGE" to stderr and returns `code`. */
int fa_cli_error(int code, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;

/* Loads the token and sets up the transport; with `need_org`, settles the org from
 * --org, FLY_ORG or GET /v1/tokens/current. Returns an exit code (0 = ready). */
int fa_session_open(fa_session *s, const fa_cli *cli, bool need_org);
/* The same with the env hash key given (FA_API_HASH_KEY_LEN bytes, copied), so that
 * values the run hashes elsewhere (audit --repo) compare with the live ones; NULL: a
 * random key, as fa_session_open. */
int fa_session_open_key(fa_session *s, const fa_cli *cli, bool need_org, const unsigned char *key);
/* Runs a crawl with the session's transport and progress line. Returns fa_crawl_run's code. */
int fa_session_crawl(fa_session *s, fa_crawl_opts *o, fa_inventory *inv, fa_crawl_stats *st,
		     char *err, size_t errlen);
void fa_session_close(fa_session *s);
/* GET /v1/tokens/current into s->current and s->current_json. Returns 0, -1 (err set),
 * or -2 when the token was refused. */
int fa_session_read_current(fa_session *s, char *err, size_t errlen);
/* Fills the crawl part of a report from the transport's counters. */
void fa_session_net_stats(const fa_session *s, fa_net_stats *out);

/* Writes `len` bytes to `path` (0600, temporary name renamed into place), or to stdout
 * when path is NULL or "-". Returns 0 or -1 with a reason in err. */
int fa_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen);
/* Reads a whole file (at most `max` bytes). Returns a malloc'd NUL-terminated buffer. */
char *fa_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);
/* The current UTC time as RFC 3339 ("2026-11-28T23:55:00Z"). */
void fa_now_rfc3339(char out[32]);
/* True when colour should be used on this stream. */
bool fa_use_color(const fa_cli *cli, FILE *stream);

/* Commands: each returns an exit code. */
int fa_cmd_apps(const fa_cli *cli);
int fa_cmd_view(const fa_cli *cli, fa_endpoint ep); /* machines, volumes, ... */
int fa_cmd_tokens(const fa_cli *cli);
int fa_cmd_whoami(const fa_cli *cli);
int fa_cmd_members(const fa_cli *cli);   /* access.c */
/* The tokens views' MEMBER cell: "yes", "no", or "?" when the members were not read. */
const char *fa_view_owner_member(const fa_access *acc, const char *email);
int fa_cmd_wireguard(const fa_cli *cli); /* access.c */
int fa_cmd_snapshot(const fa_cli *cli);
int fa_cmd_audit(const fa_cli *cli);
int fa_cmd_diff(const fa_cli *cli);
int fa_cmd_checks(const fa_cli *cli);
int fa_cmd_images(const fa_cli *cli); /* images.c */
int fa_cmd_scan(const fa_cli *cli); /* cmd/scan.c */
int fa_cmd_fix(const fa_cli *cli);

/* Entry point for main(). */
int fa_cli_main(int argc, char **argv);

#endif
