
/*
 * The analysis engine (SPEC §4), in each worker's event loop.
 *
 * A job is claimed by renaming its spool file from new/ to
 * claimed/<file>.<pid>: rename() is atomic, so two workers never take
 * the same job, and the pid says whose it is.  Then:
 *
 *   queued -> gathering -> analyzing -> done | failed
 *
 * gathering: categorize, read the evidence (ngx_http_k8flex_gather.c),
 * redact, write the prompt; analyzing: once one of the
 * k8flex_llm_concurrency slots of the shared zone is free, stream the
 * LLM's answer (ngx_http_k8flex_llm.c).  The record is stored at every
 * step (ngx_http_k8flex_report.c); the spool file goes when the record
 * is final.
 *
 * A worker that is exiting takes no new job.  Its running transfers
 * keep it alive (their timers are not cancelable); waiting jobs do not,
 * and whatever is left when the process exits goes back to new/.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex.h"
#include "ngx_http_k8flex_engine.h"
#include "ngx_http_k8flex_job.h"
#include "ngx_http_k8flex_llm.h"
#include "ngx_http_k8flex_report.h"
#include "ngx_http_k8flex_store.h"
#include "ngx_http_k8flex_util.h"
#include "ngx_http_k8flex_zone.h"
#include "k8f_category.h"
#include "k8f_redact.h"


/* jobs one worker holds at once; the rest wait in the spool */
#define NGX_HTTP_K8FLEX_JOBS_MAX   32

/* the spool is looked at this often even when nothing wakes the engine */
#define NGX_HTTP_K8FLEX_SCAN       1000

/* every so many scans, the jobs of workers that died are looked for,
 * and the store is cut to k8flex_store_keep records */
#define NGX_HTTP_K8FLEX_RECLAIM    30

/* a spool job is a normalized alert and a few fields */
#define NGX_HTTP_K8FLEX_JOB_MAX    (1024 * 1024)


typedef struct {
    ngx_http_k8flex_main_conf_t   *kmcf;
    ngx_queue_t                    jobs;
    ngx_uint_t                     njobs;
    ngx_event_t                    scan;
    ngx_str_t                      new_dir;
    ngx_str_t                      claimed_dir;
    ngx_str_t                      store_dir;
    ngx_uint_t                     scans;
    ngx_log_t                     *log;
} ngx_http_k8flex_engine_t;


static void ngx_http_k8flex_engine_scan(ngx_event_t *ev);
static void ngx_http_k8flex_engine_reclaim(ngx_http_k8flex_engine_t *e);
static void ngx_http_k8flex_engine_trim(ngx_http_k8flex_engine_t *e);
static ngx_array_t *ngx_http_k8flex_engine_names(ngx_http_k8flex_engine_t *e,
    ngx_str_t *dir, ngx_pool_t *pool, ngx_uint_t quiet);
static ngx_int_t ngx_http_k8flex_engine_claim(ngx_http_k8flex_engine_t *e,
    ngx_str_t *name);
static ngx_int_t ngx_http_k8flex_engine_load(ngx_http_k8flex_job_t *job);
static ngx_int_t ngx_http_k8flex_engine_redact(ngx_http_k8flex_job_t *job,
    json_t *value, ngx_uint_t depth);
static void ngx_http_k8flex_engine_start(ngx_http_k8flex_job_t *job);
static void ngx_http_k8flex_engine_slot(ngx_event_t *ev);
static void ngx_http_k8flex_engine_llm_done(ngx_http_k8flex_job_t *job,
    ngx_int_t rc);
static void ngx_http_k8flex_engine_fallback(ngx_http_k8flex_job_t *job);
static void ngx_http_k8flex_engine_finish(ngx_http_k8flex_job_t *job,
    ngx_uint_t state);
static void ngx_http_k8flex_engine_free(ngx_http_k8flex_job_t *job);
static void ngx_http_k8flex_engine_cleanup(void *data);
static void ngx_http_k8flex_engine_state(ngx_http_k8flex_job_t *job,
    ngx_uint_t state);
