
/*
 * Helpers shared by the adapters: typed getters, the normalized alert
 * builder, Kubernetes label fallbacks, time conversion, fingerprints.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdarg.h>
#include <stdint.h>
#include <limits.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


#define K8F_NAME_MAX        253
#define K8F_LABEL_MAX       63

/* 1971-01-01 and 9999-12-31T23:59:59: anything outside is not a time */
#define K8F_TIME_MIN        31536000LL
#define K8F_TIME_MAX        253402300799LL


typedef struct {
    const char            *field;
    const char            *keys[12];
} k8f_k8s_keys_t;


typedef struct {
    const char            *key;
    size_t                 key_len;
    const char            *value;
    size_t                 value_len;
} k8f_label_t;


static void k8f_real_format(double d, char *buf, size_t size);
static json_t *k8f_labels(json_t *alert, const char *which);
static json_t *k8f_label_get(json_t *labels, const char *key);
static int k8f_is_null(json_t *alert, const char *key);
static void k8f_tag(json_t *labels, const char *p, size_t len);
static int k8f_rfc3339(char *s, size_t len);
static int k8f_contains(const char *s, size_t len, const char *what);
static int k8f_time_epoch(json_t *alert, json_t *value);
static void k8f_time_set(json_t *alert, long long sec, long long frac,
    int digits);
static uint64_t k8f_fnv(uint64_t h, const void *data, size_t len);
static int k8f_label_cmp(const void *one, const void *two);
static void k8f_alert_fingerprint(json_t *alert);


/*
 * Normalized Kubernetes fields and the label names that carry them, in
 * order of preference: Prometheus/kube-state-metrics, Datadog, generic
 * k8s_*, Prometheus relabelling, OpenTelemetry and fluentd spellings.
 */

static const k8f_k8s_keys_t  k8f_k8s_keys[] = {

    { "namespace", { "namespace", "kube_namespace", "k8s_namespace",
                     "kubernetes_namespace", "exported_namespace",
                     "namespace_name", "namespacename", "k8s.namespace.name",
                     "kubernetes.namespace_name", NULL } },

    { "pod", { "pod", "pod_name", "k8s_pod", "kube_pod", "kube_pod_name",
               "kubernetes_pod_name", "exported_pod", "podname",
               "k8s.pod.name", "kubernetes.pod_name", NULL } },

    { "container", { "container", "container_name", "kube_container_name",
                     "k8s_container", "kubernetes_container_name",
                     "exported_container", "containername",
                     "k8s.container.name", "kubernetes.container_name",
                     NULL } },

    { "service", { "service", "kube_service", "k8s_service",
                   "kubernetes_service", "service_name", "exported_service",
                   "k8s.service.name", NULL } },

    { "node", { "node", "node_name", "kube_node", "kube_node_name",
                "k8s_node", "kubernetes_node", "exported_node", "nodename",
                "k8s.node.name", "kubernetes.host", NULL } },

    { "cluster", { "cluster", "cluster_name", "kube_cluster_name",
                   "k8s_cluster", "kubernetes_cluster", "exported_cluster",
                   "clustername", "k8s.cluster.name", NULL } }
};


static const char  *k8f_alert_keys[] = {
    "source", "status", "skip", "alertname", "severity", "namespace", "pod",
    "container", "service", "node", "cluster", "labels", "annotations",
    "starts_at", "generator_url", "fingerprint", NULL
};


json_t *
k8f_get(json_t *obj, const char *path)
{
    json_t      *v;
    const char  *dot;

    if (path == NULL) {
        return NULL;
    }

    while (json_is_object(obj)) {

        /* flat keys such as VictorOps' "ALERT.entity_id" come first */

        v = json_object_get(obj, path);
        if (v != NULL) {
            return v;
        }

        dot = strchr(path, '.');
        if (dot == NULL) {
            return NULL;
        }

        obj = json_object_getn(obj, path, dot - path);
        path = dot + 1;
    }

    return NULL;
}


const char *
k8f_str(json_t *obj, const char *path)
{
    return json_string_value(k8f_get(obj, path));
}


json_t *
k8f_object(json_t *obj, const char *path)
{
    json_t  *v;

    v = k8f_get(obj, path);

    return json_is_object(v) ? v : NULL;
}


