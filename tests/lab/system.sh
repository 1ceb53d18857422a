#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # remote $(...) is the host's; stopped is called through check
# A system-user stack's scenario on the lab (postfix-dovecot, the default,
# sendmail-mbox -> postfix-dovecot, sendmail-sendmail: sendmail-mbox to
# the same), headless, end to end, judged
# by what the servers' own software says, not by mailshift's census:
#  - pre-flight stops, naming it, while the target does not take mail for a
#    domain the source delivers locally (the relay would bounce it);
#  - a uid the target already uses for another name stops the users step,
#    naming it, before anything is created; gone, the same command resumes;
#  - every user is on the target with the source's uid, gid, home and
#    password hash (compared as digests: no hash is printed), and logs in
#    over IMAP with the old password;
#  - each user's folders as the SOURCE's Dovecot listed them before the run
#    (messages, unseen, UIDVALIDITY) are what the target's Dovecot
#    lists after it, and the POP3 UIDLs a real POP3 session lists; the
#    homes' .forward and .procmailrc kept with owner and mode; the source's
#    aliases merged; its configuration brought for review, what differs shown;
#  - sendmail-mbox: the target keeps the mail as Maildir (its own Dovecot
#    says where), the mbox files carried beside it as the way back;
#    sendmail-sendmail: as mbox in /var/mail, owned by each user;
#  - after the cutover, mail sent to the old server reaches the new mailbox;
#  - a Postfix target: a throwaway user sends through port 587 with SASL
#    (refused without), and is removed;
#  - decommission lists what holds data and secrets on the old server and
#    wipes its mail there (wipe_source, confirmed by the host's name);
#  - no password hash in mailshift's output, log, journal or runbook;
#  - the runbook, replayed on a reset lab, reaches the same verified state.
# Prints "system: N passed, N failed".  Needs root.  Usage: system.sh [SCENARIO]
set -uo pipefail
sc=${1:-postfix-dovecot}
case $sc in postfix-dovecot|sendmail-mbox|sendmail-sendmail) ;; *) echo "system.sh: no system-user scenario $sc" >&2; exit 2 ;; esac
# the target's MTA: sendmail-sendmail's is sendmail, the others' Postfix
tmta=postfix
[ "$sc" != sendmail-sendmail ] || tmta=sendmail
# shellcheck source=tests/lib/labtest.sh
. "$(dirname "$0")/../lib/labtest.sh"
labtest_start system "$sc"
# the old server's mail is wiped at the end, confirmed by its host name
answers="$work/answers.conf"
src=$(awk '/^\[/ { s = ($0 == "[source]") } s && $1 == "host" { print $3 }' "$lab/run/answers.conf")
{ cat "$lab/run/answers.conf"; printf 'wipe_source = yes\nwipe_source_confirm = %s\n' "$src"; } > "$answers"
run="$work/run"
mkdir -p "$run"
users=$(grep -v '^#' "$lab/run/seed.txt" | cut -f 1 | sort -u)
list=$(tr '\n' ' ' <<<"$users")
first=$(head -n 1 <<<"$users")
check "the lab seeded several users to move ($(wc -w <<<"$users"))" test "$(wc -w <<<"$users")" -ge 3
n=0
migrate() { # one headless run, resumed where the last stopped
  n=$((n + 1))
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > "out.$n" 2> "err.$n"); rc=$?
}
stopped() { # STEP WHAT: the run stopped at STEP with WHAT on its output
  [ "$rc" = 1 ] && grep -q "step $1 failed" "$run/err.$n" && grep -q -- "$2" "$run/out.$n" "$run/err.$n"
}
# Each user's folders as a host's own Dovecot lists them: the ground truth
# (messages, unseen, UIDVALIDITY; the next UID apart: the test step's
# message, sent and removed, takes one)
# A folder without messages that is the parent of another is left out: an
# mbox keeps it as a directory (no mailbox), Maildir++ as an empty folder.
folders() { # HOST
  "$lab/ssh" "$1" "for u in $list; do doveadm -f tab mailbox status -u \"\$u\" 'messages unseen uidvalidity' '*' |
    tail -n +2 | sed \"s/^/\$u\t/\"; done | sort" </dev/null |
    awk -F '\t' '{ l[NR] = $0; k[NR] = $1 "\t" $2; m[NR] = $3; p = $2; while (sub(/\/[^\/]*$/, "", p)) par[$1 "\t" p] = 1 }
      END { for (i = 1; i <= NR; i++) if (m[i] != 0 || !(k[i] in par)) print l[i] }'
}
ids() { # HOST: each user's passwd entry and a digest of its hash
  "$lab/ssh" "$1" "for u in $list; do getent passwd \"\$u\" | cut -d: -f1,3,4,6; getent shadow \"\$u\" | cut -d: -f2 | sha256sum; done" </dev/null
}
files() { # HOST: the homes' mail files, with owner and mode
  "$lab/ssh" "$1" "cd /home && find . -name .forward -o -name .procmailrc | sort | xargs -r stat -c '%n %U:%G %a %s'" </dev/null
}
uidls() { # HOST: the first user's POP3 UIDL listing, from a real POP3 session
  local pw
  pw=$(awk -F '\t' -v u="$first" '$1 == u { print $2; exit }' "$lab/run/seed.txt")
  printf 'user = "%s:%s"\n' "$first" "$pw" | curl -s -K - --max-time 20 --cacert "$lab/run/$1-cert.pem" \
    --resolve "$1.lab.test:995:$2" -X UIDL "pop3s://$1.lab.test/"
}
before=$(folders source)
uidl_before=$(uidls source 10.200.0.2)
check "the source serves POP3: $first's UIDL listing ($(grep -c . <<<"$uidl_before") messages)" \
  test "$(grep -c . <<<"$uidl_before")" -ge 2
