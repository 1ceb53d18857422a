# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario iredmail-pgsql: iRedMail 1.8.1 PGSQL edition on both hosts (every database
# in PostgreSQL); the source holds the seeded users and mail, the target is fresh.
SC_STACK=iredmail
SC_BACKEND=pgsql
SC_UNITS_source="postgresql dovecot postfix amavis"
SC_UNITS_target="postgresql dovecot postfix amavis"
sc_prep() { irm_prep "$1" pgsql; }
sc_post() { irm_post "$1"; }
