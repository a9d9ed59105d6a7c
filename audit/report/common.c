/* report/common.c: the fa_report lifecycle and the escaping every writer shares
 * (UTF-8 repair, XML, terminal-safe text, URI segments). */
#include "flyaudit/report.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void fa_report_init(fa_report *r)
{
	memset(r, 0, sizeof(*r));
	fa_results_init(&r->results);
	r->fail_on = FA_SEV_HIGH;
}

void fa_report_release(fa_report *r)
{
	size_t i;

	for (i = 0; i < r->n_errors; i++) {
		free(r->errors[i].app);
		free(r->errors[i].endpoint);
		free(r->errors[i].message);
	}
	free(r->errors);
	r->errors = NULL;
	r->n_errors = 0;
	for (i = 0; i < r->n_notices; i++)
		free(r->notices[i]);
	free(r->notices);
	r->notices = NULL;
	r->n_notices = 0;
	fa_results_release(&r->results);
	fa_results_init(&r->results);
}

static char *dup_or_null(const char *s, int *oom)
{
	char *p = NULL;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	p = malloc(n + 1);
	if (!p) {
		*oom = 1;
		return NULL;
	}
	memcpy(p, s, n + 1);
	return p;
}

int fa_report_add_error(fa_report *r, const char *app, const char *endpoint, int status,
			const char *message)
{
	fa_coverage_error *grown = NULL;
	fa_coverage_error e = { NULL, NULL, 0, NULL };
	int oom = 0;

	e.app = dup_or_null(app, &oom);
	e.endpoint = dup_or_null(endpoint ? endpoint : "", &oom);
	e.message = dup_or_null(message ? message : "", &oom);
	e.status = status;
	if (oom)
		goto fail;
	grown = realloc(r->errors, (r->n_errors + 1) * sizeof(*grown));
	if (!grown)
		goto fail;
	r->errors = grown;
	r->errors[r->n_errors++] = e;
	return 0;
fail:
	free(e.app);
	free(e.endpoint);
	free(e.message);
	return -1;
}

int fa_report_add_notice(fa_report *r, const char *notice)
{
	char **grown = NULL;
	char *copy = NULL;
	int oom = 0;

	copy = dup_or_null(notice ? notice : "", &oom);
	if (!copy)
		return -1;
	grown = realloc(r->notices, (r->n_notices + 1) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -1;
	}
	r->notices = grown;
	r->notices[r->n_notices++] = copy;
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left) and its code point; 0 if invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		unsigned char d = s[i];
		if (i == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF))
			return 0;
		v = (v << 6) | (d & 0x3F);
	}
	*cp = v;
	return len;
}

static int is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
	       cp == 0x200E || cp == 0x200F || cp == 0x061C;
}

static int add_ch(fa_buf *out, char c)
{
	return fa_buf_add(out, &c, 1);
}

int fa_rpt_escape(fa_buf *out, const char *s, int mode);

int fa_report_escape_terminal(fa_buf *out, const char *s)
{
	return fa_rpt_escape(out, s, FA_ESC_TERMINAL);
}

int fa_rpt_escape(fa_buf *out, const char *s, int mode)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	size_t i = 0;

	while (i < n) {
		uint32_t cp = 0;
		size_t len = utf8_next(p + i, n - i, &cp);
		int rc = 0;

		if (len == 0) {
			/* one invalid byte */
			if (mode == FA_ESC_URI_SEGMENT || mode == FA_ESC_URI_PATH) {
				char e[3] = { '%', hex[p[i] >> 4], hex[p[i] & 15] };
				rc = fa_buf_add(out, e, 3);
			} else if (mode == FA_ESC_TERMINAL) {
				rc = add_ch(out, '?');
			} else {
				rc = fa_buf_add(out, "\xEF\xBF\xBD", 3);
			}
			if (rc)
				return -1;
			i++;
			continue;
		}
		switch (mode) {
		case FA_ESC_XML_TEXT:
		case FA_ESC_XML_ATTR:
			if (cp == '&')
				rc = fa_buf_adds(out, "&amp;");
			else if (cp == '<')
				rc = fa_buf_adds(out, "&lt;");
			else if (cp == '>')
				rc = fa_buf_adds(out, "&gt;");
			else if (cp == '"' && mode == FA_ESC_XML_ATTR)
				rc = fa_buf_adds(out, "&quot;");
			else if (cp == '\'' && mode == FA_ESC_XML_ATTR)
				rc = fa_buf_adds(out, "&apos;");
			else if (cp == '\t' || cp == '\n' || cp == '\r') {
				if (mode == FA_ESC_XML_ATTR)
					rc = fa_buf_printf(out, "&#%u;", (unsigned)cp);
				else
					rc = add_ch(out, (char)cp);
			} else if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF)
				rc = 0; /* not allowed in XML 1.0: dropped */
			else
				rc = fa_buf_add(out, p + i, len);
			break;
		case FA_ESC_HTML:
			if (cp == '&')
				rc = fa_buf_adds(out, "&amp;");
			else if (cp == '<')
				rc = fa_buf_adds(out, "&lt;");
			else if (cp == '>')
				rc = fa_buf_adds(out, "&gt;");
			else if (cp == '"')
				rc = fa_buf_adds(out, "&quot;");
			else if (cp == '\'')
				rc = fa_buf_adds(out, "&#39;");
			else if (cp == '\t' || cp == '\n')
				rc = add_ch(out, (char)cp);
			else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
				 cp == 0xFFFE || cp == 0xFFFF)
				rc = 0; /* not allowed in HTML text: dropped */
			else if (is_bidi_control(cp))
				rc = add_ch(out, '?');
			else
				rc = fa_buf_add(out, p + i, len);
			break;
		case FA_ESC_TERMINAL:
			if (cp == '\t' || cp == '\n' || cp == '\r')
				rc = add_ch(out, ' ');
			else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
				 is_bidi_control(cp))
				rc = add_ch(out, '?');
			else
				rc = fa_buf_add(out, p + i, len);
			break;
		case FA_ESC_URI_SEGMENT:
		case FA_ESC_URI_PATH:
			if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
			    (cp >= '0' && cp <= '9') || cp == '-' || cp == '.' || cp == '_' ||
			    cp == '~' || (cp == '/' && mode == FA_ESC_URI_PATH)) {
				rc = add_ch(out, (char)cp);
			} else {
				size_t k;
				for (k = 0; k < len && !rc; k++) {
					char e[3] = { '%', hex[p[i + k] >> 4], hex[p[i + k] & 15] };
					rc = fa_buf_add(out, e, 3);
				}
			}
			break;
		default:
			rc = fa_buf_add(out, p + i, len);
			break;
		}
		if (rc)
			return -1;
		i += len;
	}
	/* make sure data is non-NULL even for an empty string */
	return fa_buf_add(out, "", 0);
}

