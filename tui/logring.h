/* logring — the last lines of a run's output, in bounded memory whatever
 * the volume: at most `cap` lines of at most TUI_LOGRING_LINE_MAX bytes
 * each (longer ones are cut at a character boundary).  Lines are numbered
 * from 0 as pushed (seq); the oldest go when the ring is full.  Every call
 * takes the ring's mutex: the worker pushes while the UI thread reads.
 *
 * The ring owns its lines; tui_logring_free() releases them. */
#ifndef MAILSHIFT_TUI_LOGRING_H
#define MAILSHIFT_TUI_LOGRING_H

#include <stddef.h>
#include <stdint.h>

#define TUI_LOGRING_LINE_MAX 1024

struct tui_logring;

struct tui_logring *tui_logring_new(size_t cap);
void tui_logring_free(struct tui_logring *r);
/* Appends a copy of text (one line) with a tag the caller defines. */
void tui_logring_push(struct tui_logring *r, int tag, const char *text);
/* The seq of the oldest line kept, and of the next line to come: lines
 * begin..end-1 can be read. */
uint64_t tui_logring_begin(struct tui_logring *r);
uint64_t tui_logring_end(struct tui_logring *r);
/* Copies line seq into out (cut to n) and its tag: 0, or -1 when the line
 * is gone or not yet there. */
int tui_logring_get(struct tui_logring *r, uint64_t seq, char *out, size_t n, int *tag);
/* The first line at or after `from` (backward: at or before) that holds
 * needle, ignoring ASCII case, or -1.  Only lines still kept are searched. */
int64_t tui_logring_search(struct tui_logring *r, uint64_t from, int backward, const char *needle);
/* Bytes of text held now (the memory bound: cap * (LINE_MAX + 1)). */
size_t tui_logring_bytes(struct tui_logring *r);

#endif
