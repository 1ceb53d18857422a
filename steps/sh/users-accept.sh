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
uid() { case $1 in ''|*[!0-9]*) return 1 ;; esac; [ ${#1} -le 10 ] && [ "$1" -le 4294967294 ]; }

if [ -n "$uid_min" ]; then
  if ! uid "$uid_min" || [ "$uid_min" -lt 1 ]; then echo "users_uid_min is not a uid from 1: $uid_min" >&2; exit 1; fi
  min=$uid_min from="users_uid_min"
elif [ -f "$u/login.defs" ]; then
  v=$(awk '$1 == "UID_MIN" { v = $2 } END { print v }' "$u/login.defs")
  if [ -z "$v" ]; then
    min=1000 from="the default: the source's login.defs sets no UID_MIN"
  elif ! uid "$v"; then
    echo "the source's login.defs has UID_MIN ${v//[^[:print:]]/?}, not a uid: set users_uid_min" >&2; exit 1
  elif [ "$v" -lt 100 ]; then
    echo "the source's login.defs has UID_MIN $v, among the system's accounts: set users_uid_min to move from there anyway" >&2; exit 1
  else
    min=$v from="UID_MIN of the source's login.defs"
  fi
else
  min=1000 from="the default: the source has no login.defs"
fi
if [ -n "$uid_max" ]; then
  uid "$uid_max" || { echo "users_uid_max is not a uid: $uid_max" >&2; exit 1; }
  max=$uid_max to="users_uid_max"
else
  # nobody (or nfsnobody: old Red Hat's nobody is 99) above the range
  nobody=$(awk -F ':' -v min="$min" '($1 == "nobody" || $1 == "nfsnobody") && $3 ~ /^[0-9]+$/ && length($3) <= 10 &&
    $3 + 0 > min + 0 { print $3 }' "$u/passwd" | sort -n | head -n 1)
  if [ -n "$nobody" ]; then max=$((nobody - 1)) to="below the source's nobody, $nobody"
  else max=65533 to="below 65534: the source has no nobody above UID_MIN"; fi
fi
[ "$min" -le "$max" ] || { echo "no uid is from $min to $max: check users_uid_min and users_uid_max" >&2; exit 1; }
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
