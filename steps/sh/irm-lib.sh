# shellcheck shell=bash
# shellcheck disable=SC2154 # backend conf suffix: the prologue's and ldap-suffix.sh's
# irm-lib: on an iRedMail target, as root, the account backend as
# irm-accounts.sh and irm-forwardings.sh reach it (mailshift puts this text
# before theirs, after lib.sh and, for LDAP, ldap-suffix.sh).  The vmail
# database is reached as the backups and the inventory reach it: mysql as
# root, psql as postgres; the directory with slapcat, and written with
# slapadd and slapmodify while slapd is stopped (iRedMail's slapd.conf
# gives root over ldapi:/// no write access: only cn=vmailadmin, whose
# password mailshift does not hold, writes live).
# Prologue: backend (mysql|pgsql|ldap); for ldap conf and suffix.

# ms_irm_sql: the SQL on stdin run in the vmail database, one session,
# stopped at its first error
ms_irm_sql() {
  case $backend in
    mysql) mysql --batch --skip-column-names vmail ;;
    pgsql) (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d vmail) ;;
    *) echo "ms_irm_sql: not an SQL backend: $backend" >&2; return 1 ;;
  esac
}

# ms_irm_session: the first statements of a session that writes: the
# string rules irm-lib.awk's sql() quotes for, UTF-8, one transaction
ms_irm_session() {
  if [ "$backend" = mysql ]; then
    printf '%s\n' "SET SESSION sql_mode = 'STRICT_ALL_TABLES';" "SET NAMES utf8mb4;" "START TRANSACTION;"
  else
    printf '%s\n' "SET standard_conforming_strings = on;" "SET client_encoding = 'UTF8';" "BEGIN;"
  fi
}

# ms_irm_slapcat: the directory below the suffix, as LDIF, lines unwrapped
ms_irm_slapcat() { slapcat "${conf[@]}" -b "$suffix" -o ldif_wrap=no; }

# ms_irm_domains [live]: the target's mail domains, lower case, one a
# line (live: those active and not a backup MX)
ms_irm_domains() {
  if [ "$backend" = ldap ]; then
    ms_irm_slapcat | awk -v s="o=domains,$suffix" -v live="${1:-}" '
      function out() { if (d != "" && (live == "" || (act && !bmx))) print d; d = "" }
      /^dn: / { out(); dn = tolower(substr($0, 5)); act = bmx = 0 }
      /^domainName: / && dn == "domainname=" tolower(substr($0, 13)) "," tolower(s) { d = tolower(substr($0, 13)) }
      /^accountStatus: active$/ { act = 1 }
      /^domainBackupMX: yes$/ { bmx = 1 }
      END { out() }'
  elif [ "${1:-}" = live ]; then
    echo "SELECT LOWER(domain) FROM domain WHERE active = 1 AND backupmx = 0;" | ms_irm_sql
  else
    echo "SELECT LOWER(domain) FROM domain;" | ms_irm_sql
  fi
}

# ms_irm_addresses DOMAIN: every address of DOMAIN the target has, lower
# case, one a line: mailboxes, aliases, forwardings (SQL); the mail and
# shadowAddress of every entry (LDAP)
ms_irm_addresses() {
  if [ "$backend" = ldap ]; then
    ms_irm_slapcat | awk -v d="@$1" '
      /^(mail|shadowAddress): / { v = tolower($0); sub(/^[a-z]+: /, "", v)
        if (substr(v, length(v) - length(d) + 1) == d) print v }' | sort -u
  else
    printf "%s\n" "SELECT LOWER(username) FROM mailbox WHERE LOWER(domain) = '$1'" \
      "UNION SELECT LOWER(address) FROM alias WHERE LOWER(domain) = '$1'" \
      "UNION SELECT LOWER(address) FROM forwardings WHERE LOWER(domain) = '$1';" | ms_irm_sql
  fi
}

# ms_irm_domain_known DOMAIN: fails, naming the target's domains, when
# DOMAIN is not one of them (DOMAIN: checked as a domain name before)
ms_irm_domain_known() {
  local all
  all=$(ms_irm_domains) || { echo "cannot read the target's mail domains" >&2; return 1; }
  grep -qxF -- "$1" <<<"$all" && return 0
  echo "refused: $1 is not one of the target's iRedMail domains (it has: $(printf '%s' "$all" | tr '\n' ' ')); add it with iRedAdmin first, then run the step again" >&2
  return 1
}

