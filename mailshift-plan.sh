#!/usr/bin/env bash
# The single-quoted commands are meant to expand on the servers, and the
# quotes inside them are nested on purpose (the one quoting helper):
# shellcheck disable=SC2016,SC1003
#
# mailshift runbook: iredmail/mariadb root@10.200.0.2 -> iredmail/mariadb root@10.200.0.3
# Written by mailshift 0.1.0 on 2026-12-02 12:55 UTC (dry run: the plan, nothing ran).
#
# Replays the migration step by step:
#   bash mailshift-plan.sh --dry-run     print every command, run nothing
#   bash mailshift-plan.sh --from STEP   start at STEP;  --only STEP: just that one
#   bash mailshift-plan.sh --until STEP  stop after STEP (e.g. the bulk copy, days ahead)
#   bash mailshift-plan.sh --yes         no questions (destructive actions included;
#                         checklist items are left pending)
# No secret is written here: credentials stay on the servers
# (/root/.my.cnf, the postgres user, slapd's own configuration).
set -Eeuo pipefail
trap 'echo "runbook: a command failed (line $LINENO); fix it and rerun with --from" >&2' ERR

SOURCE_SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=/work/main/lab/run/known_hosts" -i /work/main/lab/run/id_ed25519 -p 22 root@10.200.0.2)
TARGET_SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=/work/main/lab/run/known_hosts" -i /work/main/lab/run/id_ed25519 -p 22 root@10.200.0.3)

# Every action runs after this line, as mailshift ran it.
PREAMBLE='set -euo pipefail; umask 077'
DRY_RUN=0 YES=0 FROM='' ONLY='' UNTIL=''
usage() {
  echo "usage: $0 [--dry-run] [--yes] [--from STEP] [--until STEP | --only STEP]"
  echo "steps: ${STEPS[*]}"
}

# The dry run prints on fd 3 (this script's stdout), also from inside NAME=$(...).
exec 3>&1

run_on() { # run_on WHERE [--stdin] COMMAND: stdin is empty unless --stdin
  local where=$1 fed=0 cmd
  shift
  if [ "$1" = --stdin ]; then fed=1; shift; fi
  cmd=$1
  if [ "$DRY_RUN" = 1 ]; then
    printf '  [%s] %s\n' "$where" "${cmd//$'\n'/$'\n'         }" >&3
    [ "$fed" = 0 ] || printf '         (reads on stdin a value captured above)\n' >&3
    return 0
  fi
  printf '+ [%s] %s\n' "$where" "$cmd" >&2
  if [ "$fed" = 1 ]; then run_there "$where" "$cmd"; else run_there "$where" "$cmd" </dev/null; fi
}
run_there() { # run_there WHERE COMMAND
  case $1 in
    source) "${SOURCE_SSH[@]}" "$PREAMBLE"$'\n'"$2" ;;
    target) "${TARGET_SSH[@]}" "$PREAMBLE"$'\n'"$2" ;;
    local) bash -c "$PREAMBLE"$'\n'"$2" ;;
  esac
}
on_source() { run_on source "$@"; }
on_target() { run_on target "$@"; }
on_local() { run_on local "$@"; }

# An advisory check may fail: the replay warns and goes on.
advisory() {
  "$@" || echo "warning: the check above failed (advisory: going on)" >&2
}

# The next action deletes or overwrites on a server: asked on its own.
destructive() {
  if [ "$DRY_RUN" = 1 ]; then printf '  DESTRUCTIVE: %s\n' "$1"; return 0; fi
  [ "$YES" = 1 ] && return 0
  local reply
  read -r -p "DESTRUCTIVE: $1. Type yes to go on: " reply
  [ "$reply" = yes ] || { echo 'refused: stopping' >&2; exit 3; }
}

# The action above printed a checklist item only the admin can do: asked,
# never checked; the answer is only printed (--yes: pending).
manual() {
  if [ "$DRY_RUN" = 1 ]; then printf '  CHECKLIST: %s\n' "$1"; return 0; fi
  local reply=''
  [ "$YES" = 1 ] || read -r -p "CHECKLIST: $1 - done? [y/N] " reply || reply=''
  case $reply in
    y|Y|yes) printf 'confirmed: %s\n' "$1" ;;
    *) printf 'pending: %s\n' "$1" ;;
  esac
}

# --- preflight: Pre-flight checks
#
# Before anything changes, mailshift checks both servers: the same iRedMail
# version with the same backend on each (a mismatch breaks the databases
# when they are restored), the tools the copy needs, the vmail user's ids,
# and that the target has room for the mail. What the source reports goes to
# the target through mailshift, which compares; the servers do not reach
# each other yet. Then mailshift reads each server's databases (and
# directory) itself, through SSH tunnels with the server's own credentials:
# versions, sizes, tables and rows, accounts and domains. It finds every
# account the account backend lists and asks the source's own Dovecot where
# each one's mail lives: every storage root found (another base directory,
# another storage node, the mailing lists, the sieve scripts, the public
# folders) is copied, owned and verified like the mail store; a layout
# mailshift cannot carry stops here, naming the accounts, and accounts the
# source's Dovecot cannot resolve are listed (broken before the migration,
# not by it). Nothing is changed by this step, except that rsync is
# installed where it is missing (the copies need it on both servers). Last,
# the one thing to do a day ahead: lower the TTL of your MX and A records, a
# checklist item you confirm (or leave pending).
step_preflight() {
  # runs iRedMail with its backend, as root, bash, systemd
  on_source '[ "$(id -u)" = 0 ] || { echo '\''mailshift runs its commands as root: set user = root'\'' >&2; exit 1; }
[ -n "${BASH_VERSION:-}" ] || { echo '\''the login shell must be bash'\'' >&2; exit 1; }
release=$(head -n 1 /etc/iredmail-release) || exit 1
echo "source: $release"
case " $release " in *" MARIADB "*|*" MYSQL "*) ;; *) echo '\''expected an iRedMail MARIADB or MYSQL edition on the source'\'' >&2; exit 1 ;; esac
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null; then
  echo '\''systemd does not run the source: mailshift stops and starts the mail services with systemctl, and cannot stop them here (a host without systemd is not built yet)'\'' >&2; exit 1
fi'
  # installs rsync if it is missing (the copies need it on both servers)
  on_source 'if command -v rsync >/dev/null; then echo "rsync is installed: $(command -v rsync)"
else
echo '\''rsync is missing on the source: installing it'\''
if command -v apt-get >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsync </dev/null
elif command -v dnf >/dev/null; then dnf install -y rsync </dev/null
elif command -v yum >/dev/null; then yum install -y rsync </dev/null
else echo '\''no apt-get, dnf or yum here: install rsync by hand'\'' >&2; exit 1; fi
command -v rsync >/dev/null || { echo '\''rsync is still missing'\'' >&2; exit 1; }
fi'
  # has the tools the migration uses
  on_source 'missing=0
for t in rsync bzip2 du df openssl mysqldump mysql pgrep ss; do
  command -v "$t" >/dev/null || { echo "missing on the source: $t" >&2; missing=1; }
done
[ "$missing" = 0 ] && echo '\''all tools present'\'''
  # reports its Dovecot and Roundcube versions
  on_source 'dv=$(dovecot --version 2>/dev/null) || dv=
echo "Dovecot ${dv:-not found}"
rc=/opt/www/roundcubemail
v=$(sed -n "s/.*define('\''RCMAIL_VERSION'\'', *'\''\([^'\'']*\)'\'').*/\1/p" "$rc/program/include/iniset.php" 2>/dev/null || true)
echo "Roundcube ${v:-not found in $rc}"
# pre-flight'\''s table (this server'\''s column)
dw=${dv%% *}
echo "verify-row dovecot ${dw:-none} -"
echo "verify-row roundcube ${v:-none} -"'
  # runs iRedMail with its backend, as root, bash, systemd
  on_target '[ "$(id -u)" = 0 ] || { echo '\''mailshift runs its commands as root: set user = root'\'' >&2; exit 1; }
[ -n "${BASH_VERSION:-}" ] || { echo '\''the login shell must be bash'\'' >&2; exit 1; }
release=$(head -n 1 /etc/iredmail-release) || exit 1
echo "target: $release"
case " $release " in *" MARIADB "*|*" MYSQL "*) ;; *) echo '\''expected an iRedMail MARIADB or MYSQL edition on the target'\'' >&2; exit 1 ;; esac
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null; then
  echo '\''systemd does not run the target: mailshift stops and starts the mail services with systemctl, and cannot stop them here (a host without systemd is not built yet)'\'' >&2; exit 1
fi'
  # installs rsync if it is missing (the copies need it on both servers; 3.1 or newer here, for the copy's progress)
  on_target 'if command -v rsync >/dev/null; then echo "rsync is installed: $(command -v rsync)"
else
echo '\''rsync is missing on the target: installing it'\''
if command -v apt-get >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsync </dev/null
elif command -v dnf >/dev/null; then dnf install -y rsync </dev/null
elif command -v yum >/dev/null; then yum install -y rsync </dev/null
else echo '\''no apt-get, dnf or yum here: install rsync by hand'\'' >&2; exit 1; fi
command -v rsync >/dev/null || { echo '\''rsync is still missing'\'' >&2; exit 1; }
fi
# the target runs the copies: --info=progress2 is rsync 3.1 (2014) or newer
v=$(rsync --version | sed -n 1p)
read -r maj min <<<"$(sed -n '\''s/.*version \([0-9]*\)\.\([0-9]*\).*/\1 \2/p'\'' <<<"$v")"
[ "${maj:-0}" -gt 3 ] || { [ "${maj:-0}" = 3 ] && [ "${min:-0}" -ge 1 ]; } || { echo "the target'\''s rsync is too old for the copies (3.1 or newer needed): $v" >&2; exit 1; }
echo "$v"'
  # has the tools the migration uses
  on_target 'missing=0
for t in rsync bzip2 du df openssl mysqldump mysql doveadm ssh ssh-keygen sendmail; do
  command -v "$t" >/dev/null || { echo "missing on the target: $t" >&2; missing=1; }
done
[ "$missing" = 0 ] && echo '\''all tools present'\'''
  # reports its Dovecot and Roundcube versions
  on_target 'dv=$(dovecot --version 2>/dev/null) || dv=
echo "Dovecot ${dv:-not found}"
rc=/opt/www/roundcubemail
v=$(sed -n "s/.*define('\''RCMAIL_VERSION'\'', *'\''\([^'\'']*\)'\'').*/\1/p" "$rc/program/include/iniset.php" 2>/dev/null || true)
echo "Roundcube ${v:-not found in $rc}"
# pre-flight'\''s table (this server'\''s column)
dw=${dv%% *}
echo "verify-row dovecot - ${dw:-none}"
echo "verify-row roundcube - ${v:-none}"'
  # finds every account and where its mail lives, as the source's own Dovecot resolves it
  on_source 'b=/var/backups/mailshift
backend=mysql
vmail=/var/vmail
mode=full
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b backend vmail mode (and conf suffix for ldap): the prologue'\''s
# discover: the source'\''s accounts as its account backend lists them and as its own
# Dovecot resolves them, and every storage root their mail lives in.
#
# Prologue (mailshift, quoted): b (backup dir), backend (mysql|pgsql|ldap), vmail
# (the mail store), mode (full: resolve every account; delta: only those whose
# backend row or Dovecot'\''s configuration changed since the last discovery); for
# ldap also conf=(-f FILE) and suffix.  Uses lib.sh.
#
# Writes, 0600, in $b/discovery/ (one streamed pass over the accounts, however many):
#   backend.tsv     user, active, base, node, maildir, format (the backend'\''s rows)
#   resolved.tsv    user, INBOX path (Dovecot'\''s answer)
#   accounts.tsv    user, maildir, root (what the census counts)
#   roots.tsv       root, kind (mail|sieve|public|mlmmj), owner, mode: copied,
#                   owned, pruned and verified like the mail store
#   unresolved.tsv  user, why: active accounts the source'\''s Dovecot cannot resolve
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
    mysql -N -B -e '\''SELECT username, active, storagebasedirectory, storagenode, maildir, mailboxformat FROM vmail.mailbox'\'' ;;
  pgsql)
    (cd / && runuser -u postgres -- psql -X -q -d vmail -c '\''COPY (SELECT username, active, storagebasedirectory, storagenode, maildir, mailboxformat FROM mailbox) TO STDOUT'\'') ;;
  ldap)
    slapcat "${conf[@]}" -b "$suffix" -o ldif_wrap=no -a '\''(objectClass=mailUser)'\'' | awk '\''
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
      END { out() }'\'' ;;
  *) echo "unknown account backend: $backend" >&2; exit 1 ;;