static int ngx_libc_cdecl ngx_http_k8flex_engine_cmp(const void *one,
    const void *two);


/* per worker */
static ngx_http_k8flex_engine_t  *ngx_http_k8flex_engine;


ngx_int_t
ngx_http_k8flex_engine_init_process(ngx_cycle_t *cycle)
{
    u_char                       *p;
    ngx_http_k8flex_engine_t     *e;
    ngx_http_k8flex_main_conf_t  *kmcf;

    kmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_k8flex_module);

    if (kmcf == NULL || kmcf->spool == NULL || !kmcf->engine
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    if (ngx_http_k8flex_curl_init_process(cycle) != NGX_OK) {
        return NGX_ERROR;
    }

    e = ngx_pcalloc(cycle->pool, sizeof(ngx_http_k8flex_engine_t));
    if (e == NULL) {
        return NGX_ERROR;
    }

    e->kmcf = kmcf;
    e->log = cycle->log;
    ngx_queue_init(&e->jobs);

    p = ngx_pnalloc(cycle->pool, kmcf->spool->name.len + sizeof("/new"));
    if (p == NULL) {
        return NGX_ERROR;
    }

    e->new_dir.data = p;
    e->new_dir.len = ngx_sprintf(p, "%V/new%Z", &kmcf->spool->name) - p - 1;

    p = ngx_pnalloc(cycle->pool, kmcf->spool->name.len + sizeof("/claimed"));
    if (p == NULL) {
        return NGX_ERROR;
    }

    e->claimed_dir.data = p;
    e->claimed_dir.len = ngx_sprintf(p, "%V/claimed%Z", &kmcf->spool->name)
                         - p - 1;

    p = ngx_pnalloc(cycle->pool, kmcf->store->name.len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    e->store_dir.data = p;
    e->store_dir.len = ngx_sprintf(p, "%V%Z", &kmcf->store->name) - p - 1;

    if (ngx_create_dir(e->claimed_dir.data, 0700) == NGX_FILE_ERROR
        && ngx_errno != NGX_EEXIST)
    {
        ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_errno,
                      ngx_create_dir_n " \"%V\" failed", &e->claimed_dir);
    }

    e->scan.handler = ngx_http_k8flex_engine_scan;
    e->scan.data = e;
    e->scan.log = cycle->log;
    e->scan.cancelable = 1;

    ngx_http_k8flex_engine = e;

    /* jobs left in new/ by the previous workers or a restart */

    ngx_add_timer(&e->scan, 1);

    return NGX_OK;
}


void
ngx_http_k8flex_engine_exit_process(ngx_cycle_t *cycle)
{
    u_char                    *p;
    ngx_queue_t               *q;
    ngx_http_k8flex_job_t     *job;
    ngx_http_k8flex_engine_t  *e;
    u_char                     path[NGX_MAX_PATH];

    e = ngx_http_k8flex_engine;

    if (e == NULL) {
        return;
    }

    /* unfinished jobs go back to the spool, for the next workers */

    while (!ngx_queue_empty(&e->jobs)) {
        q = ngx_queue_head(&e->jobs);
        job = ngx_queue_data(q, ngx_http_k8flex_job_t, queue);

        p = ngx_snprintf(path, sizeof(path) - 1, "%V/%V.json",
                         &e->new_dir, &job->id);
        *p = '\0';

        if (ngx_rename_file(job->claimed, path) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, e->log, ngx_errno,
                          "k8flex: cannot return job %V to the spool: "
                          ngx_rename_file_n " \"%s\" to \"%s\" failed",
                          &job->id, job->claimed, path);

        } else {
            ngx_log_error(NGX_LOG_NOTICE, e->log, 0,
                          "k8flex: analysis %V returned to the spool at "
                          "worker exit (was %s)", &job->id,
                          ngx_http_k8flex_state_names[job->state]);
        }

        ngx_http_k8flex_engine_state(job, NGX_HTTP_K8FLEX_QUEUED);

        job->claimed = NULL;
        ngx_http_k8flex_engine_free(job);
    }

    ngx_http_k8flex_curl_exit_process(cycle);

    ngx_http_k8flex_engine = NULL;
}


