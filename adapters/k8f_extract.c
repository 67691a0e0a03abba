
/*
 * The shared free-text extractor: Kubernetes names out of alert titles,
 * descriptions and messages, for the systems whose payloads carry them
 * only as text.  Patterns are compiled once per process, on first use.
 */


#define PCRE2_CODE_UNIT_WIDTH 8

#include <string.h>
#include <strings.h>
#include <pcre2.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


/* the head of a long text is searched, a bounded number of times */
#define K8F_EXTRACT_TEXT_MAX    32768
#define K8F_EXTRACT_MATCH_MAX   256
#define K8F_EXTRACT_MATCH_LIMIT 100000
#define K8F_EXTRACT_DEPTH_LIMIT 1000

#define K8F_NAME    "([a-z0-9][a-z0-9.-]{0,252})"
#define K8F_LABEL   "([a-z0-9][a-z0-9-]{0,62})"
#define K8F_AFTER   "(?![A-Za-z0-9_/-]|\\.[A-Za-z0-9])"
#define K8F_BEFORE  "(?<![A-Za-z0-9_.-])"
#define K8F_SP      "\\s{1,3}"


typedef void (*k8f_extract_pt)(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);


typedef struct {
    const char            *pattern;
    k8f_extract_pt         found;
    pcre2_code            *code;
} k8f_extract_rule_t;


static int k8f_extract_init(void);
static int k8f_extract_done(json_t *alert);
static int k8f_extract_group(PCRE2_SIZE *ov, int n, int i, const char *text,
    const char **p, size_t *len);
static void k8f_extract_fill(json_t *alert, const char *field,
    const char *p, size_t len);
static void k8f_extract_group_fill(json_t *alert, const char *field,
    const char *text, PCRE2_SIZE *ov, int n, int i);
static int k8f_extract_replica(const char *p, size_t len);
static void k8f_extract_kv(json_t *alert, const char *text, PCRE2_SIZE *ov,
    int n);
static void k8f_extract_kind_slash(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);
static void k8f_extract_kind_in(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);
static void k8f_extract_container_in(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);
static void k8f_extract_pod_named(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);
static void k8f_extract_ns_pod(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);
static void k8f_extract_ns(json_t *alert, const char *text, PCRE2_SIZE *ov,
    int n);
static void k8f_extract_title(json_t *alert, const char *text,
    PCRE2_SIZE *ov, int n);


/* in order of trust: the first rule to name a field fills it */

static k8f_extract_rule_t  k8f_extract_rules[] = {

    /* namespace=x, pod: "y", {kube_namespace:x,pod_name:y}, "pod": "y" */
    { K8F_BEFORE "[\"']?([A-Za-z][A-Za-z0-9_.]{0,40})[\"']?\\s{0,3}[=:]"
      "\\s{0,3}(?:\"([^\"\\s]{1,253})\"|'([^'\\s]{1,253})'"
      "|([A-Za-z0-9][A-Za-z0-9._/-]{0,252}+))",
      k8f_extract_kv, NULL },

    /* Pod payments/api-7d9, Deployment payments/checkout-api */
    { K8F_BEFORE "(?i:(pods?|deployment|statefulset|daemonset|replicaset"
      "|job|cronjob|service|svc))" K8F_SP K8F_LABEL "/" K8F_NAME K8F_AFTER,
      k8f_extract_kind_slash, NULL },

    /* Container main in pod api-server-xyz, ... in pod payments/api-7d9 */
    { K8F_BEFORE "(?i:container)" K8F_SP "[\"']?" K8F_LABEL "[\"']?" K8F_SP
      "(?i:(?:in|of)" K8F_SP "(?:the" K8F_SP ")?pod)" K8F_SP
      "(?:" K8F_LABEL "/)?" K8F_NAME K8F_AFTER,
      k8f_extract_container_in, NULL },

    /* Pod x in namespace y, Service x in the y namespace */
    { K8F_BEFORE "(?i:(pod|container|service|deployment|statefulset"
      "|daemonset))" K8F_SP "[\"']?" K8F_NAME "[\"']?" K8F_SP
      "(?i:in)" K8F_SP "(?i:the" K8F_SP ")?"
      "(?:(?i:namespace)" K8F_SP "[\"']?" K8F_LABEL
      "|" K8F_LABEL K8F_SP "(?i:namespace))" K8F_AFTER,
      k8f_extract_kind_in, NULL },

    /* in namespace payments */
    { K8F_BEFORE "(?i:in" K8F_SP "(?:the" K8F_SP ")?namespace)" K8F_SP
      "[\"']?" K8F_LABEL K8F_AFTER,
      k8f_extract_ns, NULL },

    /* in the payments namespace */
    { K8F_BEFORE "(?i:in" K8F_SP "(?:the" K8F_SP ")?)" K8F_LABEL K8F_SP
      "(?i:namespace)" K8F_AFTER,
      k8f_extract_ns, NULL },

    /* Pod api-server-xyz is crash looping, pod/api-7d9 */
    { K8F_BEFORE "(?i:pod)(?:" K8F_SP "[\"']?|/)" K8F_NAME K8F_AFTER,
      k8f_extract_pod_named, NULL },

    /* the whole text is namespace/pod: VictorOps' entity_id */
    { "^\\s{0,8}" K8F_LABEL "/" K8F_NAME "\\s{0,8}$",
      k8f_extract_ns_pod, NULL },

    /* New Relic: "checkout-api-7d9c6b8f5-x2k9p query result is > 5.0 ..." */
    { "^\\s{0,8}(?:" K8F_LABEL "/)?" K8F_NAME K8F_SP "(?i:query result is)",
      k8f_extract_title, NULL }
};


