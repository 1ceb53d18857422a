# shellcheck shell=bash
# shellcheck disable=SC2154 # b side census_awk (census.awk): the prologue's
# census: every account's mail as the account's own Dovecot keeps it, per folder
# and per message, at the paths the source's Dovecot resolved (discover.sh):
# taken on the source when nothing can change any more (in the downtime window,
# delivery and IMAP stopped) and on the target after the restore; verify
# compares the two (census-compare.sh).
#
# Prologue: b (backup dir), side (source|target).  Reads $b/discovery/accounts.tsv
# and roots.tsv; writes $b/census/$side.tsv (0600), sorted, tab-separated:
#   A user folders messages bytes unseen        one per account (- when its
#                                               mail directory does not exist)
#   F user folder messages bytes unseen uidvalidity uidnext flags guid
#   M user folder name uid flags bytes pop3-uidl
#   C key value                                 Dovecot settings clients key on
# folder: INBOX, or the Maildir++ folder's directory name (.Sent, .Archive.2024);
# name: the message file's unique part (before ":2,"); flags: its Maildir flag
# letters, "new" for a message in new/ (never seen by a client), "-" for none;
# uid, uidvalidity, uidnext, guid (the folder's, which Dovecot keeps): from the folder's dovecot-uidlist, Dovecot's own
# record (the next UID: its header's, or past the last UID listed, as Dovecot reads it) ("-" where Dovecot never listed the folder or the message); pop3-uidl:
# a UIDL Dovecot stored for the message ("-": pop3_uidl_format makes it).
# One streamed pass (find over the roots, awk), however many accounts.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
a=$b/discovery/accounts.tsv r=$b/discovery/roots.tsv
if [ ! -f "$a" ] || [ ! -f "$r" ]; then echo "no discovery in $b/discovery: run pre-flight first" >&2; exit 1; fi
t0=$SECONDS
roots=()
while IFS="$(printf '\t')" read -r root kind _; do
  [ "$kind" = mail ] || continue
  if [ -d "$root" ] && [ ! -L "$root" ]; then roots+=("$root"); fi
done < "$r"
{
  printf 'C\tpop3_uidl_format\t%s\n' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
  if [ ${#roots[@]} -gt 0 ]; then
    find "${roots[@]}" \( -type d -name cur -printf 'D\t%h\n' \) -o \
      \( -type f \( -path '*/cur/*' -o -path '*/new/*' \) -printf 'M\t%s\t%h\t%f\n' \) -o \
      \( -type l -printf 'L\t%p\n' \)
  fi
} | awk -F '\t' -v OFS='\t' -v accounts="$a" "$census_awk" | sort -o "$c/$side.tsv.new"
mv -- "$c/$side.tsv.new" "$c/$side.tsv"
chmod 0600 -- "$c/$side.tsv"
awk -F '\t' '$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "census of the %s: %d accounts, %d folders, %d messages, %.0f bytes\n", side, a, f, m, s }' side="$side" "$c/$side.tsv"
echo "taken in $((SECONDS - t0)) s; written to $c/$side.tsv"
