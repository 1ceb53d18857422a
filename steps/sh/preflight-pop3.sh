# shellcheck shell=bash
# shellcheck disable=SC2154 # side: the prologue's
# preflight-pop3: how this server's Dovecot makes the POP3 UIDLs (issue 15,
# seed 002).  A POP3 client remembers each message's UIDL to know what it
# has already downloaded; a new server that makes them another way makes
# every client download every message again.  Run on both: alone on the
# source (its output is the value pop3_uidl), before
# preflight-pop3-compare.sh on the target.
# Prologue: side ("source" or "target": the figure's column).
# Sets pop3 (yes, no, or unknown: no doveconf, or it does not answer) and
# fmt (doveconf -h pop3_uidl_format, as it is); prints
#   POP3 served: yes|no|unknown (protocols: ...)
#   pop3_uidl_format = FORMAT
#   mailshift-figure pop3-uidl WORD -       ("- WORD" on the target)
# WORD, one word for the table (core/figures.h): the format with each % as +
# when it is made of % A-Z a-z 0-9 . _ - alone (so "%08Xu%08Xv", Dovecot's
# default and iRedMail's, is "+08Xu+08Xv"), "unusual" otherwise, "none" when
# empty; "no-pop3" when this Dovecot does not serve POP3, "no-dovecot"
# without one.  Does not fail.
pop3=unknown fmt='' protocols=''
if command -v doveconf >/dev/null && protocols=$(doveconf -h protocols 2>/dev/null < /dev/null); then
  protocols=$(printf '%s' "$protocols" | tr -s '\t\n' '  ')
  case " $protocols " in *' pop3 '*) pop3=yes ;; *) pop3=no ;; esac
  fmt=$(doveconf -h pop3_uidl_format 2>/dev/null < /dev/null) || fmt=
fi
ms_uidl_word() { # POP3 FORMAT: the table's word
  local LC_ALL=C
  case $1 in unknown) echo no-dovecot; return ;; no) echo no-pop3; return ;; esac
  if [ -z "$2" ]; then
    echo none
  elif [ "${#2}" -lt 48 ] && [[ $2 =~ ^[%A-Za-z0-9._-]+$ ]]; then
    printf '%s\n' "$2" | tr % +
  else
    echo unusual
  fi
}
echo "POP3 served: $pop3${protocols:+ (protocols: $protocols)}"
echo "pop3_uidl_format = $fmt"
if [ "$side" = source ]; then
  echo "mailshift-figure pop3-uidl $(ms_uidl_word "$pop3" "$fmt") -"
else
  echo "mailshift-figure pop3-uidl - $(ms_uidl_word "$pop3" "$fmt")"
fi
