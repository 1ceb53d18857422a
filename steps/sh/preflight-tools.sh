# shellcheck shell=bash
# shellcheck disable=SC2154 # host tools: the prologue's
# preflight-tools: this server has the tools the migration uses.  Run on both.
# Prologue: host ("source" or "target"), tools (the commands, space-separated).
# Names each missing one and fails; prints "all tools present".
missing=0
for t in $tools; do
  command -v "$t" >/dev/null || { echo "missing on the $host: $t" >&2; missing=1; }
done
[ "$missing" = 0 ] && echo 'all tools present'
