/* The sites one allele touches: see hald/variant.h. */
#include "hald/variant.h"

#include <stdlib.h>
#include <string.h>

#include "hald/hexamer.h"
#include "hald/score.h"
#include "hald/variants_run.h"

/* Rows a substitution can change: its bases and the five before. */
#define HALD_VARIANT_MAX_ROWS (HALD_VARIANT_MAX_ALLELE + 5)
_Static_assert(HALD_VARIANT_MAX_ROWS <= HALD_SCAN_CHANGE_MAX, "a change's rows fit");

enum { A = 0, T = 1, C = 2, G = 3 };

void hald_variant_scratch_init(hald_variant_scratch_t *s)
{
    memset(s, 0, sizeof *s);
}

void hald_variant_scratch_free(hald_variant_scratch_t *s)
{
    hald_buf_free(&s->hap);
    hald_buf_free(&s->cand);
    hald_buf_free(&s->ref_sites);
    hald_buf_free(&s->alt_sites);
    hald_buf_free(&s->sums);
}

/* The change after trimming: ref [p, p + r) becomes alt [p, p + a). */
typedef struct change {
    uint64_t p;
    uint64_t r, a;
} change_t;

static int same_base(char x, char y)
{
    return (x & ~0x20) == (y & ~0x20);
}

static change_t trim(const hald_allele_t *al, const char **alt)
{
    change_t c = {al->pos, al->ref_len, al->alt_len};
    const char *ref = al->ref;
    *alt = al->alt;
    while (c.r && c.a && same_base(ref[c.r - 1], (*alt)[c.a - 1]))
        c.r--, c.a--;
    while (c.r && c.a && same_base(ref[0], (*alt)[0]))
        c.p++, c.r--, c.a--, ref++, (*alt)++;
    return c;
}

static uint64_t ref_to_alt(const change_t *c, uint64_t x)
{
    if (x < c->p)
        return x;
    if (x >= c->p + c->r)
        return x + c->a - c->r;
    return x - c->p < c->a ? x : c->p + c->a;
}

static uint64_t alt_to_ref(const change_t *c, uint64_t y)
{
    if (y < c->p)
        return y;
    if (y >= c->p + c->a)
        return y - c->a + c->r;
    return y - c->p < c->r ? y : c->p + c->r;
}

/* A haplotype's bases [b0, b0 + n) of seq_len. */
typedef struct hap {
    const char *bases;
    uint64_t b0;
    size_t n;
    uint64_t seq_len;
} hap_t;

static unsigned code(const hap_t *h, uint64_t x)
{
    return x >= h->b0 && x < h->b0 + h->n ? hald_base_code((unsigned char)h->bases[x - h->b0]) : 4;
}

static int has_donor(const hap_t *h, uint64_t x, char strand)
{
    unsigned c0 = code(h, x), c1 = code(h, x + 1);
    return strand == '+' ? c0 == G && c1 == T : c0 == A && c1 == C;
}

/* The window of a site at s: [lo, hi). */
static uint64_t win_lo(uint64_t s, char strand) { return strand == '+' ? s - 80 : s - 78; }
static uint64_t win_hi(uint64_t s, char strand) { return strand == '+' ? s + 80 : s + 82; }

static int inside(uint64_t s, char strand, uint64_t seq_len)
{
    return s >= (strand == '+' ? 80u : 78u) && win_hi(s, strand) <= seq_len;
}

/* Whether the window of s (inside its sequence or not) overlaps [p, p + len). */
static int overlaps(uint64_t s, char strand, uint64_t p, uint64_t len)
{
    uint64_t lo = s >= (strand == '+' ? 80u : 78u) ? win_lo(s, strand) : 0;
    return len && lo < p + len && p < win_hi(s, strand);
}

typedef struct cand {
    uint64_t start, alt_start;
    uint32_t name;
    char strand;
} cand_t;

static int cmp_cand(const cand_t *a, const cand_t *b)
{
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->strand != b->strand)
        return a->strand == '+' ? -1 : 1;
    return a->alt_start < b->alt_start ? -1 : a->alt_start > b->alt_start;
}

/* Lists here are sorted or nearly so (a few inserted positions share a
 * reference start): insertion sort is linear on them, and allocates
 * nothing, unlike qsort. */
