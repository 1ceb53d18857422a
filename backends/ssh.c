/* The SSH transport (libssh2): one session per host, opened on first use.
 * The host key is checked against the answers' known_hosts file (never
 * accepted blindly), the user logs in with the identity file or the agent,
 * and each command runs in its own exec channel, stdout and stderr read
 * until both end.  HOST_LOCAL actions run through the local transport. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh2.h>

#include "backends/ssh.h"
#include "backends/transport.h"
#include "core/xalloc.h"

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
};

static int fail(struct transport *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct transport *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, sizeof t->err, fmt, ap);
	va_end(ap);
	return TRANSPORT_FAILED;
}

static const char *ssh_error(LIBSSH2_SESSION *s)
{
	char *msg = NULL;
	libssh2_session_last_error(s, &msg, NULL, 0);
	return msg && *msg ? msg : "unknown error";
}

/* A TCP connection with a 10 s timeout. */
static int dial(struct transport *t, const struct endpoint *ep)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	char port[8];
	int fd = -1, rc, err = 0;

	snprintf(port, sizeof port, "%u", ep->port);
	rc = getaddrinfo(ep->host, port, &hints, &res);
	if (rc != 0)
		return fail(t, "%s: %s", ep->host, gai_strerror(rc));
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
			if (poll(&p, 1, 10000) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
				break;
			if (!err)
				err = ETIMEDOUT;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fail(t, "cannot connect to %s port %u: %s", ep->host, ep->port, strerror(err));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static const char *method_for(int keybit)
{
	switch (keybit) {
	case LIBSSH2_KNOWNHOST_KEY_ED25519: return "ssh-ed25519";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: return "ecdsa-sha2-nistp256";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: return "ecdsa-sha2-nistp384";
	case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: return "ecdsa-sha2-nistp521";
	case LIBSSH2_KNOWNHOST_KEY_SSHRSA: return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
	case LIBSSH2_KNOWNHOST_KEY_SSHDSS: return "ssh-dss";
	}
	return NULL;
}

static int keybit_for(int hostkey_type)
{
	switch (hostkey_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
	case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
	case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
	}
	return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
}

/* Asks the server for the key type known_hosts holds for it (plain entries),
 * so a file with one key type does not look like a mismatch. */
static void prefer_stored_type(LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *kh, const struct endpoint *ep)
{
	struct libssh2_knownhost *store = NULL, *prev = NULL;
	char bracketed[300];

	snprintf(bracketed, sizeof bracketed, "[%s]:%u", ep->host, ep->port);
	while (libssh2_knownhost_get(kh, &store, prev) == 0) {
		const char *m;
		prev = store;
		if (!store->name)
			continue;
		if (ep->port == 22 ? strcmp(store->name, ep->host) : strcmp(store->name, bracketed))
			continue;
		m = method_for(store->typemask & LIBSSH2_KNOWNHOST_KEY_MASK);
		if (m)
			libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, m);
		return;
	}
}

