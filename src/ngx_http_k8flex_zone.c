
/*
 * The k8flex shared zone: LLM slots, analyses by state, the last
 * contact with each peer and the cache of Kubernetes reads, shared by
 * the workers and kept across reloads.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_k8flex_zone.h"


/* below this the slab pool leaves next to nothing for the cache */
#define NGX_HTTP_K8FLEX_ZONE_MIN     (64 * 1024)

/* allocation attempts in cache_put(), evicting between them */
#define NGX_HTTP_K8FLEX_ZONE_TRIES   5
#define NGX_HTTP_K8FLEX_ZONE_EVICT   8

#define NGX_HTTP_K8FLEX_NPEERS       2


typedef struct {
    time_t                         sec;         /* 0: never contacted */
    ngx_uint_t                     msec;
    ngx_uint_t                     ok;
    size_t                         len;
    u_char                         text[NGX_HTTP_K8FLEX_CONTACT_LEN];
} ngx_http_k8flex_zone_contact_t;


/* k8flex_llm_concurrency's maximum */
#define NGX_HTTP_K8FLEX_LLM_SLOTS    1024


typedef struct {
    /* the pid of the worker holding each LLM slot, 0 when free */
    ngx_atomic_t                   llm_slots[NGX_HTTP_K8FLEX_LLM_SLOTS];
    ngx_atomic_t                   states[NGX_HTTP_K8FLEX_NSTATES];

    /* under the slab mutex from here on */
    ngx_http_k8flex_zone_contact_t contacts[NGX_HTTP_K8FLEX_NPEERS];

    ngx_rbtree_t                   rbtree;
    ngx_rbtree_node_t              sentinel;
    ngx_queue_t                    lru;         /* most recently used first */
} ngx_http_k8flex_zone_sh_t;


typedef struct {
    ngx_rbtree_node_t              node;        /* key: crc32 of the key */
    ngx_queue_t                    queue;
    ngx_msec_t                     expire;
    ngx_uint_t                     status;
    size_t                         key_len;
    size_t                         body_len;
    u_char                         data[1];     /* key, then body */
} ngx_http_k8flex_zone_entry_t;


static ngx_int_t ngx_http_k8flex_zone_init(ngx_shm_zone_t *shm_zone,
    void *data);
static ngx_atomic_uint_t ngx_http_k8flex_zone_jobs(ngx_shm_zone_t *zone);
static ngx_int_t ngx_http_k8flex_zone_decrement(ngx_atomic_t *value);
static ngx_uint_t ngx_http_k8flex_zone_llm_busy(ngx_http_k8flex_zone_sh_t *sh);
static ngx_uint_t ngx_http_k8flex_zone_llm_recover(
    ngx_http_k8flex_zone_sh_t *sh);
static void ngx_http_k8flex_zone_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static ngx_http_k8flex_zone_entry_t *ngx_http_k8flex_zone_lookup(
    ngx_http_k8flex_zone_sh_t *sh, ngx_str_t *key, uint32_t hash);
static void ngx_http_k8flex_zone_delete(ngx_slab_pool_t *shpool,
    ngx_http_k8flex_zone_sh_t *sh, ngx_http_k8flex_zone_entry_t *entry);
static ngx_uint_t ngx_http_k8flex_zone_evict(ngx_slab_pool_t *shpool,
    ngx_http_k8flex_zone_sh_t *sh, ngx_uint_t n);
static json_t *ngx_http_k8flex_zone_contact_json(
    ngx_http_k8flex_zone_contact_t *c);


const char  *ngx_http_k8flex_state_names[] = {
    "queued", "gathering", "analyzing", "done", "failed"
};


ngx_int_t
ngx_http_k8flex_zone_add(ngx_conf_t *cf, ngx_http_k8flex_main_conf_t *kmcf)
{
    size_t           size;
    ngx_str_t        name = ngx_string("k8flex");
    ngx_shm_zone_t  *shm_zone;

    size = kmcf->zone_size;

    if (size < NGX_HTTP_K8FLEX_ZONE_MIN) {

        if (size % 1024 == 0) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "k8flex_zone %uzk is too small; at least %uzk",
                               size / 1024,
                               (size_t) NGX_HTTP_K8FLEX_ZONE_MIN / 1024);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "k8flex_zone %uz is too small; at least %uzk",
                               size, (size_t) NGX_HTTP_K8FLEX_ZONE_MIN / 1024);
        }

        return NGX_ERROR;
    }

    shm_zone = ngx_shared_memory_add(cf, &name, size, &ngx_http_k8flex_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    /* the spool is known when the zone is initialized, not yet here */

    shm_zone->init = ngx_http_k8flex_zone_init;
    shm_zone->data = kmcf;

    kmcf->zone = shm_zone;

    return NGX_OK;
}


