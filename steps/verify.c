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

/* awk programs that count an inventory's lines into the verification
 * table's figures (core/figures.h), one "KEY VALUE" line each.  The native
 * comparison (core/inspect.c) prints the same keys. */
static const char count_mail[] =
	"NF { n++; s += $NF } END { printf \"messages %d\\nbytes %.0f\\n\", n, s }";
static const char count_ldap[] = "NF { n++ } END { printf \"ldap %d\\n\", n }";
static const char count_dkim[] = "NF { n++ } END { printf \"dkim %d\\n\", n }";
static const char count_rows[] =
	"NF { t++; r += $NF; db = $1; sub(/\\..*/, \"\", db); if (!(db in d)) { d[db] = 1; nd++ } } "
	"$1 == \"vmail.mailbox\" { a = $NF } $1 == \"vmail.domain\" { m = $NF } "
	"END { printf \"databases %d\\ntables %d\\nrows %.0f\\n\", nd, t, r; "
	"if (a != \"\") print \"accounts\", a; if (m != \"\") print \"domains\", m }";

/* Adds an action that runs `inventory` on the target and, over the target's
 * SSH to the source, on the source, prints the figures `count` makes of
 * each side's ("verify-row KEY SOURCE TARGET"), and fails when a line of
 * the source's is missing on the target.  (An inventory may be far larger
 * than a value can carry through mailshift.) */
static void add_compare(struct plan_step *ps, const struct answers *a, const char *what,
                        const char *inventory, const char *count, enum native native)
{
	char *ssh = steps_ssh_cmd(a), *login = steps_source_login(a);

	plan_native(ps, HOST_TARGET, 0, native, what,
	         "inv=%q\n"
	         "src=$(%s %q \"$inv\") || exit 1\n"
	         "dst=$(eval \"$inv\") || exit 1\n"
	         "echo \"source: $(printf '%%s\\n' \"$src\" | grep -c .) lines; target: $(printf '%%s\\n' \"$dst\" | grep -c .) lines\"\n"
	         "count() { printf '%%s\\n' \"$1\" | awk %q | LC_ALL=C sort; }\n"
	         "LC_ALL=C join <(count \"$src\") <(count \"$dst\") | sed 's/^/verify-row /'\n"
	         "missing=$(LC_ALL=C comm -23 <(printf '%%s\\n' \"$src\") <(printf '%%s\\n' \"$dst\"))\n"
	         "[ -z \"$missing\" ] || { echo 'on the source but not the same on the target:' >&2; "
	         "printf '%%s\\n' \"$missing\" | head -n 20 >&2; exit 1; }\n"
	         "echo 'the target holds everything the source holds'",
	         inventory, ssh, login, count);
	free(ssh);
	free(login);
}

