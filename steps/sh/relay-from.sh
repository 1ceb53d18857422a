# shellcheck shell=bash
# relay-from: on the source, lists its global addresses, one a line: the
# client the new server sees when the old one relays to it (relay-allow.sh
# lets them past its policy daemon).
# No prologue (the command puts the check that verify passed before it).
if command -v ip >/dev/null; then
  ip -o addr show scope global | awk '{ sub(/\/.*/, "", $4); print $4 }'
else hostname -I | tr -s ' ' '\n'; fi
