
/*
 * Categorizes a normalized alert with one table of pcre2 rules.  Rules
 * are tried in table order and the first that matches wins; a rule looks
 * at the alert name, at the summary, description and message annotations,
 * or at label values, in that order.  The table is laid out in tiers:
 *
 *   1. an OOM kill, wherever it is named: it is the cause of the crash
 *      loop or restarts it comes with, and what the evidence must show;
 *   2. alert names: kubernetes-mixin, node-exporter mixin,
 *      kube-state-metrics, awesome-prometheus-alerts, and the names people
 *      give their Grafana, Datadog or New Relic alerts;
 *   3. free text, for alerts whose names say little ("Database Pod Issue");
 *   4. label values such as reason="CrashLoopBackOff" or resource="cpu",
 *      skipping labels that only name things (pod, job, service, ...),
 *      whose values ("disk-cleaner-7d9", "node-exporter") would mislead.
 *
 * Within a tier the order settles overlaps: a node condition before
 * memory and disk ("NodeMemoryPressure", "KubeletDiskPressure"), hpa
 * before deployment ("KubeHpaReplicasMismatch"), disk before node for
 * node-exporter's "NodeFilesystem..." (the node rules name conditions,
 * not resources), pod-crash before pod-restart ("restarted 15 times" in
 * a crash loop), network before service ("CoreDNSDown", "KubeProxyDown").
 */


#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <string.h>
#include <pcre2.h>

#include "k8f_category.h"


/* what a rule looks at */
#define K8F_ON_NAME         0x01    /* alertname */
#define K8F_ON_TEXT         0x02    /* summary, description, message */
#define K8F_ON_LABEL        0x04    /* values of labels that are not names */
#define K8F_ON_ANY          (K8F_ON_NAME|K8F_ON_TEXT|K8F_ON_LABEL)

/* the head of a long description says what it is about */
#define K8F_CAT_TEXT_MAX    8192
#define K8F_CAT_QUOTE_MAX   64
#define K8F_CAT_KEY_MAX     64
#define K8F_CAT_MATCH_LIMIT 100000
#define K8F_CAT_DEPTH_LIMIT 1000


typedef struct {
    const char            *category;
    unsigned               fields;
    const char            *pattern;
    pcre2_code            *code;
} k8f_category_rule_t;


static int k8f_category_init(void);
static int k8f_category_match(k8f_category_rule_t *rule, const char *prefix,
    const char *key, json_t *value, char *why, size_t size);
static int k8f_category_naming(const char *key);
static size_t k8f_category_quote(char *dst, size_t size, const char *src,
    size_t len);
static void k8f_category_explain(k8f_category_rule_t *rule,
    const char *prefix, const char *key, const char *text, size_t len,
    PCRE2_SIZE start, char *why, size_t size);
static void k8f_category_utf8_cut(char *s, size_t len);


/*
 * All rules are case-insensitive; (?-i:...) marks the parts that are not.
 * A pattern is short enough to be quoted whole in the "why" of a match.
 */

