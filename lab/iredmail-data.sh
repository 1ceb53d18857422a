# shellcheck shell=bash
# Data for the iRedMail-shaped hosts (sourced by lab/iredmail.sh): the seeded accounts'
# SQL rows per database, the stand-in iRedAdmin / iRedAPD tables, and the LDIF tree.

# Seed rows for one database (SQL valid for MariaDB and PostgreSQL, unqualified names).
irm_seed_sql() { # db
    local db=$1 i addr d md l base node now="'2024-01-01 00:00:00'"
    case $db in
        vmail)
            for d in "${IRM_DOMAINS[@]}"; do
                echo "INSERT INTO domain (domain, description, transport, settings, created, active) VALUES ('$d', 'lab domain', 'dovecot', '', $now, 1);"
                echo "INSERT INTO admin (username, password, name, language, created, active) VALUES ('postmaster@$d', $(irm_sql_quote "$(doveadm pw -s SSHA512 -p "$(irm_pw)")"), 'Postmaster', 'en_US', $now, 1);"
                echo "INSERT INTO domain_admins (username, domain, created, active) VALUES ('postmaster@$d', 'ALL', $now, 1);"
                echo "INSERT INTO alias (address, name, domain, created, active) VALUES ('abuse@$d', 'abuse', '$d', $now, 1);"
                echo "INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_alias, active) VALUES ('abuse@$d', 'postmaster@$d', '$d', '$d', 1, 1);"
            done
            # the mlmmj list (irm_mlmmj) as iRedMail records it: its transport, and
            # the forwarding that makes Postfix accept its address
            d=${IRM_DOMAINS[0]}
            echo "INSERT INTO maillists (address, domain, transport, name, mlid, active) VALUES ('announce@$d', '$d', 'mlmmj:$d/announce', 'announce', 'mailshift-lab-announce', 1);"
            echo "INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_maillist, active) VALUES ('announce@$d', 'announce@$d', '$d', '$d', 1, 1);" ;;
        amavisd) echo "INSERT INTO policy (id, policy_name) VALUES (1, '@.');" ;;
        iredapd) echo "INSERT INTO greylisting (id, account, priority, sender, sender_priority, active) VALUES (1, '@.', 0, '@.', 0, 1);" ;;
    esac
    for ((i = 0; i < LAB_USERS; i++)); do
        addr=$(irm_addr "$i") d=${addr#*@} l=$(lab_user_name "$i")
        case $db in
            vmail)
                md=$(irm_maildir "$i" "$addr")
                read -r base node <<<"$(irm_store "$i" "$addr")"
                echo "INSERT INTO mailbox (username, password, name, language, storagebasedirectory, storagenode, maildir, quota, domain, passwordlastchange, created, active) VALUES ('$addr', $(irm_sql_quote "$(doveadm pw -s SSHA512 -p "$(lab_password "$addr")")"), '$l', 'en_US', '$base', '$node', '$md', 1024, '$d', $now, $now, 1);"
                echo "INSERT INTO forwardings (address, forwarding, domain, dest_domain, is_forwarding, active) VALUES ('$addr', '$addr', '$d', '$d', 1, 1);" ;;
            amavisd)
                echo "INSERT INTO users (priority, policy_id, email, fullname) VALUES (10, 1, '$addr', '$l');" ;;
            roundcubemail)
                echo "INSERT INTO users (username, mail_host, created, language, preferences) VALUES ('$addr', '127.0.0.1', $now, 'en_US', 'a:0:{}');"
                echo "INSERT INTO identities (user_id, changed, del, standard, name, email, html_signature) SELECT user_id, $now, 0, 1, '$l', '$addr', 0 FROM users WHERE username='$addr';" ;;
            iredadmin)
                echo "INSERT INTO log (id, timestamp, admin, domain, username, event, loglevel, msg, ip) VALUES ($((i + 1)), $now, 'postmaster@$d', '$d', '$addr', 'create', 'info', 'Created user $addr.', '10.200.0.1');" ;;
            iredapd)
                echo "INSERT INTO throttle (id, account, kind, priority, period, msg_size, max_msgs, max_quota) VALUES ($((i + 1)), '$addr', 'outbound', 10, 3600, 0, 100, 0);" ;;
        esac
    done
}

# Stand-in schemas: iRedAdmin and iRedAPD ship theirs in their own tarballs, which are
# not available here. These are small labelled stand-ins with a few of their tables.
irm_standin_sql() { # db
    case $1 in
        iredadmin) cat <<'SQL'
-- STAND-IN (mailshift lab): a few tables shaped like iRedAdmin's, not its real schema.
CREATE TABLE log (id INTEGER PRIMARY KEY, timestamp TIMESTAMP NOT NULL,
  admin VARCHAR(255) NOT NULL, domain VARCHAR(255) NOT NULL, username VARCHAR(255) NOT NULL,
  event VARCHAR(20) NOT NULL, loglevel VARCHAR(10) NOT NULL, msg TEXT, ip VARCHAR(40));
