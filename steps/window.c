/* The downtime window's edges and the switch: the mail daemons stopped and
 * started, the old server relaying to the new one, the DNS checklist. */
#include <stdlib.h>
#include <string.h>

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

/* secondary_mx: what the admin does before the window (seed 002: when it
 * cannot be short, a secondary MX queues the mail meanwhile). */
static void secondary_mx_items(const struct answers *a, struct plan_step *ps)
{
	const char *mx = a->opt.secondary_mx;
	char *rec = xasprintf("At your DNS provider, add to every mail domain an MX record of lower priority (a "
	                      "higher preference number than the primary's, e.g. 20 against 10) pointing at %s. "
	                      "Lower the MX records' TTL beforehand (e.g. to 300 s, at least the old TTL before "
	                      "now), so senders see the change in time.", mx);
	char *queue = xasprintf("On %s, make it accept and queue mail for your domains without delivering it "
	                        "itself: Postfix's relay_domains lists them and no transport_maps entry names "
	                        "them (it then holds the mail while no higher-priority MX answers, and hands it "
	                        "on when one does); with sendmail, the domains in relay-domains and no "
	                        "mailertable entry. Check with: postconf relay_domains on %s.", mx, mx);

	plan_checklist(ps, "a lower-priority MX record points at the secondary MX (TTL lowered beforehand)", rec);
	plan_checklist(ps, "the secondary MX queues mail for your domains", queue);
	free(rec);
	free(queue);
}

static void plan_stop(const struct answers *a, struct plan_step *ps)
{
	char *src = stop_cmd(a, &a->source), *dst = stop_cmd(a, &a->target);

	if (a->opt.secondary_mx)
		secondary_mx_items(a, ps);

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

/* The old MTA's relay in mode "relay" or "drain", refusing unless verify
 * passed: relay.sh for a Postfix source (transport_maps), relay-sendmail.sh
 * for a sendmail one (mailertable, MAIL_HUB), by the source's profile;
 * note_sendmail is the note of the latter. */
static void add_relay(struct plan_step *ps, const struct answers *a, const char *mode, const char *note,
                      const char *note_sendmail)
{
	char *cmd;

	if (profile_of(&a->source)->relay_postfix) {
		char *domains = steps_domains_cmd(a);
		const char *vars[] = { "t", a->target.host, "mode", mode, "domains_cmd", domains, NULL };

		cmd = steps_script(a, vars, steps_sh_relay);
		free(domains);
	} else {
		const char *vars[] = { "t", a->target.host, "mode", mode, "etc", "/etc/mail",
		                       "domains_awk", steps_awk_sendmail_domains, NULL };

		cmd = steps_script(a, vars, steps_sh_relay_sendmail);
		note = note_sendmail;
	}
	/* the new server lets the old one's relayed mail past its policy
	 * daemon first (greylisting would hold the queue back for minutes);
	 * a sendmail target has none: it takes mail for its names from anyone */
	if (profile_of(&a->target)->relay_postfix) {
		plan_capture(ps, HOST_SOURCE, 0, "relay_from",
		             "lists the old server's addresses (the client the new one sees), once verify passed",
		             "b=%q\n%s%s", a->opt.backup_dir, steps_verified_check, steps_sh_relay_from);
		plan_feed(ps, HOST_TARGET, ACT_DESTRUCTIVE, "relay_from",
		          "the new server takes the old one's relayed mail past its policy daemon, for its own domains only "
		          "(main.cf saved first)",
		          "%s", steps_sh_relay_allow);
	}
	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE, note, "b=%q\n%s%s", a->opt.backup_dir, steps_verified_check, cmd);
	free(cmd);
}

static void plan_relay(const struct answers *a, struct plan_step *ps)
{
	add_relay(ps, a, "relay",
	          "the old Postfix relays every address of your domains to the new server, its queue first "
	          "(main.cf and master.cf saved first)",
	          "the old sendmail relays your domains to the new server (mailertable; its own names through "
	          "MAIL_HUB), its queue first (every file of /etc/mail it changes saved first)");
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
	          "then stops again (main.cf and master.cf saved first)",
	          "the old sendmail hands its queue for your domains to the new server in one queue run, its "
	          "daemon stopped (every file of /etc/mail it changes saved first)");
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

/* cutover = ip: the new server takes over the old one's address (seeds 001,
 * 002), as a checklist of what changes where. */
