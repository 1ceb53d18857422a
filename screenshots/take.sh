#!/usr/bin/env bash
# Regenerates screenshots/*.png: drives the wizard through a whole migration
# on the lab in tmux (tests/tui/lab.sh, the same run CI makes) and renders
# each screen (tmux capture-pane -e) with screenshots/render.py; then the
# move across stacks, sendmail with mbox to Postfix+Dovecot
# (tests/tui/system.sh), into screenshots/system/, and the same source into
# iRedMail, into screenshots/into-iredmail/.  Needs root, tmux and
# python3-pil (make deps installs them).  Usage: screenshots/take.sh [SCENARIO]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SHOTS=$here bash "$here/../tests/tui/lab.sh" "$@"
SHOTS=$here/system bash "$here/../tests/tui/system.sh"
SHOTS=$here/into-iredmail bash "$here/../tests/tui/system.sh" sendmail-iredmail
ls -1 "$here"/*.png "$here"/system/*.png "$here"/into-iredmail/*.png