static k8f_category_rule_t  k8f_category_rules[] = {

    /* 1. OOM kills */

    { "memory",      K8F_ON_ANY,   "OOM[ _-]?Kill", NULL },
    { "memory",      K8F_ON_ANY,   "\\bOOM\\b|Out[ _-]?Of[ _-]?Memory", NULL },

    /* 2. alert names */

    { "node",        K8F_ON_NAME,  "KubeNode|Kubelet", NULL },
    { "node",        K8F_ON_NAME,
      "Node ?(?:Not ?Ready|Ready|Unreachable|Down|Lost)", NULL },
    { "node",        K8F_ON_NAME,
      "(?:Memory|Disk|PID)[ _]?Pressure|NetworkUnavailable", NULL },
    { "node",        K8F_ON_NAME,  "Evict|OutOfCapacity|ClusterAutoscal",
      NULL },
    { "node",        K8F_ON_NAME,
      "Temperature|Thermal|Overheat|Hardware|Edac", NULL },
    { "node",        K8F_ON_NAME,
      "Clock|Reboot|NodeFileDescriptor|NodeSystemd", NULL },
    { "node",        K8F_ON_NAME,  "Host ?(?:Down|Unreachable)", NULL },

    { "hpa",         K8F_ON_NAME,
      "(?-i:Hpa|HPA)|HorizontalPodAutoscaler|Autoscal|ScaledObject", NULL },

    { "disk",        K8F_ON_NAME,  "PersistentVolume|(?-i:PVC|Pvc)|Volume",
      NULL },
    { "disk",        K8F_ON_NAME,  "File ?System|Disk|Inode|Storage|No ?Space",
      NULL },
    { "disk",        K8F_ON_NAME,
      "(?-i:RAID|Raid)|Fsync|etcdDatabase|etcdHighCommit", NULL },

    { "memory",      K8F_ON_NAME,
      "Memory|Heap|Swap|(?-i:RAM)\\b|PageFault|MajorPages", NULL },

    { "cpu",         K8F_ON_NAME,
      "CPU|Throttl|Load ?Average|SystemSaturation|High ?Load", NULL },

    { "pod-crash",   K8F_ON_NAME,  "CrashLoop", NULL },
    { "pod-crash",   K8F_ON_NAME,  "Crash|BackOff", NULL },
    { "pod-crash",   K8F_ON_NAME,  "ImagePull|ErrImage|InvalidImage", NULL },
    { "pod-crash",   K8F_ON_NAME,
      "ContainerWaiting|(?:Create|Run)Container|ContainerCannotRun", NULL },
    { "pod-crash",   K8F_ON_NAME,
      "Pod ?Failed|Container ?(?:Terminated|Exit|Error)", NULL },

    { "pod-restart", K8F_ON_NAME,  "Restart", NULL },
    { "pod-restart", K8F_ON_NAME,
      "Pod ?Not ?(?:Ready|Healthy|Running|Scheduled)", NULL },
    { "pod-restart", K8F_ON_NAME,
      "Pod ?(?:Is ?)?Pending|Pending ?Pods?|Unschedulable|FailedScheduling",
      NULL },
    { "pod-restart", K8F_ON_NAME,  "Liveness|Readiness|Startup ?Probe",
      NULL },

    { "network",     K8F_ON_NAME,
      "Network|Packet|Bonding|Interface ?Flapping|Conntrack", NULL },
    { "network",     K8F_ON_NAME,
      "DNS|KubeProxy|Cilium|Calico|Flannel|(?-i:CNI)", NULL },
    { "network",     K8F_ON_NAME,
      "Connection|Time ?out|Timed ?Out|Timing ?Out", NULL },

    { "service",     K8F_ON_NAME,  "Endpoint|TargetDown|InstanceDown", NULL },
    { "service",     K8F_ON_NAME,
      "Service ?(?:Down|Unavailable|Unhealthy)", NULL },
    { "service",     K8F_ON_NAME,  "KubeAPI|API ?Server|AggregatedAPI", NULL },
    { "service",     K8F_ON_NAME,
      "ErrorBudget|(?-i:SLO)|Error ?Rate|Errors|5xx|Latency", NULL },
    { "service",     K8F_ON_NAME,
      "Blackbox|Probe ?Fail|(?-i:HTTP)|Request|Upstream", NULL },

    { "deployment",  K8F_ON_NAME,
      "Deployment|StatefulSet|DaemonSet|ReplicaSet", NULL },
    { "deployment",  K8F_ON_NAME,  "Replicas|Rollout|RolledOut|Generation",
      NULL },
    { "deployment",  K8F_ON_NAME,
      "Kube(?:Cron)?Job|Job ?(?:Failed|Not ?Completed)|CronJob", NULL },
    { "deployment",  K8F_ON_NAME,
      "(?-i:Pdb|PDB)|PodDisruptionBudget|Workload", NULL },

    /* InstanceDown's kin, after the kinds that go down: StatefulSetDown */
    { "service",     K8F_ON_NAME,  "Down\\b", NULL },

    /* 3. free text */

    { "pod-crash",   K8F_ON_TEXT,  "CrashLoopBackOff|crash[ -]?loop", NULL },
    { "pod-crash",   K8F_ON_TEXT,
      "back-?off (?:restarting failed|pulling image)", NULL },
    { "pod-crash",   K8F_ON_TEXT,
      "ImagePullBackOff|ErrImage(?:Never)?Pull|InvalidImageName", NULL },
    { "pod-crash",   K8F_ON_TEXT,  "failed to pull image", NULL },
    { "pod-crash",   K8F_ON_TEXT,
      "CreateContainer(?:Config)?Error|RunContainerError|ContainerCannotRun",
      NULL },
    { "pod-crash",   K8F_ON_TEXT,  "\\bcrash(?:ed|es|ing)?\\b", NULL },
    { "pod-crash",   K8F_ON_TEXT,
      "\\bexit(?:ed)? (?:with )?(?:exit )?code:? ?[1-9]", NULL },
    { "pod-crash",   K8F_ON_TEXT,  "terminated with (?:an )?error", NULL },

    /* "pod X on node Y is not ready" is about the pod */
    { "pod-restart", K8F_ON_TEXT,
      "\\bpods?\\b[^.;\\n]{0,80}?\\b(?:not[ -]ready|non-ready|unready)",
      NULL },
    { "pod-restart", K8F_ON_TEXT,
      "\\bpods?\\b[^.;\\n]{0,80}?\\b(?:not|non)[ -]running", NULL },
    { "pod-restart", K8F_ON_TEXT,
      "\\bpods?\\b[^.;\\n]{0,80}?\\b(?:pending|unschedulable|not scheduled)",
      NULL },
    { "pod-restart", K8F_ON_TEXT,
      "FailedScheduling|\\bUnschedulable\\b|nodes are available", NULL },

    { "node",        K8F_ON_TEXT,
      "\\b(?:Memory|Disk|PID) ?Pressure\\b|\\bNetworkUnavailable\\b", NULL },
    { "node",        K8F_ON_TEXT,
      "\\bnode\\b[^.;\\n]{0,60}?\\b(?:not[ -]?ready|unready|unreachable)",
      NULL },
    { "node",        K8F_ON_TEXT,
      "\\bnode\\b[^.;\\n]{0,60}?\\b(?:is down|cordoned|drain)", NULL },
    { "node",        K8F_ON_TEXT,  "kubelet|\\bevict(?:ed|ion|ing|s)?\\b",
      NULL },
    { "node",        K8F_ON_TEXT,  "temperature|thermal|clock skew", NULL },

    { "hpa",         K8F_ON_TEXT,  "HorizontalPodAutoscaler|\\bHPA\\b|autoscal",
      NULL },
    { "hpa",         K8F_ON_TEXT,
      "\\bmax(?:imum)? (?:number of )?replicas|unable to scale", NULL },

    { "disk",        K8F_ON_TEXT,
      "\\bdisk|file ?system|\\binodes?\\b|no space left", NULL },
    { "disk",        K8F_ON_TEXT,
      "out of (?:disk )?space|persistent ?volume|\\bPVC\\b|volume ?claim",
      NULL },
    { "disk",        K8F_ON_TEXT,
      "\\bstorage\\b|\\bI/O\\b|\\biops\\b|read-only file", NULL },
    { "disk",        K8F_ON_TEXT,
      "\\bvolumes?\\b[^.;\\n]{0,40}?\\b(?:full|filling|space|usage|used)",
      NULL },

    { "memory",      K8F_ON_TEXT,
      "\\bmemory\\b|\\bRAM\\b|\\bmem\\b|\\bRSS\\b|working[ _]set", NULL },
    { "memory",      K8F_ON_TEXT,  "\\bheap\\b|\\bswap\\b", NULL },

    { "cpu",         K8F_ON_TEXT,
      "\\bcpu|throttl|load average|\\bsystem load\\b", NULL },

    { "pod-restart", K8F_ON_TEXT,
      "\\brestart(?:s|ed|ing)?\\b|restart ?count", NULL },
    { "pod-restart", K8F_ON_TEXT,  "(?:liveness|readiness|startup) probe",
      NULL },

    { "network",     K8F_ON_TEXT,  "\\bDNS\\b|NXDOMAIN|SERVFAIL", NULL },
    { "network",     K8F_ON_TEXT,
      "connection (?:refused|reset|timed? ?out|closed)|no route to host",
      NULL },
    { "network",     K8F_ON_TEXT,
      "\\btimed? ?out\\b|\\btimeouts?\\b|ETIMEDOUT|ECONNRE(?:FUSED|SET)",
      NULL },
    { "network",     K8F_ON_TEXT,
      "\\bnetwork|\\bpackets?\\b|conntrack|\\bCNI\\b|\\bMTU\\b", NULL },
    { "network",     K8F_ON_TEXT,
      "handshake|dial tcp|unreachable|EHOSTUNREACH", NULL },

    { "service",     K8F_ON_TEXT,  "\\bendpoints?\\b", NULL },
    { "service",     K8F_ON_TEXT,
      "\\b5xx\\b|\\b5\\d\\d (?:errors?|responses?|status)", NULL },
    { "service",     K8F_ON_TEXT,
      "\\berror[ -]?rates?\\b|\\blatency\\b|(?-i:\\bSLO\\b)|error budget",
      NULL },
    { "service",     K8F_ON_TEXT,
      "status[ _.-]?codes?\\b|\\bHTTP[ /]?(?:status|errors?|[45]\\d\\d)\\b",
      NULL },
    { "service",     K8F_ON_TEXT,
      "\\bservice\\b[^.;\\n]{0,60}?\\b(?:down|unavailable|unhealthy|failing)",
      NULL },
    { "service",     K8F_ON_TEXT,
      "\\btargets?\\b[^.;\\n]{0,30}?\\b(?:down|disappeared)|\\bup ?== ?0",
      NULL },
    { "service",     K8F_ON_TEXT,  "\\bAPI ?server\\b", NULL },

    { "deployment",  K8F_ON_TEXT,
      "\\bdeployments?\\b|statefulset|daemonset|replicaset", NULL },
    { "deployment",  K8F_ON_TEXT,
      "\\breplicas?\\b|rollout|rolled (?:back|out)|minimum availability",
      NULL },
    { "deployment",  K8F_ON_TEXT,  "generation (?:mismatch|does not match)",
      NULL },
    { "deployment",  K8F_ON_TEXT,
      "\\bjobs?\\b[^.;\\n]{0,40}?\\b(?:fail|complet|taking)", NULL },
    { "deployment",  K8F_ON_TEXT,
      "\\bcron ?jobs?\\b|PodDisruptionBudget|\\bPDB\\b", NULL },

    /*
     * KubeQuotaAlmostFull and friends: the description names the resource,
     * so the rules above took cpu, memory and storage quotas; a quota on
     * pods or objects is what stops a workload from scaling
     */
    { "deployment",  K8F_ON_NAME,  "Quota", NULL },

    /* 4. label values */

    { "pod-crash",   K8F_ON_LABEL,
      "^(?:CrashLoopBackOff|ImagePullBackOff|ErrImage(?:Never)?Pull)$", NULL },
    { "pod-crash",   K8F_ON_LABEL,
      "^(?:CreateContainer(?:Config)?Error|RunContainerError|StartError)$",
      NULL },
    { "pod-crash",   K8F_ON_LABEL,
      "^(?:ContainerCannotRun|ContainerCreating|InvalidImageName)$", NULL },
    { "node",        K8F_ON_LABEL,
      "^(?:MemoryPressure|DiskPressure|PIDPressure|NetworkUnavailable)$",
      NULL },
    { "node",        K8F_ON_LABEL,  "^(?:NodeNotReady|NotReady|Evicted)$",
      NULL },
    { "memory",      K8F_ON_LABEL,  "^(?:(?:requests|limits)\\.)?memory$",
      NULL },
    { "cpu",         K8F_ON_LABEL,  "^(?:(?:requests|limits)\\.)?cpu$",
      NULL },
    { "disk",        K8F_ON_LABEL,
      "^(?:(?:requests|limits)\\.)?(?:ephemeral-)?storage$", NULL },
    { "disk",        K8F_ON_LABEL,  "^persistentvolumeclaims$", NULL },
    { "pod-restart", K8F_ON_LABEL,  "^(?:Pending|Unschedulable)$", NULL },
    { "service",     K8F_ON_LABEL,  "^(?:ServiceNoEndpoints|TargetDown)$",
      NULL }
};


