
/*
 * Small helpers shared by the k8flex handlers.
 */

#ifndef _NGX_HTTP_K8FLEX_UTIL_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_UTIL_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <jansson.h>

#include "ngx_http_k8flex.h"


/* the value is released with the pool; returns the value, NULL on error */
json_t *ngx_http_k8flex_json_pool(ngx_pool_t *pool, json_t *value);

/* compact JSON and a newline, in the pool */
ngx_int_t ngx_http_k8flex_json_dump(ngx_pool_t *pool, json_t *value,
    ngx_str_t *out);

/* sends status + compact JSON body; returns what a handler returns */
ngx_int_t ngx_http_k8flex_send_json(ngx_http_request_t *r, ngx_uint_t status,
    json_t *body);

/*
 * Answers {"status":"rejected","error":"<message>",...fields} and logs
 * the message at warn (info for 401 and 405): the sender's mistake, not
 * the server's.
 */
ngx_int_t ngx_http_k8flex_reject(ngx_http_request_t *r, ngx_uint_t status,
    json_t *fields, const char *fmt, ...);

/* the whole request body in one buffer, also when nginx spooled it */
ngx_int_t ngx_http_k8flex_read_body(ngx_http_request_t *r, ngx_str_t *body);

/* name and value are static strings */
ngx_int_t ngx_http_k8flex_add_header(ngx_http_request_t *r, char *name,
    char *value);

/*
 * Checks "Authorization: Bearer <k8flex_auth_token>" in constant time.
 * NGX_DECLINED: go on; else the answer was sent (401, 500) or rc to
 * return.  what names the requests in messages ("webhook").
 */
ngx_int_t ngx_http_k8flex_auth(ngx_http_request_t *r,
    ngx_http_k8flex_loc_conf_t *klcf, const char *what,
    const char *token_name);

/* GET and HEAD only: NGX_DECLINED, else 405 with Allow was answered */
ngx_int_t ngx_http_k8flex_read_only(ngx_http_request_t *r);

/* 1 when equal; the time taken depends on the lengths only */
ngx_uint_t ngx_http_k8flex_equal(u_char *a, size_t alen, u_char *b,
    size_t blen);


#endif /* _NGX_HTTP_K8FLEX_UTIL_H_INCLUDED_ */
