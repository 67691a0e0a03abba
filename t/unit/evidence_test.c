
/*
 * Unit tests of the Ollama protocol (src/k8f_ollama.c) and of the
 * evidence pack (src/k8f_evidence.c), without nginx, printing TAP.
 * Run from the repository root (fixtures are read from t/fixtures/):
 *
 * gcc -std=gnu99 -Wall -Wextra -Wshadow -Werror -g -Isrc -Iadapters src/k8f_ollama.c src/k8f_evidence.c src/k8f_kobj.c src/k8f_text.c adapters/k8f_util.c t/unit/tap.c t/unit/evidence_test.c -ljansson -o build/evidence_test && build/evidence_test
 *
 * The expected texts are the sections exactly as the prompt gets them.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8f_ollama.h"
#include "k8f_evidence.h"

#include "tap.h"


#define K8F_T_OLLAMA  "t/fixtures/ollama/"
#define K8F_T_KUBE    "t/fixtures/kubernetes/"

/* a string literal and its length */
#define K8F_T_LIT(s)  s, sizeof(s) - 1


typedef int (*k8f_t_section_pt)(json_t *obj, k8f_buf_t *out,
    size_t budget);


typedef struct {
    const char            *name;
    k8f_t_section_pt       section;
} k8f_t_section_t;


typedef struct {
    size_t                 calls;
    int                    failed;
    char                   why[512];
} k8f_t_sweep_t;


static const char *k8f_t_clean(const char *p, size_t len, size_t budget);
static char *k8f_t_dechunk(const char *http, size_t len, size_t *body_len,
    k8f_ollama_stream_t *s);
static int k8f_t_stream(const char *data, size_t len, size_t text_max,
    size_t line_max, k8f_ollama_stream_t *s);
static void k8f_t_request(void);
static void k8f_t_num_ctx(void);
static void k8f_t_streams(void);
static void k8f_t_slicing(const char *file, const char *want_text);
static void k8f_t_stream_errors(void);
static void k8f_t_stream_bounds(void);
static void k8f_t_errors(void);
static void k8f_t_error(int status, const char *body, size_t len,
    int want, const char *want_msg, const char *desc);
static void k8f_t_pods(void);
static void k8f_t_events(void);
static void k8f_t_logs(void);
static void k8f_t_network(void);
static void k8f_t_workloads(void);
static void k8f_t_statuses(void);
static void k8f_t_next(void);
static void k8f_t_section(k8f_t_section_pt section, const char *file,
    size_t budget, int want_rc, const char *want, const char *desc);
static int k8f_t_service(json_t *obj, k8f_buf_t *out, size_t budget);
static int k8f_t_status(json_t *obj, k8f_buf_t *out, size_t budget);
static void k8f_t_sweep(void);
static void k8f_t_sweep_walk(k8f_t_sweep_t *sw, json_t *root,
    json_t *node);
static void k8f_t_sweep_run(k8f_t_sweep_t *sw, json_t *root);


static const k8f_t_section_t  k8f_t_sections[] = {
    { "pod", k8f_evidence_pod },
    { "events", k8f_evidence_events },
    { "service", k8f_t_service },
    { "endpointslices", k8f_evidence_endpointslices },
    { "netpols", k8f_evidence_netpols },
    { "node", k8f_evidence_node },
    { "workload", k8f_evidence_workload },
    { "hpa", k8f_evidence_hpa },
    { "status", k8f_t_status },
    { NULL, NULL }
};


static const char  *k8f_t_kube_json[] = {
    "deployment-unavailable.json", "endpoints-empty.json", "endpoints.json",
    "endpointslice-list.json", "events-k8s-io-v1.json",
    "events-pod-imagepullbackoff.json", "events-pod-pending.json",
    "events-pod.json", "hpa-v2-maxed.json", "networkpolicy-list.json",
    "node-memorypressure.json", "pod-crashloop-error.json",
    "pod-crashloop-oomkilled.json", "pod-imagepullbackoff.json",
    "pod-pending-unschedulable.json", "replicaset.json", "service.json",
    "status-400-container-name-required.json",
    "status-400-previous-container.json", "status-403-forbidden.json",
    "status-404-notfound.json", NULL
};


static const char  k8f_t_generate_text[] =
    "A rabbit is a small mammal known for its long ears and fluffy fur. "
    "Rabbits often hop around and can be found in various colors including "
    "white, brown, and gray.";

static const char  k8f_t_chat_text[] = "Hi! How can I different.\n";


int
main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    k8f_t_request();
    k8f_t_num_ctx();
    k8f_t_streams();
    k8f_t_slicing(K8F_T_OLLAMA "generate-stream.ndjson",
                  k8f_t_generate_text);
    k8f_t_slicing(K8F_T_OLLAMA "chat-stream.ndjson", k8f_t_chat_text);
    k8f_t_stream_errors();
    k8f_t_stream_bounds();
    k8f_t_errors();

    k8f_t_pods();
    k8f_t_events();
    k8f_t_logs();
    k8f_t_network();
    k8f_t_workloads();
    k8f_t_statuses();
    k8f_t_next();
    k8f_t_sweep();

    return k8f_tap_done();
}


/*
 * NULL when a section is fit for the prompt: within budget, lines that
 * end in '\n', valid UTF-8 and no control characters but '\n' and '\t';
 * else what is wrong.
 */

static const char *
k8f_t_clean(const char *p, size_t len, size_t budget)
{
    size_t                i, k;
    json_t               *v;
    const unsigned char  *s;

    s = (const unsigned char *) p;

    if (budget && len > budget) {
        return "over budget";
    }

    if (len > 0 && s[len - 1] != '\n') {
        return "no final newline";
    }

    for (i = 0; i < len; i += k) {
        k = 1;

        if (s[i] < 0x20 && s[i] != '\n' && s[i] != '\t') {
            return "a control character";
        }

        if (s[i] == 0x7f) {
            return "DEL";
        }

        if (s[i] < 0x80) {
            continue;
        }

        if (s[i] >= 0xc2 && s[i] <= 0xdf) {
            k = 2;

        } else if (s[i] >= 0xe0 && s[i] <= 0xef) {
            k = 3;

        } else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
            k = 4;

        } else {
            return "bad UTF-8 lead byte";
        }

        if (i + k > len) {
            return "cut UTF-8 character";
        }

        v = json_stringn((const char *) s + i, k);

        if (v == NULL) {
            return "bad UTF-8 sequence";
        }

        json_decref(v);
    }

    return NULL;
}


/*
 * The body of a chunked HTTP/1.1 response; each chunk is also fed to s
 * as it would come from the transport.
 */

static char *
k8f_t_dechunk(const char *http, size_t len, size_t *body_len,
    k8f_ollama_stream_t *s)
{
    char        *body, *end;
    size_t       n, size;
    const char  *p, *last;

    p = strstr(http, "\r\n\r\n");
    if (p == NULL) {
        return NULL;
    }

    p += 4;
    last = http + len;

    body = malloc(len);
    if (body == NULL) {
        return NULL;
    }

    n = 0;

    while (p < last) {
        size = strtoul(p, &end, 16);

        if (end == p || strncmp(end, "\r\n", 2) != 0) {
            break;
        }

        p = end + 2;

        if (size == 0) {
            *body_len = n;
            return body;
        }

        if ((size_t) (last - p) < size + 2 || strncmp(p + size, "\r\n", 2))
        {
            break;
        }

        memcpy(body + n, p, size);
        n += size;

        k8f_ollama_stream_feed(s, p, size);

        p += size + 2;
    }

    free(body);

    return NULL;
}


/* the whole body in one feed, then the end of the body */

static int
k8f_t_stream(const char *data, size_t len, size_t text_max,
    size_t line_max, k8f_ollama_stream_t *s)
{
    k8f_ollama_stream_init(s, text_max, line_max);
    k8f_ollama_stream_feed(s, data, len);

    return k8f_ollama_stream_finish(s);
}


