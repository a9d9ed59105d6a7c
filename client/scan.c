/* scan.c: the file side of `flyaudit scan` (scan.h): list the repository's files (the git
 * index through libgit2, or the tree), read each safely (no symlinks, nothing outside DIR,
 * capped, binaries skipped), and hand the contents to the pure checks of scan.h. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "flyaudit/buf.h"
#include "flyaudit/scan.h"

#define MAX_DEPTH 64

typedef struct file_list {
	char **paths; /* relative to the root, '/'-separated */
	size_t n, cap;
	bool capped; /* FA_SCAN_MAX_FILES reached: the rest were not listed */
} file_list;

typedef struct walker {
	char root[PATH_MAX];
	size_t root_len;
	fa_scan_ctx ctx;
	fa_report *r;
	fa_scan_stats *st;
	char *ignore;
	size_t ignore_len;
	fa_scan_toml_cb on_toml;
	void *ud;
	int oom;
} walker;

static void list_release(file_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->paths[i]);
	free(l->paths);
	memset(l, 0, sizeof(*l));
}

static int list_add(file_list *l, const char *p)
{
	if (l->n >= FA_SCAN_MAX_FILES) {
		l->capped = true; /* a coverage entry, not a silent cut */
		return 0;
	}
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		char **np = realloc(l->paths, nc * sizeof(*np));

		if (!np)
			return -1;
		l->paths = np;
		l->cap = nc;
	}
	l->paths[l->n] = strdup(p);
	if (!l->paths[l->n])
		return -1;
	l->n++;
	return 0;
}

static int cmp_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files of the git index, when `root` is the top of a work tree. 1 done, 0 not a git
 * work tree (or unreadable: the caller walks the tree), -1 OOM. */
static int list_git(const char *root, file_list *out)
{
	git_repository *repo = NULL;
	git_index *idx = NULL;
	size_t i, n;
	int rc = 0;

	git_libgit2_init();
	if (git_repository_open_ext(&repo, root, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_repository_is_bare(repo) || git_repository_index(&idx, repo) < 0)
		goto cleanup;
	n = git_index_entrycount(idx);
	for (i = 0; i < n; i++) {
		const git_index_entry *e = git_index_get_byindex(idx, i);

		if (!e || !e->path)
			continue;
		/* regular files only: not symlinks (0120000) or submodules (0160000) */
		if ((e->mode & 0170000) != 0100000)
			continue;
		if (GIT_INDEX_ENTRY_STAGE(e) > 1)
			continue; /* one entry of a conflict is enough */
		if (list_add(out, e->path) < 0) {
			rc = -1;
			goto cleanup;
		}
	}
	rc = 1;
cleanup:
	git_index_free(idx);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* Every regular file under root (not .git, no symlinks followed). */
static int list_tree(walker *w, const char *rel, int depth, file_list *out)
{
	char path[PATH_MAX];
	DIR *d = NULL;
	struct dirent *de;
	int rc = 0;

	if (depth > MAX_DEPTH)
		return 0;
	if ((size_t)snprintf(path, sizeof(path), "%s%s%s", w->root, *rel ? "/" : "", rel) >=
	    sizeof(path))
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL && rc == 0) {
		char sub[PATH_MAX], full[PATH_MAX];
		struct stat sb;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", de->d_name) >=
			    sizeof(sub) ||
		    (size_t)snprintf(full, sizeof(full), "%s/%s", w->root, sub) >= sizeof(full))
			continue;
		if (lstat(full, &sb) < 0)
			continue;
		if (S_ISLNK(sb.st_mode)) {
			w->st->skipped_link++;
			continue;
		}
		if (S_ISDIR(sb.st_mode))
			rc = list_tree(w, sub, depth + 1, out);
		else if (S_ISREG(sb.st_mode))
			rc = list_add(out, sub);
	}
	closedir(d);
	return rc;
}

/* Reads root/rel: 0 read; 1 skipped (symlink, outside root, not regular, too big: *why
 * says which); -1 OOM. */
