# shellcheck shell=bash
# shellcheck disable=SC2154 # top sh w: tests/census/run.sh's, which sources this
# shellcheck disable=SC2016 # the signer's Perl is literal
# The test step's DKIM proof (steps/sh/dkim-verify.pl, the text mailshift
# embeds and the new server runs) on messages signed here with
# Mail::DKIM::Signer as amavisd signs (rsa-sha256, relaxed/simple) by one
# of two fresh RSA keys: the signing key passes, named with the digest
# openssl gives its public half, the other key alone fails; a body or a
# signed header changed after signing fails; a message without a signature
# fails naming it, one that cannot be parsed too; a signature's hostile d=
# and s= are printed cleaned; the message as doveadm prints it (LF line
# ends) passes; a key file missing or not RSA is named and left out; of
# two signatures the one that verifies is named.  No root, no DNS.
dk=$w/dkim
mkdir -p "$dk"
dkim_pl=$(cat "$top/steps/sh/dkim-verify.pl")
# k1 as amavisd genrsa writes it (PKCS#1), k2 as OpenSSL 3 does (PKCS#8)
openssl genrsa -traditional -out "$dk/k1.pem" 2048 2> /dev/null
openssl genrsa -out "$dk/k2.pem" 2048 2> /dev/null
openssl genpkey -algorithm ed25519 -out "$dk/ed.pem" 2> /dev/null
fp1=$(openssl pkey -in "$dk/k1.pem" -pubout -outform DER | sha256sum) fp1=${fp1%% *}
dk_sign() { # KEY SELECTOR < MESSAGE > the message signed (CRLF)
  perl -e 'use strict; use warnings; use Mail::DKIM::Signer;
    my $s = Mail::DKIM::Signer->new(Algorithm => "rsa-sha256", Method => "relaxed/simple",
      Domain => "example.com", Selector => $ARGV[1], KeyFile => $ARGV[0]);
    my $m = ""; while (<STDIN>) { s/\r?\n\z//; $m .= "$_\r\n"; }
    $s->PRINT($m); $s->CLOSE; print $s->signature->as_string, "\r\n", $m;' "$1" "$2"
}
dk_verify() { # MESSAGE KEY...: the program as the test step runs it; out, err, rc
  local msg=$1
  shift
  out=$(perl -e "$dkim_pl" -- "$@" < "$msg" 2> "$dk/err"); rc=$?
  err=$(cat "$dk/err")
}
printf '%s\n' 'From: Alice <alice@example.com>' 'To: bob@lab.test' 'Subject: mailshift-test-1700000000-42' \
  'Date: Tue, 14 Nov 2023 22:13:20 +0000' 'Message-ID: <mailshift-test-1700000000-42@example.com>' '' \
  'Hello, this is the test message mailshift sends.' 'A second line.' > "$dk/plain"
dk_sign "$dk/k1.pem" dkim < "$dk/plain" > "$dk/signed"

dk_verify "$dk/signed" "$dk/k2.pem" "$dk/k1.pem"
check "dkim: a message signed with k1 passes with the keys k2 k1, naming k1 and its openssl digest (exit $rc)" \
  bash -c "[ $rc = 0 ] && [ \"\$1\" = 'pass: the DKIM signature d=example.com s=dkim verifies with the key $dk/k1.pem (sha256 $fp1)' ]" _ "$out"
dk_verify "$dk/signed" "$dk/k2.pem"
check "dkim: ... with k2 alone it fails: no key verified, k2 and the signature named (exit $rc)" \
  bash -c "[ $rc = 1 ] && [ -z \"\$2\" ] && grep -q 'no key verified' <<<\"\$1\" &&
    grep -q 'd=example.com s=dkim with the key $dk/k2.pem (sha256 ' <<<\"\$1\"" _ "$err" "$out"
sed 's/^Hello,/Howdy,/' "$dk/signed" > "$dk/body"
dk_verify "$dk/body" "$dk/k1.pem"
check "dkim: a word of the body changed after signing fails, saying so (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'body has been altered' <<<\"\$1\"" _ "$err"
sed 's/^Subject: mailshift-test-1700000000-42/Subject: mailshift-test-1700000000-43/' "$dk/signed" > "$dk/subject"
dk_verify "$dk/subject" "$dk/k1.pem"
check "dkim: a signed header (Subject) changed after signing fails (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'no key verified' <<<\"\$1\"" _ "$err"
dk_verify "$dk/plain" "$dk/k1.pem"
check "dkim: a message without a signature fails, naming that and amavisd's signing (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'no DKIM-Signature' <<<\"\$1\" && grep -q 'ORIGINATING' <<<\"\$1\"" _ "$err"
sed $'s/d=example.com;/d=ex\e[31mample.com\a;/; s/s=dkim;/s=dk\e[2Jim; x=1\e[31m;/' "$dk/signed" > "$dk/hostile"
dk_verify "$dk/hostile" "$dk/k1.pem"
check "dkim: a signature's d=, s=, x= with escape sequences fail, printed cleaned: no ESC out (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q $'\e' '$dk/hostile' && ! grep -q $'\e' <<<\"\$1\$2\" &&
    grep -qF 'd=ex?[31mample.com? s=dk?[2Jim with the key' <<<\"\$1\"" _ "$err" "$out"
sed $'s/d=example.com;/d=\e]0;owned\a\e[2J;/' "$dk/signed" > "$dk/hostile"
dk_verify "$dk/hostile" "$dk/k1.pem"
check "dkim: ... and a signature Mail::DKIM cannot parse fails, said so, no ESC out (exit $rc)" \
  bash -c "[ $rc = 1 ] && ! grep -q $'\e' <<<\"\$1\$2\" && grep -q 'DKIM-Signature cannot be parsed' <<<\"\$1\"" _ "$err" "$out"
tr -d '\r' < "$dk/signed" > "$dk/lf"
dk_verify "$dk/lf" "$dk/k1.pem"
check "dkim: the message with LF line ends (as doveadm prints it) passes (exit $rc)" test "$rc" = 0
dk_verify "$dk/signed" "$dk/missing.pem" "$dk/ed.pem" "$dk/k1.pem"
check "dkim: a key file missing and one not RSA are named and left out; k1 passes (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q 'cannot read the key $dk/missing.pem' <<<\"\$1\" &&
    grep -q '$dk/ed.pem is not an RSA private key' <<<\"\$1\"" _ "$err"
dk_verify "$dk/signed" "$dk/missing.pem"
check "dkim: no readable key at all fails (exit $rc)" \
  bash -c "[ $rc = 1 ] && grep -q 'no DKIM key to verify with' <<<\"\$1\"" _ "$err"
dk_sign "$dk/k2.pem" other < "$dk/signed" > "$dk/twice"
dk_verify "$dk/twice" "$dk/k1.pem"
check "dkim: of two signatures (k2's s=other, k1's s=dkim) the one that verifies passes, named (exit $rc)" \
  bash -c "[ $rc = 0 ] && grep -q '^pass: the DKIM signature d=example.com s=dkim verifies with the key $dk/k1.pem' <<<\"\$1\"" _ "$out"
check "dkim: perl -c of the program passes" bash -c 'perl -c -e "$1" 2>&1 | grep -qx -- "-e syntax OK"' _ "$dkim_pl"
