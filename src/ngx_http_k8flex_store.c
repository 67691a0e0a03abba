
/*
 * The store (placeholder until written: see the header).
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex_store.h"


ngx_int_t
ngx_http_k8flex_store_write(ngx_path_t *store, ngx_str_t *id, json_t *record,
    ngx_log_t *log)
{
    return NGX_ERROR;
}


ngx_uint_t
ngx_http_k8flex_store_valid_id(u_char *id, size_t len)
{
    return 0;
}
