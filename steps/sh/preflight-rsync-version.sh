# shellcheck shell=bash
# preflight-rsync-version: the target's rsync is 3.1 or newer.  Run on the
# target after preflight-rsync.sh, in the same command.
# No prologue; prints rsync's version line, fails when it is older.
# the target runs the copies: --info=progress2 is rsync 3.1 (2014) or newer
v=$(rsync --version | sed -n 1p)
read -r maj min <<<"$(sed -n 's/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' <<<"$v")"
[ "${maj:-0}" -gt 3 ] || { [ "${maj:-0}" = 3 ] && [ "${min:-0}" -ge 1 ]; } || { echo "the target's rsync is too old for the copies (3.1 or newer needed): $v" >&2; exit 1; }
echo "$v"
