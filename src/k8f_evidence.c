
/*
 * The evidence pack: Kubernetes API objects as short text sections.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "k8f_evidence.h"
#include "k8f_kobj.h"
#include "k8f_text.h"


/* a string literal */
#define k8f_ev_add(b, s)        k8f_buf_add(b, s, sizeof(s) - 1)

/* room for the line that says how many events were left out */
#define K8F_EV_DROPPED          40

/* how many addresses of one kind an Endpoints line lists */
#define K8F_EV_ADDRESSES        16


/* an event's line in the text of the section */

typedef struct {
    size_t                 off;
    size_t                 len;
    unsigned               dropped:1;
} k8f_ev_line_t;


typedef struct {
    const char            *path;
    const char            *label;
    unsigned               always:1;       /* shown when 0 */
} k8f_ev_field_t;


typedef struct {
    const char            *kind;
    const char            *title;
    k8f_ev_field_t         fields[8];
} k8f_ev_workload_t;


static int k8f_ev_expect(json_t *obj, const char *kind, k8f_buf_t *b);
static int k8f_ev_done(k8f_buf_t *b, k8f_buf_t *out, size_t budget,
    int rc);
static void k8f_ev_put(k8f_buf_t *out, k8f_buf_t *b, size_t budget);
static void k8f_ev_value(k8f_buf_t *b, const char *s);
static void k8f_ev_valuen(k8f_buf_t *b, const char *s, size_t len);
static void k8f_ev_scalar(k8f_buf_t *b, json_t *v);
static void k8f_ev_conditions(k8f_buf_t *b, json_t *conditions);
static void k8f_ev_meta(k8f_buf_t *b, const char *title, json_t *obj);
static void k8f_ev_resources(k8f_buf_t *b, json_t *list);
static void k8f_ev_selector(k8f_buf_t *b, json_t *selector);
static int k8f_ev_object(json_t *obj, const char *kind,
    void (*fn)(k8f_buf_t *b, json_t *obj), k8f_buf_t *out, size_t budget);
static int k8f_ev_list(json_t *list, const char *kind, const char *none,
    void (*fn)(k8f_buf_t *b, json_t *item), k8f_buf_t *out, size_t budget);
static void k8f_ev_pod(k8f_buf_t *b, json_t *pod);
static void k8f_ev_container(k8f_buf_t *b, json_t *c, json_t *statuses,
    const char *what);
static void k8f_ev_state(k8f_buf_t *b, json_t *state, const char *prefix);
static void k8f_ev_exit(k8f_buf_t *b, json_t *terminated);
static void k8f_ev_probe(k8f_buf_t *b, json_t *c, const char *key,
    const char *what);
static void k8f_ev_env(k8f_buf_t *b, json_t *c);
static void k8f_ev_event_line(k8f_buf_t *b, k8f_kobj_event_t *e,
    int objects);
static void k8f_ev_events(k8f_buf_t *b, json_t *list, size_t budget);
static void k8f_ev_endpoints(k8f_buf_t *b, json_t *ep);
static void k8f_ev_addresses(k8f_buf_t *b, json_t *list, const char *what,
    const char *sep);
static void k8f_ev_ports(k8f_buf_t *b, json_t *ports);
static void k8f_ev_service(k8f_buf_t *b, json_t *svc);
static void k8f_ev_slice(k8f_buf_t *b, json_t *slice);
static void k8f_ev_netpol(k8f_buf_t *b, json_t *np);
static void k8f_ev_rules(k8f_buf_t *b, json_t *rules, const char *dir,
    const char *peers_key, const char *peer_word);
static void k8f_ev_peer(k8f_buf_t *b, json_t *peer);
static void k8f_ev_node(k8f_buf_t *b, json_t *node);
static void k8f_ev_quantities(k8f_buf_t *b, const char *title,
    json_t *list);
static const k8f_ev_workload_t *k8f_ev_workload_find(json_t *obj);
static void k8f_ev_workload(k8f_buf_t *b, json_t *obj,
    const k8f_ev_workload_t *w);
static void k8f_ev_images(k8f_buf_t *b, json_t *containers);
static void k8f_ev_hpa(k8f_buf_t *b, json_t *hpa);
static const char *k8f_ev_metric_name(json_t *m);
static void k8f_ev_metric(k8f_buf_t *b, json_t *spec, json_t *current);
static void k8f_ev_target(k8f_buf_t *b, json_t *v);
static void k8f_ev_status(k8f_buf_t *b, json_t *status, int http_status);
static void k8f_ev_reason(k8f_buf_t *b, const char *reason, int code);
static void k8f_ev_rbac(k8f_buf_t *b, const char *msg);
static const char *k8f_ev_quoted(const char *p, const char *after,
    size_t *len);


static const char  *k8f_ev_signals[] = {
    NULL, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT",
    "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2",
    "SIGPIPE", "SIGALRM", "SIGTERM"
};


static const k8f_ev_workload_t  k8f_ev_workloads[] = {

    { "Deployment", "deployment",
      { { "spec.replicas", "desired", 1 },
        { "status.updatedReplicas", "updated", 1 },
        { "status.readyReplicas", "ready", 1 },
        { "status.availableReplicas", "available", 1 },
        { "status.unavailableReplicas", "unavailable", 0 },
        { NULL, NULL, 0 } } },

    { "ReplicaSet", "replicaset",
      { { "spec.replicas", "desired", 1 },
        { "status.replicas", "current", 1 },
        { "status.readyReplicas", "ready", 1 },
        { "status.availableReplicas", "available", 1 },
        { NULL, NULL, 0 } } },

    { "StatefulSet", "statefulset",
      { { "spec.replicas", "desired", 1 },
        { "status.currentReplicas", "current", 1 },
        { "status.updatedReplicas", "updated", 1 },
        { "status.readyReplicas", "ready", 1 },
        { "status.availableReplicas", "available", 1 },
        { NULL, NULL, 0 } } },

    { "DaemonSet", "daemonset",
      { { "status.desiredNumberScheduled", "desired", 1 },
        { "status.currentNumberScheduled", "scheduled", 1 },
        { "status.updatedNumberScheduled", "updated", 1 },
        { "status.numberReady", "ready", 1 },
        { "status.numberAvailable", "available", 1 },
        { "status.numberUnavailable", "unavailable", 0 },
        { "status.numberMisscheduled", "misscheduled", 0 },
        { NULL, NULL, 0 } } }
};


void
k8f_buf_init(k8f_buf_t *b)
{
    memset(b, 0, sizeof(k8f_buf_t));
}


void
k8f_buf_free(k8f_buf_t *b)
{
    free(b->data);
    k8f_buf_init(b);
}


int
k8f_buf_add(k8f_buf_t *b, const char *p, size_t n)
{
    char    *data;
    size_t   size;

    if (b->failed) {
        return K8F_ERROR;
    }

    if (b->len + n + 1 > b->size) {
        size = b->size ? b->size : 256;

        while (size < b->len + n + 1) {
            size *= 2;
        }

        data = realloc(b->data, size);
        if (data == NULL) {
            b->failed = 1;
            return K8F_ERROR;
        }

        b->data = data;
        b->size = size;
    }

    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';

    return K8F_OK;
}


int
k8f_buf_printf(k8f_buf_t *b, const char *fmt, ...)
{
    int       n;
    char      small[256], *big;
    va_list   args;

    va_start(args, fmt);
    n = vsnprintf(small, sizeof(small), fmt, args);
    va_end(args);

    if (n < 0) {
        return K8F_ERROR;
    }

    if ((size_t) n < sizeof(small)) {
        return k8f_buf_add(b, small, n);
    }

    big = malloc(n + 1);
    if (big == NULL) {
        b->failed = 1;
        return K8F_ERROR;
    }

    va_start(args, fmt);
    vsnprintf(big, n + 1, fmt, args);
    va_end(args);

    n = k8f_buf_add(b, big, n);

    free(big);

    return n;
}


int
k8f_buf_text(k8f_buf_t *b, const char *p, size_t n)
{
    size_t                k, run;
    const unsigned char  *s, *end;

    s = (const unsigned char *) p;
    end = s + n;

    while (s < end) {

        /* the longest run that needs no change goes in one copy */

        run = 0;

        while (s + run < end && s[run] >= 0x20 && s[run] < 0x7f) {
            run++;
        }

        if (run) {
            k8f_buf_add(b, (const char *) s, run);
            s += run;
            continue;
        }

        if (*s == '\n' || *s == '\t') {
            k8f_buf_add(b, (const char *) s++, 1);
            continue;
        }

        if (*s == '\r' && s + 1 < end && s[1] == '\n') {
            s++;
            continue;
        }

        if (*s == 0x1b) {
            s++;

            if (s < end && *s == '[') {
                s++;

                while (s < end && *s >= 0x20 && *s <= 0x3f) {
                    s++;
                }
            }

            if (s < end) {
                s++;
            }

            continue;
        }

        if (*s < 0x80) {
            k8f_ev_add(b, " ");
            s++;
            continue;
        }

        k = k8f_text_utf8(s, end - s);

        if (k == 0) {
            k8f_ev_add(b, "\xef\xbf\xbd");
            s++;
            continue;
        }

        k8f_buf_add(b, (const char *) s, k);
        s += k;
    }

    return b->failed ? K8F_ERROR : K8F_OK;
}


