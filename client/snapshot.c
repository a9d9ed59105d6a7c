/* snapshot.c: the inventory as JSON Lines: a streaming writer (PATH.tmp, mode 0600,
 * rename into place, --resume) and a reader that holds one app line at a time. */
#include "flyaudit/snapshot.h"
#include "flyaudit/jsoncheck.h"
#include "flyaudit/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "flyaudit/buf.h"
#include "model_json.h"

#define BLOCK 65536
#define MAX_DEPTH 64 /* an app line nests about 10 deep */

/* ---- reading lines with a cap ----------------------------------------------------------- */

enum { LR_OK = 0, LR_ELONG = -1, LR_EIO = -2, LR_ENOMEM = -3 };

typedef struct line_reader {
	FILE *f;
	char *blk;
	size_t pos, len;
	bool eof;
	fa_buf line;
	size_t max;
	unsigned long lineno; /* of the line in `line` */
	long long off;        /* bytes consumed so far (the end of `line`) */
	bool last_nl;         /* `line` ended with a newline */
} line_reader;

static int lr_init(line_reader *lr, FILE *f, size_t max)
{
	memset(lr, 0, sizeof(*lr));
	lr->f = f;
	lr->max = max ? max : FA_SNAPSHOT_MAX_LINE;
	fa_buf_init(&lr->line, lr->max);
	lr->blk = malloc(BLOCK);
	return lr->blk ? 0 : -1;
}

static void lr_release(line_reader *lr)
{
	free(lr->blk);
	lr->blk = NULL;
	fa_buf_release(&lr->line);
}

/* Reads the next line (without its newline, nor a '\r' before it) into lr->line.
 * *got is false at the end of the file. */
static int lr_next(line_reader *lr, bool *got)
{
	bool any = false;

	*got = false;
	fa_buf_reset(&lr->line);
	for (;;) {
		char *start = NULL, *nl = NULL;
		size_t n;

		if (lr->pos == lr->len) {
			if (lr->eof)
				break;
			lr->pos = 0;
			lr->len = fread(lr->blk, 1, BLOCK, lr->f);
			if (lr->len == 0) {
				if (ferror(lr->f))
					return LR_EIO;
				lr->eof = true;
				break;
			}
		}
		start = lr->blk + lr->pos;
		nl = memchr(start, '\n', lr->len - lr->pos);
		n = nl ? (size_t)(nl - start) : lr->len - lr->pos;
		any = true;
		if (n) {
			if (n > lr->max - lr->line.len)
				return LR_ELONG;
			if (fa_buf_add(&lr->line, start, n))
				return LR_ENOMEM;
		}
		lr->pos += n + (nl ? 1 : 0);
		lr->off += (long long)(n + (nl ? 1 : 0));
		if (nl) {
			lr->last_nl = true;
			break;
		}
		lr->last_nl = false;
	}
	if (!any)
		return LR_OK;
	lr->lineno++;
	*got = true;
	if (lr->line.len && lr->line.data[lr->line.len - 1] == '\r')
		lr->line.data[--lr->line.len] = '\0';
	return LR_OK;
}

static const char *lr_data(const line_reader *lr)
{
	return lr->line.data ? lr->line.data : "";
}

