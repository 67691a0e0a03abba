# Self-test: --- ONLY runs only that block (expect "I found ONLY" on stderr).
use Test::Nginx::Socket 'no_plan';

run_tests();

__DATA__

=== TEST 1: not run
--- config
    location = /t { return 500; }
--- request
GET /t



=== TEST 2: the only one
--- config
    location = /t { return 200 "only\n"; }
--- request
GET /t
--- response_body
only
--- ONLY



=== TEST 3: not run either
--- config
    location = /t { return 500; }
--- request
GET /t
