/* hald — the effect of a change, one pair of windows at a time (hald pairs).
 *
 * Input: a TSV whose header names `ref` and `alt` (an `id` column is kept
 * if present, other columns are ignored; without one, ids are line
 * numbers), or FASTA whose records come in ref/alt pairs (the id is the
 * ref record's); plain, gzip or zstd.  Output: a TSV with `id`, then per
 * model `ref_M alt_M delta_M sigmoid_M` (hald/effect.h), in input order,
 * the same bytes on any number of threads and ranks. */
#ifndef HALD_PAIRS_RUN_H
#define HALD_PAIRS_RUN_H

#include <stdint.h>

#include "hald/error.h"
#include "hald/reader.h"
#include "hald/run.h"
#include "hald/score.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hald_pairs_opts {
    hald_model_set_t models;  /* HALD_MODELS_BOTH */
    int strict;               /* the first unscorable window is an error */
    uint64_t max_length;      /* bases kept per sequence under --any-length */
} hald_pairs_opts_t;

void hald_pairs_opts_init(hald_pairs_opts_t *o);

/* Every rank calls this with the same arguments; path and out are rank
 * 0's ("-": stdin).  stats->items counts pairs; a pair is counted NA for a
 * model when either window cannot be scored (by the first reason). */
int hald_pairs_run(const hald_scorer_t *scorer, const hald_pairs_opts_t *o, const char *path,
                   hald_sink_t *out, const hald_run_env_t *env, hald_run_stats_t *stats,
                   hald_error_t *err);
/* The same from an open reader (not closed); ranks other than 0 pass NULL. */
int hald_pairs_run_reader(const hald_scorer_t *scorer, const hald_pairs_opts_t *o,
                          hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env,
                          hald_run_stats_t *stats, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
