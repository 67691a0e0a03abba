
/*
 * Datadog webhooks.  The body is whatever the webhook's template says:
 * the default template (body, last_updated, event_type, title, date, org,
 * id) names the monitor scope only inside the title, "[Triggered on
 * {kube_namespace:x,pod_name:y}] ...", and custom templates add
 * $ALERT_TRANSITION, $ALERT_TYPE, $TAGS, $ALERT_SCOPE and friends under the
 * key names of the documented examples (Keep's, the predecessor's).
 */


#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


#define K8F_DATADOG_NONE       0
#define K8F_DATADOG_CRITICAL   1
#define K8F_DATADOG_WARNING    2
#define K8F_DATADOG_NODATA     3
#define K8F_DATADOG_INFO       4
#define K8F_DATADOG_RECOVERED  5
#define K8F_DATADOG_OTHER      6


typedef struct {
    const char   *name;
    int           level;
} k8f_datadog_word_t;


/* the pieces of "[P2] [Triggered on {scope}] Monitor name" */
typedef struct {
    int           level;
    const char   *priority;
    size_t        priority_len;
    const char   *scope;
    size_t        scope_len;
    const char   *name;
    size_t        name_len;
} k8f_datadog_title_t;


static int k8f_datadog_word(const k8f_datadog_word_t *words, const char *s,
    size_t len);
static void k8f_datadog_parse_title(const char *title,
    k8f_datadog_title_t *t);
static int k8f_datadog_event_type(const char *s);
static int k8f_datadog_priority(json_t *v);
static int k8f_datadog_score(json_t *payload, char *reason, size_t size);
static void k8f_datadog_set(json_t *obj, const char *key, const char *s,
    size_t len);
static json_t *k8f_datadog_scope(json_t *payload);
static void k8f_datadog_k8s(json_t *alert);
static void k8f_datadog_fingerprint(json_t *alert, json_t *payload,
    json_t *scope);
static int k8f_datadog_level(json_t *payload, k8f_datadog_title_t *t,
    k8f_datadog_title_t *at);
static void k8f_datadog_severity(json_t *alert, json_t *payload, int level);
static json_t *k8f_datadog_labels(json_t *alert, json_t *payload,
    k8f_datadog_title_t *t);
static void k8f_datadog_text(json_t *alert, json_t *payload);
static json_t *k8f_datadog_normalize(json_t *payload, char *err,
    size_t size);


const k8f_adapter_t  k8f_datadog_adapter = {
    "datadog",
    "Datadog",
    k8f_datadog_score,
    k8f_datadog_normalize
};


/* $ALERT_TRANSITION values, also the title prefixes of monitor events */
static const k8f_datadog_word_t  k8f_datadog_transitions[] = {
    { "Triggered",     K8F_DATADOG_CRITICAL },
    { "Re-Triggered",  K8F_DATADOG_CRITICAL },
    { "Renotify",      K8F_DATADOG_CRITICAL },
    { "Warn",          K8F_DATADOG_WARNING },
    { "Re-Warn",       K8F_DATADOG_WARNING },
    { "No Data",       K8F_DATADOG_NODATA },
    { "Re-No Data",    K8F_DATADOG_NODATA },
    { "Recovered",     K8F_DATADOG_RECOVERED },
    { NULL, 0 }
};


/* $ALERT_TYPE values */
static const k8f_datadog_word_t  k8f_datadog_types[] = {
    { "error",     K8F_DATADOG_CRITICAL },
    { "warning",   K8F_DATADOG_WARNING },
    { "info",      K8F_DATADOG_INFO },
    { "success",   K8F_DATADOG_RECOVERED },
    { NULL, 0 }
};


static const char *const  k8f_datadog_weak[] = {
    "alert_id", "monitor_id", "alert_scope", "scopes", "alert_query",
    "alert_title", "alert_metric", "alert_status", "aggregation_key",
    "last_updated", NULL
};


/*
 * Where Datadog's tag names must win over the shared order: "service" is
 * the unified service tag, "kube_service" the Kubernetes service.
 */
