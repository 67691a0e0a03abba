
/*
 * Unit tests of the engine's pure parts, without nginx, printing TAP:
 * alert categories (k8f_category.c) and secret redaction (k8f_redact.c).
 *
 *   gcc -std=gnu99 -Wall -Wextra -Wshadow -Werror -g -Isrc -Iadapters src/k8f_category.c src/k8f_redact.c t/unit/tap.c t/unit/engine_test.c -ljansson -lpcre2-8 -o build/engine_test && build/engine_test
 *
 *     engine_test [T_DIR]
 *
 * T_DIR (default "t") holds golden/<system>/<name>.json, the normalized alerts
 * every one of which must get a category, and fixtures/kubernetes/, real
 * API answers and logs in which nothing may be redacted.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <dirent.h>

#include <jansson.h>

#include "k8f_category.h"
#include "k8f_redact.h"

#include "tap.h"


#define K8F_TEST_HUGE      (1024 * 1024)
#define K8F_TEST_SLOW      30.0            /* seconds, valgrind included */
#define K8F_TEST_FUZZ      3000


typedef struct {
    const char            *alertname;
    const char            *summary;
    const char            *description;
    const char            *labels;        /* a JSON object, or NULL */
    const char            *want;
} k8f_test_category_t;


typedef struct {
    const char            *file;          /* under golden/ */
    size_t                 index;
    const char            *want;
} k8f_test_golden_t;


typedef struct {
    const char            *in;
    const char            *out;
    size_t                 count;
} k8f_test_redact_t;


typedef struct {
    const char            *pattern;       /* repeated; NULL: random bytes */
    const char            *head;          /* written once at the start */
    const char            *tail;          /* and at the end */
    const char            *what;
} k8f_test_shape_t;


static json_t *k8f_test_alert(const char *alertname, const char *summary,
    const char *description, const char *labels);
static int k8f_test_is_category(const char *c);
static int k8f_test_utf8(const char *s);
static const char *k8f_test_show(const char *s, size_t len);
static double k8f_test_now(void);
static uint32_t k8f_test_rand(void);
static void k8f_test_category_table(void);
static void k8f_test_category_golden(const char *tdir);
static void k8f_test_category_why(void);
static void k8f_test_category_hostile(void);
static void k8f_test_redact_table(void);
static void k8f_test_redact_bytes(void);
static void k8f_test_redact_fixtures(const char *tdir);
static void k8f_test_redact_fuzz(void);
static void k8f_test_fill(char *in, size_t len,
    const k8f_test_shape_t *shape);
static void k8f_test_redact_huge(void);
static void k8f_test_cleanup(void);


static uint32_t  k8f_test_seed = 2463534242u;


/*
 * Alert names and texts of kubernetes-mixin, node-exporter mixin,
 * kube-state-metrics, Prometheus, CoreDNS and etcd, awesome-prometheus-
 * alerts, and the free-form titles of Grafana, Datadog, PagerDuty,
 * Opsgenie and New Relic alerts.
 */

