/* hald — scoring every record of an input (hald score).
 *
 * Sequences (FASTA, FASTQ or one per line; plain, gzip or zstd; packed
 * files too) in, one row of scores per record out, in input order, on any
 * number of threads and MPI ranks with the same bytes. */
#ifndef HALD_SCORE_RUN_H
#define HALD_SCORE_RUN_H

#include <stdint.h>

#include "hald/error.h"
#include "hald/reader.h"
#include "hald/records.h"
#include "hald/run.h"
#include "hald/score.h"
#include "hald/score_writer.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bases kept of one record under --any-length: longer records are NA
 * ("longer than the stored maximum"), so memory stays bounded. */
#define HALD_DEFAULT_MAX_LENGTH (UINT64_C(1) << 28)

typedef struct hald_score_opts {
    hald_model_set_t models;      /* HALD_MODELS_MEAN */
    hald_format_t format;         /* input format: HALD_FORMAT_AUTO */
    hald_out_format_t out_format; /* HALD_OUT_TSV */
    int strict;                   /* the first unscorable record is an error */
    uint64_t max_length;          /* HALD_DEFAULT_MAX_LENGTH (with an any_length scorer) */
    uint64_t shard_index;         /* --shard I/N of a packed input (0-based I) */
    uint64_t shard_count;         /* 0: the whole input */
} hald_score_opts_t;

void hald_score_opts_init(hald_score_opts_t *o);

/* Scores every record of the input at `path` ("-": stdin) with `scorer`
 * and writes the rows to `out` (opened by the caller, who commits or
 * aborts it afterwards).  Every rank of an MPI job (env->mpi) calls this
 * with the same arguments; ranks other than 0 use neither path nor out
 * (out may be NULL there).  Returns HALD_OK or a negative status with err
 * naming the file, the record and the reason; under o->strict the first
 * unscorable record stops the run with HALD_E_UNSCORABLE. */
int hald_score_run(const hald_scorer_t *scorer, const hald_score_opts_t *o, const char *path,
                   hald_sink_t *out, const hald_run_env_t *env, hald_run_stats_t *stats,
                   hald_error_t *err);

/* The same from an open reader (a pipe, a socket: hald_reader_from_fd),
 * read as one stream and not closed; ranks other than 0 pass NULL. */
int hald_score_run_reader(const hald_scorer_t *scorer, const hald_score_opts_t *o,
                          hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env,
                          hald_run_stats_t *stats, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
