
/*
 * The store (k8flex_store): one JSON file per analysis, <store>/<id>.json,
 * replaced whole by rename() at every change of state and, while the LLM
 * streams, at most once a second, so a reader never sees half a record.
 *
 * A record:
 *
 *   {
 *     "id": "19ac1f3e2b0-4242-1",          the job's id (time-ordered)
 *     "state": "analyzing",                queued, gathering, analyzing,
 *                                          done, failed
 *     "received_at": "2026-11-26T15:00:00.123Z",
 *     "updated_at": "2026-11-26T15:00:01.456Z",
 *     "source": "Alertmanager", "adapter": "alertmanager",
 *     "location": "/webhook",
 *     "worker": 4242,                      the nginx worker's pid
 *     "alert": { the normalized alert, redacted },
 *     "category": "pod-crash",
 *     "category_reason": "alertname \"KubePodCrashLooping\" matched ...",
 *     "evidence": {
 *       "bytes": 9123, "redactions": 2, "calls": 9, "cached": 0,
 *       "failed": 1,
 *       "sections": [
 *         { "name": "pod", "request": "GET /api/v1/namespaces/...",
 *           "status": 200, "ms": 51, "cached": false, "bytes": 1234,
 *           "error": null, "text": "..." },
 *         ...
 *       ]
 *     },
 *     "prompt_bytes": 15000,
 *     "llm": "ok",                         null while not asked yet,
 *                                          "ok", "unavailable" (the
 *                                          analysis is evidence only),
 *                                          "failed"
 *     "llm_error": "...",                  why, when "unavailable"
 *     "ollama": "http://127.0.0.1:11434", "model": "llama3.1:8b",
 *     "api": "generate", "num_ctx": 8192, "attempts": 1,
 *     "analysis": "...",                   grows while the LLM streams
 *     "ollama_stats": { "done_reason": "stop", "prompt_eval_count": N,
 *       "eval_count": N, "total_duration_ns": N, "load_duration_ns": N,
 *       "prompt_eval_duration_ns": N, "eval_duration_ns": N },
 *     "timings": { "claimed_at": "...", "gathered_at": "...",
 *       "finished_at": "...", "gathering_ms": N, "waiting_ms": N,
 *       "analyzing_ms": N, "total_ms": N },
 *     "error": null                        or what failed
 *   }
 *
 * Fields not known yet are null.  A job still waiting in the spool has
 * no record: the read API answers for it with a "queued" one made of
 * the spool job.  Store files are written without fsync:
 * the spool is what makes an accepted alert durable.
 */

#ifndef _NGX_HTTP_K8FLEX_STORE_H_INCLUDED_
#define _NGX_HTTP_K8FLEX_STORE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <jansson.h>


/* the id of a store file name: [0-9a-z-], at most this long */
#define NGX_HTTP_K8FLEX_ID_MAX  64


/* writes <store>/<id>.json through a temporary file and rename() */
ngx_int_t ngx_http_k8flex_store_write(ngx_path_t *store, ngx_str_t *id,
    json_t *record, ngx_log_t *log);

/* 1 when id can name a store file */
ngx_uint_t ngx_http_k8flex_store_valid_id(u_char *id, size_t len);


#endif /* _NGX_HTTP_K8FLEX_STORE_H_INCLUDED_ */
