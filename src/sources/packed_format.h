/* hald (internal) — the layout of packed files, shared by the index reader
 * (src/sources/packed_index.c) and the packing job (src/jobs/pack_job.c).
 * docs/packed-format.md describes it. */
#ifndef HALD_SOURCES_PACKED_FORMAT_H
#define HALD_SOURCES_PACKED_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "hald/pack.h"

#define SKIP_HALD 0x184D2A5Bu   /* skippable frame holding the hald index */
#define SKIP_SEEK 0x184D2A5Eu   /* skippable frame holding the seek table */
#define SEEK_MAGIC 0x8F92EAB1u  /* zstd seekable footer */
#define ZSTD_FRAME_MAGIC 0xFD2FB528u
#define IDX_MAGIC "HALDIDX1"
#define IDX_VERSION 1u

enum {
    SKIP_HEAD = 8,      /* skippable magic + u32 size */
    IDX_HEAD = 24,      /* "HALDIDX1", version, format, n_frames */
    IDX_ENTRY = 32,     /* offset, csize, dsize, records, newlines */
    IDX_CRC = 4,
    SEEK_ENTRY = 8,
    SEEK_FOOTER = 9,
    FRAME_HEAD_MAX = 18 /* ZSTD_FRAMEHEADERSIZE_MAX, static-only in zstd.h */
};

/* The largest buffer the packer cuts frames from: one byte more than a frame may hold, so that a
 * full buffer without a cut proves a record too long to pack. */
#define BUF_MAX ((size_t)HALD_PACK_MAX_FRAME + 1)

/* The most frames whose index still fits a skippable frame's u32 size. */
#define MAX_FRAMES (((uint64_t)UINT32_MAX - IDX_HEAD - IDX_CRC) / IDX_ENTRY)

/* zlib's crc32 takes uInt lengths; index pieces are far smaller. */
static inline uint32_t hald_packed_crc(uint32_t crc, const unsigned char *p, size_t n)
{
    return (uint32_t)crc32(crc, p, (uInt)n);
}

#endif
