# shellcheck shell=bash
# shellcheck disable=SC2154 # k ssh src: the prologue's
# dkim-copy: pulls the source's DKIM keys into the target's DKIM directory (a
# key of the same name is replaced; symbolic links are left out).  Run on the
# target, the source's key list (name and fingerprint a line) on stdin.
# Prologue: k (the DKIM directory), ssh (the target's ssh command to the
# source), src (the source's DKIM directory, as rsync names it there).
# Lists the directory; copies nothing when the source has no key.
keys=$(cat)
[ -n "$keys" ] || { echo "no DKIM keys in $k on the source: nothing to copy"; exit 0; }
# (-c: a key of the same size and time, as a fresh server's own key can
# be, is compared by content, never taken as the same)
rsync -asc --no-links -e "$ssh" -- "$src/" "$k/"
ls -l -- "$k"
