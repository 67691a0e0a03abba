# vi:filetype=perl
#
# Queued means on disk: each firing alert is a file in <spool>/new/ before
# the 202 leaves; when the spool cannot be written the answer is 503 with
# Retry-After and nothing is left behind.

use Test::Nginx::Socket 'no_plan';
use Cwd qw(cwd);
use File::Temp qw(tempdir);
use JSON::PP ();

our $Fixtures = cwd() . '/t/fixtures/real';
our $Json = JSON::PP->new->canonical;

sub fixture {
    my $name = shift;
    open my $fh, '<', "$Fixtures/$name" or die "$Fixtures/$name: $!";
    local $/;
    return <$fh>;
}

sub slurp {
    my $path = shift;
    open my $fh, '<', $path or return "(missing: $path)";
    local $/;
    return <$fh>;
}

sub listing {
    my $dir = shift;
    opendir my $dh, $dir or return "(no $dir)";
    my @files = sort grep { !/^\./ } readdir $dh;
    return "[" . join(",", @files) . "]";
}

# the 202 answer, then each job file it names, ids made comparable

sub spooled {
    my ($body, $spool) = @_;
    my $answer = $Json->decode($body);
    my @jobs;

    $spool //= html_dir() . '/../k8flex_spool';

    for my $alert (@{ $answer->{alerts} }) {
        next unless defined $alert->{id};
        my $job = $Json->decode(slurp("$spool/new/$alert->{id}.json"));
        die "job id $job->{id} in $alert->{id}.json" if $job->{id} ne $alert->{id};
        $job->{id} = $alert->{id} = 'ID';
        $job->{received_at} =~ s/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/TIME/;
        push @jobs, $job;
    }

    return $Json->encode($answer) . "\n" . join("\n", map { $Json->encode($_) } @jobs)
           . "\ntmp: " . listing("$spool/tmp") . "\n";
}

# spools that fail: "tmp" is a file; "new" is a file

our $NoTmp = tempdir(CLEANUP => 1);
mkdir "$NoTmp/new";
chmod 0777, $NoTmp, "$NoTmp/new";
open my $fh, '>', "$NoTmp/tmp" or die; close $fh;

our $NoNew = tempdir(CLEANUP => 1);
mkdir "$NoNew/tmp";
chmod 0777, $NoNew, "$NoNew/tmp";
open $fh, '>', "$NoNew/new" or die; close $fh;

our $Queue = tempdir(CLEANUP => 1);
our $Empty = tempdir(CLEANUP => 1);
chmod 0777, $Queue, $Empty;

$ENV{TEST_NGINX_SPOOL_EMPTY} = $Empty;
$ENV{TEST_NGINX_SPOOL_QUEUE} = $Queue;
$ENV{TEST_NGINX_SPOOL_NO_TMP} = $NoTmp;
$ENV{TEST_NGINX_SPOOL_NO_NEW} = $NoNew;

repeat_each(2);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    # the receiver alone: the analysis engine would take the jobs away
    $block->set_value('http_config',
                      "k8flex_engine off;\n" . ($block->http_config // ''));

    if (!defined $block->no_error_log) {
        $block->set_value('no_error_log', "[alert]\n[crit]\n[emerg]\n[error]");
    }

    if (!defined $block->config) {
        $block->set_value('config',
                          'location = /webhook { k8flex_webhook; }');
    }
});

run_tests();

__DATA__

=== TEST 1: a firing alert is a job file in new/, with the location's settings
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_model mistral;
        k8flex_ollama http://127.0.0.1:11434/;
        k8flex_log_tail_lines 50;
    }
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json')
--- error_code: 202
--- response_body_filters eval
\&main::spooled
--- response_body eval
my $alert = $main::Json->decode(main::slurp('t/golden/alertmanager/firing-k8s-kubepodcrashlooping.json'))->{alerts}[0];
my $entry = { id => 'ID', queued => JSON::PP::true(),
              map { $_ => $alert->{$_} } qw(alertname status namespace pod container service) };
