# irm-lib: the functions irm-accounts.awk and irm-forwardings.awk share
# (mailshift puts this text before theirs, as one awk program).  Every value
# that reaches SQL or LDIF text goes through sql() or ldif(): the source's
# files are hostile input.  Run with LC_ALL=C: a byte is a character.
#   -v engine=mysql|pgsql|ldap
function irm_init(    i) {
	for (i = 1; i < 256; i++)
		ORD[sprintf("%c", i)] = i
	B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
}
# s as one SQL string literal.  PostgreSQL (standard_conforming_strings on,
# set by the session's first line) reads a backslash as itself: only the
# quote is doubled.  MariaDB reads a backslash as an escape (the session
# sets a sql_mode without NO_BACKSLASH_ESCAPES, and its client splits the
# statements by the same rule): the backslash is doubled too.
function sql(s,    r, i, n, c) {
	r = ""; n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (c == "'")
			r = r "''"
		else if (c == "\\" && engine == "mysql")
			r = r "\\\\"
		else
			r = r c
	}
	return "'" r "'"
}
function b64(s,    r, i, n, a, b, c, v) {
	r = ""; n = length(s)
	for (i = 1; i <= n; i += 3) {
		a = ORD[substr(s, i, 1)]
		b = i + 1 <= n ? ORD[substr(s, i + 1, 1)] : 0
		c = i + 2 <= n ? ORD[substr(s, i + 2, 1)] : 0
		v = a * 65536 + b * 256 + c
		r = r substr(B64, int(v / 262144) + 1, 1) substr(B64, int(v / 4096) % 64 + 1, 1)
		r = r (i + 1 <= n ? substr(B64, int(v / 64) % 64 + 1, 1) : "=")
		r = r (i + 2 <= n ? substr(B64, v % 64 + 1, 1) : "=")
	}
	return r
}
# one LDIF line "attr: value", or "attr:: BASE64" for a value that is not
# a SAFE-STRING (RFC 2849): a byte outside 1-127, CR or LF anywhere, a first
# byte space, colon or "<", or a last byte space
function ldif(attr, v) {
	if (v ~ /[^\001-\177]/ || v ~ /[\r\n]/ || v ~ /^[ :<]/ || v ~ / $/)
		return attr ":: " b64(v)
	return attr ": " v
}
# s when it is UTF-8; else read as ISO-8859-1 (old systems' GECOS) and
# written as UTF-8, so that the database takes it
function utf8(s,    i, n, c, k, j, r) {
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = ORD[substr(s, i, 1)]
		if (c < 128)
			continue
		k = c >= 240 && c < 245 ? 3 : c >= 224 ? 2 : c >= 194 ? 1 : -1
		if (c >= 245)
			k = -1
		if (k < 0 || i + k > n)
			break
		for (j = 1; j <= k; j++)
			if (ORD[substr(s, i + j, 1)] < 128 || ORD[substr(s, i + j, 1)] >= 192)
				break
		if (j <= k)
			break
		i += k
	}
	if (i > n)
		return s
	r = ""
	for (i = 1; i <= n; i++) {
		c = ORD[substr(s, i, 1)]
		r = r (c < 128 ? substr(s, i, 1) : sprintf("%c%c", 192 + int(c / 64), 128 + c % 64))
	}
	return r
}
# a display name from GECOS text: its first field, control bytes as "?",
# UTF-8, at most 64 characters (not cut inside one)
function displayname(g,    n) {
	sub(/,.*/, "", g)
	gsub(/[\001-\037\177]/, "?", g)
	g = utf8(g)
	if (length(g) > 64) {
		g = substr(g, 1, 64)
		while (length(g) > 0 && ORD[substr(g, length(g), 1)] >= 128 && utf8(g) != g)
			g = substr(g, 1, length(g) - 1)
	}
	return g
}
# shown to the admin: printable ASCII, at most 120 bytes
function shown(s) {
	gsub(/[^ -~]/, "?", s)
	return length(s) > 120 ? substr(s, 1, 120) "..." : s
}
# the hashed maildir iRedMail's tools make: DOMAIN/u/s/e/USER-DATE/ (a
# shorter name repeats its last letter)
function maildir(user, dom, date,    s1, s2, s3) {
	s1 = substr(user, 1, 1)
	s2 = length(user) >= 2 ? substr(user, 2, 1) : s1
	s3 = length(user) >= 3 ? substr(user, 3, 1) : s2
	return dom "/" s1 "/" s2 "/" s3 "/" user "-" date "/"
}
# the LDAP DNs of iRedMail's accounts
function userdn(addr) { return "mail=" addr ",ou=Users,domainName=" domain ",o=domains," suffix }
function aliasdn(addr) { return "mail=" addr ",ou=Aliases,domainName=" domain ",o=domains," suffix }
# an address mailshift carries as it is: one @, a plain local part, a
# domain name
function address(s) { return s ~ /^[A-Za-z0-9!#$%&*+\/=?^_`{|}~.-]+@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/ && length(s) <= 254 }
