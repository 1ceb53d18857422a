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
/* True when s can be written unquoted (letters, digits, and -_./:@+, not starting with -). */
int shell_is_plain(const char *s);

#endif
