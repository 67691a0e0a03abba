
/*
 * Unit tests of the adapters, without nginx, printing TAP:
 *
 *     adapters_test [--update] FIXTURES_DIR GOLDEN_DIR [SYSTEM ...]
 *
 * Every FIXTURES_DIR/<system>/<name>.json (and .txt, a form body) must be
 * detected as <system> and normalize into GOLDEN_DIR/<system>/<name>.json
 * byte for byte (--update rewrites the goldens of the systems named, or
 * of all).  Then hand-written checks of the label table and of tricky
 * payloads, and a sweep that replaces every value of every fixture by
 * hostile ones and runs every adapter on the result.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "k8f_adapter.h"
#include "k8f_util.h"

#include "tap.h"


#define K8F_TEST_DEEP  200


typedef struct {
    const char            *fixture;
    size_t                 runs;
    int                    failed;
    char                   why[512];
    json_t                *repl;
} k8f_sweep_t;


static json_t *k8f_test_parse(const char *data, size_t len);
static int k8f_test_valid(json_t *alerts, char *why, size_t size);
static int k8f_test_wanted(const char *system, char **systems, int n);
static int k8f_test_select(const struct dirent *de);
static void k8f_test_fixtures(const char *fixtures, const char *golden,
    int update, char **systems, int nsystems, json_t *all);
static void k8f_test_fixture(const char *system, const char *path,
    const char *golden, const char *name, int update, json_t *all);
static json_t *k8f_test_one(const char *json, int index);
static const char *k8f_test_field(json_t *alerts, size_t i,
    const char *key);
static void k8f_test_is(json_t *alerts, size_t i, const char *key,
    const char *want, const char *what);
static void k8f_test_label_table(void);
static void k8f_test_detection(void);
static void k8f_test_pagerduty(void);
static void k8f_test_grafana(void);
static void k8f_test_alertmanager(void);
static void k8f_test_form(void);
static void k8f_test_tags(void);
static void k8f_test_time(void);
static void k8f_test_index(void);
static void k8f_test_extract(void);
static void k8f_test_util(void);
static void k8f_test_sweep(json_t *all);
static void k8f_sweep_walk(k8f_sweep_t *sw, json_t *root, json_t *node);
static void k8f_sweep_check(k8f_sweep_t *sw, json_t *payload);


int
main(int argc, char **argv)
{
    int      update, i;
    json_t  *all;

    update = 0;
    i = 1;

    if (argc > 1 && strcmp(argv[1], "--update") == 0) {
        update = 1;
        i++;
    }

    if (argc - i < 2) {
        fprintf(stderr, "usage: %s [--update] FIXTURES_DIR GOLDEN_DIR "
                "[SYSTEM ...]\n", argv[0]);
        return 2;
    }

    setvbuf(stdout, NULL, _IOLBF, 0);

    all = json_array();

    k8f_test_fixtures(argv[i], argv[i + 1], update, argv + i + 2,
                      argc - i - 2, all);

    k8f_test_label_table();
    k8f_test_detection();
    k8f_test_alertmanager();
    k8f_test_grafana();
    k8f_test_pagerduty();
    k8f_test_form();
    k8f_test_tags();
    k8f_test_time();
    k8f_test_index();
    k8f_test_extract();
    k8f_test_util();

    if (getenv("K8F_NO_SWEEP") == NULL) {
        k8f_test_sweep(all);
    }

    json_decref(all);
    k8f_extract_cleanup();

    return k8f_tap_done();
}


/* as the webhook handler reads a body: JSON, else a form */

static json_t *
k8f_test_parse(const char *data, size_t len)
{
    json_t        *payload;
    json_error_t   error;

    payload = json_loadb(data, len, 0, &error);

    if (payload == NULL && strstr(error.text, "too big integer")) {
        payload = json_loadb(data, len, JSON_DECODE_INT_AS_REAL, &error);
    }

    if (payload == NULL) {
        payload = k8f_form_decode(data, len);
    }

    return payload;
}


/* the normalized alert contract of k8f_adapter.h, key by key */

static int
k8f_test_valid(json_t *alerts, char *why, size_t size)
{
    int          k;
    size_t       i;
    json_t      *alert, *v, *lv;
    void        *iter;
    const char  *s, *key;
    static const char  *keys[] = {
        "source", "status", "skip", "alertname", "severity", "namespace",
        "pod", "container", "service", "node", "cluster", "labels",
        "annotations", "starts_at", "generator_url", "fingerprint", NULL
    };

    if (!json_is_array(alerts)) {
        snprintf(why, size, "not an array");
        return 0;
    }

    json_array_foreach(alerts, i, alert) {

        if (!json_is_object(alert)) {
            snprintf(why, size, "alert %zu is not an object", i);
            return 0;
        }

        if (json_object_size(alert) != 16) {
            snprintf(why, size, "alert %zu has %zu keys", i,
                     json_object_size(alert));
            return 0;
        }

        iter = json_object_iter(alert);

        for (k = 0; keys[k] != NULL; k++, iter = json_object_iter_next(alert,
                                                                       iter))
        {
            if (iter == NULL
                || strcmp(json_object_iter_key(iter), keys[k]) != 0)
            {
                snprintf(why, size, "alert %zu: key %d is not \"%s\"", i, k,
                         keys[k]);
                return 0;
            }

            v = json_object_iter_value(iter);

            if (strcmp(keys[k], "labels") == 0
                || strcmp(keys[k], "annotations") == 0)
            {
                if (!json_is_object(v)) {
                    snprintf(why, size, "alert %zu: %s not an object", i,
                             keys[k]);
                    return 0;
                }

                json_object_foreach(v, key, lv) {
                    if (!json_is_string(lv)) {
                        snprintf(why, size, "alert %zu: %s.%s not a string",
                                 i, keys[k], key);
                        return 0;
                    }
                }

                continue;
            }

            if (json_is_null(v)
                && strcmp(keys[k], "source") != 0
                && strcmp(keys[k], "status") != 0
                && strcmp(keys[k], "fingerprint") != 0)
            {
                continue;
            }

            if (!json_is_string(v) || json_string_length(v) == 0) {
                snprintf(why, size, "alert %zu: %s is not a string", i,
                         keys[k]);
                return 0;
            }

            s = json_string_value(v);

            if (strcmp(keys[k], "status") == 0
                && strcmp(s, "firing") != 0 && strcmp(s, "resolved") != 0)
            {
                snprintf(why, size, "alert %zu: status \"%s\"", i, s);
                return 0;
            }

            if (strcmp(keys[k], "starts_at") == 0
                && (json_string_length(v) < 20 || s[4] != '-'
                    || s[10] != 'T' || s[13] != ':'))
            {
                snprintf(why, size, "alert %zu: starts_at \"%s\"", i, s);
                return 0;
            }
        }
    }

    return 1;
}


