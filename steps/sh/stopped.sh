# shellcheck shell=bash
# stopped: nothing on the source can change its mail any more: Postfix and
# Dovecot are stopped as systemd sees them, and as the processes and the
# listening mail ports show (also when something else than systemd started
# them, or on a host where systemctl is missing).  Run before the census and
# before each step that reads the mail or the databases in the window.
# No prologue; fails naming what still runs.
for t in pgrep ss; do
  command -v "$t" >/dev/null || { echo "$t is missing on the source: it tells whether mail can still change" >&2; exit 1; }
done
bad=
for u in postfix dovecot; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$u.service"; then
    bad+="$u (systemd says active); "
  fi
done
if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
  bad+="Postfix (postfix status: running); "
fi
if pgrep -x dovecot >/dev/null 2>&1; then
  bad+="Dovecot (a dovecot process runs; mailshift's own user lookup, dovecot -o protocols=none, is stopped with doveadm stop); "
fi
# SMTP, submission, POP3, IMAP (and their TLS ports), LMTP, the content
# filter's way back in
ports=$(ss -Hltn 2>/dev/null | awk '{ n = split($4, a, ":"); p = a[n]
    if (p ~ /^(25|24|110|143|465|587|993|995|10025)$/) print p }' | sort -un | tr '\n' ' ')
[ -z "$ports" ] || bad+="something listens on mail port(s) ${ports% }; "
if [ -n "$bad" ]; then
  echo "mail can still change on the source: ${bad%; }. Run the stop-services step first (or stop them by hand)" >&2
  exit 1
fi
echo 'postfix and dovecot are stopped on the source (systemd, processes, mail ports)'
