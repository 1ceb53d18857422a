#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void buf_add(struct buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->cap, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);
	buf_adds(b, s);
	free(s);
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_add_wrapped(struct buf *b, const char *prefix, const char *text, size_t width)
{
	size_t col = 0, plen = strlen(prefix);
	const char *w = text;

	for (;;) {
		size_t len;
		while (*w == ' ')
			w++;
		len = strcspn(w, " ");
		if (!len)
			break;
		if (col && col + 1 + len > width) {
			buf_addc(b, '\n');
			col = 0;
		}
		if (col) {
			buf_addc(b, ' ');
			col++;
		} else {
			buf_adds(b, prefix);
			col = plen;
		}
		buf_add(b, w, len);
		col += len;
		w += len;
	}
	if (col)
		buf_addc(b, '\n');
}

const char *buf_cstr(const struct buf *b)
{
	return b->s ? b->s : "";
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

char *buf_steal(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void buf_free(struct buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}
