# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario iredmail-mariadb: iRedMail 1.8.1 MARIADB edition on both hosts; the source
# holds the seeded users and mail, the target is freshly installed (no users, no mail).
SC_STACK=iredmail
SC_BACKEND=mariadb
SC_UNITS_source="mariadb dovecot postfix amavis"
SC_UNITS_target="mariadb dovecot postfix amavis"
sc_prep() { irm_prep "$1" mariadb; }
sc_post() { irm_post "$1"; }