#define K8F_CAT_NRULES                                                       \
    (sizeof(k8f_category_rules) / sizeof(k8f_category_rules[0]))


static const char  *k8f_category_text[] = {
    "summary", "description", "message", NULL
};


/*
 * Labels that name a thing rather than say what happened, compared after
 * k8f_category_naming() folds the key: "kube_pod_name" and "podName" are
 * "pod", "app_kubernetes_io_instance" ends with "instance".
 */

static const char  *k8f_category_names[] = {
    "alertname", "severity", "priority", "urgency", "namespace", "pod",
    "container", "service", "node", "instance", "job", "cluster",
    "prometheus", "endpoint", "id", "entity", "deployment", "statefulset",
    "daemonset", "replicaset", "hpa", "horizontalpodautoscaler",
    "persistentvolumeclaim", "persistentvolume", "volume", "pvc", "host",
    "device", "mountpoint", "interface", "image", "team", "env",
    "environment", "zone", "region", "folder", "monitor", "tool", "version",
    "url", "chart", "managedby", "owner", "app", "receiver", NULL
};


static int                   k8f_category_ready;
static pcre2_match_data     *k8f_category_md;
static pcre2_match_context  *k8f_category_mctx;


const char *
k8f_categorize(json_t *alert, char *why, size_t size)
{
    char                   quote[K8F_CAT_QUOTE_MAX + 1];
    size_t                 i, j;
    json_t                *annotations, *labels, *value;
    const char            *key;
    k8f_category_rule_t   *rule;

    if (why != NULL && size > 0) {
        why[0] = '\0';
    }

    if (!json_is_object(alert)) {
        if (why != NULL && size > 0) {
            snprintf(why, size, "the alert is not a JSON object");
        }

        return "unknown";
    }

    if (k8f_category_init() != 0) {
        if (why != NULL && size > 0) {
            snprintf(why, size, "the category patterns did not compile");
        }

        return "unknown";
    }

    annotations = json_object_get(alert, "annotations");
    labels = json_object_get(alert, "labels");

    for (i = 0; i < K8F_CAT_NRULES; i++) {
        rule = &k8f_category_rules[i];

        if ((rule->fields & K8F_ON_NAME)
            && k8f_category_match(rule, NULL, "alertname",
                                  json_object_get(alert, "alertname"),
                                  why, size))
        {
            return rule->category;
        }

        if ((rule->fields & K8F_ON_TEXT) && json_is_object(annotations)) {
            for (j = 0; k8f_category_text[j] != NULL; j++) {
                if (k8f_category_match(rule, "annotations",
                                       k8f_category_text[j],
                                       json_object_get(annotations,
                                                       k8f_category_text[j]),
                                       why, size))
                {
                    return rule->category;
                }
            }
        }

        if ((rule->fields & K8F_ON_LABEL) && json_is_object(labels)) {
            json_object_foreach(labels, key, value) {
                if (!k8f_category_naming(key)
                    && k8f_category_match(rule, "labels", key, value,
                                          why, size))
                {
                    return rule->category;
                }
            }
        }
    }

    if (why != NULL && size > 0) {
        value = json_object_get(alert, "alertname");

        if (json_is_string(value)) {
            k8f_category_quote(quote, sizeof(quote), json_string_value(value),
                               json_string_length(value));

            snprintf(why, size, "no rule matched alertname \"%s\", its "
                     "annotations or labels", quote);
            k8f_category_utf8_cut(why, strlen(why));

        } else {
            snprintf(why, size, "no rule matched: no alertname, and "
                     "nothing in the annotations or labels");
        }
    }

    return "unknown";
}


