#!/usr/bin/env bash
# A compromised source (docs/SECURITY.md), on the iredmail-mariadb lab:
#  - symbolic links in a mailbox: one absolute, to the server's /root/.ssh,
#    one that climbs out of its account to /etc; a DKIM "key" that is a link
#    to /etc/shadow;
#  - a dump tool that appends a shell escape (\! touch …) to every dump;
#  - a folder and a domain whose names hold terminal escapes and a command
#    substitution ($(touch …)).
# mailshift must stop cleanly at each (naming it, nothing after it running),
# and migrate once each is removed; no planted command may run anywhere, no
# terminal escape may reach the admin's output, and the target must be
# unchanged outside what a migration changes (a listing of /root and /etc,
# and the key paths, before and after).
# Prints "hostile: N passed, N failed".  Needs root.
# shellcheck disable=SC2016,SC2317 # the listing expands on the target; check runs the helpers
set -uo pipefail
sc=iredmail-mariadb
# shellcheck source=tests/lib/labtest.sh
. "$(dirname "$0")/../lib/labtest.sh"
labtest_start hostile "$sc"
run="$work/run"
mkdir -p "$run"
answers="$run/answers.conf"
{ cat "$lab/run/answers.conf"; echo "clean_source = yes"; } > "$answers"
rm -f /tmp/mailshift-pwned-*

# The target as it is: /etc and /root/.ssh (type, mode, owner, size, and
# each file's content), what /root holds, and the DKIM keys' paths.
listing() {
  "$lab/ssh" target '{ find /etc /root/.ssh /var/lib/dkim -xdev -printf "%p %y %m %u:%g %s\n"
    find /root -maxdepth 1 -printf "%p %y %m %u:%g\n"
    find /etc /root/.ssh -xdev -type f -print0 | xargs -0 md5sum; } 2>/dev/null | LC_ALL=C sort' </dev/null
}
listing > "$work/target.before"

# The plants.
u=$(grep -v '^#' "$lab/run/seed.txt" | head -n 1 | cut -f 1)
h=$("$lab/ssh" source "doveadm user -f home '$u'" </dev/null)
esc=$'\e]0;owned\a\e[2J'
evil="Evil${esc}\$(touch /tmp/mailshift-pwned-folder)"
"$lab/ssh" source "ln -sfn /root/.ssh '$h/Maildir/evil-abs' && ln -sfn \"\$(realpath --relative-to='$h/Maildir' /etc)\" '$h/Maildir/evil-climb' &&
  ln -sfn /etc/shadow /var/lib/dkim/evil.pem" </dev/null
# a folder whose name holds escapes and a command substitution, with a message
evil64=$(printf '%s' "$evil" | base64 -w0)
folder="d='$h'/Maildir/.\$(printf %s $evil64 | base64 -d)"
printf 'From: <probe@example.org>\nSubject: hostile folder\n\nx\n' |
  "$lab/ssh" source "$folder && mkdir -p \"\$d/cur\" \"\$d/new\" \"\$d/tmp\" &&
    cat > \"\$d/cur/1700000099.M1P1.hostile:2,S\" && chown -R vmail:vmail \"\$d\""
# a domain whose name holds escapes and a command substitution
dom="evil${esc}\$(touch /tmp/mailshift-pwned-domain).example"
"$lab/ssh" source "mysql vmail -e \"INSERT INTO domain (domain, description, transport, settings, created, active) VALUES (FROM_BASE64('$(printf '%s' "$dom" | base64 -w0)'), 'hostile', 'dovecot', '', NOW(), 1)\"" </dev/null
# the dump tool appends a shell escape to every dump
printf '#!/bin/sh\n/usr/bin/mysqldump "$@" || exit\nprintf '"'"'%%s\\n'"'"' '"'"'\\! touch /tmp/mailshift-pwned-dump'"'"'\n' |
  "$lab/ssh" source "cat > /usr/local/bin/mysqldump && chmod 0755 /usr/local/bin/mysqldump"
"$lab/verify" source > "$work/source.before" 2>&1

# RUN [LABEL]: the same command each time; its output kept
n=0
migrate() {
  n=$((n + 1))
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > "out.$n" 2> "err.$n"); rc=$?
}
stopped() { # STEP WHAT: the run stopped at STEP with WHAT on its output
  [ "$rc" = 1 ] && grep -q "step $1 failed" "$run/err.$n" && grep -q -- "$2" "$run/out.$n" "$run/err.$n"
}
no_escape() { ! grep -q $'\e' "$run/out.$n" "$run/err.$n"; }

# (neither link reaches the target: the bulk copy leaves both out, and the
# final copy takes no account again that did not change; a climbing link
# in one that did stops it: tests/lab/migrate.sh)
migrate
check "the links were left out, the DKIM one named" \
  bash -c "grep -q 'evil.pem is a symbolic link: left out' '$run/out.$n' '$run/err.$n' && '$lab/ssh' target 'for l in /var/lib/dkim/evil.pem \"$h/Maildir/evil-abs\" \"$h/Maildir/evil-climb\"; do [ ! -e \"\$l\" ] && [ ! -L \"\$l\" ] || exit 1; done' </dev/null"
