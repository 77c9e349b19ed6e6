/* hald — the shared halves of every parallel run: slots for the ordered
 * pipeline, and the loop a rank other than 0 runs (receive a unit, process
 * it, send its result back, in order). */
#ifndef HALD_SERVE_H
#define HALD_SERVE_H

#include <stddef.h>

#include "hald/buf.h"
#include "hald/engine.h"
#include "hald/error.h"
#include "hald/opipe.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How to make, process and ship one kind of unit. */
typedef struct hald_unit_ops {
    size_t size;                 /* bytes of one unit */
    void (*init)(void *unit);    /* zero is not enough: buffers to set up */
    void (*fini)(void *unit);
    int (*decode)(const hald_buf_t *msg, void *unit, hald_error_t *err);
    void (*process)(void *ctx, void *unit);
    /* May move the unit's buffers into msg (the unit is reset before reuse). */
    int (*encode_result)(void *unit, hald_buf_t *msg, hald_error_t *err);
} hald_unit_ops_t;

/* Runs steps over n_slots units made with ops->init on `threads` threads. */
int hald_run_slots(const hald_opipe_steps_t *steps, void *ctx, const hald_unit_ops_t *ops,
                   size_t n_slots, int threads);

/* Rank 0 deals units: to another rank while it has fewer than `limit`
 * units in flight, else it keeps the unit itself.  Rank 0 also reads and
 * writes, so dealing round-robin made it the slowest rank; this way it
 * works only when the others are busy.  pick() is called by the (serial)
 * read step, done() by the (serial) write step, perhaps on another thread. */
typedef struct hald_dealer {
    int n_ranks, limit, next;
    int *in_flight; /* per rank, updated atomically */
} hald_dealer_t;

int hald_dealer_init(hald_dealer_t *d, int n_ranks, int limit, hald_error_t *err);
void hald_dealer_free(hald_dealer_t *d);
/* The rank for the next unit (0: this one). */
int hald_dealer_pick(hald_dealer_t *d);
/* A result from `rank` has been consumed. */
void hald_dealer_done(hald_dealer_t *d, int rank);

/* A rank other than 0: units from rank 0 until it says end, processed on
 * `threads` threads with ops->process(ctx, unit), results back in order. */
int hald_serve(const hald_transport_t *tp, const hald_unit_ops_t *ops, void *ctx, int threads,
               hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
