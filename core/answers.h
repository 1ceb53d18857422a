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
	int overwrite_target; /* the admin's choice: a target that went live or holds accounts the source lacks is replaced */
	int clean_source; /* the step clean-source: the source's dumps and archives removed at the end */
	char *users_uid_min; /* system users: the lowest uid moved, decimal (NULL: the source's UID_MIN) */
	char *users_uid_max; /* the highest (NULL: below the source's nobody) */
	char *users_domain;  /* system users into iRedMail: their addresses' domain (NULL: the target's only one) */
	/* How mail finds the new server: "mx" (the MX records are pointed at
	 * it) or "ip" (it takes over the old server's address); never NULL once
	 * parsed. */
	char *cutover;
	char *secondary_mx; /* a host that queues the mail meanwhile (a lower-priority MX), or NULL */
	int wipe_source;    /* the decommission step wipes the old server's mail data, typed-host confirmed */
	char *wipe_source_confirm; /* the old server's host name, typed beforehand for a --yes run, or NULL */
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
/* 1 when v is a host name or IPv4 address (a DNS name's letters, digits,
 * . - _), or a POSIX user name: what the answers file takes for host and
 * user, and ~/.ssh/config's values must be too (backends/ssh_config). */
int answers_valid_host(const char *v);
int answers_valid_user(const char *v);

/* The keys of a file, for a form that edits one (the wizard, tui/): the
 * same table the parser and the template use, so they cannot disagree. */
enum answers_type {
	ANSWERS_STR, ANSWERS_PATH, ANSWERS_PATHS, ANSWERS_HOST, ANSWERS_USER, ANSWERS_PORT,
	ANSWERS_BOOL, ANSWERS_STACK, ANSWERS_BACKEND, ANSWERS_SECRET,
};

struct answers_key_info {
	const char *name;     /* as in the file: "vmail_dir" */
	const char *help;     /* one line for the admin: what it is, its default */
	int endpoint;         /* 1: a key of [source] and [target]; 0: of [options] */
	enum answers_type type;
	const char *explain;  /* the same in plain words for a first-time admin: what it is,
	                       * where to find the value on the server, the default, an example,
	                       * what goes wrong when it is wrong (a few sentences, no '\n') */
};

/* The i-th key (from 0, in the template's order) into out: 1, or 0 past
 * the last.  The strings are static. */
int answers_key_info(size_t i, struct answers_key_info *out);
/* Key `name` of section sec ("source", "target" or "options") as a file
 * would hold it, unquoted, into out: "" when unset; a password is never
 * given.  -1 when there is no such key. */
int answers_value(const struct answers *a, const char *sec, const char *name, char *out, size_t n);
/* Checks one value as answers_parse() would: 0, or -1 with "key: what was
 * expected" in err (no file name, no line). */
int answers_check_value(const char *sec, const char *name, const char *value, char *err, size_t errlen);
/* Writes the line "name = value", quoted when it must be, as answers_write(). */
void answers_write_key(FILE *out, const char *name, const char *value);

#endif
