/* hald — what each variant of a VCF does to the donors around it
 * (hald variants).
 *
 * Variants (VCF/BCF, plain or bgzip, read with htslib) are applied to a
 * genome (FASTA: plain, gzip, bgzip or zstd).  Multi-allelic records are
 * split per ALT; SNVs, MNVs and indels up to HALD_VARIANT_MAX_ALLELE bases
 * are scored, symbolic and longer alleles are skipped and counted.
 *
 * Sites: every position where the reference or the alternate haplotype
 * has a donor dinucleotide (GT on plus, AC on minus; coordinates on the
 * reference as in hald scan) and whose window contains the change.  Each
 * site is scored twice: its reference window, and the window of 80 nt
 * each side of the same donor on the alternate haplotype
 * (docs/variants.md gives the mapping for indels).  Output: a TSV row per
 * (variant, allele, site), or the input records with an INFO field HAL
 * (the site of largest |delta| per allele and model), as VCF, bgzip VCF
 * or BCF.  The same bytes on any number of threads and ranks. */
#ifndef HALD_VARIANTS_RUN_H
#define HALD_VARIANTS_RUN_H

#include <stdint.h>

#include "hald/error.h"
#include "hald/genome.h"
#include "hald/run.h"
#include "hald/scan.h"
#include "hald/sink.h"
#include "hald/sites.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest REF or ALT allele scored (longer ones are skipped and counted). */
#define HALD_VARIANT_MAX_ALLELE 50

typedef enum hald_variant_out {
    HALD_VARIANT_OUT_TSV = 0,
    HALD_VARIANT_OUT_VCF = 1,     /* plain VCF */
    HALD_VARIANT_OUT_VCF_GZ = 2,  /* bgzip VCF */
    HALD_VARIANT_OUT_BCF = 3
} hald_variant_out_t;

/* "tsv", "vcf", "vcf.gz" or "bcf"; -1 if unknown. */
int hald_variant_out_parse(const char *s, hald_variant_out_t *out);
/* The format an output name implies (.vcf, .vcf.gz/.vcf.bgz, .bcf), else TSV. */
hald_variant_out_t hald_variant_out_from_name(const char *path);

typedef struct hald_variants_opts {
    hald_model_set_t models;      /* HALD_MODELS_BOTH */
    hald_variant_out_t format;    /* HALD_VARIANT_OUT_TSV */
    int lenient;                  /* REF mismatches skipped and counted, not an error */
    const char *region;           /* "chr", "chr:beg-end" (1-based, inclusive), or NULL */
    const hald_sites_t *sites;    /* only these donors (BED or GTF), or NULL */
    int site_genes;               /* sites came from a GTF: names are genes (VCF GENE) */
    const hald_genome_t *genome;  /* the genome held in memory (hald serve): no FASTA is read */
    const char *vcf_label;        /* the VCF's name in messages, if not its path */
} hald_variants_opts_t;

void hald_variants_opts_init(hald_variants_opts_t *o);

typedef struct hald_variants_stats {
    hald_run_stats_t run;         /* items: TSV rows (sites scored) */
    uint64_t records, alleles;    /* VCF records read, ALT alleles scored */
    uint64_t with_sites;          /* alleles that reach at least one site */
    uint64_t skipped_symbolic;    /* symbolic, breakend or '*' alleles */
    uint64_t skipped_long;        /* REF or ALT longer than HALD_VARIANT_MAX_ALLELE */
    uint64_t skipped_ref;         /* --lenient: REF disagrees with the FASTA */
} hald_variants_stats_t;

/* Every rank calls this with the same arguments; the paths and out are
 * rank 0's.  Returns HALD_OK or a negative status with err naming the
 * file, the record (number and CHROM:POS) and the reason. */
int hald_variants_run(const hald_scan_tables_t *t, const hald_variants_opts_t *o,
                      const char *fasta, const char *vcf, hald_sink_t *out,
                      const hald_run_env_t *env, hald_variants_stats_t *st, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
