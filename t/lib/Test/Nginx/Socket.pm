package Test::Nginx::Socket;

# Self-written, minimal but compatible stand-in for Test::Nginx::Socket
# from the CPAN distribution Test::Nginx (openresty/test-nginx), for
# machines where that module is not installed (t/run decides).  It reads
# the same data-section test files, built on Test::Base, and emits the
# same assertions (same names, same count) for the sections it supports.
# The POD after __END__ lists what is supported and how it differs.
#
# This file is the HTTP client and the per-request checks; the nginx side
# (nginx.conf, processes, logs, block driver) is in Test::Nginx::Util.

use strict;
use warnings;

# "-base" makes us a Test::Base subclass: `use Test::Nginx::Socket 'no_plan'`
# goes through Test::Base::import (plan arguments, strict/warnings in the
# test file) and Test::Base's exports (blocks, plan, is, like, ...) are
# re-exported together with ours.
use Test::Base -base;

our $VERSION = '0.01';

use Digest::MD5 ();
use Digest::SHA ();
use Encode ();
use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use List::Util qw(min max);
use POSIX qw(WNOHANG);
use Test::LongString;
use Time::HiRes qw(sleep time);

use Test::Nginx::Util;

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location use_hup
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_cleanup_handler
    add_response_body_check
);

$RunTestHelper = \&run_test_helper;
$CheckErrorLog = \&check_error_log;

our @ResponseBodyChecks;
our $TotalConnectingTimeouts = 0;

sub add_response_body_check ($) { push @ResponseBodyChecks, shift }

# ---------------------------------------------------------------------------
# Building requests
# ---------------------------------------------------------------------------

# --- more_headers text -> ("Name: value\r\n..." , is_chunked)
sub parse_more_headers ($) {
    my $text = shift;
    my ($out, $is_chunked) = ('', 0);
    for my $line (split /\n+/, $text) {
        next if $line =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $line, 2;
        $val //= '';
        $is_chunked = 1 if lc($key) eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }
    return ($out, $is_chunked);
}

