
/*
 * Reading Kubernetes API objects.
 */


#include <stdlib.h>
#include <string.h>

#include "k8f_kobj.h"
#include "k8f_evidence.h"


static void k8f_kobj_time_key(const char *t, char *key);
static int k8f_kobj_condition_bad(const char *type, const char *status);
static void k8f_kobj_event(k8f_kobj_event_t *e, json_t *item);
static int k8f_kobj_event_same(k8f_kobj_event_t *a, k8f_kobj_event_t *b,
    unsigned flags);


/* env settings that decide how much memory a runtime takes */

static const char  *k8f_kobj_memory_envs[] = {
    "NODE_OPTIONS", "JAVA_OPTS", "JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS",
    "_JAVA_OPTIONS", "GOMEMLIMIT", "GOGC", "MALLOC_ARENA_MAX",
    "DOTNET_GCHeapHardLimit", NULL
};


const char *
k8f_kobj_str(json_t *obj, const char *path)
{
    size_t       i;
    const char  *s;

    s = k8f_kobj_text(obj, path);

    for (i = 0; s != NULL && s[i]; i++) {
        if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f
            || i == K8F_EVIDENCE_VALUE_MAX)
        {
            return NULL;
        }
    }

    return s;
}


const char *
k8f_kobj_text(json_t *obj, const char *path)
{
    const char  *s;

    s = json_string_value(k8f_get(obj, path));

    return (s != NULL && s[0] != '\0') ? s : NULL;
}


long long
k8f_kobj_int(json_t *obj, const char *path, long long def)
{
    json_t  *v;

    v = k8f_get(obj, path);

    return json_is_integer(v) ? (long long) json_integer_value(v) : def;
}


int
k8f_kobj_is(json_t *obj, const char *kind)
{
    const char  *k;

    if (!json_is_object(obj)) {
        return 0;
    }

    k = k8f_kobj_text(obj, "kind");

    return k == NULL || strcmp(k, kind) == 0;
}


json_t *
k8f_kobj_named(json_t *list, const char *name)
{
    size_t       i;
    json_t      *item;
    const char  *s;

    for (i = 0; i < json_array_size(list); i++) {
        item = json_array_get(list, i);
        s = k8f_kobj_str(item, "name");

        if (s != NULL && strcmp(s, name) == 0) {
            return item;
        }
    }

    return NULL;
}


int
k8f_kobj_condition(json_t *c, k8f_kobj_condition_t *cond)
{
    cond->type = k8f_kobj_str(c, "type");
    cond->status = k8f_kobj_str(c, "status");
    cond->reason = k8f_kobj_str(c, "reason");
    cond->message = k8f_kobj_text(c, "message");
    cond->since = k8f_kobj_str(c, "lastTransitionTime");

    if (cond->type == NULL) {
        return -1;
    }

    return k8f_kobj_condition_bad(cond->type, cond->status);
}


const char *
k8f_kobj_memory_env(json_t *item, const char **value)
{
    size_t       k;
    const char  *name;

    name = k8f_kobj_str(item, "name");
    *value = k8f_kobj_text(item, "value");

    if (name == NULL || *value == NULL) {
        return NULL;
    }

    for (k = 0; k8f_kobj_memory_envs[k]; k++) {
        if (strcmp(name, k8f_kobj_memory_envs[k]) == 0) {
            return name;
        }
    }

    return NULL;
}


k8f_kobj_event_t *
k8f_kobj_events(json_t *items, unsigned flags, size_t *n)
{
    size_t             i, k;
    k8f_kobj_event_t  *ev, e;

    *n = 0;

    ev = calloc(json_array_size(items), sizeof(k8f_kobj_event_t));
    if (ev == NULL) {
        return NULL;
    }

    for (i = 0; i < json_array_size(items); i++) {
        k8f_kobj_event(&e, json_array_get(items, i));

        for (k = 0; k < *n; k++) {
            if (k8f_kobj_event_same(&ev[k], &e, flags)) {
                break;
            }
        }

        if (k == *n) {
            e.index = (*n)++;
            ev[k] = e;
            continue;
        }

        ev[k].count += e.count;

        if (strcmp(e.last, ev[k].last) > 0) {
            memcpy(ev[k].last, e.last, sizeof(e.last));
            ev[k].last_time = e.last_time;
        }

        if (e.first[0] != '\0'
            && (ev[k].first[0] == '\0' || strcmp(e.first, ev[k].first) < 0))
        {
            memcpy(ev[k].first, e.first, sizeof(e.first));
            ev[k].first_time = e.first_time;
        }
    }

    return ev;
}


