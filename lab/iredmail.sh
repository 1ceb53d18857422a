# shellcheck shell=bash
# An iRedMail-shaped host from iRedMail 1.8.1's real parts (shared/iredmail-1.8.1):
# release file, vmail layout, real SQL schemas / LDAP schema, Dovecot with the shipped
# dovecot-sql.conf / dovecot-ldap.conf queries, Postfix -> Dovecot LMTP, DKIM keys,
# Roundcube tree, installer tree. Used by lab/scenarios/iredmail-*.sh.
#
# irm_prep HOST BACKEND (before boot) writes files into the host's overlay and a setup
# script that irm_post HOST runs over ssh once the host is up (databases need mysqld /
# postgres running). Service passwords are random per host and stay on the host.

IRM_VERSION=1.8.1
IRM_DOMAINS=(example.com example.net)
IRM_LIB=/usr/local/lib/mailshift-lab   # setup files inside a host, removed after setup
IRM_LDAP_SUFFIX=dc=example,dc=com
IRM_LDAP_BASEDN=o=domains,dc=example,dc=com

irm_pw() { openssl rand -hex 12; }

# shellcheck source=lab/iredmail-data.sh
. "$LAB_DIR/iredmail-data.sh"

# Maildir path (the part after vmail1/) for user index and address, iRedMail style:
# <domain>/<c1>/<c2>/<c3>/<local>-<YYYY.MM.DD.HH.MM.SS>/
irm_maildir() {
    local idx=$1 addr=$2 l d c1 c2 c3 ts
    l=${addr%@*} d=${addr#*@}
    c1=${l:0:1} c2=${l:1:1} c3=${l:2:1}
    c2=${c2:-$c1} c3=${c3:-$c2}
    printf -v ts '%(%Y.%m.%d.%H.%M.%S)T' $((LAB_EPOCH0 - 86400 * 30 + idx * 3671))
    echo "$d/$c1/$c2/$c3/$l-$ts/"
}

irm_addr() { echo "$(lab_user_name "$1")@${IRM_DOMAINS[$(($1 % ${#IRM_DOMAINS[@]}))]}"; }

# Where an account's mail lives, "BASE NODE" (iRedMail's storagebasedirectory and
# storagenode): not all under /var/vmail, as on real servers that grew. The second
# domain keeps its mail in another base directory, /srv/mail; every third account of
# the first domain is on a second storage node, vmail2.
IRM_OTHER_BASE=/srv/mail
# The second node, vmail2, is a symbolic link to a directory on "another disk".
IRM_DISK2=/srv/disk2
irm_store() { # index address
    case ${2#*@} in
        "${IRM_DOMAINS[1]}") echo "$IRM_OTHER_BASE vmail1" ;;
        *) if [ $(($1 % 6)) -eq 4 ]; then echo "/var/vmail vmail2"; else echo "/var/vmail vmail1"; fi ;;
    esac
}

# A mailing list as iRedMail's mlmmj keeps it (/var/vmail/mlmmj/DOMAIN/LIST), owned by
# the mlmmj user: what the copy must carry beside the mailboxes.
irm_mlmmj() { # root
    local l=$1/var/vmail/mlmmj/${IRM_DOMAINS[0]}/announce k
    install -d -m 0700 "$l/archive" "$l/control" "$l/subscribers.d"
    printf 'postmaster@%s\n' "${IRM_DOMAINS[0]}" >"$l/control/owner"
    printf '%s\n' "$(irm_addr 0)" >"$l/subscribers.d/a"
    for k in 1 2 3; do
        printf 'From: postmaster@%s\nSubject: announcement %s\n\nlist archive message %s (mailshift lab)\n' \
            "${IRM_DOMAINS[0]}" "$k" "$k" >"$l/archive/$k"
    done
    echo 3 >"$l/index"
    chown -R "$(irm_uid "$1" mlmmj):$(irm_gid "$1" mlmmj)" "$1/var/vmail/mlmmj"
    chmod 0700 "$1/var/vmail/mlmmj"
}

irm_sql_quote() { local s=${1//\'/\'\'}; echo "'$s'"; }

irm_release_line() {
    case $1 in mariadb) echo MARIADB ;; pgsql) echo PGSQL ;; openldap) echo OPENLDAP ;; esac
}

irm_dovecot_conf() { # backend -> dovecot.conf (iRedMail-like, trimmed for the lab)
    local drv=mysql db=sql
    case $1 in pgsql) drv=pgsql ;; openldap) drv=ldap db=ldap ;; esac
    cat <<EOF
