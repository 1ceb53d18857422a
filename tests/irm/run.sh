#!/usr/bin/env bash
# The system users -> iRedMail fragments (steps/sh/irm-*.sh and irm-*.awk,
# the very text mailshift embeds) against REAL private servers in a temp
# dir (below): MariaDB, PostgreSQL and slapd, each loaded
# with iRedMail 1.8.1's own schema, no system service touched.  The
# "source" is a passwd, shadow and aliases this test writes (hashes made
# with mkpasswd), homes with .forward and .procmailrc files.
# Asserts, for each backend: an unknown domain refused, named, nothing
# written; addresses the target has refused all together, nothing written;
# each mailbox as iRedMail makes it (the hash verbatim after {CRYPT}, the
# hashed maildir, /var/vmail, vmail1, quota 0, the forwardings row), the
# map's path the one Dovecot's user_query makes; a hostile GECOS stored as
# text byte for byte; locked, empty and bad names listed, not created; a
# rerun finds them there; the aliases and .forward files as aliases and
# forwardings, what cannot be carried listed with where it came from.  And
# that Dovecot's CRYPT scheme verifies a {CRYPT} yescrypt and sha512-crypt
# hash (doveadm pw -t).  Prints "irm: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sh=$top/steps/sh
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }
fails() { local name=$1; shift; if "$@"; then bad "$name"; else ok "$name"; fi; }
says() { # NAME FILE TEXT: FILE holds TEXT (fixed string)
  if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1: no \"$3\" in:"; sed 's/^/     /' "$2"; fi
}
same() { # NAME WANT GOT
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want [$2], got [$3]"; fi
}

for t in mariadb-install-db mariadbd mariadb slapd slapadd slapmodify slapcat mkpasswd doveadm; do
  command -v "$t" >/dev/null || { echo "tests/irm/run.sh: no $t here (a dependency of this tier)" >&2; echo "irm: 0 passed, 1 failed"; exit 1; }
done
w=$(mktemp -d /tmp/mailshift-irm.XXXXXX)
chmod 0755 "$w"
# The real private servers the fragments run against, in the temp dir $w,
# nothing of the system's touched: MariaDB (its own datadir, a unix
# socket, no network), PostgreSQL (initdb and pg_ctl as nobody, a unix
# socket in $w, no network), slapd (iRedMail's slapd.conf made concrete,
# an ldapi socket in $w).  Each loads iRedMail 1.8.1's own schema
# (tests/irm/iredmail-1.8.1: copies of the release's files) and has the
# domain example.com with iRedMail's postmaster mailbox.  Wrappers in
# $w/bin point the fragments' mysql, runuser/psql and systemctl at them.

schema=$top/tests/irm/iredmail-1.8.1
pgbin=$(printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1)

my() { mariadb --no-defaults --socket="$w/my.sock" "$@"; }
pg() { "$pgbin/psql" -X -q -h "$w/pg" -U postgres "$@"; }

start_mariadb() {
  mkdir -p "$w/my"
  mariadb-install-db --no-defaults --datadir="$w/my" --user="$(id -un)" --auth-root-authentication-method=socket \
    --skip-test-db > "$w/my-install.log" 2>&1 || { cat "$w/my-install.log"; return 1; }
  mariadbd --no-defaults --datadir="$w/my" --socket="$w/my.sock" --skip-networking --user="$(id -un)" \
    --pid-file="$w/my.pid" --log-error="$w/my.err" --innodb-buffer-pool-size=16M </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 100); do my -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done
  my -e 'CREATE DATABASE vmail CHARACTER SET utf8mb4' && my vmail < "$schema/iredmail.mysql"
}
stop_mariadb() { [ ! -f "$w/my.pid" ] || kill "$(cat "$w/my.pid")" 2>/dev/null || true; }

# as root, PostgreSQL runs as nobody in a directory nobody owns
runuser_bin=$(command -v runuser)
as_pg() { if [ "$(id -u)" = 0 ]; then "$runuser_bin" -u nobody -- "$@"; else "$@"; fi; }
start_pgsql() {
  mkdir -p "$w/pg"
  [ "$(id -u)" != 0 ] || chown nobody "$w/pg"
  as_pg "$pgbin/initdb" -D "$w/pg/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 > "$w/pg-initdb.log" 2>&1 ||
    { cat "$w/pg-initdb.log"; return 1; }
  as_pg "$pgbin/pg_ctl" -D "$w/pg/data" -l "$w/pg/log" -o "-k $w/pg -c listen_addresses='' -c fsync=off" -w start >/dev/null || return 1
  pg -c 'CREATE DATABASE vmail' && pg -d vmail -v ON_ERROR_STOP=1 -f "$schema/iredmail.pgsql"
}
stop_pgsql() { [ ! -d "$w/pg/data" ] || as_pg "$pgbin/pg_ctl" -D "$w/pg/data" -m immediate stop >/dev/null 2>&1 || true; }

