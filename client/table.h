/* table.h: aligned text tables for the inventory views (client/table.c). */
#ifndef FLYAUDIT_CLIENT_TABLE_H
#define FLYAUDIT_CLIENT_TABLE_H

#include <stddef.h>
#include <stdio.h>

typedef struct fa_table {
	size_t ncols;
	const char *const *head;
	char **cells; /* nrows * ncols, owned */
	size_t nrows;
	size_t cap;
} fa_table;

void fa_table_init(fa_table *t, size_t ncols, const char *const *head);
/* Adds a row of ncols strings (copied; NULL prints "-", "" prints nothing). Returns 0 or -1. */
int fa_table_row(fa_table *t, const char *const *cells);
/* Prints the header and rows, columns padded to their widest cell (UTF-8 aware). */
void fa_table_print(const fa_table *t, FILE *f);
void fa_table_release(fa_table *t);

#endif
