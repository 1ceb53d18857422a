# shellcheck shell=bash
# shellcheck disable=SC2154 # m mode: the prologue's
# authkey: the one-off key's line in this user's authorized_keys, found by
# its marker (the line's last two fields, "mailshift-migration USER@HOST").
# Prologue: m (the marker), mode:
#  add     reads "TYPE BLOB" (the target's public key) on stdin and
#          authorizes it, least privilege: "restrict" (no forwarding, no
#          terminal, no ~/.ssh/rc: OpenSSH 7.2 or later, else the four
#          no-* options) and "expiry-time" 14 days out (OpenSSH 8.2 or
#          later); an earlier marked line is replaced
#  narrow  reads the address the target came from (as this server saw it,
#          SSH_CLIENT) on stdin and adds from="ADDRESS" to the marked line
#  remove  removes the marked line(s)
# Every other line stays as it was; the file keeps its mode and owner and is
# replaced in one rename, so a full disk cannot leave it cut short.
f=$HOME/.ssh/authorized_keys
# the lines whose last field is the marker (want=1), or all the others (want=0)
marked() {
  M=" $m" awk -v want="$1" '{ n = length(ENVIRON["M"])
    hit = length($0) >= n && substr($0, length($0) - n + 1) == ENVIRON["M"] } hit == want' "$f"
}
# the file as the lines that are not marked, then LINE (if given)
rewrite() { # [LINE]
  local new="$f.mailshift-new"
  if ! { { marked 0; [ -z "${1:-}" ] || printf '%s\n' "$1"; } > "$new" &&
         chmod --reference="$f" -- "$new" && chown --reference="$f" -- "$new"; }; then
    rm -f -- "$new"; echo "cannot write $new: $f is unchanged" >&2; exit 1
  fi
  mv -f -- "$new" "$f"
}
# the options this server's sshd takes: restrict, and an expiry
options() { # [FROM]
  local v o
  # the server's own version (an sshd without -V names it in its usage)
  v=$("$(command -v sshd || echo /usr/sbin/sshd)" -V 2>&1 | sed -n 's/^OpenSSH_\([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -n 1)
  read -r maj min <<< "${v:-0 0}"
  if [ "$maj" -gt 7 ] || { [ "$maj" = 7 ] && [ "$min" -ge 2 ]; }; then o=restrict
  else o=no-agent-forwarding,no-port-forwarding,no-X11-forwarding,no-pty; fi
  [ -z "${1:-}" ] || o+=",from=\"$1\""
  if [ "$maj" -gt 8 ] || { [ "$maj" = 8 ] && [ "$min" -ge 2 ]; }; then
    o+=",expiry-time=\"$(date -u -d '+14 days' +%Y%m%d)\""
  fi
  printf '%s' "$o"
}
case $mode in
  add)
    read -r type blob _ || { echo 'no public key came from the target' >&2; exit 1; }
    case $type in ssh-ed25519) ;; *) echo "not an ed25519 public key: ${type//[^[:print:]]/?}" >&2; exit 1 ;; esac
    case $blob in ''|*[!A-Za-z0-9+/=]*) echo 'not a public key' >&2; exit 1 ;; esac
    (umask 077 && mkdir -p -- "$HOME/.ssh") || exit 1
    if [ ! -e "$f" ]; then (umask 077 && : > "$f") || exit 1; fi
    rewrite "$(options) $type $blob $m"
    echo "authorized in $f, marked \"$m\": $(options)" ;;
  narrow)
    read -r addr _ || addr=
    case $addr in
      *[!0-9a-fA-F.:]*|'') echo "not an address: ${addr//[^[:print:]]/?}" >&2; exit 1 ;;
    esac
    line=$(marked 1 | tail -n 1)
    [ -n "$line" ] || { echo "no line of $f is marked \"$m\": run the step from its start" >&2; exit 1; }
    read -r -a w <<< "$line"
    n=${#w[@]}
    [ "$n" -ge 5 ] || { echo "the marked line of $f is not mailshift's" >&2; exit 1; }
    rewrite "$(options "$addr") ${w[n - 4]} ${w[n - 3]} $m"
    echo "the key opens the source only from $addr (the target, as the source sees it): $(options "$addr")" ;;
  remove)
    [ -f "$f" ] || { echo "no $f: nothing to remove"; exit 0; }
    n=$(marked 1 | wc -l)
    [ "$n" -gt 0 ] || { echo "no line of $f is marked \"$m\": nothing to remove"; exit 0; }
    rewrite
    echo "removed $n line(s) marked \"$m\" from $f" ;;
esac
