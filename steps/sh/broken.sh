# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# broken: the accounts discovery found broken on the source before the
# migration (an advisory action of pre-flight): the active accounts its
# Dovecot does not find (unresolved.tsv) and those it would not let log in
# (nologin.tsv).  Prologue: b.  Fails, listing the first 20 of each.
d=$b/discovery
if [ ! -s "$d/unresolved.tsv" ] && [ ! -s "$d/nologin.tsv" ]; then
  echo "the source's Dovecot resolves every active account and finds its password"; exit 0
fi
if [ -s "$d/unresolved.tsv" ]; then
  echo "$(wc -l < "$d/unresolved.tsv") active account(s) the source's own Dovecot does not find: broken before the migration, not by it (the first 20):" >&2
  head -n 20 -- "$d/unresolved.tsv" | tr '\t' ' ' | sed 's/^/  /' >&2
  echo 'their mail is copied with its storage root, and the census leaves them out' >&2
fi
if [ -s "$d/nologin.tsv" ]; then
  echo "$(wc -l < "$d/nologin.tsv") account(s) the source's own Dovecot would not let log in: broken (or closed) before the migration, not by it (the first 20):" >&2
  head -n 20 -- "$d/nologin.tsv" | tr '\t' ' ' | sed 's/^/  /' >&2
  echo 'their mail is copied and counted like every other account' >&2
fi
echo 'fix them on the source (retry), or go on' >&2
exit 1