static int
k8f_test_wanted(const char *system, char **systems, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        if (strcmp(systems[i], system) == 0) {
            return 1;
        }
    }

    return n == 0;
}


static int
k8f_test_select(const struct dirent *de)
{
    return de->d_name[0] != '.';
}


static void
k8f_test_fixtures(const char *fixtures, const char *golden, int update,
    char **systems, int nsystems, json_t *all)
{
    int              ns, nf, i, k, n;
    char             dir[4096], path[4096], name[1024];
    size_t           len;
    struct stat      st;
    struct dirent  **sys, **files;

    ns = scandir(fixtures, &sys, k8f_test_select, alphasort);

    if (!k8f_tap_ok(ns > 0, "fixtures in %s", fixtures)) {
        return;
    }

    for (i = 0; i < ns; i++) {
        n = snprintf(dir, sizeof(dir), "%s/%s", fixtures, sys[i]->d_name);

        if (n < 0 || (size_t) n >= sizeof(dir) - 1024
            || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)
            || !k8f_test_wanted(sys[i]->d_name, systems, nsystems))
        {
            free(sys[i]);
            continue;
        }

        nf = scandir(dir, &files, k8f_test_select, alphasort);

        for (k = 0; k < nf; k++) {
            len = strlen(files[k]->d_name);

            if (len > 5 && (strcmp(files[k]->d_name + len - 5, ".json") == 0
                            || strcmp(files[k]->d_name + len - 4, ".txt")
                               == 0))
            {
                /* dir leaves room for a name, and names are short */

                n = snprintf(path, sizeof(path), "%s/%s", dir,
                             files[k]->d_name);

                if (n > 0 && (size_t) n < sizeof(path) && len < sizeof(name))
                {
                    memcpy(name, files[k]->d_name, len);
                    name[len - (files[k]->d_name[len - 1] == 'n' ? 5 : 4)] =
                        '\0';

                    k8f_test_fixture(sys[i]->d_name, path, golden, name,
                                     update, all);
                }
            }

            free(files[k]);
        }

        if (nf >= 0) {
            free(files);
        }

        free(sys[i]);
    }

    free(sys);
}


