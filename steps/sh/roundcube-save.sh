# shellcheck shell=bash
# shellcheck disable=SC2154 # b rc: the prologue's
# roundcube-save: saves the installed Roundcube tree and every path's owner
# and mode before the upgrade, once (a rerun keeps the first save).  Run on
# the source.
# Prologue: b (the backup directory), rc (the installed Roundcube).
# Writes $b/roundcube-before-upgrade.tar.gz and $b/roundcube-perms ("MODE
# USER:GROUP PATH", each ending in a NUL); prints how many it saved.
d=$(readlink -f -- "$rc")
# shellcheck disable=SC2174 # 0700 is for the backup directory itself, not its parents
mkdir -p -m 0700 -- "$b"
if [ ! -e "$b/roundcube-before-upgrade.tar.gz" ]; then
  tar -C "$(dirname -- "$d")" -czpf "$b/roundcube-before-upgrade.tar.gz.part" -- "$(basename -- "$d")"
  mv -- "$b/roundcube-before-upgrade.tar.gz.part" "$b/roundcube-before-upgrade.tar.gz"
fi
if [ ! -e "$b/roundcube-perms" ]; then
  find "$d" -printf '%m %u:%g %p\0' > "$b/roundcube-perms.part"
  mv -- "$b/roundcube-perms.part" "$b/roundcube-perms"
fi
echo "saved $(tr -cd '\0' < "$b/roundcube-perms" | wc -c) owners and modes in $b/roundcube-perms"
