/* policy.c: suppressions, baselines, the exit code and the diff of two reports.
 * Pure: file contents in, results/notices out; the clock is an argument. */
#include "flyaudit/policy.h"
#include "flyaudit/jsoncheck.h"
#include "report/internal.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define DAY_SECONDS 86400

static void set_err(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A short, printable copy of user text for an error message. */
static const char *clip(const char *s, char out[48])
{
	size_t i = 0;

	for (; s && *s && i < 40; s++)
		out[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	if (s && *s) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

static char *xstrdup(const char *s)
{
	size_t n;
	char *p = NULL;

	if (!s)
		return NULL;
	n = strlen(s);
	p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

/* Parses JSON from a buffer that need not be NUL-terminated; on error says where. */
static cJSON *parse_json(const char *text, size_t len, const char *label, char *err,
			 size_t errlen)
{
	const char *end = NULL;
	cJSON *root = NULL;
	size_t line = 1, i;

	if (!text) {
		set_err(err, errlen, "%s: empty", label);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root) {
		char why[160];

		if (fa_json_check(text, len, why, sizeof(why)) == 0)
			return root;
		cJSON_Delete(root);
		set_err(err, errlen, "%s: %s", label, why);
		return NULL;
	}
	if (end && end >= text && end <= text + len) {
		for (i = 0; i < (size_t)(end - text); i++)
			if (text[i] == '\n')
				line++;
		set_err(err, errlen, "%s: not valid JSON (line %zu)", label, line);
	} else {
		set_err(err, errlen, "%s: not valid JSON", label);
	}
	return NULL;
}

/* ---- dates ------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	long long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

int fa_policy_parse_expiry(const char *s, time_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	size_t n, i;
	long long t;

	if (!s || !out)
		return -1;
	n = strlen(s);
	if (n < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d))
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (n == 10) {
		t = (days_from_civil(y, (unsigned)mo, (unsigned)d) + 1) * DAY_SECONDS;
		goto done;
	}
	if (n < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || digits(s + 11, 2, &h) ||
	    s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	if (h > 23 || mi > 59 || se > 60)
		return -1;
	i = 19;
	if (s[i] == '.') {
		i++;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') {
		sign = 0;
	} else if ((s[i] == '+' || s[i] == '-') && n - i == 6 && !digits(s + i + 1, 2, &oh) &&
		   s[i + 3] == ':' && !digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
		sign = s[i] == '+' ? 1 : -1;
	} else {
		return -1;
	}
	t = days_from_civil(y, (unsigned)mo, (unsigned)d) * DAY_SECONDS + h * 3600LL +
	    mi * 60LL + se - sign * (oh * 3600LL + om * 60LL);
done:
	if ((long long)(time_t)t != t)
		return -1;
	*out = (time_t)t;
	return 0;
}

/* ---- suppressions ------------------------------------------------------------------ */

void fa_suppressions_init(fa_suppressions *s)
{
	s->items = NULL;
	s->n = 0;
	s->file_name = NULL;
}

static void suppression_free(fa_suppression *e)
{
	free(e->check);
	free(e->app);
	free(e->resource);
	free(e->reason);
	free(e->expires);
	free(e->owner);
	free(e->path);
}

void fa_suppressions_release(fa_suppressions *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		suppression_free(&s->items[i]);
	free(s->items);
	free(s->file_name);
	fa_suppressions_init(s);
}

static const char *const entry_fields[] = { "check", "app", "resource", "reason",
					    "expires", "owner", "path", NULL };

/* Reads an optional string field: 0 absent, 1 present (*out set), -1 bad type / empty. */
static int entry_string(const cJSON *entry, const char *field, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(entry, field);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return -1;
	*out = v->valuestring;
	return 1;
}

static int parse_entry(const cJSON *entry, size_t idx, const char *file, fa_suppression *e,
		       char *err, size_t errlen)
{
	const char *vals[7] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL };
	const cJSON *f = NULL;
	char c1[48];
	size_t i, k;

	if (!cJSON_IsObject(entry)) {
		set_err(err, errlen, "%s: entry %zu: not an object", file, idx);
		return -1;
	}
	for (f = entry->child; f; f = f->next) {
		const cJSON *g = NULL;
		int known = 0;
		for (k = 0; entry_fields[k]; k++)
			if (f->string && strcmp(f->string, entry_fields[k]) == 0)
				known = 1;
		if (!known) {
			set_err(err, errlen, "%s: entry %zu: unknown field \"%s\"", file, idx,
				clip(f->string, c1));
			return -1;
		}
		for (g = entry->child; g != f; g = g->next)
			if (strcmp(g->string, f->string) == 0) {
				set_err(err, errlen, "%s: entry %zu: duplicate field \"%s\"", file,
					idx, f->string);
				return -1;
			}
	}
	for (k = 0; entry_fields[k]; k++) {
		int rc = entry_string(entry, entry_fields[k], &vals[k]);
		bool required = k == 0 || k == 3 || k == 4;

		if (rc < 0) {
			set_err(err, errlen, "%s: entry %zu: \"%s\" must be a string", file, idx,
				entry_fields[k]);
			return -1;
		}
		if (rc == 0 && required) {
			set_err(err, errlen, "%s: entry %zu: missing \"%s\"", file, idx,
				entry_fields[k]);
			return -1;
		}
		if (rc == 1) {
			for (i = 0; vals[k][i] == ' ' || vals[k][i] == '\t'; i++)
				;
			if (vals[k][i] == '\0') {
				set_err(err, errlen, "%s: entry %zu: \"%s\" is empty", file, idx,
					entry_fields[k]);
				return -1;
			}
		}
	}
	if (!fa_check_find(vals[0])) {
		set_err(err, errlen, "%s: entry %zu: unknown check \"%s\" (see `flyaudit checks`)",
			file, idx, clip(vals[0], c1));
		return -1;
	}
	if (fa_policy_parse_expiry(vals[4], &e->expires_at)) {
		set_err(err, errlen,
			"%s: entry %zu: \"expires\" is not a date (YYYY-MM-DD or RFC 3339): \"%s\"",
			file, idx, clip(vals[4], c1));
		return -1;
	}
	e->entry = idx;
	e->check = xstrdup(vals[0]);
	e->app = xstrdup(vals[1]);
	e->resource = xstrdup(vals[2]);
	e->reason = xstrdup(vals[3]);
	e->expires = xstrdup(vals[4]);
	e->owner = xstrdup(vals[5]);
	e->path = xstrdup(vals[6]);
	for (k = 0; k < 7; k++) {
		char *const got[7] = { e->check, e->app, e->resource, e->reason, e->expires, e->owner,
				       e->path };
		if (vals[k] && !got[k]) {
			set_err(err, errlen, "%s: out of memory", file);
			return -1;
		}
	}
	return 0;
}

int fa_suppressions_parse(const char *text, size_t len, const char *file_name,
			  fa_suppressions *out, char *err, size_t errlen)
{
	const char *file = file_name ? file_name : "suppressions";
	cJSON *root = NULL;
	const cJSON *list = NULL, *entry = NULL;
	fa_suppressions tmp;
	size_t n, idx = 0;
	int rc = -1;

	fa_suppressions_init(&tmp);
	root = parse_json(text, len, file, err, errlen);
	if (!root)
		goto cleanup;
	if (cJSON_IsArray(root)) {
		list = root;
	} else if (cJSON_IsObject(root)) {
		list = cJSON_GetObjectItemCaseSensitive(root, "suppressions");
		if (!cJSON_IsArray(list)) {
			set_err(err, errlen, "%s: expected an array of entries or "
				"{\"suppressions\": [...]}", file);
			goto cleanup;
		}
	} else {
		set_err(err, errlen, "%s: expected an array of entries or {\"suppressions\": [...]}",
			file);
		goto cleanup;
	}
	n = (size_t)cJSON_GetArraySize(list);
	if (n) {
		tmp.items = calloc(n, sizeof(*tmp.items));
		if (!tmp.items) {
			set_err(err, errlen, "%s: out of memory", file);
			goto cleanup;
		}
	}
	cJSON_ArrayForEach(entry, list)
	{
		idx++;
		tmp.n = idx; /* so that release frees a half-filled entry */
		if (parse_entry(entry, idx, file, &tmp.items[idx - 1], err, errlen))
			goto cleanup;
	}
	tmp.file_name = xstrdup(file);
	if (!tmp.file_name) {
		set_err(err, errlen, "%s: out of memory", file);
		goto cleanup;
	}
	fa_suppressions_release(out);
	*out = tmp;
	fa_suppressions_init(&tmp);
	rc = 0;
cleanup:
	fa_suppressions_release(&tmp);
	cJSON_Delete(root);
	return rc;
}

/* A suppression's path: the file itself, or (ending in '/') every file under a folder. */
static bool path_matches(const char *want, const char *file)
{
	size_t n = strlen(want);

	if (!file)
		return false;
	if (n && want[n - 1] == '/')
		return strncmp(file, want, n) == 0;
	return strcmp(file, want) == 0;
}

static bool entry_matches(const fa_suppression *e, const fa_result *r)
{
	if (!r->check || strcmp(e->check, r->check->id) != 0)
		return false;
	if (e->app && (!r->app || strcmp(e->app, r->app) != 0))
		return false;
	if (e->resource && !((r->resource_id && strcmp(e->resource, r->resource_id) == 0) ||
			     (r->resource_name && strcmp(e->resource, r->resource_name) == 0)))
		return false;
	if (e->path && !path_matches(e->path, r->file))
		return false;
	return true;
}

static int describe_entry(fa_buf *b, const fa_suppressions *s, const fa_suppression *e)
{
	if (fa_buf_printf(b, "%s: entry %zu (check %s", s->file_name ? s->file_name : "suppressions",
			  e->entry, e->check))
		return -1;
	if (e->app && fa_buf_printf(b, ", app %s", e->app))
		return -1;
	if (e->resource && fa_buf_printf(b, ", resource %s", e->resource))
		return -1;
	if (e->path && fa_buf_printf(b, ", path %s", e->path))
		return -1;
	if (e->owner && fa_buf_printf(b, ", owner %s", e->owner))
		return -1;
	return fa_buf_adds(b, ")");
}

int fa_policy_apply_suppressions(const fa_suppressions *s, time_t now, fa_results *rs,
				 fa_report *notices_to)
{
	fa_buf note = FA_BUF_INIT(0);
	size_t i, k;
	int rc = -1;

	if (!s || !rs)
		return 0;
	for (k = 0; k < s->n && notices_to; k++) {
		const fa_suppression *e = &s->items[k];
		long long left = (long long)e->expires_at - (long long)now;

		if (left > (long long)FA_SUPPRESSION_WARN_DAYS * DAY_SECONDS)
			continue;
		fa_buf_reset(&note);
		if (describe_entry(&note, s, e))
			goto cleanup;
		if (left <= 0) {
			if (fa_buf_printf(&note, " expired on %s and no longer mutes anything",
					  e->expires))
				goto cleanup;
		} else {
			long long days = (left + DAY_SECONDS - 1) / DAY_SECONDS;
			if (fa_buf_printf(&note, " expires on %s (in %lld day%s)", e->expires, days,
					  days == 1 ? "" : "s"))
				goto cleanup;
		}
		if (fa_report_add_notice(notices_to, note.data))
			goto cleanup;
	}
	for (i = 0; i < rs->n; i++) {
		fa_result *r = &rs->items[i];

		if (r->status != FA_STATUS_FAIL)
			continue;
		for (k = 0; k < s->n; k++) {
			const fa_suppression *e = &s->items[k];
			char *reason = NULL, *expires = NULL;

			if (e->expires_at <= now || !entry_matches(e, r))
				continue;
			reason = xstrdup(e->reason);
			expires = xstrdup(e->expires);
			if (!reason || !expires) {
				free(reason);
				free(expires);
				goto cleanup;
			}
			free(r->muted_reason);
			free(r->muted_expires);
			r->muted_reason = reason;
			r->muted_expires = expires;
			r->status = FA_STATUS_MUTED;
			break;
		}
	}
	rc = 0;
cleanup:
	fa_buf_release(&note);
	return rc;
}

/* ---- baseline ---------------------------------------------------------------------- */

void fa_baseline_init(fa_baseline *b)
{
	b->fingerprints = NULL;
	b->n = 0;
}

void fa_baseline_release(fa_baseline *b)
{
	if (!b)
		return;
	free(b->fingerprints);
	fa_baseline_init(b);
}

static bool is_fingerprint(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[64] == '\0';
}

static int cmp_fp(const void *a, const void *b)
{
	return memcmp(a, b, 64);
}

/* Parses a report (v1, or v2 flattened) and checks its schema; returns its results array. */
static cJSON *load_report(const char *text, size_t len, const char *label, const cJSON **results,
			  char *err, size_t errlen)
{
	cJSON *root = parse_json(text, len, label, err, errlen);
	const cJSON *schema = NULL;

	if (!root)
		return NULL;
	schema = cJSON_GetObjectItemCaseSensitive(root, "schema");
	if (cJSON_IsObject(root) && cJSON_IsString(schema) &&
	    strcmp(schema->valuestring, FA_REPORT_SCHEMA_V2) == 0 && fa_rpt_json_flatten_v2(root) < 0) {
		set_err(err, errlen, "%s: a %s report without its orgs' results", label,
			FA_REPORT_SCHEMA_V2);
		cJSON_Delete(root);
		return NULL;
	}
	if (!cJSON_IsObject(root) || !cJSON_IsString(schema) ||
	    (strcmp(schema->valuestring, FA_REPORT_SCHEMA) != 0 &&
	     strcmp(schema->valuestring, FA_REPORT_SCHEMA_V2) != 0)) {
		set_err(err, errlen, "%s: not a %s report", label, FA_REPORT_SCHEMA);
		cJSON_Delete(root);
		return NULL;
	}
	*results = cJSON_GetObjectItemCaseSensitive(root, "results");
	if (!cJSON_IsArray(*results)) {
		set_err(err, errlen, "%s: no \"results\" array", label);
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* 1 when the result counts as a failure (fail or muted), 0 if not, -1 malformed. */
static int failing_result(const cJSON *res, bool *muted)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(res, "status");
	fa_status s;

	if (!cJSON_IsObject(res) || !cJSON_IsString(st) || fa_status_parse(st->valuestring, &s))
		return -1;
	*muted = s == FA_STATUS_MUTED;
	return s == FA_STATUS_FAIL || s == FA_STATUS_MUTED;
}

int fa_baseline_parse(const char *text, size_t len, const char *file_name, fa_baseline *out,
		      char *err, size_t errlen)
{
	const char *file = file_name ? file_name : "baseline";
	const cJSON *results = NULL, *res = NULL;
	cJSON *root = NULL;
	fa_baseline tmp;
	size_t idx = 0, n, w, i;
	int rc = -1;

	fa_baseline_init(&tmp);
	root = load_report(text, len, file, &results, err, errlen);
	if (!root)
		goto cleanup;
	n = (size_t)cJSON_GetArraySize(results);
	if (n) {
		tmp.fingerprints = calloc(n, sizeof(*tmp.fingerprints));
		if (!tmp.fingerprints) {
			set_err(err, errlen, "%s: out of memory", file);
			goto cleanup;
		}
	}
	cJSON_ArrayForEach(res, results)
	{
		const cJSON *fp = cJSON_GetObjectItemCaseSensitive(res, "fingerprint");
		bool muted = false;
		int f = failing_result(res, &muted);

		idx++;
		if (f < 0) {
			set_err(err, errlen, "%s: result %zu: missing or bad \"status\"", file, idx);
			goto cleanup;
		}
		if (!f)
			continue;
		if (!cJSON_IsString(fp) || !is_fingerprint(fp->valuestring)) {
			set_err(err, errlen, "%s: result %zu: bad \"fingerprint\"", file, idx);
			goto cleanup;
		}
		memcpy(tmp.fingerprints[tmp.n++], fp->valuestring, 65);
	}
	if (tmp.n > 1)
		qsort(tmp.fingerprints, tmp.n, sizeof(*tmp.fingerprints), cmp_fp);
	for (i = 0, w = 0; i < tmp.n; i++)
		if (w == 0 || memcmp(tmp.fingerprints[w - 1], tmp.fingerprints[i], 64) != 0)
			memmove(tmp.fingerprints[w++], tmp.fingerprints[i], 65);
	tmp.n = w;
	fa_baseline_release(out);
	*out = tmp;
	fa_baseline_init(&tmp);
	rc = 0;
cleanup:
	fa_baseline_release(&tmp);
	cJSON_Delete(root);
	return rc;
}

void fa_policy_apply_baseline(const fa_baseline *b, fa_results *rs)
{
	size_t i;

	for (i = 0; rs && i < rs->n; i++) {
		fa_result *r = &rs->items[i];

		if (r->status != FA_STATUS_FAIL && r->status != FA_STATUS_MUTED) {
			r->baseline = -1;
			continue;
		}
		r->baseline = (b && b->n &&
			       bsearch(r->fingerprint, b->fingerprints, b->n,
				       sizeof(*b->fingerprints), cmp_fp))
				      ? 1
				      : 0;
	}
}

/* ---- exit code --------------------------------------------------------------------- */

static bool counts(fa_severity sev, fa_severity fail_on)
{
	return fail_on != FA_SEV_NONE && sev != FA_SEV_NONE && sev >= fail_on;
}

int fa_policy_exit_code(const fa_results *rs, fa_severity fail_on, bool has_baseline,
			bool partial, bool config_error)
{
	size_t i;

	if (config_error)
		return 2;
	if (partial)
		return 3;
	for (i = 0; rs && i < rs->n; i++) {
		const fa_result *r = &rs->items[i];

		if (r->status != FA_STATUS_FAIL || !counts(r->severity, fail_on))
			continue;
		if (has_baseline && r->baseline == 1)
			continue;
		return 1;
	}
	return 0;
}

/* ---- diff -------------------------------------------------------------------------- */

void fa_diff_init(fa_diff *d)
{
	memset(d, 0, sizeof(*d));
}

static void diff_item_free(fa_diff_item *it)
{
	free(it->check);
	free(it->app);
	free(it->resource_type);
	free(it->resource_id);
	free(it->resource_name);
	free(it->message);
}

static void diff_list_release(fa_diff_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		diff_item_free(&l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

void fa_diff_release(fa_diff *d)
{
	if (!d)
		return;
	free(d->org);
	free(d->old_generated_at);
	free(d->new_generated_at);
	diff_list_release(&d->added);
	diff_list_release(&d->resolved);
	diff_list_release(&d->unchanged);
	fa_diff_init(d);
}

static int list_push(fa_diff_list *l, fa_diff_item *it)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		fa_diff_item *p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			return -1;
		l->items = p;
		l->cap = cap;
	}
	l->items[l->n++] = *it;
	memset(it, 0, sizeof(*it));
	return 0;
}

static const char *opt_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Reads the failing results of a report into `l`. */
static int read_items(const cJSON *results, const char *label, fa_diff_list *l, char *err,
		      size_t errlen)
{
	const cJSON *res = NULL;
	size_t idx = 0;

	cJSON_ArrayForEach(res, results)
	{
		fa_diff_item it;
		const cJSON *rsrc = cJSON_GetObjectItemCaseSensitive(res, "resource");
		const char *fp = opt_string(res, "fingerprint");
		const char *check = opt_string(res, "check");
		const char *sev = opt_string(res, "severity");
		bool muted = false;
		int f = failing_result(res, &muted);

		idx++;
		memset(&it, 0, sizeof(it));
		if (f < 0) {
			set_err(err, errlen, "%s: result %zu: missing or bad \"status\"", label, idx);
			return -1;
		}
		if (!f)
			continue;
		if (!is_fingerprint(fp) || !check || !sev || fa_severity_parse(sev, &it.severity) ||
		    !cJSON_IsObject(rsrc)) {
			set_err(err, errlen, "%s: result %zu: missing or bad fields", label, idx);
			return -1;
		}
		memcpy(it.fingerprint, fp, 65);
		it.muted = muted;
		it.check = xstrdup(check);
		it.app = xstrdup(opt_string(res, "app"));
		it.resource_type = xstrdup(opt_string(rsrc, "type") ? opt_string(rsrc, "type") : "");
		it.resource_id = xstrdup(opt_string(rsrc, "id") ? opt_string(rsrc, "id") : "");
		it.resource_name = xstrdup(opt_string(rsrc, "name"));
		it.message = xstrdup(opt_string(res, "message") ? opt_string(res, "message") : "");
		if (!it.check || (opt_string(res, "app") && !it.app) || !it.resource_type ||
		    !it.resource_id || (opt_string(rsrc, "name") && !it.resource_name) ||
		    !it.message || list_push(l, &it)) {
			diff_item_free(&it);
			set_err(err, errlen, "%s: out of memory", label);
			return -1;
		}
	}
	return 0;
}

static int cmp_item_fp(const void *pa, const void *pb)
{
	const fa_diff_item *a = pa, *b = pb;

	return memcmp(a->fingerprint, b->fingerprint, 64);
}

static int cmp_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a ? 1 : (b ? -1 : 0);
	return strcmp(a, b);
}

static int cmp_item_display(const void *pa, const void *pb)
{
	const fa_diff_item *a = pa, *b = pb;
	int c;

	if ((c = strcmp(a->check, b->check)) || (c = cmp_opt(a->app, b->app)) ||
	    (c = strcmp(a->resource_type, b->resource_type)) ||
	    (c = strcmp(a->resource_id, b->resource_id)))
		return c;
	return memcmp(a->fingerprint, b->fingerprint, 64);
}

static void list_sort(fa_diff_list *l, int (*cmp)(const void *, const void *))
{
	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), cmp);
}

/* Drops repeated fingerprints from a list sorted by fingerprint (keeps the first). */
static void list_dedupe(fa_diff_list *l)
{
	size_t i, w = 0;

	for (i = 0; i < l->n; i++) {
		if (w > 0 && cmp_item_fp(&l->items[w - 1], &l->items[i]) == 0) {
			diff_item_free(&l->items[i]);
			continue;
		}
		l->items[w++] = l->items[i];
	}
	l->n = w;
}

int fa_policy_diff(const char *old_json, size_t old_len, const char *new_json, size_t new_len,
		   fa_diff *out, char *err, size_t errlen)
{
	cJSON *old_root = NULL, *new_root = NULL;
	const cJSON *old_res = NULL, *new_res = NULL;
	fa_diff_list olds = { NULL, 0, 0 }, news = { NULL, 0, 0 };
	fa_diff d;
	const char *old_org = NULL, *new_org = NULL;
	size_t i = 0, j = 0;
	int rc = -1;

	fa_diff_init(&d);
	old_root = load_report(old_json, old_len, "old report", &old_res, err, errlen);
	if (!old_root)
		goto cleanup;
	new_root = load_report(new_json, new_len, "new report", &new_res, err, errlen);
	if (!new_root)
		goto cleanup;
	old_org = opt_string(old_root, "org");
	new_org = opt_string(new_root, "org");
	if (!old_org || !new_org || strcmp(old_org, new_org) != 0) {
		char c1[48], c2[48];
		set_err(err, errlen, "the reports are for different orgs (\"%s\" and \"%s\")",
			clip(old_org ? old_org : "", c1), clip(new_org ? new_org : "", c2));
		goto cleanup;
	}
	if (read_items(old_res, "old report", &olds, err, errlen) ||
	    read_items(new_res, "new report", &news, err, errlen))
		goto cleanup;
	list_sort(&olds, cmp_item_fp);
	list_sort(&news, cmp_item_fp);
	list_dedupe(&olds);
	list_dedupe(&news);
	while (i < olds.n || j < news.n) {
		int c = i >= olds.n ? 1 : j >= news.n ? -1 : cmp_item_fp(&olds.items[i], &news.items[j]);
		int bad;

		if (c < 0) {
			bad = list_push(&d.resolved, &olds.items[i++]);
		} else if (c > 0) {
			bad = list_push(&d.added, &news.items[j++]);
		} else {
			bad = list_push(&d.unchanged, &news.items[j++]);
			i++;
		}
		if (bad) {
			set_err(err, errlen, "out of memory");
			goto cleanup;
		}
	}
	list_sort(&d.added, cmp_item_display);
	list_sort(&d.resolved, cmp_item_display);
	list_sort(&d.unchanged, cmp_item_display);
	d.org = xstrdup(new_org);
	d.old_generated_at = xstrdup(opt_string(old_root, "generated_at") ?
				     opt_string(old_root, "generated_at") : "");
	d.new_generated_at = xstrdup(opt_string(new_root, "generated_at") ?
				     opt_string(new_root, "generated_at") : "");
	if (!d.org || !d.old_generated_at || !d.new_generated_at) {
		set_err(err, errlen, "out of memory");
		goto cleanup;
	}
	fa_diff_release(out);
	*out = d;
	fa_diff_init(&d);
	rc = 0;
cleanup:
	fa_diff_release(&d);
	diff_list_release(&olds);
	diff_list_release(&news);
	cJSON_Delete(old_root);
	cJSON_Delete(new_root);
	return rc;
}

int fa_diff_exit_code(const fa_diff *d, fa_severity fail_on)
{
	size_t i;

	for (i = 0; d && i < d->added.n; i++)
		if (!d->added.items[i].muted && counts(d->added.items[i].severity, fail_on))
			return 1;
	return 0;
}

static int text_item(fa_buf *out, const fa_diff_item *it)
{
	if (fa_buf_printf(out, "  [%s] ", fa_severity_name(it->severity)) ||
	    fa_rpt_escape(out, it->app ? it->app : "org", FA_ESC_TERMINAL) ||
	    fa_buf_adds(out, "  ") || fa_rpt_escape(out, it->check, FA_ESC_TERMINAL) ||
	    fa_buf_adds(out, "  ") || fa_rpt_escape(out, it->resource_type, FA_ESC_TERMINAL) ||
	    fa_buf_adds(out, " ") || fa_rpt_escape(out, it->resource_id, FA_ESC_TERMINAL))
		return -1;
	if (it->resource_name && (fa_buf_adds(out, " (") ||
				  fa_rpt_escape(out, it->resource_name, FA_ESC_TERMINAL) ||
				  fa_buf_adds(out, ")")))
		return -1;
	if (fa_buf_adds(out, ": ") || fa_rpt_escape(out, it->message, FA_ESC_TERMINAL) ||
	    fa_buf_adds(out, it->muted ? " (muted)\n" : "\n"))
		return -1;
	return 0;
}

static int text_list(fa_buf *out, const char *heading, const fa_diff_list *l)
{
	size_t i;

	if (fa_buf_printf(out, "%s (%zu)\n", heading, l->n))
		return -1;
	for (i = 0; i < l->n; i++)
		if (text_item(out, &l->items[i]))
			return -1;
	return fa_buf_adds(out, "\n");
}

int fa_diff_text(const fa_diff *d, fa_buf *out)
{
	size_t by_sev[FA_SEV_NONE + 1] = { 0 };
	size_t i;
	int v, first = 1;

	if (text_list(out, "New", &d->added) || text_list(out, "Resolved", &d->resolved) ||
	    text_list(out, "Unchanged", &d->unchanged))
		return -1;
	for (i = 0; i < d->added.n; i++)
		if ((int)d->added.items[i].severity >= 0 && d->added.items[i].severity <= FA_SEV_NONE)
			by_sev[d->added.items[i].severity]++;
	if (fa_rpt_escape(out, d->org, FA_ESC_TERMINAL) ||
	    fa_buf_printf(out, ": %zu new", d->added.n))
		return -1;
	for (v = FA_SEV_CRITICAL; v >= FA_SEV_INFO; v--) {
		if (!by_sev[v])
			continue;
		if (fa_buf_adds(out, first ? " (" : ", ") ||
		    fa_buf_printf(out, "%zu %s", by_sev[v], fa_severity_name((fa_severity)v)))
			return -1;
		first = 0;
	}
	if (!first && fa_buf_adds(out, ")"))
		return -1;
	return fa_buf_printf(out, ", %zu resolved, %zu unchanged\n", d->resolved.n,
			     d->unchanged.n);
}

static int json_list(cJSON *root, const char *key, const fa_diff_list *l)
{
	cJSON *arr = cJSON_AddArrayToObject(root, key);
	size_t i;

	if (!arr)
		return -1;
	for (i = 0; i < l->n; i++) {
		const fa_diff_item *it = &l->items[i];
		cJSON *o = cJSON_CreateObject();
		cJSON *rsrc = NULL;

		if (!o || !cJSON_AddItemToArray(arr, o)) {
			cJSON_Delete(o);
			return -1;
		}
		if (fa_rpt_json_add_string(o, "fingerprint", it->fingerprint) ||
		    fa_rpt_json_add_string(o, "check", it->check) ||
		    fa_rpt_json_add_string(o, "severity", fa_severity_name(it->severity)) ||
		    fa_rpt_json_add_string(o, "app", it->app))
			return -1;
		rsrc = cJSON_AddObjectToObject(o, "resource");
		if (!rsrc || fa_rpt_json_add_string(rsrc, "type", it->resource_type) ||
		    fa_rpt_json_add_string(rsrc, "id", it->resource_id))
			return -1;
		if (it->resource_name && fa_rpt_json_add_string(rsrc, "name", it->resource_name))
			return -1;
		if (fa_rpt_json_add_string(o, "message", it->message) ||
		    !cJSON_AddBoolToObject(o, "muted", it->muted))
			return -1;
	}
	return 0;
}

int fa_diff_json(const fa_diff *d, fa_buf *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *sum = NULL;
	int rc = -1;

	if (!root || fa_rpt_json_add_string(root, "schema", "flyaudit.diff/v1") ||
	    fa_rpt_json_add_string(root, "org", d->org ? d->org : "") ||
	    fa_rpt_json_add_string(root, "old_generated_at", d->old_generated_at) ||
	    fa_rpt_json_add_string(root, "new_generated_at", d->new_generated_at))
		goto cleanup;
	sum = cJSON_AddObjectToObject(root, "summary");
	if (!sum || fa_rpt_json_add_number(sum, "new", (double)d->added.n) ||
	    fa_rpt_json_add_number(sum, "resolved", (double)d->resolved.n) ||
	    fa_rpt_json_add_number(sum, "unchanged", (double)d->unchanged.n))
		goto cleanup;
	if (json_list(root, "new", &d->added) || json_list(root, "resolved", &d->resolved) ||
	    json_list(root, "unchanged", &d->unchanged))
		goto cleanup;
	rc = fa_rpt_json_print(root, out);
	cJSON_Delete(root);
	return rc;
cleanup:
	cJSON_Delete(root);
	fa_buf_release(out);
	return -1;
}
