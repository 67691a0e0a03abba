
/*
 * k8flex alert adapters: pure C over jansson and pcre2, no nginx types.
 *
 * An adapter scores how much a decoded webhook body looks like its
 * system, and turns a body of its system into an array of normalized
 * alerts.  The registry scores every adapter and the best score wins.
 */

#ifndef _K8F_ADAPTER_H_INCLUDED_
#define _K8F_ADAPTER_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>


#define K8F_NADAPTERS     7
#define K8F_REASON_LEN    160
#define K8F_ERR_LEN       256


/*
 * A normalized alert is a JSON object with exactly these keys, in this
 * order; a string key is null when the payload does not say:
 *
 *   source         "Alertmanager", "PagerDuty", ... (k8f_adapter_t.title)
 *   status         "firing" | "resolved"
 *   skip           null, or why a firing-looking notification must not be
 *                  analysed ("resolved", "acknowledged", "note added", ...)
 *   alertname, severity,
 *   namespace, pod, container, service, node, cluster,
 *   labels         object of strings
 *   annotations    object of strings (summary, description, runbook_url...)
 *   starts_at      RFC 3339 UTC ("2024-05-01T10:00:00Z") or null
 *   generator_url
 *   fingerprint    the sender's, or k8f_fingerprint() of the alert
 */

typedef struct {
    const char   *name;      /* as in k8flex_adapters: "newrelic" */
    const char   *title;     /* as users grep the log: "New Relic" */

    /*
     * 0 declines and writes why into reason; a higher score means more
     * fields distinctive of this system were seen.
     */
    int         (*score)(json_t *payload, char *reason, size_t size);

    /*
     * Returns a new array of normalized alerts (possibly empty), or NULL
     * with a message in err.  Never crashes on wrong types.
     */
    json_t     *(*normalize)(json_t *payload, char *err, size_t size);
} k8f_adapter_t;


typedef struct {
    int           winner;                 /* index or -1 when all declined */
    int           score[K8F_NADAPTERS];
    char          reason[K8F_NADAPTERS][K8F_REASON_LEN];
} k8f_detection_t;


/* registry: k8f_registry.c; index order is the order below */
extern const k8f_adapter_t  *k8f_adapters[K8F_NADAPTERS];

int k8f_adapter_index(const char *name, size_t len);   /* -1: unknown */
void k8f_detect(json_t *payload, k8f_detection_t *d);
json_t *k8f_normalize(int index, json_t *payload, char *err, size_t size);

/* form bodies: k8f_form.c; fields whose value is JSON are parsed */
json_t *k8f_form_decode(const char *data, size_t len);


extern const k8f_adapter_t  k8f_alertmanager_adapter;
extern const k8f_adapter_t  k8f_pagerduty_adapter;
extern const k8f_adapter_t  k8f_grafana_adapter;
extern const k8f_adapter_t  k8f_datadog_adapter;
extern const k8f_adapter_t  k8f_opsgenie_adapter;
extern const k8f_adapter_t  k8f_victorops_adapter;
extern const k8f_adapter_t  k8f_newrelic_adapter;


#endif /* _K8F_ADAPTER_H_INCLUDED_ */
