# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario postfix-dovecot: source = Postfix + Dovecot with system users (uid >= 1000),
# Maildir in their homes, /etc/aliases, .forward, .procmailrc, and a Roundcube database
# in PostgreSQL; target = fresh Postfix + Dovecot (PostgreSQL running, empty).
SC_STACK=postfix-dovecot
SC_UNITS_source="postgresql dovecot postfix"
SC_UNITS_target="postgresql dovecot postfix"
sc_prep() {
    local root
    root=$(lab_root "$1")
    sys_dovecot "$root" 'maildir:~/Maildir'
    if [ "$1" = source ]; then
        sys_users "$root" maildir
        sys_mail_files "$root" maildir
        sys_roundcube_pg "$root" yes
    fi
    sys_postfix "$root"
}
sc_post() { sys_post "$1"; }
