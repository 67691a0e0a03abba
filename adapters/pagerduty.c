
/*
 * PagerDuty: Generic Webhooks V3 ({"event":{"event_type":...}}), the
 * deprecated V2 and V1 ({"messages":[...]}, one alert per message), and
 * the k8flex predecessor's V2-like shape with "incident.custom_details".
 */


#include <stdio.h>
#include <string.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


/* longer or multi-line details are text to search, not labels */
#define K8F_PAGERDUTY_LABEL_MAX  256


static int k8f_pagerduty_score(json_t *payload, char *reason, size_t size);
static int k8f_pagerduty_url(json_t *obj, const char *key);
static json_t *k8f_pagerduty_normalize(json_t *payload, char *err,
    size_t size);
static json_t *k8f_pagerduty_v3(json_t *event, const char *type);
static json_t *k8f_pagerduty_message(json_t *msg);
static void k8f_pagerduty_event(json_t *alert, const char *type,
    json_t *incident);
static void k8f_pagerduty_incident(json_t *alert, json_t *incident);
static void k8f_pagerduty_details(json_t *alert, json_t *details);
static void k8f_pagerduty_text(json_t *alert, json_t *incident);


const k8f_adapter_t  k8f_pagerduty_adapter = {
    "pagerduty",
    "PagerDuty",
    k8f_pagerduty_score,
    k8f_pagerduty_normalize
};


/* what an event means for the alert; any other event is not a trigger */

static const struct {
    const char  *type;
    const char  *status;
    const char  *skip;
} k8f_pagerduty_events[] = {
    { "incident.triggered", "firing", NULL },
    { "incident.reopened", "firing", NULL },
    { "incident.unacknowledged", "firing", NULL },
    { "incident.acknowledged", "firing", "acknowledged" },
    { "incident.resolved", "resolved", "resolved" },

    /* V2 and V1 */
    { "incident.trigger", "firing", NULL },
    { "incident.unacknowledge", "firing", NULL },
    { "incident.acknowledge", "firing", "acknowledged" },
    { "incident.resolve", "resolved", "resolved" },
    { NULL, NULL, NULL }
};


/* where an incident or its log entries carry the event's details */

static const char  *k8f_pagerduty_details_paths[] = {
    "custom_details",
    "body.details",
    "body.cef_details.details",
    "first_trigger_log_entry.channel.details",
    "first_trigger_log_entry.channel.cef_details.details",
    NULL
};


static const char  *k8f_pagerduty_entry_paths[] = {
    "channel.details",
    "channel.cef_details.details",
    NULL
};


/*
 * An "incident.*" event type is the strong marker of every version;
 * V3 adds "resource_type" and typed "data", V2 "log_entries" and
 * "webhook", V1 "data.incident"; links point into pagerduty.com.
 */

static int
k8f_pagerduty_score(json_t *payload, char *reason, size_t size)
{
    int          score;
    size_t       i;
    json_t      *event, *data, *messages, *msg, *incident;
    const char  *type;

    event = json_object_get(payload, "event");
    type = json_string_value(json_object_get(event, "event_type"));

    if (type != NULL) {
        score = 3;

        if (strncmp(type, "incident.", 9) == 0
            || strncmp(type, "pagey.", 6) == 0)
        {
            score += 3;
        }

        score += 2 * json_is_string(json_object_get(event, "resource_type"))
                 + json_is_string(json_object_get(event, "occurred_at"))
                 + json_is_object(json_object_get(event, "agent"));

        data = json_object_get(event, "data");

        if (json_is_object(data)) {
            score += 1 + json_is_string(json_object_get(data, "type"));

            incident = json_object_get(data, "incident");

            score += k8f_pagerduty_url(data, "html_url")
                     + k8f_pagerduty_url(data, "self")
                     + k8f_pagerduty_url(incident, "html_url");
        }

        return score;
    }

    messages = json_object_get(payload, "messages");

    if (!json_is_array(messages)) {
        return k8f_decline(reason, size,
                           "no \"event.event_type\" nor \"messages\"");
    }

    msg = NULL;

    json_array_foreach(messages, i, msg) {
        if (json_is_object(msg)) {
            break;
        }
    }

    if (!json_is_object(msg)) {
        return k8f_decline(reason, size, "\"messages\" holds no message");
    }

    type = json_string_value(json_object_get(msg, "event"));
    if (type == NULL) {
        type = json_string_value(json_object_get(msg, "type"));
    }

    if (type == NULL) {
        return k8f_decline(reason, size,
                           "\"messages[%zu]\" has no \"event\" nor \"type\"",
                           i);
    }

    score = (strncmp(type, "incident.", 9) == 0) ? 6 : 2;

    incident = json_object_get(msg, "incident");

    if (json_is_object(incident)) {
        score += 2;

    } else {
        incident = k8f_object(msg, "data.incident");
        score += incident ? 3 : 0;
    }

    score += 2 * json_is_array(json_object_get(msg, "log_entries"))
             + 2 * json_is_object(json_object_get(msg, "webhook"))
             + json_is_string(json_object_get(msg, "created_on"))
             + k8f_pagerduty_url(incident, "html_url");

    return score;
}


