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
# (\! runs a shell command, in mysql as in psql) must not run here, nor,
# with PostgreSQL, its SQL as a superuser (below).  mysql
# restores in its sandbox mode (--sandbox: MariaDB 10.5.25, 10.6.18,
# 10.11.8 and later), psql in its restricted mode (\restrict with a key of
# this run: 15.14, 16.10, 17.6 and later), where either refuses every
# client command; a client without it is refused before anything changes.
# Prologue: b, engine (mysql or pgsql), dbs (the databases, space-separated).
d=$b/dump saved=$b/target-last
why=$(mktemp) && trap 'rm -f -- "$why"' EXIT
if [ "$engine" = pgsql ]; then
  cd / || exit 1  # (postgres may not enter root's directory)
  pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
  val() { runuser -u postgres -- psql -X -At -v ON_ERROR_STOP=1 "$@"; }
  key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  [ "$(printf '\\restrict %s\nSELECT 1;\n' "$key" | pg -At 2>/dev/null)" = 1 ] || {
    echo "the target's psql has no restricted mode (restrict: PostgreSQL 15.14, 16.10, 17.6 or later): a dump could run commands on the target through it, so mailshift restores none. Update the postgresql-client package, then run the same command again" >&2
    exit 1
  }
  # A dump's SQL runs as a role of this step's own (R), never as a
  # superuser: as one it could run programs here (COPY ... TO PROGRAM),
  # read and write files, change other databases and roles.  R logs in with
  # a password of this run (a file only root reads), over 127.0.0.1 as
  # iRedMail's and Debian's pg_hba.conf let roles with a password in; it may
  # act as the database's owner and the roles the dump makes owners, each
  # where it may (plain, below), nothing more.
  R=mailshift_restore
  pass=$(mktemp)
  trap 'rm -f -- "$why" "$pass"' EXIT
  pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  printf '*:*:*:%s:%s\n' "$R" "$pw" > "$pass"
  as_r() { PGPASSFILE=$pass PGCONNECT_TIMEOUT=10 psql -X -q -h 127.0.0.1 -U "$R" -v ON_ERROR_STOP=1 "$@"; }
  # R, from a run killed before it was dropped, goes first, then anew
  drop_r() {
    local db
    [ "$(val -c "SELECT 1 FROM pg_roles WHERE rolname = '$R'")" = 1 ] || return 0
    for db in $(val -c "SELECT datname FROM pg_database WHERE datallowconn"); do
      pg -d "$db" -c "DROP OWNED BY $R" || return 1
    done
    pg -c "DROP ROLE $R"
  }
  drop_r || exit 1
  # (stdin: the password is in no process's arguments, nor the server's log)
  printf "SET log_statement = 'none';\nCREATE ROLE %s LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '%s';\n" "$R" "$pw" | pg || exit 1
  trap 'drop_r >/dev/null 2>&1; rm -f -- "$why" "$pass"' EXIT
  as_r -d postgres -c 'SELECT 1' > /dev/null || {
    echo "cannot log in to PostgreSQL as $R, the role the dumps are restored as, with its password over 127.0.0.1 (above): let roles with a password in there (pg_hba.conf: host all all 127.0.0.1/32 scram-sha-256, as Debian and iRedMail have it), then run the same command again" >&2
    exit 1
  }
  # ROLE is one R may act as: plain (no superuser, no way to become one or
  # to run programs: no membership of a role that is, or of a predefined
  # pg_ role), and owning no database but those this step replaces, and no
  # tablespace (R could drop them)
  read -r -a dbl <<< "$dbs"
  ours=$(printf "'%s'," "${dbl[@]}")
  plain() {
    [ "$(val -v r="$1" <<SQL
SELECT count(*) FROM pg_roles r WHERE r.rolname = :'r'
  AND NOT (r.rolsuper OR r.rolcreaterole OR r.rolreplication OR r.rolbypassrls)
  AND NOT EXISTS (SELECT 1 FROM pg_roles p WHERE p.oid <> r.oid AND pg_has_role(r.oid, p.oid, 'MEMBER')
    AND (p.rolsuper OR p.rolcreaterole OR p.rolreplication OR p.rolbypassrls OR p.rolname LIKE 'pg\\_%'))
  AND NOT EXISTS (SELECT 1 FROM pg_database WHERE datdba = r.oid AND datname NOT IN (${ours%,}))
  AND NOT EXISTS (SELECT 1 FROM pg_tablespace WHERE spcowner = r.oid)
SQL
)" = 1 ]
  }
  # the dump as R restores it: its own \restrict and \unrestrict lines go
  # (this run's key is the only one); what it says a superuser owns
  # (postgres: iRedMail's tables), the database's owner (or R) owns; any
  # other owner stays, and must be a role the target has; the extensions
  # put in place before (EXTS) are neither dropped, made nor commented
  # (outside COPY data)
  supers=" $(val -c "SELECT rolname FROM pg_roles WHERE rolsuper" | tr '\n' ' ') "
  exts=" "
  filter() { # OWNER
    awk -v owner="$1" -v supers="$supers" -v exts="$exts" 'copy { print; if ($0 == "\\.") copy = 0; next }
      /^COPY .* FROM stdin;$/ { copy = 1 }
      /^\\(un)?restrict [A-Za-z0-9]*$/ { next }
      /^(DROP EXTENSION IF EXISTS|CREATE EXTENSION IF NOT EXISTS|COMMENT ON EXTENSION) / {
        n = $0; sub(/^(DROP EXTENSION IF EXISTS|CREATE EXTENSION IF NOT EXISTS|COMMENT ON EXTENSION) /, "", n)
        sub(/[ ;].*/, "", n); if (index(exts, " " n " ")) next }
      match($0, / OWNER TO [^ ;]+;$/) && index(supers, " " substr($0, RSTART + 10, RLENGTH - 11) " ") {
        $0 = substr($0, 1, RSTART - 1) " OWNER TO " owner ";" }
      { print }'
  }
  # the extensions the dump of DB makes that this server has: made by
  # postgres (their scripts are the target's own packages'), into EXTS
  extensions() { # DB
    local n s
    exts=" "
    while read -r n s; do
      [ "$(val -c "SELECT count(*) FROM pg_available_extensions WHERE name = '$n'")" = 1 ] || continue
      pg -d "$1" -c "CREATE EXTENSION IF NOT EXISTS $n WITH SCHEMA $s" || return 1
      exts+="$n "
    done < <(bzcat -- "$d/$1.sql.bz2" | awk 'copy { if ($0 == "\\.") copy = 0; next } /^COPY .* FROM stdin;$/ { copy = 1; next }
      /^CREATE EXTENSION IF NOT EXISTS [a-z0-9_]+ WITH SCHEMA public;$/ { print $6, "public" }')
    [ "$exts" = " " ] || echo "$1: made the extension(s)$exts(as postgres)"
  }
  # DB: recreated empty, with the owner it had (postgres where the target
  # had none); R acts as that owner when it may, else owns it itself until
  # the load is done; and as each other role the dump makes an owner, where
  # it may (GRANTED)
  owner='' granted=
  prepare() {
    local r
    owner=$(val -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$1'")
    owner=${owner:-postgres}
    local as=$R
    granted=
    plain "$owner" && as=$owner
    for r in $( { [ "$as" = "$R" ] || echo "$owner"
                  bzcat -- "$d/$1.sql.bz2" | awk 'copy { if ($0 == "\\.") copy = 0; next } /^COPY .* FROM stdin;$/ { copy = 1; next }
                    match($0, / OWNER TO [a-z_][a-z0-9_]*;$/) { print substr($0, RSTART + 10, RLENGTH - 11) }'; } | sort -u); do
      [ "$r" = "$owner" ] || plain "$r" || continue
      pg -c "GRANT \"$r\" TO $R" || return 1
      granted+="$r "
    done
    runuser -u postgres -- dropdb --if-exists -- "$1" && runuser -u postgres -- createdb -O "$as" -- "$1" &&
      extensions "$1" || return 1
    # (a role that is to own a table must be able to create in its schema,
    # which only the owner may in a new database: until the load is done)
    for r in $granted; do
      [ "$r" = "$owner" ] || pg -d "$1" -c "GRANT CREATE ON SCHEMA public TO \"$r\"" || return 1
    done
  }
  load() { # DB: the dump on stdin, as R
    local as=$R r
    plain "$owner" && as=$owner
    { printf '\\restrict %s\n' "$key"; filter "$as"; } | as_r -d "$1" > /dev/null || return 1
    # what R made is the owner's; a superuser gets no function that would
    # run as it for anyone who calls it
    if [ "$as" = "$R" ] && [ "$(val -d "$1" -c "SELECT count(*) FROM pg_proc WHERE prosecdef AND proowner = (SELECT oid FROM pg_roles WHERE rolname = '$R')")" != 0 ]; then
      echo "the dump of $1 creates a SECURITY DEFINER function, which would run as $owner, a superuser, for anyone who calls it: mailshift restores no such dump into a database a superuser owns" >&2
      return 1
    fi
    pg -d "$1" -c "REASSIGN OWNED BY $R TO \"$owner\"" -c "DROP OWNED BY $R" || return 1
    for r in $granted; do
      pg -c "REVOKE \"$r\" FROM $R" || return 1
      # (unless the dump set the schema's rights itself)
      [ "$r" = "$owner" ] || bzcat -- "$d/$1.sql.bz2" | grep -q 'ON SCHEMA public ' ||
        pg -d "$1" -c "REVOKE CREATE ON SCHEMA public FROM \"$r\"" || return 1
    done
  }
  put_back() { # DB: as saved (the target's own dump, as postgres), owner kept; dropped when there is no saved copy
    local o
    o=$(val -c "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$1'")
    [ "$o" != "$R" ] || o=postgres  # (R owned it while its load ran)
    runuser -u postgres -- dropdb --if-exists -- "$1" || return 1
    [ -e "$saved/$1.sql.bz2" ] || return 0
    runuser -u postgres -- createdb ${o:+-O "$o"} -- "$1" &&
      bzcat -- "$saved/$1.sql.bz2" | { printf '\\restrict %s\n' "$key"; filter_own; } | pg -d "$1"
  }
  # the target's own dump, put back as it was: only the restrict lines go
  filter_own() {
    awk 'copy { print; if ($0 == "\\.") copy = 0; next }
      /^COPY .* FROM stdin;$/ { copy = 1 }
      !/^\\(un)?restrict [A-Za-z0-9]*$/'
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
  elif [ "$engine" = pgsql ] && grep -q -e 'must be superuser' -e 'permission denied' -e 'must be owner' -- "$why"; then
    echo "the source's dump of $db asks for rights its restore does not have (the error above): mailshift restores a dump as a role of its own that may act only as the database's owner, never as a superuser, so nothing of it ran as one. The source may be compromised; if it is not, make what the dump needs as postgres on the target first" >&2
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
