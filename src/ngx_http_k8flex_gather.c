
/*
 * The evidence pack (SPEC §4.2): the Kubernetes reads an alert calls
 * for, all at once, then the reads that need an earlier answer (the
 * pod's containers, node and owners), then the text sections.
 *
 * For a crash-looping pod that is two rounds: the pod, its events and
 * the namespace's warnings; then the logs of each container, the
 * previous logs of those that restarted, the node, the ReplicaSet and
 * the Deployment (named after the ReplicaSet, so both go together) and
 * the HPAs.  A failed read becomes a line of the pack, never a failed
 * analysis.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_job.h"
#include "ngx_http_k8flex_util.h"
#include "k8f_redact.h"




/* which reads a category calls for, besides the pod and its events */
#define NGX_HTTP_K8FLEX_WANT_NODE      0x01
#define NGX_HTTP_K8FLEX_WANT_OWNERS    0x02
#define NGX_HTTP_K8FLEX_WANT_HPA       0x04
#define NGX_HTTP_K8FLEX_WANT_NETWORK   0x08
#define NGX_HTTP_K8FLEX_WANT_NODE_EV   0x10


typedef struct {
    const char                *category;
    ngx_uint_t                 want;
} ngx_http_k8flex_plan_t;


static ngx_http_k8flex_plan_t  ngx_http_k8flex_plans[] = {
    { "pod-crash",   NGX_HTTP_K8FLEX_WANT_NODE|NGX_HTTP_K8FLEX_WANT_OWNERS },
    { "pod-restart", NGX_HTTP_K8FLEX_WANT_NODE|NGX_HTTP_K8FLEX_WANT_OWNERS },
    { "memory",      NGX_HTTP_K8FLEX_WANT_NODE|NGX_HTTP_K8FLEX_WANT_OWNERS
                     |NGX_HTTP_K8FLEX_WANT_HPA },
    { "cpu",         NGX_HTTP_K8FLEX_WANT_NODE|NGX_HTTP_K8FLEX_WANT_OWNERS
                     |NGX_HTTP_K8FLEX_WANT_HPA },
    { "disk",        NGX_HTTP_K8FLEX_WANT_NODE },
    { "network",     NGX_HTTP_K8FLEX_WANT_NETWORK|NGX_HTTP_K8FLEX_WANT_NODE },
    { "service",     NGX_HTTP_K8FLEX_WANT_NETWORK|NGX_HTTP_K8FLEX_WANT_OWNERS },
    { "hpa",         NGX_HTTP_K8FLEX_WANT_OWNERS|NGX_HTTP_K8FLEX_WANT_HPA },
    { "node",        NGX_HTTP_K8FLEX_WANT_NODE|NGX_HTTP_K8FLEX_WANT_NODE_EV },
    { "deployment",  NGX_HTTP_K8FLEX_WANT_OWNERS|NGX_HTTP_K8FLEX_WANT_HPA },
    { NULL,          NGX_HTTP_K8FLEX_WANT_NODE|NGX_HTTP_K8FLEX_WANT_OWNERS }
};


/* bytes of the pack per section: the whole fits a 16k context */
static size_t  ngx_http_k8flex_budgets[NGX_HTTP_K8FLEX_SECTION_N] = {
    6144,   /* pod */
    6144,   /* log */
    8192,   /* previous log: a crash loop's last words */
    5120,   /* events */
    3072,   /* node */
    2048,   /* node events */
    2048,   /* replicaset */
    2560,   /* workload */
    2560,   /* hpa */
    3072,   /* service and endpoints */
    1024,   /* endpoints: only a failed read has a line of its own */
    2048,   /* endpointslices */
    2560,   /* network policies */
    3072    /* namespace warnings */
};


static ngx_http_k8flex_call_t *ngx_http_k8flex_gather_add(
    ngx_http_k8flex_job_t *job, ngx_uint_t kind, const char *fmt, ...);
static void ngx_http_k8flex_gather_done(ngx_http_k8flex_kube_call_t *kube);
static void ngx_http_k8flex_gather_answer(ngx_http_k8flex_call_t *call);
static void ngx_http_k8flex_gather_pod(ngx_http_k8flex_job_t *job,
    json_t *pod);
static void ngx_http_k8flex_gather_finish(ngx_http_k8flex_job_t *job);
static void ngx_http_k8flex_gather_section(ngx_http_k8flex_job_t *job,
    ngx_http_k8flex_call_t *call);
