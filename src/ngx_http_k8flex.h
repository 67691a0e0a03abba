
/*
 * k8flex: alert webhooks in, Kubernetes root-cause analyses out.
 * Configuration shared by the files of the module.
 */

#ifndef _NGX_HTTP_K8FLEX_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


#define NGX_HTTP_K8FLEX_VERSION       "0.1.0"

/* not in nginx's list of status codes */
#define NGX_HTTP_K8FLEX_UNPROCESSABLE  422


typedef struct {
    ngx_path_t                *spool;
    ngx_flag_t                 spool_sync;
    ngx_uint_t                 webhooks;        /* k8flex_webhook locations */
#if (NGX_THREADS)
    ngx_thread_pool_t         *thread_pool;
#endif
} ngx_http_k8flex_main_conf_t;


typedef struct {
    ngx_uint_t                 adapters;        /* bit per adapter index */
    ngx_http_complex_value_t  *auth_token;      /* NULL: no auth */
    ngx_str_t                  ollama;
    ngx_str_t                  model;
    ngx_uint_t                 log_tail_lines;
} ngx_http_k8flex_loc_conf_t;


ngx_int_t ngx_http_k8flex_webhook_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_k8flex_health_handler(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_k8flex_module;


#endif /* _NGX_HTTP_K8FLEX_H_INCLUDED_ */
