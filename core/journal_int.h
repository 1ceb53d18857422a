/* What core/journal.c (writing, the resume point) and core/journal_report.c
 * (the checklist, times, figures, --report) share: the journal read back
 * as records.  Not for other modules. */
#ifndef MAILSHIFT_JOURNAL_INT_H
#define MAILSHIFT_JOURNAL_INT_H

#include <stddef.h>

/* One line of the journal split at its tabs (pointers into the text
 * journal_read() returns). */
struct journal_record {
	char *f[8]; /* enough for a checklist item's end line (its note has no tab) */
	int n;
	int line;
};

/* Reads the journal at path whole: *out (an array the caller frees) of
 * *count records pointing into *text (the caller frees it too).  A torn
 * last line (a write cut off) is left out.  0, 1 when there is no such
 * file, -1 with a message in err. */
int journal_read(const char *path, struct journal_record **out, size_t *count, char **text,
                 char *err, size_t errlen);
/* 1 when word is one of the comma-separated words of list. */
int journal_has_word(const char *list, const char *word);
/* 1 when r is a record of kind with at least fields fields. */
int journal_want(const struct journal_record *r, const char *kind, int fields);

#endif
