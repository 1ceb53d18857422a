# shellcheck shell=bash
# Deterministic mail seed: a function of LAB_SEED, LAB_USERS, LAB_MESSAGES, LAB_LARGE.
# Writes messages into a host root (before boot) and rows into $LAB_RUN/seed.txt:
#   user <TAB> password <TAB> mailbox <TAB> folder <TAB> messages <TAB> bytes
# (mailbox = Maildir path, or the mbox file for mbox folders, as seen on the host).

LAB_EPOCH0=1704067200   # 2024-01-01 00:00:00 UTC

lab_seed_header() { # scenario
    {
        echo "# mailshift lab seed: scenario=$1 seed=$LAB_SEED users=$LAB_USERS messages=$LAB_MESSAGES large=$LAB_LARGE"
        printf '# user\tpassword\tmailbox\tfolder\tmessages\tbytes\n'
    } >"$LAB_RUN/seed.txt"
}

# Sets MSG to message number K for ADDR (text, LF line ends) and MSG_LINES.
lab_msg() { # addr k folder epoch lines
    local addr=$1 k=$2 folder=$3 epoch=$4 lines=$5 i date body=""
    printf -v date '%(%a, %d %b %Y %H:%M:%S +0000)T' "$epoch"
    for ((i = 1; i <= lines; i++)); do
        body+="Line $i of message $k for $addr, seed $LAB_SEED: the quick brown fox jumps."$'\n'
    done
    MSG="Return-Path: <sender$((k % 7))@lab-sender.test>
Delivered-To: $addr
Message-ID: <lab-$LAB_SEED-$k.${addr//@/.}@lab.test>
Date: $date
From: Sender $((k % 7)) <sender$((k % 7))@lab-sender.test>
To: <$addr>
Subject: Lab message $k in $folder for $addr
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

$body"
    MSG_LINES=$((lines + 10))
}

# Sets MSG to a large message (1-2 MB base64 body) and MSG_LINES.
lab_msg_large() { # addr k epoch bytes
    local addr=$1 k=$2 epoch=$3 n=$4 date b64
    printf -v date '%(%a, %d %b %Y %H:%M:%S +0000)T' "$epoch"
    b64=$(head -c "$n" /dev/zero | openssl enc -aes-128-ctr -nosalt \
          -K "$(printf '%032x' "$((LAB_SEED * 1000 + k))")" -iv 00000000000000000000000000000000 | base64 -w 76)
    MSG="Return-Path: <big@lab-sender.test>
Delivered-To: $addr
Message-ID: <lab-$LAB_SEED-$k-large.${addr//@/.}@lab.test>
Date: $date
From: Big Sender <big@lab-sender.test>
To: <$addr>
Subject: Lab large message $k for $addr
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=\"lab-$k\"

--lab-$k
Content-Type: text/plain; charset=us-ascii

Attached: a large deterministic blob.

--lab-$k
Content-Type: application/octet-stream; name=\"blob-$k.bin\"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename=\"blob-$k.bin\"

$b64
--lab-$k--
"
    MSG_LINES=$(( $(printf '%s' "$MSG" | wc -l) ))
}

# Plan for one user: arrays SEED_F (folder), SEED_FL (flags, "" = unread/new),
# SEED_LN (body lines), SEED_BIG (0 or bytes) for each message.
lab_seed_plan() { # user-index
    local idx=$1 k flagset=("S" "RS" "S" "FS" "" "S" "RS" "")
    SEED_F=() SEED_FL=() SEED_LN=() SEED_BIG=()
    lab_srand $((LAB_SEED * 1000 + idx + 1))
    for ((k = 0; k < LAB_MESSAGES; k++)); do
        if [ "$k" -lt ${#LAB_FOLDERS[@]} ]; then
            SEED_F+=("${LAB_FOLDERS[$k]}")
        else
            lab_rand 10
            case $REPLY in
                [0-4]) SEED_F+=(INBOX) ;; [5-6]) SEED_F+=(Sent) ;; 7) SEED_F+=(Trash) ;;
                *) SEED_F+=(Archive/2024) ;;
            esac
        fi
        lab_rand ${#flagset[@]}; SEED_FL+=("${flagset[$REPLY]}")
        case ${SEED_F[-1]} in Sent) SEED_FL[-1]=S ;; Trash) SEED_FL[-1]=ST ;; esac
        lab_rand 40; SEED_LN+=($((REPLY + 3)))
        SEED_BIG+=(0)
    done
    if [ "$idx" -lt "$LAB_LARGE" ]; then
        lab_rand 1048576
        SEED_F+=(INBOX) SEED_FL+=(S) SEED_LN+=(0) SEED_BIG+=($((1048576 + REPLY)))
    fi
}