static bool lr_blank(const line_reader *lr)
{
	const char *s = lr_data(lr);
	size_t i;

	for (i = 0; i < lr->line.len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* The next line that is not blank; *got false at EOF. */
static int lr_next_content(line_reader *lr, bool *got)
{
	int rc;

	do {
		rc = lr_next(lr, got);
	} while (rc == LR_OK && *got && lr_blank(lr));
	return rc;
}

static const char *lr_strerror(int rc)
{
	switch (rc) {
	case LR_ELONG: return "line too long";
	case LR_EIO: return "read error";
	default: return "out of memory";
	}
}

static bool too_deep(const char *s, size_t n)
{
	bool in_str = false;
	int depth = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > MAX_DEPTH)
				return true;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return false;
}

/* Parses the current line into an object. Returns NULL with `why` set. */
static cJSON *lr_parse(const line_reader *lr, const char **why)
{
	const char *s = lr_data(lr);
	const char *end = NULL;
	cJSON *j = NULL;

	if (memchr(s, '\0', lr->line.len)) {
		*why = "NUL byte in line";
		return NULL;
	}
	if (too_deep(s, lr->line.len)) {
		*why = "JSON nested too deep";
		return NULL;
	}
	j = cJSON_ParseWithLengthOpts(s, lr->line.len, &end, 0);
	if (!j) {
		*why = "not valid JSON";
		return NULL;
	}
	while (end && end < s + lr->line.len && (*end == ' ' || *end == '\t' || *end == '\r'))
		end++;
	if (!end || end != s + lr->line.len) {
		cJSON_Delete(j);
		*why = "not valid JSON (text after the object)";
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		*why = "not a JSON object";
		return NULL;
	}
	if (fa_json_check(s, lr->line.len, NULL, 0) < 0) {
		cJSON_Delete(j);
		*why = "malformed JSON (a repeated key, or an escaped NUL in a string)";
		return NULL;
	}
	return j;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- writer ------------------------------------------------------------------------------ */

struct fa_snapshot_writer {
	char *path;
	fa_outfile out;      /* the temporary file (out.tmp), or the target written in place */
	FILE *f;
	FILE *prev;          /* resume: the previous file, copied after the new header */
	long long prev_off;  /* where its app lines start */
	size_t prev_apps;    /* how many app lines to copy */
	char *prev_org;
	char **names;        /* sorted names of the resumed apps */
	size_t n_names;
	size_t n_apps;       /* app lines in the new file */
	bool header_done;
	bool failed;
	bool io_failed;      /* the temp file itself may be damaged */
	char err[FA_SNAPSHOT_ERRLEN];
};

/* What a message names: the temporary file, or the target written in place. */
#define TMPNAME(w) ((w)->out.tmp ? (w)->out.tmp : (w)->path)

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void writer_free(fa_snapshot_writer *w)
{
	size_t i;

	if (!w)
		return;
	if (w->prev)
		fclose(w->prev);
	for (i = 0; i < w->n_names; i++)
		free(w->names[i]);
	free(w->names);
	free(w->prev_org);
	free(w->path);
	free(w->out.path);
	free(w->out.tmp);
	free(w);
}

static int add_name(fa_snapshot_writer *w, const char *name)
{
	char **grown = NULL;
	char *copy = dup_str(name);

	if (!copy)
		return -1;
	grown = realloc(w->names, (w->n_names + 1) * sizeof(*grown));
	if (!grown) {
		free(copy);
		return -1;
	}
	w->names = grown;
	w->names[w->n_names++] = copy;
	return 0;
}

/* Reads a previous snapshot for --resume: its header (the schema must match), then its
 * app lines, validated, until the closing line or EOF. A line that does not parse is
 * dropped when it is the last one (cut mid-write), an error otherwise. */
static int scan_previous(fa_snapshot_writer *w, char *err, size_t errlen)
{
	line_reader lr;
	cJSON *j = NULL;
	fa_inventory inv;
	fa_app app;
	const char *why = NULL;
	char reason[FA_SNAPSHOT_ERRLEN];
	bool got = false;
	int rc = -1, lrc;

	memset(&inv, 0, sizeof(inv));
	fa_app_init(&app);
	if (lr_init(&lr, w->prev, 0)) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	lrc = lr_next_content(&lr, &got);
	if (lrc) {
		snprintf(err, errlen, "%s:%lu: %s", w->path, lr.lineno + 1, lr_strerror(lrc));
		goto cleanup;
	}
	if (!got) {
		rc = 0; /* empty: nothing to resume */
		goto cleanup;
	}
	j = lr_parse(&lr, &why);
	if (!j) {
		lrc = lr_next_content(&lr, &got);
		if (lrc == LR_OK && !got) {
			rc = 0; /* only a cut header: nothing to resume */
			goto cleanup;
		}
		snprintf(err, errlen, "%s:1: %s", w->path, why);
		goto cleanup;
	}
	if (fa_mj_header_from(j, &inv, reason, sizeof(reason))) {
		snprintf(err, errlen, "%s:%lu: %s", w->path, lr.lineno, reason);
		goto cleanup;
	}
	cJSON_Delete(j);
	j = NULL;
	if (inv.org && !(w->prev_org = dup_str(inv.org))) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	w->prev_off = lr.off;
	for (;;) {
		const cJSON *a = NULL;
		unsigned long lineno;

		lrc = lr_next_content(&lr, &got);
		if (lrc) {
			snprintf(err, errlen, "%s:%lu: %s", w->path, lr.lineno + 1, lr_strerror(lrc));
			goto cleanup;
		}
		if (!got)
			break;
		lineno = lr.lineno;
		j = lr_parse(&lr, &why);
		if (!j) {
			lrc = lr_next_content(&lr, &got);
			if (lrc == LR_OK && !got)
				break; /* a cut last line: dropped */
			snprintf(err, errlen, "%s:%lu: %s (not resuming)", w->path, lineno, why);
			goto cleanup;
		}
		if (cJSON_GetObjectItemCaseSensitive(j, "end"))
			break;
		a = cJSON_GetObjectItemCaseSensitive(j, "app");
		if (!a) {
			snprintf(err, errlen, "%s:%lu: neither an app nor the closing line", w->path,
				 lineno);
			goto cleanup;
		}
		if (fa_mj_app_from(a, "app", &app, reason, sizeof(reason))) {
			snprintf(err, errlen, "%s:%lu: %s", w->path, lineno, reason);
			goto cleanup;
		}
		if (app.name && add_name(w, app.name)) {
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
		w->prev_apps++;
		fa_app_release(&app);
		cJSON_Delete(j);
		j = NULL;
	}
	if (w->n_names > 1)
		qsort(w->names, w->n_names, sizeof(*w->names), cmp_names);
	rc = 0;
cleanup:
	cJSON_Delete(j);
	fa_app_release(&app);
	fa_inventory_release(&inv);
	lr_release(&lr);
	return rc;
}

int fa_snapshot_open(fa_snapshot_writer **out, const char *path, bool resume, char *err,
		     size_t errlen)
{
	fa_snapshot_writer *w = NULL;

	*out = NULL;
	if (!path || !*path) {
		snprintf(err, errlen, "no snapshot path");
		return -1;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = dup_str(path))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	w->out.fd = -1;
	if (resume) {
		w->prev = fopen(path, "rbe");
		if (!w->prev && errno != ENOENT) {
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
			goto fail;
		}
		if (w->prev && scan_previous(w, err, errlen))
			goto fail;
		if (w->prev && w->prev_apps == 0) {
			fclose(w->prev);
			w->prev = NULL;
		}
	}
	if (fa_outfile_open(&w->out, path, err, errlen) < 0)
		goto fail;
	w->f = fdopen(w->out.fd, "wb");
	if (!w->f) {
		snprintf(err, errlen, "cannot open '%s': %s", TMPNAME(w), strerror(errno));
		fa_outfile_discard(&w->out);
		goto fail;
	}
	w->out.fd = -1; /* the FILE owns it now */
	*out = w;
	return 0;
fail:
	writer_free(w);
	return -1;
}

bool fa_snapshot_has_app(const fa_snapshot_writer *w, const char *name)
{
	if (!w || !name || !w->n_names)
		return false;
	return bsearch(&name, w->names, w->n_names, sizeof(*w->names), cmp_names) != NULL;
}

size_t fa_snapshot_resumed_apps(const fa_snapshot_writer *w)
{
	return w ? w->prev_apps : 0;
}

const char *fa_snapshot_writer_error(const fa_snapshot_writer *w)
{
	return w ? w->err : "no writer";
}

static int wfail(fa_snapshot_writer *w, const char *what)
{
	w->failed = true;
	snprintf(w->err, sizeof(w->err), "%s", what);
	return -1;
}

static int wfail_io(fa_snapshot_writer *w)
{
	w->failed = true;
	w->io_failed = true;
	snprintf(w->err, sizeof(w->err), "cannot write '%s': %s", TMPNAME(w),
		 strerror(errno ? errno : EIO));
	return -1;
}

/* Writes one line from a cJSON tree (consumed). */
static int write_json_line(fa_snapshot_writer *w, cJSON *j)
{
	char *s = NULL;
	size_t n;
	int rc = 0;

	if (!j)
		return wfail(w, "out of memory");
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!s)
		return wfail(w, "out of memory");
	n = strlen(s);
	errno = 0;
	if (fwrite(s, 1, n, w->f) != n || fputc('\n', w->f) == EOF || fflush(w->f) != 0)
		rc = wfail_io(w);
	free(s);
	return rc;
}

static int copy_previous(fa_snapshot_writer *w)
{
	line_reader lr;
	size_t copied = 0;
	bool got = false;
	int rc = -1, lrc;

	if (lr_init(&lr, w->prev, 0))
		return wfail(w, "out of memory");
	if (fseeko(w->prev, (off_t)w->prev_off, SEEK_SET) != 0) {
		snprintf(w->err, sizeof(w->err), "cannot reread '%s': %s", w->path,
			 strerror(errno));
		w->failed = true;
		w->io_failed = true;
		goto cleanup;
	}
	while (copied < w->prev_apps) {
		lrc = lr_next_content(&lr, &got);
		if (lrc || !got) {
			snprintf(w->err, sizeof(w->err), "'%s' changed while resuming", w->path);
			w->failed = true;
			w->io_failed = true;
			goto cleanup;
		}
		errno = 0;
		if (fwrite(lr_data(&lr), 1, lr.line.len, w->f) != lr.line.len ||
		    fputc('\n', w->f) == EOF) {
			wfail_io(w);
			goto cleanup;
		}
		copied++;
	}
	w->n_apps += copied;
	errno = 0;
	if (fflush(w->f) != 0) {
		wfail_io(w);
		goto cleanup;
	}
	rc = 0;
cleanup:
	lr_release(&lr);
	fclose(w->prev);
	w->prev = NULL;
	return rc;
}

int fa_snapshot_write_header(fa_snapshot_writer *w, const fa_inventory *inv)
{
	if (!w || !inv)
		return -1;
	if (w->failed)
		return -1;
	if (w->header_done)
		return wfail(w, "the header is already written");
	if (w->prev_org && inv->org && strcmp(w->prev_org, inv->org) != 0) {
		w->failed = true;
		snprintf(w->err, sizeof(w->err),
			 "cannot resume: '%s' is a snapshot of org '%.64s', not '%.64s'", w->path,
			 w->prev_org, inv->org);
		return -1;
	}
	if (write_json_line(w, fa_mj_header(inv)))
		return -1;
	w->header_done = true;
	if (w->prev && copy_previous(w))
		return -1;
	return 0;
}

int fa_snapshot_write_app(fa_snapshot_writer *w, const fa_app *app)
{
	cJSON *line = NULL, *a = NULL;

	if (!w || !app)
		return -1;
	if (w->failed)
		return -1;
	if (!w->header_done)
		return wfail(w, "an app before the header");
	line = cJSON_CreateObject();
	a = fa_mj_app(app);
	if (!line || !a || !cJSON_AddItemToObject(line, "app", a)) {
		cJSON_Delete(a);
		cJSON_Delete(line);
		return wfail(w, "out of memory");
	}
	if (write_json_line(w, line))
		return -1;
	w->n_apps++;
	return 0;
}

static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int fd;

	if (!slash) {
		dir = dup_str(".");
	} else {
		size_t n = (size_t)(slash - path);

		dir = malloc(n + 2);
		if (dir) {
			memcpy(dir, path, n ? n : 1);
			dir[n ? n : 1] = '\0';
		}
	}
	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return;
	(void)fsync(fd); /* best effort: the rename is what matters */
	close(fd);
}

/* Flushes, fsyncs and closes the temp file. */
static int finish_file(fa_snapshot_writer *w)
{
	int rc = 0;

	errno = 0;
	if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0)
		rc = wfail_io(w);
	if (fclose(w->f) != 0 && !rc)
		rc = wfail_io(w);
	w->f = NULL;
	return rc;
}

