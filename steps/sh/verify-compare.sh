# shellcheck shell=bash
# shellcheck disable=SC2154 # inv ssh src count_awk: the prologue's
# verify-compare: on the target, makes the same inventory as verify-list made
# on the source, fetches the source's through the one-off key's gate (it
# reads, and runs no command there), and compares the two line by line:
# what only the target has is a difference too.
# Prologue: inv (shell text that prints the inventory), ssh (the ssh command
# for rsync -e), src (the source's inventory file, as rsync names it through
# the gate), count_awk (an awk program that counts an inventory into the
# verification table's figures, "KEY VALUE" a line: verify-dkim.awk,
# verify-inventory.awk).
# Prints "mailshift-figure KEY SOURCE TARGET" for each figure; fails, naming the
# first 20 lines that differ, when a line is on one side only.
t=$(mktemp -d) && trap 'rm -rf -- "$t"' EXIT
rsync -as --no-links -e "$ssh" -- "$src" "$t/src" || exit 1
eval "$inv" > "$t/dst" || exit 1
echo "source: $(grep -c . "$t/src") lines; target: $(grep -c . "$t/dst") lines"
count() { awk "$count_awk" "$1" | LC_ALL=C sort; }
LC_ALL=C join <(count "$t/src") <(count "$t/dst") | sed 's/^/mailshift-figure /'
LC_ALL=C comm -3 "$t/src" "$t/dst" > "$t/diff"
[ ! -s "$t/diff" ] || { echo 'not the same on both (left: only the source has it; indented: only the target):' >&2; head -n 20 "$t/diff" >&2; exit 1; }
echo 'the target holds exactly what the source holds'
