# shellcheck shell=bash
# shellcheck disable=SC2154 # host mta iredmail: the prologue's
# preflight-stack: a host of a system-user stack (Postfix or sendmail, with
# Dovecot) runs as mailshift needs: root, bash, systemd, its MTA and Dovecot
# installed.  Run on both.
# Prologue: host ("source" or "target"), mta (postfix or sendmail),
# iredmail (1: the host must be an iRedMail server, the target of system
# users moving into iRedMail; else it must not be one).
# Prints what it found; fails on what mailshift cannot work with.
[ "$(id -u)" = 0 ] || { echo 'mailshift runs its commands as root: set user = root' >&2; exit 1; }
[ -n "${BASH_VERSION:-}" ] || { echo 'the login shell must be bash' >&2; exit 1; }
if [ ! -d /run/systemd/system ] || ! command -v systemctl >/dev/null; then
  echo "systemd does not run the $host: mailshift stops and starts the mail services with systemctl, and cannot stop them here (a host without systemd is not built yet)" >&2; exit 1
fi
case $mta in
  postfix)
    command -v postconf >/dev/null || { echo "the $host has no Postfix (postconf): install Postfix there first" >&2; exit 1; }
    echo "$host: Postfix $(postconf -h mail_version 2>/dev/null)" ;;
  sendmail)
    { [ -x /usr/sbin/sendmail ] && [ -d /etc/mail ]; } || { echo "the $host has no sendmail (/usr/sbin/sendmail, /etc/mail): install it there first" >&2; exit 1; }
    v=$(/usr/sbin/sendmail -d0.1 -bv root 2>/dev/null </dev/null | sed -n 's/^Version \([^ ]*\).*/\1/p' | head -n 1)
    echo "$host: sendmail ${v:-(version not reported)}" ;;
  *) echo "unknown MTA: $mta" >&2; exit 1 ;;
esac
command -v doveconf >/dev/null || { echo "the $host has no Dovecot (doveconf): install Dovecot there first" >&2; exit 1; }
if [ "${iredmail:-0}" = 1 ]; then
  [ -f /etc/iredmail-release ] || { echo "the $host runs no iRedMail (/etc/iredmail-release): install iRedMail there first, or set its stack to postfix-dovecot" >&2; exit 1; }
  echo "$host: iRedMail $(head -n 1 /etc/iredmail-release | tr -c '[:print:]\n' '?')"
elif [ -f /etc/iredmail-release ]; then
  echo "the $host runs iRedMail ($(head -n 1 /etc/iredmail-release)): set its stack to iredmail in the answers" >&2; exit 1
fi
