/* The SSH transport (libssh2): one session per host, opened on first use.
 * The host key is checked (backends/ssh_hostkey.c), the login done
 * (backends/ssh_auth.c), and each command runs in its own exec channel,
 * non-blocking: stdout and stderr are read as they come, and the command is
 * over when its exit status arrives, even if a daemon it started still holds
 * the channel.  HOST_LOCAL actions run through the local transport. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backends/ssh.h"
#include "backends/ssh_int.h"
#include "core/xalloc.h"

#define CONNECT_TIMEOUT_MS 10000
#define SESSION_TIMEOUT_MS 30000 /* handshake, login, opening a channel */
#define KEEPALIVE_S 15
#define DRAIN_MS 2000 /* after the exit status: how long the rest of the output may take */
#define STOP_MS 10000 /* after an interrupt's SIGTERM: how long the command may take to end */
#define TOKEN_SIZE 48 /* "mailshift-exit-" and 32 hex digits */

struct conn {
	const struct endpoint *ep;
	int sock;
	LIBSSH2_SESSION *session;
};

struct ssh {
	struct transport t;
	const struct ssh_options *opt;
	struct conn conn[2]; /* HOST_SOURCE, HOST_TARGET */
	struct transport *local;
	const char *backup_dir; /* the answers': where commands are recorded on each host */
	char token[TOKEN_SIZE]; /* marks the exit status line on stderr: the running command's */
};

int ssh_fail(struct transport *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof t->err, fmt, ap);
	va_end(ap);
	return TRANSPORT_FAILED;
}

const char *ssh_last_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

/* The kernel notices a peer that vanished without a word (power cut, a
 * dropped route) after about a minute and a half of silence. */
static void tcp_keepalive(int fd)
{
	int on = 1, idle = 30, intvl = 10, cnt = 6;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

static int dial(struct transport *t, const struct endpoint *ep)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	char port[8];
	int fd = -1, rc, err = 0;

	snprintf(port, sizeof port, "%u", ep->port);
	rc = getaddrinfo(ep->host, port, &hints, &res);
	if (rc != 0)
		return ssh_fail(t, "%s: %s", ep->host, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		socklen_t len = sizeof err;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		if (errno == EINPROGRESS) {
			p = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&p, 1, CONNECT_TIMEOUT_MS) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
			    !err)
				break;
			if (!err)
				err = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return ssh_fail(t, "cannot connect to %s port %u: %s", ep->host, ep->port, strerror(err));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	tcp_keepalive(fd);
	return fd;
}

static int open_conn(struct ssh *s, struct conn *c, const struct sink *sink)
{
	struct transport *t = &s->t;
	const struct endpoint *ep = c->ep;
	struct ssh_known k = {0};
	enum host h = c == &s->conn[1] ? HOST_TARGET : HOST_SOURCE;
	const char *side = h == HOST_TARGET ? "target" : "source", *user = ep->user ? ep->user : "root";
	int rc;

	if (sink) /* the wizard shows it while it waits (up to the connect timeout) */
		sink_emitf(sink, SINK_INFO, h, "connecting to the %s: %s@%s port %u", side, user,
		           ep->host, ep->port);
	c->sock = dial(t, ep);
	if (c->sock < 0)
		return TRANSPORT_FAILED;
	c->session = libssh2_session_init();
	if (!c->session)
		return ssh_fail(t, "%s: cannot start an SSH session", ep->host);
	libssh2_session_set_blocking(c->session, 1);
	libssh2_session_set_timeout(c->session, SESSION_TIMEOUT_MS);
	rc = ssh_hostkey_load(t, c->session, ep, &k);
	if (rc == 0 && libssh2_session_handshake(c->session, c->sock) != 0)
		rc = ssh_fail(t, "%s port %u: SSH handshake failed: %s", ep->host, ep->port,
		              ssh_last_error(c->session));
	if (rc == 0)
		rc = ssh_hostkey_check(t, c->session, ep, &k, s->opt, sink);
	ssh_hostkey_free(&k);
	if (rc == 0)
		rc = ssh_auth(t, c->session, ep, s->opt);
	if (rc == 0)
		libssh2_keepalive_config(c->session, 1, KEEPALIVE_S);
	if (rc == 0 && sink)
		sink_emitf(sink, SINK_INFO, h, "logged in to the %s as %s", side, user);
	if (rc == 0)
		rc = ssh_earlier(t, c->session, c->sock, h, ep->host, s->backup_dir, s->opt, sink);
	return rc;
}

