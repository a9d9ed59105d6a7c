/* parse/dockerfile.c: a Dockerfile parser (parse.h): instructions with their lines,
 * continuations, comments, the escape directive, JSON (exec) and shell forms, heredocs,
 * and the stage each instruction belongs to. Pure: bytes in, instructions out. */
#include "flyaudit/parse.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "flyaudit/buf.h"

#define MAX_INSTR 20000

static const char *const keywords[] = {
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
	"LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
	"WORKDIR", NULL
};

typedef struct lines {
	const char *text;
	size_t len, pos;
	unsigned lineno; /* line number of the line last returned */
} lines;

/* The next physical line (without its newline or a trailing CR). 0 at the end. */
static int next_line(lines *l, const char **s, size_t *n)
{
	const char *p, *nl;

	if (l->pos >= l->len)
		return 0;
	p = l->text + l->pos;
	nl = memchr(p, '\n', l->len - l->pos);
	*n = nl ? (size_t)(nl - p) : l->len - l->pos;
	l->pos += *n + (nl ? 1 : 0);
	*s = p;
	if (*n && p[*n - 1] == '\r')
		(*n)--;
	l->lineno++;
	return 1;
}

static void set_err(fa_parse_error *err, unsigned line, const char *msg)
{
	if (!err)
		return;
	err->line = line;
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
}

static char *dupn(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

static void instr_release(fa_df_instr *in)
{
	size_t i;

	free(in->cmd);
	free(in->args);
	for (i = 0; i < in->argc; i++)
		free(in->argv[i]);
	free(in->argv);
	free(in->heredoc);
	memset(in, 0, sizeof(*in));
}

void fa_dockerfile_release(fa_dockerfile *df)
{
	size_t i;

	if (!df)
		return;
	for (i = 0; i < df->n; i++)
		instr_release(&df->items[i]);
	free(df->items);
	memset(df, 0, sizeof(*df));
}

static int push_arg(fa_df_instr *in, const char *s, size_t n)
{
	char **v = realloc(in->argv, (in->argc + 1) * sizeof(*v));

	if (!v)
		return -1;
	in->argv = v;
	v[in->argc] = dupn(s, n);
	if (!v[in->argc])
		return -1;
	in->argc++;
	return 0;
}

/* Exec form: a JSON array of strings. 1 when args is one (argv filled), 0 when it is not
 * (the shell form applies, as Docker does), -1 on OOM. */
static int parse_json_form(fa_df_instr *in, const char *a)
{
	fa_buf cur = FA_BUF_INIT(FA_PARSE_MAX_INPUT);
	const char *p = a;
	int rc = 0;

	if (*p != '[')
		return 0;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == ']') {
		p++;
		goto tail;
	}
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '"')
			goto not_json;
		p++;
		fa_buf_reset(&cur);
		if (fa_buf_add(&cur, "", 0))
			goto oom;
		while (*p && *p != '"') {
			char c = *p++;

			if ((unsigned char)c < 0x20)
				goto not_json;
			if (c == '\\') {
				c = *p++;
				switch (c) {
				case '"': case '\\': case '/': break;
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case 'r': c = '\r'; break;
				case 'b': c = '\b'; break;
				case 'f': c = '\f'; break;
				case 'u': {
					int k;

					for (k = 0; k < 4; k++)
						if (!isxdigit((unsigned char)p[k]))
							goto not_json;
					p += 4;
					c = '?'; /* only names matter here */
					break;
				}
				default:
					goto not_json;
				}
			}
			if (fa_buf_add(&cur, &c, 1))
				goto oom;
		}
		if (*p != '"')
			goto not_json;
		p++;
		if (push_arg(in, cur.data, cur.len))
			goto oom;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']') {
			p++;
			break;
		}
		goto not_json;
	}
tail:
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		goto not_json;
	in->json = true;
	rc = 1;
	goto done;
not_json:
	while (in->argc)
		free(in->argv[--in->argc]);
	rc = 0;
	goto done;
oom:
	rc = -1;
done:
	fa_buf_release(&cur);
	return rc;
}