static const char  *k8f_extract_fields[] = {
    "namespace", "pod", "container", "service", "node", "cluster", NULL
};


/* words that read like a namespace after "in" but are English */

static const char  *k8f_extract_stop[] = {
    "the", "a", "an", "this", "that", "its", "their", "each", "every",
    "any", "all", "same", "some", "one", "is", "has", "not", NULL
};


static int                   k8f_extract_ready;
static pcre2_match_data     *k8f_extract_md;
static pcre2_match_context  *k8f_extract_mctx;


void
k8f_alert_extract(json_t *alert, const char *text)
{
    int          n, rc;
    size_t       len, i;
    PCRE2_SIZE   start, *ov;

    if (!json_is_object(alert) || text == NULL || k8f_extract_done(alert)) {
        return;
    }

    if (k8f_extract_init() != 0) {
        return;
    }

    len = strnlen(text, K8F_EXTRACT_TEXT_MAX);

    for (i = 0; i < sizeof(k8f_extract_rules) / sizeof(k8f_extract_rules[0]);
         i++)
    {
        start = 0;

        for (n = 0; n < K8F_EXTRACT_MATCH_MAX && start <= len; n++) {

            rc = pcre2_match(k8f_extract_rules[i].code, (PCRE2_SPTR) text,
                             len, start, 0, k8f_extract_md,
                             k8f_extract_mctx);
            if (rc <= 0) {
                break;
            }

            ov = pcre2_get_ovector_pointer(k8f_extract_md);

            if (ov[1] < ov[0] || ov[1] > len) {
                break;
            }

            k8f_extract_rules[i].found(alert, text, ov, rc);

            if (k8f_extract_done(alert)) {
                return;
            }

            start = (ov[1] > ov[0]) ? ov[1] : ov[1] + 1;
        }
    }
}


void
k8f_extract_cleanup(void)
{
    size_t  i;

    for (i = 0; i < sizeof(k8f_extract_rules) / sizeof(k8f_extract_rules[0]);
         i++)
    {
        pcre2_code_free(k8f_extract_rules[i].code);
        k8f_extract_rules[i].code = NULL;
    }

    pcre2_match_data_free(k8f_extract_md);
    pcre2_match_context_free(k8f_extract_mctx);

    k8f_extract_md = NULL;
    k8f_extract_mctx = NULL;
    k8f_extract_ready = 0;
}


/* 0 when the patterns are ready; a failure is remembered, never retried */

