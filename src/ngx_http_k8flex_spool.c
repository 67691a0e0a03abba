
/*
 * The spool: durable writes of accepted alerts (see the header).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_spool.h"


static void ngx_http_k8flex_spool_run(void *data, ngx_log_t *log);
static void ngx_http_k8flex_spool_fail(ngx_http_k8flex_spool_batch_t *batch,
    const char *op, u_char *path);
static u_char *ngx_http_k8flex_spool_path(ngx_pool_t *pool, ngx_str_t *dir,
    const char *sub, ngx_str_t *id);
#if (NGX_THREADS)
static void ngx_http_k8flex_spool_event_handler(ngx_event_t *ev);
static void ngx_http_k8flex_spool_finish(ngx_http_request_t *r);
#endif


ngx_int_t
ngx_http_k8flex_spool_init(ngx_cycle_t *cycle, ngx_path_t *spool)
{
    u_char      *dir;
    ngx_str_t    sub[2] = { ngx_string("tmp"), ngx_string("new") };
    ngx_uint_t   i;

    for (i = 0; i < 2; i++) {

        dir = ngx_http_k8flex_spool_path(cycle->pool, &spool->name, NULL,
                                         &sub[i]);
        if (dir == NULL) {
            return NGX_ERROR;
        }

        if (ngx_create_dir(dir, 0700) == NGX_FILE_ERROR
            && ngx_errno != NGX_EEXIST)
        {
            ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_errno,
                          ngx_create_dir_n " \"%s\" failed: k8flex webhooks "
                          "will answer 503 until the spool is writable",
                          dir);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


ngx_http_k8flex_spool_batch_t *
ngx_http_k8flex_spool_batch(ngx_http_request_t *r, ngx_uint_t n)
{
    ngx_str_t                       new = ngx_string("new");
    ngx_http_k8flex_main_conf_t    *kmcf;
    ngx_http_k8flex_spool_batch_t  *batch;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

    batch = ngx_pcalloc(r->pool, sizeof(ngx_http_k8flex_spool_batch_t));
    if (batch == NULL) {
        return NULL;
    }

    if (ngx_array_init(&batch->files, r->pool, n,
                       sizeof(ngx_http_k8flex_spool_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    batch->dir = ngx_http_k8flex_spool_path(r->pool, &kmcf->spool->name,
                                            NULL, &new);
    if (batch->dir == NULL) {
        return NULL;
    }

    batch->sync = kmcf->spool_sync;

    return batch;
}


ngx_int_t
ngx_http_k8flex_spool_add(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch, ngx_str_t *id, ngx_str_t *data)
{
    ngx_http_k8flex_main_conf_t   *kmcf;
    ngx_http_k8flex_spool_file_t  *f;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

    f = ngx_array_push(&batch->files);
    if (f == NULL) {
        return NGX_ERROR;
    }

    ngx_memzero(f, sizeof(ngx_http_k8flex_spool_file_t));

    f->tmp = ngx_http_k8flex_spool_path(r->pool, &kmcf->spool->name, "tmp",
                                        id);
    f->path = ngx_http_k8flex_spool_path(r->pool, &kmcf->spool->name, "new",
                                         id);
    if (f->tmp == NULL || f->path == NULL) {
        return NGX_ERROR;
    }

    f->data = *data;

    return NGX_OK;
}


ngx_int_t
ngx_http_k8flex_spool_write(ngx_http_request_t *r,
    ngx_http_k8flex_spool_batch_t *batch)
{
#if (NGX_THREADS)
    ngx_thread_task_t            *task;
    ngx_http_k8flex_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

    if (kmcf->thread_pool) {
        task = ngx_thread_task_alloc(r->pool, 0);
        if (task == NULL) {
            return NGX_ERROR;
        }

        task->ctx = batch;
        task->handler = ngx_http_k8flex_spool_run;
        task->event.data = r;
        task->event.handler = ngx_http_k8flex_spool_event_handler;

        if (ngx_thread_task_post(kmcf->thread_pool, task) != NGX_OK) {
            return NGX_ERROR;
        }

        /* like "aio threads": the request waits, the event loop does not */

        r->main->blocked++;
        r->aio = 1;
        r->write_event_handler = ngx_http_k8flex_spool_finish;
        ngx_http_set_ctx(r, batch, ngx_http_k8flex_module);

        return NGX_AGAIN;
    }
#endif

    ngx_http_k8flex_spool_run(batch, r->connection->log);

    return NGX_OK;
}


#if (NGX_THREADS)

