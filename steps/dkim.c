/* DKIM keys: the DNS already publishes the old keys, so they move as they are. */
#include <stdlib.h>

#include "steps/sh.h"
#include "steps/steps.h"

static void plan_dkim(const struct answers *a, struct plan_step *ps)
{
	char *ssh = steps_ssh_cmd(a), *src = steps_source_path(a, a->opt.dkim_dir), *cmd;
	const char *k = a->opt.dkim_dir;
	const char *save[] = { "k", k, "b", a->opt.backup_dir, NULL };
	const char *copy[] = { "k", k, "ssh", ssh, "src", src, NULL };
	const char *own[] = { "k", k, NULL };
	const char *compare[] = { "k", k, "fingerprints", steps_sh_dkim_fingerprints, NULL };

	cmd = steps_fragment(save, steps_sh_dkim_save);
	plan_add(ps, HOST_TARGET, 0, "saves the target's own keys first", "%s", cmd);
	free(cmd);
	plan_capture(ps, HOST_SOURCE, 0, "keys", "lists the source's keys with the fingerprints of their public halves",
	             "cd -- %q 2>/dev/null || exit 0\n%s", k, steps_sh_dkim_fingerprints);
	cmd = steps_fragment(copy, steps_sh_dkim_copy);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "keys", "copies the keys (a target key of the same name is replaced)",
	          "%s", cmd);
	free(cmd);
	cmd = steps_fragment(own, steps_sh_dkim_own);
	plan_add(ps, HOST_TARGET, 0, "amavis owns the keys; directory 0700, keys 0400", "%s", cmd);
	free(cmd);
	cmd = steps_fragment(compare, steps_sh_dkim_compare);
	plan_feed(ps, HOST_TARGET, 0, "keys", "the target's keys are the source's (public key fingerprints)", "%s", cmd);
	free(cmd);
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
