# vi:filetype=perl
#
# The analysis engine end to end, the LLM side: how it talks to Ollama
# (/api/generate and /api/chat, streamed NDJSON), and what it stores when
# Ollama answers slowly, fails, breaks off, cannot be reached, or when
# several analyses want the one LLM slot.
#
# The fakes are server {} blocks of the nginx under test, which runs one
# process (no master, one worker loop).  If the engine ever blocked that
# loop (a synchronous connect, a blocking read, a sleep between retries),
# the fakes could not answer and the block would hang until the client's
# timeout: every block that passes also shows that the engine never
# blocks.
#
# The fakes, the block preprocessor and the helpers the blocks call are in
# t/engine-fakes.pl, shared with t/011-engine.t.  A block's fake Ollama is
# its --- fake_ollama: the locations of a server {} on
# $TEST_NGINX_OLLAMA_PORT that has t/fixtures/ollama under /ollama/ (and
# t/fixtures/engine under /engine/): real Ollama bodies (see its
# SOURCES.md), streamed slowly with the echo module (echo, echo_flush,
# echo_sleep) where time matters ($SlowOllama: a pause mid-stream).  A
# block without one gets $FakeOllama, which streams
# generate-stream.ndjson.  Request bodies a fake Ollama got are in
# logs/ollama.log (GET /captured) where it logs them.  The evidence comes
# from the fake cluster of t/011-engine.t ($FakeCluster): mostly the
# crash-looping, OOMKilled pod shop/cart-7c9d8f6b5-q2x4m of
# t/fixtures/kubernetes, $CartCrashLooping the labels of its alert.
#
# A block without --- config posts to the plain
# "location = /webhook { k8flex_webhook; k8flex_ollama <the fake>; }",
# one without --- no_error_log expects no [alert], [crit] or [error].
#
# GET /latest is the newest record of the store: an SSI template
# (t/fixtures/engine/latest.shtml) lists one analysis and includes
# GET /analyses/<its id>.  The response body filter turns a record into a
# summary, a line per fact, that the expectations match:
#
#   state: failed
#   llm: failed
#   ...
#   attempts: 1
#   error: model "x" not found at ...
#   analysis:
#     | ...
#   ollama_stats: done_reason stop, eval_count 37, ...
#
# Test::Nginx checks --- error_log after every request of a block, here
# against the whole log (check_accum_error_log, as t/engine-fakes.pl sets
# it): the --- wait after the POST is the time the engine gets to finish
# ($Wait seconds, more under valgrind, plus the engine's 1 s backoff where
# it retries).

use Test::Nginx::Socket 'no_plan';
use Cwd qw(abs_path);
use File::Basename qw(dirname);

require(dirname(abs_path(__FILE__)) . '/engine-fakes.pl');

# the pauses of the slow streams below
$ENV{TEST_NGINX_STREAM_GAP} = $main::Wait * 0.1;
$ENV{TEST_NGINX_NAP} = $main::Wait;

# the answer of chat-stream.ndjson, and the figures of generate-stream's
# last line as the record shows them

our $ChatText = join '', map { $_->{message}{content} }
                             ollama_lines('chat-stream.ndjson');

our $StreamStats = do {
    my ($last) = grep { $_->{done} } ollama_lines('generate-stream.ndjson');
    my %stats = (done_reason => $last->{done_reason},
                 map { $_ => $last->{$_} } qw(prompt_eval_count eval_count));
    $stats{"${_}_ns"} = $last->{$_}
        for qw(total_duration load_duration prompt_eval_duration eval_duration);
    'ollama_stats: ' . join(', ', map { "$_ $stats{$_}" } sort keys %stats);
};

run_tests();

__DATA__

=== TEST 1: a normal stream: the analysis is the stream's "response" fields end to end, Ollama's figures are kept, num_ctx is one of the fixed sizes
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model llama3.1:8b;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'model: llama3.1:8b', 'api: generate',
             'attempts: 1', 'error: null',
             qr/^num_ctx: (?:4096|8192|16384|32768)$/m,
             main::analysis_is($main::StreamText),
             $main::StreamStats),
 # one request, streamed, with a context size
 qr/\A\{(?=[^\n]*"model":"llama3\.1:8b")(?=[^\n]*"stream":true)(?=[^\n]*"num_ctx":(?:4096|8192|16384|32768)\b)[^\n]*\n\z/]
