/* SSH tunnels: a listening socket on 127.0.0.1, one direct-tcpip channel per
 * accepted connection, and a thread that pumps both ways with poll() over
 * the local sockets and the SSH socket (see tunnel.h for who owns what). */
#include "backends/tunnel.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>

#include "backends/ssh.h"
#include "core/xalloc.h"

#define TUNNEL_BUF 32768      /* bytes buffered per direction and connection */
#define TUNNEL_CONNS 16       /* connections at once */
#define TUNNEL_WAIT_MS 30000  /* longest wait for the server (open, close) */

struct conn {
	int fd;
	LIBSSH2_CHANNEL *ch;
	char up[TUNNEL_BUF];    /* read from the client, not yet in the channel */
	char down[TUNNEL_BUF];  /* read from the channel, not yet sent to the client */
	size_t uplen, downlen;
	unsigned local_eof : 1;  /* the client will send no more */
	unsigned eof_sent : 1;   /* the channel was told so */
	unsigned remote_eof : 1; /* the channel will give no more */
	unsigned shut : 1;       /* the client was told so */
	unsigned done : 1;       /* finished or broken: close it */
};

struct tunnel {
	LIBSSH2_SESSION *s;
	int sock;        /* the SSH socket (the transport's) */
	int lfd;         /* listening on 127.0.0.1:port */
	int wake[2];     /* tunnel_close writes to wake[1] */
	unsigned port;
	char *rhost;
	unsigned rport;
	pthread_t thread;
	pthread_mutex_t lock; /* guards err */
	char err[256];
	struct conn *conns[TUNNEL_CONNS];
};

static void set_error(struct tunnel *tun, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(struct tunnel *tun, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&tun->lock);
	va_start(ap, fmt);
	vsnprintf(tun->err, sizeof tun->err, fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&tun->lock);
}

static const char *ssh_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (at most ms) until the SSH socket can go the way libssh2 needs. */
static void wait_session(struct tunnel *tun, int ms)
{
	ssh_wait(tun->s, tun->sock, ms);
}

static LIBSSH2_CHANNEL *open_channel(struct tunnel *tun)
{
	long long end = now_ms() + TUNNEL_WAIT_MS;
	LIBSSH2_CHANNEL *ch;

	while (!(ch = libssh2_channel_direct_tcpip_ex(tun->s, tun->rhost, (int)tun->rport, "127.0.0.1",
	                                              (int)tun->port))) {
		if (libssh2_session_last_errno(tun->s) != LIBSSH2_ERROR_EAGAIN || now_ms() > end) {
			set_error(tun, "the server cannot open a connection to %s port %u: %s", tun->rhost,
			          tun->rport, ssh_error(tun->s));
			return NULL;
		}
		wait_session(tun, 200);
	}
	return ch;
}

static void close_conn(struct tunnel *tun, struct conn *c)
{
	long long end = now_ms() + TUNNEL_WAIT_MS;

	if (c->ch) {
		while (libssh2_channel_close(c->ch) == LIBSSH2_ERROR_EAGAIN && now_ms() < end)
			wait_session(tun, 200);
		while (libssh2_channel_free(c->ch) == LIBSSH2_ERROR_EAGAIN && now_ms() < end)
			wait_session(tun, 200);
		/* on a timeout the channel stays with the session, which frees it */
	}
	close(c->fd);
	free(c);
}

static void accept_conn(struct tunnel *tun)
{
	struct conn *c;
	int fd, i;

	fd = accept4(tun->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < TUNNEL_CONNS && tun->conns[i]; i++)
		;
	if (i == TUNNEL_CONNS) {
		set_error(tun, "more than %d connections through one tunnel", TUNNEL_CONNS);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof *c);
	c->fd = fd;
	c->ch = open_channel(tun);
	if (!c->ch) {
		close_conn(tun, c);
		return;
	}
	tun->conns[i] = c;
}

static int would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

/* Moves what can move without waiting; 1 when something did. */
static int pump(struct tunnel *tun, struct conn *c)
{
	int progress = 0;
	ssize_t n;

	/* client → buffer → channel, then the client's EOF */
	if (!c->local_eof && c->uplen < sizeof c->up) {
		n = recv(c->fd, c->up + c->uplen, sizeof c->up - c->uplen, 0);
		if (n > 0) {
			c->uplen += (size_t)n;
			progress = 1;
		} else if (n == 0 || !would_block()) {
			c->local_eof = 1;
			progress = 1;
			if (n < 0) /* reset: the client is gone */
				c->done = 1;
		}
	}
	while (c->uplen) {
		n = libssh2_channel_write(c->ch, c->up, c->uplen);
		if (n == LIBSSH2_ERROR_EAGAIN)
			break;
		if (n < 0) {
			set_error(tun, "writing to %s port %u through SSH failed: %s", tun->rhost, tun->rport,
			          ssh_error(tun->s));
			c->done = 1;
			return 1;
		}
		memmove(c->up, c->up + n, c->uplen - (size_t)n);
		c->uplen -= (size_t)n;
		progress = 1;
	}
	if (c->local_eof && !c->uplen && !c->eof_sent) {
		n = libssh2_channel_send_eof(c->ch);
		if (n != LIBSSH2_ERROR_EAGAIN) {
			c->eof_sent = 1; /* an error: the channel is closed already */
			progress = 1;
		}
	}

	/* channel → buffer → client, then the server's EOF */
	while (!c->remote_eof && c->downlen < sizeof c->down) {
		n = libssh2_channel_read(c->ch, c->down + c->downlen, sizeof c->down - c->downlen);
		if (n > 0) {
			c->downlen += (size_t)n;
			progress = 1;
			continue;
		}
		if (n == LIBSSH2_ERROR_EAGAIN && !libssh2_channel_eof(c->ch))
			break;
		if (n < 0 && n != LIBSSH2_ERROR_EAGAIN)
			set_error(tun, "reading from %s port %u through SSH failed: %s", tun->rhost, tun->rport,
			          ssh_error(tun->s));
		c->remote_eof = 1;
		progress = 1;
	}
	if (c->downlen) {
		n = send(c->fd, c->down, c->downlen, MSG_NOSIGNAL);
		if (n > 0) {
			memmove(c->down, c->down + n, c->downlen - (size_t)n);
			c->downlen -= (size_t)n;
			progress = 1;
		} else if (n < 0 && !would_block()) {
			c->done = 1; /* the client is gone */
			return 1;
		}
	}
	if (c->remote_eof && !c->downlen && !c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = 1;
		progress = 1;
	}
	if (c->shut && c->local_eof && c->eof_sent)
		c->done = 1;
	return progress;
}

