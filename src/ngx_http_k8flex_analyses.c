
/*
 * k8flex_analyses: the read API of the store.
 *
 *   GET <location>          the newest analyses first, a few fields each
 *   GET <location>/<id>     one record, as the engine last wrote it
 *
 * Store files are read with blocking calls, as nginx's static module reads
 * files: they are small, local and most often in the page cache.  A listing
 * reads the names of the directory, then opens at most "limit" records
 * (500 when filtered by state), never the whole store.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_util.h"
#include "ngx_http_k8flex_store.h"
#include "ngx_http_k8flex_zone.h"


#define NGX_HTTP_K8FLEX_LIMIT_DEFAULT  20
#define NGX_HTTP_K8FLEX_LIMIT_MAX      500

/* how much of a client's bad value an error message repeats */
#define NGX_HTTP_K8FLEX_SHOWN_MAX      80


static ngx_int_t ngx_http_k8flex_analyses_list(ngx_http_request_t *r,
    ngx_str_t *dir);
static ngx_int_t ngx_http_k8flex_analyses_args(ngx_http_request_t *r,
    ngx_uint_t *limit, ngx_str_t *before, ngx_str_t *state);
static ngx_int_t ngx_http_k8flex_analyses_names(ngx_http_request_t *r,
    ngx_str_t *dir, ngx_str_t *before, ngx_array_t *ids, ngx_uint_t *total,
    const char **op);
static int ngx_libc_cdecl ngx_http_k8flex_analyses_cmp(const void *one,
    const void *two);
static json_t *ngx_http_k8flex_analyses_load(ngx_http_request_t *r,
    ngx_str_t *dir, ngx_str_t *id, json_error_t *error);
static json_t *ngx_http_k8flex_analyses_entry(ngx_str_t *id, json_t *record);
static json_t *ngx_http_k8flex_analyses_target(json_t *alert);
static ngx_int_t ngx_http_k8flex_analyses_one(ngx_http_request_t *r,
    ngx_str_t *dir, ngx_str_t *id);
static ngx_int_t ngx_http_k8flex_analyses_queued(ngx_http_request_t *r,
    ngx_str_t *id);
static json_t *ngx_http_k8flex_analyses_job(ngx_http_request_t *r,
    ngx_str_t *id);
static ngx_int_t ngx_http_k8flex_analyses_spooled(ngx_http_request_t *r,
    ngx_str_t *before, ngx_array_t *ids, ngx_uint_t *total);
static ngx_int_t ngx_http_k8flex_analyses_unavailable(ngx_http_request_t *r,
    const char *op, u_char *path, ngx_err_t err);
static u_char *ngx_http_k8flex_analyses_shown(ngx_pool_t *pool, u_char *data,
    size_t len);


