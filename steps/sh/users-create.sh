# shellcheck shell=bash
# shellcheck disable=SC2154 # b sysroot mode target_awk: the prologue's
# users-create: on the target, the users and groups users-accept.sh chose
# ($b/users/move/) against this server's own (users-target.awk): a name
# here with other ids, an id here with another name, a primary group this
# server lacks stops the step with the whole list, before anything is
# created.  A user or group already here with the same ids is left as it
# is and said ("already there").
# mode check: says what would be created, creates nothing.  mode create:
# saves passwd, shadow, group and gshadow ($b/target-before/ once,
# $b/target-last/ each run), then groupadd -g, useradd -u -g -d -s -c -M -N
# (no home: the mail copy brings the homes), the hash verbatim and the
# ageing (chpasswd -e, the hash on its stdin, never on a command line;
# chage), the groups' members and administrators among the users moved
# (gpasswd -M -A) and their passwords (chgpasswd -e).  What this step
# created is recorded in $b/users/created ("u NAME" once useradd made it,
# "U NAME" once its password and ageing are set; "g", "G" the same for a
# group), so a run stopped halfway finishes what it began and a second run
# creates nothing.  Ends by checking every user and group moved is here with
# the source's ids, hash and ageing.
# Prologue: b, sysroot ("" on a server; a directory: the tools' --root and
# the files read there, for the tests), mode, target_awk (lib.sh before).
export LC_ALL=C
umask 077
u=$b/users m=$b/users/move
for f in users.tsv shadow groups.tsv gshadow primary.tsv; do
  [ -f "$m/$f" ] || { echo "no $m/$f: the source's users were not read (run the step from its start)" >&2; exit 1; }
done
R=() Q=()
[ -z "$sysroot" ] || R=(--root "$sysroot") Q=(-Q "$sysroot")
t=$(mktemp -d "$u/.target.XXXXXX") || exit 1
trap 'rm -rf -- "$t"' EXIT
# this server's users and groups, as they are now
look() {
  if [ -n "$sysroot" ]; then
    cp -- "$sysroot/etc/passwd" "$t/passwd" && cp -- "$sysroot/etc/group" "$t/group"
  else
    getent passwd > "$t/passwd" && getent group > "$t/group"
  fi || { echo "cannot read this server's users and groups" >&2; return 1; }
  awk "$target_awk" "$t/passwd" "$t/group" "$m/users.tsv" "$m/groups.tsv" "$m/primary.tsv" > "$t/plan"
}
look || exit 1
count() { awk -F '\t' -v k="$1" '$1 == k { n++ } END { print n + 0 }' "$t/plan"; }
if grep -q '^C' "$t/plan"; then
  sed -n 's/^C\t/conflict: /p' "$t/plan" >&2
  echo "nothing was created: $(count C) conflict(s) above between the source's users and this server's. Rename or renumber them on one side (usermod, groupmod), or set users_uid_min and users_uid_max, then run this again" >&2
  exit 1
fi
ua=$(count UA) ga=$(count GA) uc=$(count UC) gc=$(count GC)
list() { sed -n "s/^$1\t\([^\t]*\).*/\1/p" "$t/plan" | tr '\n' ' '; }
[ "$ua$ga" = 00 ] || echo "already there, left as they are: $ua user(s) $(list UA), $ga group(s) $(list GA)"
if [ "$mode" = check ]; then
  echo "no conflict: to create $uc user(s): $(list UC)and $gc group(s): $(list GC)"
  exit 0
fi

# the state before, and before this run
e=${sysroot:-}/etc
mkdir -p -- "$b/target-before" "$b/target-last" && chmod 0700 -- "$b/target-before" "$b/target-last" || exit 1
for f in passwd shadow group gshadow; do
  [ -f "$e/$f" ] || continue
  [ -e "$b/target-before/$f" ] || cp -p -- "$e/$f" "$b/target-before/$f" || exit 1
  cp -p -- "$e/$f" "$b/target-last/$f.new" && mv -- "$b/target-last/$f.new" "$b/target-last/$f" || exit 1
done
c=$u/created
touch -- "$c"
sed -n 's/^GC\t//p' "$t/plan" | while IFS=$'\t' read -r name gid; do
  groupadd "${R[@]}" -g "$gid" -- "$name" || exit 1
  echo "g $name" >> "$c"