int fa_rpt_csv_cell(fa_buf *out, const char *s)
{
	fa_buf clean = FA_BUF_INIT(0);
	const char *p;
	int rc = -1;

	if (fa_rpt_escape(&clean, s ? s : "", FA_ESC_UTF8) || fa_buf_adds(out, "\""))
		goto cleanup;
	p = clean.data;
	if ((*p == '=' || *p == '+' || *p == '-' || *p == '@' || *p == '\t' || *p == '\r') &&
	    fa_buf_adds(out, "'"))
		goto cleanup;
	for (; *p; p++)
		if (fa_buf_add(out, p, 1) || (*p == '"' && fa_buf_add(out, p, 1)))
			goto cleanup;
	rc = fa_buf_adds(out, "\"");
cleanup:
	fa_buf_release(&clean);
	return rc;
}

char *fa_rpt_utf8_dup(const char *s)
{
	fa_buf b = FA_BUF_INIT(0);

	if (!s)
		return NULL;
	if (fa_rpt_escape(&b, s, FA_ESC_UTF8))
		return NULL;
	return fa_buf_detach(&b, NULL);
}

cJSON *fa_rpt_json_string(const char *s)
{
	cJSON *item = NULL;
	char *clean = NULL;

	if (!s)
		return cJSON_CreateNull();
	clean = fa_rpt_utf8_dup(s);
	if (!clean)
		return NULL;
	item = cJSON_CreateString(clean);
	free(clean);
	return item;
}

int fa_rpt_json_add_string(cJSON *obj, const char *key, const char *s)
{
	cJSON *item = fa_rpt_json_string(s);

	if (!item)
		return -1;
	if (!cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return -1;
	}
	return 0;
}

int fa_rpt_json_add_number(cJSON *obj, const char *key, double v)
{
	return cJSON_AddNumberToObject(obj, key, v) ? 0 : -1;
}

int fa_rpt_json_print(const cJSON *root, fa_buf *out)
{
	char *text = cJSON_Print(root);
	int rc;

	if (!text) {
		fa_buf_release(out);
		return -1;
	}
	rc = fa_buf_adds(out, text);
	cJSON_free(text);
	if (rc)
		return -1;
	return fa_buf_add(out, "\n", 1);
}

/* ---- streaming helpers -------------------------------------------------------- */

void fa_report_counts_add(fa_report_counts *c, const fa_results *rs)
{
	fa_summary s;
	size_t i;
	int k;

	if (!rs)
		return;
	fa_summary_of(rs, &s);
	c->summary.total += s.total;
	for (k = 0; k < FA_STATUS_COUNT; k++)
		c->summary.by_status[k] += s.by_status[k];
	for (k = 0; k <= FA_SEV_NONE; k++)
		c->summary.fail_by_severity[k] += s.fail_by_severity[k];
	for (i = 0; i < rs->n; i++)
		if (rs->items[i].status == FA_STATUS_FAIL && rs->items[i].baseline != 1)
			c->new_fails++;
}

static int cmp_app_ptr(const void *pa, const void *pb)
{
	const fa_result *a = *(const fa_result *const *)pa, *b = *(const fa_result *const *)pb;
	int c = 0;

	if (!a->app || !b->app)
		c = a->app ? 1 : (b->app ? -1 : 0);
	else
		c = strcmp(a->app, b->app);
	if (c)
		return c;
	return a < b ? -1 : (a > b); /* stable: the list's own order */
}

