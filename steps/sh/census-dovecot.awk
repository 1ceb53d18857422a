# census-dovecot.awk: the target's Dovecot against the source's census
# (census-dovecot.sh).  -v census=FILE (census.sh's records), -v errors=FILE
# (doveadm's messages: "doveadm(USER): ..."), -v max=N.  Input: doveadm's
# "Username, mailbox-guid, uid, flags" per message, tab-separated, header first.
# A message counts for the census when its folder is one the census knows (by
# the folder's GUID, which the copy keeps) and its UID is below the census's
# next UID there.  A message the source's Dovecot had not yet seen (put there
# by another delivery agent: it has no UID in the census) gets its UID from
# the target's Dovecot, at or past that next UID: so many of those later
# UIDs in a folder count for the census too, the rest arrived after it (mail
# the relay brings).
BEGIN {
  while ((getline line < census) > 0) {
    split(line, f, "\t")
    if (f[1] == "A") { acct[f[2]] = 1; order[++na] = f[2] }
    else if (f[1] == "F") {
      cm[f[2]] += f[4]; cu[f[2]] += f[6]
      if (f[10] == "-" || f[8] == "-") { ng[f[2]] += f[4]; ngu[f[2]] += f[6] }
      else { next_uid[f[2], f[10]] = f[8]; guid[f[2], f[3]] = f[10] }
    }
    else if (f[1] == "M" && f[5] == "-") unnumbered[f[2], f[3]]++
  }
  close(census)
  for (k in unnumbered)
    if (k in guid) { split(k, p, SUBSEP); later[p[1], guid[k]] = unnumbered[k] }
  while ((getline line < errors) > 0) {
    if (match(line, /^doveadm\([^)]*\)/)) {
      u = substr(line, 9, RLENGTH - 9)
      if (line ~ /User no longer exists/) missing[u] = 1; else if (line ~ /Error/) { broken[u] = 1; why[u] = line }
    }
  }
  close(errors)
}
NR == 1 { next }
{
  u = $1; k = u SUBSEP $2; unseen = ($4 !~ /\\Seen/)
  if (k in next_uid) {
    if ($3 + 0 < next_uid[k] + 0 || later[k] > 0) {
      if ($3 + 0 >= next_uid[k] + 0) later[k]--
      m[u]++; s[u] += unseen
    } else arrived++
  } else { o[u]++; os[u] += unseen }
}
END {
  for (i = 1; i <= na; i++) {
    u = order[i]; want = cm[u] - ng[u]; wantu = cu[u] - ngu[u]
    if (u in missing) t = "the target's Dovecot does not find this account"
    else if (u in broken) t = "the target's Dovecot cannot read it: " why[u]
    else if (m[u] + 0 != want || s[u] + 0 != wantu || o[u] + 0 < ng[u] + 0)
      t = (cm[u] + 0) " messages (" (cu[u] + 0) " unseen) in the census, the target's Dovecot shows " (m[u] + o[u]) " (" (s[u] + os[u]) " unseen)"
    else { good++; total += cm[u]; continue }
    if (++bad <= max) print "  " u ": " t
  }
  if (bad > max) print "  ... and " (bad - max) " more"
  print "summary " (good + 0) " " (bad + 0) " " (total + 0) " " (arrived + 0)
}
