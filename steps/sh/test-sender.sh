# shellcheck shell=bash
# shellcheck disable=SC2154 # b backend mode irm_awk: the prologue's
# test-sender: on the target, as root, the throwaway account the test step
# sends from (test-outbound.sh): on iRedMail a mailbox in the account
# backend as iRedMail's tools make one (irm-accounts.awk: the mailbox row
# and its forwardings row, or the mailUser entry); on a server of system
# users (backend system) a system user without a home or a shell, whose
# login is its name.  In one of two modes:
#   make: reads "USER ADDRESS SUBJECT" on stdin (test-message.sh's pick)
#     and makes mailshift-test-TIME-N@ the domain of ADDRESS, with a random
#     password that never leaves this server: only its hash goes to the
#     backend; the address and the password are kept in $b/test-sender
#     (0600) for test-outbound.sh.  The address is recorded in
#     $b/test-senders before the mailbox is made: a run killed in between
#     leaves it for the removal.
#   remove: every account $b/test-senders names, with its maildir if one
#     was made, and the records (a system user only if it is still the
#     one mailshift made: its comment says so).
# Only names this fragment makes are taken from or removed: a record that
# is not mailshift-test-DIGITS-DIGITS@DOMAIN is refused.  LDAP: slapd is
# stopped for the write, a second or two (ms_irm_ldap_load).
# Prologue: b, backend (mysql|pgsql|ldap|system), mode; for iRedMail
# irm_awk (irm-lib.awk then irm-accounts.awk), for ldap conf and suffix
# (ldap-suffix.sh), lib.sh and irm-lib.sh before this.
export LC_ALL=C
umask 077
rec=$b/test-senders
ok_addr() { [[ $1 =~ ^mailshift-test-[0-9]+-[0-9]+@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; }
case $backend in mysql|pgsql|ldap|system) ;; *) echo "not an account backend: $backend (mysql, pgsql, ldap or system)" >&2; exit 1 ;; esac
gecos='mailshift test sender'
ours() { [ "$(getent passwd "$1" | cut -d : -f 5)" = "$gecos" ]; }