static void
k8f_test_fixture(const char *system, const char *path, const char *golden,
    const char *name, int update, json_t *all)
{
    int               index, same;
    char             *data, *want, *got, gpath[4096], err[K8F_ERR_LEN];
    char              why[512];
    FILE             *f;
    size_t            len, wlen, glen;
    json_t           *payload, *alerts, *raw, *wrap;
    k8f_detection_t   d;

    data = k8f_tap_slurp(path, &len);

    if (!k8f_tap_ok(data != NULL, "%s/%s: read", system, name)) {
        return;
    }

    payload = k8f_test_parse(data, len);
    free(data);

    if (!k8f_tap_ok(payload != NULL, "%s/%s: parsed", system, name)) {
        return;
    }

    json_array_append_new(all, json_pack("{s:s, s:s, s:O}", "system", system,
                                         "name", name, "payload", payload));

    index = k8f_adapter_index(system, strlen(system));

    k8f_detect(payload, &d);

    if (!k8f_tap_ok(index >= 0 && d.winner == index,
                    "%s/%s: detected as %s", system, name, system))
    {
        for (index = 0; index < K8F_NADAPTERS; index++) {
            k8f_tap_diag("%s: %d %s", k8f_adapters[index]->name,
                         d.score[index], d.reason[index]);
        }

        index = k8f_adapter_index(system, strlen(system));
    }

    if (index < 0) {
        json_decref(payload);
        return;
    }

    alerts = k8f_normalize(index, payload, err, sizeof(err));

    if (alerts != NULL) {
        k8f_tap_ok(k8f_test_valid(alerts, why, sizeof(why)),
                   "%s/%s: normalized alerts are valid", system, name);

        /* the registry only mends what an adapter left wrong: not ours */

        if (strcmp(system, "alertmanager") == 0
            || strcmp(system, "grafana") == 0
            || strcmp(system, "pagerduty") == 0)
        {
            raw = k8f_adapters[index]->normalize(payload, err, sizeof(err));
            k8f_tap_ok(raw != NULL && json_equal(raw, alerts),
                       "%s/%s: adapter output is already canonical",
                       system, name);
            json_decref(raw);
        }

        wrap = json_pack("{s:s, s:o}", "adapter", k8f_adapters[index]->name,
                         "alerts", alerts);

    } else {
        k8f_tap_ok(0, "%s/%s: normalized: %s", system, name, err);
        wrap = json_pack("{s:s, s:s}", "adapter", k8f_adapters[index]->name,
                         "error", err);
    }

    json_decref(payload);

    got = json_dumps(wrap, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(wrap);

    if (got == NULL) {
        k8f_tap_ok(0, "%s/%s: dumped", system, name);
        return;
    }

    glen = strlen(got);
    got = realloc(got, glen + 2);
    got[glen++] = '\n';
    got[glen] = '\0';

    snprintf(gpath, sizeof(gpath), "%s/%s", golden, system);
    mkdir(golden, 0755);
    mkdir(gpath, 0755);
    snprintf(gpath, sizeof(gpath), "%s/%s/%s.json", golden, system, name);

    if (update) {
        f = fopen(gpath, "wb");
        k8f_tap_ok(f != NULL && fwrite(got, 1, glen, f) == glen
                   && fclose(f) == 0,
                   "%s/%s: golden written", system, name);
        free(got);
        return;
    }

    want = k8f_tap_slurp(gpath, &wlen);
    same = want != NULL && wlen == glen && memcmp(want, got, glen) == 0;

    if (!k8f_tap_ok(same, "%s/%s: matches golden", system, name)) {
        if (want == NULL) {
            k8f_tap_diag("no %s: run with --update and review it", gpath);

        } else {
            k8f_tap_diag("got:\n%s", got);
        }
    }

    free(want);
    free(got);
}


/* normalize with the given adapter, or with the winner when index < 0 */

static json_t *
k8f_test_one(const char *json, int index)
{
    char              err[K8F_ERR_LEN];
    json_t           *payload, *alerts;
    json_error_t      error;
    k8f_detection_t   d;

    payload = json_loads(json, 0, &error);

    if (payload == NULL) {
        k8f_tap_diag("bad test JSON: %s: %s", error.text, json);
        return NULL;
    }

    if (index < 0) {
        k8f_detect(payload, &d);
        index = d.winner;
    }

    alerts = (index >= 0) ? k8f_normalize(index, payload, err, sizeof(err))
                          : NULL;

    json_decref(payload);

    return alerts;
}


static const char *
k8f_test_field(json_t *alerts, size_t i, const char *key)
{
    json_t  *v;

    v = k8f_get(json_array_get(alerts, i), key);

    return json_is_string(v) ? json_string_value(v)
                             : (json_is_null(v) ? "(null)" : "(absent)");
}


static void
k8f_test_is(json_t *alerts, size_t i, const char *key, const char *want,
    const char *what)
{
    const char  *got;

    got = k8f_test_field(alerts, i, key);

    if (!k8f_tap_ok(strcmp(got, want) == 0, "%s: %s is \"%s\"", what, key,
                    want))
    {
        k8f_tap_diag("got \"%s\"", got);
    }
}


/* SPEC 3, "Kubernetes fields per system", one payload per row */

static void
k8f_test_label_table(void)
{
    size_t   i;
    json_t  *a;
    static const struct {
        const char  *system;
        const char  *json;
        const char  *ns, *pod, *service;
    } rows[] = {

        { "alertmanager",
          "{\"version\":\"4\",\"groupKey\":\"{}:{}\",\"status\":\"firing\","
          "\"receiver\":\"k8flex\",\"alerts\":[{\"status\":\"firing\","
          "\"labels\":{\"alertname\":\"X\",\"namespace\":\"payments\","
          "\"pod\":\"api-7d9\",\"service\":\"api\"},\"annotations\":{},"
          "\"startsAt\":\"2024-05-01T10:00:00Z\"}]}",
          "payments", "api-7d9", "api" },

        { "pagerduty",
          "{\"messages\":[{\"event\":\"incident.trigger\",\"incident\":{"
          "\"id\":\"P1\",\"title\":\"X\",\"custom_details\":{"
          "\"namespace\":\"payments\",\"pod\":\"api-7d9\","
          "\"service\":\"api\"}}}]}",
          "payments", "api-7d9", "api" },

        { "grafana",
          "{\"orgId\":1,\"state\":\"alerting\",\"title\":\"X\","
          "\"version\":\"1\",\"groupKey\":\"{}:{}\",\"status\":\"firing\","
          "\"alerts\":[{\"status\":\"firing\",\"labels\":{"
          "\"alertname\":\"X\",\"namespace\":\"payments\","
          "\"pod\":\"api-7d9\",\"service\":\"api\"},"
          "\"silenceURL\":\"http://g/s\",\"valueString\":\"\"}]}",
          "payments", "api-7d9", "api" },

        { "datadog",
          "{\"id\":\"1\",\"title\":\"[Triggered] X\",\"body\":\"b\","
          "\"event_type\":\"query_alert_monitor\","
          "\"alert_transition\":\"Triggered\",\"alert_type\":\"error\","
          "\"date\":\"1761901960000\",\"org\":{\"id\":\"1\",\"name\":\"o\"},"
          "\"tags\":\"env:prod,kube_namespace:payments,pod_name:api-7d9,"
          "kube_service:api\"}",
          "payments", "api-7d9", "api" },

        { "datadog",
          "{\"id\":\"1\",\"title\":\"[Triggered] X\",\"body\":\"b\","
          "\"event_type\":\"query_alert_monitor\","
          "\"alert_transition\":\"Triggered\",\"alert_type\":\"error\","
          "\"date\":\"1761901960000\",\"org\":{\"id\":\"1\",\"name\":\"o\"},"
          "\"tags\":[\"namespace:payments\",\"pod_name:api-7d9\","
          "\"kube_service:api\"]}",
          "payments", "api-7d9", "api" },

        { "opsgenie",
          "{\"action\":\"Create\",\"integrationName\":\"k8s\","
          "\"integrationId\":\"1\",\"source\":{\"name\":\"\","
          "\"type\":\"API\"},\"alert\":{\"alertId\":\"a-1\","
          "\"message\":\"X\",\"tinyId\":\"1\",\"details\":{"
          "\"namespace\":\"payments\",\"pod\":\"api-7d9\","
          "\"service\":\"api\"}}}",
          "payments", "api-7d9", "api" },

        { "victorops",
          "{\"entity_id\":\"payments/api-7d9\","
          "\"entity_display_name\":\"api\","
          "\"state_message\":\"Pod payments/api-7d9 is crash looping\","
          "\"message_type\":\"CRITICAL\",\"entity_state\":\"CRITICAL\","
          "\"vo_uuid\":\"u-1\",\"current_phase\":\"UNACKED\","
          "\"monitoring_tool\":\"k8s\"}",
          "payments", "api-7d9", "api" },

        { "newrelic",
          "{\"event_type\":\"INCIDENT\",\"current_state\":\"open\","
          "\"incident_id\":1,\"condition_name\":\"Container restarts\","
          "\"policy_name\":\"k8s\",\"details\":\"Pod payments/api-7d9 "
          "service=api restarting\","
          "\"incident_url\":\"https://alerts.newrelic.com/x\","
          "\"targets\":[{\"id\":\"1\",\"name\":\"api-7d9\","
          "\"type\":\"Pod\",\"product\":\"Infrastructure\","
          "\"labels\":{\"namespace\":\"payments\"}}]}",
          "payments", "api-7d9", "api" }
    };
    char  what[64];

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        a = k8f_test_one(rows[i].json,
                         k8f_adapter_index(rows[i].system,
                                           strlen(rows[i].system)));

        snprintf(what, sizeof(what), "label table, %s #%zu", rows[i].system,
                 i);

        if (!k8f_tap_ok(json_array_size(a) == 1, "%s: one alert", what)) {
            json_decref(a);
            continue;
        }

        k8f_test_is(a, 0, "namespace", rows[i].ns, what);
        k8f_test_is(a, 0, "pod", rows[i].pod, what);
        k8f_test_is(a, 0, "service", rows[i].service, what);

        json_decref(a);
    }
}


