
/*
 * k8flex: alert webhooks in, Kubernetes root-cause analyses out.
 *
 * The module definition: directives, configuration, init hooks.
 * The handlers live in src/, the alerting-system adapters in adapters/.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_spool.h"
#include "ngx_http_k8flex_zone.h"
#include "ngx_http_k8flex_engine.h"
#include "k8f_prompt.h"
#include "k8f_category.h"
#include "k8f_redact.h"
#include "k8f_adapter.h"
#include "k8f_util.h"


#define NGX_HTTP_K8FLEX_ALL  ((1 << K8F_NADAPTERS) - 1)


static void *ngx_http_k8flex_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_k8flex_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_k8flex_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_k8flex_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);

static char *ngx_http_k8flex_handler_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_adapters(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_auth_token(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_url_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_name_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_number_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_api_slot(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_kubernetes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_prompt(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_k8flex_num_ctx(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_k8flex_in_cluster(ngx_conf_t *cf,
    ngx_http_k8flex_main_conf_t *kmcf);

static ngx_int_t ngx_http_k8flex_init_process(ngx_cycle_t *cycle);
static void ngx_http_k8flex_exit_process(ngx_cycle_t *cycle);


static ngx_path_init_t  ngx_http_k8flex_spool_path = {
    ngx_string("k8flex_spool"), { 0, 0, 0 }
};

static ngx_path_init_t  ngx_http_k8flex_store_path = {
    ngx_string("k8flex_store"), { 0, 0, 0 }
};


/* the bounds of a number directive, and what it counts */
typedef struct {
    ngx_int_t                  min;
    ngx_int_t                  max;
    char                      *what;
} ngx_http_k8flex_range_t;


static ngx_http_k8flex_range_t  ngx_http_k8flex_lines_range = {
    1, 100000, "lines"
};

static ngx_http_k8flex_range_t  ngx_http_k8flex_concurrency_range = {
    1, 1024, "analyses"
};

static ngx_http_k8flex_range_t  ngx_http_k8flex_retries_range = {
    0, 10, "retries"
};

static ngx_http_k8flex_range_t  ngx_http_k8flex_keep_range = {
    1, 10000000, "analyses"
};


#define NGX_HTTP_K8FLEX_SA  "/var/run/secrets/kubernetes.io/serviceaccount/"

/* an operator's prompt template is read whole at nginx -t */
#define NGX_HTTP_K8FLEX_PROMPT_MAX  (64 * 1024)