const char *
k8f_buf_str(k8f_buf_t *b)
{
    return b->data ? b->data : "";
}


void
k8f_buf_time(k8f_buf_t *b, const char *t)
{
    const char  *dot;

    dot = strchr(t, '.');

    if (dot == NULL) {
        k8f_ev_value(b, t);
        return;
    }

    k8f_ev_valuen(b, t, dot - t);

    for (dot++; *dot >= '0' && *dot <= '9'; dot++) {
        /* void */
    }

    k8f_ev_value(b, dot);
}


int
k8f_evidence_pod(json_t *pod, k8f_buf_t *out, size_t budget)
{
    return k8f_ev_object(pod, "Pod", k8f_ev_pod, out, budget);
}


int
k8f_evidence_events(json_t *list, k8f_buf_t *out, size_t budget)
{
    int        rc;
    k8f_buf_t  b;

    k8f_buf_init(&b);

    rc = k8f_ev_expect(list, "EventList", &b);

    if (rc == K8F_OK) {
        k8f_ev_events(&b, list, budget);
    }

    return k8f_ev_done(&b, out, budget, rc);
}


int
k8f_evidence_log(const char *log, size_t len, k8f_buf_t *out,
    size_t budget)
{
    char         marker[64];
    size_t       m, start;
    k8f_buf_t    b;
    const char  *nl;

    k8f_buf_init(&b);

    k8f_buf_text(&b, log, len);

    if (b.len == 0) {
        k8f_ev_add(&b, "(empty log)\n");

    } else if (b.data[b.len - 1] != '\n') {
        k8f_ev_add(&b, "\n");
    }

    if (b.failed || budget == 0 || b.len <= budget) {
        return k8f_ev_done(&b, out, 0, K8F_OK);
    }

    /* the newest lines matter: drop from the start, on a line boundary */

    m = snprintf(marker, sizeof(marker), "[... %zu earlier bytes cut]\n",
                 b.len);

    if (budget > m) {
        start = b.len - (budget - m);

        if (b.data[start - 1] != '\n') {
            nl = memchr(b.data + start, '\n', b.len - start);

            if (nl != NULL && (size_t) (nl - b.data) + 1 < b.len) {
                start = nl - b.data + 1;

            } else {
                while (((unsigned char) b.data[start] & 0xc0) == 0x80) {
                    start++;
                }
            }
        }

        m = snprintf(marker, sizeof(marker), "[... %zu earlier bytes cut]\n",
                     start);

        k8f_buf_add(out, marker, m);
        k8f_buf_add(out, b.data + start, b.len - start);
    }

    k8f_buf_free(&b);

    return out->failed ? K8F_ERROR : K8F_OK;
}


int
k8f_evidence_service(json_t *service, json_t *endpoints, k8f_buf_t *out,
    size_t budget)
{
    int        rc, r;
    k8f_buf_t  b;

    k8f_buf_init(&b);

    rc = K8F_OK;

    if (service != NULL) {
        r = k8f_ev_expect(service, "Service", &b);

        if (r == K8F_OK) {
            k8f_ev_service(&b, service);

        } else {
            rc = r;
        }
    }

    if (endpoints != NULL) {
        r = k8f_ev_expect(endpoints, "Endpoints", &b);

        if (r == K8F_OK) {
            k8f_ev_endpoints(&b, endpoints);

        } else {
            rc = r;
        }
    }

    return k8f_ev_done(&b, out, budget, rc);
}


int
k8f_evidence_endpointslices(json_t *list, k8f_buf_t *out, size_t budget)
{
    return k8f_ev_list(list, "EndpointSliceList", "no endpointslices\n",
                       k8f_ev_slice, out, budget);
}


int
k8f_evidence_netpols(json_t *list, k8f_buf_t *out, size_t budget)
{
    return k8f_ev_list(list, "NetworkPolicyList",
                       "no network policies in the namespace: "
                       "NetworkPolicy restricts no traffic here\n",
                       k8f_ev_netpol, out, budget);
}


int
k8f_evidence_node(json_t *node, k8f_buf_t *out, size_t budget)
{
    return k8f_ev_object(node, "Node", k8f_ev_node, out, budget);
}


int
k8f_evidence_workload(json_t *obj, k8f_buf_t *out, size_t budget)
{
    int                        rc;
    k8f_buf_t                  b;
    const k8f_ev_workload_t   *w;

    k8f_buf_init(&b);

    w = k8f_ev_workload_find(obj);
    rc = K8F_OK;

    if (w == NULL) {
        /* an object without a kind, a list item, is read as a Deployment */
        w = &k8f_ev_workloads[0];
        rc = k8f_ev_expect(obj, "Deployment", &b);
    }

    if (rc == K8F_OK) {
        k8f_ev_workload(&b, obj, w);
    }

    return k8f_ev_done(&b, out, budget, rc);
}


int
k8f_evidence_hpa(json_t *hpa, k8f_buf_t *out, size_t budget)
{
    return k8f_ev_object(hpa, "HorizontalPodAutoscaler", k8f_ev_hpa, out,
                         budget);
}


json_t *
k8f_evidence_hpa_for(json_t *list, const char *kind, const char *name)
{
    size_t       i;
    json_t      *item;
    const char  *k, *n;

    for (i = 0; i < json_array_size(k8f_get(list, "items")); i++) {
        item = json_array_get(k8f_get(list, "items"), i);

        k = k8f_kobj_str(item, "spec.scaleTargetRef.kind");
        n = k8f_kobj_str(item, "spec.scaleTargetRef.name");

        if (n != NULL && name != NULL && strcmp(n, name) == 0
            && (kind == NULL || (k != NULL && strcmp(k, kind) == 0)))
        {
            return item;
        }
    }

    return NULL;
}


int
k8f_evidence_status(json_t *status, int http_status, k8f_buf_t *out,
    size_t budget)
{
    k8f_buf_t  b;

    k8f_buf_init(&b);

    k8f_ev_status(&b, status, http_status);

    return k8f_ev_done(&b, out, budget, K8F_OK);
}


json_t *
k8f_evidence_containers(json_t *pod)
{
    size_t       i, k;
    json_t      *names, *list;
    const char  *name;

    static const char  *keys[] = { "spec.initContainers", "spec.containers" };

    if (!json_is_object(pod)) {
        return NULL;
    }

    names = json_array();

    for (k = 0; names != NULL && k < 2; k++) {
        list = k8f_get(pod, keys[k]);

        for (i = 0; i < json_array_size(list); i++) {
            name = k8f_kobj_str(json_array_get(list, i), "name");

            if (name != NULL
                && json_array_append_new(names, json_string(name)) != 0)
            {
                json_decref(names);
                return NULL;
            }
        }
    }

    return names;
}


json_t *
k8f_evidence_restarted(json_t *pod)
{
    size_t       i, k;
    json_t      *names, *list, *cs;
    const char  *name;

    static const char  *keys[] = { "status.initContainerStatuses",
                                   "status.containerStatuses" };

    if (!json_is_object(pod)) {
        return NULL;
    }

    names = json_array();

    for (k = 0; names != NULL && k < 2; k++) {
        list = k8f_get(pod, keys[k]);

        for (i = 0; i < json_array_size(list); i++) {
            cs = json_array_get(list, i);
            name = k8f_kobj_str(cs, "name");

            if (name != NULL && k8f_kobj_int(cs, "restartCount", 0) > 0
                && json_array_append_new(names, json_string(name)) != 0)
            {
                json_decref(names);
                return NULL;
            }
        }
    }

    return names;
}


int
k8f_evidence_owner(json_t *obj, k8f_owner_t *owner)
{
    size_t       i, len, hlen;
    json_t      *refs, *ref, *chosen;
    const char  *hash, *kind;

    memset(owner, 0, sizeof(k8f_owner_t));

    refs = k8f_get(obj, "metadata.ownerReferences");
    chosen = NULL;

    for (i = 0; i < json_array_size(refs); i++) {
        ref = json_array_get(refs, i);

        if (k8f_kobj_str(ref, "kind") == NULL
            || k8f_kobj_str(ref, "name") == NULL)
        {
            continue;
        }

        if (chosen == NULL || json_is_true(json_object_get(ref, "controller")))
        {
            chosen = ref;
        }
    }

    if (chosen == NULL) {
        return K8F_DECLINED;
    }

    owner->kind = k8f_kobj_str(chosen, "kind");
    owner->name = k8f_kobj_str(chosen, "name");

    kind = k8f_kobj_str(obj, "kind");
    len = strlen(owner->name);

    if (strcmp(owner->kind, "Deployment") == 0) {
        if (len < sizeof(owner->deployment)) {
            memcpy(owner->deployment, owner->name, len + 1);
        }

        return K8F_OK;
    }

    if (strcmp(owner->kind, "ReplicaSet") != 0
        || (kind != NULL && strcmp(kind, "Pod") != 0))
    {
        return K8F_OK;
    }

    hash = k8f_kobj_str(obj, "metadata.labels.pod-template-hash");

    if (hash == NULL) {
        return K8F_OK;
    }

    hlen = strlen(hash);

    if (hlen > 0 && len > hlen + 1 && len - hlen - 1 < K8F_NAME_LEN
        && owner->name[len - hlen - 1] == '-'
        && strcmp(owner->name + len - hlen, hash) == 0)
    {
        memcpy(owner->deployment, owner->name, len - hlen - 1);
        owner->deployment[len - hlen - 1] = '\0';
    }

    return K8F_OK;
}


