# vi:filetype=perl
#
# Every answer of the webhook receiver other than 202: each is JSON, says
# what is wrong, and leaves a line in the error log.

use Test::Nginx::Socket 'no_plan';
use Cwd qw(cwd);

our $Fixtures = cwd() . '/t/fixtures/real';

sub fixture {
    my $name = shift;
    open my $fh, '<', "$Fixtures/$name" or die "$Fixtures/$name: $!";
    local $/;
    return <$fh>;
}

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
        $block->set_value('config',
                          'location = /webhook { k8flex_webhook; }');
    }
});

run_tests();

__DATA__

=== TEST 1: GET is 405 with Allow: POST
--- request
GET /webhook
--- error_code: 405
--- response_headers
Allow: POST
Content-Type: application/json
--- response_body
{"status":"rejected","error":"method GET is not allowed: webhooks are sent with POST"}
--- error_log
k8flex: request to "/webhook" rejected with 405: method GET is not allowed



=== TEST 2: PUT with a body is 405 too, and the body is discarded
--- request
PUT /webhook
{"alerts":[]}
--- error_code: 405
--- response_headers
Allow: POST
--- response_body
{"status":"rejected","error":"method PUT is not allowed: webhooks are sent with POST"}



=== TEST 3: empty body
--- request
POST /webhook
--- more_headers
Content-Length: 0
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body
{"status":"rejected","error":"empty body: expected the alerting system's JSON payload"}
--- error_log
[warn]
rejected with 400: empty body



=== TEST 4: body that is not JSON: jansson's line, column and text
--- request
POST /webhook
{"receiver": "k8flex",
 "alerts": [oops]}
--- error_code: 400
--- response_body
{"status":"rejected","error":"body is not JSON: invalid token near 'oops' (line 2, column 16)","line":2,"column":16,"position":39}
--- error_log
rejected with 400: body is not JSON: invalid token near 'oops' (line 2, column 16)



=== TEST 5: truncated JSON
--- request
POST /webhook
{"alerts": [
--- error_code: 400
--- response_body_like: ^\{"status":"rejected","error":"body is not JSON: [^"]+ \(line \d+, column \d+\)","line":\d+,"column":\d+,"position":\d+\}$



=== TEST 6: a JSON scalar is not a payload
--- request
POST /webhook
42
--- error_code: 400
--- response_body_like: ^\{"status":"rejected","error":"body is not JSON: '\[' or '\{' expected near '42'



=== TEST 7: JSON that no enabled adapter recognises: 422 lists each adapter tried and why
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_adapters alertmanager pagerduty;
    }
--- request
POST /webhook
{"hello": "world"}
--- error_code: 422
--- response_headers
Content-Type: application/json
--- response_body
{"status":"rejected","error":"no enabled adapter recognises the payload","tried":[{"adapter":"alertmanager","reason":"no \"alerts\" array"},{"adapter":"pagerduty","reason":"no \"event.event_type\" nor \"messages\""}]}
--- error_log
[warn]
rejected with 422: no enabled adapter recognises the payload



=== TEST 8: all seven adapters are tried by default
--- request
POST /webhook
{"hello": "world"}
--- error_code: 422
--- response_body_like: "tried":\[\{"adapter":"alertmanager",.+?\{"adapter":"pagerduty",.+?\{"adapter":"grafana",.+?\{"adapter":"datadog",.+?\{"adapter":"opsgenie",.+?\{"adapter":"victorops",.+?\{"adapter":"newrelic","reason":"no [^}]+"\}\]\}$



=== TEST 9: a JSON array is declined by every adapter
--- request
POST /webhook
[{"labels": {"alertname": "X"}}]
--- error_code: 422
--- response_body_like: ^\{"status":"rejected","error":"no enabled adapter recognises the payload","tried":\[



=== TEST 10: a payload of a system whose adapter is disabled here
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_adapters alertmanager opsgenie;
    }
--- request eval
"POST /webhook\n" . main::fixture('grafana/unified-docs-firing-multi.json')
--- error_code: 422
--- response_body
{"status":"rejected","error":"the payload is from Grafana, whose adapter \"grafana\" is not enabled here","source":"Grafana","enabled":["alertmanager","opsgenie"]}
--- error_log
rejected with 422: the payload is from Grafana, whose adapter "grafana" is not enabled here



=== TEST 11: ?source= skips detection
--- request eval
"POST /webhook?source=Alertmanager\n" . main::fixture('grafana/unified-docs-firing-multi.json')
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"Alertmanager","alerts":\[
--- error_log
k8flex: Alertmanager webhook to "/webhook": 2 alerts



=== TEST 12: ?source= with an unknown name
--- request eval
"POST /webhook?source=grafanna\n" . main::fixture('grafana/unified-docs-firing-multi.json')
--- error_code: 400
--- response_body
{"status":"rejected","error":"unknown source \"grafanna\" in \"?source=\"","known":["alertmanager","pagerduty","grafana","datadog","opsgenie","victorops","newrelic"]}



=== TEST 13: ?source= naming a disabled adapter
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_adapters alertmanager;
    }
--- request eval
"POST /webhook?source=grafana\n" . main::fixture('grafana/unified-docs-firing-multi.json')
--- error_code: 422
--- response_body
{"status":"rejected","error":"the payload is from Grafana, whose adapter \"grafana\" is not enabled here","source":"Grafana","enabled":["alertmanager"]}



=== TEST 14: ?source= of an adapter that cannot read the payload
--- request
POST /webhook?source=opsgenie
{"receiver": "x", "status": "firing", "alerts": []}
--- error_code: 422
--- response_body
{"status":"rejected","error":"Opsgenie payload cannot be read: no \"action\" with an \"alert\" object","source":"Opsgenie"}



=== TEST 15: body larger than client_max_body_size is nginx's own 413
--- config
    location = /webhook {
        k8flex_webhook;
        client_max_body_size 1k;
    }
--- request eval
"POST /webhook\n" . main::fixture('pagerduty/v2-incident-trigger.json')
--- error_code: 413
--- error_log
client intended to send too large body
--- no_error_log
[alert]
[crit]



=== TEST 16: the per-location adapter set is inherited and overridden
--- http_config
    k8flex_adapters grafana;
--- config
    location = /grafana-only { k8flex_webhook; }
    location = /all { k8flex_webhook; k8flex_adapters all; }
--- request eval
["POST /grafana-only\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json'),
 "POST /all\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json')]
--- error_code eval
[422, 202]
--- response_body_like eval
['"the payload is from Alertmanager, whose adapter \\\\"alertmanager\\\\" is not enabled here","source":"Alertmanager","enabled":\["grafana"\]',
 '^\{"status":"accepted","source":"Alertmanager"']
