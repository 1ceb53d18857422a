# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w: tests/census/run.sh's, which sources this
# Discovery (steps/sh/discover.sh, the text mailshift embeds) on stores in a
# folder, the source's tools faked as shell functions: mysql prints the
# backend's rows, doveadm the INBOX path of each user as Dovecot would, doveconf
# and postconf nothing.  What it proves: a store reached through a symbolic
# link (another disk) is carried and named, and followed by the census; a link
# that leads into a system directory, nowhere, to another root's files, or
# from one root into another, is refused naming the root; an account's mail
# behind a link below its root is refused naming the account.  Then the
# target's side: which roots it accepts to write into (lib-target.sh); last,
# the window's check that nothing on the source can change its mail
# (stopped.sh), with systemd, the processes and the ports faked.
#
# The stores cannot lie under /tmp (a system directory for a store): they are
# made in the checkout's build/ folder.

dt=$(mktemp -d "$top/build/discover-test.XXXXXX")
dt=$(realpath "$dt")  # the paths discovery prints are real ones
trap 'rm -rf "$w" "$dt"' EXIT; [ -z "${KEEP_DT:-}" ] || trap - EXIT
T=$dt/root
# The source's tools, faked as commands in $dt/bin (xargs runs them too).
mkdir -p "$dt/bin"
fake_cmd() { # NAME BODY
  printf '#!/usr/bin/env bash\nfake=%q\n%s\n' "$dt" "$2" > "$dt/bin/$1"
  chmod +x "$dt/bin/$1"
}
# shellcheck disable=SC2016 # the fakes expand when they run
fake_cmd mysql 'cat "$fake/backend.tsv"'
# shellcheck disable=SC2016
fake_cmd doveconf '[ "${1:-}" = -n ] && echo "mail_location = maildir:~/Maildir"; exit 0'
fake_cmd postconf 'exit 0'
fake_cmd doveadm "$(cat <<'EOF'
case $* in
  "service status") exit 0 ;;
  "auth lookup -x service="*)
    svc=${4#service=}
    shift 4
    for u; do
      if grep -qxF -- "$u" "$fake/login.$svc" 2>/dev/null; then printf 'passdb: %s\n  user      : %s\n\n' "$u" "$u"
      else printf "passdb lookup: user %s doesn't exist\n\n" "$u"; fi
    done ;;
  "-f tab mailbox path -F "*" -t mailbox INBOX")
    printf 'username\tpath\n'
    awk -F '\t' 'FILENAME == ARGV[1] { p[$1] = $2; next } $0 in p { print $0 "\t" p[$0] }' "$fake/paths.tsv" "$6" ;;
  *) exit 1 ;;
