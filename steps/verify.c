/* Verification before the switch: the target must hold what the source holds
 * (steps/sh/verify-*.sh, verify-*.awk); the test of the new server after the
 * start (test-*.sh). */
#include <stdlib.h>

#include "core/shell.h"
#include "backends/probe.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

#define MY "mysql -Nse"
#define PG "runuser -u postgres -- psql -X -At"

/* Adds the actions that run `inventory` on the source, into the file NAME of
 * its backup directory's verify/ (an inventory may be large), then on the
 * target, which fetches the source's through the key's gate (it reads, and
 * runs no command there), prints the figures `count` makes of each side's
 * ("mailshift-figure KEY SOURCE TARGET"), and fails when a line is on one side
 * only: what only the target has is a difference too, as in mailshift's own
 * comparison. */
static void add_compare(struct plan_step *ps, const struct answers *a, const char *name, const char *what,
                        const char *inventory, const char *count, enum native native)
{
	char *ssh = steps_ssh_cmd(a), *from = xasprintf("%s/verify/%s", a->opt.backup_dir, name);
	char *src = steps_source_path(a, from);
	const char *list[] = { "inv", inventory, "f", from, NULL };
	const char *compare[] = { "inv", inventory, "ssh", ssh, "src", src, "count_awk", count, NULL };
	char *cmd = steps_fragment(list, steps_sh_verify_list);

	plan_native(ps, HOST_SOURCE, 0, native ? NATIVE_PREP : NATIVE_NONE, "lists it on the source, for the target",
	            "%s", cmd);
	free(cmd);
	cmd = steps_fragment(compare, steps_sh_verify_compare);
	plan_native(ps, HOST_TARGET, 0, native, what, "%s", cmd);
	free(cmd);
	free(ssh);
	free(from);
	free(src);
}