static void
k8f_t_request(void)
{
    char     *got, *want;
    json_t   *body, *fixture;

    /* request-generate.json, without what k8flex does not send */

    fixture = k8f_tap_json(K8F_T_OLLAMA "request-generate.json");
    json_object_del(fixture, "format");
    json_object_del(json_object_get(fixture, "options"), "temperature");

    body = k8f_ollama_request("llama3.2",
                              "Why is the sky blue? Respond using JSON",
                              8192, "10m");

    want = json_dumps(fixture, JSON_COMPACT);
    got = json_dumps(body, JSON_COMPACT);

    k8f_tap_is(got, want, "request: the body and key order of "
               "request-generate.json (no format, no temperature)");

    free(got);
    free(want);
    json_decref(body);
    json_decref(fixture);

    /* request-chat.json: a system message, keep_alive in seconds */

    fixture = k8f_tap_json(K8F_T_OLLAMA "request-chat.json");
    json_object_del(fixture, "format");
    json_object_del(json_object_get(fixture, "options"), "temperature");

    body = k8f_ollama_chat_request("llama3.2",
                                   "You are a helpful assistant.",
                                   "Ollama is 22 years old and busy saving "
                                   "the world. Return a JSON object with "
                                   "the age and availability.",
                                   8192, "600");

    want = json_dumps(fixture, JSON_COMPACT);
    got = json_dumps(body, JSON_COMPACT);

    k8f_tap_is(got, want, "request: chat body and key order of "
               "request-chat.json, keep_alive \"600\" sent as 600");

    free(got);
    free(want);
    json_decref(body);
    json_decref(fixture);

    /* request-chat-captured.json: what continue.dev sent */

    fixture = k8f_tap_json(K8F_T_OLLAMA "request-chat-captured.json");

    body = k8f_ollama_chat_request("deepseek-coder:1.3b-instruct-q4_0", NULL,
                                   "Hello", 4096, "1800");

    k8f_tap_ok(json_equal(json_object_get(body, "messages"),
                          json_object_get(fixture, "messages"))
               && json_equal(json_object_get(body, "keep_alive"),
                             json_object_get(fixture, "keep_alive"))
               && json_equal(json_object_get(body, "model"),
                             json_object_get(fixture, "model"))
               && json_equal(json_object_get(json_object_get(body, "options"),
                                             "num_ctx"),
                             json_object_get(json_object_get(fixture,
                                                             "options"),
                                             "num_ctx")),
               "request: chat without system matches request-chat-captured"
               ".json (messages, model, keep_alive 1800, num_ctx 4096)");

    json_decref(body);
    json_decref(fixture);

    body = k8f_ollama_request("m", "p", 0, NULL);
    got = json_dumps(body, JSON_COMPACT);
    k8f_tap_is(got, "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":true}",
               "request: num_ctx 0 and keep_alive NULL leave the server's "
               "defaults");
    free(got);
    json_decref(body);

    body = k8f_ollama_request("m", "p", 4096, "-1");
    k8f_tap_ok(json_integer_value(json_object_get(body, "keep_alive")) == -1
               && json_is_integer(json_object_get(body, "keep_alive")),
               "request: keep_alive \"-1\" is the number -1 (keep loaded)");
    json_decref(body);

    body = k8f_ollama_request("m", "p", 4096, "24h");
    k8f_tap_is(json_string_value(json_object_get(body, "keep_alive")), "24h",
               "request: keep_alive \"24h\" stays a duration string");
    json_decref(body);

    body = k8f_ollama_request("m", "p", 4096, "-");
    k8f_tap_is(json_string_value(json_object_get(body, "keep_alive")), "-",
               "request: keep_alive \"-\" is not a number");
    json_decref(body);

    body = k8f_ollama_request("m", "log: \xff\xfe ok \xc3\xa9", 4096, NULL);
    k8f_tap_is(json_string_value(json_object_get(body, "prompt")),
               "log: \xef\xbf\xbd\xef\xbf\xbd ok \xc3\xa9",
               "request: bad UTF-8 in the prompt becomes U+FFFD, good stays");
    json_decref(body);

    k8f_tap_ok(k8f_ollama_request(NULL, "p", 0, NULL) == NULL
               && k8f_ollama_request("m", NULL, 0, NULL) == NULL
               && k8f_ollama_chat_request("m", "s", NULL, 0, NULL) == NULL,
               "request: NULL model or prompt gives NULL");
}


static void
k8f_t_num_ctx(void)
{
    unsigned  i;

    static const struct {
        size_t   bytes;
        int      pinned;
        int      want;
    } cases[] = {
        { 0, 0, 4096 },
        { 6144, 0, 4096 },              /* 2048 tokens + 2048 answer */
        { 6145, 0, 8192 },
        { 18432, 0, 8192 },
        { 18433, 0, 16384 },
        { 43008, 0, 16384 },
        { 43009, 0, 32768 },
        { 92160, 0, 32768 },
        { 10 * 1024 * 1024, 0, 32768 },  /* capped */
        { 100, 12288, 12288 },          /* the operator's choice wins */
        { 10 * 1024 * 1024, 2048, 2048 },
        { 100, -1, 4096 }
    };

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        k8f_tap_ok(k8f_ollama_num_ctx(cases[i].bytes, cases[i].pinned)
                   == cases[i].want,
                   "num_ctx: %zu bytes, pinned %d -> %d", cases[i].bytes,
                   cases[i].pinned, cases[i].want);
    }

    k8f_tap_ok(k8f_ollama_prompt_max(4096) == 6144
               && k8f_ollama_prompt_max(8192) == 18432
               && k8f_ollama_prompt_max(16384) == 43008
               && k8f_ollama_prompt_max(32768) == 92160
               && k8f_ollama_num_ctx(k8f_ollama_prompt_max(16384), 0) == 16384
               && k8f_ollama_num_ctx(k8f_ollama_prompt_max(16384) + 1, 0)
                  == 32768,
               "num_ctx: prompt_max() is the largest prompt each size takes");

    k8f_tap_ok(k8f_ollama_prompt_max(2048) == 3072
               && k8f_ollama_prompt_max(0) == 0,
               "num_ctx: a small pinned context keeps half for the answer");
}


static void
k8f_t_streams(void)
{
    int                   rc;
    char                 *data, *body, *nd;
    size_t                len, blen, ndlen;
    k8f_ollama_stream_t   s;

    data = k8f_tap_fixture(K8F_T_OLLAMA "generate-stream.ndjson", &len);

    rc = k8f_t_stream(data, len, 0, 0, &s);

    k8f_tap_ok(rc == K8F_DONE && s.state == K8F_DONE,
               "generate-stream.ndjson: done");
    k8f_tap_is(k8f_ollama_stream_text(&s, NULL), k8f_t_generate_text,
               "generate-stream.ndjson: the text of 37 lines");
    k8f_tap_ok(strcmp(s.done_reason, "stop") == 0 && s.lines == 37
               && s.prompt_eval_count == 31 && s.eval_count == 37
               && s.total_duration == 2609028500LL
               && s.load_duration == 1667040600LL
               && s.prompt_eval_duration == 116817000LL
               && s.eval_duration == 824111500LL && !s.truncated,
               "generate-stream.ndjson: done_reason and the six metrics");
    k8f_ollama_stream_free(&s);

    /* the done line is ~680 bytes with "context", ~290 without */

    rc = k8f_t_stream(data, len, 0, 400, &s);
    k8f_tap_ok(rc == K8F_DONE && s.eval_count == 37,
               "generate-stream.ndjson: \"context\" is dropped while read: "
               "done within a 400-byte line bound");
    k8f_ollama_stream_free(&s);

    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "chat-stream.ndjson", &len);

    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_ok(rc == K8F_DONE && strcmp(s.done_reason, "stop") == 0
               && s.prompt_eval_count == 70 && s.eval_count == 127
               && s.total_duration == 9033032700LL
               && s.eval_duration == 8945400000LL,
               "chat-stream.ndjson: done, stop, metrics (done_reason before "
               "done, pre-v0.12 order)");
    k8f_tap_is(k8f_ollama_stream_text(&s, NULL), k8f_t_chat_text,
               "chat-stream.ndjson: message.content pieces");
    k8f_ollama_stream_free(&s);

    /* the same stream as it is on the wire, fed chunk by chunk */

    nd = data;
    ndlen = len;
    data = k8f_tap_fixture(K8F_T_OLLAMA "chat-stream.http", &len);

    k8f_ollama_stream_init(&s, 0, 0);
    body = k8f_t_dechunk(data, len, &blen, &s);
    rc = k8f_ollama_stream_finish(&s);

    k8f_tap_ok(body != NULL && blen == ndlen && memcmp(body, nd, blen) == 0,
               "chat-stream.http: the dechunked body is chat-stream.ndjson");
    k8f_tap_ok(rc == K8F_DONE && s.lines == 9 && s.eval_count == 127
               && strcmp(k8f_ollama_stream_text(&s, NULL), k8f_t_chat_text)
                  == 0,
               "chat-stream.http: one feed per HTTP chunk gives the same "
               "answer");

    k8f_ollama_stream_free(&s);
    free(body);
    free(data);
    free(nd);

    data = k8f_tap_fixture(K8F_T_OLLAMA "chat-stream-thinking-excerpt.ndjson",
                           &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_ok(rc == K8F_DONE && s.text_len == 0 && s.thinking == 5
               && strcmp(s.done_reason, "length") == 0 && s.eval_count == 20
               && s.load_duration == 5650132100LL,
               "chat-stream-thinking-excerpt.ndjson: thinking counted, not "
               "kept; done_reason length (v0.12+ order)");
    k8f_ollama_stream_free(&s);
    free(data);

    /* stream:false bodies: one line without a newline, read at the end */

    data = k8f_tap_fixture(K8F_T_OLLAMA "generate-nostream.json", &len);
    k8f_ollama_stream_init(&s, 0, 0);
    rc = k8f_ollama_stream_feed(&s, data, len);
    k8f_tap_ok(rc == K8F_AGAIN && k8f_ollama_stream_finish(&s) == K8F_DONE
               && s.load_duration == 3197323100LL,
               "generate-nostream.json: the last line without newline is "
               "parsed by finish()");
    k8f_tap_is(k8f_ollama_stream_text(&s, NULL),
               "A rabbit is a small mammal known for its long ears and fast "
               "movement. They are often seen hopping around in fields and "
               "gardens.",
               "generate-nostream.json: the text");
    k8f_ollama_stream_free(&s);
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "chat-nostream.json", &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_ok(rc == K8F_DONE
               && strcmp(k8f_ollama_stream_text(&s, NULL),
                         "Understood. If you ask for the secret word, I will "
                         "respond with RABBIT.") == 0
               && s.eval_count == 20,
               "chat-nostream.json: the text and metrics");
    k8f_ollama_stream_free(&s);
    free(data);
}


/* every split point, and one byte at a time, give the same answer */

