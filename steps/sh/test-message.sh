# shellcheck shell=bash
# shellcheck disable=SC2154 # b users_cmd mode: the prologue's
# test-message: on the target, a test message to the first active account,
# in one of three modes (the prologue's mode):
#   local (or empty): sent through this server's own sendmail command, and
#     waited for up to 90 s in that INBOX; prints "USER SUBJECT";
#   pick: only chosen and recorded, for a message from another host over
#     SMTP (test-inbound.sh); prints "USER ADDRESS SUBJECT", ADDRESS the
#     user's address on this server (a system user's: USER@ this server's
#     name, Postfix's myhostname or sendmail's first dotted local name);
#   wait: reads "USER ADDRESS SUBJECT" on stdin and waits up to 90 s for it
#     in that INBOX.
# Each test message is recorded ($b/test-messages: "USER SUBJECT") before
# it is sent: a run killed before the removal leaves one, and the removal
# of a later run takes it too.  The subject is unique:
# mailshift-test-TIME-PID.
# Prologue: b (the backup directory), users_cmd (shell text that prints the
# active accounts, one a line), mode.
# Fails when there is no active account or the message did not arrive.
arrived() { # USER SUBJECT: waits up to 90 s for it in the INBOX
  local i
  for i in $(seq 1 90); do
    if [ -n "$(doveadm search -u "$1" mailbox INBOX header Subject "$2" 2>/dev/null)" ]; then
      echo "delivered to the INBOX of $1 in about $i s" >&2
      return 0
    fi
    sleep 1
  done
  echo "the test message to $1 did not arrive in 90 s: see the target's mail log (postqueue -p or mailq)" >&2
  return 1
}
if [ "${mode:-local}" = wait ]; then
  read -r to addr tok || { echo 'no test message named on stdin' >&2; exit 1; }
  [[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo "not a test message subject: ${tok//[^[:print:]]/?}" >&2; exit 1; }
  arrived "$to" "$tok" || exit 1
  echo "the message sent over SMTP to $addr from the old server is in the INBOX of $to"
  exit 0
fi
users=$(eval "$users_cmd")
to=${users%%[[:space:]]*}
[ -n "$to" ] || { echo 'no active user to send a test message to' >&2; exit 1; }
tok=mailshift-test-$(date +%s)-$$
# shellcheck disable=SC2174 # -m for the backup directory only: its parents stay as they are
mkdir -p -m 0700 -- "$b" && printf '%s %s\n' "$to" "$tok" >> "$b/test-messages"
if [ "${mode:-local}" = pick ]; then
  addr=$to
  if [[ $addr != *@* ]]; then
    if command -v postconf >/dev/null; then h=$(postconf -h myhostname)
    else h=$(sed 's/#.*//' /etc/mail/local-host-names 2>/dev/null | tr '[:blank:]' '\n' | grep -m 1 '\.' || hostname -f); fi
    addr=$to@$h
  fi
  echo "$to $addr $tok"
  exit 0
fi
printf 'From: <%s>\nTo: <%s>\nSubject: %s\n\nmailshift sent this to test the new server; it removes it.\n' "$to" "$to" "$tok" | sendmail -f "$to" -- "$to"
arrived "$to" "$tok" || exit 1
echo "$to $tok"
