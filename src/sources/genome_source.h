/* hald (internal) — the genome source: a FASTA streamed as chunks of donor
 * sites with the bases their windows need.
 *
 * Each unit is a run of site starts [s_lo, s_hi) of one sequence with the
 * bases [b0, b0 + n) around them (80 before, 82 after, clipped to the
 * sequence); chunks overlap by those 162 bases, so every chunk is scored on
 * its own.  With a site list (--sites, --gtf) a unit also names its range
 * of the sequence's sorted sites, and sequences without sites are skipped.
 * The source knows nothing of threads, ranks, models or output. */
#ifndef HALD_SOURCES_GENOME_SOURCE_H
#define HALD_SOURCES_GENOME_SOURCE_H

#include <stdint.h>

#include "hald/reader.h"
#include "hald/sites.h"
#include "../runner/unit.h"
#include "frame_file.h"

typedef struct hald_genome_unit {
    hald_unit_t base;
    /* to the worker */
    uint64_t chrom_index;    /* 0-based, in FASTA order */
    uint64_t seq_len;        /* UINT64_MAX while the sequence goes on */
    uint64_t b0;             /* position of bases[0] */
    uint64_t s_lo, s_hi;     /* site starts of the unit */
    uint64_t site_lo, site_hi; /* with a site list: the range of its sites */
    /* A packed genome's frame, read by whoever works on it: bases is
     * empty, and context holds the index's bases before (left_len of
     * them) and after the frame. */
    uint64_t read_size, in_offset, left_len;
    hald_buf_t context;
    hald_buf_t chrom;        /* the sequence's name, with its NUL */
    hald_buf_t bases;        /* the bulk */
} hald_genome_unit_t;

#define HALD_GENOME_UNIT_FIELDS(type, member)                  \
    HALD_UNIT_U64(type, member.chrom_index, HALD_TO_WORKER),   \
    HALD_UNIT_U64(type, member.seq_len, HALD_TO_WORKER),       \
    HALD_UNIT_U64(type, member.b0, HALD_TO_WORKER),            \
    HALD_UNIT_U64(type, member.s_lo, HALD_TO_WORKER),          \
    HALD_UNIT_U64(type, member.s_hi, HALD_TO_WORKER),          \
    HALD_UNIT_U64(type, member.site_lo, HALD_TO_WORKER),       \
    HALD_UNIT_U64(type, member.site_hi, HALD_TO_WORKER),       \
    HALD_UNIT_U64(type, member.read_size, HALD_TO_WORKER),     \
    HALD_UNIT_U64(type, member.in_offset, HALD_TO_WORKER),     \
    HALD_UNIT_U64(type, member.left_len, HALD_TO_WORKER),      \
    HALD_UNIT_BUF(type, member.context, HALD_TO_WORKER),       \
    HALD_UNIT_BUF(type, member.chrom, HALD_TO_WORKER),         \
    HALD_UNIT_BUF(type, member.bases, HALD_TO_WORKER)

typedef struct hald_genome_src hald_genome_src_t;

/* Opens the FASTA at path ("-": stdin).  chunk: site starts per unit
 * (0: HALD_SCAN_CHUNK of hald/scan_run.h).  sites: only these (NULL: every start); the
 * source marks the sequences it meets (seen).  A genome packed with hald
 * pack --genome is dealt a frame per unit, which the worker reads
 * (hald_genome_read_frame); shard_count > 0 takes the shard_index-th of that
 * many base-balanced parts of one (an error for any other input). */
hald_genome_src_t *hald_genome_open(const char *path, uint64_t chunk, hald_sites_t *sites,
                                    uint64_t shard_index, uint64_t shard_count, hald_error_t *err);
/* The same over an open reader, which the source does not close. */
hald_genome_src_t *hald_genome_open_reader(hald_reader_t *r, uint64_t chunk, hald_sites_t *sites,
                                           hald_error_t *err);
/* Only the site starts of region ("chr", "chr:beg-end", 1-based
 * inclusive) of the indexed FASTA at path, read through its index chunk by
 * chunk: the same units a whole scan gives for those starts (bases clipped
 * to the sequence, seq_len its full length, chrom_index its place in the
 * index).  With sites, only theirs; every listed sequence the FASTA has is
 * marked seen.  HALD_E_USAGE when the FASTA has no index (saying how to
 * make one), HALD_E_INPUT when it has no such sequence. */
hald_genome_src_t *hald_genome_open_region(const char *path, const char *region, uint64_t chunk,
                                           hald_sites_t *sites, hald_error_t *err);
void hald_genome_close(hald_genome_src_t *g);
const char *hald_genome_name(const hald_genome_src_t *g);
/* The next unit (reset by the caller): 1, 0 at the end, or negative. */
int hald_genome_next(hald_genome_src_t *g, hald_genome_unit_t *u, hald_error_t *err);

/* Input bytes consumed (any thread), the input's size when it is a
 * regular file (else 0), and what was read.  With a region: the region's
 * bases done and in all, so that progress is the region's. */
uint64_t hald_genome_bytes_in(const hald_genome_src_t *g);
uint64_t hald_genome_bytes_total(const hald_genome_src_t *g);
uint64_t hald_genome_sequences(const hald_genome_src_t *g);
uint64_t hald_genome_bases(const hald_genome_src_t *g);
/* Sequences whose name an earlier sequence had, and the first such name. */
uint64_t hald_genome_repeated(const hald_genome_src_t *g, const char **first);
/* "packed" (frames read by workers), else "stream". */
const char *hald_genome_kind(const hald_genome_src_t *g);
/* Input bytes the source itself read from the file. */
uint64_t hald_genome_bytes_read(const hald_genome_src_t *g);

/* ================================================================ workers */

/* What every rank needs to read packed frames: the input opened by this
 * rank (hald_frame_file_open). */
typedef struct hald_genome_cfg {
    const char *input_name;
    hald_frame_file_t file;
} hald_genome_cfg_t;

typedef struct hald_genome_work hald_genome_work_t;
hald_genome_work_t *hald_genome_work_new(void);
void hald_genome_work_free(hald_genome_work_t *w);
/* A unit dealt as a packed frame (read_size > 0): reads and decodes the
 * frame, and gives the unit its bases with the context around them. */
int hald_genome_read_frame(const hald_genome_cfg_t *cfg, hald_genome_unit_t *u, hald_genome_work_t *w,
                     hald_error_t *err);

#endif
