# accounts-passwords: the LDIF of the source (the input, one entry per
# paragraph) with the userPassword of cn=vmail and cn=vmailadmin taken from
# the directory the target saved (-v keep=LDIF): the services bind as those
# two with the passwords of the target.  Prints the LDIF to load; on stderr,
# how many passwords it kept.
function dn_of(rec,  n, l, i) { n = split(rec, l, "\n"); for (i = 1; i <= n; i++) if (l[i] ~ /^dn: /) return tolower(substr(l[i], 5)); return "" }
function pw_of(rec,  n, l, i, pw) { n = split(rec, l, "\n"); pw = ""
  for (i = 1; i <= n; i++) if (l[i] ~ /^userPassword::? /) { pw = l[i]; while (i < n && l[i + 1] ~ /^ /) pw = pw "\n" l[++i] }
  return pw }
BEGIN { RS = ""; while ((getline rec < keep) > 0) { d = dn_of(rec); p = pw_of(rec); if (d ~ /^cn=vmail(admin)?,/ && p != "") pw[d] = p } }
{ d = dn_of($0); n = split($0, l, "\n"); out = ""; skip = 0
  for (i = 1; i <= n; i++) {
    if (skip && l[i] ~ /^ /) continue
    skip = 0
    if ((d in pw) && l[i] ~ /^userPassword::? /) { out = out pw[d] "\n"; skip = 1; kept++; continue }
    out = out l[i] "\n" }
  printf "%s\n", out }
END { print kept + 0 " service password(s) kept from the target" > "/dev/stderr" }