/*
 * K8F_OK when obj is an object of that kind (or of no kind, as list
 * items are); otherwise a line saying what came instead.
 */

/* one object of a kind, formatted by fn */

static int
k8f_ev_object(json_t *obj, const char *kind,
    void (*fn)(k8f_buf_t *b, json_t *obj), k8f_buf_t *out, size_t budget)
{
    int        rc;
    k8f_buf_t  b;

    k8f_buf_init(&b);

    rc = k8f_ev_expect(obj, kind, &b);

    if (rc == K8F_OK) {
        fn(&b, obj);
    }

    return k8f_ev_done(&b, out, budget, rc);
}


/* a list of a kind, each item formatted by fn; none says it is empty */

static int
k8f_ev_list(json_t *list, const char *kind, const char *none,
    void (*fn)(k8f_buf_t *b, json_t *item), k8f_buf_t *out, size_t budget)
{
    int        rc;
    size_t     i;
    json_t    *items;
    k8f_buf_t  b;

    k8f_buf_init(&b);

    rc = k8f_ev_expect(list, kind, &b);

    if (rc == K8F_OK) {
        items = k8f_get(list, "items");

        if (json_array_size(items) == 0) {
            k8f_buf_printf(&b, "%s", none);
        }

        for (i = 0; i < json_array_size(items); i++) {
            fn(&b, json_array_get(items, i));
        }
    }

    return k8f_ev_done(&b, out, budget, rc);
}


static int
k8f_ev_expect(json_t *obj, const char *kind, k8f_buf_t *b)
{
    const char  *k;

    static const char  *types[] = {
        "an object", "an array", "a string", "an integer", "a number",
        "true", "false", "null"
    };

    if (!json_is_object(obj)) {
        k8f_buf_printf(b, "expected kind %s, got %s\n", kind,
                       obj ? types[json_typeof(obj)] : "nothing");
        return K8F_DECLINED;
    }

    k = k8f_kobj_text(obj, "kind");

    if (k == NULL || strcmp(k, kind) == 0) {
        return K8F_OK;
    }

    if (strcmp(k, "Status") == 0) {
        k8f_ev_status(b, obj, 0);
        return K8F_DECLINED;
    }

    k8f_buf_printf(b, "expected kind %s, got kind ", kind);
    k8f_ev_value(b, k);
    k8f_ev_add(b, "\n");

    return K8F_DECLINED;
}


static int
k8f_ev_done(k8f_buf_t *b, k8f_buf_t *out, size_t budget, int rc)
{
    if (b->failed) {
        out->failed = 1;
    }

    if (!out->failed) {
        k8f_ev_put(out, b, budget);
    }

    k8f_buf_free(b);

    return out->failed ? K8F_ERROR : rc;
}


/* the first lines that fit, and how much did not */

static void
k8f_ev_put(k8f_buf_t *out, k8f_buf_t *b, size_t budget)
{
    char    trailer[64];
    size_t  keep, m;

    if (b->len == 0) {
        return;
    }

    if (budget == 0 || b->len <= budget) {
        k8f_buf_add(out, b->data, b->len);
        return;
    }

    m = snprintf(trailer, sizeof(trailer), "[... %zu more bytes cut]\n",
                 b->len);

    if (budget <= m + 1) {
        return;
    }

    keep = budget - m;

    while (keep > 0 && b->data[keep - 1] != '\n') {
        keep--;
    }

    if (keep > 0) {
        k8f_buf_add(out, b->data, keep);

    } else {
        keep = k8f_text_utf8_cut(b->data, budget - m - 1);
        k8f_buf_add(out, b->data, keep);
        k8f_ev_add(out, "\n");
    }

    m = snprintf(trailer, sizeof(trailer), "[... %zu more bytes cut]\n",
                 b->len - keep);

    k8f_buf_add(out, trailer, m);
}


/* free text on one line, cut after K8F_EVIDENCE_VALUE_MAX bytes */

static void
k8f_ev_value(k8f_buf_t *b, const char *s)
{
    if (s != NULL) {
        k8f_ev_valuen(b, s, strlen(s));
    }
}


static void
k8f_ev_valuen(k8f_buf_t *b, const char *s, size_t len)
{
    size_t  n, i;

    n = len;

    if (n > K8F_EVIDENCE_VALUE_MAX) {
        n = k8f_text_utf8_cut(s, K8F_EVIDENCE_VALUE_MAX);
    }

    while (n > 0) {
        for (i = 0; i < n && (unsigned char) s[i] >= 0x20 && s[i] != 0x7f;
             i++)
        {
            /* void */
        }

        k8f_buf_add(b, s, i);

        if (i == n) {
            break;
        }

        k8f_ev_add(b, " ");
        s += i + 1;
        n -= i + 1;
    }

    if (len > K8F_EVIDENCE_VALUE_MAX) {
        k8f_ev_add(b, "...");
    }
}


static void
k8f_ev_scalar(k8f_buf_t *b, json_t *v)
{
    if (v == NULL) {
        k8f_ev_add(b, "?");
        return;
    }

    switch (json_typeof(v)) {

    case JSON_STRING:
        k8f_ev_value(b, json_string_value(v));
        break;

    case JSON_INTEGER:
        k8f_buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;

    case JSON_REAL:
        k8f_buf_printf(b, "%g", json_real_value(v));
        break;

    case JSON_TRUE:
        k8f_ev_add(b, "true");
        break;

    case JSON_FALSE:
        k8f_ev_add(b, "false");
        break;

    default:
        k8f_ev_add(b, "?");
    }
}


/*
 * "conditions: Ready False, ..." and a line for each that is not as it
 * should be, with its reason and message (once when repeated).
 */

static void
k8f_ev_conditions(k8f_buf_t *b, json_t *conditions)
{
    size_t                 i;
    json_t                *c;
    const char            *last_reason, *last_message;
    k8f_kobj_condition_t   cond;

    if (json_array_size(conditions) == 0) {
        return;
    }

    k8f_ev_add(b, "conditions:");

    for (i = 0; i < json_array_size(conditions); i++) {
        c = json_array_get(conditions, i);

        k8f_buf_printf(b, "%s %s %s", i ? "," : "",
                       k8f_kobj_str(c, "type") ? k8f_kobj_str(c, "type") : "?",
                       k8f_kobj_str(c, "status") ? k8f_kobj_str(c, "status")
                                                 : "?");
    }

    k8f_ev_add(b, "\n");

    last_reason = "";
    last_message = "";

    for (i = 0; i < json_array_size(conditions); i++) {
        if (k8f_kobj_condition(json_array_get(conditions, i), &cond) != 1
            || (cond.reason == NULL && cond.message == NULL))
        {
            continue;
        }

        if (strcmp(cond.reason ? cond.reason : "", last_reason) == 0
            && strcmp(cond.message ? cond.message : "", last_message) == 0)
        {
            continue;
        }

        last_reason = cond.reason ? cond.reason : "";
        last_message = cond.message ? cond.message : "";

        k8f_buf_printf(b, "  %s %s", cond.type,
                       cond.status ? cond.status : "?");

        if (cond.since != NULL) {
            k8f_ev_add(b, " since ");
            k8f_buf_time(b, cond.since);
        }

        if (cond.reason != NULL) {
            k8f_ev_add(b, ": ");
            k8f_ev_value(b, cond.reason);
        }

        if (cond.message != NULL) {
            k8f_ev_add(b, ": ");
            k8f_ev_value(b, cond.message);
        }

        k8f_ev_add(b, "\n");
    }
}


/* "pod shop/cart-7c9d8f6b5-q2x4m" */

static void
k8f_ev_meta(k8f_buf_t *b, const char *title, json_t *obj)
{
    const char  *ns, *name;

    ns = k8f_kobj_str(obj, "metadata.namespace");
    name = k8f_kobj_str(obj, "metadata.name");

    k8f_buf_printf(b, "%s %s%s%s", title, ns ? ns : "", ns ? "/" : "",
                   name ? name : "?");
}


/* "cpu 100m, memory 192Mi" */

static void
k8f_ev_resources(k8f_buf_t *b, json_t *list)
{
    json_t      *v;
    const char  *key, *sep;

    sep = "";

    json_object_foreach(list, key, v) {
        k8f_buf_printf(b, "%s", sep);
        k8f_ev_value(b, key);
        k8f_ev_add(b, " ");
        k8f_ev_scalar(b, v);
        sep = ", ";
    }
}


/* "app=cart,tier In (a, b)"; nothing for the empty selector */