static const char *const  k8f_datadog_k8s_tags[] = {
    "service",  "kube_service",
    "node",     "kube_node",
    "cluster",  "kube_cluster_name",
    NULL
};


static int
k8f_datadog_word(const k8f_datadog_word_t *words, const char *s, size_t len)
{
    for ( /* void */ ; words->name; words++) {
        if (strlen(words->name) == len
            && strncasecmp(words->name, s, len) == 0)
        {
            return words->level;
        }
    }

    return K8F_DATADOG_NONE;
}


/*
 * Leading "[...]" groups are Datadog's: a priority "[P2]" and the
 * transition, possibly with the scope, "[Triggered on {a:b,c:d}]".  A
 * group that is neither belongs to the monitor name and stops the scan.
 */

static void
k8f_datadog_parse_title(const char *title, k8f_datadog_title_t *t)
{
    int          depth, level;
    size_t       n, w;
    const char  *p, *q, *c;

    memset(t, 0, sizeof(k8f_datadog_title_t));

    p = title;

    for ( ;; ) {
        while (*p == ' ') {
            p++;
        }

        if (*p != '[') {
            break;
        }

        depth = 0;

        for (q = p + 1; *q; q++) {
            if (*q == '{') {
                depth++;

            } else if (*q == '}' && depth > 0) {
                depth--;

            } else if (*q == ']' && depth == 0) {
                break;
            }
        }

        if (*q != ']') {
            break;
        }

        c = p + 1;
        n = q - c;

        if (n == 2 && (c[0] == 'P' || c[0] == 'p')
            && c[1] >= '1' && c[1] <= '5')
        {
            t->priority = c;
            t->priority_len = 2;
            p = q + 1;
            continue;
        }

        for (w = 0; w < n && c[w] != ' '; w++) { /* void */ }

        /* "No Data" and "Re-No Data" hold a space */
        if (w < n && strncasecmp(c + w, " Data", 5) == 0) {
            w += 5;
        }

        level = k8f_datadog_word(k8f_datadog_transitions, c, w);

        if (level == K8F_DATADOG_NONE
            || (w < n && strncmp(c + w, " on ", 4) != 0))
        {
            break;
        }

        t->level = level;

        if (w < n) {
            c += w + 4;
            n = q - c;

            if (n >= 2 && c[0] == '{' && c[n - 1] == '}') {
                c++;
                n -= 2;
            }

            t->scope = c;
            t->scope_len = n;
        }

        p = q + 1;
    }

    t->name = p;
    t->name_len = strlen(p);
}


/* "query_alert_monitor", "log_alert", "service_check"... */

static int
k8f_datadog_event_type(const char *s)
{
    size_t       len;
    const char  *p;

    for (p = s; *p; p++) {
        if (!islower((unsigned char) *p) && *p != '_') {
            return 0;
        }
    }

    len = p - s;

    return (len > 8 && strcmp(p - 8, "_monitor") == 0)
           || (len > 6 && strcmp(p - 6, "_alert") == 0)
           || strcmp(s, "service_check") == 0;
}


/* "P1" to "P5" */

static int
k8f_datadog_priority(json_t *v)
{
    const char  *s;

    if (!json_is_string(v) || json_string_length(v) != 2) {
        return 0;
    }

    s = json_string_value(v);

    return (s[0] == 'P' || s[0] == 'p') && s[1] >= '1' && s[1] <= '5';
}


