# shellcheck shell=bash
# shellcheck disable=SC2154 # t port: the prologue's
# test-inbound: on the old server, a message to the new one over SMTP, as
# any other mail server sends it (the way the relay and, after the switch,
# the world reach it): a connection to the new server's port 25, EHLO with
# this server's name, a null sender (bounces must always be taken), the
# recipient and the message.  Reads "USER ADDRESS SUBJECT" on stdin (the
# target's test-message.sh, mode pick); the target waits for it (mode
# wait) and the test step's removal takes it.  Prints the conversation
# (the server's replies without control bytes); fails on a refusal (a 4xx
# is greylisting or a limit: the message says so) or no answer in 60 s.
# Prologue: t (the new server's address, as this server reaches it), port
# (optional, 25: a test's).
read -r _ addr tok || { echo 'no test message named on stdin' >&2; exit 1; }
[[ $addr =~ ^[A-Za-z0-9._%+=-]+@[A-Za-z0-9.-]+$ ]] || { echo "not an address: ${addr//[^[:print:]]/?}" >&2; exit 1; }
[[ $tok =~ ^mailshift-test-[0-9]+-[0-9]+$ ]] || { echo "not a test message subject: ${tok//[^[:print:]]/?}" >&2; exit 1; }
[[ $t =~ ^[A-Za-z0-9.:-]+$ ]] || { echo "not a host name or address: $t" >&2; exit 1; }
[[ ${port:=25} =~ ^[0-9]+$ ]] || { echo "not a port: $port" >&2; exit 1; }
helo=$(postconf -h myhostname 2>/dev/null || hostname -f 2>/dev/null || hostname)
# shellcheck disable=SC2016 # the conversation, in a shell of its own under timeout
timeout 60 bash -c '
  t=$1 helo=$2 addr=$3 tok=$4 port=$5
  exec 3<>"/dev/tcp/$t/$port" || { echo "cannot connect to $t port $port" >&2; exit 1; }
  reply() { # the first digit the answer must begin with
    local line
    while IFS= read -r -t 30 line <&3; do
      line=${line%$'"'"'\r'"'"'}
      echo "< ${line//[^[:print:]]/?}"
      case $line in
        [0-9][0-9][0-9]-*) ;;
        "$1"*) return 0 ;;
        4*) echo "the new server answered $line: a temporary refusal (greylisting or a limit): run the step again in a few minutes" >&2; return 1 ;;
        *) echo "the new server refused: $line" >&2; return 1 ;;
      esac
    done
    echo "no answer from $t" >&2; return 1
  }
  say() { echo "> $1"; printf "%s\r\n" "$1" >&3; }
  reply 2 && say "EHLO $helo" && reply 2 && say "MAIL FROM:<>" && reply 2 && say "RCPT TO:<$addr>" && reply 2 &&
    say DATA && reply 3 || exit 1
  printf "From: <postmaster@%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nmailshift sent this over SMTP from the old server to test the new one; it removes it.\r\n.\r\n" \
    "$helo" "$addr" "$tok" >&3
  echo "> (the message, subject $tok)"
  reply 2 && say QUIT && { reply 2 || true; }
' test-inbound "$t" "$helo" "$addr" "$tok" "$port" || { echo "the new server did not take a message to $addr over SMTP from here" >&2; exit 1; }
echo "the new server took a message to $addr over SMTP from this server"
