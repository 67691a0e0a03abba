# vi:filetype=perl
#
# The analysis engine end to end, the LLM side: how it talks to Ollama
# (/api/generate and /api/chat, streamed NDJSON), and what it stores when
# Ollama answers slowly, fails, breaks off, cannot be reached, or when
# several analyses want the one LLM slot.
#
# The fakes are server {} blocks of the nginx under test, which runs one
# process (no master, one worker loop).  If the engine ever blocked that
# loop (a synchronous connect, a blocking read, a sleep between retries),
# the fakes could not answer and the block would hang until the client's
# timeout: every block that passes also shows that the engine never
# blocks.
#
# A block's fake Ollama is its own server {} on $TEST_NGINX_OLLAMA_PORT:
# real Ollama bodies from t/fixtures/ollama (see its SOURCES.md), streamed
# slowly with the echo module (echo, echo_flush, echo_sleep) where time
# matters; a block without one gets $FakeOllama below, which streams
# generate-stream.ndjson.  Request bodies a fake Ollama got are in
# logs/ollama.log (GET /captured) where it logs them.  The evidence comes
# from the fake cluster of t/011-engine.t ($FakeCluster below): mostly the
# crash-looping, OOMKilled pod shop/cart-7c9d8f6b5-q2x4m of
# t/fixtures/kubernetes.
#
# GET /latest is the newest record of the store: an SSI template
# (t/fixtures/engine/latest.shtml) lists one analysis and includes
# GET /analyses/<its id>.  The response body filter turns a record into a
# summary, a line per fact, that the expectations match:
#
#   state: failed
#   llm: failed
#   ...
#   attempts: 1
#   error: model "x" not found at ...
#   analysis:
#     | ...
#   ollama_stats: done_reason stop, eval_count 37, ...
#
# Test::Nginx checks --- error_log after every request of a block, here
# against the whole log (check_accum_error_log): the --- wait after the
# POST is the time the engine gets to finish ($Wait seconds, more under
# valgrind, plus the engine's 1 s backoff where it retries).

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

# the pauses of the slow streams below
$ENV{TEST_NGINX_STREAM_GAP} = $Wait * 0.1;
$ENV{TEST_NGINX_NAP} = $Wait;

# the answer of chat-stream.ndjson, and the figures of generate-stream's
# last line as the record shows them

our $ChatText = do {
    my $file = "$ENV{TEST_NGINX_FIXTURES}/ollama/chat-stream.ndjson";
    open my $fh, '<', $file or die "$file: $!";
    join '', map { $Json->decode($_)->{message}{content} } grep { /\S/ } <$fh>;
};

our $StreamStats = do {
    my $file = "$ENV{TEST_NGINX_FIXTURES}/ollama/generate-stream.ndjson";
    open my $fh, '<', $file or die "$file: $!";
    my ($last) = grep { $_->{done} } map { $Json->decode($_) } grep { /\S/ } <$fh>;
    my %stats = (done_reason => $last->{done_reason},
                 map { $_ => $last->{$_} } qw(prompt_eval_count eval_count));
    $stats{"${_}_ns"} = $last->{$_}
        for qw(total_duration load_duration prompt_eval_duration eval_duration);
    'ollama_stats: ' . join(', ', map { "$_ $stats{$_}" } sort keys %stats);
};

# a line of the analysis matches $re

sub analysis_says {
    my $re = shift;
    return qr/^analysis:\n(?:  \|[^\n]*\n)*?  \|[^\n]*?$re/m;
}


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

=== TEST 1: a normal stream: the analysis is the stream's "response" fields end to end, Ollama's figures are kept, num_ctx is one of the fixed sizes
--- http_config
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
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model llama3.1:8b;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'model: llama3.1:8b', 'api: generate',
             'attempts: 1', 'error: null',
             qr/^num_ctx: (?:4096|8192|16384|32768)$/m,
             main::analysis_is($main::StreamText),
             $main::StreamStats),
 # one request, streamed, with a context size
 qr/\A\{(?=[^\n]*"model":"llama3\.1:8b")(?=[^\n]*"stream":true)(?=[^\n]*"num_ctx":(?:4096|8192|16384|32768)\b)[^\n]*\n\z/]
