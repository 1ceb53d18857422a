# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail mode scope: the prologue's
# owners: the owner each storage root has on the source (vmail for the mail,
# mlmmj for the lists, ...), by name on this server, for the root and
# everything in it, and the root's mode.  mode=fix changes what differs
# (never following a symbolic link); mode=check lists it (the figure: paths
# with another owner or mode; 0 is what must be).  scope=all: every path of
# every root (after the bulk copy, while the source is live); scope=synced:
# in the mailboxes, only what the final copy took again ($b/state/synced:
# the accounts and folders that differed), every path of the other roots,
# and each root itself; without that record, as all.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
synced=$b/state/synced
[ "$scope" = synced ] && [ -f "$synced" ] || scope=all
paths() { # ROOT KIND: where to look (NUL-separated) and with which depth
  if [ "$scope" = all ] || [ "$2" != mail ]; then printf 'R\t%s\0' "$1"; return; fi
  printf 'D\t%s\0' "$1"
  awk -F '\t' -v root="$1" 'index($2 "/", root "/") == 1 && $2 != root { printf "%s\t%s%c", $1, $2, 0 }' "$synced"
}
# each: ROOT KIND OWNER ACTION...: the paths whose owner differs, with find's
# ACTION (-print, or -exec chown: never a name through a pipe); one find for
# many accounts at a time
each() {
  local root=$1 kind=$2 u=${3%%:*} g=${3#*:} k p rec=() one=() rc=0
  shift 3
  while IFS="$(printf '\t')" read -r -d '' k p; do
    [ -e "$p" ] || continue
    if [ "$k" = R ]; then rec+=("$p"); else one+=("$p"); fi
    if [ $((${#rec[@]} + ${#one[@]})) -ge 500 ]; then
      each_find "$u" "$g" "$@" || rc=1
      rec=() one=()
    fi
  done < <(paths "$root" "$kind")
  each_find "$u" "$g" "$@" || rc=1
  return "$rc"
}
each_find() { # USER GROUP ACTION...: over $rec (whole) and $one (their own entries); fails if a find does
  local u=$1 g=$2 rc=0
  shift 2
  if [ ${#rec[@]} -gt 0 ]; then find "${rec[@]}" \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  if [ ${#one[@]} -gt 0 ]; then find "${one[@]}" -maxdepth 1 \( ! -user "$u" -o ! -group "$g" \) "$@" || rc=1; fi
  return "$rc"
}
wrong() { # ROOT KIND OWNER MODE: the paths whose owner (or, for ROOT, mode) differ
  local rc=0
  find "$1" -maxdepth 0 ! -perm "$4" -print || rc=1
  each "$1" "$2" "$3" -print || rc=1
  return "$rc"
}
n=0 bad=0 strange=0
while IFS="$(printf '\t')" read -r root kind owner m; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  [ -d "$root" ] || continue
  [ ! -L "$root" ] || { echo "storage root $root is a symbolic link: not followed" >&2; exit 1; }
  n=$((n + 1))
  if [ "$kind" = spool ]; then
    # a mail spool (/var/mail): the spool itself as on the source, and each
    # moved user's file in it that user's, a plain file, no set-id or execute
    # bit (the copy kept the source's numeric owner: it may be anyone's);
    # the spool's other files are this server's users', left alone
    c=$(find "$root" -maxdepth 0 \( ! -perm "$m" -o ! -user "${owner%%:*}" -o ! -group "${owner#*:}" \) -print | wc -l)
    if [ "$mode" = fix ] && [ "$c" -gt 0 ]; then chown -h -- "$owner" "$root" && chmod -- "$m" "$root"; c=0; fi
    [ "$mode" = fix ] && echo "$owner $m $root (the spool; each moved user's file that user's)"
    [ "$c" = 0 ] || { echo "$root: not $owner $m" >&2; bad=$((bad + c)); }
    [ -f "$b/users/move/users.tsv" ] || { echo "no list of users in $b/users/move/users.tsv: run the users step first" >&2; exit 1; }
    while IFS="$(printf '\t')" read -r u id _; do
      if ! [[ $u =~ ^[a-z_][a-z0-9_.-]*$ ]] || [ "$(id -u -- "$u" 2>/dev/null)" != "$id" ]; then continue; fi
      f=$root/$u
      if [ -L "$f" ] || { [ -e "$f" ] && [ ! -f "$f" ]; }; then
        echo "$f: not a plain file (a link, a directory, a device?): not a mailbox; remove it, then run this step again" >&2
        bad=$((bad + 1)) strange=$((strange + 1))
      elif [ -f "$f" ] && [ -n "$(find "$f" -maxdepth 0 \( ! -uid "$id" -o -perm /7111 \) -print)" ]; then
        if [ "$mode" = fix ]; then chown -h -- "$u" "$f" && chmod -- ugo-xst "$f"
        else echo "$f: not $u's, or set-id or executable" >&2; bad=$((bad + 1)); fi
      fi
    done < "$b/users/move/users.tsv"
    continue
  fi
  if [ "$mode" = fix ]; then
    each "$root" "$kind" "$owner" -exec chown -h -- "$owner" {} +
    chmod -- "$m" "$root"
    echo "$owner $m $root"
  else
    c=$(wrong "$root" "$kind" "$owner" "$m" | wc -l) || { echo "cannot check the owners in $root: find failed (above)" >&2; exit 1; }
    if [ "$c" -gt 0 ]; then
      echo "$root: $c path(s) not $owner (or the root not $m), the first 20:" >&2
      wrong "$root" "$kind" "$owner" "$m" | head -n 20 >&2 || true
      bad=$((bad + c))
    fi
  fi
done < "$r"
what="every path of the $n storage root(s)"
[ "$scope" = all ] || what="in the $n storage root(s), every path the final copy took again ($(wc -l < "$synced") accounts and folders), every path of the roots beside the mailboxes, each root itself"
if [ "$mode" = fix ]; then
  if [ -n "$vmail" ]; then
    chown root:root -- "$vmail" && chmod 0755 -- "$vmail"
    echo "owned as on the source: $what; $vmail root:root 0755"
  else
    echo "owned as on the source: $what"
  fi
  [ "$strange" = 0 ] || exit 1
else
  echo "mailshift-figure owners 0 $bad"
  [ "$bad" = 0 ] || exit 1
  echo "the source's owners: $what"
fi
