# shellcheck shell=bash
# shellcheck disable=SC2154 # b ssh origin: the prologue's
# census-fetch: on the target, in the window, fetches the source's census
# ($b/census/source.tsv, and source.dirs, the list of mail directories, there
# only when a cache was used) and its lists of accounts and storage roots,
# checks them (ms_accept_roots, ms_accept_accounts: lib-target.sh) and puts
# the census where verify reads it.
# Prologue: b, ssh, origin (lib.sh and lib-target.sh before this).
# Fails when a fetch or a check fails.
d=$b/from-source
rm -f -- "$d/source.dirs"
# the source's list of mail directories: there only when a cache was used
ms_pull "$d" "$b/discovery/accounts.tsv" "$b/discovery/roots.tsv" "$b/census/source.tsv"
rsync -asz --no-links --ignore-missing-args -e "$ssh" -- "$origin$b/census/source.dirs" "$d/"
ms_accept_roots < "$d/roots.tsv"
ms_accept_accounts "$d/accounts.tsv"
mkdir -p -- "$b/census" && chmod 0700 -- "$b/census"
install -m 0600 -- "$d/source.tsv" "$b/census/source.tsv"
rm -f -- "$b/census/source.dirs"
[ ! -f "$d/source.dirs" ] || install -m 0600 -- "$d/source.dirs" "$b/census/source.dirs"
echo "the source's census and its $(wc -l < "$b/discovery/accounts.tsv") accounts are here, for verify"
