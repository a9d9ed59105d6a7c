/* cmd/cli.c: the flyaudit command line: one table of commands and one of options, which
 * also make the usage text. Global options are accepted before or after the command. */
#include "cli.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct command {
	const char *name;
	const char *args;
	const char *summary;
	const char *help; /* extra lines for `flyaudit CMD --help` */
} command;

static const command commands[] = {
	{ "apps", "", "one line per app: status, machines, regions, public IPs, findings",
	  "Reads every app of the org, audits it, and prints one row per app." },
	{ "machines", "APP", "the machines of an app", "" },
	{ "volumes", "APP", "the volumes of an app", "" },
	{ "ips", "APP", "the IP addresses of an app (type inferred as Fly does)", "" },
	{ "secrets", "APP", "the secret NAMES of an app (values are never requested)", "" },
	{ "certs", "APP", "the certificates of an app", "" },
	{ "tokens", "[APP]", "the org's tokens, or an app's", "" },
	{ "members", "", "the org's people: email, role, 2FA, joined, last region; invitations",
	  "Reads the org's members and pending invitations over GraphQL (--json for JSON)." },
	{ "wireguard", "", "the org's WireGuard peers and delegated WireGuard tokens",
	  "Public side only (name, region, peer IP, network): the API has no private key." },
	{ "whoami", "", "what the running token is: kind, org, apps, permissions, expiry",
	  "Decodes the token offline, then adds what GET /v1/tokens/current says when reachable." },
	{ "snapshot", "-o FILE", "crawl and save the inventory as JSON Lines",
	  "--resume continues a partial snapshot: apps already in FILE are not read again." },
	{ "audit", "", "crawl (or --from FILE) and evaluate every check",
	  "Formats: --format text|json|sarif|junit|html|ocsf|csv. Exit 0 clean, 1 failures at or\n"
	  "above --fail-on (default high), 2 usage/auth error, 3 partial (some data unreadable).\n"
	  "-o may be repeated: one crawl, every file (format: a --format just before it, else\n"
	  "the extension .json .sarif .xml .txt .html .csv .ocsf). Text: grouped; -v every\n"
	  "result; -q failures. Filters: --checks, --exclude-checks, --severity; --compliance\n"
	  "cis-8.1|soc2 adds a per-control table. With FLYAUDIT_NOTIFY_URL set, new failures at\n"
	  "or above --fail-on are POSTed there as a short JSON summary (Slack/Discord `text`).\n"
	  "--repo DIR also scans DIR (as `scan`) and holds each fly.toml against the live app\n"
	  "it names (config.repo_drift): settings per process group, env names, env values by\n"
	  "keyed hash (never shown; not with --from), process groups, image." },
	{ "diff", "OLD.json NEW.json", "new, resolved and unchanged failures between two reports",
	  "Exit 1 when there are new failures at or above --fail-on." },
	{ "checks", "", "the check catalog", "" },
	{ "images", "[APP]", "the images the machines run, read from their registries",
	  "One fetch per digest: image, digest, created (age), USER, env names a detector flags,\n"
	  "machines and apps using it. Fly's registry is FLY_REGISTRY_HOST (default registry.fly.io),\n"
	  "read with the token's macaroons; other registries are read anonymously. Exit 3 when an\n"
	  "image could not be read." },
	{ "checks", "", "the check catalog (--json adds remediation and the CIS/SOC 2 mapping)", "" },
	{ "fix", "--plan REPORT.json", "a reviewable shell script that fixes a report's failures",
	  "Writes (to stdout or -o FILE) one commented block per failure: the fly commands with\n"
	  "-a APP and the resource ids filled in, and the fly.toml edit as a comment. Steps that\n"
	  "destroy or replace something are commented out with a warning. Nothing is run." },
	{ "scan", "[DIR]", "audit a repository offline: fly.toml, Dockerfiles, workflows, .env files",
	  "No token needed. Reads the git index (else the tree) of DIR (default .): fly.toml,\n"
	  "Dockerfile*, .dockerignore, .github/workflows/*.yml, committed .env files, Fly token\n"
	  "literals. Results carry path:line (SARIF physical locations). DIR/.flyauditignore\n"
	  "excludes files (.dockerignore syntax). Exit 2 when DIR is not a directory, 3 when a\n"
	  "file could not be parsed (the others are still scanned)." },
	{ "version", "", "print the version", "" },
};

