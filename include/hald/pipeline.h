/* hald — the streaming scoring run: read → decode → parse → score → write,
 * one bounded batch at a time, records kept in input order. */
#ifndef HALD_PIPELINE_H
#define HALD_PIPELINE_H

#include <stdint.h>

#include "hald/error.h"
#include "hald/output.h"
#include "hald/reader.h"
#include "hald/records.h"
#include "hald/score.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bases kept of one record under --any-length: longer records are NA
 * ("longer than the stored maximum"), so memory stays bounded. */
#define HALD_DEFAULT_MAX_LENGTH (UINT64_C(1) << 28)

struct hald_run_stats;

typedef struct hald_run_opts {
    hald_model_set_t models;
    hald_format_t format;
    hald_out_format_t out_format;
    int strict;            /* first NA is an error */
    int threads;           /* scoring threads (1 until the parallel engine) */
    uint64_t max_length;   /* see HALD_DEFAULT_MAX_LENGTH */
    /* Called about once a second while running, and once at the end
     * (final = 1), when set. */
    void (*progress_fn)(void *ctx, const struct hald_run_stats *st, double seconds, int final);
    void *progress_ctx;
} hald_run_opts_t;

void hald_run_opts_init(hald_run_opts_t *o);

typedef struct hald_run_stats {
    uint64_t records;
    uint64_t na[HALD_N_MODELS][HALD_N_NA]; /* NA counts by model and reason */
    uint64_t bytes_in;                     /* compressed input bytes read */
} hald_run_stats_t;

/* Scores every record of `in` with `scorer` and writes rows to `out`
 * (begun by the caller; finished by the caller).  Returns HALD_OK or a
 * negative status with err naming the file, the record and the reason;
 * under opts->strict the first unscorable record stops the run with
 * HALD_E_UNSCORABLE. */
int hald_run_score(const hald_scorer_t *scorer, hald_reader_t *in, hald_score_writer_t *out,
                   const hald_run_opts_t *opts, hald_run_stats_t *stats, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
