/* The answers file: answers_parse() on any text. */
#include "fuzz.h"

#include "core/answers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct answers a;
	char err[512], *text = fuzz_text(data, size);

	if (answers_parse(&a, "fuzz.conf", text, err, sizeof err) == 0)
		answers_free(&a);
	free(text);
	return 0;
}
