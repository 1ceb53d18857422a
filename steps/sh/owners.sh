# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail mode: the prologue's
# owners: the owner each storage root has on the source (vmail for the mail,
# mlmmj for the lists, ...), by name on this server, for the root and
# everything in it, and the root's mode.  mode=fix changes what differs
# (never following a symbolic link); mode=check lists it (the figure: paths
# with another owner or mode; 0 is what must be).
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
wrong() { # ROOT OWNER MODE: the paths whose owner (or, for ROOT, mode) differ
  local root=$1 u=${2%%:*} g=${2#*:} m=$3
  find "$root" -maxdepth 0 ! -perm "$m" -print
  find "$root" \( ! -user "$u" -o ! -group "$g" \) -print
}
n=0 bad=0
while IFS="$(printf '\t')" read -r root _ owner m; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  [ -d "$root" ] || continue
  [ ! -L "$root" ] || { echo "storage root $root is a symbolic link: not followed" >&2; exit 1; }
  n=$((n + 1))
  if [ "$mode" = fix ]; then
    find "$root" \( ! -user "${owner%%:*}" -o ! -group "${owner#*:}" \) -exec chown -h -- "$owner" {} +
    chmod -- "$m" "$root"
    echo "$owner $m $root"
  else
    c=$(wrong "$root" "$owner" "$m" | wc -l) || { echo "cannot check the owners in $root: find failed (above)" >&2; exit 1; }
    if [ "$c" -gt 0 ]; then
      echo "$root: $c path(s) not $owner (or the root not $m), the first 20:" >&2
      wrong "$root" "$owner" "$m" | head -n 20 >&2 || true
      bad=$((bad + c))
    fi
  fi
done < "$r"
if [ "$mode" = fix ]; then
  chown root:root -- "$vmail" && chmod 0755 -- "$vmail"
  echo "$n storage root(s) owned as on the source; $vmail root:root 0755"
else
  echo "verify-row owners 0 $bad"
  [ "$bad" = 0 ] || exit 1
  echo "every path of the $n storage root(s) has the source's owner; each root its mode"
fi