--- error_log eval
[qr/\[notice\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 $main::StreamText]
--- no_error_log
[alert]
[crit]
[error]
[warn]



=== TEST 2: a slow stream, a line per chunk and one line cut in two: the analysis is whole
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.101Z","response":"The cart","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.202Z","response":" container","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo -n '{"model":"llama2","created_at":"2026-01-14T09:42:10.303Z","resp';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo 'onse":" was OOMKilled","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.404Z","response":": exit code 137.","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.505Z","response":"","done":true,"done_reason":"stop","total_duration":404000000,"load_duration":1000000,"prompt_eval_count":3012,"prompt_eval_duration":100000000,"eval_count":4,"eval_duration":300000000}';
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
 main::facts('state: done', 'llm: ok', 'attempts: 1', 'error: null',
             main::analysis_is('The cart container was OOMKilled: exit code 137.'),
             qr/^ollama_stats: .*eval_count 4, /m)]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 'The cart container was OOMKilled: exit code 137.']
--- no_error_log
[alert]
[crit]
[error]
[warn]



=== TEST 3: the model is not there (404): the analysis fails at once with Ollama's message, no retry
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/json;
        access_log logs/ollama.log capture;

        location = /api/generate {
            echo_read_request_body;
            echo_status 404;
            echo_location /ollama/error-model-not-found.json;
        }

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model nonexistent-model-12345;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: failed', 'llm: failed', 'attempts: 1',
             qr/^error: [^\n]*nonexistent-model-12345[^\n]*not found/m,
             qr/^analysis:(?: null)?\n(?!  \|)/m, 'ollama_stats: null'),
 # asked once
 qr/\A[^\n]*\n\z/]
--- error_log eval
qr/\[error\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: failed \(category pod-crash, llm failed, \d+ ms\): .*nonexistent-model-12345.*not found/
--- no_error_log
[alert]
[crit]
[warn]
retrying



=== TEST 4: a 500 on the first attempt, the stream on the second: done after a retry that the log tells
--- http_config
    # X-K8flex-Attempt: 1 is refused as a model that failed to load
    map $http_x_k8flex_attempt $ollama_fails {
        1        1;
        default  0;
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            if ($ollama_fails) {
                return 500 '{"error":"llama runner process has terminated: signal: killed"}';
            }
            echo_read_request_body;
            echo_location /ollama/generate-stream.ndjson;
        }

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
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
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'attempts: 2', 'error: null',
             main::analysis_is($main::StreamText))]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: .*500.*llama runner process has terminated.*; retrying in \d+ ms \(attempt 2 of 3\)/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/]
--- no_error_log
[alert]
[crit]
[error]



=== TEST 5: Ollama cannot be reached: after the retries the analysis is written from the evidence alone, marked unavailable
--- http_config
    k8flex_llm_retries 1;
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
 "GET /latest"]
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: unavailable', 'attempts: 2', 'error: null',
             qr/^llm_error: .*(?:refused|connect)/im,
             qr/^analysis:\n  \| [^\n]*LLM could not be reached/m,
             main::analysis_says(qr/OOMKilled/),
             'ollama_stats: null',
             'section "pod shop/cart-7c9d8f6b5-q2x4m" 200')]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: .*(?:refused|connect).*; retrying in \d+ ms \(attempt 2 of 2\)/i,
 qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: the LLM .* could not be reached after 2 attempt/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm unavailable, \d+ ms\)/,
 'EVIDENCE-ONLY SUMMARY']
--- no_error_log
[alert]
[crit]
[error]



=== TEST 6: an error line in the middle of the stream: the analysis fails with Ollama's message, no retry
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;
        access_log logs/ollama.log capture;

        location = /api/generate {
            echo_read_request_body;
            echo_location /ollama/error-midstream.ndjson;
        }

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model gemma3;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: failed', 'llm: failed', 'attempts: 1',
             qr/^error: [^\n]*an error was encountered while running the model/m,
             'ollama_stats: null'),
 # asked once
 qr/\A[^\n]*\n\z/]