# Turns the "METHOD [URI [VERSION]]\nbody" shorthand (possibly split into
# packets) into a full HTTP request, as a list of packets again:
#   - URI defaults to "/", VERSION to "HTTP/1.1";
#   - "Host: localhost" and "Connection: $conn" are added unless present
#     in --- more_headers;
#   - a non-empty body gets its leading/trailing whitespace trimmed and a
#     Content-Length header, unless the request is chunked or already has
#     a Content-Length header.
sub build_request ($$$$$) {
    my ($name, $more_headers, $is_chunked, $conn, $packets) = @_;
    my $raw = join '', @$packets;

    $raw =~ /\A([^\n]*)(\n?)/;
    my ($first, $first_len) = ($1, length($1) + length($2));
    bail_out("$name - Request line should be non-empty")
        if $first !~ /\S/;
    $first =~ /^\s*(\S+)(?: +(\S+))?(?: +(\S+))?\s*$/
        or bail_out("$name - Request line is not valid. Should be "
                    . "'meth [url [version]]' but got \"$first\".");
    my ($meth, $url, $ver) = ($1, $2 // '/', $3 // 'HTTP/1.1');

    my $content = substr $raw, $first_len;
    my ($len_header, $lead_trimmed) = ('', 0);
    if (!$is_chunked && $content ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/)
    {
        $lead_trimmed = length(($content =~ /^(\s*)/)[0]);
        $content =~ s/^\s+|\s+$//g;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }

    my $line = "$meth $url $ver\r\n";
    my $headers = '';
    $headers .= "Host: $ServerName\r\n" if $more_headers !~ /(?:^|\n)Host:/i;
    $headers .= "Connection: $conn\r\n" if $more_headers !~ /(?:^|\n)Connection/i;
    my $head = $line . $headers . $more_headers . $len_header . "\r\n";
    my $req = $head . $content;
    return [$req] if @$packets <= 1;

    # Map each original packet boundary onto the rebuilt request: inside
    # the request line at the same offset, or at the same body offset.
    my ($from, $pos, @pieces) = (0, 0);
    for my $p (@$packets[0 .. $#$packets - 1]) {
        $pos += length $p;
        my $cut = $pos < $first_len
                ? min($pos, length($line) - 2)
                : length($head) + max(0, $pos - $first_len - $lead_trimmed);
        $cut = max($from, min($cut, length $req));
        push @pieces, substr($req, $from, $cut - $from);
        $from = $cut;
    }
    push @pieces, substr($req, $from);
    return \@pieces;
}

sub more_headers_for ($$$) {
    my ($name, $more_headers, $i) = @_;
    if (ref $more_headers eq 'ARRAY') {
        my $hdr = $more_headers->[$i];
        bail_out("$name - --- more_headers lacks data for request $i")
            unless defined $hdr;
        return parse_more_headers($hdr);
    }
    return parse_more_headers($more_headers);
}

# Returns the list of requests to send on successive connections; each
# request is a list of packets { value => bytes, delay_before => secs }.
sub get_req_from_block ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $raw = $block->raw_request)) {
        return [[ map { { value => $_ } } ref $raw eq 'ARRAY' ? @$raw : ($raw) ]];
    }

    my $request;
    if (defined $block->request_eval) {
        diag "$name - request_eval DEPRECATED. Use request eval instead.";
        $request = eval $block->request_eval;
        warn $@ if $@;
    } else {
        $request = $block->request;
        # drop leading blank space and "# comment" lines
        1 while defined $request && !ref $request
                && $request =~ s/^\s*#[^\n]+\s+|^\s+//gs;
    }
    my $more_headers = $block->more_headers || '';

    if (my $reqs = $block->pipelined_requests) {
        bail_out("$name - invalid entries in --- pipelined_requests")
            unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my ($hdr, $chunked) = more_headers_for($name, $more_headers, $i);
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            $all .= build_request($name, $hdr, $chunked, $conn, [$reqs->[$i]])->[0];
        }
        return [[{ value => $all }]];
    }

    bail_out("$name - no --- request section") unless defined $request;
    my @list = ref $request eq 'ARRAY' ? @$request : ($request);
    bail_out("$name - invalid --- request: MUST be string or array of requests")
        if ref $request && ref $request ne 'ARRAY';

    my @reqs;
    for my $i (0 .. $#list) {
        my $one = $list[$i];
        my ($hdr, $chunked) = more_headers_for($name, $more_headers, $i);
        if (!ref $one) {
            push @reqs, [{ value => build_request($name, $hdr, $chunked,
                                                  'close', [$one])->[0] }];
        } elsif (ref $one eq 'ARRAY') {
            # a request split into packets: strings or { value, delay_before }
            my @meta = map {
                !ref $_ ? { value => $_ }
                : ref $_ eq 'HASH' ? { %$_ }
                : bail_out("$name - Invalid syntax. $_ should be a string "
                           . "or hash with value.")
            } @$one;
            my $pieces = build_request($name, $hdr, $chunked, 'close',
                                       [ map { $_->{value} } @meta ]);
            $meta[$_]{value} = $pieces->[$_] for 0 .. $#meta;
            push @reqs, \@meta;
        } else {
            bail_out("$name - Invalid syntax. $one should be a string or an "
                     . "array of packets.");
        }
    }
    return \@reqs;
}

# ---------------------------------------------------------------------------
# The HTTP client: one connection per request, raw bytes in and out
# ---------------------------------------------------------------------------

