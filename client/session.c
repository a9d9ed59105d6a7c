/* session.c: what every command that talks to Fly shares: the token, the two base URLs,
 * the transport, the org, and the progress line on stderr. */
#include "cmd/cli.h"

#include <openssl/rand.h>

#include "flyaudit/scrub.h"
#include "flyaudit/buf.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FLAPS "https://api.machines.dev"
#define DEFAULT_GRAPHQL "https://api.fly.io"

static void progress_tick(void *ud, const fa_net_stats *st)
{
	fa_session *s = ud;
	const fa_crawl_stats *cs = s->progress_of;

	if (cs && cs->apps_total)
		fprintf(stderr, "\r\033[Kflyaudit: apps %zu/%zu · requests %zu · retries %zu",
			cs->apps_done, cs->apps_total, st->requests, st->retries);
	else
		fprintf(stderr, "\r\033[Kflyaudit: requests %zu · retries %zu", st->requests, st->retries);
	s->progress_shown = true;
}

static const char *base_from_env(const char *name, const char *def)
{
	const char *v = getenv(name);

	return (v && *v) ? v : def;
}

typedef struct current_ctx {
	fa_session *s;
	int rc;
	char err[FA_API_ERRLEN + 64];
} current_ctx;

static void on_current(void *ud, const fa_response *r)
{
	current_ctx *c = ud;
	char err[FA_API_ERRLEN];

	if (r->error != FA_NET_OK) {
		snprintf(c->err, sizeof(c->err), "%s", r->errmsg ? r->errmsg : "request failed");
		c->rc = -1;
		return;
	}
	if (r->status != 200) {
		fa_api_error_message(r->status, r->body, r->len, err, sizeof(err));
		snprintf(c->err, sizeof(c->err), "%s", err);
		c->rc = r->status == 401 ? -2 : -1;
		return;
	}
	if (fa_api_decode_tokens_current(r->body, r->len, &c->s->current, err, sizeof(err)) < 0) {
		snprintf(c->err, sizeof(c->err), "invalid response: %s", err);
		c->rc = -1;
		return;
	}
	c->s->have_current = true;
	free(c->s->current_json);
	c->s->current_json = strdup(r->body);
	c->rc = 0;
}