static void plan_verify(const struct answers *a, struct plan_step *ps)
{
	const struct profile *pf = profile_of(&a->source);

	/* first what names the accounts: the census */
	steps_plan_census_compare(ps, a);
	if (pf->dkim_amavis) {
		char *dkim = shell_fmt("cd -- %q 2>/dev/null || exit 0\n%s", a->opt.dkim_dir, steps_sh_dkim_fingerprints);
		add_compare(ps, a, "dkim", "every DKIM key is on the target (public key fingerprints)", dkim, steps_awk_verify_dkim,
		            NATIVE_NONE);
		free(dkim);
	}
	/* (into iRedMail the mailboxes are Dovecot's own, which the census read) */
	if (!steps_into_iredmail(a)) {
		const char *vars[] = { "vmail", steps_vmail(a), "mode", "check", "scope", "synced", NULL };
		char *cmd = steps_script(a, vars, steps_sh_owners);
		plan_add(ps, HOST_TARGET, 0, "every storage root and everything in it has the source's owner", "%s", cmd);
		free(cmd);
	}
	/* the figure: keys with a wrong owner or mode; the source's column is
	 * what the target must show (0, "ok") */
	if (pf->dkim_amavis) {
		const char *vars[] = { "k", a->opt.dkim_dir, NULL };
		char *cmd = steps_fragment(vars, steps_sh_verify_dkim_owners);

		plan_add(ps, HOST_TARGET, 0, "the DKIM keys belong to amavis (0400)", "%s", cmd);
		free(cmd);
	}
	/* mailshift compares through its own connections: rows, LDAP entries,
	 * accounts with their maildirs, domains; the runbook the same lines
	 * (system users: the users step compared them, the census their mail) */
	if (pf->accounts != PROFILE_ACCOUNTS_SYSTEM) {
		char *env = steps_uses_ldap(a) ? steps_ldap_suffix_cmd(a) : xstrdup("");
		char *inv = shell_fmt("%sbackend=%q\ndbs=%q\n%s", env, steps_backend_word(a), PROBE_MAIL_DATABASES,
		                      steps_sh_inventory);
		add_compare(ps, a, "inventory", "every table has the same rows; every account (with its maildir), domain and LDAP entry is there",
		            inv, steps_awk_verify_inventory, NATIVE_COMPARE);
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

/* Seed 004's outbound check: a throwaway account sends to a user through
 * port 587 with SASL (refused without); on an iRedMail target the message
 * arrives signed with DKIM by its amavisd, with a key of its DKIM
 * directory (the old server's key, when it had DKIM keys).  On a Postfix
 * target of system users the account is a system user, and the check is
 * advisory: such a server may leave sending to the users' provider. */
static int has_outbound(const struct answers *a)
{
	return a->target.stack == STACK_IREDMAIL ||
	       (profile_of(&a->target)->accounts == PROFILE_ACCOUNTS_SYSTEM && profile_of(&a->target)->relay_postfix);
}

/* test-sender.sh in MODE for the target's kind of accounts; caller frees */
static char *sender_script(const struct answers *a, const char *mode)
{
	char *awk = xasprintf("%s%s", steps_awk_irm_lib, steps_awk_irm_accounts), *cmd;
	const char *irm[] = { "mode", mode, "irm_awk", awk, NULL };
	const char *sys[] = { "backend", "system", "mode", mode, NULL };

	cmd = a->target.stack == STACK_IREDMAIL ? steps_irm_script(a, irm, steps_sh_test_sender)
	                                        : steps_script(a, sys, steps_sh_test_sender);
	free(awk);
	return cmd;
}

static void plan_outbound(struct plan_step *ps, const struct answers *a, const char *users)
{
	int irm = a->target.stack == STACK_IREDMAIL, ldap = profile_of(&a->target)->accounts == PROFILE_ACCOUNTS_LDAP;
	const char *pick[] = { "b", a->opt.backup_dir, "users_cmd", users, "mode", "pick", NULL };
	const char *send[] = { "b", a->opt.backup_dir, "k", irm ? a->opt.dkim_dir : "", "dkim_pl", steps_pl_dkim_verify,
		               NULL };
	const char *same[] = { "b", a->opt.backup_dir, NULL };
	char *cmd;

	cmd = steps_fragment(pick, steps_sh_test_message);
	plan_capture(ps, HOST_TARGET, 0, "outbound", "chooses a mailbox for a message a user sends, recorded first", "%s", cmd);
	free(cmd);
	cmd = sender_script(a, "make");
	plan_feed(ps, HOST_TARGET, 0, "outbound",
	          !irm   ? "makes a throwaway system user to send as (no home, no shell), with a random password kept on the target"
	          : ldap ? "makes a throwaway mailbox to send from, with a random password kept on the target "
	                   "(slapd stops for a second or two: it is written offline)"
	                 : "makes a throwaway mailbox to send from, with a random password kept on the target",
	          "%s", cmd);
	free(cmd);
	cmd = steps_fragment(send, steps_sh_test_outbound);
	plan_feed(ps, HOST_TARGET, irm ? 0 : ACT_ADVISORY, "outbound",
	          irm ? "it sends to that mailbox through port 587 (TLS, SASL; refused without): the message arrives, "
	                "signed with DKIM by a key of the target's DKIM directory"
	              : "it sends to that mailbox through port 587 (TLS, SASL; refused without): the message arrives "
	                "(advisory: a server may leave sending to another)",
	          "%s", cmd);
	free(cmd);
	if (irm && profile_of(&a->source)->dkim_amavis) {
		plan_capture(ps, HOST_SOURCE, 0, "signing_keys", "lists the source's DKIM keys (fingerprints of the public halves)",
		             "cd -- %q 2>/dev/null || exit 0\n%s", a->opt.dkim_dir, steps_sh_dkim_fingerprints);
		cmd = steps_fragment(same, steps_sh_test_dkim_source);
		plan_feed(ps, HOST_TARGET, 0, "signing_keys", "the key that signed it is one of the source's (the DNS publishes them)",
		          "%s", cmd);
		free(cmd);
	}
}

static void plan_test(const struct answers *a, struct plan_step *ps)
{
	char *users = steps_accounts_cmd(a, 1), *cmd;
	const char *sent[] = { "b", a->opt.backup_dir, "users_cmd", users, NULL };
	const char *taken[] = { "b", a->opt.backup_dir, NULL };

	{
		char *units = shell_fmt("systemctl is-active %s", profile_of(&a->target)->live_units);
		plan_add(ps, HOST_TARGET, 0, "its mail daemons run on the target", "%s", units);
		free(units);
	}
	steps_plan_dovecot_check(ps, a);
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "recounts every mailbox's quota usage (after the window: Dovecot keeps the copied usage meanwhile)",
	         "if doveconf -h mail_plugins | grep -qw quota; then doveadm quota recalc -A && echo 'quota usage recalculated'\n"
	         "else echo 'no quota plugin in its Dovecot: no usage to recount'; fi");
	/* each test message is recorded before it is sent (test-message.sh) */
	cmd = steps_fragment(sent, steps_sh_test_message);
	plan_capture(ps, HOST_TARGET, 0, "test_message", "a message sent through the target's Postfix arrives", "%s", cmd);
	free(cmd);
	/* and one from the old server over SMTP, as the world sends (seed 004's
	 * inbound check): the target names the mailbox, the source sends, the
	 * target waits for it; the removal below takes it too */
	{
		const char *pick[] = { "b", a->opt.backup_dir, "users_cmd", users, "mode", "pick", NULL };
		const char *wait[] = { "b", a->opt.backup_dir, "users_cmd", "", "mode", "wait", NULL };
		const char *send[] = { "t", a->target.host, NULL };

		cmd = steps_fragment(pick, steps_sh_test_message);
		plan_capture(ps, HOST_TARGET, 0, "inbound", "chooses a mailbox for a message from another server, recorded first",
		             "%s", cmd);
		free(cmd);
		cmd = steps_fragment(send, steps_sh_test_inbound);
		plan_feed(ps, HOST_SOURCE, 0, "inbound",
		          "the new server takes a message over SMTP (port 25) from the old one, as from any mail server",
		          "%s", cmd);
		free(cmd);
		cmd = steps_fragment(wait, steps_sh_test_message);
		plan_feed(ps, HOST_TARGET, 0, "inbound", "... and delivers it to that mailbox", "%s", cmd);
		free(cmd);
	}
	if (has_outbound(a))
		plan_outbound(ps, a, users);
	cmd = steps_fragment(taken, steps_sh_test_remove);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "test_message",
	          "removes the test messages (only them: each subject is unique and recorded)", "%s", cmd);
	free(cmd);
	if (has_outbound(a)) {
		cmd = sender_script(a, "remove");
		plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "removes the throwaway sender (only the ones it made: recorded)",
		         "%s", cmd);
		free(cmd);
	}
	free(users);
}