--- error_log eval
[qr/\[notice\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 $main::StreamText]
--- no_error_log
[alert]
[crit]
[error]
[warn]



=== TEST 2: a slow stream, a line per chunk and one line cut in two: the analysis is whole
--- fake_ollama
        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.101Z","response":"The cart","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.202Z","response":" container","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo -n '{"model":"llama2","created_at":"2026-01-14T09:42:10.303Z","resp';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo 'onse":" was OOMKilled","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.404Z","response":": exit code 137.","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_STREAM_GAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.505Z","response":"","done":true,"done_reason":"stop","total_duration":404000000,"load_duration":1000000,"prompt_eval_count":3012,"prompt_eval_duration":100000000,"eval_count":4,"eval_duration":300000000}';
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'attempts: 1', 'error: null',
             main::analysis_is('The cart container was OOMKilled: exit code 137.'),
             qr/^ollama_stats: .*eval_count 4, /m)]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 'The cart container was OOMKilled: exit code 137.']
--- no_error_log
[alert]
[crit]
[error]
[warn]



=== TEST 3: the model is not there (404): the analysis fails at once with Ollama's message, no retry
--- fake_ollama
        access_log logs/ollama.log capture;

        location = /api/generate {
            default_type application/json;
            echo_read_request_body;
            echo_status 404;
            echo_location /ollama/error-model-not-found.json;
        }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model nonexistent-model-12345;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: failed', 'llm: failed', 'attempts: 1',
             qr/^error: [^\n]*nonexistent-model-12345[^\n]*not found/m,
             qr/^analysis:(?: null)?\n(?!  \|)/m, 'ollama_stats: null'),
 # asked once
 qr/\A[^\n]*\n\z/]
--- error_log eval
qr/\[error\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: failed \(category pod-crash, llm failed, \d+ ms\): .*nonexistent-model-12345.*not found/
--- no_error_log
[alert]
[crit]
[warn]
retrying



=== TEST 4: a 500 on the first attempt, the stream on the second: done after a retry that the log tells
--- http_config
    # X-K8flex-Attempt: 1 is refused as a model that failed to load
    map $http_x_k8flex_attempt $ollama_fails {
        1        1;
        default  0;
    }
--- fake_ollama
        location = /api/generate {
            if ($ollama_fails) {
                return 500 '{"error":"llama runner process has terminated: signal: killed"}';
            }
            echo_read_request_body;
            echo_location /ollama/generate-stream.ndjson;
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'attempts: 2', 'error: null',
             main::analysis_is($main::StreamText))]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: .*500.*llama runner process has terminated.*; retrying in \d+ ms \(attempt 2 of 3\)/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/]



=== TEST 5: Ollama cannot be reached: after the retries the analysis is written from the evidence alone, marked unavailable
--- http_config
    k8flex_llm_retries 1;
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_CLOSED_PORT;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: unavailable', 'attempts: 2', 'error: null',
             qr/^llm_error: .*(?:refused|connect)/im,
             qr/^analysis:\n  \| [^\n]*LLM could not be reached/m,
             main::analysis_says(qr/OOMKilled/),
             'ollama_stats: null',
             'section "pod shop/cart-7c9d8f6b5-q2x4m" 200')]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: .*(?:refused|connect).*; retrying in \d+ ms \(attempt 2 of 2\)/i,
 qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: the LLM .* could not be reached after 2 attempt/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm unavailable, \d+ ms\)/,
 'EVIDENCE-ONLY SUMMARY']



=== TEST 6: an error line in the middle of the stream: the analysis fails with Ollama's message, no retry
--- fake_ollama
        access_log logs/ollama.log capture;

        location = /api/generate {
            echo_read_request_body;
            echo_location /ollama/error-midstream.ndjson;
        }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model gemma3;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: failed', 'llm: failed', 'attempts: 1',
             qr/^error: [^\n]*an error was encountered while running the model/m,
             'ollama_stats: null'),
 # asked once
 qr/\A[^\n]*\n\z/]
--- error_log eval
qr/\[error\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: failed \(category pod-crash, llm failed, \d+ ms\): .*an error was encountered while running the model/
--- no_error_log
[alert]
[crit]
[warn]
retrying



=== TEST 7: a malformed line in the stream: the analysis fails and says so
--- fake_ollama
        location = /api/generate {
            echo_read_request_body;
            echo_location /engine/generate-malformed.ndjson;
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: failed', 'llm: failed', 'attempts: 1',
             qr/^error: [^\n]*malformed/im,
             'ollama_stats: null')]