static void sort_cands(cand_t *c, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        cand_t x = c[i];
        size_t j = i;
        for (; j > 0 && cmp_cand(&c[j - 1], &x) > 0; j--)
            c[j] = c[j - 1];
        c[j] = x;
    }
}

static cand_t *more_cands(hald_buf_t *b, size_t n, hald_error_t *err)
{
    return (cand_t *)(void *)hald_buf_reserve(b, n * sizeof(cand_t), err);
}

/* The GT (+) and AC (-) starts of a haplotype in [lo, hi], in order, as
 * candidates; alt: the starts are on the alternate haplotype (mapped back
 * to the reference).  Sites are found 64 positions at a time by the scan's
 * mask kernel. */
static int donors_in(const hald_scan_tables_t *t, const change_t *c, const hap_t *h, uint64_t lo,
                     uint64_t hi, int alt, hald_buf_t *out, hald_error_t *err)
{
    if (lo < h->b0)
        lo = h->b0;
    if (h->b0 + h->n < 2)
        return HALD_OK;
    uint64_t last = h->b0 + h->n - 2; /* the last start with two bases */
    if (hi > last)
        hi = last;
    for (uint64_t w = lo; w <= hi; w += 64) {
        size_t k = hi - w + 1 < 64 ? (size_t)(hi - w + 1) : 64;
        uint64_t plus, minus;
        uint64_t back = 64 - k; /* a short tail: a whole block ending at hi, where the bases allow */
        if (k < 64 && w - h->b0 >= back) {
            t->masks(h->bases + (w - back - h->b0), 64, &plus, &minus);
            plus >>= back;
            minus >>= back;
        } else {
            t->masks(h->bases + (w - h->b0), k, &plus, &minus);
        }
        uint64_t any = plus | minus;
        if (!any)
            continue;
        cand_t *o = more_cands(out, 128, err); /* at most two a position */
        if (!o)
            return err->code;
        size_t m = 0;
        for (; any; any &= any - 1) {
            unsigned bit = (unsigned)__builtin_ctzll(any);
            uint64_t x = w + bit;
            uint64_t s = alt ? alt_to_ref(c, x) : x, y = alt ? x : ref_to_alt(c, x);
            if (plus >> bit & 1)
                o[m++] = (cand_t){s, y, UINT32_MAX, '+'};
            if (minus >> bit & 1)
                o[m++] = (cand_t){s, y, UINT32_MAX, '-'};
        }
        out->len += m * sizeof *o;
    }
    return HALD_OK;
}

/* Every candidate, sorted and unique: reference and alternate
 * dinucleotides near the change, or the listed sites near it.  The buffer
 * holds the reference's list, then the alternate's (each sorted), then
 * their merge, which is what *list points to. */
static int candidates(const hald_scan_tables_t *t, const change_t *c, const hap_t *ref,
                      const hap_t *alt, const hald_site_t *listed, size_t n_listed,
                      hald_buf_t *out, cand_t **list, size_t *n, hald_error_t *err)
{
    uint64_t lo = c->p > 82 ? c->p - 82 : 0;
    out->len = 0;
    if (listed) {
        size_t i = 0, j = n_listed;
        while (i < j) { /* the first listed site at or after lo */
            size_t mid = i + (j - i) / 2;
            if (listed[mid].start < lo)
                i = mid + 1;
            else
                j = mid;
        }
        size_t k = 0;
        while (i + k < n_listed && listed[i + k].start <= c->p + c->r + 82)
            k++;
        cand_t *o = more_cands(out, k, err);
        if (k && !o)
            return err->code;
        for (size_t q = 0; q < k; q++) {
            const hald_site_t *l = &listed[i + q];
            o[q] = (cand_t){l->start, ref_to_alt(c, l->start), (uint32_t)(i + q), l->strand};
        }
        *list = o;
        *n = k;
        return HALD_OK;
    }
    if (donors_in(t, c, ref, lo, c->p + c->r + 82, 0, out, err) != HALD_OK)
        return err->code;
    size_t n_ref = out->len / sizeof(cand_t);
    /* A substitution's alternate dinucleotides differ from the reference's
     * only where one touches a changed base: look there alone. */
    uint64_t alt_lo = lo, alt_hi = c->p + c->a + 82;
    if (c->r == c->a) {
        alt_lo = c->p ? c->p - 1 : 0;
        alt_hi = c->p + c->r - 1;
    }
    if (donors_in(t, c, alt, alt_lo, alt_hi, 1, out, err) != HALD_OK)
        return err->code;
    size_t n_alt = out->len / sizeof(cand_t) - n_ref;
    if (!more_cands(out, n_ref + n_alt, err))
        return err->code;
    cand_t *r = (cand_t *)(void *)out->data, *a = r + n_ref, *m = a + n_alt;
    sort_cands(a, n_alt);
    size_t i = 0, j = 0, k = 0;
    while (i < n_ref || j < n_alt) {
        const cand_t *next = j == n_alt || (i < n_ref && cmp_cand(&r[i], &a[j]) <= 0) ? &r[i++] : &a[j++];
        if (k == 0 || cmp_cand(&m[k - 1], next) != 0)
            m[k++] = *next;
    }
    *list = m;
    *n = k;
    return HALD_OK;
}

