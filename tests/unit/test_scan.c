/* The scan kernel: prefix-sum scores equal the direct kernel's on every
 * site of random sequence (N, lowercase) on both strands; the AVX2 prefix
 * and site masks equal the scalar ones; one site alone equals the chunk. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/scan.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

typedef struct fixture {
    hald_weights_t w;
    hald_scorer_t scorer;
    hald_scan_tables_t *tables;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = malloc(sizeof *f);
    hald_error_t err;
    if (f)
        f->tables = NULL;
    if (!f || hald_weights_load(HALD_SHARED_DIR "/weights/HAL_mer_scores.npz", &f->w, &err) != HALD_OK) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    hald_scan_tables_free(f->tables);
    free(f);
    return 0;
}

/* Tables for the scorer's current CPU path. */
static void use_tables(fixture_t *f)
{
    hald_error_t err;
    hald_scan_tables_free(f->tables);
    f->tables = hald_scan_tables_new(&f->scorer, &err);
    assert_non_null(f->tables);
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static char *random_seq(size_t n, uint64_t seed)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    uint64_t r = seed;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = rnd(&r);
        s[i] = x % 97 == 0 ? 'N' : x % 13 == 0 ? "acgt"[x >> 8 & 3] : "ACGT"[x >> 8 & 3];
    }
    for (size_t i = 300; i + 9 < n; i += 450) /* some strong donors */
        memcpy(s + i, rnd(&r) & 1 ? "CAGGTAAGT" : "ACTTACCTG", 9);
    s[n] = '\0';
    return s;
}

static void window_of(const char *seq, uint64_t start, char strand, char out[161])
{
    static const char comp[256] = {['A'] = 'T', ['C'] = 'G', ['G'] = 'C', ['T'] = 'A', ['a'] = 't',
                                   ['c'] = 'g', ['g'] = 'c', ['t'] = 'a', ['N'] = 'N'};
    if (strand == '+') {
        memcpy(out, seq + start - 80, 160);
    } else {
        const char *w = seq + start + 2 - 80;
        for (int i = 0; i < 160; i++)
            out[i] = comp[(unsigned char)w[159 - i]];
    }
    out[160] = '\0';
}

/* Within what the fixed point can be off: each weight is rounded to half a
 * step (a mean averages such errors; regions adds 143 of them), plus the
 * double rounding of the direct kernel's sums. */
static void close_to(double expect, double got, double rounding, uint64_t start, char strand,
                     const char *what)
{
    if (isnan(expect) != isnan(got) ||
        (!isnan(expect) && fabs(expect - got) > rounding + 1e-14 * fmax(1.0, fabs(expect))))
        fail_msg("%c%llu %s: direct %.17g, scan %.17g", strand, (unsigned long long)start, what,
                 expect, got);
}

static void check_against_direct(fixture_t *f, hald_cpu_t cpu)
{
    hald_scorer_init(&f->scorer, &f->w, cpu, 0);
    use_tables(f);
    size_t n = 60000;
    char *seq = random_seq(n, 99);
    hald_buf_t sites;
    hald_buf_init(&sites);
    hald_error_t err;
    assert_int_equal(hald_scan_chunk(f->tables, seq, 0, n, n, 0, n, HALD_MODELS_BOTH, &sites, &err), HALD_OK);
    const hald_scan_site_t *s = (const hald_scan_site_t *)sites.data;
    size_t count = sites.len / sizeof *s, plus = 0, minus = 0, na = 0;
    assert_true(count > 5000);
    for (size_t i = 0; i < count; i++) {
        char w[161];
        window_of(seq, s[i].start, s[i].strand, w);
        assert_true(w[80] == 'G' || w[80] == 'g');
        hald_na_t why;
        close_to(hald_score_mean(&f->scorer, w, 160, 160, &why), s[i].mean, 0.5 * f->tables->mean_scale, s[i].start, s[i].strand, "mean");
        close_to(hald_score_regions(&f->scorer, w, 160, &why), s[i].regions,
                 143 * 0.5 * f->tables->regions_scale, s[i].start, s[i].strand, "regions");
        plus += s[i].strand == '+';
        minus += s[i].strand == '-';
        na += isnan(s[i].regions);
        if (i % 97 == 0) { /* one site alone: the same bits */
            hald_scan_site_t one;
            hald_scan_one(f->tables, seq, 0, n, n, s[i].start, s[i].strand, &one);
            assert_memory_equal(&one.mean, &s[i].mean, sizeof one.mean);
            assert_memory_equal(&one.regions, &s[i].regions, sizeof one.regions);
            assert_int_equal(one.canonical, 1);
        }
    }
    assert_true(plus > 1000 && minus > 1000 && na > 100);
    /* Every GT / AC with a whole window is there, and nothing else. */
    size_t expect = 0;
    for (size_t p = 0; p + 1 < n; p++) {
        char a = (char)(seq[p] & ~0x20), b = (char)(seq[p + 1] & ~0x20);
        expect += (a == 'G' && b == 'T' && p >= 80 && p + 80 <= n) ||
                  (a == 'A' && b == 'C' && p >= 78 && p + 82 <= n);
    }
    assert_int_equal(count, expect);
    hald_buf_free(&sites);
    free(seq);
}

