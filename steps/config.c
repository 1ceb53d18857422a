/* Custom configuration: carried to the target for review, never over the
 * target's live files (they hold the target's own service passwords). */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

static void plan_config(const struct answers *a, struct plan_step *ps)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.backup_dir);
	const char *bk = a->opt.backup_dir;

	plan_add(ps, HOST_SOURCE, 0, "archives the mail configuration of the source",
	         "b=%q\n"
	         "mkdir -p -m 0700 -- \"$b\"\n"
	         "set --\n"
	         "for p in etc/postfix etc/dovecot etc/amavis etc/amavisd etc/iredapd opt/iredapd/settings.py "
	         "opt/www/iredadmin/settings.py etc/spamassassin etc/mail/spamassassin etc/fail2ban etc/nginx "
	         "etc/postfix-policyd.conf etc/fetchmailrc; do\n"
	         "  [ -e \"/$p\" ] && set -- \"$@\" \"$p\"\n"
	         "done\n"
	         "tar -C / -czpf \"$b/source-config.tar.gz\" -- \"$@\" && echo \"archived: $*\"",
	         bk);
	plan_add(ps, HOST_TARGET, 0, "fetches the archive into the target's backup directory",
	         "b=%q\n"
	         "mkdir -p -m 0700 -- \"$b\"\n"
	         "rsync -as -e %q -- %q/source-config.tar.gz \"$b/\"",
	         bk, ssh, src);
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "unpacks it beside the live config and lists what differs",
	         "b=%q\n"
	         "d=\"$b/source-config.$(date +%%Y%%m%%d-%%H%%M%%S)\"\n"
	         "mkdir -m 0700 -- \"$d\" && tar -C \"$d\" -xzpf \"$b/source-config.tar.gz\"\n"
	         "ln -sfn -- \"$(basename -- \"$d\")\" \"$b/source-config\"\n"
	         "cd -- \"$d\"\n"
	         "find . -type f | LC_ALL=C sort | while IFS= read -r f; do\n"
	         "  f=${f#./}\n"
	         "  if [ ! -e \"/$f\" ]; then echo \"review: /$f is not on the target\"\n"
	         "  elif ! cmp -s -- \"$f\" \"/$f\"; then echo \"review: /$f differs (diff $d/$f /$f)\"; fi\n"
	         "done\n"
	         "echo \"the source's configuration is in $b/source-config: carry your own edits over by hand\"",
	         bk);
	free(ssh);
	free(src);
}

const struct step step_config = {
	.id = "config",
	.title = "Bring the source's configuration for review",
	.why = "Files you edited by hand on the old server (Postfix restrictions, amavis "
	       "rules, Dovecot settings, iRedAPD, fail2ban, SpamAssassin, fetchmail) hold "
	       "decisions the new server should keep. They cannot be copied over the new "
	       "server's files, which hold its own service passwords and paths. mailshift "
	       "archives them on the source, unpacks them in the target's backup directory "
	       "and lists every file that differs, so you can carry your edits over.",
	.applies = steps_is_iredmail,
	.plan = plan_config,
};
