/* report/compliance.c: the per-control summary of a report (`--compliance cis-8.1|soc2`):
 * each control the catalog maps to, with the results of its checks counted by status. */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Natural order: digit runs compare as numbers ("3.3" < "3.10", "CC6.1" < "CC6.10"). */
static int natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			unsigned long x = strtoul(a, (char **)&a, 10);
			unsigned long y = strtoul(b, (char **)&b, 10);

			if (x != y)
				return x < y ? -1 : 1;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : (*b ? -1 : 0);
}

static int cmp_row(const void *pa, const void *pb)
{
	return natcmp(((const fa_control_row *)pa)->control, ((const fa_control_row *)pb)->control);
}

static fa_control_row *find_row(fa_compliance_summary *s, const char *control)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->rows[i].control, control) == 0)
			return &s->rows[i];
	return NULL;
}

int fa_compliance_summarise(fa_framework fw, const fa_result_iter *it,
			    fa_compliance_summary *out)
{
	const fa_check_meta *cs;
	const fa_result *res = NULL;
	size_t n, i, cap = 0;
	int more;

	memset(out, 0, sizeof(*out));
	out->fw = fw;
	cs = fa_checks(&n);
	for (i = 0; i < n; i++) {
		const char *const *ctl = fa_check_controls(&cs[i], fw);

		for (; *ctl; ctl++) {
			fa_control_row *row = find_row(out, *ctl);

			if (!row) {
				if (out->n == cap) {
					size_t nc = cap ? cap * 2 : 32;
					fa_control_row *g = realloc(out->rows, nc * sizeof(*g));

					if (!g)
						goto fail;
					out->rows = g;
					cap = nc;
				}
				row = &out->rows[out->n++];
				memset(row, 0, sizeof(*row));
				row->control = *ctl;
				row->title = fa_control_title(fw, *ctl);
			}
			row->checks++;
		}
	}
	if (out->n)
		qsort(out->rows, out->n, sizeof(*out->rows), cmp_row);
	if (it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		goto fail;
	while ((more = it->next(it->ctx, &res)) == 1) {
		const char *const *ctl = fa_check_controls(res->check, fw);

		if ((unsigned)res->status >= FA_STATUS_COUNT)
			continue;
		for (; *ctl; ctl++) {
			fa_control_row *row = find_row(out, *ctl);

			if (row)
				row->by_status[res->status]++;
		}
	}
	if (more < 0)
		goto fail;
	return 0;
fail:
	fa_compliance_summary_release(out);
	return -1;
}

void fa_compliance_summary_release(fa_compliance_summary *s)
{
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
}

const char *fa_control_verdict(const fa_control_row *row)
{
	const size_t *b = row->by_status;

	if (b[FA_STATUS_FAIL])
		return "fail";
	if (b[FA_STATUS_UNKNOWN])
		return "unknown";
	if (b[FA_STATUS_MANUAL])
		return "manual";
	if (b[FA_STATUS_PASS] || b[FA_STATUS_MUTED])
		return "pass";
	return "none";
}
