#!/usr/bin/env bash
# Runs each unit test binary, under valgrind unless MAILSHIFT_NO_VALGRIND is
# set (the asan build sets it).  Prints one line per binary and the totals.
set -uo pipefail
passed=0 failed=0
for t in "$@"; do
  log=$(mktemp)
  if [ -z "${MAILSHIFT_NO_VALGRIND:-}" ] && command -v valgrind >/dev/null; then
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
      --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "$t" >"$log" 2>&1
  else
    "$t" >"$log" 2>&1
  fi
  rc=$?
  if [ "$rc" = 0 ]; then
    passed=$((passed + 1)); echo "ok   $(basename "$t") $(grep -o '[0-9]* test(s) run' "$log" | head -n 1)"
  else
    failed=$((failed + 1)); echo "FAIL $(basename "$t") (exit $rc)"; sed 's/^/     /' "$log"
  fi
  rm -f "$log"
done
echo "unit: $passed passed, $failed failed"
[ "$failed" = 0 ]
