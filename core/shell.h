/* shell — the one door from user text to a shell command line.
 *
 * Property (tested on a generated corpus): for every byte string s without
 * NUL, `sh -c "printf %s $(shell_quote s)"` prints exactly s.
 *
 * shell_fmt() builds a command from a template: "%q" inserts the next
 * argument quoted, "%s" inserts it verbatim (only for text mailshift itself
 * wrote, never for answers or remote output), "%d" an int, "%u" an unsigned,
 * "%%" a percent sign.  Any other conversion aborts: a typo must not become
 * an injection.  The returned string belongs to the caller (free()). */
#ifndef MAILSHIFT_SHELL_H
#define MAILSHIFT_SHELL_H

#include <stdarg.h>

#include "core/buf.h"

void shell_quote_into(struct buf *out, const char *s);
char *shell_quote(const char *s);
char *shell_fmt(const char *fmt, ...);
char *shell_vfmt(const char *fmt, va_list ap);
/* A here-document ends at the first line equal to its delimiter (inside
 * $( ) bash also ends it at "DELIM)"), and its text may come from a hostile
 * server or the admin's answers: base, else base_1, base_2, ..., the first
 * that no line of text begins with.  The caller frees. */
char *shell_heredoc_delimiter(const char *text, const char *base);
/* Appends a shell assignment of value to the variable name ([a-z_]+), so
 * that name holds exactly value: NAME='VALUE' (shell_quote_into), or, for
 * a text of several lines with single quotes in it (a program: awk, a
 * script), a quoted here-document a person can read, then the one newline
 * it adds taken off:
 *   { IFS= read -r -d '' NAME || :; } <<'MS_VALUE'
 *   ...value...
 *   MS_VALUE
 *   NAME=${NAME%$'\n'}
 * Each form ends in a newline. */
void shell_assign_into(struct buf *out, const char *name, const char *value);
/* True when s can be written unquoted (letters, digits, and -_./:@+, not starting with -). */
int shell_is_plain(const char *s);

#endif