void
ngx_http_k8flex_engine_wake(void)
{
    ngx_http_k8flex_engine_t  *e;

    e = ngx_http_k8flex_engine;

    if (e == NULL || ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (e->scan.timer_set) {
        ngx_del_timer(&e->scan);
    }

    ngx_add_timer(&e->scan, 0);
}


static void
ngx_http_k8flex_engine_scan(ngx_event_t *ev)
{
    ngx_http_k8flex_engine_t *e = ev->data;

    ngx_str_t    *name;
    ngx_uint_t    i, room;
    ngx_pool_t   *pool;
    ngx_array_t  *names;

    if (ngx_exiting || ngx_terminate || ngx_quit) {
        return;
    }

    if (e->scans++ % NGX_HTTP_K8FLEX_RECLAIM == 0) {
        ngx_http_k8flex_engine_reclaim(e);
        ngx_http_k8flex_engine_trim(e);
    }

    room = NGX_HTTP_K8FLEX_JOBS_MAX - e->njobs;

    if (room == 0) {
        goto next;
    }

    pool = ngx_create_pool(4096, e->log);
    if (pool == NULL) {
        goto next;
    }

    names = ngx_http_k8flex_engine_names(e, &e->new_dir, pool, 0);

    if (names) {

        /* the oldest alert first */

        name = names->elts;

        for (i = 0; i < names->nelts && room; i++) {
            if (ngx_http_k8flex_engine_claim(e, &name[i]) == NGX_OK) {
                room--;
            }
        }
    }

    ngx_destroy_pool(pool);

next:

    if (!ev->timer_set) {
        ngx_add_timer(ev, NGX_HTTP_K8FLEX_SCAN);
    }
}


/*
 * The names of the *.json files of a directory, sorted: ids start with
 * the time, so the oldest come first.  NULL when the directory cannot
 * be read (logged unless quiet) or memory ran out.
 */

static ngx_array_t *
ngx_http_k8flex_engine_names(ngx_http_k8flex_engine_t *e, ngx_str_t *dir,
    ngx_pool_t *pool, ngx_uint_t quiet)
{
    u_char       *p;
    size_t        len;
    ngx_dir_t     d;
    ngx_str_t    *name;
    ngx_array_t  *names;

    if (ngx_open_dir(dir, &d) == NGX_ERROR) {
        if (!quiet) {
            ngx_log_error(NGX_LOG_ERR, e->log, ngx_errno,
                          "k8flex: " ngx_open_dir_n " \"%V\" failed", dir);
        }

        return NULL;
    }

    names = ngx_array_create(pool, 64, sizeof(ngx_str_t));

    while (names) {
        ngx_set_errno(0);

        if (ngx_read_dir(&d) == NGX_ERROR) {
            break;
        }

        /* temporary files start with "." */

        p = ngx_de_name(&d);
        len = ngx_de_namelen(&d);

        if (len <= 5 || p[0] == '.' || ngx_strncmp(p + len - 5, ".json", 5))
        {
            continue;
        }

        name = ngx_array_push(names);
        if (name == NULL) {
            names = NULL;
            break;
        }

        name->len = len;
        name->data = ngx_pnalloc(pool, len + 1);
        if (name->data == NULL) {
            names = NULL;
            break;
        }

        ngx_memcpy(name->data, p, len + 1);
    }

    (void) ngx_close_dir(&d);

    if (names) {
        ngx_qsort(names->elts, names->nelts, sizeof(ngx_str_t),
                  ngx_http_k8flex_engine_cmp);
    }

    return names;
}


/*
 * A worker that crashed (or was killed) left its jobs in claimed/ as
 * <id>.json.<pid>: they go back to new/ once that pid is gone.  The
 * workers of an nginx that is reloading are alive and keep theirs.
 */

static void
ngx_http_k8flex_engine_reclaim(ngx_http_k8flex_engine_t *e)
{
    u_char     *name, *dot, *p;
    size_t      len;
    ngx_dir_t   dir;
    ngx_pid_t   pid;
    u_char      from[NGX_MAX_PATH], to[NGX_MAX_PATH];

    if (ngx_open_dir(&e->claimed_dir, &dir) == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ERR, e->log, ngx_errno,
                      "k8flex: " ngx_open_dir_n " \"%V\" failed",
                      &e->claimed_dir);
        return;
    }

    for ( ;; ) {
        ngx_set_errno(0);

        if (ngx_read_dir(&dir) == NGX_ERROR) {
            break;
        }

        name = ngx_de_name(&dir);
        len = ngx_de_namelen(&dir);

        dot = NULL;

        for (p = name + len; p > name; p--) {
            if (*(p - 1) == '.') {
                dot = p - 1;
                break;
            }
        }

        if (dot == NULL || dot - name <= 5
            || ngx_strncmp(dot - 5, ".json", 5) != 0)
        {
            continue;
        }

        pid = ngx_atoi(dot + 1, name + len - dot - 1);

        if (pid <= 0 || pid == ngx_pid
            || kill(pid, 0) == 0 || ngx_errno != NGX_ESRCH)
        {
            continue;
        }

        p = ngx_snprintf(from, sizeof(from) - 1, "%V/%*s",
                         &e->claimed_dir, len, name);
        *p = '\0';

        p = ngx_snprintf(to, sizeof(to) - 1, "%V/%*s",
                         &e->new_dir, (size_t) (dot - name), name);
        *p = '\0';

        if (ngx_rename_file(from, to) == NGX_FILE_ERROR) {
            if (ngx_errno != NGX_ENOENT) {
                ngx_log_error(NGX_LOG_ERR, e->log, ngx_errno,
                              "k8flex: " ngx_rename_file_n " \"%s\" to "
                              "\"%s\" failed", from, to);
            }

            continue;
        }

        ngx_log_error(NGX_LOG_NOTICE, e->log, 0,
                      "k8flex: analysis %*s of worker %P, which exited "
                      "without finishing it, returned to the spool",
                      (size_t) (dot - name) - 5, name, pid);

        ngx_http_k8flex_zone_state(e->kmcf->zone, NGX_HTTP_K8FLEX_NONE,
                                   NGX_HTTP_K8FLEX_QUEUED);
    }

    (void) ngx_close_dir(&dir);
}


