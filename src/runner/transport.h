/* hald (internal) — how units reach other ranks.
 *
 * Implemented over MPI in src/runner/mpi_transport.c; a run on one
 * process has no transport (NULL).  Calls may come from any thread of the
 * runner, never from two at once for the same direction. */
#ifndef HALD_RUNNER_TRANSPORT_H
#define HALD_RUNNER_TRANSPORT_H

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/mpi.h"
#include "hald/run.h"

typedef struct hald_transport {
    int n_ranks; /* including the caller */
    int rank;    /* the caller's */
    void *ctx;
    /* Rank 0: hands a serialised unit to rank r (1 <= r < n_ranks).  Sends
     * take the message's buffer (no copy) and leave msg empty. */
    int (*send_unit)(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err);
    /* Rank 0: the next result of rank r into msg: 1 when one arrived, 0 not
     * yet, negative on error. */
    int (*poll_result)(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err);
    /* Rank 0: no more units; every worker rank's loop ends. */
    int (*send_end)(void *ctx, hald_error_t *err);
    /* Other ranks: the next unit into msg: 1 unit, 0 not yet, 2 end,
     * negative on error. */
    int (*poll_unit)(void *ctx, hald_buf_t *msg, hald_error_t *err);
    /* Other ranks: returns a serialised result to rank 0. */
    int (*send_result)(void *ctx, hald_buf_t *msg, hald_error_t *err);

    /* Output written in place (runner/place.h).  Rank 0: tells every other
     * rank the file to write into, and sends rank r a batch of orders (in
     * order with its units: poll_unit gives 4 for the file's path, 3 for
     * orders). */
    int (*send_open)(void *ctx, const char *path, hald_error_t *err);
    int (*send_orders)(void *ctx, int rank, hald_buf_t *msg, hald_error_t *err);
    /* Other ranks: the output file, opened for writing at given offsets. */
    int (*out_open)(void *ctx, const char *path, hald_error_t *err);
    int (*out_write)(void *ctx, uint64_t offset, const void *buf, size_t len, hald_error_t *err);
    int (*out_close)(void *ctx, hald_error_t *err);

    /* Other ranks, after the end: what this rank read and moved, to rank
     * 0, which waits for every rank's before it returns (so the output is
     * complete on disk before it is renamed into place). */
    int (*send_done)(void *ctx, const hald_rank_io_t *io, hald_error_t *err);
    int (*poll_done)(void *ctx, int rank, hald_rank_io_t *io, hald_error_t *err);
    /* MPI payload bytes this process has sent and received so far. */
    void (*traffic)(void *ctx, uint64_t *sent, uint64_t *received);
} hald_transport_t;

/* The transport over an MPI job's ranks; *tp is left with n_ranks 1 when
 * m is NULL (one process). */
void hald_mpi_transport(hald_mpi_t *m, hald_transport_t *tp);

#endif