static const k8f_test_category_t  k8f_test_categories[] = {

    /* kubernetes-apps */

    { "KubePodCrashLooping", "Pod is crash looping.",
      "Pod payments/checkout-api-7d9c6b8f5-x2k9p (checkout-api) is in "
      "waiting state (reason: \"CrashLoopBackOff\") on cluster prod-eu-1.",
      "{\"reason\":\"CrashLoopBackOff\",\"job\":\"kube-state-metrics\"}",
      "pod-crash" },
    { "KubePodNotReady",
      "Pod has been in a non-ready state for more than 15 minutes.",
      "Pod payments/checkout-api-7d9c6b8f5-x2k9p has been in a non-ready "
      "state for longer than 15 minutes on cluster prod-eu-1.",
      NULL, "pod-restart" },
    { "KubeDeploymentGenerationMismatch",
      "Deployment generation mismatch due to possible roll-back",
      "Deployment generation for payments/checkout-api does not match, "
      "this indicates that the Deployment has failed but has not been "
      "rolled back.", NULL, "deployment" },
    { "KubeDeploymentReplicasMismatch",
      "Deployment has not matched the expected number of replicas.",
      "Deployment payments/checkout-api has not matched the expected "
      "number of replicas for longer than 15 minutes.", NULL,
      "deployment" },
    { "KubeDeploymentRolloutStuck", "Deployment rollout is not progressing.",
      "Rollout of deployment payments/checkout-api is not progressing for "
      "longer than 15 minutes.", NULL, "deployment" },
    { "KubeStatefulSetReplicasMismatch",
      "StatefulSet has not matched the expected number of replicas.",
      "StatefulSet payments/postgres has not matched the expected number "
      "of replicas for longer than 15 minutes.", NULL, "deployment" },
    { "KubeStatefulSetGenerationMismatch",
      "StatefulSet generation mismatch due to possible roll-back",
      "StatefulSet generation for payments/postgres does not match, this "
      "indicates that the StatefulSet has failed but has not been rolled "
      "back.", NULL, "deployment" },
    { "KubeStatefulSetUpdateNotRolledOut",
      "StatefulSet update has not been rolled out.",
      "StatefulSet payments/postgres update has not been rolled out.",
      NULL, "deployment" },
    { "KubeDaemonSetRolloutStuck", "DaemonSet rollout is stuck.",
      "DaemonSet monitoring/node-exporter has not finished or progressed "
      "for at least 15m.", NULL, "deployment" },
    { "KubeContainerWaiting", "Pod container waiting longer than 1 hour",
      "pod/checkout-api-7d9c6b8f5-x2k9p in namespace payments on container "
      "checkout-api has been in waiting state for longer than 1 hour. "
      "(reason: \"ImagePullBackOff\") on cluster prod-eu-1.",
      "{\"reason\":\"ImagePullBackOff\"}", "pod-crash" },
    { "KubeDaemonSetNotScheduled", "DaemonSet pods are not scheduled.",
      "2 Pods of DaemonSet monitoring/node-exporter are not scheduled.",
      NULL, "deployment" },
    { "KubeDaemonSetMisScheduled", "DaemonSet pods are misscheduled.",
      "1 Pods of DaemonSet monitoring/node-exporter are running where they "
      "are not supposed to run.", NULL, "deployment" },
    { "KubeJobNotCompleted", "Job did not complete in time",
      "Job payments/nightly-report is taking more than 12h 0m 0s to "
      "complete.", NULL, "deployment" },
    { "KubeJobFailed", "Job failed to complete.",
      "Job payments/nightly-report failed to complete. Removing failed job "
      "after investigation should clear this alert.", NULL, "deployment" },
    { "KubeHpaReplicasMismatch",
      "HPA has not matched desired number of replicas.",
      "HPA payments/checkout-api has not matched the desired number of "
      "replicas for longer than 15 minutes.", NULL, "hpa" },
    { "KubeHpaMaxedOut", "HPA is running at max replicas",
      "HPA payments/checkout-api has been running at max replicas for "
      "longer than 15 minutes.", NULL, "hpa" },
    { "KubePdbNotEnoughHealthyPods",
      "PDB does not have enough healthy pods.",
      "PDB payments/checkout-api expects 1 more healthy pods. The desired "
      "number of healthy pods has not been met for at least 15m.", NULL,
      "deployment" },

    /* kubernetes-resources */

    { "KubeCPUOvercommit", "Cluster has overcommitted CPU resource requests.",
      "Cluster prod-eu-1 has overcommitted CPU resource requests for Pods "
      "by 1.5 CPU shares and cannot tolerate node failure.", NULL, "cpu" },
    { "KubeMemoryOvercommit",
      "Cluster has overcommitted memory resource requests.",
      "Cluster prod-eu-1 has overcommitted memory resource requests for "
      "Pods by 3.2G bytes and cannot tolerate node failure.", NULL,
      "memory" },
    { "KubeCPUQuotaOvercommit",
      "Cluster has overcommitted CPU resource requests.",
      "Cluster prod-eu-1 has overcommitted CPU resource requests for "
      "Namespaces.", NULL, "cpu" },
    { "KubeMemoryQuotaOvercommit",
      "Cluster has overcommitted memory resource requests.",
      "Cluster prod-eu-1 has overcommitted memory resource requests for "
      "Namespaces.", NULL, "memory" },
    { "KubeQuotaAlmostFull", "Namespace quota is going to be full.",
      "Namespace payments is using 92% of its requests.memory quota.",
      "{\"resource\":\"requests.memory\",\"resourcequota\":\"compute\"}",
      "memory" },
    { "KubeQuotaFullyUsed", "Namespace quota is fully used.",
      "Namespace payments is using 100% of its limits.cpu quota.",
      "{\"resource\":\"limits.cpu\"}", "cpu" },
    { "KubeQuotaExceeded", "Namespace quota has exceeded the limits.",
      "Namespace payments is using 110% of its count/pods quota.",
      "{\"resource\":\"count/pods\"}", "deployment" },
    { "CPUThrottlingHigh", "Processes experience elevated CPU throttling.",
      "41% throttling of CPU in namespace payments for container "
      "checkout-api in pod checkout-api-7d9c6b8f5-x2k9p.", NULL, "cpu" },

    /* kubernetes-storage */

    { "KubePersistentVolumeFillingUp", "PersistentVolume is filling up.",
      "The PersistentVolume claimed by data-postgres-0 in Namespace "
      "payments is only 2.5% free.", NULL, "disk" },
    { "KubePersistentVolumeInodesFillingUp",
      "PersistentVolumeInodes are filling up.",
      "The PersistentVolume claimed by data-postgres-0 in Namespace "
      "payments only has 3% free inodes.", NULL, "disk" },
    { "KubePersistentVolumeErrors",
      "PersistentVolume is having issues with provisioning.",
      "The persistent volume pvc-0a1b2c3d has status Failed.",
      "{\"phase\":\"Failed\"}", "disk" },

    /* kubernetes-system, apiserver, kubelet, proxy, scheduler */

    { "KubeVersionMismatch",
      "Different semantic versions of Kubernetes components running.",
      "There are 2 different semantic versions of Kubernetes components "
      "running.", NULL, "unknown" },
    { "KubeClientErrors", "Kubernetes API server client is experiencing "
      "errors.", "Kubernetes API server client 'kubelet/10.0.0.1:10250' "
      "is experiencing 5% errors.", NULL, "service" },
    { "KubeAPIErrorBudgetBurn",
      "The API server is burning too much error budget.",
      "The API server is burning too much error budget.", NULL,
      "service" },
    { "KubeAPIDown", "Target disappeared from Prometheus target discovery.",
      "KubeAPI has disappeared from Prometheus target discovery.", NULL,
      "service" },
    { "KubeAggregatedAPIErrors",
      "Kubernetes aggregated API has reported errors.",
      "Kubernetes aggregated API v1beta1.metrics.k8s.io/default has "
      "reported errors.", NULL, "service" },
    { "KubeNodeNotReady", "Node is not ready.",
      "ip-10-0-20-143.ec2.internal has been unready for more than 15 "
      "minutes.", NULL, "node" },
    { "KubeNodeUnreachable", "Node is unreachable.",
      "ip-10-0-20-143.ec2.internal is unreachable and some workloads may "
      "be rescheduled.", NULL, "node" },
    { "KubeletTooManyPods", "Kubelet is running at capacity.",
      "Kubelet 'ip-10-0-20-143' is running at 95% of its Pod capacity.",
      NULL, "node" },
    { "KubeNodeReadinessFlapping", "Node readiness status is flapping.",
      "The readiness status of node ip-10-0-20-143 has changed 4 times in "
      "the last 15 minutes.", NULL, "node" },
    { "KubeletPlegDurationHigh",
      "Kubelet Pod Lifecycle Event Generator is taking too long to "
      "relist.", "The Kubelet Pod Lifecycle Event Generator has a 99th "
      "percentile duration of 12 seconds on node ip-10-0-20-143.", NULL,
      "node" },
    { "KubeletDown", "Target disappeared from Prometheus target discovery.",
      "Kubelet has disappeared from Prometheus target discovery.", NULL,
      "node" },
    { "KubeNodePressure", "Node has as active Condition.",
      "ip-10-0-20-143.ec2.internal on cluster prod-eu-1 has active "
      "Condition MemoryPressure. This is caused by resource usage "
      "exceeding eviction thresholds.",
      "{\"condition\":\"MemoryPressure\"}", "node" },
    { "KubeNodeEviction", "Node is evicting pods.",
      "Node ip-10-0-20-143 on prod-eu-1 is evicting Pods due to "
      "memory.available.  Eviction occurs when eviction thresholds are "
      "crossed.", "{\"eviction_signal\":\"memory.available\"}", "node" },
    { "KubeProxyDown", "Target disappeared from Prometheus target discovery.",
      "KubeProxy has disappeared from Prometheus target discovery.", NULL,
      "network" },
    { "KubeSchedulerDown",
      "Target disappeared from Prometheus target discovery.",
      "KubeScheduler has disappeared from Prometheus target discovery.",
      NULL, "service" },

    /* node-exporter */

    { "NodeFilesystemSpaceFillingUp",
      "Filesystem is predicted to run out of space within the next 24 "
      "hours.", "Filesystem on /dev/nvme0n1p1, mounted on /, at "
      "ip-10-0-20-143 has only 12.5% available space left and is filling "
      "up.", "{\"device\":\"/dev/nvme0n1p1\",\"mountpoint\":\"/\"}",
      "disk" },
    { "NodeFilesystemAlmostOutOfSpace",
      "Filesystem has less than 5% space left.",
      "Filesystem on /dev/nvme0n1p1 at ip-10-0-20-143 has only 3.9% "
      "available space left.", NULL, "disk" },
    { "NodeFilesystemFilesFillingUp",
      "Filesystem is predicted to run out of inodes within the next 24 "
      "hours.", "Filesystem on /dev/nvme0n1p1 has only 4% available inodes "
      "left and is filling up.", NULL, "disk" },
    { "NodeFilesystemAlmostOutOfFiles",
      "Filesystem has less than 5% inodes left.",
      "Filesystem on /dev/nvme0n1p1 at ip-10-0-20-143 has only 2% "
      "available inodes left.", NULL, "disk" },
    { "NodeNetworkReceiveErrs",
      "Network interface is reporting many receive errors.",
      "ip-10-0-20-143 interface eth0 has encountered 12 receive errors in "
      "the last two minutes.", "{\"device\":\"eth0\"}", "network" },
    { "NodeNetworkTransmitErrs",
      "Network interface is reporting many transmit errors.",
      "ip-10-0-20-143 interface eth0 has encountered 7 transmit errors in "
      "the last two minutes.", NULL, "network" },
    { "NodeHighNumberConntrackEntriesUsed",
      "Number of conntrack are getting close to the limit.",
      "91% of conntrack entries are used.", NULL, "network" },
    { "NodeClockSkewDetected", "Clock skew detected.",
      "Clock at ip-10-0-20-143 is out of sync by more than 0.05s.", NULL,
      "node" },
    { "NodeRAIDDegraded", "RAID Array is degraded.",
      "RAID array 'md0' at ip-10-0-20-143 is in degraded state due to one "
      "or more disks failures.", NULL, "disk" },
    { "NodeMemoryHighUtilization", "Host is running out of memory.",
      "Memory is filling up at ip-10-0-20-143, has been above 90% for the "
      "last 15 minutes, is currently at 93%.", NULL, "memory" },
    { "NodeCPUHighUsage", "High CPU usage.",
      "CPU usage at ip-10-0-20-143 has been above 90% for the last 15 "
      "minutes, is currently at 97%.", NULL, "cpu" },
    { "NodeSystemSaturation", "System saturated, load per core is very "
      "high.", "System load per core at ip-10-0-20-143 has been above 2 "
      "for the last 15 minutes.", NULL, "cpu" },
    { "NodeDiskIOSaturation", "Disk IO queue is high.",
      "Disk IO queue (aqu-sq) is high on nvme0n1 at ip-10-0-20-143.", NULL,
      "disk" },
    { "NodeMemoryMajorPagesFaults", "Memory major page faults are "
      "occurring at very high rate.", "Memory major pages are occurring "
      "at very high rate at ip-10-0-20-143.", NULL, "memory" },
    { "NodeNetworkInterfaceFlapping",
      "Network interface is often changing its status",
      "Network interface eth1 changing its up status often on node-exporter "
      "monitoring/node-exporter-x2k9p", NULL, "network" },

    /* Prometheus, CoreDNS, etcd */

    { "TargetDown", "One or more targets are unreachable.",
      "100% of the checkout-api/checkout-api targets in payments namespace "
      "are down.", "{\"job\":\"checkout-api\",\"service\":\"checkout-api\"}",
      "service" },
    { "Watchdog", "An alert that should always be firing to certify that "
      "Alertmanager is working properly.", "This is an alert meant to "
      "ensure that the entire alerting pipeline is functional.", NULL,
      "unknown" },
    { "CoreDNSDown", "CoreDNS has disappeared from Prometheus target "
      "discovery.", "CoreDNS has disappeared from Prometheus target "
      "discovery.", NULL, "network" },
    { "CoreDNSErrorsHigh", "CoreDNS is returning SERVFAIL.",
      "CoreDNS is returning SERVFAIL for 4% of requests.", NULL,
      "network" },
    { "etcdHighFsyncDurations", "etcd cluster 99th percentile fsync "
      "durations are too high.", "etcd cluster \"kube-etcd\": 99th "
      "percentile fsync durations are 0.7s on etcd instance 10.0.0.5.",
      NULL, "disk" },
    { "InstanceDown", "Instance 10.42.3.17:8080 down",
      "10.42.3.17:8080 of job checkout-api has been down for more than 5 "
      "minutes.", NULL, "service" },

    /* awesome-prometheus-alerts and custom rules */

    { "PodOOMKilled", "Container killed: OOM",
      "Container checkout-api in pod payments/checkout-api-7d9c6b8f5-x2k9p "
      "was OOMKilled (exceeded memory limit 256Mi).", NULL, "memory" },
    { "KubernetesContainerOomKiller",
      "Kubernetes Container oom killer (instance 10.42.3.17)",
      "Container checkout-api in pod payments/checkout-api has been "
      "OOMKilled 3 times in the last 10 minutes.", NULL, "memory" },
    { "HostOutOfMemory", "Host out of memory (instance ip-10-0-20-143)",
      "Node memory is filling up (< 10% left)", NULL, "memory" },
    { "HostOomKillDetected", "Host OOM kill detected",
      "OOM kill detected", NULL, "memory" },
    { "HostOutOfDiskSpace", "Host out of disk space",
      "Disk is almost full (< 10% left)", NULL, "disk" },
    { "HostHighCpuLoad", "Host high CPU load",
      "CPU load is > 80%", NULL, "cpu" },
    { "HostNetworkReceiveErrors", "Host Network Receive Errors",
      "Host ip-10 interface eth0 has encountered 12 receive errors.", NULL,
      "network" },
    { "KubernetesPodNotHealthy", "Kubernetes Pod not healthy",
      "Pod payments/checkout-api has been in a non-running state for "
      "longer than 15 minutes.", NULL, "pod-restart" },
    { "KubernetesPersistentvolumeclaimPending",
      "Kubernetes PersistentVolumeClaim pending",
      "PersistentVolumeClaim payments/data-postgres-0 is pending", NULL,
      "disk" },
    { "KubernetesMemoryPressure", "Kubernetes memory pressure",
      "Node ip-10-0-20-143 has MemoryPressure condition", NULL, "node" },
    { "KubernetesDiskPressure", "Kubernetes disk pressure",
      "Node ip-10-0-20-143 has DiskPressure condition", NULL, "node" },
    { "KubernetesNodeNotReady", "Kubernetes Node not ready",
      "Node ip-10-0-20-143 has been unready for a long time", NULL,
      "node" },
    { "KubernetesStatefulsetDown", "Kubernetes StatefulSet down",
      "StatefulSet payments/postgres went down", NULL, "deployment" },
    { "KubernetesHpaScaleInability", "Kubernetes HPA scale inability",
      "HPA payments/checkout-api is unable to scale", NULL, "hpa" },
    { "KubernetesJobFailed", "Kubernetes Job failed",
      "Job payments/nightly-report failed to complete", NULL,
      "deployment" },
    { "KubernetesCronjobSuspended", "Kubernetes CronJob suspended",
      "CronJob payments/nightly-report is suspended", NULL, "deployment" },
    { "KubernetesApiServerErrors", "Kubernetes API server errors",
      "Kubernetes API server is experiencing high error rate", NULL,
      "service" },
    { "BlackboxProbeFailed", "Blackbox probe failed",
      "Probe failed for https://checkout.example.com", NULL, "service" },
    { "ServiceNoEndpoints", "Service has no endpoints",
      "Service payments/checkout-api has no ready endpoints.", NULL,
      "service" },
    { "PodRestarting", "Pod is restarting",
      "Container checkout-api in pod payments/checkout-api-7d9c6b8f5-x2k9p "
      "restarted 6 times in the last 10 minutes.", NULL, "pod-restart" },
    { "ContainerMemoryUsageHigh", "Container memory usage is high",
      "Container checkout-api uses 94% of its memory limit.", NULL,
      "memory" },
    { "FailedScheduling", "Pod cannot be scheduled",
      "0/3 nodes are available: 1 Insufficient memory, 2 node(s) had "
      "untolerated taint.", NULL, "pod-restart" },

    /* free-form titles: Grafana, Datadog, PagerDuty, Opsgenie, New Relic */

    { "Pod restarting too often",
      "[Triggered on {kube_namespace:payments}] Pod restarting too often",
      "**kubernetes.containers.restarts** over **kube_namespace:payments** "
      "was **> 5.0** on average during the **last 10m**.",
      "{\"kube_namespace\":\"payments\",\"pod_name\":\"disk-cleaner-1\"}",
      "pod-restart" },
    { "ImagePullBackOff on checkout-api", NULL,
      "Back-off pulling image \"registry.example.com/checkout:1.4.2\"",
      NULL, "pod-crash" },
    { "ErrImagePull", "Failed to pull image",
      "rpc error: code = NotFound desc = failed to pull and unpack image",
      NULL, "pod-crash" },
    { "Database Pod Issue", "Database Pod Issue",
      "Pod database-pod-xyz in production namespace is in CrashLoopBackOff "
      "state", NULL, "pod-crash" },
    { "Pod CrashLooping in production", "Pod CrashLooping in production",
      "Pod api-server-xyz is crash looping with OOMKilled status", NULL,
      "memory" },
    { "Pending pods", NULL,
      "Pod payments/checkout-api-7d9c6b8f5-x2k9p is pending: 0/3 nodes are "
      "available: 3 Insufficient memory.", NULL, "pod-restart" },
    { "Checkout latency high", NULL,
      "p99 latency of service checkout-api is above 2s", NULL, "service" },
    { "High 5xx rate on checkout-api", NULL,
      "checkout-api returns 5xx for 7% of requests", NULL, "service" },
    { "Upstream connection refused", NULL,
      "connect() failed (111: Connection refused) while connecting to "
      "upstream", NULL, "network" },
    { "DNS resolution failures", NULL,
      "lookups of redis.payments.svc.cluster.local fail with NXDOMAIN",
      NULL, "network" },
    { "Requests timing out", NULL,
      "dial tcp 10.0.0.12:6379: i/o timeout", NULL, "network" },
    { "Service endpoints unavailable", "Service endpoints unavailable",
      "Service payment-service in namespace production has no available "
      "endpoints for more than 5 minutes.",
      "{\"alert_type\":\"ServiceNoEndpoints\"}", "service" },
    { "Node under memory pressure", NULL,
      "Node ip-10-0-20-143 reports MemoryPressure", NULL, "node" },
    { "Disk space low on node ip-10-0-20-143", NULL,
      "Only 3 GiB left on /var/lib/containerd", NULL, "disk" },
    { "Pod evicted", NULL,
      "The node was low on resource: ephemeral-storage.", NULL, "node" },
    { "Liveness probe failed", NULL,
      "Liveness probe failed: HTTP probe failed with statuscode: 500",
      NULL, "pod-restart" },
    { "High CPU Temperature", "High CPU core temperature",
      "CPU core temperature is 84.75C", "{\"host\":\"andromeda\"}",
      "node" },
    { "Storage on Host Exceeded Threshold", NULL, NULL, NULL, "disk" },
    { "Server Down", "Server Down", "I am a test Violation", NULL,
      "service" },
    { "Unauthorized access to API keep-api", NULL,
      "More than **5** log events matched in the last **5m** against the "
      "monitored query: **`@http.status_code:(401 OR 403)`** by service",
      NULL, "service" },
    { "Memory (copy)", "High memory usage", NULL, NULL, "memory" },

    /* only the text says it */

    { "Incident 42", NULL,
      "Deployment payments/checkout-api has 1/3 replicas available", NULL,
      "deployment" },
    { "Alert", NULL, "Container checkout-api restarted 6 times in 10 "
      "minutes", NULL, "pod-restart" },
    { "Alert", NULL, "Volume data-postgres-0 is 95% full", NULL, "disk" },
    { "Alert", "Pod checkout-api on node ip-10-0-20-143 is not ready",
      NULL, NULL, "pod-restart" },
    { "Alert", "Node ip-10-0-20-143 is not ready", NULL, NULL, "node" },
    { "Alert", NULL, "java.lang.OutOfMemoryError: Java heap space", NULL,
      "memory" },

    /* only the labels say it; names of things are not read */

    { "Alert", NULL, NULL, "{\"reason\":\"OOMKilled\"}", "memory" },
    { "Alert", NULL, NULL, "{\"reason\":\"Evicted\"}", "node" },
    { "K8s alert", NULL, NULL, "{\"resource\":\"cpu\"}", "cpu" },
    { "K8s alert", NULL, NULL, "{\"reason\":\"ContainerCreating\"}",
      "pod-crash" },
    { "K8s alert", NULL, NULL,
      "{\"pod\":\"disk-cleaner-7d9\",\"job\":\"node-exporter\","
      "\"container\":\"oom-watcher\",\"service\":\"cpu-burner\"}",
      "unknown" },

    /* nothing to go on */

    { "test alert", "test alert", NULL, NULL, "unknown" },
    { "My new incident", "My new incident", "Oh my gosh", NULL, "unknown" },
    { NULL, NULL, NULL, NULL, "unknown" }
};


