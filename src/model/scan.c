/* The scan kernel: fixed-point prefix sums over both strands.
 *
 * For a site with its G at s (plus) the hexamer starting at window offset b
 * sits at plus position q = s − 80 + b; for the AC at [s, s+2) (minus) it is
 * the reverse complement of the hexamer at q = s + 76 − b.  So every window
 * sum is a sum over a range of q of a per-row table: a difference of two
 * prefix sums.  The prefix sums carry the ten tables a site needs side by
 * side (both strands' mean and the four many-hexamer regions columns), 48
 * bits each in one cache line per row, so each position costs one line
 * from the cache and a few vector adds, and each site a few subtractions.
 * Invalid rows (N, the sequence's ends) weigh nothing; they are counted
 * only in chunks that have any. */
#include "hald/scan.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { A = 0, T = 1, C = 2, G = 3 };

/* The lanes of the prefix sums. */
enum {
    LANE_MEAN_P, LANE_C0_P, LANE_C1_P, LANE_C6_P, LANE_C7_P,
    LANE_MEAN_M, LANE_C0_M, LANE_C1_M, LANE_C6_M, LANE_C7_M
};

#define RING_MASK (HALD_SCAN_RING - 1)
#define BIAS (UINT64_C(1) << 47)

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

/* The largest exponent e <= 60 with round(max·2^e) < 2^47: every weight
 * fits a signed 48-bit entry, and a window sum of at most 155 of them stays
 * far inside an int64.  -1 when no e >= 0 fits (weights of 2^47 or more,
 * or not finite). */
static int weight_exp(double max)
{
    for (int e = 60; e >= 0; e--)
        if (ldexp(max, e) < 0x1p47 - 1.0)
            return e;
    return -1;
}

static int64_t fixed(double x, int e) { return (int64_t)llround(ldexp(x, e)); }

static void put48(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v + BIAS;
    for (int i = 0; i < 6; i++)
        p[i] = (uint8_t)(u >> (8 * i));
}

/* How a site reads its sums: one lane over positions s + lo .. s + hi. */
typedef struct term {
    int lo, hi, lane;
} term_t;

typedef struct strand_terms {
    char strand;
    int left, right;      /* bases the window needs before s and from s on */
    term_t mean;
    term_t range[4];      /* regions columns 0, 1, 6, 7 (in this strand's order) */
    int single_at[4];     /* row offsets of the one-hexamer columns 2..5 */
    term_t used[3];       /* every hexamer the regions model reads */
} strand_terms_t;

/* Constants, so that the compiler folds every offset into the code. */
static const strand_terms_t PLUS = {
    .strand = '+', .left = 80, .right = 80,
    .mean = {-80, 74, LANE_MEAN_P},
    .range = {{-80, -41, LANE_C0_P}, {-40, -11, LANE_C1_P}, {6, 34, LANE_C6_P}, {35, 74, LANE_C7_P}},
    .single_at = {-3, -2, -1, 0},
    .used = {{-80, -11, 0}, {-3, 0, 0}, {6, 74, 0}},
};
static const strand_terms_t MINUS = {
    .strand = '-', .left = 78, .right = 82,
    .mean = {-78, 76, LANE_MEAN_M},
    .range = {{-78, -39, LANE_C7_M}, {-38, -10, LANE_C6_M}, {7, 36, LANE_C1_M}, {37, 76, LANE_C0_M}},
    .single_at = {-1, -2, -3, -4},
    .used = {{-78, -10, 0}, {-4, -1, 0}, {7, 76, 0}},
};

