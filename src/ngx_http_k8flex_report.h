
/*
 * Delivery of an analysis (SPEC §4.6): the record in the store and the
 * notice block in the error log.
 */

#ifndef _NGX_HTTP_K8FLEX_REPORT_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_REPORT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex_job.h"


/* the record as it stands, written to the store */
ngx_int_t ngx_http_k8flex_report_save(ngx_http_k8flex_job_t *job);

/* the final notice (or error) block in the error log */
void ngx_http_k8flex_report_log(ngx_http_k8flex_job_t *job);

/* the evidence-only analysis, into job->analysis */
void ngx_http_k8flex_report_fallback(ngx_http_k8flex_job_t *job);


#endif /* _NGX_HTTP_K8FLEX_REPORT_H_INCLUDED_ */
