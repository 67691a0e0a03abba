
/*
 * Redacts secrets with one table of pcre2 rules (the list is in
 * k8f_redact.h).  Each rule runs over the whole text in turn, the most
 * specific first, so a JWT in "token=eyJ..." is marked as a JWT, and the
 * later rules skip what an earlier one replaced: every value pattern
 * refuses to start on "[REDACTED", which also keeps each secret counted
 * once.
 *
 * Patterns are compiled without UTF, so any byte is a character.  To keep
 * the time linear, a pattern starts on a literal or after a lookbehind
 * that forbids starting inside a run it would rescan, and values are
 * possessive, bounded, or lazy single-character runs (no group repeated
 * per character, which pcre2 would pay for in frames).
 */


#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pcre2.h>

#include "k8f_redact.h"


#define K8F_REDACT_MATCH_LIMIT  10000000
#define K8F_REDACT_OVECTOR      8


/* not something an earlier rule already replaced */
#define K8F_FRESH   "(?!\\[REDACTED)"

/* nor a value that cannot be a secret */
#define K8F_REAL                                                             \
    "(?!\\[REDACTED|(?:Bearer|Basic|Token)[ \\t]+\\[REDACTED"                \
    "|(?:true|false|null|none|nil)(?![\\w-]))"

/*
 * The end of a key, quoted or not, also inside a JSON string: \"key\":
 * atomic, or "secret:=[REDACTED]" would be read again as "secret:" and
 * the value "=".
 */
#define K8F_SEP     "(?>(?:\\\\?[\"'])?[ \\t]*+(?::=|=>|=|:)[ \\t]*+)"
#define K8F_QUOTE   "(?:\\\\?[\"'])?"

/*
 * The rest of a double-quoted value, in group 1: up to a quote without a
 * backslash before it or, when the text was cut, to the end of the line.
 */
#define K8F_DQ_BODY                                                          \
    "([^\\n]+?)(?:(?<!\\\\)\"|(?=[\\r\\n])|\\z)"

/*
 * A value, in group 1 whichever way it is written: \"x\" inside a JSON
 * string, "x", 'x', or a bare word up to a delimiter.
 */
#define K8F_VALUE                                                            \
    "(?|\\\\\"(?!\\\\\")" K8F_REAL "([^\\n]+?)(?:\\\\\"|(?=[\\r\\n])|\\z)"   \
    "|\"(?!\")" K8F_REAL K8F_DQ_BODY                                         \
    "|'(?!')" K8F_REAL "([^'\\n]++)(?:'|(?=[\\r\\n])|\\z)"                   \
    "|(?![\"'\\\\])" K8F_REAL "([^\\s\\x00\"'&,;<>\\\\{}\\[\\]()]++))"


/*
 * The end of a key that names a secret: DB_PASSWORD, client_secret, an
 * image pull secret's .dockerconfigjson
 */
#define K8F_SECRET                                                           \
    "(?:password|passwd|passphrase|secret|token|api[_-]?key"                 \
    "|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?"            \
    "|dockerconfigjson|dockercfg)"

/* an env variable or header whose name says its value is secret */
#define K8F_SECRET_NAME                                                      \
    "(?:" K8F_SECRET "|authorization|cookie)"

#define K8F_AUTH    "\\b(?:Proxy-)?Authorization" K8F_SEP K8F_QUOTE

/* characters of a PEM body, also with JSON's "\n" escapes */
#define K8F_PEM     "[A-Za-z0-9+/=\\s:,.\\\\-]"


typedef struct {
    const char            *marker;
    uint32_t               options;
    int                    group;       /* the part replaced: 0 = all */
    const char            *pattern;
    pcre2_code            *code;
} k8f_redact_rule_t;


typedef struct {
    char                  *data;
    size_t                 len;
    size_t                 size;
} k8f_redact_buf_t;


static int k8f_redact_init(void);
static int k8f_redact_pass(k8f_redact_rule_t *rule, const char *src,
    size_t len, k8f_redact_buf_t *dst, size_t *count);
