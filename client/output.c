/* output.c: files flyaudit reads and writes: reports go through outfile.c (an exclusive
 * temporary file, mode 0600, renamed into place; devices and FIFOs written in place). */
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
#include "flyaudit/outfile.h"

int fa_write_output(const char *path, const char *data, size_t len, char *err, size_t errlen)
{
	fa_outfile o;

	if (!path || strcmp(path, "-") == 0) {
		if (len && fwrite(data, 1, len, stdout) != len) {
			snprintf(err, errlen, "cannot write to stdout: %s", strerror(errno));
			return -1;
		}
		fflush(stdout);
		return 0;
	}
	if (fa_outfile_open(&o, path, err, errlen) < 0)
		return -1;
	if (fa_outfile_write(&o, data, len, err, errlen) < 0) {
		fa_outfile_discard(&o);
		return -1;
	}
	return fa_outfile_commit(&o, err, errlen);
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
