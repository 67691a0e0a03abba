
/*
 * The Ollama native API without the transport: request bodies, num_ctx,
 * the NDJSON stream parser and error answers.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "k8f_ollama.h"
#include "k8f_text.h"


/* bytes of a malformed line quoted in the error */
#define K8F_OLLAMA_QUOTE        80


static json_t *k8f_ollama_string(const char *s);
static int k8f_ollama_common(json_t *body, int num_ctx,
    const char *keep_alive);
static int k8f_ollama_store(k8f_ollama_stream_t *s, const char *p,
    size_t n);
static void k8f_ollama_scan(k8f_ollama_stream_t *s, unsigned char c);
static void k8f_ollama_line(k8f_ollama_stream_t *s);
static void k8f_ollama_object(k8f_ollama_stream_t *s, json_t *obj);
static void k8f_ollama_text(k8f_ollama_stream_t *s, const char *p,
    size_t n);
static int64_t k8f_ollama_int(json_t *obj, const char *key);
static int k8f_ollama_fail(k8f_ollama_stream_t *s, const char *fmt, ...);
static void k8f_ollama_quote(char *buf, size_t size, const char *p,
    size_t n);
static void k8f_ollama_copy(char *dst, size_t size, const char *src,
    size_t n);
static int k8f_ollama_message(const char *body, size_t len, char *msg,
    size_t size);


static const int  k8f_ollama_sizes[] = { 4096, 8192, 16384, 32768 };


json_t *
k8f_ollama_request(const char *model, const char *prompt, int num_ctx,
    const char *keep_alive)
{
    json_t  *body;

    if (model == NULL || prompt == NULL) {
        return NULL;
    }

    body = json_object();

    if (body == NULL
        || json_object_set_new(body, "model", k8f_ollama_string(model))
           != 0
        || json_object_set_new(body, "prompt", k8f_ollama_string(prompt))
           != 0
        || k8f_ollama_common(body, num_ctx, keep_alive) != 0)
    {
        json_decref(body);
        return NULL;
    }

    return body;
}


json_t *
k8f_ollama_chat_request(const char *model, const char *system,
    const char *prompt, int num_ctx, const char *keep_alive)
{
    json_t  *body, *messages;

    if (model == NULL || prompt == NULL) {
        return NULL;
    }

    body = json_object();
    messages = json_array();

    if (body == NULL || messages == NULL
        || json_object_set_new(body, "model", k8f_ollama_string(model))
           != 0
        || json_object_set(body, "messages", messages) != 0
        || (system != NULL
            && json_array_append_new(messages,
                   json_pack("{s:s,s:o*}", "role", "system", "content",
                             k8f_ollama_string(system)))
               != 0)
        || json_array_append_new(messages,
               json_pack("{s:s,s:o*}", "role", "user", "content",
                         k8f_ollama_string(prompt)))
           != 0
        || k8f_ollama_common(body, num_ctx, keep_alive) != 0)
    {
        json_decref(messages);
        json_decref(body);
        return NULL;
    }

    json_decref(messages);

    return body;
}


/* a JSON string of any C string: bad UTF-8 becomes U+FFFD */

static json_t *
k8f_ollama_string(const char *s)
{
    char                 *fixed, *d;
    json_t               *v;
    size_t                len, n;
    const unsigned char  *p, *end;

    v = json_string(s);
    if (v != NULL) {
        return v;
    }

    len = strlen(s);

    fixed = malloc(len * 3 + 1);
    if (fixed == NULL) {
        return NULL;
    }

    p = (const unsigned char *) s;
    end = p + len;
    d = fixed;

    while (p < end) {
        n = k8f_text_utf8(p, end - p);

        if (n == 0) {
            memcpy(d, "\xef\xbf\xbd", 3);
            d += 3;
            p++;
            continue;
        }

        memcpy(d, p, n);
        d += n;
        p += n;
    }

    v = json_stringn(fixed, d - fixed);

    free(fixed);

    return v;
}


