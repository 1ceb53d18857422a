# shellcheck shell=bash
# shellcheck disable=SC2154 # b side overwrite accounts_cmd: the prologue's
# own: pre-flight's look at what only the target has, before anything
# changes.  A migration replaces the target's account backend and makes its
# mail store as the source's: accounts only the target has, and the mail its
# users received once it went live, would be gone.
# Prologue: b, overwrite (yes: overwrite_target = yes, the admin's choice:
# said, and the run goes on), side:
#   target  fails if an earlier run started the target's mail services
#           ($b/live, written by start-services); prints the target's
#           accounts (accounts_cmd), at most MAX + 1 of them
#   source  reads that list on stdin and fails naming the accounts the
#           source's discovery ($b/discovery/accounts.tsv) lacks
MAX=1000
refuse() { # WHAT
  if [ "$overwrite" = yes ]; then
    echo "$1; overwrite_target = yes: mailshift replaces it (its databases and directory are saved before, and the mail the final copy deletes is kept in $b/deleted)" >&2
    return 0
  fi
  echo "$1. Going on would replace it: its accounts and their mail would be lost. Check that this is the right new server; to migrate onto it anyway, set overwrite_target = yes in [options] (its databases and directory are saved first, and the mail the final copy deletes is kept)" >&2
  exit 1
}
if [ "$side" = target ]; then
  if [ -e "$b/live" ]; then
    refuse "the target went live at $(head -c 40 -- "$b/live" | tr -dc '0-9: UTC-') (an earlier mailshift run started its mail services: its users may have received mail there since)"
  fi
  eval "$accounts_cmd" | head -n $((MAX + 1))
  exit "${PIPESTATUS[0]}"
fi
a=$b/discovery/accounts.tsv
[ -f "$a" ] || { echo "no account list in $a: the discovery above did not run" >&2; exit 1; }
only=$(tr '[:upper:]' '[:lower:]' | { grep -v '^$' || true; } | LC_ALL=C sort -u |
  LC_ALL=C comm -23 - <(cut -f 1 -- "$a" | tr '[:upper:]' '[:lower:]' | LC_ALL=C sort -u))
n=$(grep -c . <<<"$only" || true)
if [ "$n" -gt "$MAX" ]; then
  refuse "the target already holds more than $MAX accounts the source lacks"
elif [ "$n" -gt 0 ]; then
  refuse "the target already holds $n account(s) the source lacks: $(head -n 20 <<<"$only" | paste -sd ' ' | cut -c 1-400)$([ "$n" -le 20 ] || echo ' ...')"
else
  echo "the target holds no account the source lacks, and has not gone live"
fi
