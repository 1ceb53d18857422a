# shellcheck shell=bash
# running-list: defines ms_earlier DIR, which prints the commands of earlier
# runs still running on this host, each as "pgid N started TIME" and then up
# to 5 of its processes ("  PID ELAPSED ARGS", non-printing bytes as ?), and
# removes the records of those that ended.  A record is DIR/PGID holding
# "BOOTID STARTTIME DATE" (running.sh writes it): a group counts only on the
# same boot, and only while its leader, if still there, is the same process
# (a number reused after a reboot, or later, is another program's group).
ms_earlier() {
  local f p rb rs rd live st
  [ -d "$1" ] || return 0
  for f in "$1"/*; do
    p=${f##*/}
    case $p in ''|*[!0-9]*) continue ;; esac
    rb='' rs='' rd=''
    read -r rb rs rd < "$f" 2>/dev/null || true
    live=
    if [ "$rb" = "$(cat /proc/sys/kernel/random/boot_id)" ] && kill -0 -- "-$p" 2>/dev/null; then
      if read -r -a st < "/proc/$p/stat" 2>/dev/null; then
        [ "${st[4]}" != "$p" ] || [ "${st[21]}" != "$rs" ] || live=1
      else live=1; fi
    fi
    if [ -n "$live" ]; then
      printf 'pgid %s started %s\n' "$p" "$(printf '%s' "$rd" | head -c 40 | tr -dc '0-9: UTC-')"
      ps -eo pgid=,pid=,etime=,args= | awk -v p="$p" '$1 == p && $2 != p { $1 = ""; print }' |
        head -n 5 | LC_ALL=C tr -c '[:print:]\n' '?'
    else rm -f -- "$f"; fi
  done
}