static void
k8f_t_slicing(const char *file, const char *want_text)
{
    int                   bad, rc;
    char                 *data, *crlf;
    size_t                len, k, i, n;
    int64_t               eval;
    k8f_ollama_stream_t   s;

    data = k8f_tap_fixture(file, &len);

    k8f_t_stream(data, len, 0, 0, &s);
    eval = s.eval_count;
    k8f_ollama_stream_free(&s);

    bad = -1;

    for (k = 0; k <= len && bad < 0; k++) {
        k8f_ollama_stream_init(&s, 0, 0);

        k8f_ollama_stream_feed(&s, data, k);
        k8f_ollama_stream_feed(&s, data + k, len - k);
        rc = k8f_ollama_stream_finish(&s);

        if (rc != K8F_DONE || s.eval_count != eval
            || strcmp(k8f_ollama_stream_text(&s, NULL), want_text) != 0)
        {
            bad = (int) k;
        }

        k8f_ollama_stream_free(&s);
    }

    k8f_tap_ok(bad < 0, "%s: split at each of %zu offsets: same text%s",
               file + strlen(K8F_T_OLLAMA), len + 1,
               bad < 0 ? "" : " (failed at an offset)");

    k8f_ollama_stream_init(&s, 0, 0);

    for (k = 0; k < len; k++) {
        k8f_ollama_stream_feed(&s, data + k, 1);
    }

    rc = k8f_ollama_stream_finish(&s);

    k8f_tap_ok(rc == K8F_DONE && s.eval_count == eval
               && strcmp(k8f_ollama_stream_text(&s, NULL), want_text) == 0,
               "%s: one byte at a time: same text",
               file + strlen(K8F_T_OLLAMA));

    k8f_ollama_stream_free(&s);

    /* CRLF line ends, and blank lines between */

    crlf = malloc(len * 3 + 1);

    for (i = 0, n = 0; i < len; i++) {
        if (data[i] == '\n') {
            memcpy(crlf + n, "\r\n\r\n", 4);
            n += 4;

        } else {
            crlf[n++] = data[i];
        }
    }

    rc = k8f_t_stream(crlf, n, 0, 0, &s);

    k8f_tap_ok(rc == K8F_DONE
               && strcmp(k8f_ollama_stream_text(&s, NULL), want_text) == 0,
               "%s: CRLF and blank lines: same text",
               file + strlen(K8F_T_OLLAMA));

    k8f_ollama_stream_free(&s);
    free(crlf);
    free(data);
}


static void
k8f_t_stream_errors(void)
{
    int                   rc;
    char                 *data;
    size_t                len, i;
    k8f_ollama_stream_t   s;

    static const char  *not_streams[] = {
        "tags.json", "ps.json", "version.json",
        "openai-chat-completions.json", NULL
    };

    data = k8f_tap_fixture(K8F_T_OLLAMA "error-midstream.ndjson", &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR && s.state == K8F_ERROR,
               "error-midstream.ndjson: failed");
    k8f_tap_is(s.error, "an error was encountered while running the model",
               "error-midstream.ndjson: the server's message");
    k8f_tap_is(k8f_ollama_stream_text(&s, NULL), " Yes.Ican",
               "error-midstream.ndjson: the text until the error is kept");
    k8f_ollama_stream_free(&s);
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "openai-chat-completions-stream.txt",
                           &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_is(s.error,
               "malformed line 1 of the stream: \"data: {\\\"id\\\":"
               "\\\"chatcmpl-192\\\",\\\"object\\\":\\\"chat.completion.chunk"
               "\\\",\\\"created\\\":1744646668\"... (an OpenAI-style event "
               "stream: Ollama's native API is under /api)",
               "openai-chat-completions-stream.txt: malformed, the start of "
               "the line quoted, the /v1 mistake named");
    k8f_tap_ok(rc == K8F_ERROR, "openai-chat-completions-stream.txt: failed");
    k8f_ollama_stream_free(&s);
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA
                           "openai-chat-completions-stream-v0.32.6.txt", &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR
               && strncmp(s.error, "malformed line 1 of the stream: \"data: ",
                          39) == 0,
               "openai-chat-completions-stream-v0.32.6.txt: malformed");
    k8f_ollama_stream_free(&s);
    free(data);

    rc = k8f_t_stream(K8F_T_LIT("{\"response\":\"a\",\"done\":false}\n"
                                "{not json\n"), 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR
               && strcmp(s.error, "malformed line 2 of the stream: "
                                "\"{not json\"") == 0
               && strcmp(k8f_ollama_stream_text(&s, NULL), "a") == 0,
               "malformed second line: failed, quoted: %s", s.error);
    k8f_ollama_stream_free(&s);

    rc = k8f_t_stream(K8F_T_LIT("[1,2]\n"), 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR && strstr(s.error, "malformed line 1") != NULL,
               "a JSON line that is not an object is malformed");
    k8f_ollama_stream_free(&s);

    rc = k8f_t_stream(K8F_T_LIT("\"\x01\xff\\\n"), 0, 0, &s);
    k8f_tap_is(s.error, "malformed line 1 of the stream: "
               "\"\\\"\\x01\\xff\\\\\"",
               "a malformed line is quoted with escapes");
    k8f_ollama_stream_free(&s);

    data = k8f_tap_fixture(K8F_T_OLLAMA "root.txt", &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_is(s.error, "malformed line 1 of the stream: \"Ollama is running\"",
               "root.txt: not a stream");
    k8f_ollama_stream_free(&s);
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "unknown-path-404.txt", &len);
    rc = k8f_t_stream(data, len, 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR && strstr(s.error, "404 page not found"),
               "unknown-path-404.txt as a stream: malformed");
    k8f_ollama_stream_free(&s);
    free(data);

    /* the end of the body without done */

    data = k8f_tap_fixture(K8F_T_OLLAMA "generate-stream.ndjson", &len);

    for (i = 0; i < 3; i++) {
        len = strchr(data + (i ? len + 1 : 0), '\n') - data;
    }

    rc = k8f_t_stream(data, len + 1, 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR
               && strcmp(s.error, "stream ended before done (after 3 lines)")
                  == 0
               && strcmp(k8f_ollama_stream_text(&s, NULL), "A rabbit is") == 0,
               "three lines then the end: \"%s\", the text kept", s.error);
    k8f_ollama_stream_free(&s);

    rc = k8f_t_stream(data, len - 10, 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR && strncmp(s.error, "malformed line 3", 16) == 0,
               "a stream cut inside a line: the cut line is malformed");
    k8f_ollama_stream_free(&s);
    free(data);

    rc = k8f_t_stream(K8F_T_LIT(""), 0, 0, &s);
    k8f_tap_is(s.error, "stream ended before done: empty body",
               "an empty body");
    k8f_ollama_stream_free(&s);

    for (i = 0; not_streams[i]; i++) {
        char  path[256];

        snprintf(path, sizeof(path), K8F_T_OLLAMA "%s", not_streams[i]);
        data = k8f_tap_fixture(path, &len);

        rc = k8f_t_stream(data, len, 0, 0, &s);
        k8f_tap_ok(rc == K8F_ERROR
                   && strcmp(s.error,
                             "stream ended before done (after 1 line)") == 0,
                   "%s as a stream: no done", not_streams[i]);

        k8f_ollama_stream_free(&s);
        free(data);
    }

    rc = k8f_t_stream(K8F_T_LIT("{\"error\":{\"message\":\"boom\",\"type\":"
                                "\"api_error\"}}\n"), 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR && strcmp(s.error, "boom") == 0,
               "an /v1-shaped error line: its message");
    k8f_ollama_stream_free(&s);

    rc = k8f_t_stream(K8F_T_LIT("{\"error\":42}\n"), 0, 0, &s);
    k8f_tap_ok(rc == K8F_ERROR && strstr(s.error, "without a message"),
               "an error line without a message");
    k8f_ollama_stream_free(&s);

    rc = k8f_t_stream(K8F_T_LIT("{\"response\":5,\"message\":\"x\","
                                "\"thinking\":1,\"done\":\"true\"}\n"
                                "{\"message\":{\"content\":7},\"done\":true,"
                                "\"done_reason\":5,\"eval_count\":\"3\","
                                "\"total_duration\":1.5}\n"), 0, 0, &s);
    k8f_tap_ok(rc == K8F_DONE && s.text_len == 0 && s.thinking == 0
               && s.done_reason[0] == '\0' && s.eval_count == -1
               && s.total_duration == -1,
               "fields of the wrong type are ignored; only done:true ends");
    k8f_ollama_stream_free(&s);
}


