# sendmail-domains: the mail domains of a sendmail source, one a line: the
# dotted names of its local-host-names (class w, FEATURE(`use_cw_file')),
# but localhost (as the Postfix sources' are those of mydestination).
# A line may hold several names; "#" starts a comment.  Prints what the
# file says, unchecked: who reads it checks each name (relay-sendmail.sh,
# preflight-domains.sh).
{ sub(/#.*/, "") }
{
  for (i = 1; i <= NF; i++) {
    d = tolower($i)
    if (d == "localhost" || d == "localhost.localdomain" || index(d, ".") == 0) continue
    print $i
  }
}
