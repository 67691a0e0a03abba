
/*
 * Outbound HTTP on nginx's event loop with libcurl's multi-socket
 * interface.
 *
 * libcurl tells which sockets it wants watched (the socket callback) and
 * when it wants to be called back (the timer callback); nginx watches
 * them: each socket is wrapped in an nginx connection whose events are
 * registered level-triggered, as libcurl expects, and libcurl's timer is
 * an nginx timer.  Both hand control back with curl_multi_socket_action(),
 * never from inside a libcurl callback.  Finished transfers are collected
 * with curl_multi_info_read() after each action.
 *
 * Every transfer also has a guard timer of its own: the time allowed for
 * the first byte, then for each next one (an LLM may think for minutes
 * before its first byte, and must then keep streaming).  Guard timers
 * keep a worker that is shutting down alive until the transfer is over;
 * libcurl's own timer does not.  Past worker_shutdown_timeout nginx
 * closes our connections: every transfer then ends with NGX_DECLINED.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <curl/curl.h>

#if (NGX_OPENSSL)
#include <openssl/err.h>
#endif

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_curl.h"


#if (NGX_HTTP_K8FLEX_CURL_ERR_LEN < CURL_ERROR_SIZE)
#error NGX_HTTP_K8FLEX_CURL_ERR_LEN is smaller than CURL_ERROR_SIZE
#endif


/* an nginx connection around one of libcurl's sockets */
typedef struct {
    ngx_connection_t          *connection;
    ngx_queue_t                queue;
} ngx_http_k8flex_curl_socket_t;


typedef struct {
    CURLM                     *multi;
    ngx_event_t                timer;
    ngx_queue_t                requests;       /* running transfers */
    ngx_queue_t                sockets;        /* curl_socket_t wrappers */
    ngx_queue_t                free_sockets;
    ngx_queue_t                free;
    ngx_uint_t                 running;
    ngx_log_t                 *log;
} ngx_http_k8flex_curl_ctx_t;


typedef struct {
    ngx_http_k8flex_curl_t    *req;
    ngx_queue_t                queue;
} ngx_http_k8flex_curl_link_t;


static int ngx_http_k8flex_curl_socket(CURL *easy, curl_socket_t s, int what,
    void *userp, void *socketp);
static int ngx_http_k8flex_curl_timer(CURLM *multi, long timeout_ms,
    void *userp);
static int ngx_http_k8flex_curl_close_socket(void *clientp,
    curl_socket_t item);
static size_t ngx_http_k8flex_curl_body(char *ptr, size_t size,
    size_t nmemb, void *userdata);
static size_t ngx_http_k8flex_curl_header(char *ptr, size_t size,
    size_t nmemb, void *userdata);

static void ngx_http_k8flex_curl_event_handler(ngx_event_t *ev);
static void ngx_http_k8flex_curl_timer_handler(ngx_event_t *ev);
static void ngx_http_k8flex_curl_guard_handler(ngx_event_t *ev);
static void ngx_http_k8flex_curl_action(curl_socket_t s, int action);
static void ngx_http_k8flex_curl_collect(void);
static void ngx_http_k8flex_curl_finish(ngx_http_k8flex_curl_t *req,
    ngx_int_t rc);
static void ngx_http_k8flex_curl_release(ngx_http_k8flex_curl_t *req);
static void ngx_http_k8flex_curl_cleanup(void *data);
static void ngx_http_k8flex_curl_shutdown(void);
static void ngx_http_k8flex_curl_unwatch(
    ngx_http_k8flex_curl_socket_t *sock, ngx_uint_t flags);
static void ngx_http_k8flex_curl_progress(ngx_http_k8flex_curl_t *req);
static void ngx_http_k8flex_curl_ssl_errors(void);


/* per worker */
static ngx_http_k8flex_curl_ctx_t  *ngx_http_k8flex_curl;


