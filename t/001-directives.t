# vi:filetype=perl
#
# "nginx -t" validates every k8flex directive: good values pass, bad ones
# fail with a message naming the directive, the value and what is
# allowed.  The example configurations in conf/ pass as shipped.
#
# Start-up errors go to nginx's compiled-in error log, which is stderr in
# Debian's build, so this file runs "nginx -t" itself (Test::More only)
# rather than through Test::Nginx.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(cwd);

my $nginx = $ENV{TEST_NGINX_BINARY} || 'nginx';
my @modules = split ' ', ($ENV{TEST_NGINX_LOAD_MODULES}
                          || cwd() . '/build/ngx_http_k8flex_module.so');

# nginx -t on a configuration; returns (exit status, output)

sub nginx_t {
    my ($conf) = @_;
    my $prefix = tempdir(CLEANUP => 1);

    mkdir "$prefix/logs";
    mkdir "$prefix/conf";
    mkdir "$prefix/tmp";

    open my $fh, '>', "$prefix/conf/nginx.conf" or die $!;
    print $fh join('', map { "load_module $_;\n" } @modules), $conf;
    close $fh;

    my $out = `$nginx -t -p $prefix -c conf/nginx.conf -e logs/error.log 2>&1`;
    my $status = $? >> 8;

    open $fh, '<', "$prefix/logs/error.log" and $out .= do { local $/; <$fh> };

    return ($status, $out);
}

sub http {
    my ($http, $server) = @_;
    return "pid logs/nginx.pid;\nevents {}\nhttp {\n$http\n"
           . "server {\nlisten 127.0.0.1:1984;\n$server\n}\n}\n";
}

# prompt templates for k8flex_prompt

my $prompts = tempdir(CLEANUP => 1);

sub prompt_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$prompts/$name" or die $!;
    print $fh $text;
    close $fh;
    return "$prompts/$name";
}

my $good_prompt = prompt_file('good.txt', "Alert:\n{ALERT}\n{CATEGORY}\n"
                              . "Evidence:\n{EVIDENCE}\nJSON: {\"a\":1}\n");
my $no_evidence = prompt_file('no-evidence.txt', "Alert: {ALERT}\n");
my $not_utf8 = prompt_file('latin1.txt', "Caf\xe9 {EVIDENCE}\n");

my @good = (
    [ 'a minimal configuration',
      http('', 'location = /webhook { k8flex_webhook; }'
               . 'location = /health { k8flex_health; }') ],
    [ 'adapters as names, case-insensitive',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_adapters Alertmanager PAGERDUTY newrelic; }') ],
    [ 'adapters comma-separated, as ENABLED_ADAPTERS was written',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_adapters alertmanager,grafana; }') ],
    [ 'every directive at its level',
      http('k8flex_spool spool; k8flex_spool_sync off;'
           . ' k8flex_adapters all; k8flex_auth_token "t";'
           . ' k8flex_ollama https://ollama.example:443/;'
           . ' k8flex_model "llama2:70b"; k8flex_log_tail_lines 100000;',
           'k8flex_auth_token $http_x_token;'
           . 'location = /webhook { k8flex_webhook; k8flex_auth_token off;'
           . ' k8flex_model mistral; k8flex_log_tail_lines 1; }') ],
    [ 'the smallest k8flex_zone',
      http('k8flex_zone 64k;', 'location = /webhook { k8flex_webhook; }') ],
    [ 'every engine directive at its level',
      http('k8flex_engine on; k8flex_store store; k8flex_zone 1m;'
           . ' k8flex_store_keep 500;'
           . ' k8flex_llm_concurrency 4; k8flex_llm_retries 0;'
           . ' k8flex_llm_first_byte_timeout 5m; k8flex_llm_stall_timeout 30s;'
           . ' k8flex_llm_timeout 20m; k8flex_cache_ttl 2s;'
           . ' k8flex_kubernetes https://10.96.0.1:443;'
           . ' k8flex_kubernetes_token_file /tmp/token;'
           . ' k8flex_kubernetes_ca_file /tmp/ca.crt;'
           . ' k8flex_kubernetes_timeout 3s;'
           . " k8flex_prompt $good_prompt; k8flex_num_ctx 8192;"
           . ' k8flex_ollama_api chat;',
           'k8flex_num_ctx auto;'
           . 'location = /webhook { k8flex_webhook; k8flex_ollama_api generate;'
           . ' k8flex_num_ctx 4096; }'
           . 'location /analyses { k8flex_analyses; }') ],
    [ 'k8flex_kubernetes in-cluster outside a pod (reads fail at run time)',
      http('k8flex_kubernetes in-cluster;',
           'location = /webhook { k8flex_webhook; }') ],
    [ 'a read API without a webhook location',
      http('k8flex_store store;', 'location /analyses { k8flex_analyses; }') ],
);

