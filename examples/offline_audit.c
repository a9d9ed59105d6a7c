/* offline_audit.c: flyaudit as a library, without its command line: read a snapshot
 * (`flyaudit snapshot -o org.jsonl`), run every check on each app as it is read, and print
 * the failures, one line each. It includes nothing but the public headers.
 *
 *   build/examples/offline_audit org.jsonl
 *
 * Exit status: 0 no failure, 1 failures, 2 the snapshot could not be read. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flyaudit/audit.h"
#include "flyaudit/model.h"
#include "flyaudit/snapshot.h"

static size_t print_failures(const fa_results *rs)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n; i++) {
		const fa_result *r = &rs->items[i];

		if (r->status != FA_STATUS_FAIL)
			continue;
		printf("%-8s %-30s %s %s/%s: %s\n", fa_severity_name(r->severity), r->check->id,
		       r->app ? r->app : "(org)", r->resource_type, r->resource_id, r->message);
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	fa_snapshot_reader *reader = NULL;
	fa_inventory inv = { 0 };
	fa_results rs;
	fa_audit_ctx ctx = { 0 };
	fa_app app;
	char err[FA_SNAPSHOT_ERRLEN];
	size_t failures = 0;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: offline_audit SNAPSHOT.jsonl\n");
		return 2;
	}
	if (fa_snapshot_reader_open(&reader, argv[1], &inv, err, sizeof(err)) < 0) {
		fprintf(stderr, "offline_audit: %s\n", err);
		return 2;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.org = inv.org;
	ctx.access = &inv.access;
	ctx.now = time(NULL);
	ctx.self = &inv.self;
	fa_app_init(&app);
	fa_results_init(&rs);
	/* one app in memory at a time: audit it, print, let it go */
	while ((rc = fa_snapshot_read_app(reader, &app, err, sizeof(err))) == 1) {
		if (fa_audit_app(&ctx, &app, &rs) < 0)
			rc = -1;
		fa_results_sort(&rs);
		failures += print_failures(&rs);
		fa_results_release(&rs);
		fa_results_init(&rs);
		fa_app_release(&app);
		if (rc < 0)
			break;
	}
	if (rc == 0 && fa_audit_org(&ctx, &inv, &rs) == 0) {
		fa_results_sort(&rs);
		failures += print_failures(&rs);
	}
	fa_results_release(&rs);
	fa_snapshot_reader_close(reader);
	fa_inventory_release(&inv);
	if (rc < 0) {
		fprintf(stderr, "offline_audit: %s\n", err[0] ? err : "out of memory");
		return 2;
	}
	return failures ? 1 : 0;
}
