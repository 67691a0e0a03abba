
/*
 * Outbound HTTP on nginx's event loop: libcurl's multi-socket interface,
 * with each socket watched by an nginx connection's events and libcurl's
 * timer kept as an nginx timer.  No blocking call, no thread.
 *
 * A caller fills a ngx_http_k8flex_curl_t (in its own pool), starts it,
 * and gets the body through write() as it arrives and the outcome through
 * done(), once, unless it cancelled first.
 */

#ifndef _NGX_HTTP_K8FLEX_CURL_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_CURL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


#define NGX_HTTP_K8FLEX_CURL_ERR_LEN  256


typedef struct ngx_http_k8flex_curl_s  ngx_http_k8flex_curl_t;

/* returns NGX_OK to go on, NGX_ABORT to stop the transfer */
typedef ngx_int_t (*ngx_http_k8flex_curl_write_pt)(
    ngx_http_k8flex_curl_t *req, u_char *data, size_t len);

/*
 * rc: NGX_OK when an answer came (req->status has its status, which may
 * be 404 or 500), NGX_ERROR when none did (req->error says why, e.g.
 * "connect() to 127.0.0.1:11434 failed: Connection refused"),
 * NGX_ABORT when write() stopped it, NGX_DECLINED when the worker is
 * shutting down and closed it.
 */
typedef void (*ngx_http_k8flex_curl_done_pt)(ngx_http_k8flex_curl_t *req,
    ngx_int_t rc);


struct ngx_http_k8flex_curl_s {
    /* set by the caller; strings NUL-terminated, living until done */
    const char                    *method;        /* "GET", "POST" */
    const char                    *url;
    const char                    *body;          /* POST body, or NULL */
    size_t                         body_len;
    const char                    *content_type;
    const char                    *bearer;        /* token, or NULL */
    const char                    *ca_file;       /* or NULL: system CAs */
    const char                    *headers[4];    /* "Name: value", NULL */

    ngx_msec_t                     connect_timeout;
    ngx_msec_t                     first_byte_timeout;  /* headers in */
    ngx_msec_t                     stall_timeout;  /* between body bytes */
    ngx_msec_t                     timeout;        /* whole transfer */

    ngx_http_k8flex_curl_write_pt  write;         /* NULL: keep in body */
    ngx_http_k8flex_curl_done_pt   done;
    void                          *data;
    ngx_log_t                     *log;

    /* the outcome */
    ngx_uint_t                     status;
    ngx_str_t                      response;      /* when write is NULL */
    size_t                         max_response;  /* 0: no limit */
    size_t                         received;
    ngx_msec_t                     start;
    ngx_msec_t                     first_byte;    /* 0: none yet */
    ngx_msec_t                     elapsed;
    char                           error[NGX_HTTP_K8FLEX_CURL_ERR_LEN];

    /* private */
    void                          *easy;
    ngx_pool_t                    *pool;
    ngx_event_t                    timer;
    void                          *headers_list;
    size_t                         response_size;
    unsigned                       running:1;
    unsigned                       truncated:1;
};


ngx_int_t ngx_http_k8flex_curl_init_process(ngx_cycle_t *cycle);
void ngx_http_k8flex_curl_exit_process(ngx_cycle_t *cycle);

/* NGX_OK: done() will be called later, never from inside start() */
ngx_int_t ngx_http_k8flex_curl_start(ngx_http_k8flex_curl_t *req,
    ngx_pool_t *pool);

/* stops a running transfer; done() is not called */
void ngx_http_k8flex_curl_cancel(ngx_http_k8flex_curl_t *req);

/* transfers running in this worker */
ngx_uint_t ngx_http_k8flex_curl_running(void);


#endif /* _NGX_HTTP_K8FLEX_CURL_H_INCLUDED_ */