for my $case (@good) {
    my ($status, $out) = nginx_t($case->[1]);
    is($status, 0, "accepted: $case->[0]") or diag $out;
    like($out, qr/test is successful/, "nginx -t says so: $case->[0]");
}

my @bad = (
    [ 'unknown adapter',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_adapters alertmanager grafanna; }'),
      'unknown adapter "grafanna" in "k8flex_adapters"; known: alertmanager, '
      . 'pagerduty, grafana, datadog, opsgenie, victorops, newrelic' ],
    [ 'duplicate adapter',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_adapters grafana Grafana; }'),
      'duplicate adapter "Grafana" in "k8flex_adapters"' ],
    [ '"all" with names',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_adapters all grafana; }'),
      '"all" cannot be combined with adapter names in "k8flex_adapters"' ],
    [ 'only commas',
      http('', 'location = /webhook { k8flex_webhook; k8flex_adapters ,; }'),
      'no adapter named in "k8flex_adapters"' ],
    [ 'k8flex_adapters twice in a block',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_adapters grafana; k8flex_adapters alertmanager; }'),
      '"k8flex_adapters" directive is duplicate' ],
    [ 'k8flex_webhook outside a location',
      http('k8flex_webhook;', ''),
      '"k8flex_webhook" directive is not allowed here' ],
    [ 'k8flex_health outside a location',
      http('', 'k8flex_health;'),
      '"k8flex_health" directive is not allowed here' ],
    [ 'k8flex_spool in a location',
      http('', 'location = /webhook { k8flex_webhook; k8flex_spool /tmp/x; }'),
      '"k8flex_spool" directive is not allowed here' ],
    [ 'k8flex_spool_sync in a server',
      http('', 'k8flex_spool_sync on;'),
      '"k8flex_spool_sync" directive is not allowed here' ],
    [ 'two content handlers in one location',
      http('', 'location = /webhook { k8flex_webhook; k8flex_health; }'),
      '"k8flex_health" directive is duplicate, or the location already has '
      . 'a content handler' ],
    [ 'k8flex_webhook with an argument',
      http('', 'location = /webhook { k8flex_webhook on; }'),
      'invalid number of arguments in "k8flex_webhook" directive' ],
    [ 'empty token',
      http('', 'location = /webhook { k8flex_webhook; k8flex_auth_token ""; }'),
      '"k8flex_auth_token" directive is empty; use "off" to accept webhooks '
      . 'without a token' ],
    [ 'token twice',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_auth_token a; k8flex_auth_token b; }'),
      '"k8flex_auth_token" directive is duplicate' ],
    [ 'token with a bad variable',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_auth_token $no_such_variable; }'),
      'unknown "no_such_variable" variable' ],
    [ 'Ollama URL without a scheme',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_ollama ollama:11434; }'),
      'invalid URL "ollama:11434" in "k8flex_ollama": expected '
      . 'http://host[:port] or https://...' ],
    [ 'Ollama URL with a bad port',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_ollama http://ollama:99999; }'),
      'invalid URL "http://ollama:99999" in "k8flex_ollama": invalid port' ],
    [ 'empty model',
      http('', 'location = /webhook { k8flex_webhook; k8flex_model ""; }'),
      '"k8flex_model" directive is empty' ],
    [ 'log tail lines 0',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_log_tail_lines 0; }'),
      'invalid value "0" in "k8flex_log_tail_lines": expected a number of '
      . 'lines from 1 to 100000' ],
    [ 'log tail lines not a number',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_log_tail_lines lots; }'),
      'invalid value "lots" in "k8flex_log_tail_lines"' ],
    [ 'spool sync neither on nor off',
      http('k8flex_spool_sync maybe;',
           'location = /webhook { k8flex_webhook; }'),
      'invalid value "maybe" in "k8flex_spool_sync" directive, it must be '
      . '"on" or "off"' ],
    [ 'k8flex_zone too small',
      http('k8flex_zone 8k;', 'location = /webhook { k8flex_webhook; }'),
      'k8flex_zone 8k is too small; at least 64k' ],
    [ 'a prompt template that does not exist',
      http('', "location = /webhook { k8flex_webhook;"
               . " k8flex_prompt $prompts/missing.txt; }"),
      "cannot open the prompt template \"$prompts/missing.txt\" of "
      . '"k8flex_prompt"' ],
    [ 'a prompt template without {EVIDENCE}',
      http('', "location = /webhook { k8flex_webhook;"
               . " k8flex_prompt $no_evidence; }"),
      "the prompt template \"$no_evidence\" has no {EVIDENCE} placeholder;"
      . ' its placeholders are {ALERT}, {CATEGORY} and {EVIDENCE}' ],
    [ 'a prompt template that is not UTF-8',
      http('', "location = /webhook { k8flex_webhook;"
               . " k8flex_prompt $not_utf8; }"),
      "the prompt template \"$not_utf8\" is not valid UTF-8" ],
    [ 'k8flex_prompt twice',
      http('', "location = /webhook { k8flex_webhook;"
               . " k8flex_prompt $good_prompt; k8flex_prompt $good_prompt; }"),
      '"k8flex_prompt" directive is duplicate' ],
    [ 'k8flex_num_ctx too small',
      http('', 'location = /webhook { k8flex_webhook; k8flex_num_ctx 100; }'),
      'invalid value "100" in "k8flex_num_ctx": expected "auto" or a context '
      . 'size from 512 to 1048576 tokens' ],
    [ 'k8flex_ollama_api neither generate nor chat',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_ollama_api completions; }'),
      'invalid value "completions" in "k8flex_ollama_api": expected '
      . '"generate" (/api/generate) or "chat" (/api/chat)' ],
    [ 'k8flex_llm_concurrency 0',
      http('k8flex_llm_concurrency 0;',
           'location = /webhook { k8flex_webhook; }'),
      'invalid value "0" in "k8flex_llm_concurrency": expected a number of '
      . 'analyses from 1 to 1024' ],
    [ 'k8flex_llm_retries 11',
      http('k8flex_llm_retries 11;',
           'location = /webhook { k8flex_webhook; }'),
      'invalid value "11" in "k8flex_llm_retries": expected a number of '
      . 'retries from 0 to 10' ],
    [ 'k8flex_llm_stall_timeout not a time',
      http('k8flex_llm_stall_timeout soon;',
           'location = /webhook { k8flex_webhook; }'),
      '"k8flex_llm_stall_timeout" directive invalid value' ],
    [ 'k8flex_kubernetes neither in-cluster nor a URL',
      http('k8flex_kubernetes kube:6443;',
           'location = /webhook { k8flex_webhook; }'),
      'invalid URL "kube:6443" in "k8flex_kubernetes": expected '
      . 'http://host[:port] or https://...' ],
    [ 'k8flex_kubernetes twice',
      http('k8flex_kubernetes in-cluster;'
           . ' k8flex_kubernetes http://127.0.0.1:8001;',
           'location = /webhook { k8flex_webhook; }'),
      '"k8flex_kubernetes" directive is duplicate' ],
    [ 'k8flex_kubernetes in a location',
      http('', 'location = /webhook { k8flex_webhook;'
               . ' k8flex_kubernetes in-cluster; }'),
      '"k8flex_kubernetes" directive is not allowed here' ],
    [ 'k8flex_store_keep 0',
      http('k8flex_store_keep 0;', 'location = /webhook { k8flex_webhook; }'),
      'invalid value "0" in "k8flex_store_keep": expected a number of '
      . 'analyses from 1 to 10000000' ],
    [ 'k8flex_engine neither on nor off',
      http('k8flex_engine later;', 'location = /webhook { k8flex_webhook; }'),
      'invalid value "later" in "k8flex_engine" directive, it must be "on" '
      . 'or "off"' ],
    [ 'k8flex_analyses with an argument',
      http('', 'location /analyses { k8flex_analyses on; }'),
      'invalid number of arguments in "k8flex_analyses" directive' ],
    [ 'k8flex_zone in bytes, too small',
      http('k8flex_zone 1000;', 'location = /webhook { k8flex_webhook; }'),
      'k8flex_zone 1000 is too small; at least 64k' ],
);

for my $case (@bad) {
    my ($status, $out) = nginx_t($case->[1]);
    isnt($status, 0, "refused: $case->[0]");
    like($out, qr/\[emerg\] .*\Q$case->[2]\E/, "message: $case->[0]")
        or diag $out;
}

# conf/: as shipped, with the module path, ports and absolute paths of this
# machine swapped for the test's own

for my $file (glob 'conf/*.conf') {
    open my $fh, '<', $file or die "$file: $!";
    my $conf = do { local $/; <$fh> };
    my $tmp = tempdir(CLEANUP => 1);

    $conf =~ s/^\s*load_module\s[^;]+;\s*$//mg;
    $conf =~ s/listen\s+[^;]+;/listen 127.0.0.1:1984;/g;
    $conf =~ s{(k8flex_spool\s+)/[^;]+;}{$1$tmp/spool;}g;
    $conf =~ s{(error_log\s+)/dev/stderr}{$1stderr}g;

    $conf = "pid logs/nginx.pid;\n$conf" unless $conf =~ /^\s*pid\s/m;

    my ($status, $out) = nginx_t($conf);
    is($status, 0, "$file passes nginx -t") or diag $out;
}

done_testing();
