
/*
 * Grafana: unified alerting (8+), an Alertmanager envelope with Grafana's
 * own fields, and legacy dashboard alerting (before 8), one alert per
 * notification with "ruleName", "state" and "evalMatches".
 */


#include <stdio.h>
#include <string.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


#define K8F_GRAFANA_VALUES_MAX  1024


static int k8f_grafana_score(json_t *payload, char *reason, size_t size);
static int k8f_grafana_legacy_score(json_t *payload);
static json_t *k8f_grafana_normalize(json_t *payload, char *err,
    size_t size);
static json_t *k8f_grafana_unified(json_t *payload, json_t *src);
static json_t *k8f_grafana_legacy(json_t *payload);
static void k8f_grafana_annotate(json_t *alert, const char *key,
    json_t *value);
static void k8f_grafana_values(json_t *alert, json_t *values);
static void k8f_grafana_matches(json_t *alert, json_t *matches);
static int k8f_grafana_is(json_t *obj, const char *key, const char *value);


const k8f_adapter_t  k8f_grafana_adapter = {
    "grafana",
    "Grafana",
    k8f_grafana_score,
    k8f_grafana_normalize
};


/* per-alert fields of unified alerting that Alertmanager never sends */

static const struct {
    const char  *key;
    int          score;
} k8f_grafana_alert_markers[] = {
    { "silenceURL", 3 },
    { "dashboardURL", 3 },
    { "panelURL", 3 },
    { "valueString", 3 },
    { "values", 2 },
    { "imageURL", 2 },
    { "orgId", 2 },
    { NULL, 0 }
};


/*
 * Unified alerting is Alertmanager-shaped, so it scores what the
 * Alertmanager adapter scores plus its own fields: any Grafana field
 * makes it win, and an Alertmanager body, which has none, is declined.
 */

static int
k8f_grafana_score(json_t *payload, char *reason, size_t size)
{
    int          bonus, seen, k;
    char         buf[K8F_REASON_LEN];
    size_t       i;
    json_t      *alerts, *alert, *labels;
    const char  *s;

    bonus = k8f_grafana_legacy_score(payload);
    if (bonus > 0) {
        return bonus;
    }

    alerts = json_object_get(payload, "alerts");

    if (!json_is_array(alerts)) {
        return k8f_decline(reason, size,
                           "no \"alerts\" array, \"ruleName\" nor "
                           "\"evalMatches\"");
    }

    if (json_object_get(payload, "orgId") != NULL) {
        bonus += 3;
    }

    if (json_is_string(json_object_get(payload, "appVersion"))) {
        bonus += 3;
    }

    if (json_is_string(json_object_get(payload, "state"))) {
        bonus += 2;
    }

    bonus += json_is_string(json_object_get(payload, "title"))
             + json_is_string(json_object_get(payload, "message"));

    s = json_string_value(json_object_get(payload, "version"));
    if (s != NULL && strcmp(s, "1") == 0) {
        bonus += 1;
    }

    seen = 0;

    json_array_foreach(alerts, i, alert) {
        if (!json_is_object(alert)) {
            continue;
        }

        for (k = 0; k8f_grafana_alert_markers[k].key != NULL; k++) {
            if (!(seen & (1 << k))
                && json_object_get(alert, k8f_grafana_alert_markers[k].key))
            {
                seen |= 1 << k;
                bonus += k8f_grafana_alert_markers[k].score;
            }
        }

        labels = json_object_get(alert, "labels");

        if (!(seen & 0x100) && json_object_get(labels, "grafana_folder")) {
            seen |= 0x100;
            bonus += 3;
        }

        if (!(seen & 0x200)
            && json_object_get(labels, "__alert_rule_uid__"))
        {
            seen |= 0x200;
            bonus += 3;
        }
    }

    if (bonus == 0) {
        return k8f_decline(reason, size,
                           "\"alerts\" without Grafana fields (\"orgId\", "
                           "\"state\", \"silenceURL\", \"valueString\")");
    }

    return bonus + k8f_alertmanager_adapter.score(payload, buf, sizeof(buf));
}


/* legacy alerting needs one of its rule fields: "state" alone is common */

