#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS: runs each libFuzzer target of build/fuzz for
# SECONDS on its corpus (the seeds in tests/fuzz/corpus/NAME; what it finds
# goes to build/fuzz/corpus/NAME), and fails on any crash, leak or sanitizer
# report.  Prints each target's runs and coverage, then
# "fuzz: N passed, N failed".  make fuzz runs it (600 s each); the test
# tier briefly.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-600}
passed=0 failed=0
# the libraries' own leaks, each named there (libssh2's known_hosts check)
export LSAN_OPTIONS="suppressions=$top/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for bin in "$top"/build/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=${bin##*/fuzz_}
  seeds=$top/tests/fuzz/corpus/$name found=$top/build/fuzz/corpus/$name
  mkdir -p "$found" "$top/build/fuzz/crash"
  log=$top/build/fuzz/$name.log
  # one worker: the machine has two cores, and the lab may run beside it
  # (full stacks where a suppression must see the library's frame)
  asan=${ASAN_OPTIONS:-}
  [ "$name" != known_hosts ] || asan="fast_unwind_on_malloc=0${asan:+:$asan}"
  if ASAN_OPTIONS=$asan "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
       -artifact_prefix="$top/build/fuzz/crash/$name-" "$found" "$seeds" > "$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    echo "ok   $name: ${runs:-?} runs in $secs s, ${cov:-cov: ?}, 0 crashes"
    passed=$((passed + 1))
  else
    echo "FAIL $name: a crash or a sanitizer report (build/fuzz/crash/$name-*, $log):"
    grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -n 5 | sed 's/^/     /'
    failed=$((failed + 1))
  fi
done
[ $((passed + failed)) -gt 0 ] || { echo "tests/fuzz/run.sh: no targets in build/fuzz (make fuzz-build)"; failed=1; }
echo "fuzz: $passed passed, $failed failed"
[ "$failed" = 0 ]