sub connect_to_server ($$$) {
    my ($name, $block, $timeout) = @_;
    my $addr = $block->server_addr_for_client // $ServerAddr;

    my $err;
    for my $try (1 .. 50) {
        my $sock = IO::Socket::INET->new(
            PeerAddr => $addr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        return $sock if $sock;
        $err = $!;

        # give up at once when the nginx we started is gone (crashed)
        my $child = $Test::Nginx::Util::ChildPid;
        my $nginx = $Test::Nginx::Util::NginxPid;
        if ((defined $child && waitpid($child, WNOHANG) == $child)
            || (defined $nginx && !is_running($nginx)))
        {
            undef $Test::Nginx::Util::ChildPid;
            undef $Test::Nginx::Util::NginxPid;
            Test::More->builder->no_ending(1);
            fail("$name - Can't connect to $addr:$ServerPortForClient: "
                 . "$err (nginx is gone)\n");
            return undef;
        }

        my $wait = min(1, (sleep_time() + sleep_time() * $try) * $try / 2);
        warn "$name - Can't connect to $addr:$ServerPortForClient: $err\n"
             . "\tRetry connecting after $wait sec\n" if $wait >= 0.6;
        sleep $wait;
    }

    my $msg = "$name - Can't connect to $addr:$ServerPortForClient: $err (aborted)\n";
    bail_out($msg) if ++$TotalConnectingTimeouts >= 3;
    Test::More->builder->no_ending(1);
    fail($msg);
    return undef;
}

# Sends one request (a list of packets) and reads until the server closes
# the connection.  Returns (raw response bytes, is_head_request).  The
# timeout applies between two I/O events, like upstream.
sub send_request ($$$$) {
    my ($packets, $middle_delay, $timeout, $block) = @_;
    my $name = $block->name;
    my @queue = @$packets;
    my $head_req = (join '', map { $_->{value} } @queue) =~ /^\s*HEAD\s+/ ? 1 : 0;

    my $sock = connect_to_server($name, $block, $timeout) or return (undef, $head_req);
    $sock->blocking(0);
    local $SIG{PIPE} = 'IGNORE';

    my $sel = IO::Select->new($sock);
    my $buf = (shift @queue)->{value};
    my ($off, $writing, $resp) = (0, 1, '');

    while (1) {
        $! = 0;
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef,
                                         $timeout);
        if (!$r && !$w) {
            next if $! == EINTR;
            fail("ERROR: client socket timed out - $name\n")
                unless defined $block->abort;
            last;
        }

        if ($writing && $w && @$w) {
            my $n = syswrite $sock, $buf, length($buf) - $off, $off;
            if (!defined $n) {
                if ($! != EAGAIN && $! != EWOULDBLOCK) {
                    warn "WARNING: $name - write failed: $!\n";
                    $writing = 0;    # still read what the server answered
                }
            } else {
                $off += $n;
            }
            while ($writing && $off >= length $buf) {
                my $next = shift @queue;
                if (!$next) {
                    $writing = 0;
                    if (defined(my $how = $block->shutdown)) {
                        shutdown $sock, ($how =~ /^\s*$/ ? 1 : $how);
                    }
                    last;
                }
                my $delay = $next->{delay_before} // $middle_delay;
                sleep $delay if $delay;
                ($buf, $off) = ($next->{value}, 0);
            }
        }

        if ($r && @$r) {
            my $n = sysread $sock, my $chunk, 16384;
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                warn "WARNING: $name - HTTP response read failure: $!\n";
                last;
            }
            last if $n == 0;    # connection closed
            $resp .= $chunk;
        }
    }
    close $sock;
    return ($resp, $head_req);
}

# ---------------------------------------------------------------------------
# Parsing responses
# ---------------------------------------------------------------------------

# Returns (HTTP::Response, raw header text, bytes left after this response).
sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;
    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';
    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        undef $code;
        $res->code(undef);
    }
    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');
    my $left;

    if (defined $enc && $enc eq 'chunked') {
        my $body = $res->content // '';
        my ($decoded, $pos) = ('', 0);
        while (1) {
            pos($body) = $pos;
            if ($body =~ /\G0[ \t]*(?:;[^\r\n]*)?\r\n(?:[^\r\n]+\r\n)*\r\n/gc) {
                $left = substr $body, pos($body) if pos($body) < length $body;
                last;
            }
            if ($body =~ /\G[ \t]*([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r\n/gc) {
                my $size = hex $1;
                my $start = pos $body;
                if (length($body) - $start < $size) {
                    Test::More->builder->no_ending(1);
                    fail("$name - invalid chunked data received (not enough "
                         . "octets for the data section)");
                    return;
                }
                $decoded .= substr $body, $start, $size;
                if (substr($body, $start + $size, 2) ne "\r\n") {
                    Test::More->builder->no_ending(1);
                    fail("$name - invalid chunked data received (expected CRLF).");
                    return;
                }
                $pos = $start + $size + 2;
                next;
            }
            Test::More->builder->no_ending(1);
            if ($pos < length $body) {
                fail("$name - invalid chunked body received: "
                     . substr($body, $pos));
            } else {
                fail("$name - no last chunk found - $body");
            }
            return;
        }
        $res->content($decoded);

    } elsif (defined $len && $len =~ /^\d+$/) {
        my $body = $res->content // '';
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n" unless $head_req;
        } elsif (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);
        }
    }
    return ($res, $raw_headers, $left);
}

