# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# census-verified: on the source, records that the target passed verify on
# the source's current census: reads on stdin the digest of the census the
# comparison passed on (the target's $b/census/verified) and writes it to
# $b/verified, which the relay and the switch require.
# Prologue: b (the backup directory).
# Fails when that is another census than the source holds now.
read -r dg
[ "$dg" = "$(sha256sum < "$b/census/source.tsv" | cut -c 1-64)" ] || { echo 'the comparison passed on another census than the source holds now: run census and verify again' >&2; exit 1; }
printf '%s\n' "$dg" > "$b/verified" && echo "recorded in $b/verified"
