# shellcheck shell=bash
# shellcheck disable=SC2154 # b ssh origin: the prologue's; rc_*: ms_rc_db's
# rcdb-restore: on the target, the source's Roundcube database (rcdb-dump.sh)
# fetched through the gate and restored where the target's own Roundcube
# configuration says (its database, owned by its role), or, with no
# Roundcube configured here, as the source's configuration (carried by the
# config step into $b/source-config) names it: its role made with its
# password (read here from that file, never shown or put on a command
# line).  A database of that name that holds tables here is saved first
# ($b/target-before/roundcube.dump once, $b/target-last/ each time), then
# replaced.  Then each table must hold the source's number of rows.
# Prologue: b, ssh, origin; lib.sh, lib-target.sh and rcdb-lib.sh before.
export LC_ALL=C
umask 077
w=$b/from-source/roundcube
rm -rf -- "$w"
ms_pull "$w" "$b/dump/roundcube.counts" || { echo "cannot fetch the source's Roundcube counts (run the step from its start)" >&2; exit 1; }
if [ ! -s "$w/roundcube.counts" ]; then echo "the source has no Roundcube database: nothing to restore"; exit 0; fi
ms_pull "$w" "$b/dump/roundcube.dump" || { echo "cannot fetch the source's Roundcube dump" >&2; exit 1; }
if f=$(ms_rc_config); then
  ms_rc_db "$f" || exit 1
  how="as this server's Roundcube configuration says ($f)"
else
  f=
  for c in "$b/source-config/etc/roundcube/debian-db.php" "$b/source-config/etc/roundcube/config.inc.php"; do
    if [ -f "$c" ] && ms_rc_db "$c"; then f=$c; break; fi
  done
  [ -n "$f" ] || { echo "neither this server nor the source's carried configuration ($b/source-config/etc/roundcube) says where Roundcube's database goes: run the config step, or install Roundcube here first" >&2; exit 1; }
  how="as the source's configuration names it ($f): install Roundcube here and give it the same database settings"
fi
[ "$rc_type" = pgsql ] || { echo "this server's Roundcube uses $rc_type ($f): mailshift restores into PostgreSQL only" >&2; exit 1; }
echo "SELECT 1" | ms_rc_psql postgres >/dev/null || { echo "this server's PostgreSQL does not answer: install and start it first" >&2; exit 1; }
q() { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }
if [ "$(echo "SELECT 1 FROM pg_roles WHERE rolname = $(q "$rc_user")" | ms_rc_psql postgres)" != 1 ]; then
  { printf 'CREATE ROLE "%s" LOGIN' "$rc_user"; [ -z "$rc_pass" ] || printf ' PASSWORD %s' "$(q "$rc_pass")"; echo ';'; } |
    ms_rc_psql postgres >/dev/null || { echo "cannot create the role $rc_user" >&2; exit 1; }
  echo "role $rc_user created${rc_pass:+ with the password of the configuration}"
fi
if [ "$(echo "SELECT 1 FROM pg_database WHERE datname = $(q "$rc_name")" | ms_rc_psql postgres)" = 1 ]; then
  if [ "$(echo "SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'" | ms_rc_psql "$rc_name")" != 0 ]; then
    mkdir -p -- "$b/target-last" "$b/target-before" && chmod 0700 -- "$b/target-last" "$b/target-before" || exit 1
    (cd / && runuser -u postgres -- pg_dump -Fc -d "$rc_name") > "$b/target-last/roundcube.dump" ||
      { echo "cannot save this server's own $rc_name first: nothing replaced" >&2; exit 1; }
    [ -e "$b/target-before/roundcube.dump" ] || cp -p -- "$b/target-last/roundcube.dump" "$b/target-before/roundcube.dump"
    echo "this server's own $rc_name saved in $b/target-last/roundcube.dump (the first one stays in target-before)"
  fi
  echo "DROP DATABASE \"$rc_name\";" | ms_rc_psql postgres >/dev/null || { echo "cannot replace $rc_name (is it in use?)" >&2; exit 1; }
fi
echo "CREATE DATABASE \"$rc_name\" OWNER \"$rc_user\" ENCODING 'UTF8' TEMPLATE template0;" | ms_rc_psql postgres >/dev/null ||
  { echo "cannot create the database $rc_name" >&2; exit 1; }
chmod 0644 -- "$w/roundcube.dump" && chmod 0755 -- "$w" || exit 1
if ! e=$(cd / && runuser -u postgres -- pg_restore --no-owner --no-privileges --role="$rc_user" --exit-on-error -d "$rc_name" "$w/roundcube.dump" 2>&1); then
  chmod 0600 -- "$w/roundcube.dump"
  echo "the restore of $rc_name failed: $(head -n 3 <<<"$e" | tr -c '[:print:]\n' '?')" >&2; exit 1
fi
chmod 0600 -- "$w/roundcube.dump" && chmod 0700 -- "$w"
ms_rc_counts "$rc_name" > "$w/target.counts"
if ! cmp -s <(sort -- "$w/roundcube.counts") <(sort -- "$w/target.counts"); then
  echo "$rc_name does not hold the source's rows (table, source, target):" >&2
  join -t "$(printf '\t')" -a 1 -a 2 -e - -o 0,1.2,2.2 <(sort -- "$w/roundcube.counts") <(sort -- "$w/target.counts") |
    awk -F '\t' '$2 != $3' | head -n 20 | sed 's/^/  /' | tr -c '[:print:]\n' '?' >&2
  exit 1
fi
read -r n rows < <(awk -F '\t' '{ r += $2 } END { print NR, r + 0 }' "$w/target.counts")
echo "mailshift-figure roundcube-rows $rows $rows"
echo "$rc_name restored $how, owned by $rc_user: $n table(s), $rows row(s), each table as on the source"
