#!/usr/bin/env bash
# End to end, on the lab's two real hosts: for each iRedMail scenario,
# migrate with mailshift over SSH (--yes), check the target holds what the
# source held (IMAP logins with the seeded passwords see the seeded counts,
# mailboxes, database rows, LDAP entries, DKIM keys, owners) and that the
# one-off key is gone (authorized_keys as before, byte for byte), then reset
# the lab (same seed) and replay the runbook mailshift wrote, and check again.
# Prints "migrate: N passed, N failed".  Needs root.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lab="$top/lab"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(iredmail-mariadb iredmail-pgsql iredmail-openldap)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

if [ "$(id -u)" != 0 ]; then
  echo "tests/lab/migrate.sh: needs root"; echo "migrate: 0 passed, 1 failed"; exit 1
fi
# shellcheck source=lab/lib.sh
. "$lab/lib.sh"
work=$(mktemp -d /tmp/mailshift-migrate.XXXXXX)
trap '"$lab/down" >/dev/null 2>&1; rm -rf "$work"' EXIT

# shellcheck source=tests/lab/compare.sh
. "$top/tests/lab/compare.sh"

check_target() { # LABEL SOURCE-INVENTORY
  local label=$1 src=$2 tgt="$work/target.$1" missing
  "$lab/verify" target > "$tgt" 2>&1
  missing=$(inv_missing "$src" "$tgt")
  if [ -z "$missing" ]; then ok "$label: the target holds every folder, row, entry and key of the source"
  else bad "$label: missing or different on the target:"; head -n 20 <<<"$missing" | sed 's/^/     /'; fi
  if imap_same "$src" "$tgt"; then ok "$label: every seeded user logs in over IMAP on the target and sees what the source showed (messages, unseen)"
  else bad "$label: IMAP on the target (above: - source, + target)"; fi
  check "$label: vmail owns the mailboxes (0700)" grep -qx 'path /var/vmail/vmail1 vmail:vmail 700 directory' "$tgt"
}

# A message for USER sent over SMTP to HOST's port 25, as another server would.
send_smtp() { # HOST USER SUBJECT
  printf 'From: <probe@example.org>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nmailshift lab test\r\n' "$2" "$3" |
    curl -sS --max-time 30 --url "smtp://${LAB_IP[$1]}:25" --mail-from probe@example.org --mail-rcpt "$2" -T - ||
    echo "send_smtp: curl failed ($1, $2)"
}

# The message with SUBJECT reaches USER's INBOX on HOST within 60 s.
arrives() { # HOST USER SUBJECT
  local i
  for i in $(seq 1 60); do
    [ -z "$("$lab/ssh" "$1" "doveadm search -u '$2' mailbox INBOX header Subject '$3'" </dev/null 2>/dev/null)" ] || return 0
    sleep 1
  done
  return 1
}

# While the source is live, between the bulk copy and the downtime window: a
# message arrives (doveadm save: the very bytes, so the replay's figures can
# equal mailshift's), and the first user empties their Trash.  Sets $u, $tok
# and $trash (the expunged files' names).
between_copies() { # SCENARIO
  u=$(grep -v '^#' "$lab/run/seed.txt" | head -n 1 | cut -f 1)
  tok="between-syncs-$1"
  trash=$("$lab/ssh" source "find \"\$(doveadm user -f home '$u')/Maildir/.Trash\" -type f -path '*/cur/*' -printf '%f\n'" </dev/null)
  printf 'From: <probe@example.org>\nTo: <%s>\nSubject: %s\n\nmailshift lab test\n' "$u" "$tok" |
    "$lab/ssh" source "doveadm save -u '$u' -m INBOX"
  "$lab/ssh" source "doveadm expunge -u '$u' mailbox Trash all" </dev/null
  defer_one
}

# A message the source's Postfix accepted but could not deliver (its Dovecot
# was down a moment): deferred in its queue when the window opens, retried
# minutes later at the earliest.  It must reach the target (the relay, or
# the old-queue step).  Sets $deferred (its subject).
defer_one() {
  deferred="deferred-$tok"
  "$lab/ssh" source "systemctl stop dovecot" </dev/null
  send_smtp source "$u" "$deferred"
  "$lab/ssh" source "for i in \$(seq 1 30); do postqueue -p | grep -q '$u' && break; sleep 1; done; systemctl start dovecot" </dev/null
}
# ... which was in no mailbox of the source: off the target again, so that it
# holds what the source held
carried_off() {
  "$lab/ssh" target "doveadm expunge -u '$u' mailbox INBOX header Subject '$deferred'" </dev/null
}
# What curl on HOST gets from the target's port 25 for a message to RCPT
# (its error line, "RCPT failed: 450" say; nothing when it was accepted).
smtp_to_target() { # HOST RCPT [CURL-OPTION]
  "$lab/ssh" "$1" "printf 'Subject: policy\r\n\r\nmailshift lab test\r\n' | curl -sS --max-time 30 ${3:-} --url smtp://${LAB_IP[target]}:25 --mail-from probe@example.org --mail-rcpt '$2' -T - 2>&1" </dev/null
}
# A compromised source's symbolic links in a mailbox: one absolute, to the
# server's own /root/.ssh, one that climbs out to /etc.  Neither may reach
# the target (nothing there may act through them).  Sets $LINKS.
plant_links() {
  local u1 h
  u1=$(grep -v '^#' "$lab/run/seed.txt" | head -n 1 | cut -f 1)
  h=$("$lab/ssh" source "doveadm user -f home '$u1'" </dev/null)
  LINKS="$h/Maildir/evil-abs $h/Maildir/evil-climb"
  "$lab/ssh" source "ln -sfn /root/.ssh '$h/Maildir/evil-abs' && ln -sfn \"\$(realpath --relative-to='$h/Maildir' /etc)\" '$h/Maildir/evil-climb'" </dev/null
}
links_run() {
  local rc
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > out.links 2> err.links); rc=$?
  check "$sc: a symbolic link from the source that climbs out of its account stops the final copy, named (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q '^   target! a symbolic link from the source leads out of its account: .*/Maildir/evil-climb\$' '$run/out.links' \
      && grep -q 'step mailstore-final failed on the target' '$run/err.links'"
  "$lab/ssh" source "rm -f -- $LINKS" </dev/null
}
in_queue() { # HOST: how many messages HOST's Postfix queue holds
  "$lab/ssh" "$1" "postqueue -p 2>/dev/null | grep -c '^[0-9A-F]'" </dev/null
}

