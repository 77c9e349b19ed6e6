/* AVX2 prefix sums for the scan: one row's ten 48-bit entries are one
 * cache line, unpacked into 64-bit lanes by a dword permute and a byte
 * shuffle (zero extension: the entries carry their bias), then added to the
 * running prefix in three registers.  Integer addition, so the result is
 * the scalar one bit for bit. */
#include "hald/scan.h"

#include <immintrin.h>

void hald_scan_prefix_avx2(const hald_scan_row_t *table, const uint16_t *rows, size_t m,
                           uint64_t *ring, size_t first)
{
    const size_t mask = HALD_SCAN_RING - 1;
    uint64_t *hi = ring + 8 * HALD_SCAN_RING;
    /* Four entries (24 bytes) to four lanes: bytes 0..15 to the low half,
     * bytes 12..27 to the high half, then each 6-byte entry to the low
     * bytes of its lane. */
    const __m256i spread = _mm256_setr_epi32(0, 1, 2, 3, 3, 4, 5, 6);
    const __m256i widen = _mm256_setr_epi8(0, 1, 2, 3, 4, 5, -1, -1, 6, 7, 8, 9, 10, 11, -1, -1,
                                           0, 1, 2, 3, 4, 5, -1, -1, 6, 7, 8, 9, 10, 11, -1, -1);
    const __m128i widen2 = _mm_setr_epi8(0, 1, 2, 3, 4, 5, -1, -1, 6, 7, 8, 9, 10, 11, -1, -1);
    size_t k = first & mask;
    __m256i a = _mm256_loadu_si256((const __m256i *)(ring + 8 * k));
    __m256i b = _mm256_loadu_si256((const __m256i *)(ring + 8 * k + 4));
    __m128i c = _mm_loadu_si128((const __m128i *)(hi + 2 * k));
    for (size_t i = 0; i < m; i++) {
        const uint8_t *row = table[rows[i]];
        __m256i x = _mm256_loadu_si256((const __m256i *)row);
        __m256i y = _mm256_loadu_si256((const __m256i *)(row + 24));
        __m128i z = _mm_loadu_si128((const __m128i *)(row + 48));
        a = _mm256_add_epi64(a, _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(x, spread), widen));
        b = _mm256_add_epi64(b, _mm256_shuffle_epi8(_mm256_permutevar8x32_epi32(y, spread), widen));
        c = _mm_add_epi64(c, _mm_shuffle_epi8(z, widen2));
        k = (k + 1) & mask;
        _mm256_storeu_si256((__m256i *)(ring + 8 * k), a);
        _mm256_storeu_si256((__m256i *)(ring + 8 * k + 4), b);
        _mm_storeu_si128((__m128i *)(hi + 2 * k), c);
    }
}

/* Bit k of *plus: bases[k..k+1] is GT (any case, U as T); of *minus: AC.
 * Reads bases[0..n], n <= 64 (so n + 1 bytes). */
void hald_scan_site_masks_avx2(const char *bases, size_t n, uint64_t *plus, uint64_t *minus)
{
    if (n < 64) {
        hald_scan_site_masks_scalar(bases, n, plus, minus);
        return;
    }
    const __m256i fold = _mm256_set1_epi8(0x20);
    uint64_t p = 0, m = 0;
    for (int half = 0; half < 2; half++) {
        const char *b = bases + 32 * half;
        __m256i x0 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)b), fold);
        __m256i x1 = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(b + 1)), fold);
        __m256i g = _mm256_cmpeq_epi8(x0, _mm256_set1_epi8('g'));
        __m256i t = _mm256_or_si256(_mm256_cmpeq_epi8(x1, _mm256_set1_epi8('t')),
                                    _mm256_cmpeq_epi8(x1, _mm256_set1_epi8('u')));
        __m256i a = _mm256_cmpeq_epi8(x0, _mm256_set1_epi8('a'));
        __m256i c = _mm256_cmpeq_epi8(x1, _mm256_set1_epi8('c'));
        p |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_and_si256(g, t)) << (32 * half);
        m |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_and_si256(a, c)) << (32 * half);
    }
    *plus = p;
    *minus = m;
}
