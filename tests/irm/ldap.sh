# shellcheck shell=bash
# shellcheck disable=SC2154 # run.sh's: b out w hostile yes_hash sha_hash, its helpers
# tests/irm/ldap.sh: irm-accounts.sh and irm-forwardings.sh on a private
# slapd with iRedMail's slapd.conf and schema (sourced by run.sh, after
# sql.sh: forward_files, line, hand).  The fragments write with slapadd and
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