# Faults, each in one scenario's run after the bulk copy: the run stops with
# one message naming the host and the cause, and nothing DESTRUCTIVE runs
# after it; fault_after checks that, then fixes the cause.
#  - a service that will not stop (systemd refuses: RefuseManualStop)
#  - a database restore that fails halfway (pgsql: a table owned by a role
#    the target lacks): every database the step replaced is put back
PGQ="runuser -u postgres -- psql -X -q -At"
amavisd_sum() { # the target's amavisd database, as pg_dump shows it (its random \restrict key aside)
  "$lab/ssh" target "runuser -u postgres -- pg_dump -d amavisd 2>/dev/null | grep -Ev '^(--|.(un)?restrict )' | md5sum" </dev/null
}
fault_before() { # SCENARIO
  case $1 in
    iredmail-pgsql)
      "$lab/ssh" source "$PGQ -c 'CREATE ROLE mailshift_lab_extra' && $PGQ -d iredadmin -c 'CREATE TABLE lab_extra (x int); INSERT INTO lab_extra VALUES (1); ALTER TABLE lab_extra OWNER TO mailshift_lab_extra'" </dev/null >/dev/null
      amavisd_sum > "$work/amavisd.before" ;;
    *)
      "$lab/ssh" source "mkdir -p /etc/systemd/system/dovecot.service.d && printf '[Unit]\nRefuseManualStop=yes\n' > /etc/systemd/system/dovecot.service.d/mailshift-lab.conf && systemctl daemon-reload" </dev/null ;;
  esac
}
fault_after() { # SCENARIO EXIT
  local destructive_after
  case $1 in
    iredmail-pgsql)
      check "$1: a restore that fails halfway stops the run, naming the host and the cause (exit $2)" \
        bash -c "[ $2 = 1 ] && grep -q 'step databases failed on the target' '$run/err.fault' && grep -q 'cannot restore iredadmin on the target' '$run/out.fault' && grep -q 'mailshift_lab_extra' '$run/out.fault'"
      amavisd_sum > "$work/amavisd.after"
      check "$1: ... the databases it had replaced are put back as they were, and the admin is told so" \
        bash -c "grep -q 'amavisd: put back as before the step' '$run/out.fault' && grep -q \"the target's databases are as they were before this step\" '$run/out.fault' && cmp -s '$work/amavisd.before' '$work/amavisd.after'"
      destructive_after=$(sed -n '/cannot restore iredadmin/,$p' "$run/out.fault" | grep -c '^== \[' || true)
      check "$1: ... and nothing after it runs ($destructive_after step(s) began after it)" test "$destructive_after" = 0
      "$lab/ssh" target "$PGQ -c 'CREATE ROLE mailshift_lab_extra'" </dev/null >/dev/null ;;
    *)
      check "$1: a service that will not stop stops the run, naming the host and the cause (exit $2)" \
        bash -c "[ $2 = 1 ] && grep -q 'step stop-services failed on the source' '$run/err.fault' && grep -q 'cannot stop dovecot: .*dovecot.service' '$run/out.fault'"
      check "$1: ... and nothing after it runs (no census, no copy)" \
        bash -c "! grep -q '^== \[[0-9]*/[0-9]*\] Count every mailbox' '$run/out.fault' && ! grep -q 'Final copy' '$run/out.fault'"
      "$lab/ssh" source "rm -rf /etc/systemd/system/dovecot.service.d && systemctl daemon-reload" </dev/null ;;
  esac
}

# An address with a transport of its own (iRedMail's mailbox.transport):
# Postfix looks the whole address up before its domain, so only a relay of
# every address reaches it; the mailing list's address too (the lab's seed).
# SQL scenarios (the LDAP lab's users and lists have none).
OWN=
own_transport() { # SCENARIO
  OWN=$(grep -v '^#' "$lab/run/seed.txt" | cut -f 1 | grep '@example.com$' | sed -n 2p)
  local q="UPDATE mailbox SET transport = 'lmtp:unix:private/dovecot-lmtp' WHERE username = '$OWN'"
  case $1 in
    iredmail-mariadb) "$lab/ssh" source "mysql vmail -e \"$q\"" ;;
    iredmail-pgsql) "$lab/ssh" source "runuser -u postgres -- psql -X -q -d vmail -c \"$q\"" ;;
    *) OWN= ;;
  esac </dev/null >/dev/null
}

# An account the source's own Dovecot cannot resolve (broken before any
# migration): SQL, a mailbox in a domain the domain table lacks; LDAP, a
# mailUser entry without the doveadm service.  And one it resolves but would
# not let log in (IMAP and POP3 disabled: no password lookup answers).
# Pre-flight must name both.
GHOST=ghost@broken.example.com NOLOGIN=nologin@example.com
plant_ghost() { # SCENARIO
  local cols="username, password, name, storagebasedirectory, storagenode, maildir, domain, active"
  local rows="('$GHOST', '', 'ghost', '/var/vmail', 'vmail1', 'broken.example.com/g/h/o/ghost/', 'broken.example.com', 1)"
  local rows2="('$NOLOGIN', '', 'nologin', '/var/vmail', 'vmail1', 'example.com/n/o/l/nologin/', 'example.com', 1, 0, 0)"
  case $1 in
    iredmail-mariadb) "$lab/ssh" source "mysql vmail -e \"INSERT INTO mailbox ($cols) VALUES $rows; INSERT INTO mailbox ($cols, enableimap, enablepop3) VALUES $rows2\"" ;;
    iredmail-pgsql) "$lab/ssh" source "runuser -u postgres -- psql -X -q -d vmail -c \"INSERT INTO mailbox ($cols) VALUES $rows; INSERT INTO mailbox ($cols, enableimap, enablepop3) VALUES $rows2\"" ;;
    iredmail-openldap) "$lab/ssh" source "systemctl stop slapd && printf '%s\n' 'dn: mail=$GHOST,ou=Users,domainName=example.com,o=domains,dc=example,dc=com' 'objectClass: inetOrgPerson' 'objectClass: mailUser' 'mail: $GHOST' 'cn: ghost' 'sn: ghost' 'uid: ghost' 'accountStatus: active' 'storageBaseDirectory: /var/vmail' 'mailMessageStore: vmail1/example.com/g/h/o/ghost/' 'homeDirectory: /var/vmail/vmail1/example.com/g/h/o/ghost/' 'enabledService: mail' '' \
      'dn: mail=$NOLOGIN,ou=Users,domainName=example.com,o=domains,dc=example,dc=com' 'objectClass: inetOrgPerson' 'objectClass: mailUser' 'mail: $NOLOGIN' 'cn: nologin' 'sn: nologin' 'uid: nologin' 'accountStatus: active' 'storageBaseDirectory: /var/vmail' 'mailMessageStore: vmail1/example.com/n/o/l/nologin/' 'homeDirectory: /var/vmail/vmail1/example.com/n/o/l/nologin/' 'enabledService: mail' 'enabledService: doveadm' > /tmp/ghost.ldif && slapadd -q -f /etc/ldap/slapd.conf -b dc=example,dc=com -l /tmp/ghost.ldif && chown -R openldap:openldap /var/lib/ldap && systemctl start slapd" ;;
  esac </dev/null >/dev/null
}

