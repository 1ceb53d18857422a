# shellcheck shell=bash
# shellcheck disable=SC2154 # b engine dbs: the prologue's
# restore: the source's dumps ($b/dump/DB.sql.bz2) replace the target's
# databases, one by one.  When one cannot be restored (a dump that fails
# halfway: a role or a setting the target lacks), every database this run
# of the step replaced, that one too, is put back as it was before the step
# from the copies the action before saved ($b/target-last; a database the
# target did not have is dropped), and the admin is told which state the
# target is in.  Fails then; the same command runs the step's restore again
# once the cause is fixed.
# Prologue: b, engine (mysql or pgsql), dbs (the databases, space-separated).
d=$b/dump saved=$b/target-last
if [ "$engine" = pgsql ]; then
  pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
  exists() { [ "$(runuser -u postgres -- psql -X -At -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }
  load() { pg -d "$1"; }
  prepare() { exists "$1" || runuser -u postgres -- createdb -- "$1"; }
  put_back() { # DB: as saved, owner kept; dropped when there is no saved copy
    local owner
    owner=$(runuser -u postgres -- psql -X -At -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$1'")
    runuser -u postgres -- dropdb --if-exists -- "$1" || return 1
    [ -e "$saved/$1.sql.bz2" ] || return 0
    runuser -u postgres -- createdb ${owner:+-O "$owner"} -- "$1" && bzcat -- "$saved/$1.sql.bz2" | load "$1"
  }
else
  load() { mysql; }
  prepare() { :; }
  put_back() { # DB: dropped, then as saved (a --databases dump creates it)
    mysql -e "DROP DATABASE IF EXISTS \`$1\`" || return 1
    [ -e "$saved/$1.sql.bz2" ] || return 0
    bzcat -- "$saved/$1.sql.bz2" | load "$1"
  }
fi
done_dbs=()
for db in $dbs; do
  [ -e "$d/$db.sql.bz2" ] || continue
  done_dbs+=("$db")
  if prepare "$db" && bzcat -- "$d/$db.sql.bz2" | load "$db"; then
    echo "$db: restored"
    continue
  fi
  echo "cannot restore $db on the target (the error above): putting back the databases this step replaced (${done_dbs[*]}) as they were before it, from $saved" >&2
  bad=
  for r in "${done_dbs[@]}"; do
    if put_back "$r" >/dev/null; then echo "$r: put back as before the step" >&2
    else echo "$r: could NOT be put back (its copy from before the step: $saved/$r.sql.bz2)" >&2; bad+="$r "; fi
  done
  if [ -n "$bad" ]; then
    echo "the target's databases are NOT all as before this step: ${bad% } (see above). The source's are unchanged." >&2
  else
    echo "the target's databases are as they were before this step (put back from $saved). Fix the cause above, then run the same command again." >&2
  fi
  exit 1
done
