# shellcheck shell=bash
# shellcheck disable=SC2154 # b k dkim_pl: the prologue's
# test-outbound: on the target, as root, a user's message through
# the new server, as a mail client sends it: to port 587 (submission),
# TLS first, then SASL authentication as the test sender (test-sender.sh
# made it; its password is read from $b/test-sender and given to curl in a
# 0600 file, never on a command line), to the test message's recipient
# ("USER ADDRESS SUBJECT" on stdin, test-message.sh's pick: recorded, the
# removal takes it).  Before that the same message without authentication
# must be refused: a submission port that takes mail from anyone is an
# open relay.  The message must arrive in the recipient's INBOX within
# 90 s, and, when k is not empty (iRedMail: its amavisd signs what users
# send), carry a DKIM signature that verifies with one of the keys in k,
# the DKIM directory (dkim-verify.pl: Mail::DKIM, with those keys instead
# of the DNS).
# Writes $b/test-outbound.dkim: "DKIM-FINGERPRINT KEY-FILE", for the
# comparison with the old server's keys.
# Prologue: b, k (the DKIM directory, "" for no DKIM check), dkim_pl
# (dkim-verify.pl), port
# (optional, 587: a test's).
umask 077
read -r to addr tok || { echo 'no test message named on stdin' >&2; exit 1; }
[[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo "not a test message subject: ${tok//[^[:print:]]/?}" >&2; exit 1; }
[[ $addr =~ ^[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+$ ]] || { echo "not an address: ${addr//[^[:print:]]/?}" >&2; exit 1; }
[[ ${port:=587} =~ ^[0-9]+$ ]] || { echo "not a port: $port" >&2; exit 1; }
read -r from pw login < "$b/test-sender" 2>/dev/null || { echo "no test sender in $b/test-sender: the action before makes it" >&2; exit 1; }
: "${login:=$from}"
[[ $from =~ ^mailshift-test-[0-9]+-[0-9]+@[A-Za-z0-9.-]+$ && $pw =~ ^[0-9a-f]{36}$ && $login =~ ^mailshift-test-[0-9@A-Za-z.-]+$ ]] ||
  { echo "$b/test-sender does not hold a test sender mailshift made" >&2; exit 1; }
if command -v postconf >/dev/null && [ -z "$(postconf -M "submission/inet" 2>/dev/null)" ] && [ "$port" = 587 ]; then
  echo "the new server's Postfix has no submission service (port 587 in master.cf): users' mail clients cannot send through it with a password" >&2
  echo "  if they sent through the old server, set it up (master.cf submission with smtpd_sasl_auth_enable=yes and smtpd_sasl_path at Dovecot's auth socket)" >&2
  exit 1
fi
command -v curl >/dev/null || { echo 'this check sends with curl, which is not installed here (apt-get install curl)' >&2; exit 1; }
msg=$b/test-outbound.msg
printf 'From: <%s>\nTo: <%s>\nSubject: %s\nDate: %s\nMessage-ID: <%s@mailshift.test>\n\nmailshift sent this through the new server (port %s, SASL) to test it; it removes it.\n' \
  "$from" "$addr" "$tok" "$(LC_ALL=C date -R)" "$tok" "$port" > "$msg" || exit 1
# (the server names itself in its certificate, not as 127.0.0.1: the TLS
# is what AUTH needs, the server's identity is not in question here)
send() { curl -sS --max-time 60 --insecure --ssl-reqd --crlf --url "smtp://127.0.0.1:$port/mailshift-test" \
  --mail-from "$from" --mail-rcpt "$addr" --upload-file "$msg" "$@"; }
if e=$(send 2>&1); then
  echo "the new server's port $port took a message without authentication: anyone who reaches it can send through it (an open relay)" >&2
  echo "  see smtpd_client_restrictions / smtpd_recipient_restrictions of its submission service (postconf -M submission/inet; iRedMail: permit_sasl_authenticated,reject)" >&2
  exit 1
fi
echo "without authentication port $port refuses it: ${e//[^[:print:]]/?}"
netrc=$b/test-sender.netrc
printf 'machine 127.0.0.1 login %s password %s\n' "$login" "$pw" > "$netrc" || exit 1
if ! e=$(send --netrc-file "$netrc" 2>&1); then
  rm -f -- "$netrc"
  echo "the new server did not take the message from $from on port $port with SASL authentication: ${e//[^[:print:]]/?}" >&2
  echo "  (is the submission service on in master.cf, with smtpd_sasl_auth_enable=yes and smtpd_sasl_path at Dovecot's auth socket?)" >&2
  exit 1
fi
rm -f -- "$netrc"
echo "$from authenticated on port $port (TLS, SASL) and sent a message to $addr"
for i in $(seq 1 90); do
  uid=$(doveadm search -u "$to" mailbox INBOX header Subject "$tok" 2>/dev/null | awk 'NR == 1 { print $2 }') || uid=""
  [ -n "$uid" ] && break
  sleep 1
done
[ -n "${uid:-}" ] || { echo "the message from $from did not reach the INBOX of $to in 90 s: see the target's mail log (postqueue -p; amavisd on 127.0.0.1:10026?)" >&2; exit 1; }
echo "it arrived in the INBOX of $to in about $i s"
[ -n "$k" ] || exit 0
# (doveadm prints "text:" and then the message)
doveadm fetch -u "$to" text mailbox INBOX uid "$uid" | sed '1{/^text:$/d}' > "$b/test-outbound.eml" ||
  { echo "cannot read the message back from the INBOX of $to" >&2; exit 1; }
keys=()
for f in "$k"/*.pem; do if [ -f "$f" ] && [ ! -L "$f" ]; then keys+=("$f"); fi; done
[ ${#keys[@]} -gt 0 ] || { echo "no DKIM key in $k: iRedMail's amavisd signs with the keys there" >&2; exit 1; }
out=$(perl -e "$dkim_pl" -- "${keys[@]}" < "$b/test-outbound.eml") || exit 1
echo "$out"
# the key's fingerprint and file, for the comparison with the old server's
fp=${out##*(sha256 } fp=${fp%)}
[[ $fp =~ ^[0-9a-f]{64}$ ]] || { echo "cannot read the key's fingerprint from: $out" >&2; exit 1; }
key=${out#* with the key } key=${key% (sha256 *}
printf '%s %s\n' "$fp" "${key##*/}" > "$b/test-outbound.dkim"
