# vi:filetype=perl
#
# k8flex_analyses: the read API of the store.  t/fixtures/store holds six
# records (one of them cut short by a "crash"), a temporary file and junk;
# the engine is off, so nothing but the tests touches the store.

use Test::Nginx::Socket 'no_plan';
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Spec;
use File::Temp qw(tempdir);

our $Store = File::Spec->catdir(dirname(File::Spec->rel2abs(__FILE__)),
                                'fixtures', 'store');

# nginx chowns and chmods the store directory at start: it gets a copy

our $Copy = tempdir(CLEANUP => 1);

opendir my $dh, $Store or die "$Store: $!";
for my $name (grep { -f "$Store/$_" } readdir $dh) {
    copy("$Store/$name", "$Copy/$name") or die "$Store/$name: $!";
}
closedir $dh;

sub slurp {
    my $path = shift;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return <$fh>;
}

# a store that nginx creates at start and the block's init removes; a store
# that is a file

our $Gone = tempdir(CLEANUP => 1) . '/store';

our $NotDir = tempdir(CLEANUP => 1) . '/store';
open my $fh, '>', $NotDir or die "$NotDir: $!";
close $fh;

# a spool with one job that no worker took yet (the engine is off)

our $Spool = tempdir(CLEANUP => 1);
mkdir "$Spool/$_" for qw(new tmp);
open $fh, '>', "$Spool/new/1a2000000aa-7-1.json" or die $!;
print $fh '{"id":"1a2000000aa-7-1","received_at":"2026-11-26T10:00:00.000Z",'
          . '"source":"Alertmanager","adapter":"alertmanager",'
          . '"location":"/webhook","settings":{"ollama":"http://127.0.0.1:9",'
          . '"model":"llama2","log_tail_lines":100},"alert":{"source":'
          . '"alertmanager","status":"firing","alertname":"KubePodCrashLooping",'
          . '"namespace":"shop","pod":"cart-7c9d8f6b5-q2x4m"}}' . "\n";
close $fh;

# the configuration of the blocks that read it (with the store, and a
# webhook whose spool it is)

our $SpoolHttpConfig = <<'_EOC_';
k8flex_engine off;
k8flex_store $TEST_NGINX_STORE;
k8flex_spool $TEST_NGINX_QUEUED_SPOOL;
_EOC_

our $SpoolConfig = <<'_EOC_';
location = /webhook { k8flex_webhook; }
location /analyses { k8flex_analyses; }
_EOC_

# the read API behind k8flex_auth_token

our $GuardedConfig = <<'_EOC_';
location /analyses {
    k8flex_analyses;
    k8flex_auth_token s3cret;
}
_EOC_

$ENV{TEST_NGINX_STORE} = $Copy;
$ENV{TEST_NGINX_QUEUED_SPOOL} = $Spool;
$ENV{TEST_NGINX_STORE_GONE} = $Gone;
$ENV{TEST_NGINX_STORE_NOT_DIR} = $NotDir;

repeat_each(2);
no_shuffle();
log_level('info');

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->no_error_log) {
        $block->set_value('no_error_log', "[alert]\n[crit]\n[emerg]\n[error]");
    }

    if (!defined $block->http_config) {
        $block->set_value('http_config',
                          "k8flex_engine off;\nk8flex_store \$TEST_NGINX_STORE;");
    }

    if (!defined $block->config) {
        $block->set_value('config', 'location /analyses { k8flex_analyses; }');
    }
});

run_tests();

__DATA__

=== TEST 1: the list: newest first, a cut-short record skipped with a warning, temporary and junk files ignored
--- request
GET /analyses
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body
{"analyses":[{"id":"19ac1f960f0-4243-2","received_at":"2025-11-26T21:02:17.328Z","source":"Datadog","alertname":"Disk usage high","target":null,"category":null,"state":"queued","llm":null},{"id":"19ac1f87690-4242-3","received_at":"2025-11-26T21:01:17.328Z","source":"Alertmanager","alertname":"KubeContainerOOMKilled","target":"payments/ledger-5f7d8c9b6-q8w2e","category":"memory","state":"analyzing","llm":null},{"id":"19ac1f6a1d0-4243-1","received_at":"2025-11-26T20:59:17.328Z","source":"Grafana","alertname":"FrontendHighErrorRate","target":"shop/frontend","category":"service","state":"done","llm":"unavailable"},{"id":"19ac1f551e0-4242-2","received_at":"2025-11-26T20:57:51.328Z","source":"Alertmanager","alertname":"KubeNodeNotReady","target":"worker-3","category":"node","state":"failed","llm":"failed"},{"id":"19ac1f3e2b0-4242-1","received_at":"2025-11-26T20:56:17.328Z","source":"Alertmanager","alertname":"KubePodCrashLooping","target":"payments/checkout-api-7d9c6b8f5-x2k9p","category":"pod-crash","state":"done","llm":"ok"}],"count":5,"limit":20,"total":6,"next":null}
--- error_log eval
qr/\[warn\] .*k8flex: 1 analyses skipped in the store "[^"]+": cannot read "19ac1f78c30-4243-3\.json": /



