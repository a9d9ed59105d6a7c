/* outfile.h: how flyaudit writes a file it was told to write (-o, snapshots).
 *
 * A regular file (or a name that does not exist yet) is written to a temporary file created
 * exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, a random name beside the target) and
 * renamed over the target on commit: a reader never sees half a file, and a symlink planted
 * where the temporary name would be is never followed. A target that exists and is not a
 * regular file (/dev/stdout, /dev/null, a FIFO, a device) is written in place and never
 * replaced. */
#ifndef FLYAUDIT_OUTFILE_H
#define FLYAUDIT_OUTFILE_H

#include <stddef.h>

typedef struct fa_outfile {
	int fd;     /* write here; -1 when closed */
	char *path; /* the target */
	char *tmp;  /* the temporary file, or NULL when the target is written in place */
} fa_outfile;

/* Opens `path` for writing as above. 0, or -1 with a one-line reason in err. */
int fa_outfile_open(fa_outfile *o, const char *path, char *err, size_t errlen);
/* Writes all of data (retrying short writes). 0, or -1 with the reason. */
int fa_outfile_write(fa_outfile *o, const void *data, size_t len, char *err, size_t errlen);
/* Flushes to disk, closes and renames into place. 0, or -1 (the temporary file removed). */
int fa_outfile_commit(fa_outfile *o, char *err, size_t errlen);
/* Closes and removes the temporary file (in place: only closes). */
void fa_outfile_discard(fa_outfile *o);

#endif
