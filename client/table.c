/* table.c: aligned text tables for people (the inventory views). Cells are cleaned of
 * control characters so a name from the API cannot move the cursor or forge a line. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

void fa_table_init(fa_table *t, size_t ncols, const char *const *head)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->head = head;
}

static char *clean_copy(const char *s)
{
	size_t n, i;
	char *c;

	if (!s)
		s = "-";
	n = strlen(s);
	c = malloc(n + 1);
	if (!c)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		c[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
	}
	c[n] = '\0';
	return c;
}

int fa_table_row(fa_table *t, const char *const *cells)
{
	size_t i;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 16;
		char **nc = realloc(t->cells, ncap * t->ncols * sizeof(*nc));

		if (!nc)
			return -1;
		t->cells = nc;
		t->cap = ncap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *c = clean_copy(cells[i]);

		if (!c) {
			while (i-- > 0)
				free(t->cells[t->nrows * t->ncols + i]);
			return -1;
		}
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->nrows++;
	return 0;
}

/* Display width: counts UTF-8 code points, not bytes. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void fa_table_print(const fa_table *t, FILE *f)
{
	size_t *w = calloc(t->ncols ? t->ncols : 1, sizeof(*w));
	size_t r, c;

	if (!w)
		return;
	for (c = 0; c < t->ncols; c++)
		w[c] = width(t->head[c]);
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t cw = width(t->cells[r * t->ncols + c]);

			if (cw > w[c])
				w[c] = cw;
		}
	for (r = 0; r <= t->nrows; r++) {
		size_t pending = 0; /* spaces owed before the next non-empty cell */

		for (c = 0; c < t->ncols; c++) {
			const char *s = r == 0 ? t->head[c] : t->cells[(r - 1) * t->ncols + c];

			if (*s) {
				while (pending) {
					fputc(' ', f);
					pending--;
				}
				fputs(s, f);
			}
			pending += w[c] - width(s) + 2;
		}
		fputc('\n', f); /* no trailing blanks */
	}
	free(w);
}

void fa_table_release(fa_table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}
