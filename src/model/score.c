/* The HAL kernels.  Hexamer rows come from the dispatched (scalar or AVX2)
 * hexamer function; the sums below are shared by all paths so results are
 * bit-identical whatever path computed the rows. */
#include "hald/score.h"

#include <math.h>
#include <string.h>

/* Hexamer starts per pass over a long --any-length sequence: a multiple of
 * 4 so the interleaved partial sums see the same order as one pass would. */
#define MEAN_PASS 4096 /* a multiple of N_SUMS */

/* The regions model's used hexamer starts and their columns, in order. */
typedef struct region_span { uint8_t first, last, column; } region_span_t;
static const region_span_t REGION_SPANS[] = {
    {0, 39, 0}, {40, 69, 1}, {77, 77, 2}, {78, 78, 3},
    {79, 79, 4}, {80, 80, 5}, {86, 114, 6}, {115, 154, 7},
};
#define N_SPANS (sizeof REGION_SPANS / sizeof REGION_SPANS[0])

void hald_scorer_init(hald_scorer_t *s, const hald_weights_t *w, hald_cpu_t cpu,
                      int any_length)
{
    for (int h = 0; h < HALD_N_HEXAMERS; h++) {
        double sum = 0.0;
        for (int c = 0; c < HALD_N_REGIONS; c++) {
            sum += w->w[h][c];
            s->region_w[c][h] = w->w[h][c];
        }
        s->mean_w[h] = sum / HALD_N_REGIONS;
    }
    s->mean_w[HALD_HEX_INVALID] = 0.0;
    for (int c = 0; c < HALD_N_REGIONS; c++)
        s->region_w[c][HALD_HEX_INVALID] = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < N_SPANS; i++)
        for (unsigned b = REGION_SPANS[i].first; b <= REGION_SPANS[i].last; b++, k++)
            s->region_uses[k] = (hald_region_use_t){(uint8_t)b, REGION_SPANS[i].column};
    s->cpu = cpu;
    s->hexamers = hald_hexamer_kernel(cpu);
    s->any_length = any_length;
}

/* Sums run as 8 interleaved partial sums (term i goes to sum i mod 8), so
 * eight independent add chains hide the add latency; the fixed order keeps
 * results bit-identical whatever computed the rows. */
#define N_SUMS 8

