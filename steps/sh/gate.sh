# shellcheck shell=sh
# gate: the forced command of the one-off key of mailshift, installed beside its
# rsyncd.conf by authkey.sh on the source (~/.ssh/mailshift-migration/) and
# named in the line of the key in authorized_keys.  Whatever the target asks for,
# sshd runs this instead; it grants three things, and nothing else:
#   true                       the key opens this server
#   mailshift-address          the address the target comes from, as seen here
#   rsync --server --daemon .  rsync as a single-use daemon of rsyncd.conf:
#                              reading only (no upload, no removal, no log
#                              file the client names)
# A compromised target, or a stolen key, can read this server through it, as
# the migration must; it cannot change it or run a command on it.
case ${SSH_ORIGINAL_COMMAND-} in
  true) exit 0 ;;
  mailshift-address) printf "%s\n" "${SSH_CLIENT%% *}" ;;
  "rsync --server --daemon .") exec rsync --server --daemon --config="${0%/*}/rsyncd.conf" . ;;
  *)
    logger -t mailshift -p auth.warning "the one-off key of the migration was refused a command" 2>/dev/null
    echo "the one-off key of mailshift only reads this server (rsync) and answers true: refused" >&2
    exit 1 ;;
esac
