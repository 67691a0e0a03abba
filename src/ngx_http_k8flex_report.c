
/*
 * Delivery of an analysis (SPEC §4.6): the record in the store, read by
 * k8flex_analyses, and a block in the error log at notice (error when
 * the analysis failed) that names the source and namespace/pod, so that
 *
 *   grep 'k8flex: analysis' error.log
 *
 * shows every analysis.  Everything shown went through redaction.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_llm.h"
#include "ngx_http_k8flex_report.h"
#include "ngx_http_k8flex_store.h"
#include "ngx_http_k8flex_zone.h"
#include "k8f_prompt.h"
#include "k8f_redact.h"


/* an error log line is at most NGX_MAX_ERROR_STR (2048) bytes */
#define NGX_HTTP_K8FLEX_LOG_CHUNK  1536


static json_t *ngx_http_k8flex_report_record(ngx_http_k8flex_job_t *job);
static json_t *ngx_http_k8flex_report_evidence(ngx_http_k8flex_job_t *job);
static json_t *ngx_http_k8flex_report_timings(ngx_http_k8flex_job_t *job);
static json_t *ngx_http_k8flex_report_stats(ngx_http_k8flex_job_t *job);
static char *ngx_http_k8flex_report_text(ngx_http_k8flex_job_t *job,
    size_t *len);
static u_char *ngx_http_k8flex_report_target(ngx_http_k8flex_job_t *job,
    u_char *buf, size_t size);
static json_t *ngx_http_k8flex_report_str(const char *s);


ngx_int_t
ngx_http_k8flex_report_save(ngx_http_k8flex_job_t *job)
{
    json_t     *record;
    ngx_int_t   rc;

    record = ngx_http_k8flex_report_record(job);

    if (record == NULL) {
        ngx_log_error(NGX_LOG_ERR, job->log, 0,
                      "k8flex: analysis %V: no memory for its record",
                      &job->id);
        return NGX_ERROR;
    }

    rc = ngx_http_k8flex_store_write(job->kmcf->store, &job->id, record,
                                     job->log);
    json_decref(record);

    return rc;
}


static json_t *
ngx_http_k8flex_report_record(ngx_http_k8flex_job_t *job)
{
    char     *text;
    json_t   *r, *doc;
    size_t    len;
    u_char    now[32];

    doc = job->doc;
    text = NULL;

    if (job->state >= NGX_HTTP_K8FLEX_ANALYZING || job->analysis.len) {
        text = ngx_http_k8flex_report_text(job, &len);
    }

    r = json_pack("{s:s%,s:s,s:O?,s:s,s:O?,s:O?,s:O?,s:I,s:O?,s:s?,s:s?}",
                  "id", job->id.data, job->id.len,
                  "state", ngx_http_k8flex_state_names[job->state],
                  "received_at", json_object_get(doc, "received_at"),
                  "updated_at", ngx_http_k8flex_iso_time(now),
                  "source", json_object_get(doc, "source"),
                  "adapter", json_object_get(doc, "adapter"),
                  "location", json_object_get(doc, "location"),
                  "worker", (json_int_t) ngx_pid,
                  "alert", job->alert,
                  "category", job->category,
                  "category_reason", job->category ? job->why : NULL);

    if (r == NULL) {
        free(text);
        return NULL;
    }

    json_object_set_new(r, "evidence",
                        job->gathered_at ? ngx_http_k8flex_report_evidence(job)
                                         : json_null());
    json_object_set_new(r, "prompt_bytes",
                        job->prompt.len ? json_integer(job->prompt.len)
                                        : json_null());
    json_object_set_new(r, "llm", ngx_http_k8flex_report_str(job->llm));
    json_object_set_new(r, "ollama", ngx_http_k8flex_report_str(job->ollama));
    json_object_set_new(r, "model", ngx_http_k8flex_report_str(job->model));
    json_object_set_new(r, "api", json_string(
                        job->profile
                        && job->profile->ollama_api == NGX_HTTP_K8FLEX_API_CHAT
                        ? "chat" : "generate"));
    json_object_set_new(r, "num_ctx", job->num_ctx ? json_integer(job->num_ctx)
                                                   : json_null());
    json_object_set_new(r, "attempts", json_integer(job->attempts));
    json_object_set_new(r, "analysis", text && len ? json_stringn(text, len)
                                                   : json_null());
    json_object_set_new(r, "ollama_stats", ngx_http_k8flex_report_stats(job));
    json_object_set_new(r, "timings", ngx_http_k8flex_report_timings(job));
    json_object_set_new(r, "error",
                        job->error[0] && job->state == NGX_HTTP_K8FLEX_FAILED
                        ? json_string(job->error) : json_null());

    if (job->llm && ngx_strcmp(job->llm, "unavailable") == 0) {
        json_object_set_new(r, "llm_error", json_string(job->error));
    }

    free(text);

    return r;
}


static json_t *
ngx_http_k8flex_report_str(const char *s)
{
    return s ? json_string(s) : json_null();
}


