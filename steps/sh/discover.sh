# shellcheck shell=bash
# shellcheck disable=SC2154 # b backend vmail mode (conf suffix for ldap, uid_min uid_max for system): the prologue's
# discover: the source's accounts as its account backend lists them and as its own
# Dovecot resolves them, and every storage root their mail lives in.
#
# Prologue (mailshift, quoted): b (backup dir), backend (mysql|pgsql|ldap|system),
# vmail (the mail store; "" for system users), mode (full: resolve every account; delta: only those whose
# backend row or Dovecot's configuration changed since the last discovery); for
# ldap also conf=(-f FILE) and suffix; for system uid_min, uid_max (the options, ""
# when unset).  Uses lib.sh.
#
# Writes, 0600, in $b/discovery/ (one streamed pass over the accounts, however many):
#   backend.tsv     user, active, base, node, maildir, format (the backend's rows)
#   resolved.tsv    user, INBOX path (Dovecot's answer)
#   accounts.tsv    user, maildir, root (what the census counts)
#   roots.tsv       root, kind (mail|sieve|public|mlmmj|spool), owner, mode: copied,
#                   owned, pruned and verified like the mail store; a spool
#                   (/var/mail) only for its users' own files
#   unresolved.tsv  user, why: active accounts the source's Dovecot cannot resolve
#   nologin.tsv     user, why: resolved accounts it would not let log in (no passdb
#                   entry for IMAP or POP3); their mail is counted all the same
#   linked.tsv      root, where it leads: the roots reached through a symbolic link
#   refused.tsv     user or root, why: what mailshift cannot carry (the step fails)
export LC_ALL=C
d=$b/discovery
mkdir -p -- "$d" && chmod 0700 -- "$d"
cd -- "$d" || exit 1
t0=$EPOCHREALTIME

# 1. The accounts, from the account backend itself.
case $backend in
  mysql)
    mysql -N -B -e 'SELECT username, active, storagebasedirectory, storagenode, maildir, mailboxformat FROM vmail.mailbox' ;;
  pgsql)
    (cd / && runuser -u postgres -- psql -X -q -d vmail -c 'COPY (SELECT username, active, storagebasedirectory, storagenode, maildir, mailboxformat FROM mailbox) TO STDOUT') ;;
  ldap)
    slapcat "${conf[@]}" -b "$suffix" -o ldif_wrap=no -a '(objectClass=mailUser)' | awk '
      function out() {
        if (dn == "") return
        node = store; sub(/\/.*/, "", node); md = store; sub(/^[^\/]*\/?/, "", md)
        if (enc != "") u = "(" enc " of " dn ")"
        printf "%s\t%d\t%s\t%s\t%s\t%s\n", u, st == "active", base, node, md, fmt
        dn = ""
      }
      /^dn: / { out(); dn = substr($0, 5); u = st = base = store = fmt = enc = ""; next }
      /^(mail|storageBaseDirectory|mailMessageStore|mailboxFormat|accountStatus):: / { enc = "base64 " substr($0, 1, index($0, ":") - 1) }
      /^mail: / && u == "" { u = substr($0, 7) }
      /^accountStatus: / { st = substr($0, 16) }
      /^storageBaseDirectory: / { base = substr($0, 23) }
      /^mailMessageStore: / { store = substr($0, 19) }
      /^mailboxFormat: / { fmt = substr($0, 16) }
      END { out() }' ;;
  system)
    # the real users of passwd (as the users step moves them): their home is
    # their storage root, the whole of it carried (.forward, .procmailrc,
    # ~/mail) with the mail Dovecot finds inside it
    ms_uid_range /etc >&2 || exit 1
    echo "the real users: uids $min ($from) to $max ($to)" >&2
    awk -F ':' -v OFS='\t' -v min="$min" -v max="$max" \
      '$3 ~ /^[0-9]+$/ && length($3) <= 10 && $3 + 0 >= min + 0 && $3 + 0 <= max + 0 { print $1, 1, $6, "", "", "" }' /etc/passwd ;;
  *) echo "unknown account backend: $backend" >&2; exit 1 ;;
esac | sort -t "$(printf '\t')" -k 1,1 > backend.tsv.new
digest=$(doveconf -n | grep -v '^#' | sha256sum | cut -c 1-64)

