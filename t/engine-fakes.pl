# vi:filetype=perl
#
# What t/011-engine.t and t/013-llm.t share: the fake Kubernetes API and
# the fake Ollama that the nginx under test serves itself, the block
# preprocessor that gives every block both, the alert the blocks post,
# and the response body filter that turns a stored record into a summary
# with the helpers that match it.  Not a test file (prove runs *.t only):
# each of the two loads it with
#
#   require(dirname(abs_path(__FILE__)) . '/engine-fakes.pl');
#
# after `use Test::Nginx::Socket` (either Test::Nginx) and before
# run_tests(); it is compiled into package main, so the blocks see
# $main::Wait, main::facts() ...  It sets how the blocks run (each once,
# in order, log level info, check_accum_error_log) and the ports of the
# fakes, next to nginx's own.
#
# A block gets, from the preprocessor:
#
#   - k8flex_spool and k8flex_store in the servroot's html/;
#   - the fake cluster ($FakeCluster), and k8flex_kubernetes pointing at
#     it unless the block's --- http_config says k8flex_kubernetes itself;
#   - a block's --- cluster_overrides: locations of a server on
#     $TEST_NGINX_VARIANT_PORT, where k8flex_kubernetes points instead,
#     which answers them and passes everything else to the fake cluster;
#   - a fake Ollama on $TEST_NGINX_OLLAMA_PORT (fake_ollama() below): the
#     block's --- fake_ollama (its server-level lines and locations), or
#     else $FakeOllama's, which streams generate-stream.ndjson; none if
#     the block's --- http_config has a server listening there itself;
#   - the echo module the fake Ollamas use, in --- main_config;
#   - --- config: the block's, or else $Webhook (POST /webhook, analysed
#     with the fake Ollama); then the readers ($Readers);
#   - --- no_error_log: the block's, or else [alert], [crit], [error];
#   - --- wait $Wait, --- timeout $Timeout, and summary() as the
#     response body filter, unless the block says otherwise.

use strict;
use warnings;

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
$ENV{TEST_NGINX_VARIANT_PORT} = $port + 3;   # a block's cluster_overrides
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

# the lines of t/fixtures/ollama/$name (NDJSON), decoded

sub ollama_lines {
    my $file = "$ENV{TEST_NGINX_FIXTURES}/ollama/$_[0]";
    open my $fh, '<', $file or die "$file: $!";
    return map { $Json->decode($_) } grep { /\S/ } <$fh>;
}

# the answer of generate-stream.ndjson, as the engine should store it

our $StreamText = join '', map { $_->{response} }
                               ollama_lines('generate-stream.ndjson');


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

# a block's --- cluster_overrides: its locations answer, the fake cluster
# the rest; t/fixtures/engine is under /engine/

sub cluster_overrides {
    my $locations = shift;

    return <<'_EOC_' . $locations . <<'_EOC_';
    k8flex_kubernetes http://127.0.0.1:$TEST_NGINX_VARIANT_PORT;

    # ---- the fake cluster, but with the block's cluster_overrides ----

    server {
        listen 127.0.0.1:$TEST_NGINX_VARIANT_PORT;
        default_type application/json;

_EOC_

        location /engine/ {
            internal;
            root $TEST_NGINX_FIXTURES;
        }

        location / {
            proxy_pass http://127.0.0.1:$TEST_NGINX_KUBE_PORT;
        }
    }
_EOC_
}

# a fake Ollama: server-level lines and locations (a location =
# /api/generate or /api/chat at least) in a server that takes request
# bodies in memory, answers NDJSON unless a location says otherwise, and
# has t/fixtures/ollama and t/fixtures/engine under /ollama/ and /engine/
# (for echo_location)

sub fake_ollama {
    my $locations = shift;

    return <<'_EOC_' . $locations . <<'_EOC_';
    # ---- the fake Ollama ----

    server {
        listen 127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        client_body_buffer_size 1m;
        default_type application/x-ndjson;

_EOC_

        location /ollama/ {
            internal;
            alias $TEST_NGINX_FIXTURES/ollama/;
        }

        location /engine/ {
            internal;
            alias $TEST_NGINX_FIXTURES/engine/;
        }
    }
_EOC_
}

# the fake Ollama of a block without one: a real stream; request bodies
# to logs/ollama.log

our $FakeOllama = <<'_EOC_';
        location = /api/generate {
            echo_read_request_body;
            echo_location /ollama/generate-stream.ndjson;
            access_log logs/ollama.log capture;
        }
_EOC_

# a slow Ollama: the first words, a pause ($TEST_NGINX_STREAM_PAUSE), the
# rest: "The cart container is OOMKilled."

our $SlowOllama = <<'_EOC_';
        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.1Z","response":"The cart container","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_PAUSE;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:11.6Z","response":" is OOMKilled.","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:11.7Z","response":"","done":true,"done_reason":"stop","total_duration":1600000000,"load_duration":1000000,"prompt_eval_count":3000,"prompt_eval_duration":100000000,"eval_count":5,"eval_duration":1500000000}';
        }
_EOC_

# the --- config of a block without one

our $Webhook = <<'_EOC_';
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
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

# every block once, in order, at log level info; --- error_log is matched
# against the whole log of the block

repeat_each(1);
no_shuffle();
no_long_string();
log_level('info');
check_accum_error_log();

add_block_preprocessor(sub {
    my $block = shift;
    my $http = $block->http_config // '';

    # spool and store in the servroot's html/, which Test::Nginx empties
    # before each block: no job or record of an earlier block is left

    my $common = "    k8flex_spool html/k8flex_spool;\n"
               . "    k8flex_store html/k8flex_store;\n"
               . "    log_format capture escape=none '\$request_body';\n";

    if (defined $block->cluster_overrides) {
        $common .= cluster_overrides($block->cluster_overrides);

    } elsif ($http !~ /^\s*k8flex_kubernetes\s/m) {
        $common .= "    k8flex_kubernetes http://127.0.0.1:\$TEST_NGINX_KUBE_PORT;\n";
    }

    $common .= $FakeCluster;

    $common .= fake_ollama($block->fake_ollama // $FakeOllama)
        unless $http =~ /listen\s+127\.0\.0\.1:\$TEST_NGINX_OLLAMA_PORT\b/;

    $block->set_value('http_config', $common . $http);
    $block->set_value('main_config', $LoadEcho . ($block->main_config // ''));
    $block->set_value('config', ($block->config // $Webhook) . $Readers);

    $block->set_value('no_error_log', "[alert]\n[crit]\n[error]\n")
        unless defined $block->no_error_log;

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

# the labels of the alert most blocks post: the crash-looping, OOMKilled
# pod shop/cart-7c9d8f6b5-q2x4m of the fake cluster

our $CartCrashLooping = { alertname => 'KubePodCrashLooping',
                          namespace => 'shop', pod => 'cart-7c9d8f6b5-q2x4m',
                          container => 'cart', severity => 'warning' };


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

# a line of the analysis matches $re

sub analysis_says {
    my $re = shift;
    return qr/^analysis:\n(?:  \|[^\n]*\n)*?  \|[^\n]*?$re/m;
}

1;
