# shellcheck shell=bash
# shellcheck disable=SC2154 # b conf suffix: the prologue's and the LDAP lookup's
# accounts-export: exports the source's directory with slapcat.  Run on the
# source, after the text that finds slapd's configuration and suffix (conf,
# suffix).
# Prologue: b (the backup directory).
# Writes $b/dump/ldap.ldif; prints how many entries.
d=$b/dump
# shellcheck disable=SC2174 # 0700 is for the dump directory itself, not its parents
mkdir -p -m 0700 -- "$d" || exit 1
slapcat "${conf[@]}" -b "$suffix" -l "$d/ldap.ldif.part" && mv -- "$d/ldap.ldif.part" "$d/ldap.ldif" || exit 1
echo "exported $(grep -c '^dn:' "$d/ldap.ldif") entries under $suffix"