static void
k8f_ev_selector(k8f_buf_t *b, json_t *selector)
{
    size_t       i, k;
    json_t      *v, *labels, *exprs, *e, *values;
    const char  *key, *sep, *op;

    sep = "";

    labels = json_object_get(selector, "matchLabels");

    if (labels == NULL && json_object_get(selector, "matchExpressions")
                          == NULL)
    {
        labels = selector;              /* a Service's plain map */
    }

    json_object_foreach(labels, key, v) {
        k8f_buf_printf(b, "%s", sep);
        k8f_ev_value(b, key);
        k8f_ev_add(b, "=");
        k8f_ev_scalar(b, v);
        sep = ",";
    }

    exprs = json_object_get(selector, "matchExpressions");

    for (i = 0; i < json_array_size(exprs); i++) {
        e = json_array_get(exprs, i);
        op = k8f_kobj_str(e, "operator");

        k8f_buf_printf(b, "%s%s %s", sep,
                       k8f_kobj_str(e, "key") ? k8f_kobj_str(e, "key") : "?",
                       op ? op : "?");

        values = json_object_get(e, "values");

        if (json_array_size(values)) {
            k8f_ev_add(b, " (");

            for (k = 0; k < json_array_size(values); k++) {
                k8f_buf_printf(b, "%s", k ? ", " : "");
                k8f_ev_scalar(b, json_array_get(values, k));
            }

            k8f_ev_add(b, ")");
        }

        sep = ",";
    }
}


static void
k8f_ev_pod(k8f_buf_t *b, json_t *pod)
{
    size_t       i;
    json_t      *refs, *ref, *list;
    const char  *s, *reason;

    k8f_ev_meta(b, "pod", pod);

    s = k8f_kobj_str(pod, "status.phase");
    k8f_buf_printf(b, ": %s", s ? s : "phase unknown");

    reason = k8f_kobj_str(pod, "status.reason");

    if (reason != NULL) {
        k8f_ev_add(b, " (");
        k8f_ev_value(b, reason);

        s = k8f_kobj_text(pod, "status.message");

        if (s != NULL) {
            k8f_ev_add(b, ": ");
            k8f_ev_value(b, s);
        }

        k8f_ev_add(b, ")");
    }

    s = k8f_kobj_str(pod, "spec.nodeName");

    if (s != NULL) {
        k8f_buf_printf(b, ", node %s", s);

    } else {
        k8f_buf_printf(b, ", not scheduled to a node");
    }

    s = k8f_kobj_str(pod, "status.podIP");

    if (s != NULL) {
        k8f_buf_printf(b, ", pod IP %s", s);
    }

    s = k8f_kobj_str(pod, "status.qosClass");

    if (s != NULL) {
        k8f_buf_printf(b, ", QoS %s", s);
    }

    s = k8f_kobj_str(pod, "status.startTime");

    if (s != NULL) {
        k8f_ev_add(b, ", started ");
        k8f_buf_time(b, s);
    }

    s = k8f_kobj_str(pod, "metadata.deletionTimestamp");

    if (s != NULL) {
        k8f_ev_add(b, ", terminating since ");
        k8f_buf_time(b, s);
    }

    k8f_ev_add(b, "\n");

    refs = k8f_get(pod, "metadata.ownerReferences");

    for (i = 0; i < json_array_size(refs); i++) {
        ref = json_array_get(refs, i);

        k8f_buf_printf(b, "%s%s %s", i ? ", " : "owner: ",
                       k8f_kobj_str(ref, "kind") ? k8f_kobj_str(ref, "kind")
                                                 : "?",
                       k8f_kobj_str(ref, "name") ? k8f_kobj_str(ref, "name")
                                                 : "?");
    }

    if (json_array_size(refs)) {
        k8f_ev_add(b, "\n");
    }

    k8f_ev_conditions(b, k8f_get(pod, "status.conditions"));

    list = k8f_get(pod, "spec.initContainers");

    for (i = 0; i < json_array_size(list); i++) {
        k8f_ev_container(b, json_array_get(list, i),
                         k8f_get(pod, "status.initContainerStatuses"),
                         "init container");
    }

    list = k8f_get(pod, "spec.containers");

    for (i = 0; i < json_array_size(list); i++) {
        k8f_ev_container(b, json_array_get(list, i),
                         k8f_get(pod, "status.containerStatuses"),
                         "container");
    }
}


static void
k8f_ev_container(k8f_buf_t *b, json_t *c, json_t *statuses,
    const char *what)
{
    json_t      *cs, *v, *res;
    const char  *name, *s;

    name = k8f_kobj_str(c, "name");

    if (name == NULL) {
        return;
    }

    cs = k8f_kobj_named(statuses, name);

    k8f_buf_printf(b, "%s %s", what, name);

    if (cs == NULL) {
        k8f_ev_add(b, ": no status yet\n");

    } else {
        k8f_buf_printf(b, " (ready %s, restarts %lld): ",
                       json_is_true(json_object_get(cs, "ready"))
                       ? "true" : "false",
                       k8f_kobj_int(cs, "restartCount", 0));

        k8f_ev_state(b, k8f_get(cs, "state"), "");
        k8f_ev_add(b, "\n");

        v = k8f_get(cs, "lastState.terminated");

        if (json_is_object(v)) {
            k8f_ev_state(b, k8f_get(cs, "lastState"), "  last ");
            k8f_ev_add(b, "\n");
        }
    }

    s = k8f_kobj_str(c, "image");

    if (s != NULL) {
        k8f_ev_add(b, "  image ");
        k8f_ev_value(b, s);
        k8f_ev_add(b, "\n");
    }

    res = k8f_get(c, "resources");

    k8f_ev_add(b, "  resources: ");

    v = json_object_get(res, "requests");

    if (json_object_size(v)) {
        k8f_ev_add(b, "requests ");
        k8f_ev_resources(b, v);

    } else {
        k8f_ev_add(b, "no requests");
    }

    v = json_object_get(res, "limits");

    if (json_object_size(v)) {
        k8f_ev_add(b, "; limits ");
        k8f_ev_resources(b, v);

    } else {
        k8f_ev_add(b, "; no limits");
    }

    k8f_ev_add(b, "\n");

    k8f_ev_probe(b, c, "startupProbe", "startup");
    k8f_ev_probe(b, c, "livenessProbe", "liveness");
    k8f_ev_probe(b, c, "readinessProbe", "readiness");

    k8f_ev_env(b, c);
}


/* "waiting: CrashLoopBackOff: back-off ..." or "running since ..." */

static void
k8f_ev_state(k8f_buf_t *b, json_t *state, const char *prefix)
{
    json_t      *v;
    const char  *s;

    v = json_object_get(state, "waiting");

    if (json_is_object(v)) {
        k8f_buf_printf(b, "%swaiting", prefix);

        s = k8f_kobj_str(v, "reason");

        if (s != NULL) {
            k8f_ev_add(b, ": ");
            k8f_ev_value(b, s);
        }

        s = k8f_kobj_text(v, "message");

        if (s != NULL) {
            k8f_ev_add(b, ": ");
            k8f_ev_value(b, s);
        }

        return;
    }

    v = json_object_get(state, "running");

    if (json_is_object(v)) {
        k8f_buf_printf(b, "%srunning", prefix);

        s = k8f_kobj_str(v, "startedAt");

        if (s != NULL) {
            k8f_ev_add(b, " since ");
            k8f_buf_time(b, s);
        }

        return;
    }

    v = json_object_get(state, "terminated");

    if (json_is_object(v)) {
        k8f_buf_printf(b, "%sterminated: ", prefix);
        k8f_ev_exit(b, v);
        return;
    }

    k8f_buf_printf(b, "%sstate unknown", prefix);
}


/* "OOMKilled, exit code 137 (SIGKILL), started ..., finished ..." */

static void
k8f_ev_exit(k8f_buf_t *b, json_t *terminated)
{
    long long    code, sig;
    const char  *s;

    s = k8f_kobj_str(terminated, "reason");
    k8f_ev_value(b, s ? s : "no reason");

    code = k8f_kobj_int(terminated, "exitCode", -1);

    if (code >= 0) {
        k8f_buf_printf(b, ", exit code %lld", code);
    }

    sig = k8f_kobj_int(terminated, "signal", code > 128 ? code - 128 : 0);

    if (sig > 0 && sig < (long long) (sizeof(k8f_ev_signals)
                                      / sizeof(k8f_ev_signals[0])))
    {
        k8f_buf_printf(b, " (%s)", k8f_ev_signals[sig]);

    } else if (sig > 0) {
        k8f_buf_printf(b, " (signal %lld)", sig);
    }

    s = k8f_kobj_str(terminated, "startedAt");

    if (s != NULL) {
        k8f_ev_add(b, ", started ");
        k8f_buf_time(b, s);
    }

    s = k8f_kobj_str(terminated, "finishedAt");

    if (s != NULL) {
        k8f_ev_add(b, ", finished ");
        k8f_buf_time(b, s);
    }

    s = k8f_kobj_text(terminated, "message");

    if (s != NULL) {
        k8f_ev_add(b, ", message: ");
        k8f_ev_value(b, s);
    }
}


