#!/usr/bin/env bash
# Runs ON a lab host (lab/verify pipes it through ssh): prints a canonical inventory,
# one fact per line, no timestamps. lab/verify sorts it and adds the IMAP checks.
set -uo pipefail
export LC_ALL=C
cd /

[ -f /etc/iredmail-release ] && echo "release $(head -n1 /etc/iredmail-release)"

# Owners and modes of key paths.
paths=(/var/vmail /var/vmail/vmail1 /var/vmail/vmail2 /srv/mail /srv/mail/vmail1 /var/vmail/mlmmj
       /var/vmail/sieve /var/vmail/public /var/lib/dkim
       /var/lib/dkim/*.pem /opt/www/roundcubemail /opt/www/roundcubemail/
       /opt/www/roundcubemail/config/config.inc.php /root/roundcubemail-1.7.0
       /root/roundcubemail-1.7.0/bin/installto.sh /root/iRedMail-1.8.1
       /root/iRedMail-1.8.1/pkgs/misc/* /var/mail /var/mail/* /etc/aliases
       /home/* /home/*/Maildir /home/*/mail /home/*/.forward /home/*/.procmailrc /root/.my.cnf)
for p in "${paths[@]}"; do
    [ -e "$p" ] || [ -L "$p" ] || continue
    stat -L -c 'path %n %U:%G %a %F' "$p"  # a store on another disk: what its link leads to
done
if [ -f /root/iRedMail-1.8.1/pkgs/pkgs.sha256 ]; then
    (cd /root/iRedMail-1.8.1/pkgs && sha256sum -c pkgs.sha256 2>/dev/null |
        sed 's/^/installer-pkg /')
fi

# DKIM public key fingerprints.
for k in /var/lib/dkim/*.pem; do
    [ -f "$k" ] || continue
    fp=$(openssl pkey -in "$k" -pubout -outform DER 2>/dev/null | sha256sum | cut -c1-64)
    echo "dkim ${k##*/} sha256=$fp"
done

# System users (uid >= 1000) for the non-iRedMail stacks.
awk -F: '$3 >= 1000 && $3 < 60000 {print "user " $1 " uid=" $3 " gid=" $4 " home=" $6}' /etc/passwd
awk -F: '$3 >= 1000 && $3 < 60000 {print $1}' /etc/passwd | while read -r u; do
    # shellcheck disable=SC2016 # literal crypt prefixes
    case $(awk -F: -v u="$u" '$1 == u {print $2}' /etc/shadow) in
        '$y$'*) h=yescrypt ;; '$6$'*) h=sha512crypt ;; '$5$'*) h=sha256crypt ;;
        '!'*|'*'*|'') h=locked ;; *) h=other ;;
    esac
    echo "user $u hash $h"
done