# mailshift lab: iRedMail-like Dovecot configuration (trimmed).
protocols = imap pop3 lmtp
listen = *
mail_uid = vmail
mail_gid = vmail
first_valid_uid = 2000
last_valid_uid = 2000
mail_privileged_group = mail
mail_plugins = quota
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = yes
ssl_cert = </etc/lab-tls/cert.pem
ssl_key = </etc/lab-tls/key.pem
ssl_min_protocol = TLSv1.2
pop3_uidl_format = %08Xu%08Xv
namespace {
    type = private
    separator = /
    prefix =
    inbox = yes
    mailbox Sent {
        auto = subscribe
        special_use = \Sent
    }
    mailbox Trash {
        auto = subscribe
        special_use = \Trash
    }
}
passdb {
    driver = $db
    args = /etc/dovecot/dovecot-$drv.conf
}
userdb {
    driver = $db
    args = /etc/dovecot/dovecot-$drv.conf
}
plugin {
    quota = count:User quota
    quota_vsizes = yes
}
service auth {
    unix_listener /var/spool/postfix/private/dovecot-auth {
        user = postfix
        group = postfix
        mode = 0666
    }
    unix_listener auth-userdb {
        user = vmail
        group = vmail
        mode = 0660
    }
}
service lmtp {
    unix_listener /var/spool/postfix/private/dovecot-lmtp {
        user = postfix
        group = postfix
        mode = 0600
    }
}
protocol lmtp {
    postmaster_address = postmaster@example.com
}
EOF
}

# Fill the shipped dovecot-sql.conf / dovecot-ldap.conf placeholders.
irm_dovecot_backend_conf() { # backend vmailpw
    local be=$1 pw=$2 src
    src=$(lab_shared)/iredmail-1.8.1
    case $be in
        mariadb|pgsql)
            local drv=mysql port=3306
            [ "$be" = pgsql ] && drv=pgsql port=5432
            sed -e "s/PH_SQL_DRIVER/$drv/" -e 's/PH_SQL_SERVER_ADDRESS/127.0.0.1/' \
                -e "s/PH_SQL_SERVER_PORT/$port/" -e 's/PH_VMAIL_DB_NAME/vmail/' \
                -e 's/PH_VMAIL_DB_BIND_USER/vmail/' -e "s/PH_VMAIL_DB_BIND_PASSWD/$pw/" \
                "$src/dovecot-sql.conf" ;;
        openldap)
            # The shipped file keeps iterate_* commented; doveadm -A needs them.
            sed -e 's/PH_LDAP_SERVER_HOST/127.0.0.1/' -e 's/PH_LDAP_SERVER_PORT/389/' \
                -e 's/PH_LDAP_BIND_VERSION/3/' -e "s/PH_LDAP_BINDDN/cn=vmail,$IRM_LDAP_SUFFIX/" \
                -e "s/PH_LDAP_BINDPW/$pw/" -e "s/PH_LDAP_BASEDN/$IRM_LDAP_BASEDN/" \
                -e 's/^#iterate_/iterate_/' "$src/dovecot-ldap.conf" ;;
    esac
}

# Postfix lookup tables for the backend into ROOT/etc/postfix/<kind>/.
irm_postfix() { # root backend vmailpw
    local root=$1 be=$2 pw=$3 kind dir
    case $be in mariadb) kind=mysql ;; pgsql) kind=pgsql ;; openldap) kind=ldap ;; esac
    dir=$root/etc/postfix/$kind
    install -d -m 0750 -g 0 "$dir"
    if [ "$kind" = ldap ]; then
        local common="server_host = 127.0.0.1
server_port = 389
version = 3
bind = yes
start_tls = no
bind_dn = cn=vmail,$IRM_LDAP_SUFFIX
bind_pw = $pw
search_base = $IRM_LDAP_BASEDN
scope = sub"
        printf '%s\n%s\n%s\n' "$common" \
            'query_filter = (&(objectClass=mailDomain)(accountStatus=active)(enabledService=mail)(|(domainName=%s)(domainAliasName=%s)))' \
            'result_attribute = domainName' >"$dir/virtual_mailbox_domains.cf"
        printf '%s\n%s\n%s\n' "$common" \
            'query_filter = (&(objectClass=mailUser)(accountStatus=active)(enabledService=mail)(enabledService=deliver)(mail=%s))' \
            'result_attribute = mailMessageStore' >"$dir/virtual_mailbox_maps.cf"
        printf '%s\n%s\n%s\n' "$common" \
            'query_filter = (&(objectClass=mailDomain)(accountStatus=active)(domainName=%s)(!(mtaTransport=dovecot)))' \
            'result_attribute = mtaTransport' >"$dir/transport_maps_domain.cf"
        # Per-user transport (iRedMail's mailUser mtaTransport), and a mailing
        # list's (mailList, enabledService=mlmmj), which Postfix accepts as
        # iRedMail's virtual_group_maps.cf does
        printf '%s\n%s\n%s\n' "$common" \
            'query_filter = (&(|(objectClass=mailUser)(&(objectClass=mailList)(enabledService=mlmmj)))(accountStatus=active)(mail=%s)(mtaTransport=*))' \
            'result_attribute = mtaTransport' >"$dir/transport_maps_user.cf"
        printf '%s\n%s\n%s\n' "$common" \
            'query_filter = (&(objectClass=mailList)(enabledService=mlmmj)(accountStatus=active)(mail=%s))' \
            'result_attribute = mail' >"$dir/virtual_alias_maps.cf"
        # aliases and a user's forwardings (iRedMail's mailAlias and
        # mailUser mailForwardingAddress, the user's own address among them
        # for a copy kept)
        printf '%s\n%s\n%s\n' "$common" \
            'query_filter = (&(|(objectClass=mailAlias)(objectClass=mailUser))(accountStatus=active)(mail=%s)(mailForwardingAddress=*))' \
            'result_attribute = mailForwardingAddress' >"$dir/virtual_alias_forwardings.cf"
    else
        local common="hosts = 127.0.0.1
