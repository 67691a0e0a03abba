
/*
 * Alert categories (SPEC §4.1): a deterministic first look at a normalized
 * alert (k8f_adapter.h) that decides which Kubernetes evidence to gather.
 * Pure C over jansson and pcre2, no nginx types, no I/O.
 *
 *   pod-crash    a container dies or cannot start: CrashLoopBackOff,
 *                error exits, ImagePullBackOff, config errors, waiting
 *   pod-restart  a pod restarts or is not serving, without a crash named:
 *                restart counters, NotReady, Pending, FailedScheduling
 *   memory       OOM kills (wherever they are named), memory usage,
 *                limits, overcommit
 *   cpu          CPU usage, throttling, overcommit, load
 *   disk         volumes, PVCs, filesystems, inodes, disk I/O, storage
 *   network      DNS, kube-proxy, CNI, interface errors, refused or
 *                timed-out connections
 *   service      endpoints, scrape targets down, API servers, error
 *                rates, 5xx, latency, SLOs
 *   hpa          HorizontalPodAutoscaler limits and mismatches
 *   node         node conditions (NotReady, MemoryPressure, DiskPressure,
 *                PIDPressure), kubelet, evictions, node hardware
 *   deployment   workloads: Deployment, StatefulSet, DaemonSet, Job,
 *                CronJob replicas, rollouts, generations, PDBs, quotas
 *   unknown      nothing matched
 */

#ifndef _K8F_CATEGORY_H_INCLUDED_
#define _K8F_CATEGORY_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>


/*
 * Returns one of the static strings above; never NULL.  When why is not
 * NULL, writes there (NUL-terminated, cut to size, valid UTF-8) which
 * rule matched on which field, e.g.
 *
 *   alertname "KubePodCrashLooping" matched pod-crash rule /CrashLoop/
 *
 * or why the answer is "unknown".
 */
const char *k8f_categorize(json_t *alert, char *why, size_t size);

/* releases the compiled patterns (exit, valgrind); they come back lazily */
void k8f_category_cleanup(void);


#endif /* _K8F_CATEGORY_H_INCLUDED_ */
