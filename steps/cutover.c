/* The switch: the old server relays to the new one, and the DNS checklist. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

static void plan_cutover(const struct answers *a, struct plan_step *ps)
{
	char *domains = steps_domains_cmd(a);

	if (a->opt.relay_during_cutover)
		plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
		         "the old Postfix relays every domain to the new server (main.cf is saved first)",
		         "b=%q; t=%q\n"
		         "[ -e \"$b/verified\" ] || { echo 'the verify step has not passed: run it first' >&2; exit 1; }\n"
		         "umask 022\n"
		         "cd /etc/postfix\n"
		         "[ -e main.cf.mailshift-before ] || cp -p main.cf main.cf.mailshift-before\n"
		         "{ %s; } | while read -r d; do [ -z \"$d\" ] || printf '%%s smtp:[%%s]:25\\n' \"$d\" \"$t\"; done > mailshift_transport.new\n"
		         "[ -s mailshift_transport.new ] || { echo 'no mail domains found on the source' >&2; exit 1; }\n"
		         "mv mailshift_transport.new mailshift_transport && postmap mailshift_transport\n"
		         "cur=$(postconf -h transport_maps)\n"
		         "case $cur in *mailshift_transport*) ;; "
		         "*) postconf -e \"transport_maps = hash:/etc/postfix/mailshift_transport${cur:+, $cur}\" ;; esac\n"
		         "for u in amavis iredapd fail2ban postfix; do\n"
		         "  systemctl cat \"$u.service\" >/dev/null 2>&1 || continue\n"
		         "  systemctl start \"$u.service\" </dev/null >/dev/null 2>&1\n"
		         "done\n"
		         "postfix reload </dev/null >/dev/null 2>&1\n"
		         "echo \"the old server relays mail for $(wc -l < mailshift_transport) domain(s) to $t; undo: "
		         "cp -p /etc/postfix/main.cf.mailshift-before /etc/postfix/main.cf\"",
		         a->opt.backup_dir, a->target.host, domains);
	/* what only the admin can do: each item is confirmed, or pending */
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "point the MX records at the new server",
	         "t=%q\n"
	         "printf '%%s\\n' \"At your DNS provider, point the MX record (or the A record it names) of every mail domain at the new server, $t.\"",
	         a->target.host);
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "update SPF if it names the old server",
	         "printf '%%s\\n' 'If a domain'\"'\"'s SPF record (TXT v=spf1) names the old server'\"'\"'s address, add the new one. The DKIM keys did not change: their DNS records stay.'");
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "test the new server from outside",
	         "t=%q\n"
	         "printf '%%s\\n' \"From a machine outside: openssl s_client -connect $t:993, log in and SELECT INBOX; then send a message from an outside account and answer it.\"",
	         a->target.host);
	plan_add(ps, HOST_LOCAL, ACT_MANUAL, "keep the old server relaying until the old TTL has passed, then stop it",
	         "printf '%%s\\n' 'Keep the old server relaying until the old TTL has passed everywhere (a week is safe), then stop it for good.'");
	free(domains);
}

const struct step step_cutover = {
	.id = "cutover",
	.title = "Switch over: relay from the old server, then DNS",
	.why = "Until every sender sees the new MX record, some mail still reaches the "
	       "old address. The old Postfix is turned into a relay: it accepts mail for "
	       "your domains and passes it to the new server (transport_maps, main.cf "
	       "saved first), so nothing lands in a mailbox nobody reads. Dovecot stays "
	       "stopped there; amavis, iRedAPD and fail2ban run again so the relay "
	       "works and stays protected. The cutover refuses to run before the verify "
	       "step passed. Then you change the DNS by hand: each item of the checklist "
	       "is yours to confirm (or leave pending: mailshift --report lists what is "
	       "left). Without the relay (relay_during_cutover = no) the "
	       "old server stays stopped: senders retry until the DNS points to the new "
	       "one.",
	.applies = steps_is_iredmail,
	.plan = plan_cutover,
};
