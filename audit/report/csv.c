/* report/csv.c: `--format csv`: RFC 4180 (CRLF, every cell quoted), a header row and one
 * row per result, in the JSON report's order. Cells that a spreadsheet would run as a
 * formula get a leading apostrophe (common.c fa_rpt_csv_cell). */
#include "flyaudit/report.h"
#include "internal.h"

static const char *const header[] = {
	"fingerprint", "check", "title", "severity", "status", "org", "app", "resource_type",
	"resource_id", "resource_name", "region", "message", "remediation", "baseline",
	"muted_reason", "muted_expires", "cis_8_1", "soc2", NULL
};

/* "3.10 3.11": the controls of a check, space-separated */
static int controls(fa_buf *tmp, const fa_check_meta *m, fa_framework fw)
{
	const char *const *c = fa_check_controls(m, fw);

	fa_buf_reset(tmp);
	for (; *c; c++)
		if (fa_buf_adds(tmp, *c) || (c[1] && fa_buf_adds(tmp, " ")))
			return -1;
	return fa_buf_add(tmp, "", 0);
}

static int row(fa_buf *out, fa_buf *tmp, const fa_report *r, const fa_result *res)
{
	const fa_check_meta *m = res->check;
	const char *base = "";
	const char *cells[18];
	size_t i, n = 0;

	if (r->has_baseline && res->baseline >= 0)
		base = res->baseline ? "existing" : "new";
	cells[n++] = res->fingerprint;
	cells[n++] = m ? m->id : "";
	cells[n++] = m && m->title ? m->title : "";
	cells[n++] = fa_severity_name(res->severity);
	cells[n++] = fa_status_name(res->status);
	cells[n++] = res->org ? res->org : (r->org ? r->org : "");
	cells[n++] = res->app;
	cells[n++] = res->resource_type;
	cells[n++] = res->resource_id;
	cells[n++] = res->resource_name;
	cells[n++] = res->region;
	cells[n++] = res->message;
	cells[n++] = m && m->remediation ? m->remediation : "";
	cells[n++] = base;
	cells[n++] = res->status == FA_STATUS_MUTED ? res->muted_reason : "";
	cells[n++] = res->status == FA_STATUS_MUTED ? res->muted_expires : "";
	for (i = 0; i < n; i++)
		if (fa_rpt_csv_cell(out, cells[i]) || fa_buf_adds(out, ","))
			return -1;
	if (controls(tmp, m, FA_FW_CIS_8_1) || fa_rpt_csv_cell(out, tmp->data) ||
	    fa_buf_adds(out, ",") || controls(tmp, m, FA_FW_SOC2) ||
	    fa_rpt_csv_cell(out, tmp->data))
		return -1;
	return fa_buf_adds(out, "\r\n");
}

int fa_report_csv_stream(const fa_report *r, const fa_report_counts *c,
			 const fa_result_iter *it, const fa_report_sink *sink)
{
	fa_rpt_out o;
	fa_buf tmp = FA_BUF_INIT(0);
	const fa_result *res = NULL;
	size_t i;
	int rc = -1, more;

	(void)c;
	fa_rpt_out_init(&o, sink);
	for (i = 0; header[i]; i++)
		if (fa_buf_adds(&o.buf, i ? "," : "") || fa_buf_adds(&o.buf, header[i]))
			goto cleanup;
	if (fa_buf_adds(&o.buf, "\r\n") || it->begin(it->ctx, FA_ORDER_CHECK) < 0)
		goto cleanup;
	while ((more = it->next(it->ctx, &res)) == 1)
		if (row(&o.buf, &tmp, r, res) || fa_rpt_out_flush(&o, FA_RPT_FLUSH_AT))
			goto cleanup;
	if (more < 0 || fa_rpt_out_flush(&o, 0))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&tmp);
	fa_rpt_out_release(&o);
	return rc;
}
