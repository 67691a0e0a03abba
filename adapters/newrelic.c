
/*
 * New Relic webhooks in two generations:
 *
 *   - Workflows ("issues"): the default template sends id, issueUrl,
 *     title, priority, impactedEntities, totalIncidents, state, trigger,
 *     isCorrelated (sometimes the string "false"), createdAt, updatedAt,
 *     sources, alertPolicyNames, alertConditionNames, workflowName; edited
 *     templates add entity data or accumulated tags;
 *   - legacy alert channels ("incidents"): account_id, incident_id,
 *     event_type, current_state, condition_name, policy_name, details,
 *     severity, targets[] with labels, timestamp...
 */


#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


static int k8f_newrelic_score(json_t *payload, char *reason, size_t size);
static json_t *k8f_newrelic_first(json_t *v);
static void k8f_newrelic_label(json_t *alert, const char *key, json_t *v);
static void k8f_newrelic_lower(json_t *alert, const char *key, json_t *v);
static void k8f_newrelic_attributes(json_t *alert, json_t *obj);
static void k8f_newrelic_entity(json_t *alert, json_t *name, json_t *type,
    json_t *product);
static void k8f_newrelic_field(json_t *alert, const char *field,
    const char *s, size_t len);
static void k8f_newrelic_workflows(json_t *alert, json_t *payload);
static void k8f_newrelic_legacy(json_t *alert, json_t *payload);
static void k8f_newrelic_k8s(json_t *alert, json_t *payload);
static json_t *k8f_newrelic_normalize(json_t *payload, char *err,
    size_t size);


const k8f_adapter_t  k8f_newrelic_adapter = {
    "newrelic",
    "New Relic",
    k8f_newrelic_score,
    k8f_newrelic_normalize
};


typedef struct {
    const char   *key;
    int           points;
} k8f_newrelic_marker_t;


/* markers of one generation or the other; 2 points and more are strong */
static const k8f_newrelic_marker_t  k8f_newrelic_markers[] = {
    { "issueUrl",                  3 },
    { "alertPolicyNames",          2 },
    { "alertConditionNames",       2 },
    { "impactedEntities",          2 },
    { "totalIncidents",            2 },
    { "workflowName",              2 },
    { "isCorrelated",              1 },
    { "entitiesData",              1 },
    { "incident_acknowledge_url",  3 },
    { "violation_callback_url",    2 },
    { "policy_name",               2 },
    { "condition_name",            2 },
    { "incident_id",               1 },
    { "account_id",                1 },
    { "incident_url",              1 },
    { "policy_url",                1 },
    { "condition_id",              1 },
    { "violation_chart_url",       1 },
    { "timestamp_utc_string",      1 },
    { NULL, 0 }
};


typedef struct {
    const char   *type;
    const char   *field;
} k8f_newrelic_type_t;


/* entity types that name a Kubernetes object */
static const k8f_newrelic_type_t  k8f_newrelic_types[] = {
    { "KUBERNETES_POD",        "pod" },
    { "K8S_POD",               "pod" },
    { "POD",                   "pod" },
    { "KUBERNETES_CONTAINER",  "container" },
    { "K8S_CONTAINER",         "container" },
    { "KUBERNETES_NODE",       "node" },
    { "K8S_NODE",              "node" },
    { "KUBERNETESCLUSTER",     "cluster" },
    { "KUBERNETES_CLUSTER",    "cluster" },
    { "K8S_CLUSTER",           "cluster" },
    { NULL, NULL }
};


/* "namespace:pod:container" names of the predecessor's targets */
static const char *const  k8f_newrelic_target_fields[] = {
    "namespace", "pod", "container", NULL
};


/* objects of edited templates whose members are labels */
static const char *const  k8f_newrelic_attribute_objects[] = {
    "accumulations", "k8s", "kubernetes", "labels", "tags", NULL
};


