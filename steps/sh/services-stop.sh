# shellcheck shell=bash
# shellcheck disable=SC2154 # b units: the prologue's
# services-stop: stops the mail daemons, the MTA first (the source's for the
# window, the target's while it is restored).  Daemons that receive or change
# mail; the databases and slapd keep running: the dumps and restores need them.
# Prologue: b (the backup directory), units (the host's mail daemons, in the
# order they stop, both the Debian and the RHEL-family names: its profile's).
# Each unit is recorded in $b/stopped-services before it is stopped, so a
# retry after a failure still knows what to start again; $b/verified goes
# (a new census must be verified again).  Fails naming a unit it cannot stop.
# shellcheck disable=SC2174 # -m for the backup directory only: its parents stay as they are
mkdir -p -m 0700 -- "$b"
touch -- "$b/stopped-services"
rm -f -- "$b/verified"
# shellcheck disable=SC2086 # units is a list of unit names, one word each
for u in $units; do
  systemctl cat "$u.service" >/dev/null 2>&1 || continue
  systemctl is-active --quiet "$u.service" || continue
  grep -qx -- "$u" "$b/stopped-services" || echo "$u" >> "$b/stopped-services"
  if ! m=$(systemctl stop "$u.service" </dev/null 2>&1); then
    echo "cannot stop $u: ${m:-systemctl stop failed}. Nothing after this runs: stop it (or fix what holds it), then run the same command again" >&2; exit 1
  fi
  echo "stopped $u"
done
echo "stopped so far: $(tr '\n' ' ' < "$b/stopped-services")"