--- error_log eval
qr/\[error\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: failed \(category pod-crash, llm failed, \d+ ms\): .*an error was encountered while running the model/
--- no_error_log
[alert]
[crit]
[warn]
retrying



=== TEST 7: a malformed line in the stream: the analysis fails and says so
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo_location /engine/generate-malformed.ndjson;
        }

        location /engine/ {
            internal;
            alias $TEST_NGINX_FIXTURES/engine/;
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
 main::facts('state: failed', 'llm: failed', 'attempts: 1',
             qr/^error: [^\n]*malformed/im,
             'ollama_stats: null')]
--- error_log eval
qr/\[error\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: failed \(category pod-crash, llm failed, \d+ ms\): .*malformed/i
--- no_error_log
[alert]
[crit]
[warn]



=== TEST 8: k8flex_llm_concurrency 1: of two alerts, one streams while the other waits for the slot; both are done in the end
--- http_config
    k8flex_llm_concurrency 1;

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
    location = /health {
        k8flex_health;
    }
    location = /nap {
        echo_sleep $TEST_NGINX_NAP;
        echo awake;
    }
--- request eval
my $one = $main::Json->decode(main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }));
my $two = $main::Json->decode(main::alert({ alertname => 'KubePodNotReady', namespace => 'shop', pod => 'recommendations-5b8d9c7f4-v6kzt', severity => 'warning' }, fingerprint => '7d2e1f3a0b4c5e69'));
push @{ $one->{alerts} }, @{ $two->{alerts} };
["POST /webhook\n" . $main::Json->encode($one),
 # the first stream: one analysis holds the slot, the other waits
 "GET /health",
 # the second stream: the first analysis is done, the other holds the slot
 "GET /health",
 "GET /nap",
 "GET /analyses?state=done"]
--- error_code eval
[202, 200, 200, 200, 200]
--- response_body_like eval
[qr/"alerts":\[\{[^\]]*"queued":true[^\]]*\},\{[^\]]*"queued":true/,
 qr/"queue":\{"queued":0,"gathering":1,"analyzing":1,"done":0,"failed":0,"llm_slots":\{"busy":1,"limit":1\}\}/,
 qr/"queue":\{"queued":0,"gathering":0,"analyzing":1,"done":1,"failed":0,"llm_slots":\{"busy":1,"limit":1\}\}/,
 qr/awake/,
 qr/\A\{"analyses":\[\{[^\]]*"state":"done"[^\]]*\},\{[^\]]*"state":"done"[^\]]*\}\],"count":2,/]
--- no_error_log
[alert]
[crit]
[error]



=== TEST 9: k8flex_ollama_api chat: /api/chat with messages, the analysis is the stream's message.content end to end
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/chat {
            echo_read_request_body;
            echo_location /ollama/chat-stream.ndjson;
            access_log logs/ollama.log capture;
        }

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
        }
    }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model deepseek-coder:1.3b-instruct-q4_0;
        k8flex_ollama_api chat;
    }
