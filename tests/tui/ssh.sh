#!/usr/bin/env bash
# The wizard against a real SSH server, in tmux: a private sshd on
# 127.0.0.1 (its own host key and authorized keys, stopped on exit; no user
# is created, nothing of the lab is used).  An unknown host key is asked in
# a dialog with its SHA256 fingerprint: refused, nothing runs and nothing is
# recorded; accepted, it is recorded.  The identity's passphrase is asked in
# a secret dialog, shown as stars, and is in no file afterwards.  The plan's
# first check fails on this machine (no /etc/iredmail-release) and the
# server's error reaches the failure dialog.  Needs root (sshd).
# Prints "tui-ssh: N passed, N failed".
set -uo pipefail
# shellcheck source=tests/lib/sshd.sh
. "$(dirname "$0")/../lib/sshd.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
ms="$top/mailshift"
tier=tui-ssh
steps=18 # no installer, no Roundcube upgrade; decommission last
. "$top/tests/tui/lib.sh"
fail_now() { echo "FAIL $1"; echo "$tier: 0 passed, 1 failed"; exit 1; }
[ "$(id -u)" = 0 ] || fail_now "the wizard over SSH needs root to run sshd"
[ -x /usr/sbin/sshd ] || fail_now "/usr/sbin/sshd is missing (apt-get install openssh-server)"
[ ! -e /etc/iredmail-release ] || fail_now "this machine has /etc/iredmail-release: not running the plan on it"
tui_setup || exit 1
pid=
tui_cleanup() { [ -z "$pid" ] || kill "$pid"; }
d=$work/sshd
mkdir -m 0755 "$d"
chmod 0755 "$work"
pp="pass-$RANDOM-$RANDOM-$RANDOM"
ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$d/id"
ssh-keygen -q -t ed25519 -N "$pp" -f "$d/pp_id"
cat "$d/id.pub" "$d/pp_id.pub" >"$d/authorized_keys.root"
sshd_start "$d" no
fp=$(ssh-keygen -lf "$d/host_key.pub" | cut -d ' ' -f 2)
cd "$work" || exit 1
: >kh
cat >a.conf <<ANSWERS
[source]
stack = iredmail
backend = mariadb
host = 127.0.0.1
port = $port
user = root
identity = $d/pp_id
known_hosts = $work/kh
[target]
stack = iredmail
backend = mariadb
host = localhost
port = $port
user = root
identity = $d/id
known_hosts = $work/kh
ANSWERS

# --- an unknown host key, refused ----------------------------------------------
start ""
run_line "$ms --wizard --answers a.conf --journal j --runbook rb.sh --log l"
to_plan "refused key" "$work/saved.conf"
send s
expect "the first step's question" "Step 1 of $steps: Pre-flight checks"
send y
expect "connecting, SSH asks about the unknown host key" "The authenticity of host"
expect "with its SHA256 fingerprint" "$fp"
send n
expect "refused: the run cannot go on" "Step preflight failed on the source"
expect "and says why" "was not accepted"
check "nothing is recorded" test ! -s kh
check "nothing ran on the server" bash -c "! grep -q 'source|\|source!' l"
send a
expect "abort shows the report" "The run failed at step preflight"
send q
check "exit status 1" test "$(exit_status)" = rc=1

# --- accepted, then the identity's passphrase ------------------------------------
run_line "clear; $ms --wizard --answers a.conf --journal j --runbook rb.sh --log l"
to_plan "accepted key" "$work/saved.conf" replace
send s
expect "the question again" "Step 1 of $steps: Pre-flight checks"
send y
expect "the host key is asked again" "$fp"
send y
expect "the identity's passphrase is asked" "Passphrase for the key $d/pp_id:"
type_text "$pp"
expect "typed as stars" "[${pp//?/*} "
check "the passphrase is not on the screen" bash -c "! { T() { tmux -L $sock -f /dev/null \"\$@\"; }; \
  T capture-pane -t w -p; } | grep -qF -- '$pp'"
send Enter
expect "logged in, the server's error reaches the failure dialog" "source! head: cannot open '/etc/iredmail-release'"
expect "with its exit status" "Step preflight failed on the source (exit 1)"
check "the accepted key is recorded" grep -q "^\[127.0.0.1\]:$port ssh-ed25519 " kh
send a
expect "the report" "The run failed at step preflight (exit 1)"
send q
check "exit status 1" test "$(exit_status)" = rc=1
# grep: 1 is "not found"; 2 (an error) must not pass for it
check "the passphrase is in no file the wizard wrote" bash -c "grep -rqF --exclude-dir=sshd -- '$pp' '$work'; test \$? = 1"
check "(that check finds a planted copy)" bash -c "echo '$pp' >'$work/planted'; grep -rqF --exclude-dir=sshd -- '$pp' '$work'; \
  rc=\$?; rm -f '$work/planted'; test \$rc = 0"
check "the log records the key's acceptance" grep -q "recorded the ED25519 host key" l

tui_end
