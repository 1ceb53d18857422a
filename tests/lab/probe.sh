#!/usr/bin/env bash
# The read-only probes (backends/probe*.c) through SSH tunnels, on the lab's
# two real hosts: for each iRedMail scenario, build/tests/probe_test reads
# each host's inventory, and the host's own tools (mysql, psql as postgres,
# slapcat) must say the same: versions, databases, every table's exact row
# count, LDAP entries, every account with its maildir, every domain.  The
# passwords planted on the hosts must appear neither in probe_test's output
# nor in any command line (ps -eo args, here and on the host) while it runs.
# Prints "probe: N passed, N failed".  Needs root.
# --here SCENARIO probes the lab that is up now (tests/lab/migrate.sh runs it
# that way, right after its own lab/up, so make test brings each scenario's
# lab up once) and leaves it up.
# shellcheck disable=SC2016 # the single-quoted commands expand on the hosts
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
lab="$top/lab"
bin="$top/build/tests/probe_test"
here=
if [ "${1:-}" = --here ]; then here=1; shift; fi
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(iredmail-mariadb iredmail-pgsql iredmail-openldap)
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }

if [ "$(id -u)" != 0 ]; then
  echo "tests/lab/probe.sh: needs root"; echo "probe: 0 passed, 1 failed"; exit 1
fi
if [ ! -x "$bin" ]; then
  echo "tests/lab/probe.sh: no $bin (run make build/tests/probe_test)"; echo "probe: 0 passed, 1 failed"; exit 1
fi
work=$(mktemp -d /tmp/mailshift-probe.XXXXXX)
if [ -n "$here" ]; then trap 'rm -rf "$work"' EXIT
else trap '"$lab/down" >/dev/null 2>&1; rm -rf "$work"' EXIT; fi