static int move_into_place(fa_snapshot_writer *w)
{
	if (!w->out.tmp)
		return 0; /* written in place */
	if (rename(w->out.tmp, w->path) != 0) {
		w->failed = true;
		snprintf(w->err, sizeof(w->err), "cannot rename '%s' to '%s': %s", w->out.tmp, w->path,
			 strerror(errno));
		unlink(w->out.tmp);
		return -1;
	}
	sync_dir(w->path);
	return 0;
}

int fa_snapshot_close(fa_snapshot_writer *w, bool complete, char *err, size_t errlen)
{
	cJSON *end = NULL;
	int rc = -1;

	if (!w) {
		snprintf(err, errlen, "no writer");
		return -1;
	}
	if (!w->failed && !w->header_done)
		wfail(w, "no header was written");
	if (!w->failed) {
		end = cJSON_CreateObject();
		if (end && (!cJSON_AddTrueToObject(end, "end") ||
			    !cJSON_AddNumberToObject(end, "apps", (double)w->n_apps) ||
			    !cJSON_AddBoolToObject(end, "complete", complete ? 1 : 0))) {
			cJSON_Delete(end);
			end = NULL;
		}
		(void)write_json_line(w, end);
	}
	if (finish_file(w) == 0 && !w->failed)
		rc = move_into_place(w);
	else
		if (w->out.tmp)
			unlink(w->out.tmp);
	if (rc)
		snprintf(err, errlen, "%s", w->err);
	writer_free(w);
	return rc;
}

