#!/usr/bin/env bash
# The wizard as an admin uses it: the real binary in tmux (a private
# server, 100x30, LANG=C.UTF-8, TERM=tmux-256color), driven with send-keys
# and read back with capture-pane, waiting for text rather than sleeping.
# Nothing here needs the lab: the run uses --local (MAILSHIFT_TESTING=1) and
# fails at pre-flight on this machine, which has no /etc/iredmail-release.
# Prints "tui: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ms="$top/mailshift"
ex="$top/examples/iredmail-mariadb.conf"
tier=tui
. "$top/tests/tui/lib.sh"
tui_setup || exit 1
if [ -e /etc/iredmail-release ]; then
  echo "FAIL this machine has /etc/iredmail-release: refusing to run the plan on it with --local"
  echo "tui: 0 passed, 1 failed"
  exit 1
fi
cd "$work" || exit 1

# --- the interview: no arguments opens it; checks as you type; help; Esc ---------
start
run_line "$ms"
expect "no arguments on a terminal opens the wizard" "1/4 Source"
expect "the source page lists its keys" "known_hosts"
send Down Down
type_text "localhost"
send Tab
send BSpace BSpace; type_text "0"
expect "port 0 is refused as typed" 'port: expected a number 1-65535, got "0"'
send BSpace; type_text "2222"
expect_gone "a good port clears the message" 'port: expected a number'
send Down Down
type_text "$work/nokey"
expect "a missing identity file is refused" "identity: cannot read $work/nokey here: No such file or directory"
send F1
expect "F1 explains the field" "Help: [source] identity"
expect "in plain words, from the keys table" "private key file (default: ssh-agent)"
send Escape
expect_gone "Esc closes the help" "Help: [source] identity"
: >"$work/key"
send C-u; type_text "$work/key"
expect_gone "an identity file that exists is taken" "identity: cannot read"
send NPage
expect "Next goes to the target" "2/4 Target"
send NPage
expect "a target without a host stays" "host: needed"
send Escape
expect "Esc goes back a screen" "1/4 Source"
expect "what was typed is still there" "[localhost "
send NPage; wait_for "2/4 Target" 5
send Down Down; type_text "LOCALHOST"; send Down; send C-u; type_text "2222"
send NPage; wait_for "3/4 Options" 5
send Down; send C-u; type_text "lib/dkim"
expect "a relative path is refused" 'dkim_dir: expected an absolute path, got "lib/dkim"'
send C-u; type_text "/srv/dkim"
send NPage; wait_for "4/4 Save" 5
send C-u; type_text "$work/saved.conf"; send Enter
expect "the whole form is checked by the parser: the same host twice" \
  "[target] is the same host as [source] (LOCALHOST port 2222): expected two servers"
expect "and it shows where" "2/4 Target"
send C-u; type_text "127.0.0.2"
send NPage NPage; wait_for "4/4 Save" 5
send Enter
expect "saving shows the plan review" "The plan: 18 steps"
check "the answers file is mode 0600" test "$(stat -c %a saved.conf 2>/dev/null)" = 600
check "it holds what was typed" bash -c "grep -qx 'host = localhost' saved.conf && grep -qx 'host = 127.0.0.2' saved.conf \
  && grep -qx 'port = 2222' saved.conf && grep -qx 'dkim_dir = /srv/dkim' saved.conf && grep -qx 'identity = $work/key' saved.conf"
check "and no password" bash -c "! grep -q password saved.conf"
"$ms" --answers saved.conf --dry-run --runbook "$work/saved-plan.sh" >out 2>err; rc=$?
check "mailshift --answers saved.conf --dry-run accepts it" test "$rc" = 0 -a ! -s err
expect "the review lists the first step" "1 preflight"
expect "the one-off key's removal" "17 remove-key"
send End
expect "and the last (no installer, no Roundcube upgrade asked): what the old server holds" "18 decommission"
send Home
expect "downtime steps are marked" "stop-services    Stop the mail services (downtime starts)"
expect "the selected step's why" "Why: Pre-flight checks"
send Enter
expect "Enter lists the step's actions with their commands" "Step preflight: its"
expect "exactly as they run" "release=\$(head -n 1 /etc/iredmail-release) || exit 1"
send Escape
expect_gone "Esc closes them" "Step preflight: its"

