/* The scan kernel: fixed-point prefix sums over both strands.
 *
 * For a site with its G at s (plus) the hexamer starting at window offset b
 * sits at plus position q = s − 80 + b; for the AC at [s, s+2) (minus) it is
 * the reverse complement of the hexamer at q = s + 76 − b.  So every window
 * sum is a sum over a range of q of a per-row table: a difference of two
 * prefix sums.  The prefix sums carry every table a
 * site needs side by side (12 lanes: both strands' mean and range columns,
 * and a count of invalid rows), so each position costs one row of lanes —
 * three 256-bit adds on the AVX2 path — and each site a few subtractions. */
#include "hald/scan.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hald/hexamer.h"

enum { A = 0, T = 1, C = 2, G = 3 };

/* The lanes of the prefix sums (hald_scan_tables_t.lanes). */
enum {
    LANE_MEAN_P, LANE_C0_P, LANE_C1_P, LANE_C6_P, LANE_C7_P,
    LANE_MEAN_M, LANE_C0_M, LANE_C1_M, LANE_C6_M, LANE_C7_M,
    LANE_INVALID
};

/* ---------------------------------------------------------------- tables */

static unsigned revcomp_row(unsigned h)
{
    unsigned r = 0;
    for (int k = 0; k < HALD_HEX_LEN; k++) {
        unsigned base = (h >> (2 * k)) & 3u; /* from the last base to the first */
        r = (r << 2) | (base ^ 1u);          /* A<->T, C<->G */
    }
    return r;
}

/* The largest fraction bits f with bound·2^f < 2^62, so no window sum (nor
 * any partial sum of one) can overflow. */
static int frac_bits(double bound)
{
    int f = 60;
    while (f > 0 && ldexp(bound, f) >= 0x1p62)
        f--;
    return f;
}

static int64_t fixed(double x, int frac) { return (int64_t)llround(ldexp(x, frac)); }

void hald_scan_tables_init(hald_scan_tables_t *t, const hald_scorer_t *s)
{
    memset(t, 0, sizeof *t);
    double max_mean = 0.0, max_col[HALD_N_REGIONS] = {0};
    for (int h = 0; h < HALD_N_HEXAMERS; h++) {
        max_mean = fmax(max_mean, fabs(s->mean_w[h]));
        for (int c = 0; c < HALD_N_REGIONS; c++)
            max_col[c] = fmax(max_col[c], fabs(s->region_w[c][h]));
    }
    static const int uses[HALD_N_REGIONS] = {40, 30, 1, 1, 1, 1, 29, 40};
    double regions_bound = 0.0;
    for (int c = 0; c < HALD_N_REGIONS; c++)
        regions_bound += uses[c] * max_col[c];
    t->mean_frac = frac_bits(155.0 * max_mean);
    t->regions_frac = frac_bits(regions_bound);
    /* Powers of two: multiplying by them is exact, like ldexp. */
    t->mean_scale = ldexp(1.0, -t->mean_frac);
    t->regions_scale = ldexp(1.0, -t->regions_frac);
    for (unsigned h = 0; h < HALD_N_HEXAMERS; h++) {
        unsigned rc = revcomp_row(h);
        t->mean_p[h] = fixed(s->mean_w[h], t->mean_frac);
        t->mean_m[h] = fixed(s->mean_w[rc], t->mean_frac);
        for (int c = 0; c < HALD_N_REGIONS; c++) {
            t->col_p[c][h] = fixed(s->region_w[c][h], t->regions_frac);
            t->col_m[c][h] = fixed(s->region_w[c][rc], t->regions_frac);
        }
    }
    for (unsigned h = 0; h <= HALD_N_HEXAMERS; h++) {
        int64_t *l = t->lanes[h];
        l[LANE_MEAN_P] = t->mean_p[h];
        l[LANE_C0_P] = t->col_p[0][h];
        l[LANE_C1_P] = t->col_p[1][h];
        l[LANE_C6_P] = t->col_p[6][h];
        l[LANE_C7_P] = t->col_p[7][h];
        l[LANE_MEAN_M] = t->mean_m[h];
        l[LANE_C0_M] = t->col_m[0][h];
        l[LANE_C1_M] = t->col_m[1][h];
        l[LANE_C6_M] = t->col_m[6][h];
        l[LANE_C7_M] = t->col_m[7][h];
        l[LANE_INVALID] = h == HALD_HEX_INVALID;
    }
    t->hexamers = s->hexamers;
    t->prefix = s->cpu == HALD_CPU_AVX2 ? hald_scan_prefix_avx2 : hald_scan_prefix_scalar;
    t->masks = s->cpu == HALD_CPU_AVX2 ? hald_scan_site_masks_avx2 : hald_scan_site_masks_scalar;
}

void hald_scan_site_masks_scalar(const char *bases, size_t n, uint64_t *plus, uint64_t *minus)
{
    uint64_t p = 0, m = 0;
    unsigned c0 = hald_base_code((unsigned char)bases[0]);
    for (size_t k = 0; k < n; k++) {
        unsigned c1 = hald_base_code((unsigned char)bases[k + 1]);
        p |= (uint64_t)(c0 == G && c1 == T) << k;
        m |= (uint64_t)(c0 == A && c1 == C) << k;
        c0 = c1;
    }
    *plus = p;
    *minus = m;
}

