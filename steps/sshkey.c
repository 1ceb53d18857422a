/* What mailshift leaves on the source and takes back: the one-off key that
 * lets the target read it, and at the end the copies that hold secrets; and
 * what the old server itself still holds (decommission). */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* --- The one-off key the target uses to pull from the source: created on the
 * target, authorized on the source with a marking comment, and taken away
 * again at the end.  The old server never gets a key to the new one.
 * (steps/sh/sshkey-create.sh, sshkey-hosts.sh, authkey.sh, gate.sh) */

/* The comment that marks mailshift's line in the source's authorized_keys:
 * "mailshift-migration USER@TARGET" (the answers' user and host are
 * validated: no blanks).  The last field of the line, so it is found
 * exactly, and the same on every run for the same target. */
static char *marker(const struct answers *a)
{
	return xasprintf("mailshift-migration %s@%s", a->target.user, a->target.host);
}

/* The source's name as the target dials it, as ssh looks it up in
 * known_hosts: HOST, or [HOST]:PORT off port 22. */
static char *known_name(const struct answers *a)
{
	if (a->source.port == 22)
		return xstrdup(a->source.host);
	return xasprintf("[%s]:%u", a->source.host, a->source.port);
}

static void plan_key(const struct answers *a, struct plan_step *ps)
{
	char *m = marker(a), *name = known_name(a);
	char *ssh = steps_ssh_cmd(a), *login = steps_source_login(a);

	{
		const char *vars[] = { "k", STEPS_KEY, "m", m, NULL };
		char *cmd = steps_fragment(vars, steps_sh_sshkey_create);

		plan_add(ps, HOST_TARGET, 0, "creates a one-off SSH key on the target (an earlier run's is kept)", "%s", cmd);
		free(cmd);
	}
	plan_capture(ps, HOST_TARGET, 0, "pubkey", "reads its public key",
	             "cat -- %q", STEPS_KEY ".pub");
	{
		const char *vars[] = { "m", m, "mode", "add", "gate", steps_sh_gate, NULL };
		char *cmd = steps_script(a, vars, steps_sh_authkey);
		plan_feed(ps, HOST_SOURCE, 0, "pubkey",
		          "authorizes it on the source, marked, least privilege: it runs nothing but rsync reading "
		          "(its forced command, ~/.ssh/mailshift-migration/gate); no forwarding, terminal or rc; "
		          "expiring in 14 days",
		          "%s", cmd);
		free(cmd);
	}
	plan_capture(ps, HOST_SOURCE, 0, "hostkeys",
	             "reads the source's host keys (over this connection, whose host key was checked)",
	             "cat /etc/ssh/ssh_host_*_key.pub");
	{
		const char *vars[] = { "n", name, "f", STEPS_KNOWN_HOSTS, NULL };
		char *cmd = steps_fragment(vars, steps_sh_sshkey_hosts);

		plan_feed(ps, HOST_TARGET, 0, "hostkeys", "gives the target the source's host keys, in a known_hosts file of its own",
		          "%s", cmd);
		free(cmd);
	}
	/* from= the address the source sees the target come from (NAT or not) */
	plan_capture(ps, HOST_TARGET, 0, "target_addr",
	             "the target logs in to the source with the key (host key checked), as the source sees it",
	             "%s %q mailshift-address", ssh, login);
	{
		const char *vars[] = { "m", m, "mode", "narrow", NULL };
		char *cmd = steps_script(a, vars, steps_sh_authkey);
		plan_feed(ps, HOST_SOURCE, 0, "target_addr", "the key opens the source only from that address",
		          "%s", cmd);
		free(cmd);
	}
	plan_add(ps, HOST_TARGET, 0, "the target logs in to the source with the key, from there",
	         "%s %q true && echo 'the target reaches the source over SSH with the one-off key'", ssh, login);
	free(m);
	free(name);
	free(ssh);
	free(login);
}

