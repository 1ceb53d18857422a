/* Host keys: the server's key is checked against an OpenSSH known_hosts
 * file before anything is sent to it.  A known key goes on; a changed key is
 * refused, always; an unknown key is shown with its SHA256 fingerprint and
 * recorded only when the admin says so (asked, or --accept-new-host-key). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/ssh_int.h"
#include "core/xalloc.h"

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

static const char *type_name(int hostkey_type)
{
	switch (hostkey_type) {
	case LIBSSH2_HOSTKEY_TYPE_RSA: return "RSA";
	case LIBSSH2_HOSTKEY_TYPE_DSS: return "DSA";
	case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ED25519";
	default: return "ECDSA";
	}
}

/* known_hosts names a host on port 22 plainly, others as "[host]:port". */
static void entry_name(const struct endpoint *ep, char *out, size_t n)
{
	if (ep->port == 22)
		snprintf(out, n, "%s", ep->host);
	else
		snprintf(out, n, "[%s]:%u", ep->host, ep->port);
}

/* Keeps, in order, only the methods this libssh2 supports: libssh2 1.10
 * drops an unknown one from a preference list with an overlapping memcpy,
 * which is undefined (found by tests/fuzz). */
static void keep_supported(LIBSSH2_SESSION *s, char *methods, size_t n)
{
	const char **algs = NULL;
	int count = libssh2_session_supported_algs(s, LIBSSH2_METHOD_HOSTKEY, &algs), i;
	char out[256] = "", *tok, *save = NULL;

	if (count <= 0)
		return;
	for (tok = strtok_r(methods, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (i = 0; i < count; i++)
			if (strcmp(algs[i], tok) == 0) {
				if (*out)
					strcat(out, ",");
				strcat(out, tok);
				break;
			}
	libssh2_free(s, algs);
	snprintf(methods, n, "%s", out);
}

/* Asks the server for the key types the file holds for it, so that a file
 * with one key type does not look like a change.  A check with a key that
 * cannot match finds the entries of a type: MISMATCH means the file has
 * one (hashed entries too). */
static void prefer_stored(LIBSSH2_SESSION *s, struct ssh_known *k, const struct endpoint *ep)
{
	static const int bits[] = { LIBSSH2_KNOWNHOST_KEY_ED25519, LIBSSH2_KNOWNHOST_KEY_ECDSA_256,
		                    LIBSSH2_KNOWNHOST_KEY_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_521,
		                    LIBSSH2_KNOWNHOST_KEY_SSHRSA, LIBSSH2_KNOWNHOST_KEY_SSHDSS };
	char methods[256] = "";
	size_t i;

	for (i = 0; i < sizeof bits / sizeof *bits; i++) {
		struct libssh2_knownhost *found = NULL;
		if (libssh2_knownhost_checkp(k->kh, ep->host, (int)ep->port, "-", 1,
		                             LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | bits[i],
		                             &found) != LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			continue;
		if (*methods)
			strcat(methods, ",");
		strcat(methods, method_for(bits[i]));
	}
	if (!*methods)
		return;
	/* then the others, so a server without those still shows its key */
	for (i = 0; i < sizeof bits / sizeof *bits; i++)
		if (!strstr(methods, method_for(bits[i]))) {
			strcat(methods, ",");
			strcat(methods, method_for(bits[i]));
		}
	keep_supported(s, methods, sizeof methods);
	if (*methods)
		libssh2_session_method_pref(s, LIBSSH2_METHOD_HOSTKEY, methods);
}

int ssh_hostkey_load(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep,
                     struct ssh_known *k)
{
	if (ep->known_hosts) {
		snprintf(k->file, sizeof k->file, "%s", ep->known_hosts);
	} else {
		const char *home = getenv("HOME");
		snprintf(k->file, sizeof k->file, "%s/.ssh/known_hosts", home && *home ? home : "/root");
	}
	k->kh = libssh2_knownhost_init(s);
	if (!k->kh)
		return ssh_fail(t, "%s: cannot start the known_hosts check", ep->host);
	k->missing = access(k->file, F_OK) != 0 && errno == ENOENT;
	if (!k->missing && libssh2_knownhost_readfile(k->kh, k->file, LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
		return ssh_fail(t, "%s: cannot read the known_hosts file %s: %s", ep->host, k->file,
		                ssh_last_error(s));
	prefer_stored(s, k, ep);
	return 0;
}

void ssh_hostkey_free(struct ssh_known *k)
{
	if (k->kh)
		libssh2_knownhost_free(k->kh);
	k->kh = NULL;
}

/* Base64 of n bytes into out (4 * ((n + 2) / 3) + 1 bytes), padded with
 * '=' when pad is set (known_hosts keys), not (fingerprints). */
static void base64(const unsigned char *in, size_t n, char *out, int pad)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (i + 2 < n)
			out[o++] = b64[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
}

/* "SHA256:base64" of the server's key, as ssh-keygen -l prints it. */
static void fingerprint(LIBSSH2_SESSION *s, char *out, size_t n)
{
	const unsigned char *h = (const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);

	if (!h || n < 52) {
		snprintf(out, n, "(unknown)");
		return;
	}
	memcpy(out, "SHA256:", 7);
	base64(h, 32, out + 7, 0);
}

/* libssh2 does not read @revoked lines: 1 when one names this key. */
static int revoked(const char *file, const char *key, size_t len)
{
	FILE *f = fopen(file, "re");
	char *line = NULL, *b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	size_t cap = 0;
	int hit = 0;

	base64((const unsigned char *)key, len, b64, 1);
	while (f && !hit && getline(&line, &cap, f) >= 0) {
		char *save = NULL, *w[4];
		int i;
		if (strncmp(line, "@revoked", 8) != 0)
			continue;
		for (i = 0; i < 4; i++)
			w[i] = strtok_r(i ? NULL : line, " \t\r\n", &save);
		hit = w[3] && strcmp(w[3], b64) == 0;
	}
	if (f)
		fclose(f);
	free(line);
	free(b64);
	return hit;
}

/* Appends the server's key to the file as one OpenSSH line; the rest of
 * the file is left as it is. */
static int record(struct transport *t, struct ssh_known *k, const struct endpoint *ep, const char *key,
                  size_t len, int type, const struct sink *sink)
{
	struct libssh2_knownhost *entry = NULL;
	char name[300], line[8192];
	size_t n = 0;
	int fd, ok;

	entry_name(ep, name, sizeof name);
	if (libssh2_knownhost_addc(k->kh, name, NULL, key, len, NULL, 0,
	                           LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keybit_for(type),
	                           &entry) != 0 ||
	    libssh2_knownhost_writeline(k->kh, entry, line, sizeof line, &n, LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
		return ssh_fail(t, "%s: cannot write the host key as a known_hosts line", ep->host);
	{ /* as OpenSSH does: ~/.ssh may not exist yet */
		char *dir = xstrdup(k->file), *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0700) == 0)
				sink_emitf(sink, SINK_INFO, HOST_LOCAL, "created %s", dir);
		}
		free(dir);
	}
	fd = open(k->file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return ssh_fail(t, "%s: cannot record the host key in %s: %s", ep->host, k->file, strerror(errno));
	ok = write(fd, line, n) == (ssize_t)n;
	ok = (fsync(fd) == 0) & ok;
	ok = (close(fd) == 0) & ok;
	if (!ok)
		return ssh_fail(t, "%s: cannot record the host key in %s: %s", ep->host, k->file, strerror(errno));
	return 0;
}

int ssh_hostkey_check(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep,
                      struct ssh_known *k, const struct ssh_options *o, const struct sink *sink)
{
	struct libssh2_knownhost *found = NULL;
	size_t len;
	int type, rc;
	const char *key = libssh2_session_hostkey(s, &len, &type);
	char fp[64], name[300], *q;

	if (!key)
		return ssh_fail(t, "%s: the server sent no host key", ep->host);
	fingerprint(s, fp, sizeof fp);
	entry_name(ep, name, sizeof name);
	if (!k->missing && revoked(k->file, key, len))
		return ssh_fail(t, "%s: the host key %s is REVOKED in %s (@revoked): mailshift will not connect",
		                name, fp, k->file);
	rc = libssh2_knownhost_checkp(k->kh, ep->host, (int)ep->port, key, len,
	                              LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keybit_for(type),
	                              &found);
	switch (rc) {
	case LIBSSH2_KNOWNHOST_CHECK_MATCH:
		return 0;
	case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
		return ssh_fail(t,
		                "%s: the host key has CHANGED (a man-in-the-middle is possible): refusing to connect\n"
		                "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
		                "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
		                "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n"
		                "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n"
		                "Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n"
		                "It is also possible that the host key has just been changed.\n"
		                "The %s key sent by %s has fingerprint %s;\n"
		                "%s holds a different key for it.\n"
		                "mailshift will not connect. If the server was reinstalled, check the new key\n"
		                "with its admin (ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub on the server),\n"
		                "then remove the old one: ssh-keygen -R '%s' -f %s",
		                name, type_name(type), name, fp, k->file,
		                type == LIBSSH2_HOSTKEY_TYPE_RSA ? "rsa" : type == LIBSSH2_HOSTKEY_TYPE_ED25519 ? "ed25519" : "ecdsa",
		                name, k->file);
	case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
		/* a key of another type is known: as good as changed (an attacker
		 * without the known key would offer another type) */
		if (libssh2_knownhost_checkp(k->kh, ep->host, (int)ep->port, key, len,
		                             LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW, &found) ==
		    LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
			return ssh_fail(t, "%s: the server offers an %s key (%s), but %s holds a key of another type "
			                "for it: refusing to connect, as for a changed key (a man-in-the-middle is "
			                "possible). If the server really changed its keys, check the new one with its "
			                "admin, then remove the old: ssh-keygen -R '%s' -f %s",
			                name, type_name(type), fp, k->file, name, k->file);
		break;
	default:
		return ssh_fail(t, "%s: cannot check the host key against %s", ep->host, k->file);
	}
	if (!o->accept_new_host_key) {
		if (!o->confirm)
			return ssh_fail(t, "%s: unknown host key: the %s key fingerprint is %s, and %s does not "
			                "hold it. Check it on the server (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub); "
			                "if it is the same, run again with --accept-new-host-key to record it",
			                name, type_name(type), fp, k->file);
		q = xasprintf("The authenticity of host %s can't be established.\n"
		              "Its %s key fingerprint is %s (not in %s).\n"
		              "Compare it with ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server.\n"
		              "Is it the same, and should mailshift record it and connect?",
		              name, type_name(type), fp, k->file);
		rc = o->confirm(o->ctx, q);
		free(q);
		if (!rc)
			return ssh_fail(t, "%s: the host key %s was not accepted", name, fp);
	}
	if (record(t, k, ep, key, len, type, sink) < 0)
		return TRANSPORT_FAILED;
	sink_emitf(sink, SINK_INFO, HOST_LOCAL, "recorded the %s host key of %s (%s) in %s", type_name(type), name,
	           fp, k->file);
	return 0;
}
