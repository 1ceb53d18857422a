# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario sendmail-sendmail: source as in sendmail-mbox (sendmail + Dovecot, mbox
# in /var/mail/USER and ~/mail/, system users, POP3); target = a fresh sendmail +
# Dovecot keeping mbox the same way, taking mail for the old host's name too.
SC_STACK=sendmail-mbox
SC_UNITS_source="dovecot sendmail"
SC_UNITS_target="dovecot sendmail"
sc_prep() {
    local root
    root=$(lab_root "$1")
    sys_dovecot "$root" 'mbox:~/mail:INBOX=/var/mail/%u'
    if [ "$1" = source ]; then
        sys_users "$root" mbox
        sys_mail_files "$root" mbox
    fi
    sys_sendmail "$root"
}
sc_post() { sys_post "$1"; }
sc_layer() { lab_layer sendmail sys_sendmail_layer; }
