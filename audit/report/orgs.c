/* report/orgs.c: reports over several orgs (`audit --all-orgs`): the chained results,
 * summed counts, and the one combined report the single-report formats are given. The
 * JSON v2 writer is in json.c, the text one in text.c. */
#include "flyaudit/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/buf.h"

static int chain_begin(void *ctx, fa_result_order order)
{
	fa_result_chain *c = ctx;

	c->order = order;
	c->cur = 0;
	return c->n ? c->orgs[0].it->begin(c->orgs[0].it->ctx, order) : 0;
}

static int chain_next(void *ctx, const fa_result **out)
{
	fa_result_chain *c = ctx;
	int rc;

	while (c->cur < c->n) {
		const fa_result_iter *it = c->orgs[c->cur].it;

		rc = it->next(it->ctx, out);
		if (rc != 0)
			return rc;
		if (++c->cur < c->n) {
			it = c->orgs[c->cur].it;
			if (it->begin(it->ctx, c->order) < 0)
				return -1;
		}
	}
	return 0;
}

void fa_result_iter_chain(fa_result_iter *it, fa_result_chain *ctx, const fa_report_org *orgs,
			  size_t n)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->orgs = orgs;
	ctx->n = n;
	ctx->cur = n; /* nothing until begin */
	it->ctx = ctx;
	it->begin = chain_begin;
	it->next = chain_next;
}

void fa_report_counts_merge(fa_report_counts *c, const fa_report_counts *add)
{
	int k;

	c->summary.total += add->summary.total;
	for (k = 0; k < FA_STATUS_COUNT; k++)
		c->summary.by_status[k] += add->summary.by_status[k];
	for (k = 0; k <= FA_SEV_NONE; k++)
		c->summary.fail_by_severity[k] += add->summary.fail_by_severity[k];
	c->new_fails += add->new_fails;
}

int fa_report_orgs_combine(fa_report *out, fa_report_counts *total, const fa_report_org *orgs,
			   size_t n)
{
	fa_buf msg = FA_BUF_INIT(0);
	size_t k, i;
	int rc = -1;

	memset(total, 0, sizeof(*total));
	out->multi_org = true;
	for (k = 0; k < n; k++) {
		const fa_report *r = orgs[k].report;

		fa_report_counts_merge(total, orgs[k].counts);
		out->apps += r->apps;
		out->apps_complete += r->apps_complete;
		out->machines += r->machines;
		out->machines_audited += r->machines_audited;
		out->crawl.requests += r->crawl.requests;
		out->crawl.retries += r->crawl.retries;
		out->crawl.elapsed_ms += r->crawl.elapsed_ms;
		if (r->crawl.max_in_flight > out->crawl.max_in_flight)
			out->crawl.max_in_flight = r->crawl.max_in_flight;
		for (i = 0; i < r->n_errors; i++) {
			const fa_coverage_error *e = &r->errors[i];

			fa_buf_reset(&msg);
			if (fa_buf_printf(&msg, "org %s: %s", r->org ? r->org : "",
					  e->message ? e->message : "") ||
			    fa_report_add_error(out, e->app, e->endpoint, e->status, msg.data) < 0)
				goto cleanup;
		}
		for (i = 0; i < r->n_notices; i++)
			if (fa_report_add_notice(out, r->notices[i]) < 0)
				goto cleanup;
	}
	rc = 0;
cleanup:
	fa_buf_release(&msg);
	return rc;
}
