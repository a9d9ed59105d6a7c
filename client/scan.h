/* scan.h: walking a repository for `flyaudit scan` (client/scan.c): which files, read how.
 *
 * The files are those in the git index when DIR is the top of a git work tree (read with
 * libgit2: no `git` process, nothing in the repository's config runs), else every file
 * under DIR. Symbolic links are never followed, and a file whose real path leaves DIR is
 * not read. Files above FA_SCAN_MAX_FILE bytes and binary files (a NUL byte) are not
 * scanned for tokens; a fly.toml, Dockerfile or workflow among them is a coverage entry.
 * Workflows are the YAML files of .github/workflows, and any other YAML file that reads like one
 * (top-level `jobs:` and a `runs-on:`). Patterns in DIR/.flyauditignore (the .dockerignore
 * syntax) exclude files. Nothing is written into DIR.
 */
#ifndef FLYAUDIT_CLIENT_SCAN_H
#define FLYAUDIT_CLIENT_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "flyaudit/report.h"

#define FA_SCAN_MAX_FILE ((size_t)1024 * 1024)
#define FA_SCAN_MAX_FILES 200000
#define FA_SCAN_IGNORE_FILE ".flyauditignore"

typedef struct fa_scan_stats {
	size_t files;       /* files looked at */
	size_t scanned;     /* read and scanned */
	size_t skipped_big, skipped_binary, skipped_link, ignored;
	bool git;           /* the list came from the git index */
} fa_scan_stats;

/* Called with each fly.toml read (`audit --repo` keeps them); the text is borrowed.
 * Returns 0, or -1 to stop the scan (out of memory). */
typedef int (*fa_scan_toml_cb)(void *ud, const char *rel, const char *text, size_t len);

/* Scans `dir`: results into r->results, unparsable files into r's coverage errors
 * (endpoint "PATH:LINE"). `on_toml` (may be NULL) sees every fly.toml. Returns 0; 2 when
 * dir is not a readable directory (err says why); -1 on OOM or an I/O error (err). */
int fa_scan_dir(const char *dir, const char *org, time_t now, fa_report *r,
		fa_scan_stats *st, fa_scan_toml_cb on_toml, void *ud, char *err, size_t errlen);

#endif
