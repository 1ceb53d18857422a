# shellcheck shell=bash
# shellcheck disable=SC2154 # b data_units live_units: the prologue's
# services-start: on the target, starts the databases (those enabled), then
# the daemons services-stop stopped, in reverse order: the MTA last.
# Prologue: b (the backup directory, with stopped-services), data_units (the
# databases and directory of the stack, both families' names), live_units
# (the daemons that must be active at the end): the target's profile's.
# Writes $b/live (from now on a new migration onto this server is refused in
# pre-flight); fails when a unit does not start or nothing was recorded.
# shellcheck disable=SC2086 # a list of unit names, one word each
for u in $data_units; do
  systemctl cat "$u.service" >/dev/null 2>&1 || continue
  systemctl is-enabled --quiet "$u.service" || continue
  systemctl start "$u.service" </dev/null >/dev/null 2>&1 || { echo "cannot start $u" >&2; exit 1; }
done
[ -e "$b/stopped-services" ] || { echo 'no record of the stopped services: run stop-services first' >&2; exit 1; }
# a Dovecot started alone for a user lookup (discovery, census) by a run that was killed
if ! systemctl is-active --quiet dovecot.service && doveadm service status >/dev/null 2>&1; then
  doveadm stop >/dev/null 2>&1 || true; sleep 1
  echo 'stopped a Dovecot left running outside systemd'
fi
units=$(cat -- "$b/stopped-services")
rev=; for u in $units; do rev="$u $rev"; done
for u in $rev; do
  systemctl start "$u.service" </dev/null >/dev/null 2>&1 || { echo "cannot start $u" >&2; exit 1; }
  echo "started $u"
done
# shellcheck disable=SC2086 # a list of unit names, one word each
systemctl is-active $live_units
# from now on users may receive mail here: a new migration onto this
# server is refused in pre-flight unless overwrite_target = yes
date -u '+%Y-%m-%d %H:%M:%S UTC' > "$b/live"
