/* layers.c: one image layer read as its bytes arrive, through libarchive, in memory.
 *
 * libarchive pulls its input (a read callback) while the transport pushes it (a chunk
 * callback), so the archive is read on a helper thread and the two sides take turns under
 * one mutex: fa_layer_feed() hands a piece over and waits until libarchive asks for the
 * next one (it has then consumed or copied the piece) or has finished. Only one side runs
 * at a time; the thread never touches the network, the model or anything shared but this
 * reader. Nothing is written to disk: entry names are listed, the first bytes of
 * suspicious files are classified (audit/secret_files.c) and dropped. */
#include "flyaudit/layers.h"

#include <archive.h>
#include <errno.h>
#include <archive_entry.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flyaudit/model.h"
#include "flyaudit/secrets.h"

#define THREAD_STACK (1024 * 1024)

struct fa_layer_reader {
	fa_layer_compression comp;
	long long max_unpacked;
	pthread_t th;
	bool started, joined;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the hand-over, under mu */
	const char *piece;
	size_t piece_len;
	bool have;  /* a piece waits for libarchive, or is being read by it */
	bool taken; /* libarchive has it (consumed when it asks for the next) */
	bool eof;   /* no more pieces */
	bool abort; /* stop now */
	bool done;  /* the thread has finished */
	/* the thread's */
	char *sniff;
	fa_layer_result res;
};

int fa_layer_compression_of(const char *mt)
{
	static const struct {
		const char *mt;
		int c;
	} known[] = {
		{ "application/vnd.oci.image.layer.v1.tar", FA_LAYER_TAR },
		{ "application/vnd.oci.image.layer.v1.tar+gzip", FA_LAYER_GZIP },
		{ "application/vnd.oci.image.layer.v1.tar+zstd", FA_LAYER_ZSTD },
		{ "application/vnd.docker.image.rootfs.diff.tar.gzip", FA_LAYER_GZIP },
		{ "application/vnd.docker.image.rootfs.diff.tar", FA_LAYER_TAR },
	};
	size_t i;

	if (!mt)
		return FA_LAYER_GZIP;
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(mt, known[i].mt) == 0)
			return known[i].c;
	return -1;
}

/* ---- the result ------------------------------------------------------------------------ */

void fa_layer_result_release(fa_layer_result *res)
{
	size_t i;

	if (!res)
		return;
	for (i = 0; i < res->n_findings; i++)
		free(res->findings[i].path);
	free(res->findings);
	for (i = 0; i < res->n_whiteouts; i++)
		free(res->whiteouts[i]);
	free(res->whiteouts);
	memset(res, 0, sizeof(*res));
}

static void stop(fa_layer_result *res, fa_layer_state st, const char *why)
{
	size_t i;

	if (res->state != FA_LAYER_RUNNING)
		return;
	res->state = st;
	snprintf(res->note, sizeof(res->note), "%s", why ? why : "unreadable");
	for (i = 0; res->note[i]; i++)
		if ((unsigned char)res->note[i] < 0x20 || res->note[i] == 0x7f)
			res->note[i] = ' ';
}

/* A copy of s cut at max bytes (the cut marked "..."). */
static char *cut_dup(const char *s, size_t max)
{
	size_t n = strlen(s);
	char *p;

	if (n <= max)
		return strdup(s);
	p = malloc(max + 1);
	if (!p)
		return NULL;
	memcpy(p, s, max - 3);
	memcpy(p + max - 3, "...", 4);
	return p;
}

static int add_finding(fa_layer_result *res, const char *path, uint32_t det)
{
	fa_layer_finding *f;

	if (res->n_findings >= FA_LAYER_MAX_FINDINGS) {
		res->n_findings_more++;
		return 0;
	}
	if (!res->findings) {
		res->findings = calloc(FA_LAYER_MAX_FINDINGS, sizeof(*res->findings));
		if (!res->findings)
			return -1;
	}
	f = &res->findings[res->n_findings];
	if (!(f->path = cut_dup(path, FA_IMAGE_FILE_PATH_MAX)))
		return -1;
	f->detectors = det;
	res->n_findings++;
	return 0;
}

