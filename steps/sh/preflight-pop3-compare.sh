# shellcheck shell=bash
# shellcheck disable=SC2154 # pop3 fmt: preflight-pop3.sh's, which runs before
# preflight-pop3-compare: the POP3 UIDLs stay as they are.  Run on the target
# after preflight-pop3.sh (this server's pop3 and fmt), the source's output
# of preflight-pop3.sh on stdin: hostile text, of which the first
# "POP3 served: " and "pop3_uidl_format = " lines are read, compared as
# text, and shown with anything unprintable as ?.
# Passes when the source does not serve POP3, or when both formats are the
# same (saying so, and when this server does not serve POP3 yet); fails,
# before anything changes, when the source serves POP3 with another format,
# when the source or this server has no Dovecot to ask, or when the
# source's answer cannot be read.
src=$(cat)
s_pop3='' s_fmt='' s_has=''
while IFS= read -r line; do
  case $line in
    'POP3 served: '*) [ -n "$s_pop3" ] || { s_pop3=${line#POP3 served: }; s_pop3=${s_pop3%% *}; } ;;
    'pop3_uidl_format = '*) [ -n "$s_has" ] || { s_fmt=${line#pop3_uidl_format = }; s_has=1; } ;;
  esac
done <<< "$src"
ms_shown() { # TEXT: printable, at most 100 bytes
  printf '%s' "${1:0:100}" | LC_ALL=C tr -c '[:print:]' '?'
}
case $s_pop3 in
  no)
    echo "the source's Dovecot does not serve POP3: its UIDL format does not matter"
    exit 0 ;;
  yes) ;;
  unknown)
    echo "the source has no Dovecot that answers (doveconf): mailshift cannot tell how its POP3 UIDLs are made. If it serves POP3 with another server (UW ipop3d, qpopper), the target's Dovecot needs the pop3-migration plugin or the messages' X-UIDL headers, or every POP3 client downloads every message again" >&2
    exit 1 ;;
  *)
    echo "the source's answer cannot be read (no \"POP3 served: yes\" or \"no\" line)" >&2
    exit 1 ;;
esac
[ -n "$s_has" ] || { echo "the source's answer cannot be read (no \"pop3_uidl_format = \" line)" >&2; exit 1; }
[ "$pop3" != unknown ] || { echo "the target has no Dovecot that answers (doveconf): install it, then run pre-flight again; the source serves POP3 with pop3_uidl_format = $(ms_shown "$s_fmt")" >&2; exit 1; }
if [ "$s_fmt" = "$fmt" ]; then
  echo "both make the POP3 UIDLs the same way: pop3_uidl_format = $(ms_shown "$fmt")"
  [ "$pop3" = yes ] || echo "note: the source serves POP3 and this server's Dovecot does not yet: add pop3 to its protocols (Debian: the dovecot-pop3d package) before the cutover, or the POP3 clients cannot connect"
  exit 0
fi
echo "the POP3 clients would download every message again: the source's Dovecot makes each message's UIDL with pop3_uidl_format = $(ms_shown "$s_fmt"), the target's with $(ms_shown "${fmt:-(nothing)}"). Set pop3_uidl_format = $(ms_shown "$s_fmt") in the target's Dovecot (dovecot.conf, or conf.d/20-pop3.conf), reload it and run this check again; or, if the POP3 users may download all their mail once more, skip this check" >&2
exit 1
