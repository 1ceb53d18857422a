# shellcheck shell=bash
# shellcheck disable=SC2154 # n f: the prologue's
# sshkey-hosts: on the target, writes the source's host keys, read on stdin
# ("TYPE BLOB [COMMENT]" a line, as in /etc/ssh/ssh_host_*_key.pub, read
# over the admin's own connection whose host key was checked), into a
# known_hosts file of the target's own, under the name the target dials.
# Prologue: n (the source's name as ssh looks it up: HOST or [HOST]:PORT),
# f (the known_hosts file).
# Fails, leaving $f as it was, on a line that is no host key, or none.
: > "$f.part"
while read -r type blob _; do
  case $type in ssh-*|ecdsa-*|sk-*) ;; *) echo "not a host key type: $type" >&2; exit 1 ;; esac
  case $blob in ''|*[!A-Za-z0-9+/=]*) echo 'not a host key' >&2; exit 1 ;; esac
  printf '%s %s %s\n' "$n" "$type" "$blob" >> "$f.part"
done
[ -s "$f.part" ] || { echo 'no host key came from the source' >&2; exit 1; }
mv -f -- "$f.part" "$f"
echo "the target knows the source as $n by $(wc -l < "$f") host key(s), in $f"
