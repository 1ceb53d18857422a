# shellcheck shell=bash
# shellcheck disable=SC2154 # b src_aliases aliases_awk: the prologue's
# aliases-accept: on the target, the source's aliases file (pulled by
# aliases-pull.sh into $b/aliases/source-aliases) read as hostile input by
# aliases.awk: a name [a-z0-9._+-]+ of at most 64 bytes, listed once; only
# printable text; quotes closed; a target at least.  An entry that fails is
# named by its line number (control bytes shown as ?) and stops the step,
# before the target's file is touched.  Writes $b/aliases/source.tsv (the
# entries, and the pipes, files and includes to review) for aliases-merge.sh.
# Prologue: b, src_aliases, aliases_awk (lib.sh before this).
export LC_ALL=C
umask 077
d=$b/aliases f=$b/aliases/source-aliases
[ -f "$f" ] || { echo "no $f: the source's aliases were not fetched (run the step from its start)" >&2; exit 1; }
rm -f -- "$d/source.tsv" "$d/source.new"
# awk cannot be trusted with a NUL byte: such a file is refused whole
if [ "$(tr -d '\000' < "$f" | wc -c)" != "$(wc -c < "$f")" ]; then
  echo "refused: the source's $src_aliases holds a NUL byte: it is not a text file" >&2; exit 1
fi
rc=0
awk -v mode=source "$aliases_awk" "$f" > "$d/source.new" || rc=1
sed -n 's/^E\t/refused: /p' "$d/source.new" >&2
if [ "$rc" != 0 ]; then
  rm -f -- "$d/source.new"
  echo "nothing was merged: the source's $src_aliases has the entries above, which mailshift does not carry; fix them on the source (or take them out there and carry them by hand), then run the step again" >&2
  exit 1
fi
mv -- "$d/source.new" "$d/source.tsv"
n=$(grep -c '^A' "$d/source.tsv" || true)
r=$(grep -c '^R' "$d/source.tsv" || true)
echo "the source's $src_aliases: $n alias(es), every line checked; $r target(s) among them are commands, files or includes (listed for review when merged)"