void
k8f_category_cleanup(void)
{
    size_t  i;

    for (i = 0; i < K8F_CAT_NRULES; i++) {
        pcre2_code_free(k8f_category_rules[i].code);
        k8f_category_rules[i].code = NULL;
    }

    pcre2_match_data_free(k8f_category_md);
    pcre2_match_context_free(k8f_category_mctx);

    k8f_category_md = NULL;
    k8f_category_mctx = NULL;
    k8f_category_ready = 0;
}


/* 0 when the patterns are ready; a failure is remembered, never retried */

static int
k8f_category_init(void)
{
    int          errcode;
    size_t       i;
    PCRE2_SIZE   erroff;

    if (k8f_category_ready) {
        return k8f_category_ready > 0 ? 0 : -1;
    }

    k8f_category_ready = -1;

    for (i = 0; i < K8F_CAT_NRULES; i++) {
        k8f_category_rules[i].code =
            pcre2_compile((PCRE2_SPTR) k8f_category_rules[i].pattern,
                          PCRE2_ZERO_TERMINATED, PCRE2_CASELESS, &errcode,
                          &erroff, NULL);

        if (k8f_category_rules[i].code == NULL) {
            k8f_category_cleanup();
            k8f_category_ready = -1;
            return -1;
        }
    }

    k8f_category_md = pcre2_match_data_create(1, NULL);
    k8f_category_mctx = pcre2_match_context_create(NULL);

    if (k8f_category_md == NULL || k8f_category_mctx == NULL) {
        k8f_category_cleanup();
        k8f_category_ready = -1;
        return -1;
    }

    pcre2_set_match_limit(k8f_category_mctx, K8F_CAT_MATCH_LIMIT);
    pcre2_set_depth_limit(k8f_category_mctx, K8F_CAT_DEPTH_LIMIT);

    k8f_category_ready = 1;

    return 0;
}


