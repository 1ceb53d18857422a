# shellcheck shell=bash disable=SC2034
# (SC2034: the SC_* settings are read by lab/up.)
# Scenario base: two empty hosts with sshd only (infrastructure checks).
SC_STACK=postfix-dovecot
SC_UNITS_source=""
SC_UNITS_target=""
sc_prep() { :; }
sc_post() { :; }
