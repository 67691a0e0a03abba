
/*
 * Secret redaction (SPEC §4.3): applied to the evidence pack before it
 * reaches the prompt, and to anything before it reaches a log line.
 * Pure C over pcre2, no nginx types, no I/O.
 *
 * A secret is replaced by a marker that says what was removed:
 *
 *   -----BEGIN ... PRIVATE KEY----- ... -----END ...-----
 *                                      [REDACTED:private-key]
 *   eyJ....eyJ....sig                  [REDACTED:jwt]
 *   Authorization: Bearer x            Authorization: Bearer [REDACTED:bearer]
 *   Authorization: Basic x             Authorization: Basic [REDACTED:basic]
 *   Authorization: x                   Authorization: [REDACTED:authorization]
 *   bearer x (x with a digit, or long) bearer [REDACTED:bearer]
 *   AKIA/ASIA + 16                     [REDACTED:aws-access-key-id]
 *   aws_secret_access_key = x          aws_secret_access_key = \
 *                                          [REDACTED:aws-secret-access-key]
 *   AIza + 35                          [REDACTED:gcp-api-key]
 *   ya29.x                             [REDACTED:gcp-oauth-token]
 *   "private_key": "x"                 "private_key": "[REDACTED:private-key]"
 *   xoxb-, xoxp-, ... xapp-            [REDACTED:slack-token]
 *   hooks.slack.com/services/x         hooks.slack.com/services/\
 *                                          [REDACTED:slack-webhook]
 *   ghp_, gho_, ghu_, ghs_, ghr_, github_pat_
 *                                      [REDACTED:github-token]
 *   glpat-x                            [REDACTED:gitlab-token]
 *   Cookie: x, Set-Cookie: x           Cookie: [REDACTED:cookie]
 *   scheme://user:x@host               scheme://user:[REDACTED]@host
 *   {"name": "DB_PASSWORD", "value": "x"}, also YAML, and the same with
 *   "Authorization" or "Cookie" (Kubernetes env, probe headers)
 *                                      ... "value": "[REDACTED]"
 *   --password x, ["--token", "x"]     --password [REDACTED]
 *   password=x, passwd: x, "secret": "x", token=x, api_key=x, apikey: x,
 *   access_key=x, secret_key=x, private_key=x, credentials=x,
 *   .dockerconfigjson: x, with any prefix (DB_PASSWORD=x, client_secret=x,
 *   X-Api-Key: x), quoted or not, also inside JSON strings
 *   (\"password\":\"x\")
 *                                      password=[REDACTED] (the key stays)
 *
 * Certificates and public keys are kept: they are public by design, and
 * a TLS failure is easier to explain with them.  Values that cannot be
 * secrets are kept too: true, false, null, none, nil, empty, and
 * anything already redacted, so redacting twice changes nothing.  A text
 * cut inside a secret still loses it: a private key without its END line
 * goes to the end of its body, a quoted value without its closing quote
 * to the end of the line.
 *
 * Text is handled as bytes: any encoding, invalid UTF-8 and NULs are
 * fine.  Every pattern starts on a literal or where a run begins, and
 * scans bounded, possessive or lazy runs, so time grows linearly with
 * the input (about 0.1 s per MB).
 */

#ifndef _K8F_REDACT_H_INCLUDED_
#define _K8F_REDACT_H_INCLUDED_


#include <stddef.h>


/*
 * Returns a new malloc()ed copy of text[0, len) with every secret
 * replaced, NUL-terminated; its length (without the NUL) goes to
 * *out_len and the number of secrets replaced to *count (either may be
 * NULL).  The caller free()s it.
 *
 * Returns NULL when memory runs out or the patterns do not compile or
 * run: the caller must then drop the text, never pass it on unredacted.
 */
char *k8f_redact(const char *text, size_t len, size_t *out_len,
    size_t *count);

/* releases the compiled patterns (exit, valgrind); they come back lazily */
void k8f_redact_cleanup(void);


#endif /* _K8F_REDACT_H_INCLUDED_ */
