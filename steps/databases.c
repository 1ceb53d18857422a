/* The databases and the account backend: the SQL databases dumped on the
 * source, copied, the target's own saved, then restored; the accounts in
 * the vmail database (MariaDB/MySQL, PostgreSQL) or the OpenLDAP directory. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* --- The SQL databases: dumped on the source, copied, the target's own saved,
 * then restored (steps/sh/databases-dump.sh, restore.sh).  Never the mysql
 * system database. */

/* As root (HOME=/root) mysql and mysqldump read iRedMail's credentials from
 * /root/.my.cnf by themselves; with unix-socket auth they need none. */
#define MY "mysql"
#define MYDUMP "mysqldump --events --routines --triggers --single-transaction --databases"
#define PG "runuser -u postgres -- psql -X -q"

/* Shell text: "exists $db" succeeds when the database is there. */
static const char *exists_fn(const struct answers *a)
{
	return steps_uses_pgsql(a)
		? "exists() { [ \"$(" PG " -Atc \"SELECT 1 FROM pg_database WHERE datname = '$1'\")\" = 1 ]; }\n"
		: "exists() { [ -n \"$(" MY " -Nse \"SHOW DATABASES LIKE '$1'\")\" ]; }\n";
}

/* Shell text: "dump $db > file" writes a plain SQL dump. */
static const char *dump_fn(const struct answers *a)
{
	return steps_uses_pgsql(a)
		? "dump() { runuser -u postgres -- pg_dump --clean --if-exists -- \"$1\"; }\n"
		: "dump() { " MYDUMP " \"$1\"; }\n";
}

/* Dumps `dbs` into BACKUP/sub (steps/sh/databases-dump.sh, after the
 * engine's exists and dump); with keep (the target's own state), fresh
 * before every replacement, and the first such dump also stays in
 * BACKUP/target-before (the state before mailshift first replaced it). */
static void add_dumps(struct plan_step *ps, const struct answers *a, enum host h,
                      const char *sub, int keep, const char *dbs, const char *note)
{
	char *d = xasprintf("%s/%s", a->opt.backup_dir, sub);
	char *body = xasprintf("%s%s%s", exists_fn(a), dump_fn(a), steps_sh_databases_dump);
	const char *vars[] = { "d", d, "dbs", dbs, "keep", keep ? "1" : "", NULL };
	char *cmd = steps_fragment(vars, body);

	plan_add(ps, h, 0, note, "%s", cmd);
	free(cmd);
	free(body);
	free(d);
}

void steps_copy_dumps(struct plan_step *ps, const struct answers *a)
{
	char *dump = xasprintf("%s/dump", a->opt.backup_dir);
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, dump);

	plan_add(ps, HOST_TARGET, 0, "fetches the dumps from the source",
	         "d=%q\n"
	         "mkdir -p -m 0700 -- \"$d\"\n"
	         "rsync -as --no-links -e %q -- %q/ \"$d/\"",
	         dump, ssh, src);
	free(ssh);
	free(dump);
	free(src);
}

void steps_sql_move(struct plan_step *ps, const struct answers *a, const char *dbs)
{
	add_dumps(ps, a, HOST_SOURCE, "dump", 0, dbs, "dumps the databases on the source");
	steps_copy_dumps(ps, a);
	add_dumps(ps, a, HOST_TARGET, "target-last", 1, dbs,
	          "saves the target's own copies first (fresh each time; the first ones stay in target-before)");
	{
		const char *vars[] = { "engine", steps_uses_pgsql(a) ? "pgsql" : "mysql", "dbs", dbs, NULL };
		char *cmd = steps_script(a, vars, steps_sh_restore);

		plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE,
		         "replaces the target's databases with the source's (if one fails, all are put back as before)",
		         "%s", cmd);
		free(cmd);
	}
}

