/* The end: the copies that hold secrets, listed for each server, and, when
 * the admin asked (clean_source), the source's removed. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

/* What mailshift leaves on the source that holds secrets, under backup_dir:
 * the dumps (password hashes, service credentials) and the archives of the
 * configuration (Roundcube's config.inc.php holds its database password). */
#define SOURCE_COPIES "dump source-config.tar.gz roundcube-before-upgrade.tar.gz"

static int cleans(const struct answers *a)
{
	return a->opt.clean_source;
}

static void plan_clean(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
	         "removes the source's dumps and configuration archives (the old server keeps its live data)",
	         "b=%q\n"
	         "n=0\n"
	         "for f in " SOURCE_COPIES "; do\n"
	         "  [ -e \"$b/$f\" ] || [ -L \"$b/$f\" ] || continue\n"
	         "  rm -rf -- \"${b:?}/$f\" && echo \"removed $b/$f\" && n=$((n + 1))\n"
	         "done\n"
	         "echo \"$n of the source's copies removed; its live databases and files are as they were\"",
	         a->opt.backup_dir);
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
