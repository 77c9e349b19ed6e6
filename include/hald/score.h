/* hald — the two HAL models over one window, and over a batch of records.
 *
 * mean    (MultiMolecule convention): w̄[h] = mean of row h's 8 columns;
 *         score = Σ_h w̄[h]·c_h / max(Σ_h c_h, 1) over the valid hexamers of
 *         the window.  Length must be 160 unless any_length.
 * regions (Rosenberg et al. 2015): length exactly 160; Σ W[row, col] over
 *         the 143 used hexamer starts (0–39→0, 40–69→1, 77→2, 78→3, 79→4,
 *         80→5, 86–114→6, 115–154→7); NA if any used hexamer is invalid.
 *
 * Sums run in one fixed order (eight interleaved partial sums combined
 * pairwise), shared by every CPU path, so the bytes of a score never
 * depend on the path, thread or rank that computed it. */
#ifndef HALD_SCORE_H
#define HALD_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"
#include "hald/hexamer.h"
#include "hald/records.h"
#include "hald/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HALD_WINDOW_LEN 160

typedef enum hald_model {
    HALD_MODEL_MEAN = 0,
    HALD_MODEL_REGIONS = 1,
    HALD_N_MODELS = 2
} hald_model_t;

/* Which models a run computes: a bit per hald_model_t. */
typedef unsigned hald_model_set_t;
#define HALD_MODELS_MEAN (1u << HALD_MODEL_MEAN)
#define HALD_MODELS_REGIONS (1u << HALD_MODEL_REGIONS)
#define HALD_MODELS_BOTH (HALD_MODELS_MEAN | HALD_MODELS_REGIONS)

/* Why a score is NA (0: it is not). */
typedef enum hald_na {
    HALD_NA_NONE = 0,
    HALD_NA_LENGTH = 1,   /* window is not 160 nt (and not --any-length) */
    HALD_NA_UNKNOWN_BASE = 2, /* regions: a used hexamer has a base that is not ACGTU */
    HALD_NA_TOO_LONG = 3, /* --any-length: longer than the stored maximum */
    HALD_N_NA = 4
} hald_na_t;

/* The regions model's 143 used hexamer starts with their columns. */
#define HALD_REGION_USES 143
typedef struct hald_region_use { uint8_t start, column; } hald_region_use_t;

typedef struct hald_scorer {
    double mean_w[HALD_N_HEXAMERS + 1];                 /* w̄; [4096] = 0 */
    double region_w[HALD_N_REGIONS][HALD_N_HEXAMERS + 1]; /* by column; [4096] = 0 */
    hald_region_use_t region_uses[HALD_REGION_USES];
    hald_hexamer_fn hexamers;
    hald_cpu_t cpu;
    int any_length;
} hald_scorer_t;

/* Prepares the tables from the published weights for the given (resolved,
 * not AUTO) CPU path. */
void hald_scorer_init(hald_scorer_t *s, const hald_weights_t *w, hald_cpu_t cpu,
                      int any_length);

/* Scores one window with one model.  seq holds `stored` bases of a sequence
 * whose true length is `len` (stored < len only for over-long records).
 * Returns the score, or NaN with *why set when it cannot be scored. */
double hald_score_mean(const hald_scorer_t *s, const char *seq, uint64_t stored,
                       uint64_t len, hald_na_t *why);
double hald_score_regions(const hald_scorer_t *s, const char *seq, uint64_t len,
                          hald_na_t *why);

/* Number of models in a set, and their order in output rows (mean first). */
int hald_model_count(hald_model_set_t set);
/* Parses "mean", "regions" or "both"; -1 if unknown. */
int hald_model_set_parse(const char *s, hald_model_set_t *out);
const char *hald_model_name(hald_model_t m);
const char *hald_na_name(hald_na_t why);

/* Scores every record of b for the models in set.  scores gets
 * b->n × hald_model_count(set) values, record-major in model order; why
 * gets the matching NA reasons. */
void hald_score_batch(const hald_scorer_t *s, hald_model_set_t set,
                      const hald_batch_t *b, double *scores, uint8_t *why);

/* --strict: the error for the first unscorable record of a scored batch
 * ("<input>: record N (id): cannot score with model M: reason"), returned
 * as HALD_E_UNSCORABLE; HALD_OK when every score is there. */
int hald_batch_first_na_error(hald_model_set_t set, const hald_batch_t *b, const uint8_t *why,
                              const char *input, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