static int k8f_redact_append(k8f_redact_buf_t *b, const char *p, size_t n);


static k8f_redact_rule_t  k8f_redact_rules[] = {

    /* a cut-off key is redacted to the end of what looks like its body */
    { "[REDACTED:private-key]", 0, 0,
      "-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----" K8F_PEM "*?"
      "(?:-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----"
      "|(?!" K8F_PEM "))", NULL },

    /* a GCP service account key file */
    { "[REDACTED:private-key]", PCRE2_CASELESS, 1,
      "\"private_key\"[ \\t]*+:[ \\t]*+\"(?!\")" K8F_FRESH K8F_DQ_BODY,
      NULL },

    { "[REDACTED:jwt]", 0, 0,
      "(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}+\\.eyJ[A-Za-z0-9_-]{5,}+"
      "\\.[A-Za-z0-9_-]*+", NULL },

    { "[REDACTED:bearer]", PCRE2_CASELESS, 1,
      K8F_AUTH "Bearer[ \\t]+" K8F_FRESH "([^\\s\"'\\\\,;]++)", NULL },

    { "[REDACTED:basic]", PCRE2_CASELESS, 1,
      K8F_AUTH "Basic[ \\t]+" K8F_FRESH "([^\\s\"'\\\\,;]++)", NULL },

    /* other schemes; a credential has a digit or a symbol, prose has not */
    { "[REDACTED:authorization]", PCRE2_CASELESS, 1,
      K8F_AUTH "(?!(?:Bearer|Basic)[ \\t])"
      "(?:(?:Token|Digest|Negotiate|NTLM|ApiKey|Key|HMAC|AWS4-HMAC-SHA256)"
      "[ \\t]+)?" K8F_REAL
      "([^\\s\"'\\\\,;\\[]*[0-9+/=_~.-][^\\s\"'\\\\,;\\[]*+)", NULL },

    /* outside a header "bearer" is often a word: a token has a digit */
    { "[REDACTED:bearer]", PCRE2_CASELESS, 1,
      "\\bBearer[ \\t]+" K8F_FRESH
      "((?=[A-Za-z0-9._~+/=-]{0,512}?[0-9])[A-Za-z0-9._~+/=-]{8,}+"
      "|[A-Za-z0-9._~+/=-]{20,}+)", NULL },

    { "[REDACTED:aws-access-key-id]", 0, 0,
      "(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])", NULL },

    { "[REDACTED:aws-secret-access-key]", PCRE2_CASELESS, 1,
      "(?:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)"
      K8F_SEP K8F_QUOTE K8F_FRESH "([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
      NULL },

    { "[REDACTED:gcp-api-key]", 0, 0,
      "(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])", NULL },

    { "[REDACTED:gcp-oauth-token]", 0, 0,
      "(?<![A-Za-z0-9_-])ya29\\.[0-9A-Za-z_-]{20,}+", NULL },

    { "[REDACTED:slack-token]", 0, 0,
      "(?<![A-Za-z0-9_-])(?:xox[baprse]-[0-9A-Za-z-]{10,}+"
      "|xapp-[0-9]-[0-9A-Za-z-]{10,}+)", NULL },

    { "[REDACTED:slack-webhook]", PCRE2_CASELESS, 1,
      "hooks\\.slack\\.com/(?:services|workflows|triggers)/" K8F_FRESH
      "([A-Za-z0-9/_-]{8,}+)", NULL },

    { "[REDACTED:github-token]", 0, 0,
      "(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}+"
      "|github_pat_[A-Za-z0-9_]{22,}+)", NULL },

    { "[REDACTED:gitlab-token]", 0, 0,
      "(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}+", NULL },

    { "[REDACTED:cookie]", PCRE2_CASELESS, 1,
      "\\b(?:Set-)?Cookie" K8F_QUOTE "[ \\t]*+:[ \\t]*+" K8F_QUOTE K8F_FRESH
      "([^\\r\\n\"'\\\\]++)", NULL },

    /*
     * the last "@" of the authority ends the password: p@ss is whole;
     * no "[" in user or password (RFC 3986 has it encoded), so neither
     * spans a marker
     */
    { "[REDACTED]", 0, 1,
      ":(?://|\\\\/\\\\/)[^/\\s:@?#\"'\\\\\\[]{0,256}+:" K8F_FRESH
      "([^/\\s?#\"'\\\\\\[]{1,256})@", NULL },

    /* Kubernetes env: {"name": "DB_PASSWORD", "value": "x"} */
    { "[REDACTED]", PCRE2_CASELESS, 1,
      "\"name\"\\s*+:\\s*+\"[A-Za-z0-9_.-]{0,64}?" K8F_SECRET_NAME
      "[A-Za-z0-9_.-]{0,64}+\"\\s*+,\\s*+\"value\"\\s*+:\\s*+\"(?!\")"
      K8F_REAL K8F_DQ_BODY, NULL },

    /* and as YAML: "- name: DB_PASSWORD\n  value: x" */
    { "[REDACTED]", PCRE2_CASELESS, 1,
      "\\bname:[ \\t]*+[\"']?[A-Za-z0-9_.-]{0,64}?" K8F_SECRET_NAME
      "[A-Za-z0-9_.-]{0,64}+[\"']?[ \\t]*+\\r?\\n[ \\t]*+value:[ \\t]*+"
      K8F_VALUE, NULL },

    /*
     * command lines: --db-password x, and as a container's args:
     * ["--api-token", "x"] (--password=x is a pair below)
     */
    { "[REDACTED]", PCRE2_CASELESS, 1,
      "(?<![\\w-])--(?:[A-Za-z0-9]{1,20}-){0,4}" K8F_SECRET
      "(?:[ \\t]++|\"\\s*+,\\s*+(?=\"))(?!-)" K8F_VALUE, NULL },

    /* password=x, "secret": "x", X-Api-Key: x, {\"token\":\"x\"} */
    { "[REDACTED]", PCRE2_CASELESS, 1,
      K8F_SECRET K8F_SEP K8F_VALUE, NULL }
};