static int
k8f_category_match(k8f_category_rule_t *rule, const char *prefix,
    const char *key, json_t *value, char *why, size_t size)
{
    int          rc;
    size_t       len;
    const char  *text;
    PCRE2_SIZE  *ov;

    if (!json_is_string(value)) {
        return 0;
    }

    text = json_string_value(value);
    len = json_string_length(value);

    if (len > K8F_CAT_TEXT_MAX) {
        len = K8F_CAT_TEXT_MAX;
    }

    /* a match limit hit is no match: a category is a hint, not a verdict */

    rc = pcre2_match(rule->code, (PCRE2_SPTR) text, len, 0, 0,
                     k8f_category_md, k8f_category_mctx);
    if (rc < 0) {
        return 0;
    }

    ov = pcre2_get_ovector_pointer(k8f_category_md);

    if (why != NULL && size > 0) {
        k8f_category_explain(rule, prefix, key, text, len, ov[0], why, size);
    }

    return 1;
}


/* 1 when a label only names a thing: its value says nothing of a cause */

static int
k8f_category_naming(const char *key)
{
    char         k[K8F_CAT_KEY_MAX + 1];
    size_t       n, len, i;
    const char  *p;

    n = 0;

    for (p = key; *p != '\0'; p++) {
        if (n == K8F_CAT_KEY_MAX) {
            return 0;
        }

        if (*p >= 'A' && *p <= 'Z') {
            k[n++] = (char) (*p - 'A' + 'a');

        } else if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
            k[n++] = *p;
        }
    }

    k[n] = '\0';
    p = k;

    if (strncmp(p, "kubernetes", 10) == 0) {
        p += 10;

    } else if (strncmp(p, "kube", 4) == 0 || strncmp(p, "k8s", 3) == 0) {
        p += (p[1] == '8') ? 3 : 4;
    }

    len = strlen(p);

    if (len >= 4 && strcmp(p + len - 4, "name") == 0) {
        len -= 4;
    }

    /* "pod_name", "__name__", "kubernetes_name", Kubernetes' own labels */

    if (len == 0 || strstr(p, "kubernetesio") != NULL) {
        return 1;
    }

    for (i = 0; k8f_category_names[i] != NULL; i++) {
        n = strlen(k8f_category_names[i]);

        if (n <= len && memcmp(p + len - n, k8f_category_names[i], n) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * Copies src into dst for a quoted string in a log line: control bytes
 * become spaces, double quotes single ones, and the copy ends on a whole
 * UTF-8 sequence.  Returns the length written.
 */

static size_t
k8f_category_quote(char *dst, size_t size, const char *src, size_t len)
{
    size_t          i;
    unsigned char   c;

    if (size == 0) {
        return 0;
    }

    if (len > size - 1) {
        len = size - 1;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) src[i];

        if (c < 0x20 || c == 0x7f) {
            c = ' ';

        } else if (c == '"') {
            c = '\'';
        }

        dst[i] = (char) c;
    }

    dst[len] = '\0';
    k8f_category_utf8_cut(dst, len);

    return strlen(dst);
}


static void
k8f_category_explain(k8f_category_rule_t *rule, const char *prefix,
    const char *key, const char *text, size_t len, PCRE2_SIZE start,
    char *why, size_t size)
{
    char     qkey[K8F_CAT_KEY_MAX + 1], quote[K8F_CAT_QUOTE_MAX + 1];
    size_t   from, to;

    /* a window of the value around the match, on UTF-8 boundaries */

    from = 0;
    to = len;

    if (len > K8F_CAT_QUOTE_MAX) {
        from = (start > K8F_CAT_QUOTE_MAX / 4) ? start - K8F_CAT_QUOTE_MAX / 4
                                                : 0;

        while (from > 0 && ((unsigned char) text[from] & 0xc0) == 0x80) {
            from--;
        }

        if (from > len - K8F_CAT_QUOTE_MAX) {
            from = len - K8F_CAT_QUOTE_MAX;

            while (from < len && ((unsigned char) text[from] & 0xc0) == 0x80) {
                from++;
            }
        }
    }

    k8f_category_quote(qkey, sizeof(qkey), key, strlen(key));
    to = from + k8f_category_quote(quote, sizeof(quote), text + from,
                                   to - from);

    snprintf(why, size, "%s%s%s \"%s%s%s\" matched %s rule /%s/",
             prefix ? prefix : "", prefix ? "." : "", qkey,
             from > 0 ? "..." : "", quote, to < len ? "..." : "",
             rule->category, rule->pattern);

    k8f_category_utf8_cut(why, strlen(why));
}


/* drops an incomplete UTF-8 sequence that a cut left at the end of s */

static void
k8f_category_utf8_cut(char *s, size_t len)
{
    size_t          i, need;
    unsigned char   c;

    for (i = len; i > 0 && len - i < 4; i--) {
        c = (unsigned char) s[i - 1];

        if ((c & 0xc0) == 0x80) {
            continue;
        }

        if (c < 0x80) {
            return;
        }

        need = (c >= 0xf0) ? 4 : (c >= 0xe0) ? 3 : 2;

        if (len - (i - 1) < need) {
            s[i - 1] = '\0';
        }

        return;
    }
}
