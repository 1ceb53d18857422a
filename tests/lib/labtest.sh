# The harness of a lab test tier (sourced; tests/lab/interrupt.sh,
# hostile.sh): labtest_start NAME SCENARIO defines ok, bad, check and
# finish (which prints "NAME: N passed, N failed" and exits), refuses to run
# without root, makes $work (removed with the lab at the end, unless KEEP=1
# keeps both for a look) and brings up the lab's SCENARIO.  Sets $top, $lab,
# $work, $passed and $failed.
# shellcheck shell=bash
# shellcheck disable=SC2034 # top lab work: the sourcing test's
labtest_start() {
  labtest_name=$1
  top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  lab="$top/lab"
  passed=0 failed=0
  [ "$(id -u)" = 0 ] || { echo "tests/lab/$labtest_name.sh: needs root"; bad "root"; finish; }
  work=$(mktemp -d "/tmp/mailshift-$labtest_name.XXXXXX")
  trap '"$lab/down" >/dev/null 2>&1; rm -rf "$work"' EXIT
  [ -z "${KEEP:-}" ] || trap - EXIT
  echo "=== $2"
  if ! "$lab/up" "$2" > "$work/up" 2>&1; then
    bad "$2: lab/up"; tail -n 20 "$work/up" | sed 's/^/     /'; finish
  fi
}
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
finish() { echo "$labtest_name: $passed passed, $failed failed"; [ "$failed" = 0 ]; exit; }
# labtest_no_hashes USERS DIR: a check that no shadow hash the source holds
# for USERS (space-separated) is in any file under DIR (mailshift's output,
# log, journal, runbook)
labtest_no_hashes() {
  local hashes h leak=0
  hashes=$("$lab/ssh" source "for u in $1; do getent shadow \"\$u\" | cut -d: -f2; done" </dev/null)
  while IFS= read -r h; do
    [ -n "$h" ] || continue
    grep -rqF -- "$h" "$2" && leak=1
  done <<<"$hashes"
  check "no password hash in mailshift's output, log, journal or runbook" test "$leak" = 0
}
# labtest_logins [SUFFIX]: how many of the lab's seeded users log in to the
# target over IMAP with their password, as USER SUFFIX (e.g. @lab.test);
# each that cannot is named.  The password goes through curl's
# configuration on stdin, not its command line.
labtest_logins() {
  local u pw n=0
  while IFS=$'\t' read -r u pw _; do
    [[ $u == \#* ]] && continue
    if printf 'user = "%s%s:%s"\n' "$u" "${1:-}" "$pw" | curl -s -K - --max-time 10 --cacert "$lab/run/target-cert.pem" \
        --resolve target.lab.test:993:10.200.0.3 imaps://target.lab.test/ > /dev/null; then n=$((n + 1))
    else echo "     $u${1:-} cannot log in" >&2; fi
  done < <(grep -v '^#' "$lab/run/seed.txt" | sort -u -k1,1)
  echo "$n"
}
