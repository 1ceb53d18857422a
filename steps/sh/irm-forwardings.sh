# shellcheck shell=bash
# shellcheck disable=SC2154 # b backend domain homes target_aliases irm_awk aliases_awk: the prologue's
# irm-forwardings: on an iRedMail target, as root, after irm-accounts.sh:
# the source's aliases file (pulled by aliases-pull.sh into
# $b/aliases/source-aliases, read by aliases.awk as the aliases step reads
# it) and the .forward files of the users moved (HOMES/HOME/.forward: the
# source's homes as copied under the directory homes) as iRedMail accounts:
#   - an alias whose targets are moved users or addresses: an alias account
#     NAME@DOMAIN (the alias row and its members' forwardings rows, is_list
#     1, as iRedMail's tools store alias members; LDAP: a mailAlias entry
#     under ou=Aliases with mailForwardingAddress), a moved user written as
#     its address;
#   - a .forward (or an alias named after a moved user): forwardings rows of
#     the mailbox (is_forwarding 1); without "\user" (keep a copy) the
#     mailbox's own row goes (LDAP: mailForwardingAddress on the user's
#     entry, its own address among them for a copy kept);
#   - everything else listed in $b/accounts/by-hand.tsv (where, what, why)
#     and printed: commands, files, :include:, names that are neither a moved
#     user nor an address, every .procmailrc, the aliases the target has
#     already (its own aliases file's names, or NAME@DOMAIN: kept the
#     target's).
# All in one session (mysql, psql) or one slapadd and slapmodify.  A rerun
# makes nothing twice ($b/accounts/forwardings.done).
# Prologue: b, backend, domain, homes, target_aliases (the target's own
# aliases file, "" for /etc/postfix/aliases), irm_awk (irm-lib.awk then
# irm-forwardings.awk), aliases_awk (aliases.awk); for ldap conf and
# suffix.  lib.sh and irm-lib.sh before this.
export LC_ALL=C
umask 077
a=$b/accounts
[ -f "$a/map.tsv" ] || { echo "no $a/map.tsv: the mailboxes were not made (irm-accounts.sh first)" >&2; exit 1; }
[ -f "$b/users/passwd" ] || { echo "no $b/users/passwd: the source's account files were not fetched" >&2; exit 1; }
case $backend in mysql|pgsql|ldap) ;; *) echo "not an account backend: $backend (mysql, pgsql or ldap)" >&2; exit 1 ;; esac
ms_irm_domain_pick || exit 1
ms_irm_domain_known "$domain" || exit 1
w=$a/forwardings.new
rm -rf -- "$w"
mkdir -m 0700 -- "$w" || exit 1
: > "$w/by-hand"

# the source's aliases, as the aliases step reads them (a refused entry is
# listed, the others carried)
if [ -f "$b/aliases/source-aliases" ]; then
  if [ "$(tr -d '\000' < "$b/aliases/source-aliases" | wc -c)" != "$(wc -c < "$b/aliases/source-aliases")" ]; then
    printf 'B\taliases\t(the whole file)\tholds a NUL byte: not a text file, nothing of it carried\n' >> "$w/by-hand"
    : > "$w/aliases.tsv"
  else
    awk -v mode=source "$aliases_awk" "$b/aliases/source-aliases" > "$w/aliases.tsv" || true
  fi
else
  echo "no aliases file of the source in $b/aliases (the aliases step pulls it): only the .forward files are read"
  : > "$w/aliases.tsv"
fi

# each moved user's .forward, one entry named after the user (its lines a
# list), and every .procmailrc: a plain file of at most 64 KiB, not a link
: > "$w/forwards"
: > "$w/homes.tsv"
awk -F ':' -v OFS='\t' 'FILENAME == ARGV[1] { split($0, f, "\t"); moved[f[1]] = 1; next }
  ($1 in moved) && NF == 7 { print $1, $6 }' "$a/map.tsv" "$b/users/passwd" > "$w/homes.tsv"
