# verify-inventory.awk: counts an inventory (inventory.sh's lines) into the
# verification table's figures (core/figures.h), one "KEY VALUE" line each:
# accounts, domains, databases, tables, rows, and the LDAP entries when the
# inventory has them.  The native comparison (core/inspect.c) prints the
# same keys, counted the same way.
$1 == "table" { t++; r += $4; db = $2; sub(/\..*/, "", db); if (!(db in d)) { d[db] = 1; nd++ } }
$1 == "account" { a++ }
$1 == "domain" { m++ }
$1 == "entries" { e += $3; le = 1 }
END {
  printf "accounts %d\ndomains %d\ndatabases %d\ntables %d\nrows %.0f\n", a, m, nd, t, r
  if (le) print "ldap", e
}
