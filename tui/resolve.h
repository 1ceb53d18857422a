/* resolve — looks a host name up without holding the UI thread: the
 * lookup runs in a thread of its own, the UI polls it.  The handle is the
 * caller's until tui_resolve_free(), which never waits for the lookup. */
#ifndef MAILSHIFT_TUI_RESOLVE_H
#define MAILSHIFT_TUI_RESOLVE_H

#include <stddef.h>

struct tui_resolve;

struct tui_resolve *tui_resolve_start(const char *host);
/* 1 when the lookup is over: msg says "HOST is ADDRESS" or why it does not
 * resolve, *ok whether it did; 0 while it runs. */
int tui_resolve_poll(struct tui_resolve *r, char *msg, size_t n, int *ok);
void tui_resolve_free(struct tui_resolve *r);

#endif