check "the source's Dovecot lists the users' folders ($(wc -l <<<"$before") folders)" \
  test "$(wc -l <<<"$before")" -ge "$(wc -w <<<"$users")"
ids_before=$(ids source)
files_before=$(files source)
# a web page of the admin's, which pre-flight lists for review (seed 003)
"$lab/ssh" source 'mkdir -p /var/www/html && echo lab > /var/www/html/custom.html' </dev/null

# 1. a target that does not take mail for the source's host name (the lab's
#    takes it: its mydestination, or local-host-names, for a moment without it)
if [ "$tmta" = postfix ]; then
  "$lab/ssh" target 'cp -p /etc/postfix/main.cf /root/main.cf.lab &&
    postconf -e "mydestination = $(postconf -h mydestination | sed "s/ source.lab.test,//")" && postfix reload' </dev/null >/dev/null 2>&1
else
  "$lab/ssh" target 'cp -p /etc/mail/local-host-names /root/lhn.lab && sed -i /^source.lab.test$/d /etc/mail/local-host-names' </dev/null
fi
migrate
check "pre-flight stops on a domain the target does not take, naming it (exit $rc)" \
  stopped preflight "the target does not take mail for: source.lab.test"
if [ "$tmta" = postfix ]; then
  "$lab/ssh" target 'cp -p /root/main.cf.lab /etc/postfix/main.cf && postfix reload' </dev/null >/dev/null 2>&1
else
  "$lab/ssh" target 'cp -p /root/lhn.lab /etc/mail/local-host-names' </dev/null
fi

# 2. the conflict: the target's own user holds the source's first uid
uid=$("$lab/ssh" source "id -u '$first'" </dev/null)
"$lab/ssh" target "useradd -M -u '$uid' -s /usr/sbin/nologin squatter" </dev/null
migrate
check "a uid the target uses for another name stops the users step (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'step users failed' '$run/err.$n' && grep -q 'conflict: .*$uid' '$run/out.$n' && grep -q 'nothing was created' '$run/out.$n'"
check "... and nothing was created" bash -c "! '$lab/ssh' target 'getent passwd $first' </dev/null >/dev/null"
"$lab/ssh" target "userdel squatter" </dev/null