static void plan_databases(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_SOURCE, 0, "the source's mail services are stopped (the dumps are consistent)",
	         "%s", steps_sh_stopped);
	steps_sql_move(ps, a, profile_of(&a->source)->other_dbs);
}

const struct step step_databases = {
	.id = "databases",
	.title = "Move the databases",
	.why = "iRedMail keeps its settings in databases: amavisd (spam and filter "
	       "rules), iredadmin (the admin panel), iredapd (the policy daemon), "
	       "roundcubemail (webmail preferences, address books, filters), and sogo, "
	       "sa_bayes and fail2ban where installed. Each is dumped on the source (with "
	       "the services stopped, so the dump is consistent), copied, and restored on "
	       "the target after the target's own copy is saved. The mysql system "
	       "database is never restored: it holds the target's own users and passwords.",
	.flags = STEP_DOWNTIME | STEP_WHOLE, /* dumps again on a resume */
	.plan = plan_databases,
};

char *steps_accounts_cmd(const struct answers *a, int active_only)
{
	/* system users: those discovery found (on the target, as the census
	 * fetched them); active_only (the test's recipients): those whose home
	 * (this server's passwd says where: an mbox INBOX lies outside it) has
	 * no .forward or .procmailrc, so a test message stays where it is
	 * delivered (and is removed from there) */
	/* into iRedMail (the test's recipients, on the target): the mailboxes
	 * made, but those whose user had a .forward or .procmailrc (in the
	 * copy of the home: their mail may go elsewhere) */
	if (steps_into_iredmail(a) && active_only) {
		char *into = steps_import_dir(a);
		char *s = shell_fmt("into=%q\n"
		                    "while IFS=\"$(printf '\\t')\" read -r u addr _; do\n"
		                    "  h=$(awk -F : -v u=\"$u\" '$1 == u { print $6; exit }' \"$b/users/passwd\")\n"
		                    "  [ -e \"$into$h/.forward\" ] || [ -e \"$into$h/.procmailrc\" ] || echo \"$addr\"\n"
		                    "done < \"$b/accounts/map.tsv\"", into);
		free(into);
		return s;
	}
	if (profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM)
		return xstrdup(active_only ? "getent passwd | awk -F : -v OFS='\\t' 'FILENAME == ARGV[1] { w[$1] = 1; next } "
		                             "($1 in w) { print $1, $6 }' <(cut -f 1 -- \"$b/discovery/accounts.tsv\") - |\n"
		                             "  while IFS=\"$(printf '\\t')\" read -r u h; do "
		                             "[ -e \"$h/.forward\" ] || [ -e \"$h/.procmailrc\" ] || echo \"$u\"; done"
		                           : "cut -f 1 -- \"$b/discovery/accounts.tsv\"");
	if (steps_uses_ldap(a)) {
		char *env = steps_ldap_suffix_cmd(a);
		char *s = xasprintf("%sslapcat \"${conf[@]}\" -b \"$suffix\" -a '(&(objectClass=mailUser)%s)' "
		                    "| sed -n 's/^mail: //p'", env, active_only ? "(accountStatus=active)" : "");
		free(env);
		return s;
	}
	if (steps_uses_pgsql(a))
		return xasprintf(PG " -At -d vmail -c 'SELECT username FROM mailbox%s'", active_only ? " WHERE active = 1" : "");
	return xasprintf(MY " -Nse 'SELECT username FROM vmail.mailbox%s'", active_only ? " WHERE active = 1" : "");
}

