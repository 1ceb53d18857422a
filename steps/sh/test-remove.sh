# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# test-remove: on the target, removes the test messages test-message sent
# (only them: each subject is unique and recorded in $b/test-messages),
# then the record.  Reads the last test's "ADDRESS SUBJECT" on stdin first.
# Prologue: b (the backup directory).
# Fails on a recorded subject that is not a test message's.
read -r _ _
while read -r to tok; do
  [[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo "not a test message subject: $tok" >&2; exit 1; }
  doveadm expunge -u "$to" mailbox INBOX header Subject "$tok"
  echo "removed the test message $tok from the INBOX of $to"
done < "$b/test-messages"
rm -f -- "$b/test-messages"
