# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w: tests/census/run.sh's, which sources this
# shellcheck disable=SC2016,SC2034 # the fakes' text expands when they run; out is read in the checks' eval
# Pre-flight's checks for the system-user stacks (steps/sh/preflight-pop3*.sh,
# preflight-packages*.sh, the text mailshift embeds), run as mailshift runs
# them: the source's fragment alone, its output fed to the target's, which
# is the same reading followed by the comparison.  The servers' tools
# (doveconf, dpkg-query, rpm) are fakes on a PATH that holds only them and
# the few real tools the fragments use, so a tool missing is missing.
# What it proves: equal POP3 UIDL formats pass, different ones fail naming
# both and what to set, a source without POP3 passes, a source or target
# without Dovecot fails, the table's words are made safely; the packages the
# source has and the target lacks are named with what they are for, Debian
# and RHEL names mapped both ways, packages removed but configured (dpkg's
# "config-files") not counted, hostile names refused and never shown.

pf=$w/preflight
mkdir -p "$pf/tools" "$pf/src" "$pf/dst"
for t in tr sort sed awk grep cat; do ln -s "$(command -v "$t")" "$pf/tools/$t"; done
bash_bin=$(command -v bash)

# pf_run SIDE DIR FRAGMENT... (stdin: the value): the fragments after the
# prologue and the preamble, with DIR (the host's fakes) and the tools as PATH
pf_run() {
  local side=$1 dir=$2
  shift 2
  PATH="$dir:$pf/tools" "$bash_bin" -c "side=$side"$'\nset -euo pipefail; umask 077\n'"$(cd "$sh" && cat "$@")"
}
# doveconf as Dovecot answers -h: PROTOCOLS and UIDL from the host's files
fake_doveconf() { # DIR PROTOCOLS UIDL
  printf '%s\n' "$2" > "$1/protocols"; printf '%s\n' "$3" > "$1/uidl"
  printf '#!%s\nd=${0%%/*}\ncase "$*" in\n"-h protocols") cat "$d/protocols" ;;\n"-h pop3_uidl_format") cat "$d/uidl" ;;\n*) exit 89 ;;\nesac\n' \
    "$bash_bin" > "$1/doveconf"
  chmod +x "$1/doveconf"
}
pop3() { # SRC-PROTOCOLS SRC-UIDL DST-PROTOCOLS DST-UIDL: sets so (source's output), out, rc
  rm -f "$pf/src/doveconf" "$pf/dst/doveconf"
  [ "$1" = none ] || fake_doveconf "$pf/src" "$1" "$2"
  [ "$3" = none ] || fake_doveconf "$pf/dst" "$3" "$4"
  so=$(pf_run source "$pf/src" preflight-pop3.sh < /dev/null 2>&1)
  out=$(printf '%s\n' "$so" | pf_run target "$pf/dst" preflight-pop3.sh preflight-pop3-compare.sh 2>&1); rc=$?
}
has() { grep -qF -- "$2" <<<"$1"; }

pop3 'imap pop3 lmtp' '%08Xu%08Xv' 'imap pop3 lmtp sieve' '%08Xu%08Xv'
check "pop3: the same format passes, each side's figure its own column (exit $rc)" \
  eval '[ $rc = 0 ] && has "$so" "mailshift-figure pop3-uidl +08Xu+08Xv -" && has "$out" "mailshift-figure pop3-uidl - +08Xu+08Xv" &&
    has "$out" "both make the POP3 UIDLs the same way: pop3_uidl_format = %08Xu%08Xv" && ! has "$out" note:'
pop3 'imap pop3' '%08Xu%08Xv' 'imap pop3' '%u-%v'
check "pop3: another format on the target fails, naming both and what to set (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "the POP3 clients would download every message again" &&
    has "$out" "with pop3_uidl_format = %08Xu%08Xv, the target'"'"'s with %u-%v" && has "$out" "Set pop3_uidl_format = %08Xu%08Xv in the target" &&
    has "$out" "mailshift-figure pop3-uidl - +u-+v"'
