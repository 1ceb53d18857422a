# shellcheck shell=bash
# shellcheck disable=SC2154 # b users_cmd: the prologue's
# test-message: on the target, sends a message through its Postfix to the
# first active account and waits up to 90 s for it in that INBOX.  Each test
# message is recorded ($b/test-messages: "ADDRESS SUBJECT") before it is
# sent: a run killed before the removal leaves one, and the removal of a
# later run takes it too.  The subject is unique: mailshift-test-TIME-PID.
# Prologue: b (the backup directory), users_cmd (shell text that prints the
# active accounts, one a line).
# Prints "ADDRESS SUBJECT" (for the removal); fails when there is no active
# account or the message did not arrive.
users=$(eval "$users_cmd")
to=${users%%[[:space:]]*}
[ -n "$to" ] || { echo 'no active user to send a test message to' >&2; exit 1; }
tok=mailshift-test-$(date +%s)-$$
# shellcheck disable=SC2174 # -m for the backup directory only: its parents stay as they are
mkdir -p -m 0700 -- "$b" && printf '%s %s\n' "$to" "$tok" >> "$b/test-messages"
printf 'From: <%s>\nTo: <%s>\nSubject: %s\n\nmailshift sent this to test the new server; it removes it.\n' "$to" "$to" "$tok" | sendmail -f "$to" -- "$to"
for i in $(seq 1 90); do
  if [ -n "$(doveadm search -u "$to" mailbox INBOX header Subject "$tok" 2>/dev/null)" ]; then
    echo "delivered to the INBOX of $to in about $i s" >&2
    echo "$to $tok"; exit 0
  fi
  sleep 1
done
echo "the test message to $to did not arrive in 90 s: see the target's mail log (postqueue -p)" >&2; exit 1