static int
k8f_newrelic_score(json_t *payload, char *reason, size_t size)
{
    int                            score, strong;
    const char                    *s;
    const k8f_newrelic_marker_t   *m;

    if (!json_is_object(payload)) {
        return k8f_decline(reason, size, "not a JSON object");
    }

    score = 0;
    strong = 0;

    for (m = k8f_newrelic_markers; m->key; m++) {
        if (json_object_get(payload, m->key) != NULL) {
            score += m->points;
            strong |= (m->points > 1);
        }
    }

    s = k8f_str(payload, "current_state");

    if (s != NULL && (strcmp(s, "open") == 0 || strcmp(s, "closed") == 0
                      || strcmp(s, "acknowledged") == 0
                      || strcmp(s, "test") == 0))
    {
        score += 3;
        strong = 1;
    }

    if (!strong) {
        return k8f_decline(reason, size,
                           "no \"issueUrl\", \"alertPolicyNames\","
                           " \"current_state\" nor \"policy_name\"");
    }

    s = k8f_str(payload, "state");

    if (s != NULL && (strcmp(s, "CREATED") == 0 || strcmp(s, "ACTIVATED") == 0
                      || strcmp(s, "CLOSED") == 0))
    {
        score++;
    }

    return score;
}


/* a scalar, or the first scalar of an array: templates send either */

static json_t *
k8f_newrelic_first(json_t *v)
{
    size_t   i;
    json_t  *e;

    if (!json_is_array(v)) {
        return v;
    }

    json_array_foreach(v, i, e) {
        if (json_is_string(e) || json_is_number(e)) {
            return e;
        }
    }

    return NULL;
}


static void
k8f_newrelic_label(json_t *alert, const char *key, json_t *v)
{
    json_t  *labels;

    labels = json_object_get(alert, "labels");

    if (json_object_get(labels, key) != NULL) {
        return;
    }

    v = k8f_scalar_string(k8f_newrelic_first(v));

    if (v != NULL) {
        json_object_set_new(labels, key, v);
    }
}


/* "CRITICAL" as "critical", like the severities of the other systems */

static void
k8f_newrelic_lower(json_t *alert, const char *key, json_t *v)
{
    char         buf[32];
    size_t       i;
    const char  *s;

    if (!json_is_string(v)) {
        return;
    }

    s = json_string_value(v);

    for (i = 0; s[i] && i < sizeof(buf) - 1; i++) {
        buf[i] = (char) tolower((unsigned char) s[i]);
    }

    buf[i] = '\0';

    k8f_alert_set_str(alert, key, buf);
}


/* {"tag.namespaceName": ["payments"], "podName": "x"} into labels */

static void
k8f_newrelic_attributes(json_t *alert, json_t *obj)
{
    json_t      *v;
    const char  *k, *name;

    json_object_foreach(obj, k, v) {
        name = (strncmp(k, "tag.", 4) == 0) ? k + 4 : k;

        if (*name) {
            k8f_newrelic_label(alert, name, v);
        }
    }
}


/*
 * An impacted entity says what it is: a pod entity names the pod, and
 * the predecessor's KUBERNETES targets were "namespace:pod:container".
 */

static void
k8f_newrelic_entity(json_t *alert, json_t *name, json_t *type,
    json_t *product)
{
    size_t                       len;
    const char                  *s, *t, *end, *c;
    const char *const           *f;
    const k8f_newrelic_type_t   *e;

    if (!json_is_string(name) || json_string_length(name) == 0) {
        return;
    }

    s = json_string_value(name);
    end = s + json_string_length(name);

    if (json_is_string(product)
        && strcasecmp(json_string_value(product), "KUBERNETES") == 0
        && memchr(s, ':', end - s) != NULL)
    {
        for (f = k8f_newrelic_target_fields; *f && s < end; f++) {
            c = memchr(s, ':', end - s);
            len = (c ? c : end) - s;

            if (k8f_k8s_value_ok(*f, s, len, 1)) {
                k8f_newrelic_field(alert, *f, s, len);
            }

            s = c ? c + 1 : end;
        }

        return;
    }

    if (!json_is_string(type)) {
        return;
    }

    t = json_string_value(type);

    for (e = k8f_newrelic_types; e->type; e++) {
        if (strcasecmp(e->type, t) == 0
            && k8f_k8s_value_ok(e->field, s, end - s, 1))
        {
            k8f_newrelic_field(alert, e->field, s, end - s);
            return;
        }
    }
}