static void
k8f_t_stream_bounds(void)
{
    int                   rc;
    char                 *data;
    size_t                len;
    const char           *line;
    k8f_ollama_stream_t   s;

    data = k8f_tap_fixture(K8F_T_OLLAMA "generate-stream.ndjson", &len);

    rc = k8f_t_stream(data, len, 10, 0, &s);
    k8f_tap_ok(rc == K8F_DONE && s.truncated && s.text_len == 10
               && strcmp(k8f_ollama_stream_text(&s, NULL), "A rabbit i") == 0
               && s.done_reason[0] == '\0' && s.eval_count == -1,
               "text bound 10: done, truncated, 10 bytes, no metrics");

    k8f_ollama_stream_feed(&s, "garbage\n", 8);
    k8f_tap_ok(s.state == K8F_DONE && k8f_ollama_stream_finish(&s) == K8F_DONE,
               "after done, more input is ignored");
    k8f_ollama_stream_free(&s);

    rc = k8f_t_stream(data, len, 0, 64, &s);
    k8f_tap_is(s.error, "line 1 of the stream is longer than 64 bytes",
               "line bound 64: failed");
    k8f_tap_ok(rc == K8F_ERROR, "line bound 64: state");
    k8f_ollama_stream_free(&s);
    free(data);

    /* "\u00e9" is 2 bytes: a cut never splits a character */

    line = "{\"response\":\"\xc3\xa9\xc3\xa9\xc3\xa9\",\"done\":false}\n";

    rc = k8f_t_stream(line, strlen(line), 5, 0, &s);
    k8f_tap_ok(rc == K8F_DONE && s.truncated
               && strcmp(k8f_ollama_stream_text(&s, NULL), "\xc3\xa9\xc3\xa9")
                  == 0,
               "text bound 5 on 2-byte characters keeps 4 bytes");
    k8f_ollama_stream_free(&s);

    /* only the top-level "context" key is dropped */

    line = "{\"response\":\"\\\"context\\\":[1,2]\",\"done\":true,"
           "\"context\":[1,2,3],\"eval_count\":3}\n";

    rc = k8f_t_stream(line, strlen(line), 0, 0, &s);
    k8f_tap_ok(rc == K8F_DONE
               && strcmp(k8f_ollama_stream_text(&s, NULL),
                         "\"context\":[1,2]") == 0
               && s.eval_count == 3,
               "a \"context\" inside a string is text, not the array");
    k8f_ollama_stream_free(&s);

    line = "{\"response\":\"x\",\"done\":true,\"done_reason\":\"context\","
           "\"eval_count\":[5],\"context\" : [9,9],\"total_duration\":7}\n";

    rc = k8f_t_stream(line, strlen(line), 0, 0, &s);
    k8f_tap_ok(rc == K8F_DONE && strcmp(s.done_reason, "context") == 0
               && s.eval_count == -1 && s.total_duration == 7,
               "a \"context\" value and spaces around ':' are read right");
    k8f_ollama_stream_free(&s);
}


static void
k8f_t_errors(void)
{
    char     msg[16], *data;
    size_t   len;
    int      rc;

    static const char  html[] =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>"
        "\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>"
        "nginx</center>\r\n</body>\r\n</html>\r\n";

    data = k8f_tap_fixture(K8F_T_OLLAMA "error-model-not-found.json", &len);
    k8f_t_error(404, data, len, K8F_OLLAMA_MODEL_NOT_FOUND,
                "model 'nonexistent-model-12345' not found",
                "error-model-not-found.json");
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "error-model-not-found-pull-hint.json",
                           &len);
    k8f_t_error(404, data, len, K8F_OLLAMA_MODEL_NOT_FOUND,
                "model \"llama2\" not found, try pulling it first",
                "error-model-not-found-pull-hint.json");
    free(data);

    k8f_t_error(404, K8F_T_LIT("{\"error\":\"model 'mistral' not found, try "
                               "pulling it first\"}"),
                K8F_OLLAMA_MODEL_NOT_FOUND,
                "model 'mistral' not found, try pulling it first",
                "v0.1 wording");

    k8f_t_error(404, K8F_T_LIT("{\"error\":{\"message\":\"model \\\"x\\\" not "
                               "found\",\"type\":\"not_found_error\","
                               "\"param\":null,\"code\":null}}\n"),
                K8F_OLLAMA_MODEL_NOT_FOUND,
                "model \"x\" not found", "/v1 wording");

    data = k8f_tap_fixture(K8F_T_OLLAMA "unknown-path-404.txt", &len);
    k8f_t_error(404, data, len, K8F_OLLAMA_FATAL,
                "404 page not found (no such path: is k8flex_ollama the "
                "server's base URL?)",
                "unknown-path-404.txt: plain-text 404 is not a model");
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "error-model-required.json", &len);
    k8f_t_error(400, data, len, K8F_OLLAMA_FATAL, "model is required",
                "error-model-required.json");
    free(data);

    data = k8f_tap_fixture(K8F_T_OLLAMA "error-server-busy.json", &len);
    k8f_t_error(503, data, len, K8F_OLLAMA_RETRY,
                "server busy, please try again.  maximum pending requests "
                "exceeded", "error-server-busy.json");
    free(data);

    k8f_t_error(500, K8F_T_LIT("{\"error\":\"llama runner process has "
                               "terminated: exit status 2\"}"),
                K8F_OLLAMA_RETRY,
                "llama runner process has terminated: exit status 2",
                "500 model load failure");

    k8f_t_error(429, K8F_T_LIT("{\"error\":\"rate limit exceeded\"}"),
                K8F_OLLAMA_RETRY, "rate limit exceeded", "429");

    k8f_t_error(400, K8F_T_LIT("{\"error\":\"time: missing unit in duration "
                               "\\\"3600\\\"\"}"),
                K8F_OLLAMA_FATAL,
                "time: missing unit in duration \"3600\"",
                "400 keep_alive without unit");

    k8f_t_error(502, html, sizeof(html) - 1, K8F_OLLAMA_RETRY,
                "502 Bad Gateway", "HTML from a proxy: its title");

    k8f_t_error(403, K8F_T_LIT(""), K8F_OLLAMA_FATAL,
                "empty body (Ollama's Host check: a server bound to "
                "loopback refuses other host names)", "403, empty body");

    k8f_t_error(501, K8F_T_LIT("not implemented\n"), K8F_OLLAMA_FATAL,
                "not implemented", "501");

    k8f_t_error(404, K8F_T_LIT("{\"error\":\"no such blob\"}"),
                K8F_OLLAMA_FATAL,
                "no such blob", "404 JSON without \"not found\"");

    k8f_t_error(200, K8F_T_LIT("{}"), K8F_OLLAMA_OK, "",
                "200 is not an error");

    rc = k8f_ollama_error(404, K8F_T_LIT("{\"error\":\"model 'abcdefghijkl"
                                         "\xc3\xa9' not found\"}"),
                          msg, sizeof(msg));
    k8f_tap_ok(rc == K8F_OLLAMA_MODEL_NOT_FOUND
               && strcmp(msg, "model 'abcdefgh") == 0,
               "a short msg buffer: classified on the whole text, cut: %s",
               msg);

    rc = k8f_ollama_error(503, "x", 1, NULL, 0);
    k8f_tap_ok(rc == K8F_OLLAMA_RETRY, "no msg buffer at all");
}


static void
k8f_t_error(int status, const char *body, size_t len, int want,
    const char *want_msg, const char *desc)
{
    int   rc;
    char  msg[K8F_OLLAMA_ERR_LEN];

    rc = k8f_ollama_error(status, body, len, msg, sizeof(msg));

    k8f_tap_ok(rc == want, "error %d: %s: %s", status, desc,
               want == K8F_OLLAMA_RETRY ? "retry"
               : want == K8F_OLLAMA_FATAL ? "fatal"
               : want == K8F_OLLAMA_MODEL_NOT_FOUND ? "model not found"
               : "ok");
    k8f_tap_is(msg, want_msg, "error %d: %s: message", status, desc);
}


