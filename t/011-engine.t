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
# The fake cluster ($FakeCluster below) serves t/fixtures/kubernetes, the
# shapes of a real API server for namespace "shop" (see its SOURCES.md),
# plus a few files of t/fixtures/engine; anything else is a 404 Status.
# The fake Ollama ($FakeOllama) streams generate-stream.ndjson of
# t/fixtures/ollama and writes each request body it gets to
# logs/ollama.log (GET /captured).
# Every block gets both from the block preprocessor; a block that wants
# another API server adds a server {} of its own and points
# k8flex_kubernetes at it, one that wants another Ollama listens on
# $TEST_NGINX_OLLAMA_PORT itself.
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
# against the whole log (check_accum_error_log): the --- wait after the
# POST is the time the engine gets to finish ($Wait seconds, more under
# valgrind).

use Test::Nginx::Socket 'no_plan';
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Spec;
use JSON::PP ();

$ENV{TEST_NGINX_FIXTURES} = File::Spec->catdir(dirname(abs_path(__FILE__)),
                                               'fixtures');

# the fakes listen next to nginx's own port
my $port = server_port();
$ENV{TEST_NGINX_KUBE_PORT}    = $port + 1;   # the fake cluster
$ENV{TEST_NGINX_OLLAMA_PORT}  = $port + 2;   # the fake Ollama
$ENV{TEST_NGINX_VARIANT_PORT} = $port + 3;   # a block's own API server
$ENV{TEST_NGINX_CLOSED_PORT}  = $port + 9;   # nothing listens there

# seconds the engine gets after each request of a block
our $Wait = $ENV{TEST_NGINX_ENGINE_WAIT}
            || ($ENV{TEST_NGINX_USE_VALGRIND} ? 8 : 1);

# seconds a request may take (a nap lasts one wait)
our $Timeout = ($ENV{TEST_NGINX_TIMEOUT} || 0) > $Wait * 2 + 5
               ? $ENV{TEST_NGINX_TIMEOUT} : $Wait * 2 + 5;

# a slow stream's pause: longer than one wait, shorter than two
$ENV{TEST_NGINX_STREAM_PAUSE} = $Wait * 1.5;

our $Json = JSON::PP->new->canonical;

# Debian's libnginx-mod-http-echo, unless t/run was told to load it
our $EchoModule = $ENV{TEST_NGINX_ECHO_MODULE}
                  || '/usr/lib/nginx/modules/ngx_http_echo_module.so';

