/* hald (internal) — the VCF source: variants (VCF or BCF, read with
 * htslib) with the bases of the genome around them, as units of work.
 *
 * Rank 0 reads records in file order and loads each chromosome's sequence
 * once (genome_fetch.h), so memory is the largest chromosome plus the
 * units in flight.  A unit is a run of records of one chromosome, shipped
 * with its bases [b0, b0 + n): HALD_VARIANT_CONTEXT around every REF,
 * clipped to the sequence.  Records travel as
 *
 *   per record: u64 pos (0-based), u64 number (1-based, for messages),
 *               u32 REF length, u32 ALT field length, REF, ALT (as in the
 *               VCF: comma-separated alleles)
 *
 * For VCF or BCF output the source also keeps each record dealt (the
 * htslib record), to be written again in order by the writer. */
#ifndef HALD_SOURCES_VCF_SOURCE_H
#define HALD_SOURCES_VCF_SOURCE_H

#include <stdint.h>

#include <htslib/vcf.h>

#include "hald/genome.h"

#include "../runner/unit.h"

typedef struct hald_vcf_unit {
    hald_unit_t base;
    /* to the worker */
    uint64_t n_records;
    uint64_t seq_len, b0;
    hald_buf_t chrom;        /* the chromosome's name, with its NUL */
    hald_buf_t records;
    hald_buf_t bases;        /* the bulk */
} hald_vcf_unit_t;

#define HALD_VCF_UNIT_FIELDS(type, member)                   \
    HALD_UNIT_U64(type, member.n_records, HALD_TO_WORKER),   \
    HALD_UNIT_U64(type, member.seq_len, HALD_TO_WORKER),     \
    HALD_UNIT_U64(type, member.b0, HALD_TO_WORKER),          \
    HALD_UNIT_BUF(type, member.chrom, HALD_TO_WORKER),       \
    HALD_UNIT_BUF(type, member.records, HALD_TO_WORKER),     \
    HALD_UNIT_BUF(type, member.bases, HALD_TO_WORKER)

typedef struct hald_vcf_src hald_vcf_src_t;

/* What the source keeps of each record dealt, for a writer that writes
 * the records again. */
typedef enum hald_vcf_keep {
    HALD_VCF_KEEP_NONE = 0,
    HALD_VCF_KEEP_RECORDS = 1,  /* the htslib records */
    HALD_VCF_KEEP_LINES = 2     /* a text VCF's lines as read (else records) */
} hald_vcf_keep_t;

/* What to open: the VCF ("-": stdin) and the genome, a FASTA path or one
 * held in memory. */
typedef struct hald_vcf_inputs {
    const char *vcf;
    const char *vcf_label;        /* its name in messages; NULL: the path ("stdin" for "-") */
    const char *fasta;            /* used when genome is NULL */
    const hald_genome_t *genome;
    const char *region;           /* "chr" or "chr:beg-end"; NULL: all (records overlapping it only) */
} hald_vcf_inputs_t;

hald_vcf_src_t *hald_vcf_src_open(const hald_vcf_inputs_t *in, hald_vcf_keep_t keep, hald_error_t *err);
/* Whether it keeps lines (HALD_VCF_KEEP_LINES on a text VCF). */
int hald_vcf_src_keeps_lines(const hald_vcf_src_t *s);
/* The oldest line kept and not yet taken, into line (emptied first):
 * 1, or 0 when there is none. */
int hald_vcf_src_take_line(hald_vcf_src_t *s, hald_buf_t *line, hald_error_t *err);
void hald_vcf_src_close(hald_vcf_src_t *s);
const char *hald_vcf_src_name(const hald_vcf_src_t *s);
const bcf_hdr_t *hald_vcf_src_header(const hald_vcf_src_t *s);
/* The next unit (reset by the caller): 1, 0 at the end, or negative with
 * err naming the file, the record and the reason. */
int hald_vcf_src_next(hald_vcf_src_t *s, hald_vcf_unit_t *u, hald_error_t *err);
/* The oldest record kept and not yet taken (NULL: none); give it back
 * with recycle once written. */
bcf1_t *hald_vcf_src_take(hald_vcf_src_t *s);
void hald_vcf_src_recycle(hald_vcf_src_t *s, bcf1_t *rec);
uint64_t hald_vcf_src_records(const hald_vcf_src_t *s);
/* Contigs the VCF's header did not declare, which htslib added to it as
 * records named them (in that order): their names, NUL-terminated, moved
 * into names (emptied first).  The writer's header needs them too. */
void hald_vcf_src_new_contigs(hald_vcf_src_t *s, hald_buf_t *names);
uint64_t hald_vcf_src_bytes_in(const hald_vcf_src_t *s);

/* One record of a unit, pointing into its buffer. */
typedef struct hald_vcf_rec {
    uint64_t pos, number;
    const char *ref, *alts;
    uint32_t ref_len, alts_len;
} hald_vcf_rec_t;

/* The record at *p (advanced past it): 1, 0 at the end, -1 if cut. */
int hald_vcf_rec_decode(const char **p, const char *end, hald_vcf_rec_t *r);

#endif
