# shellcheck shell=bash
# shellcheck disable=SC2154 # b system store dkim dbs roundcube m: the prologue's
# decom-list: on the source, read-only, what still holds data and secrets
# there once the mail moved: one line each, what, where, how big; never a
# secret itself.  Names from this server are shown with anything unprintable
# as ? (a compromised source writes what it likes).
# Prologue: b (the backup directory), system (1: mailboxes are system users),
# store (the profile's mail store), dkim (the DKIM keys' directory), dbs (the
# profile's SQL databases, words), roundcube (Roundcube's directory), m (the
# one-off key's marking comment).  Uses lib.sh (ms_path_problem).
export LC_ALL=C
ms_shown() { printf '%s' "${1:0:200}" | tr -c '[:print:]' '?'; }
ms_size() { du -sh -- "$1" 2>/dev/null | cut -f 1 || true; }
item() { printf '  %-26s %s  %s\n' "$1" "$(ms_shown "$2")" "$3"; }
n=0
say() { item "$@"; n=$((n + 1)); }

echo "what still holds data and secrets on this server (read-only: nothing is changed):"
# 1. The mail: each storage root discovery found, else the profile's store.
if [ -s "$b/discovery/roots.tsv" ]; then
  while IFS="$(printf '\t')" read -r root kind _; do
    why=$(ms_path_problem "$root")
    if [ -n "$why" ]; then say "storage root ($kind)" "$root" "not mailshift's to touch: it $why"; continue; fi
    [ -d "$root" ] || continue
    say "mail ($kind)" "$root" "$(ms_size "$root")"
  done < "$b/discovery/roots.tsv"
elif [ -n "$store" ] && [ -d "$store" ]; then
  say "mail store" "$store" "$(ms_size "$store") (no discovery in $b: its roots are not known)"
fi
if [ "$system" = 1 ]; then
  [ ! -d /var/mail ] || [ "$store" = /var/mail ] || say "mail spools" /var/mail "$(ms_size /var/mail)"
  min=$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs 2>/dev/null || true)
  case $min in ''|*[!0-9]*) min=1000 ;; esac
  homes=$(awk -F : -v min="$min" '$3 >= min && $3 < 65534 && $6 ~ /^\// { print $6 }' /etc/passwd | sort -u) || homes=
  if [ -n "$homes" ]; then
    kb=$(printf '%s\n' "$homes" | tr '\n' '\0' | xargs -0 -r du -sc -- 2>/dev/null | tail -n 1 | cut -f 1) || kb='?'
    say "users' homes" "$(printf '%s\n' "$homes" | wc -l) home(s), e.g. $(printf '%s\n' "$homes" | head -n 1)" "$kb kB"
  fi
fi
# 2. mailshift's own copies on this server.
for f in dump source-config.tar.gz roundcube-before-upgrade.tar.gz census discovery; do
  [ -e "$b/$f" ] || continue
  case $f in
    dump) what="mailshift's database dumps" ;;
    census|discovery) what="mailshift's $f (names)" ;;
    *) what="mailshift's archive" ;;
  esac
  say "$what" "$b/$f" "$(ms_size "$b/$f")"
done
# 3. Keys, accounts and credentials.
if [ -d "$dkim" ]; then
  say "DKIM private keys" "$dkim" "$(find "$dkim" -type f -name '*.pem' 2>/dev/null | wc -l) key(s), $(ms_size "$dkim")"
fi
for d in /var/lib/mysql /var/lib/postgresql /var/lib/pgsql /var/lib/ldap /var/lib/openldap-data; do
  if [ ! -d "$d" ] || [ -L "$d" ]; then continue; fi
  say "database data" "$d" "$(ms_size "$d")${dbs:+ (the accounts and more: $dbs)}"
done
if [ -r /etc/shadow ]; then
  say "password hashes" /etc/shadow "$(awk -F : '$2 != "" && $2 !~ /^[!*]/' /etc/shadow | wc -l) user(s) hold one"
fi
say "SSH host keys" "/etc/ssh/ssh_host_*_key" "$(find /etc/ssh/ -maxdepth 1 -name 'ssh_host_*_key' -type f 2>/dev/null | wc -l) key(s)"
while IFS= read -r k; do
  case $k in /*) ;; *) continue ;; esac
  [ -f "$k" ] || continue
  say "TLS private key" "$k" "$(stat -c %s -- "$k") bytes (Postfix or Dovecot names it)"
done < <({
  if command -v postconf >/dev/null; then postconf -h smtpd_tls_key_file 2>/dev/null || true; fi
  if command -v doveconf >/dev/null; then doveconf -h ssl_key 2>/dev/null || true; fi
} | sed 's/^<//' | sort -u)
rc=$roundcube/config/config.inc.php
[ ! -f "$rc" ] || say "Roundcube's configuration" "$rc" "holds its database password"
if [ -f "$HOME/.ssh/authorized_keys" ] && grep -qF -- " $m" "$HOME/.ssh/authorized_keys"; then
  say "the one-off key (authorized)" "$HOME/.ssh/authorized_keys" "run remove-key: the target can still read this server"
else
  echo "  the one-off key is not authorized here (remove-key took it away)"
fi
echo "$n thing(s) listed; nothing was changed"
