/* fuzz_scan.c: libFuzzer target for the parsers of `flyaudit scan` (parse.h): the same
 * bytes as a Dockerfile, as a YAML document (walking every node), and as a .dockerignore
 * held against a few paths. Every instruction and node must be well-formed; an error must
 * carry a message. `make fuzz` runs it (tests/run-fuzz.sh). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/parse.h"

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
	return 0;
}