esac | sort -t "$(printf '\''\t'\'')" -k 1,1 > backend.tsv.new
digest=$(doveconf -n | grep -v '\''^#'\'' | sha256sum | cut -c 1-64)

# 2. Dovecot'\''s answer for each active account (its userdb lookup and its mail
#    location), in one streamed pass; in delta mode only for what changed.
awk -F '\''\t'\'' '\''$2 == 1 { print $1 }'\'' backend.tsv.new > active.new
if [ "$mode" = delta ] && [ -f backend.tsv ] && [ -f resolved.tsv ] && [ "$(cat dovecot.digest 2>/dev/null)" = "$digest" ]; then
  comm -13 backend.tsv backend.tsv.new | cut -f 1 | sort -u > changed
  echo "$(wc -l < changed) account(s) added or changed since the last discovery: resolving them again"
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { drop[$1] = 1; next } !($1 in drop)'\'' changed resolved.tsv > resolved.keep
  awk '\''FILENAME == ARGV[1] { want[$0] = 1; next } $0 in want'\'' active.new changed > changed.active
  ms_resolve changed.active > resolved.more
  cat resolved.keep resolved.more > resolved.all
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { a[$0] = 1; next } $1 in a'\'' active.new resolved.all |
    sort -t "$(printf '\''\t'\'')" -k 1,1 > resolved.tsv.new
  rm -f changed changed.active resolved.keep resolved.more resolved.all
else
  ms_resolve active.new | sort -t "$(printf '\''\t'\'')" -k 1,1 > resolved.tsv.new
fi
mv -- backend.tsv.new backend.tsv
mv -- resolved.tsv.new resolved.tsv
rm -f active.new
echo "$digest" > dovecot.digest

# 3. Each account'\''s storage root: its storage base directory and node, as the
#    backend says, and Dovecot'\''s path must lie inside it.
rm -f accounts.tsv unresolved.tsv inactive.tsv
: > refused.tsv
awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''
  function norm(p) { gsub(/\/\/+/, "/", p); sub(/\/$/, "", p); return p }
  FILENAME == ARGV[1] { path[$1] = $2; next }
  {
    u = $1; act = $2; root = norm($3 "/" $4)
    if (u !~ /^[A-Za-z0-9._%+=@'\''"'\''"'\''-]+$/) { print u, "a name mailshift does not carry (characters outside letters, digits and ._%+=@'\''"'\''"'\''-)" > "refused.tsv"; next }
    if ($6 != "" && $6 != "maildir") { print u, "mailbox format " $6 ": only Maildir is built" > "refused.tsv"; next }
    if (act != 1) { print u, root > "inactive.tsv"; next }
    if (!(u in path)) { print u, "active in the account backend, but the source'\''"'\''"'\''s Dovecot does not find it (user lookup or mail location)" > "unresolved.tsv"; print u, root > "inactive.tsv"; next }
    p = path[u]
    if (index(tolower(p) "/", tolower(root) "/") != 1 || length(p) <= length(root)) {
      print u, "Dovecot keeps its mail in " p ", not inside its storage base directory and node " root > "refused.tsv"; next
    }
    print u, p, substr(p, 1, length(root)) > "accounts.tsv"
  }'\'' resolved.tsv backend.tsv
touch accounts.tsv unresolved.tsv inactive.tsv

# 3b. Whether the source'\''s Dovecot would let each resolved account log in:
#     its password lookup (passdb) for IMAP, then POP3 for those IMAP refused;
#     one streamed pass (doveadm auth lookup takes many users), pre-flight
#     only.  An account neither finds is listed (broken already, not by us),
#     its mail still counted.
if [ "$mode" = full ]; then
  cut -f 1 accounts.tsv > login.try
  for svc in imap pop3; do
    [ -s login.try ] || break
    ms_dovecot_auth >&2 || exit 1
    # only "passdb: USER" lines are read: nothing else of the answer is kept
    xargs -d '\''\n'\'' -r doveadm auth lookup -x service="$svc" < login.try 2>/dev/null |
      sed -n '\''s/^passdb: \([^ ]*\)$/\1/p'\'' | sort -u > login.ok || true
    sort login.try | comm -23 - login.ok > login.left
    mv -- login.left login.try
  done
  sed '\''s/$/\tthe source'\''"'\''"'\''s Dovecot finds no password for it, for IMAP or POP3 (passdb): it cannot log in/'\'' login.try > nologin.tsv
  rm -f login.try login.ok
fi
touch nologin.tsv

# 4. The roots: the accounts'\'', those of accounts Dovecot does not serve (their
#    mail is kept, where it exists), then what lives beside the mailboxes: the
#    global sieve scripts, the public folders, the mailing lists (mlmmj).
{
  cut -f 3 accounts.tsv | sort -u | sed '\''s/$/\tmail/'\''
  cut -f 2 inactive.tsv | sort -u | while IFS= read -r r; do [ ! -d "$r" ] || printf '\''%s\tmail\n'\'' "$r"; done
  doveconf -n | awk '\''
    $1 ~ /^sieve(_global_dir|_global|_before[0-9]*|_after[0-9]*)$/ && $2 == "=" {
      p = $3; sub(/^file:/, "", p); sub(/;.*/, "", p); if (p ~ /\.sieve$/) sub(/\/[^\/]*$/, "", p); if (p ~ /^\//) print p "\tsieve" }
    /^namespace/ { inns = 1; loc = ""; typ = "" }
    inns && $1 == "location" { loc = $3 } inns && $1 == "type" { typ = $3 }
    inns && /^}/ { if (typ == "public" && loc ~ /^maildir:\//) { p = substr(loc, 9); sub(/:.*/, "", p); sub(/\/$/, "", p); print p "\tpublic" } inns = 0 }'\''
  for p in "$vmail/sieve" "$vmail/public"; do [ ! -d "$p" ] || printf '\''%s\t%s\n'\'' "$p" "${p##*/}"; done
  postconf -M 2>/dev/null | sed -n '\''s/.*mlmmj[a-z-]*receive.* -L \(\/[^$ ]*\)\/\$.*/\1/p'\''
  for p in "$vmail/mlmmj" "$vmail/mlmmj-archive"; do [ ! -d "$p" ] || printf '\''%s\tmlmmj\n'\'' "$p"; done
  if [ -f /etc/mlmmjadmin/settings.py ]; then
    sed -n "s/^MLMMJ_\(SPOOL\|ARCHIVE\)_DIR *= *[\"'\'']\(\/[^\"'\'']*\)[\"'\''].*/\2/p" /etc/mlmmjadmin/settings.py
  fi
} | awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''{ sub(/\/+$/, "", $1); if ($2 == "") $2 = "mlmmj"; if (!($1 in k)) { k[$1] = $2; n[++c] = $1 } }
      END { for (i = 1; i <= c; i++) print n[i], k[n[i]] }'\'' | sort > roots.cand
: > roots.tsv.new
: > roots.real
while IFS="$(printf '\''\t'\'')" read -r r kind; do
  why=$(ms_path_problem "$r")
  # a root that is not there holds no mail yet: nothing to copy
  [ -n "$why" ] || [ -d "$r" ] || [ -L "$r" ] || continue
  # A store on another disk, reached through a symbolic link (the root or a
  # directory above it): its files are read through the link here and land
  # at the root'\''s own path on the target (the link itself is not carried);
  # where it leads must be a directory a store may be.
  real=$(realpath -e -- "$r" 2>/dev/null) || real=
  if [ -z "$why" ] && [ -z "$real" ]; then why="is a symbolic link that leads nowhere ($(readlink -- "$r"))"; fi
  if [ -z "$why" ] && [ ! -d "$real" ]; then why="leads to $real, which is not a directory"; fi
  if [ -z "$why" ] && [ "$real" != "$r" ]; then
    p=$(ms_path_problem "$real")
    [ -z "$p" ] || why="lies behind a symbolic link to $real, which $p"
  fi
  if [ -n "$why" ]; then printf '\''%s\tstorage root (%s) %s\n'\'' "$r" "$kind" "$why" >> refused.tsv; continue; fi
  printf '\''%s\t%s\t%s\t%s\n'\'' "$r" "$kind" "$(stat -L -c %U:%G -- "$r")" "$(stat -L -c %a -- "$r")" >> roots.tsv.new
  printf '\''%s\t%s\n'\'' "$r" "$real" >> roots.real
done < roots.cand
# a root inside another is copied with it, unless a link lies between them
# (the copy would carry the link, not the files): that is refused
awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''FILENAME == ARGV[1] { q[$1] = $2; next } { r[++n] = $0; p[n] = $1 }
  END { for (i = 1; i <= n; i++) { inner = 0; for (j = 1; j <= n; j++) if (j != i && index(p[i] "/", p[j] "/") == 1) {
          inner = 1
          if (q[p[i]] != q[p[j]] substr(p[i], length(p[j]) + 1))
            print p[i], "storage root inside the storage root " p[j] ", through a symbolic link (to " q[p[i]] "): move it out of " p[j] " or make it a directory" >> "refused.tsv" }
        if (!inner) print r[i] } }'\'' \
  roots.real roots.tsv.new > roots.tsv
# two roots that are the same files through a link would be copied and
# counted twice, in two places: refused, both named
awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''{ p[NR] = $1; q[NR] = $2 }
  END { for (i = 1; i <= NR; i++) for (j = 1; j <= NR; j++)
    if (i != j && index(p[i] "/", p[j] "/") != 1 && index(p[j] "/", p[i] "/") != 1 && index(q[i] "/", q[j] "/") == 1)
      print p[i], "storage root: its files (" q[i] ") are also those of the storage root " p[j] " (" q[j] "), through a symbolic link" }'\'' \
  roots.real >> refused.tsv
awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { k[$1] = 1; next } ($1 in k) && $1 != $2'\'' roots.tsv roots.real > linked.tsv
rm -f roots.cand roots.tsv.new roots.real
# an account whose mail is behind a symbolic link inside a root would be
# copied as a link: refused with its name (a walk of every root: pre-flight
# only; in the window the census notes any link it meets)
if [ "$mode" = full ] && [ -s roots.tsv ]; then
  cut -f 1 roots.tsv | tr '\''\n'\'' '\''\0'\'' | xargs -0 -r sh -c '\''find -H "$@" -type l -print'\'' sh > links 2>/dev/null || true
  awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''FILENAME == ARGV[1] { l[$0] = 1; next }
    { p = $2; while (p != "" && p != $3) { if (p in l) { print $1, "its mail lies behind the symbolic link " p; break } sub(/\/[^\/]*$/, "", p) } }'\'' links accounts.tsv >> refused.tsv
  rm -f links
fi
if [ -s refused.tsv ]; then
  for f in accounts nologin; do
    awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { bad[$1] = 1; next } !($1 in bad)'\'' refused.tsv "$f.tsv" > "$f.keep"
    mv -- "$f.keep" "$f.tsv"
  done
fi
chmod 0600 -- *.tsv dovecot.digest

# 5. What was found.
n=$(wc -l < backend.tsv) act=$(awk -F '\''\t'\'' '\''$2 == 1'\'' backend.tsv | wc -l)
echo "accounts in the account backend: $n ($act active, $((n - act)) inactive)"
echo "resolved by the source'\''s Dovecot: $(wc -l < resolved.tsv); their mail is counted in the census: $(wc -l < accounts.tsv)"
[ "$mode" != full ] || echo "can log in (the source'\''s Dovecot finds their password for IMAP or POP3): $(($(wc -l < accounts.tsv) - $(wc -l < nologin.tsv)))"
echo "storage roots: $(wc -l < roots.tsv)"
awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { c[$3]++; next } { printf "  %s  (%s, %s, %s)%s\n", $1, $2, $3, $4, ($1 in c) ? "  " c[$1] " account(s)" : "" }'\'' accounts.tsv roots.tsv
awk -F '\''\t'\'' '\''{ printf "  %s is reached through a symbolic link, to %s: its files are copied to %s on the target (the link is not)\n", $1, $2, $1 }'\'' linked.tsv
echo "verify-row resolved $(wc -l < accounts.tsv) -"
echo "verify-row roots $(wc -l < roots.tsv) -"
echo "verify-row unresolved $(($(wc -l < unresolved.tsv) + $(wc -l < nologin.tsv))) -"
echo "discovery took $(ms_took "$t0") s; written to $d"
if [ -s refused.tsv ]; then
  echo "mailshift cannot carry $(wc -l < refused.tsv) account(s) or root(s) as they are (the first 20):" >&2
  head -n 20 refused.tsv | tr '\''\t'\'' '\'' '\'' | sed '\''s/^/  /'\'' >&2
  echo "change them on the source (or tell us the layout), then run pre-flight again; nothing was changed" >&2
  exit 1
fi
'
  # lists the active accounts the source's own Dovecot cannot resolve or log in
  advisory on_source 'b=/var/backups/mailshift
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue'\''s
# broken: the accounts discovery found broken on the source before the
# migration (an advisory action of pre-flight): the active accounts its
# Dovecot does not find (unresolved.tsv) and those it would not let log in
# (nologin.tsv).  Prologue: b.  Fails, listing the first 20 of each.
d=$b/discovery
if [ ! -s "$d/unresolved.tsv" ] && [ ! -s "$d/nologin.tsv" ]; then
  echo "the source'\''s Dovecot resolves every active account and finds its password"; exit 0
fi
if [ -s "$d/unresolved.tsv" ]; then
  echo "$(wc -l < "$d/unresolved.tsv") active account(s) the source'\''s own Dovecot does not find: broken before the migration, not by it (the first 20):" >&2
  head -n 20 -- "$d/unresolved.tsv" | tr '\''\t'\'' '\'' '\'' | sed '\''s/^/  /'\'' >&2
  echo '\''their mail is copied with its storage root, and the census leaves them out'\'' >&2
fi
if [ -s "$d/nologin.tsv" ]; then
  echo "$(wc -l < "$d/nologin.tsv") account(s) the source'\''s own Dovecot would not let log in: broken (or closed) before the migration, not by it (the first 20):" >&2
  head -n 20 -- "$d/nologin.tsv" | tr '\''\t'\'' '\'' '\'' | sed '\''s/^/  /'\'' >&2
  echo '\''their mail is copied and counted like every other account'\'' >&2
fi
echo '\''fix them on the source (retry), or go on'\'' >&2
exit 1
'
  # lists the storage roots found
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local roots && roots=$(on_source "cat -- /var/backups/mailshift/discovery/roots.tsv")
  # accepts the storage roots the copies will fill (checked here first)
  on_target --stdin 'b=/var/backups/mailshift
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

vmail=/var/vmail
# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail ssh login: the prologue'\''s
# lib-target: what only the target runs: the roots and accounts the source
# sends, checked before anything is copied into them, and the pull over the
# one-off key.  mailshift puts it after lib.sh (steps/census.c); the source
# never gets it: no action on the source reaches out to another server.

# ms_accept_roots < ROOTS: the storage roots the source found (discover.sh'\''s
# roots.tsv: root, kind, owner, mode), checked here before anything is copied
# into them, written to $b/discovery/roots.tsv.  A root that is not a plain
# path outside the system directories, an owner this server does not have, or
# a mode that is not octal stops the step with the list; so does a root that
# is a link here, or that a link above it leads into a system directory or
# that lies behind a link inside the mail store ($vmail) or another root.
ms_accept_roots() {
  local d=$b/discovery bad=0 root kind owner mode why u g n real a o
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  : > "$d/roots.tsv.new"
  while IFS="$(printf '\''\t'\'')" read -r root kind owner mode; do
    [ -n "$root" ] || continue
    why=$(ms_path_problem "$root")
    case $kind in mail|sieve|public|mlmmj) ;; *) why=${why:-"has an unknown kind: $kind"} ;; esac
    case $mode in [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) ;; *) why=${why:-"has no octal mode: $mode"} ;; esac
    u=${owner%%:*} g=${owner#*:}
    if [ -z "$why" ] && { ! id -u -- "$u" >/dev/null 2>&1 || ! getent group -- "$g" >/dev/null; }; then
      why="belongs to $owner on the source: create that user and group here first"
    fi
    if [ -n "$why" ]; then echo "storage root $root $why" >&2; bad=1; continue; fi
    if [ -L "$root" ]; then
      echo "storage root $root is a symbolic link here (to $(readlink -- "$root")): mailshift does not write through it; make $root the directory itself (mount the other disk there)" >&2
      bad=1; continue
    fi
    # A link above the root (this server'\''s own layout, /var/vmail on another
    # disk) is followed, but never into a system directory, nor one that lies
    # inside a store: a copy may have put that link there (the source'\''s).
    real=$(realpath -m -- "$root")
    if [ "$real" != "$root" ]; then
      why=$(ms_path_problem "$real")
      a=${root%/*}
      while [ -z "$why" ] && [ -n "$a" ]; do
        if [ -L "$a" ]; then
          case $a/ in "$vmail"/*) why="lies behind the link $a, inside the mail store $vmail" ;; esac
          while IFS="$(printf '\''\t'\'')" read -r o _; do
            case $a/ in "$o"/*) why="lies behind the link $a, inside the storage root $o" ;; esac
          done < "$d/roots.tsv.new"
        fi
        a=${a%/*}
      done
      if [ -n "$why" ]; then echo "storage root $root resolves here to $real, which $why" >&2; bad=1; continue; fi
    fi
    printf '\''%s\t%s\t%s\t%s\n'\'' "$root" "$kind" "$owner" "$mode" >> "$d/roots.tsv.new"
    if [ -d "$root" ]; then
      n=$(find "$root" -mindepth 1 -maxdepth 3 | head -n 1000 | wc -l)
      [ "$n" = 0 ] || echo "$root: on this server already ($n+ paths); the final copy makes it as on the source"
    fi
  done
  [ "$bad" = 0 ] || { rm -f -- "$d/roots.tsv.new"; echo "nothing was copied: fix the roots above, then run this step again" >&2; return 1; }
  mv -- "$d/roots.tsv.new" "$d/roots.tsv"
  echo "$(wc -l < "$d/roots.tsv") storage root(s) to copy, own and verify, written to $d/roots.tsv"
}

# ms_accept_accounts FILE: the source'\''s list of accounts (discover.sh'\''s
# accounts.tsv) put in place here, after checking every mail directory lies in
# an accepted root (the census reads only there).
ms_accept_accounts() {
  local bad
  bad=$(awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { r[$1] = 1; next } !(($3 in r) && index($2, $3 "/") == 1) { n++ }
    END { print n + 0 }'\'' "$b/discovery/roots.tsv" "$1")
  [ "$bad" = 0 ] || { echo "$bad account(s) of the source'\''s list lie outside its storage roots" >&2; return 1; }
  install -m 0600 -- "$1" "$b/discovery/accounts.tsv"
}

# shellcheck disable=SC2154 # ssh login: the prologue of the fragment that pulls
# ms_pull DIR FILE... : the target fetches the source'\''s FILEs (absolute paths
# there) into DIR here, over the one-off key ($ssh, $login).
ms_pull() {
  local d=$1 f args=()
  shift
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  for f; do args+=("$login:$f"); done
  rsync -asz -e "$ssh" -- "${args[@]}" "$d/"
}
ms_accept_roots
' <<<"$roots"
  # reads the source's iRedMail version
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local release && release=$(on_source "head -n 1 /etc/iredmail-release")
  # both run the same iRedMail version
  on_target --stdin 'src=$(cat)
dst=$(head -n 1 /etc/iredmail-release)
echo "source: $src"; echo "target: $dst"
echo "verify-row iredmail ${src%% *} ${dst%% *}"
echo "verify-row backend $(echo "$src" | awk '\''{print $2}'\'') $(echo "$dst" | awk '\''{print $2}'\'')"
sv=${src%% *} tv=${dst%% *}
[ "$sv" != "$tv" ] || exit 0
# the advice names the older side
if [ "$(printf '\''%s\n'\'' "$sv" "$tv" | sort -V | head -n 1)" = "$sv" ]; then
  echo "iRedMail versions differ: the source runs $sv, older than the target'\''s $tv: upgrade the source to $tv first, or install $sv on the target" >&2
else
  echo "iRedMail versions differ: the target runs $tv, older than the source'\''s $sv: install $sv on the target (never move a newer iRedMail'\''s databases into an older one)" >&2
fi
exit 1' <<<"$release"
  # reads the source's vmail uid:gid
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local vmail_ids && vmail_ids=$(on_source 'echo "$(id -u vmail):$(id -g vmail)"')
  # the vmail user has the same uid:gid on both
  advisory on_target --stdin 'src=$(cat)
dst=$(echo "$(id -u vmail):$(id -g vmail)")
echo "vmail uid:gid on the source $src, on the target $dst"
echo "verify-row vmail-ids $src $dst"
[ "$src" = "$dst" ] || { echo '\''vmail ids differ: the copy keeps numbers, the chown step fixes owners; check mail_uid/mail_gid in the target dovecot.conf'\'' >&2; exit 1; }' <<<"$vmail_ids"
  # measures the source's mail (the store and the roots outside it)
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local mail_bytes && mail_bytes=$(on_source 'v=/var/vmail
dirs=("$v")
while IFS="$(printf '\''\t'\'')" read -r r _; do
  case $r/ in "$v"/*) ;; *) [ ! -d "$r" ] || dirs+=("$r") ;; esac
done < /var/backups/mailshift/discovery/roots.tsv
du -scx -B1 -- "${dirs[@]}" | tail -n 1 | cut -f 1')
  # the target has room for the mail
  on_target --stdin 'need=$(cat)
have=$(test -d /var/vmail && echo $(( $(df -P -B1 -- /var/vmail | awk "NR == 2 {print \$4}") + $(du -sx -B1 -- /var/vmail | cut -f 1) ))) || { echo '\''the target has no mail store directory yet: install iRedMail there first'\'' >&2; exit 1; }
case $need$have in *[!0-9]*|'\'''\'') echo '\''cannot measure the disk space'\'' >&2; exit 1 ;; esac
echo "mail on the source: $need bytes; room for it on the target: $have bytes"
echo "verify-row du $need -"; echo "verify-row room - $have"
[ "$have" -gt $((need + need / 10)) ] || { echo "not enough room on the target: it needs $((need + need / 10)) bytes free (the mail plus 10%)" >&2; exit 1; }' <<<"$mail_bytes"
  # its databases answer: versions, sizes, accounts
  # (mailshift reads this through its own database and LDAP connections;
  # the runbook checks it with the servers' own tools)
  on_source 'echo "MariaDB $(mysql -Nse '\''SELECT VERSION()'\'')"
echo "accounts: $(mysql -Nse '\''SELECT COUNT(*) FROM vmail.mailbox'\'')"'
  # its databases answer: versions, sizes, accounts
  # (mailshift reads this through its own database and LDAP connections;
  # the runbook checks it with the servers' own tools)
  on_target 'echo "MariaDB $(mysql -Nse '\''SELECT VERSION()'\'')"
echo "accounts: $(mysql -Nse '\''SELECT COUNT(*) FROM vmail.mailbox'\'')"'
  # lower the TTL of the MX and A records to 300 seconds, a day ahead
  on_local 'printf '\''%s\n'\'' '\''At your DNS provider, lower the TTL of every mail domain'\''"'\''"'\''s MX record and of the A record it names to 300 seconds, at least a day (the old TTL) before the switch, so senders follow the change within minutes.'\'''
  manual "lower the TTL of the MX and A records to 300 seconds, a day ahead"
  :
}

# --- migration-key: Let the target reach the source with a one-off key
#
# The mail, the DKIM keys, the configuration and the database dumps travel
# directly between the servers, never through your machine: the new server
# pulls them from the old one with rsync over SSH. For that mailshift
# creates a one-off key on the target (/root/.ssh/mailshift-migration, kept
# if an earlier run made it), authorizes it for the source's user in its
# ~/.ssh/authorized_keys with a marking comment (mailshift-migration and the
# target) and without agent or port forwarding or a terminal, and gives the
# target the source's host keys, read over your own connection whose host
# key was checked, in a file of its own (/root/.ssh/mailshift-known_hosts),
# so the target checks the source's identity strictly. The old server never
# gets a key to the new one. The last step, remove-key, takes all of it
# away.
step_migration_key() {
  # creates a one-off SSH key on the target (an earlier run's is kept)
  on_target 'k=/root/.ssh/mailshift-migration
mkdir -p -m 0700 -- "${k%/*}"
if [ -e "$k" ] || [ -e "$k.pub" ]; then
  { [ -f "$k" ] && [ -f "$k.pub" ]; } || { echo "$k or $k.pub is missing: remove what is left of the pair and run this step again" >&2; exit 1; }
  echo "keeping the key of an earlier run: $k"
else
  ssh-keygen -q -t ed25519 -N "" -C "mailshift-migration root@10.200.0.3" -f "$k"
  echo "created $k"
fi'
  # reads its public key
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local pubkey && pubkey=$(on_target "cat -- /root/.ssh/mailshift-migration.pub")
  # authorizes it on the source, marked, without forwarding or terminal (once)
  on_source --stdin 'm="mailshift-migration root@10.200.0.3"
read -r type blob _ || { echo '\''no public key came from the target'\'' >&2; exit 1; }
case $type in ssh-ed25519) ;; *) echo "not an ed25519 public key: $type" >&2; exit 1 ;; esac
case $blob in '\'''\''|*[!A-Za-z0-9+/=]*) echo '\''not a public key'\'' >&2; exit 1 ;; esac
line="no-agent-forwarding,no-port-forwarding,no-X11-forwarding,no-pty $type $blob $m"
f="$HOME/.ssh/authorized_keys"
mkdir -p -m 0700 -- "$HOME/.ssh"
if [ -f "$f" ] && grep -qxF -- "$line" "$f"; then echo "already authorized in $f"; exit 0; fi
if [ -s "$f" ] && [ -n "$(tail -c 1 -- "$f")" ]; then echo >> "$f"; fi
printf '\''%s\n'\'' "$line" >> "$f"
echo "authorized in $f, marked \"$m\""' <<<"$pubkey"
  # reads the source's host keys (over this connection, whose host key was checked)
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local hostkeys && hostkeys=$(on_source "cat /etc/ssh/ssh_host_*_key.pub")
  # gives the target the source's host keys, in a known_hosts file of its own
  on_target --stdin 'n=10.200.0.2; f=/root/.ssh/mailshift-known_hosts
: > "$f.part"
while read -r type blob _; do
  case $type in ssh-*|ecdsa-*|sk-*) ;; *) echo "not a host key type: $type" >&2; exit 1 ;; esac
  case $blob in '\'''\''|*[!A-Za-z0-9+/=]*) echo '\''not a host key'\'' >&2; exit 1 ;; esac
  printf '\''%s %s %s\n'\'' "$n" "$type" "$blob" >> "$f.part"
done
[ -s "$f.part" ] || { echo '\''no host key came from the source'\'' >&2; exit 1; }
mv -f -- "$f.part" "$f"
echo "the target knows the source as $n by $(wc -l < "$f") host key(s), in $f"' <<<"$hostkeys"
  # the target logs in to the source with the key (host key checked)
  on_target "ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22 root@10.200.0.2 true && echo 'the target reaches the source over SSH with the one-off key'"
  :
}

# --- installer: Check the iRedMail installer's files
#
# The target must run the source's iRedMail version. Its installer
# (pkgs/get_all.sh) downloads the files listed in pkgs/pkgs.sha256 (older
# releases: pkgs/MD5.misc) into pkgs/misc/; for an older release some are no
# longer on the mirror and the installer stops. This step checks the
# installer tree on the target and lists each missing or damaged file with
# the URL it comes from and the folder it goes in (pkgs/misc/). Fetch them
# (from the mirror, an archive, or the source's own installer tree), then
# retry the check until it passes. It changes nothing; a missing file is a
# warning, not a stop.
step_installer() {
  # lists the installer files that are missing or damaged, and where each comes from
  advisory on_target 'd=/root/iRedMail-1.8.1
cd -- "$d/pkgs" || { echo "no installer tree at $d on the target: unpack the source'\''s iRedMail version there" >&2; exit 1; }
if [ -f pkgs.sha256 ]; then list=pkgs.sha256 sum=sha256sum
elif [ -f MD5.misc ]; then list=MD5.misc sum=md5sum
else echo "no pkgs/pkgs.sha256 or pkgs/MD5.misc in $d" >&2; exit 1; fi
# the mirror get_all.sh downloads from (conf/global), as it builds the URL
mirror=
[ ! -f "$d/conf/global" ] || mirror=$(sed -n '\''s/.*IREDMAIL_MIRROR:-\([^}]*\)}.*/\1/p'\'' "$d/conf/global" | head -n 1)
mirror=${mirror:-https://dl.iredmail.org}
bad=0 n=0
while read -r want file; do
  [ -n "$file" ] || continue
  file=${file#\*}
  case $file in misc/*) ;; *) file=misc/$file ;; esac
  n=$((n + 1))
  if [ ! -f "$file" ]; then why=missing
  elif [ "$($sum < "$file" | cut -d '\'' '\'' -f 1)" != "$want" ]; then why='\''wrong checksum'\''
  else continue; fi
  bad=$((bad + 1))
  echo "$why: ${file#misc/}  <- $mirror/yum/misc/${file#misc/}  -> $d/pkgs/misc/"
done < "$list"
if [ "$bad" -gt 0 ]; then echo "$bad of $n file(s) to download by hand (URL <-) into $d/pkgs/misc/ (->), then retry this check; the installer stops without them" >&2; exit 1; fi
echo "all $n files in $list are present and intact"'
  :
}

# --- roundcube: Upgrade Roundcube on the source
#
# The Roundcube database is copied to the target, so it must match the
# Roundcube version the target runs: upgrade the old webmail first, with the
# new release's bin/installto.sh (it needs rsync and PHP's system()). The
# upgrade must be able to write the installed tree as the web server user;
# instead of making everything world-writable (the seed paper's chmod 777),
# mailshift saves the tree and every owner and mode, gives the tree to the
# web server user (www-data) for the upgrade alone, puts back exactly the
# owners and modes that were there, and proves it: no file in the tree is
# world-writable and every saved owner and mode is back.
step_roundcube() {
  # installto.sh, rsync and PHP with system() are there
  on_source 'test -x /root/roundcubemail-1.7.0/bin/installto.sh || { echo '\''no executable bin/installto.sh in the new release'\'' >&2; exit 1; }
test -d /opt/www/roundcubemail || { echo '\''no Roundcube installed at roundcube_dir'\'' >&2; exit 1; }
command -v rsync >/dev/null || { echo '\''installto.sh needs rsync: install it'\'' >&2; exit 1; }
command -v php >/dev/null || { echo '\''installto.sh needs the PHP command line (php-cli)'\'' >&2; exit 1; }
php -r '\''exit(in_array("system", array_map("trim", explode(",", ini_get("disable_functions")))) ? 1 : 0);'\'' || { echo '\''PHP system() is disabled (disable_functions in php.ini): installto.sh needs it'\'' >&2; exit 1; }
echo '\''ready to upgrade'\'''
  # saves the tree and its owners and modes
  on_source 'b=/var/backups/mailshift; d=$(readlink -f -- /opt/www/roundcubemail)
mkdir -p -m 0700 -- "$b"
if [ ! -e "$b/roundcube-before-upgrade.tar.gz" ]; then
  tar -C "$(dirname -- "$d")" -czpf "$b/roundcube-before-upgrade.tar.gz.part" -- "$(basename -- "$d")"
  mv -- "$b/roundcube-before-upgrade.tar.gz.part" "$b/roundcube-before-upgrade.tar.gz"
fi
if [ ! -e "$b/roundcube-perms" ]; then
  find "$d" -printf '\''%m %u:%g %p\0'\'' > "$b/roundcube-perms.part"
  mv -- "$b/roundcube-perms.part" "$b/roundcube-perms"
fi
echo "saved $(tr -cd '\''\0'\'' < "$b/roundcube-perms" | wc -c) owners and modes in $b/roundcube-perms"'
  # lets the web server user write the tree (not the world), for the upgrade only
  on_source 'd=$(readlink -f -- /opt/www/roundcubemail)
w=
for u in www-data nginx apache; do id -u "$u" >/dev/null 2>&1 && { w=$u; break; }; done
[ -n "$w" ] || { echo '\''no web server user (www-data, nginx, apache) on this host'\'' >&2; exit 1; }
chown -R -- "$w" "$d"
chmod -R u+rwX -- "$d"
echo "$w may write $d until the upgrade is done"'
  # upgrades Roundcube in place (the old tree is saved)
  destructive "upgrades Roundcube in place (the old tree is saved)"
  on_source "cd -- /root/roundcubemail-1.7.0
umask 022
echo y | ./bin/installto.sh /opt/www/roundcubemail"
  # puts back the exact owners and modes saved before
  on_source 'f=/var/backups/mailshift/roundcube-perms
t=$(mktemp -d)
declare -A key=()
n=0
# group the paths by owner and mode, then one chown/chmod per group
while IFS= read -r -d '\'''\'' l; do
  m=${l%% *}; r=${l#* }; o=${r%% *}; p=${r#* }
  if [ -L "$p" ]; then m=L; elif [ ! -e "$p" ]; then continue; fi
  s="$m $o"
  [ -n "${key[$s]:-}" ] || key[$s]=${#key[@]}
  printf '\''%s\0'\'' "$p" >> "$t/${key[$s]}"
  n=$((n + 1))
done < "$f"
for k in "${!key[@]}"; do
  m=${k%% *}; o=${k#* }
  xargs -0 -r chown -h -- "$o" < "$t/${key[$k]}"
  [ "$m" = L ] || xargs -0 -r chmod -- "$m" < "$t/${key[$k]}"
done
rm -rf -- "$t"
mv -- "$f" "$f.restored"
echo "restored $n owners and modes"'
  # proves no file is world-writable and every owner and mode is as before
  on_source 'd=$(readlink -f -- /opt/www/roundcubemail); f=/var/backups/mailshift/roundcube-perms.restored
# world-writable now, and not before the upgrade (a mode the admin chose is kept, and said)
declare -A was=()
while IFS= read -r -d '\'''\'' l; do
  m=${l%% *}; p=${l#* }; p=${p#* }
  (( 8#$m & 2 )) && was[$p]=1
done < "$f"
ww= kept=0
while IFS= read -r -d '\'''\'' p; do
  if [ -n "${was[$p]:-}" ]; then kept=$((kept + 1)); else ww+="$p"$'\''\n'\''; fi
done < <(find "$d" -perm -0002 ! -type l -print0)
[ -z "$ww" ] || { echo '\''world-writable after the upgrade, and not before:'\'' >&2; printf '\''%s'\'' "$ww" | sed -n 1,20p >&2; exit 1; }
[ "$kept" = 0 ] || echo "$kept path(s) were world-writable before the upgrade and still are: consider chmod o-w"
t=$(mktemp -d)
LC_ALL=C sort -z < "$f" > "$t/before"
find "$d" -printf '\''%m %u:%g %p\0'\'' | LC_ALL=C sort -z > "$t/now"
bad=0
# a line saved before and not found now: changed, unless the upgrade removed the path
while IFS= read -r -d '\'''\'' l; do
  p=${l#* }; p=${p#* }
  [ -e "$p" ] && [ ! -L "$p" ] || continue
  echo "not as before: $p (was ${l%% /*}, now $(stat -c '\''%a %U:%G'\'' -- "$p"))" >&2; bad=$((bad + 1))
done < <(LC_ALL=C comm -z -23 "$t/before" "$t/now")
rm -rf -- "$t"
[ "$bad" = 0 ] || exit 1
echo "no world-writable file in $d; $(tr -cd '\''\0'\'' < "$f" | wc -c) owners and modes as before the upgrade"'
  :
}

# --- mailstore-bulk: Copy the mail store while the old server is live
#
# Copying all the mail is the longest part of a migration (a day for a large
# server in the seed paper), so it runs first, while the old server still
# serves users. The target pulls the mail store, and every storage root
# pre-flight found (another base directory or storage node, one on another
# disk behind a symbolic link, the mailing lists), from the source with
# rsync (directly, with the one-off key) into the same paths, keeping hard
# links, ACLs, extended attributes, numeric owners and the Maildir file
# names (which carry each message's flags); it deletes nothing. iRedMail's
# own backups (backup/ in the mail store) stay on each server. Then the
# copied mail gets its owners, and each side's mail is counted once (the
# census's cache): in the downtime window only the accounts that changed
# since are counted and copied again, which takes seconds, not the hours of
# this copy.
step_mailstore_bulk() {
  # copies the mail store and every storage root to the target (adds and updates, deletes nothing)
  destructive "copies the mail store and every storage root to the target (adds and updates, deletes nothing)"
  on_target 'b=/var/backups/mailshift
vmail=/var/vmail
login=root@10.200.0.2
ssh="ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22"
phase=bulk
leave_out=""
units_awk='\''# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate'\''\'\'''\''s lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file'\''\'\'''\''s directory).
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail login ssh phase leave_out units_awk: the prologue'\''s
# copy: the target pulls the mail from the source with rsync, the mail store
# ($vmail) and every storage root discovery found ($b/discovery/roots.tsv,
# accepted here by pre-flight), each into the same path.  A root that is a
# symbolic link on the source (a store on another disk) is read through the
# link and written here as a directory at the root'\''s own path.
#
# Prologue: b, vmail, login (USER@HOST of the source), ssh (how the target
# reaches it: the one-off key), phase: bulk (while the source is live: adds and
# updates, deletes nothing; rsync'\''s exit 24, files that vanished meanwhile, is
# expected) or final (the source is stopped: each root is made as on the
# source, deleting what users deleted meanwhile; nothing outside the roots is
# deleted); leave_out: a root left out on purpose (a test hook: empty).
#
# --info=progress2 reports each copy in place (bytes, percent, rate, time
# left); --no-inc-recursive lists the whole tree first, so the percentage is
# of the whole and -H knows every hard link before it copies one.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
rs=(rsync -aHAXs --numeric-ids --no-inc-recursive --stats -e "$ssh")
roots=() inside=()
# iRedMail'\''s own nightly backups (its databases, the mysql system database
# too) stay on each server: the target keeps its own, never the source'\''s
inside+=(--exclude=/backup)
while IFS="$(printf '\''\t'\'')" read -r root _; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  if [ -n "$leave_out" ] && [ "$root" = "$leave_out" ]; then
    echo "TEST HOOK: $root is left out of the copy (MAILSHIFT_TEST_LEAVE_OUT)"; continue
  fi
  roots+=("$root")
  # (no trailing /: a root that is a symbolic link on the source is excluded
  # too, and copied through the link as a directory, never as the link)
  case $root/ in "$vmail"/*) inside+=(--exclude="/${root#"$vmail"/}") ;; esac
done < "$r"
[ -z "$leave_out" ] || case $leave_out/ in "$vmail"/*) inside+=(--exclude="/${leave_out#"$vmail"/}") ;; esac
pull() { # FROM TO [rsync options]: rsync'\''s exit status, 24 taken as success while live
  local from=$1 to=$2 rc=0
  shift 2
  (umask 022 && mkdir -p -- "$to")  # parents others may traverse (Dovecot runs as vmail)
  "${rs[@]}" --info=progress2 "$@" -- "$login:$from/" "$to/" || rc=$?
  if [ "$rc" = 24 ] && [ "$phase" = bulk ]; then
    echo "some files vanished while copying $from (mail changes while live): the final copy takes them"; rc=0
  fi
  return "$rc"
}
if [ "$phase" = bulk ]; then
  # the mail store but its roots, then each root
  pull "$vmail" "$vmail" "${inside[@]}"
  for root in "${roots[@]}"; do pull "$root" "$root"; done
  echo "copied $vmail and $((${#roots[@]})) storage root(s); nothing was deleted"
  echo "left on each server: $vmail/backup (iRedMail'\''s own backups: the target keeps its own)"
else
  # what is not a root: added and updated
  t0=$EPOCHREALTIME
  pull "$vmail" "$vmail" "${inside[@]}"
  mail=() other=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    case " ${roots[*]} " in *" $root "*) ;; *) continue ;; esac
    if [ "$kind" = mail ]; then mail+=("$root"); else other+=("$root"); fi
  done < "$r"
  # the roots beside the mailboxes (lists, sieve, public): each as on the source
  for root in "${other[@]}"; do pull "$root" "$root" --delete-after; done
  t1=$EPOCHREALTIME
  rm -f -- "$b/state/synced"
  if [ -f "$b/census/source.dirs" ] && [ -f "$b/census/cache-target.dirs" ] && [ ${#mail[@]} -gt 0 ]; then
    # The mailboxes: only what is not the same on both servers.  The census
    # step listed the state of the source'\''s mail (ms_dirstate: paths and
    # times); this server'\''s, as its census last listed it (after the bulk
    # copy; after an earlier final copy, verify'\''s), differs wherever a
    # message arrived, was removed or flagged since (rsync gives each
    # directory and file the source'\''s time), and wherever this server'\''s
    # copy was changed since it was listed: each such account is made as on
    # the source, whole; a directory outside every account alone.  What
    # changes here after that list is what verify'\''s census finds.
    t=$(mktemp -d "$b/.copy.XXXXXX")
    trap '\''rm -rf -- "$t"'\'' EXIT
    state=$b/census/cache-target.dirs
    [ ! "$b/census/target.dirs" -nt "$state" ] || state=$b/census/target.dirs
    cp -- "$state" "$t/target.dirs"
    # the source'\''s list, for the roots copied here
    awk -F '\''\t'\'' -v roots="$(printf '\''%s\n'\'' "${mail[@]}")" '\''BEGIN { n = split(roots, r, "\n") }
      { for (i = 1; i <= n; i++) if (r[i] != "" && index($1 "/", r[i] "/") == 1) { print; next } }'\'' \
      "$b/census/source.dirs" > "$t/source.dirs"
    comm -3 -- "$t/source.dirs" "$t/target.dirs" | sed '\''s/^\t//'\'' |
      awk -F '\''\t'\'' -v accounts="$b/discovery/accounts.tsv" -v leave_out="$leave_out" "$units_awk" > "$t/units"
    awk -F '\''\t'\'' '\''$1 == "R" { print substr($2, 2) }'\'' "$t/units" > "$t/r"
    awk -F '\''\t'\'' '\''$1 == "D" { print substr($2, 2) "/." }'\'' "$t/units" > "$t/d"
    t2=$EPOCHREALTIME
    # --no-implied-dirs: the directories above each path keep this server'\''s
    # own attributes (a new one among them differs, so it is in the list);
    # --delete-missing-args: what the source no longer has goes here too
    if [ -s "$t/r" ]; then
      "${rs[@]}" -r --info=progress2 --delete-after --no-implied-dirs --delete-missing-args \
        --files-from="$t/r" -- "$login:/" /
    fi
    if [ -s "$t/d" ]; then
      "${rs[@]}" -d --delete-after --no-implied-dirs --delete-missing-args --files-from="$t/d" -- "$login:/" /
    fi
    mkdir -p -- "$b/state" && chmod 0700 -- "$b/state"
    cut -f 1,2 "$t/units" > "$b/state/synced"
    echo "$(wc -l < "$t/r") account(s) and $(wc -l < "$t/d") other folder(s) differed from the source: made as on the source; the other $(($(wc -l < "$b/discovery/accounts.tsv") - $(wc -l < "$t/r"))) account(s) were already the same"
    echo "(the store'\''s other files $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, copying $(ms_took "$t2") s)"
  else
    for root in "${mail[@]}"; do pull "$root" "$root" --delete-after; done
  fi
  echo "${#roots[@]} storage root(s) now as on the source; $vmail'\''s other files added and updated"
  # Verify counts this server'\''s mail next: its state is listed now, in the
  # background, while the owners and the databases are done (nothing there
  # changes a message); verify'\''s census waits for it (the lock) and takes it.
  c=$b/census
  rm -f -- "$c/target.dirs.next"
  if [ -f "$c/cache-target.dirs" ] && [ ${#mail[@]} -gt 0 ]; then
    exec 9> "$c/.listing.lock"
    flock 9
    # shellcheck disable=SC2016 # expands in the background shell
    (setsid bash -c "$(declare -f ms_dirstate)"'\''
      ms_dirstate "${@:2}" > "$1.tmp" && mv -- "$1.tmp" "$1"'\'' bash "$c/target.dirs.next" "${mail[@]}" \
      </dev/null >/dev/null 2>&1 &)
    exec 9>&-
    echo "listing this server'\''s mail for verify, in the background"
  fi
fi
'
  # each storage root belongs to its owner on the source (vmail, mlmmj), by name
  on_target 'b=/var/backups/mailshift
vmail=/var/vmail
mode=fix
scope=all
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail mode scope: the prologue'\''s
# owners: the owner each storage root has on the source (vmail for the mail,
# mlmmj for the lists, ...), by name on this server, for the root and
# everything in it, and the root'\''s mode.  mode=fix changes what differs
# (never following a symbolic link); mode=check lists it (the figure: paths
# with another owner or mode; 0 is what must be).  scope=all: every path of
# every root (after the bulk copy, while the source is live); scope=synced:
# in the mailboxes, only what the final copy took again ($b/state/synced:
# the accounts and folders that differed), every path of the other roots,
# and each root itself; without that record, as all.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
synced=$b/state/synced
[ "$scope" = synced ] && [ -f "$synced" ] || scope=all
paths() { # ROOT KIND: where to look (NUL-separated) and with which depth
  if [ "$scope" = all ] || [ "$2" != mail ]; then printf '\''R\t%s\0'\'' "$1"; return; fi
  printf '\''D\t%s\0'\'' "$1"
  awk -F '\''\t'\'' -v root="$1" '\''index($2 "/", root "/") == 1 && $2 != root { printf "%s\t%s%c", $1, $2, 0 }'\'' "$synced"
}
# each: ROOT KIND OWNER ACTION...: the paths whose owner differs, with find'\''s
# ACTION (-print, or -exec chown: never a name through a pipe); one find for
# many accounts at a time
each() {
  local root=$1 kind=$2 u=${3%%:*} g=${3#*:} k p rec=() one=() rc=0
  shift 3
  while IFS="$(printf '\''\t'\'')" read -r -d '\'''\'' k p; do
    [ -e "$p" ] || continue
    if [ "$k" = R ]; then rec+=("$p"); else one+=("$p"); fi
    if [ $((${#rec[@]} + ${#one[@]})) -ge 500 ]; then
      each_find "$u" "$g" "$@" || rc=1
      rec=() one=()
    fi
  done < <(paths "$root" "$kind")
  each_find "$u" "$g" "$@" || rc=1
  return "$rc"
}
each_find() { # USER GROUP ACTION...: over $rec (whole) and $one (their own entries); fails if a find does
  local u=$1 g=$2 rc=0
  shift 2
  if [ ${#rec[@]} -gt 0 ]; then find "${rec[@]}" \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  if [ ${#one[@]} -gt 0 ]; then find "${one[@]}" -maxdepth 1 \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  return "$rc"
}
wrong() { # ROOT KIND OWNER MODE: the paths whose owner (or, for ROOT, mode) differ
  local rc=0
  find "$1" -maxdepth 0 ! -perm "$4" -print || rc=1
  each "$1" "$2" "$3" -print || rc=1
  return "$rc"
}
n=0 bad=0
while IFS="$(printf '\''\t'\'')" read -r root kind owner m; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  [ -d "$root" ] || continue
  [ ! -L "$root" ] || { echo "storage root $root is a symbolic link: not followed" >&2; exit 1; }
  n=$((n + 1))
  if [ "$mode" = fix ]; then
    each "$root" "$kind" "$owner" -exec chown -h -- "$owner" {} +
    chmod -- "$m" "$root"
    echo "$owner $m $root"
  else
    c=$(wrong "$root" "$kind" "$owner" "$m" | wc -l) || { echo "cannot check the owners in $root: find failed (above)" >&2; exit 1; }
    if [ "$c" -gt 0 ]; then
      echo "$root: $c path(s) not $owner (or the root not $m), the first 20:" >&2
      wrong "$root" "$kind" "$owner" "$m" | head -n 20 >&2 || true
      bad=$((bad + c))
    fi
  fi
done < "$r"
what="every path of the $n storage root(s)"
[ "$scope" = all ] || what="in the $n storage root(s), every path the final copy took again ($(wc -l < "$synced") accounts and folders), every path of the roots beside the mailboxes, each root itself"
if [ "$mode" = fix ]; then
  chown root:root -- "$vmail" && chmod 0755 -- "$vmail"
  echo "owned as on the source: $what; $vmail root:root 0755"
else
  echo "verify-row owners 0 $bad"
  [ "$bad" = 0 ] || exit 1
  echo "the source'\''s owners: $what"
fi
'
  # counts every account's mail while live, kept for the census in the window (only what changes meanwhile is counted again then)
  on_source 'b=/var/backups/mailshift
side=source
cache=save
census_awk='\''# census.awk: the census'\''\'\'''\''s one pass (census.sh feeds it; see there for the
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
# current account'\''\'\'''\''s, by folder
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
# the folder'\''\'\'''\''s dovecot-uidlist: "3 V<uidvalidity> N<uidnext> ..." then
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
    # the header'\''\'\'''\''s next UID is written when the file is rewritten; records
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
'\''
units_awk='\''# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate'\''\'\'''\''s lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file'\''\'\'''\''s directory).
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b side census_awk (census.awk) units_awk (units.awk) cache: the prologue'\''s
# census: every account'\''s mail as the account'\''s own Dovecot keeps it, per folder
# and per message, at the paths the source'\''s Dovecot resolved (discover.sh):
# taken on the source when nothing can change any more (in the downtime window,
# delivery and IMAP stopped) and on the target after the restore; verify
# compares the two (census-compare.sh).
#
# Prologue: b (backup dir), side (source|target).  Reads $b/discovery/accounts.tsv
# and roots.tsv; writes $b/census/$side.tsv (0600), sorted, tab-separated:
#   A user folders messages bytes unseen        one per account (- when its
#                                               mail directory does not exist)
#   F user folder messages bytes unseen uidvalidity uidnext flags guid
#   M user folder name uid flags bytes pop3-uidl
#   C key value                                 Dovecot settings clients key on
# folder: INBOX, or the Maildir++ folder'\''s directory name (.Sent, .Archive.2024);
# name: the message file'\''s unique part (before ":2,"); flags: its Maildir flag
# letters, "new" for a message in new/ (never seen by a client), "-" for none;
# uid, uidvalidity, uidnext, guid (the folder'\''s, which Dovecot keeps): from the folder'\''s dovecot-uidlist, Dovecot'\''s own
# record (the next UID: its header'\''s, or past the last UID listed, as Dovecot reads it) ("-" where Dovecot never listed the folder or the message); pop3-uidl:
# a UIDL Dovecot stored for the message ("-": pop3_uidl_format makes it).
# One streamed pass (find over the roots, awk), however many accounts.
# cache (prologue): empty, the census is one pass over every mail root;
# "save", that pass is also kept as the cache ($c/cache-$side.tsv), with the
# state of every mail directory taken just before it (ms_dirstate,
# cache-$side.dirs): the bulk copy takes one while the source is live, one
# of the target after the copy; "use", in the downtime window: the
# directories are listed again (no message is read), and only the accounts
# whose directories changed since the cache (or that are new) are counted
# again: a message added, removed or flagged changes its folder'\''s cur/ or
# new/, Dovecot rewrites its uidlist with a rename.  The rest is the cache'\''s.
# The list taken then is kept too ($c/$side.dirs): the final copy compares
# the source'\''s with the target'\''s.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
a=$b/discovery/accounts.tsv r=$b/discovery/roots.tsv
if [ ! -f "$a" ] || [ ! -f "$r" ]; then echo "no discovery in $b/discovery: run pre-flight first" >&2; exit 1; fi
t0=$EPOCHREALTIME
ms_mail_roots
tmp=$(mktemp -d "$c/.census.XXXXXX")
trap '\''rm -rf -- "$tmp"'\'' EXIT
count() { # [ONLY]: the census lines of the accounts below the paths on stdin (-z), or every root
  local only=${1:-}
  {
    printf '\''C\tpop3_uidl_format\t%s\n'\'' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
    if [ -n "$only" ]; then
      xargs -0 -r sh -c '\''find -H "$@" \( -type d -name cur -printf "D\t%h\n" \) -o \
        \( -type f \( -path "*/cur/*" -o -path "*/new/*" \) -printf "M\t%s\t%h\t%f\n" \) -o \( -type l -printf "L\t%p\n" \)'\'' sh
    elif [ ${#mail_roots[@]} -gt 0 ]; then
      find -H "${mail_roots[@]}" \( -type d -name cur -printf '\''D\t%h\n'\'' \) -o \
        \( -type f \( -path '\''*/cur/*'\'' -o -path '\''*/new/*'\'' \) -printf '\''M\t%s\t%h\t%f\n'\'' \) -o \
        \( -type l -printf '\''L\t%p\n'\'' \)
    fi
  } | awk -F '\''\t'\'' -v OFS='\''\t'\'' -v accounts="$a" -v only="$only" "$census_awk"
}
mode=full
if [ "${cache:-}" = use ] && [ -f "$c/cache-$side.tsv" ] && [ -f "$c/cache-$side.dirs" ]; then
  mode=cache
  # the final copy may have begun this listing already (the target'\''s)
  if [ -e "$c/.listing.lock" ]; then flock "$c/.listing.lock" true; fi
  if [ -f "$c/$side.dirs.next" ]; then
    mv -- "$c/$side.dirs.next" "$c/$side.dirs"
    echo "the state of the mail as listed right after the final copy"
  else
    ms_dirstate "${mail_roots[@]}" > "$c/$side.dirs"
  fi
  t1=$EPOCHREALTIME
  # the accounts whose directories changed, or that the cache does not know
  comm -3 -- "$c/cache-$side.dirs" "$c/$side.dirs" | sed '\''s/^\t//'\'' > "$tmp/changed"
  awk -F '\''\t'\'' -v accounts="$a" "$units_awk" "$tmp/changed" | awk -F '\''\t'\'' '\''$1 == "R" { print $3 }'\'' > "$tmp/only"
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { if ($1 == "A") known[$2] = 1; next } !($1 in known) { print $1 }'\'' \
    "$c/cache-$side.tsv" "$a" >> "$tmp/only"
  sort -u -o "$tmp/only" "$tmp/only"
  t2=$EPOCHREALTIME
  # their mail directories (those there: an account that never had mail has none)
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } ($1 in o) { printf "%s%c", $2, 0 }'\'' "$tmp/only" "$a" |
    while IFS= read -r -d '\'''\'' p; do if [ -d "$p" ] && [ ! -L "$p" ]; then printf '\''%s\0'\'' "$p"; fi; done |
    count "$tmp/only" | sort > "$tmp/new"
  t3=$EPOCHREALTIME
  # the cache'\''s lines of every other current account (sorted as the cache
  # is), merged with the new ones
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } FILENAME == ARGV[2] { cur[$1] = 1; next }
    $1 != "C" && ($2 in cur) && !($2 in o)'\'' "$tmp/only" "$a" "$c/cache-$side.tsv" > "$tmp/kept"
  sort -m -o "$c/$side.tsv.new" -- "$tmp/kept" "$tmp/new"
  echo "$(wc -l < "$tmp/only") account(s) changed since the cache of the $side (or new): counted again; the others'\'' count kept"
  echo "(listing the state $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, counting $(ms_took2 "$t2" "$t3") s, merging $(ms_took "$t3") s)"
else
  [ "${cache:-}" != save ] || ms_dirstate "${mail_roots[@]}" > "$c/cache-$side.dirs.new"
  count | sort -o "$c/$side.tsv.new"
fi
mv -- "$c/$side.tsv.new" "$c/$side.tsv"
chmod 0600 -- "$c/$side.tsv"
if [ "${cache:-}" = save ]; then
  cp -- "$c/$side.tsv" "$c/cache-$side.tsv"
  mv -- "$c/cache-$side.dirs.new" "$c/cache-$side.dirs"
  chmod 0600 -- "$c/cache-$side.tsv" "$c/cache-$side.dirs"
fi
awk -F '\''\t'\'' '\''$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "census of the %s: %d accounts, %d folders, %d messages, %.0f bytes\n", side, a, f, m, s }'\'' side="$side" "$c/$side.tsv"
echo "taken in $(ms_took "$t0") s ($mode); written to $c/$side.tsv"
'
  # fetches the source's list of accounts
  on_target 'b=/var/backups/mailshift
ssh="ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22"
login=root@10.200.0.2
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

vmail=/var/vmail
# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail ssh login: the prologue'\''s
# lib-target: what only the target runs: the roots and accounts the source
# sends, checked before anything is copied into them, and the pull over the
# one-off key.  mailshift puts it after lib.sh (steps/census.c); the source
# never gets it: no action on the source reaches out to another server.

# ms_accept_roots < ROOTS: the storage roots the source found (discover.sh'\''s
# roots.tsv: root, kind, owner, mode), checked here before anything is copied
# into them, written to $b/discovery/roots.tsv.  A root that is not a plain
# path outside the system directories, an owner this server does not have, or
# a mode that is not octal stops the step with the list; so does a root that
# is a link here, or that a link above it leads into a system directory or
# that lies behind a link inside the mail store ($vmail) or another root.
ms_accept_roots() {
  local d=$b/discovery bad=0 root kind owner mode why u g n real a o
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  : > "$d/roots.tsv.new"
  while IFS="$(printf '\''\t'\'')" read -r root kind owner mode; do
    [ -n "$root" ] || continue
    why=$(ms_path_problem "$root")
    case $kind in mail|sieve|public|mlmmj) ;; *) why=${why:-"has an unknown kind: $kind"} ;; esac
    case $mode in [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) ;; *) why=${why:-"has no octal mode: $mode"} ;; esac
    u=${owner%%:*} g=${owner#*:}
    if [ -z "$why" ] && { ! id -u -- "$u" >/dev/null 2>&1 || ! getent group -- "$g" >/dev/null; }; then
      why="belongs to $owner on the source: create that user and group here first"
    fi
    if [ -n "$why" ]; then echo "storage root $root $why" >&2; bad=1; continue; fi
    if [ -L "$root" ]; then
      echo "storage root $root is a symbolic link here (to $(readlink -- "$root")): mailshift does not write through it; make $root the directory itself (mount the other disk there)" >&2
      bad=1; continue
    fi
    # A link above the root (this server'\''s own layout, /var/vmail on another
    # disk) is followed, but never into a system directory, nor one that lies
    # inside a store: a copy may have put that link there (the source'\''s).
    real=$(realpath -m -- "$root")
    if [ "$real" != "$root" ]; then
      why=$(ms_path_problem "$real")
      a=${root%/*}
      while [ -z "$why" ] && [ -n "$a" ]; do
        if [ -L "$a" ]; then
          case $a/ in "$vmail"/*) why="lies behind the link $a, inside the mail store $vmail" ;; esac
          while IFS="$(printf '\''\t'\'')" read -r o _; do
            case $a/ in "$o"/*) why="lies behind the link $a, inside the storage root $o" ;; esac
          done < "$d/roots.tsv.new"
        fi
        a=${a%/*}
      done
      if [ -n "$why" ]; then echo "storage root $root resolves here to $real, which $why" >&2; bad=1; continue; fi
    fi
    printf '\''%s\t%s\t%s\t%s\n'\'' "$root" "$kind" "$owner" "$mode" >> "$d/roots.tsv.new"
    if [ -d "$root" ]; then
      n=$(find "$root" -mindepth 1 -maxdepth 3 | head -n 1000 | wc -l)
      [ "$n" = 0 ] || echo "$root: on this server already ($n+ paths); the final copy makes it as on the source"
    fi
  done
  [ "$bad" = 0 ] || { rm -f -- "$d/roots.tsv.new"; echo "nothing was copied: fix the roots above, then run this step again" >&2; return 1; }
  mv -- "$d/roots.tsv.new" "$d/roots.tsv"
  echo "$(wc -l < "$d/roots.tsv") storage root(s) to copy, own and verify, written to $d/roots.tsv"
}

# ms_accept_accounts FILE: the source'\''s list of accounts (discover.sh'\''s
# accounts.tsv) put in place here, after checking every mail directory lies in
# an accepted root (the census reads only there).
ms_accept_accounts() {
  local bad
  bad=$(awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { r[$1] = 1; next } !(($3 in r) && index($2, $3 "/") == 1) { n++ }
    END { print n + 0 }'\'' "$b/discovery/roots.tsv" "$1")
  [ "$bad" = 0 ] || { echo "$bad account(s) of the source'\''s list lie outside its storage roots" >&2; return 1; }
  install -m 0600 -- "$1" "$b/discovery/accounts.tsv"
}

# shellcheck disable=SC2154 # ssh login: the prologue of the fragment that pulls
# ms_pull DIR FILE... : the target fetches the source'\''s FILEs (absolute paths
# there) into DIR here, over the one-off key ($ssh, $login).
ms_pull() {
  local d=$1 f args=()
  shift
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  for f; do args+=("$login:$f"); done
  rsync -asz -e "$ssh" -- "${args[@]}" "$d/"
}
ms_pull "$b/from-source" "$b/discovery/accounts.tsv"
ms_accept_accounts "$b/from-source/accounts.tsv"
'
  # counts every account's mail copied here, kept for verify
  on_target 'b=/var/backups/mailshift
side=target
cache=save
census_awk='\''# census.awk: the census'\''\'\'''\''s one pass (census.sh feeds it; see there for the
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
# current account'\''\'\'''\''s, by folder
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
# the folder'\''\'\'''\''s dovecot-uidlist: "3 V<uidvalidity> N<uidnext> ..." then
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
    # the header'\''\'\'''\''s next UID is written when the file is rewritten; records
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
'\''
units_awk='\''# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate'\''\'\'''\''s lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file'\''\'\'''\''s directory).
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b side census_awk (census.awk) units_awk (units.awk) cache: the prologue'\''s
# census: every account'\''s mail as the account'\''s own Dovecot keeps it, per folder
# and per message, at the paths the source'\''s Dovecot resolved (discover.sh):
# taken on the source when nothing can change any more (in the downtime window,
# delivery and IMAP stopped) and on the target after the restore; verify
# compares the two (census-compare.sh).
#
# Prologue: b (backup dir), side (source|target).  Reads $b/discovery/accounts.tsv
# and roots.tsv; writes $b/census/$side.tsv (0600), sorted, tab-separated:
#   A user folders messages bytes unseen        one per account (- when its
#                                               mail directory does not exist)
#   F user folder messages bytes unseen uidvalidity uidnext flags guid
#   M user folder name uid flags bytes pop3-uidl
#   C key value                                 Dovecot settings clients key on
# folder: INBOX, or the Maildir++ folder'\''s directory name (.Sent, .Archive.2024);
# name: the message file'\''s unique part (before ":2,"); flags: its Maildir flag
# letters, "new" for a message in new/ (never seen by a client), "-" for none;
# uid, uidvalidity, uidnext, guid (the folder'\''s, which Dovecot keeps): from the folder'\''s dovecot-uidlist, Dovecot'\''s own
# record (the next UID: its header'\''s, or past the last UID listed, as Dovecot reads it) ("-" where Dovecot never listed the folder or the message); pop3-uidl:
# a UIDL Dovecot stored for the message ("-": pop3_uidl_format makes it).
# One streamed pass (find over the roots, awk), however many accounts.
# cache (prologue): empty, the census is one pass over every mail root;
# "save", that pass is also kept as the cache ($c/cache-$side.tsv), with the
# state of every mail directory taken just before it (ms_dirstate,
# cache-$side.dirs): the bulk copy takes one while the source is live, one
# of the target after the copy; "use", in the downtime window: the
# directories are listed again (no message is read), and only the accounts
# whose directories changed since the cache (or that are new) are counted
# again: a message added, removed or flagged changes its folder'\''s cur/ or
# new/, Dovecot rewrites its uidlist with a rename.  The rest is the cache'\''s.
# The list taken then is kept too ($c/$side.dirs): the final copy compares
# the source'\''s with the target'\''s.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
a=$b/discovery/accounts.tsv r=$b/discovery/roots.tsv
if [ ! -f "$a" ] || [ ! -f "$r" ]; then echo "no discovery in $b/discovery: run pre-flight first" >&2; exit 1; fi
t0=$EPOCHREALTIME
ms_mail_roots
tmp=$(mktemp -d "$c/.census.XXXXXX")
trap '\''rm -rf -- "$tmp"'\'' EXIT
count() { # [ONLY]: the census lines of the accounts below the paths on stdin (-z), or every root
  local only=${1:-}
  {
    printf '\''C\tpop3_uidl_format\t%s\n'\'' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
    if [ -n "$only" ]; then
      xargs -0 -r sh -c '\''find -H "$@" \( -type d -name cur -printf "D\t%h\n" \) -o \
        \( -type f \( -path "*/cur/*" -o -path "*/new/*" \) -printf "M\t%s\t%h\t%f\n" \) -o \( -type l -printf "L\t%p\n" \)'\'' sh
    elif [ ${#mail_roots[@]} -gt 0 ]; then
      find -H "${mail_roots[@]}" \( -type d -name cur -printf '\''D\t%h\n'\'' \) -o \
        \( -type f \( -path '\''*/cur/*'\'' -o -path '\''*/new/*'\'' \) -printf '\''M\t%s\t%h\t%f\n'\'' \) -o \
        \( -type l -printf '\''L\t%p\n'\'' \)
    fi
  } | awk -F '\''\t'\'' -v OFS='\''\t'\'' -v accounts="$a" -v only="$only" "$census_awk"
}
mode=full
if [ "${cache:-}" = use ] && [ -f "$c/cache-$side.tsv" ] && [ -f "$c/cache-$side.dirs" ]; then
  mode=cache
  # the final copy may have begun this listing already (the target'\''s)
  if [ -e "$c/.listing.lock" ]; then flock "$c/.listing.lock" true; fi
  if [ -f "$c/$side.dirs.next" ]; then
    mv -- "$c/$side.dirs.next" "$c/$side.dirs"
    echo "the state of the mail as listed right after the final copy"
  else
    ms_dirstate "${mail_roots[@]}" > "$c/$side.dirs"
  fi
  t1=$EPOCHREALTIME
  # the accounts whose directories changed, or that the cache does not know
  comm -3 -- "$c/cache-$side.dirs" "$c/$side.dirs" | sed '\''s/^\t//'\'' > "$tmp/changed"
  awk -F '\''\t'\'' -v accounts="$a" "$units_awk" "$tmp/changed" | awk -F '\''\t'\'' '\''$1 == "R" { print $3 }'\'' > "$tmp/only"
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { if ($1 == "A") known[$2] = 1; next } !($1 in known) { print $1 }'\'' \
    "$c/cache-$side.tsv" "$a" >> "$tmp/only"
  sort -u -o "$tmp/only" "$tmp/only"
  t2=$EPOCHREALTIME
  # their mail directories (those there: an account that never had mail has none)
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } ($1 in o) { printf "%s%c", $2, 0 }'\'' "$tmp/only" "$a" |
    while IFS= read -r -d '\'''\'' p; do if [ -d "$p" ] && [ ! -L "$p" ]; then printf '\''%s\0'\'' "$p"; fi; done |
    count "$tmp/only" | sort > "$tmp/new"
  t3=$EPOCHREALTIME
  # the cache'\''s lines of every other current account (sorted as the cache
  # is), merged with the new ones
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } FILENAME == ARGV[2] { cur[$1] = 1; next }
    $1 != "C" && ($2 in cur) && !($2 in o)'\'' "$tmp/only" "$a" "$c/cache-$side.tsv" > "$tmp/kept"
  sort -m -o "$c/$side.tsv.new" -- "$tmp/kept" "$tmp/new"
  echo "$(wc -l < "$tmp/only") account(s) changed since the cache of the $side (or new): counted again; the others'\'' count kept"
  echo "(listing the state $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, counting $(ms_took2 "$t2" "$t3") s, merging $(ms_took "$t3") s)"
else
  [ "${cache:-}" != save ] || ms_dirstate "${mail_roots[@]}" > "$c/cache-$side.dirs.new"
  count | sort -o "$c/$side.tsv.new"
fi
mv -- "$c/$side.tsv.new" "$c/$side.tsv"
chmod 0600 -- "$c/$side.tsv"
if [ "${cache:-}" = save ]; then
  cp -- "$c/$side.tsv" "$c/cache-$side.tsv"
  mv -- "$c/cache-$side.dirs.new" "$c/cache-$side.dirs"
  chmod 0600 -- "$c/cache-$side.tsv" "$c/cache-$side.dirs"
fi
awk -F '\''\t'\'' '\''$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "census of the %s: %d accounts, %d folders, %d messages, %.0f bytes\n", side, a, f, m, s }'\'' side="$side" "$c/$side.tsv"
echo "taken in $(ms_took "$t0") s ($mode); written to $c/$side.tsv"
'
  :
}

# --- dkim: Move the DKIM keys
#
# Outgoing mail is signed with the private keys in the DKIM directory
# (/var/lib/dkim/<domain>.pem), and receivers check the signature against
# the public key published in your DNS. The new server must sign with the
# same keys or its mail fails DKIM. The target's own keys are saved first;
# the keys must belong to amavis, readable by it alone. The dkim_key() lines
# of the source's amavisd configuration name the keys: the config step lists
# them if the target's differ. 'The fingerprints of the public halves prove
# the target holds the same keys; where amavisd is installed, 'amavisd
# testkeys' also checks them against DNS (it needs the DNS).
step_dkim() {
  # saves the target's own keys first
  on_target 'k=/var/lib/dkim; b=/var/backups/mailshift
mkdir -p -m 0700 -- "$b/target-before"
if [ -e "$b/target-before/dkim" ]; then echo "already saved in $b/target-before/dkim"
elif [ -d "$k" ]; then cp -a -- "$k" "$b/target-before/dkim" && echo "saved in $b/target-before/dkim"
else echo '\''the target has no DKIM keys yet'\''; fi'
  # lists the source's keys with the fingerprints of their public halves
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local keys && keys=$(on_source 'cd -- /var/lib/dkim 2>/dev/null || exit 0
for f in *.pem; do
  [ -f "$f" ] || continue
  fp=$(openssl pkey -in "$f" -pubout -outform DER | sha256sum) || { echo "cannot read the key $f" >&2; exit 1; }
  echo "$f ${fp%% *}"
done | LC_ALL=C sort')
  # copies the keys (a target key of the same name is replaced)
  destructive "copies the keys (a target key of the same name is replaced)"
  on_target --stdin 'k=/var/lib/dkim
keys=$(cat)
[ -n "$keys" ] || { echo "no DKIM keys in $k on the source: nothing to copy"; exit 0; }
rsync -as -e "ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22" -- root@10.200.0.2:/var/lib/dkim/ "$k/"
ls -l -- "$k"' <<<"$keys"
  # amavis owns the keys; directory 0700, keys 0400
  on_target 'k=/var/lib/dkim
[ -d "$k" ] || { echo "no $k on the target: nothing to set"; exit 0; }
chown -R amavis:amavis -- "$k"
chmod 0700 -- "$k"
find "$k" -name '\''*.pem'\'' -exec chmod 0400 {} +
ls -l -- "$k"'
  # the target's keys are the source's (public key fingerprints)
  on_target --stdin 'src=$(cat)
[ -n "$src" ] || { echo '\''the source has no DKIM keys: nothing to compare'\''; exit 0; }
cd -- /var/lib/dkim || exit 1
dst=$(for f in *.pem; do
  [ -f "$f" ] || continue
  fp=$(openssl pkey -in "$f" -pubout -outform DER | sha256sum) || { echo "cannot read the key $f" >&2; exit 1; }
  echo "$f ${fp%% *}"
done | LC_ALL=C sort)
missing=$(LC_ALL=C comm -23 <(printf '\''%s\n'\'' "$src" | LC_ALL=C sort) <(printf '\''%s\n'\'' "$dst" | LC_ALL=C sort))
[ -z "$missing" ] || { echo '\''not the same key on the target:'\'' >&2; printf '\''%s\n'\'' "$missing" >&2; exit 1; }
printf '\''%s\n'\'' "$src" | sed '\''s/^/same key: /'\''' <<<"$keys"
  # asks amavisd to check the keys against DNS, where amavisd runs
  advisory on_target "if command -v amavisd >/dev/null; then amavisd testkeys
elif command -v amavisd-new >/dev/null; then amavisd-new testkeys
else echo 'amavisd is not installed here: the keys were compared by fingerprint only (above)'; fi"
  :
}

# --- config: Bring the source's configuration for review
#
# Files you edited by hand on the old server (Postfix restrictions, amavis
# rules, Dovecot settings, iRedAPD, fail2ban, SpamAssassin, fetchmail) hold
# decisions the new server should keep. They cannot be copied over the new
# server's files wholesale: those hold its own service passwords and paths.
# mailshift archives them on the source (with Roundcube's config.inc.php),
# unpacks them in the target's backup directory and shows every file that
# differs, as a diff with password-like values masked. The files you list in
# carry_config are then put in place on the target (the target's own copy
# saved first, its owner and mode kept) and Postfix and Dovecot check their
# configuration; carry the rest of your edits by hand.
step_config() {
  # archives the mail configuration of the source
  on_source 'b=/var/backups/mailshift; rc=/opt/www/roundcubemail
mkdir -p -m 0700 -- "$b"
set --
for p in etc/postfix etc/dovecot etc/amavis etc/amavisd etc/amavisd.conf etc/iredapd opt/iredapd/settings.py opt/www/iredadmin/settings.py etc/spamassassin etc/mail/spamassassin etc/fail2ban etc/nginx etc/postfix-policyd.conf etc/fetchmailrc "${rc#/}/config/config.inc.php"; do
  [ -e "/$p" ] && set -- "$@" "$p"
done
tar -C / -czpf "$b/source-config.tar.gz" -- "$@" && echo "archived: $*"'
  # fetches the archive into the target's backup directory
  on_target 'b=/var/backups/mailshift
mkdir -p -m 0700 -- "$b"
rsync -as -e "ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22" -- root@10.200.0.2:/var/backups/mailshift/source-config.tar.gz "$b/"'
  # unpacks it beside the live config and shows each file that differs
  advisory on_target 'b=/var/backups/mailshift
d="$b/source-config.$(date +%Y%m%d-%H%M%S)"
mkdir -m 0700 -- "$d" && tar -C "$d" -xzpf "$b/source-config.tar.gz"
ln -sfn -- "$(basename -- "$d")" "$b/source-config"
cd -- "$d"
n=0
while IFS= read -r f; do
  f=${f#./}
  if [ ! -e "/$f" ]; then echo "only on the source: /$f"; n=$((n + 1)); continue; fi
  cmp -s -- "$f" "/$f" && continue
  n=$((n + 1))
  if ! grep -qI . -- "$f"; then echo "differs (not text): /$f"; continue; fi
  if grep -q -e '\''-----BEGIN'\'' -- "$f" "/$f"; then echo "differs (a key or certificate: not shown): /$f"; continue; fi
  # files whose credentials a line mask cannot catch (multi-line DSNs, user:password maps)
  case /$f in *passwd*|*sasl*|*fetchmailrc*|/etc/amavis/*|/etc/amavisd*|*/settings.py)
    echo "differs (holds credentials: not shown; compare by hand): diff /$f $d/$f"; continue ;; esac
  echo "differs: /$f  (- target, + source; password-like values masked)"
  diff -u --label "target /$f" --label "source /$f" -- "/$f" "$f" | sed -E '\''s/((pass|pwd|secret|dsn|bindpw|bind_pw|_key|token)[^=:]*[=:][[:space:]]*).*/\1******** (masked)/I; s#(://[^:/@[:space:]]*:)[^@[:space:]]*@#\1********@#g'\'' | head -n 60 || true
done < <(find . -type f | LC_ALL=C sort)
echo "$n file(s) differ; the source'\''s configuration is in $b/source-config. Carry a file with the option carry_config (this step puts it in place, the target'\''s own saved), or your edits by hand"'
  :
}

# --- stop-services: Stop the mail services (downtime starts) [downtime window]
#
# The final copy must see mail that cannot change. Stopping Postfix first
# means no message is accepted that would be missed: senders' servers keep
# new mail in their queues and retry for days (a secondary MX also holds
# it). Then Dovecot, the filters, the webmail, fail2ban and cron (whose jobs
# write to the databases) stop. The databases keep running for the dumps.
# The new server's mail daemons stop too while its data is replaced. From
# here to 'Start' is the downtime window.
step_stop_services() {
  # stops the old server's mail daemons, the MTA first
  on_source 'b=/var/backups/mailshift
mkdir -p -m 0700 -- "$b"
touch -- "$b/stopped-services"
rm -f -- "$b/verified"
for u in postfix dovecot amavis iredapd mlmmjadmin sogo nginx apache2 httpd php-fpm php8.4-fpm php8.3-fpm php8.2-fpm php8.1-fpm php7.4-fpm fail2ban cron crond; do
  systemctl cat "$u.service" >/dev/null 2>&1 || continue
  systemctl is-active --quiet "$u.service" || continue
  grep -qx -- "$u" "$b/stopped-services" || echo "$u" >> "$b/stopped-services"
  systemctl stop "$u.service" </dev/null >/dev/null 2>&1 || { echo "cannot stop $u" >&2; exit 1; }
  echo "stopped $u"
done
echo "stopped so far: $(tr '\''\n'\'' '\'' '\'' < "$b/stopped-services")"'
  # stops the new server's mail daemons while it is restored
  on_target 'b=/var/backups/mailshift
mkdir -p -m 0700 -- "$b"
touch -- "$b/stopped-services"
rm -f -- "$b/verified"
for u in postfix dovecot amavis iredapd mlmmjadmin sogo nginx apache2 httpd php-fpm php8.4-fpm php8.3-fpm php8.2-fpm php8.1-fpm php7.4-fpm fail2ban cron crond; do
  systemctl cat "$u.service" >/dev/null 2>&1 || continue
  systemctl is-active --quiet "$u.service" || continue
  grep -qx -- "$u" "$b/stopped-services" || echo "$u" >> "$b/stopped-services"
  systemctl stop "$u.service" </dev/null >/dev/null 2>&1 || { echo "cannot stop $u" >&2; exit 1; }
  echo "stopped $u"
done
echo "stopped so far: $(tr '\''\n'\'' '\'' '\'' < "$b/stopped-services")"'
  :
}

# --- census: Count every mailbox on the source (the census) [downtime window]
#
# With the old server's mail services stopped nothing can change, so this is
# the moment to write down what must arrive: every account the account
# backend lists (found again, so an account added since pre-flight is in
# it), with every folder and message where the source's own Dovecot keeps
# them: message counts, bytes, flags, and what mail clients key on
# (UIDVALIDITY, the UIDs, the next UID, POP3 UIDLs). It is one pass over the
# storage roots, however many accounts, and takes seconds. Verify counts the
# target the same way after the restore and compares, account by account and
# folder by folder; the new server's own Dovecot is compared with it after
# the start.
step_census() {
  # the source's mail services are stopped (nothing can change)
  on_source '# shellcheck shell=bash
# stopped: nothing on the source can change its mail any more: Postfix and
# Dovecot are stopped as systemd sees them, and as the processes and the
# listening mail ports show (also when something else than systemd started
# them, or on a host where systemctl is missing).  Run before the census and
# before each step that reads the mail or the databases in the window.
# No prologue; fails naming what still runs.
for t in pgrep ss; do
  command -v "$t" >/dev/null || { echo "$t is missing on the source: it tells whether mail can still change" >&2; exit 1; }
done
bad=
for u in postfix dovecot; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$u.service"; then
    bad+="$u (systemd says active); "
  fi
done
if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
  bad+="Postfix (postfix status: running); "
fi
if pgrep -x dovecot >/dev/null 2>&1; then
  bad+="Dovecot (a dovecot process runs; mailshift'\''s own user lookup, dovecot -o protocols=none, is stopped with doveadm stop); "
fi
# SMTP, submission, POP3, IMAP (and their TLS ports), LMTP, the content
# filter'\''s way back in
ports=$(ss -Hltn 2>/dev/null | awk '\''{ n = split($4, a, ":"); p = a[n]
    if (p ~ /^(25|24|110|143|465|587|993|995|10025)$/) print p }'\'' | sort -un | tr '\''\n'\'' '\'' '\'')
[ -z "$ports" ] || bad+="something listens on mail port(s) ${ports% }; "
if [ -n "$bad" ]; then
  echo "mail can still change on the source: ${bad%; }. Run the stop-services step first (or stop them by hand)" >&2
  exit 1
fi
echo '\''postfix and dovecot are stopped on the source (systemd, processes, mail ports)'\''
'
  # finds the accounts again: those added or changed since pre-flight are resolved anew
  on_source 'b=/var/backups/mailshift
backend=mysql
vmail=/var/vmail
mode=delta
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b backend vmail mode (and conf suffix for ldap): the prologue'\''s
# discover: the source'\''s accounts as its account backend lists them and as its own
# Dovecot resolves them, and every storage root their mail lives in.
#
# Prologue (mailshift, quoted): b (backup dir), backend (mysql|pgsql|ldap), vmail
# (the mail store), mode (full: resolve every account; delta: only those whose
# backend row or Dovecot'\''s configuration changed since the last discovery); for
# ldap also conf=(-f FILE) and suffix.  Uses lib.sh.
#
# Writes, 0600, in $b/discovery/ (one streamed pass over the accounts, however many):
#   backend.tsv     user, active, base, node, maildir, format (the backend'\''s rows)
#   resolved.tsv    user, INBOX path (Dovecot'\''s answer)
#   accounts.tsv    user, maildir, root (what the census counts)
#   roots.tsv       root, kind (mail|sieve|public|mlmmj), owner, mode: copied,
#                   owned, pruned and verified like the mail store
#   unresolved.tsv  user, why: active accounts the source'\''s Dovecot cannot resolve
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
    mysql -N -B -e '\''SELECT username, active, storagebasedirectory, storagenode, maildir, mailboxformat FROM vmail.mailbox'\'' ;;
  pgsql)
    (cd / && runuser -u postgres -- psql -X -q -d vmail -c '\''COPY (SELECT username, active, storagebasedirectory, storagenode, maildir, mailboxformat FROM mailbox) TO STDOUT'\'') ;;
  ldap)
    slapcat "${conf[@]}" -b "$suffix" -o ldif_wrap=no -a '\''(objectClass=mailUser)'\'' | awk '\''
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
      END { out() }'\'' ;;
  *) echo "unknown account backend: $backend" >&2; exit 1 ;;
esac | sort -t "$(printf '\''\t'\'')" -k 1,1 > backend.tsv.new
digest=$(doveconf -n | grep -v '\''^#'\'' | sha256sum | cut -c 1-64)

# 2. Dovecot'\''s answer for each active account (its userdb lookup and its mail
#    location), in one streamed pass; in delta mode only for what changed.
awk -F '\''\t'\'' '\''$2 == 1 { print $1 }'\'' backend.tsv.new > active.new
if [ "$mode" = delta ] && [ -f backend.tsv ] && [ -f resolved.tsv ] && [ "$(cat dovecot.digest 2>/dev/null)" = "$digest" ]; then
  comm -13 backend.tsv backend.tsv.new | cut -f 1 | sort -u > changed
  echo "$(wc -l < changed) account(s) added or changed since the last discovery: resolving them again"
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { drop[$1] = 1; next } !($1 in drop)'\'' changed resolved.tsv > resolved.keep
  awk '\''FILENAME == ARGV[1] { want[$0] = 1; next } $0 in want'\'' active.new changed > changed.active
  ms_resolve changed.active > resolved.more
  cat resolved.keep resolved.more > resolved.all
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { a[$0] = 1; next } $1 in a'\'' active.new resolved.all |
    sort -t "$(printf '\''\t'\'')" -k 1,1 > resolved.tsv.new
  rm -f changed changed.active resolved.keep resolved.more resolved.all
else
  ms_resolve active.new | sort -t "$(printf '\''\t'\'')" -k 1,1 > resolved.tsv.new
fi
mv -- backend.tsv.new backend.tsv
mv -- resolved.tsv.new resolved.tsv
rm -f active.new
echo "$digest" > dovecot.digest

# 3. Each account'\''s storage root: its storage base directory and node, as the
#    backend says, and Dovecot'\''s path must lie inside it.
rm -f accounts.tsv unresolved.tsv inactive.tsv
: > refused.tsv
awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''
  function norm(p) { gsub(/\/\/+/, "/", p); sub(/\/$/, "", p); return p }
  FILENAME == ARGV[1] { path[$1] = $2; next }
  {
    u = $1; act = $2; root = norm($3 "/" $4)
    if (u !~ /^[A-Za-z0-9._%+=@'\''"'\''"'\''-]+$/) { print u, "a name mailshift does not carry (characters outside letters, digits and ._%+=@'\''"'\''"'\''-)" > "refused.tsv"; next }
    if ($6 != "" && $6 != "maildir") { print u, "mailbox format " $6 ": only Maildir is built" > "refused.tsv"; next }
    if (act != 1) { print u, root > "inactive.tsv"; next }
    if (!(u in path)) { print u, "active in the account backend, but the source'\''"'\''"'\''s Dovecot does not find it (user lookup or mail location)" > "unresolved.tsv"; print u, root > "inactive.tsv"; next }
    p = path[u]
    if (index(tolower(p) "/", tolower(root) "/") != 1 || length(p) <= length(root)) {
      print u, "Dovecot keeps its mail in " p ", not inside its storage base directory and node " root > "refused.tsv"; next
    }
    print u, p, substr(p, 1, length(root)) > "accounts.tsv"
  }'\'' resolved.tsv backend.tsv
touch accounts.tsv unresolved.tsv inactive.tsv

# 3b. Whether the source'\''s Dovecot would let each resolved account log in:
#     its password lookup (passdb) for IMAP, then POP3 for those IMAP refused;
#     one streamed pass (doveadm auth lookup takes many users), pre-flight
#     only.  An account neither finds is listed (broken already, not by us),
#     its mail still counted.
if [ "$mode" = full ]; then
  cut -f 1 accounts.tsv > login.try
  for svc in imap pop3; do
    [ -s login.try ] || break
    ms_dovecot_auth >&2 || exit 1
    # only "passdb: USER" lines are read: nothing else of the answer is kept
    xargs -d '\''\n'\'' -r doveadm auth lookup -x service="$svc" < login.try 2>/dev/null |
      sed -n '\''s/^passdb: \([^ ]*\)$/\1/p'\'' | sort -u > login.ok || true
    sort login.try | comm -23 - login.ok > login.left
    mv -- login.left login.try
  done
  sed '\''s/$/\tthe source'\''"'\''"'\''s Dovecot finds no password for it, for IMAP or POP3 (passdb): it cannot log in/'\'' login.try > nologin.tsv
  rm -f login.try login.ok
fi
touch nologin.tsv

# 4. The roots: the accounts'\'', those of accounts Dovecot does not serve (their
#    mail is kept, where it exists), then what lives beside the mailboxes: the
#    global sieve scripts, the public folders, the mailing lists (mlmmj).
{
  cut -f 3 accounts.tsv | sort -u | sed '\''s/$/\tmail/'\''
  cut -f 2 inactive.tsv | sort -u | while IFS= read -r r; do [ ! -d "$r" ] || printf '\''%s\tmail\n'\'' "$r"; done
  doveconf -n | awk '\''
    $1 ~ /^sieve(_global_dir|_global|_before[0-9]*|_after[0-9]*)$/ && $2 == "=" {
      p = $3; sub(/^file:/, "", p); sub(/;.*/, "", p); if (p ~ /\.sieve$/) sub(/\/[^\/]*$/, "", p); if (p ~ /^\//) print p "\tsieve" }
    /^namespace/ { inns = 1; loc = ""; typ = "" }
    inns && $1 == "location" { loc = $3 } inns && $1 == "type" { typ = $3 }
    inns && /^}/ { if (typ == "public" && loc ~ /^maildir:\//) { p = substr(loc, 9); sub(/:.*/, "", p); sub(/\/$/, "", p); print p "\tpublic" } inns = 0 }'\''
  for p in "$vmail/sieve" "$vmail/public"; do [ ! -d "$p" ] || printf '\''%s\t%s\n'\'' "$p" "${p##*/}"; done
  postconf -M 2>/dev/null | sed -n '\''s/.*mlmmj[a-z-]*receive.* -L \(\/[^$ ]*\)\/\$.*/\1/p'\''
  for p in "$vmail/mlmmj" "$vmail/mlmmj-archive"; do [ ! -d "$p" ] || printf '\''%s\tmlmmj\n'\'' "$p"; done
  if [ -f /etc/mlmmjadmin/settings.py ]; then
    sed -n "s/^MLMMJ_\(SPOOL\|ARCHIVE\)_DIR *= *[\"'\'']\(\/[^\"'\'']*\)[\"'\''].*/\2/p" /etc/mlmmjadmin/settings.py
  fi
} | awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''{ sub(/\/+$/, "", $1); if ($2 == "") $2 = "mlmmj"; if (!($1 in k)) { k[$1] = $2; n[++c] = $1 } }
      END { for (i = 1; i <= c; i++) print n[i], k[n[i]] }'\'' | sort > roots.cand
: > roots.tsv.new
: > roots.real
while IFS="$(printf '\''\t'\'')" read -r r kind; do
  why=$(ms_path_problem "$r")
  # a root that is not there holds no mail yet: nothing to copy
  [ -n "$why" ] || [ -d "$r" ] || [ -L "$r" ] || continue
  # A store on another disk, reached through a symbolic link (the root or a
  # directory above it): its files are read through the link here and land
  # at the root'\''s own path on the target (the link itself is not carried);
  # where it leads must be a directory a store may be.
  real=$(realpath -e -- "$r" 2>/dev/null) || real=
  if [ -z "$why" ] && [ -z "$real" ]; then why="is a symbolic link that leads nowhere ($(readlink -- "$r"))"; fi
  if [ -z "$why" ] && [ ! -d "$real" ]; then why="leads to $real, which is not a directory"; fi
  if [ -z "$why" ] && [ "$real" != "$r" ]; then
    p=$(ms_path_problem "$real")
    [ -z "$p" ] || why="lies behind a symbolic link to $real, which $p"
  fi
  if [ -n "$why" ]; then printf '\''%s\tstorage root (%s) %s\n'\'' "$r" "$kind" "$why" >> refused.tsv; continue; fi
  printf '\''%s\t%s\t%s\t%s\n'\'' "$r" "$kind" "$(stat -L -c %U:%G -- "$r")" "$(stat -L -c %a -- "$r")" >> roots.tsv.new
  printf '\''%s\t%s\n'\'' "$r" "$real" >> roots.real
done < roots.cand
# a root inside another is copied with it, unless a link lies between them
# (the copy would carry the link, not the files): that is refused
awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''FILENAME == ARGV[1] { q[$1] = $2; next } { r[++n] = $0; p[n] = $1 }
  END { for (i = 1; i <= n; i++) { inner = 0; for (j = 1; j <= n; j++) if (j != i && index(p[i] "/", p[j] "/") == 1) {
          inner = 1
          if (q[p[i]] != q[p[j]] substr(p[i], length(p[j]) + 1))
            print p[i], "storage root inside the storage root " p[j] ", through a symbolic link (to " q[p[i]] "): move it out of " p[j] " or make it a directory" >> "refused.tsv" }
        if (!inner) print r[i] } }'\'' \
  roots.real roots.tsv.new > roots.tsv
# two roots that are the same files through a link would be copied and
# counted twice, in two places: refused, both named
awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''{ p[NR] = $1; q[NR] = $2 }
  END { for (i = 1; i <= NR; i++) for (j = 1; j <= NR; j++)
    if (i != j && index(p[i] "/", p[j] "/") != 1 && index(p[j] "/", p[i] "/") != 1 && index(q[i] "/", q[j] "/") == 1)
      print p[i], "storage root: its files (" q[i] ") are also those of the storage root " p[j] " (" q[j] "), through a symbolic link" }'\'' \
  roots.real >> refused.tsv
awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { k[$1] = 1; next } ($1 in k) && $1 != $2'\'' roots.tsv roots.real > linked.tsv
rm -f roots.cand roots.tsv.new roots.real
# an account whose mail is behind a symbolic link inside a root would be
# copied as a link: refused with its name (a walk of every root: pre-flight
# only; in the window the census notes any link it meets)
if [ "$mode" = full ] && [ -s roots.tsv ]; then
  cut -f 1 roots.tsv | tr '\''\n'\'' '\''\0'\'' | xargs -0 -r sh -c '\''find -H "$@" -type l -print'\'' sh > links 2>/dev/null || true
  awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''FILENAME == ARGV[1] { l[$0] = 1; next }
    { p = $2; while (p != "" && p != $3) { if (p in l) { print $1, "its mail lies behind the symbolic link " p; break } sub(/\/[^\/]*$/, "", p) } }'\'' links accounts.tsv >> refused.tsv
  rm -f links
fi
if [ -s refused.tsv ]; then
  for f in accounts nologin; do
    awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { bad[$1] = 1; next } !($1 in bad)'\'' refused.tsv "$f.tsv" > "$f.keep"
    mv -- "$f.keep" "$f.tsv"
  done
fi
chmod 0600 -- *.tsv dovecot.digest

# 5. What was found.
n=$(wc -l < backend.tsv) act=$(awk -F '\''\t'\'' '\''$2 == 1'\'' backend.tsv | wc -l)
echo "accounts in the account backend: $n ($act active, $((n - act)) inactive)"
echo "resolved by the source'\''s Dovecot: $(wc -l < resolved.tsv); their mail is counted in the census: $(wc -l < accounts.tsv)"
[ "$mode" != full ] || echo "can log in (the source'\''s Dovecot finds their password for IMAP or POP3): $(($(wc -l < accounts.tsv) - $(wc -l < nologin.tsv)))"
echo "storage roots: $(wc -l < roots.tsv)"
awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { c[$3]++; next } { printf "  %s  (%s, %s, %s)%s\n", $1, $2, $3, $4, ($1 in c) ? "  " c[$1] " account(s)" : "" }'\'' accounts.tsv roots.tsv
awk -F '\''\t'\'' '\''{ printf "  %s is reached through a symbolic link, to %s: its files are copied to %s on the target (the link is not)\n", $1, $2, $1 }'\'' linked.tsv
echo "verify-row resolved $(wc -l < accounts.tsv) -"
echo "verify-row roots $(wc -l < roots.tsv) -"
echo "verify-row unresolved $(($(wc -l < unresolved.tsv) + $(wc -l < nologin.tsv))) -"
echo "discovery took $(ms_took "$t0") s; written to $d"
if [ -s refused.tsv ]; then
  echo "mailshift cannot carry $(wc -l < refused.tsv) account(s) or root(s) as they are (the first 20):" >&2
  head -n 20 refused.tsv | tr '\''\t'\'' '\'' '\'' | sed '\''s/^/  /'\'' >&2
  echo "change them on the source (or tell us the layout), then run pre-flight again; nothing was changed" >&2
  exit 1
fi
'
  # counts every account's mail: folders, messages, bytes, flags, UIDVALIDITY, UIDs
  on_source 'b=/var/backups/mailshift
side=source
cache=use
census_awk='\''# census.awk: the census'\''\'\'''\''s one pass (census.sh feeds it; see there for the
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
# current account'\''\'\'''\''s, by folder
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
# the folder'\''\'\'''\''s dovecot-uidlist: "3 V<uidvalidity> N<uidnext> ..." then
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
    # the header'\''\'\'''\''s next UID is written when the file is rewritten; records
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
'\''
units_awk='\''# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate'\''\'\'''\''s lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file'\''\'\'''\''s directory).
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b side census_awk (census.awk) units_awk (units.awk) cache: the prologue'\''s
# census: every account'\''s mail as the account'\''s own Dovecot keeps it, per folder
# and per message, at the paths the source'\''s Dovecot resolved (discover.sh):
# taken on the source when nothing can change any more (in the downtime window,
# delivery and IMAP stopped) and on the target after the restore; verify
# compares the two (census-compare.sh).
#
# Prologue: b (backup dir), side (source|target).  Reads $b/discovery/accounts.tsv
# and roots.tsv; writes $b/census/$side.tsv (0600), sorted, tab-separated:
#   A user folders messages bytes unseen        one per account (- when its
#                                               mail directory does not exist)
#   F user folder messages bytes unseen uidvalidity uidnext flags guid
#   M user folder name uid flags bytes pop3-uidl
#   C key value                                 Dovecot settings clients key on
# folder: INBOX, or the Maildir++ folder'\''s directory name (.Sent, .Archive.2024);
# name: the message file'\''s unique part (before ":2,"); flags: its Maildir flag
# letters, "new" for a message in new/ (never seen by a client), "-" for none;
# uid, uidvalidity, uidnext, guid (the folder'\''s, which Dovecot keeps): from the folder'\''s dovecot-uidlist, Dovecot'\''s own
# record (the next UID: its header'\''s, or past the last UID listed, as Dovecot reads it) ("-" where Dovecot never listed the folder or the message); pop3-uidl:
# a UIDL Dovecot stored for the message ("-": pop3_uidl_format makes it).
# One streamed pass (find over the roots, awk), however many accounts.
# cache (prologue): empty, the census is one pass over every mail root;
# "save", that pass is also kept as the cache ($c/cache-$side.tsv), with the
# state of every mail directory taken just before it (ms_dirstate,
# cache-$side.dirs): the bulk copy takes one while the source is live, one
# of the target after the copy; "use", in the downtime window: the
# directories are listed again (no message is read), and only the accounts
# whose directories changed since the cache (or that are new) are counted
# again: a message added, removed or flagged changes its folder'\''s cur/ or
# new/, Dovecot rewrites its uidlist with a rename.  The rest is the cache'\''s.
# The list taken then is kept too ($c/$side.dirs): the final copy compares
# the source'\''s with the target'\''s.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
a=$b/discovery/accounts.tsv r=$b/discovery/roots.tsv
if [ ! -f "$a" ] || [ ! -f "$r" ]; then echo "no discovery in $b/discovery: run pre-flight first" >&2; exit 1; fi
t0=$EPOCHREALTIME
ms_mail_roots
tmp=$(mktemp -d "$c/.census.XXXXXX")
trap '\''rm -rf -- "$tmp"'\'' EXIT
count() { # [ONLY]: the census lines of the accounts below the paths on stdin (-z), or every root
  local only=${1:-}
  {
    printf '\''C\tpop3_uidl_format\t%s\n'\'' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
    if [ -n "$only" ]; then
      xargs -0 -r sh -c '\''find -H "$@" \( -type d -name cur -printf "D\t%h\n" \) -o \
        \( -type f \( -path "*/cur/*" -o -path "*/new/*" \) -printf "M\t%s\t%h\t%f\n" \) -o \( -type l -printf "L\t%p\n" \)'\'' sh
    elif [ ${#mail_roots[@]} -gt 0 ]; then
      find -H "${mail_roots[@]}" \( -type d -name cur -printf '\''D\t%h\n'\'' \) -o \
        \( -type f \( -path '\''*/cur/*'\'' -o -path '\''*/new/*'\'' \) -printf '\''M\t%s\t%h\t%f\n'\'' \) -o \
        \( -type l -printf '\''L\t%p\n'\'' \)
    fi
  } | awk -F '\''\t'\'' -v OFS='\''\t'\'' -v accounts="$a" -v only="$only" "$census_awk"
}
mode=full
if [ "${cache:-}" = use ] && [ -f "$c/cache-$side.tsv" ] && [ -f "$c/cache-$side.dirs" ]; then
  mode=cache
  # the final copy may have begun this listing already (the target'\''s)
  if [ -e "$c/.listing.lock" ]; then flock "$c/.listing.lock" true; fi
  if [ -f "$c/$side.dirs.next" ]; then
    mv -- "$c/$side.dirs.next" "$c/$side.dirs"
    echo "the state of the mail as listed right after the final copy"
  else
    ms_dirstate "${mail_roots[@]}" > "$c/$side.dirs"
  fi
  t1=$EPOCHREALTIME
  # the accounts whose directories changed, or that the cache does not know
  comm -3 -- "$c/cache-$side.dirs" "$c/$side.dirs" | sed '\''s/^\t//'\'' > "$tmp/changed"
  awk -F '\''\t'\'' -v accounts="$a" "$units_awk" "$tmp/changed" | awk -F '\''\t'\'' '\''$1 == "R" { print $3 }'\'' > "$tmp/only"
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { if ($1 == "A") known[$2] = 1; next } !($1 in known) { print $1 }'\'' \
    "$c/cache-$side.tsv" "$a" >> "$tmp/only"
  sort -u -o "$tmp/only" "$tmp/only"
  t2=$EPOCHREALTIME
  # their mail directories (those there: an account that never had mail has none)
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } ($1 in o) { printf "%s%c", $2, 0 }'\'' "$tmp/only" "$a" |
    while IFS= read -r -d '\'''\'' p; do if [ -d "$p" ] && [ ! -L "$p" ]; then printf '\''%s\0'\'' "$p"; fi; done |
    count "$tmp/only" | sort > "$tmp/new"
  t3=$EPOCHREALTIME
  # the cache'\''s lines of every other current account (sorted as the cache
  # is), merged with the new ones
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } FILENAME == ARGV[2] { cur[$1] = 1; next }
    $1 != "C" && ($2 in cur) && !($2 in o)'\'' "$tmp/only" "$a" "$c/cache-$side.tsv" > "$tmp/kept"
  sort -m -o "$c/$side.tsv.new" -- "$tmp/kept" "$tmp/new"
  echo "$(wc -l < "$tmp/only") account(s) changed since the cache of the $side (or new): counted again; the others'\'' count kept"
  echo "(listing the state $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, counting $(ms_took2 "$t2" "$t3") s, merging $(ms_took "$t3") s)"
else
  [ "${cache:-}" != save ] || ms_dirstate "${mail_roots[@]}" > "$c/cache-$side.dirs.new"
  count | sort -o "$c/$side.tsv.new"
fi
mv -- "$c/$side.tsv.new" "$c/$side.tsv"
chmod 0600 -- "$c/$side.tsv"
if [ "${cache:-}" = save ]; then
  cp -- "$c/$side.tsv" "$c/cache-$side.tsv"
  mv -- "$c/cache-$side.dirs.new" "$c/cache-$side.dirs"
  chmod 0600 -- "$c/cache-$side.tsv" "$c/cache-$side.dirs"
fi
awk -F '\''\t'\'' '\''$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "census of the %s: %d accounts, %d folders, %d messages, %.0f bytes\n", side, a, f, m, s }'\'' side="$side" "$c/$side.tsv"
echo "taken in $(ms_took "$t0") s ($mode); written to $c/$side.tsv"
'
  # fetches the source's census and its list of accounts and roots
  on_target 'b=/var/backups/mailshift
ssh="ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22"
login=root@10.200.0.2
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

vmail=/var/vmail
# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail ssh login: the prologue'\''s
# lib-target: what only the target runs: the roots and accounts the source
# sends, checked before anything is copied into them, and the pull over the
# one-off key.  mailshift puts it after lib.sh (steps/census.c); the source
# never gets it: no action on the source reaches out to another server.

# ms_accept_roots < ROOTS: the storage roots the source found (discover.sh'\''s
# roots.tsv: root, kind, owner, mode), checked here before anything is copied
# into them, written to $b/discovery/roots.tsv.  A root that is not a plain
# path outside the system directories, an owner this server does not have, or
# a mode that is not octal stops the step with the list; so does a root that
# is a link here, or that a link above it leads into a system directory or
# that lies behind a link inside the mail store ($vmail) or another root.
ms_accept_roots() {
  local d=$b/discovery bad=0 root kind owner mode why u g n real a o
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  : > "$d/roots.tsv.new"
  while IFS="$(printf '\''\t'\'')" read -r root kind owner mode; do
    [ -n "$root" ] || continue
    why=$(ms_path_problem "$root")
    case $kind in mail|sieve|public|mlmmj) ;; *) why=${why:-"has an unknown kind: $kind"} ;; esac
    case $mode in [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) ;; *) why=${why:-"has no octal mode: $mode"} ;; esac
    u=${owner%%:*} g=${owner#*:}
    if [ -z "$why" ] && { ! id -u -- "$u" >/dev/null 2>&1 || ! getent group -- "$g" >/dev/null; }; then
      why="belongs to $owner on the source: create that user and group here first"
    fi
    if [ -n "$why" ]; then echo "storage root $root $why" >&2; bad=1; continue; fi
    if [ -L "$root" ]; then
      echo "storage root $root is a symbolic link here (to $(readlink -- "$root")): mailshift does not write through it; make $root the directory itself (mount the other disk there)" >&2
      bad=1; continue
    fi
    # A link above the root (this server'\''s own layout, /var/vmail on another
    # disk) is followed, but never into a system directory, nor one that lies
    # inside a store: a copy may have put that link there (the source'\''s).
    real=$(realpath -m -- "$root")
    if [ "$real" != "$root" ]; then
      why=$(ms_path_problem "$real")
      a=${root%/*}
      while [ -z "$why" ] && [ -n "$a" ]; do
        if [ -L "$a" ]; then
          case $a/ in "$vmail"/*) why="lies behind the link $a, inside the mail store $vmail" ;; esac
          while IFS="$(printf '\''\t'\'')" read -r o _; do
            case $a/ in "$o"/*) why="lies behind the link $a, inside the storage root $o" ;; esac
          done < "$d/roots.tsv.new"
        fi
        a=${a%/*}
      done
      if [ -n "$why" ]; then echo "storage root $root resolves here to $real, which $why" >&2; bad=1; continue; fi
    fi
    printf '\''%s\t%s\t%s\t%s\n'\'' "$root" "$kind" "$owner" "$mode" >> "$d/roots.tsv.new"
    if [ -d "$root" ]; then
      n=$(find "$root" -mindepth 1 -maxdepth 3 | head -n 1000 | wc -l)
      [ "$n" = 0 ] || echo "$root: on this server already ($n+ paths); the final copy makes it as on the source"
    fi
  done
  [ "$bad" = 0 ] || { rm -f -- "$d/roots.tsv.new"; echo "nothing was copied: fix the roots above, then run this step again" >&2; return 1; }
  mv -- "$d/roots.tsv.new" "$d/roots.tsv"
  echo "$(wc -l < "$d/roots.tsv") storage root(s) to copy, own and verify, written to $d/roots.tsv"
}

# ms_accept_accounts FILE: the source'\''s list of accounts (discover.sh'\''s
# accounts.tsv) put in place here, after checking every mail directory lies in
# an accepted root (the census reads only there).
ms_accept_accounts() {
  local bad
  bad=$(awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { r[$1] = 1; next } !(($3 in r) && index($2, $3 "/") == 1) { n++ }
    END { print n + 0 }'\'' "$b/discovery/roots.tsv" "$1")
  [ "$bad" = 0 ] || { echo "$bad account(s) of the source'\''s list lie outside its storage roots" >&2; return 1; }
  install -m 0600 -- "$1" "$b/discovery/accounts.tsv"
}

# shellcheck disable=SC2154 # ssh login: the prologue of the fragment that pulls
# ms_pull DIR FILE... : the target fetches the source'\''s FILEs (absolute paths
# there) into DIR here, over the one-off key ($ssh, $login).
ms_pull() {
  local d=$1 f args=()
  shift
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  for f; do args+=("$login:$f"); done
  rsync -asz -e "$ssh" -- "${args[@]}" "$d/"
}
d=$b/from-source
rm -f -- "$d/source.dirs"
# the source'\''s list of mail directories: there only when a cache was used
ms_pull "$d" "$b/discovery/accounts.tsv" "$b/discovery/roots.tsv" "$b/census/source.tsv"
rsync -asz --ignore-missing-args -e "$ssh" -- "$login:$b/census/source.dirs" "$d/"
ms_accept_roots < "$d/roots.tsv"
ms_accept_accounts "$d/accounts.tsv"
mkdir -p -- "$b/census" && chmod 0700 -- "$b/census"
install -m 0600 -- "$d/source.tsv" "$b/census/source.tsv"
rm -f -- "$b/census/source.dirs"
[ ! -f "$d/source.dirs" ] || install -m 0600 -- "$d/source.dirs" "$b/census/source.dirs"
echo "the source'\''s census and its $(wc -l < "$b/discovery/accounts.tsv") accounts are here, for verify"
'
  :
}

# --- mailstore-final: Final copy of the mail store [downtime window]
#
# With the old server's mail services stopped, no message can arrive or
# change, so this copy is complete: it moves what changed since the bulk
# copy and, inside each storage root pre-flight and the census found
# (vmail1, vmail2, another base directory, the lists, sieve, public),
# removes from the target what users deleted on the source meanwhile, so
# deleted mail does not come back. Nothing outside the storage roots is
# deleted.
step_mailstore_final() {
  # the source's mail services are stopped (nothing can change)
  on_source '# shellcheck shell=bash
# stopped: nothing on the source can change its mail any more: Postfix and
# Dovecot are stopped as systemd sees them, and as the processes and the
# listening mail ports show (also when something else than systemd started
# them, or on a host where systemctl is missing).  Run before the census and
# before each step that reads the mail or the databases in the window.
# No prologue; fails naming what still runs.
for t in pgrep ss; do
  command -v "$t" >/dev/null || { echo "$t is missing on the source: it tells whether mail can still change" >&2; exit 1; }
done
bad=
for u in postfix dovecot; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$u.service"; then
    bad+="$u (systemd says active); "
  fi
done
if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
  bad+="Postfix (postfix status: running); "
fi
if pgrep -x dovecot >/dev/null 2>&1; then
  bad+="Dovecot (a dovecot process runs; mailshift'\''s own user lookup, dovecot -o protocols=none, is stopped with doveadm stop); "
fi
# SMTP, submission, POP3, IMAP (and their TLS ports), LMTP, the content
# filter'\''s way back in
ports=$(ss -Hltn 2>/dev/null | awk '\''{ n = split($4, a, ":"); p = a[n]
    if (p ~ /^(25|24|110|143|465|587|993|995|10025)$/) print p }'\'' | sort -un | tr '\''\n'\'' '\'' '\'')
[ -z "$ports" ] || bad+="something listens on mail port(s) ${ports% }; "
if [ -n "$bad" ]; then
  echo "mail can still change on the source: ${bad%; }. Run the stop-services step first (or stop them by hand)" >&2
  exit 1
fi
echo '\''postfix and dovecot are stopped on the source (systemd, processes, mail ports)'\''
'
  # makes every storage root as on the source: copies what changed, removes what users deleted meanwhile
  destructive "makes every storage root as on the source: copies what changed, removes what users deleted meanwhile"
  on_target 'b=/var/backups/mailshift
vmail=/var/vmail
login=root@10.200.0.2
ssh="ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22"
phase=final
leave_out=""
units_awk='\''# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate'\''\'\'''\''s lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file'\''\'\'''\''s directory).
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail login ssh phase leave_out units_awk: the prologue'\''s
# copy: the target pulls the mail from the source with rsync, the mail store
# ($vmail) and every storage root discovery found ($b/discovery/roots.tsv,
# accepted here by pre-flight), each into the same path.  A root that is a
# symbolic link on the source (a store on another disk) is read through the
# link and written here as a directory at the root'\''s own path.
#
# Prologue: b, vmail, login (USER@HOST of the source), ssh (how the target
# reaches it: the one-off key), phase: bulk (while the source is live: adds and
# updates, deletes nothing; rsync'\''s exit 24, files that vanished meanwhile, is
# expected) or final (the source is stopped: each root is made as on the
# source, deleting what users deleted meanwhile; nothing outside the roots is
# deleted); leave_out: a root left out on purpose (a test hook: empty).
#
# --info=progress2 reports each copy in place (bytes, percent, rate, time
# left); --no-inc-recursive lists the whole tree first, so the percentage is
# of the whole and -H knows every hard link before it copies one.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
rs=(rsync -aHAXs --numeric-ids --no-inc-recursive --stats -e "$ssh")
roots=() inside=()
# iRedMail'\''s own nightly backups (its databases, the mysql system database
# too) stay on each server: the target keeps its own, never the source'\''s
inside+=(--exclude=/backup)
while IFS="$(printf '\''\t'\'')" read -r root _; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  if [ -n "$leave_out" ] && [ "$root" = "$leave_out" ]; then
    echo "TEST HOOK: $root is left out of the copy (MAILSHIFT_TEST_LEAVE_OUT)"; continue
  fi
  roots+=("$root")
  # (no trailing /: a root that is a symbolic link on the source is excluded
  # too, and copied through the link as a directory, never as the link)
  case $root/ in "$vmail"/*) inside+=(--exclude="/${root#"$vmail"/}") ;; esac
done < "$r"
[ -z "$leave_out" ] || case $leave_out/ in "$vmail"/*) inside+=(--exclude="/${leave_out#"$vmail"/}") ;; esac
pull() { # FROM TO [rsync options]: rsync'\''s exit status, 24 taken as success while live
  local from=$1 to=$2 rc=0
  shift 2
  (umask 022 && mkdir -p -- "$to")  # parents others may traverse (Dovecot runs as vmail)
  "${rs[@]}" --info=progress2 "$@" -- "$login:$from/" "$to/" || rc=$?
  if [ "$rc" = 24 ] && [ "$phase" = bulk ]; then
    echo "some files vanished while copying $from (mail changes while live): the final copy takes them"; rc=0
  fi
  return "$rc"
}
if [ "$phase" = bulk ]; then
  # the mail store but its roots, then each root
  pull "$vmail" "$vmail" "${inside[@]}"
  for root in "${roots[@]}"; do pull "$root" "$root"; done
  echo "copied $vmail and $((${#roots[@]})) storage root(s); nothing was deleted"
  echo "left on each server: $vmail/backup (iRedMail'\''s own backups: the target keeps its own)"
else
  # what is not a root: added and updated
  t0=$EPOCHREALTIME
  pull "$vmail" "$vmail" "${inside[@]}"
  mail=() other=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    case " ${roots[*]} " in *" $root "*) ;; *) continue ;; esac
    if [ "$kind" = mail ]; then mail+=("$root"); else other+=("$root"); fi
  done < "$r"
  # the roots beside the mailboxes (lists, sieve, public): each as on the source
  for root in "${other[@]}"; do pull "$root" "$root" --delete-after; done
  t1=$EPOCHREALTIME
  rm -f -- "$b/state/synced"
  if [ -f "$b/census/source.dirs" ] && [ -f "$b/census/cache-target.dirs" ] && [ ${#mail[@]} -gt 0 ]; then
    # The mailboxes: only what is not the same on both servers.  The census
    # step listed the state of the source'\''s mail (ms_dirstate: paths and
    # times); this server'\''s, as its census last listed it (after the bulk
    # copy; after an earlier final copy, verify'\''s), differs wherever a
    # message arrived, was removed or flagged since (rsync gives each
    # directory and file the source'\''s time), and wherever this server'\''s
    # copy was changed since it was listed: each such account is made as on
    # the source, whole; a directory outside every account alone.  What
    # changes here after that list is what verify'\''s census finds.
    t=$(mktemp -d "$b/.copy.XXXXXX")
    trap '\''rm -rf -- "$t"'\'' EXIT
    state=$b/census/cache-target.dirs
    [ ! "$b/census/target.dirs" -nt "$state" ] || state=$b/census/target.dirs
    cp -- "$state" "$t/target.dirs"
    # the source'\''s list, for the roots copied here
    awk -F '\''\t'\'' -v roots="$(printf '\''%s\n'\'' "${mail[@]}")" '\''BEGIN { n = split(roots, r, "\n") }
      { for (i = 1; i <= n; i++) if (r[i] != "" && index($1 "/", r[i] "/") == 1) { print; next } }'\'' \
      "$b/census/source.dirs" > "$t/source.dirs"
    comm -3 -- "$t/source.dirs" "$t/target.dirs" | sed '\''s/^\t//'\'' |
      awk -F '\''\t'\'' -v accounts="$b/discovery/accounts.tsv" -v leave_out="$leave_out" "$units_awk" > "$t/units"
    awk -F '\''\t'\'' '\''$1 == "R" { print substr($2, 2) }'\'' "$t/units" > "$t/r"
    awk -F '\''\t'\'' '\''$1 == "D" { print substr($2, 2) "/." }'\'' "$t/units" > "$t/d"
    t2=$EPOCHREALTIME
    # --no-implied-dirs: the directories above each path keep this server'\''s
    # own attributes (a new one among them differs, so it is in the list);
    # --delete-missing-args: what the source no longer has goes here too
    if [ -s "$t/r" ]; then
      "${rs[@]}" -r --info=progress2 --delete-after --no-implied-dirs --delete-missing-args \
        --files-from="$t/r" -- "$login:/" /
    fi
    if [ -s "$t/d" ]; then
      "${rs[@]}" -d --delete-after --no-implied-dirs --delete-missing-args --files-from="$t/d" -- "$login:/" /
    fi
    mkdir -p -- "$b/state" && chmod 0700 -- "$b/state"
    cut -f 1,2 "$t/units" > "$b/state/synced"
    echo "$(wc -l < "$t/r") account(s) and $(wc -l < "$t/d") other folder(s) differed from the source: made as on the source; the other $(($(wc -l < "$b/discovery/accounts.tsv") - $(wc -l < "$t/r"))) account(s) were already the same"
    echo "(the store'\''s other files $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, copying $(ms_took "$t2") s)"
  else
    for root in "${mail[@]}"; do pull "$root" "$root" --delete-after; done
  fi
  echo "${#roots[@]} storage root(s) now as on the source; $vmail'\''s other files added and updated"
  # Verify counts this server'\''s mail next: its state is listed now, in the
  # background, while the owners and the databases are done (nothing there
  # changes a message); verify'\''s census waits for it (the lock) and takes it.
  c=$b/census
  rm -f -- "$c/target.dirs.next"
  if [ -f "$c/cache-target.dirs" ] && [ ${#mail[@]} -gt 0 ]; then
    exec 9> "$c/.listing.lock"
    flock 9
    # shellcheck disable=SC2016 # expands in the background shell
    (setsid bash -c "$(declare -f ms_dirstate)"'\''
      ms_dirstate "${@:2}" > "$1.tmp" && mv -- "$1.tmp" "$1"'\'' bash "$c/target.dirs.next" "${mail[@]}" \
      </dev/null >/dev/null 2>&1 &)
    exec 9>&-
    echo "listing this server'\''s mail for verify, in the background"
  fi
fi
'
  :
}

# --- chown: Give the mail to the vmail user [downtime window]
#
# Dovecot reads and writes the mail as the vmail user (uid 2000 in
# iRedMail), the mailing lists as mlmmj. After the copy every storage root
# and everything in it must belong to the user and group it belongs to on
# the source (by name: vmail:vmail for the mailboxes, the sieve scripts and
# the public folders), each root with its mode (0700), and the store itself
# to root with mode 0755, or users see empty or unreadable mailboxes. Only
# what differs is changed; a symbolic link is never followed.
step_chown() {
  # each storage root belongs to its owner on the source (vmail, mlmmj), by name (what the final copy took again)
  on_target 'b=/var/backups/mailshift
vmail=/var/vmail
mode=fix
scope=synced
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail mode scope: the prologue'\''s
# owners: the owner each storage root has on the source (vmail for the mail,
# mlmmj for the lists, ...), by name on this server, for the root and
# everything in it, and the root'\''s mode.  mode=fix changes what differs
# (never following a symbolic link); mode=check lists it (the figure: paths
# with another owner or mode; 0 is what must be).  scope=all: every path of
# every root (after the bulk copy, while the source is live); scope=synced:
# in the mailboxes, only what the final copy took again ($b/state/synced:
# the accounts and folders that differed), every path of the other roots,
# and each root itself; without that record, as all.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
synced=$b/state/synced
[ "$scope" = synced ] && [ -f "$synced" ] || scope=all
paths() { # ROOT KIND: where to look (NUL-separated) and with which depth
  if [ "$scope" = all ] || [ "$2" != mail ]; then printf '\''R\t%s\0'\'' "$1"; return; fi
  printf '\''D\t%s\0'\'' "$1"
  awk -F '\''\t'\'' -v root="$1" '\''index($2 "/", root "/") == 1 && $2 != root { printf "%s\t%s%c", $1, $2, 0 }'\'' "$synced"
}
# each: ROOT KIND OWNER ACTION...: the paths whose owner differs, with find'\''s
# ACTION (-print, or -exec chown: never a name through a pipe); one find for
# many accounts at a time
each() {
  local root=$1 kind=$2 u=${3%%:*} g=${3#*:} k p rec=() one=() rc=0
  shift 3
  while IFS="$(printf '\''\t'\'')" read -r -d '\'''\'' k p; do
    [ -e "$p" ] || continue
    if [ "$k" = R ]; then rec+=("$p"); else one+=("$p"); fi
    if [ $((${#rec[@]} + ${#one[@]})) -ge 500 ]; then
      each_find "$u" "$g" "$@" || rc=1
      rec=() one=()
    fi
  done < <(paths "$root" "$kind")
  each_find "$u" "$g" "$@" || rc=1
  return "$rc"
}
each_find() { # USER GROUP ACTION...: over $rec (whole) and $one (their own entries); fails if a find does
  local u=$1 g=$2 rc=0
  shift 2
  if [ ${#rec[@]} -gt 0 ]; then find "${rec[@]}" \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  if [ ${#one[@]} -gt 0 ]; then find "${one[@]}" -maxdepth 1 \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  return "$rc"
}
wrong() { # ROOT KIND OWNER MODE: the paths whose owner (or, for ROOT, mode) differ
  local rc=0
  find "$1" -maxdepth 0 ! -perm "$4" -print || rc=1
  each "$1" "$2" "$3" -print || rc=1
  return "$rc"
}
n=0 bad=0
while IFS="$(printf '\''\t'\'')" read -r root kind owner m; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  [ -d "$root" ] || continue
  [ ! -L "$root" ] || { echo "storage root $root is a symbolic link: not followed" >&2; exit 1; }
  n=$((n + 1))
  if [ "$mode" = fix ]; then
    each "$root" "$kind" "$owner" -exec chown -h -- "$owner" {} +
    chmod -- "$m" "$root"
    echo "$owner $m $root"
  else
    c=$(wrong "$root" "$kind" "$owner" "$m" | wc -l) || { echo "cannot check the owners in $root: find failed (above)" >&2; exit 1; }
    if [ "$c" -gt 0 ]; then
      echo "$root: $c path(s) not $owner (or the root not $m), the first 20:" >&2
      wrong "$root" "$kind" "$owner" "$m" | head -n 20 >&2 || true
      bad=$((bad + c))
    fi
  fi
done < "$r"
what="every path of the $n storage root(s)"
[ "$scope" = all ] || what="in the $n storage root(s), every path the final copy took again ($(wc -l < "$synced") accounts and folders), every path of the roots beside the mailboxes, each root itself"
if [ "$mode" = fix ]; then
  chown root:root -- "$vmail" && chmod 0755 -- "$vmail"
  echo "owned as on the source: $what; $vmail root:root 0755"
else
  echo "verify-row owners 0 $bad"
  [ "$bad" = 0 ] || exit 1
  echo "the source'\''s owners: $what"
fi
'
  :
}

# --- databases: Move the databases [downtime window]
#
# iRedMail keeps its settings in databases: amavisd (spam and filter rules),
# iredadmin (the admin panel), iredapd (the policy daemon), roundcubemail
# (webmail preferences, address books, filters), and sogo, sa_bayes and
# fail2ban where installed. Each is dumped on the source (with the services
# stopped, so the dump is consistent), copied, and restored on the target
# after the target's own copy is saved. The mysql system database is never
# restored: it holds the target's own users and passwords.
step_databases() {
  # the source's mail services are stopped (the dumps are consistent)
  on_source '# shellcheck shell=bash
# stopped: nothing on the source can change its mail any more: Postfix and
# Dovecot are stopped as systemd sees them, and as the processes and the
# listening mail ports show (also when something else than systemd started
# them, or on a host where systemctl is missing).  Run before the census and
# before each step that reads the mail or the databases in the window.
# No prologue; fails naming what still runs.
for t in pgrep ss; do
  command -v "$t" >/dev/null || { echo "$t is missing on the source: it tells whether mail can still change" >&2; exit 1; }
done
bad=
for u in postfix dovecot; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$u.service"; then
    bad+="$u (systemd says active); "
  fi
done
if command -v postfix >/dev/null && postfix status >/dev/null 2>&1; then
  bad+="Postfix (postfix status: running); "
fi
if pgrep -x dovecot >/dev/null 2>&1; then
  bad+="Dovecot (a dovecot process runs; mailshift'\''s own user lookup, dovecot -o protocols=none, is stopped with doveadm stop); "
fi
# SMTP, submission, POP3, IMAP (and their TLS ports), LMTP, the content
# filter'\''s way back in
ports=$(ss -Hltn 2>/dev/null | awk '\''{ n = split($4, a, ":"); p = a[n]
    if (p ~ /^(25|24|110|143|465|587|993|995|10025)$/) print p }'\'' | sort -un | tr '\''\n'\'' '\'' '\'')
[ -z "$ports" ] || bad+="something listens on mail port(s) ${ports% }; "
if [ -n "$bad" ]; then
  echo "mail can still change on the source: ${bad%; }. Run the stop-services step first (or stop them by hand)" >&2
  exit 1
fi
echo '\''postfix and dovecot are stopped on the source (systemd, processes, mail ports)'\''
'
  # dumps the databases on the source
  on_source 'set -o pipefail
exists() { [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''$1'\''")" ]; }
dump() { mysqldump --events --routines --triggers --single-transaction --databases "$1"; }
d=/var/backups/mailshift/dump
mkdir -p -m 0700 -- "$d" && cd -- "$d" || exit 1
for db in amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban; do
  exists "$db" || { echo "$db: not on this host"; continue; }
  dump "$db" | bzip2 > "$db.sql.bz2.part" || { echo "cannot dump $db" >&2; exit 1; }
  mv -- "$db.sql.bz2.part" "$db.sql.bz2"
  echo "$db: $(stat -c %s -- "$db.sql.bz2") bytes in $d/$db.sql.bz2"
done'
  # fetches the dumps from the source
  on_target 'd=/var/backups/mailshift/dump
mkdir -p -m 0700 -- "$d"
rsync -as -e "ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22" -- root@10.200.0.2:/var/backups/mailshift/dump/ "$d/"'
  # saves the target's own copies first
  on_target 'set -o pipefail
exists() { [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''$1'\''")" ]; }
dump() { mysqldump --events --routines --triggers --single-transaction --databases "$1"; }
d=/var/backups/mailshift/target-before
mkdir -p -m 0700 -- "$d" && cd -- "$d" || exit 1
for db in amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban; do
  [ -e "$db.sql.bz2" ] && { echo "$db: saved before"; continue; }
  exists "$db" || { echo "$db: not on this host"; continue; }
  dump "$db" | bzip2 > "$db.sql.bz2.part" || { echo "cannot dump $db" >&2; exit 1; }
  mv -- "$db.sql.bz2.part" "$db.sql.bz2"
  echo "$db: $(stat -c %s -- "$db.sql.bz2") bytes in $d/$db.sql.bz2"
done'
  # replaces the target's databases with the source's
  destructive "replaces the target's databases with the source's"
  on_target 'set -o pipefail
exists() { [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''$1'\''")" ]; }
d=/var/backups/mailshift/dump
for db in amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban; do
  [ -e "$d/$db.sql.bz2" ] || continue
  bzcat -- "$d/$db.sql.bz2" | mysql || { echo "cannot restore $db" >&2; exit 1; }
  echo "$db: restored"
done'
  :
}

# --- accounts: Move the mail accounts [downtime window]
#
# The accounts (domains, mailboxes with their password hashes, aliases,
# quotas, forwardings) live in the account backend: the vmail database for
# MariaDB/MySQL and PostgreSQL, or the OpenLDAP directory. It is copied
# whole, so every user keeps the same password. For SQL the vmail database
# is dumped and restored like the others. For LDAP the directory is exported
# with slapcat, slapd is stopped on the target, its database files are moved
# aside (kept, not deleted), the export is loaded with slapadd and given
# back to the LDAP user. The service accounts cn=vmail and cn=vmailadmin
# keep the target's passwords, which the target's Dovecot, Postfix and
# iRedAdmin use to bind.
step_accounts() {
  # dumps the databases on the source
  on_source 'set -o pipefail
exists() { [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''$1'\''")" ]; }
dump() { mysqldump --events --routines --triggers --single-transaction --databases "$1"; }
d=/var/backups/mailshift/dump
mkdir -p -m 0700 -- "$d" && cd -- "$d" || exit 1
for db in vmail; do
  exists "$db" || { echo "$db: not on this host"; continue; }
  dump "$db" | bzip2 > "$db.sql.bz2.part" || { echo "cannot dump $db" >&2; exit 1; }
  mv -- "$db.sql.bz2.part" "$db.sql.bz2"
  echo "$db: $(stat -c %s -- "$db.sql.bz2") bytes in $d/$db.sql.bz2"
done'
  # fetches the dumps from the source
  on_target 'd=/var/backups/mailshift/dump
mkdir -p -m 0700 -- "$d"
rsync -as -e "ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22" -- root@10.200.0.2:/var/backups/mailshift/dump/ "$d/"'
  # saves the target's own copies first
  on_target 'set -o pipefail
exists() { [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''$1'\''")" ]; }
dump() { mysqldump --events --routines --triggers --single-transaction --databases "$1"; }
d=/var/backups/mailshift/target-before
mkdir -p -m 0700 -- "$d" && cd -- "$d" || exit 1
for db in vmail; do
  [ -e "$db.sql.bz2" ] && { echo "$db: saved before"; continue; }
  exists "$db" || { echo "$db: not on this host"; continue; }
  dump "$db" | bzip2 > "$db.sql.bz2.part" || { echo "cannot dump $db" >&2; exit 1; }
  mv -- "$db.sql.bz2.part" "$db.sql.bz2"
  echo "$db: $(stat -c %s -- "$db.sql.bz2") bytes in $d/$db.sql.bz2"
done'
  # replaces the target's databases with the source's
  destructive "replaces the target's databases with the source's"
  on_target 'set -o pipefail
exists() { [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''$1'\''")" ]; }
d=/var/backups/mailshift/dump
for db in vmail; do
  [ -e "$d/$db.sql.bz2" ] || continue
  bzcat -- "$d/$db.sql.bz2" | mysql || { echo "cannot restore $db" >&2; exit 1; }
  echo "$db: restored"
done'
  :
}

# --- verify: Verify the target holds everything [downtime window]
#
# Before the new server starts, while nothing can change on either side,
# mailshift proves the target holds what the source holds. The target's mail
# is counted the way the census counted the source's, and the two are
# compared account by account and folder by folder: every folder, every
# message with its flags and size, UIDVALIDITY and the UIDs mail clients
# keep; a difference names the accounts and folders. Then every DKIM key,
# the owners, and, read through its own connections to both servers'
# databases and directory, every table with the same number of rows, every
# account with the same maildir, every domain and LDAP entry (the runbook's
# shell compares the very same lines). The report (and mailshift --report)
# shows what it counted on each side, side by side. A difference stops the
# run here, while the old server can still simply be started again; the
# relay refuses to run until verify passed on the current census.
step_verify() {
  # counts every account's mail on the target, as the census did on the source
  on_target 'b=/var/backups/mailshift
side=target
cache=use
census_awk='\''# census.awk: the census'\''\'\'''\''s one pass (census.sh feeds it; see there for the
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
# current account'\''\'\'''\''s, by folder
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
# the folder'\''\'\'''\''s dovecot-uidlist: "3 V<uidvalidity> N<uidnext> ..." then
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
    # the header'\''\'\'''\''s next UID is written when the file is rewritten; records
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
'\''
units_awk='\''# units.awk: what the final copy takes again, for each path of the mail
# that is not the same on both servers (ms_dirstate'\''\'\'''\''s lines on input: PATH,
# TYPE, MTIME): the whole account it belongs to ("R UNIT USER": its home, or
# its maildir when that is not named Maildir; recursively, deleting what the
# source no longer has), or the directory alone ("D DIR": its own entries,
# deleting those gone; a file'\''\'\'''\''s directory).
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b side census_awk (census.awk) units_awk (units.awk) cache: the prologue'\''s
# census: every account'\''s mail as the account'\''s own Dovecot keeps it, per folder
# and per message, at the paths the source'\''s Dovecot resolved (discover.sh):
# taken on the source when nothing can change any more (in the downtime window,
# delivery and IMAP stopped) and on the target after the restore; verify
# compares the two (census-compare.sh).
#
# Prologue: b (backup dir), side (source|target).  Reads $b/discovery/accounts.tsv
# and roots.tsv; writes $b/census/$side.tsv (0600), sorted, tab-separated:
#   A user folders messages bytes unseen        one per account (- when its
#                                               mail directory does not exist)
#   F user folder messages bytes unseen uidvalidity uidnext flags guid
#   M user folder name uid flags bytes pop3-uidl
#   C key value                                 Dovecot settings clients key on
# folder: INBOX, or the Maildir++ folder'\''s directory name (.Sent, .Archive.2024);
# name: the message file'\''s unique part (before ":2,"); flags: its Maildir flag
# letters, "new" for a message in new/ (never seen by a client), "-" for none;
# uid, uidvalidity, uidnext, guid (the folder'\''s, which Dovecot keeps): from the folder'\''s dovecot-uidlist, Dovecot'\''s own
# record (the next UID: its header'\''s, or past the last UID listed, as Dovecot reads it) ("-" where Dovecot never listed the folder or the message); pop3-uidl:
# a UIDL Dovecot stored for the message ("-": pop3_uidl_format makes it).
# One streamed pass (find over the roots, awk), however many accounts.
# cache (prologue): empty, the census is one pass over every mail root;
# "save", that pass is also kept as the cache ($c/cache-$side.tsv), with the
# state of every mail directory taken just before it (ms_dirstate,
# cache-$side.dirs): the bulk copy takes one while the source is live, one
# of the target after the copy; "use", in the downtime window: the
# directories are listed again (no message is read), and only the accounts
# whose directories changed since the cache (or that are new) are counted
# again: a message added, removed or flagged changes its folder'\''s cur/ or
# new/, Dovecot rewrites its uidlist with a rename.  The rest is the cache'\''s.
# The list taken then is kept too ($c/$side.dirs): the final copy compares
# the source'\''s with the target'\''s.
export LC_ALL=C
c=$b/census
mkdir -p -- "$c" && chmod 0700 -- "$c" || exit 1
a=$b/discovery/accounts.tsv r=$b/discovery/roots.tsv
if [ ! -f "$a" ] || [ ! -f "$r" ]; then echo "no discovery in $b/discovery: run pre-flight first" >&2; exit 1; fi
t0=$EPOCHREALTIME
ms_mail_roots
tmp=$(mktemp -d "$c/.census.XXXXXX")
trap '\''rm -rf -- "$tmp"'\'' EXIT
count() { # [ONLY]: the census lines of the accounts below the paths on stdin (-z), or every root
  local only=${1:-}
  {
    printf '\''C\tpop3_uidl_format\t%s\n'\'' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
    if [ -n "$only" ]; then
      xargs -0 -r sh -c '\''find -H "$@" \( -type d -name cur -printf "D\t%h\n" \) -o \
        \( -type f \( -path "*/cur/*" -o -path "*/new/*" \) -printf "M\t%s\t%h\t%f\n" \) -o \( -type l -printf "L\t%p\n" \)'\'' sh
    elif [ ${#mail_roots[@]} -gt 0 ]; then
      find -H "${mail_roots[@]}" \( -type d -name cur -printf '\''D\t%h\n'\'' \) -o \
        \( -type f \( -path '\''*/cur/*'\'' -o -path '\''*/new/*'\'' \) -printf '\''M\t%s\t%h\t%f\n'\'' \) -o \
        \( -type l -printf '\''L\t%p\n'\'' \)
    fi
  } | awk -F '\''\t'\'' -v OFS='\''\t'\'' -v accounts="$a" -v only="$only" "$census_awk"
}
mode=full
if [ "${cache:-}" = use ] && [ -f "$c/cache-$side.tsv" ] && [ -f "$c/cache-$side.dirs" ]; then
  mode=cache
  # the final copy may have begun this listing already (the target'\''s)
  if [ -e "$c/.listing.lock" ]; then flock "$c/.listing.lock" true; fi
  if [ -f "$c/$side.dirs.next" ]; then
    mv -- "$c/$side.dirs.next" "$c/$side.dirs"
    echo "the state of the mail as listed right after the final copy"
  else
    ms_dirstate "${mail_roots[@]}" > "$c/$side.dirs"
  fi
  t1=$EPOCHREALTIME
  # the accounts whose directories changed, or that the cache does not know
  comm -3 -- "$c/cache-$side.dirs" "$c/$side.dirs" | sed '\''s/^\t//'\'' > "$tmp/changed"
  awk -F '\''\t'\'' -v accounts="$a" "$units_awk" "$tmp/changed" | awk -F '\''\t'\'' '\''$1 == "R" { print $3 }'\'' > "$tmp/only"
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { if ($1 == "A") known[$2] = 1; next } !($1 in known) { print $1 }'\'' \
    "$c/cache-$side.tsv" "$a" >> "$tmp/only"
  sort -u -o "$tmp/only" "$tmp/only"
  t2=$EPOCHREALTIME
  # their mail directories (those there: an account that never had mail has none)
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } ($1 in o) { printf "%s%c", $2, 0 }'\'' "$tmp/only" "$a" |
    while IFS= read -r -d '\'''\'' p; do if [ -d "$p" ] && [ ! -L "$p" ]; then printf '\''%s\0'\'' "$p"; fi; done |
    count "$tmp/only" | sort > "$tmp/new"
  t3=$EPOCHREALTIME
  # the cache'\''s lines of every other current account (sorted as the cache
  # is), merged with the new ones
  awk -F '\''\t'\'' '\''FILENAME == ARGV[1] { o[$0] = 1; next } FILENAME == ARGV[2] { cur[$1] = 1; next }
    $1 != "C" && ($2 in cur) && !($2 in o)'\'' "$tmp/only" "$a" "$c/cache-$side.tsv" > "$tmp/kept"
  sort -m -o "$c/$side.tsv.new" -- "$tmp/kept" "$tmp/new"
  echo "$(wc -l < "$tmp/only") account(s) changed since the cache of the $side (or new): counted again; the others'\'' count kept"
  echo "(listing the state $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, counting $(ms_took2 "$t2" "$t3") s, merging $(ms_took "$t3") s)"
else
  [ "${cache:-}" != save ] || ms_dirstate "${mail_roots[@]}" > "$c/cache-$side.dirs.new"
  count | sort -o "$c/$side.tsv.new"
fi
mv -- "$c/$side.tsv.new" "$c/$side.tsv"
chmod 0600 -- "$c/$side.tsv"
if [ "${cache:-}" = save ]; then
  cp -- "$c/$side.tsv" "$c/cache-$side.tsv"
  mv -- "$c/cache-$side.dirs.new" "$c/cache-$side.dirs"
  chmod 0600 -- "$c/cache-$side.tsv" "$c/cache-$side.dirs"
fi
awk -F '\''\t'\'' '\''$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "census of the %s: %d accounts, %d folders, %d messages, %.0f bytes\n", side, a, f, m, s }'\'' side="$side" "$c/$side.tsv"
echo "taken in $(ms_took "$t0") s ($mode); written to $c/$side.tsv"
'
  # every account, folder and message of the source's census is on the target, the same
  on_target 'b=/var/backups/mailshift
compare_awk='\''# census-compare.awk: what differs between the source'\''\'\'''\''s census and the
# target'\''\'\'''\''s (census.sh), account by account and folder by folder.  Input: the
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
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b compare_awk (census-compare.awk): the prologue'\''s
# census-compare: the target'\''s census against the source'\''s (census.sh), on the
# target: the figures of the verification table, then every account that
# differs, with what differs (the first 20 and the count).  Passes only when
# the two are the same line for line; then writes the source census'\''s digest
# to $b/census/verified, which the verify step hands to the source: the
# cutover'\''s relay runs only after a verify that passed on the current census.
export LC_ALL=C
c=$b/census
rm -f -- "$c/verified"
for s in source target; do
  [ -f "$c/$s.tsv" ] || { echo "no census of the $s in $c: run the census step (and verify) again" >&2; exit 1; }
done
fig() { awk -F '\''\t'\'' '\''$1 == "A" { a++ } $1 == "F" { f++ } $1 == "M" { m++; s += $7 }
  END { printf "%d %d %d %.0f\n", a, f, m, s }'\'' "$1"; }
read -r sa sf sm sb <<<"$(fig "$c/source.tsv")"
read -r ta tf tm tb <<<"$(fig "$c/target.tsv")"
echo "verify-row census $sa $ta"
echo "verify-row folders $sf $tf"
echo "verify-row messages $sm $tm"
echo "verify-row bytes $sb $tb"
out=$(comm -3 -- "$c/source.tsv" "$c/target.tsv" | awk -F '\''\t'\'' -v max=20 "$compare_awk")
n=$(sed -n '\''s/^differ //p'\'' <<<"$out")
echo "verify-row differ 0 $n"
bad=0
while read -r _ key s t; do
  echo "the source'\''s $key is $s, the target'\''s $t: clients that keep it (POP3 UIDLs) would see other messages" >&2
  bad=1
done < <(grep '\''^setting '\'' <<<"$out" || true)
if [ "$n" != 0 ]; then
  # for the report and the wizard (journaled), then for whoever reads the log
  grep '\''^  '\'' <<<"$out" | sed '\''s/^  /verify-note /'\''
  echo "$n account(s) differ between the source'\''s census and the target'\''s (the first 20):" >&2
  grep '\''^  '\'' <<<"$out" >&2
  bad=1
fi
[ "$bad" = 0 ] || exit 1
sha256sum < "$c/source.tsv" | cut -c 1-64 > "$c/verified"
echo "every account, folder and message of the source'\''s census is on the target: $sa accounts, $sf folders, $sm messages, UIDVALIDITY, UIDs and flags the same"
'
  # every DKIM key is on the target (public key fingerprints)
  on_target 'inv='\''cd -- /var/lib/dkim 2>/dev/null || exit 0
for f in *.pem; do
  [ -f "$f" ] || continue
  fp=$(openssl pkey -in "$f" -pubout -outform DER | sha256sum) || { echo "cannot read the key $f" >&2; exit 1; }
  echo "$f ${fp%% *}"
done | LC_ALL=C sort'\''
t=$(mktemp -d) && trap '\''rm -rf -- "$t"'\'' EXIT
ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22 root@10.200.0.2 "$inv" > "$t/src" || exit 1
eval "$inv" > "$t/dst" || exit 1
echo "source: $(grep -c . "$t/src") lines; target: $(grep -c . "$t/dst") lines"
count() { awk '\''NF { n++ } END { printf "dkim %d\n", n }'\'' "$1" | LC_ALL=C sort; }
LC_ALL=C join <(count "$t/src") <(count "$t/dst") | sed '\''s/^/verify-row /'\''
LC_ALL=C comm -3 "$t/src" "$t/dst" > "$t/diff"
[ ! -s "$t/diff" ] || { echo '\''not the same on both (left: only the source has it; indented: only the target):'\'' >&2; head -n 20 "$t/diff" >&2; exit 1; }
echo '\''the target holds exactly what the source holds'\'''
  # every storage root and everything in it has the source's owner
  on_target 'b=/var/backups/mailshift
vmail=/var/vmail
mode=check
scope=synced
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail mode scope: the prologue'\''s
# owners: the owner each storage root has on the source (vmail for the mail,
# mlmmj for the lists, ...), by name on this server, for the root and
# everything in it, and the root'\''s mode.  mode=fix changes what differs
# (never following a symbolic link); mode=check lists it (the figure: paths
# with another owner or mode; 0 is what must be).  scope=all: every path of
# every root (after the bulk copy, while the source is live); scope=synced:
# in the mailboxes, only what the final copy took again ($b/state/synced:
# the accounts and folders that differed), every path of the other roots,
# and each root itself; without that record, as all.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
synced=$b/state/synced
[ "$scope" = synced ] && [ -f "$synced" ] || scope=all
paths() { # ROOT KIND: where to look (NUL-separated) and with which depth
  if [ "$scope" = all ] || [ "$2" != mail ]; then printf '\''R\t%s\0'\'' "$1"; return; fi
  printf '\''D\t%s\0'\'' "$1"
  awk -F '\''\t'\'' -v root="$1" '\''index($2 "/", root "/") == 1 && $2 != root { printf "%s\t%s%c", $1, $2, 0 }'\'' "$synced"
}
# each: ROOT KIND OWNER ACTION...: the paths whose owner differs, with find'\''s
# ACTION (-print, or -exec chown: never a name through a pipe); one find for
# many accounts at a time
each() {
  local root=$1 kind=$2 u=${3%%:*} g=${3#*:} k p rec=() one=() rc=0
  shift 3
  while IFS="$(printf '\''\t'\'')" read -r -d '\'''\'' k p; do
    [ -e "$p" ] || continue
    if [ "$k" = R ]; then rec+=("$p"); else one+=("$p"); fi
    if [ $((${#rec[@]} + ${#one[@]})) -ge 500 ]; then
      each_find "$u" "$g" "$@" || rc=1
      rec=() one=()
    fi
  done < <(paths "$root" "$kind")
  each_find "$u" "$g" "$@" || rc=1
  return "$rc"
}
each_find() { # USER GROUP ACTION...: over $rec (whole) and $one (their own entries); fails if a find does
  local u=$1 g=$2 rc=0
  shift 2
  if [ ${#rec[@]} -gt 0 ]; then find "${rec[@]}" \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  if [ ${#one[@]} -gt 0 ]; then find "${one[@]}" -maxdepth 1 \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  return "$rc"
}
wrong() { # ROOT KIND OWNER MODE: the paths whose owner (or, for ROOT, mode) differ
  local rc=0
  find "$1" -maxdepth 0 ! -perm "$4" -print || rc=1
  each "$1" "$2" "$3" -print || rc=1
  return "$rc"
}
n=0 bad=0
while IFS="$(printf '\''\t'\'')" read -r root kind owner m; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  [ -d "$root" ] || continue
  [ ! -L "$root" ] || { echo "storage root $root is a symbolic link: not followed" >&2; exit 1; }
  n=$((n + 1))
  if [ "$mode" = fix ]; then
    each "$root" "$kind" "$owner" -exec chown -h -- "$owner" {} +
    chmod -- "$m" "$root"
    echo "$owner $m $root"
  else
    c=$(wrong "$root" "$kind" "$owner" "$m" | wc -l) || { echo "cannot check the owners in $root: find failed (above)" >&2; exit 1; }
    if [ "$c" -gt 0 ]; then
      echo "$root: $c path(s) not $owner (or the root not $m), the first 20:" >&2
      wrong "$root" "$kind" "$owner" "$m" | head -n 20 >&2 || true
      bad=$((bad + c))
    fi
  fi
done < "$r"
what="every path of the $n storage root(s)"
[ "$scope" = all ] || what="in the $n storage root(s), every path the final copy took again ($(wc -l < "$synced") accounts and folders), every path of the roots beside the mailboxes, each root itself"
if [ "$mode" = fix ]; then
  chown root:root -- "$vmail" && chmod 0755 -- "$vmail"
  echo "owned as on the source: $what; $vmail root:root 0755"
else
  echo "verify-row owners 0 $bad"
  [ "$bad" = 0 ] || exit 1
  echo "the source'\''s owners: $what"
fi
'
  # the DKIM keys belong to amavis (0400)
  on_target 'k=/var/lib/dkim
[ -d "$k" ] || { echo '\''verify-row dkim-owners 0 0'\''; exit 0; }
n=$(find "$k" -name '\''*.pem'\'' \( ! -user amavis -o ! -perm 0400 \) -print | wc -l) || { echo '\''cannot check the DKIM keys: find failed (above)'\'' >&2; exit 1; }
echo "verify-row dkim-owners 0 $n"
[ "$n" -eq 0 ] || { find "$k" -name '\''*.pem'\'' \( ! -user amavis -o ! -perm 0400 \) -print >&2; exit 1; }
echo '\''the DKIM keys belong to amavis, mode 0400'\'''
  # every table has the same rows; every account (with its maildir), domain and LDAP entry is there
  # (mailshift reads this through its own database and LDAP connections;
  # the runbook checks it with the servers' own tools)
  on_target 'inv='\''backend=mysql
dbs="vmail amavisd iredadmin iredapd roundcubemail sogo sa_bayes fail2ban"
# shellcheck shell=bash
# shellcheck disable=SC2154 # backend dbs (and conf suffix for ldap): the prologue'\''\'\'''\''s
# inventory: what verify compares of the account backend and the databases,
# in the very lines mailshift'\''\'\'''\''s own comparison reads through its connections
# (backends/probe.h, inventory_print): one definition for both.
#   table DB.TABLE rows N          every table of the migrated databases ($dbs,
#                                  where present; DB.SCHEMA.TABLE outside public)
#   entries BASE N                 LDAP: the entries below Dovecot'\''\'\'''\''s base
#   account ADDRESS maildir PATH   every mailbox (SQL vmail.mailbox, LDAP mailUser)
#   domain NAME                    every domain
# Prologue: backend (mysql|pgsql|ldap), dbs (the databases, a word list).
export LC_ALL=C
join3() { # the one-slash join of backends/probe.c (probe_join_path)
  awk -F '\''\'\'''\''\t'\''\'\'''\'' -v OFS='\''\'\'''\''\t'\''\'\'''\'' '\''\'\'''\''{
    p = ""
    for (i = 2; i <= 4; i++) { s = $i; if (p != "") sub(/^\/+/, "", s); if (s == "") continue
      if (p != "" && substr(p, length(p)) != "/") p = p "/"; p = p s }
    print "account " $1 " maildir " p }'\''\'\'''\''
}
{
  if [ "$backend" = pgsql ]; then
    pg() { (cd / && runuser -u postgres -- psql -X -At "$@"); }
    for db in $dbs; do
      [ "$(pg -c "SELECT 1 FROM pg_database WHERE datname = '\''\'\'''\''$db'\''\'\'''\''")" = 1 ] || continue
      pg -d "$db" -F "$(printf '\''\'\'''\''\t'\''\'\'''\'')" -c "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN ('\''\'\'''\''pg_catalog'\''\'\'''\'', '\''\'\'''\''information_schema'\''\'\'''\'')" |
        while IFS="$(printf '\''\'\'''\''\t'\''\'\'''\'')" read -r s t; do
          if [ "$s" = public ]; then n=$db.$t; else n=$db.$s.$t; fi
          echo "table $n rows $(pg -d "$db" -c "SELECT COUNT(*) FROM \"$s\".\"$t\"")"
        done
    done
    if [ "$(pg -c "SELECT 1 FROM pg_database WHERE datname = '\''\'\'''\''vmail'\''\'\'''\''")" = 1 ]; then
      pg -d vmail -F "$(printf '\''\'\'''\''\t'\''\'\'''\'')" -c '\''\'\'''\''SELECT username, storagebasedirectory, storagenode, maildir FROM mailbox'\''\'\'''\'' | join3
      pg -d vmail -c '\''\'\'''\''SELECT domain FROM domain'\''\'\'''\'' | sed '\''\'\'''\''s/^/domain /'\''\'\'''\''
    fi
  else
    for db in $dbs; do
      [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''\'\'''\''$db'\''\'\'''\''")" ] || continue
      mysql -N -B -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '\''\'\'''\''$db'\''\'\'''\'' AND table_type = '\''\'\'''\''BASE TABLE'\''\'\'''\''" |
        while IFS= read -r t; do
          echo "table $db.$t rows $(mysql -Nse "SELECT COUNT(*) FROM \`$db\`.\`$t\`")"
        done
    done
    if [ "$backend" = mysql ] && [ -n "$(mysql -Nse "SHOW DATABASES LIKE '\''\'\'''\''vmail'\''\'\'''\''")" ]; then
      mysql -N -B -e '\''\'\'''\''SELECT username, storagebasedirectory, storagenode, maildir FROM vmail.mailbox'\''\'\'''\'' | join3
      mysql -N -B -e '\''\'\'''\''SELECT domain FROM vmail.domain'\''\'\'''\'' | sed '\''\'\'''\''s/^/domain /'\''\'\'''\''
    fi
  fi
  if [ "$backend" = ldap ]; then
    # below the base Dovecot searches (as mailshift'\''\'\'''\''s own look does)
    base=$(sed -n '\''\'\'''\''s/^base[[:space:]]*=[[:space:]]*//p'\''\'\'''\'' /etc/dovecot/dovecot-ldap.conf 2>/dev/null | head -n 1)
    base=${base:-$suffix}
    # (slapcat'\''\'\'''\''s own -s crashes on some slapd versions: the subtree is picked here)
    slapcat "${conf[@]}" -b "$suffix" -o ldif_wrap=no | awk -v base="$base" '\''\'\'''\''
      function below(d,  b) { d = tolower(d); b = tolower(base); return d == b || substr(d, length(d) - length(b)) == "," b }
      function out() {
        if (dn == "" || !below(substr(dn, 5))) { dn = ""; return }
        n++
        if (user) print "account " mail " maildir " (home != "" ? home : join(sb, store))
        if (dom) print "domain " name
        dn = ""
      }
      function join(a, b) { sub(/^\/+/, "", b); if (b == "") return a; if (a == "") return b; return a (substr(a, length(a)) == "/" ? "" : "/") b }
      /^dn: / { out(); dn = $0; user = dom = 0; mail = home = sb = store = name = ""; next }
      /^objectClass: mailUser$/ { user = 1 } /^objectClass: mailDomain$/ { dom = 1 }
      /^mail: / && mail == "" { mail = substr($0, 7) }
      /^homeDirectory: / { home = substr($0, 16) }
      /^storageBaseDirectory: / { sb = substr($0, 23) }
      /^mailMessageStore: / { store = substr($0, 19) }
      /^domainName: / && name == "" { name = substr($0, 13) }
      END { out(); print "entries " base " " n + 0 }'\''\'\'''\''
  fi
} | sort
'\''
t=$(mktemp -d) && trap '\''rm -rf -- "$t"'\'' EXIT
ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22 root@10.200.0.2 "$inv" > "$t/src" || exit 1
eval "$inv" > "$t/dst" || exit 1
echo "source: $(grep -c . "$t/src") lines; target: $(grep -c . "$t/dst") lines"
count() { awk '\''$1 == "table" { t++; r += $4; db = $2; sub(/\..*/, "", db); if (!(db in d)) { d[db] = 1; nd++ } } $1 == "account" { a++ } $1 == "domain" { m++ } $1 == "entries" { e += $3; le = 1 } END { printf "accounts %d\ndomains %d\ndatabases %d\ntables %d\nrows %.0f\n", a, m, nd, t, r; if (le) print "ldap", e }'\'' "$1" | LC_ALL=C sort; }
LC_ALL=C join <(count "$t/src") <(count "$t/dst") | sed '\''s/^/verify-row /'\''
LC_ALL=C comm -3 "$t/src" "$t/dst" > "$t/diff"
[ ! -s "$t/diff" ] || { echo '\''not the same on both (left: only the source has it; indented: only the target):'\'' >&2; head -n 20 "$t/diff" >&2; exit 1; }
echo '\''the target holds exactly what the source holds'\'''
  # reads the census the comparison passed on
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local census_pass && census_pass=$(on_target "cat -- /var/backups/mailshift/census/verified")
  # records that the target passed on the current census (the relay requires it)
  on_source --stdin 'b=/var/backups/mailshift
read -r dg
[ "$dg" = "$(sha256sum < "$b/census/source.tsv" | cut -c 1-64)" ] || { echo '\''the comparison passed on another census than the source holds now: run census and verify again'\'' >&2; exit 1; }
printf '\''%s\n'\'' "$dg" > "$b/verified" && echo "recorded in $b/verified"' <<<"$census_pass"
  :
}

# --- start-services: Start the mail services on the target (downtime ends) [downtime window]
#
# The target now holds the mail, the accounts and the databases. Its daemons
# start again and the new server can receive. Nothing that grows with the
# number of accounts runs here: Dovecot keeps the copied quota usage,
# recounted by the test step after the window. The old server's mail daemons
# stay stopped: two live servers would split the mail.
step_start_services() {
  # starts the databases, then the daemons stopped before, the MTA last
  on_target 'b=/var/backups/mailshift
for u in mariadb mysql postgresql slapd; do
  systemctl cat "$u.service" >/dev/null 2>&1 || continue
  systemctl is-enabled --quiet "$u.service" || continue
  systemctl start "$u.service" </dev/null >/dev/null 2>&1 || { echo "cannot start $u" >&2; exit 1; }
done
[ -e "$b/stopped-services" ] || { echo '\''no record of the stopped services: run stop-services first'\'' >&2; exit 1; }
# a Dovecot started alone for a user lookup (discovery, census) by a run that was killed
if ! systemctl is-active --quiet dovecot.service && doveadm service status >/dev/null 2>&1; then
  doveadm stop >/dev/null 2>&1 || true; sleep 1
  echo '\''stopped a Dovecot left running outside systemd'\''
fi
units=$(cat -- "$b/stopped-services")
rev=; for u in $units; do rev="$u $rev"; done
for u in $rev; do
  systemctl start "$u.service" </dev/null >/dev/null 2>&1 || { echo "cannot start $u" >&2; exit 1; }
  echo "started $u"
done
systemctl is-active postfix dovecot'
  :
}

# --- relay: Relay from the old server to the new one
#
# The new server runs, so the old one stops refusing mail at once: until
# every sender sees the new MX record, some mail still reaches the old
# address. The old Postfix is turned into a relay: it accepts mail for your
# domains and passes every address to the new server, also those with a
# transport of their own (a mailing list, a user's), so nothing lands in a
# mailbox nobody reads and senders are not kept waiting while the new server
# is tested. What its queue held when the window opened (deferred, held, or
# waiting for the content filter) goes first. It relays through a client of
# its own, so two servers of the same host name are no loop. Dovecot stays
# stopped there; amavis, iRedAPD and fail2ban run again so the relay works
# and stays protected. It refuses to run unless verify passed on the current
# census. Without it (relay_during_cutover = no) the old server only hands
# over its queue and stays stopped: senders retry until the DNS points to
# the new one.
step_relay() {
  # the old Postfix relays every address of your domains to the new server, its queue first (main.cf and master.cf saved first)
  destructive "the old Postfix relays every address of your domains to the new server, its queue first (main.cf and master.cf saved first)"
  on_source 'b=/var/backups/mailshift
[ -e "$b/verified" ] && [ "$(cat -- "$b/verified")" = "$(sha256sum < "$b/census/source.tsv" | cut -c 1-64)" ] || { echo '\''the verify step has not passed on the current census: run census and verify first'\'' >&2; exit 1; }
b=/var/backups/mailshift
t=10.200.0.3
mode=relay
domains_cmd="mysql -Nse '\''SELECT domain FROM vmail.domain UNION SELECT alias_domain FROM vmail.alias_domain'\''"
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b t domains_cmd mode: the prologue'\''s
# relay: the old Postfix hands every address of the mail domains to the new
# server, and its queue (deferred or held mail, mail the content filter had
# not passed on when the window opened) goes there too.  Run on the source
# once the new server runs, after verify passed.
# Prologue: b, t (the new server'\''s address), domains_cmd (prints the
# source'\''s mail and alias domains, one a line), mode: "relay" (the old
# server accepts mail again and passes it on, relay_during_cutover) or
# "drain" (it accepts nothing: Postfix runs only until its queue for the
# domains is handed over, then stops again).
# Writes /etc/postfix/mailshift_transport.regexp and the mailshift-relay
# service in master.cf (main.cf and master.cf saved first, once, as
# *.mailshift-before); fails naming a domain it cannot relay.
umask 022
cd /etc/postfix || exit 1
for f in main.cf master.cf; do
  [ -e "$f.mailshift-before" ] || cp -p -- "$f" "$f.mailshift-before" || exit 1
done

# One regexp entry per domain.  A regexp table is searched with the whole
# address, and only with it; first in transport_maps, it answers before any
# address-level entry of a later table (iRedMail'\''s per-user and mailing-list
# transports), which a domain entry would not.
eval "$domains_cmd" | awk -v t="$t" '\''
  { d = tolower($0) }
  d == "" { next }
  d !~ /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/ {
    printf "not a domain name mailshift can relay: %s\n", substr($0, 1, 80) > "/dev/stderr"; bad = 1; next }
  !(d in seen) { seen[d] = 1; e = d; gsub(/\./, "\\.", e); printf "/@%s$/ mailshift-relay:[%s]:25\n", e, t; n++ }
  END {
    if (bad) exit 2
    if (!n) { print "no mail domains found on the source" > "/dev/stderr"; exit 1 }
  }'\'' > mailshift_transport.regexp.new || { rm -f mailshift_transport.regexp.new; exit 1; }
mv mailshift_transport.regexp.new mailshift_transport.regexp
n=$(wc -l < mailshift_transport.regexp)
# first, once (an earlier run'\''s entry, or an older mailshift'\''s hash table, goes)
rest=$(postconf -h transport_maps | tr '\'',[:blank:]'\'' '\''\n'\'' | grep -v -e '\''^$'\'' -e mailshift_transport | paste -sd '\'' '\'' | sed '\''s/ /, /g'\'')
postconf -e "transport_maps = regexp:/etc/postfix/mailshift_transport.regexp${rest:+, $rest}"
# Its own SMTP client, which calls itself another name: a new server that
# greets with the old one'\''s host name (both named mail.example.com) is then
# no loop ("loops back to myself").  Its HELO stays the old server'\''s name.
helo=$(postconf -h myhostname)
postconf -M "mailshift-relay/unix=mailshift-relay unix - - n - - smtp"
postconf -P "mailshift-relay/unix/myhostname=mailshift-relay.invalid" \
  "mailshift-relay/unix/smtp_helo_name=$helo"

# How many recipients in the old queue are in the relayed domains (every
# recipient in the queue, where postqueue -j is missing: before Postfix 3.1).
queued() {
  if ! postqueue -j >/dev/null 2>&1; then
    postqueue -p 2>/dev/null | awk '\''/^[A-F0-9]/ { n++ } END { print n + 0 }'\''
    return
  fi
  postqueue -j 2>/dev/null |
    RE=$(sed '\''s/ .*//; s|^/||; s|/$||'\'' mailshift_transport.regexp | paste -sd '\''|'\'') awk '\''
    BEGIN { re = "(" ENVIRON["RE"] ")" }
    { while (match($0, /"address": *"[^"]*"/)) {
        a = tolower(substr($0, RSTART, RLENGTH)); sub(/^"address": *"/, "", a); sub(/"$/, "", a)
        if (a ~ re) n++
        $0 = substr($0, RSTART + RLENGTH) } }
    END { print n + 0 }'\''
}

started=
if [ "$mode" = drain ]; then
  # accept nothing from outside: every public SMTP service off (the content
  # filter'\''s way back in, on 127.0.0.1, stays), then only the queue runs
  postconf -h master_service_disable > "$b/master_service_disable.before"
  off=$(postconf -M | awk '\''$2 == "inet" && $1 !~ /^(127\.0\.0\.1|\[::1\]|localhost):/ { printf "%s/inet ", $1 }'\'')
  postconf -e "master_service_disable = $off"
  if systemctl cat amavis.service >/dev/null 2>&1 && ! systemctl is-active --quiet amavis.service; then
    systemctl start amavis.service </dev/null >/dev/null 2>&1 && started=amavis
  fi
  postfix start </dev/null >/dev/null 2>&1 ||
    { echo '\''cannot start the old Postfix to hand over its queue (postfix start failed)'\'' >&2; exit 1; }
else
  for u in amavis iredapd fail2ban postfix; do
    systemctl cat "$u.service" >/dev/null 2>&1 || continue
    systemctl start "$u.service" </dev/null >/dev/null 2>&1
  done
  postfix reload </dev/null >/dev/null 2>&1
fi
held=$(find /var/spool/postfix/hold -type f 2>/dev/null | wc -l)
if [ "$held" -gt 0 ]; then
  postsuper -H ALL >/dev/null 2>&1
  echo "released $held message(s) from the old server'\''s hold queue: they go to the new server too"
fi
postqueue -f 2>/dev/null
left=$(queued)
for _ in $(seq 1 60); do
  [ "$left" != 0 ] || break
  sleep 1
  left=$(queued)
done
if [ "$mode" = drain ]; then
  postfix stop </dev/null >/dev/null 2>&1
  for u in $started; do systemctl stop "$u.service" </dev/null >/dev/null 2>&1; done
  before=$(cat "$b/master_service_disable.before")
  if [ -n "$before" ]; then postconf -e "master_service_disable = $before"; else postconf -X master_service_disable; fi
  if [ "$left" != 0 ]; then
    echo "the old server'\''s queue still holds $left message(s) for your domains (postqueue -p there): start its Postfix again to hand them over, or run this step again" >&2
    exit 1
  fi
  echo "the old server handed its queue for $n domain(s) to $t and accepts nothing: its Postfix is stopped again"
else
  [ "$left" = 0 ] || echo "the old server'\''s queue still holds $left message(s) for your domains: Postfix retries them, through the relay (postqueue -p there)"
  echo "the old server relays every address of $n domain(s) to $t, its queue first"
fi
echo "undo: cp -p /etc/postfix/main.cf.mailshift-before /etc/postfix/main.cf; cp -p /etc/postfix/master.cf.mailshift-before /etc/postfix/master.cf"
'
  :
}

# --- test: Test the new server
#
# The new server runs now (and the old one relays to it). mailshift checks
# that Postfix and Dovecot are up; that the new server's own Dovecot,
# through its own user lookup (SQL or LDAP with the target's service
# passwords), finds every account of the source's census and shows its
# messages, with the same unread ones (wrong owners, paths or lookup
# passwords show here; mail the relay brought since has later UIDs and is
# told apart); it recounts the quota usage, which waited until after the
# window; and a message sent through the target's Postfix reaches a mailbox.
# That test message is then removed. Log in yourself too, with a mail client
# or openssl s_client -connect NEW:993, before the switch.
step_test() {
  # Postfix and Dovecot run on the target
  on_target "systemctl is-active postfix dovecot"
  # the target's own Dovecot finds every account of the census and shows its messages
  on_target 'b=/var/backups/mailshift
dovecot_awk='\''# census-dovecot.awk: the target'\''\'\'''\''s Dovecot against the source'\''\'\'''\''s census
# (census-dovecot.sh).  -v census=FILE (census.sh'\''\'\'''\''s records), -v errors=FILE
# (doveadm'\''\'\'''\''s messages: "doveadm(USER): ..."), -v max=N.  Input: doveadm'\''\'\'''\''s
# "Username, mailbox-guid, uid, flags" per message, tab-separated, header first.
# A message counts for the census when its folder is one the census knows (by
# the folder'\''\'\'''\''s GUID, which the copy keeps) and its UID is below the census'\''\'\'''\''s
# next UID there; a later UID arrived after the census (mail the relay brings).
BEGIN {
  while ((getline line < census) > 0) {
    split(line, f, "\t")
    if (f[1] == "A") { acct[f[2]] = 1; order[++na] = f[2] }
    else if (f[1] == "F") {
      cm[f[2]] += f[4]; cu[f[2]] += f[6]
      if (f[10] == "-" || f[8] == "-") { ng[f[2]] += f[4]; ngu[f[2]] += f[6] }
      else next_uid[f[2], f[10]] = f[8]
    }
  }
  close(census)
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
    if ($3 + 0 < next_uid[k] + 0) { m[u]++; s[u] += unseen } else arrived++
  } else { o[u]++; os[u] += unseen }
}
END {
  for (i = 1; i <= na; i++) {
    u = order[i]; want = cm[u] - ng[u]; wantu = cu[u] - ngu[u]
    if (u in missing) t = "the target'\''\'\'''\''s Dovecot does not find this account"
    else if (u in broken) t = "the target'\''\'\'''\''s Dovecot cannot read it: " why[u]
    else if (m[u] + 0 != want || s[u] + 0 != wantu || o[u] + 0 < ng[u] + 0)
      t = (cm[u] + 0) " messages (" (cu[u] + 0) " unseen) in the census, the target'\''\'\'''\''s Dovecot shows " (m[u] + o[u]) " (" (s[u] + os[u]) " unseen)"
    else { good++; total += cm[u]; continue }
    if (++bad <= max) print "  " u ": " t
  }
  if (bad > max) print "  ... and " (bad - max) " more"
  print "summary " (good + 0) " " (bad + 0) " " (total + 0) " " (arrived + 0)
}
'\''
# shellcheck shell=bash
# lib: functions the discovery, the census and the roots check share.  mailshift
# puts this text before theirs (steps/discovery.c), after the prologue of named
# values; on its own it does nothing.

# ms_path_problem PATH: prints why PATH cannot be a storage root mailshift
# copies into (on the target, as root), or nothing when it can.  A root comes
# from the source'\''s accounts: it is checked on both servers, never trusted.
ms_path_problem() {
  local p=$1 s
  case $p in
    /*) ;;
    *) echo "not an absolute path"; return ;;
  esac
  # shellcheck disable=SC2254 # a character class, not a file name
  case $p in *[!A-Za-z0-9._/+@=-]*) echo "has characters other than letters, digits and ._/+@=-"; return ;; esac
  case $p/ in */./*|*/../*|*//*) echo "is not a plain path (., .. or //)"; return ;; esac
  case $p in */) echo "ends with /"; return ;; esac
  case $p in
    /|/var|/var/lib|/var/spool|/srv|/home|/opt|/mnt|/media|/data)
      echo "is a system directory, not a mail store"; return ;;
  esac
  for s in /bin /boot /dev /etc /lib /lib32 /lib64 /libx32 /proc /root /run /sbin /sys /usr \
           /tmp /var/tmp /var/log /var/cache /var/backups /var/lib/dpkg /var/lib/apt; do
    case $p/ in "$s"/*) echo "lies in $s, a system directory"; return ;; esac
  done
  [ -z "${b:-}" ] || case $p/ in "$b"/*) echo "lies in mailshift'\''s own backup directory $b"; return ;; esac
  [ -z "${b:-}" ] || case $b/ in "$p"/*) echo "holds mailshift'\''s own backup directory $b"; return ;; esac
  return 0
}

# ms_took T0: the seconds since T0 (an $EPOCHREALTIME), one decimal.
ms_took() { ms_took2 "$1" "$EPOCHREALTIME"; }
# ms_took2 T0 T1: the seconds from T0 to T1, one decimal.
ms_took2() { awk -v a="$1" -v b="$2" '\''BEGIN { printf "%.1f", b - a }'\''; }

# ms_dovecot_auth: makes sure Dovecot'\''s user lookup answers.  In the downtime
# window Dovecot is stopped: mailshift then starts it alone, with no protocol
# (dovecot -o protocols=none: no IMAP, POP3 or LMTP, nothing listens on the
# network) and stops it when the script ends.
ms_auth_started=
ms_dovecot_auth() {
  doveadm service status >/dev/null 2>&1 && return 0
  echo "Dovecot is stopped: starting its user lookup alone (dovecot -o protocols=none: no IMAP, POP3 or LMTP)"
  dovecot -o protocols=none </dev/null >/dev/null 2>&1 || { echo "cannot start Dovecot'\''s user lookup (dovecot -o protocols=none)" >&2; return 1; }
  ms_auth_started=1
  trap ms_dovecot_auth_stop EXIT
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not come up in 10 s" >&2
  return 1
}
ms_dovecot_auth_stop() {
  [ -n "$ms_auth_started" ] || return 0
  ms_auth_started=
  doveadm stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm service status >/dev/null 2>&1 || { echo "stopped Dovecot'\''s user lookup again"; return 0; }
    sleep 0.1
  done
  echo "Dovecot'\''s user lookup did not stop in 10 s" >&2
}

# ms_resolve USERS > TSV: the INBOX path of each user, as Dovecot resolves it
# (its userdb lookup and its mail location), "user<TAB>path", one streamed
# pass; a user Dovecot does not find is left out.
ms_resolve() {
  [ -s "$1" ] || return 0
  ms_dovecot_auth >&2 || return 1
  doveadm -f tab mailbox path -F "$1" INBOX 2> >(grep -v '\''User no longer exists, skipping'\'' >&2) |
    awk -F '\''\t'\'' -v OFS='\''\t'\'' '\''NR > 1 && NF == 2 { gsub(/\/\/+/, "/", $2); sub(/\/$/, "", $2); print }'\''
}

# ms_dirstate DIR... : the state of the mail below DIR, one path a line,
# sorted: "PATH<TAB>c<TAB>MTIME" for cur/, new/ and tmp/ (listed, never
# entered: a message added, renamed (its flags) or removed changes their
# time), "PATH<TAB>f<TAB>MTIME" for every other file (dovecot-uidlist,
# subscriptions, keywords: Dovecot writes them when the mail changes) but
# Dovecot'\''s index caches (dovecot.index*, dovecot.list.index*: a client'\''s
# mere login rewrites them), "PATH<TAB>d<TAB>-" for every other directory
# (there or not: its time too changes with a login).  Two such lists tell
# which accounts changed without reading a message.  A root that is a
# symbolic link (a store on another disk) is followed; no link below it is.
ms_dirstate() {
  [ $# -gt 0 ] || return 0
  find -H "$@" \( -type d \( -name cur -o -name new -o -name tmp \) -prune -printf '\''%p\tc\t%T@\n'\'' \) -o \
    \( -type d -printf '\''%p\td\t-\n'\'' \) -o \
    \( -type f ! -name '\''dovecot.index*'\'' ! -name '\''dovecot.list.index*'\'' -printf '\''%p\tf\t%T@\n'\'' \) | LC_ALL=C sort
}

# ms_mail_roots: the roots of kind mail in $b/discovery/roots.tsv that are
# directories here (a root discovery found reached through a symbolic link
# too: a store on another disk), into the array mail_roots.
ms_mail_roots() {
  local root kind
  mail_roots=()
  while IFS="$(printf '\''\t'\'')" read -r root kind _; do
    [ "$kind" = mail ] || continue
    if [ -d "$root" ]; then mail_roots+=("$root"); fi
  done < "$b/discovery/roots.tsv"
}

# shellcheck shell=bash
# shellcheck disable=SC2154 # b dovecot_awk (census-dovecot.awk): the prologue'\''s
# census-dovecot: the new server'\''s own Dovecot, through its own user lookup,
# against the source'\''s census (census.sh): every account of the census is
# found, and shows the census'\''s messages, with the same unseen.  One streamed
# pass (doveadm fetch -F over the census'\''s accounts), after the downtime
# window: the relay may already bring new mail, which is told apart by its
# UID (above the census'\''s next UID).
export LC_ALL=C
c=$b/census
[ -f "$c/source.tsv" ] || { echo "no census of the source in $c: run the census and verify steps first" >&2; exit 1; }
t0=$EPOCHREALTIME
tmp=$(mktemp -d "$c/dovecot.XXXXXX")
trap '\''rm -rf -- "$tmp"'\'' EXIT
awk -F '\''\t'\'' '\''$1 == "A" { print $2 }'\'' "$c/source.tsv" > "$tmp/users"
out=$(doveadm -f tab fetch -F "$tmp/users" '\''mailbox-guid uid flags'\'' all 2> "$tmp/errors" |
  awk -F '\''\t'\'' -v census="$c/source.tsv" -v errors="$tmp/errors" -v max=20 "$dovecot_awk")
read -r _ good bad total arrived <<<"$(grep '\''^summary '\'' <<<"$out")"
if [ "$bad" != 0 ]; then
  echo "$bad of $((good + bad)) account(s) do not show on the target what the source'\''s census holds (the first 20):" >&2
  grep '\''^  '\'' <<<"$out" >&2
  exit 1
fi
echo "the target'\''s Dovecot finds all $good account(s) of the census and shows their $total messages, the same unseen ($(ms_took "$t0") s)"
[ "$arrived" = 0 ] || echo "$arrived message(s) arrived since the census (the relay): not counted"
'
  # recounts every mailbox's quota usage (after the window: Dovecot keeps the copied usage meanwhile)
  advisory on_target "doveadm quota recalc -A && echo 'quota usage recalculated'"
  # a message sent through the target's Postfix arrives
  # shellcheck disable=SC2034 # (read below, unless the run stopped first)
  local test_message && test_message=$(on_target 'users=$(mysql -Nse '\''SELECT username FROM vmail.mailbox WHERE active = 1'\'')
to=${users%%[[:space:]]*}
[ -n "$to" ] || { echo '\''no active user to send a test message to'\'' >&2; exit 1; }
tok=mailshift-test-$(date +%s)-$$
printf '\''From: <%s>\nTo: <%s>\nSubject: %s\n\nmailshift sent this to test the new server; it removes it.\n'\'' "$to" "$to" "$tok" | sendmail -f "$to" -- "$to"
for i in $(seq 1 90); do
  if [ -n "$(doveadm search -u "$to" mailbox INBOX header Subject "$tok" 2>/dev/null)" ]; then
    echo "delivered to the INBOX of $to in about $i s" >&2
    echo "$to $tok"; exit 0
  fi
  sleep 1
done
echo "the test message to $to did not arrive in 90 s: see the target'\''s mail log (postqueue -p)" >&2; exit 1')
  # removes that test message (only it: its subject is unique)
  destructive "removes that test message (only it: its subject is unique)"
  on_target --stdin 'read -r to tok
[[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo "not a test message subject: $tok" >&2; exit 1; }
doveadm expunge -u "$to" mailbox INBOX header Subject "$tok"
echo "removed the test message from the INBOX of $to"' <<<"$test_message"
  :
}

# --- cutover: Switch over: the DNS
#
# The new server holds everything and passed its test. The switch refuses
# unless verify passed on the source's current census. Then you change the
# DNS by hand: point the MX records at the new server, update SPF, test from
# outside, and keep the old server relaying until the old TTL has passed.
# Each item of the checklist is yours to confirm (or leave pending:
# mailshift --report lists what is left).
step_cutover() {
  # verify passed on the source's current census (else no switch)
  on_source 'b=/var/backups/mailshift
[ -e "$b/verified" ] && [ "$(cat -- "$b/verified")" = "$(sha256sum < "$b/census/source.tsv" | cut -c 1-64)" ] || { echo '\''the verify step has not passed on the current census: run census and verify first'\'' >&2; exit 1; }
echo "verify passed on the current census ($(cut -c 1-12 "$b/verified")...)"'
  # point the MX records at the new server
  on_local 't=10.200.0.3
printf '\''%s\n'\'' "At your DNS provider, point the MX record (or the A record it names) of every mail domain at the new server, $t."'
  manual "point the MX records at the new server"
  # update SPF if it names the old server
  on_local 'printf '\''%s\n'\'' '\''If a domain'\''"'\''"'\''s SPF record (TXT v=spf1) names the old server'\''"'\''"'\''s address, add the new one. The DKIM keys did not change: their DNS records stay.'\'''
  manual "update SPF if it names the old server"
  # test the new server from outside
  on_local 't=10.200.0.3
printf '\''%s\n'\'' "From a machine outside: openssl s_client -connect $t:993, log in and SELECT INBOX; then send a message from an outside account and answer it."'
  manual "test the new server from outside"
  # keep the old server relaying until the old TTL has passed, then stop it
  on_local 'printf '\''%s\n'\'' '\''Keep the old server relaying until the old TTL has passed everywhere (a week is safe), then stop it for good.'\'''
  manual "keep the old server relaying until the old TTL has passed, then stop it"
  :
}

# --- remove-key: Remove the one-off key
#
# The target no longer needs to reach the source. mailshift removes from the
# source's authorized_keys the line it added, found by its marking comment
# (every other line stays as it was, and the file keeps its mode and owner),
# checks that the source refuses the key, and deletes the key pair and the
# source's host keys file on the target. If a run stops earlier (a failed or
# refused step), the key stays authorized until this step runs: resume the
# run, or run it alone with the runbook's --only remove-key.
step_remove_key() {
  # removes the key's marked line from the source's authorized_keys (nothing else)
  destructive "removes the key's marked line from the source's authorized_keys (nothing else)"
  on_source 'm="mailshift-migration root@10.200.0.3"
f="$HOME/.ssh/authorized_keys"
[ -f "$f" ] || { echo "no $f: nothing to remove"; exit 0; }
# the lines whose last field is the marker (want=1), or all the others (want=0)
marked() {
  M=" $m" awk -v want="$1" '\''{ n = length(ENVIRON["M"]); hit = length($0) >= n && substr($0, length($0) - n + 1) == ENVIRON["M"] } hit == want'\'' "$f"
}
n=$(marked 1 | wc -l)
[ "$n" -gt 0 ] || { echo "no line of $f is marked \"$m\": nothing to remove"; exit 0; }
# the rest goes to a file beside it, with its mode and owner, then
# replaces it in one rename: a full disk cannot leave it cut short
new="$f.mailshift-new"
marked 0 > "$new" && chmod --reference="$f" -- "$new" && chown --reference="$f" -- "$new" || { rm -f -- "$new"; echo "cannot write $new: $f is unchanged" >&2; exit 1; }
mv -f -- "$new" "$f"
echo "removed $n line(s) marked \"$m\" from $f"'
  # the source refuses the key now
  on_target 'k=/root/.ssh/mailshift-migration
[ -f "$k" ] || { echo "no $k on the target: nothing to check"; exit 0; }
if ssh -i /root/.ssh/mailshift-migration -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/mailshift-known_hosts -p 22 root@10.200.0.2 true 2>/dev/null; then echo '\''the one-off key still opens the source: look for its line in authorized_keys there'\'' >&2; exit 1; fi
echo '\''the source refuses the one-off key'\'''
  # deletes the key pair and the source's host keys file on the target
  destructive "deletes the key pair and the source's host keys file on the target"
  on_target 'for f in /root/.ssh/mailshift-migration /root/.ssh/mailshift-migration.pub /root/.ssh/mailshift-known_hosts /root/.ssh/mailshift-known_hosts.part; do
  if [ -e "$f" ]; then rm -f -- "$f"; echo "deleted $f"; fi
done'
  :
}

STEPS=(preflight migration-key installer roundcube mailstore-bulk dkim config stop-services census mailstore-final chown databases accounts verify start-services relay test cutover remove-key)
TITLES=(
  "Pre-flight checks"
  "Let the target reach the source with a one-off key"
  "Check the iRedMail installer's files"
  "Upgrade Roundcube on the source"
  "Copy the mail store while the old server is live"
  "Move the DKIM keys"
  "Bring the source's configuration for review"
  "Stop the mail services (downtime starts)"
  "Count every mailbox on the source (the census)"
  "Final copy of the mail store"
  "Give the mail to the vmail user"
  "Move the databases"
  "Move the mail accounts"
  "Verify the target holds everything"
  "Start the mail services on the target (downtime ends)"
  "Relay from the old server to the new one"
  "Test the new server"
  "Switch over: the DNS"
  "Remove the one-off key"
)

# Dry run: every step of the plan, none of it ran.

while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY_RUN=1 ;;
    --yes) YES=1 ;;
    --from) FROM=${2:?--from needs a step}; shift ;;
    --only) ONLY=${2:?--only needs a step}; shift ;;
    --until) UNTIL=${2:?--until needs a step}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

known() { local s; for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
for s in "$FROM" "$ONLY" "$UNTIL"; do
  [ -z "$s" ] || known "$s" || { echo "no step $s; steps: ${STEPS[*]}" >&2; exit 2; }
done

started=0
[ -n "$FROM" ] || started=1
for i in "${!STEPS[@]}"; do
  s=${STEPS[$i]}
  [ "$s" = "$FROM" ] && started=1
  [ "$started" = 1 ] || continue
  [ -z "$ONLY" ] || [ "$s" = "$ONLY" ] || continue
  printf '== step %s: %s\n' "$s" "${TITLES[$i]}"
  if [ "$DRY_RUN" = 0 ] && [ "$YES" = 0 ]; then
    while :; do
      read -r -p "Run step $s? [y]es, [s]kip, [q]uit: " reply || { echo 'no answer: stopping' >&2; exit 3; }
      case $reply in
        y|Y|yes) break ;;
        s|S|skip) echo "skipped $s"; continue 2 ;;
        q|Q|quit) echo 'stopped by the admin' >&2; exit 3 ;;
      esac
    done
  fi
  "step_${s//-/_}"
  if [ "$s" = "$UNTIL" ]; then echo "stopped after step $s (--until): --from the next step resumes"; break; fi
done
