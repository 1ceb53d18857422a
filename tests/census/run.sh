#!/usr/bin/env bash
# The census and its comparison (steps/sh/census*.sh, the very text mailshift
# embeds and runs) on real Maildirs in a temporary folder: a census of the
# "source", then the same tree changed the ways a migration can lose mail,
# counted again as the "target" and compared.  Each change must fail the
# comparison, naming the account, the folder and what differs; the unchanged
# tree must pass and leave the pass the cutover trusts.  Then the new server's
# Dovecot view (census-dovecot.awk) against a census, with doveadm's output
# given, the storage-root checks (lib.sh) against hostile paths, and
# discovery (discover.sh, beside this file) on stores reached through links,
# and the window's check that the source is stopped (stopped.sh).
# Last, every fragment through shellcheck.  No root, no lab.  Prints
# "census: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sh=$top/steps/sh
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

w=$(mktemp -d /tmp/mailshift-census.XXXXXX)
trap 'rm -rf "$w"' EXIT
b=$w/backup store=$w/store
mkdir -p "$b/discovery" "$b/census"

# A fragment as mailshift runs it: the prologue of named values (quoted),
# the preamble, lib.sh, the fragment.
run_fragment() { # FRAGMENT NAME=VALUE...
  local frag=$1 kv prologue=""
  shift
  for kv in "b=$b" "$@"; do prologue+="${kv%%=*}=$(printf '%q' "${kv#*=}")"$'\n'; done
  bash -c "$prologue"$'set -euo pipefail; umask 077\n'"$(cat "$sh/lib.sh" "$sh/$frag")"
}
census() { # SIDE [CACHE]
  run_fragment census.sh "side=$1" "cache=${2:-}" "census_awk=$(cat "$sh/census.awk")" "units_awk=$(cat "$sh/units.awk")"
}
compare() { run_fragment census-compare.sh "compare_awk=$(cat "$sh/census-compare.awk")"; }

# Two accounts in Maildir++, with the files Dovecot keeps: dovecot-uidlist
# (version 3: UIDVALIDITY, next UID, the folder's GUID; a UID per message).
msg() { # DIR NAME BYTES
  head -c "$3" /dev/zero | tr '\0' 'x' > "$1/$2"
}
folder() { # DIR UIDVALIDITY GUID FILE...   (each FILE: cur/NAME or new/NAME)
  local d=$1 v=$2 g=$3 f uid=0 name
  shift 3
  mkdir -p "$d/cur" "$d/new" "$d/tmp"
  { echo "3 V$v N1 G$g"; for f in "$@"; do uid=$((uid + 1)); name=${f#*/}; echo "$uid :${name%%:*}"; done; } > "$d/dovecot-uidlist"
  for f in "$@"; do msg "$d/${f%/*}" "${f#*/}" $((100 * ${#f})); done
}
make_store() {
  rm -rf "$store"
  folder "$store/a/Maildir" 1700000001 aaaa0001 "cur/1000.M1.h,S=10:2,S" "cur/1001.M2.h,S=10:2,RS" "new/1002.M3.h,S=10"
  folder "$store/a/Maildir/.Sent" 1700000002 aaaa0002 "cur/1003.M4.h,S=10:2,S"
  folder "$store/a/Maildir/.Drafts" 1700000003 aaaa0003
  folder "$store/b/Maildir" 1700000011 bbbb0001 "cur/2000.M1.h,S=10:2,FS" "cur/2001.M2.h,S=10:2,"
  folder "$store/b/Maildir/.Archive.2024" 1700000012 bbbb0002 "cur/2002.M3.h,S=10:2,S"
}
printf 'a@example.com\t%s/a/Maildir\t%s\nb@example.com\t%s/b/Maildir\t%s\n' "$store" "$store" "$store" "$store" \
  > "$b/discovery/accounts.tsv"
printf '%s\tmail\t%s\t700\n' "$store" "$(id -un):$(id -gn)" > "$b/discovery/roots.tsv"

make_store
census source > "$w/out" 2>&1; rc=$?
check "the census of the source runs (exit $rc)" test "$rc" = 0
check "it counts 2 accounts, 5 folders, 7 messages" \
  grep -q '^census of the source: 2 accounts, 5 folders, 7 messages, ' "$w/out"
src=$b/census/source.tsv
check "the census file is private (0600)" test "$(stat -c %a "$src")" = 600
check "a folder's line: messages, bytes, unseen, UIDVALIDITY, next UID, flags, GUID" \
  grep -qP '^F\ta@example.com\tINBOX\t3\t\d+\t1\t1700000001\t4\tR1S2new1\taaaa0001$' "$src"
check "an empty folder is in it too" grep -qP '^F\ta@example.com\t\.Drafts\t0\t0\t0\t1700000003\t1\t-\taaaa0003$' "$src"
check "a message's line: its name, UID and flags" grep -qP '^M\tb@example.com\tINBOX\t2001\.M2\.h,S=10\t2\t-\t\d+\t-$' "$src"
check "an account's line: folders, messages, bytes, unseen" grep -qP '^A\tb@example.com\t2\t3\t\d+\t1$' "$src"

# the unchanged tree passes, and leaves the pass for the relay and the cutover
census target > /dev/null 2>&1
compare > "$w/out" 2>&1; rc=$?
check "the same tree: the comparison passes (exit $rc)" test "$rc" = 0
check "... with its figures, each the same" \
  bash -c "grep -qx 'mailshift-figure census 2 2' '$w/out' && grep -qx 'mailshift-figure messages 7 7' '$w/out' && grep -qx 'mailshift-figure differ 0 0' '$w/out'"
check "... and the pass: the source census's digest" \
  test "$(cat "$b/census/verified" 2>/dev/null)" = "$(sha256sum < "$src" | cut -c 1-64)"

# changed_case NAME WANT COMMAND...: the tree changed by COMMAND must fail the
# comparison with WANT in what it says, and leave no pass
changed_case() {
  local name=$1 want=$2 rc
  shift 2
  make_store
  (cd "$store" && "$@")
  census target > /dev/null 2>&1
  compare > "$w/out" 2>&1; rc=$?
  check "$name: the comparison fails (exit $rc)" test "$rc" = 1
  if grep -qF -- "$want" "$w/out"; then ok "$name: it says \"$want\""
  else bad "$name: it does not say \"$want\""; sed 's/^/     /' "$w/out"; fi
  check "$name: no pass is left for the cutover" test ! -e "$b/census/verified"
}
changed_case "a missing message" \
  "a@example.com: Sent: 1 messages on the source, 0 on the target; Sent: 1 message(s) missing on the target (1003.M4.h,S=10)" \
  rm a/Maildir/.Sent/cur/1003.M4.h,S=10:2,S
changed_case "a message with changed flags" \
  "b@example.com: INBOX: flags F1S1 on the source, S1 on the target; INBOX: 1 message(s) with other flags on the target (FS -> S) (2000.M1.h,S=10)" \
  mv b/Maildir/cur/2000.M1.h,S=10:2,FS b/Maildir/cur/2000.M1.h,S=10:2,S
changed_case "a changed UIDVALIDITY" "a@example.com: Sent: UIDVALIDITY changed (1700000002 -> 1800000000)" \
  sed -i '1s/V1700000002/V1800000000/' a/Maildir/.Sent/dovecot-uidlist
changed_case "a folder missing" "a@example.com: Drafts: folder missing on the target (0 messages)" \
  rm -r a/Maildir/.Drafts
changed_case "an account's whole mail directory missing" \
  "b@example.com: its mail directory is missing on the target (2 folders, 3 messages)" rm -r b
changed_case "a message only the target has" \
  "a@example.com: INBOX: 3 messages on the source, 4 on the target; INBOX: 1 message(s) only on the target (9999.M9.h)" \
  cp a/Maildir/cur/1000.M1.h,S=10:2,S a/Maildir/cur/9999.M9.h:2,S
changed_case "a message with another UID" "1 message(s) with another UID on the target (1001.M2.h,S=10)" \
  sed -i 's/^2 :1001/7 :1001/' a/Maildir/dovecot-uidlist
# a census is never taken through a symbolic link planted in a store
make_store
mkdir -p "$w/elsewhere/cur" && msg "$w/elsewhere/cur" "5000.M1.h:2,S" 10
ln -s "$w/elsewhere" "$store/a/Maildir/.Planted"
census target > "$w/out" 2>&1
check "a symbolic link in a store is named and not followed" \
  bash -c "grep -q 'symbolic link inside a mail store, not followed: $store/a/Maildir/.Planted' '$w/out' && ! grep -q 5000.M1 '$b/census/target.tsv'"

# The census from a cache (the bulk copy keeps one while the source is live):
# in the window only the accounts whose directories changed are counted
# again, and the result must be what a whole pass counts.
make_store
sleep 0.05
census source save > /dev/null 2>&1
check "the cache is kept with the state of every mail directory" \
  bash -c "[ -s '$b/census/cache-source.tsv' ] && grep -q '^$store/a/Maildir/cur	' '$b/census/cache-source.dirs' \
    && ! grep -q '/cur/' '$b/census/cache-source.dirs'"
cached_case() { # NAME WANT-RECOUNTED COMMAND...: after COMMAND, the census from the cache equals a whole
  # one; WANT: the accounts changed since the cache (the changes add up)
  local name=$1 want=$2
  shift 2
  (cd "$store" && "$@")
  census source use > "$w/out" 2>&1
  cp "$src" "$w/from-cache"
  census source > /dev/null 2>&1
  if cmp -s "$w/from-cache" "$src"; then ok "$name: the census from the cache is the whole census"
  else bad "$name: the census from the cache differs from the whole census"; diff "$w/from-cache" "$src" | head -n 10 | sed 's/^/     /'; fi
  check "$name: $want account(s) counted again" grep -q "^$want account(s) changed since the cache of the source" "$w/out"
}
cached_case "nothing changed" 0 true
sleep 0.05
cached_case "only Dovecot's index rewritten (a login)" 0 \
  bash -c 'echo x > a/Maildir/dovecot.index.tmp && mv a/Maildir/dovecot.index.tmp a/Maildir/dovecot.index'
sleep 0.05
cached_case "a message arrived" 1 msg a/Maildir/new 1100.M9.h,S=5 50
sleep 0.05
cached_case "flags changed, a message removed" 2 bash -c 'mv b/Maildir/cur/2001.M2.h,S=10:2, b/Maildir/cur/2001.M2.h,S=10:2,S && rm a/Maildir/.Sent/cur/1003.M4.h,S=10:2,S'
sleep 0.05
cached_case "a folder removed" 2 rm -r a/Maildir/.Drafts
printf 'c@example.com\t%s/c/Maildir\t%s\n' "$store" "$store" >> "$b/discovery/accounts.tsv"
cached_case "an account the cache does not know, without mail yet" 3 true
folder "$store/c/Maildir" 1700000021 cccc0001 "cur/3000.M1.h,S=10:2,S"
cached_case "that account's first mail" 3 true
sed -i '/^b@example.com/d' "$b/discovery/accounts.tsv"
cached_case "an account gone from the list" 2 true
check "... is gone from the census" bash -c "! grep -q 'b@example.com' '$src'"
# units.awk: a directory that differs belongs to its whole account, else is taken alone
printf 'a@example.com\t/r/x/a/Maildir\t/r\nd@example.com\t/r/d-mail\t/r\n' > "$w/acc"
out=$(printf '%s\n' '/r/x/a/Maildir/.Sent/cur	c	1' '/r/x/a/Maildir/cur	c	2' '/r/x	d	-' '/r/d-mail/new	c	3' \
  '/r/x/a	d	-' '/r/y/stray	f	4' | awk -F '\t' -v accounts="$w/acc" -f "$sh/units.awk")
check "units.awk: changed folders of one account are that account once, home and all" \
  test "$(grep -c '^R	/r/x/a	a@example.com$' <<<"$out")" = 1
check "units.awk: a maildir not named Maildir is its own unit" grep -qx 'R	/r/d-mail	d@example.com' <<<"$out"
check "units.awk: a directory outside every account is taken alone" grep -qx 'D	/r/x' <<<"$out"
check "units.awk: a file outside every account: its directory" grep -qx 'D	/r/y' <<<"$out"
check "units.awk: the test hook leaves out a root" \
  test -z "$(printf '/r/x/a/Maildir/cur\tc\t1\n' | awk -F '\t' -v accounts="$w/acc" -v leave_out=/r -f "$sh/units.awk")"
printf 'a@example.com\t%s/a/Maildir\t%s\nb@example.com\t%s/b/Maildir\t%s\n' "$store" "$store" "$store" "$store" \
  > "$b/discovery/accounts.tsv"

# The new server's Dovecot against the census (census-dovecot.awk): doveadm's
# view of each message (user, folder GUID, UID, flags) and its messages.
make_store
census source > /dev/null 2>&1
dv() { # ERRORS-TEXT < DOVEADM-OUTPUT
  printf '%s' "$1" > "$w/errors"
  awk -F '\t' -v census="$src" -v errors="$w/errors" -v max=20 -f "$sh/census-dovecot.awk"
}
same=$'Username\tmailbox-guid\tuid\tflags\n'
same+=$'a@example.com\taaaa0001\t1\t\\Seen\na@example.com\taaaa0001\t2\t\\Answered \\Seen\na@example.com\taaaa0001\t3\t\\Recent\n'
same+=$'a@example.com\taaaa0002\t1\t\\Seen\n'
same+=$'b@example.com\tbbbb0001\t1\t\\Flagged \\Seen\nb@example.com\tbbbb0001\t2\t\nb@example.com\tbbbb0002\t1\t\\Seen\n'
out=$(dv '' <<<"$same")
check "Dovecot showing the census: every account passes" test "$(tail -n 1 <<<"$out")" = "summary 2 0 7 0" ||
  sed 's/^/     /' <<<"$out"
check "mail the relay brought since (a UID past the census's next UID) is told apart" \
  test "$(dv '' <<<"$same"$'a@example.com\taaaa0001\t4\t\n' | tail -n 1)" = "summary 2 0 7 1"
out=$(dv '' <<<"$(grep -v $'bbbb0002\t1' <<<"$same")")
check "a message Dovecot does not show fails its account" \
  grep -qx "  b@example.com: 3 messages (1 unseen) in the census, the target's Dovecot shows 2 (1 unseen)" <<<"$out"
check "... and only that account" grep -qx 'summary 1 1 4 0' <<<"$out"
out=$(dv '' <<<"${same//$'1\t\\Seen\nb@'/$'1\t\nb@'}")
check "a message unseen on the target that was seen fails its account" grep -q '^  a@example.com: 4 messages (1 unseen) in the census, the target.s Dovecot shows 4 (2 unseen)' <<<"$out"
out=$(dv $'doveadm(b@example.com): Info: User no longer exists, skipping\n' <<<"$(grep -v '^b@' <<<"$same")")
check "an account the target's Dovecot does not find fails" \
  grep -qx "  b@example.com: the target's Dovecot does not find this account" <<<"$out"
# a message another delivery agent put there, which the source's Dovecot had
# not seen: no UID in the census; the target's Dovecot numbers it from the
# census's next UID on, and it still counts for the census
touch "$store/a/Maildir/cur/1004.M9.h,S=10:2,S"
census source > /dev/null 2>&1
check "a message without a UID in the census (the source's Dovecot had not seen it) counts, numbered on the target" \
  test "$(dv '' <<<"$same"$'a@example.com\taaaa0001\t4\t\\Seen\n' | tail -n 1)" = "summary 2 0 8 0"
check "... and only as many such messages: one more arrived since" \
  test "$(dv '' <<<"$same"$'a@example.com\taaaa0001\t4\t\\Seen\na@example.com\taaaa0001\t5\t\n' | tail -n 1)" = "summary 2 0 8 1"
out=$(dv '' <<<"$same")
check "... and missing on the target, it fails its account" \
  grep -qx "  a@example.com: 5 messages (1 unseen) in the census, the target's Dovecot shows 4 (1 unseen)" <<<"$out"
make_store
census source > /dev/null 2>&1

# Storage roots come from the source: never a system directory, never a path
# with tricks (lib.sh's ms_path_problem, on both servers).
root_case() { # PATH REFUSED(yes|no)
  local why
  why=$(b=/var/backups/mailshift; source "$sh/lib.sh"; ms_path_problem "$1")
  if [ "$2" = yes ]; then check "the root '$1' is refused ($why)" test -n "$why"
  else check "the root '$1' is accepted" test -z "$why"; fi
}
for p in / /etc /etc/postfix /root/.ssh /usr/lib /var /var/lib /srv /home /tmp/x relative /var/vmail/../etc \
         /var/vmail/./x //var/vmail /var/vmail/ '/var/v mail' '/var/vmail$(id)' /var/backups/mailshift/x /var/backups; do
  root_case "$p" yes
done
for p in /var/vmail/vmail1 /srv/mail/vmail1 /var/vmail/mlmmj /data/vmail2 /var/spool/mlmmj; do root_case "$p" no; done

# What only the target has (own.sh), refused in pre-flight before anything
# changes: a target that went live, accounts the source lacks.
own() { run_fragment own.sh "$@"; }
rm -f "$b/live"
printf 'a@example.com\t/x\nb@example.com\t/y\n' > "$w/own-accounts.tsv"
cp "$b/discovery/accounts.tsv" "$w/accounts.keep"
cp "$w/own-accounts.tsv" "$b/discovery/accounts.tsv"
out=$(own side=target overwrite=no accounts_cmd="printf 'A@example.com\nb@example.com\n'" 2>&1); rc=$?
check "own: a fresh target lists its accounts (exit $rc)" bash -c "[ $rc = 0 ] && [ '$(tr '\n' ' ' <<<"$out")' = 'A@example.com b@example.com ' ]"
out=$(printf 'A@example.com\nb@example.com\n' | own side=source overwrite=no 2>&1); rc=$?
check "own: its accounts are all the source's (case aside): it passes (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'the target holds no account the source lacks' <<<'$out'"
out=$(printf 'b@example.com\npostmaster@new.example\n\n' | own side=source overwrite=no 2>&1); rc=$?
check "own: an account only the target has is refused, named, with the way on (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q '1 account(s) the source lacks: postmaster@new.example' <<<'$out' && grep -q 'overwrite_target = yes' <<<'$out'"
out=$(printf 'b@example.com\npostmaster@new.example\n' | own side=source overwrite=yes 2>&1); rc=$?
check "own: ... with overwrite_target = yes it is said, and the run goes on (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'overwrite_target = yes: mailshift replaces it' <<<'$out'"
out=$(own side=source overwrite=no < /dev/null 2>&1); rc=$?
check "own: a target without accounts passes (exit $rc)" test "$rc" = 0
echo '2026-12-01 10:00:00 UTC' > "$b/live"
out=$(own side=target overwrite=no accounts_cmd='echo x@example.com' 2>&1); rc=$?
check "own: a target that went live is refused, when it went live named (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'the target went live at 2026-12-01 10:00:00 UTC' <<<'$out' && ! grep -qx x@example.com <<<'$out'"
out=$(own side=target overwrite=yes accounts_cmd='echo x@example.com' 2>&1); rc=$?
check "own: ... unless overwrite_target = yes: said, and its accounts listed (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'overwrite_target = yes' <<<'$out' && grep -qx x@example.com <<<'$out'"
rm -f "$b/live"
cp "$w/accounts.keep" "$b/discovery/accounts.tsv"

# relay-allow on a Postfix faked in a folder (postconf keeps main.cf's
# parameters as NAME=VALUE lines; cd /etc/postfix goes there)
pf=$w/postfix fake=$w/fakepostfix
mkdir -p "$pf" "$fake"
cat > "$fake/postconf" <<'FAKE'
#!/usr/bin/env bash
f=$PF/params
touch "$f"
if [ "$1" = -h ]; then sed -n "s/^$2=//p" "$f"; exit 0; fi
[ "$1" = -e ] || exit 2
shift
for kv in "$@"; do
  k=${kv%%=*} k=${k% } v=${kv#*=} v=${v# }
  grep -v "^$k=" "$f" > "$f.new"; echo "$k=$v" >> "$f.new"; mv "$f.new" "$f"
done
FAKE
printf '#!/bin/sh
exit 0
' > "$fake/postfix"
chmod +x "$fake/postconf" "$fake/postfix"
touch "$pf/main.cf"
allow() { # reads the addresses on stdin
  # shellcheck disable=SC2016 # the fake cd expands when it runs
  PF=$pf PATH="$fake:$PATH" bash -c 'cd() { builtin cd "$PF"; }'$'\nset -euo pipefail; umask 077\n'"$(cat "$sh/relay-allow.sh")"
}
printf '%s\n' 'smtpd_recipient_restrictions=reject_non_fqdn_recipient, reject_unlisted_recipient, check_policy_service inet:127.0.0.1:7777, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination' \
  'smtpd_end_of_data_restrictions=check_policy_service inet:127.0.0.1:7777' \
  'smtpd_helo_restrictions=permit_mynetworks, reject_unknown_helo_hostname' 'smtpd_restriction_classes=lab_class' > "$pf/params"
cp "$pf/params" "$w/params.before"
param() { sed -n "s/^$1=//p" "$pf/params"; }
hostile=$'10.200.0.2\n10.0.0.0/8\n0.0.0.0\n::\n$(reboot)\n2001:db8::5\n10.200.0.2\n999.1.1.1'
out=$(allow <<<"$hostile" 2>&1); rc=$?
left=$(grep -c '^not a host address: ' <<<"$out")
check "relay-allow: only the source's host addresses are let in, each once; a network, 0.0.0.0, ::, a command, a bad address left out, named ($left, exit $rc)" \
  bash -c "[ $rc = 0 ] && [ $left = 5 ] && cmp -s '$pf/mailshift_relay.cidr' - <<<\$'10.200.0.2 mailshift_relay\\n2001:db8::5 mailshift_relay' \
    && cmp -s '$pf/mailshift_relay_ok.cidr' - <<<\$'10.200.0.2 OK\\n2001:db8::5 OK'"
check "relay-allow: the class goes right before the policy service, the recipient's own checks first" \
  test "$(param smtpd_recipient_restrictions)" = "reject_non_fqdn_recipient, reject_unlisted_recipient, check_client_access cidr:/etc/postfix/mailshift_relay.cidr, check_policy_service inet:127.0.0.1:7777, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination"
check "relay-allow: ... which permits only this server's own domains, the admin's classes kept" \
  bash -c "[ '$(param mailshift_relay)' = 'reject_unauth_destination, permit' ] && [ '$(param smtpd_restriction_classes)' = 'lab_class, mailshift_relay' ]"
check "relay-allow: the OK table first in the end-of-data and HELO checks; an unset list stays unset" \
  bash -c "[ '$(param smtpd_end_of_data_restrictions)' = 'check_client_access cidr:/etc/postfix/mailshift_relay_ok.cidr, check_policy_service inet:127.0.0.1:7777' ] \
    && [ '$(param smtpd_helo_restrictions)' = 'check_client_access cidr:/etc/postfix/mailshift_relay_ok.cidr, permit_mynetworks, reject_unknown_helo_hostname' ] \
    && [ -z '$(param smtpd_client_restrictions)' ]"
check "relay-allow: main.cf saved first" test -e "$pf/main.cf.mailshift-relay-before"
cp "$pf/params" "$w/params.once"
out=$(allow <<<"$hostile" 2>&1); rc=$?
check "relay-allow: run again, the same settings, nothing twice (exit $rc)" cmp -s "$pf/params" "$w/params.once"
out=$(allow <<<$'0.0.0.0\n' 2>&1); rc=$?
check "relay-allow: no host address at all fails, naming why (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'no address of the old server' <<<'$out'"

# authkey: the one-off key's line in authorized_keys, an sshd faked
home=$w/home fakessh=$w/fakessh
mkdir -p "$home/.ssh" "$fakessh"
authkey() { # MODE SSHD-VERSION: reads stdin
  printf '#!/bin/sh\necho "OpenSSH_%s, OpenSSL 3.0" >&2\n' "$2" > "$fakessh/sshd"
  chmod +x "$fakessh/sshd"
  HOME=$home PATH="$fakessh:$PATH" run_fragment authkey.sh "m=mailshift-migration root@new.example" "mode=$1" \
    "gate=$(cat "$sh/gate.sh")"$'\n'
}
gate=$home/.ssh/mailshift-migration cmd="command=\"/bin/sh $home/.ssh/mailshift-migration/gate\"" 
printf 'ssh-rsa AAAAadmin admin@laptop\nno-pty ssh-ed25519 AAAAother other' > "$home/.ssh/authorized_keys"
chmod 0640 "$home/.ssh/authorized_keys"
expiry=$(date -u -d '+14 days' +%Y%m%d)
out=$(echo 'ssh-ed25519 AAAAkey1 mailshift-migration root@new.example' | authkey add 9.2 2>&1); rc=$?
check "authkey: added least privilege (the gate its forced command, restrict, expiring in 14 days), the other lines byte for byte, mode kept (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ \"\$(cat '$home/.ssh/authorized_keys')\" = \"\$(printf 'ssh-rsa AAAAadmin admin@laptop\nno-pty ssh-ed25519 AAAAother other\nrestrict,%s,expiry-time=\"$expiry\" ssh-ed25519 AAAAkey1 mailshift-migration root@new.example' '$cmd')\" ] \
    && [ \$(stat -c %a '$home/.ssh/authorized_keys') = 640 ]"
check "authkey: ... the gate is gate.sh, beside its rsyncd.conf (read only), the directory 0700" \
  bash -c "cmp -s '$gate/gate' '$sh/gate.sh' && grep -qx 'read only = yes' '$gate/rsyncd.conf' && [ \$(stat -c %a '$gate') = 700 ]"
out=$(echo '10.0.0.3' | authkey narrow 9.2 2>&1); rc=$?
check "authkey: narrowed to the address the target came from (exit $rc)" \
  bash -c "[ $rc = 0 ] && tail -n 1 '$home/.ssh/authorized_keys' | grep -qxF 'restrict,$cmd,from=\"10.0.0.3\",expiry-time=\"$expiry\" ssh-ed25519 AAAAkey1 mailshift-migration root@new.example' \
    && [ \$(grep -c mailshift-migration '$home/.ssh/authorized_keys') = 1 ]"
out=$(echo '10.0.0.3",command="sh' | authkey narrow 9.2 2>&1); rc=$?
check "authkey: ... an address that is not one is refused, the line unchanged (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'not an address' <<<'$out' && grep -q 'from=\"10.0.0.3\",expiry' '$home/.ssh/authorized_keys'"
# the gate, as sshd runs it for the key: a fake ssh runs it here
printf '#!/bin/sh\nwhile [ $# -gt 0 ]; do case $1 in -*) shift ;; *) break ;; esac; done\nshift\nSSH_CLIENT="10.0.0.3 4711 22" SSH_ORIGINAL_COMMAND="$*" exec /bin/sh %q\n' "$gate/gate" > "$fakessh/ssh"
chmod +x "$fakessh/ssh"
mkdir -p "$w/gated" "$w/got"; echo 'mail' > "$w/gated/m1"
out=$("$fakessh/ssh" h 'touch' "$w/pwned" 2>&1 | tr -d "'"); rc=$?
check "gate: a command is refused, and does not run (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'only reads this server (rsync) and answers true: refused' <<<'$out' && [ ! -e '$w/pwned' ]"
check "gate: true, and the address the target comes from" \
  bash -c "'$fakessh/ssh' h true && [ \"\$('$fakessh/ssh' h mailshift-address)\" = 10.0.0.3 ]"
out=$(rsync -as -e "$fakessh/ssh" -- "h::mailshift$w/gated/m1" "$w/got/" 2>&1); rc=$?
check "gate: rsync reads (exit $rc)" cmp -s "$w/gated/m1" "$w/got/m1"
out=$(rsync -as -e "$fakessh/ssh" -- "$w/got/m1" "h::mailshift$w/gated/up" 2>&1); rc=$?
check "gate: ... but does not write (exit $rc)" bash -c "[ $rc != 0 ] && [ ! -e '$w/gated/up' ] && grep -q 'read only' <<<'$out'"
out=$(rsync -as --remove-source-files -e "$fakessh/ssh" -- "h::mailshift$w/gated/m1" "$w/got/m2" 2>&1); rc=$?
check "gate: ... nor remove what it sent (exit $rc)" bash -c "[ $rc != 0 ] && [ -f '$w/gated/m1' ] && grep -q 'refuse --remove-source-files' <<<'$out'"
out=$(rsync -as -M--log-file="$w/gated/log" -e "$fakessh/ssh" -- "h::mailshift$w/gated/m1" "$w/got/m3" 2>&1); rc=$?
check "gate: ... nor write a log file of the client's choosing (exit $rc)" bash -c "[ $rc != 0 ] && [ ! -e '$w/gated/log' ]"
rm -f "$fakessh/ssh"
out=$(echo 'ssh-ed25519 AAAAkey2 x' | authkey add 7.1 2>&1); rc=$?
check "authkey: an sshd older than 7.2 (7.1): the four no- options, no expiry; the earlier line replaced (exit $rc)" \
  bash -c "[ $rc = 0 ] && tail -n 1 '$home/.ssh/authorized_keys' | grep -qxF 'no-agent-forwarding,no-port-forwarding,no-X11-forwarding,no-pty,$cmd ssh-ed25519 AAAAkey2 mailshift-migration root@new.example' \
    && [ \$(grep -c mailshift-migration '$home/.ssh/authorized_keys') = 1 ]"
out=$(echo 'ssh-rsa AAAAkey3' | authkey add 9.2 2>&1); rc=$?
check "authkey: a key other than ed25519 is refused (exit $rc)" bash -c "[ $rc = 1 ] && grep -q 'not an ed25519 public key' <<<'$out'"
out=$(authkey remove 9.2 < /dev/null 2>&1); rc=$?
check "authkey: removed, the other lines as they were, the gate gone (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ \"\$(cat '$home/.ssh/authorized_keys')\" = \"\$(printf 'ssh-rsa AAAAadmin admin@laptop\nno-pty ssh-ed25519 AAAAother other')\" ] && [ ! -e '$gate' ]"

# restore: a client that cannot refuse a dump's commands restores nothing
# (the clients faked: each call logged; runuser runs what follows --)
fakedb=$w/fakedb
mkdir -p "$fakedb" "$b/dump"
echo 'x' | bzip2 > "$b/dump/vmail.sql.bz2"
printf '#!/bin/sh\nwhile [ "$1" != -- ]; do shift; done; shift; exec "$@"\n' > "$fakedb/runuser"
printf '#!/bin/sh\necho "mysql $*" >> %q/calls\n[ "$1" = --help ] && echo "  --silent  Be more silent."\nexit 0\n' "$w" > "$fakedb/mysql"
printf '#!/bin/sh\necho "psql $*" >> %q/calls\ncat > /dev/null; echo "invalid command \\\\restrict" >&2; exit 1\n' "$w" > "$fakedb/psql"
chmod +x "$fakedb"/*
rm -f "$w/calls"
out=$(PATH="$fakedb:$PATH" run_fragment restore.sh engine=mysql dbs=vmail 2>&1); rc=$?
check "restore: a mysql without --sandbox restores nothing, named (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'has no sandbox mode' <<<'${out//\'/}' && [ \"\$(cat '$w/calls')\" = 'mysql --help' ]"
rm -f "$w/calls"
out=$(PATH="$fakedb:$PATH" run_fragment restore.sh engine=pgsql dbs=vmail 2>&1); rc=$?
check "restore: a psql without restricted mode restores nothing, named (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'has no restricted mode' <<<'${out//\'/}' && [ \"\$(wc -l < '$w/calls')\" = 1 ]"

# discovery on stores in a folder, the source's tools faked
# shellcheck source=tests/census/discover.sh
. "$top/tests/census/discover.sh"

# pre-flight's checks for the system-user stacks, the servers' tools faked
# shellcheck source=tests/census/decom.sh
. "$top/tests/census/decom.sh"

# shellcheck source=tests/census/preflight.sh
. "$top/tests/census/preflight.sh"

# a mail spool as a hostile source sends it: the copy, the roots the target
# accepts, the owners, the Dovecot comparison, the wipe
# shellcheck source=tests/census/spool.sh
. "$top/tests/census/spool.sh"

# the cutover relay of a sendmail source, on a scratch /etc/mail
# shellcheck source=tests/census/relay-sendmail.sh
. "$top/tests/census/relay-sendmail.sh"

# the Dovecot census of an mbox store and its conversion to Maildir, with
# this machine's Dovecot on a scratch configuration
# shellcheck source=tests/census/mbox.sh
. "$top/tests/census/mbox.sh"

# the import of a system user's copied mail into an iRedMail mailbox, with
# what a compromised source may send it
# shellcheck source=tests/census/import.sh
. "$top/tests/census/import.sh"

# the test step's message from the old server over SMTP, to a stand-in server
# shellcheck source=tests/census/inbound.sh
. "$top/tests/census/inbound.sh"

# the test step's proof that the new server DKIM-signs with its own keys
# shellcheck source=tests/census/dkim.sh
. "$top/tests/census/dkim.sh"

# every fragment passes shellcheck (what mailshift embeds is what is checked)
check "every shell fragment of steps/sh and backends/sh passes shellcheck" shellcheck -s bash "$sh"/*.sh "$top/backends/sh"/*.sh

echo "census: $passed passed, $failed failed"
[ "$failed" = 0 ]
