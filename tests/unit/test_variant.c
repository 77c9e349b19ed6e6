/* The sites of an allele: on random sequence with random SNVs, MNVs and
 * indels (VCF-style, with anchor bases), every site's reference and
 * alternate scores are the scan's at (start) on the reference and at
 * (alt_start) on the whole alternate sequence, bit for bit; every donor
 * dinucleotide of either haplotype whose window holds the change is
 * there; and hand-checked cases pin the coordinates of indels on both
 * strands, created and destroyed donors and sequence ends. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hald/variant.h"

#ifndef HALD_SHARED_DIR
#define HALD_SHARED_DIR "../shared"
#endif

typedef struct fixture {
    hald_weights_t w;
    hald_scorer_t scorer;
    hald_scan_tables_t *tables;
    hald_variant_scratch_t scratch;
    hald_buf_t out;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    hald_error_t err;
    if (!f || hald_weights_load(HALD_SHARED_DIR "/weights/HAL_mer_scores.npz", &f->w, &err) != HALD_OK) {
        free(f);
        return -1;
    }
    hald_scorer_init(&f->scorer, &f->w, HALD_CPU_SCALAR, 0);
    f->tables = hald_scan_tables_new(&f->scorer, &err);
    hald_variant_scratch_init(&f->scratch);
    hald_buf_init(&f->out);
    *state = f;
    return f->tables ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    hald_scan_tables_free(f->tables);
    hald_variant_scratch_free(&f->scratch);
    hald_buf_free(&f->out);
    free(f);
    return 0;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static char *random_seq(size_t n, uint64_t *r)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        uint64_t x = rnd(r);
        s[i] = x % 151 == 0 ? 'N' : x % 11 == 0 ? "acgt"[x >> 8 & 3] : "ACGT"[x >> 8 & 3];
    }
    s[n] = '\0';
    return s;
}

/* The sites of one allele (the whole sequence as the bases). */
static const hald_variant_site_t *sites_of(fixture_t *f, const char *seq, size_t n, uint64_t pos,
                                          const char *ref, const char *alt, size_t *count)
{
    hald_error_t err;
    hald_allele_t a = {pos, ref, alt, strlen(ref), strlen(alt)};
    f->out.len = 0;
    long m = hald_variant_sites(f->tables, seq, 0, n, n, &a, NULL, 0, &f->scratch, &f->out, &err);
    assert_true(m >= 0);
    *count = (size_t)m;
    return (const hald_variant_site_t *)(void *)f->out.data;
}

static int donor(const char *s, size_t n, uint64_t x, char strand)
{
    if (x + 1 >= n)
        return 0;
    char a = (char)(s[x] & ~0x20), b = (char)(s[x + 1] & ~0x20);
    return strand == '+' ? a == 'G' && b == 'T' : a == 'A' && b == 'C';
}

static int window_inside(uint64_t s, char strand, size_t n)
{
    return strand == '+' ? s >= 80 && s + 80 <= n : s >= 78 && s + 82 <= n;
}

static int window_holds(uint64_t s, char strand, uint64_t p, uint64_t len)
{
    int64_t lo = (int64_t)s - (strand == '+' ? 80 : 78), hi = (int64_t)s + (strand == '+' ? 80 : 82);
    return len && lo < (int64_t)(p + len) && (int64_t)p < hi;
}

static void same_bits(double a, double b)
{
    assert_memory_equal(&a, &b, sizeof a);
}