static int
k8f_ollama_common(json_t *body, int num_ctx, const char *keep_alive)
{
    json_t      *v;
    const char  *p;

    if (json_object_set_new(body, "stream", json_true()) != 0) {
        return -1;
    }

    if (num_ctx > 0
        && json_object_set_new(body, "options",
                               json_pack("{s:i}", "num_ctx", num_ctx))
           != 0)
    {
        return -1;
    }

    if (keep_alive == NULL) {
        return 0;
    }

    /* Ollama rejects a duration string without a unit: send seconds */

    p = keep_alive + (keep_alive[0] == '-');

    if (*p != '\0' && strspn(p, "0123456789") == strlen(p)) {
        v = json_integer(strtoll(keep_alive, NULL, 10));

    } else {
        v = k8f_ollama_string(keep_alive);
    }

    return json_object_set_new(body, "keep_alive", v);
}


int
k8f_ollama_num_ctx(size_t prompt_bytes, int pinned)
{
    size_t      tokens;
    unsigned    i;

    if (pinned > 0) {
        return pinned;
    }

    tokens = prompt_bytes / K8F_OLLAMA_BYTES_PER_TOKEN
             + (prompt_bytes % K8F_OLLAMA_BYTES_PER_TOKEN != 0)
             + K8F_OLLAMA_ANSWER_TOKENS;

    for (i = 0; i < sizeof(k8f_ollama_sizes) / sizeof(int); i++) {
        if (tokens <= (size_t) k8f_ollama_sizes[i]) {
            return k8f_ollama_sizes[i];
        }
    }

    return K8F_OLLAMA_NUM_CTX_MAX;
}


size_t
k8f_ollama_prompt_max(int num_ctx)
{
    int  answer;

    if (num_ctx <= 0) {
        return 0;
    }

    /* a small pinned context still leaves half of it to the answer */

    answer = K8F_OLLAMA_ANSWER_TOKENS;

    if (answer > num_ctx / 2) {
        answer = num_ctx / 2;
    }

    return (size_t) (num_ctx - answer) * K8F_OLLAMA_BYTES_PER_TOKEN;
}


void
k8f_ollama_stream_init(k8f_ollama_stream_t *s, size_t text_max,
    size_t line_max)
{
    memset(s, 0, sizeof(k8f_ollama_stream_t));

    s->state = K8F_AGAIN;
    s->text_max = text_max ? text_max : K8F_OLLAMA_TEXT_MAX;
    s->line_max = line_max ? line_max : K8F_OLLAMA_LINE_MAX;

    s->prompt_eval_count = -1;
    s->eval_count = -1;
    s->total_duration = -1;
    s->load_duration = -1;
    s->prompt_eval_duration = -1;
    s->eval_duration = -1;
}


int
k8f_ollama_stream_feed(k8f_ollama_stream_t *s, const char *data,
    size_t len)
{
    const char  *p, *end, *nl;

    p = data;
    end = data + len;

    while (s->state == K8F_AGAIN && p < end) {

        nl = memchr(p, '\n', end - p);

        if (k8f_ollama_store(s, p, (nl ? nl : end) - p) != K8F_OK) {
            break;
        }

        if (nl == NULL) {
            break;
        }

        k8f_ollama_line(s);

        p = nl + 1;
    }

    return s->state;
}


int
k8f_ollama_stream_finish(k8f_ollama_stream_t *s)
{
    if (s->state != K8F_AGAIN) {
        return s->state;
    }

    if (s->line_len > 0) {
        k8f_ollama_line(s);
    }

    if (s->state != K8F_AGAIN) {
        return s->state;
    }

    if (s->lines == 0) {
        return k8f_ollama_fail(s, "stream ended before done: empty body");
    }

    return k8f_ollama_fail(s, "stream ended before done (after %zu line%s)",
                           s->lines, s->lines == 1 ? "" : "s");
}


const char *
k8f_ollama_stream_text(k8f_ollama_stream_t *s, size_t *len)
{
    if (len != NULL) {
        *len = s->text_len;
    }

    return s->text ? s->text : "";
}