static void plan_verify(const struct answers *a, struct plan_step *ps)
{
	char *mail = shell_fmt("cd -- %q && find . -type f \\( -path \"*/cur/*\" -o -path \"*/new/*\" \\) "
	                       "-printf \"%%p %%s\\n\" | LC_ALL=C sort", a->opt.vmail_dir);

	add_compare(ps, a, "every message file is on the target, same name and size", mail, count_mail, NATIVE_NONE);
	if (steps_uses_ldap(a)) {
		char *env = steps_ldap_suffix_cmd(a);
		char *ldap = xasprintf("%sslapcat \"${conf[@]}\" -b \"$suffix\" | sed -n \"s/^dn: //p\" | LC_ALL=C sort", env);
		add_compare(ps, a, "every LDAP entry is on the target", ldap, count_ldap, NATIVE_NONE);
		free(ldap);
		free(env);
	}
	{
		char *dkim = shell_fmt("cd -- %q 2>/dev/null || exit 0\n%s", a->opt.dkim_dir, steps_dkim_fingerprints);
		add_compare(ps, a, "every DKIM key is on the target (public key fingerprints)", dkim, count_dkim,
		            NATIVE_NONE);
		free(dkim);
	}
	/* the figure: paths with a wrong owner or mode; the source's column is
	 * what the target must show (0, "ok") */
	plan_add(ps, HOST_TARGET, 0, "the mail belongs to vmail (folders 0700) and the DKIM keys to amavis (0400)",
	         "v=%q; k=%q\n"
	         "dirs=()\n"
	         "for d in \"$v\"/vmail[0-9]* \"$v/sieve\" \"$v/public\"; do [ ! -d \"$d\" ] || dirs+=(\"$d\"); done\n"
	         "wrong() {\n"
	         "  if [ ${#dirs[@]} -gt 0 ]; then\n"
	         "    find \"${dirs[@]}\" -maxdepth 0 \\( ! -user vmail -o ! -group vmail -o ! -perm 0700 \\) -print || return 1\n"
	         "    find \"${dirs[@]}\" -mindepth 1 \\( ! -user vmail -o ! -group vmail \\) -print || return 1\n"
	         "  fi\n"
	         "  if [ -d \"$k\" ]; then find \"$k\" -name '*.pem' \\( ! -user amavis -o ! -perm 0400 \\) -print || return 1; fi\n"
	         "}\n"
	         "# a find that fails (a folder it may not read) checked nothing: no \"ok\" then\n"
	         "n=$(wrong | wc -l) || { echo 'cannot check the owners and modes: find failed (above)' >&2; exit 1; }\n"
	         "echo \"verify-row owners 0 $n\"\n"
	         "[ \"$n\" -eq 0 ] || { echo \"wrong owner or mode ($n paths; the first 20):\" >&2; "
	         "wrong | head -n 20 >&2 || true; exit 1; }\n"
	         "echo \"$(find \"$v\" -mindepth 1 | wc -l) paths in $v belong to vmail; the DKIM keys to amavis\"",
	         a->opt.vmail_dir, a->opt.dkim_dir);
	/* mailshift compares through its own connections: rows, LDAP entries,
	 * accounts with their maildirs, domains */
	add_compare(ps, a, "every table has the same rows; every account (with its maildir) and domain is there",
	            row_counts(a), count_rows, NATIVE_COMPARE);
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
	       "with the same maildir, every domain; the report (and mailshift --report) "
	       "shows what it counted on each side, side by side. A difference "
	       "stops the run here, while the old server can still simply be started "
	       "again; the cutover refuses to run until this step passed.",
	.flags = STEP_DOWNTIME | STEP_FIGURES,
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
	plan_add(ps, HOST_TARGET, 0, "Dovecot sees every message of every active user, with its Seen flag",
	         "users=$(%s)\n"
	         "n=0 bad=0 total=0\n"
	         "for u in $users; do\n"
	         "  n=$((n + 1))\n"
	         "  home=$(doveadm user -f home \"$u\" 2>/dev/null) && loc=$(doveadm user -f mail \"$u\" 2>/dev/null) "
	         "|| { echo \"Dovecot does not find $u\" >&2; bad=$((bad + 1)); continue; }\n"
	         "  loc=${loc#maildir:}; loc=${loc%%%%:*}; [ -n \"$loc\" ] || loc='~/Maildir'\n"
	         "  md=${loc/#\\~/${home%%/}}\n"
	         "  files=0 unread=0\n"
	         "  if [ -d \"$md\" ]; then  # a mailbox that never received mail has none yet\n"
	         "    files=$(find \"$md\" -type f \\( -path '*/cur/*' -o -path '*/new/*' \\) | wc -l)\n"
	         "    unread=$(find \"$md\" -type f \\( -path '*/new/*' -o \\( -path '*/cur/*' ! -name '*:2,*S*' \\) \\) | wc -l)\n"
	         "  fi\n"
	         "  st=$(doveadm -f tab mailbox status -u \"$u\" 'messages unseen' '*' 2>&1) "
	         "|| { echo \"$u: Dovecot cannot read the mailboxes: $st\" >&2; bad=$((bad + 1)); continue; }\n"
	         "  seen=$(awk -F '\\t' 'NR > 1 && $1 !~ /^(Shared|Public)\\// {m += $(NF - 1); s += $NF} END {print m + 0, s + 0}' <<< \"$st\")\n"
	         "  total=$((total + files))\n"
	         "  [ \"$seen\" = \"$files $unread\" ] || { echo \"$u: $files message files ($unread unread) in $md, "
	         "Dovecot shows ${seen%% *} (${seen#* } unread)\" >&2; bad=$((bad + 1)); }\n"
	         "done\n"
	         "echo \"Dovecot shows all $total messages, and which are unread, for $((n - bad)) of $n users\"\n"
	         "[ \"$bad\" = 0 ] && [ \"$n\" -gt 0 ]",
	         users);
	plan_capture(ps, HOST_TARGET, 0, "test_message", "a message sent through the target's Postfix arrives",
	             "users=$(%s)\n"
	             "to=${users%%%%[[:space:]]*}\n"
	             "[ -n \"$to\" ] || { echo 'no active user to send a test message to' >&2; exit 1; }\n"
	             "tok=mailshift-test-$(date +%%s)-$$\n"
	             "printf 'From: <%%s>\\nTo: <%%s>\\nSubject: %%s\\n\\nmailshift sent this to test the new server; it removes it.\\n' "
	             "\"$to\" \"$to\" \"$tok\" | sendmail -f \"$to\" -- \"$to\"\n"
	             "for i in $(seq 1 90); do\n"
	             "  if [ -n \"$(doveadm search -u \"$to\" mailbox INBOX header Subject \"$tok\" 2>/dev/null)\" ]; then\n"
	             "    echo \"delivered to the INBOX of $to in about $i s\" >&2\n"
	             "    echo \"$to $tok\"; exit 0\n"
	             "  fi\n"
	             "  sleep 1\n"
	             "done\n"
	             "echo \"the test message to $to did not arrive in 90 s: see the target's mail log (postqueue -p)\" >&2; exit 1",
	             users);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "test_message", "removes that test message (only it: its subject is unique)",
	          "read -r to tok\n"
	          "[[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo \"not a test message subject: $tok\" >&2; exit 1; }\n"
	          "doveadm expunge -u \"$to\" mailbox INBOX header Subject \"$tok\"\n"
	          "echo \"removed the test message from the INBOX of $to\"");
	free(users);
}

const struct step step_test = {
	.id = "test",
	.title = "Test the new server",
	.why = "The new server runs now. mailshift checks that Postfix and Dovecot are "
	       "up; that Dovecot, through its own user lookup (SQL or LDAP with the "
	       "target's service passwords), finds every active user and shows every "
	       "message file of theirs, with the same unread ones (wrong owners, paths "
	       "or lookup passwords show here); and that a message sent through the "
	       "target's Postfix reaches a mailbox. That test message is then removed. "
	       "Log in yourself too, with a mail client or openssl s_client -connect "
	       "NEW:993, before the switch.",
	.applies = steps_is_iredmail,
	.plan = plan_test,
};
