# shellcheck shell=bash
# shellcheck disable=SC2154 # b t domains_cmd mode: the prologue's
# relay: the old Postfix hands every address of the mail domains to the new
# server, and its queue (deferred or held mail, mail the content filter had
# not passed on when the window opened) goes there too.  Run on the source
# once the new server runs, after verify passed.
# Prologue: b, t (the new server's address), domains_cmd (prints the
# source's mail and alias domains, one a line), mode: "relay" (the old
# server accepts mail again and passes it on, relay_during_cutover) or
# "drain" (it accepts nothing: Postfix runs only until its queue for the
# domains is handed over, then stops again).
# Writes /etc/postfix/mailshift_transport.regexp and the mailshift-relay
# service in master.cf (main.cf and master.cf saved first, once, as
# *.mailshift-before); fails naming a domain it cannot relay.
umask 022
cd /etc/postfix || exit 1
for f in main.cf master.cf; do
  [ -e "$f.mailshift-before" ] || cp -p -- "$f" "$f.mailshift-before" || exit 1
done

# One regexp entry per domain.  A regexp table is searched with the whole
# address, and only with it; first in transport_maps, it answers before any
# address-level entry of a later table (iRedMail's per-user and mailing-list
# transports), which a domain entry would not.
eval "$domains_cmd" | awk -v t="$t" '
  { d = tolower($0) }
  d == "" { next }
  d !~ /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/ {
    printf "not a domain name mailshift can relay: %s\n", substr($0, 1, 80) > "/dev/stderr"; bad = 1; next }
  !(d in seen) { seen[d] = 1; e = d; gsub(/\./, "\\.", e); printf "/@%s$/ mailshift-relay:[%s]:25\n", e, t; n++ }
  END {
    if (bad) exit 2
    if (!n) { print "no mail domains found on the source" > "/dev/stderr"; exit 1 }
  }' > mailshift_transport.regexp.new || { rm -f mailshift_transport.regexp.new; exit 1; }
mv mailshift_transport.regexp.new mailshift_transport.regexp
n=$(wc -l < mailshift_transport.regexp)
# first, once (an earlier run's entry, or an older mailshift's hash table, goes)
rest=$(postconf -h transport_maps | tr ',[:blank:]' '\n' | { grep -v -e '^$' -e mailshift_transport || :; } | paste -sd ' ' | sed 's/ /, /g')
postconf -e "transport_maps = regexp:/etc/postfix/mailshift_transport.regexp${rest:+, $rest}"
# Its own SMTP client, which calls itself another name: a new server that
# greets with the old one's host name (both named mail.example.com) is then
# no loop ("loops back to myself").  Its HELO stays the old server's name.
helo=$(postconf -h myhostname)
postconf -M "mailshift-relay/unix=mailshift-relay unix - - n - - smtp"
postconf -P "mailshift-relay/unix/myhostname=mailshift-relay.invalid" \
  "mailshift-relay/unix/smtp_helo_name=$helo"

# How many recipients in the old queue are in the relayed domains (every
# recipient in the queue, where postqueue -j is missing: before Postfix 3.1).
queued() {
  if ! postqueue -j >/dev/null 2>&1; then
    postqueue -p 2>/dev/null | awk '/^[A-F0-9]/ { n++ } END { print n + 0 }'
    return
  fi
  postqueue -j 2>/dev/null |
    RE=$(sed 's/ .*//; s|^/||; s|/$||' mailshift_transport.regexp | paste -sd '|') awk '
    BEGIN { re = "(" ENVIRON["RE"] ")" }
    { while (match($0, /"address": *"[^"]*"/)) {
        a = tolower(substr($0, RSTART, RLENGTH)); sub(/^"address": *"/, "", a); sub(/"$/, "", a)
        if (a ~ re) n++
        $0 = substr($0, RSTART + RLENGTH) } }
    END { print n + 0 }'
}

started=
if [ "$mode" = drain ]; then
  # accept nothing from outside: every public SMTP service off (the content
  # filter's way back in, on 127.0.0.1, stays), then only the queue runs
  postconf -h master_service_disable > "$b/master_service_disable.before"
  off=$(postconf -M | awk '$2 == "inet" && $1 !~ /^(127\.0\.0\.1|\[::1\]|localhost):/ { printf "%s/inet ", $1 }')
  postconf -e "master_service_disable = $off"
  if systemctl cat amavis.service >/dev/null 2>&1 && ! systemctl is-active --quiet amavis.service; then
    systemctl start amavis.service </dev/null >/dev/null 2>&1 && started=amavis
  fi
  postfix start </dev/null >/dev/null 2>&1 ||
    { echo 'cannot start the old Postfix to hand over its queue (postfix start failed)' >&2; exit 1; }
else
  # (a unit the admin masked stays off; one that does not start is named:
  # Postfix keeps what waits for it, the relay goes on)
  for u in amavis iredapd fail2ban postfix; do
    systemctl cat "$u.service" >/dev/null 2>&1 || continue
    [ "$(systemctl is-enabled "$u.service" 2>/dev/null)" != masked ] || { echo "$u is masked on the old server: left off"; continue; }
    systemctl start "$u.service" </dev/null >/dev/null 2>&1 ||
      echo "warning: $u did not start on the old server (systemctl status $u there); the relay goes on" >&2
  done
  postfix reload </dev/null >/dev/null 2>&1
fi
held=$(find /var/spool/postfix/hold -type f 2>/dev/null | wc -l)
if [ "$held" -gt 0 ]; then
  postsuper -H ALL >/dev/null 2>&1
  echo "released $held message(s) from the old server's hold queue: they go to the new server too"
fi
postqueue -f 2>/dev/null
left=$(queued)
for _ in $(seq 1 60); do
  [ "$left" != 0 ] || break
  sleep 1
  left=$(queued)
done
if [ "$mode" = drain ]; then
  postfix stop </dev/null >/dev/null 2>&1
  for u in $started; do systemctl stop "$u.service" </dev/null >/dev/null 2>&1; done
  before=$(cat "$b/master_service_disable.before")
  if [ -n "$before" ]; then postconf -e "master_service_disable = $before"; else postconf -X master_service_disable; fi
  if [ "$left" != 0 ]; then
    echo "the old server's queue still holds $left message(s) for your domains (postqueue -p there): start its Postfix again to hand them over, or run this step again" >&2
    exit 1
  fi
  echo "the old server handed its queue for $n domain(s) to $t and accepts nothing: its Postfix is stopped again"
else
  [ "$left" = 0 ] || echo "the old server's queue still holds $left message(s) for your domains: Postfix retries them, through the relay (postqueue -p there)"
  echo "the old server relays every address of $n domain(s) to $t, its queue first"
fi
echo "undo: cp -p /etc/postfix/main.cf.mailshift-before /etc/postfix/main.cf; cp -p /etc/postfix/master.cf.mailshift-before /etc/postfix/master.cf"
