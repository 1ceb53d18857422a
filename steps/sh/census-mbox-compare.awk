# census-mbox-compare.awk: what differs between two Dovecot censuses
# (census-mbox.awk's lines), user by user.  Input: "comm -3 SOURCE TARGET"
# (a line only in the source as it is, one only in the target after a tab).
# -v max=N: users named at most.  Prints "  user: what; what" lines, then
# "differ N" (the users that differ).
function add(u, text) {
  if (!(u in desc)) { desc[u] = text; order[++nu] = u } else if (length(desc[u]) < 2000) desc[u] = desc[u] "; " text
}
function other(side) { return side == "s" ? "t" : "s" }
function where(side) { return side == "s" ? "the source" : "the target" }
{
  side = "s"; line = $0
  if (substr(line, 1, 1) == "\t") { side = "t"; line = substr(line, 2) }
  n = split(line, f, "\t")
  if (f[1] == "C") { conf[f[2], side] = f[3]; ck[f[2]] = 1; next }
  u = f[2]
  if (f[1] == "E") { add(u, where(side) "'s Dovecot cannot read it: " f[3]); next }
  if (f[1] == "A") next
  if (f[1] == "S") { add(u, f[3] ": subscribed on " where(side) " only"); next }
  if (f[1] == "F") { k = u SUBSEP f[3]; fold[k, side] = line; if (!(k in fk)) { fk[k] = 1; fks[++nfk] = k }; next }
  if (f[1] == "M") { k = u SUBSEP f[3] SUBSEP f[4]; msg[k, side] = line; if (!(k in mk)) { mk[k] = 1; mks[++nmk] = k } }
}
END {
  for (key in ck)
    if (conf[key, "s"] != conf[key, "t"]) add("(settings)", key " is " conf[key, "s"] " on the source, " conf[key, "t"] " on the target")
  for (i = 1; i <= nfk; i++) {
    k = fks[i]; split(k, p, SUBSEP); u = p[1]
    if (!((k, "t") in fold)) { split(fold[k, "s"], a, "\t"); add(u, p[2] ": folder missing on the target (" a[4] " messages)"); nofold[k] = 1; continue }
    if (!((k, "s") in fold)) { split(fold[k, "t"], b, "\t"); add(u, p[2] ": folder only on the target (" b[4] " messages)"); nofold[k] = 1; continue }
    split(fold[k, "s"], a, "\t"); split(fold[k, "t"], b, "\t")
    if (a[5] != b[5]) add(u, p[2] ": UIDVALIDITY changed (" a[5] " -> " b[5] ")")
    if (a[6] != b[6]) add(u, p[2] ": next UID changed (" a[6] " -> " b[6] ")")
    if (a[4] != b[4]) add(u, p[2] ": " a[4] " messages on the source, " b[4] " on the target")
    if (a[7] != b[7]) add(u, p[2] ": the folder's GUID changed")
  }
  for (i = 1; i <= nmk; i++) {
    k = mks[i]; split(k, p, SUBSEP); u = p[1]
    if ((u SUBSEP p[2]) in nofold) continue
    if (!((k, "t") in msg)) what = "missing on the target"
    else if (!((k, "s") in msg)) what = "only on the target"
    else {
      split(msg[k, "s"], a, "\t"); split(msg[k, "t"], b, "\t")
      if (a[5] != b[5]) what = "with other flags on the target (" a[5] " -> " b[5] ")"
      else if (a[6] != b[6] || a[7] != b[7]) what = "with other content on the target (GUID or size)"
      else what = "with another POP3 UIDL on the target (" a[8] " -> " b[8] ")"
    }
    c = u SUBSEP p[2] SUBSEP what
    if (!(c in mc)) { mc[c] = 0; mcs[++nmc] = c }
    if (++mc[c] <= 3) mn[c] = mn[c] (mc[c] > 1 ? ", " : "") "UID " p[3]
  }
  for (i = 1; i <= nmc; i++) {
    c = mcs[i]; split(c, p, SUBSEP)
    add(p[1], p[2] ": " mc[c] " message(s) " p[3] " (" mn[c] (mc[c] > 3 ? ", ..." : "") ")")
  }
  for (i = 1; i <= nu && i <= max; i++) print "  " order[i] ": " desc[order[i]]
  if (nu > max) print "  ... and " (nu - max) " more"
  print "differ " nu + 0
}