# Maildir: one line per mailbox folder: messages, bytes, flags summary.
maildir_folder() { # maildir folder-dir folder-name
    local n b f
    n=$(find "$2/cur" "$2/new" -maxdepth 1 -type f 2>/dev/null | wc -l)
    b=$(find "$2/cur" "$2/new" -maxdepth 1 -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}')
    f=$(find "$2/cur" "$2/new" -maxdepth 1 -type f -printf '%h %f\n' 2>/dev/null |
        awk '{ if ($1 ~ /\/new$/) fl = "new"; else { fl = $2; if (sub(/.*:2,/, "", fl) == 0) fl = "none"; if (fl == "") fl = "none" } print fl }' |
        sort | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? "," : ""), $2, $1}')
    echo "mailbox $1 folder $3 messages $n bytes $b flags ${f:--}"
}
while IFS= read -r md; do
    maildir_folder "$md" "$md" INBOX
    for d in "$md"/.[!.]*; do
        [ -d "$d/cur" ] || continue
        name=${d##*/.}
        maildir_folder "$md" "$d" "${name//./\/}"
    done
done < <(find -L /var/vmail /srv/mail /home -type d -name Maildir 2>/dev/null | sort)

# Mailing lists (mlmmj): every file, its owner and digest.
if [ -d /var/vmail/mlmmj ]; then
    find /var/vmail/mlmmj -type f -printf '%P %U:%G %m\n' | sort | while read -r f o m; do
        echo "mlmmj $f $o $m sha256=$(sha256sum <"/var/vmail/mlmmj/$f" | cut -c1-64)"
    done
fi

# mbox: INBOX in /var/mail, folders under ~/mail.
mbox_folder() { # file mailbox-name folder
    local n fl
    n=$(awk '/^From / && (NR == 1 || prev == "") {n++} {prev = $0} END {print n + 0}' "$1")
    fl=$(awk '/^From / && (NR == 1 || prev == "") {inh = 1; st = ""; prev = $0; next}
              inh && /^$/ {inh = 0; print (st == "" ? "none" : st)}
              inh && /^Status: / {st = st $2}
              inh && /^X-Status: / {st = st "x" $2}
              {prev = $0}' "$1" | sort | uniq -c | awk '{printf "%s%s:%s", (NR > 1 ? "," : ""), $2, $1}')
    echo "mailbox $2 folder $3 messages $n bytes $(stat -c %s "$1") flags ${fl:--}"
}
for f in /var/mail/*; do
    [ -f "$f" ] || continue
    mbox_folder "$f" "$f" INBOX
done
for m in /home/*/mail; do
    [ -d "$m" ] || continue
    while IFS= read -r f; do
        mbox_folder "$f" "$f" "${f#"$m"/}"
    done < <(find "$m" -type f ! -name '.*' | sort)
done

# Database row counts (one query per server / database).
if systemctl -q is-active mariadb 2>/dev/null; then
    q=$(mysql -N -B -e "SELECT CONCAT('SELECT ''', table_schema, '.', table_name,
            ''', COUNT(*) FROM \`', table_schema, '\`.\`', table_name, '\`')
        FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema
        NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')" |
        paste -sd'|' | sed 's/|/ UNION ALL /g')
    [ -z "$q" ] || mysql -N -B -e "$q" | awk '{print "db mysql " $1 " rows " $2}'
fi
if systemctl -q is-active 'postgresql@*' 2>/dev/null; then
    pg() { runuser -u postgres -- psql -X -At -F ' ' "$@"; }
    for db in $(pg -c "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'"); do
        q=$(pg -d "$db" -c "SELECT 'SELECT ''' || table_name || ''', COUNT(*) FROM \"' || table_name || '\"'
            FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'" |
            paste -sd'|' | sed 's/|/ UNION ALL /g')
        [ -z "$q" ] || pg -d "$db" -c "$q" | awk -v d="$db" '{print "db pgsql " d "." $1 " rows " $2}'
    done
fi

# LDAP entries (slapcat reads the database directly; no password needed).
if systemctl -q is-active slapd 2>/dev/null; then
    conf=()
    [ -f /etc/ldap/slapd.conf ] && conf=(-f /etc/ldap/slapd.conf)
    for suffix in $(slapcat "${conf[@]}" -n 0 2>/dev/null | awk '/^olcSuffix: / {print $2}') \
                  $(awk '$1 == "suffix" {print $2}' /etc/ldap/slapd.conf 2>/dev/null); do
        slapcat "${conf[@]}" -b "$suffix" 2>/dev/null | awk -v s="$suffix" '
            /^dn: / {n++}
            /^objectClass: / {c[$2]++}
            END { print "ldap " s " entries " n + 0
                  for (k in c) print "ldap " s " objectClass " k " " c[k] }'
    done
fi

# Service states.
for s in ssh mariadb postgresql slapd dovecot postfix sendmail; do
    unit=$s
    [ "$s" = postgresql ] && unit=$(systemctl list-units --all --plain --no-legend 'postgresql@*' |
        awk '{print $1; exit}')
    [ -n "$unit" ] || continue
    [ "$(systemctl show -p LoadState --value "$s.service")" = loaded ] || continue
    echo "service $s $(systemctl is-active "$unit")"
done
exit 0
