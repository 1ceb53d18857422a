#!/usr/bin/env bash
# The headless CLI, as an admin uses it: the real binary, real files, real
# bash and shellcheck.  Prints "cli: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ms="$top/mailshift"
work=$(mktemp -d /tmp/mailshift-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
# check NAME CONDITION-COMMAND...
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }

cd "$work" || exit 1
export MAILSHIFT_TESTING=1  # lets --local run: it executes the plan on this machine

# --- help, version, usage errors -------------------------------------------
out=$("$ms" --help); rc=$?
check "help exits 0" test "$rc" = 0
check "help lists the exit codes" grep -q 'Exit status: 0 done, 1 a step failed, 2 bad usage or input, 3 refused' <<<"$out"
check "help lists --until" grep -q '^      --until STEP     stop cleanly after STEP' <<<"$out"
check "help lists --wizard" grep -q '^  -w, --wizard         the interactive wizard on this terminal' <<<"$out"
check "version" test "$("$ms" --version)" = "mailshift 0.1.0"
"$ms" --frobnicate >/dev/null 2>err; rc=$?
check "unknown option exits 2" test "$rc" = 2
check "unknown option is named" grep -q '^mailshift: unknown option --frobnicate' err
"$ms" --answers >/dev/null 2>err; rc=$?
check "missing value exits 2" test "$rc" = 2
check "missing value is named" grep -q '^mailshift: --answers needs a value' err
"$ms" >/dev/null 2>err; rc=$?
check "no arguments and no terminal exits 2 and says why" \
  bash -c "test $rc = 2 && grep -q '^mailshift: no answers file, and no terminal for the wizard: pass --answers FILE' err"
"$ms" --journal j </dev/null >/dev/null 2>err; rc=$?
check "options without --answers exit 2 and name both ways" \
  bash -c "test $rc = 2 && grep -q '^mailshift: no answers file: pass --answers FILE .*, or --wizard on a terminal' err"
"$ms" --wizard </dev/null >/dev/null 2>err; rc=$?
check "--wizard without a terminal exits 2" \
  bash -c "test $rc = 2 && grep -qx 'mailshift: the wizard needs a terminal (stdin and stdout)' err"
"$ms" --wizard --yes >/dev/null 2>err; rc=$?
check "--wizard with --yes is a usage error" bash -c "test $rc = 2 && grep -q '^mailshift: --wizard asks at each step' err"
"$ms" --wizard --answers /nonexistent.conf >/dev/null 2>err; rc=$?
check "--wizard with a missing answers file exits 2 before the terminal" \
  bash -c "test $rc = 2 && grep -qx 'mailshift: /nonexistent.conf: cannot read: No such file or directory' err"

# --- the three examples: dry run, shellcheck, replayed dry run ----------------
for b in mariadb pgsql openldap; do
  ex="$top/examples/iredmail-$b.conf"
  rm -f mailshift.journal mailshift.log
  "$ms" --answers "$ex" --dry-run --runbook "$work/rb-$b.sh" >"list-$b" 2>err; rc=$?
  check "$b: dry run exits 0" test "$rc" = 0
  check "$b: dry run is silent on stderr" test ! -s err
  check "$b: runbook is 0700" test "$(stat -c %a "rb-$b.sh")" = 700
  check "$b: dry run touches no journal or log" test ! -e mailshift.journal -a ! -e mailshift.log
  check "$b: shellcheck passes" shellcheck "rb-$b.sh"
  bash "rb-$b.sh" --dry-run >"replay-$b" 2>err; rc=$?
  check "$b: bash runbook --dry-run exits 0" test "$rc" = 0
  steps=$(sed -n 's/^ *[0-9]*\. \([a-z-]*\) .*/\1/p' "list-$b")
  check "$b: the plan has 20 steps" test "$(wc -l <<<"$steps")" = 20
  missing=0
  for s in $steps; do grep -q "^== step $s: " "replay-$b" || { missing=1; echo "     step $s not listed"; }; done
  check "$b: the replayed dry run lists every step" test "$missing" = 0
  check "$b: the replay prints commands" bash -c "grep -q '^  \\[target\\] ' replay-$b && grep -q 'rs=(rsync -aHAXs --safe-links --numeric-ids' replay-$b"
  check "$b: destructive actions are flagged" grep -q '^  DESTRUCTIVE: ' "replay-$b"
done
# (the accounts step's load: accounts-replace.sh; both runbooks hold
# irm-lib.sh, whose functions serve every backend)
grep -qF 'slapadd "${conf[@]}" -q -b "$suffix" -l "$f.import"' rb-openldap.sh &&
  ! grep -qF 'slapadd "${conf[@]}" -q -b "$suffix" -l "$f.import"' rb-mariadb.sh
