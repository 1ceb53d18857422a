# shellcheck shell=bash
# shellcheck disable=SC2154 # v b: the prologue's
# preflight-mail-bytes: how much mail the source holds, in the mail store and
# in the storage roots outside it (discovery's roots.tsv).  Run on the source.
# Prologue: v (the mail store), b (the backup directory).
# Prints the bytes, one number.
dirs=("$v")
while IFS="$(printf '\t')" read -r r _; do
  case $r/ in "$v"/*) ;; *) [ ! -d "$r" ] || dirs+=("$r") ;; esac
done < "$b/discovery/roots.tsv"
du -scx -B1 -- "${dirs[@]}" | tail -n 1 | cut -f 1
