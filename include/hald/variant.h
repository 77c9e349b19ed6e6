/* hald — the donor sites one allele touches, scored on both haplotypes.
 *
 * An allele replaces REF at 0-based pos with ALT.  Shared leading and
 * trailing bases are trimmed first (the suffix, then the prefix; case
 * ignored), leaving the change: ref bases [p, p + r) become alt bases
 * [p, p + a) on the alternate haplotype, whose later positions shift by
 * a − r.  Positions map between the haplotypes as follows:
 *   reference x → alternate: x before p; p + i for a changed base i < a;
 *     the junction p + a for a deleted base (i >= a); x + a − r after;
 *   alternate y → reference: y before p; p + i for i < r; p + r (the
 *     reference base after the change) for an inserted base; y − a + r after.
 * A site is (start on the reference, strand, start of the same donor on
 * the alternate haplotype): every GT (+) or AC (−) of the reference, and
 * every one of the alternate haplotype, each mapped to the other, kept
 * when the window of a haplotype that has the dinucleotide lies inside its
 * sequence and a window of either haplotype contains the change.  With a
 * site list, the listed sites instead (whatever their bases), kept when a
 * window contains the change.  Windows are those of hald scan (hald/scan.h):
 * plus [s − 80, s + 80), minus [s − 78, s + 82); scores are the scan's, so
 * an SNV's alternate score is bit for bit the scan of the mutated genome. */
#ifndef HALD_VARIANT_H
#define HALD_VARIANT_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/scan.h"
#include "hald/sites.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bases an allele's sites need on each side of REF (windows of sites up
 * to 82 positions away, and their dinucleotides). */
#define HALD_VARIANT_CONTEXT 168

typedef struct hald_allele {
    uint64_t pos;            /* 0-based position of REF's first base */
    const char *ref, *alt;
    size_t ref_len, alt_len;
} hald_allele_t;

typedef struct hald_variant_site {
    uint64_t start;          /* on the reference (0-based G of GT, or A of AC) */
    uint64_t alt_start;      /* the same donor on the alternate haplotype */
    double ref[2], alt[2];   /* scores by hald_model_t, NaN where NA */
    uint8_t na_ref[2], na_alt[2]; /* hald_na_t reasons */
    uint32_t name;           /* index into the site list, or UINT32_MAX */
    char strand;
    uint8_t gt_ref, gt_alt;  /* the haplotype has GT (+) / AC (−) there */
} hald_variant_site_t;

/* Working memory, kept between alleles. */
typedef struct hald_variant_scratch {
    hald_buf_t hap;          /* the alternate haplotype around the change */
    hald_buf_t cand;         /* candidate sites */
    hald_buf_t ref_sites, alt_sites; /* hald_scan_site_t */
    hald_buf_t sums;         /* hald_scan_sums_t of the reference sites */
} hald_variant_scratch_t;

void hald_variant_scratch_init(hald_variant_scratch_t *s);
void hald_variant_scratch_free(hald_variant_scratch_t *s);

/* The allele's sites, appended to out (hald_variant_site_t) in order of
 * start, '+' before '-', then alt_start.  bases [b0, b0 + n) of a sequence
 * of seq_len bases must hold REF and HALD_VARIANT_CONTEXT bases each side
 * of it (clipped to the sequence); the caller has checked REF against
 * them.  listed (sorted by start, '+' first; n_listed of them), when not
 * NULL, are the only candidate sites, and their index is the site's name.
 * Returns the number of sites appended, or a negative status. */
long hald_variant_sites(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                        uint64_t seq_len, const hald_allele_t *allele, const hald_site_t *listed,
                        size_t n_listed, hald_variant_scratch_t *scratch, hald_buf_t *out,
                        hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