static const k8f_test_golden_t  k8f_test_goldens[] = {
    { "alertmanager/firing-k8s-kubepodcrashlooping.json", 0, "pod-crash" },
    { "alertmanager/firing-multi-no-k8s.json", 0, "node" },
    { "alertmanager/k8flex-predecessor.json", 0, "pod-crash" },
    { "alertmanager/mixed-firing-resolved-k8s-group.json", 0, "pod-crash" },
    { "alertmanager/mixed-firing-resolved-k8s-group.json", 2, "deployment" },
    { "alertmanager/resolved-k8s-deployment-replicas.json", 0,
      "deployment" },
    { "datadog/default-template-k8s-multi-alert-triggered.json", 0,
      "pod-restart" },
    { "datadog/k8flex-predecessor.json", 0, "memory" },
    { "datadog/keep-log-alert-triggered.json", 0, "service" },
    { "datadog/keep-template-k8s-metric-triggered.json", 0, "pod-restart" },
    { "grafana/k8flex-predecessor.json", 0, "pod-restart" },
    { "grafana/legacy-test-notification-alerting.json", 0, "unknown" },
    { "grafana/legacy-v7-no-data.json", 0, "unknown" },
    { "grafana/unified-docs-firing-multi.json", 0, "memory" },
    { "grafana/unified-docs-firing-multi.json", 1, "cpu" },
    { "grafana/unified-k8s-mixed-firing-resolved.json", 0, "pod-restart" },
    { "grafana/unified-v11-values-imageurl.json", 0, "memory" },
    { "newrelic/k8flex-predecessor.json", 0, "pod-restart" },
    { "newrelic/legacy-k8s-incident-open.json", 0, "pod-restart" },
    { "newrelic/workflows-custom-template-k8s-activated.json", 0,
      "pod-restart" },
    { "newrelic/workflows-default-activated.json", 0, "disk" },
    { "newrelic/workflows-default-created.json", 0, "cpu" },
    { "opsgenie/create-k8s-details.json", 0, "pod-crash" },
    { "opsgenie/k8flex-predecessor.json", 0, "service" },
    { "opsgenie/create.json", 0, "unknown" },
    { "pagerduty/k8flex-predecessor.json", 0, "memory" },
    { "pagerduty/v2-incident-trigger.json", 0, "unknown" },
    { "victorops/k8flex-predecessor.json", 0, "pod-crash" },
    { "victorops/outbound-flat-k8s-alertmanager-triggered.json", 0,
      "pod-crash" },
    { "victorops/outbound-flat-incident-triggered.json", 0, "unknown" }
};