static const char *ngx_http_k8flex_gather_str(json_t *obj, const char *key);
static const char *ngx_http_k8flex_gather_path_name(
    ngx_http_k8flex_call_t *call, char *buf, size_t size);
static ngx_uint_t ngx_http_k8flex_gather_want(ngx_http_k8flex_job_t *job);


ngx_int_t
ngx_http_k8flex_gather_start(ngx_http_k8flex_job_t *job)
{
    ngx_uint_t   want;
    const char  *ns, *pod, *service, *node, *deployment;

    ns = ngx_http_k8flex_gather_str(job->alert, "namespace");
    pod = ngx_http_k8flex_gather_str(job->alert, "pod");
    service = ngx_http_k8flex_gather_str(job->alert, "service");
    node = ngx_http_k8flex_gather_str(job->alert, "node");
    deployment = ngx_http_k8flex_gather_str(
                     json_object_get(job->alert, "labels"), "deployment");

    want = ngx_http_k8flex_gather_want(job);

    /* the planning itself holds one count, so no answer ends it early */

    job->pending = 1;

    if (ns && pod) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_POD,
                                   "/api/v1/namespaces/%s/pods/%s", ns, pod);
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_EVENTS,
                                   "/api/v1/namespaces/%s/events"
                                   "?fieldSelector=involvedObject.name%%3D%s",
                                   ns, pod);

    } else if (ns && (service || deployment)) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_EVENTS,
                                   "/api/v1/namespaces/%s/events"
                                   "?fieldSelector=involvedObject.name%%3D%s",
                                   ns, service ? service : deployment);
    }

    if (ns && service) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_SERVICE,
                                   "/api/v1/namespaces/%s/services/%s",
                                   ns, service);
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_ENDPOINTS,
                                   "/api/v1/namespaces/%s/endpoints/%s",
                                   ns, service);

        if (want & NGX_HTTP_K8FLEX_WANT_NETWORK) {
            ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_SLICES,
                                       "/apis/discovery.k8s.io/v1/namespaces"
                                       "/%s/endpointslices?labelSelector="
                                       "kubernetes.io%%2Fservice-name%%3D%s",
                                       ns, service);
        }
    }

    if (ns && (want & NGX_HTTP_K8FLEX_WANT_NETWORK)) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_NETPOLS,
                                   "/apis/networking.k8s.io/v1/namespaces/%s"
                                   "/networkpolicies", ns);
    }

    if (ns && (want & NGX_HTTP_K8FLEX_WANT_HPA)) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_HPA,
                                   "/apis/autoscaling/v2/namespaces/%s"
                                   "/horizontalpodautoscalers", ns);
    }

    if (ns && deployment && pod == NULL) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_WORKLOAD,
                                   "/apis/apps/v1/namespaces/%s/deployments/%s",
                                   ns, deployment);
    }

    if (node) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_NODE,
                                   "/api/v1/nodes/%s", node);

        if (want & NGX_HTTP_K8FLEX_WANT_NODE_EV) {
            ngx_http_k8flex_gather_add(job,
                                   NGX_HTTP_K8FLEX_SECTION_NODE_EVENTS,
                                   "/api/v1/namespaces/default/events"
                                   "?fieldSelector=involvedObject.name%%3D%s",
                                   node);
        }
    }

    if (ns) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_WARNINGS,
                                   "/api/v1/namespaces/%s/events"
                                   "?fieldSelector=type%%3DWarning&limit=200",
                                   ns);
    }

    if (job->ncalls == 0) {
        k8f_buf_printf(&job->evidence,
                       "The alert names no Kubernetes object (no namespace, "
                       "pod, service or node): nothing was read from the "
                       "Kubernetes API.\n");
    }

    if (--job->pending == 0) {
        ngx_http_k8flex_gather_finish(job);
    }

    return NGX_OK;
}


void
ngx_http_k8flex_gather_cancel(ngx_http_k8flex_job_t *job)
{
    ngx_uint_t  i;

    for (i = 0; i < job->ncalls; i++) {
        ngx_http_k8flex_kube_cancel(&job->calls[i].kube);
    }

    job->pending = 0;
}


