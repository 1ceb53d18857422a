# shellcheck shell=bash
# shellcheck disable=SC2154 # b passwords_awk conf suffix: the prologue's and the LDAP lookup's
# accounts-replace: replaces the target's directory with the source's.  Run
# on the target under set -e, after the text that finds slapd's
# configuration and suffix (conf, suffix), and after accounts-save.sh.
# Prologue: b (the backup directory: dump/ldap.ldif, target-before/),
# passwords_awk (accounts-passwords.awk).
# Stops slapd, moves its database directory aside (kept as
# DIR.mailshift-before, or DIR.mailshift-failed-DATE when that exists),
# loads the source's LDIF with slapadd (cn=vmail and cn=vmailadmin keep the
# target's passwords), gives the files back to slapd's user, starts slapd.
f=$b/dump/ldap.ldif
if [ ${#conf[@]} -gt 0 ]; then
  dir=$(awk -v s="$suffix" '$1 == "suffix" {gsub(/"/, "", $2); cur = $2} $1 == "directory" && cur == s {print $2; exit}' "${conf[1]}")
else
  dir=$(slapcat -n 0 -a "(olcSuffix=$suffix)" | sed -n 's/^olcDbDirectory: //p')
fi
# shellcheck disable=SC2015 # fails when either test fails, as meant
[ -n "$dir" ] && [ -d "$dir" ] || { echo "cannot find the database directory of $suffix" >&2; exit 1; }
owner=$(stat -c %U:%G -- "$dir")
systemctl stop slapd </dev/null >/dev/null 2>&1
keep="$dir.mailshift-before"
[ -e "$keep" ] && keep="$dir.mailshift-failed-$(date +%Y%m%d-%H%M%S)"
mv -- "$dir" "$keep" && echo "the target's database files are kept in $keep"
mkdir -m 0700 -- "$dir"
[ ! -e "$keep/DB_CONFIG" ] || cp -p -- "$keep/DB_CONFIG" "$dir/"
# The services bind as cn=vmail and cn=vmailadmin with the target's own
# passwords: those two entries keep the target's userPassword.
awk -v keep="$b/target-before/ldap.ldif" "$passwords_awk" "$f" > "$f.import"
slapadd "${conf[@]}" -q -b "$suffix" -l "$f.import"
chown -R "$owner" -- "$dir"
systemctl start slapd </dev/null >/dev/null 2>&1
echo "imported $(grep -c '^dn:' "$f") entries under $suffix"
