/* hald — record-aligned zstd ("packed") files with a seek index.
 *
 * `hald pack` rewrites any input as zstd frames that each hold whole
 * records of the original decoded text, byte for byte, followed by a hald
 * index (record and newline counts per frame) and a standard zstd seekable
 * seek table.  Later runs can then start at any frame, or take one of N
 * record-balanced shards, without scanning.  `zstd -dc` still decodes the
 * file.  The layout is in docs/packed-format.md. */
#ifndef HALD_PACK_H
#define HALD_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"
#include "hald/reader.h"
#include "hald/records.h"
#include "hald/run.h"
#include "hald/sink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest decoded size of one frame hald packs: what a run reads as one
 * unit (the format's u32 sizes could say more). */
#define HALD_PACK_MAX_FRAME (256u << 20)

typedef struct hald_pack_opts {
    size_t frame_size;    /* text per frame, at least (but the last); 1 .. HALD_PACK_MAX_FRAME */
    int level;            /* zstd level */
    hald_format_t format; /* AUTO: from the first non-blank byte, as the parser does */
    int genome;           /* a FASTA genome for hald scan: frames cut at line ends and
                           * before headers, with each frame's place and context */
} hald_pack_opts_t;

/* 4 MiB frames, level 3, AUTO. */
void hald_pack_opts_init(hald_pack_opts_t *o);

typedef struct hald_pack_stats {
    uint64_t frames;    /* data frames */
    uint64_t records;
    uint64_t bytes_in;  /* decoded text */
    uint64_t bytes_out; /* the whole packed file */
    hald_format_t format; /* as resolved */
} hald_pack_stats_t;

/* Packs the input at `path` ("-": stdin) into `out` (which the caller
 * commits or aborts), compressing frames on env's threads and ranks; the
 * file is the same whatever those are.  Every rank of an MPI job calls
 * this with the same arguments; ranks other than 0 use neither path nor
 * out.  st may be NULL.  Returns HALD_OK or a negative status with err. */
int hald_pack_run(const hald_pack_opts_t *o, const char *path, hald_sink_t *out,
                  const hald_run_env_t *env, hald_pack_stats_t *st, hald_error_t *err);

/* The same from an open reader, on one thread of this process. */
int hald_pack(hald_reader_t *in, hald_sink_t *out, const hald_pack_opts_t *o,
              hald_pack_stats_t *st, hald_error_t *err);

typedef struct hald_pack_frame {
    uint64_t offset;       /* of the zstd frame in the file */
    uint32_t csize, dsize; /* compressed and decoded bytes */
    uint64_t records, newlines;
    uint64_t first_record; /* 0-based index of its first record in the file */
    uint64_t first_line;   /* 1-based line number of its first line */
} hald_pack_frame_t;

/* Genome mode (hald pack --genome): where each frame's bases lie, and the
 * bases around them that a scan of the frame alone needs. */
#define HALD_PACK_LEFT 80  /* = HALD_SCAN_LEFT */
#define HALD_PACK_RIGHT 82 /* = HALD_SCAN_RIGHT */

typedef struct hald_pack_seq {
    uint64_t length;       /* bases */
    const char *name;      /* first word of the header, NUL-terminated */
} hald_pack_seq_t;

typedef struct hald_pack_gframe {
    uint64_t seq;          /* 0-based sequence the frame's bases belong to */
    uint64_t first_base;   /* 0-based position of its first base in the sequence */
    uint64_t bases;
    uint64_t bases_before;           /* in all frames before it (for --shard) */
    uint32_t left_len, right_len;    /* context, clipped to the sequence */
    char left[HALD_PACK_LEFT];       /* the bases just before first_base */
    char right[HALD_PACK_RIGHT];     /* and just after its last base */
} hald_pack_gframe_t;

typedef struct hald_pack_genome {
    uint64_t n_seqs;
    hald_pack_seq_t *seqs;
    hald_pack_gframe_t *frames;      /* one per data frame */
    uint64_t total_bases;
    char *names;                     /* the names' memory */
} hald_pack_genome_t;

typedef struct hald_pack_index {
    hald_format_t format; /* FASTA, FASTQ or LINES, never AUTO */
    uint64_t n_frames;
    hald_pack_frame_t *frames;
    uint64_t total_records;
    uint64_t total_bytes; /* decoded text */
    hald_pack_genome_t *genome; /* genome mode (format FASTA), else NULL */
} hald_pack_index_t;

/* Reads the index of a packed file from an open regular file (pread: the
 * seek table footer, the seek table, the hald index and each frame's
 * header).  Returns HALD_OK; 1 when the file has no hald index (plain
 * zstd, a third-party seekable file or any other file: not an error, idx
 * is then empty); or a negative status when the index is corrupt.  The
 * file is untrusted: every size and offset is checked. */
int hald_pack_index_read(int fd, const char *name, hald_pack_index_t *idx, hald_error_t *err);

/* Same from a memory image of the whole file (tests, fuzzers). */
int hald_pack_index_parse(const void *file, size_t len, const char *name,
                          hald_pack_index_t *idx, hald_error_t *err);

/* Frees the frames and empties idx; safe on an empty or failed index. */
void hald_pack_index_free(hald_pack_index_t *idx);

/* --shard I/N: frames [*first, *last) of part i of n (0-based i < n),
 * contiguous and balanced by record count; every frame lies in exactly one
 * part, and parts may be empty when n exceeds the frames. */
void hald_pack_shard(const hald_pack_index_t *idx, uint64_t i, uint64_t n,
                     uint64_t *first, uint64_t *last);

/* The same for a genome, balanced by bases. */
void hald_pack_shard_bases(const hald_pack_index_t *idx, uint64_t i, uint64_t n,
                           uint64_t *first, uint64_t *last);

#ifdef __cplusplus
}
#endif
#endif