/* One random allele against the scan of both whole sequences. */
static size_t check_allele(fixture_t *f, const char *seq, size_t n, uint64_t pos, size_t rlen,
                           const char *alt)
{
    char ref[64];
    memcpy(ref, seq + pos, rlen);
    ref[rlen] = '\0';
    size_t alen = strlen(alt), an = n - rlen + alen;
    char *hap = malloc(an + 1);
    assert_non_null(hap);
    memcpy(hap, seq, pos);
    memcpy(hap + pos, alt, alen);
    memcpy(hap + pos + alen, seq + pos + rlen, n - pos - rlen);
    hap[an] = '\0';
    size_t m;
    const hald_variant_site_t *v = sites_of(f, seq, n, pos, ref, alt, &m);
    for (size_t i = 0; i < m; i++) {
        hald_scan_site_t r, a;
        hald_scan_one(f->tables, seq, 0, n, n, v[i].start, v[i].strand, &r);
        hald_scan_one(f->tables, hap, 0, an, an, v[i].alt_start, v[i].strand, &a);
        same_bits(r.mean, v[i].ref[0]);
        same_bits(r.regions, v[i].ref[1]);
        same_bits(a.mean, v[i].alt[0]);
        same_bits(a.regions, v[i].alt[1]);
        assert_int_equal(v[i].gt_ref, donor(seq, n, v[i].start, v[i].strand));
        assert_int_equal(v[i].gt_alt, donor(hap, an, v[i].alt_start, v[i].strand));
        assert_true(v[i].gt_ref || v[i].gt_alt);
        if (i) { /* ordered: start, '+' first, alt_start; no repeats */
            const hald_variant_site_t *p = &v[i - 1];
            assert_true(p->start < v[i].start ||
                        (p->start == v[i].start && (p->strand < v[i].strand ||
                                                    (p->strand == v[i].strand && p->alt_start < v[i].alt_start))));
        }
    }
    /* Completeness for SNVs and MNVs (same length: positions do not move):
     * every dinucleotide of either haplotype whose window holds the change. */
    if (rlen == alen) {
        size_t expect = 0;
        for (uint64_t s = pos > 90 ? pos - 90 : 0; s < pos + rlen + 90 && s < n; s++)
            for (int k = 0; k < 2; k++) {
                char st = k ? '-' : '+';
                int changed = 0;
                for (size_t j = 0; j < rlen; j++)
                    changed |= (seq[pos + j] & ~0x20) != (alt[j] & ~0x20) &&
                               window_holds(s, st, pos + j, 1);
                expect += changed && window_inside(s, st, n) &&
                          (donor(seq, n, s, st) || donor(hap, an, s, st));
            }
        assert_int_equal(m, expect);
        for (size_t i = 0; i < m; i++)
            assert_int_equal(v[i].alt_start, v[i].start);
    }
    free(hap);
    return m;
}

static void test_random_alleles_match_the_scan(void **state)
{
    fixture_t *f = *state;
    uint64_t r = 12345;
    size_t n = 3000;
    char *seq = random_seq(n, &r);
    size_t total = 0, moved = 0;
    for (int t = 0; t < 3000; t++) {
        uint64_t pos = rnd(&r) % (n - 60);
        size_t rlen = 1 + rnd(&r) % 4, alen;
        char alt[64];
        switch (t % 4) {
        case 0: alen = rlen; break;                       /* SNV or MNV */
        case 1: alen = 1; rlen = 1 + rnd(&r) % 20; break; /* deletion after an anchor */
        case 2: rlen = 1; alen = 1 + rnd(&r) % 20; break; /* insertion after an anchor */
        default: alen = 1 + rnd(&r) % 6; break;           /* anything */
        }
        for (size_t j = 0; j < alen; j++)
            alt[j] = "ACGTGTAC"[rnd(&r) & 7];
        if (t % 4 == 1 || t % 4 == 2)
            alt[0] = seq[pos]; /* the VCF anchor */
        alt[alen] = '\0';
        if (t % 16 == 0) /* near the ends too */
            pos = t % 32 ? rnd(&r) % 40 : n - rlen - rnd(&r) % 40;
        size_t m = check_allele(f, seq, n, pos, rlen, alt);
        total += m;
        const hald_variant_site_t *v = (const hald_variant_site_t *)(void *)f->out.data;
        for (size_t i = 0; i < m; i++)
            moved += v[i].alt_start != v[i].start;
    }
    assert_true(total > 30000 && moved > 5000); /* the checks saw many sites, indels too */
    free(seq);
}

/* A sequence of 400 bases: '#'-free filler with donors placed by hand. */
static char *filler(void)
{
    char *s = malloc(401);
    assert_non_null(s);
    for (int i = 0; i < 400; i++)
        s[i] = "CCAA"[i % 4]; /* no GT, and AC only at ...A|C... steps */
    s[400] = '\0';
    return s;
}