static void
k8f_test_detection(void)
{
    json_t           *payload;
    k8f_detection_t   d;

    payload = json_loads("{}", 0, NULL);
    k8f_detect(payload, &d);
    json_decref(payload);

    k8f_tap_ok(d.winner == -1, "{} is declined by all");
    k8f_tap_ok(strcmp(d.reason[0], "no \"alerts\" array") == 0,
               "alertmanager declines {}: %s", d.reason[0]);
    k8f_tap_ok(strcmp(d.reason[1], "no \"event.event_type\" nor "
                                    "\"messages\"") == 0,
               "pagerduty declines {}: %s", d.reason[1]);
    k8f_tap_ok(d.reason[2][0] != '\0', "grafana declines {}: %s",
               d.reason[2]);

    payload = json_loads("[1,2]", 0, NULL);
    k8f_detect(payload, &d);
    json_decref(payload);

    k8f_tap_ok(d.winner == -1
               && strcmp(d.reason[3], "body is not a JSON object") == 0,
               "an array is not a payload");

    /* one Grafana-only field turns an Alertmanager envelope into Grafana */

    payload = json_loads("{\"version\":\"4\",\"groupKey\":\"k\","
                         "\"status\":\"firing\",\"alerts\":[{\"labels\":"
                         "{\"alertname\":\"A\"},\"silenceURL\":\"u\"}]}",
                         0, NULL);
    k8f_detect(payload, &d);
    json_decref(payload);

    k8f_tap_ok(d.winner == 2 && d.score[2] > d.score[0],
               "Alertmanager envelope with silenceURL is Grafana (%d > %d)",
               d.score[2], d.score[0]);

    payload = json_loads("{\"version\":\"4\",\"groupKey\":\"k\","
                         "\"status\":\"firing\",\"alerts\":[{\"labels\":"
                         "{\"alertname\":\"A\"}}]}", 0, NULL);
    k8f_detect(payload, &d);
    json_decref(payload);

    k8f_tap_ok(d.winner == 0 && d.score[2] == 0,
               "plain Alertmanager envelope is Alertmanager, grafana says: "
               "%s", d.reason[2]);

    payload = json_loads("{\"alerts\":[1,2]}", 0, NULL);
    k8f_detect(payload, &d);
    json_decref(payload);

    k8f_tap_ok(d.score[0] == 0, "alerts of numbers are declined: %s",
               d.reason[0]);
}


static void
k8f_test_alertmanager(void)
{
    json_t  *a;

    a = k8f_test_one("{\"version\":\"4\",\"status\":\"resolved\","
                     "\"alerts\":[{\"labels\":{\"alertname\":\"A\","
                     "\"severity\":\"critical\",\"kube_namespace\":\"ns1\","
                     "\"pod_name\":\"p-1\",\"service\":"
                     "\"kube-prometheus-stack-kube-state-metrics\"},"
                     "\"startsAt\":\"0001-01-01T00:00:00Z\"},"
                     "{\"status\":\"firing\",\"labels\":{\"alertname\":2},"
                     "\"annotations\":{\"description\":"
                     "\"Pod ns2/p-2 is crash looping\"},"
                     "\"startsAt\":1705315800},"
                     "null, 5, {\"labels\":[], \"annotations\":\"x\"}]}",
                     0);

    k8f_tap_ok(json_array_size(a) == 3,
               "alertmanager: objects become alerts, other elements not");
    k8f_test_is(a, 0, "status", "resolved", "alertmanager group status");
    k8f_test_is(a, 0, "skip", "resolved", "alertmanager resolved");
    k8f_test_is(a, 0, "namespace", "ns1", "alertmanager kube_namespace");
    k8f_test_is(a, 0, "pod", "p-1", "alertmanager pod_name");
    k8f_test_is(a, 0, "service", "(null)",
                "alertmanager kube-state-metrics is not the service");
    k8f_test_is(a, 0, "starts_at", "(null)", "alertmanager zero time");
    k8f_test_is(a, 0, "severity", "critical", "alertmanager severity");
    k8f_tap_ok(strlen(k8f_test_field(a, 0, "fingerprint")) == 16,
               "alertmanager: a fingerprint is made when none is sent");
    k8f_test_is(a, 1, "alertname", "2", "alertmanager numeric alertname");
    k8f_test_is(a, 1, "namespace", "ns2", "alertmanager description");
    k8f_test_is(a, 1, "pod", "p-2", "alertmanager description");
    k8f_test_is(a, 1, "starts_at", "2024-01-15T10:50:00Z",
                "alertmanager epoch startsAt");
    k8f_test_is(a, 2, "status", "resolved", "alertmanager garbage alert");

    json_decref(a);
}


