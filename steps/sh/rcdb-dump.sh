# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's; rc_type rc_name: ms_rc_db's
# rcdb-dump: on the source, in the window, the database of its Roundcube
# (webmail: users' settings, identities, address books), as its own
# configuration names it (rcdb-lib.sh), dumped by PostgreSQL's pg_dump
# without owner and grants: the old server's role names (seed 001's
# "pgsql") mean nothing on the new one, where the restore makes the new
# server's Roundcube role the owner (no sed over the dump).  Each table's
# rows are counted for the target's check.
# Prologue: b; lib.sh and rcdb-lib.sh before.  Writes, 0600,
# $b/dump/roundcube.counts (table, rows; empty: no Roundcube database
# here) and $b/dump/roundcube.dump (pg_dump's custom format).
export LC_ALL=C
d=$b/dump
# shellcheck disable=SC2174 # -m for the dumps' directory only
mkdir -p -m 0700 -- "$d" || exit 1
rm -f -- "$d/roundcube.dump" "$d/roundcube.counts"
umask 077
if ! f=$(ms_rc_config); then
  : > "$d/roundcube.counts"
  echo "no Roundcube database configured on the source (/etc/roundcube): nothing to move"
  exit 0
fi
ms_rc_db "$f" || exit 1
if [ "$rc_type" != pgsql ]; then
  echo "the source's Roundcube database $rc_name is $rc_type ($f): mailshift moves a PostgreSQL one; move it by hand with MySQL's own dump and restore, or leave this step out" >&2
  exit 1
fi
echo "SELECT 1" | ms_rc_psql "$rc_name" >/dev/null ||
  { echo "the source's PostgreSQL has no database $rc_name, which $f names" >&2; exit 1; }
(cd / && runuser -u postgres -- pg_dump --no-owner --no-privileges -Fc -d "$rc_name") > "$d/roundcube.dump.part" ||
  { rm -f -- "$d/roundcube.dump.part"; echo "pg_dump of $rc_name failed" >&2; exit 1; }
mv -- "$d/roundcube.dump.part" "$d/roundcube.dump"
ms_rc_counts "$rc_name" > "$d/roundcube.counts" || { echo "cannot count the rows of $rc_name" >&2; exit 1; }
read -r n rows < <(awk -F '\t' '{ r += $2 } END { print NR, r + 0 }' "$d/roundcube.counts")
echo "$rc_name (PostgreSQL, from $f): $n table(s), $rows row(s), dumped without owner and grants to $d/roundcube.dump ($(stat -c %s -- "$d/roundcube.dump") bytes)"