# 3. the same command resumes and completes
migrate
check "the same command resumes and completes the migration (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 20 "$run/out.$n" "$run/err.$n" | sed 's/^/     /'
# (verify's words: the census's, or for an mbox source its Dovecot's)
verified_re="every account, folder and message of the source's census is on the target|the target's Dovecot shows what the source's showed"
check "... verify passed on the source's census" grep -qE "$verified_re" "$run/out.$n"
check "... and the test step's message from the old server over SMTP reached a mailbox" \
  bash -c "grep -q 'the new server took a message to .* over SMTP from this server' '$run/out.$n' && grep -q 'the message sent over SMTP to .* from the old server is in the INBOX of' '$run/out.$n'"
if [ "$sc" != sendmail-sendmail ]; then
  check "... a throwaway user sent through the new Postfix's port 587 with SASL (refused without) to a mailbox" \
    bash -c "grep -q 'without authentication port 587 refuses it: .*554' '$run/out.$n' && grep -q 'authenticated on port 587 (TLS, SASL) and sent a message' '$run/out.$n' && grep -q 'target| it arrived in the INBOX of ' '$run/out.$n'"
else
  check "... (sendmail: no outbound check, none attempted)" bash -c "! grep -q 'test sender' '$run/out.$n'"
fi
left=$("$lab/ssh" target "getent passwd | grep '^mailshift-test-'" </dev/null)
check "... and no throwaway user is left on the target${left:+ ($left)}" test -z "$left"
check "every user is on the target with the source's uid, gid, home and hash" test "$(ids target)" = "$ids_before"
after=$(folders target)
check "each user's folders on the target's Dovecot are the source's: messages, unseen, UIDVALIDITY" \
  test "$after" = "$before"
[ "$after" = "$before" ] || diff <(echo "$before") <(echo "$after") | head -n 10 | sed 's/^/     /'
check "$first's POP3 UIDLs on the target are the source's (no POP3 client fetches its mail again)" \
  test "$(uidls target 10.200.0.3)" = "$uidl_before"
check "the homes' .forward and .procmailrc are there, owner, mode and size kept" test "$(files target)" = "$files_before"
if [ "$sc" = sendmail-sendmail ]; then
  check "the target's Dovecot keeps $first's mail as mbox, the INBOX in /var/mail, owned by the user" \
    "$lab/ssh" target "test \"\$(doveadm mailbox path -u '$first' -t mailbox INBOX)\" = '/var/mail/$first' && test \"\$(stat -c %U '/var/mail/$first')\" = '$first'" </dev/null
fi
if [ "$sc" = sendmail-mbox ]; then
  check "the target's Dovecot keeps $first's mail as Maildir in the home" \
    test "$("$lab/ssh" target "doveadm mailbox path -u '$first' INBOX" </dev/null)" = "/home/$first/Maildir"
  check "... and the mbox files came along, the way back (/var/mail/$first, ~/mail)" \
    "$lab/ssh" target "test -s '/var/mail/$first' && test -d '/home/$first/mail' && test \"\$(stat -c %U '/var/mail/$first')\" = '$first'" </dev/null
fi
case $sc in
  postfix-dovecot) cfg="differs: /etc/postfix/main.cf" ;;
  sendmail-mbox) cfg="only on the source: /etc/mail/sendmail.mc" ;;
  *) cfg="differs: /etc/mail/local-host-names" ;;
esac
# (pre-flight ran whole in the second run: the first stopped at the domains)
check "pre-flight listed the old server's web tree for review, a page of the admin's in it (seed 003)" \
  bash -c "grep -qE '^   source\\| /var/www: [0-9]+ file' '$run/out.2' && grep -qF 'f /var/www/html/custom.html' '$run/out.2'"
check "the source's configuration came for review, what differs shown ($cfg)" \
  bash -c "grep -qF -- '$cfg' '$run/out.$n' && grep -q 'the source.s configuration is in' '$run/out.$n'"
