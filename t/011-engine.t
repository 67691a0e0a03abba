# vi:filetype=perl
#
# The analysis engine end to end, the Kubernetes side: an alert posted to
# /webhook is claimed, its evidence read from a fake Kubernetes API, sent
# to a fake Ollama and stored; the blocks read the stored record and the
# error log.
#
# The fakes are server {} blocks of the nginx under test, which runs one
# process (no master, one worker loop).  If the engine ever blocked that
# loop (a synchronous connect, a blocking read), the fakes could not
# answer and the block would hang until the client's timeout: every block
# that passes also shows that the engine never blocks.
#
# The fakes, the block preprocessor and the helpers the blocks call are in
# t/engine-fakes.pl, shared with t/013-llm.t.  The fake cluster
# ($FakeCluster) serves t/fixtures/kubernetes, the shapes of a real API
# server for namespace "shop" (see its SOURCES.md), plus a few files of
# t/fixtures/engine; anything else is a 404 Status.  The fake Ollama
# ($FakeOllama) streams generate-stream.ndjson of t/fixtures/ollama and
# writes each request body it gets to logs/ollama.log (GET /captured).
# Every block gets both from the block preprocessor; a block whose API
# server answers some requests otherwise lists those locations in
# --- cluster_overrides (a server in front of the fake cluster, which
# k8flex_kubernetes then points at), one that wants another Ollama gives
# its locations in --- fake_ollama ($SlowOllama: a pause mid-stream).
#
# A block without --- config posts to the plain
# "location = /webhook { k8flex_webhook; k8flex_ollama <the fake>; }",
# one without --- no_error_log expects no [alert], [crit] or [error].
# Most blocks post an alert with the labels $CartCrashLooping: the
# crash-looping, OOMKilled pod shop/cart-7c9d8f6b5-q2x4m.
#
# GET /latest is the newest record of the store: an SSI template
# (t/fixtures/engine/latest.shtml) lists one analysis and includes
# GET /analyses/<its id>.  The response body filter turns a record into a
# summary, a line per fact, that the expectations match:
#
#   state: done
#   llm: ok
#   category: pod-crash
#   ...
#   evidence: 8 calls, 0 cached, 0 failed, 0 redactions
#   section "pod shop/cart-7c9d8f6b5-q2x4m" 200
#     | pod shop/cart-7c9d8f6b5-q2x4m: Running, node ...
#   section "log of container cart (last 100 lines)" 403 error: GET ...
#   analysis:
#     | A rabbit is ...
#
# Test::Nginx checks --- error_log after every request of a block, here
# against the whole log (check_accum_error_log, as t/engine-fakes.pl sets
# it): the --- wait after the POST is the time the engine gets to finish
# ($Wait seconds, more under valgrind).

use Test::Nginx::Socket 'no_plan';
use Cwd qw(abs_path);
use File::Basename qw(dirname);

require(dirname(abs_path(__FILE__)) . '/engine-fakes.pl');

run_tests();

__DATA__

=== TEST 1: a crash-looping OOMKilled pod: the pod, its logs, the previous log, events, node, ReplicaSet and Deployment, then the LLM
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model llama3.1:8b;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'category: pod-crash', 'error: null',
             'evidence: 8 calls, 0 cached, 0 failed, 0 redactions',
             'section "pod shop/cart-7c9d8f6b5-q2x4m" 200',
             'section "log of container cart (last 100 lines)" 200',
             'section "previous log of container cart (before its last restart)" 200',
             'section "events, newest first" 200',
             'section "node ip-10-0-20-143.ec2.internal" 200',
             'section "ReplicaSet cart-7c9d8f6b5" 200',
             'section "Deployment cart" 200',
             main::section_says('pod shop/cart-7c9d8f6b5-q2x4m', qr/OOMKilled, exit code 137/),
             main::section_says('previous log of container cart', qr/price cache above soft limit/),
             main::section_says('events', qr/Warning BackOff/),
             main::analysis_is($main::StreamText))]
