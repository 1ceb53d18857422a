# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario sendmail-mbox: source = sendmail + Dovecot, mbox in /var/mail/USER and
# ~/mail/ folders, users in passwd/shadow (yescrypt and sha512-crypt), POP3 on with an
# explicit pop3_uidl_format; target = fresh Postfix + Dovecot with Maildir.
SC_STACK=sendmail-mbox
SC_STACK_target=postfix-dovecot
SC_UNITS_source="dovecot sendmail"
SC_UNITS_target="dovecot postfix"
sc_prep() {
    local root
    root=$(lab_root "$1")
    if [ "$1" = source ]; then
        sys_dovecot "$root" 'mbox:~/mail:INBOX=/var/mail/%u'
        sys_users "$root" mbox
        sys_mail_files "$root" mbox
        sys_sendmail "$root"
    else
        sys_dovecot "$root" 'maildir:~/Maildir'
        sys_postfix "$root"
    fi
}
sc_post() { sys_post "$1"; }
sc_layer() { [ "$1" != source ] || lab_layer sendmail sys_sendmail_layer; }
