# irm-accounts: the source's real users as iRedMail mailboxes (after
# irm-lib.awk).  ARGV[1] the source's passwd, ARGV[2] its shadow (-F ':',
# hostile input), ARGV[3] the addresses the target has (one a line,
# lower case), ARGV[4] the map an earlier run wrote (user, address, path: a
# tab apart; /dev/null for none).  -v min, max: the uid range of the real
# users (ms_uid_range, as the users step picks them); engine; domain; date
# (the maildirs' time stamp, %Y.%m.%d.%H.%M.%S); base, node (/var/vmail,
# vmail1); suffix and today (days since 1970) for LDAP; out: a directory.
# Writes out/load (the SQL statements or the LDIF entries of the new
# mailboxes) and out/map.add (user, address, the Maildir Dovecot opens).
# Prints, a tab after a letter: C user address  (the target has it: a
# conflict), L user why  (listed, not created), K user address  (created
# by an earlier run: already there), M user address  (to create).  Never a
# hash.
function uid(s) { return s ~ /^[0-9]+$/ && length(s) <= 10 && s + 0 <= 4294967294 }
function list(user, why) { printf "L\t%s\t%s\n", shown(user), why }
BEGIN {
	irm_init()
	P = ARGV[1]; S = ARGV[2]; X = ARGV[3]; MAP = ARGV[4]
	min += 0; max += 0
}
FILENAME == P {
	if ($0 == "" || $0 ~ /^[+-]/ || !uid($3) || $3 + 0 < min || $3 + 0 > max)
		next
	if (NF != 7) { list($1, "passwd line " FNR " has " NF " fields, not 7"); next }
	if ($1 !~ /^[a-z_][a-z0-9_.-]*$/ || length($1) > 32) {
		list($1, "not a plain system name ([a-z_][a-z0-9_.-]*, at most 32 bytes): no address made of it"); next
	}
	if ($1 in gecos) { list($1, "in passwd twice"); next }
	gecos[$1] = $5
	order[++n] = $1
	next
}
FILENAME == S {
	if (($1 in gecos) && !($1 in hash)) {
		hash[$1] = $2
		shadowed[$1] = NF
	}
	next
}
FILENAME == X { have[$0] = 1; next }
FILENAME == MAP { split($0, f, "\t"); mapped[f[1]] = f[2]; next }
function mailbox(user, addr, name, hash, dir,    e, i) {
	if (engine == "ldap") {
		print "dn: " userdn(addr) > LOAD
		print "objectClass: inetOrgPerson\nobjectClass: shadowAccount\nobjectClass: amavisAccount\nobjectClass: mailUser\nobjectClass: top" > LOAD
		print "accountStatus: active\nmail: " addr "\nuid: " user "\nsn: " user "\ngivenName: " user > LOAD
		print ldif("cn", name) > LOAD
		print ldif("userPassword", "{CRYPT}" hash) > LOAD
		print "mailQuota: 0\nstorageBaseDirectory: " base "/" node "\nmailMessageStore: " dir > LOAD
		print "homeDirectory: " base "/" node "/" dir > LOAD
		print "shadowLastChange: " today "\namavisLocal: TRUE" > LOAD
		split("internal doveadm lib-storage quota-status indexer-worker dsync mail pop3 pop3secured pop3tls imap imapsecured imaptls smtp smtpsecured smtptls managesieve managesievesecured managesievetls sieve sievesecured sievetls deliver lda lmtp forward senderbcc recipientbcc shadowaddress displayedInGlobalAddressBook sogo sogowebmail sogocalendar sogoactivesync", e, " ")
		for (i = 1; e[i] != ""; i++)
			print "enabledService: " e[i] > LOAD
		print "" > LOAD
		return
	}
	printf "INSERT INTO mailbox (username, password, name, storagebasedirectory, storagenode, maildir, quota, domain, active, passwordlastchange, created) VALUES (%s, %s, %s, %s, %s, %s, 0, %s, 1, NOW(), NOW());\n",
		sql(addr), sql("{CRYPT}" hash), sql(name), sql(base), sql(node), sql(dir), sql(domain) > LOAD
	# the row iRedMail adds with every mailbox: its mail is delivered to it
	printf "INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_forwarding) VALUES (%s, %s, %s, %s, 1);\n",
		sql(addr), sql(addr), sql(domain), sql(domain) > LOAD
}
END {
	LOAD = out "/load"; MAPADD = out "/map.add"
	printf "" > LOAD; printf "" > MAPADD
	for (k = 1; k <= n; k++) {
		u = order[k]
		if (!(u in hash)) { list(u, "has no line in shadow: no password to carry"); continue }
		if (shadowed[u] != 9) { list(u, "its shadow line has " shadowed[u] " fields, not 9"); continue }
		h = hash[u]
		if (h == "") { list(u, "has an empty password: not created (an account anyone could log in to)"); continue }
		if (h ~ /^[!*]/) { list(u, "is locked (its password starts with " substr(h, 1, 1) "): not created, the admin decides"); continue }
		if (h ~ /[^!-~]/) { list(u, "its password field holds a space or a control byte: not a hash"); continue }
		a = u "@" domain
		if (a in have) {
			if (mapped[u] == a)
				printf "K\t%s\t%s\n", u, a
			else
				printf "C\t%s\t%s\n", u, a
			continue
		}
		name = displayname(gecos[u])
		if (name == "")
			name = u
		dir = maildir(u, domain, date)
		mailbox(u, a, name, h, dir)
		printf "%s\t%s\t%s/%s/%sMaildir\n", u, a, base, node, dir > MAPADD
		printf "M\t%s\t%s\n", u, a
	}
	close(LOAD); close(MAPADD)
}
