/* The mail store: a bulk copy while the old server is live, a final copy in
 * the downtime window, and the owners the target's Dovecot expects. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* The target pulls the mail store and every storage root discovery found
 * (steps/sh/copy.sh: the rsync options and why).  MAILSHIFT_TEST_LEAVE_OUT
 * names a root the copy leaves out: a hook for the tests that prove verify
 * and the cutover catch mail left behind, not a user option (it is not in
 * the answers, and the runbook shows it). */
static void add_copy(struct plan_step *ps, const struct answers *a, const char *phase, const char *note)
{
	char *ssh = steps_ssh_cmd(a), *login = steps_source_login(a), *origin = steps_source_path(a, ""), *cmd;
	char *into = steps_import_dir(a);
	const char *leave = getenv("MAILSHIFT_TEST_LEAVE_OUT");
	/* an mbox source into a Maildir target: the target's Maildirs are the
	 * conversion's (step_convert), which the final copy leaves alone (into
	 * iRedMail: the copies go into a directory of their own) */
	int convert = profile_of(&a->source)->store == PROFILE_MBOX && profile_of(&a->target)->store == PROFILE_MAILDIR &&
	              !*into;
	const char *vars[] = { "vmail", steps_vmail(a), "login", login, "origin", origin, "ssh", ssh, "phase", phase,
	                       "leave_out", leave ? leave : "", "convert", convert ? "1" : "0",
	                       "units_awk", steps_awk_units, "into", into, NULL };

	cmd = steps_script(a, vars, steps_sh_copy);
	plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, note, "%s", cmd);
	free(cmd);
	free(ssh);
	free(login);
	free(origin);
	free(into);
}

static int two_phase(const struct answers *a)
{
	return a->opt.two_phase_sync;
}

static void plan_bulk(const struct answers *a, struct plan_step *ps)
{
	const char *owners[] = { "vmail", steps_vmail(a), "mode", "fix", "scope", "all", NULL };
	char *cmd;

	add_copy(ps, a, "bulk", steps_into_iredmail(a)
	         ? "copies the users' homes and spool files into the import directory on the target (adds and updates, "
	           "deletes nothing)"
	         : "copies the mail store and every storage root to the target (adds and updates, deletes nothing)");
	/* (into iRedMail the import gives the copies to vmail) */
	if (steps_into_iredmail(a))
		return;
	cmd = steps_script(a, owners, steps_sh_owners);
	plan_add(ps, HOST_TARGET, 0, "each storage root belongs to its owner on the source (vmail, mlmmj), by name", "%s", cmd);
	free(cmd);
	steps_plan_census_cache(ps, a);
}

const struct step step_mailstore_bulk = {
	.id = "mailstore-bulk",
	.title = "Copy the mail store while the old server is live",
	.why = "Copying all the mail is the longest part of a migration (a day for a "
	       "large server in the seed paper), so it runs first, while the old server "
	       "still serves users. The target pulls the mail store, and every storage "
	       "root pre-flight found (another base directory or storage node, one on "
	       "another disk behind a symbolic link, the mailing lists), from the "
	       "source with "
	       "rsync (directly, with the one-off key) into the same paths, keeping hard "
	       "links, ACLs, extended attributes, numeric owners and the Maildir file "
	       "names (which carry each message's flags); it deletes nothing. iRedMail's "
	       "own backups (backup/ in the mail store) stay on each server. Then the "
	       "copied mail gets its owners, and each side's mail is counted once (the "
	       "census's cache): in the downtime window only the accounts that changed "
	       "since are counted and copied again, which takes seconds, not the hours "
	       "of this copy.",
	.applies = two_phase,
	.plan = plan_bulk,
};

static void plan_final(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_SOURCE, 0, "the source's mail services are stopped (nothing can change)",
	         "%s", steps_sh_stopped);
	add_copy(ps, a, "final", steps_into_iredmail(a)
	         ? "makes the copies in the import directory as on the source: copies what changed, removes what users "
	           "deleted meanwhile"
	         : "makes every storage root as on the source: copies what changed, removes what users deleted meanwhile");
}

const struct step step_mailstore_final = {
	.id = "mailstore-final",
	.title = "Final copy of the mail store",
	.why = "With the old server's mail services stopped, no message can arrive or "
	       "change, so this copy is complete: it moves what changed since the bulk "
	       "copy and, inside each storage root pre-flight and the census found "
	       "(vmail1, vmail2, another base directory, the lists, sieve, public), "
	       "removes from the target what users deleted on the source meanwhile, so "
	       "deleted mail does not come back. Nothing outside the storage roots is "
	       "deleted.",
	.flags = STEP_DOWNTIME,
	.plan = plan_final,
};

static void plan_chown(const struct answers *a, struct plan_step *ps)
{
	const char *vars[] = { "vmail", steps_vmail(a), "mode", "fix", "scope", "synced", NULL };
	char *cmd = steps_script(a, vars, steps_sh_owners);

	plan_add(ps, HOST_TARGET, 0, "each storage root belongs to its owner on the source (vmail, mlmmj), by name "
	         "(what the final copy took again)",
	         "%s", cmd);
	free(cmd);
}

const struct step step_chown = {
	.id = "chown",
	.title = "Give the mail to its owners",
	.why = "Dovecot reads and writes the mail as the vmail user (uid 2000 in "
	       "iRedMail), the mailing lists as mlmmj, and a system user's mail as that "
	       "user. After the copy every storage root "
	       "and everything in it must belong to the user and group it belongs to on "
	       "the source (by name: vmail:vmail for the mailboxes, the sieve scripts "
	       "and the public folders), each root with its mode (0700), and the store "
	       "itself to root with mode 0755, or users see empty or unreadable "
	       "mailboxes. Only what differs is changed; a symbolic link is never followed.",
	.flags = STEP_DOWNTIME,
	.plan = plan_chown,
};
