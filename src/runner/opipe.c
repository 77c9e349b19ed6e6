/* The ordered pipeline.  One mutex guards the slot states; steps run with
 * it released. */
#include "opipe.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "hald/error.h"



enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_WORKING, SLOT_DONE };

typedef struct opipe {
    const hald_opipe_steps_t *steps;
    void *ctx;
    void **slots;
    enum slot_state *state;
    size_t n_slots;
    uint64_t next_read, next_write; /* slot of unit k is k % n_slots */
    int reading, writing, eof;
    int status;      /* a write's failure: it stops the run at once */
    int read_status; /* the read's failure: units read before it are still
                        written, so an earlier unit's own failure is the
                        one reported, whatever the threads' timing */
    pthread_mutex_t lock;
    pthread_cond_t changed;
} opipe_t;

static int finished(const opipe_t *p)
{
    return p->status != HALD_OK || (p->eof && !p->reading && p->next_write == p->next_read);
}

/* Takes one step if any is ready; returns 1 after a step, 0 when none was
 * ready, HALD_OPIPE_AGAIN when the only candidates answered "not yet".
 * Called and returns with the lock held. */
static int step(opipe_t *p, int worker)
{
    int again = 0;
    size_t w = (size_t)(p->next_write % p->n_slots);
    if (!p->writing && p->next_write < p->next_read && p->state[w] == SLOT_DONE) {
        p->writing = 1;
        pthread_mutex_unlock(&p->lock);
        int rc = p->steps->write(p->ctx, p->slots[w]);
        pthread_mutex_lock(&p->lock);
        p->writing = 0;
        if (rc != HALD_OPIPE_AGAIN) {
            p->state[w] = SLOT_FREE;
            p->next_write++;
            if (rc != HALD_OK && p->status == HALD_OK)
                p->status = rc;
            return 1;
        }
        again = 1;
    }
    size_t r = (size_t)(p->next_read % p->n_slots);
    if (!p->reading && !p->eof && p->state[r] == SLOT_FREE) {
        p->reading = 1;
        pthread_mutex_unlock(&p->lock);
        int rc = p->steps->read(p->ctx, p->slots[r]);
        pthread_mutex_lock(&p->lock);
        p->reading = 0;
        if (rc == HALD_OPIPE_AGAIN) {
            again = 1;
        } else if (rc > 0) {
            p->state[r] = SLOT_FILLED;
            p->next_read++;
            return 1;
        } else {
            p->eof = 1;
            p->read_status = rc < 0 ? rc : HALD_OK;
            return 1;
        }
    }
    for (uint64_t k = p->next_write; k < p->next_read; k++) { /* oldest first */
        size_t s = (size_t)(k % p->n_slots);
        if (p->state[s] != SLOT_FILLED)
            continue;
        p->state[s] = SLOT_WORKING;
        pthread_mutex_unlock(&p->lock);
        p->steps->work(p->ctx, p->slots[s], worker);
        pthread_mutex_lock(&p->lock);
        p->state[s] = SLOT_DONE;
        return 1;
    }
    return again ? HALD_OPIPE_AGAIN : 0;
}

/* Waits for a change, or briefly when a step is waiting on a message. */
static void wait_change(opipe_t *p, int timed)
{
    if (!timed) {
        pthread_cond_wait(&p->changed, &p->lock);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 100000; /* 100 µs */
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&p->changed, &p->lock, &ts);
}

static void thread_loop(opipe_t *p, int worker)
{
    pthread_mutex_lock(&p->lock);
    while (!finished(p)) {
        int rc = step(p, worker);
        if (rc == 1)
            pthread_cond_broadcast(&p->changed);
        else
            wait_change(p, rc == HALD_OPIPE_AGAIN);
    }
    pthread_cond_broadcast(&p->changed);
    pthread_mutex_unlock(&p->lock);
}

typedef struct worker_arg {
    opipe_t *p;
    int worker;
} worker_arg_t;

static void *worker_main(void *arg)
{
    worker_arg_t *a = arg;
    thread_loop(a->p, a->worker);
    return NULL;
}

/* Threads are POSIX threads, not an OpenMP team: libgomp lets idle team
 * threads spin for milliseconds after a parallel region (a busy core and
 * ~5 ms more on every short run), and its wait policy can only be set in
 * the environment before the program starts. */
int hald_opipe_run(const hald_opipe_steps_t *steps, void *ctx, void **slots, size_t n_slots,
                   int n_threads)
{
    opipe_t p = {.steps = steps, .ctx = ctx, .slots = slots, .n_slots = n_slots};
    p.state = calloc(n_slots, sizeof *p.state);
    if (!p.state)
        return HALD_E_NOMEM;
    if (pthread_mutex_init(&p.lock, NULL) != 0) {
        free(p.state);
        return HALD_E_NOMEM;
    }
    if (pthread_cond_init(&p.changed, NULL) != 0) {
        pthread_mutex_destroy(&p.lock);
        free(p.state);
        return HALD_E_NOMEM;
    }
    int extra = n_threads > 1 ? n_threads - 1 : 0, started = 0;
    pthread_t *tids = extra ? calloc((size_t)extra, sizeof *tids) : NULL;
    worker_arg_t *args = extra ? calloc((size_t)extra, sizeof *args) : NULL;
    for (; tids && args && started < extra; started++) {
        args[started] = (worker_arg_t){&p, started + 1};
        if (pthread_create(&tids[started], NULL, worker_main, &args[started]) != 0)
            break; /* fewer threads: slower, still correct */
    }
    thread_loop(&p, 0);
    for (int i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    free(args);
    pthread_cond_destroy(&p.changed);
    pthread_mutex_destroy(&p.lock);
    free(p.state);
    return p.status != HALD_OK ? p.status : p.read_status;
}