/* "SHA256:base64" of the server's key, as ssh-keygen -l prints it. */
static void fingerprint(LIBSSH2_SESSION *s, char *out, size_t n)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *h = (const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
	size_t i, o = 0;

	if (!h || n < 52) {
		snprintf(out, n, "(unknown)");
		return;
	}
	o = (size_t)snprintf(out, n, "SHA256:");
	for (i = 0; i < 32; i += 3) {
		unsigned v = (unsigned)h[i] << 16 | (i + 1 < 32 ? (unsigned)h[i + 1] << 8 : 0) |
		             (i + 2 < 32 ? h[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < 32)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < 32)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

static int check_host_key(struct transport *t, LIBSSH2_SESSION *s, LIBSSH2_KNOWNHOSTS *kh,
                          const struct endpoint *ep, const char *khfile)
{
	struct libssh2_knownhost *found = NULL;
	size_t len;
	int type, rc;
	const char *key = libssh2_session_hostkey(s, &len, &type);
	char fp[64];

	fingerprint(s, fp, sizeof fp);
	if (!key)
		return fail(t, "%s: the server sent no host key", ep->host);
	rc = libssh2_knownhost_checkp(kh, ep->host, (int)ep->port, key, len,
	                              LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keybit_for(type),
	                              &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return fail(t, "%s: HOST KEY MISMATCH: the server's key %s is not the one in %s; someone may be "
		            "intercepting, or the server was reinstalled (check with its admin, then fix %s)",
		            ep->host, fp, khfile, khfile);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		return fail(t, "%s: unknown host key %s: it is not in %s; verify it on the server "
		            "(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add it (ssh-keyscan)",
		            ep->host, fp, khfile);
	}
	return fail(t, "%s: cannot check the host key against %s", ep->host, khfile);
}

static int authenticate(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep)
{
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	int ok = 0;

	if (ep->identity) {
		if (libssh2_userauth_publickey_fromfile(s, ep->user, NULL, ep->identity, NULL) == 0)
			return 0;
		return fail(t, "%s: %s@ cannot log in with the key %s: %s", ep->host, ep->user, ep->identity,
		            ssh_error(s));
	}
	agent = libssh2_agent_init(s);
	if (agent && libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
		while (!ok && libssh2_agent_get_identity(agent, &id, prev) == 0) {
			prev = id;
			ok = libssh2_agent_userauth(agent, ep->user, id) == 0;
		}
		libssh2_agent_disconnect(agent);
	}
	if (agent)
		libssh2_agent_free(agent);
	if (ok)
		return 0;
	return fail(t, "%s: %s@ cannot log in: no identity in the answers and no key of the ssh-agent works",
	            ep->host, ep->user);
}

static int open_conn(struct transport *t, struct conn *c)
{
	const struct endpoint *ep = c->ep;
	const char *khfile = ep->known_hosts ? ep->known_hosts : NULL;
	char defkh[512];
	LIBSSH2_KNOWNHOSTS *kh;
	int rc;

	if (!khfile) {
		const char *home = getenv("HOME");
		snprintf(defkh, sizeof defkh, "%s/.ssh/known_hosts", home ? home : "/root");
		khfile = defkh;
	}
	c->sock = dial(t, ep);
	if (c->sock < 0)
		return TRANSPORT_FAILED;
	c->session = libssh2_session_init();
	if (!c->session)
		return fail(t, "%s: cannot start an SSH session", ep->host);
	libssh2_session_set_blocking(c->session, 1);
	libssh2_session_set_timeout(c->session, 30000);
	kh = libssh2_knownhost_init(c->session);
	if (!kh)
		return fail(t, "%s: cannot start the known_hosts check", ep->host);
	if (libssh2_knownhost_readfile(kh, khfile, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
		libssh2_knownhost_free(kh);
		return fail(t, "%s: cannot read the known_hosts file %s", ep->host, khfile);
	}
	prefer_stored_type(c->session, kh, ep);
	if (libssh2_session_handshake(c->session, c->sock) != 0) {
		libssh2_knownhost_free(kh);
		return fail(t, "%s port %u: SSH handshake failed: %s", ep->host, ep->port, ssh_error(c->session));
	}
	rc = check_host_key(t, c->session, kh, ep, khfile);
	libssh2_knownhost_free(kh);
	if (rc < 0)
		return rc;
	return authenticate(t, c->session, ep);
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

static void wait_socket(struct conn *c)
{
	int dir = libssh2_session_block_directions(c->session);
	struct pollfd p = { .fd = c->sock, .events = 0 };

	if (dir & LIBSSH2_SESSION_BLOCK_INBOUND)
		p.events |= POLLIN;
	if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND)
		p.events |= POLLOUT;
	if (!p.events)
		p.events = POLLIN;
	poll(&p, 1, 1000);
}

static int exec_on(struct transport *t, struct conn *c, enum host host, const char *cmd,
                   const char *input, const struct sink *sink)
{
	struct line_splitter ls[2] = { { .kind = SINK_OUT, .host = host }, { .kind = SINK_ERR, .host = host } };
	LIBSSH2_CHANNEL *ch;
	char buf[16384], *sig = NULL;
	int status, i;

	libssh2_session_set_blocking(c->session, 1);
	ch = libssh2_channel_open_session(c->session);
	if (!ch)
		return fail(t, "%s: cannot open a channel: %s", c->ep->host, ssh_error(c->session));
	if (libssh2_channel_exec(ch, cmd) != 0) {
		libssh2_channel_free(ch);
		return fail(t, "%s: cannot run the command: %s", c->ep->host, ssh_error(c->session));
	}
	if (input && libssh2_channel_write(ch, input, strlen(input)) != (ssize_t)strlen(input)) {
		libssh2_channel_free(ch);
		return fail(t, "%s: cannot send the command its input: %s", c->ep->host, ssh_error(c->session));
	}
	libssh2_channel_send_eof(ch);
	libssh2_session_set_blocking(c->session, 0);
	for (;;) {
		int progress = 0, ended = 0;
		for (i = 0; i < 2; i++) {
			ssize_t n;
			while ((n = libssh2_channel_read_ex(ch, i ? SSH_EXTENDED_DATA_STDERR : 0, buf, sizeof buf)) > 0) {
				line_splitter_feed(&ls[i], buf, (size_t)n, sink);
				progress = 1;
			}
			if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) {
				libssh2_session_set_blocking(c->session, 1);
				libssh2_channel_free(ch);
				return fail(t, "%s: reading the output failed: %s", c->ep->host, ssh_error(c->session));
			}
		}
		ended = libssh2_channel_eof(ch);
		if (ended)
			break;
		if (!progress)
			wait_socket(c);
	}
	libssh2_session_set_blocking(c->session, 1);
	line_splitter_flush(&ls[0], sink);
	line_splitter_flush(&ls[1], sink);
	libssh2_channel_close(ch);
	libssh2_channel_wait_closed(ch);
	status = libssh2_channel_get_exit_status(ch);
	if (libssh2_channel_get_exit_signal(ch, &sig, NULL, NULL, NULL, NULL, NULL) == 0 && sig) {
		sink_emitf(sink, SINK_ERR, host, "killed by signal %s", sig);
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
	if (!c->session && open_conn(t, c) < 0) {
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
	if (!c->session && open_conn(t, c) < 0) {
		close_conn(c);
		return TRANSPORT_FAILED;
	}
	rc = exec_on(t, c, host, cmd, input, sink);
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
	struct ssh *s = xcalloc(1, sizeof *s);
	static const struct ssh_options none;

	s->opt = o ? o : &none;
	libssh2_init(0);
	s->t.ops = &ssh_ops;
	s->conn[0] = (struct conn){ &a->source, -1, NULL };
	s->conn[1] = (struct conn){ &a->target, -1, NULL };
	s->local = transport_local_new();
	return &s->t;
}
