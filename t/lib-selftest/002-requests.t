# Self-test of the Test::Nginx stand-in in t/lib: request forms and the
# HTTP client (needs the echo module, see 001-basic.t).
use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
no_long_string();

run_tests();

__DATA__

=== TEST 1: request eval arrayref: sequential connections, indexed expectations
--- config
    location = /a { return 200 "A\n"; }
    location = /b { return 403 "B\n"; }
--- request eval
["GET /a", "GET /b", "GET /c"]
--- error_code eval
[200, 403, 404]
--- response_body_like eval
["^A\n\$", "^B\n\$", "404 Not Found"]



=== TEST 2: more_headers eval arrayref is per request
--- config
    location = /t { return 200 "$http_x_n\n"; }
--- more_headers eval
["X-N: first", "X-N: second"]
--- request eval
["GET /t", "GET /t"]
--- response_body eval
["first\n", "second\n"]



=== TEST 3: chunked request body via raw_request (sent verbatim)
--- config
    location = /t {
        echo_read_request_body;
        echo_request_body;
    }
--- raw_request eval
"POST /t HTTP/1.1\r
Host: localhost\r
Connection: close\r
Transfer-Encoding: chunked\r
\r
5\r
hello\r
6\r
 world\r
0\r
\r
"
--- response_body chomp
hello world



=== TEST 4: chunked request body via request + more_headers (body not trimmed)
--- config
    location = /t {
        echo_read_request_body;
        echo_request_body;
    }
--- more_headers
Transfer-Encoding: chunked
--- request eval
"POST /t
3\r
abc\r
0\r
\r
"
--- response_body chomp
abc



=== TEST 5: raw_request split in packets with a middle delay
--- config
    location = /t { return 200 "$request_method $uri $http_x_a\n"; }
--- raw_request eval
["GET /t HTTP/1.1\r\nHo", "st: localhost\r\nX-A: b\r\nConnection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.1
--- response_body
GET /t b



=== TEST 6: request split in packets, with delay_before
--- config
    location = /t {
        echo_read_request_body;
        echo_request_body;
    }
--- request eval
[["POST /t\nhel", {value => "lo", delay_before => 0.1}]]
--- response_body chomp
hello



=== TEST 7: chunked response (echo streams with HTTP/1.1)
--- config
    location = /t {
        echo -n "part1 ";
        echo_flush;
        echo "part2";
    }
--- request
GET /t
--- response_headers
Transfer-Encoding: chunked
--- response_body
part1 part2



=== TEST 8: pipelined requests on one connection
--- config
    location = /a { return 200 "first"; }
    location = /b { echo "second"; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["first", "second\n"]
--- error_code eval
[200, 200]



=== TEST 9: client timeout + abort: no failure, partial response checked
--- config
    location = /t {
        echo_sleep 2;
        echo done;
    }
--- request
GET /t
--- timeout: 300ms
--- abort
--- ignore_response



=== TEST 10: timeout long enough
--- config
    location = /t {
        echo_sleep 0.2;
        echo done;
    }
--- request
GET /t
--- timeout: 5
--- response_body
done



=== TEST 11: request line with comments and indentation
--- config
    location = /t { return 200 "$args\n"; }
--- request
    # a comment
    GET /t?a=1&b=2
--- response_body
a=1&b=2



=== TEST 12: Content-Length in more_headers: body sent untrimmed
--- config
    location = /t {
        echo_read_request_body;
        echo "[$request_body]";
    }
--- more_headers
Content-Length: 4
--- request eval
"POST /t
 ab "
--- response_body
[ ab ]



=== TEST 13: explicit Host header replaces the default
--- config
    location = /t { return 200 "$http_host\n"; }
--- more_headers
Host: example.test
--- request
GET /t
--- response_body
example.test



=== TEST 14: shutdown after sending
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- shutdown: 1
--- response_body
ok
