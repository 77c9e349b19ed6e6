/* hald (internal) — the one runner: any job, on threads and ranks, in order.
 *
 * A job is a source, a worker and a writer:
 *
 *   rank 0, serial      any thread of any rank      rank 0, serial, in order
 *   next(unit) ───────▶ work(unit) ───────────────▶ take(unit) ──▶ sink
 *   (input → units)     (units → windows → scores   (joins, counts,
 *                        → formatted bytes)           ordered writes)
 *
 * The runner owns everything in between: the ring of units (memory is
 * bounded by it), the ordered pipeline on threads (opipe), dealing
 * units to other ranks and taking their results back in order, per-thread
 * scratch memory, totals and the progress clock.  One thread on one
 * stream is the same loop with one thread.  Ranks other than 0 call
 * hald_runner_worker_rank with the same job: they receive units, work on
 * them and send results back. */
#ifndef HALD_RUNNER_H
#define HALD_RUNNER_H

#include <stdint.h>

#include "hald/run.h"
#include "hald/sink.h"
#include "transport.h"
#include "unit.h"

typedef struct hald_job {
    const char *task;                  /* for progress: "score", "scan" ... */
    const char *items_name;            /* "records", "sites" ... */
    const hald_unit_layout_t *layout;
    const void *shared;                /* what every rank holds: options, tables */
    void *ctx;                         /* rank 0's state: the source and the writer */

    /* Rank 0, serial: fills the next unit; 1, 0 at the end, or negative. */
    int (*next)(void *ctx, void *unit, hald_error_t *err);
    /* Any thread of any rank: failures go into the unit's err. */
    void (*work)(const void *shared, void *unit, void *scratch);
    /* Rank 0, serial, in input order: consumes a worked unit.  A failure
     * the unit carries and take leaves alone is reported by the runner. */
    int (*take)(void *ctx, void *unit, hald_error_t *err);
    /* Rank 0, once every unit is taken (may be NULL): what the job writes
     * last, with the counts of anything it scores itself added to stats. */
    int (*finish)(void *ctx, hald_run_stats_t *stats, hald_error_t *err);

    /* Per-thread working memory for work: made by scratch_new and freed by
     * scratch_free, or, when those are NULL and scratch_size is not 0, a
     * zeroed struct of that size whose first scratch_bufs members are
     * hald_buf_t (freed by the runner). */
    void *(*scratch_new)(const void *shared);
    void (*scratch_free)(void *scratch);
    size_t scratch_size, scratch_bufs;

    /* Progress: input bytes consumed so far (any thread may ask), and the
     * input's size when known. */
    uint64_t (*bytes_in)(const void *ctx);
    uint64_t bytes_total;
    /* Input bytes this process read from files, for -v (ctx is NULL on
     * other ranks); NULL: bytes_in on rank 0, nothing elsewhere. */
    uint64_t (*bytes_read)(const void *shared, const void *ctx);

    /* Output written in place (runner/place.h) when the job runs on several
     * ranks and its output is a regular file.  sink (rank 0): the output.
     * placeable (any rank, after work): whether the writer needs nothing of
     * this unit's output but its size and chunk heads; NULL: never.
     * out_record_size: 0 when outputs are plain bytes, else the record
     * size of their binary chunks. */
    hald_sink_t *sink;
    int (*placeable)(const void *shared, const void *unit);
    size_t out_record_size;
} hald_job_t;

/* Units in flight per thread, and per other rank. */
#define HALD_SLOTS_PER_THREAD 3
#define HALD_SLOTS_PER_RANK 6

/* Runs a job on env's threads as its rank of env->mpi (NULL: one process):
 * rank 0 drives the job to its end, the others work for rank 0 until it says
 * end.  stats (rank 0) gets the totals of every unit taken.  Returns
 * HALD_OK or the first failure, with err naming the file, the record or
 * unit, the rank and the reason. */
int hald_runner_run(const hald_job_t *job, const hald_run_env_t *env, hald_run_stats_t *stats,
                    hald_error_t *err);

#endif
