/* ssh_int — what the SSH transport's files share (backends/ssh*.c only).
 *
 * ssh.c holds the sessions and runs commands; ssh_hostkey.c checks and
 * records host keys; ssh_auth.c logs in; ssh_config.c reads ~/.ssh/config.
 * Errors go into the transport's err, one message each, through ssh_fail(). */
#ifndef MAILSHIFT_SSH_INT_H
#define MAILSHIFT_SSH_INT_H

#include <libssh2.h>

#include "backends/transport.h"
#include "core/buf.h"

/* Sets t->err and returns TRANSPORT_FAILED. */
int ssh_fail(struct transport *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* libssh2's last error message for the session (never NULL). */
const char *ssh_last_error(LIBSSH2_SESSION *s);

/* Host keys (ssh_hostkey.c).  ssh_hostkey_load() reads the endpoint's
 * known_hosts (or ~/.ssh/known_hosts) before the handshake and asks the
 * server for the key type stored there; ssh_hostkey_check() afterwards
 * accepts a known key, refuses a changed one always, and for an unknown one
 * asks the admin or records it when the options allow, else refuses. */
struct ssh_known {
	LIBSSH2_KNOWNHOSTS *kh;
	char file[512];
	int missing; /* the file does not exist yet */
};

int ssh_hostkey_load(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep,
                     struct ssh_known *k);
int ssh_hostkey_check(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep,
                      struct ssh_known *k, const struct ssh_options *o, const struct sink *sink);
void ssh_hostkey_free(struct ssh_known *k);

/* Logs in (ssh_auth.c): the identity file (asking its passphrase), the
 * ssh-agent, the default keys of ~/.ssh, then a password (the answers' or
 * asked), as the server allows.  Secrets are wiped after use. */
int ssh_auth(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep,
             const struct ssh_options *o);

/* Commands of this run and of earlier ones (ssh_running.c).
 *
 * ssh_wrap() returns (caller frees) the text an exec channel runs for cmd:
 * cmd as a job in a process group of its own, recorded under
 * backup_dir/running while it runs, its group announced on stderr as
 * "TOKEN pgid N" before it starts, its exit status as "TOKEN STATUS" at the
 * end; with input, its stdin is the input that followed (ended by the
 * "TOKEN-end" line), or it does not run.  The wrapper is
 * backends/sh/running.sh; cmd reaches it as a quoted value, or, when it is
 * longer than SSH_WRAP_INLINE bytes (an SSH packet holds about 32 KB: a
 * longer exec request fails), on stdin before the input, ended by the line
 * "TOKEN-cmd" (ssh_wrap_long() makes that wrapper; the caller sends cmd
 * first), or it does not run.
 *
 * ssh_side_run() runs cmd on a channel of its own beside the session's
 * running one (blocking; the session's mode is kept) and returns its exit
 * status, or -1; at most 64 KB of its stdout land in out (may be NULL).
 * ssh_stop_group() sends SIGTERM (hard: SIGKILL) to a process group there.
 *
 * ssh_earlier() looks, right after the login, for a command an earlier run
 * started that still runs on the host: it shows it on the sink, asks the
 * admin (o->confirm) whether to stop it, else waits until it ends.  Without
 * a sink it fails instead, naming it.  0 once nothing of an earlier run
 * runs there, or TRANSPORT_FAILED. */
char *ssh_wrap(const char *token, const char *backup_dir, const char *cmd, int input);
#define SSH_WRAP_INLINE 24576
char *ssh_wrap_long(const char *token, const char *backup_dir, int input);
int ssh_side_run(LIBSSH2_SESSION *s, const char *cmd, struct buf *out);
void ssh_stop_group(LIBSSH2_SESSION *s, long pgid, int hard);
int ssh_earlier(struct transport *t, LIBSSH2_SESSION *s, int sock, enum host h, const char *hostname,
                const char *backup_dir, const struct ssh_options *o, const struct sink *sink);

#endif
