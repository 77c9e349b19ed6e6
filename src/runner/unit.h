/* Internal to the engine: one unit of work and what processing it gives.
 * Not part of the public API (src/, not include/hald/). */
#ifndef HALD_UNIT_H
#define HALD_UNIT_H

#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/output.h"
#include "hald/records.h"
#include "hald/score.h"

typedef enum unit_kind {
    UNIT_TEXT = 1,   /* decoded text */
    UNIT_FRAMES = 2  /* whole compressed zstd frames */
} unit_kind_t;

/* What every rank must agree on to process a unit the same way. */
typedef struct unit_cfg {
    const hald_scorer_t *scorer;
    hald_model_set_t models;
    hald_out_format_t out_format;
    uint64_t max_stored;
    int strict;
    const char *input_name; /* for messages */
} unit_cfg_t;

typedef struct unit_result {
    hald_error_t err;        /* err.code != HALD_OK: the unit failed */
    int body_error;          /* the failure is in the body's records: the
                                writer re-parses the body for global numbers */
    int has_start;           /* a record starts inside the text */
    uint64_t n_records;      /* in the body */
    uint64_t na[HALD_N_MODELS][HALD_N_NA];
    int64_t first_na;        /* local index in the body, -1 if none */
    uint64_t nl_body;        /* newlines in the body (lines format) */
    hald_buf_t rows;         /* formatted rows, or deferred: u64 local line + k doubles */
    hald_buf_t head, tail;   /* text before the first / from the last record start */
    hald_buf_t body;         /* the body text, kept only when the writer needs it */
} unit_result_t;

typedef struct unit {
    uint64_t seq;            /* order of the unit in the input */
    unit_kind_t kind;
    hald_format_t format;
    int aligned;             /* starts and ends at record boundaries, bases known */
    int deferred;            /* lines-format TSV of an unaligned unit: the writer formats */
    uint64_t record_base;    /* aligned: 0-based index of the first record */
    uint64_t line_base;      /* aligned: 1-based number of the first line */
    uint64_t in_offset;      /* compressed offset (UNIT_FRAMES), for messages */
    int rank;                /* who processes it: 0 is this process */
    hald_buf_t input;        /* text, or compressed frames */
    hald_buf_t text;         /* decoded frames */
    struct ZSTD_DCtx_s *dctx; /* kept from unit to unit of a slot */
    unit_result_t res;
} unit_t;

void unit_init(unit_t *u);
void unit_reset(unit_t *u);
void unit_free(unit_t *u);

/* Decodes (frames), cuts at record starts (unaligned) and scores the body. */
void unit_process(const unit_cfg_t *cfg, unit_t *u);

/* Scores whole records of text with the given bases: rows (formatted, or
 * deferred), counts, NA tallies and the first NA.  Returns HALD_OK or the
 * parser's error. */
int unit_score_text(const unit_cfg_t *cfg, hald_format_t fmt, const char *text, size_t len,
                    uint64_t record_base, uint64_t line_base, int deferred,
                    unit_result_t *res, hald_error_t *err);

/* Serialisation for the transport. */
int unit_encode(const unit_t *u, hald_buf_t *msg, hald_error_t *err);
int unit_decode(const hald_buf_t *msg, unit_t *u, hald_error_t *err);
int unit_result_encode(const unit_t *u, hald_buf_t *msg, hald_error_t *err);
int unit_result_decode(const hald_buf_t *msg, unit_t *u, hald_error_t *err);

#endif
