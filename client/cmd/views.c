/* cmd/views.c: the inventory views (`apps`, `machines`, `volumes`, `ips`, `secrets`,
 * `certs`, `tokens`) and the `checks` catalog, as aligned tables or JSON. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit_run.h"
#include "flyaudit/report.h"
#include "flyaudit/snapshot.h"
#include "../model_json.h"
#include "../table.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *tri_word(fa_tri t, const char *yes, const char *no)
{
	return t == FA_TRI_TRUE ? yes : t == FA_TRI_FALSE ? no : "unknown";
}

static const char *autostop_word(fa_autostop a)
{
	switch (a) {
	case FA_AUTOSTOP_OFF: return "off";
	case FA_AUTOSTOP_STOP: return "stop";
	case FA_AUTOSTOP_SUSPEND: return "suspend";
	default: return "-";
	}
}

static void handlers_str(uint32_t h, char *out, size_t n)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ FA_HANDLER_TLS, "tls" }, { FA_HANDLER_HTTP, "http" }, { FA_HANDLER_PG_TLS, "pg_tls" },
		{ FA_HANDLER_PROXY_PROTO, "proxy_proto" }, { FA_HANDLER_EDGE_HTTP, "edge_http" },
		{ FA_HANDLER_OTHER, "other" },
	};
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < N_ELEM(names); i++)
		if (h & names[i].bit)
			len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? "+" : "",
						names[i].name);
	if (!len)
		snprintf(out, n, "tcp");
}

/* "80/http+force_https>8080 443/tls+http>8080" */
static void services_str(const fa_machine *m, char *out, size_t n)
{
	size_t len = 0, i, j;

	out[0] = '\0';
	for (i = 0; i < m->n_services; i++) {
		const fa_service *s = &m->services[i];

		for (j = 0; j < s->n_ports; j++) {
			char h[64];
			const fa_port *p = &s->ports[j];

			handlers_str(p->handlers, h, sizeof(h));
			/* what else the port sets: HSTS from the edge, a self-signed default */
			{
				size_t k, hl = strlen(h);

				for (k = 0; k < p->n_resp_headers; k++)
					if (p->resp_headers[k].name &&
					    strcasecmp(p->resp_headers[k].name,
						       "Strict-Transport-Security") == 0)
						snprintf(h + hl, sizeof(h) - hl, "+hsts");
				hl = strlen(h);
				if (p->default_self_signed == FA_TRI_TRUE)
					snprintf(h + hl, sizeof(h) - hl, "+self_signed");
			}
			if (p->port)
				len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%d/%s%s>%d",
							len ? " " : "", p->port, h,
							p->force_https == FA_TRI_TRUE ? "+force_https" : "",
							s->internal_port);
			else
				len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%d-%d/%s>%d",
							len ? " " : "", p->start_port, p->end_port, h,
							s->internal_port);
			if (len >= n)
				return;
		}
	}
}

