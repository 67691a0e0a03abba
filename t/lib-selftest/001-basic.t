# Self-test of the Test::Nginx stand-in in t/lib: basic sections.
# Run: TEST_NGINX_LOAD_MODULES=/usr/lib/nginx/modules/ngx_http_echo_module.so \
#        t/run t/lib-selftest/*.t
use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
no_long_string();
log_level('info');
master_on();
workers(1);

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();
$ENV{SELFTEST_FOO} = 'foo-value';
env_to_nginx('SELFTEST_FOO');

our $HttpConfig = qq{
    map \$uri \$selftest_mapped { default "mapped"; }
};

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value('no_error_log', "[alert]\n[emerg]")
        unless defined $block->no_error_log || defined $block->error_log;
    $block->set_value('request', 'GET /t') unless defined $block->request;
});

run_tests();

__DATA__

=== TEST 1: return + default request from the preprocessor
--- config
    location = /t { return 200 "hello\n"; }
--- response_body
hello



=== TEST 2: error_code, body with colon form
--- config
    location = /t { return 201 "created"; }
--- error_code: 201
--- response_body: created



=== TEST 3: 404 from the default root location
--- config
--- request
GET /nope.html
--- error_code: 404
--- response_body_like: 404 Not Found
--- no_error_log
[alert]



=== TEST 4: default root location serves index.html
--- config
--- request
GET /
--- response_body chomp
<html><head><title>It works!</title></head><body>It works!</body></html>



=== TEST 5: response_body_like is /s and unanchored
--- config
    location = /t { return 200 "line one\nline two\n"; }
--- response_body_like: one.line
--- response_headers
Content-Type: text/plain



=== TEST 6: response_body_unlike
--- config
    location = /t { return 200 "abc"; }
--- response_body_unlike: ^xyz



=== TEST 7: response_headers (present, absent) and response_headers_like
--- config
    location = /t {
        add_header X-Foo "bar baz";
        add_header X-Port $server_port;
        return 200 "ok";
    }
--- response_headers
X-Foo: bar baz
X-Port: $ServerPort
!X-Missing
Content-Length: 2



=== TEST 8: response_headers_like is anchored
--- config
    location = /t {
        add_header X-Foo "bar-123";
        return 200 "ok";
    }
--- response_headers_like
X-Foo: bar-\d+
Server: nginx.*



=== TEST 9: more_headers reach nginx; Host and Connection defaults
--- config
    location = /t {
        return 200 "$http_x_a|$http_x_b|$http_host|$http_connection\n";
    }
--- more_headers
X-A: one
# a comment line
X-B: two words
--- response_body
one|two words|localhost|close



=== TEST 10: POST body: first line is the request line, body trimmed, Content-Length added
--- config
    location = /t {
        echo_read_request_body;
        echo "len=$content_length";
        echo_request_body;
    }
--- request
POST /t
{"json":1}
--- response_body chomp
len=10
{"json":1}



=== TEST 11: http_config / main_config / env_to_nginx / TEST_NGINX_* expansion
--- main_config
    env SELFTEST_BAR=bar-value;
--- http_config eval: $::HttpConfig
--- config
    location = /t {
        return 200 "$selftest_mapped $TEST_NGINX_SERVER_PORT $server_port\n";
    }
--- response_body eval
"mapped $ENV{TEST_NGINX_SERVER_PORT} $ENV{TEST_NGINX_SERVER_PORT}\n"



=== TEST 12: user_files under html dir, $TEST_NGINX_HTML_DIR
--- user_files
>>> a.txt
file A
>>> sub/dir/b.txt
file B at $TEST_NGINX_SERVER_PORT
--- config
    location /files/ {
        alias $TEST_NGINX_HTML_DIR/;
    }
--- request eval
["GET /files/a.txt", "GET /files/sub/dir/b.txt"]
--- response_body eval
["file A\n", "file B at $ENV{TEST_NGINX_SERVER_PORT}\n"]



=== TEST 13: HTTP/1.0 request line is kept
--- config
    location = /t { return 200 "$server_protocol\n"; }
--- request
GET /t HTTP/1.0
--- response_body
HTTP/1.0



=== TEST 14: HEAD request
--- config
    location = /t { return 200 "some body"; }
--- request
HEAD /t
--- response_headers
Content-Length: 9
--- response_body:



=== TEST 15: server_root() and html_dir() match the config
--- config eval
"location = /t { return 200 '" . Test::Nginx::Util::server_root() . "|"
    . Test::Nginx::Util::html_dir() . "'; }"
--- response_body eval
"$ENV{TEST_NGINX_SERVER_ROOT}|$ENV{TEST_NGINX_SERVER_ROOT}/html"
