/* hald command line — part manifests.
 *
 * A run with --shard I/N whose --out is a file leaves beside it
 * FILE.hald-part: a few "key value" lines saying which run wrote the part
 * (command, shard, format, models, weights, the options that shape the
 * output, the input's identity) and what it wrote (records, size,
 * CRC-32).  hald merge reads them to put the parts together, refusing
 * parts of different runs, a shard missing or given twice, and a part
 * changed since it was written.  Format: docs/hald-merge.md. */
#ifndef HALD_CLI_PART_H
#define HALD_CLI_PART_H

#include <stdint.h>

#include "cli.h"

#define CLI_PART_SUFFIX ".hald-part"
#define CLI_PART_VERSION 1

typedef struct cli_part {
    char *path;                /* the part file (not in the manifest) */
    char command[16];          /* score, scan */
    uint64_t shard, shards;    /* part I of N, 1-based */
    char format[16];           /* tsv, bed, bedgraph, bin */
    char models[16];           /* mean, regions, both */
    char weights[65];          /* the weights table's sha256, hex */
    char *options;             /* "name=value\n" for each option that shapes the output */
    char *input;               /* the input's path as given: for messages */
    uint64_t input_bytes;      /* the input's identity: size, */
    uint32_t input_fingerprint; /* and hald_merge_input_id's fingerprint */
    uint64_t records;          /* the run's count: score records, scan sites */
    uint64_t bytes;            /* the part's size */
    uint32_t crc;              /* CRC-32 of the part's bytes */
} cli_part_t;

void cli_part_init(cli_part_t *p);
void cli_part_free(cli_part_t *p);

/* The manifest of the part that cmd (run with settings s and --shard)
 * wrote to s->out: format as the manifest names it ("tsv", "bin", ...),
 * the models in its columns and the run's count (score: records; scan:
 * sites).  Reads the part back for its CRC-32, the input's index for its
 * fingerprint, and the weights for their sha256. */
int cli_part_describe(const cli_ctx_t *c, const cli_command_t *cmd, const cli_settings_t *s,
                      const char *format, hald_model_set_t models, uint64_t records,
                      cli_part_t *p, hald_error_t *err);

/* After a run with --shard whose output went to a regular file renamed
 * into place (hald_sink_temp_path(out) was not NULL before the commit):
 * writes FILE.hald-part, itself atomically.  Without --shard: nothing. */
int cli_part_write(const cli_ctx_t *c, const cli_command_t *cmd, const cli_settings_t *s,
                   const char *format, hald_model_set_t models, uint64_t records,
                   hald_error_t *err);

/* The manifest's text, and back; name (the manifest's path) for messages. */
int cli_part_format(const cli_part_t *p, hald_buf_t *out, hald_error_t *err);
int cli_part_parse(const char *text, size_t len, const char *name, cli_part_t *p,
                   hald_error_t *err);

/* Reads PART.hald-part into p, with p->path = part. */
int cli_part_read(const char *part, cli_part_t *p, hald_error_t *err);

/* Checks that parts[0..n) are the shards of one run, each given once, and
 * puts them in shard order into sorted (n entries).  The error names the
 * parts and what differs, a shard given twice, or the shards missing. */
int cli_part_order(const cli_part_t *parts, size_t n, const cli_part_t **sorted,
                   hald_error_t *err);

/* The manifest's name of a scan output format. */
const char *cli_part_scan_format(hald_scan_out_t f);

#endif