# the wrappers: mysql as root's socket login, runuser -u postgres -- CMD
# as CMD, psql to the private socket as postgres; systemctl stop/start
# slapd the private slapd
wrappers() {
  mkdir -p "$w/bin"
  printf '#!/bin/sh\nexec mariadb --no-defaults --socket=%q "$@"\n' "$w/my.sock" > "$w/bin/mysql"
  # shellcheck disable=SC2016 # the wrapper's own $1 and $@
  printf '#!/bin/sh\n[ "$1" = -u ] && shift 2\n[ "$1" = -- ] && shift\nexec "$@"\n' > "$w/bin/runuser"
  printf '#!/bin/sh\nexec %q -h %q -U postgres "$@"\n' "$pgbin/psql" "$w/pg" > "$w/bin/psql"
  cat > "$w/bin/systemctl" <<EOF
#!/bin/sh
[ "\$2" = slapd ] || { echo "systemctl \$*: not in this test" >&2; exit 1; }
case \$1 in
  stop) [ ! -f $(printf '%q' "$w/slapd.pid") ] || kill "\$(cat $(printf '%q' "$w/slapd.pid") 2>/dev/null)" 2>/dev/null
        for _ in \$(seq 1 50); do [ -f $(printf '%q' "$w/slapd.pid") ] || exit 0; sleep 0.1; done; exit 1 ;;
  start) exec slapd -f $(printf '%q' "$w/slapd.conf") -h $(printf '%q' "ldapi://${w//\//%2F}%2Fldapi") ;;