=== TEST 2: "/analyses/" lists too
--- request
GET /analyses/?limit=2
--- error_code: 200
--- response_body
{"analyses":[{"id":"19ac1f960f0-4243-2","received_at":"2025-11-26T21:02:17.328Z","source":"Datadog","alertname":"Disk usage high","target":null,"category":null,"state":"queued","llm":null},{"id":"19ac1f87690-4242-3","received_at":"2025-11-26T21:01:17.328Z","source":"Alertmanager","alertname":"KubeContainerOOMKilled","target":"payments/ledger-5f7d8c9b6-q8w2e","category":"memory","state":"analyzing","llm":null}],"count":2,"limit":2,"total":6,"next":"19ac1f87690-4242-3"}



=== TEST 3: limit=1 reads the newest record only
--- request
GET /analyses?limit=1
--- error_code: 200
--- response_body
{"analyses":[{"id":"19ac1f960f0-4243-2","received_at":"2025-11-26T21:02:17.328Z","source":"Datadog","alertname":"Disk usage high","target":null,"category":null,"state":"queued","llm":null}],"count":1,"limit":1,"total":6,"next":"19ac1f960f0-4243-2"}
--- no_error_log
[warn]
[error]
[alert]
[crit]



=== TEST 4: limit=0 is 400
--- request
GET /analyses?limit=0
--- error_code: 400
--- response_body
{"status":"rejected","error":"limit \"0\" is not a number from 1 to 500"}
--- error_log
k8flex: request to "/analyses" rejected with 400: limit "0" is not a number from 1 to 500



=== TEST 5: limit=abc is 400
--- request
GET /analyses?limit=abc
--- error_code: 400
--- response_body
{"status":"rejected","error":"limit \"abc\" is not a number from 1 to 500"}



=== TEST 6: limit=501 is 400
--- request
GET /analyses?state=done&limit=501
--- error_code: 400
--- response_body
{"status":"rejected","error":"limit \"501\" is not a number from 1 to 500"}



=== TEST 7: limit=500 is the most
--- request
GET /analyses?limit=500
--- error_code: 200
--- response_body_like: ^\{"analyses":\[.*\],"count":5,"limit":500,"total":6,"next":null\}$



=== TEST 8: before= pages to older ids only
--- request
GET /analyses?before=19ac1f6a1d0-4243-1
--- error_code: 200
--- response_body
{"analyses":[{"id":"19ac1f551e0-4242-2","received_at":"2025-11-26T20:57:51.328Z","source":"Alertmanager","alertname":"KubeNodeNotReady","target":"worker-3","category":"node","state":"failed","llm":"failed"},{"id":"19ac1f3e2b0-4242-1","received_at":"2025-11-26T20:56:17.328Z","source":"Alertmanager","alertname":"KubePodCrashLooping","target":"payments/checkout-api-7d9c6b8f5-x2k9p","category":"pod-crash","state":"done","llm":"ok"}],"count":2,"limit":20,"total":6,"next":null}
--- no_error_log
[warn]
[error]
[alert]
[crit]



=== TEST 9: limit=1 paging: a page of only an unreadable record is empty, and "next" goes on
--- request
GET /analyses?limit=1&before=19ac1f87690-4242-3
--- error_code: 200
--- response_body
{"analyses":[],"count":0,"limit":1,"total":6,"next":"19ac1f78c30-4243-3"}
--- error_log
cannot read "19ac1f78c30-4243-3.json"



=== TEST 10: limit=1 paging: the page after it
--- request
GET /analyses?limit=1&before=19ac1f78c30-4243-3
--- error_code: 200
--- response_body_like: ^\{"analyses":\[\{"id":"19ac1f6a1d0-4243-1",[^\]]+\],"count":1,"limit":1,"total":6,"next":"19ac1f6a1d0-4243-1"\}$



=== TEST 11: before= the oldest id is an empty page
--- request
GET /analyses?before=19ac1f3e2b0-4242-1
--- error_code: 200
--- response_body
{"analyses":[],"count":0,"limit":20,"total":6,"next":null}



=== TEST 12: before= must be an id
--- request
GET /analyses?before=19AC1F
--- error_code: 400
--- response_body
{"status":"rejected","error":"before \"19AC1F\" is not an analysis id"}