our $LoadEcho = ($ENV{TEST_NGINX_LOAD_MODULES} // '') =~ /ngx_http_echo_module/
                ? '' : "load_module $EchoModule;\n";

# the answer of generate-stream.ndjson, as the engine should store it

our $StreamText = do {
    my $file = "$ENV{TEST_NGINX_FIXTURES}/ollama/generate-stream.ndjson";
    open my $fh, '<', $file or die "$file: $!";
    join '', map { $Json->decode($_)->{response} } grep { /\S/ } <$fh>;
};

our $FakeCluster = <<'_EOC_';
    # ---- the fake cluster: namespace "shop" of t/fixtures/kubernetes ----

    map_hash_bucket_size 128;

    map $arg_fieldSelector $k8s_events {
        "involvedObject.name%3Dcart-7c9d8f6b5-q2x4m"
                                /kubernetes/events-pod.json;
        "involvedObject.name%3Drecommendations-5b8d9c7f4-v6kzt"
                                /kubernetes/events-pod-pending.json;
        default                 /engine/eventlist-empty.json;
    }

    map $arg_previous $k8s_cart_log {
        true                    /kubernetes/pod-log-previous-oom.txt;
        default                 /kubernetes/pod-log-current.txt;
    }

    map $arg_labelSelector $k8s_slices {
        "kubernetes.io%2Fservice-name%3Drecommendations"
                                /engine/endpointslice-list-empty.json;
        "kubernetes.io%2Fservice-name%3Dcart"
                                /kubernetes/endpointslice-list.json;
        default                 /engine/endpointslice-list-empty.json;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_KUBE_PORT;
        root $TEST_NGINX_FIXTURES;
        default_type application/json;
        access_log logs/kube.log;

        # what the cluster does not have
        location / {
            return 404 '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}\n';
        }

        location /kubernetes/ { internal; }
        location /engine/ { internal; }

        # the crash-looping pod: OOMKilled, exit code 137, restartCount 6
        location = /api/v1/namespaces/shop/pods/cart-7c9d8f6b5-q2x4m {
            try_files /kubernetes/pod-crashloop-oomkilled.json =404;
        }
        location = /api/v1/namespaces/shop/pods/cart-7c9d8f6b5-q2x4m/log {
            default_type text/plain;
            try_files $k8s_cart_log =404;
        }
        location = /apis/apps/v1/namespaces/shop/replicasets/cart-7c9d8f6b5 {
            try_files /kubernetes/replicaset.json =404;
        }
        location = /apis/apps/v1/namespaces/shop/deployments/cart {
            try_files /kubernetes/deployment-unavailable.json =404;
        }
        location = /api/v1/nodes/ip-10-0-20-143.ec2.internal {
            try_files /kubernetes/node-memorypressure.json =404;
        }

        # a pod replaced since the alert fired
        location = /api/v1/namespaces/shop/pods/cart-7c9d8f6b5-j9tfd {
            error_page 404 /kubernetes/status-404-notfound.json;
            return 404;
        }

        # the pending pod: no node, so the API server has no log to give
        location = /api/v1/namespaces/shop/pods/recommendations-5b8d9c7f4-v6kzt {
            try_files /kubernetes/pod-pending-unschedulable.json =404;
        }
        location = /api/v1/namespaces/shop/pods/recommendations-5b8d9c7f4-v6kzt/log {
            error_page 400 /engine/status-400-no-host.json;
            return 400;
        }

        # the service "recommendations": no pod ready behind it
        location = /api/v1/namespaces/shop/services/recommendations {
            try_files /engine/service-recommendations.json =404;
        }
        location = /api/v1/namespaces/shop/endpoints/recommendations {
            try_files /kubernetes/endpoints-empty.json =404;
        }
        location = /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices {
            try_files $k8s_slices =404;
        }
        location = /apis/networking.k8s.io/v1/namespaces/shop/networkpolicies {
            try_files /kubernetes/networkpolicy-list.json =404;
        }

        # events of one object, or the warnings of the namespace
        location = /api/v1/namespaces/shop/events {
            try_files $k8s_events =404;
        }
        location = /api/v1/namespaces/default/events {
            try_files /engine/eventlist-empty.json =404;
        }
    }
_EOC_

our $FakeOllama = <<'_EOC_';
    # ---- the fake Ollama: a real stream; request bodies to logs/ollama.log

    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo_location /ollama/generate-stream.ndjson;
            access_log logs/ollama.log capture;
        }

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
        }
    }
_EOC_

our $Readers = <<'_EOC_';

    # ---- what the blocks read ----

    location /analyses { k8flex_analyses; }

    location = /latest {
        ssi on;
        ssi_types *;
        alias $TEST_NGINX_FIXTURES/engine/latest.shtml;
    }

    location = /captured {
        alias logs/ollama.log;
    }

    location = /kube-requests {
        alias logs/kube.log;
    }
_EOC_

