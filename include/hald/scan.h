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
#include "hald/error.h"
#include "hald/hexamer.h"
#include "hald/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bases of context a site needs on each side of its start. */
#define HALD_SCAN_LEFT 80
#define HALD_SCAN_RIGHT 82

/* Prefix sums of per-row lanes over the positions of a chunk.  Each
 * table row holds HALD_SCAN_LANES entries of 48 bits packed in one 64-byte
 * cache line: entry i at bytes [6i, 6i + 6), little-endian, stored with a
 * bias of 2^47 (s + 2^47 for a weight s in fixed point) so that loading it
 * is a plain zero extension; a window sum of k rows subtracts k·2^47.
 *
 * The sums live in a ring of HALD_SCAN_RING slots (small enough for the L1
 * cache), HALD_SCAN_RING_WORDS words: lanes 0..7 of slot k at words
 * [8k, 8k + 8), lanes 8..9 at [8·RING + 2k, 8·RING + 2k + 2), so that both
 * parts are aligned vector stores.  For position i < m, slot
 * (first + i + 1) & (RING − 1) = slot (first + i) & (RING − 1) + table[rows[i]],
 * lane by lane, modulo 2^64 (differences of prefixes are exact window
 * sums).  Scalar and AVX2 versions, identical by construction. */
#define HALD_SCAN_LANES 10
#define HALD_SCAN_RING 256
#define HALD_SCAN_RING_WORDS (HALD_SCAN_RING * HALD_SCAN_LANES)
#define HALD_SCAN_ROW_BYTES 64
typedef uint8_t hald_scan_row_t[HALD_SCAN_ROW_BYTES];
typedef void (*hald_scan_prefix_fn)(const hald_scan_row_t *table, const uint16_t *rows, size_t m,
                                    uint64_t *ring, size_t first);
void hald_scan_prefix_scalar(const hald_scan_row_t *table, const uint16_t *rows, size_t m,
                             uint64_t *ring, size_t first);
void hald_scan_prefix_avx2(const hald_scan_row_t *table, const uint16_t *rows, size_t m,
                           uint64_t *ring, size_t first);

/* Bit k of *plus: bases[k..k+1] is GT (any case, U as T); of *minus: AC.
 * n <= 64 positions; reads bases[0..n] (the base after the last position
 * must exist). */
typedef void (*hald_scan_masks_fn)(const char *bases, size_t n, uint64_t *plus, uint64_t *minus);
void hald_scan_site_masks_scalar(const char *bases, size_t n, uint64_t *plus, uint64_t *minus);
void hald_scan_site_masks_avx2(const char *bases, size_t n, uint64_t *plus, uint64_t *minus);

/* Fixed-point tables: every weight w stored as round(w·2^exp), with exp
 * the largest that keeps every weight of the model within 47 bits. */
typedef struct hald_scan_tables {
    _Alignas(64) hald_scan_row_t rows[HALD_N_HEXAMERS + 1]; /* 4096 = invalid: zero weights */
    int mean_exp, regions_exp;
    double mean_scale, regions_scale; /* 2^-exp */
    /* Columns 2..5 by row (plus strand; minus: of the reverse-complement
     * row), for the one-hexamer regions. */
    int64_t single_p[4][HALD_N_HEXAMERS + 1], single_m[4][HALD_N_HEXAMERS + 1];
    /* The two mean lanes alone (plus, minus; no bias), for mean-only scans. */
    int64_t mean_lanes[HALD_N_HEXAMERS + 1][2];
    hald_hexamer_fn hexamers;
    hald_scan_prefix_fn prefix;
    hald_scan_masks_fn masks;
} hald_scan_tables_t;

/* Allocated (64-byte aligned) and filled from a scorer; NULL when out of
 * memory.  Free with hald_scan_tables_free. */
hald_scan_tables_t *hald_scan_tables_new(const hald_scorer_t *scorer, hald_error_t *err);
void hald_scan_tables_free(hald_scan_tables_t *t);

