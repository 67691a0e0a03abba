# Self-test: an exact plan (same per-block counts as upstream Test::Nginx),
# no_root_location(), --- LAST, master process off (the default).
use Test::Nginx::Socket;

repeat_each(3);
no_root_location();

# per block: status code + response_body + 1 no_error_log pattern
plan tests => repeat_each() * 3 * blocks();

run_tests();

__DATA__

=== TEST 1: own root location
--- config
    location / { return 200 "mine\n"; }
--- request
GET /anything
--- response_body
mine
--- no_error_log
[error]



=== TEST 2: single process
--- config
    location / { return 200 "$pid\n"; }
--- request
GET /
--- response_body_filters eval
sub {
    my $served_by = shift;
    my $pidfile = "$ENV{TEST_NGINX_SERVER_ROOT}/logs/nginx.pid";
    open my $fh, '<', $pidfile or return "$pidfile: $!";
    my $pid = <$fh>;
    return $served_by eq $pid ? "single process\n" : "served by $served_by, pid file $pid";
}
--- response_body
single process
--- no_error_log
[error]
--- LAST



=== TEST 3: after LAST, not run
--- config
    location / { return 500; }
--- request
GET /