# lab_seed_maildir ROOT USER-INDEX ADDR MAILDIR UID GID
# Writes the user's messages under ROOT/MAILDIR (Maildir++ with '.' folders).
lab_seed_maildir() {
    local root=$1 idx=$2 addr=$3 md=$4 uid=$5 gid=$6 k f dir name epoch size
    local -A count=() bytes=()
    lab_seed_plan "$idx"
    for f in "${LAB_FOLDERS[@]}"; do
        dir=$root$md; [ "$f" = INBOX ] || dir+="/.${f//\//.}"
        mkdir -p "$dir/cur" "$dir/new" "$dir/tmp"
        [ "$f" = INBOX ] || : >"$dir/maildirfolder"
        count[$f]=0 bytes[$f]=0
    done
    printf '%s\n' Sent Trash Archive/2024 >"$root$md/subscriptions"
    for k in "${!SEED_F[@]}"; do
        f=${SEED_F[$k]}
        epoch=$((LAB_EPOCH0 + idx * 86400 + k * 3600))
        if [ "${SEED_BIG[$k]}" -gt 0 ]; then
            lab_msg_large "$addr" "$k" "$epoch" "${SEED_BIG[$k]}"
        else
            lab_msg "$addr" "$k" "$f" "$epoch" "${SEED_LN[$k]}"
        fi
        size=${#MSG}
        dir=$root$md; [ "$f" = INBOX ] || dir+="/.${f//\//.}"
        name="$epoch.M${k}P$((idx + 100)).source,S=$size,W=$((size + MSG_LINES))"
        if [ -z "${SEED_FL[$k]}" ] && [ $((k % 2)) -eq 0 ]; then
            dir+=/new
        else
            dir+=/cur name+=":2,${SEED_FL[$k]}"
        fi
        printf '%s' "$MSG" >"$dir/$name"
        count[$f]=$((count[$f] + 1)) bytes[$f]=$((bytes[$f] + size))
    done
    chown -R "$uid:$gid" "$root${md%/Maildir}"
    chmod -R go-rwx "$root${md%/Maildir}"
    for f in "${LAB_FOLDERS[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$addr" "$(lab_password "$addr")" "$md" "$f" \
            "${count[$f]}" "${bytes[$f]}" >>"$LAB_RUN/seed.txt"
    done
}

# lab_seed_mbox ROOT USER-INDEX USER HOME UID GID
# INBOX = /var/mail/USER (USER:mail 0660), other folders = HOME/mail/<folder> mbox files.
lab_seed_mbox() {
    local root=$1 idx=$2 user=$3 home=$4 uid=$5 gid=$6 k f file epoch st xs from
    local -A count=() bytes=() path=()
    lab_seed_plan "$idx"
    mkdir -p "$root$home/mail/Archive" "$root/var/mail"
    for f in "${LAB_FOLDERS[@]}"; do
        path[$f]=$home/mail/$f; [ "$f" = INBOX ] && path[$f]=/var/mail/$user
        : >"$root${path[$f]}"
        count[$f]=0 bytes[$f]=0
    done
    printf '%s\n' Sent Trash Archive/2024 >"$root$home/mail/.subscriptions"
    for k in "${!SEED_F[@]}"; do
        f=${SEED_F[$k]} file=$root${path[${SEED_F[$k]}]}
        epoch=$((LAB_EPOCH0 + idx * 86400 + k * 3600))
        if [ "${SEED_BIG[$k]}" -gt 0 ]; then
            lab_msg_large "$user@lab.test" "$k" "$epoch" "${SEED_BIG[$k]}"
        else
            lab_msg "$user@lab.test" "$k" "$f" "$epoch" "${SEED_LN[$k]}"
        fi
        # one body line that begins with "From ": the MDA wrote it escaped,
        # ">From " (mboxrd), so it stays one message (and a converter that
        # splits at it loses count)
        [ "$k" != 1 ] || MSG+=$'From the lab: this body line begins with From, and the message goes on.\nThe end.\n'
        MSG=${MSG//$'\n'From /$'\n'>From }
        # mbox flags: Status: R (seen) O (old); X-Status: A (answered) F (flagged) T.
        st="" xs=""
        [[ ${SEED_FL[$k]} == *S* ]] && st=RO
        [[ ${SEED_FL[$k]} == *R* ]] && xs+=A
        [[ ${SEED_FL[$k]} == *F* ]] && xs+=F
        [[ ${SEED_FL[$k]} == *T* ]] && xs+=T
        [ -n "$st" ] || { [ $((k % 2)) -eq 0 ] || st=O; }
        MSG=${MSG/$'\n\n'/$'\n'${st:+Status: $st$'\n'}${xs:+X-Status: $xs$'\n'}$'\n'}
        printf -v from 'From sender@lab-sender.test %(%a %b %e %H:%M:%S %Y)T' "$epoch"
        printf '%s\n%s\n' "$from" "$MSG" >>"$file"
        count[$f]=$((count[$f] + 1)) bytes[$f]=$((bytes[$f] + ${#from} + ${#MSG} + 2))
    done
    chown -R "$uid:$gid" "$root$home/mail"
    chown "$uid:8" "$root/var/mail/$user"; chmod 0660 "$root/var/mail/$user"
    for f in "${LAB_FOLDERS[@]}"; do
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$user" "$(lab_password "$user")" "${path[$f]}" "$f" \
            "${count[$f]}" "${bytes[$f]}" >>"$LAB_RUN/seed.txt"
    done
}
