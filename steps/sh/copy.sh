# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail login ssh phase leave_out: the prologue's
# copy: the target pulls the mail from the source with rsync, the mail store
# ($vmail) and every storage root discovery found ($b/discovery/roots.tsv,
# accepted here by pre-flight), each into the same path.
#
# Prologue: b, vmail, login (USER@HOST of the source), ssh (how the target
# reaches it: the one-off key), phase: bulk (while the source is live: adds and
# updates, deletes nothing; rsync's exit 24, files that vanished meanwhile, is
# expected) or final (the source is stopped: each root is made as on the
# source, deleting what users deleted meanwhile; nothing outside the roots is
# deleted); leave_out: a root left out on purpose (a test hook: empty).
#
# --info=progress2 reports each copy in place (bytes, percent, rate, time
# left); --no-inc-recursive lists the whole tree first, so the percentage is
# of the whole and -H knows every hard link before it copies one.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
rs=(rsync -aHAXs --numeric-ids --no-inc-recursive --stats -e "$ssh")
roots=() inside=()
while IFS="$(printf '\t')" read -r root _; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  if [ -n "$leave_out" ] && [ "$root" = "$leave_out" ]; then
    echo "TEST HOOK: $root is left out of the copy (MAILSHIFT_TEST_LEAVE_OUT)"; continue
  fi
  roots+=("$root")
  case $root/ in "$vmail"/*) inside+=(--exclude="/${root#"$vmail"/}/") ;; esac
done < "$r"
[ -z "$leave_out" ] || case $leave_out/ in "$vmail"/*) inside+=(--exclude="/${leave_out#"$vmail"/}/") ;; esac
pull() { # FROM TO [rsync options]: rsync's exit status, 24 taken as success while live
  local from=$1 to=$2 rc=0
  shift 2
  (umask 022 && mkdir -p -- "$to")  # parents others may traverse (Dovecot runs as vmail)
  "${rs[@]}" --info=progress2 "$@" -- "$login:$from/" "$to/" || rc=$?
  if [ "$rc" = 24 ] && [ "$phase" = bulk ]; then
    echo "some files vanished while copying $from (mail changes while live): the final copy takes them"; rc=0
  fi
  return "$rc"
}
if [ "$phase" = bulk ]; then
  # the mail store as a whole, then the roots outside it
  pull "$vmail" "$vmail"
  for root in "${roots[@]}"; do
    case $root/ in "$vmail"/*) continue ;; esac
    pull "$root" "$root"
  done
  echo "copied $vmail and $((${#roots[@]})) storage root(s); nothing was deleted"
else
  # what is not a root, then each root made as on the source (its messages
  # deleted on the source meanwhile go; one pass over each file)
  pull "$vmail" "$vmail" "${inside[@]}"
  for root in "${roots[@]}"; do
    pull "$root" "$root" --delete-after
  done
  echo "${#roots[@]} storage root(s) now as on the source; $vmail's other files added and updated"
fi
