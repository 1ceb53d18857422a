# shellcheck shell=bash
# preflight-web: on the source (seed 003), its web tree and CGI directories
# listed for review: custom web pages and CGI scripts an admin put there
# live outside the mail, which mailshift does not carry.  Each directory
# that exists: its files and size, and its first entries (names from this
# host, control bytes shown as ?).  Changes nothing.
export LC_ALL=C
found=0
for d in /var/www /usr/lib/cgi-bin /var/www/cgi-bin /srv/www /srv/http; do
  if [ ! -d "$d" ] || [ -L "$d" ]; then continue; fi
  found=1
  n=$(find "$d" -xdev -type f 2>/dev/null | wc -l)
  echo "$d: $n file(s), $(du -sh -x -- "$d" 2>/dev/null | cut -f 1)"
  find "$d" -mindepth 1 -maxdepth 2 -xdev -printf '  %y %p\n' 2>/dev/null | sort | head -n 20 | tr -c '[:print:]\n' '?'
done
if [ "$found" = 0 ]; then
  echo "no web tree or CGI directory here (/var/www, /usr/lib/cgi-bin, /srv/www): nothing to review"
else
  echo "mailshift carries no web tree: review these, and copy what is yours to the new server by hand (its CGI scripts run there as its web server's user)"
fi