#define K8F_JWT                                                              \
    "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIn0"         \
    ".c2lnbmF0dXJlX2J5dGVz"

#define K8F_AWS_SECRET  "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


static const k8f_test_redact_t  k8f_test_redactions[] = {

    /* bearer tokens and Authorization headers */

    { "Authorization: Bearer abc.def-123",
      "Authorization: Bearer [REDACTED:bearer]", 1 },
    { "curl -H 'Authorization: Bearer s3cr3tT0ken' https://api",
      "curl -H 'Authorization: Bearer [REDACTED:bearer]' https://api", 1 },
    { "{\"Authorization\": \"Bearer abcdef\"}",
      "{\"Authorization\": \"Bearer [REDACTED:bearer]\"}", 1 },
    { "authorization=bearer xyz",
      "authorization=bearer [REDACTED:bearer]", 1 },
    { "Authorization: Basic dXNlcjpwYXNz",
      "Authorization: Basic [REDACTED:basic]", 1 },
    { "Authorization: Token 9f8e7d6c5b4a",
      "Authorization: Token [REDACTED:authorization]", 1 },
    { "Proxy-Authorization: Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1",
      "Proxy-Authorization: Negotiate [REDACTED:authorization]", 1 },
    { "bearer abc123def456", "bearer [REDACTED:bearer]", 1 },
    { "token: Bearer abc12345678", "token: Bearer [REDACTED:bearer]", 1 },

    /* JWTs, wherever they are */

    { "sa token " K8F_JWT " end", "sa token [REDACTED:jwt] end", 1 },
    { "Authorization: Bearer " K8F_JWT,
      "Authorization: Bearer [REDACTED:jwt]", 1 },
    { "id_token=" K8F_JWT "&state=x", "id_token=[REDACTED:jwt]&state=x", 1 },
    { "{\"token\":\"" K8F_JWT "\"}", "{\"token\":\"[REDACTED:jwt]\"}", 1 },

    /* key=value, key: value, "key": "value"; the key stays */

    { "password=hunter2&user=bob", "password=[REDACTED]&user=bob", 1 },
    { "passwd: s3cret", "passwd: [REDACTED]", 1 },
    { "DB_PASSWORD=hunter2 LOG_LEVEL=debug",
      "DB_PASSWORD=[REDACTED] LOG_LEVEL=debug", 1 },
    { "{\"password\":\"hunter2\",\"user\":\"x\"}",
      "{\"password\":\"[REDACTED]\",\"user\":\"x\"}", 1 },
    { "{\"password\": \"hun\\\"ter2\", \"user\": \"x\"}",
      "{\"password\": \"[REDACTED]\", \"user\": \"x\"}", 1 },
    { "{\"msg\":\"{\\\"password\\\":\\\"hunter2\\\"}\"}",
      "{\"msg\":\"{\\\"password\\\":\\\"[REDACTED]\\\"}\"}", 1 },
    { "password = 'correct horse battery staple'",
      "password = '[REDACTED]'", 1 },
    { "secret=abc token=def api_key=ghi apikey: jkl access_key=mno",
      "secret=[REDACTED] token=[REDACTED] api_key=[REDACTED] "
      "apikey: [REDACTED] access_key=[REDACTED]", 5 },
    { "X-Api-Key: 0123abcd", "X-Api-Key: [REDACTED]", 1 },
    { "client_secret=Zm9vYmFy&grant_type=client_credentials",
      "client_secret=[REDACTED]&grant_type=client_credentials", 1 },
    { "  POSTGRES_PASSWORD: supersecret\n  PGPORT: 5432",
      "  POSTGRES_PASSWORD: [REDACTED]\n  PGPORT: 5432", 1 },
    { "level=info msg=\"login\" password=\"p w\" user=bob",
      "level=info msg=\"login\" password=\"[REDACTED]\" user=bob", 1 },
    { "password=\"hunter2", "password=\"[REDACTED]", 1 },
    { "password='abc def\nnext line", "password='[REDACTED]\nnext line", 1 },
    { "{\"msg\":\"{\\\"token\\\":\\\"abc",
      "{\"msg\":\"{\\\"token\\\":\\\"[REDACTED]", 1 },
    { "{\"data\":{\".dockerconfigjson\":\"eyJhdXRocyI6e319\"}}",
      "{\"data\":{\".dockerconfigjson\":\"[REDACTED]\"}}", 1 },
    { "kubectl --token=abc123 get pods",
      "kubectl --token=[REDACTED] get pods", 1 },
    { "app --db-password hunter2 --verbose",
      "app --db-password [REDACTED] --verbose", 1 },

    /* cloud keys */

    { "key AKIAIOSFODNN7EXAMPLE used",
      "key [REDACTED:aws-access-key-id] used", 1 },
    { "ASIAY34FZKBOKMUTVV7A", "[REDACTED:aws-access-key-id]", 1 },
    { "aws_secret_access_key = " K8F_AWS_SECRET,
      "aws_secret_access_key = [REDACTED:aws-secret-access-key]", 1 },
    { "{\"AccessKeyId\": \"ASIAY34FZKBOKMUTVV7A\", \"SecretAccessKey\": \""
      K8F_AWS_SECRET "\"}",
      "{\"AccessKeyId\": \"[REDACTED:aws-access-key-id]\", "
      "\"SecretAccessKey\": \"[REDACTED:aws-secret-access-key]\"}", 2 },
    { "maps key=AIzaSyA-1234567890abcdefghijklmnopqrstu",
      "maps key=[REDACTED:gcp-api-key]", 1 },
    { "oauth ya29.a0AfH6SMBxExampleExampleExample",
      "oauth [REDACTED:gcp-oauth-token]", 1 },
    { "{\"type\": \"service_account\", \"private_key_id\": \"1a2b3c\", "
      "\"private_key\": \"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n"
      "-----END PRIVATE KEY-----\\n\", \"client_email\": "
      "\"sa@p.iam.gserviceaccount.com\"}",
      "{\"type\": \"service_account\", \"private_key_id\": \"1a2b3c\", "
      "\"private_key\": \"[REDACTED:private-key]\\n\", \"client_email\": "
      "\"sa@p.iam.gserviceaccount.com\"}", 1 },
    { "{\"private_key\": \"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC\"}",
      "{\"private_key\": \"[REDACTED:private-key]\"}", 1 },
    { "{\"private_key\": \"MIIEvQIBADANBgkq", "{\"private_key\": \"[REDACTED:"
      "private-key]", 1 },

    /* chat and forge tokens */

    { "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOp",
      "[REDACTED:slack-token]", 1 },
    { "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXX",
      "https://hooks.slack.com/services/[REDACTED:slack-webhook]", 1 },
    { "ghp_abcdefghijklmnopqrstuvwxyz0123456789 and "
      "github_pat_11ABCDEFG0123456789_abcdefghijklmnop",
      "[REDACTED:github-token] and [REDACTED:github-token]", 2 },
    { "gho_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
      "[REDACTED:github-token]", 1 },
    { "glpat-xxxxxxxxxxxxxxxxxxxx1234", "[REDACTED:gitlab-token]", 1 },

    /* private keys; certificates and public keys are kept */

    { "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n"
      "x+y/z==\n-----END RSA PRIVATE KEY-----\nafter",
      "before\n[REDACTED:private-key]\nafter", 1 },
    { "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
      "DEK-Info: AES-128-CBC,3F17F5316E2BAC89\n\nabc=\n"
      "-----END RSA PRIVATE KEY-----", "[REDACTED:private-key]", 1 },
    { "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
      "-----END OPENSSH PRIVATE KEY-----", "[REDACTED:private-key]", 1 },
    { "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0\n"
      "-----END PGP PRIVATE KEY BLOCK-----", "[REDACTED:private-key]", 1 },
    { "key: -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBYr",
      "key: [REDACTED:private-key]", 1 },
    { "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n"
      "-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n"
      "-----END CERTIFICATE-----", 0 },
    { "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n"
      "-----END PUBLIC KEY-----",
      "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQ\n"
      "-----END PUBLIC KEY-----", 0 },

    /* credentials in URLs */

    { "https://user:pass@host/path", "https://user:[REDACTED]@host/path",
      1 },
    { "redis://:s3cret@redis:6379/0", "redis://:[REDACTED]@redis:6379/0",
      1 },
    { "postgres://app:p@ss@db:5432/x", "postgres://app:[REDACTED]@db:5432/x",
      1 },
    { "{\"url\":\"https:\\/\\/u:pw@h\\/\"}",
      "{\"url\":\"https:\\/\\/u:[REDACTED]@h\\/\"}", 1 },

    /* Kubernetes env, cookies */

    { "{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2\"},"
      "{\"name\":\"LOG_LEVEL\",\"value\":\"debug\"}",
      "{\"name\":\"DB_PASSWORD\",\"value\":\"[REDACTED]\"},"
      "{\"name\":\"LOG_LEVEL\",\"value\":\"debug\"}", 1 },
    { "- name: API_TOKEN\n  value: abc123\n- name: PORT\n  value: \"8080\"",
      "- name: API_TOKEN\n  value: [REDACTED]\n- name: PORT\n"
      "  value: \"8080\"", 1 },
    { "Cookie: session=abc; id=3", "Cookie: [REDACTED:cookie]", 1 },
    { "Set-Cookie: sid=31d4d96e407aad42; Path=/; Secure\r\nVary: Origin",
      "Set-Cookie: [REDACTED:cookie]\r\nVary: Origin", 1 },

    /* not secrets */

    { "password policy updated", "password policy updated", 0 },
    { "token bucket refilled: 10 tokens", "token bucket refilled: 10 tokens",
      0 },
    { "commit 3f9c2a7b1e4d5c6a8b9e0f1a2b3c4d5e6f7a8b9c",
      "commit 3f9c2a7b1e4d5c6a8b9e0f1a2b3c4d5e6f7a8b9c", 0 },
    { "uid 5f0e7a1c-3b2d-4c8e-9f6a-1d2b3c4d5e6f",
      "uid 5f0e7a1c-3b2d-4c8e-9f6a-1d2b3c4d5e6f", 0 },
    { "pod checkout-api-7d9c6b8f5-x2k9p", "pod checkout-api-7d9c6b8f5-x2k9p",
      0 },
    { "image@sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e8"
      "86266e7ae", "image@sha256:2c26b46b68ffc68ff99b453c1d30413413422d7064"
      "83bfa0f98a5e886266e7ae", 0 },
    { "secretName: tls-cert", "secretName: tls-cert", 0 },
    { "automountServiceAccountToken: false",
      "automountServiceAccountToken: false", 0 },
    { "{\"secret\": {\"secretName\": \"db\"}}",
      "{\"secret\": {\"secretName\": \"db\"}}", 0 },
    { "token: null, password: \"\", secret=", "token: null, password: \"\", "
      "secret=", 0 },
    { "Secret \"db-credentials\" not found",
      "Secret \"db-credentials\" not found", 0 },
    { "MountVolume.SetUp failed for volume \"secret-volume\" : secret "
      "\"db-pass\" not found", "MountVolume.SetUp failed for volume "
      "\"secret-volume\" : secret \"db-pass\" not found", 0 },
    { "max_tokens: 4096, eval_count: 290",
      "max_tokens: 4096, eval_count: 290", 0 },
    { "using bearer token authentication",
      "using bearer token authentication", 0 },
    { "authorization: denied", "authorization: denied", 0 },
    { "eyJhbGciOiJIUzI1NiJ9 is a header alone",
      "eyJhbGciOiJIUzI1NiJ9 is a header alone", 0 },
    { "AKIAshort, the api key rotation job",
      "AKIAshort, the api key rotation job", 0 },
    { "kubectl get secret my-secret -o yaml",
      "kubectl get secret my-secret -o yaml", 0 },
    { "connect ETIMEDOUT postgres://db:5432/app and http://10.42.3.17:8080/",
      "connect ETIMEDOUT postgres://db:5432/app and http://10.42.3.17:8080/",
      0 },
    { "ssh://git@github.com:22/org/repo", "ssh://git@github.com:22/org/repo",
      0 },

    /* already redacted: nothing more, and not counted again */

    { "password: [REDACTED]", "password: [REDACTED]", 0 },
    { "Authorization: Bearer [REDACTED:bearer]",
      "Authorization: Bearer [REDACTED:bearer]", 0 },
    { "https://user:[REDACTED]@host", "https://user:[REDACTED]@host", 0 },

    /* bytes that are not UTF-8 */

    { "\xff\xfepassword=\xc3\x41secret\xff \xe2\x82",
      "\xff\xfepassword=[REDACTED] \xe2\x82", 1 },
    { "", "", 0 }
};


