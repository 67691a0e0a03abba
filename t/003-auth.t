# vi:filetype=perl
#
# k8flex_auth_token: webhooks must carry "Authorization: Bearer <token>".

use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    # the receiver alone: the analysis engine would take the jobs away
    $block->set_value('http_config',
                      "k8flex_engine off;\n" . ($block->http_config // ''));

    if (!defined $block->no_error_log) {
        $block->set_value('no_error_log', "[alert]\n[crit]\n[emerg]");
    }

    if (!defined $block->config) {
        $block->set_value('config', <<'_EOC_');
    location = /webhook {
        k8flex_webhook;
        k8flex_auth_token "s3cr3t-T0ken";
    }
_EOC_
    }

    if (!defined $block->request) {
        $block->set_value('request', <<'_EOR_');
POST /webhook
{"receiver":"k8flex","status":"firing","alerts":[],"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093","version":"4","groupKey":"{}:{}","truncatedAlerts":0}
_EOR_
    }
});

run_tests();

__DATA__

=== TEST 1: no Authorization header
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="k8flex"
Content-Type: application/json
--- response_body
{"status":"rejected","error":"missing \"Authorization: Bearer <token>\" header"}
--- error_log
[info]
rejected with 401: missing "Authorization: Bearer <token>" header



=== TEST 2: wrong token of the same length
--- more_headers
Authorization: Bearer s3cr3t-T0kem
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="k8flex"
--- response_body
{"status":"rejected","error":"wrong bearer token"}
--- error_log
rejected with 401: wrong bearer token
--- no_error_log
s3cr3t



=== TEST 3: a prefix of the token is wrong
--- more_headers
Authorization: Bearer s3cr3t
--- error_code: 401
--- response_body
{"status":"rejected","error":"wrong bearer token"}



=== TEST 4: the token followed by more is wrong
--- more_headers
Authorization: Bearer s3cr3t-T0ken-s3cr3t-T0ken
--- error_code: 401



=== TEST 5: Basic credentials are not a bearer token
--- more_headers
Authorization: Basic czNjcjN0LVQwa2Vu
--- error_code: 401
--- response_body
{"status":"rejected","error":"the Authorization header is not a Bearer token"}



=== TEST 6: the right token is accepted
--- more_headers
Authorization: Bearer s3cr3t-T0ken
--- error_code: 202
--- response_body
{"status":"accepted","source":"Alertmanager","alerts":[]}
--- error_log
k8flex: Alertmanager webhook to "/webhook": 0 alerts, 0 queued, 0 skipped



=== TEST 7: the scheme is case-insensitive
--- more_headers
Authorization: bearer s3cr3t-T0ken
--- error_code: 202



=== TEST 8: the token may come from a variable
--- config
    set $k8flex_token "from-a-variable";
    location = /webhook {
        k8flex_webhook;
        k8flex_auth_token $k8flex_token;
    }
--- more_headers
Authorization: Bearer from-a-variable
--- error_code: 202



=== TEST 9: a token that evaluates to "" refuses everything, loudly
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_auth_token $http_x_unset;
    }
--- more_headers
Authorization: Bearer
--- error_code: 500
--- response_body
{"status":"rejected","error":"the server's webhook token is not configured (empty)"}
--- error_log
"k8flex_auth_token" is empty for this request; every webhook is refused



=== TEST 10: inherited from server level, switched off in one location
--- config
    k8flex_auth_token "s3cr3t-T0ken";
    location = /webhook { k8flex_webhook; }
    location = /open { k8flex_webhook; k8flex_auth_token off; }
--- request eval
my $body = '{"receiver":"k8flex","status":"firing","alerts":[],"version":"4","groupKey":"{}:{}","truncatedAlerts":0}';
["POST /webhook\n$body", "POST /open\n$body"]
--- error_code eval
[401, 202]



=== TEST 11: GET is 405 before any token check
--- request
GET /webhook
--- error_code: 405
