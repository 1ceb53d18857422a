#!/usr/bin/env bash
# The wizard against the lab's two real hosts, from the keyboard only (tmux
# send-keys, read back with capture-pane): the interview prefilled from the
# lab's answers, the plan, every step confirmed (DESTRUCTIVE ones by typing
# yes), the checklist (the first item done, the rest later), a resize to a
# too-small terminal and back in the middle of the run, a pause point set
# in the plan (p) before the downtime window, quitting, and a restart that
# resumes from the journal and finishes on the report.  Then the target must hold what the source held.
# The source's host key is left out of the known_hosts file the wizard is
# given: the first connection asks about it (its SHA256 fingerprint shown),
# and accepting records it.
#
# With SHOTS=DIR every screen is also captured (tmux capture-pane -e) and
# rendered to DIR/NN-name.png (screenshots/take.sh).
# Prints "tui-lab: N passed, N failed".  Needs root and the lab.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ms="$top/mailshift"
lab="$top/lab"
tier=tui-lab
# shellcheck source=tests/tui/lib.sh
. "$top/tests/tui/lib.sh"
# shellcheck source=tests/lab/compare.sh
. "$top/tests/lab/compare.sh"
scenario=${1:-iredmail-mariadb}
shots=${SHOTS:-}

if [ "$(id -u)" != 0 ]; then
  echo "FAIL tests/tui/lab.sh needs root (the lab)"; echo "$tier: 0 passed, 1 failed"; exit 1
fi
tui_setup || exit 1
tui_cleanup() { "$lab/down" >/dev/null 2>&1; }

# snap, drive, quit_wizard
# shellcheck source=tests/tui/drive.sh
. "$top/tests/tui/drive.sh"

# Through the interview (prefilled) to the plan, page by page, then save;
# with "snap", every page (and the help) is captured.
interview() { # [snap]
  local take=${1:-}
  expect "the wizard opens on the source, prefilled from the lab's answers" "1/4 Source" 10
  expect "the source's host is the lab's" "10.200.0.2" 2
  if [ -n "$take" ]; then snap interview-source; send F1; wait_for "iRedMail" 3; snap help; send Escape; fi
  send NPage; wait_for "2/4 Target" 5; [ -z "$take" ] || snap interview-target
  send NPage; wait_for "3/4 Options" 5; [ -z "$take" ] || snap interview-options
  send NPage; wait_for "4/4 Save" 5; [ -z "$take" ] || snap interview-save
  send Enter
  # the second time the file saved the first time is there: replace it
  if wait_for "Replace the file?" 2; then send r; fi
  expect "the plan for the lab's pair: 20 steps" "The plan: 20 steps" 15
}

echo "=== $scenario"
if ! "$lab/up" "$scenario" > "$work/up.log" 2>&1; then
  bad "lab/up $scenario" "$(tail -n 5 "$work/up.log")"; echo "$tier: $passed passed, $failed failed"; exit 1
fi
"$lab/verify" source > "$work/source.inv" 2>&1
answers="$work/answers.conf"
# 400 MB the bulk copy takes a few seconds over: its progress is on screen
# (a file outside the maildirs, as an admin's backup there: no message)
"$lab/ssh" source 'head -c 400M /dev/urandom > /var/vmail/vmail1/mailshift-lab-big.bin &&
  chown vmail:vmail /var/vmail/vmail1/mailshift-lab-big.bin' </dev/null
