/* The downtime window's edges and the switch: the mail daemons stopped and
 * started, the old server relaying to the new one, the DNS checklist. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/profile.h"
#include "steps/sh.h"
#include "steps/steps.h"

/* --- Stopping the mail daemons for the downtime window, and starting them on
 * the target at its end (steps/sh/services-stop.sh, services-start.sh). */

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

/* --- The switch: the old server relays to the new one as soon as it runs (or,
 * relay_during_cutover = no, only hands over its queue), and the DNS
 * checklist after the test. */

/* relay.sh in mode "relay" or "drain", refusing unless verify passed. */
static void add_relay(struct plan_step *ps, const struct answers *a, const char *mode, const char *note)
{
	char *domains = steps_domains_cmd(a);
	const char *vars[] = { "t", a->target.host, "mode", mode, "domains_cmd", domains, NULL };
	char *cmd = steps_script(a, vars, steps_sh_relay);

	/* the new server lets the old one's relayed mail past its policy
	 * daemon first (greylisting would hold the queue back for minutes) */
	plan_capture(ps, HOST_SOURCE, 0, "relay_from",
	             "lists the old server's addresses (the client the new one sees), once verify passed",
	             "b=%q\n%s%s", a->opt.backup_dir, steps_verified_check, steps_sh_relay_from);
	plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "relay_from",
	          "the new server takes the old one's relayed mail past its policy daemon, for its own domains only "
	          "(main.cf saved first)",
	          "%s", steps_sh_relay_allow);
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE, note, "b=%q\n%s%s", a->opt.backup_dir, steps_verified_check, cmd);
	free(cmd);
	free(domains);
}

static void plan_relay(const struct answers *a, struct plan_step *ps)
{
	add_relay(ps, a, "relay",
	          "the old Postfix relays every address of your domains to the new server, its queue first "
	          "(main.cf and master.cf saved first)");
}

static int relays(const struct answers *a)
{
	return a->opt.relay_during_cutover;
}

static int drains(const struct answers *a)
{
	return !a->opt.relay_during_cutover;
}

static void plan_old_queue(const struct answers *a, struct plan_step *ps)
{
	add_relay(ps, a, "drain",
	          "the old Postfix hands its queue for your domains to the new server, accepting nothing, "
	          "then stops again (main.cf and master.cf saved first)");
}

const struct step step_old_queue = {
	.id = "old-queue",
	.title = "Hand the old server's queue to the new one",
	.why = "Mail the old Postfix had accepted but not delivered when the window "
	       "opened (deferred, held, or waiting for the content filter) is in no "
	       "mailbox the copies carried. The old Postfix starts once more, accepting "
	       "nothing from outside, sends every such message for your domains to the "
	       "new server (also for addresses with a transport of their own), and "
	       "stops again. It refuses to run unless verify passed on the current "
	       "census, and fails, naming how many, if the queue did not empty.",
	.applies = drains,
	.plan = plan_old_queue,
};

const struct step step_relay = {
	.id = "relay",
	.title = "Relay from the old server to the new one",
	.why = "The new server runs, so the old one stops refusing mail at once: until "
	       "every sender sees the new MX record, some mail still reaches the old "
	       "address. The old Postfix is turned into a relay: it accepts mail for "
	       "your domains and passes every address to the new server, also those "
	       "with a transport of their own (a mailing list, a user's), so nothing "
	       "lands in a mailbox nobody reads and senders are not kept waiting while "
	       "the new server is tested. What its queue held when the window opened "
	       "(deferred, held, or waiting for the content filter) goes first. It "
	       "relays through a client of its own, so two servers of the same host "
	       "name are no loop. Dovecot stays stopped there; amavis, iRedAPD and "
	       "fail2ban run again so the relay works and stays protected. It refuses "
	       "to run unless verify passed on the current census. Without it "
	       "(relay_during_cutover = no) the old server only hands over its queue "
	       "and stays stopped: senders retry until the DNS points to the new one.",
	.flags = STEP_RELAY,
	.applies = relays,
	.plan = plan_relay,
};

static void plan_cutover(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_SOURCE, 0, "verify passed on the source's current census (else no switch)",
	         "b=%q\n%secho \"verify passed on the current census ($(cut -c 1-12 \"$b/verified\")...)\"",
	         a->opt.backup_dir, steps_verified_check);
	/* what only the admin can do: each item is confirmed, or pending */
	char *mx = xasprintf("At your DNS provider, point the MX record (or the A record it names) of "
	                     "every mail domain at the new server, %s.", a->target.host);
	char *test = xasprintf("From a machine outside: openssl s_client -connect %s:993, log in and "
	                       "SELECT INBOX; then send a message from an outside account and answer it.",
	                       a->target.host);

	plan_checklist(ps, "point the MX records at the new server", mx);
	plan_checklist(ps, "update SPF if it names the old server",
	               "If a domain's SPF record (TXT v=spf1) names the old server's address, add the "
	               "new one. The DKIM keys did not change: their DNS records stay.");
	plan_checklist(ps, "test the new server from outside", test);
	plan_checklist(ps, "keep the old server relaying until the old TTL has passed, then stop it",
	               "Keep the old server relaying until the old TTL has passed everywhere (a week is "
	               "safe), then stop it for good.");
	free(mx);
	free(test);
}

const struct step step_cutover = {
	.id = "cutover",
	.title = "Switch over: the DNS",
	.why = "The new server holds everything and passed its test. The switch refuses "
	       "unless verify passed on the source's current census. Then you change the "
	       "DNS by hand: point the MX records at the new server, update SPF, test "
	       "from outside, and keep the old server relaying until the old TTL has "
	       "passed. Each item of the checklist is yours to confirm (or leave "
	       "pending: mailshift --report lists what is left).",
	.plan = plan_cutover,
};