void hald_scan_prefix_scalar(const int64_t (*lanes)[HALD_SCAN_LANES], const uint16_t *rows,
                             size_t m, uint64_t (*ring)[HALD_SCAN_LANES], size_t first)
{
    const size_t mask = HALD_SCAN_RING - 1;
    for (size_t i = 0; i < m; i++) {
        const uint64_t *prev = ring[(first + i) & mask];
        uint64_t *next = ring[(first + i + 1) & mask];
        for (int j = 0; j < HALD_SCAN_LANES; j++)
            next[j] = prev[j] + (uint64_t)lanes[rows[i]][j];
    }
}

/* ---------------------------------------------------------------- windows */

static double mean_value(const hald_scan_tables_t *t, int64_t sum, uint32_t invalid)
{
    uint32_t valid = 155 - invalid;
    return (double)sum * t->mean_scale / (double)(valid ? valid : 1);
}

/* Rows for q in [q0, q1] from bases [b0, b0 + n); positions without six
 * bases are invalid.  rows has room for q1 - q0 + 1 entries. */
static void fill_rows(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                      int64_t q0, int64_t q1, uint16_t *rows)
{
    size_t m = (size_t)(q1 - q0 + 1);
    for (size_t i = 0; i < m; i++)
        rows[i] = HALD_HEX_INVALID;
    int64_t lo = q0 > (int64_t)b0 ? q0 : (int64_t)b0;
    int64_t last = (int64_t)(b0 + n) - HALD_HEX_LEN; /* last q with six bases */
    int64_t hi = q1 < last ? q1 : last;
    if (hi >= lo)
        t->hexamers(bases + (lo - (int64_t)b0), (size_t)(hi - lo) + HALD_HEX_LEN, rows + (lo - q0));
}

static inline unsigned code_at(const char *bases, uint64_t b0, size_t n, uint64_t p)
{
    return p >= b0 && p < b0 + n ? hald_base_code((unsigned char)bases[p - b0]) : 4;
}

/* ---------------------------------------------------------------- public */

/* A window sum from the ring of prefix rows: lanes over positions
 * [lo, hi]; ring slot k & mask holds the prefix just before position
 * q0 + k. */
typedef struct ringview {
    uint64_t (*ring)[HALD_SCAN_LANES];
    int64_t q0;
} ringview_t;

static inline int64_t span(const ringview_t *v, int64_t lo, int64_t hi, int lane)
{
    const size_t mask = HALD_SCAN_RING - 1;
    return (int64_t)(v->ring[(size_t)(hi + 1 - v->q0) & mask][lane] -
                     v->ring[(size_t)(lo - v->q0) & mask][lane]);
}

static void site_from_prefix(const hald_scan_tables_t *t, const ringview_t *v, const uint16_t *rows,
                             int64_t s, int plus, hald_scan_site_t *out)
{
#define RW(q) rows[(q) - v->q0]
    if (plus) {
        out->strand = '+';
        int64_t inv = span(v, s - 80, s + 74, LANE_INVALID);
        out->mean = mean_value(t, span(v, s - 80, s + 74, LANE_MEAN_P), (uint32_t)inv);
        /* The used ranges lie inside the mean's window: no invalid row
         * there, none in them. */
        if (inv && (span(v, s - 80, s - 11, LANE_INVALID) || span(v, s - 3, s, LANE_INVALID) ||
                    span(v, s + 6, s + 74, LANE_INVALID))) {
            out->regions = NAN;
            out->na_regions = HALD_NA_UNKNOWN_BASE;
            return;
        }
        int64_t sum = span(v, s - 80, s - 41, LANE_C0_P) + span(v, s - 40, s - 11, LANE_C1_P) +
                      t->col_p[2][RW(s - 3)] + t->col_p[3][RW(s - 2)] + t->col_p[4][RW(s - 1)] +
                      t->col_p[5][RW(s)] + span(v, s + 6, s + 34, LANE_C6_P) +
                      span(v, s + 35, s + 74, LANE_C7_P);
        out->regions = (double)sum * t->regions_scale;
        return;
    }
    out->strand = '-';
    int64_t inv = span(v, s - 78, s + 76, LANE_INVALID);
    out->mean = mean_value(t, span(v, s - 78, s + 76, LANE_MEAN_M), (uint32_t)inv);
    if (inv && (span(v, s - 78, s - 10, LANE_INVALID) || span(v, s - 4, s - 1, LANE_INVALID) ||
                span(v, s + 7, s + 76, LANE_INVALID))) {
        out->regions = NAN;
        out->na_regions = HALD_NA_UNKNOWN_BASE;
        return;
    }
    int64_t sum = span(v, s - 78, s - 39, LANE_C7_M) + span(v, s - 38, s - 10, LANE_C6_M) +
                  t->col_m[2][RW(s - 1)] + t->col_m[3][RW(s - 2)] + t->col_m[4][RW(s - 3)] +
                  t->col_m[5][RW(s - 4)] + span(v, s + 7, s + 36, LANE_C1_M) +
                  span(v, s + 37, s + 76, LANE_C0_M);
    out->regions = (double)sum * t->regions_scale;
#undef RW
}