static void
k8f_test_grafana(void)
{
    json_t  *a;

    a = k8f_test_one("{\"ruleName\":\"R\",\"ruleId\":7,\"state\":\"paused\","
                     "\"tags\":{\"namespace\":\"ns\"},\"evalMatches\":[]}",
                     -1);
    k8f_test_is(a, 0, "source", "Grafana", "grafana legacy paused");
    k8f_test_is(a, 0, "skip", "paused", "grafana legacy paused");
    k8f_test_is(a, 0, "status", "firing", "grafana legacy paused");
    k8f_test_is(a, 0, "namespace", "ns", "grafana legacy tags");
    json_decref(a);

    a = k8f_test_one("{\"ruleName\":\"R\",\"ruleId\":7,"
                     "\"state\":\"no_data\",\"tags\":\"namespace:ns2,x\","
                     "\"evalMatches\":[{\"metric\":\"m\",\"value\":1.5,"
                     "\"tags\":{\"pod\":\"p-1\"}}]}", -1);
    k8f_test_is(a, 0, "skip", "(null)", "grafana legacy no_data fires");
    k8f_test_is(a, 0, "namespace", "ns2", "grafana legacy string tags");
    k8f_test_is(a, 0, "pod", "p-1", "grafana legacy evalMatches tags");
    k8f_test_is(a, 0, "labels.x", "", "grafana legacy bare tag");
    k8f_test_is(a, 0, "labels.pod", "(absent)",
                "grafana legacy series tags are not labels");
    k8f_test_is(a, 0, "annotations.value_string", "m=1.5",
                "grafana legacy evalMatches value");
    json_decref(a);

    a = k8f_test_one("{\"ruleName\":\"R\",\"state\":\"pending\","
                     "\"tags\":[\"namespace:ns3\"]}", -1);
    k8f_test_is(a, 0, "skip", "pending", "grafana legacy pending");
    k8f_test_is(a, 0, "namespace", "ns3", "grafana legacy array tags");
    json_decref(a);

    a = k8f_test_one("{\"orgId\":1,\"status\":\"firing\",\"alerts\":["
                     "{\"status\":\"resolved\",\"labels\":{\"alertname\":"
                     "\"A\"},\"values\":{\"B\":44.23943737541908,\"C\":1}}"
                     "]}", -1);
    k8f_test_is(a, 0, "source", "Grafana", "grafana unified");
    k8f_test_is(a, 0, "status", "resolved",
                "grafana per-alert status decides");
    k8f_test_is(a, 0, "annotations.value_string", "B=44.23943737541908, C=1",
                "grafana values");
    json_decref(a);
}


static void
k8f_test_pagerduty(void)
{
    size_t   i;
    char     json[512], what[96];
    json_t  *a;
    static const struct {
        const char  *type;
        const char  *status;
        const char  *skip;
    } v3[] = {
        { "incident.triggered", "firing", "(null)" },
        { "incident.reopened", "firing", "(null)" },
        { "incident.unacknowledged", "firing", "(null)" },
        { "incident.acknowledged", "firing", "acknowledged" },
        { "incident.resolved", "resolved", "resolved" },
        { "incident.priority_updated", "firing",
          "incident.priority_updated is not a trigger" },
        { "incident.annotated", "firing",
          "incident.annotated is not a trigger" }
    }, v2[] = {
        { "incident.trigger", "firing", "(null)" },
        { "incident.unacknowledge", "firing", "(null)" },
        { "incident.acknowledge", "firing", "acknowledged" },
        { "incident.resolve", "resolved", "resolved" },
        { "incident.assign", "firing", "incident.assign is not a trigger" }
    };

    for (i = 0; i < sizeof(v3) / sizeof(v3[0]); i++) {
        snprintf(json, sizeof(json),
                 "{\"event\":{\"event_type\":\"%s\",\"data\":{\"type\":"
                 "\"incident\",\"id\":\"P1\",\"title\":\"T\","
                 "\"urgency\":\"high\",\"status\":\"triggered\"}}}",
                 v3[i].type);

        a = k8f_test_one(json, -1);
        snprintf(what, sizeof(what), "pagerduty v3 %s", v3[i].type);

        k8f_test_is(a, 0, "source", "PagerDuty", what);
        k8f_test_is(a, 0, "status", v3[i].status, what);
        k8f_test_is(a, 0, "skip", v3[i].skip, what);
        k8f_test_is(a, 0, "fingerprint", "P1", what);
        k8f_test_is(a, 0, "severity", "high", what);
        json_decref(a);
    }

    for (i = 0; i < sizeof(v2) / sizeof(v2[0]); i++) {
        snprintf(json, sizeof(json),
                 "{\"messages\":[{\"event\":\"%s\",\"incident\":{"
                 "\"id\":\"P2\",\"title\":\"T\",\"urgency\":\"low\","
                 "\"priority\":{\"summary\":\"P3\"}}}]}", v2[i].type);

        a = k8f_test_one(json, -1);
        snprintf(what, sizeof(what), "pagerduty v2 %s", v2[i].type);

        k8f_test_is(a, 0, "source", "PagerDuty", what);
        k8f_test_is(a, 0, "status", v2[i].status, what);
        k8f_test_is(a, 0, "skip", v2[i].skip, what);
        k8f_test_is(a, 0, "severity", "P3", what);
        json_decref(a);
    }

    a = k8f_test_one("{\"messages\":[{\"type\":\"incident.trigger\","
                     "\"data\":{\"incident\":{\"id\":\"P3\","
                     "\"incident_key\":\"k\",\"trigger_summary_data\":"
                     "{\"subject\":\"Pod payments/api-7d9 down\"}}}},"
                     "{\"type\":\"incident.resolve\",\"data\":{\"incident\":"
                     "{\"incident_key\":\"k\"}}}]}", -1);
    k8f_tap_ok(json_array_size(a) == 2, "pagerduty v1: one alert a message");
    k8f_test_is(a, 0, "alertname", "Pod payments/api-7d9 down",
                "pagerduty v1 subject");
    k8f_test_is(a, 0, "namespace", "payments", "pagerduty v1 extracted");
    k8f_test_is(a, 0, "pod", "api-7d9", "pagerduty v1 extracted");
    k8f_test_is(a, 1, "status", "resolved", "pagerduty v1 resolve");
    k8f_test_is(a, 1, "fingerprint", "k", "pagerduty v1 incident_key");
    json_decref(a);

    a = k8f_test_one("{\"messages\":[{\"event\":\"incident.trigger\","
                     "\"incident\":{\"id\":\"P4\",\"title\":\"T\"},"
                     "\"log_entries\":[{\"channel\":{\"details\":{"
                     "\"kube_namespace\":\"ns\",\"pod\":\"p-1\","
                     "\"firing\":\"Labels:\\n - container = c1\\n\"}}}]}]}",
                     -1);
    k8f_test_is(a, 0, "namespace", "ns", "pagerduty v2 log entry details");
    k8f_test_is(a, 0, "pod", "p-1", "pagerduty v2 log entry details");
    k8f_test_is(a, 0, "container", "c1", "pagerduty v2 details text");
    k8f_test_is(a, 0, "labels.firing", "(absent)",
                "pagerduty long details are not labels");
    json_decref(a);
}


