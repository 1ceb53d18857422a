# shellcheck shell=bash
# shellcheck disable=SC2154 # b: the prologue's
# users-hashes: on the target, whether its own crypt library verifies the
# password hash of every user users-accept.sh chose ($b/users/move/shadow):
# one hash of each kind ($1$, $5$, $6$, $y$, $2b$, ...) through crypt(3),
# by perl (perl-base on Debian), with the hash on perl's stdin, never on a
# command line; a kind it cannot verify is tried user by user, and its users
# are named.  Locked accounts (a ! or * before the hash) and empty fields
# have no kind: said, and carried as they are.  Fails when a user could
# not log in here with the old password.
# Prologue: b (lib.sh before).
export LC_ALL=C
umask 077
m=$b/users/move
[ -f "$m/shadow" ] || { echo "no $m/shadow: the source's users were not read (run the step from its start)" >&2; exit 1; }
command -v perl >/dev/null ||
  { echo "this server has no perl (perl-base on Debian, perl on RHEL): mailshift checks the hashes with it" >&2; exit 1; }
# shellcheck disable=SC2016 # perl's text
awk -F ':' '{ print $1 "\t" $2 }' "$m/shadow" | perl -e '
use strict; use warnings;
my %label = ("\$1\$" => "md5crypt", "\$5\$" => "sha256crypt", "\$6\$" => "sha512crypt",
  "\$y\$" => "yescrypt", "\$gy\$" => "gost-yescrypt", "\$7\$" => "scrypt", "\$2a\$" => "bcrypt",
  "\$2b\$" => "bcrypt", "\$2y\$" => "bcrypt", "\$sha1\$" => "sha1crypt", "\$md5\$" => "SunMD5",
  "DES" => "traditional DES", "_" => "BSDi DES");
my (%of, @kinds, @locked, @empty, @none);
while (my $l = <STDIN>) {
  chomp $l;
  my ($n, $h) = split /\t/, $l, 2;
  $h = "" unless defined $h;
  if ($h eq "") { push @empty, $n; next }
  if ($h =~ /^[!*]/) { push @locked, $n; next }
  my $k = $h =~ /^(\$[a-z0-9]{1,8}\$)/ ? $1 : $h =~ /^\$/ ? "\$?" : $h =~ /^_/ ? "_"
        : $h =~ m{^[./0-9A-Za-z]{13}$} ? "DES" : "";
  if ($k eq "") { push @none, $n; next }
  push @kinds, $k unless $of{$k};
  push @{$of{$k}}, [$n, $h];
}
sub verifies {
  my ($k, $h) = @_;
  my $r = crypt("mailshift", $h);
  return 0 unless defined $r && length $r && $r !~ /^\*/;
  return $k eq "DES" ? length($r) == 13 && substr($r, 0, 2) eq substr($h, 0, 2)
                     : substr($r, 0, length $k) eq $k;
}
print "locked (a ! or * before the hash), and they stay so: @locked\n" if @locked;
print "with an empty password field, carried as it is: @empty\n" if @empty;
print "with no hash crypt knows (no password login, as on the source): @none\n" if @none;
my $bad = 0;
for my $k (@kinds) {
  my @u = @{$of{$k}};
  my $what = "$k (" . ($label{$k} || "unknown") . ")";
  if (verifies($k, $u[0][1])) { printf "%s: %d user(s), this server verifies it\n", $what, scalar @u; next }
  my @no = map { $_->[0] } grep { !verifies($k, $_->[1]) } @u;
  printf STDERR "%s: this server cannot verify the hash of %d user(s): @no\n", $what, scalar @no;
  $bad += @no;
}
if ($bad) {
  print STDERR "$bad user(s) could not log in here with their old password: give this server a crypt library " .
    "that knows those hashes (libxcrypt for yescrypt), or have the users set a new password on the source " .
    "(its hash then of a kind both know), then run this again\n";
  exit 1;
}
print "every password hash moved verifies here\n";
'
