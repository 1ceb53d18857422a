/* ssh_int — what the SSH transport's files share (backends/ssh*.c only).
 *
 * ssh.c holds the sessions and runs commands; ssh_hostkey.c checks and
 * records host keys; ssh_auth.c logs in; ssh_config.c reads ~/.ssh/config.
 * Errors go into the transport's err, one message each, through ssh_fail(). */
#ifndef MAILSHIFT_SSH_INT_H
#define MAILSHIFT_SSH_INT_H

#include <libssh2.h>

#include "backends/transport.h"

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

#endif
