# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source's accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift's own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift's own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# ms_dovecot_auth: makes sure Dovecot's user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot's user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot's user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot's user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot's user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location: the mail itself, -t mailbox,
# not its index), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" -t mailbox INBOX 2> >(grep -v 'User no longer exists, skipping' >&2) |
    awk -F '\t' -v OFS='\t' 'NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot's index caches (dovecot.index*, dovecot.list.index*: a client's
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '%p\tc\t%T@\n' \) -o \
    \( -type d -printf '%p\td\t-\n' \) -o \
    \( -type f ! -name 'dovecot.index*' ! -name 'dovecot.list.index*' -printf '%p\tf\t%T@\n' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\t')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}


# ms_uid_range DIR: the uid range of the real users, from DIR/login.defs and
# DIR/passwd (the source's: /etc there, or the copies the target fetched),
# unless the options uid_min and uid_max (the prologue's, "" when unset) say;
# sets min, max and the words from, to (where each came from).  Prints why
# and fails on a range it cannot take.
# shellcheck disable=SC2034 # min max from to: the caller's
ms_uid_range() {
  local v nobody
  uid() { case $1 in ''|*[!0-9]*) return 1 ;; esac; [ ${#1} -le 10 ] && [ "$1" -le 4294967294 ]; }
  if [ -n "$uid_min" ]; then
    if ! uid "$uid_min" || [ "$uid_min" -lt 1 ]; then echo "users_uid_min is not a uid from 1: $uid_min" >&2; return 1; fi
    min=$uid_min from="users_uid_min"
  elif [ -f "$1/login.defs" ]; then
    v=$(awk '$1 == "UID_MIN" { v = $2 } END { print v }' "$1/login.defs")
    if [ -z "$v" ]; then
      min=1000 from="the default: the source's login.defs sets no UID_MIN"
    elif ! uid "$v"; then
      echo "the source's login.defs has UID_MIN ${v//[^[:print:]]/?}, not a uid: set users_uid_min" >&2; return 1
    elif [ "$v" -lt 100 ]; then
      echo "the source's login.defs has UID_MIN $v, among the system's accounts: set users_uid_min to move from there anyway" >&2; return 1
    else
      min=$v from="UID_MIN of the source's login.defs"
    fi
  else
    min=1000 from="the default: the source has no login.defs"
  fi
  if [ -n "$uid_max" ]; then
    uid "$uid_max" || { echo "users_uid_max is not a uid: $uid_max" >&2; return 1; }
    max=$uid_max to="users_uid_max"
  else
    # nobody (or nfsnobody: old Red Hat's nobody is 99) above the range
    nobody=$(awk -F ':' -v min="$min" '($1 == "nobody" || $1 == "nfsnobody") && $3 ~ /^[0-9]+$/ && length($3) <= 10 &&
      $3 + 0 > min + 0 { print $3 }' "$1/passwd" | sort -n | head -n 1)
    if [ -n "$nobody" ]; then max=$((nobody - 1)) to="below the source's nobody, $nobody"
    else max=65533 to="below 65534: the source has no nobody above UID_MIN"; fi
  fi
  [ "$min" -le "$max" ] || { echo "no uid is from $min to $max: check users_uid_min and users_uid_max" >&2; return 1; }
}
