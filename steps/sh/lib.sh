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
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v 'User no longer exists, skipping' >&2) |
    awk -F '\t' -v OFS='\t' 'NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'
}

# ms_accept_roots < ROOTS: the storage roots the source found (discover.sh's
# roots.tsv: root, kind, owner, mode), checked here before anything is copied
# into them, written to $b/discovery/roots.tsv.  A root that is not a plain
# path outside the system directories, an owner this server does not have, or
# a mode that is not octal stops the step with the list.
ms_accept_roots() {
  local d=$b/discovery bad=0 root kind owner mode why u g n
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  : > "$d/roots.tsv.new"
  while IFS="$(printf '\t')" read -r root kind owner mode; do
    [ -n "$root" ] || continue
    why=$(ms_path_problem "$root")
    case $kind in mail|sieve|public|mlmmj) ;; *) why=${why:-"has an unknown kind: $kind"} ;; esac
    case $mode in [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) ;; *) why=${why:-"has no octal mode: $mode"} ;; esac
    u=${owner%%:*} g=${owner#*:}
    if [ -z "$why" ] && { ! id -u -- "$u" >/dev/null 2>&1 || ! getent group -- "$g" >/dev/null; }; then
      why="belongs to $owner on the source: create that user and group here first"
    fi
    if [ -n "$why" ]; then echo "storage root $root $why" >&2; bad=1; continue; fi
    if [ -L "$root" ]; then echo "storage root $root is a symbolic link here: not followed" >&2; bad=1; continue; fi
    printf '%s\t%s\t%s\t%s\n' "$root" "$kind" "$owner" "$mode" >> "$d/roots.tsv.new"
    if [ -d "$root" ]; then
      n=$(find "$root" -mindepth 1 -maxdepth 3 | head -n 1000 | wc -l)
      [ "$n" = 0 ] || echo "$root: on this server already ($n+ paths); the final copy makes it as on the source"
    fi
  done
  [ "$bad" = 0 ] || { rm -f -- "$d/roots.tsv.new"; echo "nothing was copied: fix the roots above, then run this step again" >&2; return 1; }
  mv -- "$d/roots.tsv.new" "$d/roots.tsv"
  echo "$(wc -l < "$d/roots.tsv") storage root(s) to copy, own and verify, written to $d/roots.tsv"
}
