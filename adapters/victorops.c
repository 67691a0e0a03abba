
/*
 * VictorOps (Splunk On-Call) webhooks in three shapes:
 *
 *   - outbound webhooks with a JSON template: flat keys holding dots,
 *     "INCIDENT.CURRENT_PHASE", "STATE.CURRENT_ALERT_PHASE",
 *     "ALERT.message_type", "ALERT.VO_UUID" (single keys, not paths; the
 *     case of the ALERT fields varies, so keys are matched in any case);
 *   - the legacy escalation webhook, form-urlencoded, decoded before us
 *     into bare "message_type", "entity_id", "vo_uuid"...;
 *   - the REST-endpoint alert shape of the predecessor's examples, with
 *     the same bare field names.
 *
 * Alertmanager's victorops notifier puts the alert's labels and
 * annotations as " - name = value" lines into "state_message"; they are
 * read back, as that is where a Kubernetes alert routed this way keeps
 * its namespace and pod.
 */


#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


#define K8F_VICTOROPS_NONE      0
#define K8F_VICTOROPS_FIRING    1
#define K8F_VICTOROPS_ACKED     2
#define K8F_VICTOROPS_INFO      3
#define K8F_VICTOROPS_RESOLVED  4


typedef struct {
    const char   *name;
    int           state;
} k8f_victorops_word_t;


static json_t *k8f_victorops_key(json_t *payload, const char *key);
static json_t *k8f_victorops_field(json_t *payload, const char *name);
static const char *k8f_victorops_str(json_t *payload, const char *name);
static int k8f_victorops_word(const k8f_victorops_word_t *words,
    const char *s);
static int k8f_victorops_score(json_t *payload, char *reason, size_t size);
static const char *k8f_victorops_pairs(json_t *obj, const char *p);
static void k8f_victorops_am(json_t *alert, const char *text);
static int k8f_victorops_state(json_t *payload);
static void k8f_victorops_describe(json_t *alert, json_t *payload);
static void k8f_victorops_k8s(json_t *alert, json_t *payload);
static json_t *k8f_victorops_normalize(json_t *payload, char *err,
    size_t size);


const k8f_adapter_t  k8f_victorops_adapter = {
    "victorops",
    "VictorOps",
    k8f_victorops_score,
    k8f_victorops_normalize
};


static const k8f_victorops_word_t  k8f_victorops_types[] = {
    { "CRITICAL",         K8F_VICTOROPS_FIRING },
    { "WARNING",          K8F_VICTOROPS_FIRING },
    { "INFO",             K8F_VICTOROPS_INFO },
    { "ACKNOWLEDGEMENT",  K8F_VICTOROPS_ACKED },
    { "RECOVERY",         K8F_VICTOROPS_RESOLVED },
    { "OK",               K8F_VICTOROPS_RESOLVED },
    { NULL, 0 }
};


static const k8f_victorops_word_t  k8f_victorops_phases[] = {
    { "UNACKED",   K8F_VICTOROPS_FIRING },
    { "ACKED",     K8F_VICTOROPS_ACKED },
    { "RESOLVED",  K8F_VICTOROPS_RESOLVED },
    { NULL, 0 }
};


static const k8f_victorops_word_t  k8f_victorops_states[] = {
    { "CRITICAL",  K8F_VICTOROPS_FIRING },
    { "WARNING",   K8F_VICTOROPS_FIRING },
    { "OK",        K8F_VICTOROPS_RESOLVED },
    { "UP",        K8F_VICTOROPS_RESOLVED },
    { "RECOVERY",  K8F_VICTOROPS_RESOLVED },
    { NULL, 0 }
};


static const char *const  k8f_victorops_weak[] = {
    "entity_id", "state_message", "entity_display_name", "monitoring_tool",
    "entity_state", NULL
};


/* a key as sent, else in any case */

static json_t *
k8f_victorops_key(json_t *payload, const char *key)
{
    json_t      *v;
    const char  *k;

    v = json_object_get(payload, key);

    if (v != NULL) {
        return v;
    }

    json_object_foreach(payload, k, v) {
        if (strcasecmp(k, key) == 0) {
            return v;
        }
    }

    return NULL;
}


/* "ALERT.name" of outbound webhooks, else the bare "name" of the others */