esac
EOF
)"
discover() { # runs discover.sh on the layout below $T; its output in $dt/out
  local prologue
  prologue="b=$(printf '%q' "$dt/backup") backend=mysql mode=full vmail=$(printf '%q' "$T/var/vmail")"
  PATH=$dt/bin:$PATH bash -c "$prologue"$'\nset -euo pipefail; umask 077\n'"$(cat "$sh/lib.sh" "$sh/discover.sh")" > "$dt/out" 2>&1
}
account() { # USER BASE NODE: a row, Dovecot's path, a message in its INBOX
  local md=${1#*@}/${1%@*}/
  printf '%s\t1\t%s\t%s\t%s\tmaildir\n' "$1" "$2" "$3" "$md" >> "$dt/backend.tsv"
  printf '%s\t%s\n' "$1" "$2/$3/${md}Maildir" >> "$dt/paths.tsv"
  folder "$2/$3/${md}Maildir" 1700000100 cccc0001 "cur/3000.M1.h,S=10:2,S"
}
layout() { # the lab's: vmail1 a directory, vmail2 a relative link to another disk
  rm -rf "$T" "$dt/backup" "$dt/backend.tsv" "$dt/paths.tsv"
  printf '%s\n' a@example.com b@example.com > "$dt/login.imap"; : > "$dt/login.pop3"
  mkdir -p "$T/var/vmail/vmail1" "$T/disk2/vmail2"
  ln -s ../../disk2/vmail2 "$T/var/vmail/vmail2"
  account a@example.com "$T/var/vmail" vmail1
  account b@example.com "$T/var/vmail" vmail2
}

layout
discover; rc=$?
check "discovery carries a store reached through a symbolic link (exit $rc)" test "$rc" = 0
check "... names it and where it leads, and copies its files, not the link" \
  grep -qx "  $T/var/vmail/vmail2 is reached through a symbolic link, to $T/disk2/vmail2: its files are copied to $T/var/vmail/vmail2 on the target (the link is not)" "$dt/out"
check "... and takes it as a root with the owner and mode of what it leads to" \
  grep -qx "$T/var/vmail/vmail2	mail	$(id -un):$(id -gn)	$(stat -c %a "$T/disk2/vmail2")" "$dt/backup/discovery/roots.tsv"
check "... with its account counted" grep -q "^b@example.com	$T/var/vmail/vmail2/" "$dt/backup/discovery/accounts.tsv"
# shellcheck source=steps/sh/lib.sh
(b=$dt/backup; source "$sh/lib.sh"; ms_dirstate "$T/var/vmail/vmail2") > "$dt/dirs"
check "the state of the mail is listed through the link, under the root's path" \
  grep -q "^$T/var/vmail/vmail2/example.com/b/Maildir/cur	c	" "$dt/dirs"
mkdir -p "$dt/backup/census"
# shellcheck disable=SC2030,SC2034 # census reads b (run_fragment), in this subshell
(b=$dt/backup; census source) > "$dt/census.out" 2>&1
check "the census counts the account behind the link (2 accounts, 2 messages)" \
  grep -q '^census of the source: 2 accounts, 2 folders, 2 messages, ' "$dt/census.out"

# an account the source's Dovecot would not let log in (no password for IMAP
# or POP3) is listed; one with POP3 alone is not
check "every account can log in: none listed" bash -c "[ ! -s '$dt/backup/discovery/nologin.tsv' ] && grep -qx 'can log in .*: 2' '$dt/out'"
layout; account c@example.com "$T/var/vmail" vmail1; account d@example.com "$T/var/vmail" vmail1
echo d@example.com > "$dt/login.pop3"
discover; rc=$?
check "an account without a password lookup is listed, its mail still counted (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ \"\$(cut -f 1 '$dt/backup/discovery/nologin.tsv')\" = c@example.com ] &&
    grep -q '^c@example.com	' '$dt/backup/discovery/accounts.tsv' && grep -qx 'mailshift-figure unresolved 1 -' '$dt/out'"

refused() { # WHAT PATTERN: discovery fails, naming it
  discover; local rc=$?
  check "$1 is refused, named (exit $rc)" bash -c "[ $rc = 1 ] && grep -qF -- '$2' '$dt/out'"
}
layout; ln -sfn /etc "$T/var/vmail/vmail2"
refused "a store linked into /etc" "$T/var/vmail/vmail2 storage root (mail) lies behind a symbolic link to /etc, which lies in /etc, a system directory"
layout; rm -rf "$T/disk2"
refused "a store whose link leads nowhere" "$T/var/vmail/vmail2 storage root (mail) is a symbolic link that leads nowhere (../../disk2/vmail2)"
layout; mkdir -p "$T/srv/mail"; ln -s "$T/disk2/vmail2" "$T/srv/mail/vmail1"; account c@example.net "$T/srv/mail" vmail1
refused "a store that is another store's files through a link" "are also those of the storage root"
layout; mkdir -p "$T/var/vmail/example.org"; account d@example.org "$T/var" vmail
refused "a linked store inside another store" "$T/var/vmail/vmail2 storage root inside the storage root $T/var/vmail, through a symbolic link"
layout; mkdir -p "$T/disk3"; mv "$T/var/vmail/vmail1/example.com/a" "$T/disk3/a"; ln -s "$T/disk3/a" "$T/var/vmail/vmail1/example.com/a"
refused "an account whose mail lies behind a link below its root" "a@example.com its mail lies behind the symbolic link $T/var/vmail/vmail1/example.com/a"

# The target accepts the roots the source sends (lib-target.sh's
# ms_accept_roots) only where writing into them stays in a store: a link of
# this server's own layout above a root is followed; a root that is a link, a
# link into a system directory, or a link inside the mail store or another
# root (a copy may have put it there: the source's) is refused, named.
accept() { # ROOT...: ms_accept_roots on those roots (kind mail, this user's)
  local r
  # shellcheck source=steps/sh/lib.sh disable=SC2034 # vmail: lib-target.sh's
  for r; do printf '%s\tmail\t%s\t700\n' "$r" "$(id -un):$(id -gn)"; done |
    (b=$dt/tbackup vmail=$T/var/vmail; source "$sh/lib.sh"; source "$top/steps/sh/lib-target.sh"; ms_accept_roots) > "$dt/acc" 2>&1
}
rm -rf "$T"; mkdir -p "$T/var/vmail" "$T/srv/a" "$T/elsewhere" "$T/disk9"
ln -s /etc "$T/var/vmail/l"; ln -s "$T/elsewhere" "$T/srv/a/l"; ln -s "$T/disk9" "$T/store2"; ln -s "$T/elsewhere" "$T/linked"
accept "$T/store2/vmail1"; rc=$?
check "the target follows a link of its own layout above a root (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -qx '$T/store2/vmail1	mail	.*' '$dt/tbackup/discovery/roots.tsv'"
refused_here() { # WHAT PATTERN ROOT...: the target refuses, naming it, keeping nothing
  local what=$1 pat=$2 rc
  shift 2
  accept "$@"; rc=$?
  check "the target refuses $what (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -qF -- '$pat' '$dt/acc' && [ ! -e '$dt/tbackup/discovery/roots.tsv.new' ]"
}
refused_here "a root a link leads into /etc" \
  "storage root $T/var/vmail/l/cron.d resolves here to /etc/cron.d, which lies in /etc, a system directory" "$T/var/vmail/l/cron.d"
refused_here "a root behind a link inside another root" \
  "storage root $T/srv/a/l/x resolves here to $T/elsewhere/x, which lies behind the link $T/srv/a/l, inside the storage root $T/srv/a" \
  "$T/srv/a" "$T/srv/a/l/x"
mkdir -p "$T/var/vmail/sub"; ln -s "$T/elsewhere" "$T/var/vmail/sub/l2"
refused_here "a root behind a link inside the mail store" \
  "lies behind the link $T/var/vmail/sub/l2, inside the mail store $T/var/vmail" "$T/var/vmail/sub/l2/y"
refused_here "a root that is a link itself" "storage root $T/linked is a symbolic link here" "$T/linked"

# The window's check that nothing on the source can change its mail
# (stopped.sh): systemd, the processes and the listening ports each tell it,
# so a server where systemd did not start the daemons is not taken as stopped.
# shellcheck disable=SC2016 # the fakes expand when they run
{
  fake_cmd systemctl '[ "$1 $2" = "is-active --quiet" ] && grep -qx "$3" "$fake/active" 2>/dev/null'
  fake_cmd postfix '[ "$1" = status ] && [ -e "$fake/postfix-runs" ]'
  fake_cmd pgrep '[ "$*" = "-x dovecot" ] && [ -e "$fake/dovecot-runs" ]'
  fake_cmd ss 'cat "$fake/listening" 2>/dev/null; exit 0'
}
stopped() { # the check with the faked state; its output in $dt/stopped
  PATH=$dt/bin:$PATH bash -c "set -euo pipefail; $(cat "$sh/stopped.sh")" > "$dt/stopped" 2>&1
}
quiet() { rm -f "$dt/active" "$dt/postfix-runs" "$dt/dovecot-runs"; printf 'LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n' > "$dt/listening"; }
still() { # WHAT PATTERN: the check fails naming it
  stopped; local rc=$?
  check "the window's check refuses: $1 (exit $rc)" bash -c "[ $rc = 1 ] && grep -qF -- '$2' '$dt/stopped'"
}
quiet; stopped; rc=$?
check "the window's check passes on a quiet source (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -qx 'postfix and dovecot are stopped on the source (systemd, processes, mail ports)' '$dt/stopped'"
quiet; echo postfix.service > "$dt/active"
still "systemd says Postfix is active" "postfix (systemd says active)"
quiet; touch "$dt/postfix-runs"
still "Postfix runs outside systemd" "Postfix (postfix status: running)"
quiet; touch "$dt/dovecot-runs"
still "a dovecot process runs" "Dovecot (a dovecot process runs"
quiet; printf 'LISTEN 0 100 [::]:143 [::]:*\nLISTEN 0 100 0.0.0.0:25 0.0.0.0:*\n' >> "$dt/listening"
still "something listens on IMAP and SMTP" "something listens on mail port(s) 25 143"
