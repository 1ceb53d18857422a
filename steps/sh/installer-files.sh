# shellcheck shell=bash
# shellcheck disable=SC2154 # d: the prologue's
# installer-files: the iRedMail installer tree on the target has every file
# its pkgs/get_all.sh downloads (pkgs/pkgs.sha256, older releases
# pkgs/MD5.misc), intact.  Run on the target; changes nothing.
# Prologue: d (the installer tree).
# Prints each missing or damaged file with the URL it comes from and the
# folder it goes in; fails when there is one (advisory), or no tree or list.
cd -- "$d/pkgs" || { echo "no installer tree at $d on the target: unpack the source's iRedMail version there" >&2; exit 1; }
if [ -f pkgs.sha256 ]; then list=pkgs.sha256 sum=sha256sum
elif [ -f MD5.misc ]; then list=MD5.misc sum=md5sum
else echo "no pkgs/pkgs.sha256 or pkgs/MD5.misc in $d" >&2; exit 1; fi
# the mirror get_all.sh downloads from (conf/global), as it builds the URL
mirror=
[ ! -f "$d/conf/global" ] || mirror=$(sed -n 's/.*IREDMAIL_MIRROR:-\([^}]*\)}.*/\1/p' "$d/conf/global" | awk 'NR == 1')
mirror=${mirror:-https://dl.iredmail.org}
bad=0 n=0
while read -r want file; do
  [ -n "$file" ] || continue
  file=${file#\*}
  case $file in misc/*) ;; *) file=misc/$file ;; esac
  n=$((n + 1))
  if [ ! -f "$file" ]; then why=missing
  elif [ "$($sum < "$file" | cut -d ' ' -f 1)" != "$want" ]; then why='wrong checksum'
  else continue; fi
  bad=$((bad + 1))
  echo "$why: ${file#misc/}  <- $mirror/yum/misc/${file#misc/}  -> $d/pkgs/misc/"
done < "$list"
if [ "$bad" -gt 0 ]; then echo "$bad of $n file(s) to download by hand (URL <-) into $d/pkgs/misc/ (->), then retry this check; the installer stops without them" >&2; exit 1; fi
echo "all $n files in $list are present and intact"
