/* tunnel — a local TCP port that leads, through a host's SSH session, to a
 * TCP port as seen from that host (e.g. 127.0.0.1:3306 on the server).
 *
 * The database client libraries (libmariadb, libpq, libldap) connect to
 * 127.0.0.1:tunnel_port() and talk to the server's own database, which need
 * not listen on the network.  Each accepted connection gets its own
 * direct-tcpip channel; a thread pumps the bytes both ways (bounded buffers,
 * EOF passed on in each direction) while the caller's client calls block.
 *
 * The session is borrowed from the SSH transport (transport_ssh_session):
 * from tunnel_open() to tunnel_close() the tunnel's thread owns it, in
 * non-blocking mode, and NOTHING else may use the transport for that host
 * (no transport_run, no second tunnel on the same host).  tunnel_close()
 * gives it back in blocking mode.  libssh2 1.10: TCP only. */
#ifndef MAILSHIFT_TUNNEL_H
#define MAILSHIFT_TUNNEL_H

#include <stddef.h>

#include "backends/transport.h"

struct tunnel;

/* Connects the transport's host h if needed and listens on 127.0.0.1 (an
 * ephemeral port).  NULL with one line in err when it cannot.  The caller
 * owns the tunnel and ends it with tunnel_close(); t must outlive it. */
struct tunnel *tunnel_open(struct transport *t, enum host h, const char *rhost, unsigned rport,
                           char *err, size_t errlen);
/* The local port to connect to (on 127.0.0.1). */
unsigned tunnel_port(const struct tunnel *tun);
/* Why the last connection through the tunnel failed (the channel could not
 * be opened, the session broke), or "" when none did; copied into out. */
void tunnel_error(struct tunnel *tun, char *out, size_t n);
/* Stops the pump, closes every channel and local connection, gives the
 * session back in blocking mode and frees everything.  NULL is fine. */
void tunnel_close(struct tunnel *tun);

#endif
