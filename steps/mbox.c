/* mbox -> Maildir and the Dovecot census that judges it (issue 15: the
 * sendmail-mbox stack, INBOX in /var/mail/USER, folders in ~/mail).  In no
 * pair table yet: another step's plan calls these.
 *
 * The census asks each host's own Dovecot (steps/sh/census-mbox.sh), so an
 * mbox source and a Maildir target give lines that compare
 * (census-mbox-compare.sh); the conversion (mbox-maildir.sh) runs on the
 * target after the homes and /var/mail were copied there, with dsync
 * (doveadm backup -R), which keeps UIDVALIDITY and the UIDs.  The users are
 * those the users step chose (its users.tsv on the target); the source's
 * census gets their names as a value (captured on the target, fed to the
 * source), and the target fetches the source's census through the key's
 * gate. */
#include <stdlib.h>

#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* the users step's list, on the target (steps/sh/users-accept.sh) */
#define MBOX_USERS "/users/move/users.tsv"

/* steps_script with mbox-lib.sh before body */
static char *mbox_script(const struct answers *a, const char *const *vars, const char *body)
{
	char *text = xasprintf("%s%s", steps_sh_mbox_lib, body), *s;

	s = steps_script(a, vars, text);
	free(text);
	return s;
}

void steps_plan_census_mbox(struct plan_step *ps, const struct answers *a, enum host side)
{
	char *users = xasprintf("%s" MBOX_USERS, a->opt.backup_dir), *cmd;

	if (side == HOST_SOURCE) {
		const char *vars[] = { "side", "source", "users", "", "census_awk", steps_awk_census_mbox, NULL };
		char *ssh = steps_ssh_cmd(a), *origin = steps_source_path(a, "");
		const char *pull[] = { "ssh", ssh, "origin", origin, NULL };

		plan_capture(ps, HOST_TARGET, 0, "mbox_users", "lists the users whose mail the census counts",
		             "cut -f 1 -- %q", users);
		cmd = mbox_script(a, vars, steps_sh_census_mbox);
		plan_feed(ps, HOST_SOURCE, 0, "mbox_users", "counts those users' mail as the source's own Dovecot shows it: "
		          "folders, messages, flags, UIDVALIDITY, UIDs, POP3 UIDLs, subscriptions", "%s", cmd);
		free(cmd);
		cmd = steps_target_script(a, pull, "ms_pull \"$b/from-source\" \"$b/census/dovecot-source.tsv\"\n");
		plan_add(ps, HOST_TARGET, 0, "fetches the source's Dovecot census", "%s", cmd);
		free(cmd);
		free(ssh);
		free(origin);
	} else {
		const char *vars[] = { "side", "target", "users", users, "census_awk", steps_awk_census_mbox, NULL };
		const char *compare[] = { "source", "", "target", "", "compare_awk", steps_awk_census_mbox_compare, NULL };

		cmd = mbox_script(a, vars, steps_sh_census_mbox);
		plan_add(ps, HOST_TARGET, 0, "counts the same users' mail as the target's own Dovecot shows it", "%s", cmd);
		free(cmd);
		cmd = steps_script(a, compare, steps_sh_census_mbox_compare);
		plan_add(ps, HOST_TARGET, 0, "every user, folder and message the source's Dovecot showed, the target's shows the same",
		         "%s", cmd);
		free(cmd);
	}
	free(users);
}

void steps_plan_mbox_convert(struct plan_step *ps, const struct answers *a)
{
	char *users = xasprintf("%s" MBOX_USERS, a->opt.backup_dir), *cmd;
	const char *vars[] = { "users", users, "inbox_dir", profile_of(&a->source)->store_dir, "mbox_dir", "mail",
	                       "census_awk", steps_awk_census_mbox, NULL };

	cmd = mbox_script(a, vars, steps_sh_mbox_maildir);
	plan_add(ps, HOST_TARGET, 0, "converts each user's mbox (/var/mail/USER, ~/mail) into the Maildir this "
	         "server's Dovecot gives the user, keeping UIDVALIDITY, UIDs, flags and subscriptions; the mbox stays",
	         "%s", cmd);
	free(cmd);
	free(users);
}