ngx_int_t
ngx_http_k8flex_curl_init_process(ngx_cycle_t *cycle)
{
    static ngx_uint_t            global;
    ngx_http_k8flex_curl_ctx_t  *ctx;

    if (!global) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                          "curl_global_init() failed");
            return NGX_ERROR;
        }

        global = 1;
    }

    ctx = ngx_pcalloc(cycle->pool, sizeof(ngx_http_k8flex_curl_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->multi = curl_multi_init();
    if (ctx->multi == NULL) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "curl_multi_init() failed");
        return NGX_ERROR;
    }

    ngx_queue_init(&ctx->requests);
    ngx_queue_init(&ctx->sockets);
    ngx_queue_init(&ctx->free_sockets);
    ngx_queue_init(&ctx->free);

    ctx->log = cycle->log;

    ctx->timer.handler = ngx_http_k8flex_curl_timer_handler;
    ctx->timer.log = cycle->log;
    ctx->timer.data = ctx;
    ctx->timer.cancelable = 1;

    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETFUNCTION,
                      ngx_http_k8flex_curl_socket);
    curl_multi_setopt(ctx->multi, CURLMOPT_SOCKETDATA, ctx);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERFUNCTION,
                      ngx_http_k8flex_curl_timer);
    curl_multi_setopt(ctx->multi, CURLMOPT_TIMERDATA, ctx);

    /* keep the connections of a whole evidence pack for the next one */
    curl_multi_setopt(ctx->multi, CURLMOPT_MAXCONNECTS, 64L);

    ngx_http_k8flex_curl = ctx;

    return NGX_OK;
}


void
ngx_http_k8flex_curl_exit_process(ngx_cycle_t *cycle)
{
    if (ngx_http_k8flex_curl == NULL) {
        return;
    }

    ngx_http_k8flex_curl_shutdown();
    ngx_http_k8flex_curl = NULL;
}


ngx_uint_t
ngx_http_k8flex_curl_running(void)
{
    return ngx_http_k8flex_curl ? ngx_http_k8flex_curl->running : 0;
}


ngx_int_t
ngx_http_k8flex_curl_start(ngx_http_k8flex_curl_t *req, ngx_pool_t *pool)
{
    CURL                         *easy;
    ngx_uint_t                    i;
    ngx_queue_t                  *q;
    struct curl_slist            *list, *l;
    ngx_pool_cleanup_t           *cln;
    ngx_http_k8flex_curl_ctx_t   *ctx;
    ngx_http_k8flex_curl_link_t  *link;
    u_char                       *p, buf[128];

    ctx = ngx_http_k8flex_curl;

    if (ctx == NULL || ctx->multi == NULL) {
        ngx_cpystrn((u_char *) req->error,
                    (u_char *) "the HTTP client is not running",
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        return NGX_ERROR;
    }

    req->pool = pool;
    req->status = 0;
    req->received = 0;
    req->first_byte = 0;
    req->error[0] = '\0';
    req->start = ngx_current_msec;

    easy = curl_easy_init();
    if (easy == NULL) {
        ngx_cpystrn((u_char *) req->error,
                    (u_char *) "curl_easy_init() failed",
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        return NGX_ERROR;
    }

    /* libcurl waits a second for "100 Continue" on large POSTs: no */

    list = curl_slist_append(NULL, "Expect:");

    if (list && req->bearer) {
        p = ngx_pnalloc(pool, sizeof("Authorization: Bearer ")
                              + ngx_strlen(req->bearer));
        l = NULL;

        if (p) {
            ngx_sprintf(p, "Authorization: Bearer %s%Z", req->bearer);
            l = curl_slist_append(list, (char *) p);
        }

        if (l == NULL) {
            curl_slist_free_all(list);
            list = NULL;
        }
    }

    if (list && req->content_type) {
        *ngx_snprintf(buf, sizeof(buf) - 1, "Content-Type: %s",
                      req->content_type)
            = '\0';

        l = curl_slist_append(list, (char *) buf);
        if (l == NULL) {
            curl_slist_free_all(list);
            list = NULL;
        }
    }

    for (i = 0; list && i < 4 && req->headers[i]; i++) {
        l = curl_slist_append(list, req->headers[i]);
        if (l == NULL) {
            curl_slist_free_all(list);
            list = NULL;
        }
    }

    if (list == NULL) {
        curl_easy_cleanup(easy);
        ngx_cpystrn((u_char *) req->error, (u_char *) "out of memory",
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        return NGX_ERROR;
    }

    req->headers_list = list;

    curl_easy_setopt(easy, CURLOPT_URL, req->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, req);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, req->error);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_USERAGENT,
                     "k8flex/" NGX_HTTP_K8FLEX_VERSION);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, ngx_http_k8flex_curl_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION,
                     ngx_http_k8flex_curl_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, req);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION,
                     ngx_http_k8flex_curl_close_socket);
    curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, ngx_http_k8flex_curl);

    if (req->connect_timeout) {
        curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                         (long) req->connect_timeout);
    }

    if (req->timeout) {
        curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long) req->timeout);
    }

    if (req->ca_file) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, req->ca_file);
    }

    if (req->body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t) req->body_len);
    }

    if (req->method && ngx_strcmp(req->method, "GET") != 0
        && ngx_strcmp(req->method, "POST") != 0)
    {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method);
    }

    if (ngx_queue_empty(&ctx->free)) {
        link = ngx_palloc(ngx_cycle->pool,
                          sizeof(ngx_http_k8flex_curl_link_t));
        if (link == NULL) {
            goto failed;
        }

    } else {
        q = ngx_queue_head(&ctx->free);
        ngx_queue_remove(q);
        link = ngx_queue_data(q, ngx_http_k8flex_curl_link_t, queue);
    }

    cln = ngx_pool_cleanup_add(pool, 0);
    if (cln == NULL) {
        ngx_queue_insert_tail(&ctx->free, &link->queue);
        goto failed;
    }

    req->easy = easy;

    if (curl_multi_add_handle(ctx->multi, easy) != CURLM_OK) {
        ngx_queue_insert_tail(&ctx->free, &link->queue);
        req->easy = NULL;
        goto failed;
    }

    link->req = req;
    ngx_queue_insert_tail(&ctx->requests, &link->queue);

    cln->handler = ngx_http_k8flex_curl_cleanup;
    cln->data = req;

    req->running = 1;
    ctx->running++;

    ngx_memzero(&req->timer, sizeof(ngx_event_t));
    req->timer.handler = ngx_http_k8flex_curl_guard_handler;
    req->timer.data = req;
    req->timer.log = req->log ? req->log : ctx->log;

    if (req->first_byte_timeout) {
        ngx_add_timer(&req->timer, req->first_byte_timeout);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ctx->log, 0,
                   "k8flex curl start %s %s",
                   req->method ? req->method : "GET", req->url);

    return NGX_OK;

