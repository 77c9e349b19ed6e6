/* AVX2 hexamer rows: 32 bases encoded per step, 16 rows built per step.
 * Built with -mavx2 and only called when the CPU has AVX2.  Must agree with
 * hald_hexamers_scalar on every input (tests/unit/test_hexamer.c). */
#include "hald/hexamer.h"

#include <immintrin.h>

/* Hexamer starts per pass: bounds the stack buffer for any sequence length. */
#define PASS 1024

/* codes[i] = 2-bit code of seq[i], or 4 for an unknown base.  Returns
 * nonzero when any base is unknown. */
static unsigned encode_avx2(const char *seq, size_t n, uint8_t *codes)
{
    const __m256i fold = _mm256_set1_epi8(0x20);
    const __m256i a = _mm256_set1_epi8('a'), t = _mm256_set1_epi8('t'),
                  u = _mm256_set1_epi8('u'), c = _mm256_set1_epi8('c'),
                  g = _mm256_set1_epi8('g');
    const __m256i one = _mm256_set1_epi8(1), two = _mm256_set1_epi8(2),
                  three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
    __m256i any_unknown = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i x = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(seq + i)), fold);
        __m256i is_a = _mm256_cmpeq_epi8(x, a);
        __m256i is_t = _mm256_or_si256(_mm256_cmpeq_epi8(x, t), _mm256_cmpeq_epi8(x, u));
        __m256i is_c = _mm256_cmpeq_epi8(x, c);
        __m256i is_g = _mm256_cmpeq_epi8(x, g);
        __m256i known = _mm256_or_si256(_mm256_or_si256(is_a, is_t), _mm256_or_si256(is_c, is_g));
        __m256i code = _mm256_or_si256(
            _mm256_or_si256(_mm256_and_si256(is_t, one), _mm256_and_si256(is_c, two)),
            _mm256_and_si256(is_g, three));
        __m256i unknown = _mm256_andnot_si256(known, four);
        any_unknown = _mm256_or_si256(any_unknown, unknown);
        _mm256_storeu_si256((__m256i *)(codes + i), _mm256_or_si256(code, unknown));
    }
    unsigned tail_unknown = 0;
    for (; i < n; i++) {
        codes[i] = (uint8_t)hald_base_code((unsigned char)seq[i]);
        tail_unknown |= codes[i];
    }
    return (unsigned)!_mm256_testz_si256(any_unknown, any_unknown) | (tail_unknown & 4u);
}

/* 16 rows starting at codes; *unknown gets the lanes whose hexamer has an
 * unknown base (all ones) and the rest zero. */
static inline __m256i rows16(const uint8_t *codes, __m256i *unknown)
{
    const __m256i low2 = _mm256_set1_epi16(3);
    __m256i row = _mm256_setzero_si256(), any = _mm256_setzero_si256();
    for (int k = 0; k < HALD_HEX_LEN; k++) {
        __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(codes + k)));
        any = _mm256_or_si256(any, c);
        row = _mm256_or_si256(_mm256_slli_epi16(row, 2), _mm256_and_si256(c, low2));
    }
    /* Bit 2 of any code marks an unknown base somewhere in the hexamer. */
    *unknown = _mm256_cmpgt_epi16(_mm256_and_si256(any, _mm256_set1_epi16(4)),
                                  _mm256_setzero_si256());
    return _mm256_blendv_epi8(row, _mm256_set1_epi16((short)HALD_HEX_INVALID), *unknown);
}

/* Rows 0..m-1 from codes; returns how many are invalid. */
static size_t rows_from_codes(const uint8_t *codes, size_t m, uint16_t *rows)
{
    size_t b = 0, invalid = 0;
    __m256i unknown;
    for (; b + 16 <= m; b += 16) {
        _mm256_storeu_si256((__m256i *)(rows + b), rows16(codes + b, &unknown));
        invalid += (size_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(unknown)) / 2;
    }
    if (b < m && m >= 16) {
        /* Redo the last 16 (overlapping stores write equal values) and
         * count only the lanes not counted yet. */
        _mm256_storeu_si256((__m256i *)(rows + m - 16), rows16(codes + m - 16, &unknown));
        unsigned fresh = (unsigned)_mm256_movemask_epi8(unknown) >> (2 * (16 - (m - b)));
        return invalid + (size_t)__builtin_popcount(fresh) / 2;
    }
    for (; b < m; b++) {
        unsigned row = 0, any = 0;
        for (int k = 0; k < HALD_HEX_LEN; k++) {
            row = (row << 2) | (codes[b + k] & 3u);
            any |= codes[b + k];
        }
        rows[b] = (uint16_t)((any & 4u) ? HALD_HEX_INVALID : row);
        invalid += (any & 4u) != 0;
    }
    return invalid;
}

/* 32 all-known rows from codes: pairs of bases, then quadruples, then the
 * hexamer, built on whole bytes (no value outgrows its byte) and widened
 * to 16 bits only at the end. */
static inline void rows32_known(const uint8_t *codes, uint16_t *rows)
{
#define LOAD(k) _mm256_loadu_si256((const __m256i *)(codes + (k)))
    __m256i p0 = _mm256_or_si256(_mm256_slli_epi16(LOAD(0), 2), LOAD(1)); /* 4 bits */
    __m256i p2 = _mm256_or_si256(_mm256_slli_epi16(LOAD(2), 2), LOAD(3));
    __m256i p4 = _mm256_or_si256(_mm256_slli_epi16(LOAD(4), 2), LOAD(5));
#undef LOAD
    __m256i q = _mm256_or_si256(_mm256_slli_epi16(p0, 4), p2); /* 8 bits */
    __m256i q_lo = _mm256_cvtepu8_epi16(_mm256_castsi256_si128(q));
    __m256i q_hi = _mm256_cvtepu8_epi16(_mm256_extracti128_si256(q, 1));
    __m256i p_lo = _mm256_cvtepu8_epi16(_mm256_castsi256_si128(p4));
    __m256i p_hi = _mm256_cvtepu8_epi16(_mm256_extracti128_si256(p4, 1));
    _mm256_storeu_si256((__m256i *)rows, _mm256_or_si256(_mm256_slli_epi16(q_lo, 4), p_lo));
    _mm256_storeu_si256((__m256i *)(rows + 16), _mm256_or_si256(_mm256_slli_epi16(q_hi, 4), p_hi));
}

/* All-known rows: no masks to build or count.  The last block overlaps the
 * one before (equal values); codes needs 32 readable bytes past m-32+5. */
static void rows_from_known_codes(const uint8_t *codes, size_t m, uint16_t *rows)
{
    if (m < 32) {
        rows_from_codes(codes, m, rows);
        return;
    }
    size_t b = 0;
    for (; b + 32 <= m; b += 32)
        rows32_known(codes + b, rows + b);
    if (b < m)
        rows32_known(codes + m - 32, rows + m - 32);
}

size_t hald_hexamers_avx2(const char *seq, size_t n, uint16_t *rows)
{
    if (n < HALD_HEX_LEN)
        return 0;
    /* +32: slack past the last code byte a 32-lane load may touch. */
    uint8_t codes[PASS + HALD_HEX_LEN + 32];
    size_t nhex = n - (HALD_HEX_LEN - 1), invalid = 0;
    for (size_t p = 0; p < nhex; p += PASS) {
        size_t m = nhex - p < PASS ? nhex - p : PASS;
        if (encode_avx2(seq + p, m + HALD_HEX_LEN - 1, codes))
            invalid += rows_from_codes(codes, m, rows + p);
        else
            rows_from_known_codes(codes, m, rows + p);
    }
    return invalid;
}
