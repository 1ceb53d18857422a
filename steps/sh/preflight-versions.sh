# shellcheck shell=bash
# shellcheck disable=SC2154 # rc pre post: the prologue's
# preflight-versions: this server's Dovecot and Roundcube versions.  Run on both.
# Prologue: rc (the Roundcube directory), pre and post (what goes before and
# after the value in a mailshift-figure line: "- " and "" on the target, "" and
# " -" on the source, so each server fills its own column).
# Prints the versions and the pre-flight table's rows; does not fail.
dv=$(dovecot --version 2>/dev/null) || dv=
echo "Dovecot ${dv:-not found}"
v=$(sed -n "s/.*define('RCMAIL_VERSION', *'\([^']*\)').*/\1/p" "$rc/program/include/iniset.php" 2>/dev/null || true)
echo "Roundcube ${v:-not found in $rc}"
# pre-flight's table (this server's column)
dw=${dv%% *}
echo "mailshift-figure dovecot $pre${dw:-none}$post"
echo "mailshift-figure roundcube $pre${v:-none}$post"