int
main(int argc, char **argv)
{
    const char  *tdir;

    tdir = (argc > 1) ? argv[1] : "t";

    setvbuf(stdout, NULL, _IOLBF, 0);

    k8f_test_category_table();
    k8f_test_category_golden(tdir);
    k8f_test_category_why();
    k8f_test_category_hostile();

    k8f_test_redact_table();
    k8f_test_redact_bytes();
    k8f_test_redact_fixtures(tdir);
    k8f_test_redact_fuzz();
    k8f_test_redact_huge();

    k8f_test_cleanup();

    return k8f_tap_done();
}


static json_t *
k8f_test_alert(const char *alertname, const char *summary,
    const char *description, const char *labels)
{
    json_t        *alert, *annotations, *l;
    json_error_t   err;

    alert = json_object();
    annotations = json_object();

    json_object_set_new(alert, "alertname",
                        alertname ? json_string(alertname) : json_null());

    if (summary != NULL) {
        json_object_set_new(annotations, "summary", json_string(summary));
    }

    if (description != NULL) {
        json_object_set_new(annotations, "description",
                            json_string(description));
    }

    l = labels ? json_loads(labels, 0, &err) : json_object();

    if (l == NULL) {
        k8f_tap_diag("bad labels in the table: %s: %s", labels, err.text);
        l = json_object();
    }

    json_object_set_new(alert, "labels", l);
    json_object_set_new(alert, "annotations", annotations);

    return alert;
}