failed:

    curl_slist_free_all(list);
    req->headers_list = NULL;
    curl_easy_cleanup(easy);

    ngx_cpystrn((u_char *) req->error, (u_char *) "out of memory",
                NGX_HTTP_K8FLEX_CURL_ERR_LEN);

    return NGX_ERROR;
}


void
ngx_http_k8flex_curl_cancel(ngx_http_k8flex_curl_t *req)
{
    if (req->running) {
        ngx_http_k8flex_curl_release(req);
    }
}


static void
ngx_http_k8flex_curl_cleanup(void *data)
{
    ngx_http_k8flex_curl_t  *req = data;

    ngx_http_k8flex_curl_cancel(req);
}


/* libcurl: watch s for what, or stop watching it */

static int
ngx_http_k8flex_curl_socket(CURL *easy, curl_socket_t s, int what,
    void *userp, void *socketp)
{
    ngx_http_k8flex_curl_ctx_t *ctx = userp;

    ngx_queue_t                    *q;
    ngx_event_t                    *rev, *wev;
    ngx_connection_t               *c;
    ngx_http_k8flex_curl_socket_t  *sock;

    sock = socketp;

    if (what == CURL_POLL_REMOVE) {
        if (sock) {
            ngx_http_k8flex_curl_unwatch(sock, 0);
            curl_multi_assign(ctx->multi, s, NULL);
        }

        return 0;
    }

    if (sock == NULL) {

        if (ngx_queue_empty(&ctx->free_sockets)) {
            sock = ngx_pcalloc(ngx_cycle->pool,
                               sizeof(ngx_http_k8flex_curl_socket_t));
            if (sock == NULL) {
                return -1;
            }

        } else {
            q = ngx_queue_head(&ctx->free_sockets);
            ngx_queue_remove(q);
            sock = ngx_queue_data(q, ngx_http_k8flex_curl_socket_t, queue);
        }

        c = ngx_get_connection(s, ctx->log);
        if (c == NULL) {
            ngx_queue_insert_tail(&ctx->free_sockets, &sock->queue);
            return -1;
        }

        c->data = sock;
        c->read->handler = ngx_http_k8flex_curl_event_handler;
        c->write->handler = ngx_http_k8flex_curl_event_handler;
        c->read->log = ctx->log;
        c->write->log = ctx->log;

        sock->connection = c;
        ngx_queue_insert_tail(&ctx->sockets, &sock->queue);

        curl_multi_assign(ctx->multi, s, sock);
    }

    c = sock->connection;
    rev = c->read;
    wev = c->write;

    /* level-triggered: libcurl may stop reading before EAGAIN */

    if (what & CURL_POLL_IN) {
        if (!rev->active && ngx_add_event(rev, NGX_READ_EVENT, NGX_LEVEL_EVENT)
                            != NGX_OK)
        {
            return -1;
        }

    } else if (rev->active) {
        if (ngx_del_event(rev, NGX_READ_EVENT, 0) != NGX_OK) {
            return -1;
        }
    }

    if (what & CURL_POLL_OUT) {
        if (!wev->active
            && ngx_add_event(wev, NGX_WRITE_EVENT, NGX_LEVEL_EVENT) != NGX_OK)
        {
            return -1;
        }

    } else if (wev->active) {
        if (ngx_del_event(wev, NGX_WRITE_EVENT, 0) != NGX_OK) {
            return -1;
        }
    }

    return 0;
}