json_t *
ngx_http_k8flex_gather_find(ngx_http_k8flex_job_t *job, ngx_uint_t kind)
{
    ngx_uint_t  i;

    for (i = 0; i < job->ncalls; i++) {
        if (job->calls[i].kind == kind && job->calls[i].kube.status == 200) {
            return job->calls[i].json;
        }
    }

    return NULL;
}


static ngx_uint_t
ngx_http_k8flex_gather_want(ngx_http_k8flex_job_t *job)
{
    ngx_http_k8flex_plan_t  *plan;

    for (plan = ngx_http_k8flex_plans; plan->category; plan++) {
        if (ngx_strcmp(plan->category, job->category) == 0) {
            break;
        }
    }

    return plan->want;
}


/* a name that may go into an API path as it is (RFC 1123 and dots) */

static const char *
ngx_http_k8flex_gather_str(json_t *obj, const char *key)
{
    size_t       len;
    const char  *s, *p;

    s = json_string_value(json_object_get(obj, key));

    if (s == NULL) {
        return NULL;
    }

    len = ngx_strlen(s);

    if (len == 0 || len > 253) {
        return NULL;
    }

    for (p = s; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
              || *p == '-' || *p == '.'))
        {
            return NULL;
        }
    }

    return s;
}


/* "/api/v1/nodes/worker-2" -> "worker-2": the object a read asked for */

static const char *
ngx_http_k8flex_gather_path_name(ngx_http_k8flex_call_t *call, char *buf,
    size_t size)
{
    u_char  *p, *start, *end;

    end = call->kube.path.data + call->kube.path.len;

    for (p = call->kube.path.data; p < end; p++) {
        if (*p == '?') {
            end = p;
            break;
        }
    }

    start = end;

    while (start > call->kube.path.data && *(start - 1) != '/') {
        start--;
    }

    if (start == end) {
        return "?";
    }

    ngx_cpystrn((u_char *) buf, start, ngx_min((size_t) (end - start) + 1,
                                               size));

    return buf;
}


static ngx_http_k8flex_call_t *
ngx_http_k8flex_gather_add(ngx_http_k8flex_job_t *job, ngx_uint_t kind,
    const char *fmt, ...)
{
    u_char                  *p, buf[1024];
    va_list                  args;
    ngx_int_t                rc;
    ngx_http_k8flex_call_t  *call;

    if (job->ncalls == NGX_HTTP_K8FLEX_CALLS_MAX) {
        return NULL;
    }

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf) - 1, fmt, args);
    va_end(args);

    *p = '\0';

    call = &job->calls[job->ncalls++];
    ngx_memzero(call, sizeof(ngx_http_k8flex_call_t));

    call->job = job;
    call->kind = kind;

    call->kube.path.len = p - buf;
    call->kube.path.data = ngx_pnalloc(job->pool, p - buf + 1);
    if (call->kube.path.data == NULL) {
        job->ncalls--;
        return NULL;
    }

    ngx_memcpy(call->kube.path.data, buf, p - buf + 1);

    call->kube.done = ngx_http_k8flex_gather_done;
    call->kube.data = call;

    job->pending++;

    rc = ngx_http_k8flex_kube_get(job->kmcf, &call->kube, job->pool,
                                  job->log);

    if (rc == NGX_DONE) {
        ngx_http_k8flex_gather_done(&call->kube);
    }

    return call;
}


static void
ngx_http_k8flex_gather_done(ngx_http_k8flex_kube_call_t *kube)
{
    ngx_http_k8flex_call_t *call = kube->data;

    ngx_http_k8flex_job_t  *job;

    job = call->job;
    call->done = 1;

    if (kube->status == 0 && ngx_strcmp(kube->error,
                                        "the nginx worker is exiting") == 0)
    {
        /* the engine puts the job back in the spool */
        return;
    }

    ngx_http_k8flex_gather_answer(call);

    if (call->kind == NGX_HTTP_K8FLEX_SECTION_POD && call->json
        && kube->status == 200)
    {
        ngx_http_k8flex_gather_pod(job, call->json);
    }

    if (--job->pending == 0) {
        ngx_http_k8flex_gather_finish(job);
    }
}