static ngx_command_t  ngx_http_k8flex_commands[] = {

    { ngx_string("k8flex_webhook"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_k8flex_handler_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_k8flex_webhook_handler },

    { ngx_string("k8flex_health"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_k8flex_handler_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_k8flex_health_handler },

    { ngx_string("k8flex_analyses"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_k8flex_handler_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      (void *) ngx_http_k8flex_analyses_handler },

    { ngx_string("k8flex_adapters"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_k8flex_adapters,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("k8flex_auth_token"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_auth_token,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("k8flex_ollama"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_url_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_k8flex_loc_conf_t, ollama),
      NULL },

    { ngx_string("k8flex_model"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_name_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_k8flex_loc_conf_t, model),
      NULL },

    { ngx_string("k8flex_log_tail_lines"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_number_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_k8flex_loc_conf_t, log_tail_lines),
      &ngx_http_k8flex_lines_range },

    { ngx_string("k8flex_spool"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_path_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, spool),
      NULL },

    { ngx_string("k8flex_spool_sync"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, spool_sync),
      NULL },

    { ngx_string("k8flex_prompt"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_prompt,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("k8flex_num_ctx"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_num_ctx,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_k8flex_loc_conf_t, num_ctx),
      NULL },

    { ngx_string("k8flex_ollama_api"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_api_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_k8flex_loc_conf_t, ollama_api),
      NULL },

    { ngx_string("k8flex_engine"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, engine),
      NULL },

    { ngx_string("k8flex_store"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_path_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, store),
      NULL },

    { ngx_string("k8flex_store_keep"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_number_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, store_keep),
      &ngx_http_k8flex_keep_range },

    { ngx_string("k8flex_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, zone_size),
      NULL },

    { ngx_string("k8flex_llm_concurrency"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_number_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, llm_concurrency),
      &ngx_http_k8flex_concurrency_range },

    { ngx_string("k8flex_llm_retries"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_number_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, llm_retries),
      &ngx_http_k8flex_retries_range },

    { ngx_string("k8flex_llm_first_byte_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, llm_first_byte_timeout),
      NULL },

    { ngx_string("k8flex_llm_stall_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, llm_stall_timeout),
      NULL },

    { ngx_string("k8flex_llm_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, llm_timeout),
      NULL },

    { ngx_string("k8flex_kubernetes"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_k8flex_kubernetes,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, kubernetes),
      NULL },

    { ngx_string("k8flex_kubernetes_token_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, kubernetes_token_file),
      NULL },

    { ngx_string("k8flex_kubernetes_ca_file"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_str_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, kubernetes_ca_file),
      NULL },

    { ngx_string("k8flex_kubernetes_timeout"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, kubernetes_timeout),
      NULL },

    { ngx_string("k8flex_cache_ttl"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_msec_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_k8flex_main_conf_t, cache_ttl),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_k8flex_module_ctx = {
    NULL,                                  /* preconfiguration */
    NULL,                                  /* postconfiguration */

    ngx_http_k8flex_create_main_conf,      /* create main configuration */
    ngx_http_k8flex_init_main_conf,        /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_k8flex_create_loc_conf,       /* create location configuration */
    ngx_http_k8flex_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_k8flex_module = {
    NGX_MODULE_V1,
    &ngx_http_k8flex_module_ctx,           /* module context */
    ngx_http_k8flex_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_k8flex_init_process,          /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_k8flex_exit_process,          /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static void *
ngx_http_k8flex_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_k8flex_main_conf_t  *kmcf;

    kmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_k8flex_main_conf_t));
    if (kmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     kmcf->spool = NULL;
     *     kmcf->webhooks = 0;
     *     kmcf->thread_pool = NULL;
     *     kmcf->store = NULL;
     *     kmcf->zone = NULL;
     *     kmcf->kubernetes = { 0, NULL };
     *     kmcf->kubernetes_token_file = { 0, NULL };
     *     kmcf->kubernetes_ca_file = { 0, NULL };
     *     kmcf->in_cluster = 0;
     */

    if (ngx_array_init(&kmcf->profiles, cf->pool, 4, sizeof(void *))
        != NGX_OK)
    {
        return NULL;
    }

    kmcf->spool_sync = NGX_CONF_UNSET;
    kmcf->engine = NGX_CONF_UNSET;
    kmcf->zone_size = NGX_CONF_UNSET_SIZE;
    kmcf->llm_concurrency = NGX_CONF_UNSET_UINT;
    kmcf->llm_retries = NGX_CONF_UNSET_UINT;
    kmcf->llm_first_byte_timeout = NGX_CONF_UNSET_MSEC;
    kmcf->llm_stall_timeout = NGX_CONF_UNSET_MSEC;
    kmcf->llm_timeout = NGX_CONF_UNSET_MSEC;
    kmcf->kubernetes_timeout = NGX_CONF_UNSET_MSEC;
    kmcf->cache_ttl = NGX_CONF_UNSET_MSEC;
    kmcf->store_keep = NGX_CONF_UNSET_UINT;

    return kmcf;
}


static char *
ngx_http_k8flex_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_k8flex_main_conf_t *kmcf = conf;

    ngx_conf_init_value(kmcf->spool_sync, 1);
    ngx_conf_init_value(kmcf->engine, 1);
    ngx_conf_init_size_value(kmcf->zone_size, 10 * 1024 * 1024);
    ngx_conf_init_uint_value(kmcf->llm_concurrency, 1);
    ngx_conf_init_uint_value(kmcf->llm_retries, 2);
    ngx_conf_init_msec_value(kmcf->llm_first_byte_timeout, 600000);
    ngx_conf_init_msec_value(kmcf->llm_stall_timeout, 60000);
    ngx_conf_init_msec_value(kmcf->llm_timeout, 1800000);
    ngx_conf_init_msec_value(kmcf->kubernetes_timeout, 10000);
    ngx_conf_init_msec_value(kmcf->cache_ttl, 5000);
    ngx_conf_init_uint_value(kmcf->store_keep, 10000);

    if (kmcf->webhooks == 0 && kmcf->readers == 0) {
        return NGX_CONF_OK;
    }

    if (ngx_conf_merge_path_value(cf, &kmcf->store, NULL,
                                  &ngx_http_k8flex_store_path)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_k8flex_zone_add(cf, kmcf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    if (kmcf->webhooks == 0) {
        return NGX_CONF_OK;
    }

    if (ngx_conf_merge_path_value(cf, &kmcf->spool, NULL,
                                  &ngx_http_k8flex_spool_path)
        != NGX_CONF_OK)
    {
        return NGX_CONF_ERROR;
    }

    if (kmcf->kubernetes.data == NULL || kmcf->in_cluster) {
        if (ngx_http_k8flex_in_cluster(cf, kmcf) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

#if (NGX_THREADS)
    /* durable spool writes wait for the disk on nginx's thread pool */
    kmcf->thread_pool = ngx_thread_pool_add(cf, NULL);
    if (kmcf->thread_pool == NULL) {
        return NGX_CONF_ERROR;
    }
#endif

    return NGX_CONF_OK;
}


static void *
ngx_http_k8flex_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_k8flex_loc_conf_t  *klcf;

    klcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_k8flex_loc_conf_t));
    if (klcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     klcf->ollama = { 0, NULL };
     *     klcf->model = { 0, NULL };
     *     klcf->name = { 0, NULL };
     *     klcf->prompt = { 0, NULL };
     *     klcf->prompt_file = { 0, NULL };
     */

    klcf->adapters = NGX_CONF_UNSET_UINT;
    klcf->auth_token = NGX_CONF_UNSET_PTR;
    klcf->log_tail_lines = NGX_CONF_UNSET_UINT;
    klcf->num_ctx = NGX_CONF_UNSET;
    klcf->ollama_api = NGX_CONF_UNSET_UINT;

    return klcf;
}


static char *
ngx_http_k8flex_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_k8flex_loc_conf_t *prev = parent;
    ngx_http_k8flex_loc_conf_t *conf = child;

    ngx_conf_merge_uint_value(conf->adapters, prev->adapters,
                              NGX_HTTP_K8FLEX_ALL);
    ngx_conf_merge_ptr_value(conf->auth_token, prev->auth_token, NULL);
    ngx_conf_merge_str_value(conf->ollama, prev->ollama,
                             "http://ollama.ollama.svc.cluster.local:11434");
    ngx_conf_merge_str_value(conf->model, prev->model, "llama2");
    ngx_conf_merge_uint_value(conf->log_tail_lines, prev->log_tail_lines,
                              100);
    ngx_conf_merge_str_value(conf->prompt, prev->prompt, "");
    ngx_conf_merge_str_value(conf->prompt_file, prev->prompt_file, "");
    ngx_conf_merge_value(conf->num_ctx, prev->num_ctx, 0);
    ngx_conf_merge_uint_value(conf->ollama_api, prev->ollama_api,
                              NGX_HTTP_K8FLEX_API_GENERATE);

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_handler_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_loc_conf_t *klcf = conf;

    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_k8flex_loc_conf_t  **profile;
    ngx_http_k8flex_main_conf_t  *kmcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);

    if (clcf->handler != NULL) {
        return "is duplicate, or the location already has a content handler";
    }

    clcf->handler = (ngx_http_handler_pt) cmd->post;
    kmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_k8flex_module);

    if (clcf->handler == ngx_http_k8flex_analyses_handler) {
        kmcf->readers++;
    }

    if (clcf->handler == ngx_http_k8flex_webhook_handler) {
        kmcf->webhooks++;

        /* the engine finds a job's settings by its location's name */

        klcf->name = clcf->name;

        profile = ngx_array_push(&kmcf->profiles);
        if (profile == NULL) {
            return NGX_CONF_ERROR;
        }

        *profile = klcf;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_adapters(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_loc_conf_t *klcf = conf;

    u_char      *p, *last, *name;
    ngx_int_t    index;
    ngx_str_t   *value;
    ngx_uint_t   i, mask, all;

    if (klcf->adapters != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    mask = 0;
    all = 0;

    /* "alertmanager grafana" and "alertmanager,grafana" (ENABLED_ADAPTERS) */

    for (i = 1; i < cf->args->nelts; i++) {

        p = value[i].data;
        last = p + value[i].len;

        while (p < last) {

            name = p;
            while (p < last && *p != ',') {
                p++;
            }

            if (p == name) {
                p++;
                continue;
            }

            if ((size_t) (p - name) == 3
                && ngx_strncasecmp(name, (u_char *) "all", 3) == 0)
            {
                all = 1;
                p++;
                continue;
            }

            index = k8f_adapter_index((char *) name, p - name);

            if (index < 0) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "unknown adapter \"%*s\" in \"%V\"; "
                                   "known: alertmanager, pagerduty, grafana, "
                                   "datadog, opsgenie, victorops, newrelic",
                                   p - name, name, &cmd->name);
                return NGX_CONF_ERROR;
            }

            if (mask & (1 << index)) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "duplicate adapter \"%*s\" in \"%V\"",
                                   p - name, name, &cmd->name);
                return NGX_CONF_ERROR;
            }

            mask |= 1 << index;
            p++;
        }
    }

    if (all && mask) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"all\" cannot be combined with adapter names "
                           "in \"%V\"", &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (!all && mask == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "no adapter named in \"%V\"", &cmd->name);
        return NGX_CONF_ERROR;
    }

    klcf->adapters = all ? NGX_HTTP_K8FLEX_ALL : mask;

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_auth_token(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_loc_conf_t *klcf = conf;

    ngx_str_t                         *value;
    ngx_http_compile_complex_value_t   ccv;

    if (klcf->auth_token != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        klcf->auth_token = NULL;
        return NGX_CONF_OK;
    }

    if (value[1].len == 0) {
        return "is empty; use \"off\" to accept webhooks without a token";
    }

    klcf->auth_token = ngx_palloc(cf->pool, sizeof(ngx_http_complex_value_t));
    if (klcf->auth_token == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[1];
    ccv.complex_value = klcf->auth_token;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_url_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *rv;

    ngx_str_t  *value, *field;
    ngx_url_t   u;

    rv = ngx_http_k8flex_name_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    value = cf->args->elts;
    field = (ngx_str_t *) ((char *) conf + cmd->offset);

    ngx_memzero(&u, sizeof(ngx_url_t));

    if (value[1].len > 7
        && ngx_strncasecmp(value[1].data, (u_char *) "http://", 7) == 0)
    {
        u.url.data = value[1].data + 7;
        u.url.len = value[1].len - 7;
        u.default_port = 80;

    } else if (value[1].len > 8
               && ngx_strncasecmp(value[1].data, (u_char *) "https://", 8)
                  == 0)
    {
        u.url.data = value[1].data + 8;
        u.url.len = value[1].len - 8;
        u.default_port = 443;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URL \"%V\" in \"%V\": "
                           "expected http://host[:port] or https://...",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    u.no_resolve = 1;
    u.uri_part = 1;

    if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid URL \"%V\" in \"%V\": %s",
                           &value[1], &cmd->name,
                           u.err ? u.err : "cannot parse");
        return NGX_CONF_ERROR;
    }

    /* trailing slashes would double in "<url>/api/generate" */

    while (field->len > 1 && field->data[field->len - 1] == '/') {
        field->len--;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_name_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_str_t  *field, *value;

    field = (ngx_str_t *) ((char *) conf + cmd->offset);

    if (field->data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (value[1].len == 0) {
        return "is empty";
    }

    *field = value[1];

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_number_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_range_t *range = cmd->post;

    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t  *field;

    field = (ngx_uint_t *) ((char *) conf + cmd->offset);

    if (*field != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    n = ngx_atoi(value[1].data, value[1].len);

    if (n == NGX_ERROR || n < range->min || n > range->max) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\": "
                           "expected a number of %s from %i to %i",
                           &value[1], &cmd->name, range->what,
                           range->min, range->max);
        return NGX_CONF_ERROR;
    }

    *field = n;

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_api_slot(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_loc_conf_t *klcf = conf;

    ngx_str_t  *value;

    if (klcf->ollama_api != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "generate") == 0) {
        klcf->ollama_api = NGX_HTTP_K8FLEX_API_GENERATE;

    } else if (ngx_strcmp(value[1].data, "chat") == 0) {
        klcf->ollama_api = NGX_HTTP_K8FLEX_API_CHAT;

    } else {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\": expected "
                           "\"generate\" (/api/generate) or \"chat\" "
                           "(/api/chat)", &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_k8flex_kubernetes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_main_conf_t *kmcf = conf;

    ngx_str_t  *value;

    if (kmcf->kubernetes.data) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "in-cluster") == 0) {
        kmcf->in_cluster = 1;
        ngx_str_set(&kmcf->kubernetes, "");
        return NGX_CONF_OK;
    }

    return ngx_http_k8flex_url_slot(cf, cmd, conf);
}


/*
 * In a pod, the API server is KUBERNETES_SERVICE_HOST:PORT, known when
 * nginx reads its configuration (workers lose the environment).  Outside
 * one, the URL stays empty and every call of the engine says so in the
 * evidence: nginx -t of a pod's configuration must pass on a laptop.
 */

static ngx_int_t
ngx_http_k8flex_in_cluster(ngx_conf_t *cf, ngx_http_k8flex_main_conf_t *kmcf)
{
    char    *host, *port;
    u_char  *p;
    size_t   len;

    kmcf->in_cluster = 1;
    ngx_str_set(&kmcf->kubernetes, "");

    if (kmcf->kubernetes_token_file.data == NULL) {
        ngx_str_set(&kmcf->kubernetes_token_file, NGX_HTTP_K8FLEX_SA "token");
    }

    if (kmcf->kubernetes_ca_file.data == NULL) {
        ngx_str_set(&kmcf->kubernetes_ca_file, NGX_HTTP_K8FLEX_SA "ca.crt");
    }

    host = getenv("KUBERNETES_SERVICE_HOST");
    port = getenv("KUBERNETES_SERVICE_PORT");

    if (host == NULL || *host == '\0') {
        return NGX_OK;
    }

    if (port == NULL || *port == '\0') {
        port = "443";
    }

    len = sizeof("https://[]:") - 1 + ngx_strlen(host) + ngx_strlen(port);

    p = ngx_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    kmcf->kubernetes.data = p;
    kmcf->kubernetes.len = ngx_sprintf(p, strchr(host, ':') ? "https://[%s]:%s"
                                                             : "https://%s:%s",
                                       host, port)
                           - p;
    *(p + kmcf->kubernetes.len) = '\0';

    return NGX_OK;
}


static char *
ngx_http_k8flex_prompt(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_loc_conf_t *klcf = conf;

    ssize_t           n;
    u_char           *text;
    ngx_fd_t          fd;
    ngx_str_t        *value, path;
    ngx_file_t        file;
    const char       *err;
    ngx_file_info_t   fi;

    if (klcf->prompt.data) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);
    if (fd == NGX_INVALID_FILE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           "cannot open the prompt template \"%V\" "
                           "of \"%V\"", &path, &cmd->name);
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&file, sizeof(ngx_file_t));
    file.fd = fd;
    file.name = path;
    file.log = cf->log;

    text = NULL;
    n = NGX_ERROR;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, ngx_errno,
                           ngx_fd_info_n " \"%V\" failed", &path);
        goto done;
    }

    if (ngx_file_size(&fi) > NGX_HTTP_K8FLEX_PROMPT_MAX) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the prompt template \"%V\" is larger than "
                           "%d bytes", &path, NGX_HTTP_K8FLEX_PROMPT_MAX);
        goto done;
    }

    text = ngx_pnalloc(cf->pool, (size_t) ngx_file_size(&fi) + 1);
    if (text == NULL) {
        goto done;
    }

    n = ngx_read_file(&file, text, (size_t) ngx_file_size(&fi), 0);
    if (n == NGX_ERROR) {
        goto done;
    }

    text[n] = '\0';

    err = k8f_prompt_check((char *) text, n);
    if (err) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the prompt template \"%V\" %s; its placeholders "
                           "are {ALERT}, {CATEGORY} and {EVIDENCE}",
                           &path, err);
        n = NGX_ERROR;
        goto done;
    }

    klcf->prompt.data = text;
    klcf->prompt.len = n;
    klcf->prompt_file = path;

done:

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_conf_log_error(NGX_LOG_ALERT, cf, ngx_errno,
                           ngx_close_file_n " \"%V\" failed", &path);
    }

    return n == NGX_ERROR ? NGX_CONF_ERROR : NGX_CONF_OK;
}


static char *
ngx_http_k8flex_num_ctx(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_k8flex_loc_conf_t *klcf = conf;

    ngx_int_t   n;
    ngx_str_t  *value;

    if (klcf->num_ctx != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "auto") == 0) {
        klcf->num_ctx = 0;
        return NGX_CONF_OK;
    }

    n = ngx_atoi(value[1].data, value[1].len);

    if (n < 512 || n > 1048576) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\": expected \"auto\" "
                           "or a context size from 512 to 1048576 tokens",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    klcf->num_ctx = n;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_k8flex_init_process(ngx_cycle_t *cycle)
{
    ngx_http_k8flex_main_conf_t  *kmcf;

    kmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_k8flex_module);

    if (kmcf == NULL || kmcf->spool == NULL
        || ngx_process == NGX_PROCESS_HELPER)
    {
        return NGX_OK;
    }

    /* a spool that cannot be prepared answers 503, it does not stop nginx */

    (void) ngx_http_k8flex_spool_init(cycle, kmcf->spool);

    return ngx_http_k8flex_engine_init_process(cycle);
}


static void
ngx_http_k8flex_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_k8flex_engine_exit_process(cycle);

    /* these compile their patterns on first use */

    k8f_extract_cleanup();
    k8f_category_cleanup();
    k8f_redact_cleanup();
}
