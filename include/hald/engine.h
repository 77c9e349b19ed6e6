/* hald — the parallel scoring engine: threads in one process, ranks
 * through a transport, one ordered output.
 *
 * The input is cut into units, each a piece of the decoded stream:
 *   - packed files (hald pack): one record-aligned zstd frame per unit,
 *     with its global record and line numbers from the index;
 *   - other multi-frame zstd files: a group of whole compressed frames,
 *     decoded by whoever processes the unit;
 *   - everything else (single-frame zstd, gzip, plain, stdin): pieces of
 *     decoded text, decoded by the reading thread.
 * Pieces that are not record-aligned are cut at record starts: a worker
 * scores the records wholly inside its piece and hands back the text
 * before its first record start (head) and from its last one (tail); the
 * writer joins tail and next head and scores the records that straddled.
 * So a record split across frames is scored once, exactly as in one
 * stream, and the output is byte-identical for any number of threads or
 * ranks.  See docs/parallel.md. */
#ifndef HALD_ENGINE_H
#define HALD_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/output.h"
#include "hald/pipeline.h"
#include "hald/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Decoded text per unit of unaligned input. */
#define HALD_UNIT_TEXT (UINT64_C(4) << 20)
/* Compressed bytes per unit of multi-frame zstd (whole frames). */
#define HALD_UNIT_FRAMES (UINT64_C(1) << 20)
/* Largest compressed frame taken whole; the rest of a file from a larger
 * frame on is decoded as one stream by the reading thread. */
#define HALD_FRAME_MAX (UINT64_C(64) << 20)
/* Largest decoded unit, and largest record a join may hold. */
#define HALD_UNIT_TEXT_MAX (UINT64_C(256) << 20)

/* How units reach other ranks; NULL for a single process.  Implemented over
 * MPI in src/mpi_transport.c.  Calls may come from any thread of the
 * engine, never from two at once for the same direction. */
typedef struct hald_transport {
    int n_ranks; /* including the caller */
    void *ctx;
    /* Rank 0: hands a serialised unit to rank r (1 <= r < n_ranks).  Sends
     * take the message's buffer (no copy) and leave msg empty. */
    int (*send_unit)(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err);
    /* Rank 0: the next result of rank r into msg: 1 when one arrived, 0 not
     * yet, negative on error. */
    int (*poll_result)(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err);
    /* Rank 0: no more units; every rank's serve loop ends. */
    int (*send_end)(void *ctx, hald_error_t *err);
    /* Other ranks: the next unit into msg: 1 unit, 0 not yet, 2 end,
     * negative on error. */
    int (*poll_unit)(void *ctx, hald_buf_t *msg, hald_error_t *err);
    /* Other ranks: returns a serialised result to rank 0. */
    int (*send_result)(void *ctx, hald_buf_t *msg, hald_error_t *err);
} hald_transport_t;

typedef struct hald_engine_opts {
    hald_run_opts_t run;       /* models, format, output format, strict, threads */
    uint64_t shard_index;      /* --shard I/N (0-based I); shard_count 0: whole input */
    uint64_t shard_count;
    int progress;              /* report progress through progress_fn */
    void (*progress_fn)(void *ctx, const hald_run_stats_t *st, double seconds, int final);
    void *progress_ctx;
} hald_engine_opts_t;

void hald_engine_opts_init(hald_engine_opts_t *o);

/* Scores the input at `path` ("-": stdin) into out (begun by the caller).
 * With a transport, this is rank 0 of the job and the other ranks run
 * hald_engine_serve.  Returns HALD_OK or a negative status with err naming
 * the file, the record (or frame, or rank) and the reason. */
int hald_engine_run(const hald_scorer_t *scorer, const char *path, hald_score_writer_t *out,
                    const hald_engine_opts_t *opts, const hald_transport_t *transport,
                    hald_run_stats_t *stats, hald_error_t *err);

/* Ranks other than 0: processes units from rank 0 until it says end.
 * `name` (the input's) is used in messages. */
int hald_engine_serve(const hald_scorer_t *scorer, const char *name,
                      const hald_engine_opts_t *opts, const hald_transport_t *transport,
                      hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
