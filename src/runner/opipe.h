/* hald (internal) — an ordered pipeline: read → work → write over a ring
 * of slots.
 *
 * Reading and writing are serial and in order; work runs on any number of
 * threads at once.  Every thread takes whichever step is ready (write
 * first, then read, then work), so one thread degrades to a plain loop
 * and N threads overlap decoding, scoring and writing.  The ring bounds
 * memory: at most n_slots units exist at a time (minimap2's kt_pipeline is
 * the model). */
#ifndef HALD_OPIPE_H
#define HALD_OPIPE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A read or write may answer "not yet" (a message has not arrived): the
 * thread does other steps and asks again shortly. */
#define HALD_OPIPE_AGAIN 2

typedef struct hald_opipe_steps {
    /* Fills `slot` with the next unit: returns 1, 0 at the end,
     * HALD_OPIPE_AGAIN, or a negative status (the run stops). */
    int (*read)(void *ctx, void *slot);
    /* Processes a filled slot; errors are kept in the slot for write.
     * `worker` (0 .. n_threads − 1) names the calling thread, so that each
     * thread can keep its own scratch memory from unit to unit. */
    void (*work)(void *ctx, void *slot, int worker);
    /* Consumes a processed slot, in read order: HALD_OK,
     * HALD_OPIPE_AGAIN, or a negative status (the run stops). */
    int (*write)(void *ctx, void *slot);
} hald_opipe_steps_t;

/* Runs the pipeline on n_threads threads (the caller's and n_threads − 1
 * POSIX threads) over slots[0..n_slots).  Returns HALD_OK, the first
 * failed write's status, or else a failed read's: after a read fails, the
 * units read before it are still worked on and written, so a failure is
 * reported in input order whatever the threads' timing. */
int hald_opipe_run(const hald_opipe_steps_t *steps, void *ctx, void **slots, size_t n_slots,
                   int n_threads);

#ifdef __cplusplus
}
#endif
#endif
