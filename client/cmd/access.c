/* cmd/access.c: the people-and-access views: `members` (EMAIL, ROLE, 2FA, JOINED, LAST
 * REGION; pending invitations below) and `wireguard` (NAME, REGION, PEER IP, NETWORK;
 * delegated WireGuard tokens below), `--json` for both; and the tokens views' MEMBER cell. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model_json.h"
#include "../table.h"

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *fa_view_owner_member(const fa_access *acc, const char *email)
{
	if (!acc || !acc->load[FA_ACCESS_MEMBERS].loaded || !email || !email[0])
		return "?";
	return fa_access_member(acc, email) ? "yes" : "no";
}

/* Reads the org's people and access. Returns an exit code (0: every part of `need` read). */
static int read_access(const fa_cli *cli, fa_inventory *inv, const fa_access_part *need, size_t n_need)
{
	fa_session s;
	fa_crawl_opts o;
	fa_crawl_stats st;
	char err[512] = "";
	size_t i;
	int rc;

	memset(inv, 0, sizeof(*inv));
	if (cli->n_args)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit %s (takes no arguments)", cli->command);
	rc = fa_session_open(&s, cli, true);
	if (rc)
		return rc;
	memset(&o, 0, sizeof(o));
	o.apps = cli->apps; /* non-NULL and empty: no app list */
	o.n_apps = 0;
	o.access = true;
	rc = fa_session_crawl(&s, &o, inv, &st, err, sizeof(err));
	inv->org = s.org ? strdup(s.org) : NULL;
	fa_session_close(&s);
	if (rc == -2)
		return fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN", err);
	if (rc < 0)
		return fa_cli_error(FA_EXIT_USAGE, "%s", err[0] ? err : "nothing was read");
	for (i = 0; i < n_need; i++) {
		const fa_load *l = &inv->access.load[need[i]];

		if (!l->loaded)
			return fa_cli_error(FA_EXIT_PARTIAL, "cannot read the org's %s: %s",
					    fa_access_part_name(need[i]), l->message ? l->message : "not loaded");
	}
	return FA_EXIT_OK;
}

static int print_json(cJSON *o)
{
	char *s = o ? cJSON_Print(o) : NULL;

	cJSON_Delete(o);
	if (!s)
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	return FA_EXIT_OK;
}

/* {"org":..., "members":[...], "invitations":[...]} (or peers and tokens). */
static int json_parts(const char *org, const fa_access *a, fa_access_part p1, const char *k1,
		      fa_access_part p2, const char *k2)
{
	cJSON *o = cJSON_CreateObject(), *v1 = fa_mj_access_part(a, p1), *v2 = fa_mj_access_part(a, p2);

	if (!o || !v1 || !v2 || !cJSON_AddStringToObject(o, "org", org ? org : "")) {
		cJSON_Delete(o);
		cJSON_Delete(v1);
		cJSON_Delete(v2);
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	}
	cJSON_AddItemToObject(o, k1, v1);
	cJSON_AddItemToObject(o, k2, v2);
	return print_json(o);
}

static const char *tri_word(fa_tri t)
{
	return t == FA_TRI_TRUE ? "yes" : t == FA_TRI_FALSE ? "no" : "?";
}

int fa_cmd_members(const fa_cli *cli)
{
	static const fa_access_part need[] = { FA_ACCESS_MEMBERS, FA_ACCESS_INVITATIONS };
	static const char *const head[] = { "EMAIL", "NAME", "ROLE", "2FA", "JOINED", "LAST REGION" };
	static const char *const ihead[] = { "INVITED", "BY", "SENT", "REDEEMED" };
	fa_inventory inv;
	fa_table t;
	size_t i;
	int rc = read_access(cli, &inv, need, N_ELEM(need));

	if (rc) {
		fa_inventory_release(&inv);
		return rc;
	}
	if (cli->json || cli->format == FA_FMT_JSON) {
		rc = json_parts(inv.org, &inv.access, FA_ACCESS_MEMBERS, "members",
				FA_ACCESS_INVITATIONS, "invitations");
		fa_inventory_release(&inv);
		return rc;
	}
	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < inv.access.n_members; i++) {
		const fa_member *m = &inv.access.members[i];
		const char *cells[] = { m->email, m->name, m->role, tri_word(m->two_factor), m->joined_at,
					m->last_region };

		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
	printf("\n%zu member%s; pending invitations:\n", inv.access.n_members,
	       inv.access.n_members == 1 ? "" : "s");
	fa_table_init(&t, N_ELEM(ihead), ihead);
	for (i = 0; i < inv.access.n_invitations; i++) {
		const fa_invitation *v = &inv.access.invitations[i];
		const char *cells[] = { v->email, v->inviter_email, v->created_at,
					v->redeemed == FA_TRI_TRUE ? (v->redeemed_at ? v->redeemed_at : "yes")
								   : tri_word(v->redeemed) };

		if (v->redeemed == FA_TRI_TRUE)
			continue;
		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
	fa_inventory_release(&inv);
	return FA_EXIT_OK;
}

int fa_cmd_wireguard(const fa_cli *cli)
{
	static const fa_access_part need[] = { FA_ACCESS_PEERS, FA_ACCESS_DELEGATED };
	static const char *const head[] = { "NAME", "REGION", "PEER IP", "NETWORK" };
	static const char *const thead[] = { "DELEGATED TOKEN" };
	fa_inventory inv;
	fa_table t;
	size_t i;
	int rc = read_access(cli, &inv, need, N_ELEM(need));

	if (rc) {
		fa_inventory_release(&inv);
		return rc;
	}
	if (cli->json || cli->format == FA_FMT_JSON) {
		rc = json_parts(inv.org, &inv.access, FA_ACCESS_PEERS, "peers",
				FA_ACCESS_DELEGATED, "delegated_tokens");
		fa_inventory_release(&inv);
		return rc;
	}
	fa_table_init(&t, N_ELEM(head), head);
	for (i = 0; i < inv.access.n_peers; i++) {
		const fa_wg_peer *w = &inv.access.peers[i];
		const char *cells[] = { w->name, w->region, w->peerip, w->network };

		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
	printf("\n%zu peer%s; delegated WireGuard tokens:\n", inv.access.n_peers,
	       inv.access.n_peers == 1 ? "" : "s");
	fa_table_init(&t, N_ELEM(thead), thead);
	for (i = 0; i < inv.access.n_wg_tokens; i++) {
		const char *cells[] = { inv.access.wg_tokens[i].name };

		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
	fa_inventory_release(&inv);
	return FA_EXIT_OK;
}
