# shellcheck shell=bash
# What the wizard's lab drives share (sourced after tests/tui/lib.sh by
# tests/tui/lab.sh and tests/tui/system.sh; they set top, work, shots):
# snap NAME renders the screen to $shots/NN-NAME.png when $shots is set;
# drive TEXT SECONDS answers the run's questions until TEXT shows;
# quit_wizard quits from the report.
# shellcheck disable=SC2034,SC2154 # the counters and screens are the caller's; top work shots too
n=0
snap() { # NAME: the screen as PNG into $shots (when asked)
  [ -n "$shots" ] || return 0
  n=$((n + 1))
  T capture-pane -e -p -N -t w > "$work/snap.ans"
  /usr/bin/python3 "$top/screenshots/render.py" "$work/snap.ans" "$shots/$(printf '%02d' "$n")-$1.png" \
    "$(T display -p -t w '#{pane_width}')" "$(T display -p -t w '#{pane_height}')" ||
    echo "     (could not render $1)"
}

# Answers the run's questions until the screen shows TEXT: a step is run
# (y), a DESTRUCTIVE action confirmed by typing yes, a checklist item done
# (d, the first) or left for later (l).  A failure dialog ends the drive.
checklist_seen=0 advisories=0 hostkeys=0 hostkey_screen='' found_screen='' progress_screen=''
drive() { # TEXT SECONDS
  local s i
  for ((i = 0; i < $2 * 10; i++)); do
    s=$(screen)
    grep -qF -- "$1" <<<"$s" && return 0
    if grep -qF 'Type yes to run it' <<<"$s"; then
      [ -z "$shots" ] || [ -n "$(compgen -G "$shots/*-destructive.png")" ] || snap destructive
      type_text yes; send Enter; wait_gone 'Type yes to run it' 5
    elif grep -qF 'd done · l later' <<<"$s"; then
      checklist_seen=$((checklist_seen + 1))
      if [ "$checklist_seen" = 1 ]; then snap checklist; send d; else send l; fi
      wait_gone 'd done · l later' 5
    elif grep -qF 'g go on' <<<"$s"; then
      [ -z "$shots" ] || [ -n "$(compgen -G "$shots/*-advisory.png")" ] || snap advisory
      advisories=$((advisories + 1)); send g; wait_gone 'g go on' 5
    elif grep -qF 'The authenticity of host' <<<"$s"; then
      hostkeys=$((hostkeys + 1)); hostkey_screen=$s
      snap hostkey; send y; wait_gone 'The authenticity of host' 10
    elif [ -z "$progress_screen" ] && grep -qE '\[[#-]+\] +([1-9]|[1-9][0-9])%  [0-9.]+ [MG]B  .*/s' <<<"$s"; then
      # (the copy of the big file: the store's small rest goes before it)
      progress_screen=$s; snap progress
    elif grep -qF 'What pre-flight found' <<<"$s" && grep -qF 'Enter continues' <<<"$s"; then
      found_screen=$s; snap found; send Enter; wait_gone 'Enter continues' 5
    elif grep -qF 'y run this step' <<<"$s"; then
      send y; wait_gone 'y run this step' 5
    elif grep -qF 'r retry' <<<"$s"; then
      echo "     the run failed:"; shot; return 1
    fi
    sleep 0.1
  done
  echo "     no \"$1\" after $2 s:"; shot
  return 1
}

# q on the report quits (a question first, where one is asked)
quit_wizard() {
  send q
  if wait_for "Quit mailshift?" 2; then send q; fi
  wait_gone "mailshift ─" 5
}