done || exit 1
sed -n 's/^UC\t//p' "$t/plan" | while IFS= read -r name; do
  IFS=$'\t' read -r _ uid gid home shell gecos < <(awk -F '\t' -v n="$name" '$1 == n' "$m/users.tsv")
  useradd "${R[@]}" -u "$uid" -g "$gid" -d "$home" -s "$shell" -c "$gecos" -M -N -- "$name" || exit 1
  echo "u $name" >> "$c"
done || exit 1

# what this step created and has not finished: "u" without "U"
: > "$t/done"
awk '$1 == "u" { p[$2] = 1 } $1 == "U" { delete p[$2] } END { for (n in p) print n }' "$c" > "$t/users"
if [ -s "$t/users" ]; then
  # the hashes go from the file to chpasswd's stdin
  awk -F ':' 'FILENAME == ARGV[1] { p[$1] = 1; next } ($1 in p) { print $1 ":" $2 }' "$t/users" "$m/shadow" |
    chpasswd -e "${R[@]}" || { echo "chpasswd could not set the users' hashes" >&2; exit 1; }
  while IFS=: read -r name _ last min max warn inact expire _; do
    chage "${R[@]}" -d "${last:--1}" -m "${min:--1}" -M "${max:--1}" -W "${warn:--1}" -I "${inact:--1}" \
      -E "${expire:--1}" -- "$name" || exit 1
    echo "U $name" >> "$c"
    echo "$name" >> "$t/done"
  done < <(awk -F ':' 'FILENAME == ARGV[1] { p[$1] = 1; next } ($1 in p)' "$t/users" "$m/shadow")
fi
awk '$1 == "g" { p[$2] = 1 } $1 == "G" { delete p[$2] } END { for (n in p) print n }' "$c" > "$t/groups"
while IFS= read -r name; do
  # members and administrators among the users moved; gshadow's where it has them
  read -r members admins pw < <(awk -F '\t' -v g="$name" -v gs="$m/gshadow" '
    FILENAME == ARGV[1] { moved[$1] = 1; next }
    $1 == g { mem = $3 }
    END {
      while ((getline l < gs) > 0) { split(l, f, ":"); if (f[1] == g) { adm = f[3]; mem = mem "," f[4]; pw = f[2]; has = 1 } }
      print keep(mem), keep(adm), (has ? "y" : "n")
    }
    function keep(s,    n, i, w, o, seen) {
      n = split(s, w, ",")
      for (i = 1; i <= n; i++) if ((w[i] in moved) && !(w[i] in seen)) { seen[w[i]] = 1; o = o (o == "" ? "" : ",") w[i] }
      return o == "" ? "-" : o
    }' "$m/users.tsv" "$m/groups.tsv")
  [ "$members" != - ] || members=
  [ "$admins" != - ] || admins=
  gpasswd "${Q[@]}" -M "$members" -A "$admins" "$name" || exit 1
  if [ "$pw" = y ]; then
    awk -F ':' -v g="$name" '$1 == g { print $1 ":" $2 }' "$m/gshadow" | chgpasswd -e "${R[@]}" || exit 1
  fi
  echo "G $name" >> "$c"
done < "$t/groups"

# the proof: every user and group moved is here with the source's ids, and
# those this run finished with its hash and ageing (compared, never shown)
look || exit 1
if grep -q '^[CUG]C' "$t/plan"; then
  sed -n 's/^C\t/conflict: /p; s/^UC\t/not created: the user /p; s/^GC\t/not created: the group /p' "$t/plan" >&2
  exit 1
fi
differ=$(awk -F ':' 'FILENAME == ARGV[1] { p[$1] = 1; next }
  FILENAME == ARGV[2] { if ($1 in p) s[$1] = $2 ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8; next }
  ($1 in p) && s[$1] != $2 ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8 { printf "%s ", $1 }' \
  "$t/done" "$m/shadow" "$e/shadow")
[ -z "$differ" ] || { echo "the password or ageing of these users here is not the source's: $differ" >&2; exit 1; }
echo "created $uc user(s), $gc group(s); already there $ua user(s), $ga group(s); each with the source's ids, hash and ageing"
