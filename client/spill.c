/* spill.c: the on-disk result store of spill.h: one block of compact records per app in an
 * unlinked temporary file, an index in memory, reads in check-major or app-major order. */
#include "spill.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Record: u32 length of the whole record, u16 check (0 none, else catalog index + 1),
 * u8 status, u8 severity, u8 baseline + 1, 65 bytes fingerprint, then N_STR strings, each
 * u32 length (NO_STR for NULL) + bytes + NUL (the last is the file), then u32 line. */
#define HEAD_LEN 6
#define FIXED_LEN (HEAD_LEN + 3 + 65)
#define N_STR 10
#define NO_STR UINT32_MAX
#define NO_CHECK UINT16_MAX
#define MAX_RECORD ((size_t)16 * 1024 * 1024)

#define NO_APP SIZE_MAX

typedef struct spill_entry {
	size_t app;    /* offset of the app's name in names; NO_APP: org-level results */
	uint64_t off;  /* block start in the file */
	uint32_t len;  /* block length */
	uint32_t cur;  /* check-major pass: next record, relative to off */
	uint32_t first_len, next_len;
	uint16_t first_check, next_check;
} spill_entry;

struct fa_spill {
	int fd;
	uint64_t size;
	spill_entry *e;
	size_t n, cap;
	fa_buf names;   /* app names packed one after another: no small allocation per app
			   stays behind to fragment the heap */
	size_t *sorted; /* entry indices by app name; built at the start of a pass */
	size_t n_sorted;
	fa_report_counts counts;
	size_t n_results;
	const fa_check_meta *checks;
	size_t n_checks;
	fa_buf w;
	/* reading */
	fa_result_order order;
	size_t pos;
	unsigned check;
	char *r;
	size_t rcap, rpos, rlen;
	fa_result cur;
	bool failed;
	char err[256];
};

static void fail(fa_spill *s, const char *what)
{
	if (!s->failed)
		snprintf(s->err, sizeof(s->err), "result store: %s: %s", what,
			 errno ? strerror(errno) : "out of memory");
	s->failed = true;
}

int fa_spill_open(fa_spill **out, char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	fa_spill *s = NULL;
	int fd;

	*out = NULL;
	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof(path), "%s/flyaudit-results.XXXXXX", dir) >= sizeof(path)) {
		snprintf(err, errlen, "TMPDIR is too long");
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(errno));
		return -1;
	}
	unlink(path); /* gone with the process, whatever happens */
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->fd = fd;
	s->checks = fa_checks(&s->n_checks);
	fa_buf_init(&s->w, 0);
	fa_buf_init(&s->names, 0);
	*out = s;
	return 0;
}

static uint16_t check_index(const fa_spill *s, const fa_check_meta *m)
{
	if (!m)
		return 0;
	if (m >= s->checks && m < s->checks + s->n_checks)
		return (uint16_t)(m - s->checks + 1);
	m = fa_check_find(m->id);
	return m ? (uint16_t)(m - s->checks + 1) : 0;
}

static int put_u32(fa_buf *b, uint32_t v)
{
	return fa_buf_add(b, &v, sizeof(v));
}

static int put_str(fa_buf *b, const char *str)
{
	size_t n;

	if (!str)
		return put_u32(b, NO_STR);
	n = strlen(str);
	if (n >= MAX_RECORD)
		return -1;
	return put_u32(b, (uint32_t)n) || fa_buf_add(b, str, n + 1);
}

static int put_record(fa_spill *s, const fa_result *r, uint16_t *check, uint32_t *len)
{
	size_t start = s->w.len;
	uint32_t rec_len = 0;
	uint16_t ck = check_index(s, r->check);
	unsigned char fixed[3];
	char fp[65];

	memset(fp, 0, sizeof(fp));
	memcpy(fp, r->fingerprint, strnlen(r->fingerprint, 64));
	fixed[0] = (unsigned char)r->status;
	fixed[1] = (unsigned char)r->severity;
	fixed[2] = (unsigned char)(r->baseline + 1);
	if (put_u32(&s->w, 0) || fa_buf_add(&s->w, &ck, sizeof(ck)) || fa_buf_add(&s->w, fixed, 3) ||
	    fa_buf_add(&s->w, fp, sizeof(fp)) || put_str(&s->w, r->org) || put_str(&s->w, r->app) ||
	    put_str(&s->w, r->resource_type) || put_str(&s->w, r->resource_id) ||
	    put_str(&s->w, r->resource_name) || put_str(&s->w, r->region) ||
	    put_str(&s->w, r->message) || put_str(&s->w, r->muted_reason) ||
	    put_str(&s->w, r->muted_expires) || put_str(&s->w, r->file) ||
	    put_u32(&s->w, (uint32_t)r->line))
		return -1;
	if (s->w.len - start > MAX_RECORD)
		return -1;
	rec_len = (uint32_t)(s->w.len - start);
	memcpy(s->w.data + start, &rec_len, sizeof(rec_len));
	*check = ck;
	*len = rec_len;
	return 0;
}

