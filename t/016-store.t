# vi:filetype=perl
#
# The store keeps the newest k8flex_store_keep analyses: a worker removes
# the oldest records when it starts and every 30 seconds after.  This
# file starts nginx itself (Test::More only) to reload it; the alert, the
# fakes and the helpers are in t/own-nginx.pl.

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use Time::HiRes qw(sleep time);

our $Port = $ENV{TEST_NGINX_STORE_PORT} || 19880;

require(dirname(abs_path(__FILE__)) . '/own-nginx.pl');

our ($KubePort, $KubeServer, $OllamaServer);

sub records {
    my ($prefix) = @_;
    opendir my $dh, "$prefix/k8flex_store" or return ();
    my @names = sort grep { /^[0-9a-z-]+\.json$/ } readdir $dh;
    return @names;
}

my $prefix = start_nginx(<<_EOC_);
    k8flex_kubernetes http://127.0.0.1:$KubePort;
    k8flex_store_keep 2;

$KubeServer
$OllamaServer
_EOC_

my @ids = map { post() } 1 .. 3;

for my $id (@ids) {
    is(wait_state($id, 'done|failed')->{state}, 'done', "analysis $id done");
}

# the worker trimmed the store when it started, empty; a reload starts
# one that finds three

my @before = records($prefix);
is(scalar @before, 3, 'three records before the trim');

signal($prefix, 'reload');

my $end = time + 10;
sleep 0.1 while (my @r = records($prefix)) > 2 && time < $end;

is_deeply([ records($prefix) ], [ map { "$_.json" } @ids[1, 2] ],
          'the two newest records are kept');

like(slurp("$prefix/logs/error.log"),
     qr/k8flex: removed the 1 oldest analyses from the store \(k8flex_store_keep 2\)/,
     'the trim is logged');
unlike(slurp("$prefix/logs/error.log"), qr/\[(?:alert|crit|emerg|error)\]/,
       'no error');

signal($prefix, 'stop');

done_testing();
