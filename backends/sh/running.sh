# shellcheck shell=bash
# shellcheck disable=SC2154 # ms_d ms_token ms_input ms_wait ms_cmd ms_cmd_in: the prologue's
# running: runs a command as a job of its own process group (bash's job
# control) that records itself as $ms_d/PGID ("BOOTID STARTTIME DATE")
# before the command starts and removes the record when it ends, so that a
# later run knows it still runs: when the run that started it is killed or
# its connection drops, the command may go on for hours (see
# backends/ssh_running.c).  Exits with the command's status.
# Prologue: ms_d (BACKUP_DIR/running: BACKUP_DIR is made 0700), ms_cmd (the command's text),
# ms_token (when set: "TOKEN pgid N" on stderr before the command runs, and
# "TOKEN RC" after it), ms_input: none (stdin empty), whole (stdin ends
# with the line "TOKEN-end": the command runs only if it arrived whole) or
# pass (stdin as it comes); ms_wait: 1 to wait first until no command of
# an earlier run runs here (the runbook; running-list.sh comes before this),
# 0 when the caller looked (mailshift, which asks the admin); ms_cmd_in: 1
# when the command's text comes first on stdin, ended by the line
# "TOKEN-cmd" (too long for the exec request), else 0.
# BACKUP_DIR holds dumps and saved state: root's alone, also when it existed
(umask 077 && mkdir -p -- "$ms_d") 2>/dev/null
chmod 0700 -- "${ms_d%/*}" 2>/dev/null
if [ "$ms_wait" = 1 ]; then
  ms_said=
  while ms_now=$(ms_earlier "$ms_d") && [ -n "$ms_now" ]; do
    if [ -z "$ms_said" ]; then
      printf 'a command of an earlier run still runs on %s; never beside it: waiting until it ends (or stop it there: kill -TERM -- -PGID)\n%s\n' \
        "$(hostname)" "$ms_now" >&2
      ms_said=1
    fi
    sleep 2
  done
  [ -z "$ms_said" ] || echo 'the earlier command has ended; going on' >&2
  unset ms_said ms_now
fi
if [ "${ms_cmd_in:-0}" = 1 ]; then
  ms_cmd='' ms_l=''
  while IFS= read -r ms_l && [ "$ms_l" != "$ms_token-cmd" ]; do ms_cmd+=$ms_l$'\n'; done
  if [ "$ms_l" != "$ms_token-cmd" ]; then
    echo 'the command did not arrive whole: it did not run' >&2
    printf '\n%s 255\n' "$ms_token" >&2
    exit 255
  fi
  unset ms_l
fi
case $ms_input in
  none) ms_in=/dev/null ;;
  *)
    if ! ms_in=$(mktemp) || ! cat > "$ms_in"; then
      rm -f -- "$ms_in"; echo 'cannot keep the input: the command did not run' >&2; exit 255
    fi
    if [ "$ms_input" = whole ]; then
      if [ "$(tail -n 1 "$ms_in")" = "$ms_token-end" ]; then sed -i '$d' "$ms_in"
      else
        rm -f -- "$ms_in"
        echo 'the input did not arrive whole: the command did not run' >&2
        printf '\n%s 255\n' "$ms_token" >&2
        exit 255
      fi
    fi ;;
esac
# the job records itself, then announces its group: if mailshift is gone by
# then, that write kills the job before the command ran
set -m
(
  read -r -a ms_st < /proc/self/stat
  if [ "${ms_st[0]}" = "${ms_st[4]}" ]; then
    printf '%s %s %s\n' "$(cat /proc/sys/kernel/random/boot_id)" "${ms_st[21]}" \
      "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" > "$ms_d/${ms_st[0]}" 2>/dev/null
    [ -z "$ms_token" ] || printf '\n%s pgid %d\n' "$ms_token" "${ms_st[0]}" >&2
  fi
  unset ms_st ms_d ms_token ms_input ms_wait ms_in ms_cmd_in
  eval "$ms_cmd"
) < "$ms_in" &
ms_p=$!
set +m
wait "$ms_p" 2>/dev/null; ms_rc=$?
rm -f -- "$ms_d/$ms_p"
[ "$ms_in" = /dev/null ] || rm -f -- "$ms_in"
[ -z "$ms_token" ] || printf '\n%s %d\n' "$ms_token" "$ms_rc" >&2
exit "$ms_rc"
