# shellcheck shell=bash
# shellcheck disable=SC2154 # run.sh's: b out w hostile yes_hash sha_hash, its helpers
# tests/irm/cases.sh: irm-accounts.sh and irm-forwardings.sh on a private
# MariaDB or PostgreSQL with iRedMail's schema (sql_tier), and on a private
# slapd (ldap_tier).  Sourced by run.sh.

q() { # the rows of one query, a tab apart, raw
  if [ "$engine" = mysql ]; then my -N -B -r vmail -e "$1"; else pg -At -F $'\t' -d vmail -c "$1"; fi
}
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; }
namehex() {
  if [ "$engine" = mysql ]; then q "SELECT HEX(name) FROM mailbox WHERE username = '$1'"
  else q "SELECT UPPER(ENCODE(CONVERT_TO(name, 'UTF8'), 'hex')) FROM mailbox WHERE username = '$1'"; fi
}
rows() { q "SELECT COUNT(*) FROM $1"; }

sql_tier() {
  local engine=$1 e=$1 m
  if [ "$engine" = mysql ]; then start_mariadb || { bad "$e: MariaDB starts with iRedMail's schema"; return; }
  else start_pgsql || { bad "$e: PostgreSQL starts with iRedMail's schema"; return; }; fi
  ok "$e: a private server with iRedMail 1.8.1's schema"
  if [ "$engine" = mysql ]; then sql_domain | my vmail; else sql_domain | pg -d vmail -v ON_ERROR_STOP=1; fi
  source_files

  fails "$e: a domain the target lacks is refused" accounts "$e" nope.org
  says "$e: ... named" "$out" "refused: nope.org is not one of the target's iRedMail domains"
  same "$e: ... and nothing written" 1 "$(rows mailbox)"

  q "INSERT INTO alias (address, domain) VALUES ('bob@example.com', 'example.com')"
  q "INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_forwarding) VALUES ('alice@example.com', 'a@elsewhere.org', 'example.com', 'elsewhere.org', 1)"
  fails "$e: addresses the target has are refused" accounts "$e"
  says "$e: ... the alias listed" "$out" "bob@example.com (the source's user bob)"
  says "$e: ... the forwarding listed" "$out" "alice@example.com (the source's user alice)"
  same "$e: ... and nothing written" "1 2" "$(rows mailbox) $(rows forwardings)"
  check "$e: ... no map" test ! -e "$b/accounts/map.tsv"
  q "DELETE FROM alias WHERE address = 'bob@example.com'"
  q "DELETE FROM forwardings WHERE address = 'alice@example.com'"

  check "$e: the users become mailboxes" accounts "$e"
  says "$e: ... counted" "$out" "example.com: 6 mailbox(es) created, 0 there from an earlier run, 3 user(s) listed"
  same "$e: ... six mailboxes, one row each" "7 7" "$(rows mailbox) $(rows forwardings)"
  same "$e: the yescrypt hash verbatim after {CRYPT}" "{CRYPT}$yes_hash" "$(q "SELECT password FROM mailbox WHERE username = 'alice@example.com'")"
  same "$e: the sha512-crypt hash verbatim after {CRYPT}" "{CRYPT}$sha_hash" "$(q "SELECT password FROM mailbox WHERE username = 'bob@example.com'")"
  m=$(q "SELECT maildir FROM mailbox WHERE username = 'alice@example.com'")
  check "$e: the hashed maildir: $m" grep -qxE 'example\.com/a/l/i/alice-[0-9]{4}(\.[0-9]{2}){5}/' <<<"$m"
  m=$(q "SELECT maildir FROM mailbox WHERE username = 'x@example.com'")
  check "$e: a one-letter name repeats its letter: $m" grep -qxE 'example\.com/x/x/x/x-[0-9.]{19}/' <<<"$m"
  same "$e: storage, quota, active, domain" $'/var/vmail\tvmail1\t0\t1\texample.com' \
    "$(q "SELECT storagebasedirectory, storagenode, quota, active, domain FROM mailbox WHERE username = 'bob@example.com'")"
  same "$e: the forwardings row iRedMail adds" $'alice@example.com\texample.com\texample.com\t1\t0\t0\t0' \
    "$(q "SELECT forwarding, domain, dest_domain, is_forwarding, is_alias, is_list, is_maillist FROM forwardings WHERE address = 'alice@example.com'")"
  same "$e: the name from GECOS's first field" "Alice Liddell" "$(q "SELECT name FROM mailbox WHERE username = 'alice@example.com'")"
  same "$e: no GECOS: the user name" "bob" "$(q "SELECT name FROM mailbox WHERE username = 'bob@example.com'")"
  same "$e: the hostile GECOS stored as text, byte for byte" "$(hex "$hostile")" "$(namehex eve@example.com)"
  same "$e: a leading space kept" " Lead space" "$(q "SELECT name FROM mailbox WHERE username = 'sp@example.com'")"
  same "$e: a Latin-1 GECOS stored as UTF-8" "$(hex "René L")" "$(namehex lat@example.com)"
  same "$e: locked, empty, bad name: not created" 0 "$(q "SELECT COUNT(*) FROM mailbox WHERE username IN ('carol@example.com', 'dave@example.com', 'bad.name@example.com')")"
  says "$e: ... the locked one listed as such" "$out" "listed, not created: carol: is locked (its password starts with !): not created, the admin decides"
  says "$e: ... the empty one listed" "$out" "listed, not created: dave: has an empty password"
  says "$e: ... the bad name listed" "$out" "listed, not created: Bad.Name: not a plain system name"
  check "$e: nothing below the range" test -z "$(q "SELECT username FROM mailbox WHERE username IN ('root@example.com', 'daemon@example.com', 'nobody@example.com')")"
  same "$e: the map is 0600" 600 "$(stat -c %a "$b/accounts/map.tsv")"
  m=$(q "SELECT CONCAT(LOWER(CONCAT(storagebasedirectory, '/', storagenode, '/', maildir)), 'Maildir') FROM mailbox WHERE username = 'alice@example.com'")
  same "$e: the map's Maildir is the one Dovecot's user_query makes (home, then ~/Maildir)" \
    "alice	alice@example.com	$m" "$(grep '^alice	' "$b/accounts/map.tsv")"
  same "$e: the map has the six" 6 "$(wc -l < "$b/accounts/map.tsv")"

  check "$e: a rerun succeeds" accounts "$e"
  says "$e: ... the mailboxes there already" "$out" "0 mailbox(es) created, 6 there from an earlier run"
  same "$e: ... nothing added" "7 7 6" "$(rows mailbox) $(rows forwardings) $(wc -l < "$b/accounts/map.tsv")"
  mv "$b/accounts/map.tsv" "$w/map.kept"
  fails "$e: without the map those addresses are the target's: refused" accounts "$e"
  mv "$w/map.kept" "$b/accounts/map.tsv"

  sql_forwardings "$e"
  if [ "$engine" = mysql ]; then stop_mariadb; else stop_pgsql; fi
}

