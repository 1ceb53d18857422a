/* The end: the copies that hold secrets, listed for each server, and, when
 * the admin asked (clean_source), the source's removed (steps/sh/cleanup-source.sh). */
#include <stdlib.h>

#include "core/xalloc.h"
#include "steps/sh.h"
#include "steps/steps.h"

static int cleans(const struct answers *a)
{
	return a->opt.clean_source;
}

static void plan_clean(const struct answers *a, struct plan_step *ps)
{
	const char *vars[] = { "b", a->opt.backup_dir, NULL };
	char *cmd = steps_fragment(vars, steps_sh_cleanup_source);

	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
	         "removes the source's dumps and configuration archives (the old server keeps its live data)", "%s", cmd);
	free(cmd);
}

const struct step step_clean_source = {
	.id = "clean-source",
	.title = "Remove the source's copies that hold secrets",
	.why = "You asked for it (clean_source = yes). The database dumps mailshift made on "
	       "the old server hold password hashes and service credentials, and the "
	       "configuration archives hold service passwords (Roundcube's database password "
	       "among them). The new server has its own copies; the old one keeps its live "
	       "databases and files. This step removes the old server's copies in its backup "
	       "directory: the dump/ folder, source-config.tar.gz and "
	       "roundcube-before-upgrade.tar.gz, nothing else.",
	.applies = cleans,
	.plan = plan_clean,
};

char *steps_secrets(const struct answers *a)
{
	const char *b = a->opt.backup_dir;

	return xasprintf("what holds secrets on the servers (root's alone, mode 0700):\n"
	                 "  source  %s/dump (database dumps: password hashes), %s/source-config.tar.gz and "
	                 "%s/roundcube-before-upgrade.tar.gz (service passwords)%s\n"
	                 "  target  %s/dump (the source's dumps), %s/target-before and %s/target-last (its "
	                 "own databases and directory), %s/source-config* (the source's configuration)",
	                 b, b, b,
	                 a->opt.clean_source ? ", unless the step clean-source removed them"
	                                     : "; clean_source = yes removes them at the end",
	                 b, b, b, b);
}