static int
k8f_datadog_score(json_t *payload, char *reason, size_t size)
{
    int                   score, strong;
    const char           *s;
    const char *const    *k;
    json_t               *org;
    k8f_datadog_title_t   t;

    if (!json_is_object(payload)) {
        return k8f_decline(reason, size, "not a JSON object");
    }

    score = 0;
    strong = 0;

    if (k8f_str(payload, "alert_transition") != NULL) {
        score += 3;
        strong = 1;
    }

    s = k8f_str(payload, "event_type");

    if (s != NULL && k8f_datadog_event_type(s)) {
        score += 3;
        strong = 1;
    }

    s = k8f_str(payload, "title");

    if (s != NULL) {
        k8f_datadog_parse_title(s, &t);

        if (t.level != K8F_DATADOG_NONE) {
            score += t.scope ? 3 : 2;
            strong = 1;
        }
    }

    /* monitor messages are Markdown fenced by "%%%" */
    s = k8f_str(payload, "body");

    if (s != NULL && strncmp(s, "%%%", 3) == 0) {
        score += 2;
        strong = 1;
    }

    s = k8f_str(payload, "url");

    if (s != NULL && strstr(s, ".datadoghq.") != NULL) {
        score += 2;
        strong = 1;
    }

    if (!strong) {
        return k8f_decline(reason, size,
                           "no \"alert_transition\", monitor \"event_type\","
                           " \"%%%%%%\" body nor \"[Triggered]\" title");
    }

    s = k8f_str(payload, "alert_type");

    if (s != NULL && k8f_datadog_word(k8f_datadog_types, s, strlen(s))) {
        score++;
    }

    org = k8f_object(payload, "org");

    if (org != NULL && (json_object_get(org, "id") != NULL
                        || json_object_get(org, "name") != NULL))
    {
        score++;
    }

    for (k = k8f_datadog_weak; *k; k++) {
        if (json_object_get(payload, *k) != NULL) {
            score++;
        }
    }

    return score;
}


/* a trimmed piece of text into a still null or missing string key */

static void
k8f_datadog_set(json_t *obj, const char *key, const char *s, size_t len)
{
    json_t  *v;

    while (len && isspace((unsigned char) *s)) {
        s++;
        len--;
    }

    while (len && isspace((unsigned char) s[len - 1])) {
        len--;
    }

    v = json_object_get(obj, key);

    if (len == 0 || (v != NULL && !json_is_null(v))) {
        return;
    }

    v = json_stringn(s, len);

    if (v != NULL) {
        json_object_set_new(obj, key, v);
    }
}


/* $ALERT_SCOPE as one string: Datadog sends "a:b,c:d", some send arrays */

static json_t *
k8f_datadog_scope(json_t *payload)
{
    size_t   i;
    json_t  *v, *e, *out;

    v = json_object_get(payload, "alert_scope");

    if (v == NULL || json_is_null(v)) {
        v = json_object_get(payload, "scopes");
    }

    if (json_is_string(v) && json_string_length(v) > 0) {
        return json_incref(v);
    }

    if (!json_is_array(v)) {
        return NULL;
    }

    out = NULL;

    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0) {
            continue;
        }

        if (out == NULL) {
            out = json_string(json_string_value(e));

        } else {
            json_t  *joined;

            joined = json_sprintf("%s,%s", json_string_value(out),
                                  json_string_value(e));
            json_decref(out);
            out = joined;
        }

        if (out == NULL) {
            return NULL;
        }
    }

    return out;
}


static void
k8f_datadog_k8s(json_t *alert)
{
    json_t             *labels, *v;
    const char *const  *k;

    labels = json_object_get(alert, "labels");

    for (k = k8f_datadog_k8s_tags; *k; k += 2) {
        v = json_object_get(labels, k[1]);

        if (json_is_string(v)
            && k8f_k8s_value_ok(k[0], json_string_value(v),
                                json_string_length(v), 0))
        {
            k8f_alert_default(alert, k[0], v);
        }
    }

    k8f_alert_k8s_from_labels(alert);

    /* "host" is the node of a Kubernetes check, any host otherwise */

    v = json_object_get(labels, "host");

    if (json_is_string(v)
        && (!json_is_null(json_object_get(alert, "namespace"))
            || !json_is_null(json_object_get(alert, "pod")))
        && k8f_k8s_value_ok("node", json_string_value(v),
                            json_string_length(v), 1))
    {
        k8f_alert_default(alert, "node", v);
    }
}


