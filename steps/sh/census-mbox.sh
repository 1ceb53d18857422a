# shellcheck shell=bash
# shellcheck disable=SC2154 # b side users census_awk (census-mbox.awk) map: the prologue's
# census-mbox: every user's mail as this host's own Dovecot shows it, per
# folder and per message, whatever it stores (mbox on a sendmail-mbox
# source: INBOX in /var/mail/USER, folders in ~/mail; Maildir on the
# target after mbox-maildir.sh): what clients key on, so two hosts compare
# (census-mbox-compare.sh): each folder's messages, UIDVALIDITY, next UID
# and GUID; each message's UID, flags and keywords, GUID and size as IMAP
# sees it (the mbox's own headers X-UID, X-IMAPbase, Status, X-Status,
# X-Keywords, Content-Length are not part of it), POP3 UIDL; the
# subscriptions.  One streamed pass per kind over all the users (doveadm
# -F), never one doveadm per user.
#
# Prologue: b (backup dir), side (source|target), users (a file whose lines
# begin with a user name, e.g. the users step's users.tsv; empty: the names
# on stdin), census_awk, out (optional: the file to write), map (optional:
# a file of "user<TAB>address" lines, the import's $b/accounts/map.tsv: the
# users are counted as the addresses of their mailboxes here, and named as
# the users); lib.sh and
# mbox-lib.sh before.  Writes $out, else $b/census/dovecot-$side.tsv (0600),
# sorted: census-mbox.awk's lines.
# Dovecot writes its X-UID and X-IMAPbase headers into an mbox whose
# messages have none yet (as at any IMAP login), and its index in ~/mail/.imap:
# the copy to the target must come after this census on the source.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
o=${out:-$c/dovecot-$side.tsv}
t0=$EPOCHREALTIME
tmp=$(mktemp -d "$c/.dovecot.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
if [ -n "${users:-}" ]; then
  [ -f "$users" ] || { echo "no list of users in $users: run the users step first" >&2; exit 1; }
  ms_names < "$users" > "$tmp/users" || { echo "the list of users $users holds names that are none: nothing counted" >&2; exit 1; }
else
  ms_names > "$tmp/users" || { echo "the list of users given holds names that are none: nothing counted" >&2; exit 1; }
fi
sort -u -o "$tmp/users" "$tmp/users"
rename=(cat)
if [ -n "${map:-}" ]; then
  # (the users of the map, in it once each, with an address of theirs)
  awk -F '\t' -v OFS='\t' 'FILENAME == ARGV[1] { want[$1] = 1; next }
    ($1 in want) && !seen[$1]++ && $2 ~ /^[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+$/ { print $1, $2 }' "$tmp/users" "$map" > "$tmp/map"
  if [ "$(wc -l < "$tmp/map")" != "$(wc -l < "$tmp/users")" ]; then
    echo "$(($(wc -l < "$tmp/users") - $(wc -l < "$tmp/map"))) user(s) have no mailbox in $map: not counted" >&2; exit 1
  fi
  cut -f 2 "$tmp/map" > "$tmp/users"
  # shellcheck disable=SC2016 # an awk program
  rename=(awk -F '\t' -v OFS='\t' -v map="$tmp/map" 'BEGIN { while ((getline l < map) > 0) { split(l, f, "\t"); n[tolower(f[2])] = f[1] } }
    $1 != "C" && (tolower($2) in n) { $2 = n[tolower($2)] } { print }')
fi
ms_dovecot_auth || exit 1
trap 'rm -rf -- "$tmp"; ms_dovecot_auth_stop' EXIT
sep=$(ms_separator)
if [ -s "$tmp/users" ]; then
  TMPDIR=$tmp ms_dovecot_list "$sep" -F "$tmp/users" | "${rename[@]}" | sort > "$o.new"
else
  printf 'C\tpop3_uidl_format\t%s\n' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)" > "$o.new"
fi
chmod 0600 -- "$o.new"
mv -- "$o.new" "$o"
awk -F '\t' '$1 == "A" { a++ } $1 == "E" { e++ } $1 == "F" { f++ } $1 == "M" { m++ } $1 == "S" { s++ }
  END { printf "the %s'\''s Dovecot: %d user(s), %d folder(s), %d message(s), %d subscription(s)", side, a, f, m, s
        if (e) printf "; %d user(s) it cannot read (the comparison names them)", e
        print "" }' side="$side" "$o"
echo "taken in $(ms_took "$t0") s (hierarchy separator \"$sep\"); written to $o"
