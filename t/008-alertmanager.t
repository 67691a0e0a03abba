# vi:filetype=perl
#
# End to end with a real Alertmanager (Debian's prometheus-alertmanager):
# an alert posted to its API is grouped, then delivered by its webhook
# notifier to our /webhook on this nginx; its resolution follows.  The
# alert reaches Alertmanager through a proxy location of the same nginx,
# so the whole exchange happens inside one block.

use Test::Nginx::Socket 'no_plan';
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep);

my $am = $ENV{K8FLEX_ALERTMANAGER} || '/usr/bin/prometheus-alertmanager';
my $am_port = $ENV{TEST_NGINX_AM_PORT} ||= 19093;
my $dir = tempdir(CLEANUP => 1);
my $nginx_port = server_port();
our $AmPid;

open my $fh, '>', "$dir/alertmanager.yml" or die $!;
print $fh <<"_EOC_";
route:
  receiver: k8flex
  group_by: ['alertname', 'namespace']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: k8flex
    webhook_configs:
      - url: http://127.0.0.1:$nginx_port/webhook
        send_resolved: true
_EOC_
close $fh;

$AmPid = fork() // die "fork: $!";

if ($AmPid == 0) {
    open STDOUT, '>', "$dir/alertmanager.log";
    open STDERR, '>&', \*STDOUT;
    exec($am, "--config.file=$dir/alertmanager.yml",
         "--storage.path=$dir/data",
         "--web.listen-address=127.0.0.1:$am_port",
         '--cluster.listen-address=')
        or POSIX::_exit(127);
}

END {
    if ($AmPid) {
        kill 'TERM', $AmPid;
        waitpid $AmPid, 0;
    }
}

for (1 .. 100) {
    last if IO::Socket::INET->new(PeerAddr => "127.0.0.1:$am_port");
    sleep 0.1;
}

repeat_each(1);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    # the receiver alone: the analysis engine would take the jobs away
    $block->set_value('http_config',
                      "k8flex_engine off;\n" . ($block->http_config // ''));

    $block->set_value('no_error_log', "[alert]\n[crit]\n[emerg]\n[error]\n[warn]");
    $block->set_value('config', <<'_EOC_');
    location = /webhook { k8flex_webhook; }
    location = /am/alerts {
        proxy_pass http://127.0.0.1:$TEST_NGINX_AM_PORT/api/v2/alerts;
    }
_EOC_
});

run_tests();

__DATA__

=== TEST 1: a firing alert posted to Alertmanager reaches /webhook and is queued
--- request
POST /am/alerts
[{"labels":{"alertname":"KubePodCrashLooping","namespace":"payments","pod":"checkout-api-7d9c6b8f5-x2k9p","container":"checkout-api","severity":"critical"},"annotations":{"summary":"Pod is crash looping."}}]
--- more_headers
Content-Type: application/json
--- error_code: 200
--- wait: 4
--- error_log
k8flex: Alertmanager webhook to "/webhook": 1 alert, 1 queued, 0 skipped



=== TEST 2: its resolution is answered and skipped
--- request eval
my $past = POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - 5));
"POST /am/alerts\n"
. '[{"labels":{"alertname":"KubePodCrashLooping","namespace":"payments","pod":"checkout-api-7d9c6b8f5-x2k9p","container":"checkout-api","severity":"critical"},"annotations":{"summary":"Pod is crash looping."},"endsAt":"' . $past . '"}]'
--- more_headers
Content-Type: application/json
--- error_code: 200
--- wait: 4
--- error_log
k8flex: Alertmanager webhook to "/webhook": 1 alert, 0 queued, 1 skipped