/*
 * The store keeps the newest k8flex_store_keep records: ids start with
 * the time, so the oldest are the first names.  Several workers may
 * trim at once; a file another worker removed first is no error.
 */

static void
ngx_http_k8flex_engine_trim(ngx_http_k8flex_engine_t *e)
{
    u_char       *p, path[NGX_MAX_PATH];
    ngx_str_t    *name;
    ngx_uint_t    i, n;
    ngx_pool_t   *pool;
    ngx_array_t  *names;

    pool = ngx_create_pool(4096, e->log);
    if (pool == NULL) {
        return;
    }

    names = ngx_http_k8flex_engine_names(e, &e->store_dir, pool, 1);

    if (names && names->nelts > e->kmcf->store_keep) {

        name = names->elts;
        n = names->nelts - e->kmcf->store_keep;

        for (i = 0; i < n; i++) {
            p = ngx_snprintf(path, sizeof(path) - 1, "%V/%V",
                             &e->store_dir, &name[i]);
            *p = '\0';

            if (ngx_delete_file(path) == NGX_FILE_ERROR
                && ngx_errno != NGX_ENOENT)
            {
                ngx_log_error(NGX_LOG_ERR, e->log, ngx_errno,
                              "k8flex: " ngx_delete_file_n " \"%s\" failed",
                              path);
            }
        }

        ngx_log_error(NGX_LOG_INFO, e->log, 0,
                      "k8flex: removed the %ui oldest analyses from the "
                      "store (k8flex_store_keep %ui)",
                      n, e->kmcf->store_keep);
    }

    ngx_destroy_pool(pool);
}