user = vmail
password = $pw
dbname = vmail"
        printf '%s\n%s\n' "$common" \
            "query = SELECT domain FROM domain WHERE domain='%s' AND backupmx=0 AND active=1 UNION SELECT alias_domain FROM alias_domain WHERE alias_domain='%s' AND active=1" \
            >"$dir/virtual_mailbox_domains.cf"
        printf '%s\n%s\n' "$common" \
            "query = SELECT CONCAT(mailbox.storagenode, '/', mailbox.maildir, 'Maildir/') FROM mailbox,domain WHERE mailbox.username='%s' AND mailbox.active=1 AND mailbox.enabledeliver=1 AND domain.domain=mailbox.domain AND domain.active=1" \
            >"$dir/virtual_mailbox_maps.cf"
        # Per-user and per-mailing-list transports (iRedMail's mailbox.transport,
        # maillists.transport: 'mlmmj:example.com/list'), before the domain's.
        printf '%s\n%s\n' "$common" \
            "query = SELECT mailbox.transport FROM mailbox,domain WHERE mailbox.username='%s' AND mailbox.transport<>'' AND mailbox.active=1 AND domain.domain=mailbox.domain AND domain.active=1" \
            >"$dir/transport_maps_user.cf"
        printf '%s\n%s\n' "$common" \
            "query = SELECT maillists.transport FROM maillists,domain WHERE maillists.address='%s' AND maillists.transport<>'' AND maillists.active=1 AND domain.domain=maillists.domain AND domain.active=1" \
            >"$dir/transport_maps_maillist.cf"
        # Aliases, forwardings and a mailing list's address, through their
        # forwardings rows (iRedMail's virtual_alias_maps; a mailbox's own
        # row maps it to itself)
        printf '%s\n%s\n' "$common" \
            "query = SELECT forwardings.forwarding FROM forwardings,domain WHERE forwardings.address='%s' AND forwardings.active=1 AND domain.domain=forwardings.domain AND domain.active=1" \
            >"$dir/virtual_alias_maps.cf"
        # Per-domain transport (iRedMail's domain.transport); 'dovecot' = local LMTP.
        printf '%s\n%s\n' "$common" \
            "query = SELECT transport FROM domain WHERE domain='%s' AND active=1 AND transport<>'dovecot'" \
            >"$dir/transport_maps_domain.cf"
    fi
    chmod 0640 "$dir"/*.cf
    chgrp -R postfix "$dir" 2>/dev/null || chgrp -R "$(stat -c %g /etc/postfix/main.cf)" "$dir"
    # shellcheck disable=SC2016 # $myhostname is for Postfix
    postconf -c "$root/etc/postfix" -e \
        "myhostname = $(cat "$root/etc/hostname").lab.test" \
        'mydestination = $myhostname, localhost' 'inet_interfaces = all' \
        'inet_protocols = ipv4' 'mynetworks = 127.0.0.0/8' \
        'relayhost =' 'smtputf8_enable = no' \
        "virtual_mailbox_domains = proxy:$kind:/etc/postfix/$kind/virtual_mailbox_domains.cf" \
        "virtual_mailbox_maps = proxy:$kind:/etc/postfix/$kind/virtual_mailbox_maps.cf" \
        "transport_maps = $(for m in user maillist domain; do
            [ -e "$dir/transport_maps_$m.cf" ] && printf 'proxy:%s:/etc/postfix/%s/transport_maps_%s.cf, ' "$kind" "$kind" "$m"
          done | sed 's/, $//')" \
        "virtual_alias_maps = $(for m in maps forwardings; do
            [ -e "$dir/virtual_alias_$m.cf" ] && printf 'proxy:%s:/etc/postfix/%s/virtual_alias_%s.cf, ' "$kind" "$kind" "$m"
          done | sed 's/, $//')" \
        'virtual_transport = lmtp:unix:private/dovecot-lmtp' \
        'smtpd_tls_cert_file = /etc/lab-tls/cert.pem' 'smtpd_tls_key_file = /etc/lab-tls/key.pem' \
        'smtpd_tls_security_level = may'
}

# A policy service in iRedAPD's places (lab/lab-policy): first of the
# recipient checks after the recipient's own, and at the end of the data.
irm_policy() { # root
    install -m 0755 "$LAB_DIR/lab-policy" "$1/usr/local/sbin/lab-policy"
    printf '%s\n' 'lab-policy unix  -       n       n       -       0       spawn' \
        '    user=nobody argv=/usr/local/sbin/lab-policy' >>"$1/etc/postfix/master.cf"
    postconf -c "$1/etc/postfix" -e 'lab-policy_time_limit = 3600' \
        'smtpd_recipient_restrictions = reject_non_fqdn_recipient, reject_unlisted_recipient, check_policy_service unix:private/lab-policy, permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination' \
        'smtpd_end_of_data_restrictions = check_policy_service unix:private/lab-policy'
}

irm_roundcube() { # root dbtype dbpw
    local root=$1 dbt=$2 pw=$3 rc=/opt/www/roundcubemail-1.6.5 rel=/root/roundcubemail-1.7.0
    mkdir -p "$root/opt/www"
    cp -a /usr/share/roundcube "$root$rc"
    rm -rf "$root$rc/config"
    install -d -m 0755 "$root$rc/config" "$root$rc/logs" "$root$rc/temp"
    cat >"$root$rc/config/config.inc.php" <<EOF
<?php
// mailshift lab: Roundcube configuration for an iRedMail-shaped host.
\$config = [];
\$config['db_dsnw'] = '$dbt://roundcube:$pw@127.0.0.1/roundcubemail';
\$config['imap_host'] = 'ssl://127.0.0.1:993';
\$config['smtp_host'] = 'tls://127.0.0.1:587';
\$config['des_key'] = '$(openssl rand -hex 12)';
\$config['plugins'] = ['managesieve', 'password'];
EOF
    chown -R 0:0 "$root$rc"
    chown 33:33 "$root$rc/logs" "$root$rc/temp"
    chown 0:33 "$root$rc/config/config.inc.php"; chmod 0640 "$root$rc/config/config.inc.php"
    ln -sfn roundcubemail-1.6.5 "$root/opt/www/roundcubemail"
    # A newer "release" tree for the upgrade; its installto.sh is a stand-in.
    cp -a /usr/share/roundcube "$root$rel"
    rm -rf "$root$rel/config"; mkdir -p "$root$rel/config"
    cp /usr/share/roundcube/config.inc.php.sample "$root$rel/config/config.inc.php.sample"
    sed -i "s/define('RCMAIL_VERSION', '[^']*')/define('RCMAIL_VERSION', '1.7.0')/" \
        "$root$rel/program/include/iniset.php"
    cat >"$root$rel/bin/installto.sh" <<'EOF'
#!/bin/sh
# STAND-IN for Roundcube's bin/installto.sh (mailshift lab). The real script is PHP and
# is not shipped by Debian. Like the real one, it copies this release over an existing
# installation given as $1 with rsync, as the user who runs it (PHP's system() on the
# command line), so that user must be able to write the tree; it then runs the DB update.
set -eu
[ "${1:-}" = "-y" ] && shift
target=${1:-}
src=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$target" ] || [ ! -d "$target" ]; then
    echo "ERROR: usage: bin/installto.sh [-y] <TARGET_DIR> (target must be a directory)" >&2
    exit 1
fi
target=$(cd "$target" && pwd -P)
for d in "$target" "$target/program" "$target/bin"; do
    if ! test -w "$d"; then
        echo "ERROR: $d is not writable by $(id -un); make the target tree writable first." >&2
        exit 1
    fi
done
command -v rsync >/dev/null || { echo "ERROR: rsync is required" >&2; exit 1; }
echo "Upgrading from $(sed -n "s/.*RCMAIL_VERSION', '\([^']*\)'.*/\1/p" "$target/program/include/iniset.php") to 1.7.0 ..."
rsync -a --exclude=/config/ --exclude=/logs/ --exclude=/temp/ "$src/" "$target/"
echo "Running update script at target..."
echo "All done."
EOF
    chmod 0755 "$root$rel/bin/installto.sh"
    chown -R 0:0 "$root$rel"
}