const struct step step_test = {
	.id = "test",
	.title = "Test the new server",
	.why = "The new server runs now (and the old one relays to it). mailshift checks "
	       "that its mail daemons are up; that the new server's own Dovecot, "
	       "through its own user lookup (SQL or LDAP with the target's service "
	       "passwords), finds every account of the source's census and shows its "
	       "messages, with the same unread ones (wrong owners, paths or lookup "
	       "passwords show here; mail the relay brought since has later UIDs and is "
	       "told apart); it recounts the quota usage, which waited until after the "
	       "window; a message sent through the target's own MTA reaches a mailbox, "
	       "and so does one the old server sends it over SMTP (port 25), as any "
	       "mail server will after the switch. On a Postfix server mailshift also "
	       "sends as a user would: a throwaway account with a random password (made "
	       "on the new server, never shown) sends through port 587 with TLS and SASL "
	       "(the same message without authentication must be refused; on a server of "
	       "system users a failure is a warning: it may leave sending to another "
	       "server; a sendmail server is not checked this way). On iRedMail the "
	       "message must arrive signed by amavisd with DKIM: the signature is "
	       "checked against the keys in the DKIM directory, and the key that signed "
	       "must be one of the old server's, which the DNS publishes. The test "
	       "messages and the throwaway account are then removed. "
	       "Log in yourself too, with a mail client or openssl s_client -connect "
	       "NEW:993, and send a message through the new server, before the switch.",
	.plan = plan_test,
};