# --- resize: too small, then whole again -----------------------------------------
T resize-window -t w -x 60 -y 20
expect "60x20 says the terminal is too small" "terminal too small (need 80x24, have 60x20)"
T resize-window -t w -x 100 -y 30
expect "back at 100x30 the screen is whole again: the title" "The plan: 18 steps"
expect "the status bar" "s start  Esc back  q quit"
check "and the frame's bottom line" bash -c "T() { tmux -L $sock -f /dev/null \"\$@\"; }; \
  T capture-pane -t w -p | sed -n 29p | grep -q '^└─*.*┘$'"
T resize-window -t w -x 80 -y 24
expect "80x24 is big enough" "The plan: 18 steps"
T resize-window -t w -x 100 -y 30

# --- q asks, then the terminal is the shell's again --------------------------------
check "the wizard runs on the alternate screen, in keypad mode, cursor hidden" \
  test "$(modes)" = "alt=1 cursor=0 keypad=1"
send q
expect "q asks before quitting" "Quit mailshift?"
send n
expect_gone "n stays" "Quit mailshift?"
send q; wait_for "Quit mailshift?" 5; send q
expect "quitting brings the shell prompt back" "mailshift: answers saved to $work/saved.conf"
check "exit status 0 when nothing ran" test "$(exit_status)" = rc=0
# shellcheck disable=SC2016 # the shell in tmux expands it
run_line 'case "$(stty -a)" in *" -icanon"*|*" -echo "*) echo tty=raw;; *) echo tty=sane;; esac'
expect "the terminal modes are restored (icanon, echo)" "tty=sane"
check "the screen, cursor and keypad too (rmcup, cnorm, rmkx)" test "$(modes)" = "alt=0 cursor=1 keypad=0"

# --- a run with --local: pre-flight fails here; retry, abort, the report ------------
start
run_line "clear; $ms --wizard --answers $ex --local --journal j1 --runbook rb1.sh --log l1"
to_plan "run" "$work/run.conf"
send s
expect "starting asks about the first step with its why" "Step 1 of 20: Pre-flight checks"
expect "and lists its actions" "[source] runs iRedMail with its backend, as root"
send y
expect "the failure dialog names the step and exit status" "Step preflight failed on the source (exit 1)"
expect "with the failing command" "release=\$(head -n 1 /etc/iredmail-release) || exit 1"
expect "and its last output" "source! head: cannot open '/etc/iredmail-release' for reading"
expect "it offers retry" "[ Retry ]"
expect "and abort" "[ Abort ]"
send r
check "retry runs the action again" wait_count 2 '^end\t[0-9.]+\t0\t0\tfailed\t1$' j1
expect "and it fails again" "Step preflight failed on the source (exit 1)"
send a
expect "abort shows the report" "The run failed at step preflight (exit 1)"
expect "the report names the journal, its whole path" "journal  $work/j1"
expect "the log" "log      $work/l1"
expect "the runbook" "runbook  $work/rb1.sh"
expect "and the per-step times from the journal" "preflight             0:00:0"
expect "and the downtime window" "downtime window"
send l
expect "l shows the run's log again" "source! head: cannot open"
send /; type_text "iredmail-release"; send Enter
expect "/ finds a line" "holds iredmail-release"
send Enter
expect "Enter goes back to the report" "How the run ended"
send q
expect "q leaves the report" "mailshift: stopped: step preflight failed (exit 1)"
check "exit status 1: a step failed" test "$(exit_status)" = rc=1
check "the journal records the failure, 0600" bash -c "grep -qP '^finish\t[0-9.]+\tfailed$' j1 && test \$(stat -c %a j1) = 600"
check "the log is 0600 and has the command" bash -c "test \$(stat -c %a l1) = 600 && grep -q 'cmd    source release=' l1"
check "the runbook passes shellcheck" shellcheck rb1.sh