pop3 'imap pop3' '%v.%u' 'imap pop3' '%08Xu%08Xv'
check "pop3: a source format unlike the default fails too (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "Set pop3_uidl_format = %v.%u in"'
pop3 'imap lmtp' '%08Xu%08Xv' 'imap pop3' '%u'
check "pop3: a source that serves no POP3 passes whatever the formats (exit $rc)" \
  eval '[ $rc = 0 ] && has "$so" "POP3 served: no (protocols: imap lmtp)" && has "$so" "mailshift-figure pop3-uidl no-pop3 -" &&
    has "$out" "does not serve POP3: its UIDL format does not matter"'
pop3 'imap pop3s' '%08Xu%08Xv' 'imap' '%u'
check "pop3: a protocol named like pop3 is not pop3 (exit $rc)" eval '[ $rc = 0 ] && has "$so" "POP3 served: no"'
pop3 'imap pop3' '%08Xu%08Xv' 'imap lmtp' '%08Xu%08Xv'
check "pop3: the same format on a target not serving POP3 yet passes, with a note (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "note: the source serves POP3 and this server" && has "$out" "mailshift-figure pop3-uidl - no-pop3"'
pop3 none '' 'imap pop3' '%08Xu%08Xv'
check "pop3: a source without Dovecot fails, naming the other POP3 servers' way (exit $rc)" \
  eval '[ $rc = 1 ] && has "$so" "mailshift-figure pop3-uidl no-dovecot -" && has "$out" "pop3-migration plugin"'
pop3 'imap pop3' '%08Xu%08Xv' none ''
check "pop3: a target without Dovecot fails (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "the target has no Dovecot that answers" && has "$out" "mailshift-figure pop3-uidl - no-dovecot"'
pop3 'imap pop3' '%{uid} %08Xv' 'imap pop3' '%{uid} %08Xv'
check "pop3: a format of other characters is the word \"unusual\", compared as it is (exit $rc)" \
  eval '[ $rc = 0 ] && has "$so" "mailshift-figure pop3-uidl unusual -" && has "$out" "pop3_uidl_format = %{uid} %08Xv"'
pop3 'imap pop3' '' 'imap pop3' '%08Xu%08Xv'
check "pop3: an empty format is \"none\" and differs (exit $rc)" \
  eval '[ $rc = 1 ] && has "$so" "mailshift-figure pop3-uidl none -"'
# a hostile source: its text shown without control bytes, and what it sends compared, not run
out=$(printf 'POP3 served: yes\npop3_uidl_format = $(touch %s/pwned)\033[2J\npop3_uidl_format = %%08Xu%%08Xv\n' "$pf" |
  pf_run target "$pf/dst" preflight-pop3.sh preflight-pop3-compare.sh 2>&1); rc=$?