static int
k8f_test_is_category(const char *c)
{
    size_t              i;
    static const char  *all[] = {
        "pod-crash", "pod-restart", "memory", "cpu", "disk", "network",
        "service", "hpa", "node", "deployment", "unknown", NULL
    };

    for (i = 0; c != NULL && all[i] != NULL; i++) {
        if (strcmp(c, all[i]) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
k8f_test_utf8(const char *s)
{
    size_t                i, need;
    const unsigned char  *p;

    p = (const unsigned char *) s;

    while (*p) {
        if (*p < 0x80) {
            p++;
            continue;
        }

        need = (*p >= 0xf0) ? 3 : (*p >= 0xe0) ? 2 : (*p >= 0xc0) ? 1 : 9;

        if (need == 9) {
            return 0;
        }

        for (i = 1; i <= need; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return 0;
            }
        }

        p += need + 1;
    }

    return 1;
}


/* a text fit for one TAP line: escaped, and cut when long */

static const char *
k8f_test_show(const char *s, size_t len)
{
    char                 *p;
    size_t                i;
    unsigned char         c;
    static unsigned       next;
    static char           bufs[4][400];

    p = bufs[next++ % 4];

    for (i = 0; i < len && p - bufs[(next - 1) % 4] < 380; i++) {
        c = (unsigned char) s[i];

        if (c == '\n') {
            p += sprintf(p, "\\n");

        } else if (c == '\r') {
            p += sprintf(p, "\\r");

        } else if (c < 0x20 || c >= 0x7f) {
            p += sprintf(p, "\\x%02x", c);

        } else {
            *p++ = (char) c;
        }
    }

    if (i < len) {
        p += sprintf(p, "...");
    }

    *p = '\0';

    return bufs[(next - 1) % 4];
}


static double
k8f_test_now(void)
{
    return (double) clock() / CLOCKS_PER_SEC;
}


/* xorshift32: the same "random" inputs on every run */

static uint32_t
k8f_test_rand(void)
{
    k8f_test_seed ^= k8f_test_seed << 13;
    k8f_test_seed ^= k8f_test_seed >> 17;
    k8f_test_seed ^= k8f_test_seed << 5;

    return k8f_test_seed;
}


static void
k8f_test_category_table(void)
{
    char                        why[512];
    size_t                      i;
    json_t                     *alert;
    const char                 *got;
    const k8f_test_category_t  *t;

    for (i = 0;
         i < sizeof(k8f_test_categories) / sizeof(k8f_test_categories[0]);
         i++)
    {
        t = &k8f_test_categories[i];

        alert = k8f_test_alert(t->alertname, t->summary, t->description,
                               t->labels);

        got = k8f_categorize(alert, why, sizeof(why));

        if (!k8f_tap_ok(strcmp(got, t->want) == 0, "category of \"%s\"%s%s "
                        "is %s", t->alertname ? t->alertname : "(null)",
                        t->description ? ": " : "",
                        t->description ? t->description : "", t->want))
        {
            k8f_tap_diag("got %s: %s", got, why);
        }

        json_decref(alert);
    }
}


static void
k8f_test_category_golden(const char *tdir)
{
    int             found, n;
    char            path[4096], name[512], why[512];
    char           *data;
    size_t          len, i, j, s, total;
    json_t         *doc, *alerts, *alert;
    DIR            *dir;
    const char     *got;
    json_error_t    err;
    struct dirent  *de;

    static const char  *systems[] = {
        "alertmanager", "datadog", "grafana", "newrelic", "opsgenie",
        "pagerduty", "victorops", NULL
    };

    total = 0;
    n = 0;

    for (s = 0; systems[s] != NULL; s++) {
        snprintf(path, sizeof(path), "%s/golden/%s", tdir, systems[s]);

        dir = opendir(path);
        if (!k8f_tap_ok(dir != NULL, "golden directory %s", path)) {
            continue;
        }

        while ((de = readdir(dir)) != NULL) {
            len = strlen(de->d_name);

            if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0) {
                continue;
            }

            snprintf(path, sizeof(path), "%s/golden/%s/%s", tdir, systems[s],
                     de->d_name);
            snprintf(name, sizeof(name), "%s/%s", systems[s], de->d_name);

            data = k8f_tap_slurp(path, &len);
            doc = data ? json_loadb(data, len, 0, &err) : NULL;
            free(data);

            alerts = json_object_get(doc, "alerts");

            if (!k8f_tap_ok(json_is_array(alerts), "golden %s has alerts",
                            name))
            {
                json_decref(doc);
                continue;
            }

            json_array_foreach(alerts, i, alert) {
                got = k8f_categorize(alert, why, sizeof(why));
                total++;

                if (!k8f_test_is_category(got) || why[0] == '\0') {
                    k8f_tap_ok(0, "golden %s #%zu gets a category", name,
                               i);
                    continue;
                }

                found = 0;

                for (j = 0;
                     j < sizeof(k8f_test_goldens) / sizeof(k8f_test_goldens[0]);
                     j++)
                {
                    if (strcmp(k8f_test_goldens[j].file, name) != 0
                        || k8f_test_goldens[j].index != i)
                    {
                        continue;
                    }

                    found = 1;
                    n++;

                    if (!k8f_tap_ok(strcmp(got, k8f_test_goldens[j].want)
                                    == 0, "golden %s #%zu is %s", name, i,
                                    k8f_test_goldens[j].want))
                    {
                        k8f_tap_diag("got %s: %s", got, why);
                    }
                }

                if (!found) {
                    k8f_tap_diag("golden %s #%zu: %s (%s)", name, i, got,
                                 why);
                }
            }

            json_decref(doc);
        }

        closedir(dir);
    }

    k8f_tap_ok(total >= 60, "every one of the %zu golden alerts got a "
               "category", total);
    k8f_tap_ok(n == (int) (sizeof(k8f_test_goldens)
                           / sizeof(k8f_test_goldens[0])),
               "all %d expected golden alerts were found", n);
}


static void
k8f_test_category_why(void)
{
    char         why[512], small[24];
    size_t       size;
    json_t      *alert;
    const char  *got;

    alert = k8f_test_alert("KubePodCrashLooping", NULL, NULL, NULL);
    got = k8f_categorize(alert, why, sizeof(why));

    k8f_tap_ok(strcmp(got, "pod-crash") == 0
               && strcmp(why, "alertname \"KubePodCrashLooping\" matched "
                         "pod-crash rule /CrashLoop/") == 0,
               "why names the field, the value and the rule: %s", why);
    json_decref(alert);

    alert = k8f_test_alert("Alert", NULL, NULL, "{\"reason\":\"OOMKilled\"}");
    k8f_categorize(alert, why, sizeof(why));

    k8f_tap_ok(strncmp(why, "labels.reason \"OOMKilled\" matched memory rule"
                       " /", 45) == 0, "why names a label by its key: %s",
               why);
    json_decref(alert);

    /* a long description is quoted around the match, with "..." */

    alert = k8f_test_alert("Alert", NULL,
                           "Lorem ipsum dolor sit amet, consectetur "
                           "adipiscing elit, sed do eiusmod tempor "
                           "incididunt: the \"db\" node is not ready and "
                           "Ut enim ad minim veniam, quis nostrud "
                           "exercitation ullamco laboris", NULL);
    got = k8f_categorize(alert, why, sizeof(why));

    k8f_tap_ok(strcmp(got, "node") == 0
               && strstr(why, "annotations.description \"...") == why
               && strstr(why, "'db' node is not ready") != NULL
               && strstr(why, "...\" matched node rule") != NULL,
               "why quotes a window around the match: %s", why);
    json_decref(alert);

    alert = k8f_test_alert("Something else", "nothing here", NULL, NULL);
    got = k8f_categorize(alert, why, sizeof(why));

    k8f_tap_ok(strcmp(got, "unknown") == 0
               && strstr(why, "no rule matched alertname \"Something "
                         "else\"") == why, "why says nothing matched: %s",
               why);
    json_decref(alert);

    alert = k8f_test_alert("say \"hi\"\n\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85"
                           "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85"
                           "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85"
                           "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85"
                           "\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85\xe2\x98\x85",
                           NULL, NULL, NULL);
    got = k8f_categorize(alert, why, sizeof(why));

    k8f_tap_ok(strcmp(got, "unknown") == 0 && k8f_test_utf8(why)
               && strchr(why, '\n') == NULL
               && strstr(why, "\"say 'hi' \xe2\x98\x85") != NULL,
               "an unknown alert's name is quoted safely: %s", why);
    json_decref(alert);

    got = k8f_categorize(NULL, why, sizeof(why));
    k8f_tap_ok(strcmp(got, "unknown") == 0 && strstr(why, "not a JSON "
                "object") != NULL, "a NULL alert is unknown: %s", why);

    alert = json_string("KubePodCrashLooping");
    got = k8f_categorize(alert, NULL, 0);
    k8f_tap_ok(strcmp(got, "unknown") == 0, "a string is not an alert");
    json_decref(alert);

    /* every cut of a why in multibyte text stays valid UTF-8 */

    alert = k8f_test_alert("\xe2\x98\x85\xe2\x98\x85 CrashLoop "
                           "\xf0\x9f\x92\xa5\xf0\x9f\x92\xa5", NULL, NULL,
                           NULL);

    for (size = 1; size <= sizeof(small); size++) {
        memset(small, 'x', sizeof(small));
        got = k8f_categorize(alert, small, size);

        if (!k8f_test_utf8(small) || strlen(small) >= size
            || strcmp(got, "pod-crash") != 0)
        {
            break;
        }
    }

    k8f_tap_ok(size > sizeof(small), "a why cut to 1..%zu bytes is "
               "NUL-terminated UTF-8", sizeof(small));

    got = k8f_categorize(alert, why, sizeof(why));
    k8f_tap_ok(k8f_test_utf8(why) && strstr(why, "\xf0\x9f\x92\xa5") != NULL,
               "a why keeps whole multibyte characters: %s", why);

    got = k8f_categorize(alert, NULL, 100);
    k8f_tap_ok(strcmp(got, "pod-crash") == 0, "why may be NULL");

    json_decref(alert);
}


static void
k8f_test_category_hostile(void)
{
    int          ok;
    char         why[256], *big;
    size_t       i, j, len;
    double       t0, t;
    json_t      *alert, *labels;
    const char  *got;

    /* wrong types everywhere */

    alert = json_pack("{s:i, s:[s], s:s, s:{s:i, s:n, s:s}}",
                      "alertname", 42, "annotations", "OOMKilled",
                      "x", "y", "labels", "reason", 1, "condition",
                      "phase", "Pending");
    got = k8f_categorize(alert, why, sizeof(why));
    k8f_tap_ok(strcmp(got, "pod-restart") == 0, "wrong types are skipped, "
               "the string label still counts: %s", why);
    json_decref(alert);

    /* a huge description and many labels finish fast */

    len = K8F_TEST_HUGE;
    big = malloc(len + 1);
    memset(big, 'a', len);
    big[len] = '\0';

    for (i = 0; i < len; i += 97) {
        big[i] = " pod node\n"[i % 10];
    }

    alert = k8f_test_alert("x", big, big, NULL);
    labels = json_object_get(alert, "labels");

    for (i = 0; i < 1000; i++) {
        snprintf(why, sizeof(why), "k%zu", i);
        json_object_set_new(labels, why, json_stringn(big, 4096));
    }

    t0 = k8f_test_now();
    got = k8f_categorize(alert, why, sizeof(why));
    t = k8f_test_now() - t0;

    k8f_tap_ok(strcmp(got, "unknown") == 0 && t < K8F_TEST_SLOW,
               "a 1 MB description and 1000 labels: %s in %.3fs", got, t);
    json_decref(alert);

    /* random strings: always one of the categories and a valid why */

    ok = 1;

    for (i = 0; i < 2000 && ok; i++) {
        len = k8f_test_rand() % 200;

        for (j = 0; j < len; j++) {
            big[j] = (char) (k8f_test_rand() % 95 + 32);
        }

        alert = json_object();
        json_object_set_new(alert, "alertname", json_stringn(big, len / 3));
        json_object_set_new(alert, "annotations",
                            json_pack("{s:s%}", "description", big, len));

        got = k8f_categorize(alert, why, 1 + k8f_test_rand() % sizeof(why));
        ok = k8f_test_is_category(got) && k8f_test_utf8(why);

        json_decref(alert);
    }

    k8f_tap_ok(ok, "2000 random alerts get a category and a valid why");

    free(big);
}


static void
k8f_test_redact_table(void)
{
    char                      *out;
    size_t                     i, len, count, count2, len2;
    char                      *again;
    const k8f_test_redact_t   *t;

    for (i = 0;
         i < sizeof(k8f_test_redactions) / sizeof(k8f_test_redactions[0]);
         i++)
    {
        t = &k8f_test_redactions[i];

        out = k8f_redact(t->in, strlen(t->in), &len, &count);

        if (!k8f_tap_ok(out != NULL && strcmp(out, t->out) == 0
                        && len == strlen(t->out) && count == t->count,
                        "redact \"%s\" (%zu)",
                        k8f_test_show(t->in, strlen(t->in)), t->count))
        {
            k8f_tap_diag("got %zu \"%s\"", count,
                         out ? k8f_test_show(out, len) : "(NULL)");
            free(out);
            continue;
        }

        /* what came out is clean: nothing more to redact */

        again = k8f_redact(out, len, &len2, &count2);

        if (again == NULL || count2 != 0 || strcmp(again, out) != 0) {
            k8f_tap_ok(0, "redacting \"%s\" again changes nothing",
                       k8f_test_show(out, len));
            k8f_tap_diag("got %zu \"%s\"", count2,
                         again ? k8f_test_show(again, len2) : "(NULL)");
        }

        free(again);
        free(out);
    }
}


static void
k8f_test_redact_bytes(void)
{
    char    *out;
    size_t   len, count;

    static const char  in[] = "a\0password=x\0b";
    static const char  want[] = "a\0password=[REDACTED]\0b";

    static const char  pod[] =
        "{\"env\":[{\"name\":\"REDIS_URL\",\"value\":"
        "\"redis://:s3cret@redis:6379\"},{\"name\":\"STRIPE_API_KEY\","
        "\"value\":\"sk_live_abc\"},{\"name\":\"DB_PASSWORD\","
        "\"valueFrom\":{\"secretKeyRef\":{\"name\":\"db\",\"key\":"
        "\"password\"}}}],\"args\":[\"--api-token\",\"abc\"],"
        "\"livenessProbe\":{\"httpGet\":{\"httpHeaders\":[{\"name\":"
        "\"Authorization\",\"value\":\"Bearer t0ken\"}]}}}";

    static const char  pod_clean[] =
        "{\"env\":[{\"name\":\"REDIS_URL\",\"value\":"
        "\"redis://:[REDACTED]@redis:6379\"},{\"name\":\"STRIPE_API_KEY\","
        "\"value\":\"[REDACTED]\"},{\"name\":\"DB_PASSWORD\","
        "\"valueFrom\":{\"secretKeyRef\":{\"name\":\"db\",\"key\":"
        "\"password\"}}}],\"args\":[\"--api-token\",\"[REDACTED]\"],"
        "\"livenessProbe\":{\"httpGet\":{\"httpHeaders\":[{\"name\":"
        "\"Authorization\",\"value\":\"[REDACTED]\"}]}}}";

    out = k8f_redact(in, sizeof(in) - 1, &len, &count);
    k8f_tap_ok(out != NULL && len == sizeof(want) - 1
               && memcmp(out, want, len) == 0 && out[len] == '\0'
               && count == 1, "NUL bytes are text: they end no value");
    free(out);

    out = k8f_redact("password=hunter2", 8, &len, &count);
    k8f_tap_ok(out != NULL && strcmp(out, "password") == 0 && len == 8
               && count == 0, "only len bytes are read");
    free(out);

    out = k8f_redact(NULL, 0, &len, &count);
    k8f_tap_ok(out != NULL && out[0] == '\0' && len == 0 && count == 0,
               "NULL text is empty text");
    free(out);

    out = k8f_redact("token=abc", 9, NULL, NULL);
    k8f_tap_ok(out != NULL && strcmp(out, "token=[REDACTED]") == 0,
               "out_len and count may be NULL");
    free(out);

    /* a pod spec: secrets in env, args and a probe header; references kept */

    out = k8f_redact(pod, sizeof(pod) - 1, &len, &count);

    if (!k8f_tap_ok(out != NULL && strcmp(out, pod_clean) == 0
                    && count == 4, "a pod spec: env values, args and "
                    "headers redacted, secret references kept"))
    {
        k8f_tap_diag("got %zu %s", count, out ? out : "(NULL)");
    }

    free(out);
}


/* real API answers, logs and alerts hold no secret: nothing is touched */

static void
k8f_test_redact_fixtures(const char *tdir)
{
    int             files, clean;
    char            path[4096], *data, *out;
    size_t          len, out_len, count;
    DIR            *dir;
    struct dirent  *de;

    snprintf(path, sizeof(path), "%s/fixtures/kubernetes", tdir);

    dir = opendir(path);
    if (!k8f_tap_ok(dir != NULL, "fixtures directory %s", path)) {
        return;
    }

    files = 0;
    clean = 0;

    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }

        snprintf(path, sizeof(path), "%s/fixtures/kubernetes/%s", tdir,
                 de->d_name);

        data = k8f_tap_slurp(path, &len);
        if (data == NULL) {
            continue;
        }

        files++;

        out = k8f_redact(data, len, &out_len, &count);

        if (out != NULL && count == 0 && out_len == len
            && memcmp(out, data, len) == 0)
        {
            clean++;

        } else {
            k8f_tap_diag("%s: %zu redactions", de->d_name, count);
        }

        free(out);
        free(data);
    }

    closedir(dir);

    k8f_tap_ok(files > 10 && clean == files, "%d of %d Kubernetes fixtures "
               "come out untouched", clean, files);
}