json_t *
k8f_array(json_t *obj, const char *path)
{
    json_t  *v;

    v = k8f_get(obj, path);

    return json_is_array(v) ? v : NULL;
}


json_t *
k8f_scalar_string(json_t *v)
{
    char  buf[64];

    if (v == NULL) {
        return NULL;
    }

    switch (json_typeof(v)) {

    case JSON_STRING:
        if (json_string_length(v) == 0) {
            return NULL;
        }

        return json_stringn_nocheck(json_string_value(v),
                                    json_string_length(v));

    case JSON_INTEGER:
        snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
                 json_integer_value(v));
        return json_string(buf);

    case JSON_REAL:
        k8f_real_format(json_real_value(v), buf, sizeof(buf));
        return json_string(buf);

    case JSON_TRUE:
        return json_string("true");

    case JSON_FALSE:
        return json_string("false");

    default:
        return NULL;
    }
}


/* integral reals without exponent, others in their shortest exact form */

static void
k8f_real_format(double d, char *buf, size_t size)
{
    int  prec;

    if (d > -1e18 && d < 1e18 && d == (double) (long long) d) {
        snprintf(buf, size, "%lld", (long long) d);
        return;
    }

    for (prec = 15; prec < 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);

        if (strtod(buf, NULL) == d) {
            return;
        }
    }

    snprintf(buf, size, "%.17g", d);
}


int
k8f_has_any(json_t *obj, const char *const *keys)
{
    size_t       i;
    json_t      *v;
    const char  *key;

    if (!json_is_object(obj) || keys == NULL) {
        return 0;
    }

    json_object_foreach(obj, key, v) {
        for (i = 0; keys[i] != NULL; i++) {
            if (strcasecmp(key, keys[i]) == 0) {
                return 1;
            }
        }
    }

    return 0;
}


json_t *
k8f_alert_new(const char *source)
{
    json_t  *alert, *v;
    size_t   i;

    alert = json_object();
    if (alert == NULL) {
        return NULL;
    }

    for (i = 0; k8f_alert_keys[i] != NULL; i++) {

        if (strcmp(k8f_alert_keys[i], "source") == 0) {
            v = source ? json_string(source) : json_null();

        } else if (strcmp(k8f_alert_keys[i], "status") == 0) {
            v = json_string("firing");

        } else if (strcmp(k8f_alert_keys[i], "labels") == 0
                   || strcmp(k8f_alert_keys[i], "annotations") == 0)
        {
            v = json_object();

        } else {
            v = json_null();
        }

        if (json_object_set_new(alert, k8f_alert_keys[i], v) != 0) {
            json_decref(alert);
            return NULL;
        }
    }

    return alert;
}


void
k8f_alert_set(json_t *alert, const char *key, json_t *value)
{
    json_t  *s;

    if (!json_is_object(alert) || key == NULL) {
        return;
    }

    s = k8f_scalar_string(value);
    if (s != NULL) {
        json_object_set_new(alert, key, s);
    }
}


void
k8f_alert_set_str(json_t *alert, const char *key, const char *s)
{
    json_t  *v;

    if (!json_is_object(alert) || key == NULL || s == NULL || *s == '\0') {
        return;
    }

    v = json_string(s);
    if (v != NULL) {
        json_object_set_new(alert, key, v);
    }
}


void
k8f_alert_default(json_t *alert, const char *key, json_t *value)
{
    if (k8f_is_null(alert, key)) {
        k8f_alert_set(alert, key, value);
    }
}


static int
k8f_is_null(json_t *alert, const char *key)
{
    json_t  *v;

    if (!json_is_object(alert) || key == NULL) {
        return 0;
    }

    v = json_object_get(alert, key);

    return v == NULL || json_is_null(v);
}


/* the alert's "labels" or "annotations" object, made one if it is not */

static json_t *
k8f_labels(json_t *alert, const char *which)
{
    json_t  *obj;

    if (!json_is_object(alert) || which == NULL) {
        return NULL;
    }

    obj = json_object_get(alert, which);
    if (json_is_object(obj)) {
        return obj;
    }

    obj = json_object();
    if (json_object_set_new(alert, which, obj) != 0) {
        return NULL;
    }

    return obj;
}


