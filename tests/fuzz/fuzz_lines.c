/* The line splitter: a byte stream from a server cut into lines and
 * progress pieces, fed in reads whose sizes the input's first byte picks. */
#include "fuzz.h"

#include "backends/transport.h"

static void drop(void *ctx, enum sink_kind kind, enum host h, const char *text)
{
	size_t *n = ctx;
	(void)kind;
	(void)h;
	*n += strlen(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_splitter ls = { .kind = SINK_OUT, .host = HOST_SOURCE };
	size_t seen = 0, step, i;
	struct sink sink = { drop, &seen };

	if (!size)
		return 0;
	step = (size_t)data[0] % 97 + 1;
	for (i = 1; i < size; i += step)
		line_splitter_feed(&ls, (const char *)data + i, size - i < step ? size - i : step, &sink);
	line_splitter_flush(&ls, &sink);
	return 0;
}