static int mem_begin(void *ctx, fa_result_order order)
{
	fa_result_mem_iter *m = ctx;
	size_t i;

	m->order = order;
	m->pos = 0;
	if (order == FA_ORDER_APP && !m->by_app && m->rs->n) {
		m->by_app = calloc(m->rs->n, sizeof(*m->by_app));
		if (!m->by_app)
			return -1;
		for (i = 0; i < m->rs->n; i++)
			m->by_app[i] = &m->rs->items[i];
		qsort(m->by_app, m->rs->n, sizeof(*m->by_app), cmp_app_ptr);
	}
	return 0;
}

static int mem_next(void *ctx, const fa_result **out)
{
	fa_result_mem_iter *m = ctx;

	if (m->pos >= m->rs->n)
		return 0;
	*out = m->order == FA_ORDER_APP ? m->by_app[m->pos] : &m->rs->items[m->pos];
	m->pos++;
	return 1;
}

void fa_result_iter_memory(fa_result_iter *it, fa_result_mem_iter *ctx, const fa_results *rs)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->rs = rs;
	it->ctx = ctx;
	it->begin = mem_begin;
	it->next = mem_next;
}

void fa_result_mem_iter_release(fa_result_mem_iter *ctx)
{
	free(ctx->by_app);
	ctx->by_app = NULL;
}

void fa_rpt_out_init(fa_rpt_out *o, const fa_report_sink *sink)
{
	fa_buf_init(&o->buf, 0);
	o->sink = sink;
}

int fa_rpt_out_flush(fa_rpt_out *o, size_t at)
{
	if (o->buf.len == 0 || o->buf.len < at)
		return 0;
	if (o->sink->write(o->sink->ud, o->buf.data, o->buf.len) < 0) {
		fa_buf_release(&o->buf);
		return -1;
	}
	fa_buf_reset(&o->buf);
	return 0;
}

void fa_rpt_out_release(fa_rpt_out *o)
{
	fa_buf_release(&o->buf);
}

int fa_rpt_add_indented(fa_buf *out, const char *text, const char *indent)
{
	const char *p = text, *nl;

	while ((nl = strchr(p, '\n')) != NULL) {
		if (fa_buf_add(out, p, (size_t)(nl - p) + 1) || fa_buf_adds(out, indent))
			return -1;
		p = nl + 1;
	}
	return fa_buf_adds(out, p);
}

int fa_rpt_json_split(const cJSON *root, const char *marker_printed, char **text,
		      size_t *head_len, const char **tail)
{
	char *t = cJSON_Print(root);
	const char *hit = NULL, *p;
	size_t mlen = strlen(marker_printed);

	*text = NULL;
	if (!t)
		return -1;
	/* the last occurrence: the list sits after anything taken from outside */
	for (p = t; (p = strstr(p, marker_printed)) != NULL; p++)
		hit = p;
	if (!hit) {
		cJSON_free(t);
		return -1;
	}
	*text = t;
	*head_len = (size_t)(hit - t);
	*tail = hit + mlen;
	return 0;
}

int fa_rpt_json_flatten_v2(cJSON *root)
{
	cJSON *orgs = cJSON_GetObjectItemCaseSensitive(root, "orgs"), *org = NULL, *all = NULL;
	fa_buf label = FA_BUF_INIT(0);
	size_t n = 0;
	int rc = -1;

	if (!cJSON_IsArray(orgs) || cJSON_HasObjectItem(root, "results") ||
	    cJSON_HasObjectItem(root, "org") || !(all = cJSON_AddArrayToObject(root, "results")))
		return -1;
	cJSON_ArrayForEach(org, orgs) {
		cJSON *res = cJSON_GetObjectItemCaseSensitive(org, "results"), *item;
		const cJSON *slug = cJSON_GetObjectItemCaseSensitive(org, "org");

		if (!cJSON_IsArray(res) || !cJSON_IsString(slug) ||
		    (n++ && fa_buf_adds(&label, ", ")) || fa_buf_adds(&label, slug->valuestring))
			goto cleanup;
		while ((item = cJSON_DetachItemFromArray(res, 0)) != NULL)
			cJSON_AddItemToArray(all, item);
	}
	if (!n || !cJSON_AddStringToObject(root, "org", label.data))
		goto cleanup;
	rc = 0;
cleanup:
	fa_buf_release(&label);
	return rc;
}

static int buf_sink_write(void *ud, const char *data, size_t len)
{
	return fa_buf_add(ud, data, len);
}

int fa_rpt_render_memory(const fa_report *r, bool color, fa_rpt_stream_fn fn, fa_buf *out)
{
	fa_report_counts c;
	fa_result_mem_iter m;
	fa_result_iter it;
	fa_report_sink sink = { buf_sink_write, out };
	int rc;

	memset(&c, 0, sizeof(c));
	fa_report_counts_add(&c, &r->results);
	fa_result_iter_memory(&it, &m, &r->results);
	rc = fn(r, &c, color, &it, &sink);
	fa_result_mem_iter_release(&m);
	if (rc)
		fa_buf_release(out);
	return rc;
}