# ---------------------------------------------------------------------------
# One run of a test block (called repeat_each() times per block)
# ---------------------------------------------------------------------------

sub run_test_helper ($$$) {
    my ($block, $dry_run, $repeated_req_idx) = @_;
    my $name = $block->name;

    my $reqs = get_req_from_block($block);
    bail_out("$name - request empty") unless @$reqs;

    my $timeout = parse_time($block->timeout) // timeout();
    my $pipelined = $block->pipelined_requests;
    my $need_array = $pipelined ? 1 : @$reqs > 1;
    my $res;
    my $req_idx = 0;

    for my $i (0 .. $#$reqs) {
        my ($raw, $head_req) = send_request($reqs->[$i],
            $block->raw_request_middle_delay, $timeout, $block);
        $raw //= '';

        # several responses come back on one connection when pipelining
        my $n = $pipelined ? scalar @$pipelined : 1;
        while ($n-- > 0) {
            my ($raw_headers, $left);
            if (!defined $block->ignore_response) {
                if (defined $block->http09) {
                    ($res, $raw_headers) = (HTTP::Response->new(200, 'OK', [], $raw), '');
                } else {
                    ($res, $raw_headers, $left) = parse_response($name, $raw, $head_req);
                }
                check_error_code($block, $res, $req_idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $req_idx, $need_array);
                check_response_headers($block, $res, $raw_headers, $req_idx, $need_array);
                transform_response_body($block, $res, $req_idx);
                check_response_body($block, $res, $req_idx, $repeated_req_idx, $need_array);
            }

            if ($n > 0) {
                $raw = $left // '';
            } elsif (defined $left && $left ne '') {
                (my $l = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                warn "WARNING: $name - unexpected extra bytes after last chunk "
                     . "in response: \"$l\"\n";
            }

            # intermediate requests get their own slice of the error log
            if ($n > 0 || $i < $#$reqs) {
                sleep $block->wait if $block->wait;
                check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
                check_access_log($block, $repeated_req_idx)
                    unless defined $block->ignore_response;
            }
            $req_idx++;
        }
    }

    sleep $block->wait if $block->wait;
    check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
    check_access_log($block, $repeated_req_idx) unless defined $block->ignore_response;
}

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

# With several requests the expectation must be an array (one per request).
sub get_indexed_value ($$$$) {
    my ($name, $value, $req_idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$req_idx] if ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected results "
                 . "should be arrays as well.");
    }
    return ref $value eq 'ARRAY' ? $value->[0] : $value;
}

sub subst_server_port ($) {
    my $s = shift;
    return $s if !defined $s || ref $s;
    $s =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
    $s =~ s/\$ServerPort\b/$ServerPort/g;
    return $s;
}