=== TEST 13: state= filters
--- request
GET /analyses?state=done
--- error_code: 200
--- response_body
{"analyses":[{"id":"19ac1f6a1d0-4243-1","received_at":"2025-11-26T20:59:17.328Z","source":"Grafana","alertname":"FrontendHighErrorRate","target":"shop/frontend","category":"service","state":"done","llm":"unavailable"},{"id":"19ac1f3e2b0-4242-1","received_at":"2025-11-26T20:56:17.328Z","source":"Alertmanager","alertname":"KubePodCrashLooping","target":"payments/checkout-api-7d9c6b8f5-x2k9p","category":"pod-crash","state":"done","llm":"ok"}],"count":2,"limit":20,"total":6,"next":null}



=== TEST 14: state= with limit= stops at limit matches
--- request
GET /analyses?state=done&limit=1
--- error_code: 200
--- response_body_like: ^\{"analyses":\[\{"id":"19ac1f6a1d0-4243-1",[^\]]+\],"count":1,"limit":1,"total":6,"next":"19ac1f6a1d0-4243-1"\}$



=== TEST 15: an unknown state is 400 and names the states
--- request
GET /analyses?state=finished
--- error_code: 400
--- response_body
{"status":"rejected","error":"state \"finished\" is not one of queued, gathering, analyzing, done, failed"}



=== TEST 16: one analysis: the record file as it is
--- request
GET /analyses/19ac1f3e2b0-4242-1
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body eval
main::slurp("$main::Store/19ac1f3e2b0-4242-1.json")



=== TEST 17: one analysis still running: what the engine wrote last
--- request
GET /analyses/19ac1f87690-4242-3
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body eval
main::slurp("$main::Store/19ac1f87690-4242-3.json")



=== TEST 18: a failed analysis says what failed
--- request
GET /analyses/19ac1f551e0-4242-2
--- error_code: 200
--- response_body_like: "state":"failed",.*"error":"ollama: model \\"llama3\.1:8b\\" not found"\}$



=== TEST 19: an unknown id is 404
--- request
GET /analyses/19ac1f3e2b0-4242-9
--- error_code: 404
--- response_headers
Content-Type: application/json
--- response_body
{"status":"rejected","error":"no analysis \"19ac1f3e2b0-4242-9\""}



=== TEST 20: the temporary file is no analysis
--- request
GET /analyses/.x.json.tmp
--- error_code: 400
--- response_body
{"status":"rejected","error":"invalid analysis id \".x.json.tmp\": an id is 1 to 64 characters of 0-9, a-z and \"-\""}



=== TEST 21: an invalid id is 400, shown printable
--- request
GET /analyses/Bad%01%ffId
--- error_code: 400
--- response_body
{"status":"rejected","error":"invalid analysis id \"Bad??Id\": an id is 1 to 64 characters of 0-9, a-z and \"-\""}



=== TEST 22: a path deeper than an id is 404
--- request
GET /analyses/19ac1f3e2b0-4242-1/evidence
--- error_code: 404
--- response_body
{"status":"rejected","error":"no analysis at \"/analyses/19ac1f3e2b0-4242-1/evidence\""}



=== TEST 23: a longer name the prefix location catches is 404
--- request
GET /analysesfoo
--- error_code: 404
--- response_body
{"status":"rejected","error":"no analysis at \"/analysesfoo\""}



=== TEST 24: POST is 405 with Allow
--- request
POST /analyses
{}
--- error_code: 405
--- response_headers
Allow: GET, HEAD
Content-Type: application/json
--- response_body
{"status":"rejected","error":"method POST is not allowed: use GET"}



=== TEST 25: HEAD of the list has the headers only
--- request
HEAD /analyses
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body



=== TEST 26: HEAD of one analysis has its length
--- request
HEAD /analyses/19ac1f3e2b0-4242-1
--- error_code: 200
--- response_headers eval
"Content-Type: application/json\nContent-Length: "
. length(main::slurp("$main::Store/19ac1f3e2b0-4242-1.json"))
--- response_body



=== TEST 27: a location ending in a slash
--- config
    location /analyses/ { k8flex_analyses; }