const struct step step_migration_key = {
	.id = "migration-key",
	.flags = STEP_KEY_ADD,
	.title = "Let the target reach the source with a one-off key",
	.why = "The mail, the DKIM keys, the configuration and the database dumps travel "
	       "directly between the servers, never through your machine: the new server "
	       "pulls them from the old one with rsync over SSH. For that mailshift "
	       "creates a one-off key on the target (" STEPS_KEY ", kept if an "
	       "earlier run made it), authorizes it for the source's user in its "
	       "~/.ssh/authorized_keys with a marking comment (mailshift-migration and "
	       "the target), and gives it the least it needs: its forced command, a "
	       "gate in ~/.ssh/mailshift-migration/, runs nothing but rsync as a "
	       "read-only daemon (no upload, no removal), so the key can read the old "
	       "server but never change it or run a command there; no agent or port "
	       "forwarding or terminal; only from the target's address; expiring in 14 "
	       "days. It gives the target the source's host keys, read over your own connection whose "
	       "host key was checked, in a file of its own (" STEPS_KNOWN_HOSTS "), "
	       "so the target checks the source's identity strictly. The old server never "
	       "gets a key to the new one. The last step, remove-key, takes all of it away.",
	.plan = plan_key,
};

static void plan_remove(const struct answers *a, struct plan_step *ps)
{
	char *m = marker(a), *ssh = steps_ssh_cmd(a), *login = steps_source_login(a);

	{
		const char *vars[] = { "m", m, "mode", "remove", NULL };
		char *cmd = steps_script(a, vars, steps_sh_authkey);
		plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
		         "removes the key's marked line from the source's authorized_keys, and its gate (nothing else)", "%s", cmd);
		free(cmd);
	}
	/* inline: the ssh command line is shell text, and the tests read what
	 * it asks the source's gate for (true) */
	plan_add(ps, HOST_TARGET, 0, "the source refuses the key now",
	         "k=%q\n"
	         "[ -f \"$k\" ] || { echo \"no $k on the target: nothing to check\"; exit 0; }\n"
	         "if %s %q true 2>/dev/null; then echo 'the one-off key still opens the source: "
	         "look for its line in authorized_keys there' >&2; exit 1; fi\n"
	         "echo 'the source refuses the one-off key'",
	         STEPS_KEY, ssh, login);
	plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "deletes the key pair and the source's host keys file on the target",
	         "for f in %q %q %q %q; do\n"
	         "  if [ -e \"$f\" ]; then rm -f -- \"$f\"; echo \"deleted $f\"; fi\n"
	         "done",
	         STEPS_KEY, STEPS_KEY ".pub", STEPS_KNOWN_HOSTS, STEPS_KNOWN_HOSTS ".part");
	free(m);
	free(ssh);
	free(login);
}

const struct step step_remove_key = {
	.id = "remove-key",
	.flags = STEP_KEY_REMOVE,
	.title = "Remove the one-off key",
	.why = "The target no longer needs to reach the source. mailshift removes from "
	       "the source's authorized_keys the line it added, found by its marking "
	       "comment (every other line stays as it was, and the file keeps its mode "
	       "and owner), checks that the source refuses the key, and deletes the key "
	       "pair and the source's host keys file on the target. If a run stops "
	       "earlier (a failed or refused step), the key stays authorized until this "
	       "step runs: resume the run, or run it alone with the runbook's --only "
	       "remove-key.",
	.plan = plan_remove,
};

/* --- The end: the copies that hold secrets, listed for each server, and, when
 * the admin asked (clean_source), the source's removed (steps/sh/cleanup-source.sh). */

static int cleans(const struct answers *a)
{
	return a->opt.clean_source;
}

static void plan_clean(const struct answers *a, struct plan_step *ps)
{
	const char *vars[] = { "b", a->opt.backup_dir, NULL };
	char *cmd = steps_fragment(vars, steps_sh_cleanup_source);

	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
	         "removes the source's dumps and configuration archives (the old server keeps its live data)", "%s", cmd);
	free(cmd);
}

const struct step step_clean_source = {
	.id = "clean-source",
	.title = "Remove the source's copies that hold secrets",
	.why = "You asked for it (clean_source = yes). The database dumps mailshift made on "
	       "the old server hold password hashes and service credentials, and the "
	       "configuration archives hold service passwords (Roundcube's database password "
	       "among them). The new server has its own copies; the old one keeps its live "
	       "databases and files. This step removes the old server's copies in its backup "
	       "directory: the dump/ folder, source-config.tar.gz and "
	       "roundcube-before-upgrade.tar.gz, nothing else.",
	.applies = cleans,
	.plan = plan_clean,
};

