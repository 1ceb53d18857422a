/* The OpenLDAP probe (libldap) through a tunnel to the server's own slapd,
 * bound as the DN iRedMail gives Dovecot (dn/dnpass of dovecot-ldap.conf)
 * or, without it, Postfix (bind_dn/bind_pw of a .cf file in /etc/postfix/ldap).
 * Searches are paged (RFC 2696), so a server size limit does not cut them. */
#include "backends/probe.h"

#include <stdlib.h>
#include <string.h>

#include <lber.h>
#include <ldap.h>

#include "backends/tunnel.h"
#include "core/xalloc.h"

#define PAGE 200

struct ldcred {
	char dn[512];
	char password[512];
	char base[512];
	char host[256];
	unsigned port;
};

/* "127.0.0.1:389", "ldap://127.0.0.1:389/", "127.0.0.1" (first of a list). */
static void set_server(struct ldcred *c, const char *v)
{
	const char *p = strstr(v, "://");
	size_t len;

	p = p ? p + 3 : v;
	len = strcspn(p, " ,/:");
	snprintf(c->host, sizeof c->host, "%.*s", (int)len, p);
	if (p[len] == ':')
		c->port = (unsigned)strtoul(p + len + 1, NULL, 10);
}

static void parse_conf(char *text, struct ldcred *c)
{
	char *line, *next, v[512];

	for (line = text; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (probe_conf_value(line, "dn", '=', v, sizeof v) || probe_conf_value(line, "bind_dn", '=', v, sizeof v))
			snprintf(c->dn, sizeof c->dn, "%s", v);
		else if (probe_conf_value(line, "dnpass", '=', v, sizeof v) ||
		         probe_conf_value(line, "bind_pw", '=', v, sizeof v))
			snprintf(c->password, sizeof c->password, "%s", v);
		else if (probe_conf_value(line, "base", '=', v, sizeof v) ||
		         probe_conf_value(line, "search_base", '=', v, sizeof v))
			snprintf(c->base, sizeof c->base, "%s", v);
		else if (probe_conf_value(line, "hosts", '=', v, sizeof v) || probe_conf_value(line, "uris", '=', v, sizeof v) ||
		         probe_conf_value(line, "server_host", '=', v, sizeof v))
			set_server(c, v);
		else if (probe_conf_value(line, "server_port", '=', v, sizeof v))
			c->port = (unsigned)strtoul(v, NULL, 10);
	}
	explicit_bzero(v, sizeof v);
	if (!c->host[0] || !strcmp(c->host, "localhost"))
		snprintf(c->host, sizeof c->host, "127.0.0.1");
	if (!c->port)
		c->port = 389;
}

struct ld {
	LDAP *ld;
	const struct ldcred *c;
	const char *host; /* "source", for messages */
	char *err;
	size_t errlen;
};

/* The first value of attr, copied into out ("" when none). */
static void first_value(LDAP *ld, LDAPMessage *e, const char *attr, char *out, size_t n)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);

	out[0] = '\0';
	if (v && v[0])
		snprintf(out, n, "%.*s", (int)v[0]->bv_len, v[0]->bv_val);
	ldap_value_free_len(v);
}

typedef void (*entry_fn)(struct ld *l, LDAPMessage *e, struct inventory *inv);

/* Every entry below the base that matches filter, page by page; returns
 * how many there were, or -1. */
static long long search(struct ld *l, const char *filter, char **attrs, entry_fn fn, struct inventory *inv)
{
	struct berval cookie = { 0, NULL };
	long long count = 0;

	for (;;) {
		LDAPControl *page = NULL, *ctrls[2] = { NULL, NULL }, **rctrls = NULL;
		LDAPMessage *res = NULL, *e;
		ber_int_t total;
		int rc, err = 0;

		rc = ldap_create_page_control(l->ld, PAGE, cookie.bv_val ? &cookie : NULL, 1, &page);
		ber_memfree(cookie.bv_val);
		cookie = (struct berval){ 0, NULL };
		if (rc == LDAP_SUCCESS) {
			ctrls[0] = page;
			rc = ldap_search_ext_s(l->ld, l->c->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, ctrls, NULL,
			                       NULL, LDAP_NO_LIMIT, &res);
		}
		ldap_control_free(page);
		if (rc == LDAP_SUCCESS)
			rc = ldap_parse_result(l->ld, res, &err, NULL, NULL, NULL, &rctrls, 0);
		if (rc == LDAP_SUCCESS)
			rc = err;
		if (rc != LDAP_SUCCESS) {
			snprintf(l->err, l->errlen, "%s: LDAP: cannot search %s for %s: %s", l->host, l->c->base, filter,
			         ldap_err2string(rc));
			ldap_controls_free(rctrls);
			ldap_msgfree(res);
			return -1;
		}
		for (e = ldap_first_entry(l->ld, res); e; e = ldap_next_entry(l->ld, e)) {
			count++;
			if (fn)
				fn(l, e, inv);
		}
		page = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
		if (page)
			ldap_parse_pageresponse_control(l->ld, page, &total, &cookie);
		ldap_controls_free(rctrls);
		ldap_msgfree(res);
		if (!cookie.bv_val || !cookie.bv_len)
			break;
	}
	ber_memfree(cookie.bv_val);
	return count;
}

