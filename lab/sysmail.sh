# shellcheck shell=bash
# Classic mail hosts with system users (uid >= 1000): Postfix or sendmail + Dovecot.
# Used by lab/scenarios/postfix-dovecot.sh and sendmail-mbox.sh.

SYS_LIB=/usr/local/lib/mailshift-lab   # setup files inside a host, removed after setup

# sys_users ROOT FORMAT : create the seeded users (uid 1001.., own group, bash) with
# yescrypt (even index) or sha512-crypt (odd) hashes and seed their mail
# (FORMAT maildir: ~/Maildir; mbox: /var/mail/USER + ~/mail/).
sys_users() {
    local root=$1 fmt=$2 i u uid hash
    for ((i = 0; i < LAB_USERS; i++)); do
        u=$(lab_user_name "$i") uid=$((1001 + i))
        chroot "$root" groupadd -g "$uid" "$u"
        chroot "$root" useradd -m -u "$uid" -g "$uid" -s /bin/bash -c "Lab user $u" "$u"
        if [ $((i % 2)) -eq 0 ]; then hash=$(mkpasswd -m yescrypt "$(lab_password "$u")")
        else hash=$(mkpasswd -m sha512crypt "$(lab_password "$u")"); fi
        echo "$u:$hash" | chroot "$root" chpasswd -e
        if [ "$fmt" = maildir ]; then
            lab_seed_maildir "$root" "$i" "$u" "/home/$u/Maildir" "$uid" "$uid"
        else
            lab_seed_mbox "$root" "$i" "$u" "/home/$u" "$uid" "$uid"
        fi
    done
    chmod 0700 "$root"/home/*/
}

# Aliases, a .forward and a .procmailrc, as found on such servers.
sys_mail_files() { # root format(maildir|mbox)
    local root=$1 fmt=$2 u0 u1 u2
    u0=$(lab_user_name 0); u1=$(lab_user_name 1); u2=$(lab_user_name 2)
    cat >>"$root/etc/aliases" <<EOF
# mailshift lab aliases
webmaster: $u0
sales: $u0, $u1
abuse: root
lab-archive: "|/usr/bin/logger -t lab-archive"
EOF
    [ "$LAB_USERS" -ge 2 ] || sed -i "s/, $u1\$//" "$root/etc/aliases"
    # user 0 keeps a copy and forwards one to user 1 (or only keeps one).
    if [ "$LAB_USERS" -ge 2 ]; then
        printf '\\%s\n%s\n' "$u0" "$u1" >"$root/home/$u0/.forward"
    else
        printf '\\%s\n' "$u0" >"$root/home/$u0/.forward"
    fi
    chown "$(awk -F: -v u="$u0" '$1 == u {print $3 ":" $4}' "$root/etc/passwd")" "$root/home/$u0/.forward"
    # The last seeded user (or user 2) files invoices with procmail.
    [ "$LAB_USERS" -ge 3 ] || u2=$u0
    # shellcheck disable=SC2016 # $HOME is for procmail
    if [ "$fmt" = maildir ]; then
        printf '%s\n' '# mailshift lab: procmail recipes' 'MAILDIR=$HOME/Maildir/' \
            'DEFAULT=$HOME/Maildir/' ':0' '* ^Subject:.*invoice' '.Invoices/'
    else
        printf '%s\n' '# mailshift lab: procmail recipes' 'MAILDIR=$HOME/mail' ':0:' \
            '* ^Subject:.*invoice' 'invoices'
    fi >"$root/home/$u2/.procmailrc"
    chown "$(awk -F: -v u="$u2" '$1 == u {print $3 ":" $4}' "$root/etc/passwd")" "$root/home/$u2/.procmailrc"
    chmod 0644 "$root/home/$u0/.forward" "$root/home/$u2/.procmailrc"
}

# Dovecot on top of Debian's configuration (conf.d stays; local.conf overrides).
sys_dovecot() { # root mail_location
    cat >"$1/etc/dovecot/local.conf" <<EOF
# mailshift lab overrides (Debian's conf.d/ still applies)
mail_location = $2
disable_plaintext_auth = no
ssl = yes
ssl_cert = </etc/lab-tls/cert.pem
ssl_key = </etc/lab-tls/key.pem
pop3_uidl_format = %08Xu%08Xv
namespace inbox {
    separator = /
}
EOF
}

# Both hosts deliver the mail domain, lab.test; the target, prepared to take
# over, also the old host's name (the cutover relays it there).
sys_postfix() { # root
    local root=$1 h also=
    h=$(cat "$root/etc/hostname")
    [ "$h" != target ] || also=" source.lab.test,"
    postconf -c "$root/etc/postfix" -e "myhostname = $h.lab.test" 'mydomain = lab.test' \
        "mydestination = \$myhostname, $h, \$mydomain,$also localhost.localdomain, localhost" \
        'inet_interfaces = all' 'inet_protocols = ipv4' \
        'mynetworks = 127.0.0.0/8 10.200.0.0/24' 'relayhost =' 'home_mailbox = Maildir/' \
        'mailbox_command =' \
        'smtpd_tls_cert_file = /etc/lab-tls/cert.pem' 'smtpd_tls_key_file = /etc/lab-tls/key.pem'
    chroot "$root" newaliases
    # users send through port 587: TLS, then SASL through Dovecot's auth
    # socket (the setup Postfix's and Dovecot's documentation give)
    cat >>"$root/etc/postfix/master.cf" <<'EOF'
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
  -o smtpd_sasl_type=dovecot
  -o smtpd_sasl_path=private/auth
  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
EOF
    cat >"$root/etc/dovecot/conf.d/99-lab-sasl.conf" <<'EOF'
# mailshift lab: Postfix's SASL (submission) asks Dovecot
service auth {
  unix_listener /var/spool/postfix/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
EOF
}

# Roundcube database in PostgreSQL (Debian's roundcube-core layout: /etc/roundcube).
sys_roundcube_pg() { # root with-rows(yes|no)
    local root=$1 rows=$2 pw i u
    pw=$(openssl rand -hex 12)
    install -d -m 0700 "$root$SYS_LIB"
    cp /usr/share/roundcube/SQL/postgres.initial.sql "$root$SYS_LIB/schema.sql"
    : >"$root$SYS_LIB/seed.sql"
    if [ "$rows" = yes ]; then
        for ((i = 0; i < LAB_USERS; i++)); do
            u=$(lab_user_name "$i")
            echo "INSERT INTO users (username, mail_host, created, language, preferences) VALUES ('$u', 'localhost', '2024-01-01 00:00:00', 'en_US', 'a:0:{}');"
            echo "INSERT INTO identities (user_id, changed, del, standard, name, email, html_signature) SELECT user_id, '2024-01-01 00:00:00', 0, 1, '$u', '$u@lab.test', 0 FROM users WHERE username='$u';"
        done >"$root$SYS_LIB/seed.sql"
    fi
    cat >"$root/etc/roundcube/debian-db.php" <<EOF
<?php
// mailshift lab: Roundcube database (PostgreSQL)
\$dbuser='roundcube';
\$dbpass='$pw';
\$basepath='';
\$dbname='roundcubemail';
\$dbserver='localhost';
\$dbport='5432';
\$dbtype='pgsql';
EOF
    chown 0:33 "$root/etc/roundcube/debian-db.php"; chmod 0640 "$root/etc/roundcube/debian-db.php"
    cat >"$root$SYS_LIB/setup.sh" <<SH
#!/bin/bash
# mailshift lab: create the Roundcube database (run once, then removed).
set -euo pipefail
$(lab_pg_preamble "$SYS_LIB")
pg -c "CREATE ROLE roundcube LOGIN PASSWORD '$pw'"
pg -c "CREATE DATABASE roundcubemail OWNER roundcube ENCODING 'UTF8' TEMPLATE template0"
pg -d roundcubemail <schema.sql
pg -d roundcubemail <seed.sql
pg -d roundcubemail -c "GRANT ALL ON ALL TABLES IN SCHEMA public TO roundcube; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO roundcube"
SH
}

# Run the host's setup script if prep wrote one.
sys_post() { # host
    lab_ssh "$1" "if [ -f $SYS_LIB/setup.sh ]; then bash $SYS_LIB/setup.sh; fi; rm -rf $SYS_LIB" </dev/null
}

# Layer with sendmail installed in place of Postfix (built once, cached by lab_layer;
# the packages were fetched on the machine by lab/install-deps).
sys_sendmail_layer() { # root (overlay of /, /proc mounted, policy-rc.d in place)
    local root=$1 p d debs=()
    for p in libmilter1.0.1 sendmail-base sendmail-cf sendmail-bin sensible-mda sendmail; do
        d=$(compgen -G "$LAB_DEBS/${p}_*.deb" | head -n1) ||
            lab_die "sendmail packages missing in $LAB_DEBS (run lab/install-deps)"
        debs+=("$d")
    done
    mkdir -p "$root/tmp/lab-debs"
    cp "${debs[@]}" "$root/tmp/lab-debs/"
    chroot "$root" sh -c 'export DEBIAN_FRONTEND=noninteractive
        dpkg --purge postfix-mysql postfix-pgsql postfix-ldap postfix &&
        dpkg -i /tmp/lab-debs/*.deb' >"$LAB_VAR/cache/sendmail.log" 2>&1 ||
        { lab_log "see $LAB_VAR/cache/sendmail.log"; return 1; }
    rm -rf "$root/tmp/lab-debs"
}

# sendmail for this host: listen on the lab network too (Debian's default is
# 127.0.0.1 only), accept mail for the host's names; the lab has no DNS, so
# sendmail neither asks it for the senders' domains nor to canonify names.
sys_sendmail() { # root
    local root=$1 h
    h=$(cat "$root/etc/hostname")
    sed -i -e "/^DAEMON_OPTIONS(\`Family=inet,  *Name=MTA-v4/c DAEMON_OPTIONS(\`Family=inet, Name=MTA-v4, Port=smtp')dnl" \
        -e '/Family=inet6/d' -e '/Name=MSP-v4/d' \
        -e "0,/^MAILER(/s//FEATURE(\`accept_unresolvable_domains')dnl\nFEATURE(\`nocanonify')dnl\nMAILER(/" \
        "$root/etc/mail/sendmail.mc"
    printf '%s.lab.test\n%s\nlab.test\nlocalhost\n' "$h" "$h" >"$root/etc/mail/local-host-names"
    # the target, prepared to take over, takes the old host's name too
    [ "$h" != target ] || echo source.lab.test >>"$root/etc/mail/local-host-names"
    chroot "$root" sh -c 'cd /etc/mail && m4 sendmail.mc >sendmail.cf && newaliases' >/dev/null 2>&1
}