top=$(realpath -e -- "$homes") || { echo "no directory $homes: the source's homes were not copied there" >&2; exit 1; }
while IFS=$'\t' read -r user home; do
  # the source's HOME, hostile: a plain absolute path, read below homes only
  case $home in
    /*[!A-Za-z0-9._/+@=-]*|*/./*|*/../*|*//*|*/.|*/..) printf 'B\t%s\t%s\t%s\n' "passwd" "$user" "its home is not a plain path: its .forward is not read" >> "$w/by-hand"; continue ;;
    /*) ;;
    *) continue ;;
  esac
  for f in .forward .procmailrc; do
    p=$homes$home/$f
    [ -e "$p" ] || [ -L "$p" ] || continue
    r=$(realpath -m -- "$p")
    case $r in
      "$top"/*) ;;
      *) printf 'B\t%s\t%s\t%s\n' "$home/$f" "$user" "reached through a link out of the copied homes: not read" >> "$w/by-hand"; continue ;;
    esac
    if [ "$f" = .procmailrc ]; then
      printf 'B\t%s\t%s\t%s\n' "$home/$f" "procmail recipes" "procmail is not iRedMail's: its rules are carried by hand (iRedMail filters with Sieve)" >> "$w/by-hand"
    elif [ -L "$p" ] || [ ! -f "$p" ]; then
      printf 'B\t%s\t%s\t%s\n' "$home/$f" "$user" "not a plain file (a link?): not read" >> "$w/by-hand"
    elif [ "$(wc -c < "$p")" -gt 65536 ]; then
      printf 'B\t%s\t%s\t%s\n' "$home/$f" "$user" "more than 64 KiB: not a .forward mailshift reads" >> "$w/by-hand"
    elif [ "$(tr -d '\000' < "$p" | wc -c)" != "$(wc -c < "$p")" ]; then
      printf 'B\t%s\t%s\t%s\n' "$home/$f" "$user" "holds a NUL byte: not a text file" >> "$w/by-hand"
    else
      awk -v u="$user" '/^[ \t]*#/ || /^[ \t]*$/ { next } { sub(/^[ \t]+/, ""); s = s (s == "" ? "" : ", ") $0 }
        END { if (s != "") print u ": " s }' "$p" >> "$w/forwards"
    fi
  done
done < "$w/homes.tsv"
awk -v mode=source "$aliases_awk" "$w/forwards" > "$w/forwards.tsv" || true

ms_irm_addresses "$domain" > "$w/have" || { echo "cannot read the addresses the target has" >&2; exit 1; }
t=${target_aliases:-/etc/postfix/aliases}
if [ -f "$t" ]; then
  awk '/^[ \t#]/ || !/:/ { next } { n = $0; sub(/[ \t]*:.*/, "", n); print tolower(n) }' "$t" > "$w/tnames"
else
  : > "$w/tnames"
fi
[ -f "$a/forwardings.done" ] || : > "$a/forwardings.done"
awk -F '\t' -v engine="$backend" -v domain="$domain" -v suffix="${suffix:-}" -v out="$w" "$irm_awk" \
  "$w/aliases.tsv" "$w/forwards.tsv" "$a/map.tsv" "$w/have" "$w/tnames" "$w/homes.tsv" "$a/forwardings.done" >> "$w/by-hand" ||
  { echo "could not read the aliases and .forward files" >&2; exit 1; }

if [ "$backend" = ldap ]; then
  if [ -s "$w/add" ] || [ -s "$w/modify" ]; then
    ms_irm_ldap_load "$w/add" "$w/modify" || { echo "the aliases and forwardings were not made" >&2; exit 1; }
  fi
elif [ -s "$w/load" ]; then
  { ms_irm_session; cat -- "$w/load"; echo "COMMIT;"; } | ms_irm_sql >/dev/null ||
    { echo "the aliases and forwardings were not made: the database refused the statements (one transaction: none was kept)" >&2; exit 1; }
fi
cat -- "$w/done" >> "$a/forwardings.done"
awk -F '\t' -v OFS='\t' '$1 == "B" { print $2, $3, $4 }' "$w/by-hand" > "$a/by-hand.tsv"
chmod 0600 -- "$a/by-hand.tsv" "$a/forwardings.done"
awk -F '\t' '$1 == "A" { print "alias " $2 ": " $3 " address(es)" }
  $1 == "F" { print "forwarding of " $2 ": " $3 " address(es), " $4 }
  $1 == "D" { print $2 ": made by an earlier run" }' "$w/by-hand"
if [ -s "$a/by-hand.tsv" ]; then
  echo "to carry by hand ($(wc -l < "$a/by-hand.tsv"), in $a/by-hand.tsv):"
  awk -F '\t' '{ print "  " $1 ": " $2 ": " $3 }' "$a/by-hand.tsv"
fi
rm -rf -- "$w"
echo "$domain: $(grep -c '^alias ' "$a/forwardings.done" || true) alias(es) and $(grep -c '^user ' "$a/forwardings.done" || true) forwarding(s) made by mailshift"
