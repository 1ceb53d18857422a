/* The stack profiles: data, one per stack and account backend. */
#include "steps/profile.h"

#include <string.h>

#include "core/buf.h"

/* iRedMail's daemons that receive or change mail, the MTA first. */
static const struct profile_unit iredmail_mail[] = {
	{ "postfix", "postfix" },
	{ "dovecot", "dovecot" },
	{ "amavis", "amavisd" },
	{ "iredapd", "iredapd" },
	{ "mlmmjadmin", "mlmmjadmin" },
	{ "sogo", "sogo" },
	{ "nginx", "nginx" },
	{ "apache2", "httpd" },
	{ "php-fpm", "php-fpm" },
	{ "php8.4-fpm", "php8.4-fpm" },
	{ "php8.3-fpm", "php8.3-fpm" },
	{ "php8.2-fpm", "php8.2-fpm" },
	{ "php8.1-fpm", "php8.1-fpm" },
	{ "php7.4-fpm", "php7.4-fpm" },
	{ "fail2ban", "fail2ban" },
	{ "cron", "crond" },
	{ NULL, NULL },
};

static const struct profile_unit sql_ldap_data[] = {
	{ "mariadb", "mariadb" },
	{ "mysql", "mysqld" },
	{ "postgresql", "postgresql" },
	{ "slapd", "slapd" },
	{ NULL, NULL },
};

/* fetchmail first: it hands what it fetches to the MTA (stopped, it leaves
 * the mail where it fetches it from) */
static const struct profile_unit postfix_dovecot_mail[] = {
	{ "fetchmail", "fetchmail" },
	{ "postfix", "postfix" },
	{ "dovecot", "dovecot" },
	{ "cron", "crond" },
	{ NULL, NULL },
};

static const struct profile_unit sendmail_mail[] = {
	{ "fetchmail", "fetchmail" },
	{ "sendmail", "sendmail" },
	{ "dovecot", "dovecot" },
	{ "cron", "crond" },
	{ NULL, NULL },
};

static const struct profile_unit none[] = { { NULL, NULL } };

/* iRedMail points Postfix's alias_maps and alias_database at its own file */
#define IREDMAIL_ALIASES "/etc/postfix/aliases"
#define IREDMAIL_OTHER_DBS "amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban"

static const struct profile profiles[] = {
	{ "iredmail/mariadb", PROFILE_ACCOUNTS_MYSQL, "mysql", iredmail_mail, sql_ldap_data, "postfix dovecot",
	  PROFILE_MAILDIR, "/var/vmail", "vmail", IREDMAIL_OTHER_DBS, 1, 1, IREDMAIL_ALIASES, 1 },
	{ "iredmail/mysql", PROFILE_ACCOUNTS_MYSQL, "mysql", iredmail_mail, sql_ldap_data, "postfix dovecot",
	  PROFILE_MAILDIR, "/var/vmail", "vmail", IREDMAIL_OTHER_DBS, 1, 1, IREDMAIL_ALIASES, 1 },
	{ "iredmail/pgsql", PROFILE_ACCOUNTS_PGSQL, "pgsql", iredmail_mail, sql_ldap_data, "postfix dovecot",
	  PROFILE_MAILDIR, "/var/vmail", "vmail", IREDMAIL_OTHER_DBS, 1, 1, IREDMAIL_ALIASES, 1 },
	/* the accounts are in slapd; the other databases are MariaDB's */
	{ "iredmail/openldap", PROFILE_ACCOUNTS_LDAP, "ldap", iredmail_mail, sql_ldap_data, "postfix dovecot",
	  PROFILE_MAILDIR, "/var/vmail", "", IREDMAIL_OTHER_DBS, 1, 1, IREDMAIL_ALIASES, 1 },
	{ "postfix-dovecot", PROFILE_ACCOUNTS_SYSTEM, "system", postfix_dovecot_mail, none, "postfix dovecot",
	  PROFILE_MAILDIR, "/home", "", "", 1, 1, "/etc/aliases", 0 },
	{ "sendmail-mbox", PROFILE_ACCOUNTS_SYSTEM, "system", sendmail_mail, none, "sendmail dovecot",
	  PROFILE_MBOX, "/var/mail", "", "", 0, 0, "/etc/aliases", 0 },
	{ "none", PROFILE_ACCOUNTS_SYSTEM, "system", none, none, "", PROFILE_MAILDIR, "", "", "", 0, 0, "/etc/aliases", 0 },
};

const struct profile *profile_of(const struct endpoint *e)
{
	const char *kind = answers_endpoint_kind(e);
	size_t i;

	for (i = 0; i < sizeof profiles / sizeof profiles[0] - 1; i++)
		if (!strcmp(profiles[i].name, kind))
			return &profiles[i];
	return &profiles[sizeof profiles / sizeof profiles[0] - 1];
}

char *profile_units_words(const struct profile_unit *u)
{
	struct buf b = {0};

	for (; u->debian; u++) {
		buf_addf(&b, "%s%s", b.len ? " " : "", u->debian);
		if (strcmp(u->rhel, u->debian))
			buf_addf(&b, " %s", u->rhel);
	}
	return buf_steal(&b);
}
