# census-mbox.awk: the Dovecot census's lines (census-mbox.sh, mbox-lib.sh's
# ms_dovecot_list) from doveadm's tab-separated answers, each tagged by the
# pass it comes from and each with its header first (the columns are found
# by name: doveadm orders them its own way):
#   S  mailbox status: [username] mailbox messages uidnext uidvalidity guid
#   M  fetch: [username] mailbox uid flags guid size.virtual pop3.uidl
#   L  mailbox list -s: [username] mailbox (the subscriptions)
#   C  key value (passed through)
# -v sep: the host's hierarchy separator (folders are named with "/" here);
# -v user: the user when doveadm was asked for one (no username column);
# -v want=FILE: the users asked for, one a line (one Dovecot says does
# not exist is an E line; one it found with no folder at all, an A line of
# noughts); -v errors=FILE: doveadm's messages ("doveadm(USER): Error: ..." or, for a
# single user, "... Error: ...").  Prints, tab-separated (census-mbox.sh):
#   C key value
#   A user folders messages unseen
#   E user why                      Dovecot could not read this user's mail
#   F user folder messages uidvalidity uidnext mailbox-guid
#   M user folder uid flags guid size.virtual pop3-uidl
#   S user folder                   a subscription
# flags: the system flags, then the keywords, each sorted; \Recent left out (it belongs to a session), "-" for none;
# pop3-uidl: the UIDL Dovecot stored for the message, else the one
# pop3_uidl_format makes of the UID and UIDVALIDITY (%u %v, with a width,
# 0 and X: what Dovecot's POP3 server shows), "-" for a format made of
# anything else.  A folder with no message that is the parent of another
# (mbox: a directory, not a mailbox; Maildir++: an empty folder dsync makes
# for it) is left out: no client can lose anything there.
function name(f,  i, o) {
  if (sep == "/" || sep == "") return f
  o = ""; while ((i = index(f, sep)) > 0) { o = o substr(f, 1, i - 1) "/"; f = substr(f, i + length(sep)) }
  return o f
}
function col(tag, key) { return (tag SUBSEP key) in ix ? $(ix[tag, key]) : "" }
function who() { return ((tag SUBSEP "username") in ix) ? $(ix[tag, "username"]) : user }
function hex(n,  s, d) { n += 0; s = ""; do { d = n % 16; s = substr("0123456789abcdef", d + 1, 1) s; n = int(n / 16) } while (n > 0); return s }
# pop3_uidl_format applied to UID and UIDVALIDITY, or "-"
function uidl(u, v,  f, out, c, w, pad, hx, k, val) {
  f = fmt; out = ""
  while (f != "") {
    c = substr(f, 1, 1); f = substr(f, 2)
    if (c != "%") { out = out c; continue }
    if (substr(f, 1, 1) == "%") { out = out "%"; f = substr(f, 2); continue }
    pad = " "; w = 0; hx = 0
    if (substr(f, 1, 1) == "0") { pad = "0"; f = substr(f, 2) }
    while (substr(f, 1, 1) ~ /[0-9]/) { w = w * 10 + substr(f, 1, 1); f = substr(f, 2) }
    if (substr(f, 1, 1) == "X") { hx = 1; f = substr(f, 2) }
    k = substr(f, 1, 1)
    if (k == "{") { k = substr(f, 2, index(f, "}") - 2); f = substr(f, index(f, "}") + 1) } else f = substr(f, 2)
    if (k == "u" || k == "uid") val = u
    else if (k == "v" || k == "uidvalidity") val = v
    else return "-"
    if (hx) val = hex(val)
    while (length(val) < w) val = pad val
    out = out val
  }
  return out == "" ? "-" : out
}
# system flags (\Seen) before keywords, each kind in byte order
function key(f) { return (substr(f, 1, 1) == "\\" ? "0" : "1") f }
function flags(s,  n, a, i, j, t, o) {
  n = split(s, a, " "); o = ""
  for (i = 2; i <= n; i++) for (j = i; j > 1 && key(a[j - 1]) > key(a[j]); j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
  for (i = 1; i <= n; i++) if (a[i] != "\\Recent" && a[i] != "") o = o (o == "" ? "" : " ") a[i]
  return o == "" ? "-" : o
}
$1 == "C" { print; if ($2 == "pop3_uidl_format") fmt = $3; next }
{
  tag = $1; $0 = substr($0, 3)
  if (!(tag in head)) { head[tag] = 1; for (i = 1; i <= NF; i++) ix[tag, tolower($i)] = i; next }
  u = who(); f = name(col(tag, "mailbox"))
  if (u == "") next
  users[u] = 1
  if (tag == "S") {
    k = u SUBSEP f; fold[k] = 1
    fm[k] = col(tag, "messages"); fv[k] = col(tag, "uidvalidity"); fn[k] = col(tag, "uidnext"); fg[k] = col(tag, "guid")
  } else if (tag == "M") {
    fl = flags(col(tag, "flags")); id = col(tag, "pop3.uidl")
    msg[++nm] = u SUBSEP f SUBSEP col(tag, "uid") SUBSEP fl SUBSEP col(tag, "guid") SUBSEP col(tag, "size.virtual") SUBSEP id
    if (fl !~ /\\Seen/) unseen[u]++
    count[u]++
  } else if (tag == "L") print "S", u, f
}
END {
  for (k in fold) { split(k, p, SUBSEP); kids[p[1], p[2]] = 0 }
  for (k in fold) { split(k, p, SUBSEP); f = p[2]; while (sub(/\/[^\/]*$/, "", f)) if ((p[1] SUBSEP f) in kids) kids[p[1], f]++ }
  for (k in fold) {
    split(k, p, SUBSEP)
    if (fm[k] + 0 == 0 && kids[k] > 0) continue
    nf[p[1]]++
    print "F", p[1], p[2], fm[k], fv[k], fn[k], fg[k]
  }
  for (i = 1; i <= nm; i++) {
    split(msg[i], m, SUBSEP); k = m[1] SUBSEP m[2]
    print "M", m[1], m[2], m[3], m[4], m[5], m[6], (m[7] != "" ? m[7] : uidl(m[3], fv[k]))
  }
  while ((getline line < errors) > 0) {
    e = user
    if (match(line, /^doveadm\([^)]*\)/)) e = substr(line, 9, RLENGTH - 9)
    else if (match(line, /^dsync\([^)]*\)/)) e = substr(line, 7, RLENGTH - 7)
    sub(/\t.*/, "", e)
    if (line ~ /User no longer exists/) { gone[e] = 1; continue }
    if (line !~ /Error:/) continue
    if (e == "" || (e in err)) continue
    sub(/^.*Error: /, "", line); gsub(/[^[:print:]]/, "?", line)
    err[e] = line; users[e] = 1
    print "E", e, line
  }
  while ((getline line < want) > 0)
    if (line != "" && !(line in users)) {
      users[line] = 1
      if (line in gone) { print "E", line, "the host's Dovecot does not find this user"; err[line] = 1 }
    }
  for (u in users) if (!(u in err)) print "A", u, nf[u] + 0, count[u] + 0, unseen[u] + 0
}
