# shellcheck shell=bash
# preflight-domains: the target takes mail, as its final destination, for
# every domain the source delivers locally (the source's on stdin, one a
# line: what steps_domains_cmd printed there).  At the cutover the old
# server relays these domains to the new one: a domain the new one does not
# take would be bounced back to its senders.  Run on the target.
# Its own domains: Postfix's mydestination, virtual_mailbox_domains and
# virtual_alias_domains, a list or a lookup table (postmap -q); sendmail's
# local-host-names (class w).  Prologue: mta (the target's: postfix or
# sendmail; "" is postfix).
# Prints each domain and how the target takes it; fails naming the others.
export LC_ALL=C
if [ "${mta:-postfix}" = sendmail ]; then
  mine=$(sed 's/#.*//' /etc/mail/local-host-names 2>/dev/null | tr '[:blank:]' '\n' | awk 'NF { print tolower($0) }')
  tables=
  own=local-host-names
  fix="Add them to the target's /etc/mail/local-host-names (and restart sendmail)"
else
  mine=$(postconf -x -h mydestination | tr ',[:blank:]' '\n' | awk '{ print tolower($0) }')
  tables=$(postconf -x -h virtual_mailbox_domains virtual_alias_domains | tr ',[:blank:]' '\n' | grep -v '^$' || :)
  own=mydestination
  fix="Add them to the target's mydestination (postconf -e \"mydestination = \$(postconf -h mydestination), LIST\"; postfix reload)"
fi
n=0 bad=()
while IFS= read -r d; do
  d=${d,,}
  [ -n "$d" ] || continue
  if ! [[ $d =~ ^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$ ]]; then
    echo "not a domain name: ${d//[^[:print:]]/?}" >&2; exit 1
  fi
  n=$((n + 1))
  if grep -qxF -- "$d" <<<"$mine"; then echo "$d: the target delivers it locally ($own)"; continue; fi
  how=
  while IFS= read -r t; do
    case $t in
      # (a proxy: table asked directly: the proxy needs Postfix running)
      *:*) if postmap -q "$d" "${t#proxy:}" >/dev/null 2>&1; then how=$t; break; fi ;;
      *) if [ "${t,,}" = "$d" ]; then how=$t; break; fi ;;
    esac
  done <<<"$tables"
  if [ -n "$how" ]; then echo "$d: the target takes it ($how)"; else bad+=("$d"); fi
done
[ "$n" -gt 0 ] || { echo 'the source named no mail domain it delivers locally (its mydestination, or local-host-names)' >&2; exit 1; }
if [ ${#bad[@]} -gt 0 ]; then
  list=$(printf '%s, ' "${bad[@]}")
  list=${list%, }
  echo "the target does not take mail for: $list. At the cutover the old server relays its domains to the new one, which would bounce that mail. ${fix//LIST/$list}, or take those no mail is sent to out of the source's mydestination (sendmail: local-host-names); then run pre-flight again" >&2
  exit 1
fi
echo "the target takes mail for all $n domain(s) the source delivers locally"