--- error_log eval
qr/\[error\] .*k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: failed \(category pod-crash, llm failed, \d+ ms\): .*malformed/i
--- no_error_log
[alert]
[crit]
[warn]



=== TEST 8: k8flex_llm_concurrency 1: of two alerts, one streams while the other waits for the slot; both are done in the end
--- http_config
    k8flex_llm_concurrency 1;
--- fake_ollama eval
$main::SlowOllama
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
    }
    location = /health {
        k8flex_health;
    }
    location = /nap {
        echo_sleep $TEST_NGINX_NAP;
        echo awake;
    }
--- request eval
my $one = $main::Json->decode(main::alert($main::CartCrashLooping));
my $two = $main::Json->decode(main::alert({ alertname => 'KubePodNotReady', namespace => 'shop', pod => 'recommendations-5b8d9c7f4-v6kzt', severity => 'warning' }, fingerprint => '7d2e1f3a0b4c5e69'));
push @{ $one->{alerts} }, @{ $two->{alerts} };
["POST /webhook\n" . $main::Json->encode($one),
 # the first stream: one analysis holds the slot, the other waits
 "GET /health",
 # the second stream: the first analysis is done, the other holds the slot
 "GET /health",
 "GET /nap",
 "GET /analyses?state=done"]
--- error_code eval
[202, 200, 200, 200, 200]
--- response_body_like eval
[qr/"alerts":\[\{[^\]]*"queued":true[^\]]*\},\{[^\]]*"queued":true/,
 qr/"queue":\{"queued":0,"gathering":1,"analyzing":1,"done":0,"failed":0,"llm_slots":\{"busy":1,"limit":1\}\}/,
 qr/"queue":\{"queued":0,"gathering":0,"analyzing":1,"done":1,"failed":0,"llm_slots":\{"busy":1,"limit":1\}\}/,
 qr/awake/,
 qr/\A\{"analyses":\[\{[^\]]*"state":"done"[^\]]*\},\{[^\]]*"state":"done"[^\]]*\}\],"count":2,/]



=== TEST 9: k8flex_ollama_api chat: /api/chat with messages, the analysis is the stream's message.content end to end
--- fake_ollama
        location = /api/chat {
            echo_read_request_body;
            echo_location /ollama/chat-stream.ndjson;
            access_log logs/ollama.log capture;
        }
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model deepseek-coder:1.3b-instruct-q4_0;
        k8flex_ollama_api chat;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest",
 "GET /captured"]
--- error_code eval
[202, 200, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'api: chat', 'attempts: 1',
             main::analysis_is($main::ChatText),
             qr/^ollama_stats: .*eval_count 127, /m),
 # one request: the model, and the prompt as a user message
 qr/\A\{(?=[^\n]*"model":"deepseek-coder:1\.3b-instruct-q4_0")(?=[^\n]*"messages":\[\{[^\n]*"role":"user"[^\n]*KubePodCrashLooping)(?=[^\n]*"stream":true)[^\n]*\n\z/]
--- error_log eval
qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/



=== TEST 10: k8flex_model per location: /webhook/critical asks the big model, /webhook the small one
--- config
    location = /webhook/critical {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model big-model:70b;
    }
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_model small-model:8b;
    }
--- request eval
["POST /webhook/critical\n" . main::alert({ %$main::CartCrashLooping, severity => 'critical' }),
 "POST /webhook\n" . main::alert({ alertname => 'KubePodNotReady', namespace => 'shop', pod => 'recommendations-5b8d9c7f4-v6kzt', severity => 'warning' }, fingerprint => '7d2e1f3a0b4c5e69'),
 "GET /captured"]
--- error_code eval
[202, 202, 200]
--- response_body_like eval
[qr/"queued":true/,
 qr/"queued":true/,
 # in the order asked: each alert went to its location's model
 qr/\A\{(?=[^\n]*"model":"big-model:70b")(?=[^\n]*KubePodCrashLooping)(?![^\n]*KubePodNotReady)[^\n]*\n\{(?=[^\n]*"model":"small-model:8b")(?=[^\n]*KubePodNotReady)(?![^\n]*KubePodCrashLooping)[^\n]*\n\z/]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 qr/k8flex: Alertmanager webhook to "\/webhook\/critical": 1 alert, 1 queued/]



=== TEST 11: the stream stalls longer than k8flex_llm_stall_timeout: the transfer is given up, the analysis is written from the evidence alone
--- http_config
    k8flex_llm_stall_timeout 1s;
    k8flex_llm_retries 0;
--- fake_ollama
        # the first words, then nothing for much longer than a second
        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.1Z","response":"The cart container","done":false}';
            echo_flush;
            echo_sleep $TEST_NGINX_NAP;
            echo_sleep $TEST_NGINX_NAP;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:30.1Z","response":"","done":true,"done_reason":"stop","eval_count":3}';
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: unavailable', 'attempts: 1', 'error: null',
             qr/^llm_error: [^\n]*stalled: nothing for 1000 ms/m,
             qr/^analysis:\n  \| [^\n]*LLM could not be reached/m,
             'ollama_stats: null')]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: the LLM .* could not be reached after 1 attempt\(s\): .*stalled/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm unavailable, \d+ ms\)/]



