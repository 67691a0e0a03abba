
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
 * the summary/description/message annotations, then the other labels.
 * One "key: value" a line.
 */
int k8f_prompt_alert(json_t *alert, k8f_buf_t *out);

/*
 * The template with its placeholders replaced; tpl NULL means the
 * built-in one.  K8F_OK or K8F_ERROR (memory).
 */
int k8f_prompt_render(const char *tpl, size_t len, const char *alert,
    const char *category, const char *evidence, k8f_buf_t *out);


/*
 * The analysis written without the LLM, from the evidence alone: the
 * category, the pod's phase and, for each container that restarted or
 * is not running, its last terminated reason and exit code (with its
 * meaning: 137 = SIGKILL, OOMKilled = the memory limit), the most
 * telling events (Warnings first, newest first), the most telling log
 * lines (errors, panics, exceptions, "killed", "refused" ...; else the
 * last lines), and what could not be read.  Every input but alert and
 * category may be NULL.  The text says plainly that no LLM was
 * reached and why (reason).
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
