# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# cleanup-source: on the source, removes the copies mailshift made there that
# hold secrets (clean_source): the dumps (password hashes, service
# credentials) and the configuration archives (Roundcube's config.inc.php
# holds its database password).  The live databases and files stay.
# Prologue: b (the backup directory).
# Prints each copy removed, and how many.
n=0
for f in dump source-config.tar.gz roundcube-before-upgrade.tar.gz; do
  [ -e "$b/$f" ] || [ -L "$b/$f" ] || continue
  rm -rf -- "${b:?}/$f" && echo "removed $b/$f" && n=$((n + 1))
done
echo "$n of the source's copies removed; its live databases and files are as they were"
