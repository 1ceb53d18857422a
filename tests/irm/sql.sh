# shellcheck shell=bash
# shellcheck disable=SC2154 # run.sh's: b out w hostile yes_hash sha_hash, its helpers
# tests/irm/sql.sh: irm-accounts.sh and irm-forwardings.sh on a private
# MariaDB or PostgreSQL with iRedMail's schema (sourced by run.sh).

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
  says "$e: ... counted" "$out" "example.com: 5 mailbox(es) created, 0 there from an earlier run, 3 user(s) listed"
  same "$e: ... five mailboxes, one row each" "6 6" "$(rows mailbox) $(rows forwardings)"
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
  same "$e: the map has the five" 5 "$(wc -l < "$b/accounts/map.tsv")"

  check "$e: a rerun succeeds" accounts "$e"
  says "$e: ... the mailboxes there already" "$out" "0 mailbox(es) created, 5 there from an earlier run"
  same "$e: ... nothing added" "6 6 5" "$(rows mailbox) $(rows forwardings) $(wc -l < "$b/accounts/map.tsv")"
  mv "$b/accounts/map.tsv" "$w/map.kept"
  fails "$e: without the map those addresses are the target's: refused" accounts "$e"
  mv "$w/map.kept" "$b/accounts/map.tsv"

  sql_forwardings "$e"
  if [ "$engine" = mysql ]; then stop_mariadb; else stop_pgsql; fi
}

sql_forwardings() {
  :
}
