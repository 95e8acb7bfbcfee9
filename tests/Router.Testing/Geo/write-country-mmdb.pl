#!/usr/bin/perl
# Writes a small country database in MaxMind DB format, shaped as GeoLite2-Country (country.iso_code,
# continent.code), for the geographic routing tests. Needs Debian's libmaxmind-db-writer-perl.
# Usage: write-country-mmdb.pl OUTPUT.mmdb < networks
#   each input line: NETWORK COUNTRY CONTINENT   (10.1.0.0/16 DE EU; "-" for no country)
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $output = shift @ARGV or die "usage: $0 OUTPUT.mmdb < networks\n";
my %types = (
    country   => 'map',
    continent => 'map',
    iso_code  => 'utf8_string',
    code      => 'utf8_string',
    names     => 'map',
    en        => 'utf8_string',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version               => 6,
    record_size              => 24,
    database_type            => 'GeoLite2-Country',
    languages                => ['en'],
    description              => { en => 'Router test country database' },
    map_key_type_callback    => sub { $types{ $_[0] } },
    # The tests place documentation and private ranges (192.0.2.0/24, 10.0.0.0/8); real databases leave them out.
    remove_reserved_networks => 0,
    # As GeoLite2: ::ffff:0:0/96 and 2002::/16 point at the IPv4 tree.
    alias_ipv6_to_ipv4       => 1,
);
while (my $line = <STDIN>) {
    $line =~ s/#.*//;
    my ($network, $country, $continent) = split ' ', $line;
    next unless defined $network;
    my %record = (continent => { code => $continent, names => { en => "continent $continent" } });
    $record{country} = { iso_code => $country, names => { en => "country $country" } } if $country ne '-';
    $tree->insert_network($network, \%record);
}
open my $fh, '>:raw', $output or die "cannot write $output: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot write $output: $!\n";
