# shellcheck shell=bash
# shellcheck disable=SC2154 # b side census_awk (census.awk) units_awk (units.awk) cache: the prologue's
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
# cache (prologue): empty, the census is one pass over every mail root;
# "save", that pass is also kept as the cache ($c/cache-$side.tsv), with the
# state of every mail directory taken just before it (ms_dirstate,
# cache-$side.dirs): the bulk copy takes one while the source is live, one
# of the target after the copy; "use", in the downtime window: the
# directories are listed again (no message is read), and only the accounts
# whose directories changed since the cache (or that are new) are counted
# again: a message added, removed or flagged changes its folder's cur/ or
# new/, Dovecot rewrites its uidlist with a rename.  The rest is the cache's.
# The list taken then is kept too ($c/$side.dirs): the final copy compares
# the source's with the target's.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
a=$b/discovery/accounts.tsv r=$b/discovery/roots.tsv
if [ ! -f "$a" ] || [ ! -f "$r" ]; then echo "no discovery in $b/discovery: run pre-flight first" >&2; exit 1; fi
t0=$EPOCHREALTIME
ms_mail_roots
tmp=$(mktemp -d "$c/.census.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
count() { # [ONLY]: the census lines of the accounts below the paths on stdin (-z), or every root
  local only=${1:-}
  {
    printf 'C\tpop3_uidl_format\t%s\n' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
    if [ -n "$only" ]; then
      xargs -0 -r sh -c 'find -H "$@" \( -type d -name cur -printf "D\t%h\n" \) -o \
        \( -type f \( -path "*/cur/*" -o -path "*/new/*" \) -printf "M\t%s\t%h\t%f\n" \) -o \( -type l -printf "L\t%p\n" \)' sh
    elif [ ${#mail_roots[@]} -gt 0 ]; then
      find -H "${mail_roots[@]}" \( -type d -name cur -printf 'D\t%h\n' \) -o \
        \( -type f \( -path '*/cur/*' -o -path '*/new/*' \) -printf 'M\t%s\t%h\t%f\n' \) -o \
        \( -type l -printf 'L\t%p\n' \)
    fi
  } | awk -F '\t' -v OFS='\t' -v accounts="$a" -v only="$only" "$census_awk"
}
mode=full
if [ "${cache:-}" = use ] && [ -f "$c/cache-$side.tsv" ] && [ -f "$c/cache-$side.dirs" ]; then
  mode=cache
  # the final copy may have begun this listing already (the target's)
  if [ -e "$c/.listing.lock" ]; then flock "$c/.listing.lock" true; fi
  if [ -f "$c/$side.dirs.next" ]; then
    mv -- "$c/$side.dirs.next" "$c/$side.dirs"
    echo "the state of the mail as listed right after the final copy"
  else
    ms_dirstate "${mail_roots[@]}" > "$c/$side.dirs"
  fi
  t1=$EPOCHREALTIME
  # the accounts whose directories changed, or that the cache does not know
  comm -3 -- "$c/cache-$side.dirs" "$c/$side.dirs" | sed 's/^\t//' > "$tmp/changed"
  awk -F '\t' -v accounts="$a" "$units_awk" "$tmp/changed" | awk -F '\t' '$1 == "R" { print $3 }' > "$tmp/only"
  awk -F '\t' 'FILENAME == ARGV[1] { if ($1 == "A") known[$2] = 1; next } !($1 in known) { print $1 }' \
    "$c/cache-$side.tsv" "$a" >> "$tmp/only"
  sort -u -o "$tmp/only" "$tmp/only"
  t2=$EPOCHREALTIME
  # their mail directories (those there: an account that never had mail has none)
  awk -F '\t' 'FILENAME == ARGV[1] { o[$0] = 1; next } ($1 in o) { printf "%s%c", $2, 0 }' "$tmp/only" "$a" |
    while IFS= read -r -d '' p; do if [ -d "$p" ] && [ ! -L "$p" ]; then printf '%s\0' "$p"; fi; done |
    count "$tmp/only" | sort > "$tmp/new"
  t3=$EPOCHREALTIME
  # the cache's lines of every other current account (sorted as the cache
  # is), merged with the new ones
  awk -F '\t' 'FILENAME == ARGV[1] { o[$0] = 1; next } FILENAME == ARGV[2] { cur[$1] = 1; next }
    $1 != "C" && ($2 in cur) && !($2 in o)' "$tmp/only" "$a" "$c/cache-$side.tsv" > "$tmp/kept"
  sort -m -o "$c/$side.tsv.new" -- "$tmp/kept" "$tmp/new"
  echo "$(wc -l < "$tmp/only") account(s) changed since the cache of the $side (or new): counted again; the others' count kept"
  echo "(listing the state $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, counting $(ms_took2 "$t2" "$t3") s, merging $(ms_took "$t3") s)"
else
  [ "${cache:-}" != save ] || ms_dirstate "${mail_roots[@]}" > "$c/cache-$side.dirs.new"
  count | sort -o "$c/$side.tsv.new"
fi
mv -- "$c/$side.tsv.new" "$c/$side.tsv"
chmod 0600 -- "$c/$side.tsv"
if [ "${cache:-}" = save ]; then
  cp -- "$c/$side.tsv" "$c/cache-$side.tsv"
  mv -- "$c/cache-$side.dirs.new" "$c/cache-$side.dirs"
  chmod 0600 -- "$c/cache-$side.tsv" "$c/cache-$side.dirs"
fi
awk -F '\t' '$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "census of the %s: %d accounts, %d folders, %d messages, %.0f bytes\n", side, a, f, m, s }' side="$side" "$c/$side.tsv"
echo "taken in $(ms_took "$t0") s ($mode); written to $c/$side.tsv"
