/* transport — the one door to the servers.
 *
 * A transport runs one shell command on one host and streams its stdout and
 * stderr, line by line, to a sink.  Steps never reach a server any other
 * way.  Implementations: ssh (libssh2), local (fork/exec bash on this
 * machine), dry (runs nothing), and in tests a fake.
 *
 * The caller owns the transport and frees it with transport_free(); the sink
 * and the command are borrowed for the duration of run(). */
#ifndef MAILSHIFT_TRANSPORT_H
#define MAILSHIFT_TRANSPORT_H

#include <signal.h>

#include "core/plan.h"

enum sink_kind {
	SINK_OUT,    /* a line of an action's stdout */
	SINK_ERR,    /* a line of an action's stderr */
	SINK_STEP,   /* a step begins: its title */
	SINK_WHY,    /* the step's explanation */
	SINK_ACTION,  /* an action begins: what it does */
	SINK_COMMAND, /* the action's exact command */
	SINK_INFO,   /* mailshift tells the admin something */
	SINK_WARN,
	SINK_ERROR,
	SINK_PROGRESS, /* a transient status line (text ended by a lone '\r', as rsync's
	                  --info=progress2 writes): shown in place of the one before,
	                  never logged, journaled or kept as output */
};

struct sink {
	void (*emit)(void *ctx, enum sink_kind kind, enum host host, const char *text);
	void *ctx;
};

void sink_emit(const struct sink *s, enum sink_kind kind, enum host host, const char *text);
void sink_emitf(const struct sink *s, enum sink_kind kind, enum host host, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define TRANSPORT_FAILED (-1) /* could not run the command at all */

struct transport;

struct transport_ops {
	const char *name;
	/* Runs cmd on host with input (NULL: none) on its stdin; returns its
	 * exit status (0-255; 128+N for signal N) or TRANSPORT_FAILED, with the
	 * reason in transport_error(). */
	int (*run)(struct transport *t, enum host host, const char *cmd, const char *input,
	           const struct sink *sink);
	void (*free)(struct transport *t);
};

struct transport {
	const struct transport_ops *ops;
	char err[1024]; /* may hold several lines (a host key warning) */
};

/* stdin is empty (EOF at once). */
int transport_run(struct transport *t, enum host host, const char *cmd, const struct sink *sink);
/* stdin is the text `input` (at most TRANSPORT_INPUT_MAX bytes: a key, a
 * list), then EOF.  Never a secret: over SSH it lands in a temporary file
 * first, so the command runs with all of it or not at all. */
#define TRANSPORT_INPUT_MAX 65536
int transport_run_input(struct transport *t, enum host host, const char *cmd, const char *input,
                        const struct sink *sink);
const char *transport_error(const struct transport *t);
void transport_free(struct transport *t);

/* Runs every host's commands on this machine with bash -c. */
struct transport *transport_local_new(void);
/* How the SSH transport may ask the admin.  Both callbacks may be NULL
 * (nobody to ask: headless). */
struct ssh_options {
	int accept_new_host_key; /* record an unknown host key instead of refusing */
	/* a yes/no question: 1 yes, 0 no */
	int (*confirm)(void *ctx, const char *question);
	/* reads a secret (no echo) into buf; 0, or -1 when it cannot be asked */
	int (*secret)(void *ctx, const char *prompt, char *buf, size_t n);
	void *ctx;
	/* when set (Ctrl-C) while a command runs, the command is stopped on
	 * its host, not only awaited; NULL: never */
	const volatile sig_atomic_t *interrupted;
};

/* Runs source and target commands over SSH (libssh2), checking host keys
 * against the answers' known_hosts; local ones as transport_local_new().
 * Connects on first use; the answers and options (NULL: none) must outlive
 * the transport. */
struct transport *transport_ssh_new(const struct answers *a, const struct ssh_options *o);
/* Runs nothing and succeeds: the plan is only written down. */
struct transport *transport_dry_new(void);

/* Splits a byte stream into lines for a sink.  Feed it what a pipe or a
 * channel gives; a partial line waits for its end or for flush.  Text ended
 * by '\n' (or "\r\n") is a line of `kind`; text ended by a '\r' that no '\n'
 * follows is a SINK_PROGRESS piece (empty ones are dropped).  A '\r' at the
 * end of what was fed waits for the next byte (cr), so a "\r\n" split
 * across two reads is still one line end. */
struct line_splitter {
	char buf[4096];
	size_t len;
	int cr; /* buf[0..len) was ended by a '\r'; the next byte decides */
	int after_cr; /* buf follows a '\r' (rsync writes "\rPIECE"): a progress piece under way */
	size_t shown; /* that piece was passed on as progress at this length already */
	enum sink_kind kind;
	enum host host;
};

void line_splitter_feed(struct line_splitter *ls, const char *data, size_t n, const struct sink *sink);
void line_splitter_flush(struct line_splitter *ls, const struct sink *sink);

#endif
