
/*
 * UTF-8 and text helpers shared by the engine's pure-C parts.
 */


#include <string.h>
#include <strings.h>

#include "k8f_text.h"


size_t
k8f_text_utf8(const unsigned char *p, size_t n)
{
    size_t          len, i;
    unsigned char   lo, hi;

    if (p[0] < 0x80) {
        return 1;
    }

    lo = 0x80;
    hi = 0xbf;

    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        len = 2;

    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        len = 3;
        lo = (p[0] == 0xe0) ? 0xa0 : 0x80;
        hi = (p[0] == 0xed) ? 0x9f : 0xbf;

    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        len = 4;
        lo = (p[0] == 0xf0) ? 0x90 : 0x80;
        hi = (p[0] == 0xf4) ? 0x8f : 0xbf;

    } else {
        return 0;
    }

    if (n < len || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return len;
}


/* a character has at most 3 continuation bytes: bad input stops there */

size_t
k8f_text_utf8_cut(const char *p, size_t n)
{
    size_t  i;

    i = n;

    while (i > 0 && n - i < 3 && ((unsigned char) p[i] & 0xc0) == 0x80) {
        i--;
    }

    return i;
}


size_t
k8f_text_utf8_valid(const char *p, size_t n)
{
    size_t                k;
    const unsigned char  *s, *end;

    s = (const unsigned char *) p;
    end = s + n;

    while (s < end) {
        k = k8f_text_utf8(s, end - s);

        if (k == 0) {
            break;
        }

        s += k;
    }

    return s - (const unsigned char *) p;
}


const char *
k8f_text_find(const char *p, size_t n, const char *what)
{
    size_t  len;

    len = strlen(what);

    while (n >= len) {
        if (strncasecmp(p, what, len) == 0) {
            return p;
        }

        p++;
        n--;
    }

    return NULL;
}
