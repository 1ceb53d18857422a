# shellcheck shell=bash
# shellcheck disable=SC2154 # b dovecot_awk (census-dovecot.awk): the prologue's
# census-dovecot: the new server's own Dovecot, through its own user lookup,
# against the source's census (census.sh): every account of the census is
# found, and shows the census's messages, with the same unseen.  One streamed
# pass (doveadm fetch -F over the census's accounts), after the downtime
# window: the relay may already bring new mail, which is told apart by its
# UID (above the census's next UID).
export LC_ALL=C
c=$b/census
[ -f "$c/source.tsv" ] || { echo "no census of the source in $c: run the census and verify steps first" >&2; exit 1; }
t0=$EPOCHREALTIME
tmp=$(mktemp -d "$c/dovecot.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
awk -F '\t' '$1 == "A" { print $2 }' "$c/source.tsv" > "$tmp/users"
out=$(doveadm -f tab fetch -F "$tmp/users" 'mailbox-guid uid flags' all 2> "$tmp/errors" |
  awk -F '\t' -v census="$c/source.tsv" -v errors="$tmp/errors" -v max=20 "$dovecot_awk")
read -r _ good bad total arrived <<<"$(grep '^summary ' <<<"$out")"
if [ "$bad" != 0 ]; then
  echo "$bad of $((good + bad)) account(s) do not show on the target what the source's census holds (the first 20):" >&2
  grep '^  ' <<<"$out" >&2
  exit 1
fi
echo "the target's Dovecot finds all $good account(s) of the census and shows their $total messages, the same unseen ($(ms_took "$t0") s)"
[ "$arrived" = 0 ] || echo "$arrived message(s) arrived since the census (the relay): not counted"