static json_t *
ngx_http_k8flex_report_evidence(ngx_http_k8flex_job_t *job)
{
    json_t                  *sections, *s, *error;
    ngx_uint_t               i, kind;
    const char              *nl;
    ngx_http_k8flex_call_t  *call;

    sections = json_array();
    if (sections == NULL) {
        return NULL;
    }

    for (kind = 0; kind < NGX_HTTP_K8FLEX_SECTION_N; kind++) {

        for (i = 0; i < job->ncalls; i++) {
            call = &job->calls[i];

            if (call->kind != kind || call->text.len == 0) {
                continue;   /* endpoints read fine: shown with the service */
            }

            error = json_null();

            if (call->failed && call->text.len) {
                nl = memchr(call->text.data, '\n', call->text.len);
                error = json_stringn(call->text.data,
                                     nl ? (size_t) (nl - call->text.data)
                                        : call->text.len);
            }

            s = json_pack("{s:s,s:s+,s:i,s:I,s:b,s:I,s:o,s:s}",
                          "name", call->name[0] ? call->name : "endpoints",
                          "request", "GET ", call->kube.path.data,
                          "status", (int) call->kube.status,
                          "ms", (json_int_t) call->kube.ms,
                          "cached", (int) call->kube.cached,
                          "bytes", (json_int_t) call->text.len,
                          "error", error,
                          "text", k8f_buf_str(&call->text));

            if (s == NULL || json_array_append_new(sections, s) != 0) {
                json_decref(sections);
                return NULL;
            }
        }
    }

    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}",
                     "bytes", (json_int_t) job->evidence.len,
                     "redactions", (json_int_t) job->redactions,
                     "calls", (json_int_t) job->ncalls,
                     "cached", (json_int_t) job->cached_calls,
                     "failed", (json_int_t) job->failed_calls,
                     "sections", sections);
}


static json_t *
ngx_http_k8flex_report_timings(ngx_http_k8flex_job_t *job)
{
    json_t      *t;
    ngx_msec_t   end;

    end = job->finished_at ? job->finished_at : ngx_current_msec;

    t = json_pack("{s:s?,s:s?,s:s?}",
                  "claimed_at", job->claimed_at ? (char *) job->claimed_iso
                                                : NULL,
                  "gathered_at", job->gathered_at ? (char *) job->gathered_iso
                                                  : NULL,
                  "finished_at", job->finished_at ? (char *) job->finished_iso
                                                  : NULL);
    if (t == NULL) {
        return NULL;
    }

    json_object_set_new(t, "gathering_ms", job->gathered_at
                        ? json_integer(job->gathered_at - job->claimed_at)
                        : json_null());
    json_object_set_new(t, "waiting_ms", job->llm_started_at
                        ? json_integer(job->llm_started_at - job->gathered_at)
                        : json_null());
    json_object_set_new(t, "analyzing_ms", job->llm_started_at
                        ? json_integer(end - job->llm_started_at)
                        : json_null());
    json_object_set_new(t, "total_ms", job->finished_at
                        ? json_integer(end - job->claimed_at) : json_null());

    return t;
}


static json_t *
ngx_http_k8flex_report_stats(ngx_http_k8flex_job_t *job)
{
    k8f_ollama_stream_t  *s;

    s = &job->stream;

    if (s->state != K8F_DONE || job->llm == NULL
        || ngx_strcmp(job->llm, "ok") != 0)
    {
        return json_null();
    }

    return json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}",
                     "done_reason", s->done_reason,
                     "prompt_eval_count", (json_int_t) s->prompt_eval_count,
                     "eval_count", (json_int_t) s->eval_count,
                     "total_duration_ns", (json_int_t) s->total_duration,
                     "load_duration_ns", (json_int_t) s->load_duration,
                     "prompt_eval_duration_ns",
                     (json_int_t) s->prompt_eval_duration,
                     "eval_duration_ns", (json_int_t) s->eval_duration);
}


/* the analysis so far, redacted: the LLM may quote what it was shown */

static char *
ngx_http_k8flex_report_text(ngx_http_k8flex_job_t *job, size_t *len)
{
    const char  *text;
    size_t       n;

    if (job->analysis.len) {
        text = job->analysis.data;
        n = job->analysis.len;

    } else {
        text = ngx_http_k8flex_llm_text(job, &n);
    }

    return k8f_redact(text, n, len, NULL);
}


