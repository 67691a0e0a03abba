
/*
 * The k8flex shared zone (k8flex_zone): what the workers of one nginx
 * share about the analysis engine.
 *
 *   - the LLM slots: at most k8flex_llm_concurrency analyses talk to the
 *     LLM at once, across all workers;
 *   - the number of analyses in each state (queue depth for /health);
 *   - the last contact with the Kubernetes API and with the LLM;
 *   - a cache of Kubernetes API answers, so that identical reads within
 *     k8flex_cache_ttl come from memory.
 */

#ifndef _NGX_HTTP_K8FLEX_ZONE_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_ZONE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_http_k8flex.h"


/* the states of an analysis, in order */
#define NGX_HTTP_K8FLEX_QUEUED       0
#define NGX_HTTP_K8FLEX_GATHERING    1
#define NGX_HTTP_K8FLEX_ANALYZING    2
#define NGX_HTTP_K8FLEX_DONE         3
#define NGX_HTTP_K8FLEX_FAILED       4
#define NGX_HTTP_K8FLEX_NSTATES      5

#define NGX_HTTP_K8FLEX_NONE         ((ngx_uint_t) -1)

/* the peers whose last contact is remembered */
#define NGX_HTTP_K8FLEX_KUBERNETES   0
#define NGX_HTTP_K8FLEX_LLM          1

#define NGX_HTTP_K8FLEX_CONTACT_LEN  256


extern const char  *ngx_http_k8flex_state_names[];


/* at configuration: adds the zone (size from k8flex_zone) */
ngx_int_t ngx_http_k8flex_zone_add(ngx_conf_t *cf,
    ngx_http_k8flex_main_conf_t *kmcf);

/*
 * The LLM slots.  acquire() returns NGX_OK with a slot taken, or
 * NGX_BUSY when limit slots are taken; release() gives one back.  The
 * slots outlive a reload: old workers finishing their analyses still
 * hold theirs.  Without a zone acquire() always succeeds.
 */
ngx_int_t ngx_http_k8flex_zone_llm_acquire(ngx_shm_zone_t *zone,
    ngx_uint_t limit);
void ngx_http_k8flex_zone_llm_release(ngx_shm_zone_t *zone);

/*
 * An analysis moved from one state to another; from is
 * NGX_HTTP_K8FLEX_NONE for a new one (the webhook queued it), to is
 * NGX_HTTP_K8FLEX_NONE for one that is no longer counted at all.  A job
 * a worker hands back to the spool at exit goes back to QUEUED: the
 * zone outlives the worker on reload and the next worker takes the job
 * as queued.  A new zone (first start, or a reload that changed
 * k8flex_zone) starts QUEUED at the number of jobs in <spool>/new/.
 * A count never goes below zero; DONE and FAILED are totals since the
 * zone was created.
 */
void ngx_http_k8flex_zone_state(ngx_shm_zone_t *zone, ngx_uint_t from,
    ngx_uint_t to);

/*
 * The last contact with a peer: ok or not, and a short text such as
 * "200 GET /api/v1/namespaces/shop/pods/web-1" or "connect() to
 * 127.0.0.1:11434 refused", in nginx's formats (%s, %d, %V...), cut at
 * NGX_HTTP_K8FLEX_CONTACT_LEN bytes, anything but printable ASCII shown
 * as "?".  The time is taken here.
 */
void ngx_http_k8flex_zone_contact(ngx_shm_zone_t *zone, ngx_uint_t peer,
    ngx_uint_t ok, const char *fmt, ...);

/*
 * The cache of Kubernetes reads, keyed by the URL path and query.
 * get() copies a fresh entry into pool, NUL-terminated: NGX_OK, else
 * NGX_DECLINED.  put() keeps a copy for ttl, replacing the key's old
 * one, dropping expired then least recently used entries when the zone
 * is full; an entry larger than 1/8 of the zone, or that still does
 * not fit, is not kept.
 */
ngx_int_t ngx_http_k8flex_zone_cache_get(ngx_shm_zone_t *zone,
    ngx_str_t *key, ngx_pool_t *pool, ngx_uint_t *status, ngx_str_t *body);
void ngx_http_k8flex_zone_cache_put(ngx_shm_zone_t *zone, ngx_str_t *key,
    ngx_uint_t status, ngx_str_t *body, ngx_msec_t ttl);

/*
 * Adds to a /health answer:
 *
 *   "queue": {"queued":N,"gathering":N,"analyzing":N,"done":N,"failed":N,
 *             "llm_slots":{"busy":N,"limit":N}},
 *   "kubernetes": {"last_contact":"<ISO time>","ok":true,"result":"..."},
 *   "llm": {...the same...}
 *
 * with null for a peer not contacted yet.
 */
ngx_int_t ngx_http_k8flex_zone_health(ngx_shm_zone_t *zone,
    ngx_uint_t llm_limit, json_t *body);


#endif /* _NGX_HTTP_K8FLEX_ZONE_H_INCLUDED_ */