/* a piece of a string into a Kubernetes field still null */

static void
k8f_newrelic_field(json_t *alert, const char *field, const char *s,
    size_t len)
{
    json_t  *v;

    v = json_stringn(s, len);
    k8f_alert_default(alert, field, v);
    json_decref(v);
}


/*
 * An issue is CREATED, then ACTIVATED, then CLOSED; an acknowledgement
 * re-sends it ACTIVATED with the trigger USER_ACTION.
 */

static void
k8f_newrelic_workflows(json_t *alert, json_t *payload)
{
    json_t      *v;
    const char  *state, *trigger;

    state = k8f_str(payload, "state");
    trigger = k8f_str(payload, "trigger");

    if (state != NULL && strcasecmp(state, "CLOSED") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");

    } else if (trigger != NULL && strcasecmp(trigger, "USER_ACTION") == 0) {
        k8f_alert_set_str(alert, "status", "firing");
        k8f_alert_set_str(alert, "skip", "acknowledged");

    } else {
        k8f_alert_set_str(alert, "status", "firing");
    }

    k8f_alert_set(alert, "alertname",
                  k8f_newrelic_first(json_object_get(payload,
                                                     "alertConditionNames")));
    k8f_alert_default(alert, "alertname", json_object_get(payload, "title"));

    k8f_newrelic_lower(alert, "severity", json_object_get(payload,
                                                          "priority"));

    k8f_newrelic_label(alert, "policy_name",
                       json_object_get(payload, "alertPolicyNames"));
    k8f_newrelic_label(alert, "condition_name",
                       json_object_get(payload, "alertConditionNames"));
    k8f_newrelic_label(alert, "entity",
                       json_object_get(payload, "impactedEntities"));

    v = json_object();

    if (v != NULL) {
        json_object_set(v, "summary", json_object_get(payload, "title"));
        json_object_set(v, "description",
                        json_object_get(payload, "description"));
        json_object_set(v, "runbook_url",
                        json_object_get(payload, "runbookUrl"));
        k8f_alert_merge(alert, "annotations", v);
        json_decref(v);
    }

    k8f_alert_time(alert, json_object_get(payload, "createdAt"));
    k8f_alert_set(alert, "generator_url",
                  json_object_get(payload, "issueUrl"));
    k8f_alert_set(alert, "fingerprint", json_object_get(payload, "id"));
}


static void
k8f_newrelic_legacy(json_t *alert, json_t *payload)
{
    size_t       i;
    json_t      *targets, *target, *v;
    const char  *state;

    state = k8f_str(payload, "current_state");

    /* "test" is the channel test an SRE sends to check the pipe: queued */

    if (state != NULL && strcasecmp(state, "closed") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");

    } else if (state != NULL && strcasecmp(state, "acknowledged") == 0) {
        k8f_alert_set_str(alert, "status", "firing");
        k8f_alert_set_str(alert, "skip", "acknowledged");

    } else {
        k8f_alert_set_str(alert, "status", "firing");
    }

    k8f_alert_set(alert, "alertname",
                  json_object_get(payload, "condition_name"));
    k8f_alert_default(alert, "alertname",
                      json_object_get(payload, "policy_name"));

    k8f_newrelic_lower(alert, "severity", json_object_get(payload,
                                                          "severity"));

    targets = k8f_array(payload, "targets");

    json_array_foreach(targets, i, target) {
        if (!json_is_object(target)) {
            continue;
        }

        k8f_alert_merge(alert, "labels", k8f_object(target, "labels"));
        k8f_newrelic_label(alert, "entity", json_object_get(target, "name"));
    }

    k8f_newrelic_label(alert, "policy_name",
                       json_object_get(payload, "policy_name"));
    k8f_newrelic_label(alert, "condition_name",
                       json_object_get(payload, "condition_name"));

    v = json_object();

    if (v != NULL) {
        json_object_set(v, "summary",
                        json_object_get(payload, "condition_name"));
        json_object_set(v, "description", json_object_get(payload,
                                                          "details"));
        json_object_set(v, "runbook_url",
                        json_object_get(payload, "runbook_url"));
        json_object_set(v, "incident_url",
                        json_object_get(payload, "incident_url"));
        k8f_alert_merge(alert, "annotations", v);
        json_decref(v);
    }

    k8f_alert_time(alert, json_object_get(payload, "timestamp"));

    if (json_is_null(json_object_get(alert, "starts_at"))) {
        k8f_alert_time(alert, json_object_get(payload,
                                              "timestamp_utc_string"));
    }

    k8f_alert_set(alert, "generator_url",
                  json_object_get(payload, "incident_url"));

    /* every channel test is incident 0: leave those to the hash */

    v = k8f_scalar_string(json_object_get(payload, "incident_id"));

    if (v != NULL && strcmp(json_string_value(v), "0") != 0) {
        k8f_alert_set(alert, "fingerprint", v);
    }

    json_decref(v);
}


