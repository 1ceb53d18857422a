# census.awk: the census's one pass (census.sh feeds it; see there for the
# records).  Input, tab-separated, from find over the mail roots:
#   D <folder dir>                     a folder (its cur/ directory exists)
#   M <bytes> <cur or new dir> <name>  a message file
#   L <path>                           a symbolic link (never followed)
#   C <key> <value>                    passed through
# -v accounts=FILE: "user<TAB>maildir<TAB>root" (discover.sh); -v only=FILE:
# the accounts being counted (the rest come from a cache), else every one.
function dirname(p) { sub(/\/[^\/]*$/, "", p); return p }
function basename(p) { sub(/.*\//, "", p); return p }
# the account and folder a folder directory belongs to, or 0
function place(fd,  p, n) {
  if (fd in who) { cu = who[fd]; cf = "INBOX"; return 1 }
  p = dirname(fd); n = basename(fd)
  if ((p in who) && n ~ /^\./) { cu = who[p]; cf = n; return 1 }
  return 0
}
# a new account: the last one is written out (its records are contiguous:
# find walks one mail directory at a time); the arrays below are the
# current account's, by folder
function enter(u) {
  if (u == cur) return
  flush()
  cur = u
}
function flush(  k, f, lt, i, s) {
  if (cur == "") return
  for (k in fm) {
    f = k
    s = ""
    for (i = 1; i <= length(letters); i++) { lt = substr(letters, i, 1); if ((k SUBSEP lt) in fl) s = s lt fl[k, lt] }
    if ((k SUBSEP "new") in fl) s = s "new" fl[k, "new"]
    print "F", cur, f, fm[k] + 0, fb[k] + 0, fu[k] + 0, (k in uv) ? uv[k] : "-", (k in un) ? un[k] : "-", (s == "" ? "-" : s), (k in ug) ? ug[k] : "-"
  }
  print "A", cur, nf, am + 0, ab + 0, au + 0
  seen[cur] = 1
  split("", fm); split("", fb); split("", fu); split("", fl); split("", uv); split("", un); split("", ug); split("", uid); split("", uidl); split("", loaded)
  nf = am = ab = au = 0
  cur = ""
}
# the folder's dovecot-uidlist: "3 V<uidvalidity> N<uidnext> ..." then
# "<uid> [<ext>...] :<file name>" (version 3) or "<uid> <file name>" (1)
function load(k, fd,  f, line, n, w, i, name, ver) {
  if (k in loaded) return
  loaded[k] = 1
  f = fd "/dovecot-uidlist"
  if ((getline line < f) <= 0) return
  n = split(line, w, " ")
  ver = w[1]
  for (i = 2; i <= n; i++) {
    if (w[i] ~ /^V[0-9]+$/) uv[k] = substr(w[i], 2)
    if (w[i] ~ /^N[0-9]+$/) un[k] = substr(w[i], 2)
    if (w[i] ~ /^G[0-9a-f]+$/) ug[k] = substr(w[i], 2)
  }
  if (ver == 1 && n >= 3) { uv[k] = w[2]; un[k] = w[3] }
  while ((getline line < f) > 0) {
    if (ver == 3) { i = index(line, ":"); if (!i) continue; name = substr(line, i + 1); line = substr(line, 1, i - 1) }
    else { n = split(line, w, " "); name = w[2] }
    sub(/:.*/, "", name)
    n = split(line, w, " ")
    uid[k, name] = w[1]
    # the header's next UID is written when the file is rewritten; records
    # appended since raise it (as Dovecot reads the file)
    if (w[1] + 0 >= un[k] + 0) un[k] = w[1] + 1
    for (i = 2; i <= n; i++) if (w[i] ~ /^P/) uidl[k, name] = substr(w[i], 2)
  }
  close(f)
}
BEGIN {
  letters = "DFPRST"
  while ((getline line < accounts) > 0) { split(line, w, "\t"); who[w[2]] = w[1]; if (only == "") all[w[1]] = 1 }
  close(accounts)
  # -v only=FILE: the accounts counted this time (one a line), the others come from a cache
  if (only != "") { while ((getline line < only) > 0) all[line] = 1; close(only) }
}
$1 == "C" { print; next }
$1 == "L" { links++; if (links <= 20) print "symbolic link inside a mail store, not followed: " $2 > "/dev/stderr"; next }
$1 == "D" {
  if (!place($2)) { stray++; next }
  enter(cu); k = cf
  if (!(k in fm)) { fm[k] = 0; nf++ }
  load(k, $2); next
}
$1 == "M" {
  fd = dirname($3); box = basename($3)
  if (box != "cur" && box != "new") next
  if (!place(fd)) { strays++; next }
  enter(cu); k = cf
  if (!(k in fm)) { fm[k] = 0; nf++ }
  load(k, fd)
  name = $4; fls = "-"
  i = index(name, ":")
  if (i) { fls = substr(name, i + 1); name = substr(name, 1, i - 1); sub(/^2,/, "", fls); if (fls == "") fls = "-" }
  if (box == "new") fls = "new"
  fm[k]++; fb[k] += $2; am++; ab += $2
  if (fls == "new" || fls !~ /S/) { fu[k]++; au++ }
  if (fls == "new") fl[k, "new"]++
  else for (i = 1; i <= length(fls); i++) fl[k, substr(fls, i, 1)]++
  print "M", cu, cf, name, ((k SUBSEP name) in uid) ? uid[k, name] : "-", fls, $2, ((k SUBSEP name) in uidl) ? uidl[k, name] : "-"
  next
}
END {
  flush()
  for (u in all) if (!(u in seen)) print "A", u, "-", "-", "-", "-"
  if (links > 20) print "... " links " symbolic links in all" > "/dev/stderr"
  if (strays + stray) print (strays + stray) " message file(s) or folder(s) outside every account (not counted: the file check compares them)" > "/dev/stderr"
}
