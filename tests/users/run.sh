#!/usr/bin/env bash
# The users step's fragments (steps/sh/users-*.sh and users*.awk, the very
# text mailshift embeds) on a scratch "target" root: this machine's own
# passwd, shadow, group, gshadow and login.defs copied into a temporary
# directory, which the real useradd, groupadd, chpasswd, chage, gpasswd and
# chgpasswd change through their --root; the "source" is files this test
# writes, fetched by a stand-in for ms_pull that copies them where rsync
# would put them.  Asserts: only the real users and their groups are
# created, with the same ids and the hash verbatim; the range from the
# source's UID_MIN (500 on old Red Hat) to below its nobody, and the
# options' range; every conflict listed and nothing created; a second run
# creates nothing; hostile lines refused and named without their control
# bytes or a hash; the hash check names the users of a kind this crypt
# cannot verify.  Needs root (the tools' --root chroots): fails when not.
# Prints "users: N passed, N failed".
# shellcheck disable=SC2016 # the hashes are literal text
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sh=$top/steps/sh
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
says() { # NAME FILE TEXT: FILE holds TEXT (fixed string)
  if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: no \"$3\" in:"; sed 's/^/     /' "$2"; fi
}

if [ "$(id -u)" != 0 ]; then
  echo "tests/users/run.sh: needs root (useradd --root and the others chroot into the scratch root)" >&2
  echo "users: 0 passed, 1 failed"
  exit 1
fi
for t in useradd groupadd chpasswd chage gpasswd chgpasswd perl; do
  command -v "$t" >/dev/null || { echo "tests/users/run.sh: no $t here" >&2; echo "users: 0 passed, 1 failed"; exit 1; }
done

w=$(mktemp -d /tmp/mailshift-users.XXXXXX)
trap 'rm -rf "$w"' EXIT
b=$w/backup src=$w/source root=$w/root

# every tool the fragments run that could be handed a hash records its
# command line (what a process list shows), then runs
mkdir -p "$w/bin"
for t in useradd groupadd usermod chpasswd chage gpasswd chgpasswd perl; do
  printf '#!/bin/sh\necho "%s $*" >> %q\nexec %q "$@"\n' "$t" "$w/argv" "$(command -v "$t")" > "$w/bin/$t"
  chmod +x "$w/bin/$t"
done
export PATH="$w/bin:$PATH"