static void
k8f_test_redact_fuzz(void)
{
    int          ok, idem, same;
    char        *in, *out, *again;
    size_t       i, j, len, n, out_len, len2, count, count2, piece;
    double       t0;

    static const char  *pieces[] = {
        "password", "passwd", "token", "secret", "api_key", "=", ":", ": ",
        "\"", "'", "\\", "\\\"", " ", "\n", "\t", "eyJ", "eyJabcdef", ".",
        "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "-----",
        "Bearer ", "Authorization: ", "Basic ", "://", "@", "u:p@", "AKIA",
        "AKIAIOSFODNN7EXAMPLE", "[REDACTED]", "[REDACTED:jwt]", "name",
        "\"name\":\"X_TOKEN\",\"value\":", "value: ", "--", "--token ",
        "xoxb-", "ghp_", "AIza", "{", "}", "[", "]", "\xff", "\xc3",
        "\xe2\x82", "\0", "aws_secret_access_key=", "Cookie: ", "true",
        "0123456789abcdefghij", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    };

    n = sizeof(pieces) / sizeof(pieces[0]);
    in = malloc(8192);

    ok = 1;
    idem = 1;
    same = 1;
    t0 = k8f_test_now();

    for (i = 0; i < K8F_TEST_FUZZ; i++) {
        len = 0;

        while (len < 4000 && k8f_test_rand() % 64 != 0) {
            if (k8f_test_rand() % 3 == 0) {
                in[len++] = (char) k8f_test_rand();
                continue;
            }

            j = k8f_test_rand() % n;
            piece = (pieces[j][0] == '\0') ? 1 : strlen(pieces[j]);

            memcpy(in + len, pieces[j], piece);
            len += piece;
        }

        out = k8f_redact(in, len, &out_len, &count);

        if (out == NULL || out[out_len] != '\0') {
            ok = 0;
            free(out);
            break;
        }

        if (count == 0 && (out_len != len || memcmp(out, in, len) != 0)) {
            same = 0;
        }

        again = k8f_redact(out, out_len, &len2, &count2);

        if (again == NULL || count2 != 0 || len2 != out_len
            || memcmp(again, out, out_len) != 0)
        {
            if (idem) {
                k8f_tap_diag("not idempotent: \"%s\" then %zu more: "
                             "\"%s\"", k8f_test_show(out, out_len), count2,
                             again ? k8f_test_show(again, len2) : "(NULL)");
            }

            idem = 0;
        }

        free(again);
        free(out);
    }

    k8f_tap_ok(ok, "%d random texts of secret-like pieces and bytes are "
               "redacted (%.2fs)", K8F_TEST_FUZZ, k8f_test_now() - t0);
    k8f_tap_ok(same, "no redaction counted means the text is unchanged");
    k8f_tap_ok(idem, "redacting a redacted text changes nothing");

    free(in);
}