static void
k8f_test_form(void)
{
    char        *s;
    json_t      *f;
    const char  *body;

    body = "a=b&c=%22x%22";
    f = k8f_form_decode(body, strlen(body));
    s = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    k8f_tap_ok(s != NULL && strcmp(s, "{\"a\":\"b\",\"c\":\"x\"}") == 0,
               "form: a=b&c=%%22x%%22 is %s", s ? s : "NULL");
    free(s);
    json_decref(f);

    body = "a=1+2&a=%7B%22k%22%3A%5B1%5D%7D&n=31&e=&bare&t=true"
           "&bad=%zz%4&pct=100%&&=v";
    f = k8f_form_decode(body, strlen(body));
    s = json_dumps(f, JSON_COMPACT | JSON_PRESERVE_ORDER);
    k8f_tap_ok(s != NULL
               && strcmp(s, "{\"a\":{\"k\":[1]},\"n\":31,\"e\":\"\","
                            "\"bare\":\"\",\"t\":true,\"bad\":\"%zz%4\","
                            "\"pct\":\"100%\"}") == 0,
               "form: duplicates, numbers, JSON, empty, broken escapes: %s",
               s ? s : "NULL");
    free(s);
    json_decref(f);

    f = k8f_form_decode("s=a+b%20c", 9);
    k8f_tap_ok(f && strcmp(k8f_str(f, "s"), "a b c") == 0,
               "form: + and %%20 are spaces");
    json_decref(f);

    f = k8f_form_decode("k=%ff%00x", 9);
    k8f_tap_ok(f && json_string_length(json_object_get(f, "k")) == 5
               && memcmp(k8f_str(f, "k"), "\xef\xbf\xbd\0x", 5) == 0,
               "form: invalid UTF-8 becomes U+FFFD, NUL is kept");
    json_decref(f);

    k8f_tap_ok(k8f_form_decode("no fields here", 14) == NULL,
               "form: a body without = is not a form");
    k8f_tap_ok(k8f_form_decode("a=b", 0) == NULL,
               "form: the length is respected");
}


static void
k8f_test_tags(void)
{
    json_t  *alert, *tags;

    alert = json_pack("[o]", k8f_alert_new("Test"));

    tags = json_string(" kube_namespace:ns , bare,url:http://x:1,,:v,"
                       "kube_namespace:other");
    k8f_alert_tags(json_array_get(alert, 0), tags);
    json_decref(tags);

    tags = json_loads("[\"pod_name:p-1\", 7, null, {}, \"a:b\"]", 0, NULL);
    k8f_alert_tags(json_array_get(alert, 0), tags);
    json_decref(tags);

    k8f_alert_finish(json_array_get(alert, 0));

    k8f_test_is(alert, 0, "labels.kube_namespace", "ns",
                "tags string: trimmed, first value wins");
    k8f_test_is(alert, 0, "labels.bare", "", "tags string: bare tag");
    k8f_test_is(alert, 0, "labels.url", "http://x:1",
                "tags string: split at the first colon");
    k8f_test_is(alert, 0, "labels.pod_name", "p-1", "tags array");
    k8f_test_is(alert, 0, "labels.7", "", "tags array: a number");
    k8f_test_is(alert, 0, "labels.a", "b", "tags array");
    k8f_test_is(alert, 0, "namespace", "ns", "tags: kube_namespace");
    k8f_test_is(alert, 0, "pod", "p-1", "tags: pod_name");
    k8f_tap_ok(json_object_size(k8f_get(json_array_get(alert, 0), "labels"))
               == 6, "tags: no empty key");

    json_decref(alert);
}


static void
k8f_test_time(void)
{
    size_t   i;
    json_t  *alert, *v, *list;
    static const struct {
        const char  *json;
        const char  *want;
    } times[] = {
        { "1420452224764002246", "2015-01-05T10:03:44.764002246Z" },
        { "\"1420452224764002246\"", "2015-01-05T10:03:44.764002246Z" },
        { "1761901960000", "2025-10-31T09:12:40Z" },
        { "\"1761901960000\"", "2025-10-31T09:12:40Z" },
        { "1646224868334", "2022-03-02T12:41:08.334Z" },
        { "1646224868334123", "2022-03-02T12:41:08.334123Z" },
        { "1705315800", "2024-01-15T10:50:00Z" },
        { "1705315800.5", "2024-01-15T10:50:00.500Z" },
        { "1.76190196e12", "2025-10-31T09:12:40Z" },
        { "18446744073709551615.0", "2554-07-21T23:34:33Z" },
        { "\"2024-05-01T10:00:00Z\"", "2024-05-01T10:00:00Z" },
        { "\"2021-10-12T09:51:03.157076+02:00\"",
          "2021-10-12T09:51:03.157076+02:00" },
        { "\"2022-06-17t01:04:00.782137894z\"",
          "2022-06-17T01:04:00.782137894Z" },
        { "\"0001-01-01T00:00:00Z\"", "(null)" },
        { "\"2024-02-30T10:00:00Z\"", "(null)" },
        { "\"2024-05-01T10:00:00\"", "(null)" },
        { "\"2025-10-31, 09:12 UTC\"", "(null)" },
        { "\"yesterday\"", "(null)" },
        { "0", "(null)" },
        { "-1", "(null)" },
        { "5", "(null)" },
        { "1e308", "(null)" },
        { "true", "(null)" },
        { "[]", "(null)" },
        { "\"\"", "(null)" }
    };

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        list = json_pack("[o]", k8f_alert_new("Test"));
        alert = json_array_get(list, 0);

        v = json_loads(times[i].json, JSON_DECODE_ANY, NULL);
        k8f_alert_time(alert, v);
        json_decref(v);

        k8f_test_is(list, 0, "starts_at", times[i].want, times[i].json);
        json_decref(list);
    }
}


static void
k8f_test_index(void)
{
    k8f_tap_ok(k8f_adapter_index("alertmanager", 12) == 0, "index: first");
    k8f_tap_ok(k8f_adapter_index("PagerDuty", 9) == 1, "index: PagerDuty");
    k8f_tap_ok(k8f_adapter_index("GRAFANA", 7) == 2, "index: GRAFANA");
    k8f_tap_ok(k8f_adapter_index("NewRelic", 8) == 6, "index: NewRelic");
    k8f_tap_ok(k8f_adapter_index("grafana,datadog", 7) == 2,
               "index: the length counts, not the NUL");
    k8f_tap_ok(k8f_adapter_index("grafana", 4) == -1, "index: prefix");
    k8f_tap_ok(k8f_adapter_index("grafanna", 8) == -1, "index: unknown");
    k8f_tap_ok(k8f_adapter_index("all", 3) == -1, "index: all");
    k8f_tap_ok(k8f_adapter_index("", 0) == -1, "index: empty");
    k8f_tap_ok(k8f_adapter_index(NULL, 3) == -1, "index: NULL");
    k8f_tap_ok(k8f_adapter_index("New Relic", 9) == -1,
               "index: titles are not names");
}


