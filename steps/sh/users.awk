# users: the source's passwd, shadow, group and gshadow (ARGV[1] to
# ARGV[4], -F ':'), read as hostile input; -v min, max: the uid range of the
# real users (gids the same range).  Writes into the directory -v out:
#   users.tsv    name uid gid home shell gecos  (a tab apart, gecos last)
#   shadow       each of those users' shadow line, as the source has it
#   groups.tsv   name gid members               (the groups in the range)
#   gshadow      their gshadow lines, where the source has them
#   primary.tsv  gid name                       (a user's primary group
#                                                outside the range: the target
#                                                must have it)
# and prints, a tab after a letter: E a line refused (the name alone, never a
# hash; control bytes shown as ?), N a notice, S the summary.  Only the lines
# of users in the range are read past their ids: a system account's line
# is left as it is.  Exit status 1 when any line was refused.
function shown(s) {
	gsub(/[^ -~]/, "?", s)
	return length(s) > 40 ? substr(s, 1, 40) "..." : s
}
function refuse(file, name, why) {
	printf "E\t%s line %d, \"%s\": %s\n", file, FNR, shown(name), why
	bad++
}
function uid(s) { return s ~ /^[0-9]+$/ && length(s) <= 10 && s + 0 <= 4294967294 }
function okname(s) { return s ~ /^[a-z_][a-z0-9_.-]*[$]?$/ && length(s) <= 32 }
# a comma-separated list of names (or none)
function oklist(s,    n, i, w) {
	if (s == "")
		return 1
	n = split(s, w, ",")
	for (i = 1; i <= n; i++)
		if (!okname(w[i]))
			return 0
	return 1
}
# a hash or group password: one word of printable characters
function okhash(s) { return s !~ /[^!-~]/ }
function ageing(s) { return s ~ /^(-?[0-9]+)?$/ && length(s) <= 11 }
function skip() { return $0 == "" || $0 ~ /^[+-]/ }
BEGIN {
	P = ARGV[1]; S = ARGV[2]; G = ARGV[3]; GS = ARGV[4]
	min += 0; max += 0
}
FILENAME == P {
	if (skip()) {
		if ($0 != "")
			print "N\tpasswd line " FNR ": a NIS entry (+ or -), not an account: not carried"
		next
	}
	if (NF != 7) { refuse("passwd", $1, "has " NF " fields, not 7"); next }
	if (!uid($3) || !uid($4)) { refuse("passwd", $1, "its uid or gid is not a number"); next }
	if ($3 + 0 < min || $3 + 0 > max) { system_users++; next }
	if (!okname($1)) { refuse("passwd", $1, "is not a user name ([a-z_][a-z0-9_.-]*, at most 32 bytes)"); next }
	if ($1 in home) { refuse("passwd", $1, "is in passwd twice"); next }
	if ($3 in owner) { refuse("passwd", $1, "has uid " $3 ", which " owner[$3] " has too"); next }
	if ($5 ~ /[\001-\037\177]/) { refuse("passwd", $1, "its GECOS holds a control character"); next }
	if ($7 !~ /^\/[A-Za-z0-9._+\/-]*$/ || ("/" $7 "/") ~ /\/\.\.?\// || $7 ~ /\/\//) {
		refuse("passwd", $1, "its shell is not an absolute plain path"); next
	}
	owner[$3] = $1; uidof[$1] = $3; gidof[$1] = $4; home[$1] = $6; shell[$1] = $7; gecos[$1] = $5
	order[++users] = $1
	next
}
FILENAME == S {
	if (!($1 in home))
		next
	if (NF != 9) { refuse("shadow", $1, "has " NF " fields, not 9"); next }
	if ($1 in shadow) { refuse("shadow", $1, "is in shadow twice"); next }
	if (!okhash($2)) { refuse("shadow", $1, "its password field holds a space or a control character"); next }
	if (!ageing($3) || !ageing($4) || !ageing($5) || !ageing($6) || !ageing($7) || !ageing($8)) {
		refuse("shadow", $1, "its ageing fields are not numbers"); next
	}
	shadow[$1] = $0
	next
}
FILENAME == G {
	if (skip())
		next
	if (NF != 4) { refuse("group", $1, "has " NF " fields, not 4"); next }
	if (!uid($3)) { refuse("group", $1, "its gid is not a number"); next }
	if ($3 + 0 < min || $3 + 0 > max) {
		sysname[$3] = $1
		syslist[$1] = $4
		next
	}
	if (!okname($1)) { refuse("group", $1, "is not a group name ([a-z_][a-z0-9_.-]*, at most 32 bytes)"); next }
	if ($1 in gid) { refuse("group", $1, "is in group twice"); next }
	if ($3 in gowner) { refuse("group", $1, "has gid " $3 ", which " gowner[$3] " has too"); next }
	if (!oklist($4)) { refuse("group", $1, "its members are not a list of user names"); next }
	gowner[$3] = $1; gid[$1] = $3; members[$1] = $4
	gorder[++groups] = $1
	next
}
FILENAME == GS {
	if (skip() || !($1 in gid))
		next
	if (NF != 4) { refuse("gshadow", $1, "has " NF " fields, not 4"); next }
	if ($1 in gshadow) { refuse("gshadow", $1, "is in gshadow twice"); next }
	if (!okhash($2)) { refuse("gshadow", $1, "its password field holds a space or a control character"); next }
	if (!oklist($3) || !oklist($4)) { refuse("gshadow", $1, "its administrators or members are not a list of user names"); next }
	gshadow[$1] = $0
}
END {
	for (i = 1; i <= users; i++) {
		n = order[i]
		if (!(n in shadow)) { printf "E\tshadow: \"%s\" has no line there\n", n; bad++ }
		g = gidof[n]
		if (!(g in gowner) && !(g in sysname)) { printf "E\tpasswd: \"%s\" has the primary gid %s, which no group of the source has\n", n, g; bad++ }
		else if (g in sysname && !(g in primary)) { primary[g] = sysname[g]; print g "\t" sysname[g] > (out "/primary.tsv") }
		print n "\t" uidof[n] "\t" g "\t" home[n] "\t" shell[n] "\t" gecos[n] > (out "/users.tsv")
		if (n in shadow)
			print shadow[n] > (out "/shadow")
	}
	for (i = 1; i <= groups; i++) {
		n = gorder[i]
		print n "\t" gid[n] "\t" members[n] > (out "/groups.tsv")
		if (n in gshadow)
			print gshadow[n] > (out "/gshadow")
	}
	# the memberships that stay behind: in a system group, or of a system account
	for (n in syslist) {
		k = split(syslist[n], w, ",")
		for (i = 1; i <= k; i++)
			if (w[i] in home)
				print "N\t" shown(w[i]) " is a member of the system group " shown(n) " on the source: not carried (add it here if it needs it)"
	}
	for (n in members) {
		k = split(members[n], w, ",")
		for (i = 1; i <= k; i++)
			if (w[i] != "" && !(w[i] in home))
				print "N\tthe group " n " has the member " w[i] ", not a user moved: not carried"
	}
	printf "S\t%d user(s) and %d group(s) with ids %d to %d to move; %d account(s) outside that range (the system's) stay\n", users, groups, min, max, system_users
	exit (bad > 0)
}
