/* Verification before the switch: the target must hold what the source holds. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

#define MY "mysql -Nse"
#define PG "runuser -u postgres -- psql -X -At"

/* Shell text printing "db.table rows" for every table of the migrated SQL
 * databases on the host it runs on. */
static const char *row_counts(const struct answers *a)
{
	if (steps_uses_pgsql(a))
		return "for db in vmail amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban; do "
		       PG " -l | cut -d \"|\" -f 1 | grep -xF -- \"$db\" >/dev/null || continue; "
		       "for t in $(" PG " -d \"$db\" -c \"SELECT tablename FROM pg_tables WHERE schemaname = current_schema()\"); do "
		       "echo \"$db.$t $(" PG " -d \"$db\" -c \"SELECT COUNT(*) FROM \\\"$t\\\"\")\"; done; done | LC_ALL=C sort";
	return "for db in vmail amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban; do "
	       MY " \"SHOW DATABASES\" | grep -xF -- \"$db\" >/dev/null || continue; "
	       "for t in $(" MY " \"SHOW TABLES\" \"$db\"); do "
	       "echo \"$db.$t $(" MY " \"SELECT COUNT(*) FROM \\`$t\\`\" \"$db\")\"; done; done | LC_ALL=C sort";
}

/* Adds an action that runs `inventory` on the target and, over the target's
 * SSH to the source, on the source, and fails when a line of the source's
 * is missing on the target.  (An inventory may be far larger than a value
 * can carry through mailshift.) */
static void add_compare(struct plan_step *ps, const struct answers *a, const char *what,
                        const char *inventory, enum native native)
{
	char *ssh = steps_ssh_cmd(a), *login = steps_source_login(a);

	plan_native(ps, HOST_TARGET, 0, native, what,
	         "inv=%q\n"
	         "src=$(%s %q \"$inv\") || exit 1\n"
	         "dst=$(eval \"$inv\") || exit 1\n"
	         "echo \"source: $(printf '%%s\\n' \"$src\" | grep -c .) lines; target: $(printf '%%s\\n' \"$dst\" | grep -c .) lines\"\n"
	         "missing=$(LC_ALL=C comm -23 <(printf '%%s\\n' \"$src\") <(printf '%%s\\n' \"$dst\"))\n"
	         "[ -z \"$missing\" ] || { echo 'on the source but not the same on the target:' >&2; "
	         "printf '%%s\\n' \"$missing\" | head -n 20 >&2; exit 1; }\n"
	         "echo 'the target holds everything the source holds'",
	         inventory, ssh, login);
	free(ssh);
	free(login);
}

static void plan_verify(const struct answers *a, struct plan_step *ps)
{
	char *mail = shell_fmt("cd -- %q && find . -type f \\( -path \"*/cur/*\" -o -path \"*/new/*\" \\) "
	                       "-printf \"%%p %%s\\n\" | LC_ALL=C sort", a->opt.vmail_dir);

	add_compare(ps, a, "every message file is on the target, same name and size", mail, NATIVE_NONE);
	if (steps_uses_ldap(a)) {
		char *env = steps_ldap_suffix_cmd(a);
		char *ldap = xasprintf("%sslapcat \"${conf[@]}\" -b \"$suffix\" | sed -n \"s/^dn: //p\" | LC_ALL=C sort", env);
		add_compare(ps, a, "every LDAP entry is on the target", ldap, NATIVE_NONE);
		free(ldap);
		free(env);
	}
	/* mailshift compares through its own connections: rows, LDAP entries,
	 * accounts with their maildirs, domains */
	add_compare(ps, a, "every table has the same rows; every account (with its maildir) and domain is there",
	            row_counts(a), NATIVE_COMPARE);
	plan_add(ps, HOST_SOURCE, 0, "records that the target passed (the cutover requires it)",
	         "b=%q; mkdir -p -m 0700 -- \"$b\" && date -u > \"$b/verified\" && echo \"recorded in $b/verified\"",
	         a->opt.backup_dir);
	free(mail);
}

const struct step step_verify = {
	.id = "verify",
	.title = "Verify the target holds everything",
	.why = "Before the new server starts, while nothing can change on either side, "
	       "mailshift proves the target holds what the source holds: every message "
	       "file with the same name (which carries its flags) and size, every LDAP "
	       "entry, and, read through its own connections to both servers' databases "
	       "and directory, every table with the same number of rows, every account "
	       "with the same maildir, every domain. A difference "
	       "stops the run here, while the old server can still simply be started "
	       "again; the cutover refuses to run until this step passed.",
	.flags = STEP_DOWNTIME,
	.applies = steps_is_iredmail,
	.plan = plan_verify,
};

static void plan_test(const struct answers *a, struct plan_step *ps)
{
	char *users;

	if (steps_uses_ldap(a)) {
		char *env = steps_ldap_suffix_cmd(a);
		users = xasprintf("%sslapcat \"${conf[@]}\" -b \"$suffix\" -a '(&(objectClass=mailUser)(accountStatus=active))' "
		                  "| sed -n 's/^mail: //p'", env);
		free(env);
	} else {
		users = xstrdup(steps_uses_pgsql(a)
		                ? PG " -d vmail -c 'SELECT username FROM mailbox WHERE active = 1'"
		                : MY " 'SELECT username FROM vmail.mailbox WHERE active = 1'");
	}
	plan_add(ps, HOST_TARGET, 0, "Postfix and Dovecot run on the target",
	         "systemctl is-active postfix dovecot");
	plan_add(ps, HOST_TARGET, 0, "Dovecot finds every active user and opens their INBOX",
	         "users=$(%s)\n"
	         "n=0 bad=0\n"
	         "for u in $users; do\n"
	         "  n=$((n + 1))\n"
	         "  doveadm mailbox status -u \"$u\" messages INBOX >/dev/null 2>&1 || { echo \"cannot open the INBOX of $u\" >&2; bad=$((bad + 1)); }\n"
	         "done\n"
	         "echo \"$((n - bad)) of $n users' mailboxes open\"\n"
	         "[ \"$bad\" = 0 ] && [ \"$n\" -gt 0 ]",
	         users);
	free(users);
}

const struct step step_test = {
	.id = "test",
	.title = "Test the new server",
	.why = "The new server runs now. mailshift checks that Postfix and Dovecot are "
	       "up and that Dovecot, through its own user lookup (SQL or LDAP with the "
	       "target's service passwords), finds every active user and opens their "
	       "INBOX: wrong owners, paths or lookup passwords show here. Then log in "
	       "yourself with a mail client or openssl s_client -connect NEW:993 before "
	       "the switch.",
	.applies = steps_is_iredmail,
	.plan = plan_test,
};