void
k8f_alert_merge(json_t *alert, const char *which, json_t *src)
{
    json_t      *dst, *v, *s;
    size_t       len;
    const char  *key;

    if (!json_is_object(src)) {
        return;
    }

    dst = k8f_labels(alert, which);
    if (dst == NULL) {
        return;
    }

    json_object_keylen_foreach(src, key, len, v) {

        if (len == 0 || json_object_getn(dst, key, len) != NULL) {
            continue;
        }

        s = k8f_scalar_string(v);
        if (s != NULL) {
            json_object_setn_new(dst, key, len, s);
        }
    }
}


void
k8f_alert_tags(json_t *alert, json_t *tags)
{
    json_t      *labels, *v, *s;
    size_t       i, len;
    const char  *p, *comma, *end;

    if (json_is_object(tags)) {
        k8f_alert_merge(alert, "labels", tags);
        return;
    }

    labels = k8f_labels(alert, "labels");
    if (labels == NULL) {
        return;
    }

    if (json_is_string(tags)) {
        p = json_string_value(tags);
        end = p + json_string_length(tags);

        while (p < end) {
            comma = memchr(p, ',', end - p);
            len = (comma ? comma : end) - p;

            k8f_tag(labels, p, len);

            p += len + 1;
        }

        return;
    }

    json_array_foreach(tags, i, v) {
        s = k8f_scalar_string(v);
        if (s == NULL) {
            continue;
        }

        k8f_tag(labels, json_string_value(s), json_string_length(s));
        json_decref(s);
    }
}


/* one "k:v" or bare tag; the first value seen for a key wins */

static void
k8f_tag(json_t *labels, const char *p, size_t len)
{
    size_t       klen, vlen;
    const char  *colon, *v;

    while (len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
        p++;
        len--;
    }

    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'
                   || p[len - 1] == '\n' || p[len - 1] == '\r'))
    {
        len--;
    }

    if (len == 0) {
        return;
    }

    colon = memchr(p, ':', len);

    if (colon == NULL) {
        klen = len;
        v = p + len;
        vlen = 0;

    } else {
        klen = colon - p;
        v = colon + 1;
        vlen = len - klen - 1;
    }

    while (klen && (p[klen - 1] == ' ' || p[klen - 1] == '\t')) {
        klen--;
    }

    while (vlen && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }

    if (klen == 0 || json_object_getn(labels, p, klen) != NULL) {
        return;
    }

    json_object_setn_new(labels, p, klen, json_stringn_nocheck(v, vlen));
}


const char *
k8f_k8s_field(const char *key, size_t len)
{
    size_t  i, k;

    if (key == NULL) {
        return NULL;
    }

    for (i = 0; i < sizeof(k8f_k8s_keys) / sizeof(k8f_k8s_keys[0]); i++) {
        for (k = 0; k8f_k8s_keys[i].keys[k] != NULL; k++) {

            if (strlen(k8f_k8s_keys[i].keys[k]) == len
                && strncasecmp(key, k8f_k8s_keys[i].keys[k], len) == 0)
            {
                return k8f_k8s_keys[i].field;
            }
        }
    }

    return NULL;
}


/*
 * From labels (strict == 0) a value only has to be a plausible path
 * segment; from free text (strict) it must be a Kubernetes name: DNS
 * labels for namespaces, containers and services, DNS subdomains for
 * pods and nodes, and a looser token for cluster names.
 */

int
k8f_k8s_value_ok(const char *field, const char *value, size_t len,
    int strict)
{
    int          dots, upper;
    size_t       i, max;
    const char  *p;
    unsigned char       c;

    if (field == NULL || value == NULL || len == 0 || len > K8F_NAME_MAX) {
        return 0;
    }

    /* kube-prometheus labels every series with the scrape target's service */

    if (strcmp(field, "service") == 0
        && ((len == 7 && memcmp(value, "kubelet", 7) == 0)
            || k8f_contains(value, len, "kube-state-metrics")
            || k8f_contains(value, len, "node-exporter")))
    {
        return 0;
    }

    if (!strict) {
        for (i = 0; i < len; i++) {
            c = (unsigned char) value[i];

            if (c <= ' ' || c == 0x7f || c == '/' || c == '"' || c == '\\') {
                return 0;
            }
        }

        return 1;
    }

    if (strcmp(field, "cluster") == 0) {
        dots = 1;
        upper = 1;
        max = K8F_NAME_MAX;

    } else if (strcmp(field, "pod") == 0 || strcmp(field, "node") == 0) {
        dots = 1;
        upper = 0;
        max = K8F_NAME_MAX;

    } else {
        dots = 0;
        upper = 0;
        max = K8F_LABEL_MAX;
    }

    if (len > max) {
        return 0;
    }

    for (p = value, i = 0; i < len; i++) {
        c = (unsigned char) p[i];

        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            continue;
        }

        if (upper && c >= 'A' && c <= 'Z') {
            continue;
        }

        if (i == 0 || i == len - 1) {
            return 0;
        }

        if (c == '-' || (dots && c == '.') || (upper && c == '_')) {
            continue;
        }

        return 0;
    }

    return 1;
}


