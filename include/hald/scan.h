/* hald — scoring every donor site of a genome (hald scan).
 *
 * A site is named by its GT dinucleotide in 0-based half-open plus-strand
 * coordinates: a plus-strand site has its G at `start` and window
 * plus[start−80, start+80); a minus-strand site is the AC at
 * [start, start+2) and its window is the reverse complement of
 * plus[start+2−80, start+2+80).  Sites whose window leaves the sequence are
 * skipped.
 *
 * Neighbouring windows share hexamers, so the scanner keeps prefix sums
 * of every table over the sequence (one row of table entries per base, not
 * 155 look-ups per site).  The sums are kept in 64-bit fixed point, where addition is exact:
 * a score is the same integer whichever chunk, thread or rank computed it,
 * so output is byte-identical for any split of the genome. */
#ifndef HALD_SCAN_H
#define HALD_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/engine.h"
#include "hald/error.h"
#include "hald/score.h"
#include "hald/sink.h"
#include "hald/sites.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bases of context a site needs on each side of its start. */
#define HALD_SCAN_LEFT 80
#define HALD_SCAN_RIGHT 82

/* Prefix sums of per-row lanes, kept in a ring of HALD_SCAN_RING rows
 * (small enough to stay in the L1 cache): ring[(k + 1) & mask] =
 * ring[k & mask] + lanes[rows[i]] for k = first + i, i < m, lane by lane,
 * modulo 2^64 (differences of prefixes are exact window sums).  Scalar
 * reference and AVX2 versions, identical by construction (integer
 * addition). */
#define HALD_SCAN_LANES 12
#define HALD_SCAN_RING 256
typedef void (*hald_scan_prefix_fn)(const int64_t (*lanes)[HALD_SCAN_LANES], const uint16_t *rows,
                                    size_t m, uint64_t (*ring)[HALD_SCAN_LANES], size_t first);
void hald_scan_prefix_scalar(const int64_t (*lanes)[HALD_SCAN_LANES], const uint16_t *rows,
                             size_t m, uint64_t (*ring)[HALD_SCAN_LANES], size_t first);
void hald_scan_prefix_avx2(const int64_t (*lanes)[HALD_SCAN_LANES], const uint16_t *rows,
                           size_t m, uint64_t (*ring)[HALD_SCAN_LANES], size_t first);

/* Bit k of *plus: bases[k..k+1] is GT (any case, U as T); of *minus: AC.
 * n <= 64 positions; reads bases[0..n] (the base after the last position
 * must exist). */
typedef void (*hald_scan_masks_fn)(const char *bases, size_t n, uint64_t *plus, uint64_t *minus);
void hald_scan_site_masks_scalar(const char *bases, size_t n, uint64_t *plus, uint64_t *minus);
void hald_scan_site_masks_avx2(const char *bases, size_t n, uint64_t *plus, uint64_t *minus);

/* Fixed-point tables: every term of every window sum, scaled by 2^frac so
 * the largest possible window sum still fits in an int64. */
typedef struct hald_scan_tables {
    int mean_frac, regions_frac;
    double mean_scale, regions_scale; /* 2^-frac */
    /* Per row (4096 = invalid: all zero).  p: plus strand; m: minus strand,
     * i.e. the table of the reverse-complement row. */
    int64_t mean_p[HALD_N_HEXAMERS + 1], mean_m[HALD_N_HEXAMERS + 1];
    int64_t col_p[HALD_N_REGIONS][HALD_N_HEXAMERS + 1];
    int64_t col_m[HALD_N_REGIONS][HALD_N_HEXAMERS + 1];
    /* The same per row, side by side, for the prefix sums: lanes
     * HALD_SCAN_LANES wide (see SCAN_LANE_* in scan.c), lane 10 counting
     * invalid rows.  One row's lanes are read together, so they share
     * cache lines. */
    int64_t lanes[HALD_N_HEXAMERS + 1][HALD_SCAN_LANES];
    hald_hexamer_fn hexamers;
    hald_scan_prefix_fn prefix;
    hald_scan_masks_fn masks;
} hald_scan_tables_t;

