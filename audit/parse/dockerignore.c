/* parse/dockerignore.c: does a .dockerignore exclude a path from the build context
 * (parse.h)? Docker's rules: one pattern a line, `#` comments, a leading `!` makes an
 * exception, `**` matches any number of directories, a pattern that matches a directory
 * excludes everything below it, and the last matching line decides. Pure. */
#include "flyaudit/parse.h"

#include <fnmatch.h>
#include <string.h>

#define MAX_PATTERN 1024

/* fnmatch with `**`: "**" alone or as a path element matches zero or more elements. */
static bool glob_match(const char *pat, const char *path)
{
	const char *star2 = strstr(pat, "**");

	if (!star2)
		return fnmatch(pat, path, FNM_PATHNAME) == 0;
	{
		char head[MAX_PATTERN];
		size_t hn = (size_t)(star2 - pat);
		const char *rest = star2 + 2;
		const char *p;

		if (*rest == '/')
			rest++;
		if (hn >= sizeof(head))
			return false;
		memcpy(head, pat, hn);
		head[hn] = '\0';
		/* the head must match a prefix of whole elements (or be empty) */
		for (p = path;; p++) {
			if (p == path || p[-1] == '/') {
				bool head_ok;

				if (hn == 0) {
					head_ok = true;
				} else {
					char pre[MAX_PATTERN];
					size_t pn = (size_t)(p - path);

					if (pn >= sizeof(pre))
						return false;
					memcpy(pre, path, pn);
					pre[pn] = '\0';
					head_ok = fnmatch(head, pre, FNM_PATHNAME) == 0;
				}
				if (head_ok && (*rest == '\0' || glob_match(rest, p)))
					return true;
			}
			if (!*p)
				break;
		}
	}
	return false;
}

/* The pattern matches the path or one of its parent directories. */
static bool matches(const char *pat, const char *path)
{
	char pre[MAX_PATTERN];
	size_t i, n = strlen(path);

	if (glob_match(pat, path))
		return true;
	for (i = 0; i < n && i < sizeof(pre); i++) {
		if (path[i] == '/') {
			memcpy(pre, path, i);
			pre[i] = '\0';
			if (glob_match(pat, pre))
				return true;
		}
	}
	return false;
}

bool fa_dockerignore_excludes(const char *text, size_t len, const char *path)
{
	size_t pos = 0;
	bool excluded = false;

	if (!text || !path)
		return false;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		char pat[MAX_PATTERN];
		bool neg = false;
		size_t k = 0, o = 0;

		pos += n + (nl ? 1 : 0);
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k >= n || s[k] == '#')
			continue;
		if (s[k] == '!') {
			neg = true;
			k++;
		}
		while (k < n && s[k] == '/')
			k++;
		if (n - k >= sizeof(pat) || memchr(s + k, '\0', n - k))
			continue;
		/* Docker cleans the pattern: "./x" is "x", a trailing "/" is dropped */
		if (n - k >= 2 && s[k] == '.' && s[k + 1] == '/')
			k += 2;
		for (; k < n; k++)
			pat[o++] = s[k];
		while (o > 1 && pat[o - 1] == '/')
			o--;
		pat[o] = '\0';
		if (!o)
			continue;
		if (matches(pat, path))
			excluded = !neg;
	}
	return excluded;
}
