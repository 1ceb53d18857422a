/* buf — a growable NUL-terminated byte string.
 *
 * A zeroed struct buf is an empty buffer.  `s` is owned by the buf until
 * buf_steal() hands it to the caller; buf_free() releases it.  `s` may be
 * NULL while len == 0: use buf_cstr() to read. */
#ifndef MAILSHIFT_BUF_H
#define MAILSHIFT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len, cap;
};

void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends text re-flowed into lines of at most `width` columns (a longer
 * word stands alone), each starting with prefix and ending with '\n'. */
void buf_add_wrapped(struct buf *b, const char *prefix, const char *text, size_t width);
const char *buf_cstr(const struct buf *b);
void buf_reset(struct buf *b);
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
