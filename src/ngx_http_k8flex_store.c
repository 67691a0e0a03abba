
/*
 * The store: one JSON file per analysis (see the header).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex_store.h"


#define NGX_HTTP_K8FLEX_STORE_TMP  ".json.tmp"


static ngx_int_t ngx_http_k8flex_store_write_fd(ngx_fd_t fd, u_char *data,
    size_t len);


ngx_int_t
ngx_http_k8flex_store_write(ngx_path_t *store, ngx_str_t *id, json_t *record,
    ngx_log_t *log)
{
    char        *text;
    u_char      *p;
    ngx_fd_t     fd;
    ngx_err_t    err;
    u_char       tmp[NGX_MAX_PATH], path[NGX_MAX_PATH];

    if (!ngx_http_k8flex_store_valid_id(id->data, id->len)) {
        ngx_log_error(NGX_LOG_ALERT, log, 0,
                      "k8flex: invalid store id \"%V\"", id);
        return NGX_ERROR;
    }

    if (store->name.len + 2 + id->len + sizeof(NGX_HTTP_K8FLEX_STORE_TMP)
        > NGX_MAX_PATH)
    {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "k8flex: store path \"%V\" is too long", &store->name);
        return NGX_ERROR;
    }

    p = ngx_sprintf(tmp, "%V/.%V" NGX_HTTP_K8FLEX_STORE_TMP, &store->name, id);
    *p = '\0';

    p = ngx_sprintf(path, "%V/%V.json", &store->name, id);
    *p = '\0';

    /* jansson allocates the text; its manual says to release it by free() */

    text = json_dumps(record, JSON_COMPACT);
    if (text == NULL) {
        ngx_log_error(NGX_LOG_ERR, log, 0,
                      "k8flex: cannot serialize the analysis \"%V\"", id);
        return NGX_ERROR;
    }

    fd = ngx_open_file(tmp, NGX_FILE_WRONLY,
                       NGX_FILE_CREATE_OR_OPEN|NGX_FILE_TRUNCATE,
                       NGX_FILE_DEFAULT_ACCESS);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;
        free(text);

        ngx_log_error(NGX_LOG_ERR, log, err,
                      ngx_open_file_n " \"%s\" failed", tmp);
        return NGX_ERROR;
    }

    /* no fsync: the spool, not the store, makes an alert durable */

    if (ngx_http_k8flex_store_write_fd(fd, (u_char *) text, ngx_strlen(text))
        != NGX_OK
        || ngx_http_k8flex_store_write_fd(fd, (u_char *) "\n", 1) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      "write() \"%s\" failed", tmp);
        free(text);
        (void) ngx_close_file(fd);
        goto failed;
    }

    free(text);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", tmp);
        goto failed;
    }

    if (ngx_rename_file(tmp, path) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_rename_file_n " \"%s\" to \"%s\" failed", tmp, path);
        goto failed;
    }

    return NGX_OK;

failed:

    if (ngx_delete_file(tmp) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                      ngx_delete_file_n " \"%s\" failed", tmp);
    }

    return NGX_ERROR;
}


static ngx_int_t
ngx_http_k8flex_store_write_fd(ngx_fd_t fd, u_char *data, size_t len)
{
    ssize_t  n;

    while (len) {
        n = ngx_write_fd(fd, data, len);

        if (n == -1) {
            if (ngx_errno == NGX_EINTR) {
                continue;
            }

            return NGX_ERROR;
        }

        if (n == 0) {
            ngx_set_errno(NGX_ENOSPC);
            return NGX_ERROR;
        }

        data += n;
        len -= n;
    }

    return NGX_OK;
}


ngx_uint_t
ngx_http_k8flex_store_valid_id(u_char *id, size_t len)
{
    size_t  i;

    if (len == 0 || len > NGX_HTTP_K8FLEX_ID_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((id[i] >= '0' && id[i] <= '9')
              || (id[i] >= 'a' && id[i] <= 'z')
              || id[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}