hald_scan_tables_t *hald_scan_tables_new(const hald_scorer_t *s, hald_error_t *err)
{
    size_t size = (sizeof(hald_scan_tables_t) + 63) / 64 * 64;
    hald_scan_tables_t *t = aligned_alloc(64, size);
    if (!t) {
        hald_error_set(err, HALD_E_NOMEM, "out of memory (scan tables)");
        return NULL;
    }
    memset(t, 0, sizeof *t);
    double max_mean = 0.0, max_col = 0.0;
    for (int h = 0; h < HALD_N_HEXAMERS; h++) {
        max_mean = fmax(max_mean, fabs(s->mean_w[h]));
        for (int c = 0; c < HALD_N_REGIONS; c++)
            max_col = fmax(max_col, fabs(s->region_w[c][h]));
    }
    t->mean_exp = weight_exp(max_mean); /* |w̄| <= the largest column weight */
    t->regions_exp = weight_exp(max_col);
    if (t->regions_exp < 0) {
        free(t);
        hald_error_set(err, HALD_E_INPUT,
                       "weights: a weight of magnitude %g is too large for the scan's 48-bit fixed point",
                       max_col);
        return NULL;
    }
    /* Powers of two: multiplying by them is exact, like ldexp. */
    t->mean_scale = ldexp(1.0, -t->mean_exp);
    t->regions_scale = ldexp(1.0, -t->regions_exp);
    for (unsigned h = 0; h <= HALD_N_HEXAMERS; h++) {
        int valid = h < HALD_N_HEXAMERS;
        unsigned rc = valid ? revcomp_row(h) : h;
        int64_t lane[HALD_SCAN_LANES] = {0};
        if (valid) {
            int me = t->mean_exp, re = t->regions_exp;
            lane[LANE_MEAN_P] = fixed(s->mean_w[h], me);
            lane[LANE_C0_P] = fixed(s->region_w[0][h], re);
            lane[LANE_C1_P] = fixed(s->region_w[1][h], re);
            lane[LANE_C6_P] = fixed(s->region_w[6][h], re);
            lane[LANE_C7_P] = fixed(s->region_w[7][h], re);
            lane[LANE_MEAN_M] = fixed(s->mean_w[rc], me);
            lane[LANE_C0_M] = fixed(s->region_w[0][rc], re);
            lane[LANE_C1_M] = fixed(s->region_w[1][rc], re);
            lane[LANE_C6_M] = fixed(s->region_w[6][rc], re);
            lane[LANE_C7_M] = fixed(s->region_w[7][rc], re);
            t->mean_lanes[h][0] = lane[LANE_MEAN_P];
            t->mean_lanes[h][1] = lane[LANE_MEAN_M];
            for (int c = 0; c < 4; c++) {
                t->single_p[c][h] = fixed(s->region_w[2 + c][h], re);
                t->single_m[c][h] = fixed(s->region_w[2 + c][rc], re);
            }
        }
        for (int i = 0; i < HALD_SCAN_LANES; i++)
            put48(t->rows[h] + 6 * i, lane[i]);
    }
    t->hexamers = s->hexamers;
    t->prefix = s->cpu == HALD_CPU_AVX2 ? hald_scan_prefix_avx2 : hald_scan_prefix_scalar;
    t->masks = s->cpu == HALD_CPU_AVX2 ? hald_scan_site_masks_avx2 : hald_scan_site_masks_scalar;
    return t;
}

void hald_scan_tables_free(hald_scan_tables_t *t) { free(t); }

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

/* One 48-bit little-endian entry, zero-extended.  On little-endian hosts
 * one 8-byte load and a mask (the last entry's load ends at byte 61 of its
 * 64-byte row). */
static inline uint64_t entry48(const uint8_t *p)
{
#if defined __BYTE_ORDER__ && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v;
    memcpy(&v, p, 8);
    return v & ((UINT64_C(1) << 48) - 1);
#else
    uint64_t v = 0;
    for (int b = 5; b >= 0; b--)
        v = (v << 8) | p[b];
    return v;
#endif
}

void hald_scan_prefix_scalar(const hald_scan_row_t *table, const uint16_t *rows, size_t m,
                             uint64_t *ring, size_t first)
{
    uint64_t *hi = ring + 8 * HALD_SCAN_RING;
    size_t k = first & RING_MASK;
    uint64_t acc[HALD_SCAN_LANES];
    memcpy(acc, ring + 8 * k, 8 * sizeof *acc);
    memcpy(acc + 8, hi + 2 * k, 2 * sizeof *acc);
    for (size_t i = 0; i < m; i++) {
        const uint8_t *row = table[rows[i]];
        for (int j = 0; j < HALD_SCAN_LANES; j++)
            acc[j] += entry48(row + 6 * j);
        k = (k + 1) & RING_MASK;
        memcpy(ring + 8 * k, acc, 8 * sizeof *acc);
        memcpy(hi + 2 * k, acc + 8, 2 * sizeof *acc);
    }
}

