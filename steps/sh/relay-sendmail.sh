# shellcheck shell=bash
# shellcheck disable=SC2154 # b t mode etc domains_awk: the prologue's
# shellcheck disable=SC2016 # awk programs in single quotes
# relay-sendmail: the old sendmail hands every address of the mail domains
# to the new server, and its queue goes there too.  relay.sh's guarantees
# for a sendmail source (Debian's 8.17: FEATURE(`use_cw_file'), no
# mailertable by default).  Run on the source once the new server runs,
# after verify passed.
# Prologue: b, t (the new server's address), mode ("relay": sendmail runs
# again and passes the mail on, relay_during_cutover; "drain": it accepts
# nothing, one queue run hands over what it holds), etc (sendmail's
# directory, /etc/mail), domains_awk (sendmail-domains.awk: the domains of
# local-host-names, as it was before mailshift changed it).
# A domain in class w never reaches the mailertable: each one leaves
# local-host-names (the short names and localhost stay) and gets a
# mailertable entry "DOMAIN esmtp:[T]" and a line in relay-domains (class R:
# without it, mail for a domain no longer local is refused, "Relaying
# denied").  sendmail puts its own name ($j) and its interfaces' names in
# class w by itself: what still resolves to the local mailer there goes,
# after the old server's aliases are expanded, to the new server
# (MAIL_HUB); what the aliases send to a program or a file still runs
# there, and so would names in class L (LOCAL_USER, none by default).
# sendmail.mc gains FEATURE(`mailertable') (once, before the mailers) and
# the MAIL_HUB; makemap and m4 rebuild the map and sendmail.cf.  Each file
# saved first, once, as *.mailshift-before; fails naming a domain it
# cannot relay before any change.
umask 022
cd "$etc" || exit 1
case $mode in relay | drain) ;; *) echo "unknown mode: ${mode//[^[:alnum:]]/?}" >&2; exit 1 ;; esac
# the hub: an address in brackets (mail to user@[ADDRESS] is local there);
# a name with a final dot (no MX lookup of its own; user@NAME)
if [[ $t =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; then hub="esmtp:[$t]"
elif [[ ${t,,} =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$ ]]; then hub="esmtp:$t."
else echo "not a host mailshift can relay to: ${t//[^[:print:]]/?}" >&2; exit 1; fi

# The domains, from local-host-names as it was (a rerun finds them in the
# saved copy), each checked before anything changes.
lhn=local-host-names
[ -e "$lhn.mailshift-before" ] && from=$lhn.mailshift-before || from=$lhn
[ -r "$from" ] || { echo "no $etc/$lhn: this sendmail lists no local host names (FEATURE(\`use_cw_file'))" >&2; exit 1; }
domains=$(awk "$domains_awk" "$from" | awk '
  { d = tolower($0) }
  d !~ /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/ {
    s = substr($0, 1, 80); gsub(/[^[:print:]]/, "?", s)
    printf "not a domain name mailshift can relay: %s\n", s > "/dev/stderr"; bad = 1; next }
  !(d in seen) { seen[d] = 1; print d; n++ }
  END {
    if (bad) exit 2
    if (!n) { print "no mail domains found on the source (its local-host-names)" > "/dev/stderr"; exit 1 }
  }') || exit 1
n=$(wc -l <<<"$domains")

for f in sendmail.mc sendmail.cf; do [ -e "$f" ] || { echo "no $etc/$f" >&2; exit 1; }; done
# features and definitions come before the mailers (MAILER_DEFINITIONS or
# the first MAILER)
grep -Eq '^[[:blank:]]*(MAILER_DEFINITIONS|MAILER\()' sendmail.mc ||
  { echo "$etc/sendmail.mc names no mailer (MAILER_DEFINITIONS, MAILER(...)): mailshift cannot put the mailertable feature before them; it changed nothing" >&2; exit 1; }

# Nothing changed so far.  Each file saved, once; the tables may be missing
# (sendmail then reads none): empty ones first.
for f in mailertable relay-domains; do [ -e "$f" ] || : > "$f" || exit 1; done
for f in local-host-names sendmail.mc sendmail.cf mailertable relay-domains; do
  [ -e "$f.mailshift-before" ] || cp -p -- "$f" "$f.mailshift-before" || exit 1
done

# edit FILE AWK-PROGRAM: FILE rewritten by the program (owner and mode
# kept); the domains one a line in ENVIRON["D"], the new server in T, the
# lines to add to sendmail.mc in F and H.
export D=$domains T=$t H="define(\`MAIL_HUB', \`$hub')dnl" \
  F="FEATURE(\`mailertable', \`hash -o $etc/mailertable.db')dnl"
edit() {
  if cp -p -- "$1" "$1.new" && awk "$2" "$1" > "$1.new" && mv -- "$1.new" "$1"; then return 0; fi
  rm -f -- "$1.new"
  echo "cannot rewrite $etc/$1" >&2
  return 1
}
set_of_domains='BEGIN { k = split(ENVIRON["D"], l, "\n"); for (i = 1; i <= k; i++) dom[l[i]] = 1 }'
# sendmail.mc: the mailertable feature once, and the hub (an earlier
# MAIL_HUB replaced, said), both before the mailers
edit sendmail.mc '
  /^[[:blank:]]*FEATURE\([`'\'']?mailertable[`'\'']?[,)]/ { hasf = 1 }
  /^[[:blank:]]*define\([`'\'']?MAIL_HUB[`'\'']?,/ { if ($0 != ENVIRON["H"]) { old++; next } hash = 1 }
  !done && /^[[:blank:]]*(MAILER_DEFINITIONS|MAILER\()/ {
    if (!hasf) print ENVIRON["F"]
    if (!hash) print ENVIRON["H"]
    done = 1 }
  { print }
  END { if (old) printf "%d earlier MAIL_HUB definition(s) replaced by the new server\n", old }' || exit 1
# local-host-names: each domain out, word by word; the rest as it was
edit local-host-names "$set_of_domains"'
  /^[[:blank:]]*#/ { print; next }
  { out = ""; drop = 0
    for (i = 1; i <= NF; i++) if (tolower($i) in dom) drop = 1; else out = out (out == "" ? "" : " ") $i
    if (!drop) print; else if (out != "") print out }' || exit 1
# mailertable: an earlier entry for a domain goes, then one for each
edit mailertable "$set_of_domains"'
  !/^[[:blank:]]*#/ && NF && (tolower($1) in dom) { next }
  { print }
  END { for (i = 1; i <= k; i++) printf "%s esmtp:[%s]\n", l[i], ENVIRON["T"] }' || exit 1
# relay-domains: each domain once (the rest kept)
edit relay-domains "$set_of_domains"'
  !/^[[:blank:]]*#/ && NF == 1 && (tolower($1) in dom) { seen[tolower($1)] = 1 }
  { print }
  END { for (i = 1; i <= k; i++) if (!(l[i] in seen)) print l[i] }' || exit 1

makemap hash "$etc/mailertable" < mailertable ||
  { echo "makemap hash $etc/mailertable failed" >&2; exit 1; }
# sendmail.cf rebuilt as Debian does it (m4 on the .mc, from /etc/mail); the
# old one stays unless the new one has the mailertable and the hub
if ! { m4 sendmail.mc > sendmail.cf.new 2> "$b/sendmail-m4.err" &&
       grep -q '^Kmailertable ' sendmail.cf.new && grep -qxF "DH$hub" sendmail.cf.new; }; then
  rm -f sendmail.cf.new
  echo "m4 sendmail.mc did not give a sendmail.cf with the mailertable and the hub ($b/sendmail-m4.err): sendmail.cf unchanged" >&2
  exit 1
fi
cat sendmail.cf.new > sendmail.cf && rm -f sendmail.cf.new

# How many recipients in the queue are for the relayed domains, or local
# ones (no domain; the hub takes them): mailq lists each message's sender on
# its queue ID's line, then each recipient alone on an indented line.
# (mailq failing: an unknown number, never none)
queued() {
  local q
  q=$(mailq 2>/dev/null) || { echo 'an unknown number of'; return 0; }
  awk "$set_of_domains"'
    /^[[:blank:]]+<?[^[:blank:]()<>]+>?[[:blank:]]*$/ && !/requests?:/ {
      a = tolower($1); gsub(/[<>]/, "", a)
      if (a !~ /@/ || (substr(a, index(a, "@") + 1) in dom)) n++ }
    END { print n + 0 }' <<<"$q"
}

if [ "$mode" = drain ]; then
  # accept nothing from outside: no daemon (systemd's word, and the
  # process list: a host without systemd), one queue run in the foreground
  if systemctl is-active --quiet sendmail.service 2>/dev/null || pgrep -f '^sendmail: MTA: accepting' >/dev/null; then
    echo 'the old sendmail runs: it would accept mail from outside (stop-services stops it)' >&2; exit 1
  fi
  sendmail -q -v </dev/null >"$b/sendmail-drain.log" 2>&1 || :
  left=$(queued)
  if [ "$left" != 0 ]; then
    echo "the old server's queue still holds $left message(s) for your domains (mailq there; $b/sendmail-drain.log): run this step again, or start its sendmail to hand them over" >&2
    exit 1
  fi
  echo "the old server handed its queue for $n domain(s) to $t and accepts nothing: its sendmail stays stopped"
else
  systemctl restart sendmail.service </dev/null >/dev/null 2>&1 ||
    { echo 'cannot start the old sendmail as a relay (systemctl restart sendmail failed)' >&2; exit 1; }
  sendmail -q </dev/null >/dev/null 2>&1 || :
  left=$(queued)
  for _ in $(seq 1 60); do
    [ "$left" != 0 ] || break
    sleep 1
    left=$(queued)
  done
  [ "$left" = 0 ] || echo "the old server's queue still holds $left message(s) for your domains: sendmail retries them, through the relay (mailq there)"
  echo "the old server relays every address of $n domain(s) to $t (mailertable), and mail for its own names to the same after its aliases ($hub), its queue first"
fi
echo "undo: cd $etc && for f in local-host-names sendmail.mc sendmail.cf mailertable relay-domains; do cp -p \$f.mailshift-before \$f; done && makemap hash $etc/mailertable < mailertable && systemctl restart sendmail"
