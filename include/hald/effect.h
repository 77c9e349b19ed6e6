/* hald — the effect of a change on a donor: two window scores, their
 * difference and its sigmoid.
 *
 * delta = score(alt) − score(ref), sigmoid(delta) = 1 / (1 + e^−delta):
 * the share of the alternative.  The authors' A5SS convention (share of
 * the distal donor = sigmoid(score(SD2) − score(SD1))) is this with SD1
 * as ref and SD2 as alt.  hald pairs and hald variants write these four
 * columns per model. */
#ifndef HALD_EFFECT_H
#define HALD_EFFECT_H

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 / (1 + e^−x); NaN stays NaN. */
double hald_sigmoid(double x);

/* Bytes one model's columns take at most: four numbers and their tabs. */
#define HALD_EFFECT_COLS_MAX (4 * 32)

/* Writes "\tREF\tALT\tDELTA\tSIGMOID" for each of k models (ref[j] and
 * alt[j]), NA for a score that is missing and for the delta and sigmoid
 * of a model where either is; returns the end of what it wrote (room:
 * k × HALD_EFFECT_COLS_MAX). */
char *hald_effect_cols(char *p, const double *ref, const double *alt, int k);

/* Appends "\tref_M\talt_M\tdelta_M\tsigmoid_M" for each model of set, in
 * output order (mean first). */
int hald_effect_header(hald_model_set_t set, hald_buf_t *out, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
