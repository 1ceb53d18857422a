# shellcheck shell=bash
# rcdb-lib: where a Debian-packaged Roundcube keeps its database, as its
# own configuration says; mailshift puts it before rcdb-dump.sh and
# rcdb-restore.sh.  On its own it does nothing.

# ms_rc_db FILE: sets rc_type, rc_name, rc_user, rc_pass from FILE, a
# Debian debian-db.php ($dbtype='pgsql'; $dbname=...; dbconfig-common's
# file) or a config.inc.php whose db_dsnw is TYPE://USER:PASS@HOST/NAME;
# fails when FILE says neither.  The values are checked: a type of pgsql
# or mysql, names of letters, digits and _ (the password is not printed,
# never put on a command line).
ms_rc_db() {
  local f=$1 dsn
  rc_type='' rc_name='' rc_user='' rc_pass=''
  [ -f "$f" ] || return 1
  if grep -q '^[$]dbtype=' "$f"; then
    rc_type=$(sed -n "s/^\$dbtype='\\([^']*\\)';.*/\\1/p" "$f" | head -n 1)
    rc_name=$(sed -n "s/^\$dbname='\\([^']*\\)';.*/\\1/p" "$f" | head -n 1)
    rc_user=$(sed -n "s/^\$dbuser='\\([^']*\\)';.*/\\1/p" "$f" | head -n 1)
    rc_pass=$(sed -n "s/^\$dbpass='\\([^']*\\)';.*/\\1/p" "$f" | head -n 1)
  else
    dsn=$(sed -n "s/^ *\$config\\['db_dsnw'\\] *= *'\\([^']*\\)';.*/\\1/p" "$f" | head -n 1)
    [ -n "$dsn" ] || return 1
    rc_type=${dsn%%://*} dsn=${dsn#*://}
    rc_name=${dsn##*/} dsn=${dsn%/*}
    dsn=${dsn%@*} rc_user=${dsn%%:*} rc_pass=${dsn#*:}
    [ "$rc_pass" != "$dsn" ] || rc_pass=''
  fi
  case $rc_type in postgres|postgresql) rc_type=pgsql ;; mysqli|mariadb) rc_type=mysql ;; esac
  case $rc_type in pgsql|mysql) ;; *) echo "$f: a Roundcube database of type ${rc_type//[^[:print:]]/?}, which mailshift does not move" >&2; return 1 ;; esac
  [[ $rc_name =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || { echo "$f: not a database name: ${rc_name//[^[:print:]]/?}" >&2; return 1; }
  [[ $rc_user =~ ^[A-Za-z_][A-Za-z0-9_]{0,62}$ ]] || { echo "$f: not a role name: ${rc_user//[^[:print:]]/?}" >&2; return 1; }
}

# ms_rc_config: Roundcube's database settings file on this host (Debian's
# first), or fails
ms_rc_config() {
  local f
  for f in /etc/roundcube/debian-db.php /etc/roundcube/config.inc.php /var/lib/roundcube/config/config.inc.php; do
    if [ -f "$f" ] && ms_rc_db "$f" 2>/dev/null; then printf '%s\n' "$f"; return 0; fi
  done
  return 1
}

# ms_rc_psql DB: psql as postgres on DB, quiet, stopping at the first error
ms_rc_psql() { (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d "$1"); }

# ms_rc_counts DB: each table of DB's public schema and its rows, sorted
ms_rc_counts() {
  local t
  for t in $(echo "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" | ms_rc_psql "$1"); do
    printf '%s\t%s\n' "$t" "$(echo "SELECT COUNT(*) FROM public.\"$t\"" | ms_rc_psql "$1")"
  done
}