#define K8F_REDACT_NRULES                                                    \
    (sizeof(k8f_redact_rules) / sizeof(k8f_redact_rules[0]))


static int                   k8f_redact_ready;
static pcre2_match_data     *k8f_redact_md;
static pcre2_match_context  *k8f_redact_mctx;


char *
k8f_redact(const char *text, size_t len, size_t *out_len, size_t *count)
{
    size_t             i, n;
    const char        *src;
    k8f_redact_buf_t   cur, next;

    if (out_len != NULL) {
        *out_len = 0;
    }

    if (count != NULL) {
        *count = 0;
    }

    if (k8f_redact_init() != 0) {
        return NULL;
    }

    if (text == NULL) {
        text = "";
        len = 0;
    }

    /* a pass that replaces nothing copies nothing */

    cur.data = NULL;
    cur.len = 0;
    cur.size = 0;

    src = text;
    n = 0;

    for (i = 0; i < K8F_REDACT_NRULES; i++) {
        next.data = NULL;
        next.len = 0;
        next.size = 0;

        if (k8f_redact_pass(&k8f_redact_rules[i], src, len, &next, &n)
            != 0)
        {
            free(next.data);
            free(cur.data);
            return NULL;
        }

        if (next.data != NULL) {
            free(cur.data);
            cur = next;
            src = cur.data;
            len = cur.len;
        }
    }

    if (cur.data == NULL && k8f_redact_append(&cur, text, len) != 0) {
        return NULL;
    }

    if (k8f_redact_append(&cur, "", 1) != 0) {
        free(cur.data);
        return NULL;
    }

    if (out_len != NULL) {
        *out_len = cur.len - 1;
    }

    if (count != NULL) {
        *count = n;
    }

    return cur.data;
}