static void close_conn(struct conn *c)
{
	if (c->session) {
		libssh2_session_disconnect(c->session, "mailshift is done");
		libssh2_session_free(c->session);
		c->session = NULL;
	}
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
}

void ssh_wait(LIBSSH2_SESSION *s, int sock, int ms)
{
	int dir = libssh2_session_block_directions(s);
	struct pollfd p = { .fd = sock, .events = 0 };

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (!p.events)
		p.events = POLLIN;
	poll(&p, 1, ms);
}

/* Waits for the socket, sending a keepalive when one is due. */
static void wait_socket(struct conn *c, int ms)
{
	int next = 0;

	libssh2_keepalive_send(c->session, &next);
	if (next > 0 && next * 1000 < ms)
		ms = next * 1000;
	ssh_wait(c->session, c->sock, ms);
}

/* The stderr sink sees every line first: the line carrying the token is the
 * wrapper's report of the exit status, not the command's output. */
struct watch {
	const struct sink *sink;
	const char *token;
	int status; /* -1 until the exit status line came */
	long pgid;  /* the command's process group on the host; 0 until announced */
	int held;   /* empty stderr lines not passed on yet: the last may be the
	             * wrapper's newline before its status line */
};

static void watch_release(struct watch *w, enum host h, int n)
{
	for (; w->held > 0 && n > 0; w->held--, n--)
		sink_emit(w->sink, SINK_ERR, h, "");
}

/* The wrapper prints "\nTOKEN STATUS\n" on stderr: the status line always
 * starts a line of its own, after an empty line when the command's stderr
 * ended with a newline.  The command's group comes first, the same way
 * ("\nTOKEN pgid N\n"), before the command writes anything. */
static void watch_emit(void *ctx, enum sink_kind kind, enum host h, const char *text)
{
	struct watch *w = ctx;
	size_t n = strlen(w->token);

	if (kind != SINK_ERR || w->status >= 0) {
		sink_emit(w->sink, kind, h, text);
		return;
	}
	if (!*text) {
		w->held++;
		return;
	}
	if (strncmp(text, w->token, n) == 0 && text[n] == ' ') {
		watch_release(w, h, w->held - 1);
		w->held = 0;
		if (strncmp(text + n + 1, "pgid ", 5) == 0 && !w->pgid)
			w->pgid = strtol(text + n + 6, NULL, 10);
		else
			w->status = atoi(text + n + 1);
		return;
	}
	watch_release(w, h, w->held);
	sink_emit(w->sink, kind, h, text);
}

static int lost(struct transport *t, struct conn *c, LIBSSH2_CHANNEL *ch, int rc)
{
	ssh_fail(t, "%s: the connection was lost while the command ran (%s); whether it finished "
	         "on the server is unknown: check there before going on", c->ep->host,
	         rc == LIBSSH2_ERROR_SOCKET_RECV || rc == LIBSSH2_ERROR_SOCKET_DISCONNECT ||
	         rc == LIBSSH2_ERROR_SOCKET_SEND ? "the server closed it or the network failed"
	                                         : ssh_last_error(c->session));
	libssh2_channel_free(ch);
	return TRANSPORT_FAILED;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads both streams until the channel ends, or, once the command's exit
 * status has come, DRAIN_MS later at most (a daemon the command started may
 * hold the channel open for ever).  The buffer is wiped: it may have held
 * a credential a probe read. */
static int pump(struct ssh *s, struct conn *c, LIBSSH2_CHANNEL *ch, struct line_splitter ls[2],
                struct watch *w, const struct sink *sink)
{
	struct transport *t = &s->t;
	char buf[16384];
	int i, rc = 0;
	long long until = -1, stopped = -1;

	for (;;) {
		int progress = 0;
		/* Ctrl-C: the command stops on its host too (SIGTERM to its group,
		 * SIGKILL if it still runs STOP_MS later); its status still comes */
		if (s->opt->interrupted && *s->opt->interrupted && w->pgid > 1 && w->status < 0 &&
		    (stopped < 0 || (stopped > 0 && now_ms() - stopped >= STOP_MS))) {
			sink_emitf(w->sink, SINK_INFO, ls[0].host, stopped < 0 ? "interrupted: stopping the command on the %s"
			                                                      : "the command on the %s still runs: killing it",
			           plan_host_name(ls[0].host));
			ssh_stop_group(c->session, w->pgid, stopped > 0);
			stopped = stopped < 0 ? now_ms() : 0;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;
			while ((n = libssh2_channel_read_ex(ch, i ? SSH_EXTENDED_DATA_STDERR : 0, buf, sizeof buf)) > 0) {
				line_splitter_feed(&ls[i], buf, (size_t)n, sink);
				progress = 1;
			}
			if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				rc = lost(t, c, ch, (int)n);
				goto out;
			}
		}
		if (libssh2_channel_eof(ch))
			goto out;
		if (w->status >= 0 && until < 0)
			until = now_ms() + DRAIN_MS;
		if (until >= 0 && now_ms() >= until)
			goto out;
		if (!progress)
			wait_socket(c, until >= 0 ? 50 : 1000);
	}
out:
	explicit_bzero(buf, sizeof buf);
	return rc;
}

