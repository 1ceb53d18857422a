# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w: tests/census/run.sh's, which sources this
# shellcheck disable=SC2016,SC2034 # text for the fakes and the checks' eval
# The Dovecot census (steps/sh/census-mbox.sh, mbox-lib.sh, census-mbox.awk),
# its comparison (census-mbox-compare.*) and the mbox -> Maildir conversion
# (mbox-maildir.sh), the text mailshift embeds, run with this machine's real
# Dovecot on a scratch configuration (doveadm -c, a passwd-file userdb of
# this directory; the fragments start and stop the user lookup themselves,
# dovecot -o protocols=none, as on a server whose Dovecot is stopped).
# The "source" is Dovecot with mbox:~/mail:INBOX=/var/mail/%u over mbox files
# written here (X-IMAPbase and X-UID with gaps, Status/X-Status/X-Keywords,
# a body line "From here" and one ">From", two folders and a subfolder, an
# empty folder whose UIDVALIDITY is only in Dovecot's index, .subscriptions);
# the "target" is Dovecot with maildir:~/Maildir over the same homes (the
# copy's "same paths").  What it proves: the converted Maildir's census
# compares equal with the mbox's, and separately UIDVALIDITY is X-IMAPbase's,
# a UID after a gap is kept, the "From here" message is one message with the
# line intact, flags and keywords and subscriptions are kept, POP3 UIDLs as
# Dovecot's POP3 server shows them are the same, the mbox files are
# untouched; a second run changes nothing; a Maildir that holds other mail
# stops the conversion before anyone is converted; a converter that
# renumbers (doveadm import) makes the comparison fail.

mb=$w/mbox
mkdir -p "$mb/home/alice/mail/Lists" "$mb/home/bob/mail" "$mb/var/mail" "$mb/bin-src" "$mb/bin-dst" "$mb/b"
if [ "$(id -u)" = 0 ]; then
  # Dovecot gives no mail access to root: the users are nobody's here
  mu=$(id -u nobody) mg=$(id -g nobody); chmod 0711 "$w" "$mb"
  internal=''
else
  mu=$(id -u) mg=$(id -g)
  internal="default_internal_user = $(id -un)
default_login_user = $(id -un)
default_internal_group = $(id -gn)"
fi
printf 'alice:{PLAIN}x:%s:%s::%s\nbob:{PLAIN}x:%s:%s::%s\n' "$mu" "$mg" "$mb/home/alice" "$mu" "$mg" "$mb/home/bob" > "$mb/passwd"
chmod 0644 "$mb/passwd"
for side in src dst; do
  if [ $side = src ]; then loc="mbox:~/mail:INBOX=$mb/var/mail/%u"; else loc='maildir:~/Maildir'; fi
  cat > "$mb/$side.conf" <<EOF
base_dir = $mb/run-$side
state_dir = $mb/run-$side
log_path = $mb/log-$side
protocols =
ssl = no
first_valid_uid = $mu
first_valid_gid = $mg
$internal
mail_location = $loc
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = $mb/passwd
}
userdb {
  driver = passwd-file
  args = $mb/passwd
}
namespace inbox {
  inbox = yes
}
EOF
  for t in doveadm doveconf dovecot; do
    printf '#!/bin/sh\nexec %s -c %s "$@"\n' "$(command -v $t)" "$mb/$side.conf" > "$mb/bin-$side/$t"
    chmod +x "$mb/bin-$side/$t"
  done
done
cat > "$mb/var/mail/alice" <<'EOF'
From sender@example.com Mon Jan  1 10:00:00 2024
X-IMAPbase: 1234567890 0000000012 Work Private
Message-ID: <m1@example.com>
Subject: one
X-UID: 3
Status: RO
X-Status: AF
X-Keywords: Work

Hello

From here on, a body line that is no separator.
>From escaped, as mboxrd writes it.

From sender@example.com Mon Jan  1 11:00:00 2024
Message-ID: <m2@example.com>
Subject: two
X-UID: 7
Status: O
X-Status: DT

Second

From sender@example.com Mon Jan  1 12:00:00 2024
Message-ID: <m3@example.com>
Subject: three
X-UID: 11
X-Keywords: Private

Third

