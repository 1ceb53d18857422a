# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario iredmail-openldap: iRedMail 1.8.1 OPENLDAP edition on both hosts: accounts
# in slapd (iredmail.schema, o=domains,dc=example,dc=com), the other databases
# (amavisd, iredadmin, iredapd, roundcubemail) in MariaDB as iRedMail does.
SC_STACK=iredmail
SC_BACKEND=openldap
SC_UNITS_source="slapd mariadb dovecot postfix amavis"
SC_UNITS_target="slapd mariadb dovecot postfix amavis"
sc_prep() { irm_prep "$1" openldap; }
sc_post() { irm_post "$1"; }
