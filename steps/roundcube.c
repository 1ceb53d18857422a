/* The Roundcube upgrade on the source, so its database matches the version
 * the target runs: as root, without the seed paper's "chmod 777" or any other
 * widening of the tree, owners and modes put back exactly. */
#include <stdlib.h>

#include "steps/sh.h"
#include "steps/steps.h"

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