static inline double combine(const double acc[N_SUMS])
{
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* GCC's SLP vectoriser packs the eight sums into vectors and loses more in
 * shuffles than it gains (clang has no per-function switch, and needs none:
 * vectorised or not, each lane adds in the same order). */
#if defined(__clang__)
#define ACCUMULATE_ATTRS __attribute__((always_inline))
#else
#define ACCUMULATE_ATTRS __attribute__((optimize("no-tree-slp-vectorize"), always_inline))
#endif

/* Adds the table entries of m rows into acc (m must be a multiple of 8
 * except on the last pass).  Unrolled by hand so the sums stay in
 * registers. */
ACCUMULATE_ATTRS
static inline void accumulate(const double *table, const uint16_t *rows, size_t m, double acc[N_SUMS])
{
    double a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
    double a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    size_t b = 0;
    for (; b + N_SUMS <= m; b += N_SUMS) {
        /* Four rows per load: table look-ups are load-bound, shifts are not. */
        uint64_t lo, hi;
        memcpy(&lo, rows + b, sizeof lo);
        memcpy(&hi, rows + b + 4, sizeof hi);
        a0 += table[lo & 0xFFFF];
        a1 += table[(lo >> 16) & 0xFFFF];
        a2 += table[(lo >> 32) & 0xFFFF];
        a3 += table[lo >> 48];
        a4 += table[hi & 0xFFFF];
        a5 += table[(hi >> 16) & 0xFFFF];
        a6 += table[(hi >> 32) & 0xFFFF];
        a7 += table[hi >> 48];
    }
    double tail[N_SUMS] = {a0, a1, a2, a3, a4, a5, a6, a7};
    for (size_t j = 0; b + j < m; j++)
        tail[j] += table[rows[b + j]];
    memcpy(acc, tail, sizeof tail);
}

/* The mean of a 160-nt window from its hexamer rows. */
static double window_mean(const hald_scorer_t *s, const uint16_t *rows, size_t invalid)
{
    enum { NHEX = HALD_WINDOW_LEN - HALD_HEX_LEN + 1 };
    double acc[N_SUMS] = {0.0};
    accumulate(s->mean_w, rows, NHEX, acc);
    return combine(acc) / (double)(invalid < NHEX ? NHEX - invalid : 1);
}

double hald_score_mean(const hald_scorer_t *s, const char *seq, uint64_t stored,
                       uint64_t len, hald_na_t *why)
{
    *why = HALD_NA_NONE;
    if (!s->any_length && len != HALD_WINDOW_LEN) {
        *why = HALD_NA_LENGTH;
        return NAN;
    }
    if (stored < len) {
        *why = HALD_NA_TOO_LONG;
        return NAN;
    }
    if (len < HALD_HEX_LEN)
        return 0.0;
    uint16_t rows[MEAN_PASS];
    double acc[N_SUMS] = {0.0};
    if (len == HALD_WINDOW_LEN) /* the common case, with constant trip counts */
        return window_mean(s, rows, s->hexamers(seq, HALD_WINDOW_LEN, rows));
    uint64_t nhex = len - (HALD_HEX_LEN - 1), invalid = 0;
    for (uint64_t p = 0; p < nhex; p += MEAN_PASS) {
        size_t m = (size_t)(nhex - p < MEAN_PASS ? nhex - p : MEAN_PASS);
        invalid += s->hexamers(seq + p, m + HALD_HEX_LEN - 1, rows);
        accumulate(s->mean_w, rows, m, acc);
    }
    uint64_t valid = nhex - invalid;
    return combine(acc) / (double)(valid > 0 ? valid : 1);
}

/* Whether any used hexamer start holds an invalid row.  Starts 70–76 and
 * 81–85 are unused, so an N only they cover still scores. */
static int regions_hit_invalid(const uint16_t *rows)
{
    for (size_t i = 0; i < N_SPANS; i++)
        for (unsigned b = REGION_SPANS[i].first; b <= REGION_SPANS[i].last; b++)
            if (rows[b] == HALD_HEX_INVALID)
                return 1;
    return 0;
}

/* The regions score of a 160-nt window from its hexamer rows. */
static double window_regions(const hald_scorer_t *s, const uint16_t *rows, size_t invalid,
                             hald_na_t *why)
{
    *why = HALD_NA_NONE;
    if (invalid > 0 && regions_hit_invalid(rows)) {
        *why = HALD_NA_UNKNOWN_BASE;
        return NAN;
    }
    /* The used entries summed like the mean's: term i of the uses' order
     * into partial sum i mod 8.  The spans are constants, so the compiler
     * unrolls every loop and keeps the eight sums in registers. */
    double acc[N_SUMS] = {0.0};
    size_t i = 0;
    for (size_t k = 0; k < N_SPANS; k++) {
        const double *col = s->region_w[REGION_SPANS[k].column];
#pragma GCC unroll 40
        for (unsigned b = REGION_SPANS[k].first; b <= REGION_SPANS[k].last; b++, i++)
            acc[i % N_SUMS] += col[rows[b]];
    }
    return combine(acc);
}

double hald_score_regions(const hald_scorer_t *s, const char *seq, uint64_t len,
                          hald_na_t *why)
{
    *why = HALD_NA_NONE;
    if (len != HALD_WINDOW_LEN) {
        *why = HALD_NA_LENGTH;
        return NAN;
    }
    uint16_t rows[HALD_WINDOW_LEN - HALD_HEX_LEN + 1];
    return window_regions(s, rows, s->hexamers(seq, HALD_WINDOW_LEN, rows), why);
}

int hald_model_count(hald_model_set_t set)
{
    return (int)((set & HALD_MODELS_MEAN) != 0) + (int)((set & HALD_MODELS_REGIONS) != 0);
}

int hald_model_set_parse(const char *str, hald_model_set_t *out)
{
    if (strcmp(str, "mean") == 0)
        *out = HALD_MODELS_MEAN;
    else if (strcmp(str, "regions") == 0)
        *out = HALD_MODELS_REGIONS;
    else if (strcmp(str, "both") == 0)
        *out = HALD_MODELS_BOTH;
    else
        return -1;
    return 0;
}

const char *hald_model_name(hald_model_t m)
{
    return m == HALD_MODEL_MEAN ? "mean" : "regions";
}

const char *hald_na_name(hald_na_t why)
{
    switch (why) {
    case HALD_NA_LENGTH: return "length is not 160";
    case HALD_NA_UNKNOWN_BASE: return "unknown base in a used hexamer";
    case HALD_NA_TOO_LONG: return "longer than the stored maximum";
    default: return "scorable";
    }
}

void hald_score_batch(const hald_scorer_t *s, hald_model_set_t set,
                      const hald_batch_t *b, double *scores, uint8_t *why)
{
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        const hald_record_t *r = &b->records[i];
        hald_na_t na;
        if (set == HALD_MODELS_BOTH && r->seq_len == HALD_WINDOW_LEN &&
            r->stored_len == HALD_WINDOW_LEN) {
            /* Both models of a window from one set of rows: the same bits
             * as each on its own, for half the row work. */
            uint16_t rows[HALD_WINDOW_LEN - HALD_HEX_LEN + 1];
            size_t invalid = s->hexamers(r->seq, HALD_WINDOW_LEN, rows);
            scores[k] = window_mean(s, rows, invalid);
            why[k++] = HALD_NA_NONE;
            scores[k] = window_regions(s, rows, invalid, &na);
            why[k++] = (uint8_t)na;
            continue;
        }
        if (set & HALD_MODELS_MEAN) {
            scores[k] = hald_score_mean(s, r->seq, r->stored_len, r->seq_len, &na);
            why[k++] = (uint8_t)na;
        }
        if (set & HALD_MODELS_REGIONS) {
            /* A 160-nt record is stored whole unless --max-length is
             * below 160: then it is too long to score. */
            if (r->stored_len < r->seq_len && r->seq_len == HALD_WINDOW_LEN) {
                scores[k] = NAN;
                why[k++] = HALD_NA_TOO_LONG;
                continue;
            }
            scores[k] = hald_score_regions(s, r->seq, r->seq_len, &na);
            why[k++] = (uint8_t)na;
        }
    }
}

int hald_batch_first_na_error(hald_model_set_t set, const hald_batch_t *b, const uint8_t *why,
                              const char *input, hald_error_t *err)
{
    int k = hald_model_count(set);
    for (size_t i = 0; i < b->n; i++)
        for (int j = 0; j < k; j++) {
            uint8_t na = why[i * (size_t)k + (size_t)j];
            if (na == HALD_NA_NONE)
                continue;
            /* Column j is the j-th model of the set, mean first. */
            hald_model_t m = (set & HALD_MODELS_MEAN) && j == 0 ? HALD_MODEL_MEAN : HALD_MODEL_REGIONS;
            const hald_record_t *r = &b->records[i];
            return hald_error_set(err, HALD_E_UNSCORABLE,
                                  "%s: record %llu (%.*s): cannot score with model %s: %s", input,
                                  (unsigned long long)(b->first_index + i + 1), (int)r->id_len,
                                  r->id, hald_model_name(m), hald_na_name((hald_na_t)na));
        }
    return HALD_OK;
}