static int ngx_libc_cdecl
ngx_http_k8flex_engine_cmp(const void *one, const void *two)
{
    ngx_str_t *a = (ngx_str_t *) one;
    ngx_str_t *b = (ngx_str_t *) two;

    return ngx_strcmp(a->data, b->data);
}


static ngx_int_t
ngx_http_k8flex_engine_claim(ngx_http_k8flex_engine_t *e, ngx_str_t *name)
{
    u_char                 *p, from[NGX_MAX_PATH];
    ngx_log_t              *log;
    ngx_pool_t             *pool;
    ngx_pool_cleanup_t     *cln;
    ngx_http_k8flex_job_t  *job;

    p = ngx_snprintf(from, sizeof(from) - 1, "%V/%V", &e->new_dir, name);
    *p = '\0';

    pool = ngx_create_pool(16384, e->log);
    if (pool == NULL) {
        return NGX_ERROR;
    }

    job = ngx_pcalloc(pool, sizeof(ngx_http_k8flex_job_t));
    log = ngx_pcalloc(pool, sizeof(ngx_log_t));
    cln = ngx_pool_cleanup_add(pool, 0);

    if (job == NULL || log == NULL || cln == NULL) {
        ngx_destroy_pool(pool);
        return NGX_ERROR;
    }

    *log = *e->log;
    pool->log = log;

    job->pool = pool;
    job->log = log;
    job->kmcf = e->kmcf;
    job->state = NGX_HTTP_K8FLEX_QUEUED;

    cln->handler = ngx_http_k8flex_engine_cleanup;
    cln->data = job;

    job->id.len = name->len - sizeof(".json") + 1;
    job->id.data = ngx_pnalloc(pool, job->id.len + 1);
    job->claimed = ngx_pnalloc(pool, e->claimed_dir.len + name->len
                                     + 1 + NGX_INT_T_LEN + 2);

    if (job->id.data == NULL || job->claimed == NULL) {
        ngx_destroy_pool(pool);
        return NGX_ERROR;
    }

    ngx_memcpy(job->id.data, name->data, job->id.len);
    job->id.data[job->id.len] = '\0';

    ngx_sprintf(job->claimed, "%V/%V.%P%Z", &e->claimed_dir, name, ngx_pid);

    if (ngx_rename_file(from, job->claimed) == NGX_FILE_ERROR) {

        if (ngx_errno != NGX_ENOENT) {
            ngx_log_error(NGX_LOG_ERR, e->log, ngx_errno,
                          "k8flex: cannot claim a spool job: "
                          ngx_rename_file_n " \"%s\" to \"%s\" failed",
                          from, job->claimed);
        }

        /* ENOENT: another worker was first */

        job->claimed = NULL;
        ngx_destroy_pool(pool);
        return NGX_DECLINED;
    }

    ngx_queue_insert_tail(&e->jobs, &job->queue);
    e->njobs++;

    job->claimed_at = ngx_current_msec;
    ngx_http_k8flex_iso_time(job->claimed_iso);

    if (ngx_http_k8flex_engine_load(job) != NGX_OK) {
        ngx_http_k8flex_engine_finish(job, NGX_HTTP_K8FLEX_FAILED);
        return NGX_OK;
    }

    ngx_http_k8flex_engine_start(job);

    return NGX_OK;
}


