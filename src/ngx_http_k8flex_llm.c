
/*
 * The LLM client (SPEC §4.4, §4.5): the prompt of a job, and its Ollama
 * conversation.
 *
 * The prompt is the template with the alert, the category and the
 * evidence pack, redacted once more as a whole.  options.num_ctx is one
 * of a few fixed sizes large enough for it (each new value makes Ollama
 * reload the model), or the operator's k8flex_num_ctx, and the evidence
 * is cut to fit a pinned one.
 *
 * The answer streams as NDJSON; the record is saved at most once a
 * second while it grows.  Ollama sends nothing until the model is loaded
 * (k8flex_llm_first_byte_timeout), then must keep going
 * (k8flex_llm_stall_timeout).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_llm.h"
#include "ngx_http_k8flex_report.h"
#include "ngx_http_k8flex_zone.h"
#include "k8f_ollama.h"
#include "k8f_prompt.h"
#include "k8f_redact.h"


/* an error answer is read this far */
#define NGX_HTTP_K8FLEX_REPLY_MAX    65536

#define NGX_HTTP_K8FLEX_LLM_CONNECT  10000

/* how often a streaming analysis is stored */
#define NGX_HTTP_K8FLEX_LLM_SAVE     1000


static ngx_int_t ngx_http_k8flex_llm_render(ngx_http_k8flex_job_t *job,
    const char *alert);
static ngx_int_t ngx_http_k8flex_llm_write(ngx_http_k8flex_curl_t *http,
    u_char *data, size_t len);
static void ngx_http_k8flex_llm_done(ngx_http_k8flex_curl_t *http,
    ngx_int_t rc);
static void ngx_http_k8flex_llm_save(ngx_event_t *ev);