/* ---------------------------------------------------------------- windows */

/* Rows for q in [q0, q1] from bases [b0, b0 + n); positions without six
 * bases are invalid.  rows has room for q1 - q0 + 1 entries.  Returns the
 * number of invalid rows. */
static size_t fill_rows(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                        int64_t q0, int64_t q1, uint16_t *rows)
{
    /* Positions [lo, hi] have six bases (empty when hi < lo). */
    int64_t lo = q0 > (int64_t)b0 ? q0 : (int64_t)b0;
    if (lo > q1 + 1)
        lo = q1 + 1;
    int64_t last = (int64_t)(b0 + n) - HALD_HEX_LEN; /* last q with six bases */
    int64_t hi = q1 < last ? q1 : last;
    if (hi < lo - 1)
        hi = lo - 1;
    for (int64_t q = q0; q < lo; q++)
        rows[q - q0] = HALD_HEX_INVALID;
    for (int64_t q = hi + 1; q <= q1; q++)
        rows[q - q0] = HALD_HEX_INVALID;
    size_t invalid = (size_t)(lo - q0) + (size_t)(q1 - hi);
    if (hi >= lo)
        invalid += t->hexamers(bases + (lo - (int64_t)b0), (size_t)(hi - lo) + HALD_HEX_LEN,
                               rows + (lo - q0));
    return invalid;
}

static inline unsigned code_at(const char *bases, uint64_t b0, size_t n, uint64_t p)
{
    return p >= b0 && p < b0 + n ? hald_base_code((unsigned char)bases[p - b0]) : 4;
}

/* Where a site reads its sums: ring slot (q − q0) & mask holds the prefix
 * just before position q, rows[q − q0] the row at q, and, in a chunk with
 * invalid rows, invalid[q − invalid_q0] the count of them before q. */
typedef struct sums {
    const uint64_t *ring;
    const uint16_t *rows;
    int64_t q0;
    const uint32_t *invalid; /* NULL: none in these windows */
    int64_t invalid_q0;      /* invalid[q − invalid_q0] */
} sums_t;

/* Zero sums in slot 0, where the prefix starts; it writes every other
 * slot before a site reads it. */
static void ring_start(uint64_t *ring)
{
    memset(ring, 0, 8 * sizeof *ring);
    memset(ring + 8 * HALD_SCAN_RING, 0, 2 * sizeof *ring);
}

/* Ring word of a lane in slot k: lanes 0..7 in the first part, 8..9 in
 * the second. */
static inline size_t ring_word(int lane, size_t k)
{
    return lane < 8 ? 8 * k + (size_t)lane : 8 * HALD_SCAN_RING + 2 * k + (size_t)(lane - 8);
}

/* The ring slots of the prefixes just after and just before positions
 * s + lo .. s + hi. */
static inline size_t slot_after(const sums_t *v, int64_t s, const term_t *t)
{
    return (size_t)(s + t->hi + 1 - v->q0) & RING_MASK;
}

static inline size_t slot_before(const sums_t *v, int64_t s, const term_t *t)
{
    return (size_t)(s + t->lo - v->q0) & RING_MASK;
}

/* The sum of one lane over positions s + lo .. s + hi. */
static inline int64_t term_sum(const sums_t *v, int64_t s, const term_t *t)
{
    uint64_t d = v->ring[ring_word(t->lane, slot_after(v, s, t))] -
                 v->ring[ring_word(t->lane, slot_before(v, s, t))];
    return (int64_t)(d - (uint64_t)(t->hi - t->lo + 1) * BIAS);
}

static inline uint32_t term_invalid(const sums_t *v, int64_t s, const term_t *t)
{
    return v->invalid[s + t->hi + 1 - v->invalid_q0] - v->invalid[s + t->lo - v->invalid_q0];
}

