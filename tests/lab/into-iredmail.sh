#!/usr/bin/env bash
# shellcheck disable=SC2016 # remote $(...) is the host's
# System users into iRedMail on the lab (sendmail-iredmail: sendmail + mbox
# source; postfix-iredmail: Postfix + Maildir source), the target's
# backend LAB_BACKEND (mariadb, pgsql, openldap), headless, end to end,
# judged by what the servers' own software says:
#  - an address the target has already (an alias made by hand) stops the
#    mailboxes step, naming it, before anything is written; gone, the same
#    command resumes and completes;
#  - each user's folders as the SOURCE's Dovecot listed them before the run
#    (messages, unseen, UIDVALIDITY) are what the target's Dovecot lists
#    for the user's address, and the POP3 UIDLs a real POP3 session lists;
#  - every user logs in to the target over IMAP as USER@lab.test with the
#    old password (the shadow hash kept as {CRYPT});
#  - the source's aliases are iRedMail aliases in the target's backend; the
#    pipe alias and the .procmailrc are listed by hand, with where they
#    came from;
#  - after the cutover, mail sent to the old server reaches the new mailbox,
#    and, as the first user's .forward said, a copy reaches the second
#    user; mail to the alias sales reaches both its members (the target's
#    own Postfix expanding iRedMail's forwardings);
#  - the test step sends as a user through port 587 with SASL (refused
#    without) and the message arrives signed by the target's real amavisd,
#    the signature verified; with submission not passing amavisd the check
#    fails; its throwaway sender is removed;
#  - no password hash in mailshift's output, log, journal or runbook;
#  - the runbook, replayed on a reset lab, reaches the same verified state.
# Prints "into-iredmail: N passed, N failed".  Needs root.
# Usage: into-iredmail.sh SCENARIO (LAB_BACKEND in the environment)
set -uo pipefail
sc=${1:-sendmail-iredmail}
case $sc in sendmail-iredmail|postfix-iredmail) ;; *) echo "into-iredmail.sh: no such scenario $sc" >&2; exit 2 ;; esac
be=${LAB_BACKEND:-mariadb}
# shellcheck source=tests/lib/labtest.sh
. "$(dirname "$0")/../lib/labtest.sh"
labtest_start into-iredmail "$sc"
answers="$lab/run/answers.conf"
run="$work/run"
mkdir -p "$run"
users=$(grep -v '^#' "$lab/run/seed.txt" | cut -f 1 | sort -u)
list=$(tr '\n' ' ' <<<"$users")
first=$(head -n 1 <<<"$users") second=$(sed -n 2p <<<"$users")
check "the lab seeded several users to move ($(wc -w <<<"$users"), target backend $be)" test "$(wc -w <<<"$users")" -ge 3
n=0
migrate() {
  n=$((n + 1))
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > "out.$n" 2> "err.$n"); rc=$?
}
# each user's folders as a host's own Dovecot lists them, named by user
# (the target's by the user's address); a folder without messages that is
# the parent of another is left out (mbox: a directory, no mailbox)
folders() { # HOST DOMAIN ("" on the source)
  "$lab/ssh" "$1" "for u in $list; do doveadm -f tab mailbox status -u \"\$u${2:+@$2}\" 'messages unseen uidvalidity' '*' |
    tail -n +2 | sed \"s/^/\$u\t/\"; done | sort" </dev/null |
    awk -F '\t' '{ l[NR] = $0; k[NR] = $1 "\t" $2; m[NR] = $3; p = $2; while (sub(/\/[^\/]*$/, "", p)) par[$1 "\t" p] = 1 }
      END { for (i = 1; i <= NR; i++) if (m[i] != 0 || !(k[i] in par)) print l[i] }'
}
uidls() { # HOST ADDRESS LOGIN: LOGIN's POP3 UIDL listing, from a real POP3 session
  local pw
  pw=$(awk -F '\t' -v u="$first" '$1 == u { print $2; exit }' "$lab/run/seed.txt")
  printf 'user = "%s:%s"\n' "$3" "$pw" | curl -s -K - --max-time 20 --cacert "$lab/run/$1-cert.pem" \
    --resolve "$1.lab.test:995:$2" -X UIDL "pop3s://$1.lab.test/"
}
sql() { # the target's vmail database
  case $be in
    pgsql) "$lab/ssh" target "cd / && runuser -u postgres -- psql -X -At -d vmail -c \"$1\"" </dev/null ;;
    *) "$lab/ssh" target "mysql -N -B vmail -e \"$1\"" </dev/null ;;
  esac
}
before=$(folders source "")
uidl_before=$(uidls source 10.200.0.2 "$first")
check "the source's Dovecot lists the users' folders ($(wc -l <<<"$before") folders)" \
  test "$(wc -l <<<"$before")" -ge "$(wc -w <<<"$users")"