void hald_scan_tables_init(hald_scan_tables_t *t, const hald_scorer_t *scorer);

/* One scored site. */
typedef struct hald_scan_site {
    uint64_t start;
    char strand;          /* '+' or '-' */
    uint8_t canonical;    /* the reference has GT (+) or AC (-) there */
    uint8_t na_mean, na_regions; /* hald_na_t reasons, 0 if scored */
    double mean, regions;
    uint32_t name;        /* index into the caller's list (sites mode), or UINT32_MAX */
} hald_scan_site_t;

/* Scores every GT/AC site with start in [s_lo, s_hi) of a sequence of
 * length seq_len, given its bases [b0, b0 + n) (b0 = max(0, s_lo − 80);
 * b0 + n = min(seq_len, s_hi + 82)), appending sites in order (start, then
 * '+' before '-'). */
int hald_scan_chunk(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                    uint64_t seq_len, uint64_t s_lo, uint64_t s_hi, hald_buf_t *sites,
                    hald_error_t *err);

/* Scores one given site (start, strand) from bases [b0, b0 + n) that cover
 * its window where the sequence has it; NA (length) if the window leaves the
 * sequence.  The same prefix sums over one window: the same bits as
 * hald_scan_chunk gives the site. */
void hald_scan_one(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                   uint64_t seq_len, uint64_t start, char strand, hald_scan_site_t *out);

/* ---------------------------------------------------------------- runs */

typedef enum hald_scan_out {
    HALD_SCAN_OUT_TSV = 0,  /* chrom start end strand <models> [name canonical] */
    HALD_SCAN_OUT_BED,      /* BED6, one model's score in column 5 */
    HALD_SCAN_OUT_BEDGRAPH, /* one strand, one model */
    HALD_SCAN_OUT_BIN       /* docs/scan-binary-format.md */
} hald_scan_out_t;

/* "tsv", "bed", "bedgraph" or "bin"; -1 if unknown. */
int hald_scan_out_parse(const char *s, hald_scan_out_t *out);

/* Sites per unit of work (a chunk of one sequence). */
#define HALD_SCAN_CHUNK (UINT64_C(1) << 20)

typedef struct hald_scan_stats {
    uint64_t sequences, bases, sites;
    uint64_t na[HALD_N_MODELS][HALD_N_NA];
    uint64_t not_written; /* NA sites left out of BED / bedGraph */
    uint64_t bytes_in;
} hald_scan_stats_t;

typedef struct hald_scan_opts {
    hald_model_set_t models;
    hald_scan_out_t out_format;
    char strand;                /* bedGraph: '+' or '-' */
    int threads;
    uint64_t chunk;             /* sites per unit: HALD_SCAN_CHUNK (tests use tiny ones) */
    const hald_sites_t *sites;  /* NULL: every GT/AC; else only these */
    void (*progress_fn)(void *ctx, const hald_scan_stats_t *st, double seconds, int final);
    void *progress_ctx;
} hald_scan_opts_t;

void hald_scan_opts_init(hald_scan_opts_t *o);

/* Scans the FASTA at path ("-": stdin) into out (opened, and committed or
 * aborted, by the caller).  With a transport this is rank 0 of the job and
 * the other ranks run hald_scan_serve.  Errors name the file, the line or
 * sequence, and the reason. */
int hald_scan_run(const hald_scan_tables_t *t, const char *path, hald_sink_t *out,
                  const hald_scan_opts_t *o, const hald_transport_t *tp, hald_scan_stats_t *st,
                  hald_error_t *err);

/* Ranks other than 0: chunks from rank 0 until it says end; `name` (the
 * genome's) is used in messages. */
int hald_scan_serve(const hald_scan_tables_t *t, const char *name, const hald_scan_opts_t *o,
                    const hald_transport_t *tp, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
