
/*
 * k8flex_webhook: the webhook receiver.
 *
 * POST body -> JSON (or form fields) -> detection -> adapter -> one spool
 * file per firing alert -> 202 with one entry per alert of the payload.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_spool.h"
#include "ngx_http_k8flex_zone.h"
#include "ngx_http_k8flex_engine.h"
#include "ngx_http_k8flex_util.h"
#include "k8f_adapter.h"


#define NGX_HTTP_K8FLEX_RETRY_AFTER  "5"


typedef struct {
    json_t                        *answer;      /* the 202 body */
    const k8f_adapter_t           *adapter;
    ngx_uint_t                     alerts;
    ngx_uint_t                     queued;
} ngx_http_k8flex_webhook_ctx_t;


static void ngx_http_k8flex_webhook_body(ngx_http_request_t *r);
static ngx_int_t ngx_http_k8flex_webhook_process(ngx_http_request_t *r);
static json_t *ngx_http_k8flex_webhook_decode(ngx_http_request_t *r,
    ngx_str_t *body, ngx_int_t *rc);
static ngx_int_t ngx_http_k8flex_webhook_detect(ngx_http_request_t *r,
    json_t *payload, ngx_uint_t mask, ngx_int_t *rc);
static json_t *ngx_http_k8flex_webhook_names(ngx_uint_t mask);
static ngx_int_t ngx_http_k8flex_webhook_queue(ngx_http_request_t *r,
    ngx_http_k8flex_webhook_ctx_t *ctx, ngx_http_k8flex_spool_batch_t *batch,
    json_t *alerts);
static ngx_int_t ngx_http_k8flex_webhook_job(ngx_http_request_t *r,
    ngx_http_k8flex_webhook_ctx_t *ctx, ngx_http_k8flex_spool_batch_t *batch,
    json_t *alert, json_t *entry);
static void ngx_http_k8flex_webhook_spooled(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch);
static ngx_int_t ngx_http_k8flex_webhook_answer(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch);


static ngx_uint_t  ngx_http_k8flex_webhook_seq;


ngx_int_t
ngx_http_k8flex_webhook_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_http_k8flex_loc_conf_t  *klcf;

    if (!(r->method & NGX_HTTP_POST)) {

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (ngx_http_k8flex_add_header(r, "Allow", "POST") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_k8flex_reject(r, NGX_HTTP_NOT_ALLOWED, NULL,
                                      "method %V is not allowed: "
                                      "webhooks are sent with POST",
                                      &r->method_name);
    }

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_k8flex_module);

    if (klcf->auth_token) {
        rc = ngx_http_k8flex_auth(r, klcf, "webhook", "webhook");
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_k8flex_webhook_body);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


/* NGX_DECLINED: the token matches, go on */


static void
ngx_http_k8flex_webhook_body(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_k8flex_webhook_process(r);

    if (rc == NGX_AGAIN) {
        /* the spool write finalizes the request */
        return;
    }

    ngx_http_finalize_request(r, rc);
}