static void
k8f_test_fill(char *in, size_t len, const k8f_test_shape_t *shape)
{
    size_t  i, n;

    n = strlen(shape->head);
    memcpy(in, shape->head, n);

    if (shape->pattern == NULL) {
        for (i = n; i < len; i++) {
            in[i] = (char) k8f_test_rand();
        }

    } else if (shape->pattern[0] == '\0') {
        memset(in + n, 0, len - n);

    } else {
        for (i = n; i < len; i++) {
            in[i] = shape->pattern[(i - n) % strlen(shape->pattern)];
        }
    }

    n = strlen(shape->tail);
    memcpy(in + len - n, shape->tail, n);
}


/*
 * Inputs that would make a careless pattern rescan the rest of the text
 * from every position: 1 MB must take about four times what 256 KB does
 * (ten allowed), where a quadratic scan takes sixteen (and hours).
 */

static void
k8f_test_redact_huge(void)
{
    int      ok;
    char    *in, *out;
    size_t   i, len, out_len, count;
    double   t0, t, t4;

    static const k8f_test_shape_t  shapes[] = {
        { "a=", "", "", "'a=' repeated" },
        { "a", "", "", "one line of 'a'" },
        { "password=", "", "", "'password=' repeated" },
        { "a", "password=\"", "", "an unclosed quoted password" },
        { "\\\"", "password=\"", "", "escaped quotes in a password" },
        { "password=\"", "'", "", "'password=\"' repeated" },
        { "eyJ", "", "", "'eyJ' repeated" },
        { "eyJ", "", ".x.", "'eyJ' repeated, then dots" },
        { "eyJab.", "", "", "'eyJab.' repeated" },
        { "-----BEGIN PRIVATE KEY-----", "", "", "BEGIN lines without END" },
        { "a", "-----BEGIN RSA PRIVATE KEY-----\n", "", "a key without END" },
        { "Bearer ", "", "", "'Bearer ' repeated" },
        { "Bearer a", "", "1", "'Bearer a' repeated, then a digit" },
        { "Authorization: ", "", "", "'Authorization: ' repeated" },
        { "://a:", "", "@", "'://a:' repeated, then an '@'" },
        { "a-", "--", " x", "a long flag" },
        { "--", "", "", "'--' repeated" },
        { "\"name\":\"A_TOKEN\",", "", "", "env names without values" },
        { "name: A_TOKEN\n", "", "", "YAML env names without values" },
        { "AKIA", "", "", "'AKIA' repeated" },
        { "xoxb-", "", "", "'xoxb-' repeated" },
        { "ghp_", "", "", "'ghp_' repeated" },
        { "-", "", "", "dashes" },
        { "\\", "", "", "backslashes" },
        { "\n", "", "", "newlines" },
        { "", "", "", "NUL bytes" },
        { NULL, "", "", "random bytes" }
    };

    len = K8F_TEST_HUGE;
    in = malloc(len);

    for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {

        k8f_test_fill(in, len / 4, &shapes[i]);

        t0 = k8f_test_now();
        out = k8f_redact(in, len / 4, &out_len, &count);
        t4 = k8f_test_now() - t0;
        free(out);

        k8f_test_fill(in, len, &shapes[i]);

        t0 = k8f_test_now();
        out = k8f_redact(in, len, &out_len, &count);
        t = k8f_test_now() - t0;

        ok = (out != NULL && t < K8F_TEST_SLOW
              && (t < 0.05 || t < 10 * t4 + 0.02));

        k8f_tap_ok(ok, "1 MB of %s: %zu redactions, %zu bytes out, %.3fs "
                   "(256 KB: %.3fs)", shapes[i].what, count, out_len, t,
                   t4);

        free(out);
    }

    free(in);
}


/* the patterns are released, and come back when used again */

static void
k8f_test_cleanup(void)
{
    char        *out;
    json_t      *alert;
    const char  *got;

    k8f_category_cleanup();
    k8f_redact_cleanup();

    alert = k8f_test_alert("KubeHpaMaxedOut", NULL, NULL, NULL);
    got = k8f_categorize(alert, NULL, 0);
    json_decref(alert);

    out = k8f_redact("token=x", 7, NULL, NULL);

    k8f_tap_ok(strcmp(got, "hpa") == 0 && out != NULL
               && strcmp(out, "token=[REDACTED]") == 0,
               "after cleanup the patterns compile again");

    free(out);

    k8f_category_cleanup();
    k8f_redact_cleanup();
    k8f_category_cleanup();
}