# Hand-made configuration on the source: a file only it has, and one both
# have, different, with a password-like line (the config step must show the
# diff with the value masked, and carry both: carry_config).
CARRY="/etc/postfix/mailshift_lab_checks /etc/dovecot/conf.d/99-mailshift-lab.conf"
plant_config() {
  "$lab/ssh" source "printf '/^Subject: lab-reject/ REJECT\n' > /etc/postfix/mailshift_lab_checks
    printf '# mailshift lab\n# password = s3cret-source\n' > /etc/dovecot/conf.d/99-mailshift-lab.conf" </dev/null
  "$lab/ssh" target "printf '# mailshift lab\n# password = s3cret-target\n' > /etc/dovecot/conf.d/99-mailshift-lab.conf
    chmod 0640 /etc/dovecot/conf.d/99-mailshift-lab.conf" </dev/null
}

# iRedMail's own backups (/var/vmail/backup): each server keeps its own; the
# source's, one of the same name among them, must not land on the target.
IRM_BK=/var/vmail/backup/mysql/2026-12-01
plant_backups() {
  "$lab/ssh" source "mkdir -p $IRM_BK && echo source > $IRM_BK/source-only.sql && echo source > $IRM_BK/same.sql" </dev/null
  "$lab/ssh" target "mkdir -p $IRM_BK && echo target > $IRM_BK/target-only.sql && echo target > $IRM_BK/same.sql" </dev/null
}
check_backups() { # LABEL
  check "$1: the target kept its own iRedMail backups, none of the source's came over" \
    "$lab/ssh" target "[ \"\$(cat $IRM_BK/same.sql $IRM_BK/target-only.sql)\" = \"target
target\" ] && [ ! -e $IRM_BK/source-only.sql ]" </dev/null
}

check_config() { # LABEL RUN-DIR
  local label=$1 run=$2 got
  check "$label: the config step shows the differing file, its password-like value masked" \
    bash -c "grep -q 'differs: /etc/dovecot/conf.d/99-mailshift-lab.conf' '$run/out' && grep -q '^   target| +# password = \*\*\*\*\*\*\*\* (masked)' '$run/out'"
  check "$label: no s3cret value in the run's output, log, journal or runbook" \
    bash -c "! grep -rq s3cret '$run'"
  got=$("$lab/ssh" target 'cat /etc/postfix/mailshift_lab_checks /etc/dovecot/conf.d/99-mailshift-lab.conf; stat -c %a /etc/dovecot/conf.d/99-mailshift-lab.conf; cat /var/backups/mailshift/target-before/config/etc/dovecot/conf.d/99-mailshift-lab.conf' </dev/null 2>&1)
  check "$label: carry_config put the source's files in place, the target's mode kept, its own copy saved" \
    test "$got" = "$(printf '/^Subject: lab-reject/ REJECT\n# mailshift lab\n# password = s3cret-source\n640\n# mailshift lab\n# password = s3cret-target')"
}

# root's authorized_keys on a host, byte for byte, after a line with its mode
# and owner (mailshift must leave the file as it found it).
keys_snapshot() { # HOST > FILE
  "$lab/ssh" "$1" 'stat -c "%a %U:%G" /root/.ssh/authorized_keys && cat /root/.ssh/authorized_keys' </dev/null
}

# After a migration: the one-off key is gone from both hosts, and nothing
# else in authorized_keys changed.
check_key_gone() { # LABEL SNAPSHOT-PREFIX
  local label=$1 before=$2 h left
  for h in source target; do
    keys_snapshot "$h" > "$before.$h.after" 2>&1
    check "$label: the $h's authorized_keys is as before the run (bytes, mode, owner)" \
      cmp -s "$before.$h" "$before.$h.after"
  done
  check "$label: no mailshift-migration line in the source's authorized_keys" \
    bash -c "! grep -q mailshift-migration '$before.source.after'"
  left=$("$lab/ssh" target 'ls -d /root/.ssh/mailshift-migration* /root/.ssh/mailshift-known_hosts* 2>/dev/null; true' </dev/null)
  check "$label: the target has no mailshift key or known_hosts left${left:+ ($(echo "$left" | tr '\n' ' '))}" \
    test -z "$left"
}