static void
k8f_ev_probe(k8f_buf_t *b, json_t *c, const char *key, const char *what)
{
    size_t       i;
    json_t      *p, *v, *cmd;
    long long    n;
    const char  *s;

    p = json_object_get(c, key);

    if (!json_is_object(p)) {
        return;
    }

    k8f_buf_printf(b, "  %s probe: ", what);

    if ((v = json_object_get(p, "httpGet")) != NULL) {
        s = k8f_kobj_str(v, "scheme");
        k8f_buf_printf(b, "%s GET ", s ? s : "HTTP");

        s = k8f_kobj_str(v, "path");
        k8f_ev_value(b, s ? s : "/");

        k8f_ev_add(b, " port ");
        k8f_ev_scalar(b, json_object_get(v, "port"));

    } else if ((v = json_object_get(p, "tcpSocket")) != NULL) {
        k8f_ev_add(b, "TCP port ");
        k8f_ev_scalar(b, json_object_get(v, "port"));

    } else if ((v = json_object_get(p, "grpc")) != NULL) {
        k8f_ev_add(b, "gRPC port ");
        k8f_ev_scalar(b, json_object_get(v, "port"));

    } else if ((v = json_object_get(p, "exec")) != NULL) {
        k8f_ev_add(b, "exec");

        cmd = json_object_get(v, "command");

        for (i = 0; i < json_array_size(cmd); i++) {
            k8f_ev_add(b, " ");
            k8f_ev_scalar(b, json_array_get(cmd, i));
        }

    } else {
        k8f_ev_add(b, "no handler");
    }

    n = k8f_kobj_int(p, "initialDelaySeconds", 0);

    if (n > 0) {
        k8f_buf_printf(b, ", delay %llds", n);
    }

    k8f_buf_printf(b, ", timeout %llds, period %llds, failure threshold "
                   "%lld\n", k8f_kobj_int(p, "timeoutSeconds", 1),
                   k8f_kobj_int(p, "periodSeconds", 10),
                   k8f_kobj_int(p, "failureThreshold", 3));
}


static void
k8f_ev_env(k8f_buf_t *b, json_t *c)
{
    size_t        i;
    json_t       *env;
    const char   *name, *value;

    env = json_object_get(c, "env");

    for (i = 0; i < json_array_size(env); i++) {
        name = k8f_kobj_memory_env(json_array_get(env, i), &value);

        if (name != NULL) {
            k8f_buf_printf(b, "  env %s=", name);
            k8f_ev_value(b, value);
            k8f_ev_add(b, "\n");
        }
    }
}


static void
k8f_ev_event_line(k8f_buf_t *b, k8f_kobj_event_t *e, int objects)
{
    size_t       n;
    const char  *f;

    if (e->last_time != NULL) {
        k8f_buf_time(b, e->last_time);

    } else {
        k8f_ev_add(b, "(no time)");
    }

    k8f_buf_printf(b, " %s %s", e->type ? e->type : "Normal",
                   e->reason ? e->reason : "(no reason)");

    if (e->count > 1) {
        k8f_buf_printf(b, " x%lld", e->count);

        if (e->first_time != NULL && strcmp(e->first, e->last) != 0) {
            k8f_ev_add(b, " since ");
            k8f_buf_time(b, e->first_time);
        }
    }

    if (objects) {
        k8f_buf_printf(b, " %s/%s", e->kind ? e->kind : "?",
                       e->name ? e->name : "?");
    }

    f = e->field;

    if (f != NULL) {
        n = strlen(f);

        if (strncmp(f, "spec.containers{", 16) == 0 && f[n - 1] == '}') {
            k8f_buf_printf(b, " (container %.*s)", (int) (n - 17), f + 16);

        } else if (strncmp(f, "spec.initContainers{", 20) == 0
                   && f[n - 1] == '}')
        {
            k8f_buf_printf(b, " (init container %.*s)", (int) (n - 21),
                           f + 20);

        } else {
            k8f_ev_add(b, " (");
            k8f_ev_value(b, f);
            k8f_ev_add(b, ")");
        }
    }

    k8f_ev_add(b, ": ");
    k8f_ev_value(b, e->message ? e->message : "(no message)");
    k8f_ev_add(b, "\n");
}


static void
k8f_ev_events(k8f_buf_t *b, json_t *list, size_t budget)
{
    int                objects;
    char               line[64];
    size_t             i, k, n, total, dropped, m, want;
    json_t            *items;
    k8f_buf_t          text;
    k8f_ev_line_t     *lines;
    k8f_kobj_event_t  *ev;

    items = k8f_get(list, "items");

    if (json_array_size(items) == 0) {
        k8f_buf_printf(b, "no events (Kubernetes keeps them for an hour by "
                       "default)\n");
        return;
    }

    ev = k8f_kobj_events(items, 0, &n);
    lines = ev ? calloc(n, sizeof(k8f_ev_line_t)) : NULL;

    if (lines == NULL) {
        b->failed = 1;
        free(ev);
        return;
    }

    objects = 0;

    for (i = 1; i < n; i++) {
        if (strcmp(ev[i].name ? ev[i].name : "",
                   ev[0].name ? ev[0].name : "") != 0
            || strcmp(ev[i].kind ? ev[i].kind : "",
                      ev[0].kind ? ev[0].kind : "") != 0)
        {
            objects = 1;
            break;
        }
    }

    qsort(ev, n, sizeof(k8f_kobj_event_t), k8f_kobj_event_cmp);

    k8f_buf_init(&text);

    total = 0;

    for (i = 0; i < n; i++) {
        lines[i].off = text.len;
        k8f_ev_event_line(&text, &ev[i], objects);
        lines[i].len = text.len - lines[i].off;
        total += lines[i].len;
    }

    m = snprintf(line, sizeof(line), "%zu event%s, newest first:\n", n,
                 n == 1 ? "" : "s");
    total += m;

    /* over budget: Normal events go first, then Warnings, oldest first */

    dropped = 0;

    if (budget && total > budget) {
        want = budget > K8F_EV_DROPPED + m ? budget - K8F_EV_DROPPED : 0;

        for (k = 0; k < 2; k++) {
            for (i = n; i > 0 && total > want; i--) {
                if (lines[i - 1].dropped
                    || (k == 0 && ev[i - 1].type != NULL
                        && strcmp(ev[i - 1].type, "Warning") == 0))
                {
                    continue;
                }

                lines[i - 1].dropped = 1;
                total -= lines[i - 1].len;
                dropped++;
            }
        }
    }

    k8f_buf_add(b, line, m);

    for (i = 0; i < n && !text.failed; i++) {
        if (!lines[i].dropped) {
            k8f_buf_add(b, text.data + lines[i].off, lines[i].len);
        }
    }

    if (dropped) {
        k8f_buf_printf(b, "(%zu more events not shown)\n", dropped);
    }

    if (text.failed) {
        b->failed = 1;
    }

    k8f_buf_free(&text);
    free(lines);
    free(ev);
}


static void
k8f_ev_service(k8f_buf_t *b, json_t *svc)
{
    size_t       i;
    json_t      *ports, *p, *v, *selector, *ingress;
    const char  *type, *ip, *s;

    k8f_ev_meta(b, "service", svc);

    type = k8f_kobj_str(svc, "spec.type");
    ip = k8f_kobj_str(svc, "spec.clusterIP");

    k8f_buf_printf(b, ": %s", type ? type : "ClusterIP");

    if (ip != NULL && strcmp(ip, "None") == 0) {
        k8f_ev_add(b, " headless");

    } else if (ip != NULL) {
        k8f_buf_printf(b, " %s", ip);
    }

    s = k8f_kobj_str(svc, "spec.externalName");

    if (s != NULL) {
        k8f_ev_add(b, ", external name ");
        k8f_ev_value(b, s);
    }

    if (type != NULL && strcmp(type, "LoadBalancer") == 0) {
        ingress = k8f_get(svc, "status.loadBalancer.ingress");

        if (json_array_size(ingress) == 0) {
            k8f_ev_add(b, ", load balancer pending");
        }

        for (i = 0; i < json_array_size(ingress); i++) {
            v = json_array_get(ingress, i);
            s = k8f_kobj_str(v, "ip");

            k8f_buf_printf(b, "%s", i ? " " : ", load balancer ");
            k8f_ev_value(b, s ? s : k8f_kobj_str(v, "hostname"));
        }
    }

    ports = k8f_get(svc, "spec.ports");

    for (i = 0; i < json_array_size(ports); i++) {
        p = json_array_get(ports, i);

        k8f_buf_printf(b, "%s", i ? ", " : ", ports ");

        s = k8f_kobj_str(p, "name");

        if (s != NULL) {
            k8f_buf_printf(b, "%s ", s);
        }

        k8f_ev_scalar(b, json_object_get(p, "port"));

        v = json_object_get(p, "targetPort");

        if (v != NULL) {
            k8f_ev_add(b, "->");
            k8f_ev_scalar(b, v);
        }

        s = k8f_kobj_str(p, "protocol");
        k8f_buf_printf(b, "/%s", s ? s : "TCP");

        v = json_object_get(p, "nodePort");

        if (v != NULL) {
            k8f_ev_add(b, " node port ");
            k8f_ev_scalar(b, v);
        }
    }

    selector = k8f_get(svc, "spec.selector");

    if (json_object_size(selector)) {
        k8f_ev_add(b, ", selector ");
        k8f_ev_selector(b, selector);

    } else if (type == NULL || strcmp(type, "ExternalName") != 0) {
        k8f_ev_add(b, ", no selector (endpoints are managed by hand)");
    }

    k8f_ev_add(b, "\n");
}


