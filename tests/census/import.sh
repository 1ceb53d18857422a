# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w mb mu mg mb_run ...: tests/census/run.sh's and mbox.sh's
# shellcheck disable=SC2016 # text for the checks' eval
# The import into iRedMail mailboxes (steps/sh/import.sh), the text
# mailshift embeds, with this machine's real Dovecot: the "target" serves
# the address alice@lab.test (a passwd-file userdb, home under vmail/,
# Maildir), the copies of the source (mbox.sh's alice: ~/mail and
# /var/mail/alice) lie in the import directory under their own paths, the
# source's census is mbox.sh's.  What it proves: the mailbox then shows
# the census's lines of alice (UIDVALIDITY, UIDs, flags: the comparison is
# the step's own, checked here too); only the mail's paths become the
# mailbox owner's (a key in the home stays root's), the directory is
# 0710; a second run changes nothing; a finished mailbox that holds mail
# since is refused, the mail kept; and what a compromised source sends is
# refused before anything is owned or imported: a location with a tab (it
# chose the owner and path of a chown), a key the import does not know, a
# home with "..", a link in the copy.  Needs root (the owners).
if [ "$(id -u)" != 0 ]; then
  check "import: needs root (it gives the copies to the mailbox's owner)" false
  return 0
fi
ib=$mb/ib into=$mb/import
mkdir -p "$ib/census" "$ib/users" "$ib/accounts" "$mb/bin-irm" "$mb/vmail" "$mb/canary"
chown "$mu:$mg" "$mb/vmail"  # (iRedMail's vmail1: the mailboxes' owner's)
printf 'alice@lab.test:{PLAIN}x:%s:%s::%s\n' "$mu" "$mg" "$mb/vmail/alice" > "$mb/irm.passwd"
chmod 0644 "$mb/irm.passwd"
sed -e "s|$mb/passwd|$mb/irm.passwd|" -e "s|run-dst|run-irm|g" -e "s|log-dst|log-irm|" "$mb/dst.conf" > "$mb/irm.conf"
for t in doveadm doveconf dovecot; do
  printf '#!/bin/sh\nexec %s -c %s "$@"\n' "$(command -v $t)" "$mb/irm.conf" > "$mb/bin-irm/$t"
  chmod +x "$mb/bin-irm/$t"
done
dirm() { "$mb/bin-irm/doveadm" "$@"; }
# the source's census of alice, its passwd, the map
grep -P '^(C\t|[AEFMS]\talice\t)' "$mb/b/census/dovecot-source.tsv" > "$ib/census/source.tsv"
echo 'alice:x:1001:1001:Alice:/home/alice:/bin/bash' > "$ib/users/passwd"
printf 'alice\talice@lab.test\t%s/vmail/alice/Maildir\n' "$mb" > "$ib/accounts/map.tsv"
# the copies, as copy.sh leaves them: root's
stage() {
  rm -rf "$into" && mkdir -p -m 0700 "$into/home" "$into/var/mail" &&
    cp -a "$mb/home/alice" "$into/home/alice" && cp -a "$mb/var/mail/alice" "$into/var/mail/alice" &&
    mkdir -p "$into/home/alice/.ssh" && echo key > "$into/home/alice/.ssh/id" && chown -R 0:0 "$into"
}
mb_import() { # LOCATION
  PATH="$mb/bin-irm:$PATH" mb_run irm import.sh "b=$ib" "into=$into" "location=$1"
}
canary() { [ "$(stat -c %u "$mb/canary")" = 0 ] && [ ! -e "$mb/vmail/alice" ]; }
good='mbox:~/mail:INBOX=/var/mail/%u'

stage
out=$(mb_import $'mbox:~/mail:INBOX=/var/mail/%u:LAYOUT=fs\t0\t/../../canary' 2>&1); rc=$?
check "import: a location with a tab is refused, nothing owned or imported (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "is not a plain location" && canary && [ "$(stat -c %u "$into/home/alice/mail")" = 0 ]'
out=$(mb_import 'mbox:~/mail:INBOX=/var/mail/%u:DIRNAME=x' 2>&1); rc=$?
check "import: a location key it does not know is refused, naming it (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "has DIRNAME, which the import does not carry" && canary'
echo 'alice:x:1001:1001:Alice:/home/../canary:/bin/bash' > "$ib/users/passwd"
out=$(mb_import "$good" 2>&1); rc=$?
check "import: a home with .. is refused (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "the home /home/../canary is not a plain path" && canary'
echo 'alice:x:1001:1001:Alice:/home/alice:/bin/bash' > "$ib/users/passwd"
mv "$into/home/alice/mail" "$mb/mail.aside" && ln -s "$mb/canary" "$into/home/alice/mail"
out=$(mb_import "$good" 2>&1); rc=$?
[ "$rc" = 1 ] || printf '%s\n' "$out" | tail -n 5 | sed 's/^/     /'
check "import: a symbolic link in the copy is not followed: refused, nothing owned (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "goes through a symbolic link in the copy" && [ "$(stat -c %u "$mb/canary")" = 0 ]'
rm "$into/home/alice/mail" && mv "$mb/mail.aside" "$into/home/alice/mail"

out=$(mb_import "$good" 2>&1); rc=$?
[ "$rc" = 0 ] || printf '%s\n' "$out" | tail -n 8 | sed 's/^/     /'
check "import: alice's mbox copy into alice@lab.test's mailbox, checked against the census (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "alice: 6 message(s) in 4 folder(s) into alice@lab.test" && has "$out" "imported 1 user(s)"'
"$mb/bin-irm/dovecot" -o protocols=none
for _ in $(seq 1 50); do dirm service status > /dev/null 2>&1 && break; sleep 0.1; done
status=$(dirm -f tab mailbox status -u alice@lab.test 'messages uidvalidity uidnext' INBOX 2>/dev/null | tail -n 1)
check "import: INBOX's UIDVALIDITY and next UID are the source's ($status)" test "$status" = $'INBOX\t3\t13\t1234567890'
uids=$(dirm -f tab fetch -u alice@lab.test 'uid flags' mailbox INBOX 2>/dev/null | tail -n +2 | tr '\t\n' ':,')
check "import: the UIDs with their gaps, flags and keywords kept ($uids)" \
  test "$uids" = '3:\Answered \Flagged \Seen Work,7:\Deleted \Draft,11:Private,'
check "import: only the mail's paths are the mailbox owner's; the rest of the home stays root's; the directory 0710" \
  eval '[ "$(stat -c %u "$into/var/mail/alice")" = "$mu" ] && [ -z "$(find "$into/home/alice/mail" ! -uid "$mu")" ] &&
    [ "$(stat -c %u "$into/home/alice/.ssh/id")" = 0 ] && [ "$(stat -c %a "$into")" = 710 ]'
state() { find "$mb/vmail/alice/Maildir" \( -path '*/cur/*' -o -path '*/new/*' \) -printf '%p %s\n' | sort; }
state > "$mb/import.once"
out=$(mb_import "$good" 2>&1); rc=$?
check "import: run again, it says already imported and changes nothing (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "alice: already imported" && state | cmp -s "$mb/import.once" -'
dirm save -u alice@lab.test <<<$'Message-ID: <late@example.com>\nSubject: delivered since\n\nlate\n' 2>/dev/null
out=$(mb_import "$good" 2>&1); rc=$?
check "import: a finished mailbox that holds mail since is refused, that mail kept (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "already holds mail that is not the source'"'"'s (1 message(s)" &&
    [ -n "$(dirm search -u alice@lab.test mailbox INBOX header Subject "delivered since" 2>/dev/null)" ]'
dirm stop > /dev/null 2>&1
