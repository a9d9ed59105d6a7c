/* output.c: files flyaudit reads and writes: reports and snapshots go to a temporary
 * name with mode 0600 and are renamed into place, so a reader never sees half a file. */
#include "cmd/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "flyaudit/buf.h"

int fa_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	char tmp[4096];
	int fd;
	size_t off = 0;

	if (!path || strcmp(path, "-") == 0) {
		if (len && fwrite(data, 1, len, stdout) != len) {
			snprintf(err, errlen, "cannot write to stdout: %s", strerror(errno));
			return -1;
		}
		fflush(stdout);
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		snprintf(err, errlen, "path too long: '%s'", path);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		return -1;
	}
	fchmod(fd, 0600);
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		snprintf(err, errlen, "cannot write '%s': %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, errlen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *fa_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
	fa_buf b = FA_BUF_INIT(max);
	char chunk[65536];
	FILE *f;
	size_t n;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (fa_buf_add(&b, chunk, n) < 0) {
			snprintf(err, errlen, "'%s' is larger than %zu bytes", path, max);
			fclose(f);
			return NULL;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		fclose(f);
		fa_buf_release(&b);
		return NULL;
	}
	fclose(f);
	return fa_buf_detach(&b, len);
}

void fa_now_rfc3339(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool fa_use_color(const fa_cli *cli, FILE *stream)
{
	const char *nc = getenv("NO_COLOR");

	if (cli->color == FA_COLOR_ALWAYS)
		return true;
	if (cli->color == FA_COLOR_NEVER || (nc && *nc))
		return false;
	return isatty(fileno(stream)) != 0;
}
