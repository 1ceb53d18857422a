#include "backends/transport.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"

void sink_emit(const struct sink *s, enum sink_kind kind, enum host host, const char *text)
{
	if (s && s->emit)
		s->emit(s->ctx, kind, host, text);
}

void sink_emitf(const struct sink *s, enum sink_kind kind, enum host host, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	sink_emit(s, kind, host, text);
	free(text);
}

int transport_run(struct transport *t, enum host host, const char *cmd, const struct sink *sink)
{
	return transport_run_input(t, host, cmd, NULL, sink);
}

int transport_run_input(struct transport *t, enum host host, const char *cmd, const char *input,
                        const struct sink *sink)
{
	t->err[0] = '\0';
	if (input && strlen(input) > TRANSPORT_INPUT_MAX) {
		snprintf(t->err, sizeof t->err, "the input of a command is limited to %d bytes", TRANSPORT_INPUT_MAX);
		return TRANSPORT_FAILED;
	}
	return t->ops->run(t, host, cmd, input, sink);
}

const char *transport_error(const struct transport *t)
{
	return t->err[0] ? t->err : "unknown transport error";
}

void transport_free(struct transport *t)
{
	if (t)
		t->ops->free(t);
}

static void emit_line(struct line_splitter *ls, const struct sink *sink)
{
	if (ls->len > 0 && ls->buf[ls->len - 1] == '\r')
		ls->len--;
	ls->buf[ls->len] = '\0';
	sink_emit(sink, ls->kind, ls->host, ls->buf);
	ls->len = 0;
}

/* A line longer than the buffer is passed on in pieces rather than lost. */
void line_splitter_feed(struct line_splitter *ls, const char *data, size_t n, const struct sink *sink)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t take = nl ? (size_t)(nl - data) : n;
		size_t room = sizeof ls->buf - 1 - ls->len;

		if (take > room)
			take = room;
		memcpy(ls->buf + ls->len, data, take);
		ls->len += take;
		data += take;
		n -= take;
		if (nl && data == nl) {
			data++;
			n--;
			emit_line(ls, sink);
		} else if (ls->len == sizeof ls->buf - 1) {
			emit_line(ls, sink);
		}
	}
}

void line_splitter_flush(struct line_splitter *ls, const struct sink *sink)
{
	if (ls->len > 0)
		emit_line(ls, sink);
}
