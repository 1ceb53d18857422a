# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# decom-wipe: on the source, after verify passed on its current census and
# the cutover step ran since (the text before this one checks both), wipes
# the mail data there (wipe_source): the contents of each storage root
# discovery found ($b/discovery/roots.tsv), each checked again with
# ms_path_problem (never /, a system directory or the backup directory; a
# root behind a symbolic link is wiped where it leads, checked the same way),
# and mailshift's dumps and archives in $b.  Says what was removed and what
# is left for the admin.  Prologue: b.  Uses lib.sh.
export LC_ALL=C
if [ ! -e "$b/cutover" ] || [ "$(cat -- "$b/cutover")" != "$(cat -- "$b/verified")" ]; then
  echo 'the cutover step has not run since verify passed: run it first (the wipe comes after the switch)' >&2; exit 1
fi
[ -s "$b/discovery/roots.tsv" ] || { echo "no storage roots in $b/discovery/roots.tsv: nothing is wiped" >&2; exit 1; }
ms_shown() { printf '%s' "${1:0:200}" | tr -c '[:print:]' '?'; }
wiped=0 refused=0
while IFS="$(printf '\t')" read -r root kind _; do
  why=$(ms_path_problem "$root")
  real=
  [ -n "$why" ] || real=$(realpath -e -- "$root" 2>/dev/null) || why="is gone"
  if [ -z "$why" ] && [ "$real" != "$root" ]; then
    p=$(ms_path_problem "$real")
    [ -z "$p" ] || why="leads to $(ms_shown "$real"), which $p"
  fi
  if [ -z "$why" ] && [ ! -d "$real" ]; then why="is not a directory"; fi
  if [ -n "$why" ]; then
    echo "left alone: $(ms_shown "$root") ($kind) $why" >&2
    refused=$((refused + 1))
    continue
  fi
  if [ "$kind" = spool ]; then
    # a mail spool: only the moved users' own files (the census's accounts)
    n=0
    # (each the file named after its user, right in the spool: never the
    # spool's other files, whatever the list says)
    while IFS="$(printf '\t')" read -r u p r; do
      if [ "$r" = "$root" ] && [ "$p" = "$root/$u" ] && [[ $u =~ ^[a-z_][a-z0-9_.-]*$ ]] && [ -f "$p" ] && [ ! -L "$p" ]; then
        rm -f -- "$p" && n=$((n + 1))
      fi
    done < "$b/discovery/accounts.tsv"
    echo "wiped $(ms_shown "$root") ($kind): $n user spool file(s) removed; the spool's other files stay"
    wiped=$((wiped + 1))
    continue
  fi
  size=$(du -sh -- "$real" 2>/dev/null | cut -f 1) || size='?'
  # the root's contents, never following a link, never leaving its file system
  find -P "$real" -xdev -mindepth 1 -delete
  echo "wiped $(ms_shown "$root") ($kind): $size removed; the empty directory stays"
  wiped=$((wiped + 1))
done < "$b/discovery/roots.tsv"
for f in dump source-config.tar.gz roundcube-before-upgrade.tar.gz; do
  [ -e "$b/$f" ] || [ -L "$b/$f" ] || continue
  rm -rf -- "${b:?}/$f" && echo "removed $b/$f"
done
echo "wiped $wiped storage root(s); $refused left alone"
echo "left for you to handle (listed above): /etc/shadow, the SSH host keys, the DKIM and TLS private keys,"
echo "the databases and their data directories, Roundcube's configuration, and the disk itself"
[ "$refused" = 0 ] || exit 1