EOF
cat > "$mb/home/alice/mail/Sent" <<'EOF'
From alice@example.com Tue Jan  2 10:00:00 2024
X-IMAPbase: 1700000002 0000000009
Message-ID: <s1@example.com>
X-UID: 1
Status: RO

Sent one

From alice@example.com Tue Jan  2 11:00:00 2024
Message-ID: <s2@example.com>
X-UID: 4
Status: RO
X-Status: A

Sent two

EOF
cat > "$mb/home/alice/mail/Lists/dev" <<'EOF'
From list@example.com Wed Jan  3 10:00:00 2024
X-IMAPbase: 1700000003 0000000006
Message-ID: <l1@example.com>
X-UID: 5
Status: RO

List

EOF
: > "$mb/home/alice/mail/Drafts"
printf 'Sent\nLists/dev\n' > "$mb/home/alice/mail/.subscriptions"
printf 'From x@example.com Thu Jan  4 10:00:00 2024\nMessage-ID: <b1@example.com>\n\nBob\n\n' > "$mb/var/mail/bob"
printf 'alice\t%s\t%s\t%s\nbob\t%s\t%s\t%s\n' "$mu" "$mg" "$mb/home/alice" "$mu" "$mg" "$mb/home/bob" > "$mb/users.tsv"
chown -R "$mu:$mg" "$mb/home" "$mb/var"