static void
ngx_http_k8flex_gather_answer(ngx_http_k8flex_call_t *call)
{
    u_char                       *p, *last;
    ngx_http_k8flex_kube_call_t  *kube;

    kube = &call->kube;

    if (kube->status == 0 || kube->status >= 300) {
        call->failed = 1;
        call->job->failed_calls++;
    }

    if (kube->cached) {
        call->job->cached_calls++;
    }

    if (kube->body.len == 0) {
        return;
    }

    /* logs are text; everything else, Status bodies too, is JSON */

    p = kube->body.data;
    last = p + kube->body.len;

    while (p < last && (*p == ' ' || *p == '\n' || *p == '\r')) {
        p++;
    }

    if (p < last && *p == '{'
        && (kube->status != 200
            || (call->kind != NGX_HTTP_K8FLEX_SECTION_LOG
                && call->kind != NGX_HTTP_K8FLEX_SECTION_PREVIOUS)))
    {
        call->json = ngx_http_k8flex_json_pool(call->job->pool,
                         json_loadb((char *) kube->body.data, kube->body.len,
                                    0, NULL));
    }
}


static void
ngx_http_k8flex_gather_pod(ngx_http_k8flex_job_t *job, json_t *pod)
{
    size_t        i;
    json_t       *names, *restarted;
    ngx_uint_t    want, have_node;
    const char   *ns, *name, *node;
    k8f_owner_t   owner;

    ns = ngx_http_k8flex_gather_str(job->alert, "namespace");
    want = ngx_http_k8flex_gather_want(job);

    names = ngx_http_k8flex_json_pool(job->pool,
                                      k8f_evidence_containers(pod));
    restarted = ngx_http_k8flex_json_pool(job->pool,
                                          k8f_evidence_restarted(pod));

    name = json_string_value(json_object_get(
                                 json_object_get(pod, "metadata"), "name"));

    if (name == NULL || ns == NULL) {
        return;
    }

    for (i = 0; i < json_array_size(names); i++) {
        ngx_http_k8flex_call_t  *call;
        const char              *c;

        c = json_string_value(json_array_get(names, i));

        call = ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_LOG,
                                          "/api/v1/namespaces/%s/pods/%s/log"
                                          "?container=%s&tailLines=%ui",
                                          ns, name, c, job->tail_lines);
        if (call) {
            call->container = c;
        }
    }

    for (i = 0; i < json_array_size(restarted); i++) {
        ngx_http_k8flex_call_t  *call;
        const char              *c;

        c = json_string_value(json_array_get(restarted, i));

        call = ngx_http_k8flex_gather_add(job,
                                          NGX_HTTP_K8FLEX_SECTION_PREVIOUS,
                                          "/api/v1/namespaces/%s/pods/%s/log"
                                          "?container=%s&tailLines=%ui"
                                          "&previous=true",
                                          ns, name, c, job->tail_lines);
        if (call) {
            call->container = c;
        }
    }

    have_node = 0;

    for (i = 0; i < job->ncalls; i++) {
        if (job->calls[i].kind == NGX_HTTP_K8FLEX_SECTION_NODE) {
            have_node = 1;
        }
    }

    node = ngx_http_k8flex_gather_str(json_object_get(pod, "spec"),
                                      "nodeName");

    if (node && !have_node && (want & NGX_HTTP_K8FLEX_WANT_NODE)) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_NODE,
                                   "/api/v1/nodes/%s", node);
    }

    if (!(want & NGX_HTTP_K8FLEX_WANT_OWNERS)
        || k8f_evidence_owner(pod, &owner) != K8F_OK)
    {
        return;
    }

    if (ngx_strcmp(owner.kind, "ReplicaSet") == 0) {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_REPLICASET,
                                   "/apis/apps/v1/namespaces/%s"
                                   "/replicasets/%s", ns, owner.name);

        if (owner.deployment[0]) {
            ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_WORKLOAD,
                                       "/apis/apps/v1/namespaces/%s"
                                       "/deployments/%s",
                                       ns, owner.deployment);
        }

    } else if (ngx_strcmp(owner.kind, "StatefulSet") == 0
               || ngx_strcmp(owner.kind, "DaemonSet") == 0)
    {
        ngx_http_k8flex_gather_add(job, NGX_HTTP_K8FLEX_SECTION_WORKLOAD,
                                   "/apis/apps/v1/namespaces/%s/%s/%s", ns,
                                   owner.kind[0] == 'S' ? "statefulsets"
                                                        : "daemonsets",
                                   owner.name);
    }
}


/* all answers are in: the sections, redacted, in the pack's order */

