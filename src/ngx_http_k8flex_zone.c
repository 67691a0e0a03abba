
/*
 * The k8flex shared zone (placeholder until written: see the header).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex_zone.h"


const char  *ngx_http_k8flex_state_names[] = {
    "queued", "gathering", "analyzing", "done", "failed"
};


ngx_int_t
ngx_http_k8flex_zone_add(ngx_conf_t *cf, ngx_http_k8flex_main_conf_t *kmcf)
{
    return NGX_OK;
}


ngx_int_t
ngx_http_k8flex_zone_llm_acquire(ngx_shm_zone_t *zone, ngx_uint_t limit)
{
    return NGX_OK;
}


void
ngx_http_k8flex_zone_llm_release(ngx_shm_zone_t *zone)
{
}


void
ngx_http_k8flex_zone_state(ngx_shm_zone_t *zone, ngx_uint_t from,
    ngx_uint_t to)
{
}


void
ngx_http_k8flex_zone_contact(ngx_shm_zone_t *zone, ngx_uint_t peer,
    ngx_uint_t ok, const char *fmt, ...)
{
}


ngx_int_t
ngx_http_k8flex_zone_cache_get(ngx_shm_zone_t *zone, ngx_str_t *key,
    ngx_pool_t *pool, ngx_uint_t *status, ngx_str_t *body)
{
    return NGX_DECLINED;
}


void
ngx_http_k8flex_zone_cache_put(ngx_shm_zone_t *zone, ngx_str_t *key,
    ngx_uint_t status, ngx_str_t *body, ngx_msec_t ttl)
{
}


ngx_int_t
ngx_http_k8flex_zone_health(ngx_shm_zone_t *zone, ngx_uint_t llm_limit,
    json_t *body)
{
    return NGX_OK;
}
