#!/usr/bin/env bash
# The system-user stacks' steps built so far and in no pair table yet
# (issue 15: users, aliases), run for real on the postfix-dovecot lab
# through the one-off key's gate (build/tests/steps_test: the real session,
# runner and SSH transport; only the plan is made by hand):
#  - a uid the target already uses for another name stops the users step,
#    naming it, before anything is created;
#  - once it is gone, every seeded user is on the target with the source's
#    uid, gid and password hash (compared on the servers, never printed),
#    the source's aliases merged (the target's own kept, the map rebuilt),
#    and no hash in mailshift's log, journal or runbook;
#  - run again, nothing is created ("already there");
#  - the key is gone from the source at the end.
# Prints "blocks: N passed, N failed".  Needs root.
set -uo pipefail
sc=postfix-dovecot
# shellcheck source=tests/lib/labtest.sh
. "$(dirname "$0")/../lib/labtest.sh"
labtest_start blocks "$sc"
bin="$top/build/tests/steps_test"
[ -x "$bin" ] || { bad "no $bin (make build/tests/steps_test)"; finish; }
answers="$lab/run/answers.conf"
users=$(grep -v '^#' "$lab/run/seed.txt" | cut -f 1 | sed 's/@.*//' | sort -u)
first=$(head -n 1 <<<"$users")
check "the lab seeded several users to move ($(wc -w <<<"$users"))" test "$(wc -w <<<"$users")" -ge 2
uid=$("$lab/ssh" source "id -u '$first'" </dev/null)
n=0
steps() { # STEP...: one run in its own directory, output kept
  n=$((n + 1))
  mkdir -p "$work/$n"
  "$bin" "$answers" "$work/$n" "$@" > "$work/$n/out" 2>&1; rc=$?
}

# the conflict: the target's own user holds the source's first uid
"$lab/ssh" target "useradd -M -u '$uid' -s /usr/sbin/nologin squatter" </dev/null
steps migration-key users
check "a uid the target uses for another name stops the users step (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'conflict: .*$uid' '$work/$n/out' && grep -q 'nothing was created' '$work/$n/out'"
check "... and nothing was created" \
  bash -c "! '$lab/ssh' target 'getent passwd $first' </dev/null >/dev/null"
"$lab/ssh" target "userdel squatter" </dev/null

steps migration-key users aliases remove-key
check "users and aliases run through the gate (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/     /' "$work/$n/out" | tail -n 30
same=1
for u in $users; do
  # ids and the hash compared as digests: the hash itself is printed nowhere
  s=$("$lab/ssh" source "getent passwd '$u' | cut -d: -f1,3,4,6; getent shadow '$u' | cut -d: -f2 | sha256sum" </dev/null)
  t=$("$lab/ssh" target "getent passwd '$u' | cut -d: -f1,3,4,6; getent shadow '$u' | cut -d: -f2 | sha256sum" </dev/null)
  if [ -z "$s" ] || [ "$s" != "$t" ]; then same=0; echo "     $u differs"; fi
done
check "every seeded user is on the target with the source's uid, gid, home and hash" test "$same" = 1
list=$(tr '\n' ' ' <<<"$users")
hashes=$("$lab/ssh" source "for u in $list; do getent shadow \"\$u\" | cut -d: -f2; done" </dev/null)
check "each of them has a password hash on the source" \
  test "$(grep -c '^\$' <<<"$hashes")" = "$(wc -w <<<"$users")"
leak=0
while IFS= read -r h; do
  [ -n "$h" ] || continue
  grep -rqF -- "$h" "$work" && leak=1
done <<<"$hashes"
check "no password hash in mailshift's output, log, journal or runbook" test "$leak" = 0
check "the source's aliases are merged and the map rebuilt (postalias -q sales)" \
  bash -c "'$lab/ssh' target 'postalias -q sales /etc/aliases && postalias -q webmaster /etc/aliases && grep -q \"^postmaster:\" /etc/aliases' </dev/null >/dev/null"
check "the key is gone from the source" \
  bash -c "! '$lab/ssh' source 'grep -q mailshift-migration /root/.ssh/authorized_keys' </dev/null"

steps migration-key users aliases remove-key
check "run again: nothing is created (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'created 0 user(s), 0 group(s)' '$work/$n/out' && grep -q 'already merged' '$work/$n/out'"
finish
