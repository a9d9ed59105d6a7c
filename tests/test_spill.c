/* test_spill.c: the on-disk result store (client/spill.c): every result comes back, in
 * exactly fa_results_sort's order (check-major) and by app, and the streamed reports are
 * byte-for-byte those of the in-memory writers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/report.h"
#include "../client/spill.h"

static const fa_check_meta *check_at(size_t i)
{
	size_t n = 0;
	const fa_check_meta *c = fa_checks(&n);

	return &c[i % n];
}

/* A batch of results for one app (NULL: org-level), with awkward strings. */
static void make_batch(fa_results *rs, const char *app, unsigned seed)
{
	size_t n = 0, i;
	char id[32], msg[64];

	fa_checks(&n);
	for (i = 0; i < 3 * n; i++) {
		unsigned v = seed * 31u + (unsigned)i * 7u;

		snprintf(id, sizeof(id), "res-%u", v % 5);
		snprintf(msg, sizeof(msg), "message %u \"quoted\" \xC3\xA9 <x>", v % 3);
		assert_int_equal(fa_results_add(rs, check_at(v), (fa_status)(v % FA_STATUS_COUNT), "org",
						app, i % 2 ? "machine" : "volume", id,
						v % 2 ? "name" : NULL, v % 3 ? "iad" : NULL, msg),
				 0);
		if (rs->items[rs->n - 1].status == FA_STATUS_MUTED) {
			rs->items[rs->n - 1].muted_reason = strdup("accepted risk");
			rs->items[rs->n - 1].muted_expires = strdup("2099-01-01");
		}
		rs->items[rs->n - 1].baseline = (int)(v % 3) - 1;
	}
}

static int buf_write(void *ud, const char *data, size_t len)
{
	return fa_buf_add(ud, data, len);
}

static void test_catalog_sorted(void **state)
{
	size_t n = 0, i;
	const fa_check_meta *c = fa_checks(&n);

	(void)state;
	/* the store's check-major pass relies on the catalog order being id order */
	for (i = 1; i < n; i++)
		assert_true(strcmp(c[i - 1].id, c[i].id) < 0);
}

