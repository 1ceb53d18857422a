#!/usr/bin/env bash
# Benchmarks (never run by make test).  make bench builds and runs them.
#  - stream: output streaming throughput and memory of the local transport
#    (target: constant memory whatever the output size; >100 MiB/s).
#  - lab-up: how long lab/up takes for each scenario at the default size
#    (target: under 30 s); needs root and the lab's packages.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
for m in 16 256 1024; do "$top/build/bench/stream" "$m"; done
if [ "$(id -u)" = 0 ] && [ -x "$top/lab/up" ] && [ -z "${BENCH_NO_LAB:-}" ]; then
  for sc in ${BENCH_SCENARIOS:-iredmail-mariadb iredmail-pgsql iredmail-openldap postfix-dovecot sendmail-mbox}; do
    s=$(date +%s.%N)
    if "$top/lab/up" "$sc" >/dev/null 2>&1; then
      e=$(date +%s.%N)
      printf 'lab-up: %-18s %5.1f s\n' "$sc" "$(echo "$e - $s" | bc)"
    else
      printf 'lab-up: %-18s FAILED\n' "$sc"
    fi
    s=$(date +%s.%N); "$top/lab/down" >/dev/null 2>&1; e=$(date +%s.%N)
    printf 'lab-down: %-16s %5.1f s\n' "$sc" "$(echo "$e - $s" | bc)"
  done
fi
