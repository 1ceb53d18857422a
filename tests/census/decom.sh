# shellcheck shell=bash
# The decommission step's fragments (decom-list.sh, decom-wipe.sh) on a
# scratch tree, sourced by tests/census/run.sh (its run_fragment, check).
# The roots cannot lie under /tmp (a system directory for a store): they
# are made under build/.
dd=$(mktemp -d "$top/build/decom-test.XXXXXX")
db=$dd/backup
mkdir -p "$db/discovery" "$db/dump" "$dd/home/.ssh" "$dd/store/u1/cur" "$dd/outside" "$dd/rc/config"
echo m1 > "$dd/store/u1/cur/m1"
echo keep > "$dd/outside/f"
ln -s "$dd/outside" "$dd/store/u1/link"
echo dump > "$db/dump/vmail.sql"
echo "\$config['db_dsnw'] = 'mysql://roundcube:SECRET@localhost/roundcubemail';" > "$dd/rc/config/config.inc.php"
echo "ssh-ed25519 AAAA mailshift-migration root@new.example.org" > "$dd/home/.ssh/authorized_keys"
esc=$(printf 'x\033]0;owned\007y')
printf '%s\tmail\tvmail:vmail\t700\n' "$dd/store" /etc "$dd/$esc" > "$db/discovery/roots.tsv"
decom_list() {
  HOME=$dd/home run_fragment decom-list.sh "b=$db" system=0 "store=$dd/store" "dkim=$dd/dkim" "dbs=vmail" \
    "roundcube=$dd/rc" "m=mailshift-migration root@new.example.org"
}
before=$(find "$dd" -printf '%p %s %T@\n' | sort | sha256sum)
out=$(decom_list 2>&1); rc=$?
check "decom-list: lists the mail root with its size (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -qE '^  mail \(mail\) +$dd/store  [0-9.]+K' <<<\"\$1\"" _ "$out"
check "decom-list: a root it would never touch is named so, never used" \
  grep -q "^  storage root (mail) *\/etc  not mailshift's to touch: it lies in /etc" <<<"$out"
check "decom-list: a hostile root name reaches the admin with its control bytes as ?" \
  bash -c "grep -qF 'x?]0;owned?y' <<<\"\$1\" && ! grep -q \$'\\033' <<<\"\$1\"" _ "$out"
check "decom-list: mailshift's dumps, Roundcube's configuration by its path, not its password" \
  bash -c "grep -q \"^  mailshift's database dumps .*$db/dump\" <<<\"\$1\" && grep -q 'config.inc.php  holds its database password' <<<\"\$1\" && ! grep -q SECRET <<<\"\$1\"" _ "$out"
check "decom-list: the one-off key still authorized is named" \
  grep -q "^  the one-off key (authorized) *$dd/home/.ssh/authorized_keys  run remove-key" <<<"$out"
check "decom-list: read-only: nothing in the tree changed" test "$(find "$dd" -printf '%p %s %T@\n' | sort | sha256sum)" = "$before"
decom_wipe() { run_fragment decom-wipe.sh "b=$db"; }
echo digest > "$db/verified"
out=$(decom_wipe 2>&1); rc=$?
check "decom-wipe: refused before the cutover step ran, nothing removed (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'the cutover step has not run since verify passed' <<<\"\$1\" && [ -f '$dd/store/u1/cur/m1' ] && [ -d '$db/dump' ]" _ "$out"
cp "$db/verified" "$db/cutover"
out=$(decom_wipe 2>&1); rc=$?
check "decom-wipe: the root's contents wiped, the root kept, the dumps removed" \
  bash -c "[ -d '$dd/store' ] && [ -z \"\$(ls -A '$dd/store')\" ] && [ ! -e '$db/dump' ] && grep -q 'removed $db/dump' <<<\"\$1\"" _ "$out"
check "decom-wipe: a symbolic link inside is removed, never followed" test -f "$dd/outside/f"
check "decom-wipe: /etc and a hostile name are left alone, said, and fail the action (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q '^left alone: /etc (mail) lies in /etc' <<<\"\$1\" && grep -qF 'x?]0;owned?y' <<<\"\$1\" && grep -q 'wiped 1 storage root(s); 2 left alone' <<<\"\$1\"" _ "$out"
check "decom-wipe: it says what is left for the admin" grep -q '^left for you to handle (listed above): /etc/shadow' <<<"$out"
rm -rf "$dd"
