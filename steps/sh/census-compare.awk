# census-compare.awk: what differs between the source's census and the
# target's (census.sh), account by account and folder by folder.  Input: the
# output of "comm -3 SOURCE TARGET" (a line only in the source as it is, a
# line only in the target after a tab).  -v max=N: accounts named at most.
# Prints the accounts that differ, each with what differs; the last line is
# "differ N" (accounts) or "setting KEY SOURCE TARGET" lines before it.
function add(u, text) {
  if (!(u in desc)) { desc[u] = text; order[++nu] = u } else desc[u] = desc[u] "; " text
}
function folder(f) { return f == "INBOX" ? "INBOX" : substr(f, 2) }
{
  side = "s"; line = $0
  if (substr(line, 1, 1) == "\t") { side = "t"; line = substr(line, 2) }
  split(line, f, "\t")
  if (f[1] == "C") { conf[f[2], side] = f[3]; ck[f[2]] = 1; next }
  u = f[2]
  if (!(u in seen)) { seen[u] = 1; users[++nusers] = u }
  if (f[1] == "A") { acc[u, side] = line; next }
  if (f[1] == "F") { k = u SUBSEP f[3]; fold[k, side] = line; if (!(k in fk)) { fk[k] = 1; fks[++nfk] = k }; next }
  if (f[1] == "M") { k = u SUBSEP f[3] SUBSEP f[4]; msg[k, side] = line; if (!(k in mk)) { mk[k] = 1; mks[++nmk] = k } }
}
END {
  # accounts whose whole mail directory is missing on one side
  for (i = 1; i <= nusers; i++) {
    u = users[i]
    if (((u, "s") in acc) && ((u, "t") in acc)) {
      split(acc[u, "s"], a, "\t"); split(acc[u, "t"], b, "\t")
      if (b[3] == "-") { gone[u] = 1; add(u, "its mail directory is missing on the target (" a[3] " folders, " a[4] " messages)") }
      else if (a[3] == "-") { gone[u] = 1; add(u, "it has no mail directory on the source, one on the target (" b[4] " messages)") }
    }
  }
  for (i = 1; i <= nfk; i++) {
    k = fks[i]; split(k, p, SUBSEP); u = p[1]
    if (u in gone) continue
    if (!((k, "t") in fold)) { split(fold[k, "s"], a, "\t"); add(u, folder(p[2]) ": folder missing on the target (" a[4] " messages)"); continue }
    if (!((k, "s") in fold)) { split(fold[k, "t"], b, "\t"); add(u, folder(p[2]) ": folder only on the target (" b[4] " messages)"); continue }
    split(fold[k, "s"], a, "\t"); split(fold[k, "t"], b, "\t")
    if (a[7] != b[7]) add(u, folder(p[2]) ": UIDVALIDITY changed (" a[7] " -> " b[7] ")")
    if (a[8] != b[8]) add(u, folder(p[2]) ": UIDNEXT changed (" a[8] " -> " b[8] ")")
    if (a[4] != b[4]) add(u, folder(p[2]) ": " a[4] " messages on the source, " b[4] " on the target")
    else if (a[9] != b[9]) add(u, folder(p[2]) ": flags " a[9] " on the source, " b[9] " on the target")
  }
  for (i = 1; i <= nmk; i++) {
    k = mks[i]; split(k, p, SUBSEP); u = p[1]
    if (u in gone) continue
    fkey = u SUBSEP p[2]
    if (!((k, "t") in msg)) { what = "missing on the target" }
    else if (!((k, "s") in msg)) { what = "only on the target" }
    else {
      split(msg[k, "s"], a, "\t"); split(msg[k, "t"], b, "\t")
      if (a[5] != b[5]) what = "with another UID on the target"
      else if (a[6] != b[6]) what = "with other flags on the target (" a[6] " -> " b[6] ")"
      else if (a[7] != b[7]) what = "of another size on the target"
      else what = "with another POP3 UIDL on the target"
    }
    c = fkey SUBSEP what
    if (!(c in mc)) { mc[c] = 0; mcs[++nmc] = c }
    if (++mc[c] <= 3) mn[c] = mn[c] (mc[c] > 1 ? ", " : "") p[3]
  }
  for (i = 1; i <= nmc; i++) {
    c = mcs[i]; split(c, p, SUBSEP)
    add(p[1], folder(p[2]) ": " mc[c] " message(s) " p[3] " (" mn[c] (mc[c] > 3 ? ", ..." : "") ")")
  }
  for (i = 1; i <= nu && i <= max; i++) print "  " order[i] ": " desc[order[i]]
  if (nu > max) print "  ... and " (nu - max) " more"
  for (key in ck) print "setting " key " " (((key, "s") in conf) ? conf[key, "s"] : "(none)") " " (((key, "t") in conf) ? conf[key, "t"] : "(none)")
  print "differ " nu + 0
}