check "the dump's shell escape: the restore runs nothing and stops, naming the cause (exit $rc)" \
  stopped databases "tries to run a client command on the target (the error above): nothing ran"
check "... no terminal escape reached the output" no_escape
"$lab/ssh" source "rm -f /usr/local/bin/mysqldump" </dev/null

# The one-off key, authorized now, as a compromised target would use it:
# its gate runs no command and takes no upload; it reads
src=$(awk '/^\[/ { s = ($0 == "[source]") } s && $1 == "host" { print $3 }' "$answers")
key="ssh -F /dev/null -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -o GlobalKnownHostsFile=/dev/null -l root"
out=$("$lab/ssh" target "$key $src 'touch /tmp/mailshift-pwned-key; id'" </dev/null 2>&1); rc=$?
check "the one-off key runs no command on the source (exit $rc)" \
  bash -c "[ $rc != 0 ] && ! grep -q 'uid=' <<<'${out//\'/}' && grep -q 'refused' <<<'${out//\'/}'"
out=$("$lab/ssh" target "echo x > /tmp/up && rsync -a -e '$key' /tmp/up $src::mailshift/tmp/mailshift-pwned-upload" </dev/null 2>&1); rc=$?
# (rsync names "module is read only" when its message wins the race with the
# closing connection, else "connection unexpectedly closed": what matters is
# that nothing arrived)
check "... takes no upload (exit $rc)" \
  bash -c "[ $rc != 0 ] && '$lab/ssh' source 'test ! -e /tmp/mailshift-pwned-upload' </dev/null"
[ "$rc" != 0 ] || printf '     %s\n' "$out"
out=$("$lab/ssh" target "rsync -a --remove-source-files -e '$key' $src::mailshift/etc/hostname /tmp/got" </dev/null 2>&1); rc=$?
check "... removes nothing it sends (exit $rc)" bash -c "[ $rc != 0 ] && '$lab/ssh' source 'test -s /etc/hostname' </dev/null"
check "... and reads" \
  bash -c "[ \"\$('$lab/ssh' target \"rsync -a -e '$key' $src::mailshift/etc/hostname /tmp/got && cat /tmp/got\" </dev/null)\" = \"\$('$lab/ssh' source 'cat /etc/hostname' </dev/null)\" ]"

migrate
check "the domain whose name holds escapes: the relay refuses it, named harmlessly (exit $rc)" \
  stopped relay "not a domain name mailshift can relay: evil?]0;owned??\[2J\$(touch /tmp/mailshift-pwned-domain).example"
check "... no terminal escape reached the output" no_escape
check "... and a stop with the key authorized says so, and how to remove it" \
  grep -q 'the one-off key is still authorized on the source' "$run/err.$n"
"$lab/ssh" source "mysql vmail -e \"DELETE FROM domain WHERE description = 'hostile'\"" </dev/null

migrate
check "with the plants gone the same command completes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 20 "$run/out.$n" "$run/err.$n" | sed 's/^/     /'
check "... verify passed on the source's census, the hostile folder's message counted" \
  bash -c "cat '$run'/out.* | grep -q \"every account, folder and message of the source's census is on the target: \""
check "... the hostile folder is on the target, its name as it was" \
  "$lab/ssh" target "$folder && test -f \"\$d/cur/1700000099.M1P1.hostile:2,S\"" </dev/null
check "... no terminal escape reached the output" no_escape
for host in source target; do
  left=$("$lab/ssh" "$host" 'ls /tmp/mailshift-pwned-* 2>/dev/null' </dev/null)
  check "no planted command ran on the $host${left:+ ($left)}" test -z "$left"
done
left=$(ls /tmp/mailshift-pwned-* 2>/dev/null)
check "no planted command ran here${left:+ ($left)}" test -z "$left"

# the target unchanged outside what a migration changes: the relay's way
# past its policy checks in /etc/postfix (main.cf, saved first, and its two
# tables), the DKIM keys (replaced by the source's), nothing else
listing > "$work/target.after"
diff "$work/target.before" "$work/target.after" | grep '^[<>]' |
  grep -v -E '^[<>] ([0-9a-f]{32}  )?(/etc/postfix/main\.cf|/etc/postfix/main\.cf\.mailshift-relay-before|/etc/postfix/mailshift_relay(_ok)?\.cidr|/var/lib/dkim)( |/|$)' > "$work/unexpected"
check "the target's /root and /etc are as before, but for the relay's settings (a listing of type, mode, owner, size, content)" \
  test ! -s "$work/unexpected"
[ ! -s "$work/unexpected" ] || head -n 20 "$work/unexpected" | sed 's/^/     /'
check "... /etc/shadow kept its mode and content; the DKIM keys are plain files, none a link" \
  bash -c "grep '^/etc/shadow ' '$work/target.before' | cmp -s - <(grep '^/etc/shadow ' '$work/target.after') && ! grep -q '^/var/lib/dkim/[^ ]* l ' '$work/target.after'"
finish
