/* Logging in: the answers' identity file (asking for its passphrase when it
 * has one), the ssh-agent, the default keys in ~/.ssh, then a password, in
 * the order OpenSSH tries them and as far as the server offers them.  A
 * password comes from the answers or is asked for; either way it lives in a
 * local buffer, is wiped after use, and never goes anywhere but the server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/ssh_int.h"
#include "core/buf.h"
#include "core/xalloc.h"

#define SECRET_MAX 1024

static int offered(const char *list, const char *method)
{
	size_t n = strlen(method);
	const char *p;

	for (p = list; p && (p = strstr(p, method)) != NULL; p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
	return 0;
}

/* One key file; asks for its passphrase when the key will not load without. */
static int try_key(LIBSSH2_SESSION *s, const struct endpoint *ep, const struct ssh_options *o,
                   const char *path, struct buf *tried)
{
	char pass[SECRET_MAX], *prompt;
	int rc;

	rc = libssh2_userauth_publickey_fromfile(s, ep->user, NULL, path, NULL);
	if (rc == 0)
		return 0;
	if ((rc == LIBSSH2_ERROR_FILE || rc == LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED) && o->secret) {
		prompt = xasprintf("Passphrase for the key %s: ", path);
		if (o->secret(o->ctx, prompt, pass, sizeof pass) == 0) {
			rc = libssh2_userauth_publickey_fromfile(s, ep->user, NULL, path, pass);
			explicit_bzero(pass, sizeof pass);
		}
		free(prompt);
		if (rc == 0)
			return 0;
	}
	buf_addf(tried, "%sthe key %s (%s)", tried->len ? ", " : "", path,
	         rc == LIBSSH2_ERROR_FILE ? "cannot read it, or wrong passphrase" : "refused");
	return -1;
}

static int try_agent(LIBSSH2_SESSION *s, const struct endpoint *ep, struct buf *tried)
{
	LIBSSH2_AGENT *agent;
	struct libssh2_agent_publickey *id = NULL, *prev = NULL;
	int ok = 0;

	if (!getenv("SSH_AUTH_SOCK"))
		return -1;
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
	if (!ok)
		buf_addf(tried, "%sthe ssh-agent's keys", tried->len ? ", " : "");
	return ok ? 0 : -1;
}

static int try_default_keys(LIBSSH2_SESSION *s, const struct endpoint *ep, const struct ssh_options *o,
                            struct buf *tried)
{
	static const char *const names[] = { "id_ed25519", "id_ecdsa", "id_rsa" };
	const char *home = getenv("HOME");
	size_t i;

	for (i = 0; home && i < sizeof names / sizeof *names; i++) {
		char *path = xasprintf("%s/.ssh/%s", home, names[i]);
		int rc = access(path, R_OK) == 0 ? try_key(s, ep, o, path, tried) : -1;
		free(path);
		if (rc == 0)
			return 0;
	}
	return -1;
}

/* keyboard-interactive: every prompt (PAM's "Password:") gets the password. */
static const char *kbd_password;

static void kbd_answer(const char *name, int name_len, const char *instruction, int instruction_len,
                       int num_prompts, const LIBSSH2_USERAUTH_KBDINT_PROMPT *prompts,
                       LIBSSH2_USERAUTH_KBDINT_RESPONSE *responses, void **abstract)
{
	int i;
	(void)name; (void)name_len; (void)instruction; (void)instruction_len; (void)prompts; (void)abstract;

	for (i = 0; i < num_prompts; i++) {
		responses[i].text = strdup(kbd_password ? kbd_password : "");
		responses[i].length = responses[i].text ? (unsigned)strlen(responses[i].text) : 0;
	}
}

static int send_password(LIBSSH2_SESSION *s, const struct endpoint *ep, const char *list, const char *pw)
{
	int rc = -1;

	if (offered(list, "password"))
		rc = libssh2_userauth_password(s, ep->user, pw);
	if (rc != 0 && offered(list, "keyboard-interactive")) {
		kbd_password = pw;
		rc = libssh2_userauth_keyboard_interactive(s, ep->user, kbd_answer);
		kbd_password = NULL;
	}
	return rc == 0 ? 0 : -1;
}

/* The answers' password once; an asked one up to three times. */
static int try_password(LIBSSH2_SESSION *s, const struct endpoint *ep, const struct ssh_options *o,
                        const char *list, struct buf *tried)
{
	char pw[SECRET_MAX], *prompt;
	int i, rc = -1;

	if (!offered(list, "password") && !offered(list, "keyboard-interactive"))
		return -1;
	if (ep->password) {
		if (send_password(s, ep, list, ep->password) == 0)
			return 0;
		buf_addf(tried, "%sthe answers' password (wrong password)", tried->len ? ", " : "");
		return -1;
	}
	if (!o->secret)
		return -1;
	prompt = xasprintf("%s@%s's password: ", ep->user, ep->host);
	for (i = 0; i < 3 && rc != 0; i++) {
		if (o->secret(o->ctx, prompt, pw, sizeof pw) < 0)
			break;
		rc = send_password(s, ep, list, pw);
		explicit_bzero(pw, sizeof pw);
	}
	free(prompt);
	if (rc != 0 && i > 0)
		buf_addf(tried, "%sa password (wrong password)", tried->len ? ", " : "");
	return rc;
}

int ssh_auth(struct transport *t, LIBSSH2_SESSION *s, const struct endpoint *ep,
             const struct ssh_options *o)
{
	struct buf tried = {0};
	const char *list = libssh2_userauth_list(s, ep->user, (unsigned)strlen(ep->user));
	char *offers;
	int rc = -1;

	if (!list)
		return libssh2_userauth_authenticated(s) ? 0
		       : ssh_fail(t, "%s: %s@ cannot log in: %s", ep->host, ep->user, ssh_last_error(s));
	offers = xstrdup(list);
	if (offered(offers, "publickey")) {
		if (ep->identity)
			rc = try_key(s, ep, o, ep->identity, &tried);
		if (rc != 0)
			rc = try_agent(s, ep, &tried);
		if (rc != 0 && !ep->identity)
			rc = try_default_keys(s, ep, o, &tried);
	}
	if (rc != 0)
		rc = try_password(s, ep, o, offers, &tried);
	if (rc != 0)
		ssh_fail(t, "%s: %s@ cannot log in: tried %s; the server accepts %s%s", ep->host, ep->user,
		         tried.len ? buf_cstr(&tried) : "nothing it accepts", offers,
		         offered(offers, "password") && !ep->password && !o->secret
		         ? " (a password can be asked for when mailshift runs in a terminal)" : "");
	free(offers);
	buf_free(&tried);
	return rc == 0 ? 0 : TRANSPORT_FAILED;
}