void fa_snapshot_abort(fa_snapshot_writer *w)
{
	if (!w)
		return;
	if (finish_file(w) == 0 && w->header_done && !w->io_failed)
		(void)move_into_place(w);
	else
		if (w->out.tmp)
			unlink(w->out.tmp);
	writer_free(w);
}

/* ---- reader ---------------------------------------------------------------------------- */

struct fa_snapshot_reader {
	FILE *f;
	char *path;
	line_reader lr;
	size_t n_apps;
	bool closed;
	bool complete;
	bool failed;
};

void fa_snapshot_reader_close(fa_snapshot_reader *r)
{
	if (!r)
		return;
	lr_release(&r->lr);
	if (r->f)
		fclose(r->f);
	free(r->path);
	free(r);
}

int fa_snapshot_reader_open_max(fa_snapshot_reader **out, const char *path, size_t max_line,
				fa_inventory *inv_out, char *err, size_t errlen)
{
	fa_snapshot_reader *r = NULL;
	cJSON *j = NULL;
	const char *why = NULL;
	char reason[FA_SNAPSHOT_ERRLEN];
	bool got = false;
	int lrc;

	*out = NULL;
	memset(inv_out, 0, sizeof(*inv_out));
	inv_out->self.org_id = -1;
	if (!path) {
		snprintf(err, errlen, "no snapshot path");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->path = dup_str(path))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	r->f = fopen(path, "rbe");
	if (!r->f) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		goto fail;
	}
	if (lr_init(&r->lr, r->f, max_line)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	lrc = lr_next_content(&r->lr, &got);
	if (lrc) {
		snprintf(err, errlen, "%s:%lu: %s", path, r->lr.lineno + 1, lr_strerror(lrc));
		goto fail;
	}
	if (!got) {
		snprintf(err, errlen, "%s:1: empty file, not a flyaudit snapshot", path);
		goto fail;
	}
	j = lr_parse(&r->lr, &why);
	if (!j) {
		snprintf(err, errlen, "%s:%lu: %s", path, r->lr.lineno, why);
		goto fail;
	}
	if (fa_mj_header_from(j, inv_out, reason, sizeof(reason))) {
		snprintf(err, errlen, "%s:%lu: %s", path, r->lr.lineno, reason);
		goto fail;
	}
	cJSON_Delete(j);
	j = NULL;
	inv_out->source = dup_str(path);
	if (!inv_out->source) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	*out = r;
	return 0;
fail:
	cJSON_Delete(j);
	fa_inventory_release(inv_out);
	fa_snapshot_reader_close(r);
	return -1;
}

