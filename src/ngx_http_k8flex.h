
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
    ngx_uint_t                 readers;         /* k8flex_analyses ones */
    ngx_array_t                profiles;        /* loc_conf_t *, webhooks */
#if (NGX_THREADS)
    ngx_thread_pool_t         *thread_pool;
#endif

    /* the analysis engine */
    ngx_flag_t                 engine;
    ngx_path_t                *store;
    ngx_uint_t                 store_keep;      /* records kept at most */
    ngx_shm_zone_t            *zone;
    size_t                     zone_size;
    ngx_uint_t                 llm_concurrency;
    ngx_uint_t                 llm_retries;
    ngx_msec_t                 llm_first_byte_timeout;
    ngx_msec_t                 llm_stall_timeout;
    ngx_msec_t                 llm_timeout;

    /* the Kubernetes API: url is "" when in-cluster found no service */
    ngx_str_t                  kubernetes;
    ngx_str_t                  kubernetes_token_file;
    ngx_str_t                  kubernetes_ca_file;
    ngx_msec_t                 kubernetes_timeout;
    ngx_msec_t                 cache_ttl;
    unsigned                   in_cluster:1;
} ngx_http_k8flex_main_conf_t;


#define NGX_HTTP_K8FLEX_API_GENERATE  0
#define NGX_HTTP_K8FLEX_API_CHAT      1


typedef struct {
    ngx_uint_t                 adapters;        /* bit per adapter index */
    ngx_http_complex_value_t  *auth_token;      /* NULL: no auth */
    ngx_str_t                  ollama;
    ngx_str_t                  model;
    ngx_uint_t                 log_tail_lines;

    ngx_str_t                  name;            /* the webhook location */
    ngx_str_t                  prompt;          /* the template, "": ours */
    ngx_str_t                  prompt_file;
    ngx_int_t                  num_ctx;         /* 0: chosen per prompt */
    ngx_uint_t                 ollama_api;      /* NGX_HTTP_K8FLEX_API_* */
} ngx_http_k8flex_loc_conf_t;


ngx_int_t ngx_http_k8flex_webhook_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_k8flex_health_handler(ngx_http_request_t *r);
ngx_int_t ngx_http_k8flex_analyses_handler(ngx_http_request_t *r);


extern ngx_module_t  ngx_http_k8flex_module;


#endif /* _NGX_HTTP_K8FLEX_H_INCLUDED_ */
