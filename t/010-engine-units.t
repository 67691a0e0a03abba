# vi:filetype=perl
#
# The analysis engine's pure-C parts alone, without nginx: categories
# and redaction (build/engine_test), the Ollama protocol (request bodies,
# num_ctx, the NDJSON stream parser, error classes) and the evidence
# sections built from Kubernetes API objects (build/evidence_test), the
# prompt template, the alert text and the evidence-only analysis
# (build/prompt_test); the sources are t/unit/engine_test.c,
# t/unit/evidence_test.c and t/unit/prompt_test.c.  Each program prints
# TAP; this file runs them in turn and renumbers their results.  BUILD in
# the environment names another build directory, as it does for make.

use strict;
use warnings;

my $build = $ENV{BUILD} || 'build';
my @programs = map { "$build/$_" } qw(engine_test evidence_test prompt_test);
my $n = 0;

for my $bin (@programs) {
    if (!-x $bin) {
        system('make', '-s', "BUILD=$build", 'unit') == 0 or last;
    }

    my @lines = `$bin 2>&1`;
    my $status = $? >> 8;
    my $failed = 0;

    for (@lines) {
        next if /^1\.\.\d+/;

        if (/^(not )?ok\b/) {
            $n++;
            $failed++ if $1;
            s/^((?:not )?ok)\s+\d*/$1 $n/;
            s/ - / - $bin: /;
            print;

        } else {
            print "# $_";
        }
    }

    if ($status != 0 && !$failed) {
        $n++;
        print "not ok $n - $bin exited with $status\n";
    }
}

if ($n == 0) {
    print "not ok 1 - no engine unit test could be built\n";
    $n = 1;
}

print "1..$n\n";
