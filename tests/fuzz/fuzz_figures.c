/* The figure and note lines steps print (mailshift-figure, mailshift-note), as a
 * server sends them. */
#include "fuzz.h"

#include "core/figures.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct figure f;
	char *text = fuzz_text(data, size), note[512];

	figures_parse(text, &f);
	figures_note_parse(text, note, sizeof note);
	free(text);
	return 0;
}