=== TEST 12: no byte within k8flex_llm_first_byte_timeout (a model that never finishes loading): given up, the analysis is written from the evidence alone
--- http_config
    k8flex_llm_first_byte_timeout 1s;
    k8flex_llm_retries 0;
--- fake_ollama
        # silent for much longer than a second, then the stream
        location = /api/generate {
            echo_read_request_body;
            echo_sleep $TEST_NGINX_NAP;
            echo_sleep $TEST_NGINX_NAP;
            echo_location /ollama/generate-stream.ndjson;
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- wait eval
$main::Wait + 1.5
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: unavailable', 'attempts: 1', 'error: null',
             qr/^llm_error: [^\n]*no answer within 1000 ms/m,
             qr/^analysis:\n  \| [^\n]*LLM could not be reached/m,
             'ollama_stats: null')]
--- error_log eval
[qr/\[warn\] .*k8flex: analysis [0-9a-z-]+: the LLM .* could not be reached after 1 attempt\(s\): .*no answer within 1000 ms/,
 qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm unavailable, \d+ ms\)/]



=== TEST 13: the LLM quotes secrets, one cut across two lines of the stream: the record and the log show them redacted
--- fake_ollama
        location = /api/generate {
            echo_read_request_body;
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.1Z","response":"The cart pod logs its database password=Cart-DB","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.2Z","response":"-pass-7731 and the key AKIAZ7K8FLEXTEST0042;","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.3Z","response":" rotate both.","done":false}';
            echo '{"model":"llama2","created_at":"2026-01-14T09:42:10.4Z","response":"","done":true,"done_reason":"stop","total_duration":300000000,"load_duration":1000000,"prompt_eval_count":3000,"prompt_eval_duration":100000000,"eval_count":3,"eval_duration":200000000}';
        }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /latest"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 main::facts('state: done', 'llm: ok', 'error: null',
             '!Cart-DB-pass-7731', '!-pass-7731', '!AKIAZ7K8FLEXTEST0042',
             main::analysis_says(qr/password=\[REDACTED/),
             main::analysis_says(qr/\[REDACTED:aws-access-key-id\]; rotate both\./))]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/,
 qr/^The cart pod logs its database password=\[REDACTED/]
--- no_error_log
[alert]
[crit]
[error]
Cart-DB-pass-7731
AKIAZ7K8FLEXTEST0042



=== TEST 14: k8flex_num_ctx pins the context size: the request asks for it whatever the prompt's size
--- config
    location = /webhook {
        k8flex_webhook;
        k8flex_ollama http://127.0.0.1:$TEST_NGINX_OLLAMA_PORT;
        k8flex_num_ctx 6144;
    }
--- request eval
["POST /webhook\n" . main::alert($main::CartCrashLooping),
 "GET /captured"]
--- error_code eval
[202, 200]
--- response_body_like eval
[qr/"queued":true/,
 qr/\A\{[^\n]*"options":\{"num_ctx":6144\}[^\n]*\n\z/]
--- error_log eval
[qr/k8flex: analysis [0-9a-z-]+ of Alertmanager alert "KubePodCrashLooping" on shop\/cart-7c9d8f6b5-q2x4m: done \(category pod-crash, llm ok, \d+ ms\)/]
