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
    int (*encode_result)(const void *unit, hald_buf_t *msg, hald_error_t *err);
} hald_unit_ops_t;

/* Runs steps over n_slots units made with ops->init on `threads` threads. */
int hald_run_slots(const hald_opipe_steps_t *steps, void *ctx, const hald_unit_ops_t *ops,
                   size_t n_slots, int threads);

/* A rank other than 0: units from rank 0 until it says end, processed on
 * `threads` threads with ops->process(ctx, unit), results back in order. */
int hald_serve(const hald_transport_t *tp, const hald_unit_ops_t *ops, void *ctx, int threads,
               hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