static int add_whiteout(fa_layer_result *res, const char *dir, size_t dlen, const char *name)
{
	size_t nl = name ? strlen(name) : 0;
	char *w;

	if (res->n_whiteouts >= FA_LAYER_MAX_WHITEOUTS) {
		res->n_whiteouts_more++;
		return 0;
	}
	if (!res->whiteouts) {
		res->whiteouts = calloc(FA_LAYER_MAX_WHITEOUTS, sizeof(*res->whiteouts));
		if (!res->whiteouts)
			return -1;
	}
	/* DIR/NAME, or DIR/ for an opaque directory (everything under it) */
	w = malloc(dlen + nl + 2);
	if (!w)
		return -1;
	memcpy(w, dir, dlen);
	if (name) {
		memcpy(w + dlen, name, nl + 1);
	} else {
		w[dlen] = '\0';
	}
	res->whiteouts[res->n_whiteouts++] = w;
	return 0;
}

/* ---- the thread ------------------------------------------------------------------------ */

static la_ssize_t read_cb(struct archive *a, void *ud, const void **buf)
{
	fa_layer_reader *r = ud;
	la_ssize_t n = 0;

	pthread_mutex_lock(&r->mu);
	if (r->taken) {
		/* the piece handed out last time is consumed: the feeder may return */
		r->taken = false;
		r->have = false;
		pthread_cond_broadcast(&r->cv);
	}
	while (!r->have && !r->eof && !r->abort)
		pthread_cond_wait(&r->cv, &r->mu);
	if (r->abort) {
		pthread_mutex_unlock(&r->mu);
		archive_set_error(a, ECANCELED, "stopped");
		return -1;
	}
	if (r->have) {
		*buf = r->piece;
		n = (la_ssize_t)r->piece_len;
		r->taken = true;
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}

static const char *strip(const char *p)
{
	for (;;) {
		if (p[0] == '.' && p[1] == '/')
			p += 2;
		else if (p[0] == '/')
			p++;
		else
			return p;
	}
}

/* Past the cap? Then the layer stops as CAPPED. */
static bool over_cap(struct archive *a, fa_layer_reader *r)
{
	la_int64_t pos = archive_filter_bytes(a, 0);

	if (pos > r->res.unpacked)
		r->res.unpacked = pos;
	if (r->res.unpacked > r->max_unpacked) {
		char why[160];

		snprintf(why, sizeof(why), "stopped at the cap of %lld MiB decompressed",
			 r->max_unpacked >> 20);
		stop(&r->res, FA_LAYER_CAPPED, why);
		return true;
	}
	return false;
}

static void failed(struct archive *a, fa_layer_reader *r, const char *what)
{
	char why[224];
	const char *e = a ? archive_error_string(a) : NULL;

	snprintf(why, sizeof(why), "%s%s%.160s", what, e ? ": " : "", e ? e : "");
	stop(&r->res, FA_LAYER_FAILED, why);
}

/* One entry: a whiteout is recorded; a suspicious regular file is sniffed; the data of
 * every entry is read through (counted against the cap) and dropped. 0, or -1 to stop. */
static int entry(struct archive *a, fa_layer_reader *r, struct archive_entry *e)
{
	const char *path = archive_entry_pathname_utf8(e), *base;
	bool sniff = false;
	size_t got = 0;
	const void *buf;
	size_t size;
	la_int64_t off;
	int rc;

	if (!path)
		path = archive_entry_pathname(e);
	r->res.entries++;
	if (path) {
		path = strip(path);
		base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (strncmp(base, ".wh.", 4) == 0) {
			size_t dlen = (size_t)(base - path);

			if (add_whiteout(&r->res, path, dlen,
					 strcmp(base, ".wh..wh..opq") == 0 ? NULL : base + 4) < 0)
				goto oom;
		} else if (archive_entry_filetype(e) == AE_IFREG &&
			   fa_secret_file_suspicious(path)) {
			sniff = true;
		}
	}
	for (;;) {
		rc = archive_read_data_block(a, &buf, &size, &off);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN) {
			failed(a, r, "unreadable layer");
			return -1;
		}
		if (sniff && got < FA_LAYER_SNIFF_MAX && size) {
			size_t take = size < FA_LAYER_SNIFF_MAX - got ? size : FA_LAYER_SNIFF_MAX - got;

			memcpy(r->sniff + got, buf, take);
			got += take;
		}
		if (over_cap(a, r))
			return -1;
	}
	if (sniff) {
		uint32_t det = fa_secret_file_classify(path, r->sniff, got);

		r->res.sniffed++;
		memset(r->sniff, 0, got);
		if (det && add_finding(&r->res, path, det) < 0)
			goto oom;
	}
	return 0;
oom:
	stop(&r->res, FA_LAYER_FAILED, "out of memory");
	return -1;
}