static void
ngx_http_k8flex_curl_unwatch(ngx_http_k8flex_curl_socket_t *sock,
    ngx_uint_t flags)
{
    ngx_connection_t  *c;

    c = sock->connection;

    if (c == NULL) {
        return;
    }

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, flags);
    }

    if (c->write->active) {
        (void) ngx_del_event(c->write, NGX_WRITE_EVENT, flags);
    }

    if (c->read->posted) {
        ngx_delete_posted_event(c->read);
    }

    if (c->write->posted) {
        ngx_delete_posted_event(c->write);
    }

    /* the socket is libcurl's: free the connection, do not close it */

    ngx_free_connection(c);
    c->fd = (ngx_socket_t) -1;

    sock->connection = NULL;
    ngx_queue_remove(&sock->queue);

    if (ngx_http_k8flex_curl) {
        ngx_queue_insert_tail(&ngx_http_k8flex_curl->free_sockets,
                              &sock->queue);
    }
}


/*
 * libcurl closes a socket: whatever still watches it goes first, so that
 * epoll never holds a closed descriptor whose number may come back.
 */

static int
ngx_http_k8flex_curl_close_socket(void *clientp, curl_socket_t item)
{
    ngx_queue_t                    *q;
    ngx_http_k8flex_curl_ctx_t     *ctx;
    ngx_http_k8flex_curl_socket_t  *sock;

    ctx = ngx_http_k8flex_curl;

    if (ctx) {
        for (q = ngx_queue_head(&ctx->sockets);
             q != ngx_queue_sentinel(&ctx->sockets);
             q = ngx_queue_next(q))
        {
            sock = ngx_queue_data(q, ngx_http_k8flex_curl_socket_t, queue);

            if (sock->connection && sock->connection->fd == item) {
                ngx_http_k8flex_curl_unwatch(sock, 0);
                break;
            }
        }
    }

    if (ngx_close_socket(item) == -1) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, ngx_socket_errno,
                      ngx_close_socket_n " failed");
        return 1;
    }

    return 0;
}


/* libcurl: call me back in timeout_ms; -1: never mind */

static int
ngx_http_k8flex_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    ngx_http_k8flex_curl_ctx_t *ctx = userp;

    if (timeout_ms < 0) {
        if (ctx->timer.timer_set) {
            ngx_del_timer(&ctx->timer);
        }

        return 0;
    }

    /* 0 means at once: from the event loop, not from inside libcurl */

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    ngx_add_timer(&ctx->timer, (ngx_msec_t) timeout_ms);

    return 0;
}


static void
ngx_http_k8flex_curl_event_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c;

    c = ev->data;

    if (c->close) {

        /* worker_shutdown_timeout: nginx closes what is left */

        ngx_log_error(NGX_LOG_INFO, ev->log, 0,
                      "k8flex: worker is exiting, closing %ui transfer(s)",
                      ngx_http_k8flex_curl->running);

        c->close = 0;
        ngx_http_k8flex_curl_shutdown();
        return;
    }

    ngx_http_k8flex_curl_action(c->fd, ev->write ? CURL_CSELECT_OUT
                                                 : CURL_CSELECT_IN);
}


static void
ngx_http_k8flex_curl_timer_handler(ngx_event_t *ev)
{
    ngx_http_k8flex_curl_action(CURL_SOCKET_TIMEOUT, 0);
}


static void
ngx_http_k8flex_curl_action(curl_socket_t s, int action)
{
    int                          running;
    CURLMcode                    rc;
    ngx_http_k8flex_curl_ctx_t  *ctx;

    ctx = ngx_http_k8flex_curl;

    if (ctx == NULL || ctx->multi == NULL) {
        return;
    }

    rc = curl_multi_socket_action(ctx->multi, s, action, &running);

    ngx_http_k8flex_curl_ssl_errors();

    if (rc != CURLM_OK) {
        ngx_log_error(NGX_LOG_ALERT, ctx->log, 0,
                      "curl_multi_socket_action() failed: %s",
                      curl_multi_strerror(rc));
    }

    ngx_http_k8flex_curl_collect();
}


