# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail login origin ssh phase leave_out units_awk into: the prologue's
# copy: the target pulls the mail from the source with rsync, the mail store
# ($vmail) and every storage root discovery found ($b/discovery/roots.tsv,
# accepted here by pre-flight), each into the same path.  A root that is a
# symbolic link on the source (a store on another disk) is read through the
# link and written here as a directory at the root's own path.
#
# Prologue: b, vmail ("" when the accounts are system users: no one store,
# each home a root), login (USER@HOST of the source, for messages), origin
# (HOST::mailshift: the key's gate there, rsync reading only), ssh (how the
# target reaches it: the one-off key), phase: bulk (while the source is live: adds and
# updates, deletes nothing; rsync's exit 24, files that vanished meanwhile, is
# expected) or final (the source is stopped: each root is made as on the
# source, deleting what users deleted meanwhile; nothing outside the roots is
# deleted); leave_out: a root left out on purpose (a test hook: empty);
# convert: 1 when the source's mail is mbox, converted here after the copy
# (its Maildirs are left alone by the final copy).  A root of kind spool
# (/var/mail) is copied for the moved users' own files only.  into: "" (each
# root into its own path), or a directory every root is copied into, under
# its own path (INTO/home/alice): system users moving into iRedMail, whose
# mail the import step (import.sh) takes from there into their mailboxes.
#
# --info=progress2 reports each copy in place (bytes, percent, rate, time
# left); --no-inc-recursive lists the whole tree first, so the percentage is
# of the whole and -H knows every hard link before it copies one.
export LC_ALL=C
r=$b/discovery/roots.tsv
[ -f "$r" ] || { echo "no storage roots in $r: run pre-flight first" >&2; exit 1; }
case ${into:-} in ""|/?*) ;; *) echo "not an absolute path: $into" >&2; exit 1 ;; esac
# --safe-links: a symbolic link from the source that is absolute or leads
# out of what is copied is left out (the source may be compromised: nothing
# here may ever act through it); Dovecot's own, a sieve script's active
# link say, stay.  No device or special file (a device node the source
# names, owned by a user, is that user's raw disk here), and none of the
# namespaces only root may set (security.capability: a program of a user
# that runs with root's powers; trusted.*): mail needs neither
rs=(rsync -aHAXs --safe-links --numeric-ids --no-inc-recursive --stats -e "$ssh")
rs+=(--no-D --filter='-x security.*' --filter='-x trusted.*')
roots=() inside=() spools=() keep=()
# iRedMail's own nightly backups (its databases, the mysql system database
# too) stay on each server: the target keeps its own, never the source's
inside+=(--exclude=/backup)
while IFS="$(printf '\t')" read -r root kind _; do
  [ -n "$root" ] || continue
  why=$(ms_path_problem "$root")
  [ -z "$why" ] || { echo "storage root $root $why" >&2; exit 1; }
  if [ "$kind" = spool ]; then spools+=("$root"); continue; fi
  if [ -n "$leave_out" ] && [ "$root" = "$leave_out" ]; then
    echo "TEST HOOK: $root is left out of the copy (MAILSHIFT_TEST_LEAVE_OUT)"; continue
  fi
  roots+=("$root")
  # (no trailing /: a root that is a symbolic link on the source is excluded
  # too, and copied through the link as a directory, never as the link)
  case $root/ in "$vmail"/*) inside+=(--exclude="/${root#"$vmail"/}") ;; esac
done < "$r"
[ -z "$leave_out" ] || case $leave_out/ in "$vmail"/*) inside+=(--exclude="/${leave_out#"$vmail"/}") ;; esac
# why a copy into TO failed, in one line, for the causes an admin can fix
said() { # RC TO
  local avail
  avail=$(df --output=avail -B1 -- "$2" 2>/dev/null | tail -n 1 | tr -d ' ')
  if [ -n "$avail" ] && [ "$avail" -lt 1048576 ]; then
    echo "the copy stopped (rsync exit $1): the target's disk is full at $2 ($(df -h --output=target,size -- "$2" | tail -n 1)). Make room there, then run the same command again: the copy goes on where it stopped" >&2
  elif [[ " 5 10 12 20 30 35 255 " == *" $1 "* ]]; then
    # (20: a signal; mailshift's own stop ends this script before it says so)
    echo "the copy stopped (rsync exit $1): the SSH connection from the target to the source ($login) broke, or the source's rsync was stopped. Nothing is lost: when the source answers again, run the same command again: the copy goes on where it stopped" >&2
  fi
}
pull() { # FROM TO [rsync options]: rsync's exit status, 24 taken as success while live
  local from=$1 to=${into:-}$2 rc=0
  shift 2
  (umask 022 && mkdir -p -- "$to")  # parents others may traverse (Dovecot runs as vmail)
  # into a directory: no link on the way there below it (a root's copy
  # made none; the directory itself may lie behind this server's own)
  if [ -n "${into:-}" ] && [ "$(realpath -e -- "$to")" != "$(realpath -e -- "$into")${to#"$into"}" ]; then
    echo "$to goes through a symbolic link: nothing copied into it" >&2; return 1
  fi
  "${rs[@]}" --info=progress2 "$@" -- "$origin$from/" "$to/" || rc=$?
  if [ "$rc" = 24 ] && [ "$phase" = bulk ]; then
    echo "some files vanished while copying $from (mail changes while live): the final copy takes them"; rc=0
  fi
  [ "$rc" = 0 ] || said "$rc" "$to"
  return "$rc"
}
# A mail spool (/var/mail): only the files of the users the users step moves
# ($b/users/move/users.tsv), never the target's own users' (root's, say):
# each a user here with the uid the list gives (the users step created it;
# into a directory: the users are mailboxes, none is a user here), and each
# a plain file: no link, directory, device or special file, no
# set-id or execute bit (a spool file the source sends is a mailbox, never
# a program)
spool() { # ROOT [rsync options]
  local list rc=0 name uid _
  [ -f "$b/users/move/users.tsv" ] || { echo "no list of users in $b/users/move/users.tsv: run the users step first" >&2; return 1; }
  list=$(mktemp "$b/.spool.XXXXXX") || return 1
  # (each named from the module's root: rsync 3.5 finds no file of a
  # --files-from list below a directory of the module, "vanished")
  while IFS="$(printf '\t')" read -r name uid _; do
    [[ $name =~ ^[a-z_][a-z0-9_.-]*$ ]] || continue
    [ -n "${into:-}" ] || [ "$(id -u -- "$name" 2>/dev/null)" = "$uid" ] || continue
    printf '%s/%s\n' "${1#/}" "$name"
  done < "$b/users/move/users.tsv" > "$list"
  (umask 022 && mkdir -p -- "${into:-}$1")
  "${rs[@]}" --info=progress2 --no-implied-dirs --no-dirs --no-links --chmod=Fugo-xst --ignore-missing-args \
    --files-from="$list" "${@:2}" -- "$origin/" "${into:-}/" || rc=$?
  rm -f -- "$list"
  [ "$rc" = 0 ] || said "$rc" "$1"
  return "$rc"
}
# the source keeps mbox (convert = 1): each home's Maildir here is the
# conversion's (mbox-maildir.sh), not the source's to delete or replace:
# left out of the final copy (an excluded path is neither sent nor deleted;
# a protect rule alone would let the source's own ~/Maildir, a file or a
# directory, replace it)
if [ -n "${into:-}" ]; then
  # (a directory of its own, root's alone until the import gives the mail
  # in it to vmail; what comes in is root's, never set-id: the source's
  # owners mean nothing here, and its files are run by no one)
  [ ! -L "$into" ] || { echo "$into is a symbolic link: nothing copied" >&2; exit 1; }
  mkdir -p -- "$into" && chmod 0700 -- "$into" || exit 1
  rs+=(--no-owner --no-group --chmod=ug-s)
elif [ "${convert:-0}" = 1 ]; then
  loc=$(doveconf -h mail_location 2>/dev/null) || loc=
  case $loc in maildir:~/?*) p=${loc#maildir:~/} && p=${p%%:*} && keep+=(--filter="- /${p%/}*") ;; esac
fi
if [ "$phase" = bulk ]; then
  for root in "${spools[@]}"; do spool "$root"; done
  # the mail store but its roots, then each root
  if [ -n "$vmail" ]; then pull "$vmail" "$vmail" "${inside[@]}"; fi
  for root in "${roots[@]}"; do pull "$root" "$root"; done
  if [ -n "$vmail" ]; then
    echo "copied $vmail and $((${#roots[@]})) storage root(s); nothing was deleted"
    echo "left on each server: $vmail/backup (iRedMail's own backups: the target keeps its own)"
  else
    sp=
    [ ${#spools[@]} = 0 ] || sp=" and the users' files of ${spools[*]}"
    echo "copied $((${#roots[@]})) storage root(s) (the users' homes)$sp${into:+ into $into}; nothing was deleted"
  fi
else
  # what this copy deletes or replaces here is kept, not lost: moved into
  # $b/deleted/STAMP under its own path (mail the target had that the source
  # lacks: a target that went live, a run repeated after the switch)
  kept=$b/deleted/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p -- "$kept" && chmod 0700 -- "$b/deleted" || exit 1
  rs+=(--backup)
  # what is not a root: added and updated
  t0=$EPOCHREALTIME
  if [ -n "$vmail" ]; then pull "$vmail" "$vmail" "${inside[@]}" --backup-dir="$kept$vmail"; fi
  mail=() other=()
  while IFS="$(printf '\t')" read -r root kind _; do
    case " ${roots[*]} " in *" $root "*) ;; *) continue ;; esac
    if [ "$kind" = mail ]; then mail+=("$root"); else other+=("$root"); fi
  done < "$r"
  # the users' files of each mail spool: as on the source
  for root in "${spools[@]}"; do spool "$root" --backup-dir="$kept"; done
  # the roots beside the mailboxes (lists, sieve, public): each as on the source
  for root in "${other[@]}"; do pull "$root" "$root" --delete-after --backup-dir="$kept$root"; done
  t1=$EPOCHREALTIME
  rm -f -- "$b/state/synced"
  if [ -z "${into:-}" ] && [ -f "$b/census/source.dirs" ] && [ -f "$b/census/cache-target.dirs" ] && [ ${#mail[@]} -gt 0 ]; then
    # The mailboxes: only what is not the same on both servers.  The census
    # step listed the state of the source's mail (ms_dirstate: paths and
    # times); this server's, as its census last listed it (after the bulk
    # copy; after an earlier final copy, verify's), differs wherever a
    # message arrived, was removed or flagged since (rsync gives each
    # directory and file the source's time), and wherever this server's
    # copy was changed since it was listed: each such account is made as on
    # the source, whole; a directory outside every account alone.  What
    # changes here after that list is what verify's census finds.
    t=$(mktemp -d "$b/.copy.XXXXXX")
    trap 'rm -rf -- "$t"' EXIT
    state=$b/census/cache-target.dirs
    [ ! "$b/census/target.dirs" -nt "$state" ] || state=$b/census/target.dirs
    cp -- "$state" "$t/target.dirs"
    # the source's list, for the roots copied here.  A path with a . or ..
    # component is the source's doing (ms_dirstate lists none): rsync reads
    # it cleaned, "ROOT/../../etc" as "etc", and --delete-missing-args
    # would delete that here; the copy stops on it, naming it
    awk -F '\t' -v roots="$(printf '%s\n' "${mail[@]}")" -v odd="$t/odd" 'BEGIN { n = split(roots, r, "\n") }
      ($1 "/") ~ /\/\.\.?\// { print $1 > odd; next }
      { for (i = 1; i <= n; i++) if (r[i] != "" && index($1 "/", r[i] "/") == 1) { print; next } }' \
      "$b/census/source.dirs" > "$t/source.dirs"
    if [ -s "$t/odd" ]; then
      echo "the source's list of its mail directories ($b/census/source.dirs) holds $(wc -l < "$t/odd") path(s) with a . or .. component, which no listing makes (the source may be compromised), the first: $(head -n 1 -- "$t/odd" | cut -c 1-200 | tr -c '[:print:]' '?')" >&2
      echo "nothing was copied: run the census step again on the source (or find out who changed its list)" >&2
      exit 1
    fi
    comm -3 -- "$t/source.dirs" "$t/target.dirs" | sed 's/^\t//' |
      awk -F '\t' -v accounts="$b/discovery/accounts.tsv" -v leave_out="$leave_out" "$units_awk" > "$t/units"
    awk -F '\t' '$1 == "R" { print substr($2, 2) }' "$t/units" > "$t/r"
    awk -F '\t' '$1 == "D" { print substr($2, 2) "/." }' "$t/units" > "$t/d"
    t2=$EPOCHREALTIME
    # --no-implied-dirs: the directories above each path keep this server's
    # own attributes (a new one among them differs, so it is in the list);
    # --delete-missing-args: what the source no longer has goes here too
    if [ -s "$t/r" ]; then
      "${rs[@]}" -r --info=progress2 --delete-after --no-implied-dirs --delete-missing-args \
        --backup-dir="$kept" --files-from="$t/r" -- "$origin/" / || { rc=$?; said "$rc" "${mail[0]}"; exit "$rc"; }
    fi
    if [ -s "$t/d" ]; then
      "${rs[@]}" -d --delete-after --no-implied-dirs --delete-missing-args --backup-dir="$kept" \
        --files-from="$t/d" -- "$origin/" / || { rc=$?; said "$rc" "${mail[0]}"; exit "$rc"; }
    fi
    # copied from /, a relative link that climbs out of its account is
    # "safe" to rsync: none may lead out of its account here
    out=0
    while IFS= read -r u; do
      [ -n "$u" ] || continue
      top=$(readlink -m -- "/$u")
      while IFS= read -r -d '' l; do
        case $(readlink -m -- "$l")/ in "$top"/*) ;; *)
          echo "a symbolic link from the source leads out of its account: ${l//[^[:print:]]/?}" >&2; out=$((out + 1)) ;; esac
      done < <(find "/$u" -type l -print0 2>/dev/null)
    done < "$t/r"
    if [ "$out" -gt 0 ]; then
      echo "$out symbolic link(s) from the source lead out of their account (above): nothing followed them; remove them on the source (it may be compromised), then run the same command again: the copy removes them here" >&2
      exit 1
    fi
    mkdir -p -- "$b/state" && chmod 0700 -- "$b/state"
    cut -f 1,2 "$t/units" > "$b/state/synced"
    echo "$(wc -l < "$t/r") account(s) and $(wc -l < "$t/d") other folder(s) differed from the source: made as on the source; the other $(($(wc -l < "$b/discovery/accounts.tsv") - $(wc -l < "$t/r"))) account(s) were already the same"
    echo "(the store's other files $(ms_took2 "$t0" "$t1") s, comparing $(ms_took2 "$t1" "$t2") s, copying $(ms_took "$t2") s)"
  else
    for root in "${mail[@]}"; do pull "$root" "$root" --delete-after "${keep[@]}" --backup-dir="$kept$root"; done
  fi
  n=$(find "$kept" -type f | wc -l)
  if [ "$n" = 0 ]; then rmdir -- "$kept" 2>/dev/null || true
  else echo "$n file(s) this copy deleted or replaced here are kept in $kept"; fi
  if [ -n "$vmail" ]; then echo "${#roots[@]} storage root(s) now as on the source; $vmail's other files added and updated"
  else echo "${#roots[@]} storage root(s) now as on the source"; fi
  # Verify counts this server's mail next: its state is listed now, in the
  # background, while the owners and the databases are done (nothing there
  # changes a message); verify's census waits for it (the lock) and takes it.
  c=$b/census
  rm -f -- "$c/target.dirs.next"
  if [ -z "${into:-}" ] && [ -f "$c/cache-target.dirs" ] && [ ${#mail[@]} -gt 0 ]; then
    exec 9> "$c/.listing.lock"
    flock 9
    # shellcheck disable=SC2016 # expands in the background shell
    (setsid bash -c "$(declare -f ms_dirstate)"'
      ms_dirstate "${@:2}" > "$1.tmp" && mv -- "$1.tmp" "$1"' bash "$c/target.dirs.next" "${mail[@]}" \
      </dev/null >/dev/null 2>&1 &)
    exec 9>&-
    echo "listing this server's mail for verify, in the background"
  fi
fi
