/* hald — formatting variant effects: TSV rows and the VCF INFO field HAL.
 *
 * TSV: `chrom pos ref alt start end strand gt_ref gt_alt` (+ `name` with a
 * site list), then per model `ref_M alt_M delta_M sigmoid_M`; one row per
 * site of an allele, in the sites' order.
 * HAL (INFO, Number=., Type=String), SpliceAI style: per ALT allele and
 * model `ALLELE|MODEL|SITE|STRAND|REF_SCORE|ALT_SCORE|DELTA` (with genes:
 * `ALLELE|MODEL|GENE|SITE|...`) for the site of largest |delta| (ties, which
 * are |deltas| equal to 12 significant digits: the first in site order,
 * smaller start, plus first); SITE is 1-based on the
 * plus strand (start + 1).  Pure functions into buffers, so workers format
 * and the writer only writes. */
#ifndef HALD_VARIANT_WRITER_H
#define HALD_VARIANT_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "hald/buf.h"
#include "hald/error.h"
#include "hald/score.h"
#include "hald/variant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The INFO header line's description (after "Format: " come the fields). */
#define HALD_HAL_FORMAT "ALLELE|MODEL|SITE|STRAND|REF_SCORE|ALT_SCORE|DELTA"
#define HALD_HAL_FORMAT_GENES "ALLELE|MODEL|GENE|SITE|STRAND|REF_SCORE|ALT_SCORE|DELTA"

/* The TSV header line, with its newline. */
int hald_variant_tsv_header(hald_model_set_t models, int named, hald_buf_t *out, hald_error_t *err);

/* What the rows of one allele share. */
typedef struct hald_allele_text {
    const char *chrom;
    uint64_t pos;            /* VCF POS, 1-based */
    const char *ref, *alt;
    size_t ref_len, alt_len;
} hald_allele_text_t;

/* One TSV row per site; names[i] (when names is not NULL) is site i's. */
int hald_variant_tsv_rows(const hald_allele_text_t *a, const hald_variant_site_t *v, size_t n,
                          hald_model_set_t models, const char *const *names, hald_buf_t *out,
                          hald_error_t *err);

/* Appends the allele's HAL entries (one per model with a delta), each
 * preceded by ',' when *entries (the record's entries so far) is not 0,
 * and adds their number to *entries; names as above (',' in a name
 * becomes '&', as VEP joins values). */
int hald_variant_hal_entries(const hald_allele_text_t *a, const hald_variant_site_t *v, size_t n,
                             hald_model_set_t models, const char *const *names, int *entries,
                             hald_buf_t *out, hald_error_t *err);

/* A VCF data line (without its newline) with INFO/HAL set to
 * hal[0..hal_len), or removed when hal_len is 0, appended to out: every
 * other byte of the line is kept, other INFO entries in their order
 * (INFO "." becomes "HAL=..."; an INFO left empty becomes "."). */
int hald_vcf_line_set_hal(const char *line, size_t n, const char *hal, size_t hal_len,
                          hald_buf_t *out, hald_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