static void
ngx_http_k8flex_spool_event_handler(ngx_event_t *ev)
{
    ngx_connection_t    *c;
    ngx_http_request_t  *r;

    r = ev->data;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->main->blocked--;
    r->aio = 0;

    /* a request terminated meanwhile has had its handler replaced */

    r->write_event_handler(r);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_k8flex_spool_finish(ngx_http_request_t *r)
{
    ngx_http_k8flex_spool_batch_t  *batch;

    r->write_event_handler = ngx_http_request_empty_handler;

    batch = ngx_http_get_module_ctx(r, ngx_http_k8flex_module);
    if (batch == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    batch->done(r, batch);
}

#endif


/*
 * Runs on a pool thread (or inline): plain system calls only, no pool
 * allocation, no logging to shared state.  Every temp file is written and
 * flushed before any is renamed, so a failure leaves nothing in new/.
 */

static void
ngx_http_k8flex_spool_run(void *data, ngx_log_t *log)
{
    ngx_http_k8flex_spool_batch_t *batch = data;

    ssize_t                        n;
    ngx_fd_t                       fd;
    ngx_uint_t                     i;
    ngx_http_k8flex_spool_file_t  *f;

    f = batch->files.elts;

    for (i = 0; i < batch->files.nelts; i++) {

        fd = ngx_open_file(f[i].tmp, NGX_FILE_WRONLY,
                           NGX_FILE_CREATE_OR_OPEN|NGX_FILE_TRUNCATE,
                           0600);
        if (fd == NGX_INVALID_FILE) {
            ngx_http_k8flex_spool_fail(batch, ngx_open_file_n, f[i].tmp);
            goto failed;
        }

        f[i].written = 1;

        n = write(fd, f[i].data.data, f[i].data.len);

        if (n != (ssize_t) f[i].data.len) {
            if (n != -1) {
                ngx_set_errno(NGX_ENOSPC);
            }

            ngx_http_k8flex_spool_fail(batch, "write()", f[i].tmp);
            (void) ngx_close_file(fd);
            goto failed;
        }

        if (batch->sync && fdatasync(fd) == -1) {
            ngx_http_k8flex_spool_fail(batch, "fdatasync()", f[i].tmp);
            (void) ngx_close_file(fd);
            goto failed;
        }

        if (ngx_close_file(fd) == NGX_FILE_ERROR) {
            ngx_http_k8flex_spool_fail(batch, ngx_close_file_n, f[i].tmp);
            goto failed;
        }
    }

    for (i = 0; i < batch->files.nelts; i++) {

        if (ngx_rename_file(f[i].tmp, f[i].path) == NGX_FILE_ERROR) {
            ngx_http_k8flex_spool_fail(batch, ngx_rename_file_n, f[i].path);
            goto failed;
        }

        f[i].written = 0;
        f[i].renamed = 1;
    }

    if (batch->sync) {
        /* the renames themselves must survive a crash */

        fd = ngx_open_file(batch->dir, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

        if (fd == NGX_INVALID_FILE) {
            ngx_http_k8flex_spool_fail(batch, ngx_open_file_n, batch->dir);
            goto failed;
        }

        if (fsync(fd) == -1) {
            ngx_http_k8flex_spool_fail(batch, "fsync()", batch->dir);
            (void) ngx_close_file(fd);
            goto failed;
        }

        (void) ngx_close_file(fd);
    }

    return;

failed:

    for (i = 0; i < batch->files.nelts; i++) {

        if (f[i].written) {
            (void) ngx_delete_file(f[i].tmp);
        }

        if (f[i].renamed) {
            (void) ngx_delete_file(f[i].path);
        }
    }
}


static void
ngx_http_k8flex_spool_fail(ngx_http_k8flex_spool_batch_t *batch,
    const char *op, u_char *path)
{
    batch->err = ngx_errno;
    batch->op = op;
    batch->failed = path;

    if (batch->err == 0) {
        batch->err = EIO;
    }
}


static u_char *
ngx_http_k8flex_spool_path(ngx_pool_t *pool, ngx_str_t *dir, const char *sub,
    ngx_str_t *id)
{
    u_char  *p, *path;
    size_t   len;

    len = dir->len + 1 + (sub ? ngx_strlen(sub) + 1 : 0) + id->len
          + sizeof(".json");

    path = ngx_pnalloc(pool, len);
    if (path == NULL) {
        return NULL;
    }

    p = ngx_cpymem(path, dir->data, dir->len);
    *p++ = '/';

    if (sub) {
        p = ngx_cpymem(p, sub, ngx_strlen(sub));
        *p++ = '/';
        p = ngx_cpymem(p, id->data, id->len);
        p = ngx_cpymem(p, ".json", sizeof(".json") - 1);

    } else {
        p = ngx_cpymem(p, id->data, id->len);
    }

    *p = '\0';

    return path;
}