ngx_int_t
ngx_http_k8flex_llm_prepare(ngx_http_k8flex_job_t *job)
{
    char       *text;
    json_t     *req;
    size_t      max, len, count, cut;
    k8f_buf_t   alert;
    ngx_int_t   pinned;

    k8f_buf_init(&alert);

    if (k8f_prompt_alert(job->alert, &alert) != K8F_OK) {
        goto nomem;
    }

    if (ngx_http_k8flex_llm_render(job, k8f_buf_str(&alert)) != NGX_OK) {
        goto nomem;
    }

    pinned = job->profile ? job->profile->num_ctx : 0;
    job->num_ctx = k8f_ollama_num_ctx(job->prompt.len, (int) pinned);
    max = k8f_ollama_prompt_max(job->num_ctx);

    if (job->prompt.len > max) {

        /* too long for the context: the evidence loses its tail */

        cut = job->prompt.len - max + 128;
        len = job->evidence.len > cut ? job->evidence.len - cut : 0;

        while (len > 0 && job->evidence.data[len - 1] != '\n') {
            len--;
        }

        job->evidence.len = len;
        if (job->evidence.data) {
            job->evidence.data[len] = '\0';
        }

        k8f_buf_printf(&job->evidence,
                       "(the rest of the evidence was cut to fit num_ctx "
                       "%d)\n", job->num_ctx);

        if (ngx_http_k8flex_llm_render(job, k8f_buf_str(&alert)) != NGX_OK) {
            goto nomem;
        }
    }

    k8f_buf_free(&alert);

    /* the alert's own labels may carry a secret too */

    text = k8f_redact(job->prompt.data, job->prompt.len, &len, &count);
    if (text == NULL) {
        ngx_cpystrn((u_char *) job->error,
                    (u_char *) "redaction of the prompt failed",
                    sizeof(job->error));
        return NGX_ERROR;
    }

    job->redactions += count;
    job->prompt.len = 0;

    if (k8f_buf_add(&job->prompt, text, len) != K8F_OK) {
        free(text);
        goto nomem;
    }

    free(text);

    if (job->profile && job->profile->ollama_api == NGX_HTTP_K8FLEX_API_CHAT)
    {
        req = k8f_ollama_chat_request(job->model, NULL, job->prompt.data,
                                      job->num_ctx, NULL);

    } else {
        req = k8f_ollama_request(job->model, job->prompt.data, job->num_ctx,
                                 NULL);
    }

    if (req == NULL) {
        goto nomem;
    }

    job->body = json_dumps(req, JSON_COMPACT);
    json_decref(req);

    if (job->body == NULL) {
        goto nomem;
    }

    job->body_len = ngx_strlen(job->body);

    return NGX_OK;

nomem:

    k8f_buf_free(&alert);
    ngx_cpystrn((u_char *) job->error, (u_char *) "out of memory",
                sizeof(job->error));

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_k8flex_llm_render(ngx_http_k8flex_job_t *job, const char *alert)
{
    const char  *tpl;
    size_t       len;

    tpl = NULL;
    len = 0;

    if (job->profile && job->profile->prompt.len) {
        tpl = (char *) job->profile->prompt.data;
        len = job->profile->prompt.len;
    }

    k8f_buf_free(&job->prompt);

    if (k8f_prompt_render(tpl, len, alert, job->category,
                          k8f_buf_str(&job->evidence), &job->prompt)
        != K8F_OK || job->prompt.failed)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_int_t
ngx_http_k8flex_llm_start(ngx_http_k8flex_job_t *job,
    ngx_http_k8flex_llm_done_pt done)
{
    u_char                  *url, *p;
    size_t                   len;
    ngx_http_k8flex_curl_t  *http;

    job->attempts++;
    job->llm_done = done;
    job->reply_len = 0;
    job->streaming = 0;
    job->error[0] = '\0';

    k8f_ollama_stream_free(&job->stream);
    k8f_ollama_stream_init(&job->stream, 0, 0);

    len = ngx_strlen(job->ollama) + sizeof("/api/generate");

    url = ngx_pnalloc(job->pool, len);
    p = ngx_pnalloc(job->pool, sizeof("X-K8flex-Attempt: ") + NGX_INT_T_LEN);

    if (url == NULL || p == NULL) {
        ngx_cpystrn((u_char *) job->error, (u_char *) "out of memory",
                    sizeof(job->error));
        return NGX_ERROR;
    }

    ngx_sprintf(url, "%s%s%Z", job->ollama,
                job->profile
                && job->profile->ollama_api == NGX_HTTP_K8FLEX_API_CHAT
                ? "/api/chat" : "/api/generate");

    /* which attempt this is, for proxies' logs and test doubles */

    ngx_sprintf(p, "X-K8flex-Attempt: %ui%Z", job->attempts);

    http = &job->http;
    ngx_memzero(http, sizeof(ngx_http_k8flex_curl_t));

    http->method = "POST";
    http->url = (char *) url;
    http->body = job->body;
    http->body_len = job->body_len;
    http->content_type = "application/json";
    http->headers[0] = "Accept: application/x-ndjson, application/json";
    http->headers[1] = (char *) p;

    http->connect_timeout = NGX_HTTP_K8FLEX_LLM_CONNECT;
    http->first_byte_timeout = job->kmcf->llm_first_byte_timeout;
    http->stall_timeout = job->kmcf->llm_stall_timeout;
    http->timeout = job->kmcf->llm_timeout;

    http->write = ngx_http_k8flex_llm_write;
    http->done = ngx_http_k8flex_llm_done;
    http->data = job;
    http->log = job->log;

    if (ngx_http_k8flex_curl_start(http, job->pool) != NGX_OK) {
        ngx_cpystrn((u_char *) job->error, (u_char *) http->error,
                    sizeof(job->error));
        return NGX_ERROR;
    }

    return NGX_OK;
}


void
ngx_http_k8flex_llm_cancel(ngx_http_k8flex_job_t *job)
{
    ngx_http_k8flex_curl_cancel(&job->http);

    if (job->save.timer_set) {
        ngx_del_timer(&job->save);
    }
}


const char *
ngx_http_k8flex_llm_text(ngx_http_k8flex_job_t *job, size_t *len)
{
    const char  *text;

    text = k8f_ollama_stream_text(&job->stream, len);

    if (text == NULL) {
        *len = 0;
        return "";
    }

    return text;
}


static ngx_int_t
ngx_http_k8flex_llm_write(ngx_http_k8flex_curl_t *http, u_char *data,
    size_t len)
{
    ngx_http_k8flex_job_t *job = http->data;

    int      rc;
    u_char  *p;
    size_t   n;

    if (http->status != 200) {

        /* an error answer: keep its beginning for the message */

        if (job->reply == NULL) {
            job->reply = ngx_pnalloc(job->pool, NGX_HTTP_K8FLEX_REPLY_MAX);
            if (job->reply == NULL) {
                return NGX_ERROR;
            }
        }

        n = ngx_min(len, NGX_HTTP_K8FLEX_REPLY_MAX - job->reply_len);
        p = ngx_cpymem(job->reply + job->reply_len, data, n);
        job->reply_len = p - job->reply;

        return NGX_OK;
    }

    job->streaming = 1;

    rc = k8f_ollama_stream_feed(&job->stream, (char *) data, len);

    if (!job->save.timer_set) {
        job->save.handler = ngx_http_k8flex_llm_save;
        job->save.data = job;
        job->save.log = job->log;
        job->save.cancelable = 1;

        ngx_add_timer(&job->save, NGX_HTTP_K8FLEX_LLM_SAVE);
    }

    if (rc == K8F_ERROR || (rc == K8F_DONE && job->stream.truncated)) {
        return NGX_ABORT;
    }

    return NGX_OK;
}


static void
ngx_http_k8flex_llm_save(ngx_event_t *ev)
{
    ngx_http_k8flex_job_t *job = ev->data;

    (void) ngx_http_k8flex_report_save(job);
}


static void
ngx_http_k8flex_llm_done(ngx_http_k8flex_curl_t *http, ngx_int_t rc)
{
    ngx_http_k8flex_job_t *job = http->data;

    int          state, klass;
    ngx_uint_t   ok;
    char         msg[K8F_OLLAMA_ERR_LEN];

    if (job->save.timer_set) {
        ngx_del_timer(&job->save);
    }

    if (rc == NGX_DECLINED) {
        job->llm_done(job, NGX_DECLINED);
        return;
    }

    state = job->stream.state;

    if (rc == NGX_OK && http->status == 200) {
        state = k8f_ollama_stream_finish(&job->stream);
    }

    ok = 0;

    if (rc == NGX_ERROR && state != K8F_DONE) {

        /* no answer, or the connection broke mid-stream */

        ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                     "POST %s: %s%s%Z", http->url, http->error,
                     job->streaming ? " (the stream broke off)" : "");
        rc = NGX_AGAIN;

    } else if (rc == NGX_OK && http->status != 200) {

        klass = k8f_ollama_error((int) http->status, (char *) job->reply,
                                 job->reply_len, msg, sizeof(msg));

        switch (klass) {

        case K8F_OLLAMA_RETRY:
            ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                         "POST %s: %ui %s%Z", http->url, http->status, msg);
            rc = NGX_AGAIN;
            break;

        case K8F_OLLAMA_MODEL_NOT_FOUND:
            ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                         "model \"%s\" not found at %s (%ui %s); pull it "
                         "with \"ollama pull %s\" or change k8flex_model%Z",
                         job->model, job->ollama, http->status, msg,
                         job->model);
            rc = NGX_ERROR;
            break;

        default:
            ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                         "POST %s: %ui %s%Z", http->url, http->status, msg);
            rc = NGX_ERROR;
            break;
        }

    } else if (state == K8F_DONE) {
        ok = 1;
        rc = NGX_OK;

    } else if (state == K8F_ERROR) {
        ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                     "%s %s at %s: %s%Z", job->stream.lines ? "the stream of"
                                                            : "the answer of",
                     job->model, job->ollama, job->stream.error);
        rc = NGX_ERROR;

    } else {
        ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                     "POST %s: %s%Z", http->url,
                     http->error[0] ? http->error : "no answer");
        rc = NGX_AGAIN;
    }

    job->error[sizeof(job->error) - 1] = '\0';

    if (rc == NGX_OK) {
        ngx_http_k8flex_zone_contact(job->kmcf->zone, NGX_HTTP_K8FLEX_LLM, 1,
                                     "%s answered %s in %M ms, %L tokens",
                                     job->model, job->ollama, http->elapsed,
                                     (int64_t) job->stream.eval_count);

    } else {
        ngx_http_k8flex_zone_contact(job->kmcf->zone, NGX_HTTP_K8FLEX_LLM,
                                     ok, "%s", job->error);
    }

    job->llm_done(job, rc);
}
