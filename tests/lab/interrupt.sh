#!/usr/bin/env bash
# kill -9 at every action boundary of one full lab migration, and in the
# middle of the bulk copy and of the final copy, and the bulk copy's SSH
# connection to the source dropped: the same command resumes
# each time, and the migration completes with verify passed on the census
# (the source's census equals the target's: nothing lost, nothing twice).
#
# Each run kills itself right after the first action past the resume point
# is recorded (MAILSHIFT_TEST_KILL_NEXT, core/runner.c), so the next run
# resumes one action further, until a run ends by itself.  The run that
# reaches a copy is first killed from outside while its rsync runs (a big
# file makes the copy last): the next run finds that rsync still running on
# the target and waits for it, never runs beside it.
# Then the runbook those runs wrote, on the lab back at its seed: killed
# with -9 a few actions into each run and in the middle of both copies, run
# again each time with --from the step it was in; its own verify judges.
# Prints "interrupt: N passed, N failed".  Needs root.
set -uo pipefail
sc=${1:-iredmail-pgsql}
# shellcheck source=tests/lib/labtest.sh
. "$(dirname "$0")/../lib/labtest.sh"
labtest_start interrupt "$sc"
run="$work/run"
mkdir -p "$run"
answers="$lab/run/answers.conf"
u=$(grep -v '^#' "$lab/run/seed.txt" | head -n 1 | cut -f 1)
# big files, so that each copy lasts long enough to be killed in: one for
# the bulk copy, one more planted before the window (for the final copy)
big() { # NAME
  "$lab/ssh" source "d=\$(doveadm user -f home '$u')/Maildir/cur && head -c 300M /dev/zero > \"\$d/$1\" && chown vmail:vmail \"\$d/$1\"" </dev/null
}
big "1700000000.M1P1.mailshift-big1:2,S"
home=$("$lab/ssh" source "doveadm user -f home '$u'" </dev/null)
"$lab/verify" source > "$work/source.before" 2>&1

n=$("$top/mailshift" --answers "$answers" --dry-run --runbook "$work/plan.sh" 2>&1 | sed -n 's/.* steps, \([0-9]*\) actions$/\1/p')
runs=0 kills=0 midcopy=0 waited=0 rc=1 planted=0 dropped=0
: > "$run/out"; : > "$run/err"
while [ "$runs" -lt $((${n:-100} + 20)) ]; do
  mark=$(wc -l < "$run/out") emark=$(wc -l < "$run/err" 2>/dev/null || echo 0)
  (cd "$run" && exec env MAILSHIFT_TESTING=1 MAILSHIFT_TEST_KILL_NEXT=1 "$top/mailshift" --answers "$answers" --yes >> out 2>> err) &
  pid=$!
  # a copy starts in this run (one not killed in yet): once its rsync runs,
  # the bulk copy first loses its SSH connection to the source (the source's
  # rsync killed: a dropped network), then, in both copies, mailshift is
  # killed with -9
  dropping=
  while kill -0 "$pid" 2>/dev/null; do
    copy=$(tail -n +"$((mark + 1))" "$run/out" | sed -n 's/^-- \[target\] \(copies the mail store\|makes every storage root\).*/\1/p' | head -n 1)
    if [ -n "$copy" ] && [ -z "$dropping" ] && ! grep -qxF "$copy" "$work/killed-in" 2>/dev/null &&
       "$lab/ssh" target 'pgrep -x rsync' </dev/null >/dev/null 2>&1; then
      sleep 0.3
      if [ "$copy" = "copies the mail store" ] && [ "$dropped" = 0 ]; then
        # in the middle of the big file (rsync's temporary copy is there); the
        # source's end is the key's gate's rsync daemon
        if "$lab/ssh" target "ls -a '$home/Maildir/cur' 2>/dev/null | grep -q '^\.1700000000'" </dev/null; then
          "$lab/ssh" source "pkill -f 'rsync --server --daemon'" </dev/null
          dropping=1
        fi
        continue
      fi
      kill -KILL "$pid" 2>/dev/null && echo "$copy" >> "$work/killed-in"
      midcopy=$((midcopy + 1))
      break
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null; rc=$?
  runs=$((runs + 1))
  if [ -n "$dropping" ]; then
    dropped=1
    if [ "$rc" = 1 ] && tail -n +"$((emark + 1))" "$run/err" | grep -q 'step mailstore-bulk failed on the target' &&
       tail -n +"$((mark + 1))" "$run/out" | grep -q 'the SSH connection from the target to the source (.*) broke, or the source.s rsync was stopped. Nothing is lost'; then
      dropped=2
      continue
    fi
  fi
  if tail -n +"$((emark + 1))" "$run/err" | grep -q 'still running: pgid .*started'; then
    waited=$((waited + 1))
  fi
  # after the bulk copy, and before the window: the final copy's own big change
  if [ "$planted" = 0 ] && grep -q 'Stop the mail services' "$run/out"; then
    echo "FAIL the window opened before the final copy's big file was planted"; planted=2
  fi
  if [ "$planted" = 0 ] && [ "$(grep -c 'each storage root belongs to its owner on the source (vmail, mlmmj), by name$' "$run/out")" -ge 1 ]; then
    big "1700000001.M1P1.mailshift-big2:2,S"; planted=1
  fi
  case $rc in
    137) kills=$((kills + 1)) ;;
    *) break ;;
  esac