add_block_preprocessor(sub {
    my $block = shift;
    my $http = $block->http_config // '';

    # spool and store in the servroot's html/, which Test::Nginx empties
    # before each block: no job or record of an earlier block is left

    my $common = "    k8flex_spool html/k8flex_spool;\n"
               . "    k8flex_store html/k8flex_store;\n"
               . "    log_format capture escape=none '\$request_body';\n";

    $common .= "    k8flex_kubernetes http://127.0.0.1:\$TEST_NGINX_KUBE_PORT;\n"
        unless $http =~ /^\s*k8flex_kubernetes\s/m;

    $common .= $FakeCluster;

    $common .= $FakeOllama
        unless $http =~ /listen\s+127\.0\.0\.1:\$TEST_NGINX_OLLAMA_PORT\b/;

    $block->set_value('http_config', $common . $http);
    $block->set_value('main_config', $LoadEcho . ($block->main_config // ''));
    $block->set_value('config', ($block->config // '') . $Readers);

    $block->set_value('wait', $Wait) unless defined $block->wait;
    $block->set_value('timeout', $Timeout) unless defined $block->timeout;

    $block->set_value('response_body_filters', \&summary)
        unless defined $block->response_body_filters;
});


# an Alertmanager webhook (version 4) with one firing alert

sub alert {
    my ($labels, %more) = @_;

    my $alert = {
        status => 'firing',
        labels => $labels,
        annotations => $more{annotations} || {},
        startsAt => $more{starts_at} || '2026-01-14T09:40:00.000Z',
        endsAt => '0001-01-01T00:00:00Z',
        generatorURL => 'http://prometheus.monitoring:9090/graph',
        fingerprint => $more{fingerprint} || '5c1e0f2a9b3d7e64',
    };

    return $Json->encode({
        receiver => 'k8flex', status => 'firing', alerts => [$alert],
        groupLabels => { alertname => $labels->{alertname} },
        commonLabels => $labels, commonAnnotations => $alert->{annotations},
        externalURL => 'http://alertmanager.monitoring:9093',
        version => '4', groupKey => "{}:{alertname=\"$labels->{alertname}\"}",
        truncatedAlerts => 0,
    });
}


# a record as lines; any other body as it is.  TEST_NGINX_SHOW_RECORDS=1
# prints each record's summary on stderr.

sub summary {
    my $body = shift;
    my $r = eval { JSON::PP->new->decode($body) };

    return $body unless ref $r eq 'HASH' && exists $r->{evidence};

    my $show = sub { my $v = shift; defined $v ? "$v" : 'null' };
    my $text = sub { join '', map { "  | $_\n" } split /\n/, shift // '' };
    my $s = '';

    for my $key (qw(state llm category model api num_ctx attempts error
                    llm_error))
    {
        $s .= "$key: " . $show->($r->{$key}) . "\n" if exists $r->{$key};
    }

    my $e = $r->{evidence};

    if (ref $e eq 'HASH') {
        $s .= "evidence: $e->{calls} calls, $e->{cached} cached, "
              . "$e->{failed} failed, $e->{redactions} redactions\n";

        for my $sec (@{ $e->{sections} }) {
            $s .= "section \"$sec->{name}\" $sec->{status}"
                  . ($sec->{cached} ? ' cached' : '')
                  . (defined $sec->{error} ? " error: $sec->{error}" : '')
                  . "\n" . $text->($sec->{text});
        }

    } else {
        $s .= "evidence: null\n";
    }

    $s .= defined $r->{analysis} ? "analysis:\n" . $text->($r->{analysis})
                                 : "analysis: null\n";

    my $stats = $r->{ollama_stats};
    $s .= "ollama_stats: " . (ref $stats eq 'HASH'
                              ? join(', ', map { "$_ $stats->{$_}" }
                                           sort keys %$stats)
                              : 'null') . "\n";

    print STDERR "# ---- record\n$s" if $ENV{TEST_NGINX_SHOW_RECORDS};

    return $s;
}


# expectations of a summary: one regular expression that matches when
# each of its parts does, anywhere; a string is a whole line, a string
# with a leading "!" must not occur at all, a qr// is taken as it is

sub facts {
    my $re = join '', map {
        ref $_            ? "(?=[\\s\\S]*?$_)"
        : /^!(.*)/s       ? "(?![\\s\\S]*?\Q$1\E)"
        :                   "(?=[\\s\\S]*?^\Q$_\E\$)"
    } @_;

    return qr/\A$re/m;
}

# the text of the first section named $name (a prefix) matches $re

sub section_says {
    my ($name, $re) = @_;
    return qr/^section "\Q$name\E[^\n]*\n(?:  \|[^\n]*\n)*?  \|[^\n]*?$re/m;
}

# every section's line matches $re, and there is one at least

sub every_section {
    my $re = shift;
    return qr/(?=[\s\S]*?^section )(?![\s\S]*?^section (?![^\n]*$re))/m;
}

# the analysis is exactly $text

sub analysis_is {
    my $text = shift;
    my $lines = join '', map { "  \\| \Q$_\E\n" } split /\n/, $text;
    return qr/^analysis:\n$lines(?!  \|)/m;
}


repeat_each(1);
no_shuffle();
no_long_string();
log_level('info');
check_accum_error_log();

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
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
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
--- http_config
    k8flex_kubernetes http://127.0.0.1:$TEST_NGINX_VARIANT_PORT;

    # the fake cluster, but the current log of the cart pod is full of secrets
    server {
        listen 127.0.0.1:$TEST_NGINX_VARIANT_PORT;

        location = /api/v1/namespaces/shop/pods/cart-7c9d8f6b5-q2x4m/log {
            if ($arg_previous) {
                proxy_pass http://127.0.0.1:$TEST_NGINX_KUBE_PORT;
            }
            default_type text/plain;
            alias $TEST_NGINX_FIXTURES/engine/log-with-secrets.txt;
        }

        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_KUBE_PORT;
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
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
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 4: RBAC refuses pods/log: the log sections say 403 forbidden, the analysis is done
--- http_config
    k8flex_kubernetes http://127.0.0.1:$TEST_NGINX_VARIANT_PORT;

    # the fake cluster, with a Role that lacks "get" on pods/log
    server {
        listen 127.0.0.1:$TEST_NGINX_VARIANT_PORT;
        default_type application/json;

        location ~ ^/api/v1/namespaces/shop/pods/[^/]+/log$ {
            error_page 403 /engine/status-403-pods-log.json;
            return 403;
        }

        location /engine/ {
            internal;
            root $TEST_NGINX_FIXTURES;
        }

        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_KUBE_PORT;
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 5: the pod is gone (replaced since the alert fired): the pod section is a readable 404, the analysis is done
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-j9tfd', container => 'cart', severity => 'warning' }),
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 6: a service without endpoints: category service, the service section says no ready endpoints
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 7: a node under MemoryPressure: category node, the node section shows the condition
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 8: the Kubernetes API cannot be reached: every section is a readable error, the analysis is still done
--- http_config
    k8flex_kubernetes http://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 9: two alerts on the same pod within k8flex_cache_ttl: the second analysis reads everything from the cache
--- http_config
    k8flex_cache_ttl 60s;
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }, fingerprint => '0a0a0a0a0a0a0a01'),
 "POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'critical' }, fingerprint => '0a0a0a0a0a0a0a02'),
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
--- no_error_log
[alert]
[crit]
[error]



=== TEST 10: while the LLM streams, the record says analyzing; when it is done, done
--- http_config
    # a slow Ollama: the first words, a pause, the rest
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.1Z","response":"The cart container","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_PAUSE;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:11.6Z","response":" is OOMKilled.","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:11.7Z","response":"","done":true,"done_reason":"stop","total_duration":1600000000,"load_duration":1000000,"prompt_eval_count":3000,"prompt_eval_duration":100000000,"eval_count":5,"eval_duration":1500000000}';
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
 "GET /latest",
 "GET /latest"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: analyzing', 'llm: null', 'error: null'),
 main::facts('state: done', 'llm: ok', 'error: null',
             main::analysis_is('The cart container is OOMKilled.'))]
--- no_error_log
[alert]
[crit]
[error]



=== TEST 11: the pod's ReplicaSet and Deployment are gone: their sections are readable 404s that name what was asked for
--- http_config
    k8flex_kubernetes http://127.0.0.1:$TEST_NGINX_VARIANT_PORT;

    # the fake cluster, where the Deployment "cart" was just deleted
    server {
        listen 127.0.0.1:$TEST_NGINX_VARIANT_PORT;
        default_type application/json;

        location = /apis/apps/v1/namespaces/shop/replicasets/cart-7c9d8f6b5 {
            error_page 404 /engine/status-404-replicaset.json;
            return 404;
        }
        location = /apis/apps/v1/namespaces/shop/deployments/cart {
            error_page 404 /engine/status-404-deployment.json;
            return 404;
        }

        location /engine/ {
            internal;
            root $TEST_NGINX_FIXTURES;
        }

        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_KUBE_PORT;
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
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
--- no_error_log
[alert]
[crit]
[error]
