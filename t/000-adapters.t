# vi:filetype=perl
#
# The adapters alone, without nginx: build/adapters_test (t/unit/) checks
# detection and the golden normalized output of every payload in
# t/fixtures/real/, the label table, and survives every payload with each
# value replaced by wrong types, huge numbers and deep nesting.  It
# prints TAP; this file hands it to prove.

use strict;
use warnings;

my $bin = $ENV{K8FLEX_ADAPTERS_TEST} || 'build/adapters_test';

if (!-x $bin) {
    system('make', '-s', 'unit') == 0
        or do { print "1..1\nnot ok 1 - make unit failed\n"; exit 1 };
}

exec $bin, 't/fixtures/real', 't/golden'
    or do { print "1..1\nnot ok 1 - cannot run $bin: $!\n"; exit 1 };
