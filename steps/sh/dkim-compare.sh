# shellcheck shell=bash
# shellcheck disable=SC2154 # k fingerprints: the prologue's
# dkim-compare: the target holds every key the source has, by the
# fingerprints of their public halves.  Run on the target, the source's list
# (name and fingerprint a line) on stdin.
# Prologue: k (the DKIM directory), fingerprints (the command that lists
# the keys of the current directory so, the one the source ran; run here as
# it is).
# Prints each same key; fails naming those not the same on the target.
src=$(cat)
[ -n "$src" ] || { echo 'the source has no DKIM keys: nothing to compare'; exit 0; }
cd -- "$k" || exit 1
dst=$(eval "$fingerprints")
missing=$(LC_ALL=C comm -23 <(printf '%s\n' "$src" | LC_ALL=C sort) <(printf '%s\n' "$dst" | LC_ALL=C sort))
[ -z "$missing" ] || { echo 'not the same key on the target:' >&2; printf '%s\n' "$missing" >&2; exit 1; }
printf '%s\n' "$src" | sed 's/^/same key: /'
