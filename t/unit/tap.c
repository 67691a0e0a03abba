
/*
 * The TAP output of the unit test programs.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>

#include "tap.h"


int  k8f_tap_n;
int  k8f_tap_failed;


static int k8f_tap_vok(int cond, const char *fmt, va_list args);


int
k8f_tap_ok(int cond, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    cond = k8f_tap_vok(cond, fmt, args);
    va_end(args);

    return cond;
}


void
k8f_tap_diag(const char *fmt, ...)
{
    va_list  args;

    printf("# ");

    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);

    printf("\n");
}


void
k8f_tap_show(const char *prefix, const char *text)
{
    const char  *p, *nl;

    for (p = text ? text : "(null)"; *p; p = nl + 1) {
        nl = strchr(p, '\n');

        if (nl == NULL) {
            printf("#%s%s\\(no newline)\n", prefix, p);
            break;
        }

        printf("#%s%.*s\n", prefix, (int) (nl - p), p);
    }
}


int
k8f_tap_is(const char *got, const char *want, const char *fmt, ...)
{
    int      ok;
    va_list  args;

    va_start(args, fmt);
    ok = k8f_tap_vok(got != NULL && strcmp(got, want) == 0, fmt, args);
    va_end(args);

    if (!ok) {
        k8f_tap_show("      got: ", got);
        k8f_tap_show(" expected: ", want);
    }

    return ok;
}


int
k8f_tap_has(const char *text, const char *part, const char *desc)
{
    if (k8f_tap_ok(text != NULL && strstr(text, part) != NULL, "%s", desc)) {
        return 1;
    }

    k8f_tap_diag("no \"%s\" in:", part);
    k8f_tap_show("   ", text);

    return 0;
}


int
k8f_tap_lacks(const char *text, const char *part, const char *desc)
{
    if (k8f_tap_ok(text != NULL && strstr(text, part) == NULL, "%s", desc)) {
        return 1;
    }

    k8f_tap_diag("\"%s\" in:", part);
    k8f_tap_show("   ", text);

    return 0;
}


char *
k8f_tap_slurp(const char *path, size_t *len)
{
    FILE    *f;
    char    *data;
    long     size;

    f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }

    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0
        || fseek(f, 0, SEEK_SET) != 0)
    {
        fclose(f);
        return NULL;
    }

    data = malloc(size + 1);

    if (data == NULL || fread(data, 1, size, f) != (size_t) size) {
        free(data);
        fclose(f);
        return NULL;
    }

    fclose(f);

    data[size] = '\0';
    *len = size;

    return data;
}


char *
k8f_tap_fixture(const char *path, size_t *len)
{
    char  *data;

    data = k8f_tap_slurp(path, len);
    if (data == NULL) {
        k8f_tap_diag("cannot read %s (run from the repository root)", path);
        exit(2);
    }

    return data;
}


json_t *
k8f_tap_json(const char *path)
{
    json_t        *v;
    json_error_t   err;

    v = json_load_file(path, 0, &err);
    if (v == NULL) {
        k8f_tap_diag("%s:%d: %s", path, err.line, err.text);
        exit(2);
    }

    return v;
}


int
k8f_tap_done(void)
{
    printf("1..%d\n", k8f_tap_n);

    if (k8f_tap_failed) {
        k8f_tap_diag("%d of %d failed", k8f_tap_failed, k8f_tap_n);
        return 1;
    }

    return 0;
}


static int
k8f_tap_vok(int cond, const char *fmt, va_list args)
{
    k8f_tap_n++;

    printf("%sok %d - ", cond ? "" : "not ", k8f_tap_n);
    vprintf(fmt, args);
    printf("\n");

    if (!cond) {
        k8f_tap_failed++;
    }

    return cond;
}