/* The mean's window sum: from the ten-lane ring, or from the two-lane ring
 * of a mean-only scan (lane 0 plus, 1 minus; no bias). */
static inline int64_t mean_sum(const sums_t *v, int64_t s, const strand_terms_t *d, int mean_only)
{
    if (!mean_only)
        return term_sum(v, s, &d->mean);
    size_t lane = d->strand == '-';
    return (int64_t)(v->ring[2 * slot_after(v, s, &d->mean) + lane] -
                     v->ring[2 * slot_before(v, s, &d->mean) + lane]);
}

/* Scores of the site at s on strand d (PLUS or MINUS: inlined with the
 * constants folded) into out's mean, regions and na_regions; mean_only
 * leaves regions NaN. */
static inline __attribute__((always_inline)) void
site_from_sums(const hald_scan_tables_t *t, const strand_terms_t *d, const sums_t *v, int64_t s,
               int mean_only, hald_scan_site_t *out)
{
    const int64_t(*single)[HALD_N_HEXAMERS + 1] = d->strand == '+' ? t->single_p : t->single_m;
    uint32_t inv = v->invalid ? term_invalid(v, s, &d->mean) : 0;
    out->na_regions = 0;
    out->mean = (double)mean_sum(v, s, d, mean_only) * t->mean_scale /
                (double)(inv < 155 ? 155 - inv : 1);
    if (mean_only) {
        out->regions = NAN;
        return;
    }
    if (inv && (term_invalid(v, s, &d->used[0]) || term_invalid(v, s, &d->used[1]) ||
                term_invalid(v, s, &d->used[2]))) {
        out->regions = NAN;
        out->na_regions = HALD_NA_UNKNOWN_BASE;
        return;
    }
    const uint16_t *rows = v->rows + (s - v->q0);
    int64_t sum = term_sum(v, s, &d->range[0]) + term_sum(v, s, &d->range[1]) +
                  term_sum(v, s, &d->range[2]) + term_sum(v, s, &d->range[3]) +
                  single[0][rows[d->single_at[0]]] + single[1][rows[d->single_at[1]]] +
                  single[2][rows[d->single_at[2]]] + single[3][rows[d->single_at[3]]];
    out->regions = (double)sum * t->regions_scale;
}

/* A site's identity, before its scores: a whole-scan site has a GT or AC
 * and no name. */
static inline void site_start(hald_scan_site_t *out, uint64_t start, char strand)
{
    out->start = start;
    out->strand = strand;
    out->canonical = 1;
    out->na_mean = 0;
    out->name = UINT32_MAX;
}

/* The sites of one batch of starts w + k (bits k of plus and minus, none
 * whose window leaves the sequence), in order.  Each strand in its own loop
 * (a branch on the strand would be a coin toss per site), into slot k of a
 * scratch array, then gathered in order. */
static inline __attribute__((always_inline)) hald_scan_site_t *
batch_sites(const hald_scan_tables_t *t, const sums_t *v, uint64_t w, uint64_t plus, uint64_t minus,
            int mean_only, hald_scan_site_t *out)
{
    hald_scan_site_t at[64];
    for (uint64_t bits = plus; bits; bits &= bits - 1) {
        unsigned k = (unsigned)__builtin_ctzll(bits);
        site_start(&at[k], w + k, '+');
        site_from_sums(t, &PLUS, v, (int64_t)(w + k), mean_only, &at[k]);
    }
    for (uint64_t bits = minus; bits; bits &= bits - 1) {
        unsigned k = (unsigned)__builtin_ctzll(bits);
        site_start(&at[k], w + k, '-');
        site_from_sums(t, &MINUS, v, (int64_t)(w + k), mean_only, &at[k]);
    }
    for (uint64_t bits = plus | minus; bits; bits &= bits - 1)
        *out++ = at[__builtin_ctzll(bits)];
    return out;
}