static int
k8f_grafana_legacy_score(json_t *payload)
{
    int          score;
    size_t       i;
    const char  *s;
    static const char  *states[] = { "alerting", "ok", "no_data", "pending",
                                     "paused", NULL };

    score = 0;

    if (json_is_array(json_object_get(payload, "evalMatches"))) {
        score += 3;
    }

    if (json_is_string(json_object_get(payload, "ruleName"))) {
        score += 3;
    }

    if (json_is_string(json_object_get(payload, "ruleUrl"))) {
        score += 3;
    }

    if (json_is_integer(json_object_get(payload, "ruleId"))) {
        score += 2;
    }

    if (score == 0) {
        return 0;
    }

    score += (json_object_get(payload, "dashboardId") != NULL)
             + (json_object_get(payload, "panelId") != NULL)
             + (json_object_get(payload, "orgId") != NULL)
             + json_is_string(json_object_get(payload, "imageUrl"))
             + json_is_string(json_object_get(payload, "title"))
             + json_is_string(json_object_get(payload, "message"));

    s = json_string_value(json_object_get(payload, "state"));

    for (i = 0; s != NULL && states[i] != NULL; i++) {
        if (strcmp(s, states[i]) == 0) {
            score++;
            break;
        }
    }

    return score;
}


static json_t *
k8f_grafana_normalize(json_t *payload, char *err, size_t size)
{
    size_t   i;
    json_t  *alerts, *out, *src, *alert;

    alerts = json_object_get(payload, "alerts");

    if (!json_is_array(alerts) && k8f_grafana_legacy_score(payload) == 0) {
        return k8f_fail(err, size,
                        "no \"alerts\" array, \"ruleName\" nor "
                        "\"evalMatches\"");
    }

    out = json_array();
    if (out == NULL) {
        return k8f_fail(err, size, "out of memory");
    }

    if (!json_is_array(alerts)) {
        alert = k8f_grafana_legacy(payload);

        if (alert == NULL || json_array_append_new(out, alert) != 0) {
            json_decref(out);
            return k8f_fail(err, size, "out of memory");
        }

        return out;
    }

    json_array_foreach(alerts, i, src) {
        alert = k8f_grafana_unified(payload, src);

        if (alert != NULL && json_array_append_new(out, alert) != 0) {
            json_decref(out);
            return k8f_fail(err, size, "out of memory");
        }
    }

    return out;
}


/*
 * Grafana's links and evaluated values go into annotations, where the
 * analysis and the notification can show them; the values' labels may
 * name the pod when the rule's labels do not.
 */

static json_t *
k8f_grafana_unified(json_t *payload, json_t *src)
{
    json_t  *alert, *labels, *value;

    alert = k8f_alertmanager_alert(src, payload, "Grafana");
    if (alert == NULL) {
        return NULL;
    }

    k8f_grafana_annotate(alert, "value_string",
                         json_object_get(src, "valueString"));
    k8f_grafana_values(alert, json_object_get(src, "values"));
    k8f_grafana_annotate(alert, "dashboard_url",
                         json_object_get(src, "dashboardURL"));
    k8f_grafana_annotate(alert, "panel_url",
                         json_object_get(src, "panelURL"));
    k8f_grafana_annotate(alert, "silence_url",
                         json_object_get(src, "silenceURL"));
    k8f_grafana_annotate(alert, "image_url",
                         json_object_get(src, "imageURL"));

    value = json_object_get(src, "valueString");
    k8f_alert_extract(alert, json_string_value(value));

    /* a contact point's "Test" button: alertname=TestAlert instance=Grafana */

    labels = json_object_get(alert, "labels");

    if (k8f_grafana_is(alert, "status", "firing")
        && k8f_grafana_is(labels, "alertname", "TestAlert")
        && k8f_grafana_is(labels, "instance", "Grafana"))
    {
        k8f_alert_set_str(alert, "skip", "test notification");
    }

    return alert;
}


/*
 * Legacy alerting: "ok" is resolved, "alerting" and "no_data" fire,
 * "pending" and "paused" are not (yet) alerts; rule 0 is the "Test"
 * button's.  The rule's tags are the labels.
 */

