
/*
 * libFuzzer target for the adapters, built from the repository's top:
 *
 *     clang -g -O1 -fsanitize=fuzzer,address,undefined -Iadapters \
 *         adapters/[a-z]*.c t/unit/fuzz_adapters.c -ljansson -lpcre2-8 \
 *         -o fuzz_adapters
 *     mkdir -p corpus
 *     ./fuzz_adapters -max_total_time=300 corpus t/fixtures/real/[a-z]*
 *
 * An input is decoded as JSON, else as a form body, as the webhook
 * handler does; detection and every adapter run on it, through the
 * registry and directly; the extractor, the time parser and the tag
 * splitter run on the raw bytes.  Output that breaks the normalized
 * alert contract (k8f_adapter.h) aborts, as a crash would.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void k8f_fuzz_check(json_t *alerts, const char *err, int strict);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               i;
    char             *text, err[K8F_ERR_LEN];
    json_t           *payload, *out, *alert, *s;
    json_error_t      error;
    k8f_detection_t   d;

    payload = json_loadb((const char *) data, size, JSON_DECODE_ANY, &error);

    if (payload == NULL) {
        payload = k8f_form_decode((const char *) data, size);
    }

    if (payload != NULL) {
        k8f_detect(payload, &d);

        if (d.winner >= K8F_NADAPTERS) {
            abort();
        }

        for (i = 0; i < K8F_NADAPTERS; i++) {
            if (d.score[i] < 0 || (d.score[i] == 0 && d.reason[i][0] == 0)
                || memchr(d.reason[i], '\0', K8F_REASON_LEN) == NULL)
            {
                abort();
            }

            err[0] = '\0';
            out = k8f_normalize(i, payload, err, sizeof(err));
            k8f_fuzz_check(out, err, 1);
            json_decref(out);

            err[0] = '\0';
            out = k8f_adapters[i]->normalize(payload, err, sizeof(err));
            k8f_fuzz_check(out, err, 0);
            json_decref(out);
        }

        json_decref(payload);
    }

    k8f_adapter_index((const char *) data, size);

    text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }

    memcpy(text, data, size);
    text[size] = '\0';

    alert = k8f_alert_new("Fuzz");

    k8f_alert_extract(alert, text);

    s = json_stringn(text, size);
    k8f_alert_time(alert, s);
    k8f_alert_tags(alert, s);
    k8f_alert_finish(alert);
    json_decref(s);

    out = json_pack("[o]", alert);
    k8f_fuzz_check(out, "", 1);
    json_decref(out);

    free(text);

    return 0;
}


/* strict: the registry's output, which must be the contract exactly */

static void
k8f_fuzz_check(json_t *alerts, const char *err, int strict)
{
    size_t       i;
    json_t      *alert, *v, *lv;
    const char  *s, *key;

    if (alerts == NULL) {
        if (err[0] == '\0') {
            abort();
        }

        return;
    }

    if (!json_is_array(alerts)) {
        abort();
    }

    if (!strict) {
        return;
    }

    json_array_foreach(alerts, i, alert) {
        if (!json_is_object(alert) || json_object_size(alert) != 16) {
            abort();
        }

        s = json_string_value(json_object_get(alert, "status"));

        if (s == NULL
            || (strcmp(s, "firing") != 0 && strcmp(s, "resolved") != 0))
        {
            abort();
        }

        if (!json_is_string(json_object_get(alert, "fingerprint"))
            || !json_is_string(json_object_get(alert, "source")))
        {
            abort();
        }

        json_object_foreach(alert, key, v) {
            if (strcmp(key, "labels") == 0
                || strcmp(key, "annotations") == 0)
            {
                if (!json_is_object(v)) {
                    abort();
                }

                json_object_foreach(v, s, lv) {
                    if (!json_is_string(lv)) {
                        abort();
                    }
                }

            } else if (!json_is_string(v) && !json_is_null(v)) {
                abort();
            }
        }
    }
}