# What the host's own tools say, in probe_test's line format (database
# sizes left out: they are informative); "missing-maildir PATH" for an
# account whose Maildir is not there; "secret X" for each password planted
# on the host that a probe may read.
host_script='
set -uo pipefail
inv() {
sys="(\"mysql\", \"information_schema\", \"performance_schema\", \"sys\")"
if systemctl -q is-active mariadb 2>/dev/null; then
  my() { mysql -N -B -e "$1" </dev/null; }
  echo "version mariadb $(my "SELECT VERSION()")"
  my "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN $sys" | sed "s/^/database /"
  my "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = \"BASE TABLE\" AND table_schema NOT IN $sys" |
    while IFS=$'\''\t'\'' read -r d t; do echo "table $d.$t rows $(my "SELECT COUNT(*) FROM \`$d\`.\`$t\`")"; done
  if my "SELECT 1 FROM vmail.mailbox LIMIT 0" >/dev/null 2>&1; then
    my "SELECT username, CONCAT(storagebasedirectory, \"/\", storagenode, \"/\", maildir) FROM vmail.mailbox" |
      awk -F "\t" "{print \"account \" \$1 \" maildir \" \$2}"
    my "SELECT domain FROM vmail.domain" | sed "s/^/domain /"
  fi
fi
if systemctl -q is-active "postgresql@*" 2>/dev/null; then
  pg() { (cd / && runuser -u postgres -- psql -X -At -F "	" "$@" </dev/null); }
  echo "version postgresql $(pg -c "SHOW server_version")"
  for db in $(pg -c "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn"); do
    echo "database $db"
    pg -d "$db" -c "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('\''pg_catalog'\'', '\''information_schema'\'')" |
      while IFS="	" read -r s t; do
        n=$(pg -d "$db" -c "SELECT COUNT(*) FROM \"$s\".\"$t\"")
        if [ "$s" = public ]; then echo "table $db.$t rows $n"; else echo "table $db.$s.$t rows $n"; fi
      done
  done
  if [ -n "$(pg -d vmail -c "SELECT 1 FROM pg_tables WHERE tablename = '\''mailbox'\''" 2>/dev/null)" ]; then
    pg -d vmail -c "SELECT username, storagebasedirectory || '\''/'\'' || storagenode || '\''/'\'' || maildir FROM mailbox" |
      awk -F "\t" "{print \"account \" \$1 \" maildir \" \$2}"
    pg -d vmail -c "SELECT domain FROM domain" | sed "s/^/domain /"
  fi
fi
if systemctl -q is-active slapd 2>/dev/null; then
  echo "version openldap $(slapd -VV 2>&1 | sed -n "1s/.*slapd \([^ ]*\).*/\1/p")"
  base=$(awk "\$1 == \"base\" {print \$3}" /etc/dovecot/dovecot-ldap.conf)
  slapcat -o ldif-wrap=no -f /etc/ldap/slapd.conf 2>/dev/null | awk -v base="$base" "
    function flush() {
      if (dn != \"\" && (dn == base || substr(dn, length(dn) - length(base)) == \",\" base)) {
        n++
        if (user) print \"account \" mail \" maildir \" home
        if (dom) print \"domain \" name
      }
      dn = \"\"; user = dom = 0; mail = home = name = \"\"
    }
    /^dn: / { flush(); dn = substr(\$0, 5) }
    /^objectClass: mailUser\$/ { user = 1 }
    /^objectClass: mailDomain\$/ { dom = 1 }
    /^mail: / { if (mail == \"\") mail = substr(\$0, 7) }
    /^homeDirectory: / { home = substr(\$0, 16) }
    /^domainName: / { if (name == \"\") name = substr(\$0, 13) }
    END { flush(); print \"entries \" base \" \" n + 0 }"
fi
}
out=$(inv)
echo "$out"
sed -n "s/^account [^ ]* maildir //p" <<<"$out" | while read -r p; do [ -d "${p}Maildir" ] || echo "missing-maildir $p"; done
# the passwords the probes may read here (at least 8 characters)
{ sed -n "s/^[[:space:]]*password[[:space:]]*=[[:space:]]*//p" /root/.my.cnf 2>/dev/null | tr -d "\""
  d=$(getent passwd postgres | cut -d: -f6)
  [ -z "$d" ] || [ ! -f "$d/.pgpass" ] || cut -d: -f5 "$d/.pgpass"
  awk "\$1 == \"dnpass\" {print \$3}" /etc/dovecot/dovecot-ldap.conf 2>/dev/null
  sed -n "s/^bind_pw = //p; s/^password = //p" /etc/postfix/*/*.cf 2>/dev/null
  sed -n "s/.*password=\([^ ]*\).*/\1/p" /etc/dovecot/dovecot-*.conf 2>/dev/null
} | awk "length(\$0) >= 8" | sort -u | sed "s/^/secret /"
'

# compare LABEL KIND PROBE-FILE HOST-FILE: the KIND lines must be the same.
compare() {
  local label=$1 kind=$2 a b n
  a=$(grep "^$kind " "$3" | sed 's/^\(database [^ ]*\) bytes [0-9]*$/\1/' | LC_ALL=C sort)
  b=$(grep "^$kind " "$4" | LC_ALL=C sort)
  n=$(grep -c . <<<"$b")
  if [ "$n" -gt 0 ] && [ "$a" = "$b" ]; then ok "$label: $n $kind lines as the host's tools say"
  else bad "$label: $kind lines differ from the host's tools (< probe, > host)"
    diff <(echo "$a") <(echo "$b") | head -n 20 | sed 's/^/     /'; fi
}

probe_host() { # SCENARIO HOST
  local sc=$1 h=$2 w="$work/$1.$2" pid rc rps kinds k
  mkdir -p "$w"
  chmod 700 "$w"
  "$lab/ssh" "$h" "bash -c $(printf %q "$host_script")" </dev/null >"$w/host.all" 2>"$w/host.err"
  sed -n 's/^secret //p' "$w/host.all" >"$w/secrets"
  grep -v '^secret ' "$w/host.all" >"$w/host"
  rm -f "$w/host.all"
  if [ -s "$w/secrets" ]; then ok "$sc $h: $(wc -l <"$w/secrets") planted passwords found to look for"
  else bad "$sc $h: no planted password found on the host"; sed 's/^/     /' "$w/host.err"; fi

  # ps on the host, sampled from before probe_test starts until it ends
  # (at most 2 minutes); the ssh client is ours and stopped by its pid
  "$lab/ssh" "$h" 'for i in $(seq 1200); do ps -eo args; sleep 0.1; done' </dev/null >"$w/ps.remote" 2>/dev/null &
  rps=$!
  for _ in $(seq 900); do grep -q '^COMMAND' "$w/ps.remote" && break; sleep 0.1; done
  "$bin" "$lab/run/answers.conf" "$h" >"$w/out" 2>"$w/err" &
  pid=$!
  : >"$w/ps.local"
  while kill -0 "$pid" 2>/dev/null; do ps -eo args >>"$w/ps.local"; sleep 0.02; done
  wait "$pid"; rc=$?
  sleep 0.3
  kill "$rps" 2>/dev/null
  wait "$rps" 2>/dev/null
  if [ "$rc" = 0 ]; then ok "$sc $h: probe_test reads the inventory through SSH tunnels"
  else bad "$sc $h: probe_test failed (exit $rc)"; sed 's/^/     /' "$w/err"; return; fi

  kinds=(version database table account domain)
  [ "$sc" = iredmail-openldap ] && kinds+=(entries)
  for k in "${kinds[@]}"; do
    if [ "$k" = account ] || [ "$k" = domain ]; then
      # a fresh target has none: only the source must have some
      if [ "$h" = target ] && ! grep -q "^$k " "$w/host"; then
        if grep -q "^$k " "$w/out"; then bad "$sc $h: $k lines where the host has none"
        else ok "$sc $h: no $k, as on the host"; fi
        continue
      fi
    fi
    compare "$sc $h" "$k" "$w/out" "$w/host"
  done
  if [ "$h" = source ]; then
    if grep -q '^account ' "$w/host" && ! grep -q '^missing-maildir ' "$w/host"; then
      ok "$sc $h: every account's Maildir is on the host"
    else bad "$sc $h: no account, or maildirs missing on the host:"
      grep '^missing-maildir ' "$w/host" | head -n 5 | sed 's/^/     /'; fi
  fi
  if [ -s "$w/secrets" ] && grep -qF -f "$w/secrets" "$w/out" "$w/err"; then
    bad "$sc $h: a planted password is in probe_test's output"
  else ok "$sc $h: no planted password in probe_test's output"; fi
  if [ -s "$w/secrets" ] && grep -qF -f "$w/secrets" "$w/ps.local" "$w/ps.remote"; then
    bad "$sc $h: a planted password is on a command line (ps -eo args)"
  else ok "$sc $h: no planted password on a command line ($(grep -c '^COMMAND' "$w/ps.local") + $(grep -c '^COMMAND' "$w/ps.remote") ps samples)"; fi
}

t0=$SECONDS
for sc in "${scenarios[@]}"; do
  if [ -z "$here" ]; then
    echo "=== $sc"
    if ! "$lab/up" "$sc" >"$work/up.$sc" 2>&1; then
      bad "$sc: lab/up"; tail -n 20 "$work/up.$sc" | sed 's/^/     /'; continue
    fi
  fi
  probe_host "$sc" source
  probe_host "$sc" target
  [ -n "$here" ] || "$lab/down" >/dev/null 2>&1
done
echo "time $((SECONDS - t0)) s"
echo "probe: $passed passed, $failed failed"
[ "$failed" = 0 ]