logins=$(labtest_logins "")
check "every user logs in to the target over IMAP with the old password ($logins)" test "$logins" = "$(wc -w <<<"$users")"
if [ "$tmta" = postfix ]; then
  check "the source's aliases are merged on the target (postalias -q sales)" \
    "$lab/ssh" target 'postalias -q sales /etc/aliases >/dev/null && grep -q "^postmaster:" /etc/aliases' </dev/null
else
  check "the source's aliases are merged on the target (sendmail's alias map holds sales)" \
    "$lab/ssh" target 'makemap -u hash /etc/mail/aliases | grep -q "^sales[[:space:]]" && grep -q "^postmaster:" /etc/aliases' </dev/null
fi

check "decommission listed the homes and what else holds secrets on the old server" \
  bash -c "grep -q 'mail (mail) */home/$first' '$run/out.$n' && grep -q 'password hashes */etc/shadow' '$run/out.$n'"
check "... and wiped its mail, the homes' contents, confirmed by its host name" \
  bash -c "grep -q 'wiped /home/$first (mail)' '$run/out.$n' && [ -z \"\$('$lab/ssh' source 'ls -A /home/$first' </dev/null)\" ] && '$lab/ssh' source 'test -d /home/$first' </dev/null"
[ "$sc" = postfix-dovecot ] || check "... and the users' spool files in /var/mail, the spool itself kept" \
  bash -c "grep -q 'wiped /var/mail (spool)' '$run/out.$n' && '$lab/ssh' source 'test ! -e /var/mail/$first && test -d /var/mail' </dev/null"

# 4. after the cutover the old server relays to the new one
tok="relayed-$RANDOM$RANDOM"
# (over SMTP from outside, as the senders who still see the old MX)
printf 'From: <sender@lab-sender.test>\r\nTo: <%s@lab.test>\r\nSubject: %s\r\n\r\nafter the cutover\r\n' "$first" "$tok" |
  curl -s --max-time 30 --mail-from sender@lab-sender.test --mail-rcpt "$first@lab.test" -T - smtp://10.200.0.2:25 ||
  echo "     the old server did not take the message over SMTP (curl exit $?)"
got=
for _ in $(seq 1 30); do
  got=$("$lab/ssh" target "doveadm search -u '$first' mailbox INBOX header Subject '$tok'" </dev/null 2>/dev/null)
  [ -z "$got" ] || break
  sleep 1
done
check "mail sent to the old server after the cutover reaches the user's mailbox on the new one" test -n "$got"
check "... and none of it was delivered on the old one" \
  bash -c "[ -z \"\$('$lab/ssh' source \"doveadm search -u '$first' mailbox INBOX header Subject '$tok'\" </dev/null 2>/dev/null)\" ]"

labtest_no_hashes "$list" "$run"
check "the key is gone from the source" \
  bash -c "! '$lab/ssh' source 'grep -q mailshift-migration /root/.ssh/authorized_keys' </dev/null"
check "the runbook passes shellcheck" shellcheck "$run/mailshift-runbook.sh"

# 5. the runbook, on a reset lab
"$lab/reset" > "$work/reset" 2>&1 || bad "lab/reset"
# (a fresh lab: its Dovecot gives the folders new UIDVALIDITYs when it
# first lists them, so the ground truth is listed again)
before=$(folders source)
ids_before=$(ids source)
(cd "$run" && CONFIRM_HOST=$src bash mailshift-runbook.sh --yes > replay.out 2>&1); rc=$?
check "the runbook replays the migration on a reset lab (exit $rc)" test "$rc" = 0
[ "$rc" = 0 ] || tail -n 20 "$run/replay.out" | sed 's/^/     /'
check "... verify passed there too" grep -qE "$verified_re" "$run/replay.out"
check "... each user's folders on the target's Dovecot are the source's" test "$(folders target)" = "$before"
check "... every user with the source's ids and hash" test "$(ids target)" = "$ids_before"
finish