typedef enum {
	O_ORG, O_APP, O_FORMAT, O_OUTPUT, O_FAIL_ON, O_SUPPRESSIONS, O_BASELINE, O_CONCURRENCY,
	O_TIMEOUT, O_TOKEN_FILE, O_CA_FILE, O_NO_PROGRESS, O_COLOR, O_QUIET, O_VERBOSE, O_JSON,
	O_FROM, O_RESUME, O_HELP, O_VERSION, O_SORT, O_FAILING, O_CHECKS, O_EXCLUDE_CHECKS,
	O_SEVERITY, O_COMPLIANCE, O_PLAN, O_MAX_ADMINS, O_PROBE, O_CONNECT_TO, O_REPO, O_MAX_TIME,
	O_MAX_IMAGE_AGE, O_ALL_ORGS, O_IMAGE_LAYERS
} opt_id;

typedef struct option {
	opt_id id;
	const char *lng;
	char shrt;
	const char *arg; /* NULL: a flag */
	const char *help;
} option;

static const option options[] = {
	{ O_ORG, "org", 0, "SLUG", "organization (default: FLY_ORG, then the token's org)" },
	{ O_APP, "app", 0, "NAME", "only this app (repeatable)" },
	{ O_ALL_ORGS, "all-orgs", 0, NULL, "audit: every org the token can read, one section each" },
	{ O_FORMAT, "format", 0, "FMT", "text|json|sarif|junit|html|ocsf|csv" },
	{ O_OUTPUT, "output", 'o', "FILE", "write the report or snapshot to FILE (0600); audit: repeatable, one crawl, each FILE in the --format given just before it or by its extension" },
	{ O_FAIL_ON, "fail-on", 0, "SEV", "critical|high|medium|low|info|never (default high)" },
	{ O_SUPPRESSIONS, "suppressions", 0, "FILE", "JSON suppressions (reason and expires required)" },
	{ O_BASELINE, "baseline", 0, "REPORT", "a previous JSON report: only new failures count" },
	{ O_CONCURRENCY, "concurrency", 0, "N", "requests in flight (default 32)" },
	{ O_TIMEOUT, "timeout", 0, "SECONDS", "per request attempt (default 30)" },
	{ O_MAX_TIME, "max-time", 0, "SECONDS", "the whole run (default 3600): then stop, report, exit 3" },
	{ O_TOKEN_FILE, "token-file", 0, "FILE", "read the token from FILE" },
	{ O_CA_FILE, "ca-file", 0, "FILE", "also trust this CA (PEM); verification stays on" },
	{ O_MAX_IMAGE_AGE, "max-image-age", 0, "DAYS",
	  "container.image_stale: images built longer ago fail (default 180)" },
	{ O_IMAGE_LAYERS, "image-layers", 0, NULL,
	  "audit, snapshot: also stream each image's layers for credential files (secrets.image_files)" },
	{ O_CHECKS, "checks", 0, "ID,..", "only these checks (globs: 'secrets.*')" },
	{ O_EXCLUDE_CHECKS, "exclude-checks", 0, "ID,..", "not these checks (globs)" },
	{ O_SEVERITY, "severity", 0, "SEV,..", "only these severities (critical,...,info,manual)" },
	{ O_COMPLIANCE, "compliance", 0, "FW", "cis-8.1|soc2: a per-control summary (text, json, html)" },
	{ O_PLAN, "plan", 0, "REPORT", "fix: the JSON report to plan fixes for" },
	{ O_FROM, "from", 0, "SNAPSHOT", "audit a saved snapshot instead of the live API" },
	{ O_RESUME, "resume", 0, NULL, "snapshot: continue a partial file" },
	{ O_MAX_ADMINS, "max-admins", 0, "N", "access.admins_excess: admins allowed (default 3)" },
	{ O_REPO, "repo", 0, "DIR", "audit: also scan DIR and hold its fly.toml against the live app" },
	{ O_PROBE, "probe", 0, NULL, "audit: also probe the org's own public hostnames (opt-in)" },
	{ O_CONNECT_TO, "connect-to", 0, "H:P:H2:P2", "probes for H:P connect to H2:P2 (repeatable)" },
	{ O_JSON, "json", 0, NULL, "machine-readable output for the views" },
	{ O_SORT, "sort", 0, "KEY", "apps: name (default) or findings (worst first)" },
	{ O_FAILING, "failing", 0, NULL, "apps: only the apps with failures or unknowns" },
	{ O_NO_PROGRESS, "no-progress", 0, NULL, "no progress line on stderr" },
	{ O_COLOR, "color", 0, "WHEN", "auto|always|never" },
	{ O_QUIET, "quiet", 'q', NULL, "less output (audit text: the summary and failures only)" },
	{ O_VERBOSE, "verbose", 'v', NULL, "log each request (never headers or tokens); audit text: every result" },
	{ O_HELP, "help", 'h', NULL, "this help" },
	{ O_VERSION, "version", 0, NULL, "print the version" },
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

int fa_cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("flyaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static const command *find_command(const char *name)
{
	size_t i;

	for (i = 0; name && i < N_ELEM(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *f, const command *cmd)
{
	size_t i;

	if (cmd) {
		fprintf(f, "usage: flyaudit [options] %s %s\n\n%s.\n", cmd->name, cmd->args, cmd->summary);
		if (cmd->help && *cmd->help)
			fprintf(f, "%s\n", cmd->help);
	} else {
		fprintf(f, "usage: flyaudit [options] COMMAND [ARGS]\n\n"
			   "Audits a Fly.io organization against the Fly.io security checklist.\n\ncommands:\n");
		for (i = 0; i < N_ELEM(commands); i++) {
			char left[40];

			snprintf(left, sizeof(left), "%s %s", commands[i].name, commands[i].args);
			fprintf(f, "  %-26s %s\n", left, commands[i].summary);
		}
	}
	fprintf(f, "\noptions (before or after the command):\n");
	for (i = 0; i < N_ELEM(options); i++) {
		char left[48];
		const option *o = &options[i];

		if (o->shrt)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->shrt, o->lng, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->lng, o->arg ? " " : "", o->arg ? o->arg : "");
		fprintf(f, "  %-28s %s\n", left, o->help);
	}
	if (!cmd)
		fprintf(f, "\nThe token comes from FLY_ACCESS_TOKEN, FLY_API_TOKEN, --token-file or\n"
			   "~/.fly/config.yml, never from the command line. Use a read-only token:\n"
			   "  FLY_API_TOKEN=$(fly tokens create readonly ORG) flyaudit audit\n"
			   "API bases: FLY_FLAPS_BASE_URL (default https://api.machines.dev) and\n"
			   "FLY_API_BASE_URL (default https://api.fly.io).\n"
			   "Exit codes: 0 clean, 1 failures at or above --fail-on, 2 usage or auth error,\n"
			   "3 partial (some resources could not be read).\n");
}

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || !end || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- filters ------------------------------------------------------------------- */

#define LIST_ITEM_MAX 128

/* Calls fn on each item of a comma-separated list (empty items skipped). */
static int each_item(const char *list, int (*fn)(const char *item, void *ud), void *ud)
{
	const char *p = list;

	while (p && *p) {
		size_t n = strcspn(p, ",");
		char item[LIST_ITEM_MAX];

		if (n >= sizeof(item)) {
			fa_cli_error(FA_EXIT_USAGE, "list item too long: '%.40s...'", p);
			return -1;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		if (n && fn(item, ud) < 0)
			return -1;
		p += n;
		if (*p == ',')
			p++;
	}
	return 0;
}

static bool glob_matches_any(const char *pat)
{
	const fa_check_meta *cs;
	size_t n, i;

	cs = fa_checks(&n);
	for (i = 0; i < n; i++)
		if (fnmatch(pat, cs[i].id, 0) == 0)
			return true;
	return false;
}

static int known_item(const char *item, void *ud)
{
	const fa_check_meta *cs;
	size_t n, i;

	if (glob_matches_any(item))
		return 0;
	fprintf(stderr, "flyaudit: %s: no check matches '%s'; the checks are:\n", (const char *)ud, item);
	cs = fa_checks(&n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  %s\n", cs[i].id);
	return -1;
}

/* Every item of an id list must match a catalog id (globs allowed). */
static int check_list(const char *opt, const char *val)
{
	if (!*val)
		return fa_cli_error(FA_EXIT_USAGE, "%s wants a list of check ids", opt), -1;
	if (each_item(val, known_item, (void *)opt) < 0)
		return -1;
	return 0;
}

static int severity_item(const char *item, void *ud)
{
	fa_severity s;

	if (strcmp(item, "manual") == 0 || strcmp(item, "none") == 0)
		s = FA_SEV_NONE;
	else if (strcmp(item, "never") == 0 || fa_severity_parse(item, &s) < 0) {
		fa_cli_error(FA_EXIT_USAGE,
			     "unknown --severity '%s' (critical, high, medium, low, info, manual)", item);
		return -1;
	}
	*(unsigned *)ud |= 1u << s;
	return 0;
}

static int parse_severities(const char *val, unsigned *out)
{
	*out = 0;
	if (each_item(val, severity_item, out) < 0)
		return -1;
	if (!*out)
		return fa_cli_error(FA_EXIT_USAGE, "--severity wants a list of severities"), -1;
	return 0;
}

typedef struct match_ud {
	const char *id;
	bool hit;
} match_ud;

static int match_item(const char *item, void *ud)
{
	match_ud *m = ud;

	if (fnmatch(item, m->id, 0) == 0)
		m->hit = true;
	return 0;
}

static bool list_matches(const char *list, const char *id)
{
	match_ud m = { id, false };

	each_item(list, match_item, &m);
	return m.hit;
}

bool fa_cli_wants(const fa_cli *cli, const fa_check_meta *m, fa_severity sev)
{
	const char *id = m ? m->id : "";

	if (cli->checks && !list_matches(cli->checks, id))
		return false;
	if (cli->exclude_checks && list_matches(cli->exclude_checks, id))
		return false;
	if (cli->severities && (unsigned)sev <= FA_SEV_NONE && !(cli->severities & (1u << sev)))
		return false;
	return true;
}

static int apply_option(fa_cli *cli, const option *o, const char *val)
{
	long n;
	char *end = NULL;

	switch (o->id) {
	case O_ORG: cli->org = val; break;
	case O_APP:
		if (cli->n_apps >= FA_CLI_MAX_APPS)
			return fa_cli_error(FA_EXIT_USAGE, "too many --app options (at most %d)", FA_CLI_MAX_APPS);
		if (!fa_api_app_name_ok(val)) /* never into a URL: Fly's names are [a-z0-9-]{1,63} */
			return fa_cli_error(FA_EXIT_USAGE, "--app wants a Fly app name ([a-z0-9-], at most 63), not '%.63s%s'",
					    val, strlen(val) > 63 ? "..." : "");
		cli->apps[cli->n_apps++] = val;
		break;
	case O_FORMAT:
		if (strcmp(val, "text") == 0) cli->format = FA_FMT_TEXT;
		else if (strcmp(val, "json") == 0) cli->format = FA_FMT_JSON;
		else if (strcmp(val, "sarif") == 0) cli->format = FA_FMT_SARIF;
		else if (strcmp(val, "junit") == 0) cli->format = FA_FMT_JUNIT;
		else if (strcmp(val, "html") == 0) cli->format = FA_FMT_HTML;
		else if (strcmp(val, "ocsf") == 0) cli->format = FA_FMT_OCSF;
		else if (strcmp(val, "csv") == 0) cli->format = FA_FMT_CSV;
		else return fa_cli_error(FA_EXIT_USAGE,
					 "unknown --format '%s' (text, json, sarif, junit, html, ocsf, csv)", val);
		cli->format_set = true;
		cli->format_pending = true;
		break;
	case O_OUTPUT:
		if (cli->n_outputs >= FA_CLI_MAX_OUTPUTS)
			return fa_cli_error(FA_EXIT_USAGE, "too many -o options (at most %d)", FA_CLI_MAX_OUTPUTS);
		if (!cli->output)
			cli->output = val;
		cli->outputs[cli->n_outputs].path = val;
		cli->outputs[cli->n_outputs].format = cli->format;
		cli->outputs[cli->n_outputs].format_given = cli->format_pending;
		cli->n_outputs++;
		cli->format_pending = false;
		break;
	case O_SORT:
		if (strcmp(val, "name") == 0) cli->sort = FA_SORT_NAME;
		else if (strcmp(val, "findings") == 0) cli->sort = FA_SORT_FINDINGS;
		else return fa_cli_error(FA_EXIT_USAGE, "unknown --sort '%s' (name, findings)", val);
		break;
	case O_FAILING: cli->failing = true; break;
	case O_FAIL_ON:
		if (fa_severity_parse(val, &cli->fail_on) < 0)
			return fa_cli_error(FA_EXIT_USAGE,
					    "unknown --fail-on '%s' (critical, high, medium, low, info, never)", val);
		break;
	case O_SUPPRESSIONS: cli->suppressions = val; break;
	case O_BASELINE: cli->baseline = val; break;
	case O_CONCURRENCY:
		if (parse_int(val, 1, 1024, &n) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "--concurrency wants a number from 1 to 1024, not '%s'", val);
		cli->concurrency = (int)n;
		break;
	case O_TIMEOUT:
		errno = 0;
		cli->timeout_s = strtod(val, &end);
		if (errno || !end || *end || !(cli->timeout_s > 0 && cli->timeout_s <= 3600))
			return fa_cli_error(FA_EXIT_USAGE, "--timeout wants seconds (0 < s <= 3600), not '%s'", val);
		break;
	case O_MAX_IMAGE_AGE:
		if (parse_int(val, 1, 36500, &n) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "--max-image-age wants days from 1 to 36500, not '%s'", val);
		cli->max_image_age_days = (int)n;
		break;
	case O_MAX_TIME:
		errno = 0;
		cli->max_time_s = strtod(val, &end);
		if (errno || !end || *end || !(cli->max_time_s > 0 && cli->max_time_s <= 7 * 86400))
			return fa_cli_error(FA_EXIT_USAGE, "--max-time wants seconds (0 < s <= 604800), not '%s'", val);
		break;
	case O_MAX_ADMINS:
		if (parse_int(val, 1, 100000, &n) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "--max-admins wants a number from 1 to 100000, not '%s'", val);
		cli->max_admins = (int)n;
		break;
	case O_TOKEN_FILE: cli->token_file = val; break;
	case O_CA_FILE: cli->ca_file = val; break;
	case O_FROM: cli->from = val; break;
	case O_REPO: cli->repo = val; break;
	case O_RESUME: cli->resume = true; break;
	case O_PROBE: cli->probe = true; break;
	case O_ALL_ORGS: cli->all_orgs = true; break;
	case O_IMAGE_LAYERS: cli->image_layers = true; break;
	case O_CONNECT_TO: {
		char why[200];

		if (cli->n_connect_to >= FA_CLI_MAX_CONNECT_TO)
			return fa_cli_error(FA_EXIT_USAGE, "too many --connect-to options (at most %d)",
					    FA_CLI_MAX_CONNECT_TO);
		if (fa_net_check_connect_to(val, why, sizeof(why)) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "%s, not '%s'", why, val);
		cli->connect_to[cli->n_connect_to++] = val;
		break;
	}
	case O_JSON: cli->json = true; break;
	case O_NO_PROGRESS: cli->no_progress = true; break;
	case O_COLOR:
		if (strcmp(val, "auto") == 0) cli->color = FA_COLOR_AUTO;
		else if (strcmp(val, "always") == 0) cli->color = FA_COLOR_ALWAYS;
		else if (strcmp(val, "never") == 0) cli->color = FA_COLOR_NEVER;
		else return fa_cli_error(FA_EXIT_USAGE, "unknown --color '%s' (auto, always, never)", val);
		break;
	case O_QUIET: cli->quiet++; break;
	case O_VERBOSE: cli->verbose++; break;
	case O_HELP: cli->help = true; break;
	case O_CHECKS:
		if (check_list("--checks", val) < 0)
			return FA_EXIT_USAGE;
		cli->checks = val;
		break;
	case O_EXCLUDE_CHECKS:
		if (check_list("--exclude-checks", val) < 0)
			return FA_EXIT_USAGE;
		cli->exclude_checks = val;
		break;
	case O_SEVERITY:
		if (parse_severities(val, &cli->severities) < 0)
			return FA_EXIT_USAGE;
		break;
	case O_COMPLIANCE:
		if (fa_framework_parse(val, &cli->compliance) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "unknown --compliance '%s' (cis-8.1, soc2)", val);
		break;
	case O_PLAN: cli->plan = val; break;
	case O_VERSION: cli->command = cli->command ? cli->command : "version"; break;
	}
	return 0;
}

static const struct {
	const char *ext;
	fa_format format;
} extensions[] = {
	{ ".json", FA_FMT_JSON }, { ".sarif", FA_FMT_SARIF }, { ".xml", FA_FMT_JUNIT },
	{ ".txt", FA_FMT_TEXT }, { ".html", FA_FMT_HTML }, { ".htm", FA_FMT_HTML },
	{ ".csv", FA_FMT_CSV }, { ".ocsf", FA_FMT_OCSF }, { ".ocsf.json", FA_FMT_OCSF },
};

static const char *const format_names[] = { "text", "json", "sarif", "junit", "html", "ocsf", "csv" };

const char *fa_format_name(fa_format f)
{
	return (size_t)f < N_ELEM(format_names) ? format_names[f] : "?";
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

fa_format fa_cli_output_format(const fa_cli *cli, size_t i)
{
	const fa_cli_output *o = &cli->outputs[i];
	fa_format f = cli->format;
	size_t k, best = 0;

	if (cli->n_outputs == 1 && cli->format_set)
		return cli->format;
	if (o->format_given)
		return o->format;
	/* the longest matching extension wins (".ocsf.json" before ".json") */
	for (k = 0; k < N_ELEM(extensions); k++)
		if (ends_with(o->path, extensions[k].ext) && strlen(extensions[k].ext) > best) {
			best = strlen(extensions[k].ext);
			f = extensions[k].format;
		}
	return f;
}

/* Parses argv into cli. Returns 0 or an exit code. */
static int parse_args(fa_cli *cli, int argc, char **argv, char **positional)
{
	int i, n_pos = 0;
	bool only_pos = false;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const option *o = NULL;
		const char *val = NULL;
		size_t k;
		int rc;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			positional[n_pos++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t nl = eq ? (size_t)(eq - name) : strlen(name);

			for (k = 0; k < N_ELEM(options); k++)
				if (strlen(options[k].lng) == nl && strncmp(options[k].lng, name, nl) == 0)
					o = &options[k];
			if (!o) {
				if (nl == 10 && strncmp(name, "notify-url", 10) == 0)
					return fa_cli_error(FA_EXIT_USAGE,
							    "the notification URL is never taken on the command line (webhook URLs are credentials): set FLYAUDIT_NOTIFY_URL");
				if (nl == 5 && strncmp(name, "token", 5) == 0)
					return fa_cli_error(FA_EXIT_USAGE,
							    "a token is never taken on the command line (it would show in ps and shell history): set FLY_API_TOKEN or use --token-file");
				return fa_cli_error(FA_EXIT_USAGE, "unknown option '--%.*s' (see flyaudit --help)",
						    (int)nl, name);
			}
			if (eq) {
				if (!o->arg)
					return fa_cli_error(FA_EXIT_USAGE, "--%s takes no value", o->lng);
				val = eq + 1;
			}
		} else {
			for (k = 0; k < N_ELEM(options); k++)
				if (options[k].shrt && options[k].shrt == a[1])
					o = &options[k];
			if (!o)
				return fa_cli_error(FA_EXIT_USAGE, "unknown option '%s' (see flyaudit --help)", a);
			if (a[2])
				val = a + 2;
		}
		if (o->arg && !val) {
			if (i + 1 >= argc)
				return fa_cli_error(FA_EXIT_USAGE, "--%s needs a value (%s)", o->lng, o->arg);
			val = argv[++i];
		}
		rc = apply_option(cli, o, val);
		if (rc)
			return rc;
	}
	if (n_pos > 0 && !cli->command) {
		cli->command = positional[0];
		cli->args = positional + 1;
		cli->n_args = n_pos - 1;
	} else {
		cli->args = positional;
		cli->n_args = n_pos;
	}
	return 0;
}

int fa_cli_main(int argc, char **argv)
{
	fa_cli cli;
	char **positional;
	const command *cmd;
	int rc;

	memset(&cli, 0, sizeof(cli));
	cli.fail_on = FA_SEV_HIGH;
	cli.max_time_s = 3600;
	positional = calloc((size_t)argc + 1, sizeof(*positional));
	if (!positional)
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	rc = parse_args(&cli, argc, argv, positional);
	if (rc) {
		free(positional);
		return rc;
	}
	if (!cli.command) {
		usage(cli.help ? stdout : stderr, NULL);
		free(positional);
		return cli.help ? FA_EXIT_OK : FA_EXIT_USAGE;
	}
	cmd = find_command(cli.command);
	if (!cmd) {
		rc = fa_cli_error(FA_EXIT_USAGE, "unknown command '%s' (see flyaudit --help)", cli.command);
		free(positional);
		return rc;
	}
	if (cli.help) {
		usage(stdout, cmd);
		free(positional);
		return FA_EXIT_OK;
	}
	if ((cli.probe || cli.n_connect_to) && strcmp(cmd->name, "audit") != 0)
		rc = fa_cli_error(FA_EXIT_USAGE, "--probe and --connect-to apply to audit only");
	else if (cli.n_connect_to && !cli.probe)
		rc = fa_cli_error(FA_EXIT_USAGE, "--connect-to only routes the probes: add --probe");
	else if (cli.image_layers && strcmp(cmd->name, "audit") != 0 &&
		 strcmp(cmd->name, "snapshot") != 0)
		rc = fa_cli_error(FA_EXIT_USAGE, "--image-layers applies to audit and snapshot only");
	else if (cli.probe && cli.from)
		rc = fa_cli_error(FA_EXIT_USAGE, "--probe needs a live crawl, not --from");
	else if (cli.all_orgs && strcmp(cmd->name, "audit") != 0)
		rc = fa_cli_error(FA_EXIT_USAGE, "--all-orgs applies to audit only");
	else if (cli.all_orgs && cli.org)
		rc = fa_cli_error(FA_EXIT_USAGE, "--all-orgs and --org conflict: pick one");
	else if (cli.all_orgs && (cli.from || cli.n_apps || cli.repo))
		rc = fa_cli_error(FA_EXIT_USAGE, "--all-orgs reads every org live: not with %s",
				  cli.from ? "--from" : cli.n_apps ? "--app" : "--repo");
	if (rc) {
		free(positional);
		return rc;
	}
	if (strcmp(cmd->name, "version") == 0) {
		printf("flyaudit %s\n", FLYAUDIT_VERSION);
		rc = FA_EXIT_OK;
	} else if (strcmp(cmd->name, "apps") == 0) {
		rc = fa_cmd_apps(&cli);
	} else if (strcmp(cmd->name, "machines") == 0) {
		rc = fa_cmd_view(&cli, FA_EP_MACHINES);
	} else if (strcmp(cmd->name, "volumes") == 0) {
		rc = fa_cmd_view(&cli, FA_EP_VOLUMES);
	} else if (strcmp(cmd->name, "ips") == 0) {
		rc = fa_cmd_view(&cli, FA_EP_IPS);
	} else if (strcmp(cmd->name, "secrets") == 0) {
		rc = fa_cmd_view(&cli, FA_EP_SECRETS);
	} else if (strcmp(cmd->name, "certs") == 0) {
		rc = fa_cmd_view(&cli, FA_EP_CERTS);
	} else if (strcmp(cmd->name, "tokens") == 0) {
		rc = fa_cmd_tokens(&cli);
	} else if (strcmp(cmd->name, "members") == 0) {
		rc = fa_cmd_members(&cli);
	} else if (strcmp(cmd->name, "wireguard") == 0) {
		rc = fa_cmd_wireguard(&cli);
	} else if (strcmp(cmd->name, "whoami") == 0) {
		rc = fa_cmd_whoami(&cli);
	} else if (strcmp(cmd->name, "snapshot") == 0) {
		rc = fa_cmd_snapshot(&cli);
	} else if (strcmp(cmd->name, "audit") == 0) {
		rc = fa_cmd_audit(&cli);
	} else if (strcmp(cmd->name, "images") == 0) {
		rc = fa_cmd_images(&cli);
	} else if (strcmp(cmd->name, "diff") == 0) {
		rc = fa_cmd_diff(&cli);
	} else if (strcmp(cmd->name, "scan") == 0) {
		rc = fa_cmd_scan(&cli);
	} else if (strcmp(cmd->name, "fix") == 0) {
		rc = fa_cmd_fix(&cli);
	} else {
		rc = fa_cmd_checks(&cli);
	}
	free(positional);
	if (fa_stop_signal && (rc == FA_EXIT_OK || rc == FA_EXIT_FAIL)) {
		/* what was written holds what was read before the signal: partial */
		fprintf(stderr, "flyaudit: interrupted (signal %d): the output holds what was read\n",
			(int)fa_stop_signal);
		rc = FA_EXIT_PARTIAL;
	}
	return rc;
}
