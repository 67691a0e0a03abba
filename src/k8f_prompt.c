
/*
 * The analysis prompt and the evidence-only analysis (placeholder until
 * written: see k8f_prompt.h).
 */


#include "k8f_prompt.h"


const char  k8f_prompt_builtin[] = "{ALERT}\n{CATEGORY}\n{EVIDENCE}\n";


const char *
k8f_prompt_check(const char *tpl, size_t len)
{
    (void) tpl;
    (void) len;

    return NULL;
}


int
k8f_prompt_alert(json_t *alert, k8f_buf_t *out)
{
    (void) alert;

    return k8f_buf_add(out, "", 0);
}


int
k8f_prompt_render(const char *tpl, size_t len, const char *alert,
    const char *category, const char *evidence, k8f_buf_t *out)
{
    (void) tpl;
    (void) len;

    return k8f_buf_printf(out, "%s\n%s\n%s\n", alert, category, evidence);
}


int
k8f_prompt_fallback(k8f_fallback_t *in, k8f_buf_t *out)
{
    return k8f_buf_printf(out, "category: %s\n", in->category);
}
