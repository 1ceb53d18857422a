/* System users into iRedMail (issue 15): a Postfix+Dovecot or sendmail
 * server's Unix accounts become mailboxes of an iRedMail server's account
 * backend (SQL rows or LDAP entries), their mail goes into those
 * mailboxes, their aliases and .forward files into iRedMail's aliases and
 * forwardings.
 *
 * Step mailboxes (live): the target fetches the source's account files
 * (as step users does: steps/users.c), checks its crypt verifies every
 * kind of hash, and makes each real user a mailbox with the shadow hash as
 * {CRYPT} (irm-accounts.sh): the user logs in with the old password.  The
 * copies (copy.sh with into) then carry each user's home and spool file
 * into steps_import_dir, under their own paths.
 * Step import (the window, after the final copy): each user's mail from
 * there into the mailbox with dsync, checked against the source's census
 * (import.sh); the aliases and .forward files as aliases and forwardings,
 * what needs a person listed (irm-forwardings.sh). */
#include <stdlib.h>

#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

int steps_into_iredmail(const struct answers *a)
{
	return profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM && a->target.stack == STACK_IREDMAIL;
}

char *steps_import_dir(const struct answers *a)
{
	return steps_into_iredmail(a) ? xasprintf("%s/mailshift-import", a->opt.vmail_dir) : xstrdup("");
}

static const char *opt(const char *v)
{
	return v ? v : "";
}

char *steps_irm_script(const struct answers *a, const char *const *vars, const char *body)
{
	const struct profile *pf = profile_of(&a->target);
	const char *all[24] = { "backend", pf->backend_word, "domain", opt(a->opt.users_domain) };
	char *text = xasprintf("%s%s", steps_sh_irm_lib, body), *env, *s, *script;
	size_t i, n = 4;

	for (i = 0; vars[i] && n < sizeof all / sizeof *all - 2; i += 2) {
		all[n++] = vars[i];
		all[n++] = vars[i + 1];
	}
	all[n] = NULL;
	script = steps_script(a, all, text);
	free(text);
	if (pf->accounts != PROFILE_ACCOUNTS_LDAP)
		return script;
	env = steps_ldap_suffix_cmd(a);
	s = xasprintf("%s%s", env, script);
	free(env);
	free(script);
	return s;
}

void steps_plan_irm_domain(struct plan_step *ps, const struct answers *a)
{
	const char *none[] = { NULL };
	char *cmd = steps_irm_script(a, none, "ms_irm_domain_pick && ms_irm_domain_known \"$domain\" || exit 1\n"
	                                 "echo \"the users become mailboxes of $domain, a domain of this iRedMail server\"\n");

	plan_add(ps, HOST_TARGET, 0, "has the domain the users' addresses are in (users_domain)", "%s", cmd);
	free(cmd);
}

static void plan_mailboxes(const struct answers *a, struct plan_step *ps)
{
	char *awk = xasprintf("%s%s", steps_awk_irm_lib, steps_awk_irm_accounts), *cmd;
	const char *vars[] = { "uid_min", opt(a->opt.users_uid_min), "uid_max", opt(a->opt.users_uid_max),
	                       "irm_awk", awk, NULL };

	steps_plan_users_read(ps, a);
	steps_plan_users_hashes(ps, a);
	cmd = steps_irm_script(a, vars, steps_sh_irm_accounts);
	plan_add(ps, HOST_TARGET, 0, "makes each real user a mailbox of the target's domain, with the old password "
	         "hash as {CRYPT} (none if an address is taken already)", "%s", cmd);
	free(cmd);
	free(awk);
}