/*
 * libcurl and nginx share OpenSSL and its error queue: a handshake that
 * libcurl failed (a certificate not signed by the CA file) leaves errors
 * there, which nginx would find at its next TLS operation and log as
 * "ignoring stale global SSL error".  libcurl reported them already.
 */

static void
ngx_http_k8flex_curl_ssl_errors(void)
{
#if (NGX_OPENSSL)
    ERR_clear_error();
#endif
}


static void
ngx_http_k8flex_curl_collect(void)
{
    int                          left;
    char                        *priv;
    long                         status;
    CURLMsg                     *msg;
    ngx_http_k8flex_curl_t      *req;
    ngx_http_k8flex_curl_ctx_t  *ctx;

    ctx = ngx_http_k8flex_curl;

    while (ctx->multi && (msg = curl_multi_info_read(ctx->multi, &left))) {

        if (msg->msg != CURLMSG_DONE) {
            continue;
        }

        priv = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);

        if (priv == NULL) {
            continue;
        }

        req = (ngx_http_k8flex_curl_t *) priv;

        status = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
        req->status = status;

        if (msg->data.result == CURLE_OK) {
            ngx_http_k8flex_curl_finish(req, NGX_OK);
            continue;
        }

        if (msg->data.result == CURLE_WRITE_ERROR && req->truncated) {
            ngx_http_k8flex_curl_finish(req, NGX_ABORT);
            continue;
        }

        if (req->error[0] == '\0') {
            ngx_cpystrn((u_char *) req->error,
                        (u_char *) curl_easy_strerror(msg->data.result),
                        NGX_HTTP_K8FLEX_CURL_ERR_LEN);
        }

        ngx_http_k8flex_curl_finish(req, NGX_ERROR);
    }
}


static void
ngx_http_k8flex_curl_finish(ngx_http_k8flex_curl_t *req, ngx_int_t rc)
{
    ngx_http_k8flex_curl_release(req);

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, ngx_http_k8flex_curl->log, 0,
                   "k8flex curl done %s: %i, status %ui, %uz bytes",
                   req->url, rc, req->status, req->received);

    req->done(req, rc);
}


static void
ngx_http_k8flex_curl_release(ngx_http_k8flex_curl_t *req)
{
    ngx_queue_t                  *q;
    ngx_http_k8flex_curl_ctx_t   *ctx;
    ngx_http_k8flex_curl_link_t  *link;

    ctx = ngx_http_k8flex_curl;

    req->running = 0;
    req->elapsed = ngx_current_msec - req->start;

    if (req->timer.timer_set) {
        ngx_del_timer(&req->timer);
    }

    if (ctx == NULL) {
        return;
    }

    ctx->running--;

    for (q = ngx_queue_head(&ctx->requests);
         q != ngx_queue_sentinel(&ctx->requests);
         q = ngx_queue_next(q))
    {
        link = ngx_queue_data(q, ngx_http_k8flex_curl_link_t, queue);

        if (link->req == req) {
            ngx_queue_remove(q);
            ngx_queue_insert_tail(&ctx->free, q);
            break;
        }
    }

    if (req->easy) {
        if (ctx->multi) {
            curl_multi_remove_handle(ctx->multi, req->easy);
        }

        curl_easy_cleanup(req->easy);
        req->easy = NULL;

        ngx_http_k8flex_curl_ssl_errors();
    }

    if (req->headers_list) {
        curl_slist_free_all(req->headers_list);
        req->headers_list = NULL;
    }
}


static void
ngx_http_k8flex_curl_guard_handler(ngx_event_t *ev)
{
    ngx_http_k8flex_curl_t  *req = ev->data;

    if (req->first_byte == 0) {
        *ngx_snprintf((u_char *) req->error, NGX_HTTP_K8FLEX_CURL_ERR_LEN - 1,
                      "no answer within %M ms", req->first_byte_timeout)
            = '\0';

    } else {
        *ngx_snprintf((u_char *) req->error, NGX_HTTP_K8FLEX_CURL_ERR_LEN - 1,
                      "the answer stalled: nothing for %M ms after %uz bytes",
                      req->stall_timeout, req->received)
            = '\0';
    }

    ngx_http_k8flex_curl_finish(req, NGX_ERROR);
}


