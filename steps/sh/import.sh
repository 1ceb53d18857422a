# shellcheck shell=bash
# shellcheck disable=SC2154 # b into location census_awk: the prologue's
# import: on an iRedMail target, in the window, after the final copy: each
# system user's mail, copied from the source into the directory $into
# under its own paths (copy.sh: INTO/home/alice, INTO/var/mail/alice), put
# into the user's iRedMail mailbox (irm-accounts.sh made it: the map
# $b/accounts/map.tsv, user and address) by this server's own Dovecot with
# dsync: doveadm backup -R -u ADDRESS LOCATION makes the mailbox a copy of
# LOCATION, whatever it stores (Maildir, or mbox with its INBOX in the
# spool), keeping each folder's UIDVALIDITY, next UID and GUID, each
# message's UID, flags, keywords and GUID, and the subscriptions.
# LOCATION is the source's own mail_location (its Dovecot's, sent as a
# value) with the user's home and name put in and every path moved under
# $into, INDEX and CONTROL too (where a Maildir's dovecot-uidlist or an
# mbox's index may lie: the UIDs).  Only the mail's paths become the
# mailbox owner's; a re-run completes a mailbox this step began to fill
# and did not finish ($b/import/started), and refuses one it finished that
# holds mail since.
#
# The ground truth is the source's census ($b/census/source.tsv, its own
# Dovecot's lines, fetched by the census step): before a user is imported
# its mailbox here is compared with the census's lines of that user.  A
# mailbox that shows them already is left alone (a second run changes
# nothing); one with no message (a new mailbox's) or with only part of them
# (a run stopped) is made complete; one that holds mail the census does
# not have (another UIDVALIDITY, a message not from the source) stops the
# step before any user is imported: dsync's backup would delete it.  After
# each import the mailbox must show exactly the census's lines of the
# user, or the step fails.  The copies in $into stay (the way back; the
# decommission of the target's own backups is the admin's).
#
# Prologue: b, into, location (the source's Dovecot mail_location),
# census_awk; lib.sh and mbox-lib.sh before.  Writes $b/import/done.tsv
# (user, address, location, messages, folders), 0600.
export LC_ALL=C
d=$b/import census=$b/census/source.tsv map=$b/accounts/map.tsv
case $into in /?*) ;; *) echo "not an absolute path: $into" >&2; exit 1 ;; esac
if [ ! -d "$into" ] || [ -L "$into" ]; then echo "no copy of the source's mail in $into: run the copies first" >&2; exit 1; fi
[ -f "$map" ] || { echo "no $map: the mailboxes were not made (the mailboxes step)" >&2; exit 1; }
[ -f "$census" ] || { echo "no census of the source in $census: run the census step first" >&2; exit 1; }
[ -f "$b/users/passwd" ] || { echo "no $b/users/passwd: the source's account files were not fetched" >&2; exit 1; }
mkdir -p -- "$d" && chmod 0700 -- "$d" || exit 1
tmp=$(mktemp -d "$d/.import.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
ms_dovecot_auth || exit 1
trap 'rm -rf -- "$tmp"; ms_dovecot_auth_stop' EXIT
sep=$(ms_separator) ns=$(ms_namespace) && ns=${ns%%$'\t'*}
same=()
[ -z "$ns" ] || same=(-o "namespace/$ns/separator=$sep")

# where USER's mail lies in $into: the source's location, its ~ and %h the
# user's home there, %u %n %Lu %Ln the name, every path under $into.
# Prints the location, then the paths it names (each to be given to the
# mailbox's owner), one a line; fails saying why.  The source's value is
# hostile: only the characters a plain location has, LAYOUT of Dovecot's
# own, INDEX and CONTROL moved under $into like the mail (they hold the
# UIDs of a Maildir's or mbox's folders), any other key refused.
place() { # USER HOME
  local u=$1 h=$2 fmt rest part out keep=() own=() p k why
  fmt=${location%%:*} rest=${location#*:}
  case $fmt in maildir|mbox) ;; *) echo "the source's mail_location ${location//[^[:print:]]/?} is not Maildir or mbox, which the import reads"; return 1 ;; esac
  rest=${rest//%Lu/$u} && rest=${rest//%Ln/$u} && rest=${rest//%u/$u} && rest=${rest//%n/$u} && rest=${rest//%h/$h}
  case $rest in *%*) echo "the source's mail_location $location has a variable the import does not fill"; return 1 ;; esac
  IFS=: read -r -a part <<<"$rest"
  out=
  for p in "${part[@]}"; do
    k=
    case $p in
      VOLATILEDIR=*|INDEXPVT=*) continue ;;
      LAYOUT=fs|LAYOUT=maildir++|LAYOUT=index|UTF-8|INDEX=MEMORY) keep+=("$p"); continue ;;
      INDEX=*|CONTROL=*) k=${p%%=*} p=${p#*=} ;;
      INBOX=*) k=INBOX p=${p#INBOX=} ;;
      *=*) echo "the source's mail_location $location has ${p%%=*}, which the import does not carry"; return 1 ;;
      "") continue ;;
    esac
    case $p in \~) p=$h ;; \~/*) p=$h/${p:2} ;; esac
    case $p in /*) ;; *) echo "the source's mail_location gives $p for $u, not an absolute path"; return 1 ;; esac
    why=$(ms_path_problem "$p")
    [ -z "$why" ] || { echo "$p $why"; return 1; }
    own+=("$into$p")
    if [ -z "$k" ] && [ -z "$out" ]; then out=$fmt:$into$p
    elif [ -n "$k" ]; then keep+=("$k=$into$p")
    else echo "the source's mail_location $location names two mail paths"; return 1; fi
  done
  [ -n "$out" ] || { echo "the source's mail_location $location names no path"; return 1; }
  for p in "${keep[@]}"; do out=$out:$p; done
  printf '%s\n' "$out" "${own[@]}"
}
# the census's lines of a user, as they compare: sorted, without C
src_lines() { awk -F '\t' -v u="$1" '$1 != "C" && $2 == u' "$census" | sort; }
# the mailbox's lines here, named as the census names the user
dst_lines() { TMPDIR=$tmp ms_dovecot_list "$sep" -u "$2" | awk -F '\t' -v OFS='\t' -v u="$1" '$1 != "C" { $2 = u; print }' | sort; }

# 1. Each user: where its copy is, its mailbox, what the mailbox holds.
bad=0 done_=0 none=0
# (the source's value: only what a plain location holds, no tab, no space)
if ! [[ $location =~ ^[A-Za-z0-9._/~%:=+@-]+$ ]]; then
  echo "the source's mail_location is not a plain location (${location//[^[:print:]]/?}): nothing imported" >&2; exit 1
fi
while IFS=$'\t' read -r u addr _; do
  [[ $u =~ ^[a-z_][a-z0-9_.-]*$ ]] || { echo "not a user name in the map: ${u//[^[:print:]]/?}" >&2; bad=1; continue; }
  home=$(awk -F ':' -v u="$u" '$1 == u { print $6; exit }' "$b/users/passwd")
  [ -n "$home" ] || { echo "$u: not in the source's passwd: not imported" >&2; bad=1; continue; }
  why=$(ms_path_problem "$home")
  [ -z "$why" ] || { echo "$u: the home $home $why: not imported" >&2; bad=1; continue; }
  if ! placed=$(place "$u" "$home"); then echo "$u: $placed" >&2; bad=1; continue; fi
  loc=${placed%%$'\n'*} owned=$(tail -n +2 <<<"$placed" | tr '\n' ' ')
  uid=$(doveadm user -f uid -- "$addr" 2>/dev/null) gid=$(doveadm user -f gid -- "$addr" 2>/dev/null) || uid=
  # (a name, as iRedMail's mail_uid vmail, or a number)
  [[ $uid =~ ^[0-9]*$ ]] || uid=$(id -u -- "$uid" 2>/dev/null)
  [[ $gid =~ ^[0-9]*$ ]] || gid=$(getent group -- "$gid" | cut -d : -f 3)
  if ! [[ $uid =~ ^[0-9]+$ && $gid =~ ^[0-9]+$ ]] || [ "$uid" = 0 ]; then
    echo "$u: this server's Dovecot does not find $addr (or gives it no uid and gid): not imported" >&2; bad=1; continue
  fi
  w=$tmp/u/$u
  mkdir -p -- "$w"
  src_lines "$u" > "$w/census"
  if ! grep -q '^[AF]' "$w/census"; then echo "$u: the source's census has no mail of this user: nothing to import"; none=$((none + 1)); continue; fi
  dst_lines "$u" "$addr" > "$w/dest"
  if grep -q '^E' "$w/dest"; then
    echo "$u: Dovecot cannot read the mailbox of $addr: $(awk -F '\t' '$1 == "E" { print $3; exit }' "$w/dest")" >&2; bad=1; continue
  fi
  if cmp -s "$w/census" "$w/dest"; then
    echo "$u: already imported: $addr shows what the census counted (nothing changed)"; done_=$((done_ + 1)); continue
  fi
  foreign=$(ms_foreign "$w/census" "$w/dest")
  # (a mailbox this step began to fill, a run stopped: made complete)
  if [ "$foreign" != "0 0" ] && ! grep -qxF -- "$u" "$d/started" 2>/dev/null; then
    read -r fm ff <<<"$foreign"
    echo "$u: the mailbox of $addr already holds mail that is not the source's ($fm message(s), $ff folder(s) with another UIDVALIDITY): not merged; move it away, then run the step again" >&2
    bad=1; continue
  fi
  dest=$(doveadm mailbox path -u "$addr" -t mailbox INBOX 2>/dev/null) || dest=
  [ -n "$dest" ] || { echo "$u: this server's Dovecot gives $addr no mail location" >&2; bad=1; continue; }
  # an empty mailbox (a new one: no message) cannot have its INBOX
  # replaced by dsync: it goes aside, kept
  aside=
  if [ -e "$dest" ] && ! grep -q '^M' "$w/dest"; then aside=$dest; fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$u" "$addr" "$loc" "$uid:$gid" "$owned" "$dest" "$aside" >> "$tmp/todo"
done < "$map"
[ "$bad" = 0 ] || { echo "nothing imported: the users above need a look first" >&2; exit 1; }

# 2. The mail's paths in the copies become the mailbox's owner's (vmail):
#    dsync runs as that user.  Only those paths (the rest of a home, its
#    keys say, stays root's: copy.sh took no owner); $into is root's and
#    the owner's group's alone, the directories below it only traversed.
while IFS=$'\t' read -r u _ _ owner owned _; do
  [[ $owner =~ ^[0-9]+:[0-9]+$ ]] || { echo "$u: not an owner: $owner" >&2; exit 1; }
  chown -h -- "0:${owner#*:}" "$into" && chmod 0710 -- "$into" || exit 1
  for f in $owned; do
    case $f in "$into"/?*) ;; *) echo "$u: $f is not in $into: not imported" >&2; exit 1 ;; esac
    [ -e "$f" ] || [ -L "$f" ] || continue
    # (no link on the way below $into: realpath -m follows every one)
    [ "$(realpath -m -- "$f")" = "$(realpath -e -- "$into")${f#"$into"}" ] || { echo "$u: $f goes through a symbolic link in the copy: not followed, not imported" >&2; exit 1; }
    chown -R -h -- "$owner" "$f" || exit 1
    # an mbox INBOX's directory (INTO/var/mail: the moved users' files
    # alone) takes Dovecot's dot-lock files
    if [ -f "$f" ] && [ "${f%/*}" != "$into" ]; then chown -h -- "$owner" "${f%/*}" || exit 1; fi
    a=${f%/*}
    while [ "$a" != "$into" ] && [ -n "$a" ]; do [ -L "$a" ] || [ ! -d "$a" ] || chmod a+x -- "$a"; a=${a%/*}; done
  done
done < <(cat -- "$tmp/todo" 2>/dev/null)

# 3. The imports, one user at a time, each checked against the census.
n=0
while IFS=$'\t' read -r u addr loc _ _ dest aside; do
  w=$tmp/u/$u
  if [ -n "$aside" ]; then
    a=$aside.before-mailshift
    [ ! -e "$a" ] || a=$a.$(date +%s)
    mv -T -- "$aside" "$a"
    echo "$u: the empty $aside put aside as $a (no message in it)"
  fi
  grep -qxF -- "$u" "$d/started" 2>/dev/null || printf '%s\n' "$u" >> "$d/started"
  if ! doveadm "${same[@]}" backup -R -u "$addr" "$loc" 2> "$w/errors" || grep -q 'Error' "$w/errors"; then
    echo "$u: the import failed (doveadm backup -R -u $addr $loc):" >&2
    grep -m 5 . "$w/errors" | sed 's/^/  /' >&2
    exit 1
  fi
  dst_lines "$u" "$addr" > "$w/after"
  if ! cmp -s "$w/census" "$w/after"; then
    echo "$u: after the import $addr does not show what the source's census counted:" >&2
    comm -3 -- "$w/census" "$w/after" | head -n 10 | sed 's/^/  /' >&2
    exit 1
  fi
  read -r m f <<<"$(awk -F '\t' '$1 == "M" { m++ } $1 == "F" { f++ } END { print m + 0, f + 0 }' "$w/after")"
  echo "$u: $m message(s) in $f folder(s) into $addr ($dest), UIDs, flags and UIDVALIDITY kept"
  printf '%s\t%s\t%s\t%s\t%s\n' "$u" "$addr" "$loc" "$m" "$f" >> "$d/done.tsv"
  # (done: mail that comes to this mailbox later is no longer this step's)
  grep -vxF -- "$u" "$d/started" > "$d/started.new" || true
  mv -- "$d/started.new" "$d/started"
  n=$((n + 1))
done < <(cat -- "$tmp/todo" 2>/dev/null)
chmod 0600 -- "$d/done.tsv" 2>/dev/null || true
echo "imported $n user(s); $done_ already imported; $none without mail in the census; the copies stay in $into"
