# users-target: the users and groups to move (users.awk's users.tsv,
# groups.tsv and primary.tsv, a tab apart) against the target's own (its
# passwd and group, ':' apart, read first): ARGV[1] passwd, ARGV[2] group,
# ARGV[3] users.tsv, ARGV[4] groups.tsv, ARGV[5] primary.tsv.  Prints, a
# tab after the letters:
#   C  what stops the step: a name of the target's with other ids, an id of
#      the target's with another name, a primary group the target lacks
#   GA NAME      a group already here with the same gid
#   GC NAME GID  a group to create
#   UA NAME      a user already here with the same uid and gid
#   UC NAME      a user to create
# The target's own files are trusted; the rest was checked by users.awk.
FILENAME == ARGV[1] {
	n = split($0, f, ":")
	if (n < 4) next
	if (!(f[1] in tuid)) { tuid[f[1]] = f[3]; tgid[f[1]] = f[4] }
	uidnames[f[3]] = uidnames[f[3]] " " f[1]
	next
}
FILENAME == ARGV[2] {
	n = split($0, f, ":")
	if (n < 3) next
	if (!(f[1] in tggid)) tggid[f[1]] = f[3]
	gidnames[f[3]] = gidnames[f[3]] " " f[1]
	next
}
# another name than NAME among the names of an id here (" a b"), or ""
function other(names, name,    n, i, w) {
	n = split(names, w, " ")
	for (i = 1; i <= n; i++)
		if (w[i] != name)
			return w[i]
	return ""
}
FILENAME == ARGV[3] {
	split($0, f, "\t")
	name = f[1]; uid = f[2]; gid = f[3]; bad = 0
	if (name in tuid && (tuid[name] != uid || tgid[name] != gid)) {
		printf "C\tthe user %s is here with uid %s and gid %s; on the source, %s and %s\n", name, tuid[name], tgid[name], uid, gid
		bad = 1
	}
	if ((o = other(uidnames[uid], name)) != "") {
		printf "C\tthe uid %s is %s's here; on the source, %s's\n", uid, o, name
		bad = 1
	}
	if (!bad)
		print (name in tuid ? "UA\t" name : "UC\t" name)
	next
}
FILENAME == ARGV[4] {
	split($0, f, "\t")
	name = f[1]; gid = f[2]; bad = 0
	if (name in tggid && tggid[name] != gid) {
		printf "C\tthe group %s is here with gid %s; on the source, %s\n", name, tggid[name], gid
		bad = 1
	}
	if ((o = other(gidnames[gid], name)) != "") {
		printf "C\tthe gid %s is the group %s's here; on the source, %s's\n", gid, o, name
		bad = 1
	}
	if (!bad)
		print (name in tggid ? "GA\t" name : "GC\t" name "\t" gid)
	next
}
FILENAME == ARGV[5] {
	split($0, f, "\t")
	if (!(f[2] in tggid) || tggid[f[2]] != f[1])
		printf "C\tthe group %s (gid %s), a primary group of users moved, is not here with that gid\n", f[2], f[1]
}
