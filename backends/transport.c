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

/* Passes buf on as kind (an empty progress piece is nothing) and empties it. */
static void emit_buf(struct line_splitter *ls, enum sink_kind kind, const struct sink *sink)
{
	ls->buf[ls->len] = '\0';
	if (kind != SINK_PROGRESS || (ls->len > 0 && ls->shown != ls->len))
		sink_emit(sink, kind, ls->host, ls->buf);
	ls->len = ls->shown = 0;
	ls->cr = 0;
	ls->after_cr = kind == SINK_PROGRESS;
}

/* A line longer than the buffer is passed on in pieces rather than lost.
 * nl is the next '\n' at or after data (searched once per line, not per
 * progress piece: rsync writes hundreds of pieces between newlines). */
void line_splitter_feed(struct line_splitter *ls, const char *data, size_t n, const struct sink *sink)
{
	const char *stop = data + n, *nl = memchr(data, '\n', n);

	while (data < stop) {
		const char *cr, *end;
		size_t take, room;

		if (ls->cr) { /* "\r\n" ends a line; a '\r' before anything else ends a progress piece */
			if (*data == '\n') {
				data++;
				emit_buf(ls, ls->kind, sink);
			} else {
				emit_buf(ls, SINK_PROGRESS, sink);
			}
			continue;
		}
		if (nl && nl < data)
			nl = memchr(data, '\n', (size_t)(stop - data));
		cr = memchr(data, '\r', (size_t)((nl ? nl : stop) - data));
		end = cr ? cr : nl;
		take = (size_t)((end ? end : stop) - data);
		room = sizeof ls->buf - 1 - ls->len;
		if (take > room)
			take = room;
		memcpy(ls->buf + ls->len, data, take);
		ls->len += take;
		data += take;
		if (end && data == end) {
			data++;
			if (*end == '\n')
				emit_buf(ls, ls->kind, sink);
			else
				ls->cr = 1;
		} else if (ls->len == sizeof ls->buf - 1) {
			emit_buf(ls, ls->kind, sink);
		}
	}
	/* rsync writes "\rPIECE" and flushes: the piece after the last '\r' is
	 * the newest figure; shown now (kept: what follows may still complete
	 * it, or make it a line) rather than when the next piece comes */
	if (ls->after_cr && !ls->cr && ls->len > ls->shown) {
		ls->buf[ls->len] = '\0';
		sink_emit(sink, SINK_PROGRESS, ls->host, ls->buf);
		ls->shown = ls->len;
	}
}

/* What is left is the stream's last text: a line, even when a '\r' ended it
 * (the last thing a command showed stays in the log). */
void line_splitter_flush(struct line_splitter *ls, const struct sink *sink)
{
	if (ls->len > 0)
		emit_buf(ls, ls->kind, sink);
	ls->cr = ls->after_cr = 0;
	ls->shown = 0;
}
