/* auth.c: token discovery (environment, token file, flyctl's config.yml) and the
 * Authorization header flyctl would send. Every buffer that held the token is cleansed. */
#include "flyaudit/auth.h"
#include "flyaudit/buf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOKEN_FILE_MAX (64 * 1024)

static void set_err(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
}

static bool has_prefix_ci(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && strncasecmp(s, p, pl) == 0;
}

static bool is_macaroon_part(const char *s, size_t n)
{
	return (n > 4 && strncmp(s, "fm2_", 4) == 0) ||
	       (n > 5 && (strncmp(s, "fm1a_", 5) == 0 || strncmp(s, "fm1r_", 5) == 0));
}

static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

int fa_auth_from_string(fa_auth *out, const char *raw, const char *source, char *err, size_t errlen)
{
	fa_buf all = FA_BUF_INIT(TOKEN_FILE_MAX), mac = FA_BUF_INIT(TOKEN_FILE_MAX),
	       usr = FA_BUF_INIT(TOKEN_FILE_MAX), hdr = FA_BUF_INIT(TOKEN_FILE_MAX);
	const char *p, *end;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!raw) {
		set_err(err, errlen, "no token");
		return -1;
	}
	p = raw;
	end = raw + strlen(raw);
	/* strip schemes, any case, repeated, with surrounding blanks */
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (has_prefix_ci(p, (size_t)(end - p), "flyv1 "))
			p += 6;
		else if (has_prefix_ci(p, (size_t)(end - p), "bearer "))
			p += 7;
		else
			break;
	}
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		const char *s = p, *e = q ? q : end;
		size_t i;

		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		/* a part may carry its own scheme ("FlyV1 fm2_a, FlyV1 fm2_b") */
		for (;;) {
			if (has_prefix_ci(s, (size_t)(e - s), "flyv1 "))
				s += 6;
			else if (has_prefix_ci(s, (size_t)(e - s), "bearer "))
				s += 7;
			else
				break;
			while (s < e && isspace((unsigned char)*s))
				s++;
		}
		/* a bare scheme word ("Bearer Bearer") is not a token */
		if ((e - s == 5 && strncasecmp(s, "flyv1", 5) == 0) ||
		    (e - s == 6 && strncasecmp(s, "bearer", 6) == 0))
			s = e;
		for (i = 0; s + i < e; i++) {
			if (!is_token_char((unsigned char)s[i])) {
				set_err(err, errlen, "the token contains spaces or control characters");
				goto cleanup;
			}
		}
		if (e > s) {
			fa_buf *dst = is_macaroon_part(s, (size_t)(e - s)) ? &mac : &usr;

			if ((all.len && fa_buf_add(&all, ",", 1) < 0) ||
			    fa_buf_add(&all, s, (size_t)(e - s)) < 0 ||
			    (dst->len && fa_buf_add(dst, ",", 1) < 0) ||
			    fa_buf_add(dst, s, (size_t)(e - s)) < 0) {
				set_err(err, errlen, "the token is too long");
				goto cleanup;
			}
		}
		p = q ? q + 1 : end;
	}
	if (!all.len) {
		set_err(err, errlen, "the token is empty");
		goto cleanup;
	}
	if (mac.len) {
		if (fa_buf_adds(&hdr, "FlyV1 ") < 0 || fa_buf_add(&hdr, mac.data, mac.len) < 0)
			goto oom;
		out->macaroon = true;
	} else {
		if (fa_buf_adds(&hdr, "Bearer ") < 0 || fa_buf_add(&hdr, usr.data, usr.len) < 0)
			goto oom;
	}
	out->token = fa_buf_detach(&all, NULL);
	out->header = fa_buf_detach(&hdr, NULL);
	out->source = source ? source : "token";
	if (!out->token || !out->header) {
		fa_auth_release(out);
		goto oom;
	}
	rc = 0;
	goto cleanup;
oom:
	set_err(err, errlen, "out of memory");
cleanup:
	fa_buf_cleanse(&all);
	fa_buf_cleanse(&mac);
	fa_buf_cleanse(&usr);
	fa_buf_cleanse(&hdr);
	return rc;
}

