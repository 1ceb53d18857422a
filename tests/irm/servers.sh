# shellcheck shell=bash
# shellcheck disable=SC2154 # w top: tests/irm/run.sh's
# tests/irm/servers.sh: the real private servers tests/irm/run.sh runs the
# fragments against, in its temp dir $w, nothing of the system's touched:
# MariaDB (its own datadir, a unix socket, no network), PostgreSQL (initdb
# and pg_ctl as nobody, a unix socket in $w, no network), slapd (iRedMail's
# slapd.conf made concrete, an ldapi socket in $w).  Each loads iRedMail
# 1.8.1's own schema (tests/irm/iredmail-1.8.1: copies of the release's
# files) and has the domain example.com with iRedMail's postmaster
# mailbox.  Wrappers in $w/bin point the fragments' mysql, runuser/psql and
# systemctl at them.  Sourced by run.sh.

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
  stop) [ ! -f $(printf '%q' "$w/slapd.pid") ] || kill "\$(cat $(printf '%q' "$w/slapd.pid"))"
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
stop_slapd() { [ ! -f "$w/slapd.pid" ] || kill "$(cat "$w/slapd.pid")" 2>/dev/null || true; }
