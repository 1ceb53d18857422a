# shellcheck shell=bash
# shellcheck disable=SC2154 # family ms_pkgs mine ms_match: preflight-packages.sh's
# preflight-packages-compare: the target has the mail-related packages the
# source has.  Run on the target after preflight-packages.sh (this server's
# family and names), the source's output of preflight-packages.sh on stdin:
# hostile text, of which the first "package manager: " line and the
# "installed: " lines are read; a name that is not ^[a-z0-9][a-z0-9.+-]*$
# (at most 100 bytes) is refused, counted and never shown.
# For each line of the list that one of the source's names matches (in the
# source's family's column), one of this server's names must match the
# same line in this server's family's column; each that none does is named
# with what it is for and the source's names for it.  Fails when any is
# missing, or when the source's answer cannot be read (the action is
# advisory: a fetchmail left behind may be what the admin wants).
# Prologue (optional): replaced, the ids of the list the target's stack
# replaces (a sendmail source's sendmail on a Postfix target): named, not
# missing.
src=$(cat)
s_family='' refused=0
s_names=()
while IFS= read -r line; do
  case $line in
    'package manager: '*) [ -n "$s_family" ] || s_family=${line#package manager: } ;;
    'installed: '*)
      n=${line#installed: }
      if [ "${#n}" -le 100 ] && [[ $n =~ ^[a-z0-9][a-z0-9.+-]*$ ]]; then s_names+=("$n"); else refused=$((refused + 1)); fi ;;
  esac
done <<< "$src"
case $s_family in
  dpkg | rpm) ;;
  *) echo "the source's answer cannot be read (no \"package manager: dpkg\" or \"rpm\" line)" >&2; exit 1 ;;
esac
[ "$refused" = 0 ] || echo "refused $refused of the source's lines: not a package name"
[ "$s_family" = "$family" ] || echo "the source uses $s_family, the target $family: the names are compared through mailshift's list, which maps them"
mapfile -t t_names <<< "$mine"
missing=0 has=0
while IFS='|' read -r id deb rpm what; do
  if [ "$s_family" = dpkg ]; then read -r -a sg <<< "$deb"; else read -r -a sg <<< "$rpm"; fi
  if [ "$family" = dpkg ]; then read -r -a tg <<< "$deb"; else read -r -a tg <<< "$rpm"; fi
  theirs=''
  for n in "${s_names[@]}"; do
    if ms_match "$n" "${sg[@]}"; then theirs+=" $n"; fi
  done
  [ -n "$theirs" ] || continue
  case " ${replaced:-} " in *" $id "*)
    echo "$id: the source has$theirs; the target's own mail server takes its place"; continue ;;
  esac
  has=$((has + 1))
  ours=''
  for n in "${t_names[@]}"; do
    if [ -n "$n" ] && ms_match "$n" "${tg[@]}"; then ours+=" $n"; fi
  done
  if [ -n "$ours" ]; then
    echo "$id: the source has$theirs, the target$ours"
  else
    missing=$((missing + 1))
    echo "missing on the target: $what (the source has:$theirs; the target's package: ${tg[0]%\*})" >&2
  fi
done <<< "$ms_pkgs"
if [ "$missing" = 0 ]; then
  echo "the target has every mail-related package the source has ($has lines of mailshift's list)"
  exit 0
fi
echo "$missing of the $has lines of mailshift's list the source's packages match are missing on the target: install those the new server needs before the migration, or leave out what it no longer does (this check only warns)" >&2
exit 1