int fa_snapshot_reader_open(fa_snapshot_reader **out, const char *path, fa_inventory *inv_out,
			    char *err, size_t errlen)
{
	return fa_snapshot_reader_open_max(out, path, 0, inv_out, err, errlen);
}

static int rfail(fa_snapshot_reader *r, unsigned long lineno, const char *why, char *err,
		 size_t errlen)
{
	r->failed = true;
	snprintf(err, errlen, "%s:%lu: %s", r->path, lineno, why);
	return -1;
}

/* The closing line: {"end":true,"apps":N,"complete":bool}, then nothing but blanks. */
static int read_end(fa_snapshot_reader *r, const cJSON *j, char *err, size_t errlen)
{
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(j, "end");
	const cJSON *apps = cJSON_GetObjectItemCaseSensitive(j, "apps");
	const cJSON *complete = cJSON_GetObjectItemCaseSensitive(j, "complete");
	unsigned long lineno = r->lr.lineno;
	char why[128];
	bool got = false;
	int lrc;

	if (!cJSON_IsTrue(end))
		return rfail(r, lineno, "end: expected true", err, errlen);
	if (!cJSON_IsNumber(apps) || apps->valuedouble < 0 ||
	    apps->valuedouble != (double)r->n_apps) {
		snprintf(why, sizeof(why), "apps: the closing line does not count the %zu apps read",
			 r->n_apps);
		return rfail(r, lineno, why, err, errlen);
	}
	if (!cJSON_IsBool(complete))
		return rfail(r, lineno, "complete: expected true or false", err, errlen);
	lrc = lr_next_content(&r->lr, &got);
	if (lrc)
		return rfail(r, r->lr.lineno + 1, lr_strerror(lrc), err, errlen);
	if (got)
		return rfail(r, r->lr.lineno, "content after the closing line", err, errlen);
	r->closed = true;
	r->complete = cJSON_IsTrue(complete) != 0;
	return 0;
}

