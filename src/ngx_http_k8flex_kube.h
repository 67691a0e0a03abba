
/*
 * The Kubernetes API client: GET of one API path, with the bearer token
 * and CA of k8flex_kubernetes_*, answers cached in the shared zone.
 */

#ifndef _NGX_HTTP_K8FLEX_KUBE_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_KUBE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_curl.h"


typedef struct ngx_http_k8flex_kube_call_s  ngx_http_k8flex_kube_call_t;

typedef void (*ngx_http_k8flex_kube_done_pt)(
    ngx_http_k8flex_kube_call_t *call);


struct ngx_http_k8flex_kube_call_s {
    ngx_str_t                      path;       /* NUL-terminated */
    ngx_http_k8flex_kube_done_pt   done;
    void                          *data;

    /* the outcome: status 0 means no answer, error says why */
    ngx_uint_t                     status;
    ngx_str_t                      body;
    ngx_msec_t                     ms;
    unsigned                       cached:1;
    unsigned                       running:1;
    char                           error[NGX_HTTP_K8FLEX_CURL_ERR_LEN];

    ngx_http_k8flex_curl_t         http;
};


/*
 * NGX_OK: done() is called later.  NGX_DONE: answered at once (from the
 * cache, or an error such as no API configured), done() is not called.
 */
ngx_int_t ngx_http_k8flex_kube_get(ngx_http_k8flex_main_conf_t *kmcf,
    ngx_http_k8flex_kube_call_t *call, ngx_pool_t *pool, ngx_log_t *log);

void ngx_http_k8flex_kube_cancel(ngx_http_k8flex_kube_call_t *call);


#endif /* _NGX_HTTP_K8FLEX_KUBE_H_INCLUDED_ */