/* Shell form: words split at blanks; quotes group and are removed. */
static int split_shell(fa_df_instr *in, const char *a, char esc)
{
	fa_buf w = FA_BUF_INIT(FA_PARSE_MAX_INPUT);
	const char *p = a;
	int rc = -1;

	while (*p) {
		char q = 0;
		bool any = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		fa_buf_reset(&w);
		while (*p && (q || (*p != ' ' && *p != '\t'))) {
			if (!q && (*p == '"' || *p == '\'')) {
				q = *p++;
				any = true;
				continue;
			}
			if (q && *p == q) {
				q = 0;
				p++;
				continue;
			}
			if (*p == esc && q != '\'' && p[1]) {
				p++;
			}
			if (fa_buf_add(&w, p, 1))
				goto cleanup;
			p++;
			any = true;
		}
		if (any && push_arg(in, w.data ? w.data : "", w.len))
			goto cleanup;
	}
	rc = 0;
cleanup:
	fa_buf_release(&w);
	return rc;
}

static bool known_keyword(const char *k)
{
	size_t i;

	for (i = 0; keywords[i]; i++)
		if (strcmp(keywords[i], k) == 0)
			return true;
	return false;
}

/* Reads the heredoc bodies the instruction announces (<<EOF, <<-EOF, <<"EOF"), in order. */
static int read_heredocs(lines *l, fa_df_instr *in, fa_parse_error *err)
{
	fa_buf body = FA_BUF_INIT(FA_PARSE_MAX_INPUT);
	const char *p = in->args;
	int rc = FA_PARSE_ENOMEM;

	while ((p = strstr(p, "<<")) != NULL) {
		char word[128];
		size_t wn = 0;
		bool strip_tabs = false;
		char q = 0;
		const char *s;
		size_t n;
		bool done = false;

		p += 2;
		if (*p == '-') {
			strip_tabs = true;
			p++;
		}
		if (*p == '"' || *p == '\'')
			q = *p++;
		while ((isalnum((unsigned char)*p) || *p == '_') && wn < sizeof(word) - 1)
			word[wn++] = *p++;
		word[wn] = '\0';
		if (q && *p == q)
			p++;
		if (!wn)
			continue; /* "<<" in a shell line that is no heredoc, e.g. a here-string */
		while (next_line(l, &s, &n)) {
			const char *t = s;
			size_t tn = n;

			while (strip_tabs && tn && *t == '\t') {
				t++;
				tn--;
			}
			if (tn == wn && memcmp(t, word, wn) == 0) {
				done = true;
				break;
			}
			if (fa_buf_add(&body, s, n) || fa_buf_add(&body, "\n", 1))
				goto cleanup;
		}
		if (!done) {
			set_err(err, in->line, "unterminated heredoc");
			rc = FA_PARSE_ESYNTAX;
			goto cleanup;
		}
	}
	if (body.len) {
		in->heredoc = fa_buf_detach(&body, NULL);
		if (!in->heredoc)
			goto cleanup;
	}
	rc = 0;
cleanup:
	fa_buf_release(&body);
	return rc;
}

/* `# escape=X` directives at the very top. Returns the escape character. */
static char read_directives(lines *l)
{
	char esc = '\\';
	lines save = *l;
	const char *s;
	size_t n;

	while (next_line(l, &s, &n)) {
		size_t i = 0;
		const char *kv;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n || s[i] != '#')
			break;
		kv = s + i + 1;
		while (kv < s + n && (*kv == ' ' || *kv == '\t'))
			kv++;
		if ((size_t)(s + n - kv) >= 8 && strncasecmp(kv, "escape", 6) == 0) {
			const char *v = kv + 6;

			while (v < s + n && (*v == ' ' || *v == '\t'))
				v++;
			if (v < s + n && *v == '=') {
				v++;
				while (v < s + n && (*v == ' ' || *v == '\t'))
					v++;
				if (v < s + n && (*v == '`' || *v == '\\'))
					esc = *v;
			}
		} else if (!(s + n - kv >= 6 && strncasecmp(kv, "syntax", 6) == 0) &&
			   !(s + n - kv >= 5 && strncasecmp(kv, "check", 5) == 0)) {
			break; /* a plain comment ends the directives */
		}
		save = *l;
	}
	*l = save;
	return esc;
}

/* Strips trailing blanks; true when the line then ends with the escape character (which
 * is removed). */
static bool continues(fa_buf *b, char esc)
{
	while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t'))
		b->data[--b->len] = '\0';
	if (b->len && b->data[b->len - 1] == esc) {
		b->data[--b->len] = '\0';
		return true;
	}
	return false;
}