static int
k8f_extract_init(void)
{
    int          errcode;
    size_t       i;
    PCRE2_SIZE   erroff;

    if (k8f_extract_ready) {
        return k8f_extract_ready > 0 ? 0 : -1;
    }

    k8f_extract_ready = -1;

    for (i = 0; i < sizeof(k8f_extract_rules) / sizeof(k8f_extract_rules[0]);
         i++)
    {
        k8f_extract_rules[i].code =
            pcre2_compile((PCRE2_SPTR) k8f_extract_rules[i].pattern,
                          PCRE2_ZERO_TERMINATED, 0, &errcode, &erroff, NULL);

        if (k8f_extract_rules[i].code == NULL) {
            k8f_extract_cleanup();
            k8f_extract_ready = -1;
            return -1;
        }
    }

    k8f_extract_md = pcre2_match_data_create(16, NULL);
    k8f_extract_mctx = pcre2_match_context_create(NULL);

    if (k8f_extract_md == NULL || k8f_extract_mctx == NULL) {
        k8f_extract_cleanup();
        k8f_extract_ready = -1;
        return -1;
    }

    pcre2_set_match_limit(k8f_extract_mctx, K8F_EXTRACT_MATCH_LIMIT);
    pcre2_set_depth_limit(k8f_extract_mctx, K8F_EXTRACT_DEPTH_LIMIT);

    k8f_extract_ready = 1;

    return 0;
}


static int
k8f_extract_done(json_t *alert)
{
    size_t  i;

    for (i = 0; k8f_extract_fields[i] != NULL; i++) {
        if (!json_is_string(json_object_get(alert, k8f_extract_fields[i]))) {
            return 0;
        }
    }

    return 1;
}


static int
k8f_extract_group(PCRE2_SIZE *ov, int n, int i, const char *text,
    const char **p, size_t *len)
{
    if (i >= n || ov[2 * i] == PCRE2_UNSET || ov[2 * i + 1] < ov[2 * i]) {
        return 0;
    }

    *p = text + ov[2 * i];
    *len = ov[2 * i + 1] - ov[2 * i];

    return *len > 0;
}


/* a Kubernetes name ends with a letter or digit: "pod=api-1." loses the dot */

static void
k8f_extract_fill(json_t *alert, const char *field, const char *p, size_t len)
{
    size_t  i;

    while (len && (p[len - 1] == '.' || p[len - 1] == '-')) {
        len--;
    }

    if (!k8f_k8s_value_ok(field, p, len, 1)) {
        return;
    }

    if (json_is_string(json_object_get(alert, field))) {
        return;
    }

    for (i = 0; k8f_extract_stop[i] != NULL; i++) {
        if (strlen(k8f_extract_stop[i]) == len
            && memcmp(k8f_extract_stop[i], p, len) == 0)
        {
            return;
        }
    }

    json_object_set_new(alert, field, json_stringn(p, len));
}


static void
k8f_extract_group_fill(json_t *alert, const char *field, const char *text,
    PCRE2_SIZE *ov, int n, int i)
{
    size_t       len;
    const char  *p;

    if (k8f_extract_group(ov, n, i, text, &p, &len)) {
        k8f_extract_fill(alert, field, p, len);
    }
}


/* <deployment>-<replicaset hash>-<5 characters>: what a pod's name is */

static int
k8f_extract_replica(const char *p, size_t len)
{
    size_t  i, dash1, dash2;

    dash1 = dash2 = 0;

    for (i = len; i > 0; i--) {
        if (p[i - 1] == '-') {
            if (dash2 == 0) {
                dash2 = i;

            } else {
                dash1 = i;
                break;
            }
        }
    }

    /* dash2 and dash1 are the offsets just after the last two dashes */

    return dash1 > 1 && len - dash2 == 5 && dash2 - dash1 >= 2
           && dash2 - dash1 <= 11;
}


static void
k8f_extract_kv(json_t *alert, const char *text, PCRE2_SIZE *ov, int n)
{
    int          i;
    size_t       klen, len;
    const char  *key, *field, *p, *slash;

    if (!k8f_extract_group(ov, n, 1, text, &key, &klen)) {
        return;
    }

    field = k8f_k8s_field(key, klen);
    if (field == NULL) {
        return;
    }

    for (i = 2; i <= 4; i++) {
        if (k8f_extract_group(ov, n, i, text, &p, &len)) {
            break;
        }
    }

    if (i > 4) {
        return;
    }

    /* "pod: payments/api-7d9" names the namespace too */

    slash = memchr(p, '/', len);

    if (slash == NULL) {
        k8f_extract_fill(alert, field, p, len);
        return;
    }

    if ((strcmp(field, "pod") == 0 || strcmp(field, "service") == 0)
        && memchr(slash + 1, '/', len - (slash - p) - 1) == NULL)
    {
        k8f_extract_fill(alert, "namespace", p, slash - p);
        k8f_extract_fill(alert, field, slash + 1, len - (slash - p) - 1);
    }
}