static ngx_int_t
ngx_http_k8flex_webhook_process(ngx_http_request_t *r)
{
    json_t                         *payload, *alerts, *fields;
    ngx_int_t                       rc, index;
    ngx_str_t                       body;
    ngx_http_k8flex_loc_conf_t     *klcf;
    ngx_http_k8flex_spool_batch_t  *batch;
    ngx_http_k8flex_webhook_ctx_t  *ctx;
    char                            err[K8F_ERR_LEN];

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_k8flex_module);

    if (ngx_http_k8flex_read_body(r, &body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (body.len == 0) {
        return ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, NULL,
                                      "empty body: expected the alerting "
                                      "system's JSON payload");
    }

    payload = ngx_http_k8flex_webhook_decode(r, &body, &rc);
    if (payload == NULL) {
        return rc;
    }

    index = ngx_http_k8flex_webhook_detect(r, payload, klcf->adapters, &rc);
    if (index < 0) {
        return rc;
    }

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_k8flex_webhook_ctx_t));
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ctx->adapter = k8f_adapters[index];
    err[0] = '\0';

    alerts = ngx_http_k8flex_json_pool(r->pool,
                                       k8f_normalize(index, payload, err,
                                                     sizeof(err)));
    if (alerts == NULL) {
        fields = ngx_http_k8flex_json_pool(r->pool,
                     json_pack("{ss}", "source", ctx->adapter->title));

        return ngx_http_k8flex_reject(r, NGX_HTTP_K8FLEX_UNPROCESSABLE,
                                      fields, "%s payload cannot be read: %s",
                                      ctx->adapter->title, err);
    }

    batch = ngx_http_k8flex_spool_batch(r, json_array_size(alerts) + 1);
    if (batch == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    batch->done = ngx_http_k8flex_webhook_spooled;
    batch->data = ctx;

    if (ngx_http_k8flex_webhook_queue(r, ctx, batch, alerts) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (batch->files.nelts) {
        rc = ngx_http_k8flex_spool_write(r, batch);

        if (rc != NGX_OK) {
            return (rc == NGX_AGAIN) ? NGX_AGAIN
                                     : NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    return ngx_http_k8flex_webhook_answer(r, batch);
}


static json_t *
ngx_http_k8flex_webhook_decode(ngx_http_request_t *r, ngx_str_t *body,
    ngx_int_t *rc)
{
    u_char        *p, *last;
    json_t        *payload, *fields;
    ngx_str_t     *type;
    json_error_t   error;

    *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    p = body->data;
    last = p + body->len;

    while (p < last && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
    {
        p++;
    }

    /*
     * VictorOps and some Datadog templates post form fields; "curl -d"
     * labels JSON as a form too, so a body that opens like JSON is JSON
     */

    type = r->headers_in.content_type ? &r->headers_in.content_type->value
                                      : NULL;

    if (type
        && type->len >= sizeof("application/x-www-form-urlencoded") - 1
        && ngx_strncasecmp(type->data,
                           (u_char *) "application/x-www-form-urlencoded",
                           sizeof("application/x-www-form-urlencoded") - 1)
           == 0
        && p < last && *p != '{' && *p != '[')
    {
        payload = ngx_http_k8flex_json_pool(r->pool,
                      k8f_form_decode((char *) body->data, body->len));

        if (payload == NULL) {
            *rc = ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, NULL,
                                         "form body without any "
                                         "\"name=value\" field");
            return NULL;
        }

        return payload;
    }

    payload = json_loadb((char *) body->data, body->len, 0, &error);

    if (payload == NULL && ngx_strstr(error.text, "too big integer")) {
        /* integers beyond 64 bits are as good as reals to us */
        payload = json_loadb((char *) body->data, body->len,
                             JSON_DECODE_INT_AS_REAL, &error);
    }

    if (payload == NULL) {
        fields = ngx_http_k8flex_json_pool(r->pool,
                     json_pack("{sisisi}", "line", error.line,
                               "column", error.column,
                               "position", error.position));

        *rc = ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, fields,
                                     "body is not JSON: %s "
                                     "(line %d, column %d)",
                                     error.text, error.line, error.column);
        return NULL;
    }

    return ngx_http_k8flex_json_pool(r->pool, payload);
}


/* the adapter's index, or -1 with the rejection sent and its code in rc */

static ngx_int_t
ngx_http_k8flex_webhook_detect(ngx_http_request_t *r, json_t *payload,
    ngx_uint_t mask, ngx_int_t *rc)
{
    json_t           *fields, *tried;
    ngx_int_t         i, index;
    ngx_str_t         source;
    k8f_detection_t   d;

    *rc = NGX_HTTP_INTERNAL_SERVER_ERROR;

    if (ngx_http_arg(r, (u_char *) "source", 6, &source) == NGX_OK) {

        index = k8f_adapter_index((char *) source.data, source.len);

        if (index < 0) {
            fields = ngx_http_k8flex_json_pool(r->pool,
                         json_pack("{so}", "known",
                                   ngx_http_k8flex_webhook_names(
                                       (1 << K8F_NADAPTERS) - 1)));

            *rc = ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, fields,
                                         "unknown source \"%V\" in "
                                         "\"?source=\"", &source);
            return -1;
        }

        if (mask & (1 << index)) {
            return index;
        }

        goto disabled;
    }

    k8f_detect(payload, &d);

    if (d.winner < 0) {
        tried = ngx_http_k8flex_json_pool(r->pool, json_array());
        if (tried == NULL) {
            return -1;
        }

        for (i = 0; i < K8F_NADAPTERS; i++) {
            if (mask & (1 << i)) {
                json_array_append_new(tried,
                    json_pack("{ssss}", "adapter", k8f_adapters[i]->name,
                              "reason", d.reason[i]));
            }
        }

        fields = ngx_http_k8flex_json_pool(r->pool,
                                           json_pack("{sO}", "tried", tried));

        *rc = ngx_http_k8flex_reject(r, NGX_HTTP_K8FLEX_UNPROCESSABLE, fields,
                                     "no enabled adapter recognises the "
                                     "payload");
        return -1;
    }

    index = d.winner;

    if (mask & (1 << index)) {
        return index;
    }

disabled:

    fields = ngx_http_k8flex_json_pool(r->pool,
                 json_pack("{ssso}", "source", k8f_adapters[index]->title,
                           "enabled", ngx_http_k8flex_webhook_names(mask)));

    *rc = ngx_http_k8flex_reject(r, NGX_HTTP_K8FLEX_UNPROCESSABLE, fields,
                                 "the payload is from %s, whose adapter "
                                 "\"%s\" is not enabled here",
                                 k8f_adapters[index]->title,
                                 k8f_adapters[index]->name);
    return -1;
}


static json_t *
ngx_http_k8flex_webhook_names(ngx_uint_t mask)
{
    json_t      *names;
    ngx_uint_t   i;

    names = json_array();

    for (i = 0; names && i < K8F_NADAPTERS; i++) {
        if (mask & (1 << i)) {
            json_array_append_new(names, json_string(k8f_adapters[i]->name));
        }
    }

    return names;
}


static ngx_int_t
ngx_http_k8flex_webhook_queue(ngx_http_request_t *r,
    ngx_http_k8flex_webhook_ctx_t *ctx, ngx_http_k8flex_spool_batch_t *batch,
    json_t *alerts)
{
    size_t        i;
    json_t       *alert, *entry, *list, *skip, *status, *value;
    ngx_uint_t    k, queued;
    static char  *keys[] = { "alertname", "status", "namespace", "pod",
                             "container", "service" };

    list = json_array();

    ctx->answer = ngx_http_k8flex_json_pool(r->pool,
                      json_pack("{s:s, s:s, s:o}", "status", "accepted",
                                "source", ctx->adapter->title,
                                "alerts", list));
    if (ctx->answer == NULL) {
        return NGX_ERROR;
    }

    json_array_foreach(alerts, i, alert) {

        entry = json_object();
        if (json_array_append_new(list, entry) != 0) {
            return NGX_ERROR;
        }

        ctx->alerts++;

        status = json_object_get(alert, "status");
        skip = json_object_get(alert, "skip");

        queued = json_is_string(status)
                 && ngx_strcmp(json_string_value(status), "firing") == 0
                 && !json_is_string(skip);

        if (queued) {
            if (ngx_http_k8flex_webhook_job(r, ctx, batch, alert, entry)
                != NGX_OK)
            {
                return NGX_ERROR;
            }

            ctx->queued++;
        }

        for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
            value = json_object_get(alert, keys[k]);

            if (json_object_set(entry, keys[k], value ? value : json_null())
                != 0)
            {
                return NGX_ERROR;
            }
        }

        if (json_object_set_new(entry, "queued", json_boolean(queued)) != 0) {
            return NGX_ERROR;
        }

        if (!queued
            && json_object_set_new(entry, "reason",
                                   json_is_string(skip)
                                   ? json_copy(skip) : json_string("resolved"))
               != 0)
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


/*
 * The job the analysis engine will claim: the normalized alert and the
 * settings of the location that accepted it, as they were then.
 */

static ngx_int_t
ngx_http_k8flex_webhook_job(ngx_http_request_t *r,
    ngx_http_k8flex_webhook_ctx_t *ctx, ngx_http_k8flex_spool_batch_t *batch,
    json_t *alert, json_t *entry)
{
    json_t                      *job;
    ngx_tm_t                     tm;
    ngx_str_t                    id, data;
    ngx_time_t                  *tp;
    ngx_http_core_loc_conf_t    *clcf;
    ngx_http_k8flex_loc_conf_t  *klcf;
    u_char                       received[sizeof("1970-01-01T00:00:00.000Z")];

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);
    klcf = ngx_http_get_module_loc_conf(r, ngx_http_k8flex_module);

    tp = ngx_timeofday();

    /* sortable by time, unique per worker: <ms, hex>-<pid>-<sequence> */

    id.data = ngx_pnalloc(r->pool, NGX_INT64_LEN * 3);
    if (id.data == NULL) {
        return NGX_ERROR;
    }

    id.len = ngx_sprintf(id.data, "%011xL-%P-%ui",
                         (int64_t) tp->sec * 1000 + tp->msec, ngx_pid,
                         ++ngx_http_k8flex_webhook_seq)
             - id.data;

    ngx_gmtime(tp->sec, &tm);

    ngx_sprintf(received, "%4d-%02d-%02dT%02d:%02d:%02d.%03MZ%Z",
                tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec, tp->msec);

    job = ngx_http_k8flex_json_pool(r->pool,
              json_pack("{s:s%, s:s, s:s, s:s, s:s%,"
                        " s:{s:s%, s:s%, s:I}, s:O}",
                        "id", id.data, id.len,
                        "received_at", received,
                        "source", ctx->adapter->title,
                        "adapter", ctx->adapter->name,
                        "location", clcf->name.data, clcf->name.len,
                        "settings",
                            "ollama", klcf->ollama.data, klcf->ollama.len,
                            "model", klcf->model.data, klcf->model.len,
                            "log_tail_lines",
                                (json_int_t) klcf->log_tail_lines,
                        "alert", alert));
    if (job == NULL) {
        return NGX_ERROR;
    }

    if (ngx_http_k8flex_json_dump(r->pool, job, &data) != NGX_OK) {
        return NGX_ERROR;
    }

    if (json_object_set_new(entry, "id", json_stringn((char *) id.data,
                                                      id.len))
        != 0)
    {
        return NGX_ERROR;
    }

    return ngx_http_k8flex_spool_add(r, batch, &id, &data);
}


static void
ngx_http_k8flex_webhook_spooled(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch)
{
    ngx_http_finalize_request(r, ngx_http_k8flex_webhook_answer(r, batch));
}


static ngx_int_t
ngx_http_k8flex_webhook_answer(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch)
{
    u_char                         *p;
    json_t                         *body;
    ngx_uint_t                      i;
    ngx_http_core_loc_conf_t       *clcf;
    ngx_http_k8flex_main_conf_t    *kmcf;
    ngx_http_k8flex_webhook_ctx_t  *ctx;
    u_char                          msg[NGX_MAX_ERROR_STR];

    ctx = batch->data;
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (batch->err) {
        p = ngx_snprintf(msg, sizeof(msg) - 1,
                         "the spool cannot be written: %s \"%s\" failed (%d: ",
                         batch->op, batch->failed, batch->err);
        p = ngx_strerror(batch->err, p, msg + sizeof(msg) - 1 - p);
        *p++ = ')';

        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "k8flex: %s webhook to \"%V\" answered 503: %*s",
                      ctx->adapter->title, &clcf->name, p - msg, msg);

        body = ngx_http_k8flex_json_pool(r->pool,
                   json_pack("{s:s, s:s%, s:s}",
                             "status", "unavailable",
                             "error", msg, (size_t) (p - msg),
                             "source", ctx->adapter->title));
        if (body == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ngx_http_k8flex_add_header(r, "Retry-After",
                                       NGX_HTTP_K8FLEX_RETRY_AFTER)
            != NGX_OK)
        {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_k8flex_send_json(r, NGX_HTTP_SERVICE_UNAVAILABLE,
                                         body);
    }

    /* the queued jobs are on disk: the engine may take them */

    if (ctx->queued) {
        kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

        for (i = 0; i < ctx->queued; i++) {
            ngx_http_k8flex_zone_state(kmcf->zone, NGX_HTTP_K8FLEX_NONE,
                                       NGX_HTTP_K8FLEX_QUEUED);
        }

        ngx_http_k8flex_engine_wake();
    }

    /* the line users grep for: "grep PagerDuty" finds PagerDuty webhooks */

    ngx_log_error(NGX_LOG_NOTICE, r->connection->log, 0,
                  "k8flex: %s webhook to \"%V\": %ui alert%s, %ui queued, "
                  "%ui skipped",
                  ctx->adapter->title, &clcf->name,
                  ctx->alerts, ctx->alerts == 1 ? "" : "s",
                  ctx->queued, ctx->alerts - ctx->queued);

    return ngx_http_k8flex_send_json(r, NGX_HTTP_ACCEPTED, ctx->answer);
}