done 2>/dev/null  # bash's "Killed" notices
check "$sc: killed with -9 after each of the plan's $n actions and in both copies, the same command resumed each time and finished (exit $rc, $runs runs, $kills kills)" \
  bash -c "[ $rc = 0 ] && [ $kills -ge $((${n:-0} - 1)) ]"
[ "$rc" = 0 ] || tail -n 30 "$run/out" "$run/err" | sed 's/^/     /'
check "$sc: the bulk copy's SSH connection to the source dropped: the run stops naming the host and the cause, and resumes" \
  test "$dropped" = 2
check "$sc: killed in the middle of the bulk copy and of the final copy ($midcopy)" test "$midcopy" = 2
check "$sc: the final copy had its own big file to copy (planted after the bulk copy, before the window)" test "$planted" = 1
check "$sc: ... a rerun found the killed run's rsync still running on the target and waited for it ($waited)" \
  test "$waited" -ge 1
# (killed right after the last action, the next run finds nothing left)
check "$sc: the journal says done, nothing skipped" \
  bash -c "{ grep -q $'^finish\t[0-9.]*\tdone$' '$run/mailshift.journal' || tail -n 2 '$run/out' | grep -q 'says every step of this plan finished'; } && ! grep -q $'\tskipped' '$run/mailshift.journal'"
# the judge: the census of the source equals the target's
check "$sc: verify passed on the source's census: every account, folder and message is on the target, none twice" \
  grep -q "every account, folder and message of the source's census is on the target: " "$run/out"
"$top/mailshift" --report "$run/mailshift.journal" > "$run/report" 2>&1
check "$sc: the report's census figures are the same on both sides" \
  bash -c "grep -qE '^  accounts that differ +0 +0  same\$' '$run/report' && grep -qE '^  messages +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report'"
check "$sc: both big files are on the target, whole" \
  "$lab/ssh" target "d=\$(doveadm user -f home '$u')/Maildir/cur && [ \$(stat -c %s \"\$d/1700000000.M1P1.mailshift-big1:2,S\") = 314572800 ] && [ \$(stat -c %s \"\$d/1700000001.M1P1.mailshift-big2:2,S\") = 314572800 ]" </dev/null
left=$("$lab/ssh" target 'pgrep -x rsync' </dev/null | wc -l)
check "$sc: no rsync left running on the target ($left)" test "$left" = 0

# The same for the runbook those runs wrote, on the lab back at its seed:
# killed with -9 (its whole process group, the ssh clients with it) a few
# actions into each run, and in the middle of both copies, then run again
# with --from the step it was in, until it ends by itself.  Each run goes
# further into its step than the run before, or starts a later one.
rb="$run/mailshift-runbook.sh"
# (the run that found every step finished wrote it whole: the run before it
# was killed right after the last action, its runbook cut short)
check "$sc: the runbook those runs wrote is whole (bash -n, shellcheck)" bash -c "bash -n '$rb' && shellcheck '$rb'"
if ! "$lab/reset" > "$work/reset" 2>&1; then
  bad "$sc: lab/reset"; tail -n 20 "$work/reset" | sed 's/^/     /'; finish
