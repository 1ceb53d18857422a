#!/usr/bin/env bash
# The aliases step's fragments (steps/sh/aliases-*.sh and aliases.awk, the
# very text mailshift embeds) on scratch files: the "target" is a scratch
# root whose etc/aliases the merge changes (prologue sysroot), the "source"
# an aliases file this test writes, fetched by a stand-in for ms_pull that
# copies it where rsync would put it (and skips a link, as rsync
# --no-links does).  newaliases is replaced in this test only, by the real
# postalias run on the scratch file (Postfix is among the lab's
# dependencies): without postalias this tier fails.
# Asserts: the names only the source has added in a block naming where they
# came from; the target's own entries kept, a conflict listed with both
# sides; commands, files and includes listed with their line numbers; the
# owner and mode kept; target-before saved once, target-last each run; a
# rerun adds nothing; the map rebuilt (postalias -q finds an added alias);
# hostile entries refused by line number without their control bytes, the
# target's file untouched; rsync's message shown with ? for control bytes;
# a failing map rebuild fails the step.  Each with
# the system's awk and with mawk when it is here.  No root needed.
# Prints "aliases: N passed, N failed".
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
fails() { local name=$1; shift; if "$@"; then bad "$name"; else ok "$name"; fi; }
lacks() { # NAME FILE TEXT: FILE does not hold TEXT
  if grep -qF -- "$3" "$2"; then bad "$1: \"$3\" in:"; sed 's/^/     /' "$2"; else ok "$1"; fi
}

postalias=$(command -v postalias || true)
if [ -z "$postalias" ]; then
  echo "tests/aliases/run.sh: no postalias here (Postfix is a lab dependency: make deps)" >&2
  echo "aliases: 0 passed, 1 failed"
  exit 1
fi

w=$(mktemp -d /tmp/mailshift-aliases.XXXXXX)
trap 'rm -rf "$w"' EXIT
b=$w/backup src=$w/source root=$w/root out=$w/out
mkdir -p "$w/bin"
# newaliases, in this test only: the real postalias on the scratch file
printf '#!/bin/sh\nexec %q %q\n' "$postalias" "$root/etc/aliases" > "$w/bin/newaliases"
chmod +x "$w/bin/newaliases"
export PATH="$w/bin:$PATH"

