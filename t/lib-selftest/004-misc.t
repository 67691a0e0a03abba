# Self-test of the Test::Nginx stand-in in t/lib: filters, skips and other
# sections (needs the echo module, see 001-basic.t).
use Test::Nginx::Socket 'no_plan';

no_shuffle();

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

# response_body_filters code ref that reads a file from disk: the body names
# a file under the html dir and is replaced by that file's content
our $ReadFile = sub {
    my $body = shift;
    chomp $body;
    open my $fh, '<', Test::Nginx::Util::html_dir() . "/$body" or return "cannot open $body";
    local $/;
    return <$fh>;
};

add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    return unless defined $block->resp_title;
    my ($title) = $body =~ m{<title>(.*?)</title>};
    is_str($title, $block->resp_title, $block->name . " - resp_title (req $repeated_req_idx)");
});

run_tests();

__DATA__

=== TEST 1: builtin response_body_filters
--- config
    location = /t { return 200 "Hello"; }
--- request
GET /t
--- response_body_filters
uc
--- response_body: HELLO



=== TEST 2: chained builtin filters
--- config
    location = /t { return 200 "Hello"; }
--- request
GET /t
--- response_body_filters
uc lc length
--- response_body: 5



=== TEST 3: code-ref filter reading a file from disk
--- user_files
>>> expected.json
{"a": 1}
--- config
    location = /t { return 200 "expected.json\n"; }
--- request
GET /t
--- response_body_filters eval
$::ReadFile
--- response_body
{"a": 1}



=== TEST 4: per-request filter lists
--- config
    location = /t { return 200 "Hi"; }
--- request eval
["GET /t", "GET /t"]
--- response_body_filters eval
[["uc"], [\&CORE::lc, "md5_hex"]]
--- response_body eval
["HI", Digest::MD5::md5_hex("hi")]



=== TEST 5: response_body eval qr// and error_code_like
--- config
    location = /t { return 202 "abc123"; }
--- request
GET /t
--- error_code_like: ^20[0-9]$
--- response_body eval
qr/^abc\d+$/



=== TEST 6: raw_response_headers_like / unlike
--- config
    location = /t { return 302 /elsewhere; }
--- request
GET /t
--- error_code: 302
--- raw_response_headers_like: Location: http://localhost(?::\d+)?/elsewhere\r\n
--- raw_response_headers_unlike: X-Nope



=== TEST 7: a block without --- config reuses the running nginx
--- request
GET /t
--- error_code: 302



=== TEST 8: skip_eval skips the given number of tests
--- config
    location = /t { return 500; }
--- request
GET /t
--- skip_eval: 2: 1
--- response_body: never checked



=== TEST 9: skip_eval false runs the tests
--- config
    location = /t { return 200 "ran"; }
--- request
GET /t
--- skip_eval: 2: 0
--- response_body: ran



=== TEST 10: skip_nginx
--- config
    location = /t { return 500; }
--- request
GET /t
--- skip_nginx: 2: > 1.0.0
--- response_body: never checked



=== TEST 11: SKIP drops the block
--- config
    location = /t { return 500; }
--- request
GET /t
--- SKIP



=== TEST 12: init runs Perl code after nginx started, before the requests
--- init
open my $fh, '>', "$ENV{TEST_NGINX_SERVER_ROOT}/html/init.txt" or die $!;
print $fh "written by init\n";
close $fh;
--- config
--- request
GET /init.txt
--- response_body
written by init



=== TEST 13: add_response_body_check
--- config
    location = /t { return 200 "<html><title>T1</title></html>"; }
--- request
GET /t
--- resp_title: T1



=== TEST 14: server_name section
--- server_name: my.test
--- config
    location = /t { return 200 "$server_name\n"; }
--- request
GET /t
--- response_body
my.test



=== TEST 15: todo
--- config
    location = /t { return 500; }
--- request
GET /t
--- todo: 2: not implemented yet
--- response_body: x
