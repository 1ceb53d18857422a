/* rsync's progress lines (--info=progress2), as a server sends them. */
#include "fuzz.h"

#include "tui/progress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tui_progress p;
	char *text = fuzz_text(data, size), out[200];

	if (tui_progress_parse(text, &p) == 0)
		tui_progress_format(&p, (int)(size % 120), out, sizeof out);
	free(text);
	return 0;
}
