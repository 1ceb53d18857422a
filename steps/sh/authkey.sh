# shellcheck shell=bash
# shellcheck disable=SC2154 # m mode gate: the prologue's
# authkey: the one-off key's line in this user's authorized_keys, found by
# its marker (the line's last two fields, "mailshift-migration USER@HOST").
# Prologue: m (the marker), gate (gate.sh's text), mode:
#  add     reads "TYPE BLOB" (the target's public key) on stdin and
#          authorizes it, least privilege: its forced command is the gate
#          (gate.sh, with the rsyncd.conf it names, put in ~/.ssh/
#          mailshift-migration/): rsync reading only, nothing else;
#          "restrict" (no forwarding, no terminal, no ~/.ssh/rc: OpenSSH 7.2
#          or later, else the four no-* options) and "expiry-time" 14 days
#          out (OpenSSH 8.2 or later); an earlier marked line is replaced
#  narrow  reads the address the target came from (as this server saw it,
#          SSH_CLIENT) on stdin and adds from="ADDRESS" to the marked line
#  remove  removes the marked line(s), and the gate once no line names it
# Every other line stays as it was; the file keeps its mode and owner and is
# replaced in one rename, so a full disk cannot leave it cut short.
f=$HOME/.ssh/authorized_keys
g=$HOME/.ssh/mailshift-migration
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
  o+=",command=\"/bin/sh $g/gate\""
  [ -z "${1:-}" ] || o+=",from=\"$1\""
  if [ "$maj" -gt 8 ] || { [ "$maj" = 8 ] && [ "$min" -ge 2 ]; }; then
    o+=",expiry-time=\"$(date -u -d '+14 days' +%Y%m%d)\""
  fi
  printf '%s' "$o"
}
# the gate and its rsyncd.conf, each replaced in one rename
put_gate() {
  case $g in *[!A-Za-z0-9._/-]*) echo "the home directory $HOME cannot be named in a forced command" >&2; return 1 ;; esac
  (umask 077 && mkdir -p -- "$g") || return 1
  if [ -L "$g" ] || [ ! -d "$g" ]; then echo "$g is not a directory" >&2; return 1; fi
  chmod 0700 -- "$g" &&
  (umask 077 && printf '%s' "$gate" > "$g/gate.new") && mv -f -- "$g/gate.new" "$g/gate" &&
  (umask 077 && cat > "$g/rsyncd.conf.new") <<'CONF' && mv -f -- "$g/rsyncd.conf.new" "$g/rsyncd.conf"
# mailshift's one-off key: rsync of this whole server, reading only, as the
# single-use daemon its gate starts (removed with the key, by remove-key)
use chroot = no
munge symlinks = no
reverse lookup = no
[mailshift]
path = /
read only = yes
write only = no
list = no
uid = 0
gid = 0
transfer logging = no
refuse options = remove-source-files remove-sent-files log-file log-file-format write-devices
CONF
}
case $mode in
  add)
    read -r type blob _ || { echo 'no public key came from the target' >&2; exit 1; }
    case $type in ssh-ed25519) ;; *) echo "not an ed25519 public key: ${type//[^[:print:]]/?}" >&2; exit 1 ;; esac
    case $blob in ''|*[!A-Za-z0-9+/=]*) echo 'not a public key' >&2; exit 1 ;; esac
    (umask 077 && mkdir -p -- "$HOME/.ssh") || exit 1
    put_gate || { echo "cannot put the key's gate in $g: $f is unchanged" >&2; exit 1; }
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
    if [ ! -f "$f" ]; then echo "no $f: no line to remove"
    elif n=$(marked 1 | wc -l) && [ "$n" -eq 0 ]; then echo "no line of $f is marked \"$m\": no line to remove"
    else rewrite; echo "removed $n line(s) marked \"$m\" from $f"
    fi
    # the gate, once no line names it (another target's may still)
    if [ -d "$g" ] && ! { [ -f "$f" ] && grep -qF -- "$g/gate" "$f"; }; then
      rm -f -- "$g/gate" "$g/rsyncd.conf" && rmdir -- "$g" && echo "removed the key's gate, $g"
    fi ;;
esac