check "the source serves POP3: $first's UIDL listing ($(grep -c . <<<"$uidl_before") messages)" \
  test "$(grep -c . <<<"$uidl_before")" -ge 2

# 1. an address the target has already: the first user's, as an alias
if [ "$be" != openldap ]; then
  sql "INSERT INTO alias (address, domain, active) VALUES ('$first@lab.test', 'lab.test', 1)" >/dev/null
  migrate
  check "an address the target has already stops the mailboxes step, naming it (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'step mailboxes failed' '$run/err.$n' && grep -q '$first@lab.test (the source.s user $first)' '$run/out.$n'"
  check "... and no mailbox was made" test "$(sql "SELECT COUNT(*) FROM mailbox")" = 0
  sql "DELETE FROM alias WHERE address = '$first@lab.test'" >/dev/null
fi

# 2. the same command completes the migration
migrate
check "the migration completes (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 20 "$run/out.$n" "$run/err.$n" | sed 's/^/     /'
check "... verify passed: the target's Dovecot shows what the source's showed" \
  grep -q "the target's Dovecot shows what the source's showed" "$run/out.$n"
check "... and the test step's message from the old server over SMTP reached a mailbox" \
  grep -q 'the message sent over SMTP to .* from the old server is in the INBOX of' "$run/out.$n"
check "... the test step sent as a user through port 587 with SASL (refused without authentication)" \
  bash -c "grep -q 'without authentication port 587 refuses it: .*554' '$run/out.$n' && grep -q 'authenticated on port 587 (TLS, SASL) and sent a message' '$run/out.$n'"
check "... and the new server's amavisd signed it: the DKIM signature verifies with the target's key for lab.test" \
  grep -q 'pass: the DKIM signature d=lab.test s=dkim verifies with the key /var/lib/dkim/lab.test.pem (sha256 ' "$run/out.$n"
# the target's Dovecot lists the accounts it finds for mailshift-test-*
senders() { "$lab/ssh" target "doveadm user 'mailshift-test-*'" </dev/null; }
left=$(senders) || left="(doveadm failed)"
check "... and removed its throwaway sender (the target's Dovecot finds no mailshift-test account${left:+: $left})" test -z "$left"
after=$(folders target lab.test)
check "each user's folders on the target's Dovecot are the source's: messages, unseen, UIDVALIDITY" \
  test "$after" = "$before"
[ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | head -n 10 | sed 's/^/     /'
check "$first's POP3 UIDLs on the target are the source's (no POP3 client fetches its mail again)" \
  test "$(uidls target 10.200.0.3 "$first@lab.test")" = "$uidl_before"
check "the target's Dovecot keeps $first@lab.test's mail in iRedMail's store, as Maildir" \
  bash -c "'$lab/ssh' target \"doveadm mailbox path -u '$first@lab.test' INBOX\" </dev/null | grep -q '^/var/vmail/vmail1/lab.test/.*/Maildir'"
logins=$(labtest_logins @lab.test)
check "every user logs in to the target over IMAP as USER@lab.test with the old password ($logins)" \
  test "$logins" = "$(wc -w <<<"$users")"
if [ "$be" = openldap ]; then
  check "the source's alias sales is an iRedMail alias (a mailAlias entry)" \
    "$lab/ssh" target 'slapcat -f /etc/ldap/slapd.conf -a "(&(objectClass=mailAlias)(mail=sales@lab.test))" | grep -q "^mailForwardingAddress: "' </dev/null
else
  check "the source's alias sales is an iRedMail alias with its two members" \
    test "$(sql "SELECT COUNT(*) FROM forwardings WHERE address = 'sales@lab.test'")" = 2
fi
check "the pipe alias and the .procmailrc are listed by hand, with where they came from" \
  bash -c "grep -q 'aliases line [0-9]*: lab-archive: .*a command (pipe)' '$run/out.$n' && grep -q '/home/[a-z]*/.procmailrc: procmail recipes' '$run/out.$n'"

# 3. after the cutover the old server relays to the new one
tok="relayed-$RANDOM$RANDOM"
printf 'From: <sender@lab-sender.test>\r\nTo: <%s@lab.test>\r\nSubject: %s\r\n\r\nafter the cutover\r\n' "$first" "$tok" |
  curl -s --max-time 30 --mail-from sender@lab-sender.test --mail-rcpt "$first@lab.test" -T - smtp://10.200.0.2:25 ||
  echo "     the old server did not take the message over SMTP (curl exit $?)"
# shellcheck disable=SC2317 # called through check
arrived() { # ADDRESS SUBJECT: within 30 s in that INBOX on the target
  local _
  for _ in $(seq 1 30); do
    [ -z "$("$lab/ssh" target "doveadm search -u '$1' mailbox INBOX header Subject '$2'" </dev/null 2>/dev/null)" ] || return 0
    sleep 1
  done
  return 1
}
check "mail sent to the old server after the cutover reaches $first@lab.test on the new one" arrived "$first@lab.test" "$tok"
check "... and its .forward's copy reaches $second@lab.test (an iRedMail forwarding now)" arrived "$second@lab.test" "$tok"
tok="alias-$RANDOM$RANDOM"
printf 'From: <sender@lab-sender.test>\r\nTo: <sales@lab.test>\r\nSubject: %s\r\n\r\nto an alias\r\n' "$tok" |
  curl -s --max-time 30 --mail-from sender@lab-sender.test --mail-rcpt sales@lab.test -T - smtp://10.200.0.3:25 ||
  echo "     the new server did not take the message over SMTP (curl exit $?)"
check "mail to the alias sales@lab.test reaches both its members on the new server" \
  bash -c "$(declare -f arrived); lab='$lab'; arrived '$first@lab.test' '$tok' && arrived '$second@lab.test' '$tok'"

# the outbound check fails when the new server does not sign: submission
# without amavisd (its content_filter off), the test step alone again
if [ "$be" = mariadb ]; then
  "$lab/ssh" target 'postconf -P submission/inet/content_filter= && postfix reload' </dev/null >/dev/null 2>&1
  (cd "$run" && bash mailshift-runbook.sh --yes --only test > unsigned.out 2>&1); rc=$?
  check "with submission not passing amavisd, the test step fails: the message carries no DKIM signature (exit $rc)" \
    bash -c "[ $rc != 0 ] && grep -q 'carries no DKIM-Signature' '$run/unsigned.out'"
  "$lab/ssh" target 'postconf -P "submission/inet/content_filter=smtp-amavis:[127.0.0.1]:10026" && postfix reload' </dev/null >/dev/null 2>&1
  (cd "$run" && bash mailshift-runbook.sh --yes --only test > signed.out 2>&1); rc=$?
  left=$(senders) || left="(doveadm failed)"
  check "... passes again once it does, and removes both throwaway senders (exit $rc${left:+; left: $left})" \
    bash -c "[ $rc = 0 ] && grep -q 'pass: the DKIM signature d=lab.test' '$run/signed.out' && [ \$(grep -c '^removes the test sender' '$run/signed.out') = 2 ] && [ -z '$left' ]"
fi

labtest_no_hashes "$list" "$run"
check "the runbook passes shellcheck" shellcheck "$run/mailshift-runbook.sh"

# 4. the runbook, on a reset lab
"$lab/reset" > "$work/reset" 2>&1 || bad "lab/reset"
before=$(folders source "")
(cd "$run" && bash mailshift-runbook.sh --yes > replay.out 2>&1); rc=$?
check "the runbook replays the migration on a reset lab (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 20 "$run/replay.out" | sed 's/^/     /'
check "... verify passed there too" grep -q "the target's Dovecot shows what the source's showed" "$run/replay.out"
check "... each user's folders on the target's Dovecot are the source's" test "$(folders target lab.test)" = "$before"
finish