irm_installer() { # root
    local root=$1 d=/root/iRedMail-$IRM_VERSION
    mkdir -p "$root$d/pkgs/misc"
    cp "$(lab_shared)/iredmail-1.8.1/pkgs.sha256" "$root$d/pkgs/pkgs.sha256"
    cat >"$root$d/iRedMail.sh" <<'EOF'
#!/bin/sh
# STAND-IN (mailshift lab): the real iRedMail.sh is not available here.
echo "iRedMail installer stand-in: run pkgs/get_all.sh first" >&2
exit 1
EOF
    cat >"$root$d/pkgs/get_all.sh" <<'EOF'
#!/bin/sh
# STAND-IN (mailshift lab) for iRedMail's pkgs/get_all.sh: checks misc/ against
# pkgs.sha256 (the real script would download what is missing).
cd "$(dirname "$0")" && sha256sum -c pkgs.sha256
EOF
    chmod 0755 "$root$d/iRedMail.sh" "$root$d/pkgs/get_all.sh"
    # Two of the five files present, both with content that does not match (the real
    # tarballs are not available here); the other three are missing.
    printf 'not the real iRedAdmin tarball (mailshift lab)\n' >"$root$d/pkgs/misc/iRedAdmin-2.8.1.tar.gz"
    printf 'truncated download (mailshift lab)\n' >"$root$d/pkgs/misc/iRedAPD-6.1.tar.gz"
    echo "$IRM_VERSION" >"$root$d/VERSION"
}

