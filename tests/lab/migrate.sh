#!/usr/bin/env bash
# End to end, on the lab's two real hosts: for each iRedMail scenario,
# migrate with mailshift over SSH (--yes), check the target holds what the
# source held (IMAP logins with the seeded passwords see the seeded counts,
# mailboxes, database rows, LDAP entries, DKIM keys, owners) and that the
# one-off key is gone (authorized_keys as before, byte for byte), then reset
# the lab (same seed) and replay the runbook mailshift wrote, and check again.
# Prints "migrate: N passed, N failed".  Needs root.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lab="$top/lab"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(iredmail-mariadb iredmail-pgsql iredmail-openldap)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

if [ "$(id -u)" != 0 ]; then
  echo "tests/lab/migrate.sh: needs root"; echo "migrate: 0 passed, 1 failed"; exit 1
fi
work=$(mktemp -d /tmp/mailshift-migrate.XXXXXX)
trap '"$lab/down" >/dev/null 2>&1; rm -rf "$work"' EXIT

# What must be on the target after a migration: the source's inventory
# lines (messages and bytes per folder, rows, entries, keys), and every
# seeded user's IMAP count equal to the seed.
expect() { # SOURCE-INVENTORY > EXPECTED
  { grep -E '^(db |ldap |dkim |release )' "$1" | grep -Ev '^db (mysql|pgsql) [^ ]*(used_quota|last_login) '
    sed -n 's/^\(mailbox [^ ]* folder .* messages [0-9]* bytes [0-9]*\) flags.*/\1/p' "$1"
  } | LC_ALL=C sort
}

check_target() { # LABEL SOURCE-INVENTORY
  local label=$1 src=$2 tgt="$work/target.$1" missing
  "$lab/verify" target > "$tgt" 2>&1
  missing=$(LC_ALL=C comm -23 <(expect "$src") <(expect "$tgt"))
  if [ -z "$missing" ]; then ok "$label: the target holds every folder, row, entry and key of the source"
  else bad "$label: missing or different on the target:"; head -n 20 <<<"$missing" | sed 's/^/     /'; fi
  local want seen
  want=$(grep -v '^#' "$lab/run/seed.txt" | awk -F '\t' '{print "imap " $1 " " $4 " files=" $5 " imap=" $5}' | LC_ALL=C sort)
  seen=$(grep '^imap ' "$tgt" | LC_ALL=C sort)
  if [ "$want" = "$seen" ]; then ok "$label: every seeded user logs in over IMAP on the target and sees the seeded count"
  else bad "$label: IMAP on the target:"; diff <(echo "$want") <(echo "$seen") | head -n 20 | sed 's/^/     /'; fi
  check "$label: vmail owns the mailboxes (0700)" grep -qx 'path /var/vmail/vmail1 vmail:vmail 700 directory' "$tgt"
}

# root's authorized_keys on a host, byte for byte, after a line with its mode
# and owner (mailshift must leave the file as it found it).
keys_snapshot() { # HOST > FILE
  "$lab/ssh" "$1" 'stat -c "%a %U:%G" /root/.ssh/authorized_keys && cat /root/.ssh/authorized_keys' </dev/null
}

# After a migration: the one-off key is gone from both hosts, and nothing
# else in authorized_keys changed.
check_key_gone() { # LABEL SNAPSHOT-PREFIX
  local label=$1 before=$2 h left
  for h in source target; do
    keys_snapshot "$h" > "$before.$h.after" 2>&1
    check "$label: the $h's authorized_keys is as before the run (bytes, mode, owner)" \
      cmp -s "$before.$h" "$before.$h.after"
  done
  check "$label: no mailshift-migration line in the source's authorized_keys" \
    bash -c "! grep -q mailshift-migration '$before.source.after'"
  left=$("$lab/ssh" target 'ls -d /root/.ssh/mailshift-migration* /root/.ssh/mailshift-known_hosts* 2>/dev/null; true' </dev/null)
  check "$label: the target has no mailshift key or known_hosts left${left:+ ($(echo "$left" | tr '\n' ' '))}" \
    test -z "$left"
}

for sc in "${scenarios[@]}"; do
  echo "=== $sc"
  if ! "$lab/up" "$sc" > "$work/up.$sc" 2>&1; then
    bad "$sc: lab/up"; tail -n 20 "$work/up.$sc" | sed 's/^/     /'; continue
  fi
  "$lab/verify" source > "$work/source.$sc" 2>&1
  for h in source target; do keys_snapshot "$h" > "$work/keys.$sc.$h" 2>&1; done
  check "$sc: the source serves the seeded mail over IMAP" \
    bash -c "! grep -q 'imap=FAIL' '$work/source.$sc' && grep -q '^imap ' '$work/source.$sc'"
  run="$work/run.$sc"
  mkdir -p "$run"
  (cd "$run" && "$top/mailshift" --answers "$lab/run/answers.conf" --yes > out 2> err); rc=$?
  check "$sc: mailshift migrates over SSH (exit $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || { tail -n 30 "$run/out" "$run/err" | sed 's/^/     /'; }
  check "$sc: no step was skipped and the journal says done" grep -q $'^finish\t[0-9.]*\tdone$' "$run/mailshift.journal"
  check_target "$sc" "$work/source.$sc"
  check_key_gone "$sc" "$work/keys.$sc"
  check "$sc: the runbook passes shellcheck" shellcheck "$run/mailshift-runbook.sh"
  "$top/mailshift" --report "$run/mailshift.journal" > "$run/report"
  check "$sc: the report sums the downtime window" grep -qE '^downtime window +[0-9]+:[0-9]{2}:[0-9]{2}  \(7 steps' "$run/report"
  # pre-flight read both databases itself; verify compared the inventories
  check "$sc: pre-flight read each host's databases through its own connections" \
    bash -c "grep -q '^   source| [0-9]* mail accounts in [0-9]* domains' '$run/out' && grep -q '^   target| [0-9]* tables, ' '$run/out'"
  check "$sc: verify found source and target in agreement" grep -q 'local| source and target agree: ' "$run/out"
  # ... and finds a difference: a table only the target has
  if [ "$sc" = iredmail-pgsql ]; then
    extra="runuser -u postgres -- psql -X -q -d iredadmin -c 'CREATE TABLE mailshift_extra (x int)'"
  else
    extra="mysql -e 'CREATE TABLE iredadmin.mailshift_extra (x INT)'"
  fi
  "$lab/ssh" target "$extra" </dev/null >/dev/null 2>&1
  "$top/build/tests/probe_test" "$lab/run/answers.conf" compare > "$run/compare" 2>&1; rc=$?
  check "$sc: the comparison reports a table only the target has (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'differs: table iredadmin.*mailshift_extra.*only on the target' '$run/compare'"

  # the same migration again, from the runbook, on a fresh lab
  if ! "$lab/reset" > "$work/reset.$sc" 2>&1; then bad "$sc: lab/reset"; continue; fi
  "$lab/verify" source > "$work/source2.$sc" 2>&1
  for h in source target; do keys_snapshot "$h" > "$work/keys2.$sc.$h" 2>&1; done
  (cd "$run" && bash mailshift-runbook.sh --yes > replay.out 2>&1); rc=$?
  check "$sc: the runbook replays the migration (exit $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || tail -n 30 "$run/replay.out" | sed 's/^/     /'
  check_target "$sc replayed" "$work/source2.$sc"
  check_key_gone "$sc replayed" "$work/keys2.$sc"
  "$lab/down" > /dev/null 2>&1
done
echo "migrate: $passed passed, $failed failed"
[ "$failed" = 0 ]