static void ip_items(const struct answers *a, struct plan_step *ps)
{
	char *old = xasprintf("On the old server (%s), give up its mail address: take it out of its interface "
	                      "configuration (/etc/network/interfaces, /etc/netplan/*.yaml, or "
	                      "/etc/sysconfig/network-scripts/ifcfg-eth0 on Red Hat), /etc/hosts too, and restart "
	                      "its network, or shut the old server down. Do this first: two hosts must never answer "
	                      "on one address.", a->source.host);
	char *new = xasprintf("On the new server (%s), take the address: add it to its interface configuration "
	                      "and /etc/hosts, restart its network; then in Postfix's main.cf set inet_interfaces, "
	                      "mynetworks and myhostname where they name the old or the new address or name, and "
	                      "postfix reload. Dovecot listens on every address unless its listen setting names one.",
	                      a->target.host);
	char *conn = xasprintf("mailshift reached the old server as %s: if that name or address now answers on "
	                       "the new server, SSH refuses it (another host key), which is why remove-key, "
	                       "clean-source and decommission ran before this step. Reach the old server from now "
	                       "on by another address of its own (a management or private address), or its "
	                       "console. The new server stays reachable as %s if it kept that address; else use the "
	                       "one it took, with the old server's host key removed from known_hosts.",
	                       a->source.host, a->target.host);

	plan_checklist(ps, "the old server gives up its address", old);
	plan_checklist(ps, "the new server takes over the old server's address", new);
	plan_checklist(ps, "the DNS stays: the MX, its A record, the PTR record and SPF keep pointing at the address",
	               "The MX records and the A record they name keep the address, which is now the new "
	               "server's; the PTR (reverse) record stays as it was at the address's owner, so the new "
	               "server's outgoing mail keeps its reverse name; SPF names the same address and does not "
	               "change; the DKIM keys did not change either.");
	plan_checklist(ps, "mailshift's connections move with the address", conn);
	free(old);
	free(new);
	free(conn);
}

static void plan_cutover(const struct answers *a, struct plan_step *ps)
{
	int ip = strcmp(a->opt.cutover, "ip") == 0;

	plan_add(ps, HOST_SOURCE, 0, "verify passed on the source's current census (else no switch)",
	         "b=%q\n%secho \"verify passed on the current census ($(cut -c 1-12 \"$b/verified\")...)\"",
	         a->opt.backup_dir, steps_verified_check);
	/* the wipe of decommission requires this record (with cutover = mx only:
	 * with ip the source is out of reach after this step) */
	if (a->opt.wipe_source)
		plan_add(ps, HOST_SOURCE, 0, "records on the source that the switch began after verify (the wipe requires it)",
		         "b=%q\n%scp -- \"$b/verified\" \"$b/cutover\" && echo \"recorded in $b/cutover\"",
		         a->opt.backup_dir, steps_verified_check);
	/* what only the admin can do: each item is confirmed, or pending */
	char *mx = xasprintf("At your DNS provider, point the MX record (or the A record it names) of "
	                     "every mail domain at the new server, %s.", a->target.host);
	char *test = xasprintf("From a machine outside: openssl s_client -connect %s:993, log in and "
	                       "SELECT INBOX; then send a message from an outside account and answer it.",
	                       a->target.host);

	if (ip) {
		ip_items(a, ps);
	} else {
		plan_checklist(ps, "point the MX records at the new server", mx);
		plan_checklist(ps, "update SPF if it names the old server",
		               "If a domain's SPF record (TXT v=spf1) names the old server's address, add the "
		               "new one. The DKIM keys did not change: their DNS records stay.");
	}
	plan_checklist(ps, "test the new server from outside", test);
	if (a->opt.secondary_mx) {
		char *flush = xasprintf("On %s, hand its queue to the new server now: postqueue -f (sendmail: "
		                        "sendmail -q), and watch it empty (mailq). Then remove its MX record and "
		                        "the relay_domains entries for your domains there.", a->opt.secondary_mx);

		plan_checklist(ps, "flush the secondary MX's queue to the new server, then remove its record", flush);
		free(flush);
	}
	if (!ip)
		plan_checklist(ps, "keep the old server relaying until the old TTL has passed, then stop it",
		               "Keep the old server relaying until the old TTL has passed everywhere (a week is "
		               "safe), then stop it for good.");
	free(mx);
	free(test);
}

static int by_mx(const struct answers *a)
{
	return strcmp(a->opt.cutover, "ip") != 0;
}

static int by_ip(const struct answers *a)
{
	return !by_mx(a);
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
	.applies = by_mx,
	.plan = plan_cutover,
};

/* The same step for cutover = ip, placed last in the pair tables: once the
 * address moves, mailshift's name for the source may lead to the target. */
const struct step step_cutover_ip = {
	.id = "cutover",
	.title = "Switch over: the new server takes the old one's address",
	.why = "The new server holds everything and passed its test. The switch refuses "
	       "unless verify passed on the source's current census. Then, instead of "
	       "changing the DNS, the new server takes over the old one's IP address: the "
	       "old server gives it up (its interface configuration, or it shuts down), the "
	       "new one takes it (its interface configuration, and Postfix's "
	       "inet_interfaces, mynetworks and myhostname where they name an address); the "
	       "MX, A and PTR records and SPF stay as they are. mailshift reaches the old "
	       "server by that address, so everything it does there (remove-key, "
	       "clean-source, decommission) ran before this step, the last. Each item of "
	       "the checklist is yours to confirm (or leave pending).",
	.applies = by_ip,
	.plan = plan_cutover,
};