# the source's aliases and homes, the target's own aliases file
forward_files() {
  mkdir -p "$b/aliases"
  cat > "$b/aliases/source-aliases" <<'EOF'
# the source's aliases
postmaster: root
root: alice
sales: alice, \bob, partner@other.org
team: sales, x
support: "|/usr/local/bin/ticket --queue support, urgent"
mixed: bob, /var/spool/archive, daemon
staff: :include:/etc/mail/staff.list
eve: eve@elsewhere.net, \eve
EOF
  printf 'postmaster: root\nroot: admin\n' > "$w/target-aliases"
  rm -rf "$w/homes"
  mkdir -p "$w/homes/home/alice" "$w/homes/home/bob" "$w/homes/home/x" "$w/homes/home/lat"
  echo "alice@newjob.example" > "$w/homes/home/alice/.forward"
  printf '# keep a copy\n\\bob, bob@phone.example\n"|/usr/bin/vacation bob"\n' > "$w/homes/home/bob/.forward"
  echo ':0:' > "$w/homes/home/bob/.procmailrc"
  ln -s /etc/passwd "$w/homes/home/x/.forward"
  printf 'lat@else.org\001\n' > "$w/homes/home/lat/.forward"
}
fw() { q "SELECT forwarding, is_forwarding, is_list, is_alias FROM forwardings WHERE address = '$1' ORDER BY forwarding" | tr '\t\n' ' |'; }
line() { grep -n "^$1:" "$b/aliases/source-aliases" | cut -d: -f1; }
hand() { # NAME WHERE WHAT WHY: by-hand.tsv has that line (WHY: its start)
  if awk -F '\t' -v a="$2" -v b="$3" -v c="$4" '$1 == a && $2 == b && substr($3, 1, length(c)) == c { f = 1 } END { exit !f }' "$b/accounts/by-hand.tsv"; then
    ok "$1"
  else
    bad "$1: no [$2 | $3 | $4...] in:"; sed 's/^/     /' "$b/accounts/by-hand.tsv"
  fi
}

