/* cmd/whoami.c: `whoami`: what the running token can do, decoded offline, then what
 * GET /v1/tokens/current adds (org, user, names of the apps it is restricted to). */
#include "cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flyaudit/report.h"
#include "flyaudit/buf.h"
#include "flyaudit/macaroon.h"

typedef struct names_ctx {
	fa_app *apps;
	size_t n;
} names_ctx;

static void on_app_names(void *ud, const fa_response *r)
{
	names_ctx *c = ud;
	char err[FA_API_ERRLEN];

	if (r->error == FA_NET_OK && r->status == 200)
		fa_api_decode_apps(r->body, r->len, &c->apps, &c->n, err, sizeof(err));
}

/* "5105320 = leaky-env": the names of the apps a token is restricted to, from the org's
 * app list (internal_numeric_id). Best effort: nothing is printed when it cannot be read. */
static void add_app_names(fa_session *s, const fa_token_info *info, fa_buf *out)
{
	names_ctx c = { NULL, 0 };
	char *path;
	size_t i, j;

	if (!info->apps_restricted || !info->n_apps || !s->current.org_slug)
		return;
	path = fa_api_path_apps(s->current.org_slug);
	if (!path || fa_net_get(s->net, FA_BASE_FLAPS, path, NULL, on_app_names, &c) < 0) {
		free(path);
		return;
	}
	free(path);
	fa_net_run(s->net);
	for (i = 0; i < info->n_apps; i++) {
		const char *name = NULL;

		for (j = 0; j < c.n; j++)
			if (c.apps[j].internal_numeric_id >= 0 &&
			    (uint64_t)c.apps[j].internal_numeric_id == info->apps[i])
				name = c.apps[j].name;
		fa_buf_printf(out, "%s%llu = %s", i ? ", " : "; apps: ", (unsigned long long)info->apps[i],
			      name ? name : "(not in this org)");
	}
	for (j = 0; j < c.n; j++)
		fa_app_release(&c.apps[j]);
	free(c.apps);
}

/* The text goes to a terminal: each line escaped as the text report escapes (the org
 * slug, user and app names come from the API; ESC, CR, U+202E never get through). */
static int print_escaped(const fa_buf *text)
{
	const char *p = text->data ? text->data : "";
	const char *end = p + text->len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fa_buf line = FA_BUF_INIT(0);
		char *raw = malloc(n + 1);

		if (!raw)
			return -1;
		memcpy(raw, p, n);
		raw[n] = '\0';
		if (fa_report_escape_terminal(&line, raw) < 0) {
			free(raw);
			return -1;
		}
		free(raw);
		fwrite(line.data ? line.data : "", 1, line.len, stdout);
		if (nl)
			fputc('\n', stdout);
		fa_buf_release(&line);
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int fa_cmd_whoami(const fa_cli *cli)
{
	fa_session s;
	fa_token_info *info = NULL;
	fa_buf out = FA_BUF_INIT(0);
	char err[512] = "";
	time_t now = time(NULL);
	int rc;

	rc = fa_session_open(&s, cli, false);
	if (rc)
		return rc;
	if (fa_macaroon_decode(s.auth.header, strlen(s.auth.header), now, &info, err, sizeof(err)) < 0) {
		fa_session_close(&s);
		return fa_cli_error(FA_EXIT_USAGE, "cannot decode the token: %s", err);
	}
	/* what the API adds, when reachable; failure here is not an error */
	if (fa_session_read_current(&s, err, sizeof(err)) < 0 && cli->verbose)
		fprintf(stderr, "flyaudit: GET /v1/tokens/current: %s\n", err);
	rc = (cli->json || cli->format == FA_FMT_JSON)
		     ? fa_whoami_json(info, now, s.have_current ? s.current_json : NULL, &out)
		     : fa_whoami_text(info, now, &out);
	if (rc == 0 && s.have_current && !(cli->json || cli->format == FA_FMT_JSON)) {
		size_t i;

		fa_buf_printf(&out, "\nThe API says: org %s", s.current.org_slug ? s.current.org_slug : "?");
		if (s.current.user && *s.current.user)
			fa_buf_printf(&out, ", user %s", s.current.user);
		for (i = 0; i < s.current.n_apps; i++)
			fa_buf_printf(&out, "%s%s", i ? ", " : ", apps ", s.current.apps[i]);
		add_app_names(&s, info, &out);
		fa_buf_adds(&out, "\n");
	}
	fa_session_close(&s);
	fa_token_info_free(info);
	if (rc < 0) {
		fa_buf_release(&out);
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	if (cli->json || cli->format == FA_FMT_JSON) {
		fwrite(out.data ? out.data : "", 1, out.len, stdout);
	} else if (print_escaped(&out) < 0) {
		fa_buf_release(&out);
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	if (!out.len || out.data[out.len - 1] != '\n')
		fputc('\n', stdout);
	fa_buf_release(&out);
	return FA_EXIT_OK;
}