fi
big "1700000000.M1P1.mailshift-big1:2,S"
"$lab/verify" source > "$work/source.replay" 2>&1
rbruns=0 rbkills=0 rbmid=0 rbwaited=0 rc=1 from='' last='' deep=0 planted=0
: > "$work/killed-in"
while [ "$rbruns" -lt 80 ]; do
  out="$work/rb.$rbruns"
  setsid bash "$rb" --yes ${from:+--from "$from"} > "$out" 2>&1 &
  pid=$!
  # a few actions further into the step than the last run got
  if [ "$from" = "$last" ]; then deep=$((deep + 4)); else deep=4; fi
  last=$from
  killed=
  while kill -0 "$pid" 2>/dev/null; do
    step=$(sed -n 's/^== step \([a-z-]*\):.*/\1/p' "$out" | tail -n 1)
    if [ -z "$killed" ] && case $step in mailstore-bulk|mailstore-final) true ;; *) false ;; esac &&
       ! grep -qxF "$step" "$work/killed-in" && "$lab/ssh" target 'pgrep -x rsync' </dev/null >/dev/null 2>&1; then
      sleep 0.3
      echo "$step" >> "$work/killed-in"; killed=mid; rbmid=$((rbmid + 1))
    elif [ -z "$killed" ] && [ "$planted" = 0 ] && [ "$step" = dkim ]; then
      killed=boundary planted=now   # the bulk copy is done, the window not open
    elif [ -z "$killed" ] && [ "$(awk -v s="$step" '$0 ~ "^== step " s ":" { n = 0; on = 1; next } on && /^\+ \[/ { n++ } END { print n + 0 }' "$out")" -ge "$deep" ]; then
      killed=boundary
    fi
    if [ -n "$killed" ]; then
      kill -KILL -- "-$pid" 2>/dev/null
      break
    fi
    sleep 0.1
  done
  wait "$pid" 2>/dev/null; rc=$?
  rbruns=$((rbruns + 1))
  grep -q 'a command of an earlier run still runs on' "$out" && rbwaited=$((rbwaited + 1))
  # the final copy's own big file, once the bulk copy is done
  if [ "$planted" = now ]; then big "1700000001.M1P1.mailshift-big2:2,S"; planted=1; fi
  [ -n "$killed" ] || break
  rbkills=$((rbkills + 1))
  from=$(sed -n 's/^== step \([a-z-]*\):.*/\1/p' "$out" | tail -n 1)
  [ -n "$from" ] || from=$last
done 2>/dev/null
cat "$work"/rb.* > "$work/rb.all" 2>/dev/null
check "$sc: the runbook, killed with -9 $rbkills times ($rbmid in the middle of a copy) and run again with --from the step it was in, finished (exit $rc, $rbruns runs)" \
  bash -c "[ $rc = 0 ] && [ $rbkills -ge 15 ] && [ $rbmid = 2 ]"
[ "$rc" = 0 ] || tail -n 30 "$work/rb.$((rbruns - 1))" | sed 's/^/     /'
check "$sc: ... a rerun found the killed runbook's command still running on the target and waited for it ($rbwaited)" \
  test "$rbwaited" -ge 1
check "$sc: ... and its verify passed on the source's census: every account, folder and message is on the target" \
  grep -q "every account, folder and message of the source's census is on the target: " "$work/rb.all"
check "$sc: ... the final copy had its own big file to copy (planted after the bulk copy, before the window)" test "$planted" = 1
check "$sc: ... both big files are on the target, whole" \
  "$lab/ssh" target "d=\$(doveadm user -f home '$u')/Maildir/cur && [ \$(stat -c %s \"\$d/1700000000.M1P1.mailshift-big1:2,S\") = 314572800 ] && [ \$(stat -c %s \"\$d/1700000001.M1P1.mailshift-big2:2,S\") = 314572800 ]" </dev/null
left=$("$lab/ssh" target 'pgrep -x rsync' </dev/null | wc -l)
check "$sc: ... no rsync left running on the target ($left)" test "$left" = 0
finish
