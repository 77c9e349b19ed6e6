/* Variant effects as TSV rows and HAL entries: see hald/variant_writer.h. */
#include "hald/variant_writer.h"

#include <math.h>
#include <string.h>

#include "hald/effect.h"
#include "hald/numfmt.h"
#include "hald/variants_run.h"

int hald_variant_out_parse(const char *s, hald_variant_out_t *out)
{
    static const char *const NAMES[] = {"tsv", "vcf", "vcf.gz", "bcf"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, NAMES[i]) == 0) {
            *out = (hald_variant_out_t)i;
            return 0;
        }
    return -1;
}

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && strcmp(s + n - k, tail) == 0;
}

hald_variant_out_t hald_variant_out_from_name(const char *path)
{
    if (!path)
        return HALD_VARIANT_OUT_TSV;
    if (ends_with(path, ".vcf.gz") || ends_with(path, ".vcf.bgz"))
        return HALD_VARIANT_OUT_VCF_GZ;
    if (ends_with(path, ".vcf"))
        return HALD_VARIANT_OUT_VCF;
    if (ends_with(path, ".bcf"))
        return HALD_VARIANT_OUT_BCF;
    return HALD_VARIANT_OUT_TSV;
}

int hald_variant_tsv_header(hald_model_set_t models, int named, hald_buf_t *out, hald_error_t *err)
{
    static const char HEAD[] = "chrom\tpos\tref\talt\tstart\tend\tstrand\tgt_ref\tgt_alt";
    if (hald_buf_append(out, HEAD, sizeof HEAD - 1, err) != HALD_OK ||
        (named && hald_buf_append(out, "\tname", 5, err) != HALD_OK) ||
        hald_effect_header(models, out, err) != HALD_OK)
        return err->code;
    return hald_buf_append(out, "\n", 1, err);
}

/* The scores of a site for the models of the set, in output order. */
static int model_scores(const hald_variant_site_t *v, hald_model_set_t models, double *ref,
                        double *alt)
{
    int k = 0;
    for (int m = 0; m < HALD_N_MODELS; m++)
        if (models & (1u << m)) {
            ref[k] = v->ref[m];
            alt[k++] = v->alt[m];
        }
    return k;
}

