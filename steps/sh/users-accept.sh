# shellcheck shell=bash
# shellcheck disable=SC2154 # b uid_min uid_max users_awk: the prologue's
# users-accept: on the target, which of the source's accounts (pulled by
# users-pull.sh into $b/users/) are the real users, read as hostile input:
# the uids from UID_MIN (the source's login.defs, 1000 without it) up to
# below the source's nobody (65534 without one), gids the same range.
# Every line of theirs is checked (users.awk): names, ids, shell, GECOS,
# the password field and ageing of shadow, the groups' members; each home
# here (ms_path_problem, lib.sh: absolute, plain, outside the system
# directories).  A line that fails is named and stops the step.  Writes
# $b/users/move/ (users.awk's files) for users-hashes.sh and
# users-create.sh; prints what moves, never a hash.
# Prologue: b, uid_min and uid_max (the options users_uid_min and
# users_uid_max: "" takes them from the source), users_awk (lib.sh before).
export LC_ALL=C
umask 077
u=$b/users
for f in passwd shadow group; do
  [ -f "$u/$f" ] || { echo "no $u/$f: the source's files were not fetched (run the step from its start)" >&2; exit 1; }
done
ms_uid_range "$u" || exit 1
echo "the real users: uids $min ($from) to $max ($to)"

# an earlier run's choice goes first: nothing is created from it
rm -rf -- "$u/move.new" "$u/move"
mkdir -m 0700 -- "$u/move.new" || exit 1
gs=$u/gshadow
[ -f "$gs" ] || gs=/dev/null
rc=0
awk -F ':' -v min="$min" -v max="$max" -v out="$u/move.new" "$users_awk" \
  "$u/passwd" "$u/shadow" "$u/group" "$gs" > "$u/move.new/said" || rc=1
sed -n 's/^[NS]\t//p' "$u/move.new/said"
sed -n 's/^E\t/refused: /p' "$u/move.new/said" >&2
touch -- "$u/move.new/users.tsv" "$u/move.new/shadow" "$u/move.new/groups.tsv" "$u/move.new/gshadow" "$u/move.new/primary.tsv"
# each home, as a storage root is checked: a home is where the mail copy writes
while IFS=$'\t' read -r name _ _ home _; do
  why=$(ms_path_problem "$home")
  [ -z "$why" ] || { echo "refused: passwd, \"$name\": its home ${home//[^[:print:]]/?} $why" >&2; rc=1; }
done < "$u/move.new/users.tsv"
if [ "$rc" != 0 ]; then
  echo "nothing was created: the source's account files have the lines above, which mailshift does not carry; fix them on the source (or set users_uid_min and users_uid_max), then run the step again" >&2
  exit 1
fi
mv -- "$u/move.new" "$u/move"