irm_dkim() { # root with-keys(yes|no)
    local root=$1 keys=$2 d
    install -d -m 0700 "$root/var/lib/dkim"
    chown "$(irm_uid "$root" amavis):$(irm_gid "$root" amavis)" "$root/var/lib/dkim"
    [ "$keys" = yes ] || return 0
    for d in "${IRM_DOMAINS[@]}"; do
        openssl genrsa -out "$root/var/lib/dkim/$d.pem" 2048 2>/dev/null
        chown "$(irm_uid "$root" amavis):$(irm_gid "$root" amavis)" "$root/var/lib/dkim/$d.pem"
        chmod 0400 "$root/var/lib/dkim/$d.pem"
    done
}

# irm_amavis ROOT DOMAIN: the real amavisd as iRedMail configures it for
# outgoing mail: port 10026 is the ORIGINATING policy bank, which signs with
# DKIM (iRedMail's catch-all: every message signed as d=DOMAIN, its first
# domain, with DOMAIN's key; a fresh server's installer makes that key, the
# migration replaces it with the old server's), and hands the mail back to
# Postfix on 127.0.0.1:10025.  No spam or virus scanner in the lab: those
# checks are bypassed.  Incoming mail (port 25) does not pass amavisd here.
irm_amavis() {
    local root=$1 d=$2 h
    h=$(cat "$root/etc/hostname").lab.test
    if [ ! -e "$root/var/lib/dkim/$d.pem" ]; then
        openssl genrsa -out "$root/var/lib/dkim/$d.pem" 2048 2>/dev/null
        chown "$(irm_uid "$root" amavis):$(irm_gid "$root" amavis)" "$root/var/lib/dkim/$d.pem"
        chmod 0400 "$root/var/lib/dkim/$d.pem"
    fi
    cat >"$root/etc/amavis/conf.d/50-user" <<EOF
use strict;
# mailshift lab: amavisd as iRedMail configures it for outgoing mail (DKIM).
\$myhostname = '$h';
\$max_servers = 2;
@local_domains_maps = (1);
@mynetworks = qw(127.0.0.0/8);
@bypass_virus_checks_maps = (1);
@bypass_spam_checks_maps = (1);
\$inet_socket_port = [10024, 10026];
\$forward_method = 'smtp:[127.0.0.1]:10025';
\$notify_method = \$forward_method;
\$interface_policy{'10026'} = 'ORIGINATING';
\$policy_bank{'ORIGINATING'} = {
    originating => 1,
    enable_dkim_signing => 1,
    enable_dkim_verification => 0,
    bypass_spam_checks_maps => [1],
    bypass_virus_checks_maps => [1],
    bypass_banned_checks_maps => [1],
    bypass_header_checks_maps => [1],
};
\$enable_dkim_verification = 1;
dkim_key('$d', 'dkim', '/var/lib/dkim/$d.pem');
@dkim_signature_options_bysender_maps = ({
    '.' => { d => '$d', a => 'rsa-sha256', c => 'relaxed/simple', ttl => 30*24*3600 },
});
1;
EOF
}

# irm_submission ROOT: iRedMail's port 587 (SASL through Dovecot, TLS
# first, then amavisd's ORIGINATING port) and the return from amavisd.
irm_submission() {
    local root=$1
    cat >>"$root/etc/postfix/master.cf" <<'EOF'
submission inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
  -o content_filter=smtp-amavis:[127.0.0.1]:10026
smtp-amavis unix -      -       n       -       2       smtp
  -o syslog_name=postfix/amavis
  -o smtp_data_done_timeout=1200
  -o smtp_send_xforward_command=yes
  -o smtp_dns_support_level=disabled
  -o max_use=20
127.0.0.1:10025 inet n  -       n       -       -       smtpd
  -o syslog_name=postfix/10025
  -o content_filter=
  -o mynetworks_style=host
  -o mynetworks=127.0.0.0/8
  -o local_recipient_maps=
  -o relay_recipient_maps=
  -o smtpd_restriction_classes=
  -o smtpd_delay_reject=no
  -o smtpd_client_restrictions=permit_mynetworks,reject
  -o smtpd_helo_restrictions=
  -o smtpd_sender_restrictions=
  -o smtpd_recipient_restrictions=permit_mynetworks,reject
  -o smtpd_end_of_data_restrictions=
  -o receive_override_options=no_header_body_checks,no_unknown_recipient_checks
EOF
    postconf -c "$root/etc/postfix" -e 'smtpd_sasl_type = dovecot' \
        'smtpd_sasl_path = private/dovecot-auth' 'smtpd_tls_auth_only = yes' \
        'broken_sasl_auth_clients = yes'
}

irm_uid() { awk -F: -v u="$2" '$1 == u {print $3}' "$1/etc/passwd"; }
irm_gid() { awk -F: -v u="$2" '$1 == u {print $4}' "$1/etc/passwd"; }

