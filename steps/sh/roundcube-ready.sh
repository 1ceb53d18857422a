# shellcheck shell=bash
# shellcheck disable=SC2154 # rel rc: the prologue's
# roundcube-ready: the new release's installto.sh can upgrade the installed
# Roundcube here: the script, the tree, rsync and PHP with system().  Run on
# the source; changes nothing.
# Prologue: rel (the new release's unpacked tree), rc (the installed one).
# Prints "ready to upgrade"; fails naming what is missing.
test -x "$rel/bin/installto.sh" || { echo 'no executable bin/installto.sh in the new release' >&2; exit 1; }
test -d "$rc" || { echo 'no Roundcube installed at roundcube_dir' >&2; exit 1; }
command -v rsync >/dev/null || { echo 'installto.sh needs rsync: install it' >&2; exit 1; }
command -v php >/dev/null || { echo 'installto.sh needs the PHP command line (php-cli)' >&2; exit 1; }
php -r 'exit(in_array("system", array_map("trim", explode(",", ini_get("disable_functions")))) ? 1 : 0);' || { echo 'PHP system() is disabled (disable_functions in php.ini): installto.sh needs it' >&2; exit 1; }
echo 'ready to upgrade'