static int
k8f_pagerduty_url(json_t *obj, const char *key)
{
    const char  *s;

    s = json_string_value(json_object_get(obj, key));

    return (s != NULL && strstr(s, "pagerduty.com/") != NULL) ? 2 : 0;
}


static json_t *
k8f_pagerduty_normalize(json_t *payload, char *err, size_t size)
{
    size_t       i;
    json_t      *event, *messages, *msg, *out, *alert;
    const char  *type;

    event = json_object_get(payload, "event");
    type = json_string_value(json_object_get(event, "event_type"));
    messages = json_object_get(payload, "messages");

    if (type == NULL && !json_is_array(messages)) {
        return k8f_fail(err, size, "no \"event.event_type\" nor \"messages\"");
    }

    out = json_array();
    if (out == NULL) {
        return k8f_fail(err, size, "out of memory");
    }

    if (type != NULL) {
        alert = k8f_pagerduty_v3(event, type);

        if (alert == NULL || json_array_append_new(out, alert) != 0) {
            json_decref(out);
            return k8f_fail(err, size, "out of memory");
        }

        return out;
    }

    json_array_foreach(messages, i, msg) {
        alert = k8f_pagerduty_message(msg);

        if (alert != NULL && json_array_append_new(out, alert) != 0) {
            json_decref(out);
            return k8f_fail(err, size, "out of memory");
        }
    }

    return out;
}


/*
 * V3: "data" is the incident for incident events; others, such as
 * incident.custom_field_values.updated, hold a reference to it.
 */

static json_t *
k8f_pagerduty_v3(json_t *event, const char *type)
{
    json_t      *alert, *data, *incident;
    const char  *s;

    alert = k8f_alert_new("PagerDuty");
    if (alert == NULL) {
        return NULL;
    }

    data = json_object_get(event, "data");
    incident = data;

    s = json_string_value(json_object_get(data, "type"));

    if ((s == NULL || strcmp(s, "incident") != 0)
        && json_is_object(json_object_get(data, "incident")))
    {
        incident = json_object_get(data, "incident");
    }

    k8f_pagerduty_event(alert, type, incident);
    k8f_pagerduty_incident(alert, incident);

    /* a trigger occurs when the incident starts; an ack or resolve later */

    if (json_is_null(json_object_get(alert, "starts_at"))
        && json_is_null(json_object_get(alert, "skip")))
    {
        k8f_alert_time(alert, json_object_get(event, "occurred_at"));
    }

    k8f_pagerduty_text(alert, incident);
    k8f_alert_finish(alert);

    return alert;
}


/* V2: "event" and "incident"; V1: "type" and "data.incident" */

static json_t *
k8f_pagerduty_message(json_t *msg)
{
    size_t       i, k;
    json_t      *alert, *incident, *entries, *entry;
    const char  *type;

    if (!json_is_object(msg)) {
        return NULL;
    }

    alert = k8f_alert_new("PagerDuty");
    if (alert == NULL) {
        return NULL;
    }

    type = json_string_value(json_object_get(msg, "event"));
    if (type == NULL) {
        type = json_string_value(json_object_get(msg, "type"));
    }

    incident = json_object_get(msg, "incident");
    if (!json_is_object(incident)) {
        incident = k8f_object(msg, "data.incident");
    }

    k8f_pagerduty_event(alert, type, incident);
    k8f_pagerduty_incident(alert, incident);

    entries = json_object_get(msg, "log_entries");

    json_array_foreach(entries, i, entry) {
        for (k = 0; k8f_pagerduty_entry_paths[k] != NULL; k++) {
            k8f_pagerduty_details(alert,
                                  k8f_get(entry,
                                          k8f_pagerduty_entry_paths[k]));
        }
    }

    k8f_pagerduty_text(alert, incident);
    k8f_alert_finish(alert);

    return alert;
}


static void
k8f_pagerduty_event(json_t *alert, const char *type, json_t *incident)
{
    int          i;
    char         skip[K8F_REASON_LEN];
    const char  *status;

    for (i = 0; type != NULL && k8f_pagerduty_events[i].type != NULL; i++) {
        if (strcmp(type, k8f_pagerduty_events[i].type) == 0) {
            k8f_alert_set_str(alert, "status",
                              k8f_pagerduty_events[i].status);
            k8f_alert_set_str(alert, "skip", k8f_pagerduty_events[i].skip);
            return;
        }
    }

    status = json_string_value(json_object_get(incident, "status"));

    if (status != NULL && strcmp(status, "resolved") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
    }

    if (type == NULL) {
        k8f_alert_set_str(alert, "skip", "no event type");
        return;
    }

    snprintf(skip, sizeof(skip), "%.64s is not a trigger", type);
    k8f_alert_set_str(alert, "skip", skip);
}


/*
 * The incident's title names the alert; severity is the incident's
 * priority ("P1") or else its urgency ("high"); the incident id, stable
 * from trigger to resolve, is the fingerprint.
 */