irm_slapd_conf() { # rootpw-hash
    local src
    src=$(lab_shared)/iredmail-1.8.1
    sed -e 's|PH_OPENLDAP_SCHEMA_DIR|/etc/ldap/schema|' \
        -e 's|PH_AMAVISD_LDAP_SCHEMA_NAME|amavisd.schema|' \
        -e 's|PH_OPENLDAP_PID_FILE|/run/slapd/slapd.pid|' \
        -e 's|PH_OPENLDAP_ARGS_FILE|/run/slapd/slapd.args|' \
        -e 's|^#modulepath PH_OPENLDAP_MODULE_PATH|modulepath /usr/lib/ldap|' \
        -e 's|^#moduleload back_PH_OPENLDAP_DEFAULT_DBTYPE|moduleload back_mdb|' \
        -e 's|^#moduleload back_monitor|moduleload back_monitor|' \
        -e 's|^#moduleload pw_sha2|moduleload pw-sha2|' \
        -e 's|PH_OPENLDAP_DEFAULT_DBTYPE|mdb|' \
        -e "s|PH_LDAP_SUFFIX|$IRM_LDAP_SUFFIX|g" \
        -e "s|PH_LDAP_ADMIN_BASEDN|o=domainAdmins,$IRM_LDAP_SUFFIX|g" \
        -e "s|PH_LDAP_BASEDN|$IRM_LDAP_BASEDN|g" \
        -e "s|PH_LDAP_BINDDN|cn=vmail,$IRM_LDAP_SUFFIX|g" \
        -e "s|PH_LDAP_ADMIN_DN|cn=vmailadmin,$IRM_LDAP_SUFFIX|g" \
        -e "s|PH_LDAP_ROOTDN|cn=Manager,$IRM_LDAP_SUFFIX|g" \
        -e "s|PH_LDAP_ROOTPW_SSHA|$1|" \
        -e 's|PH_LDAP_DATA_DIR|/var/lib/ldap/iredmail|' \
        "$src/slapd.conf"
}

# irm_prep HOST BACKEND : everything before boot. The source gets users and mail.
irm_prep() {
    local h=$1 be=$2 root src lib eng dbs db pw
    root=$(lab_root "$h")
    src=$(lab_shared)/iredmail-1.8.1
    lib=$root$IRM_LIB
    local -A pws=()
    for pw in vmail vmailadmin amavisd iredadmin iredapd roundcube root ldaproot postgres; do
        pws[$pw]=$(irm_pw)
    done

    chroot "$root" groupadd -g 2000 vmail
    chroot "$root" useradd -u 2000 -g 2000 -d /var/vmail -M -s /usr/sbin/nologin vmail
    # (amavisd-new's package made amavis on this machine: the host has it)
    grep -q '^amavis:' "$root/etc/passwd" || lab_die "no amavis user: lab/install-deps installs amavisd-new"
    chroot "$root" useradd -r -U -M -d /var/vmail/mlmmj -s /usr/sbin/nologin \
        -c 'mlmmj (mailshift lab stand-in, mlmmj not installed)' mlmmj
    printf '%s %s edition.\n# mailshift lab: iRedMail-shaped host built from iRedMail %s parts.\n' \
        "$IRM_VERSION" "$(irm_release_line "$be")" "$IRM_VERSION" >"$root/etc/iredmail-release"
    install -d -m 0755 -o 0 -g 0 "$root/var/vmail"
    install -d -m 0700 -o 2000 -g 2000 "$root/var/vmail/vmail1" "$root/var/vmail/sieve" \
        "$root/var/vmail/public"
    install -d -m 0700 "$root/var/vmail/mlmmj"
    chown "$(irm_uid "$root" mlmmj):$(irm_gid "$root" mlmmj)" "$root/var/vmail/mlmmj"
    # Postfix hands list mail to mlmmj (as iRedMail's master.cf; mlmmj itself is not installed)
    # shellcheck disable=SC2016 # ${nexthop} and ${user} are for Postfix
    printf '%s\n' 'mlmmj     unix  -       n       n       -       -       pipe' \
        '    flags=ORhu user=mlmmj:mlmmj argv=/usr/bin/mlmmj-amime-receive -L /var/vmail/mlmmj/${nexthop}/${user}' \
        >>"$root/etc/postfix/master.cf"

    # Dovecot and Postfix with the backend's lookups.
    irm_dovecot_conf "$be" >"$root/etc/dovecot/dovecot.conf"
    local drv=mysql
    case $be in pgsql) drv=pgsql ;; openldap) drv=ldap ;; esac
    irm_dovecot_backend_conf "$be" "${pws[vmail]}" >"$root/etc/dovecot/dovecot-$drv.conf"
    chown 0:"$(awk -F: '$1 == "dovecot" {print $3}' "$root/etc/group")" "$root/etc/dovecot/dovecot-$drv.conf"
    chmod 0640 "$root/etc/dovecot/dovecot-$drv.conf"
    irm_postfix "$root" "$be" "${pws[vmail]}"
    irm_policy "$root"

    irm_dkim "$root" "$([ "$h" = source ] && echo yes || echo no)"
    irm_amavis "$root" "${IRM_DOMAINS[0]}"
    irm_submission "$root"
    eng=mysql; [ "$be" = pgsql ] && eng=pgsql
    irm_roundcube "$root" "$([ "$eng" = pgsql ] && echo pgsql || echo mysql)" "${pws[roundcube]}"
    [ "$h" = target ] && irm_installer "$root"

    # Database setup files, run by irm_post once the host is up.
    install -d -m 0700 "$lib"
    dbs="amavisd iredadmin iredapd roundcubemail"
    [ "$be" = openldap ] || dbs="vmail $dbs"
    for db in $dbs; do
        case $db in
            vmail) cp "$src/iredmail.$eng" "$lib/schema-vmail.sql" ;;
            amavisd) cp "$src/amavisd.$eng" "$lib/schema-amavisd.sql" ;;
            roundcubemail)
                if [ "$eng" = pgsql ]; then cp /usr/share/roundcube/SQL/postgres.initial.sql "$lib/schema-$db.sql"
                else cp /usr/share/roundcube/SQL/mysql.initial.sql "$lib/schema-$db.sql"; fi ;;
            *) irm_standin_sql "$db" >"$lib/schema-$db.sql" ;;
        esac
        [ "$h" = source ] && irm_seed_sql "$db" >"$lib/seed-$db.sql"
    done
    declare -A owner=([vmail]=vmailadmin [amavisd]=amavisd [iredadmin]=iredadmin
                      [iredapd]=iredapd [roundcubemail]=roundcube)
    if [ "$eng" = mysql ]; then
        {
            for u in vmail vmailadmin amavisd iredadmin iredapd roundcube; do
                [ "$be" = openldap ] && [[ $u == vmail* ]] && continue
                for hn in localhost 127.0.0.1; do
                    echo "CREATE USER '$u'@'$hn' IDENTIFIED BY '${pws[$u]}';"
                done
            done
            for db in $dbs; do
                for hn in localhost 127.0.0.1; do
                    echo "GRANT ALL ON \`$db\`.* TO '${owner[$db]}'@'$hn';"
                    [ "$db" = vmail ] && echo "GRANT SELECT ON vmail.* TO 'vmail'@'$hn';"
                done
            done
            echo "FLUSH PRIVILEGES;"
        } >"$lib/grants.sql"
        cat >"$lib/setup.sh" <<SH