/* Clears the bits of starts w + k whose window leaves [0, seq_len). */
static uint64_t inside(uint64_t bits, uint64_t w, uint64_t seq_len, const strand_terms_t *d)
{
    for (uint64_t b = bits; b; b &= b - 1) {
        unsigned k = (unsigned)__builtin_ctzll(b);
        if (w + k < (uint64_t)d->left || w + k + (uint64_t)d->right > seq_len)
            bits &= ~(UINT64_C(1) << k);
    }
    return bits;
}

/* Where a batch's windows have invalid rows, their counts before each
 * position from q0 on (counts[0..m]); NULL where they have none. */
static const uint32_t *invalid_counts(const uint16_t *rows, size_t m, uint32_t *counts)
{
    unsigned any = 0;
    for (size_t i = 0; i < m; i++)
        any |= rows[i] == HALD_HEX_INVALID;
    if (!any)
        return NULL;
    counts[0] = 0;
    for (size_t i = 0; i < m; i++)
        counts[i + 1] = counts[i] + (rows[i] == HALD_HEX_INVALID);
    return counts;
}

/* Sites are looked for 64 start positions at a time.  The prefix ring is
 * filled PREFIX_LEAD positions further than their windows reach (77 past
 * the last start; 80 before the first), so that the sites read slots whose
 * vector stores have left the store buffer: a 64-bit load from a 256-bit
 * store still in flight stalls. */
#define SITE_BATCH 64
#define PREFIX_LEAD 32
static_assert(SITE_BATCH + 80 + 78 + PREFIX_LEAD <= HALD_SCAN_RING, "the live slots fit the ring");

/* Prefix sums of the two mean lanes (a mean-only scan): 16 bytes a row,
 * which plain 64-bit adds (or the compiler's vectors) handle. */
static void prefix_mean(const int64_t (*lanes)[2], const uint16_t *rows, size_t m, uint64_t *ring,
                        size_t first)
{
    size_t k = first & RING_MASK;
    uint64_t p = ring[2 * k], q = ring[2 * k + 1];
    for (size_t i = 0; i < m; i++) {
        p += (uint64_t)lanes[rows[i]][0];
        q += (uint64_t)lanes[rows[i]][1];
        k = (k + 1) & RING_MASK;
        ring[2 * k] = p;
        ring[2 * k + 1] = q;
    }
}

static inline __attribute__((always_inline)) int
scan_chunk(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n, uint64_t seq_len,
           uint64_t s_lo, uint64_t s_hi, int mean_only, hald_buf_t *sites, hald_error_t *err)
{
    /* Rows for positions [s_lo − 80, s_hi + 75]: the windows' hexamers. */
    int64_t q_first = (int64_t)s_lo - 80, q_last = (int64_t)s_hi + 75;
    size_t m = (size_t)(q_last - q_first + 1);
    uint16_t *rows = malloc(m * sizeof *rows);
    uint64_t *ring = aligned_alloc(64, HALD_SCAN_RING_WORDS * sizeof *ring);
    hald_scan_site_t *out = (hald_scan_site_t *)hald_buf_reserve(
        sites, (size_t)(s_hi - s_lo) * sizeof *out, err); /* at most one site per start */
    size_t n_invalid = 0;
    if (rows && ring && out) {
        ring_start(ring);
        n_invalid = fill_rows(t, bases, b0, n, q_first, q_last, rows);
    } else {
        free(ring);
        free(rows);
        return out ? hald_error_set(err, HALD_E_NOMEM, "out of memory (scan chunk)") : err->code;
    }
    sums_t v = {ring, rows, q_first, NULL, 0};
    uint32_t counts[SITE_BATCH + 80 + 76 + 1];
    int64_t done = q_first; /* prefix slots exist for positions before done */
    uint64_t last = b0 + n;  /* one past the last base we have */
    hald_scan_site_t *o = out;
    for (uint64_t w = s_lo; w < s_hi; w += SITE_BATCH) {
        size_t span_n = s_hi - w < SITE_BATCH ? (size_t)(s_hi - w) : SITE_BATCH;
        int64_t need = (int64_t)(w + span_n) + 75; /* last position a window reads */
        if (need >= done) {
            int64_t upto = need + PREFIX_LEAD < q_last ? need + PREFIX_LEAD : q_last;
            if (mean_only)
                prefix_mean((const int64_t(*)[2])t->mean_lanes, rows + (done - q_first),
                            (size_t)(upto + 1 - done), ring, (size_t)(done - q_first));
            else
                t->prefix((const hald_scan_row_t *)t->rows, rows + (done - q_first),
                          (size_t)(upto + 1 - done), ring, (size_t)(done - q_first));
            done = upto + 1;
        }
        if (n_invalid) { /* positions [w − 80, need] */
            v.invalid_q0 = (int64_t)w - 80;
            v.invalid = invalid_counts(rows + (v.invalid_q0 - q_first),
                                       (size_t)(need + 1 - v.invalid_q0), counts);
        }
        /* Sites found 64 positions at a time without a branch per base.
         * The base after the last position may be past the sequence's
         * end: then only the positions before it can hold a site. */
        uint64_t plus = 0, minus = 0;
        if (w + span_n + 1 <= last)
            t->masks(bases + (w - b0), span_n, &plus, &minus);
        else if (w + 1 < last)
            t->masks(bases + (w - b0), (size_t)(last - w - 1), &plus, &minus);
        if (w < 80 || w + SITE_BATCH + 82 > seq_len) { /* near an end */
            plus = inside(plus, w, seq_len, &PLUS);
            minus = inside(minus, w, seq_len, &MINUS);
        }
        o = batch_sites(t, &v, w, plus, minus, mean_only, o);
    }
    sites->len += (size_t)(o - out) * sizeof *out;
    free(ring);
    free(rows);
    return HALD_OK;
}