static void *pump_thread(void *arg)
{
	struct tunnel *tun = arg;
	struct pollfd p[TUNNEL_CONNS + 3];

	for (;;) {
		int i, n = 0, progress = 0, sock_in = 0, dir;

		for (i = 0; i < TUNNEL_CONNS; i++) {
			struct conn *c = tun->conns[i];
			if (!c)
				continue;
			progress |= pump(tun, c);
			if (c->done) {
				close_conn(tun, c);
				tun->conns[i] = NULL;
			}
		}
		p[n] = (struct pollfd){ .fd = tun->wake[0], .events = POLLIN };
		n++;
		p[n] = (struct pollfd){ .fd = tun->lfd, .events = POLLIN };
		n++;
		for (i = 0; i < TUNNEL_CONNS; i++) {
			struct conn *c = tun->conns[i];
			if (!c)
				continue;
			p[n] = (struct pollfd){ .fd = c->fd, .events = 0 };
			if (!c->local_eof && c->uplen < sizeof c->up)
				p[n].events |= POLLIN;
			if (c->downlen)
				p[n].events |= POLLOUT;
			/* the SSH socket matters while a channel can take data in
			 * or waits to send (window, socket buffer) */
			if ((!c->remote_eof && c->downlen < sizeof c->down) || c->uplen)
				sock_in = 1;
			n++;
		}
		dir = libssh2_session_block_directions(tun->s);
		if (sock_in || (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)) {
			p[n] = (struct pollfd){ .fd = tun->sock, .events = sock_in ? POLLIN : 0 };
			if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
				p[n].events |= POLLOUT;
			n++;
		}
		if (poll(p, (nfds_t)n, progress ? 0 : 1000) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN)
			accept_conn(tun);
	}
	for (int i = 0; i < TUNNEL_CONNS; i++) {
		if (tun->conns[i])
			close_conn(tun, tun->conns[i]);
		tun->conns[i] = NULL;
	}
	return NULL;
}

struct tunnel *tunnel_open(struct transport *t, enum host h, const char *rhost, unsigned rport,
                           char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	struct tunnel *tun;
	LIBSSH2_SESSION *s;
	int sock;

	s = transport_ssh_session(t, h, &sock);
	if (!s) {
		snprintf(err, errlen, "%.*s", (int)strcspn(transport_error(t), "\n"), transport_error(t));
		return NULL;
	}
	tun = xcalloc(1, sizeof *tun);
	tun->s = s;
	tun->sock = sock;
	tun->rhost = xstrdup(rhost);
	tun->rport = rport;
	tun->wake[0] = tun->wake[1] = -1;
	pthread_mutex_init(&tun->lock, NULL);
	tun->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (tun->lfd < 0 || bind(tun->lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(tun->lfd, 8) < 0 ||
	    getsockname(tun->lfd, (struct sockaddr *)&a, &alen) < 0) {
		snprintf(err, errlen, "cannot listen on 127.0.0.1 for a tunnel: %s", strerror(errno));
		goto fail;
	}
	tun->port = ntohs(a.sin_port);
	if (pipe2(tun->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "cannot make a pipe for a tunnel: %s", strerror(errno));
		goto fail;
	}
	libssh2_session_set_blocking(s, 0);
	if (pthread_create(&tun->thread, NULL, pump_thread, tun) != 0) {
		libssh2_session_set_blocking(s, 1);
		snprintf(err, errlen, "cannot start the thread of a tunnel");
		goto fail;
	}
	return tun;
fail:
	if (tun->lfd >= 0)
		close(tun->lfd);
	if (tun->wake[0] >= 0) {
		close(tun->wake[0]);
		close(tun->wake[1]);
	}
	pthread_mutex_destroy(&tun->lock);
	free(tun->rhost);
	free(tun);
	return NULL;
}

unsigned tunnel_port(const struct tunnel *tun)
{
	return tun->port;
}

void tunnel_error(struct tunnel *tun, char *out, size_t n)
{
	pthread_mutex_lock(&tun->lock);
	snprintf(out, n, "%s", tun->err);
	pthread_mutex_unlock(&tun->lock);
}

void tunnel_close(struct tunnel *tun)
{
	if (!tun)
		return;
	while (write(tun->wake[1], "x", 1) < 0 && errno == EINTR)
		;
	pthread_join(tun->thread, NULL);
	libssh2_session_set_blocking(tun->s, 1);
	close(tun->lfd);
	close(tun->wake[0]);
	close(tun->wake[1]);
	pthread_mutex_destroy(&tun->lock);
	free(tun->rhost);
	free(tun);
}