#!/bin/bash
# mailshift lab: create the iRedMail databases on this host (run once, then removed).
set -euo pipefail
cd $IRM_LIB
systemctl start mariadb
for db in $dbs; do
    mysql -e "CREATE DATABASE \\\`\$db\\\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"
    mysql "\$db" <"schema-\$db.sql"
    if [ -f "seed-\$db.sql" ]; then mysql "\$db" <"seed-\$db.sql"; fi
done
mysql <grants.sql
mysql -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('${pws[root]}')"
umask 077
printf '[client]\nuser = root\npassword = "%s"\n' '${pws[root]}' >/root/.my.cnf
SH
    else
        {
            for u in vmail vmailadmin amavisd iredadmin iredapd roundcube; do
                echo "CREATE ROLE $u LOGIN PASSWORD '${pws[$u]}';"
            done
            echo "ALTER ROLE postgres PASSWORD '${pws[postgres]}';"
        } >"$lib/roles.sql"
        cat >"$lib/setup.sh" <<SH
#!/bin/bash
# mailshift lab: create the iRedMail databases on this host (run once, then removed).
set -euo pipefail
$(lab_pg_preamble "$IRM_LIB")
pg <roles.sql
# As iRedMail does: postgres also has a password (roles.sql), kept in ~postgres/.pgpass.
d=\$(getent passwd postgres | cut -d: -f6)
install -m 0600 -o postgres -g postgres /dev/null "\$d/.pgpass"
printf '*:*:*:postgres:%s\n' '${pws[postgres]}' >"\$d/.pgpass"
for db in $dbs; do
    case \$db in vmail) o=vmailadmin ;; roundcubemail) o=roundcube ;; *) o=\$db ;; esac
    pg -c "CREATE DATABASE \$db OWNER \$o ENCODING 'UTF8' TEMPLATE template0"
    pg -d "\$db" <"schema-\$db.sql"
    if [ -f "seed-\$db.sql" ]; then pg -d "\$db" <"seed-\$db.sql"; fi
    pg -d "\$db" -c "GRANT ALL ON ALL TABLES IN SCHEMA public TO \$o; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO \$o"
    if [ "\$db" = vmail ]; then pg -d vmail -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO vmail"; fi
