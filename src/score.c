/* The HAL kernels.  Hexamer rows come from the dispatched (scalar or AVX2)
 * hexamer function; the sums below are shared by all paths so results are
 * bit-identical whatever path computed the rows. */
#include "hald/score.h"

#include <math.h>
#include <string.h>

/* Hexamer starts per pass over a long --any-length sequence: a multiple of
 * 4 so the interleaved partial sums see the same order as one pass would. */
#define MEAN_PASS 4096

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
    s->cpu = cpu;
    s->hexamers = hald_hexamer_kernel(cpu);
    s->any_length = any_length;
}

static inline double combine(const double acc[4])
{
    return (acc[0] + acc[1]) + (acc[2] + acc[3]);
}

/* Adds w̄ of m rows into acc (partial sum by position mod 4) and returns
 * how many rows were invalid.  m must be a multiple of 4 except on the
 * last pass. */
static uint64_t mean_accumulate(const double *mean_w, const uint16_t *rows, size_t m,
                                double acc[4])
{
    uint64_t invalid = 0;
    size_t b = 0;
    for (; b + 4 <= m; b += 4) {
        acc[0] += mean_w[rows[b]];
        acc[1] += mean_w[rows[b + 1]];
        acc[2] += mean_w[rows[b + 2]];
        acc[3] += mean_w[rows[b + 3]];
        invalid += (uint64_t)((rows[b] >> 12) + (rows[b + 1] >> 12) +
                              (rows[b + 2] >> 12) + (rows[b + 3] >> 12));
    }
    for (; b < m; b++) {
        acc[b & 3] += mean_w[rows[b]];
        invalid += rows[b] >> 12;
    }
    return invalid;
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
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    uint64_t nhex = len - (HALD_HEX_LEN - 1), invalid = 0;
    for (uint64_t p = 0; p < nhex; p += MEAN_PASS) {
        size_t m = (size_t)(nhex - p < MEAN_PASS ? nhex - p : MEAN_PASS);
        s->hexamers(seq + p, m + HALD_HEX_LEN - 1, rows);
        invalid += mean_accumulate(s->mean_w, rows, m, acc);
    }
    uint64_t valid = nhex - invalid;
    return combine(acc) / (double)(valid > 0 ? valid : 1);
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
    s->hexamers(seq, HALD_WINDOW_LEN, rows);
    double acc[4] = {0.0, 0.0, 0.0, 0.0};
    unsigned any_invalid = 0, k = 0;
    for (size_t i = 0; i < N_SPANS; i++) {
        const double *col = s->region_w[REGION_SPANS[i].column];
        for (unsigned b = REGION_SPANS[i].first; b <= REGION_SPANS[i].last; b++, k++) {
            acc[k & 3] += col[rows[b]];
            any_invalid |= rows[b];
        }
    }
    if (any_invalid & HALD_HEX_INVALID) {
        *why = HALD_NA_UNKNOWN_BASE;
        return NAN;
    }
    return combine(acc);
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
        if (set & HALD_MODELS_MEAN) {
            scores[k] = hald_score_mean(s, r->seq, r->stored_len, r->seq_len, &na);
            why[k++] = (uint8_t)na;
        }
        if (set & HALD_MODELS_REGIONS) {
            /* A 160-nt record is always stored whole (max_stored >= 161). */
            scores[k] = hald_score_regions(s, r->seq, r->seq_len, &na);
            why[k++] = (uint8_t)na;
        }
    }
}