static void *worker(void *ud)
{
	fa_layer_reader *r = ud;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = ARCHIVE_OK;

	if (!a) {
		stop(&r->res, FA_LAYER_FAILED, "out of memory");
		goto out;
	}
	/* the built-in decompressors only: never an external program */
	if (r->comp == FA_LAYER_GZIP)
		rc = archive_read_support_filter_gzip(a);
	else if (r->comp == FA_LAYER_ZSTD)
		rc = archive_read_support_filter_zstd(a);
	if (rc != ARCHIVE_OK) {
		stop(&r->res, FA_LAYER_FAILED, r->comp == FA_LAYER_ZSTD
			     ? "zstd layers are not supported by this libarchive"
			     : "gzip layers are not supported by this libarchive");
		goto out;
	}
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_open(a, r, NULL, read_cb, NULL) != ARCHIVE_OK) {
		failed(a, r, "not a tar layer");
		goto out;
	}
	for (;;) {
		rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF) {
			over_cap(a, r);
			stop(&r->res, FA_LAYER_DONE, "");
			break;
		}
		if (rc < ARCHIVE_WARN) {
			failed(a, r, "unreadable layer");
			break;
		}
		if (over_cap(a, r) || entry(a, r, e) < 0)
			break;
	}
out:
	if (a)
		archive_read_free(a);
	pthread_mutex_lock(&r->mu);
	r->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

/* ---- the feeding side -------------------------------------------------------------------- */

fa_layer_reader *fa_layer_reader_new(fa_layer_compression c, long long max_unpacked)
{
	fa_layer_reader *r = calloc(1, sizeof(*r));
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if (!r)
		return NULL;
	r->comp = c;
	r->max_unpacked = max_unpacked > 0 ? max_unpacked : FA_LAYER_DEFAULT_MAX_UNPACKED;
	r->sniff = malloc(FA_LAYER_SNIFF_MAX);
	if (!r->sniff) {
		free(r);
		return NULL;
	}
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r->sniff);
		free(r);
		return NULL;
	}
	if (pthread_cond_init(&r->cv, NULL) != 0) {
		pthread_mutex_destroy(&r->mu);
		free(r->sniff);
		free(r);
		return NULL;
	}
	/* signals (SIGINT, SIGTERM) stay with the main thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setstacksize(&attr, THREAD_STACK);
		rc = pthread_create(&r->th, &attr, worker, r);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r->sniff);
		free(r);
		return NULL;
	}
	r->started = true;
	return r;
}

int fa_layer_feed(fa_layer_reader *r, const void *data, size_t len)
{
	bool done;

	if (!r)
		return -1;
	if (len == 0)
		return 0; /* a zero-length piece would read as the end of the stream */
	pthread_mutex_lock(&r->mu);
	if (!r->done) {
		r->res.fed += (long long)len;
		r->piece = data;
		r->piece_len = len;
		r->have = true;
		pthread_cond_broadcast(&r->cv);
		while (r->have && !r->done)
			pthread_cond_wait(&r->cv, &r->mu);
		r->have = false;
		r->piece = NULL;
	}
	done = r->done;
	pthread_mutex_unlock(&r->mu);
	return done ? 1 : 0;
}

static void join(fa_layer_reader *r, bool abort_it)
{
	if (!r->started || r->joined)
		return;
	pthread_mutex_lock(&r->mu);
	if (abort_it)
		r->abort = true;
	r->eof = true;
	pthread_cond_broadcast(&r->cv);
	while (!r->done)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	r->joined = true;
}

const fa_layer_result *fa_layer_finish(fa_layer_reader *r)
{
	if (!r)
		return NULL;
	join(r, false);
	if (r->res.state == FA_LAYER_RUNNING)
		stop(&r->res, FA_LAYER_FAILED, "the layer ended early (truncated)");
	return &r->res;
}

void fa_layer_reader_free(fa_layer_reader *r)
{
	if (!r)
		return;
	join(r, true);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	fa_layer_result_release(&r->res);
	free(r->sniff);
	free(r);
}

int fa_layer_read_memory(fa_layer_compression c, const void *data, size_t len, size_t piece,
			 long long max_unpacked, fa_layer_result *out)
{
	fa_layer_reader *r;
	const char *p = data;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	r = fa_layer_reader_new(c, max_unpacked);
	if (!r)
		return -1;
	if (piece == 0)
		piece = len ? len : 1;
	while (off < len) {
		size_t n = len - off < piece ? len - off : piece;

		if (fa_layer_feed(r, p + off, n) != 0)
			break;
		off += n;
	}
	fa_layer_finish(r);
	*out = r->res;
	memset(&r->res, 0, sizeof(r->res));
	fa_layer_reader_free(r);
	return 0;
}