void
k8f_ollama_stream_free(k8f_ollama_stream_t *s)
{
    free(s->text);
    free(s->line);

    s->text = NULL;
    s->line = NULL;
    s->text_len = 0;
    s->text_size = 0;
    s->line_len = 0;
    s->line_size = 0;
}


/* appends a piece of the current line, without its top-level "context" */

static int
k8f_ollama_store(k8f_ollama_stream_t *s, const char *p, size_t n)
{
    char           *line;
    size_t          size;
    unsigned char   c;

    while (n--) {
        c = (unsigned char) *p++;

        if (s->skip) {
            if (c != ']') {
                continue;
            }

            s->skip = 0;
        }

        if (s->line_len == s->line_max) {
            return k8f_ollama_fail(s, "line %zu of the stream is longer "
                                   "than %zu bytes", s->lines + 1,
                                   s->line_max);
        }

        if (s->line_len == s->line_size) {
            size = s->line_size ? s->line_size * 2 : 1024;

            if (size > s->line_max) {
                size = s->line_max;
            }

            line = realloc(s->line, size + 1);
            if (line == NULL) {
                return k8f_ollama_fail(s, "out of memory");
            }

            s->line = line;
            s->line_size = size;
        }

        s->line[s->line_len++] = c;

        k8f_ollama_scan(s, c);
    }

    return K8F_OK;
}


/*
 * Follows strings and nesting of the line stored so far, and starts to
 * drop bytes after the '[' of a top-level "context" key.
 */

static void
k8f_ollama_scan(k8f_ollama_stream_t *s, unsigned char c)
{
    if (s->in_string) {

        if (s->escape) {
            s->escape = 0;

        } else if (c == '\\') {
            s->escape = 1;

        } else if (c == '"') {
            s->in_string = 0;
            s->key = (s->depth == 1
                      && s->line_len - s->str_start == 9
                      && memcmp(s->line + s->str_start, "\"context\"", 9)
                         == 0);
        }

        return;
    }

    switch (c) {

    case '"':
        s->in_string = 1;
        s->str_start = s->line_len - 1;
        s->key = 0;
        break;

    case ':':
        s->key = (s->key == 1) ? 2 : 0;
        break;

    case '[':
        s->skip = (s->key == 2);

        /* fall through */

    case '{':
        s->depth++;
        s->key = 0;
        break;

    case ']':
    case '}':
        s->depth--;
        s->key = 0;
        break;

    case ' ':
    case '\t':
    case '\r':
        break;

    default:
        s->key = 0;
    }
}


static void
k8f_ollama_line(k8f_ollama_stream_t *s)
{
    char          quote[K8F_OLLAMA_QUOTE * 4 + 8];
    json_t       *obj;
    size_t        len;
    const char   *p, *hint;

    p = s->line;
    len = s->line_len;

    while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == ' '
                       || p[len - 1] == '\t'))
    {
        len--;
    }

    while (len > 0 && (*p == ' ' || *p == '\t' || *p == '\r')) {
        p++;
        len--;
    }

    s->line_len = 0;
    s->depth = 0;
    s->key = 0;
    s->in_string = 0;
    s->escape = 0;
    s->skip = 0;

    if (len == 0) {
        return;
    }

    s->lines++;

    obj = json_loadb(p, len, 0, NULL);

    if (!json_is_object(obj)) {
        json_decref(obj);

        k8f_ollama_quote(quote, sizeof(quote), p, len);

        hint = "";

        if (len >= 5 && memcmp(p, "data:", 5) == 0) {
            hint = " (an OpenAI-style event stream: Ollama's native API "
                   "is under /api)";
        }

        k8f_ollama_fail(s, "malformed line %zu of the stream: %s%s",
                        s->lines, quote, hint);
        return;
    }

    k8f_ollama_object(s, obj);

    json_decref(obj);
}


