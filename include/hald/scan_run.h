/* hald — scoring every donor site of a genome (hald scan).
 *
 * A FASTA (plain, gzip or zstd) in; every GT on the plus strand and every
 * AC (a minus-strand GT) whose 160-nt window lies inside its sequence out,
 * or only the sites of a list (--sites BED, --gtf donors), in genome order
 * ('+' before '-' at a position), byte-identical whatever the threads,
 * ranks, chunk size or CPU path (the sums are exact fixed point). */
#ifndef HALD_SCAN_RUN_H
#define HALD_SCAN_RUN_H

#include <stdint.h>

#include "hald/error.h"
#include "hald/reader.h"
#include "hald/run.h"
#include "hald/scan.h"
#include "hald/sink.h"
#include "hald/site_writer.h"
#include "hald/sites.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Site starts per unit of work (a chunk of one sequence), and the most
 * a run takes (larger values are clamped). */
#define HALD_SCAN_CHUNK (UINT64_C(1) << 20)
#define HALD_SCAN_CHUNK_MAX (UINT64_C(1) << 30)

typedef struct hald_scan_opts {
    hald_site_format_t out;     /* TSV, both models, '+' */
    uint64_t chunk;             /* site starts per unit: HALD_SCAN_CHUNK (tests use tiny ones) */
    hald_sites_t *sites;        /* NULL: every GT/AC; else only these (marked seen) */
    const char *region;         /* NULL: the whole genome; else "chr", "chr:beg-end" or
                                 * "chr:beg" (1-based, inclusive): only sites starting there,
                                 * read through the FASTA's index (.fai, and .gzi for bgzip) */
    uint64_t shard_index;       /* --shard I/N of a genome packed with hald pack --genome */
    uint64_t shard_count;       /* (0-based I); 0: the whole genome */
} hald_scan_opts_t;

void hald_scan_opts_init(hald_scan_opts_t *o);

typedef struct hald_scan_stats {
    hald_run_stats_t run;       /* items: sites scored */
    uint64_t sequences, bases;
    uint64_t not_written;       /* NA sites left out of BED / bedGraph */
    uint64_t repeated_names;    /* sequences named like an earlier one */
    char first_repeated[256];   /* the first such name (cut to fit) */
} hald_scan_stats_t;

/* Scans the FASTA at path ("-": stdin) into out (opened, and committed or
 * aborted, by the caller).  Every rank of an MPI job calls this with the
 * same arguments; ranks other than 0 use neither path nor out.  Errors
 * name the file, the line or sequence, and the reason. */
int hald_scan_run(const hald_scan_tables_t *t, const hald_scan_opts_t *o, const char *path,
                  hald_sink_t *out, const hald_run_env_t *env, hald_scan_stats_t *st,
                  hald_error_t *err);

/* The same from an open reader (a pipe, a socket), not closed; a region
 * needs an indexed file, so o->region is a usage error here. */
int hald_scan_run_reader(const hald_scan_tables_t *t, const hald_scan_opts_t *o,
                         hald_reader_t *in, hald_sink_t *out, const hald_run_env_t *env,
                         hald_scan_stats_t *st, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