CREATE TABLE sessions (session_id CHAR(128) PRIMARY KEY, atime TIMESTAMP, data TEXT);
CREATE TABLE settings (id INTEGER PRIMARY KEY, account VARCHAR(255), k VARCHAR(255), v TEXT);
SQL
        ;;
        iredapd) cat <<'SQL'
-- STAND-IN (mailshift lab): a few tables shaped like iRedAPD's, not its real schema.
CREATE TABLE throttle (id INTEGER PRIMARY KEY, account VARCHAR(255) NOT NULL,
  kind VARCHAR(10) NOT NULL, priority INTEGER NOT NULL, period INTEGER NOT NULL,
  msg_size INTEGER NOT NULL, max_msgs INTEGER NOT NULL, max_quota INTEGER NOT NULL);
CREATE TABLE greylisting (id INTEGER PRIMARY KEY, account VARCHAR(255) NOT NULL,
  priority INTEGER NOT NULL, sender VARCHAR(255) NOT NULL, sender_priority INTEGER NOT NULL,
  active INTEGER NOT NULL);
CREATE TABLE wblist_rdns (id INTEGER PRIMARY KEY, rdns VARCHAR(255) NOT NULL, wb VARCHAR(10) NOT NULL);
SQL
        ;;
    esac
}

# LDIF for the OpenLDAP backend (iRedMail's tree under o=domains).
irm_ldif() { # vmailpw vmailadminpw with-users(yes|no)
    local vpw=$1 apw=$2 users=$3 i d addr md l base node
    cat <<EOF
dn: $IRM_LDAP_SUFFIX
objectClass: dcObject
objectClass: organization
dc: example
o: example

dn: cn=vmail,$IRM_LDAP_SUFFIX
objectClass: person
objectClass: simpleSecurityObject
cn: vmail
sn: vmail
userPassword: $(slappasswd -s "$vpw")

dn: cn=vmailadmin,$IRM_LDAP_SUFFIX
objectClass: person
objectClass: simpleSecurityObject
cn: vmailadmin
sn: vmailadmin
userPassword: $(slappasswd -s "$apw")

dn: $IRM_LDAP_BASEDN
objectClass: organization
o: domains

dn: o=domainAdmins,$IRM_LDAP_SUFFIX
objectClass: organization
o: domainAdmins

EOF
    [ "$users" = yes ] || return 0
    for d in "${IRM_DOMAINS[@]}"; do
        cat <<EOF
dn: domainName=$d,$IRM_LDAP_BASEDN
objectClass: mailDomain
domainName: $d
mtaTransport: dovecot
accountStatus: active
enabledService: mail

dn: ou=Users,domainName=$d,$IRM_LDAP_BASEDN
objectClass: organizationalUnit
ou: Users

dn: ou=Groups,domainName=$d,$IRM_LDAP_BASEDN
objectClass: organizationalUnit
ou: Groups

dn: ou=Aliases,domainName=$d,$IRM_LDAP_BASEDN
objectClass: organizationalUnit
ou: Aliases

EOF
    done
    # the mlmmj list (irm_mlmmj) as iRedMail's LDAP backend records it: a
    # mailList entry with its transport
    d=${IRM_DOMAINS[0]}
    printf '%s\n' "dn: mail=announce@$d,ou=Groups,domainName=$d,$IRM_LDAP_BASEDN" \
        'objectClass: mailList' "mail: announce@$d" 'cn: announce' 'accountStatus: active' \
        'enabledService: mail' 'enabledService: deliver' 'enabledService: mlmmj' \
        "mtaTransport: mlmmj:$d/announce" 'mailingListID: mailshift-lab-announce' ''
    for ((i = 0; i < LAB_USERS; i++)); do
        addr=$(irm_addr "$i") d=${addr#*@} l=$(lab_user_name "$i")
        md=$(irm_maildir "$i" "$addr")
        read -r base node <<<"$(irm_store "$i" "$addr")"
        cat <<EOF
dn: mail=$addr,ou=Users,domainName=$d,$IRM_LDAP_BASEDN
objectClass: inetOrgPerson
objectClass: shadowAccount
objectClass: mailUser
mail: $addr
uid: $l
cn: $l
sn: $l
givenName: $l
userPassword: $(doveadm pw -s SSHA512 -p "$(lab_password "$addr")")
accountStatus: active
mailboxFormat: maildir
mailboxFolder: Maildir
storageBaseDirectory: $base
mailMessageStore: $node/$md
homeDirectory: $base/$node/$md
mailQuota: 1073741824
shadowLastChange: 19723
EOF
        for s in mail deliver lda lmtp smtp smtpsecured pop3 pop3secured pop3tls imap \
                 imapsecured imaptls managesieve managesievesecured sieve sievesecured \
                 internal doveadm lib-storage indexer-worker dsync quota-status; do
            echo "enabledService: $s"
        done
        echo
    done
}
