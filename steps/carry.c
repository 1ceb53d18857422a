/* What comes along beside the mail, the accounts and the databases, while
 * the old server is live: the webmail upgraded to the target's version, the
 * DKIM keys, the configuration for review. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* --- The Roundcube upgrade on the source, so its database matches the version
 * the target runs: as root, without the seed paper's "chmod 777" or any other
 * widening of the tree, owners and modes put back exactly. */

static int has_release(const struct answers *a)
{
	return a->opt.roundcube_release != NULL;
}

/* Adds one action: the fragment after its prologue. */
static void add_fragment(struct plan_step *ps, unsigned flags, const char *note, const char *const *vars,
                         const char *body)
{
	char *cmd = steps_fragment(vars, body);

	plan_add(ps, HOST_SOURCE, flags, note, "%s", cmd);
	free(cmd);
}

static void plan_roundcube(const struct answers *a, struct plan_step *ps)
{
	const char *rc = a->opt.roundcube_dir, *rel = a->opt.roundcube_release;
	const char *bk = a->opt.backup_dir;
	const char *ready[] = { "rel", rel, "rc", rc, NULL };
	const char *save[] = { "b", bk, "rc", rc, NULL };
	const char *restore[] = { "b", bk, NULL };
	const char *prove[] = { "rc", rc, "b", bk, NULL };

	add_fragment(ps, 0, "installto.sh, rsync and PHP with system() are there", ready, steps_sh_roundcube_ready);
	add_fragment(ps, 0, "saves the tree and its owners and modes", save, steps_sh_roundcube_save);
	/* as root, which writes the tree itself: it is never handed to the web
	 * server user, whose PHP would then be free to rewrite its own code */
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE, "upgrades Roundcube in place, as root (the old tree is saved)",
	         "cd -- %q\numask 022\necho y | ./bin/installto.sh %q", rel, rc);
	add_fragment(ps, 0, "puts back the exact owners and modes saved before", restore, steps_sh_roundcube_restore);
	add_fragment(ps, 0, "proves no file is world-writable and every owner and mode is as before", prove,
	             steps_sh_roundcube_prove);
}

const struct step step_roundcube = {
	.id = "roundcube",
	.title = "Upgrade Roundcube on the source",
	.why = "The Roundcube database is copied to the target, so it must match the "
	       "Roundcube version the target runs: upgrade the old webmail first, with "
	       "the new release's bin/installto.sh (it needs rsync and PHP's system()). "
	       "The upgrade must be able to write the installed tree. The seed paper "
	       "made everything world-writable (chmod 777) for it; mailshift runs the "
	       "script as root, which writes the tree as it is, so the tree is never "
	       "made writable for anyone else, not even for a moment for the web server "
	       "user (whose PHP could then rewrite its own code). It saves the tree and "
	       "every owner and mode first, puts back exactly the owners and modes that "
	       "were there after the upgrade (the new release's files come as root's), "
	       "and proves it: no file in the tree is world-writable and every saved "
	       "owner and mode is back.",
	.flags = STEP_OPTIONAL,
	.applies = has_release,
	.plan = plan_roundcube,
};

/* --- DKIM keys: the DNS already publishes the old keys, so they move as they are. */

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

/* --- Custom configuration: carried to the target for review, never over the
 * target's live files (they hold the target's own service passwords):
 * steps/sh/config-archive.sh, config-diff.sh, config-carry.sh. */

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
	.why = "Files you edited by hand on the old server (Postfix or sendmail "
	       "restrictions and maps, amavis rules, Dovecot settings, iRedAPD, fail2ban, "
	       "SpamAssassin, procmail, fetchmail) hold "
	       "decisions the new server should keep. They cannot be copied over the new "
	       "server's files wholesale: those hold its own service passwords and paths. "
	       "mailshift archives them on the source (with Roundcube's configuration), "
	       "unpacks them in the target's backup directory and shows every file that "
	       "differs, as a diff with password-like values masked. The files you list "
	       "in carry_config are then put in place on the target (the target's own "
	       "copy saved first, its owner and mode kept) and Postfix and Dovecot check "
	       "their configuration; carry the rest of your edits by hand.",
	.flags = STEP_OPTIONAL,
	.plan = plan_config,
};
