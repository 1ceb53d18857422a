/* The switch: the old server relays to the new one as soon as it runs, and
 * the DNS checklist after the test. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

static void plan_relay(const struct answers *a, struct plan_step *ps)
{
	char *domains = steps_domains_cmd(a);

	plan_add(ps, HOST_SOURCE, ACT_DESTRUCTIVE,
		         "the old Postfix relays every domain to the new server (main.cf is saved first)",
		         "b=%q; t=%q\n"
		         "%s"
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
		         a->opt.backup_dir, a->target.host, steps_verified_check, domains);
	free(domains);
}

static int relays(const struct answers *a)
{
	return steps_is_iredmail(a) && a->opt.relay_during_cutover;
}

const struct step step_relay = {
	.id = "relay",
	.title = "Relay from the old server to the new one",
	.why = "The new server runs, so the old one stops refusing mail at once: until "
	       "every sender sees the new MX record, some mail still reaches the old "
	       "address. The old Postfix is turned into a relay: it accepts mail for "
	       "your domains and passes it to the new server (transport_maps, main.cf "
	       "saved first), so nothing lands in a mailbox nobody reads and senders are "
	       "not kept waiting while the new server is tested. Dovecot stays stopped "
	       "there; amavis, iRedAPD and fail2ban run again so the relay works and "
	       "stays protected. It refuses to run unless verify passed on the current "
	       "census. Without it (relay_during_cutover = no) the old server stays "
	       "stopped: senders retry until the DNS points to the new one.",
	.applies = relays,
	.plan = plan_relay,
};

static void plan_cutover(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_SOURCE, 0, "verify passed on the source's current census (else no switch)",
	         "b=%q\n%secho \"verify passed on the current census ($(cut -c 1-12 \"$b/verified\")...)\"",
	         a->opt.backup_dir, steps_verified_check);
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
	.applies = steps_is_iredmail,
	.plan = plan_cutover,
};
