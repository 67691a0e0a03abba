
/*
 * Opsgenie outgoing webhooks: {"action":"Create", "alert":{...},
 * "source":{...}, "integrationName":...}.  One alert per webhook; every
 * action on it (acknowledge, note, tag, close...) sends the alert again.
 * "description" and "details" only come with "Create" and custom actions
 * when the integration is told to add them.
 */


#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


static int k8f_opsgenie_score(json_t *payload, char *reason, size_t size);
static void k8f_opsgenie_priority(json_t *alert, json_t *priority);
static void k8f_opsgenie_entity(json_t *alert, const char *entity);
static json_t *k8f_opsgenie_normalize(json_t *payload, char *err,
    size_t size);


const k8f_adapter_t  k8f_opsgenie_adapter = {
    "opsgenie",
    "Opsgenie",
    k8f_opsgenie_score,
    k8f_opsgenie_normalize
};


/* Opsgenie's names of its priorities P1..P5 */
static const char *const  k8f_opsgenie_priorities[] = {
    "critical", "high", "moderate", "low", "informational"
};


static int
k8f_opsgenie_score(json_t *payload, char *reason, size_t size)
{
    int      score;
    json_t  *alert;

    alert = k8f_object(payload, "alert");

    if (k8f_str(payload, "action") == NULL || alert == NULL) {
        return k8f_decline(reason, size,
                           "no \"action\" with an \"alert\" object");
    }

    score = 3;

    if (json_object_get(alert, "alertId") != NULL) {
        score += 2;
    }

    if (json_object_get(alert, "tinyId") != NULL) {
        score++;
    }

    if (json_object_get(alert, "alias") != NULL) {
        score++;
    }

    if (json_object_get(payload, "integrationName") != NULL
        || json_object_get(payload, "integrationId") != NULL)
    {
        score += 2;
    }

    if (k8f_object(payload, "source") != NULL) {
        score++;
    }

    return score;
}


/* 3, "3", "P3" and "p3" are all P3, "moderate" */

static void
k8f_opsgenie_priority(json_t *alert, json_t *priority)
{
    int          n;
    char         buf[3];
    const char  *s;

    if (json_is_integer(priority)) {
        n = (int) json_integer_value(priority);

    } else if (json_is_string(priority)) {
        s = json_string_value(priority);

        if (*s == 'P' || *s == 'p') {
            s++;
        }

        n = (s[0] >= '1' && s[0] <= '5' && s[1] == '\0') ? s[0] - '0' : 0;

    } else {
        return;
    }

    if (n < 1 || n > 5) {
        return;
    }

    k8f_alert_set_str(alert, "severity", k8f_opsgenie_priorities[n - 1]);

    buf[0] = 'P';
    buf[1] = (char) ('0' + n);
    buf[2] = '\0';

    if (json_object_get(json_object_get(alert, "labels"), "priority")
        == NULL)
    {
        json_object_set_new(json_object_get(alert, "labels"), "priority",
                            json_string(buf));
    }
}


/* an entity of the form "namespace/pod" names both */

static void
k8f_opsgenie_entity(json_t *alert, const char *entity)
{
    json_t      *v;
    const char  *slash;

    slash = strchr(entity, '/');

    if (slash == NULL
        || !k8f_k8s_value_ok("namespace", entity, slash - entity, 1)
        || !k8f_k8s_value_ok("pod", slash + 1, strlen(slash + 1), 1)
        || !json_is_null(json_object_get(alert, "namespace")))
    {
        return;
    }

    v = json_stringn(entity, slash - entity);
    k8f_alert_set(alert, "namespace", v);
    json_decref(v);

    v = json_string(slash + 1);
    k8f_alert_default(alert, "pod", v);
    json_decref(v);
}


static json_t *
k8f_opsgenie_normalize(json_t *payload, char *err, size_t size)
{
    char         skip[64];
    json_t      *alert, *alerts, *og, *details, *v;
    const char  *action, *s;

    og = k8f_object(payload, "alert");
    action = k8f_str(payload, "action");

    if (og == NULL || action == NULL) {
        return k8f_fail(err, size,
                        "no \"action\" with an \"alert\" object");
    }

    alert = k8f_alert_new(k8f_opsgenie_adapter.title);
    alerts = json_array();

    if (alert == NULL || alerts == NULL) {
        json_decref(alert);
        json_decref(alerts);
        return k8f_fail(err, size, "out of memory");
    }

    /*
     * Only "Create" is a new alert to analyse; "Close" and "Delete" end
     * it.  Every other action (Acknowledge, AddNote, AddTags, Escalate,
     * UnAcknowledge, custom actions...) re-sends an alert that was
     * analysed when it was created.
     */

    if (strcasecmp(action, "Create") == 0) {
        k8f_alert_set_str(alert, "status", "firing");

    } else if (strcasecmp(action, "Close") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");

    } else if (strcasecmp(action, "Delete") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "deleted");

    } else if (strcasecmp(action, "Acknowledge") == 0) {
        k8f_alert_set_str(alert, "status", "firing");
        k8f_alert_set_str(alert, "skip", "acknowledged");

    } else {
        k8f_alert_set_str(alert, "status", "firing");
        snprintf(skip, sizeof(skip), "%.30s is not an alert creation",
                 action);
        k8f_alert_set_str(alert, "skip", skip);

        /* a cut through a UTF-8 sequence is no JSON string */

        if (json_is_null(json_object_get(alert, "skip"))) {
            k8f_alert_set_str(alert, "skip", "not an alert creation");
        }
    }

    details = k8f_object(og, "details");

    k8f_alert_set(alert, "alertname", json_object_get(details, "alertname"));
    k8f_alert_default(alert, "alertname", json_object_get(og, "message"));

    /* details are the alert's own key/values, tags come second */

    k8f_alert_merge(alert, "labels", details);
    k8f_alert_tags(alert, json_object_get(og, "tags"));

    k8f_opsgenie_priority(alert, json_object_get(og, "priority"));
    k8f_alert_default(alert, "severity",
                      json_object_get(details, "severity"));
    k8f_alert_k8s_from_labels(alert);

    s = k8f_str(og, "entity");

    if (s != NULL) {
        k8f_opsgenie_entity(alert, s);
    }

    s = k8f_str(og, "message");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    s = k8f_str(og, "description");

    if (s != NULL) {
        k8f_alert_extract(alert, s);
    }

    v = json_object();

    if (v != NULL) {
        json_object_set(v, "summary", json_object_get(og, "message"));
        json_object_set(v, "description", json_object_get(og, "description"));
        json_object_set(v, "entity", json_object_get(og, "entity"));
        json_object_set(v, "note", json_object_get(og, "note"));
        k8f_alert_merge(alert, "annotations", v);
        json_decref(v);
    }

    k8f_alert_time(alert, json_object_get(og, "createdAt"));

    if (json_is_null(json_object_get(alert, "starts_at"))) {
        k8f_alert_time(alert, json_object_get(og, "updatedAt"));
    }

    k8f_alert_set(alert, "fingerprint", json_object_get(og, "alertId"));
    k8f_alert_default(alert, "fingerprint", json_object_get(og, "alias"));

    k8f_alert_finish(alert);
    json_array_append_new(alerts, alert);

    return alerts;
}
