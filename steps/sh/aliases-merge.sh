# shellcheck shell=bash
# shellcheck disable=SC2154 # b sysroot aliases_file source src_aliases aliases_awk: the prologue's
# aliases-merge: on the target, the source's aliases (aliases-accept.sh's
# $b/aliases/source.tsv) merged into this server's own file: aliases_file
# (its stack's profile), or on Postfix the file postconf's alias_database
# names, when it names another.  A name only the source has is added, in a
# block whose comment names where it came from; a name both have with the
# same targets is left; a name both have with other targets keeps this
# server's line (its own root, postmaster, abuse, MAILER-DAEMON ...) and the
# source's is listed ("kept the target's alias ..."), never dropped in
# silence.  Targets that are commands (|cmd), files (/path) or :include:
# are carried but listed for review, each with its source line.  The list
# is also kept in $b/aliases/review.  Saved first: $b/target-before/aliases
# (once), $b/target-last/aliases (each run); the new file is written beside
# and renamed into place with the old one's owner and mode.  A second run
# adds nothing.  Then newaliases: the MTA rebuilds its map, or the step fails.
# Prologue: b, sysroot ("" on a server; a directory the file is read under,
# for the tests: postconf is then not asked), aliases_file, source (the
# source's host name, for the comment), src_aliases, aliases_awk (lib.sh
# before this).
export LC_ALL=C
umask 077
d=$b/aliases
[ -f "$d/source.tsv" ] || { echo "no $d/source.tsv: the source's aliases were not read (run the step from its start)" >&2; exit 1; }
f=$aliases_file
if [ -z "$sysroot" ] && command -v postconf >/dev/null 2>&1; then
  # the first file-backed map of alias_database is the file newaliases builds
  IFS=', ' read -ra maps <<< "$(postconf -h alias_database 2>/dev/null || true)"
  for m in "${maps[@]}"; do
    case $m in
      hash:/*|btree:/*|lmdb:/*|cdb:/*|dbm:/*|sdbm:/*)
        if [ "${m#*:}" != "$f" ]; then echo "Postfix's alias_database is $m: merging into ${m#*:}, not $f"; f=${m#*:}; fi
        break ;;
    esac
  done
fi
f=$sysroot$f
if [ -L "$f" ]; then
  r=$(realpath -e -- "$f") || { echo "$f is a link to nothing" >&2; exit 1; }
  echo "$f is a link: merging into $r, the file it leads to"
  f=$r
fi
[ ! -e "$f" ] || [ -f "$f" ] || { echo "$f is not a plain file" >&2; exit 1; }

# the file as it was before mailshift, and before this run
mkdir -p -- "$b/target-before" "$b/target-last" && chmod 0700 -- "$b/target-before" "$b/target-last" || exit 1
if [ -f "$f" ]; then
  [ -e "$b/target-before/aliases" ] || cp -p -- "$f" "$b/target-before/aliases" || exit 1
  cp -p -- "$f" "$b/target-last/aliases.new" && mv -- "$b/target-last/aliases.new" "$b/target-last/aliases" || exit 1
  cur=$f
else
  echo "this server has no $f yet: it is created"
  cur=/dev/null
fi

t=$(mktemp -d "$d/.merge.XXXXXX") || exit 1
trap 'rm -rf -- "$t"' EXIT
awk -v mode=merge "$aliases_awk" "$cur" "$d/source.tsv" > "$t/plan" || { echo "could not read $f" >&2; exit 1; }
: > "$t/review"
while IFS=$'\t' read -r k name line x y; do
  case $k in
    C) echo "kept the target's alias $name: $x; the source's was: $y (the source's $src_aliases line $line)" ;;
    V) case $x in
         pipe) echo "review: alias $name (the source's $src_aliases line $line) pipes mail to $y: that command must exist and work on this server" ;;
         file) echo "review: alias $name (the source's $src_aliases line $line) appends mail to the file $y: it must be writable here" ;;
         *) echo "review: alias $name (the source's $src_aliases line $line) takes its addresses from $y: that file is not copied by this step" ;;
       esac ;;
  esac
done < "$t/plan" >> "$t/review"
cat -- "$t/review"
cp -- "$t/review" "$d/review"
[ ! -s "$t/review" ] || echo "(this list is kept in $d/review)"

added=$(grep -c '^N' "$t/plan" || true)
same=$(grep -c '^S' "$t/plan" || true)
kept=$(grep -c '^C' "$t/plan" || true)
if [ "$added" = 0 ]; then
  echo "already merged: nothing to add ($same alias(es) of the source are here with the same targets, $kept kept as this server has them)"
else
  new=$(mktemp "${f%/*}/.${f##*/}.mailshift.XXXXXX") || exit 1
  {
    cat -- "$cur"
    # the old file's last line ended, whatever it was
    [ ! -s "$cur" ] || [ -z "$(tail -c 1 -- "$cur")" ] || echo
    echo
    echo "# Added by mailshift on $(date -u +%Y-%m-%d): the aliases only ${source//[^[:alnum:].:-]/?} had, from its $src_aliases"
    echo "# (review: $d/review)"
    sed -n 's/^N\t\([^\t]*\)\t/\1: /p' "$t/plan"
  } > "$new" || { rm -f -- "$new"; exit 1; }
  if [ -f "$f" ]; then
    chown --reference="$f" -- "$new" && chmod --reference="$f" -- "$new"
  else
    chmod 0644 -- "$new"
  fi || { rm -f -- "$new"; exit 1; }
  mv -f -- "$new" "$f" || { rm -f -- "$new"; exit 1; }
  # SELinux (RHEL): the file's own label (etc_aliases_t), not the directory's
  if [ -z "$sysroot" ] && command -v selinuxenabled >/dev/null 2>&1 && selinuxenabled; then
    restorecon -- "$f" || { echo "restorecon $f failed: the MTA may not be allowed to read it" >&2; exit 1; }
  fi
  echo "added $added alias(es) to $f: $(sed -n 's/^N\t\([^\t]*\).*/\1/p' "$t/plan" | tr '\n' ' ')($same already here with the same targets, $kept kept as this server has them)"
fi
newaliases || { echo "newaliases failed: the MTA did not rebuild its aliases map from $f (the file as it was: $b/target-last/aliases)" >&2; exit 1; }
echo "newaliases rebuilt the aliases map from $f"