static void
k8f_extract_kind_slash(json_t *alert, const char *text, PCRE2_SIZE *ov,
    int n)
{
    size_t       len;
    const char  *kind;

    if (!k8f_extract_group(ov, n, 1, text, &kind, &len)) {
        return;
    }

    k8f_extract_group_fill(alert, "namespace", text, ov, n, 2);

    if (len >= 3 && strncasecmp(kind, "pod", 3) == 0) {
        k8f_extract_group_fill(alert, "pod", text, ov, n, 3);

    } else if ((len == 7 && strncasecmp(kind, "service", 7) == 0)
               || (len == 3 && strncasecmp(kind, "svc", 3) == 0))
    {
        k8f_extract_group_fill(alert, "service", text, ov, n, 3);
    }
}


static void
k8f_extract_container_in(json_t *alert, const char *text, PCRE2_SIZE *ov,
    int n)
{
    k8f_extract_group_fill(alert, "container", text, ov, n, 1);
    k8f_extract_group_fill(alert, "namespace", text, ov, n, 2);
    k8f_extract_group_fill(alert, "pod", text, ov, n, 3);
}


static void
k8f_extract_kind_in(json_t *alert, const char *text, PCRE2_SIZE *ov, int n)
{
    size_t       len;
    const char  *kind, *field;

    if (!k8f_extract_group(ov, n, 1, text, &kind, &len)) {
        return;
    }

    if (len == 3 && strncasecmp(kind, "pod", 3) == 0) {
        field = "pod";

    } else if (len == 9 && strncasecmp(kind, "container", 9) == 0) {
        field = "container";

    } else if (len == 7 && strncasecmp(kind, "service", 7) == 0) {
        field = "service";

    } else {
        field = NULL;
    }

    if (field != NULL) {
        k8f_extract_group_fill(alert, field, text, ov, n, 2);
    }

    k8f_extract_group_fill(alert, "namespace", text, ov, n, 3);
    k8f_extract_group_fill(alert, "namespace", text, ov, n, 4);
}


static void
k8f_extract_ns(json_t *alert, const char *text, PCRE2_SIZE *ov, int n)
{
    k8f_extract_group_fill(alert, "namespace", text, ov, n, 1);
}


/*
 * "Pod is crash looping", "pod restarted": after a bare "pod" only a
 * word with a letter and a digit or dash is taken for its name.
 */

static void
k8f_extract_pod_named(json_t *alert, const char *text, PCRE2_SIZE *ov,
    int n)
{
    int          letter, mark;
    size_t       i, len;
    const char  *p;

    if (!k8f_extract_group(ov, n, 1, text, &p, &len)) {
        return;
    }

    letter = 0;
    mark = 0;

    for (i = 0; i < len; i++) {
        if (p[i] >= 'a' && p[i] <= 'z') {
            letter = 1;

        } else if (p[i] == '-' || (p[i] >= '0' && p[i] <= '9')) {
            mark = 1;
        }
    }

    if (letter && mark) {
        k8f_extract_fill(alert, "pod", p, len);
    }
}


static void
k8f_extract_ns_pod(json_t *alert, const char *text, PCRE2_SIZE *ov, int n)
{
    k8f_extract_group_fill(alert, "namespace", text, ov, n, 1);
    k8f_extract_group_fill(alert, "pod", text, ov, n, 2);
}


/* a New Relic title names an entity, which is a pod only if it looks one */

static void
k8f_extract_title(json_t *alert, const char *text, PCRE2_SIZE *ov, int n)
{
    size_t       len;
    const char  *p;

    if (!k8f_extract_group(ov, n, 2, text, &p, &len)
        || !k8f_extract_replica(p, len))
    {
        return;
    }

    k8f_extract_group_fill(alert, "namespace", text, ov, n, 1);
    k8f_extract_fill(alert, "pod", p, len);
}
