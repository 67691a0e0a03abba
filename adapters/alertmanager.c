
/*
 * Prometheus Alertmanager: the webhook receiver's version 4 envelope,
 * one normalized alert per element of "alerts".
 */


#include <string.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


static int k8f_alertmanager_score(json_t *payload, char *reason,
    size_t size);
static json_t *k8f_alertmanager_normalize(json_t *payload, char *err,
    size_t size);


const k8f_adapter_t  k8f_alertmanager_adapter = {
    "alertmanager",
    "Alertmanager",
    k8f_alertmanager_score,
    k8f_alertmanager_normalize
};


/*
 * "version" "4", "groupKey" and "truncatedAlerts" are the envelope's
 * strong markers; "notification_reason" (v0.32) and "routeLabels" (v0.34)
 * are newer ones; the rest is shared with Grafana's unified alerting.
 */

static int
k8f_alertmanager_score(json_t *payload, char *reason, size_t size)
{
    int          score, labels, starts, url, fp;
    size_t       i;
    json_t      *alerts, *alert;
    const char  *s;

    alerts = json_object_get(payload, "alerts");

    if (!json_is_array(alerts)) {
        return k8f_decline(reason, size, "no \"alerts\" array");
    }

    score = 0;

    s = json_string_value(json_object_get(payload, "version"));
    if (s != NULL && strcmp(s, "4") == 0) {
        score += 3;
    }

    if (json_is_string(json_object_get(payload, "groupKey"))) {
        score += 3;
    }

    if (json_is_integer(json_object_get(payload, "truncatedAlerts"))) {
        score += 2;
    }

    if (json_is_string(json_object_get(payload, "notification_reason"))) {
        score += 2;
    }

    if (json_is_object(json_object_get(payload, "routeLabels"))) {
        score += 2;
    }

    score += json_is_object(json_object_get(payload, "groupLabels"))
             + json_is_object(json_object_get(payload, "commonLabels"))
             + json_is_object(json_object_get(payload, "commonAnnotations"))
             + json_is_string(json_object_get(payload, "externalURL"))
             + json_is_string(json_object_get(payload, "receiver"));

    s = json_string_value(json_object_get(payload, "status"));
    if (s != NULL && (strcmp(s, "firing") == 0 || strcmp(s, "resolved") == 0))
    {
        score += 1;
    }

    labels = starts = url = fp = 0;

    json_array_foreach(alerts, i, alert) {
        labels |= json_is_object(json_object_get(alert, "labels"));
        starts |= json_is_string(json_object_get(alert, "startsAt"));
        url |= json_is_string(json_object_get(alert, "generatorURL"));
        fp |= json_is_string(json_object_get(alert, "fingerprint"));
    }

    if (score == 0 && !labels) {
        return k8f_decline(reason, size,
                           "\"alerts\" without Alertmanager fields "
                           "(\"labels\", \"groupKey\", \"version\")");
    }

    return 1 + score + 2 * labels + starts + url + fp;
}


static json_t *
k8f_alertmanager_normalize(json_t *payload, char *err, size_t size)
{
    size_t   i;
    json_t  *alerts, *out, *src, *alert;

    alerts = json_object_get(payload, "alerts");

    if (!json_is_array(alerts)) {
        return k8f_fail(err, size, "no \"alerts\" array");
    }

    out = json_array();
    if (out == NULL) {
        return k8f_fail(err, size, "out of memory");
    }

    json_array_foreach(alerts, i, src) {
        alert = k8f_alertmanager_alert(src, payload, "Alertmanager");

        if (alert != NULL && json_array_append_new(out, alert) != 0) {
            json_decref(out);
            return k8f_fail(err, size, "out of memory");
        }
    }

    return out;
}


/*
 * The per-alert "status" decides, the group's only stands in for it;
 * Kubernetes fields come from the labels, then from the summary and
 * description for what the labels lack.
 */

json_t *
k8f_alertmanager_alert(json_t *src, json_t *envelope, const char *source)
{
    json_t      *alert, *labels, *annotations;
    const char  *status;

    if (!json_is_object(src)) {
        return NULL;
    }

    alert = k8f_alert_new(source);
    if (alert == NULL) {
        return NULL;
    }

    labels = json_object_get(src, "labels");
    annotations = json_object_get(src, "annotations");

    k8f_alert_merge(alert, "labels", labels);
    k8f_alert_merge(alert, "labels", json_object_get(envelope,
                                                     "commonLabels"));
    k8f_alert_merge(alert, "annotations", annotations);
    k8f_alert_merge(alert, "annotations", json_object_get(envelope,
                                                          "commonAnnotations"));

    status = json_string_value(json_object_get(src, "status"));

    if (status == NULL
        || (strcmp(status, "firing") != 0 && strcmp(status, "resolved") != 0))
    {
        status = json_string_value(json_object_get(envelope, "status"));
    }

    if (status != NULL && strcmp(status, "resolved") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");
    }

    labels = json_object_get(alert, "labels");
    annotations = json_object_get(alert, "annotations");

    k8f_alert_set(alert, "alertname", json_object_get(labels, "alertname"));
    k8f_alert_set(alert, "severity", json_object_get(labels, "severity"));

    k8f_alert_time(alert, json_object_get(src, "startsAt"));
    k8f_alert_set(alert, "generator_url",
                  json_object_get(src, "generatorURL"));
    k8f_alert_set(alert, "fingerprint", json_object_get(src, "fingerprint"));

    k8f_alert_k8s_from_labels(alert);

    k8f_alert_extract(alert, json_string_value(json_object_get(annotations,
                                                               "summary")));
    k8f_alert_extract(alert, json_string_value(json_object_get(annotations,
                                                          "description")));

    k8f_alert_finish(alert);

    return alert;
}