static void
k8f_ev_endpoints(k8f_buf_t *b, json_t *ep)
{
    size_t   i, ready, not_ready;
    json_t  *subsets, *ss;

    k8f_ev_meta(b, "endpoints", ep);

    subsets = k8f_get(ep, "subsets");

    if (json_array_size(subsets) == 0) {
        k8f_buf_printf(b, ": no ready endpoints (no subsets: no pod "
                       "matching the selector has an IP)\n");
        return;
    }

    ready = 0;
    not_ready = 0;

    for (i = 0; i < json_array_size(subsets); i++) {
        ss = json_array_get(subsets, i);
        ready += json_array_size(json_object_get(ss, "addresses"));
        not_ready += json_array_size(json_object_get(ss,
                                                     "notReadyAddresses"));
    }

    if (ready) {
        k8f_buf_printf(b, ": %zu ready, %zu not ready\n", ready, not_ready);

    } else {
        k8f_buf_printf(b, ": no ready endpoints, %zu not ready\n",
                       not_ready);
    }

    for (i = 0; i < json_array_size(subsets); i++) {
        ss = json_array_get(subsets, i);

        k8f_ev_add(b, "  ports");
        k8f_ev_ports(b, json_object_get(ss, "ports"));
        k8f_ev_add(b, ":");

        k8f_ev_addresses(b, json_object_get(ss, "addresses"), "ready", "");
        k8f_ev_addresses(b, json_object_get(ss, "notReadyAddresses"),
                         "not ready",
                         json_array_size(json_object_get(ss, "addresses"))
                         ? ";" : "");
        k8f_ev_add(b, "\n");
    }
}


/* "; not ready 10.0.20.57 (pod x), ..." */

static void
k8f_ev_addresses(k8f_buf_t *b, json_t *list, const char *what,
    const char *sep)
{
    size_t       i;
    json_t      *a;
    const char  *ip, *pod;

    for (i = 0; i < json_array_size(list) && i < K8F_EV_ADDRESSES; i++) {
        a = json_array_get(list, i);
        ip = k8f_kobj_str(a, "ip");
        pod = k8f_kobj_str(a, "targetRef.name");

        if (i == 0) {
            k8f_buf_printf(b, "%s %s", sep, what);

        } else {
            k8f_ev_add(b, ",");
        }

        k8f_buf_printf(b, " %s", ip ? ip : "?");

        if (pod != NULL) {
            k8f_buf_printf(b, " (pod %s)", pod);
        }
    }

    if (json_array_size(list) > K8F_EV_ADDRESSES) {
        k8f_buf_printf(b, " and %zu more",
                       json_array_size(list) - K8F_EV_ADDRESSES);
    }
}


/* " http 8080/TCP, ..." of Endpoints and EndpointSlices */

static void
k8f_ev_ports(k8f_buf_t *b, json_t *ports)
{
    size_t       i;
    json_t      *p;
    const char  *name, *proto;

    if (json_array_size(ports) == 0) {
        k8f_ev_add(b, " (none)");
    }

    for (i = 0; i < json_array_size(ports); i++) {
        p = json_array_get(ports, i);
        name = k8f_kobj_str(p, "name");
        proto = k8f_kobj_str(p, "protocol");

        k8f_buf_printf(b, "%s %s%s", i ? "," : "", name ? name : "",
                       name ? " " : "");
        k8f_ev_scalar(b, json_object_get(p, "port"));
        k8f_buf_printf(b, "/%s", proto ? proto : "TCP");
    }
}


static void
k8f_ev_slice(k8f_buf_t *b, json_t *slice)
{
    size_t       i, k, ready;
    json_t      *eps, *ep, *addrs, *v;
    const char  *s;

    k8f_ev_meta(b, "endpointslice", slice);

    s = k8f_kobj_str(slice, "metadata.labels.kubernetes.io/service-name");

    if (s != NULL) {
        k8f_buf_printf(b, " for service %s", s);
    }

    s = k8f_kobj_str(slice, "addressType");
    k8f_buf_printf(b, ": %s, ports", s ? s : "?");
    k8f_ev_ports(b, k8f_get(slice, "ports"));

    eps = k8f_get(slice, "endpoints");
    ready = 0;

    for (i = 0; i < json_array_size(eps); i++) {
        v = k8f_get(json_array_get(eps, i), "conditions.ready");

        /* unknown readiness counts as ready, as kube-proxy reads it */

        if (!json_is_false(v)) {
            ready++;
        }
    }

    if (json_array_size(eps) == 0) {
        k8f_ev_add(b, ", no endpoints\n");
        return;
    }

    k8f_buf_printf(b, ", %zu of %zu ready\n", ready, json_array_size(eps));

    for (i = 0; i < json_array_size(eps); i++) {
        ep = json_array_get(eps, i);
        addrs = json_object_get(ep, "addresses");

        k8f_ev_add(b, " ");

        for (k = 0; k < json_array_size(addrs); k++) {
            k8f_ev_add(b, " ");
            k8f_ev_scalar(b, json_array_get(addrs, k));
        }

        v = k8f_get(ep, "conditions.ready");
        k8f_buf_printf(b, " %s", json_is_false(v) ? "not ready" : "ready");

        if (json_is_false(k8f_get(ep, "conditions.serving"))) {
            k8f_ev_add(b, ", not serving");
        }

        if (json_is_true(k8f_get(ep, "conditions.terminating"))) {
            k8f_ev_add(b, ", terminating");
        }

        s = k8f_kobj_str(ep, "targetRef.name");

        if (s != NULL) {
            k8f_buf_printf(b, " (%s %s",
                           k8f_kobj_str(ep, "targetRef.kind")
                           ? k8f_kobj_str(ep, "targetRef.kind") : "object", s);

            s = k8f_kobj_str(ep, "nodeName");

            if (s != NULL) {
                k8f_buf_printf(b, ", node %s", s);
            }

            s = k8f_kobj_str(ep, "zone");

            if (s != NULL) {
                k8f_buf_printf(b, ", zone %s", s);
            }

            k8f_ev_add(b, ")");
        }

        k8f_ev_add(b, "\n");
    }
}


static void
k8f_ev_netpol(k8f_buf_t *b, json_t *np)
{
    size_t       i;
    json_t      *types, *sel;
    unsigned     ingress, egress;
    const char  *t;

    k8f_buf_printf(b, "networkpolicy %s: ",
                   k8f_kobj_str(np, "metadata.name")
                   ? k8f_kobj_str(np, "metadata.name") : "?");

    sel = k8f_get(np, "spec.podSelector");

    if (json_object_size(json_object_get(sel, "matchLabels")) == 0
        && json_array_size(json_object_get(sel, "matchExpressions")) == 0)
    {
        k8f_ev_add(b, "all pods");

    } else {
        k8f_ev_add(b, "pods ");
        k8f_ev_selector(b, sel);
    }

    /* without policyTypes: Ingress, and Egress when it has egress rules */

    types = k8f_get(np, "spec.policyTypes");
    ingress = (json_array_size(types) == 0);
    egress = (json_array_size(types) == 0
              && k8f_get(np, "spec.egress") != NULL);

    for (i = 0; i < json_array_size(types); i++) {
        t = json_string_value(json_array_get(types, i));

        if (t != NULL && strcmp(t, "Ingress") == 0) {
            ingress = 1;

        } else if (t != NULL && strcmp(t, "Egress") == 0) {
            egress = 1;
        }
    }

    if (ingress) {
        k8f_ev_rules(b, k8f_get(np, "spec.ingress"), "ingress", "from",
                     "from");
    }

    if (egress) {
        k8f_ev_rules(b, k8f_get(np, "spec.egress"), "egress", "to", "to");
    }

    k8f_ev_add(b, "\n");
}


static void
k8f_ev_rules(k8f_buf_t *b, json_t *rules, const char *dir,
    const char *peers_key, const char *peer_word)
{
    size_t       i, k;
    json_t      *rule, *peers, *ports, *p, *v;
    const char  *s;

    if (json_array_size(rules) == 0) {
        k8f_buf_printf(b, "; %s: all denied", dir);
        return;
    }

    k8f_buf_printf(b, "; %s allowed:", dir);

    for (i = 0; i < json_array_size(rules); i++) {
        rule = json_array_get(rules, i);

        k8f_buf_printf(b, "%s %s ", i ? " |" : "", peer_word);

        peers = json_object_get(rule, peers_key);

        if (json_array_size(peers) == 0) {
            k8f_ev_add(b, "anywhere");
        }

        for (k = 0; k < json_array_size(peers); k++) {
            k8f_buf_printf(b, "%s", k ? " or " : "");
            k8f_ev_peer(b, json_array_get(peers, k));
        }

        ports = json_object_get(rule, "ports");

        if (json_array_size(ports) == 0) {
            k8f_ev_add(b, " on all ports");
        }

        for (k = 0; k < json_array_size(ports); k++) {
            p = json_array_get(ports, k);

            k8f_buf_printf(b, "%s", k ? ", " : " on ");

            v = json_object_get(p, "port");

            if (v != NULL) {
                k8f_ev_scalar(b, v);

            } else {
                k8f_ev_add(b, "all");
            }

            v = json_object_get(p, "endPort");

            if (v != NULL) {
                k8f_ev_add(b, "-");
                k8f_ev_scalar(b, v);
            }

            s = k8f_kobj_str(p, "protocol");
            k8f_buf_printf(b, "/%s", s ? s : "TCP");
        }
    }
}