const struct step step_mailboxes = {
	.id = "mailboxes",
	.title = "Make each user a mailbox of the new server",
	.why = "On the old server every mailbox is a Unix account; on iRedMail a mailbox is "
	       "a row of its database (or an entry of its LDAP directory), with an address "
	       "in one of its domains. The new server fetches the old one's account files "
	       "itself (no password hash passes through mailshift, its log or the runbook), "
	       "chooses the real users (from UID_MIN of the old server's login.defs up to "
	       "below nobody), checks that it can verify every kind of password hash, and "
	       "makes each user USER@DOMAIN (users_domain, or the new server's only domain) "
	       "a mailbox with the old hash kept as {CRYPT}HASH, as iRedMail's own tools "
	       "store one: everyone logs in with the password they have, and iRedMail "
	       "rehashes nothing. An address the new server has already (a mailbox, an "
	       "alias, a forwarding) that mailshift did not make stops the step with the "
	       "list, before anything is written; a locked account is listed, not made. "
	       "Running it again makes nothing twice.",
	.plan = plan_mailboxes,
};

static void plan_import(const struct answers *a, struct plan_step *ps)
{
	char *into = steps_import_dir(a), *cmd, *body;
	char *ssh = steps_ssh_cmd(a), *origin = steps_source_path(a, "");
	char *awk = xasprintf("%s%s", steps_awk_irm_lib, steps_awk_irm_forwardings);
	const char *pull[] = { "ssh", ssh, "origin", origin, "src_aliases", profile_of(&a->source)->aliases_file, NULL };
	const char *vars[] = { "into", into, "census_awk", steps_awk_census_mbox, NULL };
	const char *fwd[] = { "homes", into, "target_aliases", "", "irm_awk", awk, "aliases_awk", steps_awk_aliases, NULL };

	plan_capture(ps, HOST_SOURCE, 0, "mail_location", "reads where its Dovecot keeps each user's mail (mail_location)",
	             "doveconf -h mail_location");
	body = xasprintf("location=$(cat)\n%s%s", steps_sh_mbox_lib, steps_sh_import);
	cmd = steps_script(a, vars, body);
	plan_feed(ps, HOST_TARGET, 0, "mail_location", "puts each user's mail into its mailbox with this server's Dovecot "
	          "(dsync), keeping UIDVALIDITY, UIDs, flags and subscriptions; each mailbox checked against the census",
	          "%s", cmd);
	free(cmd);
	free(body);
	cmd = steps_target_script(a, pull, steps_sh_aliases_pull);
	plan_add(ps, HOST_TARGET, 0, "fetches the source's aliases file (to the target only, through the read-only gate)",
	         "%s", cmd);
	free(cmd);
	cmd = steps_irm_script(a, fwd, steps_sh_irm_forwardings);
	plan_add(ps, HOST_TARGET, 0, "makes the source's aliases and the users' .forward files iRedMail aliases and "
	         "forwardings; what needs a person (commands, files, procmail) is listed with where it came from",
	         "%s", cmd);
	free(cmd);
	free(awk);
	free(ssh);
	free(origin);
	free(into);
}

const struct step step_import = {
	.id = "import",
	.title = "Put each user's mail into its mailbox",
	.why = "The copies brought each user's home and spool file from the old server into "
	       "a directory of the new one (mailshift-import in the mail store), as they "
	       "were. Now the new server's own Dovecot reads them as the old server stored "
	       "them (Maildir, or mbox with the INBOX in /var/mail) and writes each "
	       "user's iRedMail mailbox with dsync (doveadm backup -R), keeping what mail "
	       "clients key on: each folder's UIDVALIDITY and next UID, each message's UID, "
	       "flags and keywords, so IMAP and POP3 clients do not fetch everything again; "
	       "the subscriptions too. Each mailbox is compared with the source's census "
	       "after its import. A mailbox that holds mail not from the old server stops "
	       "the step before any user is imported; running it again changes nothing. "
	       "Then the old aliases file and the users' .forward files become iRedMail "
	       "aliases and forwardings; what cannot be carried automatically (aliases "
	       "that run a command or write a file, procmail recipes) is listed with "
	       "where it came from, never dropped silently.",
	.flags = STEP_DOWNTIME,
	.plan = plan_import,
};