$main::Json->encode({ status => 'accepted', source => 'Alertmanager', alerts => [$entry] }) . "\n"
. $main::Json->encode({ id => 'ID', received_at => 'TIME', source => 'Alertmanager',
                        adapter => 'alertmanager', location => '/webhook',
                        settings => { ollama => 'http://127.0.0.1:11434', model => 'mistral',
                                      log_tail_lines => 50 },
                        alert => $alert })
. "\ntmp: []\n"
--- error_log
k8flex: Alertmanager webhook to "/webhook": 1 alert, 1 queued, 0 skipped



=== TEST 2: defaults of the settings
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json')
--- error_code: 202
--- response_body_filters eval
\&main::spooled
--- response_body_like: "settings":\{"log_tail_lines":100,"model":"llama2","ollama":"http://ollama.ollama.svc.cluster.local:11434"\}



=== TEST 3: one job per firing alert, none for resolved ones
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/mixed-firing-resolved-k8s-group.json')
--- error_code: 202
--- response_body_filters eval
sub { my $s = main::spooled(shift); my $n = () = $s =~ /"received_at"/g; "jobs: $n\n" }
--- response_body eval
my $golden = $main::Json->decode(main::slurp('t/golden/alertmanager/mixed-firing-resolved-k8s-group.json'));
my $n = grep { $_->{status} eq 'firing' && !defined $_->{skip} } @{ $golden->{alerts} };
"jobs: $n\n"



=== TEST 4: a resolved-only payload writes nothing
--- http_config
    k8flex_spool $TEST_NGINX_SPOOL_EMPTY;
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/resolved-k8s-deployment-replicas.json')
--- error_code: 202
--- response_body_filters eval
sub { my $b = shift; $b . "new: " . main::listing("$main::Empty/new") . "\n" }
--- response_body_like: "queued":false,"reason":"resolved"\}\]\}\nnew: \[\]\n$



=== TEST 5: k8flex_spool names the directory; k8flex_spool_sync off still renames
--- http_config
    k8flex_spool $TEST_NGINX_SPOOL_QUEUE;
    k8flex_spool_sync off;
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json')
--- error_code: 202
--- response_body_filters eval
sub { main::spooled(shift, $main::Queue) }
--- response_body_like: "alert":\{"alertname":"KubePodCrashLooping",.*"location":"/webhook"



=== TEST 6: the spool's tmp/ cannot be written: 503, Retry-After, nothing in new/
--- http_config
    k8flex_spool $TEST_NGINX_SPOOL_NO_TMP;
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/firing-k8s-kubepodcrashlooping.json')
--- error_code: 503
--- response_headers
Retry-After: 5
Content-Type: application/json
--- response_body_filters eval
sub { my $b = shift; $b . "new: " . main::listing("$main::NoTmp/new") . "\n" }
--- response_body_like: ^\{"status":"unavailable","error":"the spool cannot be written: open\(\) \\"[^"]+/tmp/[^"]+\.json\\" failed \(\d+: [^)]+\)","source":"Alertmanager"\}\nnew: \[\]\n$
--- error_log
[error]
k8flex: Alertmanager webhook to "/webhook" answered 503: the spool cannot be written: open()
--- no_error_log
[alert]
[crit]



=== TEST 7: rename into new/ fails: every temp file of the webhook is removed
--- http_config
    k8flex_spool $TEST_NGINX_SPOOL_NO_NEW;
--- request eval
"POST /webhook\n" . main::fixture('alertmanager/mixed-firing-resolved-k8s-group.json')
--- error_code: 503
--- response_headers
Retry-After: 5
--- response_body_filters eval
sub { my $b = shift; $b . "tmp: " . main::listing("$main::NoNew/tmp") . "\n" }
--- response_body_like: ^\{"status":"unavailable","error":"the spool cannot be written: rename\(\) [^\n]+\ntmp: \[\]\n$
--- error_log
answered 503: the spool cannot be written: rename()
--- no_error_log
[alert]
[crit]