static void
ngx_http_k8flex_curl_progress(ngx_http_k8flex_curl_t *req)
{
    long  status;

    if (req->first_byte == 0) {
        req->first_byte = ngx_current_msec - req->start;
        if (req->first_byte == 0) {
            req->first_byte = 1;
        }
    }

    if (req->status == 0 && req->easy) {
        status = 0;
        curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
        req->status = status;
    }

    if (req->stall_timeout) {
        ngx_add_timer(&req->timer, req->stall_timeout);

    } else if (req->timer.timer_set) {
        ngx_del_timer(&req->timer);
    }
}


static size_t
ngx_http_k8flex_curl_header(char *ptr, size_t size, size_t nmemb,
    void *userdata)
{
    ngx_http_k8flex_curl_t  *req = userdata;

    ngx_http_k8flex_curl_progress(req);

    /* a new status line: "100 Continue" or a redirect came first */

    if (size * nmemb > 5 && ngx_strncmp(ptr, "HTTP/", 5) == 0) {
        req->status = 0;
    }

    return size * nmemb;
}


static size_t
ngx_http_k8flex_curl_body(char *ptr, size_t size, size_t nmemb,
    void *userdata)
{
    ngx_http_k8flex_curl_t  *req = userdata;

    u_char  *p;
    size_t   len, n;

    len = size * nmemb;

    ngx_http_k8flex_curl_progress(req);
    req->received += len;

    if (req->write) {
        if (req->write(req, (u_char *) ptr, len) != NGX_OK) {
            req->truncated = 1;
            return 0;
        }

        return len;
    }

    if (req->max_response && req->response.len + len > req->max_response) {
        *ngx_snprintf((u_char *) req->error, NGX_HTTP_K8FLEX_CURL_ERR_LEN - 1,
                      "the answer is larger than %uz bytes",
                      req->max_response)
            = '\0';
        req->truncated = 1;
        return 0;
    }

    /* grow by doubling; the pool is the job's and goes with it */

    n = req->response.len + len + 1;

    if (n > req->response_size) {
        n = ngx_max(n, 2 * req->response_size);
        n = ngx_max(n, 4096);

        p = ngx_pnalloc(req->pool, n);
        if (p == NULL) {
            ngx_cpystrn((u_char *) req->error, (u_char *) "out of memory",
                        NGX_HTTP_K8FLEX_CURL_ERR_LEN);
            return 0;
        }

        if (req->response.len) {
            ngx_memcpy(p, req->response.data, req->response.len);
        }

        req->response.data = p;
        req->response_size = n;
    }

    ngx_memcpy(req->response.data + req->response.len, ptr, len);
    req->response.len += len;
    req->response.data[req->response.len] = '\0';

    return len;
}


/*
 * The worker is going away: every transfer ends with NGX_DECLINED (its
 * owner puts its job back in the spool), then libcurl lets go of its
 * sockets and our connections around them.
 */

static void
ngx_http_k8flex_curl_shutdown(void)
{
    ngx_queue_t                    *q;
    ngx_http_k8flex_curl_t         *req;
    ngx_http_k8flex_curl_ctx_t     *ctx;
    ngx_http_k8flex_curl_link_t    *link;
    ngx_http_k8flex_curl_socket_t  *sock;

    ctx = ngx_http_k8flex_curl;

    while (!ngx_queue_empty(&ctx->requests)) {
        q = ngx_queue_head(&ctx->requests);
        link = ngx_queue_data(q, ngx_http_k8flex_curl_link_t, queue);
        req = link->req;

        ngx_cpystrn((u_char *) req->error,
                    (u_char *) "the nginx worker is exiting",
                    NGX_HTTP_K8FLEX_CURL_ERR_LEN);

        ngx_http_k8flex_curl_finish(req, NGX_DECLINED);
    }

    if (ctx->timer.timer_set) {
        ngx_del_timer(&ctx->timer);
    }

    if (ctx->multi) {
        curl_multi_cleanup(ctx->multi);
        ctx->multi = NULL;
        ngx_http_k8flex_curl_ssl_errors();
    }

    while (!ngx_queue_empty(&ctx->sockets)) {
        q = ngx_queue_head(&ctx->sockets);
        sock = ngx_queue_data(q, ngx_http_k8flex_curl_socket_t, queue);

        /* libcurl may have closed it already: no epoll_ctl() on it */

        ngx_http_k8flex_curl_unwatch(sock, NGX_CLOSE_EVENT);
    }
}
