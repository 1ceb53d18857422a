# shellcheck shell=bash
# relay-allow: the new server takes the mail the old one relays as mail it
# has already accepted once: past its policy daemon (iRedAPD: greylisting,
# the forged-sender check), blocklists and HELO checks, which would defer or
# reject it (an address of a local domain sent by a user still on the old
# server is "forged" to the new one).  Run on the target, before the old
# server relays.  No prologue: reads the old server's addresses on stdin,
# one a line (hostile: only one host address a line is taken; a network,
# 0.0.0.0 or ::, which would let anyone past, never).
# Writes /etc/postfix/mailshift_relay.cidr (ADDRESS mailshift_relay, the
# restriction class "reject_unauth_destination, permit": the old server may
# hand over mail for this server's own domains, never relay elsewhere) and
# mailshift_relay_ok.cidr (ADDRESS OK).  The class goes right before the
# first policy service of smtpd_recipient_restrictions (the checks of the
# recipient before it, reject_unlisted_recipient, stay); the OK table first
# in smtpd_client, helo, sender and end_of_data restrictions that are set.
# main.cf is saved first, once, as main.cf.mailshift-relay-before.
umask 022
cd /etc/postfix || exit 1
[ -e main.cf.mailshift-relay-before ] || cp -p -- main.cf main.cf.mailshift-relay-before || exit 1
LC_ALL=C awk '
  { a = $0 }
  a ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ {
    split(a, o, "."); ok = 1
    for (i = 1; i <= 4; i++) if (o[i] > 255 || length(o[i]) > 3) ok = 0
    if (ok && a != "0.0.0.0") { if (!(a in seen)) { seen[a] = 1; print a }; next } }
  a ~ /^[0-9a-fA-F:]+$/ && a ~ /:.*:/ && a ~ /[1-9a-fA-F]/ && length(a) <= 39 {
    if (!(a in seen)) { seen[a] = 1; print a }
    next }
  a != "" { printf "not a host address: %s (left out)\n", substr(a, 1, 60) > "/dev/stderr" }
' | awk '{ print > "mailshift_relay.cidr.new"; print $0 " OK" > "mailshift_relay_ok.cidr.new" }
         END { if (!NR) exit 1 }' ||
  { rm -f mailshift_relay.cidr.new mailshift_relay_ok.cidr.new
    echo 'no address of the old server to let its relayed mail in' >&2; exit 1; }
sed -i 's/$/ mailshift_relay/' mailshift_relay.cidr.new
mv mailshift_relay.cidr.new mailshift_relay.cidr
mv mailshift_relay_ok.cidr.new mailshift_relay_ok.cidr

cls='check_client_access cidr:/etc/postfix/mailshift_relay.cidr'
ok='check_client_access cidr:/etc/postfix/mailshift_relay_ok.cidr'
# A restriction list as one item a line, without mailshift's own entries.
items() {
  postconf -h "$1" | tr ',' '\n' | sed 's/^[[:blank:]]*//; s/[[:blank:]]*$//; s/[[:blank:]][[:blank:]]*/ /g' |
    { grep -v -e '^$' -e 'cidr:/etc/postfix/mailshift_relay' || true; }
}
joined() { paste -sd ',' | sed 's/,/, /g'; }
classes=$(postconf -h smtpd_restriction_classes | tr -s ', \t' '\n' | { grep -v -x -e '' -e mailshift_relay || true; })
postconf -e "smtpd_restriction_classes = $(printf '%s\n' "$classes" mailshift_relay | grep -v '^$' | joined)" \
  'mailshift_relay = reject_unauth_destination, permit' || exit 1
for p in smtpd_client_restrictions smtpd_helo_restrictions smtpd_sender_restrictions \
         smtpd_end_of_data_restrictions; do
  rest=$(items "$p")
  [ -z "$rest" ] || postconf -e "$p = $ok, $(printf '%s\n' "$rest" | joined)" || exit 1
done
rest=$(items smtpd_recipient_restrictions)
if case $'\n'$rest in *$'\n'check_policy_service*) true ;; *) false ;; esac; then
  rest=$(printf '%s\n' "$rest" | awk -v c="$cls" '!done && /^check_policy_service/ { print c; done = 1 } { print }')
else
  rest=$(printf '%s\n%s\n' "$cls" "$rest")
fi
postconf -e "smtpd_recipient_restrictions = $(printf '%s\n' "$rest" | grep -v '^$' | joined)" || exit 1
postfix check >/dev/null 2>&1 || { echo 'postfix check fails after the change (main.cf.mailshift-relay-before is the old main.cf)' >&2; exit 1; }
postfix reload >/dev/null 2>&1
echo "the new server takes the old server's relayed mail ($(paste -sd ' ' mailshift_relay.cidr | sed 's/ mailshift_relay//g')) past its policy checks, for its own domains only"
echo "undo: cp -p /etc/postfix/main.cf.mailshift-relay-before /etc/postfix/main.cf; postfix reload"
