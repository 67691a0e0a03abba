
/*
 * k8flex_health: JSON health for probes and people.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_util.h"
#include "ngx_http_k8flex_zone.h"


ngx_int_t
ngx_http_k8flex_health_handler(ngx_http_request_t *r)
{
    json_t                       *body;
    ngx_int_t                     rc;
    ngx_http_k8flex_main_conf_t  *kmcf;

    rc = ngx_http_k8flex_read_only(r);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    body = ngx_http_k8flex_json_pool(r->pool,
               json_pack("{ssss}", "status", "healthy",
                         "version", NGX_HTTP_K8FLEX_VERSION));
    if (body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /*
     * The queue and the peers are there to be read, never a reason for
     * another answer than 200 "healthy": a liveness probe failing on an
     * unreachable LLM or API server would restart a pod that still
     * accepts and spools alerts, and cannot bring the peer back.
     */

    kmcf = ngx_http_get_module_main_conf(r, ngx_http_k8flex_module);

    if (ngx_http_k8flex_zone_health(kmcf->zone, kmcf->llm_concurrency, body)
        != NGX_OK)
    {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_k8flex_send_json(r, NGX_HTTP_OK, body);
}
