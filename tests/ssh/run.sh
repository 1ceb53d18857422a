#!/usr/bin/env bash
# The SSH transport against a real OpenSSH server on 127.0.0.1 (a private
# sshd with its own host key and authorized key, stopped on exit), run
# under valgrind; then mailshift itself over SSH.  Needs root (sshd).
set -uo pipefail
# shellcheck source=tests/lib/sshd.sh
. "$(dirname "$0")/../lib/sshd.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "tests/ssh: needs root to run sshd"; echo "ssh: 0 passed, 1 failed"; exit 1; }
[ -x /usr/sbin/sshd ] || { echo "tests/ssh: /usr/sbin/sshd is missing (apt-get install openssh-server)"; echo "ssh: 0 passed, 1 failed"; exit 1; }
d=$(mktemp -d /tmp/mailshift-ssh.XXXXXX)
chmod 0755 "$d"
pid=
# a user who logs in with a password (root keeps key-only logins)
pw_user=mailshift-sshtest
pw="planted-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null; userdel "$pw_user" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT
[ -z "${KEEP:-}" ] || trap - EXIT
ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$d/other_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$d/id"
ssh-keygen -q -t ed25519 -N '' -f "$d/other_id"
pp="pass-$RANDOM-$RANDOM"
ssh-keygen -q -t ed25519 -N "$pp" -f "$d/pp_id"
cat "$d/id.pub" "$d/pp_id.pub" > "$d/authorized_keys.root"  # root only: the password user has no key
id "$pw_user" >/dev/null 2>&1 || useradd -M -N -d /tmp -s /bin/bash "$pw_user"
printf '%s:%s\n' "$pw_user" "$pw" | chpasswd
sshd_start "$d" yes
key=$(cut -d ' ' -f 1-2 "$d/host_key.pub")
printf '[127.0.0.1]:%s %s\n[localhost]:%s %s\n' "$port" "$key" "$port" "$key" > "$d/known_hosts"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1-2 "$d/other_host_key.pub")" > "$d/wrong_known_hosts"
: > "$d/empty_known_hosts"
# a known key of another type only, hashed (Debian's default), as an attacker
# without the real key would meet it; and the real key, but revoked
ssh-keygen -q -t ecdsa -N '' -f "$d/ecdsa_host_key"
printf '[127.0.0.1]:%s %s\n' "$port" "$(cut -d ' ' -f 1-2 "$d/ecdsa_host_key.pub")" > "$d/othertype_known_hosts"
ssh-keygen -q -H -f "$d/othertype_known_hosts" 2>/dev/null; rm -f "$d/othertype_known_hosts.old"
{ cat "$d/known_hosts"; printf '@revoked [127.0.0.1]:%s %s\n' "$port" "$key"; } > "$d/revoked_known_hosts"
export SSH_PORT=$port SSH_KNOWN_HOSTS=$d/known_hosts SSH_WRONG_KNOWN_HOSTS=$d/wrong_known_hosts \
  SSH_EMPTY_KNOWN_HOSTS=$d/empty_known_hosts SSH_OTHERTYPE_KNOWN_HOSTS=$d/othertype_known_hosts \
  SSH_REVOKED_KNOWN_HOSTS=$d/revoked_known_hosts SSH_IDENTITY=$d/id SSH_OTHER_IDENTITY=$d/other_id \
  SSH_HOST_FP=$(ssh-keygen -lf "$d/host_key.pub" | cut -d ' ' -f 2) SSH_PW_USER=$pw_user SSH_PW=$pw \
  SSH_PP_IDENTITY=$d/pp_id SSH_PP=$pp
rm -f /tmp/mailshift-ssh-must-not-run

passed=0 failed=0
"$top/tests/unit/run.sh" "$top/build/tests/ssh_test" && passed=$((passed + 1)) || failed=$((failed + 1))
# 100 MB through one channel, memory measured (so not under valgrind)
if out=$("$top/build/tests/ssh_test" stream 2>&1); then
  passed=$((passed + 1)); echo "ok   $(grep '^stream:' <<<"$out")"
else
  failed=$((failed + 1)); echo "FAIL 100 MB stream"; sed 's/^/     /' <<<"$out"
fi

# mailshift over SSH, end to end: the plan's first check fails on a machine
# that is no iRedMail server, and the remote error reaches the admin.
check() { local name=$1; shift; if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi; }
answers() { # USER KNOWN_HOSTS [EXTRA-LINE] > FILE: both hosts are this machine's sshd
  sed -e "s|^host = mail-old.*|host = 127.0.0.1|; s|^host = mail-new.*|host = localhost|" \
      -e "s|^port = .*|port = $port|; s|^user = .*|user = $1|" \
      -e "s|^identity = .*|$([ "$1" = root ] && echo "identity = $d/id")|" \
      -e "s|^known_hosts = .*|known_hosts = $2${3:+\n$3}|" "$top/examples/iredmail-mariadb.conf"
}
# runs mailshift in $d/run (fresh), stdin from $d/stdin; sets rc
said() { cat "$d/run/out" "$d/run/err" | grep -q -- "$1"; }
ms() { rm -rf "$d/run"; mkdir "$d/run"; (cd "$d/run" && "$top/mailshift" "$@" <"$d/stdin" >out 2>err); rc=$?; }
: >"$d/stdin"
if [ -e /etc/iredmail-release ]; then
  echo "FAIL this machine has /etc/iredmail-release: not running the plan on it"; failed=$((failed + 1))
