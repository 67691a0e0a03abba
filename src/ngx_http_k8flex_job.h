
/*
 * One analysis in a worker: a spool job claimed by the engine, from the
 * evidence to the stored record.  Each job owns a pool; everything it
 * holds (jansson values, curl handles, buffers) is released with it.
 */

#ifndef _NGX_HTTP_K8FLEX_JOB_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_JOB_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_kube.h"
#include "ngx_http_k8flex_curl.h"
#include "k8f_evidence.h"
#include "k8f_ollama.h"


#define NGX_HTTP_K8FLEX_CALLS_MAX  24


/* the sections of the evidence pack, in the pack's order */
#define NGX_HTTP_K8FLEX_SECTION_POD         0
#define NGX_HTTP_K8FLEX_SECTION_LOG         1
#define NGX_HTTP_K8FLEX_SECTION_PREVIOUS    2
#define NGX_HTTP_K8FLEX_SECTION_EVENTS      3
#define NGX_HTTP_K8FLEX_SECTION_NODE        4
#define NGX_HTTP_K8FLEX_SECTION_NODE_EVENTS 5
#define NGX_HTTP_K8FLEX_SECTION_REPLICASET  6
#define NGX_HTTP_K8FLEX_SECTION_WORKLOAD    7
#define NGX_HTTP_K8FLEX_SECTION_HPA         8
#define NGX_HTTP_K8FLEX_SECTION_SERVICE     9
#define NGX_HTTP_K8FLEX_SECTION_ENDPOINTS   10
#define NGX_HTTP_K8FLEX_SECTION_SLICES      11
#define NGX_HTTP_K8FLEX_SECTION_NETPOLS     12
#define NGX_HTTP_K8FLEX_SECTION_WARNINGS    13
#define NGX_HTTP_K8FLEX_SECTION_N           14


typedef struct ngx_http_k8flex_job_s  ngx_http_k8flex_job_t;


/* one Kubernetes read and the evidence section made of it */

typedef struct {
    ngx_http_k8flex_kube_call_t    kube;
    ngx_http_k8flex_job_t         *job;

    ngx_uint_t                     kind;       /* NGX_HTTP_K8FLEX_SECTION_* */
    char                           name[96];   /* "log checkout (previous)" */
    const char                    *container;
    json_t                        *json;       /* the decoded answer */
    k8f_buf_t                      text;       /* redacted section text */
    size_t                         redactions;
    unsigned                       done:1;
    unsigned                       failed:1;
} ngx_http_k8flex_call_t;


struct ngx_http_k8flex_job_s {
    ngx_pool_t                    *pool;
    ngx_log_t                     *log;
    ngx_queue_t                    queue;
    ngx_http_k8flex_main_conf_t   *kmcf;
    ngx_http_k8flex_loc_conf_t    *profile;    /* NULL: location gone */

    ngx_str_t                      id;
    u_char                        *claimed;    /* the spool file we hold */
    json_t                        *doc;        /* the spool job */
    json_t                        *alert;      /* borrowed from doc */
    json_t                        *record;     /* what the store shows */

    ngx_uint_t                     state;
    const char                    *category;
    char                           why[256];

    /* settings recorded with the job when it was accepted */
    const char                    *ollama;
    const char                    *model;
    ngx_uint_t                     tail_lines;

    /* gathering */
    ngx_http_k8flex_call_t         calls[NGX_HTTP_K8FLEX_CALLS_MAX];
    ngx_uint_t                     ncalls;
    ngx_uint_t                     pending;
    k8f_buf_t                      evidence;
    size_t                         redactions;
    ngx_uint_t                     failed_calls;
    ngx_uint_t                     cached_calls;

    /* the LLM */
    k8f_buf_t                      prompt;
    char                          *body;       /* the request's JSON */
    size_t                         body_len;
    int                            num_ctx;
    ngx_uint_t                     attempts;
    ngx_http_k8flex_curl_t         http;
    k8f_ollama_stream_t            stream;
    u_char                        *reply;      /* a non-200 answer */
    size_t                         reply_len;
    ngx_event_t                    wait;       /* slot, backoff */
    ngx_event_t                    save;       /* store while streaming */
    void                         (*llm_done)(ngx_http_k8flex_job_t *job,
                                             ngx_int_t rc);
    const char                    *llm;        /* "ok", "unavailable"... */
    k8f_buf_t                      analysis;
    char                           error[512];

    /* times, ngx_current_msec and wall clock */
    ngx_msec_t                     claimed_at;
    ngx_msec_t                     gathered_at;
    ngx_msec_t                     finished_at;
    ngx_msec_t                     llm_started_at;
    u_char                         claimed_iso[32];
    u_char                         gathered_iso[32];
    u_char                         finished_iso[32];

    unsigned                       has_slot:1;
    unsigned                       streaming:1;
    unsigned                       dirty:1;
};


/* gathering: ngx_http_k8flex_gather.c; calls job's "gathered" when done */
ngx_int_t ngx_http_k8flex_gather_start(ngx_http_k8flex_job_t *job);
void ngx_http_k8flex_gather_cancel(ngx_http_k8flex_job_t *job);
json_t *ngx_http_k8flex_gather_sections(ngx_http_k8flex_job_t *job);
json_t *ngx_http_k8flex_gather_find(ngx_http_k8flex_job_t *job,
    ngx_uint_t kind);

/* the engine's steps, called back by the gatherer and the LLM client */
void ngx_http_k8flex_engine_gathered(ngx_http_k8flex_job_t *job);

/* the time now as "2026-11-26T15:00:00.123Z" */
u_char *ngx_http_k8flex_iso_time(u_char *buf);


#endif /* _NGX_HTTP_K8FLEX_JOB_H_INCLUDED_ */
