# shellcheck shell=bash
# ldap-suffix: sets conf (-f FILE for a slapd.conf, else none: cn=config) and
# suffix (the prologue's, ldap_suffix; empty: slapd's first); fails without one.
conf=()
for c in /etc/ldap/slapd.conf /etc/openldap/slapd.conf; do
  [ -f "$c" ] && { conf=(-f "$c"); break; }
done
if [ -n "$suffix" ]; then :
elif [ ${#conf[@]} -gt 0 ]; then
  suffix=$(sed -n "s/^suffix[[:space:]]*//p" "${conf[1]}" | tr -d "\"" | awk 'NR == 1')
else
  suffix=$(slapcat -n 0 2>/dev/null | sed -n "s/^olcSuffix: //p" | awk 'NR == 1')
fi
[ -n "$suffix" ] || { echo "cannot find the LDAP suffix: set ldap_suffix in [options]" >&2; exit 1; }
