/* The aliases of a Postfix+Dovecot or sendmail server (issue 15): on such a
 * server /etc/aliases routes mail for names that are no account (sales,
 * webmaster) and for the system's own (root, postmaster, abuse).  Step
 * aliases merges the source's into the target's file, the target's own
 * entries kept, and has the target's MTA rebuild its map (newaliases).
 *
 * The source may be compromised, so everything happens on the target, in
 * three fragments of steps/sh:
 *   aliases-pull.sh    the target fetches the source's aliases file (its
 *                      stack's profile: /etc/aliases) through the one-off
 *                      key's read-only gate (ms_pull) into backup_dir/aliases/
 *   aliases-accept.sh  every entry of it checked (aliases.awk, mode source):
 *                      a name that is not [a-z0-9._+-]+ of at most 64 bytes,
 *                      a byte that is not printable text, a quote left open,
 *                      an entry without a target stop the step, named by
 *                      their line, before the target's file is touched
 *   aliases-merge.sh   the names only the source has added in a block that
 *                      says where they came from; a name both have with
 *                      other targets keeps the target's line and the
 *                      source's is listed; commands, files and :include:
 *                      carried are listed for review with their line; the
 *                      file saved first, the new one renamed into place
 *                      with the old one's owner and mode; newaliases.
 * No value is captured: what the step found is in its output and in
 * backup_dir/aliases/review. */
#include <stdlib.h>

#include "core/answers.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

static void plan_aliases(const struct answers *a, struct plan_step *ps)
{
	const char *src = profile_of(&a->source)->aliases_file, *dst = profile_of(&a->target)->aliases_file;
	char *ssh = steps_ssh_cmd(a), *origin = steps_source_path(a, ""), *cmd;
	const char *pull[] = { "ssh", ssh, "origin", origin, "src_aliases", src, NULL };
	const char *accept[] = { "src_aliases", src, "aliases_awk", steps_awk_aliases, NULL };
	const char *merge[] = { "sysroot", "", "aliases_file", dst, "source", a->source.host ? a->source.host : "", "src_aliases", src,
	                        "aliases_awk", steps_awk_aliases, NULL };

	cmd = steps_target_script(a, pull, steps_sh_aliases_pull);
	plan_add(ps, HOST_TARGET, 0, "fetches the source's aliases file (to the target only, through the "
	         "read-only gate)", "%s", cmd);
	free(cmd);
	cmd = steps_script(a, accept, steps_sh_aliases_accept);
	plan_add(ps, HOST_TARGET, 0, "checks every entry of the source's aliases (an entry that is not "
	         "plain \"name: target, ...\" is named by its line and stops the step)", "%s", cmd);
	free(cmd);
	cmd = steps_script(a, merge, steps_sh_aliases_merge);
	plan_add(ps, HOST_TARGET, 0, "adds the aliases only the source has to the target's file (its own "
	         "kept, the conflicts and the commands and files listed), then newaliases", "%s", cmd);
	free(cmd);
	free(ssh);
	free(origin);
}

const struct step step_aliases = {
	.id = "aliases",
	.title = "Merge the mail aliases into the new server's",
	.why = "The aliases file sends mail for names that are no account (sales, webmaster) "
	       "to the people who read it, and the system's own (root, postmaster, abuse) to "
	       "an administrator. The new server has its own file already: the old server's "
	       "aliases are added to it, and where both have a name with different targets the "
	       "new server's line stays and the old one is listed, so nothing is dropped without "
	       "being named. Aliases that run a command (|/usr/bin/...), write to a file or "
	       "include a list are carried but listed for you to check: that command or file may "
	       "not exist on the new server. The new server fetches the file itself and checks "
	       "every line before using it. The file is saved first (target-before/, "
	       "target-last/ in the backup directory); then newaliases rebuilds the map the mail "
	       "server reads. Running it again adds nothing.",
	.plan = plan_aliases,
};
