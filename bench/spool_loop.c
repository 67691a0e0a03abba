/*
 * spool_loop: the durable-write ceiling of the k8flex spool.
 *
 * Does, in a loop, exactly the file operations that
 * ngx_http_k8flex_spool_run() (src/ngx_http_k8flex_spool.c) performs for a
 * webhook with one firing alert, and nothing else:
 *
 *     open(<dir>/tmp/<id>.json, O_WRONLY|O_CREAT|O_TRUNC, 0600)
 *     write(job bytes)
 *     fdatasync()                       (sync only)
 *     close()
 *     rename(<dir>/tmp/<id>.json, <dir>/new/<id>.json)
 *     open(<dir>/new, O_RDONLY)         (sync only)
 *     fsync()                           (sync only)
 *     close()                           (sync only)
 *
 * Usage: spool_loop DIR PAYLOAD SECONDS SYNC(0|1) [THREADS]
 *
 * DIR must hold tmp/ and new/ (created if missing).  PAYLOAD is a job file
 * (a real one, taken from the module's spool).  With THREADS > 1, that many
 * threads run the same loop at once, as nginx's thread pool does when
 * several webhooks are in flight.  Prints one line:
 *
 *     ops=<n> seconds=<s> ops_per_sec=<r> threads=<t> sync=<0|1> bytes=<b>
 *     cpu_us_per_op=<CPU time of the process, user + system, per operation>
 */

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static const char  *dir;
static char        *payload;
static size_t       payload_len;
static int          sync_on;
static double       deadline;
static volatile int failed;


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return ts.tv_sec + ts.tv_nsec / 1e9;
}


static void
die(const char *op, const char *path)
{
    fprintf(stderr, "spool_loop: %s \"%s\" failed: %s\n", op, path,
            strerror(errno));
    failed = 1;
}


static void *
loop(void *arg)
{
    long           t = (long) arg;
    unsigned long  seq, *ops = malloc(sizeof(unsigned long));
    char           tmp[4096], path[4096], newdir[4096];
    struct timespec ts;
    int            fd;

    if (ops == NULL) {
        failed = 1;
        return NULL;
    }

    *ops = 0;
    snprintf(newdir, sizeof(newdir), "%s/new", dir);

    for (seq = 1; !failed; seq++) {

        if (now() >= deadline) {
            break;
        }

        /* an id shaped like the module's: <ms hex>-<pid>-<seq> */
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(tmp, sizeof(tmp), "%s/tmp/%llx-%d%ld-%lu.json", dir,
                 (unsigned long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
                 (int) getpid(), t, seq);
        snprintf(path, sizeof(path), "%s/new/%s", dir,
                 strrchr(tmp, '/') + 1);

        fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC, 0600);
        if (fd == -1) {
            die("open()", tmp);
            break;
        }

        if (write(fd, payload, payload_len) != (ssize_t) payload_len) {
            die("write()", tmp);
            close(fd);
            break;
        }

        if (sync_on && fdatasync(fd) == -1) {
            die("fdatasync()", tmp);
            close(fd);
            break;
        }

        if (close(fd) == -1) {
            die("close()", tmp);
            break;
        }

        if (rename(tmp, path) == -1) {
            die("rename()", path);
            break;
        }

        if (sync_on) {
            fd = open(newdir, O_RDONLY);
            if (fd == -1) {
                die("open()", newdir);
                break;
            }

            if (fsync(fd) == -1) {
                die("fsync()", newdir);
                close(fd);
                break;
            }

            close(fd);
        }

        (*ops)++;
    }

    return ops;
}


int
main(int argc, char **argv)
{
    FILE           *f;
    long            i, nthreads;
    double          seconds, start, elapsed;
    pthread_t      *tid;
    struct stat     st;
    struct rusage   ru;
    unsigned long   total, *ops;
    char            sub[4096];

    if (argc < 5) {
        fprintf(stderr, "usage: spool_loop DIR PAYLOAD SECONDS SYNC(0|1) "
                        "[THREADS]\n");
        return 2;
    }

    dir = argv[1];
    seconds = atof(argv[3]);
    sync_on = atoi(argv[4]);
    nthreads = argc > 5 ? atol(argv[5]) : 1;

    if (seconds <= 0 || nthreads < 1) {
        fprintf(stderr, "spool_loop: bad SECONDS or THREADS\n");
        return 2;
    }

    f = fopen(argv[2], "rb");
    if (f == NULL || fstat(fileno(f), &st) == -1) {
        perror(argv[2]);
        return 1;
    }

    payload_len = st.st_size;
    payload = malloc(payload_len + 1);
    if (payload == NULL
        || fread(payload, 1, payload_len, f) != payload_len)
    {
        perror(argv[2]);
        return 1;
    }
    fclose(f);

    snprintf(sub, sizeof(sub), "%s/tmp", dir);
    mkdir(dir, 0700);
    mkdir(sub, 0700);
    snprintf(sub, sizeof(sub), "%s/new", dir);
    mkdir(sub, 0700);

    tid = calloc(nthreads, sizeof(pthread_t));
    if (tid == NULL) {
        return 1;
    }

    start = now();
    deadline = start + seconds;

    for (i = 0; i < nthreads; i++) {
        if (pthread_create(&tid[i], NULL, loop, (void *) i) != 0) {
            fprintf(stderr, "spool_loop: pthread_create() failed\n");
            return 1;
        }
    }

    total = 0;

    for (i = 0; i < nthreads; i++) {
        pthread_join(tid[i], (void **) &ops);
        if (ops) {
            total += *ops;
            free(ops);
        }
    }

    elapsed = now() - start;

    if (failed) {
        return 1;
    }

    getrusage(RUSAGE_SELF, &ru);

    printf("ops=%lu seconds=%.3f ops_per_sec=%.1f threads=%ld sync=%d "
           "bytes=%zu cpu_us_per_op=%.1f\n",
           total, elapsed, total / elapsed, nthreads, sync_on, payload_len,
           total ? (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec
                    + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6)
                   * 1e6 / total
                 : 0.0);

    return 0;
}
