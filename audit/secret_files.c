/* secret_files.c: which files of an image layer are worth reading, and whether what they
 * hold is a credential (`audit --image-layers`, secrets.image_files). Pure: the client
 * (client/layers.c) lists the entries and hands over the first bytes of the suspicious
 * ones; nothing here keeps them. */
#include "flyaudit/secrets.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flyaudit/model.h"

#define KEY_MAX 256 /* a line's key longer than this is not a NAME */

static bool ends_with(const char *s, size_t n, const char *lit)
{
	size_t ll = strlen(lit);

	return n >= ll && memcmp(s + n - ll, lit, ll) == 0;
}

static bool starts_with(const char *s, const char *lit)
{
	return strncmp(s, lit, strlen(lit)) == 0;
}

/* `path` ends with "/" + tail, or is tail (after "./" and "/" were dropped). */
static bool path_is(const char *path, const char *tail)
{
	size_t n = strlen(path), tl = strlen(tail);

	if (n == tl)
		return memcmp(path, tail, tl) == 0;
	return n > tl && path[n - tl - 1] == '/' && memcmp(path + n - tl, tail, tl) == 0;
}

static bool env_name(const char *base)
{
	static const char *const templates[] = { ".example", ".sample", ".template", ".dist",
						 ".defaults", ".tmpl", NULL };
	size_t i, n = strlen(base);

	if (strncmp(base, ".env", 4) != 0 || (base[4] && base[4] != '.'))
		return false;
	for (i = 0; templates[i]; i++)
		if (ends_with(base, n, templates[i]))
			return false;
	return true;
}

bool fa_secret_file_suspicious(const char *path)
{
	static const char *const exact[] = { ".npmrc", ".pypirc", ".netrc", ".git-credentials",
					     NULL };
	const char *base;
	size_t i, n;

	if (!path)
		return false;
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	while (path[0] == '/')
		path++;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	n = strlen(base);
	if (n == 0)
		return false;
	if (env_name(base))
		return true;
	for (i = 0; exact[i]; i++)
		if (strcmp(base, exact[i]) == 0)
			return true;
	if (ends_with(base, n, ".pem") || ends_with(base, n, ".key"))
		return true;
	if (starts_with(base, "id_") && n > 3 && !ends_with(base, n, ".pub"))
		return true;
	if (starts_with(base, "credentials"))
		return true;
	return path_is(path, ".git/config") || path_is(path, ".docker/config.json");
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Trims spaces, then one pair of matching quotes, then a trailing comma (JSON). */
static void trim(const char **s, size_t *n)
{
	const char *p = *s;
	size_t k = *n;

	while (k && is_space((unsigned char)*p)) {
		p++;
		k--;
	}
	while (k && is_space((unsigned char)p[k - 1]))
		k--;
	if (k && p[k - 1] == ',') {
		k--;
		while (k && is_space((unsigned char)p[k - 1]))
			k--;
	}
	if (k >= 2 && (p[0] == '"' || p[0] == '\'') && p[k - 1] == p[0]) {
		p++;
		k -= 2;
	}
	*s = p;
	*n = k;
}

static bool ci_eq(const char *a, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		if (c != (unsigned char)lit[i])
			return false;
	}
	return true;
}

/* The name rule on one line: "[export ]NAME=value", "name = value", "name: value",
 * "\"name\": \"value\"". */
static uint32_t classify_line(const char *line, size_t n)
{
	char key[KEY_MAX + 1];
	const char *k = line, *v, *eq, *colon;
	size_t kn, vn;

	while (n && is_space((unsigned char)*k)) {
		k++;
		n--;
	}
	if (!n || *k == '#' || *k == ';' || *k == '[')
		return 0;
	if (n > 7 && memcmp(k, "export ", 7) == 0) {
		k += 7;
		n -= 7;
	}
	/* '=' first: an .npmrc key holds ':' ("//registry.npmjs.org/:_authToken=...") */
	eq = memchr(k, '=', n);
	colon = memchr(k, ':', n);
	if (eq && (!colon || !(colon < eq && k[0] == '"')))
		v = eq;
	else if (colon)
		v = colon;
	else
		return 0;
	kn = (size_t)(v - k);
	vn = n - kn - 1;
	v++;
	trim(&k, &kn);
	trim(&v, &vn);
	if (kn == 0 || kn > KEY_MAX || vn == 0)
		return 0;
	memcpy(key, k, kn);
	key[kn] = '\0';
	/* the credential keys of .npmrc (`_auth`, `//host/:_auth`) and .docker/config.json
	 * (`auth`, `identitytoken`): judged as a secret NAME would be */
	if (ci_eq(k, kn, "auth") || ci_eq(k, kn, "identitytoken") ||
	    (kn >= 5 && ci_eq(k + kn - 5, 5, "_auth")))
		return fa_secret_classify("AUTH_TOKEN", v, vn) & FA_DET_SECRET_NAME;
	return fa_secret_classify(key, v, vn) & FA_DET_SECRET_NAME;
}

uint32_t fa_secret_file_classify(const char *path, const char *data, size_t len)
{
	uint32_t bits;
	size_t i = 0;

	(void)path; /* every suspicious kind is read the same way */
	if (!data)
		return 0;
	bits = fa_secret_classify(NULL, data, len) & FA_DET_VALUE_MASK;
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;

		bits |= classify_line(data + i, end - i);
		i = end + 1;
	}
	return bits;
}