static void test_hand_checked(void **state)
{
    fixture_t *f = *state;
    char *s = filler();
    /* Filler "CCAACCAA": AC at every i with i % 4 == 3 (A at 3, C at 4). */
    size_t m;
    /* An SNV making a GT at 200-201 (C at 200 -> G; 201 is C -> need T). */
    memcpy(s + 200, "GC", 2);
    const hald_variant_site_t *v = sites_of(f, s, 400, 201, "C", "T", &m);
    size_t created = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i].strand == '+') {
            assert_int_equal(v[i].start, 200);
            assert_false(v[i].gt_ref);
            assert_true(v[i].gt_alt);
            created++;
        }
    assert_int_equal(created, 1);
    /* The reverse: destroying it. */
    memcpy(s + 200, "GT", 2);
    v = sites_of(f, s, 400, 201, "T", "C", &m);
    created = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i].strand == '+') {
            assert_int_equal(v[i].start, 200);
            assert_true(v[i].gt_ref);
            assert_false(v[i].gt_alt);
            created++;
        }
    assert_int_equal(created, 1);
    /* A 3-base deletion before the GT: the donor moves 3 to the left on
     * the alternate haplotype (anchor at 150: REF s[150..153], ALT s[150]). */
    char ref[8];
    memcpy(ref, s + 150, 4);
    ref[4] = '\0';
    char alt[2] = {s[150], '\0'};
    v = sites_of(f, s, 400, 150, ref, alt, &m);
    int found = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i].strand == '+' && v[i].start == 200) {
            assert_int_equal(v[i].alt_start, 197);
            assert_true(v[i].gt_ref && v[i].gt_alt);
            found = 1;
        }
    assert_true(found);
    /* An insertion of "GT" after the anchor at 250: a new plus donor at
     * alt 251, reported at the reference base after the insertion (251);
     * the GT at 200 keeps its place. */
    char ins_ref[2] = {s[250], '\0'}, ins_alt[4] = {s[250], 'G', 'T', '\0'};
    v = sites_of(f, s, 400, 250, ins_ref, ins_alt, &m);
    int new_site = 0, old_site = 0;
    for (size_t i = 0; i < m; i++) {
        if (v[i].strand == '+' && v[i].alt_start == 251) {
            assert_int_equal(v[i].start, 251);
            assert_false(v[i].gt_ref);
            assert_true(v[i].gt_alt);
            new_site = 1;
        }
        if (v[i].strand == '+' && v[i].start == 200) {
            assert_int_equal(v[i].alt_start, 200);
            old_site = 1;
        }
    }
    assert_true(new_site && old_site);
    /* Minus strand: an SNV turning the AC at 203..204 into AA destroys it;
     * its start is the A (plus strand, as in hald scan). */
    v = sites_of(f, s, 400, 204, "C", "A", &m);
    found = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i].strand == '-' && v[i].start == 203) {
            assert_true(v[i].gt_ref);
            assert_false(v[i].gt_alt);
            found = 1;
        }
    assert_true(found);
    /* Minus strand, a deletion: the AC at 223..224 moves 2 to the left;
     * the AC at 143 (before the change) stays; its start is the A. */
    char del_ref[4] = {s[180], s[181], s[182], '\0'}, del_alt[2] = {s[180], '\0'};
    v = sites_of(f, s, 400, 180, del_ref, del_alt, &m);
    int moved = 0, kept = 0;
    for (size_t i = 0; i < m; i++) {
        if (v[i].strand == '-' && v[i].start == 223) {
            assert_int_equal(v[i].alt_start, 221);
            assert_true(v[i].gt_ref && v[i].gt_alt);
            moved = 1;
        }
        if (v[i].strand == '-' && v[i].start == 143) {
            assert_int_equal(v[i].alt_start, 143);
            kept = 1;
        }
    }
    assert_true(moved && kept);
    /* Minus strand, an insertion creating a donor: REF C, ALT CAC at 300
     * trims (suffix first) to "CA" inserted before 300; the new AC at alt
     * 301 is reported at the reference base after the insertion (300). */
    char mi_ref[2] = {s[300], '\0'}, mi_alt[4] = {s[300], 'A', 'C', '\0'};
    v = sites_of(f, s, 400, 300, mi_ref, mi_alt, &m);
    found = 0;
    for (size_t i = 0; i < m; i++)
        if (v[i].strand == '-' && v[i].alt_start == 301) {
            assert_int_equal(v[i].start, 300);
            assert_false(v[i].gt_ref);
            assert_true(v[i].gt_alt);
            found = 1;
        }
    assert_true(found);
    /* Near the end: a deletion at 395 leaves windows past either
     * sequence's end out, and no site starts past 400 - 82. */
    char end_ref[4] = {s[395], s[396], s[397], '\0'}, end_alt[2] = {s[395], '\0'};
    v = sites_of(f, s, 400, 395, end_ref, end_alt, &m);
    for (size_t i = 0; i < m; i++)
        assert_true(v[i].start + 82 <= 400 || (v[i].strand == '+' && v[i].start + 80 <= 400));
    /* Near the start: a GT at 60 has no whole window on either haplotype. */
    memcpy(s + 60, "GT", 2);
    v = sites_of(f, s, 400, 61, "T", "A", &m);
    for (size_t i = 0; i < m; i++)
        assert_true(v[i].start >= 78);
    /* ALT equal to REF changes nothing. */
    v = sites_of(f, s, 400, 100, "CA", "CA", &m);
    assert_int_equal(m, 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_alleles_match_the_scan),
        cmocka_unit_test(test_hand_checked),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