static ngx_int_t
ngx_http_k8flex_zone_init(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                      len;
    ngx_slab_pool_t            *shpool;
    ngx_http_k8flex_zone_sh_t  *sh;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    /*
     * On reload the old zone is kept whole: the old workers finishing
     * their analyses still hold LLM slots and release them into the
     * same count, and the spool is not counted twice.
     */

    if (data || shm_zone->shm.exists) {
        return NGX_OK;
    }

    sh = ngx_slab_calloc(shpool, sizeof(ngx_http_k8flex_zone_sh_t));
    if (sh == NULL) {
        return NGX_ERROR;
    }

    shpool->data = sh;

    ngx_rbtree_init(&sh->rbtree, &sh->sentinel,
                    ngx_http_k8flex_zone_rbtree_insert_value);

    ngx_queue_init(&sh->lru);

    len = sizeof(" in k8flex_zone \"\"") + shm_zone->shm.name.len;

    shpool->log_ctx = ngx_slab_alloc(shpool, len);
    if (shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shpool->log_ctx, " in k8flex_zone \"%V\"%Z",
                &shm_zone->shm.name);

    /* a full cache evicts, it is not worth a log line */

    shpool->log_nomem = 0;

    /* jobs accepted before a restart are waiting in the spool */

    sh->states[NGX_HTTP_K8FLEX_QUEUED] = ngx_http_k8flex_zone_jobs(shm_zone);

    return NGX_OK;
}


static ngx_atomic_uint_t
ngx_http_k8flex_zone_jobs(ngx_shm_zone_t *zone)
{
    ngx_http_k8flex_main_conf_t *kmcf = zone->data;

    u_char             *name;
    size_t              len;
    ngx_err_t           err;
    ngx_dir_t           dir;
    ngx_str_t           path;
    ngx_atomic_uint_t   n;

    if (kmcf->spool == NULL || ngx_test_config) {
        return 0;
    }

    path.len = kmcf->spool->name.len + sizeof("/new") - 1;
    path.data = ngx_alloc(path.len + 1, zone->shm.log);
    if (path.data == NULL) {
        return 0;
    }

    ngx_sprintf(path.data, "%V/new%Z", &kmcf->spool->name);

    n = 0;

    if (ngx_open_dir(&path, &dir) == NGX_ERROR) {
        err = ngx_errno;

        /* the spool is created after the zone on the first start */

        if (err != NGX_ENOENT) {
            ngx_log_error(NGX_LOG_ERR, zone->shm.log, err,
                          ngx_open_dir_n " \"%V\" failed, the jobs waiting "
                          "there are not counted as queued", &path);
        }

        ngx_free(path.data);
        return 0;
    }

    for ( ;; ) {
        ngx_set_errno(0);

        if (ngx_read_dir(&dir) == NGX_ERROR) {
            err = ngx_errno;

            if (err != NGX_ENOMOREFILES) {
                ngx_log_error(NGX_LOG_ERR, zone->shm.log, err,
                              ngx_read_dir_n " \"%V\" failed", &path);
            }

            break;
        }

        name = ngx_de_name(&dir);
        len = ngx_de_namelen(&dir);

        if (len > sizeof(".json") - 1
            && name[0] != '.'
            && ngx_strncmp(name + len - 5, ".json", 5) == 0)
        {
            n++;
        }
    }

    if (ngx_close_dir(&dir) == NGX_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, zone->shm.log, ngx_errno,
                      ngx_close_dir_n " \"%V\" failed", &path);
    }

    if (n) {
        ngx_log_error(NGX_LOG_NOTICE, zone->shm.log, 0,
                      "k8flex: %uA jobs waiting in \"%V\"", n, &path);
    }

    ngx_free(path.data);

    return n;
}


