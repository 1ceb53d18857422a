/* ssh — what the SSH transport lends to the tunnels (backends/tunnel.c).
 *
 * Only for a transport made by transport_ssh_new(). */
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

#endif
