/* cmd/cli.c: the flyaudit command line: one table of commands and one of options, which
 * also make the usage text. Global options are accepted before or after the command. */
#include "cli.h"

#include <errno.h>
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
	  "Formats: --format text|json|sarif|junit. Exit 0 clean, 1 failures at or above\n"
	  "--fail-on (default high), 2 usage/auth error, 3 partial (some data unreadable).\n"
	  "-o may be repeated: one crawl, every file (format: a --format just before it, else\n"
	  "the extension .json .sarif .xml .txt). Text: grouped; -v every result; -q failures." },
	{ "diff", "OLD.json NEW.json", "new, resolved and unchanged failures between two reports",
	  "Exit 1 when there are new failures at or above --fail-on." },
	{ "checks", "", "the check catalog", "" },
	{ "version", "", "print the version", "" },
};

typedef enum {
	O_ORG, O_APP, O_FORMAT, O_OUTPUT, O_FAIL_ON, O_SUPPRESSIONS, O_BASELINE, O_CONCURRENCY,
	O_TIMEOUT, O_TOKEN_FILE, O_CA_FILE, O_NO_PROGRESS, O_COLOR, O_QUIET, O_VERBOSE, O_JSON,
	O_FROM, O_RESUME, O_HELP, O_VERSION, O_SORT, O_FAILING, O_MAX_ADMINS
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
	{ O_FORMAT, "format", 0, "FMT", "text|json|sarif|junit" },
	{ O_OUTPUT, "output", 'o', "FILE", "write the report or snapshot to FILE (0600); audit: repeatable, one crawl, each FILE in the --format given just before it or by its extension" },
	{ O_FAIL_ON, "fail-on", 0, "SEV", "critical|high|medium|low|info|never (default high)" },
	{ O_SUPPRESSIONS, "suppressions", 0, "FILE", "JSON suppressions (reason and expires required)" },
	{ O_BASELINE, "baseline", 0, "REPORT", "a previous JSON report: only new failures count" },
	{ O_CONCURRENCY, "concurrency", 0, "N", "requests in flight (default 32)" },
	{ O_TIMEOUT, "timeout", 0, "SECONDS", "per request attempt (default 30)" },
	{ O_TOKEN_FILE, "token-file", 0, "FILE", "read the token from FILE" },
	{ O_CA_FILE, "ca-file", 0, "FILE", "also trust this CA (PEM); verification stays on" },
	{ O_FROM, "from", 0, "SNAPSHOT", "audit a saved snapshot instead of the live API" },
	{ O_RESUME, "resume", 0, NULL, "snapshot: continue a partial file" },
	{ O_MAX_ADMINS, "max-admins", 0, "N", "access.admins_excess: admins allowed (default 3)" },
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

static int apply_option(fa_cli *cli, const option *o, const char *val)
{
	long n;
	char *end = NULL;

	switch (o->id) {
	case O_ORG: cli->org = val; break;
	case O_APP:
		if (cli->n_apps >= FA_CLI_MAX_APPS)
			return fa_cli_error(FA_EXIT_USAGE, "too many --app options (at most %d)", FA_CLI_MAX_APPS);
		cli->apps[cli->n_apps++] = val;
		break;
	case O_FORMAT:
		if (strcmp(val, "text") == 0) cli->format = FA_FMT_TEXT;
		else if (strcmp(val, "json") == 0) cli->format = FA_FMT_JSON;
		else if (strcmp(val, "sarif") == 0) cli->format = FA_FMT_SARIF;
		else if (strcmp(val, "junit") == 0) cli->format = FA_FMT_JUNIT;
		else return fa_cli_error(FA_EXIT_USAGE, "unknown --format '%s' (text, json, sarif, junit)", val);
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
	case O_MAX_ADMINS:
		if (parse_int(val, 1, 100000, &n) < 0)
			return fa_cli_error(FA_EXIT_USAGE, "--max-admins wants a number from 1 to 100000, not '%s'", val);
		cli->max_admins = (int)n;
		break;
	case O_TOKEN_FILE: cli->token_file = val; break;
	case O_CA_FILE: cli->ca_file = val; break;
	case O_FROM: cli->from = val; break;
	case O_RESUME: cli->resume = true; break;
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
	case O_VERSION: cli->command = cli->command ? cli->command : "version"; break;
	}
	return 0;
}

static const struct {
	const char *ext;
	fa_format format;
} extensions[] = {
	{ ".json", FA_FMT_JSON }, { ".sarif", FA_FMT_SARIF }, { ".xml", FA_FMT_JUNIT },
	{ ".txt", FA_FMT_TEXT },
};

static const char *const format_names[] = { "text", "json", "sarif", "junit" };

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
	} else if (strcmp(cmd->name, "diff") == 0) {
		rc = fa_cmd_diff(&cli);
	} else {
		rc = fa_cmd_checks(&cli);
	}
	free(positional);
	return rc;
}
