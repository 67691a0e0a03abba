
/*
 * The analysis engine (SPEC §4): in each worker, takes jobs from the
 * spool and turns each into a stored analysis, on nginx's event loop.
 */

#ifndef _NGX_HTTP_K8FLEX_ENGINE_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_ENGINE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


ngx_int_t ngx_http_k8flex_engine_init_process(ngx_cycle_t *cycle);
void ngx_http_k8flex_engine_exit_process(ngx_cycle_t *cycle);

/* new jobs are in the spool: look now rather than at the next scan */
void ngx_http_k8flex_engine_wake(void);


#endif /* _NGX_HTTP_K8FLEX_ENGINE_H_INCLUDED_ */