static void add_account(struct ld *l, LDAPMessage *e, struct inventory *inv)
{
	char mail[512], home[1024], base[512], store[1024];

	first_value(l->ld, e, "mail", mail, sizeof mail);
	first_value(l->ld, e, "homeDirectory", home, sizeof home);
	if (!home[0]) {
		char *path;
		first_value(l->ld, e, "storageBaseDirectory", base, sizeof base);
		first_value(l->ld, e, "mailMessageStore", store, sizeof store);
		path = probe_join_path(base, store, NULL);
		inv_add(&inv->accounts, mail, path, 0);
		free(path);
		return;
	}
	inv_add(&inv->accounts, mail, home, 0);
}

static void add_domain(struct ld *l, LDAPMessage *e, struct inventory *inv)
{
	char name[512];

	first_value(l->ld, e, "domainName", name, sizeof name);
	inv_add(&inv->domains, name, NULL, 0);
}

static int inventory_of(struct ld *l, struct inventory *inv)
{
	char *none[] = { (char *)LDAP_NO_ATTRS, NULL };
	char *user[] = { (char *)"mail", (char *)"homeDirectory", (char *)"storageBaseDirectory",
		         (char *)"mailMessageStore", NULL };
	char *domain[] = { (char *)"domainName", NULL };
	long long n = search(l, "(objectClass=*)", none, NULL, inv);

	if (n < 0)
		return -1;
	inv_add(&inv->entries, l->c->base, NULL, n);
	if (search(l, "(objectClass=mailUser)", user, add_account, inv) < 0 ||
	    search(l, "(objectClass=mailDomain)", domain, add_domain, inv) < 0)
		return -1;
	return 0;
}

static const char creds_cmd[] =
	"if [ -r /etc/dovecot/dovecot-ldap.conf ]; then cat /etc/dovecot/dovecot-ldap.conf; "
	"else for f in /etc/postfix/ldap/*.cf; do cat \"$f\"; break; done; fi";

int probe_ldap(struct transport *t, enum host h, struct inventory *inv, char *err, size_t errlen)
{
	struct ld l = { .host = plan_host_name(h), .err = err, .errlen = errlen };
	struct ldcred c = { 0 };
	struct probe_text *pt;
	struct tunnel *tun;
	struct berval cred;
	struct timeval tv = { 30, 0 };
	int v3 = LDAP_VERSION3, rc = -1;
	char e[256], uri[64];

	l.c = &c;
	pt = probe_fetch(t, h, "slapd -VV 2>&1 | sed -n '1s/.*slapd \\([^ ]*\\).*/\\1/p'", e, sizeof e);
	inv_add(&inv->versions, "openldap", pt && pt->len > 1 ? strtok(pt->s, "\n") : "unknown", 0);
	probe_text_free(pt);
	pt = probe_fetch(t, h, creds_cmd, e, sizeof e);
	if (!pt) {
		snprintf(err, errlen, "%s: LDAP: cannot read the credentials: %s", l.host, e);
		return -1;
	}
	parse_conf(pt->s, &c);
	probe_text_free(pt);
	if (!c.dn[0] || !c.base[0]) {
		explicit_bzero(&c, sizeof c);
		snprintf(err, errlen, "%s: LDAP: no bind DN or base in /etc/dovecot/dovecot-ldap.conf "
		         "or /etc/postfix/ldap/", l.host);
		return -1;
	}
	tun = tunnel_open(t, h, c.host, c.port, e, sizeof e);
	if (!tun) {
		explicit_bzero(&c, sizeof c);
		snprintf(err, errlen, "%s: LDAP: no tunnel: %s", l.host, e);
		return -1;
	}
	snprintf(uri, sizeof uri, "ldap://127.0.0.1:%u", tunnel_port(tun));
	if (ldap_initialize(&l.ld, uri) != LDAP_SUCCESS) {
		snprintf(err, errlen, "%s: LDAP: cannot start a client for %s", l.host, uri);
		goto out;
	}
	ldap_set_option(l.ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(l.ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	ldap_set_option(l.ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	ldap_set_option(l.ld, LDAP_OPT_TIMEOUT, &tv);
	cred = (struct berval){ strlen(c.password), c.password };
	rc = ldap_sasl_bind_s(l.ld, c.dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
	explicit_bzero(c.password, sizeof c.password);
	if (rc != LDAP_SUCCESS) {
		tunnel_error(tun, e, sizeof e);
		snprintf(err, errlen, "%s: LDAP at %s port %u: cannot bind as %s: %s%s%s", l.host, c.host, c.port, c.dn,
		         ldap_err2string(rc), e[0] ? "; " : "", e);
		rc = -1;
		goto out;
	}
	rc = inventory_of(&l, inv);
out:
	if (l.ld)
		ldap_unbind_ext_s(l.ld, NULL, NULL);
	explicit_bzero(&c, sizeof c);
	tunnel_close(tun);
	return rc;
}
