# shellcheck shell=bash
# shellcheck disable=SC2154 # b conf suffix: the prologue's and the LDAP lookup's
# accounts-save: the source's directory has the target's suffix, and the
# target's own directory is saved before it is replaced.  Run on the target,
# after the text that finds slapd's configuration and suffix (conf, suffix).
# Prologue: b (the backup directory, with the source's dump/ldap.ldif).
# Writes $b/target-last/ldap.ldif (fresh before every replacement) and, once,
# $b/target-before/ldap.ldif; fails when the suffixes differ.
first=$(sed -n '1s/^dn: //p' "$b/dump/ldap.ldif")
[ "$first" = "$suffix" ] || { echo "the source's directory is $first, the target's $suffix: install the target with the same LDAP suffix" >&2; exit 1; }
# shellcheck disable=SC2174 # 0700 is for these two directories, not their parents
mkdir -p -m 0700 -- "$b/target-before" "$b/target-last" || exit 1
# fresh before every replacement (target-last); the state before the
# first one stays in target-before
slapcat "${conf[@]}" -b "$suffix" -l "$b/target-last/ldap.ldif.part" && mv -- "$b/target-last/ldap.ldif.part" "$b/target-last/ldap.ldif" || exit 1
[ -e "$b/target-before/ldap.ldif" ] || cp -p -- "$b/target-last/ldap.ldif" "$b/target-before/ldap.ldif" || exit 1
echo "saved $(grep -c '^dn:' "$b/target-last/ldap.ldif") entries in $b/target-last/ldap.ldif (the directory before mailshift first replaced it: $b/target-before/ldap.ldif)"