/*
 * $ID is the event's and changes with every transition; a monitor and its
 * group stay the same from Triggered to Recovered, so that is what lets a
 * recovery cancel the queued analysis.  Without either, k8f_alert_finish()
 * hashes the alert name and the labels, the scope among them.
 */

static void
k8f_datadog_fingerprint(json_t *alert, json_t *payload, json_t *scope)
{
    json_t  *monitor, *fp;

    k8f_alert_set(alert, "fingerprint",
                  json_object_get(payload, "aggregation_key"));

    if (!json_is_null(json_object_get(alert, "fingerprint"))) {
        return;
    }

    monitor = k8f_scalar_string(json_object_get(payload, "monitor_id"));

    if (monitor == NULL) {
        monitor = k8f_scalar_string(json_object_get(payload, "alert_id"));
    }

    if (monitor == NULL) {
        return;
    }

    if (scope != NULL) {
        fp = json_sprintf("%s/%s", json_string_value(monitor),
                          json_string_value(scope));
        k8f_alert_set(alert, "fingerprint", fp);
        json_decref(fp);

    } else {
        k8f_alert_set(alert, "fingerprint", monitor);
    }

    json_decref(monitor);
}


/* the transition as sent, else the title's, else the alert type */

static int
k8f_datadog_level(json_t *payload, k8f_datadog_title_t *t,
    k8f_datadog_title_t *at)
{
    int          level;
    const char  *s;

    s = k8f_str(payload, "alert_transition");

    if (s != NULL && *s) {
        level = k8f_datadog_word(k8f_datadog_transitions, s, strlen(s));
        return level ? level : K8F_DATADOG_OTHER;
    }

    if (at->level || t->level) {
        return at->level ? at->level : t->level;
    }

    s = k8f_str(payload, "alert_type");

    return s ? k8f_datadog_word(k8f_datadog_types, s, strlen(s))
             : K8F_DATADOG_NONE;
}


/*
 * A Warn crossed the monitor's warning threshold: it is analysed like any
 * firing alert, as severity "warning", the way Alertmanager users route
 * their warnings.  Keep's template sends $PRIORITY ("P2") as "severity":
 * a priority is a label, not a severity.
 */

static void
k8f_datadog_severity(json_t *alert, json_t *payload, int level)
{
    json_t      *v;
    const char  *s;

    if (level != K8F_DATADOG_CRITICAL && level != K8F_DATADOG_WARNING) {
        s = k8f_str(payload, "alert_type");
        level = s ? k8f_datadog_word(k8f_datadog_types, s, strlen(s))
                  : K8F_DATADOG_NONE;
    }

    switch (level) {

    case K8F_DATADOG_CRITICAL:
        k8f_alert_set_str(alert, "severity", "critical");
        break;

    case K8F_DATADOG_WARNING:
        k8f_alert_set_str(alert, "severity", "warning");
        break;

    case K8F_DATADOG_INFO:
        k8f_alert_set_str(alert, "severity", "info");
        break;
    }

    v = json_object_get(payload, "severity");

    if (!k8f_datadog_priority(v)) {
        k8f_alert_default(alert, "severity", v);
    }
}


/*
 * Labels: the tags, the scope and the scope of the title, which is all
 * the default template says; the priority.  Returns the scope as one
 * string, or NULL.
 */

static json_t *
k8f_datadog_labels(json_t *alert, json_t *payload, k8f_datadog_title_t *t)
{
    json_t  *scope, *labels, *v;

    labels = json_object_get(alert, "labels");

    k8f_alert_tags(alert, json_object_get(payload, "tags"));

    scope = k8f_datadog_scope(payload);

    if (scope != NULL) {
        k8f_alert_tags(alert, scope);
    }

    if (t->scope_len) {
        v = json_stringn(t->scope, t->scope_len);

        if (v != NULL) {
            k8f_alert_tags(alert, v);

            if (scope == NULL) {
                scope = v;

            } else {
                json_decref(v);
            }
        }
    }

    v = json_object_get(payload, "priority");

    if (!json_is_string(v)) {
        v = json_object_get(payload, "severity");
        v = k8f_datadog_priority(v) ? v : NULL;
    }

    if (v != NULL) {
        k8f_datadog_set(labels, "priority", json_string_value(v),
                        json_string_length(v));

    } else if (t->priority_len) {
        k8f_datadog_set(labels, "priority", t->priority, t->priority_len);
    }

    return scope;
}


