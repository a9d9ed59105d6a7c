/* parse.h: the pure parsers of repository files read by `flyaudit scan` (audit/parse/):
 * Dockerfiles, YAML documents (GitHub Actions workflows, over libyaml) and .dockerignore
 * matching. fly.toml is read by toml.h.
 *
 * Bytes in, tree out: no I/O. Every parsed item keeps the 1-based line where it starts.
 * A document that cannot be parsed gives FA_PARSE_ESYNTAX (or ELIMIT) with a line and a
 * one-line message that never quotes a value (it may be a credential).
 */
#ifndef FLYAUDIT_PARSE_H
#define FLYAUDIT_PARSE_H

#include <stdbool.h>
#include <stddef.h>

/* Hard limits: input larger than this, or nesting deeper, is refused (FA_PARSE_ELIMIT). */
#define FA_PARSE_MAX_INPUT ((size_t)4 * 1024 * 1024)
#define FA_PARSE_MAX_DEPTH 64
#define FA_PARSE_MAX_NODES 200000

enum {
	FA_PARSE_OK = 0,
	FA_PARSE_ENOMEM = -1,
	FA_PARSE_ESYNTAX = 1, /* not a valid document: err says where */
	FA_PARSE_ELIMIT = 2,  /* too large or too deep */
};

typedef struct fa_parse_error {
	unsigned line; /* 1-based; 0 when unknown */
	char msg[160]; /* one line, lowercase, no position, no value text */
} fa_parse_error;

/* ---- Dockerfile -------------------------------------------------------------------- */

/* One instruction. Continuation lines are joined (the escape character and newline
 * dropped, comment lines inside skipped); heredoc bodies (<<EOF ... EOF) are kept apart. */
typedef struct fa_df_instr {
	char *cmd;      /* the keyword in upper case: "FROM", "USER", "ENV", ... */
	char *args;     /* the rest of the instruction, trimmed (shell form as written) */
	bool json;      /* args is a JSON array of strings (exec form): see argv */
	char **argv;    /* JSON form: the elements; shell form: args split at blanks */
	size_t argc;
	char *heredoc;  /* the bodies of its heredocs, joined with newlines; NULL if none */
	unsigned line;  /* line of the keyword */
	size_t stage;   /* 0-based index of the FROM this instruction belongs to */
} fa_df_instr;

typedef struct fa_dockerfile {
	fa_df_instr *items;
	size_t n;
	size_t n_stages; /* number of FROM instructions */
} fa_dockerfile;

/* Parses a Dockerfile (the `# escape=` directive is honoured). Errors: an unknown
 * instruction, an instruction other than ARG before the first FROM, a FROM without an
 * image, an unterminated heredoc, a NUL byte. `out` is zeroed first; release it with
 * fa_dockerfile_release (also after an error). */
int fa_dockerfile_parse(const char *text, size_t len, fa_dockerfile *out, fa_parse_error *err);
void fa_dockerfile_release(fa_dockerfile *df);

/* ---- YAML (libyaml) ------------------------------------------------------------------ */

typedef enum { FA_YAML_SCALAR = 1, FA_YAML_SEQ, FA_YAML_MAP, FA_YAML_ALIAS } fa_yaml_type;

/* A node of the first document. Maps keep their pairs in order: keys[i] -> items[i].
 * Aliases are not expanded (no "billion laughs"): an alias is a node of type ALIAS. */
typedef struct fa_yaml_node {
	fa_yaml_type type;
	char *value;   /* SCALAR: the text; ALIAS: the anchor name */
	bool plain;    /* SCALAR written without quotes */
	unsigned line; /* 1-based */
	struct fa_yaml_node **items; /* SEQ elements, MAP values */
	struct fa_yaml_node **keys;  /* MAP keys */
	size_t n;
} fa_yaml_node;

typedef struct fa_yaml_doc {
	fa_yaml_node *root; /* NULL for an empty document */
	size_t n_nodes;
} fa_yaml_doc;

/* Parses the first YAML document. `out` is zeroed first; release with fa_yaml_release. */
int fa_yaml_parse(const char *text, size_t len, fa_yaml_doc *out, fa_parse_error *err);
void fa_yaml_release(fa_yaml_doc *doc);
/* The value of the scalar key `key` in map m, or NULL (key into *key_out when found). */
const fa_yaml_node *fa_yaml_get(const fa_yaml_node *m, const char *key,
				const fa_yaml_node **key_out);

/* ---- .dockerignore -------------------------------------------------------------------- */

/* True when `path` (relative to the build context, '/'-separated) is excluded by the
 * .dockerignore text: patterns as Docker reads them (comments, `!` exceptions, `**`,
 * a pattern that matches a directory excludes what is under it; the last match wins). */
bool fa_dockerignore_excludes(const char *text, size_t len, const char *path);

#endif
