#!/usr/bin/env bash
# bench/census/run.sh: a whole migration of an iRedMail source at the seed
# paper's scale, on the lab, and what it costs.  Figures, never a test.
#
#   ACCOUNTS=37350 CHANGED=1 bench/census/run.sh     (as root; brings up its own lab)
#
# 1. lab/up iredmail-mariadb, then bench/census/gen.py writes ACCOUNTS accounts
#    (DOMAINS domains, messages per account log-normal, SEED) straight into the
#    source's store and database, and the source's Dovecot indexes every one
#    once, as a live server's are;
# 2. mailshift --until mailstore-bulk (pre-flight with the discovery, the bulk copy);
# 3. CHANGED percent of the mailboxes change on the live source (a message
#    arrives; every fifth of them also loses one and flags another);
# 4. mailshift to the end: the downtime window and the time until the old
#    server relays, from the journal; discovery, census and comparison times
#    from what the steps print.
# The figures go to bench/census/results-ACCOUNTS.txt; bench/RESULTS.md quotes them.
# BENCH_KEEP=1 leaves the lab up at the end.
set -Eeuo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lab=$top/lab
ACCOUNTS=${ACCOUNTS:-37350} DOMAINS=${DOMAINS:-25} SEED=${SEED:-1} CHANGED=${CHANGED:-1}
[ "$(id -u)" = 0 ] || { echo "bench/census: needs root (the lab)" >&2; exit 1; }
[ -x "$top/mailshift" ] || { echo "bench/census: build mailshift first (make)" >&2; exit 1; }
out=$top/bench/census/results-$ACCOUNTS.txt
work=$(mktemp -d /tmp/mailshift-bench.XXXXXX)
# BENCH_KEEP=1 leaves the lab up afterwards (to look into a figure)
trap '[ -n "${BENCH_KEEP:-}" ] || "$lab/down" >/dev/null 2>&1; rm -rf "$work"' EXIT
say() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
t() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(t)" 'BEGIN { printf "%.1f", b - a }'; }

say "lab up"
"$lab/up" iredmail-mariadb > "$work/up" 2>&1 || { tail -n 20 "$work/up" >&2; exit 1; }
say "generating $ACCOUNTS accounts on the source"
s=$(t)
gen=$("$lab/ssh" source "python3 - --accounts $ACCOUNTS --domains $DOMAINS --seed $SEED --sql /root/bench.sql &&
  mysql vmail < /root/bench.sql && rm -f /root/bench.sql && chown -R vmail:vmail /var/vmail/vmail1" < "$top/bench/census/gen.py")
gen_s=$(since "$s")
say "$gen ($gen_s s); Dovecot indexes every account once"
s=$(t)
# shellcheck disable=SC2016 # expands on the source
"$lab/ssh" source 'cd /tmp && mysql -Nse "SELECT username FROM vmail.mailbox" > users &&
  split -n l/2 users part. && for f in part.*; do doveadm -f tab mailbox status -F "$f" messages "*" > /dev/null & done; wait' </dev/null
index_s=$(since "$s")
say "indexed in $index_s s"

run="$work/run"
mkdir -p "$run"
cd "$run"
s=$(t)
"$top/mailshift" --answers "$lab/run/answers.conf" --yes --until mailstore-bulk > out.bulk 2> err.bulk ||
  { tail -n 30 out.bulk err.bulk >&2; exit 1; }
bulk_run_s=$(since "$s")
say "pre-flight and the bulk copy: $bulk_run_s s"

# CHANGED percent of the mailboxes change while the source is live
s=$(t)
"$lab/ssh" source "awk -v p=$CHANGED 'NR % int(100 / p) == 1' /tmp/users > /tmp/changed
  n=0
  while read -r u; do
    n=\$((n + 1))
    printf 'From: <bench@example.org>\nTo: <%s>\nSubject: between the copies\n\nbench\n' \"\$u\" | doveadm save -u \"\$u\" -m INBOX
    if [ \$((n % 5)) = 0 ]; then
      doveadm expunge -u \"\$u\" mailbox INBOX uid 1 2>/dev/null || true
      doveadm flags add -u \"\$u\" '\\Flagged' mailbox INBOX uid 2 2>/dev/null || true
    fi
  done < /tmp/changed
  echo \"\$n mailboxes changed\"" </dev/null > "$work/changed"
say "$(cat "$work/changed") ($(since "$s") s)"

s=$(t)
"$top/mailshift" --answers "$lab/run/answers.conf" --yes > out 2> err || { tail -n 30 out err >&2; exit 1; }
rest_s=$(since "$s")
say "the rest of the migration: $rest_s s"

# From the journal: each step's time, the window, the time until the relay runs
jt() { # STEP: seconds of its last run
  awk -F '\t' -v id="$1" '$1 == "step" && $4 == id { s = $2 } $1 == "stepend" && $4 == id && s { d = $2 - s } END { printf "%.1f", d }' \
    mailshift.journal
}
window=$(awk -F '\t' '$1 == "step" && $4 == "stop-services" { s = $2 } $1 == "stepend" && $4 == "start-services" { e = $2 }
  END { printf "%.1f", e - s }' mailshift.journal)
relay=$(awk -F '\t' '$1 == "step" && $4 == "stop-services" { s = $2 } $1 == "stepend" && $4 == "relay" { e = $2 }
  END { printf "%.1f", e - s }' mailshift.journal)
disc_full=$(grep -h 'discovery took' out.bulk | head -n 1 | sed -n 's/.*took \([0-9.]*\) s.*/\1/p')
disc_delta=$(grep -h 'discovery took' out | tail -n 1 | sed -n 's/.*took \([0-9.]*\) s.*/\1/p')
census_src=$(grep -h 'source| taken in' out | tail -n 1 | sed -n 's/.*taken in \([0-9.]*\) s.*/\1/p')
census_dst=$(grep -h 'target| taken in' out | tail -n 1 | sed -n 's/.*taken in \([0-9.]*\) s.*/\1/p')
dovecot=$(grep -h "the target's Dovecot finds all" out | sed -n 's/.*unseen (\([0-9.]*\) s).*/\1/p')
msgs=$(grep -h 'source| census of the source:' out | tail -n 1 | sed 's/.*| //')
{
  echo "# bench/census: ACCOUNTS=$ACCOUNTS DOMAINS=$DOMAINS SEED=$SEED CHANGED=$CHANGED% ($(date -u +%Y-%m-%d))"
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB, $(uname -r); the lab's two hosts share them"
  echo "generated: $gen in $gen_s s; indexed by the source's Dovecot in $index_s s"
  echo "$msgs"
  echo "changed on the live source: $(cat "$work/changed")"
  echo
  echo "discovery (pre-flight, every account)   $disc_full s"
  echo "discovery again (census step, delta)    $disc_delta s"
  echo "census of the source                    $census_src s"
  echo "census of the target                    $census_dst s"
  echo "target's Dovecot vs the census (test)   $dovecot s"
  echo "downtime window                         $window s"
  echo "from the stop to the relay              $relay s"
  echo
  echo "step times (s):"
  for st in preflight mailstore-bulk stop-services census mailstore-final chown databases accounts verify start-services relay test; do
    printf '  %-16s %8s\n' "$st" "$(jt "$st")"
  done
} | tee "$out"
