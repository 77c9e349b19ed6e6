/* hald — putting the parts of a sharded run back together (hald merge).
 *
 * `hald score --shard I/N` (and `hald scan --shard I/N`) writes part I of
 * N; the merge writes exactly the bytes one run over the whole input
 * writes.  Text parts are concatenated with the header line once; binary
 * parts (docs/binary-format.md) have their records cut into blocks again,
 * since a block holds a fixed number of records counted from the start of
 * the file.  Each part is checked against what was recorded when it was
 * written (size, CRC-32, records), so a truncated or changed part is an
 * error, never a short or mixed result. */
#ifndef HALD_MERGE_RUN_H
#define HALD_MERGE_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"
#include "hald/run.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hald_merge_format {
    HALD_MERGE_TEXT = 0,     /* text without a header (BED): the parts' bytes in turn */
    HALD_MERGE_TEXT_HEADER,  /* text whose first line is a header (TSV, bedGraph's track
                              * line): the same in every part, written once */
    HALD_MERGE_BIN           /* a hald binary file: one header, the records re-blocked,
                              * NAME blocks once per sequence, one end block */
} hald_merge_format_t;

/* records: not checked (BED and bedGraph leave NA sites out, so their rows
 * are not the run's count). */
#define HALD_MERGE_UNCOUNTED UINT64_MAX

/* One part, as it was written. */
typedef struct hald_merge_part {
    const char *path;
    uint64_t bytes;          /* its size */
    uint32_t crc32;          /* CRC-32 (zlib crc32, the gzip polynomial) of its bytes */
    uint64_t records;        /* text rows after the header, or binary records;
                              * HALD_MERGE_UNCOUNTED: not checked */
} hald_merge_part_t;

/* Writes parts[0..n) in that order to out (opened, and committed or
 * aborted, by the caller) as the one file a run over the whole input
 * writes.  Before anything is written every part must be a regular file of
 * its recorded size with the same header as parts[0]; while they are read,
 * each part's CRC-32 and record count must match.  Errors name the part
 * and the reason.  Every rank of an MPI job calls this; ranks other than 0
 * pass NULL parts and out.  st->items: the records written. */
int hald_merge_run(const hald_merge_part_t *parts, size_t n, hald_merge_format_t format,
                   hald_sink_t *out, const hald_run_env_t *env, hald_run_stats_t *st,
                   hald_error_t *err);

/* What a part's record holds, measured: the size of the file at path and
 * the CRC-32 of its bytes, read to the end. */
int hald_merge_checksum(const char *path, uint64_t *bytes, uint32_t *crc32, hald_error_t *err);

/* What identifies a packed input (hald pack) wherever it lies: its size,
 * and a CRC-32 of its frame table (each data frame's offset, compressed
 * and decoded sizes, records and newlines, as u64 little-endian) followed
 * by each frame's last 4 bytes (its stored content checksum), so that a
 * change to any frame's text changes it.  A file that is not packed is an
 * error. */
int hald_merge_input_id(const char *path, uint64_t *bytes, uint32_t *fingerprint,
                        hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
