
/*
 * The Kubernetes API client.
 *
 * In a pod the API server is https://KUBERNETES_SERVICE_HOST:PORT (taken
 * at configuration time), with the service account's token and CA.
 * Bound service-account tokens rotate (the kubelet rewrites the file
 * about hourly), so the token file is looked at again at most once a
 * second and re-read when it changed: a small read of a tmpfs file, like
 * nginx's own open_file_cache checks.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_kube.h"
#include "ngx_http_k8flex_zone.h"


/* a bound service-account token is about 1 KiB */
#define NGX_HTTP_K8FLEX_TOKEN_MAX     8192

/* an answer larger than this is not evidence anyone can read */
#define NGX_HTTP_K8FLEX_KUBE_MAX      (8 * 1024 * 1024)

#define NGX_HTTP_K8FLEX_KUBE_CONNECT  5000


typedef struct {
    u_char                     data[NGX_HTTP_K8FLEX_TOKEN_MAX + 1];
    size_t                     len;
    ngx_file_uniq_t            uniq;
    time_t                     mtime;
    off_t                      size;
    time_t                     checked;
    ngx_err_t                  err;
    unsigned                   loaded:1;
} ngx_http_k8flex_token_t;


static const char *ngx_http_k8flex_kube_token(
    ngx_http_k8flex_main_conf_t *kmcf, ngx_log_t *log, char *error);
static void ngx_http_k8flex_kube_done(ngx_http_k8flex_curl_t *http,
    ngx_int_t rc);


/* per worker */
static ngx_http_k8flex_token_t  ngx_http_k8flex_token;