# --- stopped in the middle, then started again: resume ------------------------------
rm -f j2
run_line "clear; $ms --wizard --answers $ex --local --journal j2 --runbook rb2.sh --log l2"
to_plan "resume" "$work/resume.conf"
send s
expect "resume: the first step's question" "Step 1 of 20"
send s
expect "skipping it goes to the next step" "Step 2 of 20: Let the target reach the source"
send q
expect "stopping there shows the report" "The run stopped at step migration-key, as you asked."
send q
check "exit status 3: stopped by the admin" test "$(exit_status)" = rc=3
run_line "clear; $ms --wizard --answers $ex --local --journal j2 --runbook rb2.sh --log l2"
to_plan "resume again" "$work/resume.conf" replace
send s
expect "starting again offers to resume from the journal" "Resume the unfinished run?"
expect "at the step where it stopped" "migration-key (Let the target reach the source"
send r
expect "resuming asks about that step, not the first" "Step 2 of 20"
expect "the skipped step is marked so" "│ – prefligh"
send q
expect "and stops again" "The run stopped at step migration-key"
send q
wait_for '$' 10

# --- estimates from an earlier run's journal; another plan's journal --------------
printf '# mailshift journal 1\nrun\t1000.000\tfp\nstep\t1000.000\t0\tpreflight\t-\nstepend\t1003.000\t0\tpreflight\tdone\n%s\n%s\n' \
  "$(printf 'step\t1003.000\t7\tstop-services\tdowntime')" "$(printf 'stepend\t1013.000\t7\tstop-services\tdone')" >rehearsal.journal
run_line "clear; $ms --wizard --answers $ex --local --journal rehearsal.journal --runbook rb3.sh --log l3"
to_plan "estimates" "$work/est.conf"
check "a step the rehearsal finished has its time" bash -c "T() { tmux -L $sock -f /dev/null \"\$@\"; }; \
  T capture-pane -t w -p | grep -q ' 1 preflight .* 0:00:03 live'"
expect "the downtime window is estimated" "downtime estimate 0:00:10 (8 steps), from rehearsal.journal"
send s
expect "another plan's journal is said so" "The journal is another plan's"
send c
expect_gone "cancel keeps the review" "The journal is another plan's"
send q; wait_for "Quit mailshift?" 5; send Enter
wait_for '$' 10

# --- Ctrl-C in the middle of a run: it stops, the files are closed, SIGINT again ----
run_line "clear; $ms --wizard --answers $ex --local --journal j4 --runbook rb4.sh --log l4"
to_plan "interrupted" "$work/int.conf"
send s
expect "interrupted: the run asks its first question" "Step 1 of 20"
send C-c
check "Ctrl-C during a run: the wizard ends with SIGINT" test "$(exit_status)" = rc=130
expect "and says where the run stopped" "mailshift: interrupted at step preflight"
check "the journal says how the run ended" grep -qP '^finish\t[0-9.]+\trefused$' j4
check "the runbook was closed (its step list written)" grep -q '^STEPS=(' rb4.sh
# shellcheck disable=SC2016 # the shell in tmux expands it
run_line 'case "$(stty -a)" in *" -icanon"*|*" -echo "*) echo tty=raw;; *) echo tty=sane;; esac'
expect "the terminal is sane after it" "tty=sane"
check "the screen, cursor and keypad too" test "$(modes)" = "alt=0 cursor=1 keypad=0"

# --- colours, NO_COLOR, ASCII without UTF-8; Ctrl-Z; Ctrl-C --------------------------
colours() { T capture-pane -t w -p -e | grep -cP '\e\[(3[0-7]|4[0-7]|9[0-7]|38;|48;)' ; }
run_line "clear; $ms --wizard"
wait_for "1/4 Source" 10
check "colours on a colour terminal" test "$(colours)" -gt 0
send F10; wait_for "Quit mailshift?" 5; send q; wait_for '$' 10
start NO_COLOR=1
run_line "$ms --wizard"
wait_for "1/4 Source" 10
check "no colour with NO_COLOR" test "$(colours)" = 0
send F10; wait_for "Quit mailshift?" 5; send q; wait_for '$' 10
start LANG=C
run_line "$ms --wizard"
expect "ASCII lines when the locale is not UTF-8" "+- The source: the server you move from ---"
send C-z
expect "Ctrl-Z gives the shell back" "Stopped"
check "with the shell's screen, cursor and keypad" test "$(modes)" = "alt=0 cursor=1 keypad=0"
run_line "fg"
expect "fg brings the wizard back whole" "1/4 Source"
check "on the alternate screen again, in keypad mode" bash -c "test \"\$(tmux -L $sock -f /dev/null display -p -t w \
  '#{alternate_on} #{keypad_flag}')\" = '1 1'"