static int read_rel(walker *w, const char *rel, char **data, size_t *len, const char **why)
{
	char full[PATH_MAX], real[PATH_MAX];
	struct stat sb;
	fa_buf b = FA_BUF_INIT(FA_SCAN_MAX_FILE + 1);
	int fd;

	*data = NULL;
	*len = 0;
	*why = "cannot be read";
	if ((size_t)snprintf(full, sizeof(full), "%s/%s", w->root, rel) >= sizeof(full))
		return 1;
	if (!realpath(full, real) || strncmp(real, w->root, w->root_len) != 0 ||
	    (real[w->root_len] != '/' && real[w->root_len] != '\0')) {
		*why = "leaves the scanned directory (symbolic link)";
		return 1;
	}
	fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		*why = errno == ELOOP ? "is a symbolic link" : "cannot be read";
		return 1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		*why = "is not a regular file";
		return 1;
	}
	if ((size_t)sb.st_size > FA_SCAN_MAX_FILE) {
		close(fd);
		*why = "is larger than the 1 MiB cap";
		return 1;
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			fa_buf_release(&b);
			return 1;
		}
		if (n == 0)
			break;
		if (fa_buf_add(&b, chunk, (size_t)n) < 0) {
			close(fd);
			*why = "is larger than the 1 MiB cap"; /* grew while read */
			return 1;
		}
	}
	close(fd);
	if (fa_buf_add(&b, "", 0) < 0)
		return -1;
	*len = b.len;
	*data = fa_buf_detach(&b, NULL);
	return *data ? 0 : -1;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static bool ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

typedef enum { K_OTHER = 0, K_TOML, K_DOCKERFILE, K_WORKFLOW, K_YAML } kind;

static kind kind_of(const char *rel)
{
	const char *b = base_name(rel);

	if (strcmp(b, "fly.toml") == 0 || (strncmp(b, "fly.", 4) == 0 && ends_with(b, ".toml")))
		return K_TOML;
	if (ends_with(b, ".dockerignore"))
		return K_OTHER; /* Dockerfile.dockerignore: the ignore file of that Dockerfile */
	if (strcmp(b, "Dockerfile") == 0 || strncmp(b, "Dockerfile.", 11) == 0 ||
	    ends_with(b, ".Dockerfile") || ends_with(b, ".dockerfile"))
		return K_DOCKERFILE;
	if (ends_with(b, ".yml") || ends_with(b, ".yaml")) {
		if (strncmp(rel, ".github/workflows/", 18) == 0 && !strchr(rel + 18, '/'))
			return K_WORKFLOW;
		return K_YAML; /* a workflow elsewhere (an example, a template)? by its content */
	}
	return K_OTHER;
}

static void coverage(walker *w, const char *rel, unsigned line, const char *msg)
{
	char ep[PATH_MAX + 16];

	if (line)
		snprintf(ep, sizeof(ep), "%s:%u", rel, line);
	else
		snprintf(ep, sizeof(ep), "%s", rel);
	if (fa_report_add_error(w->r, NULL, ep, 0, msg) < 0)
		w->oom = 1;
}

