# irm-forwardings: the source's aliases and its users' .forward files as
# iRedMail aliases and forwardings (after irm-lib.awk).  -F '\t'.
# ARGV[1] the source's aliases as aliases.awk (mode source) read them, A,
#   R and E lines; ARGV[2] the .forward files the same way, each file one
#   entry named after its user; ARGV[3] the map irm-accounts.sh wrote (user,
#   address, path); ARGV[4] the addresses the target has (lower case);
#   ARGV[5] the names of the target's own aliases file (lower case);
#   ARGV[6] where each user's files are (user, HOME); ARGV[7] what an earlier
#   run made (alias ADDRESS, user USER).
# -v engine, domain, suffix (LDAP), out: a directory.  Writes out/load (SQL),
# or out/add (new LDIF entries) and out/modify (LDIF changes); out/done
# (what this run made, the format of ARGV[7]).  Prints, a tab after a
# letter: B where what why (listed for the admin: by hand), A address n
# (an alias made, its n addresses), F user n keep (a forwarding made),
# T name (kept the target's), D what (made by an earlier run).
function hand(where, what, why) { printf "B\t%s\t%s\t%s\n", where, shown(what), why }
BEGIN {
	irm_init()
	AL = ARGV[1]; FW = ARGV[2]; MAP = ARGV[3]; HAVE = ARGV[4]; TNAMES = ARGV[5]; HOMES = ARGV[6]; DONE = ARGV[7]
}
FILENAME == AL && $1 == "A" { an[++nal] = $2; aline[$2] = $3; atargets[$2] = $4; next }
FILENAME == AL && $1 == "R" { kind[$2 SUBSEP $5] = $4; next }
FILENAME == AL && $1 == "E" {
	where = $2; sub(/,.*/, "", where)
	hand("aliases " where, $2, "refused as the aliases step refuses it: carry it by hand")
	next
}
FILENAME == FW && $1 == "A" { fn[++nfw] = $2; ftargets[$2] = $4; next }
FILENAME == FW && $1 == "R" { fkind[$2 SUBSEP $5] = $4; next }
FILENAME == FW && $1 == "E" {
	n = $2; sub(/^[^"]*"/, "", n); sub(/".*/, "", n)
	why = $2; sub(/^[^:]*: /, "", why)
	bad_forward[n] = why
	next
}
FILENAME == MAP { mapped[$1] = $2; next }
FILENAME == HAVE { have[$1] = 1; next }
FILENAME == TNAMES { tname[$1] = 1; next }
FILENAME == HOMES { home[$1] = $2; next }
FILENAME == DONE { done[$0] = 1; next }
# the targets of list s into T[1..n] (quotes keep a comma, as aliases.awk
# wrote them: ", " apart)
function split_targets(s,    n, i, c, q, w, len) {
	n = 0; q = 0; w = ""; len = length(s)
	for (i = 1; i <= len; i++) {
		c = substr(s, i, 1)
		if (c == "\"")
			q = !q
		if (c == "," && !q) {
			sub(/^ +/, "", w); if (w != "") T[++n] = w
			w = ""
			continue
		}
		w = w c
	}
	sub(/^ +/, "", w); if (w != "") T[++n] = w
	return n
}
# the address target t reaches here, "" when none: a moved user, an
# address, an alias of the source that is made, an address the target has
function dest(t,    l) {
	l = tolower(t)
	sub(/^\\/, "", l)
	if (l ~ /@/)
		return address(l) ? l : ""
	if (l in mapped)
		return mapped[l]
	if ((l in made) || (l "@" domain in have))
		return l "@" domain
	return ""
}
function reason(t, k) {
	if (k == "pipe") return "a command (pipe): run by the old MTA, not by iRedMail"
	if (k == "file") return "a file: delivered by the old MTA, not by iRedMail"
	if (k == "include") return "an :include: list: its file is not carried"
	if (t ~ /@/) return "not an address mailshift can read"
	return "neither a moved user nor an address"
}
function forwarding(user, s, where, kinds,    n, i, t, d, addr, keep, m, seen, list) {
	addr = mapped[user]
	if (("user " user) in done) { printf "D\tthe forwarding of %s\n", addr; return }
	n = split_targets(s); keep = 0; m = 0
	for (i = 1; i <= n; i++) {
		t = T[i]
		if ((user SUBSEP t) in kinds) { hand(where, t, reason(t, kinds[user SUBSEP t])); continue }
		d = dest(t)
		if (d == addr) { keep = 1; continue }
		if (d == "") { hand(where, t, reason(t, "")); continue }
		if (!(d in seen)) { seen[d] = 1; list[++m] = d }
	}
	if (m == 0)
		return
	if (engine == "ldap") {
		print "dn: " userdn(addr) "\nchangetype: modify\nadd: mailForwardingAddress" > MOD
		for (i = 1; i <= m; i++)
			print ldif("mailForwardingAddress", list[i]) > MOD
		if (keep)
			print "mailForwardingAddress: " addr > MOD
		print "-\n" > MOD
	} else {
		for (i = 1; i <= m; i++)
			printf "%s INTO forwardings (address, forwarding, domain, dest_domain, is_forwarding) VALUES (%s, %s, %s, %s, 1)%s;\n",
				engine == "mysql" ? "INSERT IGNORE" : "INSERT", sql(addr), sql(list[i]), sql(domain),
				sql(substr(list[i], index(list[i], "@") + 1)), engine == "mysql" ? "" : " ON CONFLICT (address, forwarding) DO NOTHING" > LOAD
		# no copy kept: the mailbox's own row goes, as iRedAdmin does it
		if (!keep)
			printf "DELETE FROM forwardings WHERE address = %s AND forwarding = %s;\n", sql(addr), sql(addr) > LOAD
	}
	print "user " user > DONEOUT
	printf "F\t%s\t%d\t%s\n", addr, m, keep ? "a copy kept" : "no copy kept"
}
function alias(name, addr, m, list,    i) {
	if (engine == "ldap") {
		print "dn: " aliasdn(addr) "\nobjectClass: mailAlias\nmail: " addr "\ncn: " name > ADD
		print "accountStatus: active\nenabledService: mail\nenabledService: deliver" > ADD
		for (i = 1; i <= m; i++)
			print ldif("mailForwardingAddress", list[i]) > ADD
		print "" > ADD
	} else {
		printf "INSERT INTO alias (address, name, domain, active, created) VALUES (%s, %s, %s, 1, NOW());\n",
			sql(addr), sql(name), sql(domain) > LOAD
		for (i = 1; i <= m; i++)
			printf "INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_list) VALUES (%s, %s, %s, %s, 1);\n",
				sql(addr), sql(list[i]), sql(domain), sql(substr(list[i], index(list[i], "@") + 1)) > LOAD
	}
	print "alias " addr > DONEOUT
	printf "A\t%s\t%d\n", addr, m
}
END {
	LOAD = out "/load"; ADD = out "/add"; MOD = out "/modify"; DONEOUT = out "/done"
	printf "" > LOAD; printf "" > ADD; printf "" > MOD; printf "" > DONEOUT
	# which aliases are made: those with a target that reaches an address,
	# over aliases of aliases until nothing changes
	do {
		changed = 0
		for (k = 1; k <= nal; k++) {
			a = an[k]
			if ((a in made) || (a in mapped) || (a "@" domain in have) || (a in tname))
				continue
			n = split_targets(atargets[a])
			for (i = 1; i <= n; i++)
				if (!((a SUBSEP T[i]) in kind) && dest(T[i]) != "") { made[a] = 1; changed = 1; break }
		}
	} while (changed)
	for (k = 1; k <= nal; k++) {
		a = an[k]; where = "aliases line " aline[a]
		if (a in mapped) { forwarding(a, atargets[a], where, kind); continue }
		if (("alias " a "@" domain) in done) { printf "D\tthe alias %s\n", a "@" domain; continue }
		if ((a "@" domain in have) || (a in tname)) {
			hand(where, a ": " atargets[a], "kept the target's: it has " (a in tname ? "its own alias " a : a "@" domain " already"))
			printf "T\t%s\n", a
			continue
		}
		n = split_targets(atargets[a]); m = 0
		delete seen; delete list
		for (i = 1; i <= n; i++) {
			t = T[i]
			if ((a SUBSEP t) in kind) { hand(where, a ": " t, reason(t, kind[a SUBSEP t])); continue }
			d = dest(t)
			if (d == "") { hand(where, a ": " t, reason(t, "")); continue }
			if (!(d in seen)) { seen[d] = 1; list[++m] = d }
		}
		if (m > 0)
			alias(a, a "@" domain, m, list)
		else
			hand(where, a, "nothing of it can be carried: no alias made")
	}
	for (k = 1; k <= nfw; k++)
		forwarding(fn[k], ftargets[fn[k]], home[fn[k]] "/.forward", fkind)
	for (u in bad_forward)
		hand(home[u] "/.forward", u, "refused as the aliases step would refuse it: " bad_forward[u])
	close(LOAD); close(ADD); close(MOD); close(DONEOUT)
}