# ms_irm_domain_pick: sets domain (the prologue's, lower case: the option
# users_domain), or when it is empty the target's only domain; fails
# naming the target's domains when there is no one, or not a domain name
ms_irm_domain_pick() {
  local all n
  domain=${domain,,}
  # (the one an earlier step of this migration picked: the same for all)
  if [ -z "$domain" ] && [ -s "$b/accounts/domain" ]; then domain=$(head -n 1 -- "$b/accounts/domain"); fi
  if [ -z "$domain" ]; then
    # (a domain that is disabled or only a backup MX here is no one's mailbox domain)
    all=$(ms_irm_domains live) || { echo "cannot read the target's mail domains" >&2; return 1; }
    n=$(grep -c . <<<"$all" || true)
    if [ "$n" != 1 ]; then
      echo "the target has $n iRedMail domains${all:+ ($(printf '%s' "$all" | tr '\n' ' '))}: set users_domain in [options] to the one the users' addresses have (add it with iRedAdmin first when it is missing)" >&2
      return 1
    fi
    domain=$all
    echo "the users' domain: $domain (the target's only domain; users_domain is not set)"
  fi
  if ! [[ $domain =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$ ]]; then
    echo "not a domain name: ${domain//[^[:print:]]/?}" >&2; return 1
  fi
}

# ms_irm_ldap_load ADD MODIFY: the entries of the LDIF file ADD added and
# the changes of MODIFY (either may be empty) made, slapd stopped between;
# first the directory as it was is kept in $b/ldap-before/TIME.ldif (0600:
# it holds password hashes; slapadd -l puts it back into an empty database):
# slapadd -u checks the entries first, nothing is written when it fails
# (slapmodify -u, its dry run, crashes in OpenLDAP 2.5.13: the changes are
# only attributes added to entries this fragment's caller read)
ms_irm_ldap_load() {
  local dir owner rc=0 attrs e keep
  if [ -s "$1" ]; then slapadd "${conf[@]}" -u -b "$suffix" -l "$1" >/dev/null || { echo "the new entries do not pass slapadd -u: nothing was written" >&2; return 1; }; fi
  if [ ${#conf[@]} -gt 0 ]; then
    dir=$(awk -v s="$suffix" '$1 == "suffix" { gsub(/"/, "", $2); cur = $2 } $1 == "directory" && cur == s { print $2; exit }' "${conf[1]}")
  else
    dir=$(slapcat -n 0 -a "(olcSuffix=$suffix)" | sed -n 's/^olcDbDirectory: //p')
  fi
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then echo "cannot find the database directory of $suffix" >&2; return 1; fi
  owner=$(stat -c %U:%G -- "$dir")
  keep=$b/ldap-before/$(date +%Y%m%d-%H%M%S)-$$.ldif
  if ! (umask 077 && mkdir -p -- "$b/ldap-before" && ms_irm_slapcat > "$keep"); then
    echo "cannot keep a copy of the directory before writing it ($keep): nothing was written" >&2; return 1
  fi
  echo "the directory as it was: $keep"
  # (slapd runs again however this ends; its callers set no trap of their own)
  trap 'systemctl start slapd </dev/null >/dev/null 2>&1 || true' EXIT
  systemctl stop slapd </dev/null >/dev/null 2>&1 || true
  if [ -s "$1" ]; then slapadd "${conf[@]}" -b "$suffix" -l "$1" || rc=1; fi
  if [ "$rc" = 0 ] && [ -s "$2" ]; then
    slapmodify "${conf[@]}" -b "$suffix" -l "$2" || rc=1
    # slapmodify leaves the indexes of the attributes it added as they
    # were: slapd's searches (Postfix's (mailForwardingAddress=*)) would
    # not find them until they are indexed again
    mapfile -t attrs < <(sed -n 's/^\(add\|replace\|delete\): *\([A-Za-z][A-Za-z0-9-]*\)$/\2/p' "$2" | sort -u)
    # (its warning that it runs as root is answered by the chown below)
    # (what a failed slapmodify changed before it stopped is indexed too)
    if [ ${#attrs[@]} -gt 0 ] && ! e=$(slapindex "${conf[@]}" -b "$suffix" "${attrs[@]}" 2>&1); then
      printf '%s\n' "$e" >&2; rc=1
    fi
  fi
  chown -R -- "$owner" "$dir" || rc=1
  systemctl start slapd </dev/null >/dev/null 2>&1 || { echo "slapd did not start again" >&2; rc=1; }
  trap - EXIT
  return "$rc"
}