send C-c
check "Ctrl-C ends it with SIGINT, the terminal restored" test "$(exit_status)" = rc=130
# shellcheck disable=SC2016 # the shell in tmux expands it
run_line 'case "$(stty -a)" in *" -icanon"*|*" -echo "*) echo tty=raw;; *) echo tty=sane;; esac'
expect "and its modes sane" "tty=sane"
check "the screen, cursor and keypad too, after Ctrl-C" test "$(modes)" = "alt=0 cursor=1 keypad=0"

# --- F1 (or ?) explains the field in plain words; at 80x24 the help scrolls ----------
start
run_line "clear; $ms --wizard"
expect "help: the wizard opens on the source" "1/4 Source"
send '?'
expect "? on a choice opens its help" "Help: [source] stack"
expect "which says in plain words what mailshift can move" "plans for iRedMail to iRedMail (same"
# shellcheck disable=SC2016 # backquotes: the help's own text
expect "and where to look on the server" '/etc/iredmail-release` on the server then shows'
send Escape
expect_gone "Esc closes it" "Help: [source] stack"
send Down Down Down Down Down Down
send F1
expect "F1 on known_hosts" "Help: [source] known_hosts"
# shellcheck disable=SC2016 # backquotes: the help's own text
expect "says what to do when a server was reinstalled" '`ssh-keygen -R HOST`'
expect "with the one-line help too" "host keys are checked here (default ~/.ssh/known_hosts)"
send Escape; wait_gone "Help: [source] known_hosts" 5
send Up Up Up Up; type_text "a.example.org"
send NPage; wait_for "2/4 Target" 5
send Down Down; type_text "b.example.org"
send NPage
expect "help: on to the options" "3/4 Options"
send Down Down Down Down Down Down Down Down
send F1
expect "F1 on two_phase_sync" "Help: [options] two_phase_sync"
expect "explains what no costs" "mail is down for as long as the whole copy"
send Escape; wait_gone "Help: [options] two_phase_sync" 5
T resize-window -t w -x 80 -y 24
send Up Up Up
send F1
expect "at 80x24 the longest help opens" "Help: [options] carry_config"
expect "and says there is more" "more below: PgDn"
check "its end is not shown yet" bash -c "! { tmux -L $sock -f /dev/null capture-pane -t w -p | grep -qF 'Esc goes back a page'; }"
check "the dialog fits: its buttons are on the screen" bash -c "tmux -L $sock -f /dev/null capture-pane -t w -p | grep -qF '[ OK ]'"
send NPage
expect "PgDn scrolls to the end" "Esc goes back a page"
expect "and says there is more above" "more above: PgUp"
send Escape; wait_gone "Help: [options] carry_config" 5
T resize-window -t w -x 100 -y 30
send F10; wait_for "Quit mailshift?" 5; send q; wait_for '$' 10

# --- a copy's progress (rsync --info=progress2): in place, never in the log ----------
# A `head` first in PATH stands in for rsync in pre-flight's first action
# (`release=$(head -n 1 /etc/iredmail-release)`): on stderr it writes
# progress2 pieces as rsync does ("\rPIECE" again and again), waits for
# $work/go, ends with rsync's last figures and a newline, then runs head.
mkdir -p fake
cat >fake/head <<EOF
#!/usr/bin/env bash
printf '\r  1,100,000  40%%   12.34MB/s    0:00:14 (xfr#2, to-chk=11/100)\r  1,234,567  45%%   12.34MB/s    0:00:12 (xfr#3, to-chk=10/100)' >&2
for _ in \$(seq 400); do [ -e "$work/go" ] && break; sleep 0.05; done
printf '\r  1,300,000  47%%   12.34MB/s    0:00:11  \r  1,400,000 100%%   12.34MB/s    0:00:13 (xfr#9, to-chk=0/100)\n' >&2
exec $(command -v head) "\$@"
EOF
chmod +x fake/head
rm -f go
start
run_line "clear; PATH=$work/fake:\$PATH $ms --wizard --answers $ex --local --journal j5 --runbook rb5.sh --log l5"
to_plan "progress" "$work/progress.conf"
send s; wait_for "Step 1 of 20" 10; send y
expect "the wizard shows the copy's progress as a bar with its figures" \
  "45%  1.2 MB  12.3 MB/s  ETA ~0:00:14  10/100 files left"