/* Reads a whole small file into a cleansable buffer. */
static int read_small_file(const char *path, fa_buf *out, struct stat *st, char *err, size_t errlen)
{
	char chunk[4096];
	int fd;
	ssize_t n;

	/* O_NONBLOCK: a FIFO (or a device) named as the token file must not hang the run; it
	 * is refused below. Regular files ignore the flag. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		if (err)
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		if (err)
			snprintf(err, errlen, "'%s' is not a regular file", path);
		close(fd);
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		if (fa_buf_add(out, chunk, (size_t)n) < 0) {
			if (err)
				snprintf(err, errlen, "'%s' is too large for a token file", path);
			fa_memzero(chunk, sizeof(chunk));
			close(fd);
			return -1;
		}
	}
	fa_memzero(chunk, sizeof(chunk));
	close(fd);
	if (n < 0) {
		if (err)
			snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
		fa_buf_cleanse(out);
		return -1;
	}
	return 0;
}

/* Finds a top-level `access_token:` in flyctl's config.yml; returns a pointer into buf
 * and its length (quotes removed), or NULL. */
static const char *yaml_access_token(char *buf, size_t len, size_t *vlen)
{
	char *line = buf, *end = buf + len;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *le = nl ? nl : end;

		if ((size_t)(le - line) > 13 && strncmp(line, "access_token:", 13) == 0) {
			char *v = line + 13, *ve = le;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			if (ve - v >= 2 && (*v == '"' || *v == '\'') && ve[-1] == *v) {
				v++;
				ve--;
			}
			*vlen = (size_t)(ve - v);
			return *vlen ? v : NULL;
		}
		line = nl ? nl + 1 : end;
	}
	return NULL;
}

int fa_auth_load(fa_auth *out, const char *token_file, const char *home,
		 char *warn, size_t warnlen, char *err, size_t errlen)
{
	const char *env;
	fa_buf file = FA_BUF_INIT(TOKEN_FILE_MAX);
	struct stat st;
	int rc;

	if (warn && warnlen)
		warn[0] = '\0';
	memset(out, 0, sizeof(*out));
	env = getenv("FLY_ACCESS_TOKEN");
	if (env && *env)
		return fa_auth_from_string(out, env, "FLY_ACCESS_TOKEN", err, errlen);
	env = getenv("FLY_API_TOKEN");
	if (env && *env)
		return fa_auth_from_string(out, env, "FLY_API_TOKEN", err, errlen);
	if (token_file) {
		if (read_small_file(token_file, &file, &st, err, errlen) < 0)
			return -1;
		if ((st.st_mode & 077) && warn)
			snprintf(warn, warnlen,
				 "warning: token file '%s' is readable by group or others (chmod 600 '%s')",
				 token_file, token_file);
		rc = fa_auth_from_string(out, file.data ? file.data : "", "--token-file", err, errlen);
		if (rc < 0 && err)
			snprintf(err, errlen, "no usable token in '%s'", token_file);
		fa_buf_cleanse(&file);
		return rc;
	}
	if (home && *home) {
		char path[4096];
		const char *v;
		size_t vlen = 0;

		snprintf(path, sizeof(path), "%s/.fly/config.yml", home);
		if (access(path, R_OK) == 0 && read_small_file(path, &file, &st, err, errlen) < 0)
			return -1; /* there, but not a readable regular file: say so */
		if (file.data) {
			v = yaml_access_token(file.data, file.len, &vlen);
			if (v) {
				char *copy = malloc(vlen + 1);

				if (!copy) {
					fa_buf_cleanse(&file);
					set_err(err, errlen, "out of memory");
					return -1;
				}
				memcpy(copy, v, vlen);
				copy[vlen] = '\0';
				rc = fa_auth_from_string(out, copy, "~/.fly/config.yml", err, errlen);
				fa_memzero(copy, vlen);
				free(copy);
				fa_buf_cleanse(&file);
				return rc;
			}
			fa_buf_cleanse(&file);
		}
	}
	set_err(err, errlen,
		"no Fly token: set FLY_API_TOKEN (e.g. FLY_API_TOKEN=$(fly tokens create readonly ORG)) or use --token-file");
	return -1;
}

void fa_auth_release(fa_auth *a)
{
	if (!a)
		return;
	if (a->token) {
		fa_memzero(a->token, strlen(a->token));
		free(a->token);
	}
	if (a->header) {
		fa_memzero(a->header, strlen(a->header));
		free(a->header);
	}
	memset(a, 0, sizeof(*a));
}

static bool contains(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	if (!nlen || nlen > hlen)
		return false;
	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

bool fa_auth_leaks_into(const fa_auth *a, const char *text, size_t len)
{
	const char *p, *end;

	if (!a || !a->token || !text)
		return false;
	p = a->token;
	end = p + strlen(p);
	while (p < end) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		const char *e = q ? q : end;

		/* any 16-byte window of a part counts as a leak */
		if (e - p >= 16) {
			const char *w;

			for (w = p; w + 16 <= e; w += 8)
				if (contains(text, len, w, 16))
					return true;
		} else if (contains(text, len, p, (size_t)(e - p))) {
			return true;
		}
		p = q ? q + 1 : end;
	}
	return false;
}
