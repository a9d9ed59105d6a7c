/* cmd/images.c: `flyaudit images [APP]`: the images the machines run, read from their
 * registries (one fetch per digest): image, digest, created (age), USER, the env names a
 * detector flags, and the machines using each. Table or --json. */
#include "cli.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flyaudit/secrets.h"
#include "../model_json.h"
#include "../table.h"

typedef struct img_row {
	fa_image img;
	size_t machines;
	char *apps; /* comma-separated, the first few */
	size_t n_apps;
} img_row;

typedef struct images_ctx {
	img_row *rows;
	size_t n;
	bool oom;
	bool partial;
	size_t apps;
} images_ctx;

static img_row *row_for(images_ctx *c, const fa_image *img)
{
	size_t i;
	img_row *grown;

	for (i = 0; i < c->n; i++)
		if (c->rows[i].img.digest && img->digest && strcmp(c->rows[i].img.digest, img->digest) == 0)
			return &c->rows[i];
	grown = realloc(c->rows, (c->n + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	c->rows = grown;
	memset(&grown[c->n], 0, sizeof(*grown));
	if (fa_image_copy(&grown[c->n].img, img) < 0)
		return NULL;
	return &c->rows[c->n++];
}

static void add_app(img_row *row, const char *name)
{
	size_t old = row->apps ? strlen(row->apps) : 0, nl = strlen(name);
	char *p;

	if (row->n_apps >= 5) {
		row->n_apps++;
		return;
	}
	if (row->apps) {
		/* the same app twice: once is enough */
		char *hit = strstr(row->apps, name);

		if (hit && (hit == row->apps || hit[-1] == ',') && (hit[nl] == ',' || hit[nl] == '\0'))
			return;
	}
	p = realloc(row->apps, old + nl + 2);
	if (!p)
		return;
	if (old)
		p[old++] = ',';
	memcpy(p + old, name, nl + 1);
	row->apps = p;
	row->n_apps++;
}

static void on_app(void *ud, fa_app *app)
{
	images_ctx *c = ud;
	size_t i;

	c->apps++;
	if (fa_load_failed(&app->load[FA_EP_MACHINES]) || fa_load_failed(&app->load[FA_EP_IMAGES]))
		c->partial = true;
	for (i = 0; i < app->n_machines; i++) {
		const fa_image *img = fa_app_machine_image(app, &app->machines[i]);
		img_row *row;

		if (!img)
			continue;
		if (!(row = row_for(c, img))) {
			c->oom = true;
			return;
		}
		row->machines++;
		add_app(row, app->name ? app->name : "?");
	}
}

/* The value of n decimal digits, or -1. */
static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static long long age_days(const char *created, time_t now)
{
	int y, mo, d;
	long long days;

	if (!created || strlen(created) < 10 || created[4] != '-' || created[7] != '-')
		return -1;
	y = digits(created, 4);
	mo = digits(created + 5, 2);
	d = digits(created + 8, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	/* days from civil (Howard Hinnant's algorithm) */
	{
		int yy = y - (mo <= 2);
		int era = yy / 400;
		int yoe = yy - era * 400;
		int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
		int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = (long long)era * 146097 + doe - 719468;
	}
	return ((long long)now / 86400) - days;
}

static void flagged_names(const fa_image *img, char *out, size_t outlen)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; i < img->env.n_vars; i++) {
		const fa_env_var *v = &img->env.vars[i];
		int k;

		if (!(v->detectors & (FA_DET_VALUE_MASK | FA_DET_SECRET_NAME)))
			continue;
		k = snprintf(out + len, outlen - len, "%s%s", len ? "," : "", v->name ? v->name : "?");
		if (k < 0 || (size_t)k >= outlen - len)
			break;
		len += (size_t)k;
	}
}

static void print_table(images_ctx *c, time_t now)
{
	static const char *const head[] = {"IMAGE", "DIGEST", "CREATED", "AGE", "USER", "FLAGGED ENV",
					   "MACHINES", "APPS", "STATUS"};
	fa_table t;
	size_t i;

	fa_table_init(&t, 9, head);
	for (i = 0; i < c->n; i++) {
		const img_row *r = &c->rows[i];
		const fa_image *img = &r->img;
		char dig[24] = "-", age[24] = "-", created[16] = "-", env[256], mach[16], user[64];
		const char *cells[9];
		long long d = age_days(img->created, now);

		if (img->digest && strncmp(img->digest, "sha256:", 7) == 0)
			snprintf(dig, sizeof(dig), "%.19s", img->digest);
		if (img->created)
			snprintf(created, sizeof(created), "%.10s", img->created);
		if (d >= 0)
			snprintf(age, sizeof(age), "%lldd", d);
		flagged_names(img, env, sizeof(env));
		snprintf(mach, sizeof(mach), "%zu", r->machines);
		if (!img->load.loaded)
			snprintf(user, sizeof(user), "-");
		else if (!img->user || !img->user[0])
			snprintf(user, sizeof(user), "(root)");
		else
			snprintf(user, sizeof(user), "%.60s", img->user);
		cells[0] = img->ref;
		cells[1] = dig;
		cells[2] = created;
		cells[3] = age;
		cells[4] = user;
		cells[5] = env[0] ? env : "";
		cells[6] = mach;
		cells[7] = r->apps ? r->apps : "";
		cells[8] = img->load.loaded ? "read" : (img->load.message ? img->load.message : "not read");
		fa_table_row(&t, cells);
	}
	fa_table_print(&t, stdout);
	fa_table_release(&t);
}

static int print_json(images_ctx *c)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;
	char *txt;

	for (i = 0; arr && i < c->n; i++) {
		cJSON *o = fa_mj_image(&c->rows[i].img);

		if (!o || !cJSON_AddNumberToObject(o, "machines", (double)c->rows[i].machines) ||
		    !cJSON_AddStringToObject(o, "apps", c->rows[i].apps ? c->rows[i].apps : "") ||
		    !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	txt = arr ? cJSON_Print(arr) : NULL;
	cJSON_Delete(arr);
	if (!txt)
		return fa_cli_error(FA_EXIT_USAGE, "out of memory");
	puts(txt);
	free(txt);
	return FA_EXIT_OK;
}

int fa_cmd_images(const fa_cli *cli)
{
	fa_session s;
	fa_crawl_opts o;
	fa_crawl_stats st;
	fa_inventory inv;
	images_ctx c;
	char err[512] = "";
	const char *one[1];
	size_t i;
	int rc;

	if (cli->n_args > 1)
		return fa_cli_error(FA_EXIT_USAGE, "usage: flyaudit images [APP]");
	rc = fa_session_open(&s, cli, cli->n_args == 0);
	if (rc)
		return rc;
	memset(&c, 0, sizeof(c));
	memset(&inv, 0, sizeof(inv));
	memset(&o, 0, sizeof(o));
	if (cli->n_args == 1) {
		one[0] = cli->args[0];
		o.apps = one;
		o.n_apps = 1;
	} else {
		o.apps = cli->n_apps ? cli->apps : NULL;
		o.n_apps = cli->n_apps;
		o.list_apps = true;
	}
	o.endpoints = 1u << FA_EP_MACHINES;
	o.registry = s.registry;
	o.on_app = on_app;
	o.ud = &c;
	rc = fa_session_crawl(&s, &o, &inv, &st, err, sizeof(err));
	fa_session_close(&s);
	if (rc == -2) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s: check FLY_API_TOKEN", err);
	} else if (rc < 0 || c.oom) {
		rc = fa_cli_error(FA_EXIT_USAGE, "%s", err[0] ? err : "out of memory");
	} else {
		if (cli->json || cli->format == FA_FMT_JSON)
			rc = print_json(&c);
		else
			print_table(&c, time(NULL));
		if (!rc && (c.partial || fa_load_failed(&inv.apps_load)))
			rc = FA_EXIT_PARTIAL;
	}
	for (i = 0; i < c.n; i++) {
		fa_image_release(&c.rows[i].img);
		free(c.rows[i].apps);
	}
	free(c.rows);
	fa_inventory_release(&inv);
	return rc;
}
