# vi:filetype=perl
#
# Reload and shutdown: an nginx worker that is exiting takes no new job,
# finishes what it is streaming, and returns to the spool whatever it
# cannot finish: a job cut off by worker_shutdown_timeout, a job waiting
# for an LLM slot.  No job is dropped silently, not even by a worker
# that is killed: the next one takes its jobs and its LLM slot back.
#
# These need signals sent while an analysis runs, so this file starts
# nginx itself (Test::More only) and runs the same under either
# Test::Nginx.  The fake Kubernetes API and the slow fake Ollama are
# server blocks of the same nginx; Debian's echo module makes the delays.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use File::Spec;
use Cwd qw(cwd abs_path);
use HTTP::Tiny;
use JSON::PP;
use Time::HiRes qw(sleep time);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES}
                          || cwd() . '/build/ngx_http_k8flex_module.so');
my $echo = $ENV{TEST_NGINX_ECHO_MODULE}
           || '/usr/lib/nginx/modules/ngx_http_echo_module.so';
my $port = $ENV{TEST_NGINX_RELOAD_PORT} || 19870;
my ($kport, $oport) = ($port + 1, $port + 2);

my $root = abs_path(File::Spec->catdir((File::Spec->splitpath(
               File::Spec->rel2abs(__FILE__)))[1], '..'));
my $fixtures = "$root/t/fixtures";

plan skip_all => "the echo module is not installed ($echo)" unless -f $echo;

my $http = HTTP::Tiny->new(timeout => 10);
my $json = JSON::PP->new;

my $alert = $json->encode({
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

# a prefix with the configuration; returns the prefix

sub start {
    my (%o) = @_;
    my $prefix = tempdir(CLEANUP => 1);

    mkdir "$prefix/$_" for qw(logs conf html);

    my $main = $o{shutdown} ? "worker_shutdown_timeout $o{shutdown};\n" : '';
    my $sleep = $o{sleep};
    my $conc = $o{concurrency} || 1;

    open my $fh, '>', "$prefix/conf/nginx.conf" or die $!;
    print $fh join('', map { "load_module $_;\n" } $echo, @modules), <<_EOC_;
worker_processes 1;
$main
error_log logs/error.log info;
pid logs/nginx.pid;
events { worker_connections 256; }
http {
    access_log off;
    k8flex_kubernetes http://127.0.0.1:$kport;
    k8flex_llm_concurrency $conc;
    k8flex_llm_retries 0;

    server {
        listen 127.0.0.1:$port;
        location = /webhook {
            k8flex_webhook;
            k8flex_ollama http://127.0.0.1:$oport;
        }
        location /analyses { k8flex_analyses; }
    }

    server {
        listen 127.0.0.1:$kport;
        default_type application/json;
        location ~ /log\$ {
            default_type text/plain;
            alias $fixtures/kubernetes/pod-log-current.txt;
        }
        location ~ /pods/ {
            alias $fixtures/kubernetes/pod-crashloop-oomkilled.json;
        }
        location / {
            return 404 '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}';
        }
    }

    server {
        listen 127.0.0.1:$oport;
        location = /api/generate {
            default_type application/x-ndjson;
            echo '{"model":"m","response":"The container ","done":false}';
            echo_flush;
            echo_sleep $sleep;
            echo '{"model":"m","response":"was OOMKilled.","done":false}';
            echo '{"model":"m","response":"","done":true,"done_reason":"stop","eval_count":4}';
        }
    }
}
_EOC_
    close $fh;

    my $user = $> == 0 ? ' -g "user root;"' : '';
    system("$nginx -p $prefix -c conf/nginx.conf$user") == 0
        or die "nginx did not start";

    for (1 .. 50) {
        last if $http->get("http://127.0.0.1:$port/analyses")->{success};
        sleep 0.1;
    }

    return $prefix;
}

sub signal {
    my ($prefix, $sig) = @_;
    system("$nginx -p $prefix -c conf/nginx.conf -s $sig 2>/dev/null");
}

sub post {
    my $r = $http->post("http://127.0.0.1:$port/webhook", {
        headers => { 'Content-Type' => 'application/json' },
        content => $alert });
    die "webhook answered $r->{status}" unless $r->{status} == 202;
    return $json->decode($r->{content})->{alerts}[0]{id};
}

sub record {
    my ($id) = @_;
    my $r = $http->get("http://127.0.0.1:$port/analyses/$id");
    return $r->{success} ? $json->decode($r->{content}) : undef;
}

# waits until the record is in one of the states

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

sub worker {
    my ($prefix) = @_;
    my @pids = `pgrep -P \$(cat $prefix/logs/nginx.pid) 2>/dev/null`;
    chomp @pids;
    return join ' ', sort @pids;
}

sub error_log {
    my ($prefix) = @_;
    open my $fh, '<', "$prefix/logs/error.log" or return '';
    local $/;
    return <$fh>;
}

sub files {
    my ($dir) = @_;
    opendir my $dh, $dir or return ();
    return sort grep { !/^\./ } readdir $dh;
}


# 1. a reload while an analysis streams: the old worker finishes it

{
    my $prefix = start(sleep => 2);
    my $id = post();

    my $rec = wait_state($id, 'analyzing');
    is($rec->{state}, 'analyzing', 'reload: the analysis is streaming');
    my $old = $rec->{worker};

    signal($prefix, 'reload');
    sleep 0.5;

    # the new worker takes the new alert; the old one takes none

    my $id2 = post();

    $rec = wait_state($id, 'done|failed');
    is($rec->{state}, 'done', 'reload: the streaming analysis is done');
    is($rec->{worker}, $old, 'reload: by the worker that was exiting');
    like($rec->{analysis}, qr/was OOMKilled/, 'reload: with the whole text');

    my $rec2 = wait_state($id2, 'done|failed');
    is($rec2->{state}, 'done', 'reload: the alert sent meanwhile is done');
    isnt($rec2->{worker}, $old, 'reload: by the new worker');

    is_deeply([ files("$prefix/k8flex_spool/new"),
                files("$prefix/k8flex_spool/claimed") ], [],
              'reload: the spool is empty');

    my $log = error_log($prefix);
    unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'reload: no alert or crit');
    unlike($log, qr/returned to the spool/, 'reload: nothing was returned');

    signal($prefix, 'stop');
}


# 2. worker_shutdown_timeout cuts the analysis: back to the spool, and
#    the new worker does it again

{
    my $prefix = start(sleep => 4, shutdown => '1s');
    my $id = post();

    my $rec = wait_state($id, 'analyzing');
    is($rec->{state}, 'analyzing', 'cut: the analysis is streaming');
    my $old = $rec->{worker};

    signal($prefix, 'reload');

    $rec = wait_state($id, 'done|failed', 20);
    is($rec->{state}, 'done', 'cut: the analysis is done after all');
    isnt($rec->{worker}, $old, 'cut: by the new worker');
    like($rec->{analysis}, qr/was OOMKilled/, 'cut: with the whole text');

    my $log = error_log($prefix);
    like($log, qr/k8flex: analysis \Q$id\E returned to the spool at worker exit \(was analyzing\)/,
         'cut: the old worker says it returned the job');
    unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'cut: no alert or crit');

    is_deeply([ files("$prefix/k8flex_spool/new"),
                files("$prefix/k8flex_spool/claimed") ], [],
              'cut: the spool is empty');

    signal($prefix, 'stop');
}


