/* hald (internal) — packed genomes (hald pack --genome): the genome
 * section of the index, how the packer builds it, and a frame's bases.
 *
 * A genome is packed as FASTA text cut into frames that never hold the
 * bases of two sequences (a frame ends before each header), so a frame is
 * a piece of one sequence: `zstd -dc` still gives the FASTA back.  The
 * genome section (a skippable frame between the data frames and the hald
 * index, docs/packed-format.md) says for each frame which sequence, from
 * which base, and holds the 80 bases before and 82 after it, so that any
 * rank can scan a frame with nothing but the frame and the index. */
#ifndef HALD_SOURCES_PACKED_GENOME_H
#define HALD_SOURCES_PACKED_GENOME_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/pack.h"

#define SKIP_GENOME 0x184D2A5Cu /* skippable frame holding the genome section */
#define GENOME_MAGIC "HALDGEN1"
#define IDX_FORMAT_GENOME 4u    /* the hald index's format field for a genome */

/* The bases of a frame's text (its header line, if any, skipped), as
 * hald_fasta_read_bases gives them; *name gets the header's name, or is
 * emptied when the frame continues a sequence.  Errors name `input`. */
int hald_genome_frame_bases(const char *text, size_t len, const char *input, hald_buf_t *bases,
                            hald_buf_t *name, int *has_header, hald_error_t *err);

/* What the packer's worker says of a frame. */
typedef struct hald_gframe_summary {
    int has_header;          /* the frame starts a sequence */
    const char *name;        /* its name then */
    size_t name_len;
    uint64_t bases;
    const char *head;        /* the first min(bases, HALD_PACK_RIGHT) bases */
    const char *tail;        /* the last min(bases, HALD_PACK_LEFT) bases */
} hald_gframe_summary_t;

/* Rank 0 of the packer, frame by frame in order. */
typedef struct hald_genome_builder {
    hald_pack_gframe_t *frames;
    size_t n_frames, cap_frames;
    uint64_t *lengths;       /* per sequence */
    size_t n_seqs, cap_seqs;
    hald_buf_t names;        /* u32 length, name, per sequence */
    char tail[HALD_PACK_LEFT];
    size_t tail_len;
    size_t open;             /* the first frame still short of right context */
} hald_genome_builder_t;

void hald_genome_builder_init(hald_genome_builder_t *b);
int hald_genome_builder_add(hald_genome_builder_t *b, const hald_gframe_summary_t *s,
                            const char *input, hald_error_t *err);
/* The genome section as a whole skippable frame. */
int hald_genome_builder_encode(const hald_genome_builder_t *b, hald_buf_t *out, hald_error_t *err);
void hald_genome_builder_free(hald_genome_builder_t *b);

/* Parses and checks the genome section payload (after the skippable
 * frame's 8-byte head) against the index's frames. */
int hald_pack_genome_parse(const unsigned char *p, size_t len, hald_pack_index_t *idx,
                           const char *name, hald_error_t *err);
void hald_pack_genome_free(hald_pack_genome_t *g);

#endif