int
k8f_kobj_event_cmp(const void *one, const void *two)
{
    int                       rc;
    const k8f_kobj_event_t   *a, *b;

    a = one;
    b = two;

    rc = strcmp(b->last, a->last);

    if (rc != 0) {
        return rc;
    }

    return (a->index > b->index) - (a->index < b->index);
}


/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnn", comparable as a string; "" for none */

static void
k8f_kobj_time_key(const char *t, char *key)
{
    size_t  n;

    key[0] = '\0';

    if (t == NULL || strlen(t) < 19) {
        return;
    }

    memcpy(key, t, 19);
    memcpy(key + 19, ".000000000", 11);

    if (t[19] == '.') {
        for (n = 0; n < 9 && t[20 + n] >= '0' && t[20 + n] <= '9'; n++) {
            key[20 + n] = t[20 + n];
        }
    }
}


/* pressure-like conditions are bad when True, the others when not */

static int
k8f_kobj_condition_bad(const char *type, const char *status)
{
    size_t  n;

    if (status == NULL || strcmp(status, "Unknown") == 0) {
        return 1;
    }

    n = strlen(type);

    if ((n >= 8 && strcmp(type + n - 8, "Pressure") == 0)
        || strcmp(type, "NetworkUnavailable") == 0
        || strcmp(type, "ReplicaFailure") == 0
        || strcmp(type, "ScalingLimited") == 0)
    {
        return strcmp(status, "True") == 0;
    }

    return strcmp(status, "True") != 0;
}


static void
k8f_kobj_event(k8f_kobj_event_t *e, json_t *item)
{
    size_t       i;
    json_t      *obj;
    char         key[32];
    const char  *t;

    static const char  *last[] = {
        "series.lastObservedTime", "lastTimestamp",
        "deprecatedLastTimestamp", "eventTime", "firstTimestamp",
        "deprecatedFirstTimestamp", "metadata.creationTimestamp"
    };

    static const char  *first[] = {
        "firstTimestamp", "deprecatedFirstTimestamp", "eventTime",
        "metadata.creationTimestamp"
    };

    memset(e, 0, sizeof(k8f_kobj_event_t));

    obj = json_object_get(item, "involvedObject");

    if (obj == NULL) {
        obj = json_object_get(item, "regarding");
    }

    e->kind = k8f_kobj_str(obj, "kind");
    e->name = k8f_kobj_str(obj, "name");
    e->field = k8f_kobj_str(obj, "fieldPath");
    e->type = k8f_kobj_str(item, "type");
    e->reason = k8f_kobj_str(item, "reason");

    e->message = k8f_kobj_text(item, "message");

    if (e->message == NULL) {
        e->message = k8f_kobj_text(item, "note");
    }

    e->count = k8f_kobj_int(item, "series.count", -1);

    if (e->count < 0) {
        e->count = k8f_kobj_int(item, "count",
                                k8f_kobj_int(item, "deprecatedCount", 1));
    }

    if (e->count < 1) {
        e->count = 1;
    }

    for (i = 0; i < sizeof(last) / sizeof(last[0]); i++) {
        t = k8f_kobj_str(item, last[i]);
        k8f_kobj_time_key(t, key);

        if (key[0] != '\0' && strcmp(key, e->last) > 0) {
            memcpy(e->last, key, sizeof(key));
            e->last_time = t;
        }
    }

    for (i = 0; i < sizeof(first) / sizeof(first[0]); i++) {
        t = k8f_kobj_str(item, first[i]);
        k8f_kobj_time_key(t, key);

        if (key[0] != '\0') {
            memcpy(e->first, key, sizeof(key));
            e->first_time = t;
            break;
        }
    }
}


static int
k8f_kobj_event_same(k8f_kobj_event_t *a, k8f_kobj_event_t *b,
    unsigned flags)
{
    int          i;
    const char  *one[6], *two[6];

    one[0] = a->kind; one[1] = a->name; one[2] = a->type;
    one[3] = a->reason; one[4] = a->message; one[5] = a->field;
    two[0] = b->kind; two[1] = b->name; two[2] = b->type;
    two[3] = b->reason; two[4] = b->message; two[5] = b->field;

    for (i = 0; i < ((flags & K8F_KOBJ_ANY_FIELD) ? 5 : 6); i++) {
        if (strcmp(one[i] ? one[i] : "", two[i] ? two[i] : "") != 0) {
            return 0;
        }
    }

    return 1;
}