static char *put(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

int hald_variant_tsv_rows(const hald_allele_text_t *a, const hald_variant_site_t *v, size_t n,
                          hald_model_set_t models, const char *const *names, hald_buf_t *out,
                          hald_error_t *err)
{
    size_t chrom_len = strlen(a->chrom);
    for (size_t i = 0; i < n; i++) {
        size_t name_len = names ? strlen(names[i]) : 0;
        size_t need = chrom_len + a->ref_len + a->alt_len + name_len + 3 * 21 + 32 +
                      HALD_N_MODELS * HALD_EFFECT_COLS_MAX;
        char *p = hald_buf_reserve(out, need, err);
        if (!p)
            return err->code;
        char *start = p;
        p = put(p, a->chrom, chrom_len);
        *p++ = '\t';
        p += hald_format_u64(a->pos, p);
        *p++ = '\t';
        p = put(p, a->ref, a->ref_len);
        *p++ = '\t';
        p = put(p, a->alt, a->alt_len);
        *p++ = '\t';
        p += hald_format_u64(v[i].start, p);
        *p++ = '\t';
        p += hald_format_u64(v[i].start + 2, p);
        *p++ = '\t';
        *p++ = v[i].strand;
        p = put(p, v[i].gt_ref ? "\tyes" : "\tno", v[i].gt_ref ? 4 : 3);
        p = put(p, v[i].gt_alt ? "\tyes" : "\tno", v[i].gt_alt ? 4 : 3);
        if (names) {
            *p++ = '\t';
            p = put(p, names[i], name_len);
        }
        double ref[HALD_N_MODELS], alt[HALD_N_MODELS];
        int k = model_scores(&v[i], models, ref, alt);
        p = hald_effect_cols(p, ref, alt, k);
        *p++ = '\n';
        out->len += (size_t)(p - start);
    }
    return HALD_OK;
}

static char *number(char *p, double x)
{
    return p + hald_format_g15(x, p);
}

int hald_variant_hal_entries(const hald_allele_text_t *a, const hald_variant_site_t *v, size_t n,
                             hald_model_set_t models, const char *const *names, int *entries,
                             hald_buf_t *out, hald_error_t *err)
{
    for (int m = 0; m < HALD_N_MODELS; m++) {
        if (!(models & (1u << m)))
            continue;
        size_t best = n;
        double best_abs = -1.0;
        for (size_t i = 0; i < n; i++) {
            double d = fabs(v[i].alt[m] - v[i].ref[m]);
            /* Ties keep the first.  Deltas that agree to 12 digits are
             * ties: the same change seen from two windows differs only in
             * the last bits of its two subtracted scores. */
            if (!isnan(d) && d > best_abs * (1.0 + 1e-12)) {
                best = i;
                best_abs = d;
            }
        }
        if (best == n)
            continue;
        const hald_variant_site_t *b = &v[best];
        const char *model = hald_model_name((hald_model_t)m);
        size_t name_len = names ? strlen(names[best]) : 0;
        char *p = hald_buf_reserve(out, a->alt_len + strlen(model) + name_len + 21 + 8 + 3 * 32, err);
        if (!p)
            return err->code;
        char *start = p;
        if (*entries)
            *p++ = ',';
        p = put(p, a->alt, a->alt_len);
        *p++ = '|';
        p = put(p, model, strlen(model));
        *p++ = '|';
        if (names) {
            for (size_t c = 0; c < name_len; c++)
                *p++ = names[best][c] == ',' ? '&' : names[best][c];
            *p++ = '|';
        }
        p += hald_format_u64(b->start + 1, p);
        *p++ = '|';
        *p++ = b->strand;
        *p++ = '|';
        p = number(p, b->ref[m]);
        *p++ = '|';
        p = number(p, b->alt[m]);
        *p++ = '|';
        p = number(p, b->alt[m] - b->ref[m]);
        out->len += (size_t)(p - start);
        ++*entries;
    }
    return HALD_OK;
}

/* The INFO column of a VCF line: [*a, *b); 0 if the line has fewer than 8. */
static int info_span(const char *line, size_t n, size_t *a, size_t *b)
{
    size_t tabs = 0, i = 0;
    for (; i < n && tabs < 7; i++)
        tabs += line[i] == '\t';
    if (tabs < 7)
        return 0;
    *a = i;
    const char *t = memchr(line + i, '\t', n - i);
    *b = t ? (size_t)(t - line) : n;
    return 1;
}

int hald_vcf_line_set_hal(const char *line, size_t n, const char *hal, size_t hal_len,
                          hald_buf_t *out, hald_error_t *err)
{
    size_t a, b;
    if (!info_span(line, n, &a, &b))
        return hald_buf_append(out, line, n, err);
    char *p = hald_buf_reserve(out, n + hal_len + 6, err);
    if (!p)
        return err->code;
    char *start = p;
    p = put(p, line, a);
    char *info = p;
    int dot = b - a == 1 && line[a] == '.';
    for (size_t i = a; i < b && !dot;) { /* the entries but HAL */
        const char *semi = memchr(line + i, ';', b - i);
        size_t e = semi ? (size_t)(semi - line) : b;
        int is_hal = e - i >= 3 && memcmp(line + i, "HAL", 3) == 0 && (e - i == 3 || line[i + 3] == '=');
        if (!is_hal && e > i) {
            if (p > info)
                *p++ = ';';
            p = put(p, line + i, e - i);
        }
        i = e + 1;
    }
    if (hal_len) {
        if (p > info)
            *p++ = ';';
        p = put(p, "HAL=", 4);
        p = put(p, hal, hal_len);
    }
    if (p == info)
        *p++ = '.';
    p = put(p, line + b, n - b);
    out->len += (size_t)(p - start);
    return HALD_OK;
}
