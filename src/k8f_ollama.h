
/*
 * The Ollama native API without the transport: request bodies, the
 * choice of options.num_ctx, an incremental parser of the NDJSON answer
 * of /api/generate and /api/chat, and the reading of error answers.
 * Plain C over jansson: no nginx types, no I/O.
 */

#ifndef _K8F_OLLAMA_H_INCLUDED_
#define _K8F_OLLAMA_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "k8f_text.h"     /* K8F_OK... */



#define K8F_OLLAMA_ERR_LEN      512

/* defaults of k8f_ollama_stream_init() */
#define K8F_OLLAMA_TEXT_MAX     (256 * 1024)
#define K8F_OLLAMA_LINE_MAX     (64 * 1024)

/* what a prompt may use of the context; the rest is for the answer */
#define K8F_OLLAMA_ANSWER_TOKENS  2048
#define K8F_OLLAMA_BYTES_PER_TOKEN  3
#define K8F_OLLAMA_NUM_CTX_MAX  32768


/*
 * The body of POST /api/generate: model, prompt, "stream":true,
 * "options":{"num_ctx":N} (left out when num_ctx <= 0: the server's
 * default) and keep_alive (left out when NULL).  A keep_alive of digits
 * only ("600", "-1") goes out as a number of seconds, because Ollama
 * answers 400 to a duration string without a unit; others ("10m") go
 * as strings.  A prompt that is not valid UTF-8 is sent with U+FFFD in
 * place of the bad bytes.  NULL only when model or prompt is NULL or
 * memory ran out.
 */
json_t *k8f_ollama_request(const char *model, const char *prompt,
    int num_ctx, const char *keep_alive);

/*
 * The same for POST /api/chat: "messages" holds a "system" message
 * (left out when system is NULL) and a "user" message with the prompt.
 */
json_t *k8f_ollama_chat_request(const char *model, const char *system,
    const char *prompt, int num_ctx, const char *keep_alive);

/*
 * options.num_ctx for a prompt of prompt_bytes bytes.  pinned > 0 is
 * the operator's choice and is returned as is.  Otherwise the smallest
 * of 4096, 8192, 16384, 32768 that holds prompt_bytes / 3 tokens plus
 * K8F_OLLAMA_ANSWER_TOKENS for the answer and the model's template:
 * three bytes a token is pessimistic for English (about four) and about
 * right for JSON, logs, UUIDs and hashes, which tokenize badly, so the
 * prompt is not truncated silently.  Few fixed sizes, because each new
 * num_ctx makes Ollama reload the model.  Never more than 32768: the
 * engine shrinks the evidence to k8f_ollama_prompt_max() instead.
 */
int k8f_ollama_num_ctx(size_t prompt_bytes, int pinned);

/* the largest prompt, in bytes, that k8f_ollama_num_ctx() fits in num_ctx */
size_t k8f_ollama_prompt_max(int num_ctx);


/*
 * The NDJSON stream parser.  Feed it the body in any slices: a line may
 * be split across calls, many lines may come in one, lines may end in
 * CRLF, blank lines are skipped.  It keeps the text of "response"
 * (/api/generate) or "message.content" (/api/chat), including the text
 * of the final line, and only counts "thinking".
 *
 * k8f_ollama_stream_feed() and k8f_ollama_stream_finish() return the
 * state, which is also in s->state:
 *
 *   K8F_AGAIN   more input is wanted
 *   K8F_DONE    a line had "done":true; done_reason and the metrics are
 *               set.  Also when the text reached text_max: then
 *               truncated is 1, done_reason is "" and the caller should
 *               close the connection (Ollama stops generating then).
 *   K8F_ERROR   failed, s->error says why: the server's {"error":...}
 *               line (sent instead of done, status still 200), a
 *               malformed line (quoted), a line longer than line_max,
 *               "stream ended before done" (finish() without a done
 *               line) or "out of memory"
 *
 * Once DONE or ERROR, further input is ignored.  finish() is for the
 * end of the body: it parses a last line that had no newline, as a
 * stream:false body has.  The text grows while the stream is parsed:
 * k8f_ollama_stream_text() may be read after every feed.
 *
 * The final /api/generate line carries "context", the token ids of the
 * prompt and the answer: about 7 bytes a token, 230 KiB at num_ctx
 * 32768.  The parser drops that array while it reads the line, so
 * line_max bounds the other fields only.
 */

typedef struct {
    int                    state;          /* K8F_AGAIN, _DONE, _ERROR */

    char                  *text;           /* NUL-terminated, or NULL */
    size_t                 text_len;
    size_t                 text_size;
    size_t                 text_max;

    char                  *line;           /* the line being read */
    size_t                 line_len;
    size_t                 line_size;
    size_t                 line_max;

    /* where the line is, to drop the top-level "context" array */
    size_t                 str_start;
    int                    depth;
    int                    key;
    unsigned               in_string:1;
    unsigned               escape:1;
    unsigned               skip:1;

    unsigned               truncated:1;    /* text reached text_max */

    size_t                 lines;          /* non-blank lines parsed */
    size_t                 thinking;       /* bytes of "thinking" */

    /* from the done line; -1 when absent; durations in nanoseconds */
    char                   done_reason[32];
    int64_t                prompt_eval_count;
    int64_t                eval_count;
    int64_t                total_duration;
    int64_t                load_duration;
    int64_t                prompt_eval_duration;
    int64_t                eval_duration;

    char                   error[K8F_OLLAMA_ERR_LEN];
} k8f_ollama_stream_t;


/* 0 for text_max or line_max means the default above */
void k8f_ollama_stream_init(k8f_ollama_stream_t *s, size_t text_max,
    size_t line_max);
int k8f_ollama_stream_feed(k8f_ollama_stream_t *s, const char *data,
    size_t len);
int k8f_ollama_stream_finish(k8f_ollama_stream_t *s);
const char *k8f_ollama_stream_text(k8f_ollama_stream_t *s, size_t *len);
void k8f_ollama_stream_free(k8f_ollama_stream_t *s);


/*
 * A status other than 200, answered before any stream byte.  The
 * server's message goes into msg: the "error" string of a JSON body
 * (or "error.message", the /v1 shape), the title of an HTML page from
 * a proxy, else the first line of the text; "empty body" when there is
 * none.  The caller says which server and status.  Returns:
 *
 *   K8F_OLLAMA_OK               2xx: not an error
 *   K8F_OLLAMA_RETRY            408, 429 and 5xx but 501 and 505: 503
 *                               (queue full), 500 (the model failed to
 *                               load: VRAM held by a model being
 *                               unloaded, a load timeout on a cold
 *                               disk), 502 and 504 from proxies.  The
 *                               caller bounds the retries and backs
 *                               off; a model that never loads fails
 *                               after the last retry with this message.
 *   K8F_OLLAMA_MODEL_NOT_FOUND  404 with a JSON error saying "not found"
 *                               (the wording changed across versions):
 *                               fail the analysis, do not retry
 *   K8F_OLLAMA_FATAL            anything else: 400 (bad request, prompt
 *                               longer than the context with "truncate"
 *                               off), 401/403 (403 with an empty body is
 *                               Ollama's Host check), a plain-text 404
 *                               (a path that is not Ollama's API)
 */

#define K8F_OLLAMA_OK               0
#define K8F_OLLAMA_RETRY            1
#define K8F_OLLAMA_FATAL            2
#define K8F_OLLAMA_MODEL_NOT_FOUND  3

int k8f_ollama_error(int status, const char *body, size_t len, char *msg,
    size_t size);


#endif /* _K8F_OLLAMA_H_INCLUDED_ */