int hald_scan_chunk(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                    uint64_t seq_len, uint64_t s_lo, uint64_t s_hi, hald_model_set_t models,
                    hald_buf_t *sites, hald_error_t *err)
{
    if (s_hi <= s_lo)
        return HALD_OK;
    if (models == HALD_MODELS_MEAN)
        return scan_chunk(t, bases, b0, n, seq_len, s_lo, s_hi, 1, sites, err);
    return scan_chunk(t, bases, b0, n, seq_len, s_lo, s_hi, 0, sites, err);
}

/* Sites scored in one pass of prefix sums: starts at most CLUSTER_SPAN
 * apart in all, and no gap wider than a window (beyond it a new pass costs
 * no more than the positions it skips). */
#define CLUSTER_SPAN 2048
#define CLUSTER_GAP 160
enum { CLUSTER_ROWS = CLUSTER_SPAN + 157 }; /* positions first − 80 .. last + 76 */

/* Whether the site's window leaves the sequence: then NA (length). */
static int outside(const hald_scan_site_t *s, uint64_t seq_len)
{
    const strand_terms_t *d = s->strand == '-' ? &MINUS : &PLUS;
    return s->start < (uint64_t)d->left || s->start + (uint64_t)d->right > seq_len;
}

/* The window sums of the site at s on strand d: the same integers
 * site_from_sums adds up, kept apart (and the regions sum made even where
 * an unknown base makes it NA), so that a variant's alternate window is
 * these plus a few rows (hald_scan_alt_sums). */
static void sums_of_site(const hald_scan_tables_t *t, const strand_terms_t *d, const sums_t *v,
                         int64_t s, hald_scan_sums_t *out)
{
    const int64_t(*single)[HALD_N_HEXAMERS + 1] = d->strand == '+' ? t->single_p : t->single_m;
    const uint16_t *rows = v->rows + (s - v->q0);
    out->mean = term_sum(v, s, &d->mean);
    out->regions = term_sum(v, s, &d->range[0]) + term_sum(v, s, &d->range[1]) +
                   term_sum(v, s, &d->range[2]) + term_sum(v, s, &d->range[3]) +
                   single[0][rows[d->single_at[0]]] + single[1][rows[d->single_at[1]]] +
                   single[2][rows[d->single_at[2]]] + single[3][rows[d->single_at[3]]];
    out->invalid = v->invalid ? term_invalid(v, s, &d->mean) : 0;
    out->used_invalid = out->invalid ? term_invalid(v, s, &d->used[0]) +
                                           term_invalid(v, s, &d->used[1]) +
                                           term_invalid(v, s, &d->used[2])
                                     : 0;
}

