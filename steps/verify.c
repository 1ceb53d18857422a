/* Verification before the switch: the target must hold what the source holds. */
#include <stdlib.h>

#include "core/shell.h"
#include "backends/probe.h"
#include "core/xalloc.h"
#include "steps/sh.h"
#include "steps/steps.h"

#define MY "mysql -Nse"
#define PG "runuser -u postgres -- psql -X -At"

/* awk programs that count an inventory's lines into the verification
 * table's figures (core/figures.h), one "KEY VALUE" line each.  The native
 * comparison (backends/inspect.c) prints the same keys, counted the same way. */
static const char count_dkim[] = "NF { n++ } END { printf \"dkim %d\\n\", n }";
static const char count_inventory[] =
	"$1 == \"table\" { t++; r += $4; db = $2; sub(/\\..*/, \"\", db); if (!(db in d)) { d[db] = 1; nd++ } } "
	"$1 == \"account\" { a++ } $1 == \"domain\" { m++ } $1 == \"entries\" { e += $3; le = 1 } "
	"END { printf \"accounts %d\\ndomains %d\\ndatabases %d\\ntables %d\\nrows %.0f\\n\", a, m, nd, t, r; "
	"if (le) print \"ldap\", e }";

/* Adds the actions that run `inventory` on the source, into the file NAME of
 * its backup directory's verify/ (an inventory may be large), then on the
 * target, which fetches the source's through the key's gate (it reads, and
 * runs no command there), prints the figures `count` makes of each side's
 * ("verify-row KEY SOURCE TARGET"), and fails when a line is on one side
 * only: what only the target has is a difference too, as in mailshift's own
 * comparison. */
static void add_compare(struct plan_step *ps, const struct answers *a, const char *name, const char *what,
                        const char *inventory, const char *count, enum native native)
{
	char *ssh = steps_ssh_cmd(a), *from = xasprintf("%s/verify/%s", a->opt.backup_dir, name);
	char *src = steps_source_path(a, from);

	plan_native(ps, HOST_SOURCE, 0, native ? NATIVE_PREP : NATIVE_NONE, "lists it on the source, for the target",
	            "inv=%q; f=%q\n"
	            "mkdir -p -m 0700 -- \"${f%%/*}\" && chmod 0700 -- \"${f%%/*}\" || exit 1\n"
	            "(eval \"$inv\") > \"$f.part\" && mv -f -- \"$f.part\" \"$f\" && echo \"$(grep -c . \"$f\") lines in $f\"",
	            inventory, from);
	plan_native(ps, HOST_TARGET, 0, native, what,
	         "inv=%q\n"
	         "t=$(mktemp -d) && trap 'rm -rf -- \"$t\"' EXIT\n"
	         "rsync -as --no-links -e %q -- %q \"$t/src\" || exit 1\n"
	         "eval \"$inv\" > \"$t/dst\" || exit 1\n"
	         "echo \"source: $(grep -c . \"$t/src\") lines; target: $(grep -c . \"$t/dst\") lines\"\n"
	         "count() { awk %q \"$1\" | LC_ALL=C sort; }\n"
	         "LC_ALL=C join <(count \"$t/src\") <(count \"$t/dst\") | sed 's/^/verify-row /'\n"
	         "LC_ALL=C comm -3 \"$t/src\" \"$t/dst\" > \"$t/diff\"\n"
	         "[ ! -s \"$t/diff\" ] || { echo 'not the same on both (left: only the source has it; indented: only the target):' >&2; "
	         "head -n 20 \"$t/diff\" >&2; exit 1; }\n"
	         "echo 'the target holds exactly what the source holds'",
	         inventory, ssh, src, count);
	free(ssh);
	free(from);
	free(src);
}

