# shellcheck shell=bash
# shellcheck disable=SC2154 # b backend domain uid_min uid_max irm_awk: the prologue's
# irm-accounts: on an iRedMail target, as root, each real user of the
# source (its passwd and shadow, pulled by users-pull.sh into $b/users/,
# the uids ms_uid_range picks, as the users step does) becomes a mailbox of
# DOMAIN in the target's account backend, as iRedMail's own tools make
# one: the mailbox row and its forwardings row (SQL), or the mailUser
# entry under ou=Users (LDAP).  The shadow hash is kept verbatim as
# {CRYPT}HASH (Dovecot's default_pass_scheme CRYPT reads it): the user
# logs in with the old password.  Refused before anything is written: a
# DOMAIN the target does not have, and every user whose address the target
# has already (a mailbox, an alias or a forwarding) unless this fragment
# made it (recorded in the map).  Listed and not created: a name that is
# not a plain system name, a locked (! or *) or empty password.  All the
# mailboxes in one session (mysql, psql) or one slapadd.
# Writes $b/accounts/map.tsv (0600): user, address, the Maildir Dovecot
# opens (home storagebasedirectory/storagenode/maildir, mail ~/Maildir),
# and $b/accounts/listed.tsv: the users not created, and why.
# Prologue: b, backend (mysql|pgsql|ldap), domain, uid_min and uid_max
# (the options users_uid_min and users_uid_max, "" for the source's),
# irm_awk (irm-lib.awk then irm-accounts.awk); for ldap conf and suffix
# (ldap-suffix.sh).  lib.sh and irm-lib.sh before this.
export LC_ALL=C
umask 077
u=$b/users a=$b/accounts
for f in passwd shadow; do
  [ -f "$u/$f" ] || { echo "no $u/$f: the source's account files were not fetched (the users step pulls them)" >&2; exit 1; }
done
case $backend in mysql|pgsql|ldap) ;; *) echo "not an account backend: $backend (mysql, pgsql or ldap)" >&2; exit 1 ;; esac
ms_irm_domain_pick || exit 1
ms_uid_range "$u" || exit 1
echo "the real users: uids $min ($from) to $max ($to)"
ms_irm_domain_known "$domain" || exit 1
mkdir -p -- "$a" && chmod 0700 -- "$a" && printf '%s\n' "$domain" > "$a/domain" || exit 1

mkdir -p -- "$a" && chmod 0700 -- "$a" || exit 1
w=$a/accounts.new
rm -rf -- "$w"
mkdir -m 0700 -- "$w" || exit 1
ms_irm_addresses "$domain" > "$w/have" || { echo "cannot read the addresses the target has" >&2; exit 1; }
map=$a/map.tsv
[ -f "$map" ] || map=/dev/null
base=/var/vmail node=vmail1
awk -F ':' -v min="$min" -v max="$max" -v engine="$backend" -v domain="$domain" \
  -v date="$(date +%Y.%m.%d.%H.%M.%S)" -v base="$base" -v node="$node" -v suffix="${suffix:-}" \
  -v today="$(( $(date +%s) / 86400 ))" -v out="$w" "$irm_awk" \
  "$u/passwd" "$u/shadow" "$w/have" "$map" > "$w/said" || { echo "could not read the source's users" >&2; exit 1; }

awk -F '\t' '$1 == "L" { print "listed, not created: " $2 ": " $3 }' "$w/said"
awk -F '\t' -v OFS='\t' '$1 == "L" { print $2, $3 }' "$w/said" > "$w/listed.tsv"
if grep -q '^C' "$w/said"; then
  echo "refused: the target has these addresses already (a mailbox, an alias or a forwarding), which mailshift did not make:" >&2
  awk -F '\t' '$1 == "C" { print "  " $3 " (the source'\''s user " $2 ")" }' "$w/said" >&2
  echo "nothing was written: remove or rename them on the target (or on the source), then run the step again" >&2
  rm -rf -- "$w"
  exit 1
fi
made=$(grep -c '^M' "$w/said" || true)
kept=$(grep -c '^K' "$w/said" || true)

if [ "$made" -gt 0 ]; then
  if [ "$backend" = ldap ]; then
    ms_irm_ldap_load "$w/load" /dev/null || { echo "the mailboxes were not created" >&2; exit 1; }
  else
    { ms_irm_session; cat -- "$w/load"; echo "COMMIT;"; } | ms_irm_sql >/dev/null ||
      { echo "the mailboxes were not created: the database refused the statements (one transaction: none was kept)" >&2; exit 1; }
  fi
fi
# the map: this run's mailboxes, and an earlier run's users made again
# nowhere else
{
  if [ -f "$a/map.tsv" ]; then
    awk -F '\t' 'FILENAME == ARGV[1] { new[$1] = 1; next } !($1 in new)' "$w/map.add" "$a/map.tsv"
  fi
  cat -- "$w/map.add"
} > "$w/map.tsv"
chmod 0600 -- "$w/map.tsv" "$w/listed.tsv"
mv -- "$w/map.tsv" "$a/map.tsv" && mv -- "$w/listed.tsv" "$a/listed.tsv" || exit 1
rm -rf -- "$w"
echo "$domain: $made mailbox(es) created, $kept there from an earlier run, $(wc -l < "$a/listed.tsv") user(s) listed, not created; the map is $a/map.tsv"
