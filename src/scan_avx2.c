/* AVX2 prefix sums for the scan: one row's 12 lanes are three 256-bit
 * loads, added to the running prefix in three registers.  Integer addition,
 * so the result is the scalar one bit for bit. */
#include "hald/scan.h"

#include <immintrin.h>

void hald_scan_prefix_avx2(const int64_t (*lanes)[HALD_SCAN_LANES], const uint16_t *rows,
                           size_t m, uint64_t (*ring)[HALD_SCAN_LANES], size_t first)
{
    const size_t mask = HALD_SCAN_RING - 1;
    const uint64_t *p0 = ring[first & mask];
    __m256i a = _mm256_loadu_si256((const __m256i *)p0);
    __m256i b = _mm256_loadu_si256((const __m256i *)(p0 + 4));
    __m256i c = _mm256_loadu_si256((const __m256i *)(p0 + 8));
    for (size_t i = 0; i < m; i++) {
        const int64_t *t = lanes[rows[i]];
        uint64_t *dst = ring[(first + i + 1) & mask];
        /* Rows are random and the table is L2-sized: ask for a later row's
         * lanes now, so the adds never wait for the cache. */
        if (i + 12 < m) {
            __builtin_prefetch(lanes[rows[i + 12]]);
            __builtin_prefetch(lanes[rows[i + 12]] + 8);
        }
        a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)t));
        b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i *)(t + 4)));
        c = _mm256_add_epi64(c, _mm256_loadu_si256((const __m256i *)(t + 8)));
        _mm256_storeu_si256((__m256i *)dst, a);
        _mm256_storeu_si256((__m256i *)(dst + 4), b);
        _mm256_storeu_si256((__m256i *)(dst + 8), c);
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