ngx_int_t
ngx_http_k8flex_kube_get(ngx_http_k8flex_main_conf_t *kmcf,
    ngx_http_k8flex_kube_call_t *call, ngx_pool_t *pool, ngx_log_t *log)
{
    u_char                  *url;
    size_t                   len;
    const char              *token;
    ngx_http_k8flex_curl_t  *http;

    call->status = 0;
    call->cached = 0;
    call->error[0] = '\0';
    ngx_str_null(&call->body);

    if (ngx_http_k8flex_zone_cache_get(kmcf->zone, &call->path, pool,
                                       &call->status, &call->body)
        == NGX_OK)
    {
        call->cached = 1;
        call->ms = 0;
        return NGX_DONE;
    }

    if (kmcf->kubernetes.len == 0) {
        ngx_cpystrn((u_char *) call->error,
                    (u_char *) "no Kubernetes API: KUBERNETES_SERVICE_HOST "
                    "was not set when nginx started (not in a pod?); set "
                    "\"k8flex_kubernetes <url>\"",
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        return NGX_DONE;
    }

    token = NULL;

    if (kmcf->kubernetes_token_file.len) {
        token = ngx_http_k8flex_kube_token(kmcf, log, call->error);

        if (token == NULL) {
            return NGX_DONE;
        }
    }

    len = kmcf->kubernetes.len + call->path.len;

    url = ngx_pnalloc(pool, len + 1);
    if (url == NULL) {
        ngx_cpystrn((u_char *) call->error, (u_char *) "out of memory",
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        return NGX_DONE;
    }

    ngx_sprintf(url, "%V%V%Z", &kmcf->kubernetes, &call->path);

    http = &call->http;
    ngx_memzero(http, sizeof(ngx_http_k8flex_curl_t));

    http->method = "GET";
    http->url = (char *) url;
    http->bearer = token;
    http->ca_file = kmcf->kubernetes_ca_file.len
                    ? (char *) kmcf->kubernetes_ca_file.data : NULL;
    http->headers[0] = "Accept: application/json, */*";

    http->connect_timeout = ngx_min(kmcf->kubernetes_timeout,
                                    NGX_HTTP_K8FLEX_KUBE_CONNECT);
    http->first_byte_timeout = kmcf->kubernetes_timeout;
    http->stall_timeout = kmcf->kubernetes_timeout;
    http->timeout = 3 * kmcf->kubernetes_timeout;
    http->max_response = NGX_HTTP_K8FLEX_KUBE_MAX;

    http->done = ngx_http_k8flex_kube_done;
    http->data = call;
    http->log = log;

    if (ngx_http_k8flex_curl_start(http, pool) != NGX_OK) {
        ngx_cpystrn((u_char *) call->error, (u_char *) http->error,
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        return NGX_DONE;
    }

    call->running = 1;

    return NGX_OK;
}


void
ngx_http_k8flex_kube_cancel(ngx_http_k8flex_kube_call_t *call)
{
    if (call->running) {
        call->running = 0;
        ngx_http_k8flex_curl_cancel(&call->http);
    }
}


static void
ngx_http_k8flex_kube_done(ngx_http_k8flex_curl_t *http, ngx_int_t rc)
{
    ngx_http_k8flex_kube_call_t *call = http->data;

    ngx_http_k8flex_main_conf_t  *kmcf;

    call->running = 0;
    call->ms = http->elapsed;

    kmcf = ngx_http_cycle_get_module_main_conf(ngx_cycle,
                                               ngx_http_k8flex_module);

    if (rc == NGX_OK) {
        call->status = http->status;
        call->body = http->response;

        if (call->body.data == NULL) {
            ngx_str_set(&call->body, "");
        }

        ngx_http_k8flex_zone_contact(kmcf->zone, NGX_HTTP_K8FLEX_KUBERNETES,
                                     http->status < 500,
                                     "%ui GET %s", http->status,
                                     call->path.data);

        /* answers that will not change in a few seconds */

        if (http->status < 500) {
            ngx_http_k8flex_zone_cache_put(kmcf->zone, &call->path,
                                           http->status, &call->body,
                                           kmcf->cache_ttl);
        }

    } else {
        ngx_cpystrn((u_char *) call->error, (u_char *) http->error,
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);

        if (rc != NGX_DECLINED) {
            ngx_http_k8flex_zone_contact(kmcf->zone,
                                         NGX_HTTP_K8FLEX_KUBERNETES, 0,
                                         "GET %s: %s", call->path.data,
                                         http->error);
        }
    }

    call->done(call);
}


static const char *
ngx_http_k8flex_kube_token(ngx_http_k8flex_main_conf_t *kmcf, ngx_log_t *log,
    char *error)
{
    ssize_t                   n;
    ngx_fd_t                  fd;
    ngx_file_t                file;
    ngx_file_info_t           fi;
    ngx_http_k8flex_token_t  *t;

    t = &ngx_http_k8flex_token;

    if (t->loaded && t->checked == ngx_time()) {
        goto done;
    }

    t->checked = ngx_time();

    if (ngx_file_info(kmcf->kubernetes_token_file.data, &fi)
        == NGX_FILE_ERROR)
    {
        t->err = ngx_errno;
        t->loaded = 0;
        goto done;
    }

    if (t->loaded
        && ngx_file_uniq(&fi) == t->uniq
        && ngx_file_mtime(&fi) == t->mtime
        && ngx_file_size(&fi) == t->size)
    {
        goto done;
    }

    t->loaded = 0;
    t->err = 0;

    fd = ngx_open_file(kmcf->kubernetes_token_file.data, NGX_FILE_RDONLY,
                       NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        t->err = ngx_errno;
        goto done;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = kmcf->kubernetes_token_file;
    file.log = log;

    n = ngx_read_file(&file, t->data, NGX_HTTP_K8FLEX_TOKEN_MAX, 0);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, log, ngx_errno,
                      ngx_close_file_n " \"%V\" failed",
                      &kmcf->kubernetes_token_file);
    }

    if (n == NGX_ERROR) {
        t->err = EIO;
        goto done;
    }

    while (n > 0 && (t->data[n - 1] == '\n' || t->data[n - 1] == '\r'
                     || t->data[n - 1] == ' '))
    {
        n--;
    }

    t->data[n] = '\0';
    t->len = n;
    t->uniq = ngx_file_uniq(&fi);
    t->mtime = ngx_file_mtime(&fi);
    t->size = ngx_file_size(&fi);
    t->loaded = 1;

    ngx_log_error(NGX_LOG_INFO, log, 0,
                  "k8flex: read the Kubernetes token from \"%V\"",
                  &kmcf->kubernetes_token_file);

done:

    if (t->loaded && t->len) {
        return (char *) t->data;
    }

    if (t->loaded) {
        *ngx_snprintf((u_char *) error, NGX_HTTP_K8FLEX_CURL_ERR_LEN - 1,
                      "the token file \"%V\" is empty",
                      &kmcf->kubernetes_token_file)
            = '\0';

    } else {
        *ngx_snprintf((u_char *) error, NGX_HTTP_K8FLEX_CURL_ERR_LEN - 1,
                      "cannot read the token file \"%V\": %s",
                      &kmcf->kubernetes_token_file,
                      t->err ? strerror(t->err) : "unknown error")
            = '\0';
    }

    return NULL;
}
