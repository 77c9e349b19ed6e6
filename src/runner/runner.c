/* The one runner: rank 0 drives a job's source, workers and writer through
 * the ordered pipeline; other ranks work for rank 0. */
#include "runner.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "opipe.h"
#include "place.h"

void hald_run_env_init(hald_run_env_t *e)
{
    memset(e, 0, sizeof *e);
    e->threads = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ================================================================ slots */

/* Units and per-thread scratch, shared by both kinds of rank. */
typedef struct slots {
    const hald_job_t *job;
    char *units;
    void **ptrs;
    size_t n;
    void **scratch; /* per worker thread, made on first use */
    int threads;
} slots_t;

static int slots_new(slots_t *s, const hald_job_t *job, size_t n, int threads)
{
    memset(s, 0, sizeof *s);
    s->job = job;
    s->n = n;
    s->threads = threads;
    s->units = calloc(n, job->layout->size);
    s->ptrs = calloc(n, sizeof *s->ptrs);
    s->scratch = calloc((size_t)threads, sizeof *s->scratch);
    if (!s->units || !s->ptrs || !s->scratch)
        return HALD_E_NOMEM;
    for (size_t i = 0; i < n; i++) {
        s->ptrs[i] = s->units + i * job->layout->size;
        hald_unit_init(job->layout, s->ptrs[i]);
    }
    return HALD_OK;
}

static void *scratch_new(const hald_job_t *job)
{
    if (job->scratch_new)
        return job->scratch_new(job->shared);
    return calloc(1, job->scratch_size);
}

static void scratch_free(const hald_job_t *job, void *scratch)
{
    if (job->scratch_free) {
        job->scratch_free(scratch);
        return;
    }
    for (size_t i = 0; i < job->scratch_bufs; i++)
        hald_buf_free((hald_buf_t *)scratch + i);
    free(scratch);
}

static void slots_free(slots_t *s)
{
    for (size_t i = 0; s->units && i < s->n; i++)
        hald_unit_free(s->job->layout, s->ptrs[i]);
    for (int t = 0; s->scratch && t < s->threads; t++)
        if (s->scratch[t])
            scratch_free(s->job, s->scratch[t]);
    free(s->units);
    free(s->ptrs);
    free(s->scratch);
}

/* Works on a unit with the calling thread's scratch. */
static void work_on(slots_t *s, void *unit, int worker)
{
    const hald_job_t *job = s->job;
    void *scratch = NULL;
    if (job->scratch_new || job->scratch_size) {
        if (!s->scratch[worker])
            s->scratch[worker] = scratch_new(job);
        scratch = s->scratch[worker];
        if (!scratch) {
            hald_error_set(&((hald_unit_t *)unit)->err, HALD_E_NOMEM, "out of memory (worker memory)");
            return;
        }
    }
    job->work(job->shared, unit, scratch);
}

/* ================================================================ dealing */

/* Rank 0 deals a unit to another rank while that rank has fewer than
 * HALD_SLOTS_PER_RANK in flight, and keeps it otherwise.  Rank 0 also reads
 * and writes, so dealing round-robin would make it the slowest rank; this
 * way it works only when the others are busy.  pick() runs in the (serial)
 * read step, done() in the (serial) write step, perhaps on another thread:
 * the counts are atomic. */
typedef struct dealer {
    int n_ranks, next;
    int *in_flight;
} dealer_t;

static int dealer_pick(dealer_t *d)
{
    int others = d->n_ranks - 1;
    for (int i = 0; i < others; i++) {
        int r = 1 + (d->next + i) % others;
        if (__atomic_load_n(&d->in_flight[r], __ATOMIC_ACQUIRE) < HALD_SLOTS_PER_RANK) {
            __atomic_add_fetch(&d->in_flight[r], 1, __ATOMIC_ACQ_REL);
            d->next = r % others; /* the next search starts after r */
            return r;
        }
    }
    return 0;
}

static void dealer_done(dealer_t *d, int rank)
{
    if (rank > 0)
        __atomic_sub_fetch(&d->in_flight[rank], 1, __ATOMIC_ACQ_REL);
}

/* ================================================================ rank 0 */

typedef struct driver {
    const hald_job_t *job;
    const hald_run_env_t *env;
    const hald_transport_t *tp;
    slots_t slots;
    dealer_t dealer;
    uint64_t next_seq;
    hald_error_t read_err, write_err;
    hald_buf_t msg_out, msg_in;
    hald_run_stats_t *stats;
    uint64_t items_done;     /* atomic: the ticker reads it */
    double t0;
    /* The progress ticker: a thread of its own, so that a report comes
     * every second even while the only worker waits on a slow pipe. */
    pthread_t ticker;
    int ticking, stop;
    pthread_mutex_t tick_lock;
    pthread_cond_t tick_cond;
    /* Rank 0's serial steps for units worked elsewhere (the read and write
     * steps may run at once on two threads: a counter each). */
    uint64_t units_away;
    double read_seconds, write_seconds;
    /* Output written in place by the ranks that made it. */
    int in_place;
    hald_place_plan_t plan;
    uint64_t sent0, received0; /* the transport's counts when the run began */
} driver_t;

static void report(driver_t *d, int final)
{
    const hald_job_t *job = d->job;
    double t = now_seconds();
    hald_progress_t p = {job->task, job->items_name, __atomic_load_n(&d->items_done, __ATOMIC_RELAXED),
                         job->bytes_in ? job->bytes_in(job->ctx) : 0, job->bytes_total, t - d->t0,
                         final};
    d->env->progress(d->env->progress_ctx, &p);
}

static void *tick(void *arg)
{
    driver_t *d = arg;
    pthread_mutex_lock(&d->tick_lock);
    while (!d->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        if (pthread_cond_timedwait(&d->tick_cond, &d->tick_lock, &ts) != 0 && !d->stop) {
            pthread_mutex_unlock(&d->tick_lock);
            report(d, 0);
            pthread_mutex_lock(&d->tick_lock);
        }
    }
    pthread_mutex_unlock(&d->tick_lock);
    return NULL;
}

static void ticker_start(driver_t *d)
{
    if (!d->env->progress || pthread_mutex_init(&d->tick_lock, NULL) != 0)
        return;
    if (pthread_cond_init(&d->tick_cond, NULL) != 0) {
        pthread_mutex_destroy(&d->tick_lock);
        return;
    }
    d->ticking = pthread_create(&d->ticker, NULL, tick, d) == 0;
    if (!d->ticking) { /* no reports then: the run goes on */
        pthread_cond_destroy(&d->tick_cond);
        pthread_mutex_destroy(&d->tick_lock);
    }
}

static void ticker_stop(driver_t *d)
{
    if (!d->ticking)
        return;
    pthread_mutex_lock(&d->tick_lock);
    d->stop = 1;
    pthread_cond_signal(&d->tick_cond);
    pthread_mutex_unlock(&d->tick_lock);
    pthread_join(d->ticker, NULL);
    pthread_cond_destroy(&d->tick_cond);
    pthread_mutex_destroy(&d->tick_lock);
    d->ticking = 0;
}

static int driver_read(void *ctx, void *unit)
{
    driver_t *d = ctx;
    hald_unit_t *u = unit;
    hald_unit_reset(d->job->layout, unit);
    int rc = d->job->next(d->job->ctx, unit, &d->read_err);
    if (rc <= 0)
        return rc;
    u->seq = d->next_seq++;
    if (d->tp->n_ranks > 1 && (u->rank = dealer_pick(&d->dealer)) != 0) {
        double t0 = now_seconds();
        rc = hald_unit_encode(d->job->layout, unit, HALD_TO_WORKER, &d->msg_out, &d->read_err);
        if (rc == HALD_OK)
            rc = d->tp->send_unit(d->tp->ctx, u->rank, &d->msg_out, &d->read_err);
        if (rc != HALD_OK)
            return rc;
        d->read_seconds += now_seconds() - t0;
    }
    return 1;
}

static void driver_work(void *ctx, void *unit, int worker)
{
    driver_t *d = ctx;
    if (((hald_unit_t *)unit)->rank == 0)
        work_on(&d->slots, unit, worker);
}

static int driver_write(void *ctx, void *unit)
{
    driver_t *d = ctx;
    hald_unit_t *u = unit;
    double t0 = u->rank != 0 ? now_seconds() : 0;
    if (u->rank != 0) {
        int rc = d->tp->poll_result(d->tp->ctx, u->rank, &d->msg_in, &d->write_err);
        if (rc == 0)
            return HALD_OPIPE_AGAIN;
        if (rc < 0 ||
            hald_unit_decode(d->job->layout, &d->msg_in, unit, HALD_TO_WRITER, &d->write_err) != HALD_OK)
            return d->write_err.code;
        dealer_done(&d->dealer, u->rank);
        if (u->held && !d->in_place)
            return hald_error_set(&d->write_err, HALD_E_IO, "rank %d kept the output of unit %llu",
                                  u->rank, (unsigned long long)u->seq);
        if (u->held && hald_place_expand(&d->plan, u, &d->write_err) != HALD_OK)
            return d->write_err.code;
    }
    int rc = d->job->take(d->job->ctx, unit, &d->write_err);
    if (rc == HALD_OK && d->in_place)
        rc = hald_place_flush(&d->plan, d->tp, &d->write_err);
    if (rc == HALD_OK && u->err.code != HALD_OK) {
        if (u->rank != 0)
            rc = hald_error_set(&d->write_err, u->err.code, "rank %d: %.*s", u->rank,
                                HALD_ERROR_MSG_MAX - 32, u->err.msg);
        else
            d->write_err = u->err, rc = u->err.code;
    }
    if (rc != HALD_OK)
        return rc;
    if (u->rank != 0) {
        d->units_away++;
        d->write_seconds += now_seconds() - t0;
    }
    d->stats->items += u->items;
    __atomic_store_n(&d->items_done, d->stats->items, __ATOMIC_RELAXED);
    for (int m = 0; m < HALD_N_MODELS; m++)
        for (int k = 0; k < HALD_N_NA; k++)
            d->stats->na[m][k] += u->na[m][k];
    return HALD_OK;
}

/* Input bytes this process read from files. */
static uint64_t bytes_read(const hald_job_t *job, const void *ctx)
{
    if (job->bytes_read)
        return job->bytes_read(job->shared, ctx);
    return ctx && job->bytes_in ? job->bytes_in(ctx) : 0;
}

static hald_rank_io_t traffic_since(const hald_transport_t *tp, uint64_t sent0, uint64_t received0)
{
    hald_rank_io_t io = {0, 0, 0, 0, 0};
    if (tp->traffic) {
        tp->traffic(tp->ctx, &io.sent, &io.received);
        io.sent -= sent0;
        io.received -= received0;
    }
    return io;
}

/* After the end: every other rank's report, which it sends once its part
 * of the output is on disk; then, when wanted, each rank's traffic. */
static int collect_done(driver_t *d, hald_error_t *err)
{
    const hald_transport_t *tp = d->tp;
    hald_rank_io_t *io = calloc((size_t)tp->n_ranks, sizeof *io);
    if (!io)
        return hald_error_set(err, HALD_E_NOMEM, "out of memory");
    int rc = HALD_OK;
    for (int r = 1; rc == HALD_OK && r < tp->n_ranks; r++) {
        int got;
        while ((got = tp->poll_done(tp->ctx, r, &io[r], err)) == 0)
            nanosleep(&(struct timespec){0, 50000}, NULL); /* it is syncing its writes */
        rc = got < 0 ? got : HALD_OK;
    }
    if (rc == HALD_OK && d->env->rank_io) {
        io[0] = traffic_since(tp, d->sent0, d->received0);
        io[0].read = bytes_read(d->job, d->job->ctx);
        io[0].units_away = d->units_away;
        io[0].serial_seconds = d->read_seconds + d->write_seconds;
        for (int r = 0; r < tp->n_ranks; r++)
            d->env->rank_io(d->env->rank_io_ctx, r, &io[r]);
    }
    free(io);
    return rc;
}

/* After a failed run: every result the other ranks still owe, dropped,
 * then the end, so that they wait for the next run. */
static void recall(driver_t *d)
{
    hald_error_t err;
    hald_error_clear(&err);
    for (int r = 1; r < d->tp->n_ranks; r++)
        while (__atomic_load_n(&d->dealer.in_flight[r], __ATOMIC_ACQUIRE) > 0) {
            int rc = d->tp->poll_result(d->tp->ctx, r, &d->msg_in, &err);
            if (rc < 0)
                return; /* the transport itself failed: nothing to save */
            if (rc == 1)
                dealer_done(&d->dealer, r);
            else
                sched_yield();
        }
    if (d->tp->send_end(d->tp->ctx, &err) == HALD_OK)
        (void)collect_done(d, &err);
}

/* Output to a regular file on several ranks: the others write their own
 * results into it (runner/place.h). */
static int start_in_place(driver_t *d, hald_error_t *err)
{
    const hald_job_t *job = d->job;
    const char *path = job->sink ? hald_sink_temp_path(job->sink) : NULL;
    if (d->tp->n_ranks < 2 || !job->placeable || !path)
        return HALD_OK;
    /* Absolute: another rank may have started in another directory. */
    char where[PATH_MAX], *abs = NULL;
    if (path[0] != '/' && getcwd(where, sizeof where)) {
        size_t need = strlen(where) + strlen(path) + 2;
        if (!(abs = malloc(need)))
            return hald_error_set(err, HALD_E_NOMEM, "out of memory");
        snprintf(abs, need, "%s/%s", where, path);
    }
    int rc = hald_place_plan_init(&d->plan, d->tp->n_ranks, job->out_record_size, err);
    d->in_place = rc == HALD_OK;
    if (rc == HALD_OK)
        rc = d->tp->send_open(d->tp->ctx, abs ? abs : path, err);
    free(abs);
    if (rc == HALD_OK)
        hald_sink_set_divert(job->sink, hald_place_divert, &d->plan);
    return rc;
}

/* Once the writer has finished: the last orders, and every phantom
 * written whole. */
static int finish_in_place(driver_t *d, hald_error_t *err)
{
    if (!d->in_place)
        return HALD_OK;
    hald_sink_set_divert(d->job->sink, NULL, NULL);
    int rc = hald_place_flush(&d->plan, d->tp, err);
    if (rc == HALD_OK && hald_place_open(&d->plan))
        rc = hald_error_set(err, HALD_E_IO, "the output of %zu unit(s) was never written",
                            hald_place_open(&d->plan));
    return rc;
}

static int drive(const hald_job_t *job, const hald_run_env_t *env, const hald_transport_t *tp,
                 hald_run_stats_t *stats, hald_error_t *err)
{
    driver_t d;
    memset(&d, 0, sizeof d);
    d.job = job;
    d.env = env;
    d.tp = tp;
    d.stats = stats;
    d.t0 = now_seconds();
    hald_error_clear(&d.read_err);
    hald_error_clear(&d.write_err);
    int threads = env->threads > 0 ? env->threads : 1;
    /* The ring holds units in input order: rank 0's own sit between those
     * in flight elsewhere, and while one rank's 6 are out, rank 0 works
     * through about as many.  Without room for them rank 0 did a third of
     * the work on 2 ranks instead of half. */
    size_t n_slots = HALD_SLOTS_PER_THREAD * (size_t)threads +
                     HALD_SLOTS_PER_RANK * (size_t)(tp->n_ranks - 1) +
                     (tp->n_ranks > 1 ? HALD_SLOTS_PER_RANK : 0);
    d.dealer.n_ranks = tp->n_ranks;
    d.dealer.in_flight = calloc((size_t)tp->n_ranks, sizeof *d.dealer.in_flight);
    if (tp->n_ranks > 1 && tp->traffic)
        tp->traffic(tp->ctx, &d.sent0, &d.received0);
    int rc = d.dealer.in_flight ? slots_new(&d.slots, job, n_slots, threads) : HALD_E_NOMEM;
    if (rc == HALD_OK)
        rc = start_in_place(&d, &d.read_err);
    if (rc == HALD_OK) {
        static const hald_opipe_steps_t steps = {driver_read, driver_work, driver_write};
        ticker_start(&d);
        rc = hald_opipe_run(&steps, &d, d.slots.ptrs, n_slots, threads);
    }
    if (rc != HALD_OK)
        *err = d.write_err.code != HALD_OK ? d.write_err
               : d.read_err.code != HALD_OK ? d.read_err
                                            : (hald_error_t){rc, "out of memory"};
    if (rc == HALD_OK && job->finish)
        rc = job->finish(job->ctx, stats, err);
    if (rc == HALD_OK)
        rc = finish_in_place(&d, err);
    else if (d.in_place)
        hald_sink_set_divert(job->sink, NULL, NULL);
    ticker_stop(&d);
    stats->seconds = now_seconds() - d.t0;
    stats->bytes_in = job->bytes_in ? job->bytes_in(job->ctx) : 0;
    __atomic_store_n(&d.items_done, stats->items, __ATOMIC_RELAXED);
    if (rc == HALD_OK && env->progress)
        report(&d, 1);
    if (rc == HALD_OK && tp->n_ranks > 1) {
        rc = tp->send_end(tp->ctx, err);
        if (rc == HALD_OK)
            rc = collect_done(&d, err);
    } else if (rc != HALD_OK && tp->n_ranks > 1 && env->recover && d.dealer.in_flight)
        recall(&d);
    slots_free(&d.slots);
    free(d.dealer.in_flight);
    if (d.in_place)
        hald_place_plan_free(&d.plan);
    hald_buf_free(&d.msg_out);
    hald_buf_free(&d.msg_in);
    return rc;
}

/* ================================================================ other ranks */

typedef struct follower {
    const hald_job_t *job;
    const hald_transport_t *tp;
    slots_t slots;
    hald_buf_t msg_in, msg_out;
    hald_error_t err;
    int in_place;            /* rank 0 said where the output is */
    hald_place_keep_t keep;  /* outputs this rank writes itself */
} follower_t;

static int follower_read(void *ctx, void *unit)
{
    follower_t *f = ctx;
    int rc;
    for (;;) {
        rc = f->tp->poll_unit(f->tp->ctx, &f->msg_in, &f->err);
        if (rc == 3) { /* orders: write kept outputs into the file */
            rc = hald_place_execute(&f->keep, &f->msg_in, f->tp, &f->err);
        } else if (rc == 4) { /* the output file, before any unit */
            f->msg_in.data[f->msg_in.len] = '\0'; /* try_recv left room */
            rc = f->tp->out_open(f->tp->ctx, f->msg_in.data, &f->err);
            f->in_place = rc == HALD_OK;
        } else {
            break;
        }
        if (rc != HALD_OK)
            return rc;
    }
    if (rc == 0)
        return HALD_OPIPE_AGAIN;
    if (rc == 2)
        return 0; /* rank 0 has no more units */
    if (rc < 0)
        return rc;
    hald_unit_reset(f->job->layout, unit);
    rc = hald_unit_decode(f->job->layout, &f->msg_in, unit, HALD_TO_WORKER, &f->err);
    return rc == HALD_OK ? 1 : rc;
}

static void follower_work(void *ctx, void *unit, int worker)
{
    follower_t *f = ctx;
    work_on(&f->slots, unit, worker);
}

static int follower_write(void *ctx, void *unit)
{
    follower_t *f = ctx;
    const hald_job_t *job = f->job;
    hald_unit_t *u = unit;
    if (f->in_place && u->out.len && u->err.code == HALD_OK && job->placeable &&
        job->placeable(job->shared, unit) &&
        hald_place_hold(&f->keep, u, job->out_record_size, &f->err) != HALD_OK)
        return f->err.code;
    int rc = hald_unit_encode(f->job->layout, unit, HALD_TO_WRITER, &f->msg_out, &f->err);
    return rc == HALD_OK ? f->tp->send_result(f->tp->ctx, &f->msg_out, &f->err) : rc;
}

/* A rank other than 0: units from rank 0 until it says end, worked on
 * `threads` threads, results back in the order they came. */
static int follow(const hald_job_t *job, int threads, const hald_transport_t *tp, hald_error_t *err)
{
    follower_t f;
    memset(&f, 0, sizeof f);
    f.job = job;
    f.tp = tp;
    hald_error_clear(&f.err);
    size_t n_slots = HALD_SLOTS_PER_THREAD * (size_t)threads;
    uint64_t sent0 = 0, received0 = 0;
    if (tp->traffic)
        tp->traffic(tp->ctx, &sent0, &received0);
    int rc = hald_place_keep_init(&f.keep);
    if (rc == HALD_OK)
        rc = slots_new(&f.slots, job, n_slots, threads);
    if (rc == HALD_OK) {
        static const hald_opipe_steps_t steps = {follower_read, follower_work, follower_write};
        rc = hald_opipe_run(&steps, &f, f.slots.ptrs, n_slots, threads);
    }
    /* Every order came before the end: nothing may be left to write. */
    if (rc == HALD_OK && hald_place_kept(&f.keep))
        rc = hald_error_set(&f.err, HALD_E_IO, "the output of %zu unit(s) was never placed",
                            hald_place_kept(&f.keep));
    if (f.in_place) {
        hald_error_t close_err;
        if (tp->out_close(tp->ctx, &close_err) != HALD_OK && rc == HALD_OK)
            f.err = close_err, rc = close_err.code;
    }
    if (rc == HALD_OK) {
        hald_rank_io_t io = traffic_since(tp, sent0, received0);
        io.read = bytes_read(job, NULL);
        rc = tp->send_done(tp->ctx, &io, &f.err);
    }
    hald_place_keep_free(&f.keep);
    slots_free(&f.slots);
    hald_buf_free(&f.msg_in);
    hald_buf_free(&f.msg_out);
    if (rc != HALD_OK)
        *err = f.err.code != HALD_OK ? f.err : (hald_error_t){rc, "out of memory"};
    return rc;
}

/* ================================================================ entry */

int hald_runner_run(const hald_job_t *job, const hald_run_env_t *env, hald_run_stats_t *stats,
                    hald_error_t *err)
{
    hald_transport_t tp;
    hald_mpi_transport(env->mpi, &tp);
    int threads = env->threads > 0 ? env->threads : 1;
    memset(stats, 0, sizeof *stats);
    if (tp.rank != 0)
        return follow(job, threads, &tp, err);
    return drive(job, env, &tp, stats, err);
}