int fa_dockerfile_parse(const char *text, size_t len, fa_dockerfile *out, fa_parse_error *err)
{
	lines l = { text, len, 0, 0 };
	fa_buf logical = FA_BUF_INIT(FA_PARSE_MAX_INPUT);
	fa_dockerfile df;
	const char *s;
	size_t n, cap = 0;
	char esc;
	int rc = FA_PARSE_ENOMEM;

	memset(&df, 0, sizeof(df));
	if (out)
		memset(out, 0, sizeof(*out));
	if (err)
		memset(err, 0, sizeof(*err));
	if (!out || (!text && len)) {
		set_err(err, 0, "no input");
		return FA_PARSE_ESYNTAX;
	}
	if (len > FA_PARSE_MAX_INPUT) {
		set_err(err, 0, "file too large");
		return FA_PARSE_ELIMIT;
	}
	if (len && memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		unsigned ln = 1;

		for (s = text; s < z; s++)
			ln += *s == '\n';
		set_err(err, ln, "NUL byte (a binary file?)");
		return FA_PARSE_ESYNTAX;
	}
	esc = read_directives(&l);
	while (next_line(&l, &s, &n)) {
		fa_df_instr in;
		size_t i = 0, k;
		char *p;
		bool more;
		int r;

		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n || s[i] == '#')
			continue;
		memset(&in, 0, sizeof(in));
		in.line = l.lineno;
		fa_buf_reset(&logical);
		if (fa_buf_add(&logical, s + i, n - i))
			goto cleanup;
		more = continues(&logical, esc);
		while (more) {
			const char *t;
			size_t tn, j = 0;

			if (!next_line(&l, &t, &tn))
				break;
			while (j < tn && (t[j] == ' ' || t[j] == '\t'))
				j++;
			if (j < tn && t[j] == '#')
				continue; /* comment lines inside a continuation are dropped */
			if (j >= tn)
				continue; /* so are empty ones */
			if (fa_buf_add(&logical, " ", 1) || fa_buf_add(&logical, t + j, tn - j))
				goto cleanup;
			more = continues(&logical, esc);
		}
		if (fa_buf_add(&logical, "", 0))
			goto cleanup;
		p = logical.data;
		for (k = 0; p[k] && p[k] != ' ' && p[k] != '\t'; k++)
			p[k] = (char)toupper((unsigned char)p[k]);
		in.cmd = dupn(p, k);
		while (p[k] == ' ' || p[k] == '\t')
			k++;
		in.args = dupn(p + k, strlen(p + k));
		if (!in.cmd || !in.args) {
			instr_release(&in);
			goto cleanup;
		}
		if (!known_keyword(in.cmd)) {
			set_err(err, in.line, "unknown instruction");
			instr_release(&in);
			rc = FA_PARSE_ESYNTAX;
			goto cleanup;
		}
		if (strcmp(in.cmd, "FROM") == 0) {
			df.n_stages++;
		} else if (df.n_stages == 0 && strcmp(in.cmd, "ARG") != 0) {
			set_err(err, in.line, "instruction before the first FROM");
			instr_release(&in);
			rc = FA_PARSE_ESYNTAX;
			goto cleanup;
		}
		in.stage = df.n_stages ? df.n_stages - 1 : 0;
		if (strcmp(in.cmd, "RUN") == 0 || strcmp(in.cmd, "COPY") == 0 ||
		    strcmp(in.cmd, "ADD") == 0) {
			r = read_heredocs(&l, &in, err);
			if (r) {
				instr_release(&in);
				rc = r;
				goto cleanup;
			}
		}
		r = parse_json_form(&in, in.args);
		if (r == 0)
			r = split_shell(&in, in.args, esc) ? -1 : 0;
		if (r < 0) {
			instr_release(&in);
			goto cleanup;
		}
		if (strcmp(in.cmd, "FROM") == 0 && in.argc == 0) {
			set_err(err, in.line, "FROM without an image");
			instr_release(&in);
			rc = FA_PARSE_ESYNTAX;
			goto cleanup;
		}
		if (df.n >= MAX_INSTR) {
			set_err(err, in.line, "too many instructions");
			instr_release(&in);
			rc = FA_PARSE_ELIMIT;
			goto cleanup;
		}
		if (df.n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			fa_df_instr *ni = realloc(df.items, nc * sizeof(*ni));

			if (!ni) {
				instr_release(&in);
				goto cleanup;
			}
			df.items = ni;
			cap = nc;
		}
		df.items[df.n++] = in;
	}
	if (df.n == 0 || df.n_stages == 0) {
		set_err(err, l.lineno ? l.lineno : 1, "no FROM instruction");
		rc = FA_PARSE_ESYNTAX;
		goto cleanup;
	}
	*out = df;
	memset(&df, 0, sizeof(df));
	rc = 0;
cleanup:
	fa_buf_release(&logical);
	fa_dockerfile_release(&df);
	return rc;
}
