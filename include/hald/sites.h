/* hald — the donor sites to score in `hald scan --sites/--gtf`.
 *
 * A site names its GT dinucleotide in 0-based half-open plus-strand
 * coordinates: a '+' site has its G at `start`; a '-' site is the AC at
 * [start, start + 2) on the plus strand.  Sites are kept per chromosome
 * (looked up by name through a hash index), and after hald_sites_finish
 * each chromosome's sites are sorted by start, '+' before '-', with exact
 * duplicates merged, so the scanner can stream the FASTA once.
 *
 * Inputs go through hald_reader, so plain, gzip and zstd files all work. */
#ifndef HALD_SITES_H
#define HALD_SITES_H

#include <stddef.h>
#include <stdint.h>

#include "hald/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HALD_SITE_NO_NAME UINT32_MAX

typedef struct hald_site {
    uint64_t start;
    uint32_t name_off; /* into the chromosome's name arena, or HALD_SITE_NO_NAME */
    char strand;       /* '+' or '-' */
} hald_site_t;

typedef struct hald_site_chrom {
    char *name;        /* NUL-terminated */
    size_t name_len;
    hald_site_t *sites;
    size_t n, cap;
    char *names;       /* NUL-terminated names back to back */
    size_t names_len, names_cap;
    int seen;          /* free for the scanner: set when the FASTA has it */
} hald_site_chrom_t;

typedef struct hald_sites {
    hald_site_chrom_t *chroms;
    size_t n, cap;
    uint32_t *index;   /* open addressing: chrom index + 1, 0 = empty */
    size_t index_cap;  /* a power of two, or 0 */
    uint64_t total;    /* sites over all chromosomes */
    uint64_t skipped_rows;   /* GTF exon rows skipped: strand '.'/'?', no transcript_id */
    uint64_t skipped_donors; /* GTF '-' donors that would start before 0 */
    int name_genes;    /* set before reading a GTF: name sites by gene_name (else
                        * gene_id, else transcript_id) instead of transcript_id */
} hald_sites_t;

void hald_sites_init(hald_sites_t *s);
void hald_sites_free(hald_sites_t *s);

/* BED: at least 6 tab-separated columns (chrom, start, end, name, score,
 * strand); end must be start + 2; strand '+' or '-'; name "." or empty
 * means no name.  Blank, '#', "track" and "browser" lines are skipped; CRLF
 * is fine.  Errors: "<file>: line N: reason". */
int hald_sites_read_bed(hald_sites_t *s, const char *path, hald_error_t *err);

/* GTF: 9 tab-separated columns; only "exon" rows are used, grouped by
 * (transcript_id, chrom, strand) wherever they appear in the file.  Donors
 * are the intron-side ends of every exon but the last in transcription
 * order: on '+' site start = exon end (GTF 1-based inclusive), for every
 * exon but the one with the highest start; on '-' site start = exon start
 * - 3, for every exon but the one with the lowest start (dropped, and
 * counted in skipped_donors, if negative).  Exon rows with strand '.' or
 * '?' or no transcript_id are counted in skipped_rows.  Each site's name is
 * its transcript id; shared donors become one site after finish. */
int hald_sites_read_gtf(hald_sites_t *s, const char *path, hald_error_t *err);

/* Sorts every chromosome's sites by (start, '+' first), merges sites with
 * the same (start, strand) into one whose name joins the distinct names
 * with ',' in order of first appearance, drops chromosomes left without
 * sites and sets total.  Call after reading; calling again is harmless. */
int hald_sites_finish(hald_sites_t *s, hald_error_t *err);

/* The chromosome called name[0..len), or NULL.  O(1) on average. */
hald_site_chrom_t *hald_sites_find(const hald_sites_t *s, const char *name, size_t len);

/* The site's name, "" if it has none. */
const char *hald_site_name(const hald_site_chrom_t *c, const hald_site_t *site);

#ifdef __cplusplus
}
#endif
#endif