/* the title, the body without its "%%%" fences, the query and links */

static void
k8f_datadog_text(json_t *alert, json_t *payload)
{
    size_t       len;
    json_t      *annotations, *v;
    const char  *title, *body, *s;

    annotations = json_object_get(alert, "annotations");

    title = k8f_str(payload, "title");

    if (title != NULL) {
        k8f_datadog_set(annotations, "summary", title, strlen(title));
    }

    body = k8f_str(payload, "body");

    if (body != NULL) {
        s = body;
        len = strlen(body);

        if (len >= 3 && strncmp(s, "%%%", 3) == 0) {
            s += 3;
            len -= 3;
        }

        while (len && isspace((unsigned char) s[len - 1])) {
            len--;
        }

        if (len >= 3 && strncmp(s + len - 3, "%%%", 3) == 0) {
            len -= 3;
        }

        k8f_datadog_set(annotations, "description", s, len);
    }

    v = json_object_get(payload, "alert_query");

    if (json_is_string(v)) {
        k8f_datadog_set(annotations, "query", json_string_value(v),
                        json_string_length(v));
    }

    k8f_alert_set(alert, "generator_url", json_object_get(payload, "url"));
    k8f_alert_default(alert, "generator_url",
                      json_object_get(payload, "link"));

    /* the default template links the monitor's group only in the body */

    s = body ? strstr(body, "[Monitor Status](") : NULL;

    if (s != NULL && json_is_null(json_object_get(alert, "generator_url"))) {
        s += sizeof("[Monitor Status](") - 1;
        len = strcspn(s, ") \n");

        if (len > 0 && s[len] == ')') {
            k8f_datadog_set(alert, "generator_url", s, len);
        }
    }
}


static json_t *
k8f_datadog_normalize(json_t *payload, char *err, size_t size)
{
    int                   level;
    json_t               *alert, *alerts, *scope;
    const char           *s;
    k8f_datadog_title_t   t, at;

    if (!json_is_object(payload)) {
        return k8f_fail(err, size, "not a JSON object");
    }

    alert = k8f_alert_new(k8f_datadog_adapter.title);
    alerts = json_array();

    if (alert == NULL || alerts == NULL) {
        json_decref(alert);
        json_decref(alerts);
        return k8f_fail(err, size, "out of memory");
    }

    s = k8f_str(payload, "title");
    k8f_datadog_parse_title(s ? s : "", &t);

    s = k8f_str(payload, "alert_title");
    k8f_datadog_parse_title(s ? s : "", &at);

    level = k8f_datadog_level(payload, &t, &at);

    if (level == K8F_DATADOG_RECOVERED) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");

    } else {
        k8f_alert_set_str(alert, "status", "firing");
    }

    k8f_datadog_severity(alert, payload, level);

    if (at.name_len) {
        k8f_datadog_set(alert, "alertname", at.name, at.name_len);

    } else if (t.name_len) {
        k8f_datadog_set(alert, "alertname", t.name, t.name_len);
    }

    k8f_alert_default(alert, "alertname", json_object_get(payload, "title"));

    scope = k8f_datadog_labels(alert, payload, &t);

    k8f_datadog_text(alert, payload);

    k8f_datadog_k8s(alert);

    s = k8f_str(payload, "title");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    s = k8f_str(payload, "body");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    k8f_alert_time(alert, json_object_get(payload, "last_updated"));

    if (json_is_null(json_object_get(alert, "starts_at"))) {
        k8f_alert_time(alert, json_object_get(payload, "date"));
    }

    k8f_datadog_fingerprint(alert, payload, scope);
    json_decref(scope);

    k8f_alert_finish(alert);
    json_array_append_new(alerts, alert);

    return alerts;
}
