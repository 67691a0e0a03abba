
/*
 * k8flex_analyses: the read API of the store (placeholder until written).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"


ngx_int_t
ngx_http_k8flex_analyses_handler(ngx_http_request_t *r)
{
    return NGX_HTTP_NOT_IMPLEMENTED;
}