static void
k8f_test_extract(void)
{
    size_t   i, k;
    json_t  *list;
    static const char  *fields[] = { "namespace", "pod", "container",
                                     "service", "node", "cluster" };
    static const struct {
        const char  *text;
        const char  *want[6];
    } texts[] = {
        { "namespace=payments pod=api-7d9 container=app service=api "
          "node=ip-10-0-1-2.ec2.internal cluster=prod-EU_1",
          { "payments", "api-7d9", "app", "api", "ip-10-0-1-2.ec2.internal",
            "prod-EU_1" } },
        { "namespace: \"payments\", pod: 'api-7d9'.",
          { "payments", "api-7d9", NULL, NULL, NULL, NULL } },
        { "[Triggered on {kube_namespace:payments,pod_name:api-7d9}] "
          "Pod restarting",
          { "payments", "api-7d9", NULL, NULL, NULL, NULL } },
        { "Pod payments/api-7d9 is crash looping",
          { "payments", "api-7d9", NULL, NULL, NULL, NULL } },
        { "Container checkout-api in pod payments/checkout-api-7d9c6b8f5-"
          "x2k9p restarted 6 times.",
          { "payments", "checkout-api-7d9c6b8f5-x2k9p", "checkout-api", NULL,
            NULL, NULL } },
        { "Pod backend-service-abc123 in namespace staging has been not "
          "ready",
          { "staging", "backend-service-abc123", NULL, NULL, NULL, NULL } },
        { "Pod database-pod-xyz in production namespace is in "
          "CrashLoopBackOff state",
          { "production", "database-pod-xyz", NULL, NULL, NULL, NULL } },
        { "Service payment-service in namespace production has no "
          "endpoints",
          { "production", NULL, NULL, "payment-service", NULL, NULL } },
        { "payments/api-7d9",
          { "payments", "api-7d9", NULL, NULL, NULL, NULL } },
        { "checkout-api-7d9c6b8f5-x2k9p query result is > 5.0 for 10 minutes "
          "on 'Container restarts'",
          { NULL, "checkout-api-7d9c6b8f5-x2k9p", NULL, NULL, NULL, NULL } },
        { "PIETER-UBUNTU query result is > 1.0 for 5 minutes on 'Storage'",
          { NULL, NULL, NULL, NULL, NULL, NULL } },
        { "zulip_app query result is > 1.0",
          { NULL, NULL, NULL, NULL, NULL, NULL } },
        { "Pod is crash looping. Pod has restarted 15 times in the last "
          "10 minutes. Pod CrashLooping in production",
          { NULL, NULL, NULL, NULL, NULL, NULL } },
        { "Deployment payments/checkout-api has not matched the expected "
          "number of replicas",
          { "payments", NULL, NULL, NULL, NULL, NULL } },
        { "labels={cluster=prod-eu-1, container=checkout-api, "
          "namespace=payments, pod=checkout-api-7d9c6b8f5-x2k9p} value=6",
          { "payments", "checkout-api-7d9c6b8f5-x2k9p", "checkout-api", NULL,
            NULL, "prod-eu-1" } },
        { "{\"namespace\": \"payments\", \"pod\": \"api-7d9\"}",
          { "payments", "api-7d9", NULL, NULL, NULL, NULL } },
        { "pod: payments/api-7d9",
          { "payments", "api-7d9", NULL, NULL, NULL, NULL } },
        { "Namespace: Production Service: Production API "
          "service=kube-prometheus-stack-kube-state-metrics",
          { NULL, NULL, NULL, NULL, NULL, NULL } },
        { "kube_namespace=x_y exported_namespace=ok pod=-bad- "
          "in the namespace",
          { "ok", NULL, NULL, NULL, NULL, NULL } },
        { "", { NULL, NULL, NULL, NULL, NULL, NULL } }
    };

    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        list = json_pack("[o]", k8f_alert_new("Test"));
        k8f_alert_extract(json_array_get(list, 0), texts[i].text);

        for (k = 0; k < 6; k++) {
            k8f_test_is(list, 0, fields[k],
                        texts[i].want[k] ? texts[i].want[k] : "(null)",
                        texts[i].text);
        }

        json_decref(list);
    }

    /* only fields still null are filled */

    list = json_pack("[o]", k8f_alert_new("Test"));
    json_object_set_new(json_array_get(list, 0), "namespace",
                        json_string("kept"));
    k8f_alert_extract(json_array_get(list, 0), "namespace=other pod=p-1");
    k8f_test_is(list, 0, "namespace", "kept", "extract keeps a set field");
    k8f_test_is(list, 0, "pod", "p-1", "extract fills a null one");
    k8f_alert_extract(NULL, "pod=x");
    k8f_alert_extract(json_array_get(list, 0), NULL);
    json_decref(list);
}


