/* hald — writing scores: TSV or the binary container.
 *
 * TSV: a header line `id` + one column per model (mean, regions), one row
 * per record in input order, `NA` where unscorable, numbers as %.15g.
 * Binary: docs/binary-format.md (hald/binfmt.h), ROWS blocks of float64
 * scores (NaN for NA) followed by the records' ids.
 *
 * Formatting rows is a pure function into a buffer, so worker threads
 * format while the writer only writes, in order. */
#ifndef HALD_SCORE_WRITER_H
#define HALD_SCORE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "hald/binfmt.h"
#include "hald/buf.h"
#include "hald/error.h"
#include "hald/records.h"
#include "hald/score.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hald_out_format {
    HALD_OUT_TSV = 0,
    HALD_OUT_BIN = 1
} hald_out_format_t;

/* "tsv" or "bin"; -1 if unknown. */
int hald_out_format_parse(const char *s, hald_out_format_t *out);

typedef struct hald_score_format {
    hald_out_format_t format;
    hald_model_set_t models;
    int any_length; /* recorded in the binary header */
} hald_score_format_t;

/* Scored rows: n records, k = hald_model_count(models) scores each
 * (record-major), with ids from records[i].id, or, when records is NULL,
 * the numbers line_ids[i] + line_offset (lines-format ids). */
typedef struct hald_score_rows {
    size_t n;
    const double *scores;
    const hald_record_t *records;
    const uint64_t *line_ids;
    uint64_t line_offset;
} hald_score_rows_t;

/* Appends the rows in the format: a TSV row each, or one chunk of binary
 * records that the writer cuts into ROWS blocks (hald/binfmt.h). */
int hald_score_format_rows(const hald_score_format_t *f, const hald_score_rows_t *rows,
                           hald_buf_t *out, hald_error_t *err);

/* The TSV header line for a model set, with its newline. */
int hald_tsv_header(hald_model_set_t set, hald_buf_t *out, hald_error_t *err);
/* Appends one TSV row from an id and k scores (NaN printed as NA). */
int hald_tsv_row(const char *id, size_t id_len, const double *scores, int k,
                 hald_buf_t *out, hald_error_t *err);

/* Writes formatted rows to a sink in order: the header, blocks of rows,
 * then the end (the binary end block). */
typedef struct hald_score_writer {
    hald_sink_t *sink;
    hald_score_format_t f;
    uint64_t records;
    hald_bin_blocker_t blocks;
} hald_score_writer_t;

int hald_score_writer_begin(hald_score_writer_t *w, hald_sink_t *sink,
                            const hald_score_format_t *f, hald_error_t *err);
/* Writes formatted rows holding n records.  The binary writer may keep
 * the buffer's memory (giving back a spare one): rows is empty after. */
int hald_score_writer_put(hald_score_writer_t *w, hald_buf_t *rows, uint64_t n, hald_error_t *err);
int hald_score_writer_finish(hald_score_writer_t *w, hald_error_t *err);
void hald_score_writer_free(hald_score_writer_t *w);

#ifdef __cplusplus
}
#endif
#endif
