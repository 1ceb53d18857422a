/* DKIM keys: the DNS already publishes the old keys, so they move as they are. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

const char steps_dkim_fingerprints[] =
	"for f in *.pem; do\n"
	"  if [ -L \"$f\" ]; then echo \"${f//[^[:print:]]/?} is a symbolic link: left out (the source may be compromised)\" >&2; continue; fi\n"
	"  [ -f \"$f\" ] || continue\n"
	"  fp=$(openssl pkey -in \"$f\" -pubout -outform DER | sha256sum) || { echo \"cannot read the key $f\" >&2; exit 1; }\n"
	"  echo \"$f ${fp%% *}\"\n"
	"done | LC_ALL=C sort";

static void plan_dkim(const struct answers *a, struct plan_step *ps)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.dkim_dir);
	const char *k = a->opt.dkim_dir, *bk = a->opt.backup_dir;

	plan_add(ps, HOST_TARGET, 0, "saves the target's own keys first",
	         "k=%q; b=%q\n"
	         "mkdir -p -m 0700 -- \"$b/target-before\"\n"
	         "if [ -e \"$b/target-before/dkim\" ]; then echo \"already saved in $b/target-before/dkim\"\n"
	         "elif [ -d \"$k\" ]; then cp -a -- \"$k\" \"$b/target-before/dkim\" && echo \"saved in $b/target-before/dkim\"\n"
	         "else echo 'the target has no DKIM keys yet'; fi",
	         k, bk);
	plan_capture(ps, HOST_SOURCE, 0, "keys", "lists the source's keys with the fingerprints of their public halves",
	             "cd -- %q 2>/dev/null || exit 0\n%s", k, steps_dkim_fingerprints);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "keys", "copies the keys (a target key of the same name is replaced)",
	          "k=%q\n"
	          "keys=$(cat)\n"
	          "[ -n \"$keys\" ] || { echo \"no DKIM keys in $k on the source: nothing to copy\"; exit 0; }\n"
	          "rsync -as --no-links -e %q -- %q/ \"$k/\"\n"
	          "ls -l -- \"$k\"",
	          k, ssh, src);
	plan_add(ps, HOST_TARGET, 0, "amavis owns the keys; directory 0700, keys 0400",
	         "k=%q\n"
	         "[ -d \"$k\" ] || { echo \"no $k on the target: nothing to set\"; exit 0; }\n"
	         "chown -R amavis:amavis -- \"$k\"\n"
	         "chmod 0700 -- \"$k\"\n"
	         "find \"$k\" -type f -name '*.pem' -exec chmod 0400 {} +\n"
	         "ls -l -- \"$k\"",
	         k);
	plan_feed(ps, HOST_TARGET, 0, "keys", "the target's keys are the source's (public key fingerprints)",
	          "src=$(cat)\n"
	          "[ -n \"$src\" ] || { echo 'the source has no DKIM keys: nothing to compare'; exit 0; }\n"
	          "cd -- %q || exit 1\n"
	          "dst=$(%s)\n"
	          "missing=$(LC_ALL=C comm -23 <(printf '%%s\\n' \"$src\" | LC_ALL=C sort) <(printf '%%s\\n' \"$dst\" | LC_ALL=C sort))\n"
	          "[ -z \"$missing\" ] || { echo 'not the same key on the target:' >&2; printf '%%s\\n' \"$missing\" >&2; exit 1; }\n"
	          "printf '%%s\\n' \"$src\" | sed 's/^/same key: /'",
	          k, steps_dkim_fingerprints);
	plan_add(ps, HOST_TARGET, ACT_ADVISORY, "asks amavisd to check the keys against DNS, where amavisd runs",
	         "if command -v amavisd >/dev/null; then amavisd testkeys\n"
	         "elif command -v amavisd-new >/dev/null; then amavisd-new testkeys\n"
	         "else echo 'amavisd is not installed here: the keys were compared by fingerprint only (above)'; fi");
	free(ssh);
	free(src);
}

const struct step step_dkim = {
	.id = "dkim",
	.title = "Move the DKIM keys",
	.why = "Outgoing mail is signed with the private keys in the DKIM directory "
	       "(/var/lib/dkim/<domain>.pem), and receivers check the signature against "
	       "the public key published in your DNS. The new server must sign with the "
	       "same keys or its mail fails DKIM. The target's own keys are saved first; "
	       "the keys must belong to amavis, readable by it alone. The dkim_key() "
	       "lines of the source's amavisd configuration name the keys: the config "
	       "step lists them if the target's differ. 'The fingerprints of the public halves "
	       "prove the target holds the same keys; where amavisd is installed, "
	       "'amavisd testkeys' also checks them against DNS (it needs the DNS).",
	.plan = plan_dkim,
};