# A fragment as mailshift runs it on the target: the prologue of named
# values (quoted), the preamble, lib.sh, lib-target.sh, then (for the pull)
# the stand-in for ms_pull, the fragment.
run_fragment() { # FRAGMENT NAME=VALUE...
  local frag=$1 kv prologue=""
  shift
  for kv in "b=$b" "vmail=/var/vmail" "$@"; do prologue+="${kv%%=*}=$(printf '%q' "${kv#*=}")"$'\n'; done
  bash -c "$prologue"$'set -euo pipefail; umask 077\n'"$(cat "$sh/lib.sh" "$sh/lib-target.sh" "$w/fake-pull" "$sh/$frag")"
}
# ms_pull as rsync from the gate does it: each FILE of the source into DIR,
# a missing one said on stderr and the transfer failed (rsync's 23)
cat > "$w/fake-pull" <<EOF
ms_pull() {
  local d=\$1 f rc=0
  shift
  mkdir -p -- "\$d" && chmod 0700 -- "\$d" || return 1
  for f; do
    if [ -f $(printf '%q' "$src")"\$f" ]; then cp -- $(printf '%q' "$src")"\$f" "\$d/"
    else echo "rsync: [sender] link_stat \"\$f\" (in mailshift) failed: No such file or directory (2)" >&2; rc=23; fi
  done
  return \$rc
}
EOF
pull() { run_fragment users-pull.sh "ssh=false" "origin=old.example.org::mailshift"; }
accept() { run_fragment users-accept.sh "uid_min=${1:-}" "uid_max=${2:-}" "users_awk=$(cat "$sh/users.awk")"; }
hashes() { run_fragment users-hashes.sh; }
create() { run_fragment users-create.sh "sysroot=$root" "mode=${1:-create}" "target_awk=$(cat "$sh/users-target.awk")"; }
# the whole step, as step users runs it: each action stops the rest
step() { pull && accept && hashes && create; }

# the target: this machine's files, and a user of its own
fresh_target() {
  rm -rf "$root" "$b"
  mkdir -p "$root/etc" "$b"
  cp -p /etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/login.defs "$root/etc/"
  [ -z "${1:-}" ] || printf '%s\n' "$@" >> "$root/etc/passwd"
}
digest() { cat "$root/etc/passwd" "$root/etc/shadow" "$root/etc/group" "$root/etc/gshadow" | sha256sum; }

# the source: an old server with system accounts, the real users from 1000,
# one beyond nobody, one locked, sha512 and yescrypt hashes
H6='$6$salt1234$QjvEIdkCqy4u/6dr8G5Xjm2bWvQwv4YmlznBFbzK4aZ03r2Y9b2e5bVhXT5lX3vQ5y9U3lI9Qz8e3n8xgZ1e0'
HY='$y$j9T$abcdefghijklmnopqrstu.$YvQ5OCi6NmO3nHTwE4d4d6Vjc8HRmI6Jt9sQbB8p0J0'
HL='!$6$lockedsalt$Zz9yQpH0dO1n4m3XbR2rQk9h6iC1vE5wT7uY8oP0aS2dF4gH6jK8lL0zX1cV3bN5mM7qW9eR1tY3uI5oP7aS9'
HG='$6$groupsalt$Gg0hH1iI2jJ3kK4lL5mM6nN7oO8pP9qQ0rR1sS2tT3uU4vV5wW6xX7yY8zZ9aA0bB1cC2dD3eE4fF5gG6hH7iI'
HS='$6$syssalt$Ss0Ss1Ss2Ss3Ss4Ss5Ss6Ss7Ss8Ss9Ss0Ss1Ss2Ss3Ss4Ss5Ss6Ss7Ss8Ss9Ss0Ss1Ss2Ss3Ss4Ss5Ss6Ss7Ss8Ss9Ss0'
source_files() { # [UID_MIN]
  rm -rf "$src"
  mkdir -p "$src/etc"
  cat > "$src/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
Debian-exim:x:101:103::/var/spool/exim4:/usr/sbin/nologin
oldsys:x:999:999:a service:/var/lib/oldsys:/usr/sbin/nologin
alice:x:1001:1001:Alice Liddell,,,:/home/alice:/bin/bash
bob:x:1002:1002:Bob:/home/bob:/bin/bash
dave:x:1004:100:Dave (locked):/home/dave:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
far:x:70000:70000:beyond nobody:/home/far:/bin/sh
EOF
  cat > "$src/etc/shadow" <<EOF
root:$HS:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
Debian-exim:!:19000::::::
oldsys:$HS:19000::::::
alice:$H6:19500:0:99999:7:::
bob:$HY:19600:1:90:14:30:20000:
dave:$HL:19700::::::
nobody:*:19000:0:99999:7:::
far:$HS:19000::::::
EOF
  cat > "$src/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
users:x:100:alice
Debian-exim:x:103:
oldsys:x:999:
alice:x:1001:
bob:x:1002:
staff2:x:1010:alice,bob,daemon
nogroup:x:65534:
far:x:70000:
EOF
  cat > "$src/etc/gshadow" <<EOF
root:*::
users:*::alice
alice:!::
bob:!::
staff2:$HG:alice:alice,bob,daemon
EOF
  printf 'MAIL_DIR\t/var/mail\nUID_MIN\t%s\nUID_MAX\t60000\n' "${1:-1000}" > "$src/etc/login.defs"
}
line_of() { grep "^$1:" "$root/etc/$2"; }
# no output of the step holds a hash, nor a control byte
clean_output() { # FILE
  ! grep -qF -e "$H6" -e "$HY" -e "$HL" -e "$HG" -e "$HS" -e 'salt' "$1" && ! LC_ALL=C grep -q '[[:cntrl:]]' "$1"
}

# --- the real users move, nothing else -------------------------------------
source_files
fresh_target
before=$(digest)
pull > "$w/out" 2>&1; rc=$?
check "the pull fetches the source's files (exit $rc)" test "$rc" = 0
check "... into \$b/users, 0700, each file 0600" \
  bash -c "[ \$(stat -c %a '$b/users') = 700 ] && [ \"\$(stat -c %a '$b/users/passwd' '$b/users/shadow' '$b/users/group' '$b/users/gshadow' '$b/users/login.defs' | sort -u)\" = 600 ]"
accept > "$w/out" 2>&1; rc=$?
check "the source's users are accepted (exit $rc)" test "$rc" = 0
says "the range: UID_MIN of login.defs to below nobody" "$w/out" \
  "the real users: uids 1000 (UID_MIN of the source's login.defs) to 65533 (below the source's nobody, 65534)"
says "3 users and 3 groups move, 6 system accounts stay" "$w/out" \
  "3 user(s) and 3 group(s) with ids 1000 to 65533 to move; 6 account(s) outside that range (the system's) stay"
says "a membership of a system group is named, not carried" "$w/out" \
  "alice is a member of the system group users on the source: not carried"
says "a member of a group moved that does not move is named" "$w/out" \
  "the group staff2 has the member daemon, not a user moved: not carried"
check "the users to move are exactly alice, bob, dave" \
  test "$(cut -f 1 "$b/users/move/users.tsv" | tr '\n' ' ')" = "alice bob dave "
check "dave's primary group (users, 100) is one the target must have" \
  test "$(cat "$b/users/move/primary.tsv")" = $'100\tusers'
hashes > "$w/out" 2>&1; rc=$?
if perl -e 'my $r = crypt("x", "\$y\$j9T\$abcdefghijklmnop\$"); exit !(defined $r && $r =~ /^\$y\$/)'; then
  check "the hash check passes: this crypt verifies \$6\$ and \$y\$ (exit $rc)" test "$rc" = 0
  says "... yescrypt said" "$w/out" "\$y\$ (yescrypt): 1 user(s), this server verifies it"
else
  check "the hash check fails: this crypt lacks yescrypt (exit $rc)" test "$rc" = 1
  says "... naming bob" "$w/out" "\$y\$ (yescrypt): this server cannot verify the hash of 1 user(s): bob"
fi
says "sha512crypt said" "$w/out" "\$6\$ (sha512crypt): 1 user(s), this server verifies it"
says "the locked user is said, and stays locked" "$w/out" "locked (a ! or * before the hash), and they stay so: dave"
create check > "$w/out" 2>&1; rc=$?
check "mode check: no conflict (exit $rc), and nothing created" bash -c "[ $rc = 0 ] && [ '$(digest)' = '$before' ]"
says "... it says what it would create" "$w/out" "no conflict: to create 3 user(s): alice bob dave and 3 group(s): alice bob staff2"
create > "$w/out" 2>&1; rc=$?
check "the users are created (exit $rc)" test "$rc" = 0
says "... counted" "$w/out" "created 3 user(s), 3 group(s); already there 0 user(s), 0 group(s)"
check "alice: the same uid, gid, GECOS, home, shell" \
  test "$(line_of alice passwd)" = "alice:x:1001:1001:Alice Liddell,,,:/home/alice:/bin/bash"
check "dave: the system group users as his primary group" test "$(line_of dave passwd)" = "dave:x:1004:100:Dave (locked):/home/dave:/bin/sh"
check "alice's hash verbatim, with her ageing" test "$(line_of alice shadow)" = "alice:$H6:19500:0:99999:7:::"
check "bob's yescrypt hash verbatim, with every ageing field" test "$(line_of bob shadow)" = "bob:$HY:19600:1:90:14:30:20000:"
check "dave stays locked: his ! and hash verbatim, no ageing" test "$(line_of dave shadow)" = "dave:$HL:19700::::::"
check "the groups with their gids: alice 1001, bob 1002, staff2 1010 with its members moved" \
  bash -c "[ '$(line_of alice group)' = alice:x:1001: ] && [ '$(line_of bob group)' = bob:x:1002: ] && [ '$(line_of staff2 group)' = staff2:x:1010:alice,bob ]"
check "staff2's password verbatim, its administrator and members" test "$(line_of staff2 gshadow)" = "staff2:$HG:alice:alice,bob"
check "nothing outside the range: not oldsys (999), far (beyond nobody), nor Debian-exim" \
  bash -c "! grep -qE '^(oldsys|far|Debian-exim):' '$root/etc/passwd' '$root/etc/shadow' && ! grep -qE '^(oldsys|far):' '$root/etc/group'"
check "the target's own accounts are kept: every line of its passwd is still there" \
  bash -c "[ \"\$(comm -23 <(sort /etc/passwd) <(sort '$root/etc/passwd'))\" = '' ]"
check "no home was created (the mail copy brings them)" test ! -e "$root/home/alice"
check "the target's files before it, saved once (target-before) and for this run (target-last)" \
  bash -c "cmp -s /etc/shadow '$b/target-before/shadow' && cmp -s /etc/passwd '$b/target-last/passwd'"
check "no output holds a hash or a control byte" clean_output "$w/out"

after=$(digest)
step > "$w/out" 2>&1; rc=$?
check "the second run passes (exit $rc)" test "$rc" = 0
says "... creates nothing, and says the users and groups are already there" "$w/out" \
  "created 0 user(s), 0 group(s); already there 3 user(s), 3 group(s)"
check "... and changes nothing" test "$(digest)" = "$after"
check "target-before still holds the state before the first run" cmp -s /etc/shadow "$b/target-before/shadow"
check "target-last the state before the second" cmp -s <(cat "$root/etc/shadow") "$b/target-last/shadow"

# a run stopped after useradd finishes what it began: the hash and ageing
sed -i '/^U alice$/d' "$b/users/created"
usermod --root "$root" -p '!' alice
create > "$w/out" 2>&1; rc=$?
check "a run stopped halfway is finished by the next (exit $rc): alice's hash set" \
  bash -c "[ $rc = 0 ] && [ '$(line_of alice shadow)' = 'alice:$H6:19500:0:99999:7:::' ]"

# --- the range: old Red Hat's UID_MIN 500, nobody 99, the options ---------
source_files 500
printf 'olduser:x:500:500:Old:/home/olduser:/bin/bash\n' >> "$src/etc/passwd"
printf 'olduser:$1$abcdefgh$Qf8Ee2Ud4R2ZhUuA1n2N0.:15000:0:99999:7:::\n' >> "$src/etc/shadow"
printf 'olduser:x:500:\n' >> "$src/etc/group"
sed -i 's/^nobody:x:65534:65534/nobody:x:99:99/' "$src/etc/passwd"
printf 'nfsnobody:x:65534:65534::/var/lib/nfs:/sbin/nologin\nnfsnobody:!!:15000::::::\n' | { read -r p; read -r s; echo "$p" >> "$src/etc/passwd"; echo "$s" >> "$src/etc/shadow"; }
fresh_target
{ pull && accept; } > "$w/out" 2>&1; rc=$?
check "UID_MIN 500 (exit $rc): olduser moves, nobody 99 is no bound, nfsnobody is" bash -c "[ $rc = 0 ] && grep -q '^olduser	500	500	' '$b/users/move/users.tsv'"
says "... said" "$w/out" "the real users: uids 500 (UID_MIN of the source's login.defs) to 65533 (below the source's nobody, 65534)"
rm -f "$src/etc/login.defs"
{ pull && accept; } > "$w/out" 2>&1; rc=$?
check "no login.defs (exit $rc): from 1000" bash -c "[ $rc = 0 ] && ! grep -q '^olduser' '$b/users/move/users.tsv'"
says "... said" "$w/out" "uids 1000 (the default: the source has no login.defs)"
{ pull && accept 1002 1002; } > "$w/out" 2>&1; rc=$?
check "users_uid_min = users_uid_max = 1002 (exit $rc): bob alone" \
  bash -c "[ $rc = 0 ] && [ \"\$(cut -f 1 '$b/users/move/users.tsv')\" = bob ]"
says "... said" "$w/out" "uids 1002 (users_uid_min) to 1002 (users_uid_max)"
accept 2000 1000 > "$w/out" 2>&1; rc=$?
check "a range with no uid is refused (exit $rc)" test "$rc" = 1
source_files 10
{ pull && accept; } > "$w/out" 2>&1; rc=$?
check "UID_MIN 10 in login.defs, among system accounts, is refused (exit $rc)" test "$rc" = 1
says "... said" "$w/out" "UID_MIN 10, among the system's accounts"

# --- conflicts: all listed, nothing created --------------------------------
source_files
fresh_target "alice:x:2001:2001::/home/alice2:/bin/sh" "robert:x:1002:1002::/home/robert:/bin/sh"
printf 'staff2:x:3000:\nalicia:x:1001:\n' >> "$root/etc/group"
before=$(digest)
step > "$w/out" 2>&1; rc=$?
check "conflicts stop the step (exit $rc)" test "$rc" = 1
says "a name with another uid" "$w/out" "conflict: the user alice is here with uid 2001 and gid 2001; on the source, 1001 and 1001"
says "a uid with another name" "$w/out" "conflict: the uid 1002 is robert's here; on the source, bob's"
says "a group name with another gid" "$w/out" "conflict: the group staff2 is here with gid 3000; on the source, 1010"
says "a gid with another group name" "$w/out" "conflict: the gid 1001 is the group alicia's here; on the source, alice's"
says "... all at once, counted" "$w/out" "nothing was created: 4 conflict(s) above"
check "nothing was created" test "$(digest)" = "$before"
check "nothing was saved either (the step stopped before)" test ! -e "$b/target-last/passwd"
create check > "$w/out" 2>&1; rc=$?
check "mode check (pre-flight) lists them too (exit $rc)" bash -c "[ $rc = 1 ] && grep -q 'conflict: the uid 1002 is robert' '$w/out'"
sed -i '/^users:/d' "$root/etc/group"
create check > "$w/out" 2>&1
says "a primary group the target lacks" "$w/out" "conflict: the group users (gid 100), a primary group of users moved, is not here with that gid"

# --- hostile lines: refused, named, never echoed -----------------------------
source_files
cat >> "$src/etc/passwd" <<EOF
../evil:x:1005:1005::/home/evil:/bin/sh
homeless:x:1006:1006::/etc:/bin/sh
esc:x:1007:1007:Evil $(printf '\033]0;pwned\007'):/home/esc:/bin/sh
$(printf 'ctl\033[2J'):x:1008:1008::/home/ctl:/bin/sh
dots:x:1009:1009::/home/../root:/bin/sh
EOF
printf '%s\n' "../evil:$HS:1::::::" "homeless:$HS:1::::::" "esc:$HS:1::::::" "$(printf 'ctl\033[2J'):$HS:1::::::" \
  "dots:$HS:1::::::" >> "$src/etc/shadow"
fresh_target
cp "$src/etc/passwd" "$w/hostile" && head -n 9 "$w/hostile" > "$src/etc/passwd" && pull > /dev/null 2>&1 && accept > /dev/null 2>&1
cp "$w/hostile" "$src/etc/passwd"
check "(an earlier run chose the users)" test -s "$b/users/move/users.tsv"
before=$(digest)
{ pull && accept; } > "$w/out" 2>&1; rc=$?
check "hostile lines stop the step (exit $rc)" test "$rc" = 1
says "a name with ../ is refused, named" "$w/out" "refused: passwd line 10, \"../evil\": is not a user name"
says "a home in /etc is refused" "$w/out" "refused: passwd, \"homeless\": its home /etc lies in /etc, a system directory"
says "a GECOS with an escape sequence is refused" "$w/out" "refused: passwd line 12, \"esc\": its GECOS holds a control character"
says "a name with an escape sequence is named with ? for its control byte" "$w/out" "refused: passwd line 13, \"ctl?[2J\": is not a user name"
says "a home with .. is refused" "$w/out" "refused: passwd, \"dots\": its home /home/../root is not a plain path"
check "no control byte and no hash in what it says" clean_output "$w/out"
check "nothing is left to create from (not even an earlier run's choice)" test ! -e "$b/users/move"
check "nothing was created" test "$(digest)" = "$before"

# --- a hash this crypt cannot verify: named with its users -------------------
source_files
printf 'zed:x:1020:1001::/home/zed:/bin/sh\nzoe:x:1021:1001::/home/zoe:/bin/sh\n' >> "$src/etc/passwd"
printf 'zed:$zz$abc$defghijklmnop:1::::::\nzoe:$zz$xyz$qrstuvwxyz:1::::::\n' >> "$src/etc/shadow"
fresh_target
{ pull && accept; } > /dev/null 2>&1
hashes > "$w/out" 2>&1; rc=$?
check "an unknown kind of hash fails the check (exit $rc)" test "$rc" = 1
says "... named with its users" "$w/out" "\$zz\$ (unknown): this server cannot verify the hash of 2 user(s): zed zoe"
says "the others pass" "$w/out" "\$6\$ (sha512crypt): 1 user(s), this server verifies it"
check "no hash in what it says" clean_output "$w/out"
no_hash_argv() { [ -s "$w/argv" ] && grep -q '^perl ' "$w/argv" && grep -q '^chpasswd ' "$w/argv" && ! grep -qF -e salt -e '$zz$' "$w/argv"; }
check "no command line of the whole test held a hash (the tools and perl read them on stdin)" no_hash_argv

# --- the pull: optional files -------------------------------------------------
source_files
rm -f "$src/etc/gshadow"
fresh_target
pull > "$w/out" 2>&1; rc=$?
check "a source without gshadow: the pull goes on (exit $rc), said" \
  bash -c "[ $rc = 0 ] && grep -q 'the source has no readable /etc/gshadow, going on without it' '$w/out' && [ ! -e '$b/users/gshadow' ]"
rm -f "$src/etc/shadow"
pull > "$w/out" 2>&1; rc=$?
check "a source without shadow: the pull fails (exit $rc)" test "$rc" = 1

echo "users: $passed passed, $failed failed"
[ "$failed" = 0 ]
