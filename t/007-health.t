# vi:filetype=perl
#
# k8flex_health: JSON for probes.  With the k8flex zone (a webhook or
# analyses location exists) it also tells the queue by state, the LLM
# slots and the last contact with the Kubernetes API and the LLM; it
# stays "healthy" whatever they say.

use Test::Nginx::Socket 'no_plan';
use File::Temp qw(tempdir);
use HTTP::Tiny;
use Time::HiRes qw(sleep time);

sub add_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

# a spool as a previous nginx left it: the jobs in new/, plus files that
# are not jobs waiting (a write in progress, a note, a hidden file)

sub spool {
    my @jobs = @_;
    my $dir = tempdir(CLEANUP => 1);

    mkdir "$dir/new" or die $!;
    mkdir "$dir/tmp" or die $!;
    chmod 0777, $dir, "$dir/new", "$dir/tmp";

    add_file("$dir/new/$_.json", qq({"id":"$_"}\n)) for @jobs;
    add_file("$dir/tmp/partial.json", '{"id":');
    add_file("$dir/new/README", "not a job\n");
    add_file("$dir/new/.hidden.json", "{}\n");

    return $dir;
}

# rewrites the running nginx's configuration, reloads it (SIGHUP) and
# waits until /health answers what the new configuration says

sub reload {
    my ($from, $to, $ready) = @_;
    my $file = $Test::Nginx::Util::ConfFile;

    open my $in, '<', $file or die "$file: $!";
    my $conf = do { local $/; <$in> };
    close $in;

    $conf =~ s/\Q$from\E/$to/ or die "no \"$from\" in $file";
    add_file($file, $conf);

    # under valgrind nginx takes a while to write its pid

    my $pid = '';

    for (1 .. 300) {
        if (open $in, '<', $Test::Nginx::Util::PidFile) {
            $pid = <$in> // '';
            close $in;
            chomp $pid;
            last if $pid =~ /^\d+$/;
        }

        sleep 0.1;
    }

    die "no pid in $Test::Nginx::Util::PidFile" unless $pid =~ /^\d+$/;
    kill 'HUP', $pid or die "kill -HUP $pid: $!";

    my $url = 'http://127.0.0.1:' . server_port() . '/health';
    my $http = HTTP::Tiny->new(timeout => 5, keep_alive => 0);
    my $deadline = time() + 60;

    while (time() < $deadline) {
        return if $http->get($url)->{content} =~ $ready;
        sleep 0.1;
    }

    die "nginx did not reload within 60 seconds";
}

$ENV{TEST_NGINX_SPOOL_EMPTY} = spool();
$ENV{TEST_NGINX_SPOOL_BACKLOG} = spool('a', 'b');
our $Reloaded = spool('c', 'd');
$ENV{TEST_NGINX_SPOOL_RELOADED} = $Reloaded;

# a reload replaces the workers only with a master process
master_on();
repeat_each(2);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->no_error_log) {
        $block->set_value('no_error_log', "[alert]\n[crit]\n[emerg]\n[error]");
    }

    if (!defined $block->config) {
        $block->set_value('config', 'location = /health { k8flex_health; }');
    }
});

run_tests();

__DATA__

=== TEST 1: GET, without a webhook location there is no zone to report
--- request
GET /health
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body
{"status":"healthy","version":"0.1.0"}



=== TEST 2: HEAD has the headers only
--- request
HEAD /health
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body



=== TEST 3: POST is 405 with Allow
--- request
POST /health
{}
--- error_code: 405
--- response_headers
Allow: GET, HEAD
--- response_body
{"status":"rejected","error":"method POST is not allowed: use GET"}



=== TEST 4: with a webhook location: the queue by state, the LLM slots, no contact yet
--- http_config
    k8flex_engine off;
    k8flex_spool $TEST_NGINX_SPOOL_EMPTY;
--- config
    location = /health { k8flex_health; }
    location = /webhook { k8flex_webhook; }
--- request
GET /health
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body
{"status":"healthy","version":"0.1.0","queue":{"queued":0,"gathering":0,"analyzing":0,"done":0,"failed":0,"llm_slots":{"busy":0,"limit":1}},"kubernetes":null,"llm":null}



=== TEST 5: the LLM slots' limit is k8flex_llm_concurrency
--- http_config
    k8flex_engine off;
    k8flex_llm_concurrency 4;
    k8flex_spool $TEST_NGINX_SPOOL_EMPTY;
--- config
    location = /health { k8flex_health; }
    location = /webhook { k8flex_webhook; }
--- request
GET /health
--- error_code: 200
--- response_body_like: ^\{"status":"healthy","version":"0\.1\.0","queue":\{[^{}]*"llm_slots":\{"busy":0,"limit":4\}\},"kubernetes":null,"llm":null\}$



=== TEST 6: with the read API only: the zone exists, nothing is spooled
--- http_config
    k8flex_engine off;
--- config
    location = /health { k8flex_health; }
    location /analyses { k8flex_analyses; }
--- request
GET /health
--- error_code: 200
--- response_body
{"status":"healthy","version":"0.1.0","queue":{"queued":0,"gathering":0,"analyzing":0,"done":0,"failed":0,"llm_slots":{"busy":0,"limit":1}},"kubernetes":null,"llm":null}



=== TEST 7: jobs waiting in <spool>/new/ at start count as queued, nothing else does
--- http_config
    k8flex_engine off;
    k8flex_zone 1m;
    k8flex_spool $TEST_NGINX_SPOOL_BACKLOG;
--- config
    location = /health { k8flex_health; }
    location = /webhook { k8flex_webhook; }
--- request
GET /health
--- error_code: 200
--- response_body
{"status":"healthy","version":"0.1.0","queue":{"queued":2,"gathering":0,"analyzing":0,"done":0,"failed":0,"llm_slots":{"busy":0,"limit":1}},"kubernetes":null,"llm":null}



=== TEST 8: a reload keeps the zone: the spool is not counted again, the new limit applies
--- http_config
    k8flex_engine off;
    k8flex_zone 2m;
    k8flex_llm_concurrency 2;
    k8flex_spool $TEST_NGINX_SPOOL_RELOADED;
--- config
    location = /health { k8flex_health; }
    location = /webhook { k8flex_webhook; }
--- init
main::add_file("$main::Reloaded/new/e.json", qq({"id":"e"}\n));
main::reload('k8flex_llm_concurrency 2;', 'k8flex_llm_concurrency 3;',
             qr/"limit":3/);
--- request
GET /health
--- error_code: 200
--- response_body
{"status":"healthy","version":"0.1.0","queue":{"queued":2,"gathering":0,"analyzing":0,"done":0,"failed":0,"llm_slots":{"busy":0,"limit":3}},"kubernetes":null,"llm":null}