/* Sites are looked for 64 start positions at a time; the prefix ring is
 * filled just far enough ahead for them (their windows reach 77 past the
 * last start and 80 before the first: 222 rows, within the ring). */
#define SITE_BATCH 64

int hald_scan_chunk(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                    uint64_t seq_len, uint64_t s_lo, uint64_t s_hi, hald_buf_t *sites,
                    hald_error_t *err)
{
    if (s_hi <= s_lo)
        return HALD_OK;
    /* Rows for positions [s_lo − 80, s_hi + 77]. */
    int64_t q_first = (int64_t)s_lo - 80, q_last = (int64_t)s_hi + 77;
    uint16_t *rows = malloc((size_t)(q_last - q_first + 1) * sizeof *rows);
    uint64_t (*ring)[HALD_SCAN_LANES] = calloc(HALD_SCAN_RING, sizeof *ring);
    hald_scan_site_t *out = (hald_scan_site_t *)hald_buf_reserve(
        sites, (size_t)(s_hi - s_lo) * sizeof *out, err); /* at most one site per start */
    if (!rows || !ring || !out) {
        free(ring);
        free(rows);
        return hald_error_set(err, HALD_E_NOMEM, "out of memory (scan chunk)");
    }
    fill_rows(t, bases, b0, n, q_first, q_last, rows);
    ringview_t v = {ring, q_first};
    int64_t done = q_first; /* prefix rows exist for positions before done */
    uint64_t last = b0 + n;  /* one past the last base we have */
    for (uint64_t w = s_lo; w < s_hi; w += SITE_BATCH) {
        size_t span_n = s_hi - w < SITE_BATCH ? (size_t)(s_hi - w) : SITE_BATCH;
        int64_t need = (int64_t)(w + span_n) + 75; /* last position a window reads */
        if (need >= done) {
            t->prefix((const int64_t(*)[HALD_SCAN_LANES])t->lanes, rows + (done - q_first),
                      (size_t)(need + 1 - done), ring, (size_t)(done - q_first));
            done = need + 1;
        }
        /* Sites found 64 positions at a time without a branch per base.
         * The base after the last position may be past the sequence's
         * end: then only the positions before it can hold a site. */
        uint64_t plus = 0, minus = 0;
        if (w + span_n + 1 <= last)
            t->masks(bases + (w - b0), span_n, &plus, &minus);
        else if (w + 1 < last)
            t->masks(bases + (w - b0), (size_t)(last - w - 1), &plus, &minus);
        for (uint64_t bits = plus | minus; bits; bits &= bits - 1) {
            uint64_t s = w + (uint64_t)__builtin_ctzll(bits);
            int is_plus = (int)((plus >> (s - w)) & 1);
            if (is_plus ? !(s >= 80 && s + 80 <= seq_len) : !(s >= 78 && s + 82 <= seq_len))
                continue;
            memset(out, 0, sizeof *out);
            out->start = s;
            out->canonical = 1;
            out->name = UINT32_MAX;
            site_from_prefix(t, &v, rows, (int64_t)s, is_plus, out);
            out++;
            sites->len += sizeof *out;
        }
    }
    free(ring);
    free(rows);
    return HALD_OK;
}

void hald_scan_one(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                   uint64_t seq_len, uint64_t start, char strand, hald_scan_site_t *out)
{
    memset(out, 0, sizeof *out);
    out->start = start;
    out->strand = strand;
    out->name = UINT32_MAX;
    unsigned c0 = code_at(bases, b0, n, start), c1 = code_at(bases, b0, n, start + 1);
    out->canonical = strand == '+' ? (c0 == G && c1 == T) : (c0 == A && c1 == C);
    int inside = strand == '+' ? start >= 80 && start + 80 <= seq_len
                               : start >= 78 && start + 82 <= seq_len;
    if (!inside) {
        out->mean = out->regions = NAN;
        out->na_mean = out->na_regions = HALD_NA_LENGTH;
        return;
    }
    /* The same prefix sums as a chunk, over this one window: the same
     * integers, so the same bits as a full scan gives the site. */
    enum { M = 158 }; /* positions start − 80 .. start + 77 */
    uint16_t rows[M];
    static_assert(M + 1 <= HALD_SCAN_RING, "one window fits the ring");
    uint64_t ring[HALD_SCAN_RING][HALD_SCAN_LANES];
    int64_t q0 = (int64_t)start - 80;
    fill_rows(t, bases, b0, n, q0, q0 + M - 1, rows);
    memset(ring[0], 0, sizeof ring[0]);
    t->prefix((const int64_t(*)[HALD_SCAN_LANES])t->lanes, rows, M, ring, 0);
    ringview_t v = {ring, q0};
    site_from_prefix(t, &v, rows, (int64_t)start, strand == '+', out);
}