check "openldap runbook loads LDAP, mariadb's does not" test $? = 0
check "pgsql runbook uses pg_dump" grep -q 'pg_dump --clean --if-exists' rb-pgsql.sh
bash rb-mariadb.sh --dry-run --only dkim >only 2>&1
check "runbook --only runs one step" test "$(grep -c '^== step' only)" = 1
bash rb-mariadb.sh --dry-run --from test >from 2>&1
check "runbook --from starts there" test "$(grep '^== step' from | tr '\n' ' ')" = "== step test: Test the new server == step cutover: Switch over: the DNS == step remove-key: Remove the one-off key == step decommission: What the old server still holds "
bash rb-mariadb.sh --dry-run --from census --until verify >until 2>&1
check "runbook --until stops after that step" test "$(grep -c '^== step' until)" = 6
check "runbook --until says where to resume" grep -q 'stopped after step verify (--until)' until
bash rb-mariadb.sh --from nosuch >/dev/null 2>&1; rc=$?
check "runbook rejects an unknown step" test "$rc" = 2

# --- wipe_source: typed-host confirmation, refused before anything runs -----------
wipe_conf() { sed '/^\[options\]/,$d' "$top/examples/iredmail-mariadb.conf"; printf '[options]\nwipe_source = yes\n%s' "${1:-}"; }
wipe_conf >wipe.conf
src=$(sed -n 's/^host *= *//p' wipe.conf | head -n 1)
rm -f wj
"$ms" --answers wipe.conf --journal wj --runbook wrb.sh >out 2>err; rc=$?
check "wipe without --yes: refused, exit 2, naming what it needs" \
  bash -c "test $rc = 2 && grep -q '^mailshift: refused: step decommission wipes the source, $src (wipe_source = yes): a headless run needs --yes and wipe_source_confirm = $src' err"
check "... and nothing ran: no journal, no runbook" test ! -e wj -a ! -e wrb.sh
"$ms" --answers wipe.conf --yes --journal wj --runbook wrb.sh >out 2>err; rc=$?
check "wipe with --yes but no typed host name: refused, exit 2" \
  bash -c "test $rc = 2 && grep -q 'needs --yes and wipe_source_confirm = $src in the answers' err && test ! -e wj"
wipe_conf "wipe_source_confirm = not-$src
" >wipe2.conf
"$ms" --answers wipe2.conf --yes --journal wj --runbook wrb.sh >out 2>err; rc=$?
check "wipe with --yes and another host name typed: refused, exit 2, naming both" \
  bash -c "test $rc = 2 && grep -q 'wipe_source_confirm = not-$src in the answers is not its host name; write wipe_source_confirm = $src' err && test ! -e wj"
"$ms" --answers wipe.conf --dry-run --runbook wplan.sh >out 2>err; rc=$?
check "wipe: a dry run is not refused, and lists decommission last" \
  bash -c "test $rc = 0 && grep -B1 '^mailshift: wrote the runbook' out | grep -qE '^ +[0-9]+\\. decommission '"
check "wipe: its runbook passes shellcheck" shellcheck wplan.sh
bash wplan.sh --dry-run >wreplay 2>&1
check "wipe: the runbook asks for the typed host name, not yes" \
  bash -c "grep -q '^  DESTRUCTIVE, confirmed by typing $src: wipes the old server' wreplay && grep -q '^  confirm_host $src ' wplan.sh"
wipe_conf "cutover = ip
" >wipe3.conf
"$ms" --answers wipe3.conf --dry-run --runbook wplan3.sh >out 2>err; rc=$?
check "wipe_source with cutover = ip is refused (exit 2)" \
  bash -c "test $rc = 2 && grep -q 'wipe_source: not with cutover = ip' err"

