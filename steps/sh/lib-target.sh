# shellcheck shell=bash
# shellcheck disable=SC2154 # b vmail ssh origin: the prologue's
# lib-target: what only the target runs: the roots and accounts the source
# sends, checked before anything is copied into them, and the pull over the
# one-off key.  mailshift puts it after lib.sh (steps/census.c); the source
# never gets it: no action on the source reaches out to another server.

# ms_accept_roots < ROOTS: the storage roots the source found (discover.sh's
# roots.tsv: root, kind, owner, mode), checked here before anything is copied
# into them, written to $b/discovery/roots.tsv.  A root that is not a plain
# path outside the system directories, an owner this server does not have, or
# a mode that is not octal stops the step with the list, as does a spool
# that is not /var/mail or /var/spool/mail, or another root in one; so does
# a root that is a link here, or that a link above it leads into a system
# directory or that lies behind a link inside the mail store ($vmail) or
# another root.
# With no one store (vmail empty: system users, each home a root), a home's
# owner may be missing yet: the users step creates it before any copy.
# into (optional): the roots are copied into that directory (system users
# moving into iRedMail: copy.sh), where their owners do not matter (the
# import gives everything there to vmail) and nothing of this server is.
ms_accept_roots() {
  local d=$b/discovery bad=0 later=0 root kind owner mode why u g n real a o not
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  : > "$d/roots.tsv.new"
  while IFS="$(printf '\t')" read -r root kind owner mode; do
    [ -n "$root" ] || continue
    why=$(ms_path_problem "$root")
    case $kind in mail|sieve|public|mlmmj|spool) ;; *) why=${why:-"has an unknown kind: $kind"} ;; esac
    # a mail spool is /var/mail (or /var/spool/mail), where this server's
    # own users' mail lies too: only its users' files are copied there, and
    # no other root (a home, say) is it or lies in it, to be copied whole
    case $kind:$root/ in
      spool:/var/mail/|spool:/var/spool/mail/) ;;
      spool:*) why=${why:-"is no mail spool (/var/mail or /var/spool/mail): mailshift copies users' files only there"} ;;
      *:/var/mail/*|*:/var/spool/mail/*) why=${why:-"lies in the mail spool, whose files are this server's users' too: never copied whole"} ;;
    esac
    case $mode in [0-7][0-7][0-7]|[0-7][0-7][0-7][0-7]) ;; *) why=${why:-"has no octal mode: $mode"} ;; esac
    u=${owner%%:*} g=${owner#*:}
    if [ -z "$why" ] && [ -z "${into:-}" ] && { ! id -u -- "$u" >/dev/null 2>&1 || ! getent group -- "$g" >/dev/null; }; then
      if [ -z "$vmail" ] && [ "$kind" = mail ]; then
        later=$((later + 1))  # a system user's home: the users step creates its owner
      else
        why="belongs to $owner on the source: create that user and group here first"
      fi
    fi
    # A system user's home outside /home that this server has already, with
    # a file of another owner in it (its web tree, a service's data): the
    # copies would make it as on the source, the final one deleting those
    # (a compromised source names any home it likes)
    if [ -z "$why" ] && [ -z "${into:-}" ] && [ -z "$vmail" ] && [ "$kind" = mail ] && [ -d "$root" ] && [ ! -L "$root" ]; then
      case $root/ in /home/?*/) ;; *)
        if id -u -- "$u" >/dev/null 2>&1; then not=(-mindepth 1 ! -user "$u"); else not=(-mindepth 1); fi
        o=$(find "$root" -xdev "${not[@]}" -print -quit 2>/dev/null | cut -c 1-200 | tr -c '[:print:]\n' '?')
        if [ -n "$o" ]; then
          why="is a home outside /home that this server already has, holding what is not $u's ($o): the copy would make it as on the source, deleting that; give the user a home of its own"
        fi ;;
      esac
    fi
    if [ -n "$why" ]; then echo "storage root $root $why" >&2; bad=1; continue; fi
    if [ -n "${into:-}" ]; then
      # (a root inside another would be copied into what the other's copy
      # made, its links among it: refused)
      while IFS="$(printf '\t')" read -r o _; do
        case $root/ in "$o"/*) why="lies inside the storage root $o: give the user a home of its own" ;; esac
        case $o/ in "$root"/*) why="holds the storage root $o: give that user a home of its own" ;; esac
      done < "$d/roots.tsv.new"
      if [ -n "$why" ]; then echo "storage root $root $why" >&2; bad=1; continue; fi
      printf '%s\t%s\t%s\t%s\n' "$root" "$kind" "$owner" "$mode" >> "$d/roots.tsv.new"
      continue
    fi
    if [ -L "$root" ]; then
      echo "storage root $root is a symbolic link here (to $(readlink -- "$root")): mailshift does not write through it; make $root the directory itself (mount the other disk there)" >&2
      bad=1; continue
    fi
    # A link above the root (this server's own layout, /var/vmail on another
    # disk) is followed, but never into a system directory, nor one that lies
    # inside a store: a copy may have put that link there (the source's).
    real=$(realpath -m -- "$root")
    if [ "$real" != "$root" ]; then
      why=$(ms_path_problem "$real")
      a=${root%/*}
      while [ -z "$why" ] && [ -n "$a" ]; do
        if [ -L "$a" ]; then
          [ -z "$vmail" ] || case $a/ in "$vmail"/*) why="lies behind the link $a, inside the mail store $vmail" ;; esac
          while IFS="$(printf '\t')" read -r o _; do
            case $a/ in "$o"/*) why="lies behind the link $a, inside the storage root $o" ;; esac
          done < "$d/roots.tsv.new"
        fi
        a=${a%/*}
      done
      if [ -n "$why" ]; then echo "storage root $root resolves here to $real, which $why" >&2; bad=1; continue; fi
    fi
    printf '%s\t%s\t%s\t%s\n' "$root" "$kind" "$owner" "$mode" >> "$d/roots.tsv.new"
    if [ -d "$root" ]; then
      n=$(find "$root" -mindepth 1 -maxdepth 3 | head -n 1000 | wc -l)
      [ "$n" = 0 ] || echo "$root: on this server already ($n+ paths); the final copy makes it as on the source"
    fi
  done
  [ "$bad" = 0 ] || { rm -f -- "$d/roots.tsv.new"; echo "nothing was copied: fix the roots above, then run this step again" >&2; return 1; }
  mv -- "$d/roots.tsv.new" "$d/roots.tsv"
  echo "$(wc -l < "$d/roots.tsv") storage root(s) to copy${into:+ into $into}, own and verify, written to $d/roots.tsv"
  [ "$later" = 0 ] || echo "$later of them belong to users this server does not have yet: the users step creates them before the copy"
}

# ms_accept_accounts FILE: the source's list of accounts (discover.sh's
# accounts.tsv) put in place here, after checking every mail directory lies in
# an accepted root (the census reads only there).
ms_accept_accounts() {
  local bad
  bad=$(awk -F '\t' 'FILENAME == ARGV[1] { r[$1] = 1; next } !(($3 in r) && index($2, $3 "/") == 1) { n++ }
    END { print n + 0 }' "$b/discovery/roots.tsv" "$1")
  [ "$bad" = 0 ] || { echo "$bad account(s) of the source's list lie outside its storage roots" >&2; return 1; }
  install -m 0600 -- "$1" "$b/discovery/accounts.tsv"
}

# shellcheck disable=SC2154 # ssh origin: the prologue of the fragment that pulls
# ms_pull DIR FILE... : the target fetches the source's FILEs (absolute paths
# there) into DIR here, over the one-off key ($ssh) and its gate ($origin:
# HOST::mailshift, rsync's daemon there, reading only).
ms_pull() {
  local d=$1 f args=()
  shift
  mkdir -p -- "$d" && chmod 0700 -- "$d" || return 1
  for f; do args+=("$origin$f"); done
  # (never a symbolic link from the source: a file here is the file it sent)
  rsync -asz --no-links -e "$ssh" -- "${args[@]}" "$d/"
}