int fa_snapshot_read_app(fa_snapshot_reader *r, fa_app *out, char *err, size_t errlen)
{
	cJSON *j = NULL;
	const cJSON *a = NULL;
	const char *why = NULL;
	char reason[FA_SNAPSHOT_ERRLEN];
	unsigned long lineno;
	bool got = false;
	int lrc, rc = -1;

	fa_app_init(out);
	if (!r)
		return -1;
	if (r->failed) {
		snprintf(err, errlen, "%s: the reader stopped at an earlier error", r->path);
		return -1;
	}
	if (r->closed)
		return 0;
	lrc = lr_next_content(&r->lr, &got);
	if (lrc)
		return rfail(r, r->lr.lineno + 1, lr_strerror(lrc), err, errlen);
	if (!got)
		return 0; /* a partial snapshot: no closing line */
	lineno = r->lr.lineno;
	j = lr_parse(&r->lr, &why);
	if (!j) {
		if (!r->lr.last_nl && r->lr.eof && r->lr.pos == r->lr.len)
			why = "line cut short: the snapshot was interrupted mid-write "
			      "(`snapshot --resume` repairs it)";
		return rfail(r, lineno, why, err, errlen);
	}
	a = cJSON_GetObjectItemCaseSensitive(j, "app");
	if (a) {
		if (fa_mj_app_from(a, "app", out, reason, sizeof(reason))) {
			rfail(r, lineno, reason, err, errlen);
			goto cleanup;
		}
		r->n_apps++;
		rc = 1;
	} else if (cJSON_GetObjectItemCaseSensitive(j, "end")) {
		rc = read_end(r, j, err, errlen);
	} else if (cJSON_GetObjectItemCaseSensitive(j, "schema")) {
		rfail(r, lineno, "a second header", err, errlen);
	} else {
		rfail(r, lineno, "neither an app nor the closing line", err, errlen);
	}
cleanup:
	cJSON_Delete(j);
	return rc;
}

bool fa_snapshot_reader_complete(const fa_snapshot_reader *r)
{
	return r && r->closed && r->complete;
}

bool fa_snapshot_reader_closed(const fa_snapshot_reader *r)
{
	return r && r->closed;
}