static int
k8f_contains(const char *s, size_t len, const char *what)
{
    size_t  n, i;

    n = strlen(what);

    for (i = 0; i + n <= len; i++) {
        if (memcmp(s + i, what, n) == 0) {
            return 1;
        }
    }

    return 0;
}


/* exact label name first, then any case: "Namespace" in Opsgenie details */

static json_t *
k8f_label_get(json_t *labels, const char *key)
{
    json_t      *v;
    const char  *k;

    v = json_object_get(labels, key);
    if (v != NULL) {
        return v;
    }

    json_object_foreach(labels, k, v) {
        if (strcasecmp(k, key) == 0) {
            return v;
        }
    }

    return NULL;
}


void
k8f_alert_k8s_from_labels(json_t *alert)
{
    size_t         i, k;
    json_t        *labels, *v;
    const char    *field;

    if (!json_is_object(alert)) {
        return;
    }

    labels = json_object_get(alert, "labels");
    if (!json_is_object(labels)) {
        return;
    }

    for (i = 0; i < sizeof(k8f_k8s_keys) / sizeof(k8f_k8s_keys[0]); i++) {
        field = k8f_k8s_keys[i].field;

        if (!k8f_is_null(alert, field)) {
            continue;
        }

        for (k = 0; k8f_k8s_keys[i].keys[k] != NULL; k++) {
            v = k8f_label_get(labels, k8f_k8s_keys[i].keys[k]);

            if (json_is_string(v)
                && k8f_k8s_value_ok(field, json_string_value(v),
                                    json_string_length(v), 0))
            {
                json_object_set(alert, field, v);
                break;
            }
        }
    }
}


void
k8f_alert_time(json_t *alert, json_t *value)
{
    int          big;
    char         buf[64];
    size_t       len, i;
    long long    n;
    const char  *s;

    if (!json_is_object(alert) || value == NULL) {
        return;
    }

    if (!json_is_string(value)) {
        k8f_time_epoch(alert, value);
        return;
    }

    s = json_string_value(value);
    len = json_string_length(value);

    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }

    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t')) {
        len--;
    }

    if (len == 0 || len >= sizeof(buf)) {
        return;
    }

    memcpy(buf, s, len);
    buf[len] = '\0';

    n = 0;
    big = 0;

    for (i = 0; i < len; i++) {
        if (buf[i] == '.') {
            big = 1;
            continue;
        }

        if (buf[i] < '0' || buf[i] > '9') {
            break;
        }

        if (n > (LLONG_MAX - 9) / 10) {
            big = 1;
        }

        n = big ? n : n * 10 + (buf[i] - '0');
    }

    if (i == len) {
        /* an epoch sent as a string: "1761901960000" */

        value = big ? json_real(strtod(buf, NULL)) : json_integer(n);

        k8f_time_epoch(alert, value);
        json_decref(value);
        return;
    }

    if (!k8f_rfc3339(buf, len)) {
        return;
    }

    json_object_set_new(alert, "starts_at", json_string(buf));
}


/*
 * "2024-05-01T10:00:00Z", "2021-10-12T09:51:03.157076+02:00": kept as
 * they are, but for the separator and zone letter written in upper case;
 * years before 1971 are placeholders such as Go's zero time.
 */

