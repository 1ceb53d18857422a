# shellcheck shell=bash
# shellcheck disable=SC2154 # rc b: the prologue's
# roundcube-prove: after the upgrade and roundcube-restore.sh, no file in the
# Roundcube tree is world-writable that was not before, and every saved owner
# and mode is back.  Run on the source; changes nothing.
# Prologue: rc (the installed Roundcube), b (the backup directory, with
# roundcube-perms.restored).
# Fails naming the paths (up to 20 world-writable ones); prints how many
# were world-writable before and still are.
d=$(readlink -f -- "$rc"); f=$b/roundcube-perms.restored
# world-writable now, and not before the upgrade (a mode the admin chose is kept, and said)
declare -A was=()
while IFS= read -r -d '' l; do
  m=${l%% *}; p=${l#* }; p=${p#* }
  (( 8#$m & 2 )) && was[$p]=1
done < "$f"
ww='' kept=0
while IFS= read -r -d '' p; do
  if [ -n "${was[$p]:-}" ]; then kept=$((kept + 1)); else ww+="$p"$'\n'; fi
done < <(find "$d" -perm -0002 ! -type l -print0)
[ -z "$ww" ] || { echo 'world-writable after the upgrade, and not before:' >&2; printf '%s' "$ww" | sed -n 1,20p >&2; exit 1; }
[ "$kept" = 0 ] || echo "$kept path(s) were world-writable before the upgrade and still are: consider chmod o-w"
t=$(mktemp -d)
LC_ALL=C sort -z < "$f" > "$t/before"
find "$d" -printf '%m %u:%g %p\0' | LC_ALL=C sort -z > "$t/now"
bad=0
# a line saved before and not found now: changed, unless the upgrade removed the path
while IFS= read -r -d '' l; do
  p=${l#* }; p=${p#* }
  # shellcheck disable=SC2015 # continue when either test fails, as meant
  [ -e "$p" ] && [ ! -L "$p" ] || continue
  echo "not as before: $p (was ${l%% /*}, now $(stat -c '%a %U:%G' -- "$p"))" >&2; bad=$((bad + 1))
done < <(LC_ALL=C comm -z -23 "$t/before" "$t/now")
rm -rf -- "$t"
[ "$bad" = 0 ] || exit 1
echo "no world-writable file in $d; $(tr -cd '\0' < "$f" | wc -c) owners and modes as before the upgrade"
