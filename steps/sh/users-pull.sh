# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# users-pull: on the target, the source's account files fetched through the
# one-off key's read-only gate (ms_pull, lib-target.sh) into $b/users/
# (0700, each file 0600): passwd, shadow, group, then gshadow and
# login.defs where the source has them.  The hashes in shadow go from the
# source's disk to this one's and nowhere else: never through mailshift,
# its log, journal or runbook, nor on a command line.  users-accept.sh reads
# them, as hostile input.
# Prologue: b, ssh, origin (lib.sh and lib-target.sh before this).
export LC_ALL=C
umask 077
u=$b/users
mkdir -p -- "$u" && chmod 0700 -- "$u" || exit 1
# an earlier pull's files go first: a file the source no longer has is not used
rm -f -- "$u/passwd" "$u/shadow" "$u/group" "$u/gshadow" "$u/login.defs"
ms_pull "$u" /etc/passwd /etc/shadow /etc/group ||
  { echo "could not fetch the source's /etc/passwd, shadow and group" >&2; exit 1; }
# without gshadow the groups have no passwords and admins; without
# login.defs UID_MIN is 1000 (users-accept.sh says so)
for f in /etc/gshadow /etc/login.defs; do
  if ! e=$(ms_pull "$u" "$f" 2>&1); then
    e=$(printf '%s' "$e" | head -n 1 | cut -c 1-200)
    echo "the source has no readable $f, going on without it (rsync: ${e//[^[:print:]]/?})"
  fi
done
for f in passwd shadow group gshadow login.defs; do
  if [ -L "$u/$f" ] || { [ -e "$u/$f" ] && [ ! -f "$u/$f" ]; }; then
    echo "the source's $f did not arrive as a plain file" >&2; exit 1
  fi
  [ ! -f "$u/$f" ] || chmod 0600 -- "$u/$f" || exit 1
done
echo "the source's account files are in $u: $(cd -- "$u" && for f in passwd shadow group gshadow login.defs; do [ ! -f "$f" ] || printf '%s ' "$f"; done)"
