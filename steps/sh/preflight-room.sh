# shellcheck shell=bash
# shellcheck disable=SC2154 # vmail b factor: the prologue's
# preflight-room: the target has room for the mail: its free space plus what
# an earlier bulk copy already put in the mail store.  Run on the target, the
# source's mail bytes (preflight-mail-bytes.sh) on stdin.
# Prologue: vmail (the mail store; "" for system users: where their homes
# go, from the roots discovery accepted in b), factor (optional: how many
# times the mail is written here; 2 when system users move into iRedMail:
# the copies, then the mailboxes).
# Prints both figures and the table's rows; fails when there is no mail
# store yet, or less room than the mail plus 10%.
need=$(cat)
if [ -z "$vmail" ]; then
  # no one store (system users): the room where the first root goes (its
  # nearest directory here), plus what the roots hold already
  vmail=$(head -n 1 "$b/discovery/roots.tsv" | cut -f 1)
  while [ -n "$vmail" ] && [ ! -d "$vmail" ]; do vmail=${vmail%/*}; done
  vmail=${vmail:-/}
fi
have=$(test -d "$vmail" && echo $(( $(df -P -B1 -- "$vmail" | awk "NR == 2 {print \$4}") + $(du -sx -B1 -- "$vmail" | cut -f 1) ))) || { echo 'the target has no mail store directory yet: install iRedMail there first' >&2; exit 1; }
case $need$have in *[!0-9]*|'') echo 'cannot measure the disk space' >&2; exit 1 ;; esac
echo "mail on the source: $need bytes; room for it on the target: $have bytes"
echo "mailshift-figure du $need -"; echo "mailshift-figure room - $have"
[ "${factor:-1}" = 1 ] || { echo "the mail is written here $factor times (copied, then put into the mailboxes)"; need=$((need * factor)); }
[ "$have" -gt $((need + need / 10)) ] || { echo "not enough room on the target: it needs $((need + need / 10)) bytes free (the mail plus 10%)" >&2; exit 1; }