/* One scored site (32 bytes, no padding: arrays of them compare as bytes). */
typedef struct hald_scan_site {
    uint64_t start;
    double mean, regions;
    uint32_t name;        /* index into the caller's list (sites mode), or UINT32_MAX */
    char strand;          /* '+' or '-' */
    uint8_t canonical;    /* the reference has GT (+) or AC (-) there */
    uint8_t na_mean, na_regions; /* hald_na_t reasons, 0 if scored */
} hald_scan_site_t;

/* Scores every GT/AC site with start in [s_lo, s_hi) of a sequence of
 * length seq_len, given its bases [b0, b0 + n) (b0 = max(0, s_lo − 80);
 * b0 + n = min(seq_len, s_hi + 82)), appending sites in order (start, then
 * '+' before '-').  With models == HALD_MODELS_MEAN only the mean is
 * computed (regions is NaN), on two lanes instead of ten: the same mean
 * bits, at about twice the speed. */
int hald_scan_chunk(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                    uint64_t seq_len, uint64_t s_lo, uint64_t s_hi, hald_model_set_t models,
                    hald_buf_t *sites, hald_error_t *err);

/* Scores one given site (start, strand) from bases [b0, b0 + n) that cover
 * its window where the sequence has it; NA (length) if the window leaves the
 * sequence.  The same prefix sums over one window: the same bits as
 * hald_scan_chunk gives the site. */
void hald_scan_one(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                   uint64_t seq_len, uint64_t start, char strand, hald_scan_site_t *out);
/* Scores many given sites at once: each sites[i] has start and strand set
 * (and name, kept), sorted by start then '+' before '-'; the rest is
 * filled as hald_scan_one fills it, with the same bits.  Sites close
 * together share one pass of prefix sums, so a site costs a few
 * subtractions, not a window. */
void hald_scan_sites(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                     uint64_t seq_len, hald_scan_site_t *sites, size_t n_sites);

/* A site's window sums in fixed point, from which its scores come: the
 * mean lane over its 155 hexamers, the regions model's sum, and how many
 * of the 155 and of the regions model's used hexamers are invalid (the
 * regions sum is kept even then).  A window that differs from it in a few
 * hexamers (a substitution) is these sums plus those rows' differences:
 * no prefix pass, and the same integers as scanning the changed sequence. */
typedef struct hald_scan_sums {
    int64_t mean, regions;
    uint32_t invalid, used_invalid;
} hald_scan_sums_t;

/* hald_scan_sites, with each site's sums (zero for a site whose window
 * leaves the sequence). */
void hald_scan_sites_sums(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                          uint64_t seq_len, hald_scan_site_t *sites, hald_scan_sums_t *sums,
                          size_t n_sites);

/* Rows a substitution changes (its bases and the five hexamers before),
 * with running sums of their differences per lane, so that any window's
 * share of them is one subtraction per term. */
#define HALD_SCAN_CHANGE_MAX 64
typedef struct hald_scan_change {
    uint64_t q0;             /* position of the first row */
    size_t m;
    uint16_t ref_rows[HALD_SCAN_CHANGE_MAX], alt_rows[HALD_SCAN_CHANGE_MAX];
    int64_t lanes[HALD_SCAN_LANES][HALD_SCAN_CHANGE_MAX + 1];
    int32_t invalid[HALD_SCAN_CHANGE_MAX + 1];
} hald_scan_change_t;

/* Prepares the change of rows q0 .. q0 + m − 1 from ref_rows to alt_rows;
 * -1 if m > HALD_SCAN_CHANGE_MAX. */
int hald_scan_change_init(const hald_scan_tables_t *t, hald_scan_change_t *c, uint64_t q0,
                          const uint16_t *ref_rows, const uint16_t *alt_rows, size_t m);

/* The scores (mean, regions and their NA reasons) of the site (start,
 * strand) with sums ref once the change is made (the window stays in
 * place): the same bits as scanning the changed sequence. */
void hald_scan_alt_sums(const hald_scan_tables_t *t, const hald_scan_change_t *c,
                        const hald_scan_sums_t *ref, uint64_t start, char strand,
                        hald_scan_site_t *out);

#ifdef __cplusplus
}
#endif
#endif