ngx_int_t
ngx_http_k8flex_zone_llm_acquire(ngx_shm_zone_t *zone, ngx_uint_t limit)
{
    ngx_uint_t                  i, busy, tries;
    ngx_slab_pool_t            *shpool;
    ngx_http_k8flex_zone_sh_t  *sh;

    if (zone == NULL) {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;

    for (tries = 0; tries < 2; tries++) {

        /* more than limit may be busy after a reload that lowered it */

        busy = ngx_http_k8flex_zone_llm_busy(sh);

        if (busy < limit) {
            for (i = 0; i < NGX_HTTP_K8FLEX_LLM_SLOTS; i++) {
                if (sh->llm_slots[i] == 0
                    && ngx_atomic_cmp_set(&sh->llm_slots[i], 0,
                                          (ngx_atomic_uint_t) ngx_pid))
                {
                    return NGX_OK;
                }
            }
        }

        /* a worker that died holding a slot cannot give it back */

        if (ngx_http_k8flex_zone_llm_recover(sh) == 0) {
            break;
        }
    }

    return NGX_BUSY;
}


void
ngx_http_k8flex_zone_llm_release(ngx_shm_zone_t *zone)
{
    ngx_uint_t                  i;
    ngx_slab_pool_t            *shpool;
    ngx_http_k8flex_zone_sh_t  *sh;

    if (zone == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;

    for (i = 0; i < NGX_HTTP_K8FLEX_LLM_SLOTS; i++) {
        if (sh->llm_slots[i] == (ngx_atomic_uint_t) ngx_pid
            && ngx_atomic_cmp_set(&sh->llm_slots[i],
                                  (ngx_atomic_uint_t) ngx_pid, 0))
        {
            return;
        }
    }

    ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                  "k8flex: LLM slot released while none is taken");
}


static ngx_uint_t
ngx_http_k8flex_zone_llm_busy(ngx_http_k8flex_zone_sh_t *sh)
{
    ngx_uint_t  i, busy;

    busy = 0;

    for (i = 0; i < NGX_HTTP_K8FLEX_LLM_SLOTS; i++) {
        if (sh->llm_slots[i]) {
            busy++;
        }
    }

    return busy;
}


/* frees the slots of processes that no longer exist; returns how many */

static ngx_uint_t
ngx_http_k8flex_zone_llm_recover(ngx_http_k8flex_zone_sh_t *sh)
{
    ngx_pid_t          pid;
    ngx_uint_t         i, n;

    n = 0;

    for (i = 0; i < NGX_HTTP_K8FLEX_LLM_SLOTS; i++) {
        pid = (ngx_pid_t) sh->llm_slots[i];

        if (pid == 0 || pid == ngx_pid
            || kill(pid, 0) == 0 || ngx_errno != NGX_ESRCH)
        {
            continue;
        }

        if (ngx_atomic_cmp_set(&sh->llm_slots[i], (ngx_atomic_uint_t) pid,
                               0))
        {
            ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                          "k8flex: freed the LLM slot of worker %P, "
                          "which exited without giving it back", pid);
            n++;
        }
    }

    return n;
}