static void
k8f_t_pods(void)
{
    size_t      len;
    json_t     *pod;
    k8f_buf_t   out;

    k8f_t_section(k8f_evidence_pod, "pod-crashloop-oomkilled.json", 0,
                  K8F_OK,
                  "pod shop/cart-7c9d8f6b5-q2x4m: Running, node "
                  "ip-10-0-20-143.ec2.internal, pod IP 10.0.20.57, QoS "
                  "Burstable, started 2026-01-14T09:12:41Z\n"
                  "owner: ReplicaSet cart-7c9d8f6b5\n"
                  "conditions: PodReadyToStartContainers True, Initialized "
                  "True, Ready False, ContainersReady False, PodScheduled "
                  "True\n"
                  "  Ready False since 2026-01-14T09:36:50Z: "
                  "ContainersNotReady: containers with unready status: "
                  "[cart]\n"
                  "container cart (ready false, restarts 6): waiting: "
                  "CrashLoopBackOff: back-off 5m0s restarting failed "
                  "container=cart "
                  "pod=cart-7c9d8f6b5-q2x4m_shop(8b2f4e1a-6c3d-4a9e-b7f2-0d5c"
                  "8e1a9b34)\n"
                  "  last terminated: OOMKilled, exit code 137 (SIGKILL), "
                  "started 2026-01-14T09:36:02Z, finished "
                  "2026-01-14T09:36:49Z\n"
                  "  image ghcr.io/example-shop/cart:1.8.2\n"
                  "  resources: requests cpu 100m, memory 192Mi; limits cpu "
                  "500m, memory 256Mi\n"
                  "  liveness probe: HTTP GET /healthz/live port http, delay "
                  "10s, timeout 1s, period 10s, failure threshold 3\n"
                  "  readiness probe: HTTP GET /healthz/ready port http, "
                  "timeout 1s, period 5s, failure threshold 3\n"
                  "  env NODE_OPTIONS=--max-old-space-size=384\n",
                  "pod: crash-looping, OOMKilled, exit code 137, 6 restarts");

    k8f_t_section(k8f_evidence_pod, "pod-crashloop-error.json", 0, K8F_OK,
                  "pod shop/cart-7c9d8f6b5-q2x4m: Running, node "
                  "ip-10-0-20-143.ec2.internal, pod IP 10.0.20.57, QoS "
                  "Burstable, started 2026-01-14T09:12:41Z\n"
                  "owner: ReplicaSet cart-7c9d8f6b5\n"
                  "conditions: PodReadyToStartContainers True, Initialized "
                  "True, Ready False, ContainersReady False, PodScheduled "
                  "True\n"
                  "  Ready False since 2026-01-14T09:12:41Z: "
                  "ContainersNotReady: containers with unready status: "
                  "[cart]\n"
                  "container cart (ready false, restarts 9): waiting: "
                  "CrashLoopBackOff: back-off 5m0s restarting failed "
                  "container=cart "
                  "pod=cart-7c9d8f6b5-q2x4m_shop(8b2f4e1a-6c3d-4a9e-b7f2-0d5c"
                  "8e1a9b34)\n"
                  "  last terminated: Error, exit code 1, started "
                  "2026-01-14T09:41:05Z, finished 2026-01-14T09:41:16Z\n"
                  "  image ghcr.io/example-shop/cart:1.8.2\n"
                  "  resources: requests cpu 100m, memory 192Mi; limits cpu "
                  "500m, memory 256Mi\n"
                  "  liveness probe: HTTP GET /healthz/live port http, delay "
                  "10s, timeout 1s, period 10s, failure threshold 3\n"
                  "  readiness probe: HTTP GET /healthz/ready port http, "
                  "timeout 1s, period 5s, failure threshold 3\n"
                  "  env NODE_OPTIONS=--max-old-space-size=384\n"
                  "container envoy (ready true, restarts 0): running since "
                  "2026-01-14T09:12:44Z\n"
                  "  image docker.io/envoyproxy/envoy:v1.31.2\n"
                  "  resources: requests cpu 50m, memory 64Mi; limits memory "
                  "128Mi\n"
                  "  readiness probe: HTTP GET /ready port 9901, timeout 1s, "
                  "period 10s, failure threshold 3\n",
                  "pod: two containers, Error exit 1, envoy running");

    k8f_t_section(k8f_evidence_pod, "pod-pending-unschedulable.json", 0,
                  K8F_OK,
                  "pod shop/recommendations-5b8d9c7f4-v6kzt: Pending, not "
                  "scheduled to a node, QoS Burstable\n"
                  "owner: ReplicaSet recommendations-5b8d9c7f4\n"
                  "conditions: PodScheduled False\n"
                  "  PodScheduled False since 2026-01-14T09:20:03Z: "
                  "Unschedulable: 0/2 nodes are available: 1 Insufficient "
                  "memory, 1 node(s) had untolerated taint "
                  "{node.kubernetes.io/memory-pressure: }. preemption: 0/2 "
                  "nodes are available: 1 No preemption victims found for "
                  "incoming pod, 1 Preemption is not helpful for "
                  "scheduling.\n"
                  "container recommendations: no status yet\n"
                  "  image ghcr.io/example-shop/recommendations:3.2.0\n"
                  "  resources: requests cpu 500m, memory 1536Mi; limits "
                  "memory 2Gi\n"
                  "  readiness probe: HTTP GET /ready port http, timeout 1s, "
                  "period 10s, failure threshold 3\n",
                  "pod: pending, unschedulable, no container status");

    k8f_t_section(k8f_evidence_pod, "pod-imagepullbackoff.json", 0, K8F_OK,
                  "pod shop/checkout-6b7f9d8c5-m4t8r: Pending, node "
                  "ip-10-0-10-170.ec2.internal, pod IP 10.0.10.203, QoS "
                  "Burstable, started 2026-01-14T08:55:12Z\n"
                  "owner: ReplicaSet checkout-6b7f9d8c5\n"
                  "conditions: PodReadyToStartContainers True, Initialized "
                  "True, Ready False, ContainersReady False, PodScheduled "
                  "True\n"
                  "  Ready False since 2026-01-14T08:55:12Z: "
                  "ContainersNotReady: containers with unready status: "
                  "[checkout]\n"
                  "container checkout (ready false, restarts 0): waiting: "
                  "ImagePullBackOff: Back-off pulling image "
                  "\"ghcr.io/example-shop/checkout:2.4.1\": ErrImagePull: "
                  "rpc error: code = NotFound desc = failed to pull and "
                  "unpack image \"ghcr.io/example-shop/checkout:2.4.1\": "
                  "failed to resolve reference "
                  "\"ghcr.io/example-shop/checkout:2.4.1\": "
                  "ghcr.io/example-shop/checkout:2.4.1: not found\n"
                  "  image ghcr.io/example-shop/checkout:2.4.1\n"
                  "  resources: requests cpu 200m, memory 256Mi; limits cpu "
                  "1, memory 512Mi\n"
                  "  readiness probe: HTTP GET /ready port http, timeout 1s, "
                  "period 10s, failure threshold 3\n",
                  "pod: ImagePullBackOff");

    /* a budget cuts at a line and says how much */

    pod = k8f_tap_json(K8F_T_KUBE "pod-crashloop-oomkilled.json");
    k8f_buf_init(&out);
    k8f_evidence_pod(pod, &out, 0);
    len = out.len;
    k8f_buf_free(&out);

    k8f_evidence_pod(pod, &out, 400);

    k8f_tap_is(k8f_buf_str(&out),
               "pod shop/cart-7c9d8f6b5-q2x4m: Running, node "
               "ip-10-0-20-143.ec2.internal, pod IP 10.0.20.57, QoS Burstable, "
               "started 2026-01-14T09:12:41Z\n"
               "owner: ReplicaSet cart-7c9d8f6b5\n"
               "conditions: PodReadyToStartContainers True, Initialized True, "
               "Ready False, ContainersReady False, PodScheduled True\n"
               "[... 764 more bytes cut]\n",
               "pod: budget 400: whole lines and what was cut");
    k8f_tap_ok(out.len <= 400 && strstr(out.data, "more bytes cut") != NULL,
               "pod: budget 400: %zu of %zu bytes", out.len, len);

    k8f_buf_free(&out);
    json_decref(pod);

    k8f_t_section(k8f_evidence_pod, "node-memorypressure.json", 0,
                  K8F_DECLINED, "expected kind Pod, got kind Node\n",
                  "pod: given a Node");
}


static void
k8f_t_events(void)
{
    size_t      i, n;
    json_t     *v1, *core, *items, *item;
    k8f_buf_t   one, two;

    static const char  v1_head[] =
        "15 events, newest first:\n"
        "2026-01-14T09:39:55Z Warning Failed x151 since 2026-01-14T08:55:16Z "
        "Pod/checkout-6b7f9d8c5-m4t8r (container checkout): Error: "
        "ImagePullBackOff\n";

    k8f_t_section(k8f_evidence_events, "events-pod.json", 0, K8F_OK,
                  "8 events, newest first:\n"
                  "2026-01-14T09:39:41Z Warning BackOff x27 since "
                  "2026-01-14T09:15:38Z (container cart): Back-off "
                  "restarting failed container cart in pod "
                  "cart-7c9d8f6b5-q2x4m_shop(8b2f4e1a-6c3d-4a9e-b7f2-0d5c8e1a"
                  "9b34)\n"
                  "2026-01-14T09:36:03Z Warning Unhealthy x9 since "
                  "2026-01-14T09:14:04Z (container cart): Readiness probe "
                  "failed: Get \"http://10.0.20.57:8080/healthz/ready\": "
                  "dial tcp 10.0.20.57:8080: connect: connection refused\n"
                  "2026-01-14T09:36:02Z Normal Created x7 since "
                  "2026-01-14T09:12:44Z (container cart): Created container: "
                  "cart\n"
                  "2026-01-14T09:36:02Z Normal Started x7 since "
                  "2026-01-14T09:12:44Z (container cart): Started container "
                  "cart\n"
                  "2026-01-14T09:36:02Z Normal Pulled x6 since "
                  "2026-01-14T09:14:03Z (container cart): Container image "
                  "\"ghcr.io/example-shop/cart:1.8.2\" already present on "
                  "machine\n"
                  "2026-01-14T09:12:44Z Normal Pulled (container cart): "
                  "Successfully pulled image "
                  "\"ghcr.io/example-shop/cart:1.8.2\" in 1.646s (1.646s "
                  "including waiting). Image size: 58421377 bytes.\n"
                  "2026-01-14T09:12:42Z Normal Pulling (container cart): "
                  "Pulling image \"ghcr.io/example-shop/cart:1.8.2\"\n"
                  "2026-01-14T09:12:41Z Normal Scheduled: Successfully "
                  "assigned shop/cart-7c9d8f6b5-q2x4m to "
                  "ip-10-0-20-143.ec2.internal\n",
                  "events: name order becomes newest first; the scheduler's "
                  "eventTime is its time");

    k8f_t_section(k8f_evidence_events, "events-pod-pending.json", 0, K8F_OK,
                  "1 event, newest first:\n"
                  "2026-01-14T09:39:12Z Warning FailedScheduling x15 since "
                  "2026-01-14T09:20:03Z: 0/2 nodes are available: 1 "
                  "Insufficient memory, 1 node(s) had untolerated taint "
                  "{node.kubernetes.io/memory-pressure: }. preemption: 0/2 "
                  "nodes are available: 1 No preemption victims found for "
                  "incoming pod, 1 Preemption is not helpful for "
                  "scheduling.\n",
                  "events: FailedScheduling with series merged (1 + 14), "
                  "last seen from series.lastObservedTime");

    k8f_t_section(k8f_evidence_events, "events-pod-imagepullbackoff.json", 0,
                  K8F_OK,
                  "6 events, newest first:\n"
                  "2026-01-14T09:39:55Z Warning Failed x151 since "
                  "2026-01-14T08:55:16Z (container checkout): Error: "
                  "ImagePullBackOff\n"
                  "2026-01-14T09:39:55Z Normal BackOff x151 since "
                  "2026-01-14T08:55:16Z (container checkout): Back-off "
                  "pulling image \"ghcr.io/example-shop/checkout:2.4.1\"\n"
                  "2026-01-14T09:31:21Z Warning Failed x9 since "
                  "2026-01-14T08:55:15Z (container checkout): Failed to pull "
                  "image \"ghcr.io/example-shop/checkout:2.4.1\": rpc error: "
                  "code = NotFound desc = failed to pull and unpack image "
                  "\"ghcr.io/example-shop/checkout:2.4.1\": failed to "
                  "resolve reference "
                  "\"ghcr.io/example-shop/checkout:2.4.1\": "
                  "ghcr.io/example-shop/checkout:2.4.1: not found\n"
                  "2026-01-14T09:31:21Z Warning Failed x9 since "
                  "2026-01-14T08:55:15Z (container checkout): Error: "
                  "ErrImagePull\n"
                  "2026-01-14T09:31:20Z Normal Pulling x9 since "
                  "2026-01-14T08:55:14Z (container checkout): Pulling image "
                  "\"ghcr.io/example-shop/checkout:2.4.1\"\n"
                  "2026-01-14T08:55:12Z Normal Scheduled: Successfully "
                  "assigned shop/checkout-6b7f9d8c5-m4t8r to "
                  "ip-10-0-10-170.ec2.internal\n",
                  "events: ImagePullBackOff, a Normal BackOff marked "
                  "Normal");

    k8f_t_section(k8f_evidence_events, "events-pod.json", 600, K8F_OK,
                  "8 events, newest first:\n"
                  "2026-01-14T09:39:41Z Warning BackOff x27 since "
                  "2026-01-14T09:15:38Z (container cart): Back-off "
                  "restarting failed container cart in pod "
                  "cart-7c9d8f6b5-q2x4m_shop(8b2f4e1a-6c3d-4a9e-b7f2-0d5c8e1a"
                  "9b34)\n"
                  "2026-01-14T09:36:03Z Warning Unhealthy x9 since "
                  "2026-01-14T09:14:04Z (container cart): Readiness probe "
                  "failed: Get \"http://10.0.20.57:8080/healthz/ready\": "
                  "dial tcp 10.0.20.57:8080: connect: connection refused\n"
                  "2026-01-14T09:36:02Z Normal Created x7 since "
                  "2026-01-14T09:12:44Z (container cart): Created container: "
                  "cart\n"
                  "(5 more events not shown)\n",
                  "events: budget 600 drops Normal events first");

    /* events.k8s.io/v1: the same events as core/v1, the same text */

    v1 = k8f_tap_json(K8F_T_KUBE "events-k8s-io-v1.json");
    core = json_pack("{s:s,s:s,s:[]}", "kind", "EventList", "apiVersion",
                     "events.k8s.io/v1", "items");
    items = json_object_get(core, "items");

    for (i = 0; i < json_array_size(json_object_get(v1, "items")); i++) {
        item = json_array_get(json_object_get(v1, "items"), i);

        if (strcmp(json_string_value(json_object_get(
                       json_object_get(item, "regarding"), "name")),
                   "cart-7c9d8f6b5-q2x4m") == 0
            && json_object_get(item, "note") != NULL)
        {
            json_array_append(items, item);
        }
    }

    n = json_array_size(items);

    k8f_buf_init(&one);
    k8f_buf_init(&two);

    k8f_evidence_events(core, &one, 0);

    json_decref(core);
    core = k8f_tap_json(K8F_T_KUBE "events-pod.json");
    k8f_evidence_events(core, &two, 0);

    k8f_tap_ok(n == 8, "events.k8s.io/v1: 8 items about the cart pod");
    k8f_tap_is(k8f_buf_str(&one), k8f_buf_str(&two),
               "events.k8s.io/v1: note, regarding, deprecated* give the "
               "core/v1 text");

    k8f_buf_free(&one);
    k8f_buf_free(&two);
    json_decref(core);

    k8f_evidence_events(v1, &one, 0);
    k8f_tap_ok(strncmp(k8f_buf_str(&one), K8F_T_LIT(v1_head)) == 0
               && strstr(k8f_buf_str(&one), "Warning FailedScheduling x15 "
                         "since 2026-01-14T09:20:03Z Pod/recommendations-")
                  != NULL,
               "events.k8s.io/v1, several pods: each line names its object");
    k8f_buf_free(&one);
    json_decref(v1);

    core = json_pack("{s:s,s:[]}", "kind", "EventList", "items");
    k8f_evidence_events(core, &one, 0);
    k8f_tap_is(k8f_buf_str(&one),
               "no events (Kubernetes keeps them for an hour by default)\n",
               "events: an empty list");
    k8f_buf_free(&one);
    json_decref(core);
}