static void print_machines(const fa_app *app)
{
	static const char *const head[] = { "ID", "NAME", "STATE", "REGION", "GROUP", "IMAGE",
					    "SERVICES", "AUTOSTOP", "CHECKS", "USER", "CONTAINERS" };
	fa_table t;
	size_t i, j;

	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < app->n_machines; i++) {
		const fa_machine *m = &app->machines[i];
		char svc[512], checks[64], users[128] = "", ctrs[256] = "";
		size_t clen = 0;
		const char *autostop = "-";
		size_t passing = 0, ulen = 0;
		const char *cells[N_ELEM(head)];

		services_str(m, svc, sizeof(svc));
		for (j = 0; j < m->n_check_status; j++)
			if (m->check_status[j].status && strcmp(m->check_status[j].status, "passing") == 0)
				passing++;
		snprintf(checks, sizeof(checks), "%zu/%zu passing", passing, m->n_check_status);
		for (j = 0; j < m->n_services; j++)
			if (m->services[j].n_ports)
				autostop = autostop_word(m->services[j].autostop);
		for (j = 0; j < m->n_processes && ulen < sizeof(users); j++)
			if (m->processes[j].user)
				ulen += (size_t)snprintf(users + ulen, sizeof(users) - ulen, "%s%s",
							 ulen ? "," : "", m->processes[j].user);
		/* name(user) per container; "?" when the user comes from the image */
		for (j = 0; j < m->n_containers && clen < sizeof(ctrs); j++) {
			int k = snprintf(ctrs + clen, sizeof(ctrs) - clen, "%s%s(%s)", clen ? "," : "",
					 m->containers[j].name ? m->containers[j].name : "?",
					 m->containers[j].user ? m->containers[j].user : "?");

			if (k < 0)
				break;
			clen += (size_t)k;
		}
		if (clen >= sizeof(ctrs))
			clen = sizeof(ctrs) - 1;
		cells[0] = m->id;
		cells[1] = m->name;
		cells[2] = m->state;
		cells[3] = m->region;
		cells[4] = m->has_config ? fa_machine_group(m) : "?";
		cells[5] = m->has_config ? m->image : "(config not visible)";
		cells[6] = svc;
		cells[7] = autostop;
		cells[8] = m->n_check_status ? checks : "-";
		cells[9] = ulen ? users : NULL;
		cells[10] = clen ? ctrs : NULL;
		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

static void print_volumes(const fa_app *app)
{
	static const char *const head[] = { "ID", "NAME", "STATE", "REGION", "SIZE", "ENCRYPTED",
					    "BACKUPS", "ATTACHED TO" };
	fa_table t;
	size_t i;

	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < app->n_volumes; i++) {
		const fa_volume *v = &app->volumes[i];
		char size[32];
		const char *cells[N_ELEM(head)];

		snprintf(size, sizeof(size), "%lld GB", v->size_gb);
		cells[0] = v->id;
		cells[1] = v->name;
		cells[2] = v->state;
		cells[3] = v->region;
		cells[4] = size;
		cells[5] = tri_word(v->encrypted, "yes", "NO");
		cells[6] = tri_word(v->auto_backup_enabled, "on", "off");
		cells[7] = v->attached_machine_id;
		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

static void print_ips(const fa_app *app)
{
	static const char *const head[] = { "ADDRESS", "TYPE", "REGION", "SERVICE", "NETWORK", "CREATED" };
	fa_table t;
	size_t i;

	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < app->n_ips; i++) {
		const fa_ip *ip = &app->ips[i];
		const char *cells[N_ELEM(head)];
		char net[300];

		cells[0] = ip->address;
		cells[1] = fa_ip_type_name(ip->type);
		cells[2] = ip->region;
		cells[3] = ip->service_name && *ip->service_name ? ip->service_name : NULL;
		if (ip->network && ip->network_org && app->org_slug &&
		    strcmp(ip->network_org, app->org_slug) != 0) {
			snprintf(net, sizeof(net), "%s (org %s)", *ip->network ? ip->network : "default",
				 ip->network_org);
			cells[4] = net;
		} else {
			cells[4] = ip->network ? (*ip->network ? ip->network : "default") : NULL;
		}
		cells[5] = ip->created_at;
		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

static void print_secrets(const fa_app *app)
{
	static const char *const head[] = { "NAME", "DIGEST", "CREATED", "UPDATED" };
	fa_table t;
	size_t i;

	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < app->n_secrets; i++) {
		const fa_secret *s = &app->secrets[i];
		const char *cells[] = { s->name, s->digest, s->created_at, s->updated_at };

		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

static void print_certs(const fa_app *app)
{
	static const char *const head[] = { "HOSTNAME", "STATUS", "CONFIGURED", "SOURCE", "DNS PROVIDER",
					    "CREATED" };
	fa_table t;
	size_t i;

	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < app->n_certs; i++) {
		const fa_cert *c = &app->certs[i];
		const char *src = c->has_custom_certificate == FA_TRI_TRUE ? "custom"
				  : c->has_fly_certificate == FA_TRI_TRUE  ? "fly"
									   : NULL;
		const char *cells[] = { c->hostname, c->status, tri_word(c->configured, "yes", "NO"), src,
					c->dns_provider, c->created_at };

		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

static void print_tokens(const fa_token *toks, size_t n, const fa_access *acc)
{
	static const char *const head[] = { "ID", "NAME", "PROFILE", "OWNER", "MEMBER", "CREATED",
					    "EXPIRES", "REVOKED" };
	fa_table t;
	size_t i;

	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < n; i++) {
		const fa_token *k = &toks[i];
		const char *cells[] = { k->id, k->name, k->profile, k->user_email,
					fa_view_owner_member(acc, k->user_email), k->created_at,
					k->expires_at ? k->expires_at : "never", k->revoked_at };

		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

typedef struct view_ctx {
	fa_app app;
	fa_access access; /* the tokens view: who is a member */
	bool got;
} view_ctx;

static void keep_app(void *ud, fa_app *app)
{
	view_ctx *v = ud;

	v->app = *app;
	fa_app_init(app);
	v->got = true;
}

/* Reads one endpoint of one app. Returns an exit code; on 0, v->app is filled. */
static int read_one(const fa_cli *cli, const char *name, fa_endpoint ep, view_ctx *v)
{
	fa_session s;
	fa_crawl_opts o;
	fa_crawl_stats st;
	fa_inventory inv;
	char err[512] = "";
	const char *apps[1];
	int rc;

	memset(v, 0, sizeof(*v));
	fa_app_init(&v->app);
	memset(&inv, 0, sizeof(inv));
	/* the tokens view also reads the members (OWNER still a member?) when the org is named */
	rc = fa_session_open(&s, cli, ep == FA_EP_TOKENS && ((cli->org && *cli->org) || getenv("FLY_ORG")));
	if (rc)
		return rc;
	apps[0] = name;
	memset(&o, 0, sizeof(o));
	o.apps = apps;
	o.n_apps = 1;
	o.endpoints = 1u << ep;
	o.on_app = keep_app;
	o.ud = v;
	o.org = s.org;
	o.access = ep == FA_EP_TOKENS && s.org; /* OWNER: still a member? */
	rc = fa_session_crawl(&s, &o, &inv, &st, err, sizeof(err));
	fa_session_close(&s);
	v->access = inv.access;
	memset(&inv.access, 0, sizeof(inv.access));
	fa_inventory_release(&inv);
	if (rc == -2)
		return fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN", err);
	if (rc < 0 || !v->got) {
		fa_access_release(&v->access);
		return fa_cli_error(FA_EXIT_USAGE, "%s", err[0] ? err : "nothing was read");
	}
	if (!v->app.load[ep].loaded) {
		const fa_load *l = &v->app.load[ep];
		int code = (l->status == 404 || l->status == 400) ? FA_EXIT_USAGE : FA_EXIT_PARTIAL;

		rc = fa_cli_error(code, "cannot read %s of '%s': %s", fa_endpoint_name(ep), name,
				  l->message ? l->message : "not loaded");
		fa_app_release(&v->app);
		fa_access_release(&v->access);
		return rc;
	}
	return FA_EXIT_OK;
}

static int print_json_string(char *json)
{
	if (!json)
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	fputs(json, stdout);
	fputc('\n', stdout);
	free(json);
	return FA_EXIT_OK;
}

int fa_cmd_view(const fa_cli *cli, fa_endpoint ep)
{
	view_ctx v;
	int rc;

	if (cli->n_args != 1)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit %s APP", cli->command);
	if (!fa_api_app_name_ok(cli->args[0]))
		return fa_cli_error(FA_EXIT_USAGE, "not a Fly app name ([a-z0-9-], at most 63): '%.63s%s'",
				    cli->args[0], strlen(cli->args[0]) > 63 ? "..." : "");
	rc = read_one(cli, cli->args[0], ep, &v);
	if (rc)
		return rc;
	if ((cli->json || cli->format == FA_FMT_JSON) && ep == FA_EP_TOKENS) {
		rc = print_json_string(fa_json_tokens_owners(v.app.tokens, v.app.n_tokens, &v.access));
	} else if (cli->json || cli->format == FA_FMT_JSON) {
		rc = print_json_string(fa_json_app_resources(&v.app, ep));
	} else {
		switch (ep) {
		case FA_EP_MACHINES: print_machines(&v.app); break;
		case FA_EP_VOLUMES: print_volumes(&v.app); break;
		case FA_EP_IPS: print_ips(&v.app); break;
		case FA_EP_SECRETS: print_secrets(&v.app); break;
		case FA_EP_CERTS: print_certs(&v.app); break;
		case FA_EP_TOKENS: print_tokens(v.app.tokens, v.app.n_tokens, &v.access); break;
		default: break;
		}
	}
	fa_app_release(&v.app);
	fa_access_release(&v.access);
	return rc;
}

int fa_cmd_tokens(const fa_cli *cli)
{
	fa_session s;
	fa_crawl_opts o;
	fa_crawl_stats st;
	fa_inventory inv;
	char err[512] = "";
	int rc;

	if (cli->n_args == 1)
		return fa_cmd_view(cli, FA_EP_TOKENS);
	if (cli->n_args > 1)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit tokens [APP]");
	rc = fa_session_open(&s, cli, true);
	if (rc)
		return rc;
	memset(&inv, 0, sizeof(inv));
	memset(&o, 0, sizeof(o));
	o.apps = cli->apps; /* non-NULL and empty: no app list */
	o.n_apps = 0;
	o.org_tokens = true;
	o.access = true; /* OWNER: still a member? */
	rc = fa_session_crawl(&s, &o, &inv, &st, err, sizeof(err));
	fa_session_close(&s);
	if (rc == -2) {
		fa_inventory_release(&inv);
		return fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN", err);
	}
	if (!inv.org_tokens_load.loaded) {
		rc = fa_cli_error(FA_EXIT_PARTIAL, "cannot read the org's tokens: %s",
				  inv.org_tokens_load.message ? inv.org_tokens_load.message : err);
		fa_inventory_release(&inv);
		return rc;
	}
	if (cli->json || cli->format == FA_FMT_JSON)
		rc = print_json_string(fa_json_tokens_owners(inv.org_tokens, inv.n_org_tokens, &inv.access));
	else
		print_tokens(inv.org_tokens, inv.n_org_tokens, &inv.access);
	fa_inventory_release(&inv);
	return rc;
}

/* ---- apps ---------------------------------------------------------------------- */

typedef struct app_row {
	char *name;
	char *status;
	size_t started, total;
	char regions[128];
	size_t public_ips;
	size_t fails[FA_SEV_NONE + 1];
	size_t unknown;
	bool complete;
} app_row;

typedef struct rows {
	app_row *items;
	size_t n, cap;
	bool oom;
} rows;

static void add_region(char *list, size_t n, const char *r)
{
	size_t len = strlen(list), rl;
	const char *p = list;

	if (!r || !*r)
		return;
	rl = strlen(r);
	while ((p = strstr(p, r)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[rl] == ',' || p[rl] == '\0'))
			return;
		p += rl;
	}
	snprintf(list + len, n > len ? n - len : 0, "%s%s", len ? "," : "", r);
}

static void row_hook(void *ud, const fa_app *app, const fa_results *res)
{
	rows *rs = ud;
	app_row *r;
	size_t i;

	if (rs->n == rs->cap) {
		size_t ncap = rs->cap ? rs->cap * 2 : 32;
		app_row *ni = realloc(rs->items, ncap * sizeof(*ni));

		if (!ni) {
			rs->oom = true;
			return;
		}
		rs->items = ni;
		rs->cap = ncap;
	}
	r = &rs->items[rs->n++];
	memset(r, 0, sizeof(*r));
	r->name = strdup(app->name ? app->name : "?");
	r->status = strdup(app->status ? app->status : "-");
	r->total = app->n_machines;
	for (i = 0; i < app->n_machines; i++) {
		if (app->machines[i].state && strcmp(app->machines[i].state, "started") == 0)
			r->started++;
		add_region(r->regions, sizeof(r->regions), app->machines[i].region);
	}
	for (i = 0; i < app->n_ips; i++)
		if (fa_ip_is_public(app->ips[i].type))
			r->public_ips++;
	for (i = 0; i < res->n; i++) {
		if (res->items[i].status == FA_STATUS_FAIL && res->items[i].severity <= FA_SEV_NONE)
			r->fails[res->items[i].severity]++;
		if (res->items[i].status == FA_STATUS_UNKNOWN)
			r->unknown++;
	}
	r->complete = fa_app_complete(app);
}

static int row_cmp(const void *a, const void *b)
{
	return strcmp(((const app_row *)a)->name, ((const app_row *)b)->name);
}

/* `s` escaped for a terminal into b (reset first): the text report's escaper, so what
 * a server named cannot move the cursor or forge a line. */
static const char *tty(fa_buf *b, const char *s)
{
	fa_buf_reset(b);
	if (fa_report_escape_terminal(b, s) < 0 || !b->data)
		return "?";
	return b->data;
}

/* --sort findings: more criticals first, then highs, ..., then unknowns, then the name. */
static int row_cmp_findings(const void *a, const void *b)
{
	const app_row *x = a, *y = b;
	int v;

	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (x->fails[v] != y->fails[v])
			return x->fails[v] > y->fails[v] ? -1 : 1;
	if (x->unknown != y->unknown)
		return x->unknown > y->unknown ? -1 : 1;
	return strcmp(x->name, y->name);
}

static bool row_failing(const app_row *r)
{
	int v;

	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--)
		if (r->fails[v])
			return true;
	return r->unknown > 0 || !r->complete;
}

int fa_cmd_apps(const fa_cli *cli)
{
	static const char *const head[] = { "APP", "STATUS", "MACHINES", "REGIONS", "PUBLIC IPS",
					    "CRIT", "HIGH", "MED", "LOW", "UNKNOWN", "DATA" };
	fa_audit_run run;
	rows rs = { 0 };
	fa_table t;
	fa_buf esc[3] = { FA_BUF_INIT(0), FA_BUF_INIT(0), FA_BUF_INIT(0) };
	size_t i;
	int rc;

	if (cli->n_args)
		return fa_cli_error(FA_EXIT_USAGE, "apps takes no arguments");
	fa_audit_run_init(&run);
	run.hook = row_hook;
	run.hook_ud = &rs;
	rc = fa_audit_collect(&run, cli);
	if (rc)
		goto cleanup;
	if (rs.oom) {
		rc = fa_cli_error(FA_EXIT_USAGE, "out of memory");
		goto cleanup;
	}
	if (rs.n)
		qsort(rs.items, rs.n, sizeof(*rs.items),
		      cli->sort == FA_SORT_FINDINGS ? row_cmp_findings : row_cmp);
	if (cli->json || cli->format == FA_FMT_JSON) {
		cJSON *arr = cJSON_CreateArray();
		char *s;

		for (i = 0; arr && i < rs.n; i++) {
			app_row *r = &rs.items[i];
			cJSON *o = NULL, *f = NULL;

			if (cli->failing && !row_failing(r))
				continue;
			o = cJSON_CreateObject();
			f = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "name", r->name);
			cJSON_AddStringToObject(o, "status", r->status);
			cJSON_AddNumberToObject(o, "machines_started", (double)r->started);
			cJSON_AddNumberToObject(o, "machines_total", (double)r->total);
			cJSON_AddStringToObject(o, "regions", r->regions);
			cJSON_AddNumberToObject(o, "public_ips", (double)r->public_ips);
			cJSON_AddNumberToObject(f, "critical", (double)r->fails[FA_SEV_CRITICAL]);
			cJSON_AddNumberToObject(f, "high", (double)r->fails[FA_SEV_HIGH]);
			cJSON_AddNumberToObject(f, "medium", (double)r->fails[FA_SEV_MEDIUM]);
			cJSON_AddNumberToObject(f, "low", (double)r->fails[FA_SEV_LOW]);
			cJSON_AddNumberToObject(f, "info", (double)r->fails[FA_SEV_INFO]);
			cJSON_AddItemToObject(o, "findings", f);
			cJSON_AddNumberToObject(o, "unknown", (double)r->unknown);
			cJSON_AddBoolToObject(o, "complete", r->complete);
			cJSON_AddItemToArray(arr, o);
		}
		s = arr ? cJSON_Print(arr) : NULL;
		cJSON_Delete(arr);
		print_json_string(s);
	} else {
		fa_table_init(&t, N_ELEM(head), head);
		for (i = 0; i < rs.n; i++) {
			app_row *r = &rs.items[i];
			char m[32], ips[16], c[16], h[16], md[16], l[16], u[16];
			const char *cells[N_ELEM(head)];

			if (cli->failing && !row_failing(r))
				continue;
			snprintf(m, sizeof(m), "%zu/%zu", r->started, r->total);
			snprintf(ips, sizeof(ips), "%zu", r->public_ips);
			snprintf(c, sizeof(c), "%zu", r->fails[FA_SEV_CRITICAL]);
			snprintf(h, sizeof(h), "%zu", r->fails[FA_SEV_HIGH]);
			snprintf(md, sizeof(md), "%zu", r->fails[FA_SEV_MEDIUM]);
			snprintf(l, sizeof(l), "%zu", r->fails[FA_SEV_LOW]);
			snprintf(u, sizeof(u), "%zu", r->unknown);
			cells[0] = r->name;
			cells[1] = r->status;
			cells[2] = m;
			cells[3] = r->regions;
			cells[4] = ips;
			cells[5] = c;
			cells[6] = h;
			cells[7] = md;
			cells[8] = l;
			cells[9] = u;
			cells[10] = r->complete ? "complete" : "incomplete";
			fa_table_row(&t, cells);
		}
		fa_table_print(&t, stdout);
		fa_table_release(&t);
		if (!cli->quiet)
			printf("\n%zu apps in %s (%zu complete). Run `flyaudit audit` for the findings.\n",
			       run.report.apps, tty(&esc[0], run.org ? run.org : "?"), run.report.apps_complete);
	}
	rc = run.partial ? FA_EXIT_PARTIAL : FA_EXIT_OK;
	if (run.partial)
		for (i = 0; i < run.report.n_errors; i++)
			fprintf(stderr, "flyaudit: could not read %s of %s: %s\n",
				tty(&esc[0], run.report.errors[i].endpoint),
				tty(&esc[1], run.report.errors[i].app ? run.report.errors[i].app : "the org"),
				tty(&esc[2], run.report.errors[i].message));
cleanup:
	for (i = 0; i < rs.n; i++) {
		free(rs.items[i].name);
		free(rs.items[i].status);
	}
	free(rs.items);
	for (i = 0; i < 3; i++)
		fa_buf_release(&esc[i]);
	fa_audit_run_release(&run);
	return rc;
}

/* ---- checks ---------------------------------------------------------------------- */

int fa_cmd_checks(const fa_cli *cli)
{
	static const char *const head[] = { "ID", "SEVERITY", "RESOURCE", "TITLE" };
	const fa_check_meta *cs;
	size_t n, i, j;

	cs = fa_checks(&n);
	if (cli->json || cli->format == FA_FMT_JSON) {
		cJSON *arr = cJSON_CreateArray();

		for (i = 0; arr && i < n; i++) {
			cJSON *o = cJSON_CreateObject(), *refs = cJSON_CreateArray(), *tags = cJSON_CreateArray();

			cJSON_AddStringToObject(o, "id", cs[i].id);
			cJSON_AddStringToObject(o, "severity", fa_severity_name(cs[i].severity));
			cJSON_AddStringToObject(o, "title", cs[i].title);
			cJSON_AddStringToObject(o, "checklist", cs[i].checklist);
			cJSON_AddStringToObject(o, "description", cs[i].description);
			cJSON_AddStringToObject(o, "risk", cs[i].risk);
			cJSON_AddStringToObject(o, "remediation", cs[i].remediation);
			cJSON_AddStringToObject(o, "resource_type", cs[i].resource_type);
			for (j = 0; cs[i].references && cs[i].references[j]; j++)
				cJSON_AddItemToArray(refs, cJSON_CreateString(cs[i].references[j]));
			for (j = 0; cs[i].tags && cs[i].tags[j]; j++)
				cJSON_AddItemToArray(tags, cJSON_CreateString(cs[i].tags[j]));
			cJSON_AddItemToObject(o, "references", refs);
			cJSON_AddItemToObject(o, "tags", tags);
			{
				cJSON *comp = cJSON_AddObjectToObject(o, "compliance");
				cJSON *cis = cJSON_CreateArray(), *soc = cJSON_CreateArray();
				const char *const *c;

				for (c = fa_check_controls(&cs[i], FA_FW_CIS_8_1); *c; c++)
					cJSON_AddItemToArray(cis, cJSON_CreateString(*c));
				for (c = fa_check_controls(&cs[i], FA_FW_SOC2); *c; c++)
					cJSON_AddItemToArray(soc, cJSON_CreateString(*c));
				cJSON_AddItemToObject(comp, "cis-8.1", cis);
				cJSON_AddItemToObject(comp, "soc2", soc);
			}
			cJSON_AddItemToArray(arr, o);
		}
		char *json = arr ? cJSON_Print(arr) : NULL;

		cJSON_Delete(arr);
		return print_json_string(json);
	} else {
		fa_table t;

		fa_table_init(&t, N_ELEM(head), head);
		for (i = 0; i < n; i++) {
			const char *cells[] = { cs[i].id,
						cs[i].severity == FA_SEV_NONE ? "manual"
									      : fa_severity_name(cs[i].severity),
						cs[i].resource_type, cs[i].title };

			fa_table_row(&t, cells);
		}
		fa_table_print(&t, stdout);
		fa_table_release(&t);
	}
	return FA_EXIT_OK;
}