# --- malformed answers: one line naming file:line, exit 2, nothing runs -------
good_src=$'[source]\nstack = iredmail\nbackend = mariadb\nhost = a.example\n'
good_dst=$'[target]\nstack = iredmail\nbackend = mariadb\nhost = b.example\n'
printf '%s%s[options]\nvmail_dir = var/vmail\n' "$good_src" "$good_dst" > bad1.conf
printf '%scolour = blue\n%s' "$good_src" "$good_dst" > bad2.conf
printf '[source]\nstack = iredmail\n' > bad3.conf
printf '%s%s[weird]\n' "$good_src" "$good_dst" > bad4.conf
want1='mailshift: bad1.conf:10: vmail_dir: expected an absolute path, got "var/vmail"'
want2='mailshift: bad2.conf:5: unknown key "colour" in [source]'
want3='mailshift: bad3.conf:1: [source] is iredmail: it needs "backend = openldap | mariadb | mysql | pgsql"'
want4='mailshift: bad4.conf:9: unknown section [weird]: expected [source], [target] or [options]'
for i in 1 2 3 4; do
  rm -f rb.sh mailshift.journal mailshift.log
  "$ms" --answers "bad$i.conf" --local --yes --runbook rb.sh >out 2>err; rc=$?
  want=want$i
  check "malformed $i exits 2" test "$rc" = 2
  check "malformed $i: one line naming file:line" test "$(cat err)" = "${!want}"
  check "malformed $i: nothing written" test ! -e rb.sh -a ! -e mailshift.journal -a ! -e mailshift.log -a ! -s out
done
"$ms" --answers /nonexistent.conf --dry-run 2>err; rc=$?
check "missing answers file exits 2" bash -c "test $rc = 2 && grep -qx 'mailshift: /nonexistent.conf: cannot read: No such file or directory' err"

# --- pairs not built yet are refused, naming the pair ---------------------------
printf '[source]\nstack = postfix-dovecot\nhost = a\n[target]\nstack = sendmail-mbox\nhost = b\n' > pair.conf
"$ms" --answers pair.conf --dry-run 2>err; rc=$?
check "unbuilt pair exits 2" test "$rc" = 2
check "unbuilt pair is named" grep -q 'migrating postfix-dovecot to sendmail-mbox is not built yet' err

MAILSHIFT_TESTING= "$ms" --answers "$top/examples/iredmail-mariadb.conf" --local 2>err; rc=$?
check "--local needs MAILSHIFT_TESTING" bash -c "test $rc = 2 && grep -q 'needs MAILSHIFT_TESTING=1' err"
rm -f mailshift-plan.sh
"$ms" -q --answers "$top/examples/iredmail-pgsql.conf" --dry-run
check "a dry run writes mailshift-plan.sh by default" test -x mailshift-plan.sh -a ! -e mailshift-runbook.sh

# --- the template reads back -----------------------------------------------------
"$ms" --print-answers > template.conf
check "template is a valid answers file" "$ms" -q --answers template.conf --dry-run --runbook tpl.sh

# --- running: without SSH, --local; failure, journal, log, report, refusal ----
sed 's/^host = mail-old.*/host = 127.0.0.1/; s/^host = mail-new.*/host = 127.0.0.2/; s/^port = .*/port = 1/' \
  "$top/examples/iredmail-mariadb.conf" > closed.conf
"$ms" --answers closed.conf --yes --journal closed.journal >out 2>err; rc=$?
check "an unreachable host fails the step (exit 1)" test "$rc" = 1
check "and says why" grep -q 'cannot run on the source: cannot connect to 127.0.0.1 port 1: Connection refused' err
if [ -e /etc/iredmail-release ]; then
  bad "local run" "this machine has /etc/iredmail-release: refusing to run the plan on it"
