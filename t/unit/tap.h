
/*
 * The TAP output of the unit test programs: each test is a line
 * "ok N - what" or "not ok N - what", diagnostics are lines "# ...",
 * and k8f_tap_done() prints the plan "1..N" last.
 */

#ifndef _K8F_TAP_H_INCLUDED_
#define _K8F_TAP_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>


#ifdef __GNUC__
#define K8F_TAP_FORMAT(fmt, args)                                            \
    __attribute__ ((format (printf, fmt, args)))
#else
#define K8F_TAP_FORMAT(fmt, args)
#endif


extern int  k8f_tap_n;              /* tests run */
extern int  k8f_tap_failed;         /* of which failed */


/* cond, as a test; returns it */
int k8f_tap_ok(int cond, const char *fmt, ...) K8F_TAP_FORMAT(2, 3);

void k8f_tap_diag(const char *fmt, ...) K8F_TAP_FORMAT(1, 2);

/* text, NULL or not, as diagnostics: a line each, after prefix */
void k8f_tap_show(const char *prefix, const char *text);

/* a string compare that shows both texts when they differ */
int k8f_tap_is(const char *got, const char *want, const char *fmt, ...)
    K8F_TAP_FORMAT(3, 4);

/* that text holds part, that it does not; text is shown if not */
int k8f_tap_has(const char *text, const char *part, const char *desc);
int k8f_tap_lacks(const char *text, const char *part, const char *desc);

/* a file, NUL-terminated, in memory to free(); NULL when unreadable */
char *k8f_tap_slurp(const char *path, size_t *len);

/* a fixture the tests need: a file or a JSON file; else exit(2) */
char *k8f_tap_fixture(const char *path, size_t *len);
json_t *k8f_tap_json(const char *path);

/* prints the plan; the exit code of the program */
int k8f_tap_done(void);


#endif /* _K8F_TAP_H_INCLUDED_ */