# ms_pull as rsync from the gate does it: each FILE of the source into DIR;
# a link skipped (--no-links), a missing file said and failed (rsync's 23)
cat > "$w/fake-pull" <<EOF
ms_pull() {
  local d=\$1 f rc=0
  shift
  mkdir -p -- "\$d" && chmod 0700 -- "\$d" || return 1
  # a daemon's error as the source's side may word it
  if [ -f $(printf '%q' "$w")/daemon-error ]; then cat $(printf '%q' "$w")/daemon-error >&2; return 5; fi
  for f; do
    if [ -L $(printf '%q' "$src")"\$f" ]; then echo "skipping non-regular file \"\${f##*/}\""
    elif [ -f $(printf '%q' "$src")"\$f" ]; then cp -- $(printf '%q' "$src")"\$f" "\$d/"
    else echo "rsync: [sender] link_stat \"\$f\" (in mailshift) failed: No such file or directory (2)" >&2; rc=23; fi
  done
  return \$rc
}
EOF
# A fragment as mailshift runs it on the target: the prologue of named
# values (quoted), the preamble, lib.sh, lib-target.sh, the stand-in for
# ms_pull, the fragment.
run_fragment() { # FRAGMENT NAME=VALUE...
  local frag=$1 kv prologue=""
  shift
  for kv in "b=$b" "vmail=/var/vmail" "$@"; do prologue+="${kv%%=*}=$(printf '%q' "${kv#*=}")"$'\n'; done
  bash -c "$prologue"$'set -euo pipefail; umask 077\n'"$(cat "$sh/lib.sh" "$sh/lib-target.sh" "$w/fake-pull" "$sh/$frag")"
}
awk_text=$(cat "$sh/aliases.awk")
pull() { run_fragment aliases-pull.sh "ssh=false" "origin=old.example.org::mailshift" "src_aliases=/etc/aliases"; }
accept() { run_fragment aliases-accept.sh "src_aliases=/etc/aliases" "aliases_awk=$awk_text"; }
merge() {
  run_fragment aliases-merge.sh "sysroot=$root" "aliases_file=/etc/aliases" "source=old.example.org" \
    "src_aliases=/etc/aliases" "aliases_awk=$awk_text"
}
# the whole step, as step aliases runs it: each action stops the rest
step() { pull && accept && merge; }
run() { step > "$out" 2>&1; }
pull_out() { pull > "$out" 2>&1; }
digest() { sha256sum < "$root/etc/aliases"; }
noctl() { ! LC_ALL=C grep -q '[[:cntrl:]]' "$out"; }

# the target: its own system entries, one name in capitals
target_file() {
  rm -rf "$root" "$b"
  mkdir -p "$root/etc" "$b"
  cat > "$root/etc/aliases" <<'EOF'
# the target's own aliases
postmaster: root
root: admin
abuse: root
MAILER-DAEMON: postmaster
webmaster: www
EOF
  chmod 0640 "$root/etc/aliases"
  # as root, a group other than the one a new file gets
  [ "$(id -u)" != 0 ] || chgrp mail "$root/etc/aliases" 2>/dev/null || chgrp 1 "$root/etc/aliases"
}
# the source: the same, a conflict, a name in another case, a continuation,
# a comment inside an entry, a command, a file, an include
source_file() {
  rm -rf "$src"
  mkdir -p "$src/etc"
  cat > "$src/etc/aliases" <<'EOF'
# the source's aliases
postmaster: root
root: olduser
abuse:   root
sales: alice,
  # the new one
	bob
WEBMASTER: www
support: "|/usr/local/bin/ticket --queue support, urgent"
archive: /var/spool/archive/all
staff: :include:/etc/mail/staff.list
both: carol, "|/usr/bin/procmail -a x"
EOF
}

for a in awk mawk; do
  rm -f "$w/bin/awk"
  if [ "$a" = mawk ]; then
    command -v mawk >/dev/null || { echo "(no mawk here: the system awk only)"; break; }
    ln -s "$(command -v mawk)" "$w/bin/awk"
  fi
  echo "--- with $(awk -W version 2>&1 | head -n 1 | cut -c 1-40)"
  target_file; source_file
  before=$(digest)
  perm_before=$(stat -c '%u:%g %a' "$root/etc/aliases")
  check "$a: the step succeeds" run
  f=$root/etc/aliases
  check "$a: the target's own lines are kept as they were, first" \
    cmp -s <(head -n 6 "$f") "$w/backup/target-before/aliases"
  check "$a: target-before holds the file as it was" test "$(sha256sum < "$b/target-before/aliases")" = "$before"
  check "$a: the owner, group and mode are the old file's ($perm_before)" test "$(stat -c '%u:%g %a' "$f")" = "$perm_before"
  says "$a: the added block names where it came from" "$f" "the aliases only old.example.org had, from its /etc/aliases"
  check "$a: the names only the source has are added, no other" \
    test "$(sed -n '/^# (review/,$p' "$f" | sed 1d | cut -d: -f1 | tr '\n' ' ')" = "sales support archive staff both "
  says "$a: a continued entry is added whole" "$f" "sales: alice, bob"
  says "$a: a quoted command keeps its comma" "$f" 'support: "|/usr/local/bin/ticket --queue support, urgent"'
  check "$a: root keeps the target's line" test "$(grep -c '^root:' "$f")" = 1
  says "$a: root's conflict is listed with both sides" "$out" \
    "kept the target's alias root: admin; the source's was: olduser (the source's /etc/aliases line 3)"
  lacks "$a: the same targets are no conflict" "$out" "kept the target's alias abuse"
  lacks "$a: a name in capitals is the same name" "$out" "kept the target's alias webmaster"
  says "$a: the command is listed with its line" "$out" \
    'review: alias support (the source'"'"'s /etc/aliases line 9) pipes mail to "|/usr/local/bin/ticket --queue support, urgent"'
  says "$a: the file is listed with its line" "$out" "review: alias archive (the source's /etc/aliases line 10) appends mail to the file /var/spool/archive/all"
  says "$a: the include is listed with its line" "$out" "review: alias staff (the source's /etc/aliases line 11) takes its addresses from :include:/etc/mail/staff.list"
  says "$a: a command among addresses is listed" "$out" "review: alias both (the source's /etc/aliases line 12) pipes mail to \"|/usr/bin/procmail -a x\""
  says "$a: the list is kept in the backup" "$b/aliases/review" "kept the target's alias root: admin"
  says "$a: the count is said" "$out" "added 5 alias(es) to $f: sales support archive staff both (3 already here with the same targets, 1 kept as this server has them)"
  check "$a: the map is rebuilt: postalias -q finds an added alias" test "$(postalias -q sales "$f")" = "alice, bob"
  check "$a: the map is rebuilt: the target's root is its own" test "$(postalias -q root "$f")" = "admin"
  check "$a: no temporary file is left beside" test -z "$(find "$root/etc" -name '.aliases.mailshift.*')"
  check "$a: the source's file is kept 0600 in a 0700 directory" \
    test "$(stat -c '%a' "$b/aliases") $(stat -c '%a' "$b/aliases/source-aliases")" = "700 600"
  merged=$(digest)

  # a second run adds nothing; target-before stays the first
  check "$a: a second run succeeds" run
  says "$a: a second run says it is merged already" "$out" "already merged: nothing to add (8 alias(es) of the source are here with the same targets, 1 kept as this server has them)"
  check "$a: a second run changes nothing" test "$(digest)" = "$merged"
  check "$a: target-before is made once" test "$(sha256sum < "$b/target-before/aliases")" = "$before"
  check "$a: target-last is the file before this run" test "$(sha256sum < "$b/target-last/aliases")" = "$merged"
  says "$a: a second run still lists the command" "$out" "review: alias support (the source's /etc/aliases line 9)"
  says "$a: a second run still lists the conflict" "$out" "kept the target's alias root: admin"
done
rm -f "$w/bin/awk"

# hostile entries: each named by its line, none echoed raw, nothing merged
target_file; source_file
before=$(digest)
long=$(printf 'a%.0s' $(seq 65))
printf '%s\n' "ok1: alice" "ba$(printf '\033')[2Jd: x" "../evil: x" "$long: x" "dup: a" "Dup: b" \
  "open: \"|/bin/true" "empty:" "nocolon" "win: x$(printf '\r')" "fine: y" \
  >> "$src/etc/aliases"
fails "hostile: the step fails" run
says "hostile: a control byte in a name is named, as ?" "$out" 'refused: line 14, "ba?[2Jd": holds a byte that is not printable text'
says "hostile: a path as a name is refused" "$out" 'refused: line 15, "../evil": is not an alias name'
says "hostile: a name of 65 bytes is refused" "$out" "refused: line 16, \"$long\": is longer than 64 bytes"
says "hostile: a name twice (in either case) is refused" "$out" 'refused: line 18, "dup": is listed already, on line 17'
says "hostile: an open quote is refused" "$out" 'refused: line 19, "open": has a double quote left open'
says "hostile: no target is refused" "$out" 'refused: line 20, "empty": has no target'
says "hostile: no colon is refused" "$out" 'refused: line 21, "nocolon": has no colon'
says "hostile: a carriage return is refused" "$out" 'refused: line 22, "win": holds a byte that is not printable text'
says "hostile: nothing was merged, it says" "$out" "nothing was merged: the source's /etc/aliases has the entries above"
check "hostile: no control byte reaches the output" noctl
check "hostile: the target's file is untouched" test "$(digest)" = "$before"
check "hostile: nothing was saved as target-before" test ! -e "$b/target-before/aliases"
check "hostile: no entry list is left to merge from" test ! -e "$b/aliases/source.tsv"
fails "hostile: merge alone refuses without the entries" merge 2>/dev/null

# a first line that continues nothing; a NUL byte
source_file; printf ' leading: x\n' | cat - "$src/etc/aliases" > "$w/s" && mv "$w/s" "$src/etc/aliases"
fails "hostile: a first line with leading whitespace fails" run
says "hostile: ... and is named" "$out" 'refused: line 1, " leading: x": continues no entry'
source_file; printf 'nul: a\000b\n' >> "$src/etc/aliases"
fails "hostile: a NUL byte fails" run
says "hostile: ... and is said" "$out" "refused: the source's /etc/aliases holds a NUL byte"
check "hostile: no control byte reaches the output (NUL)" noctl
check "hostile: the target's file is still untouched" test "$(digest)" = "$before"

# the pull: a link is not read; a missing file fails
source_file; mv "$src/etc/aliases" "$src/etc/aliases.real"; ln -s aliases.real "$src/etc/aliases"
fails "pull: a link on the source is refused" pull_out
says "pull: ... said" "$out" "the source's /etc/aliases did not arrive as a plain file"
rm -f "$src/etc/aliases" "$src/etc/aliases.real"
fails "pull: a missing file fails" pull_out
says "pull: ... said, with rsync's message" "$out" "could not fetch the source's /etc/aliases through the gate (rsync: rsync: [sender] link_stat \"/etc/aliases\""
printf '@ERROR: \033]0;owned\007 module\n' > "$w/daemon-error"
fails "pull: a daemon's error fails" pull_out
says "pull: ... shown with ? for its control bytes" "$out" "(rsync: @ERROR: ?]0;owned? module)"
check "pull: ... and no control byte reaches the output" noctl
rm -f "$w/daemon-error"

# a target without the file: created, 0644; one without a last newline;
# one that is a link: the file it leads to is merged, the link stays
target_file; source_file; rm -f "$root/etc/aliases"
check "no file: the step succeeds" run
says "no file: it says so" "$out" "this server has no $root/etc/aliases yet: it is created"
check "no file: created 0644 with the source's names" test "$(stat -c '%a' "$root/etc/aliases") $(grep -c '^root: olduser$' "$root/etc/aliases")" = "644 1"
target_file; source_file; printf 'last: line' >> "$root/etc/aliases"
check "no last newline: the step succeeds" run
says "no last newline: the last line is kept whole" "$root/etc/aliases" "last: line"
check "no last newline: postalias reads it" test "$(postalias -q last "$root/etc/aliases") $(postalias -q sales "$root/etc/aliases")" = "line alice, bob"
target_file; source_file; mv "$root/etc/aliases" "$root/etc/aliases.real"; ln -s aliases.real "$root/etc/aliases"
check "link: the step succeeds" run
check "link: the link stays a link" test -L "$root/etc/aliases"
says "link: the file it leads to is merged" "$root/etc/aliases.real" "sales: alice, bob"

# the map cannot be rebuilt: the step fails, saying so (the real postalias
# fails: its database is a directory)
target_file; source_file; mkdir "$root/etc/aliases.db"
fails "newaliases failing: the step fails" run
says "newaliases failing: said" "$out" "newaliases failed: the MTA did not rebuild its aliases map"

echo "aliases: $passed passed, $failed failed"
[ "$failed" = 0 ]
