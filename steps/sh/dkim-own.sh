# shellcheck shell=bash
# shellcheck disable=SC2154 # k: the prologue's
# dkim-own: amavis owns the DKIM keys, readable by it alone: the directory
# 0700, the keys 0400.  Run on the target.
# Prologue: k (the DKIM directory).
# Lists the directory; does nothing when there is none.
[ -d "$k" ] || { echo "no $k on the target: nothing to set"; exit 0; }
chown -R amavis:amavis -- "$k"
chmod 0700 -- "$k"
find "$k" -type f -name '*.pem' -exec chmod 0400 {} +
ls -l -- "$k"
