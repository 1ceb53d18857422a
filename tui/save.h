/* save — the interview's answers as a file: checked whole by the parser
 * (answers_parse, the same code that reads --answers), written with mode
 * 0600 and without a password, read back, and planned.  Knows nothing of
 * the form: it gets (section, key, value) items. */
#ifndef MAILSHIFT_TUI_SAVE_H
#define MAILSHIFT_TUI_SAVE_H

#include <stddef.h>

#include "core/answers.h"
#include "core/plan.h"

struct tui_save_item {
	const char *sec;   /* "source", "target", "options" */
	const char *name;  /* the key */
	const char *value; /* "": not written (the default) */
};

/* Parses the items as one answers file into *a.  -1 with the parser's
 * message (without "file:line: ") in err and the item it is about in
 * *bad (-1 when it names none). */
int tui_save_check(const struct tui_save_item *items, size_t n, struct answers *a, char *err, size_t errlen,
                   int *bad);
/* Writes the answers to path (a new file, mode 0600, renamed into place). */
int tui_save_write(const struct answers *a, const char *path, char *err, size_t errlen);
/* Reads path back into *a, applies ~/.ssh/config (not with local), and
 * builds the plan into *p.  -1 with a message; then *a and *p are empty. */
int tui_save_plan(const char *path, int local, const char *ssh_config, struct answers *a, struct plan *p,
                  char *err, size_t errlen);

#endif
