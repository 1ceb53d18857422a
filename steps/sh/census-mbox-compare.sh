# shellcheck shell=bash
# shellcheck disable=SC2154 # b compare_awk (census-mbox-compare.awk) source target: the prologue's
# census-mbox-compare: two Dovecot censuses (census-mbox.sh) of the same
# users, line for line: passes only when they are the same; otherwise names
# each user that differs with what differs (the first 20, and the count),
# and fails on a user either Dovecot could not read (the same on both);
# when they are, writes the digest of the source's census to
# $b/census/verified (as census-compare.sh).
# Prologue: b, source and target (the two census files; empty: the
# defaults $b/from-source/dovecot-source.tsv and $b/census/dovecot-target.tsv),
# compare_awk.
export LC_ALL=C
s=${source:-$b/from-source/dovecot-source.tsv} t=${target:-$b/census/dovecot-target.tsv}
for f in "$s" "$t"; do
  [ -f "$f" ] || { echo "no Dovecot census in $f: run the census on both hosts first" >&2; exit 1; }
done
rm -f -- "$b/census/verified"
out=$(comm -3 -- <(sort -- "$s") <(sort -- "$t") | awk -F '\t' -v max=20 "$compare_awk")
n=$(sed -n 's/^differ //p' <<<"$out")
if [ "$n" != 0 ]; then
  echo "$n user(s) differ between the source's Dovecot and the target's (the first 20):" >&2
  grep '^  ' <<<"$out" >&2
  exit 1
fi
# a user neither Dovecot could read says the same on both (an E line alike
# on each side: no difference above), yet none of its mail was counted
e=$(awk -F '\t' '$1 == "E" { print $2 }' "$s" "$t" | sort -u)
if [ -n "$e" ]; then
  echo "$(wc -l <<<"$e") user(s) whose mail a Dovecot could not read, so nothing of it was compared (the first 20):" >&2
  awk -F '\t' '$1 == "E" && !seen[$2]++ { l = "  " $2 ": " $3; gsub(/[^[:print:]]/, "?", l); print l }' "$s" "$t" | head -n 20 >&2
  exit 1
fi
read -r users folders messages subs < <(awk -F '\t' '$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++ } $1 == "S" { s++ }
  END { print a + 0, f + 0, m + 0, s + 0 }' "$s")
# the figures of the report, each side's own count (the same, or the step failed above)
read -r tu tf tm ts < <(awk -F '\t' '$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++ } $1 == "S" { s++ }
  END { print a + 0, f + 0, m + 0, s + 0 }' "$t")
echo "mailshift-figure census $users $tu"
echo "mailshift-figure folders $folders $tf"
echo "mailshift-figure messages $messages $tm"
echo "mailshift-figure subscriptions $subs $ts"
echo "the target's Dovecot shows what the source's showed: $users user(s), $folders folder(s), $messages message(s) with their UIDs, flags, UIDVALIDITY, next UIDs and POP3 UIDLs, $subs subscription(s)"
# what verify passed on, for the source (census-verified.sh): the relay and
# the switch require it
sha256sum < "$s" | cut -c 1-64 > "$b/census/verified"