/* GET /v1/tokens/current. Returns 0, -1 (err set) or -2 for a refused token. */
int fa_session_read_current(fa_session *s, char *err, size_t errlen)
{
	current_ctx c;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.rc = -1;
	if (fa_net_get(s->net, FA_BASE_FLAPS, FA_API_PATH_TOKENS_CURRENT, "tokens:current", on_current, &c) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fa_net_run(s->net);
	if (c.rc < 0)
		snprintf(err, errlen, "%s", c.err);
	return c.rc;
}

int fa_session_open(fa_session *s, const fa_cli *cli, bool need_org)
{
	return fa_session_open_key(s, cli, need_org, NULL);
}

int fa_session_open_key(fa_session *s, const fa_cli *cli, bool need_org, const unsigned char *key)
{
	char err[512] = "", warn[512] = "";
	fa_net_opts no;
	const char *org;

	memset(s, 0, sizeof(*s));
	s->cli = cli;
	s->flaps_base = base_from_env("FLY_FLAPS_BASE_URL", DEFAULT_FLAPS);
	s->graphql_base = base_from_env("FLY_API_BASE_URL", DEFAULT_GRAPHQL);
	if (fa_net_check_base(s->flaps_base, err, sizeof(err)) < 0)
		return fa_cli_error(FA_EXIT_USAGE, "FLY_FLAPS_BASE_URL: %s", err);
	if (fa_net_check_base(s->graphql_base, err, sizeof(err)) < 0)
		return fa_cli_error(FA_EXIT_USAGE, "FLY_API_BASE_URL: %s", err);
	if (fa_auth_load(&s->auth, cli->token_file, getenv("HOME"), warn, sizeof(warn), err, sizeof(err)) < 0)
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	if (fa_scrub_register(s->auth.token) < 0) {
		fa_session_close(s);
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	if (warn[0]) /* a security warning: printed even with -q */
		fprintf(stderr, "flyaudit: %s\n", warn);
	if (key)
		memcpy(s->hash_key, key, sizeof(s->hash_key)); /* the run's (audit --repo) */
	else if (RAND_bytes(s->hash_key, sizeof(s->hash_key)) != 1) {
		fa_session_close(s);
		return fa_cli_error(FA_EXIT_USAGE, "cannot get random bytes for the env hash key");
	}
	memset(&no, 0, sizeof(no));
	no.flaps_base = s->flaps_base;
	no.graphql_base = s->graphql_base;
	no.auth_header = s->auth.header;
	no.ca_file = cli->ca_file;
	no.concurrency = cli->concurrency;
	no.timeout_ms = cli->timeout_s > 0 ? (long)(cli->timeout_s * 1000.0) : 0;
	no.max_time_ms = (long long)(cli->max_time_s * 1000.0);
	no.stop = &fa_stop_signal;
	no.max_retries = -1;
	no.retry_budget = -1;
	no.verbose = cli->verbose;
	if (!cli->no_progress && !cli->quiet && !cli->verbose && isatty(STDERR_FILENO)) {
		no.tick = progress_tick;
		no.tick_ud = s;
	}
	if (fa_net_new(&s->net, &no, err, sizeof(err)) < 0) {
		fa_session_close(s);
		return fa_cli_error(FA_EXIT_USAGE, "%s", err);
	}
	{
		fa_registry_opts ro;
		char *creds = fa_registry_fly_credentials(s->auth.token);

		memset(&ro, 0, sizeof(ro));
		ro.net = s->net;
		ro.fly_registry = base_from_env("FLY_REGISTRY_HOST", FA_REGISTRY_DEFAULT_HOST);
		ro.basic_credentials = creds;
		ro.hash_key = s->hash_key;
		ro.verbose = cli->verbose;
		ro.layers = cli->image_layers;
		if (!creds || fa_registry_new(&s->registry, &ro, err, sizeof(err)) < 0) {
			if (creds) {
				fa_memzero(creds, strlen(creds));
				free(creds);
			}
			fa_session_close(s);
			return fa_cli_error(FA_EXIT_USAGE, "%s", creds ? err : "out of memory");
		}
		fa_memzero(creds, strlen(creds));
		free(creds);
	}
	if (!need_org)
		return FA_EXIT_OK;
	org = cli->org;
	if (!org || !*org)
		org = getenv("FLY_ORG");
	if (org && *org) {
		s->org = strdup(org);
	} else {
		int rc = fa_session_read_current(s, err, sizeof(err));

		if (rc == -2) {
			fa_session_close(s);
			return fa_cli_error(FA_EXIT_USAGE, "the token was refused (%s): check FLY_API_TOKEN", err);
		}
		if (rc < 0) {
			fa_session_close(s);
			return fa_cli_error(FA_EXIT_USAGE,
					    "cannot tell which org to read (GET /v1/tokens/current: %s): pass --org SLUG or set FLY_ORG",
					    err);
		}
		if (!s->current.org_slug || !*s->current.org_slug) {
			fa_session_close(s);
			return fa_cli_error(FA_EXIT_USAGE,
					    "the token does not name one org: pass --org SLUG or set FLY_ORG");
		}
		s->org = strdup(s->current.org_slug);
	}
	if (!s->org) {
		fa_session_close(s);
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	return FA_EXIT_OK;
}

int fa_session_crawl(fa_session *s, fa_crawl_opts *o, fa_inventory *inv, fa_crawl_stats *st,
		     char *err, size_t errlen)
{
	int rc;

	o->net = s->net;
	o->org = s->org;
	o->hash_key = s->hash_key;
	if (!o->window)
		o->window = s->cli->concurrency > 0 ? s->cli->concurrency : 32;
	s->progress_of = st;
	rc = fa_crawl_run(o, inv, st, err, errlen);
	s->progress_of = NULL;
	if (s->progress_shown) {
		fputs("\r\033[K", stderr);
		s->progress_shown = false;
	}
	return rc;
}

void fa_session_net_stats(const fa_session *s, fa_net_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (s->net)
		fa_net_get_stats(s->net, out);
}

void fa_session_close(fa_session *s)
{
	fa_registry_free(s->registry);
	s->registry = NULL;
	fa_net_free(s->net);
	s->net = NULL;
	fa_auth_release(&s->auth);
	fa_scrub_clear();
	fa_token_current_release(&s->current);
	free(s->current_json);
	free(s->org);
	fa_memzero(s->hash_key, sizeof(s->hash_key));
	memset(s, 0, sizeof(*s));
}
