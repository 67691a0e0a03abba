
/*
 * Small helpers shared by the k8flex handlers.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_util.h"


#define NGX_HTTP_K8FLEX_MSG_LEN     512
#define NGX_HTTP_K8FLEX_DUMP_GUESS  4096


static void ngx_http_k8flex_json_cleanup(void *data);


json_t *
ngx_http_k8flex_json_pool(ngx_pool_t *pool, json_t *value)
{
    ngx_pool_cleanup_t  *cln;

    if (value == NULL) {
        return NULL;
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        json_decref(value);
        return NULL;
    }

    cln->handler = ngx_http_k8flex_json_cleanup;
    cln->data = value;

    return value;
}


static void
ngx_http_k8flex_json_cleanup(void *data)
{
    json_decref(data);
}


ngx_int_t
ngx_http_k8flex_json_dump(ngx_pool_t *pool, json_t *value, ngx_str_t *out)
{
    u_char  *p;
    size_t   len, size;

    /* one serialization when the guess is enough, two when it is not */

    size = NGX_HTTP_K8FLEX_DUMP_GUESS;

    for ( ;; ) {
        p = ngx_pnalloc(pool, size + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        len = json_dumpb(value, (char *) p, size, JSON_COMPACT);

        if (len == 0) {
            return NGX_ERROR;
        }

        if (len <= size) {
            break;
        }

        size = len;
    }

    p[len++] = '\n';

    out->data = p;
    out->len = len;

    return NGX_OK;
}


ngx_int_t
ngx_http_k8flex_send_json(ngx_http_request_t *r, ngx_uint_t status,
    json_t *body)
{
    ngx_int_t     rc;
    ngx_str_t     text;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    if (ngx_http_k8flex_json_dump(r->pool, body, &text) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->pos = text.data;
    b->last = text.data + text.len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = status;
    r->headers_out.content_length_n = b->last - b->pos;

    /* nginx's status table stops at 416 */

    if (status == NGX_HTTP_K8FLEX_UNPROCESSABLE) {
        ngx_str_set(&r->headers_out.status_line, "422 Unprocessable Entity");
    }

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


ngx_int_t
ngx_http_k8flex_reject(ngx_http_request_t *r, ngx_uint_t status,
    json_t *fields, const char *fmt, ...)
{
    u_char      *p;
    va_list      args;
    json_t      *body;
    ngx_uint_t   level;
    u_char       msg[NGX_HTTP_K8FLEX_MSG_LEN];

    va_start(args, fmt);
    p = ngx_vslprintf(msg, msg + sizeof(msg), fmt, args);
    va_end(args);

    /* scanners and probes (401, 405) are noise; bad payloads are not */

    level = (status == NGX_HTTP_UNAUTHORIZED
             || status == NGX_HTTP_NOT_ALLOWED) ? NGX_LOG_INFO : NGX_LOG_WARN;

    ngx_log_error(level, r->connection->log, 0,
                  "k8flex: request to \"%V\" rejected with %ui: %*s",
                  &r->uri, status, p - msg, msg);

    body = ngx_http_k8flex_json_pool(r->pool, json_object());
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (json_object_set_new(body, "status", json_string("rejected")) != 0
        || json_object_set_new(body, "error",
                               json_stringn((char *) msg, p - msg))
           != 0
        || (fields && json_object_update(body, fields) != 0))
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_send_json(r, status, body);
}


ngx_int_t
ngx_http_k8flex_read_body(ngx_http_request_t *r, ngx_str_t *body)
{
    u_char       *p;
    off_t         len;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    ngx_str_null(body);

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        body->data = cl->buf->pos;
        body->len = cl->buf->last - cl->buf->pos;
        return NGX_OK;
    }

    len = 0;

    for ( /* void */ ; cl; cl = cl->next) {
        len += ngx_buf_size(cl->buf);
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    body->data = p;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (!b->in_file) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        /* nginx wrote the body to its temp file moments ago: page cache */

        n = ngx_read_file(b->file, p, b->file_last - b->file_pos,
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                          "k8flex: cannot read the request body back from "
                          "\"%V\"", &b->file->name);
            return NGX_ERROR;
        }

        p += n;
    }

    body->len = p - body->data;

    return NGX_OK;
}


ngx_int_t
ngx_http_k8flex_add_header(ngx_http_request_t *r, char *name, char *value)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key.data = (u_char *) name;
    h->key.len = ngx_strlen(name);
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


ngx_uint_t
ngx_http_k8flex_equal(u_char *a, size_t alen, u_char *b, size_t blen)
{
    size_t  i;
    u_char  d;

    if (blen == 0) {
        return 0;
    }

    d = (alen != blen);

    for (i = 0; i < alen; i++) {
        d |= a[i] ^ b[i % blen];
    }

    return d == 0;
}


/*
 * k8flex_auth_token: NGX_DECLINED when the request may go on, else what
 * the handler returns (401 with WWW-Authenticate, or 500).
 */

ngx_int_t
ngx_http_k8flex_auth(ngx_http_request_t *r, ngx_http_k8flex_loc_conf_t *klcf,
    const char *what, const char *token_name)
{
    u_char           *p, *last;
    ngx_int_t         rc;
    ngx_str_t         token;
    const char       *why;
    ngx_table_elt_t  *h;

    if (ngx_http_complex_value(r, klcf->auth_token, &token) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (token.len == 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "k8flex: \"k8flex_auth_token\" is empty for this "
                      "request; every %s is refused", what);

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_k8flex_reject(r, NGX_HTTP_INTERNAL_SERVER_ERROR,
                                      NULL, "the server's %s token is "
                                      "not configured (empty)", token_name);
    }

    h = r->headers_in.authorization;

    if (h == NULL) {
        why = "missing \"Authorization: Bearer <token>\" header";
        goto unauthorized;
    }

    p = h->value.data;
    last = p + h->value.len;

    if (last - p < 7 || ngx_strncasecmp(p, (u_char *) "Bearer ", 7) != 0) {
        why = "the Authorization header is not a Bearer token";
        goto unauthorized;
    }

    for (p += 7; p < last && *p == ' '; p++) { /* void */ }

    if (!ngx_http_k8flex_equal(p, last - p, token.data, token.len)) {
        why = "wrong bearer token";
        goto unauthorized;
    }

    return NGX_DECLINED;

unauthorized:

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_k8flex_add_header(r, "WWW-Authenticate",
                                   "Bearer realm=\"k8flex\"")
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_reject(r, NGX_HTTP_UNAUTHORIZED, NULL, "%s", why);
}


/*
 * GET and HEAD only; NGX_DECLINED when the request may go on, else what
 * the handler returns.
 */

ngx_int_t
ngx_http_k8flex_read_only(ngx_http_request_t *r)
{
    ngx_int_t  rc;

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {

        if (ngx_http_k8flex_add_header(r, "Allow", "GET, HEAD") != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_k8flex_reject(r, NGX_HTTP_NOT_ALLOWED, NULL,
                                      "method %V is not allowed: use GET",
                                      &r->method_name);
    }

    return NGX_DECLINED;
}