static void
k8f_ev_peer(k8f_buf_t *b, json_t *peer)
{
    size_t   i;
    json_t  *pods, *nss, *block, *except;

    pods = json_object_get(peer, "podSelector");
    nss = json_object_get(peer, "namespaceSelector");
    block = json_object_get(peer, "ipBlock");

    if (block != NULL) {
        k8f_ev_add(b, "cidr ");
        k8f_ev_scalar(b, json_object_get(block, "cidr"));

        except = json_object_get(block, "except");

        for (i = 0; i < json_array_size(except); i++) {
            k8f_buf_printf(b, "%s", i ? ", " : " except ");
            k8f_ev_scalar(b, json_array_get(except, i));
        }

        return;
    }

    if (pods != NULL) {
        if (json_object_size(json_object_get(pods, "matchLabels")) == 0
            && json_array_size(json_object_get(pods, "matchExpressions"))
               == 0)
        {
            k8f_ev_add(b, "all pods");

        } else {
            k8f_ev_add(b, "pods ");
            k8f_ev_selector(b, pods);
        }

        if (nss == NULL) {
            return;
        }

        k8f_ev_add(b, " in ");
    }

    if (nss != NULL) {
        if (json_object_size(json_object_get(nss, "matchLabels")) == 0
            && json_array_size(json_object_get(nss, "matchExpressions"))
               == 0)
        {
            k8f_ev_add(b, "all namespaces");

        } else {
            k8f_ev_add(b, "namespaces ");
            k8f_ev_selector(b, nss);
        }

        return;
    }

    k8f_ev_add(b, "?");
}


static void
k8f_ev_node(k8f_buf_t *b, json_t *node)
{
    size_t       i;
    json_t      *taints, *t;
    const char  *s;

    k8f_ev_meta(b, "node", node);
    k8f_ev_add(b, ":");

    s = k8f_kobj_str(node, "metadata.labels.node.kubernetes.io/instance-type");

    if (s != NULL) {
        k8f_buf_printf(b, " %s,", s);
    }

    s = k8f_kobj_str(node, "metadata.labels.topology.kubernetes.io/zone");

    if (s != NULL) {
        k8f_buf_printf(b, " zone %s,", s);
    }

    s = k8f_kobj_str(node, "status.nodeInfo.kubeletVersion");
    k8f_buf_printf(b, " kubelet %s", s ? s : "?");

    s = k8f_kobj_str(node, "status.nodeInfo.containerRuntimeVersion");

    if (s != NULL) {
        k8f_buf_printf(b, ", %s", s);
    }

    s = k8f_kobj_str(node, "status.nodeInfo.osImage");

    if (s != NULL) {
        k8f_ev_add(b, ", ");
        k8f_ev_value(b, s);
    }

    if (json_is_true(k8f_get(node, "spec.unschedulable"))) {
        k8f_ev_add(b, ", cordoned (unschedulable)");
    }

    k8f_ev_add(b, "\n");

    k8f_ev_conditions(b, k8f_get(node, "status.conditions"));

    taints = k8f_get(node, "spec.taints");

    for (i = 0; i < json_array_size(taints); i++) {
        t = json_array_get(taints, i);

        k8f_buf_printf(b, "%s", i ? ", " : "taints: ");
        k8f_ev_value(b, k8f_kobj_str(t, "key"));

        s = k8f_kobj_text(t, "value");

        if (s != NULL) {
            k8f_ev_add(b, "=");
            k8f_ev_value(b, s);
        }

        s = k8f_kobj_str(t, "effect");
        k8f_buf_printf(b, ":%s", s ? s : "?");
    }

    if (json_array_size(taints)) {
        k8f_ev_add(b, "\n");
    }

    k8f_ev_quantities(b, "allocatable", k8f_get(node,
                                                     "status.allocatable"));
    k8f_ev_quantities(b, "capacity", k8f_get(node, "status.capacity"));
}


/* "allocatable: cpu 1930m, memory 1471840Ki, pods 11": zeros left out */

static void
k8f_ev_quantities(k8f_buf_t *b, const char *title, json_t *list)
{
    json_t      *v;
    unsigned     n;
    const char  *key, *s;

    n = 0;

    json_object_foreach(list, key, v) {
        s = json_string_value(v);

        if (s != NULL && strcmp(s, "0") == 0) {
            continue;
        }

        if (n++ == 0) {
            k8f_buf_printf(b, "%s: ", title);

        } else {
            k8f_ev_add(b, ", ");
        }

        k8f_ev_value(b, key);
        k8f_ev_add(b, " ");
        k8f_ev_scalar(b, v);
    }

    if (n) {
        k8f_ev_add(b, "\n");
    }
}


static const k8f_ev_workload_t *
k8f_ev_workload_find(json_t *obj)
{
    unsigned     i;
    const char  *kind;

    kind = k8f_kobj_str(obj, "kind");

    for (i = 0; kind != NULL
                && i < sizeof(k8f_ev_workloads) / sizeof(k8f_ev_workloads[0]);
         i++)
    {
        if (strcmp(kind, k8f_ev_workloads[i].kind) == 0) {
            return &k8f_ev_workloads[i];
        }
    }

    return NULL;
}


static void
k8f_ev_workload(k8f_buf_t *b, json_t *obj, const k8f_ev_workload_t *w)
{
    unsigned                  k;
    json_t                   *v;
    long long                 gen, seen;
    const char               *s;
    k8f_owner_t               owner;
    const k8f_ev_field_t     *f;

    k8f_ev_meta(b, w->title, obj);

    if (k8f_evidence_owner(obj, &owner) == K8F_OK) {
        k8f_buf_printf(b, " (%s %s)", owner.kind, owner.name);
    }

    k8f_ev_add(b, ":");

    for (k = 0, f = w->fields; f->path; f++) {
        v = k8f_get(obj, f->path);

        if (!f->always && json_integer_value(v) == 0) {
            continue;
        }

        /* the API leaves zero counts out; spec.replicas defaults to 1 */

        k8f_buf_printf(b, "%s %lld %s", k++ ? "," : "",
                       k8f_kobj_int(obj, f->path,
                                    strcmp(f->path, "spec.replicas") == 0),
                       f->label);
    }

    s = k8f_kobj_str(obj, "metadata.annotations.deployment.kubernetes.io/"
                          "revision");

    if (s != NULL) {
        k8f_buf_printf(b, "; revision %s", s);
    }

    s = k8f_kobj_str(obj, "spec.strategy.type");

    if (s == NULL) {
        s = k8f_kobj_str(obj, "spec.updateStrategy.type");
    }

    if (s != NULL) {
        k8f_buf_printf(b, "; strategy %s", s);

        v = k8f_get(obj, "spec.strategy.rollingUpdate");

        if (json_is_object(v)) {
            k8f_ev_add(b, " (max unavailable ");
            k8f_ev_scalar(b, json_object_get(v, "maxUnavailable"));
            k8f_ev_add(b, ", max surge ");
            k8f_ev_scalar(b, json_object_get(v, "maxSurge"));
            k8f_ev_add(b, ")");
        }
    }

    if (json_is_true(k8f_get(obj, "spec.paused"))) {
        k8f_ev_add(b, "; paused");
    }

    gen = k8f_kobj_int(obj, "metadata.generation", 0);
    seen = k8f_kobj_int(obj, "status.observedGeneration", gen);

    if (seen < gen) {
        k8f_buf_printf(b, "; generation %lld not yet observed (at %lld)",
                       gen, seen);
    }

    k8f_ev_add(b, "\n");

    k8f_ev_conditions(b, k8f_get(obj, "status.conditions"));
    k8f_ev_images(b, k8f_get(obj, "spec.template.spec.containers"));
}


static void
k8f_ev_images(k8f_buf_t *b, json_t *containers)
{
    size_t   i;
    json_t  *c;

    for (i = 0; i < json_array_size(containers); i++) {
        c = json_array_get(containers, i);

        k8f_buf_printf(b, "%s", i ? ", " : "images: ");
        k8f_ev_value(b, k8f_kobj_str(c, "name"));
        k8f_ev_add(b, " ");
        k8f_ev_value(b, k8f_kobj_str(c, "image"));
    }

    if (json_array_size(containers)) {
        k8f_ev_add(b, "\n");
    }
}