if [ "$mode" = remove ]; then
  [ -s "$rec" ] || { echo "no test sender to remove"; rm -f -- "$b/test-sender" "$b/test-sender.netrc"; exit 0; }
  sql="" ldif=$b/test-senders.ldif dirs=()
  : > "$ldif"
  while read -r addr dir; do
    ok_addr "$addr" || { echo "refused: $b/test-senders names ${addr//[^[:print:]]/?}, not a test sender mailshift makes" >&2; exit 1; }
    domain=${addr#*@}
    if [ "$backend" = system ]; then
      u=${addr%@*}
      if getent passwd "$u" >/dev/null; then
        ours "$u" || { echo "refused: the user $u is not the test sender mailshift made (its comment is not \"$gecos\")" >&2; exit 1; }
        userdel -- "$u" || { echo "cannot remove the user $u" >&2; exit 1; }
      fi
      echo "removes the test sender $addr"
      continue
    fi
    have=$(ms_irm_addresses "$domain") || { echo "cannot read the addresses of $domain" >&2; exit 1; }
    if grep -qxF -- "$addr" <<< "$have"; then
      if [ "$backend" = ldap ]; then
        printf 'dn: mail=%s,ou=Users,domainName=%s,o=domains,%s\nchangetype: delete\n\n' "$addr" "$domain" "$suffix" >> "$ldif"
      else
        sql+="DELETE FROM forwardings WHERE address = '$addr' AND forwarding = '$addr';
DELETE FROM mailbox WHERE username = '$addr';
"
      fi
    fi
    # its maildir, when mail reached it: only the one the record names
    if [ -n "$dir" ] && [[ $dir =~ ^/var/vmail/vmail1/[A-Za-z0-9.-]+/m/a/i/mailshift-test-[0-9]+-[0-9]+-[0-9.]+/Maildir$ ]]; then
      dirs+=("${dir%/Maildir}")
    fi
    echo "removes the test sender $addr"
  done < "$rec"
  if [ -s "$ldif" ]; then
    ms_irm_ldap_load /dev/null "$ldif" || { echo "the test senders were not removed from the directory" >&2; exit 1; }
  elif [ -n "$sql" ]; then
    { ms_irm_session; printf '%s' "$sql"; echo "COMMIT;"; } | ms_irm_sql >/dev/null ||
      { echo "the test senders were not removed: the database refused (one transaction: none was)" >&2; exit 1; }
  fi
  for d in "${dirs[@]}"; do
    [ -L "$d" ] || [ ! -e "$d" ] || rm -rf -- "$d"
  done
  rm -f -- "$rec" "$ldif" "$b/test-sender" "$b/test-sender.netrc" "$b"/test-outbound.*
  echo "no test sender left"
  exit 0
fi

read -r _ to tok || { echo 'no test message named on stdin' >&2; exit 1; }
[[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo "not a test message subject: ${tok//[^[:print:]]/?}" >&2; exit 1; }
domain=${to#*@}
[[ $to == *@* && $domain =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] || { echo "not an address on this server: ${to//[^[:print:]]/?}" >&2; exit 1; }
domain=${domain,,}
[ "$backend" = system ] || ms_irm_domain_known "$domain" || exit 1
user=mailshift-test-$(date +%s)-$((RANDOM % 10000))
addr=$user@$domain
w=$b/test-sender.new
rm -rf -- "$w"
mkdir -p -- "$w" && chmod 0700 -- "$b" || exit 1
pw=$(openssl rand -hex 18) || pw=""
hash=$(printf '%s\n' "$pw" | openssl passwd -6 -stdin) || hash=""
if [ ${#pw} != 36 ] || [[ $hash != \$6\$* ]]; then echo 'cannot make a password (openssl rand, openssl passwd -6)' >&2; exit 1; fi
if [ "$backend" = system ]; then
  ! getent passwd "$user" >/dev/null || { echo "the user $user exists already: run the step again" >&2; exit 1; }
  printf '%s -\n' "$addr" >> "$rec" || exit 1
  useradd -M -N -d /nonexistent -s /usr/sbin/nologin -c "$gecos" -- "$user" ||
    { echo "cannot make the test sender $user (useradd)" >&2; exit 1; }
  # (the hash on stdin, never an argument)
  printf '%s:%s\n' "$user" "$hash" | chpasswd -e || { echo "cannot set the test sender's password (chpasswd -e)" >&2; exit 1; }
  printf '%s %s %s\n' "$addr" "$pw" "$user" > "$b/test-sender" || exit 1
  rm -rf -- "$w"
  echo "made the test sender $user, $addr (a system user without home or shell; a random password, kept on this server only, in $b/test-sender)"
  exit 0
fi
printf '%s:x:1:1:mailshift test sender:/nonexistent:/usr/sbin/nologin\n' "$user" > "$w/passwd"
printf '%s:%s:%s:0:99999:7:::\n' "$user" "$hash" "$(( $(date +%s) / 86400 ))" > "$w/shadow"
ms_irm_addresses "$domain" > "$w/have" || { echo "cannot read the addresses the target has" >&2; exit 1; }
awk -F ':' -v min=1 -v max=1 -v engine="$backend" -v domain="$domain" \
  -v date="$(date +%Y.%m.%d.%H.%M.%S)" -v base=/var/vmail -v node=vmail1 -v suffix="${suffix:-}" \
  -v today="$(( $(date +%s) / 86400 ))" -v out="$w" "$irm_awk" \
  "$w/passwd" "$w/shadow" "$w/have" /dev/null > "$w/said" || { echo 'could not make the test sender' >&2; exit 1; }
grep -q '^M' "$w/said" || { echo "could not make the test sender $addr:" >&2; cut -f 2- "$w/said" >&2; exit 1; }
dir=$(cut -f 3 "$w/map.add")
printf '%s %s\n' "$addr" "$dir" >> "$rec" || exit 1
if [ "$backend" = ldap ]; then
  ms_irm_ldap_load "$w/load" /dev/null || { echo "the test sender was not made" >&2; exit 1; }
else
  { ms_irm_session; cat -- "$w/load"; echo "COMMIT;"; } | ms_irm_sql >/dev/null ||
    { echo "the test sender was not made: the database refused" >&2; exit 1; }
fi
printf '%s %s\n' "$addr" "$pw" > "$b/test-sender" || exit 1
rm -rf -- "$w"
echo "made the test sender $addr (a random password, kept on this server only, in $b/test-sender)"
