/* answers_int — what the two files of the answers module share:
 * core/answers.c parses and checks a file, core/answers_keys.c holds the
 * table of keys (names, types, help) and writes files, core/answers_help.c
 * explains each key in plain words.  Other modules use
 * core/answers.h only. */
#ifndef MAILSHIFT_ANSWERS_INT_H
#define MAILSHIFT_ANSWERS_INT_H

#include <stddef.h>

#include "core/answers.h"

enum section { SEC_NONE, SEC_SOURCE, SEC_TARGET, SEC_OPTIONS };

struct key {
	enum section sec; /* SEC_NONE: in [source] and [target] */
	const char *name;
	enum answers_type type;
	size_t off;       /* in struct endpoint or struct options */
	const char *help; /* for the template and the wizard */
};

/* Every key of a file, in the template's order (at most 64: a bit each). */
extern const struct key answers_keys[];
extern const size_t answers_nkeys;
/* Indexed by enum stack / enum backend; [0] is "". */
extern const char *const answers_stack_names[];
extern const size_t answers_nstacks;
extern const char *const answers_backend_names[];
extern const size_t answers_nbackends;

/* Key `name`'s explanation in plain words (core/answers_help.c), a static
 * string; NULL when it has none. */
const char *answers_explain(const char *name);

/* "source", "target", "options": the section; SEC_NONE for anything else. */
enum section answers_section(const char *sec);
/* The index of key `name` of section sec in answers_keys, or -1. */
int answers_find_key(const char *name, enum section sec);

#endif
