/* scrub.c: the token out of everything a server sends back (see scrub.h). */
#include "flyaudit/scrub.h"

#include <stdlib.h>
#include <string.h>

#include "flyaudit/buf.h"

#define MAX_PARTS 16
#define PIECE 16 /* window length; any 24-byte piece holds one aligned window */
#define REDACTED "[redacted]"

static struct {
	char *parts[MAX_PARTS];
	size_t lens[MAX_PARTS];
	size_t n;
} reg;

void fa_scrub_clear(void)
{
	size_t i;

	for (i = 0; i < reg.n; i++) {
		fa_memzero(reg.parts[i], reg.lens[i]);
		free(reg.parts[i]);
		reg.parts[i] = NULL;
	}
	reg.n = 0;
}

int fa_scrub_register(const char *token)
{
	const char *p = token, *end = NULL;

	if (!token)
		return 0;
	end = token + strlen(token);
	while (p < end && reg.n < MAX_PARTS) {
		const char *q = memchr(p, ',', (size_t)(end - p));
		const char *e = q ? q : end;
		size_t n;

		while (p < e && *p == ' ')
			p++;
		n = (size_t)(e - p);
		if (n >= 8) { /* shorter is not a secret anyone could find (and would hit words) */
			char *copy = malloc(n + 1);

			if (!copy)
				return -1;
			memcpy(copy, p, n);
			copy[n] = '\0';
			reg.parts[reg.n] = copy;
			reg.lens[reg.n++] = n;
		}
		p = q ? q + 1 : end;
	}
	return 0;
}

static int token_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '/' || c == '=' || c == '_' || c == '-' || c == ',';
}

/* Replaces s[at..at+n) with REDACTED (or stars when n is shorter); returns the new length. */
static size_t redact(char *s, size_t len, size_t at, size_t n)
{
	size_t r = sizeof(REDACTED) - 1;

	if (n < r) {
		memset(s + at, '*', n);
		return len;
	}
	memcpy(s + at, REDACTED, r);
	memmove(s + at + r, s + at + n, len - at - n);
	return len - (n - r);
}

/* Length of a Fly-token-shaped run at s[i..len), or 0. */
static size_t shaped(const char *s, size_t i, size_t len)
{
	static const char *const pre[] = { "fm1a_", "fm1r_", "fm2_", "fo1_" };
	size_t k, j = i;

	if (len - i >= 6 && (s[i] == 'F' || s[i] == 'f') && strncmp(s + i + 1, "lyV1 ", 5) == 0 &&
	    (s[i + 1] == 'l' || s[i + 1] == 'L')) {
		j = i + 6;
		while (j < len && s[j] == ' ')
			j++;
	} else {
		for (k = 0; k < sizeof(pre) / sizeof(pre[0]); k++) {
			size_t pl = strlen(pre[k]);

			if (len - i >= pl && memcmp(s + i, pre[k], pl) == 0)
				break;
		}
		if (k == sizeof(pre) / sizeof(pre[0]))
			return 0;
		/* a word that merely ends in "fm2_" is still cut from there */
	}
	while (j < len && token_char((unsigned char)s[j]))
		j++;
	return j - i;
}

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i;

	if (nlen == 0 || nlen > hlen)
		return NULL;
	for (i = 0; i + nlen <= hlen; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return hay + i;
	return NULL;
}

size_t fa_scrub(char *s, size_t len, int pieces)
{
	size_t i, p;

	if (!s)
		return 0;
	/* the registered parts, whole */
	for (p = 0; p < reg.n; p++) {
		const char *at;

		while ((at = find(s, len, reg.parts[p], reg.lens[p])) != NULL)
			len = redact(s, len, (size_t)(at - s), reg.lens[p]);
	}
	/* 16-byte windows (at every 8th byte) of each part: a cut copy of a macaroon */
	for (p = 0; pieces && p < reg.n; p++) {
		size_t w;

		for (w = 0; w + PIECE <= reg.lens[p]; w += PIECE / 2) {
			const char *at;

			while ((at = find(s, len, reg.parts[p] + w, PIECE)) != NULL) {
				/* widen to all of the part the text holds around the window */
				size_t from = (size_t)(at - s), to = from + PIECE, pw = w;

				while (from > 0 && pw > 0 && s[from - 1] == reg.parts[p][pw - 1]) {
					from--;
					pw--;
				}
				while (to < len && pw + (to - from) < reg.lens[p] &&
				       s[to] == reg.parts[p][pw + (to - from)])
					to++;
				len = redact(s, len, from, to - from);
			}
		}
	}
	/* anything token-shaped */
	for (i = 0; i < len; i++) {
		size_t n = shaped(s, i, len);

		if (n >= 8) {
			len = redact(s, len, i, n);
			i += n < sizeof(REDACTED) - 1 ? n : sizeof(REDACTED) - 1;
			i--;
		}
	}
	s[len] = '\0';
	return len;
}