static void
k8f_ev_hpa(k8f_buf_t *b, json_t *hpa)
{
    size_t       i, k;
    json_t      *specs, *currents, *m, *c, *cur;
    long long    current, max;
    const char  *s, *type, *name;

    k8f_ev_meta(b, "hpa", hpa);

    s = k8f_kobj_str(hpa, "spec.scaleTargetRef.kind");
    k8f_buf_printf(b, " for %s %s", s ? s : "?",
                   k8f_kobj_str(hpa, "spec.scaleTargetRef.name")
                   ? k8f_kobj_str(hpa, "spec.scaleTargetRef.name") : "?");

    current = k8f_kobj_int(hpa, "status.currentReplicas", 0);
    max = k8f_kobj_int(hpa, "spec.maxReplicas", 0);

    k8f_buf_printf(b, ": %lld current, %lld desired, min %lld, max %lld",
                   current, k8f_kobj_int(hpa, "status.desiredReplicas", 0),
                   k8f_kobj_int(hpa, "spec.minReplicas", 1), max);

    s = k8f_kobj_str(hpa, "status.lastScaleTime");

    if (s != NULL) {
        k8f_ev_add(b, "; last scaled ");
        k8f_buf_time(b, s);
    }

    k8f_ev_add(b, "\n");

    specs = k8f_get(hpa, "spec.metrics");
    currents = k8f_get(hpa, "status.currentMetrics");

    for (i = 0; i < json_array_size(specs); i++) {
        m = json_array_get(specs, i);
        type = k8f_kobj_str(m, "type");
        name = k8f_ev_metric_name(m);

        /* the current value of the same type and name */

        cur = NULL;

        for (k = 0; name != NULL && k < json_array_size(currents); k++) {
            c = json_array_get(currents, k);
            s = k8f_ev_metric_name(c);

            if (s != NULL && strcmp(s, name) == 0
                && strcmp(k8f_kobj_str(c, "type"), type) == 0)
            {
                cur = c;
                break;
            }
        }

        k8f_buf_printf(b, "  metric %s", name ? name : "?");

        if (type != NULL && strcmp(type, "Resource") != 0) {
            k8f_buf_printf(b, " (%s)", type);
        }

        k8f_ev_metric(b, m, cur);
        k8f_ev_add(b, "\n");
    }

    k8f_ev_conditions(b, k8f_get(hpa, "status.conditions"));

    if (max > 0 && current >= max) {
        k8f_buf_printf(b, "at its maximum of %lld replicas: the HPA cannot "
                       "add more\n", max);
    }
}


/* "memory" of a metric spec or status, by its type */

static const char *
k8f_ev_metric_name(json_t *m)
{
    const char  *type;

    type = k8f_kobj_str(m, "type");

    if (type == NULL) {
        return NULL;
    }

    if (strcmp(type, "Resource") == 0) {
        return k8f_kobj_str(m, "resource.name");
    }

    if (strcmp(type, "ContainerResource") == 0) {
        return k8f_kobj_str(m, "containerResource.name");
    }

    if (strcmp(type, "Pods") == 0) {
        return k8f_kobj_str(m, "pods.metric.name");
    }

    if (strcmp(type, "Object") == 0) {
        return k8f_kobj_str(m, "object.metric.name");
    }

    if (strcmp(type, "External") == 0) {
        return k8f_kobj_str(m, "external.metric.name");
    }

    return NULL;
}


/* ": current 107% of request, target 75% of request" */

static void
k8f_ev_metric(k8f_buf_t *b, json_t *spec, json_t *current)
{
    json_t      *t, *c;
    unsigned     i;

    static const char  *keys[] = {
        "resource", "containerResource", "pods", "object", "external"
    };

    t = NULL;
    c = NULL;

    for (i = 0; i < 5; i++) {
        if (t == NULL) {
            t = k8f_get(json_object_get(spec, keys[i]), "target");
        }

        if (c == NULL) {
            c = k8f_get(json_object_get(current, keys[i]), "current");
        }
    }

    k8f_ev_add(b, ": current ");

    if (c == NULL) {
        k8f_ev_add(b, "unknown");

    } else {
        k8f_ev_target(b, c);
    }

    k8f_ev_add(b, ", target ");
    k8f_ev_target(b, t);
}


/* a MetricValueStatus or MetricTarget */

static void
k8f_ev_target(k8f_buf_t *b, json_t *v)
{
    json_t  *x;

    if ((x = json_object_get(v, "averageUtilization")) != NULL) {
        k8f_ev_scalar(b, x);
        k8f_ev_add(b, "% of request");

        x = json_object_get(v, "averageValue");

        if (x != NULL && json_object_get(v, "type") == NULL) {
            k8f_ev_add(b, " (average ");
            k8f_ev_scalar(b, x);
            k8f_ev_add(b, ")");
        }

    } else if ((x = json_object_get(v, "averageValue")) != NULL) {
        k8f_ev_add(b, "average ");
        k8f_ev_scalar(b, x);

    } else if ((x = json_object_get(v, "value")) != NULL) {
        k8f_ev_scalar(b, x);

    } else {
        k8f_ev_add(b, "unknown");
    }
}


/*
 * "403 forbidden: <message> (RBAC lacks get on pods/log in namespace
 * billing)"
 */

static void
k8f_ev_status(k8f_buf_t *b, json_t *status, int http_status)
{
    int          code;
    const char  *msg, *reason;

    code = (int) k8f_kobj_int(status, "code", http_status);
    reason = k8f_kobj_str(status, "reason");
    msg = k8f_kobj_text(status, "message");

    if (code > 0) {
        k8f_buf_printf(b, "%d ", code);
    }

    k8f_ev_reason(b, reason, code);

    if (msg != NULL) {
        k8f_ev_add(b, ": ");
        k8f_ev_value(b, msg);
    }

    if (code == 403 && msg != NULL) {
        k8f_ev_rbac(b, msg);

    } else if (code == 401) {
        k8f_ev_add(b, " (the API refused the token: expired or not a "
                   "service-account token)");

    } else if (code == 404) {
        k8f_ev_add(b, " (deleted, or replaced since the alert fired)");

    } else if (code == 400 && msg != NULL
               && strstr(msg, "previous terminated container") != NULL)
    {
        k8f_ev_add(b, " (no previous instance: the container has not "
                   "restarted)");

    } else if (code == 429) {
        k8f_ev_add(b, " (throttled by the API server's priority and "
                   "fairness)");
    }

    k8f_ev_add(b, "\n");
}


/* "NotFound" -> "not found"; without a reason, the HTTP one */

static void
k8f_ev_reason(k8f_buf_t *b, const char *reason, int code)
{
    char         c;
    size_t       i;
    const char  *s;

    if (reason == NULL) {
        switch (code) {
        case 400: s = "bad request"; break;
        case 401: s = "unauthorized"; break;
        case 403: s = "forbidden"; break;
        case 404: s = "not found"; break;
        case 405: s = "method not allowed"; break;
        case 409: s = "conflict"; break;
        case 410: s = "gone"; break;
        case 422: s = "invalid"; break;
        case 429: s = "too many requests"; break;
        case 500: s = "internal error"; break;
        case 502: s = "bad gateway"; break;
        case 503: s = "service unavailable"; break;
        case 504: s = "gateway timeout"; break;
        default: s = "failed";
        }

        k8f_buf_add(b, s, strlen(s));
        return;
    }

    for (i = 0; reason[i] && i < 64; i++) {
        c = reason[i];

        if (c >= 'A' && c <= 'Z') {
            if (i > 0) {
                k8f_ev_add(b, " ");
            }

            c = c - 'A' + 'a';

        } else if ((unsigned char) c < 0x20 || c == 0x7f) {
            c = ' ';
        }

        k8f_buf_add(b, &c, 1);
    }
}


/*
 * From 'cannot get resource "pods/log" in API group "" in the namespace
 * "billing"': " (RBAC lacks get on pods/log in namespace billing)".
 */

static void
k8f_ev_rbac(k8f_buf_t *b, const char *msg)
{
    size_t       vlen, rlen, glen, nlen;
    const char  *verb, *res, *group, *ns, *end;

    verb = strstr(msg, "cannot ");

    if (verb == NULL) {
        return;
    }

    verb += 7;
    end = strchr(verb, ' ');

    if (end == NULL) {
        return;
    }

    vlen = end - verb;

    res = k8f_ev_quoted(end, "resource ", &rlen);

    if (res == NULL) {
        return;
    }

    group = k8f_ev_quoted(res + rlen, "API group ", &glen);
    ns = k8f_ev_quoted(res + rlen, "namespace ", &nlen);

    k8f_ev_add(b, " (RBAC lacks ");
    k8f_ev_valuen(b, verb, vlen);
    k8f_ev_add(b, " on ");
    k8f_ev_valuen(b, res, rlen);

    if (glen) {
        k8f_ev_add(b, ".");
        k8f_ev_valuen(b, group, glen);
    }

    if (ns != NULL) {
        k8f_ev_add(b, " in namespace ");
        k8f_ev_valuen(b, ns, nlen);
        k8f_ev_add(b, ")");

    } else {
        k8f_ev_add(b, " at cluster scope)");
    }
}


/* the text inside the quotes that follow "<after>" in p */

static const char *
k8f_ev_quoted(const char *p, const char *after, size_t *len)
{
    const char  *start, *end;

    *len = 0;

    p = strstr(p, after);

    if (p == NULL) {
        return NULL;
    }

    p += strlen(after);

    if (*p != '"') {
        return NULL;
    }

    start = p + 1;
    end = strchr(start, '"');

    if (end == NULL) {
        return NULL;
    }

    *len = end - start;

    return start;
}
