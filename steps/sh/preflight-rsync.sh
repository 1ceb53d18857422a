# shellcheck shell=bash
# shellcheck disable=SC2154 # host: the prologue's
# preflight-rsync: installs rsync where it is missing (the copies need it on
# both servers).  Run on both.
# Prologue: host ("source" or "target").
# Prints rsync's path, or installs it with apt-get, dnf or yum; fails when
# there is none of them or rsync is still missing.
if command -v rsync >/dev/null; then echo "rsync is installed: $(command -v rsync)"
else
echo "rsync is missing on the $host: installing it"
if command -v apt-get >/dev/null; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q rsync </dev/null
elif command -v dnf >/dev/null; then dnf install -y rsync </dev/null
elif command -v yum >/dev/null; then yum install -y rsync </dev/null
else echo 'no apt-get, dnf or yum here: install rsync by hand' >&2; exit 1; fi
command -v rsync >/dev/null || { echo 'rsync is still missing' >&2; exit 1; }
fi