--- error_log eval
[qr/\[notice\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 $main::StreamText]
--- no_error_log
[alert]
[crit]
[error]
[warn]



=== TEST 2: secrets in a pod's log reach neither the LLM nor the record: each is [REDACTED...]
--- cluster_overrides
        # the current log of the cart pod is full of secrets
        location = /api/v1/namespaces/shop/pods/cart-7c9d8f6b5-q2x4m/log {
            if ($arg_previous) {
                proxy_pass http://127.0.0.1:$TEST_NGINX_KUBE_PORT;
            }
            default_type text/plain;
            alias $TEST_NGINX_FIXTURES/engine/log-with-secrets.txt;
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
my @secrets = ('!Q2FydFRlc3RTaWduYXR1cmVOb3RSZWFsX2s4ZmxleA',   # the JWT's signature
               '!eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6c2hvcDpjYXJ0',
               '!Cart-DB-pass-7731',
               '!AKIAZ7K8FLEXTEST0042',
               '!MIIEpAIBAAKCAQEAk8flexTestKeyBodyNotARealKeyLine1',
               '!c2VjcmV0LWtleS1ib2R5LWxpbmUtdHdvLW5vdC1hLXJlYWwta2V5LWF0LWFsbA');
[qr/"queued":true/,
 main::facts('state: done', @secrets,
             qr/^evidence: .* [1-9]\d* redactions$/m,
             main::section_says('log of container cart', qr/password=\[REDACTED/),
             main::section_says('log of container cart', qr/\[REDACTED:aws-access-key-id\]/),
             main::section_says('log of container cart', qr/\[REDACTED:private-key\]/),
             main::section_says('log of container cart', qr/\[REDACTED:(?:jwt|bearer)\]/),
             main::section_says('log of container cart', qr/server listening/)),
 # what the LLM was sent
 main::facts(qr/"model":"llama2"/, qr/\[REDACTED:aws-access-key-id\]/,
             qr/server listening/, @secrets)]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/
--- no_error_log
[alert]
[crit]
[error]
AKIAZ7K8FLEXTEST0042
Cart-DB-pass-7731
Q2FydFRlc3RTaWduYXR1cmVOb3RSZWFsX2s4ZmxleA
MIIEpAIBAAKCAQEAk8flexTestKeyBodyNotARealKeyLine1



=== TEST 3: a pending pod: FailedScheduling events (eventTime, series) are the evidence; its refused log reads do not fail the analysis
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodNotReady', namespace => 'shop', pod => 'recommendations-5b8d9c7f4-v6kzt', severity => 'warning' }, annotations => { summary => 'Pod has been in a non-ready state for more than 15 minutes.' }),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'category: pod-restart', 'error: null',
             'section "pod shop/recommendations-5b8d9c7f4-v6kzt" 200',
             main::section_says('pod shop/recommendations-5b8d9c7f4-v6kzt', qr/Pending/),
             'section "events, newest first" 200',
             # the time of the series' last observation, the count of the series and its first event
             main::section_says('events', qr/09:39:12Z Warning FailedScheduling x15 since 2026-01-14T09:20:03Z: 0\/2 nodes are available: 1 Insufficient memory/),
             qr/^section "log of container recommendations[^"]*" 400 error: .*does not have a host assigned/m,
             main::analysis_is($main::StreamText))]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodNotReady" on shop\/recommendations-5b8d9c7f4-v6kzt: done \(category pod-restart, llm ok, \d+ ms\)/



=== TEST 4: RBAC refuses pods/log: the log sections say 403 forbidden, the analysis is done
--- cluster_overrides
        # a Role that lacks "get" on pods/log
        location ~ ^/api/v1/namespaces/shop/pods/[^/]+/log$ {
            error_page 403 /engine/status-403-pods-log.json;
            return 403;
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'error: null',
             qr/^evidence: 8 calls, 0 cached, 2 failed, /m,
             'section "pod shop/cart-7c9d8f6b5-q2x4m" 200',
             qr/^section "log of container cart[^"]*" 403 error: .*forbidden.*pods\/log/im,
             qr/^section "previous log of container cart[^"]*" 403 error: .*forbidden.*pods\/log/im,
             qr/^section "log of container cart[^"]*" 403 error: .*(?:RBAC|cannot get resource)/m,
             'section "node ip-10-0-20-143.ec2.internal" 200')]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/



=== TEST 5: the pod is gone (replaced since the alert fired): the pod section is a readable 404, the analysis is done
--- request eval
["POST /webhook\n" . main::alert({ %$main::CartCrashLooping, pod => 'cart-7c9d8f6b5-j9tfd' }),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'error: null',
             qr/^section "pod shop\/cart-7c9d8f6b5-j9tfd" 404 error: .*pods "cart-7c9d8f6b5-j9tfd" not found/m,
             'section "events, newest first" 200',
             main::analysis_is($main::StreamText))]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-j9tfd: done \(category pod-crash, llm ok, \d+ ms\)/