static int scan_one(walker *w, const char *rel)
{
	kind k = kind_of(rel);
	char *data = NULL, *di = NULL;
	size_t len = 0, di_len = 0;
	const char *why = NULL;
	fa_parse_error perr;
	int rc;

	w->st->files++;
	if (w->ignore && fa_dockerignore_excludes(w->ignore, w->ignore_len, rel)) {
		w->st->ignored++;
		return 0;
	}
	if (fa_scan_is_env_file(rel)) {
		if (fa_scan_env_file(&w->ctx, rel, &w->r->results) < 0)
			return -1;
		return 0; /* its values are never read */
	}
	rc = read_rel(w, rel, &data, &len, &why);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (strstr(why, "cap"))
			w->st->skipped_big++;
		else
			w->st->skipped_link++;
		if (k != K_OTHER && k != K_YAML)
			coverage(w, rel, 0, why);
		return w->oom ? -1 : 0;
	}
	if (memchr(data, '\0', len)) {
		w->st->skipped_binary++;
		if (k != K_OTHER && k != K_YAML)
			coverage(w, rel, 0, "is a binary file (a NUL byte)");
		free(data);
		return w->oom ? -1 : 0;
	}
	w->st->scanned++;
	memset(&perr, 0, sizeof(perr));
	switch (k) {
	case K_TOML:
		rc = fa_scan_fly_toml(&w->ctx, rel, data, len, &w->r->results, &perr);
		if (rc >= 0 && w->on_toml && w->on_toml(w->ud, rel, data, len) < 0)
			rc = -1;
		break;
	case K_DOCKERFILE: {
		char dirrel[PATH_MAX];
		const char *slash = strrchr(rel, '/');
		const char *why2 = NULL;

		/* BuildKit reads DOCKERFILE.dockerignore beside it first, then the context's */
		snprintf(dirrel, sizeof(dirrel), "%s.dockerignore", rel);
		rc = read_rel(w, dirrel, &di, &di_len, &why2);
		if (rc > 0) {
			if (slash)
				snprintf(dirrel, sizeof(dirrel), "%.*s/.dockerignore", (int)(slash - rel), rel);
			else
				snprintf(dirrel, sizeof(dirrel), ".dockerignore");
			rc = read_rel(w, dirrel, &di, &di_len, &why2);
		}
		if (rc < 0) {
			free(data);
			return -1;
		}
		rc = fa_scan_dockerfile(&w->ctx, rel, data, len, di, di_len, &w->r->results, &perr);
		free(di);
		break;
	}
	case K_WORKFLOW:
		rc = fa_scan_workflow(&w->ctx, rel, data, len, &w->r->results, &perr);
		break;
	case K_YAML:
		/* read as a workflow when it looks like one (and then it must parse: a broken
		 * workflow is a coverage entry); other YAML is not ours to judge */
		if ((strncmp(data, "jobs:", 5) == 0 || strstr(data, "\njobs:")) && strstr(data, "runs-on:"))
			rc = fa_scan_workflow(&w->ctx, rel, data, len, &w->r->results, &perr);
		break;
	default:
		rc = 0;
		break;
	}
	if (rc == FA_SCAN_UNPARSED) {
		char msg[200];

		snprintf(msg, sizeof(msg), "cannot be parsed: %s", perr.msg[0] ? perr.msg : "invalid");
		coverage(w, rel, perr.line, msg);
		rc = w->oom ? -1 : 0;
	}
	if (rc == 0 && fa_scan_token_literals(&w->ctx, rel, data, len, &w->r->results) < 0)
		rc = -1;
	fa_memzero(data, len); /* what files hold (env values, credentials) is not kept */
	free(data);
	return rc;
}

int fa_scan_dir(const char *dir, const char *org, time_t now, fa_report *r,
		fa_scan_stats *st, fa_scan_toml_cb on_toml, void *ud, char *err, size_t errlen)
{
	walker w;
	file_list files = { NULL, 0, 0, false };
	struct stat sb;
	const char *why = NULL;
	size_t i;
	int rc = -1, g;

	memset(&w, 0, sizeof(w));
	memset(st, 0, sizeof(*st));
	w.r = r;
	w.st = st;
	w.ctx.org = org;
	w.ctx.now = now;
	w.on_toml = on_toml;
	w.ud = ud;
	if (!dir || stat(dir, &sb) < 0) {
		snprintf(err, errlen, "cannot scan '%s': %s", dir ? dir : "", strerror(errno));
		return 2;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "cannot scan '%s': not a directory", dir);
		return 2;
	}
	if (!realpath(dir, w.root)) {
		snprintf(err, errlen, "cannot scan '%s': %s", dir, strerror(errno));
		return 2;
	}
	w.root_len = strlen(w.root);
	if (w.root_len == 1) /* "/" */
		w.root_len = 0;
	if (read_rel(&w, FA_SCAN_IGNORE_FILE, &w.ignore, &w.ignore_len, &why) < 0)
		goto oom;
	g = list_git(w.root, &files);
	if (g < 0)
		goto oom;
	st->git = g == 1;
	if (!st->git && list_tree(&w, "", 0, &files) < 0)
		goto oom;
	if (files.capped) {
		char msg[128];

		snprintf(msg, sizeof(msg), "more than %d files: the rest were not scanned",
			 FA_SCAN_MAX_FILES);
		coverage(&w, ".", 0, msg);
		if (w.oom)
			goto oom;
	}
	qsort(files.paths, files.n, sizeof(*files.paths), cmp_path);
	for (i = 0; i < files.n; i++)
		if (scan_one(&w, files.paths[i]) < 0 || w.oom)
			goto oom;
	rc = 0;
	goto cleanup;
oom:
	snprintf(err, errlen, "out of memory");
cleanup:
	free(w.ignore);
	list_release(&files);
	return rc;
}
