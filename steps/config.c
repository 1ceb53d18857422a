/* Custom configuration: carried to the target for review, never over the
 * target's live files (they hold the target's own service passwords):
 * steps/sh/config-archive.sh, config-diff.sh, config-carry.sh. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/sh.h"
#include "steps/steps.h"

static void plan_config(const struct answers *a, struct plan_step *ps)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.backup_dir);
	const char *bk = a->opt.backup_dir;
	const char *archive[] = { "b", bk, "rc", a->opt.roundcube_dir, NULL }, *unpack[] = { "b", bk, NULL };
	char *cmd;

	cmd = steps_fragment(archive, steps_sh_config_archive);
	plan_add(ps, HOST_SOURCE, 0, "archives the mail configuration of the source", "%s", cmd);
	free(cmd);
	plan_add(ps, HOST_TARGET, 0, "fetches the archive into the target's backup directory",
	         "b=%q\n"
	         "mkdir -p -m 0700 -- \"$b\"\n"
	         "rsync -as --no-links -e %q -- %q/source-config.tar.gz \"$b/\"",
	         bk, ssh, src);
	cmd = steps_fragment(unpack, steps_sh_config_diff);
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "unpacks it beside the live config and shows each file that differs",
	         "%s", cmd);
	free(cmd);
	if (a->opt.carry_config) {
		const char *carry[] = { "b", bk, "carry", a->opt.carry_config, NULL };

		cmd = steps_fragment(carry, steps_sh_config_carry);
		plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "puts the selected source files in place (carry_config); the target's own are saved first",
		         "%s", cmd);
		free(cmd);
	}
	free(ssh);
	free(src);
}

const struct step step_config = {
	.id = "config",
	.title = "Bring the source's configuration for review",
	.why = "Files you edited by hand on the old server (Postfix restrictions, amavis "
	       "rules, Dovecot settings, iRedAPD, fail2ban, SpamAssassin, fetchmail) hold "
	       "decisions the new server should keep. They cannot be copied over the new "
	       "server's files wholesale: those hold its own service passwords and paths. "
	       "mailshift archives them on the source (with Roundcube's config.inc.php), "
	       "unpacks them in the target's backup directory and shows every file that "
	       "differs, as a diff with password-like values masked. The files you list "
	       "in carry_config are then put in place on the target (the target's own "
	       "copy saved first, its owner and mode kept) and Postfix and Dovecot check "
	       "their configuration; carry the rest of your edits by hand.",
	.flags = STEP_OPTIONAL,
	.plan = plan_config,
};
