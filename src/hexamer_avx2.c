/* AVX2 hexamer rows: 32 bases encoded per step, 16 rows built per step.
 * Built with -mavx2 and only called when the CPU has AVX2.  Must agree with
 * hald_hexamers_scalar on every input (tests/unit/test_hexamer.c). */
#include "hald/hexamer.h"

#include <immintrin.h>

/* Hexamer starts per pass: bounds the stack buffer for any sequence length. */
#define PASS 1024

/* codes[i] = 2-bit code of seq[i], or 4 for an unknown base. */
static void encode_avx2(const char *seq, size_t n, uint8_t *codes)
{
    const __m256i fold = _mm256_set1_epi8(0x20);
    const __m256i a = _mm256_set1_epi8('a'), t = _mm256_set1_epi8('t'),
                  u = _mm256_set1_epi8('u'), c = _mm256_set1_epi8('c'),
                  g = _mm256_set1_epi8('g');
    const __m256i one = _mm256_set1_epi8(1), two = _mm256_set1_epi8(2),
                  three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
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
        code = _mm256_or_si256(code, _mm256_andnot_si256(known, four));
        _mm256_storeu_si256((__m256i *)(codes + i), code);
    }
    for (; i < n; i++)
        codes[i] = (uint8_t)hald_base_code((unsigned char)seq[i]);
}

/* 16 rows starting at codes + b. */
static inline __m256i rows16(const uint8_t *codes)
{
    const __m256i low2 = _mm256_set1_epi16(3);
    __m256i row = _mm256_setzero_si256(), any = _mm256_setzero_si256();
    for (int k = 0; k < HALD_HEX_LEN; k++) {
        __m256i c = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(codes + k)));
        any = _mm256_or_si256(any, c);
        row = _mm256_or_si256(_mm256_slli_epi16(row, 2), _mm256_and_si256(c, low2));
    }
    /* Bit 2 of any code marks an unknown base somewhere in the hexamer. */
    __m256i unknown = _mm256_cmpgt_epi16(_mm256_and_si256(any, _mm256_set1_epi16(4)),
                                         _mm256_setzero_si256());
    return _mm256_blendv_epi8(row, _mm256_set1_epi16((short)HALD_HEX_INVALID), unknown);
}

static void rows_from_codes(const uint8_t *codes, size_t m, uint16_t *rows)
{
    size_t b = 0;
    for (; b + 16 <= m; b += 16)
        _mm256_storeu_si256((__m256i *)(rows + b), rows16(codes + b));
    if (b == m)
        return;
    if (m >= 16) { /* redo the last 16: overlapping stores write equal values */
        _mm256_storeu_si256((__m256i *)(rows + m - 16), rows16(codes + m - 16));
        return;
    }
    for (; b < m; b++) {
        unsigned row = 0, any = 0;
        for (int k = 0; k < HALD_HEX_LEN; k++) {
            row = (row << 2) | (codes[b + k] & 3u);
            any |= codes[b + k];
        }
        rows[b] = (uint16_t)((any & 4u) ? HALD_HEX_INVALID : row);
    }
}

void hald_hexamers_avx2(const char *seq, size_t n, uint16_t *rows)
{
    if (n < HALD_HEX_LEN)
        return;
    /* +16: rows16 reads 16 code bytes from offsets up to m-16+5. */
    uint8_t codes[PASS + HALD_HEX_LEN + 16];
    size_t nhex = n - (HALD_HEX_LEN - 1);
    for (size_t p = 0; p < nhex; p += PASS) {
        size_t m = nhex - p < PASS ? nhex - p : PASS;
        encode_avx2(seq + p, m + HALD_HEX_LEN - 1, codes);
        rows_from_codes(codes, m, rows + p);
    }
}
