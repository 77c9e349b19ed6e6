/* hald — score output formats.
 *
 * TSV: a header line `id` + one column per model (mean, regions), one row
 * per record in input order, `NA` where unscorable, numbers as %.15g.
 *
 * Binary (docs/binary-format.md): a 64-byte little-endian header
 *   0  magic "HALDSCR\0"        8 bytes
 *   8  version (1)              u32
 *   12 number of models k       u32
 *   16 number of records        u64 (UINT64_MAX: unknown, written to a pipe)
 *   24 model codes, k bytes (1 mean, 2 regions), zero padded to 8
 *   32 flags (bit 0: --any-length) u32
 *   36 header size (64)         u32
 *   40 zero                     24 bytes
 * then records × k float64 little-endian, record-major, NaN for NA.
 *
 * Formatting a batch is a pure function into a buffer, so worker threads
 * can format while the writer only writes, in order. */
#ifndef HALD_OUTPUT_H
#define HALD_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

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

#define HALD_BIN_MAGIC "HALDSCR"
#define HALD_BIN_VERSION 1u
#define HALD_BIN_HEADER_SIZE 64u
#define HALD_BIN_UNKNOWN_COUNT UINT64_MAX
#define HALD_BIN_FLAG_ANY_LENGTH 1u

typedef struct hald_bin_header {
    uint32_t n_models;
    hald_model_t models[HALD_N_MODELS]; /* column order */
    uint64_t n_records;
    uint32_t flags;
} hald_bin_header_t;

void hald_bin_header_init(hald_bin_header_t *h, hald_model_set_t set, uint32_t flags);
void hald_bin_header_encode(const hald_bin_header_t *h, uint8_t out[HALD_BIN_HEADER_SIZE]);
/* Checks magic, version, sizes and model codes; err names `name`. */
int hald_bin_header_decode(const uint8_t in[HALD_BIN_HEADER_SIZE], const char *name,
                           hald_bin_header_t *h, hald_error_t *err);

/* The TSV header line for a model set, with its newline. */
int hald_tsv_header(hald_model_set_t set, hald_buf_t *out, hald_error_t *err);

/* Appends the rows of one scored batch (scores as from hald_score_batch). */
int hald_format_rows(hald_out_format_t fmt, hald_model_set_t set, const hald_batch_t *b,
                     const double *scores, hald_buf_t *out, hald_error_t *err);

/* Appends one TSV row from an id and k scores (NaN printed as NA). */
int hald_tsv_row(const char *id, size_t id_len, const double *scores, int k,
                 hald_buf_t *out, hald_error_t *err);

/* Writes scores to a sink in one format: header first, batches in order,
 * then finishes (patches the binary record count where the sink can). */
typedef struct hald_score_writer {
    hald_sink_t *sink;
    hald_out_format_t format;
    hald_bin_header_t bin;
    uint64_t records;
} hald_score_writer_t;

int hald_score_writer_begin(hald_score_writer_t *w, hald_sink_t *sink, hald_out_format_t fmt,
                            hald_model_set_t set, uint32_t flags, hald_error_t *err);
/* Writes an already formatted block of rows holding n records. */
int hald_score_writer_rows(hald_score_writer_t *w, const hald_buf_t *rows, size_t n,
                           hald_error_t *err);
int hald_score_writer_finish(hald_score_writer_t *w, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
