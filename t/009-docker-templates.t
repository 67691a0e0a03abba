# vi:filetype=perl
#
# docker/: the manifests parse and hold read-only RBAC without Secrets,
# and the image's template, rendered from the environment as the official
# nginx image does at start, passes "nginx -t" with our module and answers
# webhooks (docker/check-templates; no Docker engine is needed).  Its
# "ok"/"not ok" lines are TAP; this file adds the plan.

use strict;
use warnings;

my @lines = `docker/check-templates 2>&1`;
my $status = $? >> 8;
my $n = 0;

for (@lines) {
    if (/^(not )?ok\b/) {
        $n++;
        s/^((?:not )?ok)\b/$1 $n/;
        print;

    } else {
        print "# $_";
    }
}

if ($status != 0 && !grep { /^not ok/ } @lines) {
    $n++;
    print "not ok $n - docker/check-templates exited with $status\n";
}

print "1..$n\n";
