# vi:filetype=perl
#
# Bodies as they come: spooled to a temp file by nginx, chunked, form
# encoded, hostile.  Bad input is answered, never crashes a worker.

use Test::Nginx::Socket 'no_plan';
use Cwd qw(cwd);

our $Fixtures = cwd() . '/t/fixtures/real';

sub fixture {
    my $name = shift;
    open my $fh, '<', "$Fixtures/$name" or die "$Fixtures/$name: $!";
    local $/;
    return <$fh>;
}

sub chunked {
    my ($uri, $body, $size) = @_;
    my $req = "POST $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
              . "Content-Type: application/json\r\n"
              . "Transfer-Encoding: chunked\r\n\r\n";
    while (length $body) {
        my $chunk = substr $body, 0, $size, '';
        $req .= sprintf("%x\r\n%s\r\n", length $chunk, $chunk);
    }
    return $req . "0\r\n\r\n";
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
        $block->set_value('no_error_log',
                          "[alert]\n[crit]\n[emerg]\n[error]\nsignal 11");
    }

    if (!defined $block->config) {
        $block->set_value('config',
                          'location = /webhook { k8flex_webhook; }');
    }
});

run_tests();

__DATA__

=== TEST 1: a body larger than client_body_buffer_size is read back from nginx's temp file
--- config
    location = /webhook {
        k8flex_webhook;
        client_body_buffer_size 1k;
    }
--- request eval
"POST /webhook\n" . main::fixture('pagerduty/v2-incident-trigger.json')
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"PagerDuty","alerts":\[\{"id":"[^"]+","alertname":
--- error_log
a client request body is buffered to a temporary file
k8flex: PagerDuty webhook to "/webhook": 1 alert, 1 queued



=== TEST 2: client_body_in_file_only: the whole body comes from the file
--- config
    location = /webhook {
        k8flex_webhook;
        client_body_in_file_only clean;
    }
--- request eval
"POST /webhook\n" . main::fixture('grafana/unified-docs-firing-multi.json')
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"Grafana"



=== TEST 3: chunked request body
--- raw_request eval
main::chunked('/webhook', main::fixture('opsgenie/create-k8s-details.json'), 100)
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"Opsgenie"



=== TEST 4: chunked body spooled to a temp file
--- config
    location = /webhook {
        k8flex_webhook;
        client_body_buffer_size 1k;
    }
--- raw_request eval
main::chunked('/webhook', main::fixture('pagerduty/v2-incident-resolve.json'), 700)
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"PagerDuty"



=== TEST 5: JSON posted as a form (curl -d) is still JSON
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json')
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"Alertmanager"



=== TEST 6: a form body without any field
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /webhook
just some text
--- error_code: 400
--- response_body
{"status":"rejected","error":"form body without any \"name=value\" field"}



=== TEST 7: nesting deeper than the parser allows
--- request eval
"POST /webhook\n" . ('[' x 5000) . (']' x 5000)
--- error_code: 400
--- response_body_like: ^\{"status":"rejected","error":"body is not JSON: maximum parsing depth reached



=== TEST 8: deep nesting inside a payload field
--- request eval
"POST /webhook\n" . '{"version":"4","groupKey":"x","status":"firing","alerts":[{"status":"firing","labels":{"alertname":"Deep","namespace":'
. ('[' x 1500) . (']' x 1500) . '},"annotations":' . ('{"a":' x 1000) . '1' . ('}' x 1000) . '}]}'
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"Alertmanager","alerts":\[\{"id":"[^"]+","alertname":"Deep","status":"firing","namespace":null



=== TEST 9: integers beyond 64 bits and huge reals
--- request
POST /webhook
{"version":"4","groupKey":"x","status":"firing","truncatedAlerts":184467440737095516150,"alerts":[{"status":"firing","startsAt":1e300,"labels":{"alertname":"Huge","namespace":99999999999999999999999,"pod":-1.5e-300}}]}
--- error_code: 202
--- response_body_like: ^\{"status":"accepted","source":"Alertmanager","alerts":\[\{"id":"[^"]+","alertname":"Huge"



=== TEST 10: a real number out of range is not JSON
--- request
POST /webhook
{"alerts":[{"startsAt":1e999}]}
--- error_code: 400
--- response_body_like: body is not JSON: real number overflow



=== TEST 11: wrong types everywhere an adapter reads
--- request eval
["POST /webhook\n" . '{"version":4,"groupKey":[],"status":{},"receiver":null,"alerts":"many"}',
 "POST /webhook\n" . '{"version":"4","groupKey":"x","alerts":[null,1,"x",[],{"labels":[],"annotations":"a","status":7,"startsAt":{},"fingerprint":[]}]}',
 "POST /webhook\n" . '{"event":{"event_type":7,"data":[]}}',
 "POST /webhook\n" . '{"messages":[null,{"event":[],"incident":"x"}]}',
 "POST /webhook\n" . '{"orgId":"1","state":[],"ruleName":{},"evalMatches":"x","alerts":{}}',
 "POST /webhook\n" . '{"alert_transition":[],"tags":{},"title":7,"event_type":null}',
 "POST /webhook\n" . '{"action":{},"alert":"x","source":7}',
 "POST /webhook\n" . '{"ALERT.entity_id":[],"ALERT.state_message":{},"INCIDENT.CURRENT_PHASE":1}',
 "POST /webhook\n" . '{"current_state":[],"targets":"x","incident_id":{},"event_type":[]}',
 "POST /webhook\n" . '{"issueUrl":[],"state":{},"impactedEntities":"x","trigger":7,"isCorrelated":[]}']
--- error_code_like eval
[qr/^(202|422)$/, qr/^(202|422)$/, qr/^(202|422)$/, qr/^(202|422)$/, qr/^(202|422)$/,
 qr/^(202|422)$/, qr/^(202|422)$/, qr/^(202|422)$/, qr/^(202|422)$/, qr/^(202|422)$/]
--- response_body_like eval
[qr/^\{"status":"(accepted|rejected)"/, qr/^\{"status":"(accepted|rejected)"/,
 qr/^\{"status":"(accepted|rejected)"/, qr/^\{"status":"(accepted|rejected)"/,
 qr/^\{"status":"(accepted|rejected)"/, qr/^\{"status":"(accepted|rejected)"/,
 qr/^\{"status":"(accepted|rejected)"/, qr/^\{"status":"(accepted|rejected)"/,
 qr/^\{"status":"(accepted|rejected)"/, qr/^\{"status":"(accepted|rejected)"/]



=== TEST 12: a NUL byte in the body
--- request eval
"POST /webhook\n{\"alerts\":[\0]}"
--- error_code: 400
--- response_body_like: ^\{"status":"rejected","error":"body is not JSON
