/* spill.h: results of an org-wide audit kept on disk, not in memory (client/spill.c).
 *
 * `audit` hands each app's results (after policy) to the store as the app completes. The
 * store appends them as compact records to an unlinked temporary file in $TMPDIR (else
 * /tmp) and keeps in memory only an index (per app: its name, where its records are, a
 * read cursor) and the running counts. At the end the report writers read the results
 * back through a fa_result_iter, in either order of report.h, as often as they need.
 * Memory is then a few dozen bytes per app plus one app's results, whatever the org size.
 *
 * The order yielded is exactly fa_results_sort's as long as no two batches carry results of
 * the same app (each app is audited once); batches of the same app follow one another.
 * Results must name a check of the catalog (fa_checks) or none.
 */
#ifndef FLYAUDIT_CLIENT_SPILL_H
#define FLYAUDIT_CLIENT_SPILL_H

#include <stddef.h>

#include "flyaudit/report.h"

typedef struct fa_spill fa_spill;

/* Creates the store and its temporary file. Returns 0, or -1 with a reason in err. */
int fa_spill_open(fa_spill **out, char *err, size_t errlen);
/* Adds a batch: sorts `rs` (fa_results_sort), counts it, writes it out. `rs` keeps its
 * results (the caller releases them). Returns 0, or -1 (I/O error or OOM: see
 * fa_spill_error; the store then refuses further batches). */
int fa_spill_add(fa_spill *s, fa_results *rs);
/* The counts of every result added so far. */
const fa_report_counts *fa_spill_counts(const fa_spill *s);
/* Sets `it` to read the store. Adding batches while a pass is under way is not allowed. */
void fa_spill_iter(fa_spill *s, fa_result_iter *it);
/* Number of results added; a one-line reason after a failure ("" when none). */
size_t fa_spill_count(const fa_spill *s);
const char *fa_spill_error(const fa_spill *s);
/* Closes the file (the data goes with it) and frees everything. NULL is fine. */
void fa_spill_close(fa_spill *s);

#endif
