/* Custom configuration: carried to the target for review, never over the
 * target's live files (they hold the target's own service passwords). */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

/* sed program masking the values of settings that look like credentials
 * (password, secret, bind_pw, a DSN with a password), so diffs and logs
 * show that such a line differs, never its value. */
#define MASK_SECRETS "s/((pass|pwd|secret|dsn|bindpw|bind_pw|_key|token)[^=:]*[=:][[:space:]]*).*/\\1******** (masked)/I; " \
	"s#(://[^:/@[:space:]]*:)[^@[:space:]]*@#\\1********@#g"

static void plan_config(const struct answers *a, struct plan_step *ps)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.backup_dir);
	const char *bk = a->opt.backup_dir;

	plan_add(ps, HOST_SOURCE, 0, "archives the mail configuration of the source",
	         "b=%q; rc=%q\n"
	         "mkdir -p -m 0700 -- \"$b\"\n"
	         "set --\n"
	         "for p in etc/postfix etc/dovecot etc/amavis etc/amavisd etc/amavisd.conf etc/iredapd opt/iredapd/settings.py "
	         "opt/www/iredadmin/settings.py etc/spamassassin etc/mail/spamassassin etc/fail2ban etc/nginx "
	         "etc/postfix-policyd.conf etc/fetchmailrc \"${rc#/}/config/config.inc.php\"; do\n"
	         "  [ -e \"/$p\" ] && set -- \"$@\" \"$p\"\n"
	         "done\n"
	         "tar -C / -czpf \"$b/source-config.tar.gz\" -- \"$@\" && echo \"archived: $*\"",
	         bk, a->opt.roundcube_dir);
	plan_add(ps, HOST_TARGET, 0, "fetches the archive into the target's backup directory",
	         "b=%q\n"
	         "mkdir -p -m 0700 -- \"$b\"\n"
	         "rsync -as --no-links -e %q -- %q/source-config.tar.gz \"$b/\"",
	         bk, ssh, src);
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "unpacks it beside the live config and shows each file that differs",
	         "b=%q\n"
	         "d=\"$b/source-config.$(date +%%Y%%m%%d-%%H%%M%%S)\"\n"
	         "mkdir -m 0700 -- \"$d\" && tar -C \"$d\" -xzpf \"$b/source-config.tar.gz\"\n"
	         "ln -sfn -- \"$(basename -- \"$d\")\" \"$b/source-config\"\n"
	         "cd -- \"$d\"\n"
	         "n=0\n"
	         "while IFS= read -r f; do\n"
	         "  f=${f#./}\n"
	         "  if [ ! -e \"/$f\" ]; then echo \"only on the source: /$f\"; n=$((n + 1)); continue; fi\n"
	         "  cmp -s -- \"$f\" \"/$f\" && continue\n"
	         "  n=$((n + 1))\n"
	         "  if ! grep -qI . -- \"$f\"; then echo \"differs (not text): /$f\"; continue; fi\n"
	         "  if grep -q -e '-----BEGIN' -- \"$f\" \"/$f\"; then echo \"differs (a key or certificate: not shown): /$f\"; continue; fi\n"
	         "  # files whose credentials a line mask cannot catch (multi-line DSNs, user:password maps)\n"
	         "  case /$f in *passwd*|*sasl*|*fetchmailrc*|/etc/amavis/*|/etc/amavisd*|*/settings.py)\n"
	         "    echo \"differs (holds credentials: not shown; compare by hand): diff /$f $d/$f\"; continue ;; esac\n"
	         "  echo \"differs: /$f  (- target, + source; password-like values masked)\"\n"
	         "  diff -u --label \"target /$f\" --label \"source /$f\" -- \"/$f\" \"$f\" | sed -E '" MASK_SECRETS "' | head -n 60 || true\n"
	         "done < <(find . -type f | LC_ALL=C sort)\n"
	         "echo \"$n file(s) differ; the source's configuration is in $b/source-config. Carry a file with the option "
	         "carry_config (this step puts it in place, the target's own saved), or your edits by hand\"",
	         bk);
	if (a->opt.carry_config) {
		plan_add(ps, HOST_TARGET, ACT_DESTRUCTIVE, "puts the selected source files in place (carry_config); the target's own are saved first",
		         "b=%q; src=\"$b/source-config\"; saved=\"$b/target-before/config\"\n"
		         "read -r -a files <<< %q\n"
		         "for f in \"${files[@]}\"; do\n"
		         "  [ -f \"$src$f\" ] || { echo \"$f is not in the source's configuration archive: only files under its paths can be carried\" >&2; exit 1; }\n"
		         "  # a file of the archive itself, reached through no symbolic link the source sent\n"
		         "  [ ! -L \"$src$f\" ] && [ \"$(readlink -f -- \"$src$f\")\" = \"$(readlink -f -- \"$src\")$f\" ] || "
		         "{ echo \"$f: in the source's archive it is, or lies behind, a symbolic link: not carried (the source may be compromised)\" >&2; exit 1; }\n"
		         "done\n"
		         "for f in \"${files[@]}\"; do\n"
		         "  ref=\"$src$f\"\n"
		         "  if [ -e \"$f\" ]; then\n"
		         "    mkdir -p -m 0700 -- \"$saved$(dirname -- \"$f\")\"\n"
		         "    [ -e \"$saved$f\" ] || cp -p -- \"$f\" \"$saved$f\"\n"
		         "    ref=$f\n"
		         "  fi\n"
		         "  (umask 022 && mkdir -p -- \"$(dirname -- \"$f\")\")\n"
		         "  cp -- \"$src$f\" \"$f.mailshift-new\"\n"
		         "  chown --reference=\"$ref\" -- \"$f.mailshift-new\"\n"
		         "  chmod --reference=\"$ref\" -- \"$f.mailshift-new\"\n"
		         "  mv -f -- \"$f.mailshift-new\" \"$f\"\n"
		         "  echo \"carried $f from the source$( [ \"$ref\" = \"$f\" ] && echo \" (the target's own is in $saved$f)\")\"\n"
		         "done\n"
		         "case \" ${files[*]}\" in *\" /etc/postfix/\"*)\n"
		         "  postfix check || { echo \"postfix check failed: the target's own files are in $saved\" >&2; exit 1; }\n"
		         "  echo 'postfix check: no problem found' ;; esac\n"
		         "case \" ${files[*]}\" in *\" /etc/dovecot/\"*)\n"
		         "  doveconf -n >/dev/null || { echo \"doveconf failed: the target's own files are in $saved\" >&2; exit 1; }\n"
		         "  echo 'doveconf: the configuration parses' ;; esac",
		         bk, a->opt.carry_config);
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
