
/*
 * UTF-8 and text helpers shared by the evidence pack, the Ollama
 * protocol and the prompt.  Plain C: no nginx types, no jansson, no I/O.
 */

#ifndef _K8F_TEXT_H_INCLUDED_
#define _K8F_TEXT_H_INCLUDED_


#include <stddef.h>


/*
 * The return codes of the engine's pure-C parts: the values of NGX_OK,
 * NGX_ERROR, NGX_AGAIN, NGX_DONE and NGX_DECLINED
 */
#define K8F_OK                  0
#define K8F_ERROR              -1
#define K8F_AGAIN              -2
#define K8F_DONE               -4
#define K8F_DECLINED           -5


/*
 * The length of the UTF-8 character at p, of n > 0 bytes: 1 to 4, or 0
 * when it is not one (overlong forms, surrogates and code points above
 * U+10FFFF are not).
 */
size_t k8f_text_utf8(const unsigned char *p, size_t n);

/*
 * The longest prefix of at most n bytes of p that does not split a
 * character; p has more than n bytes (or a NUL at p[n]).
 */
size_t k8f_text_utf8_cut(const char *p, size_t n);

/* the length of the valid UTF-8 start of p: n when all of it is */
size_t k8f_text_utf8_valid(const char *p, size_t n);

/* the first place of what (ASCII, any letter case) in p, or NULL */
const char *k8f_text_find(const char *p, size_t n, const char *what);


#endif /* _K8F_TEXT_H_INCLUDED_ */