static ngx_int_t
ngx_http_k8flex_engine_load(ngx_http_k8flex_job_t *job)
{
    json_t                       *settings, *n;
    ngx_uint_t                    i;
    const char                   *location, *s;
    json_error_t                  err;
    ngx_http_k8flex_loc_conf_t  **profiles;

    job->llm = NULL;

    job->doc = ngx_http_k8flex_json_pool(job->pool,
                   json_load_file((char *) job->claimed, 0, &err));

    if (job->doc == NULL) {
        ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                     "the spool file \"%s\" is not a job: %s%Z",
                     job->claimed, err.text);
        return NGX_ERROR;
    }

    s = json_string_value(json_object_get(job->doc, "id"));

    if (s && ngx_http_k8flex_store_valid_id((u_char *) s, ngx_strlen(s))) {
        job->id.data = (u_char *) s;
        job->id.len = ngx_strlen(s);
    }

    job->alert = json_object_get(job->doc, "alert");

    if (!json_is_object(job->alert)) {
        ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                     "the spool file \"%s\" has no alert%Z", job->claimed);
        job->alert = NULL;
        return NGX_ERROR;
    }

    /* the alert goes into the prompt, the record and the log too */

    if (ngx_http_k8flex_engine_redact(job, job->alert, 0) != NGX_OK) {
        ngx_cpystrn((u_char *) job->error,
                    (u_char *) "redaction of the alert failed",
                    sizeof(job->error));
        return NGX_ERROR;
    }

    settings = json_object_get(job->doc, "settings");

    job->ollama = json_string_value(json_object_get(settings, "ollama"));
    job->model = json_string_value(json_object_get(settings, "model"));

    n = json_object_get(settings, "log_tail_lines");
    job->tail_lines = json_is_integer(n) && json_integer_value(n) > 0
                      ? (ngx_uint_t) json_integer_value(n) : 100;

    /* the location's settings as configured now, if it still exists */

    location = json_string_value(json_object_get(job->doc, "location"));
    profiles = job->kmcf->profiles.elts;

    for (i = 0; location && i < job->kmcf->profiles.nelts; i++) {
        if (profiles[i]->name.len == ngx_strlen(location)
            && ngx_strncmp(profiles[i]->name.data, location,
                           profiles[i]->name.len) == 0)
        {
            job->profile = profiles[i];
            break;
        }
    }

    if (job->ollama == NULL || job->model == NULL) {
        if (job->profile == NULL) {
            ngx_snprintf((u_char *) job->error, sizeof(job->error) - 1,
                         "the spool file \"%s\" names no LLM%Z",
                         job->claimed);
            return NGX_ERROR;
        }

        job->ollama = (char *) job->profile->ollama.data;
        job->model = (char *) job->profile->model.data;
    }

    return NGX_OK;
}


/* every string of a normalized alert (labels, annotations), in place */

