#!/usr/bin/env bash
# shellcheck disable=SC2317 # (helpers are invoked through check())
# tests/lab/run.sh [SCENARIO...] : lab end-to-end checks (default: every scenario).
# For each scenario: lab/up; every seeded user logs in over IMAP on the source and sees
# the seeded count per folder (and doveadm agrees); mail sent over SMTP is delivered;
# the hosts do not trust each other (mailshift brings its own one-off key); answers.conf
# uses only known keys;
# lab/verify agrees with IMAP; then lab/down leaves nothing behind.
# --here SCENARIO checks the lab that is up now and leaves it up (no base
# checks, no up or down): tests/lab/migrate.sh runs it so on each of its
# fresh labs, so make test brings each iRedMail scenario up once.
# Last line: "N passed, N failed"; exit status non-zero on any failure.
set -Eeuo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
lab=$top/lab
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
quiet() { "$@" >/dev/null; }
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; exit $?; }

here=
if [ "${1:-}" = --here ]; then here=1; shift; fi
if [ "$(id -u)" -ne 0 ]; then
    bad "tests/lab/run.sh must run as root (the lab mounts overlays and creates netns)"
    finish
fi
if [ -z "$here" ] && ! "$lab/install-deps"; then
    bad "lab/install-deps"
    finish
fi
# shellcheck source=lab/lib.sh
# shellcheck source=lab/lib.sh
. "$lab/lib.sh"

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("${LAB_SCENARIOS[@]}")
ALLOWED_KEYS=" stack backend host port user identity known_hosts vmail_dir dkim_dir roundcube_dir roundcube_release installer_dir two_phase_sync relay_during_cutover "

answers_keys_ok() {
    local k bad_keys=""
    for k in $(grep -v '^\s*\(#\|\[\|$\)' "$LAB_RUN/answers.conf" | cut -d= -f1 | tr -d ' '); do
        [[ $ALLOWED_KEYS == *" $k "* ]] || bad_keys+=" $k"
    done
    [ -z "$bad_keys" ] || { echo "unknown keys:$bad_keys"; return 1; }
    grep -q '^\[source\]' "$LAB_RUN/answers.conf" && grep -q '^\[target\]' "$LAB_RUN/answers.conf" &&
        grep -q '^\[options\]' "$LAB_RUN/answers.conf"
}

not_trusted() { # FROM TO: TO's sshd refuses FROM's root, and FROM has no known_hosts
    local out
    out=$("$lab/ssh" "$1" "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o ConnectTimeout=10 root@${LAB_IP[$2]} true 2>&1; test ! -e /root/.ssh/known_hosts && echo no-known-hosts" \
        </dev/null 2>&1)
    grep -q 'Permission denied' <<<"$out" && grep -q '^no-known-hosts$' <<<"$out"
}

imap_count() { # host user password folder -> MESSAGES
    curl -sS --max-time 20 --cacert "$LAB_RUN/$1-cert.pem" --user "$2:$3" \
        "imaps://${LAB_IP[$1]}/" -X "STATUS \"$4\" (MESSAGES)" 2>/dev/null |
        sed -n 's/.*(MESSAGES \([0-9]*\)).*/\1/p' | tr -d '\r'
}

doveadm_count() { # user folder
    "$lab/ssh" source "doveadm mailbox status -u '$1' messages '$2'" </dev/null |
        sed -n 's/.*messages=\([0-9]*\).*/\1/p'
}

pop3_count() { # user password -> number of messages in LIST
    curl -sS --max-time 20 --cacert "$LAB_RUN/source-cert.pem" --user "$1:$2" \
        "pop3s://${LAB_IP[source]}/" 2>/dev/null | grep -c '^[0-9]'
}

smtp_delivers() { # user password
    local before after i rcpt=$1
    before=$(imap_count source "$1" "$2" INBOX)
    [ -n "$before" ] || return 1
    [[ $rcpt == *@* ]] || rcpt=$rcpt@source.lab.test
    printf 'From: <probe@lab.test>\r\nTo: <%s>\r\nSubject: lab smtp probe\r\n\r\nprobe\r\n' "$rcpt" |
        curl -sS --max-time 20 "smtp://${LAB_IP[source]}" --mail-from probe@lab.test \
            --mail-rcpt "$rcpt" --upload-file - || return 1
    for ((i = 0; i < 40; i++)); do
        after=$(imap_count source "$1" "$2" INBOX)
        [ "${after:-0}" -eq $((before + 1)) ] && return 0
        sleep 0.25
    done
    echo "INBOX stayed at ${after:-?} (was $before)"
    return 1
}