/* Many given sites at once (every GT and AC of the scan, plus positions
 * with neither, sparse and dense, near the ends): the bits of each site
 * scored alone. */
static void test_sites_equal_one(void **state)
{
    fixture_t *f = *state;
    hald_scorer_init(&f->scorer, &f->w, HALD_CPU_SCALAR, 0);
    use_tables(f);
    size_t n = 20000;
    char *seq = random_seq(n, 7);
    hald_scan_site_t *sites = calloc(2 * n, sizeof *sites);
    assert_non_null(sites);
    size_t k = 0;
    for (size_t p = 0; p < n; p += (p > 5000 && p < 9000) ? 211 : 1 + p % 5) {
        sites[k].start = p;
        sites[k++].strand = '+';
        if (p % 3 == 0) {
            sites[k].start = p;
            sites[k++].strand = '-';
        }
    }
    for (size_t i = 0; i < k; i++)
        sites[i].name = (uint32_t)i;
    hald_scan_sites(f->tables, seq, 0, n, n, sites, k);
    size_t scored = 0;
    for (size_t i = 0; i < k; i++) {
        hald_scan_site_t one;
        hald_scan_one(f->tables, seq, 0, n, n, sites[i].start, sites[i].strand, &one);
        assert_int_equal(sites[i].name, i); /* kept */
        one.name = sites[i].name;
        assert_memory_equal(&one, &sites[i], sizeof one);
        scored += !isnan(sites[i].mean);
    }
    assert_true(scored > k / 2 && scored < k);
    free(sites);
    free(seq);
}

static void test_scan_equals_direct_scalar(void **state) { check_against_direct(*state, HALD_CPU_SCALAR); }

static void test_scan_equals_direct_avx2(void **state)
{
    if (!hald_cpu_has_avx2())
        skip();
    check_against_direct(*state, HALD_CPU_AVX2);
}

/* Scans seq[0, n) in chunks of `step` starts, each given only the bases
 * its windows need, appending to out. */
static void scan_in_pieces(fixture_t *f, const char *seq, size_t n, uint64_t step,
                           hald_model_set_t models, hald_buf_t *out)
{
    hald_error_t err;
    for (uint64_t lo = 0; lo < n; lo += step) {
        uint64_t hi = lo + step < n ? lo + step : n;
        uint64_t b0 = lo > 80 ? lo - 80 : 0, b1 = hi + 82 < n ? hi + 82 : n;
        assert_int_equal(hald_scan_chunk(f->tables, seq + b0, b0, (size_t)(b1 - b0), n, lo, hi,
                                         models, out, &err), HALD_OK);
    }
}

static void test_chunks_give_the_same_bits(void **state)
{
    fixture_t *f = *state;
    hald_scorer_init(&f->scorer, &f->w, HALD_CPU_SCALAR, 0);
    use_tables(f);
    size_t n = 20000;
    char *seq = random_seq(n, 7);
    hald_buf_t whole, parts;
    hald_buf_init(&whole);
    hald_buf_init(&parts);
    hald_error_t err;
    assert_int_equal(hald_scan_chunk(f->tables, seq, 0, n, n, 0, n, HALD_MODELS_BOTH, &whole, &err), HALD_OK);
    scan_in_pieces(f, seq, n, 333, HALD_MODELS_BOTH, &parts);
    assert_int_equal(whole.len, parts.len);
    assert_memory_equal(whole.data, parts.data, whole.len);
    hald_buf_free(&whole);
    hald_buf_free(&parts);
    free(seq);
}

/* A mean-only scan (two lanes) finds the same sites with the same mean
 * bits, split or not. */