static ngx_int_t
ngx_http_k8flex_engine_redact(ngx_http_k8flex_job_t *job, json_t *value,
    ngx_uint_t depth)
{
    char        *text;
    size_t       i, len, count;
    json_t      *v;
    const char  *key;

    if (depth > 8) {
        return NGX_OK;
    }

    if (json_is_object(value)) {
        json_object_foreach(value, key, v) {
            if (ngx_http_k8flex_engine_redact(job, v, depth + 1) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        return NGX_OK;
    }

    if (json_is_array(value)) {
        json_array_foreach(value, i, v) {
            if (ngx_http_k8flex_engine_redact(job, v, depth + 1) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        return NGX_OK;
    }

    if (!json_is_string(value)) {
        return NGX_OK;
    }

    text = k8f_redact(json_string_value(value), json_string_length(value),
                      &len, &count);
    if (text == NULL) {
        return NGX_ERROR;
    }

    if (count) {
        job->redactions += count;

        if (json_string_setn(value, text, len) != 0) {
            free(text);
            return NGX_ERROR;
        }
    }

    free(text);

    return NGX_OK;
}


static void
ngx_http_k8flex_engine_start(ngx_http_k8flex_job_t *job)
{
    job->category = k8f_categorize(job->alert, job->why, sizeof(job->why));

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, job->log, 0,
                   "k8flex analysis %V: category %s: %s",
                   &job->id, job->category, job->why);

    ngx_http_k8flex_engine_state(job, NGX_HTTP_K8FLEX_GATHERING);
    ngx_http_k8flex_report_save(job);

    (void) ngx_http_k8flex_gather_start(job);
}


void
ngx_http_k8flex_engine_gathered(ngx_http_k8flex_job_t *job)
{
    ngx_int_t  rc;

    rc = ngx_http_k8flex_llm_prepare(job);

    /* prompt-ready, not the event loop's cached time */

    ngx_time_update();

    job->gathered_at = ngx_current_msec;
    ngx_http_k8flex_iso_time(job->gathered_iso);

    if (rc != NGX_OK) {
        ngx_http_k8flex_engine_finish(job, NGX_HTTP_K8FLEX_FAILED);
        return;
    }

    job->wait.handler = ngx_http_k8flex_engine_slot;
    job->wait.data = job;
    job->wait.log = job->log;
    job->wait.cancelable = 1;

    /*
     * With a slot free, the record is stored once, as analyzing; else
     * now, with its evidence, while the job waits
     */

    if (!(ngx_exiting || ngx_terminate || ngx_quit)
        && ngx_http_k8flex_zone_llm_acquire(job->kmcf->zone,
                                            job->kmcf->llm_concurrency)
           == NGX_OK)
    {
        job->has_slot = 1;

    } else {
        ngx_http_k8flex_report_save(job);
    }

    ngx_http_k8flex_engine_slot(&job->wait);
}


/* waits for an LLM slot, and for the backoff between attempts */

static void
ngx_http_k8flex_engine_slot(ngx_event_t *ev)
{
    ngx_http_k8flex_job_t *job = ev->data;

    if (ngx_exiting || ngx_terminate || ngx_quit) {

        /*
         * no new LLM call from a worker that is going away: the job
         * waits for the process to exit and goes back to the spool
         */

        if (job->has_slot) {
            ngx_http_k8flex_zone_llm_release(job->kmcf->zone);
            job->has_slot = 0;
        }

        return;
    }

    if (!job->has_slot) {
        if (ngx_http_k8flex_zone_llm_acquire(job->kmcf->zone,
                                             job->kmcf->llm_concurrency)
            != NGX_OK)
        {
            ngx_add_timer(ev, 250);
            return;
        }

        job->has_slot = 1;
    }

    if (job->state != NGX_HTTP_K8FLEX_ANALYZING) {
        job->llm_started_at = ngx_current_msec;
        ngx_http_k8flex_engine_state(job, NGX_HTTP_K8FLEX_ANALYZING);
        ngx_http_k8flex_report_save(job);
    }

    if (ngx_http_k8flex_llm_start(job, ngx_http_k8flex_engine_llm_done)
        != NGX_OK)
    {
        ngx_http_k8flex_engine_llm_done(job, NGX_ERROR);
    }
}


static void
ngx_http_k8flex_engine_llm_done(ngx_http_k8flex_job_t *job, ngx_int_t rc)
{
    ngx_msec_t  delay;

    switch (rc) {

    case NGX_OK:
        job->llm = "ok";
        ngx_http_k8flex_engine_finish(job, NGX_HTTP_K8FLEX_DONE);
        return;

    case NGX_DECLINED:
        /* the worker is exiting: the job goes back to the spool */
        return;

    case NGX_AGAIN:

        /* worth another attempt; the slot is free meanwhile */

        if (job->attempts <= job->kmcf->llm_retries) {
            delay = (ngx_msec_t) 1000 << ngx_min(job->attempts - 1, 5);

            ngx_log_error(NGX_LOG_WARN, job->log, 0,
                          "k8flex: analysis %V: %s %s: %s; retrying in "
                          "%M ms (attempt %ui of %ui)", &job->id,
                          job->model, job->ollama, job->error, delay,
                          job->attempts + 1, job->kmcf->llm_retries + 1);

            if (job->has_slot) {
                ngx_http_k8flex_zone_llm_release(job->kmcf->zone);
                job->has_slot = 0;
            }

            ngx_add_timer(&job->wait, delay);
            return;
        }

        /* the LLM is out of reach: the evidence alone */

        ngx_http_k8flex_engine_fallback(job);
        ngx_http_k8flex_engine_finish(job, NGX_HTTP_K8FLEX_DONE);
        return;

    default: /* NGX_ERROR */
        job->llm = "failed";
        ngx_http_k8flex_engine_finish(job, NGX_HTTP_K8FLEX_FAILED);
        return;
    }
}


static void
ngx_http_k8flex_engine_fallback(ngx_http_k8flex_job_t *job)
{
    ngx_log_error(NGX_LOG_WARN, job->log, 0,
                  "k8flex: analysis %V: the LLM %s at %s could not be "
                  "reached after %ui attempt(s): %s; writing the "
                  "evidence-only analysis", &job->id, job->model,
                  job->ollama, job->attempts, job->error);

    job->llm = "unavailable";

    ngx_http_k8flex_report_fallback(job);
}


static void
ngx_http_k8flex_engine_finish(ngx_http_k8flex_job_t *job, ngx_uint_t state)
{
    job->finished_at = ngx_current_msec;
    ngx_http_k8flex_iso_time(job->finished_iso);

    if (job->has_slot) {
        ngx_http_k8flex_zone_llm_release(job->kmcf->zone);
        job->has_slot = 0;
    }

    ngx_http_k8flex_engine_state(job, state);

    if (ngx_http_k8flex_report_save(job) == NGX_OK) {

        /* the analysis is stored: the alert leaves the spool */

        if (ngx_delete_file(job->claimed) == NGX_FILE_ERROR) {
            ngx_log_error(NGX_LOG_ERR, job->log, ngx_errno,
                          "k8flex: " ngx_delete_file_n " \"%s\" failed",
                          job->claimed);
        }

        job->claimed = NULL;
    }

    ngx_http_k8flex_report_log(job);

    ngx_http_k8flex_engine_free(job);

    /* room for one more */

    ngx_http_k8flex_engine_wake();
}


static void
ngx_http_k8flex_engine_free(ngx_http_k8flex_job_t *job)
{
    ngx_http_k8flex_engine_t  *e;

    e = ngx_http_k8flex_engine;

    ngx_queue_remove(&job->queue);
    e->njobs--;

    ngx_destroy_pool(job->pool);
}


/* whatever the job still holds, on every way out */

static void
ngx_http_k8flex_engine_cleanup(void *data)
{
    ngx_http_k8flex_job_t *job = data;

    ngx_uint_t  i;

    ngx_http_k8flex_gather_cancel(job);
    ngx_http_k8flex_llm_cancel(job);

    if (job->wait.timer_set) {
        ngx_del_timer(&job->wait);
    }

    if (job->save.timer_set) {
        ngx_del_timer(&job->save);
    }

    if (job->has_slot) {
        ngx_http_k8flex_zone_llm_release(job->kmcf->zone);
        job->has_slot = 0;
    }

    for (i = 0; i < job->ncalls; i++) {
        k8f_buf_free(&job->calls[i].text);
    }

    k8f_buf_free(&job->evidence);
    k8f_buf_free(&job->prompt);
    k8f_buf_free(&job->analysis);
    k8f_ollama_stream_free(&job->stream);

    if (job->body) {
        free(job->body);
        job->body = NULL;
    }
}


static void
ngx_http_k8flex_engine_state(ngx_http_k8flex_job_t *job, ngx_uint_t state)
{
    ngx_http_k8flex_zone_state(job->kmcf->zone, job->state, state);
    job->state = state;
}


u_char *
ngx_http_k8flex_iso_time(u_char *buf)
{
    ngx_tm_t     tm;
    ngx_time_t  *tp;

    tp = ngx_timeofday();
    ngx_gmtime(tp->sec, &tm);

    *ngx_sprintf(buf, "%4d-%02d-%02dT%02d:%02d:%02d.%03MZ",
                 tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                 tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec,
                 tp->msec)
        = '\0';

    return buf;
}
