/* fuzz_scan.c: libFuzzer target for the parsers of `flyaudit scan` (parse.h): the same
 * bytes as a Dockerfile, as a YAML document (walking every node), as a .dockerignore held
 * against a few paths, and as a fly.toml (scan.h: the scan's checks, the reader of
 * `audit --repo` and its drift against a small app). Every instruction and node must be
 * well-formed; an error must carry a message. `make fuzz` runs it (tests/run-fuzz.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/model.h"
#include "flyaudit/parse.h"
#include "flyaudit/scan.h"
#include "flyaudit/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const fa_yaml_node *n, int depth)
{
	size_t i, k = 1;

	if (!n)
		return 0;
	if (depth > FA_PARSE_MAX_DEPTH + 1 || n->line == 0)
		abort();
	if ((n->type == FA_YAML_SCALAR || n->type == FA_YAML_ALIAS) && !n->value)
		abort();
	for (i = 0; i < n->n; i++) {
		k += walk(n->items[i], depth + 1);
		if (n->type == FA_YAML_MAP)
			k += walk(n->keys[i], depth + 1);
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { ".env", ".env.production", "a/b/.env", "x", NULL };
	const char *text = (const char *)data;
	fa_dockerfile df;
	fa_yaml_doc doc;
	fa_parse_error err;
	size_t i;
	int rc;

	rc = fa_dockerfile_parse(text, size, &df, &err);
	if (rc == 0) {
		if (!df.n || !df.n_stages)
			abort();
		for (i = 0; i < df.n; i++) {
			const fa_df_instr *in = &df.items[i];

			if (!in->cmd || !in->args || in->line == 0 || in->stage >= df.n_stages ||
			    (in->argc && !in->argv))
				abort();
			if (i && in->line <= df.items[i - 1].line)
				abort();
		}
	} else if (rc > 0 && !err.msg[0]) {
		abort();
	}
	fa_dockerfile_release(&df);

	rc = fa_yaml_parse(text, size, &doc, &err);
	if (rc == 0 && walk(doc.root, 0) != doc.n_nodes)
		abort();
	if (rc > 0 && !err.msg[0])
		abort();
	fa_yaml_release(&doc);

	for (i = 0; paths[i]; i++)
		(void)fa_dockerignore_excludes(text, size, paths[i]);

	/* as a fly.toml: the scan, then audit --repo's reader and drift against one machine */
	{
		static const unsigned char key[FA_ENV_KEY_LEN] = { 1 };
		static char name[] = "web", id[] = "m0", started[] = "started", grp[] = "app",
			    var[] = "MODE";
		fa_scan_ctx sc = { NULL, 1700000000 };
		fa_env_var ev;
		fa_machine mc;
		fa_app app;
		fa_results rs;
		fa_fly_toml *t = NULL;

		fa_results_init(&rs);
		rc = fa_scan_fly_toml(&sc, "fly.toml", text, size, &rs, &err);
		if (rc > 0 && !err.msg[0])
			abort();
		fa_results_release(&rs);
		rc = fa_fly_toml_read(text, size, key, &t, &err);
		if ((rc == 0) != (t != NULL) || (rc > 0 && !err.msg[0]))
			abort();
		if (t) {
			memset(&ev, 0, sizeof(ev));
			ev.name = var;
			if (fa_env_hash(key, "blue", 4, ev.hash) < 0)
				abort();
			memset(&mc, 0, sizeof(mc));
			mc.id = id;
			mc.state = started;
			mc.process_group = grp;
			mc.has_config = true;
			mc.env.vars = &ev;
			mc.env.n_vars = 1;
			fa_app_init(&app);
			app.name = name;
			app.machines = &mc;
			app.n_machines = 1;
			fa_load_ok(&app.load[FA_EP_MACHINES]);
			fa_results_init(&rs);
			if (fa_repo_drift(&sc, "fly.toml", t, &app, &rs) == 0 && rs.n == 0)
				abort(); /* a loaded app always gets a result */
			fa_results_release(&rs);
			fa_fly_toml_free(t);
		}
	}
	return 0;
}