static json_t *
k8f_victorops_field(json_t *payload, const char *name)
{
    char     key[64];
    json_t  *v;

    snprintf(key, sizeof(key), "ALERT.%s", name);

    v = k8f_victorops_key(payload, key);

    if (v == NULL || json_is_null(v)) {
        v = k8f_victorops_key(payload, name);
    }

    return v;
}


static const char *
k8f_victorops_str(json_t *payload, const char *name)
{
    json_t  *v;

    v = (strchr(name, '.') != NULL) ? k8f_victorops_key(payload, name)
                                    : k8f_victorops_field(payload, name);

    if (!json_is_string(v) || json_string_length(v) == 0) {
        return NULL;
    }

    return json_string_value(v);
}


static int
k8f_victorops_word(const k8f_victorops_word_t *words, const char *s)
{
    if (s == NULL) {
        return K8F_VICTOROPS_NONE;
    }

    for ( /* void */ ; words->name; words++) {
        if (strcasecmp(words->name, s) == 0) {
            return words->state;
        }
    }

    return K8F_VICTOROPS_NONE;
}


static int
k8f_victorops_score(json_t *payload, char *reason, size_t size)
{
    int                 score, flat, vo, type;
    json_t             *v;
    const char         *k, *name;
    const char *const  *w;

    if (!json_is_object(payload)) {
        return k8f_decline(reason, size, "not a JSON object");
    }

    flat = 0;
    vo = 0;

    json_object_foreach(payload, k, v) {
        name = k;

        if (strncasecmp(k, "ALERT.", 6) == 0) {
            name = k + 6;
            flat = 1;

        } else if (strncasecmp(k, "INCIDENT.", 9) == 0
                   || strncasecmp(k, "STATE.", 6) == 0)
        {
            flat = 1;
        }

        if (strncasecmp(name, "vo_", 3) == 0) {
            vo = 1;
        }
    }

    type = k8f_victorops_word(k8f_victorops_types,
                              k8f_victorops_str(payload, "message_type"));

    if (!flat && !vo
        && (type == K8F_VICTOROPS_NONE
            || k8f_victorops_field(payload, "entity_id") == NULL))
    {
        return k8f_decline(reason, size,
                           "no \"ALERT.*\"/\"INCIDENT.*\" fields, \"vo_*\""
                           " field nor \"message_type\" with"
                           " \"entity_id\"");
    }

    score = 0;

    if (flat) {
        score += 3;
    }

    if (k8f_victorops_key(payload, "INCIDENT.CURRENT_PHASE") != NULL) {
        score += 2;
    }

    if (k8f_victorops_key(payload, "STATE.CURRENT_ALERT_PHASE") != NULL) {
        score += 2;
    }

    if (vo) {
        score += 3;
    }

    if (type != K8F_VICTOROPS_NONE) {
        score += 2;
    }

    for (w = k8f_victorops_weak; *w; w++) {
        if (k8f_victorops_field(payload, *w) != NULL) {
            score++;
        }
    }

    return score;
}


/* " - name = value" lines into obj; returns the first other line */

static const char *
k8f_victorops_pairs(json_t *obj, const char *p)
{
    json_t      *v;
    const char  *eol, *eq;

    while (strncmp(p, " - ", 3) == 0) {
        p += 3;
        eol = strchr(p, '\n');

        if (eol == NULL) {
            eol = p + strlen(p);
        }

        for (eq = p; eq + 3 <= eol; eq++) {
            if (strncmp(eq, " = ", 3) == 0) {
                break;
            }
        }

        if (eq + 3 <= eol && eq > p && eol > eq + 3) {
            v = json_stringn(eq + 3, eol - eq - 3);

            if (v != NULL) {
                char  key[128];

                snprintf(key, sizeof(key), "%.*s", (int) (eq - p), p);

                if (json_object_get(obj, key) == NULL) {
                    json_object_set_new(obj, key, v);

                } else {
                    json_decref(v);
                }
            }
        }

        p = (*eol == '\n') ? eol + 1 : eol;
    }

    return p;
}


/*
 * Alertmanager's default "victorops.default.state_message": the first
 * alert's "Labels:" and "Annotations:" lists and its "Source:" URL.
 */

