# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# test-dkim-source: on the target, the key that signed the test step's
# outgoing message ($b/test-outbound.dkim, test-outbound.sh) is one of the
# old server's: its keys' list on stdin (dkim-fingerprints.sh as the old
# server ran it: NAME.pem SHA256 a line).  The DNS publishes the old
# server's public keys: mail signed with any other key fails DKIM at every
# receiver.
read -r fp key < "$b/test-outbound.dkim" 2>/dev/null || { echo "no signing key recorded in $b/test-outbound.dkim: the check before records it" >&2; exit 1; }
[[ $fp =~ ^[0-9a-f]{64}$ ]] || { echo "$b/test-outbound.dkim does not hold a key fingerprint" >&2; exit 1; }
old=$(awk -v fp="$fp" '$2 == fp { print $1; exit }')
if [ -n "$old" ]; then
  echo "the key that signed it, ${key//[^[:print:]]/?}, is the old server's ${old//[^[:print:]]/?} (sha256 $fp): receivers find it in the DNS"
  exit 0
fi
echo "the key that signed it (${key//[^[:print:]]/?}, sha256 $fp) is none of the old server's: receivers check signatures against the old server's keys, which the DNS publishes" >&2
echo "  the dkim step copies them; amavisd's dkim_key lines must name them (amavisd showkeys), and amavisd must be restarted after the copy" >&2
exit 1
