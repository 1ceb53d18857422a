# aliases: an aliases(5) file read the way its MTA reads it.  A logical
# line starts at a line that does not begin with whitespace and goes on over
# the lines that do; lines that are empty or whose first non-blank is "#"
# are skipped (they neither end nor join an entry).  An entry is
# "name: target, target, ...", a comma inside double quotes belonging to its
# target ("|/usr/bin/cmd a, b").  Names compare case-blind, as postalias and
# sendmail fold them; targets compare as a set.
#
# -v mode=source: ARGV[1] the source's file, read as hostile input.  A name
#   must be [a-z0-9._+-]+ (after folding) and at most 64 bytes, listed once;
#   every line of an entry printable ASCII or tabs; quotes balanced; at least
#   one target.  Prints, a tab after a letter:
#     A name line targets       an entry (targets a ", " apart)
#     R name line kind target   a target to review: pipe, file or include
#     E why                     an entry refused, named by its line, control
#                               bytes shown as ?
#   Exit status 1 when any entry was refused.
# -v mode=merge: ARGV[1] the target's own file (its entries as they are;
#   the first of a name counts, as postalias keeps it), ARGV[2] the source's
#   A and R lines.  Prints:
#     N name targets            a name only the source has: to add
#     S name                    both have it with the same targets
#     C name line tshown sshown both have it, the targets differ: the
#                               target's stays (its line shown with ?)
#     V name line kind target   an R line of a name added or the same here
function shown(s) {
	gsub(/[^ -~]/, "?", s)
	return length(s) > 120 ? substr(s, 1, 120) "..." : s
}
function refuse(line, name, why) {
	printf "E\tline %d, \"%s\": %s\n", line, shown(name), why
	bad++
}
function namepart(s,    i) {
	i = index(s, ":")
	s = i ? substr(s, 1, i - 1) : s
	sub(/[ \t]+$/, "", s)
	return s
}
# splits the targets of s into IT[1..n], commas in quotes kept; -1 when a
# quote is left open
function add(w, n) {
	gsub(/^[ \t]+|[ \t]+$/, "", w)
	if (w != "")
		IT[++n] = w
	return n
}
function items(s,    n, i, c, q, w, len) {
	n = 0; q = 0; w = ""; len = length(s)
	for (i = 1; i <= len; i++) {
		c = substr(s, i, 1)
		if (c == "\"")
			q = !q
		if (c == "," && !q) {
			n = add(w, n); w = ""
			continue
		}
		w = w c
	}
	return q ? -1 : add(w, n)
}
function joined(n,    i, s) {
	s = IT[1]
	for (i = 2; i <= n; i++)
		s = s ", " IT[i]
	return s
}
# the targets of s as a set: sorted, one text
function key(s,    n, i, j, t) {
	n = items(s)
	if (n < 0)
		return s
	for (i = 2; i <= n; i++) {
		t = IT[i]
		for (j = i - 1; j >= 1 && IT[j] > t; j--)
			IT[j + 1] = IT[j]
		IT[j + 1] = t
	}
	return joined(n)
}
function kind(t,    u) {
	u = t
	if (u ~ /^"/)
		u = substr(u, 2)
	if (u ~ /^\|/)
		return "pipe"
	if (u ~ /^\//)
		return "file"
	if (tolower(u) ~ /^:include:/)
		return "include"
	return ""
}
function entry(text, line,    i, name, n, k) {
	i = index(text, ":")
	name = namepart(text)
	if (mode != "source") {
		name = tolower(name)
		if (!i || (name in tkey))
			return
		n = items(substr(text, i + 1))
		tval[name] = n > 0 ? joined(n) : substr(text, i + 1)
		tkey[name] = key(tval[name])
		return
	}
	if (!i)
		return refuse(line, name, "has no colon: not \"name: target, ...\"")
	name = tolower(name)
	if (name !~ /^[a-z0-9._+-]+$/)
		return refuse(line, name, "is not an alias name (letters, digits and . _ + - only)")
	if (length(name) > 64)
		return refuse(line, name, "is longer than 64 bytes")
	if (name in first)
		return refuse(line, name, "is listed already, on line " first[name])
	first[name] = line
	n = items(substr(text, i + 1))
	if (n < 0)
		return refuse(line, name, "has a double quote left open")
	if (n == 0)
		return refuse(line, name, "has no target")
	for (i = 1; i <= n; i++)
		if (IT[i] ~ /\t/)
			return refuse(line, name, "has a tab inside a target")
	printf "A\t%s\t%d\t%s\n", name, line, joined(n)
	for (i = 1; i <= n; i++)
		if ((k = kind(IT[i])) != "")
			printf "R\t%s\t%d\t%s\t%s\n", name, line, k, IT[i]
}
function flush() {
	if (cur != "" && !curbad)
		entry(cur, curline)
	cur = ""; curbad = 0
}
BEGIN { FS = "\t" }
FILENAME != last { flush(); last = FILENAME }
# the source's entries, against the target's (mode merge)
mode == "merge" && FILENAME == ARGV[2] {
	if ($1 == "A") {
		if (!($2 in tkey)) {
			printf "N\t%s\t%s\n", $2, $4
			here[$2] = 1
		} else if (tkey[$2] == key($4)) {
			printf "S\t%s\n", $2
			here[$2] = 1
		} else {
			printf "C\t%s\t%s\t%s\t%s\n", $2, $3, shown(tval[$2]), $4
		}
	} else if ($1 == "R") {
		rv[++nr] = $0
	}
	next
}
/^[ \t]*#/ || /^[ \t]*$/ { next }
mode == "source" && /[^ -~\t]/ {
	refuse(FNR, /^[ \t]/ ? namepart(cur) : namepart($0),
	       "holds a byte that is not printable text (shown as ?): a control byte, a carriage return or a non-ASCII byte")
	if (/^[ \t]/) {
		curbad = 1
	} else {
		flush(); cur = $0; curline = FNR; curbad = 1
	}
	next
}
/^[ \t]/ {
	if (cur == "" && !curbad) {
		if (mode == "source")
			refuse(FNR, $0, "continues no entry (it starts with whitespace)")
		next
	}
	line = $0
	sub(/^[ \t]+/, "", line)
	cur = cur " " line
	next
}
{ flush(); cur = $0; curline = FNR }
END {
	flush()
	for (i = 1; i <= nr; i++) {
		split(rv[i], f, "\t")
		if (f[2] in here)
			printf "V\t%s\t%s\t%s\t%s\n", f[2], f[3], f[4], f[5]
	}
	exit bad ? 1 : 0
}