sql_forwardings() {
  local e=$1 before
  forward_files
  check "$e: the aliases and .forward files carried" forwardings "$e"
  same "$e: an alias of users and an address (is_list)" "alice@example.com 0 1 0|bob@example.com 0 1 0|partner@other.org 0 1 0|" "$(fw sales@example.com)"
  same "$e: ... its alias row" $'sales\texample.com\t1' "$(q "SELECT name, domain, active FROM alias WHERE address = 'sales@example.com'")"
  same "$e: an alias of an alias" "sales@example.com 0 1 0|x@example.com 0 1 0|" "$(fw team@example.com)"
  same "$e: an alias with a file and an unknown name: the rest carried" "bob@example.com 0 1 0|" "$(fw mixed@example.com)"
  same "$e: a command alone, an include, the target's own: no alias" "0" "$(q "SELECT COUNT(*) FROM alias WHERE address IN ('support@example.com', 'staff@example.com', 'root@example.com', 'postmaster@example.com')")"
  same "$e: a .forward without \\user: forwarded, no copy kept" "alice@newjob.example 1 0 0|" "$(fw alice@example.com)"
  same "$e: a .forward with \\user: a copy kept" "bob@example.com 1 0 0|bob@phone.example 1 0 0|" "$(fw bob@example.com)"
  same "$e: an alias named after a moved user: its forwarding" "eve@elsewhere.net 1 0 0|eve@example.com 1 0 0|" "$(fw eve@example.com)"
  hand "$e: by hand: the command" "aliases line $(line support)" 'support: "|/usr/local/bin/ticket --queue support, urgent"' "a command"
  hand "$e: by hand: the file" "aliases line $(line mixed)" "mixed: /var/spool/archive" "a file"
  hand "$e: by hand: a name neither moved nor an address" "aliases line $(line mixed)" "mixed: daemon" "neither a moved user nor an address"
  hand "$e: by hand: the include" "aliases line $(line staff)" "staff: :include:/etc/mail/staff.list" "an :include:"
  hand "$e: by hand: the target's postmaster kept" "aliases line $(line postmaster)" "postmaster: root" "kept the target's"
  hand "$e: by hand: the target's root kept" "aliases line $(line root)" "root: alice" "kept the target's"
  hand "$e: by hand: the .forward's command" "/home/bob/.forward" '"|/usr/bin/vacation bob"' "a command"
  hand "$e: by hand: the .procmailrc" "/home/bob/.procmailrc" "procmail recipes" "procmail is not iRedMail's"
  hand "$e: by hand: a .forward linked out of the homes" "/home/x/.forward" "x" "reached through a link"
  hand "$e: by hand: a .forward with a control byte" "/home/lat/.forward" "lat" "refused as the aliases step"
  says "$e: ... and printed" "$out" "/home/bob/.procmailrc: procmail recipes"
  same "$e: by-hand.tsv is 0600" 600 "$(stat -c %a "$b/accounts/by-hand.tsv")"
  before=$(q "SELECT COUNT(*) FROM forwardings")/$(q "SELECT COUNT(*) FROM alias")
  check "$e: a rerun succeeds" forwardings "$e"
  says "$e: ... finds what it made" "$out" "the alias sales@example.com: made by an earlier run"
  same "$e: ... and adds nothing" "$before" "$(q "SELECT COUNT(*) FROM forwardings")/$(q "SELECT COUNT(*) FROM alias")"
}

# LDAP: the fragments on a private slapd with iRedMail's slapd.conf and
# schema (forward_files, line, hand: above).  The fragments write with slapadd and
# slapmodify, slapd stopped (the wrapper systemctl stops and starts this
# one); the entries are read back with slapcat (iRedMail's ACL gives root
# over ldapi:/// no read below a domain).

