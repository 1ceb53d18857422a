# shellcheck shell=bash
# shellcheck disable=SC2154 # k m: the prologue's
# sshkey-create: on the target, creates the one-off key pair the target pulls
# from the source with (ed25519, no passphrase, commented with the marker),
# or keeps a whole pair an earlier run made.
# Prologue: k (the private key's path; the public key is $k.pub), m (the
# marker: "mailshift-migration USER@TARGET").
# Fails when only half of a pair is there.
# shellcheck disable=SC2174 # -m for the key's directory only: its parents stay as they are
mkdir -p -m 0700 -- "${k%/*}"
if [ -e "$k" ] || [ -e "$k.pub" ]; then
  { [ -f "$k" ] && [ -f "$k.pub" ]; } || { echo "$k or $k.pub is missing: remove what is left of the pair and run this step again" >&2; exit 1; }
  echo "keeping the key of an earlier run: $k"
else
  ssh-keygen -q -t ed25519 -N "" -C "$m" -f "$k"
  echo "created $k"
fi
