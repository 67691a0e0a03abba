# vi:filetype=perl
#
# What t/014-reload.t and t/015-kubernetes.t share: the test files that
# start nginx themselves (Test::More only, so they run the same under
# either Test::Nginx).  Not a test file (prove runs *.t only): each of the
# two sets $main::Port, the port of the server that takes the alerts,
# then loads it with
#
#   require(dirname(abs_path(__FILE__)) . '/own-nginx.pl');
#
# It is compiled into package main: $KubePort and $OllamaPort, where the
# fakes listen (next to $Port); $PodApi, the locations of a fake
# Kubernetes API, and $KubeServer and $OllamaServer, fakes serving them;
# $Alert, the one alert both post; and start_nginx(),
# signal(), post(), record(), wait_state(), slurp().

use strict;
use warnings;

use Cwd qw(cwd abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(sleep time);

our $Port;
defined $Port or die "own-nginx.pl: set \$main::Port before loading it\n";

our $KubePort   = $Port + 1;   # the fake Kubernetes API
our $OllamaPort = $Port + 2;   # the fake Ollama

our $Nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
our @Modules = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES}
                           || cwd() . '/build/ngx_http_k8flex_module.so');

our $Fixtures = dirname(abs_path(__FILE__)) . '/fixtures';

our $Http = HTTP::Tiny->new(timeout => 10);
our $Json = JSON::PP->new;

# the locations of a fake Kubernetes API server where every pod is the
# crash-looping, OOMKilled one of t/fixtures/kubernetes and every log its
# current log; anything else is a 404 Status

our $PodApi = <<_EOC_;
        location ~ /log\$ {
            default_type text/plain;
            alias $Fixtures/kubernetes/pod-log-current.txt;
        }
        location ~ /pods/ {
            alias $Fixtures/kubernetes/pod-crashloop-oomkilled.json;
        }
        location / {
            return 404 '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}';
        }
_EOC_

# that fake API as a server, and a fake Ollama that streams the real
# answer of t/fixtures/ollama (static files refuse POST: error_page turns
# it into a GET)

our $KubeServer = <<_EOC_;
    server {
        listen 127.0.0.1:$KubePort;
        default_type application/json;
$PodApi
    }
_EOC_

our $OllamaServer = <<_EOC_;
    server {
        listen 127.0.0.1:$OllamaPort;
        location = /api/generate {
            error_page 405 =200 \$uri;
            default_type application/x-ndjson;
            alias $Fixtures/ollama/generate-stream.ndjson;
        }
    }
_EOC_

# an Alertmanager webhook with one firing alert: the crash-looping pod

our $Alert = $Json->encode({
    version => '4', status => 'firing', receiver => 'k8flex',
    groupLabels => {}, commonLabels => {}, commonAnnotations => {},
    externalURL => 'http://alertmanager:9093', groupKey => '{}:{}',
    alerts => [ {
        status => 'firing',
        labels => { alertname => 'KubePodCrashLooping', namespace => 'shop',
                    pod => 'cart-7c9d8f6b5-q2x4m', severity => 'critical' },
        annotations => { summary => 'Pod is crash looping.' },
        startsAt => '2026-11-26T09:30:00Z', endsAt => '0001-01-01T00:00:00Z',
        generatorURL => 'http://prometheus/graph', fingerprint => 'a1b2c3',
    } ],
});

# starts nginx, one worker, in a new prefix (logs/, conf/, html/); its
# nginx.conf loads each of @{ $o{modules} } and the k8flex module, runs
# $o{workers} worker processes (1), has $o{main} in the main context, and $http in http {} before the server
# that takes the alerts on $Port (POST /webhook, analysed with the
# Ollama on $OllamaPort, and GET /analyses); %{ $o{env} } is its
# environment.  Waits until /analyses answers; returns the prefix.

sub start_nginx {
    my ($http, %o) = @_;
    my $prefix = tempdir(CLEANUP => 1);
    my $main = $o{main} // '';
    my $workers = $o{workers} || 1;

    # several workers: the kernel spreads the connections among them
    my $reuseport = $workers > 1 ? ' reuseport' : '';

    mkdir "$prefix/$_" for qw(logs conf html);

    open my $fh, '>', "$prefix/conf/nginx.conf" or die $!;
    print $fh join('', map { "load_module $_;\n" }
                           @{ $o{modules} || [] }, @Modules), <<_EOC_;
worker_processes $workers;
$main
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
$http
    server {
        listen 127.0.0.1:$Port$reuseport;
        location = /webhook {
            k8flex_webhook;
            k8flex_ollama http://127.0.0.1:$OllamaPort;
        }
        location /analyses { k8flex_analyses; }
    }
}
_EOC_
    close $fh;

    my $env = $o{env} || {};
    my $envs = join ' ', map { "$_=$env->{$_}" } sort keys %$env;
    my $user = $> == 0 ? ' -g "user root;"' : '';

    system(($envs ? "env $envs " : '') . "$Nginx -p $prefix -c conf/nginx.conf$user") == 0
        or die "nginx did not start";

    for (1 .. 50) {
        last if $Http->get("http://127.0.0.1:$Port/analyses")->{success};
        sleep 0.1;
    }

    return $prefix;
}

sub signal {
    my ($prefix, $sig) = @_;
    system("$Nginx -p $prefix -c conf/nginx.conf -s $sig 2>/dev/null");
}

# posts $Alert to /webhook; returns the id of its analysis

sub post {
    my $r = $Http->post("http://127.0.0.1:$Port/webhook", {
        headers => { 'Content-Type' => 'application/json' },
        content => $Alert });
    die "webhook answered $r->{status}" unless $r->{status} == 202;
    return $Json->decode($r->{content})->{alerts}[0]{id};
}

sub record {
    my ($id) = @_;
    my $r = $Http->get("http://127.0.0.1:$Port/analyses/$id");
    return $r->{success} ? $Json->decode($r->{content}) : undef;
}

# waits until the record is in one of the states (a regular expression's
# alternatives); returns it, in whatever state it is by then

sub wait_state {
    my ($id, $states, $timeout) = @_;
    my $end = time + ($timeout || 15);

    while (time < $end) {
        my $rec = record($id);
        return $rec if $rec && $rec->{state} =~ /^(?:$states)$/;
        sleep 0.1;
    }

    return record($id);
}

# a file's content, '' if it cannot be read

sub slurp {
    open my $fh, '<', $_[0] or return '';
    local $/;
    return <$fh>;
}

1;
