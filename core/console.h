/* console — the headless sink and prompts: step headers, the why, action
 * notes and output lines on stdout/stderr, an optional log file with
 * timestamps and the full commands, and questions asked on stdin (each
 * step, destructive actions, failures, checklist items).  Progress lines
 * (SINK_PROGRESS) are shown in place when out is a terminal, dropped
 * otherwise, and never logged.
 *
 * struct console is owned by the caller; console_close() closes the log. */
#ifndef MAILSHIFT_CONSOLE_H
#define MAILSHIFT_CONSOLE_H

#include <stdio.h>

#include "backends/transport.h"
#include "core/runner.h"

struct console {
	FILE *out, *err, *in;
	FILE *log;  /* NULL: no log file */
	int quiet;   /* only warnings and errors on the terminal */
	int verbose; /* the exact commands on the terminal too */
	int progress; /* a SINK_PROGRESS line is showing on out (a terminal) */
};

/* Opens the log file (created 0600, appended).  -1 with a message in err. */
int console_open_log(struct console *c, const char *path, char *err, size_t errlen);
void console_close(struct console *c);
struct sink console_sink(struct console *c);
struct runner_ui console_ui(struct console *c);
/* Asks a yes/no question; def is the answer to an empty line.  EOF is no. */
int console_ask_yes(struct console *c, const char *question, int def);
/* For struct ssh_options (ctx is the console): a multi-line question, no
 * by default; and a secret read without echo from the terminal, or from a
 * piped stdin (-1 when neither can be read).  Secrets are never logged. */
int console_confirm(void *ctx, const char *question);
int console_secret(void *ctx, const char *prompt, char *buf, size_t n);

#endif