# the target's host keys only: the source's is asked about
src_ip=$(sed -n 's/^host *= *//p' "$lab/run/answers.conf" | head -n 1) # [source] comes first
grep -v -e "^$src_ip " -e '^source[, ]' "$lab/run/known_hosts" > "$work/known_hosts"
chmod 0600 "$work/known_hosts"
sed "s|^known_hosts = .*|known_hosts = $work/known_hosts|" "$lab/run/answers.conf" > "$answers"
[ -n "$shots" ] && mkdir -p "$shots" && rm -f "$shots"/*.png

# shellcheck disable=SC2119 # a plain shell: no extra environment
start
run_line "$ms --wizard --answers $answers"
interview snap
snap plan
# pause after the last live step (config), as an admin copies days ahead
for _ in 1 2 3 4 5 6; do send Down; done
send p
expect "p in the plan: the run will pause after config" "Pauses after config; starting again resumes at step stop-services"
send s
expect "the first step asks before it runs, with its commands" "Step 1 of 20: Pre-flight checks" 20
snap confirm-step
check "pre-flight runs against both hosts and reads their databases" \
  drive "Step 2 of 20" 120
snap run-log
check "after pre-flight, what it found on each server: the same release, the target's room" \
  bash -c 'grep -qE "iRedMail release +[0-9.]+ +[0-9.]+  same" <<<"$1" && grep -qE "room for the mail +- +[0-9.]+ [kMGT]?B" <<<"$1" && grep -qE "mailboxes \(accounts\) +[1-9][0-9]* +0" <<<"$1"' _ "$found_screen"
check "the source's unknown host key was asked about once ($hostkeys)" test "$hostkeys" = 1
fps=$(grep -e "^$src_ip " "$lab/run/known_hosts" | ssh-keygen -lf - 2>/dev/null | awk '{print $2}')
check "with one of the source's real SHA256 fingerprints" \
  bash -c 'for f in $1; do grep -qF -- "$f" <<<"$2" && exit 0; done; exit 1' _ "$fps" "$hostkey_screen"
check "accepted, the source's key is recorded in the answers' known_hosts" grep -q "^$src_ip " "$work/known_hosts"
check "the run reaches the bulk copy" drive "Step 5 of 20" 180
check "the run goes through the bulk copy" drive "Step 6 of 20" 300
check "the bulk copy showed its progress: a bar, percent, bytes, rate" \
  bash -c 'grep -qE "\[#*-*\] +([1-9]|[1-9][0-9])%  [0-9.]+ [MG]B  [0-9.]+ [kKMG]B/s" <<<"$1"' _ "$progress_screen"

# a resize in the middle of the run: too small, then whole again
T resize-window -t w -x 60 -y 20
expect "at 60x20 the wizard says the terminal is too small" "terminal too small" 10
snap too-small
T resize-window -t w -x 100 -y 30
expect "back at 100x30 the step's confirmation is whole again" "Step 6 of 20" 10
check "the resized screen has its frame and its key line" \
  bash -c "T() { tmux -L '$sock' -f /dev/null \"\$@\"; }; T capture-pane -t w -p | grep -q 'y run this step' && T capture-pane -t w -p | grep -q '^└'"

# the pause before the downtime window, quit, start again: it resumes
check "the run pauses after config, before the downtime window" drive "Paused after step config, as asked." 600
snap report-paused
expect "... and says the one-off key is still authorized on the source" "the one-off key is still authorized on the source" 5
quit_wizard
rc=$(exit_status)
check "the wizard quits with status 0 after a pause ($rc)" test "$rc" = "rc=0"
check "the journal records the pause" grep -q $'^finish\t[0-9.]*\tpaused$' "$work/mailshift.journal"

run_line "$ms --wizard --answers $answers"
interview
send s
expect "a restart offers to resume the unfinished run" "Resume the unfinished run?" 15
snap resume
send r
check "resumed, the migration runs to the end" drive "The migration is done" 900
snap report
expect "the report lists the checklist items left for later" "pending" 5
check "the journal says done" grep -q $'^finish\t[0-9.]*\tdone$' "$work/mailshift.journal"
check "the first checklist item was confirmed, the others are pending" \
  bash -c "'$ms' --report '$work/mailshift.journal' > '$work/report' && grep -qE '^ +confirmed +preflight: lower the TTL' '$work/report' && grep -qE '^ +pending +cutover: point the MX records' '$work/report'"
check "the resumed run did not start over (preflight ran once)" \
  test "$(grep -c $'^step\t[0-9.]*\t0\tpreflight' "$work/mailshift.journal")" = 1
quit_wizard
rc=$(exit_status)
check "the wizard exits 0 after a finished migration ($rc)" test "$rc" = "rc=0"
check "the runbook it wrote passes shellcheck" shellcheck "$work/mailshift-runbook.sh"

"$lab/verify" target > "$work/target.inv" 2>&1
missing=$(inv_missing "$work/source.inv" "$work/target.inv")
check "the target holds every folder, row, entry and key of the source${missing:+: $(head -n 3 <<<"$missing" | tr '\n' ' ')}" \
  test -z "$missing"
check "every seeded user sees on the target over IMAP what the source showed" imap_same "$work/source.inv" "$work/target.inv"

check "the installer's missing files were asked about (advisory: go on), once ($advisories)" test "$advisories" = 1
tui_end