done
SH
    fi

    if [ "$be" = openldap ]; then
        cp "$src/iredmail.schema" "$src/amavisd.schema" "$root/etc/ldap/schema/"
        irm_slapd_conf "$(slappasswd -s "${pws[ldaproot]}")" >"$root/etc/ldap/slapd.conf"
        rm -rf "$root/etc/ldap/slapd.d"
        sed -i 's|^SLAPD_CONF=.*|SLAPD_CONF=/etc/ldap/slapd.conf|' "$root/etc/default/slapd"
        install -d -m 0700 "$root/var/lib/ldap/iredmail"
        irm_ldif "${pws[vmail]}" "${pws[vmailadmin]}" "$([ "$h" = source ] && echo yes || echo no)" \
            >"$lib/init.ldif"
        chroot "$root" slapadd -q -f /etc/ldap/slapd.conf -b "$IRM_LDAP_SUFFIX" -l "$IRM_LIB/init.ldif"
        chroot "$root" chown -R openldap:openldap /var/lib/ldap /etc/ldap/slapd.conf
        chmod 0640 "$root/etc/ldap/slapd.conf"
    fi

    if [ "$h" = source ]; then
        local i addr md base node
        install -d -m 0755 "$root$IRM_OTHER_BASE"
        install -d -m 0700 -o 2000 -g 2000 "$root/var/vmail/vmail2" "$root$IRM_OTHER_BASE/vmail1"
        for ((i = 0; i < LAB_USERS; i++)); do
            addr=$(irm_addr "$i")
            md=$(irm_maildir "$i" "$addr")
            read -r base node <<<"$(irm_store "$i" "$addr")"
            lab_seed_maildir "$root" "$i" "$addr" "$base/$node/${md}Maildir" 2000 2000
        done
        # As Dovecot leaves them: the whole tree vmail's, 0700 directories.
        for d in /var/vmail/vmail1 /var/vmail/vmail2 "$IRM_OTHER_BASE/vmail1"; do
            chown -R 2000:2000 "$root$d"
            chmod -R go-rwx "$root$d"
        done
        # The second node lives on another disk, reached through a symbolic
        # link (relative, so that it resolves from the host's side too).
        install -d -m 0755 "$root$IRM_DISK2"
        mv "$root/var/vmail/vmail2" "$root$IRM_DISK2/vmail2"
        ln -s "../..$IRM_DISK2/vmail2" "$root/var/vmail/vmail2"
        irm_mlmmj "$root"
    fi
}

# irm_target_domain ROOT BACKEND DOMAIN ALIAS: a fresh target's one mail
# domain, with an alias domain, as iRedAdmin adds them (system users moving
# into iRedMail become its mailboxes): rows run by setup.sh, or entries
# added to the directory now (slapd is not running yet).
irm_target_domain() {
    local root=$1 be=$2 d=$3 al=$4 now
    # its amavisd signs as its one domain, with a key of its own (not the
    # first domain's irm_prep made)
    rm -f "$root/var/lib/dkim/${IRM_DOMAINS[0]}.pem"
    irm_amavis "$root" "$d"
    now="'2026-01-01 00:00:00'"
    if [ "$be" = openldap ]; then
        printf '%s\n' "dn: domainName=$d,$IRM_LDAP_BASEDN" 'objectClass: mailDomain' "domainName: $d" \
            "domainAliasName: $al" 'mtaTransport: dovecot' 'accountStatus: active' 'enabledService: mail' '' \
            "dn: ou=Users,domainName=$d,$IRM_LDAP_BASEDN" 'objectClass: organizationalUnit' 'ou: Users' '' \
            "dn: ou=Groups,domainName=$d,$IRM_LDAP_BASEDN" 'objectClass: organizationalUnit' 'ou: Groups' '' \
            "dn: ou=Aliases,domainName=$d,$IRM_LDAP_BASEDN" 'objectClass: organizationalUnit' 'ou: Aliases' '' \
            >"$root$IRM_LIB/domain.ldif"
        chroot "$root" slapadd -q -f /etc/ldap/slapd.conf -b "$IRM_LDAP_SUFFIX" -l "$IRM_LIB/domain.ldif"
        chroot "$root" chown -R openldap:openldap /var/lib/ldap
    else
        printf '%s\n' "INSERT INTO domain (domain, description, transport, settings, created, active) VALUES ('$d', 'lab domain', 'dovecot', '', $now, 1);" \
            "INSERT INTO alias_domain (alias_domain, target_domain, created, active) VALUES ('$al', '$d', $now, 1);" \
            >"$root$IRM_LIB/seed-vmail.sql"
    fi
}

# irm_data_units BACKEND: the units an iRedMail host of BACKEND runs its
# databases (and directory) with
irm_data_units() {
    case $1 in mariadb) echo mariadb ;; pgsql) echo postgresql ;; openldap) echo slapd mariadb ;;
        *) lab_die "unknown iRedMail backend '$1' (LAB_BACKEND: mariadb, pgsql or openldap)" ;; esac
}

irm_post() { # HOST
    lab_ssh "$1" "bash $IRM_LIB/setup.sh && rm -rf $IRM_LIB" </dev/null
    # amavisd (perl) takes a few seconds to listen: outgoing mail waits for it
    # shellcheck disable=SC2016 # for the host's shell
    lab_ssh "$1" 'for i in $(seq 1 240); do
        (exec 3<>/dev/tcp/127.0.0.1/10026) 2>/dev/null && exit 0; sleep 0.25; done
        systemctl status --no-pager amavis; exit 1' </dev/null ||
        lab_die "$1: amavisd does not listen on 127.0.0.1:10026"
}