/* Builds the alternate haplotype around the change in scratch->hap:
 * reference [lo, p), ALT's changed bases, reference [p + r, hi). */
static int build_hap(const change_t *c, const char *alt_bases, const hap_t *ref, hald_buf_t *hap,
                     hap_t *alt, hald_error_t *err)
{
    uint64_t lo = c->p > HALD_VARIANT_CONTEXT ? c->p - HALD_VARIANT_CONTEXT : 0;
    uint64_t hi = c->p + c->r + HALD_VARIANT_CONTEXT;
    if (lo < ref->b0)
        lo = ref->b0;
    if (hi > ref->b0 + ref->n)
        hi = ref->b0 + ref->n;
    hap->len = 0;
    size_t before = (size_t)(c->p - lo), after = (size_t)(hi - (c->p + c->r));
    char *p = hald_buf_reserve(hap, before + (size_t)c->a + after, err);
    if (!p)
        return err->code;
    memcpy(p, ref->bases + (lo - ref->b0), before);
    if (c->a)
        memcpy(p + before, alt_bases, (size_t)c->a);
    memcpy(p + before + c->a, ref->bases + (c->p + c->r - ref->b0), after);
    hap->len = before + (size_t)c->a + after;
    *alt = (hap_t){hap->data, lo, hap->len, ref->seq_len + c->a - c->r};
    return HALD_OK;
}

/* By start (nearly sorted already: see sort_cands). */
static void sort_by_start(hald_scan_site_t *s, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        hald_scan_site_t x = s[i];
        size_t j = i;
        for (; j > 0 && s[j - 1].start > x.start; j--)
            s[j] = s[j - 1];
        s[j] = x;
    }
}

/* A substitution leaves every position in place: the alternate scores are
 * the reference sums plus the rows it changes (at most r + 5 hexamers). */
static int substitution(const hald_scan_tables_t *t, const change_t *c, const hap_t *ref,
                        const hap_t *alt, hald_scan_site_t *rs, hald_scan_site_t *as, size_t m,
                        hald_buf_t *sums_buf, hald_error_t *err)
{
    sums_buf->len = 0;
    hald_scan_sums_t *sums = (hald_scan_sums_t *)(void *)hald_buf_reserve(sums_buf, m * sizeof *sums, err);
    if (!sums)
        return err->code;
    hald_scan_sites_sums(t, ref->bases, ref->b0, ref->n, ref->seq_len, rs, sums, m);
    /* Hexamers that hold a changed base: starts p − 5 .. p + r − 1, those
     * with six bases in the sequence. */
    uint16_t ref_rows[HALD_VARIANT_MAX_ROWS], alt_rows[HALD_VARIANT_MAX_ROWS];
    uint64_t q_lo = c->p > 5 ? c->p - 5 : 0, q_hi = c->p + c->r - 1;
    if (ref->seq_len < 6)
        q_hi = 0, q_lo = 1;
    else if (q_hi > ref->seq_len - 6)
        q_hi = ref->seq_len - 6;
    size_t rows = q_hi >= q_lo ? (size_t)(q_hi - q_lo + 1) : 0;
    if (rows) {
        t->hexamers(ref->bases + (q_lo - ref->b0), rows + 5, ref_rows);
        t->hexamers(alt->bases + (q_lo - alt->b0), rows + 5, alt_rows);
    }
    hald_scan_change_t change;
    if (hald_scan_change_init(t, &change, q_lo, ref_rows, alt_rows, rows) != 0)
        return hald_error_set(err, HALD_E_INPUT, "a substitution of %llu bases is too long",
                              (unsigned long long)c->r);
    for (size_t i = 0; i < m; i++) {
        if (rs[i].na_mean == HALD_NA_LENGTH) { /* the window leaves the sequence */
            as[i] = rs[i];
            as[i].name = (uint32_t)i;
        } else {
            hald_scan_alt_sums(t, &change, &sums[i], as[i].start, as[i].strand, &as[i]);
        }
        as[i].canonical = (uint8_t)has_donor(alt, as[i].start, as[i].strand);
    }
    return HALD_OK;
}

