/* progress — a copy's progress line, read for the run screen.
 *
 * The mail-store copies run rsync with --info=progress2, which writes, in
 * place (a SINK_PROGRESS line, backends/transport.h), the whole transfer's
 *     BYTES  PCT%  RATE  TIME [(xfr#N, to-chk=LEFT/TOTAL)]
 * e.g. "  1,234,567  45%   12.34MB/s    0:00:12 (xfr#3, to-chk=10/100)".
 * TIME is the time left while a file is being copied, but on the lines
 * written as a file ends (those with "xfr#") it is the time since the copy
 * began (rsync's progress.c, 3.1 and later): there the time left is worked
 * out from it and the percentage.  Numbers may carry the server's locale's
 * separators ("1.234.567", "12,34MB/s") or units ("1.23G" with -h).
 *
 * Plain functions on caller-owned memory; no curses. */
#ifndef MAILSHIFT_TUI_PROGRESS_H
#define MAILSHIFT_TUI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

struct tui_progress {
	uint64_t bytes;               /* copied (or matched) so far */
	int percent;                  /* 0..100 of the whole transfer */
	double rate;                  /* bytes per second */
	long eta;                     /* seconds left; -1 unknown */
	int estimated;                /* eta worked out from the time since the start */
	long files_left, files_total; /* to-chk=LEFT/TOTAL; -1 when not given */
	int listing;                  /* ir-chk: rsync still lists files, the total grows */
};

/* 0 and *p from a progress2 line, or -1: not one (show the text as it is). */
int tui_progress_parse(const char *text, struct tui_progress *p);
/* "512 B", "1.2 KB", "305 MB", "1.2 GB" (1024-based, as rsync's rates). */
void tui_progress_size(double bytes, char *out, size_t n);
/* The whole line in at most `width` columns (ASCII): a bar "[####....]",
 * then percent, bytes, rate, the time left and, when there is room, the
 * files left to check.  Returns how many of the bar's cells are filled
 * (they begin at column 1), or -1 when even a short bar does not fit (out
 * then holds the figures alone). */
int tui_progress_format(const struct tui_progress *p, int width, char *out, size_t n);

#endif