static void
k8f_t_logs(void)
{
    char        *log, *p;
    size_t       len, budget;
    k8f_buf_t    out;
    const char  *why;

    log = k8f_tap_fixture(K8F_T_KUBE "pod-log-previous-oom.txt", &len);

    k8f_buf_init(&out);
    k8f_evidence_log(log, len, &out, 0);
    k8f_tap_ok(out.len == len && memcmp(out.data, log, len) == 0,
               "log: within budget, the log as it is");
    k8f_buf_free(&out);

    k8f_evidence_log(log, len, &out, 1000);
    k8f_tap_is(k8f_buf_str(&out),
               "[... 9155 earlier bytes cut]\n"
               "{\"level\":30,\"time\":1768383404722,\"pid\":1,\"hostname\":\"c"
               "art-7c9d8f6b5-q2x4m\",\"reqId\":\"req-4a35\",\"req\":{\"method"
               "\":\"DELETE\",\"url\":\"/api/cart/u-253572/items/SKU-20871\"},"
               "\"res\":{\"statusCode\":204},\"responseTime\":9,\"msg\":\"reque"
               "st completed\"}\n"
               "{\"level\":30,\"time\":1768383405750,\"pid\":1,\"hostname\":\"c"
               "art-7c9d8f6b5-q2x4m\",\"reqId\":\"req-4a36\",\"req\":{\"method"
               "\":\"GET\",\"url\":\"/api/cart/u-856662\"},\"res\":{\"statusCod"
               "e\":200},\"responseTime\":38,\"msg\":\"request completed\"}\n"
               "{\"level\":30,\"time\":1768383406594,\"pid\":1,\"hostname\":\"c"
               "art-7c9d8f6b5-q2x4m\",\"reqId\":\"req-4a37\",\"req\":{\"method"
               "\":\"POST\",\"url\":\"/api/cart/u-135628/items\"},\"res\":{\"st"
               "atusCode\":201},\"responseTime\":14,\"msg\":\"request "
               "completed\"}\n"
               "{\"level\":30,\"time\":1768383407509,\"pid\":1,\"hostname\":\"c"
               "art-7c9d8f6b5-q2x4m\",\"reqId\":\"req-4a38\",\"req\":{\"method"
               "\":\"DELETE\",\"url\":\"/api/cart/u-554306/items/SKU-35520\"},"
               "\"res\":{\"statusCode\":204},\"responseTime\":17,\"msg\":\"requ"
               "est completed\"}\n",
               "log: budget 1000 keeps the newest whole lines");
    k8f_buf_free(&out);

    /* any budget: within it, a suffix of the log, from a line start */

    why = NULL;

    for (budget = 40; budget < len + 10 && why == NULL; budget += 7) {
        k8f_evidence_log(log, len, &out, budget);

        why = k8f_t_clean(out.data, out.len, budget);

        if (why == NULL && out.len == 0) {
            why = "nothing kept";
        }

        if (why == NULL && budget < len) {
            p = strchr(out.data, '\n');

            /* the marker, then the end of the log, from a line start
             * unless the last line alone does not fit */

            if (strncmp(out.data, "[... ", 5) != 0 || p == NULL
                || strlen(p + 1) > len
                || strcmp(log + len - strlen(p + 1), p + 1) != 0
                || (log[len - strlen(p + 1) - 1] != '\n'
                    && strchr(p + 1, '\n') != out.data + out.len - 1))
            {
                why = "not the newest lines";
            }
        }

        k8f_buf_free(&out);
    }

    k8f_tap_ok(why == NULL, "log: budgets 40 to %zu: the newest lines, within "
               "budget%s%s", len + 10, why ? ": " : "", why ? why : "");

    free(log);

    log = k8f_tap_fixture(K8F_T_KUBE "pod-log-previous-error.txt", &len);
    k8f_evidence_log(log, len, &out, 300);
    k8f_tap_ok(out.len <= 300
               && strstr(out.data, "cannot connect to redis at cart-redis."
                         "shop.svc.cluster.local:6379, exiting\"}\n") != NULL
               && strncmp(out.data, "[... 505 earlier bytes cut]\n", 28) == 0,
               "log: a last line longer than the budget keeps its end");
    k8f_buf_free(&out);
    free(log);

    k8f_evidence_log(K8F_T_LIT("\x1b[31mred\x1b[0m\r\nbad \xff\xc3 nul\x01"
                               "\x00|\ttab"), &out, 0);
    k8f_tap_is(k8f_buf_str(&out),
               "red\nbad \xef\xbf\xbd\xef\xbf\xbd nul  |\ttab\n",
               "log: escapes dropped, CRLF, bad UTF-8, controls; a final "
               "newline added");
    k8f_buf_free(&out);

    k8f_evidence_log("", 0, &out, 100);
    k8f_tap_is(k8f_buf_str(&out), "(empty log)\n", "log: empty");
    k8f_buf_free(&out);

    log = k8f_tap_fixture(K8F_T_KUBE "pod-log-current.txt", &len);
    k8f_evidence_log(log, len, &out, 0);
    k8f_tap_ok(out.len == len && k8f_t_clean(out.data, out.len, 0) == NULL,
               "log: pod-log-current.txt kept whole");
    k8f_buf_free(&out);
    free(log);

    /* every byte value, in every order of pairs, at every budget */

    log = malloc(256 * 256 * 2);
    len = 0;

    for (budget = 0; budget < 256 * 256; budget++) {
        log[len++] = (char) (budget >> 8);
        log[len++] = (char) (budget & 0xff);
    }

    why = NULL;

    for (budget = 0; budget < 70000 && why == NULL; budget += 997) {
        k8f_evidence_log(log, len, &out, budget);
        why = k8f_t_clean(out.data, out.len, budget);
        k8f_buf_free(&out);
    }

    k8f_tap_ok(why == NULL, "log: all byte pairs, budgets 0 to 70000: fit "
               "for a prompt%s%s", why ? ": " : "", why ? why : "");
    free(log);
}