void
ngx_http_k8flex_zone_state(ngx_shm_zone_t *zone, ngx_uint_t from,
    ngx_uint_t to)
{
    ngx_slab_pool_t            *shpool;
    ngx_http_k8flex_zone_sh_t  *sh;

    if (zone == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;

    if (from < NGX_HTTP_K8FLEX_NSTATES) {
        (void) ngx_http_k8flex_zone_decrement(&sh->states[from]);
    }

    if (to < NGX_HTTP_K8FLEX_NSTATES) {
        (void) ngx_atomic_fetch_add(&sh->states[to], 1);
    }
}


/*
 * A count never goes below zero, whatever order the workers race in;
 * NGX_DECLINED when it was zero already.
 */

static ngx_int_t
ngx_http_k8flex_zone_decrement(ngx_atomic_t *value)
{
    ngx_atomic_uint_t  n;

    for ( ;; ) {
        n = *value;

        if (n == 0) {
            return NGX_DECLINED;
        }

        if (ngx_atomic_cmp_set(value, n, n - 1)) {
            return NGX_OK;
        }
    }
}


void
ngx_http_k8flex_zone_contact(ngx_shm_zone_t *zone, ngx_uint_t peer,
    ngx_uint_t ok, const char *fmt, ...)
{
    u_char                          *p, *last;
    va_list                          args;
    ngx_time_t                      *tp;
    ngx_slab_pool_t                 *shpool;
    ngx_http_k8flex_zone_sh_t       *sh;
    ngx_http_k8flex_zone_contact_t  *c;
    u_char                           text[NGX_HTTP_K8FLEX_CONTACT_LEN];

    if (zone == NULL || peer >= NGX_HTTP_K8FLEX_NPEERS) {
        return;
    }

    va_start(args, fmt);
    last = ngx_vslprintf(text, text + sizeof(text), fmt, args);
    va_end(args);

    /*
     * The text goes into JSON as it is: a peer's error message, or a
     * multibyte character cut at the end, must not make /health fail.
     */

    for (p = text; p < last; p++) {
        if (*p < 0x20 || *p >= 0x7f) {
            *p = '?';
        }
    }

    tp = ngx_timeofday();

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;
    c = &sh->contacts[peer];

    ngx_shmtx_lock(&shpool->mutex);

    c->sec = tp->sec;
    c->msec = tp->msec;
    c->ok = ok ? 1 : 0;
    c->len = last - text;
    ngx_memcpy(c->text, text, c->len);

    ngx_shmtx_unlock(&shpool->mutex);
}


ngx_int_t
ngx_http_k8flex_zone_cache_get(ngx_shm_zone_t *zone, ngx_str_t *key,
    ngx_pool_t *pool, ngx_uint_t *status, ngx_str_t *body)
{
    u_char                        *p;
    ngx_int_t                      rc;
    ngx_slab_pool_t               *shpool;
    ngx_http_k8flex_zone_sh_t     *sh;
    ngx_http_k8flex_zone_entry_t  *entry;

    if (zone == NULL) {
        return NGX_DECLINED;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;

    rc = NGX_DECLINED;

    ngx_shmtx_lock(&shpool->mutex);

    entry = ngx_http_k8flex_zone_lookup(sh, key,
                                        ngx_crc32_short(key->data, key->len));
    if (entry == NULL) {
        goto done;
    }

    if ((ngx_msec_int_t) (entry->expire - ngx_current_msec) <= 0) {
        ngx_http_k8flex_zone_delete(shpool, sh, entry);
        goto done;
    }

    p = ngx_pnalloc(pool, entry->body_len + 1);
    if (p == NULL) {
        goto done;
    }

    body->data = p;
    body->len = entry->body_len;
    p = ngx_cpymem(p, entry->data + entry->key_len, entry->body_len);
    *p = '\0';

    *status = entry->status;

    ngx_queue_remove(&entry->queue);
    ngx_queue_insert_head(&sh->lru, &entry->queue);

    rc = NGX_OK;

done:

    ngx_shmtx_unlock(&shpool->mutex);

    return rc;
}


void
ngx_http_k8flex_zone_cache_put(ngx_shm_zone_t *zone, ngx_str_t *key,
    ngx_uint_t status, ngx_str_t *body, ngx_msec_t ttl)
{
    size_t                         size;
    uint32_t                       hash;
    ngx_uint_t                     n, tries;
    ngx_slab_pool_t               *shpool;
    ngx_http_k8flex_zone_sh_t     *sh;
    ngx_http_k8flex_zone_entry_t  *entry;

    if (zone == NULL) {
        return;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;

    hash = ngx_crc32_short(key->data, key->len);
    size = offsetof(ngx_http_k8flex_zone_entry_t, data)
           + key->len + body->len;

    ngx_shmtx_lock(&shpool->mutex);

    /* the old answer goes even when the new one is not kept */

    entry = ngx_http_k8flex_zone_lookup(sh, key, hash);
    if (entry) {
        ngx_http_k8flex_zone_delete(shpool, sh, entry);
    }

    /* one large answer must not push out all the others */

    if (ttl == 0 || size > zone->shm.size / 8) {
        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "k8flex cache: not kept: %uz bytes, ttl %M",
                       size, ttl);
        goto done;
    }

    entry = ngx_slab_alloc_locked(shpool, size);

    /* the expired entries first, then the least recently used ones */

    for (tries = 0;
         entry == NULL && tries < NGX_HTTP_K8FLEX_ZONE_TRIES;
         tries++)
    {
        n = tries ? NGX_HTTP_K8FLEX_ZONE_EVICT : 0;

        if (ngx_http_k8flex_zone_evict(shpool, sh, n) == 0 && n) {
            break;
        }

        entry = ngx_slab_alloc_locked(shpool, size);
    }

    if (entry == NULL) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, ngx_cycle->log, 0,
                       "k8flex cache: no room for %uz bytes", size);
        goto done;
    }

    entry->node.key = hash;
    entry->expire = ngx_current_msec + ttl;
    entry->status = status;
    entry->key_len = key->len;
    entry->body_len = body->len;

    ngx_memcpy(entry->data, key->data, key->len);
    ngx_memcpy(entry->data + key->len, body->data, body->len);

    ngx_rbtree_insert(&sh->rbtree, &entry->node);
    ngx_queue_insert_head(&sh->lru, &entry->queue);

done:

    ngx_shmtx_unlock(&shpool->mutex);
}


/* keys with the same crc32 are ordered by their bytes */

