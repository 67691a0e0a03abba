
/*
 * The LLM client: the prompt of a job, and one Ollama conversation at a
 * time, streamed (SPEC §4.4, §4.5).
 */

#ifndef _NGX_HTTP_K8FLEX_LLM_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_LLM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex_job.h"


/*
 * rc: NGX_OK the answer is complete; NGX_AGAIN worth another attempt
 * (no connection, 5xx, a time-out: job->error says which); NGX_ERROR
 * failed for good (model not found, an error line in the stream, a
 * malformed stream); NGX_DECLINED the worker is exiting.
 */
typedef void (*ngx_http_k8flex_llm_done_pt)(ngx_http_k8flex_job_t *job,
    ngx_int_t rc);


/* the prompt from the evidence, and the request body */
ngx_int_t ngx_http_k8flex_llm_prepare(ngx_http_k8flex_job_t *job);

/* one attempt; NGX_OK: done() is called later */
ngx_int_t ngx_http_k8flex_llm_start(ngx_http_k8flex_job_t *job,
    ngx_http_k8flex_llm_done_pt done);

void ngx_http_k8flex_llm_cancel(ngx_http_k8flex_job_t *job);

/* the answer so far, "" when none */
const char *ngx_http_k8flex_llm_text(ngx_http_k8flex_job_t *job,
    size_t *len);


#endif /* _NGX_HTTP_K8FLEX_LLM_H_INCLUDED_ */