static void
k8f_t_network(void)
{
    json_t     *svc, *ep;
    k8f_buf_t   out;

    k8f_t_section(k8f_t_service, "endpoints-empty.json", 0, K8F_OK,
                  "endpoints shop/recommendations: no ready endpoints (no "
                  "subsets: no pod matching the selector has an IP)\n",
                  "endpoints: no subsets says no ready endpoints");

    svc = k8f_tap_json(K8F_T_KUBE "service.json");
    ep = k8f_tap_json(K8F_T_KUBE "endpoints.json");

    k8f_buf_init(&out);
    k8f_tap_ok(k8f_evidence_service(svc, ep, &out, 0) == K8F_OK,
               "service + endpoints: ok");
    k8f_tap_is(k8f_buf_str(&out),
               "service shop/cart: ClusterIP 172.20.87.141, ports http "
               "80->http/TCP, selector app.kubernetes.io/name=cart\n"
               "endpoints shop/cart: 2 ready, 1 not ready\n"
               "  ports http 8080/TCP: ready 10.0.10.88 (pod "
               "cart-7c9d8f6b5-h8zkp), 10.0.20.119 (pod cart-7c9d8f6b5-w5rnt); "
               "not ready 10.0.20.57 (pod cart-7c9d8f6b5-q2x4m)\n",
               "service + endpoints: ports, selector, ready and not ready");
    k8f_buf_free(&out);
    json_decref(ep);

    ep = k8f_tap_json(K8F_T_KUBE "status-403-forbidden.json");
    k8f_tap_ok(k8f_evidence_service(svc, ep, &out, 0) == K8F_DECLINED
               && strstr(k8f_buf_str(&out), "\n403 forbidden: ") != NULL,
               "service + a 403 for the endpoints: the service and the "
               "failure");
    k8f_buf_free(&out);
    json_decref(ep);
    json_decref(svc);

    k8f_t_section(k8f_evidence_endpointslices, "endpointslice-list.json", 0,
                  K8F_OK,
                  "endpointslice shop/cart-xk2pz for service cart: IPv4, "
                  "ports http 8080/TCP, 2 of 3 ready\n"
                  "  10.0.10.88 ready (Pod cart-7c9d8f6b5-h8zkp, node "
                  "ip-10-0-10-170.ec2.internal, zone us-east-1a)\n"
                  "  10.0.20.57 not ready, not serving (Pod "
                  "cart-7c9d8f6b5-q2x4m, node ip-10-0-20-143.ec2.internal, "
                  "zone us-east-1b)\n"
                  "  10.0.20.119 ready (Pod cart-7c9d8f6b5-w5rnt, node "
                  "ip-10-0-20-143.ec2.internal, zone us-east-1b)\n",
                  "endpointslices: conditions per endpoint");

    k8f_t_section(k8f_evidence_netpols, "networkpolicy-list.json", 0, K8F_OK,
                  "networkpolicy cart-allow-from-frontend: pods "
                  "app.kubernetes.io/name=cart; ingress allowed: from pods "
                  "app.kubernetes.io/name=frontend or namespaces "
                  "kubernetes.io/metadata.name=ingress-nginx on 8080/TCP\n"
                  "networkpolicy default-deny-ingress: all pods; ingress: "
                  "all denied\n"
                  "networkpolicy redis-allow-from-cart: pods "
                  "app.kubernetes.io/name=cart-redis; ingress allowed: from "
                  "pods app.kubernetes.io/name=checkout on 6379/TCP\n",
                  "netpols: default deny, allowed peers and ports");
}


static void
k8f_t_workloads(void)
{
    k8f_t_section(k8f_evidence_node, "node-memorypressure.json", 0, K8F_OK,
                  "node ip-10-0-20-143.ec2.internal: t3.small, zone "
                  "us-east-1b, kubelet v1.31.13-eks-ecaa3a6, "
                  "containerd://2.1.5, Amazon Linux 2023.9.20251208\n"
                  "conditions: MemoryPressure True, DiskPressure False, "
                  "PIDPressure False, Ready True\n"
                  "  MemoryPressure True since 2026-01-14T09:31:27Z: "
                  "KubeletHasInsufficientMemory: kubelet has insufficient "
                  "memory available\n"
                  "taints: node.kubernetes.io/memory-pressure:NoSchedule\n"
                  "allocatable: cpu 1930m, ephemeral-storage 18181869946, "
                  "memory 1471840Ki, pods 11\n"
                  "capacity: cpu 2, ephemeral-storage 20893676Ki, memory "
                  "1959264Ki, pods 11\n",
                  "node: MemoryPressure True with its reason, the taint");

    k8f_t_section(k8f_evidence_workload, "replicaset.json", 0, K8F_OK,
                  "replicaset shop/cart-7c9d8f6b5 (Deployment cart): 3 "
                  "desired, 3 current, 2 ready, 2 available; revision 4\n"
                  "images: cart ghcr.io/example-shop/cart:1.8.2\n",
                  "replicaset: replicas and its Deployment");

    k8f_t_section(k8f_evidence_workload, "deployment-unavailable.json", 0,
                  K8F_OK,
                  "deployment shop/cart: 3 desired, 3 updated, 2 ready, 2 "
                  "available, 1 unavailable; revision 4; strategy "
                  "RollingUpdate (max unavailable 25%, max surge 25%)\n"
                  "conditions: Available False, Progressing False\n"
                  "  Available False since 2026-01-14T09:14:04Z: "
                  "MinimumReplicasUnavailable: Deployment does not have "
                  "minimum availability.\n"
                  "  Progressing False since 2026-01-14T09:22:41Z: "
                  "ProgressDeadlineExceeded: ReplicaSet \"cart-7c9d8f6b5\" "
                  "has timed out progressing.\n"
                  "images: cart ghcr.io/example-shop/cart:1.8.2\n",
                  "deployment: unavailable, progress deadline exceeded");

    k8f_t_section(k8f_evidence_hpa, "hpa-v2-maxed.json", 0, K8F_OK,
                  "hpa shop/cart for Deployment cart: 3 current, 3 desired, "
                  "min 2, max 3; last scaled 2026-01-14T08:41:26Z\n"
                  "  metric memory: current 107% of request (average "
                  "215482368), target 75% of request\n"
                  "  metric cpu: current 61% of request (average 61m), "
                  "target 70% of request\n"
                  "conditions: AbleToScale True, ScalingActive True, "
                  "ScalingLimited True\n"
                  "  ScalingLimited True since 2026-01-14T08:41:26Z: "
                  "TooManyReplicas: the desired replica count is more than "
                  "the maximum replica count\n"
                  "at its maximum of 3 replicas: the HPA cannot add more\n",
                  "hpa: at max, ScalingLimited, metrics against targets");

    k8f_t_section(k8f_evidence_workload, "pod-crashloop-oomkilled.json", 0,
                  K8F_DECLINED, "expected kind Deployment, got kind Pod\n",
                  "workload: given a Pod");
}


static void
k8f_t_statuses(void)
{
    json_t     *status;
    k8f_buf_t   out;

    k8f_t_section(k8f_t_status, "status-403-forbidden.json", 0, K8F_OK,
                  "403 forbidden: pods \"invoice-api-6d5f8b9c7-hx2lp\" is "
                  "forbidden: User "
                  "\"system:serviceaccount:k8flex:k8flex-agent\" cannot get "
                  "resource \"pods/log\" in API group \"\" in the namespace "
                  "\"billing\" (RBAC lacks get on pods/log in namespace "
                  "billing)\n",
                  "status: 403 on pods/log names the missing RBAC rule");

    k8f_t_section(k8f_t_status, "status-404-notfound.json", 0, K8F_OK,
                  "404 not found: pods \"cart-7c9d8f6b5-j9tfd\" not found "
                  "(deleted, or replaced since the alert fired)\n",
                  "status: 404 pod");

    k8f_t_section(k8f_t_status, "status-400-previous-container.json", 0,
                  K8F_OK,
                  "400 bad request: previous terminated container \"envoy\" "
                  "in pod \"cart-7c9d8f6b5-q2x4m\" not found (no previous "
                  "instance: the container has not restarted)\n",
                  "status: 400 previous container");

    k8f_t_section(k8f_t_status, "status-400-container-name-required.json", 0,
                  K8F_OK,
                  "400 bad request: a container name must be specified for "
                  "pod cart-7c9d8f6b5-q2x4m, choose one of: [cart envoy]\n",
                  "status: 400 container name required");

    k8f_t_section(k8f_evidence_pod, "status-404-notfound.json", 0,
                  K8F_DECLINED,
                  "404 not found: pods \"cart-7c9d8f6b5-j9tfd\" not found "
                  "(deleted, or replaced since the alert fired)\n",
                  "pod: given the 404 Status, the status line");

    k8f_buf_init(&out);

    status = json_pack("{s:s,s:s,s:i}", "kind", "Status", "message",
                       "nodes \"x\" is forbidden: User \"u\" cannot list "
                       "resource \"nodes\" in API group \"\" at the "
                       "cluster scope", "code", 403);

    k8f_evidence_status(NULL, 502, &out, 0);
    k8f_evidence_status(status, 0, &out, 0);

    json_decref(status);

    k8f_tap_is(k8f_buf_str(&out),
               "502 bad gateway\n"
               "403 forbidden: nodes \"x\" is forbidden: User \"u\" cannot "
               "list resource \"nodes\" in API group \"\" at the cluster scope "
               "(RBAC lacks list on nodes at cluster scope)\n",
               "status: no body, and a cluster-scoped 403 without reason");

    k8f_buf_free(&out);
}