# 2. Dovecot's answer for each active account (its userdb lookup and its mail
#    location), in one streamed pass; in delta mode only for what changed.
awk -F '\t' '$2 == 1 { print $1 }' backend.tsv.new > active.new
if [ "$mode" = delta ] && [ -f backend.tsv ] && [ -f resolved.tsv ] && [ "$(cat dovecot.digest 2>/dev/null)" = "$digest" ]; then
  comm -13 backend.tsv backend.tsv.new | cut -f 1 | sort -u > changed
  echo "$(wc -l < changed) account(s) added or changed since the last discovery: resolving them again"
  awk -F '\t' 'FILENAME == ARGV[1] { drop[$1] = 1; next } !($1 in drop)' changed resolved.tsv > resolved.keep
  awk 'FILENAME == ARGV[1] { want[$0] = 1; next } $0 in want' active.new changed > changed.active
  ms_resolve changed.active > resolved.more
  cat resolved.keep resolved.more > resolved.all
  awk -F '\t' 'FILENAME == ARGV[1] { a[$0] = 1; next } $1 in a' active.new resolved.all |
    sort -t "$(printf '\t')" -k 1,1 > resolved.tsv.new
  rm -f changed changed.active resolved.keep resolved.more resolved.all
else
  ms_resolve active.new | sort -t "$(printf '\t')" -k 1,1 > resolved.tsv.new
fi
mv -- backend.tsv.new backend.tsv
mv -- resolved.tsv.new resolved.tsv
rm -f active.new
echo "$digest" > dovecot.digest

