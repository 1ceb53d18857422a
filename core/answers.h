/* answers — the interview's answers: what the two servers are, how to reach
 * them, and the options of the migration.
 *
 * Read from and written to an INI file with [source], [target] and
 * [options]; the TUI interview writes the same file, so any interactive run
 * can be replayed headless.  Unknown sections and keys are errors.
 *
 * A struct answers owns every string in it; answers_free() releases them. */
#ifndef MAILSHIFT_ANSWERS_H
#define MAILSHIFT_ANSWERS_H

#include <stdio.h>

enum stack {
	STACK_NONE,
	STACK_IREDMAIL,
	STACK_POSTFIX_DOVECOT,
	STACK_SENDMAIL_MBOX,
};

enum backend {
	BACKEND_NONE,
	BACKEND_OPENLDAP,
	BACKEND_MARIADB,
	BACKEND_MYSQL,
	BACKEND_PGSQL,
};

struct endpoint {
	enum stack stack;
	enum backend backend;
	char *host;
	unsigned port;
	char *user;
	char *identity;    /* private key file; NULL: ssh-agent or defaults */
	char *known_hosts; /* file checked for the host key */
	char *password;    /* SSH password, or NULL (asked when needed); wiped when freed */
	int port_set, user_set; /* given in the file, not defaults (~/.ssh/config fills the rest) */
	int line;          /* line of the section header, for messages */
};

struct options {
	char *vmail_dir;
	char *dkim_dir;
	char *roundcube_dir;
	char *roundcube_release; /* unpacked newer Roundcube on the source, or NULL */
	char *installer_dir;     /* the iRedMail installer tree on the target, or NULL */
	char *carry_config;      /* absolute paths separated by one space, or NULL */
	char *ldap_suffix;       /* NULL: read from the server */
	char *backup_dir;        /* where dumps and saved state go on both hosts */
	int two_phase_sync;
	int relay_during_cutover;
};

struct answers {
	struct endpoint source, target;
	struct options opt;
};

/* Fills `a` from the file at path.  On error returns -1, writes one line
 * "path:line: what was expected" into err (NUL-terminated, truncated to
 * errlen) and leaves `a` empty (answers_free() is still safe). */
int answers_load(struct answers *a, const char *path, char *err, size_t errlen);
/* Same, from text in memory; name is used in messages. */
int answers_parse(struct answers *a, const char *name, const char *text,
                  char *err, size_t errlen);
void answers_free(struct answers *a);
/* Writes `a` back as an answers file that answers_parse() reads. */
void answers_write(const struct answers *a, FILE *out);
/* Writes the commented template of --print-answers. */
void answers_template(FILE *out);

const char *answers_stack_name(enum stack s);
const char *answers_backend_name(enum backend b);
/* "iredmail/mariadb", "postfix-dovecot": a string literal, for messages. */
const char *answers_endpoint_kind(const struct endpoint *e);

#endif