check "pop3: a hostile source's format is compared as text, shown with ? for control bytes (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "pop3_uidl_format = \$(touch $pf/pwned)?[2J, the target" && [ ! -e "$pf/pwned" ] &&
    ! grep -q "$(printf "\033")" <<<"$out"'
out=$(printf 'POP3 served: maybe\npop3_uidl_format = %%08Xu%%08Xv\n' | pf_run target "$pf/dst" preflight-pop3.sh preflight-pop3-compare.sh 2>&1); rc=$?
check "pop3: a source's answer without a yes or no fails (exit $rc)" eval '[ $rc = 1 ] && has "$out" "cannot be read"'
out=$(printf 'POP3 served: yes\n' | pf_run target "$pf/dst" preflight-pop3.sh preflight-pop3-compare.sh 2>&1); rc=$?
check "pop3: a source's answer without its format fails (exit $rc)" eval '[ $rc = 1 ] && has "$out" "no \"pop3_uidl_format = \" line"'

# packages: dpkg-query answers from the host's status file; rpm from its list
fake_dpkg() { # DIR LINE... (each "STATUS PACKAGE", e.g. "install ok installed fetchmail")
  local d=$1
  shift
  rm -f "$d/rpm"
  printf '%s\n' "install ok installed dpkg" "$@" > "$d/status"
  printf '#!%s\nd=${0%%/*}\ncase "$*" in\n"-W -f=\${Status} dpkg") printf "install ok installed" ;;\n"-W -f=\${Status} \${Package}\\\\n") cat "$d/status" ;;\n*) exit 89 ;;\nesac\n' \
    "$bash_bin" > "$d/dpkg-query"
  chmod +x "$d/dpkg-query"
}
fake_rpm() { # DIR NAME...
  local d=$1
  shift
  rm -f "$d/dpkg-query"
  printf '%s\n' rpm "$@" > "$d/names"
  printf '#!%s\nd=${0%%/*}\ncase "$*" in\n"-q rpm") echo rpm-4.16.1 ;;\n"-qa --qf %%{NAME}\\\\n") cat "$d/names" ;;\n*) exit 89 ;;\nesac\n' \
    "$bash_bin" > "$d/rpm"
  chmod +x "$d/rpm"
}
packages() { # sets so (the source's output), out, rc
  so=$(pf_run source "$pf/src" preflight-packages.sh < /dev/null 2>&1)
  out=$(printf '%s\n' "$so" | pf_run target "$pf/dst" preflight-packages.sh preflight-packages-compare.sh 2>&1); rc=$?
}

fake_dpkg "$pf/src" "install ok installed spamassassin" "install ok installed fetchmail" "install ok installed procmail" \
  "install ok installed amavisd-new" "install ok installed libc6" "deinstall ok config-files postgrey" \
  "install ok installed roundcube-core" "hold ok installed dovecot-pop3d"
fake_dpkg "$pf/dst" "install ok installed spamassassin" "install ok installed amavisd-new" "install ok installed dovecot-pop3d" \
  "install ok installed roundcube" "install ok installed coreutils"
packages
check "packages: the source lists the installed packages of the list only (not libc6, not a removed postgrey)" \
  eval 'has "$so" "package manager: dpkg" && has "$so" "installed: fetchmail" && has "$so" "installed: dovecot-pop3d" &&
    ! has "$so" libc6 && ! has "$so" postgrey && has "$so" "6 of mailshift'"'"'s mail-related packages installed"'
check "packages: what the target lacks is named with what it is for, nothing else (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "missing on the target: fetchmail, which fetches mail from mailboxes on other servers (the source has: fetchmail; the target'"'"'s package: fetchmail)" &&
    has "$out" "missing on the target: procmail, which delivers by the users'"'"' .procmailrc recipes" &&
    [ "$(grep -c "^missing on the target" <<<"$out")" = 2 ] && has "$out" "2 of the 6 lines of mailshift'"'"'s list" &&
    has "$out" "roundcube: the source has roundcube-core, the target roundcube"'
fake_dpkg "$pf/dst" "install ok installed spamassassin" "install ok installed amavisd-new" "install ok installed dovecot-pop3d" \
  "install ok installed roundcube" "install ok installed fetchmail" "install ok installed procmail"
packages
check "packages: a target with all of them passes (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "the target has every mail-related package the source has (6 lines"'
fake_rpm "$pf/dst" spamassassin amavis dovecot roundcubemail fetchmail
packages
check "packages: Debian names mapped to RHEL ones (amavisd-new/amavis, dovecot-pop3d/dovecot), procmail still missing (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "the source uses dpkg, the target rpm" && has "$out" "amavis: the source has amavisd-new, the target amavis" &&
    has "$out" "pop3: the source has dovecot-pop3d, the target dovecot" && [ "$(grep -c "^missing on the target" <<<"$out")" = 1 ] &&
    has "$out" "missing on the target: procmail"'
fake_rpm "$pf/src" dovecot dovecot-pigeonhole spamassassin glibc
fake_dpkg "$pf/dst" "install ok installed dovecot-imapd" "install ok installed dovecot-sieve" "install ok installed spamassassin"
packages
check "packages: RHEL's dovecot and pigeonhole need Debian's split packages (exit $rc)" \
  eval '[ $rc = 1 ] && has "$so" "package manager: rpm" && ! has "$so" glibc &&
    has "$out" "missing on the target: Dovecot'"'"'s POP3 server (the source has: dovecot; the target'"'"'s package: dovecot-pop3d)" &&
    has "$out" "missing on the target: ManageSieve" && has "$out" "missing on the target: spamc" &&
    has "$out" "imap: the source has dovecot, the target dovecot-imapd" && ! has "$out" "missing on the target: Dovecot'"'"'s IMAP"'
# a move to another MTA: the source's sendmail is not missing on a Postfix
# target (replaced, the value mailshift gives then), but only then
fake_dpkg "$pf/src" "install ok installed sendmail-bin" "install ok installed sendmail-cf" "install ok installed fetchmail"
fake_dpkg "$pf/dst" "install ok installed fetchmail" "install ok installed postfix"
packages
check "packages: the same MTA stack: the source's sendmail is missing on the target (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "missing on the target: sendmail, the mail server"'
so=$(pf_run source "$pf/src" preflight-packages.sh < /dev/null 2>&1)
out=$(printf '%s\n' "$so" | replaced='sendmail sendmail-cf' pf_run target "$pf/dst" preflight-packages.sh preflight-packages-compare.sh 2>&1); rc=$?
check "packages: to Postfix, sendmail and its m4 files are named as replaced, not missing (exit $rc)" \
  eval '[ $rc = 0 ] && has "$out" "sendmail: the source has sendmail-bin; the target'"'"'s own mail server takes its place" &&
    ! has "$out" "missing on the target" && has "$out" "every mail-related package the source has (1 lines"'
fake_dpkg "$pf/dst" "install ok installed dovecot-imapd" "install ok installed dovecot-sieve" "install ok installed spamassassin"
# a hostile source: names that are not package names refused, never shown; the rest compared
out=$(printf 'package manager: dpkg\ninstalled: fetchmail\ninstalled: ../etc\ninstalled: $(touch %s/pwned)\ninstalled: Fetchmail\ninstalled: mlmmj\033[2J\ninstalled: %s\n' "$pf" "$(head -c 120 /dev/zero | tr '\0' a)" |
  pf_run target "$pf/dst" preflight-packages.sh preflight-packages-compare.sh 2>&1); rc=$?
check "packages: a hostile source's names refused, counted, not shown; fetchmail still named (exit $rc)" \
  eval '[ $rc = 1 ] && has "$out" "refused 5 of the source'"'"'s lines" && has "$out" "missing on the target: fetchmail" &&
    ! has "$out" "../etc" && ! has "$out" pwned && [ ! -e "$pf/pwned" ] && ! grep -q "$(printf "\033")" <<<"$out" &&
    [ "$(grep -c "^missing on the target" <<<"$out")" = 1 ]'
out=$(printf 'package manager: apk\ninstalled: fetchmail\n' | pf_run target "$pf/dst" preflight-packages.sh preflight-packages-compare.sh 2>&1); rc=$?
check "packages: a source's answer without dpkg or rpm fails (exit $rc)" eval '[ $rc = 1 ] && has "$out" "cannot be read"'
rm -f "$pf/src/dpkg-query" "$pf/src/rpm"
so=$(pf_run source "$pf/src" preflight-packages.sh < /dev/null 2>&1); rc=$?
check "packages: a host where neither dpkg nor rpm answers fails, saying so (exit $rc)" \
  eval '[ $rc = 1 ] && has "$so" "neither dpkg nor rpm answers here"'
