/* hald — how a run executes: threads, MPI ranks, progress reports.
 *
 * Every job (hald_score_run, hald_scan_run, hald_view_run, hald_pack_run)
 * takes one of these.  Output is byte-identical whatever the threads and
 * ranks. */
#ifndef HALD_RUN_H
#define HALD_RUN_H

#include <stdint.h>

#include "hald/mpi.h"
#include "hald/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a long run has done so far. */
typedef struct hald_progress {
    const char *task;       /* "score", "scan", "view", "pack" */
    const char *items_name; /* "records", "sites", "rows" */
    uint64_t items;         /* written so far */
    uint64_t bytes_in;      /* input bytes consumed, as stored (compressed) */
    uint64_t bytes_total;   /* the input's size when known (a regular file), else 0 */
    double seconds;         /* since the run started */
    int final;              /* the last report of the run */
} hald_progress_t;

typedef void (*hald_progress_fn)(void *ctx, const hald_progress_t *p);

/* What one rank of a run moved: input bytes it read from files, and MPI
 * payload bytes it sent and received. */
typedef struct hald_rank_io {
    uint64_t read, sent, received;
    /* Rank 0: the units other ranks worked on, and the seconds its own
     * serial steps (dealing, taking, placing) spent on them. */
    uint64_t units_away;
    double serial_seconds;
} hald_rank_io_t;

typedef void (*hald_rank_io_fn)(void *ctx, int rank, const hald_rank_io_t *io);

typedef struct hald_run_env {
    int threads;               /* worker threads of this process, >= 1 */
    hald_mpi_t *mpi;           /* the MPI job, or NULL: this process alone */
    hald_progress_fn progress; /* about once a second and at the end; NULL: none */
    void *progress_ctx;
    /* After an error, rank 0 collects what the other ranks still owe and
     * releases them, so that the job can run again (hald serve); a file
     * run ends the whole job instead. */
    int recover;
    /* Rank 0, at the end of a run on several ranks: each rank's traffic,
     * in rank order (NULL: not wanted). */
    hald_rank_io_fn rank_io;
    void *rank_io_ctx;
} hald_run_env_t;

/* One thread, one process, no progress. */
void hald_run_env_init(hald_run_env_t *e);

/* What a run counted.  items: records (score), sites (scan), rows (view)
 * or records (pack). */
typedef struct hald_run_stats {
    uint64_t items;
    uint64_t na[HALD_N_MODELS][HALD_N_NA]; /* unscorable items by model and reason */
    uint64_t bytes_in;                     /* input bytes consumed, as stored */
    double seconds;
} hald_run_stats_t;

#ifdef __cplusplus
}
#endif
#endif
