#!/usr/bin/env bash
# Everything `make test` proves, tier by tier: unit tests (under valgrind),
# the headless CLI, the census and its comparison on real Maildirs, the wizard in tmux, the SSH transport against a real
# sshd (and the wizard over it), the lab (two
# real mail hosts: the lab's infrastructure and the non-iRedMail scenarios),
# migrations on the lab (on each iRedMail scenario's fresh lab the lab's own
# checks and the read-only database/LDAP probes through SSH tunnels, then
# mailshift over SSH, then the runbook replayed), one migration killed with
# -9 at every action boundary and resumed each time, and the wizard driven
# through a whole migration on the lab, and the system users step on a
# scratch root; the last six need root.  A tier
# that cannot run fails loudly: nothing is skipped in silence.
# MAILSHIFT_NO_LAB=1 leaves the root tiers out (`make check`, `make asan`),
# MAILSHIFT_NO_FUZZ=1 the fuzzing tier (they build no fuzzers).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
passed=0 failed=0 summary=()

# tier NAME COMMAND...: runs it, reads its "N passed, N failed" line.
tier() {
  local name=$1 out line p f rc t0=$SECONDS
  shift
  echo "=== $name"
  out=$(mktemp)
  "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
  rm -f "$out"
  if [[ $line =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
  else
    p=0 f=1
  fi
  [ "$rc" = 0 ] || [ "$f" -gt 0 ] || f=1
  passed=$((passed + p)) failed=$((failed + f))
  summary+=("$name: $p passed, $f failed ($((SECONDS - t0)) s)")
}

tier layers tests/layers.sh
units=()
for f in build/tests/test_*; do [ -x "$f" ] && units+=("$f"); done
[ ${#units[@]} -gt 0 ] || { echo "tests/run.sh: no unit test binaries in build/tests (run make test)" >&2; exit 1; }
tier unit tests/unit/run.sh "${units[@]}"
tier cli tests/cli/run.sh
tier census tests/census/run.sh
tier aliases tests/aliases/run.sh
# system users -> iRedMail: the fragments on private MariaDB, PostgreSQL and slapd
tier irm tests/irm/run.sh
tier tui tests/tui/run.sh
# every parser of untrusted text under libFuzzer, briefly (make fuzz: 10 min each)
[ -n "${MAILSHIFT_NO_FUZZ:-}" ] || tier fuzz tests/fuzz/run.sh "${MAILSHIFT_FUZZ_SECONDS:-15}"
if [ -z "${MAILSHIFT_NO_LAB:-}" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "tests/run.sh: the users, ssh, tui-ssh and lab tests need root (run make test as root, or make check for the rest)" >&2
    summary+=("users, ssh, tui-ssh, lab: cannot run without root")
    failed=$((failed + 1))
  else
    # the system users step's fragments on a scratch root (useradd --root)
    tier users tests/users/run.sh
    tier ssh tests/ssh/run.sh
    tier tui-ssh tests/tui/ssh.sh
    # the iRedMail scenarios' lab checks run inside migrate, on its labs
    tier lab tests/lab/run.sh postfix-dovecot sendmail-mbox
    # the system-user pairs end to end (-> postfix-dovecot), each runbook replayed
    tier system tests/lab/system.sh postfix-dovecot
    tier system-sendmail tests/lab/system.sh sendmail-mbox
    tier system-sendmail-same tests/lab/system.sh sendmail-sendmail
    # system users into iRedMail: the three backends across the two sources
    LAB_BACKEND=mariadb tier into-iredmail-sendmail tests/lab/into-iredmail.sh sendmail-iredmail
    LAB_BACKEND=pgsql tier into-iredmail-postfix tests/lab/into-iredmail.sh postfix-iredmail
    LAB_BACKEND=openldap tier into-iredmail-ldap tests/lab/into-iredmail.sh sendmail-iredmail
    tier migrate tests/lab/migrate.sh
    # kill -9 at every action boundary of one migration, and inside both copies
    tier interrupt tests/lab/interrupt.sh iredmail-pgsql
    # a compromised source: every plant stops the run cleanly, nothing planted runs
    tier hostile tests/lab/hostile.sh
    tier tui-lab tests/tui/lab.sh
    # a move across stacks in the wizard: sendmail with mbox to Postfix+Dovecot
    tier tui-system tests/tui/system.sh
    tier tui-into-iredmail tests/tui/system.sh sendmail-iredmail
  fi
fi

echo
printf '%s\n' "${summary[@]}"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
