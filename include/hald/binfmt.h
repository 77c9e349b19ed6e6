/* hald — the binary output container (version 2), shared by scores and
 * scans (docs/binary-format.md).
 *
 * A 64-byte header, then blocks, then an end block; all little-endian.
 * A writer streams blocks in order without seeking (a pipe and a file get
 * the same bytes), a reader needs memory for one block, and the end block
 * proves the file whole.  Every ROWS or SITE block holds exactly
 * HALD_BIN_BLOCK_RECORDS records but the last, so the bytes depend only on
 * the records, never on how the work was split.
 *
 *   header   magic[8] ("HALDSCR\0" scores, "HALDSCN\0" sites), u32 version
 *            (2), u32 header size (64), u32 models k, u32 flags, u8 model
 *            codes[8] (1 mean, 2 regions; column order; zero padded),
 *            u32 record size, 28 zero bytes
 *   block    u32 type, u32 count, u64 payload bytes (a multiple of 8),
 *            then the payload, zero padded:
 *     ROWS   count score records (8k bytes: float64 per model, NaN for
 *            NA), then count record ids, each ended by '\n'
 *     SITE   count site records (16 + 8k bytes), then, if the header's
 *            flag NAMED is set, count site names each ended by '\n'
 *     NAME   count lines "index<TAB>name\n": the sequences whose first
 *            site is in the next SITE block
 *     END    count 0; u64 total records, u64 zero
 */
#ifndef HALD_BINFMT_H
#define HALD_BINFMT_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/score.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HALD_BIN_VERSION 2u
#define HALD_BIN_HEADER_SIZE 64u
#define HALD_BIN_BLOCK_HEAD 16u
#define HALD_BIN_NA_BITS UINT64_C(0x7ff8000000000000) /* the one NaN written */
#define HALD_BIN_BLOCK_RECORDS 65536u

typedef enum hald_bin_kind {
    HALD_BIN_SCORES = 1,  /* hald score: one record per input record */
    HALD_BIN_SITES = 2    /* hald scan: one record per site */
} hald_bin_kind_t;

/* Header flags. */
#define HALD_BIN_FLAG_ANY_LENGTH 1u /* scores: scored with --any-length */
#define HALD_BIN_FLAG_NAMED 1u      /* sites: from --sites/--gtf, with site names */

/* Block types: four ASCII letters, read as a little-endian u32. */
#define HALD_BIN_TAG(a, b, c, d) \
    ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define HALD_BLOCK_ROWS HALD_BIN_TAG('R', 'O', 'W', 'S')
#define HALD_BLOCK_SITE HALD_BIN_TAG('S', 'I', 'T', 'E')
#define HALD_BLOCK_NAME HALD_BIN_TAG('N', 'A', 'M', 'E')
#define HALD_BLOCK_END HALD_BIN_TAG('E', 'N', 'D', ' ')

typedef struct hald_bin_header {
    hald_bin_kind_t kind;
    uint32_t n_models;
    hald_model_t models[HALD_N_MODELS]; /* column order */
    uint32_t flags;
    uint32_t record_size;               /* 8k (scores) or 16 + 8k (sites) */
} hald_bin_header_t;

/* A header for a kind and model set (record_size follows from them). */
void hald_bin_header_init(hald_bin_header_t *h, hald_bin_kind_t kind, hald_model_set_t set,
                          uint32_t flags);
void hald_bin_header_encode(const hald_bin_header_t *h, uint8_t out[HALD_BIN_HEADER_SIZE]);
/* Checks magic, version, sizes and model codes; err names `name`. */
int hald_bin_header_decode(const uint8_t in[HALD_BIN_HEADER_SIZE], const char *name,
                           hald_bin_header_t *h, hald_error_t *err);
/* The model set the header's columns hold. */
hald_model_set_t hald_bin_header_models(const hald_bin_header_t *h);

/* Records formatted by a worker travel to the writer as chunks: u64 n,
 * u64 bytes of names, n records, the n '\n'-ended names, zero padding to
 * 8.  The writer cuts them into blocks at fixed record counts. */
size_t hald_bin_chunk_begin(hald_buf_t *out, hald_error_t *err);
int hald_bin_chunk_end(hald_buf_t *out, size_t at, uint64_t n, size_t names_at,
                       hald_error_t *err);

/* The writer's half: chunks in, blocks of HALD_BIN_BLOCK_RECORDS records
 * out, each SITE block after a NAME block for the sequences that start in
 * it, and the end block.  Records are never copied: whole blocks inside a
 * chunk are written from where they lie, and the records of a block still
 * being filled stay in the buffers they came in, which the blocker keeps
 * (giving the caller a spare buffer in exchange). */
typedef struct hald_bin_piece {
    hald_buf_t buf;          /* owned: the chunk buffer the records lie in */
    const char *recs, *names;
    uint64_t n;
    size_t names_len;
} hald_bin_piece_t;

typedef struct hald_bin_blocker {
    hald_sink_t *sink;
    uint32_t type;           /* HALD_BLOCK_ROWS or HALD_BLOCK_SITE */
    size_t record_size;
    uint64_t total;          /* records written */
    hald_bin_piece_t *pieces; /* the block being filled */
    size_t n_pieces, cap_pieces;
    uint64_t pending;        /* records in pieces */
    hald_buf_t *spares;      /* buffers to hand back for the ones kept */
    size_t n_spares;
    hald_buf_t seq_names;    /* NAME lines for the next block */
    uint32_t n_seq_names;
} hald_bin_blocker_t;

void hald_bin_blocker_init(hald_bin_blocker_t *b, hald_sink_t *sink, uint32_t type,
                           size_t record_size);
/* The chunks of a worker's output, in order.  May keep chunks' memory,
 * leaving *chunks an empty buffer (with spare capacity) instead. */
int hald_bin_blocker_put(hald_bin_blocker_t *b, hald_buf_t *chunks, hald_error_t *err);
/* Sequence `index` is called name; its first record comes next. */
int hald_bin_blocker_name(hald_bin_blocker_t *b, uint64_t index, const char *name,
                          hald_error_t *err);
/* The last block and the end block. */
int hald_bin_blocker_finish(hald_bin_blocker_t *b, hald_error_t *err);
void hald_bin_blocker_free(hald_bin_blocker_t *b);

/* A block's head. */
typedef struct hald_bin_block {
    uint32_t type, count;
    uint64_t bytes;
} hald_bin_block_t;

void hald_bin_block_decode(const uint8_t in[HALD_BIN_BLOCK_HEAD], hald_bin_block_t *b);

#ifdef __cplusplus
}
#endif
#endif
