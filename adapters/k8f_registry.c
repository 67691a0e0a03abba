
/*
 * The adapter registry: every adapter scores a payload and the best
 * score wins; normalize() output is checked against the normalized
 * alert contract (k8f_adapter.h) whatever the adapter returned.
 */


#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


static json_t *k8f_canonical(const k8f_adapter_t *adapter, json_t *src);
static json_t *k8f_canonical_string(json_t *v);
static json_t *k8f_canonical_strings(json_t *src);


const k8f_adapter_t  *k8f_adapters[K8F_NADAPTERS] = {
    &k8f_alertmanager_adapter,
    &k8f_pagerduty_adapter,
    &k8f_grafana_adapter,
    &k8f_datadog_adapter,
    &k8f_opsgenie_adapter,
    &k8f_victorops_adapter,
    &k8f_newrelic_adapter
};


/* the string keys of a normalized alert, between "skip" and "labels" */

static const char  *k8f_canonical_keys[] = {
    "alertname", "severity", "namespace", "pod", "container", "service",
    "node", "cluster", NULL
};


int
k8f_adapter_index(const char *name, size_t len)
{
    int  i;

    if (name == NULL) {
        return -1;
    }

    for (i = 0; i < K8F_NADAPTERS; i++) {
        if (strlen(k8f_adapters[i]->name) == len
            && strncasecmp(k8f_adapters[i]->name, name, len) == 0)
        {
            return i;
        }
    }

    return -1;
}


void
k8f_detect(json_t *payload, k8f_detection_t *d)
{
    int  i, score;

    d->winner = -1;

    for (i = 0; i < K8F_NADAPTERS; i++) {
        d->reason[i][0] = '\0';

        if (!json_is_object(payload)) {
            d->score[i] = k8f_decline(d->reason[i], K8F_REASON_LEN,
                                      "body is not a JSON object");
            continue;
        }

        score = k8f_adapters[i]->score(payload, d->reason[i],
                                       K8F_REASON_LEN);

        d->reason[i][K8F_REASON_LEN - 1] = '\0';
        d->score[i] = score > 0 ? score : 0;

        if (d->score[i] == 0 && d->reason[i][0] == '\0') {
            k8f_decline(d->reason[i], K8F_REASON_LEN,
                        "no field of %s seen", k8f_adapters[i]->title);
        }

        /* ties go to the adapter listed first */

        if (d->score[i] > 0
            && (d->winner < 0 || d->score[i] > d->score[d->winner]))
        {
            d->winner = i;
        }
    }

    for (i = 0; d->winner >= 0 && i < K8F_NADAPTERS; i++) {
        if (d->score[i] > 0 && i != d->winner) {
            snprintf(d->reason[i], K8F_REASON_LEN,
                     "scored %d, below %s's %d", d->score[i],
                     k8f_adapters[d->winner]->name, d->score[d->winner]);
        }
    }
}


json_t *
k8f_normalize(int index, json_t *payload, char *err, size_t size)
{
    size_t                i;
    json_t               *raw, *alerts, *alert, *v;
    const k8f_adapter_t  *adapter;

    if (err != NULL && size > 0) {
        err[0] = '\0';
    }

    if (index < 0 || index >= K8F_NADAPTERS) {
        return k8f_fail(err, size, "no adapter number %d", index);
    }

    adapter = k8f_adapters[index];

    if (!json_is_object(payload)) {
        return k8f_fail(err, size, "body is not a JSON object");
    }

    raw = adapter->normalize(payload, err, size);

    if (raw == NULL) {
        if (err != NULL && size > 0 && err[0] == '\0') {
            k8f_fail(err, size, "the %s adapter failed", adapter->name);
        }

        return NULL;
    }

    if (!json_is_array(raw)) {
        json_decref(raw);
        return k8f_fail(err, size, "the %s adapter returned no array",
                        adapter->name);
    }

    alerts = json_array();
    if (alerts == NULL) {
        json_decref(raw);
        return k8f_fail(err, size, "out of memory");
    }

    json_array_foreach(raw, i, v) {
        if (!json_is_object(v)) {
            continue;
        }

        alert = k8f_canonical(adapter, v);

        if (alert == NULL || json_array_append_new(alerts, alert) != 0) {
            json_decref(raw);
            json_decref(alerts);
            return k8f_fail(err, size, "out of memory");
        }
    }

    json_decref(raw);

    return alerts;
}


/*
 * The alert rebuilt key by key in the contract's order and types, so
 * that what the webhook spools is right even if an adapter was not.
 */

static json_t *
k8f_canonical(const k8f_adapter_t *adapter, json_t *src)
{
    size_t       i;
    json_t      *alert, *v;
    const char  *s;

    alert = k8f_alert_new(adapter->title);
    if (alert == NULL) {
        return NULL;
    }

    s = json_string_value(json_object_get(src, "status"));
    if (s != NULL && strcmp(s, "resolved") == 0) {
        json_object_set_new(alert, "status", json_string("resolved"));
        json_object_set_new(alert, "skip", json_string("resolved"));
    }

    v = k8f_canonical_string(json_object_get(src, "skip"));
    if (v != NULL) {
        json_object_set_new(alert, "skip", v);
    }

    for (i = 0; k8f_canonical_keys[i] != NULL; i++) {
        v = k8f_canonical_string(json_object_get(src,
                                                 k8f_canonical_keys[i]));
        if (v != NULL) {
            json_object_set_new(alert, k8f_canonical_keys[i], v);
        }
    }

    v = k8f_canonical_strings(json_object_get(src, "labels"));
    if (v == NULL || json_object_set_new(alert, "labels", v) != 0) {
        json_decref(alert);
        return NULL;
    }

    v = k8f_canonical_strings(json_object_get(src, "annotations"));
    if (v == NULL || json_object_set_new(alert, "annotations", v) != 0) {
        json_decref(alert);
        return NULL;
    }

    v = k8f_canonical_string(json_object_get(src, "starts_at"));
    if (v != NULL) {
        json_object_set_new(alert, "starts_at", v);
    }

    v = k8f_canonical_string(json_object_get(src, "generator_url"));
    if (v != NULL) {
        json_object_set_new(alert, "generator_url", v);
    }

    v = k8f_canonical_string(json_object_get(src, "fingerprint"));
    if (v != NULL) {
        json_object_set_new(alert, "fingerprint", v);
    }

    k8f_alert_finish(alert);

    return alert;
}


static json_t *
k8f_canonical_string(json_t *v)
{
    if (!json_is_string(v) || json_string_length(v) == 0) {
        return NULL;
    }

    return json_copy(v);
}


static json_t *
k8f_canonical_strings(json_t *src)
{
    json_t      *obj, *v, *s;
    size_t       len;
    const char  *key;

    obj = json_object();

    if (obj == NULL || !json_is_object(src)) {
        return obj;
    }

    json_object_keylen_foreach(src, key, len, v) {
        s = json_is_string(v) ? json_copy(v) : k8f_scalar_string(v);

        if (s != NULL && json_object_setn_new(obj, key, len, s) != 0) {
            json_decref(obj);
            return NULL;
        }
    }

    return obj;
}
