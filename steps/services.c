/* Stopping the mail daemons for the downtime window, and starting them on
 * the target at its end (steps/sh/services-stop.sh, services-start.sh). */
#include <stdlib.h>

#include "steps/sh.h"
#include "steps/steps.h"

static void plan_stop(const struct answers *a, struct plan_step *ps)
{
	const char *vars[] = { "b", a->opt.backup_dir, NULL };
	char *cmd = steps_fragment(vars, steps_sh_services_stop);

	plan_add(ps, HOST_SOURCE, 0, "stops the old server's mail daemons, the MTA first", "%s", cmd);
	plan_add(ps, HOST_TARGET, 0, "stops the new server's mail daemons while it is restored", "%s", cmd);
	free(cmd);
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
	const char *vars[] = { "b", a->opt.backup_dir, NULL };
	char *cmd = steps_fragment(vars, steps_sh_services_start);

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
