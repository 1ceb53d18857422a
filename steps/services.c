/* Stopping the mail daemons for the downtime window, and starting them on
 * the target at its end (steps/sh/services-stop.sh, services-start.sh). */
#include <stdlib.h>

#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* services-stop.sh for a host: the mail daemons its profile names. */
static char *stop_cmd(const struct answers *a, const struct endpoint *e)
{
	char *units = profile_units_words(profile_of(e)->mail_units);
	const char *vars[] = { "b", a->opt.backup_dir, "units", units, NULL };
	char *cmd = steps_fragment(vars, steps_sh_services_stop);

	free(units);
	return cmd;
}

static void plan_stop(const struct answers *a, struct plan_step *ps)
{
	char *src = stop_cmd(a, &a->source), *dst = stop_cmd(a, &a->target);

	plan_add(ps, HOST_SOURCE, 0, "stops the old server's mail daemons, the MTA first", "%s", src);
	plan_add(ps, HOST_TARGET, 0, "stops the new server's mail daemons while it is restored", "%s", dst);
	free(src);
	free(dst);
}

const struct step step_stop_services = {
	.id = "stop-services",
	.title = "Stop the mail services (downtime starts)",
	.why = "The final copy must see mail that cannot change. Stopping Postfix first "
	       "means no message is accepted that would be missed: senders' servers keep "
	       "new mail in their queues and retry for days (a secondary MX also holds "
	       "it). Then Dovecot, the filters, the webmail, fail2ban and cron (whose "
	       "jobs write to the databases) stop. The databases keep running for the "
	       "dumps. The new server's mail daemons stop too while its data is "
	       "replaced. From here to 'Start' is the downtime window.",
	.flags = STEP_DOWNTIME,
	.plan = plan_stop,
};

static void plan_start(const struct answers *a, struct plan_step *ps)
{
	const struct profile *pf = profile_of(&a->target);
	char *data = profile_units_words(pf->data_units);
	const char *vars[] = { "b", a->opt.backup_dir, "data_units", data, "live_units", pf->live_units, NULL };
	char *cmd = steps_fragment(vars, steps_sh_services_start);

	free(data);
	plan_add(ps, HOST_TARGET, 0, "starts the databases, then the daemons stopped before, the MTA last", "%s", cmd);
	free(cmd);
}

const struct step step_start_services = {
	.id = "start-services",
	.title = "Start the mail services on the target (downtime ends)",
	.why = "The target now holds the mail, the accounts and the databases. Its "
	       "daemons start again and the new server can receive. Nothing that grows "
	       "with the number of accounts runs here: Dovecot keeps the copied quota "
	       "usage, recounted by the test step after the window. The old server's "
	       "mail daemons stay stopped: two live servers would split the mail.",
	.flags = STEP_DOWNTIME,
	.plan = plan_start,
};
