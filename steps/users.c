/* The system users of a Postfix+Dovecot or sendmail server (issue 15): on
 * such a server every mailbox is a Unix account, and its mail, home and
 * spool belong to its uid.  Step users creates the source's real users and
 * their groups on the target with the same ids and the same password
 * hashes, before the mail copy brings their homes; pre-flight runs the
 * same reading and checks without creating anything
 * (steps_plan_users_check).
 *
 * The source may be compromised, and its shadow file holds secrets, so
 * everything happens on the target, in four fragments of steps/sh:
 *   users-pull.sh     the target fetches the source's passwd, shadow,
 *                     group, gshadow and login.defs through the one-off
 *                     key's read-only gate (ms_pull) into backup_dir/users/
 *   users-accept.sh   the real users (UID_MIN of the source's login.defs up
 *                     to below its nobody, or the options users_uid_min and
 *                     users_uid_max) and their groups, every line of theirs
 *                     checked (users.awk); a line that fails stops the step
 *   users-hashes.sh   this server's crypt verifies each kind of hash
 *   users-create.sh   conflicts with the target's own accounts listed and
 *                     refused before anything is created (users-target.awk),
 *                     then groupadd, useradd, chpasswd -e, chage, gpasswd
 * No hash travels through mailshift: no action captures a value, the
 * output names users and kinds of hash only, and the tools read the hashes
 * on their stdin. */
#include <stdlib.h>

#include "core/buf.h"
#include "core/shell.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* The option's text, or "" (the fragment then reads the source's). */
static const char *opt(const char *v)
{
	return v ? v : "";
}

/* The source's account files fetched to the target, and the real users
 * among them chosen and checked there. */
void steps_plan_users_read(struct plan_step *ps, const struct answers *a)
{
	char *ssh = steps_ssh_cmd(a), *origin = steps_source_path(a, ""), *cmd;
	const char *pull[] = { "ssh", ssh, "origin", origin, NULL };
	const char *accept[] = { "uid_min", opt(a->opt.users_uid_min), "uid_max", opt(a->opt.users_uid_max),
	                         "users_awk", steps_awk_users, NULL };

	cmd = steps_target_script(a, pull, steps_sh_users_pull);
	plan_add(ps, HOST_TARGET, 0, "fetches the source's passwd, shadow, group, gshadow and login.defs "
	         "(to the target only, through the read-only gate)", "%s", cmd);
	free(cmd);
	cmd = steps_script(a, accept, steps_sh_users_accept);
	plan_add(ps, HOST_TARGET, 0, "chooses the real users (UID_MIN of the source up to below nobody) "
	         "and their groups, every line of theirs checked", "%s", cmd);
	free(cmd);
	free(ssh);
	free(origin);
}

/* users-create.sh in mode "check" (nothing created) or "create". */
static char *create_cmd(const struct answers *a, const char *mode)
{
	const char *vars[] = { "sysroot", "", "mode", mode, "target_awk", steps_awk_users_target, NULL };

	return steps_script(a, vars, steps_sh_users_create);
}

void steps_plan_users_hashes(struct plan_step *ps, const struct answers *a)
{
	char *cmd = steps_script(a, NULL, steps_sh_users_hashes);

	plan_add(ps, HOST_TARGET, 0, "this server's crypt verifies every kind of password hash moved "
	         "(the users of a kind it cannot are named)", "%s", cmd);
	free(cmd);
}

void steps_plan_users_check(struct plan_step *ps, const struct answers *a)
{
	char *cmd;

	steps_plan_users_read(ps, a);
	steps_plan_users_hashes(ps, a);
	cmd = create_cmd(a, "check");
	plan_add(ps, HOST_TARGET, 0, "no name, uid or gid of the users moved is another's on the target "
	         "(nothing is created)", "%s", cmd);
	free(cmd);
}

static void plan_users(const struct answers *a, struct plan_step *ps)
{
	char *cmd;

	steps_plan_users_read(ps, a);
	steps_plan_users_hashes(ps, a);
	cmd = create_cmd(a, "create");
	plan_add(ps, HOST_TARGET, 0, "creates the groups and users with the source's ids, hashes and ageing "
	         "(after saving passwd, shadow, group and gshadow; none if any conflicts)", "%s", cmd);
	free(cmd);
}

const struct step step_users = {
	.id = "users",
	.title = "Create the mail users on the new server",
	.why = "On this kind of server every mailbox is a Unix account: its mail, home "
	       "directory and spool belong to its user id. The new server needs the same "
	       "accounts, with the same ids (or every copied file would belong to someone "
	       "else) and the same password hashes (so everyone logs in with the password "
	       "they have). Only the real users move: those from UID_MIN of the old server's "
	       "/etc/login.defs (often 1000, 500 on old Red Hat) up to below its nobody, with "
	       "their groups; the system's own accounts stay as each server has them. The new "
	       "server fetches the files itself, so no password hash passes through mailshift, "
	       "its log or the runbook, and checks every line before using it. A name or id "
	       "the new server already uses for someone else stops the step with the whole "
	       "list, before anything is created; a user already there with the same ids is "
	       "left as it is. The account files are saved first (target-before/, "
	       "target-last/ in the backup directory). Homes are not created here: the mail "
	       "copy brings them.",
	.plan = plan_users,
};
