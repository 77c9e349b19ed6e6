/* hald — writing scored donor sites (hald scan): TSV, BED6, bedGraph or
 * the binary container.
 *
 *   TSV       chrom start end strand <models> [name canonical]
 *   BED       BED6 with one model's score in column 5, NA sites left out
 *   bedGraph  one strand and one model, NA sites left out
 *   bin       SITE blocks (docs/binary-format.md), sequence names in NAME
 *             blocks before the block holding a sequence's first site
 *
 * Formatting sites is a pure function into a buffer (worker threads); the
 * writer writes what they formatted, in order. */
#ifndef HALD_SITE_WRITER_H
#define HALD_SITE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "hald/binfmt.h"
#include "hald/buf.h"
#include "hald/error.h"
#include "hald/scan.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hald_scan_out {
    HALD_SCAN_OUT_TSV = 0,
    HALD_SCAN_OUT_BED,
    HALD_SCAN_OUT_BEDGRAPH,
    HALD_SCAN_OUT_BIN
} hald_scan_out_t;

/* "tsv", "bed", "bedgraph" or "bin"; -1 if unknown. */
int hald_scan_out_parse(const char *s, hald_scan_out_t *out);

typedef struct hald_site_format {
    hald_scan_out_t format;
    hald_model_set_t models; /* BED and bedGraph: one model */
    char strand;             /* bedGraph: '+' or '-' */
    int named;               /* sites from a list: TSV gets name and canonical columns */
} hald_site_format_t;

/* Sites of one sequence.  names[i] is site i's name ("" for none) when
 * the format is named; NULL otherwise. */
typedef struct hald_site_rows {
    const char *chrom;       /* NUL-terminated */
    size_t chrom_len;
    uint32_t chrom_index;    /* 0-based, in FASTA order */
    const hald_scan_site_t *sites;
    size_t n;
    const char *const *names;
} hald_site_rows_t;

/* Appends the sites in the format; *not_written grows by the NA sites BED
 * and bedGraph leave out (bedGraph's other strand is not counted). */
int hald_site_format_rows(const hald_site_format_t *f, const hald_site_rows_t *rows,
                          hald_buf_t *out, uint64_t *not_written, hald_error_t *err);

/* Binary, unnamed: the bare records of rows, for a caller that frames many
 * calls as one chunk (hald_bin_chunk_begin / _end), so that the writer
 * writes whole blocks from where they lie. */
int hald_site_bin_records(const hald_site_format_t *f, const hald_site_rows_t *rows,
                          hald_buf_t *out, hald_error_t *err);

/* Writes formatted sites to a sink in order: the header (TSV header, the
 * bedGraph track line, the binary header), the units' sites, the end. */
typedef struct hald_site_writer {
    hald_sink_t *sink;
    hald_site_format_t f;
    uint64_t sites;
    int64_t named_index;     /* binary: the last sequence named */
    hald_bin_blocker_t blocks;
} hald_site_writer_t;

int hald_site_writer_begin(hald_site_writer_t *w, hald_sink_t *sink, const hald_site_format_t *f,
                           hald_error_t *err);
/* Writes n formatted sites of sequence chrom_index (chrom names it).  The
 * binary writer may keep the buffer's memory (giving back a spare one). */
int hald_site_writer_put(hald_site_writer_t *w, uint32_t chrom_index, const char *chrom,
                         hald_buf_t *sites, uint64_t n, hald_error_t *err);
/* Writes the end (binary); free frees the writer's memory. */
int hald_site_writer_finish(hald_site_writer_t *w, hald_error_t *err);
void hald_site_writer_free(hald_site_writer_t *w);

/* The header the writer starts with, for formats that have one. */
int hald_site_header(const hald_site_format_t *f, hald_buf_t *out, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
