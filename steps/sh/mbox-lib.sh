# shellcheck shell=bash
# shellcheck disable=SC2154 # census_awk: the prologue's (census-mbox.awk)
# mbox-lib: what the Dovecot census (census-mbox.sh) and the mbox -> Maildir
# conversion (mbox-maildir.sh) share; mailshift puts it after lib.sh and
# before either.  On its own it does nothing.

# ms_names: the user names on stdin (the first tab-separated field of each
# line), those that are system user names ([a-z_][a-z0-9_.-]*, at most 32
# bytes) one a line on stdout; each other one named on stderr (control bytes
# as ?), and the function fails when there was one.
ms_names() {
  local n bad=0
  while IFS=$'\t' read -r n _; do
    [ -n "$n" ] || continue
    if [[ $n =~ ^[a-z_][a-z0-9_.-]*\$?$ ]] && [ ${#n} -le 32 ]; then
      printf '%s\n' "$n"
    else
      echo "not a user name: ${n//[^[:print:]]/?}" >&2
      bad=1
    fi
  done
  return "$bad"
}

# ms_namespace: the INBOX namespace of this host's Dovecot, as
# "name<TAB>separator<TAB>location" (separator "-" when none is set,
# location empty when the namespace has none of its own).
ms_namespace() {
  doveconf namespace 2>/dev/null | awk '
    d == 0 && /^namespace .*\{$/ { d = 1; inb = 0; sep = ""; loc = ""; name = $2; next }
    d >= 1 && /\{$/ { d++; next }
    d >= 1 && /^ *\}$/ { if (--d == 0 && inb) { print name "\t" (sep == "" ? "-" : sep) "\t" loc; exit }; next }
    d == 1 && $1 == "inbox" { inb = ($3 == "yes") }
    d == 1 && $1 == "separator" { sep = $3 }
    d == 1 && $1 == "location" { loc = $3 }' || true
}

# ms_separator [LOCATION]: the hierarchy separator of the INBOX namespace, as
# this host's Dovecot names folders with LOCATION (a mail location given with
# -o mail_location, or the namespace's or mail_location's): the one set, or
# the storage's own ("." for Maildir++, "/" for mbox and Maildir with
# LAYOUT=fs).
ms_separator() {
  local ns sep loc
  ns=$(ms_namespace)
  IFS=$'\t' read -r _ sep loc <<<"$ns"
  if [ -n "$sep" ] && [ "$sep" != - ]; then printf '%s\n' "$sep"; return; fi
  [ -z "${1:-}" ] || loc=$1
  [ -n "$loc" ] || loc=$(doveconf -h mail_location 2>/dev/null)
  case $loc in
    maildir:*LAYOUT=fs*) echo / ;;
    maildir:*) echo . ;;
    *) echo / ;;
  esac
}

# ms_dovecot_list SEP WHO [doveadm option...]: the census lines (census-mbox.awk)
# of the users WHO names: -F FILE (one streamed pass over them) or -u USER;
# the options before (e.g. -o mail_location=...) go to each doveadm.  Three
# passes, each one doveadm: the folders (mailbox status), the messages
# (fetch), the subscriptions (mailbox list -s); doveadm's errors are read
# too (a user it cannot read is an E line, and the listing goes on).  Needs census_awk.
ms_dovecot_list() {
  local sep=$1 how=$2 who=$3 t user want
  shift 3
  t=$(mktemp -d "${TMPDIR:-/tmp}/.mbox-list.XXXXXX") || return 1
  if [ "$how" = -u ]; then user=$who want=$t/want; printf '%s\n' "$who" > "$want"; else user='' want=$who; fi
  {
    printf 'C\tpop3_uidl_format\t%s\n' "$(doveconf -h pop3_uidl_format 2>/dev/null || echo -)"
    doveadm "$@" -f tab mailbox status "$how" "$who" 'messages uidvalidity uidnext guid' '*' 2>> "$t/errors" | sed 's/^/S\t/' || true
    doveadm "$@" -f tab fetch "$how" "$who" 'mailbox uid flags guid size.virtual pop3.uidl' ALL 2>> "$t/errors" | sed 's/^/M\t/' || true
    doveadm "$@" -f tab mailbox list -s "$how" "$who" 2>> "$t/errors" | sed 's/^/L\t/' || true
  } | awk -F '\t' -v OFS='\t' -v sep="$sep" -v user="$user" -v want="$want" -v errors="$t/errors" "$census_awk"
  rm -rf -- "$t"
}

# ms_foreign WANT HAVE: what the census lines of the file HAVE hold that
# those of WANT do not, as "MESSAGES FOLDERS": messages (folder, UID, GUID)
# and folders with messages whose UIDVALIDITY WANT lacks; "0 0" when HAVE
# is part of WANT (a copy stopped half way, say)
ms_foreign() {
  comm -13 -- <(ms_keys "$1") <(ms_keys "$2") |
    awk '$1 == "M" { m++ } $1 == "F" { f[$2] = 1 } END { n = 0; for (k in f) n++; print m + 0, n }'
}
ms_keys() { awk -F '\t' '$1 == "M" { print "M", $3, $4, $6 } $1 == "F" && $4 > 0 { print "F", $3, $5 }' "$1" | sort; }
