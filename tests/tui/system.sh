#!/usr/bin/env bash
# A move across stacks in the wizard, from the keyboard only (tmux
# send-keys, read back with capture-pane): the lab's sendmail-mbox scenario,
# sendmail with mbox spools to Postfix+Dovecot with Maildir, or
# sendmail-iredmail, the same source into iRedMail (LAB_BACKEND, default
# mariadb).  The interview prefilled from the lab's answers, the plan of
# the pair (the conversion, or the import into the mailboxes, between the
# final copy and verify), every step confirmed (DESTRUCTIVE ones by typing
# yes, the first checklist item done, the rest later), to the report.
# Then the target's own Dovecot must show each user's folders (into
# iRedMail: each user's address's) as the source's showed them before the
# run (messages, unseen, UIDVALIDITY), as Maildir.
#
# With SHOTS=DIR the screens are also rendered to DIR/NN-name.png
# (screenshots/take.sh).  Prints "tui-system: N passed, N failed".  Needs
# root and the lab.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ms="$top/mailshift"
lab="$top/lab"
tier=tui-system
# shellcheck source=tests/tui/lib.sh
. "$top/tests/tui/lib.sh"
scenario=${1:-sendmail-mbox}
shots=${SHOTS:-}
# what the pair looks like: the target's stack, the plan's length, the
# step between the final copy and verify (its title, its number), the
# users' domain on the target ("" when they stay system users)
case $scenario in
  sendmail-mbox) tstack=postfix-dovecot steps=18 mid="Convert the mbox mail into Maildir" at=11 domain= ;;
  sendmail-iredmail) tstack=iredmail steps=16 mid="Put each user's mail into its mailbox" at=9 domain=lab.test ;;
  *) echo "tests/tui/system.sh: no scenario $scenario (sendmail-mbox, sendmail-iredmail)" >&2; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
  echo "FAIL tests/tui/system.sh needs root (the lab)"; echo "$tier: 0 passed, 1 failed"; exit 1
fi
tui_setup || exit 1
tui_cleanup() { "$lab/down" >/dev/null 2>&1; }
# snap, drive, quit_wizard
# shellcheck source=tests/tui/drive.sh
. "$top/tests/tui/drive.sh"

echo "=== $scenario"
if ! "$lab/up" "$scenario" > "$work/up.log" 2>&1; then
  bad "lab/up $scenario" "$(tail -n 5 "$work/up.log")"; echo "$tier: $passed passed, $failed failed"; exit 1
fi
users=$(grep -v '^#' "$lab/run/seed.txt" | cut -f 1 | sort -u | tr '\n' ' ')
first=${users%% *}
# Each user's folders as a host's own Dovecot lists them (a parent folder
# without messages left out: an mbox keeps it as a directory, Maildir++ as
# an empty folder)
folders() { # HOST [DOMAIN]
  # shellcheck disable=SC2016 # expands on the host
  "$lab/ssh" "$1" "for u in $users; do doveadm -f tab mailbox status -u \"\$u${2:+@$2}\" 'messages unseen uidvalidity' '*' |
    tail -n +2 | sed \"s/^/\$u\t/\"; done | sort" </dev/null |
    awk -F '\t' '{ l[NR] = $0; k[NR] = $1 "\t" $2; m[NR] = $3; p = $2; while (sub(/\/[^\/]*$/, "", p)) par[$1 "\t" p] = 1 }
      END { for (i = 1; i <= NR; i++) if (m[i] != 0 || !(k[i] in par)) print l[i] }'
}
# a file in a home the copy takes a few seconds over: its progress is on
# screen (an admin's download, not mail)
"$lab/ssh" source "head -c 300M /dev/urandom > '/home/$first/big.bin' && chown '$first:' '/home/$first/big.bin'" </dev/null
before=$(folders source)
check "the source's Dovecot lists the users' folders ($(wc -l <<<"$before"))" test "$(wc -l <<<"$before")" -ge 4
answers="$work/answers.conf"
cp "$lab/run/answers.conf" "$answers"
[ -n "$shots" ] && mkdir -p "$shots" && rm -f "$shots"/*.png

# shellcheck disable=SC2119 # a plain shell: no extra environment
start
run_line "$ms --wizard --answers $answers"
expect "the wizard opens on the source: sendmail with mbox" "sendmail-mbox" 10
snap interview-source
send NPage; wait_for "2/4 Target" 5
expect "the target: $tstack" "$tstack" 3
snap interview-target
send NPage; wait_for "3/4 Options" 5
send NPage; wait_for "4/4 Save" 5
send Enter
expect "the plan of the pair: $steps steps" "The plan: $steps steps" 15
check "... with \"$mid\" in the downtime window" \
  bash -c "T() { tmux -L '$sock' -f /dev/null \"\$@\"; }; T capture-pane -t w -p | grep -qF \"$mid\""
snap plan
send s
expect "the first step asks before it runs" "Step 1 of $steps: Pre-flight checks" 20
check "the run goes through pre-flight" drive "Step 2 of $steps" 120
check "the run reaches \"$mid\"" drive "Step $at of $steps" 600
snap "$([ -n "$domain" ] && echo import || echo convert)"
check "... and runs to the end" drive "The migration is done" 600
snap report
quit_wizard
rc=$(exit_status)
check "the wizard exits 0 after a finished migration ($rc)" test "$rc" = "rc=0"
check "the journal says done" grep -q $'^finish\t[0-9.]*\tdone$' "$work/mailshift.journal"
check "the runbook it wrote passes shellcheck" shellcheck "$work/mailshift-runbook.sh"
after=$(folders target "$domain")
check "each user's folders on the target's Dovecot are the source's: messages, unseen, UIDVALIDITY" \
  test "$after" = "$before"
[ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | head -n 10 | sed 's/^/     /'
if [ -z "$domain" ]; then
  check "... as Maildir in $first's home" \
    test "$("$lab/ssh" target "doveadm mailbox path -u '$first' -t mailbox INBOX" </dev/null)" = "/home/$first/Maildir"
else
  check "... as Maildir in iRedMail's store, the mailbox of $first@$domain" \
    bash -c "'$lab/ssh' target \"doveadm mailbox path -u '$first@$domain' -t mailbox INBOX\" </dev/null | grep -q '^/var/vmail/vmail1/$domain/.*/Maildir'"
fi
tui_end