expect "the bar is 45% full" "[######--------]"
check "the progress is not in the log" bash -c "! grep -q '45%' l5"
: >go
expect_gone "the progress goes when the action ends" "10/100 files left"
expect "the last figures are a line of the log pane" "source!   1,400,000 100%"
send a
expect "progress: abort shows the report" "The run failed at step preflight"
send q; wait_for '$' 10
check "the log has the last figures, never a progress piece" \
  bash -c "grep -q ' 1,400,000 100% ' l5 && ! grep -q '40%\|45%\|47%' l5"
rm -f go
run_line "clear; PATH=$work/fake:\$PATH $ms --answers $ex --local --yes --journal j6 --runbook rb6.sh --log l6"
expect "the console shows the progress in place on a terminal" \
  "   source| 1,234,567  45%   12.34MB/s    0:00:12 (xfr#3, to-chk=10/100)"
: >go
expect "then the last figures as a line" "   source!   1,400,000 100%   12.34MB/s"
expect_gone "in the progress line's place" "1,234,567  45%"
check "progress: the headless run fails at pre-flight here" test "$(exit_status)" = rc=1
check "the console's log has no progress piece" bash -c "grep -q ' 1,400,000 100% ' l6 && ! grep -q '40%\|45%\|47%' l6"
PATH="$work/fake:$PATH" MAILSHIFT_TESTING=1 "$ms" --answers "$ex" --local --yes --journal j7 --runbook rb7.sh --log l7 >out7 2>err7
check "not on a terminal, progress is dropped" \
  bash -c "grep -q ' 1,400,000 100% ' out7 && ! grep -q '40%\|45%\|47%' out7 err7 l7"

# --- a long action without output: a turning mark, what runs, for how long ------
mkdir -p slow
cat >slow/head <<EOF
#!/usr/bin/env bash
for _ in \$(seq 400); do [ -e "$work/go" ] && break; sleep 0.05; done
exec $(command -v head) "\$@"
EOF
chmod +x slow/head
rm -f go
start
run_line "clear; PATH=$work/slow:\$PATH $ms --wizard --answers $ex --local --journal j8 --runbook rb8.sh --log l8"
to_plan "activity" "$work/activity.conf"
send s; wait_for "Step 1 of 20" 10; send y
expect "a silent action shows what runs" "[source] runs iRedMail with its backend, as root, bash, systemd  0:0"
a1=$(screen | grep -o '[^ ] \[source\] runs iRedMail' | head -n 1)
sleep 1.2
a2=$(screen | grep -o '[^ ] \[source\] runs iRedMail' | head -n 1)
check "with a mark that turns ($a1 / $a2)" bash -c '[ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]' _ "$a1" "$a2"
expect "and the time it has run" "bash, systemd  0:02"
check "the activity line is not in the log" bash -c "! grep -q '0:0[0-9]\$' l8"
: >go
expect "the action over, the next question is asked" "Step preflight failed"
expect_gone "and the activity line is gone" "root; bash  0:0"
send a
expect "activity: abort shows the report" "The run failed at step preflight"
send q; wait_for '$' 10

