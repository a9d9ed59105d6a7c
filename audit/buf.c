/* buf.c: the capped growable buffer of buf.h, shared by the client, the audit core
 * and flymock. */
#include "flyaudit/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fa_buf_init(fa_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : FA_BUF_DEFAULT_MAX;
}

static size_t buf_max(const fa_buf *b)
{
	return b->max ? b->max : FA_BUF_DEFAULT_MAX;
}

static int buf_grow(fa_buf *b, size_t need)
{
	size_t want;
	char *p;

	if (need > buf_max(b) || need == (size_t)-1) {
		fa_buf_release(b);
		return -1;
	}
	if (need + 1 <= b->cap)
		return 0;
	want = b->cap ? b->cap : 256;
	while (want < need + 1)
		want = want > ((size_t)-1) / 2 ? need + 1 : want * 2;
	p = realloc(b->data, want);
	if (!p) {
		fa_buf_release(b);
		return -1;
	}
	b->data = p;
	b->cap = want;
	return 0;
}

int fa_buf_add(fa_buf *b, const void *p, size_t n)
{
	if (n > buf_max(b) - b->len) {
		fa_buf_release(b);
		return -1;
	}
	if (buf_grow(b, b->len + n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int fa_buf_adds(fa_buf *b, const char *s)
{
	return fa_buf_add(b, s, strlen(s));
}

int fa_buf_printf(fa_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fa_buf_release(b);
		return -1;
	}
	if (buf_grow(b, b->len + (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void fa_buf_consume(fa_buf *b, size_t n)
{
	if (!b->data)
		return;
	if (n > b->len)
		n = b->len;
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
	if (b->cap > 4096 && b->len + 1 < b->cap / 4) {
		char *p = realloc(b->data, b->cap / 2);

		if (p) {
			b->data = p;
			b->cap /= 2;
		}
	}
}

void fa_buf_reset(fa_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

void fa_buf_release(fa_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void fa_memzero(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

void fa_buf_cleanse(fa_buf *b)
{
	if (b->data)
		fa_memzero(b->data, b->cap);
	fa_buf_release(b);
}

char *fa_buf_detach(fa_buf *b, size_t *len)
{
	char *p = b->data;

	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}
