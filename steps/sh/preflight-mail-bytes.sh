# shellcheck shell=bash
# shellcheck disable=SC2154 # v b: the prologue's
# preflight-mail-bytes: how much mail the source holds, in the mail store and
# in the storage roots outside it (discovery's roots.tsv).  Run on the source.
# Prologue: v (the mail store; "" for system users: the roots alone), b (the backup directory).
# Prints the bytes, one number.
dirs=()
[ -z "$v" ] || dirs=("$v")
while IFS="$(printf '\t')" read -r r _; do
  [ -z "$v" ] || case $r/ in "$v"/*) continue ;; esac
  [ ! -d "$r" ] || dirs+=("$r")
done < "$b/discovery/roots.tsv"
[ ${#dirs[@]} -gt 0 ] || { echo 0; exit 0; }
du -scx -B1 -- "${dirs[@]}" | tail -n 1 | cut -f 1
