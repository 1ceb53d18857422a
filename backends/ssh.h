/* ssh — what the SSH transport lends to the tunnels (backends/tunnel.c),
 * and how it reads ~/.ssh/config. */
#ifndef MAILSHIFT_SSH_H
#define MAILSHIFT_SSH_H

#include <libssh2.h>

#include "backends/transport.h"

/* Connects to host (HOST_SOURCE or HOST_TARGET) if not yet connected, with
 * the host key checked and the login done, and lends its session and
 * socket.  NULL, with the reason in transport_error(t), when it cannot.
 *
 * The session stays the transport's: valid until the transport is freed or
 * one of its commands fails.  It is in blocking mode when lent and must be
 * given back so; nothing else may use it while a tunnel pumps through it. */
LIBSSH2_SESSION *transport_ssh_session(struct transport *t, enum host host, int *sock);

/* Waits at most ms until the socket can go the way libssh2 needs next (a
 * non-blocking session's call returned LIBSSH2_ERROR_EAGAIN). */
void ssh_wait(LIBSSH2_SESSION *s, int sock, int ms);

/* Fills the endpoint from an OpenSSH client config file (~/.ssh/config) as
 * ssh would for its host: HostName replaces the host; Port, User and
 * IdentityFile apply where the answers gave none.  A missing file is no
 * error; -1 with "path:line: ..." in err for a bad value. */
int ssh_config_apply(struct endpoint *e, const char *path, char *err, size_t errlen);

#endif
