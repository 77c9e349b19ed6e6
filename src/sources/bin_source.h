/* hald (internal) — the binary source: a hald binary file (scores or
 * sites, docs/binary-format.md) as units of whole blocks.
 *
 * The source reads blocks in order through a hald_reader (so a compressed
 * file or stdin works), checks their heads, keeps the sequence names of
 * NAME blocks and hands each unit of ROWS or SITE blocks the names of the
 * sequences its records refer to; payloads are checked by whoever formats
 * them.  The end block must come last and count every record. */
#ifndef HALD_SOURCES_BIN_SOURCE_H
#define HALD_SOURCES_BIN_SOURCE_H

#include <stdint.h>

#include "hald/binfmt.h"
#include "../runner/unit.h"

typedef struct hald_bin_unit {
    hald_unit_t base;
    uint64_t offset;         /* of the first block in the file, for messages */
    hald_buf_t blocks;       /* whole blocks, heads and payloads (the bulk) */
    hald_buf_t names;        /* sites: u64 index, u64 length, name, 1-8 NULs to a multiple of 8 */
} hald_bin_unit_t;

#define HALD_BIN_UNIT_FIELDS(type, member)                      \
    HALD_UNIT_U64(type, member.offset, HALD_TO_WORKER),         \
    HALD_UNIT_BUF(type, member.blocks, HALD_TO_WORKER),         \
    HALD_UNIT_BUF(type, member.names, HALD_TO_WORKER)

typedef struct hald_bin_src hald_bin_src_t;

/* Opens path ("-": stdin) and reads its header. */
hald_bin_src_t *hald_bin_open(const char *path, hald_error_t *err);
void hald_bin_close(hald_bin_src_t *s);
const char *hald_bin_name(const hald_bin_src_t *s);
const hald_bin_header_t *hald_bin_header(const hald_bin_src_t *s);
/* The next unit (reset by the caller): 1, 0 after the end block, or
 * negative (a bad block head, a missing end block, bytes after it). */
int hald_bin_next(hald_bin_src_t *s, hald_bin_unit_t *u, hald_error_t *err);
/* The end block's record count (after next returned 0). */
uint64_t hald_bin_total(const hald_bin_src_t *s);
uint64_t hald_bin_bytes_in(const hald_bin_src_t *s);
uint64_t hald_bin_bytes_total(const hald_bin_src_t *s);

/* Walking a unit's blocks (workers). */
typedef struct hald_bin_walk {
    const char *p, *end;
    uint64_t offset;         /* file offset of p */
} hald_bin_walk_t;

/* The next block: 1 with its head and payload, 0 at the end. */
int hald_bin_walk_next(hald_bin_walk_t *w, hald_bin_block_t *b, const char **payload,
                       uint64_t *offset);
/* The name of sequence `index` among a unit's names, NUL-terminated ("" if
 * it has none). */
const char *hald_bin_unit_name(const hald_bin_unit_t *u, uint64_t index, size_t *len);

#endif
