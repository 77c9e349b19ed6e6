/* %.15g without printf.  A finite double is mant·2^e2 exactly, so the 15
 * significant digits are floor(mant·10^k / 2^-e2) with the remainder
 * deciding the rounding (ties to even, as glibc's printf rounds the exact
 * value): one 64×64→128-bit product and a shift, no floating point.  Values
 * whose scale falls outside that range (below 1e-5 or from 1e15 up) are
 * rare for scores and go to snprintf, so the output is always printf's. */
#include "hald/numfmt.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SIG_DIGITS 15
#define MAX_POW10 19 /* 10^19 < 2^64 */

static const uint64_t POW10[MAX_POW10 + 1] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};

static const char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

size_t hald_format_u64(unsigned long long v, char *out)
{
    char tmp[24];
    size_t i = sizeof tmp;
    while (v >= 100) {
        unsigned pair = (unsigned)(v % 100);
        v /= 100;
        tmp[--i] = DIGIT_PAIRS[2 * pair + 1];
        tmp[--i] = DIGIT_PAIRS[2 * pair];
    }
    if (v >= 10) {
        tmp[--i] = DIGIT_PAIRS[2 * v + 1];
        tmp[--i] = DIGIT_PAIRS[2 * v];
    } else {
        tmp[--i] = (char)('0' + v);
    }
    size_t len = sizeof tmp - i;
    memcpy(out, tmp + i, len);
    return len;
}

/* mant·2^e2·10^k rounded to an integer, ties to even; 0 if out of range. */
static uint64_t scale_round(uint64_t mant, int e2, int k)
{
    if (k < 0 || k > MAX_POW10 || e2 >= 0 || e2 < -127)
        return 0;
    unsigned __int128 p = (unsigned __int128)mant * POW10[k];
    unsigned shift = (unsigned)-e2;
    unsigned __int128 q = p >> shift, rem = p - (q << shift), half = (unsigned __int128)1 << (shift - 1);
    if (q >> 63)
        return 0;
    uint64_t d = (uint64_t)q;
    if (rem > half || (rem == half && (d & 1)))
        d++;
    return d;
}

/* The 15 significant digits of ax > 0 and its decimal exponent; returns 0
 * when the exact fast path does not apply. */
static int scaled_digits(double ax, int *exp10, uint64_t *digits)
{
    uint64_t bits;
    memcpy(&bits, &ax, sizeof bits);
    int biased = (int)(bits >> 52);
    if (biased == 0)
        return 0; /* subnormal */
    uint64_t mant = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
    int e2 = biased - 1075; /* ax = mant·2^e2 */
    /* Decimal exponent from the binary one (floor(log10(2))·(e2+52) via
     * 78913/2^18): at most one too small. */
    int e = ((e2 + 52) * 78913) >> 18;
    for (int attempt = 0; attempt < 2; attempt++, e++) {
        uint64_t d = scale_round(mant, e2, (SIG_DIGITS - 1) - e);
        if (d == 0)
            return 0;
        if (d < 1000000000000000ULL) {
            if (d < 100000000000000ULL)
                return 0; /* estimate too large: cannot happen, but stay exact */
            *exp10 = e;
            *digits = d;
            return 1;
        }
        if (d == 1000000000000000ULL) { /* 9.99...5 rounded up to 10^15 */
            *exp10 = e + 1;
            *digits = 100000000000000ULL;
            return 1;
        }
    }
    return 0;
}

/* Two digits at out from v < 100. */
static inline void put2(char *out, unsigned v)
{
    memcpy(out, DIGIT_PAIRS + 2 * v, 2);
}

/* Exactly 8 digits of v < 10^8, leading zeros kept.  Independent 32-bit
 * halves instead of one long chain of 64-bit divisions. */
static inline void put8(char *out, uint32_t v)
{
    uint32_t hi = v / 10000, lo = v % 10000;
    put2(out, hi / 100);
    put2(out + 2, hi % 100);
    put2(out + 4, lo / 100);
    put2(out + 6, lo % 100);
}

/* The 15 digits of d in [10^14, 10^15). */
static inline void write_15_digits(uint64_t d, char *out)
{
    uint32_t hi = (uint32_t)(d / 100000000u), lo = (uint32_t)(d % 100000000u);
    char tmp[8];
    put8(tmp, hi); /* hi < 10^7: 8 digits with one leading zero */
    memcpy(out, tmp + 1, 7);
    put8(out + 7, lo);
}

static size_t write_exponent(char *p, int e)
{
    size_t n = 0;
    p[n++] = 'e';
    p[n++] = e < 0 ? '-' : '+';
    unsigned ue = (unsigned)(e < 0 ? -e : e);
    if (ue < 10)
        p[n++] = '0';
    n += hald_format_u64(ue, p + n);
    return n;
}

size_t hald_format_g15(double x, char *out)
{
    int e;
    uint64_t d;
    if (x == 0.0 || !isfinite(x) || !scaled_digits(fabs(x), &e, &d))
        return (size_t)snprintf(out, HALD_G15_MAX, "%.15g", x);

    char digits[SIG_DIGITS];
    write_15_digits(d, digits);
    int nd = SIG_DIGITS;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;

    size_t n = 0;
    if (x < 0)
        out[n++] = '-';
    if (e < -4 || e >= SIG_DIGITS) { /* %g's rule for exponent form */
        out[n++] = digits[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, digits + 1, (size_t)nd - 1);
            n += (size_t)nd - 1;
        }
        n += write_exponent(out + n, e);
    } else if (e < 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = -1; i > e; i--)
            out[n++] = '0';
        memcpy(out + n, digits, (size_t)nd);
        n += (size_t)nd;
    } else {
        int int_digits = e + 1;
        for (int i = 0; i < int_digits; i++)
            out[n++] = i < nd ? digits[i] : '0';
        if (nd > int_digits) {
            out[n++] = '.';
            memcpy(out + n, digits + int_digits, (size_t)(nd - int_digits));
            n += (size_t)(nd - int_digits);
        }
    }
    out[n] = '\0';
    return n;
}
