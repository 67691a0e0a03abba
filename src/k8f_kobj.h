
/*
 * Reading Kubernetes API objects, shared by the evidence pack and the
 * evidence-only analysis.  Plain C over jansson: no nginx types, no I/O,
 * no text is written.  Strings returned point into the objects.
 */

#ifndef _K8F_KOBJ_H_INCLUDED_
#define _K8F_KOBJ_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>

/* k8f_get(): the adapters' reader of dotted paths serves here too */
#include "k8f_util.h"


/* k8f_kobj_events(): events that differ only in fieldPath are merged */
#define K8F_KOBJ_ANY_FIELD      1


/*
 * A name, a kind, a reason, a time: what the API validates.  One that is
 * empty, longer than K8F_EVIDENCE_VALUE_MAX or has control characters is
 * treated as absent (NULL), so these may be printed as they are.
 */
const char *k8f_kobj_str(json_t *obj, const char *path);

/* free text (a message, a note, an env value), or NULL when empty */
const char *k8f_kobj_text(json_t *obj, const char *path);

long long k8f_kobj_int(json_t *obj, const char *path, long long def);

/* an object of that kind, or of no kind (a list item) */
int k8f_kobj_is(json_t *obj, const char *kind);

/* the item of an array of objects whose "name" is name, or NULL */
json_t *k8f_kobj_named(json_t *list, const char *name);

/*
 * An item of status.conditions: 1 when it is not as it should be
 * (pressure-like conditions True, the others not), 0 when it is, -1 when
 * it has no type.
 */

typedef struct {
    const char            *type;
    const char            *status;         /* NULL: none */
    const char            *reason;
    const char            *message;        /* free text */
    const char            *since;          /* lastTransitionTime */
} k8f_kobj_condition_t;

int k8f_kobj_condition(json_t *c, k8f_kobj_condition_t *cond);

/*
 * The name of an env item (an item of a container's "env") that sets how
 * much memory a runtime takes (NODE_OPTIONS, JAVA_OPTS, GOMEMLIMIT...),
 * with its value in *value; NULL for the others.
 */
const char *k8f_kobj_memory_env(json_t *item, const char **value);


/*
 * An event of a core/v1 or an events.k8s.io/v1 EventList, repeats
 * merged.  Its last sight is the newest of series.lastObservedTime,
 * lastTimestamp, eventTime (scheduler events have only eventTime and
 * series), firstTimestamp and creationTimestamp.  Ordering relies on
 * the API's UTC "Z" times.
 */

typedef struct {
    char                   last[32];       /* comparable as strings */
    char                   first[32];
    const char            *last_time;      /* as sent, or NULL */
    const char            *first_time;
    const char            *type;
    const char            *reason;
    const char            *kind;           /* of the object it is about */
    const char            *name;
    const char            *field;
    const char            *message;
    long long              count;
    size_t                 index;          /* its place in the list */
} k8f_kobj_event_t;

/*
 * The items of an EventList, non-empty, in list order with the repeats
 * of one event (same object, type, reason, message and, unless flags has
 * K8F_KOBJ_ANY_FIELD, fieldPath) merged and their counts added: a
 * malloc()ed array of *n, or NULL when memory ran out.
 */
k8f_kobj_event_t *k8f_kobj_events(json_t *items, unsigned flags,
    size_t *n);

/* for qsort(): newest first, the list order breaks ties */
int k8f_kobj_event_cmp(const void *one, const void *two);


#endif /* _K8F_KOBJ_H_INCLUDED_ */