--- request eval
["POST /webhook\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'warning' }),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'api: chat', 'attempts: 1',
             main::analysis_is($main::ChatText),
             qr/^ollama_stats: .*eval_count 127, /m),
 # one request: the model, and the prompt as a user message
 qr/\A\{(?=[^\n]*"model":"deepseek-coder:1\.3b-instruct-q4_0")(?=[^\n]*"messages":\[\{[^\n]*"role":"user"[^\n]*KubePodCrashLooping)(?=[^\n]*"stream":true)[^\n]*\n\z/]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/
--- no_error_log
[alert]
[crit]
[error]



=== TEST 10: k8flex_model per location: /webhook/critical asks the big model, /webhook the small one
--- config
    location = /webhook/critical {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model big-model:70b;
    }
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model small-model:8b;
    }
--- request eval
["POST /webhook/critical\n" . main::alert({ alertname => 'KubePodCrashLooping', namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m', container => 'cart', severity => 'critical' }),
 "POST /webhook\n" . main::alert({ alertname => 'KubePodNotReady', namespace => 'shop', pod => 'recommendations-5b8d9c7f4-v6kzt', severity => 'warning' }, fingerprint => '7d2e1f3a0b4c5e69'),
 "GET /captured"]
--- error_code eval
[202, 202, 200]
--- response_body_like eval
[qr/"queued":true/,
 qr/"queued":true/,
 # in the order asked: each alert went to its location's model
 qr/\A\{(?=[^\n]*"model":"big-model:70b")(?=[^\n]*KubePodCrashLooping)(?![^\n]*KubePodNotReady)[^\n]*\n\{(?=[^\n]*"model":"small-model:8b")(?=[^\n]*KubePodNotReady)(?![^\n]*KubePodCrashLooping)[^\n]*\n\z/]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 qr/k8flex: Alertmanager webhook to "\/webhook\/critical": 1 alert, 1 queued/]
--- no_error_log
[alert]
[crit]
[error]



=== TEST 11: the stream stalls longer than k8flex_llm_stall_timeout: the transfer is given up, the analysis is written from the evidence alone
--- http_config
    k8flex_llm_stall_timeout 1s;
    k8flex_llm_retries 0;

    # the first words, then nothing for much longer than a second
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.1Z","response":"The cart container","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_NAP;
            echo_sleep $TEST_NGINX_NAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:30.1Z","response":"","done":true,"done_reason":"stop","eval_count":3}';
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
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: unavailable', 'attempts: 1', 'error: null',
             qr/^llm_error: [^\n]*stalled: nothing for 1000 ms/m,
             qr/^analysis:\n  \| [^\n]*LLM could not be reached/m,
             'ollama_stats: null')]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: the LLM .* could not be reached after 1 attempt\(s\): .*stalled/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm unavailable, \d+ ms\)/]
--- no_error_log
[alert]
[crit]
[error]



=== TEST 12: no byte within k8flex_llm_first_byte_timeout (a model that never finishes loading): given up, the analysis is written from the evidence alone
--- http_config
    k8flex_llm_first_byte_timeout 1s;
    k8flex_llm_retries 0;

    # silent for much longer than a second, then the stream
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo_sleep $TEST_NGINX_NAP;
            echo_sleep $TEST_NGINX_NAP;
            echo_location /ollama/generate-stream.ndjson;
        }

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
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
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: unavailable', 'attempts: 1', 'error: null',
             qr/^llm_error: [^\n]*no answer within 1000 ms/m,
             qr/^analysis:\n  \| [^\n]*LLM could not be reached/m,
             'ollama_stats: null')]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: the LLM .* could not be reached after 1 attempt\(s\): .*no answer within 1000 ms/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm unavailable, \d+ ms\)/]
--- no_error_log
[alert]
[crit]
[error]



=== TEST 13: the LLM quotes secrets, one cut across two lines of the stream: the record and the log show them redacted
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.1Z","response":"The cart pod logs its database password=Cart-DB","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.2Z","response":"-pass-7731 and the key AKIAZ7K8FLEXTEST0042;","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.3Z","response":" rotate both.","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.4Z","response":"","done":true,"done_reason":"stop","total_duration":300000000,"load_duration":1000000,"prompt_eval_count":3000,"prompt_eval_duration":100000000,"eval_count":3,"eval_duration":200000000}';
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
             '!Cart-DB-pass-7731', '!-pass-7731', '!AKIAZ7K8FLEXTEST0042',
             main::analysis_says(qr/password=\[REDACTED/),
             main::analysis_says(qr/\[REDACTED:aws-access-key-id\]; rotate both\./))]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 qr/^The cart pod logs its database password=\[REDACTED/]
--- no_error_log
[alert]
[crit]
[error]
Cart-DB-pass-7731
AKIAZ7K8FLEXTEST0042