static void
k8f_victorops_am(json_t *alert, const char *text)
{
    size_t       n;
    json_t      *v;
    const char  *p, *eol;

    for (p = text; (p = strstr(p, "Labels:\n")) != NULL; p++) {
        if (p == text || p[-1] == '\n') {
            break;
        }
    }

    if (p == NULL) {
        return;
    }

    p = k8f_victorops_pairs(json_object_get(alert, "labels"), p + 8);

    if (strncmp(p, "Annotations:\n", 13) == 0) {
        p = k8f_victorops_pairs(json_object_get(alert, "annotations"),
                                p + 13);
    }

    if (strncmp(p, "Source: ", 8) == 0) {
        p += 8;
        eol = strchr(p, '\n');
        n = eol ? (size_t) (eol - p) : strlen(p);

        if (n > 0) {
            v = json_stringn(p, n);
            k8f_alert_default(alert, "generator_url", v);
            json_decref(v);
        }
    }
}


/*
 * Firing or not is the alert's own "message_type": an outbound webhook is
 * rendered from the incident when it is sent, so "INCIDENT.CURRENT_PHASE"
 * can already say RESOLVED for the notification of a new CRITICAL alert
 * still UNACKED (the phase-mismatch capture).  A manual acknowledgement or
 * resolution in VictorOps arrives as an ACKNOWLEDGEMENT or RECOVERY alert.
 * The alert's phase only adds that a CRITICAL one was acknowledged; the
 * incident's phase is the last resort.
 */

static int
k8f_victorops_state(json_t *payload)
{
    int          state, phase;
    const char  *s;

    s = k8f_victorops_str(payload, "STATE.CURRENT_ALERT_PHASE");

    if (s == NULL) {
        s = k8f_victorops_str(payload, "current_phase");
    }

    phase = k8f_victorops_word(k8f_victorops_phases, s);

    state = k8f_victorops_word(k8f_victorops_types,
                               k8f_victorops_str(payload, "message_type"));

    if (state == K8F_VICTOROPS_FIRING && phase == K8F_VICTOROPS_ACKED) {
        return K8F_VICTOROPS_ACKED;
    }

    if (state == K8F_VICTOROPS_NONE) {
        state = phase;
    }

    if (state == K8F_VICTOROPS_NONE) {
        state = k8f_victorops_word(k8f_victorops_states,
                                  k8f_victorops_str(payload, "entity_state"));
    }

    if (state == K8F_VICTOROPS_NONE) {
        s = k8f_victorops_str(payload, "INCIDENT.CURRENT_PHASE");
        state = k8f_victorops_word(k8f_victorops_phases, s);
    }

    return (state == K8F_VICTOROPS_NONE) ? K8F_VICTOROPS_FIRING : state;
}


/*
 * Name, severity, labels and annotations: Alertmanager's own when it sent
 * the alert, else the entity's display name and the state message.
 */

static void
k8f_victorops_describe(json_t *alert, json_t *payload)
{
    json_t      *labels, *v;
    const char  *s;

    labels = json_object_get(alert, "labels");

    s = k8f_victorops_str(payload, "state_message");

    if (s != NULL) {
        k8f_victorops_am(alert, s);
    }

    k8f_alert_set(alert, "alertname", json_object_get(labels, "alertname"));
    k8f_alert_default(alert, "alertname",
                      k8f_victorops_field(payload, "entity_display_name"));
    k8f_alert_default(alert, "alertname",
                      k8f_victorops_key(payload,
                                        "INCIDENT.ENTITY_DISPLAY_NAME"));
    k8f_alert_default(alert, "alertname",
                      k8f_victorops_field(payload, "entity_id"));

    k8f_alert_set(alert, "severity", json_object_get(labels, "severity"));

    s = k8f_victorops_str(payload, "message_type");

    if (json_is_null(json_object_get(alert, "severity"))
        && k8f_victorops_word(k8f_victorops_types, s) == K8F_VICTOROPS_FIRING)
    {
        k8f_alert_set_str(alert, "severity",
                          strcasecmp(s, "WARNING") == 0 ? "warning"
                                                        : "critical");
    }

    v = json_object();

    if (v != NULL) {
        json_object_set(v, "entity_id",
                        k8f_victorops_field(payload, "entity_id"));
        json_object_set(v, "monitoring_tool",
                        k8f_victorops_field(payload, "monitoring_tool"));
        k8f_alert_merge(alert, "labels", v);
        json_decref(v);
    }

    v = json_object();

    if (v != NULL) {
        json_object_set(v, "summary",
                        k8f_victorops_field(payload, "entity_display_name"));
        json_object_set(v, "description",
                        k8f_victorops_field(payload, "state_message"));
        k8f_alert_merge(alert, "annotations", v);
        json_decref(v);
    }
}