static void test_order_and_reports(void **state)
{
	static const char *apps[] = { "web", "api", NULL, "zeta", "alpha", "m\xC3\xBC" };
	fa_spill *s = NULL;
	fa_results all, batch;
	fa_result_iter it;
	fa_report rep;
	const fa_result *r = NULL;
	char err[256];
	size_t i, k;
	int rc;

	(void)state;
	fa_results_init(&all);
	assert_int_equal(fa_spill_open(&s, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		fa_results_init(&batch);
		make_batch(&batch, apps[i], (unsigned)i + 1);
		assert_int_equal(fa_spill_add(s, &batch), 0);
		assert_int_equal(fa_results_take(&all, &batch), 0);
		fa_results_release(&batch);
	}
	fa_results_sort(&all);
	assert_int_equal(fa_spill_count(s), all.n);
	assert_int_equal(fa_spill_counts(s)->summary.total, all.n);

	/* check-major: exactly the sorted list, field for field, twice */
	fa_spill_iter(s, &it);
	for (k = 0; k < 2; k++) {
		assert_int_equal(it.begin(it.ctx, FA_ORDER_CHECK), 0);
		for (i = 0; (rc = it.next(it.ctx, &r)) == 1; i++) {
			const fa_result *e = &all.items[i];

			assert_true(i < all.n);
			assert_ptr_equal(r->check, e->check);
			assert_int_equal(r->status, e->status);
			assert_int_equal(r->baseline, e->baseline);
			assert_string_equal(r->fingerprint, e->fingerprint);
			assert_string_equal(r->resource_id, e->resource_id);
			assert_string_equal(r->message, e->message);
			if (e->app)
				assert_string_equal(r->app, e->app);
			else
				assert_null(r->app);
			if (e->region)
				assert_string_equal(r->region, e->region);
			else
				assert_null(r->region);
		}
		assert_int_equal(rc, 0);
		assert_int_equal(i, all.n);
	}
	/* app-major: org-level first, apps ascending */
	assert_int_equal(it.begin(it.ctx, FA_ORDER_APP), 0);
	{
		const char *prev = NULL;
		bool seen_app = false;

		for (i = 0; (rc = it.next(it.ctx, &r)) == 1; i++) {
			if (!r->app) {
				assert_false(seen_app);
			} else {
				if (prev)
					assert_true(strcmp(prev, r->app) <= 0);
				free((void *)prev);
				prev = strdup(r->app);
				seen_app = true;
			}
		}
		free((void *)prev);
		assert_int_equal(i, all.n);
	}

	/* each streamed report equals the in-memory one */
	fa_report_init(&rep);
	rep.org = "org";
	rep.generated_at = "2026-01-01T00:00:00Z";
	rep.has_baseline = true;
	rep.apps = 5;
	assert_int_equal(fa_report_add_notice(&rep, "a notice"), 0);
	assert_int_equal(fa_report_add_error(&rep, "web", "volumes", 500, "boom"), 0);
	rep.results = all;
	for (k = 0; k < 5; k++) {
		fa_buf mem = FA_BUF_INIT(0), str = FA_BUF_INIT(0);
		fa_report_sink sink = { buf_write, &str };
		const fa_report_counts *c = fa_spill_counts(s);

		switch (k) {
		case 0:
			assert_int_equal(fa_report_json(&rep, &mem), 0);
			assert_int_equal(fa_report_json_stream(&rep, c, &it, &sink), 0);
			break;
		case 1:
			assert_int_equal(fa_report_sarif(&rep, &mem), 0);
			assert_int_equal(fa_report_sarif_stream(&rep, c, &it, &sink), 0);
			break;
		case 2:
			assert_int_equal(fa_report_junit(&rep, &mem), 0);
			assert_int_equal(fa_report_junit_stream(&rep, c, &it, &sink), 0);
			break;
		default:
			assert_int_equal(fa_report_text(&rep, k == 4, &mem), 0);
			assert_int_equal(fa_report_text_stream(&rep, c, k == 4, &it, &sink), 0);
			break;
		}
		assert_int_equal(mem.len, str.len);
		assert_memory_equal(mem.data, str.data, mem.len);
		fa_buf_release(&mem);
		fa_buf_release(&str);
	}
	fa_report_release(&rep); /* frees `all` too */
	fa_spill_close(s);
}

static int failing_sink(void *ud, const char *data, size_t len)
{
	(void)ud;
	(void)data;
	(void)len;
	return -1;
}

static void test_empty_and_sink_error(void **state)
{
	fa_spill *s = NULL;
	fa_results empty;
	fa_result_iter it;
	fa_report rep;
	fa_buf mem = FA_BUF_INIT(0), str = FA_BUF_INIT(0);
	fa_report_sink sink = { buf_write, &str }, bad = { failing_sink, NULL };
	char err[256];

	(void)state;
	assert_int_equal(fa_spill_open(&s, err, sizeof(err)), 0);
	fa_results_init(&empty);
	assert_int_equal(fa_spill_add(s, &empty), 0);
	fa_spill_iter(s, &it);
	fa_report_init(&rep);
	rep.org = "org";
	assert_int_equal(fa_report_json(&rep, &mem), 0);
	assert_int_equal(fa_report_json_stream(&rep, fa_spill_counts(s), &it, &sink), 0);
	assert_int_equal(mem.len, str.len);
	assert_memory_equal(mem.data, str.data, mem.len);
	assert_int_equal(fa_report_json_stream(&rep, fa_spill_counts(s), &it, &bad), -1);
	assert_int_equal(fa_report_text_stream(&rep, fa_spill_counts(s), false, &it, &bad), -1);
	fa_buf_release(&mem);
	fa_buf_release(&str);
	fa_report_release(&rep);
	fa_spill_close(s);
	fa_spill_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalog_sorted),
		cmocka_unit_test(test_order_and_reports),
		cmocka_unit_test(test_empty_and_sink_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
