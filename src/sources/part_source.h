/* hald (internal) — the part source: the files of a sharded run, in the
 * order given (hald merge), as units of their bytes.
 *
 * Opening checks every part before anything is written: a regular file of
 * its recorded size whose header (a text part's first line, a binary
 * part's 64 bytes) is the first part's.  Units then carry the parts' bytes
 * as they lie on disk, header and all, so that whoever works on a unit can
 * take its CRC-32: text in pieces of about 1 MiB, binary files in whole
 * blocks, whose heads are checked here (payloads by the worker), with a
 * NAME block always in the unit of the block it names. */
#ifndef HALD_SOURCES_PART_SOURCE_H
#define HALD_SOURCES_PART_SOURCE_H

#include <stdint.h>

#include "hald/binfmt.h"
#include "hald/merge_run.h"
#include "../runner/unit.h"

typedef struct hald_part_unit {
    hald_unit_t base;
    uint64_t format;         /* hald_merge_format_t */
    uint64_t skip;           /* leading bytes that are the part's header, not records */
    uint64_t record_size;    /* binary: bytes per record */
    uint64_t sites;          /* binary: 1 for SITE blocks, 0 for ROWS */
    uint64_t named;          /* binary sites: names follow the records */
    uint64_t offset;         /* of the unit's first byte in its part, for messages */
    hald_buf_t bytes;        /* the part's bytes (the bulk to the worker) */
    uint64_t part;           /* rank 0: which part */
    uint64_t length;         /* rank 0: bytes read (bytes may be reused by the worker) */
    uint64_t last;           /* rank 0: 1 for the part's last unit */
} hald_part_unit_t;

#define HALD_PART_UNIT_FIELDS(type, member)                    \
    HALD_UNIT_U64(type, member.format, HALD_TO_WORKER),        \
    HALD_UNIT_U64(type, member.skip, HALD_TO_WORKER),          \
    HALD_UNIT_U64(type, member.record_size, HALD_TO_WORKER),   \
    HALD_UNIT_U64(type, member.sites, HALD_TO_WORKER),         \
    HALD_UNIT_U64(type, member.named, HALD_TO_WORKER),         \
    HALD_UNIT_U64(type, member.offset, HALD_TO_WORKER),        \
    HALD_UNIT_BUF(type, member.bytes, HALD_TO_WORKER),         \
    HALD_UNIT_U64(type, member.part, HALD_KEEP),               \
    HALD_UNIT_U64(type, member.length, HALD_KEEP),             \
    HALD_UNIT_U64(type, member.last, HALD_KEEP)

typedef struct hald_part_src hald_part_src_t;

/* Checks parts[0..n) (n >= 1; the array must outlive the source). */
hald_part_src_t *hald_part_src_open(const hald_merge_part_t *parts, size_t n,
                                    hald_merge_format_t format, hald_error_t *err);
void hald_part_src_close(hald_part_src_t *s);
/* The header every part starts with: the text header line (with its
 * '\n'), the 64-byte binary header, or nothing (len 0). */
const char *hald_part_src_header(const hald_part_src_t *s, size_t *len);
/* Binary parts: their header, decoded. */
const hald_bin_header_t *hald_part_src_bin_header(const hald_part_src_t *s);
/* The next unit (reset by the caller; every part gives at least one, the
 * last marked): 1, 0 after the last part, or negative. */
int hald_part_src_next(hald_part_src_t *s, hald_part_unit_t *u, hald_error_t *err);
uint64_t hald_part_src_bytes_in(const hald_part_src_t *s);
uint64_t hald_part_src_bytes_total(const hald_part_src_t *s);

#endif
