
/*
 * application/x-www-form-urlencoded bodies (VictorOps escalation
 * webhooks, some Datadog templates) as a JSON object of their fields;
 * a field whose value is JSON text becomes that JSON value.
 */


#include <stdlib.h>
#include <string.h>

#include "k8f_adapter.h"
#include "k8f_util.h"


static size_t k8f_form_unescape(const char *src, size_t len, char *dst);
static int k8f_form_hex(char c);
static size_t k8f_form_utf8(const unsigned char *src, size_t len,
    unsigned char *dst);
static size_t k8f_form_utf8_char(const unsigned char *p, size_t len);
static int k8f_form_field(json_t *form, const char *p, size_t len,
    char *buf, unsigned char *text);


json_t *
k8f_form_decode(const char *data, size_t len)
{
    char           *buf;
    json_t         *form;
    size_t          n;
    const char     *p, *end, *amp;
    unsigned char  *text;

    if (data == NULL || memchr(data, '=', len) == NULL) {
        return NULL;
    }

    form = json_object();

    /* unescaping never grows; mending UTF-8 at most triples */

    buf = malloc(len + 1);
    text = malloc(len * 3 + 1);

    if (form == NULL || buf == NULL || text == NULL) {
        goto failed;
    }

    p = data;
    end = data + len;

    while (p < end) {
        amp = memchr(p, '&', end - p);
        n = (amp ? amp : end) - p;

        if (k8f_form_field(form, p, n, buf, text) != 0) {
            goto failed;
        }

        p += n + 1;
    }

    free(buf);
    free(text);

    return form;

failed:

    free(buf);
    free(text);
    json_decref(form);

    return NULL;
}


/* one "name=value" field; -1 only when memory runs out */

static int
k8f_form_field(json_t *form, const char *p, size_t len, char *buf,
    unsigned char *text)
{
    char          *key;
    json_t        *value;
    size_t         klen, vlen, n;
    const char    *eq;
    json_error_t   error;

    if (len == 0) {
        return 0;
    }

    eq = memchr(p, '=', len);

    n = k8f_form_unescape(p, eq ? (size_t) (eq - p) : len, buf);
    if (n == 0) {
        return 0;
    }

    klen = k8f_form_utf8((unsigned char *) buf, n, text);

    key = malloc(klen + 1);
    if (key == NULL) {
        return -1;
    }

    memcpy(key, text, klen);

    if (eq == NULL) {
        vlen = 0;

    } else {
        n = k8f_form_unescape(eq + 1, len - (eq + 1 - p), buf);
        vlen = k8f_form_utf8((unsigned char *) buf, n, text);
    }

    value = NULL;

    if (vlen) {
        value = json_loadb((char *) text, vlen, JSON_DECODE_ANY, &error);
    }

    if (value == NULL) {
        value = json_stringn((char *) text, vlen);
    }

    if (value == NULL || json_object_setn_new(form, key, klen, value) != 0) {
        free(key);
        return -1;
    }

    free(key);

    return 0;
}


/* "+" is a space, "%XX" a byte, and a broken escape stays as it was */

static size_t
k8f_form_unescape(const char *src, size_t len, char *dst)
{
    int     hi, lo;
    size_t  i, n;

    for (i = 0, n = 0; i < len; i++) {

        if (src[i] == '+') {
            dst[n++] = ' ';
            continue;
        }

        if (src[i] == '%' && i + 2 < len) {
            hi = k8f_form_hex(src[i + 1]);
            lo = k8f_form_hex(src[i + 2]);

            if (hi >= 0 && lo >= 0) {
                dst[n++] = (char) (hi << 4 | lo);
                i += 2;
                continue;
            }
        }

        dst[n++] = src[i];
    }

    return n;
}


static int
k8f_form_hex(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


/* JSON strings are UTF-8: a byte that is not becomes U+FFFD */

static size_t
k8f_form_utf8(const unsigned char *src, size_t len, unsigned char *dst)
{
    size_t  i, n, k;

    for (i = 0, n = 0; i < len; /* void */) {
        k = k8f_form_utf8_char(src + i, len - i);

        if (k == 0) {
            dst[n++] = 0xef;
            dst[n++] = 0xbf;
            dst[n++] = 0xbd;
            i++;
            continue;
        }

        memcpy(dst + n, src + i, k);
        n += k;
        i += k;
    }

    return n;
}


/* the length of the valid UTF-8 sequence at p, 0 if there is none */

static size_t
k8f_form_utf8_char(const unsigned char *p, size_t len)
{
    size_t    n, i;
    unsigned  c, min;

    if (p[0] < 0x80) {
        return 1;

    } else if ((p[0] & 0xe0) == 0xc0) {
        n = 2;
        c = p[0] & 0x1f;
        min = 0x80;

    } else if ((p[0] & 0xf0) == 0xe0) {
        n = 3;
        c = p[0] & 0x0f;
        min = 0x800;

    } else if ((p[0] & 0xf8) == 0xf0) {
        n = 4;
        c = p[0] & 0x07;
        min = 0x10000;

    } else {
        return 0;
    }

    if (n > len) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }

        c = c << 6 | (p[i] & 0x3f);
    }

    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
        return 0;
    }

    return n;
}