--- request eval
["GET /analyses/?limit=1", "GET /analyses/19ac1f6a1d0-4243-1"]
--- error_code eval
[200, 200]
--- response_body eval
['{"analyses":[{"id":"19ac1f960f0-4243-2","received_at":"2025-11-26T21:02:17.328Z","source":"Datadog","alertname":"Disk usage high","target":null,"category":null,"state":"queued","llm":null}],"count":1,"limit":1,"total":6,"next":"19ac1f960f0-4243-2"}
', main::slurp("$main::Store/19ac1f6a1d0-4243-1.json")]



=== TEST 28: the store is missing: 503 naming it, logged at error
--- http_config
    k8flex_engine off;
    k8flex_store $TEST_NGINX_STORE_GONE;
--- init
rmdir $main::Gone or die "$main::Gone: $!";
--- request
GET /analyses
--- error_code: 503
--- response_headers
Content-Type: application/json
--- response_body eval
qq{{"status":"unavailable","error":"the store cannot be read: opendir() \\"$main::Gone\\" failed (2: No such file or directory)"}\n}
--- error_log eval
qr/\[error\] .*k8flex: request to "\/analyses" answered 503: the store cannot be read: opendir\(\) "\Q$main::Gone\E" failed \(2: No such file or directory\)/
--- no_error_log
[alert]
[crit]



=== TEST 29: the store is missing: one analysis is 503 too, not 404
--- http_config
    k8flex_engine off;
    k8flex_store $TEST_NGINX_STORE_GONE;
--- init
rmdir $main::Gone or die "$main::Gone: $!";
--- request
GET /analyses/19ac1f3e2b0-4242-1
--- error_code: 503
--- response_body eval
qq{{"status":"unavailable","error":"the store cannot be read: stat() \\"$main::Gone\\" failed (2: No such file or directory)"}\n}
--- error_log
[error]
answered 503: the store cannot be read: stat()
--- no_error_log
[alert]
[crit]



=== TEST 30: the store is not a directory: 503
--- http_config
    k8flex_engine off;
    k8flex_store $TEST_NGINX_STORE_NOT_DIR;
--- request eval
["GET /analyses", "GET /analyses/19ac1f3e2b0-4242-1"]
--- error_code eval
[503, 503]
--- response_body eval
[qq{{"status":"unavailable","error":"the store cannot be read: opendir() \\"$main::NotDir\\" failed (20: Not a directory)"}\n},
 qq{{"status":"unavailable","error":"the store cannot be read: open() \\"$main::NotDir/19ac1f3e2b0-4242-1.json\\" failed (20: Not a directory)"}\n}]
--- error_log
[error]
answered 503: the store cannot be read:
--- no_error_log
[alert]
[crit]



=== TEST 31: k8flex_auth_token guards the read API: without the token, 401
--- config eval
$main::GuardedConfig
--- request
GET /analyses/19ac1f3e2b0-4242-1
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer realm="k8flex"
--- response_body
{"status":"rejected","error":"missing \"Authorization: Bearer <token>\" header"}
--- error_log
missing "Authorization: Bearer <token>" header



=== TEST 32: k8flex_auth_token guards the read API: with the token, the record
--- config eval
$main::GuardedConfig
--- request
GET /analyses/19ac1f3e2b0-4242-1
--- more_headers
Authorization: Bearer s3cret
--- error_code: 200
--- response_body_like: ^\{"id":"19ac1f3e2b0-4242-1",



=== TEST 33: an alert still waiting in the spool reads as queued, made of its job
--- http_config eval
$main::SpoolHttpConfig
--- config eval
$main::SpoolConfig
--- request
GET /analyses/1a2000000aa-7-1
--- error_code: 200
--- response_body
{"id":"1a2000000aa-7-1","state":"queued","received_at":"2026-11-26T10:00:00.000Z","source":"Alertmanager","adapter":"alertmanager","location":"/webhook","alert":{"source":"alertmanager","status":"firing","alertname":"KubePodCrashLooping","namespace":"shop","pod":"cart-7c9d8f6b5-q2x4m"},"category":null,"llm":null,"analysis":null}



=== TEST 34: an id neither in the store nor in the spool is 404
--- http_config eval
$main::SpoolHttpConfig
--- config eval
$main::SpoolConfig
--- request
GET /analyses/1a2000000aa-7-2
--- error_code: 404
--- response_body
{"status":"rejected","error":"no analysis \"1a2000000aa-7-2\""}



=== TEST 35: the list shows the alerts still waiting in the spool as queued, among the records, newest first
--- http_config eval: $main::SpoolHttpConfig
--- config eval: $main::SpoolConfig
--- request
GET /analyses?limit=2
--- error_code: 200
--- response_body
{"analyses":[{"id":"1a2000000aa-7-1","received_at":"2026-11-26T10:00:00.000Z","source":"Alertmanager","alertname":"KubePodCrashLooping","target":"shop/cart-7c9d8f6b5-q2x4m","category":null,"state":"queued","llm":null},{"id":"19ac1f960f0-4243-2","received_at":"2025-11-26T21:02:17.328Z","source":"Datadog","alertname":"Disk usage high","target":null,"category":null,"state":"queued","llm":null}],"count":2,"limit":2,"total":7,"next":"19ac1f960f0-4243-2"}
