# shellcheck shell=bash
# shellcheck disable=SC2154 # d dbs keep: the prologue's
# databases-dump: dumps each database of a list that is on this host (the
# source's, or the target's own before they are replaced) as plain SQL,
# compressed, into a directory of the backup directory.
# Prologue: d (the directory: BACKUP/dump on the source, BACKUP/target-last
# on the target), dbs (the databases, space-separated), keep (1 on the
# target: the first such dump of each also stays in BACKUP/target-before, the
# state before mailshift first replaced it; empty on the source); then the
# engine's functions (databases.c): "exists DB" succeeds when DB is there,
# "dump DB" prints its plain SQL dump.
# Prints each database's dump and its size; fails when a dump fails.
set -o pipefail
# shellcheck disable=SC2174 # -m for the dumps' directory only: its parents stay as they are
mkdir -p -m 0700 -- "$d" && cd -- "$d" || exit 1
for db in $dbs; do
  exists "$db" || { echo "$db: not on this host"; continue; }
  dump "$db" | bzip2 > "$db.sql.bz2.part" || { echo "cannot dump $db" >&2; exit 1; }
  mv -- "$db.sql.bz2.part" "$db.sql.bz2"
  if [ -n "$keep" ]; then
    f=../target-before/$db.sql.bz2
    mkdir -p -m 0700 -- ../target-before && { [ -e "$f" ] || cp -p -- "$db.sql.bz2" "$f"; } || exit 1
  fi
  echo "$db: $(stat -c %s -- "$db.sql.bz2") bytes in $d/$db.sql.bz2"
done
