# dkim-verify: proves that a message the new server sent carries a DKIM
# signature that verifies with one of the server's own DKIM private keys,
# without DNS: each key's public half is given to Mail::DKIM as the DNS
# answer for the signature's selector, one key after the other (a fresh
# verifier for each), so the key that verifies is named.
#   perl -e "$dkim_pl" -- KEY.pem... < MESSAGE
# KEY.pem: RSA private keys (PEM); one that cannot be read or is no RSA
# key is named on stderr and left out.  MESSAGE: one whole message, lines
# ending in CRLF or LF (then LF is taken as CRLF, as doveadm prints it).
# Prints "pass: the DKIM signature d=DOMAIN s=SELECTOR verifies with the
# key FILE (sha256 HEX)", HEX the digest of the DER public key (as
# `openssl pkey -in FILE -pubout -outform DER | sha256sum`), and exits 0;
# else exits 1, why on stderr.  The message is hostile (it came through
# the mail server): what is taken from it is printed only cleaned (bytes
# that are not printable ASCII as '?') and cut short.
use strict;
use warnings;
use Crypt::OpenSSL::RSA;
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(decode_base64 encode_base64);
use Mail::DKIM::Verifier;
use Net::DNS;

# what is printed from the message, a file name or Mail::DKIM
sub clean {
  my ($s) = @_;
  $s = '' unless defined $s;
  $s =~ s/\s+\z//;
  $s =~ s/[^\x20-\x7e]/?/g;
  return length($s) > 200 ? substr($s, 0, 200) . '...' : $s;
}
# warnings from within Mail::DKIM may quote the message (a tag x=1...
# "isn't numeric"): cleaned as well
$SIG{__WARN__} = sub { print STDERR 'warning: ', clean($_[0]), "\n"; };

# The resolver Mail::DKIM asks (Mail::DKIM::DNS::query calls send and
# errorstring): every TXT query for a DKIM key (SELECTOR._domainkey.DOMAIN)
# is answered with this one key, anything else does not exist.
package KeyResolver;
sub new { my ($class, $p) = @_; return bless { p => $p }, $class; }
sub errorstring { return 'NOERROR'; }
sub send {
  my ($self, $name, $type) = @_;
  my $packet = Net::DNS::Packet->new($name, $type, 'IN');
  $packet->header->qr(1);
  if (uc($type) eq 'TXT' && $name =~ /\._domainkey\./i) {
    $packet->header->rcode('NOERROR');
    $packet->push(answer => Net::DNS::RR->new(name => $name, type => 'TXT', ttl => 60,
      txtdata => "v=DKIM1; k=rsa; p=$self->{p}"));
  } else {
    $packet->header->rcode('NXDOMAIN');
  }
  return $packet;
}
package main;

# the keys: file name, public key (DER) and its digest
my @keys;
for my $file (@ARGV) {
  my $name = clean($file);
  if (!-f $file) {
    print STDERR "cannot read the key $name: " . (-e $file ? 'not a regular file' : 'no such file') . ": left out\n";
    next;
  }
  my $pem;
  if (open(my $fh, '<', $file)) {
    local $/;
    $pem = <$fh>;
    close($fh);
  }
  if (!defined $pem) { print STDERR "cannot read the key $name: $!: left out\n"; next; }
  # an encrypted key would have OpenSSL ask for a passphrase on the terminal
  if ($pem =~ /ENCRYPTED/) { print STDERR "the key $name is encrypted: left out\n"; next; }
  my $rsa = eval { Crypt::OpenSSL::RSA->new_private_key($pem) };
  if (!$rsa) { print STDERR "$name is not an RSA private key (PEM): left out\n"; next; }
  my $spki = $rsa->get_public_key_x509_string();
  $spki =~ s/-----[^-]*-----//g;
  my $der = decode_base64($spki);
  push @keys, { file => $name, der => $der, sha256 => sha256_hex($der) };
}
if (!@keys) {
  print STDERR "no DKIM key to verify with: none of the files given (" . scalar(@ARGV)
    . ") is a readable RSA private key\n";
  exit 1;
}

# the message, whole (each key reads it again); LF alone taken as CRLF
binmode(STDIN);
my $message = do { local $/; <STDIN> };
$message = '' unless defined $message;
$message =~ s/\n/\r\n/g if index($message, "\r") < 0;

my @tried;
for my $key (@keys) {
  my $p = encode_base64($key->{der}, '');
  Mail::DKIM::DNS::resolver(KeyResolver->new($p));
  my $verifier = Mail::DKIM::Verifier->new();
  my $ok = eval {
    for (my $at = 0; $at < length($message); $at += 65536) {
      $verifier->PRINT(substr($message, $at, 65536));
    }
    $verifier->CLOSE();
    1;
  };
  if (!$ok) {
    print STDERR 'Mail::DKIM could not read the message: ' . clean($@) . "\n";
    exit 1;
  }
  # signatures() holds only the signatures Mail::DKIM could parse; the
  # result is "none" only when there was no DKIM-Signature at all
  my @signatures = $verifier->signatures();
  if (!@signatures && ($verifier->result || '') ne 'none') {
    print STDERR "the message's DKIM-Signature cannot be parsed: "
      . clean($verifier->{signature_reject_reason} || $verifier->result_detail || 'no reason given') . "\n";
    exit 1;
  }
  if (!@signatures) {
    print STDERR "the message carries no DKIM-Signature: the new server did not sign it.  Its amavisd "
      . "must sign the mail users submit: Postfix's submission service with content_filter to "
      . "amavisd's ORIGINATING port (10026 on iRedMail), and a dkim_key line in amavisd's "
      . "configuration for each domain\n";
    exit 1;
  }
  for my $sig (@signatures) {
    my $which = 'd=' . clean($sig->domain) . ' s=' . clean($sig->selector);
    if (($sig->result || '') eq 'pass') {
      print "pass: the DKIM signature $which verifies with the key $key->{file} (sha256 $key->{sha256})\n";
      exit 0;
    }
    push @tried, "  $which with the key $key->{file} (sha256 $key->{sha256}): "
      . clean($sig->result_detail || 'no result') . "\n";
  }
}
print STDERR "no key verified the message's DKIM signature; tried:\n", @tried;
exit 1;