static void
k8f_test_util(void)
{
    json_t      *obj, *v;
    const char  *s;
    static const struct {
        const char  *json;
        const char  *want;
    } scalars[] = {
        { "2473545728.0", "2473545728" },
        { "44.23943737541908", "44.23943737541908" },
        { "0.1", "0.1" },
        { "1e308", "1e+308" },
        { "-7", "-7" },
        { "9223372036854775807", "9223372036854775807" },
        { "true", "true" },
        { "false", "false" },
        { "\"x\"", "x" },
        { "\"\"", NULL },
        { "null", NULL },
        { "[1]", NULL },
        { "{}", NULL }
    };
    size_t  i;

    for (i = 0; i < sizeof(scalars) / sizeof(scalars[0]); i++) {
        obj = json_loads(scalars[i].json, JSON_DECODE_ANY, NULL);
        v = k8f_scalar_string(obj);
        s = json_string_value(v);

        k8f_tap_ok(scalars[i].want ? (s && strcmp(s, scalars[i].want) == 0)
                                    : v == NULL,
                   "scalar string of %s", scalars[i].json);

        json_decref(v);
        json_decref(obj);
    }

    obj = json_loads("{\"a\":{\"b\":{\"c\":\"nested\"}},\"a.b\":{\"c\":1},"
                     "\"x.y\":\"flat\",\"n\":null}", 0, NULL);

    k8f_tap_ok(k8f_str(obj, "a.b.c") && strcmp(k8f_str(obj, "a.b.c"),
                                               "nested") == 0,
               "get: dotted path");
    k8f_tap_ok(k8f_str(obj, "x.y") && strcmp(k8f_str(obj, "x.y"),
                                             "flat") == 0,
               "get: flat dotted key");
    k8f_tap_ok(k8f_str(obj, "a.b") == NULL && k8f_object(obj, "a.b")
               && k8f_array(obj, "a.b") == NULL,
               "get: typed getters");
    k8f_tap_ok(k8f_get(obj, "n.x") == NULL && k8f_get(NULL, "a") == NULL
               && k8f_get(obj, NULL) == NULL && k8f_get(obj, "") == NULL,
               "get: missing, null, NULL");

    {
        static const char  *yes[] = { "X.Y", "zz", NULL };
        static const char  *no[] = { "zz", NULL };

        k8f_tap_ok(k8f_has_any(obj, yes) && !k8f_has_any(obj, no)
                   && !k8f_has_any(NULL, yes),
                   "has_any is case-insensitive");
    }

    json_decref(obj);

    obj = k8f_alert_new("Test");
    v = json_pack("[o]", obj);

    k8f_alert_set_str(obj, "alertname", "");
    k8f_alert_set(obj, "severity", json_object_get(obj, "labels"));
    k8f_test_is(v, 0, "alertname", "(null)", "set_str ignores \"\"");
    k8f_test_is(v, 0, "severity", "(null)", "set ignores objects");

    k8f_alert_set_str(obj, "alertname", "A");
    k8f_alert_default(obj, "alertname", json_object_get(obj, "source"));
    k8f_test_is(v, 0, "alertname", "A", "default keeps a set key");

    k8f_alert_finish(obj);
    s = k8f_test_field(v, 0, "fingerprint");
    k8f_tap_ok(strlen(s) == 16 && strspn(s, "0123456789abcdef") == 16,
               "fingerprint is 16 hex digits");

    json_decref(v);
}


/*
 * Every value reachable in every fixture replaced in turn by each
 * hostile value; detection and every adapter's normalize must neither
 * crash nor return anything but NULL with a message or valid alerts.
 */

static void
k8f_test_sweep(json_t *all)
{
    int           k;
    size_t        i;
    json_t       *repl, *deep, *fixture, *payload;
    k8f_sweep_t   sw;

    deep = json_array();

    for (k = 1; k < K8F_TEST_DEEP; k++) {
        deep = json_pack("[o]", deep);
    }

    repl = json_pack("[n, i, i, f, f, s, s, [], {}, o]", 0, -1, 1e308,
                     18446744073709551615.0, "", "x", deep);

    json_array_foreach(all, i, fixture) {
        payload = json_object_get(fixture, "payload");

        memset(&sw, 0, sizeof(sw));
        sw.fixture = json_string_value(json_object_get(fixture, "name"));
        sw.repl = repl;

        k8f_sweep_check(&sw, payload);
        k8f_sweep_walk(&sw, payload, payload);

        if (!k8f_tap_ok(!sw.failed, "sweep %s/%s: %zu payloads",
                        json_string_value(json_object_get(fixture,
                                                          "system")),
                        sw.fixture, sw.runs))
        {
            k8f_tap_diag("%s", sw.why);
        }
    }

    json_decref(repl);
}


static void
k8f_sweep_walk(k8f_sweep_t *sw, json_t *root, json_t *node)
{
    void    *iter;
    size_t   i, k;
    json_t  *v, *r;

    if (json_is_object(node)) {
        for (iter = json_object_iter(node); iter;
             iter = json_object_iter_next(node, iter))
        {
            v = json_incref(json_object_iter_value(iter));

            json_array_foreach(sw->repl, k, r) {
                json_object_iter_set(node, iter, r);
                k8f_sweep_check(sw, root);
            }

            json_object_iter_set_new(node, iter, v);

            k8f_sweep_walk(sw, root, v);
        }

        return;
    }

    json_array_foreach(node, i, v) {
        json_incref(v);

        json_array_foreach(sw->repl, k, r) {
            json_array_set(node, i, r);
            k8f_sweep_check(sw, root);
        }

        json_array_set_new(node, i, v);

        k8f_sweep_walk(sw, root, v);
    }
}


static void
k8f_sweep_check(k8f_sweep_t *sw, json_t *payload)
{
    int               i;
    char              err[K8F_ERR_LEN], why[256];
    size_t            k;
    json_t           *out, *r;
    k8f_detection_t   d;

    sw->runs++;

    k8f_detect(payload, &d);

    for (i = 0; i < K8F_NADAPTERS; i++) {

        if (d.score[i] < 0 || (d.score[i] == 0 && d.reason[i][0] == '\0')) {
            sw->failed = 1;
            snprintf(sw->why, sizeof(sw->why), "%s: score %d, reason \"%s\"",
                     k8f_adapters[i]->name, d.score[i], d.reason[i]);
        }

        err[0] = '\0';
        out = k8f_normalize(i, payload, err, sizeof(err));

        if (out == NULL ? err[0] == '\0'
                        : !k8f_test_valid(out, why, sizeof(why)))
        {
            sw->failed = 1;
            snprintf(sw->why, sizeof(sw->why), "%s: %s", k8f_adapters[i]->name,
                     out ? why : "NULL without a message");
        }

        json_decref(out);

        /* the adapter itself, without the registry's guards */

        err[0] = '\0';
        out = k8f_adapters[i]->normalize(payload, err, sizeof(err));

        if (out == NULL ? err[0] == '\0' : !json_is_array(out)) {
            sw->failed = 1;
            snprintf(sw->why, sizeof(sw->why), "%s: raw %s",
                     k8f_adapters[i]->name,
                     out ? "not an array" : "NULL without a message");
        }

        json_array_foreach(out, k, r) {
            k8f_alert_extract(r, "pod=x-1");
        }

        json_decref(out);
    }
}