=== TEST 6: a service without endpoints: category service, the service section says no ready endpoints
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'ServiceHasNoReadyEndpoints', namespace => 'shop', service => 'recommendations', severity => 'critical' }),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'category: service', 'error: null',
             qr/^section "service recommendations[^"]*" 200$/m,
             main::section_says('service recommendations', qr/no ready endpoints/),
             qr/^section "endpoint slices" 200$/m,
             qr/^section "network policies" 200$/m)]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "ServiceHasNoReadyEndpoints" on shop\/recommendations: done \(category service, llm ok, \d+ ms\)/



=== TEST 7: a node under MemoryPressure: category node, the node section shows the condition
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubeNodePressure', node => 'ip-10-0-20-143.ec2.internal', condition => 'MemoryPressure', severity => 'info' }, annotations => { summary => 'Node has an active Condition.' }),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'category: node', 'error: null',
             'section "node ip-10-0-20-143.ec2.internal" 200',
             main::section_says('node ip-10-0-20-143.ec2.internal', qr/MemoryPressure True/),
             main::section_says('node ip-10-0-20-143.ec2.internal', qr/KubeletHasInsufficientMemory/),
             main::section_says('node ip-10-0-20-143.ec2.internal', qr/memory-pressure:NoSchedule/))]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubeNodePressure" on node ip-10-0-20-143\.ec2\.internal: done \(category node, llm ok, \d+ ms\)/



=== TEST 8: the Kubernetes API cannot be reached: every section is a readable error, the analysis is still done
--- http_config
    k8flex_kubernetes http://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'error: null',
             qr/^evidence: (\d+) calls, 0 cached, \1 failed, /m,
             main::every_section(qr/ 0 error: GET \/api\S* failed: .*(?:refused|connect)/i),
             main::analysis_is($main::StreamText))]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/



=== TEST 9: two alerts on the same pod within k8flex_cache_ttl: the second analysis reads everything from the cache
--- http_config
    k8flex_cache_ttl 60s;
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping, fingerprint => '0a0a0a0a0a0a0a01'),
 "POST /webhook\n" . main::alert({ %$main::CartCrashLooping, severity => 'critical' }, fingerprint => '0a0a0a0a0a0a0a02'),
 "GET /latest",
 "GET /kube-requests"]
--- error_code eval
[202, 202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 qr/"queued":true/,
 main::facts('state: done', 'llm: ok',
             'evidence: 8 calls, 8 cached, 0 failed, 0 redactions',
             main::every_section(qr/ 200 cached\n/),
             main::analysis_is($main::StreamText)),
 # the fake API server was asked by the first analysis only
 qr/\A(?:[^\n]*"GET \/ap[^\n]* 200 [^\n]*\n){8}\z/]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/



=== TEST 10: while the LLM streams, the record says analyzing; when it is done, done
--- fake_ollama eval
$main::SlowOllama
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest",
 "GET /latest"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: analyzing', 'llm: null', 'error: null'),
 main::facts('state: done', 'llm: ok', 'error: null',
             main::analysis_is('The cart container is OOMKilled.'))]



=== TEST 11: the pod's ReplicaSet and Deployment are gone: their sections are readable 404s that name what was asked for
--- cluster_overrides
        # the Deployment "cart" was just deleted
        location = /apis/apps/v1/namespaces/shop/replicasets/cart-7c9d8f6b5 {
            error_page 404 /engine/status-404-replicaset.json;
            return 404;
        }
        location = /apis/apps/v1/namespaces/shop/deployments/cart {
            error_page 404 /engine/status-404-deployment.json;
            return 404;
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'error: null',
             qr/^evidence: 8 calls, 0 cached, 2 failed, /m,
             'section "pod shop/cart-7c9d8f6b5-q2x4m" 200',
             qr/^section "ReplicaSet cart-7c9d8f6b5" 404 error: .*replicasets\.apps "cart-7c9d8f6b5" not found/m,
             qr/^section "Deployment cart" 404 error: .*deployments\.apps "cart" not found/m,
             '!section "Status ?"')]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/
