/* Hexamer rows: the scalar reference on hand-checked cases, and the AVX2
 * path equal to it on every length and on random messy sequences. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "hald/hexamer.h"

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_base_codes(void **state)
{
    (void)state;
    assert_int_equal(hald_base_code('A'), 0);
    assert_int_equal(hald_base_code('a'), 0);
    assert_int_equal(hald_base_code('T'), 1);
    assert_int_equal(hald_base_code('u'), 1);
    assert_int_equal(hald_base_code('U'), 1);
    assert_int_equal(hald_base_code('C'), 2);
    assert_int_equal(hald_base_code('g'), 3);
    const char *unknown = "NnRYKMSWBDHV.-*\r\n \t\x01\xff@[`{";
    for (const char *p = unknown; *p; p++)
        assert_int_equal(hald_base_code((unsigned char)*p), 4);
    /* Every byte: known exactly for the ten letters. */
    int known = 0;
    for (int c = 0; c < 256; c++)
        known += hald_base_code((unsigned char)c) < 4;
    assert_int_equal(known, 10);
}

static void test_scalar_rows(void **state)
{
    (void)state;
    uint16_t rows[8];
    /* Published rows: AAAAAA 0, ATCGAT 433, TTTTTT 1365, CAGGTA 2292,
     * GTAAGT 3341, GGGGGG 4095. */
    struct { const char *hex; unsigned row; } cases[] = {
        {"AAAAAA", 0}, {"ATCGAT", 433}, {"TTTTTT", 1365}, {"CAGGTA", 2292},
        {"GTAAGT", 3341}, {"GGGGGG", 4095}, {"gtaagu", 3341}, {"caggua", 2292},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(hald_hexamers_scalar(cases[i].hex, 6, rows), 0);
        assert_int_equal(rows[0], cases[i].row);
    }
    assert_int_equal(hald_hexamers_scalar("AAAAAAN", 7, rows), 1);
    assert_int_equal(rows[0], 0);
    assert_int_equal(rows[1], HALD_HEX_INVALID);
    assert_int_equal(hald_hexamers_scalar("NAAAAAAC", 8, rows), 1);
    assert_int_equal(rows[0], HALD_HEX_INVALID);
    assert_int_equal(rows[1], 0);
    assert_int_equal(rows[2], 2); /* AAAAAC */
}

static void check_paths_agree(const char *seq, size_t n)
{
    size_t m = n >= 6 ? n - 5 : 0;
    uint16_t *a = malloc((m + 1) * sizeof *a), *b = malloc((m + 1) * sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    a[m] = b[m] = 0xBEEF; /* neither path may write past n-6 */
    size_t invalid_a = hald_hexamers_scalar(seq, n, a);
    size_t invalid_b = hald_hexamers_avx2(seq, n, b);
    assert_memory_equal(a, b, m * sizeof *a);
    size_t counted = 0;
    for (size_t i = 0; i < m; i++)
        counted += a[i] == HALD_HEX_INVALID;
    assert_int_equal(invalid_a, counted);
    assert_int_equal(invalid_b, counted);
    assert_int_equal(a[m], 0xBEEF);
    assert_int_equal(b[m], 0xBEEF);
    free(a);
    free(b);
}

static void test_avx2_matches_scalar(void **state)
{
    (void)state;
    if (!hald_cpu_has_avx2())
        skip();
    static const char alphabet[] = "ACGTACGTACGTacgtuUNnRY.";
    uint64_t s = 42;
    char *seq = malloc(5000);
    assert_non_null(seq);
    /* Every length around the vector widths and pass boundaries. */
    for (size_t n = 0; n <= 2100; n++) {
        for (size_t i = 0; i < n; i++)
            seq[i] = alphabet[rng_next(&s) % (sizeof alphabet - 1)];
        check_paths_agree(seq, n);
    }
    /* 100,000 windows of 160 with a few unknown bases each. */
    for (int w = 0; w < 100000; w++) {
        for (size_t i = 0; i < 160; i++)
            seq[i] = "ACGT"[rng_next(&s) & 3];
        for (int k = (int)(rng_next(&s) % 4); k > 0; k--)
            seq[rng_next(&s) % 160] = alphabet[rng_next(&s) % (sizeof alphabet - 1)];
        check_paths_agree(seq, 160);
    }
    /* All 256 byte values in every position of a hexamer. */
    for (int c = 0; c < 256; c++) {
        memset(seq, 'C', 64);
        seq[17] = (char)c;
        check_paths_agree(seq, 64);
    }
    free(seq);
}

static void test_cpu_select(void **state)
{
    (void)state;
    hald_cpu_t chosen;
    hald_error_t err;
    assert_int_equal(hald_cpu_select(HALD_CPU_SCALAR, &chosen, &err), HALD_OK);
    assert_int_equal(chosen, HALD_CPU_SCALAR);
    assert_int_equal(hald_cpu_select(HALD_CPU_AUTO, &chosen, &err), HALD_OK);
    assert_int_equal(chosen, hald_cpu_has_avx2() ? HALD_CPU_AVX2 : HALD_CPU_SCALAR);
    int rc = hald_cpu_select(HALD_CPU_AVX2, &chosen, &err);
    assert_int_equal(rc, hald_cpu_has_avx2() ? HALD_OK : HALD_E_USAGE);
    hald_cpu_t parsed;
    assert_int_equal(hald_cpu_parse("avx2", &parsed), 0);
    assert_int_equal(parsed, HALD_CPU_AVX2);
    assert_int_equal(hald_cpu_parse("sse9", &parsed), -1);
    assert_ptr_equal(hald_hexamer_kernel(HALD_CPU_SCALAR), hald_hexamers_scalar);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base_codes),
        cmocka_unit_test(test_scalar_rows),
        cmocka_unit_test(test_avx2_matches_scalar),
        cmocka_unit_test(test_cpu_select),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