static int
k8f_rfc3339(char *s, size_t len)
{
    int          year, mon, day, hour, min, sec, mdays;
    char        *p;
    size_t       i;
    static int   days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (len < 20) {
        return 0;
    }

    p = s;

    for (i = 0; i < 19; i++) {
        if (i == 4 || i == 7) {
            if (p[i] != '-') {
                return 0;
            }

        } else if (i == 10) {
            if (p[i] != 'T' && p[i] != 't' && p[i] != ' ') {
                return 0;
            }

        } else if (i == 13 || i == 16) {
            if (p[i] != ':') {
                return 0;
            }

        } else if (p[i] < '0' || p[i] > '9') {
            return 0;
        }
    }

    year = atoi(p);
    mon = atoi(p + 5);
    day = atoi(p + 8);
    hour = atoi(p + 11);
    min = atoi(p + 14);
    sec = atoi(p + 17);

    if (year < 1971 || mon < 1 || mon > 12 || day < 1 || hour > 23
        || min > 59 || sec > 60)
    {
        return 0;
    }

    mdays = days[mon - 1];

    if (mon == 2 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
    {
        mdays = 28;
    }

    if (day > mdays) {
        return 0;
    }

    i = 19;

    if (p[i] == '.') {
        for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) {
            /* void */
        }

        if (i == 20) {
            return 0;
        }
    }

    if (i + 1 == len && (p[i] == 'Z' || p[i] == 'z')) {
        p[i] = 'Z';

    } else if (i + 6 == len && (p[i] == '+' || p[i] == '-')
               && p[i + 1] >= '0' && p[i + 1] <= '2'
               && p[i + 2] >= '0' && p[i + 2] <= '9' && p[i + 3] == ':'
               && p[i + 4] >= '0' && p[i + 4] <= '5'
               && p[i + 5] >= '0' && p[i + 5] <= '9')
    {
        /* void */

    } else {
        return 0;
    }

    p[10] = 'T';

    return 1;
}


/* seconds, milliseconds, microseconds or nanoseconds, by magnitude */

static int
k8f_time_epoch(json_t *alert, json_t *value)
{
    double     d;
    long long  v;

    if (json_is_integer(value)) {
        v = json_integer_value(value);

        if (v <= 0) {
            return 0;
        }

        if (v < 100000000000LL) {
            k8f_time_set(alert, v, 0, 0);

        } else if (v < 100000000000000LL) {
            k8f_time_set(alert, v / 1000, v % 1000, 3);

        } else if (v < 100000000000000000LL) {
            k8f_time_set(alert, v / 1000000, v % 1000000, 6);

        } else {
            k8f_time_set(alert, v / 1000000000, v % 1000000000, 9);
        }

        return 1;
    }

    if (!json_is_real(value)) {
        return 0;
    }

    d = json_real_value(value);

    if (!(d > 0 && d < 1e20)) {
        return 0;
    }

    if (d < 1e11) {
        v = (long long) (d * 1000 + 0.5);
        k8f_time_set(alert, v / 1000, v % 1000, 3);

    } else if (d < 1e14) {
        v = (long long) d;
        k8f_time_set(alert, v / 1000, v % 1000, 3);

    } else if (d < 1e17) {
        v = (long long) d;
        k8f_time_set(alert, v / 1000000, v % 1000000, 6);

    } else if (d < 9e18) {
        v = (long long) d;
        k8f_time_set(alert, v / 1000000000, v % 1000000000, 9);

    } else {
        k8f_time_set(alert, (long long) (d / 1e9), 0, 0);
    }

    return 1;
}


static void
k8f_time_set(json_t *alert, long long sec, long long frac, int digits)
{
    int        y, n;
    char       buf[96];
    unsigned   m, d, doe, yoe, doy, mp;
    long long  days, era, rem;

    if (sec < K8F_TIME_MIN || sec > K8F_TIME_MAX) {
        return;
    }

    days = sec / 86400;
    rem = sec % 86400;

    /* civil from days, after Howard Hinnant's date algorithms */

    days += 719468;
    era = days / 146097;
    doe = (unsigned) (days - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = (int) (yoe + era * 400);
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += (m <= 2);

    n = snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02u", y, m, d,
                 (unsigned) (rem / 3600), (unsigned) (rem / 60 % 60),
                 (unsigned) (rem % 60));

    if (n < 0 || (size_t) n >= sizeof(buf)) {
        return;
    }

    if (frac <= 0) {
        snprintf(buf + n, sizeof(buf) - n, "Z");

    } else if (digits == 3) {
        snprintf(buf + n, sizeof(buf) - n, ".%03uZ", (unsigned) frac);

    } else if (digits == 6) {
        snprintf(buf + n, sizeof(buf) - n, ".%06uZ", (unsigned) frac);

    } else {
        snprintf(buf + n, sizeof(buf) - n, ".%09uZ", (unsigned) frac);
    }

    json_object_set_new(alert, "starts_at", json_string(buf));
}


