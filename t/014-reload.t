# vi:filetype=perl
#
# Reload and shutdown: an nginx worker that is exiting takes no new job,
# finishes what it is streaming, and returns to the spool whatever it
# cannot finish: a job cut off by worker_shutdown_timeout, a job waiting
# for an LLM slot.  No job is dropped silently, not even by a worker
# that is killed: the next one takes its jobs and its LLM slot back.
# And with several workers, k8flex_llm_concurrency holds across them.
#
# These need signals sent while an analysis runs, so this file starts
# nginx itself (Test::More only) and runs the same under either
# Test::Nginx.  The fake Kubernetes API and the slow fake Ollama are
# server blocks of the same nginx; Debian's echo module makes the delays.
# The alert, the fake API's locations, starting nginx and reading the
# records are in t/own-nginx.pl, shared with t/015-kubernetes.t.

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use Time::HiRes qw(sleep);
use Time::Local qw(timegm);
use HTTP::Tiny;

our $Port = $ENV{TEST_NGINX_RELOAD_PORT} || 19870;

require(dirname(abs_path(__FILE__)) . '/own-nginx.pl');

our ($KubePort, $OllamaPort, $KubeServer, $Json);

my $echo = $ENV{TEST_NGINX_ECHO_MODULE}
           || '/usr/lib/nginx/modules/ngx_http_echo_module.so';

plan skip_all => "the echo module is not installed ($echo)" unless -f $echo;

# starts nginx with an analysis that streams for $o{sleep} seconds, at
# most $o{concurrency} at a time (1); returns the prefix

sub start {
    my (%o) = @_;

    my $main = $o{shutdown} ? "worker_shutdown_timeout $o{shutdown};" : '';
    my $sleep = $o{sleep};
    my $conc = $o{concurrency} || 1;

    my @opts = (main => $main, modules => [ $echo ], workers => $o{workers});

    return start_nginx(<<_EOC_, @opts);
    k8flex_kubernetes http://127.0.0.1:$KubePort;
    k8flex_llm_concurrency $conc;
    k8flex_llm_retries 0;

$KubeServer

    server {
        listen 127.0.0.1:$OllamaPort;
        location = /api/generate {
            default_type application/x-ndjson;
            echo '{"model":"m","response":"The container ","done":false}';
            echo_flush;
            echo_sleep $sleep;
            echo '{"model":"m","response":"was OOMKilled.","done":false}';
            echo '{"model":"m","response":"","done":true,"done_reason":"stop","eval_count":4}';
        }
    }
_EOC_
}

sub worker {
    my ($prefix) = @_;
    my @pids = `pgrep -P \$(cat $prefix/logs/nginx.pid) 2>/dev/null`;
    chomp @pids;
    return join ' ', sort @pids;
}

# "2026-11-26T16:50:01.123Z" in milliseconds since the epoch

sub iso_ms {
    my ($y, $mo, $d, $h, $mi, $s, $ms) =
        $_[0] =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)Z$/
        or die "not a time: $_[0]";
    return timegm($s, $mi, $h, $d, $mo - 1, $y) * 1000 + $ms;
}

sub error_log {
    my ($prefix) = @_;
    return slurp("$prefix/logs/error.log");
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
    my $first = $fh ? $Json->decode(do { local $/; <$fh> }) : {};
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

# 5. k8flex_llm_concurrency holds across workers: with two workers and
#    one slot, alerts accepted by both never stream at the same time

{
    my $prefix = start(sleep => 1, workers => 2);
    my (@ids, %accepted);

    # the job id names the worker that accepted the alert; a fresh
    # connection each time lets the kernel pick another worker

    for (1 .. 20) {
        no warnings 'once';
        local $main::Http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
        my $id = post();
        push @ids, $id;
        $accepted{(split /-/, $id)[1]}++;
        last if keys %accepted >= 2 && @ids >= 3;
    }

    is(scalar keys %accepted, 2, 'workers: both workers accepted alerts');

    my @runs;

    for my $id (@ids) {
        my $rec = wait_state($id, 'done|failed', 10 + 2 * @ids);
        is($rec->{state}, 'done', "workers: $id is done");

        my $t = $rec->{timings};
        my $start = iso_ms($t->{gathered_at}) + $t->{waiting_ms};
        push @runs, [ $start, iso_ms($t->{finished_at}), $rec->{worker} ];
    }

    @runs = sort { $a->[0] <=> $b->[0] } @runs;

    my $overlap = 0;
    for my $i (1 .. $#runs) {
        # the clocks of two processes: a few ms of slack
        $overlap++ if $runs[$i][0] < $runs[$i - 1][1] - 50;
    }

    is($overlap, 0, 'workers: never two analyses at the LLM at once');

    my %ran = map { $_->[2] => 1 } @runs;
    diag('workers: analysed by ' . join(', ', sort keys %ran));

    unlike(error_log($prefix), qr/\[(?:alert|crit|emerg)\]/,
           'workers: no alert or crit');

    signal($prefix, 'stop');
}

done_testing();