/*
 * The label table: namespace and pod from an "entity_id" of the form
 * "namespace/pod", the service from "entity_display_name" when it is a
 * service name (it is free text as often), then labels and free text.
 */

static void
k8f_victorops_k8s(json_t *alert, json_t *payload)
{
    json_t      *v;
    const char  *s, *slash, *name;

    s = k8f_victorops_str(payload, "entity_id");
    slash = s ? strchr(s, '/') : NULL;

    if (slash != NULL
        && k8f_k8s_value_ok("namespace", s, slash - s, 1)
        && k8f_k8s_value_ok("pod", slash + 1, strlen(slash + 1), 1))
    {
        v = json_stringn(s, slash - s);
        k8f_alert_default(alert, "namespace", v);
        json_decref(v);

        v = json_string(slash + 1);
        k8f_alert_default(alert, "pod", v);
        json_decref(v);
    }

    name = k8f_victorops_str(payload, "entity_display_name");

    if (name != NULL && k8f_k8s_value_ok("service", name, strlen(name), 1)) {
        k8f_alert_default(alert, "service",
                          k8f_victorops_field(payload,
                                              "entity_display_name"));
    }

    k8f_alert_k8s_from_labels(alert);

    s = k8f_victorops_str(payload, "state_message");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    if (name != NULL) {
        k8f_alert_extract(alert, name);
    }
}


static json_t *
k8f_victorops_normalize(json_t *payload, char *err, size_t size)
{
    static const char *const  times[] = {
        "state_start_time", "STATE.STATE_START_TIME", "VO_ALERT_RCV_TIME",
        "timestamp", "INCIDENT.INCIDENT_TIMESTAMP", NULL
    };

    json_t             *alert, *alerts, *v;
    const char *const  *t;

    if (!json_is_object(payload)) {
        return k8f_fail(err, size, "not a JSON object");
    }

    alert = k8f_alert_new(k8f_victorops_adapter.title);
    alerts = json_array();

    if (alert == NULL || alerts == NULL) {
        json_decref(alert);
        json_decref(alerts);
        return k8f_fail(err, size, "out of memory");
    }

    switch (k8f_victorops_state(payload)) {

    case K8F_VICTOROPS_RESOLVED:
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");
        break;

    case K8F_VICTOROPS_ACKED:
        k8f_alert_set_str(alert, "status", "firing");
        k8f_alert_set_str(alert, "skip", "acknowledged");
        break;

    case K8F_VICTOROPS_INFO:
        /* INFO makes a timeline entry in VictorOps, never an incident */
        k8f_alert_set_str(alert, "status", "firing");
        k8f_alert_set_str(alert, "skip", "informational");
        break;

    default:
        k8f_alert_set_str(alert, "status", "firing");
    }

    k8f_victorops_describe(alert, payload);

    /* VictorOps keys incidents by entity_id: a RECOVERY names the same */

    k8f_alert_set(alert, "fingerprint",
                  k8f_victorops_field(payload, "entity_id"));
    k8f_alert_default(alert, "fingerprint",
                      k8f_victorops_key(payload, "STATE.ENTITY_ID"));

    for (t = times; *t && json_is_null(json_object_get(alert, "starts_at"));
         t++)
    {
        v = (strchr(*t, '.') != NULL) ? k8f_victorops_key(payload, *t)
                                      : k8f_victorops_field(payload, *t);
        k8f_alert_time(alert, v);
    }

    k8f_alert_set(alert, "generator_url",
                  k8f_victorops_field(payload, "alert_url"));
    k8f_alert_default(alert, "generator_url",
                      k8f_victorops_key(payload, "STATE.INFO_URL"));

    k8f_victorops_k8s(alert, payload);

    k8f_alert_finish(alert);
    json_array_append_new(alerts, alert);

    return alerts;
}
