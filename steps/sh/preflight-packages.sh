# shellcheck shell=bash
# preflight-packages: which mail-related packages this server has (issue 15,
# seed 003: "install all the packages required by your old server").  Run
# on both: alone on the source (its output is the value packages), before
# preflight-packages-compare.sh on the target.
# No prologue.  Asks dpkg (Debian family) or, where dpkg does not answer,
# rpm (RHEL family); fails when neither does.  Sets family (dpkg or rpm),
# ms_pkgs (the list below) and mine (this server's installed names that the
# list names, one a line); prints
#   package manager: dpkg|rpm
#   installed: NAME              (one a line, each a name of the list)
#   N of mailshift's mail-related packages installed
#
# The list, one line per thing a mail server may do:
#   id|Debian names|RHEL-family names|what it is for
# Names are globs (space-separated).  Where the two families name it
# differently the line maps them: amavisd-new/amavis, spamc (RHEL: inside
# spamassassin), Sieve and ManageSieve (RHEL: dovecot-pigeonhole), Dovecot's
# POP3, IMAP, LMTP and LDAP (Debian: packages of their own; RHEL: inside
# dovecot), the SPF policy daemon, Roundcube (roundcube*/roundcubemail*),
# ClamAV's daemon (clamav-daemon/clamd).  Postfix's map types are packages
# of their own on Debian and RHEL 8 or newer, inside postfix on RHEL 7
# (postconf -m lists them): such a target is named as lacking them, which
# the admin checks (the comparison is advisory).
LC_ALL=C
ms_pkgs='spamassassin|spamassassin|spamassassin|SpamAssassin, the spam filter
spamc|spamc|spamassassin|spamc, the client that hands mail to the SpamAssassin daemon (procmail recipes, milters)
spamass-milter|spamass-milter|spamass-milter|the milter that hands mail from Postfix or sendmail to SpamAssassin
pyzor|pyzor|pyzor|Pyzor, a spam signature service SpamAssassin asks
amavis|amavisd-new amavis|amavisd-new amavis|amavisd, the content filter between Postfix and the spam and virus scanners (iRedMail signs DKIM with it)
clamav|clamav clamav-daemon|clamav clamd clamav-server|ClamAV, the virus scanner
clamav-milter|clamav-milter|clamav-milter|the milter that hands mail to ClamAV
altermime|altermime|altermime|alterMIME, which adds disclaimers to mail
procmail|procmail|procmail|procmail, which delivers by the users'"'"' .procmailrc recipes
fetchmail|fetchmail|fetchmail|fetchmail, which fetches mail from mailboxes on other servers
postgrey|postgrey|postgrey|postgrey, greylisting
opendkim|opendkim|opendkim|OpenDKIM, which signs and checks DKIM
opendmarc|opendmarc|opendmarc|OpenDMARC, which checks DMARC
spf|postfix-policyd-spf-python|pypolicyd-spf|the SPF policy daemon of Postfix
roundcube|roundcube*|roundcubemail*|Roundcube webmail from the distribution (iRedMail installs its own copy instead)
squirrelmail|squirrelmail|squirrelmail|SquirrelMail webmail
sogo|sogo|sogo|SOGo, webmail with calendars and contacts
mailman|mailman*|mailman*|Mailman mailing lists
mlmmj|mlmmj|mlmmj|mlmmj mailing lists
sieve|dovecot-sieve|dovecot-pigeonhole|Dovecot'"'"'s Sieve filters (the users'"'"' rules)
managesieve|dovecot-managesieved|dovecot-pigeonhole|ManageSieve, with which mail clients edit their Sieve rules
pop3|dovecot-pop3d|dovecot|Dovecot'"'"'s POP3 server
imap|dovecot-imapd|dovecot|Dovecot'"'"'s IMAP server
lmtp|dovecot-lmtpd|dovecot|Dovecot'"'"'s LMTP delivery
dovecot-mysql|dovecot-mysql|dovecot-mysql|Dovecot'"'"'s MySQL and MariaDB lookups
dovecot-pgsql|dovecot-pgsql|dovecot-pgsql|Dovecot'"'"'s PostgreSQL lookups
dovecot-ldap|dovecot-ldap|dovecot|Dovecot'"'"'s LDAP lookups
postfix-pcre|postfix-pcre|postfix-pcre|Postfix'"'"'s pcre: maps
postfix-mysql|postfix-mysql|postfix-mysql|Postfix'"'"'s mysql: maps
postfix-pgsql|postfix-pgsql|postfix-pgsql|Postfix'"'"'s pgsql: maps
postfix-ldap|postfix-ldap|postfix-ldap|Postfix'"'"'s ldap: maps
sendmail|sendmail sendmail-bin|sendmail|sendmail, the mail server
sendmail-cf|sendmail-cf|sendmail-cf|sendmail'"'"'s m4 files, to rebuild sendmail.cf
uw-imap|uw-imapd ipopd|uw-imap|the UW IMAP and POP3 servers (their POP3 UIDLs are not Dovecot'"'"'s: see the POP3 check)'
# shellcheck disable=SC2016 # dpkg-query's own ${...} fields
if st=$(dpkg-query -W -f='${Status}' dpkg 2>/dev/null) && [ "${st##* }" = installed ]; then
  family=dpkg
  all=$(dpkg-query -W -f='${Status} ${Package}\n' | awk '$3 == "installed" { print $4 }')
elif rpm -q rpm >/dev/null 2>&1; then
  family=rpm
  all=$(rpm -qa --qf '%{NAME}\n')
else
  echo 'neither dpkg nor rpm answers here: mailshift cannot list the installed packages' >&2
  exit 1
fi
# ms_globs FAMILY: the names of that family's column, one a line (never
# expanded as file names)
ms_globs() {
  local deb rpm g
  local -a names
  while IFS='|' read -r _ deb rpm _; do
    if [ "$1" = dpkg ]; then read -r -a names <<< "$deb"; else read -r -a names <<< "$rpm"; fi
    for g in "${names[@]}"; do printf '%s\n' "$g"; done
  done <<< "$ms_pkgs"
}
# ms_match NAME GLOB...: 0 when NAME matches a GLOB
ms_match() {
  local n=$1 g
  shift
  for g; do
    # shellcheck disable=SC2254 # the list's globs
    case $n in $g) return 0 ;; esac
  done
  return 1
}
mapfile -t globs < <(ms_globs "$family" | sort -u)
mine=''
while IFS= read -r n; do
  if [ -n "$n" ] && ms_match "$n" "${globs[@]}"; then mine+="$n"$'\n'; fi
done <<< "$all"
mine=$(printf '%s' "$mine" | sort -u)
echo "package manager: $family"
[ -z "$mine" ] || printf '%s\n' "$mine" | sed 's/^/installed: /'
echo "$(printf '%s' "$mine" | grep -c . || true) of mailshift's mail-related packages installed"
