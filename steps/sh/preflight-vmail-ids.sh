# shellcheck shell=bash
# shellcheck disable=SC2154 # ids: the prologue's
# preflight-vmail-ids: the vmail user has the same uid:gid on both servers.
# Run on the target, the source's uid:gid on stdin.
# Prologue: ids (the command that prints vmail's uid:gid, the one the source
# ran; run here as it is).
# Prints both and the table's row; fails when they differ (advisory).
src=$(cat)
dst=$(eval "$ids")
echo "vmail uid:gid on the source $src, on the target $dst"
echo "mailshift-figure vmail-ids $src $dst"
[ "$src" = "$dst" ] || { echo 'vmail ids differ: the copy keeps numbers, the chown step fixes owners; check mail_uid/mail_gid in the target dovecot.conf' >&2; exit 1; }
