
/*
 * The spool: the durable queue of accepted alerts.
 *
 *   <spool>/tmp/<id>.json   being written; never read by anyone
 *   <spool>/new/<id>.json   accepted, waiting for the analysis engine
 *
 * A file reaches new/ by rename() only after its contents are written
 * (and, with k8flex_spool_sync on, flushed), so a reader never sees a
 * partial job.
 */

#ifndef _NGX_HTTP_K8FLEX_SPOOL_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_SPOOL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>


typedef struct {
    u_char                    *tmp;             /* NUL-terminated paths */
    u_char                    *path;
    ngx_str_t                  data;
    unsigned                   written:1;
    unsigned                   renamed:1;
} ngx_http_k8flex_spool_file_t;


typedef struct ngx_http_k8flex_spool_batch_s  ngx_http_k8flex_spool_batch_t;

typedef void (*ngx_http_k8flex_spool_done_pt)(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch);


struct ngx_http_k8flex_spool_batch_s {
    ngx_array_t                    files;       /* spool_file_t */
    u_char                        *dir;         /* <spool>/new */
    ngx_flag_t                     sync;

    ngx_http_k8flex_spool_done_pt  done;
    void                          *data;        /* the caller's */

    /* the outcome: err is 0 when every file is in new/ */
    ngx_err_t                      err;
    const char                    *op;          /* "open()", "write()"... */
    u_char                        *failed;      /* the path it failed on */
};


ngx_int_t ngx_http_k8flex_spool_init(ngx_cycle_t *cycle, ngx_path_t *spool);

ngx_http_k8flex_spool_batch_t *ngx_http_k8flex_spool_batch(
    ngx_http_request_t *r, ngx_uint_t n);
ngx_int_t ngx_http_k8flex_spool_add(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch, ngx_str_t *id, ngx_str_t *data);

/*
 * Writes the batch.  NGX_AGAIN: it went to nginx's thread pool, the
 * request is blocked meanwhile (the batch is the module's request ctx)
 * and batch->done is called when it is over.  NGX_OK: it was written
 * here and now (no thread pool), and batch->done is not called.
 * Either way the outcome is in batch->err.
 */
ngx_int_t ngx_http_k8flex_spool_write(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch);


#endif /* _NGX_HTTP_K8FLEX_SPOOL_H_INCLUDED_ */