else
  rm -f mailshift.journal mailshift.log mailshift-runbook.sh
  "$ms" --answers "$top/examples/iredmail-mariadb.conf" --local </dev/null >out 2>err; rc=$?
  check "EOF at the first question refuses (exit 3)" test "$rc" = 3
  check "refusal says where" grep -q 'stopped by the admin at step preflight' err
  check "refusal ran nothing" bash -c "! grep -q '^start' mailshift.journal"
  rm -f mailshift.journal
  printf 'y\na\n' | "$ms" --answers "$top/examples/iredmail-mariadb.conf" --local >out 2>err; rc=$?
  check "a failed step exits 1" test "$rc" = 1
  check "the failure names the step and how to resume" grep -q 'stopped: step preflight failed (exit 1). Fix the cause, then run the same command again' err
  check "the remote error reaches the admin" grep -q 'source! head: cannot open' out
  check "journal is 0600" test "$(stat -c %a mailshift.journal)" = 600
  check "log is 0600" test "$(stat -c %a mailshift.log)" = 600
  check "journal records the failure" grep -qP '^end\t[0-9.]+\t0\t0\tfailed\t1$' mailshift.journal
  check "log holds the exact command" grep -q 'cmd    source release=$(head -n 1 /etc/iredmail-release) || exit 1' mailshift.log
  check "runbook marks where the run stopped" grep -q '# the run stopped here: the action above failed (exit 1)' mailshift-runbook.sh
  check "the partial runbook passes shellcheck" shellcheck mailshift-runbook.sh
  "$ms" --report mailshift.journal >report; rc=$?
  check "report exits 0" test "$rc" = 0
  check "report lists the step" grep -qE '^preflight +0:00:0[0-9]  failed +live$' report
  check "report sums the downtime window" grep -qE '^downtime window +0:00:00  \(0 steps' report
  "$ms" --answers "$top/examples/iredmail-pgsql.conf" --local --yes >out 2>err; rc=$?
  check "a journal of another plan is refused" bash -c "test $rc = 2 && grep -q 'records a different plan' err"
  printf 'q\n' | "$ms" --answers "$top/examples/iredmail-pgsql.conf" --local --fresh >out 2>err; rc=$?
  check "--fresh starts this plan anyway" test "$rc" = 3
  "$ms" --report nosuch.journal 2>err; rc=$?
  check "report of a missing journal exits 2" bash -c "test $rc = 2 && grep -qx 'mailshift: nosuch.journal: no such journal' err"
  # one run at a time on a journal: another process holds it (flock, as a
  # running mailshift does), and this run is refused before it writes anything
  rm -f held.journal held.log held.sh; : > held.journal
  flock -o held.journal sleep 30 & holder=$!
  for _ in $(seq 1 50); do grep -q FLOCK /proc/locks && break; sleep 0.1; done
  "$ms" --answers "$top/examples/iredmail-mariadb.conf" --local --yes --journal held.journal --log held.log \
    --runbook held.sh >out 2>err; rc=$?
  check "a journal another run holds is refused (exit $rc), naming the process" \
    bash -c "test $rc = 2 && grep -qE '^mailshift: held.journal is in use by another run \(process [0-9]+\): wait for it to end' err"
  check "... before it wrote anything" bash -c "test ! -s held.journal && test ! -e held.log && test ! -e held.sh"
  pkill -P "$holder" sleep 2>/dev/null; wait "$holder" 2>/dev/null
fi

# --- --until: stop after a step (exit 0); the same command resumes after it ---
ex="$top/examples/iredmail-mariadb.conf"
u=(--answers "$ex" --local --journal u.journal --runbook u.sh --log u.log)
"$ms" "${u[@]}" --yes --until nosuch >out 2>err; rc=$?
check "--until an unknown step exits 2" test "$rc" = 2
check "--until an unknown step lists the plan's steps" \
  grep -qx 'mailshift: --until nosuch: no such step in this plan; its steps are: preflight migration-key .* cutover remove-key decommission' err
check "--until an unknown step writes nothing" test ! -e u.journal -a ! -e u.sh -a ! -e u.log -a ! -s out
"$ms" "${u[@]}" --yes --until census >out 2>err; rc=$?
check "--until a step inside the downtime window exits 2" test "$rc" = 2
check "--until inside the window says why and where to pause instead" \
  grep -qx 'mailshift: --until census: inside the downtime window: mail would stay stopped while the run waits; pause before the window (after config) or after it (start-services)' err
check "--until inside the window writes nothing" test ! -e u.journal -a ! -e u.sh -a ! -e u.log -a ! -s out
"$ms" --answers "$ex" --dry-run --until preflight --runbook u.sh >out 2>err; rc=$?
check "--until with --dry-run exits 2" test "$rc" = 2
check "--until with --dry-run says why" grep -q '^mailshift: --until stops a run after a step; a dry run runs nothing' err
check "--until with --dry-run writes nothing" test ! -e u.sh
if [ -e /etc/iredmail-release ]; then
  bad "--until runs" "this machine has /etc/iredmail-release: refusing to run the plan on it"
