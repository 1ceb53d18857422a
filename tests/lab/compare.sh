# What must be on the target after a migration (sourced by tests/lab/migrate.sh
# and tests/tui/lab.sh): the source's inventory lines from lab/verify
# (messages, bytes and flags per folder, rows, entries, keys, the release),
# and every seeded user's IMAP view (messages, unseen) as on the source.
# shellcheck shell=bash

# inv_expected INVENTORY > LINES
inv_expected() {
  grep -E '^(db |ldap |dkim |release |mailbox |mlmmj )' "$1" | grep -Ev '^db (mysql|pgsql) [^ ]*(used_quota|last_login) ' |
    LC_ALL=C sort
}

# inv_missing SOURCE-INVENTORY TARGET-INVENTORY: prints what the target lacks
inv_missing() {
  LC_ALL=C comm -23 <(inv_expected "$1") <(inv_expected "$2")
}

# imap_same SOURCE-INVENTORY TARGET-INVENTORY: the IMAP lines are equal (and present)
imap_same() {
  local want seen
  want=$(grep '^imap ' "$1" | LC_ALL=C sort)
  seen=$(grep '^imap ' "$2" | LC_ALL=C sort)
  [ -n "$want" ] && [ "$want" = "$seen" ] && return 0
  diff <(echo "$want") <(echo "$seen") | head -n 20 | sed 's/^/     /'
  return 1
}
