/* Stopping the mail daemons for the downtime window, and starting them on
 * the target at its end. */
#include <stdlib.h>

#include "core/shell.h"
#include "core/xalloc.h"
#include "steps/steps.h"

/* Daemons that receive or change mail, the MTA first.  Databases and slapd
 * keep running: the dumps and restores need them. */
#define MAIL_UNITS "postfix dovecot amavis iredapd mlmmjadmin sogo nginx apache2 httpd php-fpm " \
	"php8.4-fpm php8.3-fpm php8.2-fpm php8.1-fpm php7.4-fpm fail2ban cron crond"

/* Each unit is recorded before it is stopped, so a retry after a failure
 * still knows what to start again. */
static const char stop_fmt[] =
	"b=%q\n"
	"mkdir -p -m 0700 -- \"$b\"\n"
	"touch -- \"$b/stopped-services\"\n"
	"rm -f -- \"$b/verified\"\n"
	"for u in " MAIL_UNITS "; do\n"
	"  systemctl cat \"$u.service\" >/dev/null 2>&1 || continue\n"
	"  systemctl is-active --quiet \"$u.service\" || continue\n"
	"  grep -qx -- \"$u\" \"$b/stopped-services\" || echo \"$u\" >> \"$b/stopped-services\"\n"
	"  if ! m=$(systemctl stop \"$u.service\" </dev/null 2>&1); then\n"
	"    echo \"cannot stop $u: ${m:-systemctl stop failed}. Nothing after this runs: stop it (or fix what holds it), then run the same command again\" >&2; exit 1\n"
	"  fi\n"
	"  echo \"stopped $u\"\n"
	"done\n"
	"echo \"stopped so far: $(tr '\\n' ' ' < \"$b/stopped-services\")\"";

static void plan_stop(const struct answers *a, struct plan_step *ps)
{
	plan_add(ps, HOST_SOURCE, 0, "stops the old server's mail daemons, the MTA first",
	         stop_fmt, a->opt.backup_dir);
	plan_add(ps, HOST_TARGET, 0, "stops the new server's mail daemons while it is restored",
	         stop_fmt, a->opt.backup_dir);
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
	plan_add(ps, HOST_TARGET, 0, "starts the databases, then the daemons stopped before, the MTA last",
	         "b=%q\n"
	         "for u in mariadb mysql postgresql slapd; do\n"
	         "  systemctl cat \"$u.service\" >/dev/null 2>&1 || continue\n"
	         "  systemctl is-enabled --quiet \"$u.service\" || continue\n"
	         "  systemctl start \"$u.service\" </dev/null >/dev/null 2>&1 || { echo \"cannot start $u\" >&2; exit 1; }\n"
	         "done\n"
	         "[ -e \"$b/stopped-services\" ] || { echo 'no record of the stopped services: run stop-services first' >&2; exit 1; }\n"
	         "# a Dovecot started alone for a user lookup (discovery, census) by a run that was killed\n"
	         "if ! systemctl is-active --quiet dovecot.service && doveadm service status >/dev/null 2>&1; then\n"
	         "  doveadm stop >/dev/null 2>&1 || true; sleep 1\n"
	         "  echo 'stopped a Dovecot left running outside systemd'\n"
	         "fi\n"
	         "units=$(cat -- \"$b/stopped-services\")\n"
	         "rev=; for u in $units; do rev=\"$u $rev\"; done\n"
	         "for u in $rev; do\n"
	         "  systemctl start \"$u.service\" </dev/null >/dev/null 2>&1 || { echo \"cannot start $u\" >&2; exit 1; }\n"
	         "  echo \"started $u\"\n"
	         "done\n"
	         "systemctl is-active postfix dovecot\n"
	         "# from now on users may receive mail here: a new migration onto this\n"
	         "# server is refused in pre-flight unless overwrite_target = yes\n"
	         "date -u '+%%Y-%%m-%%d %%H:%%M:%%S UTC' > \"$b/live\"",
	         a->opt.backup_dir);
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