# 3. nginx -s quit with one analysis streaming and one waiting for the
#    only LLM slot: the first finishes, the second goes back to new/

{
    my $prefix = start(sleep => 2);
    my $id = post();

    my $rec = wait_state($id, 'analyzing');
    is($rec->{state}, 'analyzing', 'quit: the first analysis streams');

    my $id2 = post();
    sleep 0.5;
    is(record($id2)->{state}, 'gathering',
       'quit: the second waits for the LLM slot');

    signal($prefix, 'quit');

    for (1 .. 100) {
        last unless -f "$prefix/logs/nginx.pid";
        sleep 0.1;
    }

    ok(!-f "$prefix/logs/nginx.pid", 'quit: nginx exited');

    open my $fh, '<', "$prefix/k8flex_store/$id.json";
    my $first = $fh ? $json->decode(do { local $/; <$fh> }) : {};
    is($first->{state}, 'done', 'quit: the streaming analysis finished');

    is_deeply([ files("$prefix/k8flex_spool/new") ], [ "$id2.json" ],
              'quit: the waiting job is back in new/');
    is_deeply([ files("$prefix/k8flex_spool/claimed") ], [],
              'quit: nothing is left claimed');

    my $log = error_log($prefix);
    like($log, qr/k8flex: analysis \Q$id2\E returned to the spool at worker exit \(was gathering\)/,
         'quit: the worker says it returned the waiting job');
    unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'quit: no alert or crit');
}

# 4. a worker killed while it streams: the master starts another, which
#    frees the dead worker's LLM slot and takes its job again

{
    my $prefix = start(sleep => 2);
    my $id = post();

    my $rec = wait_state($id, 'analyzing');
    is($rec->{state}, 'analyzing', 'crash: the analysis streams');
    my $old = $rec->{worker};

    kill 'KILL', $old;

    $rec = wait_state($id, 'done|failed', 20);
    $rec = wait_state($id, 'done|failed', 20) if $rec->{worker} == $old;
    is($rec->{state}, 'done', 'crash: the analysis is done after all');
    isnt($rec->{worker}, $old, 'crash: by the new worker');
    is($rec->{llm}, 'ok', 'crash: with an LLM slot, freed from the dead');

    my $log = error_log($prefix);
    like($log, qr/k8flex: analysis \Q$id\E of worker $old, which exited without finishing it, returned to the spool/,
         'crash: the job of the dead worker was returned');
    like($log, qr/k8flex: freed the LLM slot of worker $old/,
         'crash: its LLM slot was freed');

    is_deeply([ files("$prefix/k8flex_spool/new"),
                files("$prefix/k8flex_spool/claimed") ], [],
              'crash: the spool is empty');

    signal($prefix, 'stop');
}

done_testing();
