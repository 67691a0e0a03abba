
/*
 * The evidence pack: Kubernetes API answers turned into short text
 * sections for the prompt, each within a byte budget.  Plain C over
 * jansson: no nginx types, no I/O.
 *
 * Every k8f_evidence_<section>() appends to a k8f_buf_t at most budget
 * bytes (0: no limit) of lines ending in '\n', valid UTF-8 without
 * other control characters than '\n' and '\t'.  A section that does not
 * fit is cut on a line boundary and says how much was cut.  Returns:
 *
 *   K8F_OK        the section was written
 *   K8F_DECLINED  the object was not the one expected (a Status, another
 *                 kind, not an object): one readable line says so, the
 *                 line of k8f_evidence_status() for a Status
 *   K8F_ERROR     memory ran out; out->failed is set
 *
 * Times are shown as the API sends them, to the second.  Ordering
 * relies on the API's UTC "Z" times.
 */

#ifndef _K8F_EVIDENCE_H_INCLUDED_
#define _K8F_EVIDENCE_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>

#include "k8f_text.h"     /* K8F_OK... */


#define K8F_NAME_LEN            254     /* a DNS subdomain and a NUL */

/* one free-text value (a message, an env value) is cut after this */
#define K8F_EVIDENCE_VALUE_MAX  1024


/*
 * A growable string on malloc().  Zeroed (k8f_buf_init) it is empty;
 * data is NUL-terminated once anything was added.  After a failed
 * allocation failed is set and later additions are dropped.  The owner
 * may keep data and zero the struct instead of k8f_buf_free().
 */

typedef struct {
    char                  *data;
    size_t                 len;
    size_t                 size;
    unsigned               failed:1;
} k8f_buf_t;


void k8f_buf_init(k8f_buf_t *b);
void k8f_buf_free(k8f_buf_t *b);
int k8f_buf_add(k8f_buf_t *b, const char *p, size_t n);
int k8f_buf_printf(k8f_buf_t *b, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__ ((format (printf, 2, 3)))
#endif
    ;

/*
 * Untrusted text (a log): bad UTF-8 becomes U+FFFD, terminal escape
 * sequences are dropped, other control characters but '\n' and '\t'
 * become spaces, "\r\n" becomes '\n'.
 */
int k8f_buf_text(k8f_buf_t *b, const char *p, size_t n);

/* the text, "" when empty */
const char *k8f_buf_str(k8f_buf_t *b);

/*
 * An API time to the second, as k8f_kobj_str() returns it:
 * "2026-01-14T09:20:03.412907Z" loses ".412907".
 */
void k8f_buf_time(k8f_buf_t *b, const char *t);


/*
 * GET .../pods/NAME: phase, node, QoS, owner, conditions with the
 * reason and message of those that are not True, then per container
 * (init containers first): state, ready, restarts, last terminated
 * reason, exit code (with its signal above 128) and times, image,
 * requests and limits, probes, and the heap-size settings in env
 * (NODE_OPTIONS, JAVA_OPTS, GOMEMLIMIT...) that decide OOM kills.
 */
int k8f_evidence_pod(json_t *pod, k8f_buf_t *out, size_t budget);

/*
 * An EventList, core/v1 or events.k8s.io/v1.  Lists come sorted by name,
 * not time, so the events are sorted newest first by their last sight:
 * series.lastObservedTime, lastTimestamp, eventTime (scheduler events
 * have only eventTime and series), firstTimestamp, creationTimestamp.
 * Repeats of one event (same object, type, reason, message) are merged
 * and their counts added.  Each line names the type (Warning/Normal);
 * over budget, Normal events are dropped before Warnings, oldest first.
 * The object is named when the list is about more than one.
 */
int k8f_evidence_events(json_t *list, k8f_buf_t *out, size_t budget);

/*
 * A log body (GET .../log, text/plain): the newest lines that fit,
 * dropping older ones on a line boundary and saying how many bytes.
 */
int k8f_evidence_log(const char *log, size_t len, k8f_buf_t *out,
    size_t budget);

/*
 * A Service and its Endpoints; either may be NULL (not fetched) or a
 * Status (a failed call).  Endpoints without "subsets" (there is no
 * empty array) say "no ready endpoints".
 */
int k8f_evidence_service(json_t *service, json_t *endpoints,
    k8f_buf_t *out, size_t budget);

/* an EndpointSliceList: per endpoint its address, conditions and pod */
int k8f_evidence_endpointslices(json_t *list, k8f_buf_t *out,
    size_t budget);

/* a NetworkPolicyList: which pods, which peers, which ports, or deny */
int k8f_evidence_netpols(json_t *list, k8f_buf_t *out, size_t budget);

/* a Node: conditions (MemoryPressure...), taints, allocatable, capacity */
int k8f_evidence_node(json_t *node, k8f_buf_t *out, size_t budget);

/* a Deployment, ReplicaSet, StatefulSet or DaemonSet: replicas, owner,
 * conditions, strategy, images */
int k8f_evidence_workload(json_t *obj, k8f_buf_t *out, size_t budget);

/* an autoscaling/v2 HorizontalPodAutoscaler: replicas, metrics against
 * targets, conditions (ScalingLimited...) */
int k8f_evidence_hpa(json_t *hpa, k8f_buf_t *out, size_t budget);

/*
 * The item of a HorizontalPodAutoscalerList that scales kind/name, or
 * NULL; a borrowed reference.
 */
json_t *k8f_evidence_hpa_for(json_t *list, const char *kind,
    const char *name);

/*
 * A failed call as one line: "403 forbidden: <the API's message>
 * (RBAC lacks get on pods/log in namespace billing)".  status is the
 * decoded body, or NULL when it was not JSON; http_status is used when
 * the body has no code.  Always K8F_OK (or K8F_ERROR).
 */
int k8f_evidence_status(json_t *status, int http_status, k8f_buf_t *out,
    size_t budget);


/*
 * What the engine fetches next.  New arrays of container names, in the
 * order of the spec, init containers first: all of them (one log call
 * each: a pod with two containers answers 400 without ?container=), and
 * those whose restartCount > 0 (their ?previous=true log is the one
 * from before the crash).  NULL when pod is not a Pod or memory ran out.
 */
json_t *k8f_evidence_containers(json_t *pod);
json_t *k8f_evidence_restarted(json_t *pod);


/*
 * The controller (or else the first) owner of an object.  For a Pod
 * owned by a ReplicaSet, deployment is the Deployment the ReplicaSet
 * name implies: the Deployment controller names its ReplicaSets
 * <deployment>-<pod-template-hash>, so the engine can fetch both at
 * once (the ReplicaSet's ownerReferences confirm it).  For a ReplicaSet
 * owned by a Deployment it is that Deployment.  kind and name point
 * into obj.  K8F_OK, or K8F_DECLINED when there is no owner.
 */

typedef struct {
    const char            *kind;
    const char            *name;
    char                   deployment[K8F_NAME_LEN];     /* or "" */
} k8f_owner_t;

int k8f_evidence_owner(json_t *obj, k8f_owner_t *owner);


#endif /* _K8F_EVIDENCE_H_INCLUDED_ */
