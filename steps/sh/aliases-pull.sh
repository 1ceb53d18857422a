# shellcheck shell=bash
# shellcheck disable=SC2154 # b src_aliases: the prologue's
# aliases-pull: on the target, the source's aliases file (src_aliases, its
# stack's: /etc/aliases) fetched through the one-off key's read-only gate
# (ms_pull, lib-target.sh) into $b/aliases/source-aliases (0700 directory,
# 0600 file).  It arrives as text to be read as hostile input
# (aliases-accept.sh): a plain file, not a link, at most 16 MiB.
# Prologue: b, ssh, origin, src_aliases (lib.sh and lib-target.sh before this).
export LC_ALL=C
umask 077
d=$b/aliases
mkdir -p -- "$d" && chmod 0700 -- "$d" || exit 1
# an earlier pull's file goes first: what is read is what the source has now
rm -rf -- "$d/pull" "$d/source-aliases"
# rsync's message may come from the source's side: shown with ? for control bytes
if ! e=$(ms_pull "$d/pull" "$src_aliases" 2>&1); then
  e=$(printf '%s' "$e" | head -n 1 | cut -c 1-200)
  echo "could not fetch the source's $src_aliases through the gate (rsync: ${e//[^[:print:]]/?})" >&2; exit 1
fi
f=$d/pull/${src_aliases##*/}
if [ -L "$f" ] || [ ! -f "$f" ]; then
  echo "the source's $src_aliases did not arrive as a plain file (a link, or not a file)" >&2; exit 1
fi
size=$(wc -c < "$f")
if [ "$size" -gt 16777216 ]; then
  echo "the source's $src_aliases is $size bytes: more than 16 MiB is not an aliases file mailshift reads" >&2; exit 1
fi
chmod 0600 -- "$f" && mv -- "$f" "$d/source-aliases" && rmdir -- "$d/pull" || exit 1
echo "the source's $src_aliases is in $d/source-aliases ($size bytes)"
