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
# A dump comes from a server that may be compromised: its client commands
# (\! runs a shell command, in mysql as in psql) must not run here.  mysql
# restores in its sandbox mode (--sandbox: MariaDB 10.5.25, 10.6.18,
# 10.11.8 and later), psql in its restricted mode (\restrict with a key of
# this run: 15.14, 16.10, 17.6 and later), where either refuses every
# client command; a client without it is refused before anything changes.
# Prologue: b, engine (mysql or pgsql), dbs (the databases, space-separated).
d=$b/dump saved=$b/target-last
why=$(mktemp) && trap 'rm -f -- "$why"' EXIT
if [ "$engine" = pgsql ]; then
  pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
  exists() { [ "$(runuser -u postgres -- psql -X -At -c "SELECT 1 FROM pg_database WHERE datname = '$1'")" = 1 ]; }
  key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  [ "$(printf '\\restrict %s\nSELECT 1;\n' "$key" | pg -At 2>/dev/null)" = 1 ] || {
    echo "the target's psql has no restricted mode (restrict: PostgreSQL 15.14, 16.10, 17.6 or later): a dump could run commands on the target through it, so mailshift restores none. Update the postgresql-client package, then run the same command again" >&2
    exit 1
  }
  # the dump's own \restrict and \unrestrict lines go (outside COPY data):
  # this run's key is the only one
  load() {
    { printf '\\restrict %s\n' "$key"
      awk 'copy { print; if ($0 == "\\.") copy = 0; next }
           /^COPY .* FROM stdin;$/ { copy = 1 }
           !/^\\(un)?restrict [A-Za-z0-9]*$/'; } | pg -d "$1"
  }
  prepare() { exists "$1" || runuser -u postgres -- createdb -- "$1"; }
  put_back() { # DB: as saved, owner kept; dropped when there is no saved copy
    local owner
    owner=$(runuser -u postgres -- psql -X -At -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$1'")
    runuser -u postgres -- dropdb --if-exists -- "$1" || return 1
    [ -e "$saved/$1.sql.bz2" ] || return 0
    runuser -u postgres -- createdb ${owner:+-O "$owner"} -- "$1" && bzcat -- "$saved/$1.sql.bz2" | load "$1"
  }
else
  # (read whole: grep -q would end the pipe early, and mysql's SIGPIPE,
  # under pipefail, would read as no sandbox)
  help=$(mysql --help 2>/dev/null) || true
  case $help in *--sandbox*) ;; *)
    echo "the target's mysql client has no sandbox mode (--sandbox: MariaDB 10.5.25, 10.6.18, 10.11.8 or later): a dump could run commands on the target through it, so mailshift restores none. Update the MariaDB client, then run the same command again" >&2
    exit 1 ;;
  esac
  load() { mysql --sandbox; }
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
  if prepare "$db" && bzcat -- "$d/$db.sql.bz2" | load "$db" 2> "$why"; then
    cat -- "$why" >&2
    echo "$db: restored"
    continue
  fi
  cat -- "$why" >&2
  if grep -q -e 'sandbox mode' -e 'backslash commands are restricted' -- "$why"; then
    echo "the source's dump of $db tries to run a client command on the target (the error above): nothing ran; the source may be compromised" >&2
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