# 3. Each account's storage root: its storage base directory and node, as the
#    backend says, and Dovecot's path must lie inside it.
rm -f accounts.tsv unresolved.tsv inactive.tsv spools homes
: > refused.tsv
awk -F '\t' -v OFS='\t' -v backend="$backend" '
  function norm(p) { gsub(/\/\/+/, "/", p); sub(/\/$/, "", p); return p }
  FILENAME == ARGV[1] { path[$1] = $2; next }
  {
    u = $1; act = $2; root = norm($3 "/" $4)
    if (u !~ /^[A-Za-z0-9._%+=@'"'"'-]+$/) { print u, "a name mailshift does not carry (characters outside letters, digits and ._%+=@'"'"'-)" > "refused.tsv"; next }
    if ($6 != "" && $6 != "maildir") { print u, "mailbox format " $6 ": only Maildir is built" > "refused.tsv"; next }
    if (act != 1) { print u, root > "inactive.tsv"; next }
    if (!(u in path)) { print u, "active in the account backend, but the source'"'"'s Dovecot does not find it (user lookup or mail location)" > "unresolved.tsv"; print u, root > "inactive.tsv"; next }
    p = path[u]
    if (backend == "system" && index(p "/", root "/") != 1) {
      # a system user'"'"'s INBOX in a mail spool (/var/mail/USER: mbox), outside
      # the home: the spool is a root of its own, of which only the users'"'"'
      # own files are carried; the home is carried whole all the same
      sp = p; sub(/\/[^\/]*$/, "", sp)
      if (sp == "" || substr(p, length(sp) + 2) != u) { print u, "Dovecot keeps its INBOX in " p ", outside its home " root " and not a spool file named after the user" > "refused.tsv"; next }
      print u, p, sp > "accounts.tsv"; print sp > "spools"; print root > "homes"; next
    }
    if (backend == "system") print root > "homes"
    if (index(tolower(p) "/", tolower(root) "/") != 1 || length(p) <= length(root)) {
      print u, "Dovecot keeps its mail in " p ", not inside its storage base directory and node " root > "refused.tsv"; next
    }
    print u, p, substr(p, 1, length(root)) > "accounts.tsv"
  }' resolved.tsv backend.tsv
touch accounts.tsv unresolved.tsv inactive.tsv spools homes

# 3b. Whether the source's Dovecot would let each resolved account log in:
#     its password lookup (passdb) for IMAP, then POP3 for those IMAP refused;
#     one streamed pass (doveadm auth lookup takes many users), pre-flight
#     only.  An account neither finds is listed (broken already, not by us),
#     its mail still counted.
if [ "$mode" = full ] && [ "$backend" = system ]; then
  # (Dovecot asks PAM or shadow with the password itself: there is no lookup
  # without it; the users step carries each hash as it is)
  echo "the source's Dovecot checks system users' passwords with the password itself: their logins are not listed here"
elif [ "$mode" = full ]; then
  cut -f 1 accounts.tsv > login.try
  for svc in imap pop3; do
    [ -s login.try ] || break
    ms_dovecot_auth >&2 || exit 1
    # only "passdb: USER" lines are read: nothing else of the answer is kept
    xargs -d '\n' -r doveadm auth lookup -x service="$svc" < login.try 2>/dev/null |
      sed -n 's/^passdb: \([^ ]*\)$/\1/p' | sort -u > login.ok || true
    sort login.try | comm -23 - login.ok > login.left
    mv -- login.left login.try
  done
  sed 's/$/\tthe source'"'"'s Dovecot finds no password for it, for IMAP or POP3 (passdb): it cannot log in/' login.try > nologin.tsv
  rm -f login.try login.ok
fi
touch nologin.tsv

# 4. The roots: the accounts', those of accounts Dovecot does not serve (their
#    mail is kept, where it exists), then what lives beside the mailboxes: the
#    global sieve scripts, the public folders, the mailing lists (mlmmj).
{
  sort -u spools | sed 's/$/\tspool/'
  { cut -f 3 accounts.tsv; cat homes; } | sort -u | sed 's/$/\tmail/'
  cut -f 2 inactive.tsv | sort -u | while IFS= read -r r; do [ ! -d "$r" ] || printf '%s\tmail\n' "$r"; done
  doveconf -n | awk '
    $1 ~ /^sieve(_global_dir|_global|_before[0-9]*|_after[0-9]*)$/ && $2 == "=" {
      p = $3; sub(/^file:/, "", p); sub(/;.*/, "", p); if (p ~ /\.sieve$/) sub(/\/[^\/]*$/, "", p); if (p ~ /^\//) print p "\tsieve" }
    /^namespace/ { inns = 1; loc = ""; typ = "" }
    inns && $1 == "location" { loc = $3 } inns && $1 == "type" { typ = $3 }
    inns && /^}/ { if (typ == "public" && loc ~ /^maildir:\//) { p = substr(loc, 9); sub(/:.*/, "", p); sub(/\/$/, "", p); print p "\tpublic" } inns = 0 }'
  [ -z "$vmail" ] || for p in "$vmail/sieve" "$vmail/public"; do [ ! -d "$p" ] || printf '%s\t%s\n' "$p" "${p##*/}"; done
  { postconf -M 2>/dev/null || true; } | sed -n 's/.*mlmmj[a-z-]*receive.* -L \(\/[^$ ]*\)\/\$.*/\1/p'
  [ -z "$vmail" ] || for p in "$vmail/mlmmj" "$vmail/mlmmj-archive"; do [ ! -d "$p" ] || printf '%s\tmlmmj\n' "$p"; done
  if [ -f /etc/mlmmjadmin/settings.py ]; then
    sed -n "s/^MLMMJ_\(SPOOL\|ARCHIVE\)_DIR *= *[\"']\(\/[^\"']*\)[\"'].*/\2/p" /etc/mlmmjadmin/settings.py
  fi
} | awk -F '\t' -v OFS='\t' '{ sub(/\/+$/, "", $1); if ($2 == "") $2 = "mlmmj"; if (!($1 in k)) { k[$1] = $2; n[++c] = $1 } }
      END { for (i = 1; i <= c; i++) print n[i], k[n[i]] }' | sort > roots.cand
: > roots.tsv.new
: > roots.real
while IFS="$(printf '\t')" read -r r kind; do
  why=$(ms_path_problem "$r")
  # a root that is not there holds no mail yet: nothing to copy
  [ -n "$why" ] || [ -d "$r" ] || [ -L "$r" ] || continue
  # A store on another disk, reached through a symbolic link (the root or a
  # directory above it): its files are read through the link here and land
  # at the root's own path on the target (the link itself is not carried);
  # where it leads must be a directory a store may be.
  real=$(realpath -e -- "$r" 2>/dev/null) || real=
  if [ -z "$why" ] && [ -z "$real" ]; then why="is a symbolic link that leads nowhere ($(readlink -- "$r"))"; fi
  if [ -z "$why" ] && [ ! -d "$real" ]; then why="leads to $real, which is not a directory"; fi
  if [ -z "$why" ] && [ "$real" != "$r" ]; then
    p=$(ms_path_problem "$real")
    [ -z "$p" ] || why="lies behind a symbolic link to $real, which $p"
  fi
  if [ -n "$why" ]; then printf '%s\tstorage root (%s) %s\n' "$r" "$kind" "$why" >> refused.tsv; continue; fi
  printf '%s\t%s\t%s\t%s\n' "$r" "$kind" "$(stat -L -c %U:%G -- "$r")" "$(stat -L -c %a -- "$r")" >> roots.tsv.new
  printf '%s\t%s\n' "$r" "$real" >> roots.real
done < roots.cand
# a root inside another is copied with it, unless a link lies between them
# (the copy would carry the link, not the files): that is refused
awk -F '\t' -v OFS='\t' 'FILENAME == ARGV[1] { q[$1] = $2; next } { r[++n] = $0; p[n] = $1 }
  END { for (i = 1; i <= n; i++) { inner = 0; for (j = 1; j <= n; j++) if (j != i && index(p[i] "/", p[j] "/") == 1) {
          inner = 1
          if (q[p[i]] != q[p[j]] substr(p[i], length(p[j]) + 1))
            print p[i], "storage root inside the storage root " p[j] ", through a symbolic link (to " q[p[i]] "): move it out of " p[j] " or make it a directory" >> "refused.tsv" }
        if (!inner) print r[i] } }' \
  roots.real roots.tsv.new > roots.tsv
# two roots that are the same files through a link would be copied and
# counted twice, in two places: refused, both named
awk -F '\t' -v OFS='\t' '{ p[NR] = $1; q[NR] = $2 }
  END { for (i = 1; i <= NR; i++) for (j = 1; j <= NR; j++)
    if (i != j && index(p[i] "/", p[j] "/") != 1 && index(p[j] "/", p[i] "/") != 1 && index(q[i] "/", q[j] "/") == 1)
      print p[i], "storage root: its files (" q[i] ") are also those of the storage root " p[j] " (" q[j] "), through a symbolic link" }' \
  roots.real >> refused.tsv
awk -F '\t' 'FILENAME == ARGV[1] { k[$1] = 1; next } ($1 in k) && $1 != $2' roots.tsv roots.real > linked.tsv
rm -f roots.cand roots.tsv.new roots.real spools homes
# an account whose mail is behind a symbolic link inside a root would be
# copied as a link: refused with its name (a walk of every root: pre-flight
# only; in the window the census notes any link it meets)
if [ "$mode" = full ] && [ -s roots.tsv ]; then
  cut -f 1 roots.tsv | tr '\n' '\0' | xargs -0 -r sh -c 'find -H "$@" -type l -print' sh > links 2>/dev/null || true
  awk -F '\t' -v OFS='\t' 'FILENAME == ARGV[1] { l[$0] = 1; next }
    { p = $2; while (p != "" && p != $3) { if (p in l) { print $1, "its mail lies behind the symbolic link " p; break } sub(/\/[^\/]*$/, "", p) } }' links accounts.tsv >> refused.tsv
  rm -f links
fi
if [ -s refused.tsv ]; then
  for f in accounts nologin; do
    awk -F '\t' 'FILENAME == ARGV[1] { bad[$1] = 1; next } !($1 in bad)' refused.tsv "$f.tsv" > "$f.keep"
    mv -- "$f.keep" "$f.tsv"
  done
fi
chmod 0600 -- *.tsv dovecot.digest

# 5. What was found.
n=$(wc -l < backend.tsv) act=$(awk -F '\t' '$2 == 1' backend.tsv | wc -l)
echo "accounts in the account backend: $n ($act active, $((n - act)) inactive)"
echo "resolved by the source's Dovecot: $(wc -l < resolved.tsv); their mail is counted in the census: $(wc -l < accounts.tsv)"
[ "$mode" != full ] || echo "can log in (the source's Dovecot finds their password for IMAP or POP3): $(($(wc -l < accounts.tsv) - $(wc -l < nologin.tsv)))"
echo "storage roots: $(wc -l < roots.tsv)"
awk -F '\t' 'FILENAME == ARGV[1] { c[$3]++; next } { printf "  %s  (%s, %s, %s)%s\n", $1, $2, $3, $4, ($1 in c) ? "  " c[$1] " account(s)" : "" }' accounts.tsv roots.tsv
awk -F '\t' '{ printf "  %s is reached through a symbolic link, to %s: its files are copied to %s on the target (the link is not)\n", $1, $2, $1 }' linked.tsv
echo "mailshift-figure resolved $(wc -l < accounts.tsv) -"
echo "mailshift-figure roots $(wc -l < roots.tsv) -"
echo "mailshift-figure unresolved $(($(wc -l < unresolved.tsv) + $(wc -l < nologin.tsv))) -"
echo "discovery took $(ms_took "$t0") s; written to $d"
if [ -s refused.tsv ]; then
  echo "mailshift cannot carry $(wc -l < refused.tsv) account(s) or root(s) as they are (the first 20):" >&2
  head -n 20 refused.tsv | tr '\t' ' ' | sed 's/^/  /' >&2
  echo "change them on the source (or tell us the layout), then run pre-flight again; nothing was changed" >&2
  exit 1
fi
