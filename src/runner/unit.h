/* hald (internal) — a unit of work as the runner sees it.
 *
 * Every job's unit is a struct that starts with hald_unit_t and adds the
 * fields its source and writer need.  A table of those fields (a layout)
 * is all the runner needs to reset a unit for reuse, free it, and ship it
 * to another rank and back: there is one codec for every kind of unit.
 *
 * Shipped fields are u64 arrays, byte buffers and the error.  One buffer
 * each way is the bulk (the text or bases going out, the formatted output
 * coming back): it moves into the message and the other fields are
 * appended after it, with a trailer giving its length, so the bulk of a
 * message is never copied on either side. */
#ifndef HALD_RUNNER_UNIT_H
#define HALD_RUNNER_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/score.h"

typedef struct hald_unit {
    uint64_t seq;            /* order in the input */
    int rank;                /* who works on it; 0 is this process */
    hald_error_t err;        /* the work step's failure */
    uint64_t items;          /* records, sites... the unit produced */
    uint64_t na[HALD_N_MODELS][HALD_N_NA]; /* unscorable items by model and reason */
    hald_buf_t out;          /* formatted output, written in order */
    uint64_t held;           /* > 0: the worker holds the output, of this size,
                              * and out is its skeleton (runner/place.h) */
} hald_unit_t;

typedef enum hald_field_kind {
    HALD_FIELD_U64 = 1,      /* an array of uint64_t */
    HALD_FIELD_BUF = 2       /* a hald_buf_t */
} hald_field_kind_t;

/* Which way a field travels between ranks. */
typedef enum hald_field_dir {
    HALD_KEEP = 0,           /* scratch: never shipped, reset to empty */
    HALD_TO_WORKER = 1,      /* rank 0 → the rank that works on the unit */
    HALD_TO_WRITER = 2,      /* back to rank 0 with the result */
    HALD_BOTH = 3
} hald_field_dir_t;

typedef struct hald_unit_field {
    hald_field_kind_t kind;
    hald_field_dir_t dir;
    size_t offset;
    size_t count;            /* u64 fields: number of words */
} hald_unit_field_t;

#define HALD_UNIT_U64(type, member, dir) \
    {HALD_FIELD_U64, (dir), offsetof(type, member), sizeof(((type *)0)->member) / 8}
#define HALD_UNIT_BUF(type, member, dir) {HALD_FIELD_BUF, (dir), offsetof(type, member), 0}

typedef struct hald_unit_layout {
    size_t size;                       /* sizeof the job's unit struct */
    const hald_unit_field_t *fields;   /* the job's own fields (not the base) */
    size_t n_fields;
    size_t bulk_to_worker;             /* offset of a HALD_TO_WORKER buffer, or 0: none */
} hald_unit_layout_t;

/* A unit with every buffer empty. */
void hald_unit_init(const hald_unit_layout_t *l, void *unit);
/* Empties a unit for the next input, keeping its buffers' memory. */
void hald_unit_reset(const hald_unit_layout_t *l, void *unit);
void hald_unit_free(const hald_unit_layout_t *l, void *unit);

/* The unit's `dir` fields into msg (HALD_TO_WORKER: what a rank needs to
 * work on it; HALD_TO_WRITER: its result).  The bulk buffer moves into msg
 * and the unit gets msg's old memory in its place. */
int hald_unit_encode(const hald_unit_layout_t *l, void *unit, hald_field_dir_t dir,
                     hald_buf_t *msg, hald_error_t *err);
/* The reverse; msg gets the unit's old bulk memory.  A message that does
 * not parse, or one for another unit (seq), is an error. */
int hald_unit_decode(const hald_unit_layout_t *l, hald_buf_t *msg, void *unit,
                     hald_field_dir_t dir, hald_error_t *err);

#endif