/*
 * Explicit attributes first, then what the impacted entities are, then
 * the free text.
 */

static void
k8f_newrelic_k8s(json_t *alert, json_t *payload)
{
    size_t              i;
    json_t             *targets, *data, *names, *types, *v;
    const char         *s;
    const char *const  *k;

    for (k = k8f_newrelic_attribute_objects; *k; k++) {
        k8f_newrelic_attributes(alert, k8f_object(payload, *k));
    }

    /* namespaceName, podName... are among the shared label names */

    k8f_alert_k8s_from_labels(alert);

    targets = k8f_array(payload, "targets");

    json_array_foreach(targets, i, v) {
        k8f_newrelic_entity(alert, k8f_get(v, "name"), k8f_get(v, "type"),
                            k8f_get(v, "product"));
    }

    data = k8f_object(payload, "entitiesData");
    names = k8f_array(data, "names");
    types = k8f_array(data, "types");

    json_array_foreach(names, i, v) {
        k8f_newrelic_entity(alert, v, json_array_get(types, i), NULL);
    }

    v = k8f_object(payload, "entity");

    if (v != NULL) {
        k8f_newrelic_label(alert, "entity", json_object_get(v, "name"));
        k8f_newrelic_entity(alert, json_object_get(v, "name"),
                            json_object_get(v, "type"),
                            json_object_get(v, "product"));
    }

    s = k8f_str(payload, "title");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    s = json_string_value(json_object_get(alert, "alertname"));

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    s = k8f_str(payload, "details");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }
}


static json_t *
k8f_newrelic_normalize(json_t *payload, char *err, size_t size)
{
    json_t  *alert, *alerts;

    if (!json_is_object(payload)) {
        return k8f_fail(err, size, "not a JSON object");
    }

    alert = k8f_alert_new(k8f_newrelic_adapter.title);
    alerts = json_array();

    if (alert == NULL || alerts == NULL) {
        json_decref(alert);
        json_decref(alerts);
        return k8f_fail(err, size, "out of memory");
    }

    if (json_object_get(payload, "issueUrl") != NULL
        || json_object_get(payload, "alertConditionNames") != NULL
        || json_object_get(payload, "alertPolicyNames") != NULL
        || json_object_get(payload, "impactedEntities") != NULL
        || json_object_get(payload, "workflowName") != NULL
        || (json_object_get(payload, "current_state") == NULL
            && json_object_get(payload, "state") != NULL))
    {
        k8f_newrelic_workflows(alert, payload);

    } else {
        k8f_newrelic_legacy(alert, payload);
    }

    k8f_newrelic_k8s(alert, payload);

    k8f_alert_finish(alert);
    json_array_append_new(alerts, alert);

    return alerts;
}