# Infrastructure: a lab whose hosts were killed (no clean halt, mounts and netns left)
# is cleaned up by the next lab/up; two lab/up in a row work; lab/down leaves nothing.
[ -n "$here" ] || echo "# infrastructure (scenario base)"
if [ -n "$here" ]; then
    : # the lab that is up is the caller's
elif "$lab/up" base >/dev/null 2>&1; then
    ok "base: lab/up"
    pids=$(lab_nspawn_pids)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids
    check "base: lab/up after the hosts were killed" quiet "$lab/up" base
    check "base: lab/up over a running lab" quiet "$lab/up" base
    check "base: the target's root cannot log in to the source" not_trusted target source
else
    bad "base: lab/up"
fi
if [ -z "$here" ]; then
    check "base: lab/down" quiet "$lab/down"
    left=$(lab_leftovers)
    check "base: nothing left after down${left:+ ($(echo "$left" | tr '\n' ' '))}" test -z "$left"
fi

for sc in "${scenarios[@]}"; do
    echo "# scenario $sc"
    if [ -n "$here" ]; then
        : # up already
    elif ! out=$("$lab/up" "$sc" 2>&1); then
        echo "$out" | tail -n 20
        bad "$sc: lab/up"
        "$lab/down" >/dev/null 2>&1 || true
        continue
    else
        ok "$sc: lab/up ($(echo "$out" | sed -n 's/.* up in \([0-9.]* s\).*/\1/p'))"
    fi
    for f in answers.conf known_hosts id_ed25519 seed.txt; do
        check "$sc: lab/run/$f written" test -s "$LAB_RUN/$f"
    done
    check "$sc: id_ed25519 is mode 0600" test "$(stat -c %a "$LAB_RUN/id_ed25519")" = 600
    check "$sc: answers.conf has only known keys" answers_keys_ok
    check "$sc: the source's root cannot log in to the target" not_trusted source target
    check "$sc: the target's root cannot log in to the source" not_trusted target source

    declare -A login_ok=()
    first_user="" first_pw=""
    while IFS=$'\t' read -r user pw _mailbox folder count _bytes; do
        [ -n "$first_user" ] || { first_user=$user first_pw=$pw; }
        seen=$(imap_count source "$user" "$pw" "$folder")
        if [ "$seen" = "$count" ]; then
            ok "$sc: IMAP $user $folder = $count"
            login_ok[$user]=1
        else
            bad "$sc: IMAP $user $folder: seeded $count, IMAP saw '${seen:-login failed}'"
        fi
        da=$(doveadm_count "$user" "$folder")
        if [ "$da" = "$count" ]; then ok "$sc: doveadm $user $folder = $count"
        else bad "$sc: doveadm $user $folder: seeded $count, doveadm '${da:-error}'"; fi
    done < <(grep -v '^#' "$LAB_RUN/seed.txt")
    check "$sc: seed.txt lists users" test ${#login_ok[@]} -gt 0
    unset login_ok

    if [ -n "$first_user" ]; then
        check "$sc: IMAP on port 143 (plain login) works for $first_user" \
            test -n "$(curl -sS --max-time 20 --user "$first_user:$first_pw" \
                "imap://${LAB_IP[source]}/" -X 'STATUS INBOX (MESSAGES)' 2>/dev/null)"
        inbox=$(awk -F'\t' -v u="$first_user" '$1 == u && $4 == "INBOX" {print $5}' "$LAB_RUN/seed.txt")
        pop=$(pop3_count "$first_user" "$first_pw") || true
        check "$sc: POP3 $first_user lists $inbox messages (saw ${pop:-none})" test "$pop" = "$inbox"
        check "$sc: SMTP to $first_user is delivered" smtp_delivers "$first_user" "$first_pw"
    fi
    vout=$("$lab/verify" source 2>&1) || true
    # shellcheck disable=SC2016 # awk program
    check "$sc: lab/verify source: every IMAP count equals the file count" \
        awk '/^imap / {n++; split($4, a, "="); split($5, b, "="); if (a[2] != b[2]) bad++}
             END {exit !(n > 0 && bad == 0)}' <<<"$vout"
    check "$sc: lab/verify source reports services" grep -q '^service dovecot active' <<<"$vout"

    [ -z "$here" ] || continue
    check "$sc: lab/down" quiet "$lab/down"
    left=$(lab_leftovers)
    check "$sc: nothing left after down${left:+ ($(echo "$left" | tr '\n' ' '))}" test -z "$left"
done
finish
