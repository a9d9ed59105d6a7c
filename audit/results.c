/* results.c: the result list of audit.h (add, take, sort, summary), severity and status
 * names, and result fingerprints. Pure: no I/O. */
#include "flyaudit/audit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

static const char *const severity_names[] = {
	[FA_SEV_INFO] = "info",
	[FA_SEV_LOW] = "low",
	[FA_SEV_MEDIUM] = "medium",
	[FA_SEV_HIGH] = "high",
	[FA_SEV_CRITICAL] = "critical",
	[FA_SEV_NONE] = "none",
};

static const char *const status_names[] = {
	[FA_STATUS_FAIL] = "fail",
	[FA_STATUS_PASS] = "pass",
	[FA_STATUS_MUTED] = "muted",
	[FA_STATUS_UNKNOWN] = "unknown",
	[FA_STATUS_MANUAL] = "manual",
};

const char *fa_severity_name(fa_severity s)
{
	if ((int)s < 0 || (int)s > (int)FA_SEV_NONE)
		return "invalid";
	return severity_names[s];
}

int fa_severity_parse(const char *s, fa_severity *out)
{
	int i;

	if (!s || !out)
		return -1;
	for (i = 0; i <= (int)FA_SEV_NONE; i++) {
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (fa_severity)i;
			return 0;
		}
	}
	if (strcmp(s, "never") == 0) {
		*out = FA_SEV_NONE;
		return 0;
	}
	return -1;
}

const char *fa_status_name(fa_status s)
{
	if ((int)s < 0 || (int)s >= (int)FA_STATUS_COUNT)
		return "invalid";
	return status_names[s];
}

int fa_status_parse(const char *s, fa_status *out)
{
	int i;

	if (!s || !out)
		return -1;
	for (i = 0; i < (int)FA_STATUS_COUNT; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (fa_status)i;
			return 0;
		}
	}
	return -1;
}

void fa_results_init(fa_results *rs)
{
	rs->items = NULL;
	rs->n = 0;
	rs->cap = 0;
}

static void result_release(fa_result *r)
{
	free(r->org);
	free(r->app);
	free(r->resource_type);
	free(r->resource_id);
	free(r->resource_name);
	free(r->region);
	free(r->message);
	free(r->file);
	free(r->muted_reason);
	free(r->muted_expires);
	memset(r, 0, sizeof(*r));
}

void fa_results_release(fa_results *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++)
		result_release(&rs->items[i]);
	free(rs->items);
	fa_results_init(rs);
}

void fa_results_filter(fa_results *rs, bool (*keep)(void *ud, const fa_result *r), void *ud)
{
	size_t i, k = 0;

	for (i = 0; i < rs->n; i++) {
		if (keep(ud, &rs->items[i])) {
			if (k != i)
				rs->items[k] = rs->items[i];
			k++;
		} else {
			result_release(&rs->items[i]);
		}
	}
	rs->n = k;
}

/* A copy of s (NULL stays NULL); *err set on OOM. With one_line, control bytes become
 * spaces. */
static char *copy_str(const char *s, bool one_line, bool *err)
{
	size_t n, i;
	char *c = NULL;

	if (!s)
		return NULL;
	n = strlen(s);
	c = malloc(n + 1);
	if (!c) {
		*err = true;
		return NULL;
	}
	memcpy(c, s, n + 1);
	if (one_line) {
		for (i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)c[i];

			if (ch < 0x20 || ch == 0x7f)
				c[i] = ' ';
		}
	}
	return c;
}

static int results_reserve(fa_results *rs, size_t extra)
{
	size_t want, cap;
	fa_result *items = NULL;

	if (extra > SIZE_MAX / sizeof(fa_result) - rs->n)
		return -1;
	want = rs->n + extra;
	if (want <= rs->cap)
		return 0;
	cap = rs->cap ? rs->cap : 16;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 / sizeof(fa_result) ? want : cap * 2;
	items = realloc(rs->items, cap * sizeof(fa_result));
	if (!items)
		return -1;
	rs->items = items;
	rs->cap = cap;
	return 0;
}