static void plan_verify(const struct answers *a, struct plan_step *ps)
{
	/* first what names the accounts: the census */
	steps_plan_census_compare(ps, a);
	{
		char *dkim = shell_fmt("cd -- %q 2>/dev/null || exit 0\n%s", a->opt.dkim_dir, steps_dkim_fingerprints);
		add_compare(ps, a, "dkim", "every DKIM key is on the target (public key fingerprints)", dkim, count_dkim,
		            NATIVE_NONE);
		free(dkim);
	}
	{
		const char *vars[] = { "vmail", a->opt.vmail_dir, "mode", "check", "scope", "synced", NULL };
		char *cmd = steps_script(a, vars, steps_sh_owners);
		plan_add(ps, HOST_TARGET, 0, "every storage root and everything in it has the source's owner", "%s", cmd);
		free(cmd);
	}
	/* the figure: keys with a wrong owner or mode; the source's column is
	 * what the target must show (0, "ok") */
	plan_add(ps, HOST_TARGET, 0, "the DKIM keys belong to amavis (0400)",
	         "k=%q\n"
	         "[ -d \"$k\" ] || { echo 'verify-row dkim-owners 0 0'; exit 0; }\n"
	         "n=$(find \"$k\" -name '*.pem' \\( ! -user amavis -o ! -perm 0400 \\) -print | wc -l) || "
	         "{ echo 'cannot check the DKIM keys: find failed (above)' >&2; exit 1; }\n"
	         "echo \"verify-row dkim-owners 0 $n\"\n"
	         "[ \"$n\" -eq 0 ] || { find \"$k\" -name '*.pem' \\( ! -user amavis -o ! -perm 0400 \\) -print >&2; exit 1; }\n"
	         "echo 'the DKIM keys belong to amavis, mode 0400'",
	         a->opt.dkim_dir);
	/* mailshift compares through its own connections: rows, LDAP entries,
	 * accounts with their maildirs, domains; the runbook the same lines */
	{
		char *env = steps_uses_ldap(a) ? steps_ldap_suffix_cmd(a) : xstrdup("");
		char *inv = shell_fmt("%sbackend=%q\ndbs=%q\n%s", env, steps_backend_word(a), PROBE_MAIL_DATABASES,
		                      steps_sh_inventory);
		add_compare(ps, a, "inventory", "every table has the same rows; every account (with its maildir), domain and LDAP entry is there",
		            inv, count_inventory, NATIVE_COMPARE);
		free(inv);
		free(env);
	}
	steps_plan_verified(ps, a);
}

const struct step step_verify = {
	.id = "verify",
	.title = "Verify the target holds everything",
	.why = "Before the new server starts, while nothing can change on either side, "
	       "mailshift proves the target holds what the source holds. The target's "
	       "mail is counted the way the census counted the source's, and the two are "
	       "compared account by account and folder by folder: every folder, every "
	       "message with its flags and size, UIDVALIDITY and the UIDs mail clients "
	       "keep; a difference names the accounts and folders. Then every DKIM key, "
	       "the owners, and, read through its own connections to both servers' "
	       "databases and directory, every table with the same number of rows, "
	       "every account with the same maildir, every domain and LDAP entry (the "
	       "runbook's shell compares the very same lines). The report (and "
	       "mailshift --report) shows what it counted on each side, side by side. "
	       "A difference stops the run here, while the old server can still simply "
	       "be started again; the relay refuses to run until verify passed on the "
	       "current census.",
	.flags = STEP_DOWNTIME | STEP_FIGURES | STEP_PROOF,
	.plan = plan_verify,
};

static void plan_test(const struct answers *a, struct plan_step *ps)
{
	char *users = steps_accounts_cmd(a, 1);

	plan_add(ps, HOST_TARGET, 0, "Postfix and Dovecot run on the target",
	         "systemctl is-active postfix dovecot");
	steps_plan_dovecot_check(ps, a);
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "recounts every mailbox's quota usage (after the window: Dovecot keeps the copied usage meanwhile)",
	         "doveadm quota recalc -A && echo 'quota usage recalculated'");
	/* each test message is recorded before it is sent: a run killed before
	 * the removal leaves one, and the removal of a later run takes it too */
	plan_capture(ps, HOST_TARGET, 0, "test_message", "a message sent through the target's Postfix arrives",
	             "b=%q\n"
	             "users=$(%s)\n"
	             "to=${users%%%%[[:space:]]*}\n"
	             "[ -n \"$to\" ] || { echo 'no active user to send a test message to' >&2; exit 1; }\n"
	             "tok=mailshift-test-$(date +%%s)-$$\n"
	             "mkdir -p -m 0700 -- \"$b\" && printf '%%s %%s\\n' \"$to\" \"$tok\" >> \"$b/test-messages\"\n"
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
	             a->opt.backup_dir, users);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "test_message",
	          "removes the test messages (only them: each subject is unique and recorded)",
	          "b=%q\n"
	          "read -r _ _\n"
	          "while read -r to tok; do\n"
	          "  [[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo \"not a test message subject: $tok\" >&2; exit 1; }\n"
	          "  doveadm expunge -u \"$to\" mailbox INBOX header Subject \"$tok\"\n"
	          "  echo \"removed the test message $tok from the INBOX of $to\"\n"
	          "done < \"$b/test-messages\"\n"
	          "rm -f -- \"$b/test-messages\"",
	          a->opt.backup_dir);
	free(users);
}

const struct step step_test = {
	.id = "test",
	.title = "Test the new server",
	.why = "The new server runs now (and the old one relays to it). mailshift checks "
	       "that Postfix and Dovecot are up; that the new server's own Dovecot, "
	       "through its own user lookup (SQL or LDAP with the target's service "
	       "passwords), finds every account of the source's census and shows its "
	       "messages, with the same unread ones (wrong owners, paths or lookup "
	       "passwords show here; mail the relay brought since has later UIDs and is "
	       "told apart); it recounts the quota usage, which waited until after the "
	       "window; and a message sent through the target's Postfix reaches a "
	       "mailbox. That test message is then removed. Log in yourself too, with a "
	       "mail client or openssl s_client -connect NEW:993, before the switch.",
	.plan = plan_test,
};