/* Scores from sums: site_from_sums's arithmetic, so the same bits. */
static void scores_from_sums(const hald_scan_tables_t *t, const hald_scan_sums_t *m,
                             hald_scan_site_t *out)
{
    out->mean = (double)m->mean * t->mean_scale /
                (double)(m->invalid < 155 ? 155 - m->invalid : 1);
    out->na_mean = 0;
    if (m->used_invalid) {
        out->regions = NAN;
        out->na_regions = HALD_NA_UNKNOWN_BASE;
    } else {
        out->regions = (double)m->regions * t->regions_scale;
        out->na_regions = 0;
    }
}

/* Scores sites [0, k) (inside the sequence, sorted, within one cluster),
 * and their sums where sums is not NULL. */
static void score_cluster(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                          hald_scan_site_t *sites, hald_scan_sums_t *sums, size_t k)
{
    uint16_t rows[CLUSTER_ROWS];
    uint32_t counts[CLUSTER_ROWS + 1];
    _Alignas(64) uint64_t ring[HALD_SCAN_RING_WORDS];
    int64_t q0 = (int64_t)sites[0].start - 80, q_last = (int64_t)sites[k - 1].start + 76;
    size_t m = (size_t)(q_last - q0 + 1);
    size_t n_invalid = fill_rows(t, bases, b0, n, q0, q_last, rows);
    ring_start(ring);
    sums_t v = {ring, rows, q0, n_invalid ? invalid_counts(rows, m, counts) : NULL, q0};
    int64_t done = q0; /* prefix slots exist for positions before done */
    for (size_t i = 0; i < k; i++) {
        int64_t s = (int64_t)sites[i].start, need = s + 76;
        if (need >= done) { /* the slots read stay within the ring's last 256 */
            int64_t upto = need + PREFIX_LEAD < q_last ? need + PREFIX_LEAD : q_last;
            t->prefix((const hald_scan_row_t *)t->rows, rows + (done - q0), (size_t)(upto + 1 - done),
                      ring, (size_t)(done - q0));
            done = upto + 1;
        }
        hald_scan_sums_t one;
        hald_scan_sums_t *m_out = sums ? &sums[i] : &one;
        sums_of_site(t, sites[i].strand == '-' ? &MINUS : &PLUS, &v, s, m_out);
        scores_from_sums(t, m_out, &sites[i]);
    }
}

void hald_scan_sites_sums(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                          uint64_t seq_len, hald_scan_site_t *sites, hald_scan_sums_t *sums,
                          size_t n_sites)
{
    size_t i = 0;
    while (i < n_sites) {
        hald_scan_site_t *s = &sites[i];
        unsigned c0 = code_at(bases, b0, n, s->start), c1 = code_at(bases, b0, n, s->start + 1);
        s->canonical = s->strand == '-' ? (c0 == A && c1 == C) : (c0 == G && c1 == T);
        s->na_mean = s->na_regions = 0;
        if (outside(s, seq_len)) {
            s->mean = s->regions = NAN;
            s->na_mean = s->na_regions = HALD_NA_LENGTH;
            if (sums)
                memset(&sums[i], 0, sizeof sums[i]);
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n_sites && !outside(&sites[j], seq_len) &&
               sites[j].start - s->start < CLUSTER_SPAN &&
               sites[j].start - sites[j - 1].start <= CLUSTER_GAP) {
            unsigned d0 = code_at(bases, b0, n, sites[j].start);
            unsigned d1 = code_at(bases, b0, n, sites[j].start + 1);
            sites[j].canonical = sites[j].strand == '-' ? (d0 == A && d1 == C) : (d0 == G && d1 == T);
            sites[j].na_mean = 0;
            j++;
        }
        score_cluster(t, bases, b0, n, s, sums ? sums + i : NULL, j - i);
        i = j;
    }
}

