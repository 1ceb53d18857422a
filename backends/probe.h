/* probe — read-only looks at a server's databases and directory, through an
 * SSH tunnel (backends/tunnel.h), into one inventory that two servers can
 * be compared by.
 *
 * MariaDB (libmariadb), PostgreSQL (libpq) and OpenLDAP (libldap): server
 * version, databases and their sizes, exact row counts of every table, the
 * mail accounts with their maildir paths and the mail domains.  The
 * credentials are read from the server over the transport (MariaDB:
 * /root/.my.cnf; PostgreSQL: ~postgres/.pgpass, else Dovecot's connect
 * line; LDAP: Dovecot's dn/dnpass, else Postfix's bind_dn/bind_pw), kept in
 * memory only, mailshift's own copies wiped after use (the client libraries
 * and libssh2 keep theirs until they free them): never in argv, a log or a
 * message.
 *
 * The transport must be an SSH one (transport_ssh_new); while a probe runs
 * nothing else may use it.  The caller owns the inventory: zero it, let
 * probe_run() fill it, release it with inventory_free(). */
#ifndef MAILSHIFT_PROBE_H
#define MAILSHIFT_PROBE_H

#include <stdio.h>

#include "backends/transport.h"
#include "core/answers.h"
#include "core/buf.h"

/* One line of the inventory; which fields mean something depends on the
 * list it is in.  Strings are owned by the list. */
struct inv_item {
	char *name;
	char *text;
	long long n;
};

struct inv_list {
	struct inv_item *v;
	size_t n, cap;
};

struct inventory {
	struct inv_list versions; /* name: "mariadb", "postgresql", "openldap"; text: version */
	struct inv_list databases; /* name; n: bytes (informative) */
	struct inv_list tables;    /* name "DB.TABLE" ("DB.SCHEMA.TABLE" outside public); n: rows */
	struct inv_list entries;   /* LDAP: name: search base; n: entries below it (included) */
	struct inv_list accounts;  /* name: address; text: maildir path */
	struct inv_list domains;   /* name */
};

/* Probes host h of backend b (BACKEND_OPENLDAP also probes the MariaDB that
 * keeps the other iRedMail databases), adds what it finds to inv and sorts
 * it.  0, or -1 with one line in err (what, where, why; never a secret). */
int probe_run(struct transport *t, enum host h, enum backend b, struct inventory *inv, char *err,
              size_t errlen);

void inventory_free(struct inventory *inv);

/* The databases a migration moves, where a server has them: what verify
 * compares (mailshift's own comparison and the runbook's shell alike; the
 * databases and accounts steps move them).  A word list. */
#define PROBE_MAIL_DATABASES "vmail amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban"
/* Drops the tables of every database not in dbs (a word list, as above). */
void inventory_keep_databases(struct inventory *inv, const char *dbs);
/* Sorts every list (C order), as probe_run leaves it. */
void inventory_sort(struct inventory *inv);
/* Sorted, stable lines that diff well:
 *   version KIND X / database NAME bytes N / table DB.TABLE rows N /
 *   entries BASE N / account ADDRESS maildir PATH / domain NAME */
void inventory_print(const struct inventory *inv, FILE *out);
/* Appends one line per difference (a table's rows, LDAP entries, an account
 * or its maildir, a domain; versions and sizes are only informative) to
 * report and returns how many there are.  Both inventories are sorted. */
int inventory_compare(const struct inventory *src, const struct inventory *dst, struct buf *report);

/* For probe_*.c only ---------------------------------------------------- */

void inv_add(struct inv_list *l, const char *name, const char *text, long long n);

/* What a command printed on its stdout, in a fixed buffer that is wiped
 * (it may hold a password); see probe_fetch. */
struct probe_text {
	char s[65536];
	size_t len;
};

/* Runs cmd (mailshift's own, no secret in it) on h and keeps its stdout
 * in a newly allocated text (free with probe_text_free, which wipes it).
 * NULL with one line in err when it fails or exits non-zero. */
struct probe_text *probe_fetch(struct transport *t, enum host h, const char *cmd, char *err,
                               size_t errlen);
void probe_text_free(struct probe_text *pt);
/* Copies the trimmed value of "key = value" (or "key: value" when sep is
 * ':'), quotes removed, from line into out (n bytes); 1 if key matched. */
int probe_conf_value(const char *line, const char *key, char sep, char *out, size_t n);
/* "/var/vmail" + "vmail1" + "example.com/a/l/i/alice-…/": joins with
 * exactly one '/' between parts (empty parts left out). */
char *probe_join_path(const char *a, const char *b, const char *c);

int probe_mysql(struct transport *t, enum host h, struct inventory *inv, int vmail, char *err,
                size_t errlen);
int probe_pgsql(struct transport *t, enum host h, struct inventory *inv, char *err, size_t errlen);
int probe_ldap(struct transport *t, enum host h, struct inventory *inv, char *err, size_t errlen);

#endif