static void
ngx_http_k8flex_gather_finish(ngx_http_k8flex_job_t *job)
{
    ngx_uint_t               i, kind;
    ngx_http_k8flex_call_t  *call;

    for (kind = 0; kind < NGX_HTTP_K8FLEX_SECTION_N; kind++) {

        for (i = 0; i < job->ncalls; i++) {
            call = &job->calls[i];

            if (call->kind != kind) {
                continue;
            }

            ngx_http_k8flex_gather_section(job, call);

            if (call->text.len == 0) {
                continue;
            }

            k8f_buf_printf(&job->evidence, "### %s\n", call->name);
            k8f_buf_add(&job->evidence, call->text.data, call->text.len);

            if (call->text.data[call->text.len - 1] != '\n') {
                k8f_buf_add(&job->evidence, "\n", 1);
            }

            k8f_buf_add(&job->evidence, "\n", 1);
        }
    }

    ngx_http_k8flex_engine_gathered(job);
}


static void
ngx_http_k8flex_gather_section(ngx_http_k8flex_job_t *job,
    ngx_http_k8flex_call_t *call)
{
    char                         *text, last[K8F_NAME_LEN];
    size_t                        budget, len, count;
    json_t                       *json, *endpoints, *hpa;
    ngx_uint_t                    i;
    k8f_buf_t                     raw;
    const char                   *ns, *name;
    k8f_owner_t                   owner;
    ngx_http_k8flex_kube_call_t  *kube;

    kube = &call->kube;
    budget = ngx_http_k8flex_budgets[call->kind];
    json = call->json;

    ns = json_string_value(json_object_get(job->alert, "namespace"));
    name = json_string_value(json_object_get(
                                 json_object_get(json, "metadata"), "name"));

    if (kube->status != 200 || name == NULL) {
        /* not read: the name asked for, the path's last segment */
        name = ngx_http_k8flex_gather_path_name(call, last,
                                                sizeof(last));
    }

    switch (call->kind) {

    case NGX_HTTP_K8FLEX_SECTION_POD:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "pod %s/%s%Z", ns, name);
        break;

    case NGX_HTTP_K8FLEX_SECTION_LOG:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "log of container %s (last %ui lines)%Z",
                     call->container, job->tail_lines);
        break;

    case NGX_HTTP_K8FLEX_SECTION_PREVIOUS:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "previous log of container %s (before its last "
                     "restart)%Z", call->container);
        break;

    case NGX_HTTP_K8FLEX_SECTION_EVENTS:
        ngx_cpystrn((u_char *) call->name, (u_char *) "events, newest first",
                    sizeof(call->name));
        break;

    case NGX_HTTP_K8FLEX_SECTION_NODE:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "node %s%Z", name);
        break;

    case NGX_HTTP_K8FLEX_SECTION_NODE_EVENTS:
        ngx_cpystrn((u_char *) call->name, (u_char *) "node events",
                    sizeof(call->name));
        break;

    case NGX_HTTP_K8FLEX_SECTION_REPLICASET:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "ReplicaSet %s%Z", name);
        break;

    case NGX_HTTP_K8FLEX_SECTION_WORKLOAD:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "%s %s%Z",
                     ngx_strstr(kube->path.data, "/statefulsets/")
                     ? "StatefulSet"
                     : ngx_strstr(kube->path.data, "/daemonsets/")
                       ? "DaemonSet" : "Deployment",
                     name);
        break;

    case NGX_HTTP_K8FLEX_SECTION_HPA:
        ngx_cpystrn((u_char *) call->name,
                    (u_char *) "horizontal pod autoscalers",
                    sizeof(call->name));
        break;

    case NGX_HTTP_K8FLEX_SECTION_SERVICE:
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "service %s and its endpoints%Z", name);
        break;

    case NGX_HTTP_K8FLEX_SECTION_ENDPOINTS:
        ngx_cpystrn((u_char *) call->name, (u_char *) "endpoints",
                    sizeof(call->name));
        break;

    case NGX_HTTP_K8FLEX_SECTION_SLICES:
        ngx_cpystrn((u_char *) call->name, (u_char *) "endpoint slices",
                    sizeof(call->name));
        break;

    case NGX_HTTP_K8FLEX_SECTION_NETPOLS:
        ngx_cpystrn((u_char *) call->name, (u_char *) "network policies",
                    sizeof(call->name));
        break;

    default: /* NGX_HTTP_K8FLEX_SECTION_WARNINGS */
        ngx_snprintf((u_char *) call->name, sizeof(call->name) - 1,
                     "recent warnings in namespace %s%Z", ns ? ns : "?");
        break;
    }

    call->name[sizeof(call->name) - 1] = '\0';

    k8f_buf_init(&raw);

    if (kube->status == 0) {
        k8f_buf_printf(&raw, "GET %s failed: %s\n", kube->path.data,
                       kube->error);

    } else if (kube->status != 200) {
        k8f_buf_printf(&raw, "GET %s: ", kube->path.data);
        k8f_evidence_status(json, (int) kube->status, &raw, budget);

    } else {

        switch (call->kind) {

        case NGX_HTTP_K8FLEX_SECTION_POD:
            k8f_evidence_pod(json, &raw, budget);
            break;

        case NGX_HTTP_K8FLEX_SECTION_LOG:
        case NGX_HTTP_K8FLEX_SECTION_PREVIOUS:
            if (kube->body.len == 0) {
                k8f_buf_printf(&raw, "(empty: the container wrote nothing)\n");

            } else {
                k8f_evidence_log((char *) kube->body.data, kube->body.len,
                                 &raw, budget);
            }
            break;

        case NGX_HTTP_K8FLEX_SECTION_EVENTS:
        case NGX_HTTP_K8FLEX_SECTION_NODE_EVENTS:
        case NGX_HTTP_K8FLEX_SECTION_WARNINGS:
            if (json_array_size(json_object_get(json, "items")) == 0) {
                k8f_buf_printf(&raw, "none\n");

            } else {
                k8f_evidence_events(json, &raw, budget);
            }
            break;

        case NGX_HTTP_K8FLEX_SECTION_NODE:
            k8f_evidence_node(json, &raw, budget);
            break;

        case NGX_HTTP_K8FLEX_SECTION_REPLICASET:
        case NGX_HTTP_K8FLEX_SECTION_WORKLOAD:
            k8f_evidence_workload(json, &raw, budget);
            break;

        case NGX_HTTP_K8FLEX_SECTION_HPA:
            hpa = NULL;

            if (k8f_evidence_owner(ngx_http_k8flex_gather_find(job,
                                       NGX_HTTP_K8FLEX_SECTION_REPLICASET),
                                   &owner)
                == K8F_OK)
            {
                hpa = k8f_evidence_hpa_for(json, owner.kind, owner.name);
            }

            if (hpa) {
                k8f_evidence_hpa(hpa, &raw, budget);

            } else {
                /* another workload's autoscaler would only mislead */
                k8f_buf_printf(&raw, "none scales this workload (%d in the "
                               "namespace)\n",
                               (int) json_array_size(json_object_get(json,
                                                                "items")));
            }
            break;

        case NGX_HTTP_K8FLEX_SECTION_SERVICE:
            endpoints = NULL;

            for (i = 0; i < job->ncalls; i++) {
                if (job->calls[i].kind == NGX_HTTP_K8FLEX_SECTION_ENDPOINTS) {
                    endpoints = job->calls[i].json;
                }
            }

            k8f_evidence_service(json, endpoints, &raw, budget);
            break;

        case NGX_HTTP_K8FLEX_SECTION_ENDPOINTS:
            /* shown with the service */
            break;

        case NGX_HTTP_K8FLEX_SECTION_SLICES:
            k8f_evidence_endpointslices(json, &raw, budget);
            break;

        default: /* NGX_HTTP_K8FLEX_SECTION_NETPOLS */
            k8f_evidence_netpols(json, &raw, budget);
            break;
        }
    }

    if (raw.failed) {
        k8f_buf_free(&raw);
        k8f_buf_printf(&call->text, "(out of memory)\n");
        return;
    }

    if (raw.len == 0) {
        return;
    }

    /* nothing unredacted goes into the prompt, a record or a log */

    text = k8f_redact(raw.data, raw.len, &len, &count);
    k8f_buf_free(&raw);

    if (text == NULL) {
        k8f_buf_printf(&call->text, "(dropped: redaction failed)\n");
        return;
    }

    k8f_buf_add(&call->text, text, len);
    free(text);

    call->redactions = count;
    job->redactions += count;
}