char *steps_secrets(const struct answers *a)
{
	const char *b = a->opt.backup_dir;

	/* system users: no dump; the target fetched the source's account
	 * files (users-pull.sh) */
	if (profile_of(&a->source)->accounts == PROFILE_ACCOUNTS_SYSTEM) {
		/* into iRedMail: the copies the import read stay on the target */
		char *into = steps_import_dir(a);
		char *s = xasprintf("what holds secrets on the servers (root's alone, mode 0700):\n"
		                    "  source  %s/source-config.tar.gz (its configuration: service passwords, TLS keys)%s\n"
		                    "  target  %s/users (the source's passwd, shadow and gshadow: password hashes; "
		                    "remove them once the new server runs), %s/source-config* (the source's configuration)%s%s%s",
		                    b, a->opt.clean_source ? ", unless the step clean-source removed it"
		                                           : "; clean_source = yes removes it at the end", b, b,
		                    *into ? ", " : "", into,
		                    *into ? " (the old server's homes and spool files as copied, which the import read: "
		                            "remove them once the new server runs)" : "");
		free(into);
		return s;
	}
	return xasprintf("what holds secrets on the servers (root's alone, mode 0700):\n"
	                 "  source  %s/dump (database dumps: password hashes), %s/source-config.tar.gz and "
	                 "%s/roundcube-before-upgrade.tar.gz (service passwords)%s\n"
	                 "  target  %s/dump (the source's dumps), %s/target-before and %s/target-last (its "
	                 "own databases and directory), %s/source-config* (the source's configuration)",
	                 b, b, b,
	                 a->opt.clean_source ? ", unless the step clean-source removed them"
	                                     : "; clean_source = yes removes them at the end",
	                 b, b, b, b);
}

/* --- The end of the old server: what still holds data and secrets there
 * after the move, listed (read-only), and, when the admin asked
 * (wipe_source), its mail data wiped, confirmed by typing its host name
 * (ACT_CONFIRM_HOST).  (steps/sh/decom-list.sh, decom-wipe.sh) */

/* The profile's SQL databases as one word list ("" when none). */
static char *db_words(const struct profile *pf)
{
	return xasprintf("%s%s%s", pf->account_dbs, *pf->account_dbs && *pf->other_dbs ? " " : "", pf->other_dbs);
}

static void plan_decommission(const struct answers *a, struct plan_step *ps)
{
	const struct profile *pf = profile_of(&a->source);
	char *dbs = db_words(pf);
	char *m = marker(a);
	const char *vars[] = { "system", pf->accounts == PROFILE_ACCOUNTS_SYSTEM ? "1" : "0",
	                       "store", pf->accounts == PROFILE_ACCOUNTS_SYSTEM ? pf->store_dir : a->opt.vmail_dir,
	                       "dkim", pf->dkim_amavis ? a->opt.dkim_dir : "", "dbs", dbs, "roundcube", a->opt.roundcube_dir, "m", m, NULL };
	char *cmd = steps_script(a, vars, steps_sh_decom_list);

	plan_add(ps, HOST_SOURCE, ACT_ADVISORY,
	         "lists what still holds data and secrets on the old server: what, where, how big (read-only)",
	         "%s", cmd);
	free(cmd);
	if (a->opt.wipe_source) {
		char *body = xasprintf("%s%s", steps_verified_check, steps_sh_decom_wipe);

		cmd = steps_script(a, NULL, body);
		plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE | ACT_CONFIRM_HOST,
		         "wipes the old server's mail (each storage root's contents) and mailshift's dumps there, "
		         "once verify passed and the cutover ran",
		         "%s", cmd);
		free(body);
		free(cmd);
	}
	free(dbs);
	free(m);
}

const struct step step_decommission = {
	.id = "decommission",
	.title = "What the old server still holds",
	.why = "The mail lives on the new server now, but the old one still holds it, and "
	       "secrets with it. This step lists, without changing anything, what is still "
	       "there and how big: the mail in each storage root, mailshift's own dumps and "
	       "archives, the DKIM keys, the databases and their data directories, how many "
	       "users hold a password hash in /etc/shadow, the SSH host keys, the TLS private "
	       "keys Postfix and Dovecot name, Roundcube's configuration (it holds its "
	       "database password), and the one-off key if it is still authorized. Names from "
	       "the old server are shown with anything unprintable as ?. With wipe_source = "
	       "yes it then wipes the mail (each storage root's contents, never a system "
	       "directory) and mailshift's dumps there: only after verify passed on the "
	       "current census and the cutover step ran, and only once you type the old "
	       "server's host name. The rest (shadow, keys, databases, the disk) is yours to "
	       "handle: a provider's disk may still hold what was deleted.",
	.plan = plan_decommission,
};
