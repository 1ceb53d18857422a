# shellcheck shell=bash
# shellcheck disable=SC2154 # k b: the prologue's
# dkim-save: saves the target's own DKIM keys before the source's replace
# them, once (a rerun keeps the first save).  Run on the target.
# Prologue: k (the DKIM directory), b (the backup directory).
# Writes $b/target-before/dkim; says what it did.
# shellcheck disable=SC2174 # 0700 is for target-before itself, not its parents
mkdir -p -m 0700 -- "$b/target-before"
if [ -e "$b/target-before/dkim" ]; then echo "already saved in $b/target-before/dkim"
elif [ -d "$k" ]; then cp -a -- "$k" "$b/target-before/dkim" && echo "saved in $b/target-before/dkim"
else echo 'the target has no DKIM keys yet'; fi