# one entry (slapcat -a, slapd may run: mdb), "attr: value" lines of the
# attributes named, sorted
entry() { slapcat -f "$w/slapd.conf" -b dc=example,dc=com -a "(entryDN=$1)" -o ldif_wrap=no 2>/dev/null; }
ls_() { # DN ATTR...
  local dn=$1 re
  shift
  re=$(printf '%s|' "$@")
  entry "$dn" | grep -E "^(${re%|}):" | LC_ALL=C sort
}
udn() { echo "mail=$1,ou=Users,domainName=example.com,o=domains,dc=example,dc=com"; }
adn() { echo "mail=$1,ou=Aliases,domainName=example.com,o=domains,dc=example,dc=com"; }
# one attribute of one entry, read with slapcat (slapd may run: mdb)
attr() { # DN ATTR: its values, one a line, base64 decoded
  local l
  entry "$1" | grep -E "^$2::? " | while IFS= read -r l; do
    case $l in *":: "*) printf '%s' "${l#*:: }" | base64 -d; echo ;; *) echo "${l#*: }" ;; esac
  done
}
entries() { slapcat -f "$w/slapd.conf" -b dc=example,dc=com 2>/dev/null | grep -c '^dn:'; }

ldap_tier() {
  local e=ldap n m
  start_slapd || { bad "ldap: slapd starts with iRedMail's slapd.conf and schema"; return; }
  ok "ldap: a private slapd with iRedMail 1.8.1's slapd.conf and schema (ldapi in the test dir)"
  source_files
  n=$(entries)
  fails "$e: a domain the target lacks is refused" accounts ldap nope.org
  says "$e: ... named" "$out" "refused: nope.org is not one of the target's iRedMail domains"
  same "$e: ... nothing written" "$n" "$(entries)"

  cat > "$w/ldap/taken.ldif" <<'EOF'
dn: mail=bob@example.com,ou=Aliases,domainName=example.com,o=domains,dc=example,dc=com
objectClass: mailAlias
mail: bob@example.com
accountStatus: active
EOF
  "$w/bin/systemctl" stop slapd && slapadd -f "$w/slapd.conf" -b dc=example,dc=com -l "$w/ldap/taken.ldif" >/dev/null 2>&1 && "$w/bin/systemctl" start slapd
  n=$(entries)
  fails "$e: an address the directory has is refused" accounts ldap
  says "$e: ... listed" "$out" "bob@example.com (the source's user bob)"
  same "$e: ... nothing written" "$n" "$(entries)"
  "$w/bin/systemctl" stop slapd
  slapcat -f "$w/slapd.conf" -b dc=example,dc=com > "$w/ldap/all.ldif"
  awk -v RS= -v ORS='\n\n' '!/^dn: mail=bob@example.com,ou=Aliases/' "$w/ldap/all.ldif" > "$w/ldap/keep.ldif"
  rm -rf "$w/ldap/data"/*
  slapadd -f "$w/slapd.conf" -b dc=example,dc=com -l "$w/ldap/keep.ldif" >/dev/null 2>&1
  "$w/bin/systemctl" start slapd

  check "$e: the users become mailUser entries" accounts ldap
  says "$e: ... counted" "$out" "example.com: 6 mailbox(es) created, 0 there from an earlier run, 3 user(s) listed"
  check "$e: ... slapd runs again after the load" test -f "$w/slapd.pid"
  m=$(find "$b/ldap-before" -name "*.ldif" -print -quit 2>/dev/null)
  check "$e: ... the directory as it was kept first (0600, without the new mailboxes, with the domain)" \
    bash -c "[ -n '$m' ] && [ \"\$(stat -c %a '$m')\" = 600 ] && ! grep -q '^dn: mail=alice@example.com,' '$m' && grep -q '^dn: domainName=example.com,' '$m'"
  same "$e: the yescrypt hash verbatim after {CRYPT}" "{CRYPT}$yes_hash" "$(attr "$(udn alice@example.com)" userPassword)"
  same "$e: the sha512-crypt hash verbatim after {CRYPT}" "{CRYPT}$sha_hash" "$(attr "$(udn bob@example.com)" userPassword)"
  m=$(ls_ "$(udn alice@example.com)" objectClass accountStatus mailQuota storageBaseDirectory amavisLocal uid | tr '\n' '|')
  same "$e: the classes and attributes iRedMail sets" \
    "accountStatus: active|amavisLocal: TRUE|mailQuota: 0|objectClass: amavisAccount|objectClass: inetOrgPerson|objectClass: mailUser|objectClass: shadowAccount|objectClass: top|storageBaseDirectory: /var/vmail/vmail1|uid: alice|" "$m"
  same "$e: iRedMail's enabledService list (its tools' 34)" 34 "$(ls_ "$(udn alice@example.com)" enabledService | grep -c '^enabledService: ')"
  m=$(attr "$(udn alice@example.com)" homeDirectory)
  check "$e: homeDirectory, the hashed maildir: $m" grep -qxE '/var/vmail/vmail1/example\.com/a/l/i/alice-[0-9]{4}(\.[0-9]{2}){5}/' <<<"$m"
  same "$e: mailMessageStore below storageBaseDirectory" "$m" "/var/vmail/vmail1/$(attr "$(udn alice@example.com)" mailMessageStore)"
  same "$e: the map's Maildir is homeDirectory's ~/Maildir (Dovecot's user_attrs)" "alice	alice@example.com	${m}Maildir" "$(grep '^alice	' "$b/accounts/map.tsv")"
  same "$e: the hostile GECOS as cn, base64 (cn::), byte for byte" "cn:: $(printf '%s' "$hostile" | base64 -w0)" "$(entry "$(udn eve@example.com)" | grep '^cn:')"
  same "$e: a leading space kept (cn:: base64)" " Lead space" "$(attr "$(udn sp@example.com)" cn)"
  same "$e: the Latin-1 GECOS as UTF-8" "René L" "$(attr "$(udn lat@example.com)" cn)"
  same "$e: locked, empty, bad name: no entry" 0 "$(slapcat -f "$w/slapd.conf" -b dc=example,dc=com -a '(|(uid=carol)(uid=dave)(uid=bad.name))' 2>/dev/null | grep -c '^dn:')"
  says "$e: ... the locked one listed" "$out" "listed, not created: carol: is locked"
  n=$(entries)
  check "$e: a rerun succeeds" accounts ldap
  says "$e: ... the mailboxes there already" "$out" "0 mailbox(es) created, 6 there from an earlier run"
  same "$e: ... nothing added" "$n" "$(entries)"

  forward_files
  check "$e: the aliases and .forward files carried" forwardings ldap
  same "$e: an alias: a mailAlias entry with its members" \
    "accountStatus: active|enabledService: deliver|enabledService: mail|mailForwardingAddress: alice@example.com|mailForwardingAddress: bob@example.com|mailForwardingAddress: partner@other.org|objectClass: mailAlias|" \
    "$(ls_ "$(adn sales@example.com)" objectClass accountStatus enabledService mailForwardingAddress | tr '\n' '|')"
  same "$e: an alias of an alias" "mailForwardingAddress: sales@example.com|mailForwardingAddress: x@example.com|" \
    "$(ls_ "$(adn team@example.com)" mailForwardingAddress | tr '\n' '|')"
  same "$e: a .forward without \\user: forwarded, no copy kept" "alice@newjob.example" "$(attr "$(udn alice@example.com)" mailForwardingAddress)"
  same "$e: a .forward with \\user: a copy kept (its own address)" "bob@phone.example|bob@example.com|" "$(attr "$(udn bob@example.com)" mailForwardingAddress | tr '\n' '|')"
  hand "$e: by hand: the command" "aliases line $(line support)" 'support: "|/usr/local/bin/ticket --queue support, urgent"' "a command"
  hand "$e: by hand: the target's postmaster kept" "aliases line $(line postmaster)" "postmaster: root" "kept the target's"
  hand "$e: by hand: the .procmailrc" "/home/bob/.procmailrc" "procmail recipes" "procmail is not iRedMail's"
  n=$(entries)
  check "$e: a rerun succeeds" forwardings ldap
  same "$e: ... and adds nothing" "$n $(attr "$(udn bob@example.com)" mailForwardingAddress | wc -l)" "$(entries) 2"
  stop_slapd
}
