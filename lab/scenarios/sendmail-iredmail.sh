# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario sendmail-iredmail: source as in sendmail-mbox (sendmail + Dovecot, mbox
# in /var/mail/USER and ~/mail/, system users, POP3, aliases, .forward, procmail);
# target = a fresh iRedMail 1.8.1 of the backend LAB_BACKEND (mariadb, pgsql or
# openldap; default mariadb) with one domain, lab.test, and the old host's name
# source.lab.test as its alias domain: the users become its mailboxes.
SC_STACK=sendmail-mbox
SC_STACK_target=iredmail
SC_BACKEND_target=${LAB_BACKEND:-mariadb}
SC_UNITS_source="dovecot sendmail"
SC_UNITS_target="$(irm_data_units "$SC_BACKEND_target") dovecot postfix amavis"
sc_prep() {
    local root
    root=$(lab_root "$1")
    if [ "$1" = source ]; then
        sys_dovecot "$root" 'mbox:~/mail:INBOX=/var/mail/%u'
        sys_users "$root" mbox
        sys_mail_files "$root" mbox
        sys_sendmail "$root"
    else
        irm_prep "$1" "$SC_BACKEND_target"
        irm_target_domain "$root" "$SC_BACKEND_target" lab.test source.lab.test
    fi
}
sc_post() { if [ "$1" = source ]; then sys_post "$1"; else irm_post "$1"; fi; }
sc_layer() { [ "$1" != source ] || lab_layer sendmail sys_sendmail_layer; }