# --- a pause point: --until, or p on a step of the plan ---------------------------
start
run_line "clear; $ms --wizard --answers $ex --local --until nosuch --journal j9 --runbook rb9.sh --log l9"
to_plan "until" "$work/until.conf"
expect "--until naming no step of the plan says so" "--until names a step this plan does not have"
send Enter
check "and no step is marked to pause" bash -c "! { T() { tmux -L $sock -f /dev/null \"\$@\"; }; T capture-pane -t w -p; } | grep -q ', pause'"
send q; wait_for "Quit mailshift?" 5; send q; wait_for '$' 10
run_line "clear; $ms --wizard --answers $ex --local --until installer --journal j9 --runbook rb9.sh --log l9"
to_plan "until" "$work/until.conf" replace
screen_has() { screen | grep -qE -- "$1"; }
check "--until installer marks that step to pause after" screen_has '^│ +3 installer .* live, pause +│' 
send Down; send Down; send Down; send p
expect "p on another step moves the pause there" "Pauses after roundcube"
check "the roundcube row is marked" screen_has '^│ +4 roundcube .* live, pause +│' 
check "only one step pauses" test "$(screen | grep -c ', pause')" = 1
send p
expect_gone "p again: no pause" ", pause"
send End; send p
expect "the last step cannot pause" "is the last: the run ends there anyway"
send Home; for _ in 1 2 3 4 5 6 7; do send Down; done; send p
expect "nor a step inside the downtime window (stop-services)" "Not inside the downtime window"
check "no step is marked to pause then" bash -c "! { tmux -L $sock -f /dev/null capture-pane -t w -p; } | grep -q ', pause'"
send q; wait_for "Quit mailshift?" 5; send q; wait_for '$' 10
"$ms" --wizard --yes </dev/null >out10 2>err10; rc=$?
check "--wizard still refuses --yes (exit $rc)" bash -c "[ $rc = 2 ] && grep -q 'it takes no --yes, --dry-run, --quiet or --verbose' err10"

# --- optional steps left out: x in the plan, or --skip ------------------------------
start
run_line "clear; $ms --wizard --answers $ex --local --skip roundcube --skip verify --journal j11 --runbook rb11.sh --log l11"
to_plan "skip" "$work/skip.conf"
expect "--skip a step the migration needs says why, as the CLI does" \
  "--skip verify: the migration needs this step; the steps this plan may"
check "and names the steps that may be left out" screen_has 'leave out are: installer roundcube config\. Optional'
send Enter
check "--skip roundcube marks it left out in the plan" screen_has '^│ +4 roundcube .* live, left out +│'
send Down; send Down; send x
expect "x on the installer check leaves it out too" "Step installer is left out"
check "the installer row is marked" screen_has '^│ +3 installer .* live, left out +│'
send x
expect "x again puts it back" "Step installer is back in the plan"
send Home; send x
expect "the migration's own steps cannot be left out" "The migration needs step preflight"
send q; wait_for "Quit mailshift?" 5; send q; wait_for '$' 10

# --- wipe_source: the wipe asks for the old server's host name typed -----------------
# (backup_dir is a scratch folder: even a wipe typed through would find no
# verified census there and refuse; this test never types the name)
sed "s|^backup_dir = .*|backup_dir = $work/wipe-b|" "$ex" >wipe-in.conf
echo "wipe_source = yes" >>wipe-in.conf
src=$(sed -n 's/^host *= *//p' wipe-in.conf | head -n 1)
start
run_line "clear; $ms --wizard --answers $work/wipe-in.conf --local --journal jw --runbook rbw.sh --log lw"
to_plan "wipe" "$work/wipe.conf"
send s
for k in $(seq 1 19); do wait_for "Step $k of 20" 10 || break; send s; done
expect "wipe: the last step is decommission" "Step 20 of 20: What the old server still holds"
send y
expect "wipe: the wipe asks for the host name, not yes" "type the host name"
expect "wipe: naming the old server" "as the answers say it: $src"
type_text "yes"; send Enter
expect "wipe: yes is not the host name: refused in the dialog" "That is not $src: type the source's host name exactly"
check "wipe: and the wipe never ran (its first check would be in the log)" \
  bash -c "grep -q 'read-only: nothing is changed' lw && ! grep -q 'the verify step has not passed' lw && ! grep -q 'wiped ' lw"
send Tab; send q
expect "wipe: stopping there shows the report" "The run stopped at step decommission"
send q
check "wipe: exit status 3, refused" test "$(exit_status)" = rc=3
check "wipe: the listing ran, read-only" grep -q 'what still holds data and secrets on this server (read-only' lw

tui_end
