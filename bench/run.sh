#!/usr/bin/env bash
# Benchmarks (never run by make test).  make bench builds and runs them.
#  - stream: output streaming throughput and memory of the local transport, and
#    of the SSH transport to a private sshd on 127.0.0.1 (target: constant memory
#    whatever the output size; >100 MiB/s local, >30 MiB/s over SSH).
#  - lab-up: how long lab/up takes for each scenario at the default size
#    (target: under 30 s); needs root and the lab's packages.
#  - census: a whole migration of a source at the seed paper's scale (37,350
#    accounts; ACCOUNTS= to scale down): discovery, the census on each side,
#    the downtime window, the time until the old server relays
#    (bench/census/run.sh; 20 to 40 minutes; BENCH_NO_CENSUS=1 leaves it out).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
for m in 16 256 1024; do "$top/build/bench/stream" "$m"; done
# the same over SSH, to a private sshd on 127.0.0.1 (root only)
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ]; then
  d=$(mktemp -d /tmp/mailshift-bench.XXXXXX); port=$((20000 + RANDOM % 20000))
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"; ssh-keygen -q -t ed25519 -N '' -f "$d/id"
  cp "$d/id.pub" "$d/authorized_keys"; mkdir -p /run/sshd
  printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\nStrictModes no\nUsePAM no\n' \
    "$port" "$d/host_key" "$d/authorized_keys" "$d/pid" > "$d/sshd_config"
  /usr/sbin/sshd -f "$d/sshd_config" && sleep 0.5
  printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1-2 "$d/host_key.pub")" > "$d/known_hosts"
  for h in source target; do
    printf '[%s]\nstack = iredmail\nbackend = mariadb\nhost = %s\nport = %s\nidentity = %s\nknown_hosts = %s\n' \
      "$h" "$([ $h = source ] && echo 127.0.0.1 || echo localhost)" "$port" "$d/id" "$d/known_hosts"
  done > "$d/answers.conf"
  for m in 16 256 1024; do "$top/build/bench/stream" "$m" "$d/answers.conf"; done
  kill "$(cat "$d/pid")"; rm -rf "$d"
fi
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
if [ "$(id -u)" = 0 ] && [ -x "$top/lab/up" ] && [ -z "${BENCH_NO_LAB:-}" ] && [ -z "${BENCH_NO_CENSUS:-}" ]; then
  "$top/bench/census/run.sh"
fi
