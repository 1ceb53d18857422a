# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# roundcube-restore: puts back the owners and modes roundcube-save.sh saved
# (the new release's files come as root's), one chown and chmod per owner and
# mode.  Run on the source after the upgrade.
# Prologue: b (the backup directory).
# Renames $b/roundcube-perms to roundcube-perms.restored; prints how many
# paths it restored (a path the upgrade removed is skipped).
f=$b/roundcube-perms
t=$(mktemp -d)
declare -A key=()
n=0
# group the paths by owner and mode, then one chown/chmod per group
while IFS= read -r -d '' l; do
  m=${l%% *}; r=${l#* }; o=${r%% *}; p=${r#* }
  if [ -L "$p" ]; then m=L; elif [ ! -e "$p" ]; then continue; fi
  s="$m $o"
  [ -n "${key[$s]:-}" ] || key[$s]=${#key[@]}
  printf '%s\0' "$p" >> "$t/${key[$s]}"
  n=$((n + 1))
done < "$f"
for k in "${!key[@]}"; do
  m=${k%% *}; o=${k#* }
  xargs -0 -r chown -h -- "$o" < "$t/${key[$k]}"
  [ "$m" = L ] || xargs -0 -r chmod -- "$m" < "$t/${key[$k]}"
done
rm -rf -- "$t"
mv -- "$f" "$f.restored"
echo "restored $n owners and modes"