char *steps_domains_cmd(const struct answers *a)
{
	/* system users: the domains the MTA delivers locally, but localhost
	 * and the host's short names (no dot): sendmail's local-host-names
	 * (class w), Postfix's mydestination */
	if (profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM && !profile_of(&a->source)->relay_postfix) {
		const char *vars[] = { "domains_awk", steps_awk_sendmail_domains, NULL };

		return steps_fragment(vars, "awk \"$domains_awk\" /etc/mail/local-host-names");
	}
	if (profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM)
		return xstrdup("postconf -x -h mydestination | tr ',[:blank:]' '\\n' | "
		               "grep -v -i -x -e '' -e 'localhost' -e 'localhost\\.localdomain' | grep -F .");
	if (steps_uses_ldap(a)) {
		char *sfx = steps_ldap_suffix_cmd(a);
		char *s = xasprintf("%sslapcat \"${conf[@]}\" -b \"$suffix\" -a '(objectClass=mailDomain)' "
		                    "2>/dev/null | sed -n 's/^domainName: //p; s/^domainAliasName: //p'", sfx);
		free(sfx);
		return s;
	}
	if (steps_uses_pgsql(a))
		return xstrdup(PG " -At -d vmail -c 'SELECT domain FROM domain UNION SELECT alias_domain FROM alias_domain'");
	return xstrdup(MY " -Nse 'SELECT domain FROM vmail.domain UNION SELECT alias_domain FROM vmail.alias_domain'");
}

char *steps_ldap_suffix_cmd(const struct answers *a)
{
	const char *vars[] = { "suffix", a->opt.ldap_suffix ? a->opt.ldap_suffix : "", NULL };

	return steps_fragment(vars, steps_sh_ldap_suffix);
}

/* --- The account backend: the vmail database (MariaDB/MySQL, PostgreSQL) or the
 * OpenLDAP directory. */

/* Adds one action: what finds slapd's configuration and suffix (env),
 * then the fragment after its prologue, all after `first` (a shell option). */
static void add_ldap(struct plan_step *ps, enum host h, unsigned flags, const char *note, const char *first,
                     const char *env, const char *const *vars, const char *body)
{
	char *frag = steps_fragment(vars, body);

	plan_add(ps, h, flags, note, "%s%s%s", first, env, frag);
	free(frag);
}

static void plan_ldap(const struct answers *a, struct plan_step *ps)
{
	char *env = steps_ldap_suffix_cmd(a);
	const char *b[] = { "b", a->opt.backup_dir, NULL };
	const char *replace[] = { "b", a->opt.backup_dir, "passwords_awk", steps_awk_accounts_passwords, NULL };

	add_ldap(ps, HOST_SOURCE, 0, "exports the directory with slapcat", "", env, b, steps_sh_accounts_export);
	steps_copy_dumps(ps, a);
	add_ldap(ps, HOST_TARGET, 0, "checks the suffixes match and saves the target's own directory", "", env, b,
	         steps_sh_accounts_save);
	add_ldap(ps, HOST_TARGET, ACT_DESTRUCTIVE, "replaces the target's directory with the source's", "set -e\n", env,
	         replace, steps_sh_accounts_replace);
	free(env);
}

static void plan_accounts(const struct answers *a, struct plan_step *ps)
{
	if (steps_uses_ldap(a))
		plan_ldap(a, ps);
	else
		steps_sql_move(ps, a, profile_of(&a->source)->account_dbs);
}

const struct step step_accounts = {
	.id = "accounts",
	.title = "Move the mail accounts",
	.why = "The accounts (domains, mailboxes with their password hashes, aliases, "
	       "quotas, forwardings) live in the account backend: the vmail database for "
	       "MariaDB/MySQL and PostgreSQL, or the OpenLDAP directory. It is copied "
	       "whole, so every user keeps the same password. For SQL the vmail database "
	       "is dumped and restored like the others. For LDAP the directory is exported "
	       "with slapcat, slapd is stopped on the target, its database files are "
	       "moved aside (kept, not deleted), the export is loaded with slapadd and "
	       "given back to the LDAP user. The service accounts cn=vmail and "
	       "cn=vmailadmin keep the target's passwords, which the target's Dovecot, "
	       "Postfix and iRedAdmin use to bind.",
	.flags = STEP_DOWNTIME | STEP_WHOLE, /* dumps again on a resume */
	.plan = plan_accounts,
};
