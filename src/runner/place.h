/* hald (internal) — output written in place by the ranks that made it.
 *
 * When the output is a regular file, a rank other than 0 keeps the output
 * of each unit it worked on and sends rank 0 only a skeleton: the output's
 * size and, for binary chunks, the chunk heads.  Rank 0's writer runs
 * exactly as always, over a stand-in buffer of the same size (the
 * phantom): every write its sink is asked to make from a phantom becomes
 * an order (unit, offset in the unit's output, length, file offset) to
 * the rank that holds the bytes, and the sink leaves a gap there.  The
 * rank writes the bytes into the file itself (MPI-IO), and frees the
 * output when rank 0 says the writer is done with it.
 *
 * So rank 0 moves counts, never result bytes, and the file holds exactly
 * the bytes a gathered run writes: the writer decides every offset, in
 * order, as before.  The phantom is never read beyond its chunk heads: a
 * job makes a unit placeable only when its writer needs nothing else
 * (TSV rows written whole; binary chunks cut where blocks begin, or
 * without names, so that the blocker never looks inside one). */
#ifndef HALD_RUNNER_PLACE_H
#define HALD_RUNNER_PLACE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "transport.h"
#include "unit.h"

/* ---------------------------------------------------------------- workers */

typedef struct hald_place_kept {
    uint64_t seq;
    hald_buf_t out;
} hald_place_kept_t;

/* The outputs a worker rank keeps until rank 0 has placed them.  Holding
 * happens in the write step and orders come in the read step, which may
 * run at once on two threads: hence the lock. */
typedef struct hald_place_keep {
    pthread_mutex_t lock;
    hald_place_kept_t *v;
    size_t n, cap;
    hald_buf_t spare[4];     /* freed outputs' memory, for the next units */
    size_t n_spare;
} hald_place_keep_t;

int hald_place_keep_init(hald_place_keep_t *k);
/* Keeps u's output; u->out becomes its skeleton and u->held its size.
 * record_size: 0 when the output is plain bytes, else the size of a
 * record in its binary chunks. */
int hald_place_hold(hald_place_keep_t *k, hald_unit_t *u, size_t record_size, hald_error_t *err);
/* Carries out a batch of orders from rank 0: writes into the output file
 * through tp, and frees what rank 0 is done with. */
int hald_place_execute(hald_place_keep_t *k, const hald_buf_t *orders, const hald_transport_t *tp,
                       hald_error_t *err);
/* Outputs still kept. */
size_t hald_place_kept(hald_place_keep_t *k);
void hald_place_keep_free(hald_place_keep_t *k);

/* ---------------------------------------------------------------- rank 0 */

typedef struct hald_place_entry {
    const char *base;        /* the phantom */
    size_t len;
    int rank;
    uint64_t seq;
    uint64_t left;           /* bytes not yet ordered written */
} hald_place_entry_t;

typedef struct hald_place_plan {
    size_t record_size;
    int n_ranks;
    hald_place_entry_t *v;
    size_t n, cap;
    hald_buf_t *orders;      /* per rank, not yet sent */
    hald_buf_t skeleton;     /* scratch */
} hald_place_plan_t;

int hald_place_plan_init(hald_place_plan_t *p, int n_ranks, size_t record_size, hald_error_t *err);
/* A result that came back as a skeleton (u->held > 0): u->out becomes its
 * phantom, registered as held by u->rank. */
int hald_place_expand(hald_place_plan_t *p, hald_unit_t *u, hald_error_t *err);
/* The sink's divert hook (hald_sink_set_divert): bytes of a phantom
 * become an order to write them at `at`. */
int hald_place_divert(void *plan, const void *buf, size_t len, uint64_t at, hald_error_t *err);
/* Sends the orders made since the last flush. */
int hald_place_flush(hald_place_plan_t *p, const hald_transport_t *tp, hald_error_t *err);
/* Phantoms the writer has not written whole yet. */
size_t hald_place_open(const hald_place_plan_t *p);
void hald_place_plan_free(hald_place_plan_t *p);

#endif