void
k8f_redact_cleanup(void)
{
    size_t  i;

    for (i = 0; i < K8F_REDACT_NRULES; i++) {
        pcre2_code_free(k8f_redact_rules[i].code);
        k8f_redact_rules[i].code = NULL;
    }

    pcre2_match_data_free(k8f_redact_md);
    pcre2_match_context_free(k8f_redact_mctx);

    k8f_redact_md = NULL;
    k8f_redact_mctx = NULL;
    k8f_redact_ready = 0;
}


/* 0 when the patterns are ready; a failure is remembered, never retried */

static int
k8f_redact_init(void)
{
    int          errcode;
    size_t       i;
    PCRE2_SIZE   erroff;

    if (k8f_redact_ready) {
        return k8f_redact_ready > 0 ? 0 : -1;
    }

    k8f_redact_ready = -1;

    for (i = 0; i < K8F_REDACT_NRULES; i++) {
        k8f_redact_rules[i].code =
            pcre2_compile((PCRE2_SPTR) k8f_redact_rules[i].pattern,
                          PCRE2_ZERO_TERMINATED, k8f_redact_rules[i].options,
                          &errcode, &erroff, NULL);

        if (k8f_redact_rules[i].code == NULL) {
            k8f_redact_cleanup();
            k8f_redact_ready = -1;
            return -1;
        }
    }

    k8f_redact_md = pcre2_match_data_create(K8F_REDACT_OVECTOR, NULL);
    k8f_redact_mctx = pcre2_match_context_create(NULL);

    if (k8f_redact_md == NULL || k8f_redact_mctx == NULL) {
        k8f_redact_cleanup();
        k8f_redact_ready = -1;
        return -1;
    }

    pcre2_set_match_limit(k8f_redact_mctx, K8F_REDACT_MATCH_LIMIT);

    k8f_redact_ready = 1;

    return 0;
}


/*
 * One rule over src: dst stays empty when nothing matched, else holds the
 * text with the matches replaced.  A matcher error is an error: text that
 * could not be scanned is not known to be clean.
 */

static int
k8f_redact_pass(k8f_redact_rule_t *rule, const char *src, size_t len,
    k8f_redact_buf_t *dst, size_t *count)
{
    int          rc;
    size_t       copied, from, to, mlen;
    PCRE2_SIZE   start, *ov;

    copied = 0;
    start = 0;

    while (start <= len) {

        rc = pcre2_match(rule->code, (PCRE2_SPTR) src, len, start, 0,
                         k8f_redact_md, k8f_redact_mctx);

        if (rc == PCRE2_ERROR_NOMATCH) {
            break;
        }

        if (rc < 0) {
            return -1;
        }

        ov = pcre2_get_ovector_pointer(k8f_redact_md);

        from = ov[0];
        to = ov[1];

        if (rc > rule->group && ov[2 * rule->group] != PCRE2_UNSET) {
            from = ov[2 * rule->group];
            to = ov[2 * rule->group + 1];
        }

        if (to < from || from < copied || to > len || ov[1] < to) {
            return -1;
        }

        mlen = strlen(rule->marker);

        if (k8f_redact_append(dst, src + copied, from - copied) != 0
            || k8f_redact_append(dst, rule->marker, mlen) != 0)
        {
            return -1;
        }

        copied = to;
        (*count)++;

        /*
         * resume after the value, not after its closing quote: that quote
         * may open the next key ("value":"x"name":...), and a second run
         * must find nothing the first did not
         */
        start = (to > ov[0]) ? to : ov[0] + 1;
    }

    if (dst->data != NULL
        && k8f_redact_append(dst, src + copied, len - copied) != 0)
    {
        return -1;
    }

    return 0;
}


static int
k8f_redact_append(k8f_redact_buf_t *b, const char *p, size_t n)
{
    char    *data;
    size_t   size;

    if (n > (size_t) -1 / 2 - b->len) {
        return -1;
    }

    if (b->len + n > b->size || b->data == NULL) {
        size = b->size ? b->size : 256;

        while (size < b->len + n) {
            size *= 2;
        }

        data = realloc(b->data, size);
        if (data == NULL) {
            return -1;
        }

        b->data = data;
        b->size = size;
    }

    if (n > 0) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
    }

    return 0;
}
