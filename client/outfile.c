/* outfile.c: the one way flyaudit writes a named file (see outfile.h). */
#include "flyaudit/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(fa_outfile *o)
{
	free(o->path);
	free(o->tmp);
	o->path = NULL;
	o->tmp = NULL;
	o->fd = -1;
}

/* Creates PATH.XXXXXXXXXXXXXXXX.tmp (16 random hex digits) exclusively. */
static int open_temp(fa_outfile *o, char *err, size_t errlen)
{
	size_t n = strlen(o->path);
	int tries;

	o->tmp = malloc(n + 22);
	if (!o->tmp) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (tries = 0; tries < 16; tries++) {
		unsigned char rnd[8];
		size_t i;

		if (getentropy(rnd, sizeof(rnd)) != 0) {
			snprintf(err, errlen, "cannot get random bytes for a temporary name: %s", strerror(errno));
			return -1;
		}
		memcpy(o->tmp, o->path, n);
		o->tmp[n] = '.';
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(o->tmp + n + 1 + 2 * i, 3, "%02x", rnd[i]);
		memcpy(o->tmp + n + 17, ".tmp", 5);
		o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
		if (o->fd >= 0)
			break;
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot create '%s': %s", o->tmp, strerror(errno));
			return -1;
		}
	}
	if (o->fd < 0) {
		snprintf(err, errlen, "cannot create a temporary file beside '%s'", o->path);
		return -1;
	}
	if (fchmod(o->fd, 0600) != 0) {
		snprintf(err, errlen, "cannot set the mode of '%s': %s", o->tmp, strerror(errno));
		close(o->fd);
		unlink(o->tmp);
		o->fd = -1;
		return -1;
	}
	return 0;
}

/* /dev/stdout, /dev/fd/N, /proc/self/fd/N name a descriptor through a symlink that may
 * well end at a regular file: replacing the link would be wrong (and, as root, would
 * replace /dev/stdout itself). Anything under /dev or /proc is written in place. */
static int special_path(const char *path)
{
	return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

int fa_outfile_open(fa_outfile *o, const char *path, char *err, size_t errlen)
{
	struct stat st;
	int exists;

	o->fd = -1;
	o->tmp = NULL;
	o->path = path ? strdup(path) : NULL;
	if (!o->path) {
		snprintf(err, errlen, path ? "out of memory" : "no output path");
		return -1;
	}
	exists = stat(path, &st) == 0;
	if (exists && (!S_ISREG(st.st_mode) || special_path(path))) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "'%s' is a directory", path);
			release(o);
			return -1;
		}
		/* a device, a FIFO, /dev/stdout: written as it is, never replaced */
		/* a regular file behind /dev/stdout: after what the process wrote there already */
		o->fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | (S_ISREG(st.st_mode) ? O_APPEND : 0));
		if (o->fd < 0) {
			snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
			release(o);
			return -1;
		}
		return 0;
	}
	if (open_temp(o, err, errlen) < 0) {
		release(o);
		return -1;
	}
	return 0;
}

int fa_outfile_write(fa_outfile *o, const void *data, size_t len, char *err, size_t errlen)
{
	const char *p = data;
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(o->fd, p + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot write '%s': %s", o->tmp ? o->tmp : o->path, strerror(errno));
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/* fsyncs the target's folder after a rename (best effort: the rename is what matters). */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int fd;

	if (!slash)
		dir = strdup(".");
	else if ((dir = malloc((size_t)(slash - path) + 2)) != NULL) {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return;
	(void)fsync(fd);
	close(fd);
}

int fa_outfile_commit(fa_outfile *o, char *err, size_t errlen)
{
	int rc = 0;

	if (!o->tmp) {
		if (close(o->fd) != 0 && errno != EINTR) {
			snprintf(err, errlen, "cannot write '%s': %s", o->path, strerror(errno));
			rc = -1;
		}
		release(o);
		return rc;
	}
	if (fsync(o->fd) != 0 || close(o->fd) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", o->tmp, strerror(errno));
		o->fd = -1;
		unlink(o->tmp);
		release(o);
		return -1;
	}
	o->fd = -1;
	if (rename(o->tmp, o->path) != 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", o->tmp, o->path, strerror(errno));
		unlink(o->tmp);
		release(o);
		return -1;
	}
	sync_dir(o->path);
	release(o);
	return 0;
}

void fa_outfile_discard(fa_outfile *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}
