
/*
 * The analysis prompt and the evidence-only analysis (SPEC §4.4, §4.5).
 * Plain C over jansson: no nginx types, no I/O.
 *
 * A template is text with the placeholders {ALERT}, {CATEGORY} and
 * {EVIDENCE}, each replaced by the text the engine passes.  Other text in
 * braces is kept as it is (a template may show JSON).
 */

#ifndef _K8F_PROMPT_H_INCLUDED_
#define _K8F_PROMPT_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>

#include "k8f_evidence.h"


/* the built-in template, NUL-terminated */
extern const char  k8f_prompt_builtin[];


/*
 * Checks an operator's template (k8flex_prompt) at nginx -t: NULL when
 * it is usable, else a static message such as
 * "has no {EVIDENCE} placeholder" or "is not valid UTF-8".
 */
const char *k8f_prompt_check(const char *tpl, size_t len);

/*
 * The alert as the prompt shows it: name, source, status, severity,
 * where (cluster, namespace, pod, container, service, node), when, and
 * the summary/description/message/runbook_url annotations, then the
 * other labels and annotations ("label job: kube-state-metrics"), keys
 * sorted.  One "key: value" a line; nulls are left out.  Values are
 * untrusted: control characters and line breaks become spaces, bad
 * UTF-8 U+FFFD, and each is cut after K8F_EVIDENCE_VALUE_MAX bytes.
 * An alert that is not an object is "(no alert details)".
 * K8F_OK or K8F_ERROR (memory).
 */
int k8f_prompt_alert(json_t *alert, k8f_buf_t *out);

/*
 * The template with every placeholder replaced (a NULL text by "");
 * tpl NULL means the built-in one.  The texts put in are not searched
 * for placeholders again.  K8F_OK or K8F_ERROR (memory).
 */
int k8f_prompt_render(const char *tpl, size_t len, const char *alert,
    const char *category, const char *evidence, k8f_buf_t *out);


/*
 * The analysis written without the LLM, from the evidence alone, in
 * plain text: a first line that says no LLM was reached and why
 * (reason), the category, the alert and its target, the pod's phase
 * and, for each container that restarted or is not running and ready,
 * its state, restarts, last terminated reason and exit code with their
 * meaning (137 = SIGKILL, OOMKilled = the memory limit, shown with the
 * heap settings), the most telling events (Warnings first, newest
 * first, at most 5), the node's unhealthy conditions, the most telling
 * log lines (errors, panics, exceptions, "killed", "refused" ...; else
 * the last lines and the warnings before them), what could not be read
 * (failures), and next steps with kubectl commands for the real names.
 * Every input may be NULL.  The same input gives the same text.
 * K8F_OK or K8F_ERROR (memory).
 */

typedef struct {
    json_t                *alert;
    const char            *category;
    const char            *reason;          /* "connect() ... refused" */
    json_t                *pod;             /* a Pod, or NULL */
    json_t                *events;          /* an EventList, or NULL */
    json_t                *node;            /* a Node, or NULL */
    const char            *log;             /* the most useful log: the */
    size_t                 log_len;         /* previous one after a crash */
    const char            *log_name;        /* "api (previous)" */
    const char            *failures;        /* failed-call lines, or NULL */
} k8f_fallback_t;

int k8f_prompt_fallback(k8f_fallback_t *in, k8f_buf_t *out);


#endif /* _K8F_PROMPT_H_INCLUDED_ */
