
/*
 * Helpers shared by the adapters: typed getters that never trust the
 * payload's types, the normalized alert builder, Kubernetes label
 * fallbacks, the free-text extractor and time conversion.
 */

#ifndef _K8F_UTIL_H_INCLUDED_
#define _K8F_UTIL_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>


/*
 * Getters: NULL when the key is missing or of another type.  A path is
 * dotted ("event.data.title"); array elements are not addressed.
 */
json_t *k8f_get(json_t *obj, const char *path);
const char *k8f_str(json_t *obj, const char *path);     /* strings only */
json_t *k8f_object(json_t *obj, const char *path);
json_t *k8f_array(json_t *obj, const char *path);

/*
 * A string, integer, real or boolean rendered as a new JSON string
 * (integers without exponent); NULL for null, objects, arrays and "".
 */
json_t *k8f_scalar_string(json_t *v);

/* case-insensitive key test: the payload has any of the keys (NULL-ended) */
int k8f_has_any(json_t *obj, const char *const *keys);

/*
 * the normalized alert (k8f_adapter.h), every key present: "status" is
 * "firing", "labels" and "annotations" are {}, the others null
 */
json_t *k8f_alert_new(const char *source);

/*
 * Set a string key of the alert from any scalar value (see
 * k8f_scalar_string); NULL, "" and non-scalars leave it unchanged.
 * _str takes a C string.  _default only fills a key that is still null.
 */
void k8f_alert_set(json_t *alert, const char *key, json_t *value);
void k8f_alert_set_str(json_t *alert, const char *key, const char *s);
void k8f_alert_default(json_t *alert, const char *key, json_t *value);

/*
 * Copy every scalar member of src into the alert's "labels" (or
 * "annotations") object as strings; existing keys are kept.
 */
void k8f_alert_merge(json_t *alert, const char *which, json_t *src);

/*
 * "k:v" tags, as a JSON array of strings or one comma-separated string,
 * into the alert's labels ("k" -> "v"; a bare tag maps to "").
 */
void k8f_alert_tags(json_t *alert, json_t *tags);

/*
 * Kubernetes fields still null are filled from the alert's labels with
 * the usual fallbacks: namespace <- namespace, kube_namespace,
 * k8s_namespace, kubernetes_namespace, exported_namespace; pod <- pod,
 * pod_name, k8s_pod, kube_pod, kubernetes_pod_name, exported_pod; and
 * alike for container, service, node, cluster.
 */
void k8f_alert_k8s_from_labels(json_t *alert);

/*
 * The shared free-text extractor (pcre2): fills Kubernetes fields still
 * null from text such as "namespace=payments pod=api-7d9", "Pod
 * payments/api-7d9 is crash looping", "{kube_namespace:x,pod_name:y}",
 * "namespace: x".
 */
void k8f_alert_extract(json_t *alert, const char *text);

/*
 * Time as RFC 3339 UTC into the alert's "starts_at": RFC 3339 strings
 * are kept, epochs in seconds, milliseconds, microseconds or
 * nanoseconds (numbers or numeric strings) are converted.
 */
void k8f_alert_time(json_t *alert, json_t *value);

/*
 * Last step of every adapter for every alert: Kubernetes fallbacks from
 * labels, and a fingerprint (FNV-1a 64 of source, alertname and the
 * sorted labels, 16 hex digits) when the sender gave none.
 */
void k8f_alert_finish(json_t *alert);

/* snprintf into err and return NULL: for normalize() failures */
json_t *k8f_fail(char *err, size_t size, const char *fmt, ...);

/* snprintf into reason and return 0: for score() declines */
int k8f_decline(char *reason, size_t size, const char *fmt, ...);


/*
 * The normalized Kubernetes field ("namespace", "pod", ...) a label or
 * text key stands for ("kube_namespace", "pod_name", ...), or NULL.
 * k8f_k8s_value_ok() tells a value fit for that field: strict is for
 * values found in free text, which must look like Kubernetes names.
 */
const char *k8f_k8s_field(const char *key, size_t len);
int k8f_k8s_value_ok(const char *field, const char *value, size_t len,
    int strict);

/* releases the extractor's compiled patterns (exit, valgrind) */
void k8f_extract_cleanup(void);

/*
 * One Alertmanager-shaped alert (alertmanager.c), shared with Grafana's
 * unified alerting; envelope is the webhook body the alert came in.
 */
json_t *k8f_alertmanager_alert(json_t *src, json_t *envelope,
    const char *source);


#endif /* _K8F_UTIL_H_INCLUDED_ */
