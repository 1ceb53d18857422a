# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w: tests/census/run.sh's, which sources this
# shellcheck disable=SC2016 # text for the fakes, expanded when they run
# A mail spool (/var/mail, a root of kind spool) read as the hostile source
# sends it, on a scratch tree, sourced by tests/census/run.sh (its
# run_fragment, check).  What it proves: the copy (copy.sh) takes only the
# moved users' plain files, never a link, device or special file, a set-id
# or execute bit or a file capability, never the file of a name this server
# gives another uid (root's); the final copy of a converted store leaves the
# conversion's ~/Maildir alone even when the source has its own; the target
# accepts a spool only at /var/mail or /var/spool/mail, and no other root
# there (lib-target.sh); owners.sh counts and fixes each moved user's spool
# file; the Dovecot census comparison never passes on a user neither
# Dovecot could read; decom-wipe removes only the files named after their
# user; the final copy never takes a path of the source's list with a ..
# component (--delete-missing-args would delete outside the store).  The
# rsync of the copies is the real one, its two paths moved into
# the scratch tree (the spool is /var/mail, this machine's own).
sd=$(mktemp -d "$top/build/spool-test.XXXXXX")
sd=$(realpath "$sd")
sb=$sd/backup
mkdir -p "$sb/discovery" "$sb/users/move" "$sd/bin" "$sd/src/var/mail" "$sd/dst/var/mail" "$sd/dst/etc"
root_here=0
[ "$(id -u)" = 0 ] && root_here=1
# rsync with the source (src::m...) read from $sd/src, "/" written as $sd/dst
printf '#!/usr/bin/env bash\nsd=%q real=%q\n%s\n' "$sd" "$(command -v rsync)" '
a=("$@"); n=${#a[@]}
s=${a[n-2]} d=${a[n-1]}
s=$sd/src${s#src::m}
[ "$d" != / ] || d=$sd/dst/
exec "$real" "${a[@]:0:n-2}" "$s" "$d"' > "$sd/bin/rsync"
printf '#!/usr/bin/env bash\n[ "$*" = "-h mail_location" ] && echo "maildir:~/Maildir"\n' > "$sd/bin/doveconf"
chmod +x "$sd/bin/rsync" "$sd/bin/doveconf"
sp_copy() { # PHASE CONVERT
  PATH=$sd/bin:$PATH run_fragment copy.sh "b=$sb" vmail= login=src origin=src::m ssh=false "phase=$1" \
    leave_out= "convert=$2" "units_awk=$(cat "$sh/units.awk")"
}
# the users moved: this machine's daemon, bin, sys, lp, nobody; "root" with
# the source's uid 1000 (here root is 0: never its file)
printf '%s\t%s\t%s\t/nonexistent\t/bin/sh\t\n' daemon 1 1 bin 2 2 sys 3 3 lp 7 7 nobody 65534 65534 root 1000 1000 \
  > "$sb/users/move/users.tsv"
printf '/var/mail\tspool\troot:mail\t2775\n' > "$sb/discovery/roots.tsv"
echo 'the target root mail' > "$sd/dst/var/mail/root"
echo 'shadow here' > "$sd/dst/etc/shadow"
echo 'From a  Mon Jan  1 00:00:00 2024' > "$sd/src/var/mail/nobody"
echo 'the source root mail, another size' > "$sd/src/var/mail/root"
ln -s ../../etc/shadow "$sd/src/var/mail/daemon"
printf '#!/bin/sh\nid\n' > "$sd/src/var/mail/bin"
mkfifo "$sd/src/var/mail/sys"
if [ "$root_here" = 1 ]; then
  chown 0:0 "$sd/src/var/mail/bin"
  setcap cap_setuid+ep "$sd/src/var/mail/bin" 2>/dev/null || true
  mknod "$sd/src/var/mail/lp" b 8 0
fi
chmod 4755 "$sd/src/var/mail/bin"  # (after chown, which clears it)
out=$(sp_copy bulk 0 2>&1); rc=$?
m=$sd/dst/var/mail
check "spool copy: the moved users' spool files are copied (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'From a' '$m/nobody' && [ -f '$m/bin' ]" || sed 's/^/     /' <<<"$out"
check "spool copy: a spool file that is a link to /etc/shadow is not copied as a link" \
  bash -c "[ ! -L '$m/daemon' ] && [ ! -e '$m/daemon' ] && [ \"\$(cat '$sd/dst/etc/shadow')\" = 'shadow here' ]"
check "spool copy: a fifo is not copied" test ! -e "$m/sys"
check "spool copy: no set-id or execute bit comes with a spool file" test -z "$(find "$m/bin" -perm /7111)"
check "spool copy: a name this server gives another uid (root, 1000 on the source) is not copied" \
  test "$(cat "$m/root")" = 'the target root mail'
if [ "$root_here" = 1 ]; then
  check "spool copy: a device node the source names is not made" test ! -e "$m/lp"
  check "spool copy: a file capability does not come with a file" test -z "$(getcap "$m/bin" 2>/dev/null)"
fi
# the final copy of a converted store: the source's own ~/Maildir (a file
# here) neither replaces nor removes the conversion's
h=$sd/home/u1
mkdir -p "$h/Maildir/cur" "$sd/src$h/mail"
echo converted > "$h/Maildir/cur/m1"
echo 'not the mail' > "$sd/src$h/Maildir"
echo folder > "$sd/src$h/mail/Sent"
printf '%s\tmail\t%s\t700\n' "$h" "$(id -un):$(id -gn)" >> "$sb/discovery/roots.tsv"
out=$(sp_copy final 1 2>&1); rc=$?
check "final copy of a converted store: the home is as on the source (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ \"\$(cat '$h/mail/Sent')\" = folder ]" || sed 's/^/     /' <<<"$out"
check "final copy of a converted store: the source's ~/Maildir does not replace the conversion's" \
  bash -c "[ -d '$h/Maildir' ] && [ \"\$(cat '$h/Maildir/cur/m1')\" = converted ]"

# the final copy of the mailboxes by the census's lists: a path of the
# source's list with a .. component (rsync would read "STORE/../victim" as
# "victim", missing on the source, and --delete-missing-args delete it here)
# stops the copy, naming it, with nothing deleted
st=$sd/store
mkdir -p "$st/a/Maildir/cur" "$sd/src$st/a/Maildir/cur" "$sd/dst$sd/victim" "$sb/census"
echo mine > "$sd/dst$sd/victim/f"
printf '%s\tmail\t%s\t700\n' "$st" "$(id -un):$(id -gn)" > "$sb/discovery/roots.tsv"
printf 'a@x\t%s/a/Maildir\t%s\n' "$st" "$st" > "$sb/discovery/accounts.tsv"
printf '%s/../victim\td\t-\n' "$st" > "$sb/census/source.dirs"
: > "$sb/census/cache-target.dirs"
out=$(sp_copy final 0 2>&1); rc=$?
check "final copy: a path with .. in the source's list stops it, named, nothing deleted outside the store (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -qF 'holds 1 path(s) with a . or .. component' <<<\"\$1\" && [ -f '$sd/dst$sd/victim/f' ]" _ "$out" ||
  sed 's/^/     /' <<<"$out"
rm -f "$sb/census/source.dirs" "$sb/census/cache-target.dirs"

# the target accepts a spool only at /var/mail or /var/spool/mail
sp_accept() { # ROOT KIND...: ms_accept_roots on those; its output in $sd/acc
  local r k
  while [ $# -gt 0 ]; do r=$1 k=$2; shift 2; printf '%s\t%s\troot:%s\t755\n' "$r" "$k" "$(id -gn root)"; done |
    # shellcheck source=steps/sh/lib.sh disable=SC2034 # b vmail: lib-target.sh's
    (b=$sd/tb vmail=; source "$sh/lib.sh"; source "$sh/lib-target.sh"; ms_accept_roots) > "$sd/acc" 2>&1
}
sp_refused() { # WHAT PATTERN ROOT KIND...
  local what=$1 pat=$2 rc
  shift 2
  sp_accept "$@"; rc=$?
  check "the target refuses $what (exit $rc)" bash -c "[ $rc = 1 ] && grep -qF -- '$pat' '$sd/acc'"
}
sp_refused "a spool outside /var/mail (cron's)" "storage root /var/spool/cron/crontabs is no mail spool" /var/spool/cron/crontabs spool
sp_refused "a spool anywhere else" "storage root $sd/spool is no mail spool" "$sd/spool" spool
sp_refused "a home that is /var/mail (to be copied whole)" "storage root /var/mail lies in the mail spool" /var/mail mail
sp_refused "a root inside /var/spool/mail" "storage root /var/spool/mail/x lies in the mail spool" /var/spool/mail/x sieve
# a system user's home outside /home that the target has, holding what is
# not the user's (its web tree, say), is refused: the final copy would
# delete that; empty, or only the user's (a bulk copy's), it is taken
mkdir -p "$sd/www/site" && echo page > "$sd/www/site/index.html"
chown -R root "$sd/www" 2>/dev/null || true
hw=$(printf '%s\tmail\tnobody:%s\t700\n' "$sd/www" "$(id -gn nobody 2>/dev/null || echo nogroup)")
(b=$sd/tb vmail=; source "$sh/lib.sh"; source "$sh/lib-target.sh"; ms_accept_roots <<<"$hw") > "$sd/acc" 2>&1; rc=$?
check "the target refuses a home outside /home it has with another's files, naming one (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -qF 'storage root $sd/www is a home outside /home that this server already has' '$sd/acc' && grep -qF '$sd/www' '$sd/acc'"
rm -rf "$sd/www" && mkdir -p "$sd/www"
(b=$sd/tb vmail=; source "$sh/lib.sh"; source "$sh/lib-target.sh"; ms_accept_roots <<<"$hw") > "$sd/acc" 2>&1; rc=$?
check "... and takes it empty (exit $rc)" test "$rc" = 0
if [ ! -L /var/mail ] && getent group mail > /dev/null; then
  sp_accept /var/mail spool; rc=$?
  check "the target accepts /var/mail as a spool (exit $rc)" grep -qx "/var/mail	spool	.*" "$sd/tb/discovery/roots.tsv"
fi

# owners.sh: each moved user's file in the spool, that user's, a plain file
if [ "$root_here" = 1 ]; then
  s=$sd/ospool
  mkdir -p "$s" && chmod 0755 "$s"
  printf '%s\tspool\troot:root\t755\n' "$s" > "$sb/discovery/roots.tsv"
  echo m > "$s/nobody"  # root's: wrong
  echo m > "$s/bin" && chown bin "$s/bin" && chmod 4660 "$s/bin"  # set-id: wrong
  echo m > "$s/sys" && chown sys "$s/sys" && chmod 0660 "$s/sys"  # right
  echo m > "$s/other" && chown daemon "$s/other"  # no moved user's: left alone
  ln -s /etc/passwd "$s/daemon"
  owners() { run_fragment owners.sh "b=$sb" vmail= "mode=$1" scope=all; }
  out=$(owners check 2>&1); rc=$?
  check "owners: a spool file of another owner, set-id, or a link fails the check, counted (exit $rc)" \
    bash -c "[ $rc = 1 ] && grep -qx 'mailshift-figure owners 0 3' <<<\"\$1\" && grep -qF '$s/daemon: not a plain file' <<<\"\$1\"" _ "$out" ||
    sed 's/^/     /' <<<"$out"
  pw=$(stat -c %U /etc/passwd)
  out=$(owners fix 2>&1); rc=$?
  check "owners fix: each spool file made its user's, no set-id bit; the link named, not followed (exit $rc)" \
    bash -c "[ $rc = 1 ] && [ \$(stat -c %U '$s/nobody') = nobody ] && [ -z \"\$(find '$s/bin' -perm /7111)\" ] &&
      [ \$(stat -c %U /etc/passwd) = '$pw' ] && [ -L '$s/daemon' ] && [ \$(stat -c %U '$s/other') = daemon ]" || sed 's/^/     /' <<<"$out"
  rm "$s/daemon"
  out=$(owners check 2>&1); rc=$?
  check "owners: then the check passes (exit $rc)" grep -qx 'mailshift-figure owners 0 0' <<<"$out"
fi

# census-mbox-compare: the same "cannot read" on both sides is no pass
mkdir -p "$sb/census"
printf 'A\talice\t1\t1\t0\nF\talice\tINBOX\t1\t1\t2\tg\n' > "$sd/s.tsv"
cp "$sd/s.tsv" "$sd/t.tsv"
mcmp() { run_fragment census-mbox-compare.sh "b=$sb" "compare_awk=$(cat "$sh/census-mbox-compare.awk")" "source=$sd/s.tsv" "target=$sd/t.tsv"; }
out=$(mcmp 2>&1); rc=$?
check "mbox comparison: the same census passes and leaves the pass (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ -s '$sb/census/verified' ]"
printf 'E\tbob\tthe host'"'"'s Dovecot does not find this user\n' | tee -a "$sd/s.tsv" >> "$sd/t.tsv"
out=$(mcmp 2>&1); rc=$?
check "mbox comparison: a user neither Dovecot could read fails it, named, and leaves no pass (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q '^  bob: the host.s Dovecot does not find this user' <<<\"\$1\" && [ ! -e '$sb/census/verified' ]" _ "$out"

# decom-wipe: only each user's own file, named after the user, right in the spool
ws=$sd/wspool
mkdir -p "$ws/sub"
for f in alice root sub/carol; do echo m > "$ws/$f"; done
echo keep > "$sd/kept"
ln -s "$sd/kept" "$ws/bob"
printf '%s\tspool\troot:mail\t2775\n' "$ws" > "$sb/discovery/roots.tsv"
printf '%s\t%s\t%s\n' alice "$ws/alice" "$ws" x "$ws/root" "$ws" bob "$ws/bob" "$ws" carol "$ws/sub/carol" "$ws" \
  sub "$ws/sub" "$ws" > "$sb/discovery/accounts.tsv"
echo digest > "$sb/verified" && cp "$sb/verified" "$sb/cutover"
out=$(run_fragment decom-wipe.sh "b=$sb" 2>&1); rc=$?
check "decom-wipe: a spool loses only its users' own files (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ ! -e '$ws/alice' ] && [ -f '$ws/root' ] && [ -L '$ws/bob' ] && [ -f '$sd/kept' ] && [ -f '$ws/sub/carol' ] &&
    grep -q '1 user spool file(s) removed' <<<\"\$1\"" _ "$out" || sed 's/^/     /' <<<"$out"
[ -n "${KEEP_SD:-}" ] || rm -rf "$sd"