void
k8f_alert_finish(json_t *alert)
{
    json_t  *labels;

    if (!json_is_object(alert)) {
        return;
    }

    labels = json_object_get(alert, "labels");

    if (json_is_object(labels)) {
        k8f_alert_default(alert, "alertname",
                          json_object_get(labels, "alertname"));
        k8f_alert_default(alert, "severity",
                          json_object_get(labels, "severity"));
    }

    k8f_alert_k8s_from_labels(alert);
    k8f_alert_fingerprint(alert);
}


/*
 * FNV-1a 64 over source, alertname and the labels sorted by name, with
 * 0xff between fields as Prometheus separates label pairs.
 */

static void
k8f_alert_fingerprint(json_t *alert)
{
    char          buf[24];
    json_t       *labels, *v;
    size_t        n, i, len;
    uint64_t      h;
    const char   *key;
    k8f_label_t  *list;
    static unsigned char sep = 0xff;

    if (!json_is_object(alert)) {
        return;
    }

    v = json_object_get(alert, "fingerprint");
    if (json_is_string(v) && json_string_length(v) > 0) {
        return;
    }

    h = 0xcbf29ce484222325ULL;

    v = json_object_get(alert, "source");
    if (json_is_string(v)) {
        h = k8f_fnv(h, json_string_value(v), json_string_length(v));
    }

    h = k8f_fnv(h, &sep, 1);

    v = json_object_get(alert, "alertname");
    if (json_is_string(v)) {
        h = k8f_fnv(h, json_string_value(v), json_string_length(v));
    }

    h = k8f_fnv(h, &sep, 1);

    labels = json_object_get(alert, "labels");
    n = json_is_object(labels) ? json_object_size(labels) : 0;

    list = n ? malloc(n * sizeof(k8f_label_t)) : NULL;

    if (list != NULL) {
        i = 0;

        json_object_keylen_foreach(labels, key, len, v) {
            if (i < n && json_is_string(v)) {
                list[i].key = key;
                list[i].key_len = len;
                list[i].value = json_string_value(v);
                list[i].value_len = json_string_length(v);
                i++;
            }
        }

        qsort(list, i, sizeof(k8f_label_t), k8f_label_cmp);

        for (n = i, i = 0; i < n; i++) {
            h = k8f_fnv(h, list[i].key, list[i].key_len);
            h = k8f_fnv(h, &sep, 1);
            h = k8f_fnv(h, list[i].value, list[i].value_len);
            h = k8f_fnv(h, &sep, 1);
        }

        free(list);
    }

    snprintf(buf, sizeof(buf), "%016llx", (unsigned long long) h);

    json_object_set_new(alert, "fingerprint", json_string(buf));
}


static uint64_t
k8f_fnv(uint64_t h, const void *data, size_t len)
{
    size_t         i;
    const unsigned char  *p;

    p = data;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static int
k8f_label_cmp(const void *one, const void *two)
{
    int                 rc;
    const k8f_label_t  *a, *b;

    a = one;
    b = two;

    rc = memcmp(a->key, b->key,
                a->key_len < b->key_len ? a->key_len : b->key_len);

    if (rc != 0) {
        return rc;
    }

    return (a->key_len > b->key_len) - (a->key_len < b->key_len);
}


json_t *
k8f_fail(char *err, size_t size, const char *fmt, ...)
{
    va_list  args;

    if (err != NULL && size > 0) {
        va_start(args, fmt);
        vsnprintf(err, size, fmt, args);
        va_end(args);
    }

    return NULL;
}


int
k8f_decline(char *reason, size_t size, const char *fmt, ...)
{
    va_list  args;

    if (reason != NULL && size > 0) {
        va_start(args, fmt);
        vsnprintf(reason, size, fmt, args);
        va_end(args);
    }

    return 0;
}