sub check_error_code ($$$$) {
    my ($block, $res, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';
    if (defined $block->error_code_like) {
        my $pat = get_indexed_value($name, $block->error_code_like, $req_idx, $need_array);
        like($code, qr/$pat/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        is($code, get_indexed_value($name, $block->error_code, $req_idx, $need_array),
           "$name - status code ok");
    } else {
        is($code, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers ($$$$) {
    my ($block, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->raw_response_headers_like) {
        my $pat = get_indexed_value($name, $block->raw_response_headers_like,
                                    $req_idx, $need_array);
        like($raw_headers, qr/$pat/s, "$name - raw resp headers like");
    }
    if (defined $block->raw_response_headers_unlike) {
        my $pat = get_indexed_value($name, $block->raw_response_headers_unlike,
                                    $req_idx, $need_array);
        unlike($raw_headers, qr/$pat/s, "$name - raw resp headers unlike");
    }
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->response_headers) {
        my $headers = parse_headers(get_indexed_value(
            $name, $block->response_headers, $req_idx, $need_array));
        for my $key (sort keys %$headers) {
            my $val = $headers->{$key};
            if (!defined $val) {    # "!Name": must be absent
                unlike($raw_headers // '', qr/^\s*\Q$key\E\s*:/m,
                       "$name - header $key not present in the raw headers");
                next;
            }
            my $actual = ($res ? $res->header($key) : undef) // '';
            is($actual, subst_server_port($val), "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $headers = parse_headers(get_indexed_value(
            $name, $block->response_headers_like, $req_idx, $need_array));
        for my $key (sort keys %$headers) {
            my $val = $headers->{$key} // '';
            my $actual = ($res ? $res->header($key) : undef) // '';
            like($actual, qr/^$val$/, "$name - header $key like ok");
        }
    }
}

# --- response_body_filters: names (md5_hex sha1_hex uc lc ucfirst lcfirst
# length), code refs, a list of them, or one list per request.
sub run_filter ($$$) {
    my ($name, $filter, $content) = @_;
    return $filter->($content) if ref $filter eq 'CODE';
    bail_out("$name - the --- response_body_filters section only supports "
             . "subroutine references and names") if ref $filter;
    my %builtin = (
        md5_hex  => \&Digest::MD5::md5_hex,
        sha1_hex => \&Digest::SHA::sha1_hex,
        uc       => sub { uc $_[0] },
        lc       => sub { lc $_[0] },
        ucfirst  => sub { ucfirst $_[0] },
        lcfirst  => sub { lcfirst $_[0] },
        length   => sub { length $_[0] },
    );
    my $f = $builtin{$filter}
        or bail_out("$name - unknown filter, \"$filter\", specified in the "
                    . "--- response_body_filters section");
    return $f->($content);
}

sub transform_response_body ($$$) {
    my ($block, $res, $req_idx) = @_;
    my $filters = $block->response_body_filters;
    return unless defined $filters && $res && defined $res->content;
    my $name = $block->name;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//g;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }
    if (ref $filters->[0] eq 'ARRAY') {    # one filter list per request
        $filters = $filters->[$req_idx];
        bail_out("$name - the --- response_body_filters two-dimensional "
                 . "array has no entry for request $req_idx") unless $filters;
    }
    my $content = $res->content;
    $content = run_filter($name, $_, $content) for @$filters;
    $res->content($content);
}

sub check_response_body ($$$$$) {
    my ($block, $res, $req_idx, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;

    if (defined $block->response_body || defined $block->response_body_eval) {
        my $expected;
        if ($block->response_body_eval) {
            diag "$name - response_body_eval is DEPRECATED. Use response_body eval instead.";
            $expected = eval get_indexed_value($name, $block->response_body_eval,
                                               $req_idx, $need_array);
            warn $@ if $@;
        } else {
            $expected = get_indexed_value($name, $block->response_body,
                                          $req_idx, $need_array);
        }
        Encode::from_to($expected, 'UTF-8', $block->charset) if $block->charset;
        $expected = subst_server_port($expected);

        my $what = "(repeated req $repeated_req_idx, req $req_idx)";
        if (ref $expected) {
            like($content, $expected, "$name - response_body - like $what");
        } elsif ($NoLongString) {
            is($content, $expected, "$name - response_body - response is expected $what");
        } else {
            is_string($content, $expected,
                      "$name - response_body - response is expected $what");
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $pat = get_indexed_value($name,
            $type eq 'like' ? $block->response_body_like : $block->response_body_unlike,
            $req_idx, $need_array);
        $pat = subst_server_port($pat);
        my $summary = trim($content) // '';
        my $desc = "$name - response_body_$type - response is expected ($summary)";
        if ($type eq 'like') {
            like($content, qr/$pat/s, $desc);
        } else {
            unlike($content, qr/$pat/s, $desc);
        }
    }

    $_->($block, $content, $req_idx, $repeated_req_idx, 0) for @ResponseBodyChecks;
}

# Pattern lists: "one substring per line", a qr//, or an eval'd array of
# substrings and qr//s.
sub pattern_list ($) {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return [split /\n+/, $pats];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats];
}

sub line_matches ($$) {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ /$pat/ : index($line, $pat) >= 0;
}

sub fmt_str ($) {
    my $s = shift;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

# Shared by --- error_log/no_error_log and --- access_log/no_access_log:
# every expected pattern passes once it matches a line (else fails); every
# unwanted pattern fails for each matching line (else passes once).
sub check_log_patterns ($$$$$$) {
    my ($name, $file, $lines, $want, $unwanted, $repeated_req_idx) = @_;
    my $req = "(req $repeated_req_idx)";

    if (defined $want) {
        my $pats = pattern_list($want);
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat && line_matches($line, $pat);
                pass("$name - pattern \"$pat\" matches a line in $file $req");
                undef $pat;
            }
        }
        for my $pat (grep { defined } @$pats) {
            fail("$name - pattern \"$pat\" should match a line in $file $req");
        }
    }

    if (defined $unwanted) {
        my $pats = pattern_list($unwanted);
        my %found;
        for my $i (0 .. $#$lines) {
            for my $pat (grep { defined } @$pats) {
                next unless line_matches($lines->[$i], $pat);
                Test::More->builder->no_ending(1) if $found{$pat}++;
                my @more = @$lines[$i + 1 .. min($i + 9, $#$lines - 1)];
                fail(sprintf "%s - pattern \"%s\" should not match any line in "
                     . "%s but matches line \"%s\" %s\n%s", $name, fmt_str($pat),
                     $file, fmt_str($lines->[$i]), $req, join '', @more);
            }
        }
        for my $pat (grep { defined && !$found{$_} } @$pats) {
            pass(sprintf "%s - pattern \"%s\" does not match a line in %s %s",
                 $name, fmt_str($pat), $file, $req);
        }
    }
}

sub value_contains ($$);
sub value_contains ($$) {
    my ($val, $pat) = @_;
    return 0 unless defined $val;
    return index("$val", $pat) >= 0 if !ref $val || ref $val eq 'Regexp';
    return scalar grep { value_contains($_, $pat) } @$val if ref $val eq 'ARRAY';
    return 0;
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $lines;

    # --- grep_error_log / grep_error_log_out
    my $grep_pat = $block->grep_error_log;
    $grep_pat = $grep_pat->[$repeated_req_idx] if ref $grep_pat eq 'ARRAY';
    if (!defined $grep_pat && defined $block->grep_error_log_out) {
        bail_out("$name - No --- grep_error_log defined but "
                 . "--- grep_error_log_out is defined");
    }
    if (defined $grep_pat) {
        my $expected = $block->grep_error_log_out;
        bail_out("$name - No --- grep_error_log_out defined but "
                 . "--- grep_error_log is defined") unless defined $expected;
        $expected = $expected->[$repeated_req_idx] if ref $expected eq 'ARRAY';

        $lines //= error_log_data();
        my $matched = '';
        for my $line (@$lines) {
            my $m = ref $grep_pat ? ($line =~ /$grep_pat/ ? $& : undef)
                  : (index($line, $grep_pat) >= 0 ? $grep_pat : undef);
            $matched .= "$m\n" if defined $m && $m !~ /\n/;
        }
        my $desc = "$name - grep_error_log_out (req $repeated_req_idx)";
        if (ref $expected eq 'Regexp') {
            like($matched, $expected, $desc);
        } elsif ($NoLongString) {
            is($matched, $expected, $desc);
        } else {
            is_string($matched, $expected, $desc);
        }
    }

    if (defined $block->error_log || defined $block->no_error_log) {
        $lines //= error_log_data();
        check_log_patterns($name, 'error.log', $lines, $block->error_log,
                           $block->no_error_log, $repeated_req_idx);
    }

    # Like upstream: loudly report serious log entries that no section
    # mentions, and fail on assertion failures.
    $lines //= error_log_data();
    for my $level (qw(alert crit emerg)) {
        next if value_contains($block->error_log, "[$level")
             || value_contains($block->no_error_log, "[$level");
        for my $line (grep { /\[$level\]/ } @$lines) {
            warn "WARNING: $name - " . fmt_str($line) . "\n";
        }
    }
    for my $line (grep { /\bAssertion .*?failed\b/ } @$lines) {
        Test::More->builder->no_ending(1);
        chomp(my $l = $line);
        fail("$name - $l\n");
    }
}

sub check_access_log ($$) {
    my ($block, $repeated_req_idx) = @_;
    return unless defined $block->access_log || defined $block->no_access_log;
    check_log_patterns($block->name, 'access.log', access_log_data(),
                       $block->access_log, $block->no_access_log,
                       $repeated_req_idx);
}

1;

__END__

=head1 NAME

Test::Nginx::Socket - stand-in for the CPAN Test::Nginx::Socket (t/lib)

=head1 SYNOPSIS

    use Test::Nginx::Socket 'no_plan';      # or: plan tests => ...

    repeat_each(2);
    no_shuffle();
    run_tests();

    __DATA__

    === TEST 1: hello
    --- config
        location = /t { return 200 "hello\n"; }
    --- request
    GET /t
    --- response_body
    hello

Run through F<t/run>, which puts F<t/lib> on the Perl path only when the
CPAN module is not installed.  The self-tests live in F<t/lib-selftest>:

    TEST_NGINX_LOAD_MODULES=/usr/lib/nginx/modules/ngx_http_echo_module.so \
        t/run t/lib-selftest/*.t

=head1 DESCRIPTION

Our own implementation of the parts of Test::Nginx::Socket that this
project uses, written to behave like upstream: same nginx.conf layout,
same per-block life cycle (nginx restarted for every block that has a
C<--- config>, requests repeated C<repeat_each()> times against it), same
request building, same assertion names and counts.

=head2 Functions

C<run_tests>, C<repeat_each>, C<no_shuffle>, C<no_long_string>,
C<log_level>, C<master_on>, C<master_off>, C<master_process_enabled>,
C<workers>, C<worker_connections>, C<no_root_location>, C<env_to_nginx>,
C<add_block_preprocessor>, C<add_response_body_check>,
C<add_cleanup_handler>, C<server_port>, C<server_port_for_client>,
C<server_addr>, C<server_name>, C<server_root>, C<html_dir>, C<timeout>,
C<config_preamble>, C<check_accum_error_log>, C<no_nginx_manager>,
C<bail_out>, C<is_str>, plus everything Test::Base exports (C<plan>,
C<blocks>, C<is>, C<like>, ...).  C<use_hup> is accepted and ignored.
Upstream's package variables C<$Test::Nginx::Util::ServerPort>,
C<ServRoot>, C<ErrLogFile>, C<ServerPortForClient>, ... exist too.

=head2 Sections

C<config>, C<http_config>, C<main_config>, C<post_main_config>,
C<server_name>, C<log_level>, C<user_files>, C<init>, C<request> (string,
or eval'd array of requests, each a string or an array of packets with
optional C<delay_before>), C<request_eval>, C<raw_request> (string or array
of packets), C<raw_request_middle_delay>, C<pipelined_requests>,
C<more_headers> (string or per-request array), C<timeout>, C<abort>,
C<shutdown>, C<ignore_response>, C<http09>, C<error_code>,
C<error_code_like>, C<response_headers> (C<!Name> = absent),
C<response_headers_like>, C<raw_response_headers_like>,
C<raw_response_headers_unlike>, C<response_body>, C<response_body_eval>,
C<response_body_like>, C<response_body_unlike>, C<response_body_filters>
(C<md5_hex sha1_hex uc lc ucfirst lcfirst length>, code refs, lists, one
list per request), C<charset>, C<error_log>, C<no_error_log>,
C<grep_error_log>, C<grep_error_log_out>, C<access_log>, C<no_access_log>,
C<wait>, C<must_die>, C<skip_eval>, C<skip_nginx>, C<todo>,
C<server_addr_for_client>, C<error_log_file>, and Test::Base's C<ONLY>,
C<SKIP>, C<LAST>.  Expectations take eval'd arrays (one element per
request) like upstream.  Unsupported upstream sections (http2/http3, curl,
stap, tcp_*/udp_* servers, shutdown_error_log, skip_openssl, ...) make the
run bail out instead of being ignored; unknown (custom) sections are left
to block preprocessors.

=head2 Environment

C<TEST_NGINX_BINARY>, C<TEST_NGINX_LOAD_MODULES> (space-separated .so
paths), C<TEST_NGINX_PORT>/C<TEST_NGINX_SERVER_PORT> (default 1984),
C<TEST_NGINX_CLIENT_PORT>, C<TEST_NGINX_RANDOMIZE> (free random port and
its own F<t/servroot_PORT>, removed at the end), C<TEST_NGINX_SERVROOT>,
C<TEST_NGINX_TIMEOUT>, C<TEST_NGINX_LOG_LEVEL>,
C<TEST_NGINX_MASTER_PROCESS>, C<TEST_NGINX_NO_SHUFFLE>,
C<TEST_NGINX_SLEEP>, C<TEST_NGINX_WORKER_USER>, C<TEST_NGINX_VERBOSE>,
C<TEST_NGINX_CHECK_ACCUM_ERR_LOG>, C<TEST_NGINX_USE_VALGRIND>.  Any
C<$TEST_NGINX_*> in the config sections and user files is replaced from
C<%ENV> (the run bails out on an unset one); C<TEST_NGINX_SERVER_ROOT> is
set when the module loads and C<TEST_NGINX_SERVER_PORT> by C<run_tests>,
as upstream; C<TEST_NGINX_HTML_DIR> is B<not> set, as upstream: set it in
the test file (C<$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();>).

=head2 Valgrind mode

With C<TEST_NGINX_USE_VALGRIND=1> nginx runs in the foreground (C<daemon
off>, master process as configured) under C<valgrind -q
--tool=memcheck --leak-check=full --show-possibly-lost=no
--gen-suppressions=all>, with F<t/valgrind.suppress> (or
F<./valgrind.suppress>) and built-in suppressions for the few blocks that
nginx core itself never frees.  nginx is stopped gracefully after every
block; any valgrind output (errors or definite leaks, per process) fails
the block with C<... - valgrind reported errors> and is shown.  A
non-numeric value is used as the valgrind options instead.

=head1 DIFFERENCES FROM UPSTREAM

=over

=item *

nginx listens on C<127.0.0.1:PORT> instead of C<PORT> (all addresses).
Only matters for tests that add more C<server>s on the same port.

=item *

The C<load_module> lines come first in F<nginx.conf> (upstream appends them
to C<--- main_config>).

=item *

Valgrind: upstream only prints valgrind's reports; here they fail the
block (and there are built-in suppressions for nginx core).  Under
valgrind a block without C<--- config> restarts nginx with the previous
block's config.

=item *

When nginx cannot start, only "Address already in use" is retried (for up
to 10 s); any other failure bails out at once (upstream retries for 30 s).

=item *

C<response_headers> are checked in sorted order (upstream: hash order).
When a request is split into packets, boundaries inside the request line
or body are mapped onto the rebuilt request (upstream splices them in
place; same bytes, boundaries may differ slightly).

=item *

Not implemented: HUP reload mode, check-leak/benchmark modes,
C<TEST_NGINX_NO_CLEAN> (nginx is always stopped at the end),
C<TEST_NGINX_ERROR_LOG>, C<TEST_NGINX_IGNORE_MISSING_DIRECTIVES>,
C<TEST_NGINX_EVENT_TYPE>, C<TEST_NGINX_POSTPONE_OUTPUT>,
C<TEST_NGINX_REUSE_PORT>, HTTP/2 and HTTP/3, and the sections listed
above.

=back

Same as upstream and worth knowing: eval'd sections are evaluated when the
blocks are parsed (at C<plan ... blocks()> or C<run_tests>), not when the
block runs; with an nginx built with C<--error-log-path=stderr> (Debian's)
configuration errors go to stderr only, so C<--- error_log> cannot see them
in a C<--- must_die> block; C<--- error_log>/C<--- no_error_log> see only
the log lines written since the previous check (per request of a block).

=head2 Test counts

For the supported sections each block emits exactly upstream's
assertions: per request, 1 for the status code, 1 per C<response_headers>
line, 1 for the body check, 1 per C<raw_response_headers_*>; then 1 for
C<grep_error_log_out>, 1 per C<error_log>/C<access_log> pattern and 1 per
C<no_error_log>/C<no_access_log> pattern (or one failure per matching
line), all times C<repeat_each()>; C<must_die> gives 1 plus the log checks.
So C<plan tests =E<gt> repeat_each() * N * blocks()> works.  Extra
assertions appear only on failure, as upstream (client timeout, connection
refused, bad chunked data, and here also valgrind reports).

=cut
