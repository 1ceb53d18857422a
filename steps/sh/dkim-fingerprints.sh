# shellcheck shell=bash
# dkim-fingerprints: run in the DKIM directory, prints NAME.pem SHA256 for
# each key, the digest of its public half (what the DNS publishes), sorted.
for f in *.pem; do
  if [ -L "$f" ]; then echo "${f//[^[:print:]]/?} is a symbolic link: left out (the source may be compromised)" >&2; continue; fi
  [ -f "$f" ] || continue
  fp=$(openssl pkey -in "$f" -pubout -outform DER | sha256sum) || { echo "cannot read the key $f" >&2; exit 1; }
  echo "$f ${fp%% *}"
done | LC_ALL=C sort
