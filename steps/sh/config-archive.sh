# shellcheck shell=bash
# shellcheck disable=SC2154 # b rc: the prologue's
# config-archive: on the source, archives the mail configuration (the files
# an admin edits by hand: Postfix, Dovecot, amavis, iRedAPD, iRedAdmin,
# SpamAssassin, sendmail (/etc/mail, with SpamAssassin's there), fail2ban,
# nginx, fetchmail, procmail, Roundcube's config.inc.php and Debian's
# /etc/roundcube),
# those present, into $b/source-config.tar.gz.
# Prologue: b (the backup directory), rc (Roundcube's directory).
# Prints the paths archived.
# shellcheck disable=SC2174 # -m for the backup directory only: its parents stay as they are
mkdir -p -m 0700 -- "$b"
set --
for p in etc/postfix etc/dovecot etc/amavis etc/amavisd etc/amavisd.conf etc/iredapd opt/iredapd/settings.py opt/www/iredadmin/settings.py etc/spamassassin etc/mail etc/fail2ban etc/nginx etc/postfix-policyd.conf etc/fetchmailrc etc/default/fetchmail etc/procmailrc etc/roundcube "${rc#/}/config/config.inc.php"; do
  [ -e "/$p" ] && set -- "$@" "$p"
done
tar -C / -czpf "$b/source-config.tar.gz" -- "$@" && echo "archived: $*"