static void test_mean_only_gives_the_same_means(void **state)
{
    fixture_t *f = *state;
    hald_scorer_init(&f->scorer, &f->w, hald_cpu_has_avx2() ? HALD_CPU_AVX2 : HALD_CPU_SCALAR, 0);
    use_tables(f);
    size_t n = 30000;
    char *seq = random_seq(n, 11);
    hald_buf_t both, mean;
    hald_buf_init(&both);
    hald_buf_init(&mean);
    hald_error_t err;
    assert_int_equal(hald_scan_chunk(f->tables, seq, 0, n, n, 0, n, HALD_MODELS_BOTH, &both, &err), HALD_OK);
    scan_in_pieces(f, seq, n, 4099, HALD_MODELS_MEAN, &mean);
    const hald_scan_site_t *a = (const hald_scan_site_t *)both.data, *b = (const hald_scan_site_t *)mean.data;
    size_t count = both.len / sizeof *a;
    assert_int_equal(count, mean.len / sizeof *b);
    assert_true(count > 3000);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(a[i].start, b[i].start);
        assert_int_equal(a[i].strand, b[i].strand);
        assert_memory_equal(&a[i].mean, &b[i].mean, sizeof a[i].mean);
        assert_true(isnan(b[i].regions) && b[i].na_regions == 0);
    }
    hald_buf_free(&both);
    hald_buf_free(&mean);
    free(seq);
}

/* Weights beyond the 48-bit fixed point are refused, not wrapped. */
static void test_huge_weight_is_refused(void **state)
{
    fixture_t *f = *state;
    hald_scorer_init(&f->scorer, &f->w, HALD_CPU_SCALAR, 0);
    f->scorer.region_w[3][17] = 0x1p48;
    hald_error_t err;
    hald_scan_tables_t *t = hald_scan_tables_new(&f->scorer, &err);
    assert_null(t);
    assert_int_equal(err.code, HALD_E_INPUT);
    assert_non_null(strstr(err.msg, "too large"));
    f->scorer.region_w[3][17] = 0x1p46; /* fits, with a smaller step */
    t = hald_scan_tables_new(&f->scorer, &err);
    assert_non_null(t);
    assert_int_equal(t->regions_exp, 0);
    hald_scan_tables_free(t);
}

static void test_avx2_prefix_and_masks(void **state)
{
    fixture_t *f = *state;
    if (!hald_cpu_has_avx2())
        skip();
    hald_scorer_init(&f->scorer, &f->w, HALD_CPU_SCALAR, 0);
    use_tables(f);
    enum { M = 5000, STEP = 200 };
    static uint16_t rows[M];
    static uint64_t a[HALD_SCAN_RING_WORDS], b[HALD_SCAN_RING_WORDS];
    uint64_t r = 3;
    for (size_t i = 0; i < M; i++)
        rows[i] = (uint16_t)(rnd(&r) % 4097);
    memset(a, 0x5A, sizeof a);
    memcpy(b, a, sizeof a);
    /* Pieces of a long run through the ring, wrapping many times. */
    for (size_t i = 0; i < M; i += STEP) {
        hald_scan_prefix_scalar((const hald_scan_row_t *)f->tables->rows, rows + i, STEP, a, i + 37);
        hald_scan_prefix_avx2((const hald_scan_row_t *)f->tables->rows, rows + i, STEP, b, i + 37);
        assert_memory_equal(a, b, sizeof a);
    }
    static const char alphabet[] = "ACGTacgtUuNn";
    char bases[65];
    for (int rep = 0; rep < 20000; rep++) {
        for (int i = 0; i < 65; i++)
            bases[i] = alphabet[rnd(&r) % 12];
        uint64_t p1, m1, p2, m2;
        size_t n = rep % 3 ? 64 : (size_t)(rnd(&r) % 65);
        hald_scan_site_masks_scalar(bases, n, &p1, &m1);
        hald_scan_site_masks_avx2(bases, n, &p2, &m2);
        assert_true(p1 == p2 && m1 == m2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_equals_direct_scalar),
        cmocka_unit_test(test_scan_equals_direct_avx2),
        cmocka_unit_test(test_sites_equal_one),
        cmocka_unit_test(test_chunks_give_the_same_bits),
        cmocka_unit_test(test_mean_only_gives_the_same_means),
        cmocka_unit_test(test_huge_weight_is_refused),
        cmocka_unit_test(test_avx2_prefix_and_masks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
