# vi:filetype=perl
#
# k8flex_health: JSON for probes.

use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->no_error_log) {
        $block->set_value('no_error_log', "[alert]\n[crit]\n[emerg]\n[error]");
    }

    $block->set_value('config', 'location = /health { k8flex_health; }');
});

run_tests();

__DATA__

=== TEST 1: GET
--- request
GET /health
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body
{"status":"healthy","version":"0.1.0"}



=== TEST 2: HEAD has the headers only
--- request
HEAD /health
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body



=== TEST 3: POST is 405 with Allow
--- request
POST /health
{}
--- error_code: 405
--- response_headers
Allow: GET, HEAD
--- response_body
{"status":"rejected","error":"method POST is not allowed: use GET"}
