/* The end of the old server: what still holds data and secrets there after
 * the move, listed (read-only), and, when the admin asked (wipe_source), its
 * mail data wiped, confirmed by typing its host name (ACT_CONFIRM_HOST).
 * (steps/sh/decom-list.sh, decom-wipe.sh) */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* The profile's SQL databases as one word list ("" when none). */
static char *db_words(const struct profile *pf)
{
	return xasprintf("%s%s%s", pf->account_dbs, *pf->account_dbs && *pf->other_dbs ? " " : "", pf->other_dbs);
}

static void plan_decommission(const struct answers *a, struct plan_step *ps)
{
	const struct profile *pf = profile_of(&a->source);
	char *dbs = db_words(pf);
	char *m = xasprintf("mailshift-migration %s@%s", a->target.user, a->target.host);
	const char *vars[] = { "system", pf->accounts == PROFILE_ACCOUNTS_SYSTEM ? "1" : "0",
	                       "store", pf->accounts == PROFILE_ACCOUNTS_SYSTEM ? pf->store_dir : a->opt.vmail_dir,
	                       "dkim", a->opt.dkim_dir, "dbs", dbs, "roundcube", a->opt.roundcube_dir, "m", m, NULL };
	char *cmd = steps_script(a, vars, steps_sh_decom_list);

	plan_add(ps, HOST_SOURCE, ACT_ADVISORY,
	         "lists what still holds data and secrets on the old server: what, where, how big (read-only)",
	         "%s", cmd);
	free(cmd);
	if (a->opt.wipe_source) {
		char *body = xasprintf("%s%s", steps_verified_check, steps_sh_decom_wipe);

		cmd = steps_script(a, NULL, body);
		plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE | ACT_CONFIRM_HOST,
		         "wipes the old server's mail (each storage root's contents) and mailshift's dumps there, "
		         "once verify passed and the cutover ran",
		         "%s", cmd);
		free(body);
		free(cmd);
	}
	free(dbs);
	free(m);
}

const struct step step_decommission = {
	.id = "decommission",
	.title = "What the old server still holds",
	.why = "The mail lives on the new server now, but the old one still holds it, and "
	       "secrets with it. This step lists, without changing anything, what is still "
	       "there and how big: the mail in each storage root, mailshift's own dumps and "
	       "archives, the DKIM keys, the databases and their data directories, how many "
	       "users hold a password hash in /etc/shadow, the SSH host keys, the TLS private "
	       "keys Postfix and Dovecot name, Roundcube's configuration (it holds its "
	       "database password), and the one-off key if it is still authorized. Names from "
	       "the old server are shown with anything unprintable as ?. With wipe_source = "
	       "yes it then wipes the mail (each storage root's contents, never a system "
	       "directory) and mailshift's dumps there: only after verify passed on the "
	       "current census and the cutover step ran, and only once you type the old "
	       "server's host name. The rest (shadow, keys, databases, the disk) is yours to "
	       "handle: a provider's disk may still hold what was deleted.",
	.plan = plan_decommission,
};
