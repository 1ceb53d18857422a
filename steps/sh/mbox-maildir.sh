# shellcheck shell=bash
# shellcheck disable=SC2154 # b users inbox_dir mbox_dir census_awk: the prologue's
# mbox-maildir: on the target, after the users' homes and their /var/mail
# files were copied here (the same paths), each user's mbox store
# (mbox:~/mail:INBOX=/var/mail/USER) converted by this host's own Dovecot
# into the user's mail location as this Dovecot resolves it (Maildir), with
# dsync: doveadm backup -R -u USER LOCATION makes the user's own location a
# copy of LOCATION, keeping each folder's UIDVALIDITY, next UID and GUID,
# each message's UID, flags, keywords and GUID, and the subscriptions (the
# mbox's X-IMAPbase and X-UID headers, and the index the source's Dovecot
# kept in ~/mail/.imap, hold them).  doveadm -u runs the conversion with
# the user's own uid and gid (the userdb's): the files are the user's.
# dsync does not expand %u in a location, so each user is one doveadm with
# the user's own path (never -F with one location for all).
#
# Safe to run again: before anything, each user's Maildir is compared with
# the mbox (census-mbox.awk's lines of both, through this Dovecot): one
# that already shows what the mbox holds is "already converted" and left
# alone; one that holds only part of it (a run stopped) is completed; an
# empty one (no message: a skeleton's) is put aside as DIR.before-mailshift
# (dsync cannot replace its INBOX), kept; one
# that holds mail the mbox does not (another UIDVALIDITY, a message not
# from it) stops the step, before any user is converted: dsync's backup
# would delete that mail.  The mbox files are never removed (they are the
# way back).  After each conversion the Maildir must show exactly what the
# mbox shows, or the step fails.
#
# Prologue: b, users (a file whose lines begin with a user name: the users
# step's $b/users/move/users.tsv), inbox_dir (/var/mail), mbox_dir (the
# folders' directory in the home: mail), census_awk; lib.sh and mbox-lib.sh
# before.  Writes $b/mbox/converted.tsv (user, the mbox location, where the
# mail went, messages, folders), 0600.
export LC_ALL=C
d=$b/mbox
mkdir -p -- "$d" && chmod 0700 -- "$d" || exit 1
tmp=$(mktemp -d "$d/.convert.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
[ -f "$users" ] || { echo "no list of users in $users: run the users step first" >&2; exit 1; }
ms_names < "$users" > "$tmp/users" || { echo "the list of users $users holds names that are none: nothing converted" >&2; exit 1; }
ms_dovecot_auth || exit 1
trap 'rm -rf -- "$tmp"; ms_dovecot_auth_stop' EXIT
# dsync wants the same hierarchy separator on both sides: the mbox is read
# with the target's (a virtual one: the files stay as they are)
sep=$(ms_separator) ns=$(ms_namespace) && ns=${ns%%$'\t'*}
same=()
[ -z "$ns" ] || same=(-o "namespace/$ns/separator=$sep")
# list USER DIR SEP [doveadm option...]: the user's census lines (without C), into DIR/list
list() {
  local u=$1 o=$2 s=$3
  shift 3
  mkdir -p -- "$o"
  TMPDIR=$tmp ms_dovecot_list "$s" -u "$u" "$@" | { grep -v '^C' || true; } | sort > "$o/list"
}

# 1. Each user: where the mbox is, where the mail goes, and what is there already.
bad=0 done_=0 none=0
while IFS= read -r u; do
  home=$(doveadm user -f home -- "$u" 2>/dev/null) || home=
  if [ -z "$home" ]; then echo "$u: this server's Dovecot does not find the user (or no home): not converted" >&2; bad=1; continue; fi
  inbox=$inbox_dir/$u root=$home/$mbox_dir
  case $inbox$root in *[!A-Za-z0-9._/+@=-]*)
    echo "$u: the mbox paths $inbox, $root hold characters a mail location cannot: convert by hand" >&2; bad=1; continue ;;
  esac
  if [ ! -f "$inbox" ] && [ ! -d "$root" ]; then echo "$u: no mbox here ($inbox, $root): nothing to convert"; none=$((none + 1)); continue; fi
  loc=mbox:$root:INBOX=$inbox
  dest=$(doveadm mailbox path -u "$u" -t mailbox INBOX 2>/dev/null) || dest=
  case $dest in
    "$root"|"$root"/*|"$inbox") echo "$u: this server's Dovecot keeps the mail in the mbox itself ($dest): nothing to convert (set its mail_location to Maildir first)" >&2; bad=1; continue ;;
    "") echo "$u: this server's Dovecot has no mail location for the user" >&2; bad=1; continue ;;
  esac
  w=$tmp/u/$u
  list "$u" "$w/mbox" "$sep" "${same[@]}" -o "mail_location=$loc"
  if [ ! -e "$dest" ]; then
    printf '%s\t%s\t%s\n' "$u" "$loc" "$dest" >> "$tmp/todo"
    continue
  fi
  list "$u" "$w/dest" "$sep" "${same[@]}"
  if grep -q '^E' "$w/mbox/list"; then
    echo "$u: Dovecot cannot read the mbox $loc: $(awk -F '\t' '$1 == "E" { print $3; exit }' "$w/mbox/list")" >&2; bad=1; continue
  fi
  if grep -q '^E' "$w/dest/list"; then
    echo "$u: Dovecot cannot read $dest: $(awk -F '\t' '$1 == "E" { print $3; exit }' "$w/dest/list")" >&2; bad=1; continue
  fi
  if cmp -s "$w/mbox/list" "$w/dest/list"; then
    echo "$u: already converted: $dest shows what the mbox holds (nothing changed)"
    done_=$((done_ + 1)); continue
  fi
  foreign=$(ms_foreign "$w/mbox/list" "$w/dest/list")
  if [ "$foreign" != "0 0" ]; then
    read -r fm ff <<<"$foreign"
    echo "$u: $dest already holds mail that is not from the mbox ($fm message(s), $ff folder(s) with another UIDVALIDITY): not merged; move it away (or convert this user by hand) and run the step again" >&2
    bad=1; continue
  fi
  if ! grep -q '^M' "$w/dest/list"; then
    # an empty Maildir (a skeleton's, a test delivery's since removed):
    # dsync cannot replace its INBOX, so it goes aside, kept
    printf '%s\t%s\t%s\n' "$u" "$loc" "$dest" >> "$tmp/aside"
  fi
  printf '%s\t%s\t%s\n' "$u" "$loc" "$dest" >> "$tmp/todo"
done < "$tmp/users"
[ "$bad" = 0 ] || { echo "nothing converted: the users above need a look first" >&2; exit 1; }

# 2. The conversions, one user at a time, each checked.
while IFS=$'\t' read -r u _ dest; do
  a=$dest.before-mailshift
  [ ! -e "$a" ] || a=$a.$(date +%s)
  mv -T -- "$dest" "$a"
  echo "$u: the empty $dest put aside as $a (no message in it)"
done < <(cat -- "$tmp/aside" 2>/dev/null)
n=0
while IFS=$'\t' read -r u loc dest; do
  w=$tmp/u/$u root=${loc#mbox:} && root=${root%%:INBOX=*}
  before=$(find "${loc##*:INBOX=}" "$root" -name .imap -prune -o -type f -printf '%p %s %T@\n' 2>/dev/null | sed 's/\.[0-9]*$//' | sort)
  if ! doveadm "${same[@]}" backup -R -u "$u" "$loc" 2> "$w/errors" || grep -q 'Error' "$w/errors"; then
    echo "$u: the conversion failed (doveadm backup -R -u $u $loc):" >&2
    grep -m 5 . "$w/errors" | sed 's/^/  /' >&2
    exit 1
  fi
  after=$(find "${loc##*:INBOX=}" "$root" -name .imap -prune -o -type f -printf '%p %s %T@\n' 2>/dev/null | sed 's/\.[0-9]*$//' | sort)
  list "$u" "$w/after" "$sep" "${same[@]}"
  if ! cmp -s "$w/mbox/list" "$w/after/list"; then
    echo "$u: after the conversion $dest does not show what the mbox shows:" >&2
    comm -3 -- "$w/mbox/list" "$w/after/list" | head -n 10 | sed 's/^/  /' >&2
    exit 1
  fi
  read -r m f <<<"$(awk -F '\t' '$1 == "M" { m++ } $1 == "F" { f++ } END { print m + 0, f + 0 }' "$w/after/list")"
  echo "$u: $m message(s) in $f folder(s) from $loc into $dest, UIDs, flags and UIDVALIDITY kept; the mbox stays where it was"
  [ "$before" = "$after" ] || echo "$u: (Dovecot wrote into the mbox files while reading them: its own X-UID and X-IMAPbase headers)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$u" "$loc" "$dest" "$m" "$f" >> "$d/converted.tsv"
  n=$((n + 1))
done < <(cat -- "$tmp/todo" 2>/dev/null)
chmod 0600 -- "$d/converted.tsv" 2>/dev/null || true
echo "converted $n user(s); $done_ already converted; $none without an mbox"