for sc in "${scenarios[@]}"; do
  echo "=== $sc"
  if ! "$lab/up" "$sc" > "$work/up.$sc" 2>&1; then
    bad "$sc: lab/up"; tail -n 20 "$work/up.$sc" | sed 's/^/     /'; continue
  fi
  # the lab's own checks (tests/lab/run.sh: logins, counts, delivery) and the
  # read-only probes (tests/lab/probe.sh), on this scenario's fresh lab
  "$top/tests/lab/run.sh" --here "$sc" > "$work/labcheck.$sc" 2>&1
  sed -n 's/^ok   - /ok   lab: /p; s/^FAIL - /FAIL lab: /p' "$work/labcheck.$sc"
  if [[ $(tail -n 1 "$work/labcheck.$sc") =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
  else bad "$sc: tests/lab/run.sh did not finish"; tail -n 20 "$work/labcheck.$sc" | sed 's/^/     /'; fi
  "$top/tests/lab/probe.sh" --here "$sc" > "$work/probe.$sc" 2>&1
  sed -n 's/^\(ok  \|FAIL\) /&probe: /p; /^     /p' "$work/probe.$sc"
  if [[ $(tail -n 1 "$work/probe.$sc") =~ ^probe:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
  else bad "$sc: probe.sh did not finish"; tail -n 20 "$work/probe.$sc" | sed 's/^/     /'; fi
  # the lab's own delivery check left a message whose size depends on the
  # moment it arrived: gone, the source holds the seed alone, as after a reset
  # (so the replay on a reset lab counts the same figures)
  "$lab/ssh" source "doveadm expunge -A mailbox INBOX header Subject 'lab smtp probe'" </dev/null
  "$lab/verify" source > "$work/source.$sc" 2>&1
  for h in source target; do keys_snapshot "$h" > "$work/keys.$sc.$h" 2>&1; done
  check "$sc: the source serves the seeded mail over IMAP" \
    bash -c "! grep -q 'imap=FAIL' '$work/source.$sc' && grep -q '^imap ' '$work/source.$sc'"
  run="$work/run.$sc"
  mkdir -p "$run"
  answers="$work/answers.$sc.conf"
  { cat "$lab/run/answers.conf"; echo "carry_config = $CARRY"; echo "clean_source = yes"; } > "$answers"
  plant_config
  plant_ghost "$sc"
  plant_backups
  plant_links
  own_transport "$sc"
  # the new server named as the old one (both mail.example.com, say): the
  # relay must not take it for a loop (Postfix bounces such mail, 5.4.6)
  "$lab/ssh" target "postconf -e \"myhostname = \$(postconf -h -c /etc/postfix myhostname | sed 's/^target/source/')\" && postfix reload" </dev/null >/dev/null 2>&1
  # the target's mail store full in the middle of the bulk copy (a small
  # filesystem over its first storage root; pre-flight measured the room of
  # /var/vmail): the run stops naming the host and the cause, runs nothing
  # after the copy, and goes on once there is room (the filesystem gone)
  "$lab/ssh" target "mount -t tmpfs -o size=1m,mode=0700,uid=\$(id -u vmail),gid=\$(id -g vmail) mailshift-lab-full /var/vmail/vmail1" </dev/null
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > out.full 2> err.full); rc=$?
  "$lab/ssh" target "umount /var/vmail/vmail1" </dev/null
  check "$sc: the target's mail store full in the middle of the bulk copy stops the run, naming the host and the cause (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'step mailstore-bulk failed on the target' '$run/err.full' \
      && grep -q '^   target! the copy stopped (rsync exit [0-9]*): the target.s disk is full at /var/vmail/vmail1 (/var/vmail/vmail1 *1.0M). Make room there, then run the same command again' '$run/out.full'"
  check "$sc: ... and nothing after the copy runs" \
    bash -c "[ \"\$(grep '^== \[' '$run/out.full' | tail -n 1)\" = \"\$(grep '^== \[.*Copy the mail store while the old server is live' '$run/out.full')\" ]"
  # the bulk copy while the source is live, then a pause (the admin's
  # "copy days ahead, switch in the downtime window")
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes --until mailstore-bulk > out.bulk 2> err.bulk); rc=$?
  # what the admin saw up to the bulk copy: the full disk's run, then this one
  cat "$run/out.full" "$run/out.bulk" > "$run/out.both" && mv "$run/out.both" "$run/out.bulk"
  cat "$run/err.full" "$run/err.bulk" > "$run/err.both" && mv "$run/err.both" "$run/err.bulk"
  check "$sc: mailshift stops after the bulk copy when asked (--until, exit $rc)" \
    bash -c "[ $rc = 0 ] && grep -q 'mailstore-bulk' '$run/err.bulk' '$run/out.bulk'"
  [ "$rc" = 0 ] || { tail -n 30 "$run/out.bulk" "$run/err.bulk" | sed 's/^/     /'; }
  # what pre-flight found: every storage root, as the source's Dovecot resolves the accounts
  check "$sc: pre-flight finds the accounts of another base directory (/srv/mail/vmail1)" \
    grep -qE '^   source\|   /srv/mail/vmail1  \(mail, vmail:vmail, 700\)  [1-9][0-9]* account\(s\)$' "$run/out.bulk"
  check "$sc: pre-flight finds the second storage node (/var/vmail/vmail2)" \
    grep -qE '^   source\|   /var/vmail/vmail2  \(mail, vmail:vmail, 700\)  [1-9][0-9]* account\(s\)$' "$run/out.bulk"
  check "$sc: ... and that it lies on another disk, reached through a symbolic link, its files copied as a directory" \
    grep -q '^   source|   /var/vmail/vmail2 is reached through a symbolic link, to /srv/disk2/vmail2: its files are copied to /var/vmail/vmail2 on the target (the link is not)$' "$run/out.bulk"
  check "$sc: pre-flight finds the mailing lists (/var/vmail/mlmmj, mlmmj's)" \
    grep -qE '^   source\|   /var/vmail/mlmmj  \(mlmmj, mlmmj:mlmmj, 700\)$' "$run/out.bulk"
  # the broken account is named in pre-flight, before anything changed
  first_change=$(grep -n '^== \[2/' "$run/out.bulk" | cut -d: -f1)
  named=$(grep -n "^   source! .*$GHOST active in the account backend, but the source's Dovecot does not find it" "$run/out.bulk" | head -n 1 | cut -d: -f1)
  check "$sc: pre-flight names the account the source's own Dovecot cannot resolve, before anything changes" \
    bash -c "[ -n '$named' ] && [ -n '$first_change' ] && [ '$named' -lt '$first_change' ]"
  named=$(grep -n "^   source!   $NOLOGIN the source's Dovecot finds no password for it, for IMAP or POP3 (passdb): it cannot log in" "$run/out.bulk" | head -n 1 | cut -d: -f1)
  check "$sc: pre-flight names the account the source's own Dovecot would not let log in, before anything changes" \
    bash -c "[ -n '$named' ] && [ -n '$first_change' ] && [ '$named' -lt '$first_change' ]"
  n=$(sed -n 's/^   source| resolved by the source.s Dovecot: [0-9]*; their mail is counted in the census: \([0-9]*\)$/\1/p' "$run/out.bulk")
  check "$sc: ... and the source's Dovecot finds the password of the other ${n:-?} account(s) less one (its own queries, for IMAP)" \
    grep -qx "   source| can log in (the source's Dovecot finds their password for IMAP or POP3): $((${n:-0} - 1))" "$run/out.bulk"
  check "$sc: ... as a warning (an advisory check), so the run goes on" \
    bash -c "grep -q 'warning: advisory check failed (exit 1): lists the active accounts the source' '$run/err.bulk'"
  # meanwhile on the live source: a message arrives, a user empties their Trash
  between_copies "$sc"
  check "$sc: a message delivered to the source between the copies is there" arrives source "$u" "$tok"
  check "$sc: the user's Trash on the source had messages, now expunged (${trash:+$(wc -l <<<"$trash")})" test -n "$trash"
  # a fault first, then its cause fixed: the same command completes
  # the source's link that climbs out of its account reaches the target in
  # the final copy (rsync takes it for safe, copying from /): the copy
  # stops, naming it; removed on the source, the same command goes on.
  # (pgsql's fault comes after the final copy, the others' before it)
  # (the source's inventory first, while it serves IMAP)
  fault_before "$sc"
  "$lab/verify" source > "$work/source.$sc" 2>&1
  if [ "$sc" = iredmail-pgsql ]; then links_run; fi
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > out.fault 2> err.fault); rc=$?
  fault_after "$sc" "$rc"
  if [ "$sc" != iredmail-pgsql ]; then links_run; fi
  (cd "$run" && "$top/mailshift" --answers "$answers" --yes > out 2> err); rc=$?
  # what the admin saw after the bulk copy: the fault's run, the link's, then this one
  cat "$run/out.fault" "$run/out.links" "$run/out" > "$run/out.both" && mv "$run/out.both" "$run/out"
  cat "$run/err.fault" "$run/err.links" "$run/err" > "$run/err.both" && mv "$run/err.both" "$run/err"
  check "$sc: mailshift resumes and migrates over SSH (exit $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || { tail -n 30 "$run/out" "$run/err" | sed 's/^/     /'; }
  check "$sc: the resumed run started at the downtime window, not over" bash -c "! grep -q '\[1/17\]' '$run/out'"
  check "$sc: the message delivered between the copies is on the target" \
    bash -c "[ -n \"\$('$lab/ssh' target \"doveadm search -u '$u' mailbox INBOX header Subject '$tok'\" </dev/null)\" ]"
  left=$(for f in $trash; do "$lab/ssh" target "find /var/vmail -name '$f' -print" </dev/null; done)
  check "$sc: the messages deleted on the source between the copies are gone from the target${left:+ ($left)}" test -z "$left"
  check "$sc: no step was skipped and the journal says done" grep -q $'^finish\t[0-9.]*\tdone$' "$run/mailshift.journal"
  check "$sc: the test step sent as a user through port 587 with SASL (refused without authentication)" \
    bash -c "grep -q 'without authentication port 587 refuses it' '$run/out' && grep -q 'authenticated on port 587 (TLS, SASL) and sent a message' '$run/out'"
  check "$sc: ... the new server signed it with DKIM, and the key that signed is the old server's" \
    bash -c "grep -q 'pass: the DKIM signature d=example.com s=dkim verifies with the key /var/lib/dkim/example.com.pem' '$run/out' && grep -q 'is the old server.s example.com.pem (sha256 ' '$run/out'"
  left=$("$lab/ssh" target "doveadm user 'mailshift-test-*'" </dev/null) || left="(doveadm failed)"
  check "$sc: ... and its throwaway sender is gone (the target's Dovecot finds no mailshift-test account${left:+: $left})" test -z "$left"
  check "$sc: the message deferred on the old server when the window opened arrives on the new one (the relay)" \
    arrives target "$u" "$deferred"
  carried_off
  check_target "$sc" "$work/source.$sc"
  check_backups "$sc"
  check "$sc: the second node is a directory of its own on the target, not the source's link" \
    "$lab/ssh" target "test -d /var/vmail/vmail2 && test ! -L /var/vmail/vmail2 && test ! -e /srv/disk2 && test -n \"\$(find /var/vmail/vmail2 -path '*/cur/*' -type f -print -quit)\"" </dev/null
  check_key_gone "$sc" "$work/keys.$sc"
  check "$sc: clean_source: the source's dumps and configuration archives are gone, the target keeps its copies" \
    bash -c "'$lab/ssh' source 'b=/var/backups/mailshift; [ ! -e \$b/dump ] && [ ! -e \$b/source-config.tar.gz ] && [ -e \$b/verified ]' </dev/null \
      && '$lab/ssh' target 'ls /var/backups/mailshift/dump/*.sql.bz2' </dev/null >/dev/null"
  check "$sc: the end of the run names what holds secrets on each server" \
    bash -c "grep -q '^mailshift: what holds secrets on the servers (root.s alone, mode 0700):' '$run/out' && grep -q '^  target  /var/backups/mailshift/dump' '$run/out'"
  check "$sc: the source's symbolic links out of the mail store are not on the target" \
    "$lab/ssh" target "for l in $LINKS; do [ ! -e \"\$l\" ] && [ ! -L \"\$l\" ] || { echo \"on the target: \$l\"; exit 1; }; done" </dev/null
  # after the cutover the old Postfix relays to the new server
  send_smtp source "$u" "relayed-$tok"
  check "$sc: mail sent to the old server after the cutover arrives on the new one (relay)" arrives target "$u" "relayed-$tok"
  check "$sc: ... though both servers have the same host name (no loop)" \
    bash -c "[ \"\$('$lab/ssh' target 'postconf -h myhostname' </dev/null)\" = \"\$('$lab/ssh' source 'postconf -h myhostname' </dev/null)\" ]"
  # the mailing list (its own transport, mlmmj:, in iRedMail's maillists
  # table or its mailList entry): the new server's Postfix must receive it
  # from the old one
  printf 'From: <list-%s@example.org>\r\nTo: <announce@example.com>\r\nSubject: list-%s\r\n\r\nmailshift lab test\r\n' "$tok" "$tok" |
    curl -sS --max-time 30 --url "smtp://${LAB_IP[source]}:25" --mail-from "list-$tok@example.org" --mail-rcpt announce@example.com -T - ||
    echo "curl: the source did not take the list's message"
  check "$sc: mail to a mailing-list address, sent to the old server, arrives on the new one" \
    bash -c "for i in \$(seq 1 60); do '$lab/ssh' target \"journalctl -q -u 'postfix*' --no-pager | grep -q 'from=<list-$tok@example.org>'\" </dev/null && exit 0; sleep 1; done; exit 1"
  if [ -n "$OWN" ]; then
    send_smtp source "$OWN" "own-transport-$tok"
    check "$sc: mail to an address with a transport of its own, sent to the old server, arrives on the new one" \
      arrives target "$OWN" "own-transport-$tok"
  fi
  q=$(in_queue source)
  check "$sc: ... and the old server's queue is empty ($q)" test "$q" = 0
  said=$(smtp_to_target target "$u" "--interface ${LAB_IP[target]}")
  check "$sc: the new server's policy service still defers other servers ($said)" grep -q 'RCPT failed: 450' <<<"$said"
  said=$(smtp_to_target source nobody@elsewhere.invalid)
  check "$sc: ... and the old server cannot relay elsewhere through the new one ($said)" grep -qE 'RCPT failed: (454|554)' <<<"$said"
  check_config "$sc" "$run"
  check "$sc: the runbook passes shellcheck" shellcheck "$run/mailshift-runbook.sh"
  "$top/mailshift" --report "$run/mailshift.journal" > "$run/report"
  check "$sc: headless, the DNS checklist items are left pending, in the report and at the end of the run" \
    bash -c "grep -qE '^ +pending +cutover: point the MX records at the new server' '$run/report' && grep -q '5 checklist item(s) pending' '$run/err' '$run/out'"
  check "$sc: the report sums the downtime window" grep -qE '^downtime window +[0-9]+:[0-9]{2}:[0-9]{2}  \(8 steps' "$run/report"
  check "$sc: ... and the time the old server refused mail, until it relayed (the window and the relay step)" \
    grep -qE '^mail refused +[0-9]+:[0-9]{2}:[0-9]{2}  \(the old server refused mail: from stopping it until it relayed\)$' "$run/report"
  # the verification table: what verify counted on each side, every figure the same
  check "$sc: the report shows what pre-flight found on each server (release the same, the target's room)" \
    bash -c "grep -qx 'what pre-flight found on each server' '$run/report' \
      && grep -qE '^  iRedMail release +[0-9.]+ +[0-9.]+  same\$' '$run/report' \
      && grep -qE '^  vmail uid:gid +[0-9]+:[0-9]+ +[0-9]+:[0-9]+  same\$' '$run/report' \
      && grep -qE '^  Dovecot +[0-9.]+ +[0-9.]+\$' '$run/report' \
      && grep -qE '^  room for the mail +- +[0-9.]+ [kMGT]?B\$' '$run/report'"
  check "$sc: the report's verification table has every figure the same" \
    bash -c "grep -qx 'source and target, as step verify last counted them' '$run/report' \
      && grep -qE '^  all [0-9]+ figures are the same\$' '$run/report' && ! grep -qE ' differs\$' '$run/report' \
      && grep -qE '^  mailboxes \(accounts\) +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report' \
      && grep -qE '^  messages +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report' \
      && grep -qE '^  bytes +[0-9.]+ [kMGT]?B +[0-9.]+ [kMGT]?B  same\$' '$run/report' \
      && grep -qE '^  database rows +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report' \
      && grep -qE '^  DKIM keys +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report' \
      && grep -qE '^  owners and modes +ok +ok  same\$' '$run/report'"
  # the census: every account of the source, equal on the target
  check "$sc: verify's census: every account, folder and message of the source is on the target" \
    bash -c "grep -qE '^  accounts in the census +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report' \
      && grep -qE '^  folders +[1-9][0-9]* +[1-9][0-9]*  same\$' '$run/report' \
      && grep -qE '^  accounts that differ +0 +0  same\$' '$run/report'"
  check "$sc: the census counted the accounts of /srv/mail: bob@example.net among them" \
    bash -c "'$lab/ssh' target \"grep -c '^A	bob@example.net	4	' /var/backups/mailshift/census/source.tsv\" </dev/null | grep -qx 1"
  # the window took again only what changed since the bulk copy
  check "$sc: the census in the window counted again only the accounts that changed (from the bulk copy's cache)" \
    grep -qE '^   source\| [0-9]+ account\(s\) changed since the cache of the source' "$run/out"
  check "$sc: the final copy took again only the accounts that differ; the others were already the same" \
    grep -qE '^   target\| [1-9][0-9]* account\(s\) and [0-9]+ other folder\(s\) differed from the source: made as on the source; the other [1-9][0-9]* account\(s\) were already the same' "$run/out"
  check "$sc: verify's census of the target took the listing the final copy began in the background" \
    bash -c "grep -q '^   target| listing this server.s mail for verify, in the background' '$run/out' &&
      grep -q '^   target| the state of the mail as listed right after the final copy' '$run/out'"
  check "$sc: the new server's own Dovecot finds every account of the census with its messages" \
    grep -qE "^   target\| the target's Dovecot finds all [1-9][0-9]* account\(s\) of the census and shows their [1-9][0-9]* messages" "$run/out"
  # pre-flight read both databases itself; verify compared the inventories
  check "$sc: pre-flight (in the first run) read each host's databases through its own connections" \
    bash -c "grep -q '^   source| [0-9]* mail accounts in [0-9]* domains' '$run/out.bulk' && grep -q '^   target| [0-9]* tables, ' '$run/out.bulk'"
  check "$sc: verify found source and target in agreement" grep -q 'local| source and target agree: ' "$run/out"
  # ... and finds a difference: a table only the target has
  if [ "$sc" = iredmail-pgsql ]; then
    extra="runuser -u postgres -- psql -X -q -d iredadmin -c 'CREATE TABLE mailshift_extra (x int)'"
  else
    extra="mysql -e 'CREATE TABLE iredadmin.mailshift_extra (x INT)'"
  fi
  "$lab/ssh" target "$extra" </dev/null >/dev/null 2>&1
  "$top/build/tests/probe_test" "$lab/run/answers.conf" compare > "$run/compare" 2>&1; rc=$?
  check "$sc: the comparison reports a table only the target has (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'differs: table iredadmin.*mailshift_extra.*only on the target' '$run/compare'"

  # the migration again over the target that went live (--fresh): refused in
  # pre-flight, before anything changes; overwrite_target = yes goes on
  again="$work/again.$sc"
  mkdir -p "$again"
  (cd "$again" && "$top/mailshift" --answers "$answers" --yes --fresh --until preflight > out 2> err); rc=$?
  check "$sc: run again over the target that went live: pre-flight refuses, naming it, before anything changes (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'the target went live at [0-9-]* [0-9:]* UTC' '$again/out' '$again/err' && grep -q 'overwrite_target = yes' '$again/out' && ! grep -q '^== \[2/' '$again/out'"
  { cat "$answers"; echo "overwrite_target = yes"; } > "$again/answers.conf"
  rm -f "$again"/mailshift.*
  (cd "$again" && "$top/mailshift" --answers answers.conf --yes --until preflight > out 2> err); rc=$?
  check "$sc: ... with overwrite_target = yes, pre-flight says so and passes (exit $rc)" \
    bash -c "[ $rc = 0 ] && grep -q 'overwrite_target = yes: mailshift replaces it' '$again/out'"

  # a compromised source: its dump tool adds a client command (\! runs a
  # shell command) to each dump; the target's restore runs none of it, stops
  # naming the cause, and puts the databases it replaced back
  if [ "$sc" != iredmail-openldap ]; then
    tool=mysqldump
    [ "$sc" != iredmail-pgsql ] || tool=pg_dump
    printf '#!/bin/sh\n# mailshift lab: a compromised source'"'"'s dump tool\n/usr/bin/%s "$@" || exit\nprintf '"'"'%%s\\n'"'"' '"'"'\\! touch /tmp/mailshift-pwned'"'"'\n' "$tool" |
      "$lab/ssh" source "cat > /usr/local/bin/$tool && chmod 0755 /usr/local/bin/$tool && systemctl stop postfix dovecot"
    # (the one-off key again for the target's fetch, and gone after)
    (cd "$run" && bash mailshift-runbook.sh --yes --only migration-key > hostile-key.out 2>&1 &&
      bash mailshift-runbook.sh --yes --only databases > hostile-dump.out 2>&1); rc=$?
    check "$sc: a dump with a shell escape: the restore runs no command and stops, naming the cause (exit $rc)" \
      bash -c "[ $rc != 0 ] && grep -q 'tries to run a client command on the target (the error above): nothing ran; the source may be compromised' '$run/hostile-dump.out' \
        && grep -q 'the target.s databases are as they were before this step' '$run/hostile-dump.out' \
        && '$lab/ssh' target 'test ! -e /tmp/mailshift-pwned' </dev/null && '$lab/ssh' source 'test ! -e /tmp/mailshift-pwned' </dev/null"
    [ "$rc" != 0 ] || tail -n 20 "$run/hostile-dump.out" | sed 's/^/     /'
    if [ "$sc" = iredmail-pgsql ]; then
      # SQL that only a superuser may run: a program, as postgres, on the target
      pwn=/var/lib/postgresql/mailshift-pwned-copy
      printf '#!/bin/sh\n/usr/bin/pg_dump "$@" || exit\nprintf '"'"'%%s\\n'"'"' "COPY (SELECT 1) TO PROGRAM '"'"'touch %s'"'"';"\n' "$pwn" |
        "$lab/ssh" source "cat > /usr/local/bin/pg_dump && chmod 0755 /usr/local/bin/pg_dump"
      (cd "$run" && bash mailshift-runbook.sh --yes --only databases > hostile-sql.out 2>&1); rc=$?
      check "$sc: a dump whose SQL runs a program (COPY TO PROGRAM): restored as a role of mailshift's own, nothing ran, the step stops naming why (exit $rc)" \
        bash -c "[ $rc != 0 ] && grep -q 'asks for rights its restore does not have' '$run/hostile-sql.out' \
          && grep -q 'the target.s databases are as they were before this step' '$run/hostile-sql.out' \
          && '$lab/ssh' target 'test ! -e $pwn' </dev/null"
      [ "$rc" != 0 ] || tail -n 20 "$run/hostile-sql.out" | sed 's/^/     /'
      left=$("$lab/ssh" target "$PGQ -c \"SELECT rolname FROM pg_roles WHERE rolname = 'mailshift_restore'\"" </dev/null)
      check "$sc: ... and the restoring role is gone${left:+ ($left)}" test -z "$left"
    fi
    "$lab/ssh" source "rm -f /usr/local/bin/$tool" </dev/null
    (cd "$run" && bash mailshift-runbook.sh --yes --only remove-key >> hostile-key.out 2>&1) ||
      bad "$sc: the runbook's remove-key after the hostile dump"
  fi

  # the same migration again, from the runbook, on a fresh lab
  if ! "$lab/reset" > "$work/reset.$sc" 2>&1; then bad "$sc: lab/reset"; continue; fi
  plant_config
  for h in source target; do keys_snapshot "$h" > "$work/keys2.$sc.$h" 2>&1; done
  plant_ghost "$sc"
  (cd "$run" && bash mailshift-runbook.sh --yes --until mailstore-bulk > replay.out 2>&1); rc=$?
  check "$sc: the runbook replays up to the bulk copy (--until, exit $rc)" \
    bash -c "[ $rc = 0 ] && grep -q 'stopped after step mailstore-bulk (--until)' '$run/replay.out'"
  between_copies "$sc"
  # the source as in the first run (its fault's table), the cause fixed
  if [ "$sc" = iredmail-pgsql ]; then
    fault_before "$sc"
    "$lab/ssh" target "$PGQ -c 'CREATE ROLE mailshift_lab_extra'" </dev/null >/dev/null
  fi
  "$lab/verify" source > "$work/source2.$sc" 2>&1
  # the rest, with relay_during_cutover = no in place of the relay: the old
  # server only hands over its queue (the runbook of such answers' step)
  sed 's/^relay_during_cutover = yes$/relay_during_cutover = no/' "$answers" > "$run/norelay.conf"
  (cd "$run" && "$top/mailshift" --answers norelay.conf --dry-run --runbook norelay.sh > /dev/null 2>&1)
  (cd "$run" && bash mailshift-runbook.sh --yes --from dkim --until start-services >> replay.out 2>&1); rc=$?
  # the new server runs with the accounts, and its policy service (lab/lab-
  # policy, iRedAPD's stand-in) greylists the old server: until the old-queue
  # step lets the old server past, the deferred message could not arrive
  said=$(smtp_to_target source "$u")
  check "$sc replayed: before the old queue is handed over, the new server's policy service defers mail from the old one ($said)" \
    bash -c "grep -q 'RCPT failed: 450' <<<'$said' && '$lab/ssh' target \"journalctl -q -t lab-policy --no-pager | grep -q 'greylisted: client ${LAB_IP[source]}'\" </dev/null"
  [ "$rc" != 0 ] || (cd "$run" && bash norelay.sh --yes --only old-queue > old-queue.out 2>&1 &&
    bash mailshift-runbook.sh --yes --from test >> replay.out 2>&1) || rc=$?
  check "$sc: the runbook replays the rest of the migration, the old queue handed over without a relay (exit $rc)" test "$rc" = 0
  [ "$rc" = 0 ] || tail -n 30 "$run/replay.out" "$run/old-queue.out" | sed 's/^/     /'
  check "$sc replayed: without a relay, the message deferred on the old server arrives on the new one" \
    arrives target "$u" "$deferred"
  q=$(in_queue source)
  check "$sc replayed: ... the old queue is empty ($q) and the old server accepts nothing (nothing listens on port 25)" \
    bash -c "[ '$q' = 0 ] && ! '$lab/ssh' source 'ss -Hltn' </dev/null | grep -q ':25 '"
  carried_off
  check "$sc replayed: no s3cret value in the replay's output" bash -c "! grep -q s3cret '$run/replay.out'"
  check_target "$sc replayed" "$work/source2.$sc"
  # the figures the replay's verify step printed
  awk '/^== step / { v = ($3 == "verify:") } v' "$run/replay.out" |
    grep -E '^mailshift-figure [a-z_-]+ [^ ]+ [^ ]+$' > "$run/replay.rows"
  check "$sc replayed: the runbook's verify printed its figures (census, messages, bytes, DKIM keys, owners, rows), each the same on both sides" \
    bash -c "for k in census folders messages bytes differ dkim owners dkim-owners rows accounts domains; do grep -q \"^mailshift-figure \$k \" '$run/replay.rows' || exit 1; done; \
      ! awk '\$3 != \"-\" && \$4 != \"-\" && \$3 != \$4' '$run/replay.rows' | grep -q ."
  # one definition: the runbook's verify reaches mailshift's figures (its own
  # connections' among them), on the same data
  awk -F '\t' '$1 == "row" && $4 == "verify" { print "mailshift-figure", $5, $6, $7 }' "$run/mailshift.journal" | sort -u > "$run/ms.rows"
  sort -u "$run/replay.rows" > "$run/replay.rows.sorted"
  check "$sc replayed: the runbook's verify figures are mailshift's, figure for figure" \
    diff "$run/ms.rows" "$run/replay.rows.sorted"
  check_key_gone "$sc replayed" "$work/keys2.$sc"

  # the mail of one root left out of the copy on purpose (a test hook): verify
  # fails naming the accounts, and neither the relay nor the switch runs
  if ! "$lab/reset" > "$work/reset2.$sc" 2>&1; then bad "$sc: lab/reset"; continue; fi
  # (in one go, two_phase_sync = no: no bulk copy, no cache, every step's
  # whole pass: the path the main run does not take)
  neg="$work/neg.$sc"
  mkdir -p "$neg"
  # a store whose link leads into a system directory is refused in pre-flight,
  # naming it, before anything changes
  "$lab/ssh" source "ln -sfn /etc /var/vmail/vmail2.etc && mv -T /var/vmail/vmail2.etc /var/vmail/vmail2" </dev/null
  (cd "$neg" && "$top/mailshift" --answers "$lab/run/answers.conf" --yes --until preflight > out.link 2> err.link); rc=$?
  check "$sc: a store linked into /etc is refused in pre-flight, named, nothing changed (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q '/var/vmail/vmail2 storage root (mail) lies behind a symbolic link to /etc, which lies in /etc, a system directory' '$neg/out.link' '$neg/err.link' && ! grep -q '^== \[2/' '$neg/out.link'"
  "$lab/ssh" source "ln -sfn ../../srv/disk2/vmail2 /var/vmail/vmail2.new && mv -T /var/vmail/vmail2.new /var/vmail/vmail2" </dev/null
  # an account only the target has (a new server already in use): refused in
  # pre-flight, named, before anything changes
  case $sc in
    iredmail-openldap) extra= ;;
    iredmail-pgsql) extra="runuser -u postgres -- psql -X -q -d vmail -c \"INSERT INTO mailbox (username, password, name, storagebasedirectory, storagenode, maildir, domain, active) VALUES ('only-here@example.com', '', 'x', '/var/vmail', 'vmail1', 'example.com/o/n/l/only-here/', 'example.com', 1)\"" ;;
    *) extra="mysql vmail -e \"INSERT INTO mailbox (username, password, name, storagebasedirectory, storagenode, maildir, domain, active) VALUES ('only-here@example.com', '', 'x', '/var/vmail', 'vmail1', 'example.com/o/n/l/only-here/', 'example.com', 1)\"" ;;
  esac
  if [ -n "$extra" ]; then
    "$lab/ssh" target "$extra" </dev/null >/dev/null
    rm -f "$neg"/mailshift.*
    (cd "$neg" && "$top/mailshift" --answers "$lab/run/answers.conf" --yes --until preflight > out.own 2> err.own); rc=$?
    check "$sc: an account only the target has is refused in pre-flight, named, before anything changes (exit $rc)" \
      bash -c "[ $rc = 1 ] && grep -q '1 account(s) the source lacks: only-here@example.com' '$neg/out.own' && ! grep -q '^== \[2/' '$neg/out.own'"
    "$lab/ssh" target "${extra%%INSERT*}DELETE FROM mailbox WHERE username = 'only-here@example.com'\"" </dev/null >/dev/null
  fi
  rm -f "$neg/mailshift.journal" "$neg"/mailshift-runbook.sh
  sed 's/^two_phase_sync = yes$/two_phase_sync = no/' "$lab/run/answers.conf" > "$neg/answers.conf"
  (cd "$neg" && MAILSHIFT_TEST_LEAVE_OUT=/srv/mail/vmail1 "$top/mailshift" --answers answers.conf --yes > out 2> err); rc=$?
  check "$sc left out: with /srv/mail/vmail1 left out of the copy, verify fails (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -q 'step verify failed on the target' '$neg/err'"
  check "$sc left out: verify names the accounts of the root left behind" \
    bash -c "grep -qE '^   target! [0-9]+ account\(s\) differ between the source.s census and the target.s' '$neg/out' \
      && grep -q '^   target!   bob@example.net: its mail directory is missing on the target' '$neg/out' \
      && ! grep -q '^   target!   alice@example.com:' '$neg/out'"
  "$top/mailshift" --report "$neg/mailshift.journal" > "$neg/report"
  check "$sc left out: the report shows the accounts that differ, and what differs" \
    bash -c "grep -qE '^  accounts that differ +0 +[1-9][0-9]*  differs\$' '$neg/report' \
      && grep -qx '  what differs (the first accounts):' '$neg/report' \
      && grep -q '^  bob@example.net: its mail directory is missing on the target' '$neg/report'"
  check "$sc left out: without a bulk copy the census counted everything (no cache)" \
    bash -c "grep -q '^   source| taken in [0-9.]* s (full)' '$neg/out' && grep -q '^   target| taken in [0-9.]* s (full)' '$neg/out'"
  (cd "$neg" && "$top/mailshift" --answers answers.conf --dry-run --runbook rb.sh > /dev/null 2>&1)
  for s2 in relay cutover; do
    (cd "$neg" && bash rb.sh --yes --only "$s2" > "$s2.out" 2>&1); rc=$?
    check "$sc left out: the $s2 refuses (exit $rc)" \
      bash -c "[ $rc != 0 ] && grep -q 'the verify step has not passed on the current census' '$neg/$s2.out'"
  done
  check "$sc left out: the old server does not relay" \
    bash -c "! '$lab/ssh' source 'postconf -h transport_maps' </dev/null | grep -q mailshift_transport"
  "$lab/down" > /dev/null 2>&1
done
echo "migrate: $passed passed, $failed failed"
[ "$failed" = 0 ]
