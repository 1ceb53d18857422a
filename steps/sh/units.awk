# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate's lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file's directory).
# -v accounts=FILE (user, maildir, root: discover.sh), -v leave_out=ROOT (a
# test hook: nothing of that root).
BEGIN {
  OFS = "\t"
  while ((getline line < accounts) > 0) {
    split(line, w, "\t")
    u = w[2]
    if (u ~ /\/Maildir$/) sub(/\/Maildir$/, "", u)
    unit[u] = w[1]
  }
  close(accounts)
}
{
  p = $1
  if (leave_out != "" && index(p "/", leave_out "/") == 1) next
  q = p
  while (q != "" && !(q in unit)) sub(/\/[^\/]*$/, "", q)
  if (q != "") { if (!(q in done)) { done[q] = 1; print "R", q, unit[q] } next }
  if ($2 == "f") sub(/\/[^\/]*$/, "", p)
  if (!(p in dirs)) { dirs[p] = 1; print "D", p }
}
