# shellcheck shell=bash
# shellcheck disable=SC2154 # k: the prologue's
# verify-dkim-owners: on the target, every DKIM key (*.pem) belongs to amavis
# with mode 0400.
# Prologue: k (the DKIM keys' directory).
# Prints the figure "mailshift-figure dkim-owners 0 N" (N keys with a wrong owner
# or mode; the source's column is what the target must show); fails naming
# them, or when find fails.
[ -d "$k" ] || { echo 'mailshift-figure dkim-owners 0 0'; exit 0; }
n=$(find "$k" -name '*.pem' \( ! -user amavis -o ! -perm 0400 \) -print | wc -l) || { echo 'cannot check the DKIM keys: find failed (above)' >&2; exit 1; }
echo "mailshift-figure dkim-owners 0 $n"
[ "$n" -eq 0 ] || { find "$k" -name '*.pem' \( ! -user amavis -o ! -perm 0400 \) -print >&2; exit 1; }
echo 'the DKIM keys belong to amavis, mode 0400'
