/* profile — what differs between mail stacks, in one place: the steps ask
 * a host's profile (its services, its mail store, how its accounts are
 * listed and moved, how mail is relayed at the cutover, how the census is
 * taken) and never test the stack themselves.
 *
 * Profiles are const data owned by steps/profile.c, alive for the whole
 * program.  A stack mailshift cannot move yet still has a profile (its
 * pair tables are empty: steps/catalogue.c). */
#ifndef MAILSHIFT_PROFILE_H
#define MAILSHIFT_PROFILE_H

#include "core/answers.h"

enum profile_store {
	PROFILE_MAILDIR, /* one directory per mailbox, a file per message */
	PROFILE_MBOX,    /* one file per folder, the messages one after the other */
};

enum profile_accounts {
	PROFILE_ACCOUNTS_MYSQL,  /* iRedMail's vmail database, MariaDB or MySQL */
	PROFILE_ACCOUNTS_PGSQL,  /* iRedMail's vmail database, PostgreSQL */
	PROFILE_ACCOUNTS_LDAP,   /* iRedMail's OpenLDAP directory */
	PROFILE_ACCOUNTS_SYSTEM, /* system users: passwd, shadow, group */
};

/* A systemd unit by its Debian name and its RHEL-family name (the same
 * string when they agree). */
struct profile_unit {
	const char *debian, *rhel;
};

struct profile {
	const char *name;                /* "iredmail/pgsql": as answers_endpoint_kind */
	enum profile_accounts accounts;
	const char *backend_word;        /* "mysql", "pgsql", "ldap", "system": the fragments' name */
	/* the daemons that receive or change mail, in the order they stop (the
	 * MTA first); the store and account databases are not among them */
	const struct profile_unit *mail_units;
	/* the databases and directory the accounts and the mail daemons need,
	 * started before the mail daemons */
	const struct profile_unit *data_units;
	/* the mail daemons that must be active once the target runs */
	const char *live_units;
	enum profile_store store;
	const char *store_dir;           /* where the mail lives by default */
	const char *account_dbs;         /* SQL databases holding the accounts ("" none) */
	const char *other_dbs;           /* SQL databases of the rest of the stack ("" none) */
	int relay_postfix;               /* the MTA is Postfix: the relay at cutover is a transport map */
	int census_dovecot;              /* Dovecot resolves the accounts: the census asks it */
	/* the aliases file its MTA builds its alias map from (newaliases):
	 * Postfix's alias_database may name another, which the step asks */
	const char *aliases_file;
	int dkim_amavis;                 /* DKIM keys signed with by amavisd (dkim_dir): carried and verified */
};

/* The profile of a host, never NULL (STACK_NONE has an empty one). */
const struct profile *profile_of(const struct endpoint *e);
/* The unit names of a NULL-terminated list as one word list, both
 * families' names (a host has one of them: a step skips units it lacks).
 * The caller frees. */
char *profile_units_words(const struct profile_unit *u);

#endif