void
ngx_http_k8flex_report_log(ngx_http_k8flex_job_t *job)
{
    char        *text, *p, *last, *end;
    size_t       len;
    ngx_uint_t   level;
    const char  *alertname, *source;
    u_char       target[300];

    level = job->state == NGX_HTTP_K8FLEX_FAILED ? NGX_LOG_ERR
                                                 : NGX_LOG_NOTICE;

    source = json_string_value(json_object_get(job->doc, "source"));
    alertname = json_string_value(json_object_get(job->alert, "alertname"));

    ngx_http_k8flex_report_target(job, target, sizeof(target));

    ngx_log_error(level, job->log, 0,
                  "k8flex: analysis %V of %s alert \"%s\" on %s: %s "
                  "(category %s, llm %s, %M ms)%s%s",
                  &job->id, source ? source : "unknown",
                  alertname ? alertname : "", target,
                  ngx_http_k8flex_state_names[job->state],
                  job->category ? job->category : "none",
                  job->llm ? job->llm : "not asked",
                  job->finished_at - job->claimed_at,
                  job->state == NGX_HTTP_K8FLEX_FAILED ? ": " : "",
                  job->state == NGX_HTTP_K8FLEX_FAILED ? job->error : "");

    text = ngx_http_k8flex_report_text(job, &len);

    if (text == NULL || len == 0) {
        free(text);
        return;
    }

    /* the text, cut on line ends into what one log line can hold */

    p = text;
    last = text + len;

    while (p < last) {
        end = p + ngx_min((size_t) (last - p), NGX_HTTP_K8FLEX_LOG_CHUNK);

        if (end < last) {
            char  *nl = end;

            while (nl > p && *(nl - 1) != '\n') {
                nl--;
            }

            if (nl > p) {
                end = nl;
            }
        }

        ngx_log_error(NGX_LOG_NOTICE, job->log, 0,
                      "k8flex: analysis %V:\n%*s", &job->id,
                      (size_t) (end - p), p);
        p = end;
    }

    free(text);
}


static u_char *
ngx_http_k8flex_report_target(ngx_http_k8flex_job_t *job, u_char *buf,
    size_t size)
{
    u_char      *p;
    const char  *ns, *name;

    ns = json_string_value(json_object_get(job->alert, "namespace"));

    name = json_string_value(json_object_get(job->alert, "pod"));
    if (name == NULL) {
        name = json_string_value(json_object_get(job->alert, "service"));
    }

    if (ns && name) {
        p = ngx_snprintf(buf, size - 1, "%s/%s", ns, name);

    } else if (ns) {
        p = ngx_snprintf(buf, size - 1, "namespace %s", ns);

    } else if ((name = json_string_value(json_object_get(job->alert, "node"))))
    {
        p = ngx_snprintf(buf, size - 1, "node %s", name);

    } else {
        p = ngx_cpymem(buf, "no Kubernetes object", 20);
    }

    *p = '\0';

    return buf;
}


void
ngx_http_k8flex_report_fallback(ngx_http_k8flex_job_t *job)
{
    char                    *text;
    size_t                   len, i;
    k8f_buf_t                raw, failures;
    k8f_fallback_t           in;
    ngx_http_k8flex_call_t  *call, *log;
    u_char                   log_name[128];

    ngx_memzero(&in, sizeof(k8f_fallback_t));
    k8f_buf_init(&raw);
    k8f_buf_init(&failures);

    in.alert = job->alert;
    in.category = job->category;
    in.reason = job->error;
    in.pod = ngx_http_k8flex_gather_find(job, NGX_HTTP_K8FLEX_SECTION_POD);
    in.events = ngx_http_k8flex_gather_find(job,
                                            NGX_HTTP_K8FLEX_SECTION_EVENTS);
    in.node = ngx_http_k8flex_gather_find(job, NGX_HTTP_K8FLEX_SECTION_NODE);

    /* a crash loop's last words are in the previous log */

    log = NULL;

    for (i = 0; i < job->ncalls; i++) {
        call = &job->calls[i];

        if (call->failed) {
            k8f_buf_printf(&failures, "%s: %s", call->name,
                           k8f_buf_str(&call->text));
            continue;
        }

        if (call->kube.status != 200 || call->kube.body.len == 0) {
            continue;
        }

        if (call->kind == NGX_HTTP_K8FLEX_SECTION_PREVIOUS
            && (log == NULL || log->kind != NGX_HTTP_K8FLEX_SECTION_PREVIOUS))
        {
            log = call;

        } else if (call->kind == NGX_HTTP_K8FLEX_SECTION_LOG && log == NULL) {
            log = call;
        }
    }

    if (log) {
        in.log = (char *) log->kube.body.data;
        in.log_len = log->kube.body.len;

        ngx_snprintf(log_name, sizeof(log_name) - 1, "%s%s%Z",
                     log->container,
                     log->kind == NGX_HTTP_K8FLEX_SECTION_PREVIOUS
                     ? " (previous)" : "");
        log_name[sizeof(log_name) - 1] = '\0';
        in.log_name = (char *) log_name;
    }

    in.failures = failures.len ? failures.data : NULL;

    (void) k8f_prompt_fallback(&in, &raw);
    k8f_buf_free(&failures);

    text = k8f_redact(k8f_buf_str(&raw), raw.len, &len, NULL);
    k8f_buf_free(&raw);

    job->analysis.len = 0;

    if (text == NULL) {
        k8f_buf_printf(&job->analysis, "(the evidence-only analysis was "
                       "dropped: redaction failed)\n");
        return;
    }

    k8f_buf_add(&job->analysis, text, len);
    free(text);
}
