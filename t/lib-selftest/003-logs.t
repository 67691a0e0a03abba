# Self-test of the Test::Nginx stand-in in t/lib: error/access log checks
# (needs the echo module, see 001-basic.t).
use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
no_long_string();

run_tests();

__DATA__

=== TEST 1: error_log / no_error_log, one substring per line
--- config
    location = /t {
        rewrite_log on;
        rewrite ^/t$ /u last;
    }
    location = /u { return 200 "ok\n"; }
--- request
GET /t
--- response_body
ok
--- error_log
rewritten data: "/u"
"^/t$" matches "/t"
--- no_error_log
[error]
[alert]



=== TEST 2: error log is fresh for each block
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- no_error_log
rewritten data



=== TEST 3: eval'd pattern lists with qr//
--- config
--- request
GET /missing.html
--- error_code: 404
--- error_log eval
[qr/\[error\] \d+#\d+: \*\d+ open\(\) ".*?missing\.html" failed/, "No such file or directory"]
--- no_error_log eval
[qr/\[alert\]/, "[emerg]"]



=== TEST 4: a single qr// as error_log
--- config
--- request
GET /missing.html
--- error_code: 404
--- error_log eval
qr/failed \(2: No such file/



=== TEST 5: grep_error_log: each repeat sees only its own slice of the log
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t
--- grep_error_log eval: qr/using the "\w+" event method/
--- grep_error_log_out eval
["using the \"epoll\" event method\n", ""]



=== TEST 6: grep_error_log with a plain substring and a regex expectation
--- config
    location = /t {
        rewrite_log on;
        rewrite ^/t$ /u last;
    }
    location = /u { return 200 "ok\n"; }
--- request
GET /t
--- grep_error_log chop
rewritten data
--- grep_error_log_out eval
qr/\A(rewritten data\n)+\z/



=== TEST 7: per-block log_level
--- log_level: warn
--- config
    location = /t {
        rewrite_log on;
        rewrite ^/t$ /u last;
    }
    location = /u { return 200 "ok\n"; }
--- request
GET /t
--- no_error_log
rewritten data
[debug]



=== TEST 8: must_die: nginx fails to start (its message is on stderr)
--- config
    location = /t {
        selftest_unknown_directive;
    }
--- request
GET /t
--- must_die
--- no_error_log
[error]



=== TEST 8b: must_die with the expected exit code
--- config
    location = /t {
        selftest_unknown_directive;
    }
--- request
GET /t
--- must_die: 1



=== TEST 9: --- wait lets delayed log lines in
--- config
    location = /t {
        echo ok;
        post_action /slow;
    }
    location = /slow {
        internal;
        echo_sleep 0.3;
        rewrite_log on;
        rewrite ^ /slow-done break;
        echo x;
    }
--- request
GET /t
--- response_body
ok
--- wait: 0.5
--- error_log
rewritten data: "/slow-done"



=== TEST 10: access_log / no_access_log
--- config
    location = /t { return 200 "ok\n"; }
--- request
GET /t?x=1
--- access_log
"GET /t?x=1 HTTP/1.1" 200
--- no_access_log
GET /other



=== TEST 11: error_log checked after every request of an array
--- config
--- request eval
["GET /missing-a", "GET /missing-b"]
--- error_code eval
[404, 404]
--- error_log
No such file or directory