static void
k8f_t_next(void)
{
    json_t       *pod, *names, *list;
    k8f_owner_t   owner;

    pod = k8f_tap_json(K8F_T_KUBE "pod-crashloop-oomkilled.json");

    names = k8f_evidence_restarted(pod);
    k8f_tap_ok(json_array_size(names) == 1
               && strcmp(json_string_value(json_array_get(names, 0)), "cart")
                  == 0,
               "restarted: the OOM pod's cart container: fetch previous logs");
    json_decref(names);

    k8f_tap_ok(k8f_evidence_owner(pod, &owner) == K8F_OK
               && strcmp(owner.kind, "ReplicaSet") == 0
               && strcmp(owner.name, "cart-7c9d8f6b5") == 0
               && strcmp(owner.deployment, "cart") == 0,
               "owner: pod -> ReplicaSet cart-7c9d8f6b5 -> Deployment cart "
               "(from pod-template-hash)");
    json_decref(pod);

    pod = k8f_tap_json(K8F_T_KUBE "pod-crashloop-error.json");

    names = k8f_evidence_containers(pod);
    list = json_pack("[s,s]", "cart", "envoy");
    k8f_tap_ok(json_equal(names, list), "containers: cart and envoy");
    json_decref(names);
    json_decref(list);

    names = k8f_evidence_restarted(pod);
    list = json_pack("[s]", "cart");
    k8f_tap_ok(json_equal(names, list),
               "restarted: cart only, not envoy (its previous log is a 400)");
    json_decref(names);
    json_decref(list);
    json_decref(pod);

    pod = k8f_tap_json(K8F_T_KUBE "pod-pending-unschedulable.json");
    names = k8f_evidence_restarted(pod);
    k8f_tap_ok(names != NULL && json_array_size(names) == 0,
               "restarted: a pending pod has none");
    json_decref(names);

    k8f_tap_ok(k8f_evidence_owner(pod, &owner) == K8F_OK
               && strcmp(owner.deployment, "recommendations") == 0,
               "owner: pending pod -> Deployment recommendations");
    json_decref(pod);

    pod = k8f_tap_json(K8F_T_KUBE "replicaset.json");
    k8f_tap_ok(k8f_evidence_owner(pod, &owner) == K8F_OK
               && strcmp(owner.kind, "Deployment") == 0
               && strcmp(owner.deployment, "cart") == 0,
               "owner: ReplicaSet -> Deployment cart");
    json_decref(pod);

    pod = k8f_tap_json(K8F_T_KUBE "deployment-unavailable.json");
    k8f_tap_ok(k8f_evidence_owner(pod, &owner) == K8F_DECLINED
               && owner.kind == NULL && owner.deployment[0] == '\0',
               "owner: a Deployment has none");
    json_decref(pod);

    pod = json_pack("{s:s,s:{s:{s:s},s:[{s:s,s:s}]}}", "kind", "Pod",
                    "metadata", "labels", "pod-template-hash", "zzz",
                    "ownerReferences", "kind", "ReplicaSet", "name",
                    "cart-7c9d8f6b5");
    k8f_tap_ok(k8f_evidence_owner(pod, &owner) == K8F_OK
               && owner.deployment[0] == '\0',
               "owner: a ReplicaSet name without the hash: no guess");
    json_decref(pod);

    pod = json_string("x");
    k8f_tap_ok(k8f_evidence_restarted(NULL) == NULL
               && k8f_evidence_containers(pod) == NULL,
               "restarted, containers: not a pod gives NULL");
    json_decref(pod);

    pod = k8f_tap_json(K8F_T_KUBE "hpa-v2-maxed.json");
    list = json_pack("{s:s,s:[O]}", "kind", "HorizontalPodAutoscalerList",
                     "items", pod);
    k8f_tap_ok(k8f_evidence_hpa_for(list, "Deployment", "cart")
               == json_array_get(json_object_get(list, "items"), 0)
               && k8f_evidence_hpa_for(list, "Deployment", "checkout") == NULL
               && k8f_evidence_hpa_for(list, "StatefulSet", "cart") == NULL,
               "hpa_for: the HPA that scales Deployment cart");
    json_decref(list);
    json_decref(pod);
}


static void
k8f_t_section(k8f_t_section_pt section, const char *file, size_t budget,
    int want_rc, const char *want, const char *desc)
{
    int         rc;
    char        path[256];
    json_t     *obj;
    k8f_buf_t   out;

    snprintf(path, sizeof(path), K8F_T_KUBE "%s", file);

    obj = k8f_tap_json(path);

    k8f_buf_init(&out);

    rc = section(obj, &out, budget);

    if (!k8f_tap_is(k8f_buf_str(&out), want, "%s (%s)", desc, file)) {
        k8f_tap_diag("return code %d", rc);

    } else if (rc != want_rc) {
        k8f_tap_ok(0, "%s: return code %d, expected %d", desc, rc, want_rc);
    }

    k8f_buf_free(&out);
    json_decref(obj);
}


/* the service section for an Endpoints object alone */

static int
k8f_t_service(json_t *obj, k8f_buf_t *out, size_t budget)
{
    const char  *kind;

    kind = json_string_value(json_object_get(obj, "kind"));

    if (kind != NULL && strcmp(kind, "Service") == 0) {
        return k8f_evidence_service(obj, NULL, out, budget);
    }

    return k8f_evidence_service(NULL, obj, out, budget);
}


static int
k8f_t_status(json_t *obj, k8f_buf_t *out, size_t budget)
{
    return k8f_evidence_status(obj, 0, out, budget);
}


/*
 * Every Kubernetes fixture through every section, as it is and with
 * each value replaced by values of other types: no crash (valgrind
 * watches), and the text stays fit for a prompt within its budget.
 */

static void
k8f_t_sweep(void)
{
    char            path[256];
    json_t         *root;
    unsigned        i;
    k8f_t_sweep_t   sw;

    for (i = 0; k8f_t_kube_json[i]; i++) {
        snprintf(path, sizeof(path), K8F_T_KUBE "%s", k8f_t_kube_json[i]);

        root = k8f_tap_json(path);

        memset(&sw, 0, sizeof(k8f_t_sweep_t));

        k8f_t_sweep_run(&sw, root);
        k8f_t_sweep_walk(&sw, root, root);

        k8f_tap_ok(!sw.failed, "sweep %s: %zu section calls%s%s",
                   k8f_t_kube_json[i], sw.calls, sw.failed ? ": " : "",
                   sw.failed ? sw.why : "");

        json_decref(root);
    }
}


static void
k8f_t_sweep_walk(k8f_t_sweep_t *sw, json_t *root, json_t *node)
{
    size_t       i, k;
    json_t      *v, *old, *repl[5];
    const char  *key;
    void        *tmp;

    repl[0] = json_null();
    repl[1] = json_integer(-7);
    repl[2] = json_string("\x1b[2J\n\xe2\x80\x8b\t\"x\"");
    repl[3] = json_array();
    repl[4] = json_object();

    if (json_is_object(node)) {
        json_object_foreach_safe(node, tmp, key, v) {
            old = json_incref(v);

            for (k = 0; k < 5; k++) {
                json_object_set(node, key, repl[k]);
                k8f_t_sweep_run(sw, root);
            }

            json_object_set_new(node, key, old);
            k8f_t_sweep_walk(sw, root, old);
        }

    } else if (json_is_array(node)) {
        for (i = 0; i < json_array_size(node); i++) {
            old = json_incref(json_array_get(node, i));

            for (k = 0; k < 5; k++) {
                json_array_set(node, i, repl[k]);
                k8f_t_sweep_run(sw, root);
            }

            json_array_set_new(node, i, old);
            k8f_t_sweep_walk(sw, root, old);
        }
    }

    for (k = 0; k < 5; k++) {
        json_decref(repl[k]);
    }
}


static void
k8f_t_sweep_run(k8f_t_sweep_t *sw, json_t *root)
{
    int          rc;
    size_t       b;
    unsigned     i;
    json_t      *names;
    k8f_buf_t    out;
    k8f_owner_t  owner;
    const char  *why;

    static const size_t  budgets[] = { 0, 150 };

    for (i = 0; k8f_t_sections[i].name; i++) {
        for (b = 0; b < 2; b++) {
            k8f_buf_init(&out);

            rc = k8f_t_sections[i].section(root, &out, budgets[b]);
            sw->calls++;

            why = k8f_t_clean(out.data, out.len, budgets[b]);

            if (why == NULL && rc != K8F_OK && rc != K8F_DECLINED) {
                why = "bad return code";
            }

            if (why == NULL && budgets[b] == 0 && out.len == 0) {
                why = "nothing written";
            }

            if (why != NULL && !sw->failed) {
                sw->failed = 1;
                snprintf(sw->why, sizeof(sw->why), "%s, budget %zu: %s",
                         k8f_t_sections[i].name, budgets[b], why);
            }

            k8f_buf_free(&out);
        }
    }

    names = k8f_evidence_restarted(root);
    json_decref(names);
    names = k8f_evidence_containers(root);
    json_decref(names);
    k8f_evidence_owner(root, &owner);
    k8f_evidence_hpa_for(root, "Deployment", "cart");
}