ngx_int_t
ngx_http_k8flex_analyses_handler(ngx_http_request_t *r)
{
    u_char                       *p, *last, *shown;
    ngx_int_t                     rc;
    ngx_str_t                     dir, id;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_k8flex_loc_conf_t   *klcf;
    ngx_http_k8flex_main_conf_t  *kmcf;

    rc = ngx_http_k8flex_read_only(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    /* the analyses quote logs and events: k8flex_auth_token guards them */

    klcf = ngx_http_get_module_loc_conf(r, ngx_http_k8flex_module);

    if (klcf->auth_token) {
        rc = ngx_http_k8flex_auth(r, klcf, "read of analyses", "access");
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);
    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    /* ngx_open_dir() and open() want the name null-terminated */

    dir.len = kmcf->store->name.len;
    dir.data = ngx_pnalloc(r->pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_memcpy(dir.data, kmcf->store->name.data, dir.len);
    dir.data[dir.len] = '\0';

    /*
     * What follows the location's name: nothing or "/" lists, "/<id>" is
     * one analysis.  A regular expression location has no name to strip:
     * there the id is the last segment of the URI.
     */

    p = r->uri.data;
    last = r->uri.data + r->uri.len;

    if (r->uri.len >= clcf->name.len
        && ngx_strncmp(p, clcf->name.data, clcf->name.len) == 0)
    {
        p += clcf->name.len;

        if (p < last && *p == '/') {
            p++;

        } else if (p < last && clcf->name.data[clcf->name.len - 1] != '/') {
            /* "/analysesX" in "location /analyses" */
            goto not_found;
        }

    } else {
        p = last;

        while (p > r->uri.data && p[-1] != '/') {
            p--;
        }
    }

    if (p == last) {
        return ngx_http_k8flex_analyses_list(r, &dir);
    }

    if (ngx_strlchr(p, last, '/') != NULL) {
        goto not_found;
    }

    id.data = p;
    id.len = last - p;

    if (!ngx_http_k8flex_store_valid_id(id.data, id.len)) {
        shown = ngx_http_k8flex_analyses_shown(r->pool, id.data, id.len);
        if (shown == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, NULL,
                   "invalid analysis id \"%s\": an id is 1 to %d characters "
                   "of 0-9, a-z and \"-\"", shown, NGX_HTTP_K8FLEX_ID_MAX);
    }

    return ngx_http_k8flex_analyses_one(r, &dir, &id);

not_found:

    shown = ngx_http_k8flex_analyses_shown(r->pool, r->uri.data, r->uri.len);
    if (shown == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_reject(r, NGX_HTTP_NOT_FOUND, NULL,
                                  "no analysis at \"%s\"", shown);
}


/*
 * {"analyses":[...],"count":N,"limit":L,"total":T,"next":ID}: "total"
 * counts every analysis in the store, "next" is what to pass as "before"
 * for the page that follows, null on the last page.
 */

static ngx_int_t
ngx_http_k8flex_analyses_list(ngx_http_request_t *r, ngx_str_t *dir)
{
    json_t        *body, *list, *record, *entry, *next;
    ngx_int_t      rc;
    ngx_str_t      before, state, *ids, *qids, *id, first;
    ngx_uint_t     i, j, limit, total, reads, read, count, skipped, queued;
    const char    *s, *op;
    ngx_array_t    names, spooled;
    json_error_t   error, first_error;

    rc = ngx_http_k8flex_analyses_args(r, &limit, &before, &state);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (ngx_array_init(&names, r->pool, 64, sizeof(ngx_str_t)) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (ngx_http_k8flex_analyses_names(r, dir, &before, &names, &total, &op)
        != NGX_OK)
    {
        if (op == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_k8flex_analyses_unavailable(r, op, dir->data,
                                                    ngx_errno);
    }

    /* the alerts still waiting in the spool are analyses too: queued */

    if (ngx_http_k8flex_analyses_spooled(r, &before, &spooled, &queued)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    total += queued;

    /* ids sort as they were received: the newest is the greatest */

    ids = names.elts;
    ngx_qsort(ids, names.nelts, sizeof(ngx_str_t),
              ngx_http_k8flex_analyses_cmp);

    qids = spooled.elts;
    ngx_qsort(qids, spooled.nelts, sizeof(ngx_str_t),
              ngx_http_k8flex_analyses_cmp);

    body = ngx_http_k8flex_json_pool(r->pool, json_object());
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    list = json_array();

    if (json_object_set_new(body, "analyses", list) != 0) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    reads = state.len ? NGX_HTTP_K8FLEX_LIMIT_MAX : limit;
    read = 0;
    count = 0;
    skipped = 0;
    ngx_str_null(&first);
    id = NULL;

    i = 0;
    j = 0;

    while ((i < names.nelts || j < spooled.nelts)
           && count < limit && read < reads)
    {
        read++;

        /* the newer of the two; a job back in the spool is queued again */

        if (j == spooled.nelts
            || (i < names.nelts
                && ngx_http_k8flex_analyses_cmp(&ids[i], &qids[j]) < 0))
        {
            id = &ids[i++];

            record = ngx_http_k8flex_analyses_load(r, dir, id, &error);

        } else {
            if (i < names.nelts
                && ngx_http_k8flex_analyses_cmp(&ids[i], &qids[j]) == 0)
            {
                i++;
            }

            id = &qids[j++];

            /* NULL: a worker took it since readdir() */
            record = ngx_http_k8flex_analyses_job(r, id);
            error.text[0] = '\0';
        }

        if (record == NULL) {
            /* an empty text: the file went away since readdir() */

            if (error.text[0] != '\0' && skipped++ == 0) {
                first = *id;
                first_error = error;
            }

            continue;
        }

        if (state.len) {
            s = json_string_value(json_object_get(record, "state"));

            if (s == NULL
                || ngx_strlen(s) != state.len
                || ngx_strncmp(s, state.data, state.len) != 0)
            {
                json_decref(record);
                continue;
            }
        }

        entry = ngx_http_k8flex_analyses_entry(id, record);
        json_decref(record);

        if (json_array_append_new(list, entry) != 0) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        count++;
    }

    if (skipped) {
        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "k8flex: %ui analyses skipped in the store \"%V\": "
                      "cannot read \"%V.json\": %s%s",
                      skipped, dir, &first, first_error.text,
                      skipped > 1 ? ", and others" : "");
    }

    if (id && (i < names.nelts || j < spooled.nelts)) {
        next = json_stringn((char *) id->data, id->len);

    } else {
        next = json_null();
    }

    if (json_object_set_new(body, "count", json_integer(count)) != 0
        || json_object_set_new(body, "limit", json_integer(limit)) != 0
        || json_object_set_new(body, "total", json_integer(total)) != 0
        || json_object_set_new(body, "next", next) != 0)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_send_json(r, NGX_HTTP_OK, body);
}


/* NGX_DECLINED: the arguments are good; else a 400 went out */

static ngx_int_t
ngx_http_k8flex_analyses_args(ngx_http_request_t *r, ngx_uint_t *limit,
    ngx_str_t *before, ngx_str_t *state)
{
    u_char      *shown;
    ngx_int_t    n;
    ngx_str_t    value;
    ngx_uint_t   i;
    const char  *name;

    *limit = NGX_HTTP_K8FLEX_LIMIT_DEFAULT;
    ngx_str_null(before);
    ngx_str_null(state);

    if (ngx_http_arg(r, (u_char *) "limit", 5, &value) == NGX_OK) {
        n = ngx_atoi(value.data, value.len);

        if (n < 1 || n > NGX_HTTP_K8FLEX_LIMIT_MAX) {
            goto invalid;
        }

        *limit = n;
    }

    if (ngx_http_arg(r, (u_char *) "before", 6, &value) == NGX_OK) {

        if (!ngx_http_k8flex_store_valid_id(value.data, value.len)) {
            shown = ngx_http_k8flex_analyses_shown(r->pool, value.data,
                                                   value.len);
            if (shown == NULL) {
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }

            return ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, NULL,
                                          "before \"%s\" is not an "
                                          "analysis id", shown);
        }

        *before = value;
    }

    if (ngx_http_arg(r, (u_char *) "state", 5, &value) == NGX_OK) {

        for (i = 0; i < NGX_HTTP_K8FLEX_NSTATES; i++) {
            name = ngx_http_k8flex_state_names[i];

            if (ngx_strlen(name) == value.len
                && ngx_strncmp(name, value.data, value.len) == 0)
            {
                *state = value;
                return NGX_DECLINED;
            }
        }

        shown = ngx_http_k8flex_analyses_shown(r->pool, value.data,
                                               value.len);
        if (shown == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        return ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, NULL,
                                      "state \"%s\" is not one of queued, "
                                      "gathering, analyzing, done, failed",
                                      shown);
    }

    return NGX_DECLINED;

invalid:

    shown = ngx_http_k8flex_analyses_shown(r->pool, value.data, value.len);
    if (shown == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_reject(r, NGX_HTTP_BAD_REQUEST, NULL,
                                  "limit \"%s\" is not a number from 1 to %d",
                                  shown, NGX_HTTP_K8FLEX_LIMIT_MAX);
}


/*
 * The ids of the store older than "before", and how many there are in all.
 * NGX_ERROR with the failed call in op and ngx_errno set when the store
 * cannot be read; op is NULL when memory ran out.
 */

static ngx_int_t
ngx_http_k8flex_analyses_names(ngx_http_request_t *r, ngx_str_t *dir,
    ngx_str_t *before, ngx_array_t *ids, ngx_uint_t *total, const char **op)
{
    u_char     *name;
    size_t      len;
    ngx_err_t   err;
    ngx_str_t  *id;
    ngx_dir_t   d;

    *total = 0;
    *op = NULL;

    if (ngx_open_dir(dir, &d) == NGX_ERROR) {
        *op = ngx_open_dir_n;
        return NGX_ERROR;
    }

    for ( ;; ) {
        ngx_set_errno(0);

        if (ngx_read_dir(&d) == NGX_ERROR) {
            err = ngx_errno;

            if (err != NGX_ENOMOREFILES) {
                (void) ngx_close_dir(&d);
                ngx_set_errno(err);
                *op = ngx_read_dir_n;
                return NGX_ERROR;
            }

            break;
        }

        /* temporary files start with ".", which no id has */

        name = ngx_de_name(&d);
        len = ngx_de_namelen(&d);

        if (len <= sizeof(".json") - 1
            || ngx_strncmp(name + len - 5, ".json", 5) != 0)
        {
            continue;
        }

        len -= sizeof(".json") - 1;

        if (!ngx_http_k8flex_store_valid_id(name, len)) {
            continue;
        }

        (*total)++;

        if (before->len
            && ngx_memn2cmp(name, before->data, len, before->len) >= 0)
        {
            continue;
        }

        id = ngx_array_push(ids);
        if (id == NULL) {
            (void) ngx_close_dir(&d);
            return NGX_ERROR;
        }

        id->len = len;
        id->data = ngx_pnalloc(r->pool, len);
        if (id->data == NULL) {
            (void) ngx_close_dir(&d);
            return NGX_ERROR;
        }

        ngx_memcpy(id->data, name, len);
    }

    if (ngx_close_dir(&d) == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_dir_n " \"%V\" failed", dir);
    }

    return NGX_OK;
}


/* newest first */

static int ngx_libc_cdecl
ngx_http_k8flex_analyses_cmp(const void *one, const void *two)
{
    ngx_str_t *first = (ngx_str_t *) one;
    ngx_str_t *second = (ngx_str_t *) two;

    return ngx_memn2cmp(second->data, first->data, second->len, first->len);
}


/*
 * The record, or NULL with the reason in error->text; an empty reason
 * when the file is gone.  The caller releases the record.
 */

static json_t *
ngx_http_k8flex_analyses_load(ngx_http_request_t *r, ngx_str_t *dir,
    ngx_str_t *id, json_error_t *error)
{
    u_char    *p, *end, *path;
    json_t    *record;
    ngx_fd_t   fd;
    ngx_err_t  err;

    path = ngx_pnalloc(r->pool, dir->len + id->len + sizeof("/.json"));
    if (path == NULL) {
        ngx_cpystrn((u_char *) error->text, (u_char *) "out of memory",
                    sizeof(error->text));
        return NULL;
    }

    p = ngx_sprintf(path, "%V/%V.json", dir, id);
    *p = '\0';

    fd = ngx_open_file(path, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;

        if (err == NGX_ENOENT) {
            error->text[0] = '\0';
            return NULL;
        }

        /* room for ")" and the terminating null */

        end = (u_char *) error->text + sizeof(error->text) - 2;

        p = ngx_snprintf((u_char *) error->text, end - (u_char *) error->text,
                         ngx_open_file_n " failed (%d: ", err);
        p = ngx_strerror(err, p, end - p);
        *p++ = ')';
        *p = '\0';

        return NULL;
    }

    record = json_loadfd(fd, 0, error);

    if (ngx_close_file(fd) == NGX_FILE_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, r->connection->log, ngx_errno,
                      ngx_close_file_n " \"%s\" failed", path);
    }

    if (record != NULL && !json_is_object(record)) {
        json_decref(record);
        ngx_cpystrn((u_char *) error->text, (u_char *) "not a JSON object",
                    sizeof(error->text));
        return NULL;
    }

    return record;
}


static json_t *
ngx_http_k8flex_analyses_entry(ngx_str_t *id, json_t *record)
{
    json_t  *alert;

    alert = json_object_get(record, "alert");

    return json_pack("{s:s%, s:O?, s:O?, s:O?, s:o?, s:O?, s:O?, s:O?}",
                     "id", id->data, id->len,
                     "received_at", json_object_get(record, "received_at"),
                     "source", json_object_get(record, "source"),
                     "alertname", json_object_get(alert, "alertname"),
                     "target", ngx_http_k8flex_analyses_target(alert),
                     "category", json_object_get(record, "category"),
                     "state", json_object_get(record, "state"),
                     "llm", json_object_get(record, "llm"));
}


/*
 * "namespace/pod", else "namespace/service", else the node (nodes have no
 * namespace), else the namespace alone; NULL when the alert names none.
 */

static json_t *
ngx_http_k8flex_analyses_target(json_t *alert)
{
    const char  *ns, *name;

    ns = json_string_value(json_object_get(alert, "namespace"));
    name = json_string_value(json_object_get(alert, "pod"));

    if (name == NULL) {
        name = json_string_value(json_object_get(alert, "service"));
    }

    if (name == NULL) {
        name = json_string_value(json_object_get(alert, "node"));

        if (name != NULL) {
            return json_string(name);
        }

        return ns ? json_string(ns) : NULL;
    }

    return ns ? json_sprintf("%s/%s", ns, name) : json_string(name);
}


/* the file as it is: the engine replaces it whole, so it is never half */

static ngx_int_t
ngx_http_k8flex_analyses_one(ngx_http_request_t *r, ngx_str_t *dir,
    ngx_str_t *id)
{
    u_char                    *p;
    ngx_fd_t                   fd;
    ngx_int_t                  rc;
    ngx_err_t                  err;
    ngx_str_t                  path;
    ngx_buf_t                 *b;
    ngx_chain_t                out;
    ngx_file_info_t            fi;
    ngx_pool_cleanup_t        *cln;
    ngx_pool_cleanup_file_t   *clnf;

    path.len = dir->len + id->len + sizeof("/.json") - 1;
    path.data = ngx_pnalloc(r->pool, path.len + 1);
    if (path.data == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(path.data, "%V/%V.json", dir, id);
    *p = '\0';

    cln = ngx_pool_cleanup_add(r->pool, sizeof(ngx_pool_cleanup_file_t));
    if (cln == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    fd = ngx_open_file(path.data, NGX_FILE_RDONLY, NGX_FILE_OPEN, 0);

    if (fd == NGX_INVALID_FILE) {
        err = ngx_errno;

        if (err != NGX_ENOENT) {
            return ngx_http_k8flex_analyses_unavailable(r, ngx_open_file_n,
                                                        path.data, err);
        }

        /* no such analysis, or no store at all */

        if (ngx_file_info(dir->data, &fi) == NGX_FILE_ERROR) {
            return ngx_http_k8flex_analyses_unavailable(r, ngx_file_info_n,
                                                        dir->data, ngx_errno);
        }

        return ngx_http_k8flex_analyses_queued(r, id);
    }

    cln->handler = ngx_pool_cleanup_file;
    clnf = cln->data;
    clnf->fd = fd;
    clnf->name = path.data;
    clnf->log = r->pool->log;

    if (ngx_fd_info(fd, &fi) == NGX_FILE_ERROR) {
        return ngx_http_k8flex_analyses_unavailable(r, ngx_fd_info_n,
                                                    path.data, ngx_errno);
    }

    if (!ngx_is_file(&fi)) {
        goto not_found;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = ngx_file_size(&fi);

    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    b->file = ngx_pcalloc(r->pool, sizeof(ngx_file_t));
    if (b->file == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b->file_pos = 0;
    b->file_last = ngx_file_size(&fi);

    b->in_file = b->file_last ? 1 : 0;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    b->file->fd = fd;
    b->file->name = path;
    b->file->log = r->connection->log;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);

not_found:

    return ngx_http_k8flex_reject(r, NGX_HTTP_NOT_FOUND, NULL,
                                  "no analysis \"%V\"", id);
}


/* the ids of the jobs in the spool's new/: none without a spool */

static ngx_int_t
ngx_http_k8flex_analyses_spooled(ngx_http_request_t *r, ngx_str_t *before,
    ngx_array_t *ids, ngx_uint_t *total)
{
    u_char                       *p;
    ngx_str_t                     dir;
    const char                   *op;
    ngx_http_k8flex_main_conf_t  *kmcf;

    *total = 0;

    if (ngx_array_init(ids, r->pool, 16, sizeof(ngx_str_t)) != NGX_OK) {
        return NGX_ERROR;
    }

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

    if (kmcf->spool == NULL) {
        return NGX_OK;
    }

    dir.len = kmcf->spool->name.len + sizeof("/new") - 1;
    dir.data = ngx_pnalloc(r->pool, dir.len + 1);
    if (dir.data == NULL) {
        return NGX_ERROR;
    }

    p = ngx_sprintf(dir.data, "%V/new", &kmcf->spool->name);
    *p = '\0';

    if (ngx_http_k8flex_analyses_names(r, &dir, before, ids, total, &op)
        != NGX_OK)
    {
        /* an unreadable spool shows as no queued analyses */

        if (op == NULL) {
            return NGX_ERROR;
        }

        ids->nelts = 0;
        *total = 0;
    }

    return NGX_OK;
}


/*
 * No record yet: the alert may still wait in the spool for a worker.
 * Its record is then made of the spool job, in state "queued".
 */

static ngx_int_t
ngx_http_k8flex_analyses_queued(ngx_http_request_t *r, ngx_str_t *id)
{
    json_t  *record;

    record = ngx_http_k8flex_json_pool(r->pool,
                                       ngx_http_k8flex_analyses_job(r, id));
    if (record == NULL) {
        return ngx_http_k8flex_reject(r, NGX_HTTP_NOT_FOUND, NULL,
                                      "no analysis \"%V\"", id);
    }

    return ngx_http_k8flex_send_json(r, NGX_HTTP_OK, record);
}


/* the "queued" record of a job in the spool's new/, or NULL */

static json_t *
ngx_http_k8flex_analyses_job(ngx_http_request_t *r, ngx_str_t *id)
{
    u_char                       *p;
    json_t                       *job, *record;
    ngx_str_t                     path;
    ngx_http_k8flex_main_conf_t  *kmcf;

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

    if (kmcf->spool == NULL) {
        return NULL;
    }

    path.len = kmcf->spool->name.len + id->len + sizeof("/new/.json") - 1;
    path.data = ngx_pnalloc(r->pool, path.len + 1);
    if (path.data == NULL) {
        return NULL;
    }

    p = ngx_sprintf(path.data, "%V/new/%V.json", &kmcf->spool->name, id);
    *p = '\0';

    job = json_load_file((char *) path.data, 0, NULL);
    if (job == NULL) {
        return NULL;
    }

    record = json_pack("{s:s%,s:s,s:O?,s:O?,s:O?,s:O?,s:O?,s:n,s:n,s:n}",
                       "id", id->data, id->len,
                       "state", "queued",
                       "received_at", json_object_get(job, "received_at"),
                       "source", json_object_get(job, "source"),
                       "adapter", json_object_get(job, "adapter"),
                       "location", json_object_get(job, "location"),
                       "alert", json_object_get(job, "alert"),
                       "category", "llm", "analysis");
    json_decref(job);

    return record;
}


/* the server's trouble, not the client's: 503, logged at error */

static ngx_int_t
ngx_http_k8flex_analyses_unavailable(ngx_http_request_t *r, const char *op,
    u_char *path, ngx_err_t err)
{
    u_char  *p;
    json_t  *body;
    u_char   msg[NGX_MAX_ERROR_STR];

    p = ngx_snprintf(msg, sizeof(msg) - 1,
                     "the store cannot be read: %s \"%s\" failed (%d: ",
                     op, path, err);
    p = ngx_strerror(err, p, msg + sizeof(msg) - 1 - p);
    *p++ = ')';

    ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                  "k8flex: request to \"%V\" answered 503: %*s",
                  &r->uri, p - msg, msg);

    body = ngx_http_k8flex_json_pool(r->pool,
               json_pack("{s:s, s:s%}", "status", "unavailable",
                         "error", msg, (size_t) (p - msg)));
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_send_json(r, NGX_HTTP_SERVICE_UNAVAILABLE, body);
}


/* a client's value in a message: printable ASCII only, and not too long */

static u_char *
ngx_http_k8flex_analyses_shown(ngx_pool_t *pool, u_char *data, size_t len)
{
    u_char  *p, *shown;
    size_t   i, n;

    n = ngx_min(len, NGX_HTTP_K8FLEX_SHOWN_MAX);

    shown = ngx_pnalloc(pool, n + sizeof("..."));
    if (shown == NULL) {
        return NULL;
    }

    for (i = 0; i < n; i++) {
        shown[i] = (data[i] >= 0x20 && data[i] < 0x7f) ? data[i] : '?';
    }

    p = shown + n;

    if (len > n) {
        p = ngx_cpymem(p, "...", 3);
    }

    *p = '\0';

    return shown;
}