int fa_results_add(fa_results *rs, const fa_check_meta *check, fa_status status,
		   const char *org, const char *app, const char *resource_type,
		   const char *resource_id, const char *resource_name, const char *region,
		   const char *message)
{
	fa_result r;
	bool err = false;

	if (!rs || results_reserve(rs, 1) < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	r.check = check;
	r.status = status;
	r.severity = check ? check->severity : FA_SEV_NONE;
	r.baseline = -1;
	r.org = copy_str(org, false, &err);
	r.app = copy_str(app, false, &err);
	r.resource_type = copy_str(resource_type, false, &err);
	r.resource_id = copy_str(resource_id, false, &err);
	r.resource_name = copy_str(resource_name, false, &err);
	r.region = copy_str(region, false, &err);
	r.message = copy_str(message, true, &err);
	if (err) {
		result_release(&r);
		return -1;
	}
	fa_fingerprint(r.fingerprint, check ? check->id : NULL, org, app, resource_type,
		       resource_id);
	rs->items[rs->n++] = r;
	return 0;
}

int fa_result_set_location(fa_result *r, const char *file, unsigned line)
{
	bool err = false;
	char *c = NULL;

	if (!r)
		return -1;
	c = copy_str(file, true, &err);
	if (err)
		return -1;
	free(r->file);
	r->file = c;
	r->line = c ? line : 0;
	return 0;
}

int fa_results_take(fa_results *to, fa_results *from)
{
	if (!to || !from)
		return -1;
	if (from->n == 0)
		return 0;
	if (results_reserve(to, from->n) < 0)
		return -1;
	memcpy(to->items + to->n, from->items, from->n * sizeof(fa_result));
	to->n += from->n;
	free(from->items);
	fa_results_init(from);
	return 0;
}

/* NULL sorts before any string. */
static int cmp_str(const char *a, const char *b)
{
	if (a == b)
		return 0;
	if (!a)
		return -1;
	if (!b)
		return 1;
	return strcmp(a, b);
}

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

/* The documented keys first, then every other field, so the order is total. */
static int result_cmp(const void *pa, const void *pb)
{
	const fa_result *a = pa, *b = pb;
	int c;

	if ((c = cmp_str(a->check ? a->check->id : NULL, b->check ? b->check->id : NULL)))
		return c;
	if ((c = cmp_str(a->app, b->app)))
		return c;
	if ((c = cmp_str(a->resource_type, b->resource_type)))
		return c;
	if ((c = cmp_str(a->resource_id, b->resource_id)))
		return c;
	if ((c = cmp_str(a->file, b->file)))
		return c;
	if ((c = cmp_int((int)a->line, (int)b->line)))
		return c;
	if ((c = cmp_str(a->message, b->message)))
		return c;
	if ((c = cmp_int((int)a->status, (int)b->status)))
		return c;
	if ((c = cmp_int((int)a->severity, (int)b->severity)))
		return c;
	if ((c = cmp_str(a->org, b->org)))
		return c;
	if ((c = cmp_str(a->resource_name, b->resource_name)))
		return c;
	if ((c = cmp_str(a->region, b->region)))
		return c;
	if ((c = cmp_str(a->muted_reason, b->muted_reason)))
		return c;
	if ((c = cmp_str(a->muted_expires, b->muted_expires)))
		return c;
	return cmp_int(a->baseline, b->baseline);
}

void fa_results_sort(fa_results *rs)
{
	if (!rs || rs->n < 2)
		return;
	qsort(rs->items, rs->n, sizeof(fa_result), result_cmp);
}

void fa_fingerprint(char out[65], const char *check, const char *org, const char *app,
		    const char *resource_type, const char *resource_id)
{
	static const char hex[] = "0123456789abcdef";
	const char *parts[5];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0, i;
	EVP_MD_CTX *ctx = NULL;
	int ok;
	size_t k;

	parts[0] = check;
	parts[1] = org;
	parts[2] = app;
	parts[3] = resource_type;
	parts[4] = resource_id;
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (k = 0; ok && k < 5; k++) {
		if (k > 0)
			ok = EVP_DigestUpdate(ctx, "|", 1) == 1;
		if (ok && parts[k])
			ok = EVP_DigestUpdate(ctx, parts[k], strlen(parts[k])) == 1;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		/* only on OOM inside OpenSSL: an empty fingerprint, never garbage */
		out[0] = '\0';
		return;
	}
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[64] = '\0';
}

void fa_summary_of(const fa_results *rs, fa_summary *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!rs)
		return;
	for (i = 0; i < rs->n; i++) {
		const fa_result *r = &rs->items[i];

		out->total++;
		if ((int)r->status >= 0 && r->status < FA_STATUS_COUNT)
			out->by_status[r->status]++;
		if (r->status == FA_STATUS_FAIL && (int)r->severity >= 0 &&
		    r->severity <= FA_SEV_NONE)
			out->fail_by_severity[r->severity]++;
	}
}