static json_t *
k8f_grafana_legacy(json_t *payload)
{
    json_t      *alert, *rule, *matches;
    const char  *state;

    alert = k8f_alert_new("Grafana");
    if (alert == NULL) {
        return NULL;
    }

    k8f_alert_set(alert, "alertname", json_object_get(payload, "ruleName"));
    k8f_alert_default(alert, "alertname", json_object_get(payload, "title"));

    k8f_alert_tags(alert, json_object_get(payload, "tags"));

    state = json_string_value(json_object_get(payload, "state"));

    if (state != NULL && strcmp(state, "ok") == 0) {
        k8f_alert_set_str(alert, "status", "resolved");
        k8f_alert_set_str(alert, "skip", "resolved");

    } else if (state != NULL
               && (strcmp(state, "pending") == 0
                   || strcmp(state, "paused") == 0))
    {
        k8f_alert_set_str(alert, "skip", state);

    } else {
        rule = json_object_get(payload, "ruleId");

        if (json_is_integer(rule) && json_integer_value(rule) == 0) {
            k8f_alert_set_str(alert, "skip", "test notification");
        }
    }

    k8f_grafana_annotate(alert, "summary", json_object_get(payload, "title"));
    k8f_grafana_annotate(alert, "description",
                         json_object_get(payload, "message"));

    matches = json_object_get(payload, "evalMatches");
    k8f_grafana_matches(alert, matches);

    k8f_grafana_annotate(alert, "image_url",
                         json_object_get(payload, "imageUrl"));

    k8f_alert_set(alert, "generator_url",
                  json_object_get(payload, "ruleUrl"));

    k8f_alert_k8s_from_labels(alert);

    k8f_alert_extract(alert, json_string_value(json_object_get(payload,
                                                               "message")));
    k8f_alert_extract(alert, json_string_value(json_object_get(payload,
                                                               "title")));

    k8f_alert_finish(alert);

    return alert;
}


static void
k8f_grafana_annotate(json_t *alert, const char *key, json_t *value)
{
    json_t  *annotations, *s;

    annotations = json_object_get(alert, "annotations");

    if (!json_is_object(annotations)
        || json_object_get(annotations, key) != NULL)
    {
        return;
    }

    s = k8f_scalar_string(value);
    if (s != NULL) {
        json_object_set_new(annotations, key, s);
    }
}


/* "values" as Grafana's own message writes them: "A=6, C=1" */

static void
k8f_grafana_values(json_t *alert, json_t *values)
{
    char         buf[K8F_GRAFANA_VALUES_MAX];
    size_t       len;
    json_t      *v, *s;
    const char  *key;

    if (!json_is_object(values) || json_object_size(values) == 0) {
        return;
    }

    len = 0;
    buf[0] = '\0';

    json_object_foreach(values, key, v) {
        s = k8f_scalar_string(v);
        if (s == NULL) {
            continue;
        }

        if (len < sizeof(buf)) {
            len += snprintf(buf + len, sizeof(buf) - len, "%s%s=%s",
                            len ? ", " : "", key, json_string_value(s));
        }

        json_decref(s);
    }

    if (len > 0 && len < sizeof(buf)) {
        s = json_string(buf);
        k8f_grafana_annotate(alert, "value_string", s);
        json_decref(s);
    }
}


/*
 * evalMatches: "High value=100, Higher Value=200" as the value; the
 * series' tags give Kubernetes fields that the rule's tags do not, but
 * stay out of the labels, which identify the rule.
 */

static void
k8f_grafana_matches(json_t *alert, json_t *matches)
{
    char         buf[K8F_GRAFANA_VALUES_MAX];
    size_t       i, k, len;
    json_t      *match, *s, *series, *v;
    const char  *metric;
    static const char  *fields[] = { "namespace", "pod", "container",
                                     "service", "node", "cluster", NULL };

    if (!json_is_array(matches) || json_array_size(matches) == 0) {
        return;
    }

    len = 0;
    buf[0] = '\0';

    json_array_foreach(matches, i, match) {
        metric = json_string_value(json_object_get(match, "metric"));
        s = k8f_scalar_string(json_object_get(match, "value"));

        if (metric != NULL && s != NULL && len < sizeof(buf)) {
            len += snprintf(buf + len, sizeof(buf) - len, "%s%s=%s",
                            len ? ", " : "", metric, json_string_value(s));
        }

        json_decref(s);
    }

    if (len > 0 && len < sizeof(buf)) {
        s = json_string(buf);
        k8f_grafana_annotate(alert, "value_string", s);
        json_decref(s);
    }

    series = json_object();
    if (series == NULL) {
        return;
    }

    json_array_foreach(matches, i, match) {
        k8f_alert_merge(series, "labels", json_object_get(match, "tags"));
    }

    k8f_alert_k8s_from_labels(series);

    for (k = 0; fields[k] != NULL; k++) {
        v = json_object_get(series, fields[k]);

        if (v != NULL) {
            k8f_alert_default(alert, fields[k], v);
        }
    }

    json_decref(series);
}


static int
k8f_grafana_is(json_t *obj, const char *key, const char *value)
{
    const char  *s;

    s = json_string_value(json_object_get(obj, key));

    return s != NULL && strcmp(s, value) == 0;
}