/* SSH sends a signal's name; a shell reports 128 + its number. */
static int signal_number(const char *name)
{
	static const struct { const char *name; int n; } sigs[] = {
		{ "HUP", 1 }, { "INT", 2 }, { "QUIT", 3 }, { "ILL", 4 }, { "ABRT", 6 }, { "FPE", 8 },
		{ "KILL", 9 }, { "USR1", 10 }, { "SEGV", 11 }, { "USR2", 12 }, { "PIPE", 13 }, { "ALRM", 14 },
		{ "TERM", 15 },
	};
	size_t i;

	for (i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (!strcmp(name, sigs[i].name))
			return sigs[i].n;
	return 127; /* 255 in all: an unknown signal */
}

/* Writes all of it (a blocking write sends one packet at most), then the
 * end marker the wrapper checks. */
static int write_all(LIBSSH2_CHANNEL *ch, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = libssh2_channel_write(ch, p, n);
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_input(LIBSSH2_CHANNEL *ch, const char *input, const char *token)
{
	size_t n = strlen(input);
	char *end = xasprintf("%s%s-end\n", n && input[n - 1] != '\n' ? "\n" : "", token);
	int rc = write_all(ch, input, n) < 0 || write_all(ch, end, strlen(end)) < 0 ? -1 : 0;

	free(end);
	return rc;
}

/* A command too long for the exec request, on stdin first (ssh_wrap_long). */
static int send_cmd(LIBSSH2_CHANNEL *ch, const char *cmd, const char *token)
{
	size_t n = strlen(cmd);
	char *end = xasprintf("%s%s-cmd\n", n && cmd[n - 1] != '\n' ? "\n" : "", token);
	int rc = write_all(ch, cmd, n) < 0 || write_all(ch, end, strlen(end)) < 0 ? -1 : 0;

	free(end);
	return rc;
}

/* A fresh token for each command: 128 random bits.  A run-wide one was
 * visible in the source's process table, and whatever the source sends (an
 * rsync error message, a dump's) could then print a target command's
 * status line and make a failure a success. */
static void new_token(char out[TOKEN_SIZE])
{
	unsigned char r[16];
	size_t i;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		abort(); /* never a guessable token */
	memcpy(out, "mailshift-exit-", 15);
	for (i = 0; i < sizeof r; i++)
		snprintf(out + 15 + 2 * i, 3, "%02x", r[i]);
}

static int exec_on(struct ssh *s, struct conn *c, enum host host, const char *cmd, const char *input,
                   const struct sink *sink)
{
	struct transport *t = &s->t;
	struct watch w = { sink, s->token, -1, 0, 0 };
	struct sink ws = { watch_emit, &w };
	struct line_splitter ls[2] = { { .kind = SINK_OUT, .host = host }, { .kind = SINK_ERR, .host = host } };
	LIBSSH2_CHANNEL *ch;
	char *wrapped, *sig = NULL;
	int status, rc, long_cmd;

	new_token(s->token);
	libssh2_session_set_blocking(c->session, 1);
	ch = libssh2_channel_open_session(c->session);
	if (!ch)
		return ssh_fail(t, "%s: cannot open a channel: %s", c->ep->host, ssh_last_error(c->session));
	/* The command runs as a job of its own (backends/ssh_running.c); the
	 * login shell then reports its exit status on stderr, marked with this
	 * command's token.  Input goes to a file first, ended by a marker line: the
	 * command runs with all of it, or not at all when the connection broke
	 * while it was sent. */
	long_cmd = strlen(cmd) > SSH_WRAP_INLINE;
	wrapped = long_cmd ? ssh_wrap_long(s->token, s->backup_dir, input != NULL)
	                   : ssh_wrap(s->token, s->backup_dir, cmd, input != NULL);
	rc = libssh2_channel_exec(ch, wrapped);
	free(wrapped);
	if (rc != 0) {
		libssh2_channel_free(ch);
		return ssh_fail(t, "%s: cannot run the command: %s", c->ep->host, ssh_last_error(c->session));
	}
	if (long_cmd && send_cmd(ch, cmd, s->token) < 0) {
		libssh2_channel_free(ch); /* the command sees no end marker: it does not run */
		return ssh_fail(t, "%s: cannot send the command: %s", c->ep->host, ssh_last_error(c->session));
	}
	if (input && send_input(ch, input, s->token) < 0) {
		libssh2_channel_free(ch); /* the command sees no end marker: it does not run */
		return ssh_fail(t, "%s: cannot send the command its input: %s", c->ep->host, ssh_last_error(c->session));
	}
	libssh2_channel_send_eof(ch);
	libssh2_session_set_blocking(c->session, 0);
	rc = pump(s, c, ch, ls, &w, &ws);
	libssh2_session_set_blocking(c->session, 1);
	if (rc == 0) {
		line_splitter_flush(&ls[0], &ws);
		line_splitter_flush(&ls[1], &ws);
		watch_release(&w, host, w.held);
	}
	explicit_bzero(ls, sizeof ls); /* the probes read credentials through them */
	if (rc < 0)
		return rc;
	libssh2_channel_close(ch);
	if (w.status < 0)
		libssh2_channel_wait_closed(ch);
	status = w.status >= 0 ? w.status : libssh2_channel_get_exit_status(ch);
	if (w.status < 0 && libssh2_channel_get_exit_signal(ch, &sig, NULL, NULL, NULL, NULL, NULL) == 0 && sig) {
		sink_emitf(sink, SINK_ERR, host, "the command was killed by signal SIG%s", sig);
		status = 128 + signal_number(sig);
	} else if (w.status < 0 && status == 0) {
		sink_emitf(sink, SINK_ERR, host, "the command ended without an exit status");
		status = 255;
	}
	libssh2_free(c->session, sig);
	libssh2_channel_free(ch);
	return status;
}

LIBSSH2_SESSION *transport_ssh_session(struct transport *t, enum host host, int *sock)
{
	struct ssh *s = (struct ssh *)t;
	struct conn *c = &s->conn[host == HOST_TARGET];

	t->err[0] = '\0';
	if (!c->session && open_conn(s, c, NULL) < 0) {
		close_conn(c);
		return NULL;
	}
	*sock = c->sock;
	return c->session;
}

static int ssh_run(struct transport *t, enum host host, const char *cmd, const char *input,
                   const struct sink *sink)
{
	struct ssh *s = (struct ssh *)t;
	struct conn *c;
	int rc;

	if (host == HOST_LOCAL) {
		rc = transport_run_input(s->local, host, cmd, input, sink);
		if (rc == TRANSPORT_FAILED)
			snprintf(t->err, sizeof t->err, "%s", transport_error(s->local));
		return rc;
	}
	c = &s->conn[host == HOST_TARGET];
	if (!c->session && open_conn(s, c, sink) < 0) {
		close_conn(c);
		return TRANSPORT_FAILED;
	}
	rc = exec_on(s, c, host, cmd, input, sink);
	if (rc == TRANSPORT_FAILED)
		close_conn(c); /* the next try reconnects */
	return rc;
}

static void ssh_free(struct transport *t)
{
	struct ssh *s = (struct ssh *)t;

	close_conn(&s->conn[0]);
	close_conn(&s->conn[1]);
	transport_free(s->local);
	free(s);
	libssh2_exit();
}

static const struct transport_ops ssh_ops = {
	.name = "ssh",
	.run = ssh_run,
	.free = ssh_free,
};

struct transport *transport_ssh_new(const struct answers *a, const struct ssh_options *o)
{
	static const struct ssh_options none;
	struct ssh *s = xcalloc(1, sizeof *s);

	libssh2_init(0);
	s->t.ops = &ssh_ops;
	s->opt = o ? o : &none;
	s->conn[0] = (struct conn){ &a->source, -1, NULL };
	s->conn[1] = (struct conn){ &a->target, -1, NULL };
	s->backup_dir = a->opt.backup_dir;
	s->local = transport_local_new();
	return &s->t;
}
