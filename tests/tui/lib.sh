# Helpers for the wizard's tests (sourced): a private tmux server, keys in,
# the screen out, waiting for text instead of sleeping.  The sourcing script
# sets $top, $ms and the tier's name in $tier, then calls tui_setup.
# shellcheck shell=bash disable=SC2154

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1: $2"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name" "$*"; fi; }

# Makes $work and the tmux server's name; fails loudly without tmux or the
# binary.  An ASan build (make asan) writes what it finds into files that
# tui_sanitizers checks.
tui_setup() {
  if ! command -v tmux >/dev/null; then
    echo "FAIL tmux is not installed: the wizard's tests drive it in tmux (apt-get install tmux; make deps does)"
    echo "$tier: 0 passed, 1 failed"
    return 1
  fi
  if [ ! -x "$ms" ]; then
    echo "FAIL $ms is not built (make)"
    echo "$tier: 0 passed, 1 failed"
    return 1
  fi
  work=$(mktemp -d /tmp/mailshift-tui.XXXXXX)
  san=
  if ldd "$ms" 2>/dev/null | grep -q libasan; then
    san="ASAN_OPTIONS=log_path=$work/sanitizer:detect_leaks=1 UBSAN_OPTIONS=log_path=$work/sanitizer:print_stacktrace=1"
  fi
  sock=mailshift-tui-$$
  trap 'T kill-server 2>/dev/null; rm -rf "$work"; tui_cleanup 2>/dev/null' EXIT
}
T() { tmux -L "$sock" -f /dev/null "$@"; }

# A fresh session running a plain bash (prompt "$ ") at 100x30 in $work;
# extra environment (NO_COLOR=1, LANG=C) as arguments.
start() {
  T kill-session -t w 2>/dev/null
  T new-session -d -s w -x 100 -y 30 -c "$work" \
    "env -i HOME=$work HISTFILE=/dev/null PATH=$PATH LANG=C.UTF-8 TERM=tmux-256color MAILSHIFT_TESTING=1 $san $* PS1='$ ' bash --norc --noprofile"
  wait_for '$' 5 || echo "     (no shell prompt in tmux)"
}
screen() { T capture-pane -t w -p; }
send() { T send-keys -t w "$@"; }
type_text() { T send-keys -t w -l -- "$1"; }
run_line() { type_text "$1"; send Enter; }
# wait_for TEXT [SECONDS]: polls the screen until it shows TEXT
wait_for() {
  local i n=$((${2:-10} * 20))
  for ((i = 0; i < n; i++)); do
    screen | grep -qF -- "$1" && return 0
    sleep 0.05
  done
  return 1
}
wait_gone() {
  local i n=$((${2:-10} * 20))
  for ((i = 0; i < n; i++)); do
    screen | grep -qF -- "$1" || return 0
    sleep 0.05
  done
  return 1
}
shot() { screen | sed 's/^/     | /'; }
# The pane's terminal state as tmux sees it: alternate screen, cursor
# shown, keypad mode (what tput smcup/civis/smkx set and rmcup/cnorm/rmkx undo).
modes() { T display -p -t w 'alt=#{alternate_on} cursor=#{cursor_flag} keypad=#{keypad_flag}'; }
expect() { if wait_for "$2" "${3:-10}"; then ok "$1"; else bad "$1" "the screen lacks: $2"; shot; fi; }
expect_gone() { if wait_gone "$2" "${3:-10}"; then ok "$1"; else bad "$1" "the screen still shows: $2"; shot; fi; }
# exit_status: after the wizard ended, the shell prints mailshift's status
# (the line "rc=N" itself, not the command line that asks for it)
exit_status() {
  local i
  # shellcheck disable=SC2016 # the shell in tmux expands it
  run_line 'echo "rc=$?"'
  for ((i = 0; i < 200; i++)); do
    screen | grep -qx 'rc=[0-9]*' && break
    sleep 0.05
  done
  screen | grep -x 'rc=[0-9]*' | tail -n 1
}
# wait_count N PATTERN FILE: until FILE has N lines matching (Perl regex)
wait_count() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ "$(grep -cP -- "$2" "$3" 2>/dev/null)" -ge "$1" ] && return 0
    sleep 0.05
  done
  return 1
}
# From the first page of a prefilled wizard to the plan: Next three times,
# the file's name, Enter (and with a third argument, the file exists:
# asked before it is replaced).  $steps: the plan's length (default 17).
to_plan() {
  expect "$1: the wizard opens on the source" "1/4 Source"
  send NPage; wait_for "2/4 Target" 5
  send NPage; wait_for "3/4 Options" 5
  send NPage; wait_for "4/4 Save" 5
  send C-u; type_text "$2"; send Enter
  if [ $# -gt 2 ]; then
    expect "$1: the file exists: asked before replacing it" "Replace the file?"
    send r
  fi
  expect "$1: saving shows the plan" "The plan: ${steps:-20} steps"
}
# The last checks and the summary line tests/run.sh reads.
tui_end() {
  if [ -n "$san" ]; then
    check "the sanitizers found nothing" bash -c "! ls $work/sanitizer* >/dev/null 2>&1"
    cat "$work"/sanitizer* 2>/dev/null | head -n 60
  fi
  echo "$tier: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}