static void
k8f_pagerduty_incident(json_t *alert, json_t *incident)
{
    size_t   i;
    json_t  *priority, *labels, *v;

    if (!json_is_object(incident)) {
        return;
    }

    k8f_alert_set(alert, "alertname", json_object_get(incident, "title"));
    k8f_alert_default(alert, "alertname",
                      k8f_get(incident, "trigger_summary_data.subject"));
    k8f_alert_default(alert, "alertname",
                      k8f_get(incident, "trigger_summary_data.description"));
    k8f_alert_default(alert, "alertname",
                      json_object_get(incident, "summary"));
    k8f_alert_default(alert, "alertname",
                      json_object_get(incident, "description"));

    for (i = 0; k8f_pagerduty_details_paths[i] != NULL; i++) {
        k8f_pagerduty_details(alert,
                              k8f_get(incident,
                                      k8f_pagerduty_details_paths[i]));
    }

    labels = json_object_get(alert, "labels");

    priority = json_object_get(incident, "priority");
    if (json_is_object(priority)) {
        priority = json_object_get(priority, "summary");
    }

    k8f_alert_set(alert, "severity", json_object_get(labels, "severity"));
    k8f_alert_default(alert, "severity", priority);
    k8f_alert_default(alert, "severity",
                      json_object_get(incident, "urgency"));

    if (json_is_object(labels)) {
        v = k8f_scalar_string(json_object_get(incident, "urgency"));
        if (v != NULL && json_object_get(labels, "urgency") == NULL) {
            json_object_set(labels, "urgency", v);
        }

        json_decref(v);

        v = k8f_scalar_string(priority);
        if (v != NULL && json_object_get(labels, "priority") == NULL) {
            json_object_set(labels, "priority", v);
        }

        json_decref(v);

        v = k8f_get(incident, "service.summary");
        if (!json_is_string(v)) {
            v = k8f_get(incident, "service.name");
        }

        v = k8f_scalar_string(v);
        if (v != NULL
            && json_object_get(labels, "pagerduty_service") == NULL)
        {
            json_object_set(labels, "pagerduty_service", v);
        }

        json_decref(v);
    }

    k8f_alert_set(alert, "generator_url",
                  json_object_get(incident, "html_url"));

    k8f_alert_set(alert, "fingerprint", json_object_get(incident, "id"));
    k8f_alert_default(alert, "fingerprint",
                      json_object_get(incident, "incident_key"));

    k8f_alert_time(alert, json_object_get(incident, "created_at"));

    if (json_is_null(json_object_get(alert, "starts_at"))) {
        k8f_alert_time(alert, json_object_get(incident, "created_on"));
    }
}


/*
 * Details are an object of custom fields when the event came through
 * the Events API: short ones become labels, as the namespace and pod
 * of an integration do; a text becomes the alert's description.
 */

static void
k8f_pagerduty_details(json_t *alert, json_t *details)
{
    size_t       len;
    json_t      *labels, *annotations, *v, *s;
    const char  *key;

    annotations = json_object_get(alert, "annotations");

    if (json_is_string(details)) {
        if (json_string_length(details) > 0
            && json_object_get(annotations, "description") == NULL)
        {
            json_object_set(annotations, "description", details);
        }

        k8f_alert_extract(alert, json_string_value(details));
        return;
    }

    labels = json_object_get(alert, "labels");

    if (!json_is_object(details) || !json_is_object(labels)) {
        return;
    }

    json_object_keylen_foreach(details, key, len, v) {

        if (json_is_string(v)
            && (json_string_length(v) > K8F_PAGERDUTY_LABEL_MAX
                || memchr(json_string_value(v), '\n', json_string_length(v))))
        {
            k8f_alert_extract(alert, json_string_value(v));
            continue;
        }

        if (len == 0 || json_object_getn(labels, key, len) != NULL) {
            continue;
        }

        s = k8f_scalar_string(v);
        if (s != NULL) {
            json_object_setn_new(labels, key, len, s);
        }
    }
}


/* summary and description, then the text search for what is still missing */

static void
k8f_pagerduty_text(json_t *alert, json_t *incident)
{
    json_t      *annotations, *title, *v;
    const char  *s;

    annotations = json_object_get(alert, "annotations");
    title = json_object_get(alert, "alertname");

    if (json_is_object(annotations) && json_is_string(title)) {
        if (json_object_get(annotations, "summary") == NULL) {
            json_object_set(annotations, "summary", title);
        }

        v = json_object_get(incident, "description");
        if (!json_is_string(v)) {
            v = k8f_get(incident, "trigger_summary_data.description");
        }

        if (json_is_string(v) && json_string_length(v) > 0
            && !json_equal(v, title)
            && json_object_get(annotations, "description") == NULL)
        {
            json_object_set(annotations, "description", v);
        }
    }

    k8f_alert_k8s_from_labels(alert);

    k8f_alert_extract(alert, json_string_value(title));

    s = json_string_value(json_object_get(annotations, "description"));
    k8f_alert_extract(alert, s);
}