long hald_variant_sites(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                        uint64_t seq_len, const hald_allele_t *allele, const hald_site_t *listed,
                        size_t n_listed, hald_variant_scratch_t *sc, hald_buf_t *out,
                        hald_error_t *err)
{
    const char *alt_bases;
    change_t c = trim(allele, &alt_bases);
    if (c.r == 0 && c.a == 0)
        return 0; /* ALT is REF */
    hap_t ref = {bases, b0, n, seq_len}, alt = {NULL, 0, 0, 0};
    cand_t *cd = NULL;
    size_t k = 0;
    if (build_hap(&c, alt_bases, &ref, &sc->hap, &alt, err) != HALD_OK ||
        candidates(t, &c, &ref, &alt, listed, n_listed, &sc->cand, &cd, &k, err) != HALD_OK)
        return err->code;
    /* Kept by the rules of hald/variant.h. */
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        uint64_t s = cd[i].start, y = cd[i].alt_start;
        char st = cd[i].strand;
        int contains = overlaps(s, st, c.p, c.r) || overlaps(y, st, c.p, c.a);
        int ref_ok = inside(s, st, seq_len), alt_ok = inside(y, st, alt.seq_len);
        int keep = listed ? ref_ok || alt_ok
                          : (ref_ok && has_donor(&ref, s, st)) || (alt_ok && has_donor(&alt, y, st));
        if (contains && keep)
            cd[m++] = cd[i];
    }
    if (m == 0)
        return 0;
    /* Both haplotypes' windows in one pass each; the alternate starts
     * sorted on their own (they need not follow the reference order). */
    sc->ref_sites.len = sc->alt_sites.len = 0;
    hald_scan_site_t *rs = (hald_scan_site_t *)(void *)hald_buf_reserve(&sc->ref_sites, m * sizeof *rs, err);
    hald_scan_site_t *as = rs ? (hald_scan_site_t *)(void *)hald_buf_reserve(&sc->alt_sites, m * sizeof *as, err) : NULL;
    hald_variant_site_t *o = as ? (hald_variant_site_t *)(void *)hald_buf_reserve(out, m * sizeof *o, err) : NULL;
    if (!o)
        return err->code;
    memset(rs, 0, m * sizeof *rs);
    memset(as, 0, m * sizeof *as);
    for (size_t i = 0; i < m; i++) {
        rs[i].start = cd[i].start;
        rs[i].strand = cd[i].strand;
        as[i].start = cd[i].alt_start;
        as[i].strand = cd[i].strand;
        as[i].name = (uint32_t)i; /* where it goes back */
    }
    if (c.r == c.a) {
        if (substitution(t, &c, &ref, &alt, rs, as, m, &sc->sums, err) != HALD_OK)
            return err->code;
    } else {
        hald_scan_sites(t, bases, b0, n, seq_len, rs, m);
        sort_by_start(as, m);
        hald_scan_sites(t, alt.bases, alt.b0, alt.n, alt.seq_len, as, m);
    }
    for (size_t i = 0; i < m; i++) {
        hald_variant_site_t *v = &o[i];
        v->start = cd[i].start;
        v->alt_start = cd[i].alt_start;
        v->strand = cd[i].strand;
        v->name = cd[i].name;
        v->gt_ref = rs[i].canonical;
        v->ref[0] = rs[i].mean;
        v->ref[1] = rs[i].regions;
        v->na_ref[0] = rs[i].na_mean;
        v->na_ref[1] = rs[i].na_regions;
    }
    for (size_t i = 0; i < m; i++) {
        hald_variant_site_t *v = &o[as[i].name];
        v->gt_alt = as[i].canonical;
        v->alt[0] = as[i].mean;
        v->alt[1] = as[i].regions;
        v->na_alt[0] = as[i].na_mean;
        v->na_alt[1] = as[i].na_regions;
    }
    out->len += m * sizeof *o;
    return (long)m;
}