else
  # the admin skips the first two steps (nothing runs on this machine)
  printf 's\ns\n' | "$ms" "${u[@]}" --until migration-key >out 2>err; rc=$?
  check "--until exits 0" test "$rc" = 0
  check "--until says where it stopped and where the rerun resumes" grep -qx \
    'mailshift: stopped after step migration-key as asked (--until); the same command without --until resumes at step 3 (installer)' out
  check "--until: no later step began" bash -c "! grep -qP '^step\t[0-9.]+\t2\t' u.journal && ! grep -q '^== \[3/' out"
  check "--until: the journal records the pause" grep -qP '^finish\t[0-9.]+\tpaused$' u.journal
  check "--until: the runbook's closing note says so" grep -q '^# The run stopped after step migration-key as asked (--until)' u.sh
  check "--until: the runbook passes shellcheck" shellcheck u.sh
  bash u.sh --dry-run >replay 2>&1; rc=$?
  check "--until: the runbook replays" bash -c "test $rc = 0 && test \"\$(grep '^== step' replay | tr '\n' ' ')\" = '== step preflight: Pre-flight checks == step migration-key: Let the target reach the source with a one-off key '"
  "$ms" --report u.journal >report
  check "--until: the report says the run paused" grep -q '^last run           paused after step migration-key as asked (--until)' report
  # --yes resumes without asking, at the next step (here a read-only advisory check)
  "$ms" "${u[@]}" --yes --until installer >out 2>err; rc=$?
  check "--until rerun with --yes exits 0" test "$rc" = 0
  check "--yes resumes at the next step without asking" \
    grep -qx 'mailshift: u.journal shows an unfinished run. Resume at step installer, action 1 of [0-9]*? yes (--yes)' out
  check "the rerun began at the next step" \
    test "$(awk -F'\t' '$1 == "run" { n++ } n == 2 && $1 == "step" { print $4 }' u.journal)" = installer
  check "and stopped after it" grep -q '^mailshift: stopped after step installer as asked (--until); the same command without --until resumes at step 4 (roundcube)$' out
  lines=$(wc -l <u.journal)
  "$ms" "${u[@]}" --yes --until preflight >out 2>err; rc=$?
  check "--until a step that finished: exit 0" test "$rc" = 0
  check "--until a step that finished: says so, runs nothing" \
    bash -c "grep -q '^mailshift: step preflight finished in an earlier run' out && test \"\$(wc -l <u.journal)\" = $lines"
  # without --until: resumes at the next step; the admin quits there
  printf 'y\nq\n' | "$ms" "${u[@]}" >out 2>err; rc=$?
  check "without --until the same command resumes at the next step" \
    bash -c "test $rc = 3 && grep -q 'Resume at step roundcube, action 1 of' out && grep -q 'Run step roundcube?' out && ! grep -q 'Run step \(preflight\|migration-key\|installer\)?' out"
  # a checklist item left pending (written here by hand: no step of the plan has one yet) is
  # listed when any later run ends, and by the report
  fp=$(awk -F'\t' '$1 == "run" { print $3; exit }' u.journal)
  printf '# mailshift journal 1\nrun\t1.000\t%s\nend\t2.000\t0\t0\tpending\t0\tcutover\tpoint the MX at the new server\n' \
    "$fp" >c.journal
  printf 'y\nq\n' | "$ms" --answers "$ex" --local --journal c.journal --runbook c.sh --log c.log >out 2>err; rc=$?
  check "a pending checklist item counts as finished" bash -c "test $rc = 3 && grep -q 'Resume at step preflight, action 2 of' out"
  check "the end of a run lists the pending checklist items" bash -c \
    "grep -q 'mailshift: 1 checklist item(s) pending: the migration is not finished' out && grep -qx '  pending    cutover: point the MX at the new server' out"
  "$ms" --report c.journal >report
  check "the report lists the checklist" \
    bash -c "grep -A1 -x 'checklist' report | grep -qx '  pending    cutover: point the MX at the new server'"
fi

# --- --skip: an optional step left out of the plan ------------------------------
s=(--answers "$ex" --local --journal s.journal --runbook s.sh --log s.log)
"$ms" "${s[@]}" --yes --skip nosuch >out 2>err; rc=$?
check "--skip an unknown step exits 2 ($rc)" test "$rc" = 2
check "and names the steps that may be left out" \
  grep -qx 'mailshift: --skip nosuch: no such step in this plan; the steps this plan may leave out are: installer roundcube config' err
"$ms" "${s[@]}" --yes --skip verify >out 2>err; rc=$?
check "--skip a step the migration needs exits 2 ($rc)" \
  bash -c "[ $rc = 2 ] && grep -q '^mailshift: --skip verify: the migration needs this step;' err"
check "--skip refused writes nothing" test ! -e s.journal -a ! -e s.sh -a ! -e s.log
"$ms" --answers "$ex" --dry-run --skip roundcube --skip config --runbook s.sh >out 2>err; rc=$?
check "--skip roundcube --skip config with --dry-run exits 0 ($rc)" test "$rc" = 0
check "the dry run lists roundcube and config as left out" \
  bash -c "grep -qE '^   4\. roundcube +Upgrade Roundcube on the source  \[left out\]$' out && grep -q '^   7\. config .*\[left out\]$' out && ! grep -q 'installer.*left out' out"
# (each command is a here-document: a skipped one is commented out on every line)
check "the plan's runbook has the Roundcube upgrade as skipped, not to run" \
  bash -c "! grep -v '^ *#' s.sh | grep -q 'installto.sh' && grep -qx '  # echo y | ./bin/installto.sh /opt/www/roundcubemail' s.sh"
check "help lists --skip" bash -c "'$ms' --help | grep -q '^      --skip STEP      leave an optional step out'"

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
