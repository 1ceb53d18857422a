# shellcheck shell=bash
# shellcheck disable=SC2154 # inv f: the prologue's
# verify-list: on the source, writes an inventory for verify into a file
# the target fetches (an inventory may be large).
# Prologue: inv (shell text that prints the inventory, a line each),
# f (the file: the backup directory's verify/NAME).
# Prints how many lines it wrote; fails when the inventory fails.
# shellcheck disable=SC2174 # the directory is made 0700 by chmod too, whatever made it
mkdir -p -m 0700 -- "${f%/*}" && chmod 0700 -- "${f%/*}" || exit 1
(eval "$inv") > "$f.part" && mv -f -- "$f.part" "$f" && echo "$(grep -c . "$f") lines in $f"