static int write_all(fa_spill *s, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(s->fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		n -= (size_t)k;
		s->size += (uint64_t)k;
	}
	return 0;
}

static bool same_app(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

int fa_spill_add(fa_spill *s, fa_results *rs)
{
	bool *done = NULL;
	size_t i, j, left;

	if (s->failed)
		return -1;
	if (!rs->n)
		return 0;
	fa_results_sort(rs);
	done = calloc(rs->n, sizeof(*done));
	if (!done) {
		errno = 0;
		fail(s, "out of memory");
		return -1;
	}
	/* one block per app of the batch (a batch is almost always one app) */
	for (left = rs->n, i = 0; left; i++) {
		spill_entry e;
		const char *app;

		if (done[i])
			continue;
		app = rs->items[i].app;
		memset(&e, 0, sizeof(e));
		e.off = s->size;
		fa_buf_reset(&s->w);
		for (j = i; j < rs->n; j++) {
			uint16_t ck = 0;
			uint32_t len = 0;

			if (done[j] || !same_app(rs->items[j].app, app))
				continue;
			errno = 0;
			if (put_record(s, &rs->items[j], &ck, &len) < 0) {
				fail(s, "cannot encode a result");
				goto fail;
			}
			if (j == i) {
				e.first_check = ck;
				e.first_len = len;
			}
			done[j] = true;
			left--;
		}
		if (s->w.len > UINT32_MAX) {
			errno = 0;
			fail(s, "one app has too many results");
			goto fail;
		}
		e.len = (uint32_t)s->w.len;
		if (write_all(s, s->w.data, s->w.len) < 0) {
			fail(s, "cannot write the temporary file");
			goto fail;
		}
		e.app = NO_APP;
		if (app) {
			e.app = s->names.len;
			if (fa_buf_add(&s->names, app, strlen(app) + 1) < 0) {
				errno = 0;
				fail(s, "out of memory");
				goto fail;
			}
		}
		if (s->n == s->cap) {
			size_t ncap = s->cap ? s->cap * 2 : 64;
			spill_entry *ne = realloc(s->e, ncap * sizeof(*ne));

			if (!ne) {
				errno = 0;
				fail(s, "out of memory");
				goto fail;
			}
			s->e = ne;
			s->cap = ncap;
		}
		s->e[s->n++] = e;
	}
	fa_buf_release(&s->w);
	free(done);
	fa_report_counts_add(&s->counts, rs);
	s->n_results += rs->n;
	return 0;
fail:
	fa_buf_release(&s->w);
	free(done);
	return -1;
}

const fa_report_counts *fa_spill_counts(const fa_spill *s)
{
	return &s->counts;
}

size_t fa_spill_count(const fa_spill *s)
{
	return s->n_results;
}

const char *fa_spill_error(const fa_spill *s)
{
	return s->err;
}

/* ---- reading ------------------------------------------------------------------- */

static const fa_spill *sort_ctx;

static const char *entry_app(const fa_spill *s, size_t i)
{
	return s->e[i].app == NO_APP ? NULL : s->names.data + s->e[i].app;
}

static int cmp_entry(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const char *x = entry_app(sort_ctx, a), *y = entry_app(sort_ctx, b);
	int c;

	if (!x || !y)
		c = x ? 1 : (y ? -1 : 0);
	else
		c = strcmp(x, y);
	if (c)
		return c;
	return a < b ? -1 : (a > b);
}

static int ensure_r(fa_spill *s, size_t n)
{
	char *p;

	if (n <= s->rcap)
		return 0;
	p = realloc(s->r, n);
	if (!p)
		return -1;
	s->r = p;
	s->rcap = n;
	return 0;
}

static int read_at(fa_spill *s, uint64_t off, size_t n)
{
	size_t got = 0;

	if (ensure_r(s, n) < 0)
		return -1;
	while (got < n) {
		ssize_t k = pread(s->fd, s->r + got, n - got, (off_t)(off + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static uint32_t get_u32(const char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Decodes the record at p (n bytes available) into s->cur; pointers go into the buffer. */
static int decode(fa_spill *s, char *p, size_t n, size_t *used)
{
	char **fields[N_STR];
	uint32_t len;
	uint16_t ck;
	size_t at = FIXED_LEN;
	int k;

	if (n < FIXED_LEN)
		return -1;
	len = get_u32(p);
	if (len < FIXED_LEN || len > n)
		return -1;
	ck = get_u16(p + 4);
	memset(&s->cur, 0, sizeof(s->cur));
	s->cur.check = ck && ck <= s->n_checks ? &s->checks[ck - 1] : NULL;
	s->cur.status = (fa_status)(unsigned char)p[6];
	s->cur.severity = (fa_severity)(unsigned char)p[7];
	s->cur.baseline = (int)(unsigned char)p[8] - 1;
	memcpy(s->cur.fingerprint, p + 9, 65);
	s->cur.fingerprint[64] = '\0';
	fields[0] = &s->cur.org;
	fields[1] = &s->cur.app;
	fields[2] = &s->cur.resource_type;
	fields[3] = &s->cur.resource_id;
	fields[4] = &s->cur.resource_name;
	fields[5] = &s->cur.region;
	fields[6] = &s->cur.message;
	fields[7] = &s->cur.muted_reason;
	fields[8] = &s->cur.muted_expires;
	fields[9] = &s->cur.file;
	for (k = 0; k < N_STR; k++) {
		uint32_t sl;

		if (at + 4 > len)
			return -1;
		sl = get_u32(p + at);
		at += 4;
		if (sl == NO_STR) {
			*fields[k] = NULL;
			continue;
		}
		if (sl >= len - at || p[at + sl] != '\0')
			return -1;
		*fields[k] = p + at;
		at += (size_t)sl + 1;
	}
	if (at + 4 > len)
		return -1;
	s->cur.line = s->cur.file ? get_u32(p + at) : 0;
	*used = len;
	return 0;
}

static int spill_begin(void *ctx, fa_result_order order)
{
	fa_spill *s = ctx;
	size_t i;

	if (s->failed)
		return -1;
	if (s->n_sorted != s->n) {
		size_t *ns = realloc(s->sorted, (s->n ? s->n : 1) * sizeof(*ns));

		if (!ns)
			return -1;
		s->sorted = ns;
		for (i = 0; i < s->n; i++)
			ns[i] = i;
		sort_ctx = s;
		if (s->n > 1)
			qsort(ns, s->n, sizeof(*ns), cmp_entry);
		sort_ctx = NULL;
		s->n_sorted = s->n;
	}
	s->order = order;
	s->pos = 0;
	s->check = 0;
	s->rpos = s->rlen = 0;
	for (i = 0; i < s->n; i++) {
		s->e[i].cur = 0;
		s->e[i].next_len = s->e[i].first_len;
		s->e[i].next_check = s->e[i].len ? s->e[i].first_check : NO_CHECK;
	}
	return 0;
}

static int next_by_app(fa_spill *s, const fa_result **out)
{
	size_t used = 0;

	while (s->rpos >= s->rlen) {
		spill_entry *e;

		if (s->pos >= s->n_sorted)
			return 0;
		e = &s->e[s->sorted[s->pos++]];
		if (read_at(s, e->off, e->len) < 0)
			return -1;
		s->rpos = 0;
		s->rlen = e->len;
	}
	if (decode(s, s->r + s->rpos, s->rlen - s->rpos, &used) < 0)
		return -1;
	s->rpos += used;
	*out = &s->cur;
	return 1;
}

/* check-major: for each check, the apps in name order, each app's records of that check */
static int next_by_check(fa_spill *s, const fa_result **out)
{
	for (;;) {
		spill_entry *e;
		size_t want, used = 0;
		bool more;

		if (s->check > s->n_checks)
			return 0;
		if (s->pos >= s->n_sorted) {
			s->check++;
			s->pos = 0;
			continue;
		}
		e = &s->e[s->sorted[s->pos]];
		if (e->cur >= e->len || e->next_check != s->check) {
			s->pos++;
			continue;
		}
		/* this record and the head of the next one, in one read */
		more = (uint64_t)e->cur + e->next_len < e->len;
		want = (size_t)e->next_len + (more ? HEAD_LEN : 0);
		if (read_at(s, e->off + e->cur, want) < 0 || decode(s, s->r, e->next_len, &used) < 0)
			return -1;
		e->cur += e->next_len;
		if (more) {
			e->next_len = get_u32(s->r + used);
			e->next_check = get_u16(s->r + used + 4);
		} else {
			e->next_check = NO_CHECK;
		}
		*out = &s->cur;
		return 1;
	}
}

static int spill_next(void *ctx, const fa_result **out)
{
	fa_spill *s = ctx;

	if (s->failed)
		return -1;
	return s->order == FA_ORDER_APP ? next_by_app(s, out) : next_by_check(s, out);
}

void fa_spill_iter(fa_spill *s, fa_result_iter *it)
{
	it->ctx = s;
	it->begin = spill_begin;
	it->next = spill_next;
}

void fa_spill_close(fa_spill *s)
{

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	fa_buf_release(&s->names);
	free(s->e);
	free(s->sorted);
	free(s->r);
	fa_buf_release(&s->w);
	free(s);
}