else
  answers root "$d/known_hosts" > "$d/a.conf"
  ms --answers ../a.conf --yes
  check "mailshift runs the plan over SSH and stops at the failed check" \
    eval '[ "$rc" = 1 ] && grep -q "source! head: cannot open" "$d/run/out" && grep -q "stopped: step preflight failed (exit 1)" "$d/run/err"'

  # nobody listens: one clear error, nothing ran
  sed "s|^port = $port|port = 1|" "$d/a.conf" > "$d/closed.conf"
  ms --answers ../closed.conf --yes
  check "an unreachable host: exit 1, one clear error, no action ran" \
    eval '[ "$rc" = 1 ] && said "cannot connect to 127.0.0.1 port 1: Connection refused" && ! grep -q "source[|!]" "$d/run/out"'

  # an unknown host key with --yes: refused, nothing runs; then recorded
  : > "$d/new_known_hosts"
  answers root "$d/new_known_hosts" > "$d/a.conf"
  ms --answers ../a.conf --yes
  check "unknown host key, headless: exit 1, one clear error, no action ran" \
    eval '[ "$rc" = 1 ] && said "unknown host key: the ED25519 key fingerprint is $SSH_HOST_FP" &&
          said "--accept-new-host-key" && ! grep -q "source[|!]" "$d/run/out" &&
          ! grep -qP "\tend\t.*\tok" "$d/run/mailshift.journal" && [ ! -s "$d/new_known_hosts" ]'
  ms --answers ../a.conf --yes --accept-new-host-key
  check "--accept-new-host-key records the key and the run goes on" \
    eval '[ "$rc" = 1 ] && grep -q "^\[127.0.0.1\]:$port ssh-ed25519 " "$d/new_known_hosts" &&
          grep -q "source! head: cannot open" "$d/run/out"'
  answers root "$d/wrong_known_hosts" > "$d/a.conf"
  ms --answers ../a.conf --yes --accept-new-host-key
  check "a changed host key is refused even with --accept-new-host-key" \
    eval '[ "$rc" = 1 ] && said "REMOTE HOST IDENTIFICATION HAS CHANGED" && ! grep -q "source[|!]" "$d/run/out"'

  # a password, planted in the answers or typed, appears nowhere
  printf '%s\n' "$pw" > "$d/pw"
  ps_watch() { # samples every process's arguments while mailshift runs
    while [ ! -e "$d/done" ]; do ps -eo args; done > "$d/ps.txt" 2>/dev/null
  }
  leaks() { # the password is in none of the files mailshift wrote, nor in ps
    ! grep -rqF -f "$d/pw" "$d/run" "$d/ps.txt"
  }
  answers "$pw_user" "$d/known_hosts" "password = $pw" > "$d/a.conf"
  chmod 600 "$d/a.conf"
  rm -f "$d/done"; ps_watch & watcher=$!
  ms --answers ../a.conf --yes; touch "$d/done"; wait "$watcher"
  check "password from the answers: logged in, and it is in no runbook, journal, log, output or ps" \
    eval '[ "$rc" = 1 ] && grep -q "mailshift runs its commands as root" "$d/run/out" && [ -s "$d/ps.txt" ] && leaks'
  answers "$pw_user" "$d/known_hosts" "password = wrong$pw" > "$d/a.conf"
  chmod 600 "$d/a.conf"
  ms --answers ../a.conf --yes
  check "a wrong password: exit 1, one clear error, no action ran" \
    eval '[ "$rc" = 1 ] && said "cannot log in: tried the answers. password (wrong password)" && ! grep -q "source[|!]" "$d/run/out"'
  answers "$pw_user" "$d/known_hosts" > "$d/a.conf"
  cp "$d/pw" "$d/stdin"
  rm -f "$d/done"; ps_watch & watcher=$!
  ms --answers ../a.conf --yes; touch "$d/done"; wait "$watcher"
  check "password typed at the prompt: logged in, and it is nowhere" \
    eval '[ "$rc" = 1 ] && grep -q "mailshift runs its commands as root" "$d/run/out" && grep -q "password: " "$d/run/err" && leaks'
fi
echo "ssh: $passed passed, $failed failed"
[ "$failed" = 0 ]