static void
k8f_ollama_object(k8f_ollama_stream_t *s, json_t *obj)
{
    json_t      *v, *message;
    const char  *reason;

    v = json_object_get(obj, "error");

    if (v != NULL && !json_is_null(v)) {
        if (json_is_object(v)) {
            v = json_object_get(v, "message");
        }

        if (json_is_string(v)) {
            s->state = K8F_ERROR;
            k8f_ollama_copy(s->error, sizeof(s->error), json_string_value(v),
                            json_string_length(v));
            return;
        }

        k8f_ollama_fail(s, "an error line without a message on line %zu "
                        "of the stream", s->lines);
        return;
    }

    message = json_object_get(obj, "message");

    v = json_object_get(obj, "response");

    if (!json_is_string(v)) {
        v = json_object_get(message, "content");
    }

    if (json_is_string(v)) {
        k8f_ollama_text(s, json_string_value(v), json_string_length(v));
    }

    v = json_object_get(obj, "thinking");

    if (!json_is_string(v)) {
        v = json_object_get(message, "thinking");
    }

    if (json_is_string(v)) {
        s->thinking += json_string_length(v);
    }

    if (!json_is_true(json_object_get(obj, "done"))) {
        return;
    }

    s->state = K8F_DONE;

    reason = json_string_value(json_object_get(obj, "done_reason"));

    k8f_ollama_copy(s->done_reason, sizeof(s->done_reason),
                    reason ? reason : "", reason ? strlen(reason) : 0);

    s->prompt_eval_count = k8f_ollama_int(obj, "prompt_eval_count");
    s->eval_count = k8f_ollama_int(obj, "eval_count");
    s->total_duration = k8f_ollama_int(obj, "total_duration");
    s->load_duration = k8f_ollama_int(obj, "load_duration");
    s->prompt_eval_duration = k8f_ollama_int(obj, "prompt_eval_duration");
    s->eval_duration = k8f_ollama_int(obj, "eval_duration");
}


/* a full text ends the stream: the caller closes, Ollama stops */

static void
k8f_ollama_text(k8f_ollama_stream_t *s, const char *p, size_t n)
{
    char    *text;
    size_t   size;

    if (s->truncated || n == 0) {
        return;
    }

    if (n > s->text_max - s->text_len) {
        n = k8f_text_utf8_cut(p, s->text_max - s->text_len);
        s->truncated = 1;
        s->state = K8F_DONE;
    }

    if (s->text_len + n + 1 > s->text_size) {
        size = s->text_size ? s->text_size : 4096;

        while (size < s->text_len + n + 1) {
            size *= 2;
        }

        if (size > s->text_max + 1) {
            size = s->text_max + 1;
        }

        text = realloc(s->text, size);
        if (text == NULL) {
            k8f_ollama_fail(s, "out of memory");
            return;
        }

        s->text = text;
        s->text_size = size;
    }

    memcpy(s->text + s->text_len, p, n);
    s->text_len += n;
    s->text[s->text_len] = '\0';
}


static int64_t
k8f_ollama_int(json_t *obj, const char *key)
{
    json_t  *v;

    v = json_object_get(obj, key);

    return json_is_integer(v) ? (int64_t) json_integer_value(v) : -1;
}


static int
k8f_ollama_fail(k8f_ollama_stream_t *s, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    vsnprintf(s->error, sizeof(s->error), fmt, args);
    va_end(args);

    s->state = K8F_ERROR;

    return K8F_ERROR;
}


/* the start of a line in double quotes, escaped, "..." when cut */

static void
k8f_ollama_quote(char *buf, size_t size, const char *p, size_t n)
{
    char            *d, *last;
    size_t           k, room;
    unsigned char    c;

    if (size < 8) {
        return;
    }

    d = buf;
    last = buf + size - 5;          /* room for '"', "...", NUL */
    *d++ = '"';

    room = K8F_OLLAMA_QUOTE;

    while (n > 0 && room > 0) {
        c = (unsigned char) *p;
        k = k8f_text_utf8((const unsigned char *) p, n);

        if (k == 0 || c < 0x20 || c == 0x7f) {
            if (last - d < 4) {
                break;
            }

            d += sprintf(d, "\\x%02x", c);
            k = 1;

        } else if (c == '"' || c == '\\') {
            if (last - d < 2) {
                break;
            }

            *d++ = '\\';
            *d++ = c;

        } else {
            if ((size_t) (last - d) < k) {
                break;
            }

            memcpy(d, p, k);
            d += k;
        }

        p += k;
        n -= k;
        room = room > k ? room - k : 0;
    }

    *d++ = '"';

    if (n > 0) {
        memcpy(d, "...", 3);
        d += 3;
    }

    *d = '\0';
}


