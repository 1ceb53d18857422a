# shellcheck shell=bash
# shellcheck disable=SC2154 # b compare_awk (census-compare.awk): the prologue's
# census-compare: the target's census against the source's (census.sh), on the
# target: the figures of the verification table, then every account that
# differs, with what differs (the first 20 and the count).  Passes only when
# the two are the same line for line; then writes the source census's digest
# to $b/census/verified, which the verify step hands to the source: the
# cutover's relay runs only after a verify that passed on the current census.
export LC_ALL=C
c=$b/census
rm -f -- "$c/verified"
for s in source target; do
  [ -f "$c/$s.tsv" ] || { echo "no census of the $s in $c: run the census step (and verify) again" >&2; exit 1; }
done
fig() { awk -F '\t' '$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "%d %d %d %.0f\n", a, f, m, s }' "$1"; }
read -r sa sf sm sb <<<"$(fig "$c/source.tsv")"
read -r ta tf tm tb <<<"$(fig "$c/target.tsv")"
echo "mailshift-figure census $sa $ta"
echo "mailshift-figure folders $sf $tf"
echo "mailshift-figure messages $sm $tm"
echo "mailshift-figure bytes $sb $tb"
out=$(comm -3 -- "$c/source.tsv" "$c/target.tsv" | awk -F '\t' -v max=20 "$compare_awk")
n=$(sed -n 's/^differ //p' <<<"$out")
echo "mailshift-figure differ 0 $n"
bad=0
while read -r _ key s t; do
  echo "the source's $key is $s, the target's $t: clients that keep it (POP3 UIDLs) would see other messages" >&2
  bad=1
done < <(grep '^setting ' <<<"$out" || true)
if [ "$n" != 0 ]; then
  # for the report and the wizard (journaled), then for whoever reads the log
  grep '^  ' <<<"$out" | sed 's/^  /mailshift-note /'
  echo "$n account(s) differ between the source's census and the target's (the first 20):" >&2
  grep '^  ' <<<"$out" >&2
  bad=1
fi
[ "$bad" = 0 ] || exit 1
sha256sum < "$c/source.tsv" | cut -c 1-64 > "$c/verified"
echo "every account, folder and message of the source's census is on the target: $sa accounts, $sf folders, $sm messages, UIDVALIDITY, UIDs and flags the same"