void hald_scan_sites(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                     uint64_t seq_len, hald_scan_site_t *sites, size_t n_sites)
{
    hald_scan_sites_sums(t, bases, b0, n, seq_len, sites, NULL, n_sites);
}

/* A lane's signed entry for a row. */
static inline int64_t lane_of(const hald_scan_tables_t *t, unsigned row, int lane)
{
    return (int64_t)(entry48(t->rows[row] + 6 * lane) - BIAS);
}

int hald_scan_change_init(const hald_scan_tables_t *t, hald_scan_change_t *c, uint64_t q0,
                          const uint16_t *ref_rows, const uint16_t *alt_rows, size_t m)
{
    if (m > HALD_SCAN_CHANGE_MAX)
        return -1;
    c->q0 = q0;
    c->m = m;
    memcpy(c->ref_rows, ref_rows, m * sizeof *ref_rows);
    memcpy(c->alt_rows, alt_rows, m * sizeof *alt_rows);
    for (int l = 0; l < HALD_SCAN_LANES; l++)
        c->lanes[l][0] = 0;
    c->invalid[0] = 0;
    for (size_t i = 0; i < m; i++) {
        unsigned r = ref_rows[i], x = alt_rows[i];
        for (int l = 0; l < HALD_SCAN_LANES; l++)
            c->lanes[l][i + 1] = c->lanes[l][i] + lane_of(t, x, l) - lane_of(t, r, l);
        c->invalid[i + 1] = c->invalid[i] + (x == HALD_HEX_INVALID) - (r == HALD_HEX_INVALID);
    }
    return 0;
}

/* The change's rows within positions s + lo .. s + hi: [*a, *b). */
static inline int change_span(const hald_scan_change_t *c, int64_t s, const term_t *t, size_t *a,
                              size_t *b)
{
    int64_t lo = s + t->lo - (int64_t)c->q0, hi = s + t->hi + 1 - (int64_t)c->q0;
    if (lo < 0)
        lo = 0;
    if (hi > (int64_t)c->m)
        hi = (int64_t)c->m;
    *a = (size_t)lo;
    *b = (size_t)hi;
    return lo < hi;
}

void hald_scan_alt_sums(const hald_scan_tables_t *t, const hald_scan_change_t *c,
                        const hald_scan_sums_t *ref, uint64_t start, char strand,
                        hald_scan_site_t *out)
{
    const strand_terms_t *d = strand == '-' ? &MINUS : &PLUS;
    const int64_t(*single)[HALD_N_HEXAMERS + 1] = strand == '+' ? t->single_p : t->single_m;
    int64_t s = (int64_t)start;
    hald_scan_sums_t x = *ref;
    size_t a, b;
    if (change_span(c, s, &d->mean, &a, &b)) {
        x.mean += c->lanes[d->mean.lane][b] - c->lanes[d->mean.lane][a];
        x.invalid = (uint32_t)((int32_t)x.invalid + c->invalid[b] - c->invalid[a]);
        for (int k = 0; k < 4; k++)
            if (change_span(c, s, &d->range[k], &a, &b))
                x.regions += c->lanes[d->range[k].lane][b] - c->lanes[d->range[k].lane][a];
        for (int k = 0; k < 4; k++) {
            int64_t j = s + d->single_at[k] - (int64_t)c->q0;
            if (j >= 0 && j < (int64_t)c->m)
                x.regions += single[k][c->alt_rows[j]] - single[k][c->ref_rows[j]];
        }
        for (int k = 0; k < 3; k++)
            if (change_span(c, s, &d->used[k], &a, &b))
                x.used_invalid = (uint32_t)((int32_t)x.used_invalid + c->invalid[b] - c->invalid[a]);
    }
    scores_from_sums(t, &x, out);
}

void hald_scan_one(const hald_scan_tables_t *t, const char *bases, uint64_t b0, size_t n,
                   uint64_t seq_len, uint64_t start, char strand, hald_scan_site_t *out)
{
    memset(out, 0, sizeof *out);
    out->start = start;
    out->strand = strand;
    out->name = UINT32_MAX;
    hald_scan_sites(t, bases, b0, n, seq_len, out, 1);
}
