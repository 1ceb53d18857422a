# shellcheck shell=bash
ldap_tier() { :; }
