/* buf.h: a growable byte buffer with a hard maximum size.
 *
 * Invariants: `data` is NULL or NUL-terminated at `len`; `len < cap`; `len <= max`.
 * Every append is checked: on failure (-1) the buffer is released and reset, so a
 * caller that ignores the contents after an error cannot read a half-written value.
 * Anything that holds bytes from the network is built with a cap.
 */
#ifndef FLYAUDIT_BUF_H
#define FLYAUDIT_BUF_H

#include <stddef.h>

typedef struct fa_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max; /* largest allowed len; 0 = FA_BUF_DEFAULT_MAX */
} fa_buf;

#define FA_BUF_DEFAULT_MAX ((size_t)64 * 1024 * 1024)
#define FA_BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

/* Sets up an empty buffer that may grow to `max` bytes (0 = FA_BUF_DEFAULT_MAX). */
void fa_buf_init(fa_buf *b, size_t max);
/* Appends n bytes. Returns 0, or -1 (buffer released) when it would pass max or on OOM. */
int fa_buf_add(fa_buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. Same errors as fa_buf_add. */
int fa_buf_adds(fa_buf *b, const char *s);
/* printf-style append. Same errors as fa_buf_add. */
int fa_buf_printf(fa_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
/* Drops the first n bytes (a queue read from the front); gives memory back once the
 * buffer is less than a quarter full. n larger than len empties it. */
void fa_buf_consume(fa_buf *b, size_t n);
/* Empties the buffer but keeps its memory. */
void fa_buf_reset(fa_buf *b);
/* Frees the memory; the buffer is empty and reusable with the same max. */
void fa_buf_release(fa_buf *b);
/* Like release, but overwrites the contents first (for buffers that held a token). */
void fa_buf_cleanse(fa_buf *b);
/* Hands the contents to the caller (free() them); the buffer is left empty.
 * Returns "" duplicated when empty, NULL on OOM. */
char *fa_buf_detach(fa_buf *b, size_t *len);

/* Overwrites n bytes in a way the compiler cannot drop. */
void fa_memzero(void *p, size_t n);

#endif
