/* hald — a binary output file back as the TSV its run would have written
 * (hald view). */
#ifndef HALD_VIEW_RUN_H
#define HALD_VIEW_RUN_H

#include "hald/error.h"
#include "hald/run.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prints the hald binary file at path ("-": stdin; compressed or not),
 * scores or sites, to out as TSV, byte for byte what the run that wrote
 * it prints with --out-format tsv.  A truncated or damaged file is an
 * error naming the byte offset.  Every rank of an MPI job calls this. */
int hald_view_run(const char *path, hald_sink_t *out, const hald_run_env_t *env,
                  hald_run_stats_t *st, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
