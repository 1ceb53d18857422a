# shellcheck shell=bash
# shellcheck disable=SC2154 # backend dbs (and conf suffix for ldap): the prologue's
# inventory: what verify compares of the account backend and the databases,
# in the very lines mailshift's own comparison reads through its connections
# (backends/probe.h, inventory_print): one definition for both.
#   table DB.TABLE rows N          every table of the migrated databases ($dbs,
#                                  where present; DB.SCHEMA.TABLE outside public)
#   entries BASE N                 LDAP: the entries below Dovecot's base
#   account ADDRESS maildir PATH   every mailbox (SQL vmail.mailbox, LDAP mailUser)
#   domain NAME                    every domain
# Prologue: backend (mysql|pgsql|ldap), dbs (the databases, a word list).
export LC_ALL=C
join3() { # the one-slash join of backends/probe.c (probe_join_path)
  awk -F '\t' -v OFS='\t' '{
    p = ""
    for (i = 2; i <= 4; i++) { s = $i; if (p != "") sub(/^\/+/, "", s); if (s == "") continue
      if (p != "" && substr(p, length(p)) != "/") p = p "/"; p = p s }
    print "account " $1 " maildir " p }'
}
{
  if [ "$backend" = pgsql ]; then
    pg() { (cd / && runuser -u postgres -- psql -X -At "$@"); }
    for db in $dbs; do
      [ "$(pg -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ] || continue
      pg -d "$db" -F "$(printf '\t')" -c "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')" |
        while IFS="$(printf '\t')" read -r s t; do
          if [ "$s" = public ]; then n=$db.$t; else n=$db.$s.$t; fi
          echo "table $n rows $(pg -d "$db" -c "SELECT COUNT(*) FROM \"$s\".\"$t\"")"
        done
    done
    if [ "$(pg -c "SELECT 1 FROM pg_database WHERE datname = 'vmail'")" = 1 ]; then
      pg -d vmail -F "$(printf '\t')" -c 'SELECT username, storagebasedirectory, storagenode, maildir FROM mailbox' | join3
      pg -d vmail -c 'SELECT domain FROM domain' | sed 's/^/domain /'
    fi
  else
    for db in $dbs; do
      [ -n "$(mysql -Nse "SHOW DATABASES LIKE '$db'")" ] || continue
      mysql -N -B -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$db' AND table_type = 'BASE TABLE'" |
        while IFS= read -r t; do
          echo "table $db.$t rows $(mysql -Nse "SELECT COUNT(*) FROM \`$db\`.\`$t\`")"
        done
    done
    if [ "$backend" = mysql ] && [ -n "$(mysql -Nse "SHOW DATABASES LIKE 'vmail'")" ]; then
      mysql -N -B -e 'SELECT username, storagebasedirectory, storagenode, maildir FROM vmail.mailbox' | join3
      mysql -N -B -e 'SELECT domain FROM vmail.domain' | sed 's/^/domain /'
    fi
  fi
  if [ "$backend" = ldap ]; then
    # below the base Dovecot searches (as mailshift's own look does)
    base=$(sed -n 's/^base[[:space:]]*=[[:space:]]*//p' /etc/dovecot/dovecot-ldap.conf 2>/dev/null | head -n 1)
    base=${base:-$suffix}
    # (slapcat's own -s crashes on some slapd versions: the subtree is picked here)
    slapcat "${conf[@]}" -b "$suffix" -o ldif_wrap=no | awk -v base="$base" '
      function below(d,  b) { d = tolower(d); b = tolower(base); return d == b || substr(d, length(d) - length(b)) == "," b }
      function out() {
        if (dn == "" || !below(substr(dn, 5))) { dn = ""; return }
        n++
        if (user) print "account " mail " maildir " (home != "" ? home : join(sb, store))
        if (dom) print "domain " name
        dn = ""
      }
      function join(a, b) { sub(/^\/+/, "", b); if (b == "") return a; if (a == "") return b; return a (substr(a, length(a)) == "/" ? "" : "/") b }
      /^dn: / { out(); dn = $0; user = dom = 0; mail = home = sb = store = name = ""; next }
      /^objectClass: mailUser$/ { user = 1 } /^objectClass: mailDomain$/ { dom = 1 }
      /^mail: / && mail == "" { mail = substr($0, 7) }
      /^homeDirectory: / { home = substr($0, 16) }
      /^storageBaseDirectory: / { sb = substr($0, 23) }
      /^mailMessageStore: / { store = substr($0, 19) }
      /^domainName: / && name == "" { name = substr($0, 13) }
      END { out(); print "entries " base " " n + 0 }'
  fi
} | sort