/* a server's text into msg: one line, whole UTF-8 characters */

static void
k8f_ollama_copy(char *dst, size_t size, const char *src, size_t n)
{
    size_t           i, k;
    unsigned char    c;

    if (size == 0) {
        return;
    }

    i = 0;

    while (n > 0 && i + 1 < size) {
        c = (unsigned char) *src;
        k = k8f_text_utf8((const unsigned char *) src, n);

        if (k == 0 || c < 0x20 || c == 0x7f) {
            dst[i++] = (k == 0) ? '?' : ' ';
            k = 1;

        } else {
            if (i + k + 1 > size) {
                break;
            }

            memcpy(dst + i, src, k);
            i += k;
        }

        src += k;
        n -= k;
    }

    dst[i] = '\0';
}


int
k8f_ollama_error(int status, const char *body, size_t len, char *msg,
    size_t size)
{
    int           from_json, empty, not_found;
    size_t        n;
    json_t       *root, *v;
    const char   *hint;

    if (size > 0) {
        msg[0] = '\0';
    }

    if (status >= 200 && status <= 299) {
        return K8F_OLLAMA_OK;
    }

    from_json = 0;
    empty = 0;
    not_found = 0;
    root = (body != NULL && len > 0) ? json_loadb(body, len, 0, NULL) : NULL;

    v = json_object_get(root, "error");

    if (json_is_object(v)) {
        v = json_object_get(v, "message");
    }

    if (json_is_string(v)) {
        k8f_ollama_copy(msg, size, json_string_value(v),
                        json_string_length(v));
        from_json = 1;

        /* on the whole text: msg may be too short for it */
        not_found = (k8f_text_find(json_string_value(v),
                                   json_string_length(v), "not found")
                     != NULL);

    } else {
        empty = k8f_ollama_message(body, len, msg, size);
    }

    json_decref(root);

    hint = NULL;

    if (status == 404) {
        if (not_found) {
            return K8F_OLLAMA_MODEL_NOT_FOUND;
        }

        if (!from_json) {
            hint = " (no such path: is k8flex_ollama the server's base URL?)";
        }

    } else if (status == 403 && empty) {
        hint = " (Ollama's Host check: a server bound to loopback refuses "
               "other host names)";
    }

    if (hint != NULL && size > 0) {
        n = strlen(msg);
        k8f_ollama_copy(msg + n, size - n, hint, strlen(hint));
    }

    if (status == 408 || status == 429
        || (status >= 500 && status <= 599 && status != 501 && status != 505))
    {
        return K8F_OLLAMA_RETRY;
    }

    return K8F_OLLAMA_FATAL;
}


/* a body that is not Ollama's JSON: an HTML title or the first line */

static int
k8f_ollama_message(const char *body, size_t len, char *msg, size_t size)
{
    const char  *p, *end, *title;

    p = body;
    end = body ? body + len : NULL;

    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    if (p == end) {
        k8f_ollama_copy(msg, size, "empty body", 10);
        return 1;
    }

    if (*p == '<') {
        title = k8f_text_find(p, end - p, "<title>");

        if (title != NULL) {
            p = title + 7;
            end = k8f_text_find(p, end - p, "</title>");

            if (end == NULL) {
                end = body + len;
            }
        }
    }

    len = 0;

    while (p + len < end && p[len] != '\n' && p[len] != '\r') {
        len++;
    }

    k8f_ollama_copy(msg, size, p, len);

    return 0;
}