# mb_run SIDE FRAGMENT NAME=VALUE...: as mailshift runs it on that host
mb_run() {
  local side=$1 frag=$2 kv prologue=""
  shift 2
  for kv in "b=$mb/b" "census_awk=$(cat "$sh/census-mbox.awk")" "$@"; do
    prologue+="${kv%%=*}=$(printf '%q' "${kv#*=}")"$'\n'
  done
  PATH="$mb/bin-$side:$PATH" bash -c "$prologue"$'set -euo pipefail; umask 077\n'"$(cat "$sh/lib.sh" "$sh/mbox-lib.sh" "$sh/$frag")"
}
mb_census() { mb_run "$1" census-mbox.sh "side=$2" "users=$mb/users.tsv"; }
mb_compare() { mb_run dst census-mbox-compare.sh "compare_awk=$(cat "$sh/census-mbox-compare.awk")" \
  "source=$mb/b/census/dovecot-source.tsv" "target=$mb/b/census/dovecot-target.tsv"; }
mb_convert() { mb_run dst mbox-maildir.sh "users=$1" inbox_dir="$mb/var/mail" mbox_dir=mail; }
dsrc() { "$mb/bin-src/doveadm" "$@"; }
ddst() { "$mb/bin-dst/doveadm" "$@"; }
has() { grep -qF -- "$2" <<<"$1"; }
# the mbox files, their sizes and contents (Dovecot keeps their mtime to the second)
mfiles() { find "$mb/var/mail" "$mb/home"/*/mail -name .imap -prune -o -type f -exec md5sum {} + | sort; }

out=$(mb_census src source 2>&1); rc=$?
src=$mb/b/census/dovecot-source.tsv
check "mbox census: the source's Dovecot counts 2 users, 5 folders, 7 messages, 2 subscriptions (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "the source'"'"'s Dovecot: 2 user(s), 5 folder(s), 7 message(s), 2 subscription(s)"'
check "mbox census: a folder's line is messages, UIDVALIDITY from X-IMAPbase, next UID, GUID" \
  grep -qP '^F\talice\tINBOX\t3\t1234567890\t13\t[0-9a-f]{32}$' "$src"
check "mbox census: a message's line: UID (after a gap), flags sorted, keywords, GUID, size, POP3 UIDL" \
  grep -qP '^M\talice\tINBOX\t3\t\\Answered \\Flagged \\Seen Work\t[0-9a-f]{32}\t\d+\t00000003499602d2$' "$src"
check "mbox census: a subfolder is named with / whatever the separator; subscriptions listed" \
  bash -c "grep -qP '^F\talice\tLists/dev\t1\t1700000003\t7\t' '$src' && grep -qP '^S\talice\tLists/dev$' '$src' && grep -qP '^S\talice\tSent$' '$src'"
check "mbox census: the parent Lists (a directory of mbox files) is no folder of its own" bash -c "! grep -qP '^F\talice\tLists\t' '$src'"
# from here on both Dovecots' user lookups run (the fragments then leave
# them running), for the checks' own doveadm
mb_stop() { "$mb/bin-src/doveadm" stop > /dev/null 2>&1; "$mb/bin-dst/doveadm" stop > /dev/null 2>&1; }
trap 'mb_stop; rm -rf "$w"' EXIT
"$mb/bin-src/dovecot" -o protocols=none && "$mb/bin-dst/dovecot" -o protocols=none
for _ in $(seq 1 50); do dsrc service status > /dev/null 2>&1 && ddst service status > /dev/null 2>&1 && break; sleep 0.1; done

pop_src=$(printf 'UIDL\r\nQUIT\r\n' | dsrc exec pop3 -u alice 2>/dev/null | tr -d '\r' | grep -E '^[0-9]+ ')
check "mbox census: the UIDLs are those Dovecot's POP3 server shows ($(wc -l <<<"$pop_src") of them)" \
  eval 'cmp -s <(awk "{ print \$2 }" <<<"$pop_src") <(awk -F "\t" "\$1 == \"M\" && \$2 == \"alice\" && \$3 == \"INBOX\" { print \$4, \$8 }" "$src" | sort -n | cut -d " " -f 2)'
mfiles > "$mb/mbox.before"
sha=$(sha256sum "$mb/var/mail/alice" "$mb/home/alice/mail/Sent" "$mb/home/alice/mail/Lists/dev")

# bob's Maildir already holds a message of its own: nobody is converted
ddst save -u bob <<<$'Message-ID: <own@example.com>\nSubject: delivered here\n\nmine\n' 2>/dev/null
out=$(mb_convert "$mb/users.tsv" 2>&1); rc=$?
check "mbox-maildir: a Maildir that holds other mail stops the step before anyone is converted, naming it (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "bob: " && has "$out" "already holds mail that is not from the mbox (1 message(s)" && has "$out" "nothing converted" &&
    [ ! -e "$mb/home/alice/Maildir" ] && [ "$(find "$mb/home/bob/Maildir" -type f -path "*/new/*" | wc -l)" = 1 ]'

grep '^alice' "$mb/users.tsv" > "$mb/alice.tsv"
out=$(mb_convert "$mb/alice.tsv" 2>&1); rc=$?
check "mbox-maildir: converts, saying where the mail went (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "alice: 6 message(s) in 4 folder(s) from mbox:$mb/home/alice/mail:INBOX=$mb/var/mail/alice into $mb/home/alice/Maildir" && has "$out" "converted 1 user(s)"'
check "mbox-maildir: the mbox files are left as they were, byte for byte" \
  eval '[ "$(sha256sum "$mb/var/mail/alice" "$mb/home/alice/mail/Sent" "$mb/home/alice/mail/Lists/dev")" = "$sha" ] && [ -f "$mb/home/alice/mail/Drafts" ]'
check "mbox-maildir: the Maildir is the user's (the userdb's uid)" \
  eval '[ -z "$(find "$mb/home/alice/Maildir" ! -uid "$mu")" ] && [ -n "$(find "$mb/home/alice/Maildir" -type f -path "*/cur/*")" ]'
status=$(ddst -f tab mailbox status -u alice 'messages uidvalidity uidnext' INBOX 2>/dev/null | tail -n 1)
check "mbox-maildir: INBOX's UIDVALIDITY is the X-IMAPbase value, its next UID (X-IMAPbase's last UID + 1) kept ($status)" test "$status" = $'INBOX\t3\t13\t1234567890'
uids=$(ddst -f tab fetch -u alice 'uid flags' mailbox INBOX 2>/dev/null | tail -n +2 | tr '\t\n' ':,')
check "mbox-maildir: the UIDs with their gaps and the flags and keywords kept ($uids)" \
  test "$uids" = '3:\Answered \Flagged \Seen Work,7:\Deleted \Draft,11:Private,'
body=$(ddst fetch -u alice text mailbox INBOX uid 3 2>/dev/null)
check "mbox-maildir: the message with a \"From here\" body line is one message, the line and the >From line intact" \
  eval 'has "$body" $'"'"'\nFrom here on, a body line that is no separator.\n>From escaped, as mboxrd writes it.'"'"' && has "$(ddst fetch -u alice hdr.subject mailbox INBOX uid 7 2>/dev/null)" two'
check "mbox-maildir: the empty folder's UIDVALIDITY (only in the source's index) kept" \
  eval '[ "$(ddst -f tab mailbox status -u alice uidvalidity Drafts 2>/dev/null | tail -n 1 | cut -f 2)" = "$(awk -F "\t" "\$1 == \"F\" && \$3 == \"Drafts\" { print \$5 }" "$src")" ]'
subs=$(ddst -f tab mailbox list -s -u alice 2>/dev/null | tail -n +2 | sort | tr '\n' ' ')
check "mbox-maildir: the subscriptions kept, in the target's separator ($subs)" test "$subs" = 'Lists.dev Sent '
pop_dst=$(printf 'UIDL\r\nQUIT\r\n' | ddst exec pop3 -u alice 2>/dev/null | tr -d '\r' | grep -E '^[0-9]+ ')
check "mbox-maildir: POP3 UIDLs as the target's POP3 server shows them are the source's" \
  eval '[ -n "$pop_dst" ] && [ "$pop_src" = "$pop_dst" ]'

# the census of both compares equal (bob left out: his mbox was not converted)
grep -v '^bob' "$mb/users.tsv" > "$mb/u1" && cp "$mb/users.tsv" "$mb/users.all" && cp "$mb/u1" "$mb/users.tsv"
mb_census src source > /dev/null 2>&1
out=$(mb_census dst target 2>&1); rc=$?
check "mbox census: the target's Dovecot counts the same (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "the target'"'"'s Dovecot: 1 user(s), 4 folder(s), 6 message(s), 2 subscription(s)"'
out=$(mb_compare 2>&1); rc=$?
check "mbox census: the Maildir compares equal with the mbox (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "shows what the source'"'"'s showed: 1 user(s), 4 folder(s), 6 message(s)"'

# (reading a Maildir, Dovecot appends to its index logs: the messages and
# Dovecot's record of their UIDs are what must not change)
mstate() { find "$mb/home/alice/Maildir" -path '*/cur/*' -printf '%p %s %T@\n' -o -path '*/new/*' -printf '%p %s %T@\n' -o -name dovecot-uidlist -exec md5sum {} + | sort; }
mstate > "$mb/maildir.once"
out=$(mb_convert "$mb/alice.tsv" 2>&1); rc=$?
check "mbox-maildir: run again, it says already converted and changes nothing (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "alice: already converted" && has "$out" "converted 0 user(s); 1 already converted" &&
    [ "$(wc -l < "$mb/maildir.once")" -gt 9 ] && mstate | cmp -s "$mb/maildir.once" -'
check "mbox-maildir: ... and the mbox files too" eval 'mfiles | cmp -s "$mb/mbox.before" -'

# a flag lost and a message lost are named by the comparison
cp "$mb/b/census/dovecot-target.tsv" "$mb/target.good"
sed -i 's/^\(M\talice\tSent\t4\t\)[^\t]*/\1\\Seen/' "$mb/b/census/dovecot-target.tsv"
sed -i '/^M\talice\tLists\/dev\t5\t/d' "$mb/b/census/dovecot-target.tsv"
out=$(mb_compare 2>&1); rc=$?
check "mbox census: a flag lost and a message lost fail the comparison, named (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "Sent: 1 message(s) with other flags on the target (\\Answered \\Seen -> \\Seen) (UID 4)" && has "$out" "Lists/dev: 1 message(s) missing on the target (UID 5)"'
cp "$mb/target.good" "$mb/b/census/dovecot-target.tsv"

# a converter that renumbers: doveadm import into an empty Maildir
rm -rf "$mb/home/alice/Maildir"
ddst import -u alice "mbox:$mb/home/alice/mail:INBOX=$mb/var/mail/alice" '' all > /dev/null 2>&1
mb_census dst target > /dev/null 2>&1
out=$(mb_compare 2>&1); rc=$?
check "mbox census: a Maildir made by doveadm import (UIDs renumbered) fails the comparison (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "INBOX: UIDVALIDITY changed (1234567890 -> " && has "$out" "message(s) only on the target"'
out=$(mb_convert "$mb/alice.tsv" 2>&1); rc=$?
check "mbox-maildir: ... and the conversion refuses to merge into it (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "alice: " && has "$out" "already holds mail that is not from the mbox"'
mb_stop
