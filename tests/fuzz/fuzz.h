/* tests/fuzz — libFuzzer targets (Debian's clang) for every parser of
 * untrusted text.  Each target is one file with LLVMFuzzerTestOneInput; the
 * seeds of its corpus are in tests/fuzz/corpus/NAME.  `make fuzz` runs each
 * (FUZZ_SECONDS, 600 by default; tests/fuzz/run.sh). */
#ifndef MAILSHIFT_FUZZ_H
#define MAILSHIFT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string (its NUL bytes end it early, as they would for
 * the parser): the caller frees. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* The input as a file the parsers that read paths can open: a memfd, whose
 * path (/proc/self/fd/N) is written into path.  -1 when it cannot be made. */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t n)
{
	int fd = memfd_create("fuzz", 0);
	if (fd < 0)
		return -1;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	snprintf(path, n, "/proc/self/fd/%d", fd);
	return fd;
}

#endif