esac
EOF
  chmod +x "$w/bin"/*
}

# the domain and the postmaster mailbox, as iRedMail's installer adds them
sql_domain() {
  echo "INSERT INTO domain (domain, transport, created) VALUES ('example.com', 'dovecot', NOW());
INSERT INTO mailbox (username, password, name, storagebasedirectory, storagenode, maildir, domain, created)
  VALUES ('postmaster@example.com', '{SSHA512}x', 'postmaster', '/var/vmail', 'vmail1', 'example.com/p/o/s/postmaster/', 'example.com', NOW());
INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_forwarding)
  VALUES ('postmaster@example.com', 'postmaster@example.com', 'example.com', 'example.com', 1);"
}

# slapd: iRedMail's slapd.conf with its placeholders filled for $w, the
# suffix dc=example,dc=com, mdb; the domain's tree as iRedMail makes it
start_slapd() {
  mkdir -p "$w/ldap/data" "$w/ldap/schema"
  cp /etc/ldap/schema/{core,corba,cosine,inetorgperson,nis}.schema "$schema/iredmail.schema" "$schema/amavisd.schema" "$w/ldap/schema/"
  sed -e "s|PH_OPENLDAP_SCHEMA_DIR|$w/ldap/schema|g; s|PH_AMAVISD_LDAP_SCHEMA_NAME|amavisd.schema|g" \
      -e "s|PH_OPENLDAP_PID_FILE|$w/slapd.pid|g; s|PH_OPENLDAP_ARGS_FILE|$w/slapd.args|g" \
      -e "s|PH_OPENLDAP_DEFAULT_DBTYPE|mdb|g; s|PH_LDAP_DATA_DIR|$w/ldap/data|g" \
      -e "s|PH_LDAP_SUFFIX|dc=example,dc=com|g; s|PH_LDAP_BASEDN|o=domains,dc=example,dc=com|g" \
      -e "s|PH_LDAP_ADMIN_BASEDN|o=domainAdmins,dc=example,dc=com|g; s|PH_LDAP_ROOTDN|cn=Manager,dc=example,dc=com|g" \
      -e "s|PH_LDAP_BINDDN|cn=vmail,dc=example,dc=com|g; s|PH_LDAP_ADMIN_DN|cn=vmailadmin,dc=example,dc=com|g" \
      -e "s|PH_LDAP_ROOTPW_SSHA|{SSHA}x|g" \
      -e "s|^#modulepath PH_OPENLDAP_MODULE_PATH|modulepath /usr/lib/ldap|" \
      -e "s|^#moduleload back_mdb|moduleload back_mdb|; s|^#moduleload back_monitor|moduleload back_monitor|" \
      -e '/PH_SSL_/d' "$schema/slapd.conf" > "$w/slapd.conf"
  if grep -q 'PH_' "$w/slapd.conf"; then echo "slapd.conf: placeholders left:"; grep -n 'PH_' "$w/slapd.conf"; return 1; fi
  slaptest -u -f "$w/slapd.conf" >/dev/null 2>&1 || { slaptest -u -f "$w/slapd.conf"; return 1; }
  cat > "$w/ldap/base.ldif" <<'EOF'
dn: dc=example,dc=com
objectClass: dcObject
objectClass: organization
dc: example
o: example

dn: o=domains,dc=example,dc=com
objectClass: organization
o: domains

dn: domainName=example.com,o=domains,dc=example,dc=com
objectClass: mailDomain
domainName: example.com
mtaTransport: dovecot
accountStatus: active
enabledService: mail

dn: ou=Users,domainName=example.com,o=domains,dc=example,dc=com
objectClass: organizationalUnit
objectClass: top
ou: Users

dn: ou=Aliases,domainName=example.com,o=domains,dc=example,dc=com
objectClass: organizationalUnit
objectClass: top
ou: Aliases

dn: mail=postmaster@example.com,ou=Users,domainName=example.com,o=domains,dc=example,dc=com
objectClass: inetOrgPerson
objectClass: mailUser
mail: postmaster@example.com
uid: postmaster
cn: postmaster
sn: postmaster
userPassword: {SSHA512}x
homeDirectory: /var/vmail/vmail1/example.com/p/o/s/postmaster/
EOF
  slapadd -f "$w/slapd.conf" -b dc=example,dc=com -l "$w/ldap/base.ldif" >/dev/null 2>&1 ||
    { slapadd -f "$w/slapd.conf" -b dc=example,dc=com -l "$w/ldap/base.ldif"; return 1; }
  "$w/bin/systemctl" start slapd
}
# (the pid file may go between the test and the read: slapd ending)
stop_slapd() { [ ! -f "$w/slapd.pid" ] || kill "$(cat "$w/slapd.pid" 2>/dev/null)" 2>/dev/null || true; }
[ -n "$pgbin" ] || { echo "tests/irm/run.sh: no PostgreSQL server here" >&2; echo "irm: 0 passed, 1 failed"; exit 1; }
cleanup() { stop_mariadb; stop_pgsql; stop_slapd; sleep 0.5; rm -rf "$w"; }
trap cleanup EXIT
wrappers
# the whole tier again with mawk (Debian's default awk) when it is here
if [ -n "${MAILSHIFT_IRM_AWK:-}" ]; then
  ln -s "$(command -v "$MAILSHIFT_IRM_AWK")" "$w/bin/awk"
fi
export PATH="$w/bin:$PATH"
echo "--- with $(awk -W version 2>&1 | head -n 1 | cut -c 1-40)"
b=$w/backup out=$w/out

# Dovecot's CRYPT scheme (iRedMail's default_pass_scheme) takes the old
# hashes as they are
yes_hash=$(mkpasswd -m yescrypt 'old secret 1')
sha_hash=$(mkpasswd -m sha512crypt 'old secret 2')
pwtest() { doveadm pw -t "{CRYPT}$1" -p "$2" >/dev/null 2>&1; }
check "doveadm pw verifies {CRYPT} yescrypt" pwtest "$yes_hash" 'old secret 1'
check "doveadm pw verifies {CRYPT} sha512-crypt" pwtest "$sha_hash" 'old secret 2'
fails "doveadm pw refuses a wrong password" pwtest "$sha_hash" 'wrong'

awk_accounts=$(cat "$sh/irm-lib.awk" "$sh/irm-accounts.awk")
awk_forwardings=$(cat "$sh/irm-lib.awk" "$sh/irm-forwardings.awk")
awk_aliases=$(cat "$sh/aliases.awk")
# A fragment as mailshift runs it on the target: the prologue of named
# values (quoted), the preamble, lib.sh, (LDAP: conf and suffix, as
# ldap-suffix.sh sets them), irm-lib.sh, the fragment.
run_fragment() { # BACKEND FRAGMENT NAME=VALUE...
  local backend=$1 frag=$2 kv prologue=""
  shift 2
  for kv in "b=$b" "backend=$backend" "uid_min=" "uid_max=" "$@"; do prologue+="${kv%%=*}=$(printf '%q' "${kv#*=}")"$'\n'; done
  [ "$backend" != ldap ] || prologue+="conf=(-f $(printf '%q' "$w/slapd.conf")) suffix=dc=example,dc=com"$'\n'
  bash -c "$prologue"$'set -euo pipefail; umask 077\n'"$(cat "$sh/lib.sh" "$sh/irm-lib.sh" "$sh/$frag")"
}
accounts() { run_fragment "$1" irm-accounts.sh "domain=${2:-example.com}" "irm_awk=$awk_accounts" > "$out" 2>&1; }
forwardings() {
  run_fragment "$1" irm-forwardings.sh "domain=example.com" "homes=$w/homes" "target_aliases=$w/target-aliases" \
    "irm_awk=$awk_forwardings" "aliases_awk=$awk_aliases" > "$out" 2>&1
}

# the source: real users from 1000 (login.defs), a hostile GECOS, a Latin-1
# one, one that starts with a space (LDIF must take it as base64), a locked, an empty and a badly named user, a one-letter name, system
# accounts below and nobody above the range
hostile="O'Brien \\'; DELETE FROM mailbox; -- \"q\" \\\\ \\n\\r) Zoë"
source_files() {
  rm -rf "$b"
  mkdir -p "$b/users"
  printf 'UID_MIN 1000\nUID_MAX 60000\n' > "$b/users/login.defs"
  {
    echo "root:x:0:0:root:/root:/bin/bash"
    echo "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin"
    echo "alice:x:1000:1000:Alice Liddell,Room 1,,:/home/alice:/bin/bash"
    echo "bob:x:1001:1001::/home/bob:/bin/bash"
    echo "eve:x:1002:1002:$hostile,,,:/home/eve:/bin/bash"
    printf 'lat:x:1003:1003:Ren\351 L:/home/lat:/bin/bash\n'
    echo "carol:x:1004:1004:Carol:/home/carol:/bin/bash"
    echo "dave:x:1005:1005:Dave:/home/dave:/bin/bash"
    echo "Bad.Name:x:1006:1006:Bad:/home/bad:/bin/bash"
    echo "x:x:1007:1007:X:/home/x:/bin/bash"
    echo "sp:x:1008:1008: Lead space:/home/sp:/bin/bash"
    echo "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"
  } > "$b/users/passwd"
  {
    # shellcheck disable=SC2016 # a hash, literally
    echo 'root:$6$r$rootrootroot:19000:0:99999:7:::'
    echo 'daemon:*:19000:0:99999:7:::'
    echo "alice:$yes_hash:19000:0:99999:7:::"
    echo "bob:$sha_hash:19000:0:99999:7:::"
    echo "eve:$sha_hash:19000:0:99999:7:::"
    echo "lat:$sha_hash:19000:0:99999:7:::"
    echo "carol:!$sha_hash:19000:0:99999:7:::"
    echo "dave::19000:0:99999:7:::"
    echo "Bad.Name:$sha_hash:19000:0:99999:7:::"
    echo "x:$yes_hash:19000:0:99999:7:::"
    echo "sp:$yes_hash:19000:0:99999:7:::"
  } > "$b/users/shadow"
  chmod 0600 "$b/users"/*
}

# shellcheck source=tests/irm/cases.sh
. "$top/tests/irm/cases.sh"
for engine in mysql pgsql; do
  echo "--- $engine"
  sql_tier "$engine"
done
echo "--- ldap"
ldap_tier

if [ -z "${MAILSHIFT_IRM_AWK:-}" ] && command -v mawk >/dev/null; then
  cleanup; trap - EXIT
  MAILSHIFT_IRM_AWK=mawk "$0" > "$w.mawk" 2>&1
  cat "$w.mawk"
  if [[ $(grep -E '^irm: [0-9]+ passed, [0-9]+ failed$' "$w.mawk" | tail -n 1) =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
  else
    bad "the tier with mawk"
  fi
  rm -f "$w.mawk"
fi
echo "irm: $passed passed, $failed failed"
[ "$failed" = 0 ]