static void
ngx_http_k8flex_zone_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t             **p;
    ngx_http_k8flex_zone_entry_t   *e, *et;

    for ( ;; ) {

        if (node->key < temp->key) {

            p = &temp->left;

        } else if (node->key > temp->key) {

            p = &temp->right;

        } else { /* node->key == temp->key */

            e = (ngx_http_k8flex_zone_entry_t *) node;
            et = (ngx_http_k8flex_zone_entry_t *) temp;

            p = (ngx_memn2cmp(e->data, et->data, e->key_len, et->key_len) < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


static ngx_http_k8flex_zone_entry_t *
ngx_http_k8flex_zone_lookup(ngx_http_k8flex_zone_sh_t *sh, ngx_str_t *key,
    uint32_t hash)
{
    ngx_int_t                      rc;
    ngx_rbtree_node_t             *node, *sentinel;
    ngx_http_k8flex_zone_entry_t  *entry;

    node = sh->rbtree.root;
    sentinel = sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        entry = (ngx_http_k8flex_zone_entry_t *) node;

        rc = ngx_memn2cmp(key->data, entry->data, key->len, entry->key_len);

        if (rc == 0) {
            return entry;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


static void
ngx_http_k8flex_zone_delete(ngx_slab_pool_t *shpool,
    ngx_http_k8flex_zone_sh_t *sh, ngx_http_k8flex_zone_entry_t *entry)
{
    ngx_queue_remove(&entry->queue);
    ngx_rbtree_delete(&sh->rbtree, &entry->node);
    ngx_slab_free_locked(shpool, entry);
}


/*
 * n == 0: removes every expired entry; else the n least recently used.
 * Returns how many went.
 */

static ngx_uint_t
ngx_http_k8flex_zone_evict(ngx_slab_pool_t *shpool,
    ngx_http_k8flex_zone_sh_t *sh, ngx_uint_t n)
{
    ngx_uint_t                     removed;
    ngx_queue_t                   *q, *prev;
    ngx_http_k8flex_zone_entry_t  *entry;

    removed = 0;

    for (q = ngx_queue_last(&sh->lru);
         q != ngx_queue_sentinel(&sh->lru);
         q = prev)
    {
        prev = ngx_queue_prev(q);
        entry = ngx_queue_data(q, ngx_http_k8flex_zone_entry_t, queue);

        if (n == 0
            && (ngx_msec_int_t) (entry->expire - ngx_current_msec) > 0)
        {
            continue;
        }

        ngx_http_k8flex_zone_delete(shpool, sh, entry);

        if (++removed == n) {
            break;
        }
    }

    return removed;
}


ngx_int_t
ngx_http_k8flex_zone_health(ngx_shm_zone_t *zone, ngx_uint_t llm_limit,
    json_t *body)
{
    json_t                          *queue, *value;
    ngx_uint_t                       i;
    ngx_slab_pool_t                 *shpool;
    ngx_http_k8flex_zone_sh_t       *sh;
    ngx_http_k8flex_zone_contact_t   contacts[NGX_HTTP_K8FLEX_NPEERS];

    static const char  *peers[] = { "kubernetes", "llm" };

    if (zone == NULL) {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) zone->shm.addr;
    sh = shpool->data;

    /* copied out: jansson allocates, not under the zone's mutex */

    ngx_shmtx_lock(&shpool->mutex);
    ngx_memcpy(contacts, sh->contacts, sizeof(contacts));
    ngx_shmtx_unlock(&shpool->mutex);

    queue = json_object();
    if (json_object_set_new(body, "queue", queue) != 0) {
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_K8FLEX_NSTATES; i++) {
        if (json_object_set_new(queue, ngx_http_k8flex_state_names[i],
                                json_integer((json_int_t) sh->states[i]))
            != 0)
        {
            return NGX_ERROR;
        }
    }

    if (json_object_set_new(queue, "llm_slots",
                            json_pack("{sIsI}",
                                      "busy", (json_int_t)
                                          ngx_http_k8flex_zone_llm_busy(sh),
                                      "limit", (json_int_t) llm_limit))
        != 0)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < NGX_HTTP_K8FLEX_NPEERS; i++) {

        value = ngx_http_k8flex_zone_contact_json(&contacts[i]);

        if (json_object_set_new(body, peers[i], value) != 0) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static json_t *
ngx_http_k8flex_zone_contact_json(ngx_http_k8flex_zone_contact_t *c)
{
    ngx_tm_t  tm;
    u_char    iso[sizeof("1970-01-01T00:00:00.000Z")];

    if (c->sec == 0) {
        return json_null();
    }

    ngx_gmtime(c->sec, &tm);

    ngx_sprintf(iso, "%4d-%02d-%02dT%02d:%02d:%02d.%03uiZ%Z",
                tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec, c->msec);

    return json_pack("{sssbss%}",
                     "last_contact", (char *) iso,
                     "ok", (int) c->ok,
                     "result", (char *) c->text, c->len);
}
